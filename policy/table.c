/*
 * table.c - the CertificateTable (id -> loaded signer) and the SigningTable
 * (sender pattern -> certificate id).
 *
 *   certificate table:  id  cert=/p key=/p [chain=/p] [passphrase-file=/p]
 *                           [digest=sha256|sha384|sha512]
 *                       or  id  cert=/p key=pkcs11:URI [pin-file=/p]
 *                           [module=/p] [chain=/p] [digest=...]
 *                       an id on several lines is a key pool: the same
 *                       certificate, its key on several tokens (or a
 *                       token and the key file); the first line's chain
 *                       and digest serve, a signature takes a free key.
 *   signing table:      vanthu@sotttt.hagiang.gov.vn | *@domain |
 *                       *@*.domain   followed by a certificate id
 * Patterns are case-insensitive; the first match in file order wins. Every
 * error names the table file and line. Signers are loaded with
 * kyso_signer_load() at table load time. Never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "kyso/smime/signer.h"
#include "config_int.h"

/* Identity of a file a signer was loaded from: a reload keeps the signer
 * while every one of its files still has the same identity. */
struct file_id {
	int known; /* 0: stat failed at load (never reused) */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Files of an entry, as TOK_* below (the token ones unused for a key). */
#define ENTRY_FILES 4

struct kyso_certentry {
	char *id;
	struct kyso_signer *signer;
	unsigned line; /* line in the table file */
	char *spec;    /* the line after the id plus the digest: reuse key */
	char *files[ENTRY_FILES]; /* cert, key, chain, passphrase/PIN file */
	struct file_id ids[ENTRY_FILES];
	char *pin_file;     /* pin-file= or NULL */
	time_t pin_changed; /* pin-changed= or 0 */
	char **keys;        /* key= of each line (a pool has several) */
	size_t nkeys;
};

struct kyso_certtable {
	struct kyso_certentry *v;
	size_t n, cap;
	char *path;
	size_t kept; /* signers kept from the previous table */
};

enum pattern_kind {
	PAT_EXACT = 0, /* local@domain */
	PAT_DOMAIN,    /* *@domain */
	PAT_SUBDOMAIN, /* *@*.domain: any subdomain, not domain itself */
};

struct kyso_signentry {
	enum pattern_kind kind;
	char *local;  /* PAT_EXACT only */
	char *domain; /* lower case, without "*." */
	char *cert_id;
};

struct kyso_signtable {
	struct kyso_signentry *v;
	size_t n, cap;
};

/* Grow an array of `size`-byte elements to hold one more. */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return kyso_xrealloc(v, *cap * size);
}

static int
good_cert_id(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > KYSO_MAX_CERT_ID)
		return 0;
	for (i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return 1;
}

static struct kyso_certentry *
find_cert(const struct kyso_certtable *t, const char *id)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++)
		if (strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	return NULL;
}

/* Token names of a certificate table entry, in spec order. */
enum {
	TOK_CERT,
	TOK_KEY,
	TOK_CHAIN,
	TOK_PASS,
	TOK_DIGEST,
	TOK_PIN,
	TOK_MODULE,
	TOK_PINCHANGED,
	TOK_COUNT
};
static const char *const tok_names[TOK_COUNT] = {
    [TOK_CERT] = "cert",
    [TOK_KEY] = "key",
    [TOK_CHAIN] = "chain",
    [TOK_PASS] = "passphrase-file",
    [TOK_DIGEST] = "digest",
    [TOK_PIN] = "pin-file",
    [TOK_MODULE] = "module",
    [TOK_PINCHANGED] = "pin-changed",
};

