/*
 * inbound.c - the inbound verdict: verify a message that is not ours to
 * sign (smime/verify), apply the verdict rules, and hand back the
 * Authentication-Results and X-Kyso-Verdict values plus the action.
 *
 * Rules (doc/VERDICTS.md): each signer is judged on its own, in this
 * order: certificate missing -> neutral; bad digest/signature (or ESS or
 * eContent mismatch) -> fail; weak algorithm, wrong EKU/KU, untrusted,
 * expired, revoked, From mismatch, no e-mail in a personal certificate,
 * partial coverage -> policy; then revocation unknown under hard fail
 * -> temperror (a retry cannot cure the others); otherwise pass. The message gets the best signer's result
 * (pass > temperror > policy > neutral > fail). Never logs.
 */
#include <string.h>

#include "kyso/inbound.h"
#include "kyso/verdict.h"

static const struct {
	const char *en, *vi;
} why_texts[] = {
	[KYSO_WHY_OK] = {"valid", "hợp lệ"},
	[KYSO_WHY_NONE] = {"no S/MIME signature", "không có chữ ký số"},
	[KYSO_WHY_ENCRYPTED] = {"encrypted, signature not visible",
	    "thư được mã hóa, không thấy chữ ký"},
	[KYSO_WHY_MALFORMED] = {"malformed signature",
	    "chữ ký sai cấu trúc"},
	[KYSO_WHY_ECONTENT] = {"signed content differs from the shown text",
	    "nội dung được ký khác nội dung hiển thị"},
	[KYSO_WHY_NOCERT] = {"signer certificate missing",
	    "thiếu chứng thư của người ký"},
	[KYSO_WHY_BADSIG] = {"content altered or signature broken",
	    "nội dung đã bị sửa hoặc chữ ký hỏng"},
	[KYSO_WHY_WEAK] = {"weak algorithm", "thuật toán yếu"},
	[KYSO_WHY_EKU] = {"certificate not for e-mail signing",
	    "chứng thư không dùng để ký thư điện tử"},
	[KYSO_WHY_KU] = {"key usage does not allow signing",
	    "mục đích khóa không cho phép ký"},
	[KYSO_WHY_UNTRUSTED] = {"issuer not trusted",
	    "tổ chức cấp không được tin cậy"},
	[KYSO_WHY_EXPIRED] = {"certificate not valid now",
	    "chứng thư hết hạn hoặc chưa có hiệu lực"},
	[KYSO_WHY_REVOKED] = {"certificate revoked", "chứng thư đã bị thu hồi"},
	[KYSO_WHY_REVUNAVAIL] = {"revocation status unavailable",
	    "không kiểm tra được tình trạng thu hồi"},
	[KYSO_WHY_FROM_MISMATCH] = {"signer is not the From address",
	    "người ký không phải địa chỉ người gửi"},
	[KYSO_WHY_NO_EMAIL] = {"personal certificate without e-mail",
	    "chứng thư cá nhân không có địa chỉ thư"},
	[KYSO_WHY_NO_FROM] = {"no single From address",
	    "thư không có đúng một địa chỉ người gửi"},
	[KYSO_WHY_PARTIAL] = {"signature covers only part of the message",
	    "chữ ký chỉ bao phủ một phần thư"},
};

const char *
kyso_inbound_why_text(enum kyso_why why, int vietnamese)
{
	if ((unsigned)why >= sizeof(why_texts) / sizeof(why_texts[0]))
		return "?";
	return vietnamese ? why_texts[why].vi : why_texts[why].en;
}

/* Rank of a result for "best signer wins". */
static int
rank(const char *r)
{
	static const char *const order[] = {"permerror", "fail", "neutral",
	    "policy", "temperror", "pass"};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(r, order[i]) == 0)
			return (int)i;
	return -1;
}

static void
judge_signer(const struct kyso_verify_result *res,
    const struct kyso_signer_info *s, const char *from, int softfail,
    struct kyso_signer_verdict *sv, int *softpass)
{
	const char *r = "pass";
	enum kyso_why w = KYSO_WHY_OK;

