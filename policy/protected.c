/*
 * protected.c - header protection on the way in (RFC 9788): compare the
 * header fields a signed part carries (only when its Content-Type says
 * hp="clear" or hp="cipher") with the message's outer fields.
 *
 * Values are compared as a reader sees them: unfolded (RFC 5322 2.2.3),
 * encoded words decoded (RFC 2047), runs of white space as one space;
 * address fields as GMime reads their mailboxes (a quoted or an encoded
 * display name, any folding, are the same); Date as the instant it names.
 * Field names in any case. Everything else counts: a Subject that differs
 * in one letter, or in case, has changed.
 */
#include <string.h>

#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "kyso/policy/verdict.h"

static const char *const field_vi[] = {"Người gửi", "Người nhận", "Đồng gửi",
    "Tiêu đề", "Ngày", "Mã thư", "Địa chỉ trả lời"};

const char *
kyso_protected_field_vi(int i)
{
	if (i < 0 || (size_t)i >= G_N_ELEMENTS(field_vi))
		return "?";
	return field_vi[i];
}

/* s without line breaks, runs of blanks as one space, trimmed. */
static char *
collapse(const char *s)
{
	GString *o = g_string_new(NULL);
	const char *p;
	int blank = 0;

	for (p = s ? s : ""; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == ' ' || *p == '\t') {
			blank = 1;
			continue;
		}
		if (blank && o->len > 0)
			g_string_append_c(o, ' ');
		blank = 0;
		g_string_append_c(o, *p);
	}
	return g_string_free(o, FALSE);
}

static int
is_address_field(const char *name)
{
	return g_ascii_strcasecmp(name, "From") == 0 ||
	    g_ascii_strcasecmp(name, "To") == 0 ||
	    g_ascii_strcasecmp(name, "Cc") == 0 ||
	    g_ascii_strcasecmp(name, "Reply-To") == 0;
}

/* Length of the tag t at the start of s, or 0: t is literal text except
 * one "%s", which stands for any text up to the first occurrence of what
 * follows it (a signer's name in "[Đã ký số: %s]"). Both NFC. */
static size_t
tag_at_nfc(const char *s, const char *t)
{
	const char *w = strstr(t, "%s"), *e;
	size_t plen = w != NULL ? (size_t)(w - t) : strlen(t);

	if (plen == 0 || strncmp(s, t, plen) != 0)
		return 0;
	if (w == NULL)
		return plen;
	if (w[2] == '\0' || (e = strstr(s + plen, w + 2)) == NULL)
		return 0; /* an open end would swallow the Subject */
	return (size_t)(e - s) + strlen(w + 2);
}

/* tag_at_nfc() with t in NFC, as s is (kyso_subject_base): a tag written
 * decomposed (NFD: "a" + U+0303 for "ã") looks the same, so it is the
 * same tag, whichever form the sender or the configuration used. */
static size_t
tag_at(const char *s, const char *t)
{
	char *tn = g_utf8_normalize(t, -1, G_NORMALIZE_NFC);
	size_t len = tag_at_nfc(s, tn != NULL ? tn : t);

	g_free(tn);
	return len;
}

/* Drop our own tags (and the blanks after one) from the start of s. */
static void
strip_prefixes(char *s, const char *const *strip)
{
	size_t i, len;
	int again = 1;

	while (again && strip != NULL) {
		again = 0;
		for (i = 0; strip[i] != NULL; i++) {
			if ((len = tag_at(s, strip[i])) == 0)
				continue;
			while (s[len] == ' ')
				len++;
			memmove(s, s + len, strlen(s + len) + 1);
			again = 1;
		}
	}
}

char *
kyso_subject_base(const char *value, const char *const *strip)
{
	char *unf = collapse(value);
	char *dec = g_mime_utils_header_decode_text(NULL, unf);
	char *valid = g_utf8_make_valid(dec != NULL ? dec : "", -1);
	/* NFC: text that looks the same is the same (a forged tag written
	 * decomposed is still our tag; a signed Subject still matches) */
	char *nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFC);
	char *s = collapse(nfc != NULL ? nfc : valid);

	g_free(unf);
	g_free(dec);
	g_free(valid);
	g_free(nfc);
	strip_prefixes(s, strip);
	return s;
}

char *
kyso_subject_tag_fill(const char *tmpl, const char *name)
{
	const char *w = strstr(tmpl, "%s");
	char *n, *p, *out;

	if (w == NULL)
		return g_strdup(tmpl);
	n = g_strdup(name);
	for (p = n; *p != '\0'; p++)
		if ((unsigned char)*p < 0x80 && *p != ' ' &&
		    strchr(w + 2, *p) != NULL)
			*p = ' ';
	out = g_strdup_printf("%.*s%s%s", (int)(w - tmpl), tmpl, n, w + 2);
	g_free(n);
	return out;
}

/* The comparable form of one value of field `name`. */
static char *
normal(const char *name, const char *value, const char *const *strip)
{
	char *unf = collapse(value), *out = NULL;

	if (g_ascii_strcasecmp(name, "Subject") == 0) {
		out = kyso_subject_base(unf, strip);
	} else if (is_address_field(name)) {
		InternetAddressList *l = internet_address_list_parse(NULL, unf);

		if (l != NULL && internet_address_list_length(l) > 0) {
			char *t =
			    internet_address_list_to_string(l, NULL, FALSE);

			out = collapse(t);
			g_free(t);
		}
		if (l != NULL)
			g_object_unref(l);
	} else if (g_ascii_strcasecmp(name, "Date") == 0) {
		GDateTime *d = g_mime_utils_header_decode_date(unf);

		if (d != NULL) {
			out = g_strdup_printf("%" G_GINT64_FORMAT,
			    g_date_time_to_unix(d));
			g_date_time_unref(d);
		}
	}
	if (out == NULL) {
		char *dec = g_mime_utils_header_decode_text(NULL, unf);

		out = collapse(dec);
		g_free(dec);
	}
	g_free(unf);
	return out;
}

