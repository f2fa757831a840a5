/*
 * mime.c - GMime set-up, parsing under our limits, and the top-level S/MIME
 * kind of a message (signed, opaque-signed, encrypted, plain).
 */
#include <string.h>

#include "kyso/mime.h"

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
