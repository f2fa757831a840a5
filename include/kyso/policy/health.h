/*
 * health.h - is a loaded configuration fit to run, and for how long:
 * every agency certificate current, chaining to the trust anchors, an
 * S/MIME signing certificate with a strong key; expiry and token PIN age
 * warnings; with KYSO_HEALTH_SYSTEM also the UserID user, the directories
 * it must write and the key files' directories it must search.
 *
 * One list of findings for kyso-milter -n (each named "file:line: "), the
 * daemon's log (start, reload, daily) and kyso-report --check (one summary
 * line, Nagios exit codes). Never logs.
 */
#ifndef KYSO_HEALTH_H
#define KYSO_HEALTH_H

#include <stddef.h>
#include <time.h>

#include "kyso/policy/config.h"

enum kyso_health_level {
	KYSO_HEALTH_OK = 0,
	KYSO_HEALTH_WARNING = 1,  /* works now, needs attention soon */
	KYSO_HEALTH_CRITICAL = 2, /* the daemon cannot do its work */
};

struct kyso_health_item {
	enum kyso_health_level level;
	char *where;   /* "file:line" or "file" */
	char *cert_id; /* the certificate table entry, or NULL */
	char *what;    /* the finding, one line */
};

struct kyso_health {
	/* in: warn_days_set: warn warn_days ahead, not CertificateExpiryWarning
	 * (kyso-report --warn-days) */
	int warn_days_set;
	int warn_days;
	/* in: the user[:group] the daemon will run as when given on its
	 * command line (kyso-milter -u), or NULL: UserID */
	const char *user_id;
	/* out */
	struct kyso_health_item *v;
	size_t n;
	size_t ncerts;
	/* the certificate that ends first, days left (negative: ended) */
	int nearest_set;
	long nearest_days;
	char nearest_id[65];
	size_t npins; /* token entries whose PIN age was looked at */
};

/* Also the UserID user, TemporaryDirectory, the socket's and journal's
 * directories, and whether the key files' directories let that user see
 * an unchanged key on reload (kyso-milter -n, daemon start). */
#define KYSO_HEALTH_SYSTEM 1

/* Run every check on cfg at time now into h (zeroed by the caller but for
 * the inputs; free with kyso_health_free). */
void kyso_health_check(const struct kyso_config *cfg, time_t now, int flags,
    struct kyso_health *h);

/* The worst level found. */
enum kyso_health_level kyso_health_worst(const struct kyso_health *h);

void kyso_health_free(struct kyso_health *h);

/* Days since the PIN of certificate-table entry i was changed (its
 * pin-changed= date, else its PIN file's modification time); -1 when the
 * entry's key is not on a token or the date cannot be known. */
long kyso_health_pin_age(const struct kyso_config *cfg, size_t i, time_t now);

#endif
