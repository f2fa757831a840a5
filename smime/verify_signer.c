/*
 * verify_signer.c - the facts about one SignerInfo: signature over the
 * signed attributes, ESS signingCertificate binding (RFC 5035), algorithm
 * strength, chain to the configured anchors with purpose smime_sign
 * (RFC 8550 4.4: keyUsage and emailProtection), validity now (or at the
 * time an RFC 3161 token proves, timestamp.c) and at signingTime,
 * revocation (before that proven time), e-mail match with From, and kind.
 *
 * CMS_verify() is all-or-nothing over signers, so each SignerInfo is
 * judged on its own here. Never logs; never fails (problems are facts).
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "certfile.h"
#include "digest.h"
#include "kyso/limits.h"
#include "kyso/smime/signer.h"
#include "vcache.h"
#include "verify_int.h"

static int
weak_md(int nid)
{
	return nid == NID_md5 || nid == NID_sha1 || nid == NID_md2 ||
	    nid == NID_md4;
}

static void
check_algorithms(CMS_SignerInfo *s, X509 *signer, struct kyso_signer_info *si)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	EVP_PKEY *pk = X509_get0_pubkey(signer);
	int dnid, snid, mdnid = NID_undef, pknid = NID_undef, bits;

	CMS_SignerInfo_get0_algs(s, NULL, NULL, &dig, &sig);
	dnid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	snid = sig ? OBJ_obj2nid(sig->algorithm) : NID_undef;
	si->digest = g_strdup(kyso_digest_name(dnid));
	if (weak_md(dnid)) {
		si->weak = 1;
		si->weak_reason = g_strdup_printf("%s digest", si->digest);
		return;
	}
	if (snid != NID_undef && OBJ_find_sigid_algs(snid, &mdnid, &pknid) &&
	    weak_md(mdnid)) {
		si->weak = 1;
		si->weak_reason =
		    g_strdup_printf("%s signature algorithm", OBJ_nid2sn(snid));
		return;
	}
	if (pk != NULL &&
	    (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ||
	        EVP_PKEY_get_base_id(pk) == EVP_PKEY_DSA) &&
	    (bits = EVP_PKEY_get_bits(pk)) < KYSO_MIN_RSA_BITS) {
		si->weak = 1;
		si->weak_reason = g_strdup_printf("%d-bit key", bits);
	}
	ERR_clear_error();
}

static time_t
signing_time(CMS_SignerInfo *s)
{
	int i = CMS_signed_get_attr_by_NID(s, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;

	if (i < 0 || (a = CMS_signed_get_attr(s, i)) == NULL ||
	    (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL)
		return 0;
	/* RFC 8551 2.5.1: UTCTime through 2049, GeneralizedTime after */
	if (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME)
		return 0;
	return kyso_cert_time(t->value.utctime);
}

/* 1 ok/absent, 0 mismatch: ESS signingCertificate(V2) names `signer`. */
static int
check_ess(CMS_SignerInfo *s, X509 *signer)
{
	ASN1_STRING *v1 = CMS_signed_get0_data_by_OBJ(s,
	    OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3,
	    V_ASN1_SEQUENCE);
	ASN1_STRING *v2 = CMS_signed_get0_data_by_OBJ(s,
	    OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3,
	    V_ASN1_SEQUENCE);
	ESS_SIGNING_CERT *ss = NULL;
	ESS_SIGNING_CERT_V2 *ss2 = NULL;
	STACK_OF(X509) *chain = NULL;
	const unsigned char *p;
	int ok = 0;

	if (v1 == NULL && v2 == NULL) {
		ERR_clear_error();
		return 1;
	}
	if (v1 != NULL) {
		p = ASN1_STRING_get0_data(v1);
		if ((ss = d2i_ESS_SIGNING_CERT(NULL, &p,
		         ASN1_STRING_length(v1))) == NULL)
			goto out;
	}
	if (v2 != NULL) {
		p = ASN1_STRING_get0_data(v2);
		if ((ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p,
		         ASN1_STRING_length(v2))) == NULL)
			goto out;
	}
	if ((chain = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(chain, signer))
		goto out;
	ok = OSSL_ESS_check_signing_certs(ss, ss2, chain, 1) > 0;
out:
	sk_X509_free(chain);
	ESS_SIGNING_CERT_free(ss);
	ESS_SIGNING_CERT_V2_free(ss2);
	ERR_clear_error();
	return ok;
}

