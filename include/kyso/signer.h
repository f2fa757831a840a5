/*
 * signer.h - a signing identity: certificate, private key, chain, digest.
 *
 * Keys come from PEM files today; a pkcs11: URI backend fits behind the same
 * struct (the key is an EVP_PKEY either way). A loaded signer is immutable
 * and may be shared by threads.
 */
#ifndef KYSO_SIGNER_H
#define KYSO_SIGNER_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "kyso/err.h"

struct kyso_signer;

struct kyso_signer_spec {
	const char *cert_file;  /* PEM leaf certificate (required) */
	const char *key_file;   /* PEM private key (required) */
	const char *chain_file; /* PEM intermediates to include, or NULL */
	const char
	    *passphrase_file; /* file holding the key passphrase, or NULL */
	const char *digest;   /* "sha256" (default), "sha384", "sha512" */
};

/* Load and check a signer: the key must match the certificate, the key file
 * must not be readable by group or others (KYSO_E_CONFIG otherwise, as
 * OpenSSH refuses such keys). */
struct kyso_signer *kyso_signer_load(const struct kyso_signer_spec *spec,
    struct kyso_err *err);

void kyso_signer_free(struct kyso_signer *s);

/* Borrowed pointers, valid as long as the signer. */
X509 *kyso_signer_cert(const struct kyso_signer *s);
EVP_PKEY *kyso_signer_key(const struct kyso_signer *s);
STACK_OF(X509) * kyso_signer_chain(const struct kyso_signer *s);
const EVP_MD *kyso_signer_md(const struct kyso_signer *s);

/* RFC 8551 3.5.3.2 micalg name of the signer's digest ("sha-256"). */
const char *kyso_signer_micalg(const struct kyso_signer *s);

/* Certificate validity (for expiry warnings and refusal); 0 if unreadable. */
time_t kyso_signer_not_before(const struct kyso_signer *s);
time_t kyso_signer_not_after(const struct kyso_signer *s);

/* 0 when the certificate is valid at `now`; else -1 with KYSO_E_CONFIG
 * saying "expired on ..." or "not valid before ..." (a signature by it
 * would not be valid, so nothing must be signed with it). */
int kyso_signer_check_time(const struct kyso_signer *s, time_t now,
    struct kyso_err *err);

#endif
