/*
 * canon.h - private to smime/: make a parsed MIME tree 7-bit safe before
 * it is signed (RFC 8551 3.1.2-3.1.3; pitfalls P1, P2, P7, P11, P17).
 */
#ifndef KYSO_CANON_H
#define KYSO_CANON_H

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

#endif
