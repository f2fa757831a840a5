-- More header fields than KYSO_MAX_HEADERS (1000): a temporary failure
-- (451 4.3.0), as kyso-milter -t answers the same message
-- (tests/integration/t-offline.sh); with 1000 fields the message signs.
dofile(srcdir .. "/tests/milter/common.lua")
local function fields(n)
	local h = {{"From", "vanthu@sotttt.hagiang.gov.vn"}}
	for i = 2, n do
		h[#h + 1] = {"X-Filler", tostring(i)}
	end
	return h
end
local conn = send({ip = "127.0.0.1", envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = fields(1001)})
expect_reply(conn, SMFIR_REPLYCODE, "eom with 1001 fields")
if not mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0",
    "Message cannot be processed right now, try again later") then
	error("1001 fields: not 451 4.3.0")
end
mt.disconnect(conn)
conn = send({ip = "127.0.0.1", envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = fields(1000)})
expect_reply(conn, SMFIR_ACCEPT, "eom with 1000 fields")
if not mt.eom_check(conn, MT_HDRADD, "Content-Type") then
	error("1000 fields: not signed")
end
mt.disconnect(conn)
