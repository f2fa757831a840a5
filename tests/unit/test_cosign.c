/*
 * test_cosign.c - kyso_cosign_message over personally signed messages made
 * by OpenSSL, gpgsm and NSS (tests/pki/make-cosign-cases.sh): the sealed
 * message has two signers that both verify (kyso_verify_message), only the
 * signature's base64 text changed, and every original SignerInfo survives
 * byte for byte (signature part decoded with GMime, not with our code).
 * Negative cases (among them a structure field twice in one header block,
 * anywhere) are refused with a reason and nothing written. Run by
 * tests/unit/cosign.test as `test_cosign DATADIR`, which then hands the
 * sealed messages (DATADIR/out/<name>.eml, listed in DATADIR/out/list) to
 * three independent verifiers.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "kyso/smime/cosign.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"

static const char *dir;

static struct kyso_signer *
load_seal(const char *name, const char *digest)
{
	struct kyso_signer_spec spec = {0};
	struct kyso_err err = {0};
	char *cert = g_strdup_printf("%s/pki/%s.crt", dir, name);
	char *key = g_strdup_printf("%s/pki/%s.key", dir, name);
	char *chain = g_strdup_printf("%s/pki/chain.pem", dir);
	struct kyso_signer *s;

	spec.cert_file = cert;
	spec.key_file = key;
	spec.chain_file = chain;
	spec.digest = digest;
	s = kyso_signer_load(&spec, &err);
	CHECK(s != NULL, "seal %s (%s) loads: %s", name, digest, err.msg);
	g_free(cert);
	g_free(key);
	g_free(chain);
	return s;
}

static GByteArray *
read_file(const char *path)
{
	gchar *data = NULL;
	gsize len = 0;
	GByteArray *a;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	a = g_byte_array_new_take((guint8 *)data, len);
	return a;
}

struct run {
	struct kyso_cosign_result res;
	int rc;
	struct kyso_err err;
	GByteArray *in;  /* the whole input message */
	GByteArray *out; /* the whole output message (headers + body) */
	size_t body_off; /* where the input's body starts */
};

static size_t
body_offset(const GByteArray *m)
{
	const char *p = (const char *)m->data;
	const char *e = g_strstr_len(p, (gssize)m->len, "\r\n\r\n");

	return e != NULL ? (size_t)(e - p) + 4 : m->len;
}

/* Co-sign `in` with seal into r (output = input headers + new body). */
static void
cosign(const struct kyso_signer *seal, const struct kyso_trust *t,
    GByteArray *in, struct run *r)
{
	GMimeStream *s, *o;
	GByteArray *body = g_byte_array_new();

	memset(r, 0, sizeof(*r));
	r->in = in;
	r->body_off = body_offset(in);
	s = g_mime_stream_mem_new_with_buffer((const char *)in->data, in->len);
	o = g_mime_stream_mem_new_with_byte_array(body);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(o), FALSE);
	r->rc = kyso_cosign_message(seal, t, s, o, NULL, time(NULL), &r->res,
	    &r->err);
	r->out = g_byte_array_new();
	g_byte_array_append(r->out, in->data, (guint)r->body_off);
	g_byte_array_append(r->out, body->data, body->len);
	if (r->rc == 0 && !r->res.cosigned)
		CHECK(body->len == 0, "refused: nothing written (%u bytes)",
		    body->len);
	g_object_unref(s);
	g_object_unref(o);
	g_byte_array_unref(body);
}

static void
run_clear(struct run *r)
{
	kyso_cosign_result_clear(&r->res);
	if (r->out != NULL)
		g_byte_array_unref(r->out);
	r->out = NULL;
}

/* DER of the signature part of a whole message, decoded by GMime. */
static GByteArray *
gmime_signature(const GByteArray *msg)
{
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)msg->data,
	        msg->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *top, *sig;
	GByteArray *der = NULL;

	if (m != NULL && (top = g_mime_message_get_mime_part(m)) != NULL &&
	    GMIME_IS_MULTIPART_SIGNED(top) &&
	    (sig = g_mime_multipart_get_part(GMIME_MULTIPART(top),
	         GMIME_MULTIPART_SIGNED_SIGNATURE)) != NULL &&
	    GMIME_IS_PART(sig)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(sig));
		GMimeStream *d;

		der = g_byte_array_new();
		d = g_mime_stream_mem_new_with_byte_array(der);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(d), FALSE);
		(void)g_mime_data_wrapper_write_to_stream(w, d);
		g_object_unref(d);
	}
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	return der;
}

