/*
 * sender.c - the one From address a message claims, for the sign decision.
 *
 * Exactly one From field holding exactly one mailbox (RFC 5322 3.4:
 * addr-spec, or an optional display name and "<" addr-spec ">", with
 * comments and folding white space between tokens), parsed here by one
 * tokenizer. Not by GMime: 3.2.13's address-list parser leaks on its error
 * paths (a stray '<' or '>' or an unterminated comment after an addr-spec;
 * fixed in GMime 3.2.15, not in Debian 12) and, after an error, resumes at
 * the next ',' wherever it stands, even inside a quoted string or a
 * comment, so no pre-check can keep every input away from those paths; it
 * also stops silently at trailing junk ("a@ours evil" gave "a@ours") and
 * decodes "xn--" labels to UTF-8 (then no longer the form of the envelope
 * sender and of certificates). A value whose tokens hold more than one '@',
 * any ',' ';' ':' or a second '<' or '>' is refused as ambiguous; one that
 * is not exactly one mailbox, as malformed. The result is the addr-spec as
 * written, without comments and white space, lower-cased. Anything refused
 * is KYSO_E_INPUT and the message is not signed. Never logs.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "kyso/policy/policy.h"
#include "config_int.h"

/* One token of a structured field body (RFC 5322 3.2). */
enum tok_kind {
	TK_END,     /* end of the value */
	TK_ATOM,    /* 1*atext (octets >= 0x80 included: RFC 6532) */
	TK_QUOTED,  /* quoted-string, with its quotes */
	TK_LITERAL, /* address literal "[...]" */
	TK_SPECIAL, /* one of < > @ . , ; : */
	TK_BAD      /* anything else: stray ')' '\' ']', unterminated */
};

struct tok {
	enum tok_kind kind;
	const char *start;
	size_t len;
};

static int
is_atext(unsigned char c)
{
	return c >= 0x80 ||
	    (c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\".[]", c) == NULL);
}

/* Skip white space and nested comments (with quoted-pairs) at *pp;
 * -1 on an unterminated comment. */
static int
skip_cfws(const char **pp)
{
	const char *p = *pp;
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (depth > 0 && *p == '\\') {
			if (*++p == '\0')
				break;
		} else if (*p == '(') {
			depth++;
		} else if (depth > 0) {
			depth -= *p == ')';
		} else if (*p != ' ' && *p != '\t') {
			break;
		}
	}
	*pp = p;
	return depth == 0 ? 0 : -1;
}

/* The token after the CFWS at *pp; *pp moves past it. */
static struct tok
next_tok(const char **pp)
{
	struct tok t = {TK_BAD, NULL, 0};
	const char *p = *pp;

	if (skip_cfws(&p) < 0)
		goto out;
	t.start = p;
	if (*p == '\0') {
		t.kind = TK_END;
	} else if (is_atext((unsigned char)*p)) {
		while (is_atext((unsigned char)*p))
			p++;
		t.kind = TK_ATOM;
	} else if (*p == '"') {
		for (p++; *p != '"'; p++)
			if (*p == '\0' || (*p == '\\' && *++p == '\0'))
				goto out;
		p++;
		t.kind = TK_QUOTED;
	} else if (*p == '[') {
		/* an address literal (RFC 5321 4.1.3): "[192.0.2.1]",
		 * "[IPv6:2001:db8::1]"; no other dtext */
		for (p++; *p != ']'; p++)
			if (*p == '\0' ||
			    (!g_ascii_isalnum(*p) && strchr(".:-", *p) == NULL))
				goto out;
		p++;
		t.kind = TK_LITERAL;
	} else if (strchr("<>@.,;:", *p) != NULL) {
		p++;
		t.kind = TK_SPECIAL;
	}
out:
	t.len = t.kind == TK_BAD ? 0 : (size_t)(p - t.start);
	*pp = p;
	return t;
}

