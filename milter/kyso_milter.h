/*
 * kyso_milter.h - private to milter/: the daemon's shared pieces.
 */
#ifndef KYSO_MILTER_H
#define KYSO_MILTER_H

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include "kyso/policy/config.h"
#include "kyso/policy/process.h"

/* log.c: syslog through socket_path (NULL: /dev/log), and standard error
 * when to_stderr or not use_syslog; never untrusted bytes raw */
void kyso_log_open(int use_syslog, const char *facility,
    const char *socket_path, int to_stderr, int verbose);
void kyso_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kyso_vlog(int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int kyso_log_verbose(void);
/* Copy s into buf replacing anything but printable ASCII with '?'. */
const char *kyso_printable(const char *s, char *buf, size_t len);

/* snapshot.c: the current configuration snapshot */
int kyso_daemon_set_config(struct kyso_config *cfg); /* takes the ref */
struct kyso_config *kyso_daemon_config(void);        /* new ref */
/* notify.c: sd_notify(3)'s datagram to $NOTIFY_SOCKET, if set; open
 * before the privilege drop, then kyso_notify("READY=1") etc. */
int kyso_notify_open(void); /* 0 also when unset; -1 unreachable */
void kyso_notify(const char *state);
void kyso_notify_close(void);
/* daemon.c: the daemon's life and the reload */
/* 0 swapped, -1 kept the old one; keep_signers: keep unchanged signers
 * (0 after fork: token sessions must be opened again) */
int kyso_daemon_reload(int keep_signers);
/* watch.c: log certificate expiry, PIN age and -n's findings */
void kyso_daemon_log_health(const struct kyso_config *cfg);
/* Print -n's findings to out, one "kyso-milter: file:line: ..." line
 * each; -1 when one is critical (the daemon could not do its work).
 * user: the -u user[:group] the daemon would run as, or NULL: UserID. */
int kyso_check_print(const struct kyso_config *cfg, const char *user,
    FILE *out);
int kyso_daemon_run(const char *config_path, int foreground,
    const char *pid_file, const char *user, int verbose);

/* callbacks.c: libmilter registration */
int kyso_callbacks_register(void);
/* Body replacement chunk size (-B): libmilter's own packet limit by
 * default; smaller for MTA-side test tools that cannot take large packets
 * (OpenDKIM's miltertest overflows above 1 KiB). Call before threads. */
#define KYSO_BODY_CHUNK_DEFAULT 65535
#define KYSO_BODY_CHUNK_MIN     512
void kyso_callbacks_set_body_chunk(size_t n);

/* offline.c: the -t mode */
struct kyso_offline_args {
	const char *msg_file;
	const char *env_from;
	const char *auth_user;
	const char *client_ip; /* NULL/"": local submission */
	const char *daemon_name;
	const char **rcpts; /* -r: envelope recipients, nrcpts of them */
	size_t nrcpts;
	int journal; /* -J: append the journal line as the daemon does */
};
int kyso_offline_run(const struct kyso_config *cfg,
    const struct kyso_offline_args *a);

#endif
