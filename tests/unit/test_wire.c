/*
 * test_wire.c - the fast byte passes of smime/canon.c against the
 * octet-by-octet code they replace: the scan that decides which leaves to
 * re-encode (kyso_canon_scan_test, fast vs slow), and the one pass that
 * copies the signed entity (kyso_canon_wire) against GMime's unix2dos
 * filter followed by the old 7-bit wire check. Random inputs from an
 * alphabet of the octets that matter, cut in chunks of every awkward size,
 * and the attacker's cases: an 8-bit octet or NUL anywhere in an
 * eight-octet word or the tail, a bare CR across a chunk edge or at the
 * very end, a line of 999 octets split over chunks.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/smime/mime.h"
#include "canon.h"
#include "harness.h"

/* The old check (sign.c wire_7bit) after GMime's unix2dos(FALSE). */
static ssize_t
reference_wire(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t i, o = 0, col = 0;
	int pc = 0, prev = '\n';

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && pc != '\r')
			out[o++] = '\r';
		out[o++] = in[i];
		pc = in[i];
	}
	for (i = 0; i < o; i++) {
		if (prev == '\r' && out[i] != '\n')
			return -1;
		if (out[i] == '\n') {
			if (prev != '\r')
				return -1;
			col = 0;
		} else if (out[i] != '\r' &&
		    (out[i] == 0 || out[i] >= 0x80 || ++col > 998)) {
			return -1;
		}
		prev = out[i];
	}
	return prev == '\r' ? -1 : (ssize_t)o;
}

/* kyso_canon_wire over in, `chunk` octets at a time. */
static ssize_t
fused_wire(const unsigned char *in, size_t n, size_t chunk, unsigned char *out)
{
	struct kyso_wire w = {0, 0};
	size_t off, len, o = 0;
	ssize_t m;

	for (off = 0; off < n; off += len) {
		len = n - off < chunk ? n - off : chunk;
		if ((m = kyso_canon_wire(&w, in + off, len, out + o)) < 0)
			return -1;
		o += (size_t)m;
	}
	return kyso_canon_wire_end(&w) < 0 ? -1 : (ssize_t)o;
}

/* Both ways agree on in (every chunk size): same verdict, same bytes. */
static int
wire_agrees(const unsigned char *in, size_t n)
{
	static const size_t chunks[] = {1, 2, 7, 8, 9, 64, 8192};
	unsigned char *a = g_malloc(2 * n + 1), *b = g_malloc(2 * n + 1);
	ssize_t ra = reference_wire(in, n, a), rb;
	size_t i;
	int ok = 1;

	for (i = 0; i < G_N_ELEMENTS(chunks) && ok; i++) {
		rb = fused_wire(in, n, chunks[i], b);
		ok = ra == rb && (ra < 0 || memcmp(a, b, (size_t)ra) == 0);
		if (!ok)
			DIAG("chunk %zu: reference %zd, fused %zd", chunks[i],
			    ra, rb);
	}
	g_free(a);
	g_free(b);
	return ok;
}

static int
scan_agrees(const unsigned char *in, size_t n)
{
	static const size_t chunks[] = {1, 3, 8, 13, 100, 8192};
	size_t i, c_slow, c_fast;
	unsigned slow, fast;
	int ok = 1;

	slow = kyso_canon_scan_test(in, n, 8192, 1, &c_slow);
	for (i = 0; i < G_N_ELEMENTS(chunks) && ok; i++) {
		fast = kyso_canon_scan_test(in, n, chunks[i], 0, &c_fast);
		ok = fast == slow && c_fast == c_slow;
		if (!ok)
			DIAG("chunk %zu: slow %#x/%zu, fast %#x/%zu", chunks[i],
			    slow, c_slow, fast, c_fast);
	}
	return ok;
}

/* Random text from the octets that matter; lines mostly short, now and
 * then one near the 998 limit. */
static size_t
random_text(GRand *r, unsigned char *buf, size_t max)
{
	static const unsigned char alpha[] =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "\t\r\n\n\n\nFrom From \xc3\xa1\x80";
	size_t n = (size_t)g_rand_int_range(r, 0, (gint32)max), i;
	int rare = g_rand_int_range(r, 0, 4);

	for (i = 0; i < n; i++) {
		if (g_rand_int_range(r, 0, 40) == 0 && i + 1000 < n) {
			size_t run = (size_t)g_rand_int_range(r, 990, 1002);

			memset(buf + i, 'x', run);
			i += run;
			buf[i] = '\n';
			continue;
		}
		buf[i] = alpha[g_rand_int_range(r, 0, sizeof(alpha) - 1)];
		if (rare == 0 && g_rand_int_range(r, 0, 500) == 0)
			buf[i] = 0; /* a NUL, now and then */
	}
	return n;
}

