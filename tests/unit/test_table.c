/*
 * test_table.c - CertificateTable and SigningTable: every parse error with
 * its file:line text, signer loading through kyso_signer_load() with
 * throwaway keys (a group/other-readable key is refused, naming the table
 * line), digest defaults, and first-match-wins pattern lookup.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "kyso/policy/config.h"
#include "kyso/smime/mime.h"
#include "../../policy/config_int.h"
#include "harness.h"
#include "policy_fixture.h"

/* Replace each "@D" in tmpl with the key directory. */
static char *
with_dir(const char *tmpl)
{
	GString *s = g_string_new(NULL);
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			g_string_append(s, fx_dir);
			p++;
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

struct certcase {
	const char *name;
	const char *text; /* @D = key directory */
	const char *want; /* exact message after "table:line: ", or NULL */
	const char *part; /* substring wanted instead, or NULL */
	unsigned line;
};

#define A "cert=@D/a.crt key=@D/a.key"

static const struct certcase certcases[] = {
    {"bad id", "a/b " A "\n",
        "bad certificate id \"a/b\" (letters, digits, . _ -)", NULL, 1},
    {"id too long",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa " A
        "\n",
        "bad certificate id \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaa\" (letters, digits, . _ -)",
        NULL, 1},
    {"duplicate id", "# two\na " A "\n\na " A "\n",
        "duplicate certificate id \"a\" (a pool's lines name different "
        "keys)",
        NULL, 4},
    {"pool of two certificates", "a " A "\na cert=@D/b.crt key=@D/b.key\n",
        "a: the keys of one certificate id must share its certificate", NULL,
        2},
    {"token without =", "a cert " A "\n", "a: \"cert\" is not name=value", NULL,
        1},
    {"empty value", "a cert= key=@D/a.key\n", "a: \"cert=\" is not name=value",
        NULL, 1},
    {"unknown token", "a " A " colour=red\n", "a: unknown token \"colour\"",
        NULL, 1},
    {"duplicate token", "a " A " key=@D/b.key\n", "a: duplicate key=", NULL, 1},
    {"relative cert", "a cert=a.crt key=@D/a.key\n",
        "a: cert= needs an absolute path", NULL, 1},
    {"relative chain", "a " A " chain=chain.pem\n",
        "a: chain= needs an absolute path", NULL, 1},
    {"no key", "a cert=@D/a.crt\n", "a: needs cert= and key=", NULL, 1},
    {"pin-file with a key file", "a " A " pin-file=@D/a.key\n",
        "a: pin-file= and module= go with a pkcs11: key, passphrase-file= "
        "with a key file",
        NULL, 1},
    {"passphrase-file with a token key",
        "a cert=@D/a.crt key=pkcs11:token=t;object=o "
        "passphrase-file=@D/enc.pass\n",
        "a: pin-file= and module= go with a pkcs11: key, passphrase-file= "
        "with a key file",
        NULL, 1},
    {"relative key that is no pkcs11: URI", "a cert=@D/a.crt key=pkcs12:x\n",
        "a: key= needs an absolute path", NULL, 1},
    {"id alone", "a\n", "a: needs cert= and key=", NULL, 1},
    {"bad digest", "a " A " digest=md5\n",
        "a: bad digest \"md5\" (want sha256, sha384 or sha512)", NULL, 1},
    {"key readable by others", "a cert=@D/a.crt key=@D/loose.key\n",
        "a: @D/loose.key: private key is accessible by group or others "
        "(mode 0644); run chmod 600 on it",
        NULL, 1},
    {"key of another certificate",
        "b cert=@D/b.crt key=@D/b.key\n"
        "a cert=@D/a.crt key=@D/b.key\n",
        NULL, "does not match", 2},
    {"missing certificate file", "a cert=@D/none.crt key=@D/a.key\n", NULL,
        "No such file", 1},
    {"encrypted key without passphrase", "a cert=@D/a.crt key=@D/enc.key\n",
        NULL, "passphrase", 1},
    {"wrong passphrase file",
        "a cert=@D/a.crt key=@D/enc.key passphrase-file=@D/a.crt\n", NULL,
        "passphrase", 1},
};

static void
check_certcase(const struct certcase *c)
{
	struct kyso_err err = {0};
	struct kyso_certtable *t;
	char *text = with_dir(c->text), *want = NULL, *full = NULL;
	const char *path = fx_write("certs", text);
	int ok;

	t = kyso_table_load_certs(path, "sha256", &err);
	if (c->want != NULL) {
		want = with_dir(c->want);
		full = g_strdup_printf("%s:%u: %s", path, c->line, want);
		ok = strcmp(err.msg, full) == 0;
	} else {
		full = g_strdup_printf("%s:%u: ", path, c->line);
		ok = strncmp(err.msg, full, strlen(full)) == 0 &&
		    strstr(err.msg, c->part) != NULL;
	}
	CHECK(t == NULL && err.cls == KYSO_E_CONFIG && ok,
	    "certificate table: %s: %s", c->name, err.msg);
	kyso_table_free_certs(t);
	g_free(text);
	g_free(want);
	g_free(full);
}

struct signcase {
	const char *name;
	const char *text;
	const char *want; /* after "table:line: " */
	unsigned line;
};

static const struct signcase signcases[] = {
    {"one token", "vanthu@sotttt.hagiang.gov.vn\n",
        "want \"pattern certificate-id\"", 1},
    {"three tokens", "*@hagiang.gov.vn a b\n",
        "want \"pattern certificate-id\"", 1},
    {"unknown id", "# x\n*@hagiang.gov.vn zz\n",
        "certificate id \"zz\" is not in the certificate table", 2},
    {"no @", "hagiang.gov.vn a\n",
        "bad pattern \"hagiang.gov.vn\": want local@domain, *@domain or "
        "*@*.domain",
        1},
    {"two @", "a@b@hagiang.gov.vn a\n",
        "bad pattern \"a@b@hagiang.gov.vn\": want local@domain, *@domain "
        "or *@*.domain",
        1},
    {"empty local part", "@hagiang.gov.vn a\n",
        "bad pattern \"@hagiang.gov.vn\": want local@domain, *@domain or "
        "*@*.domain",
        1},
    {"partial wildcard", "van*@hagiang.gov.vn a\n",
        "bad pattern \"van*@hagiang.gov.vn\": '*' only as the whole local "
        "part or as a leading \"*.\" of the domain",
        1},
    {"address in any subdomain", "vanthu@*.hagiang.gov.vn a\n",
        "bad pattern \"vanthu@*.hagiang.gov.vn\": '*' only as the whole "
        "local part or as a leading \"*.\" of the domain",
        1},
    {"any domain", "*@* a\n", "bad pattern \"*@*\": bad domain", 1},
    {"double wildcard domain", "*@*.*.gov.vn a\n",
        "bad pattern \"*@*.*.gov.vn\": bad domain", 1},
    {"empty label", "*@hagiang..gov.vn a\n",
        "bad pattern \"*@hagiang..gov.vn\": bad domain", 1},
    {"long line", NULL, "line longer than 4096 bytes", 1},
};

static void
check_signcase(const struct signcase *c, const struct kyso_certtable *certs)
{
	struct kyso_err err = {0};
	struct kyso_signtable *t;
	char *full, *text;
	const char *path;

	if (c->text != NULL) {
		text = g_strdup(c->text);
	} else {
		text = g_malloc(5000);
		memset(text, 'x', 4999);
		text[4999] = '\0';
	}
	path = fx_write("signing", text);
	t = kyso_table_load_signing(path, certs, &err);
	full = g_strdup_printf("%s:%u: %s", path, c->line, c->want);
	CHECK(t == NULL && err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, full) == 0,
	    "signing table: %s: %s", c->name, err.msg);
	kyso_table_free_signing(t);
	g_free(full);
	g_free(text);
}

