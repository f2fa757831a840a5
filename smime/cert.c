/*
 * cert.c - facts about one certificate for verdicts and headers: e-mail
 * addresses (RFC 8550: SAN rfc822Name, else subject emailAddress), RFC 4514
 * names with every non-ASCII or control octet as \XX (REFERENCE P26),
 * serial in hex, UTF-8 attributes, and the agency/personal kind.
 *
 * Kind rule (doc/VERDICTS.md): a certificatePolicies OID in the agency
 * list makes it an agency seal, one in the personal list a personal
 * signature (agency list checked first). Otherwise: a subject with a
 * givenName, surname or pseudonym attribute, or with an organisational
 * unit and an e-mail address, is personal; anything else is of unknown
 * kind. Nothing here guesses "agency": a seal is what configuration
 * declares (policy OIDs here, the SealTable and the CertificateTable in
 * policy/seal.c).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "kyso/limits.h"
#include "kyso/smime/signer.h"
#include "verify_int.h"

/* s as UTF-8, every octet of it: an embedded NUL (the null-prefix attack:
 * "chutich@hagiang.gov.vn\0@evil.example", issued by a registration
 * authority that checks only the end) becomes a space instead of ending
 * the string, so a name shows all it holds and an address holding one
 * matches no From (a From address has no blank). */
static char *
asn1_to_utf8(const ASN1_STRING *s)
{
	unsigned char *u = NULL;
	char *r;
	int n, i;

	if ((n = ASN1_STRING_to_UTF8(&u, s)) < 0) {
		ERR_clear_error();
		return NULL;
	}
	r = g_malloc((gsize)n + 1);
	for (i = 0; i < n; i++)
		r[i] = u[i] == '\0' ? ' ' : (char)u[i];
	r[n] = '\0';
	OPENSSL_free(u);
	return r;
}

char *
kyso_cert_name_attr(const X509_NAME *n, int nid)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);

	if (i < 0)
		return NULL;
	return asn1_to_utf8(
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
}

/* The SAN rfc822Names of x as IA5 strings (borrowed via gens). */
static GENERAL_NAMES *
san_of(X509 *x)
{
	return X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
}

char *
kyso_cert_email(X509 *x)
{
	GENERAL_NAMES *gens = san_of(x);
	char *r = NULL;
	int i;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_EMAIL) {
			r = asn1_to_utf8(g->d.rfc822Name);
			break;
		}
	}
	GENERAL_NAMES_free(gens);
	if (r == NULL)
		r = kyso_cert_name_attr(X509_get_subject_name(x),
		    NID_pkcs9_emailAddress);
	ERR_clear_error();
	return r;
}

int
kyso_cert_email_matches(X509 *x, const char *addr)
{
	GENERAL_NAMES *gens;
	const X509_NAME *n;
	int i, any = 0, match = 0;
	char *e;

	if (addr == NULL || addr[0] == '\0')
		return 0;
	gens = san_of(x);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != GEN_EMAIL)
			continue;
		any = 1;
		e = asn1_to_utf8(g->d.rfc822Name);
		if (e != NULL && g_ascii_strcasecmp(e, addr) == 0)
			match = 1;
		g_free(e);
	}
	GENERAL_NAMES_free(gens);
	if (any)
		return match;
	/* RFC 8550 3: legacy emailAddress only when SAN has none */
	n = X509_get_subject_name(x);
	for (i = -1; (i = X509_NAME_get_index_by_NID(n, NID_pkcs9_emailAddress,
	                  i)) >= 0;) {
		e = asn1_to_utf8(
		    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
		if (e != NULL && g_ascii_strcasecmp(e, addr) == 0)
			match = 1;
		g_free(e);
	}
	ERR_clear_error();
	return match;
}

char *
kyso_cert_name_rfc4514(const X509_NAME *n)
{
	unsigned long fl = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *b = BIO_new(BIO_s_mem());
	GString *s = g_string_new(NULL);
	char *p = NULL;
	long len, i;

	if (b != NULL && X509_NAME_print_ex(b, n, 0, fl) >= 0) {
		len = BIO_get_mem_data(b, &p);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];

			/* RFC 4514 2.4: any octet may be \XX; we do so for
			 * all that are not printable ASCII (P26) */
			if (c >= 0x80 || c < 0x20 || c == 0x7f)
				g_string_append_printf(s, "\\%02X", c);
			else
				g_string_append_c(s, (char)c);
		}
	}
	BIO_free(b);
	ERR_clear_error();
	return g_string_free(s, FALSE);
}

