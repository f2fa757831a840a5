/*
 * test_ar_header.c - Authentication-Results text (RFC 8601 / RFC 7281):
 * one resinfo per signer, serial and issuer together, RFC 4514 issuer with
 * \XX octets as a quoted-string, untrusted strings escaped, ASCII only;
 * and recognition of forged copies that carry our authserv-id.
 */
#include <string.h>

#include <glib.h>

#include "kyso/policy/verdict.h"
#include "harness.h"

static int
ascii_lf_tab(const char *v)
{
	const char *p;

	for (p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' || c >= 0x80 ||
		    (c < 0x20 && c != '\n' && c != '\t'))
			return 0;
		if (c == '\n' && p[1] != '\t')
			return 0;
	}
	return 1;
}

int
main(void)
{
	struct kyso_signer_info si[2];
	struct kyso_verify_result r;
	struct kyso_verdict v;
	char *ar;

	memset(si, 0, sizeof(si));
	memset(&r, 0, sizeof(r));
	si[0].signature_ok = si[0].chain_ok = si[0].valid_now = 1;
	si[0].ku_ok = si[0].eku_ok = si[0].email_matches = 1;
	si[0].email = (char *)"vanthu@sotttt.hagiang.gov.vn";
	si[0].serial_hex = (char *)"2A05F812673607B0";
	si[0].issuer_rfc4514 = (char *)"CN=CA ph\\E1\\BB\\A5c,O=Ban \"C\",C=VN";
	si[0].kind = KYSO_KIND_AGENCY;
	si[0].revocation = KYSO_REV_GOOD;
	si[0].revocation_note = (char *)"OCSP: good (ok)";
	si[1] = si[0];
	si[1].email = (char *)"evil \"x\"@example.org";
	si[1].email_matches = 0;
	r.found = r.whole = 1;
	r.part = (char *)"TEXT";
	r.nsigners = 2;
	r.signers = si;
	kyso_inbound_judge(NULL, &r, "vanthu@sotttt.hagiang.gov.vn", 0, &v);
	CHECK(v.result == KYSO_RES_POLICY && v.lead == 1 &&
	        v.why == KYSO_WHY_FROM_MISMATCH,
	    "one signer not bound to From: the message does not pass");
	CHECK(v.s[1].result == KYSO_RES_POLICY &&
	        v.s[1].why == KYSO_WHY_FROM_MISMATCH,
	    "second signer: From mismatch is policy");
	CHECK(v.s[0].result == KYSO_RES_POLICY &&
	        v.s[0].why == KYSO_WHY_OTHER_SIGNER &&
	        strstr(v.s[0].note, "signer 2") != NULL,
	    "the good signer is not reported pass: another signature is "
	    "not valid (%s)",
	    v.s[0].note);
	ar = kyso_ar_header_format("mx.hagiang.gov.vn",
	    "vanthu@sotttt.hagiang.gov.vn", &r, &v);
	CHECK(ascii_lf_tab(ar), "ASCII, LF+TAB folds");
	CHECK(g_str_has_prefix(ar, "mx.hagiang.gov.vn;\n\tsmime=policy (") &&
	        strstr(ar, "smime=pass") == NULL,
	    "authserv-id then the first resinfo with a comment; no pass "
	    "anywhere");
	CHECK(strstr(ar,
	          "body.smime-issuer=\"CN=CA ph\\\\E1\\\\BB\\\\A5c,O=Ban "
	          "\\\"C\\\",C=VN\"") != NULL,
	    "issuer quoted, backslashes and quotes escaped (P26)");
	CHECK(strstr(ar, "body.smime-serial=2A05F812673607B0") != NULL &&
	        strstr(ar, "body.smime-part=TEXT") != NULL &&
	        strstr(ar, "header.from=vanthu@sotttt.hagiang.gov.vn") != NULL,
	    "serial, part and header.from present");
	CHECK(strstr(ar, ";\n\tsmime=policy (") != NULL,
	    "one resinfo per signer");
	CHECK(strstr(ar,
	          "body.smime-identifier=\"evil \\\"x\\\"@example.org\"") !=
	        NULL,
	    "an address that is not a dot-atom is a quoted-string");
	CHECK(strstr(ar, "OCSP: good \\(ok\\)") != NULL,
	    "parentheses in a comment are escaped");
	g_free(ar);
	kyso_inbound_verdict_clear(&v);

	si[0].issuer_rfc4514 = (char *)"CN=\xc3\xa0";
	r.nsigners = 1;
	kyso_inbound_judge(NULL, &r, NULL, 0, &v);
	ar = kyso_ar_header_format("mx", NULL, &r, &v);
	CHECK(ascii_lf_tab(ar) && strstr(ar, "smime-issuer") == NULL &&
	        strstr(ar, "smime-serial") == NULL,
	    "a non-ASCII issuer is never emitted, nor its serial alone");
	CHECK(v.result == KYSO_RES_POLICY && v.why == KYSO_WHY_NO_FROM,
	    "no From address: signer with e-mail cannot pass");
	g_free(ar);
	kyso_inbound_verdict_clear(&v);

	/* the signer's own claim of when it signed: a certificate not valid
	 * then (beyond a day of clock slack) makes no valid signature; a
	 * time an RFC 3161 token proves is judged instead (timestamp.c) */
	{
		static const struct {
			long off; /* signingTime - notBefore, seconds */
			time_t proven;
			int pass;
			const char *what;
		} st[] = {
		    {-400L * 86400, 0, 0,
		        "claimed 400 days before the certificate existed "
		        "(backdated)"},
		    {-2L * 86400, 0, 0, "claimed two days before notBefore"},
		    {3L * 365 * 86400, 0, 0,
		        "claimed two years after notAfter"},
		    {-3600, 0, 1, "an hour before notBefore: clock slack"},
		    {1L * 86400, 0, 1, "inside the validity"},
		    {-400L * 86400, 1772413200, 1,
		        "a proven signing time decides, not the claim"},
		};
		size_t k;

		si[0].email = (char *)"vanthu@sotttt.hagiang.gov.vn";
		si[0].email_matches = 1;
		si[0].issuer_rfc4514 = (char *)"CN=CA";
		si[0].not_before = 1764547200; /* 2025-12-01 */
		si[0].not_after = si[0].not_before + 365L * 86400;
		r.nsigners = 1;
		for (k = 0; k < G_N_ELEMENTS(st); k++) {
			si[0].signing_time = si[0].not_before + st[k].off;
			si[0].proven_time = st[k].proven;
			kyso_inbound_judge(NULL, &r,
			    "vanthu@sotttt.hagiang.gov.vn", 0, &v);
			ar = kyso_ar_header_format("mx",
			    "vanthu@sotttt.hagiang.gov.vn", &r, &v);
			if (st[k].pass)
				CHECK(v.result == KYSO_RES_PASS,
				    "signing time %s: pass (%s)", st[k].what,
				    ar);
			else
				CHECK(v.result == KYSO_RES_POLICY &&
				        v.why == KYSO_WHY_SIGNTIME &&
				        strstr(ar, "smime=pass") == NULL &&
				        strstr(ar,
				            "claimed signing time "
				            "outside") != NULL,
				    "signing time %s: policy (%s)", st[k].what,
				    ar);
			g_free(ar);
			kyso_inbound_verdict_clear(&v);
		}
		si[0].signing_time = si[0].proven_time = 0;
		CHECK((kyso_inbound_judge(NULL, &r,
		           "vanthu@sotttt.hagiang.gov.vn", 0, &v),
		          v.result == KYSO_RES_PASS),
		    "no signingTime attribute: nothing claimed, pass");
		kyso_inbound_verdict_clear(&v);
	}

	memset(&r, 0, sizeof(r));
	r.found = 1;
	r.malformed = 1;
	r.part = (char *)"TEXT";
	r.malformed_reason = (char *)"bad\r\n(CMS)";
	kyso_inbound_judge(NULL, &r, "a@b", 0, &v);
	ar = kyso_ar_header_format("mx", "a@b", &r, &v);
	CHECK(v.result == KYSO_RES_PERMERROR && ascii_lf_tab(ar) &&
	        strstr(ar, "bad??\\(CMS\\)") != NULL,
	    "malformed: permerror, reason sanitised: %s", ar);
	g_free(ar);
	kyso_inbound_verdict_clear(&v);

	CHECK(kyso_ar_header_is_ours("mx.hagiang.gov.vn; smime=pass",
	          "mx.hagiang.gov.vn"),
	    "our authserv-id is recognised");
	CHECK(kyso_ar_header_is_ours(" (c) MX.Hagiang.gov.vn;dkim=pass",
	          "mx.hagiang.gov.vn"),
	    "after CFWS, case-insensitive");
	CHECK(kyso_ar_header_is_ours("\"mx.hagiang.gov.vn\" 1; none",
	          "mx.hagiang.gov.vn"),
	    "quoted authserv-id with a version");
	CHECK(kyso_ar_header_is_ours("\n\tmx.hagiang.gov.vn\n\t; smime=pass",
	          "mx.hagiang.gov.vn"),
	    "folded");
	CHECK(!kyso_ar_header_is_ours("mx.hagiang.gov.vn.evil.org; smime=pass",
	          "mx.hagiang.gov.vn"),
	    "a longer name is not ours");
	CHECK(!kyso_ar_header_is_ours("other.example; smime=pass "
	                              "(mx.hagiang.gov.vn)",
	          "mx.hagiang.gov.vn"),
	    "another authserv-id is kept");
	CHECK(kyso_ar_header_is_ours("mx.hagiang.gov.vn.; smime=pass",
	          "mx.hagiang.gov.vn") &&
	        kyso_ar_header_is_ours("MX.HAGIANG.GOV.VN.; smime=pass",
	            "mx.hagiang.gov.vn") &&
	        kyso_ar_header_is_ours("\"Mx.Hagiang.Gov.Vn.\"; smime=pass",
	            "mx.hagiang.gov.vn"),
	    "a forged copy with a trailing dot, in any case, quoted or not, is "
	    "ours");
	CHECK(kyso_ar_header_is_ours("mx.hagiang.gov.vn; smime=pass",
	          "mx.hagiang.gov.vn."),
	    "a configured id with a trailing dot matches the plain form");
	CHECK(!kyso_ar_header_is_ours("mx.hagiang.gov.vn..; smime=pass",
	          "mx.hagiang.gov.vn") &&
	        !kyso_ar_header_is_ours(".; smime=pass", "mx.hagiang.gov.vn") &&
	        !kyso_ar_header_is_ours("mx.hagiang.gov.v; smime=pass",
	            "mx.hagiang.gov.vn"),
	    "two dots, a bare dot, a shorter name are not ours");
	return TEST_DONE();
}
