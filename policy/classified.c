/*
 * classified.c - spot secrecy markings on outbound mail before anything is
 * signed. Text comes decoded from GMime (RFC 2047 subjects, RFC 2231 file
 * names, transfer-decoded body); matching is on folded text (fold_text()),
 * so a marking typed with combining accents, invisible characters, other
 * spaces or look-alike letters is found too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/policy/classified.h"
#include "kyso/err.h"
#include "kyso/limits.h"
#include "kyso/smime/mime.h"

struct marking {
	char *nfc;      /* as configured, NFC */
	char *folded;   /* case-folded NFC, for case-insensitive matching */
	char *squeezed; /* folded, letters and digits only ("tốimật") */
	int multiword;
};

struct kyso_classified {
	struct marking *m;
	size_t n;
};

static int
longer_first(const void *a, const void *b)
{
	size_t la = strlen(((const struct marking *)a)->nfc);
	size_t lb = strlen(((const struct marking *)b)->nfc);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Characters a reader does not see: format controls (soft hyphen,
 * zero-width space and joiners, word joiner, BOM, bidirectional marks)
 * and the other default-ignorable code points. */
static int
invisible(gunichar c)
{
	return g_unichar_type(c) == G_UNICODE_FORMAT || c == 0x034F ||
	    (c >= 0x115F && c <= 0x1160) || (c >= 0x17B4 && c <= 0x17B5) ||
	    (c >= 0x180B && c <= 0x180F) || c == 0x3164 ||
	    (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFFA0 ||
	    (c >= 0xE0000 && c <= 0xE0FFF);
}

/* The Latin letter a case-folded Cyrillic or Greek letter looks like
 * ("МẬТ" with Cyrillic М and Т reads "MẬT"), or c itself. */
static gunichar
latin_lookalike(gunichar c)
{
	static const struct {
		gunichar from;
		char to;
	} map[] = {
	    {0x0131, 'i'},
	    {0x0251, 'a'},
	    {0x03B1, 'a'},
	    {0x03B2, 'b'},
	    {0x03B5, 'e'},
	    {0x03B6, 'z'},
	    {0x03B7, 'h'},
	    {0x03B9, 'i'},
	    {0x03BA, 'k'},
	    {0x03BC, 'm'},
	    {0x03BD, 'n'},
	    {0x03BF, 'o'},
	    {0x03C1, 'p'},
	    {0x03C4, 't'},
	    {0x03C5, 'y'},
	    {0x03C7, 'x'},
	    {0x0430, 'a'},
	    {0x0432, 'b'},
	    {0x0435, 'e'},
	    {0x043A, 'k'},
	    {0x043C, 'm'},
	    {0x043D, 'h'},
	    {0x043E, 'o'},
	    {0x0440, 'p'},
	    {0x0441, 'c'},
	    {0x0442, 't'},
	    {0x0443, 'y'},
	    {0x0445, 'x'},
	    {0x0455, 's'},
	    {0x0456, 'i'},
	    {0x0458, 'j'},
	    {0x04AF, 'y'},
	    {0x04BB, 'h'},
	    {0x04CF, 'l'},
	    {0x0501, 'd'},
	    {0x051B, 'q'},
	    {0x051D, 'w'},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].from == c)
			return (gunichar)map[i].to;
	return c;
}

/* Text as a reader reads it, for matching (markings and text alike):
 * NFKC (fullwidth and mathematical letters, no-break and other spaces),
 * case-folded, invisible characters dropped, every run of white space one
 * ' ', look-alike letters Latin, then NFC again so a look-alike base
 * letter and its accents compose ("О" U+041E + U+0302 U+0301 is "ố").
 * text is valid UTF-8; the result is g_free()d. */
static char *
fold_text(const char *text)
{
	char *nfkc = g_utf8_normalize(text, -1, G_NORMALIZE_NFKC);
	char *folded = g_utf8_casefold(nfkc != NULL ? nfkc : "", -1);
	GString *g = g_string_sized_new(strlen(folded));
	const char *p;
	char *out;
	int space = 0;

	for (p = folded; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (invisible(c))
			continue;
		if (g_unichar_isspace(c) ||
		    g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR) {
			if (!space)
				g_string_append_c(g, ' ');
			space = 1;
			continue;
		}
		space = 0;
		g_string_append_unichar(g, latin_lookalike(c));
	}
	out = g_utf8_normalize(g->str, -1, G_NORMALIZE_NFC);
	g_string_free(g, TRUE);
	g_free(folded);
	g_free(nfkc);
	return out;
}

/* The letters and digits of text[0..len) (len -1: all), g_free(). */
static char *
squeeze(const char *text, gssize len)
{
	GString *g = g_string_new(NULL);
	const char *p, *end = len < 0 ? text + strlen(text) : text + len;

	for (p = text; p < end && *p != '\0'; p = g_utf8_next_char(p))
		if (g_unichar_isalnum(g_utf8_get_char(p)))
			g_string_append_unichar(g, g_utf8_get_char(p));
	return g_string_free(g, FALSE);
}

struct kyso_classified *
kyso_classified_new(const char *markings)
{
	struct kyso_classified *c;
	gchar **parts;
	size_t i;

	if (markings == NULL)
		return NULL;
	parts = g_strsplit(markings, ",", -1);
	c = kyso_xcalloc(1, sizeof(*c));
	c->m = kyso_xcalloc(g_strv_length(parts) + 1, sizeof(*c->m));
	for (i = 0; parts[i] != NULL; i++) {
		char *t = g_strstrip(parts[i]);
		char *nfc;

		if (*t == '\0' || g_ascii_strcasecmp(t, "none") == 0 ||
		    !g_utf8_validate(t, -1, NULL))
			continue;
		nfc = g_utf8_normalize(t, -1, G_NORMALIZE_NFC);
		c->m[c->n].folded = fold_text(nfc);
		if (c->m[c->n].folded == NULL ||
		    *g_strstrip(c->m[c->n].folded) == '\0') {
			/* nothing visible: it would match everywhere */
			g_free(c->m[c->n].folded);
			g_free(nfc);
			continue;
		}
		c->m[c->n].nfc = nfc;
		c->m[c->n].squeezed = squeeze(c->m[c->n].folded, -1);
		c->m[c->n].multiword = strchr(c->m[c->n].folded, ' ') != NULL;
		c->n++;
	}
	g_strfreev(parts);
	/* longest first, so "TỐI MẬT" is named rather than its "MẬT" */
	qsort(c->m, c->n, sizeof(*c->m), longer_first);
	if (c->n == 0) {
		kyso_classified_free(c);
		return NULL;
	}
	return c;
}

void
kyso_classified_free(struct kyso_classified *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		g_free(c->m[i].nfc);
		g_free(c->m[i].folded);
		g_free(c->m[i].squeezed);
	}
	free(c->m);
	free(c);
}