char *
kyso_cert_serial_hex(X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	char *r = g_strdup(h ? h : "0");

	OPENSSL_free(h);
	BN_free(bn);
	ERR_clear_error();
	return r;
}

void
kyso_cert_serial_text(X509 *x, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn != NULL ? BN_bn2hex(bn) : NULL;

	(void)g_strlcpy(buf, h != NULL ? h : "", len);
	OPENSSL_free(h);
	BN_free(bn);
	ERR_clear_error();
}

void
kyso_cert_name_text(const X509_NAME *n, char *buf, size_t len)
{
	/* RFC 2253/4514 order and escapes, UTF-8 kept (no \XX for MSB) */
	unsigned long fl = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long got;

	buf[0] = '\0';
	if (b != NULL && X509_NAME_print_ex(b, n, 0, fl) >= 0 &&
	    (got = BIO_get_mem_data(b, &p)) > 0) {
		/* the BIO's data is not NUL-terminated */
		if ((size_t)got >= len)
			got = (long)len - 1;
		memcpy(buf, p, (size_t)got);
		buf[got] = '\0';
	}
	BIO_free(b);
	ERR_clear_error();
}

time_t
kyso_cert_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return 0;
	}
	return timegm(&tm);
}

char *
kyso_cert_fingerprint(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	GString *s = g_string_new(NULL);

	if (X509_digest(x, EVP_sha256(), md, &n))
		for (i = 0; i < n; i++)
			g_string_append_printf(s, "%02x", md[i]);
	ERR_clear_error();
	return g_string_free(s, FALSE);
}

/* 1 when a certificatePolicies OID of x is in list. */
static int
has_policy(X509 *x, const GPtrArray *list)
{
	CERTIFICATEPOLICIES *pol;
	char buf[128];
	int i, found = 0;
	guint j;

	if (list == NULL || list->len == 0)
		return 0;
	pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	for (i = 0; pol != NULL && i < sk_POLICYINFO_num(pol) && !found; i++) {
		POLICYINFO *pi = sk_POLICYINFO_value(pol, i);

		if (OBJ_obj2txt(buf, sizeof(buf), pi->policyid, 1) <= 0)
			continue;
		for (j = 0; j < list->len; j++)
			if (strcmp(buf, g_ptr_array_index(list, j)) == 0)
				found = 1;
	}
	CERTIFICATEPOLICIES_free(pol);
	ERR_clear_error();
	return found;
}

int
kyso_cert_names_person(X509 *x)
{
	const X509_NAME *n = X509_get_subject_name(x);

	return X509_NAME_get_index_by_NID(n, NID_givenName, -1) >= 0 ||
	    X509_NAME_get_index_by_NID(n, NID_surname, -1) >= 0 ||
	    X509_NAME_get_index_by_NID(n, NID_pseudonym, -1) >= 0;
}

char *
kyso_cert_subject_text(X509 *x)
{
	char buf[KYSO_MAX_SUBJECT_TEXT];

	kyso_cert_name_text(X509_get_subject_name(x), buf, sizeof(buf));
	return g_strdup(buf);
}

enum kyso_cert_kind
kyso_cert_kind(const struct kyso_trust *t, X509 *x)
{
	const X509_NAME *n = X509_get_subject_name(x);
	char *email;
	int personal;

	if (t != NULL && has_policy(x, t->agency_oids))
		return KYSO_KIND_AGENCY;
	if (t != NULL && has_policy(x, t->personal_oids))
		return KYSO_KIND_PERSONAL;
	/* default rule: a person's name, or a unit plus a mailbox */
	personal = kyso_cert_names_person(x);
	if (!personal &&
	    X509_NAME_get_index_by_NID(n, NID_organizationalUnitName, -1) >=
	        0) {
		email = kyso_cert_email(x);
		personal = email != NULL;
		g_free(email);
	}
	return personal ? KYSO_KIND_PERSONAL : KYSO_KIND_UNKNOWN;
}

const char *
kyso_cert_kind_name(enum kyso_cert_kind k)
{
	static const char *const names[] = {
	    [KYSO_KIND_UNKNOWN] = "unknown",
	    [KYSO_KIND_AGENCY] = "agency",
	    [KYSO_KIND_PERSONAL] = "personal",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[k];
}
