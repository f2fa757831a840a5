/*
 * test_timestamp.c DIR PORT MODE - RFC 3161 timestamps and revocation
 * endpoints against real servers (timestamp.test: tests/pki/tsa-http.pl on
 * 127.0.0.1:PORT runs `openssl ts -reply` and `openssl ocsp` over the PKI
 * of tests/pki/make-tsa-cases.sh in DIR).
 * MODE all:
 * - outbound: kyso_sign_message with a TSA attaches a token the verifier
 *   proves; an unreachable TSA signs without (tsa_error) or, required,
 *   fails KYSO_E_TEMP; a seal added by kyso_cosign_message_tsa gets its
 *   own token, the personal SignerInfo none;
 * - inbound: a proven time judges validity (expired since: valid) and
 *   revocation (revoked before: revoked; after: good, by CRL and OCSP);
 * - attackers: a token over another signature, from an untrusted TSA,
 *   a garbled or cut
 *   token, one taken long after the claimed time, one ahead of our clock,
 *   one with a SHA-1 imprint, one not evaluated for want of
 *   TimestampTrustAnchors: none is "proven", none changes a fact;
 * - endpoints: RevocationURLMap for OCSP and CRL URLs (and its host
 *   boundary), several CRL distribution points tried in order until one
 *   answers for the certificate (dead, another CA's, expired: next).
 * MODE cache-fetch / cache-restart / cache-empty: a CRL fetched into
 * DIR/cache by one process is used by the next with the server down.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <gmime/gmime.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "kyso/smime/cosign.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/timestamp.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"
#include "http.h"
#include "verify_int.h"

#define DAY (24 * 3600)

static const char *dir;
static int port;

static const char content[] = "Content-Type: text/plain; charset=us-ascii\r\n"
                              "\r\n"
                              "Signed, and stamped.\r\n";

static char *
path(const char *name)
{
	return g_strdup_printf("%s/%s", dir, name);
}

static char *
url(const char *p)
{
	return g_strdup_printf("http://127.0.0.1:%d%s", port, p);
}

static struct kyso_signer *
signer(const char *name)
{
	char *c = g_strdup_printf("%s/%s.crt", dir, name);
	char *k = g_strdup_printf("%s/%s.key", dir, name);
	struct kyso_signer_spec sp = {.cert_file = c, .key_file = k};
	struct kyso_err err = {0};
	struct kyso_signer *s = kyso_signer_load(&sp, &err);

	if (s == NULL)
		DIAG("signer %s: %s", name, err.msg);
	g_free(c);
	g_free(k);
	return s;
}

/* A trust: check (KYSO_REVCHECK_*), CRLFile or not, TSA anchors (file
 * name in DIR or NULL), URL map text (or NULL), cache directory. */
static struct kyso_trust *
trust(int check, int crlfile, const char *tsa, const char *map,
    const char *cache)
{
	char *root = path("root.crt"), *crl = path("crl.pem");
	char *ta = tsa ? path(tsa) : NULL, *mapf = NULL;
	struct kyso_trust_spec s = {0};
	struct kyso_err err = {0};
	struct kyso_trust *t;

	if (map != NULL) {
		mapf = path("urlmap");
		(void)g_file_set_contents(mapf, map, -1, NULL);
	}
	s.anchor_file = root;
	s.crl_file = crlfile ? crl : NULL;
	s.revocation_check = check;
	s.tsa_anchor_file = ta;
	s.url_map = mapf;
	s.cache_dir = cache;
	s.timeout = 2;
	s.budget = 10;
	t = kyso_trust_load(&s, &err);
	if (t == NULL)
		DIAG("trust: %s", err.msg);
	g_free(root);
	g_free(crl);
	g_free(ta);
	g_free(mapf);
	return t;
}

/* The standard map: the CA's internal names to the test server. */
static char *
std_map(void)
{
	return g_strdup_printf("# internal names of the CA\n"
	                       "http://ocsp.ca.ptc http://127.0.0.1:%d/ocsp\n"
	                       "http://ca.ptc http://127.0.0.1:%d/\n",
	    port, port);
}

