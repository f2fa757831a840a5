/*
 * report.c - aggregate journal records (include/kyso/policy/report.h) per
 * month, direction, agency and result, and write them with the certificate
 * table as aligned text or CSV.
 *
 * Counts are kept per exact result word, so a result this version does not
 * know still counts (column "other" in text, its own row in CSV). Strings
 * from the journal are escaped again before they are shown. Never logs.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "kyso/policy/health.h"
#include "kyso/policy/report.h"
#include "report_int.h"

/* Columns of the text tables; anything else is "other". */
const char *const kyso_report_out_cols[] = {"signed", "sealed", "unsigned",
    "classified", "expired", "refused", "error", NULL};
static const char *const out_heads[] = {"Signed", "Sealed", "Unsigned",
    "Classified", "Expired", "Refused", "Error", NULL};
const char *const kyso_report_in_cols[] = {"pass", "fail", "policy", "neutral",
    "temperror", "permerror", "none", NULL};
static const char *const in_heads[] = {"Pass", "Fail", "Policy", "Neutral",
    "TempErr", "PermErr", "None", NULL};

static void
cert_use_free(gpointer p)
{
	struct kyso_report_cert_use *u = p;

	g_free(u->cert_id);
	g_free(u->serial);
	g_free(u->issuer);
	g_free(u);
}

struct kyso_report *
kyso_report_new(time_t from, time_t until)
{
	struct kyso_report *r = kyso_xcalloc(1, sizeof(*r));

	r->from = from;
	r->until = until;
	r->counts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->hosts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->certs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    cert_use_free);
	r->kinds =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return r;
}

void
kyso_report_free(struct kyso_report *r)
{
	if (r == NULL)
		return;
	g_hash_table_destroy(r->counts);
	g_hash_table_destroy(r->hosts);
	g_hash_table_destroy(r->certs);
	g_hash_table_destroy(r->kinds);
	g_free(r);
}

void
kyso_report_month_of(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m", &tm) == 0)
		(void)g_strlcpy(buf, "0000-00", len);
}

static const char *
dir_name(enum kyso_journal_dir d)
{
	return d == KYSO_JOURNAL_OUT ? "out" : "in";
}

static char *
count_key(const char *month, enum kyso_journal_dir dir, const char *agency,
    const char *result)
{
	return g_strdup_printf("%s\t%s\t%s\t%s", month, dir_name(dir), agency,
	    result);
}

static void
count_host(struct kyso_report *r, const char *host)
{
	size_t *n = g_hash_table_lookup(r->hosts, host);

	if (n == NULL) {
		n = g_new0(size_t, 1);
		g_hash_table_insert(r->hosts, g_strdup(host), n);
	}
	(*n)++;
}

/* A signature made with a certificate: its use, by id and serial. */
static void
count_cert(struct kyso_report *r, const struct kyso_journal_record *rec)
{
	char *key = g_strdup_printf("%s\t%s", rec->cert_id, rec->serial);
	struct kyso_report_cert_use *u = g_hash_table_lookup(r->certs, key);

	if (u == NULL) {
		u = g_new0(struct kyso_report_cert_use, 1);
		u->cert_id = g_strdup(rec->cert_id);
		u->serial = g_strdup(rec->serial);
		u->issuer = g_strdup(rec->issuer);
		g_hash_table_insert(r->certs, key, u);
	} else {
		g_free(key);
	}
	u->signatures++;
	if (rec->time > u->last)
		u->last = rec->time;
}

/* The signatures an outbound record carries, by kind: its kinds field, or
 * for a KJ1 record (none) what its result implies. */
static void
count_kinds(struct kyso_report *r, const struct kyso_journal_record *rec)
{
	struct kyso_report_kinds *k =
	    g_hash_table_lookup(r->kinds, rec->cert_id);
	char **names;
	size_t i;

	if (k == NULL) {
		k = g_new0(struct kyso_report_kinds, 1);
		g_hash_table_insert(r->kinds, g_strdup(rec->cert_id), k);
	}
	if (rec->kinds[0] == '\0') {
		if (strcmp(rec->result, "signed") == 0 ||
		    strcmp(rec->result, "sealed") == 0)
			k->agency++;
		if (strcmp(rec->result, "sealed") == 0)
			k->personal++;
		return;
	}
	names = g_strsplit(rec->kinds, ",", -1);
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], "agency") == 0)
			k->agency++;
		else if (strcmp(names[i], "personal") == 0)
			k->personal++;
		else
			k->other++;
	}
	g_strfreev(names);
}

