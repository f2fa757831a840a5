/*
 * sign.c - build a detached S/MIME multipart/signed message (RFC 8551
 * 3.5.3, RFC 1847) from a whole message, signing exactly the bytes emitted.
 *
 * Steps: parse (file-backed), make every leaf 7-bit safe (canon.c), drop the
 * top-level epilogue (P6), serialise the signed entity in canonical CRLF
 * form to a scratch stream, then copy it once into the output while feeding
 * the same bytes to OpenSSL CMS (detached, binary: no second canonicalisation
 * by OpenSSL). Signed attributes: contentType, messageDigest, signingTime,
 * SMIMECapabilities, ESS signingCertificateV2 (CMS_CADES). The signer's chain
 * is included (P20). Never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "kyso/limits.h"
#include "kyso/mime.h"
#include "kyso/sign.h"
#include "canon.h"

#define SIGN_CHUNK 65536

/* An open CMS signing operation fed incrementally. */
struct cms_op {
	CMS_ContentInfo *cms;
	BIO *bio; /* digest BIO chain from CMS_dataInit */
};

static void
cms_op_free(struct cms_op *op)
{
	BIO_free_all(op->bio);
	CMS_ContentInfo_free(op->cms);
	op->bio = NULL;
	op->cms = NULL;
}

static int
cms_op_begin(struct cms_op *op, const struct kyso_signer *signer,
    time_t signing_time, struct kyso_err *err)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	STACK_OF(X509) *chain = kyso_signer_chain(signer);
	CMS_SignerInfo *si;
	ASN1_TIME *t = NULL;
	int i, rc = -1;

	ERR_clear_error();
	op->cms = NULL;
	op->bio = NULL;
	if ((op->cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_sign");
		goto out;
	}
	/* CMS_CADES adds ESS signingCertificateV2 (RFC 5035) */
	si = CMS_add1_signer(op->cms, kyso_signer_cert(signer),
	    kyso_signer_key(signer), kyso_signer_md(signer),
	    CMS_BINARY | CMS_CADES);
	if (si == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_add1_signer");
		goto out;
	}
	if (signing_time != 0) {
		/* RFC 8551 2.5.1: UTCTime through 2049, then GeneralizedTime
		 * (ASN1_TIME_set picks accordingly) */
		if ((t = ASN1_TIME_set(NULL, signing_time)) == NULL ||
		    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
		        t->type, t, -1)) {
			kyso_err_openssl(err, KYSO_E_INTERNAL, "signingTime");
			goto out;
		}
	}
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (!CMS_add1_cert(op->cms, sk_X509_value(chain, i))) {
			kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_add1_cert");
			goto out;
		}
	if ((op->bio = CMS_dataInit(op->cms, NULL)) == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_dataInit");
		goto out;
	}
	rc = 0;
out:
	ASN1_TIME_free(t);
	if (rc < 0)
		cms_op_free(op);
	return rc;
}

static int
cms_op_update(struct cms_op *op, const void *buf, size_t len,
    struct kyso_err *err)
{
	if (len > 0 && BIO_write(op->bio, buf, (int)len) != (int)len) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS digest");
		return -1;
	}
	return 0;
}

/* Finish the signature; *der is g_malloc'd. */
static int
cms_op_finish(struct cms_op *op, const struct kyso_signer *signer,
    unsigned char **der, size_t *der_len, struct kyso_err *err)
{
	unsigned char *p = NULL;
	int n, ok;

	(void)BIO_flush(op->bio);
	/* the private-key operation happens here: on a token it waits
	 * (bounded) for the token, see kyso_signer_op_error() */
	ok = CMS_dataFinal(op->cms, op->bio);
	if (!ok) {
		/* a token that went away or is busy is worth retrying later */
		kyso_err_openssl(err,
		    kyso_signer_on_token(signer) ? KYSO_E_TEMP
		                                 : KYSO_E_INTERNAL,
		    "CMS_dataFinal");
		(void)kyso_signer_op_error(signer, err);
		return -1;
	}
	if ((n = i2d_CMS_ContentInfo(op->cms, &p)) <= 0) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "i2d_CMS_ContentInfo");
		return -1;
	}
	*der = g_memdup2(p, (gsize)n);
	*der_len = (size_t)n;
	OPENSSL_free(p);
	return 0;
}

int
kyso_sign_detached(const struct kyso_signer *signer, GMimeStream *content,
    time_t signing_time, unsigned char **der, size_t *der_len,
    struct kyso_err *err)
{
	struct cms_op op;
	char buf[SIGN_CHUNK];
	ssize_t n;
	int rc = -1;

