/*
 * trust.c - load what inbound verification trusts: anchors (file and/or
 * hashed directory), configured intermediates, CRL files, revocation
 * settings, the agency/personal policy-OID lists, the legacy SHA-1
 * anchors and the files of a trust profile (TrustProfile vgca).
 *
 * kyso_trust_load() reads every file once; the result is read-only and
 * shared by all threads (the revocation and verification caches inside
 * have their own locks).
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfile.h"
#include "kyso/limits.h"
#include "trust_int.h"
#include "vcache.h"

/* Split a comma/space list of dotted OIDs into arr; -1 on a bad OID. */
static int
parse_oids(const char *list, GPtrArray *arr, const char *what,
    struct kyso_err *err)
{
	char **parts = NULL;
	ASN1_OBJECT *obj;
	int i, rc = -1;

	if (list == NULL)
		return 0;
	parts = g_strsplit_set(list, ", \t", -1);
	for (i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0')
			continue;
		/* dotted numeric form only */
		if ((obj = OBJ_txt2obj(parts[i], 1)) == NULL) {
			ERR_clear_error();
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: \"%s\" is not a dotted OID", what, parts[i]);
			goto out;
		}
		ASN1_OBJECT_free(obj);
		g_ptr_array_add(arr, g_strdup(parts[i]));
	}
	rc = 0;
out:
	g_strfreev(parts);
	return rc;
}

/* Read CRLs from `path`: one or more PEM CRLs, or a single DER CRL. */
static int
load_crls(const char *path, STACK_OF(X509_CRL) * sk, struct kyso_err *err)
{
	BIO *b = NULL;
	X509_CRL *c;
	int n = 0, rc = -1;

	if ((b = BIO_new_file(path, "rb")) == NULL) {
		kyso_err_openssl(err, KYSO_E_CONFIG, path);
		goto out;
	}
	while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_CRL_push(sk, c)) {
			X509_CRL_free(c);
			goto out;
		}
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		(void)BIO_reset(b);
		if ((c = d2i_X509_CRL_bio(b, NULL)) != NULL) {
			if (!sk_X509_CRL_push(sk, c)) {
				X509_CRL_free(c);
				goto out;
			}
			n++;
		}
		ERR_clear_error();
	}
	if (n == 0) {
		kyso_err_set(err, KYSO_E_CONFIG, "%s: no PEM or DER CRL found",
		    path);
		goto out;
	}
	rc = 0;
out:
	BIO_free(b);
	return rc;
}

/* Add every certificate of the PEM file `path` to the store as an anchor;
 * keep (may be NULL) gets a reference to each as well. */
