#!/usr/bin/env bash
# t-sign.sh - outbound signing end to end: test messages go through a
# private Postfix with kyso-milter to a next hop with 8BITMIME (@a.test) and
# one without (@hop7.test, where Postfix would downgrade 8-bit mail). Every
# message that must be signed is checked by kt_check_signed (three
# verifiers, decoded content equal to the original, 7-bit signed part,
# signed attributes + chain, routing fields kept). Messages that must not be
# signed must arrive unsigned, their body unchanged.
set -u
. "$(dirname "$0")/lib.sh"
kt_init sign
kt_start_all
src="$KT/src"
mkdir -p "$src"
so=vanthu@sotttt.hagiang.gov.vn

# msg KIND FROM RCPT -> path of a new test message (named after RCPT)
msg() {
	perl "$KT_TOOLS/make-msg.pl" "$1" "$2" "$3" "$src/$3.eml" && echo "$src/$3.eml"
}

# signed_case LABEL SENDER-FUNCTION KIND FROM RCPT
signed_case() {
	local label=$1 send=$2 kind=$3 from=$4 rcpt=$5 m got
	m=$(msg "$kind" "$from" "$rcpt")
	if ! "$send" "$from" "$rcpt" "$m"; then
		not_ok "$label: submitted"
		tail -n 5 "$KT/swaks.log" "$KT/sendmail.log" 2>/dev/null | diag
		return
	fi
	if ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$label: delivered"
		diag <"$KT/wait.log"
		kt_dump_logs
		return
	fi
	kt_check_signed "$got" "$m" "$label"
}

# unsigned_case LABEL SENDER-FUNCTION KIND FROM RCPT
unsigned_case() {
	local label=$1 send=$2 kind=$3 from=$4 rcpt=$5 m got
	m=$(msg "$kind" "$from" "$rcpt")
	"$send" "$from" "$rcpt" "$m" || { not_ok "$label: submitted"; return; }
	if ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$label: delivered"
		diag <"$KT/wait.log"
		kt_dump_logs
		return
	fi
	if kt_is_signed "$got"; then
		not_ok "$label: arrived unsigned"
	else
		ok "$label: arrived unsigned ($(kt_ctype "$got"))"
	fi
	kt_check "$label: content unchanged" kt_same_content "$m" "$got"
}

signed_case "plain ASCII" kt_send_internal ascii "$so" ascii@a.test
signed_case "no MIME header fields" kt_send_internal bare "$so" bare@a.test
kt_check "no MIME header fields: the signed part states its type and encoding" \
	perl -0777 -ne '($h) = /\n\n--[^\n]+\n(.*?)\n\n/s or exit 1;
		exit($h =~ /^Content-Type: text\/plain; charset=us-ascii(; hp="?clear"?)?$/m &&
		    $h =~ /^Content-Transfer-Encoding: (7bit|quoted-printable)$/m ? 0 : 1)' "$KT/got/bare@a.test.eml"
signed_case "plain ASCII, no-8BITMIME hop" kt_send_internal ascii "$so" ascii@hop7.test
signed_case "Vietnamese UTF-8 8bit" kt_send_internal utf8 "$so" utf8@a.test
signed_case "Vietnamese UTF-8 8bit, no-8BITMIME hop" kt_send_internal utf8 "$so" utf8@hop7.test
signed_case "alternative+HTML+binary attachment" kt_send_internal alternative "$so" alt@a.test
signed_case "alternative+HTML+binary attachment, no-8BITMIME hop" kt_send_internal alternative "$so" alt@hop7.test
signed_case "LF-only file via local sendmail" kt_send_local utf8 "$so" lf@hop7.test
signed_case "line over 998 octets" kt_send_internal longline "$so" long@a.test
signed_case "line over 998 octets, no-8BITMIME hop" kt_send_internal longline "$so" long@hop7.test
signed_case "ORIGINATING submission port from 127.0.0.2" kt_send_submission utf8 "$so" sub@hop7.test
signed_case "UBND seal (no e-mail, nonRepudiation only)" kt_send_internal utf8 vanthu@ubnd.hagiang.gov.vn ubnd@hop7.test
signed_case "ECDSA P-256 certificate" kt_send_internal utf8 vanthu.ec@sotttt.hagiang.gov.vn ec@hop7.test
sp="$KT/split"
[ -f "$sp/ECDSA P-256 certificate/info" ] &&
	kt_check "ECDSA: signed with the P-256 certificate" kt_signer_is "$sp/ECDSA P-256 certificate" "$KT_PKI/ecdsa-agency.crt"
[ -f "$sp/UBND seal (no e-mail, nonRepudiation only)/info" ] &&
	kt_check "UBND: signed with the UBND certificate" \
		kt_signer_is "$sp/UBND seal (no e-mail, nonRepudiation only)" "$KT_PKI/ubnd-agency.crt"
if [ -f "$sp/plain ASCII/info" ]; then
	kt_check "default digest: micalg=sha-256" grep -qx 'micalg=sha-256' "$sp/plain ASCII/info"
	kt_check "Sở TT&TT sender: signed with the agency certificate (encrypted key)" \
		kt_signer_is "$sp/plain ASCII" "$KT_PKI/sotttt-agency.crt"
fi

unsigned_case "external client claiming a province From" kt_send_external utf8 "$so" ext@a.test
unsigned_case "unmapped sender in a signing domain (OnUnmappedSender accept)" kt_send_internal utf8 \
	vanthu@sonn.hagiang.gov.vn unmapped@a.test
unsigned_case "internal sender outside the signing domains" kt_send_internal ascii \
	someone@example.org other@a.test
kt_check "milter log names a reason for the unmapped sender" grep -qi 'unmapped\|no signing table\|not mapped' "$KT/milter.log"

# a structure field twice: GMime would sign the last, a raw reader reads the
# first - not signed, passed unchanged, the log says why
dup="$src/dupct@a.test.eml"
printf '%s\r\n' "From: $so" 'To: dupct@a.test' 'Subject: duplicate Content-Type' \
	'Date: Mon, 02 Mar 2026 08:00:00 +0700' 'Message-ID: <dupct@a.test>' 'MIME-Version: 1.0' \
	'Content-Type: multipart/mixed; boundary="o"' '' '--o' 'Content-Type: text/plain' \
	'Content-Type: text/html' '' '<p>Pay 1000000 VND to account 666.</p>' '--o--' >"$dup"
if kt_send_internal "$so" dupct@a.test "$dup" && got=$(kt_wait dupct@a.test 60 2>"$KT/wait.log"); then
	if kt_is_signed "$got"; then
		not_ok "duplicate Content-Type in a part: arrived unsigned"
	else
		ok "duplicate Content-Type in a part: arrived unsigned"
	fi
	kt_check "duplicate Content-Type in a part: content unchanged" kt_same_content "$dup" "$got"
	kt_check "duplicate Content-Type in a part: the log says why" \
		grep -q 'result=unsigned.*error="duplicate Content-Type in part 1"' "$KT/milter.log"
else
	not_ok "duplicate Content-Type in a part: delivered"
	diag <"$KT/wait.log"
fi

kt_check "kyso-milter still running" kill -0 "$KT_MILTER_PID"
kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
kt_done
