/*
 * offline.c - the -t mode: run a message file through exactly the path the
 * daemon uses (envelope facts from the command line) and write the message
 * as it would leave to stdout, the decision to stderr. For administrators
 * ("what would kyso do with this?") and for tests.
 *
 * The header split here is RFC 5322 field unfolding of the top-level
 * header, the same view libmilter gives the daemon; MIME is left to GMime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kyso/mime.h"
#include "kyso_milter.h"

struct parsed {
	struct kyso_header *h;
	size_t n;
	size_t body_off; /* offset of the body in the file */
};

/* Split the top-level header into fields with LF-folded values (what an
 * MTA hands a milter). */
static int
split_header(const char *data, size_t len, struct parsed *p)
{
	size_t i = 0, cap = 0;

	memset(p, 0, sizeof(*p));
	while (i < len) {
		size_t start = i, eol, colon;
		GString *val;

		if (data[i] == '\n' ||
		    (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
			p->body_off = i + (data[i] == '\r' ? 2 : 1);
			return 0;
		}
		for (colon = i;
		     colon < len && data[colon] != ':' && data[colon] != '\n';
		     colon++)
			;
		if (colon >= len || data[colon] != ':')
			return -1; /* not a header field */
		val = g_string_new(NULL);
		i = colon + 1;
		if (i < len && data[i] == ' ')
			i++;
		for (;;) {
			for (eol = i; eol < len && data[eol] != '\n'; eol++)
				;
			g_string_append_len(val, data + i,
			    (gssize)(eol - i -
			        (eol > i && data[eol - 1] == '\r' ? 1 : 0)));
			i = eol < len ? eol + 1 : len;
			if (i < len && (data[i] == ' ' || data[i] == '\t'))
				g_string_append_c(val, '\n');
			else
				break;
		}
		if (p->n == cap) {
			cap = cap ? cap * 2 : 32;
			p->h = kyso_xrealloc(p->h, cap * sizeof(*p->h));
		}
		p->h[p->n].name = kyso_xstrndup(data + start, colon - start);
		p->h[p->n].value = g_string_free(val, FALSE);
		p->n++;
	}
	p->body_off = len;
	return 0;
}

static void
parsed_free(struct parsed *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->h[i].name);
		g_free(p->h[i].value);
	}
	free(p->h);
}

static void
put_header(FILE *out, const char *name, const char *value)
{
	const char *s;

	(void)fprintf(out, "%s: ", name);
	for (s = value; *s != '\0'; s++) {
		if (*s == '\n')
			(void)fputc('\r', out);
		(void)fputc(*s, out);
	}
	(void)fputs("\r\n", out);
}

/* Is field i (0-based) deleted by the outcome? */
static int
deleted(const struct parsed *p, size_t i, const struct kyso_outcome *o)
{
	size_t j, idx = 0;

	if (o->strip_content && strncasecmp(p->h[i].name, "Content-", 8) == 0)
		return 1;
	for (j = 0; j <= i; j++)
		if (strcasecmp(p->h[j].name, p->h[i].name) == 0)
			idx++;
	for (j = 0; j < o->nforged; j++)
		if (strcasecmp(o->forged[j].name, p->h[i].name) == 0 &&
		    o->forged[j].index == idx)
			return 1;
	return 0;
}

static int
write_result(FILE *out, const char *data, size_t len, const struct parsed *p,
    const struct kyso_outcome *o)
{
	size_t i;
	char buf[65536];
	ssize_t n;

	if (o->ar_value != NULL)
		put_header(out, KYSO_AR_HEADER, o->ar_value);
	if (o->verdict_value != NULL)
		put_header(out, KYSO_VERDICT_HEADER, o->verdict_value);
	for (i = 0; i < p->n; i++)
		if (!deleted(p, i, o))
			put_header(out, p->h[i].name, p->h[i].value);
	if (o->add_mime_version)
		put_header(out, "MIME-Version", "1.0");
	if (o->content_type != NULL)
		put_header(out, "Content-Type", o->content_type);
	(void)fputs("\r\n", out);
	if (o->body == NULL) {
		(void)fwrite(data + p->body_off, 1, len - p->body_off, out);
	} else {
		while ((n = kyso_mime_read(o->body, buf, sizeof(buf))) > 0)
			(void)fwrite(buf, 1, (size_t)n, out);
		if (n < 0)
			return -1;
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

int
kyso_offline_run(const struct kyso_config *cfg,
    const struct kyso_offline_args *a)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	struct kyso_spool *sp = NULL;
	struct kyso_envelope env;
	struct kyso_outcome o;
	struct kyso_err err = {0};
	struct parsed p = {0};
	gchar *data = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	int too_big = 0, rc = 2;

	memset(&o, 0, sizeof(o));
	if (!g_file_get_contents(a->msg_file, &data, &len, &gerr)) {
		(void)fprintf(stderr, "kyso-milter: %s\n", gerr->message);
		g_error_free(gerr);
		return 2;
	}
	if (split_header(data, len, &p) < 0) {
		(void)fprintf(stderr,
		    "kyso-milter: %s: does not start with a header\n",
		    a->msg_file);
		goto out;
	}
	/* the daemon's spool holds CRLF header lines; so does this one */
	sp = kyso_spool_new(st->spool_memory, st->tmp_dir, st->max_message);
	{
		size_t i;
		GString *hdr = g_string_new(NULL);

		for (i = 0; i < p.n; i++) {
			const char *s;

			g_string_append_printf(hdr, "%s: ", p.h[i].name);
			for (s = p.h[i].value; *s != '\0'; s++) {
				if (*s == '\n')
					g_string_append_c(hdr, '\r');
				g_string_append_c(hdr, *s);
			}
			g_string_append(hdr, "\r\n");
		}
		g_string_append(hdr, "\r\n");
		if (kyso_spool_write(sp, hdr->str, hdr->len, &err) < 0 ||
		    kyso_spool_write(sp, data + p.body_off, len - p.body_off,
		        &err) < 0) {
			if (err.cls != KYSO_E_INPUT) {
				(void)fprintf(stderr, "kyso-milter: %s\n",
				    err.msg);
				g_string_free(hdr, TRUE);
				goto out;
			}
			too_big = 1;
		}
		g_string_free(hdr, TRUE);
	}
	memset(&env, 0, sizeof(env));
	env.queue_id = "OFFLINE";
	env.client_addr = a->client_ip != NULL ? a->client_ip : "";
	env.auth_authen = a->auth_user;
	env.daemon_name = a->daemon_name;
	env.env_from = a->env_from != NULL ? a->env_from : "";
	env.headers = p.h;
	env.nheaders = p.n;
	(void)kyso_process_message(cfg, &env, sp, too_big, time(NULL), &o);
	(void)fprintf(stderr, "kyso-milter: result=%s %s forged_removed=%zu\n",
	    o.result, o.log, o.nforged);
	if (o.action != KYSO_ACTION_ACCEPT) {
		(void)fprintf(stderr, "kyso-milter: reply %s %s %s\n",
		    o.reply_code, o.reply_xcode, o.reply_text);
		rc = o.action == KYSO_ACTION_TEMPFAIL ? 75 : 1;
		goto out;
	}
	if (write_result(stdout, data, len, &p, &o) < 0) {
		(void)fprintf(stderr, "kyso-milter: cannot write result: %s\n",
		    g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	kyso_outcome_clear(&o);
	kyso_spool_free(sp);
	parsed_free(&p);
	g_free(data);
	return rc;
}
