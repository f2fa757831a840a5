/*
 * vcache.c - the verification cache of a trust object (see vcache.h):
 * chain verdicts keyed by certificate DER, CRL signature checks keyed by
 * CRL and issuer DER, decoded certificates and their facts keyed by their
 * DER, each valid inside its own time window.
 *
 * A cache never decides anything: it only answers "this exact input was
 * judged so, and the judgement still holds now". What depends on the
 * time of the message (validity now, at signing, a CRL's nextUpdate, the
 * revocation status itself) is computed again from the cached chain or
 * CRL for every message by the caller.
 */
#include <limits.h>
#include <string.h>

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "ber.h"
#include "kyso/limits.h"
#include "vcache.h"
#include "verify_int.h"

enum entry_kind { ENTRY_CHAIN = 1, ENTRY_CRL, ENTRY_CERT, ENTRY_FACTS };

struct entry {
	enum entry_kind kind;
	time_t from, until;          /* the window in which it holds */
	struct kyso_chain_verdict v; /* ENTRY_CHAIN */
	int ok;                      /* ENTRY_CRL: signature verified */
	X509 *cert;                  /* ENTRY_CERT: decoded once */
	struct kyso_signer_info *si; /* ENTRY_FACTS: a certificate's facts */
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
	X509_free(e->cert);
	if (e->si != NULL) {
		kyso_signer_info_clear(e->si);
		g_free(e->si);
	}
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

/* The SHA-256 of a cached certificate's DER, set (ex_data) before the
 * certificate is shared and never changed after: a lock-free read. */
static int memo_index = -1;

static void
memo_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	g_free(ptr);
}

static int
memo(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		memo_index =
		    X509_get_ex_new_index(0, NULL, NULL, NULL, memo_free);
		g_once_init_leave(&once, 1);
	}
	return memo_index;
}

/* SHA-256 of x's DER into out (the memo when x came from the cache); 0
 * on failure. */
