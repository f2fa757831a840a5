/*
 * config.h - the daemon's configuration snapshot.
 *
 * An OpenDKIM-style "Key value" file plus the signing table and the
 * certificate table it names. kyso_config_load() builds a complete,
 * checked snapshot (tables parsed, every signer loaded) or fails with
 * "file:line: problem"; the snapshot is immutable afterwards and shared by
 * all threads through a reference count. A reload builds a new snapshot and
 * swaps it in only if it loaded; messages keep the snapshot they began with.
 */
#ifndef KYSO_CONFIG_H
#define KYSO_CONFIG_H

#include <stddef.h>
#include <time.h>
#include "kyso/err.h"
#include "kyso/smime/signer.h"

/* What to do when a check fails; names are the configuration values. */
enum kyso_onfail {
	KYSO_ONFAIL_ACCEPT = 0, /* "accept": pass the message on unchanged */
	KYSO_ONFAIL_TEMPFAIL,   /* "tempfail": 4.x.x, the client retries */
	KYSO_ONFAIL_REJECT,     /* "reject": 5.x.x */
	KYSO_ONFAIL_OPAQUE,     /* "opaque" (OnUnsignable only): sign as
	                           application/pkcs7-mime signed-data */
};

/* How the envelope sender must relate to the From address to sign. */
enum kyso_envcheck {
	KYSO_ENVCHECK_NONE = 0, /* "none": no check */
	KYSO_ENVCHECK_DOMAIN,   /* "domain": same domain (or null sender) */
	KYSO_ENVCHECK_EXACT,    /* "exact": same address (or null sender) */
};

/* Scalar settings; read-only once loaded. Strings never NULL unless said. */
struct kyso_settings {
	char *socket;                 /* Socket: unix:/path or inet:port@host */
	char *pid_file;               /* PidFile, or NULL */
	char *user_id;                /* UserID (user[:group]), or NULL */
	int syslog;                   /* Syslog yes/no */
	char *syslog_facility;        /* SyslogFacility, default "mail" */
	char *authserv_id;            /* AuthservID, default the host name */
	size_t spool_memory;          /* SpoolMemoryLimit bytes */
	size_t max_message;           /* MaximumMessageSize bytes */
	char *tmp_dir;                /* TemporaryDirectory, default /tmp */
	int sub_domains;              /* SubDomains yes/no */
	enum kyso_onfail on_unmapped; /* OnUnmappedSender, default accept */
	enum kyso_onfail
	    on_internal_error;          /* OnInternalError, default tempfail */
	enum kyso_onfail on_unsignable; /* OnUnsignable, default accept */
	enum kyso_onfail on_too_big;    /* OnOversizedMessage, default accept */
	enum kyso_envcheck envelope_check; /* EnvelopeCheck, default domain */
	char *digest; /* SignatureDigest sha256|sha384|sha512 */
	/* inbound verification */
	char *trust_anchor_file; /* TrustAnchorFile (PEM), or NULL */
	char *trust_anchor_dir;  /* TrustAnchorDirectory (hashed), or NULL */
	char *intermediate_file; /* IntermediateCertificates (PEM), or NULL */
	char *crl_file;          /* CRLFile (PEM or DER), or NULL */
	int revocation_check;    /* RevocationCheck: KYSO_REVCHECK_* bits */
	int revocation_budget;   /* RevocationBudget seconds per message */
	int revocation_timeout;  /* RevocationTimeout seconds */
	int revocation_max_age;  /* RevocationMaxAge seconds */
	int verify_cache_size;   /* VerifyCacheSize entries */
	int revocation_softfail; /* OnRevocationUnavailable softpass=1
	                            temperror=0 */
	char *agency_oids;       /* AgencyPolicyOIDs, comma list, or NULL */
	char *personal_oids;     /* PersonalPolicyOIDs, comma list, or NULL */
	int verify_inbound;      /* VerifyInbound yes/no, default yes */
	/* RevocationCacheDirectory, or NULL: TemporaryDirectory/kyso-... */
	char *revocation_cache_dir;
	enum kyso_onfail on_unsigned_own_domain; /* OnUnsignedOwnDomain */
	/* classified mail (outbound) */
	char *classified_markings;      /* ClassifiedMarkings, comma list */
	enum kyso_onfail on_classified; /* OnClassified, default reject */
	/* per-message journal (kyso-report) */
	char *journal_file; /* JournalFile, or NULL: no journal */
	int cosign;         /* CoSign yes/no: seal personally signed mail */
	char *login_table;  /* LoginTable: SMTP AUTH login -> From patterns */
	enum kyso_onfail on_unauthorized; /* OnUnauthorizedSender */
	int journal_sync;        /* JournalSync yes/no: fdatasync per record */
	int socket_allow_remote; /* SocketAllowRemote yes/no, default no */
	char *journal_host;      /* JournalHost, or NULL: gethostname() */
	int cert_expiry_warning; /* CertificateExpiryWarning days, def. 30 */
	int pin_max_age;         /* PinMaxAge days, default 180, 0: off */
	int syslog_success;      /* SyslogSuccess yes/no, default yes */
	char *syslog_socket;     /* SyslogSocket, default /dev/log */
	/* revocation endpoints and RFC 3161 timestamps */
	char *revocation_url_map;    /* RevocationURLMap file, or NULL */
	char *timestamp_url;         /* TimestampURL (http), or NULL */
	int timestamp_timeout;       /* TimestampTimeout seconds */
	int timestamp_required;      /* OnTimestampFailure tempfail=1 */
	char *timestamp_anchor_file; /* TimestampTrustAnchors, or NULL */
	int header_protection;       /* HeaderProtection yes/no (RFC 9788) */
	int subject_tag;             /* SubjectTag yes/no, inbound */
	char *subject_tag_valid;     /* SubjectTagValid, %s: signer name */
	char *subject_tag_invalid;   /* SubjectTagInvalid */
	char *subject_tag_unsigned;  /* SubjectTagUnsigned */
	int result_header;           /* ResultHeader yes/no: X-Kyso-Result */
};