/* Detached DER signature over content by s, claimed time `when`. */
static GByteArray *
sign_der(struct kyso_signer *s, time_t when)
{
	GMimeStream *in =
	    g_mime_stream_mem_new_with_buffer(content, strlen(content));
	struct kyso_err err = {0};
	unsigned char *der = NULL;
	size_t len = 0;
	GByteArray *a = NULL;

	if (kyso_sign_detached(s, in, when, &der, &len, &err) == 0) {
		a = g_byte_array_new();
		g_byte_array_append(a, der, (guint)len);
	} else
		DIAG("sign: %s", err.msg);
	g_free(der);
	g_object_unref(in);
	return a;
}

/* Apply fn to the first SignerInfo of der, re-encode in place. */
static int
edit_signer(GByteArray *der, int (*fn)(CMS_SignerInfo *si, void *ctx),
    void *ctx)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	unsigned char *out = NULL;
	int n, rc = -1;

	if (cms == NULL ||
	    fn(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0), ctx) <
	        0 ||
	    (n = i2d_CMS_ContentInfo(cms, &out)) <= 0)
		goto out;
	g_byte_array_set_size(der, 0);
	g_byte_array_append(der, out, (guint)n);
	rc = 0;
out:
	OPENSSL_free(out);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

static int
stamp_fn(CMS_SignerInfo *si, void *ctx)
{
	char *why = NULL;
	int rc = kyso_timestamp_add(si, ctx, 5, &why);

	if (rc < 0)
		DIAG("stamp: %s", why);
	g_free(why);
	return rc;
}

static int
stamp(GByteArray *der, const char *tsa_path)
{
	char *u = url(tsa_path);
	int rc = edit_signer(der, stamp_fn, u);

	g_free(u);
	return rc;
}

/* The token attribute of a SignerInfo, as DER (take_fn) or put back
 * (put_fn), and changed bytes (garble_fn). */
static int
take_fn(CMS_SignerInfo *si, void *ctx)
{
	int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	    -1);
	X509_ATTRIBUTE *a = i >= 0 ? CMS_unsigned_get_attr(si, i) : NULL;
	unsigned char *d = NULL;
	int n;

	if (a == NULL || (n = i2d_X509_ATTRIBUTE(a, &d)) <= 0)
		return -1;
	g_byte_array_append(ctx, d, (guint)n);
	OPENSSL_free(d);
	return 0;
}

static int
put_fn(CMS_SignerInfo *si, void *ctx)
{
	GByteArray *attr = ctx;
	const unsigned char *p = attr->data;
	X509_ATTRIBUTE *a = d2i_X509_ATTRIBUTE(NULL, &p, (long)attr->len);
	int ok = a != NULL && CMS_unsigned_add1_attr(si, a);

	X509_ATTRIBUTE_free(a);
	return ok ? 0 : -1;
}

/* where > 0: flip a bit `where` bytes before the token's end (inside
 * the TSA's signature value); where < 0: keep the first half of the
 * token's contents in a well-formed SEQUENCE (a token cut short). */
struct garble {
	long where;
};

static int
garble_fn(CMS_SignerInfo *si, void *ctx)
{
	struct garble *g = ctx;
	int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	    -1);
	X509_ATTRIBUTE *a = i >= 0 ? CMS_unsigned_get_attr(si, i) : NULL;
	ASN1_TYPE *v = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	unsigned char *tok;
	int len, rc;

	if (v == NULL || v->type != V_ASN1_SEQUENCE)
		return -1;
	len = ASN1_STRING_length(v->value.sequence);
	tok = g_memdup2(ASN1_STRING_get0_data(v->value.sequence), (gsize)len);
	if (g->where > 0) {
		tok[len - g->where] ^= 0x01;
	} else {
		int half = (len - 4) / 2;

		tok[1] = 0x82;
		tok[2] = (unsigned char)(half >> 8);
		tok[3] = (unsigned char)half;
		len = half + 4;
	}
	X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(si, i));
	rc = CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	         V_ASN1_SEQUENCE, tok, len)
	    ? 0
	    : -1;
	g_free(tok);
	return rc;
}