static int
cert_digest(const EVP_MD *md, X509 *x, unsigned char *out)
{
	const unsigned char *m =
	    memo() >= 0 ? X509_get_ex_data(x, memo()) : NULL;
	unsigned n = 0;

	if (m != NULL) {
		memcpy(out, m, KYSO_VCACHE_KEY);
		return 1;
	}
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

int
kyso_vcache_crl_digest(struct kyso_vcache *c, X509_CRL *crl,
    unsigned char out[KYSO_VCACHE_KEY])
{
	unsigned n = 0;
	int ok = c->sha256 != NULL &&
	    X509_CRL_digest(crl, c->sha256, out, &n) && n == KYSO_VCACHE_KEY;

	ERR_clear_error();
	return ok;
}

void
kyso_vcache_memo_cert(struct kyso_vcache *c, X509 *x)
{
	unsigned char d[KYSO_VCACHE_KEY];
	unsigned n = 0;

	if (memo() < 0 || X509_get_ex_data(x, memo()) != NULL ||
	    c->sha256 == NULL || !X509_digest(x, c->sha256, d, &n) ||
	    n != sizeof(d) ||
	    !X509_set_ex_data(x, memo(), g_memdup2(d, sizeof(d))))
		ERR_clear_error();
}

char *
kyso_vcache_fingerprint(X509 *x)
{
	const unsigned char *m =
	    memo() >= 0 ? X509_get_ex_data(x, memo()) : NULL;
	static const char hex[] = "0123456789abcdef";
	char *r;
	int i;

	if (m == NULL)
		return kyso_cert_fingerprint(x);
	r = g_malloc(2 * KYSO_VCACHE_KEY + 1);
	for (i = 0; i < KYSO_VCACHE_KEY; i++) {
		r[2 * i] = hex[m[i] >> 4];
		r[2 * i + 1] = hex[m[i] & 0x0f];
	}
	r[2 * KYSO_VCACHE_KEY] = '\0';
	return r;
}

/* The key of a CRL signature check: the CRL's DER (sha: its SHA-256, or
 * NULL) and its issuer's. */
static int
crl_key(struct kyso_vcache *c, X509_CRL *crl, const unsigned char *sha,
    X509 *issuer, unsigned char key[KYSO_VCACHE_KEY])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char d[KYSO_VCACHE_KEY];
	unsigned n = 0;
	int ok = 0;

	if (ctx == NULL || c->sha256 == NULL ||
	    !EVP_DigestInit_ex(ctx, c->sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, "crl", 4) ||
	    (sha == NULL && !kyso_vcache_crl_digest(c, crl, d)) ||
	    !EVP_DigestUpdate(ctx, sha != NULL ? sha : d, sizeof(d)) ||
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
kyso_vcache_crl_verified(struct kyso_vcache *c, X509_CRL *crl,
    const unsigned char *crl_sha, X509 *issuer, time_t now)
{
	unsigned char key[KYSO_VCACHE_KEY];
	const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
	struct entry *e;
	int ok;

	if (!crl_key(c, crl, crl_sha, issuer, key)) {
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

/* ---- certificates of a SignedData, decoded once per DER */

/* The certificate whose DER is der[0..len), from the cache or decoded
 * (and then cached, its SHA-256 memo set before anyone else sees it); a
 * reference for the caller, or NULL when it does not decode. */
static X509 *
cert_for(struct kyso_vcache *c, const unsigned char *der, size_t len,
    time_t now)
{
	unsigned char key[KYSO_VCACHE_KEY], d[KYSO_VCACHE_KEY];
	const unsigned char *p = der;
	unsigned n = 0;
	struct entry *e;
	X509 *x = NULL;

	/* the key: "cert" and the DER's own SHA-256 */
	if (!EVP_Digest(der, len, d, &n, c->sha256, NULL) ||
	    n != KYSO_VCACHE_KEY ||
	    !EVP_Digest(d, sizeof(d), key, &n, c->sha256, NULL))
		return NULL;
	key[0] ^= 0x5a; /* not the same bytes as a chain or CRL key */
	g_mutex_lock(&c->lock);
	if ((e = lookup(c, key, ENTRY_CERT, now)) != NULL &&
	    X509_up_ref(e->cert))
		x = e->cert;
	g_mutex_unlock(&c->lock);
	if (x != NULL)
		return x;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		return NULL;
	}
	if (memo() >= 0 &&
	    X509_set_ex_data(x, memo(), g_memdup2(d, sizeof(d))) &&
	    X509_up_ref(x)) {
		e = g_new0(struct entry, 1);
		e->kind = ENTRY_CERT;
		e->cert = x;
		e->from = 0;
		e->until = (time_t)G_MAXINT64;
		g_mutex_lock(&c->lock);
		insert(c, key, e, now);
		g_mutex_unlock(&c->lock);
	}
	return x;
}

/* DER length octets of n into out (at most 9); how many. */
static size_t
der_len(size_t n, unsigned char *out)
{
	size_t k = 0, i;

	if (n < 0x80) {
		out[0] = (unsigned char)n;
		return 1;
	}
	for (i = n; i > 0; i >>= 8)
		k++;
	out[0] = (unsigned char)(0x80 | k);
	for (i = 0; i < k; i++)
		out[1 + i] = (unsigned char)(n >> (8 * (k - 1 - i)));
	return k + 1;
}

/* Append tag, the DER length of clen, to b. */
static void
put_head(GByteArray *b, unsigned char tag, size_t clen)
{
	unsigned char l[10];

	g_byte_array_append(b, &tag, 1);
	g_byte_array_append(b, l, (guint)der_len(clen, l));
}

/* Where the certificates of a definite-length ContentInfo/SignedData are:
 * [*cs, *ce) the whole [0] IMPLICIT SET element, with the ContentInfo's
 * OID element [*oid, *oide) and the SignedData's content [*sd, *sde). 0,
 * or -1 when der is not such a structure or has no certificates. */
static int
find_certs(const unsigned char *der, size_t len, const unsigned char **oid,
    const unsigned char **oide, const unsigned char **sd,
    const unsigned char **sde, const unsigned char **cs,
    const unsigned char **ce)
{
	const unsigned char *end = der + len, *p, *q;
	struct kyso_ber_tlv t;
	int i;

	if (kyso_ber_head(der, end, &t) != 0 || t.tag != 0x30 ||
	    t.clen == KYSO_BER_INDEFINITE)
		return -1;
	p = der + t.hlen;
	end = p + t.clen;
	*oid = p;
	if (kyso_ber_head(p, end, &t) != 0 || t.tag != 0x06)
		return -1;
	p += t.hlen + t.clen;
	*oide = p;
	if (kyso_ber_head(p, end, &t) != 0 || t.tag != 0xa0 ||
	    t.clen == KYSO_BER_INDEFINITE)
		return -1;
	q = p + t.hlen;
	if (kyso_ber_head(q, end, &t) != 0 || t.tag != 0x30 ||
	    t.clen == KYSO_BER_INDEFINITE)
		return -1;
	p = *sd = q + t.hlen;
	end = *sde = p + t.clen;
	/* version, digestAlgorithms, encapContentInfo */
	for (i = 0; i < 3; i++) {
		if (kyso_ber_head(p, end, &t) != 0 ||
		    t.clen == KYSO_BER_INDEFINITE)
			return -1;
		p += t.hlen + t.clen;
	}
	if (kyso_ber_head(p, end, &t) != 0 || t.tag != 0xa0 ||
	    t.clen == KYSO_BER_INDEFINITE)
		return -1;
	*cs = p;
	*ce = p + t.hlen + t.clen;
	return 0;
}

/* der with the certificates element [cs, ce) of its SignedData left out
 * (every enclosing length shortened), or NULL. */
static GByteArray *
without_certs(const unsigned char *oid, const unsigned char *oide,
    const unsigned char *sd, const unsigned char *sde, const unsigned char *cs,
    const unsigned char *ce)
{
	GByteArray *b = g_byte_array_new();
	unsigned char l[10];
	size_t sd_clen = (size_t)(sde - sd) - (size_t)(ce - cs);
	size_t sd_total = 1 + der_len(sd_clen, l) + sd_clen;
	size_t a0_total = 1 + der_len(sd_total, l) + sd_total;

	put_head(b, 0x30, (size_t)(oide - oid) + a0_total);
	g_byte_array_append(b, oid, (guint)(oide - oid));
	put_head(b, 0xa0, sd_total);
	put_head(b, 0x30, sd_clen);
	g_byte_array_append(b, sd, (guint)(cs - sd));
	g_byte_array_append(b, ce, (guint)(sde - ce));
	return b;
}

/* The certificates of the set [cs, ce) added to cms in order, from the
 * cache; 0 when one is not a well-formed certificate. */
static int
add_certs(struct kyso_vcache *c, CMS_ContentInfo *cms, const unsigned char *cs,
    const unsigned char *ce, time_t now)
{
	struct kyso_ber_tlv t;
	const unsigned char *p;
	X509 *x;

	if (kyso_ber_head(cs, ce, &t) != 0)
		return 0;
	for (p = cs + t.hlen; p < ce; p += t.hlen + t.clen) {
		/* a certificate (SEQUENCE); other CertificateChoices and
		 * indefinite lengths: not here */
		if (kyso_ber_head(p, ce, &t) != 0 || t.tag != 0x30 ||
		    t.clen == KYSO_BER_INDEFINITE ||
		    (x = cert_for(c, p, t.hlen + t.clen, now)) == NULL)
			return 0;
		/* a duplicate is refused by OpenSSL: one copy is enough */
		if (!CMS_add0_cert(cms, x))
			X509_free(x);
	}
	return 1;
}

CMS_ContentInfo *
kyso_vcache_d2i_cms(struct kyso_vcache *c, const unsigned char *der, size_t len,
    time_t now)
{
	const unsigned char *oid, *oide, *sd, *sde, *cs, *ce, *p = der;
	CMS_ContentInfo *cms = NULL;
	GByteArray *b = NULL;

	if (c == NULL || c->sha256 == NULL || len > (size_t)LONG_MAX ||
	    find_certs(der, len, &oid, &oide, &sd, &sde, &cs, &ce) != 0)
		goto plain;
	b = without_certs(oid, oide, sd, sde, cs, ce);
	p = b->data;
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)b->len)) == NULL ||
	    p != b->data + b->len || !add_certs(c, cms, cs, ce, now)) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	g_byte_array_unref(b);
	ERR_clear_error();
	if (cms != NULL)
		return cms;
