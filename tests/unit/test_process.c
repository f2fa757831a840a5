/*
 * test_process.c - the processing core end to end below the milter: a real
 * configuration and test PKI (tests/pki/make-pki.sh), messages in a spool,
 * and the outcome checked field by field; signed bodies are verified with
 * OpenSSL's own S/MIME reader against the test root.
 */
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "kyso/smime/mime.h"
#include "kyso/policy/process.h"
#include "harness.h"
#include "policy_fixture.h"

static struct kyso_config *
load(const char *name, const char *extra)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg;
	char *text = g_strdup_printf("Socket unix:%s\n"
	                             "Syslog no\n"
	                             "AuthservID mail.hagiang.gov.vn\n"
	                             "Domain hagiang.gov.vn\n"
	                             "SubDomains yes\n"
	                             "SigningTable %s\n"
	                             "CertificateTable %s\n"
	                             "TrustAnchorFile %s\n"
	                             "%s",
	    fx_path("k.sock"), fx_path("signing"), fx_path("certs"),
	    fx_path("pki/root.crt"), extra);

	cfg = kyso_config_load(fx_write(name, text), &err);
	if (cfg == NULL)
		DIAG("config %s: %s", name, err.msg);
	g_free(text);
	return cfg;
}

static struct kyso_spool *
spool_of(const char *text, size_t mem_limit, const char *tmpdir)
{
	struct kyso_spool *sp = kyso_spool_new(mem_limit, tmpdir, 0);
	struct kyso_err err = {0};

	if (kyso_spool_write(sp, text, strlen(text), &err) < 0)
		DIAG("spool: %s", err.msg);
	return sp;
}

/* Run one message; env fields given, headers parsed from the text. */
static void
run(const struct kyso_config *cfg, const char *client, const char *auth,
    const char *text, struct kyso_outcome *o)
{
	struct kyso_envelope env = {0};
	struct kyso_header hdr[8];
	struct kyso_spool *sp = spool_of(text, 1 << 20, NULL);
	size_t n = 0;
	const char *p = text, *eol, *colon;

	/* top-level fields only, one line each: enough for these cases */
	while (*p != '\r' && *p != '\n' && n < 8) {
		eol = strstr(p, "\r\n");
		colon = strchr(p, ':');
		hdr[n].name = g_strndup(p, (gsize)(colon - p));
		hdr[n].value = g_strndup(colon + 2, (gsize)(eol - colon - 2));
		n++;
		p = eol + 2;
	}
	env.queue_id = "TEST";
	env.client_addr = client;
	env.auth_authen = auth;
	env.env_from = "";
	env.headers = hdr;
	env.nheaders = n;
	(void)kyso_process_message(cfg, &env, sp, 0, time(NULL), o);
	while (n-- > 0) {
		g_free(hdr[n].name);
		g_free(hdr[n].value);
	}
	kyso_spool_free(sp);
}

/* Run a message file as from client; *text gets the file (g_free). */
static void
run_file(const struct kyso_config *cfg, const char *path, const char *client,
    char **text, struct kyso_outcome *o)
{
	struct kyso_envelope env = {0};
	struct kyso_header hdr[32];
	struct kyso_spool *sp;
	size_t n = 0, len = 0;
	const char *p, *eol;

	if (!g_file_get_contents(path, text, &len, NULL))
		fx_die("cannot read a case message");
	sp = spool_of(*text, 1 << 20, NULL);
	/* header fields with their folds kept as LF, as libmilter gives them */
	for (p = *text; *p != '\r' && *p != '\n' && n < 32; p = eol + 2) {
		const char *colon = strchr(p, ':');
		GString *v = g_string_new(NULL);

		eol = strstr(p, "\r\n");
		g_string_append_len(v, colon + 2, eol - colon - 2);
		while (eol[2] == ' ' || eol[2] == '\t') {
			const char *next = strstr(eol + 2, "\r\n");

			g_string_append_c(v, '\n');
			g_string_append_len(v, eol + 2, next - eol - 2);
			eol = next;
		}
		hdr[n].name = g_strndup(p, (gsize)(colon - p));
		hdr[n].value = g_string_free(v, FALSE);
		n++;
	}
	env.queue_id = "TEST";
	env.client_addr = client;
	env.env_from = "";
	env.headers = hdr;
	env.nheaders = n;
	(void)kyso_process_message(cfg, &env, sp, 0, time(NULL), o);
	while (n-- > 0) {
		g_free(hdr[n].name);
		g_free(hdr[n].value);
	}
	kyso_spool_free(sp);
}

