/*
 * test_cachedir.c - smime/cachedir.c: the revocation cache directory must
 * be the daemon's own. The attacker's cases: a symbolic link planted in a
 * shared directory, a group- or world-writable directory, a plain file,
 * and (as non-root) a directory someone else owns.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "trust_int.h"

static char top[] = "/tmp/kyso-test-cachedir.XXXXXX";

static const char *
at(const char *name)
{
	static char path[4][256];
	static int k;

	k = (k + 1) % 4;
	(void)snprintf(path[k], sizeof(path[k]), "%s/%s", top, name);
	return path[k];
}

int
main(void)
{
	struct kyso_err err;
	struct stat st;
	FILE *fp;

	if (mkdtemp(top) == NULL)
		return 1;
	CHECK(kyso_cachedir_check(at("new"), 0, &err) == 0 &&
	        lstat(at("new"), &st) < 0,
	    "a missing directory is fine without create (made at first use)");
	CHECK(kyso_cachedir_check(at("new"), 1, &err) == 0 &&
	        lstat(at("new"), &st) == 0 && S_ISDIR(st.st_mode) &&
	        (st.st_mode & 0777) == 0700,
	    "with create it is made 0700");
	CHECK(kyso_cachedir_check(at("new"), 1, &err) == 0,
	    "an existing own 0700 directory is accepted");

	CHECK(symlink(at("new"), at("link")) == 0 &&
	        kyso_cachedir_check(at("link"), 1, &err) == -1 &&
	        strstr(err.msg, "symbolic link") != NULL,
	    "a symbolic link is refused (got \"%s\")", err.msg);
	fp = fopen(at("file"), "w");
	if (fp != NULL)
		(void)fclose(fp);
	CHECK(kyso_cachedir_check(at("file"), 1, &err) == -1 &&
	        strstr(err.msg, "not a directory") != NULL,
	    "a plain file is refused");
	CHECK(mkdir(at("shared"), 0700) == 0 &&
	        chmod(at("shared"), 01777) == 0 &&
	        kyso_cachedir_check(at("shared"), 1, &err) == -1 &&
	        err.cls == KYSO_E_CONFIG && strstr(err.msg, "1777") != NULL,
	    "a world-writable directory is refused (got \"%s\")", err.msg);
	CHECK(mkdir(at("group"), 0770) == 0 && chmod(at("group"), 0770) == 0 &&
	        kyso_cachedir_check(at("group"), 0, &err) == -1,
	    "a group-writable directory is refused");
	CHECK(kyso_cachedir_check("/nonexistent-kyso/x/y", 1, &err) == -1 &&
	        strstr(err.msg, "cannot create") != NULL,
	    "a directory that cannot be made is a configuration error");

	if (geteuid() == 0) {
		/* as root, another owner is left to the check at first use
		 * (after the switch to UserID), unless we create it */
		CHECK(mkdir(at("other"), 0700) == 0 &&
		        chown(at("other"), 65534, 65534) == 0 &&
		        kyso_cachedir_check(at("other"), 0, &err) == 0 &&
		        kyso_cachedir_check(at("other"), 1, &err) == -1 &&
		        strstr(err.msg, "owned by uid 65534") != NULL,
		    "another owner: accepted at load as root, refused at use");
	} else {
		CHECK(kyso_cachedir_check("/", 0, &err) == -1 &&
		        strstr(err.msg, "owned by uid 0") != NULL,
		    "a directory owned by root is refused for a user");
	}
	(void)unlink(at("link"));
	(void)unlink(at("file"));
	(void)rmdir(at("new"));
	(void)rmdir(at("shared"));
	(void)rmdir(at("group"));
	(void)rmdir(at("other"));
	(void)rmdir(top);
	return TEST_DONE();
}
