/*
 * pkcs11.h - private to smime/: RSA private keys that stay on a PKCS#11
 * token (RFC 7512 "pkcs11:" URIs), reached through the token's module
 * directly (dlopen), so kyso owns the session: it opens it again and finds
 * the key again when the token went away and came back, and it never
 * offers a PIN that the token already refused.
 */
#ifndef KYSO_PKCS11_H
#define KYSO_PKCS11_H

#include <stddef.h>

#include <openssl/evp.h>
#include "kyso/err.h"

struct kyso_pkcs11_key; /* one key on one token, with its own session */

/* 1 when `key_ref` names a token key ("pkcs11:..."). */
int kyso_pkcs11_is_uri(const char *key_ref);

/* Log in with pin (NULL: the URI's pin-value, or none) through module
 * (NULL: KYSO_DEFAULT_PKCS11_MODULE) and find the RSA private key `uri`.
 * A PIN the token refused is remembered (in memory, and as a keyed hash in
 * pin_state when not NULL) and never offered to that token again: the load
 * fails with KYSO_E_CONFIG saying so. An absent token is KYSO_E_CONFIG at
 * load. The public key is returned in *pub (caller frees). */
struct kyso_pkcs11_key *kyso_pkcs11_load(const char *uri, const char *module,
    const char *pin, const char *pin_state, EVP_PKEY **pub,
    struct kyso_err *err);

/* Raw RSA private operation on the token: PKCS#1 v1.5 (in = DigestInfo,
 * padding RSA_PKCS1_PADDING) or raw (RSA_NO_PADDING). Not thread-safe per
 * key (the caller serialises). A session or key handle the token no longer
 * knows (token removed and back, device reset) opens a new session, logs
 * in and finds the key again, at most KYSO_TOKEN_RETRIES times; each retry
 * is reported through the token logger. Returns the output length, or -1
 * with KYSO_E_TEMP. */
int kyso_pkcs11_rsa_private(struct kyso_pkcs11_key *k, const unsigned char *in,
    size_t inlen, unsigned char *out, size_t outlen, int padding,
    struct kyso_err *err);

/* The device the key is on: module, token label and serial (keys with
 * the same one share the token, which signs one thing at a time). */
const char *kyso_pkcs11_device(const struct kyso_pkcs11_key *k);

/* "token label/object label" for messages. */
const char *kyso_pkcs11_name(const struct kyso_pkcs11_key *k);

void kyso_pkcs11_release(struct kyso_pkcs11_key *k);

/* The token logger (kyso_token_set_logger in kyso/smime/signer.h). */
void kyso_token_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
