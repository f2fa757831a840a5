/*
 * cosign.c - "signed and sealed": add the agency's seal as a parallel
 * SignerInfo to a personally signed detached multipart/signed message.
 *
 * Contract (include/kyso/smime/cosign.h): verify the existing signers over the
 * exact received bytes (kyso_verify_message, plus our own digest check
 * with no CRLF fallback), then CMS_add1_signer(CMS_REUSE_DIGEST |
 * CMS_CADES | CMS_PARTIAL) on the parsed SignedData, signingTime, the seal's
 * chain, CMS_SignerInfo_sign (waiting, bounded, for a token), i2d. The result
 * is checked before anything is written: every old SignerInfo must be, byte for
 * byte, a SignerInfo of the new DER (ber.c) and every signer must verify. Only
 * the base64 text of the signature part is replaced. Never logs.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "kyso/smime/cosign.h"
#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/timestamp.h"
#include "ber.h"
#include "digest.h"
#include "rawmime.h"
#include "verify_int.h"

int
kyso_cosign_signer_infos(const unsigned char *der, size_t der_len, size_t *off,
    size_t *len, size_t max)
{
	return kyso_ber_signer_infos(der, der_len, off, len, max);
}

/* ---- the raw message ---- */

/* Where the pieces of the detached multipart/signed are in the raw bytes. */
struct layout {
	const char *body;    /* first byte after the header block */
	const char *content; /* the signed first part */
	size_t content_len;
	const char *b64, *b64_end; /* base64 text of the signature part */
	const char *eol;           /* "\r\n" or "\n", as the part uses */
	char *boundary, *protocol, *micalg; /* outer parameters (g_free) */
};

static void
layout_clear(struct layout *l)
{
	g_free(l->boundary);
	g_free(l->protocol);
	g_free(l->micalg);
	memset(l, 0, sizeof(*l));
}

/* Where the pieces of the top-level detached multipart/signed that the
 * verifier located (f, kyso_verify_find over the same raw[0..len)) are:
 * one reading of the structure for verifying and sealing. Returns NULL on
 * success, else why it cannot be co-signed (static text). */
static const char *
find_layout(const char *raw, size_t len, const struct kyso_found *f,
    struct layout *l)
{
	struct kyso_span whole = {raw, len}, hdr, body;
	struct kyso_span sig = {f->sig_part, f->sig_part_len};
	GMimeContentType *ct = NULL;
	const char *v, *le, *why = NULL;
	char *field = NULL, *cte = NULL;

	memset(l, 0, sizeof(*l));
	/* an unclosed multipart/signed is malformed (verify_find.c) */
	if (!f->found || f->malformed || f->opaque || !f->whole ||
	    f->cms_der == NULL || f->content == NULL || f->sig_part == NULL)
		return "cannot locate the signed part unambiguously";
	(void)kyso_raw_split_entity(whole, &hdr, &body);
	l->body = body.p;
	field = kyso_raw_header_value(hdr, "Content-Type");
	ct = g_mime_content_type_parse(NULL, field ? field : "text/plain");
	if (ct == NULL ||
	    (v = g_mime_content_type_get_parameter(ct, "boundary")) == NULL) {
		why = "cannot locate the signed part unambiguously";
		goto out;
	}
	l->boundary = g_strdup(v);
	if ((v = g_mime_content_type_get_parameter(ct, "protocol")) != NULL)
		l->protocol = g_strdup(v);
	if ((v = g_mime_content_type_get_parameter(ct, "micalg")) != NULL)
		l->micalg = g_strdup(v);
	l->content = f->content;
	l->content_len = f->content_len;
	/* the signature part: header block, then base64 up to the close */
	if (!kyso_raw_split_entity(sig, &hdr, &body)) {
		why = "signature part has no header/body separator";
		goto out;
	}
	l->eol = (body.p - sig.p >= 2 && body.p[-2] == '\r') ? "\r\n" : "\n";
	cte = kyso_raw_header_value(hdr, "Content-Transfer-Encoding");
	if (cte == NULL || g_ascii_strcasecmp(cte, "base64") != 0) {
		why = "signature part is not base64-encoded";
		goto out;
	}
	/* the base64 text ends at its last non-blank octet: what follows
	 * (line ends, the delimiter, the epilogue) is kept as it is */
	l->b64 = body.p;
	for (le = body.p + body.len; le > body.p &&
	     (le[-1] == '\r' || le[-1] == '\n' || le[-1] == ' ' ||
	         le[-1] == '\t');
	     le--)
		;
	l->b64_end = le;
	if (l->b64_end == l->b64)
		why = "signature part is empty";
out:
	g_free(field);
	g_free(cte);
	if (ct != NULL)
		g_object_unref(ct);
	if (why != NULL)
		layout_clear(l);
	return why;
}

