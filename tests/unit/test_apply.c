/*
 * test_apply.c - milter/'s two shared pieces without libmilter: the
 * gatherer (header limits, the spooled CRLF bytes, the size ceiling) and
 * the one applier of an outcome (the MTA operations, their order, the
 * reply, a refused operation stops it), driven through a recording MTA.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kyso/policy/inbound.h"
#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "apply.h"
#include "gather.h"
#include "harness.h"
#include "kyso_milter.h"

/* ---- a recording MTA ---- */

struct rec {
	GString *log; /* one "op args;" per call */
	int calls;
	int fail_at; /* the call (1-based) that is refused, 0: none */
};

static int
rec_step(struct rec *r)
{
	return ++r->calls == r->fail_at ? -1 : 0;
}

static int
rec_delete(void *mta, const char *name, int index)
{
	struct rec *r = mta;

	g_string_append_printf(r->log, "del %s %d;", name, index);
	return rec_step(r);
}

static int
rec_insert(void *mta, int index, const char *name, const char *value)
{
	struct rec *r = mta;

	g_string_append_printf(r->log, "ins %d %s=%s;", index, name, value);
	return rec_step(r);
}

static int
rec_change(void *mta, const char *name, int index, const char *value)
{
	struct rec *r = mta;

	g_string_append_printf(r->log, "chg %s %d=%s;", name, index, value);
	return rec_step(r);
}

static int
rec_add(void *mta, const char *name, const char *value)
{
	struct rec *r = mta;

	g_string_append_printf(r->log, "add %s=%s;", name, value);
	return rec_step(r);
}

static int
rec_body(void *mta, const void *buf, size_t len)
{
	struct rec *r = mta;

	(void)buf;
	g_string_append_printf(r->log, "body %zu;", len);
	return rec_step(r);
}

static int
rec_reply(void *mta, const char *code, const char *xcode, const char *text)
{
	struct rec *r = mta;

	g_string_append_printf(r->log, "reply %s %s %s;", code, xcode, text);
	return rec_step(r);
}

static const struct kyso_mta_ops rec_ops = {
    .delete_header = rec_delete,
    .insert_header = rec_insert,
    .change_header = rec_change,
    .add_header = rec_add,
    .replace_body = rec_body,
    .reply = rec_reply,
    .body_chunk = 512,
};

/* Run o through the recording MTA; the log, and the applier's answer. */
static char *
run(const struct kyso_header *h, size_t n, const struct kyso_outcome *o,
    int fail_at, int *rc)
{
	struct rec r = {g_string_new(NULL), 0, fail_at};

	if (o->body != NULL)
		(void)g_mime_stream_reset(o->body);
	*rc = kyso_apply_outcome(&rec_ops, &r, h, n, o);
	return g_string_free(r.log, FALSE);
}

/* ---- the gatherer ---- */

static char *
spooled(struct kyso_gather *g)
{
	size_t len = kyso_spool_size(g->spool);
	char *buf = g_malloc0(len + 1);
	struct kyso_err err = {0};

	(void)kyso_spool_pread(g->spool, buf, len, 0, &err);
	return buf;
}

static void
test_gather(void)
{
	struct kyso_settings st = {0};
	struct kyso_gather *g;
	char *s, *big;
	GString *b = g_string_new(NULL);
	int i;

	st.spool_memory = 1 << 20;
	st.tmp_dir = (char *)"/tmp";

	g = kyso_gather_new(&st);
	kyso_gather_header(g, "Subject", " a\n b", 1);
	kyso_gather_header(g, "To", "x@y", 0);
	kyso_gather_eoh(g);
	kyso_gather_body(g, "body\r\n", 6);
	s = spooled(g);
	CHECK(strcmp(s, "Subject: a\r\n b\r\nTo: x@y\r\n\r\nbody\r\n") == 0,
	    "spooled: CRLF fields, blank line, body as received");
	CHECK(strcmp(g->headers[0].value, "a\n b") == 0 &&
	        strcmp(g->headers[1].value, "x@y") == 0,
	    "policy sees values without the leading blank, LF folds kept");
	CHECK(g->body_offset == strlen("Subject: a\r\n b\r\nTo: x@y\r\n\r\n"),
	    "the body starts after the blank line");
	CHECK(kyso_gather_failure(g) == NULL, "a small message gathers");
	g_free(s);
	kyso_gather_free(g);

	g = kyso_gather_new(&st);
	for (i = 0; i < KYSO_MAX_HEADERS; i++)
		kyso_gather_header(g, "X-F", "v", 0);
	CHECK(kyso_gather_failure(g) == NULL && g->nheaders == KYSO_MAX_HEADERS,
	    "exactly KYSO_MAX_HEADERS (%d) fields are taken", KYSO_MAX_HEADERS);
	kyso_gather_header(g, "X-F", "v", 0);
	s = (char *)kyso_gather_failure(g);
	CHECK(s != NULL && strcmp(s, "too many header fields") == 0 &&
	        g->nheaders == KYSO_MAX_HEADERS,
	    "one field more: the message cannot be processed");
	kyso_gather_free(g);

	g = kyso_gather_new(&st);
	big = g_malloc(KYSO_MAX_HEADER_BYTES);
	memset(big, 'a', KYSO_MAX_HEADER_BYTES - 1);
	big[KYSO_MAX_HEADER_BYTES - 1] = '\0';
	kyso_gather_header(g, "X-Big", big, 0);
	CHECK(kyso_gather_failure(g) != NULL,
	    "one field over KYSO_MAX_HEADER_BYTES: cannot be processed");
	g_free(big);
	kyso_gather_free(g);

	st.max_message = 1024;
	g = kyso_gather_new(&st);
	kyso_gather_header(g, "From", "a@b", 0);
	kyso_gather_eoh(g);
	for (i = 0; i < 100; i++)
		kyso_gather_body(g, "0123456789abcdef0123456789abcdef", 32);
	CHECK(g->too_big && kyso_gather_failure(g) == NULL,
	    "past MaximumMessageSize: too big, not a failure");
	kyso_gather_free(g);

	kyso_header_crlf(b, "X", "a\r\nb\n\tc", 0);
	CHECK(strcmp(b->str, "X: a\r\nb\r\n\tc\r\n") == 0,
	    "header to CRLF: LF and CRLF folds both become CRLF");
	g_string_truncate(b, 0);
	kyso_header_crlf(b, "X", " v", 1);
	CHECK(strcmp(b->str, "X: v\r\n") == 0,
	    "header to CRLF with LEADSPC: the value brings its blank");
	g_string_free(b, TRUE);
}

