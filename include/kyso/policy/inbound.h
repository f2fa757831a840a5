/*
 * inbound.h - verify a message that is not ours to sign and compute the
 * trust headers to add and the forged copies to remove.
 *
 * policy/ decides; milter/ applies. The message body is never changed.
 */
#ifndef KYSO_INBOUND_H
#define KYSO_INBOUND_H

#include <time.h>
#include <gmime/gmime.h>
#include "kyso/limits.h"
#include "kyso/policy/policy.h"
#include "kyso/policy/verdict.h"

/* Names of the headers we own. */
#define KYSO_AR_HEADER      "Authentication-Results"
#define KYSO_VERDICT_HEADER "X-Kyso-Verdict"
#define KYSO_RESULT_HEADER  "X-Kyso-Result"

/* The facts of an inbound verdict, as the journal records them. */
struct kyso_inbound_facts {
	int verified;            /* 0: VerifyInbound no, nothing judged */
	enum kyso_result result; /* the message's smime= result */
	enum kyso_why why;       /* and why */
	size_t nsigners;
	/* the first signer with a certificate (serial and issuer), as the
	 * Authentication-Results field names it first; "" when none */
	char serial[KYSO_MAX_SERIAL_TEXT + 1]; /* upper-case hex */
	char issuer[KYSO_MAX_ISSUER_TEXT + 1]; /* RFC 4514, UTF-8 */
	enum kyso_cert_kind kind;              /* as configuration says */
	char kinds[KYSO_MAX_KINDS_TEXT + 1];   /* every signer's, "a,b" */
};

struct kyso_inbound_result {
	enum kyso_action action; /* ACCEPT, or REJECT/TEMPFAIL by policy */
	char *ar_value;          /* A-R field value, no leading space, folds
	                            as LF + TAB; NULL: add none */
	char *verdict_value;     /* verdict field value, RFC 2047, same folds */
	char *result_value;      /* X-Kyso-Result value (ResultHeader), or
	                            NULL */
	/* SubjectTag: the new value of every Subject field, in order
	   (RFC 2047, LF + TAB folds), or one to add when subject_add; none
	   when nsubjects is 0 */
	char **subjects;
	size_t nsubjects;
	int subject_add;
	char result[16]; /* smime= result for logs: "pass", "fail", ... */
	char log[512];   /* key=value summary for the log line, ASCII */
	struct kyso_inbound_facts facts;
};

/* Verify `message` (the whole message, as received) for envelope env at
 * time now. Returns 0 with res filled (a bad signature is a result, not an
 * error); -1 only when evaluation itself failed (err says why). */
int kyso_inbound_process(const struct kyso_config *cfg,
    const struct kyso_envelope *env, GMimeStream *message, time_t now,
    struct kyso_inbound_result *res, struct kyso_err *err);

void kyso_inbound_result_clear(struct kyso_inbound_result *res);

/* What kyso says about the certificate in the PEM file path (its first
 * certificate; the others are offered as intermediates) under cfg at
 * time now: names, SHA-256 fingerprint, validity, chain (legacy SHA-1 or
 * not), issuer fingerprint and kind with the rule that gave it; one
 * "key: value" a line, UTF-8, g_malloc'd (policy/describe.c). NULL with
 * err when the file holds no certificate or VerifyInbound is off. */
char *kyso_describe_cert(const struct kyso_config *cfg, const char *path,
    time_t now, struct kyso_err *err);

/* Forged trust headers (RFC 8601 section 5): fills `del` with 1-based
 * per-name indices of the Authentication-Results fields whose authserv-id
 * is ours and of every X-Kyso-Verdict and X-Kyso-Result field, highest index
 * first within each name, so deleting in list order never shifts a later index
 * (P15). Returns the number of entries (at most max). */
struct kyso_header_ref {
	const char *name; /* KYSO_AR_HEADER, KYSO_VERDICT_HEADER or
	                     KYSO_RESULT_HEADER */
	size_t index;     /* 1-based among fields of that name */
};
size_t kyso_inbound_forged(const struct kyso_config *cfg,
    const struct kyso_header *headers, size_t n, struct kyso_header_ref *del,
    size_t max);

#endif