/* Is the character before `p` (in s), or the one at p, a word character? */
static int
letter_before(const char *s, const char *p)
{
	const char *q;

	if (p == s)
		return 0;
	q = g_utf8_find_prev_char(s, p);
	return q != NULL && g_unichar_isalnum(g_utf8_get_char(q));
}

static int
letter_at(const char *p)
{
	return *p != '\0' && g_unichar_isalnum(g_utf8_get_char(p));
}

static int
bracketed(const char *s, const char *p, const char *end)
{
	const char *q = p == s ? NULL : g_utf8_find_prev_char(s, p);

	return q != NULL && (*q == '[' || *q == '(') &&
	    (*end == ']' || *end == ')');
}

/* A label: the text starts with the marking (after blanks), followed by
 * its end or, after blanks, by ':' '-' '|' or '.'. "MẬT: kế hoạch" is a
 * label; "Mật khẩu mới" (new password) is not. */
static int
leading_label(const char *hay, const char *p, const char *end)
{
	const char *q = hay;

	while (*q == ' ' || *q == '\t')
		q++;
	if (q != p)
		return 0;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0' || strchr(":-|.", *end) != NULL;
}

/* Is `needle` in `hay` (both case-folded NFC) as a marking? Multi-word
 * markings count anywhere as whole words; a single word only as a label:
 * in brackets or leading the text (it is also an ordinary syllable, as in
 * "bảo mật", security). */
