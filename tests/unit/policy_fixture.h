/*
 * policy_fixture.h - shared helpers of the policy/ unit tests: a private
 * temporary directory, writing files into it, running the throwaway key
 * generator (tests/unit/policy-keys.sh) and removing everything at the end.
 * Header-only; every helper aborts the test on a setup failure.
 */
#ifndef KYSO_POLICY_FIXTURE_H
#define KYSO_POLICY_FIXTURE_H

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

#define FX_FN static __attribute__((unused))

static char fx_dir[64];

FX_FN void
fx_die(const char *what)
{
	fprintf(stderr, "Bail out! %s\n", what);
	printf("Bail out! %s\n", what);
	exit(99);
}

/* Run a0 a1 a2 (a0 searched in PATH) and wait; its exit status. */
FX_FN int
fx_run(const char *a0, const char *a1, const char *a2)
{
	char b0[512], b1[512], b2[512];
	char *argv[] = {b0, b1, b2, NULL};
	pid_t pid;
	int status;

	(void)snprintf(b0, sizeof(b0), "%s", a0);
	(void)snprintf(b1, sizeof(b1), "%s", a1);
	(void)snprintf(b2, sizeof(b2), "%s", a2);
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		fx_die("cannot spawn a helper");
	if (waitpid(pid, &status, 0) < 0)
		fx_die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

FX_FN void
fx_cleanup(void)
{
	if (fx_dir[0] != '\0' && getenv("KYSO_KEEP_TMP") == NULL)
		(void)fx_run("rm", "-rf", fx_dir);
}

/* Make the private temporary directory (removed at exit). */
FX_FN const char *
fx_init(void)
{
	(void)snprintf(fx_dir, sizeof(fx_dir), "/tmp/kyso-pol-XXXXXX");
	if (mkdtemp(fx_dir) == NULL)
		fx_die("mkdtemp");
	atexit(fx_cleanup);
	return fx_dir;
}

/* Full path of `name` inside the directory (static buffer, rotating). */
FX_FN const char *
fx_path(const char *name)
{
	static char bufs[8][256];
	static int next;
	char *b = bufs[next++ % 8];

	(void)snprintf(b, sizeof(bufs[0]), "%s/%s", fx_dir, name);
	return b;
}

/* Write text to a file in the directory; returns its path. */
FX_FN const char *
fx_write(const char *name, const char *text)
{
	const char *path = fx_path(name);
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0)
		fx_die("cannot write a test file");
	return path;
}

/* Generate a.crt/a.key, b.crt/b.key, loose.key, enc.key/enc.pass. */
FX_FN void
fx_keys(void)
{
	const char *top = getenv("top_srcdir");
	char script[512];

	(void)snprintf(script, sizeof(script), "%s/tests/unit/policy-keys.sh",
	    top != NULL ? top : ".");
	if (fx_run("sh", script, fx_dir) != 0)
		fx_die("policy-keys.sh failed");
}

/* A throwaway PKI in pki/ (make-pki.sh) and a SoftHSM2 token in token/
 * holding pki/sotttt-agency.key as object "sotttt" of token "kyso", PIN
 * 1234 (make-token.sh); SOFTHSM2_CONF set. The token module's path goes to
 * module[len]. 77 when SoftHSM2 is not installed (the caller skips). */
FX_FN int
fx_token(char *module, size_t len)
{
	const char *top = getenv("top_srcdir");
	char cmd[1024];
	FILE *fp;
	int rc;

	(void)snprintf(cmd, sizeof(cmd), "%s/tests/pki/make-pki.sh",
	    top != NULL ? top : ".");
	if (fx_run("bash", cmd, fx_path("pki")) != 0)
		fx_die("make-pki.sh failed");
	(void)snprintf(cmd, sizeof(cmd),
	    "%s/tests/pki/make-token.sh %s %s sotttt 1234 > %s",
	    top != NULL ? top : ".", fx_path("token"),
	    fx_path("pki/sotttt-agency.key"), fx_path("module"));
	if ((rc = fx_run("sh", "-c", cmd)) == 77)
		return 77;
	if (rc != 0)
		fx_die("make-token.sh failed");
	fp = fopen(fx_path("module"), "r");
	if (fp == NULL || fgets(module, (int)len, fp) == NULL)
		fx_die("no module path");
	fclose(fp);
	module[strcspn(module, "\n")] = '\0';
	setenv("SOFTHSM2_CONF", fx_path("token/softhsm2.conf"), 1);
	return 0;
}

#endif
