/*
 * sign.h - turn a whole RFC 5322 message into a detached S/MIME
 * multipart/signed message (RFC 8551 3.5.3, RFC 1847).
 *
 * The engine parses the message with GMime (file-backed for large mail),
 * re-encodes every leaf that is not 7-bit safe (8bit, binary, NUL, bare CR,
 * lines over 998 octets, trailing blanks, "From " lines), serialises the
 * signed entity itself in canonical CRLF form, signs exactly those bytes with
 * OpenSSL CMS (detached, SHA-2, signingTime, SMIMECapabilities, ESS
 * signingCertificateV2, chain included) and writes the new body. Routing
 * headers stay where they are: the caller deletes the top-level Content-*
 * fields and adds the returned Content-Type (and MIME-Version if missing).
 */
#ifndef KYSO_SIGN_H
#define KYSO_SIGN_H

#include <gmime/gmime.h>
#include "kyso/err.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/signer.h"

struct kyso_sign_opts {
	const char *boundary; /* fixed outer boundary (tests), NULL: random */
	time_t signing_time;  /* 0: now */
	const char *tmp_dir;  /* scratch files, NULL: $TMPDIR or /tmp */
	size_t mem_limit;     /* scratch in memory below this input size,
	                         0: 1 MiB */
	const char *tsa_url;  /* RFC 3161 TSA (http) asked for a token over
	                         the signature (CAdES-T), or NULL: none */
	int tsa_timeout;      /* seconds for the TSA (0: 10) */
	int tsa_required;     /* 1: no token, no signature (KYSO_E_TEMP);
	                         0: sign without, res->tsa_error says why */
	int protect_headers;  /* RFC 9788: copy kyso_protected_fields into
	                         the signed part and mark it hp="clear" */
};

struct kyso_sign_result {
	enum kyso_mime_kind kind; /* not PLAIN: already signed or encrypted;
	                             nothing was signed or written */
	char *content_type;       /* outer Content-Type field value, folded with
	                             LF + TAB (libmilter's convention), g_free */
	int add_mime_version;     /* 1 when the message had no MIME-Version */
	int reencoded_parts;   /* leaves re-encoded to 7-bit before signing */
	size_t body_bytes;     /* bytes written to out_body */
	int timestamped;       /* the SignerInfo carries a TSA token */
	char *tsa_error;       /* a TSA was configured but gave no token, and
	                          the message was signed without: why */
	int protected_headers; /* the signed part carries the protected
	                          fields (hp="clear") */
	int opaque; /* application/pkcs7-mime: the body is base64, the
	               caller adds Content-Transfer-Encoding: base64 */
};

/* Read the message from `in` (headers and body, CRLF or LF), write the new
 * CRLF body to `out_body`, fill res. On failure nothing useful is in
 * out_body; KYSO_E_INPUT means the message cannot be signed as it is
 * (e.g. nested 8-bit content that must not be re-encoded). When it failed
 * because opts->tsa_required and the TSA gave no token, res->tsa_error
 * says why (KYSO_E_TEMP; the only field set: clear res). */
int kyso_sign_message(const struct kyso_signer *signer, GMimeStream *in,
    GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err);

/* kyso_sign_message for a message the caller parsed (kyso_mime_parse),
 * so one parse serves policy and signing; input_size is the length of
 * what was parsed (-1: unknown; chooses memory or a file for scratch).
 * msg is changed (leaves re-encoded, header protection, epilogue
 * dropped): whatever reads it must have done so before. */
int kyso_sign_parsed(const struct kyso_signer *signer, GMimeMessage *msg,
    gint64 input_size, GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err);

/* The same message as an opaque signature (RFC 8551 3.5.2): the whole
 * entity (with the protected header fields when asked), bytes as they are,
 * inside the CMS SignedData, whose DER the new body carries in base64.
 * For mail kyso_sign_message refuses as KYSO_E_INPUT (OnUnsignable
 * opaque); a structure field twice is still refused. res->content_type is
 * application/pkcs7-mime; smime-type=signed-data, res->opaque is 1. */
int kyso_sign_opaque(const struct kyso_signer *signer, GMimeStream *in,
    GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err);

void kyso_sign_result_clear(struct kyso_sign_result *res);

/* Detached CMS signature (DER) over the bytes read from `content`; the
 * returned buffer is g_malloc'd. Exposed for co-signing and tests. */
int kyso_sign_detached(const struct kyso_signer *signer, GMimeStream *content,
    time_t signing_time, unsigned char **der, size_t *der_len,
    struct kyso_err *err);

#endif
