/*
 * process.c - run one message through policy and the S/MIME engine and
 * describe the result as an outcome for the caller to apply.
 *
 * The message is parsed (GMime) once: classification reads the tree, then
 * signing re-encodes it (never the other way round).
 * Signing: policy picks the certificate; the engine writes the new body to
 * a spool; the outcome says to strip top-level Content-* fields and add the
 * multipart/signed Content-Type. Already signed or encrypted mail passes
 * unchanged (co-signing comes later). Verifying: inbound.c computes the
 * trust headers; forged copies of ours are removed in every direction.
 * The outcome also carries the facts the journal records (struct
 * kyso_outcome_facts), each set here where it becomes known.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kyso/policy/classified.h"
#include "kyso/smime/cosign.h"
#include "kyso/smime/mime.h"
#include "kyso/policy/process.h"
#include "kyso/smime/sign.h"
#include "kyso/policy/verdict.h"
#include "config_int.h"

static const char text_tempfail[] =
    "Message cannot be processed right now, try again later";
static const char text_reject[] = "Message refused by signing policy";
static const char text_classified[] =
    "Classified documents must not be sent by e-mail";

/* Map an OnXxx setting onto the outcome's action and fixed reply. */
static void
set_failure_action(struct kyso_outcome *out, enum kyso_onfail how)
{
	switch (how) {
	case KYSO_ONFAIL_TEMPFAIL:
		out->action = KYSO_ACTION_TEMPFAIL;
		out->reply_code = "451";
		out->reply_xcode = "4.7.0";
		out->reply_text = text_tempfail;
		break;
	case KYSO_ONFAIL_REJECT:
		out->action = KYSO_ACTION_REJECT;
		out->reply_code = "550";
		out->reply_xcode = "5.7.1";
		out->reply_text = text_reject;
		break;
	case KYSO_ONFAIL_ACCEPT:
	default:
		out->action = KYSO_ACTION_ACCEPT;
		break;
	}
}

static const char *const class_names[] = {
    [KYSO_OC_UNSIGNED] = "unsigned",
    [KYSO_OC_SIGNED] = "signed",
    [KYSO_OC_SEALED] = "sealed",
    [KYSO_OC_CLASSIFIED] = "classified",
    [KYSO_OC_EXPIRED] = "expired",
    [KYSO_OC_REFUSED] = "refused",
    [KYSO_OC_ERROR] = "error",
    [KYSO_OC_TOO_BIG] = "too-big",
    [KYSO_OC_VERIFIED] = "verified",
    [KYSO_OC_VERIFY_OFF] = "off",
};

const char *
kyso_outcome_class_name(enum kyso_outcome_class c)
{
	if ((size_t)c >= sizeof(class_names) / sizeof(class_names[0]) ||
	    class_names[c] == NULL)
		return "error";
	return class_names[c];
}

/* The message ended as c: the fact, and the result word of the log. */
static void
set_class(struct kyso_outcome *out, enum kyso_outcome_class c)
{
	out->facts.cls = c;
	(void)snprintf(out->result, sizeof(out->result), "%s",
	    kyso_outcome_class_name(c));
}

static void
set_reason(struct kyso_outcome *out, const char *reason)
{
	(void)g_strlcpy(out->facts.reason, reason, sizeof(out->facts.reason));
}

/* Facts of the envelope: which message, who sent it, from where. */
static void
envelope_facts(const struct kyso_envelope *env, struct kyso_outcome_facts *f)
{
	if (env->queue_id != NULL)
		(void)g_strlcpy(f->queue_id, env->queue_id,
		    sizeof(f->queue_id));
	if (env->auth_authen != NULL)
		(void)g_strlcpy(f->login, env->auth_authen, sizeof(f->login));
	if (env->client_addr != NULL)
		(void)g_strlcpy(f->client, env->client_addr, sizeof(f->client));
}

/* Facts of policy's decision; outbound, the certificate it chose. */
static void
decision_facts(const struct kyso_decision *d, struct kyso_outcome_facts *f)
{
	X509 *x;

	f->origin = d->origin;
	(void)g_strlcpy(f->from, d->from_addr, sizeof(f->from));
	(void)g_strlcpy(f->reason, d->reason, sizeof(f->reason));
	if (d->origin == KYSO_ORIGIN_EXTERNAL)
		return;
	if (d->cert_id != NULL)
		(void)g_strlcpy(f->cert_id, d->cert_id, sizeof(f->cert_id));
	if (d->signer != NULL && (x = kyso_signer_cert(d->signer)) != NULL) {
		kyso_cert_serial_text(x, f->serial, sizeof(f->serial));
		kyso_cert_name_text(X509_get_issuer_name(x), f->issuer,
		    sizeof(f->issuer));
	}
}

