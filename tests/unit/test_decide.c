/*
 * test_decide.c - the outbound decision with real signers: every origin,
 * spoofed From from an external client (verified, never signed), From
 * parsing (several fields, several mailboxes, groups, tricks GMime alone
 * would let through), signing domains, unmapped-sender policies, envelope
 * checks, and that every reason is printable ASCII.
 */
#include <stdint.h>
#include <string.h>

#include "kyso/policy/config.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "../../policy/config_int.h"
#include "harness.h"
#include "policy_fixture.h"

enum cfgname {
	C_BASE,
	C_TEMPFAIL,
	C_REJECT,
	C_EXACT,
	C_NONE,
	C_NOVERIFY,
	C_LOGINS,
	C_LOGINS_ACCEPT,
	C_UNAUTH_TEMPFAIL,
	C_TWO_DOMAINS,
	C_COUNT
};

static const char *const cfg_extra[C_COUNT] = {
    [C_BASE] = "",
    [C_TEMPFAIL] = "OnUnmappedSender tempfail\n",
    [C_REJECT] = "OnUnmappedSender reject\n",
    [C_EXACT] = "EnvelopeCheck exact\n",
    [C_NONE] = "EnvelopeCheck none\n",
    [C_NOVERIFY] = "VerifyInbound no\n",
    /* LoginTable is added by load_cfg (its path is the test directory) */
    [C_LOGINS] = "",
    [C_LOGINS_ACCEPT] = "OnUnauthorizedSender accept\n",
    [C_UNAUTH_TEMPFAIL] = "OnUnauthorizedSender tempfail\n",
    /* Domain is set by load_cfg: two agencies here */
    [C_TWO_DOMAINS] = "",
};

#define ACC    KYSO_ACTION_ACCEPT
#define SIGN   KYSO_ACTION_SIGN
#define VER    KYSO_ACTION_VERIFY
#define TMP    KYSO_ACTION_TEMPFAIL
#define REJ    KYSO_ACTION_REJECT
#define O_EXT  KYSO_ORIGIN_EXTERNAL
#define O_AUTH KYSO_ORIGIN_AUTH
#define O_MTA  KYSO_ORIGIN_MTA
#define O_INT  KYSO_ORIGIN_INTERNAL
#define O_LOC  KYSO_ORIGIN_LOCAL

#define VANTHU   "vanthu@sotttt.hagiang.gov.vn"
#define STRANGER "203.0.113.5"
#define ALICE    "alice@hagiang.gov.vn" /* mapped, at the Domain itself */
#define BOB      "bob@sotttt.hagiang.gov.vn"
#define NOTYOURS "may not send as From (not its own address, no LoginTable)"

struct dcase {
	const char *name;
	enum cfgname cfg;
	const char *client, *auth, *daemon, *env_from;
	const char *from[3]; /* From field values; NULL-ended */
	enum kyso_action action;
	enum kyso_origin origin;
	const char *cert;   /* wanted cert id or NULL */
	const char *reason; /* wanted reason prefix */
	const char *addr;   /* wanted from_addr, or NULL for "" */
};

