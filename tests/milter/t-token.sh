#!/bin/bash
# t-token.sh - keys on slow, removable PKCS#11 tokens through the real
# daemon (driven by miltertest). The tokens are SoftHSM2 tokens behind
# tests/pkcs11-delay/p11delay.so, which adds a delay to each signature
# (KT_P11_DELAY_MS), unplugs the token while a marker file exists
# (KT_P11_GONE) and logs each C_Login and C_Sign (KT_P11_LOG).
#   1. recovery: the token's store removed -> tempfail; back -> signed
#      again without a restart (before: "451 4.7.0 (Object handle invalid)"
#      until a restart, even after a reload); the same with the token
#      unplugged and plugged back (its sessions die); a reload logs in anew
#   2. a wrong PIN is offered once: a reload with it fails, the next reload
#      and a restart refuse it without C_Login; the right PIN loads
#   3. bounded wait: a burst of agency A on its busy token (TokenQueueLimit
#      2) tempfails the excess at once, and agency B's message on its own
#      token is signed while A's queue is still full
#      and one waiting past TokenWaitLimit is tempfailed, also for another
#      certificate id whose key is on the same token (one device, one queue)
#   4. a pool of two tokens for one certificate id spreads a burst over
#      both tokens
# Ordering and counts only: no wall-clock thresholds. TAP output.
#   env: top_srcdir (source tree), top_builddir (where the programs are)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
BIN=$top_builddir/kyso-milter
DELAY_SO=$top_builddir/tests/pkcs11-delay/p11delay.so
here=$top_srcdir/tests/milter
. "$top_srcdir/tests/tap.sh"

# the token tests' real components are installed by contrib/install-deps.sh:
# missing ones fail, they do not skip
for need in miltertest softhsm2-util; do
	command -v "$need" >/dev/null 2>&1 ||
		{ echo "Bail out! $need not installed (contrib/install-deps.sh)"; exit 1; }
done
[ -f "$DELAY_SO" ] || { echo "Bail out! $DELAY_SO not built (make check builds it)"; exit 1; }

T=$(mktemp -d /tmp/kyso-tok.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	[ -n "$PID" ] && wait "$PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
bash "$top_srcdir/tests/pki/make-pki.sh" "$T/pki" >"$T/pki.log" 2>&1 ||
	{ echo "Bail out! test PKI failed"; cat "$T/pki.log"; exit 1; }
mk_token() { # TOKEN KEY OBJECT; $T/dir.TOKEN: the token's store
	local before
	before=$(ls "$T/tok/tokens" 2>/dev/null)
	bash "$top_srcdir/tests/pki/make-token.sh" "$T/tok" "$T/pki/$2.key" "$3" 1234 "$1" \
		>"$T/module" 2>>"$T/token.log" ||
		{ echo "Bail out! make-token.sh $1 failed"; cat "$T/token.log"; exit 1; }
	for d in $(ls "$T/tok/tokens"); do
		case " $(echo $before) " in *" $d "*) ;; *) echo "$T/tok/tokens/$d" >"$T/dir.$1" ;; esac
	done
}
mk_token A sotttt-agency sotttt
mk_token A2 sotttt-agency sotttt
mk_token B ubnd-agency ubnd
mk_token P sotttt-agency sotttt
export SOFTHSM2_CONF=$T/tok/softhsm2.conf
export KT_P11_MODULE=$(cat "$T/module")
export KT_P11_LOG=$T/p11.log
export KT_P11_GONE=$T/unplugged
export KT_P11_DELAY_MS=0
printf '9999\n' >"$T/bad.pin"
chmod 600 "$T/bad.pin"

