/*
 * test_token_queue.c - a busy token serves waiting signatures in arrival
 * order (smime/keypool.c), across the certificate ids whose keys sit on it.
 *
 * The token is SoftHSM2 behind tests/pkcs11-delay/p11delay.so: every
 * signature takes KT_P11_DELAY_MS, and while the KT_P11_HOLD file names
 * the token its C_Sign waits. Thread 0 (certificate id A) starts a
 * signature that the held token keeps waiting; threads 1 (B), 2 (A) and
 * 3 (B) then queue one after the other (each seen waiting before the next
 * starts). The hold is lifted, and thread 0 signs again at once, as a
 * session does when the MTA sends messages back to back. The signatures
 * must complete in the order 0, 1, 2, 3, 0: the freed token goes to the
 * oldest waiter, whatever its certificate id, and a signer that has just
 * finished queues behind those already waiting. Before the queue a thread
 * that had just signed took the token again ahead of the waiters
 * (0, 0, ...), and waiters were served in whatever order they woke.
 *
 * Timing is not measured: only the order. Each signature holds the token
 * for DELAY_MS, which separates the completions; the waits are bounded
 * polls (POLL_LIMIT) that fail the test instead of hanging it. SKIP when
 * SoftHSM2 or p11-kit is not installed.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/signer.h"
#include "harness.h"
#include "policy_fixture.h"

#define URI        "pkcs11:token=kyso;object=sotttt;type=private"
#define DELAY_MS   "150"
#define POLL_LIMIT 3000 /* polls of 10 ms: 30 s */
#define WAITERS    3
#define SIGNATURES (WAITERS + 2)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int order[SIGNATURES], done, queued, failed;

/* The token logger: counts "waiting for a free key" (keypool.c). */
static void
count_waits(int prio, const char *fmt, va_list ap)
{
	char line[512];

	(void)prio;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "waiting for a free key") != NULL) {
		pthread_mutex_lock(&mu);
		queued++;
		pthread_mutex_unlock(&mu);
	}
}

static void
pause_10ms(void)
{
	struct timespec ts = {0, 10000000L};

	nanosleep(&ts, NULL);
}

/* Poll until *counter reaches want (under mu); 0 when it did. */
static int
wait_count(const int *counter, int want)
{
	int i, n = 0;

	for (i = 0; i < POLL_LIMIT; i++) {
		pthread_mutex_lock(&mu);
		n = *counter;
		pthread_mutex_unlock(&mu);
		if (n >= want)
			return 0;
		pause_10ms();
	}
	return -1;
}

/* 1 when the file holds the line "hold kyso" (p11delay: a C_Sign is
 * being held). */
static int
held(const char *log)
{
	gchar *text = NULL;
	int r = g_file_get_contents(log, &text, NULL, NULL) &&
	    strstr(text, "hold kyso\n") != NULL;

	g_free(text);
	return r;
}

static struct kyso_signer *
token_signer(const char *module, const char *name, struct kyso_err *err)
{
	struct kyso_signer_spec spec = {0};

	spec.cert_file = fx_path("pki/sotttt-agency.crt");
	spec.key_file = URI;
	spec.chain_file = fx_path("pki/chain.pem");
	spec.pin_file = fx_path("token/pin");
	spec.pkcs11_module = module;
	spec.token_wait_ms = 60000;
	spec.token_queue_limit = 16;
	spec.name = name;
	return kyso_signer_load(&spec, err);
}

struct job {
	const struct kyso_signer *s;
	int id, times;
};

static void *
sign_job(void *arg)
{
	static const char msg[] = "From: vanthu@sotttt.hagiang.gov.vn\r\n"
	                          "Subject: queue\r\n\r\nthu\r\n";
	struct job *j = arg;
	int k;

	for (k = 0; k < j->times; k++) {
		GMimeStream *in =
		    g_mime_stream_mem_new_with_buffer(msg, strlen(msg));
		GMimeStream *body = g_mime_stream_mem_new();
		struct kyso_sign_result res;
		struct kyso_err err = {0};
		int rc = kyso_sign_message(j->s, in, body, NULL, &res, &err);

		pthread_mutex_lock(&mu);
		if (rc == 0 && done < SIGNATURES)
			order[done++] = j->id;
		else
			failed++;
		pthread_mutex_unlock(&mu);
		if (rc == 0)
			kyso_sign_result_clear(&res);
		else
			fprintf(stderr, "# thread %d: %s\n", j->id, err.msg);
		g_object_unref(in);
		g_object_unref(body);
	}
	return NULL;
}

