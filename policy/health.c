/*
 * health.c - the checks behind kyso-milter -n, the daemon's expiry and PIN
 * age warnings and kyso-report --check (include/kyso/policy/health.h).
 *
 * Certificates: valid now, CertificateExpiryWarning days ahead, chaining
 * to TrustAnchorFile/TrustAnchorDirectory, S/MIME signing usage, key
 * strength. Token PINs: age against PinMaxAge. System (-n): the UserID
 * user exists, may write TemporaryDirectory and the socket's directory,
 * the journal's directory (rotation), and may look at the key files so a
 * reload can keep them. Every finding names the file and line it comes
 * from. Never logs.
 */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "kyso/policy/health.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "config_int.h"

#define DAY         (24 * 60 * 60)
#define MAX_GROUPS  256
#define WANT_SEARCH 1
#define WANT_WRITE  2

/* The user the daemon will run as; set == 0: this process. */
struct who {
	int set;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	char name[64];
	char group[64];
};

static void add(struct kyso_health *h, enum kyso_health_level level,
    const char *file, unsigned line, const char *cert_id, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
add(struct kyso_health *h, enum kyso_health_level level, const char *file,
    unsigned line, const char *cert_id, const char *fmt, ...)
{
	struct kyso_health_item *it;
	va_list ap;

	h->v = kyso_xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	it = &h->v[h->n++];
	it->level = level;
	it->where =
	    line > 0 ? g_strdup_printf("%s:%u", file, line) : g_strdup(file);
	it->cert_id = cert_id != NULL ? g_strdup(cert_id) : NULL;
	va_start(ap, fmt);
	it->what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

static void
day_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		(void)snprintf(buf, len, "(unknown)");
}

/* Whole days from now to t (negative: past), rounded towards zero. */
static long
days_until(time_t t, time_t now)
{
	return (long)(((long long)t - (long long)now) / DAY);
}

/* ---- certificates ---- */

static void
check_validity(struct kyso_health *h, const struct kyso_config *cfg,
    const char *id, const char *file, unsigned line,
    const struct kyso_signer *s, time_t now)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	time_t nb = kyso_signer_not_before(s), na = kyso_signer_not_after(s);
	long left = days_until(na, now);
	int warn = h->warn_days_set ? h->warn_days : st->cert_expiry_warning;
	char day[16];

	if (!h->nearest_set || left < h->nearest_days) {
		h->nearest_set = 1;
		h->nearest_days = left;
		(void)g_strlcpy(h->nearest_id, id, sizeof(h->nearest_id));
	}
	if (nb != 0 && now < nb) {
		day_text(nb, day, sizeof(day));
		add(h, KYSO_HEALTH_CRITICAL, file, line, id,
		    "certificate %s is not valid before %s", id, day);
	} else if (na != 0 && now > na) {
		day_text(na, day, sizeof(day));
		add(h, KYSO_HEALTH_CRITICAL, file, line, id,
		    "certificate %s expired on %s", id, day);
	} else if (na != 0 && left < warn) {
		day_text(na, day, sizeof(day));
		add(h, KYSO_HEALTH_WARNING, file, line, id,
		    "certificate %s expires in %ld day(s), on %s (%s %d)", id,
		    left, day,
		    h->warn_days_set ? "--warn-days"
		                     : "CertificateExpiryWarning",
		    warn);
	}
}

/* Does cfg name any trust anchor (file, directory or profile)? */
static int
has_anchors(const struct kyso_config *cfg)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);

	return st->trust_anchor_file != NULL || st->trust_anchor_dir != NULL ||
	    kyso_config_has_trust_profile(cfg);
}

