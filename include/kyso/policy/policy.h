/*
 * policy.h - facts about a message in, a decision out.
 *
 * The milter (or the offline mode) gathers the envelope and the message's
 * header fields as plain strings; policy decides whether the message is ours
 * to sign (and with which certificate), is to be verified, or passes as is.
 * Never sees libmilter; never logs.
 */
#ifndef KYSO_POLICY_H
#define KYSO_POLICY_H

#include "kyso/policy/config.h"
#include "kyso/limits.h"

struct kyso_header {
	char *name;  /* field name as received */
	char *value; /* unfolded or LF-folded value as received */
};

struct kyso_progress; /* kyso/smime/verify.h */

struct kyso_envelope {
	const char *queue_id;    /* Postfix queue id, or NULL */
	const char *client_addr; /* peer IP in text form; NULL or "" for local
	                            submission (Sendmail's -bs on a pipe) */
	const char *client_name; /* peer host name, or NULL */
	const char *auth_authen; /* SASL login ({auth_authen}), or NULL */
	const char *daemon_name; /* {daemon_name}, or NULL */
	const char *env_from; /* MAIL FROM address, without <>; "" for null */
	/* the first envelope recipient OpaqueRecipients names
	 * (kyso_config_opaque_recipient), or NULL: our mail is then signed
	 * opaque */
	const char *opaque_rcpt;
	const struct kyso_header *headers; /* top-level header fields */
	size_t nheaders;
	/* called while verification waits on the network (the milter:
	 * smfi_progress), or NULL */
	const struct kyso_progress *progress;
};

/* Why a message counts as ours ("origin"), for logs. */
enum kyso_origin {
	KYSO_ORIGIN_EXTERNAL = 0,
	KYSO_ORIGIN_AUTH,     /* SMTP AUTH */
	KYSO_ORIGIN_MTA,      /* {daemon_name} listed in MTA */
	KYSO_ORIGIN_INTERNAL, /* client in InternalHosts */
	KYSO_ORIGIN_LOCAL,    /* local submission (sendmail(1)) */
};

enum kyso_action {
	KYSO_ACTION_ACCEPT = 0, /* pass on unchanged */
	KYSO_ACTION_SIGN,       /* ours: sign with decision.signer */
	KYSO_ACTION_VERIFY,     /* not ours: verify and add trust headers */
	KYSO_ACTION_TEMPFAIL,
	KYSO_ACTION_REJECT,
};

struct kyso_decision {
	enum kyso_action action;
	enum kyso_origin origin;
	const char *cert_id; /* borrowed from the config, or NULL */
	const struct kyso_signer
	    *signer; /* borrowed from the config, or NULL */
	char from_addr[KYSO_MAX_ADDRESS + 1]; /* lower-cased From addr-spec */
	char reason[160];                     /* short, loggable, ASCII */
	/* evidence for the origin, as key=value words for the log (the
	 * caller logs the client address): login=<x> grant=own-address|
	 * LoginTable|none (auth), matched="InternalHosts addr/prefix"
	 * (internal), daemon=name (mta), "" (local, external); printable */
	char origin_detail[192];
};

/* Decide what to do with a message whose headers are complete. Returns 0 and
 * fills d; -1 only for internal errors. Never signs for an external client,
 * whatever its From says. */
int kyso_policy_decide(const struct kyso_config *cfg,
    const struct kyso_envelope *env, struct kyso_decision *d,
    struct kyso_err *err);

/* Extract the single From addr-spec, lower-cased, from the header list.
 * Returns -1 (KYSO_E_INPUT) for none, several From fields, or several
 * mailboxes. Uses GMime's address parser. */
int kyso_policy_from_address(const struct kyso_header *headers, size_t n,
    char *out, size_t outlen, struct kyso_err *err);

/* A header field value as a reader sees it: unfolded, RFC 2047 encoded
 * words decoded, valid UTF-8, NFKC (full-width and small at signs and
 * letters become ASCII). g_free. */
char *kyso_policy_reader_text(const char *raw);

/* 1 when the display name or a comment of the (last) From field, as a
 * reader sees it (kyso_policy_reader_text), holds an address-like word
 * (text@text) other than addr, the From address: neither a seal nor a
 * verdict may vouch for "giamdoc@other.agency" <clerk@ours>. Used by the
 * signing decision and the inbound verdict alike. */
int kyso_policy_from_names_other(const struct kyso_header *headers, size_t n,
    const char *addr);

const char *kyso_action_name(enum kyso_action a);
const char *kyso_origin_name(enum kyso_origin o);

#endif
