/*
 * daemon.c - the daemon's life: the reload of the configuration snapshot
 * (held in snapshot.c) on SIGUSR1, the socket, background mode, pid file,
 * privilege drop.
 * The daemon, not the snapshot, owns the
 * journal: it opens JournalFile at start and reopens it by name with every
 * reload, so a rotated file is left behind.
 * libmilter owns SIGHUP/SIGTERM/SIGINT (it stops on them), so reload is
 * SIGUSR1, handled by a thread waiting in sigwait().
 * The service manager hears READY=1 once the socket exists, RELOADING=1 and
 * READY=1 around each reload, STOPPING=1 on the way out (notify.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "apply.h"
#include "kyso_milter.h"

/* Reopen JournalFile by name (a rotated file is left behind). The daemon
 * runs as UserID by then: a new file needs a directory that user can
 * write. */
static int
reopen_journal(const struct kyso_config *cfg)
{
	struct kyso_err err = {0};

	if (kyso_apply_journal_open(kyso_config_settings(cfg), &err) == 0)
		return 0;
	kyso_log(LOG_ERR,
	    "%s (the journal stays on the file open before; its directory "
	    "must be writable by the UserID user)",
	    err.msg);
	return -1;
}

int
kyso_daemon_reload(int keep_signers)
{
	struct kyso_config *cur = kyso_daemon_config();
	struct kyso_config *cfg;
	struct kyso_err err = {0};
	size_t kept;

	if (cur == NULL)
		return -1;
	cfg = kyso_config_load_ex(kyso_config_path(cur),
	    keep_signers ? cur : NULL, 0, &err);
	if (cfg == NULL) {
		kyso_log(LOG_ERR,
		    "reload failed, keeping the running configuration: %s%s",
		    err.msg,
		    geteuid() != 0 && strstr(err.msg, "Permission denied")
		        ? " (a changed key, passphrase or PIN file that only "
		          "root may read needs a restart)"
		        : "");
		/* log rotation must not depend on a good configuration */
		(void)reopen_journal(cur);
		kyso_config_unref(cur);
		return -1;
	}
	if (reopen_journal(cfg) < 0) {
		kyso_log(LOG_ERR,
		    "reload failed, keeping the running "
		    "configuration");
		kyso_config_unref(cfg);
		kyso_config_unref(cur);
		return -1;
	}
	kyso_config_unref(cur);
	kept = kyso_config_kept_signers(cfg);
	kyso_log(LOG_NOTICE,
	    "configuration reloaded from %s (%zu signer(s) kept unchanged, "
	    "%zu loaded)",
	    kyso_config_path(cfg), kept, kyso_config_ncerts(cfg) - kept);
	if (keep_signers) /* a start logs them once it listens */
		kyso_daemon_log_health(cfg);
	(void)kyso_daemon_set_config(cfg);
	return 0;
}

/* SIGUSR1 reloads; every KYSO_HEALTH_INTERVAL without one the health
 * findings (certificate expiry, PIN age) are logged again. */
static void *
reload_thread(void *arg)
{
	const struct timespec period = {.tv_sec = KYSO_HEALTH_INTERVAL};
	sigset_t *set = arg;
	struct kyso_config *cfg;
	int sig;

	for (;;) {
		sig = sigtimedwait(set, NULL, &period);
		if (sig == SIGUSR1) {
			kyso_notify("RELOADING=1");
			(void)kyso_daemon_reload(1);
			kyso_notify("READY=1");
		} else if (sig < 0 && errno == EAGAIN &&
		    (cfg = kyso_daemon_config()) != NULL) {
			kyso_daemon_log_health(cfg);
			kyso_config_unref(cfg);
		}
	}
	return NULL;
}