struct kyso_config;

/* Load and check everything `path` refers to. NULL with err (KYSO_E_CONFIG,
 * message "file:line: problem") on any error. */
struct kyso_config *kyso_config_load(const char *path, struct kyso_err *err);

/* kyso_config_load with options: prev (may be NULL) is the running
 * snapshot, whose signers are kept where the certificate table line and
 * the files it names are unchanged (dev, inode, size, mtime), so a reload
 * after the privilege drop needs no root-only key again.
 * KYSO_CONFIG_NO_KEYS: certificates only, no key, passphrase or PIN is
 * read (kyso-report --check); such a snapshot cannot sign. */
#define KYSO_CONFIG_NO_KEYS 1
struct kyso_config *kyso_config_load_ex(const char *path,
    const struct kyso_config *prev, int flags, struct kyso_err *err);

/* Line of the configuration file that set key `name` (0: the default). */
unsigned kyso_config_key_line(const struct kyso_config *cfg, const char *name);

/* How many signers this snapshot kept from the one it was loaded after. */
size_t kyso_config_kept_signers(const struct kyso_config *cfg);

/* The certificate table file and the line of its i-th entry; its files
 * (which: 0 cert, 1 key or pkcs11: URI, 2 chain, 3 passphrase/PIN file;
 * NULL when none); its pin-file= and pin-changed= date (0: none). */
const char *kyso_config_cert_table(const struct kyso_config *cfg,
    unsigned *line, size_t i);
const char *kyso_config_cert_file(const struct kyso_config *cfg, size_t i,
    int which);
const char *kyso_config_pin_file(const struct kyso_config *cfg, size_t i,
    time_t *changed);

/* Reference counting: a new snapshot starts with one reference. */
struct kyso_config *kyso_config_ref(struct kyso_config *cfg);
void kyso_config_unref(struct kyso_config *cfg);

const struct kyso_settings *kyso_config_settings(const struct kyso_config *cfg);

/* Path the snapshot was loaded from. */
const char *kyso_config_path(const struct kyso_config *cfg);

