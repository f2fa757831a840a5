#!/usr/bin/env bash
# make-cosign-cases.sh OUTDIR - personally signed messages for the
# "signed and sealed" tests (tests/unit/test_cosign.c), made at test time
# over the throwaway PKI of make-pki.sh by independent signers: OpenSSL
# (`openssl cms`, DER and its own S/MIME output), GnuPG (`gpgsm`) and NSS
# (`cmsutil`), plus the negative cases. Also issues personal-ec.crt (an
# official's P-256 certificate) in OUTDIR/pki.
#
# Writes OUTDIR/msg/<name>.eml (CRLF) and OUTDIR/cases, one line per
# message: "name kind" where kind is "good" (must be co-signable) or
# "bad" (must be refused); a signer tool that is missing leaves its
# messages out and writes "skip <tool>".
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-cosign-cases.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-cosign-cases.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
pki="$out/pki"
m="$out/msg"
w="$out/work"
mkdir -p "$m" "$w" "$out/token"
bash "$here/make-pki.sh" "$pki" >/dev/null
cases="$out/cases"
: >"$cases"

crlf() { perl -pe 's/\r?\n/\r\n/'; }
b64() { openssl base64 -in "$1" | crlf; }
P=nguyenvanan@sotttt.hagiang.gov.vn

# ---- an official's ECDSA certificate (P-256), as make-pki's personal one
if [ ! -e "$pki/personal-ec.crt" ]; then
	cat >"$w/pec.ext" <<X
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
certificatePolicies = 1.3.6.1.4.1.55555.1.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:tranthibinh@sotttt.hagiang.gov.vn
X
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/personal-ec.key" 2>/dev/null
	chmod 600 "$pki/personal-ec.key"
	openssl req -new -utf8 -key "$pki/personal-ec.key" \
		-subj "/C=VN/O=Sở Thông tin và Truyền thông tỉnh Hà Giang/CN=Trần Thị Bình" \
		-out "$w/pec.csr" 2>/dev/null
	openssl x509 -req -in "$w/pec.csr" -CA "$pki/intermediate.crt" -CAkey "$pki/intermediate.key" \
		-set_serial 0x5EC1 -days 365 -extfile "$w/pec.ext" -out "$pki/personal-ec.crt" 2>/dev/null
fi

# ---- the signed content: a MIME entity, canonical CRLF, 7-bit
content="$w/content.mime"
printf '%s\n' 'Content-Type: multipart/mixed; boundary="inner"' '' \
	'--inner' 'Content-Type: text/plain; charset=utf-8' \
	'Content-Transfer-Encoding: quoted-printable' '' \
	'K=C3=ADnh g=E1=BB=ADi c=C3=A1c c=C6=A1 quan, =C4=91=C6=A1n v=E1=BB=8B.' \
	'C=C3=B4ng v=C4=83n s=E1=BB=91 123/STTTT - signed by the official.' \
	'--inner' 'Content-Type: application/pdf; name="cv123.pdf"' \
	'Content-Transfer-Encoding: base64' \
	'Content-Disposition: attachment; filename="cv123.pdf"' '' \
	'JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==' \
	'--inner--' | crlf >"$content"

hdrs() { # subject
	printf '%s\n' "From: Nguyễn Văn An <$P>" 'To: nhan@hagiang.gov.vn' "Subject: $1" \
		'Date: Mon, 02 Mar 2026 08:00:00 +0700' "Message-ID: <$1@test.kyso>" \
		'MIME-Version: 1.0' | crlf
}

# detached NAME CONTENT SIG MICALG
detached() {
	local b="----=_kyso_cosign_B1"
	{
		hdrs "$1"
		printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
		printf '\tmicalg=%s; boundary="%s"\r\n\r\n' "$4" "$b"
		printf 'This is an S/MIME signed message.\r\n\r\n--%s\r\n' "$b"
		cat "$2"
		printf '\r\n--%s\r\n' "$b"
		printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n'
		printf 'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n'
		b64 "$3"
		printf '\r\n--%s--\r\n' "$b"
		printf '\r\nAn epilogue that must survive.\r\n'
	} >"$m/$1.eml"
}

