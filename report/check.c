/*
 * check.c - kyso-report --check: a monitoring probe (Nagios, Icinga) that
 * reads the configuration and the certificates only, never a key, a
 * passphrase or a PIN, so it runs as an unprivileged user. One summary
 * line; exit 0 OK, 1 WARNING, 2 CRITICAL (the configuration does not load,
 * a certificate cannot sign), 3 UNKNOWN (usage).
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "kyso/policy/health.h"
#include "check.h"

static const char *const state_words[] = {"OK", "WARNING", "CRITICAL"};

/* "N certificates, nearest expiry D days (id)" */
static void
cert_summary(GString *g, const struct kyso_health *h)
{
	g_string_append_printf(g, "%zu certificate%s", h->ncerts,
	    h->ncerts == 1 ? "" : "s");
	if (h->nearest_set && h->nearest_days >= 0)
		g_string_append_printf(g, ", nearest expiry %ld day%s (%s)",
		    h->nearest_days, h->nearest_days == 1 ? "" : "s",
		    h->nearest_id);
	else if (h->nearest_set)
		g_string_append_printf(g, ", expired %ld day%s ago (%s)",
		    -h->nearest_days, h->nearest_days == -1 ? "" : "s",
		    h->nearest_id);
}

int
kyso_report_check(const char *conf, time_t now, int warn_days, FILE *out)
{
	struct kyso_health h = {0};
	struct kyso_config *cfg;
	struct kyso_err err = {0};
	enum kyso_health_level worst;
	GString *g = g_string_new(NULL);
	size_t i, shown = 0;
	int rc;

	if ((cfg = kyso_config_load_ex(conf, NULL, KYSO_CONFIG_NO_KEYS,
	         &err)) == NULL) {
		(void)fprintf(out, "KYSO CRITICAL - configuration: %s\n",
		    err.msg);
		g_string_free(g, TRUE);
		return 2;
	}
	h.warn_days_set = warn_days >= 0;
	h.warn_days = warn_days;
	kyso_health_check(cfg, now, 0, &h);
	worst = kyso_health_worst(&h);
	g_string_append_printf(g, "KYSO %s - ", state_words[worst]);
	cert_summary(g, &h);
	if (h.npins > 0) {
		for (i = 0; i < h.n; i++)
			if (strstr(h.v[i].what, "PIN ") == h.v[i].what)
				break;
		g_string_append(g, i == h.n ? ", PIN ages ok" : "");
	}
	/* the findings, worst first, after the summary */
	for (rc = KYSO_HEALTH_CRITICAL; rc > KYSO_HEALTH_OK; rc--)
		for (i = 0; i < h.n; i++)
			if ((int)h.v[i].level == rc)
				g_string_append_printf(g, "%s %s",
				    shown++ == 0 ? ";" : ",", h.v[i].what);
	(void)fprintf(out, "%s\n", g->str);
	rc = (int)worst;
	g_string_free(g, TRUE);
	kyso_health_free(&h);
	kyso_config_unref(cfg);
	return rc;
}