struct probe {
	const char *address;
	const char *want; /* certificate id or NULL */
};

static const char lookup_table[] =
    "# first match wins\n"
    "vanthu@sotttt.hagiang.gov.vn   a\n"
    "*@sotttt.hagiang.gov.vn        b\n"
    "*@*.hagiang.gov.vn             a\n"
    "*@HaGiang.gov.vn               b   # upper case in the file too\n"
    "vanphong@hagiang.gov.vn        a   # shadowed by the line above\n";

static const struct probe probes[] = {
    {"vanthu@sotttt.hagiang.gov.vn", "a"},
    {"VanThu@SoTTTT.HaGiang.GOV.vn", "a"},
    {"vanthu2@sotttt.hagiang.gov.vn", "b"},
    {"anthu@sotttt.hagiang.gov.vn", "b"},
    {"other@sotttt.hagiang.gov.vn", "b"},
    {"x@soyt.hagiang.gov.vn", "a"},
    {"x@a.b.hagiang.gov.vn", "a"},
    {"x@hagiang.gov.vn", "b"},
    {"vanphong@hagiang.gov.vn", "b"},
    {"x@.hagiang.gov.vn", NULL},
    {"x@evilhagiang.gov.vn", NULL},
    {"x@hagiang.gov.vn.evil.org", NULL},
    {"vanthu@sotttt.hagiang.gov.vn.evil", NULL},
    {"sotttt.hagiang.gov.vn", NULL},
    {"@sotttt.hagiang.gov.vn", NULL},
    {"", NULL},
};

