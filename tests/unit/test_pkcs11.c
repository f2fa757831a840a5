/*
 * test_pkcs11.c - signing keys on a real PKCS#11 token (SoftHSM2 through
 * libp11's engine): the key never leaves the token, signatures verify with
 * OpenSSL, a wrong PIN or a loose PIN file is refused at load, a token key
 * is usable from a certificate table, and concurrent signers share the
 * token one operation at a time. Every case is a SKIP when SoftHSM2 or the
 * engine is not installed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "kyso/policy/config.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "harness.h"
#include "policy_fixture.h"

#define THREADS    4
#define PER_THREAD 8
#define URI        "pkcs11:token=kyso;object=sotttt;type=private"

static char module[256];

static struct kyso_signer *
token_signer(const char *pin_file, struct kyso_err *err)
{
	struct kyso_signer_spec spec = {0};

	spec.cert_file = fx_path("pki/sotttt-agency.crt");
	spec.key_file = URI;
	spec.chain_file = fx_path("pki/chain.pem");
	spec.pin_file = pin_file;
	spec.pkcs11_module = module;
	return kyso_signer_load(&spec, err);
}

/* Sign a small message and verify the result with OpenSSL's reader. */
static int
sign_and_verify(const struct kyso_signer *s)
{
	static const char msg[] =
	    "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	    "Subject: token\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi.\r\n";
	GMimeStream *in = g_mime_stream_mem_new_with_buffer(msg, strlen(msg));
	GMimeStream *body = g_mime_stream_mem_new();
	struct kyso_sign_result res;
	struct kyso_err err = {0};
	GByteArray *b;
	GString *all = NULL;
	BIO *bio = NULL, *bcont = NULL;
	CMS_ContentInfo *cms = NULL;
	X509_STORE *store = NULL;
	int ok = 0;

	if (kyso_sign_message(s, in, body, NULL, &res, &err) < 0)
		goto out;
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(body));
	all = g_string_new("Content-Type: ");
	g_string_append(all, res.content_type);
	g_string_append(all, "\r\n\r\n");
	g_string_append_len(all, (const char *)b->data, (gssize)b->len);
	store = X509_STORE_new();
	X509_STORE_load_file(store, fx_path("pki/root.crt"));
	bio = BIO_new_mem_buf(all->str, (int)all->len);
	cms = SMIME_read_CMS(bio, &bcont);
	ok = cms != NULL && bcont != NULL &&
	    CMS_verify(cms, NULL, store, bcont, NULL, CMS_BINARY) == 1;
	kyso_sign_result_clear(&res);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(bcont);
	BIO_free(bio);
	X509_STORE_free(store);
	if (all != NULL)
		g_string_free(all, TRUE);
	g_object_unref(in);
	g_object_unref(body);
	return ok;
}

struct worker {
	const struct kyso_signer *s;
	int good;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		w->good += sign_and_verify(w->s);
	return NULL;
}

/* A pool of the token key and the same key from its file: signatures
 * take the pool's keys in turn, all verify. */
static void
check_pool(void)
{
	struct kyso_signer_spec spec = {0};
	struct kyso_signer *pool, *soft;
	struct kyso_err err = {0};
	int i, good = 0;

	pool = token_signer(fx_path("token/pin"), &err);
	spec.cert_file = fx_path("pki/sotttt-agency.crt");
	spec.key_file = fx_path("pki/sotttt-agency.key");
	soft = kyso_signer_load(&spec, &err);
	if (pool == NULL || soft == NULL ||
	    kyso_signer_join(pool, soft, &err) < 0) {
		CHECK(0, "token + key file pool: %s", err.msg);
		kyso_signer_free(pool);
		return;
	}
	for (i = 0; i < 6; i++)
		good += sign_and_verify(pool);
	CHECK(kyso_signer_pool_size(pool) == 2 && good == 6 &&
	        kyso_signer_pool_uses(pool, 0) == 3 &&
	        kyso_signer_pool_uses(pool, 1) == 3,
	    "pool of the token and the key file: 6 signatures verify, 3 on "
	    "each key (%lu, %lu)",
	    kyso_signer_pool_uses(pool, 0), kyso_signer_pool_uses(pool, 1));
	kyso_signer_free(pool);
}

