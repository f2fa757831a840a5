/*
 * keypool.c - one certificate id's private keys (tokens and key files)
 * behind one RSA EVP_PKEY whose private operation is dispatched here.
 *
 * OpenSSL 3 runs an RSA key with a method of its own through the legacy
 * code path (a "foreign" key), so CMS signing calls rsa_priv_enc below
 * with the PKCS#1 DigestInfo: this picks a member whose device (token) is
 * free, waits for one at most wait_ms, refuses at once past queue_limit
 * waiters, and on a member's failure tries the other free members before
 * giving up. A token is one device however many keys and certificate ids
 * use it (it signs one thing at a time): keys of two ids on one token
 * queue for it together. Failures are
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

/* One device: a token (several keys, even of several certificate ids,
 * may sit on it, and it does one operation at a time) or a key file. */
struct device {
	char *id; /* module, token label, serial; NULL: a key file */
	int busy;
	unsigned refs;
	struct device *next;
};

struct member {
	struct kyso_pkcs11_key *tok; /* or */
	EVP_PKEY *soft;
	struct device *dev;
	unsigned long uses;
};

struct kyso_keypool {
	char name[80];
	EVP_PKEY *pkey; /* RSA with pool_method, ex_data -> this pool */
	struct member m[KYSO_MAX_POOL_KEYS];
	size_t n, next;
	unsigned wait_ms, queue_limit, waiting;
};

/* Every pool waits for devices under one lock: a device freed by one
 * certificate id's signature may serve another id's waiter. */
static pthread_mutex_t sched_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv;
static struct device *devices;

/* A signature waiting for a device, in a queue in arrival order: a freed
 * device goes to the oldest waiter it can serve, not to whichever thread
 * wakes first or arrives next (with the MTA sending messages back to back,
 * a session that had just signed took the token again and others waited
 * past TokenWaitLimit: bench/run.sh token section, four agencies on one
 * token). */
struct waiter {
	struct kyso_keypool *p;
	const char *tried;
	int got; /* the member taken for it, or -1 */
	struct waiter *next;
};
static struct waiter *queue_head, **queue_tail = &queue_head;

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

static void
sched_init(void)
{
	pthread_condattr_t ca;

	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&sched_cv, &ca);
	(void)pthread_condattr_destroy(&ca);
}

/* The device named id (a new one for a key file: id NULL). */
static struct device *
device_get(const char *id)
{
	struct device *d;

	(void)pthread_mutex_lock(&sched_mu);
	for (d = devices; id != NULL && d != NULL; d = d->next)
		if (d->id != NULL && strcmp(d->id, id) == 0)
			break;
	if (d == NULL) {
		d = kyso_xcalloc(1, sizeof(*d));
		d->id = id != NULL ? kyso_xstrdup(id) : NULL;
		d->next = devices;
		devices = d;
	}
	d->refs++;
	(void)pthread_mutex_unlock(&sched_mu);
	return d;
}

static void
device_put(struct device *d)
{
	struct device **pp;

	if (d == NULL)
		return;
	(void)pthread_mutex_lock(&sched_mu);
	if (--d->refs == 0) {
		for (pp = &devices; *pp != NULL; pp = &(*pp)->next)
			if (*pp == d) {
				*pp = d->next;
				break;
			}
		free(d->id);
		free(d);
	}
	(void)pthread_mutex_unlock(&sched_mu);
}

