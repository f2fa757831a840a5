#!/usr/bin/env bash
# bench/run.sh - figures, not tests: how fast and how heavy kyso-milter is
# behind a real Postfix, with OpenDKIM (a signing libmilter milter) as the
# reference. Nothing here passes or fails; it prints a table and writes it
# to bench/RESULTS.md (BENCH_RESULTS=FILE elsewhere, BENCH_RESULTS=- none).
#
# Set-up (tests/integration/lib.sh, sourced read-only): a private Postfix 3.7
# on 127.0.0.1, smtp-sink as the next hop, the throwaway test PKI. Load
# comes from Postfix's smtp-source: BENCH_N messages (default 1000) of a
# 2 KB Vietnamese UTF-8 text message, over 1 and over 4 parallel SMTP
# sessions (each one connection; BENCH_NEWCONN=1: one per message), through:
#   kyso sign    kyso-milter, client 127.0.0.1 in InternalHosts (signs)
#   kyso verify  kyso-milter with InternalHosts none (every client is
#                external), the message as kyso signed it (verifies: pass)
#   OpenDKIM     opendkim 2.11 (Debian package), Mode s, a throwaway
#                RSA-2048 key, relaxed/simple
#   no milter    Postfix alone (the ceiling of this machine)
# each over a unix socket and over an inet socket on 127.0.0.1 (libmilter
# milters stall ~40 ms per message on TCP when Nagle meets delayed ACK;
# kyso sets TCP_NODELAY on its listener; a control run of kyso with that
# option disabled by an LD_PRELOAD shim shows the stall it avoids). Every
# run is checked: each of the N messages must reach the sink signed
# (multipart/signed, DKIM-Signature) or with smime=pass, else the row says
# FAIL. Figures are medians of BENCH_REPEAT (3) runs.
# Measured: messages/s (smtp-source wall time), milter CPU per message
# (utime+stime of /proc/PID/stat before/after, all threads), kyso-milter's
# peak RSS (VmHWM) signing 1, 20 and 50 MB attachments (a fresh daemon per
# size, default SpoolMemoryLimit), and with valgrind installed callgrind
# instruction counts (independent of the machine's other load): per message
# in the running daemons (kyso sign/verify, OpenDKIM) and whole offline runs
# (kyso-milter -n / -t).
#
# Slow tokens: the keys on SoftHSM2 tokens behind tests/pkcs11-delay/
# p11delay.so (built by make check), BENCH_TOKEN_DELAY_MS (default 100) per
# signature, one signature at a time per token, like a USB token: 1, 2 and
# 4 agencies (each its own certificate id and sender, 2 SMTP sessions,
# BENCH_TOKEN_N messages each, default 50) whose keys share one token,
# against one token each. messages/s = all agencies' messages / wall time.
#
# Run as root after `make`:  bash bench/run.sh   (about 10 minutes)
# BENCH_SECTIONS=token: only the token section, which then replaces its
# section of the existing RESULTS file (about 2 minutes).
# Env: KT_BUILD (directory of the kyso-milter binary; default: the tree),
# BENCH_N (messages per run, 10..20000), BENCH_REPEAT (1..9),
# BENCH_SIZES ("1 20 50", MB, each <= 200), BENCH_NEWCONN=1 (a new SMTP
# connection per message), BENCH_TIMEOUT (seconds per smtp-source run,
# default 300), BENCH_CALLGRIND=no, BENCH_CG_N (messages counted under
# callgrind, default 100), BENCH_CONTROL=no (skip the TCP_NODELAY control),
# BENCH_INSTALL=no (do not apt-get install opendkim when it is missing),
# KEEP=1 (keep the work directory).
# Everything is bounded in time; only loopback addresses are used.
set -u
BENCH_HERE=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_HERE/../tests/integration/lib.sh"

N=${BENCH_N:-1000}
SIZES=${BENCH_SIZES:-"1 20 50"}
RUN_TIMEOUT=${BENCH_TIMEOUT:-300}
RESULTS=${BENCH_RESULTS:-$BENCH_HERE/RESULTS.md}
CALLGRIND=${BENCH_CALLGRIND:-auto}
REPEAT=${BENCH_REPEAT:-3}
CG_N=${BENCH_CG_N:-100}
# one SMTP connection per session carrying all its messages (smtp-source -d,
# as DESIGN.md measured OpenDKIM); BENCH_NEWCONN=1: one connection per message
SRC_REUSE=-d
CONN_TEXT="each session one SMTP connection carrying its messages"
if [ "${BENCH_NEWCONN:-0}" = 1 ]; then
	SRC_REUSE=
	CONN_TEXT="a new SMTP connection per message"
fi
FROM=vanthu@sotttt.hagiang.gov.vn
RCPT=bench@sink.test

die() {
	echo "bench: $*" >&2
	exit 1
}
case $N in '' | *[!0-9]*) die "BENCH_N must be a number" ;; esac
[ "$N" -ge 10 ] && [ "$N" -le 20000 ] || die "BENCH_N must be 10..20000"
for mb in $SIZES; do
	case $mb in '' | *[!0-9]*) die "BENCH_SIZES: '$mb' is not a number of MB" ;; esac
	[ "$mb" -ge 1 ] && [ "$mb" -le 200 ] || die "BENCH_SIZES: $mb MB is outside 1..200"