static void
check_fitness(struct kyso_health *h, const struct kyso_trust *trust,
    const char *id, const char *file, unsigned line,
    const struct kyso_signer *s, time_t now)
{
	X509 *x = kyso_signer_cert(s);
	struct kyso_err err = {0};
	time_t at = now;

	if (kyso_cert_check_usage(x, &err) < 0)
		add(h, KYSO_HEALTH_CRITICAL, file, line, id,
		    "certificate %s: %s", id, err.msg);
	if (kyso_cert_check_strength(x, &err) < 0)
		add(h, KYSO_HEALTH_CRITICAL, file, line, id,
		    "certificate %s: %s", id, err.msg);
	if (trust == NULL) {
		add(h, KYSO_HEALTH_WARNING, file, line, id,
		    "certificate %s: chain not checked (no TrustAnchorFile, "
		    "TrustAnchorDirectory or TrustProfile)",
		    id);
		return;
	}
	/* a leaf outside its validity is reported once, above: then check
	 * the chain without validity periods. The chain rule is the inbound
	 * verdict's (legacy SHA-1 CA chains only under a legacy anchor) */
	if (kyso_signer_check_time(s, now, &err) < 0)
		at = 0;
	if (kyso_verify_cert_chain(trust, x, kyso_signer_chain(s), at, &err) <
	    0)
		add(h, KYSO_HEALTH_CRITICAL, file, line, id,
		    "certificate %s %s", id, err.msg);
}

/* Age of a token PIN: the pin-changed= date, else the PIN file's
 * modification time. */
static void
check_pin(struct kyso_health *h, const struct kyso_config *cfg, size_t i,
    const char *id, const char *file, unsigned line, time_t now)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	const char *key = kyso_config_cert_file(cfg, i, 1);
	time_t changed = 0;
	const char *pin = kyso_config_pin_file(cfg, i, &changed);
	struct stat sb;
	long age;
	char day[16];

	if (st->pin_max_age == 0 || key == NULL ||
	    strncmp(key, "pkcs11:", 7) != 0)
		return;
	h->npins++;
	if (changed == 0 && pin != NULL) {
		if (stat(pin, &sb) < 0) {
			add(h, KYSO_HEALTH_WARNING, file, line, id,
			    "PIN of %s: age unknown, cannot look at %s: %s "
			    "(record the date with pin-changed=YYYY-MM-DD)",
			    id, pin, g_strerror(errno));
			return;
		}
		changed = sb.st_mtime;
	}
	if (changed == 0) {
		add(h, KYSO_HEALTH_WARNING, file, line, id,
		    "PIN of %s: age unknown (no pin-file=; record the date "
		    "with pin-changed=YYYY-MM-DD)",
		    id);
		return;
	}
	age = -days_until(changed, now);
	if (age > st->pin_max_age) {
		day_text(changed, day, sizeof(day));
		add(h, KYSO_HEALTH_WARNING, file, line, id,
		    "PIN of %s last changed %ld days ago, on %s (PinMaxAge "
		    "%d): "
		    "change it",
		    id, age, day, st->pin_max_age);
	}
}

long
kyso_health_pin_age(const struct kyso_config *cfg, size_t i, time_t now)
{
	const char *key = kyso_config_cert_file(cfg, i, 1);
	time_t changed = 0;
	const char *pin = kyso_config_pin_file(cfg, i, &changed);
	struct stat sb;

	if (key == NULL || strncmp(key, "pkcs11:", 7) != 0)
		return -1;
	if (changed == 0 && pin != NULL && stat(pin, &sb) == 0)
		changed = sb.st_mtime;
	return changed != 0 ? -days_until(changed, now) : -1;
}

/* ---- the user and its directories ---- */

static int
in_groups(const struct who *w, gid_t g)
{
	int i;

	for (i = 0; i < w->ngroups; i++)
		if (w->groups[i] == g)
			return 1;
	return g == w->gid;
}

/* May w do `want` (WANT_* bits) on the file st describes? */
static int
may(const struct who *w, const struct stat *st, unsigned want)
{
	unsigned bits;

	if (w->uid == 0)
		return 1;
	if (st->st_uid == w->uid)
		bits = (st->st_mode >> 6) & 7;
	else if (in_groups(w, st->st_gid))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (bits & want) == want;
}