static int
is_special(struct tok t, char c)
{
	return t.kind == TK_SPECIAL && *t.start == c;
}

static int
is_word(struct tok t)
{
	return t.kind == TK_ATOM || t.kind == TK_QUOTED;
}

/* 0 when the tokens of v have the shape of one mailbox: exactly one '@',
 * no list or group separator (',' ';' ':') and at most one '<' and one '>'.
 * A lexical error is left to parse_mailbox(). */
static int
single_shape(const char *v)
{
	int ats = 0, lt = 0, gt = 0;
	struct tok t;

	while ((t = next_tok(&v)).kind != TK_END) {
		if (t.kind == TK_BAD)
			return 0;
		if (t.kind != TK_SPECIAL)
			continue;
		if (strchr(",;:", *t.start) != NULL)
			return -1;
		ats += *t.start == '@';
		lt += *t.start == '<';
		gt += *t.start == '>';
	}
	return (ats == 1 && lt <= 1 && gt <= 1) ? 0 : -1;
}

/* addr-spec = local-part "@" domain, local-part = word *("." word),
 * domain = atom *("." atom) / domain-literal (CFWS between tokens, as the
 * obs- forms allow). Appends it without CFWS to spec; -1 when *pp does not
 * start with one. */
static int
parse_addr_spec(const char **pp, GString *spec)
{
	struct tok t;
	const char *mark;
	int domain = 0;

	t = next_tok(pp);
	if (!is_word(t))
		return -1;
	for (;;) {
		g_string_append_len(spec, t.start, (gssize)t.len);
		mark = *pp;
		t = next_tok(pp);
		if (is_special(t, '@') && !domain) {
			g_string_append_c(spec, '@');
			domain = 1;
			t = next_tok(pp);
			if (t.kind == TK_LITERAL) {
				g_string_append_len(spec, t.start,
				    (gssize)t.len);
				return 0;
			}
			if (t.kind != TK_ATOM)
				return -1;
			continue;
		}
		if (!is_special(t, '.')) {
			*pp = mark;
			return domain ? 0 : -1;
		}
		g_string_append_c(spec, '.');
		t = next_tok(pp);
		if (domain ? t.kind != TK_ATOM : !is_word(t))
			return -1;
	}
}

/* mailbox = addr-spec / [phrase] "<" addr-spec ">", phrase = word
 * *(word / "."), and nothing after it but CFWS. Puts the addr-spec,
 * without CFWS, into spec; -1 when v is not one mailbox. */
static int
parse_mailbox(const char *v, GString *spec)
{
	const char *p = v;
	struct tok t;
	int words = 0;

	/* a phrase, or the local-part of a bare addr-spec */
	for (;;) {
		t = next_tok(&p);
		if (is_word(t))
			words++;
		else if (words == 0 || !is_special(t, '.'))
			break;
	}
	if (words > 0 && is_special(t, '@')) {
		p = v;
		if (parse_addr_spec(&p, spec) < 0)
			return -1;
	} else if (is_special(t, '<')) {
		if (parse_addr_spec(&p, spec) < 0 ||
		    !is_special(next_tok(&p), '>'))
			return -1;
	} else {
		return -1;
	}
	return next_tok(&p).kind == TK_END ? 0 : -1;
}

/* addr-spec sanity: one '@', both sides non-empty, no space or control,
 * no empty domain label (a quoted local-part may hold any of these). */
