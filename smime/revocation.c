/*
 * revocation.c - revocation status of a verified chain (RFC 5280 CRLs,
 * RFC 6960 OCSP), with a small cache.
 *
 * Sources (RevocationCheck): with CRL, configured CRL files, CRLs
 * fetched from the certificate's http CRL distribution points, tried in
 * order until one answers for it (bounded size, timeout, cached in memory
 * and in the daemon's cache directory until nextUpdate, so across
 * restarts) and, last, CRLs carried in the CMS; with OCSP, the
 * leaf's AIA responder (nonce, responder signature checked against the
 * anchors, thisUpdate/nextUpdate, answers cached by CertID until
 * nextUpdate). A source that applies but cannot answer makes the result
 * UNAVAILABLE unless another source gave a definite answer; REVOKED from
 * any source wins.
 *
 * A CRL in the message is the sender's word: it is used only for a
 * certificate no configured or fetched CRL speaks for (no CRLFile CRL of
 * that issuer, no http distribution point), only while current, and the
 * newest by thisUpdate wins - so an old CRL from before the revocation
 * never turns a revoked certificate "good".
 *
 * Every OCSP and CRL URL passes the RevocationURLMap first (P22: older
 * certificates name the CA's internal hosts). A proven signing time (an
 * RFC 3161 token, timestamp.c) makes a revocation dated after it harmless.
 *
 * Network: one message has one budget (RevocationBudget); every fetch
 * takes at most what is left of it, and once it is spent further look-ups
 * are UNAVAILABLE without network. A failed fetch of a URL is remembered
 * for KYSO_REV_NEGATIVE_TTL seconds and not retried. The session's
 * progress callback runs before every fetch. Never logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "kyso/limits.h"
#include "vcache.h"
#include "verify_int.h"

struct rev_entry {
	GBytes *data;  /* CRL DER, or NULL for an OCSP answer */
	X509_CRL *crl; /* data decoded (shared), or NULL */
	unsigned char sha[KYSO_VCACHE_KEY]; /* of crl's DER, when crl */
	enum kyso_revocation status;        /* OCSP answer */
	time_t revoked_at; /* OCSP: revocationTime when REVOKED */
	char *note;
	time_t expires;
};

struct kyso_rev_cache {
	GMutex lock;
	GHashTable *entries; /* char * key -> struct rev_entry * */
	int dir_state;       /* cache directory: 0 unchecked, 1 ok, -1 not */
};

static void
entry_free(gpointer p)
{
	struct rev_entry *e = p;

	if (e == NULL)
		return;
	if (e->data != NULL)
		g_bytes_unref(e->data);
	X509_CRL_free(e->crl);
	g_free(e->note);
	g_free(e);
}

struct kyso_rev_cache *
kyso_revocation_cache_new(void)
{
	struct kyso_rev_cache *c = g_new0(struct kyso_rev_cache, 1);

	g_mutex_init(&c->lock);
	c->entries =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
	return c;
}

void
kyso_revocation_cache_free(struct kyso_rev_cache *c)
{
	if (c == NULL)
		return;
	g_hash_table_destroy(c->entries);
	g_mutex_clear(&c->lock);
	g_free(c);
}

/* Copy of the cached entry for key valid at now, or NULL. */
static struct rev_entry *
cache_get(struct kyso_rev_cache *c, const char *key, time_t now)
{
	struct rev_entry *e, *r = NULL;

	g_mutex_lock(&c->lock);
	e = g_hash_table_lookup(c->entries, key);
	if (e != NULL && e->expires > now) {
		r = g_new0(struct rev_entry, 1);
		r->data = e->data ? g_bytes_ref(e->data) : NULL;
		if (e->crl != NULL && X509_CRL_up_ref(e->crl)) {
			r->crl = e->crl;
			memcpy(r->sha, e->sha, sizeof(r->sha));
		}
		r->status = e->status;
		r->revoked_at = e->revoked_at;
		r->note = g_strdup(e->note);
		r->expires = e->expires;
	}
	g_mutex_unlock(&c->lock);
	return r;
}

/* Record an OCSP revocationTime on the entry just put (1 when found). */
static int
cache_set_revoked_at(struct kyso_rev_cache *c, const char *key, time_t at)
{
	struct rev_entry *e;

	g_mutex_lock(&c->lock);
	if ((e = g_hash_table_lookup(c->entries, key)) != NULL)
		e->revoked_at = at;
	g_mutex_unlock(&c->lock);
	return e != NULL;
}

