/*
 * report.h - the administrators' report from the per-message journal:
 * per month and agency (certificate id) how much of our mail was signed,
 * sealed (CoSign: the official's signature plus the agency seal),
 * passed unsigned or refused; per month the inbound verification results;
 * and the certificate table with days left until each certificate expires.
 *
 * Pure data in, text out (plain text or CSV); kyso-report(8) prints it.
 * Never logs.
 */
#ifndef KYSO_REPORT_H
#define KYSO_REPORT_H

#include <stdio.h>
#include <time.h>
#include <glib.h>
#include "kyso/policy/config.h"
#include "kyso/policy/journal.h"

enum kyso_report_format {
	KYSO_REPORT_TEXT = 0, /* aligned columns for people */
	KYSO_REPORT_CSV,      /* RFC 4180, one header line per section */
};

struct kyso_report;

/* Count records with from <= time < until; 0 leaves that end open. */
struct kyso_report *kyso_report_new(time_t from, time_t until);
void kyso_report_free(struct kyso_report *r);

/* Count one record; 1 when counted, 0 when outside the period. */
int kyso_report_add(struct kyso_report *r,
    const struct kyso_journal_record *rec);

/* Count every record of a journal. Lines that are not KJ1 records
 * (damaged by a full disk, or too long) are skipped and counted in
 * kyso_report_bad(). -1 with err (KYSO_E_TEMP) on a read error. */
int kyso_report_read(struct kyso_report *r, FILE *fp, struct kyso_err *err);

/* Count one record that could not be read (from a database). */
void kyso_report_skip(struct kyso_report *r);

size_t kyso_report_records(const struct kyso_report *r); /* counted */
size_t kyso_report_bad(const struct kyso_report *r);     /* skipped lines */

/* Records of month "YYYY-MM", direction dir, agency (certificate id, ""
 * for none) and result; inbound records have agency "". */
size_t kyso_report_count(const struct kyso_report *r, const char *month,
    enum kyso_journal_dir dir, const char *agency, const char *result);

/* The counts as text or CSV; g_free() the result. */
char *kyso_report_format(const struct kyso_report *r,
    enum kyso_report_format fmt);

/* Every certificate of cfg's certificate table with subject, serial,
 * validity end and whole days left at now; status "EXPIRED", "NOT YET
 * VALID", "EXPIRES SOON" (within warn_days days) or "ok". *nwarn (if not
 * NULL) receives how many are not "ok". g_free() the result. */
char *kyso_report_certs(const struct kyso_config *cfg, time_t now,
    int warn_days, enum kyso_report_format fmt, size_t *nwarn);

/* Time of the first and the last record counted; -1 when none. */
int kyso_report_span(const struct kyso_report *r, time_t *first, time_t *last);

/* One certificate of the certificate table at a given time. */
struct kyso_report_cert {
	char *id, *subject, *issuer, *serial; /* "" when unreadable */
	time_t not_after;                     /* 0: unknown */
	long days_left;                       /* whole days, may be < 0 */
	long pin_age_days;                    /* -1: not known */
	const char *status; /* "ok", "EXPIRED", "NOT YET VALID", ... */
};

/* The certificate table of cfg as rows (what kyso_report_certs prints);
 * g_ptr_array_free(rows, TRUE) frees them. */
GPtrArray *kyso_report_cert_rows(const struct kyso_config *cfg, time_t now,
    int warn_days);

/* The report as one self-contained HTML page in Vietnamese (UTF-8, no
 * external resource): the period (from/until as given, else the records'
 * first and last day) and the servers in its heading, one inline SVG bar
 * chart per agency with a bar per month (signatures made: signed plus
 * sealed), the outbound and inbound tables, the certificates used, and
 * certs (may be NULL: no certificate table) with days left and PIN age.
 * Every value from the journal is escaped. g_free() the result. */
char *kyso_report_html(const struct kyso_report *r, const GPtrArray *certs,
    time_t now, int warn_days);

/* "YYYY-MM" or "YYYY-MM-DD" (UTC): the period's first second, or with
 * end set the first second after it. -1 when s is not such a date. */
int kyso_report_parse_date(const char *s, int end, time_t *out);

#endif
