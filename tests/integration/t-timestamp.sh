#!/usr/bin/env bash
# t-timestamp.sh - RFC 3161 timestamps through the administrator's command
# (`kyso-milter -c FILE -t MSG`, the daemon's path, no Postfix) against a
# real TSA (`openssl ts -reply` behind tests/pki/tsa-http.pl):
# - TimestampURL: our signature carries id-aa-signatureTimeStampToken, and
#   openssl cms, gpgsm and NSS cmsutil still accept it (verify3.sh); so
#   does a signed and sealed message (CoSign) whose two SignerInfos each
#   carry one;
# - TimestampTrustAnchors: verifying that message says "signed at ...
#   (proven by TSA ...)" in X-Kyso-Verdict and the A-R comment;
# - a TSA that does not answer: OnTimestampFailure sign (signed without,
#   logged) and tempfail (75, 451, nothing out);
# - TimestampURL must be http.
set -u
. "$(dirname "$0")/lib.sh"
kt_init timestamp
kt_pki
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
so=vanthu@sotttt.hagiang.gov.vn
tsa="$KT/tsa"
bash "$KT_TOP/tests/pki/make-tsa-cases.sh" "$tsa" >"$KT/tsa-gen.log" 2>&1 ||
	{ diag <"$KT/tsa-gen.log"; kt_bail "make-tsa-cases.sh failed"; }
# no Postfix here: the SMTP port of kt_init is free for the TSA
perl "$KT_TOP/tests/pki/tsa-http.pl" "$KT/tsa.port" "$tsa" "$KT_SMTP_PORT" >"$KT/tsa-http.log" 2>&1 </dev/null &
KT_SINK_PIDS="$KT_SINK_PIDS $!"
for _ in $(seq 1 50); do [ -s "$KT/tsa.port" ] && break; sleep 0.1; done
[ -s "$KT/tsa.port" ] || { diag <"$KT/tsa-http.log"; kt_bail "TSA server did not start"; }
kt_config "RevocationCheck crl" "CRLFile $KT_PKI/crl-all.pem" \
	"TimestampURL http://127.0.0.1:$KT_SMTP_PORT/tsa/good" \
	"TimestampTrustAnchors $tsa/tsa-root.crt"

kt_check "-n accepts the timestamp keys" "$bin" -c "$KT_CONF" -n
perl "$KT_TOOLS/make-msg.pl" --crlf alternative "$so" x@a.test "$KT/m.eml"
start=$(date +%s%N)
if "$bin" -c "$KT_CONF" -t "$KT/m.eml" -e "$so" -i 127.0.0.1 >"$KT/m.out" 2>"$KT/m.err"; then
	end=$(date +%s%N)
	ok "-t signs with a timestamp ($(((end - start) / 1000000)) ms for the whole command)"
	kt_check "the log says timestamp=yes" grep -q "timestamp=yes" "$KT/m.err"
	kt_check_signed "$KT/m.out" "$KT/m.eml" "timestamped"
	kt_check "the SignerInfo carries id-aa-signatureTimeStampToken" \
		bash -c 'openssl cms -cmsout -print -inform DER -in "$1" | grep -q "id-smime-aa-timeStampToken\|1.2.840.113549.1.9.16.2.14"' \
		_ "$KT/split/timestamped/smime.p7s"
else
	not_ok "-t signs with a timestamp"
	diag <"$KT/m.err"
fi

# signed and sealed: the ECDSA certificate signs, then (another
# configuration, CoSign yes) the RSA agency certificate seals; both
# SignerInfos carry a token and the three verifiers accept both
ec=vanthu.ec@sotttt.hagiang.gov.vn
perl "$KT_TOOLS/make-msg.pl" --crlf alternative "$ec" y@a.test "$KT/ec.eml"
sed "s|^vanthu.ec@.*|$ec sotttt|" "$KT/signing.table" >"$KT/seal.table"
sed "s|^SigningTable .*|SigningTable $KT/seal.table|" "$KT_CONF" >"$KT/seal.conf"
echo "CoSign yes" >>"$KT/seal.conf"
if "$bin" -c "$KT_CONF" -t "$KT/ec.eml" -e "$ec" -i 127.0.0.1 >"$KT/ec.out" 2>"$KT/ec.err" &&
	"$bin" -c "$KT/seal.conf" -t "$KT/ec.out" -e "$ec" -i 127.0.0.1 >"$KT/sealed.out" 2>"$KT/sealed.err"; then
	kt_check "sealed with a timestamp: the log says result=sealed ... timestamp=yes" \
		bash -c 'grep -q "result=sealed" "$1" && grep -q "timestamp=yes" "$1" || { cat "$1"; exit 1; }' _ "$KT/sealed.err"
	mkdir -p "$KT/split/sealed"
	kt_check "signed and sealed, two tokens: three independent verifiers accept" \
		env VERIFY3_OUT="$KT/split/sealed" bash "$KT_INT/verify3.sh" "$KT/sealed.out" "$KT_PKI/root.crt" "$KT_PKI/chain.pem"
	kt_check "both SignerInfos carry id-aa-signatureTimeStampToken" \
		bash -c '[ "$(openssl cms -cmsout -print -inform DER -in "$1" | grep -c "id-smime-aa-timeStampToken\|1.2.840.113549.1.9.16.2.14")" = 2 ]' \
		_ "$KT/split/sealed/smime.p7s"
