/*
 * test_verify_signer.c - smime/verify_signer.c on its own: the facts it
 * records about one SignerInfo, for signatures made here with OpenSSL's
 * CMS API under a CA made here. Each fact that turns a pass into something
 * else has its case: content changed, signature value changed, signer
 * certificate absent, SHA-1 digest, a 1024-bit key, a certificate not for
 * e-mail, another CA, expired now, another address.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "verify_int.h"

#define FROM "vanthu@hagiang.gov.vn"
#define DAY  86400L

struct id {
	EVP_PKEY *key;
	X509 *cert;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for cn: a CA when ca is NULL (self-signed), else a leaf
 * issued by ca with the e-mail, EKU and validity (days from now) given. */
static struct id
make(const char *cn, const struct id *ca, const char *key, const char *email,
    const char *eku, long from_days, long to_days)
{
	static long serial = 1;
	struct id id;
	X509_NAME *n;

	id.key = strncmp(key, "rsa", 3) == 0
	    ? EVP_RSA_gen((unsigned)atoi(key + 3))
	    : EVP_EC_gen("P-256");
	id.cert = X509_new();
	X509_set_version(id.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(id.cert), from_days * DAY);
	X509_gmtime_adj(X509_getm_notAfter(id.cert), to_days * DAY);
	n = X509_get_subject_name(id.cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(id.cert,
	    ca != NULL ? X509_get_subject_name(ca->cert) : n);
	X509_set_pubkey(id.cert, id.key);
	if (ca == NULL) {
		add_ext(id.cert, id.cert, NID_basic_constraints,
		    "critical,CA:TRUE");
		add_ext(id.cert, id.cert, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	} else {
		char san[128];

		add_ext(id.cert, ca->cert, NID_basic_constraints, "CA:FALSE");
		add_ext(id.cert, ca->cert, NID_key_usage,
		    "critical,digitalSignature,nonRepudiation");
		add_ext(id.cert, ca->cert, NID_ext_key_usage, eku);
		(void)snprintf(san, sizeof(san), "email:%s", email);
		add_ext(id.cert, ca->cert, NID_subject_alt_name, san);
	}
	X509_sign(id.cert, ca != NULL ? ca->key : id.key, EVP_sha256());
	return id;
}

static void
drop(struct id *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
}

/* A detached CMS signature by `by` over "hello", with digest md. */
static CMS_ContentInfo *
sign(const struct id *by, const EVP_MD *md)
{
	BIO *in = BIO_new_mem_buf("hello\r\n", -1);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_DETACHED | CMS_BINARY | CMS_PARTIAL);

	CMS_add1_signer(cms, by->cert, by->key, md, 0);
	CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY);
	BIO_free(in);
	return cms;
}

static struct kyso_trust *
trust_in(const struct id *ca, const char *dir)
{
	char path[256];
	struct kyso_trust_spec spec = {0};
	struct kyso_err err;
	struct kyso_trust *t;
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/anchors.pem", dir);
	fp = fopen(path, "w");
	PEM_write_X509(fp, ca->cert);
	(void)fclose(fp);
	spec.anchor_file = path;
	spec.revocation_check = KYSO_REVCHECK_NONE;
	t = kyso_trust_load(&spec, &err);
	(void)unlink(path);
	return t;
}

/* Run kyso_verify_signer on cms's first signer; `signer` overrides the
 * certificate (NULL: none), content_ok as verify.c would say. */
static void
facts(const struct kyso_trust *t, CMS_ContentInfo *cms, X509 *signer,
    int content_ok, const char *from, struct kyso_signer_info *si)
{
	struct kyso_rev_session rs;
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	CMS_SignerInfo *s =
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);

	kyso_rev_session_init(&rs, t, NULL);
	kyso_verify_signer(t, &rs, s, signer, content_ok, certs, NULL, from,
	    time(NULL), si);
	sk_X509_pop_free(certs, X509_free);
}

static void
clear(struct kyso_signer_info *si)
{
	kyso_signer_info_clear(si);
	memset(si, 0, sizeof(*si));
}

