#!/usr/bin/env bash
# make-inbound-cases.sh OUTDIR - signed test messages for inbound
# verification, made at test time by four independent signers: OpenSSL
# (`openssl cms`), GnuPG (`gpgsm`), NSS (`cmsutil`) and Python
# `cryptography` - over the throwaway PKI of make-pki.sh, plus a signer whose
# common name carries CR/LF and control characters.
#
# Environment: OCSP_PORT, CRL_PORT (as make-pki.sh; written into the
# certificates' AIA and CDP). Writes OUTDIR/cases.tsv, one line per message:
#   name  file  from  profile  phase  facts  result
# profile: which trust configuration (OUTDIR/<profile>.conf, kyso-milter.conf
# syntax); phase: "up" (OCSP responder and CRL server running), "down"
# (neither running) or "any"; facts: key=value checks on the
# kyso_verify_message result; result: the expected smime= result.
# A signer tool that is not installed leaves its lines out (with a
# "skip" line naming the tool) - except python3-cryptography, which is
# installed with apt-get when missing and possible.
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-inbound-cases.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-inbound-cases.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
pki="$out/pki"
m="$out/msg"
w="$out/work"
mkdir -p "$m" "$w"

bash "$here/make-pki.sh" "$pki" >/dev/null

cases="$out/cases.tsv"
: >"$cases"
case_line() { # name from profile phase facts result
	printf '%s\tmsg/%s.eml\t%s\t%s\t%s\t%s\t%s\n' "$1" "$1" "$2" "$3" "$4" "$5" "$6" >>"$cases"
}
case_line_as() { # name file-base from profile phase facts result
	printf '%s\tmsg/%s.eml\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$cases"
}
skip_line() { printf 'skip\t%s\n' "$1" >>"$cases"; }

crlf() { perl -pe 's/\r?\n/\r\n/'; }

# ---- trust profiles (kyso-milter.conf syntax)
profile() { # name extra-lines
	{
		printf 'Socket unix:%s/sock\nDomain hagiang.gov.vn\nSubDomains yes\n' "$out"
		printf 'AuthservID mx.hagiang.gov.vn\nTrustAnchorFile %s/root.crt\n' "$pki"
		printf 'TemporaryDirectory %s\nRevocationTimeout 2\n' "$w"
		printf '%s\n' "$2"
	} >"$out/$1.conf"
}
oids='AgencyPolicyOIDs 1.3.6.1.4.1.55555.1.1
PersonalPolicyOIDs 1.3.6.1.4.1.55555.1.2'
# crl and strict: RevocationCheck left at its default (ocsp+crl); CRLFile
# answers when the responder is down
# SealTable: the UBND seal (no e-mail) for hagiang.gov.vn itself, the
# department's seal for its own domain and below
fpr() { openssl x509 -in "$pki/$1.crt" -noout -fingerprint -sha256 | sed 's/.*=/sha256:/'; }
printf '%s %s %s\n' "$(fpr ubnd-agency)" hagiang.gov.vn agency \
	"$(fpr sotttt-agency)" 'sotttt.hagiang.gov.vn,*.sotttt.hagiang.gov.vn' agency >"$out/seal.table"
oids="$oids
SealTable $out/seal.table"
profile noseal "# no site tables: nothing binds a certificate without e-mail
CRLFile $pki/crl-all.pem
AgencyPolicyOIDs 1.3.6.1.4.1.55555.1.1
PersonalPolicyOIDs 1.3.6.1.4.1.55555.1.2"
profile sealnooid "CRLFile $pki/crl-all.pem
SealTable $out/seal.table"
# our own CertificateTable binds the UBND seal to the addresses we sign with it
chmod 600 "$pki/ubnd-agency.key"
printf 'ubnd cert=%s key=%s chain=%s\n' "$pki/ubnd-agency.crt" "$pki/ubnd-agency.key" "$pki/chain.pem" >"$out/ours.certs"
printf '*@hagiang.gov.vn ubnd\n' >"$out/ours.signing"
profile ours "CRLFile $pki/crl-all.pem
CertificateTable $out/ours.certs
SigningTable $out/ours.signing"
profile crl "CRLFile $pki/crl-all.pem
$oids"
profile ocsp "RevocationCheck ocsp
$oids"
profile ocspsoft "RevocationCheck ocsp
OnRevocationUnavailable softpass
$oids"
profile fetch "RevocationCheck crl
$oids"
profile dflt "$oids"
profile nooid "RevocationCheck none"
profile norev "RevocationCheck none
$oids"
profile strict "CRLFile $pki/crl-all.pem
OnUnsignedOwnDomain reject
$oids"

# ---- one extra certificate: a signer name with CR/LF and control bytes
if [ ! -e "$pki/badcn.crt" ]; then
	cat >"$w/badcn.ext" <<X
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectAltName = email:badcn@sotttt.hagiang.gov.vn
X
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/badcn.key" 2>/dev/null
	badcn=$(printf 'Nguy\xe1\xbb\x85n\r\nX-Injected: 1\t\x01\x7f\xc2\x85 End')
	openssl req -new -utf8 -key "$pki/badcn.key" -subj "/C=VN/CN=$badcn" -out "$w/badcn.csr" 2>/dev/null
	openssl x509 -req -in "$w/badcn.csr" -CA "$pki/intermediate.crt" -CAkey "$pki/intermediate.key" \
		-set_serial 0x4BAD -days 365 -extfile "$w/badcn.ext" -out "$pki/badcn.crt" 2>/dev/null
fi

# ---- a company employee's certificate under the same CA: no e-mail,
# nobody declared it a seal (it must never seal for the province)
if [ ! -e "$pki/company.crt" ]; then
	cat >"$w/company.ext" <<X
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
X
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/company.key" 2>/dev/null
	openssl req -new -utf8 -key "$pki/company.key" -subj "/C=VN/O=Cong ty TNHH ABC/CN=Cong ty TNHH ABC" \
		-out "$w/company.csr" 2>/dev/null
	openssl x509 -req -in "$w/company.csr" -CA "$pki/intermediate.crt" -CAkey "$pki/intermediate.key" \
		-set_serial 0x4C0B -days 365 -extfile "$w/company.ext" -out "$pki/company.crt" 2>/dev/null
fi

# ---- the signed content: a MIME entity, canonical CRLF, 7-bit
content="$w/content.mime"
printf '%s\n' 'Content-Type: text/plain; charset=utf-8' \
	'Content-Transfer-Encoding: quoted-printable' '' \
	'K=C3=ADnh g=E1=BB=ADi c=C3=A1c c=C6=A1 quan, =C4=91=C6=A1n v=E1=BB=8B.' \
	'Xin chao - this text is signed.' | crlf >"$content"
other="$w/other.mime"
printf '%s\n' 'Content-Type: text/plain; charset=us-ascii' '' \
	'Pay 1000000 VND to account 666.' | crlf >"$other"

