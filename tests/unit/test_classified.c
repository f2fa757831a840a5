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
    {"TỐI MẬT: Kế hoạch phòng thủ", 1}, {"Kế hoạch tuyệt mật năm 2026", 1},
    {"tối mật", 1}, {"[Mật] Báo cáo tình hình", 1}, {"(MẬT) Báo cáo", 1},
    {"MẬT - Báo cáo quý III", 1}, {"  Mật: công văn số 12", 1}, {"MẬT", 1},
    /* decomposed (NFD) accents, as some keyboards produce */
    {"TO\xcc\x82\xcc\x81I MA\xcc\xa3\xcc\x82T", 1}, {"TOI MAT - ke hoach", 1},
    {"Quyet dinh TUYET MAT.pdf", 1},
    /* evasions: what a reader sees as the marking is the marking
     * (invisible format characters, other spaces, compatibility forms
     * and Cyrillic or Greek look-alike letters are read as it) */
    {"TỐI M\u200bẬT: kế hoạch", 1},         /* zero-width space */
    {"TỐI M\u00adẬT", 1},                   /* soft hyphen */
    {"TUYỆT\u2060 MẬT", 1},                 /* word joiner */
    {"[M\ufeffẬT] Báo cáo", 1},             /* BOM inside the word */
    {"[\u200eMẬT\u200f] Báo cáo", 1},       /* bidirectional marks */
    {"Kế hoạch TỐI\u00a0MẬT", 1},           /* no-break space */
    {"Kế hoạch TỐI\u3000MẬT", 1},           /* ideographic space */
    {"Kế hoạch TỐI  MẬT", 1},               /* two spaces */
    {"Kế hoạch TỐI\tMẬT", 1},               /* tab */
    {"[\uff2d\u1eac\uff34] Báo cáo", 1},    /* fullwidth M, T */
    {"Kế hoạch TỐI \u041c\u1eac\u0422", 1}, /* Cyrillic M, T */
    {"Kế hoạch T\u041e\u0302\u0301I M\u1eac\u03a4", 1},   /* Cyrillic O
                                                   + accents, Greek T */
    {"TOI \U0001d40c\U0001d400\U0001d413 - ke hoach", 1}, /* bold MAT */
    /* spelt out letter by letter, as a whole, in brackets or a label */
    {"M.Ậ.T: kế hoạch", 1}, {"[M Ậ T] Báo cáo", 1}, {"T-Ố-I  M-Ậ-T", 1},
    {"Báo cáo (T U Y Ệ T  M Ậ T)", 1}, {"T.O.I M.A.T - ke hoach", 1},
    {"Mật khẩu: 123456", 0}, {"Bảo mật: hướng dẫn", 0},
    {"Báo cáo (mật độ dân số)", 0}, {"Mật khẩu mới của hệ thống thư", 0},
    {"M\u1eadt\u00a0kh\u1ea9u m\u1edbi", 0}, /* still not a label */
    {"Cuộc họp về bảo\u200b mật", 0},
    {"\u041c\u0410\u0422\u0415\u0420\u0418\u0410\u041b", 0}, /* МАТЕРИАЛ */
    {"V/V BẢO MẬT THÔNG TIN", 0}, {"Giữ bí mật", 0}, {"Mật độ dân số", 0},
    {"automat", 0}, {"TOI MATERIAL", 0}, {"Tài liệu này không mật", 0},
    {"Họp giao ban tuần", 0}, {"\xff\xfe not UTF-8", 0},
    /* raw 8-bit windows-1258 (Vietnamese legacy charset): M, Â, combining
     * dot below, T */
    {"M\xc2\xf2T: k\xea\xd2 hoa\xf2"
     "ch",
        1},
    {"M\xe2\xf2t kh\xe2\xd2u", 0}, /* "Mật khẩu" */
};

/* Whole messages: where the marking hides and what the check must name
 * ("Subject", "attachment", "stamp"), or NULL for a message that must not
 * be classified. */
