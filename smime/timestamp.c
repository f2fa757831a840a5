/*
 * timestamp.c - RFC 3161 timestamps over a SignerInfo's signature value
 * (CAdES-T: unsigned attribute id-aa-signatureTimeStampToken,
 * 1.2.840.113549.1.9.16.2.14), with OpenSSL's TS_* API.
 *
 * Outbound (kyso_timestamp_add): ask the TSA for a token over SHA-256 of
 * the signature value (with a nonce and the TSA's certificate), check the
 * reply answers our request (status, imprint, nonce) and attach the token.
 * Inbound (kyso_timestamp_check): a token proves the signing time only
 * when its signature chains to a configured TSA anchor with EKU
 * timeStamping, its imprint is over this signature value with a digest
 * that is not weak, and its time is neither ahead of our clock nor long
 * after the signer's claimed time. Never logs.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "http.h"
#include "kyso/limits.h"
#include "kyso/smime/timestamp.h"
#include "verify_int.h"

/* The signature value of s (borrowed). */
static const ASN1_OCTET_STRING *
sig_value(CMS_SignerInfo *s)
{
	return CMS_SignerInfo_get0_signature(s);
}

/* A TS_REQ over SHA-256 of the signature value, with a fresh nonce. */
static TS_REQ *
build_request(CMS_SignerInfo *s)
{
	const ASN1_OCTET_STRING *sig = sig_value(s);
	unsigned char md[EVP_MAX_MD_SIZE], rnd[8];
	unsigned int mdlen = 0;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	int ok = 0;

	if (req == NULL || mi == NULL || alg == NULL || sig == NULL)
		goto out;
	if (!EVP_Digest(ASN1_STRING_get0_data(sig),
	        (size_t)ASN1_STRING_length(sig), md, &mdlen, EVP_sha256(),
	        NULL) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_cert_req(req, 1) || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !TS_REQ_set_nonce(req, nonce))
		goto out;
	ok = 1;
out:
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		req = NULL;
	}
	return req;
}

/* Ask url for a token answering req; the checked reply or NULL with why. */
static TS_RESP *
ask_tsa(const char *url, int timeout, TS_REQ *req, char **why)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	GBytes *answer = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vc = NULL;
	char *e = NULL;
	gsize len;
	int n;

	if ((n = i2d_TS_REQ(req, &der)) <= 0) {
		*why = g_strdup("cannot encode the timestamp request");
		goto out;
	}
	if ((answer = kyso_http_post(url, "application/timestamp-query", der,
	         (size_t)n, NULL, KYSO_MAX_TSA_REPLY, timeout, &e)) == NULL) {
		*why = g_strdup_printf("TSA %s", e);
		goto out;
	}
	/* the content type is not insisted on (RFC 3161 names
	 * application/timestamp-reply; some TSAs answer otherwise): the DER
	 * must parse and answer our request */
	p = g_bytes_get_data(answer, &len);
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL) {
		*why = g_strdup_printf("TSA %s: not a timestamp reply", url);
		goto out;
	}
	/* status granted, version, our imprint and nonce (the signature is
	 * the receiver's business: it checks against its own anchors) */
	if ((vc = TS_REQ_to_TS_VERIFY_CTX(req, NULL)) == NULL ||
	    TS_RESP_verify_response(vc, resp) != 1) {
		unsigned long err = ERR_peek_last_error();

		*why = g_strdup_printf("TSA %s: reply refused (%s)", url,
		    err ? ERR_reason_error_string(err) : "no detail");
		TS_RESP_free(resp);
		resp = NULL;
	}
out:
	TS_VERIFY_CTX_free(vc);
	g_free(e);
	if (answer != NULL)
		g_bytes_unref(answer);
	OPENSSL_free(der);
	ERR_clear_error();
	return resp;
}

