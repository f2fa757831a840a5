/*
 * canon.c - decide, from the bytes and not from the labels, which MIME
 * leaves must be re-encoded before signing, and re-encode them.
 *
 * A leaf is unsafe when its encoded form holds 8-bit octets, NUL, a bare CR,
 * a line over 998 octets, trailing blanks, or a line starting "From ".
 * A multipart's prologue or epilogue with any of those is dropped, an 8-bit
 * boundary replaced; part header fields with 8-bit octets or controls are
 * re-encoded (RFC 2231/2047).
 * Text becomes quoted-printable (base64 when mostly 8-bit, or holding NUL or
 * bare CR), with a line starting "From " written "=46rom "; anything else
 * becomes base64. Text is given canonical CRLF line
 * ends before base64 (RFC 8551 3.1.1). Streams stay file-backed: nothing
 * here reads a whole part into memory.
 * A header block with a structure field twice (Content-Type,
 * Content-Transfer-Encoding, MIME-Version) anywhere is refused: GMime reads
 * the last, a verifier reading the raw bytes may read the first, and we do
 * not seal a structure two readers see differently.
 */
#include <stdint.h>
#include <string.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "canon.h"
#include "rawmime.h"

/* What a scan of one leaf's encoded bytes found. */
struct scan {
	int has8bit;     /* any octet >= 0x80 */
	int hasnul;      /* NUL octet */
	int barecr;      /* CR not followed by LF */
	int longline;    /* a line over 998 octets without its CRLF */
	int trailing_ws; /* blank before a line end */
	int fromline;    /* a line starting with "From " */
	size_t count8;   /* octets >= 0x80 */
	size_t total;    /* octets seen */
};

#define SMTP_LINE_MAX 998 /* RFC 5321 4.5.3.1.6 */

/* Where a scan stands between two chunks: the column, the last two
 * octets, and how much of "From " the current line has begun with (-1:
 * it does not begin so). Nothing is looked up across a chunk edge: what
 * straddles it is judged as anywhere else. */
struct scan_pos {
	size_t col;
	int prev, prev2;
	int from;
};

#define SCAN_POS_START                                                         \
	{                                                                      \
		0, '\n', '\n', 0                                               \
	}

/* Eight octets at a time. zero_octet(w) is not 0 when an octet of w is 0
 * (exact as to whether, not as to which: a borrow may mark octets above a
 * zero one); zero_octet(w ^ OCTETS_CR) likewise for a CR. */
#define OCTETS_1  0x0101010101010101ULL
#define OCTETS_80 0x8080808080808080ULL
#define OCTETS_CR 0x0d0d0d0d0d0d0d0dULL

static inline uint64_t
zero_octet(uint64_t w)
{
	return (w - OCTETS_1) & ~w & OCTETS_80;
}

static inline uint64_t
load8(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* One octet at a time, from wherever pos stands; the reference for what
 * a scan finds (scan_line, the fast way, must find the same). */
static void
scan_slow(struct scan *sc, const unsigned char *p, size_t n,
    struct scan_pos *pos)
{
	static const char from[] = "From ";
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (pos->prev == '\r' && c != '\n')
			sc->barecr = 1;
		if (c == '\n') {
			int last = pos->prev == '\r' ? pos->prev2 : pos->prev;

			if (pos->col > 0 && (last == ' ' || last == '\t'))
				sc->trailing_ws = 1;
			pos->col = 0;
			pos->from = 0;
		} else if (c != '\r') {
			if (pos->from >= 0 && pos->from < 5)
				pos->from =
				    c == from[pos->from] ? pos->from + 1 : -1;
			if (pos->from == 5)
				sc->fromline = 1;
			if (++pos->col > SMTP_LINE_MAX)
				sc->longline = 1;
		}
		if (c >= 0x80) {
			sc->has8bit = 1;
			sc->count8++;
		} else if (c == 0) {
			sc->hasnul = 1;
		}
		pos->prev2 = pos->prev;
		pos->prev = c;
	}
}

