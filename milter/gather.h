/*
 * gather.h - private to milter/: one message as an MTA hands it over, field
 * by field and body chunk by chunk, into the bounded spool the processing
 * core reads. The daemon's callbacks and the offline mode (-t) both gather
 * through here, so both count header fields against KYSO_MAX_HEADERS and
 * KYSO_MAX_HEADER_BYTES and spool the same bytes (SpoolMemoryLimit,
 * MaxMessageSize).
 */
#ifndef KYSO_GATHER_H
#define KYSO_GATHER_H

#include <stddef.h>
#include <glib.h>
#include "kyso/policy/config.h"
#include "kyso/policy/policy.h"
#include "kyso/smime/spool.h"

struct kyso_gather {
	struct kyso_header *headers; /* as received (LF folds), for policy */
	size_t nheaders, cap;
	size_t header_bytes;      /* sum of header sizes */
	struct kyso_spool *spool; /* headers CRLF, blank line, body */
	size_t body_offset;       /* where the body starts in the spool */
	int too_big;              /* stopped buffering at the size limit */
	int header_overflow;      /* over KYSO_MAX_HEADERS/_HEADER_BYTES */
	int io_error;             /* spool write failed */
	char io_reason[160];
};

/* An empty message under the snapshot's spool settings. */
struct kyso_gather *kyso_gather_new(const struct kyso_settings *st);

void kyso_gather_free(struct kyso_gather *g);

/* One header field: value with LF between folded lines; leadspc: value
 * still carries the blank after the colon (libmilter SMFIP_HDR_LEADSPC).
 * Past the header limits the field is dropped and the message marked. */
void kyso_gather_header(struct kyso_gather *g, const char *name,
    const char *value, int leadspc);

/* End of the header: the blank line. */
void kyso_gather_eoh(struct kyso_gather *g);

/* Body bytes as received. */
void kyso_gather_body(struct kyso_gather *g, const void *buf, size_t len);

/* Why the message cannot be processed (answered with a temporary failure),
 * or NULL. */
const char *kyso_gather_failure(const struct kyso_gather *g);

/* Append a header field as CRLF bytes to out: "name: value" (leadspc:
 * "name:" and the value with its own blank), each LF fold (and a CR before
 * it) becoming CRLF, CRLF at the end. The one place milter/ writes a
 * header field. */
void kyso_header_crlf(GString *out, const char *name, const char *value,
    int leadspc);

#endif