hdrs() { # from subject
	printf '%s\n' "From: $1" 'To: nhan@hagiang.gov.vn' "Subject: $2" \
		'Date: Mon, 02 Mar 2026 08:00:00 +0700' "Message-ID: <$2@test.kyso>" \
		'MIME-Version: 1.0' | crlf
}

b64() { openssl base64 -in "$1" | crlf; }

# detached NAME FROM CONTENT SIG [PROTOCOL-PARAMS]
detached() {
	local params=${5:-'protocol="application/pkcs7-signature"; micalg=sha-256'}
	local b=${BND:-----=_kyso_B1}
	{
		hdrs "$2" "$1"
		printf 'Content-Type: multipart/signed; %s;\r\n boundary="%s"\r\n\r\n' "$params" "$b"
		printf 'This is an S/MIME signed message.\r\n\r\n--%s\r\n' "$b"
		cat "$3"
		printf '\r\n--%s\r\n' "$b"
		printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n'
		printf 'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n'
		b64 "$4"
		printf '\r\n--%s--\r\n' "$b"
	} >"$m/$1.eml"
}

# opaque NAME FROM SIG [CONTENT-TYPE]
opaque() {
	local ct=${4:-'application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"'}
	{
		hdrs "$2" "$1"
		printf 'Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\n' "$ct"
		printf 'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n'
		b64 "$3"
	} >"$m/$1.eml"
}

# body of a message (everything after its header block)
body_of() { perl -0777 -ne 'print $1 if /\r?\n\r?\n(.*)\z/s' "$1"; }
# the MIME header lines of a message (Content-*), for re-wrapping
mime_hdrs_of() { perl -0777 -ne '($h)=/\A(.*?\r?\n)\r?\n/s; $h=~s/\r?\n[ \t]+/ /g; print grep { /^Content-/i } map {"$_\r\n"} split /\r?\n/, $h' "$1"; }

# wrapped NAME FROM INNER-MSG: signed entity inside multipart/mixed + footer
wrapped() {
	{
		hdrs "$2" "$1"
		printf 'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
		mime_hdrs_of "$3"
		printf '\r\n'
		body_of "$3"
		printf '\r\n--mix\r\nContent-Type: text/plain\r\n\r\n-- \r\nList footer added in transit.\r\n--mix--\r\n'
	} >"$m/$1.eml"
}

# forwarded NAME FROM INNER-MSG: signed message as message/rfc822 part 2
forwarded() {
	{
		hdrs "$2" "$1"
		printf 'Content-Type: multipart/mixed; boundary="fwd"\r\n\r\n--fwd\r\n'
		printf 'Content-Type: text/plain\r\n\r\nSee the forwarded message.\r\n--fwd\r\n'
		printf 'Content-Type: message/rfc822\r\n\r\n'
		cat "$3"
		printf '\r\n--fwd--\r\n'
	} >"$m/$1.eml"
}

# flip_sig FILE N: flip one byte inside the N-th RSA-2048 signature value
# (a 256-octet OCTET STRING) of a DER SignedData: breaks that signer only
flip_sig() {
	local at
	at=$(openssl asn1parse -inform DER -in "$1" | awk -F'[:=]' '/OCTET STRING/ && / l= 256 / {n++; if (n == '"$2"') {print $1 + $4 + 40; exit}}')
	[ -n "$at" ] || { echo "flip_sig: no signature $2 in $1" >&2; return 1; }
	perl -0777 -i -pe 'substr($_, '"$at"', 1) = chr(ord(substr($_, '"$at"', 1)) ^ 1);' "$1"
}

# flip one byte at offset len-OFF of a file
flip() { perl -0777 -i -pe 'my $o = length($_) - '"$2"'; substr($_, $o, 1) = chr(ord(substr($_, $o, 1)) ^ 1);' "$1"; }

ossl_sign() { # out.der cert key [extra openssl cms args]
	local o=$1 c=$2 k=$3
	shift 3
	openssl cms -sign -binary -in "$content" -signer "$pki/$c.crt" -inkey "$pki/$k.key" \
		-outform DER -out "$o" "$@" 2>/dev/null
}

V=vanthu@sotttt.hagiang.gov.vn
P=nguyenvanan@sotttt.hagiang.gov.vn
CH="$pki/chain.pem"
ok1='found=1 whole=1 n=1 s0.sig=1 s0.chain=1 s0.now=1 s0.weak=0'

# ---- OpenSSL, detached
ossl_sign "$w/o-agency.der" sotttt-agency sotttt-agency -certfile "$CH"
detached o-agency-valid "Văn thư <$V>" "$content" "$w/o-agency.der"
case_line o-agency-valid "$V" crl any "$ok1 s0.rev=good s0.kind=agency s0.email=1 part=TEXT" pass
case_line_as o-agency-valid-norev o-agency-valid "$V" norev any "$ok1 s0.rev=not_checked" pass
ossl_sign "$w/o-personal.der" personal personal -certfile "$CH"
detached o-personal-valid "$P" "$content" "$w/o-personal.der"
case_line o-personal-valid "$P" crl any "$ok1 s0.kind=personal s0.email=1" pass
ossl_sign "$w/o-ubnd.der" ubnd-agency ubnd-agency -certfile "$CH"
detached o-ubnd-noemail "vanphong@hagiang.gov.vn" "$content" "$w/o-ubnd.der"
case_line o-ubnd-noemail "vanphong@hagiang.gov.vn" crl any "$ok1 s0.kind=agency s0.email=0 s0.hasemail=0" pass
# a seal without e-mail passes only where configuration binds it to the From
case_line_as o-ubnd-noemail-noseal o-ubnd-noemail "vanphong@hagiang.gov.vn" noseal any "$ok1 s0.kind=agency s0.hasemail=0" policy
case_line_as o-ubnd-noemail-sealtable-nooid o-ubnd-noemail "vanphong@hagiang.gov.vn" sealnooid any "$ok1 s0.kind=unknown s0.hasemail=0" pass
case_line_as o-ubnd-noemail-certtable o-ubnd-noemail "vanphong@hagiang.gov.vn" ours any "$ok1 s0.kind=unknown s0.hasemail=0" pass
detached o-ubnd-wrongdomain "chutich@sotttt.hagiang.gov.vn" "$content" "$w/o-ubnd.der"
case_line o-ubnd-wrongdomain "chutich@sotttt.hagiang.gov.vn" crl any "$ok1 s0.hasemail=0" policy
case_line_as o-ubnd-wrongdomain-certtable o-ubnd-wrongdomain "chutich@sotttt.hagiang.gov.vn" ours any "$ok1 s0.hasemail=0" policy
# a company certificate under the same CA, no e-mail, on the chairman's From
ossl_sign "$w/o-company.der" company company -certfile "$CH"
detached o-company-noemail "Chủ tịch <chutich@hagiang.gov.vn>" "$content" "$w/o-company.der"
case_line o-company-noemail "chutich@hagiang.gov.vn" crl any "$ok1 s0.kind=unknown s0.hasemail=0" policy
case_line_as o-company-noemail-nooid o-company-noemail "chutich@hagiang.gov.vn" nooid any "$ok1 s0.kind=unknown" policy

