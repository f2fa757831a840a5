-- One message from an internal host for the token tests (t-token.sh):
-- -D from=ADDRESS, -D want=sign (accepted and signed), tempfail (451) or
-- either (prints SIGNED or TEMPFAIL).
dofile(srcdir .. "/tests/milter/common.lua")
-- libmilter's worker pool hands a new session to a worker within its
-- controller's 10 s cycle when the others are busy (held by a token)
mt.set_timeout(60)
local conn = send({ip = "127.0.0.1", envfrom = from,
    headers = {{"From", from}, {"To", "someone@example.org"},
	       {"Subject", "token"}},
    body = "K\195\173nh g\225\187\173i.\r\n"})
local r = mt.getreply(conn)
if want == "tempfail" or (want == "either" and r == SMFIR_REPLYCODE) then
	if r ~= SMFIR_REPLYCODE then
		error("eom: want a tempfail, got " .. tostring(r))
	end
	print("TEMPFAIL")
else
	if r ~= SMFIR_ACCEPT then
		error("eom: unexpected reply " .. tostring(r))
	end
	if not mt.eom_check(conn, MT_HDRADD, "Content-Type") then
		error("not signed: no Content-Type added")
	end
	local ct = mt.getheader(conn, "Content-Type", 0)
	if ct == nil or not string.find(ct, "multipart/signed", 1, true) then
		error("not signed: " .. tostring(ct))
	end
	print("SIGNED")
end
mt.disconnect(conn)
