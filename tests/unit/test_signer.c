/*
 * test_signer.c - smime/signer.c on its own: loading a signing identity
 * from PEM files (certificate, key, chain), an encrypted key through a
 * passphrase file, refusing key and passphrase files readable by group or
 * others, a key that is not the certificate's, unknown digests, the digest
 * and micalg chosen, the SHA-256 fingerprint accessor, validity at a time.
 * Keys and certificates are made here with OpenSSL, written to a private
 * temporary directory.
 */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kyso/smime/signer.h"
#include "harness.h"

static char *dir;

static char *
path(const char *name)
{
	return g_strdup_printf("%s/%s", dir, name);
}

static X509 *
cert_for(EVP_PKEY *k, const char *cn, long from, long to)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

static void
write_cert(const char *name, X509 *x)
{
	char *p = path(name);
	FILE *f = fopen(p, "w");

	PEM_write_X509(f, x);
	fclose(f);
	g_free(p);
}

/* Write key `k` to `name` with `mode`, encrypted when pass != NULL. */
static void
write_key(const char *name, EVP_PKEY *k, const char *pass, mode_t mode)
{
	char *p = path(name);
	FILE *f = fopen(p, "w");

	PEM_write_PrivateKey(f, k, pass ? EVP_aes_256_cbc() : NULL,
	    (unsigned char *)pass, pass ? (int)strlen(pass) : 0, NULL, NULL);
	fclose(f);
	(void)chmod(p, mode);
	g_free(p);
}

static void
write_text(const char *name, const char *text, mode_t mode)
{
	char *p = path(name);

	(void)g_file_set_contents(p, text, -1, NULL);
	(void)chmod(p, mode);
	g_free(p);
}

/* Load with the named files (NULL: not given) into *s; the error in err. */
static struct kyso_signer *
load(const char *cert, const char *key, const char *pass, const char *chain,
    const char *digest, struct kyso_err *err)
{
	struct kyso_signer_spec spec = {0};
	char *c = cert ? path(cert) : NULL, *k = key ? path(key) : NULL;
	char *p = pass ? path(pass) : NULL, *ch = chain ? path(chain) : NULL;
	struct kyso_signer *s;

	memset(err, 0, sizeof(*err));
	spec.cert_file = c;
	spec.key_file = k;
	spec.passphrase_file = p;
	spec.chain_file = ch;
	spec.digest = digest;
	s = kyso_signer_load(&spec, err);
	g_free(c);
	g_free(k);
	g_free(p);
	g_free(ch);
	return s;
}

static int
refused(struct kyso_signer *s, const struct kyso_err *err, const char *why)
{
	kyso_signer_free(s);
	return s == NULL && err->cls == KYSO_E_CONFIG &&
	    strstr(err->msg, why) != NULL;
}