sed 's/signed\./signed!/' "$content" >"$w/tampered.mime"
detached o-tampered-body "$V" "$w/tampered.mime" "$w/o-agency.der"
case_line o-tampered-body "$V" crl any "found=1 whole=1 s0.sig=0 s0.chain=1" fail
cp "$w/o-agency.der" "$w/o-tsig.der"
flip "$w/o-tsig.der" 20
detached o-tampered-sig "$V" "$content" "$w/o-tsig.der"
case_line o-tampered-sig "$V" crl any "found=1 whole=1 s0.sig=0" fail

ossl_sign "$w/o-expired.der" expired expired -certfile "$CH"
detached o-expired "expired@sotttt.hagiang.gov.vn" "$content" "$w/o-expired.der"
case_line o-expired "expired@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.chain=1 s0.now=0" policy
ossl_sign "$w/o-revoked.der" revoked revoked -certfile "$CH"
detached o-revoked "revoked@sotttt.hagiang.gov.vn" "$content" "$w/o-revoked.der"
case_line o-revoked "revoked@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.chain=1 s0.rev=revoked" policy
ossl_sign "$w/o-untrusted.der" untrusted untrusted -certfile "$pki/untrusted-root.crt"
detached o-untrusted "untrusted@sotttt.hagiang.gov.vn" "$content" "$w/o-untrusted.der"
case_line o-untrusted "untrusted@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.chain=0" policy
ossl_sign "$w/o-noeku.der" noeku noeku -certfile "$CH"
detached o-noeku "other@sotttt.hagiang.gov.vn" "$content" "$w/o-noeku.der"
case_line o-noeku "other@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.chain=0 s0.eku=0" policy
ossl_sign "$w/o-mismatch.der" mismatch mismatch -certfile "$CH"
detached o-mismatch "$V" "$content" "$w/o-mismatch.der"
case_line o-mismatch "$V" crl any "found=1 s0.sig=1 s0.chain=1 s0.email=0 s0.hasemail=1" policy
ossl_sign "$w/o-sha1.der" sotttt-agency sotttt-agency -certfile "$CH" -md sha1
detached o-weak-sha1 "$V" "$content" "$w/o-sha1.der" 'protocol="application/pkcs7-signature"; micalg=sha-1'
case_line o-weak-sha1 "$V" crl any "found=1 s0.sig=1 s0.chain=1 s0.weak=1" policy
ossl_sign "$w/o-rsa1024.der" weak weak -certfile "$CH"
detached o-weak-rsa1024 "weak@sotttt.hagiang.gov.vn" "$content" "$w/o-rsa1024.der"
case_line o-weak-rsa1024 "weak@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.weak=1" policy

wrapped o-partial "$V" "$m/o-agency-valid.eml"
case_line o-partial "$V" crl any "found=1 whole=0 part=1 s0.sig=1 s0.chain=1" policy
forwarded o-forwarded "$V" "$m/o-agency-valid.eml"
case_line o-forwarded "$V" crl any "found=1 whole=0 part=2 s0.sig=1" policy

# several signers: the message passes only when every one holds
ossl_sign "$w/o-multi.der" sotttt-agency sotttt-agency -signer "$pki/personal.crt" -inkey "$pki/personal.key" -certfile "$CH"
detached o-multi "$V" "$content" "$w/o-multi.der"
case_line o-multi "$V" crl any "found=1 whole=1 n=2 s0.sig=1 s1.sig=1 s0.email=1 s1.email=0" policy
# signed and sealed: the official's own signature plus the department seal
detached o-signed-sealed "$P" "$content" "$w/o-multi.der"
case_line o-signed-sealed "$P" crl any "found=1 whole=1 n=2 s0.sig=1 s1.sig=1 s0.email=0 s1.email=1" pass
case_line_as o-signed-sealed-noseal o-signed-sealed "$P" noseal any "found=1 n=2 s1.email=1" policy
ossl_sign "$w/o-multi-exp.der" expired expired -signer "$pki/sotttt-agency.crt" -inkey "$pki/sotttt-agency.key" -certfile "$CH"
detached o-multi-one-expired "$V" "$content" "$w/o-multi-exp.der"
case_line o-multi-one-expired "$V" crl any "found=1 n=2 s0.now=1 s1.now=0" policy
# Johnny class "multiple signerInfos": an untrusted signer prepended or
# appended to a valid one, a broken signature first or second
cat "$CH" "$pki/untrusted-root.crt" >"$w/chain+untrusted.pem"
ossl_sign "$w/o-multi-untr1.der" untrusted untrusted -signer "$pki/sotttt-agency.crt" -inkey "$pki/sotttt-agency.key" \
	-certfile "$w/chain+untrusted.pem"
detached o-multi-untrusted-first "$V" "$content" "$w/o-multi-untr1.der"
case_line o-multi-untrusted-first "$V" crl any "found=1 n=2" policy
ossl_sign "$w/o-multi-untr2.der" sotttt-agency sotttt-agency -signer "$pki/untrusted.crt" -inkey "$pki/untrusted.key" \
	-certfile "$w/chain+untrusted.pem"
detached o-multi-untrusted-last "$V" "$content" "$w/o-multi-untr2.der"
case_line o-multi-untrusted-last "$V" crl any "found=1 n=2" policy
cp "$w/o-multi.der" "$w/o-multi-bad1.der"
flip_sig "$w/o-multi-bad1.der" 1
detached o-multi-broken-first "$P" "$content" "$w/o-multi-bad1.der"
case_line o-multi-broken-first "$P" crl any "found=1 n=2 s0.sig=0 s1.sig=1" fail
cp "$w/o-multi.der" "$w/o-multi-bad2.der"
flip_sig "$w/o-multi-bad2.der" 2
detached o-multi-broken-last "$P" "$content" "$w/o-multi-bad2.der"
case_line o-multi-broken-last "$P" crl any "found=1 n=2 s0.sig=1 s1.sig=0" fail
# From fields a recipient may read otherwise than we do
detached o-two-from "$V
From: giamdoc@example.org" "$content" "$w/o-agency.der"
case_line o-two-from "$V" crl any "$ok1" policy
detached o-two-mailboxes "$V, giamdoc@example.org" "$content" "$w/o-agency.der"
case_line o-two-mailboxes "$V" crl any "$ok1" policy
detached o-display-spoof "\"$V\" <vanthu@sotttt-hagiang.example>" "$content" "$w/o-agency.der"
case_line o-display-spoof "$V" crl any "$ok1" policy
# the mailbox is the signer's own certified address, the display name shows
# another (raw, RFC 2047 encoded, full-width at sign): a reader who sees the
# name sees the chairman; never a pass. Its own address as the name passes.
detached o-display-other "\"chutich@hagiang.gov.vn\" <$P>" "$content" "$w/o-personal.der"
case_line o-display-other "$P" crl any "$ok1 s0.email=1" policy
detached o-display-other-enc "=?UTF-8?Q?chutich=40hagiang.gov.vn?= <$P>" "$content" "$w/o-personal.der"
case_line o-display-other-enc "$P" crl any "$ok1 s0.email=1" policy
detached o-display-other-wide "=?UTF-8?B?$(printf 'chutich\357\274\240hagiang.gov.vn' | base64 -w0)?= <$P>" "$content" "$w/o-personal.der"
case_line o-display-other-wide "$P" crl any "$ok1 s0.email=1" policy
detached o-display-self "\"$P\" <$P>" "$content" "$w/o-personal.der"
case_line o-display-self "$P" crl any "$ok1 s0.email=1" pass