/* ---- the applier ---- */

static void
test_apply(void)
{
	static const struct kyso_header h[] = {
	    {(char *)"Authentication-Results", (char *)"ours; smime=pass"},
	    {(char *)"Content-Type", (char *)"text/plain"},
	    {(char *)"From", (char *)"a@b"},
	    {(char *)"content-type", (char *)"text/html"},
	    {(char *)"Content-Transfer-Encoding", (char *)"8bit"},
	    {(char *)"Authentication-Results", (char *)"ours; smime=pass"},
	};
	struct kyso_header_ref forged[] = {{KYSO_AR_HEADER, 2},
	    {KYSO_AR_HEADER, 1}};
	struct kyso_outcome o;
	char body[1300];
	char *log;
	int rc;

	memset(body, 'x', sizeof(body));
	memset(&o, 0, sizeof(o));
	o.action = KYSO_ACTION_ACCEPT;
	o.forged = forged;
	o.nforged = 2;
	o.strip_content = 1;
	o.add_mime_version = 1;
	o.content_type = (char *)"multipart/signed";
	o.body = g_mime_stream_mem_new_with_buffer(body, sizeof(body));
	log = run(h, 6, &o, 0, &rc);
	CHECK(rc == 0 &&
	        strcmp(log,
	            "del Authentication-Results 2;"
	            "del Authentication-Results 1;"
	            "del Content-Type 2;del Content-Type 1;"
	            "del Content-Transfer-Encoding 1;"
	            "add MIME-Version=1.0;"
	            "add Content-Type=multipart/signed;"
	            "body 512;body 512;body 276;") == 0,
	    "sign: forged fields, every Content-* from the highest index "
	    "down, new fields, the body in body_chunk pieces (got %s)",
	    log);
	g_free(log);

	o.opaque = 1;
	o.content_type = (char *)"application/pkcs7-mime";
	log = run(h, 6, &o, 0, &rc);
	CHECK(rc == 0 &&
	        strstr(log,
	            "add Content-Type=application/pkcs7-mime;"
	            "add Content-Transfer-Encoding=base64;"
	            "add Content-Disposition=attachment; "
	            "filename=\"smime.p7m\";body 512;") != NULL,
	    "opaque: Content-Type, then base64 and the attachment name, "
	    "then the body (got %s)",
	    log);
	g_free(log);
	o.opaque = 0;
	o.content_type = (char *)"multipart/signed";

	log = run(h, 6, &o, 4, &rc);
	CHECK(rc == -1 &&
	        strcmp(log,
	            "del Authentication-Results 2;"
	            "del Authentication-Results 1;"
	            "del Content-Type 2;"
	            "del Content-Type 1;") == 0,
	    "a refused operation stops the applier and says so (got %s)", log);
	g_free(log);
	g_object_unref(o.body);

	memset(&o, 0, sizeof(o));
	o.action = KYSO_ACTION_ACCEPT;
	o.forged = forged;
	o.nforged = 1;
	o.ar_value = (char *)"mx; smime=none";
	o.verdict_value = (char *)"v";
	log = run(h, 6, &o, 0, &rc);
	CHECK(rc == 0 &&
	        strcmp(log,
	            "del Authentication-Results 2;"
	            "ins 0 X-Kyso-Verdict=v;"
	            "ins 0 Authentication-Results=mx; "
	            "smime=none;") == 0,
	    "verify: forged removed, then the verdict and A-R on top "
	    "(got %s)",
	    log);
	g_free(log);

	{
		char *subj[] = {(char *)"=?UTF-8?Q?tag_a?=",
		    (char *)"=?UTF-8?Q?tag_b?="};

		memset(&o, 0, sizeof(o));
		o.action = KYSO_ACTION_ACCEPT;
		o.ar_value = (char *)"mx; smime=pass";
		o.verdict_value = (char *)"v";
		o.result_value = (char *)"pass";
		o.subjects = subj;
		o.nsubjects = 2;
		log = run(h, 6, &o, 0, &rc);
		CHECK(rc == 0 &&
		        strcmp(log,
		            "chg Subject 1==?UTF-8?Q?tag_a?=;"
		            "chg Subject 2==?UTF-8?Q?tag_b?=;"
		            "ins 0 X-Kyso-Result=pass;"
		            "ins 0 X-Kyso-Verdict=v;"
		            "ins 0 Authentication-Results=mx; "
		            "smime=pass;") == 0,
		    "verify with SubjectTag and ResultHeader: every Subject "
		    "changed in place, then result, verdict, A-R on top "
		    "(got %s)",
		    log);
		g_free(log);
		o.subject_add = 1;
		o.nsubjects = 1;
		o.result_value = NULL;
		log = run(h, 6, &o, 0, &rc);
		CHECK(rc == 0 &&
		        g_str_has_prefix(log,
		            "add Subject==?UTF-8?Q?tag_a?=;ins 0 "
		            "X-Kyso-Verdict"),
		    "no Subject: the tagged one is added (got %s)", log);
		g_free(log);
	}

	memset(&o, 0, sizeof(o));
	o.action = KYSO_ACTION_REJECT;
	o.forged = forged;
	o.nforged = 2;
	o.ar_value = (char *)"unused";
	o.reply_code = "550";
	o.reply_xcode = "5.7.1";
	o.reply_text = "no";
	log = run(h, 6, &o, 0, &rc);
	CHECK(rc == 0 && strcmp(log, "reply 550 5.7.1 no;") == 0,
	    "a refusal is its reply and nothing else (got %s)", log);
	g_free(log);

	{
		struct rec r = {g_string_new(NULL), 0, 0};

		rc = kyso_apply_tempfail(&rec_ops, &r);
		CHECK(rc == 0 &&
		        strcmp(r.log->str,
		            "reply 451 4.3.0 Message cannot be "
		            "processed right now, try again later;") == 0,
		    "cannot be processed: 451 4.3.0 (got %s)", r.log->str);
		g_string_free(r.log, TRUE);
	}
}

