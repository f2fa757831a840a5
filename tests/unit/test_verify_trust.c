/*
 * test_verify_trust.c - kyso_trust_load reads anchors, intermediates, CRLs
 * and OID lists, and names the file or key on every error.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kyso/smime/trust.h"
#include "harness.h"

/* Write a fresh self-signed certificate (and an empty CRL by it) as PEM. */
static int
write_selfsigned(const char *certpath, const char *crlpath)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_CRL *crl = X509_CRL_new();
	X509_NAME *n = X509_NAME_new();
	FILE *f;
	int ok = 0;

	if (k == NULL || x == NULL || crl == NULL || n == NULL)
		goto out;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Gốc thử", -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	if (!X509_sign(x, k, EVP_sha256()))
		goto out;
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, n);
	{
		ASN1_TIME *t = X509_gmtime_adj(NULL, 0);
		X509_CRL_set1_lastUpdate(crl, t);
		ASN1_TIME_free(t);
	}
	if (!X509_CRL_sign(crl, k, EVP_sha256()))
		goto out;
	if ((f = fopen(certpath, "w")) == NULL)
		goto out;
	ok = PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(crlpath, "w")) == NULL)
		goto out;
	ok = ok && PEM_write_X509_CRL(f, crl);
	fclose(f);
out:
	EVP_PKEY_free(k);
	X509_free(x);
	X509_CRL_free(crl);
	X509_NAME_free(n);
	return ok;
}

int
main(void)
{
	struct kyso_err err = {0};
	struct kyso_trust_spec spec = {0};
	struct kyso_trust *t;
	char dir[] = "/tmp/kyso-trust-XXXXXX";
	char cert[64], crl[64], empty[64];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(cert, sizeof(cert), "%s/root.pem", dir);
	(void)snprintf(crl, sizeof(crl), "%s/root.crl", dir);
	(void)snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
	CHECK(write_selfsigned(cert, crl), "generated a root and a CRL");
	f = fopen(empty, "w");
	if (f != NULL)
		fclose(f);

	t = kyso_trust_load(&spec, &err);
	CHECK(t != NULL, "empty spec loads (nothing trusted)");
	kyso_trust_free(t);

	spec.anchor_file = cert;
	spec.intermediate_file = cert;
	spec.crl_file = crl;
	spec.agency_oids = "1.2.3.4, 1.2.3.5";
	spec.personal_oids = "2.16.704.1.1.1.1.1";
	t = kyso_trust_load(&spec, &err);
	CHECK(t != NULL, "anchors, intermediates, CRL and OIDs load: %s",
	    err.msg);
	kyso_trust_free(t);

	spec.crl_file = "/nonexistent/x.crl";
	t = kyso_trust_load(&spec, &err);
	CHECK(t == NULL && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "/nonexistent/x.crl") != NULL,
	    "missing CRL file is a config error naming it: %s", err.msg);
	spec.crl_file = NULL;

	spec.anchor_file = empty;
	t = kyso_trust_load(&spec, &err);
	CHECK(t == NULL && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "no PEM certificate") != NULL,
	    "anchor file without certificates is refused: %s", err.msg);
	spec.anchor_file = cert;

	spec.agency_oids = "1.2.3,not-an-oid";
	t = kyso_trust_load(&spec, &err);
	CHECK(t == NULL && strstr(err.msg, "AgencyPolicyOIDs") != NULL,
	    "bad OID is refused naming the key: %s", err.msg);

	unlink(cert);
	unlink(crl);
	unlink(empty);
	rmdir(dir);
	return TEST_DONE();
}