/* 0 when w can reach directory dir (every directory on the way
 * searchable) and do `want` in it; else -1 with the reason in why. */
static int
dir_allows(const struct who *w, const char *dir, unsigned want, char *why,
    size_t len)
{
	char *copy = g_strdup(dir), *p;
	struct stat st;
	int rc = -1;

	if (stat(dir, &st) < 0) {
		(void)snprintf(why, len, "%s: %s", dir, g_strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		(void)snprintf(why, len, "%s: not a directory", dir);
		goto out;
	}
	if (!w->set) {
		rc = access(dir, (want & WANT_WRITE ? W_OK : 0) | X_OK) == 0
		    ? 0
		    : -1;
		if (rc < 0)
			(void)snprintf(why, len, "%s: %s", dir,
			    g_strerror(errno));
		goto out;
	}
	/* every ancestor must be searchable, then dir itself */
	for (p = strchr(copy + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (stat(copy, &st) == 0 && !may(w, &st, WANT_SEARCH)) {
			(void)snprintf(why, len, "%s is not searchable by %s",
			    copy, w->name);
			goto out;
		}
		*p = '/';
	}
	if (stat(dir, &st) < 0 || !may(w, &st, want | WANT_SEARCH)) {
		(void)snprintf(why, len, "%s is not %s by %s", dir,
		    want & WANT_WRITE ? "writable" : "searchable", w->name);
		goto out;
	}
	rc = 0;
out:
	g_free(copy);
	return rc;
}

/* Fill w from h->user_id (kyso-milter -u) or else UserID; a finding when
 * the user or group is unknown. */
static int
lookup_who(struct kyso_health *h, const struct kyso_config *cfg, struct who *w)
{
	const char *spec = h->user_id != NULL
	    ? h->user_id
	    : kyso_config_settings(cfg)->user_id;
	const char *conf = h->user_id != NULL ? "-u" : kyso_config_path(cfg);
	unsigned line =
	    h->user_id != NULL ? 0 : kyso_config_key_line(cfg, "UserID");
	char *user, *group;
	struct passwd *pw;
	struct group *gr;
	int rc = -1;

	memset(w, 0, sizeof(*w));
	if (spec == NULL) {
		w->uid = geteuid();
		return 0;
	}
	user = g_strdup(spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		add(h, KYSO_HEALTH_CRITICAL, conf, line, NULL,
		    "%s: no user \"%s\" on this system",
		    h->user_id != NULL ? "user" : "UserID", user);
		goto out;
	}
	w->set = 1;
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	(void)g_strlcpy(w->name, user, sizeof(w->name));
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			add(h, KYSO_HEALTH_CRITICAL, conf, line, NULL,
			    "%s: no group \"%s\" on this system",
			    h->user_id != NULL ? "user" : "UserID", group);
			w->set = 0;
			goto out;
		}
		w->gid = gr->gr_gid;
	}
	if ((gr = getgrgid(w->gid)) != NULL)
		(void)g_strlcpy(w->group, gr->gr_name, sizeof(w->group));
	else
		(void)g_snprintf(w->group, sizeof(w->group), "%lu",
		    (unsigned long)w->gid);
	w->ngroups = MAX_GROUPS;
	if (getgrouplist(user, w->gid, w->groups, &w->ngroups) < 0)
		w->ngroups = 0;
	rc = 0;
out:
	g_free(user);
	return rc;
}

static void
check_dir(struct kyso_health *h, const struct kyso_config *cfg,
    const struct who *w, const char *key, const char *dir,
    enum kyso_health_level level, const char *consequence)
{
	unsigned line = kyso_config_key_line(cfg, key);
	char why[512];

	if (dir_allows(w, dir, WANT_WRITE, why, sizeof(why)) < 0)
		add(h, level, kyso_config_path(cfg), line, NULL, "%s%s: %s%s",
		    key, line == 0 ? " (default)" : "", why, consequence);
}