head -c 600 /dev/urandom >"$w/garbage.der"
detached o-garbage "$V" "$content" "$w/garbage.der"
case_line o-garbage "$V" crl any "found=1 malformed=1" permerror

crlf_to_lf() { perl -0777 -pe 's/\r\n/\n/g' "$1" >"$2"; }
crlf_to_lf "$m/o-agency-valid.eml" "$m/o-lf-only.eml"
case_line o-lf-only "$V" crl any "$ok1" pass
detached o-x-protocol-md5 "$V" "$content" "$w/o-agency.der" 'protocol=application/x-pkcs7-signature; micalg=md5'
case_line o-x-protocol-md5 "$V" crl any "$ok1" pass
detached o-no-micalg-no-protocol "$V" "$content" "$w/o-agency.der" 'x-note=none'
case_line o-no-micalg-no-protocol "$V" crl any "$ok1" pass

ossl_sign "$w/o-cades.der" sotttt-agency sotttt-agency -certfile "$CH" -cades
detached o-cades "$V" "$content" "$w/o-cades.der"
case_line o-cades "$V" crl any "$ok1" pass

# CVE-2018-18509 class: embedded eContent differs from the shown part
openssl cms -sign -binary -nodetach -in "$other" -signer "$pki/sotttt-agency.crt" \
	-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/o-econtent.der" 2>/dev/null
detached o-econtent-mismatch "$V" "$content" "$w/o-econtent.der"
case_line o-econtent-mismatch "$V" crl any "found=1 econtent=1" fail
# the shown part with LF line ends: the eContent is compared with its CRLF
# form (streamed, smime/verify.c): the same text is no mismatch, another is
openssl cms -sign -binary -nodetach -in "$content" -signer "$pki/sotttt-agency.crt" \
	-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/o-econtent-same.der" 2>/dev/null
detached o-econtent-same-lf "$V" "$content" "$w/o-econtent-same.der"
crlf_to_lf "$m/o-econtent-same-lf.eml" "$w/o-econtent-same-lf.eml"
mv "$w/o-econtent-same-lf.eml" "$m/o-econtent-same-lf.eml"
case_line o-econtent-same-lf "$V" crl any "$ok1 econtent=0" pass
detached o-econtent-mismatch-lf "$V" "$content" "$w/o-econtent.der"
crlf_to_lf "$m/o-econtent-mismatch-lf.eml" "$w/o-econtent-mismatch-lf.eml"
mv "$w/o-econtent-mismatch-lf.eml" "$m/o-econtent-mismatch-lf.eml"
case_line o-econtent-mismatch-lf "$V" crl any "found=1 econtent=1" fail

ossl_sign "$w/o-nocerts.der" sotttt-agency sotttt-agency -nocerts
detached o-nocerts "$V" "$content" "$w/o-nocerts.der"
case_line o-nocerts "$V" crl any "found=1 s0.sig=0 s0.nocert=1" neutral

# nested: the personal signature inside the agency's (signed and sealed)
BND=inner-B2 detached o-personal-b2 "$P" "$content" "$w/o-personal.der"
mime_hdrs_of "$m/o-personal-b2.eml" >"$w/inner.mime"
printf '\r\n' >>"$w/inner.mime"
body_of "$m/o-personal-b2.eml" >>"$w/inner.mime"
rm -f "$m/o-personal-b2.eml"
openssl cms -sign -binary -in "$w/inner.mime" -signer "$pki/sotttt-agency.crt" \
	-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/o-outer.der" 2>/dev/null
detached o-nested "$V" "$w/inner.mime" "$w/o-outer.der"
case_line o-nested "$V" crl any "$ok1 nested=1" pass
# with LF line ends: the CRLF form matches, and it is that form (written
# out, smime/verify.c) that is searched for the inner signature
crlf_to_lf "$m/o-nested.eml" "$m/o-nested-lf.eml"
case_line o-nested-lf "$V" crl any "$ok1 nested=1" pass

ossl_sign "$w/o-badcn.der" badcn badcn -certfile "$CH"
detached o-badcn "badcn@sotttt.hagiang.gov.vn" "$content" "$w/o-badcn.der"
case_line o-badcn "badcn@sotttt.hagiang.gov.vn" norev any "$ok1 s0.email=1" pass

{
	hdrs "Văn thư <$V>" o-unsigned-own
	printf 'Content-Type: text/plain\r\n\r\nNo signature here.\r\n'
} >"$m/o-unsigned-own.eml"
case_line o-unsigned-own "$V" crl any "found=0" none
{
	hdrs "someone@example.org" o-unsigned-ext
	printf 'Content-Type: text/plain\r\n\r\nNo signature here.\r\n'
} >"$m/o-unsigned-ext.eml"
case_line o-unsigned-ext "someone@example.org" crl any "found=0" none
# unsigned, a provincial address only in the display name as a reader
# sees it (RFC 2047 encoded, full-width at sign): still the warning (the
# from column is that address: the one the warning is about)
{
	hdrs "=?UTF-8?Q?chutich=40hagiang.gov.vn?= <someone@example.org>" o-unsigned-own-display-enc
	printf 'Content-Type: text/plain\r\n\r\nNo signature here.\r\n'
} >"$m/o-unsigned-own-display-enc.eml"
case_line o-unsigned-own-display-enc "chutich@hagiang.gov.vn" crl any "found=0" none
{
	hdrs "=?UTF-8?B?$(printf 'chutich\357\274\240hagiang.gov.vn' | base64 -w0)?= <someone@example.org>" o-unsigned-own-display-wide
	printf 'Content-Type: text/plain\r\n\r\nNo signature here.\r\n'
} >"$m/o-unsigned-own-display-wide.eml"
case_line o-unsigned-own-display-wide "chutich@hagiang.gov.vn" crl any "found=0" none

