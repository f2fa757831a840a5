#!/usr/bin/env bash
# t-inbound.sh - inbound verification through the real Postfix. Every case of
# tests/pki/make-inbound-cases.sh (messages signed by openssl, gpgsm, NSS
# cmsutil and Python cryptography: valid, tampered, partial, multi-signer,
# garbage, revoked, ...; OUTDIR/cases.tsv gives the expected smime= result)
# is sent from an external client (127.0.0.2) to kyso-milter running with
# the case's trust profile plus our site settings (AuthservID
# mail.hagiang.gov.vn, Domain hagiang.gov.vn + subdomains, InternalHosts
# 127.0.0.1, a signing table). Phases: first "down" (the certificates' OCSP
# responder and CRL distribution point unreachable), then a real `openssl
# ocsp` responder and a CRL HTTP server are started and the "any" and "up"
# cases run. Added here: forged copies of our two fields (case, folding,
# comment, version and quoting variants; 40 copies in one message; other
# authserv-ids that must stay), unsigned mail claiming the province's
# domains (and look-alikes that must not be warned about), a 4 MB signed
# message (verified from the spool file, over SpoolMemoryLimit), unsigned
# bodies with SMTP pitfalls (dot lines, "From " lines, 8-bit, binary parts).
# The daemon's log line for each message (found by Postfix queue id) must
# give the same result and the number of forged fields removed.
#
# Checked on each delivered copy (the sink's capture, its own records
# removed): exactly one Authentication-Results with our authserv-id, 7-bit,
# above Postfix's Received; the message result (pass only when every signer
# passes, else the worst signer's, VERDICTS.md), no smime=pass entry in a
# message that does not pass, and the number of smime= entries; exactly one
# X-Kyso-Verdict, 7-bit, strict RFC 2047 UTF-8 without control characters,
# starting as doc/VERDICTS.md says for that result (with the own-domain
# warning exactly when From is in hagiang.gov.vn and the result is not
# pass); every other header field exactly as sent (so nothing injected and
# forged fields gone); the body byte for byte as sent. Line ends: the files
# are sent with swaks (which sends CRLF) and smtp-sink stores LF, so both
# sides are compared with CRLF mapped to LF and nothing else changed.
set -u
. "$(dirname "$0")/lib.sh"
kt_init inbound
ID=mail.hagiang.gov.vn
T0=$(date +%s)

# ---- the cases, with the certificates' OCSP/CRL URLs on free ports
OCSP_PORT=$(free_port "$KT_SMTP_PORT" "$KT_SUB_PORT" "$KT_SINK8_PORT" "$KT_SINK7_PORT" "$KT_MILTER_PORT")
CRL_PORT=$(free_port "$OCSP_PORT" "$KT_SMTP_PORT" "$KT_SUB_PORT" "$KT_SINK8_PORT" "$KT_SINK7_PORT" "$KT_MILTER_PORT")
export OCSP_PORT CRL_PORT
cases="$KT/cases"
if ! timeout 300 bash "$KT_TOP/tests/pki/make-inbound-cases.sh" "$cases" >"$KT/cases.log" 2>&1; then
	tail -n 20 "$KT/cases.log" | diag
	kt_bail "make-inbound-cases.sh failed"
fi
grep '^skip' "$cases/cases.tsv" | sed 's/^skip\t/signer not installed, its cases left out: /' | diag
KT_PKI="$cases/pki"
[ -x "$(kt_milter_bin)" ] || kt_bail "no kyso-milter binary at $(kt_milter_bin) (set KT_BUILD)"
kt_config # signing/certificate tables for the site settings; sets KT_SOCK
kt_sinks_start
kt_postfix_start "unix:$KT_SOCK"
echo "# cases generated, Postfix up after $(($(date +%s) - T0)) s"