/* A whole line [p, lf) seen from its start, eight octets at a time: 1
 * when judged (what scan_slow would find), 0 when it holds a NUL or a CR
 * other than the one before its LF (scan_slow judges those). */
static int
scan_line(struct scan *sc, const unsigned char *p, const unsigned char *lf,
    struct scan_pos *pos)
{
	size_t len = (size_t)(lf - p), i = 0, count8 = 0;
	size_t body = len > 0 && lf[-1] == '\r' ? len - 1 : len;
	uint64_t w, special = 0;

	for (; i + 8 <= body; i += 8) {
		w = load8(p + i);
		special |= zero_octet(w) | zero_octet(w ^ OCTETS_CR);
		/* how many high bits: summed into the top octet */
		count8 += (size_t)((((w & OCTETS_80) >> 7) * OCTETS_1) >> 56);
	}
	for (; i < body; i++) {
		special |= p[i] == 0 || p[i] == '\r' ? OCTETS_80 : 0;
		count8 += p[i] >= 0x80;
	}
	if (special != 0)
		return 0;
	if (count8 > 0) {
		sc->has8bit = 1;
		sc->count8 += count8;
	}
	if (body > SMTP_LINE_MAX)
		sc->longline = 1;
	if (body >= 5 && memcmp(p, "From ", 5) == 0)
		sc->fromline = 1;
	if (body > 0 && (p[body - 1] == ' ' || p[body - 1] == '\t'))
		sc->trailing_ws = 1;
	pos->prev2 = len > 0 ? lf[-1] : '\n';
	pos->prev = '\n';
	pos->col = 0;
	pos->from = 0;
	return 1;
}

/* Scan n more octets: whole lines from their start the fast way
 * (memchr and eight octets at a time), anything else (a line begun in the
 * previous chunk, the unfinished last one, one with NUL or a stray CR)
 * octet by octet. */
static void
scan_bytes(struct scan *sc, const unsigned char *p, size_t n,
    struct scan_pos *pos)
{
	const unsigned char *end = p + n, *lf;
	size_t len;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (lf != NULL && pos->col == 0 && pos->from == 0 &&
		    pos->prev == '\n' && scan_line(sc, p, lf, pos)) {
			p = lf + 1;
			continue;
		}
		len = lf != NULL ? (size_t)(lf + 1 - p) : (size_t)(end - p);
		scan_slow(sc, p, len, pos);
		p += len;
	}
	sc->total += n;
}

unsigned
kyso_canon_scan_test(const void *p, size_t n, size_t chunk, int slow,
    size_t *count8)
{
	struct scan sc;
	struct scan_pos pos = SCAN_POS_START;
	const unsigned char *b = p;
	size_t off, len;

	memset(&sc, 0, sizeof(sc));
	for (off = 0; off < n; off += len) {
		len = n - off < chunk ? n - off : chunk;
		if (slow)
			scan_slow(&sc, b + off, len, &pos);
		else
			scan_bytes(&sc, b + off, len, &pos);
	}
	*count8 = sc.count8;
	return (unsigned)(sc.has8bit | sc.hasnul << 1 | sc.barecr << 2 |
	    sc.longline << 3 | sc.trailing_ws << 4 | sc.fromline << 5 |
	    (pos.prev == '\r') << 6);
}

/* 1 when none of p[0..n) is NUL, CR or 8-bit. */
static int
wire_clean(const unsigned char *p, size_t n)
{
	uint64_t w, bad = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		w = load8(p + i);
		bad |= w | zero_octet(w) | zero_octet(w ^ OCTETS_CR);
	}
	for (; i < n; i++)
		bad |=
		    p[i] >= 0x80 || p[i] == 0 || p[i] == '\r' ? OCTETS_80 : 0;
	return (bad & OCTETS_80) == 0;
}

