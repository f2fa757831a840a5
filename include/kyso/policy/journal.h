/*
 * journal.h - the durable per-message journal: one line per message that
 * reached a decision, appended to JournalFile, read back by kyso-report.
 *
 * Line format "KJ2" (man/kyso-report.8 has the full description):
 *   KJ2 TAB time TAB queue-id TAB dir TAB origin TAB from TAB cert-id TAB
 *   serial TAB issuer TAB result TAB reason TAB login TAB client TAB
 *   host TAB id TAB signers TAB kinds LF
 * host names the server that wrote it and id is unique on that host
 * ("start-pid-n": the journal's opening time, the writer's process and a
 * counter), so (host, id) names a record wherever it is shipped to.
 * signers counts the signatures the message carried (outbound: as sent)
 * and kinds names their kinds ("personal,agency"). "KJ1" lines, the same
 * first thirteen fields (or eleven, before login and client), still parse:
 * host and id empty, signers 0.
 * time is UTC "YYYY-MM-DDTHH:MM:SSZ"; dir is "in" or "out"; an empty field
 * is written "-" (a field that is exactly "-" is written "\-"). In fields,
 * "\\", "\t", "\n", "\r" and "\xHH" escape a backslash, TAB, LF, CR and any
 * byte that is a control character, part of invalid UTF-8, or a UTF-8
 * control, format or line/paragraph separator character; other UTF-8 is
 * kept as is. Each field has a ceiling (KYSO_JOURNAL_MAX_*, in escaped
 * bytes) and is cut at a character boundary beyond it, so a line never
 * exceeds KYSO_JOURNAL_MAX_LINE and one write() appends it whole.
 * Never logs; errors go to the caller.
 */
#ifndef KYSO_JOURNAL_H
#define KYSO_JOURNAL_H

#include <stddef.h>
#include <time.h>
#include "kyso/err.h"
#include "kyso/policy/process.h"

#define KYSO_JOURNAL_VERSION      "KJ2"
#define KYSO_JOURNAL_VERSION_OLD  "KJ1"
/* Escaped bytes per field; the sum plus separators stays under 4 KiB so
 * that an O_APPEND write() of a line is never split (PIPE_BUF). */
#define KYSO_JOURNAL_MAX_QUEUE_ID KYSO_MAX_QUEUE_ID
#define KYSO_JOURNAL_MAX_ORIGIN   16
#define KYSO_JOURNAL_MAX_FROM     640
#define KYSO_JOURNAL_MAX_CERT_ID  KYSO_MAX_CERT_ID
#define KYSO_JOURNAL_MAX_SERIAL   KYSO_MAX_SERIAL_TEXT
#define KYSO_JOURNAL_MAX_ISSUER   KYSO_MAX_ISSUER_TEXT
#define KYSO_JOURNAL_MAX_RESULT   32
#define KYSO_JOURNAL_MAX_REASON   KYSO_MAX_REASON_TEXT
#define KYSO_JOURNAL_MAX_LOGIN    KYSO_MAX_LOGIN
#define KYSO_JOURNAL_MAX_CLIENT   KYSO_MAX_CLIENT_ADDR
#define KYSO_JOURNAL_MAX_HOST     KYSO_MAX_HOST_NAME
#define KYSO_JOURNAL_MAX_ID       48
#define KYSO_JOURNAL_MAX_KINDS    KYSO_MAX_KINDS_TEXT
/* The signers count is written as at most this (four digits). */
#define KYSO_JOURNAL_MAX_SIGNERS  9999
/* A whole line, LF included. */
#define KYSO_JOURNAL_MAX_LINE     4000

enum kyso_journal_dir {
	KYSO_JOURNAL_IN = 0, /* not ours: verified (or passed) */
	KYSO_JOURNAL_OUT,    /* ours: signed, refused or passed unsigned */
};

/* One message. Strings are raw (unescaped) text; each buffer holds the
 * longest value its field can carry. */
