/*
 * keypool.h - private to smime/: the private keys of one certificate id
 * (one or more tokens, optionally a key file) behind one EVP_PKEY.
 *
 * OpenSSL sees a single RSA key whose private operation picks a free
 * member, round robin, waiting at most wait_ms for one and refusing at
 * once when queue_limit operations already wait (a burst on one agency's
 * token must not hold the milter's workers without bound). Each member
 * does one operation at a time (token sessions are not thread-safe).
 */
#ifndef KYSO_KEYPOOL_H
#define KYSO_KEYPOOL_H

#include <openssl/evp.h>
#include "kyso/err.h"
#include "pkcs11.h"

struct kyso_keypool;

/* A pool whose operations wait at most wait_ms (0: not at all) and at
 * most queue_limit at a time. */
struct kyso_keypool *kyso_keypool_new(const char *name, unsigned wait_ms,
    unsigned queue_limit);

/* Add a member; the pool owns it from now on (also on failure). pub is
 * the member's public key (a token key's, or the software key itself,
 * which must be RSA) and must equal the pool's first member's. */
int kyso_keypool_add_token(struct kyso_keypool *p, struct kyso_pkcs11_key *k,
    EVP_PKEY *pub, struct kyso_err *err);
int kyso_keypool_add_soft(struct kyso_keypool *p, EVP_PKEY *key,
    struct kyso_err *err);

/* Move src's members into dst (same public key), free src. */
int kyso_keypool_join(struct kyso_keypool *dst, struct kyso_keypool *src,
    struct kyso_err *err);

/* The dispatching key (borrowed; valid as long as the pool). */
EVP_PKEY *kyso_keypool_pkey(const struct kyso_keypool *p);

size_t kyso_keypool_size(const struct kyso_keypool *p);
int kyso_keypool_has_token(const struct kyso_keypool *p);
/* Private operations member i has done. */
unsigned long kyso_keypool_uses(struct kyso_keypool *p, size_t i);

/* The calling thread's last pool failure (waiting, queue full, token
 * error), copied into err and cleared; 0 when there was none. */
int kyso_keypool_last_error(struct kyso_err *err);

void kyso_keypool_free(struct kyso_keypool *p);

#endif
