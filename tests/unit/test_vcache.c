/*
 * test_vcache.c - the verification cache of a trust object (smime/vcache.c)
 * through kyso_verify_signer and on its own: a second message of a signer
 * hits, another signer misses; an attacker's certificate with the same
 * names and serial but another key, or the good certificate with a broken
 * signature, never gets the cached verdict; a verify time past notAfter
 * fails (the window ends at the earliest notAfter); a CRL listing the
 * certificate turns a cached good into revoked; a CRL signature checked
 * with one issuer is not taken for another issuer of the same name; the
 * bound holds; a new trust (a reload) starts empty; threads at once; the
 * certificates of a SignedData decoded once per DER, never by name.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "vcache.h"
#include "verify_int.h"

#define FROM "vanthu@hagiang.gov.vn"
#define DAY  86400L

struct id {
	EVP_PKEY *key;
	X509 *cert;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate named cn with serial: a CA when ca is NULL (self-signed),
 * else an S/MIME leaf issued by ca, valid from..to days from now. */
static struct id
make(const char *cn, const struct id *ca, long serial, long from_days,
    long to_days)
{
	struct id id;
	X509_NAME *n;

	id.key = EVP_EC_gen("P-256");
	id.cert = X509_new();
	X509_set_version(id.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial);
	X509_gmtime_adj(X509_getm_notBefore(id.cert), from_days * DAY);
	X509_gmtime_adj(X509_getm_notAfter(id.cert), to_days * DAY);
	n = X509_get_subject_name(id.cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(id.cert,
	    ca != NULL ? X509_get_subject_name(ca->cert) : n);
	X509_set_pubkey(id.cert, id.key);
	if (ca == NULL) {
		add_ext(id.cert, id.cert, NID_basic_constraints,
		    "critical,CA:TRUE");
		add_ext(id.cert, id.cert, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	} else {
		add_ext(id.cert, ca->cert, NID_basic_constraints, "CA:FALSE");
		add_ext(id.cert, ca->cert, NID_key_usage,
		    "critical,digitalSignature,nonRepudiation");
		add_ext(id.cert, ca->cert, NID_ext_key_usage,
		    "emailProtection");
		add_ext(id.cert, ca->cert, NID_subject_alt_name, "email:" FROM);
	}
	X509_sign(id.cert, ca != NULL ? ca->key : id.key, EVP_sha256());
	return id;
}

static void
drop(struct id *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
}

/* A CRL by ca issued `age` days ago, valid a week, listing `revoked`
 * (may be NULL). */
static X509_CRL *
make_crl(const struct id *ca, X509 *revoked, long age)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert));
	t = X509_gmtime_adj(NULL, -age * DAY);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_free(t);
	t = X509_gmtime_adj(NULL, (7 - age) * DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	if (revoked != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();

		t = X509_gmtime_adj(NULL, -DAY / 2);
		X509_REVOKED_set_serialNumber(r,
		    X509_get_serialNumber(revoked));
		X509_REVOKED_set_revocationDate(r, t);
		ASN1_TIME_free(t);
		X509_CRL_add0_revoked(crl, r);
	}
	X509_CRL_sort(crl);
	X509_CRL_sign(crl, ca->key, EVP_sha256());
	return crl;
}

/* A detached CMS signature by `by` over "hello". */
static CMS_ContentInfo *
sign(const struct id *by)
{
	BIO *in = BIO_new_mem_buf("hello\r\n", -1);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_DETACHED | CMS_BINARY | CMS_PARTIAL);

	CMS_add1_signer(cms, by->cert, by->key, EVP_sha256(), 0);
	CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY);
	BIO_free(in);
	return cms;
}

/* A trust of the anchor ca (and its CRL, when crl, with revocation by
 * CRL), cache of size entries (0: default). */
