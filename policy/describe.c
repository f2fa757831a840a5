/*
 * describe.c - what kyso says about one certificate under a configuration
 * (`kyso-milter -c FILE -C CERT.pem`): its names, fingerprint, validity,
 * whether it chains to the configured anchors (and whether only through
 * the legacy SHA-1 exception), and the kind the configuration gives it,
 * with the rule that gave it. The text an administrator copies subjects
 * and fingerprints from into the KindTable and SealTable.
 */
#include <string.h>

#include <glib.h>

#include "kyso/policy/inbound.h"
#include "kyso/policy/seal.h"

/* "aa:bb:..." upper case from lower-case hex. */
static void
append_fp(GString *s, const char *hex)
{
	size_t i;

	for (i = 0; hex != NULL && hex[i] != '\0'; i++) {
		if (i > 0 && i % 2 == 0)
			g_string_append_c(s, ':');
		g_string_append_c(s, g_ascii_toupper(hex[i]));
	}
}

static char *
day(time_t t)
{
	GDateTime *d = g_date_time_new_from_unix_utc((gint64)t);
	char *r = d ? g_date_time_format(d, "%Y-%m-%d") : g_strdup("?");

	if (d != NULL)
		g_date_time_unref(d);
	return r;
}

/* The kind and which rule gave it (the order of kyso_seal_binding). */
static const char *
kind_source(const struct kyso_config *cfg, const struct kyso_signer_info *si,
    enum kyso_cert_kind *kind)
{
	enum kyso_cert_kind k = si->kind;
	const char *src = "certificate (policy OIDs or default rule)";
	int listed = 0;

	if (kyso_kind_lookup(kyso_config_kinds(cfg), si, &k))
		src = "KindTable";
	(void)kyso_seal_table_binding(kyso_config_seals(cfg), si->fingerprint,
	    NULL, &k, &listed);
	if (listed)
		src = "SealTable";
	*kind = k;
	return src;
}

char *
kyso_describe_cert(const struct kyso_config *cfg, const char *path, time_t now,
    struct kyso_err *err)
{
	struct kyso_signer_info si;
	GString *s;
	enum kyso_cert_kind kind;
	const char *src;
	char *nb, *na;

	if (kyso_config_trust(cfg) == NULL) {
		kyso_err_set(err, KYSO_E_CONFIG,
		    "VerifyInbound is off: nothing is trusted");
		return NULL;
	}
	if (kyso_verify_cert_file(kyso_config_trust(cfg), path, now, &si, err) <
	    0)
		return NULL;
	s = g_string_new(NULL);
	src = kind_source(cfg, &si, &kind);
	nb = day(si.not_before);
	na = day(si.not_after);
	g_string_append_printf(s, "certificate: %s\nsubject: %s\n", path,
	    si.subject_utf8 ? si.subject_utf8 : "?");
	g_string_append_printf(s, "issuer: %s\nserial: %s\nsha256: ",
	    si.issuer_cn ? si.issuer_cn : "?", si.serial_hex);
	append_fp(s, si.fingerprint);
	g_string_append_printf(s, "\nvalid: %s to %s (%s now)\ne-mail: %s\n",
	    nb, na, si.valid_now ? "valid" : "NOT valid",
	    si.email ? si.email : "none");
	if (si.chain_ok)
		g_string_append_printf(s, "chain: trusted%s\n",
		    si.legacy_sha1 ? " (legacy SHA-1 CA chain: accepted "
		                     "only under a LegacySHA1Anchors anchor)"
		                   : "");
	else
		g_string_append_printf(s, "chain: NOT trusted: %s\n",
		    si.chain_error ? si.chain_error : "?");
	if (si.issuer_fingerprint != NULL) {
		g_string_append(s, "issuer sha256: ");
		append_fp(s, si.issuer_fingerprint);
		g_string_append_c(s, '\n');
	}
	g_string_append_printf(s, "kind: %s (by %s)\n",
	    kyso_cert_kind_name(kind), src);
	g_free(nb);
	g_free(na);
	kyso_signer_info_clear(&si);
	return g_string_free(s, FALSE);
}
