/*
 * verify.h - verify the S/MIME signatures of one message, one result per
 * signer, never a single yes/no (CMS_verify is all-or-nothing; RFC 5652
 * allows parallel signers, and "signed and sealed" mail has two).
 *
 * smime/ reports facts; policy/inbound.c turns them into the smime= result
 * and the headers. A bad signature is a result; an error means "could not
 * evaluate" (KYSO_E_TEMP, e.g. revocation source unreachable under hard
 * fail, or KYSO_E_INTERNAL).
 */
#ifndef KYSO_VERIFY_H
#define KYSO_VERIFY_H

#include <time.h>

#include <openssl/x509.h>
#include <gmime/gmime.h>
#include "kyso/err.h"
#include "kyso/smime/trust.h"

enum kyso_cert_kind {
	KYSO_KIND_UNKNOWN = 0,
	KYSO_KIND_AGENCY, /* seal of an agency (con dấu) */
	KYSO_KIND_PERSONAL, /* an official's own signature (chữ ký cá nhân) */
};

enum kyso_revocation {
	KYSO_REV_NOT_CHECKED = 0, /* no CRL/OCSP source configured or found */
	KYSO_REV_GOOD,
	KYSO_REV_REVOKED,
	KYSO_REV_UNAVAILABLE, /* source configured but unreachable/unusable */
};

/* Facts about one SignerInfo. Strings are owned by the result (g_free). */
struct kyso_signer_info {
	int signature_ok;      /* digest and signature over attributes valid */
	char *signature_error; /* why not, when !signature_ok */
	int cert_missing;      /* signer certificate not in the message */
	int ess_mismatch;      /* ESS signingCertificate(V2) names another
	                          certificate (RFC 5035): a failure */
	int chain_ok;          /* chains to a configured anchor, purpose ok */
	char *chain_error;     /* X509 verify error text when !chain_ok */
	int legacy_sha1;       /* the chain holds only because SHA-1 CA
	                          signatures are allowed under its legacy
	                          anchor (LegacySHA1Anchors, TrustProfile) */
	char *issuer_fingerprint; /* SHA-256 of the issuing CA certificate
	                             in the verified chain (lower-case hex),
	                             NULL when !chain_ok */
	int valid_now;            /* certificate validity covers `now` */
	int valid_at_signing;     /* covers signingTime (when present) */
	int ku_ok;                /* keyUsage digitalSignature/nonRepudiation */
	int eku_ok; /* no EKU, or emailProtection/anyEKU present */
	int weak;   /* MD5/SHA-1 digest or RSA < 2048 */
	char *weak_reason;
	enum kyso_revocation revocation;
	char *revocation_note;    /* "OCSP good", "CRL revoked 2026-..", ... */
	enum kyso_cert_kind kind; /* from the configured policy OIDs, else
	                             personal for a person's name, else
	                             unknown: never a guessed agency */
	char *fingerprint;    /* SHA-256 of the certificate, lower-case hex */
	char *email;          /* SAN rfc822Name, else subject emailAddress */
	int email_matches;    /* email equals the From address given */
	char *subject_cn;     /* UTF-8 common name (may contain anything) */
	char *subject;        /* RFC 4514 subject, non-ASCII octets as \XX */
	char *subject_utf8;   /* RFC 4514 subject in UTF-8 (KindTable) */
	int subject_person;   /* subject has givenName, surname or pseudonym */
	char *issuer_rfc4514; /* RFC 4514 issuer, non-ASCII octets as \XX */
	char *issuer_text;    /* the same issuer with UTF-8 kept (journal) */
	char *issuer_cn;      /* UTF-8 issuer common name */
	char *serial_hex;     /* upper-case hex, no separators */
	char *digest;         /* "sha-256", ... */
	time_t signing_time;  /* 0 when absent */
	time_t proven_time;   /* RFC 3161 token time, verified; 0: none.
	                         valid_now and revocation are then judged
	                         at this time */
	char *tsa_name;       /* UTF-8 CN of the TSA, when proven_time */
	char *timestamp_note; /* a token is present but proves nothing:
	                         why (ASCII); else NULL */
	time_t not_before, not_after;
};

/* Where in the message the signature sits and what it covers. */
struct kyso_verify_result {
	int found;     /* an S/MIME signature was found at all */
	int whole;     /* it covers the whole message body */
	int malformed; /* structure or CMS could not be parsed */
	char *malformed_reason;
	int econtent_mismatch; /* detached part plus different eContent */
	char *part;    /* IMAP part spec: "TEXT" for whole body, "1", "2.1" */
	int opaque;    /* application/pkcs7-mime signed-data */
	int encrypted; /* top level is encrypted (nothing to verify) */
	int nested;    /* further signatures inside the signed content */
	size_t nsigners;
	struct kyso_signer_info *signers;
	/* RFC 9788: the hp= parameter of the signed part's Content-Type
	 * (a detached or opaque signature over the whole message), or NULL;
	 * and
	 * the fields of kyso_protected_fields its header holds, every
	 * instance in order, values unfolded as written (encoded words
	 * not decoded). Only a caller that sees hp may call them
	 * protected; the signature covers them either way. */
	char *hp;
	size_t ninner;
	struct kyso_inner_field {
		char *name; /* as kyso_protected_fields spells it */
		char *value;
	} * inner;
};

/* Called before every network look-up (CRL or OCSP fetch) the
 * verification makes, so the caller can tell its peer it is still working
 * (the milter: smfi_progress). smime/ knows no more about it. */
struct kyso_progress {
	void (*fn)(void *ctx);
	void *ctx;
};

/* Verify the message in `msg` (a whole message, as received). from_addr
 * (lower case, may be NULL) is compared with each signer's email. now is
 * the time validity is judged at. Revocation look-ups of the whole message
 * share one time budget (the trust's RevocationBudget). */
int kyso_verify_message(const struct kyso_trust *trust, GMimeStream *msg,
    const char *from_addr, time_t now, struct kyso_verify_result *res,
    struct kyso_err *err);
/* The same, calling progress (may be NULL) while it waits on the network. */
int kyso_verify_message_progress(const struct kyso_trust *trust,
    GMimeStream *msg, const char *from_addr, time_t now,
    const struct kyso_progress *progress, struct kyso_verify_result *res,
    struct kyso_err *err);

void kyso_verify_result_clear(struct kyso_verify_result *res);
void kyso_signer_info_clear(struct kyso_signer_info *si);

/* 0 when leaf chains to t's anchors for S/MIME signing by the one rule the
 * inbound verdict uses (intermediates: t's and extra; a SHA-1 CA chain
 * only under a legacy anchor) and, with now != 0, every certificate of the
 * chain is valid at now; else -1 with KYSO_E_CONFIG saying why. */
int kyso_verify_cert_chain(const struct kyso_trust *t, X509 *leaf,
    STACK_OF(X509) * extra, time_t now, struct kyso_err *err);

/* The certificate facts of the first certificate in the PEM file `path`
 * (the others are offered as intermediates) under trust t at time now:
 * names, e-mail, fingerprint, kind, chain (with legacy_sha1 and
 * issuer_fingerprint), validity; no signature and no revocation look-up
 * (revocation_note says so). What `kyso-milter -C` describes. -1 with
 * KYSO_E_CONFIG when the file holds no certificate. */
int kyso_verify_cert_file(const struct kyso_trust *t, const char *path,
    time_t now, struct kyso_signer_info *si, struct kyso_err *err);

const char *kyso_cert_kind_name(enum kyso_cert_kind k);

#endif
