# lib.sh - shared code for the integration tests: a private Postfix
# instance on loopback, two capturing next hops, kyso-milter, TAP output.
# Source it from bash; needs root (Postfix), postfix, smtp-sink, swaks.
#
#   kt_init NAME          temp dir $KT (KEEP=1 keeps it), free ports, EXIT trap
#   kt_pki                the test PKI in $KT_PKI (tests/pki/make-pki.sh)
#   kt_postfix_start [MILTER]  private instance ($KT/etc, queue $KT/spool,
#                         log $KT/maillog); MILTER is a Postfix milter address
#                         (unix:/path, inet:host:port) or "none"; KT_QUEUE_DIR
#                         another queue directory, KT_SMTPD_CHROOT=y chrooted
#                         smtpd (as Debian ships master.cf)
#   kt_notify_listen ADDR OUT  a stand-in for systemd's $NOTIFY_SOCKET: logs
#                         each datagram to OUT with sock=yes|no (did
#                         $KT_SOCK exist when it arrived)
#   kt_wait_lines FILE REGEX [COUNT]  up to 30 s until COUNT lines match
#   kt_sinks_start        next hops: $KT_SINK8 announces 8BITMIME (mail for
#                         any domain but hop7.test), $KT_SINK7 does not
#                         (mail for @hop7.test: Postfix must downgrade 8-bit
#                         to quoted-printable, pitfall P1)
#   kt_milter_start CONF  kyso-milter -f -c CONF in the background ($KT_MILTER_PID)
#   kt_send_internal / kt_send_external / kt_send_submission / kt_send_local
#                         FROM RCPT FILE: submit FILE via smtpd from 127.0.0.1,
#                         from 127.0.0.2 (not an internal host), via the
#                         ORIGINATING submission port, or via sendmail(1)
#   kt_wait RCPT [SECS]   wait until Postfix relayed the mail for RCPT; prints
#                         the path of the captured message (sink headers removed)
#   ok / not_ok / kt_check DESC CMD... / kt_done   TAP output
# Everything is bounded in time and stopped on exit.

KT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KT_TOOLS="$KT_TOP/tests/tools"
KT_INT="$KT_TOP/tests/integration"
: "${KT_BUILD:=$KT_TOP}"	# where the kyso-milter binary was built
KT_MILTER_PID=
KT_SINK_PIDS=
KT_POSTFIX_UP=0

# ---- TAP: tests/tap.sh (ok, not_ok, skip, diag, check, tap_done) --------
. "$KT_TOP/tests/tap.sh"
# ---- ports: tests/ports.sh (port_listening, port_bindable, free_port) -----
. "$KT_TOP/tests/ports.sh"
# kt_check DESC CMD...: one TAP line; the command's output becomes a diagnostic on failure
kt_check() { check "$@"; }
kt_done() { tap_done; }
kt_bail() {
	echo "Bail out! $*"
	kt_dump_logs
	exit 1
}

# ---- set-up --------------------------------------------------------------
kt_init() {
	KT_NAME=$1
	KT=$(mktemp -d "/tmp/kt-$KT_NAME.XXXXXX")
	chmod 755 "$KT"
	trap kt_cleanup EXIT
	trap 'exit 130' INT TERM
	# five consecutive free ports from a base that depends on our pid, all
	# below the kernel's ephemeral range (client connections of earlier
	# tests take ports from there at any moment, and a port in use by one
	# cannot be bound by a server we start a second later)
	local low span base i p okp
	low=$(ephemeral_low)
	span=$(((low - 10000) / 10 - 60))
	base=$((10000 + ($$ % span) * 10))
	for i in $(seq 0 50); do
		okp=1
		for p in 0 1 2 3 4; do
			port_bindable $((base + p)) || { okp=0; break; }
		done
		[ $okp = 1 ] && break
		base=$((base + 10))
	done
	KT_SMTP_PORT=$base
	KT_SUB_PORT=$((base + 1))
	KT_SINK8_PORT=$((base + 2))
	KT_SINK7_PORT=$((base + 3))
	KT_MILTER_PORT=$((base + 4))
	: "${KT_PKI:=$KT/pki}"
}