static gboolean
expired(gpointer k, gpointer v, gpointer now)
{
	(void)k;
	return ((struct rev_entry *)v)->expires <= *(time_t *)now;
}

/* Put e (taken) for key, making room first. */
static void
cache_put_entry(struct kyso_rev_cache *c, const char *key, struct rev_entry *e,
    time_t now)
{
	g_mutex_lock(&c->lock);
	if (g_hash_table_size(c->entries) >= KYSO_MAX_REV_CACHE) {
		g_hash_table_foreach_remove(c->entries, expired, &now);
		if (g_hash_table_size(c->entries) >= KYSO_MAX_REV_CACHE)
			g_hash_table_remove_all(c->entries);
	}
	g_hash_table_replace(c->entries, g_strdup(key), e);
	g_mutex_unlock(&c->lock);
}

static void
cache_put(struct kyso_rev_cache *c, const char *key, GBytes *data,
    enum kyso_revocation status, const char *note, time_t expires, time_t now)
{
	struct rev_entry *e = g_new0(struct rev_entry, 1);

	e->data = data ? g_bytes_ref(data) : NULL;
	e->status = status;
	e->note = g_strdup(note);
	e->expires = expires;
	cache_put_entry(c, key, e, now);
}

/* Put a CRL: its DER, the decoded CRL (a reference taken) and its
 * digest, so later messages neither decode nor hash it again. */
static void
cache_put_crl(struct kyso_rev_cache *c, const char *key, GBytes *der,
    X509_CRL *crl, const unsigned char *sha, time_t expires, time_t now)
{
	struct rev_entry *e = g_new0(struct rev_entry, 1);

	e->data = g_bytes_ref(der);
	if (sha != NULL && X509_CRL_up_ref(crl)) {
		e->crl = crl;
		memcpy(e->sha, sha, sizeof(e->sha));
	}
	e->status = KYSO_REV_NOT_CHECKED;
	e->expires = expires;
	cache_put_entry(c, key, e, now);
}

/* ---- where the CA's endpoints really are (P22) */

char *
kyso_rev_map_url(const struct kyso_trust *t, const char *url)
{
	size_t i, n;

	for (i = 0; t->url_map != NULL && i + 1 < t->url_map->len; i += 2) {
		const char *from = g_ptr_array_index(t->url_map, i);
		const char *to = g_ptr_array_index(t->url_map, i + 1);
		const char *rest;

		n = strlen(from);
		if (g_ascii_strncasecmp(url, from, n) != 0)
			continue;
		rest = url + n;
		/* whole host names and path segments only: a map of
		 * http://ca.ptc must not catch http://ca.ptc.evil */
		if (from[n - 1] != '/' && *rest != '\0' && *rest != '/' &&
		    *rest != ':' && *rest != '?')
			continue;
		if (g_str_has_suffix(to, "/") && *rest == '/')
			rest++;
		return g_strconcat(to, rest, NULL);
	}
	return g_strdup(url);
}

/* ---- the network gate: budget, negative cache, progress */

void
kyso_rev_session_init(struct kyso_rev_session *rs, const struct kyso_trust *t,
    const struct kyso_progress *progress)
{
	memset(rs, 0, sizeof(*rs));
	rs->progress = progress;
	rs->deadline =
	    g_get_monotonic_time() + (gint64)t->budget * G_USEC_PER_SEC;
}

/* Whether a fetch of url may go to the network now. 1 with *timeout (the
 * seconds it may take); 0 with *why when the URL failed recently or the
 * message's budget is spent. Calls the progress callback before a fetch. */
static int
net_begin(const struct kyso_trust *t, struct kyso_rev_session *rs,
    const char *url, time_t now, int *timeout, char **why)
{
	char *key = g_strconcat("neg:", url, NULL);
	struct rev_entry *e = cache_get(t->cache, key, now);
	gint64 left;

	g_free(key);
	if (e != NULL) {
		*why = g_strdup_printf("%s (failed recently, not retried)",
		    e->note ? e->note : url);
		entry_free(e);
		return 0;
	}
	left = (rs->deadline - g_get_monotonic_time()) / G_USEC_PER_SEC;
	if (left < 1) {
		*why =
		    g_strdup_printf("%s not asked: revocation budget of %d s "
		                    "for this message spent",
		        url, t->budget);
		return 0;
	}
	*timeout = left < t->timeout ? (int)left : t->timeout;
	rs->attempts++;
	if (rs->progress != NULL && rs->progress->fn != NULL)
		rs->progress->fn(rs->progress->ctx);
	return 1;
}

