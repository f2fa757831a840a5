#!/usr/bin/env bash
# t-sendmail.sh - kyso-milter behind a real Sendmail 8.17 (Debian's
# packages, unpacked beside the Postfix of the other suites: sm-lib.sh),
# with the INPUT_MAIL_FILTER line the manual gives and Sendmail's default
# milter macro lists. Daemons "MTA" and "MSA" (M=E, no AUTH); the MSP's
# submit.cf relays to the MTA daemon; everything goes to an smtp-sink.
#
# Outbound, each signed result checked like the Postfix suite's
# (kt_check_signed: openssl, gpgsm and NSS verify; decoded content equal to
# the original; 7-bit; signed attributes and chain; routing fields kept):
# plain ASCII, Vietnamese 8-bit, multipart with attachment, an LF-only file
# through the MSP (`sendmail -t`), a long line, a 3 MB attachment, and local
# SMTP submission (`sendmail -Am -bs` on a pipe: no client address, ours);
# to a destination of OpaqueRecipients, signed opaque (Sendmail sends the
# RCPT step kyso then asks for).
# Not signed: an external client claiming a province From (warned), the
# MSP without -f (envelope root@$j fails EnvelopeCheck domain), the MSA
# daemon reached from outside while "MSA" is not listed in MTA (M=E has no
# AUTH), `sendmail -bs` run inetd-style on a TCP socket from 127.0.0.2 (the
# attacker's way to a no-address client: Sendmail takes the peer's address),
# `sendmail -Am -t` (no milter sees it at all). After MTA gains "MSA"
# (reload), the MSA daemon signs: Sendmail's {daemon_name} reaches us.
# Inbound from 127.0.0.2: a valid signature passes, a tampered one fails,
# forged copies of our Authentication-Results, X-Kyso-Verdict (and X-Kyso-Result) go while
# another host's A-R stays; bodies arrive byte for byte.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sm-lib.sh"
kt_init sendmail
T0=$(date +%s)
# no revocation source runs here (t-inbound.sh covers them)
kt_sm_start_all "RevocationCheck none" "OpaqueRecipients alters.test"
echo "# Sendmail up after $(($(date +%s) - T0)) s"
src="$KT/src"
mkdir -p "$src"
so=vanthu@sotttt.hagiang.gov.vn
ID=mx.test.hagiang.gov.vn

msg() { # KIND FROM RCPT [MB] -> path of a new test message (LF line ends)
	perl "$KT_TOOLS/make-msg.pl" "$1" "$2" "$3" "$src/$3.eml" ${4:+"$4"} && echo "$src/$3.eml"
}
delivered() { # LABEL RCPT -> path, or not_ok and logs
	local got
	if got=$(kt_sm_wait "$2" 60 2>"$KT/wait.log"); then
		echo "$got"
		return 0
	fi
	not_ok "$1: delivered" >&3
	{ diag <"$KT/wait.log"; kt_sm_dump_logs; } >&3
	return 1
}
exec 3>&1
# the kyso log line of the message whose Sendmail queue id is on the
# Received field the MTA put on GOT
qid_of() { perl -0777 -ne 's/\n\n.*//s; print $1 if /^Received:.*?\n\s+by \Q'"$ID"'\E \S+(?: with \S+)? id (\w+)/ms' "$1"; }
log_of() { local q; q=$(qid_of "$1"); grep -F "${q:-no-queue-id}: kyso result=" "$KT/milter.log"; }
logged() { # GOT PATTERN: the kyso log line of GOT's message matches PATTERN
	local l
	l=$(log_of "$1")
	grep -q -- "$2" <<<"$l" || { echo "log line: ${l:-none for queue id $(qid_of "$1")}"; return 1; }
}

# signed_case LABEL SEND-FUNCTION KIND FROM RCPT [MB] [SEND-ARGS...]
signed_case() {
	local label=$1 send=$2 kind=$3 from=$4 rcpt=$5 mb=${6:-} m got
	shift 6 2>/dev/null || shift $#
	m=$(msg "$kind" "$from" "$rcpt" $mb)
	if ! "$send" "$from" "$rcpt" "$m" "$@"; then
		not_ok "$label: submitted"
		tail -n 5 "$KT/swaks.log" "$KT/sendmail.log" "$KT/bs.out" 2>/dev/null | diag
		return
	fi
	got=$(delivered "$label" "$rcpt") || return
	kt_check_signed "$got" "$m" "$label"
}

