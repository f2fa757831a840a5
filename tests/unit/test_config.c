/*
 * test_config.c - the configuration file: every parser error with its exact
 * "file:line: problem" text, defaults, value forms, the key table itself,
 * accessors of the snapshot and concurrent reference counting.
 */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kyso/policy/config.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/trust.h"
#include "../../policy/config_int.h"
#include "harness.h"
#include "policy_fixture.h"

#define SOCK "Socket unix:/run/kyso/kyso.sock\n"

struct errcase {
	const char *name;
	const char *text; /* file content */
	const char *want; /* expected message; %s is the file's path */
};

static const struct errcase errcases[] = {
    {"unknown key", SOCK "Foo bar\n", "%s:2: unknown key \"Foo\""},
    {"unknown key, unprintable bytes shown as ?", SOCK "F\xc3\xb6o bar\n",
        "%s:2: unknown key \"F??o\""},
    {"duplicate key, other case", SOCK "# again\nsocket unix:/y\n",
        "%s:3: duplicate key Socket (first set on line 1)"},
    {"key without value", "Socket\n", "%s:1: Socket: missing value"},
    {"key with blank value", "Socket   \t \n", "%s:1: Socket: missing value"},
    {"missing required key", "# nothing\nSyslog no\n",
        "%s: missing required key Socket"},
    {"empty file", "", "%s: missing required key Socket"},
    {"bad yes/no", SOCK "Syslog maybe\n",
        "%s:2: Syslog: bad value \"maybe\" (want yes or no)"},
    {"bad number", SOCK "RevocationTimeout 5s\n",
        "%s:2: RevocationTimeout: bad number \"5s\""},
    {"negative number", SOCK "RevocationTimeout -1\n",
        "%s:2: RevocationTimeout: bad number \"-1\""},
    {"number above max", SOCK "RevocationTimeout 61\n",
        "%s:2: RevocationTimeout: 61 out of range 1..60"},
    {"number below min", SOCK "RevocationTimeout 0\n",
        "%s:2: RevocationTimeout: 0 out of range 1..60"},
    {"number overflow", SOCK "RevocationTimeout 99999999999999999999999\n",
        "%s:2: RevocationTimeout: bad number \"99999999999999999999999\""},
    {"bad size suffix", SOCK "SpoolMemoryLimit 1g\n",
        "%s:2: SpoolMemoryLimit: bad size \"1g\" (want bytes, optionally "
        "with k or m)"},
    {"size is only a suffix", SOCK "SpoolMemoryLimit k\n",
        "%s:2: SpoolMemoryLimit: bad size \"k\" (want bytes, optionally "
        "with k or m)"},
    {"size with space", SOCK "SpoolMemoryLimit 1 m\n",
        "%s:2: SpoolMemoryLimit: bad size \"1 m\" (want bytes, optionally "
        "with k or m)"},
    {"size overflow with suffix", SOCK "SpoolMemoryLimit 18014398509481984m\n",
        "%s:2: SpoolMemoryLimit: bad size \"18014398509481984m\" (want "
        "bytes, optionally with k or m)"},
    {"size below min", SOCK "MaximumMessageSize 1000\n",
        "%s:2: MaximumMessageSize: 1000 out of range "
        "1024..1099511627776"},
    {"size above max", SOCK "SpoolMemoryLimit 1025m\n",
        "%s:2: SpoolMemoryLimit: 1025m out of range 0..1073741824"},
    {"bad OnUnmappedSender", SOCK "OnUnmappedSender discard\n",
        "%s:2: OnUnmappedSender: bad value \"discard\" (want "
        "accept|tempfail|reject)"},
    {"bad OnInternalError", SOCK "OnInternalError pass\n",
        "%s:2: OnInternalError: bad value \"pass\" (want "
        "accept|tempfail|reject)"},
    {"bad OnOversizedMessage", SOCK "OnOversizedMessage 1\n",
        "%s:2: OnOversizedMessage: bad value \"1\" (want "
        "accept|tempfail|reject)"},
    {"bad OnUnsignedOwnDomain", SOCK "OnUnsignedOwnDomain quarantine\n",
        "%s:2: OnUnsignedOwnDomain: bad value \"quarantine\" (want "
        "accept|tempfail|reject)"},
    {"bad EnvelopeCheck", SOCK "EnvelopeCheck strict\n",
        "%s:2: EnvelopeCheck: bad value \"strict\" (want "
        "none|domain|exact)"},
    {"bad SignatureDigest", SOCK "SignatureDigest sha1\n",
        "%s:2: SignatureDigest: bad value \"sha1\" (want "
        "sha256|sha384|sha512)"},
    {"bad RevocationCheck", SOCK "RevocationCheck crl+ocsp\n",
        "%s:2: RevocationCheck: bad value \"crl+ocsp\" (want "
        "none|crl|ocsp|ocsp+crl)"},
    {"retired CRLFetch", SOCK "CRLFetch yes\n",
        "%s:2: CRLFetch: replaced by RevocationCheck (ocsp+crl, crl, ocsp "
        "or none; default ocsp+crl)"},
    {"retired OCSPCheck", SOCK "OCSPCheck no\n",
        "%s:2: OCSPCheck: replaced by RevocationCheck (ocsp+crl, crl, ocsp "
        "or none; default ocsp+crl)"},
    {"CRLFile without CRL checking",
        SOCK "CRLFile /etc/kyso/crl.pem\n"
             "RevocationCheck none\n",
        "%s:2: CRLFile is set but RevocationCheck none uses no CRLs"},
    {"RevocationBudget 0", SOCK "RevocationBudget 0\n",
        "%s:2: RevocationBudget: 0 out of range 1..300"},
    {"bad OnRevocationUnavailable", SOCK "OnRevocationUnavailable pass\n",
        "%s:2: OnRevocationUnavailable: bad value \"pass\" (want "
        "temperror|softpass)"},
    {"bad SyslogFacility", SOCK "SyslogFacility local9\n",
        "%s:2: SyslogFacility: bad value \"local9\" (want "
        "auth|authpriv|daemon|mail|user|local0|local1|local2|local3|"
        "local4|local5|local6|local7)"},
    {"socket without scheme", "Socket /run/kyso.sock\n",
        "%s:1: Socket: bad socket \"/run/kyso.sock\" (want unix:/path or "
        "inet:port@host)"},
    {"socket relative unix path", "Socket unix:kyso.sock\n",
        "%s:1: Socket: bad socket \"unix:kyso.sock\" (want unix:/path or "
        "inet:port@host)"},
    {"socket non-numeric port", "Socket inet:smtp@localhost\n",
        "%s:1: Socket: bad socket \"inet:smtp@localhost\" (want "
        "unix:/path or inet:port@host)"},
    {"socket empty port", "Socket inet:\n",
        "%s:1: Socket: bad socket \"inet:\" (want unix:/path or "
        "inet:port@host)"},
    {"socket empty host", "Socket inet6:8891@\n",
        "%s:1: Socket: bad socket \"inet6:8891@\" (want unix:/path or "
        "inet:port@host)"},
    /* a port and an address libmilter can listen on (kyso-milter -n) */
    {"socket port above 65535", "Socket inet:99999@127.0.0.1\n",
        "%s:1: Socket: \"inet:99999@127.0.0.1\": bad port (1..65535)"},
    {"socket port 0", "Socket inet:0@127.0.0.1\n",
        "%s:1: Socket: \"inet:0@127.0.0.1\": bad port (1..65535)"},
    {"socket long port", "Socket inet:0000008891@127.0.0.1\n",
        "%s:1: Socket: \"inet:0000008891@127.0.0.1\": bad port (1..65535)"},
    {"socket bad IPv4 address", "Socket inet:8891@999.1.1.1\n",
        "%s:1: Socket: \"inet:8891@999.1.1.1\": bad IPv4 address"},
    {"socket bad IPv6 address", "Socket inet6:8891@::1::2\n",
        "%s:1: Socket: \"inet6:8891@::1::2\": bad IPv6 address"},
    /* a TCP socket names a loopback address (SocketAllowRemote) */
    {"socket inet without address", "Syslog no\nSocket inet:8891\n",
        "%s:2: Socket: \"inet:8891\" has no address and would listen on "
        "every interface; name one, e.g. inet:8891@127.0.0.1"},
    {"socket inet6 without address", "Socket inet6:8891\n",
        "%s:1: Socket: \"inet6:8891\" has no address and would listen on "
        "every interface; name one, e.g. inet6:8891@127.0.0.1"},
    {"socket upper-case scheme without address", "Socket INET:8891\n",
        "%s:1: Socket: \"INET:8891\" has no address and would listen on "
        "every interface; name one, e.g. INET:8891@127.0.0.1"},
    {"socket without address even when remote is allowed",
        "Socket inet:8891\nSocketAllowRemote yes\n",
        "%s:1: Socket: \"inet:8891\" has no address and would listen on "
        "every interface; name one, e.g. inet:8891@127.0.0.1"},
    {"socket on every IPv4 interface", "Socket inet:8891@0.0.0.0\n",
        "%s:1: Socket: \"inet:8891@0.0.0.0\" is not a loopback address; "
        "only the MTA may reach the milter (SocketAllowRemote yes to allow "
        "it)"},
    {"socket on every IPv6 interface", "Socket inet6:8891@::\n",
        "%s:1: Socket: \"inet6:8891@::\" is not a loopback address; only "
        "the MTA may reach the milter (SocketAllowRemote yes to allow it)"},
    {"socket on a remote address", "Socket inet:8891@192.0.2.1\n",
        "%s:1: Socket: \"inet:8891@192.0.2.1\" is not a loopback address; "
        "only the MTA may reach the milter (SocketAllowRemote yes to allow "
        "it)"},
    {"socket on a remote address, allow key no",
        "SocketAllowRemote no\nSocket inet:8891@192.0.2.1\n",
        "%s:2: Socket: \"inet:8891@192.0.2.1\" is not a loopback address; "
        "only the MTA may reach the milter (SocketAllowRemote yes to allow "
        "it)"},
    {"socket on a name that only starts like loopback",
        "Socket inet:8891@127.0.0.1.evil.org\n",
        "%s:1: Socket: \"inet:8891@127.0.0.1.evil.org\" is not a loopback "
        "address; only the MTA may reach the milter (SocketAllowRemote yes "
        "to allow it)"},
    {"socket on a host name", "Socket inet:8891@mail.hagiang.gov.vn\n",
        "%s:1: Socket: \"inet:8891@mail.hagiang.gov.vn\" is not a loopback "
        "address; only the MTA may reach the milter (SocketAllowRemote yes "
        "to allow it)"},
    {"relative path", SOCK "PidFile run/kyso.pid\n",
        "%s:2: PidFile: \"run/kyso.pid\" is not an absolute path"},
    {"relative table path", SOCK "SigningTable signing.table\n",
        "%s:2: SigningTable: \"signing.table\" is not an absolute path"},
    {"AuthservID with space", SOCK "AuthservID mx 1\n",
        "%s:2: AuthservID: bad value \"mx 1\" (one word of printable "
        "ASCII)"},
    {"AuthservID with ;", SOCK "AuthservID mx;1\n",
        "%s:2: AuthservID: bad value \"mx;1\" (one word of printable "
        "ASCII)"},
    {"bad OID", SOCK "AgencyPolicyOIDs 1.2.x\n",
        "%s:2: AgencyPolicyOIDs: bad OID list \"1.2.x\""},
    {"OID without dot", SOCK "PersonalPolicyOIDs 1.3.6, 7\n",
        "%s:2: PersonalPolicyOIDs: bad OID list \"1.3.6, 7\""},
    {"OID trailing dot", SOCK "PersonalPolicyOIDs 1.3.\n",
        "%s:2: PersonalPolicyOIDs: bad OID list \"1.3.\""},
    {"control character", SOCK "Syslog\x01yes\n",
        "%s:2: control character 0x01 in line"},
    {"DEL character", SOCK "Syslog yes\x7f\n",
        "%s:2: control character 0x7f in line"},
    {"bare carriage return", SOCK "Syslog\ryes\n",
        "%s:2: carriage return inside a line"},
    {"bad Domain", SOCK "Domain hagiang.gov.vn, hagiang..gov.vn\n",
        "%s:2: Domain: bad domain \"hagiang..gov.vn\""},
    {"OpaqueRecipients: not an address or domain",
        SOCK "OpaqueRecipients a.test, x@@b.test\n",
        "%s:2: OpaqueRecipients: \"x@@b.test\" is not an address, a domain or "
        ".domain"},
    {"OpaqueRecipients: address without a local part",
        SOCK "OpaqueRecipients @b.test\n",
        "%s:2: OpaqueRecipients: \"@b.test\" is not an address, a domain or "
        ".domain"},
    {"OpaqueRecipients: bare dot", SOCK "OpaqueRecipients .\n",
        "%s:2: OpaqueRecipients: \".\" is not an address, a domain or "
        ".domain"},
    {"Domain label ends in -", SOCK "Domain sotttt-.hagiang.gov.vn\n",
        "%s:2: Domain: bad domain \"sotttt-.hagiang.gov.vn\""},
    {"bad InternalHosts", SOCK "\nInternalHosts 127.0.0.1, 10.0.0.0/99\n",
        "%s:3: InternalHosts: bad address or network \"10.0.0.0/99\""},
    {"SigningTable without CertificateTable",
        SOCK "Domain hagiang.gov.vn\nSigningTable /etc/kyso/signing\n",
        "%s:3: SigningTable needs CertificateTable"},
    {"SigningTable without Domain",
        SOCK "CertificateTable /etc/kyso/certs\n"
             "SigningTable /etc/kyso/signing\n",
        "%s:3: SigningTable needs Domain (the signing domains)"},
    {"missing certificate table file",
        SOCK "Domain hagiang.gov.vn\n"
             "CertificateTable /nonexistent/kyso-certs\n",
        "/nonexistent/kyso-certs: cannot open: No such file or directory"},
};