static void
check_lookup(const struct kyso_certtable *certs)
{
	struct kyso_err err = {0};
	struct kyso_signtable *t;
	const char *got;
	size_t i;

	t = kyso_table_load_signing(fx_write("signing", lookup_table), certs,
	    &err);
	CHECK(t != NULL && kyso_table_count_signing(t) == 5,
	    "signing table with 5 patterns loads: %s", err.msg);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		got = kyso_table_lookup(t, probes[i].address);
		CHECK(probes[i].want == NULL
		        ? got == NULL
		        : got != NULL && strcmp(got, probes[i].want) == 0,
		    "lookup \"%s\" -> %s (got %s)", probes[i].address,
		    probes[i].want ? probes[i].want : "unmapped",
		    got ? got : "unmapped");
	}
	CHECK(kyso_table_lookup(t, NULL) == NULL &&
	        kyso_table_lookup(NULL, "x@hagiang.gov.vn") == NULL,
	    "NULL address or table: unmapped");
	kyso_table_free_signing(t);

	t = kyso_table_load_signing(fx_write("signing", "# only comments\n\n"),
	    certs, &err);
	CHECK(t != NULL && kyso_table_count_signing(t) == 0 &&
	        kyso_table_lookup(t, "vanthu@sotttt.hagiang.gov.vn") == NULL,
	    "empty signing table maps nothing");
	kyso_table_free_signing(t);
}

static int
md_is(const struct kyso_signer *s, int nid)
{
	return s != NULL && EVP_MD_get_type(kyso_signer_md(s)) == nid;
}

