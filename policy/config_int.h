/*
 * config_int.h - private to policy/: the table of configuration keys, the
 * raw values a file sets, the bounded line reader, the text helpers and the
 * signing/certificate tables and address lists a snapshot is made of.
 *
 * Nothing here is part of the public contract (include/kyso/policy/config.h);
 * the unit tests include it to check the parts one by one.
 */
#ifndef KYSO_CONFIG_INT_H
#define KYSO_CONFIG_INT_H

#include <stdio.h>
#include <stddef.h>
#include <time.h>

#include "kyso/policy/config.h"
#include "kyso/limits.h"

/* ---- text.c: small string helpers ---- */

/* A list of strings split from one value. */
struct kyso_strlist {
	char **v;
	size_t n;
};

/* Split `text` at commas and white space; empty items are dropped. */
void kyso_text_split(const char *text, struct kyso_strlist *out);
/* Split `text` at white space only (table lines: file names may hold ','). */
void kyso_text_words(const char *text, struct kyso_strlist *out);
void kyso_text_strlist_free(struct kyso_strlist *l);

/* Copy src into dst (always NUL-terminated, truncated to dstlen - 1),
 * replacing every byte that is not printable ASCII with '?'. */
void kyso_text_printable(char *dst, size_t dstlen, const char *src);

/* ASCII lower-casing in place; returns s. */
char *kyso_text_lower(char *s);

/* 1 when s is a plausible DNS name (letters, digits, '-', '.' between
 * non-empty labels, at most 253 bytes). */
int kyso_text_is_domain(const char *s);

/* Lower-case hex of a certificate fingerprint written "sha256:AB:CD..."
 * (colons optional, any case) into out (KYSO_FINGERPRINT_HEX + 1 bytes);
 * -1 when it is not 32 bytes of hex. SealTable and KindTable. */
int kyso_text_fingerprint(const char *s, char *out);

/* Fill err with KYSO_E_CONFIG and "file:line: " + the formatted problem
 * (line 0: "file: problem"). */
