-- A stranger that merely claims a province From is never signed: no body
-- change, and the message gets our Authentication-Results.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "203.0.113.9",
    envfrom = "nguyenvanan@sotttt.hagiang.gov.vn",
    headers = {{"From", "nguyenvanan@sotttt.hagiang.gov.vn"},
	       {"Subject", "spoof"}}})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if mt.eom_check(conn, MT_BODYCHANGE) then error("external mail was changed") end
if not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
	error("no Authentication-Results inserted")
end
mt.disconnect(conn)