static struct kyso_certtable *
check_good_certs(void)
{
	struct kyso_err err = {0};
	struct kyso_certtable *t;
	char *text;

	text = with_dir("# id  files\n"
	                "a   cert=@D/a.crt key=@D/a.key\n"
	                "b   KEY=@D/b.key Cert=@D/b.crt digest=sha512\n"
	                "enc cert=@D/a.crt key=@D/enc.key "
	                "passphrase-file=@D/enc.pass\n"
	                "a.b_c-1 cert=@D/b.crt key=@D/b.key chain=@D/a.crt\n");
	t = kyso_table_load_certs(fx_write("certs", text), "sha384", &err);
	g_free(text);
	CHECK(t != NULL && kyso_table_count_certs(t) == 4,
	    "certificate table with 4 entries loads: %s", err.msg);
	CHECK(md_is(kyso_table_signer(t, "a"), NID_sha384),
	    "entry without digest= takes SignatureDigest (sha384)");
	CHECK(md_is(kyso_table_signer(t, "b"), NID_sha512),
	    "digest=sha512 overrides; token names any case");
	CHECK(kyso_table_signer(t, "enc") != NULL,
	    "encrypted key with passphrase-file loads");
	CHECK(kyso_table_signer(t, "a.b_c-1") != NULL &&
	        kyso_signer_chain(kyso_table_signer(t, "a.b_c-1")) != NULL,
	    "chain= is loaded");
	CHECK(kyso_signer_pool_size(kyso_table_signer(t, "a")) == 1,
	    "an id on one line is one key");
	CHECK(kyso_table_signer(t, "A") == NULL &&
	        kyso_table_signer(t, "c") == NULL &&
	        kyso_table_signer(t, NULL) == NULL,
	    "ids are exact; unknown id has no signer");
	return t;
}

/* A reload keeps a signer while its line and files are unchanged (the
 * daemon may no longer read a root-only key); a changed file, line or
 * digest loads it again. */
static void
check_reuse(void)
{
	struct kyso_err err = {0};
	struct kyso_certtable *t1, *t2, *t3, *t4, *t5;
	char *text = with_dir("a cert=@D/a.crt key=@D/enc.key "
	                      "passphrase-file=@D/enc.pass\n"
	                      "b cert=@D/b.crt key=@D/b.key\n");
	const char *path = fx_write("reuse", text);
	char *key = g_strdup_printf("%s/b.key", fx_dir);
	struct timespec later[2] = {{.tv_nsec = UTIME_OMIT}, {0}};

	t1 = kyso_table_load_certs_ex(path, "sha256", NULL, 0, NULL, &err);
	t2 = kyso_table_load_certs_ex(path, "sha256", t1, 0, NULL, &err);
	CHECK(t1 != NULL && t2 != NULL && kyso_table_kept(t2) == 2 &&
	        kyso_table_signer(t2, "a") == kyso_table_signer(t1, "a") &&
	        kyso_table_signer(t2, "b") == kyso_table_signer(t1, "b"),
	    "unchanged entries keep their loaded signers: %s", err.msg);
	/* the old table may go first: a kept signer outlives it */
	kyso_table_free_certs(t1);
	CHECK(kyso_signer_key(kyso_table_signer(t2, "a")) != NULL,
	    "a kept signer outlives the table it came from");
	later[1].tv_sec = time(NULL) + 60;
	(void)utimensat(AT_FDCWD, key, later, 0);
	t3 = kyso_table_load_certs_ex(path, "sha256", t2, 0, NULL, &err);
	CHECK(t3 != NULL && kyso_table_kept(t3) == 1 &&
	        kyso_table_signer(t3, "a") == kyso_table_signer(t2, "a") &&
	        kyso_table_signer(t3, "b") != kyso_table_signer(t2, "b"),
	    "a key file with another modification time is loaded again");
	t4 = kyso_table_load_certs_ex(path, "sha384", t3, 0, NULL, &err);
	CHECK(t4 != NULL && kyso_table_kept(t4) == 0,
	    "another default digest loads every entry again");
	/* certificates only: a key the caller may not use is never looked
	 * at (a 0644 key would be refused) */
	g_free(text);
	text = with_dir("a cert=@D/a.crt key=@D/loose.key\n");
	t5 = kyso_table_load_certs_ex(fx_write("certonly", text), "sha256",
	    NULL, KYSO_TABLE_CERTS_ONLY, NULL, &err);
	CHECK(t5 != NULL && kyso_signer_cert(kyso_table_signer(t5, "a")) &&
	        kyso_signer_key(kyso_table_signer(t5, "a")) == NULL,
	    "certificates only: no key read (a 0644 key is not refused): %s",
	    err.msg);
	kyso_table_free_certs(t2);
	kyso_table_free_certs(t3);
	kyso_table_free_certs(t4);
	kyso_table_free_certs(t5);
	g_free(text);
	g_free(key);
}