ssize_t
kyso_canon_wire(struct kyso_wire *w, const unsigned char *in, size_t n,
    unsigned char *out)
{
	const unsigned char *p = in, *end = in + n, *lf, *stop;
	unsigned char *o = out;
	size_t len, body;
	int cr;

	if (n > 0 && w->cr && in[0] != '\n')
		return -1; /* a CR that ended the last chunk, alone */
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		stop = lf != NULL ? lf : end;
		len = (size_t)(stop - p);
		cr = len > 0 ? stop[-1] == '\r' : w->cr;
		body = len > 0 && cr ? len - 1 : len;
		if (!wire_clean(p, body) || (w->col += body) > SMTP_LINE_MAX)
			return -1;
		memcpy(o, p, len);
		o += len;
		w->cr = cr;
		if (lf == NULL)
			break;
		/* an LF after a CR stays; a lone one gets its CR */
		if (!cr)
			*o++ = '\r';
		*o++ = '\n';
		w->col = 0;
		w->cr = 0;
		p = lf + 1;
	}
	return (ssize_t)(o - out);
}

int
kyso_canon_wire_end(const struct kyso_wire *w)
{
	return w->cr ? -1 : 0;
}

static int
scan_stream(GMimeStream *s, struct scan *sc, struct kyso_err *err)
{
	unsigned char buf[8192];
	struct scan_pos pos = SCAN_POS_START;
	ssize_t n;

	memset(sc, 0, sizeof(*sc));
	if (g_mime_stream_reset(s) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot rewind a MIME part");
		return -1;
	}
	while ((n = kyso_mime_read(s, buf, sizeof(buf))) > 0)
		scan_bytes(sc, buf, (size_t)n, &pos);
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read a MIME part");
		return -1;
	}
	if (pos.prev == '\r')
		sc->barecr = 1;
	if (g_mime_stream_reset(s) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot rewind a MIME part");
		return -1;
	}
	return 0;
}

static int
is_text(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, "text", "*");
}

/* Label 8-bit text without a charset as UTF-8 when it is valid UTF-8, so
 * Vietnamese text does not turn into mojibake (P17). */
static int
label_charset(GMimePart *part, GMimeStream *raw, struct kyso_err *err)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char buf[8192 + 4];
	size_t carry = 0;
	ssize_t n;
	const char *end;

	if (g_mime_content_type_get_parameter(ct, "charset") != NULL)
		return 0;
	if (g_mime_stream_reset(raw) < 0)
		goto ioerr;
	while ((n = kyso_mime_read(raw, buf + carry, 8192)) > 0) {
		size_t len = carry + (size_t)n;

		if (!g_utf8_validate(buf, (gssize)len, &end)) {
			/* an incomplete sequence may continue in the next
			 * chunk; anything else is not UTF-8 */
			carry = len - (size_t)(end - buf);
			if (carry > 3 ||
			    g_utf8_get_char_validated(end, (gssize)carry) !=
			        (gunichar)-2)
				return g_mime_stream_reset(raw) < 0 ? -1 : 0;
			memmove(buf, end, carry);
		} else {
			carry = 0;
		}
	}
	if (n < 0 || g_mime_stream_reset(raw) < 0)
		goto ioerr;
	if (carry == 0)
		g_mime_object_set_content_type_parameter(obj, "charset",
		    "utf-8");
	return 0;
ioerr:
	kyso_err_set(err, KYSO_E_TEMP, "cannot read a MIME part");
	return -1;
}

/* Replace the part's content by its decoded stream (plus, for text that
 * will be base64, CRLF line ends) and set the new transfer encoding. */