static struct kyso_trust *
trust_in(const struct id *ca, X509_CRL *crl, int size, const char *dir)
{
	char path[256], cpath[256];
	struct kyso_trust_spec spec = {0};
	struct kyso_err err = {0};
	struct kyso_trust *t;
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/anchors.pem", dir);
	(void)snprintf(cpath, sizeof(cpath), "%s/crl.pem", dir);
	fp = fopen(path, "w");
	PEM_write_X509(fp, ca->cert);
	(void)fclose(fp);
	spec.anchor_file = path;
	spec.revocation_check = KYSO_REVCHECK_NONE;
	if (crl != NULL) {
		fp = fopen(cpath, "w");
		PEM_write_X509_CRL(fp, crl);
		(void)fclose(fp);
		spec.crl_file = cpath;
		spec.revocation_check = KYSO_REVCHECK_CRL;
	}
	spec.verify_cache_size = size;
	t = kyso_trust_load(&spec, &err);
	(void)unlink(path);
	(void)unlink(cpath);
	return t;
}

/* kyso_verify_signer on cms's first signer with its own certificate, at
 * `now`. */
static void
facts(const struct kyso_trust *t, CMS_ContentInfo *cms, time_t now,
    struct kyso_signer_info *si)
{
	struct kyso_rev_session rs;
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	CMS_SignerInfo *s =
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);

	kyso_rev_session_init(&rs, t, NULL);
	kyso_verify_signer(t, &rs, s, sk_X509_value(certs, 0), 1, certs, NULL,
	    FROM, now, si);
	sk_X509_pop_free(certs, X509_free);
}

static void
clear(struct kyso_signer_info *si)
{
	kyso_signer_info_clear(si);
	memset(si, 0, sizeof(*si));
}

static unsigned long
hits(const struct kyso_trust *t)
{
	unsigned long h, m;

	kyso_vcache_stats(t->vcache, &h, &m);
	return h;
}

static int
sound(const struct kyso_signer_info *si)
{
	return si->signature_ok && si->chain_ok && si->valid_now;
}

/* hit, miss, attacker's twin, broken signature, negative verdicts */
static void
test_chains(const struct id *ca, const struct id *good, const char *dir)
{
	struct kyso_trust *t = trust_in(ca, NULL, 0, dir);
	struct id fake_ca = make("UBND tinh Ha Giang CA", NULL, 1, -10, 3650);
	struct id twin = make("Van thu", &fake_ca, 100, -1, 365);
	struct id other = make("Chanh van phong", ca, 101, -1, 365);
	struct kyso_signer_info si = {0};
	CMS_ContentInfo *cms = sign(good), *c2;
	unsigned long h;

	facts(t, cms, time(NULL), &si);
	CHECK(sound(&si) && hits(t) == 0 && kyso_vcache_size(t->vcache) == 1,
	    "first message: verified, cached, no hit");
	clear(&si);
	c2 = sign(good); /* another message, its own objects */
	facts(t, c2, time(NULL), &si);
	CHECK(sound(&si) && hits(t) == 1 && si.issuer_fingerprint != NULL,
	    "second message of the signer: a hit, the same facts");
	clear(&si);
	CMS_ContentInfo_free(c2);

	/* same subject, issuer name and serial as `good`, another key,
	 * signed by a CA that only has the anchor's name */
	c2 = sign(&twin);
	h = hits(t);
	facts(t, c2, time(NULL), &si);
	CHECK(si.signature_ok && !si.chain_ok && hits(t) == h,
	    "same names and serial, another key and CA: a miss, untrusted "
	    "(%s)",
	    si.chain_error);
	clear(&si);
	facts(t, c2, time(NULL), &si);
	CHECK(!si.chain_ok && hits(t) == h + 1,
	    "the attacker's refusal is cached and stays a refusal");
	clear(&si);
	CMS_ContentInfo_free(c2);

	/* the good certificate with one bit of its signature changed */
	{
		X509 *bad = X509_dup(good->cert);
		const ASN1_BIT_STRING *sig;
		STACK_OF(X509) *certs = sk_X509_new_null();
		struct kyso_rev_session rs;

		X509_get0_signature(&sig, NULL, bad);
		((ASN1_BIT_STRING *)sig)->data[10] ^= 0x01;
		sk_X509_push(certs, bad);
		c2 = sign(good);
		kyso_rev_session_init(&rs, t, NULL);
		h = hits(t);
		kyso_verify_signer(t, &rs,
		    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(c2), 0), bad,
		    1, certs, NULL, FROM, time(NULL), &si);
		CHECK(!si.chain_ok && hits(t) == h,
		    "the signer's certificate with a broken signature: a "
		    "miss, untrusted (%s)",
		    si.chain_error);
		clear(&si);
		sk_X509_pop_free(certs, X509_free);
		CMS_ContentInfo_free(c2);
	}

	c2 = sign(&other);
	h = hits(t);
	facts(t, c2, time(NULL), &si);
	CHECK(sound(&si) && hits(t) == h, "another signer: a miss, verified");
	clear(&si);
	CMS_ContentInfo_free(c2);

	CMS_ContentInfo_free(cms);
	drop(&fake_ca);
	drop(&twin);
	drop(&other);
	kyso_trust_free(t);
}

