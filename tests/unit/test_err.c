/*
 * test_err.c - smime/err.c, the one error idiom: messages are truncated,
 * never overflowed; the OpenSSL error queue is always drained (nothing
 * leaks into the next message on the thread); class names for logs.
 */
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "harness.h"
#include "kyso/err.h"

int
main(void)
{
	struct kyso_err err;
	char long_text[1000];
	BIO *b;
	unsigned char *p;

	kyso_err_set(&err, KYSO_E_TEMP, "spool %s: %d", "/tmp/x", 5);
	CHECK(err.cls == KYSO_E_TEMP && strcmp(err.msg, "spool /tmp/x: 5") == 0,
	    "class and formatted message");
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	kyso_err_set(&err, KYSO_E_INPUT, "%s", long_text);
	CHECK(strlen(err.msg) == sizeof(err.msg) - 1,
	    "a long message is truncated to the record (%zu)", strlen(err.msg));
	kyso_err_clear(&err);
	CHECK(err.cls == KYSO_E_NONE && err.msg[0] == '\0', "clear empties it");
	kyso_err_set(NULL, KYSO_E_INTERNAL, "nobody listens");
	kyso_err_clear(NULL);
	CHECK(1, "a NULL record is accepted by set and clear");

	/* a real OpenSSL failure: PEM read of garbage */
	b = BIO_new_mem_buf("not a certificate", -1);
	CHECK(PEM_read_bio_X509(b, NULL, NULL, NULL) == NULL &&
	        ERR_peek_error() != 0,
	    "OpenSSL queued an error");
	BIO_free(b);
	kyso_err_openssl(&err, KYSO_E_CONFIG, "reading cert.pem");
	CHECK(err.cls == KYSO_E_CONFIG &&
	        strncmp(err.msg, "reading cert.pem: ", 18) == 0 &&
	        strstr(err.msg, "PEM") != NULL,
	    "the OpenSSL reason follows `what` (got \"%s\")", err.msg);
	CHECK(ERR_peek_error() == 0, "and the queue is drained");
	ERR_put_error(ERR_LIB_X509, 0, ERR_R_MALLOC_FAILURE, __FILE__,
	    __LINE__);
	kyso_err_openssl(NULL, KYSO_E_INTERNAL, "nobody listens");
	CHECK(ERR_peek_error() == 0, "drained also without a record");
	for (int i = 0; i < 40; i++)
		ERR_put_error(ERR_LIB_X509, 0, ERR_R_MALLOC_FAILURE, __FILE__,
		    __LINE__);
	kyso_err_openssl(&err, KYSO_E_INTERNAL, long_text);
	CHECK(strlen(err.msg) < sizeof(err.msg) && ERR_peek_error() == 0,
	    "a long queue is truncated, never overflowed, and drained");

	CHECK(strcmp(kyso_err_class_name(KYSO_E_NONE), "none") == 0 &&
	        strcmp(kyso_err_class_name(KYSO_E_INPUT), "input") == 0 &&
	        strcmp(kyso_err_class_name(KYSO_E_TEMP), "temp") == 0 &&
	        strcmp(kyso_err_class_name(KYSO_E_CONFIG), "config") == 0 &&
	        strcmp(kyso_err_class_name(KYSO_E_INTERNAL), "internal") == 0,
	    "class names for logs");
	CHECK(strcmp(kyso_err_class_name((enum kyso_errclass)42), "unknown") ==
	        0,
	    "an unknown class reads \"unknown\"");

	p = kyso_xmalloc(0);
	CHECK(p != NULL, "xmalloc(0) returns a pointer");
	p = kyso_xrealloc(p, 64);
	memset(p, 1, 64);
	free(p);
	p = kyso_xcalloc(8, 8);
	CHECK(p != NULL && p[0] == 0 && p[63] == 0, "xcalloc zeroes");
	free(p);
	return TEST_DONE();
}
