/*
 * trust_int.h - inside of struct kyso_trust, shared by the smime/ files of
 * the verification engine (trust.c, verify*.c, cert.c, revocation.c) only.
 *
 * Everything is read-only after kyso_trust_load() except the revocation
 * caches, which are guarded by their own mutex.
 */
#ifndef KYSO_TRUST_INT_H
#define KYSO_TRUST_INT_H

#include <glib.h>
#include <openssl/x509.h>

#include "kyso/trust.h"

struct kyso_rev_cache; /* revocation.c */

struct kyso_trust {
	X509_STORE *store;	       /* anchors only */
	STACK_OF(X509) *intermediates; /* configured intermediates */
	STACK_OF(X509_CRL) *crls;      /* configured CRLs */
	char *cache_dir;	       /* fetched-CRL cache, or NULL */
	int crl_fetch, ocsp, timeout, softfail;
	GPtrArray *agency_oids;	  /* char * dotted OIDs */
	GPtrArray *personal_oids; /* char * dotted OIDs */
	struct kyso_rev_cache *cache;
};

/* revocation.c: the cache owned by a trust object. */
struct kyso_rev_cache *kyso_revocation_cache_new(void);
void kyso_revocation_cache_free(struct kyso_rev_cache *c);

#endif
