/*
 * test_sign.c - the signing engine's output verifies with OpenSSL's own
 * S/MIME reader (SMIME_read_CMS + CMS_verify), is 7-bit with lines of at
 * most 998 octets, carries the promised signed attributes, and decodes back
 * to the original content. Keys are generated here; nothing is checked in.
 */
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"

struct pki {
	EVP_PKEY *ca_key, *key;
	X509 *ca, *leaf;
	char dir[64];
};

static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn,
    int ca, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x,
	    issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ca) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage,
		    "emailProtection");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
		    "email:vanthu@sotttt.hagiang.gov.vn");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, issuer_key, EVP_sha256());
	X509_NAME_free(name);
	return x;
}

static void
write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *fp = fopen(path, "w");

	if (x != NULL)
		PEM_write_X509(fp, x);
	if (k != NULL) {
		chmod(path, 0600);
		PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL);
	}
	fclose(fp);
}

static struct kyso_signer *
make_signer(struct pki *p, const char *digest, int ec)
{
	struct kyso_signer_spec spec = {0};
	struct kyso_err err = {0};
	struct kyso_signer *s;
	char cert[128], key[128], chain[128];

	p->key = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	p->leaf = make_cert(p->key, p->ca_key, p->ca,
	    "Sở Thông tin và Truyền thông", 0, ec ? 3 : 2);
	snprintf(cert, sizeof(cert), "%s/leaf.crt", p->dir);
	snprintf(key, sizeof(key), "%s/leaf.key", p->dir);
	snprintf(chain, sizeof(chain), "%s/chain.pem", p->dir);
	write_pem(cert, p->leaf, NULL);
	write_pem(key, NULL, p->key);
	write_pem(chain, p->ca, NULL);
	spec.cert_file = cert;
	spec.key_file = key;
	spec.chain_file = chain;
	spec.digest = digest;
	s = kyso_signer_load(&spec, &err);
	if (s == NULL)
		DIAG("signer: %s", err.msg);
	return s;
}

struct outcome {
	int rc;
	struct kyso_err err;
	struct kyso_sign_result res;
	GByteArray *msg; /* outer headers we would emit + body */
};

/* Sign `text` and build the full resulting message as the milter would:
 * non-Content headers of the input, MIME-Version, new Content-Type. */
static void
sign_bytes(const struct kyso_signer *s, const char *text, size_t len,
    struct outcome *o)
{
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeStream *body = g_mime_stream_mem_new();
	GByteArray *b;
	const char *p, *eol;
	char *ct;

	memset(o, 0, sizeof(*o));
	o->rc = kyso_sign_message(s, in, body, NULL, &o->res, &o->err);
	o->msg = g_byte_array_new();
	if (o->rc == 0 && o->res.content_type != NULL) {
		/* copy non-Content header lines up to the blank line */
		for (p = text; *p != '\0' && *p != '\r' && *p != '\n';
		     p = eol + 1) {
			eol = strchr(p, '\n');
			if (g_ascii_strncasecmp(p, "Content-", 8) != 0 &&
			    !(*p == ' ' || *p == '\t'))
				g_byte_array_append(o->msg, (const guint8 *)p,
				    (guint)(eol - p + 1));
		}
		ct = g_strdup_printf("MIME-Version: 1.0\r\nContent-Type: %s\r\n"
		                     "\r\n",
		    o->res.content_type);
		g_byte_array_append(o->msg, (guint8 *)ct, (guint)strlen(ct));
		g_free(ct);
		b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
		g_byte_array_append(o->msg, b->data, b->len);
	}
	/* keep a NUL after the bytes so strstr() may look at them */
	g_byte_array_append(o->msg, (const guint8 *)"", 1);
	o->msg->len--;
	g_object_unref(in);
	g_object_unref(body);
}

static void
sign_text(const struct kyso_signer *s, const char *text, struct outcome *o)
{
	sign_bytes(s, text, strlen(text), o);
}

static void
outcome_free(struct outcome *o)
{
	kyso_sign_result_clear(&o->res);
	g_byte_array_free(o->msg, TRUE);
}

/* OpenSSL's own reader splits and verifies; content goes to *content. */
static int
openssl_verify(struct pki *p, const struct outcome *o, BIO **content,
    CMS_ContentInfo **cms_out)
{
	BIO *in = BIO_new_mem_buf(o->msg->data, (int)o->msg->len);
	BIO *bcont = NULL, *out = BIO_new(BIO_s_mem());
	X509_STORE *store = X509_STORE_new();
	CMS_ContentInfo *cms;
	int ok;

	X509_STORE_add_cert(store, p->ca);
	cms = SMIME_read_CMS(in, &bcont);
	ok = cms != NULL && bcont != NULL &&
	    CMS_verify(cms, NULL, store, bcont, out, CMS_BINARY) == 1;
	if (!ok)
		ERR_print_errors_fp(stdout);
	BIO_free(bcont);
	BIO_free(in);
	X509_STORE_free(store);
	*content = out;
	if (cms_out != NULL)
		*cms_out = cms;
	else
		CMS_ContentInfo_free(cms);
	return ok;
}

