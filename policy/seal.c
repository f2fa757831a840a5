/*
 * seal.c - the SealTable: which senders a certificate may sign or seal for
 * (the binding rule that uses it is kyso_seal_binding() in inbound.c).
 *
 *   seal table:  sha256:FINGERPRINT  PATTERN[,PATTERN...]  [agency|personal]
 *   PATTERN:     local@domain (one address), domain (that domain only) or
 *                *.domain (its subdomains, not the domain itself)
 *
 * A signer is bound to the From address when (in this order) its
 * certificate's e-mail is the From address (RFC 8550 3), the SealTable
 * lists its fingerprint for a pattern matching From, or it is the
 * certificate our own CertificateTable signs that From with (the signing
 * table's first match). A certificate that names no address, or another
 * address, and is bound by neither table seals nothing for this sender:
 * "chains to an anchor" alone is not enough (any organisation's
 * certificate under a public CA would do). The kind a table declares
 * (SealTable column, agency for our own CertificateTable) replaces the
 * kind the certificate's policy OIDs gave. Every error names file:line.
 * Never logs.
 */
#include <string.h>

#include <glib.h>

#include "kyso/policy/seal.h"
#include "config_int.h"

struct kyso_sealentry {
	char fingerprint[KYSO_FINGERPRINT_HEX + 1]; /* lower-case hex */
	struct kyso_strlist patterns;               /* lower case */
	enum kyso_cert_kind kind;
};

struct kyso_sealtable {
	struct kyso_sealentry *v;
	size_t n, cap;
};

/* 1 when p is local@domain, domain or *.domain with a plausible domain. */
static int
good_pattern(const char *p)
{
	const char *at = strchr(p, '@');

	const char *q;

	if (at != NULL) {
		/* an exact mailbox: a dot-atom local part, no wildcard (the
		 * signing table's "*@domain" is "domain" here) */
		for (q = p; q < at; q++)
			if (!g_ascii_isalnum(*q) &&
			    !strchr(".!#$%&'+-/=?^_`{|}~", *q))
				return 0;
		return at > p && strchr(at + 1, '@') == NULL &&
		    kyso_text_is_domain(at + 1);
	}
	if (g_str_has_prefix(p, "*."))
		p += 2;
	return kyso_text_is_domain(p);
}

static int
parse_kind(const char *s, enum kyso_cert_kind *k)
{
	if (g_ascii_strcasecmp(s, "agency") == 0)
		*k = KYSO_KIND_AGENCY;
	else if (g_ascii_strcasecmp(s, "personal") == 0)
		*k = KYSO_KIND_PERSONAL;
	else
		return -1;
	return 0;
}

static int
seal_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	struct kyso_sealtable *t = ctx;
	struct kyso_strlist l = {0};
	struct kyso_sealentry e = {.kind = KYSO_KIND_AGENCY};
	char shown[80];
	size_t i;
	int rc = -1;

	kyso_text_words(line, &l);
	kyso_text_printable(shown, sizeof(shown), l.v[0]);
	if (l.n < 2 || l.n > 3) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "want \"sha256:FINGERPRINT patterns [agency|personal]\"");
		goto out;
	}
	if (kyso_text_fingerprint(l.v[0], e.fingerprint) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad fingerprint \"%s\" (sha256: and 64 hex digits)",
		    shown);
		goto out;
	}
	if (l.n == 3 && parse_kind(l.v[2], &e.kind) < 0) {
		kyso_text_printable(shown, sizeof(shown), l.v[2]);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad kind \"%s\" (agency or personal)", shown);
		goto out;
	}
	if (t->n >= KYSO_MAX_TABLE_ENTRIES) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "more than %d entries", KYSO_MAX_TABLE_ENTRIES);
		goto out;
	}
	kyso_text_split(l.v[1], &e.patterns);
	for (i = 0; i < e.patterns.n; i++) {
		kyso_text_lower(e.patterns.v[i]);
		if (!good_pattern(e.patterns.v[i])) {
			kyso_text_printable(shown, sizeof(shown),
			    e.patterns.v[i]);
			kyso_text_err_at(err, lr->path, lr->lineno,
			    "bad pattern \"%s\" (local@domain, domain or "
			    "*.domain)",
			    shown);
			kyso_text_strlist_free(&e.patterns);
			goto out;
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = kyso_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = e;
	rc = 0;
out:
	kyso_text_strlist_free(&l);
	return rc;
}

struct kyso_sealtable *
kyso_seal_load(const char *path, struct kyso_err *err)
{
	struct kyso_sealtable *t = kyso_xcalloc(1, sizeof(*t));

	if (kyso_lines_each(path, seal_line, t, err) < 0) {
		kyso_seal_free(t);
		return NULL;
	}
	return t;
}

void
kyso_seal_free(struct kyso_sealtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		kyso_text_strlist_free(&t->v[i].patterns);
	free(t->v);
	free(t);
}

size_t
kyso_seal_count(const struct kyso_sealtable *t)
{
	return t == NULL ? 0 : t->n;
}

/* 1 when pattern p (lower case) matches addr (lower case). */
static int
pattern_matches(const char *p, const char *addr)
{
	const char *dom = strrchr(addr, '@');
	size_t dl, pl;

	if (dom == NULL)
		return 0;
	dom++;
	if (strchr(p, '@') != NULL)
		return g_ascii_strcasecmp(p, addr) == 0;
	if (!g_str_has_prefix(p, "*."))
		return g_ascii_strcasecmp(p, dom) == 0;
	p += 1; /* ".domain" */
	dl = strlen(dom);
	pl = strlen(p);
	return dl > pl && g_ascii_strcasecmp(dom + dl - pl, p) == 0;
}

enum kyso_binding
kyso_seal_table_binding(const struct kyso_sealtable *t, const char *fp,
    const char *from, enum kyso_cert_kind *kind, int *listed)
{
	size_t i, j;

	*listed = 0;
	for (i = 0; t != NULL && fp != NULL && i < t->n; i++) {
		if (strcmp(t->v[i].fingerprint, fp) != 0)
			continue;
		if (!*listed)
			*kind = t->v[i].kind;
		*listed = 1;
		for (j = 0; from != NULL && j < t->v[i].patterns.n; j++)
			if (pattern_matches(t->v[i].patterns.v[j], from))
				return KYSO_BOUND_SEALTABLE;
	}
	return KYSO_BOUND_NONE;
}
