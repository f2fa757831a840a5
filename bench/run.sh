#!/usr/bin/env bash
# bench/run.sh - figures, not tests: how fast and how heavy kyso-milter is
# behind a real Postfix and without one, with OpenDKIM (a signing libmilter
# milter) as the reference and one raw RSA-2048 signature as the unit.
# Nothing here passes or fails; it prints the goals of issue 15 as ratios
# ("met" / "missed by N %") and the figures behind them, and writes them to
# bench/RESULTS.md (BENCH_RESULTS=FILE elsewhere, BENCH_RESULTS=- none).
#
# Set-up (tests/integration/lib.sh, sourced read-only): a private Postfix 3.7
# on 127.0.0.1, smtp-sink as the next hop, the throwaway test PKI. Messages:
# 4 KiB (Vietnamese UTF-8 text/plain, 8bit) and 100 KiB (the same text and
# a base64 PDF-like attachment), and each as kyso signed it (for verifying).
# Sections (BENCH_SECTIONS, a list; default all of them):
#   tput     behind Postfix: smtp-source sends BENCH_N messages of each size
#            over 1, 8 and 32 parallel SMTP sessions (BENCH_SESSIONS; each
#            one connection) through no milter, kyso sign (client in
#            InternalHosts), kyso verify (InternalHosts none; smime=pass),
#            OpenDKIM 2.11 (Mode s, RSA-2048, relaxed/simple), unix sockets.
#            msg/s = messages / smtp-source wall time; milter CPU per
#            message = utime+stime of /proc/PID/stat (all threads)
#            before/after / messages. Every delivered message is checked.
#   nomta    milter CPU per message without an MTA: bench/nomta.py speaks
#            the MTA side of the milter protocol as Postfix does (the same
#            flags offered, one connection carrying the session's messages,
#            64 KiB body chunks, every end-of-message reply checked) straight
#            to the daemon's socket: BENCH_N messages, one session. The
#            daemon is the same as behind Postfix; only Postfix's work on
#            the machine is gone. (Not miltertest: it overflows a stack
#            buffer on a reply over ~1 KiB, e.g. X-Kyso-Verdict.)
#   cores    kyso sign and verify, 4 KiB, 32 sessions, behind Postfix, the
#            daemon pinned to one CPU (taskset -c 0) vs all CPUs.
#   tcp      the TCP stall: 4 KiB, 1 session, over inet sockets (kyso,
#            OpenDKIM, and kyso with TCP_NODELAY disabled by an LD_PRELOAD
#            shim as the control); at most 200 messages.
#   rss      peak RSS (VmHWM) of a fresh daemon signing, then of a fresh
#            daemon verifying, a message with a BENCH_SIZES MB attachment.
#   profile  callgrind (instruction counts do not depend on the machine's
#            other load): per message in a warm daemon behind Postfix
#            (BENCH_CG_N messages, one session, counters zeroed after a
#            warm-up) for sign/verify 4 KiB and 100 KiB and OpenDKIM 4 KiB;
#            the top 10 functions (inclusive and self) for sign 4 KiB,
#            verify 4 KiB and sign 100 KiB, and self cost per shared
#            object; whole offline runs (-n; -t on each message and on a
#            tiny unsigned one, the null run) and their difference: a
#            second, instruction-count, cold "no-MTA" figure.
#   token    slow PKCS#11 tokens: agencies sharing one token vs one token
#            each (tests/pkcs11-delay/p11delay.so, built by make check).
# Before/after: BENCH_BASE_BUILD=DIR (a build tree of the base commit; see
# bench/compare.sh, which makes one) runs every kyso measurement with both
# binaries in the same run, interleaved per message size, and adds a table
# of after/before ratios.
#
# Run as root after `make`:  bash bench/run.sh  (about 20 minutes on a quiet
# 2-core machine with the defaults, an estimate from the sections' times in
# short runs: tput ~9, profile ~4, token ~2, the others ~1 each; about 30
# with a base build; the results give each section's time). A partial run
# (BENCH_SECTIONS) writes a file only when BENCH_RESULTS names one, except
# BENCH_SECTIONS=token, which replaces its section of the existing file.
# Env: KT_BUILD (directory of the kyso-milter binary; default: the tree),
# BENCH_SECTIONS ("tput nomta cores tcp rss profile token" or a subset),
# BENCH_N (messages per run, 10..20000, default 1000), BENCH_SESSIONS
# ("1 8 32"), BENCH_REPEAT (1..9, default 3: medians), BENCH_SIZES ("1 20 50",
# MB, each <= 200), BENCH_TIMEOUT (seconds per run, default 300),
# BENCH_CG_N (messages under callgrind, default 50), BENCH_NEWCONN=1 (a new
# SMTP connection per message), BENCH_BASE_BUILD, BENCH_BASE_NAME (its
# label), BENCH_INSTALL=no (do not apt-get install opendkim when missing),
# KEEP=1 (keep the work directory).
# Everything is bounded in time; only loopback addresses are used.
set -u
BENCH_HERE=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_HERE/../tests/integration/lib.sh"

N=${BENCH_N:-1000}
SESSIONS=${BENCH_SESSIONS:-"1 8 32"}
SIZES=${BENCH_SIZES:-"1 20 50"}
RUN_TIMEOUT=${BENCH_TIMEOUT:-300}
RESULTS=${BENCH_RESULTS:-$BENCH_HERE/RESULTS.md}
REPEAT=${BENCH_REPEAT:-3}
CG_N=${BENCH_CG_N:-50}
ALL_SECTIONS="tput nomta cores tcp rss profile token"
SECTIONS=${BENCH_SECTIONS:-all}
[ "$SECTIONS" = all ] && SECTIONS=$ALL_SECTIONS
SECTIONS=$(echo "$SECTIONS" | tr ',' ' ')
# a partial run (other than token alone, which replaces its own section)
# writes no results file unless BENCH_RESULTS names one
if [ -z "${BENCH_RESULTS:-}" ] && [ "$(echo $SECTIONS)" != "$ALL_SECTIONS" ] && [ "$(echo $SECTIONS)" != token ]; then
	RESULTS=-
fi
BASE_BUILD=${BENCH_BASE_BUILD:-}
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
MSG_SIZES="4k 100k"

die() {
	echo "bench: $*" >&2
	exit 1
}
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
num_in() { # NAME VALUE LOW HIGH
	case $2 in '' | *[!0-9]*) die "$1 must be a number" ;; esac
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || die "$1 must be $3..$4"
}
num_in BENCH_N "$N" 10 20000
for mb in $SIZES; do num_in "BENCH_SIZES ($mb)" "$mb" 1 200; done
for s in $SESSIONS; do num_in "BENCH_SESSIONS ($s)" "$s" 1 64; done
num_in BENCH_REPEAT "$REPEAT" 1 9
num_in BENCH_CG_N "$CG_N" 1 2000
num_in BENCH_TIMEOUT "$RUN_TIMEOUT" 10 3600
for s in $SECTIONS; do
	case " $ALL_SECTIONS " in *" $s "*) ;; *) die "BENCH_SECTIONS: unknown section '$s' (known: $ALL_SECTIONS)" ;; esac
done
[ "$(id -u)" = 0 ] || die "needs root (a private Postfix instance)"
for t in postfix smtp-source smtp-sink postconf perl openssl; do
	command -v "$t" >/dev/null || die "$t not found (apt-get install postfix perl openssl)"