/* Every octet 7-bit, no NUL, no line over 998 octets, CRLF only in the
 * body. */
static int
seven_bit_clean(const GByteArray *m)
{
	size_t i, col = 0;

	for (i = 0; i < m->len; i++) {
		unsigned char c = m->data[i];

		if (c >= 0x80 || c == 0)
			return 0;
		if (c == '\n')
			col = 0;
		else if (++col > 999)
			return 0;
	}
	return 1;
}

/* Decode the first (signed) part's text with GMime and compare. */
static int
decoded_equals(const struct outcome *o, const char *want_substring)
{
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)o->msg->data,
	        o->msg->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	GMimeObject *top, *first;
	char *text = NULL;
	int ok = 0;

	if (m == NULL)
		goto out;
	top = g_mime_message_get_mime_part(m);
	if (!GMIME_IS_MULTIPART(top))
		goto out;
	first = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
	while (GMIME_IS_MULTIPART(first))
		first = g_mime_multipart_get_part(GMIME_MULTIPART(first), 0);
	if (!GMIME_IS_TEXT_PART(first))
		goto out;
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(first));
	ok = text != NULL && strstr(text, want_substring) != NULL;
out:
	g_free(text);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(s);
	return ok;
}

static int
has_attr(CMS_ContentInfo *cms, int nid)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);

	return sk_CMS_SignerInfo_num(sis) == 1 &&
	    CMS_signed_get_attr_by_NID(sk_CMS_SignerInfo_value(sis, 0), nid,
	        -1) >= 0;
}

/* The DER of signed attribute nid of cms's first signer, or NULL. */
static GByteArray *
attr_der(CMS_ContentInfo *cms, int nid)
{
	CMS_SignerInfo *si =
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	ASN1_TYPE *t;
	GByteArray *a;
	int i = CMS_signed_get_attr_by_NID(si, nid, -1);

	if (i < 0 ||
	    (t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0)) ==
	        NULL ||
	    t->type != V_ASN1_SEQUENCE)
		return NULL;
	a = g_byte_array_new();
	g_byte_array_append(a, ASN1_STRING_get0_data(t->value.sequence),
	    (guint)ASN1_STRING_length(t->value.sequence));
	return a;
}

/* The attributes kyso builds once per signer are byte for byte what
 * OpenSSL's CMS_CADES and default capabilities write per message. */
static void
check_precomputed_attrs(const struct pki *p, const struct kyso_signer *s,
    CMS_ContentInfo *ours, const char *what)
{
	BIO *in = BIO_new_mem_buf("x", 1);
	CMS_ContentInfo *ref = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_DETACHED | CMS_BINARY | CMS_PARTIAL);
	GByteArray *a, *b;
	int nids[] = {NID_id_smime_aa_signingCertificateV2,
	    NID_SMIMECapabilities};
	size_t i;

	(void)p;
	CMS_add1_signer(ref, kyso_signer_cert(s), kyso_signer_key(s),
	    kyso_signer_md(s), CMS_BINARY | CMS_CADES);
	CMS_final(ref, in, NULL, CMS_DETACHED | CMS_BINARY);
	for (i = 0; i < 2; i++) {
		a = attr_der(ours, nids[i]);
		b = attr_der(ref, nids[i]);
		CHECK(a != NULL && b != NULL && a->len == b->len &&
		        memcmp(a->data, b->data, a->len) == 0,
		    "%s: precomputed %s equals OpenSSL's own", what,
		    OBJ_nid2sn(nids[i]));
		if (a != NULL)
			g_byte_array_unref(a);
		if (b != NULL)
			g_byte_array_unref(b);
	}
	CMS_ContentInfo_free(ref);
	BIO_free(in);
}

/* Sign with RFC 9788 header protection on. */
static void
sign_hp(const struct kyso_signer *s, const char *text, struct outcome *o)
{
	struct kyso_sign_opts opts = {0};
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeStream *body = g_mime_stream_mem_new();
	GByteArray *b;
	char *ct;

	opts.protect_headers = 1;
	memset(o, 0, sizeof(*o));
	o->rc = kyso_sign_message(s, in, body, &opts, &o->res, &o->err);
	o->msg = g_byte_array_new();
	if (o->rc == 0 && o->res.content_type != NULL) {
		ct = g_strdup_printf("From: x@sotttt.hagiang.gov.vn\r\n"
		                     "MIME-Version: 1.0\r\nContent-Type: %s\r\n"
		                     "\r\n",
		    o->res.content_type);
		g_byte_array_append(o->msg, (guint8 *)ct, (guint)strlen(ct));
		g_free(ct);
		b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
		g_byte_array_append(o->msg, b->data, b->len);
	}
	g_byte_array_append(o->msg, (const guint8 *)"", 1);
	o->msg->len--;
	g_object_unref(in);
	g_object_unref(body);
}

