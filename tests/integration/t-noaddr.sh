#!/usr/bin/env bash
# t-noaddr.sh - a client without an address through the real Postfix (the
# attacker's way to "no client address", which kyso-milter would count as
# local submission): what Postfix sends, and that it is never signed.
# An XCLIENT-authorized proxy (127.0.0.3 here) announcing ADDR=[UNAVAILABLE]
# makes Postfix's smtpd report the milter connection as family inet with
# the address text "unknown" (seen on the wire: C "localhost" '4' port
# "unknown"); libmilter cannot parse it and drops the connection, so
# milter_default_action = tempfail answers 4xx: the mail is not accepted at
# all, never signed. Control: XCLIENT with a real outside address arrives
# verified as external, with that address in kyso's log. Postfix's own local
# submission (sendmail(1), non_smtpd_milters; and sendmail -bs) arrives as
# client localhost/127.0.0.1, family inet, and is signed through
# InternalHosts.
set -u
. "$(dirname "$0")/lib.sh"
kt_init noaddr
KT_POSTFIX_EXTRA="smtpd_authorized_xclient_hosts = 127.0.0.3
relay_domains = a.test
smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject
smtpd_recipient_restrictions = permit_mynetworks, permit_auth_destination, reject"
kt_start_all
so=vanthu@sotttt.hagiang.gov.vn
src="$KT/src"
mkdir -p "$src"

# the kyso log line for the message to RCPT (by Postfix queue id)
log_for() {
	local qid
	qid=$(grep -F "to=<$1>" "$KT/maillog" | head -n 1 | sed -n 's/^[^]]*\]: \([0-9A-F]\{5,\}\): .*/\1/p')
	grep -F "${qid:-no-queue-id}: kyso result=" "$KT/milter.log"
}
logged() { # RCPT PATTERN
	local l
	l=$(log_for "$1")
	grep -q -- "$2" <<<"$l" || { echo "log line: ${l:-none}"; return 1; }
}
warned() { # FILE: one X-Kyso-Verdict, starting with the own-domain warning
	perl -MEncode -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		my @v = /^X-Kyso-Verdict:[ \t]*(.*)$/mig;
		binmode STDOUT, ":utf8";
		print "verdicts: @v\n" and exit 1 unless @v == 1;
		my $d = decode("MIME-Header", $v[0]);
		exit(index($d, "C\x{1ea3}nh b\x{e1}o:") == 0 ? 0 : 1)' "$1"
}

xclient_send() { # RCPT XCLIENT-ARGS...: the message, through the proxy
	local rcpt=$1
	shift
	perl "$KT_TOOLS/make-msg.pl" utf8 "$so" "$rcpt" "$src/$rcpt.eml"
	kt_swaks --port "$KT_SMTP_PORT" --local-interface 127.0.0.3 "$@" -- "$so" "$rcpt" "$src/$rcpt.eml"
}

# control: a proxied outside client with an address
if xclient_send x9@a.test --xclient-addr 192.0.2.9 --xclient-name x9.example &&
	got=$(kt_wait x9@a.test 60 2>"$KT/wait.log"); then
	if kt_is_signed "$got"; then not_ok "XCLIENT ADDR=192.0.2.9: arrived unsigned"; else
		ok "XCLIENT ADDR=192.0.2.9: arrived unsigned"; fi
	kt_check "XCLIENT ADDR=192.0.2.9: logged as external with that address" \
		logged x9@a.test 'client=192.0.2.9 action=verify origin=external '
	kt_check "XCLIENT ADDR=192.0.2.9: the own-domain warning" warned "$got"
else
	not_ok "XCLIENT ADDR=192.0.2.9: delivered"
	tail -n 15 "$KT/swaks.log" "$KT/wait.log" | diag
fi

for name in localhost '[UNAVAILABLE]'; do
	rcpt="noaddr-$(echo "$name" | tr -dc a-z)@a.test"
	label="XCLIENT ADDR=[UNAVAILABLE] NAME=$name"
	before=$(stat -c %s "$KT/swaks.log")
	xclient_send "$rcpt" --xclient-addr '[UNAVAILABLE]' --xclient-name "$name"
	kt_check "$label: refused with a 4xx reply (libmilter drops the connect, tempfail)" \
		grep -q '^<\*\* *4[0-9][0-9] ' <(tail -c +$((before + 1)) "$KT/swaks.log")
	kt_check "$label: nothing delivered or queued, nothing signed" \
		bash -c "! grep -q 'to=<$rcpt>' '$KT/maillog' && ! grep -q 'result=signed client=\(local\|unknown\)' '$KT/milter.log'"
done
kt_check "Postfix reported the connection as localhost[unknown]" \
	grep -q 'milter-reject: MAIL from localhost\[unknown\]: 451 ' "$KT/maillog"

# Postfix's local submission: client 127.0.0.1 (cleanup's localhost/127.0.0.1)
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" local@a.test "$src/local.eml"
if kt_send_local "$so" local@a.test "$src/local.eml" && got=$(kt_wait local@a.test 60 2>"$KT/wait.log"); then
	if kt_is_signed "$got"; then ok "Postfix sendmail(1): signed"; else not_ok "Postfix sendmail(1): signed"; fi
	kt_check "Postfix sendmail(1): kyso saw client 127.0.0.1 (InternalHosts)" \
		logged local@a.test 'client=127.0.0.1 action=sign origin=internal matched="InternalHosts 127.0.0.1/32"'
else
	not_ok "Postfix sendmail(1): delivered"
	diag <"$KT/wait.log"
fi
# Postfix's sendmail -bs (SMTP on a pipe): also localhost/127.0.0.1, inet
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" bs@a.test "$src/bs.eml"
perl -e '
	use IPC::Open2;
	my ($from, $file) = splice(@ARGV, 0, 2);
	my $pid = open2(my $out, my $in, @ARGV);
	open(my $f, "<:raw", $file) or die; my $d = do { local $/; <$f> };
	$d =~ s/\r?\n/\r\n/g; $d =~ s/^\./../mg;
	alarm 60;
	my $reply = sub { while (defined(my $l = <$out>)) { print $l; last if $l =~ /^\d{3} / } };
	$reply->();
	for my $c ("EHLO localhost\r\n", "MAIL FROM:<$from>\r\n", "RCPT TO:<bs\@a.test>\r\n", "DATA\r\n",
	    "$d.\r\n", "QUIT\r\n") { print $in $c; $in->flush; $reply->() }
	close $in; waitpid $pid, 0;' "$so" "$src/bs.eml" sendmail -C "$KT/etc" -bs >"$KT/bs.out" 2>&1
if got=$(kt_wait bs@a.test 60 2>"$KT/wait.log"); then
	if kt_is_signed "$got"; then ok "Postfix sendmail -bs: signed"; else not_ok "Postfix sendmail -bs: signed"; fi
	kt_check "Postfix sendmail -bs: kyso saw client 127.0.0.1 (InternalHosts)" \
		logged bs@a.test 'client=127.0.0.1 action=sign origin=internal '
else
	not_ok "Postfix sendmail -bs: delivered"
	diag <"$KT/bs.out"
fi
kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
kt_done