/* The whole message around a detached signature. */
static GMimeStream *
message(const char *from, GByteArray *der)
{
	GString *m = g_string_new(NULL);
	char *b64 = g_base64_encode(der->data, der->len);
	size_t i, n = strlen(b64);
	GMimeStream *s;

	g_string_append_printf(m,
	    "From: %s\r\nTo: nhan@hagiang.gov.vn\r\nSubject: ts\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
	    "protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n"
	    " boundary=\"B\"\r\n\r\n--B\r\n%s\r\n--B\r\n"
	    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n",
	    from, content);
	for (i = 0; i < n; i += 64)
		g_string_append_printf(m, "%.64s\r\n", b64 + i);
	g_string_append(m, "\r\n--B--\r\n");
	s = g_mime_stream_mem_new_with_buffer(m->str, m->len);
	g_string_free(m, TRUE);
	g_free(b64);
	return s;
}

/* Verify der (signed by `who`) under t at now; signer 0's facts in *si
 * (caller clears res). */
static int
verify(struct kyso_trust *t, const char *who, GByteArray *der, time_t now,
    struct kyso_verify_result *res)
{
	char *from = g_strdup_printf("%s@sotttt.hagiang.gov.vn", who);
	GMimeStream *m = message(from, der);
	struct kyso_err err = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	rc = kyso_verify_message(t, m, from, now, res, &err);
	if (rc < 0 || res->nsigners != 1) {
		DIAG("verify %s: rc %d n %zu %s", who, rc, res->nsigners,
		    err.msg);
		rc = -1;
	}
	g_object_unref(m);
	g_free(from);
	return rc;
}

static const char *
note_of(const struct kyso_signer_info *s)
{
	return s->timestamp_note ? s->timestamp_note : "(none)";
}

static int
http_log_has(const char *line)
{
	char *p = path("http.log"), *text = NULL;
	int r = 0;

	if (g_file_get_contents(p, &text, NULL, NULL))
		r = strstr(text, line) != NULL;
	g_free(text);
	g_free(p);
	return r;
}

/* ---- outbound */

/* Sign the whole message with opts; the message rebuilt for verify. */
static int
sign_whole(struct kyso_signer *s, const struct kyso_sign_opts *o,
    struct kyso_sign_result *res, struct kyso_err *err, GByteArray **out)
{
	static const char msg[] = "From: s4@sotttt.hagiang.gov.vn\r\n"
	                          "To: nhan@hagiang.gov.vn\r\n"
	                          "Subject: outbound\r\n\r\nHello.\r\n";
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(msg, strlen(msg));
	GMimeStream *body = g_mime_stream_mem_new();
	GByteArray *b;
	int rc;