/* Remember that url failed (why), so it is not asked again for a while. */
static void
net_failed(const struct kyso_trust *t, const char *url, const char *why,
    time_t now)
{
	char *key = g_strconcat("neg:", url, NULL);

	cache_put(t->cache, key, NULL, KYSO_REV_UNAVAILABLE, why,
	    now + KYSO_REV_NEGATIVE_TTL, now);
	g_free(key);
}

/* ---- CRLs */

static X509_CRL *
crl_parse(const unsigned char *p, size_t len)
{
	BIO *b;
	X509_CRL *c;
	const unsigned char *q = p;

	/* P22: some CAs publish PEM at the CDP */
	if (len > 10 && memcmp(p, "-----BEGIN", 10) == 0) {
		b = BIO_new_mem_buf(p, (int)len);
		c = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		c = d2i_X509_CRL(NULL, &q, (long)len);
	}
	ERR_clear_error();
	return c;
}

/* Every http:// URL of x's CRL distribution points, in certificate
 * order, after the URL map (g_free'd by the array); empty when none. */
static GPtrArray *
cdp_urls(const struct kyso_trust *t, X509 *x)
{
	STACK_OF(DIST_POINT) *dps =
	    X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	GPtrArray *urls = g_ptr_array_new_with_free_func(g_free);
	int i, j;

	for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) &&
		     urls->len < KYSO_MAX_CDP_URLS;
		     j++) {
			GENERAL_NAME *g =
			    sk_GENERAL_NAME_value(dp->distpoint->name.fullname,
			        j);
			ASN1_IA5STRING *u;
			char *raw;

			if (g->type != GEN_URI)
				continue;
			u = g->d.uniformResourceIdentifier;
			raw = g_strndup((const char *)ASN1_STRING_get0_data(u),
			    (gsize)ASN1_STRING_length(u));
			if (g_ascii_strncasecmp(raw, "http://", 7) == 0)
				g_ptr_array_add(urls, kyso_rev_map_url(t, raw));
			g_free(raw);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return urls;
}

static char *
cache_path(const struct kyso_trust *t, const char *url)
{
	char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, url, -1);
	char *p = g_strdup_printf("%s/crl-%s.der", t->cache_dir, h);

	g_free(h);
	return p;
}

/* Expiry of a CRL for caching: nextUpdate, or one hour. */
static time_t
crl_expiry(const X509_CRL *c, time_t now)
{
	const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(c);

	return nu ? kyso_cert_time(nu) : now + 3600;
}

/* 1 when t's cache directory may be used: checked (and made 0700) once,
 * by the user the daemon runs as; a refused directory means memory only. */
static int
disk_ok(const struct kyso_trust *t)
{
	struct kyso_err err = {0};
	int ok;

	if (t->cache_dir == NULL)
		return 0;
	g_mutex_lock(&t->cache->lock);
	if (t->cache->dir_state == 0)
		t->cache->dir_state =
		    kyso_cachedir_check(t->cache_dir, 1, &err) == 0 ? 1 : -1;
	ok = t->cache->dir_state == 1;
	g_mutex_unlock(&t->cache->lock);
	return ok;
}

static void
disk_store(const struct kyso_trust *t, const char *url, GBytes *der)
{
	char *path = cache_path(t, url);
	char *tmp = g_strdup_printf("%s.%lu.tmp", path,
	    (unsigned long)g_thread_self() ^ (unsigned long)getpid());
	gsize len;
	const char *p = g_bytes_get_data(der, &len);

	/* best effort: a failed write only costs a refetch */
	if (g_file_set_contents(tmp, p, (gssize)len, NULL))
		(void)rename(tmp, path);
	(void)unlink(tmp);
	g_free(tmp);
	g_free(path);
}