int
kyso_report_add(struct kyso_report *r, const struct kyso_journal_record *rec)
{
	char month[16];
	char *key;
	size_t *n;

	if ((r->from != 0 && rec->time < r->from) ||
	    (r->until != 0 && rec->time >= r->until))
		return 0;
	kyso_report_month_of(rec->time, month, sizeof(month));
	key = count_key(month, rec->dir,
	    rec->dir == KYSO_JOURNAL_OUT ? rec->cert_id : "", rec->result);
	if ((n = g_hash_table_lookup(r->counts, key)) != NULL) {
		g_free(key);
	} else {
		n = g_new0(size_t, 1);
		g_hash_table_insert(r->counts, key, n);
	}
	(*n)++;
	r->records++;
	if (r->records == 1 || rec->time < r->first)
		r->first = rec->time;
	if (r->records == 1 || rec->time > r->last)
		r->last = rec->time;
	count_host(r, rec->host);
	if (rec->dir == KYSO_JOURNAL_OUT &&
	    (strcmp(rec->result, "signed") == 0 ||
	        strcmp(rec->result, "sealed") == 0))
		count_cert(r, rec);
	if (rec->dir == KYSO_JOURNAL_OUT)
		count_kinds(r, rec);
	return 1;
}

int
kyso_report_read(struct kyso_report *r, FILE *fp, struct kyso_err *err)
{
	char line[KYSO_JOURNAL_MAX_LINE + 2];
	struct kyso_journal_record rec;
	struct kyso_err perr = {0};
	size_t len;
	int c;

	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(fp)) {
			/* longer than any record: skip the rest of it */
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			r->bad++;
			continue;
		}
		if (kyso_journal_parse(line, len, &rec, &perr) < 0)
			r->bad++;
		else
			(void)kyso_report_add(r, &rec);
	}
	if (ferror(fp)) {
		kyso_err_set(err, KYSO_E_TEMP, "read error: %s",
		    g_strerror(errno));
		return -1;
	}
	return 0;
}

void
kyso_report_skip(struct kyso_report *r)
{
	r->bad++;
}

size_t
kyso_report_records(const struct kyso_report *r)
{
	return r->records;
}

size_t
kyso_report_bad(const struct kyso_report *r)
{
	return r->bad;
}

size_t
kyso_report_count(const struct kyso_report *r, const char *month,
    enum kyso_journal_dir dir, const char *agency, const char *result)
{
	char *key = count_key(month, dir, agency, result);
	const size_t *n = g_hash_table_lookup(r->counts, key);

	g_free(key);
	return n != NULL ? *n : 0;
}

int
kyso_report_span(const struct kyso_report *r, time_t *first, time_t *last)
{
	if (r->records == 0)
		return -1;
	*first = r->first;
	*last = r->last;
	return 0;
}

/* ---- output ---- */

char *
kyso_report_shown(const char *s, size_t cap)
{
	char *buf = g_malloc(cap + 1);

	(void)kyso_journal_escape(s, buf, cap);
	return buf;
}

/* Append one CSV field (RFC 4180) and sep; text that a spreadsheet would
 * take for a formula gets a leading apostrophe. */
static void
csv_field(GString *out, const char *raw, char sep)
{
	char *s = kyso_report_shown(raw, 1024);
	char *t =
	    s[0] != '\0' && strchr("=+-@", s[0]) != NULL && strcmp(s, "-") != 0
	    ? g_strconcat("'", s, NULL)
	    : g_strdup(s);
	const char *p;

	if (strpbrk(t, ",\"") != NULL) {
		g_string_append_c(out, '"');
		for (p = t; *p != '\0'; p++) {
			if (*p == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	} else {
		g_string_append(out, t);
	}
	g_string_append_c(out, sep);
	g_free(t);
	g_free(s);
}

gint
kyso_report_cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The (string) keys of h, sorted; the array borrows them. */
static GPtrArray *
sorted_keys_of(GHashTable *h)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, kyso_report_cmp_str);
	return keys;
}