static int
covers(X509 *x, time_t t)
{
	return t >= kyso_cert_time(X509_get0_notBefore(x)) &&
	    t <= kyso_cert_time(X509_get0_notAfter(x));
}

/* Every certificate of the chain (or the leaf alone) valid at t. */
static int
chain_valid_at(STACK_OF(X509) * chain, X509 *leaf, time_t t)
{
	int i;

	if (chain == NULL)
		return covers(leaf, t);
	for (i = 0; i < sk_X509_num(chain); i++)
		if (!covers(sk_X509_value(chain, i), t))
			return 0;
	return 1;
}

/* What the verify callback needs to allow a legacy SHA-1 chain. */
struct legacy_ctx {
	const struct kyso_trust *t;
	time_t now;
	int used; /* a SHA-1 CA signature was accepted */
};

/* 1 when x is one of the legacy SHA-1 anchors of t. */
static int
is_legacy_anchor(const struct kyso_trust *t, X509 *x)
{
	int i;

	for (i = 0; x != NULL && i < sk_X509_num(t->legacy_sha1); i++)
		if (X509_cmp(sk_X509_value(t->legacy_sha1, i), x) == 0)
			return 1;
	return 0;
}

/* The one exception to the signature security level: a SHA-1 CA
 * signature (X509_V_ERR_CA_MD_TOO_WEAK on a certificate signed with
 * sha1WithRSA) is accepted when the built chain ends at a configured
 * legacy anchor and `now` is within that anchor's validity. MD5, short
 * keys and SHA-1 under any other anchor still fail. */
static int
legacy_cb(int ok, X509_STORE_CTX *ctx)
{
	struct legacy_ctx *lc = X509_STORE_CTX_get_app_data(ctx);
	STACK_OF(X509) * chain;
	X509 *anchor, *cur;
	int mdnid = NID_undef;

	if (ok || lc == NULL ||
	    X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CA_MD_TOO_WEAK)
		return ok;
	chain = X509_STORE_CTX_get0_chain(ctx);
	cur = X509_STORE_CTX_get_current_cert(ctx);
	if (chain == NULL || cur == NULL || sk_X509_num(chain) < 2)
		return 0;
	anchor = sk_X509_value(chain, sk_X509_num(chain) - 1);
	if (!is_legacy_anchor(lc->t, anchor) ||
	    !X509_get_signature_info(cur, &mdnid, NULL, NULL, NULL) ||
	    mdnid != NID_sha1 ||
	    lc->now > kyso_cert_time(X509_get0_notAfter(anchor)))
		return 0;
	lc->used = 1;
	return 1;
}

/* Build and check the chain (trust, purpose, signature security level 1:
 * no SHA-1 or MD5 CA signature, no key under 80 bits of security, except
 * legacy_cb's; time judged separately) into v. 1 when the verdict is
 * fully determined by the inputs and the trust (it may be cached), 0 when
 * it is not (no memory, an internal error, a legacy SHA-1 chain refused
 * for the time). */
