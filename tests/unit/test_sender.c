/*
 * test_sender.c - kyso_policy_from_address() on single From values:
 * legitimate ones (Vietnamese display names raw and RFC 2047 encoded,
 * quoted strings holding specials, comments anywhere, folding, obsolete
 * dotted names, IDN A-labels, address literals) give the lower-cased
 * addr-spec as written;
 * hostile or broken ones (several addresses, groups, routes, trailing junk,
 * unterminated quotes, comments and angles, the inputs that made GMime
 * 3.2.13's address parser leak) are refused as KYSO_E_INPUT with an empty
 * result. Run under the sanitizer build, the hostile cases are also the
 * leak regression tests.
 */
#include <stdint.h>
#include <string.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "harness.h"

#define VANTHU "vanthu@sotttt.hagiang.gov.vn"

#define NOT_SINGLE "From is not a single address"
#define NOT_ONE    "From must hold exactly one mailbox"
#define MALFORMED  "From address is malformed"

struct scase {
	const char *name;
	const char *value;
	const char *addr; /* wanted address, or NULL when refused */
	const char *why;  /* wanted error message when refused */
};

static const struct scase legit[] = {
    {"bare addr-spec", VANTHU, VANTHU, NULL},
    {"upper case", "VanThu@SoTTTT.HaGiang.GOV.VN", VANTHU, NULL},
    {"angle only", "<" VANTHU ">", VANTHU, NULL},
    {"angle, white space inside", "< " VANTHU " >", VANTHU, NULL},
    {"plain display name", "Van Thu <" VANTHU ">", VANTHU, NULL},
    {"quoted UTF-8 display name",
        "\"V\xc4\x83n th\xc6\xb0 S\xe1\xbb\x9f TT&TT\" <" VANTHU ">", VANTHU,
        NULL},
    {"unquoted UTF-8 display name",
        "V\xc4\x83n th\xc6\xb0 S\xe1\xbb\x9f TT&TT <" VANTHU ">", VANTHU, NULL},
    {"RFC 2047 B display name", "=?utf-8?b?VsSDbiB0aMawIA==?= <" VANTHU ">",
        VANTHU, NULL},
    {"RFC 2047 Q display name",
        "=?UTF-8?Q?V=C4=83n_th=C6=B0?= =?UTF-8?Q?_S=E1=BB=9F?= <" VANTHU ">",
        VANTHU, NULL},
    {"quoted name with comma",
        "\"S\xe1\xbb\x9f TTTT, H\xc3\xa0 Giang\" <" VANTHU ">", VANTHU, NULL},
    {"quoted name with specials",
        "\"Van Thu (office) <old@x.example>, @; :\" <" VANTHU ">", VANTHU,
        NULL},
    {"quoted name with escaped quote", "\"Van \\\"Thu\\\" \\\\\" <" VANTHU ">",
        VANTHU, NULL},
    {"quoted name with parenthesis and comma", "\"Van thu (\" <" VANTHU ">",
        VANTHU, NULL},
    {"dotted unquoted name", "Nguyen V. A. <" VANTHU ">", VANTHU, NULL},
    {"comment after", VANTHU " (Van Thu)", VANTHU, NULL},
    {"comment before", "(Van Thu) " VANTHU, VANTHU, NULL},
    {"comment with specials", VANTHU " (sent @ office, <a@b>; x:y)", VANTHU,
        NULL},
    {"nested comment with quoted pair", VANTHU " (a (b \\) c) d)", VANTHU,
        NULL},
    {"comments around name-addr", "(x) \"Van Thu\" (y) <" VANTHU "> (z)",
        VANTHU, NULL},
    {"comments inside addr-spec", "vanthu(a)@(b)sotttt.hagiang.gov.vn", VANTHU,
        NULL},
    {"LF folded", "Van Thu\n\t<" VANTHU ">", VANTHU, NULL},
    {"CRLF folded", "\"V\xc4\x83n th\xc6\xb0\"\r\n <" VANTHU ">\r\n", VANTHU,
        NULL},
    {"dotted local part", "van.thu.so@hagiang.gov.vn",
        "van.thu.so@hagiang.gov.vn", NULL},
    {"atext local part", "a+b_c-d'e@hagiang.gov.vn", "a+b_c-d'e@hagiang.gov.vn",
        NULL},
    {"address literal", "a@[192.0.2.1]", "a@[192.0.2.1]", NULL},
    {"IPv6 address literal", "a@[IPv6:2001:db8::1]", "a@[ipv6:2001:db8::1]",
        NULL},
    /* A-labels stay A-labels: the form of the envelope sender and of a
     * certificate's rfc822Name */
    {"IDN domain", "a@xn--hagiang-9za.gov.vn", "a@xn--hagiang-9za.gov.vn",
        NULL},
    {"IDN label that is no punycode", "a@xn--hagiang.gov.vn",
        "a@xn--hagiang.gov.vn", NULL},
};

