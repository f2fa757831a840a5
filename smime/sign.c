/*
 * sign.c - build a detached S/MIME multipart/signed message (RFC 8551
 * 3.5.3, RFC 1847) from a whole message, signing exactly the bytes emitted.
 *
 * Steps: parse (file-backed; or the caller's parse, kyso_sign_parsed), make
 * every leaf 7-bit safe (canon.c), drop the top-level epilogue (P6),
 * serialise the signed entity to a scratch stream (GMime; leaves copied as
 * stored), then copy it once into the output in one pass that makes CRLF,
 * checks the 7-bit wire form and feeds the same bytes to OpenSSL CMS
 * (kyso_canon_wire; detached, binary: no second canonicalisation by
 * OpenSSL). Signed attributes: contentType, messageDigest, signingTime,
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
#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/timestamp.h"
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
cms_op_begin_as(struct cms_op *op, const struct kyso_signer *signer,
    time_t signing_time, int detached, struct kyso_err *err)
{
	const unsigned flags =
	    (detached ? CMS_DETACHED : 0) | CMS_BINARY | CMS_PARTIAL;
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
	/* ESS signingCertificateV2 (RFC 5035) and the capabilities come
	 * ready from the signer: not computed again for every message */
	si = CMS_add1_signer(op->cms, kyso_signer_cert(signer),
	    kyso_signer_key(signer), kyso_signer_md(signer),
	    CMS_BINARY | CMS_NOSMIMECAP);
	if (si == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_add1_signer");
		goto out;
	}
	if (kyso_signer_add_attrs(signer, si, err) < 0)
		goto out;
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
cms_op_begin(struct cms_op *op, const struct kyso_signer *signer,
    time_t signing_time, struct kyso_err *err)
{
	return cms_op_begin_as(op, signer, signing_time, 1, err);
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

/* With opts->tsa_url: a TSA token on every SignerInfo of op. A failure
 * is an error (KYSO_E_TEMP) when opts->tsa_required, else res->tsa_error
 * and the signature goes out without a token. */
static int
cms_op_timestamp(struct cms_op *op, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(op->cms);
	char *why = NULL;
	int i, n = 0;

	if (opts == NULL || opts->tsa_url == NULL)
		return 0;
	for (i = 0; i < sk_CMS_SignerInfo_num(sis) && why == NULL; i++)
		if (kyso_timestamp_add(sk_CMS_SignerInfo_value(sis, i),
		        opts->tsa_url,
		        opts->tsa_timeout > 0 ? opts->tsa_timeout : 10,
		        &why) == 0)
			n++;
	if (why == NULL) {
		if (res != NULL)
			res->timestamped = n > 0;
		return 0;
	}
	if (opts->tsa_required) {
		kyso_err_set(err, KYSO_E_TEMP, "no timestamp: %s", why);
		if (res != NULL)
			res->tsa_error = why;
		else
			g_free(why);
		return -1;
	}
	/* sign without: drop any token a co-signer of op already got */
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		int at;

		while ((at = CMS_unsigned_get_attr_by_NID(si,
		            NID_id_smime_aa_timeStampToken, -1)) >= 0)
			X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(si, at));
	}
	if (res != NULL)
		res->tsa_error = why;
	else
		g_free(why);
	return 0;
}

/* Finish the signature (and its timestamp, opts may be NULL); *der is
 * g_malloc'd. */
static int
cms_op_finish(struct cms_op *op, const struct kyso_signer *signer,
    const struct kyso_sign_opts *opts, struct kyso_sign_result *res,
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
	if (cms_op_timestamp(op, opts, res, err) < 0)
		return -1;
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
	rc = cms_op_finish(&op, signer, NULL, NULL, der, der_len, err);
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

/* 1 when a raw field value would not survive a 7-bit hop unchanged. */
static int
raw_unsafe(const char *raw)
{
	const unsigned char *p;
	size_t col = 0;

	for (p = (const unsigned char *)raw; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r') {
			col = 0;
			continue;
		}
		if (*p >= 0x7f || (*p < 0x20 && *p != '\t') || ++col > 900)
			return 1;
	}
	return 0;
}

static int
is_protected(const char *name)
{
	size_t i;

	for (i = 0; kyso_protected_fields[i] != NULL; i++)
		if (g_ascii_strcasecmp(name, kyso_protected_fields[i]) == 0)
			return 1;
	return 0;
}

/* Append "Name:raw" (LF line ends, no CR) for h to s. A value that is not
 * 7-bit safe (RFC 6532 UTF-8, an overlong line) is set again from its
 * decoded text, which GMime writes as RFC 2047 encoded words, folded; a
 * clean one keeps its bytes, so its encoded words are those of the outer
 * field. */
