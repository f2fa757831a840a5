/*
 * verify_int.h - internal interfaces of the verification engine, shared by
 * smime/verify*.c, cert.c, revocation.c and cosign.c (which locates and
 * checks the existing signature before sealing); not a public contract.
 */
#ifndef KYSO_VERIFY_INT_H
#define KYSO_VERIFY_INT_H

#include <stddef.h>
#include <time.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "kyso/err.h"
#include "kyso/smime/verify.h"
#include "trust_int.h"

/* ---- cert.c: certificate facts (all strings g_malloc'd, caller frees) */

/* First e-mail address: SAN rfc822Name, else subject emailAddress; NULL if
 * the certificate has none. */
char *kyso_cert_email(X509 *x);
/* 1 when `addr` equals (ASCII case-insensitively) one of the certificate's
 * SAN rfc822Names, or, when it has none, a subject emailAddress. */
int kyso_cert_email_matches(X509 *x, const char *addr);
/* RFC 4514 string of a name; octets >= 0x80 and control bytes as \XX. */
char *kyso_cert_name_rfc4514(const X509_NAME *n);
/* UTF-8 value of the first attribute `nid` of a name, or NULL. */
char *kyso_cert_name_attr(const X509_NAME *n, int nid);
/* Upper-case hex serial, no separators. */
char *kyso_cert_serial_hex(X509 *x);
/* time_t of an ASN1_TIME (0 on error). */
time_t kyso_cert_time(const ASN1_TIME *t);
/* SHA-256 fingerprint of x, lower-case hex without separators. */
char *kyso_cert_fingerprint(X509 *x);
/* 1 when the subject has a givenName, surname or pseudonym attribute. */
int kyso_cert_names_person(X509 *x);
/* The subject as kyso_cert_name_text() writes it (RFC 4514, UTF-8). */
char *kyso_cert_subject_text(X509 *x);
/* Certificate kind from the trust's OID lists, else the default rule
 * (personal for a subject naming a person, else unknown). */
enum kyso_cert_kind kyso_cert_kind(const struct kyso_trust *t, X509 *x);

/* ---- revocation.c */

/* The network side of one message's revocation look-ups: its progress
 * callback, the monotonic deadline of its budget, and the attempts made. */
struct kyso_rev_session {
	const struct kyso_progress *progress; /* may be NULL */
	gint64 deadline;                      /* g_get_monotonic_time() */
	unsigned attempts;                    /* network fetches started */
	const char *skip; /* set: the message already failed (why); no
	                     revocation look-ups at all */
};

/* A session for one message under t's budget, starting now. */
void kyso_rev_session_init(struct kyso_rev_session *rs,
    const struct kyso_trust *t, const struct kyso_progress *progress);

/* Revocation status of chain[0] (and CRL status of the intermediates):
 * chain is leaf first, anchor last. `note` gets a short ASCII explanation
 * (g_malloc'd). Never fails: problems become KYSO_REV_UNAVAILABLE. The
 * sources must be current at now; `at` (0: none) is a proven signing
 * time: a revocation dated after it does not touch the signature (GOOD,
 * the note says so). */
enum kyso_revocation kyso_revocation_check(const struct kyso_trust *t,
    struct kyso_rev_session *rs, STACK_OF(X509) * chain,
    STACK_OF(X509_CRL) * cms_crls, time_t now, time_t at, char **note);

/* url rewritten by the first matching RevocationURLMap entry (a prefix
 * ending at a host or path boundary), or a copy of it. g_free. */
char *kyso_rev_map_url(const struct kyso_trust *t, const char *url);

/* ---- timestamp.c: RFC 3161 token of a SignerInfo (CAdES-T) */

/* Evaluate the id-aa-signatureTimeStampToken of s, if any, against t's
 * TSA anchors: token signature and TSA chain (EKU timeStamping), message
 * imprint over s's signature value, not far after the claimed signing
 * time (claimed, 0: none) and not in the future. On success fills
 * si->proven_time and si->tsa_name; a token that is there but fails sets
 * si->timestamp_note (why) and nothing else. */
void kyso_timestamp_check(const struct kyso_trust *t, CMS_SignerInfo *s,
    time_t claimed, time_t now, struct kyso_signer_info *si);

/* ---- verify_find.c: locate the signed entity in the raw bytes */

struct kyso_found {
	int found, whole, malformed, opaque, encrypted;
	int oom; /* a buffer sized by the input did not fit in memory */
	char *malformed_reason;
	char *part;          /* IMAP part spec */
	const char *content; /* detached: the signed bytes (inside raw) */
	size_t content_len;
	/* detached: the signature part as received, header block and body
	 * (inside raw); an unclosed multipart/signed is malformed */
	const char *sig_part;
	size_t sig_part_len;
	GByteArray *cms_der; /* the decoded CMS */
};

/* Walk the message in raw[0..len) and fill f. Never fails: structural
 * problems are reported as f->malformed. */
void kyso_verify_find(const char *raw, size_t len, struct kyso_found *f);
void kyso_verify_found_clear(struct kyso_found *f);
/* Why the MIME entity in p[0..len) may be read two ways (a structure
 * field twice in one of its header blocks, rawmime.h; nesting too deep),
 * naming the place ("duplicate Content-Type in part 1.2"), or NULL. g_free.
 * kyso_verify_find applies it to the whole message; verify.c to the
 * content inside an opaque SignedData. */
char *kyso_verify_ambiguity(const char *p, size_t len);
/* 1 when the entity in raw[0..len) contains an S/MIME signature anywhere. */
int kyso_verify_has_signature(const char *raw, size_t len);
/* Content-Type parsing helper shared with verify.c: 1 when the bytes are a
 * DER CMS SignedData. */
int kyso_verify_is_signed_data(const unsigned char *der, size_t len);

/* ---- verify.c */

/* Digest `content` (NULL: the embedded eContent) for the first n signers
 * of cms (sis); ok[i] says whether signer i's messageDigest (or, without
 * signed attributes, its signature) matches. Returns how many match. Also
 * cosign.c's check of the exact bytes it will seal. */
int kyso_verify_digest_signers(CMS_ContentInfo *cms, const char *content,
    size_t len, STACK_OF(CMS_SignerInfo) * sis, int n, int *ok);

/* ---- verify_signer.c: facts about one SignerInfo */

/* Fill si for signer `s` (certificate `signer`, may be NULL) of cms.
 * content_ok says whether its messageDigest (or, without signed attributes,
 * its signature) matched the content, as computed by verify.c. */
void kyso_verify_signer(const struct kyso_trust *t, struct kyso_rev_session *rs,
    CMS_SignerInfo *s, X509 *signer, int content_ok, STACK_OF(X509) * cms_certs,
    STACK_OF(X509_CRL) * cms_crls, const char *from_addr, time_t now,
    struct kyso_signer_info *si);

#endif