static int
find_marking(const char *hay, const char *needle, int multiword)
{
	const char *p = hay;
	size_t len = strlen(needle);

	while ((p = strstr(p, needle)) != NULL) {
		const char *end = p + len;

		if (!letter_before(hay, p) && !letter_at(end) &&
		    (multiword || bracketed(hay, p, end) ||
		        leading_label(hay, p, end)))
			return 1;
		p = end;
	}
	return 0;
}

/* fold_text() of text, or, when text is not UTF-8 (raw 8-bit bytes with
 * no charset said), of text read as windows-1258, the Vietnamese legacy
 * charset a mail program may still show it in; NULL when neither. */
static char *
fold_any(const char *text)
{
	char *utf8, *folded;

	if (g_utf8_validate(text, -1, NULL))
		return fold_text(text);
	utf8 = g_convert(text, -1, "UTF-8", "WINDOWS-1258", NULL, NULL, NULL);
	if (utf8 == NULL)
		return NULL;
	folded = fold_text(utf8);
	g_free(utf8);
	return folded;
}

/* Where a marking spelt out letter by letter ("M.Ậ.T", "T Ố I  M Ậ T",
 * "M-Ậ-T") counts: the letters of the whole text, of each bracketed
 * piece and of the label before ':' '|' or " - " (squeeze()d, into
 * GPtrArray of g_free()d strings). */
static GPtrArray *
spelt_pieces(const char *folded)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	const char *p, *close, *end;

	g_ptr_array_add(v, squeeze(folded, -1));
	for (p = folded; v->len < 16 && (p = strpbrk(p, "[(")) != NULL;
	     p = close) {
		if ((close = strpbrk(p + 1, "])")) == NULL)
			break;
		g_ptr_array_add(v, squeeze(p + 1, close - p - 1));
	}
	end = folded + strcspn(folded, ":|");
	if ((p = strstr(folded, " - ")) != NULL && p < end)
		end = p;
	if (*end != '\0')
		g_ptr_array_add(v, squeeze(folded, end - folded));
	return v;
}

/* Does folded text (fold_text()) bear a marking? */
static int
match_folded(const struct kyso_classified *c, const char *folded,
    const char **marking)
{
	GPtrArray *pieces = spelt_pieces(folded);
	size_t i, k;
	int hit = 0;

	for (i = 0; i < c->n && !hit; i++) {
		hit = find_marking(folded, c->m[i].folded, c->m[i].multiword);
		for (k = 0; k < pieces->len && !hit; k++)
			hit = *c->m[i].squeezed != '\0' &&
			    strcmp(pieces->pdata[k], c->m[i].squeezed) == 0;
		if (hit && marking != NULL)
			*marking = c->m[i].nfc;
	}
	g_ptr_array_free(pieces, TRUE);
	return hit;
}

int
kyso_classified_match(const struct kyso_classified *c, const char *text,
    const char **marking)
{
	char *folded;
	int hit;

	if (c == NULL || text == NULL || (folded = fold_any(text)) == NULL)
		return 0;
	hit = match_folded(c, folded, marking);
	g_free(folded);
	return hit;
}

/* Is the HTML element name[0..len) inline (no line break around it)? */
static int
inline_element(const char *name, size_t len)
{
	static const char *const names[] = {"a", "abbr", "b", "big", "code",
	    "del", "em", "font", "i", "ins", "mark", "s", "small", "span",
	    "strike", "strong", "sub", "sup", "tt", "u", "wbr"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len &&
		    g_ascii_strncasecmp(names[i], name, len) == 0)
			return 1;
	return 0;
}

/* The character of the HTML entity at p ("&...;"), its length in *len;
 * 0 when p holds none this knows (numeric, and the named ones Vietnamese
 * text and spacing use). */
