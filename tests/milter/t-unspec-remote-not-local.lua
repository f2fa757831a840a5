-- A client without an address is external unless every fact of Sendmail's
-- pipe submission holds: Postfix's smtpd with XCLIENT ADDR=[UNAVAILABLE]
-- (daemon name, "_" = "name [addr]", even NAME=localhost), no "_" at all,
-- a "_" that is not login@localhost, a daemon name with a pipe-like "_",
-- another host name. None of them is signed; each gets our A-R.
dofile(srcdir .. "/tests/milter/common.lua")
local cases = {
	{host = "localhost", daemon = "mx.hagiang.gov.vn", who = "localhost [unknown]"},
	{host = "unknown", daemon = "mx.hagiang.gov.vn", who = "unknown [unknown]"},
	{host = "localhost"},
	{host = "localhost", who = "localhost [unknown]"},
	{host = "localhost", who = "root@evil.example"},
	{host = "localhost", who = "root@localhost [192.0.2.7]"},
	{host = "localhost", who = "@localhost"},
	{host = "localhost", who = "a@b@localhost"},
	{host = "localhost", daemon = "MTA", who = "root@localhost"},
	{host = "evil.example", who = "root@localhost"},
}
for i, c in ipairs(cases) do
	local conn = send({ip = "unspec", host = c.host, daemon = c.daemon,
	    who = c.who, envfrom = "vanthu@sotttt.hagiang.gov.vn",
	    headers = {{"From", "vanthu@sotttt.hagiang.gov.vn"},
		       {"Subject", "case " .. i}}})
	expect_reply(conn, SMFIR_ACCEPT, "eom, case " .. i)
	if mt.eom_check(conn, MT_BODYCHANGE) then
		-- (miltertest 1.4 may abort on the signed reply instead: the
		-- case fails either way)
		error("case " .. i .. ": signed although not local")
	end
	if not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
		error("case " .. i .. ": no Authentication-Results inserted")
	end
	mt.disconnect(conn)
end