/* The count keys, sorted (month, then direction, agency, result). */
static GPtrArray *
sorted_keys(const struct kyso_report *r)
{
	return sorted_keys_of(r->counts);
}

static void
format_csv(const struct kyso_report *r, GString *out)
{
	GPtrArray *keys = sorted_keys(r);
	char **f;
	guint i;

	g_string_append(out, "month,direction,agency,result,count\n");
	for (i = 0; i < keys->len; i++) {
		const char *k = g_ptr_array_index(keys, i);

		f = g_strsplit(k, "\t", 4);
		csv_field(out, f[0], ',');
		csv_field(out, f[1], ',');
		csv_field(out, f[2], ',');
		csv_field(out, f[3], ',');
		g_string_append_printf(out, "%zu\n",
		    *(const size_t *)g_hash_table_lookup(r->counts, k));
		g_strfreev(f);
	}
	g_ptr_array_free(keys, TRUE);
}

void
kyso_report_rows(const struct kyso_report *r, const char *dir,
    const char *const *cols, GPtrArray *rows)
{
	GPtrArray *keys = sorted_keys(r);
	struct kyso_report_row *cur = NULL;
	guint i;
	size_t c, n;

	for (i = 0; i < keys->len; i++) {
		const char *k = g_ptr_array_index(keys, i);
		char **f = g_strsplit(k, "\t", 4);

		n = *(const size_t *)g_hash_table_lookup(r->counts, k);
		if (strcmp(f[1], dir) != 0) {
			g_strfreev(f);
			continue;
		}
		if (cur == NULL || strcmp(cur->month, f[0]) != 0 ||
		    strcmp(cur->agency, f[2]) != 0) {
			cur = g_new0(struct kyso_report_row, 1);
			cur->month = g_strdup(f[0]);
			cur->agency = g_strdup(f[2]);
			g_ptr_array_add(rows, cur);
		}
		for (c = 0; cols[c] != NULL; c++)
			if (strcmp(cols[c], f[3]) == 0)
				break;
		if (cols[c] != NULL)
			cur->n[c] += n;
		else
			cur->other += n;
		cur->total += n;
		g_strfreev(f);
	}
	g_ptr_array_free(keys, TRUE);
}

void
kyso_report_row_free(gpointer p)
{
	struct kyso_report_row *w = p;

	g_free(w->month);
	g_free(w->agency);
	g_free(w);
}

static void
text_table(GString *out, const struct kyso_report *r, const char *dir,
    const char *const *cols, const char *const *heads, int with_agency)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(kyso_report_row_free);
	guint i;
	size_t c;

	kyso_report_rows(r, dir, cols, rows);
	g_string_append(out, "Month   ");
	if (with_agency)
		g_string_append_printf(out, " %-16s", "Agency");
	for (c = 0; heads[c] != NULL; c++)
		g_string_append_printf(out, " %*s", (int)strlen(heads[c]),
		    heads[c]);
	g_string_append(out, "  Other  Total\n");
	for (i = 0; i < rows->len; i++) {
		const struct kyso_report_row *w = g_ptr_array_index(rows, i);

		g_string_append_printf(out, "%-8s", w->month);
		if (with_agency) {
			char *a = kyso_report_shown(w->agency[0] ? w->agency
			                                         : "(none)",
			    64);

			g_string_append_printf(out, " %-16s", a);
			g_free(a);
		}
		for (c = 0; heads[c] != NULL; c++)
			g_string_append_printf(out, " %*zu",
			    (int)strlen(heads[c]), w->n[c]);
		g_string_append_printf(out, " %6zu %6zu\n", w->other, w->total);
	}
	if (rows->len == 0)
		g_string_append(out, "(no messages)\n");
	g_ptr_array_free(rows, TRUE);
}

GPtrArray *
kyso_report_hosts(const struct kyso_report *r)
{
	GPtrArray *hosts = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, r->hosts);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(hosts, k);
	g_ptr_array_sort(hosts, kyso_report_cmp_str);
	return hosts;
}

size_t
kyso_report_host_records(const struct kyso_report *r, const char *host)
{
	const size_t *n = g_hash_table_lookup(r->hosts, host);

	return n != NULL ? *n : 0;
}

