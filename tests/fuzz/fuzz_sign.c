/*
 * fuzz_sign.c - libFuzzer target: the input is a whole outbound message;
 * kyso_sign_message() signs it with the fuzz PKI's signer. When it says it
 * signed (0, kind PLAIN) the result must be what goes on the wire: a 7-bit
 * body (octets 1..127, CR only in CRLF, lines of at most 998 octets) that
 * OpenSSL's own S/MIME reader parses and CMS_verify() accepts over the exact
 * bytes (CMS_BINARY) - anything else would be a signature that breaks in
 * transit, so it aborts as a finding. One structure: our own verifier (raw
 * bytes, every header block read for duplicate structure fields) must find
 * one whole-message signature over it, not malformed, signature good - what
 * we seal is what a reader of the raw bytes sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <gmime/gmime.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "kyso/smime/mime.h"
#include "kyso/smime/sign.h"
#include "kyso/smime/signer.h"
#include "kyso/smime/trust.h"
#include "kyso/smime/verify.h"
#include "fuzz_common.h"

static struct kyso_signer *signer;
static X509_STORE *store;
static struct kyso_trust *trust;
static time_t now;

static void
setup(void)
{
	const struct fz_pki *p;
	struct kyso_signer_spec spec;
	struct kyso_trust_spec ts;
	struct kyso_err err = {0};

	kyso_mime_init();
	p = fz_pki();
	memset(&spec, 0, sizeof(spec));
	spec.cert_file = p->cert;
	spec.key_file = p->key;
	spec.chain_file = p->chain[0] != '\0' ? p->chain : NULL;
	spec.digest = "sha256";
	if ((signer = kyso_signer_load(&spec, &err)) == NULL)
		fz_die(err.msg);
	if ((store = X509_STORE_new()) == NULL ||
	    !X509_STORE_load_file(store, p->ca))
		fz_die("X509_STORE");
	memset(&ts, 0, sizeof(ts));
	ts.anchor_file = p->ca;
	ts.timeout = 1;
	if ((trust = kyso_trust_load(&ts, &err)) == NULL)
		fz_die(err.msg);
	now = time(NULL);
}

static void
finding(const char *what, const GByteArray *msg)
{
	(void)fprintf(stderr, "fuzz_sign: %s\n", what);
	ERR_print_errors_fp(stderr);
	if (msg != NULL && getenv("KYSO_FUZZ_DUMP") != NULL)
		(void)fwrite(msg->data, 1, msg->len, stderr);
	abort();
}

/* The wire form: 7-bit, CRLF only, lines <= 998 octets. */
static void
check_7bit(const guint8 *d, size_t n, const GByteArray *msg)
{
	size_t i, line = 0;

	for (i = 0; i < n; i++) {
		if (d[i] == '\r') {
			if (i + 1 >= n || d[i + 1] != '\n')
				finding("bare CR in the signed body", msg);
			continue;
		}
		if (d[i] == '\n') {
			if (i == 0 || d[i - 1] != '\r')
				finding("bare LF in the signed body", msg);
			line = 0;
			continue;
		}
		if (d[i] == 0 || d[i] >= 0x80)
			finding("8-bit or NUL octet in the signed body", msg);
		if (++line > 998)
			finding("line over 998 octets in the signed body", msg);
	}
}

/* Our own verifier over the signed message: one whole-message signature,
 * not malformed (no structure field twice anywhere), signature good. */
static void
check_own(const GByteArray *msg)
{
	GMimeStream *s =
	    g_mime_stream_mem_new_with_buffer((const char *)msg->data,
	        msg->len);
	struct kyso_verify_result r;
	struct kyso_err err = {0};

	if (kyso_verify_message(trust, s, NULL, now, &r, &err) != 0)
		finding("our verifier cannot read what we signed", msg);
	if (!r.found || !r.whole || r.malformed || r.nsigners != 1 ||
	    !r.signers[0].signature_ok)
		finding(r.malformed_reason != NULL
		        ? r.malformed_reason
		        : "our verifier does not see one whole, good signature",
		    msg);
	kyso_verify_result_clear(&r);
	g_object_unref(s);
}

/* Parse and verify the signed message with OpenSSL alone, then with our
 * own verifier. */
static void
check_openssl(const struct kyso_sign_result *res, const GByteArray *body)
{
	GByteArray *msg = g_byte_array_new();
	const char *c;
	BIO *in = NULL, *bcont = NULL;
	CMS_ContentInfo *cms = NULL;

	g_byte_array_append(msg,
	    (const guint8 *)"MIME-Version: 1.0\r\nContent-Type: ", 33);
	for (c = res->content_type; *c != '\0'; c++) {
		if ((unsigned char)*c >= 0x80 || *c == '\r')
			finding("Content-Type is not 7-bit", NULL);
		if (*c == '\n')
			g_byte_array_append(msg, (const guint8 *)"\r", 1);
		g_byte_array_append(msg, (const guint8 *)c, 1);
	}
	g_byte_array_append(msg, (const guint8 *)"\r\n\r\n", 4);
	g_byte_array_append(msg, body->data, body->len);
	if ((in = BIO_new_mem_buf(msg->data, (int)msg->len)) == NULL)
		fz_die("BIO");
	if ((cms = SMIME_read_CMS(in, &bcont)) == NULL)
		finding("OpenSSL cannot parse the signed message", msg);
	if (bcont == NULL)
		finding("OpenSSL finds no detached content", msg);
	if (CMS_verify(cms, NULL, store, bcont, NULL, CMS_BINARY) != 1)
		finding("OpenSSL CMS_verify fails on what we signed", msg);
	CMS_ContentInfo_free(cms);
	BIO_free(bcont);
	BIO_free(in);
	ERR_clear_error();
	check_own(msg);
	g_byte_array_unref(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kyso_sign_opts opts;
	struct kyso_sign_result res;
	struct kyso_err err = {0};
	GMimeStream *in, *out;
	GByteArray *body;

	if (signer == NULL)
		setup();
	memset(&opts, 0, sizeof(opts));
	opts.signing_time = now;
	opts.tmp_dir = fz_dir();
	memset(&res, 0, sizeof(res));
	in = g_mime_stream_mem_new_with_buffer((const char *)data, size);
	out = g_mime_stream_mem_new();
	if (kyso_sign_message(signer, in, out, &opts, &res, &err) == 0) {
		if (res.kind == KYSO_MIME_PLAIN) {
			body = g_mime_stream_mem_get_byte_array(
			    GMIME_STREAM_MEM(out));
			if (res.content_type == NULL ||
			    res.body_bytes != body->len)
				finding("result does not match the body", body);
			check_7bit(body->data, body->len, body);
			check_openssl(&res, body);
		}
	} else if (err.cls == KYSO_E_NONE) {
		finding("failure without a reason", NULL);
	}
	kyso_sign_result_clear(&res);
	g_object_unref(out);
	g_object_unref(in);
	ERR_clear_error();
	return 0;
}
