/*
 * offline.c - the -t mode: run a message file through exactly the path the
 * daemon uses, with envelope facts from the command line. The file is
 * gathered field by field into the same bounded spool (gather.c), the
 * outcome is applied by the same applier (apply.c) to a writer standing in
 * for the MTA, and the message as it would leave goes to stdout, the
 * decision to stderr; -J also appends the journal line. For administrators
 * ("what would kyso do with this?") and for tests.
 *
 * The header is read as RFC 5322 fields with LF between folded lines, the
 * view libmilter gives the daemon (without SMFIP_HDR_LEADSPC: one blank
 * after the colon is not part of the value); MIME is left to GMime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kyso/limits.h"
#include "apply.h"
#include "gather.h"
#include "kyso_milter.h"

/* ---- the writer: the MTA operations on a message held for stdout ---- */

struct writer {
	const struct kyso_settings *st;
	GArray *h;               /* struct kyso_header, g_strdup'd */
	struct kyso_spool *body; /* replacement body, or NULL: as received */
	char why[200];           /* the operation that failed */
};

static void
writer_init(struct writer *w, const struct kyso_settings *st,
    const struct kyso_header *h, size_t n)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->st = st;
	w->h = g_array_new(FALSE, FALSE, sizeof(struct kyso_header));
	for (i = 0; i < n; i++) {
		struct kyso_header f = {g_strdup(h[i].name),
		    g_strdup(h[i].value)};

		g_array_append_val(w->h, f);
	}
}

static void
writer_clear(struct writer *w)
{
	guint i;

	if (w->h == NULL)
		return;
	for (i = 0; i < w->h->len; i++) {
		g_free(g_array_index(w->h, struct kyso_header, i).name);
		g_free(g_array_index(w->h, struct kyso_header, i).value);
	}
	g_array_free(w->h, TRUE);
	kyso_spool_free(w->body);
}

/* As libmilter asks of Postfix: the index counts only the fields still
 * there; deleting one that is not there changes nothing. */
/* Position of the index-th (from 1) field called name, or -1. */
static int
nth_field(const struct writer *w, const char *name, int index)
{
	guint i;

	for (i = 0; i < w->h->len; i++)
		if (strcasecmp(g_array_index(w->h, struct kyso_header, i).name,
		        name) == 0 &&
		    --index <= 0)
			return (int)i;
	return -1;
}

static int
writer_delete(void *mta, const char *name, int index)
{
	struct writer *w = mta;
	int i = nth_field(w, name, index);

	if (i >= 0) {
		struct kyso_header *f =
		    &g_array_index(w->h, struct kyso_header, (guint)i);

		g_free(f->name);
		g_free(f->value);
		g_array_remove_index(w->h, (guint)i);
	}
	return 0;
}

static int
writer_insert(void *mta, int index, const char *name, const char *value)
{
	struct writer *w = mta;
	struct kyso_header f = {g_strdup(name), g_strdup(value)};

	if (index < 0 || (guint)index > w->h->len)
		index = (int)w->h->len;
	g_array_insert_val(w->h, (guint)index, f);
	return 0;
}

static int
writer_change(void *mta, const char *name, int index, const char *value)
{
	struct writer *w = mta;
	int i = nth_field(w, name, index);

	if (i >= 0) {
		struct kyso_header *f =
		    &g_array_index(w->h, struct kyso_header, (guint)i);

		g_free(f->value);
		f->value = g_strdup(value);
	}
	return 0;
}

static int
writer_add(void *mta, const char *name, const char *value)
{
	struct writer *w = mta;

	return writer_insert(mta, (int)w->h->len, name, value);
}

/* The new body goes to a spool of its own (SpoolMemoryLimit in memory). */
static int
writer_body(void *mta, const void *buf, size_t len)
{
	struct writer *w = mta;
	struct kyso_err err = {0};

	if (w->body == NULL)
		w->body =
		    kyso_spool_new(w->st->spool_memory, w->st->tmp_dir, 0);
	if (kyso_spool_write(w->body, buf, len, &err) < 0) {
		(void)snprintf(w->why, sizeof(w->why), "%.190s", err.msg);
		return -1;
	}
	return 0;
}

