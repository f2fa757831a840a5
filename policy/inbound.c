/*
 * inbound.c - the inbound verdict: verify a message that is not ours to
 * sign (smime/verify), apply the verdict rules, and hand back the
 * Authentication-Results and X-Kyso-Verdict values plus the action.
 *
 * Rules (doc/VERDICTS.md): each signer is judged on its own, in this
 * order: certificate missing -> neutral; bad digest/signature (or ESS or
 * eContent mismatch) -> fail; weak algorithm, wrong EKU/KU, untrusted,
 * expired, revoked, no single From, not bound to the From (its e-mail is
 * another address, or it has none and no SealTable/CertificateTable entry
 * binds it: policy/seal.c), partial coverage -> policy; then revocation
 * unknown under hard fail -> temperror (a retry cannot cure the others);
 * otherwise pass. The message passes only when every signer passes; else
 * it takes the worst signer's result (fail > policy > neutral >
 * temperror) and every signer that held on its own is reported as policy
 * ("another signature on this message is not valid"). Never logs.
 */
#include <string.h>

#include "kyso/policy/inbound.h"
#include "kyso/policy/policy.h"
#include "kyso/smime/signer.h"
#include "kyso/policy/verdict.h"

/* The binding rule (policy/seal.c has the SealTable): a signer is bound
 * to the From address by its certificate e-mail, by a SealTable entry for
 * its fingerprint, or by being the certificate our own CertificateTable
 * signs that From with; nothing else binds it. Its kind: the KindTable's
 * (policy/kind.c) over the policy OIDs' and default rule's, the
 * SealTable's or our CertificateTable's over both. */
enum kyso_binding
kyso_seal_binding(const struct kyso_config *cfg,
    const struct kyso_signer_info *si, const char *from,
    enum kyso_cert_kind *kind)
{
	const struct kyso_signer *ours = NULL;
	const char *id;
	enum kyso_binding b;
	int listed;

	*kind = si->kind;
	if (cfg != NULL)
		(void)kyso_kind_lookup(kyso_config_kinds(cfg), si, kind);
	b = kyso_seal_table_binding(cfg ? kyso_config_seals(cfg) : NULL,
	    si->fingerprint, from, kind, &listed);
	/* the certificate we would sign this From with ourselves */
	if (cfg != NULL && from != NULL && si->fingerprint != NULL &&
	    (id = kyso_config_lookup_sender(cfg, from)) != NULL &&
	    (ours = kyso_config_signer(cfg, id)) != NULL &&
	    strcmp(kyso_signer_fingerprint(ours), si->fingerprint) != 0)
		ours = NULL;
	if (ours != NULL && !listed)
		*kind = KYSO_KIND_AGENCY; /* our tables hold agency seals */
	if (si->email != NULL && si->email_matches && from != NULL)
		return KYSO_BOUND_EMAIL;
	if (b != KYSO_BOUND_NONE)
		return b;
	return ours != NULL ? KYSO_BOUND_CERTTABLE : KYSO_BOUND_NONE;
}

/* How bad a signer result is for the message: the message takes the
 * worst (a signature that does not match the content is the worst; a
 * temporary problem the least bad that is still not a pass). */
static int
severity(enum kyso_result r)
{
	switch (r) {
	case KYSO_RES_PASS:
		return 0;
	case KYSO_RES_TEMPERROR:
		return 1;
	case KYSO_RES_NEUTRAL:
		return 2;
	case KYSO_RES_POLICY:
		return 3;
	default:
		return 4; /* fail, and anything else that is not a pass */
	}
}

/* The A-R words on the signing time (ASCII, into buf): "; signed at T
 * (proven by TSA name)" for a verified RFC 3161 token, "; timestamp not
 * accepted (why), signing time claimed" for a token that proved nothing,
 * else nothing (the time is the signer's claim, as always). */