/* The header block of the signed part (after the first delimiter line),
 * unfolded not; g_free. */
static char *
signed_part_header(const struct outcome *o)
{
	const char *m = (const char *)o->msg->data;
	const char *d = strstr(m, "\r\n\r\n");
	const char *start, *end;

	d = d != NULL ? strstr(d, "\r\n--") : NULL;
	if (d == NULL || (start = strstr(d + 2, "\r\n")) == NULL ||
	    (end = strstr(start + 2, "\r\n\r\n")) == NULL)
		return g_strdup("");
	return g_strndup(start + 2, (gsize)(end - start));
}

/* RFC 9788: the protected fields of the message (every one of From, To,
 * Cc, Subject, Date, Message-ID, Reply-To, as written outside; a raw
 * UTF-8 one as encoded words) are the first fields of the signed part,
 * whose Content-Type says hp="clear"; nothing else is copied; the result
 * verifies and is 7-bit. */
static void
check_header_protection(struct pki *p, const struct kyso_signer *s)
{
	static const char msg[] =
	    "Return-Path: <a@b>\r\n"
	    "From: =?UTF-8?B?VsSDbiB0aMawIFPhu58gVFRUVA==?= "
	    "<vanthu@sotttt.hagiang.gov.vn>\r\n"
	    "To: a@example.org,\r\n b@example.org\r\n"
	    "Cc: c@example.org\r\n"
	    "Bcc: hidden@example.org\r\n"
	    "Subject: =?UTF-8?B?VGjDtG5nIGLDoW8gbOG7i2NoIGjhu41w?=\r\n"
	    "Date: Thu, 26 Nov 2026 10:00:00 +0700\r\n"
	    "Message-ID: <hp1@sotttt.hagiang.gov.vn>\r\n"
	    "Reply-To: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "X-Mailer: test\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	    "--o\r\nContent-Type: text/plain\r\n\r\nHello world.\r\n"
	    "--o--\r\n";
	static const char raw8[] = "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                           "Subject: Thông báo họp\r\n"
	                           "\r\nHello world.\r\n";
	struct outcome o;
	BIO *content = NULL;
	char *h, *subj;

	sign_hp(s, msg, &o);
	h = signed_part_header(&o);
	CHECK(o.rc == 0 && o.res.protected_headers == 1,
	    "HP: signed, fields protected");
	CHECK(openssl_verify(p, &o, &content, NULL) && seven_bit_clean(o.msg),
	    "HP: verifies, 7-bit");
	CHECK(g_str_has_prefix(h,
	          "From: =?UTF-8?B?VsSDbiB0aMawIFPhu58gVFRUVA==?= "
	          "<vanthu@sotttt.hagiang.gov.vn>\r\n"
	          "To: a@example.org,\r\n b@example.org\r\n"
	          "Cc: c@example.org\r\n"
	          "Subject: =?UTF-8?B?VGjDtG5nIGLDoW8gbOG7i2NoIGjhu41w?=\r\n"
	          "Date: Thu, 26 Nov 2026 10:00:00 +0700\r\n"
	          "Message-ID: <hp1@sotttt.hagiang.gov.vn>\r\n"
	          "Reply-To: vanthu@sotttt.hagiang.gov.vn\r\n"),
	    "HP: the protected fields head the signed part as written "
	    "outside: %s",
	    h);
	CHECK(strstr(h, "hp=clear") != NULL ||
	        strstr(h, "hp=\"clear\"") != NULL,
	    "HP: the signed part's Content-Type says hp=\"clear\"");
	CHECK(strstr(h, "Bcc") == NULL && strstr(h, "X-Mailer") == NULL &&
	        strstr(h, "Return-Path") == NULL &&
	        strstr(h, "MIME-Version") == NULL,
	    "HP: no Bcc, MIME-Version or other field copied");
	BIO_free(content);
	g_free(h);
	outcome_free(&o);

	sign_hp(s, raw8, &o);
	h = signed_part_header(&o);
	subj = strstr(h, "Subject:");
	if (subj != NULL) {
		char *e = strstr(subj, "\r\n");

		subj = g_strndup(subj + 8, (gsize)(e - subj - 8));
	}
	{
		char *dec =
		    subj ? g_mime_utils_header_decode_text(NULL, subj) : NULL;

		CHECK(o.rc == 0 && seven_bit_clean(o.msg) && dec != NULL &&
		        strcmp(g_strstrip(dec), "Thông báo họp") == 0,
		    "HP: a raw UTF-8 Subject is protected as encoded words "
		    "that decode to it (%s)",
		    subj ? subj : "none");
		g_free(dec);
	}
	g_free(subj);
	g_free(h);
	outcome_free(&o);

	sign_text(s, msg, &o);
	h = signed_part_header(&o);
	CHECK(o.rc == 0 && o.res.protected_headers == 0 &&
	        strstr(h, "Subject") == NULL && strstr(h, "hp=") == NULL,
	    "HeaderProtection no: nothing copied, no hp parameter");
	g_free(h);
	outcome_free(&o);
}

