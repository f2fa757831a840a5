/*
 * test_journal.c - the KJ2 journal line (and KJ1 still read): escapes and the
 * round trip through the parser with hostile field contents (TAB, LF, CR,
 * control bytes, invalid UTF-8, bidi overrides, very long values), what the
 * parser refuses, the file (mode, symbolic links, JournalSync) and four threads
 * appending at once without one interleaved line.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/journal.h"
#include "kyso/policy/verdict.h"
#include "harness.h"
#include "policy_fixture.h"

static void
set(char *dst, size_t len, const char *src)
{
	(void)g_strlcpy(dst, src, len);
}

static void
sample(struct kyso_journal_record *r)
{
	memset(r, 0, sizeof(*r));
	r->time = 1772705472; /* 2026-03-05T10:11:12Z */
	set(r->queue_id, sizeof(r->queue_id), "4Fq2Xz1234");
	r->dir = KYSO_JOURNAL_OUT;
	set(r->origin, sizeof(r->origin), "auth");
	set(r->from, sizeof(r->from), "vanthu@sotttt.hagiang.gov.vn");
	set(r->cert_id, sizeof(r->cert_id), "sotttt");
	set(r->serial, sizeof(r->serial), "0A1B2C");
	set(r->issuer, sizeof(r->issuer),
	    "CN=CA ph\xe1\xbb\xa5\x63 v\xe1\xbb\xa5 (th\xe1\xbb\xad "
	    "nghi\xe1\xbb\x87m),O=Ban C\xc6\xa1 y\xe1\xba\xbfu,C=VN");
	set(r->result, sizeof(r->result), "signed");
	set(r->reason, sizeof(r->reason), "auth sender, certificate sotttt");
	set(r->login, sizeof(r->login), "vanthu@sotttt.hagiang.gov.vn");
	set(r->client, sizeof(r->client), "2001:db8::25");
	set(r->host, sizeof(r->host), "mx1.hagiang.gov.vn");
	set(r->id, sizeof(r->id), "1772705000-4242-17");
	r->signers = 2;
	set(r->kinds, sizeof(r->kinds), "personal,agency");
}

static int
same(const struct kyso_journal_record *a, const struct kyso_journal_record *b)
{
	return a->time == b->time && a->dir == b->dir &&
	    strcmp(a->queue_id, b->queue_id) == 0 &&
	    strcmp(a->origin, b->origin) == 0 &&
	    strcmp(a->from, b->from) == 0 &&
	    strcmp(a->cert_id, b->cert_id) == 0 &&
	    strcmp(a->serial, b->serial) == 0 &&
	    strcmp(a->issuer, b->issuer) == 0 &&
	    strcmp(a->result, b->result) == 0 &&
	    strcmp(a->reason, b->reason) == 0 &&
	    strcmp(a->login, b->login) == 0 &&
	    strcmp(a->client, b->client) == 0 &&
	    strcmp(a->host, b->host) == 0 && strcmp(a->id, b->id) == 0 &&
	    a->signers == b->signers && strcmp(a->kinds, b->kinds) == 0;
}

/* A line as the format promises: version first, sixteen TABs, one LF at the
 * end, no other control byte, valid UTF-8, under the size ceiling. */
static int
well_formed(const char *line, size_t len)
{
	size_t i, tabs = 0;

	if (len == 0 || len > KYSO_JOURNAL_MAX_LINE || line[len - 1] != '\n' ||
	    strncmp(line, "KJ2\t", 4) != 0 ||
	    !g_utf8_validate(line, (gssize)len, NULL))
		return 0;
	for (i = 0; i + 1 < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\t')
			tabs++;
		else if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return tabs == 16;
}

/* Only safe characters left: no C1, bidi or line separator code point. */
static int
no_unsafe_chars(const char *line)
{
	const char *p;

	for (p = line; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c != '\t' && c != '\n' &&
		    (g_unichar_iscntrl(c) ||
		        g_unichar_type(c) == G_UNICODE_FORMAT || c == 0x2028 ||
		        c == 0x2029))
			return 0;
	}
	return 1;
}

struct hostile {
	const char *name;
	const char *value;
	const char *escaped; /* expected escaped text, or NULL */
};