static GBytes *
disk_load(const struct kyso_trust *t, const char *url, time_t now)
{
	char *path = cache_path(t, url), *data = NULL;
	gsize len = 0;
	GBytes *r = NULL;
	X509_CRL *c;

	if (g_file_get_contents(path, &data, &len, NULL)) {
		c = crl_parse((const unsigned char *)data, len);
		if (c != NULL && crl_expiry(c, now) > now)
			r = g_bytes_new(data, len);
		X509_CRL_free(c);
	}
	g_free(data);
	g_free(path);
	return r;
}

/* The CRL at url: memory cache (decoded once), disk cache, network.
 * NULL with *why when it cannot be had; else a reference, *sha its DER's
 * SHA-256 and *has_sha 1 when that is known. */
static X509_CRL *
fetch_crl_url(const struct kyso_trust *t, struct kyso_rev_session *rs,
    const char *url, time_t now, unsigned char *sha, int *has_sha, char **why)
{
	char *key = g_strconcat("crl:", url, NULL);
	struct rev_entry *e = NULL;
	GBytes *der = NULL;
	X509_CRL *c = NULL;
	const unsigned char *p;
	time_t expires = now + 60;
	gsize len;
	int timeout;

	*why = NULL;
	*has_sha = 0;
	if ((e = cache_get(t->cache, key, now)) != NULL && e->crl != NULL) {
		c = e->crl;
		e->crl = NULL; /* the copy's reference is ours */
		memcpy(sha, e->sha, KYSO_VCACHE_KEY);
		*has_sha = 1;
		goto out;
	}
	if (e != NULL)
		der = g_bytes_ref(e->data);
	else if (disk_ok(t))
		der = disk_load(t, url, now); /* looked at again in 60 s */
	if (der == NULL) {
		if (!net_begin(t, rs, url, now, &timeout, why))
			goto out;
		if ((der = kyso_http_get(url, KYSO_MAX_CRL_BYTES, timeout,
		         why)) == NULL) {
			net_failed(t, url, *why, now);
			goto out;
		}
		p = g_bytes_get_data(der, &len);
		if ((c = crl_parse(p, len)) == NULL) {
			*why = g_strdup_printf("%s: not a CRL", url);
			net_failed(t, url, *why, now);
			goto out;
		}
		expires = crl_expiry(c, now);
		if (disk_ok(t))
			disk_store(t, url, der);
	} else {
		p = g_bytes_get_data(der, &len);
		c = crl_parse(p, len);
		if (e != NULL)
			expires = e->expires;
	}
	/* decoded and hashed once; later messages share it */
	if (c != NULL) {
		*has_sha = kyso_vcache_crl_digest(t->vcache, c, sha);
		cache_put_crl(t->cache, key, der, c, *has_sha ? sha : NULL,
		    expires, now);
	}
out:
	if (der != NULL)
		g_bytes_unref(der);
	entry_free(e);
	g_free(key);
	return c;
}

/* 1 when c's signature verifies with issuer's key: through vc (the
 * trust's cache, by CRL and issuer DER; sha: the CRL's SHA-256 when
 * known, else NULL) when given, else checked now. */
static int
crl_signed_by(struct kyso_vcache *vc, X509_CRL *c, const unsigned char *sha,
    X509 *issuer, time_t now)
{
	if (vc != NULL)
		return kyso_vcache_crl_verified(vc, c, sha, issuer, now);
	return X509_CRL_verify(c, X509_get0_pubkey(issuer)) > 0;
}

/* Judge x against one CRL by `issuer`. Returns -1 when the CRL is not
 * usable for x (other issuer, bad signature, not yet valid). The status
 * itself (listed or not, expired or not) is judged anew every time; only
 * the signature check may come from vc. */
static int
crl_judge(struct kyso_vcache *vc, X509_CRL *c, const unsigned char *sha,
    X509 *x, X509 *issuer, time_t now, int max_age, time_t at,
    enum kyso_revocation *st, char **note, const char *src)
{
	X509_REVOKED *rev = NULL;
	const ASN1_TIME *nu;
	char *when;

