/*
 * test_canon.c - smime/canon.c on its own: which MIME leaves are re-encoded
 * before signing and why, checked on the bytes it makes (the entity as
 * sign.c serialises it: CRLF, GMime). A leaf is re-encoded when its bytes
 * would not cross a 7-bit hop unchanged: 8-bit octets, NUL, a bare CR, a
 * line over 998 octets, trailing blanks, a line starting "From ". Text
 * becomes quoted-printable, base64 when mostly 8-bit or holding NUL/bare CR;
 * 8-bit header fields of a part become RFC 2231/2047; a clean leaf keeps
 * its bytes; a nested signed part that is not clean and a structure field
 * twice are refused. A "From " line comes out "=46rom " (GMime leaves it).
 */
#include <string.h>

#include "kyso/smime/mime.h"
#include "canon.h"
#include "harness.h"

struct out {
	int rc, reencoded;
	struct kyso_err err;
	char *bytes; /* the serialised top-level entity (g_free) */
	size_t len;
};

/* Parse msg, prepare it as sign.c does, serialise the top entity. */
static void
prep(const char *msg, size_t len, struct out *o)
{
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeMessage *m = kyso_mime_parse(in, &o->err);
	GByteArray *a = g_byte_array_new();
	GMimeStream *s;
	GMimeFormatOptions *fo;
	GMimeObject *top;

	memset(o, 0, sizeof(*o));
	o->rc = -1;
	if (m == NULL || (top = g_mime_message_get_mime_part(m)) == NULL)
		goto out;
	o->rc = kyso_canon_unique_fields(GMIME_OBJECT(m), "at the top level",
	    &o->err);
	if (o->rc == 0)
		o->rc = kyso_canon_prepare(top, &o->reencoded, &o->err);
	s = g_mime_stream_mem_new_with_byte_array(a);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	(void)g_mime_object_write_to_stream(top, fo, s);
	g_mime_format_options_free(fo);
	g_object_unref(s);
	o->len = a->len;
	o->bytes = g_strndup((const char *)a->data, a->len);
out:
	g_byte_array_unref(a);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(in);
}

/* 1 when b[0..len) would cross a 7-bit SMTP hop as it is: no octet >= 0x80,
 * no NUL, CR only before LF, lines <= 998, no blank before a line end, no
 * line starting "From ". */
static int
wire_safe(const char *b, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c >= 0x80 || c == 0)
			return 0;
		if (c == '\r' && (i + 1 >= len || b[i + 1] != '\n'))
			return 0;
		if (c == '\n') {
			col = 0;
			continue;
		}
		if (c == '\r')
			continue;
		if (col == 0 && len - i >= 5 && memcmp(b + i, "From ", 5) == 0)
			return 0;
		if ((c == ' ' || c == '\t') && i + 2 < len && b[i + 1] == '\r')
			return 0;
		if (++col > 998)
			return 0;
	}
	return 1;
}

/* The content of the serialised leaf o, decoded by GMime (g_free). */
static char *
decoded(const struct out *o)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(o->bytes, o->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeObject *obj = g_mime_parser_construct_part(p, NULL);
	GByteArray *a = g_byte_array_new();
	GMimeStream *d = g_mime_stream_mem_new_with_byte_array(a);
	char *r;

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(d), FALSE);
	if (obj != NULL && GMIME_IS_PART(obj))
		(void)
		    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(
		                                            GMIME_PART(obj)),
		        d);
	r = g_strndup((const char *)a->data, a->len);
	g_object_unref(d);
	g_byte_array_unref(a);
	if (obj != NULL)
		g_object_unref(obj);
	g_object_unref(p);
	g_object_unref(s);
	return r;
}

static int
has(const struct out *o, const char *s)
{
	return o->bytes != NULL && strstr(o->bytes, s) != NULL;
}

static void
out_clear(struct out *o)
{
	g_free(o->bytes);
	memset(o, 0, sizeof(*o));
}

#define HDR "From: a@b\r\nMIME-Version: 1.0\r\n"

/* One text leaf with body `body` (len bytes), labelled `cte`. */
static void
leaf(const char *what, const char *cte, const char *body, size_t blen,
    int want_reencoded, const char *want_cte)
{
	GString *m = g_string_new(HDR "Content-Type: text/plain\r\n");
	struct out o;

	if (cte != NULL)
		g_string_append_printf(m, "Content-Transfer-Encoding: %s\r\n",
		    cte);
	g_string_append(m, "\r\n");
	g_string_append_len(m, body, (gssize)blen);
	prep(m->str, m->len, &o);
	CHECK(o.rc == 0 && o.reencoded == want_reencoded &&
	        wire_safe(o.bytes, o.len) &&
	        (want_cte == NULL || has(&o, want_cte)),
	    "%s: %d re-encoded, 7-bit safe bytes%s%s (%s)", what, o.reencoded,
	    want_cte ? ", " : "", want_cte ? want_cte : "", o.err.msg);
	out_clear(&o);
	g_string_free(m, TRUE);
}

