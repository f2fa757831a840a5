/*
 * apply.h - private to milter/: the one applier of a kyso_outcome. It
 * turns the outcome into MTA operations in one fixed order; each MTA
 * supplies the operations: libmilter's smfi_* for the daemon
 * (callbacks.c), a writer that produces the resulting message for the
 * offline mode (offline.c).
 */
#ifndef KYSO_APPLY_H
#define KYSO_APPLY_H

#include <stddef.h>
#include "kyso/policy/config.h"
#include "kyso/policy/process.h"

/* What an MTA can do to the message in hand; every operation returns 0,
 * or -1 when the MTA refused it. Values have LF between folded lines and
 * no leading blank. */
struct kyso_mta_ops {
	/* Delete the index-th (1-based, counting only fields still there)
	 * field called name (case-insensitive). */
	int (*delete_header)(void *mta, const char *name, int index);
	/* Insert a field at position index (0: above every field). */
	int (*insert_header)(void *mta, int index, const char *name,
	    const char *value);
	/* Set the value of the index-th (1-based) field called name. */
	int (*change_header)(void *mta, const char *name, int index,
	    const char *value);
	/* Append a field below every field. */
	int (*add_header)(void *mta, const char *name, const char *value);
	/* Append len bytes (CRLF) to the replacement body; the first call
	 * drops the body as received. */
	int (*replace_body)(void *mta, const void *buf, size_t len);
	/* Refuse the message with this SMTP reply. */
	int (*reply)(void *mta, const char *code, const char *xcode,
	    const char *text);
	size_t body_chunk; /* bytes per replace_body call */
};

/* Apply o to a message whose header fields, as received, are headers[n]:
 * its edits when it accepts (forged fields deleted, top-level Content-*
 * stripped, MIME-Version and Content-Type added, the body replaced, the
 * Subject fields tagged, X-Kyso-Result, the verdict and then
 * Authentication-Results prepended), its reply when it
 * refuses. -1 when the MTA refused an operation: the caller must then not
 * let the half-changed message go (libmilter discards every change with a
 * 4xx reply). */
int kyso_apply_outcome(const struct kyso_mta_ops *ops, void *mta,
    const struct kyso_header *headers, size_t n, const struct kyso_outcome *o);

/* Refuse the message for now (451 4.3.0): it could not be gathered, or the
 * MTA refused one of the outcome's edits. */
int kyso_apply_tempfail(const struct kyso_mta_ops *ops, void *mta);

/* ---- the open journal ----
 * The daemon owns the JournalFile, not the configuration snapshot: it
 * opens it at start and reopens it by name at every reload (log
 * rotation: move the file, then SIGUSR1); the offline mode opens it only
 * for -J; kyso-milter -n never creates it. */

/* Open st's JournalFile (append) and make it the journal that
 * kyso_apply_journal writes to; the one open before is closed once the
 * messages writing to it are done. No JournalFile: no journal. -1 with
 * err (KYSO_E_CONFIG, "JournalFile <path>: ...") keeps the one before. */
int kyso_apply_journal_open(const struct kyso_settings *st,
    struct kyso_err *err);

/* Close the journal (at exit). */
void kyso_apply_journal_close(void);

/* Append the journal line for a processed message (no journal open:
 * nothing). apply_failed: the MTA refused an edit. A journal that cannot
 * be written never fails the mail: a warning is logged. */
void kyso_apply_journal(const struct kyso_outcome *o, int apply_failed,
    const char *qid);

#endif