/* 1 when `domain` (lower case) is one of the province's signing domains
 * (Domain list; with SubDomains also any subdomain of them). */
int kyso_config_is_own_domain(const struct kyso_config *cfg,
    const char *domain);

/* 1 when OpaqueRecipients is set: the milter then asks the MTA for the
 * envelope recipients (RCPT), which it otherwise has the MTA skip. */
int kyso_config_wants_recipients(const struct kyso_config *cfg);

/* 1 when the envelope recipient `rcpt` (an addr-spec, any case) is a
 * destination of OpaqueRecipients: the address itself, its domain, or a
 * parent domain listed as ".domain". Mail with such a recipient is signed
 * opaque for all its recipients (one message body serves them all). */
int kyso_config_opaque_recipient(const struct kyso_config *cfg,
    const char *rcpt);

/* Signing table: first pattern matching `address` (lower case) wins.
 * Returns the certificate id, or NULL when unmapped. */
const char *kyso_config_lookup_sender(const struct kyso_config *cfg,
    const char *address);

/* Why an SMTP AUTH login may send as an address (0: it may not). */
enum kyso_login_grant {
	KYSO_LOGIN_REFUSED = 0,
	KYSO_LOGIN_OWN,   /* the login's own address */
	KYSO_LOGIN_TABLE, /* a LoginTable line of the login */
};

/* May SMTP AUTH `login` send as `address` (an addr-spec)? Its own address
 * (case-insensitive): the login itself when it holds '@', else login@D for
 * each domain D of the Domain key (not their subdomains); or any address a
 * LoginTable line gives the login (logins compared exactly). */
enum kyso_login_grant kyso_config_login_allows(const struct kyso_config *cfg,
    const char *login, const char *address);

/* Spelling of a grant for logs: "own-address", "LoginTable", "none". */
const char *kyso_login_grant_name(enum kyso_login_grant g);

/* InternalHosts: the entry ("addr/prefix") that `ip` falls in, written to
 * entry (room for len bytes); 1 when found, 0 otherwise (entry ""). */
int kyso_config_internal_entry(const struct kyso_config *cfg, const char *ip,
    char *entry, size_t len);

/* Certificate table: the loaded signer for an id, or NULL. */
const struct kyso_signer *kyso_config_signer(const struct kyso_config *cfg,
    const char *cert_id);

/* 1 when `ip` (text form, v4 or v6) is in InternalHosts. */
int kyso_config_is_internal_host(const struct kyso_config *cfg, const char *ip);

/* Inbound trust material, or NULL when VerifyInbound is off. */
struct kyso_trust;
const struct kyso_trust *kyso_config_trust(const struct kyso_config *cfg);

/* A trust store of cfg's anchors, intermediates and trust profile only
 * (no revocation, no cache), whether or not VerifyInbound loaded one: what
 * -n and kyso-report --check judge signing chains by. kyso_trust_free. */
struct kyso_trust *kyso_config_chain_trust(const struct kyso_config *cfg,
    struct kyso_err *err);
/* 1 when cfg trusts a profile (TrustProfile) or LegacySHA1Anchors. */
int kyso_config_has_trust_profile(const struct kyso_config *cfg);

/* SealTable, or NULL when none is configured. */
struct kyso_sealtable;
const struct kyso_sealtable *kyso_config_seals(const struct kyso_config *cfg);
struct kyso_kindtable;
/* KindTable, or the trust profile's kind table, or NULL. */
const struct kyso_kindtable *kyso_config_kinds(const struct kyso_config *cfg);

/* Compiled ClassifiedMarkings, or NULL when the check is off. */
struct kyso_classified;
const struct kyso_classified *kyso_config_classified(
    const struct kyso_config *cfg);

/* Certificate table in file order: how many ids, and the i-th (i < n). */
size_t kyso_config_ncerts(const struct kyso_config *cfg);
const char *kyso_config_cert_id(const struct kyso_config *cfg, size_t i);

/* 1 when `daemon_name` is listed in MTA (originating submission services). */
int kyso_config_is_originating_mta(const struct kyso_config *cfg,
    const char *daemon_name);

#endif