/* Split "k=v" tokens into vals[]; problem text in `why` on failure. */
static int
cert_tokens(struct kyso_strlist *l, const char **vals, char *why, size_t whylen)
{
	char shown[64];
	size_t i;
	int t;

	for (i = 1; i < l->n; i++) {
		char *eq = strchr(l->v[i], '=');

		kyso_text_printable(shown, sizeof(shown), l->v[i]);
		if (eq == NULL || eq[1] == '\0') {
			(void)snprintf(why, whylen, "\"%s\" is not name=value",
			    shown);
			return -1;
		}
		*eq = '\0';
		for (t = 0; t < TOK_COUNT; t++)
			if (g_ascii_strcasecmp(l->v[i], tok_names[t]) == 0)
				break;
		kyso_text_printable(shown, sizeof(shown), l->v[i]);
		if (t == TOK_COUNT) {
			(void)snprintf(why, whylen, "unknown token \"%s\"",
			    shown);
			return -1;
		}
		if (vals[t] != NULL) {
			(void)snprintf(why, whylen,
			    "duplicate %s=", tok_names[t]);
			return -1;
		}
		if (t != TOK_DIGEST && t != TOK_PINCHANGED && eq[1] != '/' &&
		    !(t == TOK_KEY && strncmp(eq + 1, "pkcs11:", 7) == 0)) {
			(void)snprintf(why, whylen,
			    "%s= needs an absolute path", tok_names[t]);
			return -1;
		}
		vals[t] = eq + 1;
	}
	if (vals[TOK_CERT] == NULL || vals[TOK_KEY] == NULL) {
		(void)snprintf(why, whylen, "needs cert= and key=");
		return -1;
	}
	if (strncmp(vals[TOK_KEY], "pkcs11:", 7) == 0
	        ? vals[TOK_PASS] != NULL
	        : vals[TOK_PIN] != NULL || vals[TOK_MODULE] != NULL) {
		(void)snprintf(why, whylen,
		    "pin-file= and module= go with a pkcs11: key, "
		    "passphrase-file= with a key file");
		return -1;
	}
	if (vals[TOK_PINCHANGED] != NULL &&
	    strncmp(vals[TOK_KEY], "pkcs11:", 7) != 0) {
		(void)snprintf(why, whylen,
		    "pin-changed= goes with a pkcs11: key");
		return -1;
	}
	if (vals[TOK_DIGEST] != NULL &&
	    strcmp(vals[TOK_DIGEST], "sha256") != 0 &&
	    strcmp(vals[TOK_DIGEST], "sha384") != 0 &&
	    strcmp(vals[TOK_DIGEST], "sha512") != 0) {
		kyso_text_printable(shown, sizeof(shown), vals[TOK_DIGEST]);
		(void)snprintf(why, whylen,
		    "bad digest \"%s\" (want sha256, sha384 or sha512)", shown);
		return -1;
	}
	return 0;
}

/* "YYYY-MM-DD" (UTC midnight) into *t; -1 when not such a date. */
static int
parse_day(const char *text, time_t *t)
{
	struct tm tm = {0};
	char *end;

	end = strptime(text, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 100)
		return -1;
	*t = timegm(&tm);
	return 0;
}

static void
file_identity(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (path == NULL || strncmp(path, "pkcs11:", 7) == 0 ||
	    stat(path, &st) < 0)
		return;
	id->known = 1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
}

