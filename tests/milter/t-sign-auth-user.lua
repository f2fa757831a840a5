-- An authenticated user on an outside address is ours: a login signs as
-- its own address (body replaced, Content-Type added).
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "198.51.100.7", auth = "nguyenvanan@sotttt.hagiang.gov.vn",
    envfrom = "nguyenvanan@sotttt.hagiang.gov.vn",
    headers = {{"From", "An <nguyenvanan@sotttt.hagiang.gov.vn>"},
	       {"To", "someone@example.org"}, {"Subject", "hi"}},
    body = "Xin ch\195\160o.\r\n"})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if not mt.eom_check(conn, MT_BODYCHANGE) then error("body not replaced") end
if not mt.eom_check(conn, MT_HDRADD, "Content-Type") then
	error("no Content-Type added")
end
local ct = mt.getheader(conn, "Content-Type", 0)
if ct == nil or not string.find(ct, "multipart/signed", 1, true) or
    not string.find(ct, "micalg=sha-256", 1, true) then
	error("wrong Content-Type: " .. tostring(ct))
end
mt.disconnect(conn)