# ---- OpenSSL, opaque
ossl_sign "$w/op-agency.der" sotttt-agency sotttt-agency -certfile "$CH" -nodetach
opaque op-agency-valid "$V" "$w/op-agency.der"
case_line op-agency-valid "$V" crl any "$ok1 opaque=1" pass
opaque op-x-nosmimetype "$V" "$w/op-agency.der" 'application/x-pkcs7-mime; name=smime.p7m'
case_line op-x-nosmimetype "$V" crl any "$ok1 opaque=1" pass
perl -0777 -pe 's/this text is signed/this text is SIGNED/' "$w/op-agency.der" >"$w/op-tampered.der"
opaque op-tampered-content "$V" "$w/op-tampered.der"
case_line op-tampered-content "$V" crl any "found=1 opaque=1 s0.sig=0" fail
opaque op-garbage "$V" "$w/garbage.der"
case_line op-garbage "$V" crl any "found=1 malformed=1" permerror
wrapped op-partial "$V" "$m/op-agency-valid.eml"
case_line op-partial "$V" crl any "found=1 whole=0 part=1 s0.sig=1" policy

# ---- revocation over the network (OCSP responder, CRL server)
case_line_as ocsp-good o-agency-valid "$V" ocsp up "$ok1 s0.rev=good s0.revnote=OCSP" pass
case_line_as ocsp-revoked o-revoked "revoked@sotttt.hagiang.gov.vn" ocsp up "found=1 s0.sig=1 s0.rev=revoked s0.revnote=OCSP" policy
case_line_as ocsp-down o-agency-valid "$V" ocsp down "$ok1 s0.rev=unavailable" temperror
case_line_as ocsp-down-soft o-agency-valid "$V" ocspsoft down "$ok1 s0.rev=unavailable" pass
case_line_as fetch-good o-agency-valid "$V" fetch up "$ok1 s0.rev=good s0.revnote=CRL" pass
case_line_as fetch-revoked o-revoked "revoked@sotttt.hagiang.gov.vn" fetch up "found=1 s0.rev=revoked" policy
# revocation is checked by default (OCSP, then the CDP); the explicit none
# says so in the note
case_line_as dflt-good o-agency-valid "$V" dflt up "$ok1 s0.rev=good s0.revnote=OCSP" pass
case_line_as dflt-revoked o-revoked "revoked@sotttt.hagiang.gov.vn" dflt up "found=1 s0.rev=revoked" policy
case_line_as dflt-down o-agency-valid "$V" dflt down "$ok1 s0.rev=unavailable" temperror
case_line_as norev-note o-agency-valid "$V" norev any "$ok1 s0.rev=not_checked s0.revnote=(RevocationCheck" pass
# no network look-up for a signature that already failed
case_line_as dflt-tampered o-tampered-body "$V" dflt any "found=1 s0.sig=0 s0.rev=not_checked s0.revnote=signature" fail

# an old CRL of the intermediate, from before "revoked" was revoked (still
# within its nextUpdate), carried in the message: it must never make the
# revoked certificate good - the fetched/configured CRL or OCSP wins, and
# with the sources down the status is unavailable, not "good"
: >"$w/old-index.txt"
echo 'unique_subject = no' >"$w/old-index.txt.attr"
sed "s|^database = $pki/index.txt\$|database = $w/old-index.txt|" "$pki/ca/openssl.cnf" >"$w/old-crl.cnf"
OPENSSL_CONF="$w/old-crl.cnf" openssl ca -config "$w/old-crl.cnf" -batch -name ca_int -gencrl \
	-crl_lastupdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
	-crl_nextupdate "$(date -u -d '+28 days' +%Y%m%d%H%M%SZ)" -out "$w/old-crl.pem" 2>/dev/null
python3 "$here/cms-add-crl.py" "$w/o-revoked.der" "$w/old-crl.pem" "$w/o-revoked-oldcrl.der"
detached o-revoked-oldcrl "revoked@sotttt.hagiang.gov.vn" "$content" "$w/o-revoked-oldcrl.der"
case_line_as oldcrl-fetch o-revoked-oldcrl "revoked@sotttt.hagiang.gov.vn" fetch up "found=1 s0.sig=1 s0.rev=revoked s0.revnote=fetched" policy
case_line_as oldcrl-fetch-down o-revoked-oldcrl "revoked@sotttt.hagiang.gov.vn" fetch down "found=1 s0.sig=1 s0.rev=unavailable" temperror
case_line_as oldcrl-file o-revoked-oldcrl "revoked@sotttt.hagiang.gov.vn" crl any "found=1 s0.sig=1 s0.rev=revoked" policy
case_line_as oldcrl-dflt o-revoked-oldcrl "revoked@sotttt.hagiang.gov.vn" dflt up "found=1 s0.sig=1 s0.rev=revoked" policy
case_line_as nooid-personal o-personal-valid "$P" nooid any "$ok1 s0.kind=personal" pass
case_line_as nooid-agency o-ubnd-noemail "vanphong@hagiang.gov.vn" nooid any "$ok1 s0.kind=unknown" policy
case_line_as strict-unsigned-own o-unsigned-own "$V" strict any "found=0" none

# ---- GnuPG gpgsm
if command -v gpgsm >/dev/null 2>&1; then
	bash "$here/gpgsm-sign.sh" "$pki" "$content" "$w/g.der" "$w/gnupg"
	detached g-personal-valid "$P" "$content" "$w/g.der"
	case_line g-personal-valid "$P" crl any "$ok1 s0.kind=personal s0.email=1" pass
	detached g-tampered-body "$P" "$w/tampered.mime" "$w/g.der"
	case_line g-tampered-body "$P" crl any "found=1 s0.sig=0" fail
	cp "$w/g.der" "$w/g-tsig.der"
	flip "$w/g-tsig.der" 20
	detached g-tampered-sig "$P" "$content" "$w/g-tsig.der"
	case_line g-tampered-sig "$P" crl any "found=1 s0.sig=0" fail
	wrapped g-partial "$P" "$m/g-personal-valid.eml"
	case_line g-partial "$P" crl any "found=1 whole=0 part=1 s0.sig=1" policy
else
	skip_line gpgsm
fi