/* a verify time past notAfter, inside or outside the cached window */
static void
test_expiry(const struct id *ca, const struct id *good, const char *dir)
{
	struct kyso_trust *t = trust_in(ca, NULL, 0, dir);
	struct kyso_signer_info si = {0};
	CMS_ContentInfo *cms = sign(good);
	unsigned char key[KYSO_VCACHE_KEY];
	struct kyso_chain_verdict v;
	time_t na = kyso_cert_time(X509_get0_notAfter(good->cert));
	STACK_OF(X509) *certs = CMS_get1_certs(cms);

	facts(t, cms, time(NULL), &si);
	CHECK(sound(&si), "cached at now");
	clear(&si);
	facts(t, cms, na + 1, &si);
	CHECK(si.chain_ok && !si.valid_now,
	    "a second after notAfter: not valid, cache or not");
	clear(&si);
	CHECK(kyso_vcache_chain_key(t->vcache, "smime_sign",
	          sk_X509_value(certs, 0), certs, key) &&
	        kyso_vcache_chain_get(t->vcache, key, na, &v) == 1,
	    "the cached verdict holds at notAfter");
	kyso_chain_verdict_clear(&v);
	CHECK(kyso_vcache_chain_get(t->vcache, key, na + 1, &v) == 0 &&
	        v.chain == NULL,
	    "and not a second later: the window ends at notAfter");
	CHECK(kyso_vcache_chain_get(t->vcache, key,
	          kyso_cert_time(X509_get0_notBefore(good->cert)) - 1, &v) == 0,
	    "nor before notBefore");
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	kyso_trust_free(t);
}

/* cached good, then a CRL that lists the certificate: revoked; a CRL
 * signature checked with the issuer is not taken for an impostor issuer */