static void
time_note(const struct kyso_signer_info *s, char *buf, size_t len)
{
	char when[32] = "?";
	const char *n = s->tsa_name ? s->tsa_name : "?";
	struct tm tm;
	time_t t = s->proven_time;
	size_t i;

	buf[0] = '\0';
	if (t != 0 && gmtime_r(&t, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* a name that is not plain ASCII is not repeated in the A-R */
	for (i = 0; n[i] != '\0'; i++)
		if (n[i] < 0x20 || n[i] > 0x7e || n[i] == '"' || n[i] == '(' ||
		    n[i] == ')' || n[i] == '\\')
			n = "?";
	if (t != 0)
		(void)snprintf(buf, len, "; signed at %s (proven by TSA %s)",
		    when, n);
	else if (s->timestamp_note != NULL)
		(void)snprintf(buf, len,
		    "; timestamp not accepted (%s), signing time claimed",
		    s->timestamp_note);
}

/* 1 when the signer claims (signingTime, no RFC 3161 token proves a
 * time) to have signed when its certificate was not valid, by more than
 * KYSO_SIGNING_TIME_SLACK: a valid signature needs a certificate valid
 * when it signed, and by its own word this one was not (a document
 * backdated to before its certificate existed, or dated after it ended). */
static int
claimed_outside_validity(const struct kyso_signer_info *s)
{
	if (s->proven_time != 0 || s->signing_time == 0 || s->not_before == 0 ||
	    s->not_after == 0)
		return 0;
	return s->signing_time < s->not_before - KYSO_SIGNING_TIME_SLACK ||
	    s->signing_time > s->not_after + KYSO_SIGNING_TIME_SLACK;
}

/* Judge one signer on its own: every element of a valid signature (the
 * content, the algorithms, the chain, the validity, the revocation status,
 * the signer's tie to the From address, what it covers) or the first that
 * does not hold. */
static void
judge_signer(const struct kyso_config *cfg,
    const struct kyso_verify_result *res, const struct kyso_signer_info *s,
    const char *from, int softfail, struct kyso_signer_verdict *sv)
{
	enum kyso_result r = KYSO_RES_PASS;
	enum kyso_why w = KYSO_WHY_OK;
	char proven[KYSO_MAX_SHOWN_NAME];

	sv->note[0] = '\0';
	time_note(s, proven, sizeof(proven));
	sv->binding = kyso_seal_binding(cfg, s, from, &sv->kind);
	if (s->cert_missing) {
		r = KYSO_RES_NEUTRAL;
		w = KYSO_WHY_NOCERT;
	} else if (!s->signature_ok || res->econtent_mismatch) {
		r = KYSO_RES_FAIL;
		w = res->econtent_mismatch ? KYSO_WHY_ECONTENT
		                           : KYSO_WHY_BADSIG;
		if (s->signature_error != NULL)
			(void)snprintf(sv->note, sizeof(sv->note), "%s",
			    s->signature_error);
	} else if (s->weak) {
		r = KYSO_RES_POLICY;
		w = KYSO_WHY_WEAK;
		(void)snprintf(sv->note, sizeof(sv->note), "weak: %s",
		    s->weak_reason ? s->weak_reason : "algorithm");
	} else if (!s->chain_ok) {
		r = KYSO_RES_POLICY;
		w = !s->eku_ok  ? KYSO_WHY_EKU
		    : !s->ku_ok ? KYSO_WHY_KU
		                : KYSO_WHY_UNTRUSTED;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->chain_error ? s->chain_error : "untrusted");
	} else if (!s->valid_now) {
		r = KYSO_RES_POLICY;
		w = KYSO_WHY_EXPIRED;
		if (s->proven_time != 0)
			(void)snprintf(sv->note, sizeof(sv->note),
			    "not valid at the proven signing time%s", proven);
	} else if (claimed_outside_validity(s)) {
		char when[32] = "?";
		struct tm tm;

		r = KYSO_RES_POLICY;
		w = KYSO_WHY_SIGNTIME;
		if (gmtime_r(&s->signing_time, &tm) != NULL)
			(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			    &tm);
		(void)snprintf(sv->note, sizeof(sv->note), "claimed %s", when);
	} else if (s->revocation == KYSO_REV_REVOKED) {
		r = KYSO_RES_POLICY;
		w = KYSO_WHY_REVOKED;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->revocation_note ? s->revocation_note : "revoked");
	} else if (from == NULL) {
		r = KYSO_RES_POLICY;
		w = KYSO_WHY_NO_FROM;
	} else if (sv->binding == KYSO_BOUND_NONE) {
		/* RFC 8550 3: never a pass when the addresses differ; a
		 * certificate without one only where configuration binds it */
		r = KYSO_RES_POLICY;
		w = s->email != NULL ? KYSO_WHY_FROM_MISMATCH
		                     : KYSO_WHY_NOT_BOUND;
	} else if (!res->whole) {
		r = KYSO_RES_POLICY;
		w = KYSO_WHY_PARTIAL;
		(void)snprintf(sv->note, sizeof(sv->note), "signed part %s",
		    res->part ? res->part : "?");
	} else if (s->revocation == KYSO_REV_UNAVAILABLE && !softfail) {
		r = KYSO_RES_TEMPERROR;
		w = KYSO_WHY_REVUNAVAIL;
		(void)snprintf(sv->note, sizeof(sv->note), "%s",
		    s->revocation_note ? s->revocation_note : "unavailable");
	} else {
		sv->softpass = s->revocation == KYSO_REV_UNAVAILABLE;
		(void)snprintf(sv->note, sizeof(sv->note), "%s, %s; %s%s%s%s%s",
		    kyso_cert_kind_name(sv->kind),
		    kyso_binding_name(sv->binding),
		    s->revocation_note ? s->revocation_note
		                       : "revocation not checked",
		    sv->softpass ? " (soft pass)" : "",
		    s->legacy_sha1 ? "; legacy SHA-1 CA chain" : "",
		    res->nested ? "; nested signature inside" : "", proven);
	}
	sv->result = r;
	sv->why = w;
}

