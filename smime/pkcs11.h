/*
 * pkcs11.h - private to smime/: private keys that stay on a PKCS#11 token
 * (RFC 7512 "pkcs11:" URIs), reached through libp11's OpenSSL engine.
 */
#ifndef KYSO_PKCS11_H
#define KYSO_PKCS11_H

#include <openssl/evp.h>
#include "kyso/err.h"

struct kyso_pkcs11_key {
	EVP_PKEY *key; /* operations run on the token */
	void *engine;  /* ENGINE functional reference held for the key */
};

/* 1 when `key_ref` names a token key ("pkcs11:..."). */
int kyso_pkcs11_is_uri(const char *key_ref);

/* Log in with pin (NULL: none or in the URI) through module (NULL: the
 * engine's default) and find the private key `uri`. A wrong PIN is a
 * KYSO_E_CONFIG error and is never retried (tokens lock after a few). */
int kyso_pkcs11_load(const char *uri, const char *module, const char *pin,
    struct kyso_pkcs11_key *out, struct kyso_err *err);

void kyso_pkcs11_release(struct kyso_pkcs11_key *k);

#endif
