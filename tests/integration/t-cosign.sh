#!/usr/bin/env bash
# t-cosign.sh - "signed and sealed" (CoSign yes) end to end: messages an
# official signed personally with OpenSSL, gpgsm and NSS cmsutil
# (tests/pki/make-cosign-cases.sh, RSA SHA-256, SHA-384 and ECDSA P-256) go
# through a private Postfix with kyso-milter, trusting the cases' own PKI
# and sealing with its Sở TT&TT agency certificate. Each good case must
# arrive with one more signer (official + seal), accepted by all three
# verifiers of verify3.sh; its signed first part byte-identical to the one
# submitted; every SignerInfo submitted present byte for byte (DER walk
# below, not kyso's code); the body outside the signature's base64
# unchanged; the milter logging result=sealed. One case goes in by local
# sendmail, one out through the next hop without 8BITMIME. Negative cases:
# an untrusted personal chain and a tampered message, and the good message
# after a reload with CoSign no, arrive with their body as sent and
# result=unsigned (with the cosign= reason when CoSign is on).
# smtp-sink stores LF line ends: comparisons map CRLF to LF, nothing else.
set -u
. "$(dirname "$0")/lib.sh"
kt_init cosign
T0=$(date +%s)
cos="$KT/cos"
bash "$KT_TOP/tests/pki/make-cosign-cases.sh" "$cos" >"$KT/cases.log" 2>&1 ||
	{ diag <"$KT/cases.log"; kt_bail "make-cosign-cases.sh failed"; }
# the cases' own PKI: trust anchor, chain and the sealing agency certificate
KT_PKI="$cos/pki"
kt_start_all "CoSign yes" "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem"
src="$KT/src"
sp="$KT/split"
mkdir -p "$src" "$sp"

