/*
 * watch.c - the daemon's health log: every finding of the health checks
 * (certificate expiry within CertificateExpiryWarning days, ended or not
 * yet valid certificates, token PINs older than PinMaxAge, ...) as one log
 * line each, at start, at reload and every KYSO_HEALTH_INTERVAL; and the
 * same findings printed by kyso-milter -n.
 */
#include <stdio.h>
#include <time.h>

#include "kyso/policy/health.h"
#include "kyso_milter.h"

void
kyso_daemon_log_health(const struct kyso_config *cfg)
{
	struct kyso_health h = {0};
	size_t i;

	kyso_health_check(cfg, time(NULL), 0, &h);
	for (i = 0; i < h.n; i++)
		kyso_log(h.v[i].level == KYSO_HEALTH_CRITICAL ? LOG_ERR
		                                              : LOG_WARNING,
		    "%s: %s", h.v[i].where, h.v[i].what);
	kyso_health_free(&h);
}

int
kyso_check_print(const struct kyso_config *cfg, const char *user, FILE *out)
{
	struct kyso_health h = {0};
	enum kyso_health_level worst;
	size_t i;

	h.user_id = user;

	kyso_health_check(cfg, time(NULL), KYSO_HEALTH_SYSTEM, &h);
	for (i = 0; i < h.n; i++)
		(void)fprintf(out, "kyso-milter: %s: %s%s\n", h.v[i].where,
		    h.v[i].level == KYSO_HEALTH_CRITICAL ? "" : "warning: ",
		    h.v[i].what);
	worst = kyso_health_worst(&h);
	kyso_health_free(&h);
	return worst == KYSO_HEALTH_CRITICAL ? -1 : 0;
}
