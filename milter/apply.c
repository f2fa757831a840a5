/*
 * apply.c - the one applier of a kyso_outcome: the outcome's edits (or its
 * reply) as a sequence of MTA operations, whichever MTA carries them out.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kyso/policy/journal.h"
#include "kyso/smime/mime.h"
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
	if (o->opaque &&
	    (ops->add_header(mta, "Content-Transfer-Encoding", "base64") < 0 ||
	        ops->add_header(mta, "Content-Disposition",
	            "attachment; filename=\"smime.p7m\"") < 0))
		return -1;
	if (o->body != NULL && replace_body(ops, mta, o->body) < 0)
		return -1;
	/* SubjectTag: the verdict in the Subject (inbound only) */
	for (i = 0; i < o->nsubjects; i++)
		if ((o->subject_add
		            ? ops->add_header(mta, "Subject", o->subjects[i])
		            : ops->change_header(mta, "Subject", (int)i + 1,
		                  o->subjects[i])) < 0)
			return -1;
	/* prepended, so they sit above the headers they judge: result,
	 * verdict, then A-R on top (RFC 8601 recommends the top) */
	if (o->result_value != NULL &&
	    ops->insert_header(mta, 0, KYSO_RESULT_HEADER, o->result_value) < 0)
		return -1;
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

/* ---- the open journal ---- */

struct held_journal {
	struct kyso_journal *j;
	unsigned refs; /* guarded by journal_lock */
};

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held_journal *journal; /* guarded by journal_lock */

/* Drop a reference taken under journal_lock; the last one closes. */
static void
journal_unref(struct held_journal *h)
{
	unsigned left;

	if (h == NULL)
		return;
	(void)pthread_mutex_lock(&journal_lock);
	left = --h->refs;
	(void)pthread_mutex_unlock(&journal_lock);
	if (left > 0)
		return;
	kyso_journal_close(h->j);
	g_free(h);
}

/* Make h (may be NULL) the journal; release the one before. */
static void
journal_swap(struct held_journal *h)
{
	struct held_journal *old;

	(void)pthread_mutex_lock(&journal_lock);
	old = journal;
	journal = h;
	(void)pthread_mutex_unlock(&journal_lock);
	journal_unref(old);
}

int
kyso_apply_journal_open(const struct kyso_settings *st, struct kyso_err *err)
{
	struct held_journal *h = NULL;
	struct kyso_err oerr = {0};
	struct kyso_journal *j;

	if (st->journal_file != NULL) {
		j = kyso_journal_open(st->journal_file, st->journal_sync,
		    &oerr);
		if (j == NULL) {
			kyso_err_set(err, KYSO_E_CONFIG, "JournalFile %s",
			    oerr.msg);
			return -1;
		}
		kyso_journal_set_host(j, st->journal_host);
		h = g_new0(struct held_journal, 1);
		h->j = j;
		h->refs = 1;
	}
	journal_swap(h);
	return 0;
}

void
kyso_apply_journal_close(void)
{
	journal_swap(NULL);
}

void
kyso_apply_journal(const struct kyso_outcome *o, int apply_failed,
    const char *qid)
{
	struct kyso_err err = {0};
	struct held_journal *h;

	(void)pthread_mutex_lock(&journal_lock);
	if ((h = journal) != NULL)
		h->refs++;
	(void)pthread_mutex_unlock(&journal_lock);
	if (h == NULL)
		return;
	if (kyso_journal_outcome(h->j, o, apply_failed, time(NULL), &err) < 0)
		kyso_log(LOG_WARNING, "%s: kyso journal: %s", qid, err.msg);
	journal_unref(h);
}