# unsigned_case LABEL SEND-FUNCTION KIND FROM RCPT [SEND-ARGS...]: arrives
# unsigned, content unchanged; sets GOT
unsigned_case() {
	local label=$1 send=$2 kind=$3 from=$4 rcpt=$5 m
	shift 5
	m=$(msg "$kind" "$from" "$rcpt")
	GOT=
	"$send" "$from" "$rcpt" "$m" "$@" || { not_ok "$label: submitted"; return 1; }
	GOT=$(delivered "$label" "$rcpt") || return 1
	if kt_is_signed "$GOT"; then
		not_ok "$label: arrived unsigned"
	else
		ok "$label: arrived unsigned ($(kt_ctype "$GOT"))"
	fi
	kt_check "$label: content unchanged" kt_same_content "$m" "$GOT"
}

# the decoded X-Kyso-Verdict fields of FILE, one a line
verdicts() {
	perl -MEncode -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		binmode STDOUT, ":utf8";
		print decode("MIME-Header", $1), "\n" while /^X-Kyso-Verdict:[ \t]*(.*)$/mig' "$1"
}
# our Authentication-Results fields of FILE (authserv-id $ID), unfolded
our_ar() {
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "$1\n" while /^Authentication-Results:[ \t]*(\Q'"$ID"'\E;.*)$/mig' "$1"
}
# exactly one A-R of ours with smime=RESULT, one verdict starting with TEXT
trust_fields() { # FILE RESULT TEXT
	local ar v
	ar=$(our_ar "$1")
	v=$(verdicts "$1")
	[ "$(grep -c . <<<"$ar")" = 1 ] || { echo "A-R of ours: $ar"; return 1; }
	grep -q "smime=$2 " <<<"$ar" || { echo "not smime=$2: $ar"; return 1; }
	[ "$(grep -c . <<<"$v")" = 1 ] || { echo "verdicts: $v"; return 1; }
	case $v in "$3"*) ;; *) echo "verdict: $v"; return 1 ;; esac
}
warn='Cảnh báo: thư mang địa chỉ của tỉnh'

# ---- outbound: signed ---------------------------------------------------
signed_case "plain ASCII (MTA daemon, 127.0.0.1)" kt_send_internal ascii "$so" ascii@a.test
signed_case "Vietnamese UTF-8 8bit" kt_send_internal utf8 "$so" utf8@a.test
signed_case "multipart: alternative+HTML+binary attachment" kt_send_internal alternative "$so" alt@a.test
signed_case "LF-only file via the MSP (sendmail -t -f)" kt_sm_send_msp utf8 "$so" msp@a.test "" -f "$so"
signed_case "line over 998 octets" kt_send_internal longline "$so" long@a.test
signed_case "3 MB attachment" kt_send_internal big "$so" big@a.test 3
signed_case "local submission (sendmail -Am -bs on a pipe)" kt_sm_send_bs utf8 "$so" bs@a.test
[ -f "$KT/got/bs@a.test.eml" ] &&
	kt_check "local submission: logged as client=local, origin=local" \
		logged "$KT/got/bs@a.test.eml" 'result=signed client=local action=sign origin=local '
m=$(msg utf8 "$so" x@alters.test)
if kt_send_internal "$so" x@alters.test "$m" && got=$(delivered "OpaqueRecipients" x@alters.test); then
	kt_check "OpaqueRecipients: application/pkcs7-mime signed-data" \
		perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; exit !m{^Content-Type: application/pkcs7-mime; smime-type=signed-data}m' "$got"
	kt_check "OpaqueRecipients: three independent verifiers accept" \
		env VERIFY3_OUT="$KT/split/opaque" bash "$KT_INT/verify3.sh" "$got" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	kt_check "OpaqueRecipients: logged opaque_for" logged "$got" 'opaque_for=<x@alters.test>.*format=opaque'
else
	not_ok "OpaqueRecipients: submitted and delivered"
fi
kt_send_msa_internal() { kt_swaks --port "$KT_SUB_PORT" -- "$@"; }
signed_case "MSA daemon from 127.0.0.1 (InternalHosts)" kt_send_msa_internal utf8 "$so" msa-int@a.test

# ---- outbound: not signed -----------------------------------------------
if unsigned_case "external client claiming a province From" kt_send_external utf8 "$so" ext@a.test; then
	kt_check "external client: smime=none and the own-domain warning" trust_fields "$GOT" none "$warn"
fi
if unsigned_case "MSP without -f (envelope root@\$j)" kt_sm_send_msp utf8 "$so" msp-nof@a.test; then
	kt_check "MSP without -f: the log names EnvelopeCheck's reason" \
		logged "$GOT" 'envelope sender root@mx.test.hagiang.gov.vn does not match From'

fi
if unsigned_case "MSA daemon (M=E, not in MTA) from 127.0.0.2" kt_send_submission utf8 "$so" msa-ext@a.test; then
	kt_check "MSA from outside: treated as external (warning)" trust_fields "$GOT" none "$warn"
