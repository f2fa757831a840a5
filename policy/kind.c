/*
 * kind.c - the KindTable: what kind (agency seal, personal signature,
 * unknown) a certificate is when it carries no certificate-policy OID that
 * says so (the VGCA certificates carry none).
 *
 *   kind table:  KIND  ISSUER  MATCH
 *   KIND:        agency | personal | unknown
 *   ISSUER:      sha256:FINGERPRINT of the issuing CA certificate in the
 *                verified chain, or * (any issuer that chains to an
 *                anchor; never with agency)
 *   MATCH:       any | email | no-email | person |
 *                subject=DN (the rest of the line: the subject exactly as
 *                `kyso-milter -C` prints it, RFC 4514, UTF-8)
 *
 * The first matching line wins. A rule applies only to a certificate whose
 * chain verified, and names its issuer by the issuing certificate's
 * fingerprint, not by its name: a look-alike subject under another CA
 * (which may copy every name, the issuer's too) matches no agency rule.
 * An agency rule must name its issuer. Every error names file:line. Never
 * logs.
 */
#include <string.h>

#include <glib.h>

#include "kyso/policy/seal.h"
#include "config_int.h"

enum kind_match {
	KM_ANY = 0,
	KM_EMAIL,    /* the certificate names an e-mail address */
	KM_NO_EMAIL, /* it names none */
	KM_PERSON,   /* the subject has givenName, surname or pseudonym */
	KM_SUBJECT,  /* the subject is exactly `subject` */
};

struct kyso_kindrule {
	enum kyso_cert_kind kind;
	char issuer[KYSO_FINGERPRINT_HEX + 1]; /* "" for any issuer */
	enum kind_match match;
	char *subject; /* KM_SUBJECT */
};

struct kyso_kindtable {
	struct kyso_kindrule *v;
	size_t n, cap;
};

static int
parse_kind_word(const char *s, enum kyso_cert_kind *k)
{
	if (g_ascii_strcasecmp(s, "agency") == 0)
		*k = KYSO_KIND_AGENCY;
	else if (g_ascii_strcasecmp(s, "personal") == 0)
		*k = KYSO_KIND_PERSONAL;
	else if (g_ascii_strcasecmp(s, "unknown") == 0)
		*k = KYSO_KIND_UNKNOWN;
	else
		return -1;
	return 0;
}

static int
parse_match(const char *s, struct kyso_kindrule *r)
{
	static const struct {
		const char *word;
		enum kind_match m;
	} words[] = {{"any", KM_ANY}, {"email", KM_EMAIL},
	    {"no-email", KM_NO_EMAIL}, {"person", KM_PERSON}};
	size_t i;

	if (g_str_has_prefix(s, "subject=") && s[8] != '\0') {
		r->match = KM_SUBJECT;
		r->subject = g_strdup(s + 8);
		return 0;
	}
	for (i = 0; i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strcasecmp(s, words[i].word) == 0) {
			r->match = words[i].m;
			return 0;
		}
	return -1;
}

/* Cut the next white-space separated word off *p (NULL at the end). */
static char *
next_word(char **p)
{
	char *w = *p + strspn(*p, " \t");

	if (*w == '\0')
		return NULL;
	*p = w + strcspn(w, " \t");
	if (**p != '\0')
		*(*p)++ = '\0';
	return w;
}

static int
kind_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	struct kyso_kindtable *t = ctx;
	struct kyso_kindrule r = {0};
	char *kind = next_word(&line), *issuer = next_word(&line);
	char *match = g_strstrip(line);
	char shown[80];

	if (kind == NULL || issuer == NULL || match[0] == '\0') {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "want \"KIND ISSUER MATCH\"");
		return -1;
	}
	if (parse_kind_word(kind, &r.kind) < 0) {
		kyso_text_printable(shown, sizeof(shown), kind);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad kind \"%s\" (agency, personal or unknown)", shown);
		return -1;
	}
	if (strcmp(issuer, "*") != 0 &&
	    kyso_text_fingerprint(issuer, r.issuer) < 0) {
		kyso_text_printable(shown, sizeof(shown), issuer);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad issuer \"%s\" (sha256: and 64 hex digits, or *)",
		    shown);
		return -1;
	}
	if (r.kind == KYSO_KIND_AGENCY && r.issuer[0] == '\0') {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "an agency rule must name its issuer by fingerprint");
		return -1;
	}
	if (parse_match(match, &r) < 0) {
		kyso_text_printable(shown, sizeof(shown), match);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad match \"%s\" (any, email, no-email, person or "
		    "subject=DN)",
		    shown);
		return -1;
	}
	if (t->n >= KYSO_MAX_TABLE_ENTRIES) {
		g_free(r.subject);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "more than %d entries", KYSO_MAX_TABLE_ENTRIES);
		return -1;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = kyso_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = r;
	return 0;
}

struct kyso_kindtable *
kyso_kind_load(const char *path, struct kyso_err *err)
{
	struct kyso_kindtable *t = kyso_xcalloc(1, sizeof(*t));

	if (kyso_lines_each(path, kind_line, t, err) < 0) {
		kyso_kind_free(t);
		return NULL;
	}
	return t;
}

void
kyso_kind_free(struct kyso_kindtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		g_free(t->v[i].subject);
	free(t->v);
	free(t);
}

size_t
kyso_kind_count(const struct kyso_kindtable *t)
{
	return t == NULL ? 0 : t->n;
}

static int
rule_matches(const struct kyso_kindrule *r, const struct kyso_signer_info *si)
{
	if (r->issuer[0] != '\0' && strcmp(r->issuer, si->issuer_fingerprint))
		return 0;
	switch (r->match) {
	case KM_EMAIL:
		return si->email != NULL;
	case KM_NO_EMAIL:
		return si->email == NULL;
	case KM_PERSON:
		return si->subject_person;
	case KM_SUBJECT:
		return si->subject_utf8 != NULL &&
		    strcmp(r->subject, si->subject_utf8) == 0;
	default:
		return 1;
	}
}

int
kyso_kind_lookup(const struct kyso_kindtable *t,
    const struct kyso_signer_info *si, enum kyso_cert_kind *kind)
{
	size_t i;

	if (t == NULL || !si->chain_ok || si->issuer_fingerprint == NULL)
		return 0;
	for (i = 0; i < t->n; i++)
		if (rule_matches(&t->v[i], si)) {
			*kind = t->v[i].kind;
			return 1;
		}
	return 0;
}
