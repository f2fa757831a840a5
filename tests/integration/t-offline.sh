#!/usr/bin/env bash
# t-offline.sh - the administrator's commands, without Postfix:
# `kyso-milter -c FILE -n` accepts the test configuration and names file and
# line of an error; `kyso-milter -c FILE -t MSG` signs LF-only and CRLF
# message files (checked by the three verifiers and the content comparison)
# and leaves mail from an outside client unsigned. -t takes the daemon's
# path (milter/gather.c, milter/apply.c): it refuses more than 1000 header
# fields as the daemon does, spools a message past SpoolMemoryLimit instead
# of holding it, passes one past MaximumMessageSize byte for byte, and
# leaves the same message as the daemon behind a real Postfix, for a
# signed one and for a verified one whose forged trust fields are removed.
set -u
. "$(dirname "$0")/lib.sh"
kt_init offline
kt_pki
# the verify case needs a revocation answer: the test PKI's CRL file
kt_config "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem"
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
so=vanthu@sotttt.hagiang.gov.vn

kt_check "-n accepts the test configuration" "$bin" -c "$KT_CONF" -n
cp "$KT_CONF" "$KT/bad.conf"
echo "OnUnmappedSender maybe" >>"$KT/bad.conf"
line=$(wc -l <"$KT/bad.conf")
if "$bin" -c "$KT/bad.conf" -n >"$KT/bad.out" 2>&1; then
	not_ok "-n rejects a bad value"
else
	ok "-n rejects a bad value"
fi
kt_check "-n names file and line ($KT/bad.conf:$line)" grep -q "bad.conf:$line" "$KT/bad.out"
install -m 644 "$KT_PKI/ubnd-agency.key" "$KT/ubnd-644.key"
sed "s|$KT_PKI/ubnd-agency.key|$KT/ubnd-644.key|" "$KT/certificate.table" >"$KT/perm.table"
sed "s|^CertificateTable .*|CertificateTable $KT/perm.table|" "$KT_CONF" >"$KT/perm.conf"
if "$bin" -c "$KT/perm.conf" -n >"$KT/perm.out" 2>&1; then
	not_ok "-n refuses a group/other-readable key"
else
	ok "-n refuses a group/other-readable key"
fi
kt_check "the refusal names the key file" grep -q "ubnd-644.key" "$KT/perm.out"

for eol in lf crlf; do
	flag=
	[ $eol = crlf ] && flag=--crlf
	perl "$KT_TOOLS/make-msg.pl" $flag alternative "$so" x@a.test "$KT/$eol.eml"
	if "$bin" -c "$KT_CONF" -t "$KT/$eol.eml" -e "$so" -i 127.0.0.1 >"$KT/$eol.out" 2>"$KT/$eol.err"; then
		ok "-t signs a $eol message file"
		sed 's/^/# decision: /' "$KT/$eol.err" | head -n 3
		kt_check_signed "$KT/$eol.out" "$KT/$eol.eml" "offline $eol"
	else
		not_ok "-t signs a $eol message file"
		diag <"$KT/$eol.err"
	fi
done

perl "$KT_TOOLS/make-msg.pl" utf8 "$so" x@a.test "$KT/ext.eml"
if "$bin" -c "$KT_CONF" -t "$KT/ext.eml" -e "$so" -i 192.0.2.7 >"$KT/ext.out" 2>"$KT/ext.err"; then
	if kt_is_signed "$KT/ext.out"; then
		not_ok "-t from an outside client: not signed"
	else
		ok "-t from an outside client: not signed"
	fi
	sed 's/^/# decision: /' "$KT/ext.err" | head -n 3
else
	not_ok "-t from an outside client runs"
	diag <"$KT/ext.err"
fi