/* tmpl with its one "%s" replaced by path. */
static void
expand(char *out, size_t outlen, const char *tmpl, const char *path)
{
	const char *at = strstr(tmpl, "%s");

	if (at == NULL)
		(void)snprintf(out, outlen, "%s", tmpl);
	else
		(void)snprintf(out, outlen, "%.*s%s%s", (int)(at - tmpl), tmpl,
		    path, at + 2);
}

static void
check_errcase(const struct errcase *c)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	const char *path = fx_write("err.conf", c->text);
	char want[512];

	expand(want, sizeof(want), c->want, path);
	cfg = kyso_config_load(path, &err);
	CHECK(cfg == NULL && err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, want) == 0,
	    "error: %s: got \"%s\"", c->name, err.msg);
	kyso_config_unref(cfg);
}

static struct kyso_config *
load_text(const char *text, struct kyso_err *err)
{
	return kyso_config_load(fx_write("ok.conf", text), err);
}

static void
check_defaults(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg = load_text(SOCK, &err);
	const struct kyso_settings *s;
	char host[256] = "";

	CHECK(cfg != NULL, "minimal file loads: %s", err.msg);
	if (cfg == NULL)
		return;
	s = kyso_config_settings(cfg);
	(void)gethostname(host, sizeof(host));
	CHECK(strcmp(s->socket, "unix:/run/kyso/kyso.sock") == 0, "Socket");
	CHECK(s->pid_file == NULL && s->user_id == NULL,
	    "PidFile and UserID unset");
	CHECK(s->syslog == 1 && strcmp(s->syslog_facility, "mail") == 0,
	    "Syslog yes, facility mail");
	CHECK(strcmp(s->authserv_id, host) == 0,
	    "AuthservID defaults to the host name (%s)", s->authserv_id);
	CHECK(s->spool_memory == KYSO_DEFAULT_SPOOL_MEMORY,
	    "SpoolMemoryLimit default is KYSO_DEFAULT_SPOOL_MEMORY");
	CHECK(s->max_message == KYSO_DEFAULT_MAX_MESSAGE,
	    "MaximumMessageSize default is KYSO_DEFAULT_MAX_MESSAGE");
	CHECK(strcmp(s->tmp_dir, "/tmp") == 0, "TemporaryDirectory /tmp");
	CHECK(s->sub_domains == 0, "SubDomains no");
	CHECK(s->on_unmapped == KYSO_ONFAIL_ACCEPT &&
	        s->on_internal_error == KYSO_ONFAIL_TEMPFAIL &&
	        s->on_too_big == KYSO_ONFAIL_ACCEPT &&
	        s->on_unsigned_own_domain == KYSO_ONFAIL_ACCEPT,
	    "On* defaults accept/tempfail/accept/accept");
	CHECK(s->envelope_check == KYSO_ENVCHECK_DOMAIN,
	    "EnvelopeCheck domain");
	CHECK(strcmp(s->digest, "sha256") == 0, "SignatureDigest sha256");
	CHECK(s->trust_anchor_file == NULL && s->trust_anchor_dir == NULL &&
	        s->intermediate_file == NULL && s->crl_file == NULL,
	    "trust files unset");
	CHECK(s->revocation_check == (KYSO_REVCHECK_OCSP | KYSO_REVCHECK_CRL) &&
	        s->revocation_budget == 10 && s->revocation_cache_dir == NULL &&
	        s->revocation_timeout == 5 && s->revocation_softfail == 0,
	    "revocation defaults: ocsp+crl, 10 s per message, 5 s per fetch, "
	    "temperror");
	CHECK(s->agency_oids == NULL && s->personal_oids == NULL,
	    "OID lists unset");
	CHECK(s->verify_inbound == 1 && kyso_config_trust(cfg) != NULL,
	    "VerifyInbound yes builds trust material (no anchors)");
	CHECK(kyso_config_is_internal_host(cfg, "127.0.0.1") &&
	        kyso_config_is_internal_host(cfg, "::1") &&
	        !kyso_config_is_internal_host(cfg, "127.0.0.2"),
	    "InternalHosts default 127.0.0.1, ::1");
	CHECK(!kyso_config_is_own_domain(cfg, "hagiang.gov.vn"),
	    "no Domain: nothing is own");
	CHECK(kyso_config_lookup_sender(cfg, "a@hagiang.gov.vn") == NULL &&
	        kyso_config_signer(cfg, "x") == NULL,
	    "no tables: no mapping, no signer");
	CHECK(!kyso_config_is_originating_mta(cfg, "ORIGINATING"),
	    "no MTA list");
	CHECK(strcmp(kyso_config_path(cfg), fx_path("ok.conf")) == 0,
	    "kyso_config_path");
	kyso_config_unref(cfg);
}

