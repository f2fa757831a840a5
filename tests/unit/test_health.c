/*
 * test_health.c - the health checks (policy/health.c) at chosen times:
 * a certificate's expiry warning from CertificateExpiryWarning days ahead,
 * an error once it has ended or before it begins; the chain to the trust
 * anchors (none configured: a warning); token PIN age against PinMaxAge
 * from pin-changed=; every finding named by the table file and line; and a
 * certificates-only load (kyso-report --check) that reads no key.
 */
#include <string.h>

#include "kyso/policy/config.h"
#include "kyso/policy/health.h"
#include "kyso/smime/mime.h"
#include "harness.h"
#include "policy_fixture.h"

#define DAY (24 * 60 * 60)

/* Load "conf" text (@D = fixture dir) with the given flags. */
static struct kyso_config *
load(const char *name, const char *text, int flags)
{
	struct kyso_err err = {0};
	GString *g = g_string_new(NULL);
	struct kyso_config *cfg;
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			g_string_append(g, fx_dir);
			p++;
		} else {
			g_string_append_c(g, *p);
		}
	}
	cfg = kyso_config_load_ex(fx_write(name, g->str), NULL, flags, &err);
	if (cfg == NULL)
		DIAG("load %s: %s", name, err.msg);
	g_string_free(g, TRUE);
	return cfg;
}

/* The findings at now, one "level|where|what" line each. */
static char *
findings(const struct kyso_config *cfg, time_t now)
{
	struct kyso_health h = {0};
	GString *g = g_string_new(NULL);
	size_t i;

	kyso_health_check(cfg, now, 0, &h);
	for (i = 0; i < h.n; i++)
		g_string_append_printf(g, "%d|%s|%s\n", h.v[i].level,
		    h.v[i].where, h.v[i].what);
	kyso_health_free(&h);
	return g_string_free(g, FALSE);
}

static void
check_expiry(void)
{
	char *tbl = g_strdup_printf("%s/exp.certs", fx_dir);
	struct kyso_health h = {0};
	struct kyso_config *cfg;
	time_t end, begin;
	char *f;

	f = g_strdup_printf("# agencies\n\na cert=%s/a.crt key=%s/a.key\n",
	    fx_dir, fx_dir);
	(void)fx_write("exp.certs", f);
	g_free(f);
	cfg = load("exp.conf",
	    "Socket unix:/run/k.sock\nDomain hagiang.gov.vn\n"
	    "CertificateTable @D/exp.certs\nTrustAnchorFile @D/a.crt\n"
	    "RevocationCheck none\nCertificateExpiryWarning 10\n",
	    0);
	CHECK(cfg != NULL, "configuration with one certificate loads");
	if (cfg == NULL)
		goto out;
	end = kyso_signer_not_after(kyso_config_signer(cfg, "a"));
	begin = kyso_signer_not_before(kyso_config_signer(cfg, "a"));
	f = findings(cfg, begin + 60);
	CHECK(strcmp(f, "") == 0,
	    "valid, 30 days left, warning at 10: nothing "
	    "(%s)",
	    f);
	g_free(f);
	f = findings(cfg, end - 10 * DAY + 60);
	CHECK(strstr(f, "1|") == f &&
	        strstr(f,
	            "|certificate a expires in 9 "
	            "day(s), on ") != NULL &&
	        strstr(f, tbl) != NULL && strstr(f, ":3|") != NULL,
	    "9 days left: a warning naming table:3 (%s)", f);
	g_free(f);
	f = findings(cfg, end - 11 * DAY);
	CHECK(strcmp(f, "") == 0, "11 days left: nothing (%s)", f);
	g_free(f);
	f = findings(cfg, end + 60);
	CHECK(strstr(f, "2|") == f &&
	        strstr(f, "certificate a expired on") != NULL,
	    "ended: an error (%s)", f);
	g_free(f);
	f = findings(cfg, begin - DAY);
	CHECK(strstr(f, "2|") == f &&
	        strstr(f, "certificate a is not valid before") != NULL,
	    "not yet valid: an error (%s)", f);
	g_free(f);
	kyso_health_check(cfg, begin + 60, 0, &h);
	CHECK(h.ncerts == 1 && h.nearest_set && h.nearest_days >= 29 &&
	        h.nearest_days <= 30 && strcmp(h.nearest_id, "a") == 0 &&
	        kyso_health_worst(&h) == KYSO_HEALTH_OK,
	    "summary: 1 certificate, nearest expiry %ld days (a)",
	    h.nearest_days);
	kyso_health_free(&h);
	h.warn_days_set = 1;
	h.warn_days = 3650;
	kyso_health_check(cfg, begin + 60, 0, &h);
	CHECK(kyso_health_worst(&h) == KYSO_HEALTH_WARNING && h.n == 1 &&
	        strstr(h.v[0].what, "(--warn-days 3650)") != NULL,
	    "--warn-days overrides CertificateExpiryWarning: %s",
	    h.n ? h.v[0].what : "");
	kyso_health_free(&h);
out:
	kyso_config_unref(cfg);
	g_free(tbl);
}

