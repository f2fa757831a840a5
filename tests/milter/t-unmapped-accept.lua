-- Default OnUnmappedSender accept: passes unsigned, unchanged.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "127.0.0.1", envfrom = "someone@sonv.hagiang.gov.vn",
    headers = {{"From", "someone@sonv.hagiang.gov.vn"}}})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if mt.eom_check(conn, MT_BODYCHANGE) then error("unmapped sender was signed") end
mt.disconnect(conn)