/* Signature octets of every SignerInfo, as OpenSSL reads them. */
static GPtrArray *
signature_values(const GByteArray *der)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	GPtrArray *a =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	int i;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		ASN1_OCTET_STRING *os = CMS_SignerInfo_get0_signature(
		    sk_CMS_SignerInfo_value(sis, i));

		g_ptr_array_add(a,
		    g_bytes_new(ASN1_STRING_get0_data(os),
		        (gsize)ASN1_STRING_length(os)));
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return a;
}

/* Certificates of a SignedData, NULL-safe. */
static STACK_OF(X509) * certs_of(const GByteArray *der)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	STACK_OF(X509) *c = cms ? CMS_get1_certs(cms) : NULL;

	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return c;
}

/* The output carries every input certificate plus the seal's (once), and
 * no certificate twice. */
static void
check_certs(const char *name, const GByteArray *old_der,
    const GByteArray *new_der)
{
	STACK_OF(X509) *o = certs_of(old_der), *n = certs_of(new_der);
	int i, j, dup = 0, lost = 0;

	for (i = 0; i < sk_X509_num(n); i++)
		for (j = i + 1; j < sk_X509_num(n); j++)
			dup += X509_cmp(sk_X509_value(n, i),
			           sk_X509_value(n, j)) == 0;
	for (i = 0; i < sk_X509_num(o); i++) {
		for (j = 0; j < sk_X509_num(n); j++)
			if (X509_cmp(sk_X509_value(o, i),
			        sk_X509_value(n, j)) == 0)
				break;
		lost += j == sk_X509_num(n);
	}
	CHECK(dup == 0 && lost == 0 && sk_X509_num(n) >= sk_X509_num(o),
	    "%s: certificates %d -> %d, none lost, none twice", name,
	    sk_X509_num(o), sk_X509_num(n));
	sk_X509_pop_free(o, X509_free);
	sk_X509_pop_free(n, X509_free);
}

/* Every SignerInfo of old appears unchanged among those of new, and the
 * walker's spans really are the SignerInfos (each holds its signature
 * value as OpenSSL decodes it). */
static void
check_signer_infos(const char *name, const GByteArray *old_der,
    const GByteArray *new_der, size_t want_new)
{
	size_t oo[16], ol[16], no[16], nl[16];
	int n_old =
	    kyso_cosign_signer_infos(old_der->data, old_der->len, oo, ol, 16);
	int n_new =
	    kyso_cosign_signer_infos(new_der->data, new_der->len, no, nl, 16);
	GPtrArray *sv = signature_values(old_der);
	int i, j, same = 0, spans_ok = 1;

	CHECK(n_old >= 1 && n_new == n_old + 1 && (size_t)n_new == want_new,
	    "%s: %d SignerInfos before, %d after", name, n_old, n_new);
	for (i = 0; i < n_old && i < 16; i++) {
		GBytes *sig = (guint)i < sv->len ? sv->pdata[i] : NULL;
		gsize slen = 0;
		const void *sp = sig ? g_bytes_get_data(sig, &slen) : NULL;

		if (sp == NULL ||
		    memmem(old_der->data + oo[i], ol[i], sp, slen) == NULL)
			spans_ok = 0;
		for (j = 0; j < n_new && j < 16; j++)
			if (nl[j] == ol[i] &&
			    memcmp(new_der->data + no[j], old_der->data + oo[i],
			        ol[i]) == 0) {
				same++;
				break;
			}
	}
	CHECK(spans_ok && (guint)n_old == sv->len,
	    "%s: the SignerInfo spans hold OpenSSL's signature values", name);
	check_certs(name, old_der, new_der);
	CHECK(same == n_old,
	    "%s: every original SignerInfo is byte-identical in the output "
	    "(%d of %d)",
	    name, same, n_old);
	g_ptr_array_unref(sv);
}