static void
test_revocation(const struct id *ca, const struct id *good, const char *dir)
{
	X509_CRL *old = make_crl(ca, NULL, 2),
	         *newer = make_crl(ca, good->cert, 0);
	struct id fake_ca = make("UBND tinh Ha Giang CA", NULL, 1, -10, 3650);
	struct kyso_trust *t = trust_in(ca, old, 0, dir);
	struct kyso_signer_info si = {0};
	CMS_ContentInfo *cms = sign(good);
	unsigned long h;
	X509_CRL *forged;

	facts(t, cms, time(NULL), &si);
	CHECK(sound(&si) && si.revocation == KYSO_REV_GOOD, "CRL good (%s)",
	    si.revocation_note);
	clear(&si);
	h = hits(t);
	facts(t, cms, time(NULL), &si);
	CHECK(si.revocation == KYSO_REV_GOOD && hits(t) == h + 2,
	    "again: chain and CRL signature from the cache");
	clear(&si);
	/* a newer CRL arrives (as a fetch would bring it) and lists it */
	sk_X509_CRL_push(t->crls, newer);
	facts(t, cms, time(NULL), &si);
	CHECK(si.chain_ok && si.revocation == KYSO_REV_REVOKED,
	    "cached good, then a CRL lists the certificate: revoked (%s)",
	    si.revocation_note);
	clear(&si);
	facts(t, cms, time(NULL), &si);
	CHECK(si.revocation == KYSO_REV_REVOKED,
	    "and stays revoked from the cache");
	clear(&si);

	CHECK(kyso_vcache_crl_verified(t->vcache, old, NULL, ca->cert,
	          time(NULL)) == 1,
	    "the CRL's signature is cached as verified with its issuer");
	CHECK(kyso_vcache_crl_verified(t->vcache, old, NULL, fake_ca.cert,
	          time(NULL)) == 0,
	    "the same CRL is not verified with an impostor of the same name");
	forged = make_crl(&fake_ca, NULL, 0);
	CHECK(kyso_vcache_crl_verified(t->vcache, forged, NULL, ca->cert,
	          time(NULL)) == 0 &&
	        kyso_vcache_crl_verified(t->vcache, forged, NULL, ca->cert,
	            time(NULL)) == 0,
	    "a CRL by the impostor is refused, cached or not");
	X509_CRL_free(forged);
	CMS_ContentInfo_free(cms);
	X509_CRL_free(old);
	drop(&fake_ca);
	kyso_trust_free(t);
}

/* the bound, on its own and through VerifyCacheSize; a reload */
static void
test_bound(const struct id *ca, const char *dir)
{
	struct kyso_vcache *c = kyso_vcache_new(4);
	struct kyso_chain_verdict v = {0}, out;
	unsigned char key[KYSO_VCACHE_KEY] = {0};
	struct kyso_trust *t, *t2;
	struct kyso_signer_info si = {0};
	int i, max = 0, last = 0;

	v.error = g_strdup("test");
	for (i = 0; i < 10; i++) {
		key[0] = (unsigned char)i;
		kyso_vcache_chain_put(c, key, &v, 0, time(NULL) + 60,
		    time(NULL));
		if (kyso_vcache_size(c) > (unsigned)max)
			max = (int)kyso_vcache_size(c);
	}
	last = kyso_vcache_chain_get(c, key, time(NULL), &out);
	CHECK(max <= 4 && last && g_strcmp0(out.error, "test") == 0,
	    "10 entries into a cache of 4: never more than %d, the newest kept",
	    max);
	kyso_chain_verdict_clear(&out);
	kyso_chain_verdict_clear(&v);
	kyso_vcache_free(c);

	t = trust_in(ca, NULL, 2, dir);
	for (i = 0; i < 5; i++) {
		struct id s = make("Can bo", ca, 200 + i, -1, 365);
		CMS_ContentInfo *cms = sign(&s);

		facts(t, cms, time(NULL), &si);
		CHECK(sound(&si) && kyso_vcache_size(t->vcache) <= 2,
		    "VerifyCacheSize 2, signer %d: verified, %u entries", i,
		    kyso_vcache_size(t->vcache));
		clear(&si);
		CMS_ContentInfo_free(cms);
		drop(&s);
	}
	/* a reload is a new snapshot with a new trust */
	t2 = trust_in(ca, NULL, 2, dir);
	CHECK(kyso_vcache_size(t2->vcache) == 0 && hits(t2) == 0 &&
	        kyso_vcache_size(t->vcache) > 0,
	    "a reloaded trust starts with an empty cache");
	kyso_trust_free(t);
	kyso_trust_free(t2);
}

/* DER of cms (BER when stream: indefinite lengths). */
static GByteArray *
der_of(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	GByteArray *b = g_byte_array_new();

	g_byte_array_append(b, der, (guint)n);
	OPENSSL_free(der);
	return b;
}

