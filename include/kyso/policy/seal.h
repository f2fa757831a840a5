/*
 * seal.h - the SealTable (policy/seal.c): which senders a certificate may
 * sign or seal for, by SHA-256 fingerprint. The rule that uses it to bind a
 * signer to the From address is kyso_seal_binding() (verdict.h).
 */
#ifndef KYSO_SEAL_H
#define KYSO_SEAL_H

#include "kyso/err.h"
#include "kyso/smime/verify.h"

/* How a signer is tied to the From address, strongest first. */
enum kyso_binding {
	KYSO_BOUND_NONE = 0,  /* nothing ties it to this sender */
	KYSO_BOUND_EMAIL,     /* its certificate's e-mail is the From */
	KYSO_BOUND_SEALTABLE, /* SealTable lists it for the From */
	KYSO_BOUND_CERTTABLE, /* our CertificateTable signs this From with it */
};

struct kyso_sealtable;

/* Parse a SealTable file; NULL with "file:line: problem" (KYSO_E_CONFIG). */
struct kyso_sealtable *kyso_seal_load(const char *path, struct kyso_err *err);
void kyso_seal_free(struct kyso_sealtable *t);
size_t kyso_seal_count(const struct kyso_sealtable *t);

/* The SealTable alone: KYSO_BOUND_SEALTABLE when an entry for fingerprint
 * fp (lower-case hex) has a pattern matching from (lower case). *listed
 * says whether fp has an entry at all; *kind then gets its first entry's
 * kind (untouched otherwise). */
enum kyso_binding kyso_seal_table_binding(const struct kyso_sealtable *t,
    const char *fp, const char *from, enum kyso_cert_kind *kind, int *listed);

/* The KindTable (policy/kind.c): "KIND ISSUER MATCH" rules giving the
 * kind of a certificate by its verified issuer (SHA-256 of the issuing CA
 * certificate) and its subject, for certificates without policy OIDs. */
struct kyso_kindtable;

/* Parse a KindTable file; NULL with "file:line: problem" (KYSO_E_CONFIG). */
struct kyso_kindtable *kyso_kind_load(const char *path, struct kyso_err *err);
void kyso_kind_free(struct kyso_kindtable *t);
size_t kyso_kind_count(const struct kyso_kindtable *t);

/* 1 with *kind set when a rule matches si (only a signer whose chain
 * verified: si->chain_ok and si->issuer_fingerprint); 0 otherwise. */
int kyso_kind_lookup(const struct kyso_kindtable *t,
    const struct kyso_signer_info *si, enum kyso_cert_kind *kind);

#endif
