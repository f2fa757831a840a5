-- Mail the sender signed already is passed on untouched.
dofile(srcdir .. "/tests/milter/common.lua")
local conn = send({ip = "127.0.0.1", envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = {{"From", "vanthu@sotttt.hagiang.gov.vn"},
	       {"MIME-Version", "1.0"},
	       {"Content-Type", "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b"}},
    body = "--b\r\n\r\nx\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\nAA==\r\n--b--\r\n"})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if mt.eom_check(conn, MT_BODYCHANGE) then error("signed mail was re-signed") end
mt.disconnect(conn)
