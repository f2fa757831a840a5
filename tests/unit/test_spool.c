/*
 * test_spool.c - the spool keeps every byte, moves to disk past its memory
 * limit and refuses to grow past its ceiling.
 */
#include <string.h>
#include <stdlib.h>

#include "kyso/smime/spool.h"
#include "harness.h"

static int
stream_equals(GMimeStream *s, const char *want, size_t len)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;

	while ((n = g_mime_stream_read(s, buf, sizeof(buf))) > 0) {
		if (got + (size_t)n > len ||
		    memcmp(buf, want + got, (size_t)n) != 0)
			return 0;
		got += (size_t)n;
	}
	return got == len;
}

int
main(void)
{
	struct kyso_err err = {0};
	struct kyso_spool *sp;
	GMimeStream *s;
	char big[10000];
	char rd[16];
	int i, ok = 1;

	g_mime_init();
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)('a' + i % 26);

	sp = kyso_spool_new(4096, NULL, 0);
	CHECK(kyso_spool_write(sp, "hello ", 6, &err) == 0, "small write");
	CHECK(!kyso_spool_on_disk(sp), "small spool stays in memory");
	s = kyso_spool_stream(sp);
	CHECK(stream_equals(s, "hello ", 6), "memory stream reads back");
	g_object_unref(s);
	kyso_spool_free(sp);

	sp = kyso_spool_new(4096, NULL, 0);
	for (i = 0; i < 5 && ok; i++)
		ok = kyso_spool_write(sp, big, 2000, &err) == 0;
	CHECK(ok, "five 2000-byte writes");
	CHECK(kyso_spool_on_disk(sp), "spool past 4096 bytes is on disk");
	CHECK(kyso_spool_size(sp) == 10000, "size counts every byte");
	CHECK(kyso_spool_pread(sp, rd, 3, 2001, &err) == 3 &&
	        memcmp(rd, big + 1, 3) == 0,
	    "pread from disk at an offset");
	s = kyso_spool_stream(sp);
	ok = 1;
	for (i = 0; i < 5 && ok; i++) {
		char buf[2000];
		ok = g_mime_stream_read(s, buf, 2000) == 2000 &&
		    memcmp(buf, big, 2000) == 0;
	}
	CHECK(ok, "disk stream reads back every chunk");
	g_object_unref(s);
	kyso_spool_free(sp);

	sp = kyso_spool_new(100, NULL, 150);
	CHECK(kyso_spool_write(sp, big, 120, &err) == 0, "under ceiling");
	CHECK(kyso_spool_write(sp, big, 40, &err) == -1 &&
	        err.cls == KYSO_E_INPUT,
	    "write past the ceiling is refused as input error");
	kyso_spool_free(sp);

	sp = kyso_spool_new(10, "/nonexistent-kyso-dir", 0);
	CHECK(kyso_spool_write(sp, big, 20, &err) == -1 &&
	        err.cls == KYSO_E_TEMP,
	    "unusable temp dir is a temporary error: %s", err.msg);
	kyso_spool_free(sp);

	g_mime_shutdown();
	return TEST_DONE();
}