static void
leaves(void)
{
	static const char vn[] = "Ủy ban nhân dân tỉnh Hà Giang\r\n";
	static const char nul[] = "a\0b\r\n";
	GString *s = g_string_new(NULL);
	struct out o;
	int i;

	/* a clean leaf keeps its bytes */
	{
		const char *m = HDR "Content-Type: text/plain\r\n\r\n"
		                    "plain ASCII\r\n";

		prep(m, strlen(m), &o);
		CHECK(o.rc == 0 && o.reencoded == 0 &&
		        has(&o, "\r\n\r\nplain ASCII\r\n") &&
		        !has(&o, "Content-Transfer-Encoding"),
		    "clean 7-bit text: not re-encoded, bytes kept");
		out_clear(&o);
	}
	leaf("clean text labelled 8bit", "8bit", "ok\r\n", 4, 0,
	    "Content-Transfer-Encoding: 7bit");
	/* mostly ASCII 8-bit text: QP, UTF-8 charset added */
	g_string_append(s, "Kinh gui cac don vi trong tinh, ve viec ");
	g_string_append(s, "Hà Giang\r\n");
	{
		GString *m =
		    g_string_new(HDR "Content-Type: text/plain\r\n"
		                     "Content-Transfer-Encoding: 8bit\r\n\r\n");

		g_string_append(m, s->str);
		prep(m->str, m->len, &o);
		CHECK(o.rc == 0 && o.reencoded == 1 &&
		        wire_safe(o.bytes, o.len) &&
		        has(&o, "quoted-printable") &&
		        has(&o, "charset=utf-8") && has(&o, "H=C3=A0 Giang"),
		    "8-bit text, mostly ASCII: quoted-printable, charset=utf-8 "
		    "labelled");
		out_clear(&o);
		g_string_free(m, TRUE);
	}
	/* mostly 8-bit text: base64 of CRLF text */
	{
		GString *m = g_string_new(HDR "Content-Type: text/plain; "
		                              "charset=utf-8\r\n\r\n");
		gchar *b64 = g_base64_encode((const guchar *)vn, strlen(vn));

		g_string_append(m, vn);
		prep(m->str, m->len, &o);
		CHECK(o.rc == 0 && o.reencoded == 1 &&
		        wire_safe(o.bytes, o.len) &&
		        has(&o, "Content-Transfer-Encoding: base64") &&
		        has(&o, b64),
		    "mostly 8-bit text: base64 of the CRLF text");
		out_clear(&o);
		g_free(b64);
		g_string_free(m, TRUE);
	}
	leaf("NUL in text", NULL, nul, sizeof(nul) - 1, 1, "base64");
	leaf("bare CR in text", "7bit", "a\rb\r\n", 5, 1, "base64");
	g_string_truncate(s, 0);
	for (i = 0; i < 1200; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\r\n");
	leaf("a 1200-octet line", NULL, s->str, s->len, 1, "quoted-printable");
	leaf("trailing blanks", NULL, "line with blank \r\nnext\t\r\n",
	    strlen("line with blank \r\nnext\t\r\n"), 1, "blank=20");
	/* GMime's QP encoder leaves "From " as it is: canon.c armours it */
	{
		const char *m = HDR "Content-Type: text/plain\r\n\r\n"
		                    "Hi\r\nFrom here on\r\n";
		char *d;

		prep(m, strlen(m), &o);
		d = decoded(&o);
		CHECK(o.rc == 0 && o.reencoded == 1 &&
		        wire_safe(o.bytes, o.len) &&
		        has(&o, "quoted-printable") &&
		        has(&o, "\r\n=46rom here on") &&
		        (strcmp(d, "Hi\nFrom here on\n") == 0 ||
		            strcmp(d, "Hi\r\nFrom here on\r\n") == 0),
		    "a line starting \"From \": quoted-printable \"=46rom \", "
		    "decodes back");
		g_free(d);
		out_clear(&o);
	}
	leaf("base64 whose bytes are clean", "base64", "aGVsbG8=\r\n", 10, 0,
	    "aGVsbG8=");
	leaf("QP with a \"From \" line", "quoted-printable", "From me\r\n", 9,
	    1, "=46rom me");
	g_string_free(s, TRUE);

	/* a binary attachment labelled 8bit */
	{
		const char *m = HDR "Content-Type: application/octet-stream\r\n"
		                    "Content-Transfer-Encoding: 8bit\r\n\r\n"
		                    "\x89PNG\r\n";

		prep(m, strlen(m), &o);
		CHECK(o.rc == 0 && o.reencoded == 1 &&
		        wire_safe(o.bytes, o.len) &&
		        has(&o, "Content-Transfer-Encoding: base64") &&
		        has(&o, "iVBORw0K"),
		    "8-bit attachment: base64 of the same octets");
		out_clear(&o);
	}
}

static void
structure(void)
{
	struct out o;
	const char *hdr8 =
	    HDR "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	        "--M\r\nContent-Type: text/plain\r\n\r\nx\r\n"
	        "--M\r\nContent-Type: application/pdf\r\n"
	        "Content-Disposition: attachment; filename=\"tài liệu.pdf\"\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n"
	        "--M--\r\nepilogue ở đây\r\n";
	const char *dup =
	    HDR "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	        "--M\r\nContent-Type: text/plain\r\n"
	        "Content-Type: text/html\r\n\r\nx\r\n--M--\r\n";
	const char *dup_top = "From: a@b\r\nMIME-Version: 1.0\r\n"
	                      "MIME-Version: 1.0\r\n"
	                      "Content-Type: text/plain\r\n\r\nx\r\n";
	const char *nested8 =
	    HDR "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	        "--M\r\nContent-Type: multipart/signed; "
	        "protocol=\"application/pkcs7-signature\"; boundary=S\r\n\r\n"
	        "--S\r\nContent-Type: text/plain\r\n\r\nchào\r\n"
	        "--S\r\nContent-Type: application/pkcs7-signature\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--S--\r\n"
	        "--M--\r\n";

	prep(hdr8, strlen(hdr8), &o);
	CHECK(o.rc == 0 && wire_safe(o.bytes, o.len) &&
	        has(&o, "filename*=UTF-8''t%C3%A0i%20li%E1%BB%87u.pdf") &&
	        !has(&o, "epilogue"),
	    "an 8-bit filename becomes RFC 2231, an 8-bit epilogue is dropped "
	    "(%s)",
	    o.err.msg);
	out_clear(&o);
	prep(dup, strlen(dup), &o);
	CHECK(o.rc < 0 && o.err.cls == KYSO_E_INPUT &&
	        strstr(o.err.msg, "duplicate Content-Type in part 1") != NULL,
	    "Content-Type twice in part 1: refused: %s", o.err.msg);
	out_clear(&o);
	prep(dup_top, strlen(dup_top), &o);
	CHECK(o.rc < 0 &&
	        strstr(o.err.msg, "duplicate MIME-Version at the top level") !=
	            NULL,
	    "MIME-Version twice at the top: refused: %s", o.err.msg);
	out_clear(&o);
	prep(nested8, strlen(nested8), &o);
	CHECK(o.rc < 0 && o.err.cls == KYSO_E_INPUT &&
	        strstr(o.err.msg,
	            "nested signed or encrypted part is not "
	            "7-bit clean") != NULL,
	    "a nested signed part with 8-bit text is refused, not re-encoded: "
	    "%s",
	    o.err.msg);
	out_clear(&o);
}

/* 7-bit text of `len` bytes of CRLF lines whose line `at` (a byte offset)
 * starts a line; the line starting there is `line` (with its CRLF). */
static GString *
lines_with(size_t at, const char *line, size_t len)
{
	GString *b = g_string_new(NULL);

	while (b->len + 80 + 2 <= at)
		g_string_append(b,
		    "Lorem ipsum dolor sit amet, consectetur "
		    "adipiscing elit, sed do eiusmod tem\r\n");
	/* a shorter line so the next one starts exactly at `at` */
	while (b->len + 2 < at)
		g_string_append_c(b, 'x');
	g_string_append(b, "\r\n");
	g_string_append(b, line);
	while (b->len < len)
		g_string_append(b,
		    "Lorem ipsum dolor sit amet, consectetur "
		    "adipiscing elit, sed do eiusmod tem\r\n");
	return b;
}

/* The scan reads a part in 8 KiB chunks; what straddles a chunk edge is
 * judged as anywhere else (issue 15: 7-bit text over ~311 KB was
 * re-encoded because a CRLF across an edge was taken for a trailing
 * blank; a "From " across an edge was missed, and a relay's ">From"
 * would have broken the signature). */
static void
chunk_edges(void)
{
	GString *b;

	/* the CR of a line end is the chunk's last byte, its LF the next
	 * chunk's first */
	b = lines_with(8192 - 30, "abcdefghijklmnopqrstuvwxyzabc\r\n", 20000);
	CHECK(b->str[8191] == '\r' && b->str[8192] == '\n',
	    "fixture: CRLF across the 8 KiB edge");
	leaf("CRLF across a chunk edge is no trailing blank", NULL, b->str,
	    b->len, 0, NULL);
	g_string_free(b, TRUE);
	/* a blank before that CRLF still is one */
	b = lines_with(8192 - 30, "abcdefghijklmnopqrstuvwxyzab \r\n", 20000);
	leaf("a blank before a CRLF across a chunk edge", NULL, b->str, b->len,
	    1, "Content-Transfer-Encoding: quoted-printable");
	g_string_free(b, TRUE);
	/* "From " begins 2 bytes before the edge */
	b = lines_with(8190, "From the province, greetings\r\n", 20000);
	CHECK(memcmp(b->str + 8190, "From ", 5) == 0,
	    "fixture: \"From \" across the 8 KiB edge");
	leaf("\"From \" across a chunk edge is found", NULL, b->str, b->len, 1,
	    "Content-Transfer-Encoding: quoted-printable");
	g_string_free(b, TRUE);
}

int
main(void)
{
	kyso_mime_init();
	leaves();
	chunk_edges();
	structure();
	kyso_mime_shutdown();
	return TEST_DONE();
}