	rc = kyso_sign_message(s, in, body, o, res, err);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
	*out = g_byte_array_new();
	if (rc == 0) {
		char *ct = g_strdup(res->content_type), *p;
		char *h = NULL;

		for (p = ct; *p != '\0'; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		h = g_strdup_printf("From: s4@sotttt.hagiang.gov.vn\r\n"
		                    "To: nhan@hagiang.gov.vn\r\n"
		                    "Subject: outbound\r\nMIME-Version: 1.0\r\n"
		                    "Content-Type: %s\r\n\r\n",
		    ct);
		g_byte_array_append(*out, (guint8 *)h, (guint)strlen(h));
		g_byte_array_append(*out, b->data, b->len);
		g_free(h);
		g_free(ct);
	}
	g_object_unref(body);
	g_object_unref(in);
	return rc;
}

static void
test_outbound(struct kyso_signer *s4)
{
	struct kyso_sign_opts o = {0};
	struct kyso_sign_result r;
	struct kyso_err err = {0};
	struct kyso_verify_result vr;
	struct kyso_trust *t =
	    trust(KYSO_REVCHECK_CRL, 1, "tsa-root.crt", NULL, NULL);
	GByteArray *m = NULL;
	GMimeStream *st;
	char *good = url("/tsa/good"), *dead = g_strdup("http://127.0.0.1:1/");
	time_t t0 = time(NULL), t1;
	gint64 u0, u1;
	int rc;

	/* the figure: a signature without and with the local TSA (which
	 * starts one `openssl ts -reply` process per request) */
	u0 = g_get_monotonic_time();
	rc = sign_whole(s4, &o, &r, &err, &m);
	u1 = g_get_monotonic_time();
	CHECK(rc == 0 && !r.timestamped, "signed without a TSA (%.1f ms)",
	    (u1 - u0) / 1000.0);
	kyso_sign_result_clear(&r);
	g_byte_array_unref(m);
	o.tsa_url = good;
	o.tsa_timeout = 5;
	u0 = g_get_monotonic_time();
	rc = sign_whole(s4, &o, &r, &err, &m);
	u1 = g_get_monotonic_time();
	t1 = time(NULL);
	CHECK(rc == 0 && r.timestamped && r.tsa_error == NULL,
	    "signed with a TSA token (%.1f ms with the local TSA): %s",
	    (u1 - u0) / 1000.0, err.msg);
	kyso_sign_result_clear(&r);
	memset(&vr, 0, sizeof(vr));
	st = g_mime_stream_mem_new_with_buffer((char *)m->data, m->len);
	rc = t != NULL ? kyso_verify_message(t, st, "s4@sotttt.hagiang.gov.vn",
	                     time(NULL), &vr, &err)
	               : -1;
	CHECK(rc == 0 && vr.nsigners == 1 && vr.signers[0].signature_ok &&
	        vr.signers[0].proven_time >= t0 - 1 &&
	        vr.signers[0].proven_time <= t1 + 1 &&
	        g_strcmp0(vr.signers[0].tsa_name, "Kyso test TSA") == 0,
	    "our own signature: signed at the proven time by \"Kyso test TSA\" "
	    "(%s)",
	    rc == 0 && vr.nsigners ? note_of(&vr.signers[0]) : err.msg);
	kyso_verify_result_clear(&vr);
	g_object_unref(st);
	g_byte_array_unref(m);

	o.tsa_url = dead;
	o.tsa_timeout = 1;
	rc = sign_whole(s4, &o, &r, &err, &m);
	CHECK(rc == 0 && !r.timestamped && r.tsa_error != NULL &&
	        strstr(r.tsa_error, "127.0.0.1:1") != NULL,
	    "OnTimestampFailure sign: TSA unreachable, signed without (%s)",
	    r.tsa_error ? r.tsa_error : "?");
	kyso_sign_result_clear(&r);
	g_byte_array_unref(m);
	o.tsa_required = 1;
	kyso_err_clear(&err);
	rc = sign_whole(s4, &o, &r, &err, &m);
	CHECK(rc < 0 && err.cls == KYSO_E_TEMP && r.tsa_error != NULL,
	    "OnTimestampFailure tempfail: no signature, KYSO_E_TEMP (%s)",
	    err.msg);
	kyso_sign_result_clear(&r);
	g_byte_array_unref(m);
	g_free(good);
	g_free(dead);
	kyso_trust_free(t);
}

static void
test_cosign(struct kyso_signer *s1, struct kyso_signer *s4)
{
	struct kyso_trust *t =
	    trust(KYSO_REVCHECK_CRL, 1, "tsa-root.crt", NULL, NULL);
	struct kyso_sign_opts o = {0};
	struct kyso_cosign_result cr;
	struct kyso_verify_result vr;
	struct kyso_err err = {0};
	GByteArray *der = sign_der(s1, time(NULL)), *b;
	GMimeStream *in = NULL, *body = g_mime_stream_mem_new(), *m;
	GString *whole;
	char *u = url("/tsa/good");
	int rc = -1;

	o.tsa_url = u;
	o.tsa_timeout = 5;
	if (t != NULL && der != NULL) {
		in = message("s1@sotttt.hagiang.gov.vn", der);
		rc = kyso_cosign_message_tsa(s4, t, in, body,
		    "s1@sotttt.hagiang.gov.vn", time(NULL), &o, &cr, &err);
	}
	CHECK(rc == 0 && cr.cosigned && cr.timestamped && !cr.tsa_error,
	    "seal added with a TSA token: %s",
	    rc == 0 ? (cr.why ? cr.why : "") : err.msg);
	if (rc == 0 && cr.cosigned) {
		/* the header block of the input, the new body */
		GByteArray *orig =
		    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(in));
		const char *hb = g_strstr_len((const char *)orig->data,
		    orig->len, "\r\n\r\n");

		b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
		whole = g_string_new_len((const char *)orig->data,
		    hb - (const char *)orig->data + 4);
		g_string_append_len(whole, (const char *)b->data, b->len);
		m = g_mime_stream_mem_new_with_buffer(whole->str, whole->len);
		memset(&vr, 0, sizeof(vr));
		rc = kyso_verify_message(t, m, "s1@sotttt.hagiang.gov.vn",
		    time(NULL), &vr, &err);
		CHECK(rc == 0 && vr.nsigners == 2 &&
		        vr.signers[0].signature_ok &&
		        vr.signers[1].signature_ok &&
		        vr.signers[0].proven_time == 0 &&
		        vr.signers[1].proven_time != 0,
		    "signed and sealed: the seal's time proven, the personal "
		    "signature's claimed");
		kyso_verify_result_clear(&vr);
		g_object_unref(m);
		g_string_free(whole, TRUE);
	}
	if (rc == 0)
		kyso_cosign_result_clear(&cr);
	if (in != NULL)
		g_object_unref(in);
	g_object_unref(body);
	if (der != NULL)
		g_byte_array_unref(der);
	g_free(u);
	kyso_trust_free(t);
}