static void logf_append(struct kyso_outcome *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append printf-formatted text to the outcome's log, truncating. */
static void
logf_append(struct kyso_outcome *out, const char *fmt, ...)
{
	size_t len = strlen(out->log);
	va_list ap;

	if (len + 1 >= sizeof(out->log))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(out->log + len, sizeof(out->log) - len, fmt, ap);
	va_end(ap);
}

/* A failure: nothing is changed. Our mail the signer refused as it is
 * (KYSO_E_INPUT: unsignable without breaking it) gets OnUnsignable
 * (default accept: it leaves unsigned, logged); anything else
 * OnInternalError (default tempfail). */
static void
internal_failure(const struct kyso_config *cfg, struct kyso_outcome *out,
    const struct kyso_err *err)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	enum kyso_onfail how = st->on_internal_error;

	if (err->cls == KYSO_E_INPUT)
		how = out->decision.action == KYSO_ACTION_SIGN
		    ? st->on_unsignable
		    : KYSO_ONFAIL_ACCEPT;
	kyso_outcome_clear_edits(out);
	set_failure_action(out, how);
	set_class(out,
	    err->cls == KYSO_E_INPUT ? KYSO_OC_UNSIGNED : KYSO_OC_ERROR);
	set_reason(out, err->msg);
	logf_append(out, " error_class=%s error=\"%s\"",
	    kyso_err_class_name(err->cls), err->msg);
}

/* May the personal signature(s) of a message be sealed? Only when the
 * inbound verdict rules (policy/inbound.c), applied to the signature as
 * found, pass it: every signer valid, trusted, current, unrevoked and
 * bound to the From address, covering the whole message. A seal vouches
 * for what it seals; one broken or foreign signer beside a good one is
 * never sealed over. Otherwise `why` names the first failing signer. */
static int
personal_acceptable(const struct kyso_config *cfg,
    const struct kyso_verify_result *vr, const char *from, char *why,
    size_t len)
{
	struct kyso_verdict v;
	int ok;

	kyso_inbound_judge(cfg, vr, from,
	    kyso_config_settings(cfg)->revocation_softfail, &v);
	ok = v.result == KYSO_RES_PASS;
	if (!ok)
		(void)snprintf(why, len, "%s%s%s",
		    kyso_inbound_why_text(v.why, 0),
		    v.lead >= 0 && v.s[v.lead].note[0] ? ": " : "",
		    v.lead >= 0 ? v.s[v.lead].note : "");
	kyso_inbound_verdict_clear(&v);
	return ok;
}

/* Seal a message our user signed personally (CoSign yes); when it cannot
 * be sealed it passes unchanged and the log says why. */
/* A sealed message's signers: the officials' (personal, as
 * personal_acceptable checked) and then the agency's seal. */
static void
sealed_facts(const struct kyso_cosign_result *cr, struct kyso_outcome_facts *f)
{
	size_t i, n;

	f->signers = (unsigned)cr->signers_after;
	f->kinds[0] = '\0';
	for (i = 0; i < cr->signers_before; i++) {
		n = strlen(f->kinds);
		if (n + sizeof("personal,agency") > sizeof(f->kinds))
			break; /* keep room for the seal */
		(void)g_strlcpy(f->kinds + n, "personal,",
		    sizeof(f->kinds) - n);
	}
	(void)g_strlcat(f->kinds, "agency", sizeof(f->kinds));
}