# ---- NSS cmsutil
if command -v cmsutil >/dev/null 2>&1 && command -v pk12util >/dev/null 2>&1; then
	db="sql:$w/nss"
	rm -rf "$w/nss"
	mkdir -p "$w/nss"
	certutil -N -d "$db" --empty-password
	pk12util -i "$pki/sotttt-agency.p12" -d "$db" -W test >/dev/null
	certutil -A -n root -t "CT,C,C" -d "$db" -i "$pki/root.crt"
	# -Y NONE: no SMIMEEncryptionKeyPreference, else NSS wants keyEncipherment
	cmsutil -S -T -G -P -Y NONE -H SHA256 -N sotttt-agency -d "$db" -i "$content" -o "$w/n.der" 2>/dev/null
	detached n-agency-valid "$V" "$content" "$w/n.der"
	case_line n-agency-valid "$V" crl any "$ok1 s0.kind=agency s0.email=1" pass
	detached n-tampered-body "$V" "$w/tampered.mime" "$w/n.der"
	case_line n-tampered-body "$V" crl any "found=1 s0.sig=0" fail
	cp "$w/n.der" "$w/n-tsig.der"
	flip "$w/n-tsig.der" 20
	detached n-tampered-sig "$V" "$content" "$w/n-tsig.der"
	case_line n-tampered-sig "$V" crl any "found=1 s0.sig=0" fail
	wrapped n-partial "$V" "$m/n-agency-valid.eml"
	case_line n-partial "$V" crl any "found=1 whole=0 part=1" policy
	cmsutil -S -G -P -Y NONE -H SHA256 -N sotttt-agency -d "$db" -i "$content" -o "$w/n-op.der" 2>/dev/null
	opaque n-opaque-valid "$V" "$w/n-op.der"
	case_line n-opaque-valid "$V" crl any "$ok1 opaque=1" pass
else
	skip_line cmsutil
fi

# ---- Python cryptography
py=python3
if ! $py -c 'import cryptography.hazmat.primitives.serialization.pkcs7' 2>/dev/null &&
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-cryptography >/dev/null 2>&1 || true
	py=/usr/bin/python3
fi
if $py -c 'import cryptography.hazmat.primitives.serialization.pkcs7' 2>/dev/null; then
	cat >"$w/psign.py" <<'PY'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
cert = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
key = serialization.load_pem_private_key(open(sys.argv[2], 'rb').read(), None)
pems = open(sys.argv[3], 'rb').read().split(b'-----END CERTIFICATE-----')
data = open(sys.argv[4], 'rb').read()
b = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(cert, key, hashes.SHA256())
for p in pems:
    if b'-----BEGIN CERTIFICATE-----' in p:
        b = b.add_certificate(x509.load_pem_x509_certificate(p + b'-----END CERTIFICATE-----\n'))
opts = [pkcs7.PKCS7Options.Binary]
if sys.argv[6] == 'detached':
    opts.append(pkcs7.PKCS7Options.DetachedSignature)
open(sys.argv[5], 'wb').write(b.sign(serialization.Encoding.DER, opts))
PY
	$py "$w/psign.py" "$pki/personal.crt" "$pki/personal.key" "$CH" "$content" "$w/p.der" detached
	$py "$w/psign.py" "$pki/personal.crt" "$pki/personal.key" "$CH" "$content" "$w/p-op.der" opaque
	detached p-personal-valid "$P" "$content" "$w/p.der"
	case_line p-personal-valid "$P" crl any "$ok1 s0.kind=personal s0.email=1" pass
	opaque p-opaque-valid "$P" "$w/p-op.der"
	case_line p-opaque-valid "$P" crl any "$ok1 opaque=1" pass
	detached p-tampered-body "$P" "$w/tampered.mime" "$w/p.der"
	case_line p-tampered-body "$P" crl any "found=1 s0.sig=0" fail
	cp "$w/p.der" "$w/p-tsig.der"
	flip "$w/p-tsig.der" 20
	detached p-tampered-sig "$P" "$content" "$w/p-tsig.der"
	case_line p-tampered-sig "$P" crl any "found=1 s0.sig=0" fail
	forwarded p-forwarded "$P" "$m/p-personal-valid.eml"
	case_line p-forwarded "$P" crl any "found=1 whole=0 part=2" policy
else
	skip_line python3-cryptography
fi

# ---- one structure, read one way (issue 10 section 3): a structure field
# twice in one header block is read first by a raw reader and last by GMime
# and many clients - never pass, wherever it is; and a signature that does
# not cover the whole message never passes, at any depth or wrapping
# ("Johnny, You Are Fired", USENIX Security 2019). Facts: reasonnote is a
# substring of the malformed reason, "_" standing for a blank. Blanks before
# a field's colon are left to test_verify.c: Postfix removes them in transit
# (tests/integration/t-inbound.sh sends every case here).
# add_field NAME SRC-MSG WHERE LINE...: SRC with header lines added at the
# end of its top-level header block (WHERE=end) or before its first
# Content-Type field (WHERE=before-ct)
add_field() {
	local name=$1 src=$2 where=$3
	shift 3
	LINES=$(printf '%s\r\n' "$@") WHERE="$where" perl -0777 -pe '
		my ($h, $b) = /\A(.*?\r\n)(\r\n.*)\z/s or die;
		my $l = "$ENV{LINES}\n";	# the shell kept all but the last LF
		if ($ENV{WHERE} eq "end") { $h .= $l }
		else { $h =~ s/^(Content-Type:)/$l$1/mi or die }
		$_ = $h . $b' "$src" >"$m/$name.eml"
}
# signed_over NAME CONTENT-FILE: o-agency-valid's signer over other content
signed_over() {
	openssl cms -sign -binary -in "$2" -signer "$pki/sotttt-agency.crt" \
		-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/$1.der" 2>/dev/null
	detached "$1" "$V" "$2" "$w/$1.der"
}
# nest NAME INNER-MSG TYPE [TEXT-BEFORE]: INNER's MIME entity as the last
# part of a multipart/TYPE, after an (attacker's) text part when given
nest() {
	local b="nest-$1"
	{
		hdrs "$V" "$1"
		printf 'Content-Type: multipart/%s; boundary="%s"\r\n\r\n' "$3" "$b"
		if [ -n "${4:-}" ]; then
			printf -- '--%s\r\nContent-Type: text/plain\r\n\r\n%s\r\n' "$b" "$4"
		fi
		printf -- '--%s\r\n' "$b"
		mime_hdrs_of "$2"
		printf '\r\n'
		body_of "$2"
		printf '\r\n--%s--\r\n' "$b"
	} >"$m/$1.eml"
}
dupct='found=1 malformed=1 reasonnote=duplicate_Content-Type'
ov="$m/o-agency-valid.eml"
# top level: the recipient reads the last field, we read the first
add_field d-top-ct-last "$ov" end 'Content-Type: text/plain'
case_line d-top-ct-last "$V" crl any "$dupct whole=1 part=TEXT reasonnote=at_the_top_level" permerror
add_field d-top-ct-first "$ov" before-ct 'Content-Type: text/plain'
case_line d-top-ct-first "$V" crl any "$dupct whole=1 part=TEXT reasonnote=at_the_top_level" permerror
add_field d-top-ct-case "$ov" end 'content-type: text/plain'
case_line d-top-ct-case "$V" crl any "$dupct reasonnote=at_the_top_level" permerror
add_field d-top-ct-upper "$ov" before-ct 'CONTENT-TYPE: text/html'
case_line d-top-ct-upper "$V" crl any "$dupct reasonnote=at_the_top_level" permerror
add_field d-top-cte "$ov" end 'Content-Transfer-Encoding: 7bit' 'Content-Transfer-Encoding: base64'
case_line d-top-cte "$V" crl any "found=1 malformed=1 reasonnote=duplicate_Content-Transfer-Encoding_at_the_top_level" permerror
add_field d-top-mimever "$ov" end 'Mime-Version: 1.0'
case_line d-top-mimever "$V" crl any "found=1 malformed=1 reasonnote=duplicate_MIME-Version_at_the_top_level" permerror
# a transfer encoding on the multipart/signed itself (RFC 2045 6.4: only
# 7bit, 8bit, binary): a client that decodes it (mutt does) reads other
# parts than the raw structure - a soft line break ("=" at a line end)
# joins a delimiter to the line before it
add_field d-top-cte-qp "$ov" end 'Content-Transfer-Encoding: quoted-printable'
case_line d-top-cte-qp "$V" crl any "found=1 malformed=1 reasonnote=multipart/signed_with_Content-Transfer-Encoding_quoted-printable" permerror
add_field d-top-cte-b64 "$ov" end 'Content-Transfer-Encoding: BASE64'
case_line d-top-cte-b64 "$V" crl any "found=1 malformed=1 reasonnote=multipart/signed_with_Content-Transfer-Encoding_BASE64" permerror
add_field d-top-cte-7bit "$ov" end 'Content-Transfer-Encoding: 7Bit '
case_line d-top-cte-7bit "$V" crl any "$ok1 part=TEXT" pass
# the signed part's own header, signed at test time: the signature is good
printf '%s\n' 'Content-Type: text/plain; charset=utf-8' 'Content-Type: text/html; charset=utf-8' \
	'Content-Transfer-Encoding: 7bit' '' '<p>Pay 1000000 VND to account 666.</p>' | crlf >"$w/d-signed-ct.mime"