static void
reencode(GMimePart *part, GMimeContentEncoding target, int text)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeContentEncoding from = g_mime_data_wrapper_get_encoding(w);
	GMimeStream *raw = g_mime_data_wrapper_get_stream(w);
	GMimeStream *f = g_mime_stream_filter_new(raw);
	GMimeContentEncoding wrapped = GMIME_CONTENT_ENCODING_DEFAULT;
	GMimeFilter *filter;
	GMimeDataWrapper *nw;

	if (from == GMIME_CONTENT_ENCODING_BASE64 ||
	    from == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    from == GMIME_CONTENT_ENCODING_UUENCODE) {
		filter = g_mime_filter_basic_new(from, FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
	}
	if (text) {
		/* LF-only text first, so QP writes plain line breaks and
		 * base64 gets exactly CRLF */
		filter = g_mime_filter_dos2unix_new(FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
		if (target == GMIME_CONTENT_ENCODING_BASE64) {
			filter = g_mime_filter_unix2dos_new(FALSE);
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(f),
			    filter);
			g_object_unref(filter);
		}
	}
	if (target == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		/* encoded here, not when written: GMime's QP encoder leaves a
		 * line starting "From " as it is (an mbox hop makes it
		 * ">From " and breaks the signature); armour it "=46rom " */
		filter = g_mime_filter_basic_new(target, TRUE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
		filter = g_mime_filter_from_new(GMIME_FILTER_FROM_MODE_ARMOR);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
		wrapped = target;
	}
	nw = g_mime_data_wrapper_new_with_stream(f, wrapped);
	g_object_unref(f);
	g_mime_part_set_content(part, nw);
	g_object_unref(nw);
	g_mime_part_set_content_encoding(part, target);
}

static int
prepare_leaf(GMimePart *part, int *reencoded, struct kyso_err *err)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeContentEncoding enc;
	GMimeStream *raw;
	struct scan sc;
	int text = is_text(GMIME_OBJECT(part));
	int unsafe;

	if (w == NULL)
		return 0; /* empty body */
	enc = g_mime_data_wrapper_get_encoding(w);
	raw = g_mime_data_wrapper_get_stream(w);
	if (scan_stream(raw, &sc, err) < 0)
		return -1;
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		/* already 7-bit by label; re-wrap only if the bytes lie */
		unsafe = sc.has8bit || sc.hasnul || sc.barecr || sc.longline;
		if (!unsafe && enc == GMIME_CONTENT_ENCODING_BASE64)
			return 0;
		if (!unsafe && !sc.fromline && !sc.trailing_ws)
			return 0;
	} else {
		unsafe = sc.has8bit || sc.hasnul || sc.barecr || sc.longline ||
		    sc.trailing_ws || sc.fromline;
		if (!unsafe) {
			/* a clean leaf keeps its bytes; label it honestly */
			if (enc == GMIME_CONTENT_ENCODING_8BIT ||
			    enc == GMIME_CONTENT_ENCODING_BINARY)
				g_mime_part_set_content_encoding(part,
				    GMIME_CONTENT_ENCODING_7BIT);
			return 0;
		}
		if (text && sc.has8bit && label_charset(part, raw, err) < 0)
			return -1;
	}
	/* RFC 8551 3.1.2: QP for mostly-ASCII text, base64 otherwise; the
	 * 17% threshold is GMime's own (gmime-filter-best.c) */
	if (text && !sc.hasnul && !sc.barecr && sc.count8 * 100 < sc.total * 17)
		reencode(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, 1);
	else
		reencode(part, GMIME_CONTENT_ENCODING_BASE64, text);
	++*reencoded;
	return 0;
}

/* 1 when a raw header value would not survive a 7-bit hop: 8-bit octets,
 * control characters (a CR only before LF), or a line too long to be legal.
 */
static int
header_unsafe(const char *raw)
{
	const unsigned char *p;
	size_t col = 0;

	for (p = (const unsigned char *)raw; *p != '\0'; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p >= 0x7f || (*p < 0x20 && *p != '\t') || ++col > 900)
			return 1;
	}
	return 0;
}

/* The fields of a MIME part (or of an embedded message) are signed too and
 * no transfer encoding reaches them: a field that is not 7-bit safe is set
 * again from its decoded value, which GMime writes as RFC 2231 parameters
 * or RFC 2047 encoded words, folded; one still unsafe after that (an 8-bit
 * parameter name) or with an 8-bit name is an error (KYSO_E_INPUT). With
 * `refuse` (content that must keep its bytes) any unsafe field is an error.
 */
