/*
 * verdict_header.c - the X-Kyso-Verdict value: what a recipient reads,
 * in Vietnamese and English (valid or not, signer name, agency seal or
 * personal signature, issuer, signing time, certificate validity,
 * revocation status), RFC 2047 encoded.
 *
 * Safety: every untrusted string (certificate names, notes) is first
 * stripped of control characters (C0, DEL, C1, line/paragraph separators)
 * and made valid UTF-8; the whole text is then encoded as UTF-8
 * Q encoded-words joined by LF + TAB, so the value holds no raw 8-bit byte
 * and no line break an attacker could choose. Q encoding (not B): every
 * word decodes on its own, even in decoders that join adjacent words.
 */
#include <string.h>

#include <glib.h>

#include "kyso/verdict.h"

/* Encoded characters per encoded-word: with "=?UTF-8?Q?" and "?=" a word
 * is at most 60 columns, so even the first line ("X-Kyso-Verdict: " +
 * word) stays < 78. */
#define KYSO_EW_TEXT 48
/* Longest certificate name shown (characters). */
#define KYSO_MAX_SHOWN_NAME 200

/* Longest verdict text encoded (characters). */
#define KYSO_MAX_VERDICT_TEXT 2000

static char *
clean_n(const char *s, glong max)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);
	const char *p;
	glong n = 0;

	for (p = valid; *p && n < max; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029 ||
		    c == 0xFFFD)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
		n++;
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

char *
kyso_verdict_header_clean(const char *s)
{
	return clean_n(s, KYSO_MAX_SHOWN_NAME);
}

/* Q-encoding of one character into buf (RFC 2047 4.2, restricted to the
 * characters allowed in a phrase, 5(3)); returns its length. */
static size_t
q_char(const char *p, const char *next, char *buf)
{
	size_t n = 0;

	for (; p < next; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ')
			buf[n++] = '_';
		else if (g_ascii_isalnum(c) || strchr("!*+-/", c))
			buf[n++] = (char)c;
		else
			n += (size_t)g_snprintf(buf + n, 4, "=%02X", c);
	}
	return n;
}

char *
kyso_verdict_header_encode(const char *utf8)
{
	char *clean = clean_n(utf8, KYSO_MAX_VERDICT_TEXT);
	GString *out = g_string_new(NULL), *word = g_string_new(NULL);
	const char *p = clean;
	char buf[16];
	size_t n;

	/* RFC 2047 5: encoded-words of whole characters, each one at most
	 * KYSO_EW_TEXT encoded characters, separated by folding white space
	 * (which decoders drop between adjacent encoded-words) */
	while (*p != '\0') {
		const char *next = g_utf8_next_char(p);

		n = q_char(p, next, buf);
		if (word->len + n > KYSO_EW_TEXT) {
			g_string_append_printf(out, "%s=?UTF-8?Q?%s?=",
			    out->len ? "\n\t" : "", word->str);
			g_string_truncate(word, 0);
		}
		g_string_append_len(word, buf, (gssize)n);
		p = next;
	}
	g_string_append_printf(out, "%s=?UTF-8?Q?%s?=", out->len ? "\n\t" : "",
	    word->str);
	g_string_free(word, TRUE);
	g_free(clean);
	return g_string_free(out, FALSE);
}

static char *
utc(time_t t)
{
	GDateTime *d = t ? g_date_time_new_from_unix_utc((gint64)t) : NULL;
	char *s = d ? g_date_time_format(d, "%Y-%m-%d %H:%M UTC")
		    : g_strdup("?");

	if (d != NULL)
		g_date_time_unref(d);
	return s;
}

static const char *
kind_text(enum kyso_cert_kind k)
{
	switch (k) {
	case KYSO_KIND_AGENCY:
		return "con dấu cơ quan / agency seal";
	case KYSO_KIND_PERSONAL:
		return "chữ ký cá nhân / personal signature";
	default:
		return "chữ ký / signature";
	}
}

