/*
 * callbacks.c - libmilter callbacks: gather the envelope and the message
 * (gather.c: headers and body into a bounded spool), run the processing
 * core at end of message, apply its outcome (apply.c, through smfi_*), log
 * one line.
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
#include <sys/socket.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "kyso/limits.h"
#include "apply.h"
#include "gather.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/verify.h"
#include "kyso_milter.h"

struct msg {
	struct kyso_config *cfg; /* snapshot held for this message */
	char *env_from;          /* MAIL FROM, without <> */
	char *auth_authen;       /* {auth_authen} or NULL */
	char *opaque_rcpt;       /* first RCPT of OpaqueRecipients, or NULL */
	struct kyso_gather *g;   /* headers and the spooled message */
	struct timespec start;
};

struct conn {
	/* "unknown" without an address, "" for Sendmail's local submission */
	char client_addr[INET6_ADDRSTRLEN];
	char client_name[256];
	char daemon_name[128];
	int leadspc;           /* SMFIP_HDR_LEADSPC negotiated */
	unsigned long noreply; /* the SMFIP_NR_* steps the MTA agreed to */
	struct msg *msg;
};

/* Steps kyso never looks at, which the MTA then does not send (HELO, each
 * RCPT, DATA, unknown commands), and steps whose answer is always
 * "continue", which then get no reply at all (connect, each header, end
 * of headers, each body chunk): per message about ten fewer round trips
 * between MTA and milter. MAIL FROM keeps its reply (no configuration
 * snapshot: tempfail) and the end of message is where kyso decides.
 * Postfix (milter protocol 6) and Sendmail 8.14+ offer all of them; what
 * an MTA does not offer is not asked for. On a TCP socket DATA is kept
 * (is_tcp_socket). RCPT is asked for (without a
 * reply) only while OpaqueRecipients is set: a reload that sets it holds
 * for SMTP sessions that begin after it. */
#define KYSO_STEPS_SKIPPED                                                     \
	(SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN)
#define KYSO_STEPS_NOREPLY                                                     \
	(SMFIP_NR_CONN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY |         \
	    SMFIP_NR_RCPT)

/* What a step that only gathers answers: nothing when `step` (one of
 * KYSO_STEPS_NOREPLY) was negotiated as no-reply, else "continue". */
