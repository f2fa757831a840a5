/*
 * vcache.c - the verification cache of a trust object (see vcache.h):
 * chain verdicts keyed by certificate DER, CRL signature checks keyed by
 * CRL and issuer DER, each valid inside its own time window.
 *
 * A cache never decides anything: it only answers "this exact input was
 * judged so, and the judgement still holds now". What depends on the
 * time of the message (validity now, at signing, a CRL's nextUpdate, the
 * revocation status itself) is computed again from the cached chain or
 * CRL for every message by the caller.
 */
#include <string.h>

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "kyso/limits.h"
#include "vcache.h"
#include "verify_int.h"

enum entry_kind { ENTRY_CHAIN = 1, ENTRY_CRL };

struct entry {
	enum entry_kind kind;
	time_t from, until;          /* the window in which it holds */
	struct kyso_chain_verdict v; /* ENTRY_CHAIN */
	int ok;                      /* ENTRY_CRL: signature verified */
};

struct kyso_vcache {
	GMutex lock;
	GHashTable *map; /* unsigned char[KYSO_VCACHE_KEY] -> struct entry */
	unsigned max;
	unsigned long hits, misses;
	EVP_MD *sha256; /* fetched once */
};

static guint
key_hash(gconstpointer k)
{
	guint h;

	memcpy(&h, k, sizeof(h));
	return h;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, KYSO_VCACHE_KEY) == 0;
}

void
kyso_chain_verdict_clear(struct kyso_chain_verdict *v)
{
	sk_X509_pop_free(v->chain, X509_free);
	g_free(v->error);
	memset(v, 0, sizeof(*v));
}

static void
entry_free(gpointer p)
{
	struct entry *e = p;

	kyso_chain_verdict_clear(&e->v);
	g_free(e);
}

struct kyso_vcache *
kyso_vcache_new(unsigned max)
{
	struct kyso_vcache *c = g_new0(struct kyso_vcache, 1);

	g_mutex_init(&c->lock);
	c->map = g_hash_table_new_full(key_hash, key_equal, g_free, entry_free);
	c->max = max > 0 ? max : KYSO_VCACHE_DEFAULT;
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ERR_clear_error();
	return c;
}

void
kyso_vcache_free(struct kyso_vcache *c)
{
	if (c == NULL)
		return;
	g_hash_table_destroy(c->map);
	g_mutex_clear(&c->lock);
	EVP_MD_free(c->sha256);
	g_free(c);
}

unsigned
kyso_vcache_size(struct kyso_vcache *c)
{
	unsigned n;

	g_mutex_lock(&c->lock);
	n = g_hash_table_size(c->map);
	g_mutex_unlock(&c->lock);
	return n;
}

void
kyso_vcache_stats(struct kyso_vcache *c, unsigned long *hits,
    unsigned long *misses)
{
	g_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	g_mutex_unlock(&c->lock);
}

/* The entry of kind for key holding at now, or NULL; counts the lookup.
 * Called with the lock held. */
static struct entry *
lookup(struct kyso_vcache *c, const unsigned char *key, enum entry_kind kind,
    time_t now)
{
	struct entry *e = g_hash_table_lookup(c->map, key);

	if (e != NULL && (e->kind != kind || now < e->from || now > e->until))
		e = NULL;
	if (e != NULL)
		c->hits++;
	else
		c->misses++;
	return e;
}

static gboolean
expired(gpointer k, gpointer v, gpointer now)
{
	(void)k;
	return ((struct entry *)v)->until < *(time_t *)now;
}

static gboolean
every_other(gpointer k, gpointer v, gpointer n)
{
	(void)k;
	(void)v;
	return ((*(unsigned *)n)++ & 1) == 0;
}

/* Insert e for key (both taken), making room first: expired entries go,
 * then half of the rest. Called with the lock held. */
static void
insert(struct kyso_vcache *c, const unsigned char *key, struct entry *e,
    time_t now)
{
	unsigned n = 0;

	if (g_hash_table_size(c->map) >= c->max) {
		g_hash_table_foreach_remove(c->map, expired, &now);
		if (g_hash_table_size(c->map) >= c->max)
			g_hash_table_foreach_remove(c->map, every_other, &n);
	}
	g_hash_table_replace(c->map, g_memdup2(key, KYSO_VCACHE_KEY), e);
}

/* SHA-256 of x's DER into out; 0 on failure. */
static int
cert_digest(const EVP_MD *md, X509 *x, unsigned char *out)
{
	unsigned n = 0;

	return X509_digest(x, md, out, &n) && n == KYSO_VCACHE_KEY;
}