struct kyso_keypool *
kyso_keypool_new(const char *name, unsigned wait_ms, unsigned queue_limit)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct kyso_keypool *p = kyso_xcalloc(1, sizeof(*p));

	(void)pthread_once(&once, sched_init);
	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	p->wait_ms = wait_ms;
	p->queue_limit = queue_limit;
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

	if (rc == 0) {
		p->m[p->n].dev = device_get(kyso_pkcs11_device(k));
		p->m[p->n++].tok = k;
	} else {
		kyso_pkcs11_release(k);
	}
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
	p->m[p->n].dev = device_get(NULL);
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
	(void)pthread_mutex_lock(&sched_mu);
	for (i = 0; i < src->n; i++)
		dst->m[dst->n++] = src->m[i];
	src->n = 0;
	(void)pthread_mutex_unlock(&sched_mu);
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

	(void)pthread_mutex_lock(&sched_mu);
	u = i < p->n ? p->m[i].uses : 0;
	(void)pthread_mutex_unlock(&sched_mu);
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
		if (!p->m[j].dev->busy && !tried[j])
			return (int)j;
	}
	return -1;
}

/* Member j of p is in use now (sched_mu held). */
static void
take(struct kyso_keypool *p, int j)
{
	p->m[j].dev->busy = 1;
	p->m[j].uses++;
	p->next = (size_t)j + 1;
}

/* Serve the queue in arrival order: each waiter a free member can serve
 * takes it and leaves the queue (sched_mu held). */
static void
dispatch(void)
{
	struct waiter **w = &queue_head, *x;
	int j;

	while ((x = *w) != NULL) {
		if ((j = free_member(x->p, x->tried)) >= 0) {
			take(x->p, j);
			x->got = j;
			*w = x->next;
			if (*w == NULL)
				queue_tail = w;
		} else {
			w = &x->next;
		}
	}
}

/* Take `me` out of the queue if it is still there (sched_mu held). */
static void
leave_queue(struct waiter *me)
{
	struct waiter **w;

	for (w = &queue_head; *w != NULL; w = &(*w)->next)
		if (*w == me) {
			*w = me->next;
			if (*w == NULL)
				queue_tail = w;
			return;
		}
}

/* Wait (bounded) for a free member and take it; -1 with last_err. A first
 * attempt queues behind the signatures already waiting; a retry after a
 * member's failure (first 0) takes only a member free now. */
static int
acquire(struct kyso_keypool *p, const char *tried, int first)
{
	struct waiter me = {p, tried, -1, NULL};
	struct timespec until;
	int j = -1, rc = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->wait_ms / 1000;
	until.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_mutex_lock(&sched_mu);
	if ((queue_head == NULL || !first) &&
	    (j = free_member(p, tried)) >= 0) {
		take(p, j);
		goto out;
	}
	if (!first)
		goto out;
	if (p->waiting >= p->queue_limit) {
		kyso_err_set(&last_err, KYSO_E_TEMP,
		    "%s: %u signatures already wait for its key "
		    "(TokenQueueLimit); try later",
		    p->name, p->waiting);
		goto out;
	}
	p->waiting++;
	*queue_tail = &me;
	queue_tail = &me.next;
	dispatch(); /* a device may be free for us, behind older waiters */
	if (me.got < 0)
		kyso_token_log(LOG_DEBUG,
		    "%s: waiting for a free key (%u waiting)", p->name,
		    p->waiting);
	while (me.got < 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&sched_cv, &sched_mu, &until);
	if (me.got < 0)
		leave_queue(&me);
	p->waiting--;
	j = me.got;
	if (j < 0)
		kyso_err_set(&last_err, KYSO_E_TEMP,
		    "%s: waited %u ms for its key (TokenWaitLimit); "
		    "try later",
		    p->name, p->wait_ms);
out:
	(void)pthread_mutex_unlock(&sched_mu);
	return j;
}

/* Free member j's device and hand it to the oldest waiter it can serve;
 * every waiter looks (one of them may have been served). */
static void
release(struct kyso_keypool *p, int j)
{
	(void)pthread_mutex_lock(&sched_mu);
	p->m[j].dev->busy = 0;
	dispatch();
	(void)pthread_cond_broadcast(&sched_cv);
	(void)pthread_mutex_unlock(&sched_mu);
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
		device_put(p->m[i].dev);
	}
	EVP_PKEY_free(p->pkey);
	free(p);
}
