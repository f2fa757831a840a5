/*
 * config_keys.c - the one table of configuration keys.
 *
 * Each row: name, type, where the value goes, default (as configuration
 * text, so defaults pass through the same parser as the file), bounds,
 * allowed words and a one-line description. Parsing, the manual check
 * (tests/unit/test_confman.c) and any help output are driven by this table.
 */
#include <stddef.h>

#include <glib.h>

#include "config_int.h"
#include "kyso/limits.h"

#define OFF(field) offsetof(struct kyso_config_values, field)

static const char *const onfail_words[] = {"accept", "tempfail", "reject",
    NULL};
/* OnUnsignable: the OnXxx words plus "opaque" (= KYSO_ONFAIL_OPAQUE) */
static const char *const unsignable_words[] = {"accept", "tempfail", "reject",
    "opaque", NULL};
static const char *const envcheck_words[] = {"none", "domain", "exact", NULL};
static const char *const digest_words[] = {"sha256", "sha384", "sha512", NULL};
static const char *const facility_words[] = {"auth", "authpriv", "daemon",
    "mail", "user", "local0", "local1", "local2", "local3", "local4", "local5",
    "local6", "local7", NULL};
/* index = KYSO_REVCHECK_* bits of settings.revocation_check */
static const char *const revcheck_words[] = {"none", "crl", "ocsp", "ocsp+crl",
    NULL};
/* index = value of settings.revocation_softfail */
static const char *const revfail_words[] = {"temperror", "softpass", NULL};
static const char *const profile_words[] = {"none", "vgca", NULL};
/* index = value of settings.timestamp_required */
static const char *const tsafail_words[] = {"sign", "tempfail", NULL};

