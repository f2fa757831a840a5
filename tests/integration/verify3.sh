#!/usr/bin/env bash
# verify3.sh MSG ROOT.crt CHAIN.pem - check a delivered multipart/signed
# message with three independent S/MIME implementations:
#   1. OpenSSL: `openssl cms -verify -purpose smimesign` on the DER signature
#      and the canonical (CRLF) signed part, and `openssl smime -verify` on
#      the whole message as delivered; only ROOT is given, so the signer's
#      chain must be carried in the message;
#   2. GnuPG: `gpgsm --verify` (throwaway GNUPGHOME, ROOT marked trusted in
#      trustlist.txt, CRL checks off);
#   3. NSS (Thunderbird's engine): `cmsutil -D` with a throwaway database
#      holding ROOT (C,C,C) and the intermediates of CHAIN (c,c,c); every
#      signer must report status=GoodSignature.
# It also checks that micalg names the digest the signature really uses.
# Prints one line per check ("ok <verifier>" / "FAIL <verifier>: why") and
# exits 0 only when all pass. VERIFY3_OUT=DIR keeps the split parts there,
# plus DIR/verified (the signed part as OpenSSL returns it).
set -uo pipefail

msg=${1:?usage: verify3.sh MSG ROOT.crt CHAIN.pem}
root=${2:?usage: verify3.sh MSG ROOT.crt CHAIN.pem}
chain=${3:?usage: verify3.sh MSG ROOT.crt CHAIN.pem}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools="$here/../tools"

tmp=$(mktemp -d /tmp/kv3.XXXXXX)
cleanup() {
	if [ -d "$tmp/gnupg" ]; then
		GNUPGHOME="$tmp/gnupg" gpgconf --kill gpg-agent >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

out=${VERIFY3_OUT:-$tmp/split}
mkdir -p "$out"
fails=0
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# an opaque signature (application/pkcs7-mime signed-data): the DER is the
# body; each verifier takes it alone and returns the content
opaque=0
if perl -0777 -ne 's/\r//g; s/\n\n.*//s; s/\n[ \t]+/ /g; exit !/^Content-Type:[ \t]*application\/(x-)?pkcs7-mime/mi' "$msg"; then
	opaque=1
	perl -MMIME::Base64 -0777 -ne 's/\r//g; s/\A.*?\n\n//s; print decode_base64($_)' "$msg" >"$out/smime.p7m"
	: >"$out/content.crlf"
	echo "opaque=1" >"$out/info"
elif ! perl "$tools/split-signed.pl" "$msg" "$out" >"$tmp/split.log" 2>&1; then
	fail "split: $(tr '\n' ' ' <"$tmp/split.log")"
	exit 1
fi
micalg=$(sed -n 's/^micalg=//p' "$out/info" | tr 'A-Z' 'a-z')

# micalg must name every digest used by the SignerInfos (RFC 8551 names).
if [ $opaque = 1 ]; then
	sig="$out/smime.p7m"
	cms_content=()
	gpgsm_args=(--output "$out/verified.gpgsm" --verify "$sig")
	nss_content=()
else
	sig="$out/smime.p7s"
	cms_content=(-content "$out/content.crlf")
	gpgsm_args=(--verify "$sig" "$out/content.crlf")
	nss_content=(-c "$out/content.crlf")
fi
[ $opaque = 1 ] && echo "ok opaque signed-data (no micalg)"
[ $opaque = 1 ] || digests=$(openssl cms -cmsout -print -inform DER -in "$out/smime.p7s" 2>/dev/null |
	awk '/signerInfos:/ { s = 1 } s && /digestAlgorithm:/ { getline; print $2 }' |
	sed 's/^sha\([0-9]\)/sha-\1/' | sort -u | paste -sd, -)
want=$(echo "$micalg" | tr ',' '\n' | sort -u | paste -sd, -)
if [ $opaque = 1 ]; then
	:
elif [ -n "$digests" ] && [ "$digests" = "$want" ]; then
	echo "ok micalg=$micalg matches the CMS digest"
else
	fail "micalg=$micalg but the signature uses ${digests:-nothing}"
fi

# 1a. openssl cms on the split parts
if openssl cms -verify -purpose smimesign -CAfile "$root" -inform DER -binary \
	-in "$sig" "${cms_content[@]}" -out "$out/verified" \
	>"$tmp/cms.log" 2>&1; then
	echo "ok openssl cms -verify"
else
	fail "openssl cms -verify: $(grep -v '^$' "$tmp/cms.log" | head -3 | tr '\n' ' ')"
fi

# 1b. openssl smime on the message as delivered
if openssl smime -verify -purpose smimesign -CAfile "$root" -in "$msg" \
	-out /dev/null >"$tmp/smime.log" 2>&1; then
	echo "ok openssl smime -verify (whole message)"
else
	fail "openssl smime -verify: $(grep -v '^$' "$tmp/smime.log" | head -3 | tr '\n' ' ')"
fi

# 2. gpgsm
g="$tmp/gnupg"
mkdir -m 700 "$g"
printf 'disable-crl-checks\ndisable-trusted-cert-crl-check\n' >"$g/gpgsm.conf"
fp=$(openssl x509 -in "$root" -noout -fingerprint -sha1 | cut -d= -f2)
echo "$fp S" >"$g/trustlist.txt"
if GNUPGHOME="$g" gpgsm --batch --import "$root" >"$tmp/gpgsm-import.log" 2>&1 &&
	GNUPGHOME="$g" timeout 60 gpgsm --batch --status-fd 3 "${gpgsm_args[@]}" \
		3>"$tmp/gpgsm.status" >"$tmp/gpgsm.log" 2>&1 &&
	grep -q '^\[GNUPG:\] GOODSIG' "$tmp/gpgsm.status" &&
	grep -q '^\[GNUPG:\] TRUST_FULLY' "$tmp/gpgsm.status" &&
	! grep -q '^\[GNUPG:\] \(BADSIG\|ERRSIG\|EXPSIG\|EXPKEYSIG\|REVKEYSIG\|TRUST_UNDEFINED\|TRUST_NEVER\)' "$tmp/gpgsm.status"; then
	echo "ok gpgsm --verify"
else
	fail "gpgsm --verify: $(grep -h 'GNUPG\|gpgsm:' "$tmp/gpgsm.status" "$tmp/gpgsm.log" 2>/dev/null |
		grep -v 'NEWSIG\|PROGRESS' | head -4 | tr '\n' ' ')"