static const struct dcase cases[] = {
    /* origins */
    {"auth user signs", C_BASE, STRANGER, VANTHU, NULL, VANTHU, {VANTHU}, SIGN,
        O_AUTH, "a", "auth sender, certificate a", VANTHU},
    {"auth user, domain pattern", C_BASE, STRANGER,
        "nguyen@sotttt.hagiang.gov.vn", NULL, "",
        {"Nguyen <nguyen@sotttt.hagiang.gov.vn>"}, SIGN, O_AUTH, "b",
        "auth sender, certificate b", "nguyen@sotttt.hagiang.gov.vn"},
    {"originating daemon signs", C_BASE, STRANGER, NULL, "ORIGINATING", VANTHU,
        {VANTHU}, SIGN, O_MTA, "a", "mta sender", VANTHU},
    {"daemon name any case", C_BASE, STRANGER, NULL, "originating", VANTHU,
        {VANTHU}, SIGN, O_MTA, "a", "mta sender", VANTHU},
    {"local submission (no client)", C_BASE, NULL, NULL, NULL, VANTHU, {VANTHU},
        SIGN, O_LOC, "a", "local sender", VANTHU},
    {"local submission (empty client)", C_BASE, "", NULL, "smtpd", VANTHU,
        {VANTHU}, SIGN, O_LOC, "a", "local sender", VANTHU},
    {"internal network", C_BASE, "10.20.30.40", NULL, "smtpd", VANTHU, {VANTHU},
        SIGN, O_INT, "a", "internal sender", VANTHU},
    {"non_smtpd 127.0.0.1", C_BASE, "127.0.0.1", NULL, NULL, VANTHU, {VANTHU},
        SIGN, O_INT, "a", "internal sender", VANTHU},
    {"internal ::1", C_BASE, "::1", NULL, NULL, VANTHU, {VANTHU}, SIGN, O_INT,
        "a", "internal sender", VANTHU},
    {"internal v4-mapped", C_BASE, "::ffff:10.0.0.5", NULL, NULL, VANTHU,
        {VANTHU}, SIGN, O_INT, "a", "internal sender", VANTHU},
    {"auth wins over external address", C_BASE, "198.51.100.1", VANTHU, "smtpd",
        VANTHU, {VANTHU}, SIGN, O_AUTH, "a", "auth", VANTHU},
    /* strangers are verified, whatever From says */
    {"spoofed own From from outside", C_BASE, STRANGER, NULL, "smtpd", VANTHU,
        {VANTHU}, VER, O_EXT, NULL, "external client", VANTHU},
    {"external, empty auth macro", C_BASE, STRANGER, "", "smtpd", VANTHU,
        {VANTHU}, VER, O_EXT, NULL, "external client", VANTHU},
    {"external, unlisted daemon", C_BASE, "192.0.2.1", NULL, "ORIG", "",
        {VANTHU}, VER, O_EXT, NULL, "external client", VANTHU},
    {"external IPv6", C_BASE, "2001:db8::1", NULL, NULL, "", {VANTHU}, VER,
        O_EXT, NULL, "external client", VANTHU},
    {"external, two From fields", C_BASE, STRANGER, NULL, NULL, "",
        {VANTHU, "x@gmail.com"}, VER, O_EXT, NULL, "external client", NULL},
    {"external, VerifyInbound no", C_NOVERIFY, STRANGER, NULL, NULL, "",
        {VANTHU}, ACC, O_EXT, NULL, "external client", VANTHU},
    {"external, foreign From", C_BASE, STRANGER, NULL, NULL, "",
        {"a@gmail.com"}, VER, O_EXT, NULL, "external client", "a@gmail.com"},
    /* From parsing for our own mail */
    {"no From", C_BASE, NULL, NULL, NULL, "", {NULL}, ACC, O_LOC, NULL,
        "ambiguous From: no From field", NULL},
    {"two From fields", C_BASE, NULL, VANTHU, NULL, "", {VANTHU, VANTHU}, ACC,
        O_AUTH, NULL, "ambiguous From: 2 From fields", NULL},
    {"two mailboxes", C_BASE, NULL, VANTHU, NULL, "",
        {VANTHU ", boss@sotttt.hagiang.gov.vn"}, ACC, O_AUTH, NULL,
        "ambiguous From: From is not a single address", NULL},
    {"display name then second address", C_BASE, NULL, VANTHU, NULL, "",
        {"\"Evil\" <evil@gmail.com> <" VANTHU ">"}, ACC, O_AUTH, NULL,
        "ambiguous From: From is not a single address", NULL},
    {"address@own@evil", C_BASE, NULL, VANTHU, NULL, "", {VANTHU "@evil.com"},
        ACC, O_AUTH, NULL, "ambiguous From: From is not a single address",
        NULL},
    {"semicolon trailer", C_BASE, NULL, VANTHU, NULL, "",
        {VANTHU ";x@evil.com"}, ACC, O_AUTH, NULL,
        "ambiguous From: From is not a single address", NULL},
    {"empty group", C_BASE, NULL, VANTHU, NULL, "", {"undisclosed:;"}, ACC,
        O_AUTH, NULL, "ambiguous From: From is not a single address", NULL},
    {"group of one", C_BASE, NULL, VANTHU, NULL, "", {"g: " VANTHU ";"}, ACC,
        O_AUTH, NULL, "ambiguous From: From is not a single address", NULL},
    {"no address", C_BASE, NULL, VANTHU, NULL, "", {"Van Thu"}, ACC, O_AUTH,
        NULL, "ambiguous From: From is not a single address", NULL},
    {"empty value", C_BASE, NULL, VANTHU, NULL, "", {""}, ACC, O_AUTH, NULL,
        "ambiguous From: From is not a single address", NULL},
    {"address after an address-like name", C_BASE, NULL, VANTHU, NULL, "",
        {"a@gmail.com <" VANTHU ">"}, ACC, O_AUTH, NULL,
        "ambiguous From: From is not a single address", NULL},
    {"unclosed angle", C_BASE, NULL, VANTHU, NULL, "", {"<" VANTHU}, ACC,
        O_AUTH, NULL, "ambiguous From: From must hold exactly one mailbox",
        NULL},
    {"quoted local part with @", C_BASE, NULL, VANTHU, NULL, "",
        {"\"vanthu@sotttt\"@hagiang.gov.vn"}, ACC, O_AUTH, NULL,
        "ambiguous From: From address is malformed", NULL},
    {"too long", C_BASE, NULL, VANTHU, NULL, "",
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@sotttt.hagiang.gov."
         "vn"},
        ACC, O_AUTH, NULL, "ambiguous From: From address is too long", NULL},
    {"UTF-8 display name, mixed case", C_BASE, NULL, VANTHU, NULL, "",
        {"\"V\xc4\x83n th\xc6\xb0\" <VanThu@SoTTTT.HaGiang.gov.vn>"}, SIGN,
        O_AUTH, "a", "auth sender", VANTHU},
    {"encoded-word display name", C_BASE, NULL, VANTHU, NULL, "",
        {"=?utf-8?b?VsSDbiB0aMawIA==?= <" VANTHU ">"}, SIGN, O_AUTH, "a",
        "auth sender", VANTHU},
    {"folded value", C_BASE, NULL, VANTHU, NULL, "",
        {"Van Thu\n\t<" VANTHU ">"}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"@ inside a comment", C_BASE, NULL, VANTHU, NULL, "",
        {VANTHU " (sent @ office)"}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"own address only as display name", C_BASE, NULL, VANTHU, NULL, "",
        {"\"" VANTHU "\" <evil@gmail.com>"}, ACC, O_AUTH, NULL,
        "not a signing domain", "evil@gmail.com"},
    /* the seal vouches for the sender the reader sees: no other address
     * in the display name or a comment, in any spelling */
    {"attack: another agency's address as display name", C_BASE, NULL, ALICE,
        NULL, "", {"\"giamdoc@sotttt.hagiang.gov.vn\" <" ALICE ">"}, ACC,
        O_AUTH, NULL, "From display name or comment holds another", ALICE},
    {"attack: another address as encoded-word display name", C_BASE, NULL,
        ALICE, NULL, "",
        {"=?utf-8?q?giamdoc=40sotttt=2Ehagiang=2Egov=2Evn?= <" ALICE ">"}, ACC,
        O_AUTH, NULL, "From display name or comment holds another", ALICE},
    {"attack: another address with a fullwidth at sign", C_BASE, NULL, ALICE,
        NULL, "", {"\"giamdoc\xef\xbc\xa0sotttt.hagiang.gov.vn\" <" ALICE ">"},
        ACC, O_AUTH, NULL, "From display name or comment holds another", ALICE},
    {"attack: another address in a comment", C_BASE, NULL, ALICE, NULL, "",
        {ALICE " (giamdoc@sotttt.hagiang.gov.vn)"}, ACC, O_AUTH, NULL,
        "From display name or comment holds another", ALICE},
    {"attack: another address in a name, internal host", C_BASE, "10.1.2.3",
        NULL, NULL, "", {"Giam doc (gd@ubnd.hagiang.gov.vn) <" VANTHU ">"}, ACC,
        O_INT, NULL, "From display name or comment holds another", VANTHU},
    {"own address as display name signs", C_BASE, NULL, ALICE, NULL, "",
        {"\"Alice@HaGiang.gov.vn\" <" ALICE ">"}, SIGN, O_AUTH, "b",
        "auth sender", ALICE},
    {"own address in quotes as display name (Outlook) signs", C_BASE, NULL,
        ALICE, NULL, "", {"\"'" ALICE "'\" <" ALICE ">"}, SIGN, O_AUTH, "b",
        "auth sender", ALICE},
    {"attack: another address in quotes as display name", C_BASE, NULL, ALICE,
        NULL, "", {"\"'gd@ubnd.hagiang.gov.vn.'\" <" ALICE ">"}, ACC, O_AUTH,
        NULL, "From display name or comment holds another", ALICE},
    /* signing domains and the table */
    {"foreign domain", C_BASE, NULL, VANTHU, NULL, "", {"a@gmail.com"}, ACC,
        O_AUTH, NULL, "not a signing domain", "a@gmail.com"},
    {"look-alike domain", C_BASE, NULL, VANTHU, NULL, "",
        {"vanthu@evilhagiang.gov.vn"}, ACC, O_AUTH, NULL,
        "not a signing domain", "vanthu@evilhagiang.gov.vn"},
    {"own domain as a suffix label", C_BASE, NULL, VANTHU, NULL, "",
        {"vanthu@hagiang.gov.vn.evil.org"}, ACC, O_AUTH, NULL,
        "not a signing domain", "vanthu@hagiang.gov.vn.evil.org"},
    {"unmapped: accept", C_BASE, NULL, VANTHU, NULL, "",
        {"x@soyt.hagiang.gov.vn"}, ACC, O_AUTH, NULL, "unmapped sender",
        "x@soyt.hagiang.gov.vn"},
    {"unmapped: tempfail", C_TEMPFAIL, NULL, VANTHU, NULL, "",
        {"x@soyt.hagiang.gov.vn"}, TMP, O_AUTH, NULL, "unmapped sender",
        "x@soyt.hagiang.gov.vn"},
    {"unmapped: reject", C_REJECT, NULL, VANTHU, NULL, "", {"x@hagiang.gov.vn"},
        REJ, O_AUTH, NULL, "unmapped sender", "x@hagiang.gov.vn"},
    {"unmapped before envelope check", C_REJECT, NULL, VANTHU, NULL,
        "x@gmail.com", {"x@hagiang.gov.vn"}, REJ, O_AUTH, NULL,
        "unmapped sender", "x@hagiang.gov.vn"},
    /* envelope checks */
    {"domain: null sender", C_BASE, NULL, VANTHU, NULL, "", {VANTHU}, SIGN,
        O_AUTH, "a", "auth", VANTHU},
    {"domain: NULL envelope", C_BASE, NULL, VANTHU, NULL, NULL, {VANTHU}, SIGN,
        O_AUTH, "a", "auth", VANTHU},
    {"domain: same domain", C_BASE, NULL, VANTHU, NULL,
        "Other@SOTTTT.hagiang.gov.vn", {VANTHU}, SIGN, O_AUTH, "a", "auth",
        VANTHU},
    {"domain: foreign envelope", C_BASE, NULL, VANTHU, NULL, "bounce@gmail.com",
        {VANTHU}, ACC, O_AUTH, NULL,
        "envelope sender bounce@gmail.com does not match From", VANTHU},
    {"domain: parent domain differs", C_BASE, NULL, VANTHU, NULL,
        "x@hagiang.gov.vn", {VANTHU}, ACC, O_AUTH, NULL,
        "envelope sender x@hagiang.gov.vn does not match From", VANTHU},
    {"domain: envelope without @", C_BASE, NULL, VANTHU, NULL, "postmaster",
        {VANTHU}, ACC, O_AUTH, NULL,
        "envelope sender postmaster does not match From", VANTHU},
    {"domain: unprintable envelope shown as ?", C_BASE, NULL, VANTHU, NULL,
        "b\x01\xff"
        "ad@evil.com",
        {VANTHU}, ACC, O_AUTH, NULL,
        "envelope sender b??ad@evil.com does not match From", VANTHU},
    {"exact: same address any case", C_EXACT, NULL, VANTHU, NULL,
        "VanThu@sotttt.HAGIANG.gov.vn", {VANTHU}, SIGN, O_AUTH, "a", "auth",
        VANTHU},
    {"exact: same domain is not enough", C_EXACT, NULL, VANTHU, NULL,
        "other@sotttt.hagiang.gov.vn", {VANTHU}, ACC, O_AUTH, NULL,
        "envelope sender other@sotttt.hagiang.gov.vn does not match From",
        VANTHU},
    {"exact: null sender", C_EXACT, NULL, VANTHU, NULL, "", {VANTHU}, SIGN,
        O_AUTH, "a", "auth", VANTHU},
    {"none: anything goes", C_NONE, NULL, VANTHU, NULL, "x@gmail.com", {VANTHU},
        SIGN, O_AUTH, "a", "auth", VANTHU},
    /* LoginTable: an authenticated login signs only as its addresses */
    {"login table: own address signs", C_LOGINS, STRANGER, "vanthu", NULL,
        VANTHU, {VANTHU}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"login table: another agency's address refused", C_LOGINS, STRANGER,
        "user1", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login user1 may not send as From", VANTHU},
    {"login table: subdomain pattern allows", C_LOGINS, STRANGER, "user2", NULL,
        "", {VANTHU}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"login table: unknown login refused", C_LOGINS, STRANGER, "nobody", NULL,
        "", {VANTHU}, REJ, O_AUTH, NULL, "login nobody may not", VANTHU},
    {"login table: login names are exact", C_LOGINS, STRANGER, "VANTHU", NULL,
        "", {VANTHU}, REJ, O_AUTH, NULL, "login VANTHU may not", VANTHU},
    {"login table: internal host without AUTH unaffected", C_LOGINS, "10.1.2.3",
        NULL, NULL, VANTHU, {VANTHU}, SIGN, O_INT, "a", "internal sender",
        VANTHU},
    {"OnUnauthorizedSender accept: passes unsigned", C_LOGINS_ACCEPT, STRANGER,
        "user1", NULL, "", {VANTHU}, ACC, O_AUTH, NULL,
        "login user1 may not send as From", VANTHU},
    {"login table widens, own address still signs", C_LOGINS, STRANGER, "alice",
        NULL, "", {ALICE}, SIGN, O_AUTH, "b", "auth sender", ALICE},
    {"login table: other-case login gets no table line", C_LOGINS, STRANGER,
        "USER2", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login USER2 may not send as From (not its own address nor given "
        "by LoginTable)",
        VANTHU},
    /* no LoginTable: a login signs only as its own address */
    {"own: full-address login", C_BASE, STRANGER, VANTHU, NULL, VANTHU,
        {VANTHU}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"own: bare login is login@Domain", C_BASE, STRANGER, "alice", NULL, "",
        {"Alice <" ALICE ">"}, SIGN, O_AUTH, "b", "auth sender", ALICE},
    {"attack: alice signs as bob", C_BASE, STRANGER,
        "alice@sotttt.hagiang.gov.vn", NULL, "alice@sotttt.hagiang.gov.vn",
        {BOB}, REJ, O_AUTH, NULL, "login alice@sotttt.hagiang.gov.vn " NOTYOURS,
        BOB},
    /* a bare login does not say which of several Domains is its own */
    {"attack: bare login, two Domains: the other agency's same-named "
     "mailbox",
        C_TWO_DOMAINS, STRANGER, "alice", NULL, "",
        {"alice@sotttt.hagiang.gov.vn"}, REJ, O_AUTH, NULL,
        "login alice " NOTYOURS, "alice@sotttt.hagiang.gov.vn"},
    {"bare login, two Domains: no address is surely its own", C_TWO_DOMAINS,
        STRANGER, "alice", NULL, "", {ALICE}, REJ, O_AUTH, NULL,
        "login alice " NOTYOURS, ALICE},
    {"full login, two Domains: own address signs", C_TWO_DOMAINS, STRANGER,
        ALICE, NULL, "", {ALICE}, SIGN, O_AUTH, "b", "auth sender", ALICE},
    {"attack: bare login signs another's address", C_BASE, STRANGER, "alice",
        NULL, "", {VANTHU}, REJ, O_AUTH, NULL, "login alice " NOTYOURS, VANTHU},
    {"attack: OnUnauthorizedSender tempfail", C_UNAUTH_TEMPFAIL, STRANGER,
        "alice", NULL, "", {VANTHU}, TMP, O_AUTH, NULL, "login alice " NOTYOURS,
        VANTHU},
    {"attack: null sender, From of another agency", C_BASE, STRANGER,
        "alice@sonv.hagiang.gov.vn", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login alice@sonv.hagiang.gov.vn " NOTYOURS, VANTHU},
    {"attack: NULL envelope, From of another agency", C_BASE, STRANGER,
        "alice@sonv.hagiang.gov.vn", NULL, NULL, {VANTHU}, REJ, O_AUTH, NULL,
        "login alice@sonv.hagiang.gov.vn " NOTYOURS, VANTHU},
    {"null sender, own From signs", C_BASE, STRANGER, VANTHU, NULL, "",
        {VANTHU}, SIGN, O_AUTH, "a", "auth sender", VANTHU},
    {"upper-case login, own address", C_BASE, STRANGER,
        "VanThu@SOTTTT.hagiang.GOV.VN", NULL, "", {VANTHU}, SIGN, O_AUTH, "a",
        "auth sender", VANTHU},
    {"upper-case bare login, own address", C_BASE, STRANGER, "ALICE", NULL, "",
        {"ALICE@HAGIANG.GOV.VN"}, SIGN, O_AUTH, "b", "auth sender", ALICE},
    {"attack: upper-case login, another's address", C_BASE, STRANGER, "ALICE",
        NULL, "", {VANTHU}, REJ, O_AUTH, NULL, "login ALICE " NOTYOURS, VANTHU},
    {"attack: alice@other.domain claims alice@province", C_BASE, STRANGER,
        "alice@gmail.com", NULL, "", {ALICE}, REJ, O_AUTH, NULL,
        "login alice@gmail.com " NOTYOURS, ALICE},
    {"attack: alice@agency claims alice@province", C_BASE, STRANGER,
        "alice@sonv.hagiang.gov.vn", NULL, "", {ALICE}, REJ, O_AUTH, NULL,
        "login alice@sonv.hagiang.gov.vn " NOTYOURS, ALICE},
    {"attack: login's address only as display name", C_BASE, STRANGER, "alice",
        NULL, "", {"\"" ALICE "\" <" VANTHU ">"}, REJ, O_AUTH, NULL,
        "login alice " NOTYOURS, VANTHU},
    {"attack: login only as display name", C_BASE, STRANGER, "alice", NULL, "",
        {"alice <" VANTHU ">"}, REJ, O_AUTH, NULL, "login alice " NOTYOURS,
        VANTHU},
    {"attack: own address in a comment", C_BASE, STRANGER, "alice", NULL, "",
        {VANTHU " (" ALICE ")"}, REJ, O_AUTH, NULL, "login alice " NOTYOURS,
        VANTHU},
    {"attack: login is a prefix of the local part", C_BASE, STRANGER, "ali",
        NULL, "", {ALICE}, REJ, O_AUTH, NULL, "login ali " NOTYOURS, ALICE},
    {"attack: full login is a prefix of From", C_BASE, STRANGER,
        "vanthu@sotttt.hagiang.gov", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login vanthu@sotttt.hagiang.gov " NOTYOURS, VANTHU},
    {"attack: full login is a suffix of From", C_BASE, STRANGER,
        "thu@sotttt.hagiang.gov.vn", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login thu@sotttt.hagiang.gov.vn " NOTYOURS, VANTHU},
    {"attack: From is a prefix of the login", C_BASE, STRANGER,
        VANTHU ".evil.org", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login " VANTHU ".evil.org " NOTYOURS, VANTHU},
    {"attack: bare login is not login@subdomain", C_BASE, STRANGER, "vanthu",
        NULL, "", {VANTHU}, REJ, O_AUTH, NULL, "login vanthu " NOTYOURS,
        VANTHU},
    {"attack: login with a trailing space", C_BASE, STRANGER, VANTHU " ", NULL,
        "", {VANTHU}, REJ, O_AUTH, NULL, "login " VANTHU "  " NOTYOURS, VANTHU},
    {"attack: login of the domain alone", C_BASE, STRANGER,
        "@sotttt.hagiang.gov.vn", NULL, "", {VANTHU}, REJ, O_AUTH, NULL,
        "login @sotttt.hagiang.gov.vn " NOTYOURS, VANTHU},
    {"attack: login with two @", C_BASE, STRANGER, VANTHU "@x", NULL, "",
        {VANTHU}, REJ, O_AUTH, NULL, "login " VANTHU "@x " NOTYOURS, VANTHU},
    {"attack: a quote in the login cannot end the logged reason", C_BASE,
        STRANGER, "x\" why=\"forged\\", NULL, "", {ALICE}, REJ, O_AUTH, NULL,
        "login x? why=?forged? " NOTYOURS, ALICE},
    {"attack: a quote in the envelope cannot end the logged reason", C_BASE,
        NULL, VANTHU, NULL, "\"a\" why=\"x\"@evil.com", {VANTHU}, ACC, O_AUTH,
        NULL, "envelope sender ?a? why=?x?@evil.com does not match From",
        VANTHU},
    {"attack: control bytes in the login shown as ?", C_BASE, STRANGER,
        "alice\r\n", NULL, "", {ALICE}, REJ, O_AUTH, NULL,
        "login alice?? " NOTYOURS, ALICE},
};

static struct kyso_config *
load_cfg(enum cfgname which, const char *certs, const char *signing)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *text, name[32];

	text = g_strdup_printf("Socket unix:/run/kyso.sock\n"
	                       "Domain hagiang.gov.vn%s\n"
	                       "SubDomains yes\n"
	                       "InternalHosts 127.0.0.1, ::1, 10.0.0.0/8\n"
	                       "MTA ORIGINATING\n"
	                       "CertificateTable %s\n"
	                       "SigningTable %s\n"
	                       "%s%s%s%s",
	    which == C_TWO_DOMAINS ? ", sotttt.hagiang.gov.vn" : "", certs,
	    signing, cfg_extra[which],
	    which == C_LOGINS || which == C_LOGINS_ACCEPT ? "LoginTable " : "",
	    which == C_LOGINS || which == C_LOGINS_ACCEPT ? fx_path("logins")
	                                                  : "",
	    which == C_LOGINS || which == C_LOGINS_ACCEPT ? "\n" : "");
	(void)snprintf(name, sizeof(name), "k%d.conf", (int)which);
	cfg = kyso_config_load(fx_write(name, text), &err);
	g_free(text);
	if (cfg == NULL) {
		printf("Bail out! config %d: %s\n", (int)which, err.msg);
		exit(99);
	}
	return cfg;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

static void
run_case(struct kyso_config *const *cfgs, const struct dcase *c)
{
	struct kyso_header h[5];
	struct kyso_envelope env = {0};
	struct kyso_decision d;
	struct kyso_err err = {0};
	size_t n = 0, i;
	int rc, ok;

	h[n].name = (char *)(uintptr_t) "Subject";
	h[n++].value = (char *)(uintptr_t) "test";
	for (i = 0; i < 3 && c->from[i] != NULL; i++) {
		h[n].name = (char *)(uintptr_t)(i == 1 ? "FROM" : "From");
		h[n++].value = (char *)(uintptr_t)c->from[i];
	}
	h[n].name = (char *)(uintptr_t) "To";
	h[n++].value = (char *)(uintptr_t) "someone@example.org";
	env.queue_id = "4Fq2Xz";
	env.client_addr = c->client;
	env.auth_authen = c->auth;
	env.daemon_name = c->daemon;
	env.env_from = c->env_from;
	env.headers = h;
	env.nheaders = n;
	rc = kyso_policy_decide(cfgs[c->cfg], &env, &d, &err);
	ok = rc == 0 && d.action == c->action && d.origin == c->origin;
	ok = ok &&
	    (c->cert == NULL
	            ? d.cert_id == NULL && d.signer == NULL
	            : d.cert_id != NULL && strcmp(d.cert_id, c->cert) == 0 &&
	                d.signer == kyso_config_signer(cfgs[c->cfg], c->cert));
	ok = ok && strncmp(d.reason, c->reason, strlen(c->reason)) == 0 &&
	    printable(d.reason);
	ok = ok && strcmp(d.from_addr, c->addr ? c->addr : "") == 0;
	CHECK(ok, "%s: %s/%s cert=%s from=%s reason=\"%s\"", c->name,
	    kyso_action_name(d.action), kyso_origin_name(d.origin),
	    d.cert_id ? d.cert_id : "-", d.from_addr, d.reason);
}

/* The evidence for the origin, for the per-message log line. */
struct detailcase {
	const char *name;
	enum cfgname cfg;
	const char *client, *auth, *daemon, *from;
	const char *want; /* the whole origin_detail */
};

static const struct detailcase details[] = {
    {"auth, own address", C_BASE, STRANGER, VANTHU, "smtpd", VANTHU,
        "login=<" VANTHU "> grant=own-address"},
    {"auth, LoginTable", C_LOGINS, STRANGER, "user2", NULL, VANTHU,
        "login=<user2> grant=LoginTable"},
    {"auth, refused", C_BASE, "2001:db8::7", "alice", NULL, VANTHU,
        "login=<alice> grant=none"},
    {"auth, local submission", C_BASE, NULL, VANTHU, NULL, VANTHU,
        "login=<" VANTHU "> grant=own-address"},
    {"auth, login cannot fake log words", C_BASE, STRANGER, "a> why=\"x\" <b",
        NULL, VANTHU,
        "login=<a?"
        "?why?"
        "?x?"
        "?"
        "?b> "
        "grant=none"},
    {"internal, network entry", C_BASE, "10.20.30.40", NULL, "smtpd", VANTHU,
        "matched=\"InternalHosts 10.0.0.0/8\""},
    {"internal, loopback entry", C_BASE, "127.0.0.1", NULL, NULL, VANTHU,
        "matched=\"InternalHosts 127.0.0.1/32\""},
    {"internal, v4-mapped client", C_BASE, "::ffff:10.0.0.5", NULL, NULL,
        VANTHU, "matched=\"InternalHosts 10.0.0.0/8\""},
    {"internal, IPv6 loopback", C_BASE, "::1", NULL, NULL, VANTHU,
        "matched=\"InternalHosts ::1/128\""},
    {"mta", C_BASE, STRANGER, NULL, "ORIGINATING", VANTHU,
        "daemon=ORIGINATING"},
    {"local", C_BASE, NULL, NULL, NULL, VANTHU, ""},
    {"external", C_BASE, STRANGER, NULL, "smtpd", VANTHU, ""},
};

static void
check_details(struct kyso_config *const *cfgs)
{
	struct kyso_header h = {(char *)(uintptr_t) "From", NULL};
	struct kyso_envelope env = {0};
	struct kyso_decision d;
	struct kyso_err err = {0};
	size_t i;

	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		const struct detailcase *c = &details[i];

		h.value = (char *)(uintptr_t)c->from;
		env.client_addr = c->client;
		env.auth_authen = c->auth;
		env.daemon_name = c->daemon;
		env.env_from = "";
		env.headers = &h;
		env.nheaders = 1;
		CHECK(kyso_policy_decide(cfgs[c->cfg], &env, &d, &err) == 0 &&
		        strcmp(d.origin_detail, c->want) == 0 &&
		        printable(d.origin_detail),
		    "origin detail: %s: \"%s\"", c->name, d.origin_detail);
	}
}

static void
check_names(void)
{
	CHECK(strcmp(kyso_action_name(KYSO_ACTION_ACCEPT), "accept") == 0 &&
	        strcmp(kyso_action_name(KYSO_ACTION_SIGN), "sign") == 0 &&
	        strcmp(kyso_action_name(KYSO_ACTION_VERIFY), "verify") == 0 &&
	        strcmp(kyso_action_name(KYSO_ACTION_TEMPFAIL), "tempfail") ==
	            0 &&
	        strcmp(kyso_action_name(KYSO_ACTION_REJECT), "reject") == 0 &&
	        strcmp(kyso_action_name((enum kyso_action)99), "unknown") == 0,
	    "action names");
	CHECK(strcmp(kyso_origin_name(KYSO_ORIGIN_EXTERNAL), "external") == 0 &&
	        strcmp(kyso_origin_name(KYSO_ORIGIN_AUTH), "auth") == 0 &&
	        strcmp(kyso_origin_name(KYSO_ORIGIN_MTA), "mta") == 0 &&
	        strcmp(kyso_origin_name(KYSO_ORIGIN_INTERNAL), "internal") ==
	            0 &&
	        strcmp(kyso_origin_name(KYSO_ORIGIN_LOCAL), "local") == 0 &&
	        strcmp(kyso_origin_name((enum kyso_origin)99), "unknown") == 0,
	    "origin names");
}

static void
check_from_address(void)
{
	struct kyso_header h = {(char *)(uintptr_t) "from",
	    (char *)(uintptr_t) "Van Thu <VANTHU@sotttt.hagiang.gov.vn>"};
	struct kyso_err err = {0};
	char out[64], tiny[8] = "junk";

	CHECK(kyso_policy_from_address(&h, 1, out, sizeof(out), &err) == 0 &&
	        strcmp(out, VANTHU) == 0,
	    "from_address: lower-cased addr-spec, field name any case");
	CHECK(kyso_policy_from_address(&h, 1, tiny, sizeof(tiny), &err) == -1 &&
	        err.cls == KYSO_E_INPUT && tiny[0] == '\0',
	    "from_address: short buffer is refused, left empty: %s", err.msg);
	CHECK(kyso_policy_from_address(&h, 0, out, sizeof(out), &err) == -1 &&
	        err.cls == KYSO_E_INPUT && out[0] == '\0',
	    "from_address: no headers: %s", err.msg);
}

int
main(void)
{
	struct kyso_config *cfgs[C_COUNT];
	char *text;
	const char *certs, *signing;
	size_t i;

	kyso_mime_init();
	fx_init();
	fx_keys();
	text = g_strdup_printf("a cert=%s/a.crt key=%s/a.key\n"
	                       "b cert=%s/b.crt key=%s/b.key\n",
	    fx_dir, fx_dir, fx_dir, fx_dir);
	/* fx_write's path is a rotating buffer: keep our own copies */
	certs = g_strdup(fx_write("certs", text));
	g_free(text);
	signing = g_strdup(fx_write("signing",
	    VANTHU "  a\n" ALICE "  b\n"
	           "*@sotttt.hagiang.gov.vn  b\n"));
	fx_write("logins",
	    "# login  pattern\n"
	    "vanthu  " VANTHU "\n"
	    "user1   *@sonv.hagiang.gov.vn\n"
	    "user2   *@*.hagiang.gov.vn\n");
	for (i = 0; i < C_COUNT; i++)
		cfgs[i] = load_cfg((enum cfgname)i, certs, signing);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(cfgs, &cases[i]);
	check_details(cfgs);
	check_names();
	check_from_address();
	{
		/* a broken LoginTable line is a configuration error with
		 * file:line, like every table */
		struct kyso_err err = {0};
		char *conf = g_strdup_printf(
		    "Socket unix:/run/kyso.sock\nDomain hagiang.gov.vn\n"
		    "CertificateTable %s\nSigningTable %s\nLoginTable %s\n",
		    certs, signing,
		    fx_write("logins2", "ok *@hagiang.gov.vn\nbad x@*\n"));
		struct kyso_config *bad =
		    kyso_config_load(fx_write("kbad.conf", conf), &err);

		CHECK(bad == NULL && strstr(err.msg, "logins2:2: bad pattern"),
		    "bad LoginTable line is a file:line error: %s", err.msg);
		kyso_config_unref(bad);
		g_free(conf);
	}
	for (i = 0; i < C_COUNT; i++)
		kyso_config_unref(cfgs[i]);
	g_free((char *)certs);
	g_free((char *)signing);
	kyso_mime_shutdown();
	return TEST_DONE();
}