int
main(void)
{
	char dir[] = "/tmp/kyso-test-vsigner.XXXXXX";
	struct id ca, other, good, weak, client, expired;
	struct kyso_trust *t;
	struct kyso_signer_info si;
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING *sig;

	if (mkdtemp(dir) == NULL)
		return 1;
	ca = make("UBND tinh Ha Giang CA", NULL, "rsa2048", NULL, NULL, -10,
	    3650);
	other = make("Another CA", NULL, "ec", NULL, NULL, -10, 3650);
	good = make("Van thu", &ca, "ec", FROM, "emailProtection", -1, 365);
	weak =
	    make("Van thu", &ca, "rsa1024", FROM, "emailProtection", -1, 365);
	client = make("Van thu", &ca, "ec", FROM, "clientAuth", -1, 365);
	expired = make("Van thu", &ca, "ec", FROM, "emailProtection", -30, -1);
	t = trust_in(&ca, dir);
	CHECK(t != NULL, "trust store with the test CA");
	if (t == NULL)
		return TEST_DONE();

	cms = sign(&good, EVP_sha256());
	facts(t, cms, good.cert, 1, FROM, &si);
	CHECK(si.signature_ok && si.chain_ok && si.valid_now && !si.weak &&
	        si.ku_ok && si.eku_ok && si.email_matches,
	    "a sound signature: signature, chain, time, algorithm, address");
	CHECK(g_strcmp0(si.digest, "sha-256") == 0 &&
	        g_strcmp0(si.email, FROM) == 0 &&
	        g_strcmp0(si.subject_cn, "Van thu") == 0 &&
	        g_strcmp0(si.issuer_text, "CN=UBND tinh Ha Giang CA") == 0 &&
	        si.fingerprint != NULL && strlen(si.fingerprint) == 64 &&
	        si.serial_hex != NULL && si.signing_time != 0,
	    "its facts: digest, e-mail, names, fingerprint, serial, time");
	CHECK(si.revocation == KYSO_REV_NOT_CHECKED &&
	        g_strcmp0(si.revocation_note,
	            "revocation not checked (RevocationCheck none)") == 0,
	    "RevocationCheck none is said, not hidden (%s)",
	    si.revocation_note);
	clear(&si);

	facts(t, cms, good.cert, 1, "chutich@hagiang.gov.vn", &si);
	CHECK(si.signature_ok && !si.email_matches,
	    "another From: the address does not match");
	clear(&si);
	facts(t, cms, good.cert, 0, FROM, &si);
	CHECK(!si.signature_ok &&
	        g_strcmp0(si.signature_error, "content digest mismatch") == 0 &&
	        strstr(si.revocation_note, "signature invalid") != NULL,
	    "content changed: not ok, and no revocation look-up");
	clear(&si);
	facts(t, cms, NULL, 1, FROM, &si);
	CHECK(si.cert_missing && !si.signature_ok && !si.chain_ok &&
	        g_strcmp0(si.digest, "sha-256") == 0,
	    "no signer certificate: missing, nothing holds");
	clear(&si);

	sig = CMS_SignerInfo_get0_signature(
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
	sig->data[sig->length / 2] ^= 0x01;
	facts(t, cms, good.cert, 1, FROM, &si);
	CHECK(!si.signature_ok &&
	        g_strcmp0(si.signature_error, "signature value invalid") == 0,
	    "one bit of the signature value changed: invalid");
	clear(&si);
	CMS_ContentInfo_free(cms);

	cms = sign(&good, EVP_sha1());
	facts(t, cms, good.cert, 1, FROM, &si);
	CHECK(si.weak && g_strcmp0(si.weak_reason, "sha-1 digest") == 0,
	    "SHA-1 message digest is weak (%s)", si.weak_reason);
	clear(&si);
	CMS_ContentInfo_free(cms);

	cms = sign(&weak, EVP_sha256());
	facts(t, cms, weak.cert, 1, FROM, &si);
	CHECK(si.weak && g_strcmp0(si.weak_reason, "1024-bit key") == 0,
	    "an RSA-1024 key is weak (%s)", si.weak_reason);
	clear(&si);
	CMS_ContentInfo_free(cms);

	cms = sign(&client, EVP_sha256());
	facts(t, cms, client.cert, 1, FROM, &si);
	CHECK(si.signature_ok && (!si.chain_ok || !si.eku_ok),
	    "EKU clientAuth only: not for S/MIME (%s)", si.chain_error);
	clear(&si);
	CMS_ContentInfo_free(cms);

	cms = sign(&expired, EVP_sha256());
	facts(t, cms, expired.cert, 1, FROM, &si);
	CHECK(si.signature_ok && si.chain_ok && !si.valid_now &&
	        !si.valid_at_signing,
	    "expired now (and at the claimed signing time, now)");
	clear(&si);
	CMS_ContentInfo_free(cms);

	{
		struct id stranger = make("Van thu", &other, "ec", FROM,
		    "emailProtection", -1, 365);

		cms = sign(&stranger, EVP_sha256());
		facts(t, cms, stranger.cert, 1, FROM, &si);
		CHECK(si.signature_ok && !si.chain_ok &&
		        si.chain_error != NULL &&
		        strstr(si.revocation_note, "chain not trusted") != NULL,
		    "same name, another CA: untrusted (%s)", si.chain_error);
		clear(&si);
		CMS_ContentInfo_free(cms);
		drop(&stranger);
	}

	kyso_trust_free(t);
	drop(&ca);
	drop(&other);
	drop(&good);
	drop(&weak);
	drop(&client);
	drop(&expired);
	(void)rmdir(dir);
	return TEST_DONE();
}