static gunichar
html_entity(const char *p, size_t *len)
{
	static const struct {
		const char *name;
		gunichar c;
	} named[] = {
	    {"nbsp", 0xA0},
	    {"amp", '&'},
	    {"lt", '<'},
	    {"gt", '>'},
	    {"quot", '"'},
	    {"apos", '\''},
	    {"shy", 0xAD},
	    {"zwj", 0x200D},
	    {"zwnj", 0x200C},
	    {"ZeroWidthSpace", 0x200B},
	    {"ensp", 0x2002},
	    {"emsp", 0x2003},
	    {"thinsp", 0x2009},
	    {"Agrave", 0xC0},
	    {"Aacute", 0xC1},
	    {"Acirc", 0xC2},
	    {"Atilde", 0xC3},
	    {"Egrave", 0xC8},
	    {"Eacute", 0xC9},
	    {"Ecirc", 0xCA},
	    {"Igrave", 0xCC},
	    {"Iacute", 0xCD},
	    {"Ograve", 0xD2},
	    {"Oacute", 0xD3},
	    {"Ocirc", 0xD4},
	    {"Otilde", 0xD5},
	    {"Ugrave", 0xD9},
	    {"Uacute", 0xDA},
	    {"Yacute", 0xDD},
	    {"agrave", 0xE0},
	    {"aacute", 0xE1},
	    {"acirc", 0xE2},
	    {"atilde", 0xE3},
	    {"egrave", 0xE8},
	    {"eacute", 0xE9},
	    {"ecirc", 0xEA},
	    {"igrave", 0xEC},
	    {"iacute", 0xED},
	    {"ograve", 0xF2},
	    {"oacute", 0xF3},
	    {"ocirc", 0xF4},
	    {"otilde", 0xF5},
	    {"ugrave", 0xF9},
	    {"uacute", 0xFA},
	    {"yacute", 0xFD},
	};
	const char *semi;
	size_t n, i;
	guint64 v;
	char *end;

	/* a bounded look for the ';' (no rescans of a long '&' run) */
	for (semi = p + 1; semi < p + 21 && *semi != '\0' && *semi != ';';
	     semi++)
		;
	if (*semi != ';' || (n = (size_t)(semi - p)) < 2)
		return 0;
	*len = n + 1;
	if (p[1] == '#') {
		const char *digits = p + 2 + (p[2] == 'x' || p[2] == 'X');

		if (!g_ascii_isxdigit(*digits))
			return 0;
		v = g_ascii_strtoull(digits, &end, digits > p + 2 ? 16 : 10);
		if (end != semi)
			return 0;
		return v > 0 && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)
		    ? (gunichar)v
		    : 0xFFFD;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n - 1 &&
		    strncmp(named[i].name, p + 1, n - 1) == 0)
			return named[i].c;
	return 0;
}

/* After the tag at p ('<'): past a comment, past the content of a
 * style or script element (not of a head: a browser shows text there),
 * or past the tag; *brk when the tag breaks the line (any element but
 * the inline ones). */
static const char *
html_skip_tag(const char *p, int *brk)
{
	static const char *const hidden[] = {"style", "script"};
	const char *name = p + 1 + (p[1] == '/'), *q, *gt;
	size_t len, i;
	char close[16];

	*brk = 0;
	if (strncmp(p, "<!--", 4) == 0) {
		q = strstr(p + 4, "-->");
		return q != NULL ? q + 3 : p + strlen(p);
	}
	for (q = name; g_ascii_isalnum(*q); q++)
		;
	len = (size_t)(q - name);
	gt = strchr(q, '>');
	gt = gt != NULL ? gt + 1 : q + strlen(q);
	*brk = !inline_element(name, len);
	if (p[1] == '/')
		return gt;
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (strlen(hidden[i]) == len &&
		    g_ascii_strncasecmp(hidden[i], name, len) == 0) {
			(void)snprintf(close, sizeof(close), "</%s", hidden[i]);
			for (q = gt; *q != '\0'; q++)
				if (g_ascii_strncasecmp(q, close,
				        strlen(close)) == 0)
					break;
			gt = strchr(q, '>');
			return gt != NULL ? gt + 1 : q + strlen(q);
		}
	return gt;
}

/* The text an HTML document shows, roughly: markup and hidden elements
 * gone, entities decoded, a line break for every tag but inline ones,
 * the source's own line breaks spaces (g_free()). */
static char *
html_text(const char *html)
{
	GString *g = g_string_sized_new(strlen(html));
	const char *p = html;
	gunichar u;
	size_t len;
	int brk;

	while (*p != '\0') {
		if (*p == '<' &&
		    (g_ascii_isalpha(p[1]) || p[1] == '/' || p[1] == '!')) {
			p = html_skip_tag(p, &brk);
			if (brk)
				g_string_append_c(g, '\n');
		} else if (*p == '&' && (u = html_entity(p, &len)) != 0) {
			g_string_append_unichar(g, u);
			p += len;
		} else {
			g_string_append_c(g,
			    *p == '\r' || *p == '\n' ? ' ' : *p);
			p++;
		}
	}
	return g_string_free(g, FALSE);
}