	if (X509_NAME_cmp(X509_CRL_get_issuer(c),
	        X509_get_subject_name(issuer)) != 0 ||
	    !crl_signed_by(vc, c, sha, issuer, now) ||
	    kyso_cert_time(X509_CRL_get0_lastUpdate(c)) >
	        now + KYSO_OCSP_SKEW) {
		ERR_clear_error();
		return -1;
	}
	if (X509_CRL_get0_by_cert(c, &rev, x) == 1) {
		time_t rt =
		    kyso_cert_time(X509_REVOKED_get0_revocationDate(rev));
		GDateTime *d = g_date_time_new_from_unix_utc(rt);

		when = d ? g_date_time_format(d, "%Y-%m-%dT%H:%M:%SZ")
		         : g_strdup("?");
		g_free(*note);
		if (at != 0 && rt > at) {
			/* revoked after the proven signing time: the
			 * signature was made while the certificate held */
			*st = KYSO_REV_GOOD;
			*note = g_strdup_printf("CRL (%s): revoked %s, after "
			                        "the proven signing time",
			    src, when);
		} else {
			*st = KYSO_REV_REVOKED;
			*note =
			    g_strdup_printf("CRL (%s): revoked %s", src, when);
		}
		g_free(when);
		if (d != NULL)
			g_date_time_unref(d);
		return 0;
	}
	nu = X509_CRL_get0_nextUpdate(c);
	if (nu != NULL && kyso_cert_time(nu) < now) {
		*st = KYSO_REV_UNAVAILABLE;
		g_free(*note);
		*note = g_strdup_printf("CRL (%s) expired", src);
		return 0;
	}
	/* no nextUpdate (RFC 5280 requires one): current only for max_age
	 * after thisUpdate, or an old CRL would say "good" for ever */
	if (nu == NULL &&
	    kyso_cert_time(X509_CRL_get0_lastUpdate(c)) + max_age < now) {
		*st = KYSO_REV_UNAVAILABLE;
		g_free(*note);
		*note = g_strdup_printf("CRL (%s) names no next update and is "
		                        "older than RevocationMaxAge (%d s)",
		    src, max_age);
		return 0;
	}
	*st = KYSO_REV_GOOD;
	g_free(*note);
	*note = g_strdup_printf("CRL (%s): good", src);
	return 0;
}

/* Judge x against every usable CRL of `set` (src names the source for the
 * note). REVOKED from any of them wins; otherwise the newest by thisUpdate
 * decides (GOOD, or UNAVAILABLE when it is expired). NOT_CHECKED when no
 * CRL of the set is by x's issuer with a valid signature. vc: the cache
 * for the signature checks, or NULL; sha: the SHA-256 of the first nsha
 * CRLs of the set, one after the other, or NULL. */
static enum kyso_revocation
crl_set_status(struct kyso_vcache *vc, STACK_OF(X509_CRL) * set,
    const unsigned char *sha, int nsha, X509 *x, X509 *issuer, time_t now,
    int max_age, time_t at, const char *src, char **note)
{
	enum kyso_revocation best = KYSO_REV_NOT_CHECKED, st;
	time_t newest = 0, tu;
	int i;

	for (i = 0; set != NULL && i < sk_X509_CRL_num(set); i++) {
		X509_CRL *c = sk_X509_CRL_value(set, i);
		char *n = NULL;

		if (crl_judge(vc, c,
		        sha != NULL && i < nsha ? sha + i * KYSO_VCACHE_KEY
		                                : NULL,
		        x, issuer, now, max_age, at, &st, &n, src) != 0)
			continue;
		tu = kyso_cert_time(X509_CRL_get0_lastUpdate(c));
		if (st == KYSO_REV_REVOKED || best == KYSO_REV_NOT_CHECKED ||
		    tu > newest) {
			best = st;
			newest = tu;
			g_free(*note);
			*note = n;
			n = NULL;
		}
		g_free(n);
		if (best == KYSO_REV_REVOKED)
			break;
	}
	return best;
}

/* Append "; more" (or "more") to *all. */
static void
append_why(char **all, const char *more)
{
	char *n = *all ? g_strconcat(*all, "; ", more, NULL) : g_strdup(more);

	g_free(*all);
	*all = n;
}

/* Status of x by the CRLs at its distribution points, tried in order until
 * one gives a definite answer (GOOD or REVOKED, *note saying so). A CRL
 * that cannot be fetched, is not by x's issuer or is expired sends us to
 * the next; when none answers: UNAVAILABLE, *note naming every failure. */