static int
is_b64_or_eol(const guint8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!g_ascii_isalnum(p[i]) && p[i] != '+' && p[i] != '/' &&
		    p[i] != '=' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* Only the signature's base64 text differs between input and output. */
static void
check_bytes(const char *name, const struct run *r)
{
	const guint8 *a = r->in->data, *b = r->out->data;
	size_t la = r->in->len, lb = r->out->len, pre = 0, suf = 0, h, q;
	const char *s, *hdr_end, *close;

	while (pre < la && pre < lb && a[pre] == b[pre])
		pre++;
	while (suf < la - pre && suf < lb - pre &&
	    a[la - 1 - suf] == b[lb - 1 - suf])
		suf++;
	/* the signature part's header block ends before the change, and the
	 * close delimiter comes after it */
	s = g_strrstr_len((const char *)a, (gssize)la,
	    "application/pkcs7-signature");
	hdr_end = s
	    ? g_strstr_len(s, (gssize)(la - (size_t)(s - (const char *)a)),
	          "\r\n\r\n")
	    : NULL;
	h = hdr_end ? (size_t)(hdr_end - (const char *)a) + 4 : la;
	close = hdr_end ? g_strstr_len(hdr_end + 4, (gssize)(la - h), "\r\n--")
	                : NULL;
	q = close ? (size_t)(close - (const char *)a) : 0;
	CHECK(pre >= h && la - suf <= q,
	    "%s: headers, first part and signature part headers unchanged "
	    "(first difference at %zu, sig body at %zu; last at %zu, close "
	    "at %zu)",
	    name, pre, h, la - suf, q);
	CHECK(is_b64_or_eol(a + pre, la - pre - suf) &&
	        is_b64_or_eol(b + pre, lb - pre - suf),
	    "%s: only base64 text differs", name);
}

/* The output verifies with our own verifier: n signers, all valid. */
static void
check_verify(const char *name, const struct kyso_trust *t,
    const GByteArray *msg, size_t n, int personal_chain)
{
	struct kyso_verify_result v;
	struct kyso_err err = {0};
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)msg->data,
	        msg->len);
	size_t i, good = 0, agency = 0, chains = 0;

	CHECK(kyso_verify_message(t, s, NULL, time(NULL), &v, &err) == 0,
	    "%s: output verifies: %s", name, err.msg);
	for (i = 0; i < v.nsigners; i++) {
		good += v.signers[i].signature_ok;
		chains += v.signers[i].chain_ok;
		agency += v.signers[i].kind == KYSO_KIND_AGENCY;
		if (!v.signers[i].signature_ok)
			DIAG("%s: signer %zu: %s", name, i,
			    v.signers[i].signature_error);
	}
	CHECK(v.found && v.whole && !v.malformed && v.nsigners == n &&
	        good == n,
	    "%s: kyso_verify_message: %zu signers, %zu signature_ok", name,
	    v.nsigners, good);
	CHECK(agency >= n - 1 && chains == (personal_chain ? n : n - 1),
	    "%s: %zu agency seal(s), %zu trusted chains", name, agency, chains);
	kyso_verify_result_clear(&v);
	g_object_unref(s);
}

static void
write_out(const char *name, const GByteArray *msg, size_t nsigners,
    int personal_chain)
{
	char *path = g_strdup_printf("%s/out/%s.eml", dir, name);
	char *list = g_strdup_printf("%s/out/list", dir);
	char *line = g_strdup_printf("%s %zu %s\n", name, nsigners,
	    personal_chain ? "all" : "seal-only");
	FILE *f;

	(void)g_file_set_contents(path, (const char *)msg->data,
	    (gssize)msg->len, NULL);
	if ((f = fopen(list, "a")) != NULL) {
		fputs(line, f);
		fclose(f);
	}
	g_free(path);
	g_free(list);
	g_free(line);
}