fi

# sendmail -bs as inetd runs it: the SMTP session on a TCP socket from
# 127.0.0.2. Sendmail takes the peer's address (getpeername): external.
inetd_bs() { # FROM RCPT FILE
	local port=$KT_MILTER_PORT pid rc
	perl -MIO::Socket::INET -e '
		my $port = shift;
		$| = 1;
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port,
		    Listen => 1, ReuseAddr => 1) or die "listen: $!";
		print "ready\n";
		$SIG{ALRM} = sub { exit 1 };
		alarm 120;
		my $c = $s->accept or exit 1;
		close $s;
		open(STDIN, "<&", $c) or die; open(STDOUT, ">&", $c) or die;
		exec @ARGV or die "exec: $!";' "$port" unshare --uts sh -c 'hostname '"$ID"' && exec env "$@"' _ \
		LD_LIBRARY_PATH="$(kt_sm_libdir)" "$(kt_sm_bin)" -C "$KT/sm/mta.cf" -Am -bs >"$KT/inetd.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -qs ready "$KT/inetd.log" && break; sleep 0.1; done
	kt_swaks --port "$port" --local-interface 127.0.0.2 -- "$@"
	rc=$?
	wait "$pid"
	return $rc
}
if unsigned_case "sendmail -bs on a TCP socket (inetd) from 127.0.0.2" inetd_bs utf8 "$so" inetd@a.test; then
	kt_check "inetd -bs: logged with the client's address, external" \
		logged "$GOT" 'client=127.0.0.2 action=verify origin=external'

	kt_check "inetd -bs: smime=none and the own-domain warning" trust_fields "$GOT" none "$warn"
fi

# sendmail -Am -t: the MTA takes the message from the command line, and
# Sendmail runs milters only on SMTP input: kyso never sees it
untouched() { # GOT
	[ -n "$(qid_of "$1")" ] || { echo "no queue id on $1"; return 1; }
	[ -z "$(our_ar "$1")$(verdicts "$1")" ] || { echo "fields of ours present"; return 1; }
	[ -z "$(log_of "$1")" ] || { log_of "$1"; return 1; }
}
am_t() { # FROM RCPT FILE
	(kt_sm -C "$KT/sm/mta.cf" -Am -i -t -f "$1" <"$3" >>"$KT/sendmail.log" 2>&1) &
	kt_sm_reap $! 60
}
if unsigned_case "sendmail -Am -t (no milter runs)" am_t utf8 "$so" am-t@a.test; then
	kt_check "sendmail -Am -t: no field of ours, no kyso log line" untouched "$GOT"
fi