	sv->note[0] = '\0';
	if (s->cert_missing) {
		r = "neutral";
		w = KYSO_WHY_NOCERT;
	} else if (!s->signature_ok || res->econtent_mismatch) {
		r = "fail";
		w = res->econtent_mismatch ? KYSO_WHY_ECONTENT : KYSO_WHY_BADSIG;
		if (s->signature_error != NULL)
			(void)snprintf(sv->note, sizeof(sv->note), "%s",
			    s->signature_error);
	} else if (s->weak) {
		r = "policy";
		w = KYSO_WHY_WEAK;
		(void)snprintf(sv->note, sizeof(sv->note), "weak: %s",
		    s->weak_reason ? s->weak_reason : "algorithm");
	} else if (!s->chain_ok) {
		r = "policy";
		w = !s->eku_ok ? KYSO_WHY_EKU
				: !s->ku_ok ? KYSO_WHY_KU : KYSO_WHY_UNTRUSTED;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->chain_error ? s->chain_error : "untrusted");
	} else if (!s->valid_now) {
		r = "policy";
		w = KYSO_WHY_EXPIRED;
	} else if (s->revocation == KYSO_REV_REVOKED) {
		r = "policy";
		w = KYSO_WHY_REVOKED;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->revocation_note ? s->revocation_note : "revoked");
	} else if (s->email != NULL && from == NULL) {
		r = "policy";
		w = KYSO_WHY_NO_FROM;
	} else if (s->email != NULL && !s->email_matches) {
		/* RFC 8550 3: never a pass when the addresses differ */
		r = "policy";
		w = KYSO_WHY_FROM_MISMATCH;
	} else if (s->email == NULL && s->kind != KYSO_KIND_AGENCY) {
		r = "policy";
		w = KYSO_WHY_NO_EMAIL;
	} else if (!res->whole) {
		r = "policy";
		w = KYSO_WHY_PARTIAL;
		(void)snprintf(sv->note, sizeof(sv->note), "signed part %s",
		    res->part ? res->part : "?");
	} else if (s->revocation == KYSO_REV_UNAVAILABLE && !softfail) {
		r = "temperror";
		w = KYSO_WHY_REVUNAVAIL;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->revocation_note ? s->revocation_note : "unavailable");
	} else {
		if (s->revocation == KYSO_REV_UNAVAILABLE)
			*softpass = 1;
		(void)snprintf(sv->note, sizeof(sv->note), "%s %s; %s%s%s",
		    kyso_cert_kind_name(s->kind),
		    s->email ? "signer = From" : "seal without e-mail",
		    s->revocation_note ? s->revocation_note : "revocation not checked",
		    s->revocation == KYSO_REV_UNAVAILABLE ? " (soft pass)" : "",
		    res->nested ? "; nested signature inside" : "");
	}
	sv->result = r;
	sv->why = w;
}

void
kyso_inbound_judge(const struct kyso_verify_result *res,
    const char *from_addr, int softfail, struct kyso_verdict *v)
{
	size_t i;
	int soft;

	memset(v, 0, sizeof(*v));
	v->best = -1;
	if (!res->found) {
		v->result = "none";
		v->why = res->encrypted ? KYSO_WHY_ENCRYPTED : KYSO_WHY_NONE;
		return;
	}
	if (res->malformed || res->nsigners == 0) {
		v->result = "permerror";
		v->why = KYSO_WHY_MALFORMED;
		return;
	}
	v->n = res->nsigners;
	v->s = g_new0(struct kyso_signer_verdict, v->n);
	for (i = 0; i < v->n; i++) {
		soft = 0;
		judge_signer(res, &res->signers[i], from_addr, softfail,
		    &v->s[i], &soft);
		if (v->best < 0 ||
		    rank(v->s[i].result) > rank(v->s[v->best].result)) {
			v->best = (int)i;
			v->softpass = soft;
		}
	}
	v->result = v->s[v->best].result;
	v->why = v->s[v->best].why;
}

void
kyso_inbound_verdict_clear(struct kyso_verdict *v)
{
	g_free(v->s);
	memset(v, 0, sizeof(*v));
}

static const char *
domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? at + 1 : NULL;
}