/* A good case: co-signed, checked, written for the external verifiers. */
static void
good(const char *name, const char *out_name, const struct kyso_signer *seal,
    const struct kyso_trust *t, GByteArray *in, const char *want_digest,
    int want_adjusted, int personal_chain, GByteArray **keep)
{
	struct run r;
	GByteArray *od = NULL, *nd = NULL;
	size_t n;

	cosign(seal, t, in, &r);
	CHECK(r.rc == 0 && r.res.cosigned, "%s: co-signed (%s%s)", out_name,
	    r.err.msg, r.res.why ? r.res.why : "");
	if (r.rc != 0 || !r.res.cosigned)
		goto out;
	n = r.res.signers_before + 1;
	CHECK(r.res.signers_after == n &&
	        r.res.body_bytes == r.out->len - r.body_off,
	    "%s: %zu -> %zu signers, %zu body bytes", out_name,
	    r.res.signers_before, r.res.signers_after, r.res.body_bytes);
	CHECK(r.res.digest != NULL && strcmp(r.res.digest, want_digest) == 0 &&
	        r.res.digest_adjusted == want_adjusted,
	    "%s: seal digest %s (adjusted %d)", out_name,
	    r.res.digest ? r.res.digest : "-", r.res.digest_adjusted);
	CHECK(r.res.content_type == NULL && r.res.micalg != NULL,
	    "%s: micalg stays %s, Content-Type unchanged", out_name,
	    r.res.micalg ? r.res.micalg : "-");
	CHECK(r.res.before.nsigners >= 1 &&
	        r.res.before.signers[0].chain_ok == personal_chain,
	    "%s: personal chain trust reported (%d)", out_name,
	    r.res.before.nsigners ? r.res.before.signers[0].chain_ok : -1);
	DIAG("%s: personal %s <%s>", out_name,
	    r.res.personal_subject ? r.res.personal_subject : "-",
	    r.res.personal_email ? r.res.personal_email : "-");
	check_bytes(out_name, &r);
	od = gmime_signature(in);
	nd = gmime_signature(r.out);
	CHECK(od != NULL && nd != NULL, "%s: GMime decodes both signatures",
	    out_name);
	if (od != NULL && nd != NULL)
		check_signer_infos(out_name, od, nd, n);
	check_verify(out_name, t, r.out, n, personal_chain);
	write_out(out_name, r.out, n, personal_chain);
	(void)name;
	if (keep != NULL) {
		*keep = r.out;
		r.out = NULL;
	}
out:
	if (od != NULL)
		g_byte_array_unref(od);
	if (nd != NULL)
		g_byte_array_unref(nd);
	run_clear(&r);
}

static void
bad(const char *name, const struct kyso_signer *seal,
    const struct kyso_trust *t, GByteArray *in, const char *want_why)
{
	struct run r;

	cosign(seal, t, in, &r);
	CHECK(r.rc == 0 && !r.res.cosigned && r.res.why != NULL &&
	        (want_why == NULL || strstr(r.res.why, want_why) != NULL),
	    "%s: refused: %s (%s)", name, r.res.why ? r.res.why : "-",
	    r.err.msg);
	run_clear(&r);
}

static GByteArray *
msg(const char *name)
{
	char *path = g_strdup_printf("%s/msg/%s.eml", dir, name);
	GByteArray *a = read_file(path);

	g_free(path);
	return a;
}

/* The same message with its micalg parameter replaced. */
static GByteArray *
with_micalg(const GByteArray *m, const char *from, const char *to)
{
	GString *s = g_string_new_len((const char *)m->data, (gssize)m->len);
	gsize n;

	(void)g_string_replace(s, from, to, 1);
	n = s->len;
	return g_byte_array_new_take((guint8 *)g_string_free(s, FALSE), n);
}

/* The sotttt-agency key on the SoftHSM2 token make-cosign-cases.sh made,
 * or NULL when there is none. */