/* While the message does not pass, no signer may say pass: a client or a
 * filter that reads one signer's result must not be fooled by a message
 * whose other signature is broken ("multiple signerInfos", USENIX Security
 * 2019, "Johnny, You Are Fired"). */
static void
demote_passing_signers(struct kyso_verdict *v)
{
	size_t i;
	char *note;

	for (i = 0; i < v->n; i++) {
		if (v->s[i].result != KYSO_RES_PASS)
			continue;
		note = g_strdup_printf("signer %d: %s; %s", v->lead + 1,
		    kyso_inbound_why_text(v->why, 0), v->s[i].note);
		(void)g_strlcpy(v->s[i].note, note, sizeof(v->s[i].note));
		g_free(note);
		v->s[i].result = KYSO_RES_POLICY;
		v->s[i].why = KYSO_WHY_OTHER_SIGNER;
		v->s[i].softpass = 0;
	}
}

void
kyso_inbound_judge(const struct kyso_config *cfg,
    const struct kyso_verify_result *res, const char *from_addr, int softfail,
    struct kyso_verdict *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->lead = -1;
	v->hp.first = -1;
	if (!res->found) {
		v->result = KYSO_RES_NONE;
		v->why = res->encrypted ? KYSO_WHY_ENCRYPTED : KYSO_WHY_NONE;
		return;
	}
	if (res->malformed || res->nsigners == 0) {
		v->result = KYSO_RES_PERMERROR;
		v->why = KYSO_WHY_MALFORMED;
		return;
	}
	v->n = res->nsigners;
	v->s = g_new0(struct kyso_signer_verdict, v->n);
	for (i = 0; i < v->n; i++) {
		judge_signer(cfg, res, &res->signers[i], from_addr, softfail,
		    &v->s[i]);
		if (v->lead < 0 ||
		    severity(v->s[i].result) > severity(v->s[v->lead].result))
			v->lead = (int)i;
		v->softpass |= v->s[i].softpass;
	}
	v->result = v->s[v->lead].result;
	v->why = v->s[v->lead].why;
	if (v->result != KYSO_RES_PASS) {
		v->softpass = 0;
		demote_passing_signers(v);
	}
}

void
kyso_inbound_verdict_clear(struct kyso_verdict *v)
{
	g_free(v->hp.signed_value);
	g_free(v->s);
	memset(v, 0, sizeof(*v));
}

void
kyso_inbound_judge_display(struct kyso_verdict *v,
    const struct kyso_header *outer, size_t n, const char *from_addr)
{
	size_t i, count = 0;

	if (v->result != KYSO_RES_PASS || from_addr == NULL)
		return;
	for (i = 0; i < n; i++)
		count += outer[i].name != NULL && outer[i].value != NULL &&
		    g_ascii_strcasecmp(outer[i].name, "From") == 0;
	/* no single From: not a pass already */
	if (count != 1 || !kyso_policy_from_names_other(outer, n, from_addr))
		return;
	v->result = KYSO_RES_POLICY;
	v->why = KYSO_WHY_DISPLAY_OTHER;
	v->softpass = 0;
	for (i = 0; i < v->n; i++) {
		v->s[i].result = KYSO_RES_POLICY;
		v->s[i].why = KYSO_WHY_DISPLAY_OTHER;
		v->s[i].softpass = 0;
		v->s[i].note[0] = '\0';
	}
}

/* 1 when text names an address in one of our domains. */
static int
text_claims_own_domain(const struct kyso_config *cfg, const char *text)
{
	char dom[KYSO_MAX_ADDRESS + 1];
	const char *p;
	size_t k;

	for (p = strchr(text, '@'); p != NULL; p = strchr(p + 1, '@')) {
		for (k = 0; k < KYSO_MAX_ADDRESS &&
		     (g_ascii_isalnum(p[k + 1]) || p[k + 1] == '-' ||
		         p[k + 1] == '.');
		     k++)
			dom[k] = g_ascii_tolower(p[k + 1]);
		while (k > 0 && dom[k - 1] == '.')
			k--;
		dom[k] = '\0';
		if (k > 0 && kyso_config_is_own_domain(cfg, dom))
			return 1;
	}
	return 0;
}