static int
encode_headers(GMimeObject *obj, int refuse, struct kyso_err *err)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int i, n = list != NULL ? g_mime_header_list_get_count(list) : 0;

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *raw = g_mime_header_get_raw_value(h);
		const char *name = g_mime_header_get_name(h);
		char *value;

		if (name != NULL && header_unsafe(name)) {
			/* a field name has no encoding either */
			kyso_err_set(err, KYSO_E_INPUT,
			    "a MIME header field name is not 7-bit clean");
			return -1;
		}
		if (raw != NULL &&
		    (raw[0] == '\0' || raw[strlen(raw) - 1] != '\n')) {
			/* GMime keeps a raw value only up to a NUL octet and
			 * would write the field without its line end, so the
			 * body would be read as header fields */
			kyso_err_set(err, KYSO_E_INPUT,
			    "a MIME header field holds a NUL octet");
			return -1;
		}
		if (raw == NULL || !header_unsafe(raw))
			continue;
		if (refuse) {
			kyso_err_set(err, KYSO_E_INPUT,
			    "a nested signed or encrypted part has a header "
			    "field that is not 7-bit clean");
			return -1;
		}
		value = g_strdup(g_mime_header_get_value(h));
		g_mime_header_set_value(h, NULL, value != NULL ? value : "",
		    "utf-8");
		g_free(value);
		/* an 8-bit parameter name has no encoding */
		raw = g_mime_header_get_raw_value(h);
		if (raw != NULL && header_unsafe(raw)) {
			kyso_err_set(err, KYSO_E_INPUT,
			    "a MIME header field cannot be made 7-bit clean");
			return -1;
		}
	}
	return 0;
}

/* The text before the first and after the last boundary of a multipart is
 * not content (RFC 2046 5.1.1) and no re-encoding reaches it: when it is not
 * 7-bit safe (8-bit, bare CR, long line, trailing blank, "From ") it is
 * dropped, or the signature over it would break in transit (P1). */
static void
clean_edges(GMimeMultipart *mp)
{
	const char *edge;
	int i;

	for (i = 0; i < 2; i++) {
		struct scan sc;
		struct scan_pos pos = SCAN_POS_START;

		edge = i == 0 ? g_mime_multipart_get_prologue(mp)
		              : g_mime_multipart_get_epilogue(mp);
		if (edge == NULL)
			continue;
		memset(&sc, 0, sizeof(sc));
		scan_bytes(&sc, (const unsigned char *)edge, strlen(edge),
		    &pos);
		if (!(sc.has8bit || sc.barecr || pos.prev == '\r' ||
		        sc.longline || sc.trailing_ws || sc.fromline))
			continue;
		if (i == 0)
			g_mime_multipart_set_prologue(mp, NULL);
		else
			g_mime_multipart_set_epilogue(mp, NULL);
	}
}

int
kyso_canon_unique_fields(GMimeObject *obj, const char *where,
    struct kyso_err *err)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int i, j, seen,
	    n = list != NULL ? g_mime_header_list_get_count(list) : 0;

	for (i = 0; kyso_raw_structure_fields[i] != NULL; i++) {
		for (j = seen = 0; j < n; j++) {
			/* GMime drops blanks before the colon from the name */
			const char *name = g_mime_header_get_name(
			    g_mime_header_list_get_header_at(list, j));

			if (name != NULL &&
			    g_ascii_strcasecmp(name,
			        kyso_raw_structure_fields[i]) == 0)
				seen++;
		}
		if (seen > 1) {
			kyso_err_set(err, KYSO_E_INPUT, "duplicate %s %s",
			    kyso_raw_structure_fields[i], where);
			return -1;
		}
	}
	return 0;
}

/* kyso_canon_unique_fields for the entity at `spec` (kyso_raw_place). */
static int
unique_at(GMimeObject *obj, const char *spec, int inner, struct kyso_err *err)
{
	char *where = kyso_raw_place(spec, inner);
	int rc = kyso_canon_unique_fields(obj, where, err);

	g_free(where);
	return rc;
}

