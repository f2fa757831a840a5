-- A signed message from an outside client (file given as -D msg=...,
-- written by `kyso-milter -t`): kyso-milter verifies it, inserts its
-- Authentication-Results with smime=pass and leaves the body alone.
dofile(srcdir .. "/tests/milter/common.lua")
local f = io.open(msg, "rb")
if f == nil then error("cannot read " .. tostring(msg)) end
local text = f:read("*a")
f:close()
text = string.gsub(text, "\r\n", "\n")
local hend = string.find(text, "\n\n", 1, true)
if hend == nil then error("no header/body separator in " .. msg) end
local head = string.sub(text, 1, hend)
local body = string.gsub(string.sub(text, hend + 2), "\n", "\r\n")
local headers = {}
-- unfold into {name, value} with LF between folded lines (as Postfix)
for line in string.gmatch(head, "([^\n]*)\n") do
	if string.find(line, "^[ \t]") and #headers > 0 then
		local h = headers[#headers]
		h[2] = h[2] .. "\n" .. line
	else
		local name, value = string.match(line, "^([^:]+):%s?(.*)$")
		if name == nil then error("bad header line: " .. line) end
		table.insert(headers, {name, value})
	end
end
local conn = send({ip = "203.0.113.9",
    envfrom = "vanthu@sotttt.hagiang.gov.vn",
    headers = headers, body = body})
expect_reply(conn, SMFIR_ACCEPT, "eom")
if mt.eom_check(conn, MT_BODYCHANGE) then error("inbound body changed") end
if not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
	error("no Authentication-Results inserted")
end
local ar = mt.getheader(conn, "Authentication-Results", 0)
if ar == nil or not string.find(ar, "smime=pass", 1, true) then
	error("not a pass: " .. tostring(ar))
end
mt.disconnect(conn)
