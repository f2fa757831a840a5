/*
 * test_revocation.c DIR ACCEPTLOG - revocation look-ups against a black
 * hole (revocation.test: every CDP/AIA URL of the signers of DIR names a
 * listener that accepts and never answers; ACCEPTLOG gets one line per
 * connection). Network attempts are counted there, not by wall time:
 * - ten signers, 1 s per fetch, 3 s budget: at most 4 attempts, and the
 *   progress callback ran before each;
 * - the same signature over other content: no attempt at all;
 * - a URL that failed is not asked again (negative cache);
 * - the cache directory: created 0700; a symlink, a world-writable
 *   directory or a file is refused with a clear error;
 * - OpenSSL out of memory while verifying: KYSO_E_TEMP (the message is
 *   retried), not a "malformed" verdict and not an abort.
 */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>
#include <openssl/crypto.h>

#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "harness.h"

static const char *dir, *acclog;
static volatile int fail_alloc; /* OpenSSL allocations fail while set */

static void *
t_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return fail_alloc ? NULL : malloc(n);
}

static void *
t_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return fail_alloc ? NULL : realloc(p, n);
}

static void
t_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static unsigned
accepts(void)
{
	char *text = NULL;
	unsigned n = 0;
	const char *p;

	/* the listener appends after accept(); give it a moment */
	g_usleep(200000);
	if (!g_file_get_contents(acclog, &text, NULL, NULL))
		return 0;
	for (p = text; *p != '\0'; p++)
		n += *p == '\n';
	g_free(text);
	return n;
}