done
if want nomta; then command -v python3 >/dev/null || die "python3 not found (apt-get install python3)"; fi
if want profile; then
	for t in valgrind callgrind_control callgrind_annotate; do
		command -v "$t" >/dev/null || die "$t not found (apt-get install valgrind)"
	done
fi
if want cores; then command -v taskset >/dev/null || die "taskset not found (util-linux)"; fi
if ! command -v opendkim >/dev/null && [ "${BENCH_INSTALL:-yes}" != no ]; then
	echo "# installing opendkim (the reference milter) with apt-get"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
		opendkim >/dev/null 2>&1 || echo "# apt-get install opendkim failed: no reference rows"
fi
HAVE_DKIM=0
command -v opendkim >/dev/null && HAVE_DKIM=1

# ---- set-up ---------------------------------------------------------------
kt_init bench
BENCH_PIDS= # daemons started here (kyso-milter, opendkim), stopped at exit
bench_kill() { # PID: TERM, up to 10 s, then KILL
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
bench_cleanup() {
	local rc=$? p
	for p in $BENCH_PIDS; do bench_kill "$p"; done
	(exit $rc)
	kt_cleanup
}
trap bench_cleanup EXIT
# copies of the binaries: other builds in the trees cannot change them mid-run
mkdir -p "$KT/bin"
[ -x "$KT_BUILD/kyso-milter" ] || die "no kyso-milter binary at $KT_BUILD (run make, or set KT_BUILD)"
cp "$KT_BUILD/kyso-milter" "$KT/bin/kyso-after"
KYSO_VERSION=$("$KT_BUILD/kyso-milter" -V 2>&1 | head -n 1)
KYSO_COMMIT=$(git -C "$KT_BUILD" describe --always --dirty 2>/dev/null || echo unknown)
VERS=after
if [ -n "$BASE_BUILD" ]; then
	[ -x "$BASE_BUILD/kyso-milter" ] || die "no kyso-milter binary at BENCH_BASE_BUILD=$BASE_BUILD"
	cp "$BASE_BUILD/kyso-milter" "$KT/bin/kyso-before"
	BASE_COMMIT=${BENCH_BASE_NAME:-$(git -C "$BASE_BUILD" describe --always --dirty 2>/dev/null || echo unknown)}
	VERS="after before"
fi
KT_BUILD_ORIG=$KT_BUILD
KT_BUILD=$KT/bin
CLK_TCK=$(getconf CLK_TCK)
# another free port for OpenDKIM's inet socket
DKIM_PORT=$((KT_MILTER_PORT + 1))
for _ in $(seq 1 50); do port_bindable "$DKIM_PORT" && break; DKIM_PORT=$((DKIM_PORT + 1)); done

kt_pki >"$KT/pki.log" 2>&1
# revocation from the CRL file (the test certificates name an http CRL
# distribution point that nothing serves here): no network look-up, but the
# CRL is consulted for every verified message
kt_config "MaximumMessageSize 256m" "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem"
# one configuration per role and binary, each on its own unix socket, so
# that all the daemons of a section can run side by side
for v in $VERS; do
	sed "s|^Socket .*|Socket unix:$KT/run/sign-$v.sock|" "$KT_CONF" >"$KT/sign-$v.conf"
	sed -e "s|^Socket .*|Socket unix:$KT/run/verify-$v.sock|" -e 's|^InternalHosts .*|InternalHosts none|' \
		"$KT_CONF" >"$KT/verify-$v.conf"
	"$KT/bin/kyso-$v" -c "$KT/sign-$v.conf" -n >"$KT/n-$v.log" 2>&1 || {
		cat "$KT/n-$v.log" >&2
		die "kyso-milter ($v) rejects the benchmark configuration"
	}
done
sed "s|^Socket .*|Socket inet:$KT_MILTER_PORT@127.0.0.1|" "$KT_CONF" >"$KT/sign-inet.conf"
sed 's|^InternalHosts .*|InternalHosts none|' "$KT/sign-inet.conf" >"$KT/verify-inet.conf"

# the messages: Vietnamese UTF-8 text, 8bit, LF line ends (smtp-source and
# nomta.py send CRLF); 100k: the text and a base64 attachment (PDF-like
# pseudo-random bytes, the same every run)
bench_msg() { # KIB OUT
	perl -e '
	my ($from, $to, $kib) = @ARGV;
	binmode STDOUT;
	my $size = $kib * 1024;
	my $h = "From: =?UTF-8?Q?V=C4=83n_th=C6=B0_S=E1=BB=9F_TT&TT?= <$from>\n"
		. "To: <$to>\nSubject: =?UTF-8?Q?C=C3=B4ng_v=C4=83n_s=E1=BB=91_123?=\n"
		. "Date: Mon, 1 Jun 2026 08:00:00 +0700\nMessage-ID: <bench.${kib}k\@sotttt.hagiang.gov.vn>\n"
		. "MIME-Version: 1.0\n";
	my @l = ("Kính gửi: Các cơ quan, đơn vị trên địa bàn tỉnh Hà Giang.",
		"Sở Thông tin và Truyền thông đề nghị các đơn vị triển khai chữ ký số.",
		"Trân trọng cảm ơn - Nguyễn Văn An, Phòng Công nghệ thông tin.");
	my $i = 0;
	if ($kib <= 8) {
		$h .= "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
		my $b = "";
		$b .= $l[$i++ % 3] . "\n" while length($h) + length($b) + 80 < $size;
		print $h, $b;
		exit 0;
	}
	$h .= "Content-Type: multipart/mixed; boundary=\"=_bench\"\n\n";
	my $t = "--=_bench\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
	$t .= $l[$i++ % 3] . "\n" while length($t) < 2048;
	$t .= "--=_bench\nContent-Type: application/pdf; name=\"congvan.pdf\"\n"
		. "Content-Disposition: attachment; filename=\"congvan.pdf\"\nContent-Transfer-Encoding: base64\n\n";
	my $end = "--=_bench--\n";
	my $room = $size - length($h) - length($t) - length($end);
	my $raw = int($room / 78) * 57;
	srand(15);
	my $bytes = "%PDF-1.4\n" . join("", map { chr(int(rand(256))) } 1 .. $raw - 9);
	use MIME::Base64;
	print $h, $t, encode_base64($bytes), $end;' "$FROM" "$RCPT" "$1" >"$2"
}
for z in $MSG_SIZES; do
	bench_msg "${z%k}" "$KT/msg-$z.eml"
	# the same message as kyso-milter signs it, for the verifying runs
	"$KT/bin/kyso-after" -c "$KT/sign-after.conf" -t "$KT/msg-$z.eml" -e "$FROM" -i 127.0.0.1 \
		>"$KT/signed-$z.eml" 2>"$KT/t.log" ||
		{ cat "$KT/t.log" >&2; die "kyso-milter -t could not sign the $z message"; }
	[ "$(kt_ctype "$KT/signed-$z.eml")" = multipart/signed ] || die "kyso-milter -t did not sign the $z message"
done
bytes_of() { stat -c %s "$1"; }

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
POSTFIX_VERSION=$(postconf -c "$KT/etc" -h mail_version 2>/dev/null)

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

# bench_milter VER CONF [WRAPPER...]: start kyso-milter VER (after|before)
# in the foreground in the background, optionally under a wrapper command
# (taskset, valgrind); waits for its socket; sets MPID
bench_milter() {
	local v=$1 conf=$2 sock i
	shift 2
	sock=$(sed -n 's/^Socket[ \t]\{1,\}//p' "$conf" | tail -n 1)
	case $sock in unix:*) rm -f "${sock#unix:}" ;; esac
	(umask 001 && exec "$@" "$KT/bin/kyso-$v" -f -c "$conf") >>"$KT/milter-$v.log" 2>&1 &
	MPID=$!
	BENCH_PIDS="$BENCH_PIDS $MPID"
	for i in $(seq 1 600); do
		case $sock in
		unix:*)
			if [ -S "${sock#unix:}" ]; then
				# Postfix's smtpd and cleanup run as postfix
				chgrp postfix "${sock#unix:}" && chmod g+rw "${sock#unix:}"
				return 0
			fi
			;;
		inet:*) port_listening "$(echo "${sock#inet:}" | cut -d@ -f1)" && return 0 ;;
		esac
		kill -0 "$MPID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 5 "$KT/milter-$v.log" >&2
	die "kyso-milter ($v) did not start with $conf"
}
bench_stop() { # PID
	bench_kill "$1"
	BENCH_PIDS=$(echo " $BENCH_PIDS " | sed "s/ $1 / /")
}