static int
unique_tree(GMimeObject *obj, const char *spec, int depth, struct kyso_err *err)
{
	int i, n;

	if (depth > KYSO_MAX_MIME_DEPTH) {
		kyso_err_set(err, KYSO_E_INPUT, "MIME nesting too deep");
		return -1;
	}
	if (unique_at(obj, spec, 0, err) < 0)
		return -1;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++) {
			char *cs = kyso_raw_child_spec(spec, i + 1);
			int rc = unique_tree(
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    cs, depth + 1, err);

			g_free(cs);
			if (rc < 0)
				return -1;
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m == NULL)
			return 0;
		if (unique_at(GMIME_OBJECT(m), spec, 1, err) < 0)
			return -1;
		if (g_mime_message_get_mime_part(m) != NULL)
			return unique_tree(g_mime_message_get_mime_part(m),
			    spec, depth + 1, err);
	}
	return 0;
}

int
kyso_canon_unique_tree(GMimeObject *obj, struct kyso_err *err)
{
	return unique_tree(obj, "", 0, err);
}

/* A nested signed or encrypted entity must keep its bytes; it is only
 * safe to carry if it is already 7-bit clean. */
static int
check_untouchable(GMimeObject *obj, const char *spec, int depth,
    struct kyso_err *err)
{
	struct scan sc;
	GMimeDataWrapper *w;
	int i, n;

	if (depth > KYSO_MAX_MIME_DEPTH) {
		kyso_err_set(err, KYSO_E_INPUT, "MIME nesting too deep");
		return -1;
	}
	if (unique_at(obj, spec, 0, err) < 0 || encode_headers(obj, 1, err) < 0)
		return -1;
	if (GMIME_IS_MULTIPART(obj)) {
		/* the edges of a nested signed multipart are outside its own
		 * signature, inside ours */
		clean_edges(GMIME_MULTIPART(obj));
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++) {
			char *cs = kyso_raw_child_spec(spec, i + 1);
			int rc = check_untouchable(
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    cs, depth + 1, err);

			g_free(cs);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m == NULL)
			return 0;
		if (unique_at(GMIME_OBJECT(m), spec, 1, err) < 0 ||
		    encode_headers(GMIME_OBJECT(m), 1, err) < 0)
			return -1;
		return g_mime_message_get_mime_part(m) == NULL
		    ? 0
		    : check_untouchable(g_mime_message_get_mime_part(m), spec,
		          depth + 1, err);
	}
	if (!GMIME_IS_PART(obj) ||
	    (w = g_mime_part_get_content(GMIME_PART(obj))) == NULL)
		return 0;
	if (scan_stream(g_mime_data_wrapper_get_stream(w), &sc, err) < 0)
		return -1;
	if (sc.has8bit || sc.hasnul || sc.barecr || sc.longline) {
		kyso_err_set(err, KYSO_E_INPUT,
		    "a nested signed or encrypted part is not 7-bit clean and "
		    "cannot be re-encoded without breaking it");
		return -1;
	}
	return 0;
}

/* A multipart or message/rfc822 labelled 8bit/binary is 7-bit once its
 * leaves are; an 8bit label left behind makes Postfix rewrite it (P1, P14). */
static void
relabel_container(GMimeObject *obj)
{
	const char *cte =
	    g_mime_object_get_header(obj, "Content-Transfer-Encoding");

	if (cte == NULL)
		return;
	while (*cte == ' ' || *cte == '\t')
		cte++;
	if (g_ascii_strncasecmp(cte, "8bit", 4) == 0 ||
	    g_ascii_strncasecmp(cte, "binary", 6) == 0)
		g_mime_object_set_header(obj, "Content-Transfer-Encoding",
		    "7bit", NULL);
}

static int
prepare(GMimeObject *obj, const char *spec, int depth, int *reencoded,
    struct kyso_err *err)
{
	int i, n;

