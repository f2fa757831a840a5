/*
 * test_lines.c - policy/lines.c, the bounded reader every configuration
 * file and table goes through: comments and blanks, line numbers in
 * errors, CRLF files, and the refusals (over-long line, control
 * characters, a bare CR) that keep a crafted table from being misread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "harness.h"
#include "config_int.h"

static char dir[] = "/tmp/kyso-test-lines.XXXXXX";

static const char *
write_file(const char *name, const char *data, size_t len)
{
	static char path[256];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp != NULL) {
		(void)fwrite(data, 1, len, fp);
		(void)fclose(fp);
	}
	return path;
}

/* Read every line of data; the lines joined with '|' into out. Returns
 * what the last kyso_lines_next returned. */
static int
read_all(const char *data, size_t len, char *out, size_t outlen,
    struct kyso_err *err)
{
	struct kyso_lines lr;
	char *line;
	int r;

	out[0] = '\0';
	if (kyso_lines_open(&lr, write_file("t", data, len), err) < 0)
		return -2;
	while ((r = kyso_lines_next(&lr, &line, err)) == 1) {
		if (out[0] != '\0')
			(void)g_strlcat(out, "|", outlen);
		(void)g_strlcat(out, line, outlen);
	}
	kyso_lines_close(&lr);
	return r;
}

#define READ(s, out, err) read_all(s, sizeof(s) - 1, out, sizeof(out), err)

/* kyso_lines_each callback: counts lines, refuses the line "stop" with
 * its file:line. */
static int
count_line(void *ctx, struct kyso_lines *lr, char *line, struct kyso_err *err)
{
	if (strcmp(line, "stop") == 0) {
		kyso_text_err_at(err, lr->path, lr->lineno, "stop here");
		return -1;
	}
	(*(int *)ctx)++;
	return 0;
}

/* kyso_lines_each: every line to the callback; the callback's refusal and
 * the reader's errors end the walk with the error kept. */
static void
check_each(void)
{
	struct kyso_err err = {0};
	int n = 0, r;

	r = kyso_lines_each(write_file("e", "a\n# c\n\nb\n", 9), count_line, &n,
	    &err);
	CHECK(r == 0 && n == 2, "each: 2 lines to the callback (%d, r %d)", n,
	    r);
	n = 0;
	r = kyso_lines_each(write_file("e", "a\nstop\nb\n", 9), count_line, &n,
	    &err);
	CHECK(r == -1 && n == 1 && strstr(err.msg, "/e:2: stop here") != NULL,
	    "each: the callback's refusal stops the walk, its error kept "
	    "(%d lines, \"%s\")",
	    n, err.msg);
	n = 0;
	r = kyso_lines_each(write_file("e", "a\nb\x01\n", 5), count_line, &n,
	    &err);
	CHECK(r == -1 && n == 1 && strstr(err.msg, "/e:2:") != NULL,
	    "each: a reader error ends the walk (%d lines, \"%s\")", n,
	    err.msg);
	r = kyso_lines_each("/nonexistent/t", count_line, &n, &err);
	CHECK(r == -1 && strstr(err.msg, "/nonexistent/t") != NULL,
	    "each: a missing file is an error naming it (\"%s\")", err.msg);
	(void)unlink(write_file("e", "", 0));
}

int
main(void)
{
	struct kyso_err err;
	struct kyso_lines lr;
	char out[512], *big;
	int r;

	if (mkdtemp(dir) == NULL)
		return 1;
	r = READ("# comment\n\n  Key value  \n\tOther x # trailing\n", out,
	    &err);
	CHECK(r == 0 && strcmp(out, "Key value|Other x") == 0,
	    "comments, blanks and trailing space go (got \"%s\")", out);
	r = READ("a#b\nc #d\n", out, &err);
	CHECK(r == 0 && strcmp(out, "a#b|c") == 0,
	    "'#' inside a word is kept (got \"%s\")", out);
	r = READ("one\r\ntwo\r\nlast", out, &err);
	CHECK(r == 0 && strcmp(out, "one|two|last") == 0,
	    "CRLF lines and a last line without a break (got \"%s\")", out);
	r = READ("ok\nbad\rline\n", out, &err);
	CHECK(r == -1 && strstr(err.msg, ":2: carriage return") != NULL,
	    "a bare CR is refused with its line (got \"%s\")", err.msg);
	r = READ("ok\n\nkey \x1b[31m\n", out, &err);
	CHECK(r == -1 && strstr(err.msg, ":3: control character 0x1b") != NULL,
	    "a control character is refused (got \"%s\")", err.msg);
	r = READ("key\0value\n", out, &err);
	CHECK(r == -1 && strstr(err.msg, "control character 0x00") != NULL,
	    "a NUL byte is refused, not taken as the end of the line");

	big = g_malloc(KYSO_MAX_CONFIG_LINE + 3);
	memset(big, 'x', KYSO_MAX_CONFIG_LINE);
	big[KYSO_MAX_CONFIG_LINE] = '\n';
	r = read_all(big, KYSO_MAX_CONFIG_LINE + 1, out, sizeof(out), &err);
	CHECK(r == 0, "a line of exactly KYSO_MAX_CONFIG_LINE bytes is read");
	big[KYSO_MAX_CONFIG_LINE] = 'y';
	big[KYSO_MAX_CONFIG_LINE + 1] = '\n';
	r = read_all(big, KYSO_MAX_CONFIG_LINE + 2, out, sizeof(out), &err);
	CHECK(r == -1 && strstr(err.msg, ":1: line longer than") != NULL,
	    "one byte more is refused (got \"%s\")", err.msg);
	g_free(big);

	if (kyso_lines_open(&lr, write_file("n", "a\n\n# c\nb\n", 9), &err) ==
	    0) {
		char *line;

		(void)kyso_lines_next(&lr, &line, &err);
		(void)kyso_lines_next(&lr, &line, &err);
		CHECK(lr.lineno == 4 && strcmp(line, "b") == 0,
		    "line numbers count skipped lines (%u)", lr.lineno);
		kyso_lines_close(&lr);
		kyso_lines_close(&lr);
		CHECK(lr.fp == NULL, "closing twice is harmless");
	}
	r = kyso_lines_open(&lr, "/nonexistent/kyso.conf", &err);
	CHECK(r == -1 && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "/nonexistent/kyso.conf") != NULL,
	    "a missing file names itself (got \"%s\")", err.msg);

	check_each();
	(void)unlink(write_file("t", "", 0));
	(void)unlink(write_file("n", "", 0));
	(void)rmdir(dir);
	return TEST_DONE();
}
