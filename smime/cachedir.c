/*
 * cachedir.c - the revocation cache directory must be the daemon's own:
 * a real directory (not a symlink planted in a shared /tmp), owned by the
 * user the daemon runs as, writable by nobody else. Files in it are named
 * by a hash of the URL, so the only defence against a substituted file is
 * that no one else can write there.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "trust_int.h"

int
kyso_cachedir_check(const char *path, int create, struct kyso_err *err)
{
	struct stat st;
	uid_t me = geteuid();

	if (lstat(path, &st) < 0 && errno == ENOENT && create) {
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "revocation cache directory %s: cannot create: %s",
			    path, g_strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && !create)
			return 0; /* made at first use, by the daemon's user */
		kyso_err_set(err, KYSO_E_CONFIG,
		    "revocation cache directory %s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "revocation cache directory %s is a symbolic link", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "revocation cache directory %s is not a directory", path);
		return -1;
	}
	/* as root (before the switch to UserID) the owner is the run user's;
	 * it is checked again, strictly, when the cache is first used */
	if (st.st_uid != me && (create || me != 0)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "revocation cache directory %s is owned by uid %lu, not by "
		    "the daemon's user (uid %lu)",
		    path, (unsigned long)st.st_uid, (unsigned long)me);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "revocation cache directory %s is group- or world-writable "
		    "(mode %03o)",
		    path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}
