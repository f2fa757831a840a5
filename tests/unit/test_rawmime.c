/*
 * test_rawmime.c - smime/rawmime.c, the line structure of received bytes
 * that verification and co-signing read (GMime re-serialises, so the exact
 * bytes are found here): line ends, header/body split, unfolded values of
 * first and last instances, duplicate structure fields, delimiters, and
 * the IMAP part names of reasons. A mapped view (a spool file) read by
 * kyso_raw_next_line() keeps only a window of it resident and reads the
 * same bytes however often it is trimmed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/limits.h"

#include "harness.h"
#include "rawmime.h"

static struct kyso_span
span(const char *s)
{
	struct kyso_span x = {s, strlen(s)};

	return x;
}

static int
span_is(struct kyso_span x, const char *want)
{
	return x.len == strlen(want) && memcmp(x.p, want, x.len) == 0;
}

static void
check_lines(void)
{
	const char *s = "a\r\nb\nc";
	const char *end = s + strlen(s);

	CHECK(kyso_raw_eol_len(s + 1, end) == 2, "CRLF is 2");
	CHECK(kyso_raw_eol_len(s + 4, end) == 1, "LF is 1");
	CHECK(kyso_raw_eol_len(s, end) == 0, "no line end at a letter");
	CHECK(kyso_raw_eol_len(s + 1, s + 2) == 0,
	    "a CR at the end of the data is no line end");
	CHECK(kyso_raw_next_line(s, end) == s + 3, "next after CRLF");
	CHECK(kyso_raw_next_line(s + 3, end) == s + 5, "next after LF");
	CHECK(kyso_raw_next_line(s + 5, end) == end,
	    "the last line ends at end");
}

static void
check_split(void)
{
	struct kyso_span h, b;

	CHECK(kyso_raw_split_entity(span("A: 1\r\nB: 2\r\n\r\nbody\r\n"), &h,
	          &b) == 1 &&
	        span_is(h, "A: 1\r\nB: 2\r\n") && span_is(b, "body\r\n"),
	    "CRLF entity split at the empty line");
	CHECK(kyso_raw_split_entity(span("A: 1\n\nbody"), &h, &b) == 1 &&
	        span_is(h, "A: 1\n") && span_is(b, "body"),
	    "LF entity split");
	CHECK(kyso_raw_split_entity(span("\r\nbody"), &h, &b) == 1 &&
	        h.len == 0 && span_is(b, "body"),
	    "an empty header block");
	CHECK(kyso_raw_split_entity(span("A: 1\r\nB: 2"), &h, &b) == 0 &&
	        span_is(h, "A: 1\r\nB: 2") && b.len == 0,
	    "no empty line: all header, no body");
}

static void
check_values(void)
{
	const char *hdr = "Content-Type: multipart/signed;\r\n"
	                  "\tprotocol=\"application/pkcs7-signature\"  \r\n"
	                  "X: y\r\n"
	                  "content-type : text/plain\r\n";
	char *v;

	v = kyso_raw_header_value(span(hdr), "Content-Type");
	CHECK(v != NULL &&
	        strcmp(v,
	            "multipart/signed;\tprotocol=\"application/"
	            "pkcs7-signature\"") == 0,
	    "first value unfolded (the blank of the fold kept), trimmed (got "
	    "\"%s\")",
	    v ? v : "(null)");
	g_free(v);
	v = kyso_raw_header_value_last(span(hdr), "CONTENT-TYPE");
	CHECK(v != NULL && strcmp(v, "text/plain") == 0,
	    "last instance, any case, blank before the colon (got \"%s\")",
	    v ? v : "(null)");
	g_free(v);
	v = kyso_raw_header_value(span(hdr), "Content-Transfer-Encoding");
	CHECK(v == NULL, "an absent field is NULL");
	v = kyso_raw_header_value(span("Content-Typo: x\r\n"), "Content-Type");
	CHECK(v == NULL, "a longer or different name does not match");
	g_free(v);

	CHECK(g_strcmp0(kyso_raw_duplicate_field(span(hdr)), "Content-Type") ==
	        0,
	    "a second Content-Type is found (the two readers' disagreement)");
	CHECK(g_strcmp0(kyso_raw_duplicate_field(span("MIME-Version: 1.0\r\n"
	                                              "Mime-Version: 1.0\r\n")),
	          "MIME-Version") == 0,
	    "a second MIME-Version is found");
	CHECK(kyso_raw_duplicate_field(
	          span("Content-Type: a\r\n"
	               "Content-Transfer-Encoding: 7bit\r\n"
	               "X-Content-Type: b\r\n")) == NULL,
	    "no duplicate in a sound header");
}

static void
check_delimiters(void)
{
	static const char *const lines[] = {"--b1\r\n", "--b1--\r\n",
	    "--b1  \t\r\n", "--b1-- \r\n", "--b12\r\n", "--b1x\r\n", "-b1\r\n",
	    "--b1--x\r\n", "--b1"};
	static const int want[] = {1, 2, 1, 2, 0, 0, 0, 0, 1};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *p = lines[i];

		CHECK(kyso_raw_is_delimiter(p, p + strlen(p), "b1", 2) ==
		        want[i],
		    "delimiter \"%.*s\" is %d", (int)strcspn(p, "\r"), p,
		    want[i]);
	}
}

static void
check_places(void)
{
	char *s;

	s = kyso_raw_child_spec("", 2);
	CHECK(strcmp(s, "2") == 0, "child 2 of the message is \"2\"");
	g_free(s);
	s = kyso_raw_child_spec("1.3", 2);
	CHECK(strcmp(s, "1.3.2") == 0, "child 2 of 1.3 is \"1.3.2\"");
	g_free(s);
	s = kyso_raw_place("", 0);
	CHECK(strcmp(s, "at the top level") == 0, "top level place");
	g_free(s);
	s = kyso_raw_place("1.2", 0);
	CHECK(strcmp(s, "in part 1.2") == 0, "a part's place");
	g_free(s);
	s = kyso_raw_place("2", 1);
	CHECK(strcmp(s, "in the message in part 2") == 0,
	    "the message carried in a part");
	g_free(s);
}

/* Resident kB of the mapping at addr (/proc/self/smaps), -1 if unknown. */
static long
mapping_rss_kb(const void *addr)
{
	char line[512], start[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	long kb = -1;
	int in = 0;

	if (f == NULL)
		return -1;
	(void)snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, start, strlen(start)) == 0)
			in = 1;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	(void)fclose(f);
	return kb;
}

