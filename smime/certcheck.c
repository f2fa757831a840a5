/*
 * certcheck.c - is a signing certificate fit to sign with: key usage,
 * extended key usage, key strength, and its chain to the trust anchors.
 * The checks kyso-milter -n and kyso-report --check run on every agency
 * certificate before mail depends on it. Never logs.
 */
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "kyso/smime/signer.h"
#include "certfile.h"

int
kyso_cert_check_usage(X509 *x, struct kyso_err *err)
{
	uint32_t flags;

	/* computes the cached extension flags the getters below read */
	(void)X509_check_purpose(x, -1, 0);
	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "certificate has an invalid extension");
		return -1;
	}
	/* RFC 8550 4.4.2: an S/MIME signer needs digitalSignature or
	 * nonRepudiation when the certificate limits its key usage */
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) &
	        (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "key usage has neither digitalSignature nor "
		    "nonRepudiation: not a signing certificate");
		return -1;
	}
	/* RFC 8550 4.4.4: a listed extended key usage must allow email */
	if ((flags & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(x) & (XKU_SMIME | XKU_ANYEKU))) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "extended key usage lacks emailProtection: not an S/MIME "
		    "certificate");
		return -1;
	}
	return 0;
}

int
kyso_cert_check_strength(X509 *x, struct kyso_err *err)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int bits, id;

	if (pk == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG, "unreadable public key");
		return -1;
	}
	bits = EVP_PKEY_get_bits(pk);
	id = EVP_PKEY_get_base_id(pk);
	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) &&
	    bits < KYSO_MIN_RSA_BITS) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "RSA key of %d bits is too weak (at least %d)", bits,
		    KYSO_MIN_RSA_BITS);
		return -1;
	}
	if (id == EVP_PKEY_EC && bits < KYSO_MIN_EC_BITS) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "EC key of %d bits is too weak (at least %d)", bits,
		    KYSO_MIN_EC_BITS);
		return -1;
	}
	if (id == EVP_PKEY_DSA) {
		kyso_err_set(err, KYSO_E_CONFIG, "DSA keys are not accepted");
		return -1;
	}
	return 0;
}

/* Add every certificate of a PEM file to sk; -1 with err. */
static int
add_file(STACK_OF(X509) * sk, const char *path, struct kyso_err *err)
{
	return path == NULL ? 0 : kyso_certfile_read(path, sk, err);
}

int
kyso_cert_check_chain(X509 *x, STACK_OF(X509) * chain, const char *anchor_file,
    const char *anchor_dir, const char *intermediate_file, time_t now,
    struct kyso_err *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int i, rc = -1;

	ERR_clear_error();
	if (store == NULL || ctx == NULL || untrusted == NULL) {
		kyso_err_set(err, KYSO_E_INTERNAL, "out of memory");
		goto out;
	}
	if (X509_STORE_load_locations(store, anchor_file, anchor_dir) != 1) {
		kyso_err_openssl(err, KYSO_E_CONFIG,
		    "cannot read the trust anchors");
		goto out;
	}
	if (add_file(untrusted, intermediate_file, err) < 0)
		goto out;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (!sk_X509_push(untrusted, X509_dup(sk_X509_value(chain, i))))
			goto out;
	if (X509_STORE_CTX_init(ctx, store, x, untrusted) != 1)
		goto out;
	if (now == 0) /* the caller reports the leaf's validity itself */
		X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
		    X509_V_FLAG_NO_CHECK_TIME);
	else
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), now);
	if (X509_verify_cert(ctx) != 1) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "does not chain to the trust anchors: %s (depth %d)",
		    X509_verify_cert_error_string(
		        X509_STORE_CTX_get_error(ctx)),
		    X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(untrusted, X509_free);
	return rc;
}