static void
check_values(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	const struct kyso_settings *s;

	cfg =
	    load_text("# full file\r\n"
	              "SOCKET   inet:8891@127.0.0.1  # comment\r\n"
	              "pidfile /run/kyso/k#1.pid\n"
	              "UserID kyso:kyso\n"
	              "Syslog false\n"
	              "SyslogFacility LOCAL3\n"
	              "AuthservID mx.hagiang.gov.vn\n"
	              "SpoolMemoryLimit 512k\n"
	              "MaximumMessageSize 2M\n"
	              "TemporaryDirectory /var/tmp\n"
	              "Domain HaGiang.gov.vn,  sotttt.hagiang.gov.vn\tbqp.vn\n"
	              "SubDomains 1\n"
	              "InternalHosts 10.0.0.0/8 2001:db8::/32\n"
	              "MTA ORIGINATING, submission\n"
	              "OnUnmappedSender REJECT\n"
	              "OnInternalError accept\n"
	              "OnOversizedMessage tempfail\n"
	              "EnvelopeCheck exact\n"
	              "SignatureDigest sha512\n"
	              "RevocationCheck CRL\n"
	              "RevocationBudget 30\n"
	              "RevocationCacheDirectory /var/cache/kyso\n"
	              "RevocationTimeout 60\n"
	              "OnRevocationUnavailable softpass\n"
	              "AgencyPolicyOIDs 1.3.6.1.4.1.55555.1.1\n"
	              "PersonalPolicyOIDs 1.3.6.1.4.1.55555.1.2, 2.16.704.1\n"
	              "VerifyInbound off\n"
	              "OnUnsignedOwnDomain reject\n",
	        &err);
	CHECK(cfg != NULL, "file setting every plain key loads: %s", err.msg);
	if (cfg == NULL)
		return;
	s = kyso_config_settings(cfg);
	CHECK(strcmp(s->socket, "inet:8891@127.0.0.1") == 0,
	    "key case ignored, CRLF and trailing comment stripped");
	CHECK(strcmp(s->pid_file, "/run/kyso/k#1.pid") == 0,
	    "'#' inside a word is not a comment");
	CHECK(strcmp(s->user_id, "kyso:kyso") == 0, "UserID");
	CHECK(s->syslog == 0 && strcmp(s->syslog_facility, "local3") == 0,
	    "Syslog false, facility lower-cased");
	CHECK(strcmp(s->authserv_id, "mx.hagiang.gov.vn") == 0, "AuthservID");
	CHECK(s->spool_memory == 512 * 1024, "512k");
	CHECK(s->max_message == 2 * 1024 * 1024, "2M");
	CHECK(strcmp(s->tmp_dir, "/var/tmp") == 0, "TemporaryDirectory");
	CHECK(s->sub_domains == 1, "SubDomains 1");
	CHECK(s->on_unmapped == KYSO_ONFAIL_REJECT &&
	        s->on_internal_error == KYSO_ONFAIL_ACCEPT &&
	        s->on_too_big == KYSO_ONFAIL_TEMPFAIL &&
	        s->on_unsigned_own_domain == KYSO_ONFAIL_REJECT,
	    "On* values, any case");
	CHECK(s->envelope_check == KYSO_ENVCHECK_EXACT, "EnvelopeCheck exact");
	CHECK(strcmp(s->digest, "sha512") == 0, "SignatureDigest sha512");
	CHECK(s->revocation_check == KYSO_REVCHECK_CRL &&
	        s->revocation_budget == 30 &&
	        strcmp(s->revocation_cache_dir, "/var/cache/kyso") == 0 &&
	        s->revocation_timeout == 60 && s->revocation_softfail == 1,
	    "revocation settings");
	CHECK(strcmp(s->agency_oids, "1.3.6.1.4.1.55555.1.1") == 0 &&
	        strcmp(s->personal_oids, "1.3.6.1.4.1.55555.1.2, 2.16.704.1") ==
	            0,
	    "OID lists kept as text");
	CHECK(s->verify_inbound == 0 && kyso_config_trust(cfg) == NULL,
	    "VerifyInbound off: no trust material");
	CHECK(kyso_config_is_own_domain(cfg, "hagiang.gov.vn") &&
	        kyso_config_is_own_domain(cfg, "bqp.vn") &&
	        kyso_config_is_own_domain(cfg, "sotttt.hagiang.gov.vn"),
	    "Domain list, lower-cased, comma/space/tab separated");
	CHECK(kyso_config_is_own_domain(cfg, "a.b.hagiang.gov.vn") &&
	        kyso_config_is_own_domain(cfg, "SoYT.HaGiang.gov.vn"),
	    "SubDomains yes: any subdomain, any case");
	CHECK(!kyso_config_is_own_domain(cfg, "evilhagiang.gov.vn") &&
	        !kyso_config_is_own_domain(cfg, "hagiang.gov.vn.evil.org") &&
	        !kyso_config_is_own_domain(cfg, "gov.vn") &&
	        !kyso_config_is_own_domain(cfg, ".hagiang.gov.vn") &&
	        !kyso_config_is_own_domain(cfg, "") &&
	        !kyso_config_is_own_domain(cfg, NULL),
	    "look-alike domains are not own");
	CHECK(kyso_config_is_originating_mta(cfg, "ORIGINATING") &&
	        kyso_config_is_originating_mta(cfg, "Submission") &&
	        !kyso_config_is_originating_mta(cfg, "smtpd") &&
	        !kyso_config_is_originating_mta(cfg, "") &&
	        !kyso_config_is_originating_mta(cfg, NULL),
	    "MTA list");
	CHECK(kyso_config_is_internal_host(cfg, "10.1.2.3") &&
	        !kyso_config_is_internal_host(cfg, "127.0.0.1"),
	    "InternalHosts replaces the default");
	kyso_config_unref(cfg);

	cfg = load_text(SOCK "Domain hagiang.gov.vn\nSubDomains no\n"
	                     "InternalHosts none\n",
	    &err);
	CHECK(cfg != NULL && kyso_config_is_own_domain(cfg, "hagiang.gov.vn") &&
	        !kyso_config_is_own_domain(cfg, "sotttt.hagiang.gov.vn"),
	    "SubDomains no: the listed domain only");
	CHECK(cfg != NULL && !kyso_config_is_internal_host(cfg, "127.0.0.1"),
	    "InternalHosts none");
	kyso_config_unref(cfg);
}

