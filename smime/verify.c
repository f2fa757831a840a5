/*
 * verify.c - kyso_verify_message(): find the S/MIME signature of a message
 * (verify_find.c), parse the CMS, compute each signer's content digest over
 * the exact received bytes, and collect per-signer facts (verify_signer.c).
 *
 * Detached content is hashed as received; only if that fails for a signer
 * and the content has bare LF line ends is the CRLF-canonical form tried
 * (RFC 8551 3.1.1: what was signed is canonical CRLF). An opaque
 * SignedData that also travels with detached content must carry the same
 * bytes (CVE-2018-18509 class): otherwise econtent_mismatch.
 */
#include <limits.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "rawmime.h"
#include "verify_int.h"

/* Bare-LF line ends turned into CRLF; NULL when there are none, or (with
 * *oom set) when the copy does not fit in memory. */
static GByteArray *
crlf_canonical(const char *p, size_t len, int *oom)
{
	size_t i, bare = 0, j = 0;
	guint8 *a;

	for (i = 0; i < len; i++)
		bare += p[i] == '\n' && (i == 0 || p[i - 1] != '\r');
	if (bare == 0)
		return NULL;
	if (len + bare >= G_MAXUINT || (a = g_try_malloc(len + bare)) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			a[j++] = '\r';
		a[j++] = (guint8)p[i];
	}
	return g_byte_array_new_take(a, j);
}

/* 1 when the OpenSSL error queue holds an allocation failure (a NULL that
 * means "no memory now", not "bad input"); drains the queue. */
static int
ossl_oom(void)
{
	unsigned long e;
	int oom = 0;

	while ((e = ERR_get_error()) != 0)
		oom |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
	return oom;
}

