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

# bold titles on a terminal only: a log or a pipe gets plain text
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
title() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
indent() { sed 's/^/    /'; }
die() { echo "demo: $*" >&2; exit 1; }
# while_waiting MSG CMD...: run CMD, printing MSG and a dot every 5 s so a
# newcomer sees the demo is alive during the install and the build
while_waiting() {
	local msg=$1 pid rc t=0
	shift
	printf '    %s ' "$msg"
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		[ $((t % 5)) = 0 ] && printf '.'
	done
	wait "$pid"
	rc=$?
	printf ' %s (%d s)\n' "$([ $rc = 0 ] && echo done || echo FAILED)" "$t"
	return $rc
}
# decode_mime: RFC 2047 words of header fields on stdin, as UTF-8
decode_mime() {
	perl -MEncode -ne 'binmode STDOUT, ":encoding(UTF-8)"; print decode("MIME-Header", $_)'
}
# decode_rfc4514: the \XX octets of RFC 4514 names (A-R is ASCII) as UTF-8
# (inside the A-R's quoted-string the backslash itself is escaped: \\E1)
decode_rfc4514() { perl -pe 's/\\{1,2}([89A-F][0-9A-F])/chr hex $1/ge'; }
started=$(date +%s)

[ "$(id -u)" = 0 ] || die "run as root (it starts a private Postfix instance)"

title "1. Packages and build"
blog=$(mktemp /tmp/kyso-demo-build.XXXXXX)
# the demo's packages only (no fuzzing or packaging tools): the test
# suite installs the rest
while_waiting "Debian packages for the build, Postfix and the three verifiers" \
	sh -c 'bash contrib/install-deps.sh --demo >"$1" 2>&1' sh "$blog" || { tail -n 30 "$blog"; die "installing packages failed"; }
grep '^install-deps' "$blog" | sed 's/^install-deps: //' | indent
if [ ! -f Makefile ]; then
	while_waiting "configuring (log: $blog)" \
		sh -c '{ autoreconf -fi && ./configure; } >>"$1" 2>&1' sh "$blog" || { tail -n 30 "$blog"; die "configure failed"; }
fi
while_waiting "building with make -j2" sh -c 'make -j2 >>"$1" 2>&1' sh "$blog" ||
	{ tail -n 30 "$blog"; die "build failed"; }
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
echo "kyso-milter -n (checks the configuration, keys and certificates):" | indent
./kyso-milter -c "$KT_CONF" -n 2>&1 | indent
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
echo "decoded Subject (RFC 2047):" | indent
perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; print "$1\n" if /^Subject:[ \t]*(.*)$/mi' "$signed" |
	decode_mime | sed 's/^/  /' | indent
echo "structure:" | indent
perl "$KT_TOOLS/mime-tree.pl" "$signed" | sed 's/^/  /' | indent
mkdir -p "$KT/split"
perl "$KT_TOOLS/split-signed.pl" "$signed" "$KT/split" >/dev/null
echo "signed part (first lines: Content-* fields moved inside, body re-encoded to 7 bit):" | indent
head -n 8 "$KT/split/content" | sed 's/^/  | /' | indent
echo "certificates carried in the signature (subject, UTF-8; the signer's first):" | indent
openssl pkcs7 -inform DER -in "$KT/split/smime.p7s" -print_certs 2>/dev/null |
	awk -v d="$KT/split" '/BEGIN CERT/ { n++ } n { print > (d "/cert" n ".pem") }'
for c in "$KT"/split/cert*.pem; do
	line=$(openssl x509 -in "$c" -noout -subject -ext subjectAltName -nameopt utf8,sep_comma_plus_space 2>/dev/null |
		sed -n 's/^subject=//p; s/^ *email:/  e-mail: /p' | paste -sd' ')
	case $line in *e-mail:*) echo "signer: $line" ;; *) echo "chain:  $line" ;; esac
done | sort -r | sed 's/^/  /' | indent
echo "signer and signed attributes:" | indent
openssl cms -cmsout -print -inform DER -in "$KT/split/smime.p7s" |
	sed -n '/signerInfos/,$p' | grep -o 'object: [^(]*\|algorithm: [^(]*' | sort -u | sed 's/^/  /' | indent
