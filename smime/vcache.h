/*
 * vcache.h - the verification cache of a trust object (vcache.c): chain
 * verdicts, CRL signature checks, decoded certificates and their facts,
 * so the 2nd..nth message of a signer does not redo what the 1st proved.
 * Internal to smime/ (verify_signer.c, revocation.c, trust.c).
 *
 * One cache belongs to one struct kyso_trust, which belongs to one
 * configuration snapshot: a reload loads a new trust with a new, empty
 * cache, and that is the only invalidation there is for what does not
 * expire by itself (anchors, intermediates, CRLFile, anchor directory).
 *
 * Keys are SHA-256 digests of everything the cached result depends on
 * (certificate and CRL DER, never names or serial numbers: a certificate
 * with the same issuer and serial but another key or signature is another
 * key). Every entry holds only inside its window [from, until]; outside it
 * the lookup misses and the caller computes again. Bounded (max entries);
 * when full, expired entries go, then half of the rest. One mutex per
 * cache; every call is thread-safe.
 */
#ifndef KYSO_VCACHE_H
#define KYSO_VCACHE_H

#include <time.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "kyso/smime/verify.h"

#define KYSO_VCACHE_KEY 32 /* SHA-256 */

struct kyso_vcache;

/* A cached chain verdict: a verified chain (leaf first, anchor last; its
 * own references) or an error text, and whether it holds only under a
 * legacy SHA-1 anchor. */
struct kyso_chain_verdict {
	STACK_OF(X509) * chain; /* NULL: not trusted, see error */
	char *error;            /* g_malloc'd, when chain == NULL */
	int legacy_sha1;
};

/* A cache of at most max entries (0: KYSO_VCACHE_DEFAULT). */
struct kyso_vcache *kyso_vcache_new(unsigned max);
void kyso_vcache_free(struct kyso_vcache *c);

/* Entries held now, and lookups answered / not answered since new. */
unsigned kyso_vcache_size(struct kyso_vcache *c);
void kyso_vcache_stats(struct kyso_vcache *c, unsigned long *hits,
    unsigned long *misses);

/* The key of a chain verdict: purpose, the signer's DER and the DER of
 * every untrusted certificate offered (in order). 0 on failure. */
int kyso_vcache_chain_key(struct kyso_vcache *c, const char *purpose,
    X509 *signer, STACK_OF(X509) * offered, unsigned char key[KYSO_VCACHE_KEY]);

/* 1 and a copy of the verdict (its own references: clear it) when key is
 * cached and now is in its window; 0 otherwise. */
int kyso_vcache_chain_get(struct kyso_vcache *c,
    const unsigned char key[KYSO_VCACHE_KEY], time_t now,
    struct kyso_chain_verdict *out);
/* Remember v (copied) for key, holding from..until. */
void kyso_vcache_chain_put(struct kyso_vcache *c,
    const unsigned char key[KYSO_VCACHE_KEY],
    const struct kyso_chain_verdict *v, time_t from, time_t until, time_t now);
void kyso_chain_verdict_clear(struct kyso_chain_verdict *v);

/* X509_CRL_verify(crl, issuer's key) > 0, remembered per (CRL DER, issuer
 * certificate DER) pair: a signature is checked once per CRL and issuer.
 * crl_sha: the SHA-256 of crl's DER when the caller has it, else NULL.
 * A result is kept until the CRL's nextUpdate (a day when it has none). */
int kyso_vcache_crl_verified(struct kyso_vcache *c, X509_CRL *crl,
    const unsigned char *crl_sha, X509 *issuer, time_t now);
/* SHA-256 of crl's DER into out (for crl_sha above: a CRL kept for many
 * messages is hashed once). 0 on failure. */
int kyso_vcache_crl_digest(struct kyso_vcache *c, X509_CRL *crl,
    unsigned char out[KYSO_VCACHE_KEY]);
/* Keep x's SHA-256 with it (the chain keys then need not hash it again).
 * Only for a certificate no other thread can see yet (loading). */
void kyso_vcache_memo_cert(struct kyso_vcache *c, X509 *x);
/* kyso_cert_fingerprint(x) (SHA-256, lower-case hex), from the memo when
 * x has one. g_free. */
char *kyso_vcache_fingerprint(X509 *x);

/* d2i_CMS_ContentInfo(der, len) with the certificates of the SignedData
 * taken from c: each certificate is decoded once per DER (SHA-256) and
 * shared after (OpenSSL 3 spends most of a small message's decoding on
 * the certificates' public keys). Certificates are added in their order;
 * a definite-length SignedData whose certificates are plain X.509 only,
 * anything else (BER, other CertificateChoices, what does not decode) is
 * left to d2i_CMS_ContentInfo on der as it is. NULL when that fails. */
CMS_ContentInfo *kyso_vcache_d2i_cms(struct kyso_vcache *c,
    const unsigned char *der, size_t len, time_t now);

/* The facts cert_facts (verify_signer.c) records of certificate x, every
 * one but email_matches (it depends on the message), copied into si when
 * cached: only for a certificate with a memo (decoded through the cache or
 * loaded with the trust), keyed by its SHA-256. 1 on a hit. */
int kyso_vcache_facts_get(struct kyso_vcache *c, X509 *x, time_t now,
    struct kyso_signer_info *si);
void kyso_vcache_facts_put(struct kyso_vcache *c, X509 *x,
    const struct kyso_signer_info *si, time_t now);

#endif
