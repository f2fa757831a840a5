/*
 * decide.c - the outbound decision: is this message ours to sign, and with
 * which certificate, or is it someone else's to verify?
 *
 * Origin follows OpenDKIM (REFERENCE.md 9.3): SMTP AUTH, an originating
 * {daemon_name} (MTA), local submission, or a client in InternalHosts.
 * Mail from any other client is verified, whatever its From claims. Ours is
 * signed only when From is one unambiguous mailbox of a signing domain,
 * mapped in the signing table, the envelope sender agrees (EnvelopeCheck)
 * and, for SMTP AUTH, From is the login's own address or one LoginTable
 * gives it (OnUnauthorizedSender otherwise). The evidence for the origin
 * goes to origin_detail. Reasons are short printable ASCII. Never logs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "kyso/policy/policy.h"
#include "config_int.h"

const char *
kyso_action_name(enum kyso_action a)
{
	static const char *const names[] = {
	    [KYSO_ACTION_ACCEPT] = "accept",
	    [KYSO_ACTION_SIGN] = "sign",
	    [KYSO_ACTION_VERIFY] = "verify",
	    [KYSO_ACTION_TEMPFAIL] = "tempfail",
	    [KYSO_ACTION_REJECT] = "reject",
	};

	if ((unsigned)a >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[a];
}

const char *
kyso_origin_name(enum kyso_origin o)
{
	static const char *const names[] = {
	    [KYSO_ORIGIN_EXTERNAL] = "external",
	    [KYSO_ORIGIN_AUTH] = "auth",
	    [KYSO_ORIGIN_MTA] = "mta",
	    [KYSO_ORIGIN_INTERNAL] = "internal",
	    [KYSO_ORIGIN_LOCAL] = "local",
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[o];
}

/* Copy src for a key=value log word: printable ASCII, and none of the
 * bytes that would end or fake a word (space, quote, <, >, \, =). */
static void
log_word(char *dst, size_t len, const char *src)
{
	char *p;

	kyso_text_printable(dst, len, src != NULL ? src : "");
	for (p = dst; *p != '\0'; p++)
		if (strchr(" \"<>\\=", *p) != NULL)
			*p = '?';
}

/* The origin, with its evidence in d->origin_detail (the client address
 * is logged by the caller). */
static enum kyso_origin
origin_of(const struct kyso_config *cfg, const struct kyso_envelope *env,
    struct kyso_decision *d)
{
	char word[80], entry[64];
	const size_t len = sizeof(d->origin_detail);

	if (env->auth_authen != NULL && env->auth_authen[0] != '\0') {
		log_word(word, sizeof(word), env->auth_authen);
		(void)snprintf(d->origin_detail, len, "login=<%s>", word);
		return KYSO_ORIGIN_AUTH;
	}
	if (kyso_config_is_originating_mta(cfg, env->daemon_name)) {
		log_word(word, sizeof(word), env->daemon_name);
		(void)snprintf(d->origin_detail, len, "daemon=%s", word);
		return KYSO_ORIGIN_MTA;
	}
	/* no client address: the milter gives it only to Sendmail's local
	 * SMTP submission (Postfix's non_smtpd_milters present 127.0.0.1,
	 * which InternalHosts covers by default) */
	if (env->client_addr == NULL || env->client_addr[0] == '\0')
		return KYSO_ORIGIN_LOCAL;
	if (kyso_config_internal_entry(cfg, env->client_addr, entry,
	        sizeof(entry))) {
		(void)snprintf(d->origin_detail, len,
		    "matched=\"InternalHosts %s\"", entry);
		return KYSO_ORIGIN_INTERNAL;
	}
	return KYSO_ORIGIN_EXTERNAL;
}

/* Append " grant=how" to the origin detail of an authenticated sender. */
static void
note_grant(struct kyso_decision *d, enum kyso_login_grant g)
{
	size_t n = strlen(d->origin_detail);

	(void)snprintf(d->origin_detail + n, sizeof(d->origin_detail) - n,
	    " grant=%s", kyso_login_grant_name(g));
}

static enum kyso_action
onfail_action(enum kyso_onfail f)
{
	switch (f) {
	case KYSO_ONFAIL_ACCEPT:
		return KYSO_ACTION_ACCEPT;
	case KYSO_ONFAIL_REJECT:
		return KYSO_ACTION_REJECT;
	case KYSO_ONFAIL_TEMPFAIL:
	case KYSO_ONFAIL_OPAQUE: /* OnUnsignable only */
		break;
	}
	return KYSO_ACTION_TEMPFAIL; /* fail closed */
}