int
kyso_vcache_chain_key(struct kyso_vcache *c, const char *purpose, X509 *signer,
    STACK_OF(X509) * offered, unsigned char key[KYSO_VCACHE_KEY])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char d[KYSO_VCACHE_KEY];
	unsigned n = 0;
	int i, ok = 0;

	/* "chain", the purpose and, each a fixed 32 bytes, the signer and
	 * every offered certificate: no two inputs share an encoding */
	if (ctx == NULL || c->sha256 == NULL ||
	    !EVP_DigestInit_ex(ctx, c->sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, "chain", 6) ||
	    !EVP_DigestUpdate(ctx, purpose, strlen(purpose) + 1) ||
	    !cert_digest(c->sha256, signer, d) ||
	    !EVP_DigestUpdate(ctx, d, sizeof(d)))
		goto out;
	for (i = 0; offered != NULL && i < sk_X509_num(offered); i++)
		if (!cert_digest(c->sha256, sk_X509_value(offered, i), d) ||
		    !EVP_DigestUpdate(ctx, d, sizeof(d)))
			goto out;
	ok = EVP_DigestFinal_ex(ctx, key, &n) && n == KYSO_VCACHE_KEY;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* A copy of v with its own references. */
static void
verdict_copy(const struct kyso_chain_verdict *v, struct kyso_chain_verdict *out)
{
	out->chain = v->chain != NULL ? X509_chain_up_ref(v->chain) : NULL;
	out->error = g_strdup(v->error);
	out->legacy_sha1 = v->legacy_sha1;
}

int
kyso_vcache_chain_get(struct kyso_vcache *c,
    const unsigned char key[KYSO_VCACHE_KEY], time_t now,
    struct kyso_chain_verdict *out)
{
	struct entry *e;

	memset(out, 0, sizeof(*out));
	g_mutex_lock(&c->lock);
	if ((e = lookup(c, key, ENTRY_CHAIN, now)) != NULL)
		verdict_copy(&e->v, out);
	g_mutex_unlock(&c->lock);
	return e != NULL;
}

void
kyso_vcache_chain_put(struct kyso_vcache *c,
    const unsigned char key[KYSO_VCACHE_KEY],
    const struct kyso_chain_verdict *v, time_t from, time_t until, time_t now)
{
	struct entry *e;

	if (from > until)
		return;
	e = g_new0(struct entry, 1);
	e->kind = ENTRY_CHAIN;
	e->from = from;
	e->until = until;
	verdict_copy(v, &e->v);
	g_mutex_lock(&c->lock);
	insert(c, key, e, now);
	g_mutex_unlock(&c->lock);
}

/* The key of a CRL signature check: the CRL's DER and its issuer's. */
static int
crl_key(struct kyso_vcache *c, X509_CRL *crl, X509 *issuer,
    unsigned char key[KYSO_VCACHE_KEY])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char d[KYSO_VCACHE_KEY];
	unsigned n = 0;
	int ok = 0;

	if (ctx == NULL || c->sha256 == NULL ||
	    !EVP_DigestInit_ex(ctx, c->sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, "crl", 4) ||
	    !X509_CRL_digest(crl, c->sha256, d, &n) || n != sizeof(d) ||
	    !EVP_DigestUpdate(ctx, d, sizeof(d)) ||
	    !cert_digest(c->sha256, issuer, d) ||
	    !EVP_DigestUpdate(ctx, d, sizeof(d)))
		goto out;
	ok = EVP_DigestFinal_ex(ctx, key, &n) && n == KYSO_VCACHE_KEY;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int
kyso_vcache_crl_verified(struct kyso_vcache *c, X509_CRL *crl, X509 *issuer,
    time_t now)
{
	unsigned char key[KYSO_VCACHE_KEY];
	const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
	struct entry *e;
	int ok;

	if (!crl_key(c, crl, issuer, key)) {
		/* no key, no cache: check it every time */
		ok = X509_CRL_verify(crl, X509_get0_pubkey(issuer)) > 0;
		ERR_clear_error();
		return ok;
	}
	g_mutex_lock(&c->lock);
	e = lookup(c, key, ENTRY_CRL, now);
	ok = e != NULL ? e->ok : -1;
	g_mutex_unlock(&c->lock);
	if (ok >= 0)
		return ok;
	ok = X509_CRL_verify(crl, X509_get0_pubkey(issuer)) > 0;
	ERR_clear_error();
	e = g_new0(struct entry, 1);
	e->kind = ENTRY_CRL;
	e->ok = ok;
	/* a signature does not change; the entry goes with the CRL */
	e->from = 0;
	e->until = nu != NULL ? kyso_cert_time(nu) : now + 86400;
	if (e->until < now)
		e->until = now;
	g_mutex_lock(&c->lock);
	insert(c, key, e, now);
	g_mutex_unlock(&c->lock);
	return ok;
}