static int
append_field(GString *s, GMimeHeader *h, struct kyso_err *err)
{
	const char *raw = g_mime_header_get_raw_value(h);
	const char *p;

	if (raw == NULL || raw_unsafe(raw)) {
		char *v = g_strdup(g_mime_header_get_value(h));

		g_mime_header_set_value(h, NULL, v != NULL ? v : "", "utf-8");
		g_free(v);
		raw = g_mime_header_get_raw_value(h);
		if (raw == NULL || raw_unsafe(raw)) {
			kyso_err_set(err, KYSO_E_INPUT,
			    "the %s field cannot be made 7-bit clean for "
			    "header "
			    "protection",
			    g_mime_header_get_name(h));
			return -1;
		}
	}
	g_string_append_printf(s, "%s:", g_mime_header_get_name(h));
	if (*raw != ' ' && *raw != '\t')
		g_string_append_c(s, ' ');
	for (p = raw; *p != '\0'; p++)
		if (*p != '\r')
			g_string_append_c(s, *p);
	if (s->str[s->len - 1] != '\n')
		g_string_append_c(s, '\n');
	return 0;
}

/* RFC 9788 header protection for a signed-only message: the protected
 * fields of the message (every instance, in order) become the first fields
 * of the signed part's header, written into *prefix, and its Content-Type
 * gets hp="clear". Copies of those fields the part already had (a client's
 * own injected headers, a stray Subject in a body part) are dropped first:
 * only the message's own fields are vouched for. */
static int
protect_headers(GMimeMessage *msg, GMimeObject *top, GString **prefix,
    struct kyso_err *err)
{
	GMimeHeaderList *outer =
	    g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeaderList *inner = g_mime_object_get_header_list(top);
	int i, n;

	for (i = 0; kyso_protected_fields[i] != NULL; i++)
		while (
		    g_mime_header_list_remove(inner, kyso_protected_fields[i]))
			;
	*prefix = g_string_new(NULL);
	n = g_mime_header_list_get_count(outer);
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(outer, i);

		if (is_protected(g_mime_header_get_name(h)) &&
		    append_field(*prefix, h, err) < 0) {
			g_string_free(*prefix, TRUE);
			*prefix = NULL;
			return -1;
		}
	}
	g_mime_object_set_content_type_parameter(top, "hp", "clear");
	return 0;
}

/* GMime writes a leaf's content through a newline filter of its own, one
 * octet at a time; kyso_canon_wire makes the same CRLF as it copies. So a
 * leaf GMime would write as stored (its content already in the part's
 * encoding) is labelled binary inside GMime while the entity is written,
 * which GMime copies untouched (the field it writes is the header's, not
 * changed). Not a leaf GMime must end with a line break (ensure_newline,
 * which its filter adds; GMime 3.2 sets it on messages only, never on a
 * part, so this is for a later GMime). Each change goes to `raw` for
 * raw_leaves_undo. */
static void
raw_leaves(GMimeObject *obj, GPtrArray *raw, int depth)
{
	GMimePart *part;
	GMimeMessage *m;
	int i, n;

	if (depth > KYSO_MAX_MIME_DEPTH)
		return; /* canon refused deeper nesting: not reached */
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			raw_leaves(g_mime_multipart_get_part(GMIME_MULTIPART(
			                                         obj),
			               i),
			    raw, depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m != NULL && g_mime_message_get_mime_part(m) != NULL)
			raw_leaves(g_mime_message_get_mime_part(m), raw,
			    depth + 1);
		return;
	}
	if (!GMIME_IS_PART(obj) || obj->ensure_newline)
		return;
	part = GMIME_PART(obj);
	if (part->content == NULL ||
	    part->encoding == GMIME_CONTENT_ENCODING_BINARY ||
	    part->encoding != part->content->encoding)
		return;
	g_ptr_array_add(raw, part);
	g_ptr_array_add(raw, GINT_TO_POINTER((int)part->encoding));
	part->content->encoding = GMIME_CONTENT_ENCODING_BINARY;
	part->encoding = GMIME_CONTENT_ENCODING_BINARY;
}

static void
raw_leaves_undo(GPtrArray *raw)
{
	guint i;

	for (i = 0; i + 1 < raw->len; i += 2) {
		GMimePart *part = raw->pdata[i];
		GMimeContentEncoding enc =
		    (GMimeContentEncoding)GPOINTER_TO_INT(raw->pdata[i + 1]);

		part->encoding = enc;
		part->content->encoding = enc;
	}
	g_ptr_array_set_size(raw, 0);
}

