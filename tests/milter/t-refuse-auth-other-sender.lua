-- An authenticated login sending as another official's address is refused
-- (OnUnauthorizedSender reject, 5.7.1) and nothing is signed; with
-- MAIL FROM:<> too (a null sender is judged on From alone), and when only
-- the display name carries the login's address.
dofile(srcdir .. "/tests/milter/common.lua")
local cases = {
	{auth = "an", envfrom = "an@hagiang.gov.vn",
	 from = "An <nguyenvanan@sotttt.hagiang.gov.vn>"},
	{auth = "an@sonv.hagiang.gov.vn", envfrom = "",
	 from = "nguyenvanan@sotttt.hagiang.gov.vn"},
	{auth = "binh@sotttt.hagiang.gov.vn", envfrom = "",
	 from = "\"binh@sotttt.hagiang.gov.vn\" <nguyenvanan@sotttt.hagiang.gov.vn>"},
}
for i, c in ipairs(cases) do
	local conn = send({ip = "198.51.100.7", auth = c.auth,
	    envfrom = c.envfrom,
	    headers = {{"From", c.from}, {"To", "someone@example.org"},
		       {"Subject", "hi"}}})
	expect_reply(conn, SMFIR_REPLYCODE, "eom (case " .. i .. ")")
	if mt.eom_check(conn, MT_BODYCHANGE) then
		error("case " .. i .. ": body replaced (signed)")
	end
	mt.disconnect(conn)
end
