-- The spool cannot be written (no temporary directory): temporary
-- failure, never a pass of half-processed mail.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "127.0.0.1", envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = {{"From", "vanthu@sotttt.hagiang.gov.vn"}},
    body = string.rep("0123456789abcdef\r\n", 200)})
expect_reply(conn, SMFIR_REPLYCODE, "eom")
mt.disconnect(conn)
