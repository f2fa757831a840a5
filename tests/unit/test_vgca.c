/*
 * test_vgca.c - the real public certificates of the Vietnamese Government
 * CA (contrib/vgca, tests/data/vgca) under kyso's trust code: the shipped
 * profile files hold exactly the pinned certificates; the G1 chain (SHA-1
 * CA signatures) builds only under a legacy SHA-1 anchor and only until
 * that anchor expires (2030-03-05), never with the G1 root as an ordinary
 * anchor; every G1 intermediate chains to the G1 root; the G2 root is an
 * anchor; the commercial MIC root is not trusted by the profile.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"

#define FP_G1_ROOT                                                             \
	"f7bc89054cec7f12730d7b8cd3eb7955b163835087e5eb873edfb584763b3f90"
#define FP_G1_CP                                                               \
	"75e969c07ba35c29c72bbc1bfb880f20f3891a619b00b77eb02ca6160736a1fe"
#define FP_G1_EE                                                               \
	"f500ef835c0bbe0b06aa5639481b0bb092d042ddc7ade6be0e7476e01e0a21a9"
#define FP_G2_ROOT                                                             \
	"f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8"

/* 2026-11-26, 2028-06-01 (end entity expired, roots valid), 2030-03-06
 * (the G1 root has expired) */
#define T_NOW   ((time_t)1795651200)
#define T_2028  ((time_t)1843430400)
#define T_AFTER ((time_t)1898985600)

static const char *top;

static char *
path(const char *rel)
{
	return g_build_filename(top, rel, NULL);
}

static struct kyso_trust *
trust(const char *anchor, const char *legacy, const char *profile)
{
	char *a = anchor ? path(anchor) : NULL,
	     *l = legacy ? path(legacy) : NULL;
	char *p = profile ? path(profile) : NULL;
	char *i = path("contrib/vgca/intermediates.pem");
	struct kyso_trust_spec spec = {.anchor_file = a,
	    .legacy_sha1_file = l,
	    .profile_dir = p,
	    .intermediate_file = profile ? NULL : i};
	struct kyso_err err = {0};
	struct kyso_trust *t = kyso_trust_load(&spec, &err);

	if (t == NULL)
		DIAG("trust: %s", err.msg);
	g_free(a);
	g_free(l);
	g_free(p);
	g_free(i);
	return t;
}

static void
describe(const struct kyso_trust *t, const char *rel, time_t now,
    struct kyso_signer_info *si)
{
	char *p = path(rel);
	struct kyso_err err = {0};

	if (kyso_verify_cert_file(t, p, now, si, &err) < 0)
		DIAG("%s: %s", rel, err.msg);
	g_free(p);
}

int
main(void)
{
	struct kyso_trust *prof, *plain, *legacy;
	struct kyso_signer_info si;
	const char *ee = "tests/data/vgca/g1-ee-license-key-generator.pem";

	top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	prof = trust(NULL, NULL, "contrib/vgca");
	CHECK(prof != NULL, "TrustProfile directory contrib/vgca loads");
	plain = trust("contrib/vgca/legacy-sha1-anchors.pem", NULL, NULL);
	legacy = trust(NULL, "contrib/vgca/legacy-sha1-anchors.pem", NULL);
	if (prof == NULL || plain == NULL || legacy == NULL)
		return TEST_DONE();

	describe(prof, ee, T_NOW, &si);
	CHECK(si.fingerprint && strcmp(si.fingerprint, FP_G1_EE) == 0,
	    "G1 end entity: pinned fingerprint");
	CHECK(si.chain_ok && si.legacy_sha1 && si.valid_now,
	    "G1 end entity under the profile: chain holds as legacy SHA-1 "
	    "(%s)",
	    si.chain_error ? si.chain_error : "ok");
	CHECK(si.issuer_fingerprint &&
	        strcmp(si.issuer_fingerprint, FP_G1_CP) == 0,
	    "  ... issued by Co quan chung thuc so Chinh phu (pinned)");
	CHECK(si.email && strcmp(si.email, "ca@bcy.gov.vn") == 0,
	    "  ... e-mail from SAN rfc822Name");
	CHECK(si.kind == KYSO_KIND_PERSONAL,
	    "  ... the built-in default rule calls this system certificate "
	    "personal (OU + e-mail): why the profile's kind table says "
	    "unknown");
	kyso_signer_info_clear(&si);

	describe(prof, ee, T_2028, &si);
	CHECK(si.chain_ok && !si.valid_now,
	    "2028: chain still allowed, the end entity has expired");
	kyso_signer_info_clear(&si);
	describe(prof, ee, T_AFTER, &si);
	CHECK(!si.chain_ok && si.chain_error &&
	        strstr(si.chain_error, "too weak") != NULL,
	    "after the G1 root's expiry: SHA-1 no longer allowed (%s)",
	    si.chain_error ? si.chain_error : "chain ok");
	kyso_signer_info_clear(&si);

	describe(plain, ee, T_NOW, &si);
	CHECK(!si.chain_ok && si.chain_error &&
	        strstr(si.chain_error, "too weak") != NULL,
	    "G1 root as an ordinary anchor: refused (%s)",
	    si.chain_error ? si.chain_error : "chain ok");
	kyso_signer_info_clear(&si);
	describe(legacy, ee, T_NOW, &si);
	CHECK(si.chain_ok && si.legacy_sha1,
	    "LegacySHA1Anchors alone (with the intermediates): holds");
	kyso_signer_info_clear(&si);

	describe(prof, "contrib/vgca/legacy-sha1-anchors.pem", T_NOW, &si);
	CHECK(si.fingerprint && strcmp(si.fingerprint, FP_G1_ROOT) == 0 &&
	        si.chain_ok,
	    "the shipped legacy anchor is the pinned G1 root");
	kyso_signer_info_clear(&si);
	describe(prof, "contrib/vgca/anchors.pem", T_NOW, &si);
	CHECK(si.fingerprint && strcmp(si.fingerprint, FP_G2_ROOT) == 0 &&
	        si.chain_ok && !si.legacy_sha1,
	    "the shipped anchor is the pinned G2 root, trusted");
	kyso_signer_info_clear(&si);
	describe(prof, "tests/data/vgca/mic-root.pem", T_NOW, &si);
	CHECK(!si.chain_ok, "the MIC (commercial) root is not trusted");
	kyso_signer_info_clear(&si);

	kyso_trust_free(prof);
	kyso_trust_free(plain);
	kyso_trust_free(legacy);
	return TEST_DONE();
}