int
kyso_inbound_process(const struct kyso_config *cfg,
    const struct kyso_envelope *env, GMimeStream *message, time_t now,
    struct kyso_inbound_result *res, struct kyso_err *err)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	const struct kyso_trust *trust = kyso_config_trust(cfg);
	struct kyso_verify_result vr;
	struct kyso_verdict v;
	struct kyso_err ferr = {0};
	char from[KYSO_MAX_ADDRESS + 1];
	const char *fromp = NULL, *dom;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&vr, 0, sizeof(vr));
	memset(&v, 0, sizeof(v));
	res->action = KYSO_ACTION_ACCEPT;
	if (trust == NULL) {
		/* VerifyInbound no: nothing to add */
		(void)snprintf(res->result, sizeof(res->result), "off");
		(void)snprintf(res->log, sizeof(res->log), "verify=off");
		return 0;
	}
	if (kyso_policy_from_address(env->headers, env->nheaders, from,
		sizeof(from), &ferr) == 0)
		fromp = from;
	if (kyso_verify_message_progress(trust, message, fromp, now,
		env->progress, &vr, err) != 0)
		goto out;
	kyso_inbound_judge(&vr, fromp, st->revocation_softfail, &v);
	dom = domain_of(fromp);
	v.own_domain = dom != NULL && kyso_config_is_own_domain(cfg, dom);
	res->ar_value = kyso_ar_header_format(st->authserv_id, fromp, &vr, &v);
	res->verdict_value = kyso_verdict_header_format(&vr, &v);
	(void)snprintf(res->result, sizeof(res->result), "%s", v.result);
	if (v.own_domain && strcmp(v.result, "pass") != 0) {
		if (st->on_unsigned_own_domain == KYSO_ONFAIL_REJECT)
			res->action = KYSO_ACTION_REJECT;
		else if (st->on_unsigned_own_domain == KYSO_ONFAIL_TEMPFAIL)
			res->action = KYSO_ACTION_TEMPFAIL;
	}
	(void)snprintf(res->log, sizeof(res->log),
	    "smime=%s why=\"%s\" part=%s signers=%zu own_domain=%d%s",
	    v.result, kyso_inbound_why_text(v.why, 0),
	    vr.part ? vr.part : "-", vr.nsigners, v.own_domain,
	    v.softpass ? " revocation=softpass" : "");
	rc = 0;
out:
	kyso_inbound_verdict_clear(&v);
	kyso_verify_result_clear(&vr);
	return rc;
}

void
kyso_inbound_result_clear(struct kyso_inbound_result *res)
{
	if (res == NULL)
		return;
	g_free(res->ar_value);
	g_free(res->verdict_value);
	res->ar_value = res->verdict_value = NULL;
}

size_t
kyso_inbound_forged(const struct kyso_config *cfg,
    const struct kyso_header *headers, size_t n, struct kyso_header_ref *del,
    size_t max)
{
	const char *id = kyso_config_settings(cfg)->authserv_id;
	size_t i, k = 0, nar = 0, nvd = 0, m;
	size_t *ar_idx, *vd_idx;

	ar_idx = g_new0(size_t, n + 1);
	vd_idx = g_new0(size_t, n + 1);
	for (i = 0; i < n; i++) {
		const char *name = headers[i].name;

		if (name == NULL)
			continue;
		if (g_ascii_strcasecmp(name, KYSO_AR_HEADER) == 0) {
			nar++;
			if (kyso_ar_header_is_ours(headers[i].value, id))
				ar_idx[k++] = nar;
		}
	}
	m = k;
	k = 0;
	for (i = 0; i < n; i++)
		if (headers[i].name != NULL &&
		    g_ascii_strcasecmp(headers[i].name, KYSO_VERDICT_HEADER) == 0)
			vd_idx[k++] = ++nvd;
	/* highest index first within each name (P15) */
	n = 0;
	while (m > 0 && n < max) {
		del[n].name = KYSO_AR_HEADER;
		del[n++].index = ar_idx[--m];
	}
	while (k > 0 && n < max) {
		del[n].name = KYSO_VERDICT_HEADER;
		del[n++].index = vd_idx[--k];
	}
	g_free(ar_idx);
	g_free(vd_idx);
	return n;
}