done
case $REPEAT in [1-9]) ;; *) die "BENCH_REPEAT must be 1..9" ;; esac
case $CG_N in '' | *[!0-9]*) die "BENCH_CG_N must be a number" ;; esac
[ "$CG_N" -ge 1 ] && [ "$CG_N" -le 2000 ] || die "BENCH_CG_N must be 1..2000"
case $RUN_TIMEOUT in '' | *[!0-9]*) die "BENCH_TIMEOUT must be a number of seconds" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (a private Postfix instance)"
for t in postfix smtp-source smtp-sink postconf perl; do
	command -v "$t" >/dev/null || die "$t not found (apt-get install postfix perl)"
done
if ! command -v opendkim >/dev/null && [ "${BENCH_INSTALL:-yes}" != no ]; then
	echo "# installing opendkim (the reference milter) with apt-get"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
		opendkim >/dev/null 2>&1 || echo "# apt-get install opendkim failed: no reference rows"
fi
HAVE_DKIM=0
command -v opendkim >/dev/null && HAVE_DKIM=1

# ---- set-up ---------------------------------------------------------------
kt_init bench
BENCH_DKIM_PID=
bench_cleanup() {
	local rc=$?
	if [ -n "$BENCH_DKIM_PID" ]; then
		kill -TERM "$BENCH_DKIM_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$BENCH_DKIM_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$BENCH_DKIM_PID" 2>/dev/null
	fi
	(exit $rc)
	kt_cleanup
}
trap bench_cleanup EXIT
# a copy of the binary: other builds in the tree cannot change it mid-run
mkdir -p "$KT/bin"
[ -x "$KT_BUILD/kyso-milter" ] || die "no kyso-milter binary at $KT_BUILD (run make, or set KT_BUILD)"
cp "$KT_BUILD/kyso-milter" "$KT/bin/kyso-milter"
KYSO_VERSION=$("$KT_BUILD/kyso-milter" -V 2>&1 | head -n 1)
KYSO_COMMIT=$(git -C "$KT_BUILD" describe --always --dirty 2>/dev/null || echo unknown)
KT_BUILD_ORIG=$KT_BUILD
KT_BUILD=$KT/bin
# another free port for OpenDKIM's inet socket
DKIM_PORT=$((KT_MILTER_PORT + 1))
for _ in $(seq 1 50); do port_bindable "$DKIM_PORT" && break; DKIM_PORT=$((DKIM_PORT + 1)); done
CLK_TCK=$(getconf CLK_TCK)

kt_pki >"$KT/pki.log" 2>&1
kt_config "MaximumMessageSize 256m"
sed "s|^Socket .*|Socket inet:$KT_MILTER_PORT@127.0.0.1|" "$KT_CONF" >"$KT/sign-inet.conf"
cp "$KT_CONF" "$KT/sign-unix.conf"
for s in unix inet; do
	sed 's|^InternalHosts .*|InternalHosts none|' "$KT/sign-$s.conf" >"$KT/verify-$s.conf"
done
"$KT/bin/kyso-milter" -c "$KT/sign-unix.conf" -n >"$KT/n.log" 2>&1 || {
	cat "$KT/n.log" >&2
	die "kyso-milter -n rejects the benchmark configuration"
}

# the 2 KB message: Vietnamese UTF-8 text, 8bit, LF line ends (smtp-source
# sends CRLF)
MSG="$KT/msg2k.eml"
perl -e '
	my ($from, $to) = @ARGV;
	binmode STDOUT;
	my $h = "From: =?UTF-8?Q?V=C4=83n_th=C6=B0_S=E1=BB=9F_TT&TT?= <$from>\n"
		. "To: <$to>\nSubject: =?UTF-8?Q?C=C3=B4ng_v=C4=83n_s=E1=BB=91_123?=\n"
		. "Date: Mon, 1 Jun 2026 08:00:00 +0700\nMessage-ID: <bench.2k\@sotttt.hagiang.gov.vn>\n"
		. "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
		. "Content-Transfer-Encoding: 8bit\n\n";
	my @l = ("Kính gửi: Các cơ quan, đơn vị trên địa bàn tỉnh Hà Giang.",
		"Sở Thông tin và Truyền thông đề nghị các đơn vị triển khai chữ ký số.",
		"Trân trọng cảm ơn - Nguyễn Văn An, Phòng Công nghệ thông tin.");
	my $b = ""; my $i = 0;
	$b .= $l[$i++ % 3] . "\n" while length($h) + length($b) < 1960;
	print $h, $b;' "$FROM" "$RCPT" >"$MSG"
MSG_BYTES=$(stat -c %s "$MSG")
# the same message as kyso-milter signs it, for the verifying runs
SIGNED="$KT/msg2k-signed.eml"
"$KT/bin/kyso-milter" -c "$KT/sign-unix.conf" -t "$MSG" -e "$FROM" -i 127.0.0.1 >"$SIGNED" 2>"$KT/t.log" ||
	{ cat "$KT/t.log" >&2; die "kyso-milter -t could not sign the benchmark message"; }
[ "$(kt_ctype "$SIGNED")" = multipart/signed ] || die "kyso-milter -t did not sign the benchmark message"
SIGNED_BYTES=$(stat -c %s "$SIGNED")