# ---- inbound -------------------------------------------------------------
crlf() { perl -pe 's/\r?\n/\r\n/'; }
# signed_msg OUT SUBJECT [TAMPER]: a multipart/signed message from $so
# (agency seal, chain included), CRLF; TAMPER changes the signed text after
# signing
signed_msg() {
	local out=$1 e="$KT/entity.$$" der="$KT/sig.$$"
	printf '%s\r\n' 'Content-Type: text/plain; charset=utf-8' 'Content-Transfer-Encoding: 8bit' '' \
		'Kính gửi: Các cơ quan, đơn vị trên địa bàn tỉnh.' 'Số tiền: 1.000.000 đồng.' >"$e"
	openssl cms -sign -binary -in "$e" -signer "$KT_PKI/sotttt-agency.crt" \
		-inkey "$KT_PKI/sotttt-agency.enc.key" -passin "file:$KT_PKI/sotttt-agency.pass" \
		-certfile "$KT_PKI/chain.pem" -outform DER -out "$der" || return 1
	[ -n "${3:-}" ] && sed -i 's/1\.000\.000/9.000.000/' "$e"
	{
		printf '%s\r\n' "From: $so" 'To: nhan@hagiang.gov.vn' "Subject: $2" \
			'Date: Mon, 02 Mar 2026 08:00:00 +0700' "Message-ID: <$2@test.kyso>" 'MIME-Version: 1.0' \
			'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;' \
			' boundary="S"' '' '--S'
		cat "$e"
		printf '\r\n--S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		openssl base64 -in "$der" | crlf
		printf '\r\n--S--\r\n'
	} >"$out"
	rm -f "$e" "$der"
}
# forge OUT IN: IN with forged copies of our two fields (and another
# host's A-R, which must stay) above and below its Subject
forge() {
	perl -0777 -pe '
		BEGIN { ($id, $so) = splice(@ARGV, 0, 2) }
		s{^(Subject:[^\r]*\r\n)}{Authentication-Results: $id; smime=pass header.from=$so\r\n$1}m;
		s{^(Subject:[^\r]*\r\n)}{$1X-Kyso-Verdict: =?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87_/_Valid?=\r\n}m;
		s{^(Subject:[^\r]*\r\n)}{$1Authentication-Results: mx.example.org; dkim=pass header.d=example.org\r\n}m;
		s{^(MIME-Version:[^\r]*\r\n)}{authentication-results: \U$id\E;\r\n\tsmime=pass\r\n$1}m;' \
		"$ID" "$so" "$2" >"$1"
}
# same body (CRLF as LF) and same header fields but ours and Sendmail's
# Received (forged fields named in DROP must be gone, all others kept)
same_but_ours() { # SENT GOT
	perl -e '
		sub slurp { open(my $f, "<:raw", $_[0]) or die; local $/; my $d = <$f>; $d =~ s/\r\n/\n/g; $d }
		my ($s, $g) = (slurp($ARGV[0]), slurp($ARGV[1]));
		my ($sh, $sb) = $s =~ /\A(.*?\n)\n(.*)\z/s;
		my ($gh, $gb) = $g =~ /\A(.*?\n)\n(.*)\z/s;
		$sb =~ s/\n\z//; $gb =~ s/\n\z//;
		die "body differs\n" unless $sb eq $gb;
		my @f = grep { !/^(Authentication-Results:[ \t]*\Q$ARGV[2]\E;|X-Kyso-Verdict:|X-Kyso-Result:)/i }
			$sh =~ /^([^ \t\n][^\n]*\n(?:[ \t][^\n]*\n)*)/mg;
		my $recv = 0;
		my @g = grep { !/^(Authentication-Results:[ \t]*\Q$ARGV[2]\E;|X-Kyso-Verdict:|X-Kyso-Result:)/i && !(/^Received:/ && !$recv++) }
			$gh =~ /^([^ \t\n][^\n]*\n(?:[ \t][^\n]*\n)*)/mg;
		die "header fields differ:\nsent minus ours: @f\ngot minus ours: @g\n" unless "@f" eq "@g";' "$1" "$2" "$ID"
}
inbound_case() { # LABEL FILE RCPT RESULT VERDICT-START
	local got
	kt_send_external "$so" "$3" "$2" || { not_ok "$1: accepted"; tail -n 5 "$KT/swaks.log" | diag; return; }
	got=$(delivered "$1" "$3") || return
	kt_check "$1: one A-R of ours (smime=$4), one verdict '$5...'" trust_fields "$got" "$4" "$5"
	kt_check "$1: body byte for byte, other fields kept, forged ones gone" same_but_ours "$2" "$got"
}
signed_msg "$src/in-pass.eml" in-pass
signed_msg "$src/in-fail.eml" in-fail tamper
forge "$src/in-forged.eml" "$src/in-fail.eml"
sed -i 's/in-fail/in-forged/' "$src/in-forged.eml"
inbound_case "inbound valid signature" "$src/in-pass.eml" in-pass@hagiang.gov.vn pass "Hợp lệ / Valid:"
inbound_case "inbound tampered body" "$src/in-fail.eml" in-fail@hagiang.gov.vn fail "$warn"
inbound_case "inbound with forged A-R and verdict" "$src/in-forged.eml" in-forged@hagiang.gov.vn fail "$warn"
if [ -f "$KT/got/in-forged@hagiang.gov.vn.eml" ]; then
	kt_check "forged: another host's A-R kept" grep -q '^Authentication-Results: mx.example.org; dkim=pass' \
		"$KT/got/in-forged@hagiang.gov.vn.eml"
	kt_check "forged: the log counts 3 forged fields removed" \
		logged "$KT/got/in-forged@hagiang.gov.vn.eml" 'forged_removed=3 '

fi

# ---- the MSA daemon listed in MTA: Sendmail's {daemon_name} reaches us, and
# with M=E (no AUTH) that signs for anyone who reaches the port: why the
# manual lists a daemon only where its port requires AUTH
sed -i 's/^MTA .*/MTA ORIGINATING, MSA/' "$KT_CONF"
if kt_milter_reload && grep -q 'configuration reloaded' "$KT/milter.log"; then
	signed_case "MSA (M=E, no AUTH) listed in MTA: an outside client is signed" kt_send_submission utf8 "$so" msa-listed@a.test
	[ -f "$KT/got/msa-listed@a.test.eml" ] &&
		kt_check "MSA listed: logged as origin=mta daemon=MSA" \
			logged "$KT/got/msa-listed@a.test.eml" 'origin=mta daemon=MSA '

else
	not_ok "kyso-milter reloaded with MTA ORIGINATING, MSA"
fi

kt_check "kyso-milter still running" kill -0 "$KT_MILTER_PID"
kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
echo "# $(($(date +%s) - T0)) s"
kt_done