static int
do_cosign(const struct kyso_config *cfg, struct kyso_spool *msg,
    GMimeStream *body, time_t now, struct kyso_outcome *out,
    struct kyso_err *err)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	struct kyso_sign_opts tsa = {0};
	struct kyso_cosign_result cr;
	GMimeStream *in = kyso_spool_stream(msg);
	char why[300];
	int rc;

	tsa.tsa_url = st->timestamp_url;
	tsa.tsa_timeout = st->timestamp_timeout;
	tsa.tsa_required = st->timestamp_required;
	rc = kyso_cosign_message_tsa(out->decision.signer,
	    kyso_config_trust(cfg), in, body, out->decision.from_addr, now,
	    &tsa, &cr, err);
	g_object_unref(in);
	if (rc < 0 && cr.tsa_error != NULL) {
		/* OnTimestampFailure tempfail, whatever OnInternalError says */
		internal_failure(cfg, out, err);
		set_failure_action(out, KYSO_ONFAIL_TEMPFAIL);
		kyso_cosign_result_clear(&cr);
		return 0;
	}
	if (rc < 0)
		return -1;
	if (!cr.cosigned) {
		set_class(out, KYSO_OC_UNSIGNED);
		logf_append(out, " skipped=signed cosign=\"%s\"", cr.why);
	} else if (!personal_acceptable(cfg, &cr.before,
	               out->decision.from_addr, why, sizeof(why))) {
		set_class(out, KYSO_OC_UNSIGNED);
		logf_append(out, " skipped=signed cosign=\"not sealed: %s\"",
		    why);
	} else if (g_mime_stream_reset(body) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot rewind sealed body");
		rc = -1;
	} else {
		out->body = body; /* the caller's reference moves here */
		if (cr.content_type != NULL) {
			out->strip_content = 1;
			out->content_type = g_strdup(cr.content_type);
		}
		set_class(out, KYSO_OC_SEALED);
		sealed_facts(&cr, &out->facts);
		logf_append(out, " signers=%zu->%zu digest=%s%s",
		    cr.signers_before, cr.signers_after, cr.digest,
		    cr.digest_adjusted ? " digest_adjusted=yes" : "");
		if (cr.timestamped)
			logf_append(out, " timestamp=yes");
		else if (cr.tsa_error != NULL)
			logf_append(out, " timestamp=no timestamp_error=\"%s\"",
			    cr.tsa_error);
	}
	kyso_cosign_result_clear(&cr);
	return rc;
}

/* A new body stream: in memory only when the message was. */
static GMimeStream *
body_stream(const struct kyso_settings *st, struct kyso_spool *msg,
    struct kyso_err *err)
{
	char *path;
	int fd;

	if (!kyso_spool_on_disk(msg) &&
	    kyso_spool_size(msg) <= st->spool_memory)
		return g_mime_stream_mem_new();
	path = g_strdup_printf("%s/kyso-out.XXXXXX", st->tmp_dir);
	fd = mkstemp(path);
	if (fd < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot create %s", path);
		g_free(path);
		return NULL;
	}
	(void)unlink(path);
	g_free(path);
	return g_mime_stream_fs_new(fd);
}

/* OnUnsignable opaque: sign the message again, into a new body, as
 * application/pkcs7-mime; why detached signing refused it goes to the
 * log. */
static int
sign_opaque(const struct kyso_config *cfg, struct kyso_spool *msg,
    const struct kyso_sign_opts *opts, GMimeStream **body,
    struct kyso_sign_result *res, struct kyso_outcome *out,
    struct kyso_err *err)
{
	GMimeStream *in, *fresh;
	char *ascii = g_str_to_ascii(err->msg, "C");
	int rc;

	g_strdelimit(ascii, "\"\\", '\'');
	logf_append(out, " detached=\"%s\"", ascii);
	g_free(ascii);
	memset(err, 0, sizeof(*err));
	if ((fresh = body_stream(kyso_config_settings(cfg), msg, err)) == NULL)
		return -1;
	g_object_unref(*body);
	*body = fresh;
	in = kyso_spool_stream(msg);
	rc = kyso_sign_opaque(out->decision.signer, in, fresh, opts, res, err);
	g_object_unref(in);
	return rc;
}

/* The message as GMime reads it, parsed once for classification and
 * signing (NULL: not parsed yet, or GMime refused it). */
static GMimeMessage *
parse_once(struct kyso_spool *msg, GMimeMessage **parsed, int *tried)
{
	GMimeStream *in;

	if (!*tried) {
		*tried = 1;
		in = kyso_spool_stream(msg);
		*parsed = kyso_mime_parse(in, NULL);
		g_object_unref(in);
	}
	return *parsed;
}

/* Sign our message: detached (multipart/signed), or opaque when
 * `opaque_for` names a recipient of OpaqueRecipients (whose system alters
 * detached signatures) or OnUnsignable opaque catches what detached
 * signing must refuse. `parsed` (may be NULL: parsed here) is the message
 * classification read, changed by detached signing; opaque signing reads
 * the spool again. */