# OpenDKIM: a throwaway key; one configuration per socket
if [ $HAVE_DKIM = 1 ]; then
	mkdir -p "$KT/dkim"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KT/dkim/bench.private" 2>/dev/null
	chmod 600 "$KT/dkim/bench.private"
	for s in unix inet; do
		case $s in
		unix) sock="local:$KT/run/opendkim.sock" ;;
		inet) sock="inet:$DKIM_PORT@127.0.0.1" ;;
		esac
		# RequireSafeKeys: the work directory is under /tmp (world-writable)
		cat >"$KT/dkim/$s.conf" <<EOF
Syslog                  no
Mode                    s
Domain                  sotttt.hagiang.gov.vn
Selector                bench
KeyFile                 $KT/dkim/bench.private
Canonicalization        relaxed/simple
InternalHosts           127.0.0.1
Socket                  $sock
UMask                   000
RequireSafeKeys         false
EOF
	done
	DKIM_VERSION=$(opendkim -V 2>&1 | head -n 1 | sed 's/^opendkim: //')
fi

kt_sinks_start
kt_postfix_start none
POSTFIX_VERSION=$(postconf -h mail_version)

# ---- helpers --------------------------------------------------------------
bench_cpu() { # PID: utime+stime in clock ticks, all threads (field 2 has no blanks here)
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
bench_hwm() { sed -n 's/^VmHWM:[ \t]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

# bench_postfix_milter ADDR|none: point smtpd at a milter, reload Postfix
bench_postfix_milter() {
	local m=$1
	[ "$m" = none ] && m=
	postconf -c "$KT/etc" -e "smtpd_milters = $m" "non_smtpd_milters = $m" || die "postconf failed"
	timeout 30 postfix -c "$KT/etc" reload >/dev/null 2>&1 || die "postfix reload failed"
	sleep 2
}

bench_dkim_start() { # unix|inet
	local s=$1 i
	rm -f "$KT/run/opendkim.sock"
	opendkim -f -x "$KT/dkim/$s.conf" >>"$KT/opendkim.log" 2>&1 &
	BENCH_DKIM_PID=$!
	for i in $(seq 1 100); do
		case $s in
		unix) [ -S "$KT/run/opendkim.sock" ] && return 0 ;;
		inet) port_listening "$DKIM_PORT" && return 0 ;;
		esac
		kill -0 "$BENCH_DKIM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 5 "$KT/opendkim.log" >&2
	die "opendkim did not start"
}
bench_dkim_stop() {
	[ -n "$BENCH_DKIM_PID" ] || return 0
	kill -TERM "$BENCH_DKIM_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$BENCH_DKIM_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$BENCH_DKIM_PID" 2>/dev/null
	wait "$BENCH_DKIM_PID" 2>/dev/null
	BENCH_DKIM_PID=
}

# bench_wait_sink COUNT SECS: until COUNT messages reached the sink
bench_wait_sink() {
	local want=$1 secs=$2 i n=0
	for i in $(seq 1 $((secs * 5))); do
		n=$(find "$KT/sink8" -type f | wc -l)
		[ "$n" -ge "$want" ] && return 0
		sleep 0.2
	done
	echo "only $n of $want messages reached the sink within ${secs}s" >&2
	return 1
}

# bench_once SESSIONS PID MSGFILE PATTERN: one smtp-source run of N messages;
# PID is the milter's (0: none), PATTERN what every delivered message must
# contain. Sets RATE (msg/s), CPUMS (milter CPU ms/msg), SECS, STATUS.
bench_once() {
	local s=$1 pid=$2 msg=$3 pat=$4 c0=0 c1=0 t0 t1 rc got
	find "$KT/sink8" -type f -delete
	[ "$pid" != 0 ] && c0=$(bench_cpu "$pid")
	t0=$(date +%s%N)
	timeout "$RUN_TIMEOUT" smtp-source $SRC_REUSE -s "$s" -m "$N" -F "$msg" -f "$FROM" -t "$RCPT" \
		-M client.test "127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	[ "$pid" != 0 ] && c1=$(bench_cpu "$pid")
	SECS=$(((t1 - t0) / 1000000000))
	RATE=$(awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	CPUMS=-
	[ "$pid" != 0 ] && CPUMS=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$N" \
		'BEGIN { printf "%.3f", d / hz / n * 1000 }')
	STATUS=ok
	if [ $rc != 0 ]; then
		STATUS="smtp-source exit $rc: $(tail -n 1 "$KT/source.log")"
	elif ! bench_wait_sink "$N" 120 2>"$KT/wait.log"; then
		STATUS=$(cat "$KT/wait.log")
	elif [ -n "$pat" ]; then
		got=$(grep -l -i -e "$pat" -r "$KT/sink8" | wc -l)
		[ "$got" = "$N" ] || STATUS="only $got of $N messages have '$pat'"
	fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# bench_tput LABEL SOCK SESSIONS PID MSGFILE PATTERN: REPEAT runs (one only
# when a run takes over 30 s: a stall, not noise); appends the medians
# "LABEL|SOCK|SESSIONS|RATE|CPUMS|STATUS|RUNS" to $KT/rows and every run
# to $KT/runs.
bench_tput() {
	local label=$1 sock=$2 s=$3 pid=$4 msg=$5 pat=$6 i rates= cpus= status=ok nrun=0
	for i in $(seq 1 "$REPEAT"); do
		bench_once "$s" "$pid" "$msg" "$pat"
		nrun=$i
		echo "$label|$sock|$s|$RATE|$CPUMS|$STATUS" >>"$KT/runs"
		printf '# %-12s %-4s %d session(s), run %d: %8s msg/s  milter CPU %6s ms/msg  %s\n' \
			"$label" "$sock" "$s" "$i" "$RATE" "$CPUMS" "$STATUS"
		if [ "$STATUS" != ok ]; then
			status=$STATUS
			break
		fi
		rates="$rates $RATE"
		cpus="$cpus $CPUMS"
		[ "$SECS" -gt 30 ] && break
	done
	echo "$label|$sock|$s|$(echo $rates | tr ' ' '\n' | median)|$(echo $cpus | tr ' ' '\n' | median)|$status|$nrun" >>"$KT/rows"
}

# bench_series LABEL SOCK PID MSGFILE PATTERN: the 1- and 4-session runs
bench_series() {
	bench_tput "$1" "$2" 1 "$3" "$4" "$5"
	bench_tput "$1" "$2" 4 "$3" "$4" "$5"
}

: >"$KT/rows"
: >"$KT/runs"
echo "# kyso-milter benchmark: $N messages of $MSG_BYTES bytes per run (signed: $SIGNED_BYTES bytes)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# the unit of the ratios, measured in this run: one raw RSA-2048 (and
# ECDSA P-256) signature, OpenSSL's own loop (openssl speed, 2 s each)
read -r RSA_SIGNS EC_SIGNS < <(timeout 60 openssl speed -seconds 2 -mr rsa2048 ecdsap256 2>/dev/null |
	awk -F: '/^\+F2:/ { r = $4 } /^\+F4:/ { e = $4 } END { printf "%s %s\n", r ? r : 0, e ? e : 0 }')
RSA_MS=$(awk -v s="$RSA_SIGNS" 'BEGIN { if (s > 0) printf "%.3f", 1000 / s; else print "n/a" }')
echo "# one RSA-2048 signature: $RSA_MS ms ($RSA_SIGNS/s); ECDSA P-256: $EC_SIGNS/s"

SECTIONS=${BENCH_SECTIONS:-all}
case $SECTIONS in all | token) ;; *) die "BENCH_SECTIONS must be all or token" ;; esac
TOKEN_N=${BENCH_TOKEN_N:-50}
TOKEN_DELAY=${BENCH_TOKEN_DELAY_MS:-100}
case $TOKEN_N in '' | *[!0-9]*) die "BENCH_TOKEN_N must be a number" ;; esac
case $TOKEN_DELAY in '' | *[!0-9]*) die "BENCH_TOKEN_DELAY_MS must be a number" ;; esac