/* ---- inbound: proven time */

static void
test_proven(struct kyso_signer *s1, struct kyso_signer *s2,
    struct kyso_signer *s3)
{
	struct kyso_trust *t =
	    trust(KYSO_REVCHECK_CRL, 1, "tsa-root.crt", NULL, NULL);
	struct kyso_verify_result a, b;
	GByteArray *plain, *stamped;
	time_t now = time(NULL);

	/* s1 expires in 30 days: judged at now + 40 days */
	plain = sign_der(s1, now);
	stamped = sign_der(s1, now);
	CHECK(plain && stamped && stamp(stamped, "/tsa/good") == 0,
	    "s1 signed, one copy stamped");
	if (verify(t, "s1", plain, now + 40 * DAY, &a) == 0 &&
	    verify(t, "s1", stamped, now + 40 * DAY, &b) == 0) {
		CHECK(!a.signers[0].valid_now && a.signers[0].proven_time == 0,
		    "expired certificate, no token: not valid");
		CHECK(b.signers[0].valid_now && b.signers[0].proven_time != 0 &&
		        b.signers[0].revocation == KYSO_REV_GOOD,
		    "expired since the proven signing time: valid, "
		    "revocation %s",
		    b.signers[0].revocation_note);
	}
	kyso_verify_result_clear(&a);
	kyso_verify_result_clear(&b);
	g_byte_array_unref(plain);
	g_byte_array_unref(stamped);

	/* s2 was revoked yesterday: a token of today changes nothing */
	stamped = sign_der(s2, now);
	CHECK(stamped && stamp(stamped, "/tsa/good") == 0, "s2 stamped");
	if (verify(t, "s2", stamped, now, &b) == 0)
		CHECK(b.signers[0].proven_time != 0 &&
		        b.signers[0].revocation == KYSO_REV_REVOKED,
		    "revoked before the proven time: revoked (%s)",
		    b.signers[0].revocation_note);
	kyso_verify_result_clear(&b);
	g_byte_array_unref(stamped);

	/* s3 is revoked in ten days: judged at now + 20 days */
	plain = sign_der(s3, now);
	stamped = sign_der(s3, now);
	CHECK(plain && stamped && stamp(stamped, "/tsa/good") == 0,
	    "s3 signed, one copy stamped");
	if (verify(t, "s3", plain, now + 20 * DAY, &a) == 0 &&
	    verify(t, "s3", stamped, now + 20 * DAY, &b) == 0) {
		CHECK(a.signers[0].revocation == KYSO_REV_REVOKED,
		    "revoked, no token: revoked (%s)",
		    a.signers[0].revocation_note);
		CHECK(b.signers[0].revocation == KYSO_REV_GOOD &&
		        strstr(b.signers[0].revocation_note,
		            "after the proven signing time") != NULL,
		    "CRL: revoked after the proven time: good (%s)",
		    b.signers[0].revocation_note);
	}
	kyso_verify_result_clear(&a);
	kyso_verify_result_clear(&b);
	kyso_trust_free(t);

