-- Forged trust headers claiming our authserv-id and a forged verdict are
-- deleted (RFC 8601 section 5); a foreign A-R is kept.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "203.0.113.9", envfrom = "a@example.org",
    headers = {{"Authentication-Results", "mail.hagiang.gov.vn; smime=pass"},
	       {"Authentication-Results", "mx.example.org; spf=pass"},
	       {"X-Kyso-Verdict", "=?UTF-8?B?SOG7o3AgbOG7hw==?="},
	       {"From", "a@example.org"}}})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") then
	error("forged Authentication-Results not deleted")
end
if not mt.eom_check(conn, MT_HDRDELETE, "X-Kyso-Verdict") then
	error("forged X-Kyso-Verdict not deleted")
end
mt.disconnect(conn)