	if (depth > KYSO_MAX_MIME_DEPTH) {
		kyso_err_set(err, KYSO_E_INPUT, "MIME nesting too deep");
		return -1;
	}
	if (GMIME_IS_MULTIPART_SIGNED(obj) || GMIME_IS_MULTIPART_ENCRYPTED(obj))
		return check_untouchable(obj, spec, depth, err);
	if (GMIME_IS_APPLICATION_PKCS7_MIME(obj))
		return check_untouchable(obj, spec, depth, err);
	if (unique_at(obj, spec, 0, err) < 0)
		return -1;
	if (GMIME_IS_MULTIPART(obj)) {
		const char *b =
		    g_mime_multipart_get_boundary(GMIME_MULTIPART(obj));

		/* its delimiter lines would carry the 8-bit octets: GMime
		 * writes the parts again under a fresh random boundary */
		if (b != NULL && header_unsafe(b))
			g_mime_multipart_set_boundary(GMIME_MULTIPART(obj),
			    NULL);
	}
	if (encode_headers(obj, 0, err) < 0)
		return -1;
	if (GMIME_IS_MULTIPART(obj)) {
		clean_edges(GMIME_MULTIPART(obj));
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++) {
			char *cs = kyso_raw_child_spec(spec, i + 1);
			int rc =
			    prepare(g_mime_multipart_get_part(GMIME_MULTIPART(
			                                          obj),
			                i),
			        cs, depth + 1, reencoded, err);

			g_free(cs);
			if (rc < 0)
				return -1;
		}
		relabel_container(obj);
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		/* RFC 2046 5.2.1: message/rfc822 itself stays 7bit/8bit; its
		 * leaves are re-encoded like ours */
		if (m == NULL)
			return 0;
		if (unique_at(GMIME_OBJECT(m), spec, 1, err) < 0 ||
		    encode_headers(GMIME_OBJECT(m), 0, err) < 0)
			return -1;
		if (g_mime_message_get_mime_part(m) == NULL)
			return 0;
		if (prepare(g_mime_message_get_mime_part(m), spec, depth + 1,
		        reencoded, err) < 0)
			return -1;
		relabel_container(obj);
		return 0;
	}
	if (GMIME_IS_PART(obj))
		return prepare_leaf(GMIME_PART(obj), reencoded, err);
	return 0;
}

/* A message without MIME header fields is text/plain; charset=us-ascii
 * by RFC 2045 5.2, but some verifiers' MIME parsers refuse a signed part
 * whose header is empty: state the type and the encoding explicitly (the
 * meaning does not change; 8-bit text was labelled utf-8 by prepare). */
static void
label_implicit(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimePart *part = GMIME_PART(obj);

	if (ct != NULL &&
	    g_mime_content_type_get_parameter(ct, "charset") == NULL)
		g_mime_object_set_content_type_parameter(obj, "charset",
		    "us-ascii");
	else if (ct != NULL)
		g_mime_object_set_content_type(obj, ct); /* writes the field */
	if (g_mime_object_get_header(obj, "Content-Transfer-Encoding") == NULL)
		g_mime_part_set_content_encoding(part,
		    g_mime_part_get_content_encoding(part) ==
		            GMIME_CONTENT_ENCODING_DEFAULT
		        ? GMIME_CONTENT_ENCODING_7BIT
		        : g_mime_part_get_content_encoding(part));
}

int
kyso_canon_prepare(GMimeObject *obj, int *reencoded, struct kyso_err *err)
{
	int implicit = GMIME_IS_PART(obj) &&
	    g_mime_object_get_header(obj, "Content-Type") == NULL;

	*reencoded = 0;
	/* depth 1: the entity goes into a multipart/signed, a level a reader
	 * of the signed message counts too (verify_find.c), so its own
	 * nesting gets one level less of KYSO_MAX_MIME_DEPTH */
	if (prepare(obj, "", 1, reencoded, err) < 0)
		return -1;
	if (implicit)
		label_implicit(obj);
	return 0;
}