static sfsistat
go_on(const struct conn *c, unsigned long step)
{
	return (c->noreply & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	free(m->env_from);
	free(m->auth_authen);
	free(m->opaque_rcpt);
	kyso_gather_free(m->g);
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

/* 1 for an inet or inet6 Socket. Over TCP kyso keeps the DATA step (and
 * its reply): skipped, Postfix sends the DATA macros on their own and the
 * first header field in a second small packet with nothing acknowledged
 * in between, and Nagle's algorithm on its side (Postfix does not set
 * TCP_NODELAY) waits for our delayed ACK, ~40 ms per message on a
 * connection that carries several (bench/run.sh tcp section: 20 against
 * 105 messages/s; t-tcp.sh "sess"). The no-reply steps are buffered by
 * Postfix until a step that waits for a reply, so they stay. */
static int
is_tcp_socket(const char *socket)
{
	return socket != NULL &&
	    (strncmp(socket, "inet:", 5) == 0 ||
	        strncmp(socket, "inet6:", 6) == 0);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want =
	    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY;
	struct conn *c = conn_get(ctx);
	struct kyso_config *cfg = kyso_daemon_config();
	unsigned long skipped = KYSO_STEPS_SKIPPED;

	(void)f2;
	(void)f3;
	/* without a snapshot MAIL FROM tempfails anyway */
	if (cfg != NULL && kyso_config_wants_recipients(cfg))
		skipped &= ~(unsigned long)SMFIP_NORCPT;
	if (cfg == NULL || is_tcp_socket(kyso_config_settings(cfg)->socket))
		skipped &= ~(unsigned long)SMFIP_NODATA;
	kyso_config_unref(cfg);
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
	c->noreply = f1 & KYSO_STEPS_NOREPLY;
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | skipped | KYSO_STEPS_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* "login@localhost" with a non-empty login and nothing else: the "_"
 * macro as Sendmail sets it when its SMTP input is not a socket. Sendmail
 * gives a network client "[login@]host [addr]", Postfix "name [addr]". */
static int
is_pipe_ident(const char *who)
{
	static const char suffix[] = "@localhost";
	size_t n;

	if (who == NULL)
		return 0;
	n = strlen(who);
	if (n <= sizeof(suffix) - 1 ||
	    strcmp(who + n - (sizeof(suffix) - 1), suffix) != 0)
		return 0;
	/* one '@', no space or bracket of a "host [addr]" form */
	return strcspn(who, " []") == n &&
	    strchr(who, '@') == strrchr(who, '@');
}

/* Sendmail's local SMTP submission (`sendmail -Am -bs` on a pipe, run by
 * root or a trusted program): the connection has no address family at
 * all, the host name "localhost", no {daemon_name} (no daemon accepted
 * it) and "_" = "login@localhost". Only then is a client without an
 * address local (ours). A network client always has an address through
 * Sendmail (accept(2), or getpeername(2) of an inetd socket). Postfix
 * presents its own local submissions as localhost/127.0.0.1 (inet), which
 * InternalHosts covers, and a client it has no address for (XCLIENT
 * ADDR=[UNAVAILABLE]) as inet "unknown", which libmilter refuses before
 * we see it; a milter client without an address that carries a
 * {daemon_name} or a "name [addr]" "_" stays external. */
static int
is_local_submission(SMFICTX *ctx, const char *hostname, const _SOCK_ADDR *sa)
{
	const char *daemon = smfi_getsymval(ctx, (char *)"{daemon_name}");

	if (sa != NULL && sa->sa_family != AF_UNSPEC)
		return 0;
	if (hostname == NULL || strcmp(hostname, "localhost") != 0)
		return 0;
	if (daemon != NULL && *daemon != '\0')
		return 0;
	return is_pipe_ident(smfi_getsymval(ctx, (char *)"_"));
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
	/* the empty address means local submission to policy (ours): only
	 * Sendmail's pipe submission gets it; any other client without an
	 * address we understand is "unknown" (external) */
	if (addr == NULL) {
		if (!is_local_submission(ctx, hostname, sa))
			(void)snprintf(c->client_addr, sizeof(c->client_addr),
			    "unknown");
	} else if (inet_ntop(sa->sa_family, addr, c->client_addr,
	               sizeof(c->client_addr)) == NULL) {
		(void)snprintf(c->client_addr, sizeof(c->client_addr),
		    "unknown");
	}
	(void)snprintf(c->client_name, sizeof(c->client_name), "%s",
	    hostname != NULL ? hostname : "");
	c->daemon_name[0] = '\0';
	copy_macro(ctx, "{daemon_name}", c->daemon_name,
	    sizeof(c->daemon_name));
	return go_on(c, SMFIP_NR_CONN);
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
	m->g = kyso_gather_new(st);
	copy_macro(ctx, "{daemon_name}", c->daemon_name,
	    sizeof(c->daemon_name));
	c->msg = m;
	return SMFIS_CONTINUE;
}

/* Only while OpaqueRecipients is set (see KYSO_STEPS_SKIPPED): the first
 * recipient it names makes the message opaque-signed if it is ours. */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c->msg;
	char *rcpt;

	if (m == NULL || m->opaque_rcpt != NULL || argv == NULL ||
	    argv[0] == NULL)
		return go_on(c, SMFIP_NR_RCPT);
	rcpt = strip_angle(argv[0]);
	if (kyso_config_opaque_recipient(m->cfg, rcpt))
		m->opaque_rcpt = rcpt;
	else
		free(rcpt);
	return go_on(c, SMFIP_NR_RCPT);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	if (c->msg != NULL)
		kyso_gather_header(c->msg->g, name, value, c->leadspc);
	return go_on(c, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c->msg != NULL)
		kyso_gather_eoh(c->msg->g);
	return go_on(c, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	if (c->msg != NULL)
		kyso_gather_body(c->msg->g, chunk, len);
	return go_on(c, SMFIP_NR_BODY);
}

/* The daemon's MTA operations for the applier: libmilter's smfi_*. */
struct smfi_mta {
	SMFICTX *ctx;
	int leadspc; /* SMFIP_HDR_LEADSPC: we supply the blank */
};

static char *
header_value(const struct smfi_mta *t, const char *v)
{
	return t->leadspc ? g_strconcat(" ", v, NULL) : g_strdup(v);
}

static int
smfi_delete(void *mta, const char *name, int index)
{
	const struct smfi_mta *t = mta;

	return smfi_chgheader(t->ctx, (char *)name, index, NULL) == MI_SUCCESS
	    ? 0
	    : -1;
}

static int
smfi_insert(void *mta, int index, const char *name, const char *value)
{
	const struct smfi_mta *t = mta;
	char *v = header_value(t, value);
	int rc = smfi_insheader(t->ctx, index, (char *)name, v);

	g_free(v);
	return rc == MI_SUCCESS ? 0 : -1;
}

static int
smfi_change(void *mta, const char *name, int index, const char *value)
{
	const struct smfi_mta *t = mta;
	char *v = header_value(t, value);
	int rc = smfi_chgheader(t->ctx, (char *)name, index, v);

	g_free(v);
	return rc == MI_SUCCESS ? 0 : -1;
}

static int
smfi_add(void *mta, const char *name, const char *value)
{
	const struct smfi_mta *t = mta;
	char *v = header_value(t, value);
	int rc = smfi_addheader(t->ctx, (char *)name, v);

	g_free(v);
	return rc == MI_SUCCESS ? 0 : -1;
}

static int
smfi_body(void *mta, const void *buf, size_t len)
{
	const struct smfi_mta *t = mta;

	return smfi_replacebody(t->ctx, (unsigned char *)buf, (int)len) ==
	        MI_SUCCESS
	    ? 0
	    : -1;
}

static int
smfi_reply(void *mta, const char *code, const char *xcode, const char *text)
{
	const struct smfi_mta *t = mta;

	/* a reply libmilter cannot take leaves its default: still a refusal */
	(void)smfi_setreply(t->ctx, (char *)code, (char *)xcode, (char *)text);
	return 0;
}

/* body_chunk: bytes per smfi_replacebody() call; set once at start-up
 * (-B). */
static struct kyso_mta_ops smfi_ops = {
    .delete_header = smfi_delete,
    .insert_header = smfi_insert,
    .change_header = smfi_change,
    .add_header = smfi_add,
    .replace_body = smfi_body,
    .reply = smfi_reply,
    .body_chunk = KYSO_BODY_CHUNK_DEFAULT,
};

void
kyso_callbacks_set_body_chunk(size_t n)
{
	smfi_ops.body_chunk = n;
}

/* Log priority of a result: warning when the message was refused or
 * deferred, or passed unsigned because signing could not be done; info
 * otherwise. */
static int
result_priority(const struct kyso_outcome *o)
{
	if (o->action != KYSO_ACTION_ACCEPT)
		return LOG_WARNING;
	if (o->facts.cls == KYSO_OC_EXPIRED || o->facts.cls == KYSO_OC_ERROR)
		return LOG_WARNING;
	return LOG_INFO;
}

/* Results SyslogSuccess no leaves out: signed or sealed as asked, inbound
 * mail that verified or carried no signature, nothing to do. */
static int
uneventful(const struct kyso_outcome *o)
{
	static const char *const quiet[] = {"signed", "sealed", "pass", "none",
	    "off"};
	size_t i;

	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (strcmp(o->result, quiet[i]) == 0)
			return 1;
	return 0;
}

static sfsistat
status(const struct kyso_outcome *o)
{
	if (o->action == KYSO_ACTION_TEMPFAIL)
		return SMFIS_TEMPFAIL;
	if (o->action == KYSO_ACTION_REJECT)
		return SMFIS_REJECT;
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
	struct smfi_mta mta = {ctx, c->leadspc};
	const char *failure;
	char qbuf[64];
	sfsistat rv;

	if (m == NULL)
		return SMFIS_TEMPFAIL;
	(void)kyso_printable(qid != NULL ? qid : "NOQUEUE", qbuf, sizeof(qbuf));
	if ((failure = kyso_gather_failure(m->g)) != NULL) {
		kyso_log(LOG_ERR, "%s: kyso result=error reason=\"%s\"", qbuf,
		    failure);
		(void)kyso_apply_tempfail(&smfi_ops, &mta);
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
	env.opaque_rcpt = m->opaque_rcpt;
	env.headers = m->g->headers;
	env.nheaders = m->g->nheaders;
	env.progress = &progress;
	(void)kyso_process_message(m->cfg, &env, m->g->spool, m->g->too_big,
	    time(NULL), &o);
	if (kyso_apply_outcome(&smfi_ops, &mta, env.headers, env.nheaders, &o) <
	    0) {
		kyso_log(LOG_ERR,
		    "%s: kyso result=error reason=\"MTA refused a change\" %s",
		    qbuf, o.log);
		(void)kyso_apply_tempfail(&smfi_ops, &mta);
		rv = SMFIS_TEMPFAIL;
	} else {
		char client[64];
		int prio = result_priority(&o);

		if (prio != LOG_INFO || o.nforged > 0 ||
		    kyso_config_settings(m->cfg)->syslog_success ||
		    !uneventful(&o))
			kyso_log(prio,
			    "%s: kyso result=%s client=%s %s "
			    "forged_removed=%zu elapsed_ms=%ld",
			    qbuf, o.result,
			    kyso_printable(c->client_addr[0] ? c->client_addr
			                                     : "local",
			        client, sizeof(client)),
			    o.log, o.nforged, elapsed_ms(&m->start));
		rv = status(&o);
	}
	/* one journal line per message (JournalFile); never fails mail */
	kyso_apply_journal(&o,
	    o.action == KYSO_ACTION_ACCEPT && rv == SMFIS_TEMPFAIL, qbuf);
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
	    .xxfi_envrcpt = cb_envrcpt,
	    .xxfi_eom = cb_eom,
	    .xxfi_abort = cb_abort,
	    .xxfi_close = cb_close,
	    .xxfi_negotiate = cb_negotiate,
	};

	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