/* Scan every line of p[0..len); returns how many there are. */
static size_t
scan_lines(const char *p, size_t len)
{
	const char *q, *end = p + len;
	size_t n = 0;

	for (q = p; q < end; q = kyso_raw_next_line(q, end))
		n++;
	return n;
}

static void
check_view(void)
{
	size_t size = 64 * (size_t)KYSO_MAP_WINDOW, i, lines = 0;
	char path[] = "/tmp/test_rawmime.XXXXXX", *want = g_malloc(size);
	long window_kb = KYSO_MAP_WINDOW / 1024, kb;
	struct kyso_raw_view old;
	const char *map;
	int fd = mkstemp(path);

	/* 100-byte lines, and one longer than the window without a LF */
	for (i = 0; i < size; i++) {
		int in_long =
		    i >= size / 2 && i < size / 2 + 3 * KYSO_MAP_WINDOW;

		want[i] = (char)(in_long ? 'L'
		        : i % 100 == 99  ? '\n'
		                         : 'a' + (int)(i % 26));
		lines += want[i] == '\n';
	}
	lines += want[size - 1] != '\n';
	CHECK(fd >= 0 && write(fd, want, size) == (ssize_t)size,
	    "a %zu-byte file to map", size);
	(void)unlink(path);
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED, "mapped");
	if (map == MAP_FAILED)
		goto out;
	CHECK(scan_lines(map, size) == lines &&
	        mapping_rss_kb(map) > 32 * window_kb,
	    "without a view a scan leaves the mapping resident (%ld kB)",
	    mapping_rss_kb(map));
	(void)madvise((void *)(uintptr_t)map, size, MADV_DONTNEED);
	old = kyso_raw_view_set(map, size);
	CHECK(scan_lines(map, size) == lines,
	    "the view scans the same %zu lines", lines);
	kb = mapping_rss_kb(map);
	/* a fault maps a whole page-cache folio: up to 2 MB with large
	 * folios (ext4 on Linux 6.16+), on top of the window */
	CHECK(kb >= 0 && kb <= 4 * window_kb + 2048,
	    "a scan of the view keeps %ld kB of %zu resident (window %ld kB)",
	    kb, size / 1024, window_kb);
	CHECK(memcmp(map, want, size) == 0,
	    "the trimmed pages read back the same bytes");
	kyso_raw_view_restore(old);
	(void)munmap((void *)(uintptr_t)map, size);
out:
	if (fd >= 0)
		(void)close(fd);
	g_free(want);
}

int
main(void)
{
	check_lines();
	check_split();
	check_values();
	check_delimiters();
	check_places();
	check_view();
	return TEST_DONE();
}