kt_pki() {
	bash "$KT_TOP/tests/pki/make-pki.sh" "$KT_PKI" || kt_bail "make-pki.sh failed"
}

kt_cleanup() {
	local rc=$?
	set +e
	if [ -n "$KT_MILTER_PID" ] && kill -0 "$KT_MILTER_PID" 2>/dev/null; then
		kill -TERM "$KT_MILTER_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$KT_MILTER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$KT_MILTER_PID" 2>/dev/null
	fi
	if [ "$KT_POSTFIX_UP" = 1 ]; then
		timeout 30 postfix -c "$KT/etc" stop >/dev/null 2>&1 ||
			timeout 10 postfix -c "$KT/etc" abort >/dev/null 2>&1
	fi
	local p
	for p in $KT_SINK_PIDS; do kill -TERM "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $KT" >&2
	else
		rm -rf "$KT"
	fi
	return $rc
}

kt_dump_logs() {
	if [ -f "$KT/maillog" ]; then
		echo "--- postfix log (last 40 lines)"
		tail -n 40 "$KT/maillog"
	fi | diag
	if [ -f "$KT/milter.log" ]; then
		echo "--- kyso-milter log (last 40 lines)"
		tail -n 40 "$KT/milter.log"
	fi | diag
}

# A milter address: "none", or as Postfix wants it (unix:/path, inet:127.0.0.1:port).
kt_postfix_start() {
	local milter=${1:-none} e="$KT/etc"
	mkdir -p "$e" "$KT/spool" "$KT/data"
	chown postfix "$KT/data"
	local milters=
	[ "$milter" != none ] && milters=$milter
	cat >"$e/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $e
queue_directory = ${KT_QUEUE_DIR:-$KT/spool}
data_directory = $KT/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-kt
maillog_file = $KT/maillog
maillog_file_prefixes = $KT
myhostname = mx.test.hagiang.gov.vn
mydomain = test.hagiang.gov.vn
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$KT_SINK8_PORT
transport_maps = inline:{ {hop7.test=smtp:[127.0.0.1]:$KT_SINK7_PORT} }
smtpd_milters = $milters
non_smtpd_milters = $milters
milter_default_action = tempfail
milter_protocol = 6
smtputf8_enable = no
disable_mime_output_conversion = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 80000000
biff = no
append_dot_mydomain = no
delay_warning_time = 0
queue_run_delay = 10s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
smtp_connect_timeout = 10s
smtpd_banner = \$myhostname ESMTP kyso-test
EOF
	cat >"$e/master.cf" <<EOF
127.0.0.1:$KT_SMTP_PORT inet n - ${KT_SMTPD_CHROOT:-n} - - smtpd
127.0.0.1:$KT_SUB_PORT inet n - ${KT_SMTPD_CHROOT:-n} - - smtpd
  -o syslog_name=postfix-kt/submission
  -o milter_macro_daemon_name=ORIGINATING
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# KT_POSTFIX_EXTRA: main.cf settings a test adds or changes, one
	# "name = value" a line, set with postconf -e: a second entry of a name
	# makes every Postfix process warn, and postlogd, logging its own
	# warnings into its own socket, deadlocks once that socket is full
	if [ -n "${KT_POSTFIX_EXTRA:-}" ]; then
		while IFS= read -r l; do
			[ -z "$l" ] || postconf -c "$e" -e "$l" || kt_bail "postconf -e $l failed"
		done <<<"$KT_POSTFIX_EXTRA"
	fi
	touch "$KT/maillog"
	timeout 60 postfix -c "$e" check >"$KT/postfix-check.log" 2>&1 ||
		{ cat "$KT/postfix-check.log" | diag; kt_bail "postfix check failed"; }
	timeout 60 postfix -c "$e" start >"$KT/postfix-start.log" 2>&1 ||
		{ cat "$KT/postfix-start.log" | diag; kt_bail "postfix start failed"; }
	KT_POSTFIX_UP=1
	kt_wait_port "$KT_SMTP_PORT" 20 || kt_bail "postfix smtpd not listening on $KT_SMTP_PORT"
}

