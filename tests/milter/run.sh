#!/bin/bash
# run.sh - protocol-level tests of the real kyso-milter daemon driven by
# OpenDKIM's miltertest (the MTA side of the milter protocol), one Lua
# script per behaviour, plus daemon life-cycle checks (reload on SIGUSR1,
# bad reload keeps the running configuration, clean stop on SIGTERM, a TCP
# socket not on loopback refused (SocketAllowRemote),
# refusal of a group-readable key). TAP output.
#   env: top_srcdir (source tree), top_builddir (where kyso-milter is)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
BIN=$top_builddir/kyso-milter
here=$top_srcdir/tests/milter
. "$top_srcdir/tests/tap.sh"

if ! command -v miltertest >/dev/null 2>&1; then
	echo "1..0 # SKIP miltertest not installed (Debian package miltertest)"
	exit 0
fi
T=$(mktemp -d /tmp/kyso-mt.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
bash "$top_srcdir/tests/pki/make-pki.sh" "$T/pki" >"$T/pki.log" 2>&1 ||
	{ echo "Bail out! test PKI failed"; cat "$T/pki.log"; exit 1; }

# write_conf NAME [extra lines...]: a configuration for one case
write_conf() {
	local name=$1
	shift
	cat >"$T/$name.conf" <<C
Socket unix:$T/$name.sock
Syslog no
AuthservID mail.hagiang.gov.vn
Domain hagiang.gov.vn
SubDomains yes
SigningTable $T/signing.table
CertificateTable $T/cert.table
InternalHosts 127.0.0.1, ::1
MTA ORIGINATING
TrustAnchorFile $T/pki/root.crt
C
	for l in "$@"; do echo "$l" >>"$T/$name.conf"; done
}
cat >"$T/signing.table" <<C
*@sotttt.hagiang.gov.vn sotttt
C
echo "sotttt cert=$T/pki/sotttt-agency.crt key=$T/pki/sotttt-agency.key chain=$T/pki/chain.pem" >"$T/cert.table"

start() { # NAME
	rm -f "$T/$1.sock"
	"$BIN" -f -B 1024 -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	PID=$!
	# up to 30 s: a sanitizer build on a loaded 2-core machine starts slowly
	for _ in $(seq 1 300); do
		[ -S "$T/$1.sock" ] && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

# run_case LUA CONFNAME: one miltertest script against a fresh daemon
run_case() {
	local lua=$1 name=$2
	if ! start "$name"; then
		not_ok "$lua: daemon did not start"
		sed 's/^/# /' "$T/$name.log"
		return
	fi
	if miltertest -D sock="unix:$T/$name.sock" -D srcdir="$top_srcdir" \
		-s "$here/$lua.lua" >"$T/$lua.out" 2>&1; then
		ok "$lua"
	else
		not_ok "$lua"
		sed 's/^/# /' "$T/$lua.out" "$T/$name.log"
	fi
	stop
}

write_conf default
write_conf reject "OnUnmappedSender reject"
write_conf nospool "SpoolMemoryLimit 1024" "TemporaryDirectory $T/does-not-exist"
run_case t-sign-auth-user default
# the signature's log line says why the message was ours
if grep -q 'origin=auth login=<nguyenvanan@sotttt.hagiang.gov.vn> grant=own-address from=<nguyenvanan@sotttt.hagiang.gov.vn>' "$T/default.log"; then
	ok "log names the login and its grant"
else
	not_ok "log names the login and its grant"
	sed 's/^/# /' "$T/default.log"
fi
run_case t-refuse-auth-other-sender default
if [ "$(grep -c 'action=reject origin=auth login=<[^>]*> grant=none' "$T/default.log")" = 3 ]; then
	ok "refused logins are logged with grant=none"
else
	not_ok "refused logins are logged with grant=none"
	sed 's/^/# /' "$T/default.log"
fi
run_case t-pass-external-claims-domain default
run_case t-sign-originating-daemon default
# log_has LOG TEXT WHAT: the daemon's log holds TEXT (fixed string)
log_has() {
	if grep -qF -- "$2" "$T/$1.log"; then ok "$3"; else
		not_ok "$3"
		sed 's/^/# /' "$T/$1.log"
	fi
}
log_has default 'action=sign origin=mta daemon=ORIGINATING from=' \
	"log names the originating daemon"
run_case t-strip-forged-ar default
run_case t-sign-sendmail-local default
log_has default 'client=local action=sign origin=local from=<vanthu@sotttt.hagiang.gov.vn>' \
	"log names Sendmail's local submission"
run_case t-unspec-remote-not-local default
run_case t-unmapped-accept default
run_case t-unmapped-reject reject
log_has reject 'origin=internal matched="InternalHosts 127.0.0.1/32" from=' \
	"log names the InternalHosts entry that made the client ours"
run_case t-tempfail-spool-error nospool
run_case t-already-signed default
run_case t-too-many-headers default

# reloaded PID LOG: SIGUSR1, then wait (up to 30 s) until LOG gains a line
# with the reload's outcome - no fixed sleep
reloaded() {
	local before i
	before=$(grep -c 'configuration reloaded\|reload failed' "$2" 2>/dev/null)
	kill -USR1 "$1" 2>/dev/null || return 1
	for i in $(seq 1 300); do
		[ "$(grep -c 'configuration reloaded\|reload failed' "$2" 2>/dev/null)" -gt "${before:-0}" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- life cycle ---------------------------------------------------------
write_conf life
if start life; then
	# reload: map a new domain, SIGUSR1, the new mapping signs
	echo "*@sonv.hagiang.gov.vn sotttt" >>"$T/signing.table"
	reloaded "$PID" "$T/life.log"
	if grep -q "configuration reloaded" "$T/life.log"; then
		ok "SIGUSR1 reloads the configuration"
	else
		not_ok "SIGUSR1 reloads the configuration"
		sed 's/^/# /' "$T/life.log"
	fi
	# a broken table: the reload is refused, the old snapshot keeps serving
	echo "this line is not valid" >>"$T/signing.table"
	reloaded "$PID" "$T/life.log"
	if grep -q "reload failed, keeping the running configuration" \
		"$T/life.log" && kill -0 "$PID" 2>/dev/null &&
		miltertest -D sock="unix:$T/life.sock" -D srcdir="$top_srcdir" \
			-s "$here/t-sign-auth-user.lua" >"$T/life.out" 2>&1; then
		ok "bad reload keeps the previous configuration serving"
	else
		not_ok "bad reload keeps the previous configuration serving"
		sed 's/^/# /' "$T/life.log" "$T/life.out"
	fi
	kill -TERM "$PID"
	st=0
	wait "$PID" || st=$?
	PID=
	if [ "$st" = 0 ]; then ok "SIGTERM stops the daemon cleanly"; else
		not_ok "SIGTERM stops the daemon cleanly (status $st)"; fi
else
	not_ok "life-cycle daemon did not start"
fi
sed -i '$d' "$T/signing.table"

# a TCP socket on every interface, or on an address other than loopback,
# is refused at start-up (-n) with file:line (SocketAllowRemote)
for spec in "inet:18891|has no address" "inet:18891@0.0.0.0|is not a loopback address" \
	"inet6:18891@::|is not a loopback address"; do
	write_conf anyif
	sed -i "s|^Socket .*|Socket ${spec%%|*}|" "$T/anyif.conf"
	out=$("$BIN" -c "$T/anyif.conf" -n 2>&1)
	if [ $? != 0 ] && echo "$out" | grep -qF "anyif.conf:1: Socket: \"${spec%%|*}\" ${spec#*|}"; then
		ok "Socket ${spec%%|*} refused: $(echo "$out" | head -1)"
	else
		not_ok "Socket ${spec%%|*} refused"
		echo "$out" | sed 's/^/# /'
	fi
done
write_conf anyif "SocketAllowRemote yes"
sed -i "s|^Socket .*|Socket inet:18891@0.0.0.0|" "$T/anyif.conf"
if out=$("$BIN" -c "$T/anyif.conf" -n 2>&1); then
	ok "Socket inet:18891@0.0.0.0 with SocketAllowRemote yes is accepted"
else
	not_ok "Socket inet:18891@0.0.0.0 with SocketAllowRemote yes is accepted"
	echo "$out" | sed 's/^/# /'
fi

# a group-readable key is refused at start-up with a clear message
cp "$T/pki/sotttt-agency.key" "$T/loose.key"
chmod 640 "$T/loose.key"
echo "sotttt cert=$T/pki/sotttt-agency.crt key=$T/loose.key" >"$T/cert-loose.table"
write_conf loose
sed -i "s|^CertificateTable .*|CertificateTable $T/cert-loose.table|" "$T/loose.conf"
out=$("$BIN" -c "$T/loose.conf" -n 2>&1)
if [ $? != 0 ] && echo "$out" | grep -q "chmod 600"; then
	ok "group-readable key refused: $(echo "$out" | head -1)"
else
	not_ok "group-readable key refused"
	echo "$out" | sed 's/^/# /'
fi
# a key on a PKCS#11 token (SoftHSM2), daemon in the background: the
# token session is opened again after fork() and after a reload
if bash "$top_srcdir/tests/pki/make-token.sh" "$T/token" \
	"$T/pki/sotttt-agency.key" sotttt 1234 >"$T/module" 2>"$T/token.log"; then
	export SOFTHSM2_CONF="$T/token/softhsm2.conf"
	echo "sotttt cert=$T/pki/sotttt-agency.crt key=pkcs11:token=kyso;object=sotttt;type=private pin-file=$T/token/pin module=$(cat "$T/module") chain=$T/pki/chain.pem" >"$T/cert-token.table"
	write_conf token "PidFile $T/token.pid"
	sed -i "s|^CertificateTable .*|CertificateTable $T/cert-token.table|" "$T/token.conf"
	rm -f "$T/token.sock"
	if "$BIN" -B 1024 -c "$T/token.conf" >"$T/token-start.log" 2>&1; then
		for _ in $(seq 1 300); do [ -S "$T/token.sock" ] && [ -s "$T/token.pid" ] && break; sleep 0.1; done
		tpid=$(cat "$T/token.pid" 2>/dev/null)
		if miltertest -D sock="unix:$T/token.sock" -D srcdir="$top_srcdir" \
			-s "$here/t-sign-auth-user.lua" >"$T/token1.out" 2>&1; then
			ok "token key signs in a background daemon (after fork)"
		else
			not_ok "token key signs in a background daemon (after fork)"
			sed 's/^/# /' "$T/token1.out" "$T/token-start.log"
		fi
		kill -USR1 "$tpid" 2>/dev/null
		sleep 1
		if miltertest -D sock="unix:$T/token.sock" -D srcdir="$top_srcdir" \
			-s "$here/t-sign-auth-user.lua" >"$T/token2.out" 2>&1; then
			ok "token key signs after a reload"
		else
			not_ok "token key signs after a reload"
			sed 's/^/# /' "$T/token2.out"
		fi
		kill "$tpid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.1; done
	else
		not_ok "background daemon with a token key did not start"
		sed 's/^/# /' "$T/token-start.log"
	fi
elif [ $? = 77 ]; then
	skip "SoftHSM2 not installed"
else
	not_ok "make-token.sh failed"
	sed 's/^/# /' "$T/token.log"
fi

tap_done
