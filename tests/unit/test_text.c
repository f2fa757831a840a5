/*
 * test_text.c - the small string helpers of policy/text.c: splitting
 * table values, the printable filter for logs, ASCII lower-casing, the DNS
 * name check the domain keys rely on, and "file:line:" errors.
 */
#include <string.h>

#include "harness.h"
#include "config_int.h"

static int
list_is(const struct kyso_strlist *l, size_t n, const char *const *want)
{
	size_t i;

	if (l->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(l->v[i], want[i]) != 0)
			return 0;
	return 1;
}

static void
check_split(void)
{
	static const char *const abc[] = {"a", "b", "c"};
	static const char *const words[] = {"key", "/etc/a,b.pem", "x"};
	struct kyso_strlist l = {0};

	kyso_text_split(" a, b ,,c\t", &l);
	CHECK(list_is(&l, 3, abc),
	    "split at commas and blanks, empties dropped");
	kyso_text_strlist_free(&l);
	kyso_text_split("", &l);
	CHECK(l.n == 0, "an empty value splits into nothing");
	kyso_text_strlist_free(&l);
	kyso_text_words("key  /etc/a,b.pem\tx", &l);
	CHECK(list_is(&l, 3, words), "words keep a comma inside a file name");
	kyso_text_strlist_free(&l);
	CHECK(l.v == NULL && l.n == 0, "a freed list is empty again");
}

static void
check_printable(void)
{
	char buf[16];

	kyso_text_printable(buf, sizeof(buf), "a\r\nb\x1b[1m\xc3\xa0");
	CHECK(strcmp(buf, "a??b?[1m??") == 0,
	    "controls and 8-bit bytes become '?' (got \"%s\")", buf);
	kyso_text_printable(buf, 4, "abcdef");
	CHECK(strcmp(buf, "abc") == 0, "truncated to the buffer, terminated");
	kyso_text_printable(buf, sizeof(buf), NULL);
	CHECK(buf[0] == '\0', "NULL reads as empty");
}

static void
check_domain(void)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
	    {"hagiang.gov.vn", 1},
	    {"so-tttt.hagiang.gov.vn", 1},
	    {"localhost", 1},
	    {"", 0},
	    {".hagiang.gov.vn", 0},
	    {"hagiang..gov.vn", 0},
	    {"hagiang.gov.vn.", 0},
	    {"-a.gov.vn", 0},
	    {"a-.gov.vn", 0},
	    {"ha giang.gov.vn", 0},
	    {"h\xc3\xa0giang.gov.vn", 0},
	    {"*.gov.vn", 0},
	    {"a@b.vn", 0},
	};
	char label[70], name[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(kyso_text_is_domain(cases[i].s) == cases[i].ok,
		    "\"%s\" is %sa domain", cases[i].s,
		    cases[i].ok ? "" : "not ");
	memset(label, 'a', 63);
	label[63] = '\0';
	CHECK(kyso_text_is_domain(label), "a 63-octet label is allowed");
	memset(label, 'a', 64);
	label[64] = '\0';
	CHECK(!kyso_text_is_domain(label), "a 64-octet label is not");
	memset(name, 'a', 254);
	for (i = 10; i < 254; i += 11)
		name[i] = '.';
	name[254] = '\0';
	CHECK(!kyso_text_is_domain(name), "a 254-octet name is not");
	name[253] = '\0';
	CHECK(kyso_text_is_domain(name) == (name[252] != '.'),
	    "a 253-octet name is");
}

int
main(void)
{
	struct kyso_err err;
	char s[] = "HaGiang.GOV.vn-\xc3\x80";

	check_split();
	check_printable();
	check_domain();
	CHECK(strcmp(kyso_text_lower(s), "hagiang.gov.vn-\xc3\x80") == 0,
	    "lower-casing is ASCII only (UTF-8 bytes untouched)");
	kyso_text_err_at(&err, "/etc/kyso/t", 7, "bad %s", "thing");
	CHECK(err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, "/etc/kyso/t:7: bad thing") == 0,
	    "error names file and line (got \"%s\")", err.msg);
	kyso_text_err_at(&err, "/etc/kyso/t", 0, "missing");
	CHECK(strcmp(err.msg, "/etc/kyso/t: missing") == 0,
	    "line 0 names the file only (got \"%s\")", err.msg);
	kyso_text_err_at(NULL, "x", 1, "no crash");
	CHECK(1, "a NULL error record is accepted");
	return TEST_DONE();
}
