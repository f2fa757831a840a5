/*
 * mime.c - GMime set-up, parsing under our limits, and the top-level S/MIME
 * kind of a message (signed, opaque-signed, encrypted, plain).
 */
#include <errno.h>
#include <string.h>

#include "kyso/smime/mime.h"

#define READ_CHUNK 65536
#define B64_LINE   76 /* RFC 2045 6.8 */

void
kyso_mime_init(void)
{
	g_mime_init();
}

void
kyso_mime_shutdown(void)
{
	g_mime_shutdown();
}

ssize_t
kyso_mime_read(GMimeStream *s, void *buf, size_t len)
{
	ssize_t n;

	if (g_mime_stream_eos(s))
		return 0;
	n = g_mime_stream_read(s, buf, len);
	if (n < 0 && g_mime_stream_eos(s))
		return 0;
	return n;
}

GByteArray *
kyso_mime_read_all(GMimeStream *s, size_t max, struct kyso_err *err)
{
	gint64 want = g_mime_stream_length(s);
	gsize cap, ncap, len = 0;
	guint8 *p, *q;
	ssize_t n;

	/* a GByteArray counts in guint */
	if (max == 0 || max > G_MAXUINT)
		max = G_MAXUINT;
	/* the buffer's size comes from the input: had with g_try_*, so a
	 * message that does not fit tempfails instead of aborting the daemon
	 * and every message in it */
	cap = want > 0 && (guint64)want < max ? (gsize)want + 1 : READ_CHUNK;
	if ((p = g_try_malloc(cap)) == NULL)
		goto oom;
	(void)g_mime_stream_reset(s);
	for (;;) {
		if (len == cap) {
			ncap = cap > G_MAXUINT / 2 ? G_MAXUINT : cap * 2;
			if (ncap == cap || (q = g_try_realloc(p, ncap)) == NULL)
				goto oom;
			p = q;
			cap = ncap;
		}
		if ((n = kyso_mime_read(s, (char *)p + len,
		         MIN(cap - len, READ_CHUNK))) <= 0)
			break;
		if ((size_t)n > max - len) {
			kyso_err_set(err, KYSO_E_INPUT,
			    "the message is larger than %zu bytes", max);
			goto fail;
		}
		len += (gsize)n;
	}
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read the message");
		goto fail;
	}
	return g_byte_array_new_take(p, len);
oom:
	kyso_err_set(err, KYSO_E_TEMP, "out of memory reading the message");
fail:
	g_free(p);
	return NULL;
}

int
kyso_mime_write(GMimeStream *out, const void *buf, size_t len, size_t *total,
    const char *what, struct kyso_err *err)
{
	if (len > 0 && g_mime_stream_write(out, buf, len) != (ssize_t)len) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot write %s message: %s",
		    what, g_strerror(errno));
		return -1;
	}
	*total += len;
	return 0;
}

int
kyso_mime_write_base64(GMimeStream *out, const unsigned char *der, size_t len,
    const char *eol, size_t *total, const char *what, struct kyso_err *err)
{
	gchar *b64 = g_base64_encode(der, len);
	size_t blen = strlen(b64), off, chunk;
	int rc = -1;

	for (off = 0; off < blen; off += chunk) {
		chunk = blen - off < B64_LINE ? blen - off : B64_LINE;
		if ((off > 0 &&
		        kyso_mime_write(out, eol, strlen(eol), total, what,
		            err) < 0) ||
		    kyso_mime_write(out, b64 + off, chunk, total, what, err) <
		        0)
			goto out;
	}
	rc = 0;
out:
	g_free(b64);
	return rc;
}

GMimeMessage *
kyso_mime_parse(GMimeStream *in, struct kyso_err *err)
{
	GMimeParser *parser = g_mime_parser_new_with_stream(in);
	GMimeMessage *msg;

	/* a seekable stream keeps part contents on disk (bounded memory) */
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	if (msg == NULL)
		kyso_err_set(err, KYSO_E_INPUT, "message cannot be parsed");
	return msg;
}

static int
is_pkcs7_type(const char *subtype, const char *base)
{
	/* RFC 8551 3.10: also the legacy x-pkcs7-* names */
	if (g_ascii_strcasecmp(subtype, base) == 0)
		return 1;
	return g_ascii_strncasecmp(subtype, "x-", 2) == 0 &&
	    g_ascii_strcasecmp(subtype + 2, base) == 0;
}

enum kyso_mime_kind
kyso_mime_kind(GMimeMessage *msg)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeContentType *ct;
	const char *type, *subtype, *param;

	if (top == NULL)
		return KYSO_MIME_PLAIN;
	ct = g_mime_object_get_content_type(top);
	type = g_mime_content_type_get_media_type(ct);
	subtype = g_mime_content_type_get_media_subtype(ct);
	if (type == NULL || subtype == NULL)
		return KYSO_MIME_PLAIN;
	if (g_ascii_strcasecmp(type, "multipart") == 0) {
		if (g_ascii_strcasecmp(subtype, "encrypted") == 0)
			return KYSO_MIME_ENCRYPTED;
		if (g_ascii_strcasecmp(subtype, "signed") == 0)
			return KYSO_MIME_SIGNED;
		return KYSO_MIME_PLAIN;
	}
	if (g_ascii_strcasecmp(type, "application") != 0)
		return KYSO_MIME_PLAIN;
	if (is_pkcs7_type(subtype, "pkcs7-mime")) {
		param = g_mime_content_type_get_parameter(ct, "smime-type");
		if (param != NULL &&
		    g_ascii_strcasecmp(param, "signed-data") == 0)
			return KYSO_MIME_OPAQUE_SIGNED;
		/* enveloped-data, authEnveloped-data, or unlabelled */
		return KYSO_MIME_ENCRYPTED;
	}
	return KYSO_MIME_PLAIN;
}

const char *const kyso_protected_fields[] = {"From", "To", "Cc", "Subject",
    "Date", "Message-ID", "Reply-To", NULL};

const char *
kyso_mime_kind_name(enum kyso_mime_kind kind)
{
	static const char *const names[] = {
	    [KYSO_MIME_PLAIN] = "plain",
	    [KYSO_MIME_SIGNED] = "signed",
	    [KYSO_MIME_OPAQUE_SIGNED] = "opaque-signed",
	    [KYSO_MIME_ENCRYPTED] = "encrypted",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[kind];
}
