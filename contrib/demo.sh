#!/usr/bin/env bash
# demo.sh - kyso-milter in five minutes, on a fresh Debian 12 machine as root
# (run from anywhere; README's first command). It
#   1. installs missing packages (contrib/install-deps.sh) and builds;
#   2. makes a throwaway demo PKI with Vietnamese names (tests/pki/make-pki.sh);
#   3. writes a kyso-milter configuration for Sở TT&TT Hà Giang and starts a
#      private Postfix instance and kyso-milter on loopback (everything under
#      one /tmp directory; the system's own mail set-up is not touched);
#   4. sends a Vietnamese message from an internal sender and shows the
#      signed result and what OpenSSL, GnuPG and NSS say about it;
#   5. sends mail from an external client - the signed message, a forged
#      unsigned one claiming a province address, a tampered copy and a copy
#      under another Subject - and
#      shows the Authentication-Results and X-Kyso-Verdict fields added;
#   6. stops everything it started. KEEP=1 keeps the demo directory.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
indent() { sed 's/^/    /'; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it starts a private Postfix instance)"

title "1. Packages and build"
bash contrib/install-deps.sh || die "installing packages failed"
blog=$(mktemp /tmp/kyso-demo-build.XXXXXX)
if [ ! -f Makefile ]; then
	echo "configuring (log: $blog)"
	{ autoreconf -fi && ./configure; } >"$blog" 2>&1 || { tail -n 30 "$blog"; die "configure failed"; }
fi
echo "building (log: $blog)"
make -j2 >>"$blog" 2>&1 || { tail -n 30 "$blog"; die "build failed"; }
./kyso-milter -V 2>/dev/null | head -n 1 | indent
rm -f "$blog"

. tests/integration/lib.sh
KT_BUILD=$top
kt_init demo
# the demo prints its own messages; keep the test harness's TAP counter quiet
title "2. Throwaway demo PKI ($KT_PKI)"
kt_pki
for c in root intermediate sotttt-agency ubnd-agency; do
	printf '%-14s %s\n' "$c" "$(openssl x509 -in "$KT_PKI/$c.crt" -noout -subject -nameopt utf8,sep_comma_plus_space | sed 's/^subject=//')"
done | indent

title "3. kyso-milter configuration"
# the demo PKI publishes its revocation list as a file (no responders run)
kt_config "RevocationCheck     crl" "CRLFile             $KT_PKI/crl-all.pem"
for f in "$KT_CONF" "$KT/signing.table" "$KT/certificate.table"; do
	echo "--- $f"
	grep -v '^#' "$f" | sed "s|$KT|\$DEMO|g"
done | indent
./kyso-milter -c "$KT_CONF" -n && echo "kyso-milter -n: configuration OK" | indent
kt_milter_start "$KT_CONF"
kt_sinks_start
kt_postfix_start "unix:$KT_SOCK"
cat <<EOF | indent
Postfix:     private instance, config $KT/etc, smtpd on 127.0.0.1:$KT_SMTP_PORT
             smtpd_milters = non_smtpd_milters = unix:$KT_SOCK, milter_default_action = tempfail
kyso-milter: pid $KT_MILTER_PID; internal network 127.0.0.1; everything else is outside
next hop:    smtp-sink on 127.0.0.1:$KT_SINK7_PORT without 8BITMIME (Postfix must send 7-bit)
EOF