static int
same_identity(const struct file_id *a, const struct file_id *b)
{
	return a->known == b->known && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* The previous table's signer for entry e when it can be kept: same id,
 * same line text and digest, and every file (as far as it is a file)
 * still has the identity it was loaded with. A file the caller cannot
 * stat counts as changed: the signer is loaded again (and a key the
 * daemon can no longer read fails the reload loudly). */
static struct kyso_signer *
reusable(const struct kyso_certtable *prev, const struct kyso_certentry *e)
{
	const struct kyso_certentry *p = find_cert(prev, e->id);
	size_t i;

	if (p == NULL || p->nkeys > 1 || strcmp(p->spec, e->spec) != 0)
		return NULL;
	for (i = 0; i < ENTRY_FILES; i++) {
		if (p->files[i] == NULL && e->files[i] == NULL)
			continue;
		if (!p->ids[i].known || !same_identity(&p->ids[i], &e->ids[i]))
			return NULL;
	}
	return kyso_signer_ref(p->signer);
}

/* The reuse key of a line: its words after the id, and the digest. */
static char *
entry_spec(const struct kyso_strlist *l, const char *default_digest)
{
	GString *g = g_string_new(NULL);
	size_t i;

	for (i = 1; i < l->n; i++)
		g_string_append_printf(g, "%s ", l->v[i]);
	g_string_append_printf(g, "| %s", default_digest);
	return g_string_free(g, FALSE);
}

static void
entry_files(struct kyso_certentry *e, const char **vals)
{
	const char *f[ENTRY_FILES] = {vals[TOK_CERT], vals[TOK_KEY],
	    vals[TOK_CHAIN],
	    vals[TOK_PASS] != NULL ? vals[TOK_PASS] : vals[TOK_PIN]};
	size_t i;

	for (i = 0; i < ENTRY_FILES; i++) {
		e->files[i] = f[i] != NULL ? kyso_xstrdup(f[i]) : NULL;
		file_identity(e->files[i], &e->ids[i]);
	}
	e->pin_file =
	    vals[TOK_PIN] != NULL ? kyso_xstrdup(vals[TOK_PIN]) : NULL;
}

static void
entry_free(struct kyso_certentry *e)
{
	size_t i;

	free(e->id);
	free(e->spec);
	for (i = 0; i < e->nkeys; i++)
		free(e->keys[i]);
	free(e->keys);
	free(e->pin_file);
	for (i = 0; i < ENTRY_FILES; i++)
		free(e->files[i]);
	kyso_signer_free(e->signer);
}

/* A further line of a pooled id: its key joins the entry's pool. */
static int
pool_line(struct kyso_certentry *e, struct kyso_signer *signer,
    struct kyso_lines *lr, const char *key, const char *shown,
    struct kyso_err *err)
{
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		if (strcmp(e->keys[i], key) == 0) {
			kyso_signer_free(signer);
			kyso_text_err_at(err, lr->path, lr->lineno,
			    "duplicate certificate id \"%s\" (a pool's lines "
			    "name different keys)",
			    shown);
			return -1;
		}
	if (kyso_signer_join(e->signer, signer, err) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s: %s", shown,
		    err->msg);
		return -1;
	}
	e->keys = kyso_xrealloc(e->keys, (e->nkeys + 1) * sizeof(*e->keys));
	e->keys[e->nkeys++] = kyso_xstrdup(key);
	return 0;
}

/* One certificate table line: parse, load (or keep from prev) the signer,
 * append, or join the key pool of an id already there. An id on several
 * lines (pooled) is loaded afresh at every reload: its pool is built anew. */
struct cert_ctx {
	struct kyso_certtable *t;
	const struct kyso_certtable *prev;
	int flags;
	GHashTable *pooled;
	const char *default_digest;
	const struct kyso_token_opts *tok;
};