/* The same errors through kyso_config_load: the table's name and line. */
static void
check_through_config(void)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *text, *want;
	const char *certs, *signing, *conf;

	certs = fx_write("certs",
	    text = with_dir("a cert=@D/a.crt key=@D/a.key\n"
	                    "loose cert=@D/a.crt key=@D/loose.key\n"));
	g_free(text);
	signing = fx_write("signing", "*@hagiang.gov.vn a\n");
	text = g_strdup_printf("Socket unix:/run/k.sock\n"
	                       "Domain hagiang.gov.vn\n"
	                       "CertificateTable %s\n"
	                       "SigningTable %s\n"
	                       "VerifyInbound no\n",
	    certs, signing);
	conf = fx_write("k.conf", text);
	g_free(text);
	cfg = kyso_config_load(conf, &err);
	want = with_dir("@D/certs:2: loose: @D/loose.key: private key is "
	                "accessible by group or others (mode 0644); run chmod "
	                "600 on it");
	CHECK(cfg == NULL && err.cls == KYSO_E_CONFIG &&
	        strcmp(err.msg, want) == 0,
	    "config load refuses a 0644 key naming the table line: %s",
	    err.msg);
	g_free(want);

	certs = fx_write("certs",
	    text = with_dir("a cert=@D/a.crt key=@D/a.key\n"));
	g_free(text);
	cfg = kyso_config_load(conf, &err);
	CHECK(cfg != NULL && kyso_config_signer(cfg, "a") != NULL &&
	        strcmp(kyso_config_lookup_sender(cfg, "vanthu@hagiang.gov.vn"),
	            "a") == 0,
	    "config with both tables loads: %s", err.msg);
	kyso_config_unref(cfg);

	signing = fx_write("signing",
	    "*@hagiang.gov.vn a\n"
	    "*@bqp.vn b\n");
	cfg = kyso_config_load(conf, &err);
	want = g_strdup_printf("%s:2: certificate id \"b\" is not in the "
	                       "certificate table",
	    signing);
	CHECK(cfg == NULL && strcmp(err.msg, want) == 0,
	    "config load names the signing table line: %s", err.msg);
	g_free(want);
}

/* An id on two lines with the same certificate is one signer with a pool
 * of two keys (the key file and its encrypted copy). */
static void
check_pool(void)
{
	struct kyso_err err = {0};
	struct kyso_certtable *t;
	char *text;

	text = with_dir("p cert=@D/a.crt key=@D/a.key\n"
	                "b cert=@D/b.crt key=@D/b.key\n"
	                "p cert=@D/a.crt key=@D/enc.key "
	                "passphrase-file=@D/enc.pass\n");
	t = kyso_table_load_certs(fx_write("certs", text), "sha256", &err);
	g_free(text);
	CHECK(t != NULL && kyso_table_count_certs(t) == 2 &&
	        kyso_signer_pool_size(kyso_table_signer(t, "p")) == 2 &&
	        kyso_signer_pool_size(kyso_table_signer(t, "b")) == 1,
	    "an id on two lines is one entry with a pool of two keys: %s",
	    err.msg);
	kyso_table_free_certs(t);
}

int
main(void)
{
	struct kyso_certtable *certs;
	size_t i;

	kyso_mime_init();
	fx_init();
	fx_keys();
	for (i = 0; i < sizeof(certcases) / sizeof(certcases[0]); i++)
		check_certcase(&certcases[i]);
	certs = check_good_certs();
	check_pool();
	for (i = 0; i < sizeof(signcases) / sizeof(signcases[0]); i++)
		check_signcase(&signcases[i], certs);
	check_lookup(certs);
	kyso_table_free_certs(certs);
	check_through_config();
	check_reuse();
	kyso_mime_shutdown();
	return TEST_DONE();
}
