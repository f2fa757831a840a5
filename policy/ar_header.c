/*
 * ar_header.c - the Authentication-Results value (RFC 8601 syntax, method
 * smime of RFC 7281), one resinfo per signer, and recognition of copies
 * that claim our authserv-id (RFC 8601 section 5).
 *
 * Everything emitted is ASCII: untrusted strings (addresses, issuer names,
 * reasons) go out as RFC 2045 tokens when they are tokens, else as
 * quoted-strings or comments with \ escapes; issuer names are RFC 4514
 * with non-ASCII octets as \XX (REFERENCE P26). Folds are LF + TAB, as
 * libmilter wants them.
 */
#include <string.h>

#include <glib.h>

#include "kyso/limits.h"
#include "kyso/policy/verdict.h"

static int
is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* RFC 2045 token or quoted-string; NULL when the value cannot be emitted
 * (empty, non-ASCII or control characters, too long). */
static char *
value(const char *v)
{
	GString *s;
	const unsigned char *p;
	int token = 1;

	if (v == NULL || v[0] == '\0' || strlen(v) > KYSO_MAX_AR_VALUE)
		return NULL;
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x21 || *p > 0x7e) {
			if (*p != ' ')
				return NULL;
			token = 0;
		} else if (is_tspecial(*p))
			token = 0;
	}
	if (token)
		return g_strdup(v);
	s = g_string_new("\"");
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_c(s, '\\');
		g_string_append_c(s, (char)*p);
	}
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

/* An address as pvalue: dot-atom local part and a domain name pass as is,
 * anything else is quoted by value(). */
static char *
addr_value(const char *a)
{
	const unsigned char *p;
	int ok = a != NULL && strchr(a, '@') != NULL;

	for (p = (const unsigned char *)a; ok && *p; p++)
		ok = g_ascii_isalnum(*p) || strchr("!#$%&'*+-/=?^_`{|}~.@", *p);
	return ok ? g_strdup(a) : value(a);
}

/* Append a comment with ctext escaped; non-ASCII/control become '?'. */
static void
comment(GString *s, const char *text)
{
	const unsigned char *p;

	g_string_append(s, " (");
	for (p = (const unsigned char *)text; *p; p++) {
		unsigned char c = *p;

		if (c < 0x20 || c > 0x7e)
			c = '?';
		if (c == '(' || c == ')' || c == '\\')
			g_string_append_c(s, '\\');
		g_string_append_c(s, (char)c);
	}
	g_string_append_c(s, ')');
}

static void
prop(GString *s, const char *name, char *v)
{
	if (v == NULL)
		return;
	g_string_append_printf(s, "\n\t  %s=%s", name, v);
	g_free(v);
}

static void
resinfo(GString *s, enum kyso_result result, const char *why, const char *from,
    const struct kyso_verify_result *r, const struct kyso_signer_info *si)
{
	char *iss;

	g_string_append_printf(s, ";\n\tsmime=%s", kyso_result_name(result));
	if (why != NULL && why[0] != '\0')
		comment(s, why);
	if (from != NULL)
		prop(s, "header.from", addr_value(from));
	if (si != NULL && si->email != NULL)
		prop(s, "body.smime-identifier", addr_value(si->email));
	if (r != NULL && r->found && r->part != NULL)
		prop(s, "body.smime-part", value(r->part));
	/* RFC 7281 3.2.3: serial and issuer only together */
	iss = si != NULL ? value(si->issuer_rfc4514) : NULL;
	if (iss != NULL && si->serial_hex != NULL) {
		prop(s, "body.smime-serial", value(si->serial_hex));
		prop(s, "body.smime-issuer", iss);
	} else
		g_free(iss);
}

char *
kyso_ar_header_format(const char *authserv_id, const char *from_addr,
    const struct kyso_verify_result *res, const struct kyso_verdict *v)
{
	GString *s = g_string_new(NULL);
	char *id = value(authserv_id);
	size_t i;

	g_string_append(s, id ? id : "localhost");
	g_free(id);
	if (v->n == 0) {
		const char *why = kyso_inbound_why_text(v->why, 0);
		char buf[300];

		if (v->why == KYSO_WHY_MALFORMED && res->malformed_reason) {
			(void)snprintf(buf, sizeof(buf), "%s: %s", why,
			    res->malformed_reason);
			why = buf;
		}
		resinfo(s, v->result, why, from_addr, res, NULL);
	}
	for (i = 0; i < v->n; i++) {
		const struct kyso_signer_verdict *sv = &v->s[i];
		char buf[420];

		(void)snprintf(buf, sizeof(buf), "%s%s%s",
		    kyso_inbound_why_text(sv->why, 0), sv->note[0] ? "; " : "",
		    sv->note);
		resinfo(s, sv->result, buf, from_addr, res, &res->signers[i]);
	}
	return g_string_free(s, FALSE);
}

/* Skip CFWS (white space, folds and nested comments). */
static const char *
skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && depth > 0 && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n')
			break;
	}
	return p;
}

/* 1 when authserv-ids a[0..alen) and b name the same host: ASCII case
 * ignored, and one trailing dot (the absolute form of a DNS name) on either
 * side ignored, so "MX.Hagiang.gov.vn." is ours too. */
static int
same_id(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	return alen > 0 && alen == blen && g_ascii_strncasecmp(a, b, alen) == 0;
}

int
kyso_ar_header_is_ours(const char *value_, const char *authserv_id)
{
	const char *p, *e;
	int eq;

	if (value_ == NULL || authserv_id == NULL)
		return 0;
	p = skip_cfws(value_);
	/* the authserv-id is a value: token or quoted-string */
	if (*p == '"') {
		GString *q = g_string_new(NULL);

		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			g_string_append_c(q, *p);
		}
		eq = same_id(q->str, q->len, authserv_id);
		g_string_free(q, TRUE);
		return eq;
	}
	for (e = p; *e && !strchr(" \t\r\n;(", *e); e++)
		;
	return same_id(p, (size_t)(e - p), authserv_id);
}
