/*
 * log.c - the daemon's log sink: syslog (mail facility by default) or
 * stderr when running in the foreground. One line per message outcome is
 * written by callers; untrusted strings go through kyso_printable().
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kyso_milter.h"

/* Set once at start-up, before any thread exists; read-only afterwards. */
static int log_to_syslog;
static int log_verbose;

static const struct {
	const char *name;
	int code;
} facilities[] = {
    {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON},
    {"user", LOG_USER},
    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
};

void
kyso_log_open(int use_syslog, const char *facility, int verbose)
{
	int fac = LOG_MAIL;
	size_t i;

	for (i = 0;
	     facility != NULL && i < sizeof(facilities) / sizeof(facilities[0]);
	     i++)
		if (strcasecmp(facility, facilities[i].name) == 0)
			fac = facilities[i].code;
	log_to_syslog = use_syslog;
	log_verbose = verbose;
	if (use_syslog)
		openlog("kyso-milter", LOG_PID | LOG_NDELAY, fac);
}

int
kyso_log_verbose(void)
{
	return log_verbose;
}

void
kyso_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kyso_vlog(prio, fmt, ap);
	va_end(ap);
}

void
kyso_vlog(int prio, const char *fmt, va_list ap)
{
	char line[2048];

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	if (log_to_syslog) {
		syslog(prio, "%s", line);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		(void)clock_gettime(CLOCK_REALTIME, &ts);
		(void)gmtime_r(&ts.tv_sec, &tm);
		(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		(void)fprintf(stderr, "%s kyso-milter: %s\n", when, line);
	}
}

const char *
kyso_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return "";
	if (s == NULL)
		s = "";
	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] =
		    (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}
