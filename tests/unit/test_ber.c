/*
 * test_ber.c - smime/ber.c, the BER/DER walker co-signing uses to prove
 * existing SignerInfos survive byte for byte: element heads (short, long,
 * indefinite lengths, high tag numbers), whole lengths through indefinite
 * nesting up to KYSO_MAX_BER_DEPTH, content ranges, and the SignerInfo
 * ranges of SignedData as OpenSSL writes it in DER and in streamed
 * (indefinite-length) BER. The attacker's inputs: every truncation, every
 * single-octet change, lengths past the end, 8-octet lengths, deep nesting,
 * old SignerInfo bytes smuggled elsewhere into a SignedData.
 */
#include <string.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "kyso/limits.h"
#include "ber.h"
#include "harness.h"

static X509 *
self_signed(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

/* A detached SignedData over "hello" with `n` signers: DER, or with
 * `stream` the indefinite-length BER OpenSSL streams. */
static GByteArray *
signed_data(int n, int stream)
{
	static const char content[] = "hello\r\n";
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	BIO *out = BIO_new(BIO_s_mem());
	GByteArray *a = g_byte_array_new();
	unsigned flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL;
	char *data;
	long len;
	int i;

	cms =
	    CMS_sign(NULL, NULL, NULL, NULL, flags | (stream ? CMS_STREAM : 0));
	for (i = 0; i < n; i++) {
		EVP_PKEY *k = EVP_EC_gen("P-256");
		char cn[16];
		X509 *x;

		(void)snprintf(cn, sizeof(cn), "signer %d", i);
		x = self_signed(k, cn);
		CMS_add1_signer(cms, x, k, EVP_sha256(), flags);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	if (stream)
		i2d_CMS_bio_stream(out, cms, in, flags | CMS_STREAM);
	else {
		CMS_final(cms, in, NULL, flags);
		i2d_CMS_bio(out, cms);
	}
	len = BIO_get_mem_data(out, &data);
	g_byte_array_append(a, (const guint8 *)data, (guint)len);
	BIO_free(out);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return a;
}

/* The signature values OpenSSL decodes, each inside its span. */
static int
spans_hold_signatures(const GByteArray *der, const size_t *off,
    const size_t *len, int n)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	int i, ok = sis != NULL && sk_CMS_SignerInfo_num(sis) == n;

	for (i = 0; ok && i < n; i++) {
		ASN1_OCTET_STRING *os = CMS_SignerInfo_get0_signature(
		    sk_CMS_SignerInfo_value(sis, i));

		ok = der->data[off[i]] == 0x30 && off[i] + len[i] <= der->len &&
		    memmem(der->data + off[i], len[i],
		        ASN1_STRING_get0_data(os),
		        (size_t)ASN1_STRING_length(os)) != NULL;
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ok;
}

static void
heads(void)
{
	static const unsigned char s[] = {0x04, 0x02, 'a', 'b'};
	static const unsigned char l1[] = {0x04, 0x81, 0x01, 'a'};
	static const unsigned char l2[] = {0x30, 0x82, 0x00, 0x01, 0x05};
	static const unsigned char ind[] = {0x30, 0x80, 0x00, 0x00};
	static const unsigned char ind_prim[] = {0x04, 0x80, 0x00, 0x00};
	static const unsigned char past[] = {0x04, 0x03, 'a', 'b'};
	static const unsigned char past_long[] = {0x04, 0x84, 0x7f, 0xff, 0xff,
	    0xff, 'a'};
	static const unsigned char eight[] = {0x04, 0x88, 0, 0, 0, 0, 0, 0, 0,
	    1, 'a'};
	static const unsigned char hi[] = {0xbf, 0x81, 0x01, 0x01, 0x00};
	static const unsigned char hi_trunc[] = {0xbf, 0x81, 0x81};
	static const unsigned char len_trunc[] = {0x04, 0x82, 0x01};
	struct kyso_ber_tlv t;

	CHECK(kyso_ber_head(s, s + sizeof(s), &t) == 0 && t.tag == 0x04 &&
	        t.hlen == 2 && t.clen == 2,
	    "short definite length");
	CHECK(kyso_ber_head(l1, l1 + sizeof(l1), &t) == 0 && t.hlen == 3 &&
	        t.clen == 1,
	    "long form, one length octet");
	CHECK(kyso_ber_head(l2, l2 + sizeof(l2), &t) == 0 && t.hlen == 4 &&
	        t.clen == 1,
	    "long form, two length octets with a leading zero (BER)");
	CHECK(kyso_ber_head(ind, ind + sizeof(ind), &t) == 0 &&
	        t.clen == KYSO_BER_INDEFINITE && t.hlen == 2,
	    "indefinite length on a constructed element");
	CHECK(kyso_ber_head(ind_prim, ind_prim + sizeof(ind_prim), &t) < 0,
	    "indefinite length on a primitive element is refused");
	CHECK(kyso_ber_head(past, past + sizeof(past), &t) < 0 &&
	        kyso_ber_head(past_long, past_long + sizeof(past_long), &t) < 0,
	    "a length past the end is refused (short and long form)");
	CHECK(kyso_ber_head(eight, eight + sizeof(eight), &t) < 0,
	    "a length of eight octets is refused (no overflow)");
	CHECK(kyso_ber_head(hi, hi + sizeof(hi), &t) == 0 && t.tag == 0xbf &&
	        t.hlen == 4 && t.clen == 1,
	    "high tag number: its octets are skipped");
	CHECK(kyso_ber_head(hi_trunc, hi_trunc + sizeof(hi_trunc), &t) < 0 &&
	        kyso_ber_head(len_trunc, len_trunc + sizeof(len_trunc), &t) <
	            0 &&
	        kyso_ber_head(s, s, &t) < 0 && kyso_ber_head(s, s + 1, &t) < 0,
	    "truncated identifier, length octets, empty input: refused");
}

/* depth nested indefinite SEQUENCEs around an empty OCTET STRING */
static GByteArray *
nested(int depth)
{
	GByteArray *a = g_byte_array_new();
	int i;

	for (i = 0; i < depth; i++)
		g_byte_array_append(a, (const guint8 *)"\x30\x80", 2);
	g_byte_array_append(a, (const guint8 *)"\x04\x00", 2);
	for (i = 0; i < depth; i++)
		g_byte_array_append(a, (const guint8 *)"\x00\x00", 2);
	return a;
}

static void
totals(void)
{
	static const unsigned char def[] = {0x30, 0x03, 0x02, 0x01, 0x05, 0xff};
	static const unsigned char ind[] = {0x30, 0x80, 0x02, 0x01, 0x05, 0x30,
	    0x80, 0x00, 0x00, 0x00, 0x00, 0xff};
	static const unsigned char no_eoc[] = {0x30, 0x80, 0x02, 0x01, 0x05};
	static const unsigned char bad_child[] = {0x30, 0x80, 0x02, 0x05, 0x05,
	    0x00, 0x00};
	const unsigned char *c, *ce;
	GByteArray *a;

	CHECK(kyso_ber_total(def, def + sizeof(def)) == 5,
	    "definite: header plus content, trailing octets not counted");
	CHECK(kyso_ber_total(ind, ind + sizeof(ind)) == 11,
	    "indefinite: through the nested element and both end-of-contents");
	CHECK(kyso_ber_total(no_eoc, no_eoc + sizeof(no_eoc)) == 0,
	    "indefinite without end-of-contents: not well formed");
	CHECK(kyso_ber_total(bad_child, bad_child + sizeof(bad_child)) == 0,
	    "a child whose length runs past the end: not well formed");
	CHECK(kyso_ber_enter(ind, ind + sizeof(ind), 0x30, &c, &ce) == 0 &&
	        c == ind + 2 && ce == ind + 9,
	    "enter an indefinite element: content before its end-of-contents");
	CHECK(kyso_ber_enter(def, def + sizeof(def), 0x30, &c, &ce) == 0 &&
	        c == def + 2 && ce == def + 5,
	    "enter a definite element");
	CHECK(kyso_ber_enter(def, def + sizeof(def), 0x31, &c, &ce) < 0 &&
	        kyso_ber_enter(def + 2, def + 5, 0x02, &c, &ce) < 0,
	    "enter refuses another tag and a primitive element");
	a = nested(KYSO_MAX_BER_DEPTH);
	CHECK(kyso_ber_total(a->data, a->data + a->len) == a->len,
	    "%d nested indefinite elements are followed", KYSO_MAX_BER_DEPTH);
	g_byte_array_unref(a);
	a = nested(KYSO_MAX_BER_DEPTH + 1);
	CHECK(kyso_ber_total(a->data, a->data + a->len) == 0,
	    "%d nested indefinite elements are refused",
	    KYSO_MAX_BER_DEPTH + 1);
	g_byte_array_unref(a);
	a = nested(1000000);
	CHECK(kyso_ber_total(a->data, a->data + a->len) == 0,
	    "a million nested indefinite elements: refused, the stack holds");
	g_byte_array_unref(a);
}

/* Every truncation and every single-octet change of der: -1 or spans
 * inside the input, never a crash. */
static void
attacker(const char *what, const GByteArray *der)
{
	size_t off[4], len[4], i, bad = 0;
	GByteArray *m = g_byte_array_new();
	int n, j, flips = 0;

	for (i = 0; i < der->len; i++)
		if (kyso_ber_signer_infos(der->data, i, off, len, 4) >= 0)
			bad++;
	CHECK(bad == 0, "%s: each of %u truncations is refused (%zu not)", what,
	    der->len, bad);
	g_byte_array_append(m, der->data, der->len);
	for (i = 0, bad = 0; i < der->len; i++) {
		static const unsigned char v[] = {0x00, 0x80, 0xff};

		for (j = 0; j < 3; j++) {
			unsigned char was = m->data[i];

			m->data[i] = v[j] == was ? (unsigned char)~was : v[j];
			n = kyso_ber_signer_infos(m->data, m->len, off, len, 4);
			for (int k = 0; k < n && k < 4; k++)
				if (off[k] > m->len || len[k] > m->len - off[k])
					bad++;
			flips++;
			m->data[i] = was;
		}
	}
	CHECK(bad == 0,
	    "%s: %d single-octet changes: every span inside the "
	    "input",
	    what, flips);
	g_byte_array_unref(m);
}

static void
signer_infos(void)
{
	size_t off[4], len[4];
	GByteArray *der = signed_data(2, 0), *ber = signed_data(3, 1);
	GByteArray *other;
	int n;

	n = kyso_ber_signer_infos(der->data, der->len, off, len, 4);
	CHECK(n == 2 && spans_hold_signatures(der, off, len, n),
	    "DER SignedData: 2 SignerInfo spans holding OpenSSL's signature "
	    "values (%d)",
	    n);
	CHECK(ber->len > 2 && ber->data[1] == 0x80,
	    "streamed SignedData is indefinite-length BER");
	n = kyso_ber_signer_infos(ber->data, ber->len, off, len, 4);
	CHECK(n == 3 && spans_hold_signatures(ber, off, len, n),
	    "BER (indefinite) SignedData: 3 SignerInfo spans (%d)", n);
	off[1] = len[1] = 12345;
	n = kyso_ber_signer_infos(ber->data, ber->len, off, len, 1);
	CHECK(n == 3 && off[1] == 12345 && len[1] == 12345,
	    "more signers than room: the count, nothing written past max");
	other = g_byte_array_new();
	g_byte_array_append(other, der->data, der->len);
	/* id-signedData ends in 0x02; make it id-data (…07 01) */
	{
		guint8 *o = memmem(other->data, other->len,
		    "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 9);

		if (o != NULL)
			o[8] = 0x01;
		CHECK(o != NULL &&
		        kyso_ber_signer_infos(other->data, other->len, off, len,
		            4) < 0,
		    "a ContentInfo of another type is refused");
	}
	CHECK(kyso_ber_signer_infos(NULL, 0, off, len, 4) < 0 &&
	        kyso_ber_signer_infos((const unsigned char *)"\x30\x00", 2, off,
	            len, 4) < 0,
	    "no input, an empty SEQUENCE: refused");
	attacker("DER", der);
	attacker("BER", ber);
	g_byte_array_unref(other);
	g_byte_array_unref(der);
	g_byte_array_unref(ber);
}

/* der with one more signer, added as cosign.c adds the seal. */
static GByteArray *
add_signer(const GByteArray *der)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = self_signed(k, "seal");
	CMS_SignerInfo *si = CMS_add1_signer(cms, x, k, EVP_sha256(),
	    CMS_REUSE_DIGEST | CMS_PARTIAL);
	unsigned char *out = NULL;
	GByteArray *a = g_byte_array_new();
	int n;

	if (si != NULL && CMS_SignerInfo_sign(si) &&
	    (n = i2d_CMS_ContentInfo(cms, &out)) > 0)
		g_byte_array_append(a, out, (guint)n);
	OPENSSL_free(out);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	EVP_PKEY_free(k);
	return a;
}

/* A SignedData with three fresh signers whose content holds the old
 * SignerInfos' bytes: they are in it, but none is one of its signers. */
static GByteArray *
smuggled(const GByteArray *old)
{
	size_t off[4], len[4];
	int n = kyso_ber_signer_infos(old->data, old->len, off, len, 4), i;
	GByteArray *content = g_byte_array_new(), *a = g_byte_array_new();
	BIO *in, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	char *data;
	long dlen;

	for (i = 0; i < n; i++)
		g_byte_array_append(content, old->data + off[i], (guint)len[i]);
	in = BIO_new_mem_buf(content->data, (int)content->len);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL);
	for (i = 0; i < 3; i++) {
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509 *x = self_signed(k, "other");

		CMS_add1_signer(cms, x, k, EVP_sha256(), CMS_BINARY);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	CMS_final(cms, in, NULL, CMS_BINARY);
	i2d_CMS_bio(out, cms);
	dlen = BIO_get_mem_data(out, &data);
	g_byte_array_append(a, (const guint8 *)data, (guint)dlen);
	BIO_free(out);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	g_byte_array_unref(content);
	return a;
}

static void
kept(void)
{
	GByteArray *old = signed_data(2, 0), *sealed = add_signer(old);
	GByteArray *evil = smuggled(old), *again = add_signer(sealed);
	size_t off[4], len[4], i;
	int n = kyso_ber_signer_infos(old->data, old->len, off, len, 4);
	int inside = 1;

	CHECK(kyso_ber_signer_infos_kept(old->data, old->len, sealed->data,
	          sealed->len, 1),
	    "a signer added as cosign.c adds the seal: both old SignerInfos "
	    "kept");
	CHECK(!kyso_ber_signer_infos_kept(old->data, old->len, sealed->data,
	          sealed->len, 0) &&
	        !kyso_ber_signer_infos_kept(old->data, old->len, again->data,
	            again->len, 1) &&
	        kyso_ber_signer_infos_kept(old->data, old->len, again->data,
	            again->len, 2),
	    "the number of added signers must be exact");
	CHECK(!kyso_ber_signer_infos_kept(sealed->data, sealed->len, old->data,
	          old->len, 1),
	    "a signer dropped: not kept");
	for (i = 0; i < (size_t)n; i++)
		inside = inside &&
		    memmem(evil->data, evil->len, old->data + off[i], len[i]);
	CHECK(n == 2 && inside &&
	        kyso_ber_signer_infos(evil->data, evil->len, off, len, 4) ==
	            3 &&
	        !kyso_ber_signer_infos_kept(old->data, old->len, evil->data,
	            evil->len, 1),
	    "old SignerInfo bytes smuggled into the content of a SignedData "
	    "of three other signers: in it, but not kept");
	g_byte_array_unref(old);
	g_byte_array_unref(sealed);
	g_byte_array_unref(evil);
	g_byte_array_unref(again);
}

int
main(void)
{
	heads();
	totals();
	signer_infos();
	kept();
	return TEST_DONE();
}
