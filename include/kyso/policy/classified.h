/*
 * classified.h - find state-secret markings (MẬT, TỐI MẬT, TUYỆT MẬT) on
 * outbound mail: classified documents must never be signed or sent by
 * e-mail (Vietnamese regulation on special-purpose digital signatures).
 */
#ifndef KYSO_CLASSIFIED_H
#define KYSO_CLASSIFIED_H

#include <stddef.h>
#include <gmime/gmime.h>

struct kyso_classified;

/* Compile a comma-separated list of markings ("MẬT, TỐI MẬT, ..."); the
 * word "none" or an empty list disables the check (returns NULL). */
struct kyso_classified *kyso_classified_new(const char *markings);
void kyso_classified_free(struct kyso_classified *c);

/* Look for a marking in the message: the Subject, attachment file names
 * and stamp-like lines near the top of the first text part, at any depth
 * of multiparts and inside forwarded messages (message/rfc822, whose
 * Subject counts too). Returns 1 and
 * describes the hit in `why` ("TỐI MẬT in Subject") or 0. Matching rules:
 * NFC-normalised, case-insensitive, whole words; a multi-word marking
 * ("TỐI MẬT") anywhere; a single-word marking ("MẬT") only as a label: in
 * brackets, or leading the text followed by ':' '-' '|' '.' or nothing, so
 * "mật khẩu" (password) or "BẢO MẬT" (security) never match. A text-part
 * line counts when, without brackets, stars and dashes, it is at most 32
 * bytes and holds a marking as a label. */
int kyso_classified_check(const struct kyso_classified *c, GMimeMessage *msg,
    char *why, size_t whylen);

/* The same test on one piece of text (exposed for tests); text that is
 * not UTF-8 is read as windows-1258. */
int kyso_classified_match(const struct kyso_classified *c, const char *text,
    const char **marking);

#endif