static const struct scase hostile[] = {
    /* several addresses, groups, routes */
    {"two mailboxes", VANTHU ", x@evil.example", NULL, NOT_SINGLE},
    {"two angle addresses", "\"E\" <x@evil.example> <" VANTHU ">", NULL,
        NOT_SINGLE},
    {"address as name", "x@evil.example <" VANTHU ">", NULL, NOT_SINGLE},
    {"two @", VANTHU "@evil.example", NULL, NOT_SINGLE},
    {"semicolon", VANTHU ";x@evil.example", NULL, NOT_SINGLE},
    {"group", "g: " VANTHU ";", NULL, NOT_SINGLE},
    {"empty group", "undisclosed-recipients:;", NULL, NOT_SINGLE},
    {"route", "<@relay.example:" VANTHU ">", NULL, NOT_SINGLE},
    {"no address", "Van Thu", NULL, NOT_SINGLE},
    {"empty", "", NULL, NOT_SINGLE},
    {"only a comment with @", "(" VANTHU ")", NULL, NOT_SINGLE},
    {"unquoted comma in name", "Nguyen, Van <" VANTHU ">", NULL, NOT_SINGLE},
    /* one '@', but not one mailbox */
    {"trailing word", VANTHU " evil", NULL, NOT_ONE},
    {"space in domain", "a@hagiang gov.vn", NULL, NOT_ONE},
    {"space in local part", "van thu@hagiang.gov.vn", NULL, NOT_ONE},
    {"trailing dot", VANTHU ".", NULL, NOT_ONE},
    {"empty domain label", "a@hagiang..gov.vn", NULL, NOT_ONE},
    {"leading dot in domain", "a@.hagiang.gov.vn", NULL, NOT_ONE},
    {"unclosed angle", "<" VANTHU, NULL, NOT_ONE},
    {"stray >", VANTHU ">", NULL, NOT_ONE},
    {"stray > inside domain", "a@hagiang.gov>vn", NULL, NOT_ONE},
    {"angle after addr-spec", VANTHU " <V>", NULL, NOT_ONE},
    {"unterminated comment", VANTHU " (x", NULL, NOT_ONE},
    {"stray )", VANTHU " x)", NULL, NOT_ONE},
    {"unterminated quote", "\"Van Thu <" VANTHU ">", NULL, NOT_ONE},
    {"backslash outside quotes", "Van\\ Thu <" VANTHU ">", NULL, NOT_ONE},
    {"junk after angle", "<" VANTHU "> x", NULL, NOT_ONE},
    {"text in address literal", "a@[192.0.2.1;x]", NULL, NOT_ONE},
    {"unterminated address literal", "a@[192.0.2.1", NULL, NOT_ONE},
    {"control octet", "a@hagiang.gov.vn\x7f", NULL, NOT_ONE},
    {"invalid UTF-8 local part", "\xc3(@hagiang.gov.vn", NULL, NOT_ONE},
    /* addr-specs the parser takes, but no signer may claim */
    {"quoted local part with @", "\"vanthu@sotttt\"@hagiang.gov.vn", NULL,
        MALFORMED},
    {"quoted local part with space", "\"a b\"@hagiang.gov.vn", NULL, MALFORMED},
    /* what made GMime 3.2.13 leak (tests/fuzz/corpus/fuzz_from/regress-*):
     * its list parser resumes after an error at the next ',', even one
     * inside a quoted string */
    {"leak: comma in a quoted string after a stray )",
        "\"Van thu (\"Van thu *D)\" <tht@osthag,ang.gov>D)\" "
        "<tht@osthagiang.gov>",
        NULL, NOT_ONE},
    {"leak: comma in a comment after a stray )",
        "x) (<a@b,c>d) <tht@osthagiang.gov>", NULL, NOT_ONE},
    {"leak: addr-spec then stray <", "\"a b\"@h=?utf-8?b?VsagSDb= <V", NULL,
        NOT_ONE},
    {"leak: comma in the domain", "Van\n\thu <a@h,\nATh\t\n>", NULL,
        NOT_SINGLE},
};

/* one case: the result, err.cls, err.msg and the emptied output */
static void
run(const struct scase *c)
{
	struct kyso_header h = {(char *)(uintptr_t) "From",
	    (char *)(uintptr_t)c->value};
	struct kyso_err err = {0};
	char out[KYSO_MAX_ADDRESS + 1] = "junk";
	int rc;

	rc = kyso_policy_from_address(&h, 1, out, sizeof(out), &err);
	if (c->addr != NULL)
		CHECK(rc == 0 && strcmp(out, c->addr) == 0, "%s: got %s (%s)",
		    c->name, rc == 0 ? out : "refused", rc == 0 ? "" : err.msg);
	else
		CHECK(rc == -1 && err.cls == KYSO_E_INPUT && out[0] == '\0' &&
		        strcmp(err.msg, c->why) == 0,
		    "%s: refused: %s", c->name, rc == 0 ? out : err.msg);
}

int
main(void)
{
	size_t i;

	kyso_mime_init();
	for (i = 0; i < sizeof(legit) / sizeof(legit[0]); i++)
		run(&legit[i]);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		run(&hostile[i]);
	return TEST_DONE();
}