/* Serialise the signed entity into a new stream; prefix (may be NULL) is
 * header text (LF line ends) written before the entity's own header
 * fields. GMime writes CRLF (DOS newline format); what it leaves LF (the
 * prefix, the leaves raw_leaves lets through) becomes CRLF through a
 * filter here with `crlf` (opaque signing), else in the copy that signs
 * it (kyso_canon_wire): one pass over the bytes. */
static GMimeStream *
write_entity(GMimeObject *top, const GString *prefix, gint64 input_size,
    const struct kyso_sign_opts *opts, int crlf, struct kyso_err *err)
{
	GMimeStream *scratch = scratch_stream(input_size, opts, err);
	GMimeStream *f;
	GMimeFilter *filter;
	GMimeFormatOptions *fo;
	GPtrArray *raw;
	ssize_t n;

	if (scratch == NULL)
		return NULL;
	raw = g_ptr_array_new();
	if (!crlf) {
		f = g_object_ref(scratch);
	} else {
		f = g_mime_stream_filter_new(scratch);
		filter = g_mime_filter_unix2dos_new(FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), filter);
		g_object_unref(filter);
	}
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	n = prefix != NULL && prefix->len > 0
	    ? g_mime_stream_write(f, prefix->str, prefix->len)
	    : 0;
	if (!crlf)
		raw_leaves(top, raw, 0);
	if (n >= 0)
		n = g_mime_object_write_to_stream(top, fo, f);
	raw_leaves_undo(raw);
	g_ptr_array_free(raw, TRUE);
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

/* Copy the entity into the output between the boundaries, in one pass
 * that makes line ends CRLF, checks the 7-bit wire form and feeds the
 * same bytes to CMS (kyso_canon_wire). Whatever re-encoding missed (a MIME
 * quirk GMime writes back as it came) is caught here: 8-bit bytes must
 * never be signed (P1). */
static int
copy_and_digest(GMimeStream *entity, GMimeStream *out, struct cms_op *op,
    size_t *total, struct kyso_err *err)
{
	/* one allocation: the chunk read, and its copy (up to twice as long
	 * when every line end gains a CR) */
	unsigned char *buf = g_malloc(3 * SIGN_CHUNK);
	unsigned char *wire = buf + SIGN_CHUNK;
	struct kyso_wire w = {0, 0};
	ssize_t n, m;
	int rc = -1;

	while ((n = kyso_mime_read(entity, buf, SIGN_CHUNK)) > 0) {
		if ((m = kyso_canon_wire(&w, buf, (size_t)n, wire)) < 0)
			goto unclean;
		if (cms_op_update(op, wire, (size_t)m, err) < 0 ||
		    put(out, wire, (size_t)m, total, err) < 0)
			goto out;
	}
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read the signed entity");
		goto out;
	}
	if (kyso_canon_wire_end(&w) < 0)
		goto unclean;
	rc = 0;
	goto out;
unclean:
	kyso_err_set(err, KYSO_E_INPUT,
	    "the message cannot be made 7-bit clean for signing");
out:
	g_free(buf);
	return rc;
}

static int
assemble(const struct kyso_signer *signer, GMimeStream *entity,
    GMimeStream *out, const char *boundary, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	time_t signing_time = opts != NULL ? opts->signing_time : 0;
	size_t *total = &res->body_bytes;
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
	if (cms_op_finish(&op, signer, opts, res, &der, &der_len, err) < 0)
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

/* The message's top-level entity; a message without a body first gets an
 * (empty) text part. */
static GMimeObject *
message_top(GMimeMessage *msg)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeTextPart *empty;

	if (top != NULL)
		return top;
	empty = g_mime_text_part_new();
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(empty));
	g_object_unref(empty);
	return g_mime_message_get_mime_part(msg);
}

/* A failed signing leaves res clear but for why a required TSA gave no
 * token (KYSO_E_TEMP): the caller says it. */
static void
result_failed(struct kyso_sign_result *res)
{
	char *tsa = res->tsa_error;

	res->tsa_error = NULL;
	kyso_sign_result_clear(res);
	res->tsa_error = tsa;
}

static int
has_header(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));

	return g_mime_header_list_contains(hl, name);
}

