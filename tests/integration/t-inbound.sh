#!/usr/bin/env bash
# t-inbound.sh - inbound verification through the real Postfix: every case
# of tests/pki/make-inbound-cases.sh that needs no revocation responder
# (phase "any": messages signed by openssl, gpgsm, NSS cmsutil and Python
# cryptography, valid / tampered / partial / multi-signer / garbage / ...)
# is sent from an external client (127.0.0.2) under its trust profile. For
# each: the first smime= result of our Authentication-Results field is the
# expected one, an X-Kyso-Verdict field is there and is pure ASCII, no other
# header field appeared (no CR/LF injection from signer names), and the body
# arrived byte for byte as sent (line ends aside: SMTP carries CRLF and the
# sink writes LF). Then forged copies of our two fields, sent from outside,
# must be gone and replaced by our own verdict.
set -u
. "$(dirname "$0")/lib.sh"
kt_init inbound
cases="$KT/cases"
if ! timeout 300 bash "$KT_TOP/tests/pki/make-inbound-cases.sh" "$cases" >"$KT/cases.log" 2>&1; then
	tail -n 20 "$KT/cases.log" | diag
	kt_bail "make-inbound-cases.sh failed"
fi
KT_PKI="$cases/pki"
[ -x "$(kt_milter_bin)" ] || kt_bail "no kyso-milter binary at $(kt_milter_bin) (set KT_BUILD)"
mkdir -p "$KT/run" "$KT/tmp"
chmod 755 "$KT/run"
KT_SOCK="$KT/run/kyso.sock"
kt_sinks_start
kt_postfix_start "unix:$KT_SOCK"

# profile_conf PROFILE: the case set's trust profile with our socket and dirs
profile_conf() {
	sed -e "s|^Socket .*|Socket unix:$KT_SOCK|" -e "s|^TemporaryDirectory .*|TemporaryDirectory $KT/tmp|" \
		"$cases/$1.conf" >"$KT/$1.conf"
	grep -q '^Syslog ' "$KT/$1.conf" || echo "Syslog no" >>"$KT/$1.conf"
	echo "$KT/$1.conf"
}

# our A-R results, in order, for authserv-id $2 in message $1
ar_results() {
	perl -0777 -e '$id = shift; $_ = <>; s/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		for (/^Authentication-Results:[ \t]*(.*)$/mgi) {
			next unless /^\Q$id\E\s*;/i;
			print "$1\n" while /\bsmime=([a-z]+)/g;
		}' "$2" "$1"
}
header_names() { perl -0777 -ne 's/\r//g; s/\n\n.*//s; print lc("$1\n") while /^([^\s:]+):/mg' "$1" | sort; }
body_of() { perl -0777 -ne 's/\r//g; s/\A.*?\n\n//s or $_ = ""; s/\n*\z//; print' "$1"; }

# inbound_check NAME MSG GOT EXPECTED AUTHSERV
inbound_check() {
	local name=$1 msg=$2 got=$3 want=$4 id=$5 res first extra
	res=$(ar_results "$got" "$id" | paste -sd, -)
	first=${res%%,*}
	if [ "$first" = "$want" ]; then
		ok "$name: smime=$want"
	else
		not_ok "$name: smime=$want (got ${res:-no Authentication-Results from $id})"
		grep -i '^Authentication-Results' -A3 "$got" | head -n 6 | diag
	fi
	kt_check "$name: X-Kyso-Verdict present, 7-bit ASCII" \
		perl -0777 -ne 's/\r//g; s/\n\n.*//s; /^(X-Kyso-Verdict:.*\n(?:[ \t].*\n)*)/mi or die "missing\n";
			$1 =~ /[^\x09\x0a\x20-\x7e]/ and die "non-ASCII byte in: $1\n"' "$got"
	extra=$(comm -13 <(header_names "$msg") <(header_names "$got") | sort -u |
		grep -v -x 'received\|authentication-results\|x-kyso-verdict' | paste -sd' ' -)
	if [ -z "$extra" ]; then
		ok "$name: no header field added besides Received, A-R and X-Kyso-Verdict"
	else
		not_ok "$name: no header field added besides Received, A-R and X-Kyso-Verdict (new: $extra)"
	fi
	kt_check "$name: body byte-identical" cmp <(body_of "$msg") <(body_of "$got")
}