bench_dkim_start() { # unix|inet [WRAPPER...]: sets DPID
	local s=$1 i
	shift
	rm -f "$KT/run/opendkim.sock"
	"$@" opendkim -f -x "$KT/dkim/$s.conf" >>"$KT/opendkim.log" 2>&1 &
	DPID=$!
	BENCH_PIDS="$BENCH_PIDS $DPID"
	for i in $(seq 1 600); do
		case $s in
		unix) [ -S "$KT/run/opendkim.sock" ] && return 0 ;;
		inet) port_listening "$DKIM_PORT" && return 0 ;;
		esac
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 5 "$KT/opendkim.log" >&2
	die "opendkim did not start"
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

# bench_once SESSIONS PID MSGFILE PATTERN: one run of NRUN messages; PID is
# the milter's (0: none). DRIVER=smtp: smtp-source through Postfix, PATTERN
# what every delivered message must contain; DRIVER=nomta: nomta.py
# straight to the socket NOMTA_SOCK, PATTERN sign|verify (nomta.py checks
# every reply). Sets RATE (msg/s), CPUMS (milter CPU ms/msg), SECS, STATUS.
DRIVER=smtp
bench_once() {
	local s=$1 pid=$2 msg=$3 pat=$4 c0=0 c1=0 t0 t1 rc got
	find "$KT/sink8" -type f -delete
	[ "$pid" != 0 ] && c0=$(bench_cpu "$pid")
	t0=$(date +%s%N)
	if [ "$DRIVER" = nomta ]; then
		timeout "$RUN_TIMEOUT" python3 "$BENCH_HERE/nomta.py" --sock "$NOMTA_SOCK" --msg "$msg" \
			--count "$NRUN" --sessions "$s" --ip 127.0.0.1 --from "$FROM" --rcpt "$RCPT" --want "$pat" \
			>"$KT/source.log" 2>&1
	else
		timeout "$RUN_TIMEOUT" smtp-source $SRC_REUSE -s "$s" -m "$NRUN" -F "$msg" -f "$FROM" -t "$RCPT" \
			-M client.test "127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1
	fi
	rc=$?
	t1=$(date +%s%N)
	[ "$pid" != 0 ] && c1=$(bench_cpu "$pid")
	SECS=$(((t1 - t0) / 1000000000))
	RATE=$(awk -v n="$NRUN" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
	CPUMS=-
	[ "$pid" != 0 ] && CPUMS=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$NRUN" \
		'BEGIN { printf "%.3f", d / hz / n * 1000 }')
	STATUS=ok
	if [ $rc != 0 ]; then
		STATUS="$DRIVER driver exit $rc: $(tail -n 1 "$KT/source.log")"
	elif [ "$DRIVER" = nomta ]; then
		:
	elif ! bench_wait_sink "$NRUN" 120 2>"$KT/wait.log"; then
		STATUS=$(cat "$KT/wait.log")
	elif [ -n "$pat" ]; then
		got=$(grep -l -i -e "$pat" -r "$KT/sink8" | wc -l)
		[ "$got" = "$NRUN" ] || STATUS="only $got of $NRUN messages have '$pat'"
	fi
}
NRUN=$N

# sec_begin NAME / sec_end: how long each section took, for the results
: >"$KT/sections"
sec_begin() {
	SEC_NAME=$1
	SEC_T0=$(date +%s)
}
sec_end() {
	echo "$SEC_NAME $(($(date +%s) - SEC_T0)) s" >>"$KT/sections"
	echo "# section $SEC_NAME took $(($(date +%s) - SEC_T0)) s"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# bench_tput LABEL VER SOCK SIZE SESSIONS PID MSGFILE PATTERN: REPEAT runs
# (one only when a run takes over 30 s: a stall, not noise); appends the
# medians "LABEL|VER|SOCK|SIZE|SESSIONS|RATE|CPUMS|STATUS|RUNS" to $KT/rows
# and every run to $KT/runs.
bench_tput() {
	local label=$1 v=$2 sock=$3 z=$4 s=$5 pid=$6 msg=$7 pat=$8 i rates='' cpus='' status=ok nrun=0
	for i in $(seq 1 "$REPEAT"); do
		bench_once "$s" "$pid" "$msg" "$pat"
		nrun=$i
		echo "$label|$v|$sock|$z|$s|$RATE|$CPUMS|$STATUS" >>"$KT/runs"
		printf '# %-22s %-6s %-5s %-4s %2d session(s), run %d: %8s msg/s  milter CPU %6s ms/msg  %s\n' \
			"$label" "$v" "$sock" "$z" "$s" "$i" "$RATE" "$CPUMS" "$STATUS"
		if [ "$STATUS" != ok ]; then
			status=$STATUS
			break
		fi
		rates="$rates $RATE"
		cpus="$cpus $CPUMS"
		[ "$SECS" -gt 30 ] && break
	done
	echo "$label|$v|$sock|$z|$s|$(echo $rates | tr ' ' '\n' | median)|$(echo $cpus | tr ' ' '\n' | median)|$status|$nrun" >>"$KT/rows"
}

: >"$KT/rows"
: >"$KT/runs"
echo "# kyso-milter benchmark: sections: $SECTIONS; $N messages per run; binaries: $VERS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# load before: $LOAD_BEFORE"
T_START=$(date +%s)

# the unit of the ratios, measured in this run: one raw RSA-2048 (and
# ECDSA P-256) signature, OpenSSL's own loop (openssl speed, 2 s each)
read -r RSA_SIGNS EC_SIGNS < <(timeout 60 openssl speed -seconds 2 -mr rsa2048 ecdsap256 2>/dev/null |
	awk -F: '/^\+F2:/ { r = $4 } /^\+F4:/ { e = $4 } END { printf "%s %s\n", r ? r : 0, e ? e : 0 }')
RSA_MS=$(awk -v s="$RSA_SIGNS" 'BEGIN { if (s > 0) printf "%.3f", 1000 / s; else print "n/a" }')
EC_MS=$(awk -v s="$EC_SIGNS" 'BEGIN { if (s > 0) printf "%.3f", 1000 / s; else print "n/a" }')
echo "# one RSA-2048 signature: $RSA_MS ms ($RSA_SIGNS/s); ECDSA P-256: $EC_MS ms ($EC_SIGNS/s)"

TOKEN_N=${BENCH_TOKEN_N:-50}
TOKEN_DELAY=${BENCH_TOKEN_DELAY_MS:-100}
case $TOKEN_N in '' | *[!0-9]*) die "BENCH_TOKEN_N must be a number" ;; esac
case $TOKEN_DELAY in '' | *[!0-9]*) die "BENCH_TOKEN_DELAY_MS must be a number" ;; esac