	/* the same by OCSP (the responder dates the revocation ahead) */
	{
		char *map = std_map();

		t = trust(KYSO_REVCHECK_OCSP, 0, "tsa-root.crt", map, NULL);
		g_free(map);
	}
	if (verify(t, "s3", plain, now, &a) == 0 &&
	    verify(t, "s3", stamped, now, &b) == 0) {
		CHECK(a.signers[0].revocation == KYSO_REV_REVOKED,
		    "OCSP revoked, no token: revoked (%s)",
		    a.signers[0].revocation_note);
		CHECK(b.signers[0].revocation == KYSO_REV_GOOD &&
		        strstr(b.signers[0].revocation_note,
		            "after the proven signing time") != NULL,
		    "OCSP: revoked after the proven time: good (%s)",
		    b.signers[0].revocation_note);
	}
	kyso_verify_result_clear(&a);
	kyso_verify_result_clear(&b);
	kyso_trust_free(t);
	g_byte_array_unref(plain);
	g_byte_array_unref(stamped);
}

/* ---- inbound: attackers. Each case is s1's signature judged at now + 40
 * days (expired): a token that proved anything would make it valid. */

static void
attacker_case_at(struct kyso_trust *t, GByteArray *der, time_t at,
    const char *label, const char *want_note)
{
	struct kyso_verify_result r;

	if (der == NULL || verify(t, "s1", der, at, &r) < 0) {
		CHECK(0, "%s: verified", label);
		return;
	}
	CHECK(r.signers[0].signature_ok && r.signers[0].proven_time == 0 &&
	        r.signers[0].tsa_name == NULL && !r.signers[0].valid_now &&
	        r.signers[0].timestamp_note != NULL &&
	        strstr(r.signers[0].timestamp_note, want_note) != NULL,
	    "%s: not proven, still expired (%s)", label,
	    note_of(&r.signers[0]));
	kyso_verify_result_clear(&r);
}

static void
attacker_case(struct kyso_trust *t, GByteArray *der, const char *label,
    const char *want_note)
{
	attacker_case_at(t, der, time(NULL) + 40 * DAY, label, want_note);
}

/* A genuine token of the TSA over the signature value, but asked for
 * with a SHA-1 imprint. */
static int
sha1_fn(CMS_SignerInfo *si, void *ctx)
{
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL, *tok = NULL;
	unsigned int mdlen = 0;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	TS_RESP *resp = NULL;
	GBytes *answer = NULL;
	const unsigned char *p;
	char *why = NULL;
	gsize len;
	int n, rc = -1;

	if (!EVP_Digest(ASN1_STRING_get0_data(sig),
	        (size_t)ASN1_STRING_length(sig), md, &mdlen, EVP_sha1(),
	        NULL) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha1), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_cert_req(req, 1) || (n = i2d_TS_REQ(req, &der)) <= 0)
		goto out;
	if ((answer = kyso_http_post(ctx, "application/timestamp-query", der,
	         (size_t)n, NULL, 65536, 5, &why)) == NULL)
		goto out;
	p = g_bytes_get_data(answer, &len);
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL ||
	    TS_RESP_get_token(resp) == NULL ||
	    (n = i2d_PKCS7(TS_RESP_get_token(resp), &tok)) <= 0 ||
	    !CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	        V_ASN1_SEQUENCE, tok, n))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		DIAG("sha-1 token: %s", why ? why : "failed");
	g_free(why);
	if (answer != NULL)
		g_bytes_unref(answer);
	OPENSSL_free(der);
	OPENSSL_free(tok);
	TS_RESP_free(resp);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return rc;
}