cat >"$T/signing.table" <<C
*@sotttt.hagiang.gov.vn sotttt
*@ubnd.hagiang.gov.vn ubnd
C
entry() { # ID TOKEN OBJECT CERT [PIN-FILE]
	echo "$1 cert=$T/pki/$4.crt key=pkcs11:token=$2;object=$3;type=private pin-file=${5:-$T/tok/pin} module=$DELAY_SO chain=$T/pki/chain.pem"
}
conf() { # NAME [extra lines]: a configuration using $T/cert.table
	local name=$1
	shift
	{
		cat <<C
Socket unix:$T/t.sock
Syslog no
AuthservID mail.hagiang.gov.vn
Domain hagiang.gov.vn
SubDomains yes
SigningTable $T/signing.table
CertificateTable $T/cert.table
InternalHosts 127.0.0.1, ::1
VerifyInbound no
RevocationCheck none
TokenPinStateFile $T/pin-state
C
		printf '%s\n' "$@"
	} >"$T/$name.conf"
}
start() { # NAME: the daemon in the foreground on $T/NAME.conf
	rm -f "$T/t.sock"
	: >"$T/d.log"
	"$BIN" -f ${VERBOSE:-} -B 1024 -c "$T/$1.conf" >>"$T/d.log" 2>&1 &
	PID=$!
	for _ in $(seq 1 300); do
		[ -S "$T/t.sock" ] && return 0
		kill -0 "$PID" 2>/dev/null || { PID=; return 1; }
		sleep 0.1
	done
	return 1
}
stop() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	[ -n "$PID" ] && wait "$PID" 2>/dev/null
	PID=
}
mt() { # FROM WANT [OUT]: one message, checked by t-token-sign.lua
	miltertest -D sock="unix:$T/t.sock" -D srcdir="$top_srcdir" \
		-D from="$1" -D want="$2" -s "$here/t-token-sign.lua" \
		>"${3:-$T/mt.out}" 2>&1
}
mt_case() { # DESC FROM WANT
	if mt "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$T/mt.out"
		tail -5 "$T/d.log" | sed 's/^/# log: /'
	fi
}
mt_retry() { # DESC FROM: like an MTA, send again until signed (at most
	# 50 times; a module that must be initialised again to see the token
	# is, at most once a second)
	local n=1
	until mt "$2" sign; do
		n=$((n + 1))
		[ $n -gt 50 ] && break
		sleep 0.1
	done
	if [ $n -le 50 ]; then
		ok "$1 (try $n)"
	else
		not_ok "$1"
		sed 's/^/# /' "$T/mt.out"
		tail -5 "$T/d.log" | sed 's/^/# log: /'
	fi
}
reload() { # wait until the daemon logged one more reload outcome
	local n
	n=$(grep -c 'reload\(ed\| failed\)' "$T/d.log")
	kill -USR1 "$PID"
	for _ in $(seq 1 300); do
		[ "$(grep -c 'reload\(ed\| failed\)' "$T/d.log")" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_log() { # PATTERN COUNT: until the daemon log has COUNT matching lines
	# (up to 45 s: libmilter's worker pool may take its controller's 10 s
	# cycle to give a new session a worker while the others are busy)
	for _ in $(seq 1 900); do
		[ "$(grep -c -- "$1" "$T/d.log")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# C_Login calls the token refused (CKR_PIN_INCORRECT = 0xa0)
wait_p11() { # PATTERN: until the token log has a matching line
	for _ in $(seq 1 900); do
		grep -q -- "$1" "$T/p11.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
logins() { grep -c '^login 160$' "$T/p11.log" 2>/dev/null || true; }

A=vanthu@sotttt.hagiang.gov.vn
B=vanthu@ubnd.hagiang.gov.vn

# --- 1. the token goes away and comes back
{ entry sotttt A sotttt sotttt-agency; entry ubnd B ubnd ubnd-agency; } >"$T/cert.table"
conf plain
start plain || { echo "Bail out! daemon did not start"; cat "$T/d.log"; exit 1; }
mt_case "token key signs" "$A" sign
tokdir=$(cat "$T/dir.A")
mv "$tokdir" "$T/away"
mt_case "token store removed: tempfail (451), never unsigned" "$A" tempfail
mv "$T/away" "$tokdir"
mt_retry "token store back: signed again without a restart" "$A"
mt_case "... and the next message too" "$A" sign
if reload; then
	mt_case "after a reload (SIGUSR1) the token key signs" "$A" sign
else
	not_ok "reload logged"
fi
touch "$T/unplugged"
mt_case "token unplugged: tempfail" "$A" tempfail
mt_case "other agency's token unplugged too: tempfail" "$B" tempfail
rm -f "$T/unplugged"
mt_retry "token plugged back (old sessions dead): signed" "$A"
mt_case "... and agency B's token too" "$B" sign
if grep -q 'token A key sotttt: .*; opening a new session' "$T/d.log" &&
	grep -q 'token A key sotttt: new session, key found again' "$T/d.log"; then
	ok "recovery logged: the dead handle and the key found again"
else
	not_ok "recovery logged"
	grep -i token "$T/d.log" | sed 's/^/# /'
fi

# --- 2. a wrong PIN is offered to the token once
{ entry sotttt A sotttt sotttt-agency; entry ubnd B ubnd ubnd-agency
  entry pin P sotttt sotttt-agency "$T/bad.pin"; } >"$T/bad.table"
cp "$T/cert.table" "$T/good.table"
cp "$T/bad.table" "$T/cert.table"
l0=$(logins)
reload
l1=$(logins)
if grep -q 'reload failed.*token P key sotttt: wrong PIN' "$T/d.log" && [ "$l1" = $((l0 + 1)) ]; then
	ok "reload with a wrong PIN fails, the token saw it once ($l0 -> $l1 wrong PINs)"
else
	not_ok "reload with a wrong PIN fails after one login ($l0 -> $l1)"
	tail -5 "$T/d.log" | sed 's/^/# /'
fi
reload
l2=$(logins)
if grep -q 'reload failed.*token P key sotttt: this PIN was refused by the token before' "$T/d.log" &&
	[ "$l2" = "$l1" ]; then
	ok "second reload refuses the PIN without offering it ($l2 wrong PINs)"
else
	not_ok "second reload refuses the PIN without offering it ($l1 -> $l2)"
	tail -5 "$T/d.log" | sed 's/^/# /'
fi
mt_case "the running configuration still signs" "$A" sign
stop
start plain
l3=$(logins)
if [ -z "$PID" ] && grep -q 'refused by the token before (state' "$T/d.log" && [ "$l3" = "$l2" ]; then
	ok "restart with the wrong PIN: refused from the state file, no login ($l3 wrong PINs)"
else
	not_ok "restart with the wrong PIN: refused without a login ($l2 -> $l3)"
	tail -5 "$T/d.log" | sed 's/^/# /'
	stop
fi
if [ -s "$T/pin-state" ] && [ "$(stat -c %a "$T/pin-state")" = 600 ] &&
	! grep -q 9999 "$T/pin-state"; then
	ok "PIN state file: mode 600, a hash, not the PIN"
else
	not_ok "PIN state file: mode 600, a hash, not the PIN"
fi
sed -i "s|$T/bad.pin|$T/tok/pin|" "$T/cert.table"
if start plain; then
	ok "the right PIN in the PIN file loads"
else
	not_ok "the right PIN in the PIN file loads"
	tail -5 "$T/d.log" | sed 's/^/# /'
fi
stop

# --- 3. agency A's burst on its slow token does not hold agency B
# token A is kept busy (KT_P11_HOLD) by A's first message; A's next two
# wait (logged at debug level), the fourth and fifth are refused at once,
# and B is signed on its own token while A's queue is full. One message at
# a time reaches the daemon (libmilter's worker pool would otherwise leave
# a session without a worker while others block: that is why the wait is
# bounded), so the order is certain.
cp "$T/good.table" "$T/cert.table"
conf burst "TokenQueueLimit 2" "TokenWaitLimit 60000"
export KT_P11_DELAY_MS=100 KT_P11_HOLD=$T/hold
echo A >"$T/hold"
VERBOSE=-v start burst || { echo "Bail out! daemon did not start"; cat "$T/d.log"; exit 1; }
: >"$T/done"
: >"$T/p11.log"
jobs_=
burst_one() { # I: one A message in the background, its result in $T/done
	(if ! mt "$A" either "$T/a$1.out"; then echo "A error" >>"$T/done"
	 elif grep -q SIGNED "$T/a$1.out"; then echo "A sign" >>"$T/done"
	 else echo "A tempfail" >>"$T/done"; fi) &
	jobs_="$jobs_ $!"
}
filled=no
burst_one 1
if wait_p11 '^hold A'; then
	burst_one 2
	if wait_log 'sotttt: waiting for a free key (1 waiting)' 1; then
		burst_one 3
		wait_log 'sotttt: waiting for a free key (2 waiting)' 1 && filled=yes
	fi
fi
if [ $filled = yes ]; then
	mt "$A" either "$T/a4.out"
	mt "$A" either "$T/a5.out"
	if grep -q TEMPFAIL "$T/a4.out" && grep -q TEMPFAIL "$T/a5.out"; then
		ok "A's 4th and 5th messages on a busy token with 2 waiting: tempfailed at once (TokenQueueLimit 2)"
	else
		not_ok "A's 4th and 5th messages tempfailed at once"
		sed 's/^/# /' "$T/a4.out" "$T/a5.out"
	fi
	if mt "$B" sign "$T/b.out" && [ ! -s "$T/done" ]; then
		ok "B signed on its own token while A's token was busy and A's queue full"
	else
		not_ok "B signed while A's queue was full"
		sed 's/^/# /' "$T/done" "$T/b.out"
	fi
	rm -f "$T/hold"
	wait $jobs_
	if [ "$(grep -c 'A sign' "$T/done")" = 3 ]; then
		ok "A's three accepted messages are signed once the token is free"
	else
		not_ok "A's three accepted messages signed"
		sed 's/^/# /' "$T/done"
	fi
	if grep -q 'sotttt: 2 signatures already wait for its key (TokenQueueLimit)' "$T/d.log"; then
		ok "the refusal is logged with the limit"
	else
		not_ok "the refusal is logged with the limit"
		grep -i token "$T/d.log" | sed 's/^/# /'
	fi
else
	not_ok "A's queue never filled"
	rm -f "$T/hold"
	wait $jobs_
	sed 's/^/# /' "$T/done" "$T/d.log" "$T/p11.log"
fi
stop
# the wait is bounded too: with A's token held, the next A message waits
# TokenWaitLimit (200 ms) and is tempfailed, logged
# (and a second certificate id whose key is on the same token A: one
# device, one queue)
cp "$T/signing.table" "$T/signing.keep"
{ echo "vanthu2@sotttt.hagiang.gov.vn sotttt2"; cat "$T/signing.keep"; } >"$T/signing.table"
{ cat "$T/good.table"; entry sotttt2 A sotttt sotttt-agency; } >"$T/cert.table"
conf wait "TokenWaitLimit 200"
echo A >"$T/hold"
: >"$T/p11.log"
start wait || { echo "Bail out! daemon did not start"; cat "$T/d.log"; exit 1; }
(mt "$A" sign "$T/w1.out" && echo ok >"$T/w1.res" || echo fail >"$T/w1.res") &
w1=$!
wait_p11 '^hold A' 
mt_case "a message waiting for a held token past TokenWaitLimit: tempfail" "$A" tempfail
mt_case "another certificate id's key on the same held token waits too: tempfail" \
	vanthu2@sotttt.hagiang.gov.vn tempfail
mt_case "while agency B's token signs" "$B" sign
rm -f "$T/hold"
wait $w1
if grep -q 'sotttt: waited 200 ms for its key (TokenWaitLimit)' "$T/d.log" &&
	grep -q 'sotttt2: waited 200 ms for its key (TokenWaitLimit)' "$T/d.log" &&
	[ "$(cat "$T/w1.res")" = ok ]; then
	ok "the wait is logged with the limit; the held message is signed once the token is free"
else
	not_ok "TokenWaitLimit logged, held message signed"
	grep -i 'token\|wait' "$T/d.log" | sed 's/^/# /'
fi
unset KT_P11_HOLD
stop
cp "$T/signing.keep" "$T/signing.table"

# --- 4. a pool of two tokens for one certificate id
{ entry sotttt A sotttt sotttt-agency; entry sotttt A2 sotttt sotttt-agency
  entry ubnd B ubnd ubnd-agency; } >"$T/cert.table"
export KT_P11_DELAY_MS=500
start burst || { echo "Bail out! daemon did not start"; cat "$T/d.log"; exit 1; }
: >"$T/p11.log"
: >"$T/done"
jobs_=
for i in 1 2 3 4; do
	(mt "$A" sign "$T/p$i.out" && echo "A sign" >>"$T/done" || echo "A error" >>"$T/done") &
	jobs_="$jobs_ $!"
done
wait $jobs_
slots=$(awk '$1 == "sign" && $3 == 0 {print $2}' "$T/p11.log" | sort | uniq -c | awk '{print $1}' | sort -n | tr '\n' ' ')
if [ "$(grep -c 'A sign' "$T/done")" = 4 ] && [ "$(echo $slots | wc -w)" = 2 ]; then
	ok "pool of two tokens: 4 concurrent messages signed, on both tokens ($slots)"
else
	not_ok "pool of two tokens spreads the burst (signatures per token: $slots)"
	sed 's/^/# /' "$T/done" "$T/p11.log"
fi
stop

tap_done