static int
writer_reply(void *mta, const char *code, const char *xcode, const char *text)
{
	(void)mta;
	(void)fprintf(stderr, "kyso-milter: reply %s %s %s\n", code, xcode,
	    text);
	return 0;
}

static const struct kyso_mta_ops writer_ops = {
    .delete_header = writer_delete,
    .insert_header = writer_insert,
    .change_header = writer_change,
    .add_header = writer_add,
    .replace_body = writer_body,
    .reply = writer_reply,
    .body_chunk = 65536,
};

/* Copy sp from offset to out. */
static int
copy_spool(struct kyso_spool *sp, size_t offset, FILE *out)
{
	struct kyso_err err = {0};
	char buf[65536];
	ssize_t n;

	while ((n = kyso_spool_pread(sp, buf, sizeof(buf), offset, &err)) > 0) {
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -1;
		offset += (size_t)n;
	}
	return n < 0 ? -1 : 0;
}

/* Copy the rest of in to out. */
static int
copy_file(FILE *in, FILE *out)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return -1;
	return ferror(in) ? -1 : 0;
}

/* The message as it leaves: the writer's fields, the blank line, and its
 * new body or the body as received (from the spool, or from the file when
 * the spool stopped at MaximumMessageSize). */
static int
writer_output(const struct writer *w, const struct kyso_gather *g, FILE *in,
    off_t body_start, FILE *out)
{
	GString *bytes = g_string_new(NULL);
	guint i;
	int rc;

	for (i = 0; i < w->h->len; i++) {
		const struct kyso_header *f =
		    &g_array_index(w->h, struct kyso_header, i);

		kyso_header_crlf(bytes, f->name, f->value, 0);
	}
	g_string_append(bytes, "\r\n");
	rc = fwrite(bytes->str, 1, bytes->len, out) == bytes->len ? 0 : -1;
	g_string_free(bytes, TRUE);
	if (rc == 0 && w->body != NULL)
		rc = copy_spool(w->body, 0, out);
	else if (rc == 0 && !g->too_big)
		rc = copy_spool(g->spool, g->body_offset, out);
	else if (rc == 0)
		rc = fseeko(in, body_start, SEEK_SET) < 0 ? -1
		                                          : copy_file(in, out);
	return rc == 0 && fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* ---- the reader: a message file into the gatherer ---- */

/* One line without its LF (and a CR before it) into line, keeping at most
 * KYSO_MAX_HEADER_BYTES + 1 bytes of it (more is over the limit anyway).
 * 1 read, 0 at the end of the file. */
static int
read_line(FILE *in, GString *line)
{
	int ch, any = 0;

	g_string_truncate(line, 0);
	while ((ch = getc(in)) != EOF) {
		any = 1;
		if (ch == '\n')
			break;
		if (line->len <= KYSO_MAX_HEADER_BYTES)
			g_string_append_c(line, (char)ch);
	}
	if (ch == '\n' && line->len > 0 && line->str[line->len - 1] == '\r')
		g_string_truncate(line, line->len - 1);
	return any;
}

/* Feed the top-level header to g field by field, as an MTA would, up to
 * and including the blank line. -1 when a line is not a header field. */
static int
read_header(FILE *in, struct kyso_gather *g)
{
	GString *line = g_string_new(NULL), *name = g_string_new(NULL);
	GString *value = g_string_new(NULL);
	int have = 0, rc = -1;
	const char *colon;

	while (read_line(in, line) && line->len > 0) {
		if (have && (line->str[0] == ' ' || line->str[0] == '\t')) {
			if (value->len <= KYSO_MAX_HEADER_BYTES) {
				g_string_append_c(value, '\n');
				g_string_append_len(value, line->str,
				    (gssize)line->len);
			}
			continue;
		}
		if (have)
			kyso_gather_header(g, name->str, value->str, 0);
		if ((colon = memchr(line->str, ':', line->len)) == NULL)
			goto out; /* not a header field */
		g_string_truncate(name, 0);
		g_string_append_len(name, line->str, colon - line->str);
		colon += colon[1] == ' ' ? 2 : 1;
		g_string_truncate(value, 0);
		g_string_append(value, colon);
		have = 1;
	}
	if (ferror(in))
		goto out;
	if (have)
		kyso_gather_header(g, name->str, value->str, 0);
	kyso_gather_eoh(g);
	rc = 0;
out:
	g_string_free(line, TRUE);
	g_string_free(name, TRUE);
	g_string_free(value, TRUE);
	return rc;
}

static int
read_body(FILE *in, struct kyso_gather *g)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		kyso_gather_body(g, buf, n);
	return ferror(in) ? -1 : 0;
}