static enum kyso_revocation
fetched_status(const struct kyso_trust *t, struct kyso_rev_session *rs,
    GPtrArray *urls, X509 *x, X509 *issuer, time_t now, time_t at, char **note)
{
	enum kyso_revocation st = KYSO_REV_UNAVAILABLE;
	STACK_OF(X509_CRL) *one = sk_X509_CRL_new_null();
	char *why = NULL, *w, *n;
	guint i;

	*note = NULL;
	for (i = 0; one != NULL && i < urls->len; i++) {
		const char *url = g_ptr_array_index(urls, i);
		unsigned char sha[KYSO_VCACHE_KEY];
		int has_sha;
		X509_CRL *c = fetch_crl_url(t, rs, url, now, sha, &has_sha, &w);

		if (c == NULL) {
			append_why(&why, w ? w : url);
			g_free(w);
			continue;
		}
		n = NULL;
		(void)sk_X509_CRL_push(one, c);
		st = crl_set_status(t->vcache, one, has_sha ? sha : NULL, 1, x,
		    issuer, now, t->max_age, at, "fetched", &n);
		(void)sk_X509_CRL_pop(one);
		X509_CRL_free(c);
		if (st == KYSO_REV_GOOD || st == KYSO_REV_REVOKED) {
			*note = n;
			goto out;
		}
		w = g_strdup_printf("%s: %s", url,
		    st == KYSO_REV_NOT_CHECKED ? "CRL unusable" : n);
		append_why(&why, w);
		g_free(w);
		g_free(n);
	}
	st = KYSO_REV_UNAVAILABLE;
	*note = why;
	why = NULL;
out:
	g_free(why);
	sk_X509_CRL_free(one);
	return st;
}

/* CRL status of x (issued by issuer): CRLFile, then the fetched (or
 * cached) CRL of its distribution point, and only when neither speaks for
 * x and it has no distribution point, the CRLs of the message. */
static enum kyso_revocation
crl_status(const struct kyso_trust *t, struct kyso_rev_session *rs, X509 *x,
    X509 *issuer, STACK_OF(X509_CRL) * cms_crls, time_t now, time_t at,
    char **note)
{
	enum kyso_revocation best, st;
	GPtrArray *urls = NULL;
	char *n = NULL;

	*note = NULL;
	if (!(t->check & KYSO_REVCHECK_CRL))
		return KYSO_REV_NOT_CHECKED;
	best = crl_set_status(t->vcache, t->crls,
	    t->crl_sha != NULL ? t->crl_sha->data : NULL,
	    t->crl_sha != NULL ? (int)(t->crl_sha->len / KYSO_VCACHE_KEY) : 0,
	    x, issuer, now, t->max_age, at, "file", note);
	if (best == KYSO_REV_REVOKED || best == KYSO_REV_GOOD)
		return best;
	urls = cdp_urls(t, x);
	if (urls->len == 0) {
		/* nothing authoritative to ask: the message's CRLs, if any */
		if (best == KYSO_REV_NOT_CHECKED)
			/* the sender's CRLs: checked every time, so a
			 * message cannot fill the trust's cache with them */
			best = crl_set_status(NULL, cms_crls, NULL, 0, x,
			    issuer, now, t->max_age, at, "message", note);
		g_ptr_array_free(urls, TRUE);
		return best;
	}
	st = fetched_status(t, rs, urls, x, issuer, now, at, &n);
	if (st == KYSO_REV_GOOD || st == KYSO_REV_REVOKED) {
		best = st;
		g_free(*note);
		*note = n;
		n = NULL;
	} else if (best == KYSO_REV_NOT_CHECKED) {
		best = KYSO_REV_UNAVAILABLE;
		g_free(*note);
		*note = g_strdup_printf("CRL unavailable: %s", n ? n : "?");
	}
	g_free(n);
	g_ptr_array_free(urls, TRUE);
	return best;
}

/* ---- OCSP */

static char *
ocsp_url(const struct kyso_trust *t, X509 *x)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(x);
	char *r = NULL;
	int i;

	for (i = 0; urls != NULL && i < sk_OPENSSL_STRING_num(urls); i++) {
		const char *u = sk_OPENSSL_STRING_value(urls, i);

		if (g_ascii_strncasecmp(u, "http://", 7) == 0) {
			r = kyso_rev_map_url(t, u);
			break;
		}
	}
	X509_email_free(urls);
	ERR_clear_error();
	return r;
}