# ---- the checker: GOT SENT EXPECTED-HEADER AUTHSERV WANT OWN(0|1) N|-
# prints "ok<TAB>what" / "not ok<TAB>what<TAB>detail" lines, and
# "verdict<TAB>decoded text" / "ar<TAB>unfolded A-R of ours"
cat >"$KT/check.pl" <<'PL'
use strict;
use warnings;
my ($got, $sent, $exph, $id, $want, $own, $n) = @ARGV;
sub slurp { open(my $f, '<:raw', $_[0]) or die "$_[0]: $!\n"; local $/; my $d = <$f>; $d =~ s/\r\n/\n/g; $d }
sub split_msg { my $d = shift; $d =~ /\A(.*?\n)\n(.*)\z/s ? ($1, $2) : ($d =~ /\n\z/ ? $d : "$d\n", "") }
sub fields { my $h = shift; my @f = $h =~ /^([^ \t\n][^\n]*\n(?:[ \t][^\n]*\n)*)/mg; @f }
sub fname { $_[0] =~ /^([^:\s]+)\s*:/ ? lc $1 : '' }
sub fvalue { my $v = $_[0]; $v =~ s/^[^:]*:[ \t]*//; $v =~ s/\n([ \t])/$1/g; $v =~ s/\n\z//; $v }
my @out;
sub check { my ($okk, $what, $detail) = @_; push @out, $okk ? "ok\t$what" : "not ok\t$what\t" . ($detail // '') }

my ($gh, $gb) = split_msg(slurp($got));
my ($sh, $sb) = split_msg(slurp($sent));
my ($eh) = split_msg(slurp($exph));
my @gf = fields($gh);
# Authentication-Results fields of ours: first word (after CFWS) is our id
my (@ours, @rest, $verdicts, @vf, @rf);
my $recv_seen = 0;
my $ours_above = 1;
for my $f (@gf) {
	my $name = fname($f);
	if ($name eq 'authentication-results') {
		my $v = fvalue($f);
		(my $w = $v) =~ s/^(?:[ \t]|\((?:[^()\\]|\\.)*\))*//;
		if ($w =~ /^"?\Q$id\E"?(?=[ \t;(]|\z)/i) { push @ours, $f; $ours_above = 0 if $recv_seen; next }
	}
	if ($name eq 'x-kyso-verdict') { push @vf, $f; $ours_above = 0 if $recv_seen; next }
	if ($name eq 'x-kyso-result') { push @rf, $f; $ours_above = 0 if $recv_seen; next }
	if ($name eq 'received' && !$recv_seen) { $recv_seen = 1; next }	# Postfix's own
	push @rest, $f;
}
check(@ours == 1, "one Authentication-Results of ours", scalar(@ours) . " found");
check($ours_above && $recv_seen, "our fields sit above Postfix's Received field");
my $ar = @ours ? fvalue($ours[0]) : '';
check(join('', @ours, @vf) !~ /[^\x09\x0a\x20-\x7e]/ && !grep({ length($_) > 998 } split /\n/, join('', @ours, @vf)),
	"our fields are 7-bit printable ASCII, lines <= 998 octets");
push @out, "ar\t$ar";
my @res = $ar =~ /(?:^|[;\s])smime=([a-z]+)/g;
# the message result (VERDICTS.md): pass only when every signer passes,
# else the worst signer's (fail > policy > neutral > temperror)
my %sev = (pass => 0, temperror => 1, neutral => 2, policy => 3, fail => 4, permerror => 5, none => 6);
my ($best) = sort { ($sev{$b} // 9) <=> ($sev{$a} // 9) } @res;
$best //= '(none)';
check($best eq $want, "smime=$want", "got smime=" . join(',', @res));
check($want eq 'pass' || !grep({ $_ eq 'pass' } @res), "no smime=pass entry while the message does not pass",
	"got smime=" . join(',', @res));
check(@res == $n, "$n smime= entr" . ($n == 1 ? "y" : "ies"), scalar(@res) . ": " . join(',', @res)) if $n ne '-';

# X-Kyso-Result (ResultHeader yes): one field, the message result word
check(@rf == 1 && fvalue($rf[0]) eq $want, "one X-Kyso-Result: $want",
	join('', @rf) || 'none');
# the verdict: one field, strict RFC 2047 (UTF-8 B or Q words), no controls
check(@vf == 1, "one X-Kyso-Verdict", scalar(@vf) . " found");
my $dec = '';
my $vok = @vf ? 1 : 0;
my $why = '';
if (@vf) {
	my $v = fvalue($vf[0]);
	my $prev_ew = 0;
	for my $t (split /[ \t]+/, $v) {
		next if $t eq '';
		if ($t =~ /^=\?utf-8\?([bq])\?([^?\s]*)\?=$/i) {
			my ($enc, $txt) = (lc $1, $2);
			my $d;
			if ($enc eq 'b') {
				require MIME::Base64;
				$d = MIME::Base64::decode_base64($txt);
			} else {
				($d = $txt) =~ s/_/ /g;
				$d =~ s/=([0-9A-Fa-f]{2})/chr hex $1/ge;
			}
			$why .= "encoded-word over 75 octets; " if length($t) > 75;
			$dec .= ' ' if $dec ne '' && !$prev_ew;
			$dec .= $d;
			$prev_ew = 1;
		} else {
			$why .= "malformed encoded-word '$t'; " if $t =~ /=\?/;
			$dec .= ' ' if $dec ne '';
			$dec .= $t;
			$prev_ew = 0;
		}
	}
	utf8::decode($dec) or $why .= "not UTF-8; ";
	$why .= "control character in decoded text; " if $dec =~ /[\x00-\x1f\x7f\x{80}-\x{9f}]/;
	$vok = $why eq '';
}
check($vok, "X-Kyso-Verdict is strict RFC 2047 UTF-8 without control characters", $why);
my $warn = "C\x{1ea3}nh b\x{e1}o: th\x{1b0} mang \x{111}\x{1ecb}a ch\x{1ec9} c\x{1ee7}a t\x{1ec9}nh";
my $lead = $want eq 'pass' ? "H\x{1ee3}p l\x{1ec7} / Valid:"
	: $want eq 'none' ? "Kh\x{f4}ng c\x{f3} ch\x{1eef} k\x{fd} s\x{1ed1} / No digital signature"
	: "Kh\x{f4}ng h\x{1ee3}p l\x{1ec7} / Not valid ($want)";
my $body = $dec;
my $has_warn = $body =~ s/^\Q$warn\E[^\/]*\/ Warning: [^.]*\. //;
my $wantw = $own && $want ne 'pass';
check(($has_warn ? 1 : 0) == ($wantw ? 1 : 0) && index($dec, "C\x{1ea3}nh b\x{e1}o") == ($wantw ? 0 : -1),
	"verdict " . ($wantw ? "starts with the" : "has no") . " own-domain warning");
binmode STDOUT, ':utf8';
check(index($body, $lead) == 0, "verdict starts with '$lead'");
push @out, "verdict\t$dec";

# every other field exactly as expected; the body exactly as sent
my @ef = fields($eh);
my $diff = '';
for my $i (0 .. ($#ef > $#rest ? $#ef : $#rest)) {
	my ($a, $b) = ($ef[$i] // "(none)\n", $rest[$i] // "(none)\n");
	next if $a eq $b;
	$diff = "field " . ($i + 1) . ": expected $a got $b";
	last;
}
$diff =~ s/\n/\\n/g;
check($diff eq '', "other header fields arrived exactly as sent (" . scalar(@ef) . " fields)", $diff);
$sb =~ s/\n\z//;	# swaks ends the data with one CRLF, kt_unsink drops it
$gb =~ s/\n\z//;
my $where = '';
if ($sb ne $gb) {
	my $i = 0;
	$i++ while $i < length($sb) && $i < length($gb) && substr($sb, $i, 1) eq substr($gb, $i, 1);
	($where = "differs at octet $i of " . length($sb) . "/" . length($gb) . ": sent '" . substr($sb, $i, 30)
		. "' got '" . substr($gb, $i, 30) . "'") =~ s/([^\x20-\x7e])/sprintf "\\x%02x", ord $1/ge;
}
check($sb eq $gb, "body byte-identical (" . length($sb) . " octets, CRLF as LF)", $where);
print "$_\n" for @out;
PL

# ---- revocation servers (started before the "up" stage)
start_revocation_servers() {
	local pki="$cases/pki" i
	openssl ocsp -index "$pki/index.txt" -CA "$pki/chain.pem" -rsigner "$pki/ocsp-signer.crt" \
		-rkey "$pki/ocsp-signer.key" -port "$OCSP_PORT" >"$KT/ocsp.log" 2>&1 &
	KT_SINK_PIDS="$KT_SINK_PIDS $!"	# kt_cleanup stops them
	perl -MIO::Socket::INET -e '
		my ($port, $file) = @ARGV;
		open(my $f, "<", $file) or die; binmode $f;
		my $d = do { local $/; <$f> };
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port,
		    Listen => 5, ReuseAddr => 1) or die "listen: $!";
		$SIG{PIPE} = "IGNORE";
		$| = 1;
		print "ready\n";
		while (my $c = $s->accept) {
			my $r = <$c>;
			while (my $l = <$c>) { last if $l =~ /^\r?\n$/ }
			print "served $r";
			print $c "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\n",
			    "Content-Length: ", length($d), "\r\nConnection: close\r\n\r\n", $d;
			close $c;
		}' "$CRL_PORT" "$pki/crl.der" >"$KT/crl.log" 2>&1 &
	KT_SINK_PIDS="$KT_SINK_PIDS $!"
	# wait for both (a probing connection would upset the single-threaded responder)
	for i in $(seq 1 100); do
		grep -q "waiting for OCSP" "$KT/ocsp.log" && grep -q ready "$KT/crl.log" && return 0
		sleep 0.1
	done
	cat "$KT/ocsp.log" "$KT/crl.log" | diag
	return 1
}

# ---- extra cases: forged fields, own-domain claims, body pitfalls
x="$KT/extra"
mkdir -p "$x"
crlf() { perl -pe 's/\r?\n/\r\n/'; }
hdr_of() { perl -0777 -ne 's/\r\n/\n/g; print $1 if /\A(.*?\n)\n/s' "$1"; }
# forged MSG OUT BASE TOP AFTER-SUBJECT BOTTOM KEPT...: OUT = BASE with the
# (CRLF-separated) field blocks TOP above its header, AFTER-SUBJECT below its
# Subject field and BOTTOM at its end; OUT.hdr = what must arrive: BASE's
# header with the KEPT fields (given again, exactly as in those blocks) in
# the same places
forged() {
	local out=$1 base=$2
	perl -e '
		my ($base, $out, $top, $mid, $bot, @kept) = @ARGV;
		open(my $f, "<:raw", $base) or die; local $/; my $d = <$f>;
		my ($h, $b) = $d =~ /\A(.*?\r\n)(\r\n.*)\z/s or die "no header in $base\n";
		my %k = map { $_ => 1 } @kept;
		my $keep = sub { join "", grep { $k{$_} } split /(?<=\r\n)(?![ \t])/, $_[0] };
		my $put = sub {
			my ($t, $m, $bo) = @_;
			my $x = $h;
			$x =~ s/^(Subject:[^\r]*\r\n(?:[ \t][^\r]*\r\n)*)/$1$m/mi or die "no Subject\n";
			return $t . $x . $bo;
		};
		open(my $o, ">:raw", $out) or die;
		print $o $put->($top, $mid, $bot), $b;
		close $o;
		open($o, ">:raw", "$out.hdr") or die;
		(my $e = $put->($keep->($top), $keep->($mid), $keep->($bot))) =~ s/\r\n/\n/g;
		print $o $e, "\n";
		close $o;' "$base" "$out" "$3" "$4" "$5" "${@:6}"
}
ar_other='Authentication-Results: mx.example.org; dkim=pass header.d=example.org'
ar_sib='Authentication-Results: mx.hagiang.gov.vn; smime=pass header.from=vanthu@sotttt.hagiang.gov.vn'
ar_long='Authentication-Results: mail.hagiang.gov.vn.evil.example; smime=pass'
r=$'\r\n'
forged "$x/forged-tampered.eml" "$cases/msg/o-tampered-body.eml" \
	"Authentication-Results: $ID; smime=pass header.from=vanthu@sotttt.hagiang.gov.vn$r$ar_other$r"\
"X-Kyso-Verdict: =?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87_/_Valid?=$r" \
	"authentication-results: MAIL.HagIang.GOV.vn;$r	smime=pass$r$ar_long$r"\
"Authentication-Results: (checked) $ID 1; smime=pass$r$ar_sib$r"\
"Authentication-Results: \"$ID\"; smime=pass$r" \
	"x-kyso-verdict: Valid$r" \
	"$ar_other$r" "$ar_long$r" "$ar_sib$r"
forged "$x/forged-unsigned-own.eml" "$cases/msg/o-unsigned-own.eml" \
	"Authentication-Results: $ID;$r	smime=pass (valid; agency signer = From)$r	  header.from=vanthu@sotttt.hagiang.gov.vn$r"\
"X-Kyso-Verdict: =?UTF-8?B?SOG7o3AgbOG7hyAvIFZhbGlkOiBjb24gZOG6pXUgY8ahIHF1YW4=?=$r" \
	"X-Kyso-Verdict: =?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87?=$r$ar_other$r" \
	"Authentication-Results: ${ID^^}.; smime=pass$r""Authentication-Results: \"$ID.\"; smime=pass$r" \
	"$ar_other$r"
forged "$x/forged-valid.eml" "$cases/msg/o-agency-valid.eml" \
	"Authentication-Results: $ID; smime=fail$r$ar_sib$r" "X-Kyso-Verdict: forged$r" \
	"Authentication-Results: $ID; smime=policy$r" "$ar_sib$r"

# more forged copies than any fixed-size list: 40 of our A-R, each next to a
# field that must stay, and a forged verdict among them
top= mid= kept=()
for i in $(seq 1 40); do
	f="Authentication-Results: $ID; smime=pass (copy $i)$r"
	[ $((i % 2)) = 0 ] && f="X-Copy: $i$r$f" || f="$f""X-Copy: $i$r"
	if [ $i -le 20 ]; then top="$top$f"; else mid="$mid$f"; fi
	kept+=("X-Copy: $i$r")
done
forged "$x/forged-many.eml" "$cases/msg/o-tampered-body.eml" "$top" \
	"$mid""X-Kyso-Verdict: =?UTF-8?Q?H=E1=BB=A3p_l=E1=BB=87_/_Valid?=$r" "" "${kept[@]}"

# a signed message over SpoolMemoryLimit (1 MB): verified from the spool file
pki="$cases/pki"
{
	printf 'Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
	printf 'T\xe1\xbb\x87p \xc4\x91\xc3\xadnh k\xc3\xa8m.\r\n--big\r\n'
	printf 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	head -c 3000000 /dev/urandom | openssl base64 | crlf
	printf -- '--big--\r\n'
} >"$x/large.mime"
openssl cms -sign -binary -in "$x/large.mime" -signer "$pki/sotttt-agency.crt" -inkey "$pki/sotttt-agency.key" \
	-certfile "$pki/chain.pem" -outform DER -out "$x/large.der"
{
	printf '%s\r\n' 'From: vanthu@sotttt.hagiang.gov.vn' 'To: nhan@hagiang.gov.vn' 'Subject: large-spooled' \
		'Date: Mon, 02 Mar 2026 08:00:00 +0700' 'Message-ID: <large-spooled@test.kyso>' 'MIME-Version: 1.0' \
		'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;' \
		' boundary="S"' '' '--S'
	cat "$x/large.mime"
	printf '\r\n--S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	openssl base64 -in "$x/large.der" | crlf
	printf '\r\n--S--\r\n'
} >"$x/large-spooled.eml"

plain() { # OUT FROM-FIELD
	{
		printf '%s\n' "From: $2" 'To: nhan@hagiang.gov.vn' "Subject: $(basename "$1" .eml)" \
			'Date: Mon, 02 Mar 2026 08:00:00 +0700' "Message-ID: <$(basename "$1" .eml)@test.kyso>" \
			'MIME-Version: 1.0' 'Content-Type: text/plain; charset=us-ascii' '' 'No signature here.'
	} | crlf >"$1"
}
plain "$x/own-exact.eml" 'vanphong@hagiang.gov.vn'
plain "$x/own-upper.eml" 'VanThu@SoTTTT.HaGiang.Gov.VN'
plain "$x/own-display.eml" '=?UTF-8?B?VsSDbiB0aMawIFVCTkQ=?= <vanthu@ubnd.hagiang.gov.vn>'
plain "$x/lookalike-suffix.eml" 'vanthu@hagiang.gov.vn.evil.example'
plain "$x/lookalike-prefix.eml" 'vanthu@evilhagiang.gov.vn'
perl "$KT_TOOLS/make-msg.pl" ascii someone@example.org body-ascii@a.test "$x/body-ascii.eml"
perl "$KT_TOOLS/make-msg.pl" utf8 someone@example.org body-utf8@a.test "$x/body-utf8.eml"
perl "$KT_TOOLS/make-msg.pl" alternative someone@example.org body-alt@a.test "$x/body-alt.eml"

# ---- the case list: stage name file envelope-from profile want own n expected-header
own_of() { # ADDRESS -> 1 when its domain is hagiang.gov.vn or a subdomain
	case $(echo "${1##*@}" | tr 'A-Z' 'a-z') in hagiang.gov.vn | *.hagiang.gov.vn) echo 1 ;; *) echo 0 ;; esac
}
list="$KT/cases-run.tsv"
: >"$list"
while IFS=$'\t' read -r name file from profile phase facts want; do
	case $name in '' | '#'* | skip) continue ;; esac
	stage=up
	[ "$phase" = down ] && stage=down
	n=-
	case " $facts " in *" n="[0-9]*) n=$(echo " $facts " | sed 's/.* n=\([0-9]*\) .*/\1/') ;; *" found=0 "* | *" malformed=1 "*) n=1 ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stage" "$name" "$cases/$file" "$from" "$profile" \
		"$want" "$(own_of "$from")" "$n" "-" "$facts" >>"$list"
done <"$cases/cases.tsv"
extra() { # name file from want own n [expected-header]
	printf 'up\t%s\t%s\t%s\tcrl\t%s\t%s\t%s\t%s\t-\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:--}" >>"$list"
}
# how many forged copies each forged-* message carries (our id / our verdict)
declare -A FORGED=([forged-tampered]=6 [forged-unsigned-own]=5 [forged-valid]=3 [forged-many]=41)
V=vanthu@sotttt.hagiang.gov.vn
extra forged-tampered "$x/forged-tampered.eml" "$V" fail 1 1 "$x/forged-tampered.eml.hdr"
extra forged-unsigned-own "$x/forged-unsigned-own.eml" "$V" none 1 1 "$x/forged-unsigned-own.eml.hdr"
extra forged-valid "$x/forged-valid.eml" "$V" pass 1 1 "$x/forged-valid.eml.hdr"
extra forged-many "$x/forged-many.eml" "$V" fail 1 1 "$x/forged-many.eml.hdr"
extra large-spooled "$x/large-spooled.eml" "$V" pass 1 1
extra own-exact "$x/own-exact.eml" vanphong@hagiang.gov.vn none 1 1
extra own-upper "$x/own-upper.eml" VanThu@SoTTTT.HaGiang.Gov.VN none 1 1
extra own-display "$x/own-display.eml" bounce@example.org none 1 1
extra lookalike-suffix "$x/lookalike-suffix.eml" vanthu@hagiang.gov.vn.evil.example none 0 1
extra lookalike-prefix "$x/lookalike-prefix.eml" vanthu@evilhagiang.gov.vn none 0 1
extra body-ascii "$x/body-ascii.eml" someone@example.org none 0 1
extra body-utf8 "$x/body-utf8.eml" someone@example.org none 0 1
extra body-alt "$x/body-alt.eml" someone@example.org none 0 1

# ---- running a group of cases under one profile
profile_conf() { # PROFILE STAGE -> config path
	local c="$KT/conf-$2-$1.conf" t="$KT/tmp-$2-$1"
	mkdir -p "$t"
	local tables=("SigningTable $KT/signing.table" "CertificateTable $KT/certificate.table")
	# a profile with its own tables, or one that states that no table
	# binds a signer, does without the site's (which bind our own seals)
	grep -q -E '^(CertificateTable|# no site tables)' "$cases/$1.conf" && tables=()
	{
		printf '%s\n' "Socket unix:$KT_SOCK" "Syslog no" "AuthservID $ID" "Domain hagiang.gov.vn" \
			"SubDomains yes" "InternalHosts 127.0.0.1" "MTA ORIGINATING" \
			"${tables[@]}" "OnUnmappedSender accept" "TemporaryDirectory $t"
		grep -v -i -E '^[ \t]*(Socket|Syslog|AuthservID|Domain|SubDomains|InternalHosts|MTA|TemporaryDirectory)([ \t]|$)' \
			"$cases/$1.conf"
	} >"$c"
	echo "$c"
}

# log_check NAME WANT: the daemon's log line for the message to NAME@a.test
# (found by Postfix queue id, once Postfix logged the delivery or rejection)
log_check() {
	local qid
	qid=$(grep -F "to=<$1@a.test>" "$KT/maillog" | head -n 1 | sed -n 's/^[^]]*\]: \([0-9A-F]\{5,\}\): .*/\1/p')
	kt_check "$1: kyso-milter logged result=$2, forged_removed=${FORGED[$1]:-0}" \
		grep -q "${qid:-no-queue-id}: kyso result=$2 .* forged_removed=${FORGED[$1]:-0} " "$KT/milter.log"
}

# run_group STAGE PROFILE: one daemon for the group; send all, then check all
run_group() {
	local stage=$1 profile=$2 conf name file from want own n exph facts reject before got
	conf=$(profile_conf "$profile" "$stage")
	if ! "$(kt_milter_bin)" -c "$conf" -n >"$KT/n.log" 2>&1; then
		not_ok "profile $profile ($stage): configuration accepted"
		diag <"$KT/n.log"
		return
	fi
	rm -f "$KT_SOCK"
	kt_milter_start "$conf"
	reject=0
	grep -qi '^OnUnsignedOwnDomain[ \t]*reject' "$conf" && reject=1
	mkdir -p "$KT/smtp"
	awk -F'\t' -v s="$stage" -v p="$profile" '$1 == s && $5 == p' "$list" >"$KT/group.tsv"
	while IFS=$'\t' read -r _ name file from _ want own n exph facts; do
		before=$(stat -c %s "$KT/swaks.log" 2>/dev/null || echo 0)
		kt_send_external "$from" "$name@a.test" "$file"
		echo "rc=$?" >"$KT/smtp/$name"
		tail -c +$((before + 1)) "$KT/swaks.log" >>"$KT/smtp/$name"
	done <"$KT/group.tsv"
	while IFS=$'\t' read -r _ name file from _ want own n exph facts; do
		if [ $reject = 1 ] && [ "$own" = 1 ] && [ "$want" != pass ]; then
			# policy: mail from outside claiming our domain without a valid signature is refused
			log_check "$name" "$want"
			if grep -q '^<\*\* *5[0-9][0-9]' "$KT/smtp/$name" && ! grep -q "to=<$name@a.test>.*status=sent" "$KT/maillog"; then
				ok "$name: rejected with a 5xx reply, not delivered (OnUnsignedOwnDomain reject, smime=$want)"
			else
				not_ok "$name: rejected with a 5xx reply, not delivered (OnUnsignedOwnDomain reject, smime=$want)"
				diag <"$KT/smtp/$name"
			fi
			continue
		fi
		if ! grep -qx 'rc=0' "$KT/smtp/$name"; then
			not_ok "$name: accepted by Postfix"
			tail -n 5 "$KT/smtp/$name" | diag
			continue
		fi
		if ! got=$(kt_wait "$name@a.test" 60 2>"$KT/wait.log"); then
			not_ok "$name: delivered"
			diag <"$KT/wait.log"
			continue
		fi
		log_check "$name" "$want"
		[ "$exph" = - ] && exph=$file
		perl "$KT/check.pl" "$got" "$file" "$exph" "$ID" "$want" "$own" "$n" >"$KT/check.out" 2>&1 ||
			echo "not ok	checker failed	$(tail -n 1 "$KT/check.out")" >>"$KT/check.out"
		while IFS=$'\t' read -r st what detail; do
			case $st in
			ok) ok "$name: $what" ;;
			'not ok')
				not_ok "$name: $what"
				[ -n "$detail" ] && echo "$detail" | diag
				;;
			esac
		done <"$KT/check.out"
		grep -q '^not ok' "$KT/check.out" && grep '^ar	\|^verdict	' "$KT/check.out" | diag
		# revocation source and soft pass named where the case set says so
		case " $facts " in
		*" s0.revnote=OCSP "*) kt_check "$name: A-R names the OCSP answer" grep -q '^ar	.*OCSP' "$KT/check.out" ;;
		*" s0.revnote=CRL "*) kt_check "$name: A-R names the CRL" grep -q '^ar	.*CRL' "$KT/check.out" ;;
		esac
		case " $facts /$want" in
		*" s0.rev=unavailable "*/pass) kt_check "$name: verdict says soft pass" grep -q '^verdict	.*soft pass' "$KT/check.out" ;;
		esac
		if [ "$name" = o-badcn ]; then
			kt_check "$name: signer name shown without its CR/LF, no X-Injected field" \
				bash -c "grep -q '^verdict	.*Nguy.*X-Injected: 1' '$KT/check.out' && ! perl -0777 -ne 's/\\n\\n.*//s; exit(/^X-Injected/mi ? 0 : 1)' '$got'"
		fi
	done <"$KT/group.tsv"
	kt_check "profile $profile ($stage): kyso-milter ran throughout" kill -0 "$KT_MILTER_PID"
	kt_check "profile $profile ($stage): kyso-milter stops cleanly" kt_milter_stop
}

profiles_of() { awk -F'\t' -v s="$1" '$1 == s && !seen[$5]++ { print $5 }' "$list"; }

echo "# stage down: OCSP responder and CRL server not running"
for p in $(profiles_of down); do run_group down "$p"; done
if start_revocation_servers; then
	ok "OCSP responder (port $OCSP_PORT) and CRL server (port $CRL_PORT) running"
	echo "# stage up: phase any and up"
	for p in $(profiles_of up); do run_group up "$p"; done
	kt_check "CRL server was asked (RevocationCheck crl)" grep -q '^served GET /crl.der' "$KT/crl.log"
else
	not_ok "OCSP responder and CRL server running"
fi
echo "# $(grep -c . "$list") messages, $(($(date +%s) - T0)) s"
kt_done
