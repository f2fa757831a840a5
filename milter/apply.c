/*
 * apply.c - the one applier of a kyso_outcome: the outcome's edits (or its
 * reply) as a sequence of MTA operations, whichever MTA carries them out.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kyso/journal.h"
#include "kyso/mime.h"
#include "apply.h"
#include "kyso_milter.h"

/* Delete every top-level Content-* field, each distinct name once, from
 * its highest index down so that no index shifts under us (P15). */
static int
strip_content_headers(const struct kyso_mta_ops *ops, void *mta,
    const struct kyso_header *h, size_t n)
{
	size_t i, j, count;
	int idx;

	for (i = 0; i < n; i++) {
		const char *name = h[i].name;

		if (strncasecmp(name, "Content-", 8) != 0)
			continue;
		/* handle each distinct name once, at its first occurrence */
		for (j = 0; j < i; j++)
			if (strcasecmp(h[j].name, name) == 0)
				break;
		if (j < i)
			continue;
		for (count = 0, j = i; j < n; j++)
			if (strcasecmp(h[j].name, name) == 0)
				count++;
		for (idx = (int)count; idx >= 1; idx--)
			if (ops->delete_header(mta, name, idx) < 0)
				return -1;
	}
	return 0;
}

static int
replace_body(const struct kyso_mta_ops *ops, void *mta, GMimeStream *body)
{
	char *buf = g_malloc(ops->body_chunk);
	ssize_t n;
	int rc = -1;

	while ((n = kyso_mime_read(body, buf, ops->body_chunk)) > 0)
		if (ops->replace_body(mta, buf, (size_t)n) < 0)
			goto out;
	rc = n < 0 ? -1 : 0;
out:
	g_free(buf);
	return rc;
}

static int
apply_edits(const struct kyso_mta_ops *ops, void *mta,
    const struct kyso_header *headers, size_t n, const struct kyso_outcome *o)
{
	size_t i;

	for (i = 0; i < o->nforged; i++)
		if (ops->delete_header(mta, o->forged[i].name,
		        (int)o->forged[i].index) < 0)
			return -1;
	if (o->strip_content && strip_content_headers(ops, mta, headers, n) < 0)
		return -1;
	if (o->add_mime_version &&
	    ops->add_header(mta, "MIME-Version", "1.0") < 0)
		return -1;
	if (o->content_type != NULL &&
	    ops->add_header(mta, "Content-Type", o->content_type) < 0)
		return -1;
	if (o->body != NULL && replace_body(ops, mta, o->body) < 0)
		return -1;
	/* prepended, so they sit above the headers they judge: verdict
	 * first, then A-R on top (RFC 8601 recommends the top) */
	if (o->verdict_value != NULL &&
	    ops->insert_header(mta, 0, KYSO_VERDICT_HEADER, o->verdict_value) <
	        0)
		return -1;
	if (o->ar_value != NULL &&
	    ops->insert_header(mta, 0, KYSO_AR_HEADER, o->ar_value) < 0)
		return -1;
	return 0;
}

int
kyso_apply_outcome(const struct kyso_mta_ops *ops, void *mta,
    const struct kyso_header *headers, size_t n, const struct kyso_outcome *o)
{
	if (o->action == KYSO_ACTION_ACCEPT)
		return apply_edits(ops, mta, headers, n, o);
	return ops->reply(mta, o->reply_code, o->reply_xcode, o->reply_text);
}

int
kyso_apply_tempfail(const struct kyso_mta_ops *ops, void *mta)
{
	return ops->reply(mta, "451", "4.3.0",
	    "Message cannot be processed right now, try again later");
}

void
kyso_apply_journal(const struct kyso_config *cfg,
    const struct kyso_envelope *env, const struct kyso_outcome *o,
    int apply_failed, const char *qid)
{
	struct kyso_err err = {0};

	if (kyso_journal_outcome(kyso_config_journal(cfg), env, o, apply_failed,
	        time(NULL), &err) < 0)
		kyso_log(LOG_WARNING, "%s: kyso journal: %s", qid, err.msg);
}
