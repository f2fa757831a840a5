-- common.lua - helpers for the miltertest cases: connect to the running
-- kyso-milter (socket given as -D sock=...), walk the protocol with the
-- facts a case sets, fail loudly with the step that went wrong.
function check(err, what)
	if err ~= nil then
		error(what .. ": " .. tostring(err))
	end
end

function expect_reply(conn, want, what)
	local r = mt.getreply(conn)
	if r ~= want then
		error(what .. ": unexpected reply " .. tostring(r))
	end
end

-- send one message; opts: ip ("unspec": no address family), host, daemon,
-- who, auth, envfrom, headers
-- ({{name, value}, ...}), body. Returns the connection after EOM.
function send(opts)
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then
		error("cannot connect to " .. sock)
	end
	if opts.daemon ~= nil then
		check(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", opts.daemon),
		    "connect macro")
	end
	-- opts.who: the "_" connect macro (Sendmail: "root@localhost" on a
	-- pipe; Postfix: "name [addr]"); sent together with {daemon_name}
	if opts.who ~= nil then
		if opts.daemon ~= nil then
			check(mt.macro(conn, SMFIC_CONNECT, "_", opts.who,
			    "{daemon_name}", opts.daemon), "connect macros")
		else
			check(mt.macro(conn, SMFIC_CONNECT, "_", opts.who),
			    "connect macro")
		end
	end
	check(mt.conninfo(conn, opts.host or "client.example",
	    opts.ip or "192.0.2.10"), "conninfo")
	-- kyso asks an MTA that offers them (miltertest offers every step
	-- flag, as Postfix does) to skip the steps it never uses and not to
	-- wait for replies it would only say "continue" in
	for _, f in ipairs({{SMFIP_NOHELO, "NOHELO"}, {SMFIP_NORCPT, "NORCPT"},
	    {SMFIP_NR_CONN, "NR_CONN"}, {SMFIP_NR_HDR, "NR_HDR"},
	    {SMFIP_NR_EOH, "NR_EOH"}, {SMFIP_NR_BODY, "NR_BODY"}}) do
		if not mt.test_option(conn, f[1]) then
			error("kyso-milter did not negotiate SMFIP_" .. f[2])
		end
	end
	if mt.test_option(conn, SMFIP_NR_MAIL) then
		error("kyso-milter negotiated SMFIP_NR_MAIL (MAIL FROM may tempfail)")
	end
	expect_reply(conn, SMFIR_CONTINUE, "connect")
	if opts.auth ~= nil then
		check(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", opts.auth,
		    "i", "TESTQID"), "mail macros")
	else
		check(mt.macro(conn, SMFIC_MAIL, "i", "TESTQID"), "mail macro")
	end
	check(mt.mailfrom(conn, "<" .. (opts.envfrom or "") .. ">"), "mailfrom")
	expect_reply(conn, SMFIR_CONTINUE, "mailfrom")
	for _, h in ipairs(opts.headers) do
		check(mt.header(conn, h[1], h[2]), "header " .. h[1])
		expect_reply(conn, SMFIR_CONTINUE, "header " .. h[1])
	end
	check(mt.eoh(conn), "eoh")
	check(mt.bodystring(conn, opts.body or "Hello.\r\n"), "body")
	check(mt.eom(conn), "eom")
	return conn
end