/* OpaqueRecipients: which envelope recipients make our mail opaque-signed,
 * and that the milter asks for recipients only when the list is set. */
static void
check_opaque_recipients(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;

	cfg = load_text(SOCK "Domain hagiang.gov.vn\n", &err);
	CHECK(cfg != NULL && !kyso_config_wants_recipients(cfg) &&
	        !kyso_config_opaque_recipient(cfg, "a@b.test"),
	    "OpaqueRecipients unset: no recipient asked for, none opaque");
	kyso_config_unref(cfg);
	cfg = load_text(SOCK "OpaqueRecipients Alters.TEST, .gw.example "
	                     "One@Mail.test\n",
	    &err);
	CHECK(cfg != NULL && kyso_config_wants_recipients(cfg),
	    "OpaqueRecipients set: recipients asked for");
	CHECK(cfg != NULL &&
	        kyso_config_opaque_recipient(cfg, "x@alters.test") &&
	        kyso_config_opaque_recipient(cfg, "X@ALTERS.Test"),
	    "a listed domain matches, any case");
	CHECK(cfg != NULL &&
	        !kyso_config_opaque_recipient(cfg, "x@sub.alters.test") &&
	        !kyso_config_opaque_recipient(cfg, "x@evilalters.test") &&
	        !kyso_config_opaque_recipient(cfg, "x@alters.test.evil"),
	    "a domain entry: not its subdomains, not look-alikes");
	CHECK(cfg != NULL &&
	        kyso_config_opaque_recipient(cfg, "x@a.gw.example") &&
	        kyso_config_opaque_recipient(cfg, "x@b.a.gw.example") &&
	        !kyso_config_opaque_recipient(cfg, "x@gw.example") &&
	        !kyso_config_opaque_recipient(cfg, "x@xgw.example"),
	    ".domain: its subdomains only");
	CHECK(cfg != NULL &&
	        kyso_config_opaque_recipient(cfg, "one@mail.test") &&
	        !kyso_config_opaque_recipient(cfg, "two@mail.test") &&
	        !kyso_config_opaque_recipient(cfg, "xone@mail.test"),
	    "an address entry: that address only");
	CHECK(cfg != NULL &&
	        !kyso_config_opaque_recipient(cfg, "alters.test") &&
	        !kyso_config_opaque_recipient(cfg, "x@") &&
	        !kyso_config_opaque_recipient(cfg, "") &&
	        !kyso_config_opaque_recipient(cfg, NULL),
	    "no address, no match");
	kyso_config_unref(cfg);
}