plain:
	/* anything else is OpenSSL's to judge, as before */
	p = der;
	return d2i_CMS_ContentInfo(NULL, &p, (long)len);
}

/* ---- the facts of a certificate (names, e-mail, kind ...) */

/* The key of x's facts, from its memo only (a certificate decoded
 * through the cache or loaded with the trust); 0 when it has none. */
static int
facts_key(struct kyso_vcache *c, X509 *x, unsigned char key[KYSO_VCACHE_KEY])
{
	const unsigned char *m =
	    memo() >= 0 ? X509_get_ex_data(x, memo()) : NULL;
	unsigned char buf[KYSO_VCACHE_KEY + 6];
	unsigned n = 0;

	if (m == NULL || c->sha256 == NULL)
		return 0;
	memcpy(buf, "facts", 6);
	memcpy(buf + 6, m, KYSO_VCACHE_KEY);
	return EVP_Digest(buf, sizeof(buf), key, &n, c->sha256, NULL) &&
	    n == KYSO_VCACHE_KEY;
}

/* The certificate facts of from into to (strings copied). */
static void
facts_copy(const struct kyso_signer_info *from, struct kyso_signer_info *to)
{
	to->ku_ok = from->ku_ok;
	to->eku_ok = from->eku_ok;
	to->email = g_strdup(from->email);
	to->subject_cn = g_strdup(from->subject_cn);
	to->subject = g_strdup(from->subject);
	to->subject_utf8 = g_strdup(from->subject_utf8);
	to->subject_person = from->subject_person;
	to->issuer_rfc4514 = g_strdup(from->issuer_rfc4514);
	to->issuer_text = g_strdup(from->issuer_text);
	to->issuer_cn = g_strdup(from->issuer_cn);
	to->serial_hex = g_strdup(from->serial_hex);
	to->not_before = from->not_before;
	to->not_after = from->not_after;
	to->kind = from->kind;
	to->fingerprint = g_strdup(from->fingerprint);
}

int
kyso_vcache_facts_get(struct kyso_vcache *c, X509 *x, time_t now,
    struct kyso_signer_info *si)
{
	unsigned char key[KYSO_VCACHE_KEY];
	struct entry *e;

	if (!facts_key(c, x, key))
		return 0;
	g_mutex_lock(&c->lock);
	if ((e = lookup(c, key, ENTRY_FACTS, now)) != NULL)
		facts_copy(e->si, si);
	g_mutex_unlock(&c->lock);
	return e != NULL;
}

void
kyso_vcache_facts_put(struct kyso_vcache *c, X509 *x,
    const struct kyso_signer_info *si, time_t now)
{
	unsigned char key[KYSO_VCACHE_KEY];
	struct entry *e;

	if (!facts_key(c, x, key))
		return;
	e = g_new0(struct entry, 1);
	e->kind = ENTRY_FACTS;
	e->si = g_new0(struct kyso_signer_info, 1);
	facts_copy(si, e->si);
	e->from = 0;
	e->until = (time_t)G_MAXINT64;
	g_mutex_lock(&c->lock);
	insert(c, key, e, now);
	g_mutex_unlock(&c->lock);
}