static char *
certid_key(OCSP_CERTID *id)
{
	unsigned char *der = NULL;
	int n = i2d_OCSP_CERTID(id, &der);
	char *hex, *key;

	if (n <= 0)
		return NULL;
	hex = OPENSSL_buf2hexstr(der, n);
	key = g_strconcat("ocsp:", hex ? hex : "", NULL);
	OPENSSL_free(hex);
	OPENSSL_free(der);
	return key;
}

/* Send req to url; the parsed response or NULL with *why. */
static OCSP_RESPONSE *
ocsp_send(const char *url, OCSP_REQUEST *req, int timeout, char **why)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	GBytes *answer = NULL;
	OCSP_RESPONSE *r = NULL;
	char *e = NULL;
	gsize len;
	int n;

	if ((n = i2d_OCSP_REQUEST(req, &der)) <= 0) {
		*why = g_strdup("cannot encode the OCSP request");
		goto out;
	}
	if ((answer = kyso_http_post(url, "application/ocsp-request", der,
	         (size_t)n, "application/ocsp-response", KYSO_MAX_OCSP_BYTES,
	         timeout, &e)) == NULL) {
		*why = g_strdup_printf("OCSP responder %s", e);
		goto out;
	}
	p = g_bytes_get_data(answer, &len);
	if ((r = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL)
		*why = g_strdup_printf("OCSP responder %s: bad response", url);
out:
	g_free(e);
	if (answer != NULL)
		g_bytes_unref(answer);
	OPENSSL_free(der);
	ERR_clear_error();
	return r;
}

/* OCSP status of chain[0]; NOT_CHECKED when it has no responder. */
static enum kyso_revocation
ocsp_status(const struct kyso_trust *t, struct kyso_rev_session *rs,
    STACK_OF(X509) * chain, time_t now, time_t at, char **note)
{
	X509 *leaf = sk_X509_value(chain, 0), *issuer = sk_X509_value(chain, 1);
	enum kyso_revocation st = KYSO_REV_UNAVAILABLE;
	OCSP_CERTID *id = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	ASN1_GENERALIZEDTIME *revt = NULL, *thisu = NULL, *nextu = NULL;
	struct rev_entry *e = NULL;
	char *url = ocsp_url(t, leaf), *key = NULL, *why = NULL;
	int status, reason, timeout;
	time_t exp, revoked_at = 0;

	if (url == NULL)
		return KYSO_REV_NOT_CHECKED;
	if ((id = OCSP_cert_to_id(NULL, leaf, issuer)) == NULL ||
	    (key = certid_key(id)) == NULL) {
		why = g_strdup("cannot build OCSP CertID");
		goto out;
	}
	if ((e = cache_get(t->cache, key, now)) != NULL) {
		st = e->status;
		revoked_at = e->revoked_at;
		*note = g_strdup(e->note);
		goto out;
	}
	if ((req = OCSP_REQUEST_new()) == NULL ||
	    !OCSP_request_add0_id(req, OCSP_CERTID_dup(id)) ||
	    !OCSP_request_add1_nonce(req, NULL, -1)) {
		why = g_strdup("cannot build OCSP request");
		goto out;
	}
	if (!net_begin(t, rs, url, now, &timeout, &why))
		goto out;
	if ((resp = ocsp_send(url, req, timeout, &why)) == NULL) {
		net_failed(t, url, why, now);
		goto out;
	}
	if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		why = g_strdup_printf("OCSP responder error %s",
		    OCSP_response_status_str(OCSP_response_status(resp)));
		goto out;
	}
	/* RFC 6960 4.4.1: an echoed nonce must match; some responders
	 * (RFC 5019 profile) echo none */
	if (OCSP_check_nonce(req, bs) == 0) {
		why = g_strdup("OCSP nonce mismatch");
		goto out;
	}
	if (OCSP_basic_verify(bs, chain, t->store, 0) <= 0) {
		why = g_strdup("OCSP response signature not trusted");
		goto out;
	}
	if (!OCSP_resp_find_status(bs, id, &status, &reason, &revt, &thisu,
	        &nextu)) {
		why =
		    g_strdup("OCSP response has no status for the certificate");
		goto out;
	}
	if (!OCSP_check_validity(thisu, nextu, KYSO_OCSP_SKEW, -1)) {
		why = g_strdup("OCSP response outside its validity");
		goto out;
	}
	/* no nextUpdate ("newer information is always available", RFC
	 * 6960 4.2.2.1): current only for max_age after thisUpdate. A
	 * responder that echoes no nonce (RFC 5019) cannot tell its old
	 * answers from new ones: one captured before a revocation and
	 * replayed later would otherwise say "good" for ever. */
	if (nextu == NULL && kyso_cert_time(thisu) + t->max_age < now) {
		why = g_strdup_printf("OCSP response names no next update and "
		                      "is older than RevocationMaxAge (%d s)",
		    t->max_age);
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		st = KYSO_REV_GOOD;
		*note = g_strdup("OCSP: good");
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		st = KYSO_REV_REVOKED;
		revoked_at = revt ? kyso_cert_time(revt) : 0;
		*note = g_strdup_printf("OCSP: revoked (%s)",
		    OCSP_crl_reason_str(reason));
	} else {
		why = g_strdup("OCSP: unknown certificate");
		goto out;
	}
	exp = nextu ? kyso_cert_time(nextu) : now + KYSO_OCSP_DEFAULT_TTL;
	cache_put(t->cache, key, NULL, st, *note, exp, now);
	(void)cache_set_revoked_at(t->cache, key, revoked_at);