/* OnUnsignable opaque: a message detached signing must refuse (a nested
 * 8-bit signed part that cannot be re-encoded) is signed as
 * application/pkcs7-mime signed-data with every byte inside; OpenSSL
 * verifies it and returns the entity with the protected fields; a
 * structure field twice is still refused. */
static void
check_opaque(struct pki *p, const struct kyso_signer *s)
{
	static const char msg[] =
	    "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "Subject: =?UTF-8?B?VGjDtG5nIGLDoW8=?=\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
	    "--o\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--o\r\n"
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "K\xc3\xadnh g\xe1\xbb\xadi\r\n--b\r\n"
	    "Content-Type: application/pkcs7-signature\r\n\r\nAA==\r\n"
	    "--b--\r\n--o--\r\n";
	struct kyso_sign_opts opts = {0};
	struct kyso_sign_result res;
	struct kyso_err err = {0};
	GMimeStream *in, *body;
	GByteArray *b;
	X509_STORE *store = X509_STORE_new();
	BIO *der = NULL, *b64, *mem, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = NULL;
	char *content = NULL;
	long clen;
	int rc, ok;

	X509_STORE_add_cert(store, p->ca);
	in = g_mime_stream_mem_new_with_buffer(msg, sizeof(msg) - 1);
	body = g_mime_stream_mem_new();
	rc = kyso_sign_message(s, in, body, NULL, &res, &err);
	CHECK(rc == -1 && err.cls == KYSO_E_INPUT,
	    "opaque: detached signing refuses the nested 8-bit signed part");
	g_object_unref(in);
	g_object_unref(body);

	opts.protect_headers = 1;
	in = g_mime_stream_mem_new_with_buffer(msg, sizeof(msg) - 1);
	body = g_mime_stream_mem_new();
	memset(&err, 0, sizeof(err));
	rc = kyso_sign_opaque(s, in, body, &opts, &res, &err);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
	CHECK(rc == 0 && res.opaque == 1 && res.content_type != NULL &&
	        g_str_has_prefix(res.content_type,
	            "application/pkcs7-mime; smime-type=signed-data;"),
	    "opaque: signed as application/pkcs7-mime signed-data (%s)",
	    rc == 0 ? res.content_type : err.msg);
	mem = BIO_new_mem_buf(b->data, (int)b->len);
	b64 = BIO_new(BIO_f_base64());
	der = BIO_push(b64, mem);
	cms = d2i_CMS_bio(der, NULL);
	ok = cms != NULL &&
	    CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY) == 1;
	clen = BIO_get_mem_data(out, &content);
	CHECK(ok, "opaque: OpenSSL verifies the embedded content");
	CHECK(ok && clen > 0 &&
	        g_strstr_len(content, clen, "K\xc3\xadnh g\xe1\xbb\xadi\r\n") !=
	            NULL &&
	        g_strstr_len(content, clen,
	            "Subject: =?UTF-8?B?VGjDtG5nIGLDoW8=?=\r\n") != NULL &&
	        g_strstr_len(content, clen, "hp=") != NULL,
	    "opaque: the nested part's bytes kept, the protected fields in");
	kyso_sign_result_clear(&res);
	CMS_ContentInfo_free(cms);
	BIO_free_all(der);
	BIO_free(out);
	g_object_unref(in);
	g_object_unref(body);

	in = g_mime_stream_mem_new_with_buffer(
	    "From: a@b\r\nContent-Type: text/plain\r\n"
	    "Content-Type: text/html\r\n\r\nx\r\n",
	    67);
	body = g_mime_stream_mem_new();
	memset(&err, 0, sizeof(err));
	rc = kyso_sign_opaque(s, in, body, &opts, &res, &err);
	CHECK(rc == -1 && err.cls == KYSO_E_INPUT &&
	        strstr(err.msg, "duplicate Content-Type") != NULL,
	    "opaque: a structure field twice is still refused (%s)", err.msg);
	g_object_unref(in);
	g_object_unref(body);
	X509_STORE_free(store);
}

/* A structure field twice in one header block - at the top, in a part,
 * two levels down, in a forwarded message, in a nested signed part; any
 * case, blanks before the colon - is refused as input (GMime would sign
 * the last instance, a raw reader may read the first). */