# ---- slow tokens: agencies sharing one token vs one token each -------------
# bench_token AGENCIES shared|own: every agency's smtp-source in parallel;
# appends "AGENCIES|MODE|RATE|STATUS" to $KT/tokrows
bench_token() {
	local a=$1 mode=$2 i t0 t1 pids='' rc=0 total got status=ok
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
		"$KT/sign-after.conf" >"$KT/tok.conf"
	kt_milter_start "$KT/tok.conf"
	find "$KT/sink8" -type f -delete
	t0=$(date +%s%N)
	for i in $(seq 1 "$a"); do
		sed "s/^From: \(.*\)<$FROM>/From: \1<vanthu$i@sotttt.hagiang.gov.vn>/" "$KT/msg-4k.eml" >"$KT/tok-msg$i.eml"
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
if ! want token; then
	:
elif [ -f "$TOKEN_SO" ] && command -v softhsm2-util >/dev/null; then
	kt_milter_bin() { echo "$KT/bin/kyso-after"; }
	for t in S T1 T2 T3 T4; do
		bash "$BENCH_HERE/../tests/pki/make-token.sh" "$KT/tok" \
			"$KT_PKI/sotttt-agency.key" sotttt 1234 "$t" >"$KT/tok-module" 2>>"$KT/tok.log" ||
			die "make-token.sh failed: $(cat "$KT/tok.log")"
	done
	KT_P11_MODULE=$(cat "$KT/tok-module")
	export SOFTHSM2_CONF=$KT/tok/softhsm2.conf KT_P11_MODULE
	export KT_P11_DELAY_MS=$TOKEN_DELAY
	bench_postfix_milter "unix:$KT/run/sign-after.sock"
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
	# only the token section: it replaces its section of the existing results
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


# ---- behind Postfix: throughput and milter CPU, 4 KiB and 100 KiB ---------
# All the daemons run side by side (idle ones cost nothing); per message size
# Postfix is pointed at each in turn and runs every session count, the
# binaries interleaved, so that a drift of the machine's load hits both.
if want tput; then
	sec_begin tput
	for v in $VERS; do
		bench_milter "$v" "$KT/sign-$v.conf"
		eval "SIGN_PID_$v=$MPID"
		bench_milter "$v" "$KT/verify-$v.conf"
		eval "VERIFY_PID_$v=$MPID"
	done
	DPID=0
	[ $HAVE_DKIM = 1 ] && bench_dkim_start unix
	for z in $MSG_SIZES; do
		bench_postfix_milter none
		for s in $SESSIONS; do bench_tput "no milter" - - "$z" "$s" 0 "$KT/msg-$z.eml" ""; done
		for v in $VERS; do
			bench_postfix_milter "unix:$KT/run/sign-$v.sock"
			for s in $SESSIONS; do
				bench_tput "kyso sign" "$v" unix "$z" "$s" "$(eval echo "\$SIGN_PID_$v")" "$KT/msg-$z.eml" \
					'^Content-Type: multipart/signed'
			done
			bench_postfix_milter "unix:$KT/run/verify-$v.sock"
			for s in $SESSIONS; do
				bench_tput "kyso verify" "$v" unix "$z" "$s" "$(eval echo "\$VERIFY_PID_$v")" \
					"$KT/signed-$z.eml" 'smime=pass'
			done
		done
		if [ $HAVE_DKIM = 1 ]; then
			bench_postfix_milter "unix:$KT/run/opendkim.sock"
			for s in $SESSIONS; do
				bench_tput "OpenDKIM" - unix "$z" "$s" "$DPID" "$KT/msg-$z.eml" '^DKIM-Signature:'
			done
		fi
	done
	for v in $VERS; do
		bench_stop "$(eval echo "\$SIGN_PID_$v")"
		bench_stop "$(eval echo "\$VERIFY_PID_$v")"
	done
	[ "$DPID" != 0 ] && bench_stop "$DPID"
	sec_end
fi

# ---- no MTA: bench/nomta.py straight to the daemon's socket ------------------
if want nomta; then
	sec_begin nomta
	DRIVER=nomta
	for v in $VERS; do
		for k in sign verify; do
			bench_milter "$v" "$KT/$k-$v.conf"
			NOMTA_SOCK="unix:$KT/run/$k-$v.sock"
			for z in $MSG_SIZES; do
				msg=$KT/msg-$z.eml
				[ $k = verify ] && msg=$KT/signed-$z.eml
				bench_tput "kyso $k, no MTA" "$v" unix "$z" 1 "$MPID" "$msg" "$k"
			done
			bench_stop "$MPID"
		done
	done
	DRIVER=smtp
	sec_end
fi

# ---- cores: the daemon on one CPU vs all of them ----------------------------
if want cores; then
	sec_begin cores
	for v in $VERS; do
		for k in sign verify; do
			msg=$KT/msg-4k.eml pat='^Content-Type: multipart/signed'
			[ $k = verify ] && msg=$KT/signed-4k.eml pat='smime=pass'
			for c in 1 all; do
				if [ $c = 1 ]; then
					bench_milter "$v" "$KT/$k-$v.conf" taskset -c 0
				else
					bench_milter "$v" "$KT/$k-$v.conf"
				fi
				bench_postfix_milter "unix:$KT/run/$k-$v.sock"
				bench_tput "kyso $k, cores $c" "$v" unix 4k 32 "$MPID" "$msg" "$pat"
				bench_stop "$MPID"
			done
		done
	done
	sec_end
fi

# ---- TCP: the inet socket stall, one session -------------------------------
if want tcp; then
	sec_begin tcp
	NRUN=$((N < 200 ? N : 200))
	for v in $VERS; do
		for k in sign verify; do
			msg=$KT/msg-4k.eml pat='^Content-Type: multipart/signed'
			[ $k = verify ] && msg=$KT/signed-4k.eml pat='smime=pass'
			bench_milter "$v" "$KT/$k-inet.conf"
			bench_postfix_milter "inet:127.0.0.1:$KT_MILTER_PORT"
			bench_tput "kyso $k" "$v" inet 4k 1 "$MPID" "$msg" "$pat"
			bench_stop "$MPID"
		done
	done
	# Control: the same kyso binary on inet with its TCP_NODELAY disabled by
	# an LD_PRELOAD shim (setsockopt(TCP_NODELAY) becomes a no-op): shows
	# that the option, set on the listener and inherited by the accepted
	# connections, is what keeps kyso from stalling.
	if command -v cc >/dev/null; then
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
			bench_milter after "$KT/sign-inet.conf" env LD_PRELOAD="$KT/nonodelay.so"
			bench_postfix_milter "inet:127.0.0.1:$KT_MILTER_PORT"
			bench_tput "kyso sign, TCP_NODELAY off (control)" after inet 4k 1 "$MPID" "$KT/msg-4k.eml" \
				'^Content-Type: multipart/signed'
			bench_stop "$MPID"
		fi
	fi
	if [ $HAVE_DKIM = 1 ]; then
		bench_dkim_start inet
		bench_postfix_milter "inet:127.0.0.1:$DKIM_PORT"
		bench_tput "OpenDKIM" - inet 4k 1 "$DPID" "$KT/msg-4k.eml" '^DKIM-Signature:'
		bench_stop "$DPID"
	fi
	NRUN=$N
	sec_end
fi

# ---- peak RSS signing and verifying large messages --------------------------
: >"$KT/rss"
if want rss; then
	sec_begin rss
	for mb in $SIZES; do
		big="$KT/big$mb.eml"
		perl "$KT_TOOLS/make-msg.pl" big "$FROM" "$RCPT" "$big" "$mb"
		"$KT/bin/kyso-after" -c "$KT/sign-after.conf" -t "$big" -e "$FROM" -i 127.0.0.1 >"$big.signed" 2>"$KT/t.log" ||
			{ cat "$KT/t.log" >&2; die "kyso-milter -t could not sign the $mb MB message"; }
		bytes=$(bytes_of "$big.signed")
		postconf -c "$KT/etc" -e "message_size_limit = $((bytes + bytes / 10 + 1048576))"
		for v in $VERS; do
			for k in sign verify; do
				msg=$big pat='^Content-Type: multipart/signed'
				[ $k = verify ] && msg=$big.signed pat='smime=pass'
				bench_milter "$v" "$KT/$k-$v.conf"
				bench_postfix_milter "unix:$KT/run/$k-$v.sock"
				hwm0=$(bench_hwm "$MPID")
				c0=$(bench_cpu "$MPID")
				find "$KT/sink8" -type f -delete
				t0=$(date +%s%N)
				status=ok
				if ! timeout "$RUN_TIMEOUT" smtp-source -m 1 -F "$msg" -f "$FROM" -t "$RCPT" -M client.test \
					"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1; then
					status="smtp-source failed: $(tail -n 1 "$KT/source.log")"
				fi
				t1=$(date +%s%N)
				c1=$(bench_cpu "$MPID")
				hwm1=$(bench_hwm "$MPID")
				if [ "$status" = ok ]; then
					if ! bench_wait_sink 1 300 2>"$KT/wait.log"; then
						status=$(cat "$KT/wait.log")
					elif ! grep -q -i -e "$pat" -r "$KT/sink8"; then
						status="not $k""ed ('$pat' missing)"
					fi
				fi
				secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
				cpus=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", d / hz }')
				echo "$k|$v|$mb|$(bytes_of "$msg")|$hwm0|$hwm1|$secs|$cpus|$status" >>"$KT/rss"
				printf '# %-6s %-6s %3d MB attachment (%d bytes): VmHWM %s kB -> %s kB, %s s, milter CPU %s s  %s\n' \
					"$k" "$v" "$mb" "$(bytes_of "$msg")" "$hwm0" "$hwm1" "$secs" "$cpus" "$status"
				bench_stop "$MPID"
				find "$KT/sink8" -type f -delete
			done
		done
		rm -f "$big" "$big.signed"
	done
	postconf -c "$KT/etc" -e "message_size_limit = 80000000"
	sec_end
fi

# ---- profile: callgrind -------------------------------------------------------
# Instruction counts do not depend on the other load of the machine.
: >"$KT/cg"
: >"$KT/cgd"
if want profile; then
	sec_begin profile
	# bench_cg LABEL VER ARGS...: total instructions (Ir) of one offline run
	bench_cg() {
		local label=$1 v=$2 out ir
		out="$KT/callgrind.$v.$(echo "$1" | tr -c 'a-z0-9\n' _)"
		shift 2
		if timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
			"$KT/bin/kyso-$v" "$@" >/dev/null 2>"$out.log"; then
			ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -n 1)
		else
			ir=failed
		fi
		echo "$label|$v|$ir" >>"$KT/cg"
		printf '# callgrind %-6s %-40s %s Ir\n' "$v" "$label" "$ir"
	}
	# the null runs: -t on a tiny unsigned message from a sender no table
	# maps (nothing to sign, nothing to verify): start-up and configuration
	# load as -t does them (-n checks more: it costs ~10 % more than these)
	printf 'From: <someone@example.org>\nSubject: null\n\nnull\n' >"$KT/null.eml"
	for v in $VERS; do
		bench_cg "configuration check only (-n)" "$v" -c "$KT/sign-$v.conf" -n
		for k in sign verify; do
			bench_cg "null run, $k configuration (-t, tiny unsigned message)" "$v" -c "$KT/$k-$v.conf" \
				-t "$KT/null.eml" -e someone@example.org -i 127.0.0.1
		done
		for z in $MSG_SIZES; do
			bench_cg "sign $z (-t, internal client)" "$v" -c "$KT/sign-$v.conf" -t "$KT/msg-$z.eml" -e "$FROM" -i 127.0.0.1
			bench_cg "verify $z (-t, external client)" "$v" -c "$KT/verify-$v.conf" -t "$KT/signed-$z.eml" -e "$FROM" -i 127.0.0.1
		done
	done
	# bench_cgd LABEL VER PID OUTFILE MSGFILE PATTERN: Ir per message of a
	# warm daemon; keeps the dump as $KT/cgd.VER.LABEL for the top-10 tables
	bench_cgd() {
		local label=$1 v=$2 pid=$3 out=$4 msg=$5 pat=$6 ir=failed dump got
		find "$KT/sink8" -type f -delete
		if timeout 300 smtp-source -d -m 10 -F "$msg" -f "$FROM" -t "$RCPT" -M client.test \
			"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1 &&
			timeout 60 callgrind_control -z "$pid" >"$KT/cgctl.log" 2>&1 &&
			timeout 900 smtp-source -d -m "$CG_N" -F "$msg" -f "$FROM" -t "$RCPT" -M client.test \
				"127.0.0.1:$KT_SMTP_PORT" >"$KT/source.log" 2>&1 &&
			timeout 60 callgrind_control -d "$pid" >>"$KT/cgctl.log" 2>&1; then
			dump=$(ls -t "$out".* 2>/dev/null | head -n 1)
			[ -n "$dump" ] && ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$dump" | head -n 1)
			if [ -n "$ir" ] && [ "$ir" != failed ]; then
				ir=$((ir / CG_N))
				cp "$dump" "$KT/cgd.$v.$(echo "$label" | tr -c 'a-zA-Z0-9\n' _)"
			else
				ir=failed
			fi
		fi
		bench_wait_sink $((CG_N + 10)) 120 2>/dev/null
		got=$(grep -l -i -e "$pat" -r "$KT/sink8" | wc -l)
		[ "$got" = $((CG_N + 10)) ] || ir="failed ($got of $((CG_N + 10)) messages with '$pat')"
		echo "$label|$v|$ir" >>"$KT/cgd"
		printf '# callgrind daemon %-6s %-18s %s Ir per message\n' "$v" "$label" "$ir"
	}
	for v in $VERS; do
		for k in sign verify; do
			out="$KT/cgd-kyso-$k-$v.out"
			bench_milter "$v" "$KT/$k-$v.conf" valgrind --tool=callgrind --callgrind-out-file="$out"
			bench_postfix_milter "unix:$KT/run/$k-$v.sock"
			for z in $MSG_SIZES; do
				if [ $k = sign ]; then
					bench_cgd "kyso sign $z" "$v" "$MPID" "$out" "$KT/msg-$z.eml" '^Content-Type: multipart/signed'
				else
					bench_cgd "kyso verify $z" "$v" "$MPID" "$out" "$KT/signed-$z.eml" 'smime=pass'
				fi
			done
			bench_stop "$MPID"
		done
	done
	if [ $HAVE_DKIM = 1 ]; then
		bench_dkim_start unix valgrind --tool=callgrind --callgrind-out-file="$KT/cgd-dkim.out"
		bench_postfix_milter "unix:$KT/run/opendkim.sock"
		for z in $MSG_SIZES; do
			bench_cgd "OpenDKIM sign $z" - "$DPID" "$KT/cgd-dkim.out" "$KT/msg-$z.eml" '^DKIM-Signature:'
		done
		bench_stop "$DPID"
	fi
	sec_end