out:
	if (why != NULL) {
		st = KYSO_REV_UNAVAILABLE;
		*note = why;
	} else if (st == KYSO_REV_REVOKED && at != 0 && revoked_at > at) {
		/* revoked after the proven signing time */
		st = KYSO_REV_GOOD;
		g_free(*note);
		*note = g_strdup("OCSP: revoked after the proven signing time");
	}
	entry_free(e);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	g_free(key);
	g_free(url);
	ERR_clear_error();
	return st;
}

enum kyso_revocation
kyso_revocation_check(const struct kyso_trust *t, struct kyso_rev_session *rs,
    STACK_OF(X509) * chain, STACK_OF(X509_CRL) * cms_crls, time_t now,
    time_t at, char **note)
{
	enum kyso_revocation leaf = KYSO_REV_NOT_CHECKED, st;
	char *n = NULL, *ocsp_note = NULL;
	int i;

	*note = NULL;
	if (t->check == KYSO_REVCHECK_NONE) {
		*note =
		    g_strdup("revocation not checked (RevocationCheck none)");
		return KYSO_REV_NOT_CHECKED;
	}
	if (sk_X509_num(chain) < 2) {
		*note = g_strdup("not checked: the signer is an anchor");
		return KYSO_REV_NOT_CHECKED;
	}
	/* intermediates: a revoked CA revokes everything below it */
	for (i = sk_X509_num(chain) - 2; i >= 1; i--) {
		st = crl_status(t, rs, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), cms_crls, now, at, &n);
		if (st == KYSO_REV_REVOKED) {
			*note = g_strdup_printf("issuing CA: %s", n);
			g_free(n);
			return KYSO_REV_REVOKED;
		}
		g_free(n);
		n = NULL;
	}
	if (t->check & KYSO_REVCHECK_OCSP) {
		leaf = ocsp_status(t, rs, chain, now, at, &ocsp_note);
		if (leaf == KYSO_REV_REVOKED || leaf == KYSO_REV_GOOD) {
			*note = ocsp_note;
			/* a CRL may still say revoked where OCSP said good */
			if (leaf == KYSO_REV_GOOD &&
			    crl_status(t, rs, sk_X509_value(chain, 0),
			        sk_X509_value(chain, 1), cms_crls, now, at,
			        &n) == KYSO_REV_REVOKED) {
				g_free(*note);
				*note = n;
				return KYSO_REV_REVOKED;
			}
			g_free(n);
			return leaf;
		}
	}
	st = crl_status(t, rs, sk_X509_value(chain, 0), sk_X509_value(chain, 1),
	    cms_crls, now, at, &n);
	if (st == KYSO_REV_REVOKED || st == KYSO_REV_GOOD ||
	    leaf == KYSO_REV_NOT_CHECKED) {
		if (st == KYSO_REV_NOT_CHECKED && n == NULL)
			n = g_strdup("not checked: no CRL or OCSP source");
		*note = n;
		g_free(ocsp_note);
		return st;
	}
	/* OCSP unavailable and no definite CRL answer */
	*note = ocsp_note;
	g_free(n);
	return KYSO_REV_UNAVAILABLE;
}