	if (cms_op_begin(&op, signer, signing_time, err) < 0)
		return -1;
	while ((n = kyso_mime_read(content, buf, sizeof(buf))) > 0)
		if (cms_op_update(&op, buf, (size_t)n, err) < 0)
			goto out;
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read content to sign");
		goto out;
	}
	rc = cms_op_finish(&op, signer, der, der_len, err);
out:
	cms_op_free(&op);
	return rc;
}

static int
put(GMimeStream *out, const void *buf, size_t len, size_t *total,
    struct kyso_err *err)
{
	return kyso_mime_write(out, buf, len, total, "signed", err);
}

static int
puts_(GMimeStream *out, const char *s, size_t *total, struct kyso_err *err)
{
	return put(out, s, strlen(s), total, err);
}

/* A scratch stream for the signed entity: memory for small messages, an
 * unlinked temporary file for large ones. */
static GMimeStream *
scratch_stream(gint64 input_size, const struct kyso_sign_opts *opts,
    struct kyso_err *err)
{
	const char *dir = opts != NULL && opts->tmp_dir != NULL
	    ? opts->tmp_dir
	    : getenv("TMPDIR");
	size_t limit = opts != NULL && opts->mem_limit != 0
	    ? opts->mem_limit
	    : KYSO_DEFAULT_SPOOL_MEMORY;
	char *path;
	int fd;

	if (input_size >= 0 && (size_t)input_size < limit)
		return g_mime_stream_mem_new();
	path = g_strdup_printf("%s/kyso-sign.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot create %s: %s", path,
		    g_strerror(errno));
		g_free(path);
		return NULL;
	}
	(void)unlink(path);
	g_free(path);
	return g_mime_stream_fs_new(fd);
}

/* Serialise the signed entity, CRLF everywhere, into a new stream. */
static GMimeStream *
write_entity(GMimeObject *top, gint64 input_size,
    const struct kyso_sign_opts *opts, struct kyso_err *err)
{
	GMimeStream *scratch = scratch_stream(input_size, opts, err);
	GMimeStream *f;
	GMimeFilter *crlf;
	GMimeFormatOptions *fo;
	ssize_t n;

	if (scratch == NULL)
		return NULL;
	f = g_mime_stream_filter_new(scratch);
	crlf = g_mime_filter_unix2dos_new(FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), crlf);
	g_object_unref(crlf);
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	n = g_mime_object_write_to_stream(top, fo, f);
	g_mime_format_options_free(fo);
	if (n < 0 || g_mime_stream_flush(f) < 0) {
		kyso_err_set(err, KYSO_E_TEMP,
		    "cannot serialise the signed entity: %s",
		    g_strerror(errno));
		g_object_unref(f);
		g_object_unref(scratch);
		return NULL;
	}
	g_object_unref(f);
	(void)g_mime_stream_reset(scratch);
	return scratch;
}

static char *
random_boundary(void)
{
	unsigned char r[12];
	char hex[sizeof(r) * 2 + 1];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		abort(); /* no randomness: nothing we could sign safely */
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", r[i]);
	return g_strdup_printf("----kyso-%s", hex);
}

/* Write the signature part: headers and base64 in 76-column CRLF lines. */
static int
write_signature_part(GMimeStream *out, const unsigned char *der, size_t der_len,
    size_t *total, struct kyso_err *err)
{
	static const char hdr[] =
	    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
	    "Content-Description: S/MIME Cryptographic Signature\r\n"
	    "\r\n";

	if (puts_(out, hdr, total, err) < 0 ||
	    kyso_mime_write_base64(out, der, der_len, "\r\n", total, "signed",
	        err) < 0 ||
	    puts_(out, "\r\n", total, err) < 0)
		return -1;
	return 0;
}

/* 0 while the bytes seen so far are 7-bit wire form: no 8-bit octet, NUL,
 * bare CR or LF, no line over 998 octets (*prev and *col carry the state
 * across chunks). */
static int
wire_7bit(const unsigned char *p, size_t n, int *prev, size_t *col)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (*prev == '\r' && p[i] != '\n')
			return -1;
		if (p[i] == '\n') {
			if (*prev != '\r')
				return -1;
			*col = 0;
		} else if (p[i] != '\r' &&
		    (p[i] == 0 || p[i] >= 0x80 || ++*col > 998)) {
			return -1;
		}
		*prev = p[i];
	}
	return 0;
}

/* Copy the entity into the output between the boundaries while feeding the
 * same bytes to CMS. Whatever re-encoding missed (a MIME quirk GMime writes
 * back as it came) is caught here: 8-bit bytes must never be signed (P1). */