/* 1 when any From field names an address in one of our domains anywhere
 * in its text (every mailbox of every From field, and a display name that
 * shows such an address too, as written or as a reader sees it: encoded
 * words decoded, a full-width at sign): the own-domain warning must not
 * be lost to a message with two From fields, two mailboxes or a
 * look-alike display name. Over-matching only adds a warning; it never
 * makes a pass. */
static int
from_claims_own_domain(const struct kyso_config *cfg,
    const struct kyso_header *h, size_t n)
{
	size_t i;
	char *text;
	int own = 0;

	for (i = 0; i < n && !own; i++) {
		if (h[i].name == NULL || h[i].value == NULL ||
		    g_ascii_strcasecmp(h[i].name, "From") != 0)
			continue;
		own = text_claims_own_domain(cfg, h[i].value);
		if (!own) {
			text = kyso_policy_reader_text(h[i].value);
			own = text_claims_own_domain(cfg, text);
			g_free(text);
		}
	}
	return own;
}

/* Append ",name" (or name first) to the kinds list buf, whole or not at
 * all. */
static void
kinds_append(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf);

	if (n + (n > 0) + strlen(name) + 1 > len)
		return;
	(void)g_snprintf(buf + n, len - n, "%s%s", n > 0 ? "," : "", name);
}

/* The verdict's facts for the journal: the message result and, as the
 * A-R field names first, the first signer with serial and issuer. */
static void
fill_facts(const struct kyso_verify_result *vr, const struct kyso_verdict *v,
    struct kyso_inbound_facts *f)
{
	size_t i;

	f->verified = 1;
	f->result = v->result;
	f->why = v->why;
	f->nsigners = vr->nsigners;
	for (i = 0; i < v->n; i++)
		kinds_append(f->kinds, sizeof(f->kinds),
		    kyso_cert_kind_name(v->s[i].kind));
	for (i = 0; i < v->n; i++) {
		const struct kyso_signer_info *si = &vr->signers[i];

		if (si->serial_hex == NULL || si->issuer_text == NULL)
			continue;
		(void)g_strlcpy(f->serial, si->serial_hex, sizeof(f->serial));
		(void)g_strlcpy(f->issuer, si->issuer_text, sizeof(f->issuer));
		f->kind = v->s[i].kind;
		break;
	}
}

/* The name a valid tag shows: the first agency seal's, else the first
 * signer's (cleaned: no control or invisible characters). */
static char *
tag_name(const struct kyso_verify_result *vr, const struct kyso_verdict *v)
{
	size_t i, pick = 0;

	for (i = 0; i < v->n; i++)
		if (v->s[i].kind == KYSO_KIND_AGENCY) {
			pick = i;
			break;
		}
	return kyso_verdict_header_clean(vr->signers[pick].subject_cn != NULL
	        ? vr->signers[pick].subject_cn
	        : "?");
}

/* The tag the verdict earns, or NULL: pass, signed but not valid, or
 * unsigned while claiming a provincial address. */
static char *
tag_text(const struct kyso_settings *st, const struct kyso_verify_result *vr,
    const struct kyso_verdict *v)
{
	char *name, *out;

	if (v->result == KYSO_RES_PASS && v->n > 0) {
		name = tag_name(vr, v);
		out = kyso_subject_tag_fill(st->subject_tag_valid, name);
		g_free(name);
		return out;
	}
	if (v->result != KYSO_RES_NONE)
		return g_strdup(st->subject_tag_invalid);
	if (v->own_domain)
		return g_strdup(st->subject_tag_unsigned);
	return NULL;
}

/* SubjectTag: every Subject field becomes the tag the verdict earns in
 * front of its text without any tag of ours (so a second kyso server
 * replaces the first one's tag instead of adding one, and a tag forged
 * by the sender never stands); a message without Subject gets one when
 * there is a tag. A Subject that neither has nor earns a tag is left
 * alone. */
