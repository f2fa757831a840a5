/*
 * test_verdict.c - the verdict words (policy/verdict.c): every reason has
 * an English text fit for an Authentication-Results comment and a
 * Vietnamese one, result names are the RFC 8601/7281 registry's, and a
 * value outside the enums never reads as "pass".
 */
#include <string.h>
#include <glib.h>

#include "harness.h"
#include "kyso/policy/verdict.h"

/* ASCII printable, and no character that would end or nest an A-R
 * comment or a header field */
static int
ar_comment_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '(' || *s == ')' ||
		    *s == '\\' || *s == ';')
			return 0;
	return 1;
}

int
main(void)
{
	static const char *const registry[] = {"none", "pass", "fail",
	    "neutral", "policy", "temperror", "permerror"};
	int w, r;

	for (w = KYSO_WHY_OK; w <= KYSO_WHY_LAST; w++) {
		const char *en = kyso_inbound_why_text((enum kyso_why)w, 0);
		const char *vi = kyso_inbound_why_text((enum kyso_why)w, 1);

		CHECK(en != NULL && strlen(en) > 2 && strcmp(en, "?") != 0 &&
		        ar_comment_safe(en),
		    "why %d: English text \"%s\" fits an A-R comment", w,
		    en != NULL ? en : "(null)");
		CHECK(vi != NULL && strlen(vi) > 2 && strcmp(vi, "?") != 0 &&
		        g_utf8_validate(vi, -1, NULL) &&
		        strchr(vi, '\n') == NULL,
		    "why %d: Vietnamese text is UTF-8 on one line", w);
	}
	CHECK(strcmp(kyso_inbound_why_text((enum kyso_why)(KYSO_WHY_LAST + 1),
	                 0),
	          "?") == 0,
	    "a reason beyond the table reads \"?\"");
	CHECK(strcmp(kyso_inbound_why_text((enum kyso_why) - 1, 1), "?") == 0,
	    "a negative reason reads \"?\"");

	for (r = KYSO_RES_NONE; r <= KYSO_RES_PERMERROR; r++)
		CHECK(strcmp(kyso_result_name((enum kyso_result)r),
		          registry[r]) == 0,
		    "result %d is \"%s\"", r, registry[r]);
	CHECK(strcmp(kyso_result_name(
	                 (enum kyso_result)(KYSO_RES_PERMERROR + 1)),
	          "permerror") == 0,
	    "a result beyond the enum is permerror, never pass");
	CHECK(strcmp(kyso_result_name((enum kyso_result) - 5), "permerror") ==
	        0,
	    "a negative result is permerror");

	CHECK(strcmp(kyso_binding_name(KYSO_BOUND_EMAIL),
	          "certificate e-mail") == 0,
	    "binding by the certificate's e-mail");
	CHECK(strcmp(kyso_binding_name(KYSO_BOUND_SEALTABLE), "SealTable") == 0,
	    "binding by SealTable");
	CHECK(strcmp(kyso_binding_name(KYSO_BOUND_CERTTABLE),
	          "CertificateTable") == 0,
	    "binding by CertificateTable");
	CHECK(strcmp(kyso_binding_name((enum kyso_binding)99), "not bound") ==
	        0,
	    "an unknown binding reads \"not bound\"");
	return TEST_DONE();
}