static const struct hostile hostiles[] = {
    {"TAB", "a\tb", "a\\tb"},
    {"LF and CR", "line1\r\nline2\n", "line1\\r\\nline2\\n"},
    {"backslash", "C:\\dir\\x41", "C:\\\\dir\\\\x41"},
    {"ESC and DEL", "\x1b[31mred\x7f", "\\x1B[31mred\\x7F"},
    {"low controls", "\x01\x02\x1f", "\\x01\\x02\\x1F"},
    {"empty", "", "-"},
    {"a lone hyphen", "-", "\\-"},
    {"hyphens", "--", "--"},
    {"Vietnamese kept", "H\xc3\xa0 Giang \xc4\x91\xe1\xbb\x93ng \xc3\xbd",
        "H\xc3\xa0 Giang \xc4\x91\xe1\xbb\x93ng \xc3\xbd"},
    {"invalid byte",
        "a\xff"
        "b",
        "a\\xFFb"},
    {"cut UTF-8 at the end", "ab\xc3", "ab\\xC3"},
    {"overlong slash", "\xc0\xaf", "\\xC0\\xAF"},
    {"UTF-16 surrogate", "\xed\xa0\x80", "\\xED\\xA0\\x80"},
    {"C1 NEL",
        "a\xc2\x85"
        "b",
        "a\\xC2\\x85b"},
    {"bidi override",
        "abc\xe2\x80\xae"
        "fdp.exe",
        "abc\\xE2\\x80\\xAEfdp.exe"},
    {"line separator",
        "a\xe2\x80\xa8"
        "b",
        "a\\xE2\\x80\\xA8b"},
    {"4-byte UTF-8 kept", "\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7"},
};

static void
test_escapes(void)
{
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		(void)kyso_journal_escape(hostiles[i].value, buf, 200);
		CHECK(strcmp(buf, hostiles[i].escaped) == 0,
		    "escape: %s (got \"%s\")", hostiles[i].name, buf);
	}
	/* cut at a character boundary, never inside \xHH or UTF-8 */
	(void)kyso_journal_escape("ab\x01", buf, 5);
	CHECK(strcmp(buf, "ab") == 0,
	    "escape: \\x01 that does not fit is "
	    "left out whole");
	(void)kyso_journal_escape("a\xe1\xbb\x87", buf, 3);
	CHECK(strcmp(buf, "a") == 0,
	    "escape: a 3-byte character that does "
	    "not fit is left out whole");
}

/* Put one hostile value into every string field but origin (16 bytes,
 * too short for some escaped values; cut values are tested below). */
static void
test_round_trip(void)
{
	struct kyso_journal_record r, back;
	struct kyso_err err = {0};
	char line[KYSO_JOURNAL_MAX_LINE + 1];
	size_t i, len;
	int ok;

	sample(&r);
	len = kyso_journal_format(&r, line);
	CHECK(strncmp(line,
	          "KJ2\t2026-03-05T10:11:12Z\t4Fq2Xz1234\tout\tauth\t",
	          44) == 0,
	    "format: version, UTC time, queue id, direction, origin");
	CHECK(strstr(line, "CN=CA ph\xe1\xbb\xa5\x63 v\xe1\xbb\xa5") != NULL,
	    "format: UTF-8 of the issuer kept as is");
	CHECK(well_formed(line, len), "format: well-formed line");
	CHECK(g_str_has_suffix(line,
	          "\t2001:db8::25\tmx1.hagiang.gov.vn\t"
	          "1772705000-4242-17\t2\tpersonal,agency\n"),
	    "format: KJ2 ends with host, record id, signers and kinds: %s",
	    line);
	ok = kyso_journal_parse(line, len, &back, &err) == 0 && same(&r, &back);
	CHECK(ok, "round trip: sample record (%s)", err.msg);

	for (i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		sample(&r);
		r.dir = i % 2 ? KYSO_JOURNAL_IN : KYSO_JOURNAL_OUT;
		set(r.queue_id, sizeof(r.queue_id), hostiles[i].value);
		set(r.from, sizeof(r.from), hostiles[i].value);
		set(r.cert_id, sizeof(r.cert_id), hostiles[i].value);
		set(r.serial, sizeof(r.serial), hostiles[i].value);
		set(r.issuer, sizeof(r.issuer), hostiles[i].value);
		set(r.result, sizeof(r.result), hostiles[i].value);
		set(r.reason, sizeof(r.reason), hostiles[i].value);
		set(r.login, sizeof(r.login), hostiles[i].value);
		set(r.client, sizeof(r.client), hostiles[i].value);
		set(r.host, sizeof(r.host), hostiles[i].value);
		set(r.id, sizeof(r.id), hostiles[i].value);
		set(r.kinds, sizeof(r.kinds), hostiles[i].value);
		len = kyso_journal_format(&r, line);
		CHECK(well_formed(line, len) && no_unsafe_chars(line),
		    "hostile %s: one clean line", hostiles[i].name);
		memset(&err, 0, sizeof(err));
		ok = kyso_journal_parse(line, len, &back, &err) == 0 &&
		    same(&r, &back);
		CHECK(ok, "hostile %s: parses back to the same record%s%s",
		    hostiles[i].name, err.msg[0] ? ": " : "", err.msg);
	}
}