static int
do_sign(const struct kyso_config *cfg, struct kyso_spool *msg,
    GMimeMessage *parsed, const char *opaque_for, time_t now,
    struct kyso_outcome *out, struct kyso_err *err)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	struct kyso_sign_result res;
	struct kyso_sign_opts opts = {0};
	GMimeStream *in = kyso_spool_stream(msg);
	GMimeStream *body = NULL;
	int rc = -1, signed_rc;

	/* the new body stays in memory only when the message did */
	if ((body = body_stream(st, msg, err)) == NULL)
		goto out;
	opts.tmp_dir = st->tmp_dir;
	opts.mem_limit = st->spool_memory;
	opts.tsa_url = st->timestamp_url;
	opts.tsa_timeout = st->timestamp_timeout;
	opts.tsa_required = st->timestamp_required;
	opts.protect_headers = st->header_protection;
	if (opaque_for != NULL) {
		char shown[KYSO_MAX_ADDRESS + 1];

		kyso_text_printable(shown, sizeof(shown), opaque_for);
		logf_append(out, " opaque_for=<%s>", shown);
		signed_rc = kyso_sign_opaque(out->decision.signer, in, body,
		    &opts, &res, err);
	} else if (parsed != NULL) {
		signed_rc = kyso_sign_parsed(out->decision.signer, parsed,
		    (gint64)kyso_spool_size(msg), body, &opts, &res, err);
	} else {
		signed_rc = kyso_sign_message(out->decision.signer, in, body,
		    &opts, &res, err);
	}
	if (signed_rc < 0) {
		if (res.tsa_error != NULL) {
			/* OnTimestampFailure tempfail, whatever
			 * OnInternalError says */
			internal_failure(cfg, out, err);
			set_failure_action(out, KYSO_ONFAIL_TEMPFAIL);
			kyso_sign_result_clear(&res);
			rc = 0;
			goto out;
		}
		/* OnUnsignable opaque: what detached signing would break is
		 * carried whole inside the signature (a fresh body) */
		if (opaque_for != NULL || err->cls != KYSO_E_INPUT ||
		    st->on_unsignable != KYSO_ONFAIL_OPAQUE ||
		    sign_opaque(cfg, msg, &opts, &body, &res, out, err) < 0)
			goto out;
	}
	if (res.kind == KYSO_MIME_SIGNED && st->cosign) {
		rc = do_cosign(cfg, msg, body, now, out, err);
		if (rc == 0 && out->body == body)
			body = NULL; /* the outcome owns it now */
		goto out;
	}
	if (res.kind != KYSO_MIME_PLAIN) {
		/* already signed or encrypted by the sender: keep it intact */
		set_class(out, KYSO_OC_UNSIGNED);
		logf_append(out, " skipped=%s", kyso_mime_kind_name(res.kind));
		rc = 0;
		goto out;
	}
	if (g_mime_stream_reset(body) < 0) {
		kyso_err_set(err, KYSO_E_TEMP, "cannot rewind signed body");
		goto out;
	}
	out->strip_content = 1;
	out->add_mime_version = res.add_mime_version;
	out->content_type = g_strdup(res.content_type);
	out->opaque = res.opaque;
	out->body = body;
	body = NULL;
	set_class(out, KYSO_OC_SIGNED);
	out->facts.signers = 1; /* the agency certificate's */
	(void)g_strlcpy(out->facts.kinds, "agency", sizeof(out->facts.kinds));
	logf_append(out, " reencoded=%d hp=%s%s", res.reencoded_parts,
	    res.protected_headers ? "clear" : "no",
	    res.opaque ? " format=opaque" : "");
	if (res.timestamped)
		logf_append(out, " timestamp=yes");
	else if (res.tsa_error != NULL)
		logf_append(out, " timestamp=no timestamp_error=\"%s\"",
		    res.tsa_error);
	kyso_sign_result_clear(&res);
	rc = 0;
out:
	if (body != NULL)
		g_object_unref(body);
	g_object_unref(in);
	return rc;
}