/* The original header block of `text` + the outcome's body: OpenSSL must
 * verify every signer, and there must be `want` of them. */
static int
sealed_verifies(const char *text, struct kyso_outcome *o, int want)
{
	const char *end = strstr(text, "\r\n\r\n");
	GString *m = g_string_new_len(text, end + 4 - text);
	char buf[65536];
	ssize_t n;
	BIO *in, *bcont = NULL;
	CMS_ContentInfo *cms;
	X509_STORE *store = X509_STORE_new();
	int ok;

	while ((n = kyso_mime_read(o->body, buf, sizeof(buf))) > 0)
		g_string_append_len(m, buf, n);
	(void)g_mime_stream_reset(o->body);
	X509_STORE_load_file(store, fx_path("cos/pki/root.crt"));
	in = BIO_new_mem_buf(m->str, (int)m->len);
	cms = SMIME_read_CMS(in, &bcont);
	ok = cms != NULL && bcont != NULL &&
	    sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) == want &&
	    CMS_verify(cms, NULL, store, bcont, NULL, CMS_BINARY) == 1;
	if (!ok)
		ERR_print_errors_fp(stdout);
	CMS_ContentInfo_free(cms);
	BIO_free(bcont);
	BIO_free(in);
	X509_STORE_free(store);
	g_string_free(m, TRUE);
	return ok;
}

/* Build "Content-Type: ...\r\n\r\n" + body and verify it with OpenSSL. */
static int
openssl_verifies(const struct kyso_outcome *o)
{
	GString *m = g_string_new(NULL);
	const char *s;
	char buf[65536];
	ssize_t n;
	BIO *in, *bcont = NULL;
	CMS_ContentInfo *cms;
	X509_STORE *store = X509_STORE_new();
	int ok;

	g_string_append(m, "Content-Type: ");
	for (s = o->content_type; *s != '\0'; s++) {
		if (*s == '\n')
			g_string_append_c(m, '\r');
		g_string_append_c(m, *s);
	}
	g_string_append(m, "\r\n\r\n");
	while ((n = kyso_mime_read(o->body, buf, sizeof(buf))) > 0)
		g_string_append_len(m, buf, n);
	(void)g_mime_stream_reset(o->body);
	X509_STORE_load_file(store, fx_path("pki/root.crt"));
	in = BIO_new_mem_buf(m->str, (int)m->len);
	cms = SMIME_read_CMS(in, &bcont);
	ok = cms != NULL && bcont != NULL &&
	    CMS_verify(cms, NULL, store, bcont, NULL, CMS_BINARY) == 1;
	if (!ok)
		ERR_print_errors_fp(stdout);
	CMS_ContentInfo_free(cms);
	BIO_free(bcont);
	BIO_free(in);
	X509_STORE_free(store);
	g_string_free(m, TRUE);
	return ok;
}

static const char internal_msg[] =
    "From: Van thu <vanthu@sotttt.hagiang.gov.vn>\r\n"
    "To: someone@example.org\r\n"
    "Subject: test\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "K\xc3\xadnh g\xe1\xbb\xadi.\r\n";