static void
check_duplicates(const struct kyso_signer *s)
{
	static const char top[] = "From: a@sotttt.hagiang.gov.vn\r\n"
	                          "MIME-Version: 1.0\r\n";
	static const char mixed[] =
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
	    "Content-Type: text/plain\r\n\r\nfirst\r\n--o\r\n";
	static const struct {
		int mixed;
		const char *mime, *why;
	} cases[] = {
	    {0,
	        "Content-Type: multipart/signed; boundary=b\r\n"
	        "Content-Type: text/plain\r\n\r\nx\r\n",
	        "duplicate Content-Type at the top level"},
	    {0,
	        "Content-Type: text/plain\r\ncontent-type : text/html\r\n"
	        "\r\n<b>x</b>\r\n",
	        "duplicate Content-Type at the top level"},
	    {0,
	        "Content-Type: text/plain\r\n"
	        "Content-Transfer-Encoding: base64\r\n"
	        "CONTENT-TRANSFER-ENCODING\t: 7bit\r\n\r\nx\r\n",
	        "duplicate Content-Transfer-Encoding at the top level"},
	    {0, "MIME-Version: 1.0\r\n\r\nx\r\n",
	        "duplicate MIME-Version at the top level"},
	    {1,
	        "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n"
	        "x\r\n--o--\r\n",
	        "duplicate Content-Type in part 2"},
	    {1,
	        "Content-Type: text/plain\r\nContent-Transfer-Encoding: "
	        "7bit\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\nx\r\n--o--\r\n",
	        "duplicate Content-Transfer-Encoding in part 2"},
	    {1,
	        "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n"
	        "Mime-Version : 1.0\r\n\r\nx\r\n--o--\r\n",
	        "duplicate MIME-Version in part 2"},
	    {1,
	        "Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\n"
	        "Content-Type: text/plain\r\n\r\nx\r\n--a\r\n"
	        "Content-Type: text/html\r\ncontent-type: text/plain\r\n\r\n"
	        "y\r\n--a--\r\n--o--\r\n",
	        "duplicate Content-Type in part 2.2"},
	    {1,
	        "Content-Type: message/rfc822\r\n\r\nFrom: b@example.org\r\n"
	        "MIME-Version: 1.0\r\nMIME-Version: 1.0\r\n\r\nhi\r\n"
	        "--o--\r\n",
	        "duplicate MIME-Version in the message in part 2"},
	    {1,
	        "Content-Type: multipart/signed; protocol=\"application/"
	        "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n"
	        "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n"
	        "x\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n"
	        "\r\nAA==\r\n--b--\r\n--o--\r\n",
	        "duplicate Content-Type in part 2.1"},
	};
	struct outcome o;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = g_strconcat(top, cases[i].mixed ? mixed : "",
		    cases[i].mime, NULL);

		sign_text(s, text, &o);
		CHECK(o.rc == -1 && o.err.cls == KYSO_E_INPUT &&
		        strcmp(o.err.msg, cases[i].why) == 0,
		    "refused as input: %s (got %d: %s)", cases[i].why, o.rc,
		    o.err.msg);
		outcome_free(&o);
		g_free(text);
	}
	/* a NUL in a part's field: GMime keeps the value up to the NUL and
	 * would write the field without its line end - the part's body
	 * ("--d2", "Content-Type: ...") would become header fields of it */
	{
		static const char nul[] =
		    "From: a@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: multipart/mixed; boundary=d1\r\n\r\n--d1\r\n"
		    "Content-Type: \0\0multipart/mixed; boundary=d2\r\n\r\n"
		    "--d2\r\nContent-Type: text/plain\r\n\r\nx\r\n--d2--\r\n"
		    "--d1--\r\n";

		sign_bytes(s, nul, sizeof(nul) - 1, &o);
		CHECK(o.rc == -1 && o.err.cls == KYSO_E_INPUT &&
		        strstr(o.err.msg, "NUL") != NULL,
		    "a NUL in a part's Content-Type is refused as input (got "
		    "%d: %s)",
		    o.rc, o.err.msg);
		outcome_free(&o);
	}
	/* the same shapes without the duplicate are signed */
	{
		char *text = g_strconcat(top, mixed,
		    "Content-Type: text/html\r\nContent-Transfer-Encoding: "
		    "7bit\r\nMIME-Version: 1.0\r\n\r\nx\r\n--o--\r\n",
		    NULL);

		sign_text(s, text, &o);
		CHECK(o.rc == 0 && o.res.content_type != NULL,
		    "one of each structure field per part is signed: %s",
		    o.err.msg);
		outcome_free(&o);
		g_free(text);
	}
}

/* A message of `levels` multiparts one inside the other, a text leaf in
 * the innermost. */