else
	not_ok "signed, then sealed, with timestamps"
	diag <"$KT/ec.err"
	diag <"$KT/sealed.err" 2>/dev/null
fi

# verdict_of FILE: X-Kyso-Verdict and Authentication-Results, decoded
verdict_of() {
	perl -MEncode -0777 -ne 's/\r?\n[ \t]+/ /g;
		for my $f (/^(X-Kyso-Verdict:.*|Authentication-Results:.*)$/mgi) {
			print Encode::encode("UTF-8", Encode::decode("MIME-Header", $f)), "\n" }' "$1"
}
if [ -s "$KT/m.out" ] &&
	"$bin" -c "$KT_CONF" -t "$KT/m.out" -e "$so" -i 192.0.2.7 >"$KT/v.out" 2>"$KT/v.err"; then
	verdict_of "$KT/v.out" >"$KT/v.txt"
	sed 's/^/# /' "$KT/v.txt"
	kt_check "inbound: smime=pass" grep -q "smime=pass" "$KT/v.txt"
	kt_check "inbound verdict: ký lúc … (xác thực bởi TSA \"Kyso test TSA\") / signed at … (proven by TSA …)" \
		grep -q 'ký lúc [0-9-]* [0-9:]* UTC (xác thực bởi TSA "Kyso test TSA") / signed at [0-9-]* [0-9:]* UTC (proven by TSA "Kyso test TSA")' "$KT/v.txt"
	kt_check "inbound A-R: signed at … (proven by TSA Kyso test TSA)" \
		grep -q 'smime=pass (.*signed at [0-9T:-]*Z \\*(proven by TSA Kyso test TSA' "$KT/v.txt"
else
	not_ok "-t verifies the timestamped message"
	diag <"$KT/v.err"
fi
# without TimestampTrustAnchors the time stays the signer's claim
grep -v '^TimestampTrustAnchors' "$KT_CONF" >"$KT/noanchor.conf"
if "$bin" -c "$KT/noanchor.conf" -t "$KT/m.out" -e "$so" -i 192.0.2.7 >"$KT/na.out" 2>"$KT/na.err"; then
	verdict_of "$KT/na.out" >"$KT/na.txt"
	kt_check "no TSA anchors: the verdict says (claimed), timestamp not accepted" \
		bash -c 'grep -q "(tự khai) / signed (claimed)" "$1" && grep -q "timestamp not accepted" "$1" &&
			! grep -q "proven by" "$1"' _ "$KT/na.txt"
else
	not_ok "-t verifies without TimestampTrustAnchors"
	diag <"$KT/na.err"
fi

# a TSA that never answers (the black hole of port 1: refused)
sed 's|^TimestampURL .*|TimestampURL http://127.0.0.1:1/|' "$KT_CONF" >"$KT/dead.conf"
echo "TimestampTimeout 2" >>"$KT/dead.conf"
"$bin" -c "$KT/dead.conf" -t "$KT/m.eml" -e "$so" -i 127.0.0.1 >"$KT/d.out" 2>"$KT/d.err"
st=$?
kt_check "OnTimestampFailure sign (default): signed without a token, logged" \
	bash -c '[ "$1" = 0 ] && grep -q "result=signed" "$2" && grep -q "timestamp=no timestamp_error=" "$2" ||
		{ echo "status $1"; cat "$2"; exit 1; }' _ "$st" "$KT/d.err"
cp "$KT/dead.conf" "$KT/dead-tf.conf"
echo "OnTimestampFailure tempfail" >>"$KT/dead-tf.conf"
"$bin" -c "$KT/dead-tf.conf" -t "$KT/m.eml" -e "$so" -i 127.0.0.1 >"$KT/tf.out" 2>"$KT/tf.err"
st=$?
kt_check "OnTimestampFailure tempfail: 75, 451, nothing out" \
	bash -c '[ "$1" = 75 ] && [ ! -s "$2" ] && grep -q "reply 451" "$3" && grep -q "no timestamp" "$3" ||
		{ echo "status $1"; cat "$3"; exit 1; }' _ "$st" "$KT/tf.out" "$KT/tf.err"
if [ -s "$KT/ec.out" ]; then
	sed 's|^TimestampURL .*|TimestampURL http://127.0.0.1:1/|' "$KT/seal.conf" >"$KT/seal-tf.conf"
	printf 'TimestampTimeout 2\nOnTimestampFailure tempfail\n' >>"$KT/seal-tf.conf"
	"$bin" -c "$KT/seal-tf.conf" -t "$KT/ec.out" -e "$ec" -i 127.0.0.1 >"$KT/stf.out" 2>"$KT/stf.err"
	st=$?
	kt_check "OnTimestampFailure tempfail while sealing: 75, 451, nothing out" \
		bash -c '[ "$1" = 75 ] && [ ! -s "$2" ] && grep -q "reply 451" "$3" && grep -q "no timestamp" "$3" ||
			{ echo "status $1"; cat "$3"; exit 1; }' _ "$st" "$KT/stf.out" "$KT/stf.err"
fi
sed 's|^TimestampURL .*|TimestampURL https://tsa.ca.gov.vn/|' "$KT_CONF" >"$KT/https.conf"
if "$bin" -c "$KT/https.conf" -n >"$KT/https.out" 2>&1; then
	not_ok "-n refuses an https TimestampURL"
else
	kt_check "-n refuses an https TimestampURL, naming file and line" grep -q "https.conf:[0-9]*: TimestampURL" "$KT/https.out"
fi
kt_done