/* 1 when a and b hold certificates of the same DER in the same order. */
static int
same_certs(CMS_ContentInfo *a, CMS_ContentInfo *b)
{
	STACK_OF(X509) *x = CMS_get1_certs(a), *y = CMS_get1_certs(b);
	int i, same = sk_X509_num(x) == sk_X509_num(y) && sk_X509_num(x) > 0;

	for (i = 0; same && i < sk_X509_num(x); i++)
		same = X509_cmp(sk_X509_value(x, i), sk_X509_value(y, i)) == 0;
	sk_X509_pop_free(x, X509_free);
	sk_X509_pop_free(y, X509_free);
	return same;
}

/* The first certificate of cms that is not `not` (may be NULL). */
static X509 *
cert_but(CMS_ContentInfo *cms, X509 * not )
{
	STACK_OF(X509) *x = CMS_get1_certs(cms);
	X509 *r = NULL;
	int i;

	for (i = 0; r == NULL && i < sk_X509_num(x); i++)
		if (not == NULL || X509_cmp(sk_X509_value(x, i), not ) != 0)
			r = sk_X509_value(x, i);

	sk_X509_pop_free(x, X509_free); /* r stays alive in cms */
	return r;
}

/* the certificates of a SignedData decoded once per DER */
static void
test_decode(const struct id *ca, const struct id *good)
{
	struct kyso_vcache *c = kyso_vcache_new(0);
	struct id fake_ca = make("UBND tinh Ha Giang CA", NULL, 1, -10, 3650);
	struct id twin = make("Van thu", &fake_ca, 100, -1, 365);
	CMS_ContentInfo *cms = sign(good), *a, *b, *plain, *t;
	GByteArray *der, *tder;
	const unsigned char *p;
	unsigned long h, m;

	CMS_add1_cert(cms, ca->cert);
	der = der_of(cms);
	p = der->data;
	plain = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	a = kyso_vcache_d2i_cms(c, der->data, der->len, time(NULL));
	b = kyso_vcache_d2i_cms(c, der->data, der->len, time(NULL));
	kyso_vcache_stats(c, &h, &m);
	(void)CMS_set1_signers_certs(b, NULL, 0);
	CHECK(a != NULL && same_certs(a, plain) && same_certs(b, plain) &&
	        CMS_SignerInfo_verify(
	            sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(b), 0)) > 0,
	    "decoded from the cache: the same certificates in the same "
	    "order, the signature verifies");
	CHECK(cert_but(a, ca->cert) == cert_but(b, ca->cert) && h == 2 &&
	        m == 2,
	    "the second message's certificates are the first's, not decoded "
	    "again (%lu hits, %lu misses)",
	    h, m);
	{
		char *memo = kyso_vcache_fingerprint(cert_but(b, ca->cert));
		char *fresh = kyso_cert_fingerprint(good->cert);

		CHECK(g_strcmp0(memo, fresh) == 0 && strlen(memo) == 64,
		    "the fingerprint kept with a decoded certificate is its "
		    "SHA-256 (%s)",
		    memo);
		g_free(memo);
		g_free(fresh);
	}

	/* the attacker's twin: same names and serial, another key */
	t = sign(&twin);
	tder = der_of(t);
	CMS_ContentInfo_free(t);
	t = kyso_vcache_d2i_cms(c, tder->data, tder->len, time(NULL));
	CHECK(t != NULL && X509_cmp(cert_but(t, ca->cert), twin.cert) == 0 &&
	        X509_cmp(cert_but(t, ca->cert), good->cert) != 0,
	    "a certificate with the same names and serial is its own, "
	    "never the cached one");
	CMS_ContentInfo_free(t);

	/* one byte of the certificate's key changed: not the cached one */
	{
		GByteArray *bad = g_byte_array_new();
		unsigned char *k = NULL;
		int kl = i2d_PUBKEY(good->key, &k);
		guint i;

		g_byte_array_append(bad, der->data, der->len);
		for (i = 0; i + (guint)kl <= bad->len; i++)
			if (memcmp(bad->data + i, k, (size_t)kl) == 0)
				break;
		bad->data[i + (guint)kl - 2] ^= 0x01;
		t = kyso_vcache_d2i_cms(c, bad->data, bad->len, time(NULL));
		CHECK(t != NULL &&
		        X509_cmp(cert_but(t, ca->cert), good->cert) != 0 &&
		        X509_verify(cert_but(t, ca->cert), ca->key) <= 0,
		    "a certificate with one bit of its key changed: decoded as "
		    "it is, its signature fails");
		CMS_ContentInfo_free(t);
		OPENSSL_free(k);
		g_byte_array_unref(bad);
	}

	/* truncated, and a BER (indefinite-length) encoding */
	p = der->data;
	CHECK(kyso_vcache_d2i_cms(c, der->data, der->len / 2, time(NULL)) ==
	        NULL,
	    "a truncated CMS does not decode");
	{
		BIO *in = BIO_new_mem_buf("hello\r\n", -1),
		    *out = BIO_new(BIO_s_mem());
		char *data;
		long n;

		CMS_ContentInfo *s = CMS_sign(good->cert, good->key, NULL, in,
		    CMS_DETACHED | CMS_BINARY | CMS_STREAM);
		i2d_CMS_bio_stream(out, s, in,
		    CMS_DETACHED | CMS_BINARY | CMS_STREAM);
		n = BIO_get_mem_data(out, &data);
		t = kyso_vcache_d2i_cms(c, (unsigned char *)data, (size_t)n,
		    time(NULL));
		CHECK(t != NULL &&
		        X509_cmp(cert_but(t, ca->cert), good->cert) == 0,
		    "a BER (streamed) SignedData decodes as OpenSSL decodes "
		    "it");
		CMS_ContentInfo_free(t);
		CMS_ContentInfo_free(s);
		BIO_free(in);
		BIO_free(out);
	}
	g_byte_array_unref(tder);
	g_byte_array_unref(der);
	CMS_ContentInfo_free(a);
	CMS_ContentInfo_free(b);
	CMS_ContentInfo_free(plain);
	CMS_ContentInfo_free(cms);
	drop(&fake_ca);
	drop(&twin);
	kyso_vcache_free(c);
}