# the cases grouped by profile (one daemon start per profile)
awk -F'\t' '$1 !~ /^(#|skip|$)/ && $5 == "any" { if (!($4 in seen)) { seen[$4] = ++n } print seen[$4] "\t" $0 }' \
	"$cases/cases.tsv" | sort -s -t"$(printf '\t')" -k1,1n | cut -f2- >"$KT/cases-any.tsv"
current=
id=
while IFS=$'\t' read -r name file from profile phase facts want; do
	if [ "$profile" != "$current" ]; then
		[ -n "$current" ] && { kt_check "profile $current: kyso-milter stops cleanly" kt_milter_stop; }
		conf=$(profile_conf "$profile")
		if ! "$(kt_milter_bin)" -c "$conf" -n >"$KT/n.log" 2>&1; then
			not_ok "profile $profile: configuration accepted"
			diag <"$KT/n.log"
			current=
			continue
		fi
		kt_milter_start "$conf"
		current=$profile
		id=$(sed -n 's/^AuthservID[ \t]*//p' "$conf")
		id=${id:-$(hostname)}
	fi
	rcpt="$name@a.test"
	if [ "$want" = none ] && grep -qi '^OnUnsignedOwnDomain[ \t]*reject' "$conf"; then
		# policy: unsigned mail from outside claiming our domain is refused
		: >"$KT/swaks.log"
		if kt_send_external "$from" "$rcpt" "$cases/$file"; then
			not_ok "$name: rejected (OnUnsignedOwnDomain reject)"
		else
			kt_check "$name: rejected with a 5xx reply (OnUnsignedOwnDomain reject)" grep -q '^<\*\* *5[0-9][0-9]' "$KT/swaks.log"
		fi
		continue
	fi
	if ! kt_send_external "$from" "$rcpt" "$cases/$file"; then
		not_ok "$name: accepted by Postfix"
		tail -n 3 "$KT/swaks.log" | diag
		continue
	fi
	if ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$name: delivered"
		diag <"$KT/wait.log"
		continue
	fi
	inbound_check "$name" "$cases/$file" "$got" "$want" "$id"
done <"$KT/cases-any.tsv"

# forged copies of our fields from outside: a tampered message claiming a pass
if [ -n "$current" ] && [ "$current" != crl ]; then
	kt_check "profile $current: kyso-milter stops cleanly" kt_milter_stop
	conf=$(profile_conf crl)
	kt_milter_start "$conf"
	current=crl
	id=$(sed -n 's/^AuthservID[ \t]*//p' "$conf")
fi
if [ -n "$current" ]; then
	f="$KT/forged.eml"
	{
		printf 'Authentication-Results: %s; smime=pass header.from=vanthu@sotttt.hagiang.gov.vn\n' "$id"
		printf 'X-Kyso-Verdict: =?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87_/_Valid?=\n'
		cat "$cases/msg/o-tampered-body.eml"
	} >"$f"
	if kt_send_external vanthu@sotttt.hagiang.gov.vn forged@a.test "$f" && got=$(kt_wait forged@a.test 60); then
		res=$(ar_results "$got" "$id" | paste -sd, -)
		kt_check "forged A-R claiming pass on a tampered message: ours says fail (got $res)" test "${res%%,*}" = fail
		kt_check "forged fields removed: one A-R of ours, one X-Kyso-Verdict" \
			test "$(grep -ci "^Authentication-Results: *$id" "$got")/$(grep -ci '^X-Kyso-Verdict:' "$got")" = 1/1
		kt_check "forged verdict text gone" bash -c "! grep -q 'Valid?=\$' '$got'"
	else
		not_ok "forged-header message delivered"
	fi
	kt_check "profile $current: kyso-milter stops cleanly" kt_milter_stop
fi
kt_done
