/*
 * keypool.c - one certificate id's private keys (tokens and key files)
 * behind one RSA EVP_PKEY whose private operation is dispatched here.
 *
 * OpenSSL 3 runs an RSA key with a method of its own through the legacy
 * code path (a "foreign" key), so CMS signing calls rsa_priv_enc below
 * with the PKCS#1 DigestInfo: this picks a free member, waits for one at
 * most wait_ms, refuses at once past queue_limit waiters, and on a member's
 * failure tries the other free members before giving up. Failures are
 * kept per thread for kyso_keypool_last_error() (OpenSSL's error queue
 * keeps no text) and logged through the token logger.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/rsa.h>

#include "kyso/limits.h"
#include "keypool.h"

struct member {
	struct kyso_pkcs11_key *tok; /* or */
	EVP_PKEY *soft;
	int busy;
	unsigned long uses;
};

struct kyso_keypool {
	char name[80];
	EVP_PKEY *pkey; /* RSA with pool_method, ex_data -> this pool */
	struct member m[KYSO_MAX_POOL_KEYS];
	size_t n, next;
	unsigned wait_ms, queue_limit, waiting;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static __thread struct kyso_err last_err;

static pthread_once_t method_once = PTHREAD_ONCE_INIT;
static RSA_METHOD *pool_method;
static int pool_idx = -1;

static int pool_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding);

static void
method_init(void)
{
	pool_method = RSA_meth_dup(RSA_PKCS1_OpenSSL());
	if (pool_method != NULL) {
		(void)RSA_meth_set1_name(pool_method, "kyso key pool");
		(void)RSA_meth_set_flags(pool_method,
		    RSA_meth_get_flags(pool_method) | RSA_METHOD_FLAG_NO_CHECK);
		(void)RSA_meth_set_priv_enc(pool_method, pool_priv_enc);
	}
	pool_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

struct kyso_keypool *
kyso_keypool_new(const char *name, unsigned wait_ms, unsigned queue_limit)
{
	struct kyso_keypool *p = kyso_xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;

	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	p->wait_ms = wait_ms;
	p->queue_limit = queue_limit;
	(void)pthread_mutex_init(&p->mu, NULL);
	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&p->cv, &ca);
	(void)pthread_condattr_destroy(&ca);
	return p;
}

/* The first member's public key becomes the pool's dispatching key. */
static int
set_pkey(struct kyso_keypool *p, EVP_PKEY *pub, struct kyso_err *err)
{
	const RSA *src = EVP_PKEY_get0_RSA(pub);
	RSA *rsa = NULL;
	const BIGNUM *n, *e;

	(void)pthread_once(&method_once, method_init);
	if (src == NULL || pool_method == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: keys of a token or a key pool must be RSA", p->name);
		return -1;
	}
	RSA_get0_key(src, &n, &e, NULL);
	if ((rsa = RSA_new()) == NULL ||
	    !RSA_set0_key(rsa, BN_dup(n), BN_dup(e), NULL) ||
	    !RSA_set_method(rsa, pool_method) ||
	    !RSA_set_ex_data(rsa, pool_idx, p) ||
	    (p->pkey = EVP_PKEY_new()) == NULL ||
	    !EVP_PKEY_assign_RSA(p->pkey, rsa)) {
		RSA_free(rsa);
		kyso_err_set(err, KYSO_E_INTERNAL, "%s: key pool", p->name);
		return -1;
	}
	return 0;
}

/* Check pub against the pool and make room for one member. */
static int
admit(struct kyso_keypool *p, EVP_PKEY *pub, struct kyso_err *err)
{
	if (p->n >= KYSO_MAX_POOL_KEYS) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: more than %d keys in one pool", p->name,
		    KYSO_MAX_POOL_KEYS);
		return -1;
	}
	if (p->pkey == NULL)
		return set_pkey(p, pub, err);
	if (EVP_PKEY_get0_RSA(pub) == NULL || EVP_PKEY_eq(p->pkey, pub) != 1) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: every key of a pool must be the same key (copies "
		    "on several tokens, or a token and its key file)",
		    p->name);
		return -1;
	}
	return 0;
}

int
kyso_keypool_add_token(struct kyso_keypool *p, struct kyso_pkcs11_key *k,
    EVP_PKEY *pub, struct kyso_err *err)
{
	int rc = admit(p, pub, err);

	if (rc == 0)
		p->m[p->n++].tok = k;
	else
		kyso_pkcs11_release(k);
	EVP_PKEY_free(pub);
	return rc;
}

int
kyso_keypool_add_soft(struct kyso_keypool *p, EVP_PKEY *key,
    struct kyso_err *err)
{
	if (admit(p, key, err) < 0) {
		EVP_PKEY_free(key);
		return -1;
	}
	p->m[p->n++].soft = key;
	return 0;
}

int
kyso_keypool_join(struct kyso_keypool *dst, struct kyso_keypool *src,
    struct kyso_err *err)
{
	size_t i;
	int rc = -1;