/* Every field at its worst: long values of bytes that escape to four. */
static void
test_long_values(void)
{
	struct kyso_journal_record r, back;
	struct kyso_err err = {0};
	char line[KYSO_JOURNAL_MAX_LINE + 1];
	char *ctl = g_strnfill(5000, '\x01');
	GString *viet = g_string_new(NULL);
	size_t len;
	int i;

	memset(&r, 0, sizeof(r));
	r.time = 0;
	set(r.queue_id, sizeof(r.queue_id), ctl);
	set(r.origin, sizeof(r.origin), ctl);
	set(r.from, sizeof(r.from), ctl);
	set(r.cert_id, sizeof(r.cert_id), ctl);
	set(r.serial, sizeof(r.serial), ctl);
	set(r.issuer, sizeof(r.issuer), ctl);
	set(r.result, sizeof(r.result), ctl);
	set(r.reason, sizeof(r.reason), ctl);
	set(r.login, sizeof(r.login), ctl);
	set(r.client, sizeof(r.client), ctl);
	set(r.host, sizeof(r.host), ctl);
	set(r.id, sizeof(r.id), ctl);
	set(r.kinds, sizeof(r.kinds), ctl);
	r.signers = 4294967295u;
	len = kyso_journal_format(&r, line);
	CHECK(well_formed(line, len), "worst case: %zu bytes, under %d", len,
	    KYSO_JOURNAL_MAX_LINE);
	CHECK(kyso_journal_parse(line, len, &back, &err) == 0,
	    "worst case parses (%s)", err.msg);
	CHECK(back.signers == KYSO_JOURNAL_MAX_SIGNERS,
	    "worst case: signers written as at most %d (%u)",
	    KYSO_JOURNAL_MAX_SIGNERS, back.signers);
	CHECK(strlen(back.reason) == KYSO_JOURNAL_MAX_REASON / 4 &&
	        strspn(back.reason, "\x01") == strlen(back.reason),
	    "worst case: reason cut to %d whole escapes",
	    KYSO_JOURNAL_MAX_REASON / 4);
	CHECK(strlen(back.from) == KYSO_JOURNAL_MAX_FROM / 4,
	    "worst case: from cut to %d whole escapes",
	    KYSO_JOURNAL_MAX_FROM / 4);
	CHECK(strlen(back.login) == KYSO_JOURNAL_MAX_LOGIN / 4 &&
	        strlen(back.client) == KYSO_JOURNAL_MAX_CLIENT / 4,
	    "worst case: login and client cut to %d and %d whole escapes",
	    KYSO_JOURNAL_MAX_LOGIN / 4, KYSO_JOURNAL_MAX_CLIENT / 4);

	/* long Vietnamese text: cut between characters, still valid UTF-8 */
	for (i = 0; i < 800; i++)
		g_string_append(viet, "\xe1\xba\xad"); /* U+1EAD */
	sample(&r);
	set(r.issuer, sizeof(r.issuer), viet->str);
	set(r.reason, sizeof(r.reason), viet->str);
	len = kyso_journal_format(&r, line);
	memset(&err, 0, sizeof(err));
	CHECK(well_formed(line, len) &&
	        kyso_journal_parse(line, len, &back, &err) == 0 &&
	        strlen(back.reason) == KYSO_JOURNAL_MAX_REASON / 3 * 3 &&
	        strncmp(back.reason, viet->str, strlen(back.reason)) == 0 &&
	        g_utf8_validate(back.issuer, -1, NULL),
	    "long UTF-8: cut at a character boundary (%zu bytes kept)",
	    strlen(back.reason));
	g_string_free(viet, TRUE);
	g_free(ctl);
}

struct bad {
	const char *name;
	const char *line;
};

