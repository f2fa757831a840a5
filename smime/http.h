/*
 * http.h - the one HTTP client of smime/ (OpenSSL's OSSL_HTTP_*): CRL
 * fetches and OCSP requests (revocation.c), RFC 3161 timestamp requests
 * (timestamp.c). Plain http only, bounded size and time. Never logs.
 */
#ifndef KYSO_HTTP_H
#define KYSO_HTTP_H

#include <stddef.h>

#include <glib.h>

/* GET url within timeout seconds; at most max bytes. NULL with *why
 * (g_malloc'd, naming the URL) on any failure. */
GBytes *kyso_http_get(const char *url, size_t max, int timeout, char **why);

/* POST body (content type ctype) to url, expecting a DER answer of
 * content type expect_ctype (NULL: any); at most max bytes within timeout
 * seconds.
 * NULL with *why (naming the URL) on any failure. */
GBytes *kyso_http_post(const char *url, const char *ctype, const void *body,
    size_t len, const char *expect_ctype, size_t max, int timeout, char **why);

#endif