# ---- slow tokens: agencies sharing one token vs one token each -------------
# bench_token AGENCIES shared|own: every agency's smtp-source in parallel;
# appends "AGENCIES|MODE|RATE|STATUS" to $KT/tokrows
bench_token() {
	local a=$1 mode=$2 i t0 t1 pids= rc=0 total got status=ok
	: >"$KT/tok-signing.table"
	: >"$KT/tok-cert.table"
	for i in $(seq 1 "$a"); do
		echo "vanthu$i@sotttt.hagiang.gov.vn ag$i" >>"$KT/tok-signing.table"
		tok=S
		[ "$mode" = own ] && tok=T$i
		echo "ag$i cert=$KT_PKI/sotttt-agency.crt key=pkcs11:token=$tok;object=sotttt;type=private pin-file=$KT/tok/pin module=$TOKEN_SO chain=$KT_PKI/chain.pem" >>"$KT/tok-cert.table"
	done
	sed -e "s|^SigningTable .*|SigningTable $KT/tok-signing.table|" \
		-e "s|^CertificateTable .*|CertificateTable $KT/tok-cert.table|" \
		"$KT/sign-unix.conf" >"$KT/tok.conf"
	kt_milter_start "$KT/tok.conf"
	find "$KT/sink8" -type f -delete
	t0=$(date +%s%N)
	for i in $(seq 1 "$a"); do
		sed "s/^From: \(.*\)<$FROM>/From: \1<vanthu$i@sotttt.hagiang.gov.vn>/" "$MSG" >"$KT/tok-msg$i.eml"
		timeout "$RUN_TIMEOUT" smtp-source -d -s 2 -m "$TOKEN_N" -F "$KT/tok-msg$i.eml" \
			-f "vanthu$i@sotttt.hagiang.gov.vn" -t "$RCPT" -M client.test \
			"127.0.0.1:$KT_SMTP_PORT" >"$KT/tok-source$i.log" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || rc=$?; done
	t1=$(date +%s%N)
	total=$((a * TOKEN_N))
	if [ $rc != 0 ]; then
		status="smtp-source exit $rc"
	elif ! bench_wait_sink "$total" 120 2>"$KT/wait.log"; then
		status=$(cat "$KT/wait.log")
	else
		got=$(grep -l -i -e '^Content-Type: multipart/signed' -r "$KT/sink8" | wc -l)
		[ "$got" = "$total" ] || status="only $got of $total messages signed"
	fi
	kt_milter_stop || echo "# kyso-milter did not stop cleanly"
	rate=$(awk -v n="$total" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	printf '# token: %d agencies, %-6s token(s): %6s msg/s  %s\n' "$a" "$mode" "$rate" "$status"
	echo "$a|$mode|$rate|$status" >>"$KT/tokrows"
}
: >"$KT/tokrows"
TOKEN_SO=$BENCH_HERE/../tests/pkcs11-delay/p11delay.so
[ -f "$TOKEN_SO" ] || TOKEN_SO=$KT_BUILD_ORIG/tests/pkcs11-delay/p11delay.so
if [ -f "$TOKEN_SO" ] && command -v softhsm2-util >/dev/null; then
	for t in S T1 T2 T3 T4; do
		bash "$BENCH_HERE/../tests/pki/make-token.sh" "$KT/tok" \
			"$KT_PKI/sotttt-agency.key" sotttt 1234 "$t" >"$KT/tok-module" 2>>"$KT/tok.log" ||
			die "make-token.sh failed: $(cat "$KT/tok.log")"
	done
	export SOFTHSM2_CONF=$KT/tok/softhsm2.conf KT_P11_MODULE=$(cat "$KT/tok-module")
	export KT_P11_DELAY_MS=$TOKEN_DELAY
	bench_postfix_milter "unix:$KT_SOCK"
	for a in 1 2 4; do
		bench_token "$a" shared
		bench_token "$a" own
	done
	unset KT_P11_DELAY_MS
else
	echo "# no $TOKEN_SO (make check builds it) or no SoftHSM2: no token figures"
fi
token_section() {
	[ -s "$KT/tokrows" ] || return 0
	echo "## Slow tokens: agencies sharing one token vs one token each"
	echo
	echo "Each agency its own certificate id and sender, 2 SMTP sessions, $TOKEN_N messages;" \
		"the keys on SoftHSM2 tokens behind \`tests/pkcs11-delay/p11delay.so\`: $TOKEN_DELAY ms per" \
		"signature, one signature at a time per token (a USB token). msg/s = all messages / wall" \
		"time of the agencies' parallel \`smtp-source\` runs; one run each, measured $(date -u '+%Y-%m-%d %H:%M UTC')" \
		"($KYSO_VERSION, commit $KYSO_COMMIT)."
	echo
	echo "| agencies | msg/s, one shared token | msg/s, one token each | ratio own/shared |"
	echo "|--:|--:|--:|--:|"
	for a in 1 2 4; do
		awk -F'|' -v a="$a" '$1 == a && $2 == "shared" { s = ($4 == "ok" ? $3 : "FAIL") }
			$1 == a && $2 == "own" { o = ($4 == "ok" ? $3 : "FAIL") }
			END { r = (s + 0 > 0 && o + 0 > 0) ? sprintf("%.2f", o / s) : "n/a"
				printf "| %d | %s | %s | %s |\n", a, s, o, r }' "$KT/tokrows"
	done
	echo
}
if [ "$SECTIONS" = token ]; then
	token_section >"$KT/token.md"
	cat "$KT/token.md"
	if [ "$RESULTS" != - ] && [ -s "$KT/token.md" ]; then
		# replace the section (or append it) in the existing results
		touch "$RESULTS"
		awk -v f="$KT/token.md" '
			/^## Slow tokens/ { skip = 1; while ((getline l < f) > 0) print l; done = 1; next }
			skip && /^## / { skip = 0 }
			!skip { print }
			END { if (!done) { print ""; while ((getline l < f) > 0) print l } }' "$RESULTS" >"$KT/results.new" &&
			cp "$KT/results.new" "$RESULTS" && echo "# token section written to $RESULTS"
	fi
	exit 0
fi

# ---- throughput and CPU -----------------------------------------------------
bench_postfix_milter none
bench_series "no milter" - 0 "$MSG" ""

for s in unix inet; do
	case $s in
	unix) addr="unix:$KT_SOCK" ;;
	inet) addr="inet:127.0.0.1:$KT_MILTER_PORT" ;;
	esac
	kt_milter_start "$KT/sign-$s.conf"
	bench_postfix_milter "$addr"
	bench_series "kyso sign" "$s" "$KT_MILTER_PID" "$MSG" '^Content-Type: multipart/signed'
	kt_milter_stop || echo "# kyso-milter did not stop cleanly"
	kt_milter_start "$KT/verify-$s.conf"
	bench_series "kyso verify" "$s" "$KT_MILTER_PID" "$SIGNED" 'smime=pass'
	kt_milter_stop || echo "# kyso-milter did not stop cleanly"