static char *
nested_message(int levels)
{
	GString *m = g_string_new("From: vanthu@sotttt.hagiang.gov.vn\r\n");
	int i;

	for (i = 0; i < levels; i++)
		g_string_append_printf(m,
		    "Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n"
		    "--d%d\r\n",
		    i, i);
	g_string_append(m, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	for (i = levels - 1; i >= 0; i--)
		g_string_append_printf(m, "--d%d--\r\n", i);
	return g_string_free(m, FALSE);
}

/* Our own verifier over a signed message: one whole good signature, the
 * structure read without complaint (trust not asked). */
static int
own_verifier_reads(const GByteArray *msg, char *why, size_t len)
{
	struct kyso_trust_spec none = {0};
	struct kyso_err err = {0};
	struct kyso_trust *t = kyso_trust_load(&none, &err);
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)msg->data,
	        msg->len);
	struct kyso_verify_result r;
	int ok = t != NULL &&
	    kyso_verify_message(t, s, NULL, time(NULL), &r, &err) == 0;

	if (ok) {
		ok = r.found && r.whole && !r.malformed && r.nsigners == 1 &&
		    r.signers[0].signature_ok;
		(void)g_strlcpy(why,
		    r.malformed_reason != NULL ? r.malformed_reason : "", len);
		kyso_verify_result_clear(&r);
	}
	g_object_unref(s);
	kyso_trust_free(t);
	return ok;
}

static const char vn_text[] =
    "Kính gửi các cơ quan, đơn vị: Sở Thông tin và Truyền thông tỉnh Hà "
    "Giang thông báo lịch họp.";