	if (dst->n + src->n > KYSO_MAX_POOL_KEYS) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: more than %d keys in one pool", dst->name,
		    KYSO_MAX_POOL_KEYS);
		goto out;
	}
	if (src->pkey == NULL || EVP_PKEY_eq(dst->pkey, src->pkey) != 1) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: every key of a pool must be the same key (copies "
		    "on several tokens, or a token and its key file)",
		    dst->name);
		goto out;
	}
	for (i = 0; i < src->n; i++)
		dst->m[dst->n++] = src->m[i];
	src->n = 0;
	rc = 0;
out:
	kyso_keypool_free(src);
	return rc;
}

EVP_PKEY *
kyso_keypool_pkey(const struct kyso_keypool *p)
{
	return p->pkey;
}

size_t
kyso_keypool_size(const struct kyso_keypool *p)
{
	return p->n;
}

int
kyso_keypool_has_token(const struct kyso_keypool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->m[i].tok != NULL)
			return 1;
	return 0;
}

unsigned long
kyso_keypool_uses(struct kyso_keypool *p, size_t i)
{
	unsigned long u;

	(void)pthread_mutex_lock(&p->mu);
	u = i < p->n ? p->m[i].uses : 0;
	(void)pthread_mutex_unlock(&p->mu);
	return u;
}

int
kyso_keypool_last_error(struct kyso_err *err)
{
	if (last_err.cls == KYSO_E_NONE)
		return 0;
	if (err != NULL)
		*err = last_err;
	kyso_err_clear(&last_err);
	return 1;
}

/* A free member not in tried[], round robin from p->next; -1: none. */
static int
free_member(struct kyso_keypool *p, const char *tried)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		j = (p->next + i) % p->n;
		if (!p->m[j].busy && !tried[j])
			return (int)j;
	}
	return -1;
}

/* Wait (bounded) for a free member and take it; -1 with last_err. */
static int
acquire(struct kyso_keypool *p, const char *tried, int first)
{
	struct timespec until;
	int j, rc = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->wait_ms / 1000;
	until.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_mutex_lock(&p->mu);
	if ((j = free_member(p, tried)) < 0 && first) {
		if (p->waiting >= p->queue_limit) {
			kyso_err_set(&last_err, KYSO_E_TEMP,
			    "%s: %u signatures already wait for its key "
			    "(TokenQueueLimit); try later",
			    p->name, p->waiting);
			goto out;
		}
		p->waiting++;
		while ((j = free_member(p, tried)) < 0 && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&p->cv, &p->mu, &until);
		p->waiting--;
		if (j < 0)
			kyso_err_set(&last_err, KYSO_E_TEMP,
			    "%s: waited %u ms for its key (TokenWaitLimit); "
			    "try later",
			    p->name, p->wait_ms);
	}
	if (j >= 0) {
		p->m[j].busy = 1;
		p->m[j].uses++;
		p->next = (size_t)j + 1;
	}
out:
	(void)pthread_mutex_unlock(&p->mu);
	return j;
}

static void
release(struct kyso_keypool *p, int j)
{
	(void)pthread_mutex_lock(&p->mu);
	p->m[j].busy = 0;
	(void)pthread_cond_signal(&p->cv);
	(void)pthread_mutex_unlock(&p->mu);
}

/* The private operation on member j (no lock held). */
static int
member_op(struct member *m, int flen, const unsigned char *from,
    unsigned char *to, int tolen, int padding, struct kyso_err *err)
{
	RSA *rsa;

	if (m->tok != NULL)
		return kyso_pkcs11_rsa_private(m->tok, from, (size_t)flen, to,
		    (size_t)tolen, padding, err);
	rsa = (RSA *)EVP_PKEY_get0_RSA(m->soft);
	if (rsa == NULL ||
	    RSA_private_encrypt(flen, from, to, rsa, padding) < 0) {
		kyso_err_set(err, KYSO_E_INTERNAL, "key file: RSA failed");
		return -1;
	}
	return RSA_size(rsa);
}

static int
pool_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
    int padding)
{
	struct kyso_keypool *p = RSA_get_ex_data(rsa, pool_idx);
	char tried[KYSO_MAX_POOL_KEYS] = {0};
	struct kyso_err err = {0};
	int j, r = -1, first = 1;

	kyso_err_clear(&last_err);
	if (p == NULL)
		return -1;
	while ((j = acquire(p, tried, first)) >= 0) {
		first = 0;
		tried[j] = 1;
		r = member_op(&p->m[j], flen, from, to, RSA_size(rsa), padding,
		    &err);
		release(p, j);
		if (r >= 0)
			return r;
		kyso_token_log(LOG_WARNING, "%s: %s%s", p->name, err.msg,
		    p->n > 1 ? "; trying the pool's other keys" : "");
		last_err = err;
	}
	if (first)
		kyso_token_log(LOG_WARNING, "%s", last_err.msg);
	return -1;
}

void
kyso_keypool_free(struct kyso_keypool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		kyso_pkcs11_release(p->m[i].tok);
		EVP_PKEY_free(p->m[i].soft);
	}
	EVP_PKEY_free(p->pkey);
	(void)pthread_cond_destroy(&p->cv);
	(void)pthread_mutex_destroy(&p->mu);
	free(p);
}