/* kyso_verify_signer on the first signer of cms decoded from der through
 * t's cache (as verify.c decodes a message), From from. */
static void
facts_decoded(const struct kyso_trust *t, const GByteArray *der,
    const char *from, struct kyso_signer_info *si)
{
	struct kyso_rev_session rs;
	CMS_ContentInfo *cms =
	    kyso_vcache_d2i_cms(t->vcache, der->data, der->len, time(NULL));
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	CMS_SignerInfo *s =
	    sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	X509 *signer = NULL;

	(void)CMS_set1_signers_certs(cms, NULL, 0);
	CMS_SignerInfo_get0_algs(s, NULL, &signer, NULL, NULL);
	kyso_rev_session_init(&rs, t, NULL);
	kyso_verify_signer(t, &rs, s, signer, 1, certs, NULL, from, time(NULL),
	    si);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
}

static int
same_facts(const struct kyso_signer_info *a, const struct kyso_signer_info *b)
{
	return a->ku_ok == b->ku_ok && a->eku_ok == b->eku_ok &&
	    g_strcmp0(a->email, b->email) == 0 &&
	    g_strcmp0(a->subject_cn, b->subject_cn) == 0 &&
	    g_strcmp0(a->subject, b->subject) == 0 &&
	    g_strcmp0(a->subject_utf8, b->subject_utf8) == 0 &&
	    a->subject_person == b->subject_person &&
	    g_strcmp0(a->issuer_rfc4514, b->issuer_rfc4514) == 0 &&
	    g_strcmp0(a->issuer_text, b->issuer_text) == 0 &&
	    g_strcmp0(a->issuer_cn, b->issuer_cn) == 0 &&
	    g_strcmp0(a->serial_hex, b->serial_hex) == 0 &&
	    a->not_before == b->not_before && a->not_after == b->not_after &&
	    a->kind == b->kind &&
	    g_strcmp0(a->fingerprint, b->fingerprint) == 0 &&
	    g_strcmp0(a->issuer_fingerprint, b->issuer_fingerprint) == 0;
}

