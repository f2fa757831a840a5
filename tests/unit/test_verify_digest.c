/*
 * test_verify_digest.c - kyso_verify_digest_signers (smime/verify.c), the
 * one content digest check verification and co-signing share: each signer
 * judged on its own over exactly the bytes given, and a length a BIO cannot
 * count (over INT_MAX) refused rather than truncated - (int)(4 GiB + n) is
 * n, which would have "verified" the first n bytes of a 4 GiB content.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "harness.h"
#include "verify_int.h"

static const char content[] = "Content-Type: text/plain\r\n\r\nsigned\r\n";

static X509 *
self_signed(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"signer", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

int
main(void)
{
	EVP_PKEY *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
	X509 *x1 = self_signed(k1), *x2 = self_signed(k2);
	unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL;
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	STACK_OF(CMS_SignerInfo) * sis;
	size_t len = strlen(content);
	int ok[2], good;

	CMS_add1_signer(cms, x1, k1, EVP_sha256(), flags);
	CMS_add1_signer(cms, x2, k2, EVP_sha384(), flags);
	CMS_final(cms, in, NULL, flags);
	sis = CMS_get0_SignerInfos(cms);

	good = kyso_verify_digest_signers(cms, content, len, sis, 2, ok);
	CHECK(good == 2 && ok[0] && ok[1],
	    "the signed bytes: both signers (SHA-256, SHA-384) match");
	good = kyso_verify_digest_signers(cms, content, len - 1, sis, 2, ok);
	CHECK(good == 0 && !ok[0] && !ok[1], "one byte less: neither matches");
	good = kyso_verify_digest_signers(cms, content, len, sis, 1, ok);
	CHECK(good == 1 && ok[0], "only the first n signers are judged");
	ok[0] = ok[1] = 1;
	good = kyso_verify_digest_signers(cms, content, ((size_t)1 << 32) + len,
	    sis, 2, ok);
	CHECK(good == 0 && !ok[0] && !ok[1],
	    "a length over INT_MAX is refused, not truncated to %zu", len);

	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(x1);
	X509_free(x2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	ERR_clear_error();
	return TEST_DONE();
}