/* Facts of the inbound verdict (VerifyInbound no: none). */
static void
verdict_facts(const struct kyso_inbound_facts *in, struct kyso_outcome_facts *f)
{
	if (!in->verified) {
		f->cls = KYSO_OC_VERIFY_OFF;
		return;
	}
	f->cls = KYSO_OC_VERIFIED;
	f->inbound = *in;
	f->signers = (unsigned)in->nsigners;
	(void)g_strlcpy(f->kinds, in->kinds, sizeof(f->kinds));
	(void)g_strlcpy(f->serial, in->serial, sizeof(f->serial));
	(void)g_strlcpy(f->issuer, in->issuer, sizeof(f->issuer));
	(void)g_strlcpy(f->reason, kyso_inbound_why_text(in->why, 0),
	    sizeof(f->reason));
}

static int
do_verify(const struct kyso_config *cfg, const struct kyso_envelope *env,
    struct kyso_spool *msg, time_t now, struct kyso_outcome *out,
    struct kyso_err *err)
{
	struct kyso_inbound_result ir;
	GMimeStream *in = kyso_spool_stream(msg);
	int rc;

	memset(&ir, 0, sizeof(ir));
	rc = kyso_inbound_process(cfg, env, in, now, &ir, err);
	g_object_unref(in);
	if (rc < 0)
		return -1;
	out->ar_value = ir.ar_value;
	out->verdict_value = ir.verdict_value;
	out->result_value = ir.result_value;
	out->subjects = ir.subjects;
	out->nsubjects = ir.nsubjects;
	out->subject_add = ir.subject_add;
	ir.ar_value = ir.verdict_value = ir.result_value = NULL;
	ir.subjects = NULL;
	ir.nsubjects = 0;
	(void)snprintf(out->result, sizeof(out->result), "%s", ir.result);
	logf_append(out, " %s", ir.log);
	verdict_facts(&ir.facts, &out->facts);
	if (ir.action == KYSO_ACTION_TEMPFAIL)
		set_failure_action(out, KYSO_ONFAIL_TEMPFAIL);
	else if (ir.action == KYSO_ACTION_REJECT)
		set_failure_action(out, KYSO_ONFAIL_REJECT);
	kyso_inbound_result_clear(&ir);
	return 0;
}

/* Does our message bear a secrecy marking? The Subject always; attachment
 * names and the top of the text when the whole message was spooled. */
static int
is_classified(const struct kyso_config *cfg, const struct kyso_envelope *env,
    struct kyso_spool *msg, int too_big, struct kyso_outcome *out,
    GMimeMessage **parsed, int *tried)
{
	const struct kyso_classified *c = kyso_config_classified(cfg);
	GMimeMessage *m;
	const char *marking = NULL;
	char why[160] = "";
	size_t i;
	int hit = 0;

	if (c == NULL)
		return 0;
	for (i = 0; i < env->nheaders && !hit; i++)
		if (g_ascii_strcasecmp(env->headers[i].name, "Subject") == 0) {
			char *s = g_mime_utils_header_decode_text(NULL,
			    env->headers[i].value);

			/* raw 8-bit bytes as they are too (windows-1258):
			 * decoding reads them as Latin-1 */
			hit = kyso_classified_match(c, s, &marking) ||
			    (!g_utf8_validate(env->headers[i].value, -1,
			         NULL) &&
			        kyso_classified_match(c, env->headers[i].value,
			            &marking));
			if (hit)
				(void)snprintf(why, sizeof(why),
				    "%s in Subject", marking);
			g_free(s);
		}
	if (!hit && !too_big && (m = parse_once(msg, parsed, tried)) != NULL)
		hit = kyso_classified_check(c, m, why, sizeof(why));
	if (hit) {
		/* the log is ASCII: "TỐI MẬT" shows as "TOI MAT" */
		char *ascii = g_str_to_ascii(why, "C");

		g_strdelimit(ascii, "\"\\", '\'');
		logf_append(out, " classified=\"%s\"", ascii);
		set_reason(out, ascii);
		g_free(ascii);
	}
	return hit;
}

/* kyso_process_message; *parsed is the message parsed for classification,
 * if it was (the caller unrefs it). */
