/*
 * db.c - kyso-report's PostgreSQL store (report/db.h): ship journal
 * records into table kyso_journal, idempotently, and read them back.
 *
 * Text columns hold the journal's escaped form of each field (valid
 * UTF-8, no control character, "" for empty), taken from the line as
 * written, so whatever bytes a sender put in a From address reach the
 * database only as the journal's escapes. Reading back rebuilds a KJ2 line
 * from the columns and runs it through the journal's parser, so a row
 * changed in the database is counted as the journal would count it, or
 * skipped as unreadable. Never logs: errors go to the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <libpq-fe.h>

#include "db.h"

#define NCOLS           16 /* the columns shipped, in journal field order */
/* A KJ1 record's id: "kj1-" and this many hex digits of the line's
 * SHA-256 (128 bits; the id fits KYSO_JOURNAL_MAX_ID). */
#define KYSO_KJ1_ID_HEX 32

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS kyso_journal ("
    " host text NOT NULL, id text NOT NULL,"
    " time timestamptz NOT NULL, queue_id text NOT NULL,"
    " dir text NOT NULL, origin text NOT NULL, from_addr text NOT NULL,"
    " cert_id text NOT NULL, serial text NOT NULL, issuer text NOT NULL,"
    " result text NOT NULL, reason text NOT NULL, login text NOT NULL,"
    " client text NOT NULL, signers integer NOT NULL, kinds text NOT NULL,"
    " shipped timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (host, id));"
    "CREATE INDEX IF NOT EXISTS kyso_journal_time ON kyso_journal (time)";

static const char select_sql[] =
    "SELECT to_char(time AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), queue_id, dir, origin,"
    " from_addr, cert_id, serial, issuer, result, reason, login, client,"
    " host, id, signers, kinds FROM kyso_journal"
    " WHERE time >= to_timestamp($1) AND time < to_timestamp($2)"
    " ORDER BY host, time, id";

/* The database's message on one line, into err. */
static void
db_error(struct kyso_err *err, const char *what, const char *msg)
{
	char *m = g_strdup(msg != NULL ? msg : "");
	char *p;

	g_strstrip(m);
	for (p = m; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	kyso_err_set(err, KYSO_E_TEMP, "database: %s: %s", what,
	    m[0] != '\0' ? m : "(no message)");
	g_free(m);
}

/* Connect with a bounded wait; conninfo's own connect_timeout wins. */
static PGconn *
db_connect(const char *conninfo, struct kyso_err *err)
{
	const char *const keys[] = {"connect_timeout", "application_name",
	    "dbname", NULL};
	const char *const vals[] = {KYSO_DB_CONN_TIMEOUT, "kyso-report",
	    conninfo, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (c == NULL) {
		kyso_err_set(err, KYSO_E_TEMP, "database: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		db_error(err, "cannot connect", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Run a statement without parameters; -1 with err. */
static int
db_exec(PGconn *c, const char *sql, const char *what, struct kyso_err *err)
{
	PGresult *res = PQexec(c, sql);
	int ok = res != NULL &&
	    (PQresultStatus(res) == PGRES_COMMAND_OK ||
	        PQresultStatus(res) == PGRES_TUPLES_OK);

	if (!ok)
		db_error(err, what, PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -1;
}

/* ---- the ship position ---- */

struct position {
	unsigned long long dev, ino;
	long long offset;
};

/* Load "KS1 dev ino offset" lines; a missing file is no position. */
static GArray *
state_load(const char *path)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct position));
	FILE *fp = fopen(path, "r");
	struct position p;

	if (fp == NULL)
		return a;
	while (
	    fscanf(fp, "KS1 %llu %llu %lld\n", &p.dev, &p.ino, &p.offset) == 3)
		if (p.offset >= 0)
			g_array_append_val(a, p);
	(void)fclose(fp);
	return a;
}

/* Write the positions to path.tmp, fsync, rename over path. */
static int
state_save(const char *path, const GArray *a, struct kyso_err *err)
{
	char *tmp = g_strdup_printf("%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	guint i;
	int rc = -1;

	if (fp == NULL) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", tmp,
		    g_strerror(errno));
		goto out;
	}
	for (i = 0; i < a->len; i++) {
		const struct position *p =
		    &g_array_index(a, struct position, i);

		(void)fprintf(fp, "KS1 %llu %llu %lld\n", p->dev, p->ino,
		    p->offset);
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", tmp,
		    g_strerror(errno));
		(void)fclose(fp);
		goto out;
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", path,
		    g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	g_free(tmp);
	return rc;
}

static struct position *
state_find(GArray *a, const struct stat *st)
{
	struct position p = {0};
	guint i;

	for (i = 0; i < a->len; i++) {
		struct position *q = &g_array_index(a, struct position, i);

		if (q->dev == (unsigned long long)st->st_dev &&
		    q->ino == (unsigned long long)st->st_ino)
			return q;
	}
	p.dev = (unsigned long long)st->st_dev;
	p.ino = (unsigned long long)st->st_ino;
	g_array_append_val(a, p);
	return &g_array_index(a, struct position, a->len - 1);
}

/* ---- shipping ---- */

/* One record as the INSERT's parameters: the escaped fields of its line,
 * "" for "-"; host and id supplied for a KJ1 line. */
struct row {
	char *v[NCOLS];
};

static void
row_clear(struct row *w)
{
	size_t i;

	for (i = 0; i < NCOLS; i++)
		g_free(w->v[i]);
	memset(w, 0, sizeof(*w));
}

static char *
field_value(const char *f)
{
	return g_strdup(strcmp(f, "-") == 0 ? "" : f);
}

/* Fill w from a line the parser accepted. Columns: host id time queue-id
 * dir origin from cert-id serial issuer result reason login client
 * signers kinds. */
static void
row_fill(struct row *w, const char *line, size_t len, const char *host)
{
	char *copy = g_strndup(line, len), *sum;
	char **f;
	guint nf;
	size_t i;

	g_strchomp(copy);
	f = g_strsplit(copy, "\t", -1);
	nf = g_strv_length(f);
	for (i = 0; i < 12; i++) /* time .. client (empty for old KJ1) */
		w->v[2 + i] = field_value(i + 1 < nf ? f[i + 1] : "-");
	if (nf == 17 && strcmp(f[13], "-") != 0) {
		w->v[0] = field_value(f[13]);
		w->v[1] = field_value(f[14]);
	} else if (nf == 17) {
		w->v[0] = g_strdup(host); /* no host named: this server's */
		w->v[1] = field_value(f[14]);
	} else {
		/* KJ1: no record id, the line's digest stands for it (two
		 * identical KJ1 lines count once) */
		w->v[0] = g_strdup(host);
		sum =
		    g_compute_checksum_for_string(G_CHECKSUM_SHA256, copy, -1);
		sum[KYSO_KJ1_ID_HEX] = '\0';
		w->v[1] = g_strconcat("kj1-", sum, NULL);
		g_free(sum);
	}
	w->v[14] = g_strdup(nf == 17 ? f[15] : "0");
	w->v[15] = field_value(nf == 17 ? f[16] : "-");
	g_strfreev(f);
	g_free(copy);
}

/* The INSERT of n rows: one statement, so one round trip and one
 * transaction per batch. */
static char *
insert_sql(size_t n)
{
	GString *q = g_string_new(
	    "INSERT INTO kyso_journal (host, id, time, queue_id, dir, origin,"
	    " from_addr, cert_id, serial, issuer, result, reason, login,"
	    " client, signers, kinds) VALUES ");
	size_t i, k;

	for (i = 0; i < n; i++) {
		g_string_append(q, i > 0 ? ",(" : "(");
		for (k = 0; k < NCOLS; k++)
			g_string_append_printf(q, "%s$%zu", k > 0 ? "," : "",
			    i * NCOLS + k + 1);
		g_string_append_c(q, ')');
	}
	g_string_append(q, " ON CONFLICT (host, id) DO NOTHING");
	return g_string_free(q, FALSE);
}

/* Insert rows[0..n) (all or none); -1 with err. */
static int
ship_batch(PGconn *c, struct row *rows, size_t n, size_t *inserted,
    struct kyso_err *err)
{
	const char **params = g_new(const char *, n *NCOLS);
	char *sql = insert_sql(n);
	PGresult *res;
	size_t i, k;
	int rc = -1;

	for (i = 0; i < n; i++)
		for (k = 0; k < NCOLS; k++)
			params[i * NCOLS + k] = rows[i].v[k];
	res =
	    PQexecParams(c, sql, (int)(n * NCOLS), NULL, params, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error(err, "insert", PQerrorMessage(c));
	} else {
		*inserted += (size_t)strtoul(PQcmdTuples(res), NULL, 10);
		rc = 0;
	}
	PQclear(res);
	g_free(sql);
	g_free(params);
	return rc;
}

struct shipper {
	PGconn *c;
	const char *host;
	size_t batch;
	GArray *state;
	const char *state_path;
	struct kyso_ship_stats *st;
};

/* Commit the pending rows, then remember pos->offset = end (every
 * complete line before it is shipped or unreadable). */
static int
flush_rows(struct shipper *s, struct row *rows, size_t *n, struct position *pos,
    long long end, struct kyso_err *err)
{
	size_t i;
	int rc = 0;

	if (*n > 0)
		rc = ship_batch(s->c, rows, *n, &s->st->inserted, err);
	if (rc == 0) {
		s->st->sent += *n;
		pos->offset = end;
	}
	for (i = 0; i < *n; i++)
		row_clear(&rows[i]);
	*n = 0;
	if (rc == 0)
		rc = state_save(s->state_path, s->state, err);
	return rc;
}

/* Read one line into buf (cap bytes): returns the bytes consumed (0 at
 * the end of the file) and *len: the line's length with its LF, 0 when it
 * has no LF yet (consumed bytes are then not shipped), (size_t)-1 when it
 * is longer than buf or holds a NUL (a damaged line, skipped whole). Byte
 * counts stay exact whatever the line holds, so the position does. */
static size_t
read_line(FILE *fp, char *buf, size_t cap, size_t *len)
{
	size_t used = 0;
	int c, bad = 0;

	while ((c = getc(fp)) != EOF) {
		if (used + 1 < cap)
			buf[used] = (char)c;
		else
			bad = 1;
		used++;
		if (c == '\0')
			bad = 1;
		if (c == '\n')
			break;
	}
	if (c != '\n')
		*len = 0;
	else
		*len = bad ? (size_t)-1 : used;
	if (!bad && used < cap)
		buf[used] = '\0';
	return used;
}

/* Complete lines from where pos says on; -1 with err. */
static int
ship_file(struct shipper *s, const char *path, struct kyso_err *err)
{
	char line[KYSO_JOURNAL_MAX_LINE + 2];
	struct kyso_journal_record rec;
	struct kyso_err perr = {0};
	struct row *rows = g_new0(struct row, s->batch);
	struct position *pos;
	struct stat st;
	FILE *fp = fopen(path, "r");
	size_t n = 0, len, used;
	long long off;
	int rc = -1;

	if (fp == NULL && errno == ENOENT) {
		rc = 0; /* not written yet, or rotated away: nothing to ship */
		goto out;
	}
	if (fp == NULL || fstat(fileno(fp), &st) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", path,
		    g_strerror(errno));
		goto out;
	}
	pos = state_find(s->state, &st);
	if (pos->offset > (long long)st.st_size)
		pos->offset = 0; /* the inode now holds another file */
	if (fseeko(fp, (off_t)pos->offset, SEEK_SET) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", path,
		    g_strerror(errno));
		goto out;
	}
	off = pos->offset;
	while ((used = read_line(fp, line, sizeof(line), &len)) > 0) {
		if (len == 0)
			break; /* no LF yet: being written, next time */
		off += (long long)used;
		if (len == (size_t)-1 ||
		    kyso_journal_parse(line, len, &rec, &perr) < 0) {
			s->st->bad++;
			continue;
		}
		row_fill(&rows[n++], line, len, s->host);
		if (n == s->batch && flush_rows(s, rows, &n, pos, off, err) < 0)
			goto out;
	}
	if (ferror(fp)) {
		kyso_err_set(err, KYSO_E_TEMP, "%s: read error", path);
		goto out;
	}
	rc = flush_rows(s, rows, &n, pos, off, err);
out:
	for (len = 0; len < n; len++)
		row_clear(&rows[len]);
	g_free(rows);
	if (fp != NULL)
		(void)fclose(fp);
	return rc;
}

/* Complete lines of path after its ship position: what waits. */
static size_t
pending_lines(GArray *state, const char *path)
{
	FILE *fp = fopen(path, "r");
	struct stat st;
	size_t n = 0;
	int c;

	if (fp == NULL)
		return 0;
	if (fstat(fileno(fp), &st) == 0 &&
	    fseeko(fp, (off_t)state_find(state, &st)->offset, SEEK_SET) == 0)
		while ((c = getc(fp)) != EOF)
			n += c == '\n';
	(void)fclose(fp);
	return n;
}

/* One --ship per state file at a time (a slow run and the next timer
 * tick): an exclusive lock on state_path.lock, held until exit. */
static int
ship_lock(const char *state_path, struct kyso_err *err)
{
	char *path = g_strconcat(state_path, ".lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		kyso_err_set(err, KYSO_E_TEMP, "%s: %s", path,
		    g_strerror(errno));
	else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		kyso_err_set(err, KYSO_E_TEMP,
		    "%s: another kyso-report --ship is running", path);
		(void)close(fd);
		fd = -1;
	}
	g_free(path);
	return fd;
}