/* ---- the run ---- */

int
kyso_offline_run(const struct kyso_config *cfg,
    const struct kyso_offline_args *a)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	struct kyso_gather *g = kyso_gather_new(st);
	struct kyso_envelope env;
	struct kyso_outcome o;
	struct writer w = {0};
	struct kyso_err err = {0};
	const char *failure;
	FILE *in = NULL;
	off_t body_start = 0;
	size_t i;
	int rc = 2, applied;

	memset(&o, 0, sizeof(o));
	/* -J only: without it the journal is never opened (nor created) */
	if (a->journal && kyso_apply_journal_open(st, &err) < 0) {
		(void)fprintf(stderr, "kyso-milter: %s\n", err.msg);
		rc = 78; /* EX_CONFIG, as a configuration that does not load */
		goto out;
	}
	if ((in = fopen(a->msg_file, "rb")) == NULL) {
		(void)fprintf(stderr, "kyso-milter: %s: %s\n", a->msg_file,
		    g_strerror(errno));
		goto out;
	}
	if (read_header(in, g) < 0) {
		(void)fprintf(stderr,
		    "kyso-milter: %s: does not start with a header\n",
		    a->msg_file);
		goto out;
	}
	body_start = ftello(in);
	if (read_body(in, g) < 0) {
		(void)fprintf(stderr, "kyso-milter: %s: %s\n", a->msg_file,
		    g_strerror(errno));
		goto out;
	}
	if ((failure = kyso_gather_failure(g)) != NULL) {
		(void)fprintf(stderr,
		    "kyso-milter: result=error reason=\"%s\"\n", failure);
		(void)kyso_apply_tempfail(&writer_ops, &w);
		rc = 75;
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.queue_id = "OFFLINE";
	env.client_addr = a->client_ip != NULL ? a->client_ip : "";
	env.auth_authen = a->auth_user;
	env.daemon_name = a->daemon_name;
	env.env_from = a->env_from != NULL ? a->env_from : "";
	for (i = 0; i < a->nrcpts && env.opaque_rcpt == NULL; i++)
		if (kyso_config_opaque_recipient(cfg, a->rcpts[i]))
			env.opaque_rcpt = a->rcpts[i];
	env.headers = g->headers;
	env.nheaders = g->nheaders;
	(void)kyso_process_message(cfg, &env, g->spool, g->too_big, time(NULL),
	    &o);
	(void)fprintf(stderr, "kyso-milter: result=%s %s forged_removed=%zu\n",
	    o.result, o.log, o.nforged);
	writer_init(&w, st, g->headers, g->nheaders);
	applied = kyso_apply_outcome(&writer_ops, &w, g->headers, g->nheaders,
	              &o) == 0;
	if (a->journal)
		kyso_apply_journal(&o,
		    o.action == KYSO_ACTION_ACCEPT && !applied, env.queue_id);
	if (!applied) {
		(void)fprintf(stderr, "kyso-milter: cannot apply: %s\n", w.why);
		goto out;
	}
	if (o.action != KYSO_ACTION_ACCEPT) {
		rc = o.action == KYSO_ACTION_TEMPFAIL ? 75 : 1;
		goto out;
	}
	if (writer_output(&w, g, in, body_start, stdout) < 0) {
		(void)fprintf(stderr, "kyso-milter: cannot write result: %s\n",
		    g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	kyso_apply_journal_close();
	writer_clear(&w);
	kyso_outcome_clear(&o);
	kyso_gather_free(g);
	if (in != NULL)
		(void)fclose(in);
	return rc;
}