int
kyso_verify_digest_signers(CMS_ContentInfo *cms, const char *content,
    size_t len, STACK_OF(CMS_SignerInfo) * sis, int n, int *ok)
{
	BIO *in = NULL, *chain = NULL;
	char buf[16384];
	int i, good = 0;

	for (i = 0; i < n; i++)
		ok[i] = 0;
	/* a BIO counts in int: a longer content would be read as a string */
	if (len > INT_MAX)
		goto out;
	if (content != NULL &&
	    (in = BIO_new_mem_buf(content, (int)len)) == NULL)
		goto out;
	if ((chain = CMS_dataInit(cms, in)) == NULL)
		goto out;
	while (BIO_read(chain, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < n; i++) {
		ok[i] =
		    CMS_SignerInfo_verify_content(sk_CMS_SignerInfo_value(sis,
		                                      i),
		        chain) > 0;
		good += ok[i];
	}
out:
	/* CMS_dataInit pushed digest BIOs on top of `in`: free them all */
	if (chain != NULL)
		BIO_free_all(chain);
	else
		BIO_free(in);
	ERR_clear_error();
	return good;
}

static int
bytes_equal(const ASN1_OCTET_STRING *os, const char *p, size_t len)
{
	return (size_t)ASN1_STRING_length(os) == len &&
	    memcmp(ASN1_STRING_get0_data(os), p, len) == 0;
}

static void
set_malformed(struct kyso_verify_result *res, const char *why)
{
	res->malformed = 1;
	if (res->malformed_reason == NULL)
		res->malformed_reason = g_strdup(why);
}

/* Verify the CMS of f (already found, not malformed) into res. -1 only
 * when memory ran out (err KYSO_E_TEMP): the message is retried later. */
static void inner_fields(const char *content, size_t len,
    struct kyso_verify_result *res);

static int
verify_cms(const struct kyso_trust *trust, struct kyso_rev_session *rs,
    struct kyso_found *f, const char *from_addr, time_t now,
    struct kyso_verify_result *res, struct kyso_err *err)
{
	const unsigned char *p = f->cms_der->data;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	STACK_OF(X509) *certs = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	ASN1_OCTET_STRING **pos, *econtent = NULL;
	GByteArray *canon = NULL;
	const char *content = f->content;
	size_t content_len = f->content_len;
	char *why = NULL;
	int *ok = NULL, *ok2 = NULL, n, i, good, oom = 0;

	ERR_clear_error();
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)f->cms_der->len);
	if (cms == NULL && ossl_oom()) {
		oom = 1;
		goto out;
	}
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		set_malformed(res, "signature is not a CMS SignedData");
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n <= 0) {
		set_malformed(res, "SignedData without signers");
		goto out;
	}
	if (n > KYSO_MAX_SIGNERS)
		n = KYSO_MAX_SIGNERS;
	pos = CMS_get0_content(cms);
	econtent = pos ? *pos : NULL;
	if (f->opaque) {
		if (econtent == NULL) {
			set_malformed(res,
			    "opaque signed-data without content");
			goto out;
		}
		content = (const char *)ASN1_STRING_get0_data(econtent);
		content_len = (size_t)ASN1_STRING_length(econtent);
		/* the entity the recipient shows is inside: one reading */
		if ((why = kyso_verify_ambiguity(content, content_len)) !=
		    NULL) {
			char *r =
			    g_strdup_printf("opaque signed content: %s", why);

			set_malformed(res, r);
			g_free(r);
			goto out;
		}
		if (f->whole)
			inner_fields(content, content_len, res);
	} else if (econtent != NULL &&
	    !bytes_equal(econtent, f->content, f->content_len)) {
		/* RFC 8551 3.5.3.1: a detached signature carries no content;
		 * one that does and differs would show one text and sign
		 * another */
		canon = crlf_canonical(f->content, f->content_len, &oom);
		if (oom)
			goto out;
		if (canon == NULL ||
		    !bytes_equal(econtent, (const char *)canon->data,
		        canon->len))
			res->econtent_mismatch = 1;
		if (canon != NULL)
			g_byte_array_unref(canon);
		canon = NULL;
	}
	/* find each signer's certificate among those in the message */
	(void)CMS_set1_signers_certs(cms, NULL, 0);
	ERR_clear_error();
	ok = g_new0(int, n);
	good =
	    kyso_verify_digest_signers(cms, content, content_len, sis, n, ok);
	if (good < n && !f->opaque &&
	    (canon = crlf_canonical(content, content_len, &oom)) != NULL) {
		ok2 = g_new0(int, n);
		if (kyso_verify_digest_signers(cms, (const char *)canon->data,
		        canon->len, sis, n, ok2) > good) {
			memcpy(ok, ok2, sizeof(int) * (size_t)n);
			content = (const char *)canon->data;
			content_len = canon->len;
		}
	}
	if (oom)
		goto out;
	res->nested = kyso_verify_has_signature(content, content_len);
	if (res->econtent_mismatch)
		rs->skip = "not checked: eContent differs from the signed part";
	certs = CMS_get1_certs(cms);
	crls = CMS_get1_crls(cms);
	ERR_clear_error();
	res->signers = g_new0(struct kyso_signer_info, n);
	res->nsigners = (size_t)n;
	for (i = 0; i < n; i++) {
		CMS_SignerInfo *s = sk_CMS_SignerInfo_value(sis, i);
		X509 *signer = NULL;

		CMS_SignerInfo_get0_algs(s, NULL, &signer, NULL, NULL);
		kyso_verify_signer(trust, rs, s, signer, ok[i], certs, crls,
		    from_addr, now, &res->signers[i]);
	}
out:
	g_free(why);
	g_free(ok);
	g_free(ok2);
	if (canon != NULL)
		g_byte_array_unref(canon);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	if (oom)
		kyso_err_set(err, KYSO_E_TEMP, "out of memory verifying");
	return oom ? -1 : 0;
}

