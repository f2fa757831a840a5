/*
 * signer.c - load a signing identity (certificate, key, chain, digest) from
 * PEM files and check it before any mail depends on it.
 *
 * Refuses key files readable by group or others (as OpenSSH does), keys that
 * do not match the certificate, and unknown digests. Immutable once loaded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>

#include "kyso/limits.h"
#include "kyso/smime/signer.h"
#include "certfile.h"
#include "digest.h"
#include "keypool.h"
#include "pkcs11.h"

struct kyso_signer {
	atomic_uint refs; /* snapshots holding it (kept across reloads) */
	X509 *cert;
	EVP_PKEY *key;             /* owned, or the pool's */
	struct kyso_keypool *pool; /* tokens and pooled key files, or NULL */
	char name[80];             /* for messages: certificate id or file */
	unsigned wait_ms, queue_limit;
	STACK_OF(X509) * chain;
	const EVP_MD *md;
	const char *micalg;
	char fingerprint[2 * EVP_MAX_MD_SIZE + 1]; /* SHA-256 of cert, hex */
	/* the signed attributes that are the same in every signature, DER
	 * built once at load: ESS signingCertificateV2 (RFC 5035, what
	 * OpenSSL's CMS_CADES computes per message) and SMIMECapabilities */
	ASN1_STRING *ess_v2;
	ASN1_STRING *smimecap;
};

/* Read a passphrase file: first line, without its newline. */
static char *
read_passphrase(const char *path, struct kyso_err *err)
{
	char buf[1024];
	FILE *fp = fopen(path, "r");
	char *pass = NULL;

	if (fp == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: %s", path,
		    g_strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: empty passphrase file",
		    path);
		goto out;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	pass = kyso_xstrdup(buf);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	(void)fclose(fp);
	return pass;
}