/* TCP sockets the configuration accepts. */
static void
check_sockets(void)
{
	static const struct {
		const char *text, *why;
	} good[] = {
	    {"Socket inet:8891@127.0.0.1\n", "IPv4 loopback"},
	    {"Socket inet:8891@127.1.2.3\n", "anywhere in 127.0.0.0/8"},
	    {"Socket inet6:8891@::1\n", "IPv6 loopback"},
	    {"Socket inet6:8891@::ffff:127.0.0.1\n", "IPv4-mapped loopback"},
	    {"Socket inet:8891@LocalHost\n", "localhost, any case"},
	    {"Socket unix:/run/kyso.sock\nSocketAllowRemote yes\n",
	        "unix socket, allow key irrelevant"},
	    {"Socket inet:8891@192.0.2.1\nSocketAllowRemote yes\n",
	        "remote address with SocketAllowRemote yes"},
	    {"SocketAllowRemote yes\nSocket inet:8891@0.0.0.0\n",
	        "every IPv4 interface with SocketAllowRemote yes"},
	    {"Socket inet6:8891@::\nSocketAllowRemote yes\n",
	        "every IPv6 interface with SocketAllowRemote yes"},
	};
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err.msg[0] = '\0';
		cfg = load_text(good[i].text, &err);
		CHECK(cfg != NULL, "socket accepted: %s: %s", good[i].why,
		    err.msg);
		kyso_config_unref(cfg);
	}
	cfg = load_text(SOCK, &err);
	CHECK(cfg != NULL &&
	        kyso_config_settings(cfg)->socket_allow_remote == 0,
	    "SocketAllowRemote defaults to no");
	kyso_config_unref(cfg);
}