echo
echo "independent verifiers (trusting only the demo root):" | indent
bash tests/integration/verify3.sh "$signed" "$KT_PKI/root.crt" "$KT_PKI/chain.pem" >"$KT/verify3.out"
sed 's/^/  /' "$KT/verify3.out" | indent
verifiers_ok=$(grep -c '^ok \(openssl cms\|gpgsm\|nss\)' "$KT/verify3.out")

title "5. Inbound: mail from an external client (127.0.0.2)"
# show_inbound LABEL RCPT: print the trust fields added to a delivered message
show_inbound() {
	local got
	got=$(kt_wait "$2" 60) || { echo "not delivered" | indent; kt_dump_logs; return; }
	echo "$1:" | indent
	# our Authentication-Results (its issuer's \XX octets shown as UTF-8)
	# and the verdict decoded: what a recipient's filter and eye read
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "$1\n" while /^((?:Authentication-Results|X-Kyso-Result):.*)$/mgi' "$got" |
		decode_rfc4514 | fold -s -w 100 | sed 's/^/  | /' | indent
	perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "X-Kyso-Verdict: $1\n" while /^X-Kyso-Verdict:[ \t]*(.*)$/mgi' "$got" |
		decode_mime | fold -s -w 100 | sed 's/^/  | /' | indent
	got_result=$(perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		print "$1" if /^Authentication-Results:.*?\bsmime=(\w+)/mi' "$got")
	echo
}
kt_send_external "$so" vanthu@ubnd.hagiang.gov.vn "$signed"
show_inbound "a) the message signed above, arriving from outside" vanthu@ubnd.hagiang.gov.vn
result_a=${got_result:-none}
perl "$KT_TOOLS/make-msg.pl" utf8 "$so" ketoan@ubnd.hagiang.gov.vn "$KT/forged.eml"
kt_send_external "$so" ketoan@ubnd.hagiang.gov.vn "$KT/forged.eml"
show_inbound "b) unsigned mail from outside claiming From: $so" ketoan@ubnd.hagiang.gov.vn
result_b=${got_result:-none}
# change the first character of the signed part's body
perl -0777 -pe '/boundary="?([^";\n]+)/ or die "no boundary\n"; my $b = $1;
	s/(\n--\Q$b\E\r?\n(?:[^\n]+\n)*\r?\n)(.)/$1 . ($2 eq "X" ? "Y" : "X")/e' "$signed" >"$KT/tampered.eml"
kt_send_external "$so" chanhvanphong@ubnd.hagiang.gov.vn "$KT/tampered.eml"
show_inbound "c) the signed message with one character changed on the way" chanhvanphong@ubnd.hagiang.gov.vn
result_c=${got_result:-none}
# the same signed body under another Subject: the Subject is protected
# (RFC 9788, HeaderProtection yes), so the replay does not pass
perl -0777 -pe 's/^Subject: .*$/Subject: =?UTF-8?Q?Chuy=E1=BB=83n_ti=E1=BB=81n_g=E1=BA=A5p?=/m' "$signed" >"$KT/replayed.eml"
kt_send_external "$so" vanthu.ketoan@ubnd.hagiang.gov.vn "$KT/replayed.eml"
show_inbound "d) the signed message replayed under another Subject" vanthu.ketoan@ubnd.hagiang.gov.vn
result_d=${got_result:-none}

title "6. Stopping"
kt_milter_stop && echo "kyso-milter stopped" | indent
echo "Postfix instance, sinks and $KT are removed on exit (KEEP=1 keeps them)." | indent

# one line a newcomer can check: what happened against what should
expect="pass / none / fail / policy"
got="$result_a / $result_b / $result_c / $result_d"
signed_word=$(kt_is_signed "$signed" && echo signed || echo "NOT signed")
verdict=$([ "$got" = "$expect" ] && [ "${verifiers_ok:-0}" = 3 ] && [ "$signed_word" = signed ] &&
	echo "as expected" || echo "NOT as expected")
title "Summary"
echo "outbound: $signed_word; ${verifiers_ok:-0}/3 independent verifiers OK; inbound: $got ($verdict: $expect); $(($(date +%s) - started)) s" | indent
[ "$verdict" = "as expected" ]
