/*
 * verdict.c - the words of the inbound verdict: one short reason per
 * enum kyso_why, in English (ASCII, for Authentication-Results comments and
 * logs) and Vietnamese (UTF-8, for X-Kyso-Verdict), and the name of each
 * smime= result. The one place both header writers and the logs take them
 * from.
 */
#include "kyso/policy/verdict.h"

static const struct {
	const char *en, *vi;
} why_texts[] = {
    [KYSO_WHY_OK] = {"valid", "hợp lệ"},
    [KYSO_WHY_NONE] = {"no S/MIME signature", "không có chữ ký số"},
    [KYSO_WHY_ENCRYPTED] = {"encrypted, signature not visible",
        "thư được mã hóa, không thấy chữ ký"},
    [KYSO_WHY_MALFORMED] = {"malformed signature", "chữ ký sai cấu trúc"},
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
    [KYSO_WHY_NOT_BOUND] = {"certificate names no address and is not "
                            "bound to this sender",
        "chứng thư không ghi địa chỉ thư và không được gắn với người gửi "
        "này"},
    [KYSO_WHY_OTHER_SIGNER] = {"another signature on this message is not "
                               "valid",
        "một chữ ký khác trên thư này không hợp lệ"},
    [KYSO_WHY_HEADER_CHANGED] = {"protected header field changed after "
                                 "signing",
        "trường tiêu đề được bảo vệ đã bị thay đổi sau khi ký"},
    [KYSO_WHY_DISPLAY_OTHER] = {"From display name shows another address",
        "tên hiển thị của người gửi ghi một địa chỉ khác"},
    [KYSO_WHY_SIGNTIME] = {"claimed signing time outside the certificate's "
                           "validity",
        "thời điểm ký tự khai nằm ngoài thời hạn hiệu lực của chứng thư"},
};

const char *
kyso_inbound_why_text(enum kyso_why why, int vietnamese)
{
	if ((unsigned)why >= sizeof(why_texts) / sizeof(why_texts[0]))
		return "?";
	return vietnamese ? why_texts[why].vi : why_texts[why].en;
}

const char *
kyso_result_name(enum kyso_result r)
{
	static const char *const names[] = {
	    [KYSO_RES_NONE] = "none",
	    [KYSO_RES_PASS] = "pass",
	    [KYSO_RES_FAIL] = "fail",
	    [KYSO_RES_NEUTRAL] = "neutral",
	    [KYSO_RES_POLICY] = "policy",
	    [KYSO_RES_TEMPERROR] = "temperror",
	    [KYSO_RES_PERMERROR] = "permerror",
	};

	if ((unsigned)r >= sizeof(names) / sizeof(names[0]))
		return "permerror";
	return names[r];
}

const char *
kyso_binding_name(enum kyso_binding b)
{
	switch (b) {
	case KYSO_BOUND_EMAIL:
		return "certificate e-mail";
	case KYSO_BOUND_SEALTABLE:
		return "SealTable";
	case KYSO_BOUND_CERTTABLE:
		return "CertificateTable";
	default:
		return "not bound";
	}
}
