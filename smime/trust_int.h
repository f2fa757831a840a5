/*
 * trust_int.h - inside of struct kyso_trust, shared by the smime/ files of
 * the verification engine (trust.c, verify*.c, cert.c, revocation.c) only.
 *
 * Everything is read-only after kyso_trust_load() except the revocation
 * and verification caches, each guarded by its own mutex.
 */
#ifndef KYSO_TRUST_INT_H
#define KYSO_TRUST_INT_H

#include <glib.h>
#include <openssl/x509.h>

#include "kyso/smime/trust.h"

struct kyso_rev_cache; /* revocation.c */
struct kyso_vcache;    /* vcache.c */

struct kyso_trust {
	X509_STORE *store;              /* anchors only */
	STACK_OF(X509) * intermediates; /* configured intermediates */
	STACK_OF(X509_CRL) * crls;      /* configured CRLs */
	GByteArray *crl_sha; /* SHA-256 of each of crls, in order (vcache) */
	char *cache_dir;     /* fetched-CRL cache, or NULL */
	int check;           /* KYSO_REVCHECK_* bits */
	int timeout, budget, softfail;
	int max_age; /* seconds: an answer without nextUpdate (never 0) */
	GPtrArray *agency_oids;   /* char * dotted OIDs */
	GPtrArray *personal_oids; /* char * dotted OIDs */
	struct kyso_rev_cache *cache;
	/* anchors (also in store) whose chains may carry SHA-1 CA
	 * signatures until the anchor's own notAfter (the VGCA G1 root) */
	STACK_OF(X509) * legacy_sha1;
	GPtrArray *url_map;    /* RevocationURLMap: from, to, from, to, ... */
	X509_STORE *tsa_store; /* TimestampTrustAnchors, or NULL */
	/* chain verdicts and CRL signature checks (vcache.h); born empty
	 * with the trust, so a reload (a new snapshot, a new trust) starts
	 * with an empty cache: that is its invalidation */
	struct kyso_vcache *vcache;
	char *scratch_dir;     /* NULL: $TMPDIR or /tmp (kyso_spool_new) */
	size_t scratch_memory; /* never 0 after kyso_trust_load */
};

/* revocation.c: the cache owned by a trust object. */
struct kyso_rev_cache *kyso_revocation_cache_new(void);
void kyso_revocation_cache_free(struct kyso_rev_cache *c);

/* cachedir.c: 0 when path is a directory we may keep a cache in: not a
 * symlink, a directory, owned by the effective user (or, when loading as
 * root before the switch to UserID, by anyone: checked again at use), not
 * group- or world-writable. create: make it 0700 when it is missing.
 * -1 with err (KYSO_E_CONFIG naming path and the reason) otherwise. */
int kyso_cachedir_check(const char *path, int create, struct kyso_err *err);

#endif
