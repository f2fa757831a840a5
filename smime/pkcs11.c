/*
 * pkcs11.c - load a private key that never leaves its PKCS#11 token.
 *
 * Debian 12 ships libp11's engine (libengine-pkcs11-openssl), not a
 * PKCS#11 provider, so this one file uses OpenSSL's deprecated ENGINE API;
 * the rest of kyso sees an ordinary EVP_PKEY. The engine is loaded on
 * demand ("pkcs11" dynamic engine), so a build without it still runs and
 * reports a clear error only when a token key is configured.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>

#include "pkcs11.h"

int
kyso_pkcs11_is_uri(const char *key_ref)
{
	return key_ref != NULL && strncmp(key_ref, "pkcs11:", 7) == 0;
}

int
kyso_pkcs11_load(const char *uri, const char *module, const char *pin,
    struct kyso_pkcs11_key *out, struct kyso_err *err)
{
	ENGINE *e = NULL;
	int initialised = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	if ((e = ENGINE_by_id("pkcs11")) == NULL) {
		kyso_err_openssl(err, KYSO_E_CONFIG,
		    "PKCS#11 engine not available (install the Debian "
		    "package libengine-pkcs11-openssl)");
		goto out;
	}
	if (module != NULL &&
	    !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) {
		kyso_err_openssl(err, KYSO_E_CONFIG, "PKCS#11 module path");
		goto out;
	}
	if (!ENGINE_init(e)) {
		kyso_err_openssl(err, KYSO_E_CONFIG,
		    "cannot initialise the PKCS#11 engine");
		goto out;
	}
	initialised = 1;
	if (pin != NULL && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		kyso_err_openssl(err, KYSO_E_CONFIG, "PKCS#11 PIN");
		goto out;
	}
	out->key = ENGINE_load_private_key(e, uri, NULL, NULL);
	if (out->key == NULL) {
		kyso_err_openssl(err, KYSO_E_CONFIG,
		    "cannot use the token key (token absent, wrong PIN or no "
		    "such object)");
		goto out;
	}
	out->engine = e;
	e = NULL;
	rc = 0;
out:
	if (e != NULL) {
		if (initialised)
			(void)ENGINE_finish(e);
		(void)ENGINE_free(e);
	}
	return rc;
}

void
kyso_pkcs11_release(struct kyso_pkcs11_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->key);
	if (k->engine != NULL) {
		(void)ENGINE_finish(k->engine);
		(void)ENGINE_free(k->engine);
	}
	memset(k, 0, sizeof(*k));
}