/* "Servers: mx1 (120), submit (300)"; KJ1 records name none. */
static void
servers_line(const struct kyso_report *r, GString *out)
{
	GPtrArray *hosts = kyso_report_hosts(r);
	guint i;

	if (hosts->len > 0)
		g_string_append(out, "Servers:");
	for (i = 0; i < hosts->len; i++) {
		const char *h = g_ptr_array_index(hosts, i);
		char *s = kyso_report_shown(h[0] ? h : "(unnamed, KJ1)", 64);

		g_string_append_printf(out, "%s %s (%zu)", i ? "," : "", s,
		    kyso_report_host_records(r, h));
		g_free(s);
	}
	if (hosts->len > 0)
		g_string_append_c(out, '\n');
	g_ptr_array_free(hosts, TRUE);
}

GPtrArray *
kyso_report_kind_agencies(const struct kyso_report *r)
{
	return sorted_keys_of(r->kinds);
}

/* Signatures on our mail per agency, by kind of signer. */
static void
kinds_table(GString *out, const struct kyso_report *r)
{
	GPtrArray *a = kyso_report_kind_agencies(r);
	guint i;

	g_string_append_printf(out,
	    "\nSignatures on our mail, per agency and kind of signer\n"
	    "%-16s %12s %12s %6s\n",
	    "Agency", "Agency seal", "Personal", "Other");
	for (i = 0; i < a->len; i++) {
		const char *id = g_ptr_array_index(a, i);
		const struct kyso_report_kinds *k =
		    g_hash_table_lookup(r->kinds, id);
		char *s = kyso_report_shown(id[0] ? id : "(none)", 64);

		g_string_append_printf(out, "%-16s %12zu %12zu %6zu\n", s,
		    k->agency, k->personal, k->other);
		g_free(s);
	}
	if (a->len == 0)
		g_string_append(out, "(no messages)\n");
	g_ptr_array_free(a, TRUE);
}

char *
kyso_report_format(const struct kyso_report *r, enum kyso_report_format fmt)
{
	GString *out = g_string_new(NULL);

	if (fmt == KYSO_REPORT_CSV) {
		format_csv(r, out);
		return g_string_free(out, FALSE);
	}
	g_string_append_printf(out,
	    "%zu messages counted, %zu unreadable journal lines skipped\n",
	    r->records, r->bad);
	servers_line(r, out);
	g_string_append_c(out, '\n');
	g_string_append(out,
	    "Our mail, per month and agency (certificate id); sealed: "
	    "signed by the official\nand sealed with the agency certificate "
	    "(CoSign); refused: unmapped sender or\nenvelope mismatch; "
	    "expired: certificate outside its validity\n");
	text_table(out, r, "out", kyso_report_out_cols, out_heads, 1);
	g_string_append(out, "\nInbound verification results, per month\n");
	text_table(out, r, "in", kyso_report_in_cols, in_heads, 0);
	kinds_table(out, r);
	return g_string_free(out, FALSE);
}

/* ---- certificates ---- */

void
kyso_report_time_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		(void)g_strlcpy(buf, "unknown", len);
}

