/*
 * test_seal.c - the SealTable (policy/seal.c): its line format and errors
 * (file:line), and the binding rule every inbound signer is judged by: a
 * certificate is bound to the From address by its own e-mail, by a
 * SealTable pattern for its fingerprint, or by nothing - never by merely
 * chaining to a trust anchor. Attacker cases: a look-alike domain, the
 * parent domain of a *.domain entry, a fingerprint prefix, an address
 * pattern used for another mailbox, an e-mail that is not the From.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/seal.h"
#include "kyso/policy/verdict.h"
#include "harness.h"

#define FP_A "3a5f00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
#define FP_B "77c1000000000000000000000000000000000000000000000000000000000000"

static char *dir;

static struct kyso_sealtable *
load(const char *text, struct kyso_err *err)
{
	char *path = g_build_filename(dir, "seal.table", NULL);
	struct kyso_sealtable *t;

	(void)g_file_set_contents(path, text, -1, NULL);
	memset(err, 0, sizeof(*err));
	t = kyso_seal_load(path, err);
	g_free(path);
	return t;
}

static void
bad(const char *text, const char *want, const char *what)
{
	struct kyso_err err;
	struct kyso_sealtable *t = load(text, &err);

	CHECK(t == NULL && strstr(err.msg, want) != NULL &&
	        strstr(err.msg, "seal.table:") != NULL,
	    "%s is refused naming file:line: %s", what, err.msg);
	kyso_seal_free(t);
}

static enum kyso_binding
bind_fp(const struct kyso_sealtable *t, const char *fp, const char *from,
    enum kyso_cert_kind *kind)
{
	int listed;

	*kind = KYSO_KIND_UNKNOWN;
	return kyso_seal_table_binding(t, fp, from, kind, &listed);
}

int
main(void)
{
	struct kyso_err err;
	struct kyso_sealtable *t;
	struct kyso_signer_info si;
	enum kyso_cert_kind kind;
	char tmpl[] = "/tmp/kyso-seal.XXXXXX";

	dir = mkdtemp(tmpl);
	if (dir == NULL) {
		printf("Bail out! mkdtemp\n");
		return 99;
	}
	t = load("# agencies' seals\n"
	         "sha256:3A:5F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD hagiang.gov.vn\n"
	         "sha256:" FP_B
	         " sotttt.hagiang.gov.vn,*.sotttt.hagiang.gov.vn,"
	         "chutich@ubnd.hagiang.gov.vn personal\n",
	    &err);
	CHECK(t != NULL && kyso_seal_count(t) == 2,
	    "two entries load (colons and upper case allowed): %s", err.msg);
	CHECK(bind_fp(t, FP_A, "vanphong@hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_SEALTABLE &&
	        kind == KYSO_KIND_AGENCY,
	    "a listed seal binds its domain, kind agency by default");
	CHECK(bind_fp(t, FP_A, "x@sotttt.hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_NONE &&
	        kind == KYSO_KIND_AGENCY,
	    "a bare domain does not bind its subdomains (kind still told)");
	CHECK(bind_fp(t, FP_A, "x@evilhagiang.gov.vn", &kind) ==
	            KYSO_BOUND_NONE &&
	        bind_fp(t, FP_A, "x@hagiang.gov.vn.evil.example", &kind) ==
	            KYSO_BOUND_NONE,
	    "look-alike prefix and suffix domains are not bound");
	CHECK(bind_fp(t, FP_B, "a@phong.sotttt.hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_SEALTABLE &&
	        kind == KYSO_KIND_PERSONAL,
	    "*.domain binds a subdomain; the declared kind is used");
	CHECK(bind_fp(t, FP_B, "a@xsotttt.hagiang.gov.vn", &kind) ==
	        KYSO_BOUND_NONE,
	    "*.domain does not bind a name that merely ends in it");
	CHECK(bind_fp(t, FP_B, "chutich@ubnd.hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_SEALTABLE &&
	        bind_fp(t, FP_B, "phochutich@ubnd.hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_NONE,
	    "an address pattern binds that mailbox only");
	CHECK(bind_fp(t, "3a5f", "vanphong@hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_NONE &&
	        kind == KYSO_KIND_UNKNOWN,
	    "a fingerprint prefix is not a match, and declares no kind");
	CHECK(bind_fp(t, FP_A, NULL, &kind) == KYSO_BOUND_NONE,
	    "no single From: nothing is bound");

	/* the whole rule, without a configuration */
	memset(&si, 0, sizeof(si));
	si.fingerprint = (char *)FP_A;
	si.kind = KYSO_KIND_UNKNOWN;
	CHECK(kyso_seal_binding(NULL, &si, "vanphong@hagiang.gov.vn", &kind) ==
	            KYSO_BOUND_NONE &&
	        kind == KYSO_KIND_UNKNOWN,
	    "a certificate without e-mail and without a table binds nothing");
	si.email = (char *)"vanthu@sotttt.hagiang.gov.vn";
	si.email_matches = 1;
	CHECK(kyso_seal_binding(NULL, &si, "vanthu@sotttt.hagiang.gov.vn",
	          &kind) == KYSO_BOUND_EMAIL,
	    "a certificate e-mail equal to From binds it");
	si.email_matches = 0;
	CHECK(kyso_seal_binding(NULL, &si, "chutich@hagiang.gov.vn", &kind) ==
	        KYSO_BOUND_NONE,
	    "an e-mail that is not the From binds nothing");
	kyso_seal_free(t);

	bad("sha256:" FP_A "\n", "want", "a line without patterns");
	bad("sha1:" FP_A " hagiang.gov.vn\n", "bad fingerprint",
	    "another digest");
	bad("sha256:3a5f hagiang.gov.vn\n", "bad fingerprint",
	    "a short fingerprint");
	bad("sha256:" FP_A "00 hagiang.gov.vn\n", "bad fingerprint",
	    "a long fingerprint");
	bad("sha256:" FP_A " hagiang.gov.vn seal\n", "bad kind",
	    "an unknown kind");
	bad("sha256:" FP_A " *@hagiang.gov.vn\n", "bad pattern",
	    "a signing-table pattern");
	bad("sha256:" FP_A " hagiang..gov.vn\n", "bad pattern", "a bad domain");
	bad("sha256:" FP_A " a@b@hagiang.gov.vn\n", "bad pattern",
	    "two @ in an address");
	bad("sha256:" FP_A " hagiang.gov.vn agency extra\n", "want",
	    "a fourth column");
	t = load("", &err);
	CHECK(t != NULL && kyso_seal_count(t) == 0, "an empty table loads");
	kyso_seal_free(t);
	{
		char *p = g_build_filename(dir, "seal.table", NULL);

		(void)unlink(p);
		g_free(p);
	}
	(void)rmdir(dir);
	return TEST_DONE();
}