ossl_sign() { # out.der cert [extra openssl cms args]
	local o=$1 c=$2
	shift 2
	openssl cms -sign -binary -in "$content" -signer "$pki/$c.crt" -inkey "$pki/$c.key" \
		-certfile "$pki/chain.pem" -outform DER -out "$o" "$@" 2>/dev/null
}

# ---- OpenSSL
ossl_sign "$w/o-rsa.der" personal -md sha256
detached o-rsa "$content" "$w/o-rsa.der" sha-256
echo "o-rsa good" >>"$cases"
ossl_sign "$w/o-sha384.der" personal -md sha384
detached o-sha384 "$content" "$w/o-sha384.der" sha-384
echo "o-sha384 good" >>"$cases"
ossl_sign "$w/o-ec.der" personal-ec -md sha256
detached o-ec "$content" "$w/o-ec.der" sha-256
echo "o-ec good" >>"$cases"
ossl_sign "$w/o-untrusted.der" untrusted -md sha256
detached o-untrusted "$content" "$w/o-untrusted.der" sha-256
echo "o-untrusted good" >>"$cases"
# the official's client already attached the agency certificate
cat "$pki/chain.pem" "$pki/sotttt-agency.crt" >"$w/more-certs.pem"
ossl_sign "$w/o-certs.der" personal -md sha256 -certfile "$w/more-certs.pem"
detached o-certs "$content" "$w/o-certs.der" sha-256
echo "o-certs good" >>"$cases"
# openssl's own S/MIME writer (its boundary, quoting and preamble)
{
	printf '%s\n' "From: $P" 'To: nhan@hagiang.gov.vn' 'Subject: o-smime' | crlf
	openssl cms -sign -binary -crlfeol -in "$content" -signer "$pki/personal.crt" \
		-inkey "$pki/personal.key" -certfile "$pki/chain.pem" -md sha256 2>/dev/null
} >"$m/o-smime.eml"
echo "o-smime good" >>"$cases"

# ---- signed soundly at the CMS level, but never to be sealed (policy):
# beside the official's good signature a second signer the seal would
# vouch for too - from an untrusted CA, or another (trusted) person
ossl_sign "$w/o-extra-untrusted.der" personal -md sha256 -signer "$pki/untrusted.crt" -inkey "$pki/untrusted.key"
detached o-extra-untrusted "$content" "$w/o-extra-untrusted.der" sha-256
echo "o-extra-untrusted policy" >>"$cases"
ossl_sign "$w/o-extra-other.der" personal -md sha256 -signer "$pki/mismatch.crt" -inkey "$pki/mismatch.key"
detached o-extra-other "$content" "$w/o-extra-other.der" sha-256
echo "o-extra-other policy" >>"$cases"

# ---- negative cases
sed 's/signed by the official/signed by somebody else/' "$content" >"$w/tampered.mime"
detached bad-tampered "$w/tampered.mime" "$w/o-rsa.der" sha-256
echo "bad-tampered bad" >>"$cases"
{
	hdrs bad-unsigned
	cat "$content"
} >"$m/bad-unsigned.eml"
echo "bad-unsigned bad" >>"$cases"
openssl cms -sign -binary -nodetach -in "$content" -signer "$pki/personal.crt" \
	-inkey "$pki/personal.key" -certfile "$pki/chain.pem" -outform DER -out "$w/op.der" 2>/dev/null
{
	hdrs bad-opaque
	printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n'
	printf 'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n'
	b64 "$w/op.der"
} >"$m/bad-opaque.eml"
echo "bad-opaque bad" >>"$cases"
# the signature part as raw DER (Content-Transfer-Encoding: binary): it
# verifies, but only its base64 text could be replaced in place
{
	hdrs bad-binary-sig
	printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
	printf '\tmicalg=sha-256; boundary="B2"\r\n\r\n--B2\r\n'
	cat "$content"
	printf '\r\n--B2\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
	printf 'Content-Transfer-Encoding: binary\r\n\r\n'
	cat "$w/o-rsa.der"
	printf '\r\n--B2--\r\n'
} >"$m/bad-binary-sig.eml"
echo "bad-binary-sig bad" >>"$cases"