#define GOOD_TAIL "\tq\tout\tauth\ta@b\tid\t0A\tCN=x\tsigned\tok\n"
static const struct bad bads[] = {
    {"other version", "KJ3\t2026-03-05T10:11:12Z" GOOD_TAIL},
    {"KJ2 with KJ1's eleven fields", "KJ2\t2026-03-05T10:11:12Z" GOOD_TAIL},
    {"KJ2 with KJ1's thirteen fields",
        "KJ2\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tan\t198.51.100.7\n"},
    {"KJ1 with KJ2's seventeen fields",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tan\t198.51.100.7\th\t1-2-3\t1\tagency\n"},
    {"KJ2 signers not a number",
        "KJ2\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tan\t198.51.100.7\th\t1-2-3\t-1\tagency\n"},
    {"KJ2 signers too large",
        "KJ2\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tan\t198.51.100.7\th\t1-2-3\t12345\tagency\n"},
    {"KJ2 eighteen fields",
        "KJ2\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tan\t198.51.100.7\th\t1-2-3\t1\tagency\tx\n"},
    {"no version", "2026-03-05T10:11:12Z" GOOD_TAIL},
    {"ten fields",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\n"},
    {"twelve fields",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tlogin\n"},
    {"fourteen fields",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\tlogin\t192.0.2.1\tmore\n"},
    {"LF inside the last field",
        "KJ1\t2026-03-05T10:11:12Z" GOOD_TAIL "\tmore"},
    {"login too long",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\t"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "X\t192.0.2.1\n"},
    {"bad time", "KJ1\t2026-3-05T10:11:12Z" GOOD_TAIL},
    {"30 February", "KJ1\t2026-02-30T10:11:12Z" GOOD_TAIL},
    {"hour 24", "KJ1\t2026-03-05T24:11:12Z" GOOD_TAIL},
    {"local time", "KJ1\t2026-03-05T10:11:12+07" GOOD_TAIL},
    {"bad direction",
        "KJ1\t2026-03-05T10:11:12Z\tq\tup\tauth\ta@b\tid\t0A\t"
        "CN=x\tsigned\tok\n"},
    {"unknown escape",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta\\q\tid\t"
        "0A\tCN=x\tsigned\tok\n"},
    {"NUL escape",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta\\x00\tid\t"
        "0A\tCN=x\tsigned\tok\n"},
    {"short hex escape",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta\\x4\t"
        "id\t0A\tCN=x\tsigned\tok\n"},
    {"raw control",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta\x1b"
        "b\tid\t0A\tCN=x\tsigned\tok\n"},
    {"backslash at the end",
        "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\t"
        "id\t0A\tCN=x\tsigned\tok\\\n"},
    {"field too long",
        "KJ1\t2026-03-05T10:11:12Z\t"
        "0123456789012345678901234567890123456789012345678901"
        "23456789012345\tout\tauth\ta@b\tid\t0A\tCN=x\tsigned\t"
        "ok\n"},
    {"empty line", "\n"},
};

static void
test_parse_refuses(void)
{
	struct kyso_journal_record r;
	struct kyso_err err = {0};
	const char *good = "KJ1\t2026-03-05T10:11:12Z" GOOD_TAIL;
	const char *good13 = "KJ1\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\t"
	                     "id\t0A\tCN=x\tsigned\tok\tan\t198.51.100.7\n";
	const char *empty13 = "KJ1\t2026-03-05T10:11:12Z\tq\tout\tlocal\ta@b\t"
	                      "id\t0A\tCN=x\tsigned\tok\t-\t-\n";
	const char *good17 =
	    "KJ2\t2026-03-05T10:11:12Z\tq\tout\tauth\ta@b\tid\t0A\tCN=x\t"
	    "sealed\tok\tan\t198.51.100.7\tmx1\t1772705000-77-3\t2\t"
	    "personal,agency\n";
	const char *empty17 =
	    "KJ2\t2026-03-05T10:11:12Z\tq\tout\tlocal\ta@b\tid\t0A\tCN=x\t"
	    "unsigned\tok\t-\t-\t-\t1772705000-77-4\t0\t-\n";
	char *crlf;
	size_t i;

	CHECK(kyso_journal_parse(good, strlen(good), &r, &err) == 0 &&
	        strcmp(r.reason, "ok") == 0 && r.dir == KYSO_JOURNAL_OUT &&
	        r.login[0] == '\0' && r.client[0] == '\0',
	    "parse: an old line of eleven fields (no login, no client)");
	CHECK(kyso_journal_parse(good13, strlen(good13), &r, &err) == 0 &&
	        strcmp(r.reason, "ok") == 0 && strcmp(r.login, "an") == 0 &&
	        strcmp(r.client, "198.51.100.7") == 0,
	    "parse: login and client, fields 12 and 13 (%s)", err.msg);
	CHECK(kyso_journal_parse(empty13, strlen(empty13), &r, &err) == 0 &&
	        r.login[0] == '\0' && r.client[0] == '\0',
	    "parse: no login, local submission (%s)", err.msg);
	CHECK(kyso_journal_parse(good13, strlen(good13), &r, &err) == 0 &&
	        r.host[0] == '\0' && r.id[0] == '\0' && r.signers == 0 &&
	        r.kinds[0] == '\0',
	    "parse: a KJ1 line has no host, record id, signers or kinds");
	CHECK(kyso_journal_parse(good17, strlen(good17), &r, &err) == 0 &&
	        strcmp(r.client, "198.51.100.7") == 0 &&
	        strcmp(r.host, "mx1") == 0 &&
	        strcmp(r.id, "1772705000-77-3") == 0 && r.signers == 2 &&
	        strcmp(r.kinds, "personal,agency") == 0,
	    "parse: KJ2 host, record id, signers and kinds (%s)", err.msg);
	CHECK(kyso_journal_parse(empty17, strlen(empty17), &r, &err) == 0 &&
	        r.signers == 0 && r.kinds[0] == '\0' && r.host[0] == '\0',
	    "parse: KJ2 unsigned, no host (%s)", err.msg);
	crlf = g_strdup_printf("KJ1\t2026-03-05T10:11:12Z\tq\tin\t-\t-\t-\t-\t-"
	                       "\tpass\t\\-\r\n");
	CHECK(kyso_journal_parse(crlf, strlen(crlf), &r, &err) == 0 &&
	        r.dir == KYSO_JOURNAL_IN && r.origin[0] == '\0' &&
	        strcmp(r.reason, "-") == 0,
	    "parse: CRLF ending, \"-\" empty and \"\\-\" a hyphen");
	g_free(crlf);
	CHECK(kyso_journal_parse(good, strlen(good) - 1, &r, &err) == 0,
	    "parse: last line without LF");
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK(kyso_journal_parse(bads[i].line, strlen(bads[i].line), &r,
		          &err) < 0 &&
		        err.cls == KYSO_E_INPUT,
		    "parse refuses: %s (%s)", bads[i].name, err.msg);
	}
}

/* The record of a processed message carries the SASL login and the
 * client address of its envelope: process.c takes them into the facts,
 * the record encodes the facts. */
static void
test_record_fill(void)
{
	struct kyso_journal_record rec;
	struct kyso_outcome o;
	char line[KYSO_JOURNAL_MAX_LINE + 1];

	memset(&o, 0, sizeof(o));
	o.facts.cls = KYSO_OC_SIGNED;
	o.facts.origin = KYSO_ORIGIN_AUTH;
	set(o.facts.from, sizeof(o.facts.from), "an@sotttt.hagiang.gov.vn");
	set(o.facts.queue_id, sizeof(o.facts.queue_id), "Q1");
	set(o.facts.login, sizeof(o.facts.login), "an@sotttt.hagiang.gov.vn");
	set(o.facts.client, sizeof(o.facts.client), "198.51.100.7");
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	CHECK(strcmp(rec.login, "an@sotttt.hagiang.gov.vn") == 0 &&
	        strcmp(rec.client, "198.51.100.7") == 0,
	    "record: login and client from the envelope");
	(void)kyso_journal_format(&rec, line);
	CHECK(strstr(line, "\tan@sotttt.hagiang.gov.vn\t198.51.100.7\t") !=
	        NULL,
	    "record: login and client follow the reason: %s", line);

	o.facts.login[0] = '\0';
	o.facts.client[0] = '\0';
	o.facts.origin = KYSO_ORIGIN_LOCAL;
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	(void)kyso_journal_format(&rec, line);
	CHECK(rec.login[0] == '\0' && rec.client[0] == '\0' &&
	        strstr(line, "\tsigned\t-\t-\t-\t-\t") != NULL,
	    "record: no login and no client are written \"-\": %s", line);

	set(o.facts.login, sizeof(o.facts.login), "x\ty\nKJ1\tforged");
	set(o.facts.client, sizeof(o.facts.client), "10.1.2.3");
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	(void)kyso_journal_format(&rec, line);
	CHECK(strstr(line, "\tx\\ty\\nKJ1\\tforged\t10.1.2.3\t") != NULL,
	    "record: a hostile login stays one escaped field: %s", line);

	o.facts.signers = 2;
	set(o.facts.kinds, sizeof(o.facts.kinds), "personal,agency");
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	(void)kyso_journal_format(&rec, line);
	CHECK(rec.signers == 2 &&
	        g_str_has_suffix(line, "\t2\tpersonal,agency\n"),
	    "record: signers and their kinds from the facts: %s", line);
}

struct stamper {
	const struct kyso_journal *j;
	char ids[250][KYSO_JOURNAL_MAX_ID + 1];
	int wrong_host;
};

static void *
stamp_many(void *arg)
{
	struct stamper *s = arg;
	struct kyso_journal_record r;
	int i;

	for (i = 0; i < 250; i++) {
		memset(&r, 0, sizeof(r));
		kyso_journal_stamp(s->j, &r);
		(void)g_strlcpy(s->ids[i], r.id, sizeof(s->ids[i]));
		if (strcmp(r.host, "standby.hagiang.gov.vn") != 0)
			s->wrong_host++;
	}
	return NULL;
}

/* The record id: unique among four threads stamping at once, host from
 * JournalHost, else the system's host name. */
static void
test_stamp(void)
{
	struct kyso_err err = {0};
	struct kyso_journal *j =
	    kyso_journal_open(fx_path("s.journal"), 0, &err);
	struct kyso_journal_record r;
	static struct stamper st[4];
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	char host[256] = "";
	pthread_t th[4];
	int i, k, wrong = 0;

	if (j == NULL) {
		CHECK(0, "stamp: open (%s)", err.msg);
		return;
	}
	(void)gethostname(host, sizeof(host) - 1);
	memset(&r, 0, sizeof(r));
	kyso_journal_stamp(j, &r);
	CHECK(strcmp(r.host, host) == 0 && r.id[0] != '\0',
	    "stamp: default host is the system's (%s), id %s", r.host, r.id);
	kyso_journal_set_host(j, "");
	kyso_journal_stamp(j, &r);
	CHECK(strcmp(r.host, host) == 0,
	    "stamp: an empty JournalHost keeps it");
	kyso_journal_set_host(j, "standby.hagiang.gov.vn");
	for (i = 0; i < 4; i++) {
		st[i].j = j;
		(void)pthread_create(&th[i], NULL, stamp_many, &st[i]);
	}
	for (i = 0; i < 4; i++)
		(void)pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++) {
		wrong += st[i].wrong_host;
		for (k = 0; k < 250; k++)
			g_hash_table_add(seen, st[i].ids[k]);
	}
	CHECK(g_hash_table_size(seen) == 1000 && wrong == 0,
	    "stamp: 1000 records from 4 threads, 1000 ids, host from "
	    "JournalHost (%u distinct, %d wrong host)",
	    g_hash_table_size(seen), wrong);
	g_hash_table_destroy(seen);
	kyso_journal_close(j);

	/* a reload opens the journal again, maybe within the same second */
	{
		struct kyso_journal *j1 =
		    kyso_journal_open(fx_path("s.journal"), 0, &err);
		struct kyso_journal *j2 =
		    kyso_journal_open(fx_path("s.journal"), 0, &err);
		struct kyso_journal_record r2;

		memset(&r2, 0, sizeof(r2));
		kyso_journal_stamp(j1, &r);
		kyso_journal_stamp(j2, &r2);
		CHECK(strcmp(r.id, r2.id) != 0,
		    "stamp: a journal opened again in the same process never "
		    "repeats an id (%s, %s)",
		    r.id, r2.id);
		kyso_journal_close(j1);
		kyso_journal_close(j2);
	}
}

/* The record is the outcome's facts and nothing else: text in its log
 * (why=, classified=, error=) or in its Authentication-Results value
 * (body.smime-serial/issuer) never reaches it, whoever shaped it. */
static void
test_record_facts_only(void)
{
	struct kyso_journal_record rec;
	struct kyso_outcome o;

	memset(&o, 0, sizeof(o));
	o.facts.origin = KYSO_ORIGIN_EXTERNAL;
	o.facts.cls = KYSO_OC_VERIFIED;
	o.facts.inbound.verified = 1;
	o.facts.inbound.result = KYSO_RES_FAIL;
	set(o.facts.reason, sizeof(o.facts.reason), "signature mismatch");
	set(o.result, sizeof(o.result), "pass");
	set(o.log, sizeof(o.log),
	    "action=verify why=\"FORGED why\" classified=\"FORGED mark\" "
	    "error=\"FORGED error\"");
	o.ar_value = g_strdup("mx; smime=pass body.smime-serial=DEAD "
	                      "body.smime-issuer=\"CN=Forged\"");
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	CHECK(strcmp(rec.result, "fail") == 0 &&
	        strcmp(rec.reason, "signature mismatch") == 0,
	    "record: result and reason are the verdict's facts (%s, %s), "
	    "not the log's text",
	    rec.result, rec.reason);
	CHECK(rec.serial[0] == '\0' && rec.issuer[0] == '\0',
	    "record: no serial or issuer read back from our own A-R value "
	    "(%s, %s)",
	    rec.serial, rec.issuer);
	g_free(o.ar_value);

	memset(&o, 0, sizeof(o));
	o.facts.origin = KYSO_ORIGIN_AUTH;
	o.facts.cls = KYSO_OC_EXPIRED;
	set(o.result, sizeof(o.result), "error");
	kyso_journal_record_fill(&rec, &o, 0, 1772705472);
	CHECK(strcmp(rec.result, "expired") == 0,
	    "record: expired is process.c's fact (log result error)");
	kyso_journal_record_fill(&rec, &o, 1, 1772705472);
	CHECK(strcmp(rec.result, "error") == 0 &&
	        strcmp(rec.reason, "MTA refused a change") == 0,
	    "record: an edit the MTA refused is an error");
}

/* ---- the file ---- */

#define NTHREADS   4
#define PER_THREAD 500

/* s is exactly n copies of c */
static int
all_of(const char *s, int c, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != (char)c)
			return 0;
	return i == n;
}

struct writer {
	const struct kyso_journal *j;
	int id, failures;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct kyso_journal_record r;
	struct kyso_err err = {0};
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		sample(&r);
		(void)snprintf(r.queue_id, sizeof(r.queue_id), "T%d-%d", w->id,
		    i);
		/* long lines make interleaving likely if writes were split */
		memset(r.reason, 'a' + w->id, 900);
		r.reason[900] = '\0';
		memset(r.issuer, 'A' + w->id, 1000);
		r.issuer[1000] = '\0';
		if (kyso_journal_append(w->j, &r, &err) < 0)
			w->failures++;
	}
	return NULL;
}

static void
test_threads(void)
{
	const char *path = fx_path("threads.journal");
	struct kyso_err err = {0};
	struct kyso_journal *j = kyso_journal_open(path, 0, &err);
	struct kyso_journal_record r;
	struct writer w[NTHREADS];
	pthread_t tid[NTHREADS];
	char *text = NULL, **lines;
	int seen[NTHREADS][PER_THREAD];
	int i, t, n, bad = 0, dup = 0, missing = 0, failures = 0;
	size_t k, len;

	if (j == NULL) {
		CHECK(0, "open %s: %s", path, err.msg);
		return;
	}
	for (t = 0; t < NTHREADS; t++) {
		w[t].j = j;
		w[t].id = t;
		w[t].failures = 0;
		(void)pthread_create(&tid[t], NULL, writer_main, &w[t]);
	}
	for (t = 0; t < NTHREADS; t++) {
		(void)pthread_join(tid[t], NULL);
		failures += w[t].failures;
	}
	kyso_journal_close(j);
	CHECK(failures == 0, "threads: every append succeeded");
	memset(seen, 0, sizeof(seen));
	if (!g_file_get_contents(path, &text, &len, NULL)) {
		CHECK(0, "threads: read the journal back");
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (k = 0, n = 0; lines[k] != NULL; k++) {
		if (lines[k][0] == '\0' && lines[k + 1] == NULL)
			break; /* after the last LF */
		n++;
		if (kyso_journal_parse(lines[k], strlen(lines[k]), &r, &err) <
		        0 ||
		    sscanf(r.queue_id, "T%d-%d", &t, &i) != 2 || t < 0 ||
		    t >= NTHREADS || i < 0 || i >= PER_THREAD ||
		    !all_of(r.reason, 'a' + t, 900) ||
		    !all_of(r.issuer, 'A' + t, 1000)) {
			bad++;
			continue;
		}
		if (seen[t][i]++)
			dup++;
	}
	for (t = 0; t < NTHREADS; t++)
		for (i = 0; i < PER_THREAD; i++)
			missing += seen[t][i] == 0;
	CHECK(n == NTHREADS * PER_THREAD && len > (size_t)n * 1900,
	    "threads: %d lines for %d records (%zu bytes)", n,
	    NTHREADS * PER_THREAD, len);
	CHECK(bad == 0 && dup == 0 && missing == 0,
	    "threads: every line whole and from one record (%d broken, %d "
	    "twice, %d missing)",
	    bad, dup, missing);
	g_strfreev(lines);
	g_free(text);
}

static void
test_file(void)
{
	struct kyso_journal_record r, back;
	struct kyso_err err = {0};
	struct kyso_journal *j;
	struct stat st;
	char *text = NULL;
	char **lines;
	mode_t old = umask(022);

	j = kyso_journal_open(fx_path("a.journal"), 1, &err);
	CHECK(j != NULL, "open with JournalSync (%s)", err.msg);
	sample(&r);
	CHECK(j != NULL && kyso_journal_append(j, &r, &err) == 0 &&
	        kyso_journal_append(j, &r, &err) == 0,
	    "append twice with fdatasync");
	CHECK(j != NULL &&
	        strcmp(kyso_journal_path(j), fx_path("a.journal")) == 0,
	    "path kept");
	kyso_journal_close(j);
	CHECK(stat(fx_path("a.journal"), &st) == 0 &&
	        (st.st_mode & 07777) == 0640,
	    "created with mode 0640 (got %o)", (unsigned)(st.st_mode & 07777));
	/* reopen appends, never truncates */
	j = kyso_journal_open(fx_path("a.journal"), 0, &err);
	CHECK(j != NULL && kyso_journal_append(j, &r, &err) == 0,
	    "reopened and appended");
	kyso_journal_close(j);
	if (g_file_get_contents(fx_path("a.journal"), &text, NULL, NULL)) {
		lines = g_strsplit(text, "\n", -1);
		CHECK(g_strv_length(lines) == 4 && lines[3][0] == '\0' &&
		        kyso_journal_parse(lines[2], strlen(lines[2]), &back,
		            &err) == 0 &&
		        same(&r, &back),
		    "three whole lines after reopening");
		g_strfreev(lines);
		g_free(text);
	} else {
		CHECK(0, "read the journal");
	}
	(void)umask(old);

	if (symlink(fx_path("a.journal"), fx_path("link.journal")) != 0)
		fx_die("symlink");
	memset(&err, 0, sizeof(err));
	CHECK(kyso_journal_open(fx_path("link.journal"), 0, &err) == NULL &&
	        err.cls == KYSO_E_CONFIG && strstr(err.msg, "cannot open"),
	    "a symbolic link is refused (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	CHECK(kyso_journal_open(fx_dir, 0, &err) == NULL &&
	        err.cls == KYSO_E_CONFIG,
	    "a directory is refused (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	CHECK(kyso_journal_open(fx_path("no/such/dir"), 0, &err) == NULL &&
	        strstr(err.msg, "No such file or directory") != NULL,
	    "missing directory: %s", err.msg);
	j = kyso_journal_open("/dev/full", 0, &err);
	CHECK(j == NULL, "a device is not a journal");
}

/* A full disk, played by RLIMIT_FSIZE: the first record is cut short,
 * the next cannot be written at all; both are reported, nothing dies. */
static void
test_write_errors(void)
{
	struct kyso_journal_record r;
	struct kyso_err err = {0};
	struct kyso_journal *j =
	    kyso_journal_open(fx_path("full.journal"), 0, &err);
	struct rlimit old, lim;
	int rc1, rc2;

	if (j == NULL || getrlimit(RLIMIT_FSIZE, &old) != 0) {
		CHECK(0, "set up the full-disk case");
		return;
	}
	(void)signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 100;
	(void)setrlimit(RLIMIT_FSIZE, &lim);
	sample(&r);
	rc1 = kyso_journal_append(j, &r, &err);
	CHECK(rc1 < 0 && err.cls == KYSO_E_TEMP &&
	        strstr(err.msg, "short write") != NULL,
	    "file limit: short write reported (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	rc2 = kyso_journal_append(j, &r, &err);
	CHECK(rc2 < 0 && err.cls == KYSO_E_TEMP &&
	        strstr(err.msg, "write:") != NULL,
	    "file limit: failed write reported (%s)", err.msg);
	(void)setrlimit(RLIMIT_FSIZE, &old);
	(void)signal(SIGXFSZ, SIG_DFL);
	kyso_journal_close(j);
}

int
main(void)
{
	fx_init();
	test_escapes();
	test_round_trip();
	test_long_values();
	test_parse_refuses();
	test_record_fill();
	test_stamp();
	test_record_facts_only();
	test_file();
	test_write_errors();
	test_threads();
	return TEST_DONE();
}
