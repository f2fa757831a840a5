/*
 * fuzz_common.h - what every fuzz target shares: the libFuzzer entry point's
 * prototype, a private temporary directory (removed at exit), and the
 * throwaway PKI the targets trust and sign with. The PKI comes from
 * $KYSO_FUZZ_PKI (a tests/pki/make-pki.sh directory: root.crt, chain.pem,
 * sotttt-agency.crt/.key, so the seeds signed by tests/fuzz/make-seeds.sh
 * chain to it) or, without it, is generated once with the OpenSSL API.
 * Header-only; a set-up failure aborts (it is not a finding).
 */
#ifndef KYSO_FUZZ_COMMON_H
#define KYSO_FUZZ_COMMON_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_FN static __attribute__((unused))

/* The address the targets treat as the message's sender. */
#define FZ_FROM "a@hagiang.gov.vn"

struct fz_pki {
	char ca[512];    /* trust anchor (PEM) */
	char cert[512];  /* signer certificate (PEM) */
	char key[512];   /* signer key (PEM, mode 0600) */
	char chain[512]; /* intermediates to include, "" for none */
};

static char fz_tmp[64] __attribute__((unused));

FZ_FN void
fz_die(const char *what)
{
	(void)fprintf(stderr, "fuzz set-up failed: %s\n", what);
	abort();
}

FZ_FN int
fz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	(void)remove(path);
	return 0;
}

FZ_FN void
fz_cleanup(void)
{
	if (fz_tmp[0] != '\0' && getenv("KYSO_KEEP_TMP") == NULL)
		(void)nftw(fz_tmp, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The private temporary directory, made at the first call. */
FZ_FN const char *
fz_dir(void)
{
	if (fz_tmp[0] == '\0') {
		const char *t = getenv("TMPDIR");

		(void)snprintf(fz_tmp, sizeof(fz_tmp), "%s/kyso-fuzz-XXXXXX",
		    t != NULL && strlen(t) < 40 ? t : "/tmp");
		if (mkdtemp(fz_tmp) == NULL)
			fz_die("mkdtemp");
		atexit(fz_cleanup);
	}
	return fz_tmp;
}

/* Path of `name` in the directory (caller's buffer). */
FZ_FN const char *
fz_path(char *buf, size_t len, const char *name)
{
	(void)snprintf(buf, len, "%s/%s", fz_dir(), name);
	return buf;
}

/* Write len bytes to `name` in the directory (mode 0600); its path. */
FZ_FN const char *
fz_write(char *buf, size_t buflen, const char *name, const void *data,
    size_t len)
{
	FILE *f;

	fz_path(buf, buflen, name);
	(void)unlink(buf);
	if ((f = fopen(buf, "wb")) == NULL)
		fz_die("cannot create a file in the temporary directory");
	(void)chmod(buf, 0600);
	if (len > 0 && fwrite(data, 1, len, f) != len)
		fz_die("short write");
	if (fclose(f) != 0)
		fz_die("close");
	return buf;
}

FZ_FN void
fz_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    !X509_add_ext(cert, ex, -1))
		fz_die("certificate extension");
	X509_EXTENSION_free(ex);
}

/* A certificate for `key` named cn, signed by issuer/ikey (self-signed
 * when issuer is NULL). */
FZ_FN X509 *
fz_cert(EVP_PKEY *key, const char *cn, const char *email, X509 *issuer,
    EVP_PKEY *ikey, long serial)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();

	if (c == NULL || n == NULL || !X509_set_version(c, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(c), serial) ||
	    X509_gmtime_adj(X509_getm_notBefore(c), -86400L) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(c), 3650L * 86400L) == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	        (const unsigned char *)"kyso fuzz", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	        (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(c, n) ||
	    !X509_set_issuer_name(c,
	        issuer != NULL ? X509_get_subject_name(issuer) : n) ||
	    !X509_set_pubkey(c, key))
		fz_die("certificate fields");
	X509_NAME_free(n);
	if (issuer == NULL) {
		fz_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
		fz_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
		fz_ext(c, c, NID_subject_key_identifier, "hash");
	} else {
		char san[128];

		(void)snprintf(san, sizeof(san), "email:%s", email);
		fz_ext(c, issuer, NID_basic_constraints, "CA:FALSE");
		fz_ext(c, issuer, NID_key_usage,
		    "critical,digitalSignature,nonRepudiation");
		fz_ext(c, issuer, NID_ext_key_usage, "emailProtection");
		fz_ext(c, issuer, NID_subject_alt_name, san);
		fz_ext(c, issuer, NID_subject_key_identifier, "hash");
		fz_ext(c, issuer, NID_authority_key_identifier, "keyid");
	}
	if (!X509_sign(c, issuer != NULL ? ikey : key, EVP_sha256()))
		fz_die("X509_sign");
	return c;
}

FZ_FN void
fz_pem_cert(const char *path, X509 *c)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || !PEM_write_X509(f, c) || fclose(f) != 0)
		fz_die("writing a certificate");
}

/* The PKI, set up at the first call. */
FZ_FN const struct fz_pki *
fz_pki(void)
{
	static struct fz_pki p;
	const char *env = getenv("KYSO_FUZZ_PKI");
	EVP_PKEY *cakey, *key;
	X509 *ca, *leaf;
	FILE *f;

	if (p.ca[0] != '\0')
		return &p;
	if (env != NULL && env[0] != '\0') {
		(void)snprintf(p.ca, sizeof(p.ca), "%s/root.crt", env);
		(void)snprintf(p.cert, sizeof(p.cert), "%s/sotttt-agency.crt",
		    env);
		(void)snprintf(p.key, sizeof(p.key), "%s/sotttt-agency.key",
		    env);
		(void)snprintf(p.chain, sizeof(p.chain), "%s/chain.pem", env);
		if (access(p.ca, R_OK) != 0 || access(p.key, R_OK) != 0)
			fz_die("KYSO_FUZZ_PKI has no root.crt or "
			       "sotttt-agency.key");
		return &p;
	}
	if ((cakey = EVP_RSA_gen(2048)) == NULL ||
	    (key = EVP_RSA_gen(2048)) == NULL)
		fz_die("RSA key generation");
	ca = fz_cert(cakey, "kyso fuzz CA", NULL, NULL, NULL, 1);
	leaf = fz_cert(key, "kyso fuzz signer", FZ_FROM, ca, cakey, 2);
	fz_pem_cert(fz_path(p.ca, sizeof(p.ca), "ca.pem"), ca);
	fz_pem_cert(fz_path(p.cert, sizeof(p.cert), "signer.pem"), leaf);
	fz_write(p.key, sizeof(p.key), "signer.key", "", 0);
	if ((f = fopen(p.key, "w")) == NULL ||
	    !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0)
		fz_die("writing the key");
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	return &p;
}

/* A NUL-terminated copy of the input (g_free). */
#define fz_strndup(data, size) g_strndup((const char *)(data), (size))

#endif