static struct kyso_signer *
load_token_seal(void)
{
	struct kyso_signer_spec spec = {0};
	struct kyso_err err = {0};
	char *mfile = g_strdup_printf("%s/token/module", dir);
	char *module = NULL, *conf = NULL, *cert = NULL, *chain = NULL;
	char *pin = NULL;
	struct kyso_signer *s = NULL;

	if (!g_file_get_contents(mfile, &module, NULL, NULL))
		goto out;
	g_strstrip(module);
	conf = g_strdup_printf("%s/token/softhsm2.conf", dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	cert = g_strdup_printf("%s/pki/sotttt-agency.crt", dir);
	chain = g_strdup_printf("%s/pki/chain.pem", dir);
	pin = g_strdup_printf("%s/token/pin", dir);
	spec.cert_file = cert;
	spec.key_file = "pkcs11:token=kyso;object=sotttt;type=private";
	spec.chain_file = chain;
	spec.pin_file = pin;
	spec.pkcs11_module = module;
	s = kyso_signer_load(&spec, &err);
	CHECK(s != NULL && kyso_signer_on_token(s),
	    "seal on a SoftHSM2 token loads: %s", err.msg);
out:
	g_free(mfile);
	g_free(module);
	g_free(conf);
	g_free(cert);
	g_free(chain);
	g_free(pin);
	return s;
}

/* The same message with every CRLF turned into LF. */
static GByteArray *
lf_only(const GByteArray *m)
{
	GByteArray *a = g_byte_array_sized_new(m->len);
	guint i;

	for (i = 0; i < m->len; i++)
		if (!(m->data[i] == '\r' && i + 1 < m->len &&
		        m->data[i + 1] == '\n'))
			g_byte_array_append(a, m->data + i, 1);
	return a;
}

int
main(int argc, char **argv)
{
	struct kyso_trust_spec ts = {0};
	struct kyso_trust *t = NULL;
	struct kyso_err err = {0};
	struct kyso_signer *token = NULL;
	struct kyso_signer *seal = NULL, *seal384 = NULL, *ecseal = NULL,
	                   *ubnd = NULL;
	char *anchor = NULL, *inter = NULL, *crl = NULL, *cases = NULL;
	char *cdata = NULL, **lines = NULL, *outdir = NULL;
	GByteArray *sealed = NULL, *twice = NULL;
	int i;

	dir = argc > 1 ? argv[1] : NULL;
	kyso_mime_init();
	if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		SKIP("no generated cases (run through cosign.test)");
		return TEST_DONE();
	}
	outdir = g_strdup_printf("%s/out", dir);
	(void)g_mkdir_with_parents(outdir, 0755);
	anchor = g_strdup_printf("%s/pki/root.crt", dir);
	inter = g_strdup_printf("%s/pki/chain.pem", dir);
	crl = g_strdup_printf("%s/pki/crl-all.pem", dir);
	ts.anchor_file = anchor;
	ts.intermediate_file = inter;
	ts.crl_file = crl;
	ts.agency_oids = "1.3.6.1.4.1.55555.1.1";
	ts.personal_oids = "1.3.6.1.4.1.55555.1.2";
	ts.timeout = 2;
	t = kyso_trust_load(&ts, &err);
	CHECK(t != NULL, "trust loads: %s", err.msg);
	seal = load_seal("sotttt-agency", "sha256");
	seal384 = load_seal("sotttt-agency", "sha384");
	ecseal = load_seal("ecdsa-agency", "sha256");
	ubnd = load_seal("ubnd-agency", "sha256");
	if (t == NULL || !seal || !seal384 || !ecseal || !ubnd)
		goto out;
	token = load_token_seal();

	cases = g_strdup_printf("%s/cases", dir);
	if (!g_file_get_contents(cases, &cdata, NULL, NULL)) {
		CHECK(0, "%s readable", cases);
		goto out;
	}
	lines = g_strsplit(cdata, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		char **f = g_strsplit(lines[i], " ", 2);
		GByteArray *in;

		if (f[0] == NULL || f[1] == NULL) {
			g_strfreev(f);
			continue;
		}
		if (strcmp(f[0], "skip") == 0) {
			SKIP("signer %s not installed", f[1]);
			g_strfreev(f);
			continue;
		}
		if (strcmp(f[1], "policy") == 0) {
			/* sealable bytes; policy refuses (test_process) */
			g_strfreev(f);
			continue;
		}
		in = msg(f[0]);
		CHECK(in != NULL, "%s: message readable", f[0]);
		if (in == NULL) {
			g_strfreev(f);
			continue;
		}
		if (strcmp(f[1], "bad") == 0) {
			const char *why = NULL;

			if (strcmp(f[0], "bad-tampered") == 0)
				why = "is not valid";
			else if (strcmp(f[0], "bad-unsigned") == 0)
				why = "not S/MIME signed";
			else if (strcmp(f[0], "bad-opaque") == 0)
				why = "opaque";
			else if (strcmp(f[0], "bad-binary-sig") == 0)
				why = "not base64";
			else if (strcmp(f[0], "bad-dup-top-ct") == 0 ||
			    strcmp(f[0], "bad-dup-top-first") == 0)
				why = "duplicate Content-Type at the top level";
			else if (strcmp(f[0], "bad-dup-sig-cte") == 0)
				why = "duplicate Content-Transfer-Encoding in "
				      "part 2";
			else if (strcmp(f[0], "bad-dup-signed-ct") == 0)
				why = "duplicate Content-Type in part 1.1";
			bad(f[0], seal, t, in, why);
		} else if (strcmp(f[0], "o-sha384") == 0) {
			/* seal configured SHA-256, personal SHA-384 */
			good(f[0], f[0], seal, t, in, "sha-384", 1, 1, NULL);
		} else if (strcmp(f[0], "o-untrusted") == 0) {
			/* chain trust is reported, not a refusal */
			good(f[0], f[0], seal, t, in, "sha-256", 0, 0, NULL);
		} else if (strcmp(f[0], "o-rsa") == 0) {
			GByteArray *m2;
			struct run r;

			good(f[0], f[0], seal, t, in, "sha-256", 0, 1, &sealed);
			good(f[0], "o-rsa-seal384", seal384, t, in, "sha-256",
			    1, 1, NULL);
			good(f[0], "o-rsa-ecseal", ecseal, t, in, "sha-256", 0,
			    1, NULL);
			/* a wrong micalg is corrected: Content-Type given */
			m2 = with_micalg(in, "micalg=sha-256", "micalg=sha-1");
			cosign(seal, t, m2, &r);
			CHECK(r.rc == 0 && r.res.cosigned &&
			        r.res.content_type != NULL &&
			        strstr(r.res.content_type, "micalg=sha-256;") &&
			        strstr(r.res.content_type,
			            "boundary=\"----=_kyso_cosign_B1\"") &&
			        strcmp(r.res.micalg, "sha-256") == 0,
			    "o-rsa with micalg=sha-1: new Content-Type "
			    "(micalg=%s)",
			    r.res.micalg ? r.res.micalg : "-");
			run_clear(&r);
			g_byte_array_unref(m2);
			/* bare LF: our verifier accepts it through the CRLF
			 * form, but the bytes we would emit are not what was
			 * signed */
			m2 = lf_only(in);
			bad("o-rsa with LF line ends", seal, t, m2,
			    "exact signed bytes");
			g_byte_array_unref(m2);
			/* a third, unclosed part after the signature: the
			 * verifier reads three parts, as GMime does: malformed,
			 * not sealed */
			m2 = with_micalg(in, "------=_kyso_cosign_B1--",
			    "------=_kyso_cosign_B1\r\n\r\nthird part");
			bad("o-rsa with an unclosed third part", seal, t, m2,
			    "more than two parts");
			g_byte_array_unref(m2);
			/* no trust material: sealed, personal chain untrusted
			 */
			cosign(seal, NULL, in, &r);
			CHECK(r.rc == 0 && r.res.cosigned &&
			        r.res.before.nsigners == 1 &&
			        r.res.before.signers[0].signature_ok &&
			        !r.res.before.signers[0].chain_ok,
			    "o-rsa without trust material: sealed, chain "
			    "reported untrusted (%s%s)",
			    r.err.msg, r.res.why ? r.res.why : "");
			run_clear(&r);
			if (token != NULL)
				good(f[0], "o-rsa-token", token, t, in,
				    "sha-256", 0, 1, NULL);
		} else {
			good(f[0], f[0], seal, t, in, "sha-256", 0, 1, NULL);
		}
		g_byte_array_unref(in);
		g_strfreev(f);
	}
	CHECK(sealed != NULL, "o-rsa was sealed");
	if (sealed != NULL) {
		/* the same agency certificate twice: refused; another agency
		 * may add its seal (three signers) */
		bad("o-rsa sealed again", seal, t, sealed, "already sealed");
		good("o-rsa", "o-rsa-twice", ubnd, t, sealed, "sha-256", 0, 1,
		    &twice);
		if (twice != NULL)
			bad("o-rsa sealed by two agencies, again", ubnd, t,
			    twice, "already sealed");
	}
out:
	if (sealed != NULL)
		g_byte_array_unref(sealed);
	if (twice != NULL)
		g_byte_array_unref(twice);
	kyso_signer_free(seal);
	kyso_signer_free(seal384);
	kyso_signer_free(ecseal);
	kyso_signer_free(ubnd);
	kyso_signer_free(token);
	kyso_trust_free(t);
	g_strfreev(lines);
	g_free(cdata);
	g_free(cases);
	g_free(anchor);
	g_free(inter);
	g_free(crl);
	g_free(outdir);
	kyso_mime_shutdown();
	return TEST_DONE();
}