/* The key file must be a regular file not readable by group or others. */
static int
check_key_mode(const char *path, const char *what, struct kyso_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: not a regular file",
		    path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: %s is accessible by group or others "
		    "(mode %04o); run chmod 600 on it",
		    path, what, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static X509 *
load_cert(const char *path, struct kyso_err *err)
{
	FILE *fp = fopen(path, "r");
	X509 *x;

	if (fp == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: %s", path,
		    g_strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	(void)fclose(fp);
	if (x == NULL)
		kyso_err_openssl(err, KYSO_E_CONFIG, path);
	return x;
}

static STACK_OF(X509) * load_chain(const char *path, struct kyso_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (kyso_certfile_read(path, sk, err) < 0) {
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

static EVP_PKEY *
load_key(const char *path, const char *pass_file, struct kyso_err *err)
{
	FILE *fp = NULL;
	EVP_PKEY *key = NULL;
	char *pass = NULL;
	char empty[1] = "";

	if (check_key_mode(path, "private key", err) < 0)
		return NULL;
	if (pass_file != NULL &&
	    (check_key_mode(pass_file, "passphrase file", err) < 0 ||
	        (pass = read_passphrase(pass_file, err)) == NULL))
		return NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: %s", path,
		    g_strerror(errno));
		goto out;
	}
	/* an empty passphrase makes an encrypted key fail instead of
	 * prompting on a terminal */
	key = PEM_read_PrivateKey(fp, NULL, NULL, pass != NULL ? pass : empty);
	if (key == NULL)
		kyso_err_openssl(err, KYSO_E_CONFIG,
		    pass_file != NULL ? "cannot read private key (wrong "
		                        "passphrase?)"
		                      : "cannot read private key (encrypted "
		                        "keys need a passphrase file)");
out:
	if (fp != NULL)
		(void)fclose(fp);
	if (pass != NULL) {
		OPENSSL_cleanse(pass, strlen(pass));
		free(pass);
	}
	if (key == NULL && err != NULL) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		kyso_err_set(err, KYSO_E_CONFIG, "%.80s: %.160s", path, msg);
	}
	return key;
}

static unsigned
or_default(unsigned v, unsigned def)
{
	return v != 0 ? v : def;
}

/* Name and pool settings from the spec. */
static void
set_pool_opts(struct kyso_signer *s, const struct kyso_signer_spec *spec)
{
	const char *base = strrchr(spec->cert_file, '/');

	(void)snprintf(s->name, sizeof(s->name), "%s",
	    spec->name != NULL ? spec->name
	        : base != NULL ? base + 1
	                       : spec->cert_file);
	s->wait_ms =
	    or_default(spec->token_wait_ms, KYSO_DEFAULT_TOKEN_WAIT_MS);
	s->queue_limit =
	    or_default(spec->token_queue_limit, KYSO_DEFAULT_TOKEN_QUEUE);
}

static struct kyso_keypool *
new_pool(const struct kyso_signer *s)
{
	return kyso_keypool_new(s->name, s->wait_ms, s->queue_limit);
}

/* Log in to the token and find the key (the PIN file obeys the key-file
 * rules); the key becomes the only member of the signer's pool. */
static int
load_token_key(struct kyso_signer *s, const struct kyso_signer_spec *spec,
    struct kyso_err *err)
{
	struct kyso_pkcs11_key *k;
	EVP_PKEY *pub = NULL;
	char *pin = NULL;
	int rc = -1;

	if (spec->pin_file != NULL &&
	    (check_key_mode(spec->pin_file, "PIN file", err) < 0 ||
	        (pin = read_passphrase(spec->pin_file, err)) == NULL))
		return -1;
	if ((k = kyso_pkcs11_load(spec->key_file, spec->pkcs11_module, pin,
	         spec->pin_state_file, &pub, err)) == NULL)
		goto out;
	s->pool = new_pool(s);
	if (kyso_keypool_add_token(s->pool, k, pub, err) < 0)
		goto out;
	s->key = kyso_keypool_pkey(s->pool);
	rc = 0;
out:
	if (pin != NULL) {
		OPENSSL_cleanse(pin, strlen(pin));
		free(pin);
	}
	return rc;
}

/* Put a key file's key into a pool of its own (before a join). */
static int
pool_soft_key(struct kyso_signer *s, struct kyso_err *err)
{
	EVP_PKEY *key = s->key;

	if (s->pool != NULL)
		return 0;
	s->key = NULL;
	s->pool = new_pool(s);
	if (kyso_keypool_add_soft(s->pool, key, err) < 0)
		return -1;
	s->key = kyso_keypool_pkey(s->pool);
	return 0;
}

/* The certificate's SHA-256 fingerprint in lower-case hex, computed once:
 * inbound verification compares it with signers' (a seal bound to a
 * sender through the CertificateTable). */
static void
set_fingerprint(struct kyso_signer *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	s->fingerprint[0] = '\0';
	if (!X509_digest(s->cert, EVP_sha256(), md, &n))
		n = 0;
	for (i = 0; i < n; i++)
		(void)snprintf(s->fingerprint + 2 * i, 3, "%02x", md[i]);
	ERR_clear_error();
}

/* DER of what i2d writes for obj, as a SEQUENCE-typed ASN1_STRING. */
static ASN1_STRING *
der_sequence(unsigned char *der, int len)
{
	ASN1_STRING *a = len > 0 ? ASN1_STRING_type_new(V_ASN1_SEQUENCE) : NULL;

	if (a != NULL && !ASN1_STRING_set(a, der, len)) {
		ASN1_STRING_free(a);
		a = NULL;
	}
	OPENSSL_free(der);
	return a;
}

/* The per-signer signed attributes (see struct kyso_signer), as
 * CMS_add1_signer would add them with CMS_CADES and S/MIME capabilities:
 * ESS signingCertificateV2 with the signature's digest and the issuer and
 * serial, the standard capability list. */
static int
build_signed_attrs(struct kyso_signer *s, struct kyso_err *err)
{
	ESS_SIGNING_CERT_V2 *sc = NULL;
	STACK_OF(X509_ALGOR) *caps = NULL;
	unsigned char *der = NULL;
	int n, rc = -1;

	if ((sc = OSSL_ESS_signing_cert_v2_new_init(s->md, s->cert, NULL, 1)) ==
	        NULL ||
	    (n = i2d_ESS_SIGNING_CERT_V2(sc, &der)) <= 0 ||
	    (s->ess_v2 = der_sequence(der, n)) == NULL)
		goto out;
	der = NULL;
	if ((caps = sk_X509_ALGOR_new_null()) == NULL ||
	    !CMS_add_standard_smimecap(&caps) ||
	    (n = i2d_X509_ALGORS(caps, &der)) <= 0 ||
	    (s->smimecap = der_sequence(der, n)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		kyso_err_openssl(err, KYSO_E_INTERNAL, "signed attributes");
	ESS_SIGNING_CERT_V2_free(sc);
	sk_X509_ALGOR_pop_free(caps, X509_ALGOR_free);
	return rc;
}

int
kyso_signer_add_attrs(const struct kyso_signer *s, CMS_SignerInfo *si,
    struct kyso_err *err)
{
	if (!CMS_signed_add1_attr_by_NID(si,
	        NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
	        s->ess_v2, -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_SMIMECapabilities,
	        V_ASN1_SEQUENCE, s->smimecap, -1)) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "signed attributes");
		return -1;
	}
	return 0;
}

struct kyso_signer *
kyso_signer_load(const struct kyso_signer_spec *spec, struct kyso_err *err)
{
	struct kyso_signer *s = kyso_xcalloc(1, sizeof(*s));
	const char *dname = spec->digest != NULL ? spec->digest : "sha256";
	const struct kyso_digest *d = kyso_digest_by_name(dname);

	/* first: every failure below frees through kyso_signer_free */
	atomic_init(&s->refs, 1);
	ERR_clear_error();
	if (d == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "unknown digest \"%s\" (sha256, sha384 or sha512)", dname);
		goto fail;
	}
	s->md = EVP_get_digestbynid(d->nid);
	s->micalg = d->micalg;
	if (spec->cert_file == NULL || spec->key_file == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "a signer needs a certificate and a key file");
		goto fail;
	}
	if ((s->cert = load_cert(spec->cert_file, err)) == NULL)
		goto fail;
	set_pool_opts(s, spec);
	set_fingerprint(s);
	if (build_signed_attrs(s, err) < 0)
		goto fail;
	if (spec->cert_only)
		goto chain;
	if (kyso_pkcs11_is_uri(spec->key_file)) {
		if (load_token_key(s, spec, err) < 0)
			goto fail;
	} else if ((s->key = load_key(spec->key_file, spec->passphrase_file,
	                err)) == NULL) {
		goto fail;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		kyso_err_openssl(err, KYSO_E_CONFIG, "");
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: private key does not match certificate %s",
		    spec->key_file, spec->cert_file);
		goto fail;
	}