int
kyso_timestamp_add(CMS_SignerInfo *s, const char *url, int timeout, char **why)
{
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	unsigned char *tok = NULL;
	int n, rc = -1;

	*why = NULL;
	ERR_clear_error();
	if ((req = build_request(s)) == NULL) {
		*why = g_strdup("cannot build the timestamp request");
		goto out;
	}
	if ((resp = ask_tsa(url, timeout, req, why)) == NULL)
		goto out;
	if ((n = i2d_PKCS7(TS_RESP_get_token(resp), &tok)) <= 0 ||
	    !CMS_unsigned_add1_attr_by_NID(s, NID_id_smime_aa_timeStampToken,
	        V_ASN1_SEQUENCE, tok, n)) {
		*why = g_strdup("cannot attach the timestamp token");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(tok);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	ERR_clear_error();
	return rc;
}

/* The token of s: NULL with *why NULL when s has none; NULL with *why when
 * the attribute is there but is not one token. */
static PKCS7 *
get_token(CMS_SignerInfo *s, char **why)
{
	int i =
	    CMS_unsigned_get_attr_by_NID(s, NID_id_smime_aa_timeStampToken, -1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *v;
	const unsigned char *p;
	PKCS7 *tok = NULL;

	*why = NULL;
	if (i < 0)
		return NULL;
	if (CMS_unsigned_get_attr_by_NID(s, NID_id_smime_aa_timeStampToken,
	        i) >= 0 ||
	    (a = CMS_unsigned_get_attr(s, i)) == NULL ||
	    X509_ATTRIBUTE_count(a) != 1 ||
	    (v = X509_ATTRIBUTE_get0_type(a, 0)) == NULL ||
	    v->type != V_ASN1_SEQUENCE) {
		*why = g_strdup("timestamp attribute malformed");
		return NULL;
	}
	p = ASN1_STRING_get0_data(v->value.sequence);
	tok = d2i_PKCS7(NULL, &p, ASN1_STRING_length(v->value.sequence));
	if (tok == NULL || !PKCS7_type_is_signed(tok)) {
		*why = g_strdup("timestamp token malformed");
		PKCS7_free(tok);
		tok = NULL;
	}
	return tok;
}

/* Verify tok's signature (TSA chain to store, EKU timeStamping, ESS
 * signing certificate) and its imprint over the signature value of s. */
static int
token_ok(X509_STORE *store, PKCS7 *tok, CMS_SignerInfo *s, char **why)
{
	const ASN1_OCTET_STRING *sig = sig_value(s);
	TS_VERIFY_CTX *vc = TS_VERIFY_CTX_new();
	BIO *data = NULL;
	int ok = 0;

	if (vc == NULL || sig == NULL ||
	    (data = BIO_new_mem_buf(ASN1_STRING_get0_data(sig),
	         ASN1_STRING_length(sig))) == NULL) {
		*why = g_strdup("out of memory");
		goto out;
	}
	/* the context owns what it is given */
	if (!X509_STORE_up_ref(store)) {
		*why = g_strdup("out of memory");
		goto out;
	}
	TS_VERIFY_CTX_set_store(vc, store);
	TS_VERIFY_CTX_set_data(vc, data);
	data = NULL;
	TS_VERIFY_CTX_set_flags(vc,
	    TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	if (TS_RESP_verify_token(vc, tok) == 1)
		ok = 1;
	else {
		unsigned long e = ERR_peek_last_error();
		int r = ERR_GET_REASON(e);

		*why = g_strdup_printf("timestamp token refused: %s",
		    r == TS_R_MESSAGE_IMPRINT_MISMATCH
		        ? "not over this signature"
		        : e ? ERR_reason_error_string(e)
		            : "no detail");
	}
out:
	BIO_free(data);
	TS_VERIFY_CTX_free(vc);
	ERR_clear_error();
	return ok;
}

/* UTF-8 CN (else the one-line subject) of the token's signer. */
static char *
tsa_name(PKCS7 *tok)
{
	STACK_OF(X509) *signers = PKCS7_get0_signers(tok, NULL, 0);
	X509 *x = signers && sk_X509_num(signers) == 1
	    ? sk_X509_value(signers, 0)
	    : NULL;
	char *n = NULL;

	if (x != NULL &&
	    (n = kyso_cert_name_attr(X509_get_subject_name(x),
	         NID_commonName)) == NULL)
		n = kyso_cert_name_rfc4514(X509_get_subject_name(x));
	sk_X509_free(signers);
	ERR_clear_error();
	return n ? n : g_strdup("?");
}

/* Why the token's time or digest proves nothing, or NULL; *when set. */
static char *
judge_tst(PKCS7 *tok, time_t claimed, time_t now, time_t *when)
{
	TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(tok);
	X509_ALGOR *alg;
	int nid;
	char *why = NULL;

	if (tst == NULL) {
		why = g_strdup("timestamp token malformed");
		goto out;
	}
	alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
	nid = alg ? OBJ_obj2nid(alg->algorithm) : NID_undef;
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512) {
		why = g_strdup_printf("timestamp imprint digest %s not "
		                      "accepted",
		    nid != NID_undef ? OBJ_nid2sn(nid) : "unknown");
		goto out;
	}
	*when = kyso_cert_time(TS_TST_INFO_get_time(tst));
	if (*when == 0)
		why = g_strdup("timestamp time unreadable");
	else if (*when > now + KYSO_TSA_SKEW)
		why = g_strdup("timestamp time is in the future");
	else if (claimed != 0 && *when > claimed + KYSO_TSA_MAX_DELAY)
		why = g_strdup_printf("timestamp %ld s after the claimed "
		                      "signing time",
		    (long)(*when - claimed));
out:
	TS_TST_INFO_free(tst);
	ERR_clear_error();
	return why;
}

void
kyso_timestamp_check(const struct kyso_trust *t, CMS_SignerInfo *s,
    time_t claimed, time_t now, struct kyso_signer_info *si)
{
	PKCS7 *tok;
	char *why = NULL;
	time_t when = 0;

	if ((tok = get_token(s, &why)) == NULL)
		goto out;
	if (t->tsa_store == NULL) {
		why = g_strdup("timestamp not evaluated "
		               "(no TimestampTrustAnchors)");
		goto out;
	}
	if (!token_ok(t->tsa_store, tok, s, &why))
		goto out;
	if ((why = judge_tst(tok, claimed, now, &when)) != NULL)
		goto out;
	si->proven_time = when;
	si->tsa_name = tsa_name(tok);
out:
	si->timestamp_note = why;
	PKCS7_free(tok);
	ERR_clear_error();
}