static void
check_lines(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *text = kyso_xmalloc(KYSO_MAX_CONFIG_LINE + 64);
	char want[512];
	const char *path;
	size_t n;

	/* a comment line of exactly KYSO_MAX_CONFIG_LINE bytes is fine */
	n = (size_t)snprintf(text, 64, SOCK);
	memset(text + n, '#', KYSO_MAX_CONFIG_LINE);
	memcpy(text + n + KYSO_MAX_CONFIG_LINE, "\n", 2);
	cfg = load_text(text, &err);
	CHECK(cfg != NULL, "line of exactly %d bytes is accepted",
	    KYSO_MAX_CONFIG_LINE);
	kyso_config_unref(cfg);

	/* one byte more is an error, also without a final newline */
	text[n + KYSO_MAX_CONFIG_LINE] = '#';
	text[n + KYSO_MAX_CONFIG_LINE + 1] = '\0';
	path = fx_write("long.conf", text);
	cfg = kyso_config_load(path, &err);
	(void)snprintf(want, sizeof(want), "%s:2: line longer than %d bytes",
	    path, KYSO_MAX_CONFIG_LINE);
	CHECK(cfg == NULL && strcmp(err.msg, want) == 0,
	    "line of %d bytes is an error: %s", KYSO_MAX_CONFIG_LINE + 1,
	    err.msg);
	free(text);

	cfg = load_text("Syslog no\n" SOCK "Syslog no", &err);
	(void)snprintf(want, sizeof(want),
	    "%s:3: duplicate key Syslog (first set on line 1)",
	    fx_path("ok.conf"));
	CHECK(cfg == NULL && strcmp(err.msg, want) == 0,
	    "last line without newline is still read: %s", err.msg);

	path = fx_path("no-such.conf");
	cfg = kyso_config_load(path, &err);
	(void)snprintf(want, sizeof(want),
	    "%s: cannot open: No such file or directory", path);
	CHECK(cfg == NULL && err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, want) == 0,
	    "missing file: %s", err.msg);

	path = fx_write("anchors-missing.conf",
	    SOCK "TrustAnchorFile /nonexistent/kyso-roots.pem\n");
	cfg = kyso_config_load(path, &err);
	CHECK(cfg == NULL && err.cls == KYSO_E_CONFIG &&
	        strncmp(err.msg, path, strlen(path)) == 0 &&
	        strstr(err.msg, "/nonexistent/kyso-roots.pem") != NULL,
	    "unreadable trust anchors name both files: %s", err.msg);
	cfg = load_text(SOCK "TrustAnchorFile /nonexistent/kyso-roots.pem\n"
	                     "VerifyInbound no\n",
	    &err);
	CHECK(cfg != NULL, "VerifyInbound no: trust files are not read");
	kyso_config_unref(cfg);
}

