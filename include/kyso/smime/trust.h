/*
 * trust.h - what inbound verification trusts: anchors, intermediates, CRLs,
 * revocation settings and the certificate-kind OID lists.
 *
 * Loaded once per configuration snapshot (kyso_config_load calls
 * kyso_trust_load when VerifyInbound is on) and read-only afterwards, so
 * every worker thread may use it at once.
 */
#ifndef KYSO_TRUST_H
#define KYSO_TRUST_H

#include "kyso/err.h"

struct kyso_trust_spec {
	const char *anchor_file;       /* PEM file of trusted roots, or NULL */
	const char *anchor_dir;        /* OpenSSL hashed directory, or NULL */
	const char *intermediate_file; /* PEM intermediates, or NULL */
	const char *crl_file;          /* PEM or DER CRLs, or NULL */
	const char *cache_dir;        /* daemon-owned directory for fetched CRLs
	                                 (created 0700 on first use), or NULL */
	int revocation_check;         /* KYSO_REVCHECK_* bits; 0: none at all */
	int timeout;                  /* seconds per network fetch */
	int budget;                   /* seconds of network look-ups per message
	                                 (0: KYSO_REV_DEFAULT_BUDGET) */
	int softfail;                 /* unreachable revocation source: 1 soft
	                                 pass with a note, 0 temperror */
	int max_age;                  /* seconds an OCSP answer or CRL without
	                                 nextUpdate is current after its
	                                 thisUpdate (0:
	                                 KYSO_REV_DEFAULT_MAX_AGE) */
	const char *agency_oids;      /* comma list of policy OIDs, or NULL */
	const char *personal_oids;    /* comma list of policy OIDs, or NULL */
	const char *legacy_sha1_file; /* PEM anchors under which CA
	                                 signatures may use SHA-1, or NULL */
	const char *profile_dir;      /* trust profile directory (anchors.pem,
	                                 optional intermediates.pem and
	                                 legacy-sha1-anchors.pem), or NULL */
	const char *url_map;          /* RevocationURLMap file ("FROM TO" URL
	                                 prefixes), or NULL */
	const char *tsa_anchor_file;  /* PEM roots of trusted timestamp
	                                 authorities, or NULL: tokens are
	                                 not evaluated */
	int verify_cache_size;        /* entries of the verification cache
	                                 (chain verdicts, CRL signatures);
	                                 0: KYSO_VCACHE_DEFAULT */
	const char *scratch_dir;      /* where verification writes a large
	                                 scratch copy (the CRLF form of an
	                                 LF-only message), or NULL: $TMPDIR
	                                 or /tmp */
	size_t scratch_memory;        /* bytes a scratch copy may keep in
	                                 memory before it goes to a file;
	                                 0: KYSO_DEFAULT_SPOOL_MEMORY */
};

/* RevocationCheck: which sources are consulted. CRL: CRLFile, the CDP
 * (fetched, cached) and, under the rules of revocation.c, CRLs carried in
 * the message; OCSP: the leaf's AIA responder. NONE: nothing, and every
 * signer says so in its revocation_note. */
#define KYSO_REVCHECK_NONE 0
#define KYSO_REVCHECK_CRL  1
#define KYSO_REVCHECK_OCSP 2

struct kyso_trust;

/* Load every file the spec names; KYSO_E_CONFIG naming the file on error.
 * A spec with no anchors at all is valid (every signature is then untrusted).
 */
struct kyso_trust *kyso_trust_load(const struct kyso_trust_spec *spec,
    struct kyso_err *err);

void kyso_trust_free(struct kyso_trust *t);

#endif