static int
add_anchors(X509_STORE *store, const char *path, STACK_OF(X509) * keep,
    struct kyso_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;
	int i, rc = -1;

	if (sk == NULL || kyso_certfile_read(path, sk, err) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(sk); i++) {
		x = sk_X509_value(sk, i);
		if (!X509_STORE_add_cert(store, x)) {
			kyso_err_openssl(err, KYSO_E_CONFIG, path);
			goto out;
		}
		if (keep != NULL) {
			if (!X509_up_ref(x))
				goto out;
			if (!sk_X509_push(keep, x)) {
				X509_free(x);
				goto out;
			}
		}
	}
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* The files of a trust profile directory: anchors.pem (required),
 * intermediates.pem and legacy-sha1-anchors.pem (when present). */
static int
load_profile(struct kyso_trust *t, const char *dir, struct kyso_err *err)
{
	char *anchors = g_build_filename(dir, "anchors.pem", NULL);
	char *inter = g_build_filename(dir, "intermediates.pem", NULL);
	char *legacy = g_build_filename(dir, "legacy-sha1-anchors.pem", NULL);
	int rc = -1;

	if (add_anchors(t->store, anchors, NULL, err) != 0)
		goto out;
	if (g_file_test(inter, G_FILE_TEST_EXISTS) &&
	    kyso_certfile_read(inter, t->intermediates, err) != 0)
		goto out;
	if (g_file_test(legacy, G_FILE_TEST_EXISTS) &&
	    add_anchors(t->store, legacy, t->legacy_sha1, err) != 0)
		goto out;
	rc = 0;
out:
	g_free(anchors);
	g_free(inter);
	g_free(legacy);
	return rc;
}

/* The words of line l (split in place on blanks) into w[0..max); how
 * many there are (may exceed max). */
static int
words(char *l, char **w, int max)
{
	int n = 0;
	char *save = NULL, *p = strtok_r(l, " \t", &save);

	for (; p != NULL; p = strtok_r(NULL, " \t", &save), n++)
		if (n < max)
			w[n] = p;
	return n;
}

/* RevocationURLMap: "FROM TO" lines of http:// URL prefixes ('#'
 * comments), into map as from, to pairs in file order. */
static int
load_url_map(const char *path, GPtrArray *map, struct kyso_err *err)
{
	char *text = NULL, **lines = NULL, *w[2];
	GError *ge = NULL;
	int i, rc = -1;

	if (!g_file_get_contents(path, &text, NULL, &ge)) {
		kyso_err_set(err, KYSO_E_CONFIG, "RevocationURLMap %s: %s",
		    path, ge->message);
		g_error_free(ge);
		return -1;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(lines[i]);

		if (l[0] == '\0' || l[0] == '#')
			continue;
		if (words(l, w, 2) != 2 ||
		    g_ascii_strncasecmp(w[0], "http://", 7) != 0 ||
		    g_ascii_strncasecmp(w[1], "http://", 7) != 0 ||
		    strlen(w[0]) < 8) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s:%d: want \"http://from http://to\"", path,
			    i + 1);
			goto out;
		}
		if (map->len / 2 >= KYSO_MAX_URL_MAP) {
			kyso_err_set(err, KYSO_E_CONFIG,
			    "%s: more than %d entries", path, KYSO_MAX_URL_MAP);
			goto out;
		}
		g_ptr_array_add(map, g_strdup(w[0]));
		g_ptr_array_add(map, g_strdup(w[1]));
	}
	rc = 0;
out:
	g_strfreev(lines);
	g_free(text);
	return rc;
}

/* TimestampTrustAnchors: a store of the PEM roots in path. */
static X509_STORE *
load_tsa_store(const char *path, struct kyso_err *err)
{
	STACK_OF(X509) *roots = sk_X509_new_null();
	X509_STORE *st = X509_STORE_new();
	int i, ok = 0;

	if (roots == NULL || st == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "TSA store");
		goto out;
	}
	if (kyso_certfile_read(path, roots, err) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(roots); i++)
		if (!X509_STORE_add_cert(st, sk_X509_value(roots, i))) {
			kyso_err_openssl(err, KYSO_E_CONFIG, path);
			goto out;
		}
	ok = 1;
out:
	sk_X509_pop_free(roots, X509_free);
	if (!ok) {
		X509_STORE_free(st);
		st = NULL;
	}
	return st;
}

/* The SHA-256 of every configured CRL, hashed here once instead of for
 * every message (the cache's key of a CRL signature check), and the
 * anchors' and intermediates' own (vcache.h). Best effort: what is not
 * here is hashed when used. */
static void
remember_digests(struct kyso_trust *t)
{
	unsigned char d[KYSO_VCACHE_KEY];
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->store);
	int i;

	t->crl_sha = g_byte_array_new();
	for (i = 0; i < sk_X509_CRL_num(t->crls); i++) {
		if (!kyso_vcache_crl_digest(t->vcache,
		        sk_X509_CRL_value(t->crls, i), d))
			break;
		g_byte_array_append(t->crl_sha, d, sizeof(d));
	}
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

		if (x != NULL)
			kyso_vcache_memo_cert(t->vcache, x);
	}
	for (i = 0; i < sk_X509_num(t->intermediates); i++)
		kyso_vcache_memo_cert(t->vcache,
		    sk_X509_value(t->intermediates, i));
}

