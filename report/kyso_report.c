/*
 * kyso_report.c - kyso-report(8): read kyso-milter's per-message journal
 * and print per month and agency how much mail was signed, refused or
 * passed unsigned, the inbound verification results, and (with -c) the
 * certificate table with days left until each certificate expires.
 *
 * A separate program: it links libkyso_policy.a, never libmilter.
 * Exit status: 0 report printed; 1 a journal could not be read; 2 usage;
 * 78 the configuration did not load. --check (check.c) is a monitoring
 * probe with Nagios exit codes instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "kyso/mime.h"
#include "kyso/report.h"
#include "check.h"

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: kyso-report [-c FILE] [--from DATE] [--to DATE]\n"
	    "                   [--format text|csv] [--warn-days N] "
	    "[--now DATE]\n"
	    "                   [--no-certs] [--check] [JOURNAL ...]\n"
	    "  -c FILE         kyso-milter.conf(5): JournalFile and the "
	    "certificate table\n"
	    "  --from DATE     first month or day counted (YYYY-MM or "
	    "YYYY-MM-DD, UTC)\n"
	    "  --to DATE       last month or day counted (inclusive)\n"
	    "  --format F      text (default) or csv\n"
	    "  --warn-days N   flag certificates expiring within N days "
	    "(default\n"
	    "                  CertificateExpiryWarning, 30)\n"
	    "  --check         monitoring probe: certificates and PIN ages "
	    "only (no keys),\n"
	    "                  one line, exit 0 OK, 1 WARNING, 2 CRITICAL\n"
	    "  JOURNAL         journal files, '-' for standard input "
	    "(default: JournalFile)\n");
}

struct opts {
	const char *conf;
	time_t from, until, now;
	enum kyso_report_format fmt;
	int warn_days, no_certs, check;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"from", required_argument, NULL, 's'},
	    {"to", required_argument, NULL, 'u'},
	    {"format", required_argument, NULL, 'f'},
	    {"warn-days", required_argument, NULL, 'w'},
	    {"now", required_argument, NULL, 'N'},
	    {"no-certs", no_argument, NULL, 'C'},
	    {"check", no_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int ch;

	while (
	    (ch = getopt_long(argc, argv, "c:s:u:f:w:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 's':
		case 'u':
		case 'N':
			if (kyso_report_parse_date(optarg, ch == 'u',
			        ch == 's'       ? &o->from
			            : ch == 'u' ? &o->until
			                        : &o->now) < 0) {
				(void)fprintf(stderr,
				    "kyso-report: bad date \"%s\" (want "
				    "YYYY-MM or YYYY-MM-DD)\n",
				    optarg);
				return -1;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->fmt = KYSO_REPORT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->fmt = KYSO_REPORT_CSV;
			else {
				(void)fprintf(stderr,
				    "kyso-report: --format text or csv\n");
				return -1;
			}
			break;
		case 'w':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 0 || n > 3650) {
				(void)fprintf(stderr,
				    "kyso-report: --warn-days 0..3650\n");
				return -1;
			}
			o->warn_days = (int)n;
			break;
		case 'C':
			o->no_certs = 1;
			break;
		case 'K':
			o->check = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return 0;
}

/* Count one journal file ("-": standard input); 0 ok, -1 reported. */
static int
read_journal(struct kyso_report *r, const char *path)
{
	struct kyso_err err = {0};
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (fp == NULL) {
		(void)fprintf(stderr, "kyso-report: %s: %s\n", path,
		    g_strerror(errno));
		return -1;
	}
	rc = kyso_report_read(r, fp, &err);
	if (rc < 0)
		(void)fprintf(stderr, "kyso-report: %s: %s\n", path, err.msg);
	if (fp != stdin)
		(void)fclose(fp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {.warn_days = -1};
	struct kyso_config *cfg = NULL;
	struct kyso_report *r = NULL;
	struct kyso_err err = {0};
	const char *journal = NULL;
	char *text = NULL;
	size_t nwarn = 0;
	int i, rc = 0;

	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (o.conf == NULL && optind == argc) {
		(void)fprintf(stderr,
		    "kyso-report: give -c FILE or journal files\n");
		usage(stderr);
		return 2;
	}
	if (o.now == 0)
		o.now = time(NULL);
	if (o.check) {
		if (o.conf == NULL || optind != argc) {
			(void)fprintf(stderr,
			    "kyso-report: --check wants -c FILE and no "
			    "journal\n");
			return 3; /* UNKNOWN */
		}
		kyso_mime_init();
		rc = kyso_report_check(o.conf, o.now, o.warn_days, stdout);
		kyso_mime_shutdown();
		return rc;
	}
	kyso_mime_init();
	if (o.conf != NULL && (cfg = kyso_config_load(o.conf, &err)) == NULL) {
		(void)fprintf(stderr, "kyso-report: %s\n", err.msg);
		kyso_mime_shutdown();
		return 78;
	}
	if (o.warn_days < 0) /* default: the daemon's own warning */
		o.warn_days = cfg != NULL
		    ? kyso_config_settings(cfg)->cert_expiry_warning
		    : 30;
	r = kyso_report_new(o.from, o.until);
	if (optind < argc) {
		for (i = optind; i < argc; i++)
			if (read_journal(r, argv[i]) < 0)
				rc = 1;
	} else if ((journal = kyso_config_settings(cfg)->journal_file) !=
	    NULL) {
		if (read_journal(r, journal) < 0)
			rc = 1;
	} else {
		(void)fprintf(stderr,
		    "kyso-report: %s sets no JournalFile; name journal "
		    "files\n",
		    o.conf);
		rc = 1;
	}
	text = kyso_report_format(r, o.fmt);
	(void)fputs(text, stdout);
	g_free(text);
	if (cfg != NULL && !o.no_certs) {
		text =
		    kyso_report_certs(cfg, o.now, o.warn_days, o.fmt, &nwarn);
		(void)fputs("\n", stdout);
		(void)fputs(text, stdout);
		g_free(text);
	}
	if (fflush(stdout) != 0) {
		(void)fprintf(stderr, "kyso-report: write error: %s\n",
		    g_strerror(errno));
		rc = 1;
	}
	kyso_report_free(r);
	kyso_config_unref(cfg);
	kyso_mime_shutdown();
	return rc;
}
