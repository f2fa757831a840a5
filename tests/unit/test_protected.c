/*
 * test_protected.c - header protection on the way in (RFC 9788,
 * policy/protected.c) against an attacker who edits the outer header of a
 * validly signed message: a changed Subject or From, a field added
 * outside the protected set, a removed one; a signed part without hp= is
 * never claimed protected; the same field in another case, folding,
 * encoding or time zone still matches; our own Subject tag is not a
 * change. Checks the verdict, the X-Kyso-Verdict text and the A-R field.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "kyso/smime/mime.h"
#include "kyso/policy/policy.h"
#include "kyso/policy/verdict.h"
#include "harness.h"

#define H(n, v)                                                                \
	{                                                                      \
		(char *)(n), (char *)(v)                                       \
	}

/* A signed part holding From, To, Subject, Date (hp as given). */
static struct kyso_inner_field inner[] = {
    {(char *)"From",
        (char *)"=?UTF-8?B?VsSDbiB0aMawIFPhu58gVFRUVA==?= "
                "<vanthu@sotttt.hagiang.gov.vn>"},
    {(char *)"To", (char *)"a@example.org, b@example.org"},
    {(char *)"Subject", (char *)"=?UTF-8?B?VGjDtG5nIGLDoW8=?="},
    {(char *)"Date", (char *)"Thu, 26 Nov 2026 10:00:00 +0700"},
};

/* The outer header as sent: the same fields as a reader sees them, but
 * another name case, folding, a quoted instead of an encoded name, raw
 * UTF-8 instead of encoded words, the same instant in UTC. */
static const struct kyso_header same[] = {
    H("FROM", "\"Văn thư Sở TTTT\"\n <vanthu@sotttt.hagiang.gov.vn>"),
    H("to", "a@example.org,\n\tb@example.org"),
    H("SUBJECT", "Thông  báo"),
    H("Date", "Thu, 26 Nov 2026 03:00:00 +0000"),
    H("Message-ID", "<added-by-relay@x>"),
};

struct fixture {
	struct kyso_signer_info si;
	struct kyso_signer_verdict sv;
	struct kyso_verify_result r;
	struct kyso_verdict v;
};

static void
setup(struct fixture *f, const char *hp, size_t ninner)
{
	memset(f, 0, sizeof(*f));
	f->si.signature_ok = f->si.chain_ok = f->si.valid_now = 1;
	f->si.email = (char *)"vanthu@sotttt.hagiang.gov.vn";
	f->si.subject_cn = (char *)"Sở TTTT";
	f->si.serial_hex = (char *)"2000";
	f->si.issuer_rfc4514 = (char *)"CN=CA";
	f->r.found = f->r.whole = 1;
	f->r.part = (char *)"TEXT";
	f->r.nsigners = 1;
	f->r.signers = &f->si;
	f->r.hp = (char *)hp;
	f->r.inner = inner;
	f->r.ninner = ninner;
	f->sv.result = KYSO_RES_PASS;
	f->sv.kind = KYSO_KIND_AGENCY;
	f->sv.binding = KYSO_BOUND_EMAIL;
	(void)g_strlcpy(f->sv.note, "agency, certificate e-mail",
	    sizeof(f->sv.note));
	f->v.result = KYSO_RES_PASS;
	f->v.why = KYSO_WHY_OK;
	f->v.lead = 0;
	f->v.n = 1;
	f->v.s = &f->sv;
}

static char *
verdict_text(const struct fixture *f)
{
	char *v = kyso_verdict_header_format(&f->r, &f->v);
	char *u = g_mime_utils_header_unfold(v);
	char *d = g_mime_utils_header_decode_text(NULL, u);

	g_free(v);
	g_free(u);
	return d;
}

static unsigned
bit(const char *name)
{
	int k;

	for (k = 0; kyso_protected_fields[k] != NULL; k++)
		if (strcmp(kyso_protected_fields[k], name) == 0)
			return 1u << k;
	return 0;
}

/* Judge `outer` against the signed part; the verdict text in *text. */
static void
judge(struct fixture *f, const struct kyso_header *outer, size_t n,
    const char *const *strip, char **text, char **ar)
{
	kyso_inbound_judge_headers(&f->v, &f->r, outer, n, strip);
	*text = verdict_text(f);
	*ar = kyso_ar_header_format("mx.test", "vanthu@sotttt.hagiang.gov.vn",
	    &f->r, &f->v);
}

static void
done(struct fixture *f, char *text, char *ar)
{
	g_free(f->v.hp.signed_value);
	g_free(text);
	g_free(ar);
}