/* ---- CMS ---- */

/* RFC 8551 3.5.3.2 micalg name of a digest, NULL when we do not seal
 * with it (digest.c). */
static const char *
micalg_name(int nid)
{
	const struct kyso_digest *d = kyso_digest_by_nid(nid);

	return d != NULL && d->sealable ? d->micalg : NULL;
}

static int
signer_digest_nid(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	return dig != NULL ? OBJ_obj2nid(dig->algorithm) : NID_undef;
}

/* Digest the exact content for every signer (verify.c, no CRLF repair);
 * 1 when all match. */
static int
content_matches(CMS_ContentInfo *cms, const char *content, size_t len)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int n = sis != NULL ? sk_CMS_SignerInfo_num(sis) : 0, *ok, good;

	if (n <= 0)
		return 0;
	ok = g_new0(int, n);
	good = kyso_verify_digest_signers(cms, content, len, sis, n, ok);
	g_free(ok);
	return good == n;
}

/* Pick the seal's digest: its own when an existing signer uses it, else
 * the first signer's. NULL (why set) when no usable one. */
static const EVP_MD *
pick_digest(const struct kyso_signer *seal, CMS_ContentInfo *cms, int *adjusted,
    const char **why)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int own = EVP_MD_get_type(kyso_signer_md(seal)), first, i;

	*adjusted = 0;
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);

		if (signer_digest_nid(si) == own &&
		    CMS_signed_get_attr_count(si) >= 0)
			return kyso_signer_md(seal);
	}
	first = signer_digest_nid(sk_CMS_SignerInfo_value(sis, 0));
	if (first == NID_md5 || first == NID_sha1) {
		*why = "the existing signature uses a weak digest (MD5/SHA-1)";
		return NULL;
	}
	if (micalg_name(first) == NULL) {
		*why = "the existing signature uses an unsupported digest";
		return NULL;
	}
	if (CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(sis, 0)) < 0) {
		*why = "the existing signature has no signed attributes";
		return NULL;
	}
	*adjusted = 1;
	return EVP_get_digestbynid(first);
}

static int
has_cert(STACK_OF(X509) * certs, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(certs); i++)
		if (X509_cmp(sk_X509_value(certs, i), x) == 0)
			return 1;
	return 0;
}

/* With tsa->tsa_url, a TSA token on the new SignerInfo si; -1 only when
 * the TSA gave none and tsa_required (KYSO_E_TEMP, res->tsa_error). */
static int
seal_timestamp(CMS_SignerInfo *si, const struct kyso_sign_opts *tsa,
    struct kyso_cosign_result *res, struct kyso_err *err)
{
	char *why = NULL;

	if (tsa == NULL || tsa->tsa_url == NULL)
		return 0;
	if (kyso_timestamp_add(si, tsa->tsa_url,
	        tsa->tsa_timeout > 0 ? tsa->tsa_timeout : 10, &why) == 0) {
		res->timestamped = 1;
		return 0;
	}
	res->tsa_error = why;
	if (!tsa->tsa_required)
		return 0;
	kyso_err_set(err, KYSO_E_TEMP, "no timestamp: %s", why);
	return -1;
}

/* Add the seal to cms (a token key waits, bounded, for its token; the
 * TSA, if any, is asked after the signature) and return the new DER
 * (OPENSSL_free) in *der. */