static int
compute_chain(const struct kyso_trust *t, X509 *signer,
    STACK_OF(X509) * cms_certs, time_t now, const char *purpose,
    struct kyso_chain_verdict *v)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	struct legacy_ctx lc = {.t = t, .now = now};
	X509_VERIFY_PARAM *vp;
	int i, rc, err, definite = 0;

	if (ctx == NULL || untrusted == NULL)
		goto out;
	for (i = 0; cms_certs != NULL && i < sk_X509_num(cms_certs); i++)
		sk_X509_push(untrusted, sk_X509_value(cms_certs, i));
	for (i = 0; i < sk_X509_num(t->intermediates); i++)
		sk_X509_push(untrusted, sk_X509_value(t->intermediates, i));
	if (!X509_STORE_CTX_init(ctx, t->store, signer, untrusted))
		goto out;
	/* RFC 8550 4.4.2/4.4.4: S/MIME signing purpose (KU, EKU) */
	X509_STORE_CTX_set_default(ctx, purpose);
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
	X509_VERIFY_PARAM_set_auth_level(vp, 1);
	X509_STORE_CTX_set_app_data(ctx, &lc);
	X509_STORE_CTX_set_verify_cb(ctx, legacy_cb);
	if ((rc = X509_verify_cert(ctx)) > 0) {
		v->chain = X509_STORE_CTX_get1_chain(ctx);
		v->legacy_sha1 = lc.used;
		definite = v->chain != NULL;
	} else {
		err = X509_STORE_CTX_get_error(ctx);
		v->error = g_strdup(X509_verify_cert_error_string(err));
		/* with the time check off only the legacy exception depends
		 * on now (its anchor's notAfter) */
		definite = rc == 0 && err != X509_V_OK &&
		    err != X509_V_ERR_OUT_OF_MEM &&
		    err != X509_V_ERR_UNSPECIFIED &&
		    err != X509_V_ERR_CA_MD_TOO_WEAK;
	}
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return definite;
}

/* The window in which a verdict computed at now may be reused: a chain
 * for as long as every certificate in it is valid (latest notBefore to
 * earliest notAfter, so a verify time outside it builds and judges the
 * chain again); a refusal for KYSO_VCACHE_NEG_TTL seconds. The
 * chain itself does not use revocation data: revocation.c checks it for
 * every message (CRL signatures are cached there, until nextUpdate). */
static void
verdict_window(const struct kyso_chain_verdict *v, time_t now, time_t *from,
    time_t *until)
{
	time_t nb, na;
	int i;

	if (v->chain == NULL) {
		*from = now;
		*until = now + KYSO_VCACHE_NEG_TTL;
		return;
	}
	*from = 0;
	*until = (time_t)G_MAXINT64;
	for (i = 0; i < sk_X509_num(v->chain); i++) {
		X509 *x = sk_X509_value(v->chain, i);

		nb = kyso_cert_time(X509_get0_notBefore(x));
		na = kyso_cert_time(X509_get0_notAfter(x));
		if (nb == 0 || na == 0) {
			/* an unreadable time: make the window empty */
			*from = 1;
			*until = 0;
			return;
		}
		if (nb > *from)
			*from = nb;
		if (na < *until)
			*until = na;
	}
}

/* The chain of signer, from t's cache when this exact signer and these
 * exact offered certificates were judged before under the same purpose
 * and the verdict's window covers now, else built (compute_chain) and
 * remembered. Returns the verified chain or NULL with si->chain_error;
 * si->legacy_sha1 when the SHA-1 exception was used. */
static STACK_OF(X509) *
    build_chain(const struct kyso_trust *t, X509 *signer,
        STACK_OF(X509) * cms_certs, time_t now, const char *purpose,
        struct kyso_signer_info *si)
{
	unsigned char key[KYSO_VCACHE_KEY];
	struct kyso_chain_verdict v = {0};
	STACK_OF(X509) * chain;
	time_t from, until;
	int keyed =
	    kyso_vcache_chain_key(t->vcache, purpose, signer, cms_certs, key);

	if (!keyed || !kyso_vcache_chain_get(t->vcache, key, now, &v)) {
		if (compute_chain(t, signer, cms_certs, now, purpose, &v) &&
		    keyed) {
			verdict_window(&v, now, &from, &until);
			kyso_vcache_chain_put(t->vcache, key, &v, from, until,
			    now);
		}
	}
	chain = v.chain;
	v.chain = NULL;
	if (chain != NULL)
		si->legacy_sha1 = v.legacy_sha1;
	else
		si->chain_error = v.error != NULL
		    ? g_strdup(v.error)
		    : g_strdup("chain could not be built");
	kyso_chain_verdict_clear(&v);
	return chain;
}

