/*
 * verdict.h - the inbound verdict model (policy/inbound.c) and the text of
 * the two trust headers built from it: Authentication-Results
 * (policy/ar_header.c, RFC 8601 + RFC 7281, ASCII only) and X-Kyso-Verdict
 * (policy/verdict_header.c, Vietnamese + English, RFC 2047 encoded).
 * The rules are documented for administrators in doc/VERDICTS.md.
 */
#ifndef KYSO_VERDICT_H
#define KYSO_VERDICT_H

#include <stddef.h>
#include "kyso/policy/config.h"
#include "kyso/policy/seal.h"
#include "kyso/smime/verify.h"

/* The smime= result (RFC 7281 2.2 / RFC 8601 2.7.x), for one signer or the
 * message. KYSO_RES_PASS is the only value a recipient may rely on. */
enum kyso_result {
	KYSO_RES_NONE = 0,  /* no signature */
	KYSO_RES_PASS,      /* every element of a valid signature holds */
	KYSO_RES_FAIL,      /* the signature does not match the content */
	KYSO_RES_NEUTRAL,   /* cannot be evaluated (no certificate) */
	KYSO_RES_POLICY,    /* sound, but not acceptable */
	KYSO_RES_TEMPERROR, /* could not be evaluated now (revocation) */
	KYSO_RES_PERMERROR, /* cannot be parsed */
};

/* The result as written in headers and logs ("pass", "policy", ...). */
const char *kyso_result_name(enum kyso_result r);

/* The binding (policy/inbound.c) of signer si to from (NULL: no single
 * From) under cfg (NULL: no tables), and in *kind the kind configuration
 * declares for it (else si->kind). */
enum kyso_binding kyso_seal_binding(const struct kyso_config *cfg,
    const struct kyso_signer_info *si, const char *from,
    enum kyso_cert_kind *kind);

const char *kyso_binding_name(enum kyso_binding b);

/* Why a signer (or the message) got its result. */
enum kyso_why {
	KYSO_WHY_OK = 0,
	KYSO_WHY_NONE,      /* no S/MIME signature */
	KYSO_WHY_ENCRYPTED, /* encrypted only: nothing to verify */
	KYSO_WHY_MALFORMED, /* MIME or CMS cannot be parsed */
	KYSO_WHY_ECONTENT,  /* embedded content differs from the part */
	KYSO_WHY_NOCERT,    /* signer certificate not in the message */
	KYSO_WHY_BADSIG,    /* digest or signature mismatch */
	KYSO_WHY_WEAK,      /* MD5/SHA-1 or short key */
	KYSO_WHY_EKU,       /* certificate not for e-mail protection */
	KYSO_WHY_KU,        /* key usage forbids signing */
	KYSO_WHY_UNTRUSTED, /* does not chain to a configured anchor */
	KYSO_WHY_EXPIRED,   /* not valid now */
	KYSO_WHY_REVOKED,
	KYSO_WHY_REVUNAVAIL,     /* revocation unknown, hard-fail policy */
	KYSO_WHY_FROM_MISMATCH,  /* certificate e-mail is not the From */
	KYSO_WHY_NO_EMAIL,       /* personal certificate without e-mail */
	KYSO_WHY_NO_FROM,        /* message has no single From address */
	KYSO_WHY_PARTIAL,        /* signature covers only one part */
	KYSO_WHY_NOT_BOUND,      /* no e-mail and no table binds it to From */
	KYSO_WHY_OTHER_SIGNER,   /* this signer holds, another does not */
	KYSO_WHY_HEADER_CHANGED, /* a protected header field (RFC 9788)
	                            differs from the outer one */
	KYSO_WHY_DISPLAY_OTHER,  /* From's display name or comment shows
	                            another address than its mailbox */
	KYSO_WHY_SIGNTIME,       /* the claimed signing time is outside the
	                            certificate's validity */
};

/* The last reason (the verdict words in verdict.c cover every one). */
#define KYSO_WHY_LAST KYSO_WHY_SIGNTIME

/* Header protection (RFC 9788) as the verdict sees it: bit i stands for
 * kyso_protected_fields[i]. */
struct kyso_hp_verdict {
	int present;        /* hp="clear"/"cipher" and at least one field */
	unsigned matched;   /* protected, and the outer field is the same */
	unsigned changed;   /* protected (or added outside the protected set),
	                       and the outer field differs */
	int first;          /* index of the first changed field, or -1 */
	int how;            /* for `first`: 0 changed, 1 added, 2 removed */
	char *signed_value; /* decoded signed value of `first` (UTF-8,
	                       NULL when added outside), g_free */
};

