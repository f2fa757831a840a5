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
#include "kyso/inbound.h"
#include "kyso/policy.h"
#include "kyso/spool.h"

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
	GMimeStream *body;    /* replacement body (CRLF) positioned at
	                         its start, or NULL */
	char *ar_value;       /* prepend Authentication-Results */
	char *verdict_value;  /* prepend X-Kyso-Verdict */
	/* for the reply and the log */
	const char *reply_code;  /* "451"/"550" with TEMPFAIL/REJECT */
	const char *reply_xcode; /* "4.7.0"/"5.7.1" */
	const char *reply_text;  /* fixed text, never untrusted bytes */
	char result[24];         /* signed, unsigned, pass, fail, ... */
	char log[1024];          /* key=value details, printable ASCII */
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