int
main(void)
{
	const char *build = getenv("top_builddir");
	struct kyso_signer *a = NULL, *b = NULL;
	struct kyso_err err = {0};
	struct job jobs[WAITERS + 1];
	pthread_t tid[WAITERS + 1];
	char *delay_so, real_module[256] = "", got[64] = "";
	int i, started = 0;

	kyso_mime_init();
	fx_init();
	if (fx_token(real_module, sizeof(real_module)) == 77) {
		SKIP("SoftHSM2 not installed (Debian package softhsm2)");
		return TEST_DONE();
	}
	delay_so = g_strdup_printf("%s/tests/pkcs11-delay/p11delay.so",
	    build != NULL ? build : ".");
	if (access(delay_so, R_OK) != 0)
		fx_die(
		    "no tests/pkcs11-delay/p11delay.so (make check builds it)");
	setenv("KT_P11_MODULE", real_module, 1);
	setenv("KT_P11_DELAY_MS", DELAY_MS, 1);
	setenv("KT_P11_HOLD", fx_path("hold"), 1);
	setenv("KT_P11_LOG", fx_path("p11.log"), 1);

	/* two certificate ids whose keys are on the one token */
	a = token_signer(delay_so, "agency-a", &err);
	if (a == NULL && strstr(err.msg, "engine not available") != NULL) {
		SKIP("PKCS#11 support not installed: %s", err.msg);
		goto out;
	}
	if (a != NULL)
		b = token_signer(delay_so, "agency-b", &err);
	CHECK(a != NULL && b != NULL,
	    "two certificate ids load their keys from the one token: %s",
	    err.msg);
	if (a == NULL || b == NULL)
		goto out;
	kyso_token_set_logger(count_waits);

	/* the token held: thread 0 (A) inside C_Sign, then 1 (B), 2 (A),
	 * 3 (B) queued in that order */
	fx_write("hold", "kyso\n");
	for (i = 0; i <= WAITERS; i++) {
		jobs[i].s = i % 2 == 0 ? a : b;
		jobs[i].id = i;
		jobs[i].times = i == 0 ? 2 : 1;
	}
	pthread_create(&tid[0], NULL, sign_job, &jobs[0]);
	started = 1;
	for (i = 0; i < POLL_LIMIT && !held(fx_path("p11.log")); i++)
		pause_10ms();
	CHECK(held(fx_path("p11.log")),
	    "thread 0's signature is inside the held token");
	for (i = 1; i <= WAITERS; i++) {
		pthread_create(&tid[i], NULL, sign_job, &jobs[i]);
		started++;
		if (wait_count(&queued, i) != 0)
			break;
	}
	CHECK(i > WAITERS,
	    "threads 1 (B), 2 (A), 3 (B) wait in that order "
	    "(%d seen waiting)",
	    queued);
	(void)unlink(fx_path("hold"));
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);

	for (i = 0; i < done; i++)
		(void)snprintf(got + strlen(got), sizeof(got) - strlen(got),
		    "%s%d", i ? " " : "", order[i]);
	CHECK(failed == 0 && done == SIGNATURES,
	    "all %d signatures made (%d failed)", SIGNATURES, failed);
	CHECK(strcmp(got, "0 1 2 3 0") == 0,
	    "the freed token goes to the oldest waiter, across certificate "
	    "ids; thread 0 signing again queues behind them: 0 1 2 3 0 "
	    "(got %s)",
	    got);
	CHECK(kyso_signer_pool_uses(a, 0) == 3 &&
	        kyso_signer_pool_uses(b, 0) == 2,
	    "A's key signed 3 times, B's twice (%lu, %lu)",
	    kyso_signer_pool_uses(a, 0), kyso_signer_pool_uses(b, 0));
out:
	kyso_token_set_logger(NULL);
	kyso_signer_free(a);
	kyso_signer_free(b);
	g_free(delay_so);
	kyso_mime_shutdown();
	return TEST_DONE();
}