# ---- helpers (perl: no kyso code involved) --------------------------------
cat >"$KT/cos.pl" <<'PL'
use strict;
use warnings;
sub slurp { open(my $f, '<:raw', $_[0]) or die "$_[0]: $!\n"; local $/; my $d = <$f>; $d // '' }
# one BER/DER element at $p: (header length, content length or -1, total)
sub tlv {
	my ($d, $p) = @_;
	my $q = $p;
	die "truncated at $p\n" if $q >= length $d;
	my $t = ord substr($d, $q++, 1);
	if (($t & 0x1f) == 0x1f) { $q++ while ord(substr($d, $q, 1)) & 0x80; $q++ }
	my $l = ord substr($d, $q++, 1);
	my $len;
	if ($l == 0x80) {
		$len = -1;
	} elsif ($l & 0x80) {
		$len = 0;
		$len = $len * 256 + ord substr($d, $q++, 1) for 1 .. ($l & 0x7f);
	} else {
		$len = $l;
	}
	my $h = $q - $p;
	return ($h, $len, $h + $len) if $len >= 0;
	my $c = $q;	# indefinite: children up to the end-of-contents octets
	while (substr($d, $c, 2) ne "\0\0") { my (undef, undef, $n) = tlv($d, $c); $c += $n }
	return ($h, -1, $c + 2 - $p);
}
# start offsets and lengths of the children of the constructed element at $p
sub kids {
	my ($d, $p) = @_;
	my ($h, $len, $tot) = tlv($d, $p);
	my $end = $len < 0 ? $p + $tot - 2 : $p + $tot;
	my @k;
	for (my $c = $p + $h; $c < $end;) { my (undef, undef, $n) = tlv($d, $c); push @k, [$c, $n]; $c += $n }
	return @k;
}
my $cmd = shift;
if ($cmd eq 'signerinfos') {	# P7S: each SignerInfo's bytes as hex, one a line
	my $d = slurp(shift);
	my @ci = kids($d, 0);	# ContentInfo: contentType, [0]
	my @sd = kids($d, (kids($d, $ci[1][0]))[0][0]);	# SignedData
	my $si = $sd[-1][0];	# signerInfos: the last field
	ord(substr($d, $si, 1)) == 0x31 or die "signerInfos is not a SET\n";
	print unpack('H*', substr($d, $_->[0], $_->[1])), "\n" for kids($d, $si);
} elsif ($cmd eq 'body') {	# FILE: the body, CRLF as LF, without the final line break
	my $d = slurp(shift);
	$d =~ s/\r\n/\n/g;
	$d =~ s/\A.*?\n\n//s or die "no header end\n";
	$d =~ s/\n\z//;
	print $d;
} elsif ($cmd eq 'nosig') {	# FILE BOUNDARY: the body with the signature's base64 as <SIG>
	my ($f, $b) = @_;
	my $d = slurp($f);
	$d =~ s/\r\n/\n/g;
	$d =~ s/\A.*?\n\n//s or die "no header end\n";
	$d =~ s/\n\z//;
	$d =~ s{(\n--\Q$b\E\n(?:[^\n]+\n)*?Content-Type:[ \t]*application/pkcs7-signature[^\n]*\n(?:[^\n]+\n)*\n)
		[A-Za-z0-9+/=\n]+?(\n--\Q$b\E--)}{$1<SIG>$2}sx == 1 or die "no base64 signature part\n";
	print $d;
}
PL
cospl() { perl "$KT/cos.pl" "$@"; }

# the signers' certificates (OpenSSL; the signatures are checked by verify3)
signer_certs() { # SPLITDIR OUT.pem
	openssl cms -verify -noverify -binary -inform DER -in "$1/smime.p7s" -content "$1/content.crlf" \
		-signer "$2" -out /dev/null 2>"$2.err" || { cat "$2.err"; return 1; }
}
has_cert() { # PEM-BUNDLE CERT: CERT is one of the bundle's certificates
	local want c
	want=$(openssl x509 -in "$2" -noout -fingerprint -sha256)
	rm -f "$1".c*
	awk -v p="$1.c" '/BEGIN CERT/ { n++ } n { print > (p n) } /END CERT/ { close(p n) }' "$1"
	for c in "$1".c*; do
		[ -e "$c" ] || continue
		[ "$(openssl x509 -in "$c" -noout -fingerprint -sha256)" = "$want" ] && return 0
	done
	echo "$(openssl x509 -in "$2" -noout -subject -serial -nameopt utf8) is not a signer"
	return 1
}
ncerts() { grep -c 'BEGIN CERTIFICATE' "$1"; }
# every SignerInfo submitted is in the delivered signature byte for byte,
# and the delivered one has exactly one more
signerinfos_kept() { # SENT-SPLIT GOT-SPLIT
	local a b
	cospl signerinfos "$1/smime.p7s" >"$1/si" || return 1
	cospl signerinfos "$2/smime.p7s" >"$2/si" || return 1
	a=$(wc -l <"$1/si")
	b=$(wc -l <"$2/si")
	[ "$b" = $((a + 1)) ] || { echo "SignerInfos: $a submitted, $b delivered"; return 1; }
	local l
	while read -r l; do
		grep -qxF "$l" "$2/si" || { echo "a submitted SignerInfo changed (${#l} hex digits)"; return 1; }
	done <"$1/si"
}
same_outside_sig() { # SENT GOT SPLITDIR: body equal except the signature's base64
	local b
	b=$(sed -n 's/^boundary=//p' "$3/info")
	diff <(cospl nosig "$1" "$b") <(cospl nosig "$2" "$b") >/dev/null ||
		{ diff <(cospl nosig "$1" "$b") <(cospl nosig "$2" "$b") | head -n 10; return 1; }
}
# From/To/Subject as submitted, and Message-ID when the message had one
# (Postfix adds one to o-smime, which has none)
same_fields() { # SENT GOT
	local h a b bad=0
	for h in From To Subject Message-ID; do
		a=$(kt_header "$1" "$h")
		b=$(kt_header "$2" "$h")
		[ "$h" = Message-ID ] && [ -z "$a" ] && continue
		[ "$a" = "$b" ] || { echo "$h: '$a' became '$b'"; bad=1; }
	done
	return $bad
}
same_body() { # SENT GOT
	cmp <(cospl body "$1") <(cospl body "$2")
}
# the milter's log line for the message delivered to RCPT matches PATTERN
logged() { # RCPT PATTERN
	local qid
	qid=$(grep -F "to=<$1>" "$KT/maillog" | grep 'status=sent' | head -n 1 |
		sed -n 's/^[^]]*\]: \([0-9A-F]\{5,\}\): .*/\1/p')
	grep "${qid:-no-queue-id}: kyso result=" "$KT/milter.log" | grep -E -- "$2" ||
		{ grep "${qid:-no-queue-id}: kyso" "$KT/milter.log"; return 1; }
}

# ---- the messages ----------------------------------------------------------
have() { grep -qx "$1 good" "$cos/cases"; }
prep() { # CASE LABEL-FILE [FROM-ADDRESS]: a copy to submit
	if [ -n "${3:-}" ]; then
		# headers are not signed: the From of the ECDSA official
		OLDFROM=$P NEWFROM=$3 perl -pe 's/\Q$ENV{OLDFROM}\E/$ENV{NEWFROM}/ if /^From:/' \
			"$cos/msg/$1.eml" >"$src/$2.eml"
	else
		cp "$cos/msg/$1.eml" "$src/$2.eml"
	fi
	echo "$src/$2.eml"
}
P=nguyenvanan@sotttt.hagiang.gov.vn
PEC=tranthibinh@sotttt.hagiang.gov.vn

# GOOD: label case rcpt sender from personal-cert
GOOD=(
	"OpenSSL RSA SHA-256|o-rsa|o-rsa@a.test|kt_send_internal|$P|personal"
	"OpenSSL RSA SHA-384|o-sha384|o-sha384@a.test|kt_send_internal|$P|personal"
	"OpenSSL ECDSA P-256|o-ec|o-ec@a.test|kt_send_internal|$PEC|personal-ec"
	"OpenSSL S/MIME writer|o-smime|o-smime@a.test|kt_send_internal|$P|personal"
	"gpgsm RSA|g-rsa|g-rsa@a.test|kt_send_internal|$P|personal"
	"NSS cmsutil RSA|n-rsa|n-rsa@a.test|kt_send_internal|$P|personal"
	"OpenSSL RSA via local sendmail|o-rsa|local@a.test|kt_send_local|$P|personal"
	"gpgsm RSA, no-8BITMIME hop|g-rsa|g-rsa@hop7.test|kt_send_internal|$P|personal"
)
# BAD: label case rcpt reason-pattern
BAD=(
	"untrusted personal chain|o-untrusted|untrusted@a.test|cosign=\"not sealed: issuer not trusted: [^\"]+\""
	"tampered signed part|bad-tampered|tampered@a.test|cosign=\"[^\"]+\""
	"duplicate Content-Type in the signed part|bad-dup-signed-ct|dupct@a.test|cosign=\"malformed signature: duplicate Content-Type in part 1.1\""
)

submit() { # SENDER FROM RCPT FILE
	"$1" "$2" "$3" "$4" || { tail -n 5 "$KT/swaks.log" "$KT/sendmail.log" 2>/dev/null; return 1; }
}

declare -A SENT
for g in "${GOOD[@]}"; do
	IFS='|' read -r label case rcpt send from pcert <<<"$g"
	if ! have "$case"; then
		continue
	fi
	f=$(prep "$case" "$rcpt" "$([ "$case" = o-ec ] && echo "$PEC")")
	if [ "$send" = kt_send_local ]; then
		# what a local program hands sendmail(1): LF line ends
		perl -pi -e 's/\r\n/\n/' "$f"
	fi
	if submit "$send" "$from" "$rcpt" "$f" >"$KT/submit.log" 2>&1; then
		SENT[$rcpt]=$f
	else
		not_ok "$label: submitted"
		diag <"$KT/submit.log"
	fi
done
for b in "${BAD[@]}"; do
	IFS='|' read -r label case rcpt why <<<"$b"
	f=$(prep "$case" "$rcpt")
	if submit kt_send_internal "$P" "$rcpt" "$f" >"$KT/submit.log" 2>&1; then
		SENT[$rcpt]=$f
	else
		not_ok "$label: submitted"
		diag <"$KT/submit.log"
	fi
done

# ---- the sealed messages ------------------------------------------------------
for g in "${GOOD[@]}"; do
	IFS='|' read -r label case rcpt send from pcert <<<"$g"
	if ! have "$case"; then
		skip "$label: $(grep '^skip' "$cos/cases" | tr '\n' ' ')"
		continue
	fi
	[ -n "${SENT[$rcpt]:-}" ] || continue
	if ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$label: delivered"
		diag <"$KT/wait.log"
		kt_dump_logs
		continue
	fi
	sent=${SENT[$rcpt]}
	d="$sp/$rcpt"
	mkdir -p "$d/sent" "$d/got"
	perl "$KT_TOOLS/split-signed.pl" "$sent" "$d/sent" >/dev/null || { not_ok "$label: split the submitted message"; continue; }
	if ! kt_is_signed "$got"; then
		not_ok "$label: arrived as multipart/signed (got $(kt_ctype "$got"))"
		continue
	fi
	kt_check "$label: OpenSSL, gpgsm and NSS accept every signature" \
		env VERIFY3_OUT="$d/got" bash "$KT_INT/verify3.sh" "$got" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	[ -f "$d/got/smime.p7s" ] || continue
	if signer_certs "$d/got" "$d/got/signers.pem" >"$d/signers.log" 2>&1 &&
		[ "$(ncerts "$d/got/signers.pem")" = 2 ]; then
		ok "$label: two signers"
	else
		not_ok "$label: two signers (got $(ncerts "$d/got/signers.pem" 2>/dev/null || echo none))"
		diag <"$d/signers.log"
	fi
	kt_check "$label: the official ($pcert.crt) still signs" has_cert "$d/got/signers.pem" "$KT_PKI/$pcert.crt"
	kt_check "$label: the seal is the agency certificate" has_cert "$d/got/signers.pem" "$KT_PKI/sotttt-agency.crt"
	kt_check "$label: signed first part byte-identical to the one submitted" \
		cmp "$d/sent/content.crlf" "$d/got/content.crlf"
	kt_check "$label: the submitted SignerInfo is byte-identical in the result" \
		signerinfos_kept "$d/sent" "$d/got"
	kt_check "$label: the body outside the signature's base64 is unchanged" same_outside_sig "$sent" "$got" "$d/got"
	kt_check "$label: micalg kept ($(sed -n 's/^micalg=//p' "$d/sent/info"))" \
		cmp <(grep '^micalg=' "$d/sent/info") <(grep '^micalg=' "$d/got/info")
	kt_check "$label: From/To/Subject/Message-ID kept" same_fields "$sent" "$got"
	kt_check "$label: milter logged result=sealed signers=1->2" logged "$rcpt" "result=sealed .* signers=1->2 "
done

# ---- not sealed: passed unchanged ---------------------------------------------
for b in "${BAD[@]}"; do
	IFS='|' read -r label case rcpt why <<<"$b"
	[ -n "${SENT[$rcpt]:-}" ] || continue
	if ! got=$(kt_wait "$rcpt" 60 2>"$KT/wait.log"); then
		not_ok "$label: delivered"
		diag <"$KT/wait.log"
		continue
	fi
	kt_check "$label: arrives with the body as submitted" same_body "${SENT[$rcpt]}" "$got"
	kt_check "$label: milter logged result=unsigned with the cosign= reason" \
		logged "$rcpt" "result=unsigned .* skipped=signed $why"
done

# ---- CoSign no (reload): the same good message passes unchanged ----------------
sed -i '/^CoSign/d' "$KT_CONF"
kill -USR1 "$KT_MILTER_PID"
for _ in $(seq 1 50); do
	grep -q 'configuration reloaded' "$KT/milter.log" && break
	sleep 0.1
done
kt_check "CoSign no: configuration reloaded" grep -q 'configuration reloaded' "$KT/milter.log"
f=$(prep o-rsa nocosign@a.test)
if submit kt_send_internal "$P" nocosign@a.test "$f" >"$KT/submit.log" 2>&1 &&
	got=$(kt_wait nocosign@a.test 60 2>"$KT/wait.log"); then
	kt_check "CoSign no: the signed message arrives with the body as submitted" same_body "$f" "$got"
	kt_check "CoSign no: milter logged result=unsigned skipped=signed, no cosign=" \
		logged nocosign@a.test "result=unsigned .* skipped=signed forged_removed"
else
	not_ok "CoSign no: delivered"
	diag <"$KT/submit.log"
	diag <"$KT/wait.log"
fi

kt_check "kyso-milter stops cleanly on SIGTERM" kt_milter_stop
echo "# t-cosign: $(($(date +%s) - T0)) s"
kt_done