static int
write_pid_file(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		kyso_log(LOG_ERR, "cannot write pid file %s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	(void)fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp) == 0 ? 0 : -1;
}

/* Remove the pid file only if it is still ours (a newer instance may have
 * taken it over while this one was stopping). */
static void
remove_pid_file(const char *path)
{
	FILE *fp;
	long pid = 0;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return;
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	(void)fclose(fp);
	if (pid == (long)getpid())
		(void)unlink(path);
}

/* Look up "user[:group]"; fills uid/gid. */
static int
lookup_user(const char *spec, uid_t *uid, gid_t *gid, char **name)
{
	char *copy = kyso_xstrdup(spec), *colon = strchr(copy, ':');
	struct passwd *pw;
	struct group *gr;
	int rc = -1;

	if (colon != NULL)
		*colon++ = '\0';
	if ((pw = getpwnam(copy)) == NULL) {
		kyso_log(LOG_ERR, "unknown user %s", copy);
		goto out;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon != NULL) {
		if ((gr = getgrnam(colon)) == NULL) {
			kyso_log(LOG_ERR, "unknown group %s", colon);
			goto out;
		}
		*gid = gr->gr_gid;
	}
	*name = kyso_xstrdup(copy);
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
drop_privileges(const char *spec, const char *sock_path, const char *journal)
{
	uid_t uid;
	gid_t gid;
	char *name = NULL;
	int rc = -1;

	if (lookup_user(spec, &uid, &gid, &name) < 0)
		return -1;
	/* the MTA (running as this user or its group) must reach us */
	if (sock_path != NULL && chown(sock_path, uid, gid) < 0)
		kyso_log(LOG_WARNING, "cannot chown %s: %s", sock_path,
		    g_strerror(errno));
	/* the journal is reopened on reload, by then as this user */
	if (journal != NULL && chown(journal, uid, gid) < 0)
		kyso_log(LOG_WARNING, "cannot chown %s: %s", journal,
		    g_strerror(errno));
	if (getuid() == 0 &&
	    (initgroups(name, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)) {
		kyso_log(LOG_ERR, "cannot switch to user %s: %s", spec,
		    g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(name);
	return rc;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			(void)close(fd);
	}
	return chdir("/");
}

/* Path of a unix: or local: socket specification, else NULL. */
static const char *
unix_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/* libmilter keeps its listening socket to itself; find it (the only
 * listening TCP socket we have) and set TCP_NODELAY, which Linux copies to
 * every accepted connection. Without it libmilter's separate small writes
 * of a modification and its reply meet Nagle and delayed ACK: ~40 ms per
 * message on inet sockets (DESIGN.md, measured with OpenDKIM). */
static void
set_listener_nodelay(void)
{
	int fd, on = 1, listening;
	socklen_t len;
	struct sockaddr_storage ss;

	for (fd = 3; fd < 1024; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		        &len) < 0 ||
		    !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) <
		    0)
			kyso_log(LOG_WARNING, "cannot set TCP_NODELAY: %s",
			    g_strerror(errno));
	}
}

int
kyso_daemon_run(const char *config_path, int foreground, const char *pid_file,
    const char *user, int verbose)
{
	struct kyso_config *cfg = kyso_daemon_config();
	const struct kyso_settings *st = kyso_config_settings(cfg);
	const char *sock_path = unix_socket_path(st->socket);
	static sigset_t reload_set;
	struct kyso_err err = {0};
	sigset_t block;
	pthread_t tid;
	int rc;

	(void)config_path;
	(void)verbose;
	if (pid_file == NULL)
		pid_file = st->pid_file;
	if (user == NULL)
		user = st->user_id;
	/* before the privilege drop: the notify socket may be root's */
	(void)kyso_notify_open();
	if (kyso_callbacks_register() < 0) {
		kyso_log(LOG_ERR, "smfi_register failed");
		goto fail;
	}
	if (smfi_setconn((char *)st->socket) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		kyso_log(LOG_ERR, "cannot open socket %s", st->socket);
		goto fail;
	}
	/* only the MTA may talk to us: whoever reaches this socket can ask
	 * for signatures */
	if (sock_path != NULL && chmod(sock_path, 0660) < 0)
		kyso_log(LOG_WARNING, "cannot chmod %s: %s", sock_path,
		    g_strerror(errno));
	if (sock_path == NULL)
		set_listener_nodelay();
	if (!foreground) {
		if (daemonize() < 0) {
			kyso_log(LOG_ERR, "cannot go to the background: %s",
			    g_strerror(errno));
			goto fail;
		}
		/* PKCS#11 sessions do not survive fork(): log in to tokens
		 * again in the process that will sign (the parent's load
		 * already reported any configuration error on the terminal) */
		if (kyso_daemon_reload(0) < 0)
			goto fail;
	} else if (kyso_apply_journal_open(st, &err) < 0) {
		/* in the background the reload above opened it */
		kyso_log(LOG_ERR, "%s", err.msg);
		goto fail;
	}
	if (pid_file != NULL && write_pid_file(pid_file) < 0)
		goto fail;
	if (user != NULL &&
	    drop_privileges(user, sock_path, st->journal_file) < 0)
		goto fail;
	/* block SIGUSR1 for our reload thread, and the signals libmilter
	 * waits for in its own thread, so no other thread takes them */
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGUSR1);
	(void)sigaddset(&block, SIGHUP);
	(void)sigaddset(&block, SIGTERM);
	(void)sigaddset(&block, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &block, NULL);
	(void)sigemptyset(&reload_set);
	(void)sigaddset(&reload_set, SIGUSR1);
	if (pthread_create(&tid, NULL, reload_thread, &reload_set) != 0) {
		kyso_log(LOG_ERR, "cannot start the reload thread");
		goto fail;
	}
	(void)pthread_detach(tid);
	kyso_log(LOG_NOTICE, "kyso-milter %s listening on %s", PACKAGE_VERSION,
	    st->socket);
	kyso_daemon_log_health(cfg);
	kyso_config_unref(cfg);
	/* the socket exists and accepts (libmilter's backlog until
	 * smfi_main() takes them): the MTA may start now */
	kyso_notify("READY=1");
	rc = smfi_main();
	kyso_notify("STOPPING=1");
	kyso_notify_close();
	kyso_log(LOG_NOTICE, "kyso-milter stopping");
	remove_pid_file(pid_file);
	kyso_apply_journal_close();
	return rc == MI_SUCCESS ? 0 : 1;
fail:
	kyso_notify_close();
	kyso_apply_journal_close();
	kyso_config_unref(cfg);
	return 1;
}