static void
count_progress(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static struct kyso_trust *
trust(int budget, const char *cache, struct kyso_err *err)
{
	struct kyso_trust_spec s = {0};
	char *root = g_strdup_printf("%s/root.crt", dir);
	struct kyso_trust *t;

	s.anchor_file = root;
	s.revocation_check = KYSO_REVCHECK_OCSP | KYSO_REVCHECK_CRL;
	s.timeout = 1;
	s.budget = budget;
	s.cache_dir = cache;
	t = kyso_trust_load(&s, err);
	g_free(root);
	return t;
}

/* Verify DIR/name; progress calls counted in *calls. */
static int
verify(struct kyso_trust *t, const char *name, unsigned *calls,
    struct kyso_verify_result *r)
{
	char *path = g_strdup_printf("%s/%s", dir, name);
	struct kyso_progress prog = {count_progress, calls};
	struct kyso_err err = {0};
	GMimeStream *s;
	int fd, rc = -1;

	*calls = 0;
	if ((fd = open(path, O_RDONLY)) >= 0) {
		s = g_mime_stream_fs_new(fd);
		rc = kyso_verify_message_progress(t, s,
		    "s1@sotttt.hagiang.gov.vn", time(NULL), &prog, r, &err);
		g_object_unref(s);
	}
	CHECK(rc == 0, "%s verifies: %s", name, err.msg);
	g_free(path);
	return rc;
}

static void
budget(void)
{
	struct kyso_err err = {0};
	char *cache = g_strdup_printf("%s/cache", dir);
	struct kyso_trust *t = trust(3, cache, &err);
	struct kyso_verify_result r;
	unsigned before = accepts(), n, calls, ok = 0, unavail = 0, spent = 0;
	gint64 t0;
	size_t i;
	struct stat st;

	CHECK(t != NULL, "trust loads with a missing cache directory: %s",
	    err.msg);
	if (t == NULL)
		goto out;
	t0 = g_get_monotonic_time();
	if (verify(t, "ten.eml", &calls, &r) != 0)
		goto out;
	DIAG("ten signers against the black hole: %.1f s",
	    (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	n = accepts() - before;
	for (i = 0; i < r.nsigners; i++) {
		const struct kyso_signer_info *s = &r.signers[i];

		ok += s->signature_ok && s->chain_ok && s->valid_now;
		unavail += s->revocation == KYSO_REV_UNAVAILABLE;
		spent += s->revocation_note != NULL &&
		    strstr(s->revocation_note, "budget") != NULL;
	}
	CHECK(r.nsigners == 10 && ok == 10,
	    "ten signers, all valid but for revocation (%u)", ok);
	CHECK(unavail == 10, "all ten: revocation unavailable (%u)", unavail);
	CHECK(n >= 2 && n <= 4,
	    "%u network attempts for 10 signers x (OCSP + CRL): the 3 s "
	    "budget at 1 s per fetch allows at most 4",
	    n);
	CHECK(spent >= 1, "the signers after the budget say it was spent (%u)",
	    spent);
	CHECK(calls == n, "progress callback before each attempt (%u calls)",
	    calls);
	CHECK(lstat(cache, &st) == 0 && S_ISDIR(st.st_mode) &&
	        (st.st_mode & 0777) == 0700 && st.st_uid == geteuid(),
	    "cache directory created 0700 at first use");
	kyso_verify_result_clear(&r);
out:
	kyso_trust_free(t);
	g_free(cache);
}

static void
failed_signature(void)
{
	struct kyso_err err = {0};
	struct kyso_trust *t = trust(3, NULL, &err);
	struct kyso_verify_result r;
	unsigned before = accepts(), calls, bad = 0, unchecked = 0;
	size_t i;

	if (t == NULL || verify(t, "ten-bad.eml", &calls, &r) != 0)
		goto out;
	for (i = 0; i < r.nsigners; i++) {
		bad += !r.signers[i].signature_ok && r.signers[i].chain_ok;
		unchecked += r.signers[i].revocation == KYSO_REV_NOT_CHECKED;
	}
	CHECK(r.nsigners == 10 && bad == 10,
	    "ten signers over other content: signature invalid, chain ok (%u)",
	    bad);
	CHECK(unchecked == 10, "revocation not checked for any (%u)",
	    unchecked);
	CHECK(accepts() == before && calls == 0,
	    "a failed signature makes no network attempt (%u)",
	    accepts() - before);
	kyso_verify_result_clear(&r);
out:
	kyso_trust_free(t);
}

static void
negative_cache(void)
{
	struct kyso_err err = {0};
	struct kyso_trust *t = trust(300, NULL, &err);
	struct kyso_verify_result r;
	unsigned before = accepts(), calls, n;

	if (t == NULL || verify(t, "one.eml", &calls, &r) != 0)
		goto out;
	n = accepts() - before;
	CHECK(n == 2 && r.signers[0].revocation == KYSO_REV_UNAVAILABLE,
	    "one signer: OCSP and CRL asked once each (%u)", n);
	kyso_verify_result_clear(&r);
	before = accepts();
	if (verify(t, "one.eml", &calls, &r) != 0)
		goto out;
	n = accepts() - before;
	CHECK(n == 0 && calls == 0 &&
	        r.signers[0].revocation == KYSO_REV_UNAVAILABLE,
	    "the same URLs again at once: not asked (%u attempts)", n);
	CHECK(r.signers[0].revocation_note != NULL &&
	        strstr(r.signers[0].revocation_note, "not retried") != NULL,
	    "the note says so: %s", r.signers[0].revocation_note);
	kyso_verify_result_clear(&r);
out:
	kyso_trust_free(t);
}

static void
refused(const char *what, const char *path, const char *want)
{
	struct kyso_err err = {0};
	struct kyso_trust *t = trust(3, path, &err);

	CHECK(t == NULL && err.cls == KYSO_E_CONFIG &&
	        strstr(err.msg, path) != NULL && strstr(err.msg, want) != NULL,
	    "cache directory %s refused: %s", what, err.msg);
	kyso_trust_free(t);
}

static void
cache_dirs(void)
{
	char *real = g_strdup_printf("%s/real", dir);
	char *link = g_strdup_printf("%s/link", dir);
	char *ww = g_strdup_printf("%s/ww", dir);
	char *gw = g_strdup_printf("%s/gw", dir);
	char *file = g_strdup_printf("%s/root.crt", dir);

	(void)mkdir(real, 0700);
	(void)symlink(real, link);
	(void)mkdir(ww, 0700);
	(void)chmod(ww, 01777);
	(void)mkdir(gw, 0700);
	(void)chmod(gw, 0770);
	refused("that is a planted symlink (to a good directory)", link,
	    "symbolic link");
	refused("that is world-writable (even sticky)", ww,
	    "group- or world-writable");
	refused("that is group-writable", gw, "group- or world-writable");
	refused("that is a file", file, "not a directory");
	g_free(real);
	g_free(link);
	g_free(ww);
	g_free(gw);
	g_free(file);
}

static void
out_of_memory(void)
{
	struct kyso_err err = {0};
	struct kyso_trust_spec spec = {0};
	char *root = g_strdup_printf("%s/root.crt", dir);
	char *path = g_strdup_printf("%s/one.eml", dir);
	struct kyso_verify_result r;
	struct kyso_trust *t;
	GMimeStream *s;
	int fd, rc = 0;

	spec.anchor_file = root;
	t = kyso_trust_load(&spec, &err);
	if (t != NULL && (fd = open(path, O_RDONLY)) >= 0) {
		s = g_mime_stream_fs_new(fd);
		fail_alloc = 1;
		rc = kyso_verify_message(t, s, NULL, time(NULL), &r, &err);
		fail_alloc = 0;
		g_object_unref(s);
		if (rc == 0)
			kyso_verify_result_clear(&r);
	}
	CHECK(rc == -1 && err.cls == KYSO_E_TEMP,
	    "OpenSSL out of memory: the message tempfails (%s), not "
	    "\"malformed\"",
	    err.msg);
	kyso_trust_free(t);
	g_free(root);
	g_free(path);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		printf("Bail out! usage: test_revocation DIR ACCEPTLOG\n");
		return 99;
	}
	if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free)) {
		printf("Bail out! OpenSSL allocated before main\n");
		return 99;
	}
	dir = argv[1];
	acclog = argv[2];
	g_mime_init();
	out_of_memory();
	failed_signature();
	budget();
	negative_cache();
	cache_dirs();
	g_mime_shutdown();
	return TEST_DONE();
}
