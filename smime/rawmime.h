/*
 * rawmime.h - private to smime/: where things are in the raw bytes of a
 * MIME entity. Verification and co-signing must use the exact received
 * bytes (GMime re-serialises), so this finds only the RFC 5322/2046 line
 * structure - the end of a header block, a field's unfolded value, boundary
 * delimiter lines. The values themselves (Content-Type and its parameters)
 * are parsed by GMime.
 */
#ifndef KYSO_RAWMIME_H
#define KYSO_RAWMIME_H

#include <stddef.h>

struct kyso_span {
	const char *p;
	size_t len;
};

/* A mapped message (a private read-only file mapping, page-aligned base)
 * that the scans of this thread may trim: kyso_raw_next_line() and the
 * callers of kyso_raw_trim() drop the pages of the mapping further than
 * KYSO_MAP_WINDOW from where they read (madvise MADV_DONTNEED: touched
 * again, a page is read back from the file, so the bytes seen never
 * change; only the resident size does). kyso_raw_view_set(NULL, 0) ends
 * it; it returns the view it replaces, to be restored after. */
struct kyso_raw_view {
	const char *base, *end, *mark;
};
struct kyso_raw_view kyso_raw_view_set(const char *base, size_t len);
void kyso_raw_view_restore(struct kyso_raw_view v);
/* A scan of the current view has reached p: trim around it (no effect
 * when p is near the last place trimmed around, or outside the view). */
void kyso_raw_trim(const char *p);

/* Length of the line end at p: 2 for CRLF, 1 for LF, 0 for none. */
size_t kyso_raw_eol_len(const char *p, const char *end);

/* The first byte of the line after the one at p (or end). Trims the
 * current view (kyso_raw_trim) as it reads. */
const char *kyso_raw_next_line(const char *p, const char *end);

/* Split an entity at its first empty line into header block and body.
 * Returns 1 when there is such a line; 0 when not (then hdr is all of e
 * and body is empty). */
int kyso_raw_split_entity(struct kyso_span e, struct kyso_span *hdr,
    struct kyso_span *body);

/* Unfolded, trimmed value of the first field `name` in hdr (g_free), or
 * NULL when there is none. A field name matches in any case and with
 * blanks before the colon ("content-type :"), as GMime reads it. */
char *kyso_raw_header_value(struct kyso_span hdr, const char *name);

/* The same for the last instance of `name`: what GMime (and many mail
 * clients) read when a field occurs more than once. */
char *kyso_raw_header_value_last(struct kyso_span hdr, const char *name);

/* Unfolded, trimmed values of every instance of `name` in hdr, in order
 * (g_ptr_array_unref; empty when there is none). */
GPtrArray *kyso_raw_header_values(struct kyso_span hdr, const char *name);

/* The fields that say how a MIME entity is read (Content-Type,
 * Content-Transfer-Encoding, MIME-Version), NULL-terminated. Two readers
 * that pick different instances of one of them see different messages. */
extern const char *const kyso_raw_structure_fields[];

/* The first of kyso_raw_structure_fields that occurs more than once in
 * hdr, or NULL. */
const char *kyso_raw_duplicate_field(struct kyso_span hdr);

/* Is the line at p the delimiter "--B" (1) or the close delimiter "--B--"
 * (2) of boundary b, or neither (0)? RFC 2046 5.1.1: trailing blanks are
 * allowed after the delimiter. */
int kyso_raw_is_delimiter(const char *p, const char *end, const char *b,
    size_t blen);

/* IMAP part number (RFC 3501 6.4.5) of child i (from 1) of the entity at
 * `spec` ("" for the message itself): "2", "1.2". g_free. */
char *kyso_raw_child_spec(const char *spec, int i);

/* Where the entity at `spec` is, for a reason or an error: "at the top
 * level", "in part 1.2", or with `inner` (the message carried by the
 * message/rfc822 part `spec`) "in the message in part 2". g_free. */
char *kyso_raw_place(const char *spec, int inner);

#endif
