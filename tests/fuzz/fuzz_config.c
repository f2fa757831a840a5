/*
 * fuzz_config.c - libFuzzer target: the input is a configuration file, and
 * then, with a fixed configuration around it, a signing table and a
 * certificate table. kyso_config_load() must load or refuse each with a
 * "file:line" message, never crash or leak; a loaded signing table only
 * ever maps a sender to a certificate id that has a loaded signer.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "kyso/policy/config.h"
#include "kyso/smime/mime.h"
#include "fuzz_common.h"

static char conf_path[512], st_path[512], ct_path[512];
static char st_conf[512], ct_conf[512];

static const char *const senders[] = {FZ_FROM, "vanthu@sotttt.hagiang.gov.vn",
    "x@a.b.hagiang.gov.vn", "a@example.org", "@", "a@", NULL};

static void
setup(void)
{
	const struct fz_pki *p;
	const char *fixed_st = "*@hagiang.gov.vn agency\n";
	char *text;

	kyso_mime_init();
	p = fz_pki();
	fz_path(conf_path, sizeof(conf_path), "fuzz.conf");
	/* fixed tables: the certificate table for variant 2, the signing
	 * table for variant 3 */
	text = g_strdup_printf("agency cert=%s key=%s%s%s\n"
	                       "personal cert=%s key=%s digest=sha512\n",
	    p->cert, p->key, p->chain[0] != '\0' ? " chain=" : "", p->chain,
	    p->cert, p->key);
	fz_write(ct_path, sizeof(ct_path), "certificate.table", text,
	    strlen(text));
	g_free(text);
	fz_write(st_path, sizeof(st_path), "signing.table", fixed_st,
	    strlen(fixed_st));
	/* variant 2: the input is the signing table */
	text = g_strdup_printf("Socket unix:/tmp/x\nDomain hagiang.gov.vn\n"
	                       "SubDomains yes\nVerifyInbound no\n"
	                       "AuthservID mail.hagiang.gov.vn\n"
	                       "SigningTable %s\nCertificateTable %s\n",
	    conf_path, ct_path);
	fz_write(st_conf, sizeof(st_conf), "st.conf", text, strlen(text));
	g_free(text);
	/* variant 3: the input is the certificate table */
	text = g_strdup_printf("Socket unix:/tmp/x\nDomain hagiang.gov.vn\n"
	                       "VerifyInbound no\n"
	                       "AuthservID mail.hagiang.gov.vn\n"
	                       "SigningTable %s\nCertificateTable %s\n",
	    st_path, conf_path);
	fz_write(ct_conf, sizeof(ct_conf), "ct.conf", text, strlen(text));
	g_free(text);
}

/* Load path; on failure the message must be set. */
static struct kyso_config *
load(const char *path)
{
	struct kyso_err err = {0};
	struct kyso_config *cfg = kyso_config_load(path, &err);

	if (cfg == NULL && (err.cls == KYSO_E_NONE || err.msg[0] == '\0'))
		abort();
	return cfg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kyso_config *cfg;
	const char *id;
	size_t i;

	if (conf_path[0] == '\0')
		setup();
	fz_write(conf_path, sizeof(conf_path), "fuzz.conf", data, size);

	/* 1. the input is the configuration file */
	if ((cfg = load(conf_path)) != NULL) {
		for (i = 0; senders[i] != NULL; i++)
			if ((id = kyso_config_lookup_sender(cfg, senders[i])) !=
			        NULL &&
			    kyso_config_signer(cfg, id) == NULL)
				abort();
		(void)kyso_config_is_internal_host(cfg, "192.0.2.1");
		(void)kyso_config_is_internal_host(cfg, "::1");
		(void)kyso_config_is_own_domain(cfg, "hagiang.gov.vn");
		kyso_config_unref(cfg);
	}
	/* 2. the input is the signing table */
	if ((cfg = load(st_conf)) != NULL) {
		for (i = 0; senders[i] != NULL; i++)
			if ((id = kyso_config_lookup_sender(cfg, senders[i])) !=
			        NULL &&
			    kyso_config_signer(cfg, id) == NULL)
				abort();
		kyso_config_unref(cfg);
	}
	/* 3. the input is the certificate table */
	if ((cfg = load(ct_conf)) != NULL) {
		if ((id = kyso_config_lookup_sender(cfg, FZ_FROM)) == NULL ||
		    kyso_config_signer(cfg, id) == NULL)
			abort();
		kyso_config_unref(cfg);
	}
	return 0;
}