static void set_reason(struct kyso_decision *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_reason(struct kyso_decision *d, const char *fmt, ...)
{
	char raw[sizeof(d->reason)], *p;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	kyso_text_printable(d->reason, sizeof(d->reason), raw);
	/* logged as reason="...": a login or envelope sender holding a quote
	 * must not end it and fake a key (log readers key on why="...") */
	for (p = d->reason; *p != '\0'; p++)
		if (*p == '"' || *p == '\\')
			*p = '?';
}

/* 1 when the envelope sender may send as From under EnvelopeCheck. */
static int
envelope_ok(enum kyso_envcheck check, const char *env_from, const char *from)
{
	const char *ea, *fa;

	/* null sender (bounces, DSNs) is always acceptable */
	if (check == KYSO_ENVCHECK_NONE || env_from == NULL ||
	    env_from[0] == '\0')
		return 1;
	if (check == KYSO_ENVCHECK_EXACT)
		return g_ascii_strcasecmp(env_from, from) == 0;
	ea = strrchr(env_from, '@');
	fa = strrchr(from, '@');
	return ea != NULL && fa != NULL &&
	    g_ascii_strcasecmp(ea + 1, fa + 1) == 0;
}

int
kyso_policy_decide(const struct kyso_config *cfg,
    const struct kyso_envelope *env, struct kyso_decision *d,
    struct kyso_err *err)
{
	const struct kyso_settings *s = kyso_config_settings(cfg);
	struct kyso_err ferr = {0};
	enum kyso_login_grant grant;
	char shown[64];
	const char *domain;

	memset(d, 0, sizeof(*d));
	d->origin = origin_of(cfg, env, d);
	if (d->origin == KYSO_ORIGIN_EXTERNAL) {
		/* never sign for a stranger; From only for the log */
		(void)kyso_policy_from_address(env->headers, env->nheaders,
		    d->from_addr, sizeof(d->from_addr), NULL);
		d->action =
		    s->verify_inbound ? KYSO_ACTION_VERIFY : KYSO_ACTION_ACCEPT;
		set_reason(d, "external client");
		return 0;
	}
	if (kyso_policy_from_address(env->headers, env->nheaders, d->from_addr,
	        sizeof(d->from_addr), &ferr) < 0) {
		d->action = KYSO_ACTION_ACCEPT;
		set_reason(d, "ambiguous From: %s", ferr.msg);
		return 0;
	}
	domain = strrchr(d->from_addr, '@') + 1;
	if (!kyso_config_is_own_domain(cfg, domain)) {
		d->action = KYSO_ACTION_ACCEPT;
		set_reason(d, "not a signing domain");
		return 0;
	}
	if ((d->cert_id = kyso_config_lookup_sender(cfg, d->from_addr)) ==
	    NULL) {
		d->action = onfail_action(s->on_unmapped);
		set_reason(d, "unmapped sender");
		return 0;
	}
	/* an authenticated login signs only as its own address or those the
	 * LoginTable gives it, not as any agency of the province; a null
	 * envelope sender changes nothing (From alone is judged) */
	if (d->origin == KYSO_ORIGIN_AUTH) {
		grant = kyso_config_login_allows(cfg, env->auth_authen,
		    d->from_addr);
		note_grant(d, grant);
		if (grant == KYSO_LOGIN_REFUSED) {
			kyso_text_printable(shown, sizeof(shown),
			    env->auth_authen);
			d->action = onfail_action(s->on_unauthorized);
			d->cert_id = NULL;
			set_reason(d,
			    "login %s may not send as From (not its own "
			    "address%s)",
			    shown,
			    s->login_table != NULL ? " nor given by LoginTable"
			                           : ", no LoginTable");
			return 0;
		}
	}
	if (!envelope_ok(s->envelope_check, env->env_from, d->from_addr)) {
		kyso_text_printable(shown, sizeof(shown), env->env_from);
		d->action = KYSO_ACTION_ACCEPT;
		d->cert_id = NULL;
		set_reason(d, "envelope sender %s does not match From", shown);
		return 0;
	}
	/* the seal vouches for what the reader sees as the sender */
	if (kyso_policy_from_names_other(env->headers, env->nheaders,
	        d->from_addr)) {
		d->action = KYSO_ACTION_ACCEPT;
		d->cert_id = NULL;
		set_reason(d,
		    "From display name or comment holds another "
		    "address");
		return 0;
	}
	if ((d->signer = kyso_config_signer(cfg, d->cert_id)) == NULL) {
		kyso_err_set(err, KYSO_E_INTERNAL,
		    "certificate id %s has no loaded signer", d->cert_id);
		return -1;
	}
	d->action = KYSO_ACTION_SIGN;
	set_reason(d, "%s sender, certificate %s", kyso_origin_name(d->origin),
	    d->cert_id);
	return 0;
}
