/*
 * certfile.c - read the PEM certificates of a file (chains, anchors,
 * intermediates). Never logs; leaves the OpenSSL error queue empty.
 */
#include <openssl/err.h>
#include <openssl/pem.h>

#include "certfile.h"

int
kyso_certfile_read(const char *path, STACK_OF(X509) * sk, struct kyso_err *err)
{
	struct kyso_err why;
	BIO *b = NULL;
	X509 *x;
	int n = 0, rc = -1;

	if ((b = BIO_new_file(path, "r")) == NULL) {
		kyso_err_openssl(err, KYSO_E_CONFIG, path);
		goto out;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			kyso_err_openssl(err, KYSO_E_INTERNAL, "sk_X509_push");
			goto out;
		}
		n++;
	}
	/* the loop ends at end of file with "no start line"; any other
	 * reason is a damaged certificate, which must not be skipped */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
		kyso_err_openssl(&why, KYSO_E_CONFIG, "");
		kyso_err_set(err, KYSO_E_CONFIG,
		    "%s: certificate %d is damaged%s", path, n + 1, why.msg);
		goto out;
	}
	ERR_clear_error();
	if (n == 0) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: no PEM certificate found",
		    path);
		goto out;
	}
	rc = 0;
out:
	BIO_free(b);
	return rc;
}
