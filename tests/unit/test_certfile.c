/*
 * test_certfile.c - smime/certfile.c, the one PEM certificate reader of
 * chain files and trust anchors. A damaged certificate in the middle of a
 * file must not be skipped silently (a chain or an anchor set would load
 * short and fail later, far from its cause).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <glib.h>

#include "harness.h"
#include "certfile.h"

static char dir[] = "/tmp/kyso-test-certfile.XXXXXX";

static X509 *
self_signed(const char *cn)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	return x;
}

static char *
pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	s = g_strndup(p, (gsize)n);
	BIO_free(b);
	return s;
}

static const char *
file_with(const char *name, const char *text)
{
	static char path[256];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)g_file_set_contents(path, text, -1, NULL);
	return path;
}

/* how many certificates kyso_certfile_read appended (-1: it failed) */
static int
count(const char *path, struct kyso_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	int n = kyso_certfile_read(path, sk, err) == 0 ? sk_X509_num(sk) : -1;

	sk_X509_pop_free(sk, X509_free);
	return n;
}

int
main(void)
{
	struct kyso_err err;
	X509 *a = self_signed("A"), *b = self_signed("B");
	char *pa = pem_of(a), *pb = pem_of(b), *text, *mid;

	if (mkdtemp(dir) == NULL)
		return 1;
	text = g_strconcat("Subject: A\n", pa, "\ncomment between\n", pb, NULL);
	CHECK(count(file_with("two", text), &err) == 2,
	    "two certificates with text around them");
	g_free(text);
	CHECK(count(file_with("empty", ""), &err) == -1 &&
	        strstr(err.msg, "no PEM certificate") != NULL,
	    "an empty file is refused (got \"%s\")", err.msg);
	CHECK(count(file_with("key",
	                "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	                "-----END PRIVATE KEY-----\n"),
	          &err) == -1,
	    "a file without a certificate is refused");
	CHECK(count("/nonexistent/chain.pem", &err) == -1 &&
	        err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "/nonexistent/chain.pem") != NULL,
	    "a missing file names itself (got \"%s\")", err.msg);

	/* the attacker's or the accident's case: the second certificate is
	 * damaged (base64 changed in the middle) */
	mid = g_strdup(pb);
	mid[strlen(mid) / 2] = '*';
	text = g_strconcat(pa, mid, NULL);
	CHECK(count(file_with("damaged", text), &err) == -1 &&
	        err.cls == KYSO_E_CONFIG && strstr(err.msg, "damaged") != NULL,
	    "a damaged second certificate fails the file (got \"%s\")",
	    err.msg);
	g_free(text);
	g_free(mid);
	text = g_strndup(pb, strlen(pb) - 30);
	mid = g_strconcat(pa, text, NULL);
	CHECK(count(file_with("cut", mid), &err) == -1,
	    "a certificate cut short fails the file (got \"%s\")", err.msg);
	g_free(text);
	g_free(mid);

	(void)unlink(file_with("two", ""));
	(void)unlink(file_with("empty", ""));
	(void)unlink(file_with("key", ""));
	(void)unlink(file_with("damaged", ""));
	(void)unlink(file_with("cut", ""));
	(void)rmdir(dir);
	g_free(pa);
	g_free(pb);
	X509_free(a);
	X509_free(b);
	return TEST_DONE();
}