signed_over d-signed-ct "$w/d-signed-ct.mime"
case_line d-signed-ct "$V" crl any "$dupct whole=1 reasonnote=in_part_1" permerror
printf '%s\n' 'Content-Type: text/plain; charset=utf-8' 'Content-Transfer-Encoding: 7bit' \
	'content-transfer-encoding: base64' '' 'UGF5IDEwMDAwMDAgVk5ELg==' | crlf >"$w/d-signed-cte.mime"
signed_over d-signed-cte "$w/d-signed-cte.mime"
case_line d-signed-cte "$V" crl any "found=1 malformed=1 reasonnote=duplicate_Content-Transfer-Encoding_in_part_1" permerror
printf '%s\n' 'MIME-Version: 1.0' 'Content-Type: text/plain' 'MIME-Version: 1.0' '' 'x' | crlf >"$w/d-signed-mv.mime"
signed_over d-signed-mimever "$w/d-signed-mv.mime"
case_line d-signed-mimever "$V" crl any "found=1 malformed=1 reasonnote=duplicate_MIME-Version_in_part_1" permerror
# opaque signed-data: the entity inside the SignedData, and its wrapper
openssl cms -sign -binary -nodetach -in "$w/d-signed-ct.mime" -signer "$pki/sotttt-agency.crt" \
	-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/d-opaque-ct.der" 2>/dev/null
opaque d-opaque-ct "$V" "$w/d-opaque-ct.der"
case_line d-opaque-ct "$V" crl any "$dupct opaque=1 reasonnote=opaque_signed_content:_duplicate_Content-Type_at_the_top_level" permerror
add_field d-opaque-cte "$m/op-agency-valid.eml" end 'Content-Transfer-Encoding: 7bit'
case_line d-opaque-cte "$V" crl any "found=1 malformed=1 opaque=1 reasonnote=duplicate_Content-Transfer-Encoding_at_the_top_level" permerror
# parts below the signed part, one and two levels down
printf '%s\n' 'Content-Type: multipart/mixed; boundary="in1"' '' '--in1' 'Content-Type: text/plain' '' \
	'Xin chao.' '--in1' 'Content-Type: text/plain' 'content-TYPE: application/octet-stream' '' 'x' \
	'--in1--' | crlf >"$w/d-nested1.mime"
signed_over d-nested1 "$w/d-nested1.mime"
case_line d-nested1 "$V" crl any "$dupct whole=1 reasonnote=in_part_1.2" permerror
printf '%s\n' 'Content-Type: multipart/mixed; boundary="in1"' '' '--in1' 'Content-Type: text/plain' '' \
	'Xin chao.' '--in1' 'Content-Type: multipart/alternative; boundary="in2"' '' '--in2' \
	'Content-Type: text/plain' '' 'x' '--in2' 'Content-Type: text/html' \
	'Content-Transfer-Encoding: 7bit' 'Content-Transfer-Encoding: quoted-printable' '' '<p>x</p>' \
	'--in2--' '--in1--' | crlf >"$w/d-nested2.mime"
signed_over d-nested2 "$w/d-nested2.mime"
case_line d-nested2 "$V" crl any "found=1 malformed=1 reasonnote=duplicate_Content-Transfer-Encoding_in_part_1.2.2" permerror
# the signature part
perl -0777 -pe 's/(Content-Transfer-Encoding: base64\r\n)(Content-Disposition: attachment; filename="smime.p7s")/$1Content-Transfer-Encoding: 7bit\r\n$2/ or die' \
	"$ov" >"$m/d-sigpart-cte.eml"
case_line d-sigpart-cte "$V" crl any "found=1 malformed=1 reasonnote=duplicate_Content-Transfer-Encoding_in_part_2" permerror
# the multipart/signed entity as a part, and a forwarded message's header
nest d-wrapped-ct "$ov" mixed 'Read the attachment.'
perl -0777 -i -pe 's/(--nest-d-wrapped-ct\r\n)(?=Content-Type: multipart\/signed)/$1Content-Type: text\/plain\r\n/ or die' \
	"$m/d-wrapped-ct.eml"