static void
check_table(void)
{
	struct kyso_config_values v;
	struct kyso_err err = {0};
	size_t i, j;
	int ok;

	for (i = 0; i < kyso_config_nkeys; i++) {
		const struct kyso_config_key *k = &kyso_config_keys[i];

		ok = k->name != NULL && k->doc != NULL && k->doc[0] != '\0';
		for (j = 0; j < i; j++)
			if (g_ascii_strcasecmp(k->name,
			        kyso_config_keys[j].name) == 0)
				ok = 0;
		if (k->type == KYSO_KT_ONFAIL || k->type == KYSO_KT_ENVCHECK ||
		    k->type == KYSO_KT_CHOICE || k->type == KYSO_KT_INDEX)
			ok = ok && k->choices != NULL;
		memset(&v, 0, sizeof(v));
		if (k->def != NULL)
			ok = ok &&
			    kyso_config_parse_value(k, &v, k->def, &err) == 0;
		kyso_config_parse_free(&v);
		ok = ok && kyso_config_keys_find(k->name) == k;
		CHECK(ok,
		    "key table row %s: unique, documented, default parses",
		    k->name);
	}
	CHECK(kyso_config_keys_find("sigNINGtable") != NULL &&
	        kyso_config_keys_find("Signing") == NULL &&
	        kyso_config_keys_find("") == NULL,
	    "keys_find: any case, whole names only");
}