done
# Control: the same kyso binary on inet with its TCP_NODELAY disabled by an
# LD_PRELOAD shim (setsockopt(TCP_NODELAY) becomes a no-op): shows that the
# option, set on the listener and inherited by the accepted connections, is
# what keeps kyso from stalling. One session, at most 200 messages.
if [ "${BENCH_CONTROL:-yes}" != no ] && command -v cc >/dev/null; then
	cat >"$KT/nonodelay.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int (*real)(int, int, int, const void *, socklen_t);

	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return 0;
	*(void **)&real = dlsym(RTLD_NEXT, "setsockopt");
	return real(fd, level, name, val, len);
}
EOF
	if cc -shared -fPIC -O2 -o "$KT/nonodelay.so" "$KT/nonodelay.c" -ldl 2>"$KT/cc.log"; then
		export LD_PRELOAD="$KT/nonodelay.so"
		kt_milter_start "$KT/sign-inet.conf"
		unset LD_PRELOAD
		bench_postfix_milter "inet:127.0.0.1:$KT_MILTER_PORT"
		n_all=$N
		N=$((N < 200 ? N : 200))
		bench_tput "kyso sign, TCP_NODELAY off (control)" inet 1 "$KT_MILTER_PID" "$MSG" '^Content-Type: multipart/signed'
		N=$n_all
		kt_milter_stop || echo "# kyso-milter did not stop cleanly"
	fi
