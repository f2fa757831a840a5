/*
 * test_verify_find.c - smime/verify_find.c, where the signature of a message
 * is in its raw bytes and what it covers: detached (the signed bytes are
 * exactly those between the first delimiter line and the line end before
 * the second; the signature part and the close are located for co-signing),
 * opaque, partial (IMAP part numbers, RFC 7281), nested and forwarded,
 * encrypted, and the malformed shapes (parts missing or extra, no boundary,
 * a second part of another type, a structure field twice, nesting too
 * deep). Messages are written here; the opaque SignedData is made with
 * OpenSSL in memory.
 */
#include <string.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "harness.h"
#include "verify_int.h"

#define SIGPART                                                                \
	"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"        \
	"Content-Transfer-Encoding: base64\r\n"                                \
	"\r\n"                                                                 \
	"AAEC\r\n"

#define SIGNED(b)                                                              \
	"Content-Type: multipart/signed; "                                     \
	"protocol=\"application/pkcs7-signature\"; micalg=sha-256; "           \
	"boundary=\"" b "\"\r\n"                                               \
	"\r\n"                                                                 \
	"preamble\r\n"                                                         \
	"--" b "\r\n"                                                          \
	"Content-Type: text/plain\r\n"                                         \
	"\r\n"                                                                 \
	"signed text\r\n"                                                      \
	"--" b "\r\n" SIGPART "--" b "--\r\n"

static const char signed_content[] = "Content-Type: text/plain\r\n"
                                     "\r\n"
                                     "signed text";

/* Run kyso_verify_find over s; the result stays in f. */
static void
find(const char *s, struct kyso_found *f)
{
	kyso_verify_find(s, strlen(s), f);
}