static int
cert_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	const struct cert_ctx *c = ctx;
	struct kyso_certtable *t = c->t;
	const struct kyso_certtable *prev = c->prev;
	int flags = c->flags;
	GHashTable *pooled = c->pooled;
	const char *default_digest = c->default_digest;
	const struct kyso_token_opts *tok = c->tok;
	struct kyso_certentry *pool;
	struct kyso_strlist l = {0};
	const char *vals[TOK_COUNT] = {0};
	struct kyso_signer_spec spec = {0};
	struct kyso_certentry e = {0};
	char why[200], shown[64];
	int rc = -1;

	kyso_text_words(line, &l);
	kyso_text_printable(shown, sizeof(shown), l.v[0]);
	if (!good_cert_id(l.v[0])) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad certificate id \"%s\" (letters, digits, . _ -)",
		    shown);
		goto out;
	}
	if (t->n >= KYSO_MAX_TABLE_ENTRIES) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "more than %d entries", KYSO_MAX_TABLE_ENTRIES);
		goto out;
	}
	e.spec = entry_spec(&l, default_digest);
	if (cert_tokens(&l, vals, why, sizeof(why)) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s: %s", shown,
		    why);
		goto out;
	}
	if (vals[TOK_PINCHANGED] != NULL &&
	    parse_day(vals[TOK_PINCHANGED], &e.pin_changed) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "%s: pin-changed= wants a date YYYY-MM-DD", shown);
		goto out;
	}
	e.id = kyso_xstrdup(l.v[0]);
	e.line = lr->lineno;
	entry_files(&e, vals);
	spec.cert_file = vals[TOK_CERT];
	spec.key_file = vals[TOK_KEY];
	spec.chain_file = vals[TOK_CHAIN];
	spec.passphrase_file = vals[TOK_PASS];
	spec.pin_file = vals[TOK_PIN];
	spec.pkcs11_module = vals[TOK_MODULE];
	spec.digest = vals[TOK_DIGEST] ? vals[TOK_DIGEST] : default_digest;
	spec.cert_only = (flags & KYSO_TABLE_CERTS_ONLY) != 0;
	spec.name = l.v[0];
	if (tok != NULL) {
		spec.pin_state_file = tok->pin_state;
		spec.token_wait_ms = tok->wait_ms;
		spec.token_queue_limit = tok->queue_limit;
	}
	pool = find_cert(t, l.v[0]);
	if (pool == NULL && !g_hash_table_contains(pooled, l.v[0]) &&
	    (e.signer = reusable(prev, &e)) != NULL) {
		t->kept++;
	} else if ((e.signer = kyso_signer_load(&spec, err)) == NULL) {
		kyso_text_err_at(err, lr->path, lr->lineno, "%s: %s", shown,
		    err->msg);
		goto out;
	}
	if (pool != NULL) {
		/* pool_line takes the signer (joined, or freed) */
		rc = pool_line(pool, e.signer, lr, spec.key_file, shown, err);
		e.signer = NULL;
		goto out;
	}
	t->v = grow(t->v, t->n, &t->cap, sizeof(*t->v));
	e.keys = kyso_xmalloc(sizeof(char *));
	e.keys[0] = kyso_xstrdup(spec.key_file != NULL ? spec.key_file : "");
	e.nkeys = 1;
	t->v[t->n++] = e;
	memset(&e, 0, sizeof(e));
	rc = 0;
out:
	entry_free(&e);
	kyso_text_strlist_free(&l);
	return rc;
}

struct kyso_certtable *
kyso_table_load_certs(const char *path, const char *default_digest,
    struct kyso_err *err)
{
	return kyso_table_load_certs_ex(path, default_digest, NULL, 0, NULL,
	    err);
}

struct kyso_certtable *
kyso_table_load_certs_tok(const char *path, const char *default_digest,
    const struct kyso_token_opts *tok, struct kyso_err *err)
{
	return kyso_table_load_certs_ex(path, default_digest, NULL, 0, tok,
	    err);
}

/* kyso_lines_each for pooled_ids: seen and pooled id sets. */
struct ids_ctx {
	GHashTable *seen, *pooled;
};

static int
id_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	struct ids_ctx *c = ctx;
	char *id = g_strndup(line, strcspn(line, " \t"));

	(void)lr;
	(void)err;
	if (g_hash_table_contains(c->seen, id))
		g_hash_table_add(c->pooled, id);
	else
		g_hash_table_add(c->seen, id);
	return 0;
}

/* The ids on more than one line of the table (key pools). */
static GHashTable *
pooled_ids(const char *path, struct kyso_err *err)
{
	struct ids_ctx c = {
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	};
	int rc = kyso_lines_each(path, id_line, &c, err);

	g_hash_table_destroy(c.seen);
	if (rc < 0) {
		g_hash_table_destroy(c.pooled);
		return NULL;
	}
	return c.pooled;
}

struct kyso_certtable *
kyso_table_load_certs_ex(const char *path, const char *default_digest,
    const struct kyso_certtable *prev, int flags,
    const struct kyso_token_opts *tok, struct kyso_err *err)
{
	struct kyso_certtable *t = kyso_xcalloc(1, sizeof(*t));
	struct cert_ctx c = {t, prev, flags, NULL, default_digest, tok};
	int rc = -1;

	t->path = kyso_xstrdup(path);
	if ((c.pooled = pooled_ids(path, err)) == NULL ||
	    kyso_lines_each(path, cert_line, &c, err) < 0)
		goto out;
	rc = 0;
out:
	if (c.pooled != NULL)
		g_hash_table_destroy(c.pooled);
	if (rc < 0) {
		kyso_table_free_certs(t);
		t = NULL;
	}
	return t;
}