fi
if [ $HAVE_DKIM = 1 ]; then
	for s in unix inet; do
		case $s in
		unix) addr="unix:$KT/run/opendkim.sock" ;;
		inet) addr="inet:127.0.0.1:$DKIM_PORT" ;;
		esac
		bench_dkim_start "$s"
		bench_postfix_milter "$addr"
		bench_series "OpenDKIM" "$s" "$BENCH_DKIM_PID" "$MSG" '^DKIM-Signature:'
		bench_dkim_stop
	done
fi

# ---- peak RSS signing large messages --------------------------------------
: >"$KT/rss"
bench_postfix_milter "unix:$KT_SOCK"
for mb in $SIZES; do
	big="$KT/big$mb.eml"
	perl "$KT_TOOLS/make-msg.pl" big "$FROM" "$RCPT" "$big" "$mb"
	bytes=$(stat -c %s "$big")
	postconf -c "$KT/etc" -e "message_size_limit = $((bytes + bytes / 10 + 1048576))"
	timeout 30 postfix -c "$KT/etc" reload >/dev/null 2>&1
	kt_milter_start "$KT/sign-unix.conf"
	sleep 2
	hwm0=$(bench_hwm "$KT_MILTER_PID")
	c0=$(bench_cpu "$KT_MILTER_PID")
	find "$KT/sink8" -type f -delete
	t0=$(date +%s%N)
	status=ok
	if ! timeout "$RUN_TIMEOUT" smtp-source -m 1 -F "$big" -f "$FROM" -t "$RCPT" -M client.test \
		"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1; then
		status="smtp-source failed: $(tail -n 1 "$KT/source.log")"
	fi
	t1=$(date +%s%N)
	c1=$(bench_cpu "$KT_MILTER_PID")
	hwm1=$(bench_hwm "$KT_MILTER_PID")
	if [ "$status" = ok ]; then
		if ! bench_wait_sink 1 300 2>"$KT/wait.log"; then
			status=$(cat "$KT/wait.log")
		elif ! grep -q -i '^Content-Type: multipart/signed' -r "$KT/sink8"; then
			status="not signed"
		fi
	fi
	secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
	cpus=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", d / hz }')
	echo "$mb|$bytes|$hwm0|$hwm1|$secs|$cpus|$status" >>"$KT/rss"
	printf '# %3d MB attachment (%d bytes): VmHWM %s kB -> %s kB, %s s, milter CPU %s s  %s\n' \
		"$mb" "$bytes" "$hwm0" "$hwm1" "$secs" "$cpus" "$status"
	kt_milter_stop || echo "# kyso-milter did not stop cleanly"
	rm -f "$big"
	find "$KT/sink8" -type f -delete
done

# ---- callgrind -----------------------------------------------------------------
# Instruction counts do not depend on the other load of the machine.
# Offline: whole runs of kyso-milter -n / -t (start-up, configuration and key
# loading, first-use initialisation included). Daemon: the milter under
# callgrind behind Postfix, CG_N messages over one session after a warm-up,
# counters zeroed before and dumped after (callgrind_control): instructions
# per message of a warm daemon, for kyso and for OpenDKIM alike.
: >"$KT/cg"
: >"$KT/cgd"
if [ "$CALLGRIND" != no ] && command -v valgrind >/dev/null; then
	bench_cg() { # LABEL ARGS...: total instructions (Ir) of one run
		local label=$1 out="$KT/callgrind.$(echo "$1" | tr -c 'a-z0-9\n' _)"
		shift
		if timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
			"$KT/bin/kyso-milter" "$@" >/dev/null 2>"$out.log"; then
			ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -n 1)
		else
			ir="failed"
		fi
		echo "$label|$ir" >>"$KT/cg"
		printf '# callgrind %-38s %s Ir\n' "$label" "$ir"
	}
	bench_cg "configuration load only (-n)" -c "$KT/sign-unix.conf" -n
	bench_cg "sign 2 KB (-t, internal client)" -c "$KT/sign-unix.conf" -t "$MSG" -e "$FROM" -i 127.0.0.1
	bench_cg "verify 2 KB (-t, external client)" -c "$KT/verify-unix.conf" -t "$SIGNED" -e "$FROM" -i 127.0.0.1
