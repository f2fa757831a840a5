/*
 * test_cert.c - smime/cert.c, the facts verdicts are built on: the
 * certificate kind (policy OIDs, else a person's name; never a guessed
 * agency seal), the e-mail address and its match with From (RFC 8550 3:
 * subjectAltName first, a subject emailAddress only when the SAN has
 * none), the SHA-256 fingerprint the SealTable names, RFC 4514 names with
 * every non-ASCII or control octet as \XX, the serial in hex.
 * Certificates are made here, in memory, with OpenSSL.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "verify_int.h"

static EVP_PKEY *key;

/* certificatePolicies from a comma list of dotted OIDs (the conf-string
 * form needs a configuration database). */
static void
add_policies(X509 *x, const char *list)
{
	CERTIFICATEPOLICIES *pol = sk_POLICYINFO_new_null();
	char **oids = g_strsplit(list, ",", -1);
	int i;

	for (i = 0; oids[i] != NULL; i++) {
		POLICYINFO *pi = POLICYINFO_new();

		ASN1_OBJECT_free(pi->policyid);
		pi->policyid = OBJ_txt2obj(oids[i], 1);
		sk_POLICYINFO_push(pol, pi);
	}
	X509_add1_ext_i2d(x, NID_certificate_policies, pol, 0, 0);
	sk_POLICYINFO_pop_free(pol, POLICYINFO_free);
	g_strfreev(oids);
}

/* A certificate with subject attributes attrs ("CN=..", NULL-ended pairs
 * as "field", "value"), optional extensions "name", "value" pairs. */
