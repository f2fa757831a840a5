#!/usr/bin/env bash
# make-seeds.sh OUTDIR - generated seed inputs for the fuzz targets that need
# real signatures (fuzz_verify, fuzz_inbound, fuzz_sign's already-signed
# path): the throwaway PKI of tests/pki/make-pki.sh in OUTDIR/pki (the
# targets use it through KYSO_FUZZ_PKI=OUTDIR/pki) and S/MIME messages made
# with `openssl cms` in OUTDIR/signed: detached and opaque, agency, personal,
# ECDSA, two signers, SHA-1, no certificates, untrusted/expired/weak
# signers, 8-bit binary content, a signed message inside a multipart and an
# encrypted one. Made at test time: no binary blobs in the repository.
# Idempotent: does nothing when OUTDIR/.done exists.
set -euo pipefail

out=${1:?usage: make-seeds.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -f "$out/.done" ] && exit 0
pki="$out/pki"
s="$out/signed"
w="$out/work"
mkdir -p "$s" "$w"
bash "$here/../pki/make-pki.sh" "$pki" >/dev/null

crlf() { perl -pe 's/\r?\n/\r\n/'; }

printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nK\xc3\xadnh g\xe1\xbb\xadi c\xc3\xa1c \xc4\x91\xe1\xbb\x93ng ch\xc3\xad,\n\nC\xc3\xb4ng v\xc4\x83n s\xe1\xbb\x91 12/STTTT.\n' |
	crlf >"$w/text8.ent"
printf 'Content-Type: text/plain; charset=us-ascii\n\nHello,\nthis is the signed text.\n-- \nVan thu\n' |
	crlf >"$w/text.ent"
printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nsee attached\n--b1\nContent-Type: application/pdf; name="cv.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK\n--b1--\n' |
	crlf >"$w/mixed.ent"

# sign NAME ENTITY FROM [openssl cms options...]
sign() {
	local name=$1 ent=$2 from=$3
	shift 3
	openssl cms -sign -in "$ent" -from "$from" -to "b@example.org" \
		-subject "seed $name" "$@" -out "$s/$name.eml" 2>"$w/$name.err"
}
agency=(-signer "$pki/sotttt-agency.crt" -inkey "$pki/sotttt-agency.key" -certfile "$pki/chain.pem")
sign detached-agency "$w/text.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}"
sign detached-mixed "$w/mixed.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}"
sign opaque-agency "$w/text.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}" -nodetach
sign binary-8bit "$w/text8.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}" -binary
sign personal "$w/text.ent" nguyenvanan@sotttt.hagiang.gov.vn \
	-signer "$pki/personal.crt" -inkey "$pki/personal.key" -certfile "$pki/chain.pem"
sign ecdsa "$w/text.ent" vanthu.ec@sotttt.hagiang.gov.vn \
	-signer "$pki/ecdsa-agency.crt" -inkey "$pki/ecdsa-agency.key" -certfile "$pki/chain.pem"
sign two-signers "$w/text.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}" \
	-signer "$pki/personal.crt" -inkey "$pki/personal.key"
sign sha1 "$w/text.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}" -md sha1
sign nocerts "$w/text.ent" vanthu@sotttt.hagiang.gov.vn \
	-signer "$pki/sotttt-agency.crt" -inkey "$pki/sotttt-agency.key" -nocerts
sign noattr "$w/text.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}" -noattr
for who in untrusted expired weak mismatch noeku ubnd-agency; do
	sign "$who" "$w/text.ent" a@hagiang.gov.vn \
		-signer "$pki/$who.crt" -inkey "$pki/$who.key" -certfile "$pki/chain.pem"
done
# a signed message forwarded inside a multipart
{
	printf 'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
	printf 'Content-Type: text/plain\n\nforwarded:\n--outer\nContent-Type: message/rfc822\n\n'
	cat "$s/detached-agency.eml"
	printf '\n--outer--\n'
} | crlf >"$w/nested.ent"
sign nested "$w/nested.ent" vanthu@sotttt.hagiang.gov.vn "${agency[@]}"
# signed then encrypted
openssl cms -encrypt -in "$s/personal.eml" -aes256 -from a@hagiang.gov.vn \
	-to nguyenvanan@sotttt.hagiang.gov.vn -subject "seed encrypted" \
	-out "$s/encrypted.eml" "$pki/personal.crt" 2>"$w/encrypted.err"
# a tampered copy: one body byte changed
perl -pe 's/signed text/signed t3xt/' "$s/detached-agency.eml" >"$s/tampered.eml"
rm -rf "$w"
touch "$out/.done"