struct kyso_signer_verdict {
	enum kyso_result result;
	enum kyso_why why;
	enum kyso_cert_kind kind;  /* as configuration declares it (seal.c) */
	enum kyso_binding binding; /* what ties it to the From address */
	int softpass;   /* passes although revocation was unavailable */
	char note[200]; /* ASCII detail for the A-R comment */
};

struct kyso_verdict {
	enum kyso_result result; /* message result: pass only when every
	                            signer passes, else the worst signer's */
	enum kyso_why why;
	int lead; /* index of the signer `result` and `why` come from (the
	             first failing one), or -1 */
	size_t n; /* = res->nsigners */
	struct kyso_signer_verdict *s;
	int own_domain; /* a From mailbox is in one of our own domains */
	int softpass;   /* pass although revocation was unavailable */
	struct kyso_hp_verdict hp; /* kyso_inbound_judge_headers */
};

/* Apply the verdict rules to res. cfg (may be NULL: no tables) gives the
 * SealTable and CertificateTable bindings; softfail: OnRevocationUnavailable
 * is softpass. from_addr may be NULL (no single From). v->s is g_malloc'd;
 * free it with kyso_inbound_verdict_clear(). */
void kyso_inbound_judge(const struct kyso_config *cfg,
    const struct kyso_verify_result *res, const char *from_addr, int softfail,
    struct kyso_verdict *v);
void kyso_inbound_verdict_clear(struct kyso_verdict *v);

/* Header protection (policy/protected.c): when the signed part is marked
 * hp="clear" or "cipher" and every signature holds over it, compare its
 * protected fields with the outer ones (outer[n], as received), after
 * RFC 5322 unfolding and RFC 2047 decoding; an outer Subject first loses
 * any of the prefixes in strip (NULL-terminated, may be NULL: our own
 * Subject tags). A protected field that differs, is gone, or one of
 * From/To/Cc/Subject/Reply-To added outside a non-empty protected set
 * turns a pass into policy (KYSO_WHY_HEADER_CHANGED); Date and Message-ID
 * added outside (a relay adds them) are only unprotected. Without hp,
 * nothing is protected whatever the part holds. */
struct kyso_header;
void kyso_inbound_judge_headers(struct kyso_verdict *v,
    const struct kyso_verify_result *res, const struct kyso_header *outer,
    size_t n, const char *const *strip);

/* From display names (policy/inbound.c): a pass becomes policy
 * (KYSO_WHY_DISPLAY_OTHER) when the one From field (in outer[n]) shows,
 * in its display name or a comment, after RFC 2047 decoding and NFKC
 * (a full-width at sign is one), an address other than from_addr: a
 * reader who sees only the name would take that address for the signer.
 * Its own address as its name is no change. */
void kyso_inbound_judge_display(struct kyso_verdict *v,
    const struct kyso_header *outer, size_t n, const char *from_addr);

/* Names of protected field i: Vietnamese (UTF-8) and English. */
const char *kyso_protected_field_vi(int i);

/* A Subject value (as received) decoded (RFC 2047), unfolded, white space
 * collapsed, and without any of the prefixes in strip at its start
 * (repeatedly). g_malloc'd UTF-8. */
char *kyso_subject_base(const char *value, const char *const *strip);

/* The tag tmpl with its "%s" (if any) replaced by name, where every ASCII
 * character of the text after "%s" becomes a space: the tag must end
 * where kyso_subject_base will see it end (a "]" in a signer's name
 * would otherwise leave half a tag behind). g_malloc'd. */
char *kyso_subject_tag_fill(const char *tmpl, const char *name);

/* Short text of a reason: English (ASCII) or Vietnamese (UTF-8). */
const char *kyso_inbound_why_text(enum kyso_why why, int vietnamese);

/* The Authentication-Results value (no field name, no leading space,
 * folded with LF + TAB, ASCII only), g_malloc'd. */
char *kyso_ar_header_format(const char *authserv_id, const char *from_addr,
    const struct kyso_verify_result *res, const struct kyso_verdict *v);

/* 1 when an Authentication-Results value names `authserv_id` as its
 * authserv-id (first token after optional CFWS, case-insensitive). */
int kyso_ar_header_is_ours(const char *value, const char *authserv_id);

/* Make `s` printable: every control character (C0, DEL, C1) and invalid
 * UTF-8 becomes a space. Returns a new string. */
char *kyso_verdict_header_clean(const char *s);

/* RFC 2047 Q-encode UTF-8 text as encoded-words of at most 60 characters,
 * joined by LF + TAB. ASCII only, never a CR. Returns a new string. */
char *kyso_verdict_header_encode(const char *utf8);

/* The X-Kyso-Verdict value: readable verdict in Vietnamese and English,
 * encoded with kyso_verdict_header_encode(). */
char *kyso_verdict_header_format(const struct kyso_verify_result *res,
    const struct kyso_verdict *v);

#endif