kt_wait_port() { # PORT SECS
	local i
	for i in $(seq 1 $((${2:-10} * 10))); do
		port_listening "$1" && return 0
		sleep 0.1
	done
	return 1
}

kt_sinks_start() {
	mkdir -p "$KT/sink8" "$KT/sink7"
	chown postfix "$KT/sink8" "$KT/sink7"
	smtp-sink -u postfix -h sink8.test -d "$KT/sink8/%H%M%S." "127.0.0.1:$KT_SINK8_PORT" 100 \
		>"$KT/sink8.log" 2>&1 &
	KT_SINK_PIDS="$KT_SINK_PIDS $!"
	smtp-sink -8 -u postfix -h sink7.test -d "$KT/sink7/%H%M%S." "127.0.0.1:$KT_SINK7_PORT" 100 \
		>"$KT/sink7.log" 2>&1 &
	KT_SINK_PIDS="$KT_SINK_PIDS $!"
	kt_wait_port "$KT_SINK8_PORT" 10 || kt_bail "smtp-sink (8BITMIME) did not start"
	kt_wait_port "$KT_SINK7_PORT" 10 || kt_bail "smtp-sink (7bit) did not start"
}

# ---- kyso-milter ---------------------------------------------------------
# kt_notify_listen ADDR OUT: datagram listener on ADDR (a path, made mode
# 0600, or @name in the abstract namespace) in the background, until a
# STOPPING=1 or 90 s; returns once it listens
kt_notify_listen() {
	perl -MIO::Socket::UNIX -MSocket -e '
		my ($addr, $sock, $out) = @ARGV;
		$addr =~ s/^@/\0/;
		my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $addr)
			or die "listen: $!\n";
		chmod 0600, $addr unless $addr =~ /^\0/;
		open(my $o, ">>", $out) or die;
		$o->autoflush(1);
		print $o "listening\n";
		alarm 90;
		while (defined $s->recv(my $m, 4096)) {
			$m =~ s/\n/ /g;
			printf $o "%s sock=%s\n", $m, (-S $sock ? "yes" : "no");
			last if $m =~ /STOPPING=1/;
		}' "$1" "$KT_SOCK" "$2" &
	KT_SINK_PIDS="$KT_SINK_PIDS $!"
	kt_wait_lines "$2" '^listening' || kt_bail "notify listener did not start"
}

kt_wait_lines() { # FILE REGEX [COUNT]
	local i n
	for i in $(seq 1 300); do
		n=$(grep -c -- "$2" "$1" 2>/dev/null)
		[ "${n:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

kt_milter_bin() { echo "$KT_BUILD/kyso-milter"; }

# kt_milter_start CONF: foreground daemon in the background, logging to
# $KT/milter.log; waits for its socket and gives it to group postfix (the
# daemon runs as root here, and Postfix's processes run as postfix).
kt_milter_start() {
	local conf=$1 sock
	sock=$(sed -n 's/^Socket[ \t]\{1,\}//p' "$conf" | tail -n 1)
	case $sock in unix:* | local:*) rm -f "${sock#*:}" ;; esac
	(umask 001 && exec "$(kt_milter_bin)" -f -c "$conf") >>"$KT/milter.log" 2>&1 &
	KT_MILTER_PID=$!
	local i
	for i in $(seq 1 300); do
		case $sock in
		unix:* | local:*)
			if [ -S "${sock#*:}" ]; then
				# Postfix's smtpd and cleanup run as postfix
				chgrp postfix "${sock#*:}" && chmod g+rw "${sock#*:}"
				return 0
			fi
			;;
		inet:*) port_listening "$(echo "${sock#inet:}" | cut -d@ -f1)" && return 0 ;;
		esac
		kill -0 "$KT_MILTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kt_bail "kyso-milter did not start (socket $sock)"
}

