# sm-lib.sh - a private Sendmail instance for the integration tests, beside
# lib.sh's Postfix ones (source lib.sh first). Debian's sendmail and postfix
# packages conflict, so Sendmail runs from its unpacked packages
# (contrib/unpack-sendmail.sh, into $KT_SM_CACHE) with its own .cf files made
# by m4 from sendmail-cf, its own queues under $KT/sm, on kt_init's ports,
# bound to 127.0.0.1: nothing of the machine's Postfix or mail set-up is
# read or changed.
#
#   kt_sm_start_all [EXTRA-CONF-LINE...]  PKI, kyso configuration, kyso-milter,
#                  the 8BITMIME sink, Sendmail: daemon "MTA" on $KT_SMTP_PORT,
#                  daemon "MSA" (M=E, no AUTH) on $KT_SUB_PORT, both with
#                  INPUT_MAIL_FILTER(`kyso', `S=unix:$KT_SOCK, F=T, T=...')
#                  and Sendmail's default milter macro lists; the MSP's
#                  submit.cf relays to the MTA daemon
#   kt_sm_send_msp FROM RCPT FILE [ARGS]  sendmail -C submit.cf -t (the MSP):
#                  FILE as a user's program hands it over (LF line ends);
#                  no -f unless ARGS gives it
#   kt_sm_send_bs FROM RCPT FILE   sendmail -Am -bs: SMTP on a pipe (local
#                  submission that keeps the milters)
#   kt_sm_wait RCPT [SECS]   the captured message (like kt_wait)
# kt_send_internal / kt_send_external / kt_send_submission (lib.sh) reach the
# Sendmail daemons unchanged: they use the same ports.

: "${KT_SM_CACHE:=/var/cache/kyso-milter/sendmail}"
KT_SM_PID=