/* Parse one pattern into e (lower-cased copies); problem in why. */
static int
parse_pattern(const char *pattern, struct kyso_signentry *e, char *why,
    size_t whylen)
{
	char *p = kyso_text_lower(kyso_xstrdup(pattern));
	char *at = strchr(p, '@'), *dom;
	int rc = -1;

	if (at == NULL || strchr(at + 1, '@') != NULL || at == p) {
		(void)snprintf(why, whylen,
		    "want local@domain, *@domain or "
		    "*@*.domain");
		goto out;
	}
	*at = '\0';
	dom = at + 1;
	if (strcmp(p, "*") == 0 && strncmp(dom, "*.", 2) == 0) {
		e->kind = PAT_SUBDOMAIN;
		dom += 2;
	} else if (strcmp(p, "*") == 0) {
		e->kind = PAT_DOMAIN;
	} else {
		e->kind = PAT_EXACT;
		if (strchr(p, '*') != NULL || strchr(dom, '*') != NULL) {
			(void)snprintf(why, whylen,
			    "'*' only as the whole local part or as a leading "
			    "\"*.\" of the domain");
			goto out;
		}
	}
	if (!kyso_text_is_domain(dom)) {
		(void)snprintf(why, whylen, "bad domain");
		goto out;
	}
	if (e->kind == PAT_EXACT)
		e->local = kyso_xstrdup(p);
	e->domain = kyso_xstrdup(dom);
	rc = 0;
out:
	free(p);
	return rc;
}

/* One line of a pattern table: "pattern certificate-id" in the signing
 * table (logins == 0; the id must be in certs) or "login pattern" in the
 * login table (logins == 1; the login is kept as the entry's cert_id). */
struct pair_ctx {
	struct kyso_signtable *t;
	const struct kyso_certtable *certs;
	int logins;
};

static int
pair_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	struct kyso_signtable *t = ((struct pair_ctx *)ctx)->t;
	const struct kyso_certtable *certs = ((struct pair_ctx *)ctx)->certs;
	int logins = ((struct pair_ctx *)ctx)->logins;
	struct kyso_strlist l = {0};
	struct kyso_signentry e = {0};
	const char *pattern, *value;
	char why[160], shown[64];
	int rc = -1;

	kyso_text_words(line, &l);
	if (l.n != 2) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    logins ? "want \"login pattern\""
		           : "want \"pattern certificate-id\"");
		goto out;
	}
	pattern = logins ? l.v[1] : l.v[0];
	value = logins ? l.v[0] : l.v[1];
	kyso_text_printable(shown, sizeof(shown), pattern);
	if (t->n >= KYSO_MAX_TABLE_ENTRIES) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "more than %d entries", KYSO_MAX_TABLE_ENTRIES);
		goto out;
	}
	if (parse_pattern(pattern, &e, why, sizeof(why)) < 0) {
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "bad pattern \"%s\": %s", shown, why);
		goto out;
	}
	if (!logins && find_cert(certs, value) == NULL) {
		kyso_text_printable(shown, sizeof(shown), value);
		kyso_text_err_at(err, lr->path, lr->lineno,
		    "certificate id \"%s\" is not in the certificate table",
		    shown);
		goto out;
	}
	e.cert_id = kyso_xstrdup(value);
	t->v = grow(t->v, t->n, &t->cap, sizeof(*t->v));
	t->v[t->n++] = e;
	memset(&e, 0, sizeof(e));
	rc = 0;
out:
	free(e.local);
	free(e.domain);
	kyso_text_strlist_free(&l);
	return rc;
}

/* Read a whole pattern table (see pair_line). */
static struct kyso_signtable *
load_pairs(const char *path, const struct kyso_certtable *certs, int logins,
    struct kyso_err *err)
{
	struct kyso_signtable *t = kyso_xcalloc(1, sizeof(*t));
	struct pair_ctx c = {t, certs, logins};