void kyso_text_err_at(struct kyso_err *err, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- lines.c: bounded reader of configuration-style files ---- */

struct kyso_lines {
	FILE *fp;
	const char *path; /* borrowed, for messages */
	unsigned lineno;  /* number of the line last returned */
	char buf[KYSO_MAX_CONFIG_LINE + 1];
};

/* Open path for reading. -1 with "path: cannot open: why" (KYSO_E_CONFIG). */
int kyso_lines_open(struct kyso_lines *lr, const char *path,
    struct kyso_err *err);

/* Next non-blank line with comments ('#' at the start or after white
 * space) removed and both ends trimmed; *line points into lr->buf. Returns
 * 1 with a line, 0 at end of file, -1 on a line longer than
 * KYSO_MAX_CONFIG_LINE, a control character or a read error
 * ("file:line: problem"). */
int kyso_lines_next(struct kyso_lines *lr, char **line, struct kyso_err *err);

void kyso_lines_close(struct kyso_lines *lr);

/* Open path and hand every line kyso_lines_next returns to fn with ctx
 * (lr for the file:line of its messages), until fn returns < 0. 0 when
 * the whole file was read, else -1 with err (fn's own, or the reader's);
 * the file is closed either way. */
typedef int (*kyso_line_fn)(void *ctx, struct kyso_lines *lr, char *line,
    struct kyso_err *err);
int kyso_lines_each(const char *path, kyso_line_fn fn, void *ctx,
    struct kyso_err *err);

/* ---- config_keys.c: the one table of keys ---- */

enum kyso_keytype {
	KYSO_KT_STRING = 0, /* any text */
	KYSO_KT_PATH,       /* absolute file name */
	KYSO_KT_SOCKET,     /* libmilter socket: unix:/p, local:/p, inet:..,
	                       inet6:.. */
	KYSO_KT_YESNO,      /* yes/no/true/false/1/0 into int */
	KYSO_KT_INT,        /* decimal into int, min..max */
	KYSO_KT_SIZE,   /* decimal bytes with optional k/m suffix into size_t */
	KYSO_KT_ONFAIL, /* accept|tempfail|reject into enum kyso_onfail */
	KYSO_KT_ENVCHECK, /* none|domain|exact into enum kyso_envcheck */
	KYSO_KT_CHOICE,   /* one of choices, stored as lower-case char * */
	KYSO_KT_INDEX,    /* one of choices, stored as its index (int) */
	KYSO_KT_TOKEN,    /* one word of printable ASCII, no ';' (AuthservID) */
	KYSO_KT_OIDLIST,  /* comma list of dotted-decimal OIDs */
};

/* Everything a configuration file can set: the public settings plus the raw
 * text of keys that the snapshot turns into tables and lists. */
struct kyso_config_values {
	struct kyso_settings s;
	char *domain;            /* Domain */
	char *signing_table;     /* SigningTable */
	char *certificate_table; /* CertificateTable */
	char *internal_hosts;    /* InternalHosts */
	char *mta;               /* MTA */
	char *opaque_recipients; /* OpaqueRecipients */
	char *seal_table;        /* SealTable */
	char *kind_table;        /* KindTable */
	char *trust_profile;     /* TrustProfile: "none" or "vgca" */
	char *trust_profile_dir; /* TrustProfileDirectory, or NULL */
	char *legacy_sha1;       /* LegacySHA1Anchors */
	int token_wait_ms;       /* TokenWaitLimit */
	int token_queue_limit;   /* TokenQueueLimit */
	char *token_pin_state;   /* TokenPinStateFile */
};

struct kyso_config_key {
	const char *name; /* as documented; matched case-insensitively */
	enum kyso_keytype type;
	size_t offset;      /* into struct kyso_config_values */
	const char *def;    /* default as configuration text, or NULL */
	long long min, max; /* KYSO_KT_INT / KYSO_KT_SIZE bounds */
	const char *const
	    *choices;    /* KYSO_KT_CHOICE / KYSO_KT_INDEX, NULL-ended */
	int required;    /* a missing key is an error */
	const char *doc; /* one line for the manual and -h output */
};

extern const struct kyso_config_key kyso_config_keys[];
extern const size_t kyso_config_nkeys;

/* Why `name` (a key that no longer exists) is refused, or NULL. */
const char *kyso_config_key_retired(const char *name);

/* The row for `name` (any case), or NULL. */
const struct kyso_config_key *kyso_config_keys_find(const char *name);

/* ---- config_parse.c: Key value files ---- */

/* Set every default, then read path. lines[] (kyso_config_nkeys entries)
 * receives the line each key was set on, 0 for defaults. -1 with
 * "file:line: problem" (KYSO_E_CONFIG); values must be freed either way. */
int kyso_config_parse_file(const char *path, struct kyso_config_values *v,
    unsigned *lines, struct kyso_err *err);

/* Convert `text` for key k into v. -1 with the bare problem in err. */
int kyso_config_parse_value(const struct kyso_config_key *k,
    struct kyso_config_values *v, const char *text, struct kyso_err *err);

/* Free every string the values hold. */
void kyso_config_parse_free(struct kyso_config_values *v);

/* ---- netlist.c: IPv4/IPv6 networks (InternalHosts) ---- */

struct kyso_netlist;

/* From a value: "none", a comma/space list of addresses and CIDR networks,
 * or an absolute file name (one or more entries a line, '#' comments).
 * Errors name cfgfile:cfgline for a list and the list file's own line for a
 * file. */
struct kyso_netlist *kyso_netlist_load(const char *value, const char *cfgfile,
    unsigned cfgline, struct kyso_err *err);

/* Add one "addr" or "addr/prefix"; -1 with the bare problem. */
int kyso_netlist_add(struct kyso_netlist *nl, const char *text,
    struct kyso_err *err);

struct kyso_netlist *kyso_netlist_new(void);
size_t kyso_netlist_count(const struct kyso_netlist *nl);

/* 1 when ip (text; "IPv6:" prefix, zone suffix and IPv4-mapped IPv6 are
 * understood) is inside one of the networks; 0 otherwise or unparsable. */
int kyso_netlist_contains(const struct kyso_netlist *nl, const char *ip);

/* kyso_netlist_contains, also writing the matching entry as "addr/prefix"
 * into entry (room for len bytes; "" when none or len is 0). */
int kyso_netlist_match(const struct kyso_netlist *nl, const char *ip,
    char *entry, size_t len);

/* 1 when ip (text) is a loopback address: 127.0.0.0/8 (also IPv4-mapped)
 * or ::1. */
int kyso_netlist_is_loopback(const char *ip);

void kyso_netlist_free(struct kyso_netlist *nl);

/* ---- table.c: CertificateTable and SigningTable ---- */

struct kyso_certtable;
struct kyso_signtable;

/* Parse the certificate table and load every signer (kyso_signer_load);
 * default_digest applies to entries without digest=. */
struct kyso_certtable *kyso_table_load_certs(const char *path,
    const char *default_digest, struct kyso_err *err);
/* The same with the token settings (TokenWaitLimit, TokenQueueLimit,
 * TokenPinStateFile; NULL: the defaults and no state file). */
struct kyso_token_opts {
	const char *pin_state;
	unsigned wait_ms, queue_limit;
};
struct kyso_certtable *kyso_table_load_certs_tok(const char *path,
    const char *default_digest, const struct kyso_token_opts *tok,
    struct kyso_err *err);

/* Parse the signing table; every certificate id must be in certs. */
struct kyso_signtable *kyso_table_load_signing(const char *path,
    const struct kyso_certtable *certs, struct kyso_err *err);

/* First pattern matching address wins; its certificate id or NULL. */
const char *kyso_table_lookup(const struct kyso_signtable *t,
    const char *address);

const struct kyso_signer *kyso_table_signer(const struct kyso_certtable *t,
    const char *cert_id);

/* kyso_table_load_certs, keeping from prev (may be NULL) each signer whose
 * line and files are unchanged (a reload after the privilege drop cannot
 * read root-only keys again). KYSO_TABLE_CERTS_ONLY: certificates and
 * chains only, no key, PIN or passphrase is read (kyso-report --check). */
#define KYSO_TABLE_CERTS_ONLY 1
struct kyso_certtable *kyso_table_load_certs_ex(const char *path,
    const char *default_digest, const struct kyso_certtable *prev, int flags,
    const struct kyso_token_opts *tok, struct kyso_err *err);
/* The table file, the i-th entry's line, and its files: which = 0 cert,
 * 1 key (or pkcs11: URI), 2 chain, 3 passphrase or PIN file (NULL: none). */
const char *kyso_table_path(const struct kyso_certtable *t);
unsigned kyso_table_cert_line(const struct kyso_certtable *t, size_t i);
const char *kyso_table_cert_file(const struct kyso_certtable *t, size_t i,
    int which);
/* The i-th entry's pin-file= (or NULL) and pin-changed= date (0: none). */
const char *kyso_table_pin_file(const struct kyso_certtable *t, size_t i,
    time_t *changed);
/* How many signers were kept from the previous table. */
size_t kyso_table_kept(const struct kyso_certtable *t);
size_t kyso_table_count_certs(const struct kyso_certtable *t);
/* Id of the i-th certificate in file order (i < count), borrowed. */
const char *kyso_table_cert_id(const struct kyso_certtable *t, size_t i);
size_t kyso_table_count_signing(const struct kyso_signtable *t);
/* Login table: "login pattern" lines (login kept as the entry's cert_id);
 * freed with kyso_table_free_signing. */
struct kyso_signtable *kyso_table_load_logins(const char *path,
    struct kyso_err *err);
/* 1 when some line of `login` matches `address`. */
int kyso_table_login_allows(const struct kyso_signtable *t, const char *login,
    const char *address);

void kyso_table_free_certs(struct kyso_certtable *t);
void kyso_table_free_signing(struct kyso_signtable *t);

#endif
