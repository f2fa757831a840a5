/*
 * main.c - kyso-milter's command line: run the daemon, check a
 * configuration (-n), or process one message file offline (-t).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/inbound.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/signer.h"
#include "kyso_milter.h"

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: kyso-milter -c FILE [-f] [-v] [-p PIDFILE] [-u "
	    "USER[:GROUP]]\n"
	    "                   [-B BODY_CHUNK_BYTES]\n"
	    "       kyso-milter -c FILE -n\n"
	    "       kyso-milter -c FILE -C CERT.pem\n"
	    "       kyso-milter -c FILE -t MSGFILE [-e ENVFROM] [-a AUTHUSER]\n"
	    "                   [-i CLIENT_IP] [-d DAEMON_NAME] [-r RCPT]... "
	    "[-J]\n"
	    "       kyso-milter -V\n"
	    "  -c FILE   configuration file (kyso-milter.conf(5))\n"
	    "  -f        stay in the foreground, log to stderr\n"
	    "  -n        check the configuration and exit (0 = good)\n"
	    "  -C FILE   describe a certificate: chain, fingerprint, kind\n"
	    "  -t FILE   process one message file, print the result\n"
	    "  -r RCPT   with -t: an envelope recipient (repeatable)\n"
	    "  -J        with -t: append the journal line (JournalFile)\n"
	    "  -v        verbose (debug) logging\n");
}

/* -C: print what kyso says about a certificate; 0, or 1 on error. */
static int
describe(const struct kyso_config *cfg, const char *path)
{
	struct kyso_err err = {0};
	char *text = kyso_describe_cert(cfg, path, time(NULL), &err);

	if (text == NULL) {
		(void)fprintf(stderr, "kyso-milter: %s\n", err.msg);
		return 1;
	}
	(void)fputs(text, stdout);
	g_free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *pid_file = NULL, *user = NULL, *cert = NULL;
	struct kyso_offline_args off = {0};
	struct kyso_config *cfg;
	struct kyso_err err = {0};
	int ch, foreground = 0, check = 0, verbose = 0, rc;
	unsigned long chunk;
	char *end;

	while (
	    (ch = getopt(argc, argv, "a:B:C:c:d:e:fhi:Jnp:r:t:u:vV")) != -1) {
		switch (ch) {
		case 'a':
			off.auth_user = optarg;
			break;
		case 'B':
			chunk = strtoul(optarg, &end, 10);
			if (*end != '\0' || chunk < KYSO_BODY_CHUNK_MIN ||
			    chunk > KYSO_BODY_CHUNK_DEFAULT) {
				(void)fprintf(stderr,
				    "kyso-milter: -B wants "
				    "%d..%d bytes\n",
				    KYSO_BODY_CHUNK_MIN,
				    KYSO_BODY_CHUNK_DEFAULT);
				return 2;
			}
			kyso_callbacks_set_body_chunk(chunk);
			break;
		case 'c':
			conf = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'd':
			off.daemon_name = optarg;
			break;
		case 'e':
			off.env_from = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'i':
			off.client_ip = optarg;
			break;
		case 'J':
			off.journal = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'r':
			off.rcpts =
			    g_renew(const char *, off.rcpts, off.nrcpts + 1);
			off.rcpts[off.nrcpts++] = optarg;
			break;
		case 't':
			off.msg_file = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			(void)printf("kyso-milter %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (conf == NULL || optind != argc ||
	    (off.nrcpts > 0 && off.msg_file == NULL)) {
		g_free(off.rcpts);
		usage(stderr);
		return 2;
	}
	kyso_mime_init();
	/* token events (a key found again, a refused PIN) go to our log */
	kyso_token_set_logger(kyso_vlog);
	if ((cfg = kyso_config_load(conf, &err)) == NULL) {
		(void)fprintf(stderr, "kyso-milter: %s\n", err.msg);
		g_free(off.rcpts);
		kyso_mime_shutdown();
		return check ? 1 : 78; /* EX_CONFIG */
	}
	if (check) {
		rc = kyso_check_print(cfg, user, stderr);
		if (rc == 0)
			(void)printf("kyso-milter: %s: configuration OK\n",
			    conf);
		kyso_config_unref(cfg);
		kyso_mime_shutdown();
		return rc == 0 ? 0 : 1;
	}
	if (cert != NULL) {
		rc = describe(cfg, cert);
		kyso_config_unref(cfg);
		kyso_mime_shutdown();
		return rc;
	}
	if (off.msg_file != NULL) {
		kyso_log_open(0, NULL, NULL, 1, verbose);
		rc = kyso_offline_run(cfg, &off);
		g_free(off.rcpts);
		kyso_config_unref(cfg);
		kyso_mime_shutdown();
		return rc;
	}
	/* syslog in the foreground too (systemd runs us with -f); standard
	 * error as well on a terminal, where someone is watching */
	kyso_log_open(kyso_config_settings(cfg)->syslog,
	    kyso_config_settings(cfg)->syslog_facility,
	    kyso_config_settings(cfg)->syslog_socket,
	    foreground && isatty(STDERR_FILENO), verbose);
	(void)kyso_daemon_set_config(cfg);
	rc = kyso_daemon_run(conf, foreground, pid_file, user, verbose);
	(void)kyso_daemon_set_config(NULL);
	kyso_mime_shutdown();
	return rc;
}