struct kyso_trust *
kyso_trust_load(const struct kyso_trust_spec *spec, struct kyso_err *err)
{
	struct kyso_trust *t = g_new0(struct kyso_trust, 1);

	ERR_clear_error();
	t->store = X509_STORE_new();
	t->intermediates = sk_X509_new_null();
	t->crls = sk_X509_CRL_new_null();
	t->agency_oids = g_ptr_array_new_with_free_func(g_free);
	t->personal_oids = g_ptr_array_new_with_free_func(g_free);
	t->legacy_sha1 = sk_X509_new_null();
	t->url_map = g_ptr_array_new_with_free_func(g_free);
	if (t->store == NULL || t->intermediates == NULL || t->crls == NULL ||
	    t->legacy_sha1 == NULL) {
		kyso_err_openssl(err, KYSO_E_INTERNAL, "trust store");
		goto fail;
	}
	if (spec->anchor_file != NULL &&
	    add_anchors(t->store, spec->anchor_file, NULL, err) != 0)
		goto fail;
	if (spec->profile_dir != NULL &&
	    load_profile(t, spec->profile_dir, err) != 0)
		goto fail;
	/* a legacy anchor is an anchor: SHA-1 CA signatures are accepted only
	 * in chains that end at one of these (verify_signer.c) */
	if (spec->legacy_sha1_file != NULL &&
	    add_anchors(t->store, spec->legacy_sha1_file, t->legacy_sha1,
	        err) != 0)
		goto fail;
	if (spec->anchor_dir != NULL &&
	    !X509_STORE_load_path(t->store, spec->anchor_dir)) {
		kyso_err_openssl(err, KYSO_E_CONFIG, spec->anchor_dir);
		goto fail;
	}
	if (spec->intermediate_file != NULL &&
	    kyso_certfile_read(spec->intermediate_file, t->intermediates,
	        err) != 0)
		goto fail;
	if (spec->crl_file != NULL &&
	    load_crls(spec->crl_file, t->crls, err) != 0)
		goto fail;
	if (parse_oids(spec->agency_oids, t->agency_oids, "AgencyPolicyOIDs",
	        err) != 0 ||
	    parse_oids(spec->personal_oids, t->personal_oids,
	        "PersonalPolicyOIDs", err) != 0)
		goto fail;
	if (spec->url_map != NULL &&
	    load_url_map(spec->url_map, t->url_map, err) != 0)
		goto fail;
	if (spec->tsa_anchor_file != NULL &&
	    (t->tsa_store = load_tsa_store(spec->tsa_anchor_file, err)) == NULL)
		goto fail;
	/* only fetched CRLs go to disk: the directory matters for CRL mode */
	if (spec->cache_dir != NULL &&
	    (spec->revocation_check & KYSO_REVCHECK_CRL)) {
		if (kyso_cachedir_check(spec->cache_dir, 0, err) != 0)
			goto fail;
		t->cache_dir = g_strdup(spec->cache_dir);
	}
	t->scratch_dir = g_strdup(spec->scratch_dir);
	t->scratch_memory = spec->scratch_memory != 0
	    ? spec->scratch_memory
	    : KYSO_DEFAULT_SPOOL_MEMORY;
	t->check =
	    spec->revocation_check & (KYSO_REVCHECK_CRL | KYSO_REVCHECK_OCSP);
	t->timeout = spec->timeout > 0 ? spec->timeout : 10;
	t->budget = spec->budget > 0 ? spec->budget : KYSO_REV_DEFAULT_BUDGET;
	t->softfail = spec->softfail;
	t->max_age =
	    spec->max_age > 0 ? spec->max_age : KYSO_REV_DEFAULT_MAX_AGE;
	t->cache = kyso_revocation_cache_new();
	/* a new trust, a new empty cache: what a reload invalidates */
	t->vcache = kyso_vcache_new(spec->verify_cache_size > 0
	        ? (unsigned)spec->verify_cache_size
	        : KYSO_VCACHE_DEFAULT);
	remember_digests(t);
	return t;
fail:
	kyso_trust_free(t);
	return NULL;
}

void
kyso_trust_free(struct kyso_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->intermediates, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	sk_X509_pop_free(t->legacy_sha1, X509_free);
	g_free(t->cache_dir);
	g_free(t->scratch_dir);
	if (t->agency_oids != NULL)
		g_ptr_array_free(t->agency_oids, TRUE);
	if (t->personal_oids != NULL)
		g_ptr_array_free(t->personal_oids, TRUE);
	kyso_revocation_cache_free(t->cache);
	kyso_vcache_free(t->vcache);
	if (t->crl_sha != NULL)
		g_byte_array_unref(t->crl_sha);
	if (t->url_map != NULL)
		g_ptr_array_free(t->url_map, TRUE);
	X509_STORE_free(t->tsa_store);
	g_free(t);
}