static void
test_attackers(struct kyso_signer *s1)
{
	struct kyso_trust *t =
	    trust(KYSO_REVCHECK_CRL, 1, "tsa-root.crt", NULL, NULL);
	struct kyso_trust *nota = trust(KYSO_REVCHECK_CRL, 1, NULL, NULL, NULL);
	time_t now = time(NULL);
	/* RSA PKCS#1 v1.5 is deterministic: b claims another second, so its
	 * signature value differs from a's */
	GByteArray *a = sign_der(s1, now), *b = sign_der(s1, now - 1), *attr;
	GByteArray *d;
	struct garble g;

	/* a genuine token over signature a, moved onto signature b */
	attr = g_byte_array_new();
	CHECK(a && b && stamp(a, "/tsa/good") == 0 &&
	        edit_signer(a, take_fn, attr) == 0 &&
	        edit_signer(b, put_fn, attr) == 0,
	    "a token over another signature moved onto this one");
	attacker_case(t, b, "token over another signature",
	    "not over this signature");
	g_byte_array_unref(attr);
	g_byte_array_unref(b);

	b = sign_der(s1, now);
	CHECK(b && stamp(b, "/tsa/rogue") == 0, "stamped by a rogue TSA");
	attacker_case(t, b, "token from an untrusted TSA", "refused");
	g_byte_array_unref(b);

	/* a bit of the TSA's signature flipped; the token cut short */
	d = g_byte_array_new();
	g_byte_array_append(d, a->data, a->len);
	g.where = 10;
	CHECK(edit_signer(d, garble_fn, &g) == 0, "token signature garbled");
	attacker_case(t, d, "garbled token", "refused");
	g_byte_array_set_size(d, 0);
	g_byte_array_append(d, a->data, a->len);
	g.where = -1;
	CHECK(edit_signer(d, garble_fn, &g) == 0, "token cut short");
	attacker_case(t, d, "cut token", "malformed");
	g_byte_array_unref(d);

	b = sign_der(s1, now - 2 * DAY);
	CHECK(b && stamp(b, "/tsa/good") == 0,
	    "signature claiming two days ago, stamped now");
	attacker_case(t, b, "token long after the claimed time",
	    "after the claimed signing time");
	g_byte_array_unref(b);

	attacker_case(nota, a, "no TimestampTrustAnchors", "not evaluated");
	/* our clock behind the TSA's by a day: a token from the future */
	attacker_case_at(t, a, now - DAY, "token time ahead of our clock",
	    "in the future");

	b = sign_der(s1, now);
	{
		char *u = url("/tsa/good");

		CHECK(b && edit_signer(b, sha1_fn, u) == 0,
		    "a token with a SHA-1 imprint");
		g_free(u);
	}
	attacker_case(t, b, "SHA-1 imprint", "digest SHA1 not accepted");
	g_byte_array_unref(b);

	b = sign_der(s1, now);
	CHECK(b && stamp(b, "/garbage") < 0,
	    "a TSA answering garbage gives no token");
	g_byte_array_unref(b);
	g_byte_array_unref(a);
	kyso_trust_free(t);
	kyso_trust_free(nota);
}

/* ---- revocation endpoints */

static void
rev_case(struct kyso_trust *t, const char *who, enum kyso_revocation want,
    const char *want_note, const char *label)
{
	struct kyso_signer *s = signer(who);
	GByteArray *d = s ? sign_der(s, time(NULL)) : NULL;
	struct kyso_verify_result r;

	if (t == NULL || d == NULL || verify(t, who, d, time(NULL), &r) < 0) {
		CHECK(0, "%s: verified", label);
	} else {
		CHECK(r.signers[0].revocation == want &&
		        strstr(r.signers[0].revocation_note, want_note) != NULL,
		    "%s (%s)", label, r.signers[0].revocation_note);
		kyso_verify_result_clear(&r);
	}
	if (d != NULL)
		g_byte_array_unref(d);
	kyso_signer_free(s);
}