fi

# 3. NSS cmsutil
n="$tmp/nss"
mkdir "$n"
nss_ok=1
certutil -N -d "sql:$n" --empty-password >"$tmp/nss.log" 2>&1 || nss_ok=0
certutil -A -d "sql:$n" -n root -t C,C,C -i "$root" >>"$tmp/nss.log" 2>&1 || nss_ok=0
# one certutil -A per certificate in CHAIN
awk -v d="$tmp" '/BEGIN CERT/ { n++ } n { print > (d "/chain-" n ".pem") } /END CERT/ { close(d "/chain-" n ".pem") }' "$chain"
i=0
for c in "$tmp"/chain-*.pem; do
	[ -e "$c" ] || continue
	i=$((i + 1))
	certutil -A -d "sql:$n" -n "intermediate$i" -t c,c,c -i "$c" >>"$tmp/nss.log" 2>&1 || nss_ok=0
done
if [ $nss_ok = 1 ]; then
	timeout 60 cmsutil -D -n -h 2 -d "sql:$n" -i "$sig" "${nss_content[@]}" \
		>"$tmp/cmsutil.log" 2>&1 || nss_ok=0
	# opaque: the content it returns, without the status lines
	[ $opaque = 1 ] && { timeout 60 cmsutil -D -d "sql:$n" -i "$sig" -o "$out/verified.nss" \
		>>"$tmp/cmsutil.log" 2>&1 || nss_ok=0; }
fi
total=$(grep -o 'signer[0-9]*\.status=[A-Za-z]*' "$tmp/cmsutil.log" 2>/dev/null | wc -l)
good=$(grep -o 'signer[0-9]*\.status=GoodSignature' "$tmp/cmsutil.log" 2>/dev/null | wc -l)
if [ $nss_ok = 1 ] && [ "$total" -gt 0 ] && [ "$total" = "$good" ]; then
	echo "ok nss cmsutil -D ($good signer(s) GoodSignature)"
else
	fail "nss cmsutil -D: $(grep -o 'signer[0-9]*\.status=[A-Za-z]*' "$tmp/cmsutil.log" 2>/dev/null |
		tr '\n' ' ') $(grep -iv 'SMIME:\|level=' "$tmp/cmsutil.log" "$tmp/nss.log" 2>/dev/null | head -2 | tr '\n' ' ')"
fi

# opaque: every verifier returned the same content; it is the signed part
if [ $opaque = 1 ]; then
	if cmp -s "$out/verified" "$out/verified.gpgsm" && cmp -s "$out/verified" "$out/verified.nss"; then
		echo "ok opaque: the three verifiers return the same content"
		cp "$out/verified" "$out/content"
	else
		fail "opaque: the verifiers return different content"
	fi
fi

[ $fails = 0 ]
