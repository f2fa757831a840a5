/*
 * test_mime.c - smime/mime.c's stream helpers, the one way sign, verify and
 * cosign read and write messages: kyso_mime_read_all (from the start, whole
 * or bounded; a bounded file substream's end is an end, not an error),
 * kyso_mime_write (a short write is KYSO_E_TEMP), kyso_mime_write_base64
 * (76 characters a line, the line end between lines only).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kyso/smime/mime.h"
#include "harness.h"

static void
read_all(void)
{
	static const char text[] = "Subject: x\r\n\r\nbody\r\n";
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	struct kyso_err err = {0};
	GByteArray *a;
	char buf[4], *path = NULL;
	int fd;

	(void)g_mime_stream_read(s, buf, sizeof(buf));
	a = kyso_mime_read_all(s, 0, &err);
	CHECK(a != NULL && a->len == strlen(text) &&
	        memcmp(a->data, text, a->len) == 0,
	    "whole stream, from its start even after a read");
	g_byte_array_unref(a);
	a = kyso_mime_read_all(s, strlen(text), &err);
	CHECK(a != NULL && a->len == strlen(text), "exactly the bound: read");
	g_byte_array_unref(a);
	a = kyso_mime_read_all(s, strlen(text) - 1, &err);
	CHECK(a == NULL && err.cls == KYSO_E_INPUT &&
	        strstr(err.msg, "larger than") != NULL,
	    "one byte over the bound: KYSO_E_INPUT: %s", err.msg);
	g_object_unref(s);

	/* a bounded substream of a file, as the spool hands it out */
	fd = g_file_open_tmp("kyso-mime.XXXXXX", &path, NULL);
	CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "temporary file");
	s = g_mime_stream_fs_new_with_bounds(fd, 2, 7);
	memset(&err, 0, sizeof(err));
	a = kyso_mime_read_all(s, 0, &err);
	CHECK(a != NULL && a->len == 5 && memcmp(a->data, "23456", 5) == 0,
	    "bounded file substream: its bytes, its end is no error (%s)",
	    err.msg);
	if (a != NULL)
		g_byte_array_unref(a);
	g_object_unref(s);
	(void)g_unlink(path);
	g_free(path);
}

static void
writes(void)
{
	GByteArray *a = g_byte_array_new();
	GMimeStream *s = g_mime_stream_mem_new_with_byte_array(a);
	unsigned char der[120];
	struct kyso_err err = {0};
	size_t total = 0, i;
	char *path = NULL;
	gchar *want;
	int fd;

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	for (i = 0; i < sizeof(der); i++)
		der[i] = (unsigned char)(i * 7);
	want = g_base64_encode(der, sizeof(der)); /* 160 characters */
	CHECK(kyso_mime_write_base64(s, der, sizeof(der), "\r\n", &total,
	          "test", &err) == 0 &&
	        total == 164 && a->len == 164 &&
	        memcmp(a->data, want, 76) == 0 &&
	        memcmp(a->data + 76, "\r\n", 2) == 0 &&
	        memcmp(a->data + 78, want + 76, 76) == 0 &&
	        memcmp(a->data + 154, "\r\n", 2) == 0 &&
	        memcmp(a->data + 156, want + 152, 8) == 0,
	    "base64: 76 a line, CRLF between lines, none after the last");
	g_free(want);
	g_object_unref(s);
	g_byte_array_unref(a);

	/* a stream that cannot be written */
	fd = g_file_open_tmp("kyso-mime.XXXXXX", &path, NULL);
	close(fd);
	fd = open(path, O_RDONLY);
	s = g_mime_stream_fs_new(fd);
	total = 0;
	CHECK(kyso_mime_write(s, "abc", 3, &total, "signed", &err) < 0 &&
	        err.cls == KYSO_E_TEMP && total == 0 &&
	        strstr(err.msg, "cannot write signed message") != NULL,
	    "a failed write: KYSO_E_TEMP, nothing counted: %s", err.msg);
	g_object_unref(s);
	(void)g_unlink(path);
	g_free(path);
}

int
main(void)
{
	kyso_mime_init();
	read_all();
	writes();
	kyso_mime_shutdown();
	return TEST_DONE();
}
