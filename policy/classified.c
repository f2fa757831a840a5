/*
 * classified.c - spot secrecy markings on outbound mail before anything is
 * signed. Text comes decoded from GMime (RFC 2047 subjects, RFC 2231 file
 * names, transfer-decoded body); matching is on NFC-normalised UTF-8, so a
 * marking typed with combining accents is found too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/policy/classified.h"
#include "kyso/err.h"
#include "kyso/limits.h"
#include "kyso/smime/mime.h"

struct marking {
	char *nfc;    /* as configured, NFC */
	char *folded; /* case-folded NFC, for case-insensitive matching */
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
		c->m[c->n].nfc = nfc;
		c->m[c->n].folded = g_utf8_casefold(nfc, -1);
		c->m[c->n].multiword = strchr(nfc, ' ') != NULL;
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

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
kyso_classified_match(const struct kyso_classified *c, const char *text,
    const char **marking)
{
	char *nfc, *folded;
	size_t i;
	int hit = 0;

	if (c == NULL || text == NULL || !g_utf8_validate(text, -1, NULL))
		return 0;
	/* most subjects and names are ASCII: no normalisation needed */
	nfc = is_ascii(text) ? g_strdup(text)
	                     : g_utf8_normalize(text, -1, G_NORMALIZE_NFC);
	folded =
	    is_ascii(nfc) ? g_ascii_strdown(nfc, -1) : g_utf8_casefold(nfc, -1);
	for (i = 0; i < c->n && !hit; i++) {
		hit = find_marking(folded, c->m[i].folded, c->m[i].multiword);
		if (hit && marking != NULL)
			*marking = c->m[i].nfc;
	}
	g_free(nfc);
	g_free(folded);
	return hit;
}

/* The first KYSO_CLASSIFIED_SCAN_BYTES decoded bytes of a text part, as lines.
 */
static int
check_body(const struct kyso_classified *c, GMimePart *part,
    const char **marking)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *f, *raw;
	GMimeFilter *dec;
	char buf[KYSO_CLASSIFIED_SCAN_BYTES + 1];
	ssize_t n, got = 0;
	gchar **lines;
	int i, hit = 0;

	if (w == NULL)
		return 0;
	raw = g_mime_data_wrapper_get_stream(w);
	(void)g_mime_stream_reset(raw);
	f = g_mime_stream_filter_new(raw);
	dec =
	    g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), dec);
	g_object_unref(dec);
	while (got < KYSO_CLASSIFIED_SCAN_BYTES &&
	    (n = kyso_mime_read(f, buf + got,
	         (size_t)(KYSO_CLASSIFIED_SCAN_BYTES - got))) > 0)
		got += n;
	g_object_unref(f);
	(void)g_mime_stream_reset(raw);
	buf[got] = '\0';
	lines = g_strsplit(buf, "\n", KYSO_CLASSIFIED_SCAN_LINES + 1);
	for (i = 0; lines[i] != NULL && i < KYSO_CLASSIFIED_SCAN_LINES && !hit;
	     i++) {
		char *l = g_strstrip(lines[i]);

		/* a stamp is a line of its own: the marking and at most
		 * brackets, stars or dashes around it; the length first, as
		 * matching normalises the text (most lines are longer) */
		l = g_strstrip(g_strdelimit(l, "[]()*-_=", ' '));
		hit = strlen(l) <= 32 && kyso_classified_match(c, l, marking);
	}
	g_strfreev(lines);
	return hit;
}

struct walk {
	const struct kyso_classified *c;
	char *why;
	size_t whylen;
	int hit;
	int body_done; /* only the first text part's top is scanned */
};

/* A leaf: its file name, and the top of the first text part. */
static void
visit_leaf(struct walk *w, GMimePart *part)
{
	const char *marking = NULL;
	const char *name = g_mime_part_get_filename(part);

	if (name != NULL && kyso_classified_match(w->c, name, &marking)) {
		(void)snprintf(w->why, w->whylen, "%s in attachment name",
		    marking);
		w->hit = 1;
		return;
	}
	if (!w->body_done && GMIME_IS_TEXT_PART(part)) {
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
	int i, n;

	if (w->hit || obj == NULL || depth > KYSO_MAX_MIME_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n && !w->hit; i++)
			walk_tree(w,
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1);
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
		walk_tree(w, g_mime_message_get_mime_part(m), depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		visit_leaf(w, GMIME_PART(obj));
	}
}

int
kyso_classified_check(const struct kyso_classified *c, GMimeMessage *msg,
    char *why, size_t whylen)
{
	struct walk w = {c, why, whylen, 0, 0};
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
