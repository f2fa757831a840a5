/*
 * test_notify.c - milter/notify.c speaks sd_notify(3)'s datagram protocol:
 * a path or an @abstract $NOTIFY_SOCKET gets the state as sent, RELOADING=1
 * carries MONOTONIC_USEC (now), and an unset, relative, over-long or
 * unreachable address sends nothing and breaks nothing.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "kyso_milter.h"

/* A datagram socket bound to addr (a path, or "@name"); -1 on failure. */
static int
listener(const char *addr)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(addr);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

	if (fd < 0 || n >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, addr, n);
	if (addr[0] == '@')
		sun.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on fd as a string, "" when none is waiting. */
static const char *
next_msg(int fd)
{
	static char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_path(void)
{
	char dir[] = "/tmp/kyso-notify.XXXXXX", path[64];
	struct timespec ts;
	unsigned long long usec, now;
	const char *m;
	int fd;

	if (mkdtemp(dir) == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	CHECK(fd >= 0, "a listener on a path");
	(void)setenv("NOTIFY_SOCKET", path, 1);
	CHECK(kyso_notify_open() == 0, "open a path socket");
	kyso_notify("READY=1");
	CHECK(strcmp(next_msg(fd), "READY=1") == 0, "READY=1 as sent");
	kyso_notify("RELOADING=1");
	m = next_msg(fd);
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
	CHECK(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec) == 1 &&
	        usec <= now && now - usec < 10000000ULL,
	    "RELOADING=1 with MONOTONIC_USEC of now");
	kyso_notify("STOPPING=1");
	CHECK(strcmp(next_msg(fd), "STOPPING=1") == 0, "STOPPING=1 as sent");
	kyso_notify_close();
	kyso_notify("READY=1");
	CHECK(next_msg(fd)[0] == '\0', "nothing after close");
	(void)close(fd);
	(void)unlink(path);
	/* nobody listening: the open fails, the daemon goes on */
	CHECK(kyso_notify_open() == -1, "an unreachable socket is reported");
	kyso_notify("READY=1");
	(void)rmdir(dir);
}

static void
test_abstract(void)
{
	char name[64];
	int fd;

	(void)snprintf(name, sizeof(name), "@kyso-notify-unit-%ld",
	    (long)getpid());
	fd = listener(name);
	CHECK(fd >= 0, "a listener in the abstract namespace");
	(void)setenv("NOTIFY_SOCKET", name, 1);
	CHECK(kyso_notify_open() == 0, "open an @abstract socket");
	kyso_notify("READY=1");
	CHECK(strcmp(next_msg(fd), "READY=1") == 0, "@abstract: READY=1");
	kyso_notify_close();
	(void)close(fd);
}

static void
test_ignored(void)
{
	char longp[200];

	(void)unsetenv("NOTIFY_SOCKET");
	CHECK(kyso_notify_open() == 0, "unset: nothing to do");
	kyso_notify("READY=1");
	(void)setenv("NOTIFY_SOCKET", "relative/notify", 1);
	CHECK(kyso_notify_open() == 0, "a relative name is ignored");
	(void)setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	CHECK(kyso_notify_open() == 0, "a vsock address is ignored");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	(void)setenv("NOTIFY_SOCKET", longp, 1);
	CHECK(kyso_notify_open() == 0,
	    "a path longer than sun_path is ignored");
	(void)setenv("NOTIFY_SOCKET", "@", 1);
	CHECK(kyso_notify_open() == 0, "an empty abstract name is ignored");
	kyso_notify("READY=1");
	kyso_notify_close();
}

int
main(void)
{
	kyso_log_open(0, NULL, NULL, 0, 0);
	test_path();
	test_abstract();
	test_ignored();
	return TEST_DONE();
}
