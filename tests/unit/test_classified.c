/*
 * test_classified.c - secrecy markings are found where a sender puts them
 * (Subject, attachment names, a stamp line) in any Unicode form, and never
 * in the ordinary words that contain the same syllable.
 */
#include <string.h>

#include "kyso/policy/classified.h"
#include "kyso/smime/mime.h"
#include "harness.h"

#define DEFAULT "TỐI MẬT, TUYỆT MẬT, MẬT, TOI MAT, TUYET MAT"

static const struct {
	const char *text;
	int want;
} cases[] = {
    {"TỐI MẬT: Kế hoạch phòng thủ", 1},
    {"Kế hoạch tuyệt mật năm 2026", 1},
    {"tối mật", 1},
    {"[Mật] Báo cáo tình hình", 1},
    {"(MẬT) Báo cáo", 1},
    {"MẬT - Báo cáo quý III", 1},
    {"  Mật: công văn số 12", 1},
    {"MẬT", 1},
    /* decomposed (NFD) accents, as some keyboards produce */
    {"TO\xcc\x82\xcc\x81I MA\xcc\xa3\xcc\x82T", 1},
    {"TOI MAT - ke hoach", 1},
    {"Quyet dinh TUYET MAT.pdf", 1},
    {"Mật khẩu mới của hệ thống thư", 0},
    {"V/V BẢO MẬT THÔNG TIN", 0},
    {"Giữ bí mật", 0},
    {"Mật độ dân số", 0},
    {"automat", 0},
    {"TOI MATERIAL", 0},
    {"Tài liệu này không mật", 0},
    {"Họp giao ban tuần", 0},
    {"\xff\xfe not UTF-8", 0},
};

static int
check_message(const struct kyso_classified *c, const char *text, char *why,
    size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeMessage *m = kyso_mime_parse(s, NULL);
	int hit = m != NULL && kyso_classified_check(c, m, why, len);

	if (m != NULL)
		g_object_unref(m);
	g_object_unref(s);
	return hit;
}

int
main(void)
{
	struct kyso_classified *c;
	const char *marking = NULL;
	char why[160];
	size_t i;

	kyso_mime_init();
	c = kyso_classified_new(DEFAULT);
	CHECK(c != NULL, "default markings compile");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(kyso_classified_match(c, cases[i].text, NULL) ==
		        cases[i].want,
		    "%s: \"%s\"", cases[i].want ? "marked" : "not marked",
		    cases[i].text);
	CHECK(kyso_classified_match(c, "TỐI MẬT", &marking) &&
	        strcmp(marking, "TỐI MẬT") == 0,
	    "the longest marking is named (not its \"MẬT\")");
	CHECK(kyso_classified_new("none") == NULL &&
	        kyso_classified_new(" , ") == NULL,
	    "\"none\" or an empty list switches the check off");

	CHECK(check_message(c,
	          "From: a@hagiang.gov.vn\r\n"
	          "Subject: =?UTF-8?B?W03huqxUXSBCw6FvIGPDoW8=?=\r\n\r\nx\r\n",
	          why, sizeof(why)) &&
	        strstr(why, "Subject") != NULL,
	    "RFC 2047 encoded Subject \"[MẬT] Báo cáo\": %s", why);
	CHECK(check_message(c,
	          "From: a@hagiang.gov.vn\r\nSubject: Gui tai lieu\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	          "Content-Type: text/plain\r\n\r\nKinh gui.\r\n--b\r\n"
	          "Content-Type: application/pdf\r\n"
	          "Content-Disposition: attachment; "
	          "filename*=utf-8''QD%20T%E1%BB%90I%20M%E1%BA%ACT.pdf\r\n"
	          "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n",
	          why, sizeof(why)) &&
	        strstr(why, "attachment") != NULL,
	    "RFC 2231 attachment name \"QD TỐI MẬT.pdf\": %s", why);
	CHECK(check_message(c,
	          "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n"
	          "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	          "UBND T=E1=BB=88NH H=C3=80 GIANG\r\n\r\n"
	          "*** M=E1=BA=ACT ***\r\n\r\nK=C3=ADnh g=E1=BB=ADi...\r\n",
	          why, sizeof(why)) &&
	        strstr(why, "stamp") != NULL,
	    "stamp line \"*** MẬT ***\" at the top of a QP text: %s", why);
	CHECK(!check_message(c,
	          "From: a@hagiang.gov.vn\r\nSubject: Doi mat khau\r\n"
	          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	          "Vui l\xc3\xb2ng \xc4\x91\xe1\xbb\x95i m\xe1\xba\xadt "
	          "kh\xe1\xba\xa9u tr\xc6\xb0\xe1\xbb\x9b\x63 th\xe1\xbb\xa9 "
	          "6.\r\n",
	          why, sizeof(why)),
	    "an ordinary message about passwords is not classified");
	/* the attacker forwards the document inside a message/rfc822 part */
	CHECK(check_message(c,
	          "From: a@hagiang.gov.vn\r\nSubject: Chuyen tiep\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	          "Content-Type: text/plain\r\n\r\nXem thu duoi.\r\n--b\r\n"
	          "Content-Type: message/rfc822\r\n\r\n"
	          "From: x@hagiang.gov.vn\r\nSubject: Bao cao\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n"
	          "Content-Type: text/plain\r\n\r\nKinh gui.\r\n--c\r\n"
	          "Content-Type: application/pdf\r\n"
	          "Content-Disposition: attachment; "
	          "filename*=utf-8''QD%20T%E1%BB%90I%20M%E1%BA%ACT.pdf\r\n"
	          "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"
	          "--c--\r\n\r\n--b--\r\n",
	          why, sizeof(why)) &&
	        strstr(why, "attachment") != NULL,
	    "attachment name \"QD TỐI MẬT.pdf\" inside a forwarded message: "
	    "%s",
	    why);
	CHECK(check_message(c,
	          "From: a@hagiang.gov.vn\r\nSubject: Chuyen tiep\r\n"
	          "MIME-Version: 1.0\r\n"
	          "Content-Type: message/rfc822\r\n\r\n"
	          "From: x@hagiang.gov.vn\r\n"
	          "Subject: =?UTF-8?B?W03huqxUXSBCw6FvIGPDoW8=?=\r\n\r\nx\r\n",
	          why, sizeof(why)) &&
	        strstr(why, "Subject") != NULL,
	    "Subject \"[MẬT] Báo cáo\" of a forwarded message: %s", why);
	kyso_classified_free(c);
	kyso_mime_shutdown();
	return TEST_DONE();
}
