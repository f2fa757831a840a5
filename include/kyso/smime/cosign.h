/*
 * cosign.h - "signed and sealed" (ký số và đóng dấu): add an agency seal as
 * a second, parallel SignerInfo to a message an official has already signed
 * with a personal certificate (RFC 5652 5.1: signerInfos is a SET).
 *
 * Only a top-level detached multipart/signed (S/MIME protocol) is
 * co-signable. The existing signature(s) are verified first over the exact
 * received bytes; a broken or tampered one is never sealed. The signed first
 * part and every existing SignerInfo stay byte-identical: of the whole body
 * only the base64 text of the application/pkcs7-signature part changes.
 */
#ifndef KYSO_COSIGN_H
#define KYSO_COSIGN_H

#include <stddef.h>
#include <time.h>

#include <gmime/gmime.h>
#include "kyso/err.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"

struct kyso_cosign_result {
	int cosigned; /* 1: out_body holds the sealed body */
	/* when !cosigned: why not, printable ASCII (g_free); else NULL */
	char *why;
	size_t signers_before; /* SignerInfos in the input */
	size_t signers_after;  /* ... in the output (before + 1) */
	/* the first existing signer (the official), for logs: its subject as
	 * kyso_verify_message gives it and its e-mail address (or NULL) */
	char *personal_subject;
	char *personal_email;
	char *digest;        /* micalg name of the seal's digest ("sha-384") */
	int digest_adjusted; /* 1: the seal took the existing signer's digest,
	                        not its configured one (CMS_REUSE_DIGEST) */
	char *micalg;        /* micalg parameter of the output */
	/* non-NULL only when the outer Content-Type must be replaced (the
	 * micalg had to change): the whole new value, folded with LF + TAB */
	char *content_type;
	size_t body_bytes; /* bytes written to out_body */
	/* what the existing signature(s) verified to (chain trust, kind,
	 * revocation of the personal certificate: for policy to judge) */
	struct kyso_verify_result before;
	int timestamped; /* the seal's SignerInfo carries a TSA token */
	char *tsa_error; /* a TSA was asked and gave no token: why */
};

/* Seal the message read from `in` (headers and body as received, CRLF)
 * with `seal`, checking the existing signatures against `trust` at `now`
 * (also the seal's signingTime). On success with res->cosigned the new
 * body (everything after the header block; headers are unchanged unless
 * res->content_type is set) is in out_body. Refusals are not errors:
 * 0 with res->cosigned == 0, res->why set and nothing written (not
 * multipart/signed, opaque, existing signature invalid, already sealed by
 * this certificate, weak digest, signature part not base64, ...).
 * trust may be NULL (every chain is then reported untrusted).
 * Revocation and chain trust of the existing signers are facts in
 * res->before, not refusals: policy judges them. Clear res with
 * kyso_cosign_result_clear after a 0 return.
 * -1 (res cleared): could not decide - KYSO_E_TEMP (reading or writing, a
 * token that failed), KYSO_E_CONFIG (the seal's certificate is not valid
 * at `now`), KYSO_E_INTERNAL. */
int kyso_cosign_message(const struct kyso_signer *seal,
    const struct kyso_trust *trust, GMimeStream *in, GMimeStream *out_body,
    const char *from_addr, time_t now, struct kyso_cosign_result *res,
    struct kyso_err *err);

/* The same, and with tsa->tsa_url (tsa may be NULL; only its tsa_* fields
 * are read) an RFC 3161 token on the seal's SignerInfo, as
 * kyso_sign_message does: when the TSA gives none, tsa_required makes it
 * -1 KYSO_E_TEMP with res->tsa_error (the only field set: clear res), else
 * the seal goes out without a token and res->tsa_error says why. */
int kyso_cosign_message_tsa(const struct kyso_signer *seal,
    const struct kyso_trust *trust, GMimeStream *in, GMimeStream *out_body,
    const char *from_addr, time_t now, const struct kyso_sign_opts *tsa,
    struct kyso_cosign_result *res, struct kyso_err *err);

void kyso_cosign_result_clear(struct kyso_cosign_result *res);

/* Byte ranges of the SignerInfo elements of a BER/DER ContentInfo holding
 * a SignedData: fills off[i]/len[i] for up to max signers and returns how
 * many there are (may exceed max), or -1 when der is not such a structure.
 * Used to prove existing SignerInfos survive unchanged; exposed for tests. */
int kyso_cosign_signer_infos(const unsigned char *der, size_t der_len,
    size_t *off, size_t *len, size_t max);

#endif
