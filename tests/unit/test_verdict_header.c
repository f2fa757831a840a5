/*
 * test_verdict_header.c - the X-Kyso-Verdict value can never carry raw
 * 8-bit bytes or an attacker-chosen line break: a signer name with
 * "\r\nX-Injected: 1", C0/C1 controls and invalid UTF-8 comes out as
 * ASCII encoded-words folded with LF+TAB below 78 columns, and decodes
 * back to the cleaned text.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "kyso/verdict.h"
#include "harness.h"

static int
safe(const char *v)
{
	size_t col = 16; /* "X-Kyso-Verdict: " */
	const char *p;

	for (p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t'))
			return 0;
		if (c == '\n') {
			if (p[1] != '\t')
				return 0;
			col = 0;
		} else if (++col >= 78)
			return 0;
	}
	return 1;
}

static char *
decode(const char *v)
{
	char *u = g_mime_utils_header_unfold(v);
	char *d = g_mime_utils_header_decode_text(NULL, u);

	g_free(u);
	return d;
}

int
main(void)
{
	struct kyso_signer_info si;
	struct kyso_verify_result r;
	struct kyso_verdict v;
	char *enc, *dec, *cl;
	const char *evil = "Nguy\xe1\xbb\x85n\r\nX-Injected: 1\t\x01\x7f\xc2\x85"
			   "\xe2\x80\xa8\xff End";

	g_mime_init();
	cl = kyso_verdict_header_clean(evil);
	CHECK(strpbrk(cl, "\r\n\t\x01\x7f") == NULL &&
		  strstr(cl, "\xc2\x85") == NULL && strstr(cl, "\xe2\x80\xa8") == NULL &&
		  g_utf8_validate(cl, -1, NULL),
	    "clean removes C0, DEL, C1, LS and invalid UTF-8: [%s]", cl);
	CHECK(strncmp(cl, "Nguy\xe1\xbb\x85n", 8) == 0,
	    "clean keeps Vietnamese letters");

	enc = kyso_verdict_header_encode(evil);
	CHECK(safe(enc), "encoded evil name is ASCII, LF+TAB folded, < 78: %s",
	    enc);
	dec = decode(enc);
	CHECK(strcmp(dec, cl) == 0, "decodes to the cleaned text: [%s]", dec);
	g_free(enc);
	g_free(dec);

	enc = kyso_verdict_header_encode("");
	CHECK(strcmp(enc, "=?UTF-8?Q?" "?=") == 0, "empty text: one empty word");
	g_free(enc);

	/* a whole verdict around the evil signer */
	memset(&si, 0, sizeof(si));
	memset(&r, 0, sizeof(r));
	memset(&v, 0, sizeof(v));
	si.signature_ok = si.chain_ok = si.valid_now = si.ku_ok = si.eku_ok = 1;
	si.email_matches = 1;
	si.email = (char *)"a@b.vn\r\nBcc: x@y";
	si.subject_cn = (char *)evil;
	si.issuer_cn = (char *)"CA ph\xe1\xbb\xa5\x63 v\xe1\xbb\xa5";
	si.revocation = KYSO_REV_GOOD;
	si.revocation_note = (char *)"OCSP: good\n";
	si.kind = KYSO_KIND_PERSONAL;
	si.signing_time = 1772413200; /* 2026-03-02 01:00 UTC */
	si.not_before = 1767225600;
	si.not_after = 1861920000;
	r.found = r.whole = 1;
	r.part = (char *)"TEXT";
	r.nsigners = 1;
	r.signers = &si;
	kyso_inbound_judge(&r, "a@b.vn", 0, &v);
	CHECK(strcmp(v.result, "pass") == 0, "judged pass");
	enc = kyso_verdict_header_format(&r, &v);
	CHECK(safe(enc), "verdict header safe");
	dec = decode(enc);
	CHECK(g_str_has_prefix(dec, "Hợp lệ / Valid: chữ ký cá nhân / personal "
				    "signature \"Nguyễn  X-Injected: 1"),
	    "verdict names kind and signer: %s", dec);
	CHECK(strstr(dec, "2026-03-02 01:00 UTC") != NULL &&
		  strstr(dec, "tốt / good (OCSP: good )") != NULL &&
		  strstr(dec, "CA phục vụ") != NULL && strchr(dec, '\n') == NULL,
	    "signing time, revocation, issuer shown; no line break");
	g_free(enc);
	g_free(dec);
	kyso_inbound_verdict_clear(&v);

	/* own domain, unsigned */
	memset(&r, 0, sizeof(r));
	kyso_inbound_judge(&r, "x@hagiang.gov.vn", 0, &v);
	v.own_domain = 1;
	enc = kyso_verdict_header_format(&r, &v);
	dec = decode(enc);
	CHECK(strcmp(v.result, "none") == 0 &&
		  g_str_has_prefix(dec, "Cảnh báo: thư mang địa chỉ của tỉnh nhưng "
					"không có chữ ký số hợp lệ / Warning:"),
	    "own-domain unsigned warning: %s", dec);
	g_free(enc);
	g_free(dec);
	kyso_inbound_verdict_clear(&v);
	g_free(cl);
	return TEST_DONE();
}
