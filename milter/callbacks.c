/*
 * callbacks.c - libmilter callbacks: gather the envelope and the message
 * (headers and body into a bounded spool), run the processing core at end of
 * message, apply its outcome, log one line.
 *
 * Per-connection state lives in struct conn (smfi_setpriv), per-message
 * state in struct msg, freed on every terminal return, abort and close. A
 * message keeps the configuration snapshot it started with. Any failure to
 * gather or apply answers a temporary failure: nothing half-modified ever
 * leaves (libmilter discards all changes with a 4xx reply).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "kyso/journal.h"
#include "kyso/limits.h"
#include "kyso/mime.h"
#include "kyso/verify.h"
#include "kyso_milter.h"

struct msg {
	struct kyso_config *cfg;     /* snapshot held for this message */
	char *env_from;              /* MAIL FROM, without <> */
	char *auth_authen;           /* {auth_authen} or NULL */
	struct kyso_header *headers; /* as received (LF folds) */
	size_t nheaders, cap;
	size_t header_bytes;      /* sum of header sizes */
	struct kyso_spool *spool; /* headers CRLF, blank line, body */
	int too_big;              /* stopped buffering at the size limit */
	int header_overflow;      /* over KYSO_MAX_HEADERS/_HEADER_BYTES */
	int io_error;             /* spool write failed */
	char io_reason[160];
	struct timespec start;
};

struct conn {
	char client_addr[INET6_ADDRSTRLEN]; /* "unknown" without an address */
	char client_name[256];
	char daemon_name[128];
	int leadspc; /* SMFIP_HDR_LEADSPC negotiated */
	struct msg *msg;
};

static void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->env_from);
	free(m->auth_authen);
	kyso_spool_free(m->spool);
	kyso_config_unref(m->cfg);
	free(m);
}

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = kyso_xcalloc(1, sizeof(*c));
		(void)smfi_setpriv(ctx, c);
	}
	return c;
}

static void
conn_end_message(struct conn *c)
{
	msg_free(c->msg);
	c->msg = NULL;
}