static int
add_seal(const struct kyso_signer *seal, CMS_ContentInfo *cms, const EVP_MD *md,
    time_t now, const struct kyso_sign_opts *tsa,
    struct kyso_cosign_result *res, unsigned char **der, int *der_len,
    struct kyso_err *err)
{
	STACK_OF(X509) *chain = kyso_signer_chain(seal);
	STACK_OF(X509) *present = CMS_get1_certs(cms);
	unsigned flags = CMS_REUSE_DIGEST | CMS_CADES | CMS_PARTIAL;
	X509 *cert = kyso_signer_cert(seal);
	CMS_SignerInfo *si;
	ASN1_TIME *t = NULL;
	int i, rc = -1, on_token = kyso_signer_on_token(seal);

	ERR_clear_error();
	if (present == NULL)
		present = sk_X509_new_null();
	/* OpenSSL 3.0 counts adding a present certificate as an error */
	if (has_cert(present, cert))
		flags |= CMS_NOCERTS;
	si = CMS_add1_signer(cms, cert, kyso_signer_key(seal), md, flags);
	if (si == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_add1_signer");
		goto out;
	}
	/* RFC 8551 2.5.1: UTCTime through 2049 (ASN1_TIME_set picks) */
	if ((t = ASN1_TIME_set(NULL, now)) == NULL ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t,
	        -1)) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "signingTime");
		goto out;
	}
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		if (has_cert(present, x))
			continue;
		if (!CMS_add1_cert(cms, x)) {
			kyso_err_openssl(err, KYSO_E_INTERNAL, "CMS_add1_cert");
			goto out;
		}
		if (present == NULL || !sk_X509_push(present, x)) {
			kyso_err_set(err, KYSO_E_INTERNAL, "out of memory");
			goto out;
		}
		(void)X509_up_ref(x);
	}
	/* the private-key operation: on a token it waits (bounded) */
	if (!CMS_SignerInfo_sign(si)) {
		kyso_err_openssl(err, on_token ? KYSO_E_TEMP : KYSO_E_INTERNAL,
		    "CMS_SignerInfo_sign");
		(void)kyso_signer_op_error(seal, err);
		goto out;
	}
	if (seal_timestamp(si, tsa, res, err) < 0)
		goto out;
	if ((*der_len = i2d_CMS_ContentInfo(cms, der)) <= 0) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "i2d_CMS_ContentInfo");
		goto out;
	}
	rc = 0;
out:
	ASN1_TIME_free(t);
	sk_X509_pop_free(present, X509_free);
	return rc;
}

/* Re-read the new DER and verify every signer over the exact content. */
static int
self_check(const unsigned char *der, size_t len, const char *content,
    size_t content_len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(CMS_SignerInfo) * sis;
	int i, ok = 0;

	if (cms == NULL || (sis = CMS_get0_SignerInfos(cms)) == NULL)
		goto out;
	(void)CMS_set1_signers_certs(cms, NULL, 0);
	if (!content_matches(cms, content, content_len))
		goto out;
	ok = 1;
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
		if (CMS_SignerInfo_verify(sk_CMS_SignerInfo_value(sis, i)) <= 0)
			ok = 0;
out:
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ok;
}