int
main(void)
{
	struct pki p = {0};
	struct kyso_signer *rsa, *ec, *s384;
	struct outcome o;
	BIO *content;
	CMS_ContentInfo *cms;
	char *msgtext, *longline;
	GString *big;
	int i;

	kyso_mime_init();
	snprintf(p.dir, sizeof(p.dir), "/tmp/kyso-test-sign.XXXXXX");
	if (mkdtemp(p.dir) == NULL)
		return 1;
	p.ca_key = EVP_RSA_gen(2048);
	p.ca = make_cert(p.ca_key, p.ca_key, NULL, "Test CA Hà Giang", 1, 1);
	rsa = make_signer(&p, "sha256", 0);
	CHECK(rsa != NULL, "load RSA signer with chain");
	EVP_PKEY_free(p.key);
	X509_free(p.leaf);
	s384 = make_signer(&p, "sha384", 0);
	CHECK(s384 != NULL, "load RSA signer with sha384");
	EVP_PKEY_free(p.key);
	X509_free(p.leaf);
	ec = make_signer(&p, "sha256", 1);
	CHECK(ec != NULL, "load ECDSA signer");
	EVP_PKEY_free(p.key);
	X509_free(p.leaf);

	/* plain ASCII */
	sign_text(rsa,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\nTo: a@b.vn\r\n"
	    "Subject: test\r\n\r\nHello world.\r\n",
	    &o);
	CHECK(o.rc == 0 && o.res.kind == KYSO_MIME_PLAIN, "sign plain ASCII");
	CHECK(o.res.content_type != NULL &&
	        strstr(o.res.content_type, "micalg=sha-256") != NULL &&
	        strstr(o.res.content_type,
	            "protocol=\"application/pkcs7-signature\"") != NULL,
	    "content type names protocol and micalg=sha-256");
	CHECK(o.res.add_mime_version == 1, "MIME-Version is to be added");
	CHECK(openssl_verify(&p, &o, &content, &cms),
	    "plain: OpenSSL SMIME_read_CMS + CMS_verify");
	CHECK(has_attr(cms, NID_pkcs9_signingTime), "signingTime attribute");
	CHECK(has_attr(cms, NID_SMIMECapabilities),
	    "SMIMECapabilities attribute");
	CHECK(has_attr(cms, NID_id_smime_aa_signingCertificateV2),
	    "ESS signingCertificateV2 attribute");
	check_precomputed_attrs(&p, rsa, cms, "RSA, sha256");
	{
		STACK_OF(X509) *certs = CMS_get1_certs(cms);

		CHECK(sk_X509_num(certs) == 2,
		    "leaf and chain certificates included");
		sk_X509_pop_free(certs, X509_free);
	}
	CHECK(strstr((char *)o.msg->data, "smime.p7s") != NULL &&
	        strstr((char *)o.msg->data, "smime.p7m") == NULL,
	    "signature part is named smime.p7s");
	CHECK(seven_bit_clean(o.msg), "plain: output is 7-bit");
	CHECK(decoded_equals(&o, "Hello world."), "plain: content decodes");
	{
		/* the signed part of a message without MIME header fields
		 * states its type: some verifiers' parsers refuse a signed
		 * part with an empty header (RFC 2046 allows the implicit one)
		 */
		const char *b = strstr((char *)o.msg->data, "\r\n\r\n--");
		const char *part = b ? strstr(b + 4, "\r\n") : NULL;

		CHECK(part != NULL &&
		        g_str_has_prefix(part + 2,
		            "Content-Type: text/plain; charset=us-ascii\r\n") &&
		        strstr(part + 2,
		            "Content-Transfer-Encoding: 7bit\r\n") != NULL,
		    "plain: the signed part says text/plain; charset=us-ascii, "
		    "7bit: %.120s",
		    part ? part + 2 : "(no part)");
	}
	CMS_ContentInfo_free(cms);
	BIO_free(content);
	outcome_free(&o);

	/* LF-only leaves copied by GMime as they are (raw_leaves) get their
	 * CRLF in the signing copy, the same bytes GMime's own filter made;
	 * a last line without its line break ends as GMime ends a part */
	sign_text(rsa,
	    "From: vanthu@sotttt.hagiang.gov.vn\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain\n\none\ntwo\n--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\nAAAA\nBBBB",
	    &o);
	{
		char *c = NULL;
		long clen = 0;
		int ok = o.rc == 0 && openssl_verify(&p, &o, &content, NULL);

		if (ok)
			clen = BIO_get_mem_data(content, &c);
		CHECK(ok && seven_bit_clean(o.msg) &&
		        g_strstr_len(c, clen,
		            "\r\n\r\none\r\ntwo\r\n--b\r\n") != NULL &&
		        clen > 12 &&
		        memcmp(c + clen - 12, "AAAA\r\nBBBB\r\n", 12) == 0,
		    "LF-only leaves are signed with CRLF, the unfinished last "
		    "line as GMime ends it");
		BIO_free(content);
	}
	outcome_free(&o);

	/* the signed entity sits one level down in the multipart/signed: a
	 * reader of the signed message counts that level too, so what we
	 * sign must nest one level less than KYSO_MAX_MIME_DEPTH allows it
	 * (a fuzz finding: 32 levels signed, then refused by our verifier) */
	{
		char *deep = nested_message(KYSO_MAX_MIME_DEPTH - 1), why[200];

		sign_text(rsa, deep, &o);
		CHECK(o.rc == 0 && own_verifier_reads(o.msg, why, sizeof(why)),
		    "%d nested multiparts: signed, and our verifier reads "
		    "it: %s",
		    KYSO_MAX_MIME_DEPTH - 1, o.rc == 0 ? why : o.err.msg);
		outcome_free(&o);
		g_free(deep);
		deep = nested_message(KYSO_MAX_MIME_DEPTH);
		sign_text(rsa, deep, &o);
		CHECK(o.rc == -1 && o.err.cls == KYSO_E_INPUT &&
		        strstr(o.err.msg, "too deep") != NULL,
		    "%d nested multiparts: refused as too deep (%s)",
		    KYSO_MAX_MIME_DEPTH, o.err.msg);
		outcome_free(&o);
		g_free(deep);
	}

	/* Vietnamese UTF-8 sent as 8bit, no MIME headers at all (P17) */
	msgtext = g_strdup_printf("From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                          "Subject: =?UTF-8?B?VGjDtG5nIGLDoW8=?=\r\n"
	                          "\r\n%s\r\n",
	    vn_text);
	sign_text(rsa, msgtext, &o);
	CHECK(o.rc == 0 && o.res.reencoded_parts == 1,
	    "8-bit UTF-8 body is re-encoded");
	CHECK(openssl_verify(&p, &o, &content, NULL), "UTF-8: verifies");
	CHECK(strstr((char *)o.msg->data, "charset=utf-8") != NULL,
	    "unlabelled UTF-8 text gets charset=utf-8");
	CHECK(seven_bit_clean(o.msg), "UTF-8: output is 7-bit");
	CHECK(decoded_equals(&o, vn_text), "UTF-8: content decodes back");
	BIO_free(content);
	outcome_free(&o);
	g_free(msgtext);

	/* LF-only input with MIME headers and 8bit label */
	msgtext = g_strdup_printf("From: vanthu@sotttt.hagiang.gov.vn\n"
	                          "MIME-Version: 1.0\n"
	                          "Content-Type: text/plain; charset=utf-8\n"
	                          "Content-Transfer-Encoding: 8bit\n\n"
	                          "%s\nline two\nFrom here on\ntrailing \n",
	    vn_text);
	sign_text(rsa, msgtext, &o);
	CHECK(o.rc == 0, "sign LF-only input");
	CHECK(openssl_verify(&p, &o, &content, NULL), "LF-only: verifies");
	CHECK(o.res.add_mime_version == 0, "existing MIME-Version kept");
	CHECK(seven_bit_clean(o.msg), "LF-only: output is 7-bit");
	CHECK(decoded_equals(&o, "From here on\ntrailing \n") ||
	        decoded_equals(&o, "From here on\r\ntrailing \r\n"),
	    "LF-only: From line and trailing blank survive decoding");
	BIO_free(content);
	outcome_free(&o);
	g_free(msgtext);

	/* a 7-bit line over 998 octets */
	longline = g_malloc(3001);
	for (i = 0; i < 3000; i++)
		longline[i] = (char)('a' + i % 26);
	longline[3000] = '\0';
	msgtext = g_strdup_printf("From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                          "\r\n%s\r\n",
	    longline);
	sign_text(rsa, msgtext, &o);
	CHECK(o.rc == 0 && o.res.reencoded_parts == 1,
	    "long line is re-encoded");
	CHECK(openssl_verify(&p, &o, &content, NULL), "long line: verifies");
	CHECK(seven_bit_clean(o.msg), "long line: no line over 998 octets");
	CHECK(decoded_equals(&o, longline), "long line: decodes back whole");
	BIO_free(content);
	outcome_free(&o);
	g_free(msgtext);
	g_free(longline);

	/* multipart/alternative + binary attachment, with an epilogue */
	big = g_string_new("From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                   "MIME-Version: 1.0\r\n"
	                   "Content-Type: multipart/mixed; boundary=\"OUT\"\r\n"
	                   "\r\npreamble\r\n--OUT\r\n"
	                   "Content-Type: multipart/alternative; "
	                   "boundary=\"ALT\"\r\n\r\n--ALT\r\n"
	                   "Content-Type: text/plain; charset=utf-8\r\n"
	                   "Content-Transfer-Encoding: 8bit\r\n\r\n");
	g_string_append(big, vn_text);
	g_string_append(big,
	    "\r\n--ALT\r\nContent-Type: text/html; "
	    "charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n<p>");
	g_string_append(big, vn_text);
	g_string_append(big,
	    "</p>\r\n--ALT--\r\n--OUT\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "Content-Disposition: attachment; "
	    "filename=\"a.bin\"\r\n\r\n");
	for (i = 1; i < 256; i++)
		g_string_append_c(big, (char)i);
	g_string_append(big, "\r\n--OUT--\r\nepilogue junk\r\n");
	sign_text(rsa, big->str, &o);
	CHECK(o.rc == 0 && o.res.reencoded_parts == 3,
	    "multipart: three leaves re-encoded (got %d)",
	    o.res.reencoded_parts);
	CHECK(openssl_verify(&p, &o, &content, NULL), "multipart: verifies");
	CHECK(seven_bit_clean(o.msg), "multipart: output is 7-bit");
	CHECK(strstr((char *)o.msg->data, "epilogue junk") == NULL,
	    "top-level epilogue is not carried (P6)");
	CHECK(decoded_equals(&o, vn_text), "multipart: text decodes back");
	BIO_free(content);
	outcome_free(&o);
	g_string_free(big, TRUE);

	/* sha384 and ECDSA */
	sign_text(s384, "From: a@sotttt.hagiang.gov.vn\r\n\r\nx\r\n", &o);
	CHECK(o.rc == 0 && strstr(o.res.content_type, "micalg=sha-384"),
	    "sha384 signer writes micalg=sha-384");
	CHECK(openssl_verify(&p, &o, &content, NULL), "sha384: verifies");
	BIO_free(content);
	outcome_free(&o);
	sign_text(ec, "From: a@sotttt.hagiang.gov.vn\r\n\r\nx\r\n", &o);
	CHECK(o.rc == 0, "ECDSA signer signs");
	CHECK(openssl_verify(&p, &o, &content, NULL), "ECDSA: verifies");
	BIO_free(content);
	outcome_free(&o);

	/* already signed / encrypted: nothing signed */
	sign_text(rsa,
	    "From: a@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n"
	    "\r\nx\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n"
	    "\r\nAA==\r\n--b--\r\n",
	    &o);
	CHECK(o.rc == 0 && o.res.kind == KYSO_MIME_SIGNED &&
	        o.res.content_type == NULL,
	    "already signed message is reported, not signed again");
	outcome_free(&o);
	sign_text(rsa,
	    "From: a@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: application/pkcs7-mime; smime-type=enveloped-data"
	    "\r\nContent-Transfer-Encoding: base64\r\n\r\nAA==\r\n",
	    &o);
	CHECK(o.rc == 0 && o.res.kind == KYSO_MIME_ENCRYPTED,
	    "encrypted message is reported, not signed");
	outcome_free(&o);

	/* a forwarded signed part with 8-bit content cannot be signed */
	sign_text(rsa,
	    "From: a@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\nTiếng Việt\r\n--b\r\n"
	    "Content-Type: application/pkcs7-signature\r\n"
	    "\r\nAA==\r\n--b--\r\n--o--\r\n",
	    &o);
	CHECK(o.rc == -1 && o.err.cls == KYSO_E_INPUT,
	    "nested 8-bit signed part is refused as input: %s", o.err.msg);
	outcome_free(&o);

	check_duplicates(rsa);
	check_header_protection(&p, rsa);
	check_opaque(&p, rsa);

	kyso_signer_free(rsa);
	kyso_signer_free(s384);
	kyso_signer_free(ec);
	EVP_PKEY_free(p.ca_key);
	X509_free(p.ca);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "%s/leaf.crt", p.dir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/leaf.key", p.dir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/chain.pem", p.dir);
		unlink(cmd);
		rmdir(p.dir);
	}
	kyso_mime_shutdown();
	return TEST_DONE();
}