chain:
	if (spec->chain_file != NULL &&
	    (s->chain = load_chain(spec->chain_file, err)) == NULL)
		goto fail;
	return s;
fail:
	kyso_signer_free(s);
	return NULL;
}

struct kyso_signer *
kyso_signer_ref(struct kyso_signer *s)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
kyso_signer_free(struct kyso_signer *s)
{
	if (s == NULL ||
	    atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	X509_free(s->cert);
	if (s->pool != NULL)
		kyso_keypool_free(s->pool);
	else
		EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->chain, X509_free);
	ASN1_STRING_free(s->ess_v2);
	ASN1_STRING_free(s->smimecap);
	free(s);
}

const char *
kyso_signer_fingerprint(const struct kyso_signer *s)
{
	return s->fingerprint;
}

X509 *
kyso_signer_cert(const struct kyso_signer *s)
{
	return s->cert;
}

EVP_PKEY *
kyso_signer_key(const struct kyso_signer *s)
{
	return s->key;
}

STACK_OF(X509) * kyso_signer_chain(const struct kyso_signer *s)
{
	return s->chain;
}

const EVP_MD *
kyso_signer_md(const struct kyso_signer *s)
{
	return s->md;
}

int
kyso_signer_on_token(const struct kyso_signer *s)
{
	return s->pool != NULL && kyso_keypool_has_token(s->pool);
}

int
kyso_signer_join(struct kyso_signer *dst, struct kyso_signer *src,
    struct kyso_err *err)
{
	int rc = -1;

	if (X509_cmp(dst->cert, src->cert) != 0) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "the keys of one certificate id must share its "
		    "certificate");
		goto out;
	}
	if (pool_soft_key(dst, err) < 0 || pool_soft_key(src, err) < 0)
		goto out;
	rc = kyso_keypool_join(dst->pool, src->pool, err);
	src->pool = NULL;
	src->key = NULL;
out:
	kyso_signer_free(src);
	return rc;
}

size_t
kyso_signer_pool_size(const struct kyso_signer *s)
{
	return s->pool != NULL ? kyso_keypool_size(s->pool) : 1;
}

unsigned long
kyso_signer_pool_uses(const struct kyso_signer *s, size_t i)
{
	return s->pool != NULL ? kyso_keypool_uses(s->pool, i) : 0;
}

int
kyso_signer_op_error(const struct kyso_signer *s, struct kyso_err *err)
{
	return s->pool != NULL && kyso_keypool_last_error(err);
}

const char *
kyso_signer_micalg(const struct kyso_signer *s)
{
	return s->micalg;
}

static time_t
asn1_to_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

time_t
kyso_signer_not_before(const struct kyso_signer *s)
{
	return asn1_to_time(X509_get0_notBefore(s->cert));
}

time_t
kyso_signer_not_after(const struct kyso_signer *s)
{
	return asn1_to_time(X509_get0_notAfter(s->cert));
}

static void
format_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		(void)snprintf(buf, len, "(unknown)");
}

int
kyso_signer_check_time(const struct kyso_signer *s, time_t now,
    struct kyso_err *err)
{
	time_t nb = kyso_signer_not_before(s), na = kyso_signer_not_after(s);
	char when[40];

	if (na != 0 && now > na) {
		format_utc(na, when, sizeof(when));
		kyso_err_set(err, KYSO_E_CONFIG,
		    "signing certificate expired on %s", when);
		return -1;
	}
	if (nb != 0 && now < nb) {
		format_utc(nb, when, sizeof(when));
		kyso_err_set(err, KYSO_E_CONFIG,
		    "signing certificate not valid before %s", when);
		return -1;
	}
	return 0;
}
