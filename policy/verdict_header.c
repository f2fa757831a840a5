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

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/verdict.h"

/* Encoded characters per encoded-word: with "=?UTF-8?Q?" and "?=" the
 * first word is at most 60 columns, so the first line ("X-Kyso-Verdict: "
 * + word) stays < 78; a continuation line (TAB + word) holds a longer one,
 * at most 75 columns (RFC 2047 2). */
#define KYSO_EW_TEXT      48
#define KYSO_EW_TEXT_CONT 62

/* Bidirectional controls and invisible format characters: a certificate
 * name holding them can show a reader other text than it holds (a
 * right-to-left override turning "gnaig" into "giang", a zero-width space
 * inside a look-alike). They are dropped, not shown. */
static int
invisible(gunichar c)
{
	return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
	    (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF || c == 0x061C ||
	    c == 0x00AD;
}

static char *
clean_n(const char *s, glong max)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);
	const char *p;
	glong n = 0;

	for (p = valid; *p && n < max; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (invisible(c))
			continue;
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
		if (word->len + n >
		    (out->len ? KYSO_EW_TEXT_CONT : KYSO_EW_TEXT)) {
			g_string_append_printf(out,
			    "%s=?UTF-8?Q?%s?=", out->len ? "\n\t" : "",
			    word->str);
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

/* t in UTC with format fmt, or "?" when unknown. */
static char *
utc(time_t t, const char *fmt)
{
	GDateTime *d = t ? g_date_time_new_from_unix_utc((gint64)t) : NULL;
	char *s = d ? g_date_time_format(d, fmt) : g_strdup("?");

	if (d != NULL)
		g_date_time_unref(d);
	return s;
}

/* The kind as a reader may rely on it: only a certificate that chains to
 * our anchors is named a seal or a personal signature. */
static const char *
kind_text(const struct kyso_signer_info *si,
    const struct kyso_signer_verdict *sv)
{
	if (!si->chain_ok)
		return "chữ ký / signature";
	switch (sv->kind) {
	case KYSO_KIND_AGENCY:
		return "con dấu cơ quan / agency seal";
	case KYSO_KIND_PERSONAL:
		return "chữ ký cá nhân / personal signature";
	default:
		return "chữ ký (không rõ loại chứng thư) / signature (unknown "
		       "certificate kind)";
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

/* "ký lúc … / signed at …": proven by a verified RFC 3161 token (and
 * which TSA), or the signer's claim, said so; a token that proved nothing
 * is named with why. g_free. */
static char *
signed_at(const struct kyso_signer_info *si)
{
	char *t, *tsa, *r, *bad = NULL;

	if (si->proven_time != 0) {
		t = utc(si->proven_time, "%Y-%m-%d %H:%M:%S UTC");
		tsa = kyso_verdict_header_clean(
		    si->tsa_name ? si->tsa_name : "?");
		r = g_strdup_printf("ký lúc %s (xác thực bởi TSA \"%s\") / "
		                    "signed at %s (proven by TSA \"%s\")",
		    t, tsa, t, tsa);
		g_free(tsa);
		g_free(t);
		return r;
	}
	t = utc(si->signing_time, "%Y-%m-%d %H:%M UTC");
	if (si->timestamp_note != NULL)
		bad = kyso_verdict_header_clean(si->timestamp_note);
	r = g_strdup_printf("ký lúc (tự khai) / signed (claimed) %s%s%s%s", t,
	    bad ? " (dấu thời gian không được công nhận / timestamp not "
	          "accepted: "
	        : "",
	    bad ? bad : "", bad ? ")" : "");
	g_free(bad);
	g_free(t);
	return r;
}

/* Describe one signer into s (UTF-8, untrusted parts cleaned). */
static void
describe(GString *s, const struct kyso_signer_info *si,
    const struct kyso_signer_verdict *sv)
{
	char *cn, *icn, *note, *st, *nb, *na, *em;

	if (si->cert_missing) {
		g_string_append(s, "không có chứng thư / no certificate");
		return;
	}
	cn = kyso_verdict_header_clean(si->subject_cn ? si->subject_cn : "?");
	icn = kyso_verdict_header_clean(si->issuer_cn ? si->issuer_cn : "?");
	em = si->email ? kyso_verdict_header_clean(si->email) : NULL;
	note = kyso_verdict_header_clean(si->revocation_note);
	/* "OCSP: good" beside "tốt / good" says only where it came from, and
	 * "not checked: why" beside "not checked" only why */
	if (si->revocation == KYSO_REV_GOOD && g_str_has_suffix(note, ": good"))
		note[strlen(note) - 6] = '\0';
	if (si->revocation == KYSO_REV_NOT_CHECKED &&
	    g_str_has_prefix(note, "not checked: "))
		memmove(note, note + 13, strlen(note + 13) + 1);
	st = signed_at(si);
	nb = utc(si->not_before, "%Y-%m-%d");
	na = utc(si->not_after, "%Y-%m-%d");
	g_string_append_printf(s,
	    "%s \"%s\"%s%s%s, cấp bởi / issued by \"%s\"; "
	    "%s; "
	    "hiệu lực / valid %s – %s; "
	    "thu hồi / revocation: %s%s%s%s",
	    kind_text(si, sv), cn, em ? " <" : "", em ? em : "", em ? ">" : "",
	    icn, st, nb, na, rev_text(si->revocation), note[0] ? " (" : "",
	    note, note[0] ? ")" : "");
	/* accepted only under a configured legacy anchor (the VGCA G1
	 * root): the reader is told the CA chain is signed with SHA-1 */
	if (si->legacy_sha1)
		g_string_append(s,
		    "; chuỗi chứng thư CA cũ ký bằng SHA-1 / "
		    "legacy SHA-1 CA chain");
	if (sv->binding == KYSO_BOUND_SEALTABLE ||
	    sv->binding == KYSO_BOUND_CERTTABLE)
		g_string_append_printf(s,
		    "; gắn với người gửi theo / bound to "
		    "the sender by %s",
		    kyso_binding_name(sv->binding));
	g_free(cn);
	g_free(icn);
	g_free(em);
	g_free(note);
	g_free(st);
	g_free(nb);
	g_free(na);
}

/* The order fields are named in: the old "Not signed" line's first. */
static const char *const shown_order[] = {"Subject", "To", "Date", "From", "Cc",
    "Reply-To", "Message-ID", NULL};

/* Field names of the bits in mask, Vietnamese then English, into s. */
static void
field_names(GString *s, unsigned mask)
{
	int k, j, lang, first;

	for (lang = 0; lang < 2; lang++) {
		if (lang == 1)
			g_string_append(s, " / ");
		for (first = 1, j = 0; shown_order[j] != NULL; j++) {
			for (k = 0; kyso_protected_fields[k] != NULL; k++)
				if (g_ascii_strcasecmp(kyso_protected_fields[k],
				        shown_order[j]) == 0)
					break;
			if (kyso_protected_fields[k] == NULL ||
			    !(mask & (1u << k)))
				continue;
			g_string_append_printf(s, "%s%s", first ? "" : ", ",
			    lang == 0 ? kyso_protected_field_vi(k)
			              : kyso_protected_fields[k]);
			first = 0;
		}
	}
}

static unsigned
field_bit(const char *name)
{
	int k;

	for (k = 0; kyso_protected_fields[k] != NULL; k++)
		if (g_ascii_strcasecmp(kyso_protected_fields[k], name) == 0)
			return 1u << k;
	return 0;
}

/* What a valid signature proves and does not prove about the header: the
 * fields protected inside the signed part (RFC 9788) and equal outside,
 * and those of Subject, To, Date (and From, for a seal that names no
 * address) it leaves out - an attacker can replay a signed body under
 * another Subject. */
static void
not_covered(GString *s, const struct kyso_verify_result *res,
    const struct kyso_verdict *v)
{
	unsigned open =
	    field_bit("Subject") | field_bit("To") | field_bit("Date");
	size_t i;

	for (i = 0; i < v->n; i++)
		if (res->signers[i].email == NULL)
			open |= field_bit("From");
	if (v->hp.matched != 0) {
		g_string_append(s,
		    ". Được ký và khớp / Signed and unchanged: ");
		field_names(s, v->hp.matched);
	}
	open &= ~v->hp.matched;
	if (open != 0) {
		g_string_append(s, ". Không được ký / Not signed: ");
		field_names(s, open);
	}
}

/* The protected field that changed: what it was when signed. */
static void
header_changed(GString *s, const struct kyso_verdict *v)
{
	int k = v->hp.first;
	const char *en = k >= 0 ? kyso_protected_fields[k] : "?";
	char *was = kyso_verdict_header_clean(
	    v->hp.signed_value ? v->hp.signed_value : "");

	if (v->hp.how == 1)
		g_string_append_printf(s,
		    "%s được thêm vào sau khi ký (không có trong phần được "
		    "ký) / %s added after signing (not in the signed part)",
		    kyso_protected_field_vi(k), en);
	else if (v->hp.how == 2)
		g_string_append_printf(s,
		    "%s đã bị xóa sau khi ký / %s removed after signing: "
		    "giá trị được ký / the signed %s was \"%s\"",
		    kyso_protected_field_vi(k), en, en, was);
	else
		g_string_append_printf(s,
		    "%s đã bị thay đổi sau khi ký / %s changed after "
		    "signing: giá trị được ký / the signed %s was \"%s\"",
		    kyso_protected_field_vi(k), en, en, was);
	g_free(was);
}

/* Every signer with its own result: "[i] valid|not valid (why): ...". */
static void
list_signers(GString *s, const struct kyso_verify_result *res,
    const struct kyso_verdict *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct kyso_signer_verdict *sv = &v->s[i];

		if (v->n == 1) { /* the message's result is the signer's */
			describe(s, &res->signers[i], sv);
			break;
		}
		g_string_append_printf(s, "%s[%zu] ", i ? "; " : "", i + 1);
		if (sv->result == KYSO_RES_PASS)
			g_string_append(s, "hợp lệ / valid: ");
		else
			g_string_append_printf(s,
			    "không hợp lệ / not valid (%s: %s / %s): ",
			    kyso_result_name(sv->result),
			    kyso_inbound_why_text(sv->why, 1),
			    kyso_inbound_why_text(sv->why, 0));
		describe(s, &res->signers[i], sv);
	}
}

char *
kyso_verdict_header_format(const struct kyso_verify_result *res,
    const struct kyso_verdict *v)
{
	GString *s = g_string_new(NULL);
	int pass = v->result == KYSO_RES_PASS;
	char *enc;

	if (v->own_domain && !pass)
		g_string_append(s,
		    "Cảnh báo: thư mang địa chỉ của tỉnh nhưng không có chữ ký "
		    "số hợp lệ / Warning: this mail carries a provincial "
		    "address "
		    "but no valid digital signature. ");
	if (pass) {
		g_string_append(s, "Hợp lệ / Valid: ");
		if (v->n > 1)
			g_string_append_printf(s,
			    "%zu chữ ký, tất cả hợp lệ / "
			    "%zu signatures, all valid: ",
			    v->n, v->n);
	} else if (v->result == KYSO_RES_NONE) {
		g_string_append_printf(s,
		    "Không có chữ ký số / No digital "
		    "signature (%s / %s)",
		    kyso_inbound_why_text(v->why, 1),
		    kyso_inbound_why_text(v->why, 0));
	} else if (v->why == KYSO_WHY_HEADER_CHANGED) {
		g_string_append(s, "Không hợp lệ / Not valid (policy): ");
		header_changed(s, v);
		g_string_append(s, "; ");
	} else {
		g_string_append_printf(s,
		    "Không hợp lệ / Not valid (%s): %s / %s",
		    kyso_result_name(v->result),
		    kyso_inbound_why_text(v->why, 1),
		    kyso_inbound_why_text(v->why, 0));
		if (v->why == KYSO_WHY_PARTIAL && res->part != NULL)
			g_string_append_printf(s, " (phần / part %s)",
			    res->part);
		if (v->n > 0)
			g_string_append(s, "; ");
	}
	if (v->n > 0) {
		list_signers(s, res, v);
		if (v->softpass)
			g_string_append(s,
			    " – đạt tạm do không kiểm tra được "
			    "thu hồi / soft pass, revocation "
			    "unavailable");
		if (res->nested)
			g_string_append(s,
			    "; có chữ ký lồng bên trong / "
			    "nested signature inside");
		if (pass)
			not_covered(s, res, v);
	}
	enc = kyso_verdict_header_encode(s->str);
	g_string_free(s, TRUE);
	return enc;
}