int
main(void)
{
	struct fixture f;
	struct kyso_header h[G_N_ELEMENTS(same) + 1];
	char *t, *ar;
	const char *const tags[] = {"[Đã ký số: %s]",
	    "[CẢNH BÁO: chữ ký không hợp lệ]", NULL};

	g_mime_init();

	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, same, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_PASS && f.v.hp.present &&
	        f.v.hp.matched ==
	            (bit("From") | bit("To") | bit("Subject") | bit("Date")) &&
	        f.v.hp.changed == 0,
	    "same fields in another case, folding, encoding and time zone "
	    "match; a Message-ID a relay added is no change");
	CHECK(strstr(t,
	          "Được ký và khớp / Signed and unchanged: Tiêu đề, "
	          "Người nhận, Ngày, Người gửi / Subject, To, Date, "
	          "From") != NULL &&
	        strstr(t, "Không được ký") == NULL,
	    "the verdict names the protected fields, no 'Not signed' line: %s",
	    t);
	CHECK(strstr(ar, "smime=pass") != NULL &&
	        strstr(ar, "protected headers: From To Subject Date") != NULL,
	    "A-R: pass, naming the protected fields: %s", ar);
	done(&f, t, ar);

	/* Subject changed (one letter's case is a change) */
	memcpy(h, same, sizeof(same));
	h[2] = (struct kyso_header)H("Subject", "thông báo");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY &&
	        f.v.why == KYSO_WHY_HEADER_CHANGED && f.v.hp.first >= 0 &&
	        strcmp(kyso_protected_fields[f.v.hp.first], "Subject") == 0 &&
	        f.v.hp.how == 0 && f.v.s[0].result == KYSO_RES_POLICY,
	    "attacker: Subject changed after signing -> policy");
	CHECK(strstr(t,
	          "Không hợp lệ / Not valid (policy): Tiêu đề đã bị "
	          "thay đổi sau khi ký / Subject changed after "
	          "signing: giá trị được ký / the signed Subject was "
	          "\"Thông báo\"") != NULL,
	    "the verdict says the Subject changed and what was signed: %s", t);
	CHECK(strstr(ar,
	          "smime=policy (protected header field changed after "
	          "signing; Subject changed after signing)") != NULL,
	    "A-R: policy, Subject changed: %s", ar);
	done(&f, t, ar);

	/* From changed (the address) */
	memcpy(h, same, sizeof(same));
	h[0] = (struct kyso_header)H("From",
	    "\"Văn thư Sở TTTT\" <giamdoc@sotttt.hagiang.gov.vn>");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY && f.v.hp.first == 0 &&
	        strstr(t,
	            "Người gửi đã bị thay đổi sau khi ký / From changed "
	            "after signing") != NULL,
	    "attacker: From changed after signing -> policy: %s", t);
	done(&f, t, ar);

	/* a field added outside a protected set that does not hold it */
	memcpy(h, same, sizeof(same));
	h[G_N_ELEMENTS(same)] = (struct kyso_header)H("Cc", "spy@evil.test");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same) + 1, NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY && f.v.hp.how == 1 &&
	        strcmp(kyso_protected_fields[f.v.hp.first], "Cc") == 0 &&
	        strstr(t, "Đồng gửi được thêm vào sau khi ký") != NULL &&
	        strstr(ar, "Cc added after signing") != NULL,
	    "attacker: Cc added outside the protected set -> policy: %s", t);
	done(&f, t, ar);
	h[G_N_ELEMENTS(same)] =
	    (struct kyso_header)H("Reply-To", "collect@evil.test");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same) + 1, NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY && f.v.hp.how == 1,
	    "attacker: Reply-To added outside the protected set -> policy");
	done(&f, t, ar);

	/* Postfix adds "To: undisclosed-recipients:;" to Bcc-only mail */
	{
		static struct kyso_inner_field fs[] = {
		    {(char *)"From", (char *)"<vanthu@sotttt.hagiang.gov.vn>"},
		    {(char *)"Subject", (char *)"x"},
		};
		struct kyso_header u[] = {H("From",
		                              "vanthu@sotttt.hagiang.gov.vn"),
		    H("Subject", "x"), H("To", "undisclosed-recipients:;")};

		setup(&f, "clear", 2);
		f.r.inner = fs;
		judge(&f, u, 3, NULL, &t, &ar);
		CHECK(f.v.result == KYSO_RES_PASS && f.v.hp.changed == 0,
		    "a To naming no mailbox (a relay's "
		    "undisclosed-recipients:;) is no addition");
		done(&f, t, ar);
		u[2] = (struct kyso_header)H("To", "x@evil.test");
		setup(&f, "clear", 2);
		f.r.inner = fs;
		judge(&f, u, 3, NULL, &t, &ar);
		CHECK(f.v.result == KYSO_RES_POLICY && f.v.hp.how == 1,
		    "... a To with a mailbox added outside is");
		done(&f, t, ar);
	}

	/* Subject removed outside */
	memcpy(h, same, sizeof(same));
	h[2] = (struct kyso_header)H("X-Subject", "gone");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY && f.v.hp.how == 2 &&
	        strstr(t, "Subject removed after signing") != NULL,
	    "attacker: Subject removed after signing -> policy");
	done(&f, t, ar);

	/* no hp parameter: fields in the signed part are not protected */
	memcpy(h, same, sizeof(same));
	h[2] = (struct kyso_header)H("Subject", "Replayed");
	setup(&f, NULL, G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_PASS && !f.v.hp.present &&
	        f.v.hp.matched == 0 &&
	        strstr(t,
	            "Không được ký / Not signed: Tiêu đề, Người nhận, "
	            "Ngày / Subject, To, Date") != NULL &&
	        strstr(t, "Được ký và khớp") == NULL &&
	        strstr(ar, "protected") == NULL,
	    "attacker: inner fields without hp= are never claimed protected: "
	    "%s",
	    t);
	done(&f, t, ar);
	setup(&f, "v1", G_N_ELEMENTS(inner));
	judge(&f, same, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(!f.v.hp.present && f.v.hp.matched == 0,
	    "an unknown hp= value protects nothing");
	done(&f, t, ar);
	setup(&f, "cipher", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.hp.present && f.v.result == KYSO_RES_POLICY,
	    "hp=\"cipher\" protects as well");
	done(&f, t, ar);

	/* only some fields signed: Date added by a relay stays unsigned */
	setup(&f, "clear", 3);
	judge(&f, same, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_PASS && !(f.v.hp.matched & bit("Date")) &&
	        strstr(t, "Không được ký / Not signed: Ngày / Date") != NULL,
	    "Date outside an unprotected set is only 'not signed': %s", t);
	done(&f, t, ar);

	/* a bad signature vouches for nothing it holds */
	setup(&f, "clear", G_N_ELEMENTS(inner));
	f.si.signature_ok = 0;
	f.v.result = f.sv.result = KYSO_RES_FAIL;
	kyso_inbound_judge_headers(&f.v, &f.r, h, G_N_ELEMENTS(same), NULL);
	CHECK(!f.v.hp.present && f.v.result == KYSO_RES_FAIL,
	    "no protection is read from a part whose signature fails");

	/* our Subject tag (from an earlier kyso server) is no change */
	memcpy(h, same, sizeof(same));
	h[2] = (struct kyso_header)H("Subject",
	    "=?UTF-8?Q?=5B=C4=90=C3=A3_k=C3=BD_s=E1=BB=91=3A_S=E1=BB=9F_X=5D_?="
	    "Thông báo");
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), tags, &t, &ar);
	CHECK(f.v.result == KYSO_RES_PASS && (f.v.hp.matched & bit("Subject")),
	    "a Subject with our own tag matches the signed one without it");
	done(&f, t, ar);
	setup(&f, "clear", G_N_ELEMENTS(inner));
	judge(&f, h, G_N_ELEMENTS(same), NULL, &t, &ar);
	CHECK(f.v.result == KYSO_RES_POLICY,
	    "... but only our tags: without SubjectTag it is a change");
	done(&f, t, ar);
	{
		char *b = kyso_subject_base("[Đã ký số: A] [CẢNH BÁO: chữ ký "
		                            "không hợp lệ]  Re: x",
		    tags);
		char *c = kyso_subject_base("[Đã ký số: no end Re: x", tags);

		CHECK(strcmp(b, "Re: x") == 0,
		    "every tag of ours at the start goes (%s)", b);
		CHECK(strcmp(c, "[Đã ký số: no end Re: x") == 0,
		    "a tag without its end is not ours (%s)", c);
		g_free(b);
		g_free(c);
		/* a forged tag written decomposed (NFD) looks the same:
		 * it is ours and goes, raw or encoded; and a tag configured
		 * decomposed still finds the composed one */
		{
			char *tag = g_strdup_printf("%s Re: x",
			    "[Đã ký số: Ủy ban nhân dân tỉnh Hà Giang]");
			char *nfd = g_utf8_normalize(tag, -1, G_NORMALIZE_NFD);
			char *enc =
			    g_mime_utils_header_encode_text(NULL, nfd, "UTF-8");
			char *td =
			    g_utf8_normalize(tags[0], -1, G_NORMALIZE_NFD);
			const char *const dtags[] = {td, NULL};
			char *x = kyso_subject_base(nfd, tags);
			char *y = kyso_subject_base(enc, tags);
			char *z = kyso_subject_base(tag, dtags);

			CHECK(strcmp(nfd, tag) != 0 &&
			        strcmp(x, "Re: x") == 0 &&
			        strcmp(y, "Re: x") == 0,
			    "a decomposed (NFD) forged tag is stripped, raw "
			    "and encoded: '%s', '%s'",
			    x, y);
			CHECK(strcmp(z, "Re: x") == 0,
			    "a decomposed configured tag strips the composed "
			    "one: '%s'",
			    z);
			g_free(tag);
			g_free(nfd);
			g_free(enc);
			g_free(td);
			g_free(x);
			g_free(y);
			g_free(z);
		}
		c = kyso_subject_tag_fill(tags[0], "Sở [X] ]");
		b = kyso_subject_base(c, tags);
		CHECK(strcmp(c, "[Đã ký số: Sở [X   ]") == 0 && b[0] == '\0',
		    "a ']' in the signer's name cannot end the tag early: "
		    "'%s' strips to '%s'",
		    c, b);
		g_free(b);
		g_free(c);
	}
	g_mime_shutdown();
	return TEST_DONE();
}