fi
if [ "$CALLGRIND" != no ] && command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
	# bench_cgd LABEL PID OUTFILE MSGFILE PATTERN: Ir per message
	bench_cgd() {
		local label=$1 pid=$2 out=$3 msg=$4 pat=$5 ir=failed dump got
		find "$KT/sink8" -type f -delete
		if timeout 300 smtp-source -d -m 10 -F "$msg" -f "$FROM" -t "$RCPT" -M client.test \
			"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1 &&
			timeout 60 callgrind_control -z "$pid" >"$KT/cgctl.log" 2>&1 &&
			timeout 600 smtp-source -d -m "$CG_N" -F "$msg" -f "$FROM" -t "$RCPT" -M client.test \
				"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1 &&
			timeout 60 callgrind_control -d "$pid" >>"$KT/cgctl.log" 2>&1; then
			dump=$(ls -t "$out".* 2>/dev/null | head -n 1)
			[ -n "$dump" ] && ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$dump" | head -n 1)
			if [ -n "$ir" ] && [ "$ir" != failed ]; then ir=$((ir / CG_N)); else ir=failed; fi
		fi
		bench_wait_sink $((CG_N + 10)) 120 2>/dev/null
		got=$(grep -l -i -e "$pat" -r "$KT/sink8" | wc -l)
		[ "$got" = $((CG_N + 10)) ] || ir="failed ($got of $((CG_N + 10)) messages with '$pat')"
		echo "$label|$ir" >>"$KT/cgd"
		printf '# callgrind daemon %-14s %s Ir per message\n' "$label" "$ir"
	}
	# kt_milter_start runs $(kt_milter_bin): point it at a callgrind wrapper
	for k in sign verify; do
		printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s "%s" "$@"\n' \
			"$KT/cgd-kyso-$k.out" "$KT/bin/kyso-milter" >"$KT/bin/kyso-cg-$k"
		chmod 755 "$KT/bin/kyso-cg-$k"
		kt_milter_bin() { echo "$KT/bin/kyso-cg-$k"; }
		kt_milter_start "$KT/$k-unix.conf"
		bench_postfix_milter "unix:$KT_SOCK"
		if [ $k = sign ]; then
			bench_cgd "kyso sign" "$KT_MILTER_PID" "$KT/cgd-kyso-$k.out" "$MSG" '^Content-Type: multipart/signed'
		else
			bench_cgd "kyso verify" "$KT_MILTER_PID" "$KT/cgd-kyso-$k.out" "$SIGNED" 'smime=pass'
		fi
		kt_milter_stop || echo "# kyso-milter did not stop cleanly"
	done
	kt_milter_bin() { echo "$KT_BUILD/kyso-milter"; }
	if [ $HAVE_DKIM = 1 ]; then
		rm -f "$KT/run/opendkim.sock"
		valgrind --tool=callgrind --callgrind-out-file="$KT/cgd-dkim.out" \
			opendkim -f -x "$KT/dkim/unix.conf" >>"$KT/opendkim.log" 2>&1 &
		BENCH_DKIM_PID=$!
		for _ in $(seq 1 300); do [ -S "$KT/run/opendkim.sock" ] && break; sleep 0.1; done
		bench_postfix_milter "unix:$KT/run/opendkim.sock"
		bench_cgd "OpenDKIM sign" "$BENCH_DKIM_PID" "$KT/cgd-dkim.out" "$MSG" '^DKIM-Signature:'
		bench_dkim_stop
	fi
fi

# ---- the table --------------------------------------------------------------
# ratio_row TEXT VALUE GOAL [min]: a goal met or missed (max unless "min")
ratio_row() {
	local v=$2 g=$3 how=${4:-max} verdict
	verdict=$(awk -v v="$v" -v g="$g" -v h="$how" 'BEGIN {
		if (v == "n/a") { print "not measured"; exit }
		ok = (h == "min") ? (v + 0 >= g + 0) : (v + 0 <= g + 0)
		if (ok) print "met"; else if (h == "min") printf "missed by %.0f %%\n", (g - v) * 100 / g
		else printf "missed by %.0f %%\n", (v - g) * 100 / g }')
	echo "| $1 | $v | $([ "$how" = min ] && echo ">=" || echo "<=") $g | $verdict |"
}
row() { # LABEL SOCK SESSIONS FIELD(4=rate,5=cpu,6=status)
	awk -F'|' -v l="$1" -v s="$2" -v n="$3" -v f="$4" '$1 == l && $2 == s && $3 == n { print $f }' "$KT/rows"
}
cell() { # LABEL SOCK SESSIONS FIELD: the value, or "fail" when the run failed
	local st
	st=$(row "$1" "$2" "$3" 6)
	if [ -z "$st" ]; then echo "n/a"; elif [ "$st" != ok ]; then echo "FAIL"; else row "$1" "$2" "$3" "$4"; fi
}
# pooled CPU per message of one milter over its four runs
pooled() { awk -F'|' -v l="$1" '$1 == l && $6 == "ok" { s += $5; n++ } END { if (n) printf "%.2f", s / n; else print "n/a" }' "$KT/rows"; }
# stall verdict: 1-session inet rate against unix rate
stall() { # LABEL [UNIX-LABEL]
	local u i
	u=$(row "${2:-$1}" unix 1 4)
	i=$(row "$1" inet 1 4)
	[ -n "$u" ] && [ -n "$i" ] || { echo "n/a"; return; }
	awk -v u="$u" -v i="$i" 'BEGIN {
		lu = 1000 / u; li = 1000 / i;
		printf "%.1f ms/msg on inet vs %.1f on unix: %s", li, lu,
			(li - lu > 20 ? "STALLS (+" sprintf("%.0f", li - lu) " ms per message)" : "no stall") }'
}