kt_milter_stop() {
	[ -n "$KT_MILTER_PID" ] || return 0
	kill -TERM "$KT_MILTER_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do kill -0 "$KT_MILTER_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$KT_MILTER_PID" 2>/dev/null; then
		kill -KILL "$KT_MILTER_PID"
		KT_MILTER_PID=
		return 1
	fi
	wait "$KT_MILTER_PID" 2>/dev/null
	KT_MILTER_PID=
	# a sanitizer build reports memory errors and leaks on its log
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$KT/milter.log" 2>/dev/null; then
		grep -A 20 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$KT/milter.log" | head -n 40
		return 1
	fi
}

# peak resident set size of the running milter, in kB
# kt_milter_reload: SIGUSR1, then wait (up to 30 s) until the daemon logs the
# outcome ("configuration reloaded" or "reload failed") - no fixed sleep
kt_milter_reload() {
	local before i
	before=$(grep -c 'configuration reloaded\|reload failed' "$KT/milter.log" 2>/dev/null)
	kill -USR1 "$KT_MILTER_PID" || return 1
	for i in $(seq 1 300); do
		[ "$(grep -c 'configuration reloaded\|reload failed' "$KT/milter.log" 2>/dev/null)" -gt "${before:-0}" ] && return 0
		sleep 0.1
	done
	echo "kyso-milter logged no reload outcome in 30 s" >&2
	return 1
}
kt_milter_hwm() { sed -n 's/^VmHWM:[ \t]*\([0-9]*\).*/\1/p' "/proc/$KT_MILTER_PID/status" 2>/dev/null; }

# ---- sending -------------------------------------------------------------
kt_swaks() { # extra-args... -- FROM RCPT FILE
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	# swaks ends DATA with CRLF . CRLF after the data as given, so a file
	# ending in a line break would gain an empty line: drop that line break
	local data="$KT/swaks-data.$$"
	perl -0777 -pe 's/\r?\n\z//' "$3" >"$data" || return 1
	timeout 120 swaks --server 127.0.0.1 --helo client.test "${args[@]}" \
		--from "$1" --to "$2" --data "@$data" >>"$KT/swaks.log" 2>&1
	local rc=$?
	rm -f "$data"
	return $rc
}
kt_send_internal() { kt_swaks --port "$KT_SMTP_PORT" -- "$@"; }
kt_send_external() { kt_swaks --port "$KT_SMTP_PORT" --local-interface 127.0.0.2 -- "$@"; }
kt_send_submission() { kt_swaks --port "$KT_SUB_PORT" --local-interface 127.0.0.2 -- "$@"; }
kt_send_local() { # FROM RCPT FILE: sendmail(1) of this instance, as root
	timeout 60 sendmail -C "$KT/etc" -i -f "$1" -- "$2" <"$3" >>"$KT/sendmail.log" 2>&1
}

