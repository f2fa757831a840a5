/*
 * test_verdict_header.c - the X-Kyso-Verdict value can never carry raw
 * 8-bit bytes or an attacker-chosen line break: a signer name with
 * "\r\nX-Injected: 1", C0/C1 controls and invalid UTF-8 comes out as
 * ASCII encoded-words folded with LF+TAB below 78 columns, and decodes
 * back to the cleaned text.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "kyso/policy/verdict.h"
#include "harness.h"

static int
safe(const char *v)
{
	size_t col = 16; /* "X-Kyso-Verdict: " */
	const char *p;

	for (p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c >= 0x80 ||
		    (c < 0x20 && c != '\n' && c != '\t'))
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
	const char *evil =
	    "Nguy\xe1\xbb\x85n\r\nX-Injected: 1\t\x01\x7f\xc2\x85"
	    "\xe2\x80\xa8\xff End";

	g_mime_init();
	cl = kyso_verdict_header_clean(evil);
	CHECK(strpbrk(cl, "\r\n\t\x01\x7f") == NULL &&
	        strstr(cl, "\xc2\x85") == NULL &&
	        strstr(cl, "\xe2\x80\xa8") == NULL &&
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
	CHECK(strcmp(enc,
	          "=?UTF-8?Q?"
	          "?=") == 0,
	    "empty text: one empty word");
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
	kyso_inbound_judge(NULL, &r, "a@b.vn", 0, &v);
	CHECK(v.result == KYSO_RES_PASS, "judged pass");
	enc = kyso_verdict_header_format(&r, &v);
	CHECK(safe(enc), "verdict header safe");
	dec = decode(enc);
	CHECK(g_str_has_prefix(dec,
	          "Hợp lệ / Valid: chữ ký cá nhân / personal "
	          "signature \"Nguyễn  X-Injected: 1"),
	    "verdict names kind and signer: %s", dec);
	CHECK(strstr(dec,
	          "ký lúc (tự khai) / signed (claimed) 2026-03-02 01:00 "
	          "UTC") != NULL &&
	        strstr(dec,
	            "Không được ký / Not signed: Tiêu đề, Người nhận, "
	            "Ngày / Subject, To, Date") != NULL &&
	        strstr(dec, "Người gửi") == NULL,
	    "a pass says the time is claimed and which fields are not "
	    "signed (From is: the certificate names it)");
	CHECK(strstr(dec, "2026-03-02 01:00 UTC") != NULL &&
	        strstr(dec, "tốt / good (OCSP: good )") != NULL &&
	        strstr(dec, "CA phục vụ") != NULL && strchr(dec, '\n') == NULL,
	    "signing time, revocation, issuer shown; no line break");
	g_free(enc);
	g_free(dec);
	kyso_inbound_verdict_clear(&v);

	/* bidirectional and invisible format characters are dropped: a name
	 * must not display other text than it holds */
	g_free(cl);
	cl = kyso_verdict_header_clean(
	    "UBND \xe2\x80\xaeGNAIG\xe2\x80\xac"
	    "\xe2\x80\x8bHa\xe2\x81\xa6Giang\xef\xbb\xbf"
	    "\xe2\x80\x8f!\xe2\x81\xa9");
	CHECK(strcmp(cl, "UBND GNAIGHaGiang!") == 0,
	    "RLO/PDF, ZWSP, LRI/PDI, BOM, RLM removed: [%s]", cl);

	/* two signers, one expired: not valid, each named with its result,
	 * the good one never called valid, no kind for the untrusted */
	{
		struct kyso_signer_info two[2];

		two[0] = si;
		two[0].email = (char *)"a@b.vn";
		two[0].subject_cn = (char *)"Good";
		two[1] = two[0];
		two[1].subject_cn = (char *)"Old";
		two[1].valid_now = 0;
		r.nsigners = 2;
		r.signers = two;
		kyso_inbound_judge(NULL, &r, "a@b.vn", 0, &v);
		enc = kyso_verdict_header_format(&r, &v);
		dec = decode(enc);
		CHECK(v.result == KYSO_RES_POLICY &&
		        g_str_has_prefix(dec,
		            "Không hợp lệ / Not valid (policy): "
		            "chứng thư hết hạn") &&
		        strstr(dec,
		            "[1] không hợp lệ / not valid (policy: một "
		            "chữ ký khác trên thư này không hợp lệ") != NULL &&
		        strstr(dec,
		            "[2] không hợp lệ / not valid (policy: "
		            "chứng thư hết hạn") != NULL &&
		        strstr(dec, "hợp lệ / valid:") == NULL &&
		        strstr(dec, "Not signed") == NULL,
		    "one expired signer: the message and every signer not "
		    "valid, each named: %s",
		    dec);
		g_free(enc);
		g_free(dec);
		kyso_inbound_verdict_clear(&v);

		two[1].valid_now = 1;
		two[1].chain_ok = 0;
		two[1].kind = KYSO_KIND_AGENCY;
		kyso_inbound_judge(NULL, &r, "a@b.vn", 0, &v);
		enc = kyso_verdict_header_format(&r, &v);
		dec = decode(enc);
		CHECK(strstr(dec,
		          "[2] không hợp lệ / not valid (policy: tổ chức "
		          "cấp không được tin cậy / issuer not trusted): "
		          "chữ ký / signature \"Old\"") != NULL &&
		        strstr(dec, "agency seal") == NULL,
		    "an untrusted certificate is never called an agency seal: "
		    "%s",
		    dec);
		g_free(enc);
		g_free(dec);
		kyso_inbound_verdict_clear(&v);

		two[1].chain_ok = 1;
		two[1].email = NULL;
		two[1].email_matches = 0;
		two[1].subject_cn = (char *)"Seal";
		kyso_inbound_judge(NULL, &r, "a@b.vn", 0, &v);
		CHECK(v.result == KYSO_RES_POLICY &&
		        v.s[1].why == KYSO_WHY_NOT_BOUND,
		    "a co-signer without e-mail and no table: not bound");
		kyso_inbound_verdict_clear(&v);
		r.nsigners = 1;
		r.signers = &si;
	}

	/* own domain, unsigned */
	memset(&r, 0, sizeof(r));
	kyso_inbound_judge(NULL, &r, "x@hagiang.gov.vn", 0, &v);
	v.own_domain = 1;
	enc = kyso_verdict_header_format(&r, &v);
	dec = decode(enc);
	CHECK(v.result == KYSO_RES_NONE &&
	        g_str_has_prefix(dec,
	            "Cảnh báo: thư mang địa chỉ của tỉnh nhưng "
	            "không có chữ ký số hợp lệ / Warning:"),
	    "own-domain unsigned warning: %s", dec);
	g_free(enc);
	g_free(dec);
	kyso_inbound_verdict_clear(&v);
	g_free(cl);
	return TEST_DONE();
}
