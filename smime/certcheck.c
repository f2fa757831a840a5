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
