/*
 * canon.h - private to smime/: make a parsed MIME tree 7-bit safe before
 * it is signed (RFC 8551 3.1.2-3.1.3; pitfalls P1, P2, P7, P11, P17).
 */
#ifndef KYSO_CANON_H
#define KYSO_CANON_H

#include <sys/types.h>

#include <gmime/gmime.h>
#include "kyso/err.h"

/* Re-encode every leaf under obj whose bytes could be altered in transit.
 * Counts re-encoded leaves in *reencoded. Nested multipart/signed and
 * multipart/encrypted entities are left byte-identical; if one of them is
 * not 7-bit clean the message cannot be signed safely (KYSO_E_INPUT). */
int kyso_canon_prepare(GMimeObject *obj, int *reencoded, struct kyso_err *err);

/* KYSO_E_INPUT ("duplicate Content-Type <where>") when a structure field
 * (rawmime.h: Content-Type, Content-Transfer-Encoding, MIME-Version) occurs
 * more than once in obj's own header block. kyso_canon_prepare checks every
 * entity it visits; the caller checks the message's own header. */
/* kyso_canon_unique_fields for obj and every entity below it (parts,
 * forwarded messages), nothing changed: for opaque signing, which keeps
 * every byte but must not seal a structure two readers see differently. */
int kyso_canon_unique_tree(GMimeObject *obj, struct kyso_err *err);

int kyso_canon_unique_fields(GMimeObject *obj, const char *where,
    struct kyso_err *err);

/* The one pass over the signed entity as it is copied: canonical line
 * ends and the 7-bit wire check together. Where the copy stands between
 * chunks: the octets of the current line so far, and whether the last
 * octet was a CR. Start from {0, 0}. */
struct kyso_wire {
	size_t col;
	int cr;
};

/* Copy in[0..n) to out (room for 2n octets) with every LF that does not
 * follow a CR made CRLF (what GMime's unix2dos filter does); returns the
 * octets written, or -1 as soon as the bytes are not 7-bit wire form: an
 * 8-bit octet, NUL, a CR not before an LF, a line over 998 octets. A CR
 * ending `in` is judged with the next chunk, or by kyso_canon_wire_end
 * (-1: the copy ended with a bare CR). */
ssize_t kyso_canon_wire(struct kyso_wire *w, const unsigned char *in, size_t n,
    unsigned char *out);
int kyso_canon_wire_end(const struct kyso_wire *w);

/* For tests: scan p[0..n) in chunks of `chunk` octets the fast way, or
 * (slow) octet by octet; returns what it found as bits (8-bit, NUL, bare
 * CR, long line, trailing blank, "From " line, ends with CR), the count of
 * 8-bit octets in *count8. Both ways must agree on every input. */
unsigned kyso_canon_scan_test(const void *p, size_t n, size_t chunk, int slow,
    size_t *count8);

#endif
