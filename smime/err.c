/*
 * err.c - the error record every layer fills, and allocation wrappers.
 *
 * Never logs. kyso_err_openssl() drains the calling thread's OpenSSL error
 * queue so nothing leaks into the next message on the same thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "kyso/err.h"

void
kyso_err_set(struct kyso_err *err, enum kyso_errclass cls, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->cls = cls;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
kyso_err_openssl(struct kyso_err *err, enum kyso_errclass cls, const char *what)
{
	unsigned long e;
	size_t len;
	char buf[160];

	if (err == NULL) {
		ERR_clear_error();
		return;
	}
	err->cls = cls;
	(void)snprintf(err->msg, sizeof(err->msg), "%s", what);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		len = strlen(err->msg);
		if (len + 3 < sizeof(err->msg))
			(void)snprintf(err->msg + len, sizeof(err->msg) - len,
			    ": %s", buf);
	}
}

void
kyso_err_clear(struct kyso_err *err)
{
	if (err == NULL)
		return;
	err->cls = KYSO_E_NONE;
	err->msg[0] = '\0';
}

const char *
kyso_err_class_name(enum kyso_errclass cls)
{
	static const char *const names[] = {
	    [KYSO_E_NONE] = "none",
	    [KYSO_E_INPUT] = "input",
	    [KYSO_E_TEMP] = "temp",
	    [KYSO_E_CONFIG] = "config",
	    [KYSO_E_INTERNAL] = "internal",
	};

	if ((unsigned)cls >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[cls];
}

static void
out_of_memory(size_t n)
{
	(void)fprintf(stderr, "kyso: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
kyso_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *
kyso_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *
kyso_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *
kyso_xstrdup(const char *s)
{
	return kyso_xstrndup(s, strlen(s));
}

char *
kyso_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = kyso_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
