/*
 * process.h - the functional core of one message: envelope and spooled
 * message in, a complete outcome out (what to delete, add, replace, or
 * which reply to give). milter/ applies it through libmilter, the offline
 * mode applies it to a file. Nothing here knows libmilter or logs.
 *
 * The outcome is computed completely before anything is applied, so a
 * failure can never leave a message half-modified.
 */
#ifndef KYSO_PROCESS_H
#define KYSO_PROCESS_H

#include <time.h>
#include "kyso/policy/inbound.h"
#include "kyso/limits.h"
#include "kyso/policy/policy.h"
#include "kyso/smime/spool.h"

/* How a message ended, as the journal counts it. */
enum kyso_outcome_class {
	KYSO_OC_UNSIGNED = 0, /* passed unchanged (also: bad input) */
	KYSO_OC_SIGNED,       /* signed with the agency certificate */
	KYSO_OC_SEALED,       /* personal signature sealed (CoSign) */
	KYSO_OC_CLASSIFIED,   /* a secrecy marking (OnClassified) */
	KYSO_OC_EXPIRED,      /* the signing certificate is not valid now */
	KYSO_OC_REFUSED,      /* policy refused it (tempfail/reject) */
	KYSO_OC_ERROR,        /* internal or temporary failure */
	KYSO_OC_TOO_BIG,      /* over the size limit (OnTooBig) */
	KYSO_OC_VERIFIED,     /* inbound: facts.inbound.result holds */
	KYSO_OC_VERIFY_OFF,   /* inbound, VerifyInbound no */
};

/* The result word of a class ("signed", "too-big", ...; for VERIFIED the
 * caller names facts.inbound.result). */
const char *kyso_outcome_class_name(enum kyso_outcome_class c);

/* What happened to one message, filled where each fact is known (the
 * envelope on entry, policy's decision, the signing certificate, the
 * inbound verdict, the failure): the journal encodes these and nothing
 * else, so a record never depends on the log text. Strings are raw
 * bytes, cut at their buffer. */
struct kyso_outcome_facts {
	enum kyso_outcome_class cls;
	enum kyso_origin origin;
	char queue_id[KYSO_MAX_QUEUE_ID + 1];
	char login[KYSO_MAX_LOGIN + 1];        /* SMTP AUTH, or "" */
	char client[KYSO_MAX_CLIENT_ADDR + 1]; /* address, "" local */
	char from[KYSO_MAX_ADDRESS + 1];       /* lower-cased From */
	char cert_id[KYSO_MAX_CERT_ID + 1];    /* outbound: signing table */
	/* outbound: the signing certificate chosen (even when nothing was
	 * signed); inbound: see kyso_inbound_facts */
	char serial[KYSO_MAX_SERIAL_TEXT + 1];
	char issuer[KYSO_MAX_ISSUER_TEXT + 1];
	struct kyso_inbound_facts inbound; /* valid for KYSO_OC_VERIFIED */
	/* signatures the message carries as it leaves us (outbound: what
	 * we signed or sealed; inbound: the verdict's signers) and their
	 * kinds, comma-separated ("personal,agency"); 0 and "" when none */
	unsigned signers;
	char kinds[KYSO_MAX_KINDS_TEXT + 1];
	/* the most specific reason known: the verdict's, the marking, the
	 * error, else policy's */
	char reason[KYSO_MAX_REASON_TEXT + 1];
};

struct kyso_outcome {
	enum kyso_action action;       /* ACCEPT (with the edits below),
	                                  TEMPFAIL or REJECT */
	struct kyso_decision decision; /* what policy decided */
	/* edits, applied in this order */
	struct kyso_header_ref *forged; /* delete these: every forged copy,
	                                   however many (g_free'd by clear) */
	size_t nforged;
	int strip_content;    /* delete every top-level Content-* */
	int add_mime_version; /* add "MIME-Version: 1.0" */
	char *content_type;   /* add Content-Type (LF folds), or NULL */
	int opaque;           /* and Content-Transfer-Encoding: base64 plus
	                         Content-Disposition: attachment (smime.p7m) */
	GMimeStream *body;    /* replacement body (CRLF) positioned at
	                         its start, or NULL */
	char *ar_value;       /* prepend Authentication-Results */
	char *verdict_value;  /* prepend X-Kyso-Verdict */
	char *result_value;   /* prepend X-Kyso-Result (below the verdict) */
	char **subjects;      /* SubjectTag: new value of Subject field i+1 */
	size_t nsubjects;
	int subject_add; /* ...or add subjects[0]: there was none */
	/* for the reply and the log */
	const char *reply_code;  /* "451"/"550" with TEMPFAIL/REJECT */
	const char *reply_xcode; /* "4.7.0"/"5.7.1" */
	const char *reply_text;  /* fixed text, never untrusted bytes */
	char result[24];         /* signed, unsigned, pass, fail, ... */
	char log[1024];          /* key=value details, printable ASCII */
	struct kyso_outcome_facts facts; /* for the journal */
};

/* Decide and act on one message. msg is the whole message as received
 * (headers CRLF, blank line, body); its size limit was enforced by the
 * caller (too_big set when it stopped buffering). Returns 0 with the
 * outcome filled; internal failures are folded into the outcome per
 * OnInternalError, so the caller only ever applies the outcome. */
int kyso_process_message(const struct kyso_config *cfg,
    const struct kyso_envelope *env, struct kyso_spool *msg, int too_big,
    time_t now, struct kyso_outcome *out);

/* Drop every edit (headers, body) but keep action, result and log. */
void kyso_outcome_clear_edits(struct kyso_outcome *out);

void kyso_outcome_clear(struct kyso_outcome *out);

#endif
