#!/usr/bin/env bash
# make-revocation-cases.sh OUTDIR PORT - a root CA and ten S/MIME signers
# whose AIA OCSP and CRL distribution point name distinct URLs on
# 127.0.0.1:PORT (a listener that accepts and never answers, in the test),
# and the messages the revocation tests verify:
#   ten.eml        one SignedData with all ten signers, valid
#   ten-bad.eml    the same signature over changed content (all signers fail)
#   one.eml        signer 1 alone
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-revocation-cases.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-revocation-cases.sh OUTDIR PORT}
port=${2:?usage: make-revocation-cases.sh OUTDIR PORT}
mkdir -p "$out"
cd "$out"
umask 077
ossl() { openssl "$@" 2>>err.log || { cat err.log >&2; return 1; }; }
crlf() { perl -pe 's/\r?\n/\r\n/'; }

ossl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 30 \
	-subj "/C=VN/O=Kyso revocation test/CN=Revocation test root" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"
signers=()
for i in 1 2 3 4 5 6 7 8 9 10; do
	cat >"s$i.ext" <<X
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectAltName = email:s$i@sotttt.hagiang.gov.vn
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$port/ocsp/$i
crlDistributionPoints = URI:http://127.0.0.1:$port/crl/$i.der
X
	ossl req -new -newkey rsa:2048 -nodes -keyout "s$i.key" -out "s$i.csr" \
		-subj "/C=VN/CN=Signer $i/emailAddress=s$i@sotttt.hagiang.gov.vn"
	ossl x509 -req -in "s$i.csr" -CA root.crt -CAkey root.key -set_serial "$((0x5000 + i))" \
		-days 30 -extfile "s$i.ext" -out "s$i.crt"
	signers+=(-signer "s$i.crt" -inkey "s$i.key")
done

printf '%s\n' 'Content-Type: text/plain; charset=us-ascii' '' 'Signed by ten.' | crlf >content.mime
printf '%s\n' 'Content-Type: text/plain; charset=us-ascii' '' 'Signed by none.' | crlf >other.mime
ossl cms -sign -binary -in content.mime "${signers[@]}" -outform DER -out ten.der
ossl cms -sign -binary -in content.mime -signer s1.crt -inkey s1.key -outform DER -out one.der

msg() { # out content sig
	{
		printf '%s\n' 'From: s1@sotttt.hagiang.gov.vn' 'To: nhan@hagiang.gov.vn' \
			'Subject: revocation' 'MIME-Version: 1.0' | crlf
		printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\r\n boundary="B"\r\n\r\n--B\r\n'
		cat "$2"
		printf '\r\n--B\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		openssl base64 -in "$3" | crlf
		printf '\r\n--B--\r\n'
	} >"$1"
}
msg ten.eml content.mime ten.der
msg ten-bad.eml other.mime ten.der
msg one.eml content.mime one.der