# ---- GnuPG gpgsm
if command -v gpgsm >/dev/null 2>&1; then
	bash "$here/gpgsm-sign.sh" "$pki" "$content" "$w/g.der" "$w/gnupg"
	detached g-rsa "$content" "$w/g.der" sha-256
	echo "g-rsa good" >>"$cases"
else
	echo "skip gpgsm" >>"$cases"
fi

# ---- NSS cmsutil
if command -v cmsutil >/dev/null 2>&1 && command -v pk12util >/dev/null 2>&1; then
	db="sql:$w/nss"
	rm -rf "$w/nss"
	mkdir -p "$w/nss"
	certutil -N -d "$db" --empty-password
	pk12util -i "$pki/personal.p12" -d "$db" -W test >/dev/null
	certutil -A -n root -t "CT,C,C" -d "$db" -i "$pki/root.crt"
	# -Y NONE: no SMIMEEncryptionKeyPreference attribute
	cmsutil -S -T -G -P -Y NONE -H SHA256 -N personal -d "$db" -i "$content" -o "$w/n.der" 2>/dev/null
	detached n-rsa "$content" "$w/n.der" sha-256
	echo "n-rsa good" >>"$cases"
else
	echo "skip cmsutil" >>"$cases"
fi

# ---- the seal's key on a SoftHSM2 token (the PKCS#11 path of the seal)
if sh "$here/make-token.sh" "$out/token" "$pki/sotttt-agency.key" sotttt 1234 \
	>"$out/token/module.tmp" 2>/dev/null; then
	mv "$out/token/module.tmp" "$out/token/module"
else
	rm -f "$out/token/module.tmp"
	echo "skip softhsm2" >>"$cases"
fi

# ---- a structure field twice in one header block (read first by a raw
# reader, last by GMime): never sealed, wherever it is
perl -0777 -pe 's/\r\n\r\n/\r\nContent-Type: text\/plain\r\n\r\n/ or die' "$m/o-rsa.eml" \
	>"$m/bad-dup-top-ct.eml"
echo "bad-dup-top-ct bad" >>"$cases"
perl -0777 -pe 's/^(Content-Type: multipart\/signed)/content-type : text\/plain\r\n$1/m or die' \
	"$m/o-rsa.eml" >"$m/bad-dup-top-first.eml"
echo "bad-dup-top-first bad" >>"$cases"
perl -0777 -pe 's/(filename="smime.p7s"\r\n)/$1Content-Transfer-Encoding: 7bit\r\n/ or die' \
	"$m/o-rsa.eml" >"$m/bad-dup-sig-cte.eml"
echo "bad-dup-sig-cte bad" >>"$cases"
# validly signed over a part that says two things
perl -0777 -pe 's/(--inner\r\nContent-Type: text\/plain; charset=utf-8\r\n)/$1Content-Type: text\/html; charset=utf-8\r\n/ or die' \
	"$content" >"$w/dup.mime"
openssl cms -sign -binary -in "$w/dup.mime" -signer "$pki/personal.crt" -inkey "$pki/personal.key" \
	-certfile "$pki/chain.pem" -outform DER -out "$w/dup.der" -md sha256 2>/dev/null
detached bad-dup-signed-ct "$w/dup.mime" "$w/dup.der" sha-256
echo "bad-dup-signed-ct bad" >>"$cases"