static void
copy_macro(SMFICTX *ctx, const char *name, char *buf, size_t len)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	if (v != NULL && *buf == '\0')
		(void)snprintf(buf, len, "%s", v);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want =
	    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
	struct conn *c = conn_get(ctx);

	(void)f2;
	(void)f3;
	if ((f0 & want) != want) {
		kyso_log(LOG_ERR,
		    "MTA does not offer header and body changes; "
		    "cannot work with it");
		return SMFIS_REJECT; /* libmilter: fail the negotiation */
	}
	*pf0 = want;
	/* exact header bytes: Postfix then keeps the space after the colon
	 * (P5) */
	c->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	*pf1 = f1 & SMFIP_HDR_LEADSPC;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	const void *addr = NULL;

	c->client_addr[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = &((struct sockaddr_in *)(void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = &((struct sockaddr_in6 *)(void *)sa)->sin6_addr;
	/* no address we understand: never "local" (policy treats an empty
	 * address as local submission, i.e. ours); Postfix presents its own
	 * sendmail(1) submissions as 127.0.0.1, which InternalHosts covers */
	if (addr == NULL ||
	    inet_ntop(sa->sa_family, addr, c->client_addr,
	        sizeof(c->client_addr)) == NULL)
		(void)snprintf(c->client_addr, sizeof(c->client_addr),
		    "unknown");
	(void)snprintf(c->client_name, sizeof(c->client_name), "%s",
	    hostname != NULL ? hostname : "");
	c->daemon_name[0] = '\0';
	copy_macro(ctx, "{daemon_name}", c->daemon_name,
	    sizeof(c->daemon_name));
	return SMFIS_CONTINUE;
}

/* "<a@b>" or "a@b" followed by ESMTP parameters -> "a@b". */
static char *
strip_angle(const char *arg)
{
	size_t len;

	while (*arg == ' ')
		arg++;
	if (*arg == '<') {
		arg++;
		len = strcspn(arg, ">");
	} else {
		len = strcspn(arg, " ");
	}
	if (len > KYSO_MAX_ADDRESS)
		len = KYSO_MAX_ADDRESS;
	return kyso_xstrndup(arg, len);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct kyso_config *cfg = kyso_daemon_config();
	const struct kyso_settings *st;
	const char *auth;
	struct msg *m;

	conn_end_message(c);
	if (cfg == NULL)
		return SMFIS_TEMPFAIL;
	st = kyso_config_settings(cfg);
	m = kyso_xcalloc(1, sizeof(*m));
	m->cfg = cfg;
	(void)clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->env_from =
	    strip_angle(argv != NULL && argv[0] != NULL ? argv[0] : "");
	auth = smfi_getsymval(ctx, (char *)"{auth_authen}");
	if (auth != NULL && *auth != '\0')
		m->auth_authen = kyso_xstrdup(auth);
	m->spool =
	    kyso_spool_new(st->spool_memory, st->tmp_dir, st->max_message);
	copy_macro(ctx, "{daemon_name}", c->daemon_name,
	    sizeof(c->daemon_name));
	c->msg = m;
	return SMFIS_CONTINUE;
}

/* Spool bytes; past the size ceiling stop buffering, on I/O failure
 * remember why (answered at end of message). */
static void
spool_put(struct msg *m, const void *buf, size_t len)
{
	struct kyso_err err = {0};

	if (m->too_big || m->io_error)
		return;
	if (kyso_spool_write(m->spool, buf, len, &err) < 0) {
		if (err.cls == KYSO_E_INPUT) {
			m->too_big = 1;
		} else {
			m->io_error = 1;
			(void)snprintf(m->io_reason, sizeof(m->io_reason),
			    "%.150s", err.msg);
		}
	}
}

/* Header value from libmilter (LF between folded lines) to CRLF bytes. */
static void
spool_header(struct msg *m, const char *name, const char *value, int leadspc)
{
	const char *p, *nl;

	spool_put(m, name, strlen(name));
	spool_put(m, leadspc ? ":" : ": ", leadspc ? 1 : 2);
	for (p = value; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		size_t len = (size_t)(nl - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		spool_put(m, p, len);
		spool_put(m, "\r\n", 2);
	}
	spool_put(m, p, strlen(p));
	spool_put(m, "\r\n", 2);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c->msg;
	size_t size;

	if (m == NULL)
		return SMFIS_CONTINUE;
	size = strlen(name) + strlen(value) + 4;
	if (m->nheaders >= KYSO_MAX_HEADERS ||
	    m->header_bytes + size > KYSO_MAX_HEADER_BYTES) {
		m->header_overflow = 1;
		return SMFIS_CONTINUE;
	}
	if (m->nheaders == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->headers =
		    kyso_xrealloc(m->headers, m->cap * sizeof(*m->headers));
	}
	m->headers[m->nheaders].name = kyso_xstrdup(name);
	/* policy sees the value without the leading blank */
	m->headers[m->nheaders].value = kyso_xstrdup(
	    c->leadspc && (*value == ' ' || *value == '\t') ? value + 1
	                                                    : value);
	m->nheaders++;
	m->header_bytes += size;
	spool_header(m, name, value, c->leadspc);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c->msg != NULL)
		spool_put(c->msg, "\r\n", 2);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	if (c->msg != NULL)
		spool_put(c->msg, chunk, len);
	return SMFIS_CONTINUE;
}

/* A value for smfi_*header: with LEADSPC negotiated we supply the blank. */
static char *
header_value(const struct conn *c, const char *v)
{
	return c->leadspc ? g_strconcat(" ", v, NULL) : g_strdup(v);
}

static int
strip_content_headers(SMFICTX *ctx, const struct msg *m)
{
	size_t i, j, count;
	int idx;

	for (i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name;

		if (strncasecmp(name, "Content-", 8) != 0)
			continue;
		/* handle each distinct name once, at its first occurrence */
		for (j = 0; j < i; j++)
			if (strcasecmp(m->headers[j].name, name) == 0)
				break;
		if (j < i)
			continue;
		for (count = 0, j = i; j < m->nheaders; j++)
			if (strcasecmp(m->headers[j].name, name) == 0)
				count++;
		/* highest index first, so no index shifts under us (P15) */
		for (idx = (int)count; idx >= 1; idx--)
			if (smfi_chgheader(ctx, (char *)name, idx, NULL) !=
			    MI_SUCCESS)
				return -1;
	}
	return 0;
}

/* Bytes per smfi_replacebody() call; set once at start-up (-B). */
static size_t body_chunk = KYSO_BODY_CHUNK_DEFAULT;

void
kyso_callbacks_set_body_chunk(size_t n)
{
	body_chunk = n;
}

static int
replace_body(SMFICTX *ctx, GMimeStream *body)
{
	unsigned char *buf = g_malloc(body_chunk);
	ssize_t n;
	int rc = -1;

	while ((n = kyso_mime_read(body, (char *)buf, body_chunk)) > 0)
		if (smfi_replacebody(ctx, buf, (int)n) != MI_SUCCESS)
			goto out;
	rc = n < 0 ? -1 : 0;
out:
	g_free(buf);
	return rc;
}

/* Apply every edit of the outcome; -1 if the MTA refused one. */
static int
apply(SMFICTX *ctx, const struct conn *c, const struct kyso_outcome *o)
{
	const struct msg *m = c->msg;
	char *v = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < o->nforged; i++)
		if (smfi_chgheader(ctx, (char *)o->forged[i].name,
		        (int)o->forged[i].index, NULL) != MI_SUCCESS)
			goto out;
	if (o->strip_content && strip_content_headers(ctx, m) < 0)
		goto out;
	if (o->add_mime_version) {
		v = header_value(c, "1.0");
		if (smfi_addheader(ctx, (char *)"MIME-Version", v) !=
		    MI_SUCCESS)
			goto out;
		g_free(v);
		v = NULL;
	}
	if (o->content_type != NULL) {
		v = header_value(c, o->content_type);
		if (smfi_addheader(ctx, (char *)"Content-Type", v) !=
		    MI_SUCCESS)
			goto out;
		g_free(v);
		v = NULL;
	}
	if (o->body != NULL && replace_body(ctx, o->body) < 0)
		goto out;
	/* prepended, so they sit above the headers they judge: verdict
	 * first, then A-R on top (RFC 8601 recommends the top) */
	if (o->verdict_value != NULL) {
		v = header_value(c, o->verdict_value);
		if (smfi_insheader(ctx, 0, (char *)KYSO_VERDICT_HEADER, v) !=
		    MI_SUCCESS)
			goto out;
		g_free(v);
		v = NULL;
	}
	if (o->ar_value != NULL) {
		v = header_value(c, o->ar_value);
		if (smfi_insheader(ctx, 0, (char *)KYSO_AR_HEADER, v) !=
		    MI_SUCCESS)
			goto out;
	}
	rc = 0;
out:
	g_free(v);
	return rc;
}

static sfsistat
reply(SMFICTX *ctx, const struct kyso_outcome *o)
{
	if (o->action == KYSO_ACTION_TEMPFAIL) {
		(void)smfi_setreply(ctx, (char *)o->reply_code,
		    (char *)o->reply_xcode, (char *)o->reply_text);
		return SMFIS_TEMPFAIL;
	}
	if (o->action == KYSO_ACTION_REJECT) {
		(void)smfi_setreply(ctx, (char *)o->reply_code,
		    (char *)o->reply_xcode, (char *)o->reply_text);
		return SMFIS_REJECT;
	}
	return SMFIS_ACCEPT;
}

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* kyso_progress callback: tell the MTA we are still working (revocation
 * look-ups may wait on the network for up to RevocationBudget seconds). */
static void
keep_alive(void *ctx)
{
	(void)smfi_progress((SMFICTX *)ctx);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c->msg;
	struct kyso_outcome o;
	struct kyso_envelope env;
	struct kyso_progress progress = {keep_alive, ctx};
	const char *qid = smfi_getsymval(ctx, (char *)"i");
	struct kyso_err jerr = {0};
	char qbuf[64];
	sfsistat rv;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	(void)kyso_printable(qid != NULL ? qid : "NOQUEUE", qbuf, sizeof(qbuf));
	if (m->io_error || m->header_overflow) {
		kyso_log(LOG_ERR, "%s: kyso result=error reason=\"%s\"", qbuf,
		    m->io_error ? m->io_reason : "too many header fields");
		(void)smfi_setreply(ctx, (char *)"451", (char *)"4.3.0",
		    (char *)"Message cannot be processed right now, "
		            "try again later");
		conn_end_message(c);
		return SMFIS_TEMPFAIL;
	}
	memset(&env, 0, sizeof(env));
	env.queue_id = qid;
	env.client_addr = c->client_addr;
	env.client_name = c->client_name;
	env.auth_authen = m->auth_authen;
	env.daemon_name = c->daemon_name[0] != '\0' ? c->daemon_name : NULL;
	env.env_from = m->env_from;
	env.headers = m->headers;
	env.nheaders = m->nheaders;
	env.progress = &progress;
	(void)kyso_process_message(m->cfg, &env, m->spool, m->too_big,
	    time(NULL), &o);
	if (o.action == KYSO_ACTION_ACCEPT && apply(ctx, c, &o) < 0) {
		kyso_log(LOG_ERR,
		    "%s: kyso result=error reason=\"MTA refused a change\" %s",
		    qbuf, o.log);
		(void)smfi_setreply(ctx, (char *)"451", (char *)"4.3.0",
		    (char *)"Message cannot be processed right now, "
		            "try again later");
		rv = SMFIS_TEMPFAIL;
	} else {
		char client[64];

		kyso_log(o.action == KYSO_ACTION_ACCEPT ? LOG_INFO : LOG_NOTICE,
		    "%s: kyso result=%s client=%s %s forged_removed=%zu "
		    "elapsed_ms=%ld",
		    qbuf, o.result,
		    kyso_printable(c->client_addr[0] ? c->client_addr : "local",
		        client, sizeof(client)),
		    o.log, o.nforged, elapsed_ms(&m->start));
		rv = reply(ctx, &o);
	}
	/* one journal line per message (JournalFile); never fails mail */
	if (kyso_journal_outcome(kyso_config_journal(m->cfg), &env, &o,
	        o.action == KYSO_ACTION_ACCEPT && rv == SMFIS_TEMPFAIL,
	        time(NULL), &jerr) < 0)
		kyso_log(LOG_WARNING, "%s: kyso journal: %s", qbuf, jerr.msg);
	kyso_outcome_clear(&o);
	conn_end_message(c);
	return rv;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		conn_end_message(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		conn_end_message(c);
		free(c);
		(void)smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

int
kyso_callbacks_register(void)
{
	static struct smfiDesc desc = {
	    .xxfi_name = (char *)"kyso-milter",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY,
	    .xxfi_connect = cb_connect,
	    .xxfi_envfrom = cb_envfrom,
	    .xxfi_header = cb_header,
	    .xxfi_eoh = cb_eoh,
	    .xxfi_body = cb_body,
	    .xxfi_eom = cb_eom,
	    .xxfi_abort = cb_abort,
	    .xxfi_close = cb_close,
	    .xxfi_negotiate = cb_negotiate,
	};

	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