static int
process(const struct kyso_config *cfg, const struct kyso_envelope *env,
    struct kyso_spool *msg, int too_big, time_t now, struct kyso_outcome *out,
    GMimeMessage **parsed)
{
	const struct kyso_settings *st = kyso_config_settings(cfg);
	struct kyso_err err = {0};
	struct kyso_decision *d = &out->decision;
	int tried = 0;

	memset(out, 0, sizeof(*out));
	out->action = KYSO_ACTION_ACCEPT;
	envelope_facts(env, &out->facts);
	if (kyso_policy_decide(cfg, env, d, &err) < 0) {
		internal_failure(cfg, out, &err);
		return 0;
	}
	decision_facts(d, &out->facts);
	(void)snprintf(out->log, sizeof(out->log),
	    "action=%s origin=%s%s%s from=<%s> cert=%s reason=\"%s\"",
	    kyso_action_name(d->action), kyso_origin_name(d->origin),
	    d->origin_detail[0] != '\0' ? " " : "", d->origin_detail,
	    d->from_addr, d->cert_id != NULL ? d->cert_id : "-", d->reason);
	/* our own trust headers are never believed when they come in */
	/* room for every field: a cap would let the copies past it through */
	out->forged = g_new0(struct kyso_header_ref, env->nheaders + 1);
	out->nforged = kyso_inbound_forged(cfg, env->headers, env->nheaders,
	    out->forged, env->nheaders);
	/* classified documents are never signed or sent (OnClassified) */
	if (d->origin != KYSO_ORIGIN_EXTERNAL &&
	    is_classified(cfg, env, msg, too_big, out, parsed, &tried)) {
		set_failure_action(out, st->on_classified);
		if (out->action == KYSO_ACTION_REJECT)
			out->reply_text = text_classified;
		set_class(out, KYSO_OC_CLASSIFIED);
		return 0;
	}
	if (d->action == KYSO_ACTION_SIGN || d->action == KYSO_ACTION_VERIFY) {
		if (too_big) {
			set_failure_action(out, st->on_too_big);
			set_class(out, KYSO_OC_TOO_BIG);
			logf_append(out, " size_limit=exceeded");
			return 0;
		}
	}
	switch (d->action) {
	case KYSO_ACTION_SIGN:
		/* an expired (or not yet valid) certificate makes worthless
		 * signatures: hold the mail (OnInternalError) rather than
		 * send it unsigned or badly signed; the journal counts it
		 * as expired, the log as the error it is */
		if (kyso_signer_check_time(d->signer, now, &err) < 0) {
			internal_failure(cfg, out, &err);
			if (out->facts.cls == KYSO_OC_ERROR)
				out->facts.cls = KYSO_OC_EXPIRED;
		} else if (do_sign(cfg, msg, *parsed, env->opaque_rcpt, now,
		               out, &err) < 0)
			internal_failure(cfg, out, &err);
		break;
	case KYSO_ACTION_VERIFY:
		if (do_verify(cfg, env, msg, now, out, &err) < 0)
			internal_failure(cfg, out, &err);
		break;
	case KYSO_ACTION_TEMPFAIL:
		set_failure_action(out, KYSO_ONFAIL_TEMPFAIL);
		set_class(out, KYSO_OC_REFUSED);
		break;
	case KYSO_ACTION_REJECT:
		set_failure_action(out, KYSO_ONFAIL_REJECT);
		set_class(out, KYSO_OC_REFUSED);
		break;
	case KYSO_ACTION_ACCEPT:
	default:
		set_class(out, KYSO_OC_UNSIGNED);
		break;
	}
	return 0;
}

int
kyso_process_message(const struct kyso_config *cfg,
    const struct kyso_envelope *env, struct kyso_spool *msg, int too_big,
    time_t now, struct kyso_outcome *out)
{
	GMimeMessage *parsed = NULL;
	int rc = process(cfg, env, msg, too_big, now, out, &parsed);

	if (parsed != NULL)
		g_object_unref(parsed);
	return rc;
}

void
kyso_outcome_clear_edits(struct kyso_outcome *out)
{
	size_t i;

	out->strip_content = 0;
	out->add_mime_version = 0;
	out->opaque = 0;
	g_free(out->content_type);
	out->content_type = NULL;
	if (out->body != NULL)
		g_object_unref(out->body);
	out->body = NULL;
	g_free(out->ar_value);
	out->ar_value = NULL;
	g_free(out->verdict_value);
	out->verdict_value = NULL;
	g_free(out->result_value);
	out->result_value = NULL;
	for (i = 0; i < out->nsubjects; i++)
		g_free(out->subjects[i]);
	g_free(out->subjects);
	out->subjects = NULL;
	out->nsubjects = 0;
	out->subject_add = 0;
}

void
kyso_outcome_clear(struct kyso_outcome *out)
{
	kyso_outcome_clear_edits(out);
	g_free(out->forged);
	memset(out, 0, sizeof(*out));
}