/* The decoded text of a part, as UTF-8 when its charset is known
 * (windows-1258, UTF-16 ...), at most max bytes (g_free()). */
static char *
part_text(GMimePart *part, size_t max)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	const char *charset =
	    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	        "charset");
	GMimeStream *f, *raw;
	GMimeFilter *filter;
	char *buf;
	ssize_t n;
	size_t got = 0;

	if (w == NULL)
		return NULL;
	raw = g_mime_data_wrapper_get_stream(w);
	(void)g_mime_stream_reset(raw);
	f = g_mime_stream_filter_new(raw);
	filter =
	    g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
	g_object_unref(filter);
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0 &&
	    (filter = g_mime_filter_charset_new(charset, "UTF-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
	}
	buf = g_malloc(max + 1);
	while (got < max && (n = kyso_mime_read(f, buf + got, max - got)) > 0)
		got += (size_t)n;
	g_object_unref(f);
	(void)g_mime_stream_reset(raw);
	buf[got] = '\0';
	return buf;
}

/* Does a UTF-8 line hold more than 32 characters that stay visible once
 * folded (not white space, invisible, a combining mark or a stamp's
 * bracket, star or dash)? Folding keeps at least one byte of each, so it
 * cannot be a stamp; most lines of a text are such (folding is dear). */
static int
surely_long(const char *line)
{
	const char *p;
	int n = 0;

	if (!g_utf8_validate(line, -1, NULL))
		return 0;
	for (p = line; *p != '\0' && n <= 32; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		GUnicodeType t = g_unichar_type(u);

		if (g_unichar_isspace(u) || invisible(u) ||
		    t == G_UNICODE_SPACE_SEPARATOR ||
		    t == G_UNICODE_NON_SPACING_MARK ||
		    t == G_UNICODE_ENCLOSING_MARK ||
		    (u < 0x80 && strchr("[]()*-_=", (int)u) != NULL))
			continue;
		n++;
	}
	return n > 32;
}

/* The top KYSO_CLASSIFIED_SCAN_LINES non-blank lines of a text part
 * (an HTML one as the text it shows), each looked at as a stamp. */
static int
check_body(const struct kyso_classified *c, GMimePart *part,
    const char **marking)
{
	GMimeContentType *ct =
	    g_mime_object_get_content_type(GMIME_OBJECT(part));
	int html =
	    ct != NULL && g_mime_content_type_is_type(ct, "text", "html");
	char *text = part_text(part,
	    html ? KYSO_CLASSIFIED_HTML_BYTES : KYSO_CLASSIFIED_SCAN_BYTES);
	gchar **lines;
	int i, seen = 0, hit = 0;

	if (text == NULL)
		return 0;
	if (html) {
		char *shown = html_text(text);

		g_free(text);
		text = shown;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0;
	     lines[i] != NULL && seen < KYSO_CLASSIFIED_SCAN_LINES && !hit;
	     i++) {
		char *fl, *l;

		if (surely_long(lines[i])) {
			seen++; /* not blank, and no stamp: no need to fold */
			continue;
		}
		if ((fl = fold_any(lines[i])) == NULL)
			continue;
		/* a stamp is a line of its own: the marking and at most
		 * brackets, stars or dashes around it, measured as read
		 * (invisible characters cannot pad it out of reach) */
		l = g_strstrip(g_strdelimit(fl, "[]()*-_=", ' '));
		if (*l != '\0') {
			seen++;
			hit = strlen(l) <= 32 && match_folded(c, l, marking);
		}
		g_free(fl);
	}
	g_strfreev(lines);
	g_free(text);
	return hit;
}

struct walk {
	const struct kyso_classified *c;
	char *why;
	size_t whylen;
	int hit;
	int body_done; /* only the first text part's top is scanned */
	int in_alt;    /* inside a multipart/alternative: all its texts */
	int alt_text;  /* a text part of the alternative was scanned */
};