static void
subject_tag(const struct kyso_settings *st, const char *const *tags,
    const struct kyso_envelope *env, const struct kyso_verify_result *vr,
    const struct kyso_verdict *v, struct kyso_inbound_result *res)
{
	char *tag = tag_text(st, vr, v);
	GPtrArray *out = g_ptr_array_new();
	size_t i;
	int changed = 0;

	for (i = 0; i < env->nheaders; i++) {
		char *base, *dec, *text;

		if (env->headers[i].name == NULL ||
		    g_ascii_strcasecmp(env->headers[i].name, "Subject") != 0)
			continue;
		base = kyso_subject_base(env->headers[i].value, tags);
		dec = kyso_subject_base(env->headers[i].value, NULL);
		changed |= tag != NULL || strcmp(base, dec) != 0;
		text = tag == NULL    ? g_strdup(base)
		    : base[0] == '\0' ? g_strdup(tag)
		                      : g_strconcat(tag, " ", base, NULL);
		g_ptr_array_add(out, kyso_verdict_header_encode(text));
		g_free(text);
		g_free(base);
		g_free(dec);
	}
	if (out->len == 0 && tag != NULL) {
		g_ptr_array_add(out, kyso_verdict_header_encode(tag));
		res->subject_add = changed = 1;
	}
	if (changed) {
		res->nsubjects = out->len;
		res->subjects = (char **)g_ptr_array_free(out, FALSE);
	} else {
		g_ptr_array_set_free_func(out, g_free);
		g_ptr_array_free(out, TRUE);
	}
	g_free(tag);
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
	const char *fromp = NULL;
	const char *const tags[] = {st->subject_tag_valid,
	    st->subject_tag_invalid, st->subject_tag_unsigned, NULL};
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
	kyso_inbound_judge(cfg, &vr, fromp, st->revocation_softfail, &v);
	kyso_inbound_judge_headers(&v, &vr, env->headers, env->nheaders,
	    st->subject_tag ? tags : NULL);
	kyso_inbound_judge_display(&v, env->headers, env->nheaders, fromp);
	v.own_domain = from_claims_own_domain(cfg, env->headers, env->nheaders);
	res->ar_value = kyso_ar_header_format(st->authserv_id, fromp, &vr, &v);
	res->verdict_value = kyso_verdict_header_format(&vr, &v);
	fill_facts(&vr, &v, &res->facts);
	(void)snprintf(res->result, sizeof(res->result), "%s",
	    kyso_result_name(v.result));
	if (st->result_header)
		res->result_value = g_strdup(kyso_result_name(v.result));
	if (st->subject_tag)
		subject_tag(st, tags, env, &vr, &v, res);
	if (v.own_domain && v.result != KYSO_RES_PASS) {
		if (st->on_unsigned_own_domain == KYSO_ONFAIL_REJECT)
			res->action = KYSO_ACTION_REJECT;
		else if (st->on_unsigned_own_domain == KYSO_ONFAIL_TEMPFAIL)
			res->action = KYSO_ACTION_TEMPFAIL;
	}
	(void)snprintf(res->log, sizeof(res->log),
	    "smime=%s why=\"%s\" part=%s signers=%zu own_domain=%d%s",
	    kyso_result_name(v.result), kyso_inbound_why_text(v.why, 0),
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
	size_t i;

	g_free(res->ar_value);
	g_free(res->verdict_value);
	g_free(res->result_value);
	for (i = 0; i < res->nsubjects; i++)
		g_free(res->subjects[i]);
	g_free(res->subjects);
	res->ar_value = res->verdict_value = res->result_value = NULL;
	res->subjects = NULL;
	res->nsubjects = 0;
}

size_t
kyso_inbound_forged(const struct kyso_config *cfg,
    const struct kyso_header *headers, size_t n, struct kyso_header_ref *del,
    size_t max)
{
	const char *id = kyso_config_settings(cfg)->authserv_id;
	size_t i, k = 0, nar = 0, nvd = 0, nrs = 0, r = 0, m;
	size_t *ar_idx, *vd_idx, *rs_idx;

	ar_idx = g_new0(size_t, n + 1);
	vd_idx = g_new0(size_t, n + 1);
	rs_idx = g_new0(size_t, n + 1);
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
		    g_ascii_strcasecmp(headers[i].name, KYSO_VERDICT_HEADER) ==
		        0)
			vd_idx[k++] = ++nvd;
	for (i = 0; i < n; i++)
		if (headers[i].name != NULL &&
		    g_ascii_strcasecmp(headers[i].name, KYSO_RESULT_HEADER) ==
		        0)
			rs_idx[r++] = ++nrs;
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
	while (r > 0 && n < max) {
		del[n].name = KYSO_RESULT_HEADER;
		del[n++].index = rs_idx[--r];
	}
	g_free(ar_idx);
	g_free(vd_idx);
	g_free(rs_idx);
	return n;
}