static void *
ref_worker(void *arg)
{
	struct kyso_config *cfg = arg;
	int i;

	for (i = 0; i < 200000; i++)
		kyso_config_unref(kyso_config_ref(cfg));
	kyso_config_unref(cfg); /* the reference main took for us */
	return NULL;
}

static void
check_refcount(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg = load_text(SOCK, &err);
	pthread_t th[4];
	int i, ok = 1;

	CHECK(cfg != NULL && kyso_config_ref(cfg) == cfg, "ref returns cfg");
	kyso_config_unref(cfg);
	for (i = 0; i < 4; i++)
		ok = ok &&
		    pthread_create(&th[i], NULL, ref_worker,
		        kyso_config_ref(cfg)) == 0;
	for (i = 0; i < 4; i++)
		ok = ok && pthread_join(th[i], NULL) == 0;
	CHECK(ok && kyso_config_settings(cfg)->socket != NULL,
	    "4 threads x 200000 ref/unref leave the snapshot alive");
	kyso_config_unref(cfg);
	kyso_config_unref(NULL);
	CHECK(kyso_config_ref(NULL) == NULL, "NULL-safe ref/unref");
}

/* The default revocation cache directory (TemporaryDirectory/
 * kyso-milter-revocation) pre-planted by someone else stops the load with
 * a clear error; RevocationCheck none does not use it. */
static void
check_cache_dir(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *tmp = g_strdup(fx_path("tmpdir"));
	char *real = g_strdup_printf("%s/real", tmp);
	char *dir = g_strdup_printf("%s/kyso-milter-revocation", tmp);
	char *text;

	(void)g_mkdir_with_parents(real, 0700);
	(void)unlink(dir);
	(void)symlink(real, dir);
	text = g_strdup_printf(SOCK "TemporaryDirectory %s\n", tmp);
	cfg = load_text(text, &err);
	CHECK(cfg == NULL && strstr(err.msg, dir) != NULL &&
	        strstr(err.msg, "symbolic link") != NULL,
	    "planted symlink as the default revocation cache: %s", err.msg);
	kyso_config_unref(cfg);
	g_free(text);
	text = g_strdup_printf(SOCK "TemporaryDirectory %s\n"
	                            "RevocationCheck none\n",
	    tmp);
	cfg = load_text(text, &err);
	CHECK(cfg != NULL, "RevocationCheck none: the cache is not used");
	kyso_config_unref(cfg);
	g_free(text);
	(void)unlink(dir);
	(void)g_mkdir_with_parents(dir, 0700);
	(void)chmod(dir, 0777);
	text = g_strdup_printf(SOCK "RevocationCacheDirectory %s\n", dir);
	cfg = load_text(text, &err);
	CHECK(cfg == NULL && strstr(err.msg, "world-writable") != NULL,
	    "world-writable RevocationCacheDirectory: %s", err.msg);
	kyso_config_unref(cfg);
	g_free(text);
	g_free(tmp);
	g_free(real);
	g_free(dir);
}

int
main(void)
{
	size_t i;

	kyso_mime_init();
	fx_init();
	for (i = 0; i < sizeof(errcases) / sizeof(errcases[0]); i++)
		check_errcase(&errcases[i]);
	check_defaults();
	check_sockets();
	check_opaque_recipients();
	check_values();
	check_lines();
	check_cache_dir();
	check_table();
	check_refcount();
	kyso_mime_shutdown();
	return TEST_DONE();
}
