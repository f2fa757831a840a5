/*
 * test_revocation_age.c DIR - an OCSP answer or a CRL that names no next
 * update proves the certificate's status only for RevocationMaxAge after
 * its thisUpdate (run by revocation-age.test: DIR holds make-pki.sh's PKI,
 * whose certificates' OCSP URL points at a listener that answers every
 * request with the bytes of DIR/ocsp.der, read anew per request).
 *
 * The attack: a responder that echoes no nonce (the RFC 5019 profile) and
 * sets no nextUpdate; an attacker on the path saves its signed "good"
 * answer and, after the certificate is revoked, replays it. The answers
 * here are made with OpenSSL's OCSP API by the real responder key
 * (ocsp-signer, delegated by the issuing CA):
 *  - good, thisUpdate 2 days ago, no nextUpdate: unavailable, not good;
 *    with RevocationMaxAge 3 days: good (the setting is what decides);
 *  - good, thisUpdate a minute ago, no nextUpdate: good;
 *  - good, thisUpdate 2 days ago, nextUpdate tomorrow (a pre-produced
 *    RFC 5019 answer): good, nextUpdate decides.
 * The same for a CRLFile CRL without nextUpdate (signed by the issuing
 * CA): 2 days old: unavailable; a minute old: good.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"

#define DAY 86400L

static const char *dir;

static char *
path(const char *name)
{
	return g_strdup_printf("%s/%s", dir, name);
}

static X509 *
load_cert(const char *name)
{
	char *p = path(name);
	FILE *fp = fopen(p, "r");
	X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;

	if (fp != NULL)
		fclose(fp);
	g_free(p);
	return x;
}

static EVP_PKEY *
load_key(const char *name)
{
	char *p = path(name);
	FILE *fp = fopen(p, "r");
	EVP_PKEY *k =
	    fp != NULL ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;

	if (fp != NULL)
		fclose(fp);
	g_free(p);
	return k;
}

/* Write DER bytes to DIR/name; 0 on success. */
static int
put_file(const char *name, const unsigned char *der, int len)
{
	char *p = path(name);
	int ok =
	    len > 0 && g_file_set_contents(p, (const char *)der, len, NULL);

	g_free(p);
	return ok ? 0 : -1;
}

/* DIR/ocsp.der: a signed "good" answer for leaf, no nonce, thisUpdate at
 * this_at, nextUpdate at next_at (0: none). */
static int
make_ocsp(X509 *leaf, X509 *issuer, X509 *rsigner, EVP_PKEY *rkey,
    time_t this_at, time_t next_at)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf, issuer);
	ASN1_TIME *tu = ASN1_TIME_set(NULL, this_at);
	ASN1_TIME *nu = next_at ? ASN1_TIME_set(NULL, next_at) : NULL;
	OCSP_RESPONSE *r = NULL;
	unsigned char *der = NULL;
	int len = -1;

	if (bs != NULL && id != NULL && tu != NULL &&
	    OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, tu,
	        nu) != NULL &&
	    OCSP_basic_sign(bs, rsigner, rkey, EVP_sha256(), NULL, 0) == 1 &&
	    (r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) !=
	        NULL)
		len = i2d_OCSP_RESPONSE(r, &der);
	len = put_file("ocsp.der", der, len);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(r);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	return len;
}

/* DIR/old.crl (PEM): an empty CRL by issuer, lastUpdate at this_at, no
 * nextUpdate. */
static int
make_crl(X509 *issuer, EVP_PKEY *ikey, time_t this_at)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *tu = ASN1_TIME_set(NULL, this_at);
	char *p = path("old.crl");
	FILE *fp = NULL;
	int rc = -1;

	if (c != NULL && tu != NULL && X509_CRL_set_version(c, 1) == 1 &&
	    X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)) == 1 &&
	    X509_CRL_set1_lastUpdate(c, tu) == 1 &&
	    X509_CRL_sign(c, ikey, EVP_sha256()) > 0 &&
	    (fp = fopen(p, "w")) != NULL && PEM_write_X509_CRL(fp, c) == 1)
		rc = 0;
	if (fp != NULL && fclose(fp) != 0)
		rc = -1;
	ASN1_TIME_free(tu);
	X509_CRL_free(c);
	g_free(p);
	return rc;
}

/* A message signed by the sotttt agency's key file, whole. */
static GByteArray *
signed_message(void)
{
	static const char msg[] = "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                          "To: x@ext.test\r\nSubject: age\r\n\r\n"
	                          "K\xc3\xadnh g\xe1\xbb\xadi.\r\n";
	struct kyso_signer_spec spec = {0};
	struct kyso_signer *s;
	struct kyso_sign_result res;
	struct kyso_err err = {0};
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(msg, strlen(msg));
	GMimeStream *body = g_mime_stream_mem_new();
	GByteArray *out = NULL, *b;
	char *cert = path("sotttt-agency.crt"),
	     *key = path("sotttt-agency.key");
	char *chain = path("chain.pem"), *head;

	spec.cert_file = cert;
	spec.key_file = key;
	spec.chain_file = chain;
	s = kyso_signer_load(&spec, &err);
	if (s != NULL &&
	    kyso_sign_message(s, in, body, NULL, &res, &err) == 0) {
		b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
		head = g_strdup_printf("From: vanthu@sotttt.hagiang.gov.vn\r\n"
		                       "To: x@ext.test\r\nSubject: age\r\n"
		                       "MIME-Version: 1.0\r\n"
		                       "Content-Type: %s\r\n\r\n",
		    res.content_type);
		out = g_byte_array_new();
		g_byte_array_append(out, (const guint8 *)head,
		    (guint)strlen(head));
		g_byte_array_append(out, b->data, b->len);
		g_free(head);
		kyso_sign_result_clear(&res);
	} else {
		fprintf(stderr, "# signing: %s\n", err.msg);
	}
	kyso_signer_free(s);
	g_object_unref(in);
	g_object_unref(body);
	g_free(cert);
	g_free(key);
	g_free(chain);
	return out;
}