/* The normal forms of every outer instance of field i, joined by LF. */
static char *
outer_values(const struct kyso_header *h, size_t n, const char *name,
    const char *const *strip, int *count)
{
	GString *s = g_string_new(NULL);
	size_t k;

	*count = 0;
	for (k = 0; k < n; k++) {
		char *v;

		if (h[k].name == NULL || g_ascii_strcasecmp(h[k].name, name))
			continue;
		v = normal(name, h[k].value, strip);
		g_string_append_printf(s, "%s%s", (*count)++ ? "\n" : "", v);
		g_free(v);
	}
	return g_string_free(s, FALSE);
}

static char *
inner_values(const struct kyso_verify_result *res, const char *name, int *count)
{
	GString *s = g_string_new(NULL);
	size_t k;

	*count = 0;
	for (k = 0; k < res->ninner; k++) {
		char *v;

		if (g_ascii_strcasecmp(res->inner[k].name, name) != 0)
			continue;
		v = normal(name, res->inner[k].value, NULL);
		g_string_append_printf(s, "%s%s", (*count)++ ? "\n" : "", v);
		g_free(v);
	}
	return g_string_free(s, FALSE);
}

/* A field a relay may add after signing (outer form `out`): Date and
 * Message-ID (Postfix adds them when missing), and a To or Cc naming no
 * mailbox ("undisclosed-recipients:;", added to Bcc-only mail). */
static int
relay_added(const char *name, const char *out)
{
	if (g_ascii_strcasecmp(name, "Date") == 0 ||
	    g_ascii_strcasecmp(name, "Message-ID") == 0)
		return 1;
	return (g_ascii_strcasecmp(name, "To") == 0 ||
	           g_ascii_strcasecmp(name, "Cc") == 0) &&
	    strchr(out, '@') == NULL;
}

/* Every signer passed; now none does: the header is not what was signed. */
static void
demote(struct kyso_verdict *v)
{
	size_t i;

	v->result = KYSO_RES_POLICY;
	v->why = KYSO_WHY_HEADER_CHANGED;
	v->softpass = 0;
	v->lead = 0;
	for (i = 0; i < v->n; i++) {
		v->s[i].result = KYSO_RES_POLICY;
		v->s[i].why = KYSO_WHY_HEADER_CHANGED;
		v->s[i].softpass = 0;
		(void)snprintf(v->s[i].note, sizeof(v->s[i].note),
		    "%s %s after signing", kyso_protected_fields[v->hp.first],
		    v->hp.how == 1       ? "added"
		        : v->hp.how == 2 ? "removed"
		                         : "changed");
	}
}

/* A pass says which fields its signature covers (A-R comment, ASCII). */
static void
note_matched(struct kyso_verdict *v)
{
	GString *m = g_string_new(NULL);
	size_t i, len;
	int k;

	for (k = 0; kyso_protected_fields[k] != NULL; k++)
		if (v->hp.matched & (1u << k))
			g_string_append_printf(m, "%s%s", m->len ? " " : "",
			    kyso_protected_fields[k]);
	for (i = 0; i < v->n; i++) {
		len = strlen(v->s[i].note);
		(void)snprintf(v->s[i].note + len, sizeof(v->s[i].note) - len,
		    "; protected headers: %s", m->str);
	}
	g_string_free(m, TRUE);
}

void
kyso_inbound_judge_headers(struct kyso_verdict *v,
    const struct kyso_verify_result *res, const struct kyso_header *outer,
    size_t n, const char *const *strip)
{
	size_t i;
	int k, ni, no;

	v->hp.first = -1;
	if (res->hp == NULL || res->ninner == 0 || v->n == 0 ||
	    (g_ascii_strcasecmp(res->hp, "clear") != 0 &&
	        g_ascii_strcasecmp(res->hp, "cipher") != 0))
		return;
	for (i = 0; i < v->n; i++)
		if (!res->signers[i].signature_ok)
			return; /* what it holds is not vouched for */
	v->hp.present = 1;
	for (k = 0; kyso_protected_fields[k] != NULL; k++) {
		const char *name = kyso_protected_fields[k];
		char *in = inner_values(res, name, &ni);
		char *out = outer_values(outer, n, name, strip, &no);
		int how = -1;

		if (ni > 0 && strcmp(in, out) == 0)
			v->hp.matched |= 1u << k;
		else if (ni > 0)
			how = no == 0 ? 2 : 0;
		else if (no > 0 && !relay_added(name, out))
			how = 1;
		if (how >= 0) {
			v->hp.changed |= 1u << k;
			if (v->hp.first < 0) {
				v->hp.first = k;
				v->hp.how = how;
				v->hp.signed_value =
				    ni > 0 ? g_strdup(in) : NULL;
			}
		}
		g_free(in);
		g_free(out);
	}
	if (v->hp.changed != 0 && v->result == KYSO_RES_PASS)
		demote(v);
	else if (v->result == KYSO_RES_PASS && v->hp.matched != 0)
		note_matched(v);
}