static void
fill_line(GString *s, size_t len, char c)
{
	while (len-- > 0)
		g_string_append_c(s, c);
}

int
main(void)
{
	GRand *r = g_rand_new_with_seed(20261126);
	unsigned char *buf = g_malloc(40000), out[64];
	int i, wire_ok = 1, scan_ok = 1;
	size_t n, pos, c8;
	GString *s;

	for (i = 0; i < 3000 && (wire_ok || scan_ok); i++) {
		n = random_text(r, buf, i % 10 == 0 ? 40000 : 300);
		wire_ok = wire_ok && wire_agrees(buf, n);
		scan_ok = scan_ok && scan_agrees(buf, n);
	}
	CHECK(wire_ok,
	    "the fused copy makes the same bytes and verdicts as "
	    "unix2dos + the old 7-bit check (3000 random texts)");
	CHECK(scan_ok,
	    "the fast scan finds what the octet-by-octet scan finds "
	    "(3000 random texts, chunks 1..8192)");

	/* an 8-bit octet or a NUL at each place of a word and of the tail */
	for (pos = 0, wire_ok = 1, scan_ok = 1; pos < 21; pos++) {
		unsigned char line[24];
		unsigned char bad[] = {0x80, 0xff, 0x00};
		size_t k;

		for (k = 0; k < G_N_ELEMENTS(bad); k++) {
			memset(line, 'a', 21);
			line[21] = '\r';
			line[22] = '\n';
			line[pos] = bad[k];
			wire_ok =
			    wire_ok && fused_wire(line, 23, 8192, buf) < 0;
			scan_ok = scan_ok &&
			    (kyso_canon_scan_test(line, 23, 8192, 0, &c8) &
			        (k < 2 ? 1u : 2u)) != 0 &&
			    c8 == (k < 2 ? 1 : 0);
		}
	}
	CHECK(wire_ok,
	    "an 8-bit octet or NUL anywhere in a line is never "
	    "copied as 7-bit");
	CHECK(scan_ok,
	    "an 8-bit octet or NUL anywhere in a line is found by "
	    "the fast scan (and counted)");

	CHECK(fused_wire((const unsigned char *)"ab\r", 3, 8192, out) < 0 &&
	        fused_wire((const unsigned char *)"ab\rc\r\n", 6, 3, out) < 0,
	    "a bare CR at the end of the entity or of a chunk is refused");
	CHECK(fused_wire((const unsigned char *)"a\r\nb\nc\r\n", 8, 2, out) ==
	            9 &&
	        memcmp(out, "a\r\nb\r\nc\r\n", 9) == 0,
	    "a CRLF split by the chunk edge stays; a lone LF gets its CR");
	s = g_string_new("x\r\n");
	fill_line(s, 998, 'y');
	g_string_append(s, "\r\n");
	CHECK(fused_wire((const unsigned char *)s->str, s->len, 500, buf) ==
	        (ssize_t)s->len,
	    "a line of 998 octets over three chunks is 7-bit");
	g_string_truncate(s, 3);
	fill_line(s, 999, 'y');
	g_string_append(s, "\n");
	CHECK(fused_wire((const unsigned char *)s->str, s->len, 500, buf) < 0,
	    "a line of 999 octets over three chunks is refused");
	CHECK((kyso_canon_scan_test(s->str, s->len, 8192, 0, &c8) & 8u) != 0 &&
	        (kyso_canon_scan_test(s->str, s->len, 7, 0, &c8) & 8u) != 0,
	    "the scan finds it too, whole or in chunks");
	g_string_free(s, TRUE);
	CHECK((kyso_canon_scan_test("a\nFrom x\r\nb \r\n", 14, 8192, 0, &c8) &
	          0x30u) == 0x30u,
	    "the fast scan finds a \"From \" line and a trailing blank");
	g_free(buf);
	g_rand_free(r);
	return TEST_DONE();
}
