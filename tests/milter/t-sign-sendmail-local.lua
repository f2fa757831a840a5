-- Sendmail's local SMTP submission (`sendmail -Am -bs` on a pipe): no
-- address family, host "localhost", no {daemon_name}, "_" =
-- "root@localhost". That is ours: signed.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "unspec", host = "localhost", who = "root@localhost",
    envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = {{"From", "vanthu@sotttt.hagiang.gov.vn"}}})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if not mt.eom_check(conn, MT_BODYCHANGE) then error("not signed") end
mt.disconnect(conn)