struct kyso_journal_record {
	time_t time;
	char queue_id[KYSO_JOURNAL_MAX_QUEUE_ID + 1];
	enum kyso_journal_dir dir;
	char origin[KYSO_JOURNAL_MAX_ORIGIN + 1];
	char from[KYSO_JOURNAL_MAX_FROM + 1];
	char cert_id[KYSO_JOURNAL_MAX_CERT_ID + 1]; /* outbound only */
	char serial[KYSO_JOURNAL_MAX_SERIAL + 1];   /* upper-case hex */
	char issuer[KYSO_JOURNAL_MAX_ISSUER + 1];   /* RFC 4514, UTF-8 */
	char result[KYSO_JOURNAL_MAX_RESULT + 1];
	char reason[KYSO_JOURNAL_MAX_REASON + 1];
	char login[KYSO_JOURNAL_MAX_LOGIN + 1];   /* SMTP AUTH, or "" */
	char client[KYSO_JOURNAL_MAX_CLIENT + 1]; /* address, "" local */
	char host[KYSO_JOURNAL_MAX_HOST + 1];     /* writer; "" in KJ1 */
	char id[KYSO_JOURNAL_MAX_ID + 1];         /* unique per host */
	unsigned signers;                         /* signatures carried */
	char kinds[KYSO_JOURNAL_MAX_KINDS + 1];   /* "personal,agency" */
};

/* Format rec as one line (LF-terminated, NUL after it) into line, which
 * has room for KYSO_JOURNAL_MAX_LINE + 1 bytes. Returns the line length
 * including the LF. Never fails: over-long fields are cut. */
size_t kyso_journal_format(const struct kyso_journal_record *rec, char *line);

/* Parse one line (a trailing LF, or CRLF, is allowed). 0 with rec filled;
 * -1 (KYSO_E_INPUT, "field N: problem") when it is not a KJ2 or KJ1
 * line. */
int kyso_journal_parse(const char *line, size_t len,
    struct kyso_journal_record *rec, struct kyso_err *err);

/* Escape src into dst (room for cap + 1 bytes), cutting at a character
 * boundary; returns the bytes written. For tests and the CSV writer. */
size_t kyso_journal_escape(const char *src, char *dst, size_t cap);

/* Fill rec from the facts of a processed message (o->facts; nothing is
 * read from its log or its headers). apply_failed: the MTA refused one
 * of the outcome's edits, so the message was deferred ("error").
 * Outbound: cert id, serial and issuer of the signing certificate chosen;
 * inbound: serial and issuer of the first signer with a certificate. */
void kyso_journal_record_fill(struct kyso_journal_record *rec,
    const struct kyso_outcome *o, int apply_failed, time_t now);

/* ---- the file ---- */

struct kyso_journal;

/* Open (create, mode 0640 before umask) path for appending. sync: fdatasync
 * after every record. Records name this system's host name (see
 * kyso_journal_set_host). Refuses a symbolic link or anything but a
 * regular file. NULL with err (KYSO_E_CONFIG) on failure. */
struct kyso_journal *kyso_journal_open(const char *path, int sync,
    struct kyso_err *err);

/* Name host (JournalHost) in the records instead; NULL or "": keep. Call
 * before the journal is shared. */
void kyso_journal_set_host(struct kyso_journal *j, const char *host);

void kyso_journal_close(struct kyso_journal *j);

const char *kyso_journal_path(const struct kyso_journal *j);

/* Append one record with a single write(); safe from many threads and
 * processes at once. -1 with err (KYSO_E_TEMP) when the write or the sync
 * failed; the mail must not fail because of it. */
int kyso_journal_append(const struct kyso_journal *j,
    const struct kyso_journal_record *rec, struct kyso_err *err);

/* Give rec this journal's host and the next record id. */
void kyso_journal_stamp(const struct kyso_journal *j,
    struct kyso_journal_record *rec);

/* kyso_journal_record_fill + kyso_journal_stamp + kyso_journal_append;
 * 0 doing nothing when j
 * is NULL (no JournalFile). The one call milter/ makes per message. */
int kyso_journal_outcome(const struct kyso_journal *j,
    const struct kyso_outcome *o, int apply_failed, time_t now,
    struct kyso_err *err);

#endif