int
main(void)
{
	struct kyso_config *cfg, *rej, *big;
	struct kyso_outcome o;
	char *script, *text;
	const char *top = getenv("top_srcdir");
	GString *large;
	int i;

	kyso_mime_init();
	fx_init();
	script = g_strdup_printf("%s/tests/pki/make-pki.sh",
	    top != NULL ? top : ".");
	if (fx_run("bash", script, fx_path("pki")) != 0)
		fx_die("make-pki.sh failed");
	g_free(script);
	text = g_strdup_printf("expired@sotttt.hagiang.gov.vn expired\n"
	                       "notyet@sotttt.hagiang.gov.vn notyet\n"
	                       "*@sotttt.hagiang.gov.vn sotttt\n");
	fx_write("signing", text);
	g_free(text);
	text = g_strdup_printf("sotttt cert=%s key=%s chain=%s\n"
	                       "expired cert=%s key=%s\n"
	                       "notyet cert=%s key=%s\n",
	    fx_path("pki/sotttt-agency.crt"), fx_path("pki/sotttt-agency.key"),
	    fx_path("pki/chain.pem"), fx_path("pki/expired.crt"),
	    fx_path("pki/expired.key"), fx_path("pki/notyet.crt"),
	    fx_path("pki/notyet.key"));
	fx_write("certs", text);
	g_free(text);
	cfg = load("default.conf", "");
	rej = load("reject.conf", "OnUnmappedSender reject\n");
	text = g_strdup_printf("TemporaryDirectory %s\nSpoolMemoryLimit 1k\n",
	    fx_path("missing-dir"));
	big = load("nodir.conf", text);
	g_free(text);
	if (cfg == NULL || rej == NULL || big == NULL)
		fx_die("configuration did not load");

	run(cfg, "127.0.0.1", NULL, internal_msg, &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && strcmp(o.result, "signed") == 0,
	    "internal sender is signed (result %s, log %s)", o.result, o.log);
	CHECK(o.facts.signers == 1 && strcmp(o.facts.kinds, "agency") == 0,
	    "signed: the journal's facts say one signer, the agency's (%u %s)",
	    o.facts.signers, o.facts.kinds);
	CHECK(o.strip_content == 1 && o.content_type != NULL &&
	        strstr(o.content_type, "multipart/signed") != NULL,
	    "outcome replaces the top-level Content-* fields");
	CHECK(o.add_mime_version == 1, "MIME-Version is added when missing");
	CHECK(o.body != NULL && openssl_verifies(&o),
	    "the new body verifies with OpenSSL against the test root");
	CHECK(strstr(o.log, "cert=sotttt") != NULL &&
	        strstr(o.log,
	            "origin=internal "
	            "matched=\"InternalHosts 127.0.0.1/32\" from=") != NULL,
	    "log names the certificate, the origin and its evidence: %s",
	    o.log);
	kyso_outcome_clear(&o);

	run(cfg, "198.51.100.1", "vanthu@sotttt.hagiang.gov.vn", internal_msg,
	    &o);
	CHECK(strcmp(o.result, "signed") == 0 &&
	        strstr(o.log,
	            "action=sign origin=auth "
	            "login=<vanthu@sotttt.hagiang.gov.vn> "
	            "grant=own-address from=") != NULL,
	    "authenticated user from outside signs as its own address: %s",
	    o.log);
	kyso_outcome_clear(&o);

	/* MAIL FROM:<> (run() sends a null sender): From alone is judged */
	run(cfg, "198.51.100.1", "an", internal_msg, &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
	        strcmp(o.result, "refused") == 0 &&
	        strstr(o.log,
	            "origin=auth login=<an> "
	            "grant=none") != NULL &&
	        strstr(o.log, "reason=\"login an may not send as From") != NULL,
	    "login an signing as vanthu with a null sender is refused: %s",
	    o.log);
	kyso_outcome_clear(&o);

	run(cfg, "198.51.100.1", "an@sonv.hagiang.gov.vn", internal_msg, &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL,
	    "a login of another agency is refused: %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "198.51.100.1", "an@sotttt.hagiang.gov.vn",
	    "From: \"an@sotttt.hagiang.gov.vn\" <vanthu@sotttt.hagiang.gov.vn>"
	    "\r\nSubject: x\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL,
	    "the login's address as From's display name is refused: %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "198.51.100.1", "VANTHU@SOTTTT.HAGIANG.GOV.VN", internal_msg,
	    &o);
	CHECK(strcmp(o.result, "signed") == 0,
	    "an upper-case login signs its own address: %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "203.0.113.5", NULL, internal_msg, &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        o.content_type == NULL && !o.strip_content,
	    "external client claiming a province From is never signed");
	CHECK(o.ar_value != NULL &&
	        strncmp(o.ar_value, "mail.hagiang.gov.vn", 19) == 0,
	    "external mail gets our Authentication-Results: %s",
	    o.ar_value != NULL ? o.ar_value : "(none)");
	kyso_outcome_clear(&o);

	run(cfg, "203.0.113.5", NULL,
	    "Authentication-Results: mail.hagiang.gov.vn; smime=pass\r\n"
	    "Authentication-Results: other.example; spf=pass\r\n"
	    "X-Kyso-Verdict: forged\r\n"
	    "From: a@example.org\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.nforged == 2,
	    "forged A-R with our authserv-id and forged "
	    "verdict are removed, the foreign A-R kept "
	    "(%zu)",
	    o.nforged);
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "Subject: =?UTF-8?Q?T=E1=BB=90I_M=E1=BA=ACT=3A_k=E1=BA=BF_ho=E1=BA="
	    "A1ch?=\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
	        strcmp(o.reply_code, "550") == 0 &&
	        strstr(o.reply_text, "Classified") != NULL &&
	        strstr(o.log, "classified=\"TOI MAT in Subject\"") != NULL,
	    "our mail marked TOI MAT is refused, never signed: %s", o.log);
	kyso_outcome_clear(&o);

	/* a marking hidden from a raw reader is still a marking */
	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "Subject: "
	    "=?UTF-8?Q?T=E1=BB=90I=C2=A0M=E2=80=8B=E1=BA=ACT=3A_k=E1=BA="
	    "BF_ho=E1=BA=A1ch?=\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
	        strstr(o.log, "classified=\"TOI MAT in Subject\"") != NULL,
	    "TỐI MẬT with a no-break space and a zero-width space in the "
	    "Subject is refused, never signed: %s",
	    o.log);
	kyso_outcome_clear(&o);
	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "Subject: M\xc2\xf2T: ke hoach\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
	        strstr(o.log, "classified=\"MAT in Subject\"") != NULL,
	    "a raw 8-bit windows-1258 Subject \"MẬT: ...\" is refused, never "
	    "signed: %s",
	    o.log);
	kyso_outcome_clear(&o);
	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\nSubject: Cong van\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "\r\n<html><body><p align=center><b>T&#7888;I M&#7852;T</b></p>"
	    "<p>K&iacute;nh g&#7917;i</p></body></html>\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
	        strstr(o.log, "classified=\"TOI MAT stamp in the text\"") !=
	            NULL,
	    "an HTML text stamped TỐI MẬT is refused, never signed: %s", o.log);
	kyso_outcome_clear(&o);
	run(cfg, "127.0.0.1", NULL,
	    "From: \"giamdoc@ubnd.hagiang.gov.vn\" "
	    "<vanthu@sotttt.hagiang.gov.vn>\r\nSubject: x\r\n\r\nhi\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        strcmp(o.result, "unsigned") == 0 &&
	        strstr(o.log, "display name or comment holds another") != NULL,
	    "another address as the display name: passed on unsigned, the "
	    "log says why: %s",
	    o.log);
	kyso_outcome_clear(&o);

	run(cfg, "203.0.113.5", NULL,
	    "From: a@example.org\r\nSubject: [MAT] tin tuc\r\n\r\nhi\r\n", &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && strcmp(o.result, "none") == 0,
	    "external mail is not judged for markings (verified as usual)");
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: expired@sotttt.hagiang.gov.vn\r\n\r\nhi\r\n", &o);
	CHECK(o.action == KYSO_ACTION_TEMPFAIL && o.body == NULL &&
	        strstr(o.log, "expired on") != NULL,
	    "expired signing certificate: held (451), never signed: %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: notyet@sotttt.hagiang.gov.vn\r\n\r\nhi\r\n", &o);
	CHECK(o.action == KYSO_ACTION_TEMPFAIL && o.body == NULL &&
	        strstr(o.log, "not valid before") != NULL,
	    "not yet valid signing certificate: held (451): %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: someone@sonv.hagiang.gov.vn\r\n\r\nhi\r\n", &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        strcmp(o.result, "unsigned") == 0,
	    "unmapped sender passes unsigned by default");
	kyso_outcome_clear(&o);

	run(rej, "127.0.0.1", NULL,
	    "From: someone@sonv.hagiang.gov.vn\r\n\r\nhi\r\n", &o);
	CHECK(o.action == KYSO_ACTION_REJECT &&
	        strcmp(o.reply_code, "550") == 0 &&
	        strcmp(o.reply_xcode, "5.7.1") == 0,
	    "OnUnmappedSender reject answers 550 5.7.1");
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: application/pkcs7-mime; smime-type=enveloped-data"
	    "\r\n\r\nAA==\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        strstr(o.log, "skipped=encrypted") != NULL,
	    "encrypted mail of our user passes untouched: %s", o.log);
	kyso_outcome_clear(&o);

	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\nTi\xe1\xba\xbfng\r\n--b\r\n"
	    "Content-Type: application/pkcs7-signature\r\n\r\nAA==\r\n"
	    "--b--\r\n--o--\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        strstr(o.log, "error_class=input") != NULL,
	    "unsignable message (nested 8-bit signature) passes unchanged "
	    "and says why: %s",
	    o.log);
	kyso_outcome_clear(&o);

	/* two readers would see two structures: not sealed, passes unsigned
	 * with the reason logged (KYSO_E_INPUT) */
	run(cfg, "127.0.0.1", NULL,
	    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
	    "Content-Type: text/plain\r\ncontent-type : text/html\r\n\r\n"
	    "<p>x</p>\r\n--o--\r\n",
	    &o);
	CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
	        strcmp(o.result, "unsigned") == 0 &&
	        strstr(o.log, "error_class=input") != NULL &&
	        strstr(o.log, "duplicate Content-Type in part 1") != NULL,
	    "duplicate Content-Type in a part: passes unsigned and says "
	    "why: %s",
	    o.log);
	kyso_outcome_clear(&o);

	/* OnUnsignable: our mail that cannot be signed as it is can be held
	 * or refused instead of leaving unsigned */
	{
		const char *dup =
		    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: "
		    "1.0\r\n"
		    "Content-Type: text/plain\r\nContent-Type: text/html\r\n"
		    "\r\n<p>x</p>\r\n";
		struct kyso_config *ut =
		    load("unsignable-tempfail.conf", "OnUnsignable tempfail\n");
		struct kyso_config *ur = load("unsignable-reject.conf",
		    "OnUnsignable reject\nOnInternalError accept\n");

		run(ut, "127.0.0.1", NULL, dup, &o);
		CHECK(o.action == KYSO_ACTION_TEMPFAIL && o.body == NULL &&
		        strstr(o.log, "error_class=input") != NULL,
		    "OnUnsignable tempfail: an unsignable message is held "
		    "(451), the reason logged: %s",
		    o.log);
		kyso_outcome_clear(&o);
		run(ur, "127.0.0.1", NULL, dup, &o);
		CHECK(o.action == KYSO_ACTION_REJECT && o.body == NULL &&
		        o.reply_code != NULL &&
		        strcmp(o.reply_code, "550") == 0,
		    "OnUnsignable reject: refused with 550, whatever "
		    "OnInternalError says");
		kyso_outcome_clear(&o);
		/* inbound mail is never subject to it */
		run(ur, "192.0.2.9", NULL, dup, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT,
		    "OnUnsignable does not apply to mail from outside");
		kyso_outcome_clear(&o);
		kyso_config_unref(ut);
		kyso_config_unref(ur);
	}

	/* OnUnsignable opaque: signed as application/pkcs7-mime instead;
	 * a duplicate structure field still leaves unsigned */
	{
		struct kyso_config *uo =
		    load("unsignable-opaque.conf", "OnUnsignable opaque\n");

		run(uo, "127.0.0.1", NULL,
		    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: "
		    "1.0\r\n"
		    "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
		    "Content-Type: multipart/signed; protocol=\"application/"
		    "pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n"
		    "--b\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
		    "Ti\xe1\xba\xbfng\r\n--b\r\n"
		    "Content-Type: application/pkcs7-signature\r\n\r\nAA==\r\n"
		    "--b--\r\n--o--\r\n",
		    &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body != NULL &&
		        o.opaque == 1 && o.strip_content == 1 &&
		        o.content_type != NULL &&
		        g_str_has_prefix(o.content_type,
		            "application/pkcs7-mime; smime-type=signed-data") &&
		        strcmp(o.result, "signed") == 0 &&
		        strstr(o.log, "format=opaque") != NULL &&
		        strstr(o.log, "detached=\"a nested signed") != NULL,
		    "OnUnsignable opaque: the nested 8-bit signed part is "
		    "signed opaque, the log says why: %s",
		    o.log);
		kyso_outcome_clear(&o);
		run(uo, "127.0.0.1", NULL,
		    "From: vanthu@sotttt.hagiang.gov.vn\r\nMIME-Version: "
		    "1.0\r\nContent-Type: text/plain\r\nContent-Type: "
		    "text/html\r\n\r\n<p>x</p>\r\n",
		    &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strcmp(o.result, "unsigned") == 0 &&
		        strstr(o.log, "duplicate Content-Type") != NULL,
		    "OnUnsignable opaque: a duplicate structure field is still "
		    "not signed: %s",
		    o.log);
		kyso_outcome_clear(&o);
		kyso_config_unref(uo);
	}

	/* a large message whose signing needs the missing temp directory */
	large = g_string_new("From: vanthu@sotttt.hagiang.gov.vn\r\n\r\n");
	for (i = 0; i < 2000; i++)
		g_string_append(large, "0123456789 abcdefghij\r\n");
	{
		struct kyso_envelope env = {0};
		struct kyso_header h = {(char *)"From",
		    (char *)"vanthu@sotttt.hagiang.gov.vn"};
		struct kyso_spool *sp = spool_of(large->str, 1 << 20, NULL);

		env.client_addr = "127.0.0.1";
		env.env_from = "";
		env.headers = &h;
		env.nheaders = 1;
		(void)kyso_process_message(big, &env, sp, 0, time(NULL), &o);
		CHECK(o.action == KYSO_ACTION_TEMPFAIL &&
		        strcmp(o.reply_code, "451") == 0 && o.body == NULL,
		    "temporary failure while signing answers 451, changes "
		    "nothing: %s",
		    o.log);
		kyso_outcome_clear(&o);
		(void)kyso_process_message(cfg, &env, sp, 1, time(NULL), &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strcmp(o.result, "too-big") == 0,
		    "oversized message: OnOversizedMessage accept passes it "
		    "unchanged");
		kyso_outcome_clear(&o);
		kyso_spool_free(sp);
	}
	g_string_free(large, TRUE);

	/* signed and sealed (CoSign yes) */
	/* the generator drives gpgsm and NSS tools; once it failed under
	 * distcheck's load without a trace, so keep its output, show it, and
	 * give it one more try before giving up */
	script = g_strdup_printf("bash %s/tests/pki/make-cosign-cases.sh %s "
	                         ">%s 2>&1",
	    top != NULL ? top : ".", fx_path("cos"), fx_path("cos.log"));
	if (fx_run("sh", "-c", script) != 0) {
		char *log = NULL;

		/* one diagnostic line: nothing in it may look like TAP */
		if (g_file_get_contents(fx_path("cos.log"), &log, NULL, NULL))
			DIAG("make-cosign-cases.sh failed once: %s",
			    g_strdelimit(log, "\r\n", '|'));
		g_free(log);
		(void)fx_run("rm", "-rf", fx_path("cos"));
		if (fx_run("sh", "-c", script) != 0)
			fx_die("make-cosign-cases.sh failed twice");
	}
	g_free(script);
	{
		struct kyso_config *cos;
		struct kyso_err err = {0};
		char *msgtext = NULL, *conf;

		/* the cases come with their own PKI: trust and seal from it */
		text = g_strdup_printf("sotttt cert=%s key=%s chain=%s\n",
		    fx_path("cos/pki/sotttt-agency.crt"),
		    fx_path("cos/pki/sotttt-agency.key"),
		    fx_path("cos/pki/chain.pem"));
		fx_write("cos-certs", text);
		g_free(text);
		fx_write("cos-signing", "*@sotttt.hagiang.gov.vn sotttt\n");
		conf = g_strdup_printf("Socket unix:%s\nSyslog no\n"
		                       "AuthservID mail.hagiang.gov.vn\n"
		                       "Domain hagiang.gov.vn\nSubDomains yes\n"
		                       "SigningTable %s\nCertificateTable %s\n"
		                       "TrustAnchorFile %s\nCoSign yes\n"
		                       "RevocationCheck crl\nCRLFile %s\n",
		    fx_path("k.sock"), fx_path("cos-signing"),
		    fx_path("cos-certs"), fx_path("cos/pki/root.crt"),
		    fx_path("cos/pki/crl-all.pem"));
		cos = kyso_config_load(fx_write("cosign.conf", conf), &err);
		g_free(conf);
		if (cos == NULL)
			DIAG("cosign config: %s", err.msg);

		if (cos == NULL)
			fx_die("CoSign configuration did not load");
		run_file(cos, fx_path("cos/msg/o-rsa.eml"), "127.0.0.1",
		    &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT &&
		        strcmp(o.result, "sealed") == 0 && o.body != NULL &&
		        !o.strip_content && o.content_type == NULL,
		    "CoSign: the official's signed mail is sealed, headers "
		    "kept: %s",
		    o.log);
		CHECK(o.facts.signers == 2 &&
		        strcmp(o.facts.kinds, "personal,agency") == 0,
		    "CoSign: the journal's facts say two signers, personal "
		    "and agency (%u %s)",
		    o.facts.signers, o.facts.kinds);
		CHECK(o.body != NULL && sealed_verifies(msgtext, &o, 2),
		    "CoSign: OpenSSL verifies both the official's signature "
		    "and the seal");
		kyso_outcome_clear(&o);
		g_free(msgtext);

		run_file(cos, fx_path("cos/msg/o-untrusted.eml"), "127.0.0.1",
		    &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strstr(o.log, "not sealed") != NULL,
		    "CoSign: a personal certificate of an untrusted CA is not "
		    "sealed, passes unchanged: %s",
		    o.log);
		kyso_outcome_clear(&o);
		g_free(msgtext);

		/* the multiple-signerInfos attack on the seal: one good
		 * personal signature beside a signer the seal must not vouch
		 * for */
		run_file(cos, fx_path("cos/msg/o-extra-untrusted.eml"),
		    "127.0.0.1", &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strstr(o.log, "not sealed: issuer not trusted") != NULL,
		    "CoSign: the official's signature plus an untrusted "
		    "signer is not sealed: %s",
		    o.log);
		kyso_outcome_clear(&o);
		g_free(msgtext);
		run_file(cos, fx_path("cos/msg/o-extra-other.eml"), "127.0.0.1",
		    &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strstr(o.log, "not sealed: signer is not the From") !=
		            NULL,
		    "CoSign: the official's signature plus another person's "
		    "is not sealed: %s",
		    o.log);
		kyso_outcome_clear(&o);
		g_free(msgtext);

		run_file(cos, fx_path("cos/msg/bad-tampered.eml"), "127.0.0.1",
		    &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strstr(o.log, "cosign=") != NULL,
		    "CoSign: a tampered signed message is never sealed: %s",
		    o.log);
		kyso_outcome_clear(&o);
		g_free(msgtext);

		run_file(cfg, fx_path("cos/msg/o-rsa.eml"), "127.0.0.1",
		    &msgtext, &o);
		CHECK(o.action == KYSO_ACTION_ACCEPT && o.body == NULL &&
		        strstr(o.log, "skipped=signed") != NULL,
		    "CoSign no (default): signed mail passes untouched");
		kyso_outcome_clear(&o);
		g_free(msgtext);
		kyso_config_unref(cos);
	}

	kyso_config_unref(cfg);
	kyso_config_unref(rej);
	kyso_config_unref(big);
	kyso_mime_shutdown();
	return TEST_DONE();
}