case_line d-wrapped-ct "$V" crl any "$dupct whole=0 part=2 reasonnote=in_part_2" permerror
add_field d-fwd-inner "$ov" end 'MIME-Version: 1.0'
mv "$m/d-fwd-inner.eml" "$w/d-fwd-inner.eml"
forwarded d-forwarded "$V" "$w/d-fwd-inner.eml"
case_line d-forwarded "$V" crl any "found=1 malformed=1 whole=0 reasonnote=in_the_message_in_part_2" permerror
# no signature in either reading: nothing is vouched for
{
	hdrs "$V" d-unsigned
	printf 'Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n'
} >"$m/d-unsigned.eml"
case_line d-unsigned "$V" crl any "found=0" none
# the signed part is not the whole message: depth 1, 2, 3 ...
nest w-depth1 "$ov" mixed
case_line w-depth1 "$V" crl any "found=1 whole=0 part=1 malformed=0 s0.sig=1 s0.chain=1" policy
nest w-depth2 "$m/w-depth1.eml" mixed
case_line w-depth2 "$V" crl any "found=1 whole=0 part=1.1 malformed=0 s0.sig=1 s0.chain=1" policy
nest w-depth3 "$m/w-depth2.eml" mixed
case_line w-depth3 "$V" crl any "found=1 whole=0 part=1.1.1 malformed=0 s0.sig=1 s0.chain=1" policy
# ... and the wrappings of "Johnny, You Are Fired" that reach a gateway
nest w-jyaf-mixed "$ov" mixed 'Pay 1000000 VND to account 666.'
case_line w-jyaf-mixed "$V" crl any "found=1 whole=0 part=2 s0.sig=1 s0.chain=1" policy
nest w-jyaf-alternative "$ov" alternative 'Pay 1000000 VND to account 666.'
case_line w-jyaf-alternative "$V" crl any "found=1 whole=0 part=2 s0.sig=1 s0.chain=1" policy
nest w-jyaf-related "$ov" related
case_line w-jyaf-related "$V" crl any "found=1 whole=0 part=1 s0.sig=1 s0.chain=1" policy
nest w-jyaf-related2 "$ov" related 'Pay 1000000 VND to account 666.'
case_line w-jyaf-related2 "$V" crl any "found=1 whole=0 part=2 s0.sig=1 s0.chain=1" policy
{
	hdrs "$V" w-jyaf-rfc822
	printf 'Content-Type: message/rfc822\r\n\r\n'
	cat "$ov"
} >"$m/w-jyaf-rfc822.eml"
case_line w-jyaf-rfc822 "$V" crl any "found=1 whole=0 part=1 s0.sig=1 s0.chain=1" policy
nest w-jyaf-rfc822-mixed "$m/w-jyaf-rfc822.eml" mixed 'Pay 1000000 VND to account 666.'
case_line w-jyaf-rfc822-mixed "$V" crl any "found=1 whole=0 part=2 s0.sig=1" policy
# a third part after the signature and no close delimiter: GMime and mail
# clients show three parts; the signature must not vouch for the third
perl -0777 -pe 's/\r\n------=_kyso_B1--\r\n\z/\r\n------=_kyso_B1\r\nContent-Type: text\/plain\r\n\r\nPay 1000000 VND to account 666.\r\n/' \
	"$m/o-agency-valid.eml" >"$m/o-unclosed-third-part.eml"
cmp -s "$m/o-agency-valid.eml" "$m/o-unclosed-third-part.eml" && { echo "o-unclosed-third-part: no change" >&2; exit 1; }
case_line o-unclosed-third-part "$V" crl any "found=1 malformed=1" permerror
# the signature part not closed at all
perl -0777 -pe 's/\r\n------=_kyso_B1--\r\n\z/\r\n/' "$m/o-agency-valid.eml" >"$m/o-unclosed.eml"
cmp -s "$m/o-agency-valid.eml" "$m/o-unclosed.eml" && { echo "o-unclosed: no change" >&2; exit 1; }
case_line o-unclosed "$V" crl any "found=1 malformed=1" permerror
# ---- header protection (RFC 9788): the signed part carries From, To,
# Subject, Date, marked hp="clear" (hp-*), or the same fields without hp=
# (hp-noparam: nothing is protected then). An attacker edits the outer
# header of the signed message.
hp_part() { # FILE HP-PARAM
	printf '%s\n' "From: =?UTF-8?B?VsSDbiB0aMawIFPhu58gVFRUVA==?= <$V>" \
		'To: nhan@hagiang.gov.vn' 'Subject: =?UTF-8?B?VGjDtG5nIGLDoW8gbOG7i2NoIGjhu41w?=' \
		'Date: Mon, 02 Mar 2026 08:00:00 +0700' \
		"Content-Type: text/plain; charset=utf-8$2" \
		'Content-Transfer-Encoding: quoted-printable' '' \
		'K=C3=ADnh g=E1=BB=ADi c=C3=A1c c=C6=A1 quan, =C4=91=C6=A1n v=E1=BB=8B.' | crlf >"$1"
}
# hp_msg NAME PART SIG FROM SUBJECT: outer header as written here
hp_msg() {
	local b=----=_kyso_HP
	{
		printf '%s\n' "From: $4" 'To: nhan@hagiang.gov.vn' "Subject: $5" \
			'Date: Mon, 02 Mar 2026 01:00:00 +0000' "Message-ID: <$1@test.kyso>" \
			'MIME-Version: 1.0' | crlf
		printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\r\n boundary="%s"\r\n\r\n' "$b"
		printf 'This is an S/MIME signed message.\r\n\r\n--%s\r\n' "$b"
		cat "$2"
		printf '\r\n--%s\r\n' "$b"
		printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		b64 "$3"
		printf '\r\n--%s--\r\n' "$b"
	} >"$m/$1.eml"
}
hp_part "$w/hp.mime" '; hp="clear"'
hp_part "$w/hp-noparam.mime" ''
for f in hp hp-noparam; do
	openssl cms -sign -binary -in "$w/$f.mime" -signer "$pki/sotttt-agency.crt" \
		-inkey "$pki/sotttt-agency.key" -certfile "$CH" -outform DER -out "$w/$f.der" 2>/dev/null
done
vn_from="\"Văn thư Sở TTTT\" <$V>"
# the same fields outside, written otherwise: quoted raw UTF-8 name, raw
# UTF-8 Subject folded, the same instant in UTC
hp_msg hp-valid "$w/hp.mime" "$w/hp.der" "$vn_from" "$(printf 'Thông báo\r\n lịch họp')"
case_line hp-valid "$V" crl any "$ok1 part=TEXT" pass
hp_msg hp-subject-changed "$w/hp.mime" "$w/hp.der" "$vn_from" 'Thông báo lịch họp KHẨN: chuyển tiền'
case_line hp-subject-changed "$V" crl any "$ok1 part=TEXT" policy
hp_msg hp-from-changed "$w/hp.mime" "$w/hp.der" "\"Giám đốc Sở TTTT\" <$V>" 'Thông báo lịch họp'
case_line hp-from-changed "$V" crl any "$ok1 part=TEXT" policy
perl -0777 -pe 's/^(To: [^\r]*\r\n)/$1Cc: spy\@evil.test\r\n/m' "$m/hp-valid.eml" >"$m/hp-cc-added.eml"
case_line hp-cc-added "$V" crl any "$ok1 part=TEXT" policy
hp_msg hp-noparam "$w/hp-noparam.mime" "$w/hp-noparam.der" "$vn_from" 'Replayed under another Subject'
case_line hp-noparam "$V" crl any "$ok1 part=TEXT" pass