title "4. Outbound: vanthu@sotttt.hagiang.gov.vn writes from the internal network"
so=vanthu@sotttt.hagiang.gov.vn
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" congdan@hop7.test "$KT/out.eml"
echo "original message:" | indent
sed 's/^/  | /' "$KT/out.eml" | indent
kt_send_internal "$so" congdan@hop7.test "$KT/out.eml" || { kt_dump_logs; die "sending failed"; }
signed=$(kt_wait congdan@hop7.test 60) || { kt_dump_logs; die "the message was not delivered"; }
echo
echo "delivered (header):" | indent
perl -0777 -ne 's/\n\n.*//s; s/^Received:.*\n(?:[ \t].*\n)*//mg; print "$_\n"' "$signed" | sed 's/^/  | /' | indent
echo "structure:" | indent
perl "$KT_TOOLS/mime-tree.pl" "$signed" | sed 's/^/  /' | indent
mkdir -p "$KT/split"
perl "$KT_TOOLS/split-signed.pl" "$signed" "$KT/split" >/dev/null
echo "signed part (first lines: Content-* fields moved inside, body re-encoded to 7 bit):" | indent
head -n 8 "$KT/split/content" | sed 's/^/  | /' | indent
echo "signer and signed attributes:" | indent
openssl cms -cmsout -print -inform DER -in "$KT/split/smime.p7s" |
	sed -n '/signerInfos/,$p' | grep -o 'object: [^(]*\|algorithm: [^(]*' | sort -u | sed 's/^/  /' | indent
echo
echo "independent verifiers (trusting only the demo root):" | indent
bash tests/integration/verify3.sh "$signed" "$KT_PKI/root.crt" "$KT_PKI/chain.pem" | sed 's/^/  /' | indent

title "5. Inbound: mail from an external client (127.0.0.2)"
# show_inbound LABEL RCPT: print the trust fields added to a delivered message
show_inbound() {
	local got
	got=$(kt_wait "$2" 60) || { echo "not delivered" | indent; kt_dump_logs; return; }
	echo "$1:" | indent
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		while (/^((?:Authentication-Results|X-Kyso-Verdict|X-Kyso-Result):.*)$/mgi) {
			my $l = $1;
			$l = substr($l, 0, 110) . " ..." if $l =~ /^X-Kyso/i && length $l > 110;
			print "$l\n";
		}' "$got" | sed 's/^/  | /' | indent
	perl -0777 -MEncode -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		binmode STDOUT, ":encoding(UTF-8)";
		print "  decoded X-Kyso-Verdict: ", decode("MIME-Header", $1), "\n" while /^X-Kyso-Verdict:[ \t]*(.*)$/mgi' "$got" | indent
	echo
}
kt_send_external "$so" vanthu@ubnd.hagiang.gov.vn "$signed"
show_inbound "a) the message signed above, arriving from outside" vanthu@ubnd.hagiang.gov.vn
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" ketoan@ubnd.hagiang.gov.vn "$KT/forged.eml"
kt_send_external "$so" ketoan@ubnd.hagiang.gov.vn "$KT/forged.eml"
show_inbound "b) unsigned mail from outside claiming From: $so" ketoan@ubnd.hagiang.gov.vn
# change the first character of the signed part's body
perl -0777 -pe '/boundary="?([^";\n]+)/ or die "no boundary\n"; my $b = $1;
	s/(\n--\Q$b\E\r?\n(?:[^\n]+\n)*\r?\n)(.)/$1 . ($2 eq "X" ? "Y" : "X")/e' "$signed" >"$KT/tampered.eml"
kt_send_external "$so" chanhvanphong@ubnd.hagiang.gov.vn "$KT/tampered.eml"
show_inbound "c) the signed message with one character changed on the way" chanhvanphong@ubnd.hagiang.gov.vn
# the same signed body under another Subject: the Subject is protected
# (RFC 9788, HeaderProtection yes), so the replay does not pass
perl -0777 -pe 's/^Subject: .*$/Subject: =?UTF-8?Q?Chuy=E1=BB=83n_ti=E1=BB=81n_g=E1=BA=A5p?=/m' "$signed" >"$KT/replayed.eml"
kt_send_external "$so" vanthu.ketoan@ubnd.hagiang.gov.vn "$KT/replayed.eml"
show_inbound "d) the signed message replayed under another Subject" vanthu.ketoan@ubnd.hagiang.gov.vn

title "6. Stopping"
kt_milter_stop && echo "kyso-milter stopped" | indent
echo "Postfix instance, sinks and $KT are removed on exit (KEEP=1 keeps them)." | indent
