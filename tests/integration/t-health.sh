#!/usr/bin/env bash
# t-health.sh - kyso-milter kept healthy, through the real daemon (driven by
# miltertest) running as an unprivileged UserID with root-owned 0600 keys
# and passphrase file:
#   - SIGUSR1 after log rotation: the reload keeps the unchanged keys and
#     the next record goes to a new journal; a changed key file fails the
#     reload loudly, keeps the running configuration, and still rotates;
#   - the daemon's syslog records, read from a private syslog socket
#     (SyslogSocket): mail facility in the foreground, err / warning /
#     notice / info priorities, SyslogSuccess no, the certificate expiry
#     warning at start and at reload;
#   - kyso-milter -n refuses each bad case, naming the file and line;
#   - kyso-report --check as an unprivileged user: OK, WARNING (expiry,
#     PIN age), CRITICAL, never reading a key.
# Needs root (to run the daemon as another user), miltertest, python3.
set -u
. "$(dirname "$0")/lib.sh"
kt_init health
BIN=$(kt_milter_bin)
REPORT=$KT_BUILD/kyso-report
RUNAS=nobody
RUNGRP=nogroup
[ "$(id -u)" = 0 ] || kt_bail "needs root (runs the daemon as $RUNAS)"
command -v miltertest >/dev/null || kt_bail "miltertest not installed"
command -v python3 >/dev/null || kt_bail "python3 not installed"
id "$RUNAS" >/dev/null 2>&1 || kt_bail "no user $RUNAS"
getent group "$RUNGRP" >/dev/null || kt_bail "no group $RUNGRP"
kt_pki >"$KT/pki.log" 2>&1
# our own copy: the shared PKI may sit below a directory only root can
# search (run-all's mktemp -d log directory), and is not ours to chmod
P=$KT/pki-copy
cp -a "$KT_PKI" "$P"
chmod 755 "$P"
chmod 644 "$P"/*.crt "$P"/*.pem

# root-owned keys and passphrase file, 0600, in a directory the daemon's
# group may search (not list): kyso-milter.conf(5), UserID
install -d -m 0710 -o root -g "$RUNGRP" "$KT/keys"
for k in sotttt-agency.enc.key sotttt-agency.pass sotttt-agency.key \
	expired.key notyet.key noeku.key weak.key untrusted.key ubnd-agency.key; do
	install -m 0600 -o root -g root "$P/$k" "$KT/keys/$k"
done
# the daemon's own directory: socket, journal, temporary files
install -d -m 0750 -o "$RUNAS" -g "$RUNGRP" "$KT/run"

# a private syslog: every datagram the daemon sends, one line each
cat >"$KT/syslogd.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
out = open(sys.argv[2], "a", buffering=1)
open(sys.argv[3], "w").close()
while True:
    out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
PY
python3 "$KT/syslogd.py" "$KT/log.sock" "$KT/syslog" "$KT/syslog.ready" &
KT_SINK_PIDS="$KT_SINK_PIDS $!"
for _ in $(seq 1 100); do [ -e "$KT/syslog.ready" ] && break; sleep 0.1; done
[ -e "$KT/syslog.ready" ] || kt_bail "private syslog socket did not start"

echo "*@sotttt.hagiang.gov.vn sotttt" >"$KT/signing.table"
echo "sotttt cert=$P/sotttt-agency.crt key=$KT/keys/sotttt-agency.enc.key passphrase-file=$KT/keys/sotttt-agency.pass chain=$P/chain.pem" >"$KT/cert.table"
# conf NAME [extra lines]: the base configuration plus lines
conf() {
	local name=$1
	shift
	cat >"$KT/$name.conf" <<C
Socket unix:$KT/run/kyso.sock
UserID $RUNAS:$RUNGRP
Syslog yes
SyslogSocket $KT/log.sock
AuthservID mail.hagiang.gov.vn
Domain hagiang.gov.vn
SubDomains yes
SigningTable $KT/signing.table
CertificateTable $KT/cert.table
InternalHosts 127.0.0.1, ::1
TrustAnchorFile $P/root.crt
JournalFile $KT/run/journal
TemporaryDirectory $KT/run
RevocationCheck none
C
	local l
	for l in "$@"; do echo "$l" >>"$KT/$name.conf"; done
}

start() { # NAME
	rm -f "$KT/run/kyso.sock"
	"$BIN" -f -B 1024 -c "$KT/$1.conf" >>"$KT/milter.log" 2>&1 &
	KT_MILTER_PID=$!
	for _ in $(seq 1 300); do
		[ -S "$KT/run/kyso.sock" ] && return 0
		kill -0 "$KT_MILTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kt_bail "kyso-milter did not start: $(tail -3 "$KT/milter.log")"
}
mt() { # LUA: one miltertest case against the running daemon
	miltertest -D sock="unix:$KT/run/kyso.sock" -D srcdir="$KT_TOP" \
		-s "$KT_TOP/tests/milter/$1.lua" >"$KT/mt.out" 2>&1 ||
		{ diag <"$KT/mt.out"; return 1; }
}
# wait_log N PATTERN: until the private syslog holds N lines matching
wait_log() {
	for _ in $(seq 1 100); do
		[ "$(grep -c -E -- "$2" "$KT/syslog")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# syslog priorities with the mail facility (16): err 19, warning 20,
# notice 21, info 22
ERR='^<19>'
WARN='^<20>'
NOTICE='^<21>'
INFO='^<22>'

# ---- the daemon as an unprivileged user ----------------------------------
conf main
out=$("$BIN" -c "$KT/main.conf" -n 2>&1)
kt_check "-n: the good configuration is OK ($out)" \
	bash -c '[[ $1 == *"configuration OK"* ]] && [[ $1 != *warning* ]]' _ "$out"
start main
kt_check "the daemon runs as $RUNAS" \
	test "$(awk '/^Uid:/ {print $2}' "/proc/$KT_MILTER_PID/status")" = "$(id -u "$RUNAS")"
kt_check "syslog in the foreground: mail.notice 'listening', tagged with the pid" \
	wait_log 1 "$NOTICE[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} kyso-milter\\[$KT_MILTER_PID\\]: kyso-milter .* listening on unix:"
kt_check "nothing on standard error (not a terminal)" test ! -s "$KT/milter.log"
kt_check "a message is signed" mt t-sign-auth-user
kt_check "mail.info: kyso result=signed" wait_log 1 "${INFO}.*kyso result=signed"
kt_check "one journal record" test "$(wc -l <"$KT/run/journal")" = 1

# rotation: move the journal away, SIGUSR1
mv "$KT/run/journal" "$KT/run/journal.1"
kill -USR1 "$KT_MILTER_PID"
kt_check "SIGUSR1 as $RUNAS with root-only keys: reloaded, the key kept" \
	wait_log 1 "${NOTICE}.*configuration reloaded from .*1 signer\\(s\\) kept unchanged, 0 loaded"
kt_check "no reload failure logged" bash -c '! grep -q "reload failed" "$1"' _ "$KT/syslog"
kt_check "after the reload a message is still signed" mt t-sign-auth-user
kt_check "the record went to a new journal" test "$(wc -l <"$KT/run/journal" 2>/dev/null)" = 1
kt_check "the rotated journal kept its record" test "$(wc -l <"$KT/run/journal.1")" = 1

# a changed passphrase file cannot be read by $RUNAS: the reload fails,
# loudly (mail.err), the running configuration stays, rotation still works
touch -d '+1 minute' "$KT/keys/sotttt-agency.pass"
mv "$KT/run/journal" "$KT/run/journal.2"
kill -USR1 "$KT_MILTER_PID"
kt_check "changed key file: mail.err 'reload failed ... Permission denied'" \
	wait_log 1 "${ERR}.*reload failed, keeping the running configuration: .*sotttt-agency.pass: Permission denied \\(a changed key, passphrase or PIN file that only root may read needs a restart\\)"
kt_check "... a message is still signed (running configuration)" mt t-sign-auth-user
kt_check "... and its record went to a new journal all the same" \
	test "$(wc -l <"$KT/run/journal" 2>/dev/null),$(wc -l <"$KT/run/journal.2")" = "1,1"
kt_check "a refused message: mail.warning" mt t-refuse-auth-other-sender
kt_check "... kyso result=refused at warning" wait_log 1 "${WARN}.*kyso result=refused"
kt_check "the daemon stops cleanly (and no sanitizer report)" kt_milter_stop

# ---- SyslogSuccess no, expiry warnings -----------------------------------
: >"$KT/syslog"
conf quiet "SyslogSuccess no" "CertificateExpiryWarning 3650" "SyslogFacility local3"
start quiet
kt_check "start: warning for the certificate within CertificateExpiryWarning (local3.warning = 156)" \
	wait_log 1 '^<156>.*cert.table:1: certificate sotttt expires in [0-9]+ day\(s\), on [0-9-]{10} \(CertificateExpiryWarning 3650\)'
kt_check "SyslogSuccess no: a signed message" mt t-sign-auth-user
kt_check "a refused one" mt t-refuse-auth-other-sender
kt_check "... only the refusal is logged" \
	bash -c 'wait_ok=0; for _ in $(seq 1 50); do grep -q "result=refused" "$1" && wait_ok=1 && break; sleep 0.1; done
		[ $wait_ok = 1 ] && ! grep -q "result=signed" "$1"' _ "$KT/syslog"
kill -USR1 "$KT_MILTER_PID"
kt_check "reload: the expiry warning again" wait_log 2 '^<156>.*certificate sotttt expires in'
kt_check "the daemon stops cleanly (and no sanitizer report)" kt_milter_stop

# no syslog listening: standard error is the only place left
sed "s|^SyslogSocket .*|SyslogSocket $KT/no-syslog.sock|" "$KT/main.conf" >"$KT/nolog.conf"
: >"$KT/milter.log"
start nolog
kt_check "no syslog at SyslogSocket: the log goes to standard error" \
	grep -q "kyso-milter: kyso-milter .* listening on unix:" "$KT/milter.log"
kt_check "the daemon stops cleanly (and no sanitizer report)" kt_milter_stop

# ---- kyso-milter -n: each bad case, with file and line --------------------
# a certificate whose key usage allows no signature (keyEncipherment only)
openssl req -new -newkey rsa:2048 -nodes -keyout "$KT/keys/badku.key" \
	-subj "/CN=badku" -out "$KT/badku.csr" >/dev/null 2>&1
printf 'keyUsage=critical,keyEncipherment\nextendedKeyUsage=emailProtection\n' >"$KT/badku.ext"
openssl x509 -req -in "$KT/badku.csr" -CA "$P/intermediate.crt" -CAkey "$P/intermediate.key" \
	-CAcreateserial -days 30 -extfile "$KT/badku.ext" -out "$P/badku.crt" >/dev/null 2>&1
chmod 600 "$KT/keys/badku.key"
# bad NAME TABLE-LINE PATTERN [conf lines]: -n fails and prints PATTERN
bad() {
	local name=$1 line=$2 pat=$3 out st
	shift 3
	echo "*@sotttt.hagiang.gov.vn $name" >"$KT/st.$name"
	echo "$line" >"$KT/ct.$name"
	conf "n-$name" "$@"
	sed -i "s|^SigningTable .*|SigningTable $KT/st.$name|;s|^CertificateTable .*|CertificateTable $KT/ct.$name|" "$KT/n-$name.conf"
	out=$("$BIN" -c "$KT/n-$name.conf" -n 2>&1)
	st=$?
	if [ "$st" = 1 ] && printf '%s\n' "$out" | grep -q -E -- "$pat" &&
		! printf '%s\n' "$out" | grep -q "configuration OK"; then
		ok "-n refuses $name: $(printf '%s\n' "$out" | grep -E -- "$pat" | head -1)"
	else
		not_ok "-n refuses $name (exit $st)"
		printf '%s\n' "$out" | diag
	fi
}
entry() { # ID CERT KEY
	echo "$1 cert=$P/$2.crt key=$KT/keys/$3.key chain=$P/chain.pem"
}
bad expired "$(entry expired expired expired)" "ct.expired:1: certificate expired expired on [0-9-]{10}$"
bad notyet "$(entry notyet notyet notyet)" "ct.notyet:1: certificate notyet is not valid before"
bad noeku "$(entry noeku noeku noeku)" "ct.noeku:1: certificate noeku: extended key usage lacks emailProtection"
bad badku "$(entry badku badku badku)" "ct.badku:1: certificate badku: key usage has neither digitalSignature nor nonRepudiation"
bad weak "$(entry weak weak weak)" "ct.weak:1: certificate weak: RSA key of 1024 bits is too weak"
bad untrusted "$(entry untrusted untrusted untrusted)" "ct.untrusted:1: certificate untrusted does not chain to the trust anchors"
bad mismatch "$(entry mismatch sotttt-agency ubnd-agency)" "ct.mismatch:1: mismatch: .*private key does not match certificate"
good=$(entry sotttt sotttt-agency sotttt-agency)
# nconf NAME SED: the main configuration edited; -n's exit and output
nconf() {
	sed "$2" "$KT/main.conf" >"$KT/n-$1.conf"
	out=$("$BIN" -c "$KT/n-$1.conf" -n 2>&1)
	st=$?
}
nconf nouser "s|^UserID .*|UserID kyso-no-such-user|"
kt_check "-n refuses an unknown UserID: $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 1 ] && grep -q "n-nouser.conf:2: UserID: no user \"kyso-no-such-user\"" <<<"$2"' _ "$st" "$out"
install -d -m 0755 -o root -g root "$KT/rootonly"
nconf tmpdir "s|^TemporaryDirectory .*|TemporaryDirectory $KT/rootonly|"
kt_check "-n refuses a TemporaryDirectory $RUNAS cannot write: $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 1 ] && grep -q "n-tmpdir.conf:13: TemporaryDirectory: .*rootonly is not writable by nobody" <<<"$2"' _ "$st" "$out"
# -u names the user the daemon will run as, so -n checks that one (the
# daemon's -u wins over UserID)
out=$("$BIN" -c "$KT/n-tmpdir.conf" -n -u root 2>&1)
st=$?
kt_check "-n -u root: the directory root may write is no finding ($(echo "$out" | tail -1))" \
	bash -c '[ "$1" = 0 ] && grep -q "configuration OK" <<<"$2"' _ "$st" "$out"
out=$("$BIN" -c "$KT/main.conf" -n -u kyso-no-such-user 2>&1)
st=$?
kt_check "-n -u with an unknown user is refused: $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 1 ] && grep -q "^kyso-milter: -u: user: no user \"kyso-no-such-user\"" <<<"$2"' _ "$st" "$out"
out=$("$BIN" -c "$KT/n-nouser.conf" -n -u "$RUNAS" 2>&1)
st=$?
kt_check "-n -u $RUNAS: an unknown UserID the daemon would not use is no finding" \
	bash -c '[ "$1" = 0 ] && ! grep -q "no user" <<<"$2"' _ "$st" "$out"
nconf notmp "s|^TemporaryDirectory .*|TemporaryDirectory $KT/none|"
kt_check "-n refuses a missing TemporaryDirectory: $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 1 ] && grep -q "n-notmp.conf:13: TemporaryDirectory: .*none: No such file or directory" <<<"$2"' _ "$st" "$out"
nconf sockdir "s|^Socket .*|Socket unix:$KT/rootonly/kyso.sock|"
kt_check "-n refuses a socket directory $RUNAS cannot write: $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 1 ] && grep -q "n-sockdir.conf:1: Socket: .*rootonly is not writable by nobody" <<<"$2"' _ "$st" "$out"
for s in "inet:99999@127.0.0.1|bad port" "inet:0@127.0.0.1|bad port" \
	"inet:8891@999.1.1.1|bad IPv4 address" "inet6:8891@::1::2|bad IPv6 address"; do
	nconf sock "s|^Socket .*|Socket ${s%%|*}|"
	kt_check "-n refuses Socket ${s%%|*}: $out" \
		bash -c '[ "$1" = 1 ] && grep -q "n-sock.conf:1: Socket: .*$2" <<<"$3"' _ "$st" "${s#*|}" "$out"
done
# keys in a directory the user cannot search: a warning (reload would fail)
install -d -m 0700 -o root -g root "$KT/closed"
install -m 0600 "$P/sotttt-agency.key" "$KT/closed/sotttt.key"
echo "sotttt cert=$P/sotttt-agency.crt key=$KT/closed/sotttt.key chain=$P/chain.pem" >"$KT/ct.closed"
nconf closed "s|^CertificateTable .*|CertificateTable $KT/ct.closed|"
kt_check "-n warns when $RUNAS cannot look at a key's directory (exit 0): $(echo "$out" | head -1)" \
	bash -c '[ "$1" = 0 ] && grep -q "ct.closed:1: warning: sotttt: .*closed is not searchable by nobody: a reload cannot see .*e.g. root:nogroup 0710" <<<"$2" && grep -q "configuration OK" <<<"$2"' _ "$st" "$out"

# ---- kyso-report --check, unprivileged ------------------------------------
rcheck() { # CONF [args]: kyso-report --check as $RUNAS; "exit|line"
	local out st
	out=$(runuser -u "$RUNAS" -- "$REPORT" -c "$@" --check 2>&1)
	st=$?
	echo "$st|$out"
}
# the monitoring user cannot read any key: all of them are root's 0600
r=$(rcheck "$KT/main.conf")
kt_check "--check OK: $r" \
	bash -c '[[ $1 =~ ^0\|KYSO\ OK\ -\ 1\ certificate,\ nearest\ expiry\ [0-9]+\ days\ \(sotttt\)$ ]]' _ "$r"
r=$(rcheck "$KT/quiet.conf")
kt_check "--check WARNING (CertificateExpiryWarning): $r" \
	bash -c '[[ $1 =~ ^1\|KYSO\ WARNING\ -\ 1\ certificate.*certificate\ sotttt\ expires\ in ]]' _ "$r"
r=$(rcheck "$KT/n-expired.conf")
kt_check "--check CRITICAL (expired): $r" \
	bash -c '[[ $1 =~ ^2\|KYSO\ CRITICAL\ -\ 1\ certificate,\ expired\ [0-9]+\ days?\ ago\ \(expired\)\;\ certificate\ expired\ expired\ on ]]' _ "$r"
r=$(rcheck "$KT/n-weak.conf")
kt_check "--check CRITICAL (weak key): $r" bash -c '[[ $1 =~ ^2\|KYSO\ CRITICAL.*too\ weak ]]' _ "$r"
r=$(rcheck "$KT/none.conf")
kt_check "--check CRITICAL (configuration does not load): $r" \
	bash -c '[[ $1 =~ ^2\|KYSO\ CRITICAL\ -\ configuration: ]]' _ "$r"
# token PINs: the recorded date, else the PIN file's modification time
tok="key=pkcs11:token=kyso;object=sotttt;type=private module=/nonexistent/p11.so chain=$P/chain.pem"
install -m 0644 /dev/null "$KT/pin-old"
touch -d '200 days ago' "$KT/pin-old"
printf '%s\n' "sotttt cert=$P/sotttt-agency.crt $tok pin-changed=$(date -u -d '10 days ago' +%F)" \
	"ubnd cert=$P/ubnd-agency.crt $tok pin-file=$KT/pin-old" >"$KT/ct.pins"
sed "s|^CertificateTable .*|CertificateTable $KT/ct.pins|" "$KT/main.conf" >"$KT/pins.conf"
r=$(rcheck "$KT/pins.conf")
kt_check "--check WARNING (a PIN file unchanged for 200 days, PinMaxAge 180): $r" \
	bash -c '[[ $1 =~ ^1\|KYSO\ WARNING\ -\ 2\ certificates.*PIN\ of\ ubnd\ last\ changed\ 200\ days\ ago ]] && [[ $1 != *"PIN of sotttt"* ]]' _ "$r"
touch "$KT/pin-old"
r=$(rcheck "$KT/pins.conf")
kt_check "--check OK once the PIN is changed: $r" \
	bash -c '[[ $1 =~ ^0\|KYSO\ OK\ -\ 2\ certificates,\ nearest\ expiry\ [0-9]+\ days\ \([a-z]+\),\ PIN\ ages\ ok$ ]]' _ "$r"
printf '%s\n' "sotttt cert=$P/sotttt-agency.crt $tok pin-changed=2020-01-01" >"$KT/ct.pins"
r=$(rcheck "$KT/pins.conf")
kt_check "--check WARNING (pin-changed= long ago): $r" \
	bash -c '[[ $1 =~ ^1\|KYSO\ WARNING.*PIN\ of\ sotttt\ last\ changed\ [0-9]+\ days\ ago,\ on\ 2020-01-01 ]]' _ "$r"

kt_done