{
	echo "# kyso-milter benchmark results"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` on $(nproc) cores" \
		"($(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo | head -n 1)), Debian $(cat /etc/debian_version 2>/dev/null)," \
		"Postfix $POSTFIX_VERSION, ${DKIM_VERSION:-no OpenDKIM}, $KYSO_VERSION (commit $KYSO_COMMIT)." \
		"Load average before the run: $LOAD_BEFORE."
	echo
	echo "Load: Postfix \`smtp-source\` → private Postfix smtpd on 127.0.0.1 (milter) → \`smtp-sink\`;" \
		"$N messages per run over 1 or 4 parallel SMTP sessions ($CONN_TEXT);" \
		"a $MSG_BYTES-byte Vietnamese UTF-8 text/plain message (kyso verify: the same message as" \
		"kyso signed it, $SIGNED_BYTES bytes). Every delivered message was checked (signed," \
		"DKIM-Signature, or smime=pass). msg/s = messages / smtp-source wall time; CPU = milter" \
		"utime+stime (/proc/PID/stat, all threads) / messages; each the median of $REPEAT runs" \
		"(one run when a run took over 30 s: a stall, not noise; every run is listed at the end)."
	echo
	echo "## Throughput and milter CPU per message (2 KB message)"
	echo
	echo "| milter, path | socket | msg/s, 1 session | msg/s, 4 sessions | CPU ms/msg, 1 session | CPU ms/msg, 4 sessions |"
	echo "|---|---|--:|--:|--:|--:|"
	for l in "no milter" "kyso sign" "kyso verify" "OpenDKIM" "kyso sign, TCP_NODELAY off (control)"; do
		for s in unix inet; do
			[ "$l" = "no milter" ] && { [ $s = unix ] || continue; s=-; }
			[ -n "$(row "$l" "$s" 1 1)" ] || continue
			echo "| $l | $s | $(cell "$l" "$s" 1 4) | $(cell "$l" "$s" 4 4) | $(cell "$l" "$s" 1 5) | $(cell "$l" "$s" 4 5) |"
		done
	done
	echo
	echo "## Milter CPU per message (mean of the unix/inet, 1/4-session runs)"
	echo
	echo "| kyso sign | kyso verify | OpenDKIM sign |"
	echo "|--:|--:|--:|"
	echo "| $(pooled "kyso sign") ms | $(pooled "kyso verify") ms | $(pooled OpenDKIM) ms |"
	echo
	echo "## Against one signature (the goals of issue 15, measured in this run)"
	echo
	echo "One raw RSA-2048 signature here: $RSA_MS ms (\`openssl speed\`: $RSA_SIGNS sign/s; ECDSA P-256: $EC_SIGNS sign/s)."
	echo
	echo "| figure | measured | goal | |"
	echo "|---|--:|--:|---|"
	ratio_row "kyso sign CPU per 2 KB message, behind Postfix, in RSA signatures" \
		"$(awk -v c="$(pooled "kyso sign")" -v r="$RSA_MS" 'BEGIN { if (c + 0 > 0 && r + 0 > 0) printf "%.2f", c / r; else print "n/a" }')" 1.6
	ratio_row "kyso verify CPU per 2 KB message, in RSA signatures" \
		"$(awk -v c="$(pooled "kyso verify")" -v r="$RSA_MS" 'BEGIN { if (c + 0 > 0 && r + 0 > 0) printf "%.2f", c / r; else print "n/a" }')" 0.6
	for ss in 1 4; do
		ratio_row "msg/s kyso sign / OpenDKIM, unix, $ss session(s)" \
			"$(awk -v a="$(cell "kyso sign" unix $ss 4)" -v b="$(cell OpenDKIM unix $ss 4)" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')" 1.0 min
		ratio_row "msg/s kyso sign / no milter, $ss session(s)" \
			"$(awk -v a="$(cell "kyso sign" unix $ss 4)" -v b="$(cell "no milter" - $ss 4)" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')" 0.8 min
	done
	echo
	echo "## TCP (inet socket) stall, one session"
	echo
	for l in "kyso sign" "kyso verify" "OpenDKIM"; do
		[ -n "$(row "$l" unix 1 1)" ] && echo "- $l: $(stall "$l")"
	done
	l="kyso sign, TCP_NODELAY off (control)"
	[ -n "$(row "$l" inet 1 1)" ] && echo "- $l: $(stall "$l" "kyso sign")"
	echo
	if [ -s "$KT/rss" ]; then
		echo "## kyso-milter peak RSS signing large messages (SpoolMemoryLimit 1m, the default)"
		echo
		echo "| attachment | message bytes | VmHWM idle | VmHWM after signing | smtp-source time | milter CPU | status |"
		echo "|--:|--:|--:|--:|--:|--:|---|"
		awk -F'|' '{ printf "| %d MB | %d | %d kB | %d kB | %s s | %s s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$KT/rss"
		echo
	fi
	if [ -s "$KT/cgd" ]; then
		echo "## callgrind: instructions per message in the running milter (2 KB message, warm, $CG_N messages, one session)"
		echo
		echo "| milter, path | instructions (Ir) per message |"
		echo "|---|--:|"
		awk -F'|' '{ printf "| %s | %s |\n", $1, $2 }' "$KT/cgd"
		echo
	fi
	if [ -s "$KT/cg" ]; then
		echo "## callgrind: whole offline runs (\`kyso-milter -c CONF -n\` / \`-t MSG\`; start-up and key loading included)"
		echo
		echo "| run | instructions (Ir) |"
		echo "|---|--:|"
		awk -F'|' '{ printf "| %s | %s |\n", $1, $2 }' "$KT/cg"
		echo
	fi
	token_section
	echo "## Every run"
	echo
	echo "| milter, path | socket | sessions | msg/s | CPU ms/msg | status |"
	echo "|---|---|--:|--:|--:|---|"
	awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$KT/runs"
	echo
	echo "A FAIL cell: the run did not deliver every message as expected (its status is in the list above)."
} >"$KT/RESULTS.md"

echo
cat "$KT/RESULTS.md"
if [ "$RESULTS" != - ]; then
	cp "$KT/RESULTS.md" "$RESULTS" && echo "# written to $RESULTS"
fi