/* Is `tok` one of the comma-separated items of `list`? */
static int
has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = list; (p = strstr(p, tok)) != NULL; p += n)
		if ((p == list || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* The micalg parameter the output needs: every signer's digest, in order,
 * without repeats. */
static char *
micalg_of(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(CMS_SignerInfo) * sis;
	GString *s = g_string_new(NULL);
	int i;

	sis = cms != NULL ? CMS_get0_SignerInfos(cms) : NULL;
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		const char *m = micalg_name(
		    signer_digest_nid(sk_CMS_SignerInfo_value(sis, i)));

		if (m == NULL)
			m = "unknown";
		if (!has_token(s->str, m))
			g_string_append_printf(s, "%s%s", s->len ? "," : "", m);
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return g_string_free(s, FALSE);
}

/* Does the micalg value `have` name the same set as `want` (RFC 8551
 * names; "sha256" is accepted for "sha-256", as clients write both)? */
static int
micalg_same(const char *have, const char *want)
{
	char **h, **w;
	guint i, j;
	int same = 1;

	if (have == NULL)
		return 0;
	h = g_strsplit(have, ",", -1);
	w = g_strsplit(want, ",", -1);
	for (i = 0; h[i] != NULL; i++) {
		const char *m = kyso_digest_micalg_canon(g_strstrip(h[i]));
		char *x = m != NULL ? g_strdup(m) : g_ascii_strdown(h[i], -1);

		g_free(h[i]);
		h[i] = x;
	}
	for (i = 0; h[i] != NULL && same; i++) {
		for (j = 0; w[j] != NULL && strcmp(h[i], w[j]) != 0; j++)
			;
		same = w[j] != NULL;
	}
	for (j = 0; w[j] != NULL && same; j++) {
		for (i = 0; h[i] != NULL && strcmp(h[i], w[j]) != 0; i++)
			;
		same = h[i] != NULL;
	}
	g_strfreev(h);
	g_strfreev(w);
	return same;
}

/* ---- output ---- */

/* The original body with only the signature's base64 text replaced. */
static int
write_body(GMimeStream *out, const char *raw_end, const struct layout *l,
    const unsigned char *der, size_t der_len, size_t *total,
    struct kyso_err *err)
{
	if (kyso_mime_write(out, l->body, (size_t)(l->b64 - l->body), total,
	        "sealed", err) < 0 ||
	    kyso_mime_write_base64(out, der, der_len, l->eol, total, "sealed",
	        err) < 0)
		return -1;
	if (kyso_mime_write(out, l->b64_end, (size_t)(raw_end - l->b64_end),
	        total, "sealed", err) < 0)
		return -1;
	if (g_mime_stream_flush(out) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot flush sealed message");
		return -1;
	}
	return 0;
}

static void
refuse(struct kyso_cosign_result *res, char *why)
{
	g_free(res->why);
	res->why = why;
	res->cosigned = 0;
}

/* Refuse unless the verification facts show valid existing signatures. */
static int
existing_ok(const struct kyso_verify_result *v, struct kyso_cosign_result *res)
{
	size_t i;

	if (v->encrypted)
		refuse(res, g_strdup("message is encrypted"));
	else if (!v->found)
		refuse(res, g_strdup("message is not S/MIME signed"));
	else if (v->opaque)
		refuse(res,
		    g_strdup("opaque signed-data (application/"
		             "pkcs7-mime) cannot be co-signed"));
	else if (!v->whole)
		refuse(res,
		    g_strdup("the signature does not cover the whole "
		             "message"));
	else if (v->malformed)
		refuse(res,
		    g_strdup_printf("malformed signature: %s",
		        v->malformed_reason ? v->malformed_reason : "?"));
	else if (v->econtent_mismatch)
		refuse(res,
		    g_strdup("detached signature carries other content"));
	else if (v->nsigners == 0)
		refuse(res, g_strdup("signature has no signers"));
	else if (v->nsigners >= KYSO_MAX_SIGNERS)
		refuse(res, g_strdup("too many signers"));
	else {
		for (i = 0; i < v->nsigners; i++)
			if (!v->signers[i].signature_ok) {
				refuse(res,
				    g_strdup_printf("existing signature %zu is "
				                    "not valid: %s",
				        i + 1,
				        v->signers[i].signature_error
				            ? v->signers[i].signature_error
				            : "?"));
				return 0;
			}
		return 1;
	}
	return 0;
}

int
kyso_cosign_message(const struct kyso_signer *seal,
    const struct kyso_trust *trust, GMimeStream *in, GMimeStream *out_body,
    const char *from_addr, time_t now, struct kyso_cosign_result *res,
    struct kyso_err *err)
{
	return kyso_cosign_message_tsa(seal, trust, in, out_body, from_addr,
	    now, NULL, res, err);
}

int
kyso_cosign_message_tsa(const struct kyso_signer *seal,
    const struct kyso_trust *trust, GMimeStream *in, GMimeStream *out_body,
    const char *from_addr, time_t now, const struct kyso_sign_opts *tsa,
    struct kyso_cosign_result *res, struct kyso_err *err)
{
	struct kyso_trust *own_trust = NULL;
	struct layout l;
	struct kyso_found f;
	GByteArray *raw = NULL;
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	const EVP_MD *md;
	const char *why = NULL;
	char *micalg = NULL;
	int der_len = 0, i, rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	memset(&f, 0, sizeof(f));
	if (kyso_signer_check_time(seal, now, err) < 0)
		return -1;
	if (trust == NULL) {
		/* no trust material configured: signatures are still checked,
		 * every chain is reported untrusted */
		struct kyso_trust_spec none = {0};

		if ((own_trust = kyso_trust_load(&none, err)) == NULL)
			goto out;
		trust = own_trust;
	}
	if (kyso_verify_message(trust, in, from_addr, now, &res->before, err) <
	    0)
		goto out;
	res->signers_before = res->before.nsigners;
	if (res->before.nsigners > 0) {
		res->personal_subject =
		    g_strdup(res->before.signers[0].subject);
		res->personal_email = g_strdup(res->before.signers[0].email);
	}
	if (!existing_ok(&res->before, res)) {
		rc = 0;
		goto out;
	}
	if ((raw = kyso_mime_read_all(in, 0, err)) == NULL)
		goto out;
	/* the verifier's reading of the structure, nothing of our own */
	kyso_verify_find((const char *)raw->data, raw->len, &f);
	if ((why = find_layout((const char *)raw->data, raw->len, &f, &l)) !=
	    NULL)
		goto refused;
	p = f.cms_der->data;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)f.cms_der->len);
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) !=
	        (int)res->before.nsigners) {
		why = "signature is not a CMS SignedData";
		goto refused;
	}
	/* exactly these bytes, no CRLF repair: what we emit is what we
	 * checked */
	if (!content_matches(cms, l.content, l.content_len)) {
		why = "the existing signature does not match the exact signed "
		      "bytes";
		goto refused;
	}
	for (i = 0; i < sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)); i++)
		if (CMS_SignerInfo_cert_cmp(
		        sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), i),
		        kyso_signer_cert(seal)) == 0) {
			why = "already sealed by this certificate";
			goto refused;
		}
	if ((md = pick_digest(seal, cms, &res->digest_adjusted, &why)) == NULL)
		goto refused;
	res->digest = g_strdup(micalg_name(EVP_MD_get_type(md)));
	if (add_seal(seal, cms, md, now, tsa, res, &der, &der_len, err) < 0)
		goto out;
	if (!kyso_ber_signer_infos_kept(f.cms_der->data, f.cms_der->len, der,
	        (size_t)der_len, 1)) {
		why = "re-encoding would change an existing SignerInfo";
		goto refused;
	}
	if (!self_check(der, (size_t)der_len, l.content, l.content_len)) {
		kyso_err_set(err, KYSO_E_INTERNAL,
		    "the sealed signature does not verify");
		goto out;
	}
	micalg = micalg_of(der, (size_t)der_len);
	if (micalg_same(l.micalg, micalg))
		res->micalg = g_strdup(l.micalg);
	else {
		res->micalg = g_strdup(micalg);
		res->content_type =
		    g_strdup_printf("multipart/signed; protocol=\"%s\";\n"
		                    "\tmicalg=%s; boundary=\"%s\"",
		        l.protocol ? l.protocol : "application/pkcs7-signature",
		        micalg, l.boundary);
	}
	if (write_body(out_body, (const char *)raw->data + raw->len, &l, der,
	        (size_t)der_len, &res->body_bytes, err) < 0)
		goto out;
	res->signers_after = res->signers_before + 1;
	res->cosigned = 1;
	rc = 0;
	goto out;
refused:
	refuse(res, g_strdup(why));
	rc = 0;
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	kyso_trust_free(own_trust);
	g_free(micalg);
	layout_clear(&l);
	kyso_verify_found_clear(&f);
	if (raw != NULL)
		g_byte_array_unref(raw);
	ERR_clear_error();
	if (rc < 0) {
		char *tsa_error = res->tsa_error;

		res->tsa_error = NULL;
		kyso_cosign_result_clear(res);
		res->tsa_error = tsa_error; /* a required TSA failed: why */
	}
	return rc;
}

void
kyso_cosign_result_clear(struct kyso_cosign_result *res)
{
	if (res == NULL)
		return;
	g_free(res->why);
	g_free(res->personal_subject);
	g_free(res->personal_email);
	g_free(res->digest);
	g_free(res->micalg);
	g_free(res->content_type);
	g_free(res->tsa_error);
	kyso_verify_result_clear(&res->before);
	memset(res, 0, sizeof(*res));
}