/* a whole message's path: certificates, facts and chain from the cache */
static void
test_facts(const struct id *ca, const struct id *good, const char *dir)
{
	struct kyso_trust *t = trust_in(ca, NULL, 0, dir);
	struct kyso_signer_info a = {0}, b = {0}, c = {0};
	CMS_ContentInfo *cms = sign(good);
	GByteArray *der = der_of(cms);
	unsigned long h;

	facts_decoded(t, der, FROM, &a);
	h = hits(t);
	facts_decoded(t, der, FROM, &b);
	CHECK(sound(&a) && sound(&b) && same_facts(&a, &b) && a.email_matches &&
	        b.email_matches && hits(t) >= h + 3,
	    "second message: certificate, facts and chain from the cache, "
	    "the same facts (%lu hits)",
	    hits(t) - h);
	facts_decoded(t, der, "chutich@hagiang.gov.vn", &c);
	CHECK(same_facts(&a, &c) && !c.email_matches,
	    "another From: cached facts, but the address is judged anew");
	clear(&a);
	clear(&b);
	clear(&c);
	g_byte_array_unref(der);
	CMS_ContentInfo_free(cms);
	kyso_trust_free(t);
}

struct worker {
	const struct kyso_trust *t;
	CMS_ContentInfo *good, *twin;
	int wrong;
};

static gpointer
work(gpointer p)
{
	struct worker *w = p;
	struct kyso_signer_info si;
	int i;

	for (i = 0; i < 40; i++) {
		memset(&si, 0, sizeof(si));
		facts(w->t, (i & 1) ? w->twin : w->good, time(NULL), &si);
		if (si.chain_ok != !(i & 1))
			w->wrong++;
		kyso_signer_info_clear(&si);
	}
	return NULL;
}

/* four threads, the good signer and the attacker's twin interleaved */
static void
test_threads(const struct id *ca, const struct id *good, const char *dir)
{
	struct kyso_trust *t = trust_in(ca, NULL, 0, dir);
	struct id fake_ca = make("UBND tinh Ha Giang CA", NULL, 1, -10, 3650);
	struct id twin = make("Van thu", &fake_ca, 100, -1, 365);
	struct worker w[4];
	GThread *th[4];
	int i, wrong = 0;

	for (i = 0; i < 4; i++) {
		w[i].t = t;
		w[i].good = sign(good);
		w[i].twin = sign(&twin);
		w[i].wrong = 0;
		th[i] = g_thread_new("vcache", work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		g_thread_join(th[i]);
		wrong += w[i].wrong;
		CMS_ContentInfo_free(w[i].good);
		CMS_ContentInfo_free(w[i].twin);
	}
	CHECK(wrong == 0 && hits(t) > 0,
	    "4 threads, 160 verifications: every verdict right (%d wrong)",
	    wrong);
	drop(&fake_ca);
	drop(&twin);
	kyso_trust_free(t);
}

int
main(void)
{
	char dir[] = "/tmp/kyso-test-vcache.XXXXXX";
	struct id ca, good;

	if (mkdtemp(dir) == NULL)
		return 1;
	ca = make("UBND tinh Ha Giang CA", NULL, 1, -10, 3650);
	good = make("Van thu", &ca, 100, -1, 365);
	test_chains(&ca, &good, dir);
	test_expiry(&ca, &good, dir);
	test_revocation(&ca, &good, dir);
	test_bound(&ca, dir);
	test_decode(&ca, &good);
	test_facts(&ca, &good, dir);
	test_threads(&ca, &good, dir);
	drop(&ca);
	drop(&good);
	(void)rmdir(dir);
	return TEST_DONE();
}