# -r: the envelope recipients, for OpaqueRecipients (the daemon's RCPT)
{ cat "$KT_CONF"; echo "OpaqueRecipients alters.test"; } >"$KT/opaque.conf"
ct_of() { perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; print $1 if /^Content-Type:[ \t]*([^;\n]*)/mi' "$1"; }
"$bin" -c "$KT/opaque.conf" -t "$KT/ext.eml" -e "$so" -i 127.0.0.1 -r a@b.test -r y@alters.test \
	>"$KT/op.out" 2>"$KT/op.err"
kt_check "-t -r to a destination of OpaqueRecipients: signed opaque, logged" \
	bash -c "[ \"$(ct_of "$KT/op.out")\" = application/pkcs7-mime ] && grep -q \"opaque_for=<y@alters.test>\" \"$KT/op.err\""
"$bin" -c "$KT/opaque.conf" -t "$KT/ext.eml" -e "$so" -i 127.0.0.1 -r a@b.test >"$KT/op2.out" 2>"$KT/op2.err"
kt_check "-t -r to another destination: detached" test "$(ct_of "$KT/op2.out")" = multipart/signed
"$bin" -c "$KT_CONF" -r a@b.test >/dev/null 2>&1
kt_check "-r without -t: usage error (2)" test $? = 2

# ---- the daemon's limits and spool ----------------------------------------
# fields N FILE: a message with N header fields in all
fields() {
	{
		printf 'From: %s\r\nTo: x@a.test\r\nSubject: fields\r\n' "$so"
		for i in $(seq 4 "$1"); do printf 'X-Filler: %d\r\n' "$i"; done
		printf '\r\nHello.\r\n'
	} >"$2"
}
fields 1000 "$KT/f1000.eml"
fields 1001 "$KT/f1001.eml"
"$bin" -c "$KT_CONF" -t "$KT/f1000.eml" -e "$so" -i 127.0.0.1 >"$KT/f1000.out" 2>"$KT/f1000.err"
st=$?
kt_check "-t signs a message with exactly 1000 header fields" \
	bash -c '[ "$1" = 0 ] && grep -q "result=signed" "$2"' _ "$st" "$KT/f1000.err"
"$bin" -c "$KT_CONF" -t "$KT/f1001.eml" -e "$so" -i 127.0.0.1 >"$KT/f1001.out" 2>"$KT/f1001.err"
st=$?
kt_check "-t refuses 1001 header fields as the daemon does: 75, 451 4.3.0, nothing out" \
	bash -c '[ "$1" = 75 ] && [ ! -s "$2" ] &&
		grep -q "result=error reason=\"too many header fields\"" "$3" &&
		grep -q "reply 451 4.3.0" "$3" || { echo "status $1"; cat "$3"; exit 1; }' \
	_ "$st" "$KT/f1001.out" "$KT/f1001.err"
{
	printf 'From: %s\r\nTo: x@a.test\r\nX-Big: ' "$so"
	head -c 1100000 /dev/zero | tr '\0' 'a'
	printf '\r\n\r\nHello.\r\n'
} >"$KT/fbig.eml"
"$bin" -c "$KT_CONF" -t "$KT/fbig.eml" -e "$so" -i 127.0.0.1 >/dev/null 2>"$KT/fbig.err"
st=$?
kt_check "-t refuses a header over 1 MiB as the daemon does (75)" \
	bash -c '[ "$1" = 75 ] && grep -q "too many header fields" "$2"' _ "$st" "$KT/fbig.err"

# past SpoolMemoryLimit: spooled to disk, never read whole into memory
sed 's/^TemporaryDirectory.*//' "$KT_CONF" >"$KT/spool.conf"
printf 'TemporaryDirectory %s\nSpoolMemoryLimit 64k\n' "$KT/tmp" >>"$KT/spool.conf"
perl "$KT_TOOLS/make-msg.pl" --crlf big "$so" x@a.test "$KT/big.eml" 16
size_kb=$(($(stat -c %s "$KT/big.eml") / 1024))
if /usr/bin/time -f '%M' -o "$KT/big.rss" "$bin" -c "$KT/spool.conf" -t "$KT/big.eml" \
	-e "$so" -i 127.0.0.1 >"$KT/big.out" 2>"$KT/big.err"; then
	ok "-t signs a ${size_kb} kB message with SpoolMemoryLimit 64k"
	kt_check_signed "$KT/big.out" "$KT/big.eml" "offline big"
	rss=$(tail -n 1 "$KT/big.rss")
	echo "# peak RSS of -t on the ${size_kb} kB message: $rss kB"
	if ldd "$bin" 2>/dev/null | grep -q 'libasan\|libtsan'; then
		skip "peak RSS under the message size (sanitizer build)"
	else
		kt_check "peak RSS $rss kB under the message size ${size_kb} kB (spooled, not held)" \
			test "$rss" -lt "$size_kb"
	fi
else
	not_ok "-t signs a ${size_kb} kB message with SpoolMemoryLimit 64k"
	diag <"$KT/big.err"
fi
kt_check "the spool file is gone afterwards" bash -c '[ -z "$(ls -A "$1")" ]' _ "$KT/tmp"

# past MaximumMessageSize: OnTooBig accept, the message leaves as it came
sed 's/^MaximumMessageSize.*//' "$KT_CONF" >"$KT/max.conf"
echo "MaximumMessageSize 4k" >>"$KT/max.conf"
perl "$KT_TOOLS/make-msg.pl" --crlf alternative "$so" x@a.test "$KT/max.eml"
"$bin" -c "$KT/max.conf" -t "$KT/max.eml" -e "$so" -i 127.0.0.1 >"$KT/max.out" 2>"$KT/max.err"
st=$?
kt_check "-t past MaximumMessageSize: result too-big, the message byte for byte" \
	bash -c '[ "$1" = 0 ] && grep -q "result=too-big" "$2" && cmp "$3" "$4"' \
	_ "$st" "$KT/max.err" "$KT/max.eml" "$KT/max.out"

# ---- the same message leaves -t and the daemon behind Postfix ------------
# as_left FILE: the message with Postfix's Received field dropped, line
# ends LF, the multipart boundary and the signature bytes (new at every
# signing) replaced by placeholders
as_left() {
	perl -0777 -e '$_ = <>; s/\r//g;
		my ($h, $b) = split /\n\n/, $_, 2; $h .= "\n";
		$h =~ s/^Received:.*\n(?:[ \t].*\n)*//mg;
		$_ = "$h\n$b";
		if (/boundary="?([^";\s]+)/) { my $x = $1; s/\Q$x\E/BOUNDARY/g; }
		s{(Content-Type: application/pkcs7-signature.*?\n\n).*?(\n--BOUNDARY--)}{$1SIGNATURE$2}s;
		print' "$1"
}
kt_milter_start "$KT_CONF"
kt_sinks_start
kt_postfix_start "unix:$KT_SOCK"
# leaves_alike LABEL SEND-FUNCTION CLIENT-IP FILE RCPT: sets LEFT to the
# message the daemon let go
leaves_alike() {
	local label=$1 send=$2 ip=$3 m=$4 rcpt=$5 got
	LEFT=
	"$bin" -c "$KT_CONF" -t "$m" -e "$so" -i "$ip" >"$KT/$rcpt.offline" 2>"$KT/$rcpt.err" ||
		{ not_ok "$label: -t"; diag <"$KT/$rcpt.err"; return; }
	if ! "$send" "$so" "$rcpt" "$m" || ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$label: through Postfix"
		diag <"$KT/wait.log"
		kt_dump_logs
		return
	fi
	kt_check "$label: -t leaves the message the daemon leaves behind Postfix" \
		diff <(as_left "$KT/$rcpt.offline") <(as_left "$got")
	LEFT=$got
}
perl "$KT_TOOLS/make-msg.pl" --crlf alternative "$so" cmp-sign@a.test "$KT/cmp-sign.eml"
leaves_alike "sign" kt_send_internal 127.0.0.1 "$KT/cmp-sign.eml" cmp-sign@a.test
[ -n "$LEFT" ] && kt_check "sign: the daemon's message is signed" kt_is_signed "$LEFT"
# a signed message from outside, under forged copies of our trust fields
# (signed for its own recipient: with HeaderProtection, To is signed too)
perl "$KT_TOOLS/make-msg.pl" --crlf alternative "$so" cmp-verify@a.test "$KT/cmp-verify-src.eml"
"$bin" -c "$KT_CONF" -t "$KT/cmp-verify-src.eml" -e "$so" -i 127.0.0.1 >"$KT/cmp-verify-signed.eml" 2>/dev/null
{
	printf 'Authentication-Results: %s; smime=pass\r\n' mx.test.hagiang.gov.vn
	printf 'X-Kyso-Verdict: =?UTF-8?Q?Forged_H=E1=BB=A3p_l=E1=BB=87?=\r\n'
	printf 'Authentication-Results: mx.example.org; spf=pass\r\n'
	printf 'authentication-results: MX.TEST.HAGIANG.GOV.VN.;\r\n\tsmime=pass\r\n'
	cat "$KT/cmp-verify-signed.eml"
} >"$KT/cmp-verify.eml"
leaves_alike "verify" kt_send_external 127.0.0.2 "$KT/cmp-verify.eml" cmp-verify@a.test
[ -n "$LEFT" ] && kt_check "verify: forged fields gone, foreign A-R kept, smime=pass on top" \
	perl -0777 -e '$_ = <>; s/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		my @ar = /^Authentication-Results:(.*)$/mgi;
		exit !(@ar == 2 && $ar[0] =~ /^ mx\.test\.hagiang\.gov\.vn; smime=pass/ &&
			$ar[1] =~ /mx\.example\.org; spf=pass/ && /^Authentication-Results: mx\.test/ &&
			(() = /^X-Kyso-Verdict:/mgi) == 1 && !/Forged/)' "$LEFT"
kt_done