static void
fingerprint(X509 *x, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	X509_digest(x, EVP_sha256(), md, &n);
	for (i = 0; i < n; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int
main(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
	X509 *x = cert_for(k, "seal", 0, 3600);
	X509 *old = cert_for(k, "old", -7200, -3600);
	X509 *later = cert_for(k, "later", 3600, 7200);
	struct kyso_signer *s;
	struct kyso_err err;
	char hex[65],
	    *tmpl =
	        g_build_filename(g_get_tmp_dir(), "kyso-signer.XXXXXX", NULL);
	time_t now = time(NULL);

	dir = g_mkdtemp(tmpl);
	write_cert("seal.crt", x);
	write_cert("old.crt", old);
	write_cert("later.crt", later);
	write_key("seal.key", k, NULL, 0600);
	write_key("seal-644.key", k, NULL, 0644);
	write_key("seal-640.key", k, NULL, 0640);
	write_key("other.key", other, NULL, 0600);
	write_key("enc.key", k, "mật khẩu 1", 0600);
	write_text("pass", "mật khẩu 1\r\n", 0600);
	write_text("pass-644", "mật khẩu 1\n", 0644);
	write_text("wrong", "not it\n", 0600);
	write_text("chain.pem", "", 0644);
	{
		char *p = path("chain.pem");
		FILE *f = fopen(p, "w");

		PEM_write_X509(f, old);
		PEM_write_X509(f, later);
		fclose(f);
		g_free(p);
	}

	/* a plain key */
	s = load("seal.crt", "seal.key", NULL, "chain.pem", NULL, &err);
	fingerprint(x, hex);
	CHECK(s != NULL, "PEM certificate, key (mode 600), chain load: %s",
	    err.msg);
	if (s != NULL) {
		CHECK(EVP_MD_get_type(kyso_signer_md(s)) == NID_sha256 &&
		        strcmp(kyso_signer_micalg(s), "sha-256") == 0,
		    "default digest SHA-256, micalg sha-256");
		CHECK(strlen(kyso_signer_fingerprint(s)) == 64 &&
		        strcmp(kyso_signer_fingerprint(s), hex) == 0,
		    "kyso_signer_fingerprint: SHA-256 of the certificate, "
		    "lower-case hex");
		CHECK(X509_cmp(kyso_signer_cert(s), x) == 0 &&
		        EVP_PKEY_eq(kyso_signer_key(s), k) == 1 &&
		        sk_X509_num(kyso_signer_chain(s)) == 2 &&
		        !kyso_signer_on_token(s),
		    "accessors: the certificate, the key, two chain "
		    "certificates, not on a token");
		CHECK(kyso_signer_check_time(s, now, &err) == 0, "valid now");
	}
	kyso_signer_free(s);

	/* digests */
	s = load("seal.crt", "seal.key", NULL, NULL, "sha384", &err);
	CHECK(s != NULL && EVP_MD_get_type(kyso_signer_md(s)) == NID_sha384 &&
	        strcmp(kyso_signer_micalg(s), "sha-384") == 0 &&
	        kyso_signer_chain(s) == NULL,
	    "sha384: SHA-384, micalg sha-384; no chain file, no chain");
	kyso_signer_free(s);
	s = load("seal.crt", "seal.key", NULL, NULL, "SHA512", &err);
	CHECK(s != NULL && EVP_MD_get_type(kyso_signer_md(s)) == NID_sha512 &&
	        strcmp(kyso_signer_micalg(s), "sha-512") == 0,
	    "SHA512 (any case): SHA-512, micalg sha-512");
	kyso_signer_free(s);
	s = load("seal.crt", "seal.key", NULL, NULL, "sha1", &err);
	CHECK(refused(s, &err, "unknown digest \"sha1\""),
	    "sha1 is refused: %s", err.msg);
	s = load("seal.crt", "seal.key", NULL, NULL, "sha-256", &err);
	CHECK(refused(s, &err, "unknown digest"),
	    "the micalg spelling is not a configuration name: %s", err.msg);
	s = load("seal.crt", "seal.key", NULL, NULL, "sha224", &err);
	CHECK(refused(s, &err, "unknown digest"),
	    "sha224 is not configurable: %s", err.msg);

	/* file modes */
	s = load("seal.crt", "seal-644.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err,
	          "private key is accessible by group or others") &&
	        strstr(err.msg, "0644") != NULL,
	    "a key readable by others is refused: %s", err.msg);
	s = load("seal.crt", "seal-640.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "accessible by group or others"),
	    "a key readable by the group is refused: %s", err.msg);
	s = load("seal.crt", ".", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "not a regular file"),
	    "a directory as key is refused: %s", err.msg);

	/* encrypted key */
	s = load("seal.crt", "enc.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "encrypted keys need a passphrase file"),
	    "an encrypted key without a passphrase file: %s", err.msg);
	s = load("seal.crt", "enc.key", "pass", NULL, NULL, &err);
	CHECK(s != NULL && EVP_PKEY_eq(kyso_signer_key(s), k) == 1,
	    "an encrypted key with its passphrase file (CRLF ended, "
	    "UTF-8): %s",
	    err.msg);
	kyso_signer_free(s);
	s = load("seal.crt", "enc.key", "wrong", NULL, NULL, &err);
	CHECK(refused(s, &err, "wrong passphrase?"), "a wrong passphrase: %s",
	    err.msg);
	s = load("seal.crt", "enc.key", "pass-644", NULL, NULL, &err);
	CHECK(refused(s, &err,
	          "passphrase file is accessible by group or "
	          "others"),
	    "a passphrase file readable by others is refused: %s", err.msg);
	s = load("seal.crt", "enc.key", "missing", NULL, NULL, &err);
	CHECK(refused(s, &err, "missing"),
	    "a missing passphrase file is named: %s", err.msg);

	/* mismatch and missing pieces */
	s = load("seal.crt", "other.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "private key does not match certificate"),
	    "a key of another certificate: %s", err.msg);
	s = load(NULL, "seal.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "needs a certificate and a key file"),
	    "no certificate file: %s", err.msg);
	s = load("nonexistent.crt", "seal.key", NULL, NULL, NULL, &err);
	CHECK(refused(s, &err, "nonexistent.crt"),
	    "an unreadable certificate file is named: %s", err.msg);
	s = load("seal.crt", "seal.key", NULL, "nonexistent.pem", NULL, &err);
	CHECK(refused(s, &err, "nonexistent.pem"),
	    "an unreadable chain file is named: %s", err.msg);

	/* validity */
	s = load("old.crt", "seal.key", NULL, NULL, NULL, &err);
	CHECK(s != NULL && kyso_signer_check_time(s, now, &err) < 0 &&
	        err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "expired on") != NULL &&
	        kyso_signer_not_after(s) < now,
	    "an expired certificate loads but may not sign: %s", err.msg);
	kyso_signer_free(s);
	s = load("later.crt", "seal.key", NULL, NULL, NULL, &err);
	CHECK(s != NULL && kyso_signer_check_time(s, now, &err) < 0 &&
	        strstr(err.msg, "not valid before") != NULL &&
	        kyso_signer_not_before(s) > now,
	    "a certificate not yet valid may not sign: %s", err.msg);
	kyso_signer_free(s);

	{
		GDir *d = g_dir_open(dir, 0, NULL);
		const char *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			char *p = path(name);

			(void)g_remove(p);
			g_free(p);
		}
		if (d != NULL)
			g_dir_close(d);
		(void)g_rmdir(dir);
	}
	g_free(tmpl);
	X509_free(x);
	X509_free(old);
	X509_free(later);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	return TEST_DONE();
}
