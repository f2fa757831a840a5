/*
 * test_kind.c - the KindTable (policy/kind.c): its line format and errors
 * (file:line), first match wins, and the attacker's cases: a certificate
 * that copies an agency's subject under another issuer, one whose chain
 * did not verify, an agency rule without an issuer, a subject one
 * character off. (Precedence over the SealTable: t-vgca.sh.)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/seal.h"
#include "kyso/policy/verdict.h"
#include "harness.h"

#define FP_CA "75e969c07ba35c29c72bbc1bfb880f20f3891a619b00b77eb02ca6160736a1fe"
#define FP_EVIL                                                                \
	"75e969c07ba35c29c72bbc1bfb880f20f3891a619b00b77eb02ca6160736a100"
#define SUBJ "CN=Sở Tư pháp tỉnh Hà Giang,O=ỦY BAN NHÂN DÂN TỈNH,C=VN"

static char *dir;

static struct kyso_kindtable *
load(const char *text, struct kyso_err *err)
{
	char *path = g_build_filename(dir, "kind.table", NULL);
	struct kyso_kindtable *t;

	(void)g_file_set_contents(path, text, -1, NULL);
	memset(err, 0, sizeof(*err));
	t = kyso_kind_load(path, err);
	g_free(path);
	return t;
}

static void
bad(const char *text, const char *want, const char *what)
{
	struct kyso_err err;
	struct kyso_kindtable *t = load(text, &err);

	CHECK(t == NULL && strstr(err.msg, want) != NULL &&
	        strstr(err.msg, "kind.table:") != NULL,
	    "refused: %s (%s)", what, err.msg);
	kyso_kind_free(t);
}

/* A signer whose chain verified under issuer fp (NULL: not verified). */
static struct kyso_signer_info
signer(const char *issuer_fp, const char *subject, const char *email)
{
	struct kyso_signer_info si = {0};

	si.chain_ok = issuer_fp != NULL;
	si.issuer_fingerprint = (char *)issuer_fp;
	si.subject_utf8 = (char *)subject;
	si.email = (char *)email;
	si.kind = KYSO_KIND_PERSONAL; /* what the default rule said */
	return si;
}

static enum kyso_cert_kind
kind_of(const struct kyso_kindtable *t, struct kyso_signer_info si, int *hit)
{
	enum kyso_cert_kind k = si.kind;

	*hit = kyso_kind_lookup(t, &si, &k);
	return k;
}

int
main(void)
{
	struct kyso_kindtable *t;
	struct kyso_err err;
	int hit;
	char tmpl[] = "/tmp/kyso-kind.XXXXXX";

	dir = g_mkdtemp(tmpl);
	bad("agency * subject=" SUBJ "\n", "must name its issuer",
	    "an agency rule for any issuer");
	bad("seal sha256:" FP_CA " any\n", "bad kind", "unknown kind word");
	bad("agency sha256:abcd any\n", "bad issuer", "short fingerprint");
	bad("agency sha256:" FP_CA " subject=\n", "bad match", "empty subject");
	bad("agency sha256:" FP_CA " cn=x\n", "bad match", "unknown match");
	bad("agency sha256:" FP_CA "\n", "want", "no match column");

	t = load("# comment\n"
	         "agency sha256:" FP_CA " subject=" SUBJ "\n"
	         "unknown sha256:" FP_CA " no-email\n"
	         "personal * email\n",
	    &err);
	CHECK(t != NULL && kyso_kind_count(t) == 3, "table loads (%s)",
	    t ? "3 rules" : err.msg);
	CHECK(kind_of(t, signer(FP_CA, SUBJ, NULL), &hit) == KYSO_KIND_AGENCY &&
	        hit,
	    "the agency's subject under its issuer: agency");
	CHECK(kind_of(t, signer(FP_EVIL, SUBJ, NULL), &hit) ==
	            KYSO_KIND_PERSONAL &&
	        !hit,
	    "the same subject under another issuer: no rule (not agency)");
	CHECK(kind_of(t, signer(FP_EVIL, SUBJ, "x@y.vn"), &hit) ==
	            KYSO_KIND_PERSONAL &&
	        hit,
	    "  ... with an e-mail: the * email rule, personal");
	CHECK(kind_of(t, signer(NULL, SUBJ, NULL), &hit) ==
	            KYSO_KIND_PERSONAL &&
	        !hit,
	    "chain not verified: no rule applies");
	CHECK(kind_of(t, signer(FP_CA, SUBJ " ", NULL), &hit) ==
	            KYSO_KIND_UNKNOWN &&
	        hit,
	    "a subject that differs by one character: not agency (unknown)");
	CHECK(kind_of(t, signer(FP_CA, "CN=Nguyễn Văn A,C=VN", "a@b.vn"),
	          &hit) == KYSO_KIND_PERSONAL &&
	        hit,
	    "first match wins: e-mail under the issuer -> personal");
	kyso_kind_free(t);
	{
		char *cmd = g_strdup_printf("rm -rf %s", dir);

		(void)system(cmd);
		g_free(cmd);
	}
	return TEST_DONE();
}