int
kyso_sign_parsed(const struct kyso_signer *signer, GMimeMessage *msg,
    gint64 input_size, GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	GMimeObject *top;
	GMimeStream *entity = NULL;
	GString *prefix = NULL;
	char *boundary = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->kind = kyso_mime_kind(msg);
	if (res->kind != KYSO_MIME_PLAIN) {
		rc = 0; /* already signed or encrypted: the caller decides */
		goto out;
	}
	top = message_top(msg);
	/* the message's own fields (MIME-Version), then every entity's */
	if (kyso_canon_unique_fields(GMIME_OBJECT(msg), "at the top level",
	        err) < 0 ||
	    kyso_canon_prepare(top, &res->reencoded_parts, err) < 0)
		goto out;
	if (GMIME_IS_MULTIPART(top))
		g_mime_multipart_set_epilogue(GMIME_MULTIPART(top), NULL);
	if (opts != NULL && opts->protect_headers &&
	    protect_headers(msg, top, &prefix, err) < 0)
		goto out;
	res->protected_headers = prefix != NULL;
	if ((entity = write_entity(top, prefix, input_size, opts, 0, err)) ==
	    NULL)
		goto out;
	boundary = opts != NULL && opts->boundary != NULL
	    ? g_strdup(opts->boundary)
	    : random_boundary();
	if (assemble(signer, entity, out_body, boundary, opts, res, err) < 0)
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
	if (prefix != NULL)
		g_string_free(prefix, TRUE);
	if (entity != NULL)
		g_object_unref(entity);
	if (rc < 0)
		result_failed(res);
	return rc;
}

int
kyso_sign_message(const struct kyso_signer *signer, GMimeStream *in,
    GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	GMimeMessage *msg;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((msg = kyso_mime_parse(in, err)) == NULL)
		return -1;
	rc = kyso_sign_parsed(signer, msg, g_mime_stream_length(in), out_body,
	    opts, res, err);
	g_object_unref(msg);
	return rc;
}

/* Sign the entity with the content inside (no 7-bit check: the base64
 * around it carries any byte) and write the DER as base64 lines. */
static int
assemble_opaque(const struct kyso_signer *signer, GMimeStream *entity,
    GMimeStream *out, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	time_t signing_time = opts != NULL ? opts->signing_time : 0;
	size_t *total = &res->body_bytes;
	struct cms_op op;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char *buf = g_malloc(SIGN_CHUNK);
	ssize_t n;
	int rc = -1;

	if (cms_op_begin_as(&op, signer, signing_time, 0, err) < 0) {
		g_free(buf);
		return -1;
	}
	while ((n = kyso_mime_read(entity, buf, SIGN_CHUNK)) > 0)
		if (cms_op_update(&op, buf, (size_t)n, err) < 0)
			goto out;
	if (n < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot read the signed entity");
		goto out;
	}
	if (cms_op_finish(&op, signer, opts, res, &der, &der_len, err) < 0 ||
	    kyso_mime_write_base64(out, der, der_len, "\r\n", total, "signed",
	        err) < 0 ||
	    puts_(out, "\r\n", total, err) < 0)
		goto out;
	if (g_mime_stream_flush(out) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot flush signed message");
		goto out;
	}
	rc = 0;
out:
	g_free(buf);
	g_free(der);
	cms_op_free(&op);
	return rc;
}

int
kyso_sign_opaque(const struct kyso_signer *signer, GMimeStream *in,
    GMimeStream *out_body, const struct kyso_sign_opts *opts,
    struct kyso_sign_result *res, struct kyso_err *err)
{
	GMimeMessage *msg = NULL;
	GMimeObject *top;
	GMimeStream *entity = NULL;
	GString *prefix = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if ((msg = kyso_mime_parse(in, err)) == NULL)
		goto out;
	res->kind = kyso_mime_kind(msg);
	if (res->kind != KYSO_MIME_PLAIN) {
		rc = 0;
		goto out;
	}
	top = message_top(msg);
	if (kyso_canon_unique_fields(GMIME_OBJECT(msg), "at the top level",
	        err) < 0 ||
	    kyso_canon_unique_tree(top, err) < 0)
		goto out;
	if (opts != NULL && opts->protect_headers &&
	    protect_headers(msg, top, &prefix, err) < 0)
		goto out;
	res->protected_headers = prefix != NULL;
	if ((entity = write_entity(top, prefix, g_mime_stream_length(in), opts,
	         1, err)) == NULL)
		goto out;
	if (assemble_opaque(signer, entity, out_body, opts, res, err) < 0)
		goto out;
	res->content_type = g_strdup("application/pkcs7-mime; "
	                             "smime-type=signed-data;\n"
	                             "\tname=\"smime.p7m\"");
	res->opaque = 1;
	res->add_mime_version = !has_header(msg, "MIME-Version");
	rc = 0;
out:
	if (prefix != NULL)
		g_string_free(prefix, TRUE);
	if (entity != NULL)
		g_object_unref(entity);
	if (msg != NULL)
		g_object_unref(msg);
	if (rc < 0)
		result_failed(res);
	return rc;
}

void
kyso_sign_result_clear(struct kyso_sign_result *res)
{
	g_free(res->content_type);
	g_free(res->tsa_error);
	memset(res, 0, sizeof(*res));
}
