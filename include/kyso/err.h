/*
 * err.h - the one error idiom of kyso-milter.
 *
 * Functions that can fail return -1 (or NULL) and fill a caller-owned
 * struct kyso_err; they never log. The class, not the text, decides what the
 * milter does: INPUT -> policy action, TEMP/INTERNAL/CONFIG -> tempfail.
 */
#ifndef KYSO_ERR_H
#define KYSO_ERR_H

#include <stddef.h>

enum kyso_errclass {
	KYSO_E_NONE = 0,
	KYSO_E_INPUT,    /* the message or a peer's data is bad */
	KYSO_E_TEMP,     /* try again later: I/O, network, resource */
	KYSO_E_CONFIG,   /* the configuration or a key/cert file is bad */
	KYSO_E_INTERNAL, /* our own fault or a library failure */
};

struct kyso_err {
	enum kyso_errclass cls;
	char msg[256]; /* loggable as is; truncated, never overflowed */
};

/* Set err (if non-NULL) to cls and a printf-formatted message. */
void kyso_err_set(struct kyso_err *err, enum kyso_errclass cls, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* Like kyso_err_set, appending the drained OpenSSL error queue to `what`.
 * Always leaves the thread's OpenSSL error queue empty. */
void kyso_err_openssl(struct kyso_err *err, enum kyso_errclass cls,
    const char *what);

/* Clear err to KYSO_E_NONE and an empty message. */
void kyso_err_clear(struct kyso_err *err);

/* Name of a class for logs ("input", "temp", ...). */
const char *kyso_err_class_name(enum kyso_errclass cls);

/* Allocation wrappers that never return NULL (abort on exhaustion, as GLib
 * does for GMime). */
void *kyso_xmalloc(size_t n);
void *kyso_xcalloc(size_t n, size_t size);
void *kyso_xrealloc(void *p, size_t n);
char *kyso_xstrdup(const char *s);
char *kyso_xstrndup(const char *s, size_t n);

#endif