static const struct {
	const char *what;  /* the case, as the test names it */
	const char *where; /* a word of the reason, or NULL: not classified */
	const char *msg;
} messages[] = {
    {"RFC 2047 encoded Subject \"[MẬT] Báo cáo\"", "Subject",
        "From: a@hagiang.gov.vn\r\n"
        "Subject: =?UTF-8?B?W03huqxUXSBCw6FvIGPDoW8=?=\r\n\r\nx\r\n"},
    {"RFC 2231 attachment name \"QD TỐI MẬT.pdf\"", "attachment",
        "From: a@hagiang.gov.vn\r\nSubject: Gui tai lieu\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nKinh gui.\r\n--b\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Disposition: attachment; "
        "filename*=utf-8''QD%20T%E1%BB%90I%20M%E1%BA%ACT.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n"},
    {"stamp line \"*** MẬT ***\" at the top of a QP text", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "UBND T=E1=BB=88NH H=C3=80 GIANG\r\n\r\n"
        "*** M=E1=BA=ACT ***\r\n\r\nK=C3=ADnh g=E1=BB=ADi...\r\n"},
    {"stamp in an HTML text whose <head> is never closed (a browser "
     "shows it)",
        "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><head><meta charset=utf-8><p>M&#7852;T</p>"
        "<p>K&iacute;nh g&#7917;i</p>\r\n"},
    /* broken markup ends the text, never the reading */
    {"an ordinary message about passwords is not classified", NULL,
        "From: a@hagiang.gov.vn\r\nSubject: Doi mat khau\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Vui l\xc3\xb2ng \xc4\x91\xe1\xbb\x95i m\xe1\xba\xadt "
        "kh\xe1\xba\xa9u tr\xc6\xb0\xe1\xbb\x9b\x63 th\xe1\xbb\xa9 "
        "6.\r\n"},
    /* the attacker forwards the document inside a message/rfc822 part */
    {"attachment name \"QD TỐI MẬT.pdf\" inside a forwarded message",
        "attachment",
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
        "--c--\r\n\r\n--b--\r\n"},
    {"Subject \"[MẬT] Báo cáo\" of a forwarded message", "Subject",
        "From: a@hagiang.gov.vn\r\nSubject: Chuyen tiep\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "From: x@hagiang.gov.vn\r\n"
        "Subject: =?UTF-8?B?W03huqxUXSBCw6FvIGPDoW8=?=\r\n\r\nx\r\n"},
    /* the stamp as a reader sees it, wherever the text hides it */
    {"stamp \"MẬT\" padded past 32 bytes with zero-width spaces", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "M=E2=80=8B=E2=80=8B=E2=80=8B=E2=80=8B=E2=80=8B=E2=80=8B"
        "=E2=80=8B=E2=80=8B=E2=80=8B=E2=80=8B=E2=80=8B=E1=BA=ACT\r\n"
        "\r\nK=C3=ADnh g=E1=BB=ADi...\r\n"},
    {"stamp \"MẬT\" in a windows-1258 text (Vietnamese legacy "
     "charset)",
        "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=windows-1258\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "UBND TINH HA GIANG\r\n\r\nM\xc2\xf2T\r\n\r\nKinh gui\r\n"},
    {"stamp \"TỐI MẬT\" in a UTF-16 text", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-16\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        "//"
        "5VAEIATgBEACAAVADIHk4ASAAgAEgAwAAgAEcASQBBAE4ARwANAAoADQAKAFQA"
        "0B5JACAATQCsHlQADQAKAA0ACgBLAO0AbgBoACAAZwDtHmkADQAKAA==\r\n"},
    {"stamp \"MẬT\" in an HTML text, tags and entities in the word", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><head><style>p{margin:0}</style></head><body>"
        "<p>UBND T&#7880;NH H&Agrave; GIANG</p><p "
        "style=\"text-align:center\"><b>M&#x1ead;<!-- x -->T</b></p>"
        "<p>K&iacute;nh g&#7917;i c&aacute;c s&#7903;...</p>"
        "</body></html>\r\n"},
    {"stamp only in the HTML alternative a reader sees", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\n"
        "Xem ban HTML.\r\n--b\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<div><span>T&#7888;I M&#7852;T</span></div>"
        "<div>K&iacute;nh g&#7917;i</div>\r\n--b--\r\n"},
    {"an HTML message about passwords (\"<b>mật</b> khẩu\") is not "
     "classified",
        NULL,
        "From: a@hagiang.gov.vn\r\nSubject: Doi mat khau\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>Vui l&ograve;ng &#273;&#7893;i <b>m&#7853;t</b> "
        "<i>kh&#7849;u</i> tr&#432;&#7899;c th&#7913; 6.</p>\r\n"},
    {"stamp at the top of a forwarded message's own text", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Chuyen tiep\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nXem thu duoi.\r\n--b\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "From: x@hagiang.gov.vn\r\nSubject: Bao cao\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "UBND T\xe1\xbb\x88NH H\xc3\x80 GIANG\r\n\r\n"
        "T\xe1\xbb\x90I M\xe1\xba\xacT\r\n\r\nK\xc3\xadnh "
        "g\xe1\xbb\xadi\r\n"
        "--b--\r\n"},
    {"stamp in the text shown, after a text file attached first", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Disposition: attachment; filename=ghichu.txt\r\n\r\n"
        "ghi chu\r\n--b\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "T\xe1\xbb\x90I M\xe1\xba\xacT\r\n\r\nK\xc3\xadnh "
        "g\xe1\xbb\xadi\r\n"
        "--b--\r\n"},
    {"stamp \"[MẬT]\" in raw windows-1258 bytes, no charset said", "stamp",
        "From: a@hagiang.gov.vn\r\nSubject: Cong van\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "UBND TINH HA GIANG\r\n\r\n[M\xc2\xf2T]\r\n\r\nKinh gui\r\n"},
    /* every name a mail program may show for an attachment */
    {"Content-Type name \"QD TỐI MẬT.pdf\" beside an innocent "
     "filename",
        "attachment",
        "From: a@hagiang.gov.vn\r\nSubject: Gui tai lieu\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nKinh gui.\r\n--b\r\n"
        "Content-Type: application/pdf; "
        "name=\"=?UTF-8?B?UUQgVOG7kEkgTeG6rFQucGRm?=\"\r\n"
        "Content-Disposition: attachment; filename=\"QD.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n"},
    {"forwarded message attached as \"TỐI MẬT QD12.eml\"", "attachment",
        "From: a@hagiang.gov.vn\r\nSubject: Chuyen tiep\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nXem tep.\r\n--b\r\n"
        "Content-Type: message/rfc822\r\n"
        "Content-Disposition: attachment; "
        "filename*=utf-8''T%E1%BB%90I%20M%E1%BA%ACT%20QD12."
        "eml\r\n\r\n"
        "From: x@hagiang.gov.vn\r\nSubject: QD 12\r\n\r\nx\r\n"
        "--b--\r\n"},
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

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		int hit = check_message(c, messages[i].msg, why, sizeof(why));

		if (messages[i].where != NULL)
			CHECK(hit && strstr(why, messages[i].where) != NULL,
			    "%s: %s", messages[i].what, why);
		else
			CHECK(!hit, "%s", messages[i].what);
	}

	{
		/* broken markup ends the text, never the reading */
		static const char *const broken[] = {"<", "&", "&#", "&#x;",
		    "&#99999999999999999999;", "<!--", "<style>",
		    "<a href=", "</", "<script>x</scrip", "&amp",
		    "<b>M&#7852;T"};
		size_t k;
		int none = 1;

		for (k = 0; k < sizeof(broken) / sizeof(broken[0]); k++) {
			char *m = g_strdup_printf(
			    "From: a@hagiang.gov.vn\r\nSubject: x\r\n"
			    "MIME-Version: 1.0\r\n"
			    "Content-Type: text/html\r\n\r\nKinh gui %s",
			    broken[k]);

			none = none && !check_message(c, m, why, sizeof(why));
			g_free(m);
		}
		CHECK(none, "HTML cut short anywhere is read without harm");
	}

	kyso_classified_free(c);
	kyso_mime_shutdown();
	return TEST_DONE();
}