static const char *
rev_text(enum kyso_revocation r)
{
	switch (r) {
	case KYSO_REV_GOOD:
		return "tốt / good";
	case KYSO_REV_REVOKED:
		return "đã thu hồi / revoked";
	case KYSO_REV_UNAVAILABLE:
		return "không kiểm tra được / unavailable";
	default:
		return "không kiểm tra / not checked";
	}
}

/* Describe one signer into s (UTF-8, untrusted parts cleaned). */
static void
describe(GString *s, const struct kyso_signer_info *si)
{
	char *cn, *icn, *note, *st, *nb, *na;

	if (si->cert_missing) {
		g_string_append(s, "không có chứng thư / no certificate");
		return;
	}
	cn = kyso_verdict_header_clean(si->subject_cn ? si->subject_cn : "?");
	icn = kyso_verdict_header_clean(si->issuer_cn ? si->issuer_cn : "?");
	note = kyso_verdict_header_clean(si->revocation_note);
	st = utc(si->signing_time);
	nb = utc(si->not_before);
	na = utc(si->not_after);
	g_string_append_printf(s,
	    "%s \"%s\"%s%s%s, cấp bởi / issued by \"%s\"; ký lúc / signed %s; "
	    "chứng thư hiệu lực / certificate valid %s – %s; "
	    "thu hồi / revocation: %s%s%s%s",
	    kind_text(si->kind), cn, si->email ? " <" : "",
	    si->email ? si->email : "", si->email ? ">" : "", icn, st, nb, na,
	    rev_text(si->revocation), note[0] ? " (" : "", note,
	    note[0] ? ")" : "");
	g_free(cn);
	g_free(icn);
	g_free(note);
	g_free(st);
	g_free(nb);
	g_free(na);
}

char *
kyso_verdict_header_format(const struct kyso_verify_result *res,
    const struct kyso_verdict *v)
{
	GString *s = g_string_new(NULL);
	int pass = strcmp(v->result, "pass") == 0;
	char *enc, *email;

	if (v->own_domain && !pass)
		g_string_append(s,
		    "Cảnh báo: thư mang địa chỉ của tỉnh nhưng không có chữ ký "
		    "số hợp lệ / Warning: this mail carries a provincial address "
		    "but no valid digital signature. ");
	if (pass) {
		g_string_append(s, "Hợp lệ / Valid: ");
	} else if (strcmp(v->result, "none") == 0) {
		g_string_append_printf(s, "Không có chữ ký số / No digital "
		    "signature (%s / %s)",
		    kyso_inbound_why_text(v->why, 1),
		    kyso_inbound_why_text(v->why, 0));
	} else {
		g_string_append_printf(s, "Không hợp lệ / Not valid (%s): %s / %s",
		    v->result, kyso_inbound_why_text(v->why, 1),
		    kyso_inbound_why_text(v->why, 0));
		if (v->why == KYSO_WHY_PARTIAL && res->part != NULL)
			g_string_append_printf(s, " (phần / part %s)", res->part);
		if (v->best >= 0)
			g_string_append(s, "; ");
	}
	if (v->best >= 0) {
		/* the certificate e-mail is shown only in cleaned form */
		struct kyso_signer_info si = res->signers[v->best];

		email = si.email ? kyso_verdict_header_clean(si.email) : NULL;
		si.email = email;
		describe(s, &si);
		g_free(email);
		if (v->softpass)
			g_string_append(s, " – đạt tạm do không kiểm tra được "
					   "thu hồi / soft pass, revocation "
					   "unavailable");
		if (res->nested)
			g_string_append(s, "; có chữ ký lồng bên trong / "
					   "nested signature inside");
		if (v->n > 1)
			g_string_append_printf(s,
			    "; +%zu chữ ký khác / other signature(s)", v->n - 1);
	}
	enc = kyso_verdict_header_encode(s->str);
	g_string_free(s, TRUE);
	return enc;
}
