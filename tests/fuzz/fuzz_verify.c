/*
 * fuzz_verify.c - libFuzzer target: the input is a whole received message;
 * kyso_verify_message() must neither crash nor leak on it, and what it
 * reports must be self-consistent (signer count within KYSO_MAX_SIGNERS,
 * every signer's strings readable, a verdict only for a found signature),
 * and one structure: a detached signature it would count for the whole
 * message is one GMime (the recipient's kind of reader) also sees as the
 * message's top-level multipart/signed. Trust: the fuzz PKI's anchor
 * (fuzz_common.h), no network revocation.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "kyso/limits.h"
#include "kyso/smime/mime.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "fuzz_common.h"

static struct kyso_trust *trust;
static time_t now;

static void
setup(void)
{
	struct kyso_trust_spec spec;
	struct kyso_err err = {0};

	kyso_mime_init();
	memset(&spec, 0, sizeof(spec));
	spec.anchor_file = fz_pki()->ca;
	spec.agency_oids = "1.3.6.1.4.1.55555.1.1";
	spec.personal_oids = "1.3.6.1.4.1.55555.1.2";
	spec.timeout = 1;
	spec.softfail = 1;
	if ((trust = kyso_trust_load(&spec, &err)) == NULL)
		fz_die(err.msg);
	now = time(NULL);
}

static void
check_str(const char *s)
{
	if (s != NULL && strlen(s) > (size_t)1 << 24)
		abort();
}

/* Abort when we would vouch for a whole-message detached signature that
 * GMime does not see as the top level of the message. */
static void
check_one_structure(const uint8_t *data, size_t size,
    const struct kyso_verify_result *res)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;

	if (!res->found || !res->whole || res->malformed || res->opaque)
		return;
	s = g_mime_stream_mem_new_with_buffer((const char *)data, size);
	p = g_mime_parser_new_with_stream(s);
	/* NULL: GMime takes no message whose first line is not a field; the
	 * daemon's top-level header always is (the MTA hands over fields) */
	m = g_mime_parser_construct_message(p, NULL);
	if (m != NULL && kyso_mime_kind(m) != KYSO_MIME_SIGNED)
		abort();
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kyso_verify_result res;
	struct kyso_err err = {0};
	GMimeStream *s;
	size_t i;
	int rc;

	if (trust == NULL)
		setup();
	memset(&res, 0, sizeof(res));
	s = g_mime_stream_mem_new_with_buffer((const char *)data, size);
	rc = kyso_verify_message(trust, s, FZ_FROM, now, &res, &err);
	if (rc != 0 && err.cls == KYSO_E_NONE)
		abort(); /* a failure must say why */
	if (rc == 0) {
		if (res.nsigners > KYSO_MAX_SIGNERS ||
		    (res.nsigners > 0 && res.signers == NULL) ||
		    (res.nsigners > 0 && !res.found))
			abort();
		check_str(res.malformed_reason);
		check_str(res.part);
		for (i = 0; i < res.nsigners; i++) {
			const struct kyso_signer_info *si = &res.signers[i];

			check_str(si->signature_error);
			check_str(si->chain_error);
			check_str(si->weak_reason);
			check_str(si->revocation_note);
			check_str(si->email);
			check_str(si->subject_cn);
			check_str(si->subject);
			check_str(si->issuer_rfc4514);
			check_str(si->issuer_cn);
			check_str(si->serial_hex);
			check_str(si->digest);
			(void)kyso_cert_kind_name(si->kind);
		}
		check_one_structure(data, size, &res);
	}
	kyso_verify_result_clear(&res);
	g_object_unref(s);
	return 0;
}
