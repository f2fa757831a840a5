/*
 * http.c - plain-http GET and POST with OpenSSL's HTTP client, for the
 * revocation look-ups and the timestamp requests (http.h). Every transfer
 * is bounded in size and time; https is refused (revocation data and
 * timestamp tokens are signed objects, and the CAs publish them on http).
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/http.h>

#include "http.h"

/* Short text of the last OpenSSL error (static). */
static const char *
ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "no detail";
}

/* Read all of b into bytes, at most max; NULL when larger. */
static GBytes *
read_all(BIO *b, size_t max)
{
	GByteArray *a = g_byte_array_new();
	char buf[16384];
	int n;

	while ((n = BIO_read(b, buf, sizeof(buf))) > 0 && a->len <= max)
		g_byte_array_append(a, (const guint8 *)buf, (guint)n);
	if (a->len > max) {
		g_byte_array_unref(a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(a);
}

GBytes *
kyso_http_get(const char *url, size_t max, int timeout, char **why)
{
	BIO *resp;
	GBytes *r = NULL;

	ERR_clear_error();
	resp = OSSL_HTTP_get(url, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, 0, max, timeout);
	if (resp == NULL) {
		*why =
		    g_strdup_printf("cannot fetch %s: %s", url, ossl_reason());
		goto out;
	}
	if ((r = read_all(resp, max)) == NULL)
		*why = g_strdup_printf("%s: response too large", url);
out:
	BIO_free_all(resp);
	ERR_clear_error();
	return r;
}

GBytes *
kyso_http_post(const char *url, const char *ctype, const void *body, size_t len,
    const char *expect_ctype, size_t max, int timeout, char **why)
{
	char *host = NULL, *port = NULL, *path = NULL;
	BIO *req = NULL, *resp = NULL;
	GBytes *r = NULL;
	int ssl = 0;

	ERR_clear_error();
	if (!OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path,
	        NULL, NULL) ||
	    ssl) {
		*why = g_strdup_printf("unusable URL %s", url);
		goto out;
	}
	if ((req = BIO_new_mem_buf(body, (int)len)) == NULL) {
		*why = g_strdup("out of memory");
		goto out;
	}
	resp = OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, ctype, req, expect_ctype, 1, max,
	    timeout, 0);
	if (resp == NULL) {
		*why = g_strdup_printf("%s: %s", url, ossl_reason());
		goto out;
	}
	if ((r = read_all(resp, max)) == NULL)
		*why = g_strdup_printf("%s: response too large", url);
out:
	BIO_free_all(resp);
	BIO_free(req);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	ERR_clear_error();
	return r;
}
