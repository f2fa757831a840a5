/*
 * inbound_cases.h - read the cases.tsv written by
 * tests/pki/make-inbound-cases.sh and the trust profile files it names
 * (kyso-milter.conf syntax). Header-only, shared by test_verify.c and
 * test_inbound.c.
 */
#ifndef KYSO_INBOUND_CASES_H
#define KYSO_INBOUND_CASES_H

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "kyso/smime/trust.h"

struct icase {
	char *name, *file, *from, *profile, *phase, *facts, *result;
};

static void
icase_free(gpointer p)
{
	struct icase *c = p;

	g_free(c->name);
	g_free(c->file);
	g_free(c->from);
	g_free(c->profile);
	g_free(c->phase);
	g_free(c->facts);
	g_free(c->result);
	g_free(c);
}

/* All cases for `phase` ("up": need the network servers; "down": all the
 * others). Skipped tools are reported through *skips (a string list). */
static G_GNUC_UNUSED GPtrArray *
icases_load(const char *dir, const char *phase, GPtrArray *skips)
{
	char *path = g_build_filename(dir, "cases.tsv", NULL), *text = NULL;
	GPtrArray *arr = g_ptr_array_new_with_free_func(icase_free);
	char **lines;
	int i;

	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		g_free(path);
		return arr;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL; i++) {
		char **f = g_strsplit(lines[i], "\t", -1);

		if (g_strv_length(f) == 2 && strcmp(f[0], "skip") == 0)
			g_ptr_array_add(skips, g_strdup(f[1]));
		if (g_strv_length(f) == 7) {
			int up = strcmp(f[4], "up") == 0;

			if (up == (strcmp(phase, "up") == 0)) {
				struct icase *c = g_new0(struct icase, 1);

				c->name = g_strdup(f[0]);
				c->file = g_build_filename(dir, f[1], NULL);
				c->from = g_strdup(f[2]);
				c->profile = g_strdup(f[3]);
				c->phase = g_strdup(f[4]);
				c->facts = g_strdup(f[5]);
				c->result = g_strdup(f[6]);
				g_ptr_array_add(arr, c);
			}
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return arr;
}

/* Value of `key` in a kyso-milter.conf style file, or NULL (g_free). */
static G_GNUC_UNUSED char *
iconf_get(const char *conf, const char *key)
{
	char *text = NULL, **lines, *r = NULL;
	size_t klen = strlen(key);
	int i;

	if (!g_file_get_contents(conf, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL && r == NULL; i++)
		if (strncmp(lines[i], key, klen) == 0 && lines[i][klen] == ' ')
			r = g_strstrip(g_strdup(lines[i] + klen + 1));
	g_strfreev(lines);
	g_free(text);
	return r;
}

/* Load the trust material of profile `name` in dir. */
static G_GNUC_UNUSED struct kyso_trust *
iprofile_trust(const char *dir, const char *name, struct kyso_err *err)
{
	char *conf = g_strdup_printf("%s/%s.conf", dir, name);
	char *v[12];
	struct kyso_trust_spec s = {0};
	struct kyso_trust *t;
	char *check, *rev, *tmo, *budget;
	int i;

	v[0] = iconf_get(conf, "TrustAnchorFile");
	v[1] = iconf_get(conf, "IntermediateCertificates");
	v[2] = iconf_get(conf, "CRLFile");
	v[3] = iconf_get(conf, "TemporaryDirectory");
	v[4] = iconf_get(conf, "AgencyPolicyOIDs");
	v[5] = iconf_get(conf, "PersonalPolicyOIDs");
	v[6] = check = iconf_get(conf, "RevocationCheck");
	v[7] = budget = iconf_get(conf, "RevocationBudget");
	v[8] = rev = iconf_get(conf, "OnRevocationUnavailable");
	v[9] = tmo = iconf_get(conf, "RevocationTimeout");
	v[10] = iconf_get(conf, "RevocationCacheDirectory");
	v[11] =
	    v[3] ? g_strdup_printf("%s/kyso-milter-revocation", v[3]) : NULL;
	s.anchor_file = v[0];
	s.intermediate_file = v[1];
	s.crl_file = v[2];
	s.cache_dir = v[10] ? v[10] : v[11];
	s.agency_oids = v[4];
	s.personal_oids = v[5];
	/* the configuration default is ocsp+crl */
	s.revocation_check = check == NULL || strcmp(check, "ocsp+crl") == 0
	    ? KYSO_REVCHECK_CRL | KYSO_REVCHECK_OCSP
	    : strcmp(check, "crl") == 0  ? KYSO_REVCHECK_CRL
	    : strcmp(check, "ocsp") == 0 ? KYSO_REVCHECK_OCSP
	                                 : KYSO_REVCHECK_NONE;
	s.budget = budget != NULL ? (int)g_ascii_strtoll(budget, NULL, 10) : 0;
	s.softfail = rev != NULL && strcmp(rev, "softpass") == 0;
	s.timeout = tmo != NULL ? (int)g_ascii_strtoll(tmo, NULL, 10) : 5;
	t = kyso_trust_load(&s, err);
	for (i = 0; i < 12; i++)
		g_free(v[i]);
	g_free(conf);
	return t;
}

#endif
