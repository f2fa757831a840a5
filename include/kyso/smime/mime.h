/*
 * mime.h - parse a message with GMime under our limits, and say what kind
 * of S/MIME structure its top level has.
 */
#ifndef KYSO_MIME_H
#define KYSO_MIME_H

#include <gmime/gmime.h>
#include "kyso/err.h"

enum kyso_mime_kind {
	KYSO_MIME_PLAIN = 0,     /* no S/MIME at the top level */
	KYSO_MIME_SIGNED,        /* multipart/signed (S/MIME protocol) */
	KYSO_MIME_OPAQUE_SIGNED, /* application/pkcs7-mime signed-data */
	KYSO_MIME_ENCRYPTED,     /* pkcs7-mime enveloped/authEnveloped, or
	                            multipart/encrypted */
};

/* Parse a whole message from `in` (left positioned wherever GMime leaves
 * it). Returns a new message (g_object_unref it) or NULL with KYSO_E_INPUT. */
GMimeMessage *kyso_mime_parse(GMimeStream *in, struct kyso_err *err);

/* Kind of the message's top-level MIME part. */
enum kyso_mime_kind kyso_mime_kind(GMimeMessage *msg);

const char *kyso_mime_kind_name(enum kyso_mime_kind kind);

/* g_mime_stream_read() that reports the end of a bounded stream (file
 * substreams answer -1 there) as 0, and only real failures as -1. */
ssize_t kyso_mime_read(GMimeStream *s, void *buf, size_t len);

/* The whole stream, read from its start, in memory (g_byte_array_unref).
 * At most `max` bytes (0: as much as a GByteArray holds). NULL with
 * KYSO_E_TEMP when reading fails, KYSO_E_INPUT when there is more. */
GByteArray *kyso_mime_read_all(GMimeStream *s, size_t max,
    struct kyso_err *err);

/* Write buf[0..len) to out and add len to *total; -1 with KYSO_E_TEMP
 * ("cannot write <what> message: ...") when not all of it is written. */
int kyso_mime_write(GMimeStream *out, const void *buf, size_t len,
    size_t *total, const char *what, struct kyso_err *err);

/* Write der[0..len) in base64, 76 characters a line (RFC 2045 6.8), `eol`
 * between lines and none after the last; as kyso_mime_write. */
int kyso_mime_write_base64(GMimeStream *out, const unsigned char *der,
    size_t len, const char *eol, size_t *total, const char *what,
    struct kyso_err *err);

/* The header fields kyso protects (RFC 9788): copied into the signed part
 * of an hp="clear" message when signing, compared with the outer ones when
 * verifying. NULL-terminated. Never Bcc, MIME-Version or Content-*. */
extern const char *const kyso_protected_fields[];

/* Global GMime set-up/tear-down (once per process). */
void kyso_mime_init(void);
void kyso_mime_shutdown(void);

#endif