/* Lines in a file (-1: no file). */
static int
count_lines(const char *path)
{
	char *text = NULL;
	int n = 0;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	for (p = text; *p != '\0'; p++)
		n += *p == '\n';
	g_free(text);
	return n;
}

/* The open journal belongs to milter/ (the daemon, or -t -J): opened by
 * name, reopened by name after rotation (the old file keeps its lines), a
 * failed reopen keeps the journal before, closed at the end. */
static void
test_journal_owner(void)
{
	char *dir = g_dir_make_tmp("kyso-apply-XXXXXX", NULL);
	char *path = g_build_filename(dir, "journal", NULL);
	char *old = g_build_filename(dir, "journal.1", NULL);
	char *bad = g_build_filename(dir, "no", "journal", NULL);
	struct kyso_settings st = {0};
	struct kyso_err err = {0};
	struct kyso_outcome o;

	memset(&o, 0, sizeof(o));
	o.facts.cls = KYSO_OC_SIGNED;
	o.facts.origin = KYSO_ORIGIN_AUTH;
	kyso_apply_journal(&o, 0, "Q0"); /* none open: nothing, no crash */
	st.journal_file = path;
	CHECK(kyso_apply_journal_open(&st, &err) == 0,
	    "journal: opened by name (%s)", err.msg);
	kyso_apply_journal(&o, 0, "Q1");
	CHECK(count_lines(path) == 1, "journal: one line");
	CHECK(rename(path, old) == 0 && kyso_apply_journal_open(&st, &err) == 0,
	    "journal: reopened by name after rotation");
	kyso_apply_journal(&o, 0, "Q2");
	CHECK(count_lines(old) == 1 && count_lines(path) == 1,
	    "journal: the new line in the new file, the rotated one kept");
	st.journal_file = bad;
	CHECK(kyso_apply_journal_open(&st, &err) < 0 &&
	        strstr(err.msg, "JournalFile ") == err.msg,
	    "journal: a reopen that fails says so (%s)", err.msg);
	kyso_apply_journal(&o, 0, "Q3");
	CHECK(count_lines(path) == 2,
	    "journal: ... and the journal before stays in use");
	kyso_apply_journal_close();
	kyso_apply_journal(&o, 0, "Q4");
	CHECK(count_lines(path) == 2, "journal: closed, nothing written");
	(void)unlink(path);
	(void)unlink(old);
	(void)rmdir(dir);
	g_free(bad);
	g_free(old);
	g_free(path);
	g_free(dir);
}

/* apply.c logs a journal warning through kyso_log */
void
kyso_log(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

int
main(void)
{
	kyso_mime_init();
	test_gather();
	test_apply();
	test_journal_owner();
	kyso_mime_shutdown();
	return TEST_DONE();
}
