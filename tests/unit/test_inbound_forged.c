/*
 * test_inbound_forged.c - kyso_inbound_forged() lists every incoming
 * Authentication-Results that claims our authserv-id and every
 * X-Kyso-Verdict and X-Kyso-Result, by 1-based per-name index, highest first
 * (P15), and leaves other authserv-ids alone (RFC 8601 section 5).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kyso/policy/inbound.h"
#include "harness.h"

int
main(void)
{
	char path[] = "/tmp/kyso-forged-XXXXXX";
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	struct kyso_header_ref del[8];
	struct kyso_header h[] = {
	    {(char *)"Received", (char *)"from x"},
	    {(char *)"Authentication-Results",
	        (char *)"other.example; dkim=pass"},
	    {(char *)"authentication-results",
	        (char *)" MX.HAGIANG.GOV.VN; smime=pass (forged)"},
	    {(char *)"X-Kyso-Verdict",
	        (char *)"=?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87?="},
	    {(char *)"Authentication-Results",
	        (char *)"(c)\n\tmx.hagiang.gov.vn 1;\n\tsmime=pass"},
	    {(char *)"Authentication-Results",
	        (char *)"mx.hagiang.gov.vn.evil.org; smime=pass"},
	    {(char *)"x-kyso-verdict", (char *)"Valid"},
	    {(char *)"Subject", (char *)"mx.hagiang.gov.vn; smime=pass"},
	};
	size_t n;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return 1;
	fprintf(f,
	    "Socket unix:/tmp/kyso-forged.sock\nDomain hagiang.gov.vn\n"
	    "AuthservID mx.hagiang.gov.vn\nVerifyInbound no\n");
	fclose(f);
	cfg = kyso_config_load(path, &err);
	unlink(path);
	CHECK(cfg != NULL, "config loads: %s", err.msg);
	if (cfg == NULL)
		return TEST_DONE();
	n = kyso_inbound_forged(cfg, h, sizeof(h) / sizeof(h[0]), del, 8);
	CHECK(n == 4, "four forged fields (%zu)", n);
	CHECK(n == 4 && strcmp(del[0].name, KYSO_AR_HEADER) == 0 &&
	        del[0].index == 3 && del[1].index == 2,
	    "A-R 3 then 2 (ours), not 1 (other) or 4 (longer name)");
	CHECK(n == 4 && strcmp(del[2].name, KYSO_VERDICT_HEADER) == 0 &&
	        del[2].index == 2 && del[3].index == 1,
	    "every verdict header, highest index first");
	n = kyso_inbound_forged(cfg, h, sizeof(h) / sizeof(h[0]), del, 1);
	CHECK(n == 1, "never more than max entries");
	{
		struct kyso_header r[] = {
		    {(char *)"X-Kyso-Result", (char *)"pass"},
		    {(char *)"Subject", (char *)"x"},
		    {(char *)"x-kyso-result", (char *)"pass"},
		};

		n = kyso_inbound_forged(cfg, r, 3, del, 8);
		CHECK(n == 2 && strcmp(del[0].name, KYSO_RESULT_HEADER) == 0 &&
		        del[0].index == 2 && del[1].index == 1,
		    "every X-Kyso-Result from outside, highest index first "
		    "(a Sieve filter must never read a forged one)");
	}
	kyso_config_unref(cfg);
	return TEST_DONE();
}
