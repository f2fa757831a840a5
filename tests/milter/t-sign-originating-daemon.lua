-- Mail through the submission service (milter_macro_daemon_name =
-- ORIGINATING, listed in MTA) is ours even from an outside address.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "198.51.100.8", daemon = "ORIGINATING",
    envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = {{"From", "vanthu@sotttt.hagiang.gov.vn"}}})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if not mt.eom_check(conn, MT_BODYCHANGE) then error("not signed") end
mt.disconnect(conn)
