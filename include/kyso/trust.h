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
	const char *cache_dir;   /* where fetched CRLs may be cached, or NULL */
	int crl_fetch;           /* fetch CRLs from the CDP URL */
	int ocsp;                /* query the AIA OCSP responder */
	int timeout;             /* seconds per network fetch */
	int softfail;            /* unreachable revocation source: 1 soft
	                            pass with a note, 0 temperror */
	const char *agency_oids; /* comma list of policy OIDs, or NULL */
	const char *personal_oids; /* comma list of policy OIDs, or NULL */
};

struct kyso_trust;

/* Load every file the spec names; KYSO_E_CONFIG naming the file on error.
 * A spec with no anchors at all is valid (every signature is then untrusted).
 */
struct kyso_trust *kyso_trust_load(const struct kyso_trust_spec *spec,
    struct kyso_err *err);

void kyso_trust_free(struct kyso_trust *t);

#endif
