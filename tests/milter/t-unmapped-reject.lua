-- OnUnmappedSender reject: our own user without a certificate mapping is
-- refused with a 5.7.1 reply.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "127.0.0.1", envfrom = "someone@sonv.hagiang.gov.vn",
    headers = {{"From", "someone@sonv.hagiang.gov.vn"}}})
expect_reply(conn, SMFIR_REPLYCODE, "eom")
mt.disconnect(conn)
