#!/bin/bash
# t-journal.sh - the per-message journal through the real daemon (driven
# by miltertest) and kyso-report on it: a signed and a verified message
# make exactly two KJ1 lines with the right fields, kyso-report counts
# them (text and CSV) and lists the certificate; SIGUSR1 after moving the
# journal starts a new file; a journal that cannot be written never fails
# the mail (the daemon logs a warning). -t writes the journal only when
# asked (-J), then the very line the daemon would write. TAP output.
#   env: top_srcdir (source tree), top_builddir (where the programs are)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
BIN=$top_builddir/kyso-milter
REPORT=$top_builddir/kyso-report
here=$top_srcdir/tests/milter
. "$top_srcdir/tests/tap.sh"

if ! command -v miltertest >/dev/null 2>&1; then
	echo "1..0 # SKIP miltertest not installed (Debian package miltertest)"
	exit 0
fi
T=$(mktemp -d /tmp/kyso-jr.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
bash "$top_srcdir/tests/pki/make-pki.sh" "$T/pki" >"$T/pki.log" 2>&1 ||
	{ echo "Bail out! test PKI failed"; cat "$T/pki.log"; exit 1; }

cat >"$T/signing.table" <<C
*@sotttt.hagiang.gov.vn sotttt
C
echo "sotttt cert=$T/pki/sotttt-agency.crt key=$T/pki/sotttt-agency.key chain=$T/pki/chain.pem" >"$T/cert.table"
cat >"$T/j.conf" <<C
Socket unix:$T/j.sock
Syslog no
AuthservID mail.hagiang.gov.vn
Domain hagiang.gov.vn
SubDomains yes
SigningTable $T/signing.table
CertificateTable $T/cert.table
InternalHosts 127.0.0.1, ::1
TrustAnchorFile $T/pki/root.crt
JournalFile $T/journal
# journal facts, not revocation: the test PKI's OCSP/CRL URLs answer nobody
RevocationCheck none
# miltertest aborts (stack smashing) on an inserted field over about 1 kB:
# the verdict of a message with protected headers is longer than that
HeaderProtection no
C

start() { # [shell prefix run before exec]
	rm -f "$T/j.sock"
	(eval "${1:-:}"; exec "$BIN" -f -B 1024 -c "$T/j.conf") >>"$T/j.log" 2>&1 &
	PID=$!
	for _ in $(seq 1 300); do
		[ -S "$T/j.sock" ] && return 0
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
mt() { # LUA [-D ...]: one miltertest case against the running daemon
	local lua=$1
	shift
	miltertest -D sock="unix:$T/j.sock" -D srcdir="$top_srcdir" "$@" \
		-s "$here/$lua.lua" >"$T/$lua.out" 2>&1 ||
		{ sed 's/^/# /' "$T/$lua.out" "$T/j.log"; return 1; }
}
field() { # LINE N: the Nth tab-separated field of a journal line
	printf '%s\n' "$1" | cut -f"$2"
}

# a message signed offline (-t never journals), to arrive from outside
printf 'From: Van thu <vanthu@sotttt.hagiang.gov.vn>\r\nTo: someone@example.org\r\nSubject: =?UTF-8?Q?B=C3=A1o_c=C3=A1o?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi.\r\n' >"$T/plain.eml"
# the daemon owns the journal, not the configuration: checking the
# configuration, or -t without -J, never creates the file
"$BIN" -c "$T/j.conf" -n >"$T/n.out" 2>&1
st=$?
check "-n: configuration OK, and no journal file created" \
	bash -c '[ "$1" = 0 ] && [ ! -e "$2" ]' _ "$st" "$T/journal"
"$BIN" -c "$T/j.conf" -t "$T/plain.eml" -i 127.0.0.1 >"$T/signed.eml" 2>"$T/offline.log" ||
	{ echo "Bail out! kyso-milter -t did not sign"; cat "$T/offline.log"; exit 1; }
check "-t without -J: the journal is not opened, nor created" test ! -e "$T/journal"
# before the daemon's first message: JournalFile does not exist yet
"$REPORT" -c "$T/j.conf" --no-certs >"$T/none.txt" 2>"$T/none.err"
st=$?
check "report -c before any message: exit 0, 'no records', 0 counted" \
	bash -c '[ "$1" = 0 ] && grep -q "journal does not exist yet: no records" "$2" &&
		grep -q "^0 messages counted" "$3"' _ "$st" "$T/none.err" "$T/none.txt"
"$REPORT" --no-certs "$T/journal" >/dev/null 2>"$T/named.err"
st=$?
check "a journal named on the command line that is not there: exit 1" \
	bash -c '[ "$1" = 1 ] && grep -q "No such file" "$2"' _ "$st" "$T/named.err"

serial=$(openssl x509 -in "$T/pki/sotttt-agency.crt" -noout -serial | sed 's/^serial=//')
issuer=$(openssl x509 -in "$T/pki/sotttt-agency.crt" -noout -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//')
month=$(date -u +%Y-%m)

if ! start; then
	echo "Bail out! daemon did not start"
	sed 's/^/# /' "$T/j.log"
	exit 1
fi
check "a message from an authenticated user is signed" mt t-sign-auth-user
check "a signed message from outside verifies (smime=pass)" \
	mt t-journal-verify -D msg="$T/signed.eml"

mapfile -t lines <"$T/journal"
check "two messages, two journal lines" test "${#lines[@]}" = 2
l1=${lines[0]:-}
l2=${lines[1]:-}
check "every line: KJ2, 17 fields, UTC time" bash -c '
	while IFS= read -r l; do
		[ "$(printf "%s" "$l" | awk -F"\t" "{print NF}")" = 17 ] || exit 1
		printf "%s\n" "$l" | grep -qE "^KJ2	[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z	" || exit 1
	done <"$1"' _ "$T/journal"
check "signed line: TESTQID, out, auth, From, sotttt, signed" \
	test "$(field "$l1" 3-7),$(field "$l1" 10)" = \
	"TESTQID	out	auth	nguyenvanan@sotttt.hagiang.gov.vn	sotttt,signed"
check "signed line: the login that obtained it and its client address" \
	test "$(field "$l1" 12-13)" = \
	"nguyenvanan@sotttt.hagiang.gov.vn	198.51.100.7"
check "verified line: no login, the client address" \
	test "$(field "$l2" 12-13)" = "-	203.0.113.9"
check "signed line: the host, one signer of kind agency" \
	test "$(field "$l1" 14),$(field "$l1" 16-17)" = "$(hostname),1	agency"
check "two lines, two record ids" \
	test -n "$(field "$l1" 15)" -a "$(field "$l1" 15)" != "$(field "$l2" 15)"
check "signed line: serial and issuer of the agency certificate" \
	test "$(field "$l1" 8)|$(field "$l1" 9)" = "$serial|$issuer"
check "verified line: in, external, From, no certificate id, pass" \
	test "$(field "$l2" 4-7),$(field "$l2" 10-11)" = \
	"in	external	vanthu@sotttt.hagiang.gov.vn	-,pass	valid"
check "verified line: the signer's serial and issuer" \
	test "$(field "$l2" 8)|$(field "$l2" 9)" = "$serial|$issuer"

# the report
"$REPORT" -c "$T/j.conf" >"$T/report.txt" 2>"$T/report.err"
st=$?
sed 's/^/# /' "$T/report.txt"
check "kyso-report exits 0" test "$st" = 0
check "report: 2 messages counted, none skipped" \
	grep -q "^2 messages counted, 0 unreadable" "$T/report.txt"
check "report: $month sotttt 1 signed, total 1" \
	grep -qE "^$month +sotttt +1 +0 +0 +0 +0 +0 +0 +0 +1$" "$T/report.txt"
check "report: $month inbound 1 pass, total 1" \
	grep -qE "^$month +1 +0 +0 +0 +0 +0 +0 +0 +1$" "$T/report.txt"
check "report: the certificate with its serial, days left, ok" \
	grep -qE "^sotttt +$serial +[0-9-]+ [0-9:]+ +[0-9]+  ok +.*CN=" "$T/report.txt"
"$REPORT" -c "$T/j.conf" --format csv --from "$month" --to "$month" >"$T/report.csv" 2>&1
check "csv: $month,out,sotttt,signed,1 and $month,in,-,pass,1" \
	bash -c 'grep -qx "$1,out,sotttt,signed,1" "$2" && grep -qx "$1,in,-,pass,1" "$2" &&
		grep -q "^sotttt,.*,[0-9]*,ok\$" "$2"' _ "$month" "$T/report.csv"
"$REPORT" -c "$T/j.conf" --from 2000-01 --to 2000-12 --no-certs "$T/journal" >"$T/empty.txt" 2>&1
check "another period: nothing counted" grep -q "^0 messages counted" "$T/empty.txt"
"$REPORT" -c "$T/j.conf" --check >"$T/check0.txt" 2>&1
st=$?
"$REPORT" -c "$T/j.conf" --check --warn-days 3650 >"$T/check.txt" 2>&1
st2=$?
check "--check (monitoring): 0 OK, 1 WARNING when a certificate ends within the warning" \
	bash -c '[ "$1,$2" = "0,1" ] && grep -q "^KYSO OK - " "$3" && grep -q "^KYSO WARNING - " "$4"' \
	_ "$st" "$st2" "$T/check0.txt" "$T/check.txt"

# rotation: move the journal away, SIGUSR1, the next message starts a new file
mv "$T/journal" "$T/journal.1"
kill -USR1 "$PID"
for _ in $(seq 1 50); do grep -q "configuration reloaded" "$T/j.log" && break; sleep 0.1; done
mt t-sign-auth-user >/dev/null
check "after rotation and SIGUSR1: a new journal with one line" \
	test "$(wc -l <"$T/journal" 2>/dev/null)" = 1
check "the rotated journal kept its two lines" test "$(wc -l <"$T/journal.1")" = 2
"$REPORT" -c "$T/j.conf" --no-certs "$T/journal.1" "$T/journal" >"$T/both.txt" 2>&1
check "report over both files: 3 messages, 2 signed" \
	grep -qE "^$month +sotttt +2 .* 2$" "$T/both.txt"
stop

# a journal that cannot be written: mail still flows, a warning is logged
head -c 2048 /dev/zero | tr '\0' '#' >"$T/journal"
if start "trap '' XFSZ; ulimit -f 2"; then
	check "journal full (file size limit): the message is still signed" \
		mt t-sign-auth-user
	check "... and the daemon logs a warning" \
		grep -q "kyso journal: .*File too large" "$T/j.log"
	stop
else
	not_ok "daemon with a file size limit did not start"
	sed 's/^/# /' "$T/j.log"
fi

# -t -J: the daemon's journal line for the offline run (queue id OFFLINE)
sed "s|^JournalFile .*|JournalFile $T/offline.journal|" "$T/j.conf" >"$T/off.conf"
"$BIN" -c "$T/off.conf" -t "$T/plain.eml" -i 127.0.0.1 >/dev/null 2>&1
check "-t without -J: no journal line" test ! -s "$T/offline.journal"
"$BIN" -c "$T/off.conf" -t "$T/plain.eml" -i 127.0.0.1 -J >/dev/null 2>"$T/offline-j.log"
st=$?
mapfile -t lines <"$T/offline.journal"
l1=${lines[0]:-}
check "-t -J: exit 0 and one journal line" test "$st,${#lines[@]}" = "0,1"
check "-t -J line: OFFLINE, out, internal, From, sotttt, signed, serial, issuer" \
	test "$(field "$l1" 1),$(field "$l1" 3-7),$(field "$l1" 10)|$(field "$l1" 8)|$(field "$l1" 9)" = \
	"KJ2,OFFLINE	out	internal	vanthu@sotttt.hagiang.gov.vn	sotttt,signed|$serial|$issuer"
"$BIN" -c "$T/off.conf" -t "$T/signed.eml" -i 192.0.2.1 -J >/dev/null 2>&1
l2=$(sed -n 2p "$T/offline.journal")
check "-t -J on mail from outside: the inbound line (in, external, pass)" \
	test "$(field "$l2" 3-5),$(field "$l2" 10)" = "OFFLINE	in	external,pass"

# -n: a JournalFile the daemon would refuse (a symbolic link) is reported
ln -s "$T/offline.journal" "$T/link.journal"
sed "s|^JournalFile .*|JournalFile $T/link.journal|" "$T/j.conf" >"$T/link.conf"
"$BIN" -c "$T/link.conf" -n >/dev/null 2>"$T/link.err"
st=$?
check "-n: a JournalFile that is a symbolic link is refused ($(head -1 "$T/link.err"))" \
	bash -c '[ "$1" != 0 ] && grep -q "JournalFile .*not a regular file" "$2"' _ "$st" "$T/link.err"

# a journal path that cannot be opened stops start-up with file:line
sed -i "s|^JournalFile .*|JournalFile $T/no/such/journal|" "$T/j.conf"
out=$("$BIN" -c "$T/j.conf" -n 2>&1)
st=$?
check "unopenable JournalFile: $(echo "$out" | head -1)" \
	bash -c '[ "$1" != 0 ] && echo "$2" | grep -q "j.conf:10: JournalFile .*No such file"' _ "$st" "$out"

tap_done