/* Facts about where chain (leaf first) ends: the issuing CA's
 * fingerprint (the anchor itself for a leaf directly under it). */
static void
chain_facts(STACK_OF(X509) * chain, struct kyso_signer_info *si)
{
	if (chain == NULL || sk_X509_num(chain) < 2)
		return;
	si->issuer_fingerprint =
	    kyso_vcache_fingerprint(sk_X509_value(chain, 1));
}

/* The facts of certificate x into si: from t's cache when x has been
 * seen (the same DER), else read from it and remembered. Only whether
 * its address matches from_addr is always judged anew. */
static void
cert_facts(const struct kyso_trust *t, X509 *x, const char *from_addr,
    time_t now, struct kyso_signer_info *si)
{
	uint32_t fl;
	char text[KYSO_MAX_ISSUER_TEXT + 1];

	si->email_matches = kyso_cert_email_matches(x, from_addr);
	if (kyso_vcache_facts_get(t->vcache, x, now, si))
		return;
	fl = X509_get_extension_flags(x);
	si->ku_ok = !(fl & EXFLAG_KUSAGE) ||
	    (X509_get_key_usage(x) &
	        (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
	si->eku_ok = !(fl & EXFLAG_XKUSAGE) ||
	    (X509_get_extended_key_usage(x) & (XKU_SMIME | XKU_ANYEKU));
	si->email = kyso_cert_email(x);
	si->subject_cn =
	    kyso_cert_name_attr(X509_get_subject_name(x), NID_commonName);
	si->subject = kyso_cert_name_rfc4514(X509_get_subject_name(x));
	si->subject_utf8 = kyso_cert_subject_text(x);
	si->subject_person = kyso_cert_names_person(x);
	si->issuer_rfc4514 = kyso_cert_name_rfc4514(X509_get_issuer_name(x));
	kyso_cert_name_text(X509_get_issuer_name(x), text, sizeof(text));
	si->issuer_text = g_strdup(text);
	si->issuer_cn =
	    kyso_cert_name_attr(X509_get_issuer_name(x), NID_commonName);
	si->serial_hex = kyso_cert_serial_hex(x);
	si->not_before = kyso_cert_time(X509_get0_notBefore(x));
	si->not_after = kyso_cert_time(X509_get0_notAfter(x));
	si->kind = kyso_cert_kind(t, x);
	si->fingerprint = kyso_vcache_fingerprint(x);
	ERR_clear_error();
	kyso_vcache_facts_put(t->vcache, x, si, now);
}

/* Why revocation is not looked up for si, or NULL when everything else
 * holds: no network look-up for a signature that already failed. */
static const char *
revocation_skip(const struct kyso_rev_session *rs,
    const struct kyso_signer_info *si, STACK_OF(X509) * chain)
{
	if (chain == NULL)
		return "not checked: chain not trusted";
	if (!si->signature_ok)
		return "not checked: signature invalid";
	if (rs->skip != NULL)
		return rs->skip;
	if (si->weak)
		return "not checked: weak algorithm";
	if (!si->valid_now)
		return si->proven_time
		    ? "not checked: certificate not valid at the proven "
		      "signing time"
		    : "not checked: certificate not valid now";
	return NULL;
}

void
kyso_verify_signer(const struct kyso_trust *t, struct kyso_rev_session *rs,
    CMS_SignerInfo *s, X509 *signer, int content_ok, STACK_OF(X509) * cms_certs,
    STACK_OF(X509_CRL) * cms_crls, const char *from_addr, time_t now,
    struct kyso_signer_info *si)
{
	STACK_OF(X509) *chain = NULL;
	const char *skip;
	int attrs_ok;

	memset(si, 0, sizeof(*si));
	si->signing_time = signing_time(s);
	if (signer == NULL) {
		X509_ALGOR *dig = NULL;

		CMS_SignerInfo_get0_algs(s, NULL, NULL, &dig, NULL);
		si->digest = g_strdup(kyso_digest_name(
		    dig ? OBJ_obj2nid(dig->algorithm) : NID_undef));
		si->cert_missing = 1;
		si->signature_error =
		    g_strdup("signer certificate not in the message");
		si->chain_error = g_strdup("no signer certificate");
		si->revocation_note = g_strdup("not checked");
		return;
	}
	cert_facts(t, signer, from_addr, now, si);
	check_algorithms(s, signer, si);
	/* the signature over the signed attributes; without attributes the
	 * content check already verified the signature itself */
	attrs_ok =
	    CMS_signed_get_attr_count(s) < 0 || CMS_SignerInfo_verify(s) > 0;
	ERR_clear_error();
	if (!attrs_ok)
		si->signature_error = g_strdup("signature value invalid");
	else if (!content_ok)
		si->signature_error = g_strdup("content digest mismatch");
	else if (!check_ess(s, signer)) {
		si->ess_mismatch = 1;
		si->signature_error = g_strdup(
		    "ESS signingCertificate names another certificate");
	}
	si->signature_ok = si->signature_error == NULL;

	/* a trusted time for this signature value (RFC 3161), if any */
	if (si->signature_ok)
		kyso_timestamp_check(t, s, si->signing_time, now, si);

	chain = build_chain(t, signer, cms_certs, now, "smime_sign", si);
	si->chain_ok = chain != NULL;
	chain_facts(chain, si);
	/* with a proven signing time a certificate that expired since
	 * still held when it signed; without one only now counts */
	si->valid_now = chain_valid_at(chain, signer,
	    si->proven_time ? si->proven_time : now);
	si->valid_at_signing = si->signing_time != 0
	    ? chain_valid_at(chain, signer, si->signing_time)
	    : si->valid_now;
	/* last, and only when everything else holds */
	if ((skip = revocation_skip(rs, si, chain)) == NULL)
		si->revocation = kyso_revocation_check(t, rs, chain, cms_crls,
		    now, si->proven_time, &si->revocation_note);
	else
		si->revocation_note = g_strdup(skip);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
}

int
kyso_verify_cert_file(const struct kyso_trust *t, const char *path, time_t now,
    struct kyso_signer_info *si, struct kyso_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	STACK_OF(X509) *chain = NULL;
	X509 *leaf;
	int rc = -1;

	memset(si, 0, sizeof(*si));
	if (sk == NULL || kyso_certfile_read(path, sk, err) != 0)
		goto out;
	leaf = sk_X509_value(sk, 0);
	cert_facts(t, leaf, NULL, now, si);
	/* a CA certificate is described for its chain, not as a signer */
	chain = build_chain(t, leaf, sk, now,
	    X509_check_ca(leaf) ? "default" : "smime_sign", si);
	si->chain_ok = chain != NULL;
	chain_facts(chain, si);
	si->valid_now = chain_valid_at(chain, leaf, now);
	si->valid_at_signing = si->valid_now;
	si->revocation_note = g_strdup("not checked: certificate only");
	rc = 0;
out:
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return rc;
}

int
kyso_verify_cert_chain(const struct kyso_trust *t, X509 *leaf,
    STACK_OF(X509) * extra, time_t now, struct kyso_err *err)
{
	struct kyso_signer_info si;
	STACK_OF(X509) * chain;
	int rc = -1;

	memset(&si, 0, sizeof(si));
	chain = build_chain(t, leaf, extra, now != 0 ? now : time(NULL),
	    "smime_sign", &si);
	if (chain == NULL)
		kyso_err_set(err, KYSO_E_CONFIG,
		    "does not chain to the trust anchors: %s",
		    si.chain_error != NULL ? si.chain_error : "?");
	else if (now != 0 && !chain_valid_at(chain, leaf, now))
		kyso_err_set(err, KYSO_E_CONFIG,
		    "a certificate of its chain is not valid now");
	else
		rc = 0;
	sk_X509_pop_free(chain, X509_free);
	kyso_signer_info_clear(&si);
	ERR_clear_error();
	return rc;
}