/* Whole days from now to t, rounded toward minus infinity. */
static long
days_until(time_t t, time_t now)
{
	long long d = (long long)t - (long long)now;

	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

static void
cert_row_free(gpointer p)
{
	struct kyso_report_cert *c = p;

	g_free(c->id);
	g_free(c->subject);
	g_free(c->issuer);
	g_free(c->serial);
	g_free(c);
}

GPtrArray *
kyso_report_cert_rows(const struct kyso_config *cfg, time_t now, int warn_days)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(cert_row_free);
	char serial[KYSO_JOURNAL_MAX_SERIAL + 1];
	char subject[KYSO_JOURNAL_MAX_ISSUER + 1];
	char issuer[KYSO_JOURNAL_MAX_ISSUER + 1];
	size_t i, n = kyso_config_ncerts(cfg);

	for (i = 0; i < n; i++) {
		const char *id = kyso_config_cert_id(cfg, i);
		const struct kyso_signer *s = kyso_config_signer(cfg, id);
		X509 *x = s != NULL ? kyso_signer_cert(s) : NULL;
		time_t nb = s != NULL ? kyso_signer_not_before(s) : 0;
		struct kyso_report_cert *c = g_new0(struct kyso_report_cert, 1);

		serial[0] = subject[0] = issuer[0] = '\0';
		if (x != NULL) {
			kyso_cert_serial_text(x, serial, sizeof(serial));
			kyso_cert_name_text(X509_get_subject_name(x), subject,
			    sizeof(subject));
			kyso_cert_name_text(X509_get_issuer_name(x), issuer,
			    sizeof(issuer));
		}
		c->id = g_strdup(id);
		c->subject = g_strdup(subject);
		c->issuer = g_strdup(issuer);
		c->serial = g_strdup(serial);
		c->not_after = s != NULL ? kyso_signer_not_after(s) : 0;
		c->days_left = days_until(c->not_after, now);
		c->pin_age_days = kyso_health_pin_age(cfg, i, now);
		c->status = "ok";
		if (c->not_after == 0 || now >= c->not_after)
			c->status = "EXPIRED";
		else if (nb != 0 && now < nb)
			c->status = "NOT YET VALID";
		else if ((long long)c->not_after - (long long)now <=
		    (long long)warn_days * 86400)
			c->status = "EXPIRES SOON";
		g_ptr_array_add(rows, c);
	}
	return rows;
}

char *
kyso_report_certs(const struct kyso_config *cfg, time_t now, int warn_days,
    enum kyso_report_format fmt, size_t *nwarn)
{
	GString *out = g_string_new(NULL);
	GPtrArray *rows = kyso_report_cert_rows(cfg, now, warn_days);
	char when[32];
	size_t warn = 0;
	guint i;

	if (fmt == KYSO_REPORT_CSV) {
		g_string_append(out,
		    "cert_id,subject,issuer,serial,not_after,"
		    "days_left,status\n");
	} else {
		kyso_report_time_text(now, when, sizeof(when));
		g_string_append_printf(out,
		    "Certificates (CertificateTable) at %s UTC; warning %d "
		    "days ahead\n%-16s %-20s %-16s %9s  %-13s %s\n",
		    when, warn_days, "Id", "Serial", "Not after (UTC)",
		    "Days left", "Status", "Subject");
	}
	for (i = 0; i < rows->len; i++) {
		const struct kyso_report_cert *c = g_ptr_array_index(rows, i);
		char *a, *b, *d;

		if (strcmp(c->status, "ok") != 0)
			warn++;
		kyso_report_time_text(c->not_after, when, sizeof(when));
		if (fmt == KYSO_REPORT_CSV) {
			csv_field(out, c->id, ',');
			csv_field(out, c->subject, ',');
			csv_field(out, c->issuer, ',');
			csv_field(out, c->serial, ',');
			csv_field(out, when, ',');
			g_string_append_printf(out, "%ld,%s\n", c->days_left,
			    c->status);
			continue;
		}
		a = kyso_report_shown(c->id, 64);
		b = kyso_report_shown(c->serial, KYSO_JOURNAL_MAX_SERIAL);
		d = kyso_report_shown(c->subject, KYSO_JOURNAL_MAX_ISSUER);
		g_string_append_printf(out,
		    "%-16s %-20s %-16s %9ld  %-13s %s\n", a, b, when,
		    c->days_left, c->status, d);
		g_free(a);
		g_free(b);
		g_free(d);
	}
	if (rows->len == 0 && fmt == KYSO_REPORT_TEXT)
		g_string_append(out, "(no certificate table)\n");
	if (nwarn != NULL)
		*nwarn = warn;
	g_ptr_array_free(rows, TRUE);
	return g_string_free(out, FALSE);
}

int
kyso_report_parse_date(const char *s, int end, time_t *out)
{
	struct tm tm, back;
	int y, m, d = 1, i;
	size_t len = strlen(s);

	if (len != 7 && len != 10)
		return -1;
	for (i = 0; i < (int)len; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !g_ascii_isdigit(s[i]))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (len == 10)
		d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	back = tm;
	if (timegm(&tm) == (time_t)-1 || tm.tm_mday != back.tm_mday)
		return -1; /* 2026-02-30 */
	if (end) {
		if (len == 10)
			back.tm_mday++;
		else
			back.tm_mon++;
	}
	*out = timegm(&back);
	return 0;
}