const struct kyso_config_key kyso_config_keys[] = {
    {.name = "Socket",
        .type = KYSO_KT_SOCKET,
        .offset = OFF(s.socket),
        .required = 1,
        .doc = "milter socket: unix:/path, local:/path, inet:port@host or "
               "inet6:port@host"},
    {.name = "SocketAllowRemote",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.socket_allow_remote),
        .def = "no",
        .doc = "let an inet or inet6 Socket listen on an address other than "
               "loopback (the MTA alone must reach it)"},
    {.name = "PidFile",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.pid_file),
        .doc = "file to write the daemon's process id to"},
    {.name = "UserID",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.user_id),
        .doc = "user[:group] to run as after the keys are loaded"},
    {.name = "Syslog",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.syslog),
        .def = "yes",
        .doc = "log to syslog"},
    {.name = "SyslogFacility",
        .type = KYSO_KT_CHOICE,
        .offset = OFF(s.syslog_facility),
        .def = "mail",
        .choices = facility_words,
        .doc = "syslog facility"},
    {.name = "AuthservID",
        .type = KYSO_KT_TOKEN,
        .offset = OFF(s.authserv_id),
        .doc = "authserv-id of the Authentication-Results fields we add "
               "(default: the host name)"},
    {.name = "SpoolMemoryLimit",
        .type = KYSO_KT_SIZE,
        .offset = OFF(s.spool_memory),
        .def = "1m",
        .min = 0,
        .max = 1024LL * 1024 * 1024,
        .doc = "message bytes kept in memory before spooling to a file "
               "(k and m suffixes)"},
    {.name = "MaximumMessageSize",
        .type = KYSO_KT_SIZE,
        .offset = OFF(s.max_message),
        .def = "64m",
        .min = 1024,
        .max = 1024LL * 1024 * 1024 * 1024,
        .doc = "largest message signed or verified (k and m suffixes)"},
    {.name = "TemporaryDirectory",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.tmp_dir),
        .def = "/tmp",
        .doc = "directory for spool files and the revocation cache"},
    {.name = "Domain",
        .type = KYSO_KT_STRING,
        .offset = OFF(domain),
        .doc = "comma or space separated list of the signing domains"},
    {.name = "SubDomains",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.sub_domains),
        .def = "no",
        .doc = "subdomains of Domain are signing domains too"},
    {.name = "SigningTable",
        .type = KYSO_KT_PATH,
        .offset = OFF(signing_table),
        .doc = "file mapping sender patterns to certificate ids"},
    {.name = "CertificateTable",
        .type = KYSO_KT_PATH,
        .offset = OFF(certificate_table),
        .doc = "file mapping certificate ids to certificate, key and chain "
               "files"},
    {.name = "InternalHosts",
        .type = KYSO_KT_STRING,
        .offset = OFF(internal_hosts),
        .def = "127.0.0.1, ::1",
        .doc = "clients whose mail is ours: address/CIDR list, none, or an "
               "absolute file name"},
    {.name = "MTA",
        .type = KYSO_KT_STRING,
        .offset = OFF(mta),
        .doc = "daemon names ({daemon_name}) of originating submission "
               "services"},
    {.name = "OnUnmappedSender",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_unmapped),
        .def = "accept",
        .choices = onfail_words,
        .doc = "own-domain sender without a signing table entry: accept "
               "(pass unsigned), tempfail or reject"},
    {.name = "OnInternalError",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_internal_error),
        .def = "tempfail",
        .choices = onfail_words,
        .doc = "what to do when signing or verifying fails internally"},
    {.name = "OnUnsignable",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_unsignable),
        .def = "accept",
        .choices = unsignable_words,
        .doc = "our mail that cannot be signed without breaking it (nested "
               "8-bit signed part, duplicate structure fields, 8-bit header "
               "fields or boundaries): accept (unsigned), tempfail, reject "
               "or opaque (signed as application/pkcs7-mime, except "
               "duplicate structure fields)"},
    {.name = "OpaqueRecipients",
        .type = KYSO_KT_STRING,
        .offset = OFF(opaque_recipients),
        .doc = "destinations whose systems alter detached signatures: mail "
               "to any of them is signed opaque (application/pkcs7-mime); "
               "addresses, domains, or .domain for its subdomains"},
    {.name = "OnOversizedMessage",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_too_big),
        .def = "accept",
        .choices = onfail_words,
        .doc = "message larger than MaximumMessageSize"},
    {.name = "EnvelopeCheck",
        .type = KYSO_KT_ENVCHECK,
        .offset = OFF(s.envelope_check),
        .def = "domain",
        .choices = envcheck_words,
        .doc = "how the envelope sender must match From before signing: "
               "none, domain or exact"},
    {.name = "SignatureDigest",
        .type = KYSO_KT_CHOICE,
        .offset = OFF(s.digest),
        .def = "sha256",
        .choices = digest_words,
        .doc = "default digest for signatures: sha256, sha384 or sha512"},
    {.name = "TrustAnchorFile",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.trust_anchor_file),
        .doc = "PEM file of trusted root certificates"},
    {.name = "TrustAnchorDirectory",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.trust_anchor_dir),
        .doc = "OpenSSL hashed directory of trusted root certificates"},
    {.name = "IntermediateCertificates",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.intermediate_file),
        .doc = "PEM file of intermediate CA certificates"},
    {.name = "CRLFile",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.crl_file),
        .doc = "PEM or DER file of certificate revocation lists"},
    {.name = "RevocationCheck",
        .type = KYSO_KT_INDEX,
        .offset = OFF(s.revocation_check),
        .def = "ocsp+crl",
        .choices = revcheck_words,
        .doc = "revocation sources: ocsp+crl, crl, ocsp or none (the "
               "verdict then says revocation was not checked)"},
    {.name = "RevocationCacheDirectory",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.revocation_cache_dir),
        .doc = "daemon-owned 0700 directory for fetched CRLs (default: "
               "kyso-milter-revocation in TemporaryDirectory)"},
    {.name = "RevocationBudget",
        .type = KYSO_KT_INT,
        .offset = OFF(s.revocation_budget),
        .def = "10",
        .min = 1,
        .max = 300,
        .doc = "seconds of CRL and OCSP fetching one message may take"},
    {.name = "RevocationTimeout",
        .type = KYSO_KT_INT,
        .offset = OFF(s.revocation_timeout),
        .def = "5",
        .min = 1,
        .max = 60,
        .doc = "seconds per CRL or OCSP fetch"},
    {.name = "RevocationMaxAge",
        .type = KYSO_KT_INT,
        .offset = OFF(s.revocation_max_age),
        .def = G_STRINGIFY(KYSO_REV_DEFAULT_MAX_AGE),
        .min = 60,
        .max = 30 * 86400,
        .doc = "seconds an OCSP answer or CRL that names no next update "
               "stays current after its thisUpdate"},
    {.name = "VerifyCacheSize",
        .type = KYSO_KT_INT,
        .offset = OFF(s.verify_cache_size),
        .def = G_STRINGIFY(KYSO_VCACHE_DEFAULT),
        .min = 16,
        .max = KYSO_VCACHE_MAX,
        .doc = "entries of the cache of verified chains and CRL "
               "signatures (emptied by a reload)"},
    {.name = "OnRevocationUnavailable",
        .type = KYSO_KT_INDEX,
        .offset = OFF(s.revocation_softfail),
        .def = "temperror",
        .choices = revfail_words,
        .doc = "revocation status unreachable: temperror or softpass"},
    {.name = "RevocationURLMap",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.revocation_url_map),
        .doc = "file of \"http://from http://to\" lines: OCSP and CRL "
               "URLs starting with from are asked at to instead (internal "
               "host names of the CA)"},
    {.name = "TimestampURL",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.timestamp_url),
        .doc = "http URL of an RFC 3161 timestamp authority: our "
               "signatures carry its token (not set: no timestamp)"},
    {.name = "TimestampTimeout",
        .type = KYSO_KT_INT,
        .offset = OFF(s.timestamp_timeout),
        .def = "10",
        .min = 1,
        .max = 60,
        .doc = "seconds to wait for the timestamp authority"},
    {.name = "OnTimestampFailure",
        .type = KYSO_KT_INDEX,
        .offset = OFF(s.timestamp_required),
        .def = "sign",
        .choices = tsafail_words,
        .doc = "timestamp authority unreachable: sign (without a "
               "timestamp, logged) or tempfail"},
    {.name = "TimestampTrustAnchors",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.timestamp_anchor_file),
        .doc = "PEM roots of the timestamp authorities whose tokens prove "
               "an inbound signing time (not set: tokens are not "
               "evaluated)"},
    {.name = "AgencyPolicyOIDs",
        .type = KYSO_KT_OIDLIST,
        .offset = OFF(s.agency_oids),
        .doc = "certificate policy OIDs of agency (seal) certificates"},
    {.name = "PersonalPolicyOIDs",
        .type = KYSO_KT_OIDLIST,
        .offset = OFF(s.personal_oids),
        .doc = "certificate policy OIDs of personal certificates"},
    {.name = "VerifyInbound",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.verify_inbound),
        .def = "yes",
        .doc = "verify S/MIME signatures of mail that is not ours"},
    {.name = "OnUnsignedOwnDomain",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_unsigned_own_domain),
        .def = "accept",
        .choices = onfail_words,
        .doc = "inbound unsigned mail claiming a signing domain: accept "
               "(tagged), tempfail or reject"},
    {.name = "ClassifiedMarkings",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.classified_markings),
        .def = "TỐI MẬT, TUYỆT MẬT, MẬT, TOI MAT, TUYET MAT",
        .doc = "secrecy markings that forbid signing and sending our mail "
               "(comma list, or none)"},
    {.name = "OnClassified",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_classified),
        .def = "reject",
        .choices = onfail_words,
        .doc = "our mail bearing a secrecy marking: reject, tempfail, or "
               "accept (passed on unsigned)"},
    {.name = "JournalFile",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.journal_file),
        .doc = "file to append one line per message to, for kyso-report "
               "(not set: no journal)"},
    {.name = "JournalSync",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.journal_sync),
        .def = "no",
        .doc = "fdatasync the journal after every record"},
    {.name = "JournalHost",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.journal_host),
        .doc = "server name in every journal record (not set: the system's "
               "host name)"},
    {.name = "SealTable",
        .type = KYSO_KT_PATH,
        .offset = OFF(seal_table),
        .doc = "certificates (by SHA-256 fingerprint) and the senders they "
               "may sign or seal for: \"sha256:HEX patterns [kind]\" lines"},
    {.name = "KindTable",
        .type = KYSO_KT_PATH,
        .offset = OFF(kind_table),
        .doc = "certificate kind rules for certificates without policy "
               "OIDs: \"KIND ISSUER MATCH\" lines (default: the trust "
               "profile's kind.table)"},
    {.name = "TrustProfile",
        .type = KYSO_KT_CHOICE,
        .offset = OFF(trust_profile),
        .def = "none",
        .choices = profile_words,
        .doc = "a shipped trust profile: vgca trusts the Vietnamese "
               "Government CA roots (G1, G2) and G1 intermediates, allows "
               "SHA-1 CA signatures under the G1 root, and uses its kind "
               "table"},
    {.name = "TrustProfileDirectory",
        .type = KYSO_KT_PATH,
        .offset = OFF(trust_profile_dir),
        .doc = "where the trust profiles are installed (default: the "
               "package data directory, e.g. /usr/share/kyso-milter)"},
    {.name = "LegacySHA1Anchors",
        .type = KYSO_KT_PATH,
        .offset = OFF(legacy_sha1),
        .doc = "PEM file of trust anchors whose chains may carry SHA-1 CA "
               "signatures until the anchor expires (they are trusted "
               "too)"},
    {.name = "LoginTable",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.login_table),
        .doc = "From addresses an SMTP AUTH login may send as besides its "
               "own (\"login pattern\" lines)"},
    {.name = "OnUnauthorizedSender",
        .type = KYSO_KT_ONFAIL,
        .offset = OFF(s.on_unauthorized),
        .def = "reject",
        .choices = onfail_words,
        .doc = "an authenticated login sending as a From neither its own "
               "nor given by LoginTable: reject, tempfail or accept "
               "(unsigned)"},
    {.name = "CoSign",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.cosign),
        .def = "no",
        .doc = "seal our mail that an official signed personally with the "
               "agency certificate too (signed and sealed)"},
    /* health: issue 13 */
    {.name = "CertificateExpiryWarning",
        .type = KYSO_KT_INT,
        .offset = OFF(s.cert_expiry_warning),
        .def = "30",
        .min = 0,
        .max = 3650,
        .doc = "days before a signing certificate ends from which the daemon "
               "warns (at start, reload and daily) and -n and kyso-report "
               "--check report it"},
    {.name = "PinMaxAge",
        .type = KYSO_KT_INT,
        .offset = OFF(s.pin_max_age),
        .def = "180",
        .min = 0,
        .max = 3650,
        .doc = "days a token PIN may go unchanged (pin-changed= date, else "
               "the PIN file's modification time) before it is warned "
               "about; 0: no check"},
    {.name = "SyslogSuccess",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.syslog_success),
        .def = "yes",
        .doc = "log uneventful results (signed, verified pass, nothing to "
               "do); no: only failures, refusals and warnings"},
    {.name = "SyslogSocket",
        .type = KYSO_KT_PATH,
        .offset = OFF(s.syslog_socket),
        .def = "/dev/log",
        .doc = "the local syslog socket the daemon sends to"},
    {.name = "HeaderProtection",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.header_protection),
        .def = "yes",
        .doc = "copy From, To, Cc, Subject, Date, Message-ID and Reply-To "
               "into the signed part (RFC 9788, hp=\"clear\") so the "
               "signature covers them"},
    {.name = "SubjectTag",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.subject_tag),
        .def = "no",
        .doc = "inbound: put the verdict in front of the Subject of signed "
               "mail and of unsigned mail claiming a provincial address"},
    {.name = "SubjectTagValid",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.subject_tag_valid),
        .def = "[Đã ký số: %s]",
        .doc = "Subject tag of mail that passes; %s: the signer's name"},
    {.name = "SubjectTagInvalid",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.subject_tag_invalid),
        .def = "[CẢNH BÁO: chữ ký không hợp lệ]",
        .doc = "Subject tag of signed mail that does not pass"},
    {.name = "SubjectTagUnsigned",
        .type = KYSO_KT_STRING,
        .offset = OFF(s.subject_tag_unsigned),
        .def = "[CẢNH BÁO: không có chữ ký]",
        .doc = "Subject tag of unsigned mail claiming a provincial address"},
    {.name = "ResultHeader",
        .type = KYSO_KT_YESNO,
        .offset = OFF(s.result_header),
        .def = "yes",
        .doc = "inbound: add X-Kyso-Result with the smime= result word, for "
               "Sieve filters"},
    {.name = "TokenWaitLimit",
        .type = KYSO_KT_INT,
        .offset = OFF(token_wait_ms),
        .def = "3000",
        .min = 1,
        .max = 600000,
        .doc = "milliseconds a signature waits for a busy token (or key "
               "pool) before the message is tempfailed"},
    {.name = "TokenQueueLimit",
        .type = KYSO_KT_INT,
        .offset = OFF(token_queue_limit),
        .def = "8",
        .min = 1,
        .max = 10000,
        .doc = "signatures that may wait for one token (or key pool); "
               "more are tempfailed at once"},
    {.name = "TokenPinStateFile",
        .type = KYSO_KT_PATH,
        .offset = OFF(token_pin_state),
        .def = "/var/lib/kyso-milter/token-pins",
        .doc = "file remembering (as keyed hashes) the PINs tokens refused, "
               "so they are never offered again"},
};

const size_t kyso_config_nkeys =
    sizeof(kyso_config_keys) / sizeof(kyso_config_keys[0]);

/* Keys that are gone, and what replaced them. */
static const struct {
	const char *name, *why;
} retired[] = {
    {"CRLFetch",
        "replaced by RevocationCheck (ocsp+crl, crl, ocsp or none; "
        "default ocsp+crl)"},
    {"OCSPCheck",
        "replaced by RevocationCheck (ocsp+crl, crl, ocsp or none; "
        "default ocsp+crl)"},
};

const char *
kyso_config_key_retired(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(retired); i++)
		if (g_ascii_strcasecmp(retired[i].name, name) == 0)
			return retired[i].why;
	return NULL;
}

const struct kyso_config_key *
kyso_config_keys_find(const char *name)
{
	size_t i;

	for (i = 0; i < kyso_config_nkeys; i++)
		if (g_ascii_strcasecmp(kyso_config_keys[i].name, name) == 0)
			return &kyso_config_keys[i];
	return NULL;
}
