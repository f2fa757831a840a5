/*
 * log.c - the daemon's log sink: syslog (mail facility by default) through
 * SyslogSocket (/dev/log), in the foreground too (systemd); standard error
 * as well with Syslog no, or in the foreground on a terminal. One line per
 * message outcome is written by callers; untrusted strings go through
 * kyso_printable().
 *
 * Our own small RFC 3164 client rather than syslog(3), whose socket is
 * fixed at /dev/log: a chrooted daemon and the tests name another one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kyso_milter.h"

/* Set once at start-up, before any thread exists; read-only afterwards. */
static int log_to_syslog;
static int log_to_stderr = 1;
static int log_verbose;
static int log_facility = LOG_MAIL;
static struct sockaddr_un log_addr;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;           /* guarded by log_lock */
static int log_type = SOCK_DGRAM; /* guarded by log_lock */

static const struct {
	const char *name;
	int code;
} facilities[] = {
    {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON},
    {"user", LOG_USER},
    {"auth", LOG_AUTH},
    {"authpriv", LOG_AUTHPRIV},
    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
};

/* Connect log_fd to the syslog socket: a datagram socket (journald,
 * rsyslog), else a stream one (syslog-ng may use either). Under
 * log_lock. */
static int
log_connect(void)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		log_fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (log_fd < 0)
			return -1;
		if (connect(log_fd, (struct sockaddr *)&log_addr,
		        sizeof(log_addr)) == 0) {
			log_type = types[i];
			return 0;
		}
		(void)close(log_fd);
		log_fd = -1;
	}
	return -1;
}

/* Send one RFC 3164 record; reconnect once when the syslog daemon was
 * restarted. A lost line is not worth failing mail for. */
static void
syslog_send(int prio, const char *line)
{
	char rec[2300], when[32];
	struct tm tm;
	time_t now = time(NULL);
	int n, attempt;

	(void)localtime_r(&now, &tm);
	(void)strftime(when, sizeof(when), "%b %e %H:%M:%S", &tm);
	n = snprintf(rec, sizeof(rec), "<%d>%s kyso-milter[%ld]: %s",
	    log_facility | prio, when, (long)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(rec))
		n = (int)sizeof(rec) - 1;
	(void)pthread_mutex_lock(&log_lock);
	for (attempt = 0; attempt < 2; attempt++) {
		if (log_fd < 0 && log_connect() < 0)
			break;
		/* a stream socket needs a record end */
		if (send(log_fd, rec, (size_t)n + (log_type == SOCK_STREAM),
		        MSG_NOSIGNAL) >= 0)
			break;
		(void)close(log_fd);
		log_fd = -1;
	}
	(void)pthread_mutex_unlock(&log_lock);
}

void
kyso_log_open(int use_syslog, const char *facility, const char *socket_path,
    int to_stderr, int verbose)
{
	size_t i;

	for (i = 0;
	     facility != NULL && i < sizeof(facilities) / sizeof(facilities[0]);
	     i++)
		if (strcasecmp(facility, facilities[i].name) == 0)
			log_facility = facilities[i].code;
	log_to_syslog = use_syslog;
	log_to_stderr = to_stderr || !use_syslog;
	log_verbose = verbose;
	memset(&log_addr, 0, sizeof(log_addr));
	log_addr.sun_family = AF_UNIX;
	(void)snprintf(log_addr.sun_path, sizeof(log_addr.sun_path), "%s",
	    socket_path != NULL ? socket_path : "/dev/log");
	if (use_syslog) {
		(void)pthread_mutex_lock(&log_lock);
		/* now, before a chroot or the privilege drop; with no syslog
		 * listening, standard error is the only place left */
		if (log_connect() < 0)
			log_to_stderr = 1;
		(void)pthread_mutex_unlock(&log_lock);
	}
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
	if (log_to_syslog)
		syslog_send(prio, line);
	if (log_to_stderr) {
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