static void
test_endpoints(void)
{
	char *map = std_map(), *deadmap, *m;
	struct kyso_trust *t;

	t = trust(KYSO_REVCHECK_OCSP, 0, NULL, map, NULL);
	rev_case(t, "s4", KYSO_REV_GOOD, "OCSP: good",
	    "OCSP at http://ocsp.ca.ptc/ asked through the URL map");
	CHECK(http_log_has("POST /ocsp/"), "the responder was asked");
	kyso_trust_free(t);
	t = trust(KYSO_REVCHECK_OCSP, 0, NULL, NULL, NULL);
	rev_case(t, "s4", KYSO_REV_UNAVAILABLE, "ocsp.ca.ptc",
	    "without the map: the internal name is unreachable");
	kyso_trust_free(t);

	t = trust(KYSO_REVCHECK_CRL, 0, NULL, map, NULL);
	rev_case(t, "s4", KYSO_REV_GOOD, "CRL (fetched): good",
	    "CRL at http://ca.ptc/ fetched through the URL map");
	CHECK(http_log_has("GET /crl/root.crl"), "the CRL was fetched");
	rev_case(t, "s5", KYSO_REV_GOOD, "CRL (fetched): good",
	    "first distribution point dead, the second answers");
	rev_case(t, "s6", KYSO_REV_GOOD, "CRL (fetched): good",
	    "another CA's CRL, then an expired one, then the current: good");
	rev_case(t, "s7", KYSO_REV_UNAVAILABLE,
	    "old.crl: CRL (fetched) expired",
	    "another CA's CRL and an expired one only: unavailable, saying "
	    "why");
	kyso_trust_free(t);
	deadmap = g_strdup_printf("http://ca.ptc http://127.0.0.1:1/\n");
	t = trust(KYSO_REVCHECK_CRL, 0, NULL, deadmap, NULL);
	rev_case(t, "s5", KYSO_REV_UNAVAILABLE, "dead.crl",
	    "every distribution point dead: unavailable, naming them");
	kyso_trust_free(t);

	/* a map entry matches whole host names only */
	t = trust(KYSO_REVCHECK_CRL, 0, NULL, map, NULL);
	m = kyso_rev_map_url(t, "http://ca.ptc.evil.example/x.crl");
	CHECK(strcmp(m, "http://ca.ptc.evil.example/x.crl") == 0,
	    "http://ca.ptc does not catch http://ca.ptc.evil.example (%s)", m);
	g_free(m);
	m = kyso_rev_map_url(t, "HTTP://CA.PTC/pki/pub/crl/btc.crl");
	CHECK(g_str_has_suffix(m, "/pki/pub/crl/btc.crl") &&
	        strstr(m, "127.0.0.1") != NULL && strstr(m, "//pki") == NULL,
	    "scheme and host compared without case, the path kept (%s)", m);
	g_free(m);
	kyso_trust_free(t);
	g_free(deadmap);
	g_free(map);
}

/* ---- the CRL cache across restarts (one process per phase) */

static void
test_cache(const char *mode)
{
	char *map = std_map(), *cache = path("cache");
	char *empty = path("cache-empty");
	struct kyso_trust *t;

	if (strcmp(mode, "cache-fetch") == 0) {
		t = trust(KYSO_REVCHECK_CRL, 0, NULL, map, cache);
		rev_case(t, "s4", KYSO_REV_GOOD, "CRL (fetched): good",
		    "first run: the CRL fetched and stored");
	} else if (strcmp(mode, "cache-restart") == 0) {
		t = trust(KYSO_REVCHECK_CRL, 0, NULL, map, cache);
		rev_case(t, "s4", KYSO_REV_GOOD, "CRL (fetched): good",
		    "after a restart, the server down: the stored CRL");
	} else {
		t = trust(KYSO_REVCHECK_CRL, 0, NULL, map, empty);
		rev_case(t, "s4", KYSO_REV_UNAVAILABLE, "CRL unavailable",
		    "control: an empty cache with the server down");
	}
	kyso_trust_free(t);
	g_free(empty);
	g_free(cache);
	g_free(map);
}

int
main(int argc, char **argv)
{
	struct kyso_signer *s1, *s2, *s3, *s4;

	if (argc < 4) {
		printf("1..0 # SKIP usage: test_timestamp DIR PORT MODE\n");
		return 1;
	}
	dir = argv[1];
	port = atoi(argv[2]);
	g_mime_init();
	if (strncmp(argv[3], "cache-", 6) == 0) {
		test_cache(argv[3]);
		g_mime_shutdown();
		return TEST_DONE();
	}
	s1 = signer("s1");
	s2 = signer("s2");
	s3 = signer("s3");
	s4 = signer("s4");
	CHECK(s1 && s2 && s3 && s4, "signers loaded");
	if (s1 && s2 && s3 && s4) {
		test_outbound(s4);
		test_cosign(s1, s4);
		test_proven(s1, s2, s3);
		test_attackers(s1);
		test_endpoints();
	}
	kyso_signer_free(s1);
	kyso_signer_free(s2);
	kyso_signer_free(s3);
	kyso_signer_free(s4);
	g_mime_shutdown();
	return TEST_DONE();
}