/* The names of an entity, any kind (a forwarded message attached as
 * "TỐI MẬT.eml" too): the Content-Disposition filename and the
 * Content-Type name, both, as mail programs show one or the other. */
static void
visit_names(struct walk *w, GMimeObject *obj)
{
	GMimeContentDisposition *disp =
	    g_mime_object_get_content_disposition(obj);
	const char *names[2], *marking = NULL;
	size_t i;

	names[0] = disp != NULL
	    ? g_mime_content_disposition_get_parameter(disp, "filename")
	    : NULL;
	names[1] = g_mime_object_get_content_type_parameter(obj, "name");
	for (i = 0; i < 2 && !w->hit; i++)
		if (names[i] != NULL &&
		    kyso_classified_match(w->c, names[i], &marking)) {
			(void)snprintf(w->why, w->whylen,
			    "%s in attachment name", marking);
			w->hit = 1;
		}
}

/* Is the part an attachment (Content-Disposition: attachment)? */
static int
attached(GMimePart *part)
{
	GMimeContentDisposition *disp =
	    g_mime_object_get_content_disposition(GMIME_OBJECT(part));

	return disp != NULL && g_mime_content_disposition_is_attachment(disp);
}

/* A leaf: the top of the first text part. */
static void
visit_leaf(struct walk *w, GMimePart *part)
{
	const char *marking = NULL;

	if (!w->body_done && GMIME_IS_TEXT_PART(part)) {
		/* each alternative is what some reader shows first; a text
		 * file attached before the text shown is read, and the text
		 * after it too */
		if (w->in_alt > 0)
			w->alt_text = 1;
		else if (!attached(part))
			w->body_done = 1;
		if (check_body(w->c, part, &marking)) {
			(void)snprintf(w->why, w->whylen,
			    "%s stamp in the text", marking);
			w->hit = 1;
		}
	}
}

/* Every entity under obj, in order: multiparts at any depth and forwarded
 * messages (message/rfc822: their Subject and their own parts), where a
 * document is as easily hidden as at the top. Past KYSO_MAX_MIME_DEPTH
 * nothing is looked at: signing refuses such nesting anyway. */
static void
walk_tree(struct walk *w, GMimeObject *obj, int depth)
{
	const char *marking = NULL, *subject;
	GMimeMessage *m;
	struct walk saved;
	int i, n, alt;

	if (w->hit || obj == NULL || depth > KYSO_MAX_MIME_DEPTH)
		return;
	visit_names(w, obj);
	if (w->hit)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		alt =
		    g_mime_content_type_is_type(g_mime_object_get_content_type(
		                                    obj),
		        "multipart", "alternative");
		w->in_alt += alt;
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n && !w->hit; i++)
			walk_tree(w,
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1);
		w->in_alt -= alt;
		if (w->in_alt == 0 && w->alt_text)
			w->body_done = 1;
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m == NULL)
			return;
		subject = g_mime_message_get_subject(m);
		if (subject != NULL &&
		    kyso_classified_match(w->c, subject, &marking)) {
			(void)snprintf(w->why, w->whylen,
			    "%s in a forwarded message's Subject", marking);
			w->hit = 1;
			return;
		}
		/* a forwarded message is a document of its own: the top of
		 * its first text part is read too */
		saved = *w;
		w->body_done = w->in_alt = w->alt_text = 0;
		walk_tree(w, g_mime_message_get_mime_part(m), depth + 1);
		w->body_done = saved.body_done;
		w->in_alt = saved.in_alt;
		w->alt_text = saved.alt_text;
	} else if (GMIME_IS_PART(obj)) {
		visit_leaf(w, GMIME_PART(obj));
	}
}

int
kyso_classified_check(const struct kyso_classified *c, GMimeMessage *msg,
    char *why, size_t whylen)
{
	struct walk w = {c, why, whylen, 0, 0, 0, 0};
	const char *subject = g_mime_message_get_subject(msg);
	const char *marking = NULL;
	GMimeObject *top = g_mime_message_get_mime_part(msg);

	if (c == NULL)
		return 0;
	if (subject != NULL && kyso_classified_match(c, subject, &marking)) {
		(void)snprintf(why, whylen, "%s in Subject", marking);
		return 1;
	}
	walk_tree(&w, top, 0);
	return w.hit;
}