	if (kyso_lines_each(path, pair_line, &c, err) < 0) {
		kyso_table_free_signing(t);
		return NULL;
	}
	return t;
}

struct kyso_signtable *
kyso_table_load_signing(const char *path, const struct kyso_certtable *certs,
    struct kyso_err *err)
{
	return load_pairs(path, certs, 0, err);
}

struct kyso_signtable *
kyso_table_load_logins(const char *path, struct kyso_err *err)
{
	return load_pairs(path, NULL, 1, err);
}

static int
pattern_matches(const struct kyso_signentry *e, const char *local,
    size_t locallen, const char *domain)
{
	size_t dlen, plen;

	switch (e->kind) {
	case PAT_EXACT:
		return strlen(e->local) == locallen &&
		    g_ascii_strncasecmp(e->local, local, locallen) == 0 &&
		    g_ascii_strcasecmp(e->domain, domain) == 0;
	case PAT_DOMAIN:
		return g_ascii_strcasecmp(e->domain, domain) == 0;
	case PAT_SUBDOMAIN:
		dlen = strlen(domain);
		plen = strlen(e->domain);
		return dlen > plen + 1 && domain[dlen - plen - 1] == '.' &&
		    g_ascii_strcasecmp(domain + dlen - plen, e->domain) == 0;
	}
	return 0;
}

int
kyso_table_login_allows(const struct kyso_signtable *t, const char *login,
    const char *address)
{
	const char *at;
	size_t i;

	if (login == NULL || address == NULL ||
	    (at = strrchr(address, '@')) == NULL || at == address)
		return 0;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].cert_id, login) == 0 &&
		    pattern_matches(&t->v[i], address, (size_t)(at - address),
		        at + 1))
			return 1;
	return 0;
}

const char *
kyso_table_lookup(const struct kyso_signtable *t, const char *address)
{
	const char *at;
	size_t i;

	if (t == NULL || address == NULL ||
	    (at = strrchr(address, '@')) == NULL || at == address)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (pattern_matches(&t->v[i], address, (size_t)(at - address),
		        at + 1))
			return t->v[i].cert_id;
	return NULL;
}

const struct kyso_signer *
kyso_table_signer(const struct kyso_certtable *t, const char *cert_id)
{
	const struct kyso_certentry *e;

	if (cert_id == NULL || (e = find_cert(t, cert_id)) == NULL)
		return NULL;
	return e->signer;
}

size_t
kyso_table_count_certs(const struct kyso_certtable *t)
{
	return t == NULL ? 0 : t->n;
}

const char *
kyso_table_cert_id(const struct kyso_certtable *t, size_t i)
{
	return t == NULL || i >= t->n ? NULL : t->v[i].id;
}

const char *
kyso_table_path(const struct kyso_certtable *t)
{
	return t == NULL ? NULL : t->path;
}

unsigned
kyso_table_cert_line(const struct kyso_certtable *t, size_t i)
{
	return t == NULL || i >= t->n ? 0 : t->v[i].line;
}

const char *
kyso_table_cert_file(const struct kyso_certtable *t, size_t i, int which)
{
	return t == NULL || i >= t->n || which < 0 || which >= ENTRY_FILES
	    ? NULL
	    : t->v[i].files[which];
}

const char *
kyso_table_pin_file(const struct kyso_certtable *t, size_t i, time_t *changed)
{
	if (t == NULL || i >= t->n) {
		*changed = 0;
		return NULL;
	}
	*changed = t->v[i].pin_changed;
	return t->v[i].pin_file;
}

size_t
kyso_table_kept(const struct kyso_certtable *t)
{
	return t == NULL ? 0 : t->kept;
}

size_t
kyso_table_count_signing(const struct kyso_signtable *t)
{
	return t == NULL ? 0 : t->n;
}

void
kyso_table_free_certs(struct kyso_certtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t->path);
	free(t);
}

void
kyso_table_free_signing(struct kyso_signtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].local);
		free(t->v[i].domain);
		free(t->v[i].cert_id);
	}
	free(t->v);
	free(t);
}
