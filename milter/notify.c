/*
 * notify.c - systemd's readiness protocol (sd_notify(3)), spoken directly:
 * one datagram "READY=1" (or "RELOADING=1", "STOPPING=1") to the AF_UNIX
 * socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract
 * namespace). systemd documents this protocol as stable for programs that
 * do not link libsystemd; speaking it here keeps libsystemd (and its
 * compression and crypto libraries) out of a process that holds signing
 * keys, and the daemon runs unchanged where there is no systemd.
 * The socket is opened and connected before the privilege drop (systemd's
 * /run/systemd/notify is writable by anyone, a test's socket may not be),
 * so later messages need no permission on the path.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kyso_milter.h"

static int notify_fd = -1;

/* Fill *sun from $NOTIFY_SOCKET; returns the address length, 0 when the
 * variable is unset or not a unix socket we can name. */
static socklen_t
notify_address(struct sockaddr_un *sun)
{
	const char *e = getenv("NOTIFY_SOCKET");
	size_t n;

	if (e == NULL || (e[0] != '/' && e[0] != '@'))
		return 0;
	n = strlen(e);
	if (n < 2 || n >= sizeof(sun->sun_path))
		return 0;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, e, n);
	if (e[0] == '@')
		sun->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (e[0] == '/' ? 1 : 0));
}

int
kyso_notify_open(void)
{
	struct sockaddr_un sun;
	socklen_t len = notify_address(&sun);
	int fd;

	if (len == 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, len) < 0) {
		kyso_log(LOG_WARNING, "cannot reach NOTIFY_SOCKET %s: %s",
		    getenv("NOTIFY_SOCKET"), g_strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	notify_fd = fd;
	return 0;
}

void
kyso_notify(const char *state)
{
	char buf[160];
	struct timespec ts;
	int n;

	if (notify_fd < 0)
		return;
	/* systemd >= 253 wants the reload's start time with RELOADING=1 */
	if (strcmp(state, "RELOADING=1") == 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		n = snprintf(buf, sizeof(buf), "%s\nMONOTONIC_USEC=%llu", state,
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		        (unsigned long long)ts.tv_nsec / 1000ULL);
	else
		n = snprintf(buf, sizeof(buf), "%s", state);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	if (send(notify_fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		kyso_log(LOG_WARNING, "cannot notify the service manager: %s",
		    g_strerror(errno));
}

void
kyso_notify_close(void)
{
	if (notify_fd >= 0)
		(void)close(notify_fd);
	notify_fd = -1;
}