/* The signed entity's hp= parameter and protected fields (RFC 9788). */
static void
inner_fields(const char *content, size_t len, struct kyso_verify_result *res)
{
	struct kyso_span e = {content, len}, hdr, body;
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct kyso_inner_field));
	GMimeContentType *ct;
	char *v;
	size_t i, j;

	(void)kyso_raw_split_entity(e, &hdr, &body);
	if ((v = kyso_raw_header_value(hdr, "Content-Type")) != NULL) {
		ct = g_mime_content_type_parse(NULL, v);
		if (ct != NULL &&
		    g_mime_content_type_get_parameter(ct, "hp") != NULL)
			res->hp = g_strdup(
			    g_mime_content_type_get_parameter(ct, "hp"));
		if (ct != NULL)
			g_object_unref(ct);
		g_free(v);
	}
	for (i = 0; kyso_protected_fields[i] != NULL; i++) {
		GPtrArray *vals =
		    kyso_raw_header_values(hdr, kyso_protected_fields[i]);

		for (j = 0; j < vals->len; j++) {
			struct kyso_inner_field fld =
			    {g_strdup(kyso_protected_fields[i]),
			        g_strdup(g_ptr_array_index(vals, j))};

			g_array_append_val(a, fld);
		}
		g_ptr_array_unref(vals);
	}
	res->ninner = a->len;
	res->inner =
	    (struct kyso_inner_field *)(void *)g_array_free(a, a->len == 0);
}

int
kyso_verify_message(const struct kyso_trust *trust, GMimeStream *msg,
    const char *from_addr, time_t now, struct kyso_verify_result *res,
    struct kyso_err *err)
{
	return kyso_verify_message_progress(trust, msg, from_addr, now, NULL,
	    res, err);
}

int
kyso_verify_message_progress(const struct kyso_trust *trust, GMimeStream *msg,
    const char *from_addr, time_t now, const struct kyso_progress *progress,
    struct kyso_verify_result *res, struct kyso_err *err)
{
	struct kyso_rev_session rs;
	struct kyso_found f;
	GByteArray *raw;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	if (trust == NULL) {
		kyso_err_set(err, KYSO_E_INTERNAL, "verify: no trust material");
		return -1;
	}
	/* XXX: the message is held in memory while verifying; the milter
	 * bounds it with MaximumMessageSize */
	if ((raw = kyso_mime_read_all(msg, 0, err)) == NULL)
		return -1;
	kyso_verify_find((const char *)raw->data, raw->len, &f);
	res->found = f.found;
	res->whole = f.whole;
	res->opaque = f.opaque;
	res->encrypted = f.encrypted;
	res->part = f.part ? g_strdup(f.part) : NULL;
	if (f.found && f.whole && !f.malformed && f.content != NULL)
		inner_fields(f.content, f.content_len, res);
	if (f.oom) {
		kyso_err_set(err, KYSO_E_TEMP,
		    "out of memory decoding the "
		    "signature");
		rc = -1;
	} else if (f.malformed)
		set_malformed(res, f.malformed_reason);
	else if (f.found) {
		kyso_rev_session_init(&rs, trust, progress);
		rc = verify_cms(trust, &rs, &f, from_addr, now, res, err);
	}
	kyso_verify_found_clear(&f);
	g_byte_array_unref(raw);
	if (rc != 0)
		kyso_verify_result_clear(res);
	return rc;
}

void
kyso_signer_info_clear(struct kyso_signer_info *s)
{
	if (s == NULL)
		return;
	g_free(s->signature_error);
	g_free(s->chain_error);
	g_free(s->weak_reason);
	g_free(s->revocation_note);
	g_free(s->tsa_name);
	g_free(s->timestamp_note);
	g_free(s->email);
	g_free(s->fingerprint);
	g_free(s->issuer_fingerprint);
	g_free(s->subject_utf8);
	g_free(s->subject_cn);
	g_free(s->subject);
	g_free(s->issuer_rfc4514);
	g_free(s->issuer_text);
	g_free(s->issuer_cn);
	g_free(s->serial_hex);
	g_free(s->digest);
	memset(s, 0, sizeof(*s));
}

void
kyso_verify_result_clear(struct kyso_verify_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nsigners; i++)
		kyso_signer_info_clear(&res->signers[i]);
	for (i = 0; i < res->ninner; i++) {
		g_free(res->inner[i].name);
		g_free(res->inner[i].value);
	}
	g_free(res->inner);
	g_free(res->hp);
	g_free(res->signers);
	g_free(res->malformed_reason);
	g_free(res->part);
	memset(res, 0, sizeof(*res));
}