static X509 *
make(const char *const *attrs, const char *const *exts, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	int i;

	for (i = 0; attrs[i] != NULL; i += 2)
		X509_NAME_add_entry_by_txt(n, attrs[i], MBSTRING_UTF8,
		    (const unsigned char *)attrs[i + 1], -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (i = 0; exts != NULL && exts[i] != NULL; i += 2) {
		X509_EXTENSION *e;

		if (strcmp(exts[i], "certificatePolicies") == 0) {
			add_policies(x, exts[i + 1]);
			continue;
		}
		e = X509V3_EXT_conf(NULL, &ctx, exts[i], exts[i + 1]);

		if (e != NULL)
			X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static const char *
kind_of(const struct kyso_trust *t, X509 *x)
{
	return kyso_cert_kind_name(kyso_cert_kind(t, x));
}

/* A certificate whose SAN rfc822Name, subject emailAddress and CN hold an
 * embedded NUL octet (len bytes each): the null-prefix attack on names
 * (a registration authority that checks "ends with @evil.example" issues
 * "chutich@hagiang.gov.vn\0@evil.example"). */
static X509 *
make_nul(const char *san, int san_len, const char *cn, int cn_len,
    const char *mail, int mail_len)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g;
	ASN1_IA5STRING *ia5;

	X509_NAME_add_entry_by_NID(n, NID_commonName, V_ASN1_UTF8STRING,
	    (const unsigned char *)cn, cn_len, -1, 0);
	if (mail != NULL)
		X509_NAME_add_entry_by_NID(n, NID_pkcs9_emailAddress,
		    V_ASN1_IA5STRING, (const unsigned char *)mail, mail_len, -1,
		    0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 10);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (san != NULL) {
		ia5 = ASN1_IA5STRING_new();
		ASN1_STRING_set(ia5, san, san_len);
		g = GENERAL_NAME_new();
		GENERAL_NAME_set0_value(g, GEN_EMAIL, ia5);
		sk_GENERAL_NAME_push(gens, g);
		X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
	}
	GENERAL_NAMES_free(gens);
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

int
main(void)
{
	const char *agency_oid = "1.3.6.1.4.1.55555.1.1";
	const char *personal_oid = "1.3.6.1.4.1.55555.1.2";
	struct kyso_trust t;
	X509 *seal, *person, *unit, *company, *oid_a, *oid_p, *both, *legacy,
	    *spoof;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char *s, hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int i;

	key = EVP_RSA_gen(2048);
	memset(&t, 0, sizeof(t));
	t.agency_oids = g_ptr_array_new();
	t.personal_oids = g_ptr_array_new();
	g_ptr_array_add(t.agency_oids, (gpointer)agency_oid);
	g_ptr_array_add(t.personal_oids, (gpointer)personal_oid);

	seal = make((const char *const[]){"C", "VN", "O", "UBND tỉnh Hà Giang",
	                "CN", "Ủy ban nhân dân tỉnh Hà Giang", NULL},
	    NULL, 1);
	person = make((const char *const[]){"CN", "Nguyễn Văn An", "GN", "An",
	                  "SN", "Nguyễn", NULL},
	    (const char *const[]){"subjectAltName",
	        "email:nguyenvanan@sotttt.hagiang.gov.vn", NULL},
	    2);
	unit = make((const char *const[]){"OU", "Văn phòng", "CN", "Văn thư",
	                "emailAddress", "vanthu@sotttt.hagiang.gov.vn", NULL},
	    NULL, 3);
	company = make((const char *const[]){"O", "Cong ty TNHH ABC", "CN",
	                   "Cong ty TNHH ABC", NULL},
	    NULL, 4);
	oid_a = make((const char *const[]){"CN", "Sở TT&TT", "GN", "X", NULL},
	    (const char *const[]){"certificatePolicies", agency_oid, NULL}, 5);
	oid_p = make((const char *const[]){"CN", "Cán bộ", NULL},
	    (const char *const[]){"certificatePolicies", personal_oid, NULL},
	    6);
	both = make((const char *const[]){"CN", "Both", NULL},
	    (const char *const[]){"certificatePolicies",
	        "1.3.6.1.4.1.55555.1.2,1.3.6.1.4.1.55555.1.1", NULL},
	    7);
	legacy = make((const char *const[]){"CN", "Legacy", "emailAddress",
	                  "Legacy@Hagiang.Gov.VN", NULL},
	    NULL, 0x2A05F8);
	/* subject emailAddress is the From, the SAN another address */
	spoof = make((const char *const[]){"CN", "Spoof", "emailAddress",
	                 "chutich@hagiang.gov.vn", NULL},
	    (const char *const[]){"subjectAltName", "email:x@example.org",
	        NULL},
	    9);

	/* kind */
	CHECK(strcmp(kind_of(NULL, seal), "unknown") == 0 &&
	        strcmp(kind_of(&t, seal), "unknown") == 0,
	    "an organisation's subject without a declaring OID is of "
	    "unknown kind, never a guessed agency seal");
	CHECK(strcmp(kind_of(&t, company), "unknown") == 0,
	    "a company certificate is not an agency seal");
	CHECK(strcmp(kind_of(NULL, person), "personal") == 0,
	    "givenName/surname: personal");
	CHECK(strcmp(kind_of(NULL, unit), "personal") == 0,
	    "OU plus an e-mail address: personal");
	CHECK(strcmp(kind_of(&t, oid_a), "agency") == 0 &&
	        strcmp(kind_of(NULL, oid_a), "personal") == 0,
	    "the agency policy OID makes a seal, over the name rule; "
	    "without the OID list the name rule applies");
	CHECK(strcmp(kind_of(&t, oid_p), "personal") == 0,
	    "the personal policy OID");
	CHECK(strcmp(kind_of(&t, both), "agency") == 0,
	    "both OIDs: the agency list is checked first");

	/* e-mail */
	s = kyso_cert_email(person);
	CHECK(s != NULL && strcmp(s, "nguyenvanan@sotttt.hagiang.gov.vn") == 0,
	    "SAN rfc822Name is the e-mail: %s", s ? s : "(none)");
	g_free(s);
	s = kyso_cert_email(seal);
	CHECK(s == NULL, "no SAN, no emailAddress: no e-mail");
	g_free(s);
	CHECK(kyso_cert_email_matches(legacy, "legacy@hagiang.gov.vn") &&
	        !kyso_cert_email_matches(legacy, "other@hagiang.gov.vn") &&
	        !kyso_cert_email_matches(legacy, "") &&
	        !kyso_cert_email_matches(legacy, NULL),
	    "legacy subject emailAddress matches, case-insensitively");
	CHECK(kyso_cert_email_matches(person,
	          "NguyenVanAn@SoTTTT.Hagiang.gov.vn"),
	    "SAN match is case-insensitive");
	CHECK(!kyso_cert_email_matches(spoof, "chutich@hagiang.gov.vn") &&
	        kyso_cert_email_matches(spoof, "x@example.org"),
	    "a subject emailAddress does not count beside a SAN e-mail "
	    "(RFC 8550 3): no From match through it");
	CHECK(!kyso_cert_email_matches(person,
	          "nguyenvanan@sotttt.hagiang.gov"),
	    "a prefix of the address does not match");

	/* an embedded NUL ends nothing: the name is all its octets, the NUL
	 * shown as a space (a control character, doc/VERDICTS.md), and an
	 * address holding one is nobody's address */
	{
		static const char san[] =
		    "chutich@hagiang.gov.vn\0@evil.example";
		static const char cn[] = "Ủy ban nhân dân tỉnh Hà Giang\0(giả)";
		static const char mail[] =
		    "vanthu@hagiang.gov.vn\0.evil.example";
		X509 *nul = make_nul(san, (int)sizeof(san) - 1, cn,
		    (int)sizeof(cn) - 1, NULL, 0);
		X509 *nulmail = make_nul(NULL, 0, cn, (int)sizeof(cn) - 1, mail,
		    (int)sizeof(mail) - 1);

		CHECK(!kyso_cert_email_matches(nul, "chutich@hagiang.gov.vn"),
		    "a SAN e-mail with an embedded NUL does not match the "
		    "address before the NUL");
		CHECK(!kyso_cert_email_matches(nulmail,
		          "vanthu@hagiang.gov.vn"),
		    "nor does a subject emailAddress with one");
		s = kyso_cert_email(nul);
		CHECK(s != NULL &&
		        strcmp(s, "chutich@hagiang.gov.vn @evil.example") == 0,
		    "the e-mail shown is the whole SAN value: %s",
		    s ? s : "(none)");
		g_free(s);
		s = kyso_cert_name_attr(X509_get_subject_name(nul),
		    NID_commonName);
		CHECK(s != NULL &&
		        strcmp(s, "Ủy ban nhân dân tỉnh Hà Giang (giả)") == 0,
		    "a common name with an embedded NUL is shown whole: %s",
		    s ? s : "(none)");
		g_free(s);
		X509_free(nul);
		X509_free(nulmail);
	}

	/* fingerprint */
	s = kyso_cert_fingerprint(seal);
	X509_digest(seal, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	CHECK(strlen(s) == 64 && strcmp(s, hex) == 0,
	    "fingerprint: SHA-256 of the DER, 64 lower-case hex digits");
	g_free(s);

	/* names and serial */
	s = kyso_cert_name_rfc4514(X509_get_subject_name(seal));
	CHECK(strstr(s, "CN=\\C3\\A1\\BB\\A6y") == NULL &&
	        strstr(s, "\\E1\\BB\\A6y ban") != NULL &&
	        strstr(s, "C=VN") != NULL &&
	        strspn(s,
	            " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRS"
	            "TUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") ==
	            strlen(s),
	    "RFC 4514 name is printable ASCII, UTF-8 octets as \\XX: %s", s);
	g_free(s);
	s = kyso_cert_name_attr(X509_get_subject_name(seal), NID_commonName);
	CHECK(s != NULL && strcmp(s, "Ủy ban nhân dân tỉnh Hà Giang") == 0,
	    "UTF-8 common name");
	g_free(s);
	s = kyso_cert_serial_hex(legacy);
	CHECK(strcmp(s, "2A05F8") == 0, "serial in upper-case hex: %s", s);
	g_free(s);

	X509_free(seal);
	X509_free(person);
	X509_free(unit);
	X509_free(company);
	X509_free(oid_a);
	X509_free(oid_p);
	X509_free(both);
	X509_free(legacy);
	X509_free(spoof);
	g_ptr_array_free(t.agency_oids, TRUE);
	g_ptr_array_free(t.personal_oids, TRUE);
	EVP_PKEY_free(key);
	return TEST_DONE();
}