kt_sm_bin() { echo "$KT_SM_CACHE/root/usr/libexec/sendmail/sendmail"; }
kt_sm_libdir() { echo "$KT_SM_CACHE"/root/usr/lib/*-linux-gnu; }
# kt_sm ARGS: sendmail from the unpacked package, with its library path, in
# a private UTS namespace named mx.test.hagiang.gov.vn: Sendmail sleeps 60 s
# at every start on a machine whose own name it cannot qualify (a bare
# "vm"), before it reads any configuration
kt_sm() {
	unshare --uts sh -c 'hostname mx.test.hagiang.gov.vn && exec env "$@"' _ \
		LD_LIBRARY_PATH="$(kt_sm_libdir)" "$(kt_sm_bin)" "$@"
}

kt_sm_cleanup() {
	local rc=$? i
	set +e
	if [ -n "$KT_SM_PID" ] && kill -0 "$KT_SM_PID" 2>/dev/null; then
		kill -TERM "$KT_SM_PID" 2>/dev/null
		for i in $(seq 1 50); do kill -0 "$KT_SM_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$KT_SM_PID" 2>/dev/null
	fi
	(exit $rc)
	kt_cleanup
}

# kt_sm_unpack: the unpacked packages, fetched now when absent (a machine
# where contrib/install-deps.sh ran has them)
kt_sm_unpack() {
	[ -x "$(kt_sm_bin)" ] && return 0
	bash "$KT_TOP/contrib/unpack-sendmail.sh" "$KT_SM_CACHE" >"$KT/unpack.log" 2>&1 ||
		{ diag <"$KT/unpack.log"; kt_bail "cannot unpack Sendmail into $KT_SM_CACHE"; }
}

# kt_sm_mc KIND: the m4 source of the MTA (KIND mta) or the MSP (KIND msp)
kt_sm_mc() {
	local cf="$KT_SM_CACHE/root/usr/share/sendmail/cf" s="$KT/sm"
	cat <<EOF
divert(-1)
define(\`_CF_DIR_', \`$cf/')
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
VERSIONID(\`kyso-milter test $1')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.hagiang.gov.vn')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confSERVICE_SWITCH_FILE', \`$s/service.switch')dnl
define(\`confHOSTS_FILE', \`$s/hosts')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`LOCAL_MAILER_PATH', \`/bin/false')dnl
EOF
	if [ "$1" = msp ]; then
		cat <<EOF
define(\`confRUN_AS_USER', \`mail:mail')dnl
define(\`confPID_FILE', \`$s/sm-client.pid')dnl
define(\`MSP_QUEUE_DIR', \`$s/clientmqueue')dnl
define(\`STATUS_FILE', \`$s/sm-client.st')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $KT_SMTP_PORT')dnl
FEATURE(\`msp', \`[127.0.0.1]')dnl
EOF
		return
	fi
	# promiscuous_relay: the test clients (127.0.0.1 and 127.0.0.2) send
	# to any domain, as Postfix's mynetworks = 127.0.0.0/8 lets them
	cat <<EOF
define(\`QUEUE_DIR', \`$s/mqueue')dnl
define(\`STATUS_FILE', \`$s/statistics')dnl
define(\`confPID_FILE', \`$s/sendmail.pid')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confMAX_MESSAGE_SIZE', \`80000000')dnl
define(\`confMILTER_LOG_LEVEL', \`9')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $KT_SINK8_PORT')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Port=$KT_SMTP_PORT, Addr=127.0.0.1, Name=MTA')dnl
DAEMON_OPTIONS(\`Port=$KT_SUB_PORT, Addr=127.0.0.1, Name=MSA, M=E')dnl
INPUT_MAIL_FILTER(\`kyso', \`S=unix:$KT_SOCK, F=T, T=S:4m;R:4m;E:10m')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
}

kt_sm_start() {
	local s="$KT/sm" k
	mkdir -p "$s/mqueue" "$s/clientmqueue"
	chmod 700 "$s/mqueue"
	chown mail:mail "$s/clientmqueue"
	chmod 770 "$s/clientmqueue"
	printf '%s\n' 'hosts files' 'aliases files' >"$s/service.switch"
	printf '%s\n' '127.0.0.1 localhost mx.test.hagiang.gov.vn' >"$s/hosts"
	for k in mta msp; do
		kt_sm_mc $k >"$s/$k.mc"
		m4 "$s/$k.mc" >"$s/$k.cf" 2>"$s/m4-$k.log" ||
			{ diag <"$s/m4-$k.log"; kt_bail "m4 $k.mc failed"; }
	done
	# -X: the daemon's SMTP traffic, the only log without a syslog daemon
	kt_sm -C "$s/mta.cf" -bd -q1m -X "$s/traffic.log" >"$s/start.log" 2>&1 ||
		{ diag <"$s/start.log"; kt_bail "sendmail -bd failed"; }
	local i
	for i in $(seq 1 100); do
		[ -s "$s/sendmail.pid" ] && break
		sleep 0.1
	done
	KT_SM_PID=$(head -n 1 "$s/sendmail.pid" 2>/dev/null)
	[ -n "$KT_SM_PID" ] || { diag <"$s/start.log"; kt_bail "sendmail wrote no pid file"; }
	kt_wait_port "$KT_SMTP_PORT" 20 || kt_bail "sendmail MTA daemon not listening on $KT_SMTP_PORT"
	kt_wait_port "$KT_SUB_PORT" 20 || kt_bail "sendmail MSA daemon not listening on $KT_SUB_PORT"
}

# kt_sm_start_all [EXTRA-CONF-LINE...]
kt_sm_start_all() {
	trap kt_sm_cleanup EXIT
	kt_sm_unpack
	kt_pki
	kt_config "$@"
	[ -x "$(kt_milter_bin)" ] || kt_bail "no kyso-milter binary at $(kt_milter_bin) (set KT_BUILD)"
	"$(kt_milter_bin)" -c "$KT_CONF" -n >"$KT/config-check.log" 2>&1 ||
		{ diag <"$KT/config-check.log"; kt_bail "kyso-milter -n rejects the test configuration"; }
	kt_milter_start "$KT_CONF"
	kt_sinks_start
	kt_sm_start
}

# ---- sending -------------------------------------------------------------
kt_sm_reap() { # PID SECS: wait for PID, killing it after SECS; its status
	local i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && { kill -KILL "$1"; echo "killed after $2 s" >>"$KT/sendmail.log"; }
	wait "$1"
}
kt_sm_send_msp() { # FROM RCPT FILE [ARGS...]: FROM is in FILE's From field
	local f=$3
	shift 3
	(kt_sm -C "$KT/sm/msp.cf" -i -t "$@" <"$f" >>"$KT/sendmail.log" 2>&1) &
	kt_sm_reap $! 60
}
# SMTP on standard input/output, one command at a time (Sendmail refuses
# commands sent before its reply to the previous one), the replies
# kept in $KT/bs.log; success when the DATA got a 250
kt_sm_send_bs() { # FROM RCPT FILE
	perl -e '
		my ($from, $rcpt, $file) = @ARGV;
		open(my $f, "<:raw", $file) or die "$file: $!\n";
		local $/; my $d = <$f>;
		$d =~ s/\r?\n/\r\n/g;
		$d .= "\r\n" unless $d =~ /\r\n\z/;
		$d =~ s/^\./../mg;
		print "EHLO localhost\r\nMAIL FROM:<$from>\r\nRCPT TO:<$rcpt>\r\nDATA\r\n$d.\r\nQUIT\r\n";
		' "$1" "$2" "$3" >"$KT/bs.in" || return 1
	BS_IN="$KT/bs.in" perl -e '
		use IPC::Open2;
		my $pid = open2(my $out, my $in, @ARGV);
		binmode $in; binmode $out;
		open(my $f, "<:raw", $ENV{BS_IN}) or die;
		local $/ = "\r\n";
		my @cmd = <$f>;
		alarm 120;
		my $reply = sub { my $r; while (defined(my $l = <$out>)) { print $l; $r = $l; last if $l =~ /^\d{3} / } $r };
		$reply->();		# greeting
		while (@cmd) {
			my $c = shift @cmd;
			print $in $c;
			if ($c eq "DATA\r\n") {
				$reply->();
				while (@cmd) { my $d = shift @cmd; print $in $d; last if $d eq ".\r\n" }
			}
			$in->flush;
			$reply->();
		}
		close $in; waitpid $pid, 0;' unshare --uts sh -c 'hostname mx.test.hagiang.gov.vn && exec env "$@"' _ \
		LD_LIBRARY_PATH="$(kt_sm_libdir)" "$(kt_sm_bin)" -C "$KT/sm/mta.cf" -Am -bs >"$KT/bs.out" 2>&1
	cat "$KT/bs.out" >>"$KT/bs.log"
	grep -q '^250 2.0.0 .* Message accepted for delivery' "$KT/bs.out"
}

# kt_sm_wait RCPT [SECS]: prints $KT/got/<rcpt>.eml (the sink's records
# removed) once the sink holds the message for RCPT
kt_sm_wait() {
	local rcpt=$1 secs=${2:-60} i f
	mkdir -p "$KT/got"
	for i in $(seq 1 $((secs * 5))); do
		f=$(grep -l -F "X-Rcpt-Args: <$rcpt>" "$KT"/sink8/* 2>/dev/null | head -n 1)
		# smtp-sink writes the file as the data arrives and answers the
		# final dot once it is complete; Sendmail removes its queue file
		# (qf*, naming the recipient) after that answer
		if [ -n "$f" ] && ! grep -q -F "<$rcpt>" "$KT"/sm/mqueue/qf* 2>/dev/null; then
			kt_unsink "$f" >"$KT/got/$rcpt.eml"
			echo "$KT/got/$rcpt.eml"
			return 0
		fi
		sleep 0.2
	done
	echo "no delivery to $rcpt within ${secs}s; queue:" >&2
	kt_sm -C "$KT/sm/mta.cf" -bp >&2 2>&1
	return 1
}

kt_sm_dump_logs() {
	kt_dump_logs
	[ -f "$KT/sm/traffic.log" ] && tail -n 30 "$KT/sm/traffic.log" | diag
}
