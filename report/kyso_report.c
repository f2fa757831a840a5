/*
 * kyso_report.c - kyso-report(8): read kyso-milter's per-message journal
 * and print per month and agency how much mail was signed, refused or
 * passed unsigned, the inbound verification results, and (with -c) the
 * certificate table with days left until each certificate expires.
 *
 * With PostgreSQL (report/db.c): --ship sends the journal's new records
 * into a database shared by several servers, --db reads the report from
 * it. The daemon never talks to the database.
 *
 * A separate program: it links libkyso_policy.a, never libmilter.
 * Exit status: 0 report printed (or records shipped); 1 a journal or the
 * database could not be read, or shipping stopped; 2 usage; 78 the
 * configuration did not load. --check (check.c) is a monitoring probe
 * with Nagios exit codes instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/report.h"
#ifdef KYSO_HAVE_PQ
#include "db.h"
#endif
#include "check.h"

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: kyso-report [-c FILE] [--from DATE] [--to DATE]\n"
	    "                   [--format text|csv|html] [--html] "
	    "[--warn-days N]\n"
	    "                   [--now DATE] [--no-certs] [--check] "
	    "[--db CONNINFO]\n"
	    "                   [JOURNAL ...]\n"
	    "       kyso-report --ship --db CONNINFO [-c FILE] [--state FILE]\n"
	    "                   [--host NAME] [--batch N] [JOURNAL ...]\n"
	    "  -c FILE         kyso-milter.conf(5): JournalFile and the "
	    "certificate table\n"
	    "  --from DATE     first month or day counted (YYYY-MM or "
	    "YYYY-MM-DD, UTC)\n"
	    "  --to DATE       last month or day counted (inclusive)\n"
	    "  --format F      text (default), csv or html (--html)\n"
	    "  --db CONNINFO   read the records from PostgreSQL instead "
	    "(libpq conninfo)\n"
	    "  --ship          send the journal's new records to --db\n"
	    "  --state FILE    ship position (default: the journal's name "
	    "+ .shipped)\n"
	    "  --host NAME     server name for records without one (KJ1)\n"
	    "  --batch N       records per transaction when shipping "
	    "(default 500)\n"
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
	const char *conf, *db, *state, *host;
	time_t from, until, now;
	enum kyso_report_format fmt;
	int html, warn_days, no_certs, check, ship;
	long batch;
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
	    {"html", no_argument, NULL, 'H'},
	    {"db", required_argument, NULL, 'D'},
	    {"ship", no_argument, NULL, 'S'},
	    {"state", required_argument, NULL, 'P'},
	    {"host", required_argument, NULL, 'O'},
	    {"batch", required_argument, NULL, 'B'},
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
			o->html = 0;
			if (strcmp(optarg, "text") == 0)
				o->fmt = KYSO_REPORT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->fmt = KYSO_REPORT_CSV;
			else if (strcmp(optarg, "html") == 0)
				o->html = 1;
			else {
				(void)fprintf(stderr,
				    "kyso-report: --format "
				    "text, csv or html\n");
				return -1;
			}
			break;
		case 'H':
			o->html = 1;
			break;
		case 'D':
			o->db = optarg;
			break;
		case 'S':
			o->ship = 1;
			break;
		case 'P':
			o->state = optarg;
			break;
		case 'O':
			o->host = optarg;
			break;
		case 'B':
			errno = 0;
			o->batch = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->batch < 1 ||
			    o->batch > KYSO_MAX_SHIP_BATCH) {
				(void)fprintf(stderr,
				    "kyso-report: --batch 1..%d\n",
				    KYSO_MAX_SHIP_BATCH);
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

/* Count one journal file ("-": standard input); 0 ok, -1 reported.
 * configured: the JournalFile of -c, which a daemon that has not decided
 * a message yet has not created: no records, not an error. */