fi

# ---- the tables ---------------------------------------------------------------
T_END=$(date +%s)
row() { # LABEL VER SOCK SIZE SESSIONS FIELD(6=rate,7=cpu,8=status)
	awk -F'|' -v l="$1" -v v="$2" -v s="$3" -v z="$4" -v n="$5" -v f="$6" \
		'$1 == l && $2 == v && $3 == s && $4 == z && $5 == n { print $f }' "$KT/rows"
}
cell() { # as row, FIELD 6 or 7: the value, "FAIL" when the run failed, "n/a" when not run
	local st
	st=$(row "$1" "$2" "$3" "$4" "$5" 8)
	if [ -z "$st" ]; then echo "n/a"; elif [ "$st" != ok ]; then echo "FAIL"; else row "$@"; fi
}
# pooled LABEL VER SOCK SIZE: mean milter CPU per message over the session counts
pooled() {
	awk -F'|' -v l="$1" -v v="$2" -v s="$3" -v z="$4" '$1 == l && $2 == v && $3 == s && $4 == z && $8 == "ok" { t += $7; n++ }
		END { if (n) printf "%.3f", t / n; else print "n/a" }' "$KT/rows"
}
div() { # A B: A/B with 2 decimals, n/a unless both are positive numbers
	awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}
verdict() { # VALUE GOAL max|min
	awk -v v="$1" -v g="$2" -v h="$3" 'BEGIN {
		if (v == "n/a") { print "not measured"; exit }
		ok = (h == "min") ? (v + 0 >= g + 0) : (v + 0 <= g + 0)
		if (ok) print "met"; else if (h == "min") printf "missed by %.0f %%\n", (g - v) * 100 / g
		else printf "missed by %.0f %%\n", (v - g) * 100 / g }'
}
rss_of() { # KIND VER MB: VmHWM after, kB
	awk -F'|' -v k="$1" -v v="$2" -v m="$3" '$1 == k && $2 == v && $3 == m && $9 == "ok" { print $6 }' "$KT/rss"
}
LAST_S=$(echo "$SESSIONS" | tr ' ' '\n' | sort -n | tail -n 1)
BIG_MB=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)
# goals VER: "figure|value|goal|max or min" lines, the goals of issue 15
goals() {
	local v=$1 z s h
	echo "kyso sign 4 KiB, milter CPU in RSA-2048 signatures, no MTA|$(div "$(cell "kyso sign, no MTA" "$v" unix 4k 1 7)" "$RSA_MS")|1.3|max"
	echo "kyso sign 4 KiB, milter CPU in RSA-2048 signatures, behind Postfix|$(div "$(pooled "kyso sign" "$v" unix 4k)" "$RSA_MS")|1.6|max"
	echo "kyso sign 100 KiB, milter CPU in RSA-2048 signatures, behind Postfix|$(div "$(pooled "kyso sign" "$v" unix 100k)" "$RSA_MS")|2|max"
	echo "kyso sign 100 KiB, milter CPU in RSA-2048 signatures, no MTA|$(div "$(cell "kyso sign, no MTA" "$v" unix 100k 1 7)" "$RSA_MS")|2|max"
	echo "kyso verify 4 KiB, milter CPU in RSA-2048 signatures, no MTA|$(div "$(cell "kyso verify, no MTA" "$v" unix 4k 1 7)" "$RSA_MS")|0.6|max"
	echo "kyso verify 4 KiB, milter CPU in RSA-2048 signatures, behind Postfix|$(div "$(pooled "kyso verify" "$v" unix 4k)" "$RSA_MS")|0.6|max"
	for z in $MSG_SIZES; do
		for s in $SESSIONS; do
			echo "msg/s kyso sign / OpenDKIM, $z, $s session(s)|$(div "$(cell "kyso sign" "$v" unix "$z" "$s" 6)" "$(cell OpenDKIM - unix "$z" "$s" 6)")|1.0|min"
		done
	done
	echo "msg/s kyso sign / no milter, 4k, $LAST_S sessions|$(div "$(cell "kyso sign" "$v" unix 4k "$LAST_S" 6)" "$(cell "no milter" - - 4k "$LAST_S" 6)")|0.8|min"
	h=$(rss_of verify "$v" "$BIG_MB")
	echo "peak RSS verifying a $BIG_MB MB signed message, MB|$([ -n "$h" ] && awk -v h="$h" 'BEGIN { printf "%.1f", h / 1024 }' || echo n/a)|16|max"
}
# top10 DUMP inclusive|self: the ten costliest functions, Ir per message.
# callgrind_annotate lists a function once per source file it was inlined
# from: the entries of one name are merged (self: summed; inclusive: the
# largest). Library functions show as addresses unless the library's debug
# symbols are installed (e.g. libssl3-dbgsym from Debian's debug archive).
# A thread's entry frames (clone, start_thread) can carry the whole dump as
# "self" in a dump taken from a running daemon: entries of 99 % and more
# are left out of the self table; of the inclusive one, the entries of
# 99.9 % and more (the thread's entry frames, libmilter's loop) and those
# over 100 % (recursion cycles).
top10() {
	[ -f "$1" ] || return 0
	local inc=no
	[ "$2" = inclusive ] && inc=yes
	echo "| $2 Ir per message | % of the message | function |"
	echo "|--:|--:|---|"
	callgrind_annotate --inclusive=$inc --threshold=100 "$1" 2>/dev/null | awk -v n="$CG_N" -v inc=$inc '
		/PROGRAM TOTALS/ { t = $1; gsub(/,/, "", t); t += 0 }
		/file:function/ { go = 1; getline; next }
		go && NF == 0 { exit } # the listing ends; source annotation follows
		go {
			ir = $1; gsub(/,/, "", ir); ir += 0
			f = $0; sub(/^ *[0-9,]+ +(\([ 0-9.]+%\) +)?/, "", f)
			lib = ""
			if (match(f, / \[[^]]*\]$/)) { lib = substr(f, RSTART + 2, RLENGTH - 3); f = substr(f, 1, RSTART - 1); sub(/.*\//, "", lib) }
			sub(/^.*:/, "", f); sub(/\047[0-9]+$/, "", f)
			if (lib != "") where[f] = lib
			if (inc == "yes") { if (ir > c[f]) c[f] = ir } else c[f] += ir }
		END { for (f in c) {
				if (inc == "no" && c[f] >= 0.99 * t) continue
				if (inc == "yes" && (c[f] > t || c[f] >= 0.999 * t)) continue # cycles; thread entry frames
				printf "%d|%.2f|%s|%s\n", c[f] / n, (t > 0 ? 100 * c[f] / t : 0), f, where[f] } }' |
		sort -t'|' -k1,1 -n -r | head -n 10 |
		awk -F'|' '{ printf "| %d | %s %% | `%s`%s |\n", $1, $2, $3, ($4 != "" ? " (" $4 ")" : "") }'
	echo
}
# by_object DUMP: self instructions per shared object (kyso-milter, libcrypto,
# GMime, GLib, libc, libmilter ...), from the callgrind file itself: cost
# lines count for the object of their function; the line after a calls= line
# is the call's inclusive cost and is skipped
by_object() {
	[ -f "$1" ] || return 0
	echo "| self Ir per message | % of the message | object |"
	echo "|--:|--:|---|"
	awk -v n="$CG_N" '
		/^c?ob=/ { # names are compressed: "(id) name" once, then "(id)", shared by ob= and cob=
			o = $0; sub(/^c?ob=/, "", o)
			if (match(o, /^\([0-9]+\)/)) { id = substr(o, 1, RLENGTH); rest = substr(o, RLENGTH + 2); if (rest != "") name[id] = rest; o = name[id] }
			if ($0 ~ /^ob=/) ob = o
			next }
		/^fn=/ { cur = ob; next }
		/^calls=/ { skip = 1; next }
		/^([0-9]|\+|-|\*)/ { if (skip) { skip = 0; next } c[cur] += $2; t += $2; next }
		END { for (o in c) { b = o; sub(/.*\//, "", b); printf "%d|%.2f|%s\n", c[o] / n, (t > 0 ? 100 * c[o] / t : 0), b } }' "$1" |
		sort -t'|' -k1,1 -n -r | head -n 10 | awk -F'|' '{ printf "| %d | %s %% | %s |\n", $1, $2, $3 }'
	echo
}
size_text() { case $1 in 4k) echo "4 KiB" ;; 100k) echo "100 KiB" ;; *) echo "$1" ;; esac; }

{
	echo "# kyso-milter benchmark results"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` on $(nproc) cores" \
		"($(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo | head -n 1)), Debian $(cat /etc/debian_version 2>/dev/null)," \
		"$(openssl version | cut -d' ' -f1-2), Postfix $POSTFIX_VERSION, ${DKIM_VERSION:-no OpenDKIM}," \
		"$KYSO_VERSION (commit $KYSO_COMMIT${BASE_BUILD:+; before: commit $BASE_COMMIT})." \
		"Load average before the run: $LOAD_BEFORE; the run took $(((T_END - T_START) / 60)) min" \
		"(sections: $(paste -s -d, "$KT/sections" | sed 's/,/, /g'))."
	echo
	echo "Messages: $(size_text 4k) ($(bytes_of "$KT/msg-4k.eml") bytes, Vietnamese UTF-8 text/plain, 8bit;" \
		"signed by kyso: $(bytes_of "$KT/signed-4k.eml") bytes) and $(size_text 100k) ($(bytes_of "$KT/msg-100k.eml")" \
		"bytes, the text and a base64 attachment; signed: $(bytes_of "$KT/signed-100k.eml") bytes)." \
		"Behind Postfix: \`smtp-source\` → private Postfix smtpd on 127.0.0.1 (milter on a unix socket) →" \
		"\`smtp-sink\`, $N messages per run over $(echo "$SESSIONS" | sed 's/ /, /g') parallel SMTP sessions ($CONN_TEXT)." \
		"No MTA: \`bench/nomta.py\` speaks the MTA side of the milter protocol as Postfix does, one connection" \
		"carrying the messages, straight to the daemon's socket (the same daemon; Postfix's own work gone)." \
		"Every message was checked (signed, DKIM-Signature, or smime=pass). msg/s = messages / wall time;" \
		"CPU = milter utime+stime (/proc/PID/stat, all threads) / messages; each the median of $REPEAT runs" \
		"(one run when a run took over 30 s; every run is listed at the end)."
	echo
	echo "## The unit: one signature, measured in this run"
	echo
	echo "\`openssl speed\` (2 s each): RSA-2048 $RSA_SIGNS sign/s = **$RSA_MS ms** per signature;" \
		"ECDSA P-256 $EC_SIGNS sign/s = $EC_MS ms per signature."
	echo
	echo "## Goals of issue 15"
	echo
	goals after >"$KT/goals.after"
	if [ -n "$BASE_BUILD" ]; then
		goals before >"$KT/goals.before"
		echo "| figure | after | before | goal | after: |"
		echo "|---|--:|--:|--:|---|"
	else
		echo "| figure | measured | goal | |"
		echo "|---|--:|--:|---|"
	fi
	while IFS='|' read -r fig val goal how; do
		b=
		[ -n "$BASE_BUILD" ] && b="$(awk -F'|' -v f="$fig" '$1 == f { print $2 }' "$KT/goals.before") | "
		echo "| $fig | $val | $b$([ "$how" = min ] && echo ">=" || echo "<=") $goal | $(verdict "$val" "$goal" "$how") |"
	done <"$KT/goals.after"
	echo
	if grep -q -v -e '|-|-|' -e ', no MTA|' -e ', cores ' -e '|inet|' "$KT/rows"; then
		for z in $MSG_SIZES; do
			echo "## Behind Postfix, $(size_text "$z"): msg/s and milter CPU ms per message"
			echo
			printf '| milter |'
			for s in $SESSIONS; do printf ' msg/s, %s |' "$s"; done
			for s in $SESSIONS; do printf ' CPU ms, %s |' "$s"; done
			echo
			printf '|---|'
			for s in $SESSIONS $SESSIONS; do printf -- '--:|'; done
			echo
			for l in "no milter|-|-" "kyso sign|after|unix" "kyso sign|before|unix" "kyso verify|after|unix" \
				"kyso verify|before|unix" "OpenDKIM|-|unix"; do
				IFS='|' read -r ll vv ss <<<"$l"
				[ -n "$(row "$ll" "$vv" "$ss" "$z" "$(echo $SESSIONS | cut -d' ' -f1)" 8)" ] || continue
				name=$ll
				[ "$vv" = before ] && name="$ll (before)"
				printf '| %s |' "$name"
				for s in $SESSIONS; do printf ' %s |' "$(cell "$ll" "$vv" "$ss" "$z" "$s" 6)"; done
				for s in $SESSIONS; do printf ' %s |' "$(cell "$ll" "$vv" "$ss" "$z" "$s" 7)"; done
				echo
			done
			echo
		done
	fi
	if grep -q ', no MTA|' "$KT/rows"; then
		echo "## No MTA (bench/nomta.py → daemon socket, one session): milter CPU per message"
		echo
		echo "| run | binary | msg/s | CPU ms/msg | in RSA-2048 signatures |"
		echo "|---|---|--:|--:|--:|"
		awk -F'|' '$1 ~ /, no MTA$/ { print $1 "|" $2 "|" $4 }' "$KT/rows" | while IFS='|' read -r l v z; do
			c=$(cell "$l" "$v" unix "$z" 1 7)
			echo "| ${l%, no MTA} $(size_text "$z") | $v | $(cell "$l" "$v" unix "$z" 1 6) | $c | $(div "$c" "$RSA_MS") |"
		done
		echo
	fi
	if grep -q ', cores ' "$KT/rows"; then
		echo "## Scaling with cores (4 KiB, 32 sessions, behind Postfix; daemon on CPU 0 only vs all $(nproc))"
		echo
		echo "| milter | binary | msg/s, 1 core | msg/s, all cores | ratio | CPU ms/msg, 1 core | CPU ms/msg, all |"
		echo "|---|---|--:|--:|--:|--:|--:|"
		for k in sign verify; do
			for v in $VERS; do
				[ -n "$(row "kyso $k, cores 1" "$v" unix 4k 32 8)" ] || continue
				a=$(cell "kyso $k, cores 1" "$v" unix 4k 32 6)
				b=$(cell "kyso $k, cores all" "$v" unix 4k 32 6)
				echo "| kyso $k | $v | $a | $b | $(div "$b" "$a") | $(cell "kyso $k, cores 1" "$v" unix 4k 32 7) | $(cell "kyso $k, cores all" "$v" unix 4k 32 7) |"
			done
		done
		echo
	fi
	if grep -q '|inet|' "$KT/rows"; then
		echo "## TCP (inet socket), 4 KiB, one session: the Nagle / delayed-ACK stall"
		echo
		echo "| milter | msg/s inet | ms/msg inet | CPU ms/msg |"
		echo "|---|--:|--:|--:|"
		for l in "kyso sign|after" "kyso sign|before" "kyso verify|after" "kyso verify|before" "OpenDKIM|-" \
			"kyso sign, TCP_NODELAY off (control)|after"; do
			v=${l#*|}
			l=${l%|*}
			r=$(cell "$l" "$v" inet 4k 1 6)
			[ "$r" = n/a ] && continue
			echo "| $l$([ "$v" = before ] && echo " (before)") | $r | $(awk -v r="$r" 'BEGIN { if (r + 0 > 0) printf "%.1f", 1000 / r; else print "n/a" }') | $(cell "$l" "$v" inet 4k 1 7) |"
		done
		echo
		echo "A stall shows as tens of ms per message on inet against a few on unix (the tables above)."
		echo
	fi
	if [ -s "$KT/rss" ]; then
		echo "## kyso-milter peak RSS with large messages (a fresh daemon per row, SpoolMemoryLimit default)"
		echo
		echo "| path | binary | attachment | message bytes | VmHWM idle | VmHWM after | smtp-source time | milter CPU | status |"
		echo "|---|---|--:|--:|--:|--:|--:|--:|---|"
		awk -F'|' '{ printf "| %s | %s | %d MB | %d | %d kB | %d kB | %s s | %s s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$KT/rss"
		echo
	fi
	if [ -s "$KT/cgd" ]; then
		echo "## callgrind: instructions per message in the running milter (warm, $CG_N messages, one session)"
		echo
		if [ -n "$BASE_BUILD" ]; then
			echo "| milter, path | after | before | after/before |"
			echo "|---|--:|--:|--:|"
			awk -F'|' '$2 != "before" { print $1 }' "$KT/cgd" | while IFS= read -r l; do
				a=$(awk -F'|' -v l="$l" '$1 == l && $2 != "before" { print $3 }' "$KT/cgd")
				b=$(awk -F'|' -v l="$l" '$1 == l && $2 == "before" { print $3 }' "$KT/cgd")
				echo "| $l | $a | ${b:--} | $(div "$a" "${b:-x}") |"
			done
		else
			echo "| milter, path | instructions (Ir) per message |"
			echo "|---|--:|"
			awk -F'|' '{ printf "| %s | %s |\n", $1, $3 }' "$KT/cgd"
		fi
		echo
	fi
	if [ -s "$KT/cg" ]; then
		echo "## callgrind: whole offline runs (\`kyso-milter -c CONF -n\` / \`-t MSG\`)"
		echo
		echo "Start-up, configuration and key loading included. \"Minus the null run\" subtracts the run of the same" \
			"configuration on a tiny unsigned message from an unmapped sender: the instruction cost of one message" \
			"without an MTA, cold (first-use initialisation included; the warm daemon's figure is above)."
		echo
		echo "| run | binary | instructions (Ir) | minus the null run |"
		echo "|---|---|--:|--:|"
		awk -F'|' '$1 ~ /^null run, / { k = $1; sub(/^null run, /, "", k); sub(/ .*/, "", k); base[$2 "|" k] = $3 }
			{ r[NR] = $0 }
			END { for (i = 1; i <= NR; i++) { split(r[i], f, "|")
				k = f[1]; sub(/ .*/, "", k)
				d = ((k == "sign" || k == "verify") && f[3] ~ /^[0-9]+$/ && base[f[2] "|" k] ~ /^[0-9]+$/) ? f[3] - base[f[2] "|" k] : "-"
				printf "| %s | %s | %s | %s |\n", f[1], f[2], f[3], d } }' "$KT/cg"
		echo
	fi
	for d in "kyso sign 4k" "kyso verify 4k" "kyso sign 100k"; do
		f="$KT/cgd.after.$(echo "$d" | tr -c 'a-zA-Z0-9\n' _)"
		[ -f "$f" ] || continue
		echo "## Profile: $d (after), the top 10 functions"
		echo
		top10 "$f" inclusive
		top10 "$f" self
		by_object "$f"
	done
	if [ -n "$BASE_BUILD" ] && grep -q '|before|' "$KT/rows"; then
		echo "## Before / after (same run): after $KYSO_COMMIT, before $BASE_COMMIT"
		echo
		echo "Ratio after/before: below 1 is less CPU per message, above 1 is more msg/s."
		echo
		echo "| run | socket | size | sessions | msg/s after | msg/s before | after/before | CPU ms after | CPU ms before | after/before |"
		echo "|---|---|---|--:|--:|--:|--:|--:|--:|--:|"
		awk -F'|' '$2 == "after" { print $1 "|" $3 "|" $4 "|" $5 }' "$KT/rows" | while IFS='|' read -r l s z n; do
			[ -n "$(row "$l" before "$s" "$z" "$n" 8)" ] || continue
			ra=$(cell "$l" after "$s" "$z" "$n" 6)
			rb=$(cell "$l" before "$s" "$z" "$n" 6)
			ca=$(cell "$l" after "$s" "$z" "$n" 7)
			cb=$(cell "$l" before "$s" "$z" "$n" 7)
			echo "| $l | $s | $z | $n | $ra | $rb | $(div "$ra" "$rb") | $ca | $cb | $(div "$ca" "$cb") |"
		done
		if [ -s "$KT/rss" ]; then
			awk -F'|' '$2 == "after" { print $1 "|" $3 }' "$KT/rss" | while IFS='|' read -r k mb; do
				a=$(rss_of "$k" after "$mb")
				b=$(rss_of "$k" before "$mb")
				echo "| peak RSS $k, $mb MB (kB) | - | - | - | ${a:-FAIL} | ${b:-FAIL} | $(div "${a:-x}" "${b:-x}") | | | |"
			done
		fi
		echo
	fi
	token_section
	echo "## Every run"
	echo
	echo "| run | binary | socket | size | sessions | msg/s | CPU ms/msg | status |"
	echo "|---|---|---|---|--:|--:|--:|---|"
	awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$KT/runs"
	echo
	echo "A FAIL cell: the run did not deliver every message as expected (its status is in the list above)."
} >"$KT/RESULTS.md"

echo
cat "$KT/RESULTS.md"
if [ "$RESULTS" != - ]; then
	cp "$KT/RESULTS.md" "$RESULTS" && echo "# written to $RESULTS"
else
	echo "# not written to a file (a partial run; BENCH_RESULTS=FILE writes one)"
fi
