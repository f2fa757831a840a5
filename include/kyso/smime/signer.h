/*
 * signer.h - a signing identity: certificate, private key, chain, digest.
 *
 * Keys come from PEM files today; a pkcs11: URI backend fits behind the same
 * struct (the key is an EVP_PKEY either way). A loaded signer is immutable
 * and may be shared by threads.
 */
#ifndef KYSO_SIGNER_H
#define KYSO_SIGNER_H

#include <stdarg.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/cms.h>
#include <openssl/x509.h>
#include <time.h>

#include "kyso/err.h"
#include "kyso/limits.h"

struct kyso_signer;

struct kyso_signer_spec {
	/* PEM leaf certificate (required) */
	const char *cert_file;
	/* PEM private key file, or an RFC 7512 "pkcs11:" URI (required) */
	const char *key_file;
	/* PEM intermediates to include, or NULL */
	const char *chain_file;
	/* file holding the key file's passphrase, or NULL */
	const char *passphrase_file;
	/* "sha256" (default), "sha384", "sha512" */
	const char *digest;
	/* token PIN file (mode 600), or NULL */
	const char *pin_file;
	/* PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so), or NULL */
	const char *pkcs11_module;
	/* load the certificate and chain only, never the key nor a PIN or
	 * passphrase (kyso-report --check): kyso_signer_key() is NULL */
	int cert_only;
	/* file of the keyed hashes of PINs tokens refused, or NULL: this
	 * process only (a refused PIN is never offered again) */
	const char *pin_state_file;
	/* a signature waits at most token_wait_ms for a free key of a
	 * token or pool, and at most token_queue_limit signatures wait
	 * (0: KYSO_DEFAULT_TOKEN_WAIT_MS, KYSO_DEFAULT_TOKEN_QUEUE); else
	 * KYSO_E_TEMP */
	unsigned token_wait_ms;
	unsigned token_queue_limit;
	/* name in messages (the certificate id), or NULL: the cert file's */
	const char *name;
};

/* Load and check a signer: the key must match the certificate, the key file
 * (or PIN file) must not be readable by group or others (KYSO_E_CONFIG
 * otherwise, as OpenSSH refuses such keys). A token key logs in once, here;
 * a wrong PIN fails the load and is not retried. */
struct kyso_signer *kyso_signer_load(const struct kyso_signer_spec *spec,
    struct kyso_err *err);

/* Signers are reference counted: a reload keeps an unchanged signer (its
 * key and token session) in the new snapshot. kyso_signer_free() drops one
 * reference; the last frees. */
struct kyso_signer *kyso_signer_ref(struct kyso_signer *s);
void kyso_signer_free(struct kyso_signer *s);

/* SHA-256 fingerprint of the signer's certificate, lower-case hex. */
const char *kyso_signer_fingerprint(const struct kyso_signer *s);

/* Borrowed pointers, valid as long as the signer. */
X509 *kyso_signer_cert(const struct kyso_signer *s);
EVP_PKEY *kyso_signer_key(const struct kyso_signer *s);
STACK_OF(X509) * kyso_signer_chain(const struct kyso_signer *s);
const EVP_MD *kyso_signer_md(const struct kyso_signer *s);

/* Add to si the signed attributes that are the same in every signature of
 * s (ESS signingCertificateV2, SMIMECapabilities), built once at load:
 * sign si with CMS_NOSMIMECAP and without CMS_CADES. */
int kyso_signer_add_attrs(const struct kyso_signer *s, CMS_SignerInfo *si,
    struct kyso_err *err);

/* Certificate facts as the journal and the report spell them, into buf
 * (len bytes, always NUL-terminated, cut when longer): the serial in
 * upper-case hex, a name in RFC 4514 order and escapes with UTF-8 kept
 * (no \XX for non-ASCII). */
void kyso_cert_serial_text(X509 *x, char *buf, size_t len);
void kyso_cert_name_text(const X509_NAME *n, char *buf, size_t len);

/* Token keys take one operation at a time (sessions are not thread-safe,
 * P27): the key's private operation itself waits, bounded, for a free
 * member of the signer's pool. A failed private operation (token busy
 * past the wait limit, queue full, token gone) leaves its reason for
 * kyso_signer_op_error() in the calling thread: 1 and err filled (class
 * KYSO_E_TEMP), 0 when there is none. */
int kyso_signer_on_token(const struct kyso_signer *s);
int kyso_signer_op_error(const struct kyso_signer *s, struct kyso_err *err);

/* Pools: more keys for one certificate (copies of its key on several
 * tokens, or a token and the key file). Moves src's keys into dst's pool
 * and frees src (also on failure). The certificates (so the keys) must be
 * the same; dst keeps its wait and queue limits. */
int kyso_signer_join(struct kyso_signer *dst, struct kyso_signer *src,
    struct kyso_err *err);
size_t kyso_signer_pool_size(const struct kyso_signer *s);
/* Private operations the pool's key i did. */
unsigned long kyso_signer_pool_uses(const struct kyso_signer *s, size_t i);

/* Tokens: where smime/ reports what happens on a token outside any
 * message (a retry that found the key again, a refused PIN); syslog
 * priorities. NULL: silent. */
void kyso_token_set_logger(void (*fn)(int prio, const char *fmt, va_list ap));

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

/* certcheck.c: is a signing certificate fit to sign S/MIME mail? Each
 * returns 0, or -1 with KYSO_E_CONFIG and the reason.
 * usage: key usage, when present, has digitalSignature or nonRepudiation;
 * extended key usage, when present, has emailProtection (RFC 8550).
 * strength: RSA at least KYSO_MIN_RSA_BITS, EC at least KYSO_MIN_EC_BITS,
 * no DSA. (Whether it chains to the anchors: kyso_verify_cert_chain, the
 * inbound verdict's rule.) */
int kyso_cert_check_usage(X509 *x, struct kyso_err *err);
int kyso_cert_check_strength(X509 *x, struct kyso_err *err);

#endif