static int
read_journal(struct kyso_report *r, const char *path, int configured)
{
	struct kyso_err err = {0};
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (fp == NULL && configured && errno == ENOENT) {
		(void)fprintf(stderr,
		    "kyso-report: %s does not exist yet: no records\n", path);
		return 0;
	}
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

#ifdef KYSO_HAVE_PQ
/* --ship: the journals' new records into the database; 0 or 1. */
static int
ship(const struct opts *o, const struct kyso_config *cfg,
    const char *const *paths, size_t n)
{
	const struct kyso_settings *st =
	    cfg != NULL ? kyso_config_settings(cfg) : NULL;
	const char *host = o->host;
	struct kyso_ship_stats stats;
	struct kyso_err err = {0};
	char *state = NULL;
	int rc;

	if (host == NULL && st != NULL)
		host = st->journal_host;
	state = o->state != NULL ? g_strdup(o->state)
	                         : g_strconcat(paths[n - 1], ".shipped", NULL);
	rc = kyso_db_ship(o->db, paths, n, state, host, (size_t)o->batch,
	    &stats, &err);
	if (rc < 0)
		(void)fprintf(stderr,
		    "kyso-report: shipping stopped: %s; %zu records shipped, "
		    "%zu lines wait in the journal for the next --ship "
		    "(position "
		    "kept in %s)\n",
		    err.msg, stats.sent, stats.pending, state);
	else
		(void)printf("kyso-report: shipped %zu records (%zu new, %zu "
		             "already in the database), %zu unreadable lines "
		             "skipped\n",
		    stats.sent, stats.inserted, stats.sent - stats.inserted,
		    stats.bad);
	g_free(state);
	return rc < 0 ? 1 : 0;
}
#endif

/* The records: from the database (--db) or the journal files. */
static int
gather(const struct opts *o, const struct kyso_config *cfg,
    struct kyso_report *r, char **files, int nfiles)
{
	const char *journal;
	int i, rc = 0;

	if (o->db != NULL) {
#ifdef KYSO_HAVE_PQ
		struct kyso_err err = {0};

		if (kyso_db_read(o->db, r, o->from, o->until, &err) < 0) {
			(void)fprintf(stderr, "kyso-report: %s\n", err.msg);
			rc = 1;
		}
#endif
	} else if (nfiles > 0) {
		for (i = 0; i < nfiles; i++)
			if (read_journal(r, files[i], 0) < 0)
				rc = 1;
	} else if ((journal = kyso_config_settings(cfg)->journal_file) !=
	    NULL) {
		if (read_journal(r, journal, 1) < 0)
			rc = 1;
	} else {
		(void)fprintf(stderr,
		    "kyso-report: %s sets no JournalFile; name journal "
		    "files\n",
		    o->conf);
		rc = 1;
	}
	return rc;
}

/* The report on standard output; *nwarn: certificates needing care. */
static void
print_report(const struct opts *o, const struct kyso_config *cfg,
    const struct kyso_report *r, size_t *nwarn)
{
	GPtrArray *certs = NULL;
	char *text;

	if (o->html) {
		if (cfg != NULL && !o->no_certs) {
			certs =
			    kyso_report_cert_rows(cfg, o->now, o->warn_days);
			g_free(kyso_report_certs(cfg, o->now, o->warn_days,
			    KYSO_REPORT_TEXT, nwarn));
		}
		text = kyso_report_html(r, certs, o->now, o->warn_days);
		(void)fputs(text, stdout);
		g_free(text);
		if (certs != NULL)
			g_ptr_array_free(certs, TRUE);
		return;
	}
	text = kyso_report_format(r, o->fmt);
	(void)fputs(text, stdout);
	g_free(text);
	if (cfg != NULL && !o->no_certs) {
		text =
		    kyso_report_certs(cfg, o->now, o->warn_days, o->fmt, nwarn);
		(void)fputs("\n", stdout);
		(void)fputs(text, stdout);
		g_free(text);
	}
}

/* Usage errors of option combinations; 0 or -1 (reported). */
static int
check_opts(const struct opts *o, int nfiles)
{
	const char *why = NULL;

#ifndef KYSO_HAVE_PQ
	if (o->db != NULL || o->ship)
		why = "built without PostgreSQL (configure "
		      "--with-postgresql): no --db, no --ship";
#endif
	if (why == NULL && o->ship && o->db == NULL)
		why = "--ship needs --db CONNINFO";
	else if (why == NULL && o->db != NULL && !o->ship && nfiles > 0)
		why = "--db reads the database: name no journal files";
	else if (why == NULL && o->conf == NULL && nfiles == 0 &&
	    (o->db == NULL || o->ship))
		why = "give -c FILE or journal files";
	if (why != NULL) {
		(void)fprintf(stderr, "kyso-report: %s\n", why);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {.warn_days = -1};
	struct kyso_config *cfg = NULL;
	struct kyso_report *r = NULL;
	struct kyso_err err = {0};
	size_t nwarn = 0;
	int rc = 0;

	if (parse_opts(argc, argv, &o) < 0 ||
	    check_opts(&o, argc - optind) < 0) {
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
#ifdef KYSO_HAVE_PQ
	if (o.ship) {
		const char *jf = cfg != NULL
		    ? kyso_config_settings(cfg)->journal_file
		    : NULL;

		if (optind < argc)
			rc = ship(&o, cfg, (const char *const *)argv + optind,
			    (size_t)(argc - optind));
		else if (jf != NULL)
			rc = ship(&o, cfg, &jf, 1);
		else {
			(void)fprintf(stderr,
			    "kyso-report: %s sets no "
			    "JournalFile; name journal files\n",
			    o.conf);
			rc = 1;
		}
		goto out;
	}
#endif
	r = kyso_report_new(o.from, o.until);
	rc = gather(&o, cfg, r, argv + optind, argc - optind);
	print_report(&o, cfg, r, &nwarn);
	if (fflush(stdout) != 0) {
		(void)fprintf(stderr, "kyso-report: write error: %s\n",
		    g_strerror(errno));
		rc = 1;
	}
#ifdef KYSO_HAVE_PQ
out:
#endif
	kyso_report_free(r);
	kyso_config_unref(cfg);
	kyso_mime_shutdown();
	return rc;
}