static int
copy_and_digest(GMimeStream *entity, GMimeStream *out, struct cms_op *op,
    size_t *total, struct kyso_err *err)
{
	char *buf = g_malloc(SIGN_CHUNK);
	ssize_t n;
	size_t col = 0;
	int rc = -1, prev = '\n';

	while ((n = kyso_mime_read(entity, buf, SIGN_CHUNK)) > 0) {
		if (wire_7bit((const unsigned char *)buf, (size_t)n, &prev,
		        &col) < 0) {
			kyso_err_set(err, KYSO_E_INPUT,
			    "the message cannot be made 7-bit clean for "
			    "signing");
			goto out;
		}
		if (cms_op_update(op, buf, (size_t)n, err) < 0 ||
		    put(out, buf, (size_t)n, total, err) < 0)
			goto out;
	}
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read the signed entity");
		goto out;
	}
	rc = 0;
out:
	g_free(buf);
	return rc;
}

static int
assemble(const struct kyso_signer *signer, GMimeStream *entity,
    GMimeStream *out, const char *boundary, time_t signing_time, size_t *total,
    struct kyso_err *err)
{
	struct cms_op op;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char *line = NULL;
	int rc = -1;

	if (cms_op_begin(&op, signer, signing_time, err) < 0)
		return -1;
	line = g_strdup_printf("This is a cryptographically signed message in "
	                       "MIME format.\r\n"
	                       "\r\n--%s\r\n",
	    boundary);
	if (puts_(out, line, total, err) < 0)
		goto out;
	/* RFC 1847: the CRLF before the next delimiter belongs to it, so the
	 * signed content is exactly the entity bytes */
	if (copy_and_digest(entity, out, &op, total, err) < 0)
		goto out;
	if (cms_op_finish(&op, signer, &der, &der_len, err) < 0)
		goto out;
	g_free(line);
	line = g_strdup_printf("\r\n--%s\r\n", boundary);
	if (puts_(out, line, total, err) < 0 ||
	    write_signature_part(out, der, der_len, total, err) < 0)
		goto out;
	g_free(line);
	line = g_strdup_printf("\r\n--%s--\r\n", boundary);
	if (puts_(out, line, total, err) < 0)
		goto out;
	if (g_mime_stream_flush(out) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot flush signed message");
		goto out;
	}
	rc = 0;
out:
	g_free(line);
	g_free(der);
	cms_op_free(&op);
	return rc;
}

static int
has_header(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));

	return g_mime_header_list_contains(hl, name);
}

int
kyso_sign_message(const struct kyso_signer *signer, GMimeStream *in,
    GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	GMimeMessage *msg = NULL;
	GMimeObject *top;
	GMimeStream *entity = NULL;
	char *boundary = NULL;
	gint64 input_size = g_mime_stream_length(in);
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if ((msg = kyso_mime_parse(in, err)) == NULL)
		goto out;
	res->kind = kyso_mime_kind(msg);
	if (res->kind != KYSO_MIME_PLAIN) {
		rc = 0; /* already signed or encrypted: the caller decides */
		goto out;
	}
	if ((top = g_mime_message_get_mime_part(msg)) == NULL) {
		/* a message without a body still gets a (empty) text part */
		GMimeTextPart *empty = g_mime_text_part_new();

		g_mime_message_set_mime_part(msg, GMIME_OBJECT(empty));
		g_object_unref(empty);
		top = g_mime_message_get_mime_part(msg);
	}
	/* the message's own fields (MIME-Version), then every entity's */
	if (kyso_canon_unique_fields(GMIME_OBJECT(msg), "at the top level",
	        err) < 0 ||
	    kyso_canon_prepare(top, &res->reencoded_parts, err) < 0)
		goto out;
	if (GMIME_IS_MULTIPART(top))
		g_mime_multipart_set_epilogue(GMIME_MULTIPART(top), NULL);
	if ((entity = write_entity(top, input_size, opts, err)) == NULL)
		goto out;
	boundary = opts != NULL && opts->boundary != NULL
	    ? g_strdup(opts->boundary)
	    : random_boundary();
	if (assemble(signer, entity, out_body, boundary,
	        opts != NULL ? opts->signing_time : 0, &res->body_bytes,
	        err) < 0)
		goto out;
	res->content_type =
	    g_strdup_printf("multipart/signed; "
	                    "protocol=\"application/pkcs7-signature\";\n"
	                    "\tmicalg=%s; boundary=\"%s\"",
	        kyso_signer_micalg(signer), boundary);
	res->add_mime_version = !has_header(msg, "MIME-Version");
	rc = 0;
out:
	g_free(boundary);
	if (entity != NULL)
		g_object_unref(entity);
	if (msg != NULL)
		g_object_unref(msg);
	if (rc < 0)
		kyso_sign_result_clear(res);
	return rc;
}

void
kyso_sign_result_clear(struct kyso_sign_result *res)
{
	g_free(res->content_type);
	memset(res, 0, sizeof(*res));
}