# kt_wait RCPT [SECS]: prints the captured message path ($KT/got/<rcpt>.eml,
# the sink's own X-* and Received lines removed). Returns 1 on bounce,
# rejection or timeout.
kt_wait() {
	local rcpt=$1 secs=${2:-60} i f dir=sink8
	case $rcpt in *@hop7.test) dir=sink7 ;; esac
	mkdir -p "$KT/got"
	for i in $(seq 1 $((secs * 5))); do
		if grep -q "to=<$rcpt>.*status=sent" "$KT/maillog" 2>/dev/null; then
			f=$(grep -l -F "X-Rcpt-Args: <$rcpt>" "$KT/$dir"/* 2>/dev/null | head -n 1)
			if [ -n "$f" ]; then
				kt_unsink "$f" >"$KT/got/$rcpt.eml"
				echo "$KT/got/$rcpt.eml"
				return 0
			fi
		fi
		if grep -q "to=<$rcpt>.*status=\(bounced\|deferred\)" "$KT/maillog" 2>/dev/null; then
			echo "delivery to $rcpt failed:" >&2
			grep "to=<$rcpt>" "$KT/maillog" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "no delivery to $rcpt within ${secs}s" >&2
	return 1
}

# Remove smtp-sink's own leading records (X-Client-Addr ... its 3-line
# Received header) and the empty line it appends.
kt_unsink() {
	perl -e '
		local $/; my $d = <>;
		$d =~ s/\A(?:X-[A-Za-z-]+: [^\n]*\n)*Received: from [^\n]*\n[ \t][^\n]*\n[ \t][^\n]*\n//
			or die "not an smtp-sink dump\n";
		$d =~ s/\n\z//;
		print $d;' "$1"
}

# The SMTP envelope the sink saw (MAIL FROM arguments, e.g. BODY=8BITMIME).
kt_sink_mail_args() { # RCPT
	local dir=sink8
	case $1 in *@hop7.test) dir=sink7 ;; esac
	grep -h -A0 -F "X-Mail-Args:" $(grep -l -F "X-Rcpt-Args: <$1>" "$KT/$dir"/*) | head -n 1
}

# ---- kyso-milter configuration -------------------------------------------
# kt_config [EXTRA-LINE...]: writes $KT/kyso.conf, $KT/signing.table and
# $KT/certificate.table for the test PKI (Sở TT&TT with its encrypted key,
# UBND with a no-e-mail nonRepudiation-only certificate, an ECDSA one);
# extra lines are appended to kyso.conf. Sets KT_SOCK and KT_CONF.
# KT_SOCK_SPEC (e.g. inet:PORT@127.0.0.1) replaces the unix socket.
kt_config() {
	mkdir -p "$KT/run" "$KT/tmp"
	chmod 755 "$KT/run"
	KT_SOCK="$KT/run/kyso.sock"
	KT_CONF="$KT/kyso.conf"
	cat >"$KT/signing.table" <<EOT
# sender pattern                  certificate id
vanthu.ec@sotttt.hagiang.gov.vn   sotttt-ec
*@sotttt.hagiang.gov.vn           sotttt
*@ubnd.hagiang.gov.vn             ubnd
EOT
	cat >"$KT/certificate.table" <<EOT
sotttt    cert=$KT_PKI/sotttt-agency.crt key=$KT_PKI/sotttt-agency.enc.key chain=$KT_PKI/chain.pem passphrase-file=$KT_PKI/sotttt-agency.pass
sotttt-ec cert=$KT_PKI/ecdsa-agency.crt key=$KT_PKI/ecdsa-agency.key chain=$KT_PKI/chain.pem
ubnd      cert=$KT_PKI/ubnd-agency.crt key=$KT_PKI/ubnd-agency.key chain=$KT_PKI/chain.pem
EOT
	cat >"$KT_CONF" <<EOT
Socket              ${KT_SOCK_SPEC:-unix:$KT_SOCK}
Syslog              no
AuthservID          mx.test.hagiang.gov.vn
Domain              hagiang.gov.vn
SubDomains          yes
SigningTable        $KT/signing.table
CertificateTable    $KT/certificate.table
InternalHosts       127.0.0.1
MTA                 ORIGINATING
OnUnmappedSender    accept
TrustAnchorFile     $KT_PKI/root.crt
IntermediateCertificates $KT_PKI/chain.pem
TemporaryDirectory  $KT/tmp
EOT
	local l
	for l in "$@"; do echo "$l" >>"$KT_CONF"; done
}

# kt_start_all [EXTRA-CONF-LINE...]: PKI, config, milter, sinks, Postfix
kt_start_all() {
	kt_pki
	kt_config "$@"
	[ -x "$(kt_milter_bin)" ] || kt_bail "no kyso-milter binary at $(kt_milter_bin) (set KT_BUILD)"
	"$(kt_milter_bin)" -c "$KT_CONF" -n >"$KT/config-check.log" 2>&1 ||
		{ diag <"$KT/config-check.log"; kt_bail "kyso-milter -n rejects the test configuration"; }
	kt_milter_start "$KT_CONF"
	kt_sinks_start
	kt_postfix_start "unix:$KT_SOCK"
}

# ---- checks on delivered messages ----------------------------------------
# top-level Content-Type of a message file
kt_ctype() {
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		if (/^Content-Type:[ \t]*([^;\n]*)/mi) { print lc $1, "\n" } else { print "text/plain\n" }' "$1"
}
kt_is_signed() { [ "$(kt_ctype "$1")" = multipart/signed ]; }

# the signed part holds only 7-bit bytes and no line over 998 octets
kt_is_7bit() {
	perl -ne 'BEGIN { $bad = 0 } s/\r?\n\z//;
		if (/[\x80-\xff\x00]/) { print "8-bit or NUL byte in line $.\n"; $bad = 1 }
		if (length($_) > 998) { print "line $. has ", length($_), " octets\n"; $bad = 1 }
		END { exit $bad }' "$1"
}

# the signed attributes and the certificates carried in smime.p7s
kt_sig_attrs() { # P7S
	local p
	p=$(openssl cms -cmsout -print -inform DER -in "$1") || return 1
	local oid name miss=0
	for oid in 1.2.840.113549.1.9.3:contentType 1.2.840.113549.1.9.4:messageDigest \
		1.2.840.113549.1.9.5:signingTime 1.2.840.113549.1.9.15:SMIMECapabilities \
		1.2.840.113549.1.9.16.2.47:signingCertificateV2; do
		name=${oid#*:}
		oid=${oid%%:*}
		grep -q "($oid)" <<<"$p" || { echo "missing signed attribute $name"; miss=1; }
	done
	local ncert
	ncert=$(grep -c 'cert_info:' <<<"$p")
	[ "$ncert" -ge 2 ] || { echo "only $ncert certificate(s) included: no chain"; miss=1; }
	return $miss
}

# same decoded MIME content (types, charsets, bytes) in two entities
kt_same_content() { # ORIGINAL SIGNED-ENTITY
	diff <(perl "$KT_TOOLS/mime-digest.pl" "$1") <(perl "$KT_TOOLS/mime-digest.pl" "$2")
}

# kt_check_signed GOT ORIGINAL LABEL: the full set of checks for a message
# that must arrive signed. Splits into $KT/split/<label>/.
kt_check_signed() {
	local got=$1 orig=$2 label=$3 d="$KT/split/$3"
	if ! kt_is_signed "$got"; then
		not_ok "$label: arrived as multipart/signed (got $(kt_ctype "$got"))"
		return 1
	fi
	ok "$label: arrived as multipart/signed"
	mkdir -p "$d"
	kt_check "$label: three independent verifiers accept" \
		env VERIFY3_OUT="$d" bash "$KT_INT/verify3.sh" "$got" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	[ -f "$d/content" ] || return 1
	kt_check "$label: decoded signed part equals the original content" kt_same_content "$orig" "$d/content"
	kt_check "$label: signed part is 7-bit with lines <= 998 octets" kt_is_7bit "$d/content"
	kt_check "$label: signed attributes and chain present" kt_sig_attrs "$d/smime.p7s"
	kt_check "$label: protocol and signature part as RFC 8551 names them" \
		grep -qx 'protocol=application/pkcs7-signature' "$d/info"
	kt_check "$label: outer From/To/Subject/Message-ID kept" kt_same_routing "$orig" "$got"
}

# the routing fields of the original are on the outer message, unchanged
kt_same_routing() { # ORIGINAL GOT
	local h a b bad=0
	for h in From To Subject Message-ID; do
		a=$(kt_header "$1" "$h")
		b=$(kt_header "$2" "$h")
		[ "$a" = "$b" ] || { echo "$h: '$a' became '$b'"; bad=1; }
	done
	return $bad
}
kt_header() { # FILE NAME: first value, unfolded, CR removed
	perl -0777 -e '$n = shift; $_ = <>; s/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "$1" if /^\Q$n\E:[ \t]*(.*)$/mi' "$2" "$1"
}

# the (single) signer certificate of a split message is CERT
kt_signer_is() { # SPLITDIR CERT
	openssl cms -verify -noverify -binary -inform DER -in "$1/smime.p7s" -content "$1/content.crlf" \
		-signer "$1/signer.pem" -out /dev/null 2>"$1/signer.err" || { cat "$1/signer.err"; return 1; }
	cmp <(openssl x509 -in "$1/signer.pem" -outform DER) <(openssl x509 -in "$2" -outform DER) ||
		{ openssl x509 -in "$1/signer.pem" -noout -subject -nameopt utf8; return 1; }
}