static int
is(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
detached(void)
{
	const char *m = "From: a@b\r\nMIME-Version: 1.0\r\n" SIGNED("B1");
	const char *lf = "Content-Type: multipart/signed; "
	                 "protocol=\"application/x-pkcs7-signature\"; "
	                 "boundary=B\n\n--B\nsigned\n--B\n"
	                 "Content-Type: application/x-pkcs7-signature\n"
	                 "Content-Transfer-Encoding: base64\n\nAAEC\n--B--\n";
	struct kyso_found f;

	find(m, &f);
	CHECK(f.found && f.whole && !f.opaque && !f.malformed && !f.encrypted &&
	        is(f.part, "TEXT"),
	    "detached at the top: found, whole, part TEXT");
	CHECK(f.content != NULL && f.content_len == strlen(signed_content) &&
	        memcmp(f.content, signed_content, f.content_len) == 0 &&
	        f.content == strstr(m, "Content-Type: text/plain"),
	    "the signed bytes are those in the message, without the line end "
	    "before the delimiter");
	CHECK(f.cms_der != NULL && f.cms_der->len == 3 &&
	        memcmp(f.cms_der->data, "\x00\x01\x02", 3) == 0,
	    "the signature part's base64 is decoded");
	CHECK(f.sig_part == strstr(m, "Content-Type: application/pkcs7-sig") &&
	        f.sig_part_len == strlen(SIGPART) - 2 && !f.malformed,
	    "the signature part (up to the line end before the close) and "
	    "the close are located");
	kyso_verify_found_clear(&f);

	find(lf, &f);
	CHECK(f.found && f.whole && !f.malformed && f.content_len == 6 &&
	        memcmp(f.content, "signed", 6) == 0 && !f.malformed,
	    "LF line ends, x-pkcs7-signature: the same, without the LF");
	kyso_verify_found_clear(&f);
}

static GByteArray *
opaque_der(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	BIO *in = BIO_new_mem_buf("Content-Type: text/plain\r\n\r\nhi\r\n", -1);
	CMS_ContentInfo *cms;
	unsigned char *der = NULL;
	GByteArray *a = g_byte_array_new();
	int len;

	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"opaque", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	cms = CMS_sign(x, k, NULL, in, CMS_BINARY);
	len = i2d_CMS_ContentInfo(cms, &der);
	g_byte_array_append(a, der, (guint)len);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(x);
	EVP_PKEY_free(k);
	return a;
}

static void
opaque(void)
{
	GByteArray *der = opaque_der();
	gchar *b64 = g_base64_encode(der->data, der->len);
	char *m = g_strdup_printf("Content-Type: application/pkcs7-mime; "
	                          "smime-type=signed-data; name=smime.p7m\r\n"
	                          "Content-Transfer-Encoding: base64\r\n\r\n"
	                          "%s\r\n",
	    b64);
	char *junk = g_strdup_printf("Content-Type: application/pkcs7-mime; "
	                             "smime-type=signed-data\r\n"
	                             "Content-Transfer-Encoding: base64\r\n\r\n"
	                             "AAEC\r\n");
	char *env = g_strdup("Content-Type: application/pkcs7-mime; "
	                     "smime-type=enveloped-data\r\n\r\nxx\r\n");
	char *p7m = g_strdup_printf("Content-Type: multipart/mixed; "
	                            "boundary=X\r\n\r\n--X\r\n\r\ntext\r\n"
	                            "--X\r\nContent-Type: "
	                            "application/octet-stream; name=a.p7m\r\n"
	                            "Content-Transfer-Encoding: base64\r\n\r\n"
	                            "%s\r\n--X--\r\n",
	    b64);
	struct kyso_found f;

	find(m, &f);
	CHECK(f.found && f.whole && f.opaque && !f.malformed &&
	        is(f.part, "TEXT") && f.cms_der != NULL &&
	        f.cms_der->len == der->len &&
	        memcmp(f.cms_der->data, der->data, der->len) == 0 &&
	        f.content == NULL,
	    "opaque signed-data at the top: found, whole, the DER decoded");
	kyso_verify_found_clear(&f);
	find(junk, &f);
	CHECK(f.found && f.opaque && f.malformed &&
	        strstr(f.malformed_reason, "not a CMS SignedData") != NULL,
	    "signed-data that is no SignedData: malformed");
	kyso_verify_found_clear(&f);
	find(env, &f);
	CHECK(!f.found && f.encrypted,
	    "enveloped-data: encrypted, no "
	    "signature");
	kyso_verify_found_clear(&f);
	find(p7m, &f);
	CHECK(f.found && !f.whole && f.opaque && is(f.part, "2"),
	    "a .p7m octet-stream in part 2: partial, part 2");
	kyso_verify_found_clear(&f);
	g_free(m);
	g_free(junk);
	g_free(env);
	g_free(p7m);
	g_free(b64);
	g_byte_array_unref(der);
}

static void
partial(void)
{
	const char *mixed =
	    "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	    "--M\r\nContent-Type: text/plain\r\n\r\nunsigned\r\n"
	    "--M\r\n" SIGNED("B1") "\r\n--M--\r\n";
	const char *deep = "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	                   "--M\r\nContent-Type: multipart/alternative; "
	                   "boundary=A\r\n\r\n--A\r\n\r\nx\r\n--A\r\n" SIGNED(
	                       "B2") "\r\n--A--\r\n--M--\r\n";
	const char *fwd = "Content-Type: message/rfc822\r\n\r\n"
	                  "From: x@y\r\n" SIGNED("B3");
	const char *fwd2 = "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
	                   "--M\r\n\r\nsee below\r\n--M\r\n"
	                   "Content-Type: message/rfc822\r\n\r\n"
	                   "From: x@y\r\n" SIGNED("B4") "\r\n--M--\r\n";
	struct kyso_found f;

	find(mixed, &f);
	CHECK(f.found && !f.whole && !f.malformed && is(f.part, "2"),
	    "signed part 2 of a multipart/mixed: partial, part 2 (%s)",
	    f.part ? f.part : "-");
	kyso_verify_found_clear(&f);
	find(deep, &f);
	CHECK(f.found && !f.whole && is(f.part, "1.2"),
	    "signed inside part 1: part 1.2 (%s)", f.part ? f.part : "-");
	kyso_verify_found_clear(&f);
	find(fwd, &f);
	CHECK(f.found && !f.whole && is(f.part, "1"),
	    "a forwarded signed message at the top: never whole, part 1 (%s)",
	    f.part ? f.part : "-");
	kyso_verify_found_clear(&f);
	find(fwd2, &f);
	CHECK(f.found && !f.whole && is(f.part, "2"),
	    "a signed message forwarded in part 2: part 2 (%s)",
	    f.part ? f.part : "-");
	kyso_verify_found_clear(&f);
}

/* A multipart/signed with `body` after its header. */
static void
malformed_case(const char *what, const char *ct, const char *body,
    const char *why)
{
	char *m = g_strdup_printf("Content-Type: %s\r\n\r\n%s", ct, body);
	struct kyso_found f;

	find(m, &f);
	CHECK(f.found && f.malformed && f.malformed_reason != NULL &&
	        strstr(f.malformed_reason, why) != NULL,
	    "%s: malformed: %s", what,
	    f.malformed_reason ? f.malformed_reason : "-");
	kyso_verify_found_clear(&f);
	g_free(m);
}

static void
malformed(void)
{
	const char *ct = "multipart/signed; "
	                 "protocol=\"application/pkcs7-signature\"; boundary=B";
	char *deep;
	GString *s;
	struct kyso_found f;
	int i;

	malformed_case("one part", ct, "--B\r\n\r\nx\r\n--B--\r\n",
	    "fewer than two parts");
	malformed_case("three parts", ct,
	    "--B\r\n\r\nx\r\n--B\r\n" SIGPART "--B\r\n\r\ny\r\n--B--\r\n",
	    "more than two parts");
	malformed_case("no boundary",
	    "multipart/signed; protocol=\"application/pkcs7-signature\"", "",
	    "without boundary");
	malformed_case("second part text", ct,
	    "--B\r\n\r\nx\r\n--B\r\nContent-Type: text/plain\r\n\r\ny\r\n"
	    "--B--\r\n",
	    "not application/pkcs7-signature");
	malformed_case("Content-Type twice at the top",
	    "text/plain\r\nContent-Type: multipart/signed; "
	    "protocol=\"application/pkcs7-signature\"; boundary=B",
	    "--B\r\n\r\nx\r\n--B\r\n" SIGPART "--B--\r\n",
	    "duplicate Content-Type at the top level");
	malformed_case("CTE twice in the signature part", ct,
	    "--B\r\n\r\nx\r\n--B\r\nContent-Type: application/pkcs7-signature"
	    "\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\nAAEC\r\n--B--\r\n",
	    "duplicate Content-Transfer-Encoding in part 2");

	find("Content-Type: multipart/signed; protocol=\"application/"
	     "pgp-signature\"; boundary=B\r\n\r\n--B\r\n\r\nx\r\n--B\r\n"
	     "Content-Type: application/pgp-signature\r\n\r\ny\r\n--B--\r\n",
	    &f);
	CHECK(!f.found && !f.malformed, "OpenPGP multipart/signed: not ours");
	kyso_verify_found_clear(&f);
	find("Content-Type: multipart/signed; protocol=\"application/"
	     "pkcs7-signature\"; "
	     "boundary=B\r\n\r\n--B\r\n\r\nx\r\n--B\r\n" SIGPART
	     "--B\r\n\r\ntrailing part, no close\r\n",
	    &f);
	CHECK(f.found && f.malformed && f.malformed_reason != NULL &&
	        strstr(f.malformed_reason, "more than two parts") != NULL,
	    "an unclosed third part after the signature part is read as "
	    "GMime and clients read it (three parts): malformed (%s)",
	    f.malformed_reason ? f.malformed_reason : "");
	kyso_verify_found_clear(&f);
	find("Content-Type: multipart/signed; protocol=\"application/"
	     "pkcs7-signature\"; "
	     "boundary=B\r\n\r\n--B\r\n\r\nx\r\n--B\r\n" SIGPART,
	    &f);
	CHECK(f.found && f.malformed && f.malformed_reason != NULL &&
	        strstr(f.malformed_reason, "close delimiter") != NULL,
	    "no close delimiter after the signature part: malformed (%s)",
	    f.malformed_reason ? f.malformed_reason : "");
	kyso_verify_found_clear(&f);

	/* "--B--x" is no close delimiter (RFC 2046: only blanks may follow
	 * "--B--"), and GMime and clients read on: a third part after it is
	 * shown by the recipient's client, so the message is malformed, never
	 * closed where the attacker's visible part begins */
	find("Content-Type: multipart/signed; protocol=\"application/"
	     "pkcs7-signature\"; "
	     "boundary=B\r\n\r\n--B\r\n\r\nx\r\n--B\r\n" SIGPART
	     "--B--x\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
	     "unsigned text the client shows\r\n--B--\r\n",
	    &f);
	CHECK(f.found && f.malformed && f.malformed_reason != NULL &&
	        strstr(f.malformed_reason, "more than two parts") != NULL,
	    "\"--B--x\" does not close the multipart: the third part after it "
	    "is seen (%s)",
	    f.malformed_reason ? f.malformed_reason : "");
	kyso_verify_found_clear(&f);

	/* a signature below more multiparts than we follow */
	s = g_string_new(NULL);
	for (i = 0; i < KYSO_MAX_MIME_DEPTH + 2; i++)
		g_string_append_printf(s,
		    "Content-Type: multipart/mixed; boundary=L%d\r\n\r\n"
		    "--L%d\r\n",
		    i, i);
	g_string_append(s, SIGNED("BD"));
	deep = g_string_free(s, FALSE);
	find(deep, &f);
	CHECK(!f.found,
	    "a signature nested deeper than %d levels is not "
	    "found",
	    KYSO_MAX_MIME_DEPTH);
	kyso_verify_found_clear(&f);
	g_free(deep);

	kyso_verify_find(NULL, 0, &f);
	CHECK(!f.found && !f.malformed, "no message at all: nothing found");
	kyso_verify_found_clear(&f);
	CHECK(kyso_verify_has_signature(SIGNED("B5"), strlen(SIGNED("B5"))) &&
	        !kyso_verify_has_signature("Subject: x\r\n\r\nhi\r\n", 18),
	    "kyso_verify_has_signature");
}

int
main(void)
{
	kyso_mime_init();
	detached();
	opaque();
	partial();
	malformed();
	kyso_mime_shutdown();
	return TEST_DONE();
}