int
kyso_db_ship(const char *conninfo, const char *const *paths, size_t n,
    const char *state_path, const char *host, size_t batch,
    struct kyso_ship_stats *st, struct kyso_err *err)
{
	struct shipper s = {0};
	char hostname[256] = "";
	size_t i = 0;
	int rc = -1, lock = -1;

	memset(st, 0, sizeof(*st));
	if (host == NULL || host[0] == '\0') {
		if (gethostname(hostname, sizeof(hostname) - 1) < 0)
			(void)g_strlcpy(hostname, "unknown", sizeof(hostname));
		host = hostname;
	}
	s.host = host;
	s.batch = batch > 0 ? batch : KYSO_SHIP_BATCH;
	s.state_path = state_path;
	s.st = st;
	lock = ship_lock(state_path, err);
	/* after the lock: the position another run may just have saved */
	s.state = state_load(state_path);
	if (lock < 0 || (s.c = db_connect(conninfo, err)) == NULL)
		goto out;
	if (db_exec(s.c, "SET client_min_messages = warning", "set", err) < 0 ||
	    db_exec(s.c, schema, "create table kyso_journal", err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (ship_file(&s, paths[i], err) < 0)
			goto out;
	rc = 0;
out:
	/* what waits for the next run, for the message */
	for (; rc < 0 && i < n; i++)
		st->pending += pending_lines(s.state, paths[i]);
	if (s.c != NULL)
		PQfinish(s.c);
	if (lock >= 0)
		(void)close(lock);
	g_array_free(s.state, TRUE);
	return rc;
}

/* ---- reading ---- */

/* A row as a KJ2 line for the journal's parser ("" written "-"). */
static char *
row_line(const PGresult *res, int row)
{
	GString *l = g_string_new(KYSO_JOURNAL_VERSION);
	int i;

	for (i = 0; i < NCOLS; i++) {
		const char *v = PQgetvalue(res, row, i);

		g_string_append_c(l, '\t');
		g_string_append(l, v[0] != '\0' ? v : "-");
	}
	g_string_append_c(l, '\n');
	return g_string_free(l, FALSE);
}

int
kyso_db_read(const char *conninfo, struct kyso_report *r, time_t from,
    time_t until, struct kyso_err *err)
{
	struct kyso_journal_record rec;
	struct kyso_err perr = {0};
	char a[32], b[32];
	const char *params[2] = {a, b};
	PGconn *c = db_connect(conninfo, err);
	PGresult *res;
	int rc = -1, row;
	char *line;

	if (c == NULL)
		return -1;
	(void)snprintf(a, sizeof(a), "%lld", (long long)from);
	/* an open end: far beyond any record */
	(void)snprintf(b, sizeof(b), "%lld",
	    until != 0 ? (long long)until : 253402300799LL);
	if (PQsendQueryParams(c, select_sql, 2, NULL, params, NULL, NULL, 0) !=
	        1 ||
	    PQsetSingleRowMode(c) != 1) {
		db_error(err, "select", PQerrorMessage(c));
		goto out;
	}
	rc = 0;
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE &&
		    PQnfields(res) == NCOLS) {
			for (row = 0; row < PQntuples(res); row++) {
				line = row_line(res, row);
				if (kyso_journal_parse(line, strlen(line), &rec,
				        &perr) < 0)
					kyso_report_skip(r);
				else
					(void)kyso_report_add(r, &rec);
				g_free(line);
			}
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK && rc == 0) {
			db_error(err, "select", PQerrorMessage(c));
			rc = -1;
		}
		PQclear(res);
	}
out:
	PQfinish(c);
	return rc;
}