/* Verify msg with a fresh trust (an empty revocation cache): OCSP only,
 * or the CRL file only; the signer's revocation status, its note in
 * note[len]. */
static enum kyso_revocation
status_of(const GByteArray *msg, int use_crl, int max_age, char *note,
    size_t len)
{
	char *anchor = path("root.crt"), *inter = path("chain.pem");
	char *crl = path("old.crl");
	struct kyso_trust_spec spec = {
	    .anchor_file = anchor,
	    .intermediate_file = inter,
	    .crl_file = use_crl ? crl : NULL,
	    .revocation_check =
	        use_crl ? KYSO_REVCHECK_CRL : KYSO_REVCHECK_OCSP,
	    .timeout = 5,
	    .budget = 20,
	    .max_age = max_age,
	};
	struct kyso_err err = {0};
	struct kyso_trust *t = kyso_trust_load(&spec, &err);
	struct kyso_verify_result r;
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)msg->data,
	        msg->len);
	enum kyso_revocation st = KYSO_REV_NOT_CHECKED;

	(void)g_strlcpy(note, err.msg, len);
	if (t != NULL &&
	    kyso_verify_message(t, s, NULL, time(NULL), &r, &err) == 0) {
		if (r.nsigners == 1 && r.signers[0].signature_ok) {
			st = r.signers[0].revocation;
			(void)g_strlcpy(note,
			    r.signers[0].revocation_note != NULL
			        ? r.signers[0].revocation_note
			        : "",
			    len);
		}
		kyso_verify_result_clear(&r);
	} else {
		(void)g_strlcpy(note, err.msg, len);
	}
	g_object_unref(s);
	kyso_trust_free(t);
	g_free(anchor);
	g_free(inter);
	g_free(crl);
	return st;
}

int
main(int argc, char **argv)
{
	X509 *leaf, *issuer, *rsigner;
	EVP_PKEY *rkey, *ikey;
	GByteArray *msg;
	time_t now = time(NULL);
	char note[512];
	enum kyso_revocation st;

	dir = argc > 1 ? argv[1] : NULL;
	if (dir == NULL) {
		SKIP("no PKI directory (run through revocation-age.test)");
		return TEST_DONE();
	}
	kyso_mime_init();
	leaf = load_cert("sotttt-agency.crt");
	issuer = load_cert("intermediate.crt");
	rsigner = load_cert("ocsp-signer.crt");
	rkey = load_key("ocsp-signer.key");
	ikey = load_key("intermediate.key");
	msg = signed_message();
	if (leaf == NULL || issuer == NULL || rsigner == NULL || rkey == NULL ||
	    ikey == NULL || msg == NULL) {
		CHECK(0, "fixtures load (PKI in %s, a signed message)", dir);
		return TEST_DONE();
	}

	/* OCSP */
	CHECK(make_ocsp(leaf, issuer, rsigner, rkey, now - 60, 0) == 0,
	    "OCSP answer made");
	st = status_of(msg, 0, 0, note, sizeof(note));
	CHECK(st == KYSO_REV_GOOD,
	    "OCSP good, a minute old, no nextUpdate: good (%s)", note);

	CHECK(make_ocsp(leaf, issuer, rsigner, rkey, now - 2 * DAY, 0) == 0,
	    "OCSP answer made");
	st = status_of(msg, 0, 0, note, sizeof(note));
	CHECK(st == KYSO_REV_UNAVAILABLE &&
	        strstr(note, "no next update") != NULL &&
	        strstr(note, "RevocationMaxAge (86400 s)") != NULL,
	    "OCSP good replayed 2 days later, no nextUpdate, no nonce: "
	    "unavailable, not good (%s)",
	    note);
	st = status_of(msg, 0, (int)(3 * DAY), note, sizeof(note));
	CHECK(st == KYSO_REV_GOOD,
	    "the same answer with RevocationMaxAge 3 days: good (%s)", note);

	CHECK(make_ocsp(leaf, issuer, rsigner, rkey, now - 2 * DAY,
	          now + DAY) == 0,
	    "OCSP answer made");
	st = status_of(msg, 0, 0, note, sizeof(note));
	CHECK(st == KYSO_REV_GOOD,
	    "OCSP good from 2 days ago with nextUpdate tomorrow (RFC 5019 "
	    "pre-produced): good, nextUpdate decides (%s)",
	    note);

	/* a CRLFile CRL without nextUpdate */
	CHECK(make_crl(issuer, ikey, now - 2 * DAY) == 0, "CRL made");
	st = status_of(msg, 1, 0, note, sizeof(note));
	CHECK(st == KYSO_REV_UNAVAILABLE &&
	        strstr(note, "CRL (file) names no next update") != NULL,
	    "CRL without nextUpdate, 2 days old: unavailable (%s)", note);
	CHECK(make_crl(issuer, ikey, now - 60) == 0, "CRL made");
	st = status_of(msg, 1, 0, note, sizeof(note));
	CHECK(st == KYSO_REV_GOOD,
	    "CRL without nextUpdate, a minute old: good (%s)", note);

	g_byte_array_unref(msg);
	X509_free(leaf);
	X509_free(issuer);
	X509_free(rsigner);
	EVP_PKEY_free(rkey);
	EVP_PKEY_free(ikey);
	kyso_mime_shutdown();
	return TEST_DONE();
}
