/*
 * test_rawmime.c - smime/rawmime.c, the line structure of received bytes
 * that verification and co-signing read (GMime re-serialises, so the exact
 * bytes are found here): line ends, header/body split, unfolded values of
 * first and last instances, duplicate structure fields, delimiters, and
 * the IMAP part names of reasons.
 */
#include <string.h>
#include <glib.h>

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

int
main(void)
{
	check_lines();
	check_split();
	check_values();
	check_delimiters();
	check_places();
	return TEST_DONE();
}