/* Directory part of an absolute path. */
static char *
dir_of(const char *path)
{
	return g_path_get_dirname(path);
}

static void
check_system(struct kyso_health *h, const struct kyso_config *cfg)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	const char *sock = st->socket, *file, *table;
	struct who w;
	char *dir, why[512];
	unsigned line;
	size_t i;
	int f;

	if (lookup_who(h, cfg, &w) < 0)
		return;
	check_dir(h, cfg, &w, "TemporaryDirectory", st->tmp_dir,
	    KYSO_HEALTH_CRITICAL, "");
	if (g_str_has_prefix(sock, "unix:") ||
	    g_str_has_prefix(sock, "local:") || sock[0] == '/') {
		dir = dir_of(strchr(sock, '/'));
		check_dir(h, cfg, &w, "Socket", dir, KYSO_HEALTH_CRITICAL, "");
		g_free(dir);
	}
	if (st->journal_file != NULL) {
		dir = dir_of(st->journal_file);
		check_dir(h, cfg, &w, "JournalFile", dir, KYSO_HEALTH_WARNING,
		    " (after rotation a reload cannot create the new journal)");
		g_free(dir);
	}
	if (!w.set)
		return;
	/* a reload keeps a key only while it can see that the file did not
	 * change (kyso-milter.conf(5), UserID) */
	for (i = 0; i < kyso_config_ncerts(cfg); i++) {
		table = kyso_config_cert_table(cfg, &line, i);
		for (f = 1; f <= 3; f += 2) {
			file = kyso_config_cert_file(cfg, i, f);
			if (file == NULL || strncmp(file, "pkcs11:", 7) == 0)
				continue;
			dir = dir_of(file);
			if (dir_allows(&w, dir, 0, why, sizeof(why)) < 0)
				add(h, KYSO_HEALTH_WARNING, table, line,
				    kyso_config_cert_id(cfg, i),
				    "%s: %s: a reload cannot see that %s is "
				    "unchanged and will fail (make the "
				    "directory searchable, e.g. root:%s 0710)",
				    kyso_config_cert_id(cfg, i), why, file,
				    w.group);
			g_free(dir);
		}
	}
}

void
kyso_health_check(const struct kyso_config *cfg, time_t now, int flags,
    struct kyso_health *h)
{
	struct kyso_trust *trust = NULL;
	struct kyso_err err = {0};
	const struct kyso_signer *s;
	const char *id, *table;
	unsigned line;
	size_t i;

	h->ncerts = kyso_config_ncerts(cfg);
	if (h->ncerts > 0 && has_anchors(cfg) &&
	    (trust = kyso_config_chain_trust(cfg, &err)) == NULL)
		add(h, KYSO_HEALTH_CRITICAL, kyso_config_path(cfg), 0, NULL,
		    "trust anchors: %s", err.msg);
	for (i = 0; i < h->ncerts; i++) {
		id = kyso_config_cert_id(cfg, i);
		table = kyso_config_cert_table(cfg, &line, i);
		if ((s = kyso_config_signer(cfg, id)) == NULL)
			continue;
		check_validity(h, cfg, id, table, line, s, now);
		check_fitness(h, trust, id, table, line, s, now);
		check_pin(h, cfg, i, id, table, line, now);
	}
	kyso_trust_free(trust);
	if (flags & KYSO_HEALTH_SYSTEM)
		check_system(h, cfg);
}

enum kyso_health_level
kyso_health_worst(const struct kyso_health *h)
{
	enum kyso_health_level worst = KYSO_HEALTH_OK;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].level > worst)
			worst = h->v[i].level;
	return worst;
}

void
kyso_health_free(struct kyso_health *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		g_free(h->v[i].where);
		g_free(h->v[i].cert_id);
		g_free(h->v[i].what);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}