int
main(void)
{
	struct kyso_err err = {0};
	struct kyso_signer *s;
	struct kyso_config *cfg;
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	char *text, *conf;
	int i, good = 0;

	kyso_mime_init();
	fx_init();
	if (fx_token(module, sizeof(module)) == 77) {
		SKIP("SoftHSM2 not installed (Debian package softhsm2)");
		return TEST_DONE();
	}

	/* first, before any login: a wrong PIN is refused (once: tokens
	 * lock after a few tries). After a good login the engine keeps the
	 * token's session, so this must come first. */
	fx_write("badpin", "9999\n");
	chmod(fx_path("badpin"), 0600);
	s = token_signer(fx_path("badpin"), &err);
	if (s == NULL && strstr(err.msg, "engine not available") != NULL) {
		SKIP("libp11 engine not installed: %s", err.msg);
		return TEST_DONE();
	}
	CHECK(s == NULL && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "wrong PIN") != NULL,
	    "wrong PIN refused at load: %s", err.msg);
	kyso_signer_free(s);
	kyso_err_clear(&err);
	/* the same wrong PIN again: refused here, never offered to the token
	 * (tokens lock after a few) */
	s = token_signer(fx_path("badpin"), &err);
	CHECK(s == NULL && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, "refused by the token before") != NULL,
	    "the same wrong PIN is not offered again: %s", err.msg);
	kyso_signer_free(s);
	kyso_err_clear(&err);

	s = token_signer(fx_path("token/pin"), &err);
	CHECK(s != NULL, "token key loads with its PIN: %s",
	    s == NULL ? err.msg : "ok");
	if (s == NULL)
		return TEST_DONE();
	CHECK(kyso_signer_on_token(s), "signer reports its key is on a token");
	CHECK(sign_and_verify(s), "signature made on the token verifies");

	for (i = 0; i < THREADS; i++) {
		w[i].s = s;
		w[i].good = 0;
		pthread_create(&tid[i], NULL, work, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		good += w[i].good;
	}
	CHECK(good == THREADS * PER_THREAD,
	    "%d threads x %d signatures on one token: %d verify", THREADS,
	    PER_THREAD, good);

	check_pool();

	/* the table form, through the configuration loader */
	text = g_strdup_printf("*@sotttt.hagiang.gov.vn tok\n");
	fx_write("signing", text);
	g_free(text);
	text = g_strdup_printf("tok cert=%s key=" URI " pin-file=%s "
	                       "module=%s chain=%s\n",
	    fx_path("pki/sotttt-agency.crt"), fx_path("token/pin"), module,
	    fx_path("pki/chain.pem"));
	fx_write("certs", text);
	g_free(text);
	conf = g_strdup_printf("Socket unix:%s\nSyslog no\nDomain "
	                       "hagiang.gov.vn\nSigningTable %s\n"
	                       "CertificateTable %s\nVerifyInbound no\n",
	    fx_path("sock"), fx_path("signing"), fx_path("certs"));
	cfg = kyso_config_load(fx_write("kyso.conf", conf), &err);
	CHECK(cfg != NULL && kyso_config_signer(cfg, "tok") != NULL &&
	        sign_and_verify(kyso_config_signer(cfg, "tok")),
	    "certificate table entry key=pkcs11:... pin-file= module= "
	    "signs: %s",
	    cfg == NULL ? err.msg : "ok");
	kyso_config_unref(cfg);
	g_free(conf);

	chmod(fx_path("badpin"), 0644);
	kyso_signer_free(token_signer(fx_path("badpin"), &err));
	CHECK(err.cls == KYSO_E_CONFIG && strstr(err.msg, "chmod 600") &&
	        strstr(err.msg, "PIN file") != NULL,
	    "PIN file readable by others refused: %s", err.msg);

	kyso_signer_free(s);
	kyso_mime_shutdown();
	return TEST_DONE();
}
