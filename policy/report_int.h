/*
 * report_int.h - what the report's writers (report.c: text and CSV,
 * report_html.c: HTML) share inside policy/: the aggregate and its rows.
 * Not for other directories.
 */
#ifndef KYSO_REPORT_INT_H
#define KYSO_REPORT_INT_H

#include <glib.h>
#include "kyso/policy/report.h"

struct kyso_report {
	time_t from, until; /* 0: open */
	GHashTable *counts; /* "month\tdir\tagency\tresult" -> size_t * */
	GHashTable *hosts;  /* host ("" for KJ1 records) -> size_t * */
	GHashTable *certs;  /* "cert_id\tserial" -> kyso_report_cert_use */
	GHashTable *kinds;  /* agency -> struct kyso_report_kinds */
	size_t records, bad;
	time_t first, last; /* of the records counted */
};

/* Signatures made with one certificate (signed or sealed records). */
struct kyso_report_cert_use {
	char *cert_id, *serial, *issuer;
	size_t signatures;
	time_t last;
};

/* Signatures on one agency's outbound mail, by kind of signer. */
struct kyso_report_kinds {
	size_t agency, personal, other;
};

/* Result columns of the tables (NULL-terminated); others are "other". */
extern const char *const kyso_report_out_cols[];
extern const char *const kyso_report_in_cols[];

/* One row of a table: month, agency ("" inbound), the counts of the
 * columns, then other and total. */
struct kyso_report_row {
	char *month, *agency;
	size_t n[8], other, total;
};

/* Rows of direction dir ("out", "in"), sorted by month then agency. */
void kyso_report_rows(const struct kyso_report *r, const char *dir,
    const char *const *cols, GPtrArray *rows);
void kyso_report_row_free(gpointer p);

/* Host names seen, sorted (borrowed strings; free the array only). */
GPtrArray *kyso_report_hosts(const struct kyso_report *r);
size_t kyso_report_host_records(const struct kyso_report *r, const char *host);

/* Agencies of r->kinds, sorted (borrowed; free the array only). */
GPtrArray *kyso_report_kind_agencies(const struct kyso_report *r);

/* A journal string made safe to show: escaped, at most cap bytes;
 * g_free() it. */
char *kyso_report_shown(const char *s, size_t cap);

gint kyso_report_cmp_str(gconstpointer a, gconstpointer b);
void kyso_report_month_of(time_t t, char *buf, size_t len);
/* "YYYY-MM-DD HH:MM" UTC, "unknown" for 0. */
void kyso_report_time_text(time_t t, char *buf, size_t len);

#endif