static void
check_chain(void)
{
	struct kyso_config *cfg;
	char *f, *t;
	time_t now;

	t = g_strdup_printf("a cert=%s/a.crt key=%s/a.key\n", fx_dir, fx_dir);
	(void)fx_write("chain.certs", t);
	g_free(t);
	cfg = load("chain.conf",
	    "Socket unix:/run/k.sock\nCertificateTable @D/chain.certs\n"
	    "TrustAnchorFile @D/b.crt\nRevocationCheck none\n"
	    "CertificateExpiryWarning 0\n",
	    0);
	now = kyso_signer_not_before(kyso_config_signer(cfg, "a")) + 60;
	f = findings(cfg, now);
	CHECK(strstr(f, "2|") == f && strchr(f, '\n') == f + strlen(f) - 1 &&
	        strstr(f,
	            "certificate a does not chain to the trust "
	            "anchors") != NULL,
	    "another anchor: an error (%s)", f);
	g_free(f);
	kyso_config_unref(cfg);
	cfg = load("nochain.conf",
	    "Socket unix:/run/k.sock\nCertificateTable @D/chain.certs\n"
	    "VerifyInbound no\nCertificateExpiryWarning 0\n",
	    0);
	f = findings(cfg, now);
	CHECK(strstr(f, "1|") == f && strchr(f, '\n') == f + strlen(f) - 1 &&
	        strstr(f, "chain not checked") != NULL,
	    "no anchors: a warning (%s)", f);
	g_free(f);
	kyso_config_unref(cfg);
}

/* Token entries: loaded certificates-only, the token is never touched. */
static void
check_pin_age(void)
{
	struct kyso_config *cfg;
	time_t changed = 1700000000 - 1700000000 % DAY; /* 2023-11-14 */
	char *t, *f;

	t = g_strdup_printf("tok cert=%s/a.crt "
	                    "key=pkcs11:token=x;object=y;type=private "
	                    "pin-changed=2023-11-14\n",
	    fx_dir);
	(void)fx_write("pin.certs", t);
	g_free(t);
	cfg = load("pin.conf",
	    "Socket unix:/run/k.sock\nCertificateTable @D/pin.certs\n"
	    "TrustAnchorFile @D/a.crt\nRevocationCheck none\n"
	    "CertificateExpiryWarning 0\n",
	    KYSO_CONFIG_NO_KEYS);
	CHECK(cfg != NULL, "a token entry loads certificates-only");
	if (cfg == NULL)
		return;
	f = findings(cfg, changed + 180 * DAY);
	CHECK(strstr(f, "PIN") == NULL, "PIN 180 days old: nothing (%s)", f);
	g_free(f);
	f = findings(cfg, changed + 181 * DAY);
	CHECK(strstr(f, "1|") != NULL &&
	        strstr(f,
	            "PIN of tok last changed 181 days ago, on "
	            "2023-11-14 (PinMaxAge 180)") != NULL,
	    "PIN 181 days old: a warning (%s)", f);
	g_free(f);
	kyso_config_unref(cfg);
	cfg = load("pin0.conf",
	    "Socket unix:/run/k.sock\nCertificateTable @D/pin.certs\n"
	    "TrustAnchorFile @D/a.crt\nRevocationCheck none\n"
	    "CertificateExpiryWarning 0\nPinMaxAge 0\n",
	    KYSO_CONFIG_NO_KEYS);
	f = findings(cfg, changed + 1000 * DAY);
	CHECK(strstr(f, "PIN") == NULL, "PinMaxAge 0: no PIN check (%s)", f);
	g_free(f);
	kyso_config_unref(cfg);
	t = g_strdup_printf("tok cert=%s/a.crt key=%s/a.key "
	                    "pin-changed=2023-11-14\n",
	    fx_dir, fx_dir);
	(void)fx_write("pinbad.certs", t);
	g_free(t);
	cfg = load("pinbad.conf",
	    "Socket unix:/run/k.sock\nCertificateTable @D/pinbad.certs\n", 0);
	CHECK(cfg == NULL, "pin-changed= with a key file is refused");
}

int
main(void)
{
	kyso_mime_init();
	fx_init();
	fx_keys();
	check_expiry();
	check_chain();
	check_pin_age();
	kyso_mime_shutdown();
	return TEST_DONE();
}