static int
good_addr(const char *a)
{
	const char *at = strchr(a, '@');
	const unsigned char *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	if (at[1] == '.' || a[strlen(a) - 1] == '.' || strstr(at, "..") != NULL)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Parse one raw From value into out; -1 with the problem in err. */
static int
parse_from(const char *raw, char *out, size_t outlen, struct kyso_err *err)
{
	GString *spec = g_string_new(NULL);
	const char *addr;
	char *value, *p;
	int rc = -1;

	/* unfold: Postfix hands LF-folded values */
	value = kyso_xstrdup(raw);
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if (single_shape(value) < 0) {
		kyso_err_set(err, KYSO_E_INPUT, "From is not a single address");
		goto out;
	}
	if (parse_mailbox(value, spec) < 0 ||
	    !g_utf8_validate(spec->str, (gssize)spec->len, NULL)) {
		kyso_err_set(err, KYSO_E_INPUT,
		    "From must hold exactly one mailbox");
		goto out;
	}
	addr = spec->str;
	if (!good_addr(addr)) {
		kyso_err_set(err, KYSO_E_INPUT, "From address is malformed");
		goto out;
	}
	if (strlen(addr) > KYSO_MAX_ADDRESS || strlen(addr) >= outlen) {
		kyso_err_set(err, KYSO_E_INPUT, "From address is too long");
		goto out;
	}
	memcpy(out, addr, strlen(addr) + 1);
	kyso_text_lower(out);
	rc = 0;
out:
	g_string_free(spec, TRUE);
	free(value);
	return rc;
}

int
kyso_policy_from_address(const struct kyso_header *headers, size_t n, char *out,
    size_t outlen, struct kyso_err *err)
{
	const char *raw = NULL;
	size_t i, count = 0;

	if (outlen > 0)
		out[0] = '\0';
	for (i = 0; i < n; i++)
		if (headers[i].name != NULL &&
		    g_ascii_strcasecmp(headers[i].name, "From") == 0) {
			raw = headers[i].value;
			count++;
		}
	if (count == 0 || raw == NULL) {
		kyso_err_set(err, KYSO_E_INPUT, "no From field");
		return -1;
	}
	if (count > 1) {
		/* RFC 5322 3.6: exactly one From field */
		kyso_err_set(err, KYSO_E_INPUT, "%zu From fields", count);
		return -1;
	}
	if (parse_from(raw, out, outlen, err) < 0) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* Is the word [w, w+len) address-like (text@text) and not addr? Quotes
 * and dots around it are not part of it (Outlook's "'a@b'" name). */
static int
other_address(const char *w, size_t len, const char *addr)
{
	const char *at;

	for (; len > 0 && (*w == '\'' || *w == '.'); w++, len--)
		;
	for (; len > 0 && (w[len - 1] == '\'' || w[len - 1] == '.'); len--)
		;
	if ((at = memchr(w, '@', len)) == NULL)
		return 0;

	return at > w && at < w + len - 1 &&
	    !(strlen(addr) == len && g_ascii_strncasecmp(w, addr, len) == 0);
}

char *
kyso_policy_reader_text(const char *raw)
{
	char *unf = g_strdup(raw), *dec, *valid, *norm, *p;

	for (p = unf; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	dec = g_mime_utils_header_decode_text(NULL, unf);
	valid = g_utf8_make_valid(dec != NULL ? dec : unf, -1);
	norm = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
	g_free(unf);
	g_free(dec);
	if (norm == NULL)
		return valid;
	g_free(valid);
	return norm;
}

int
kyso_policy_from_names_other(const struct kyso_header *headers, size_t n,
    const char *addr)
{
	const char *raw = NULL, *p;
	char *text;
	size_t i, len;
	int found = 0;

	for (i = 0; i < n; i++)
		if (headers[i].name != NULL &&
		    g_ascii_strcasecmp(headers[i].name, "From") == 0)
			raw = headers[i].value;
	if (raw == NULL || addr == NULL)
		return 0;
	text = kyso_policy_reader_text(raw);
	for (p = text; *p != '\0' && !found; p += len) {
		/* words end at white space and at what encloses an address
		 * or a name (the angle address is one such word) */
		len = strcspn(p, " \t\r\n<>\"(),;:[]");
		found = len > 0 && other_address(p, len, addr);
		len += len == 0;
	}
	g_free(text);
	return found;
}
