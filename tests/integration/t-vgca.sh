#!/usr/bin/env bash
# t-vgca.sh - certificates shaped like the Vietnamese Government CA's
# (tests/pki/make-vgca-pki.sh: G1 with SHA-1 CA signatures, no policy OIDs,
# the real EKU/KU set, SAN e-mail, Netscape comment; G2 with an RSA-4096
# root and RSA-3072 end entities) through kyso's offline mode
# (`kyso-milter -t`, the daemon's path), no Postfix:
#   - kyso seals (G1 and G2 agency certificates) and co-signs an official's
#     personal OpenSSL signature; all three verifiers of verify3.sh (openssl,
#     gpgsm, NSS cmsutil) accept each result;
#   - inbound, under LegacySHA1Anchors (G1 root) + the G2 root: every one
#     passes, the G1 ones saying "legacy SHA-1 CA chain" in both headers;
#     the kind comes from the KindTable (verified issuer + subject);
#   - attacker's cases: a SHA-1 chain under an ordinary anchor (same names
#     as G1, other keys) is policy ("too weak"); an MD5-signed certificate
#     under the legacy anchor is policy; a SHA-1 message digest is policy;
#     an agency's exact subject under another (trusted) CA is not "agency";
#   - the real VGCA certificates (contrib/vgca, tests/data/vgca) under
#     TrustProfile vgca, described by `kyso-milter -C`: pinned fingerprints,
#     chains, kinds.
set -u
. "$(dirname "$0")/lib.sh"
kt_init vgca
bin=$(kt_milter_bin)
[ -x "$bin" ] || kt_bail "no kyso-milter binary at $bin"
P="$KT/pki"
bash "$KT_TOP/tests/pki/make-vgca-pki.sh" "$P" >"$KT/pki.log" 2>&1 ||
	{ diag <"$KT/pki.log"; kt_bail "make-vgca-pki.sh failed"; }
V3="$KT_INT/verify3.sh"
fp() { openssl x509 -in "$P/$1.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }

# ---- configurations
printf 'g1 cert=%s key=%s chain=%s\ng2 cert=%s key=%s chain=%s\n' \
	"$P/g1-agency.crt" "$P/g1-agency.key" "$P/g1-chain.pem" \
	"$P/g2-agency.crt" "$P/g2-agency.key" "$P/g2-chain.pem" >"$KT/certs.table"
trust="LegacySHA1Anchors $P/g1-root.crt
RevocationCheck none
TemporaryDirectory $KT"
conf() { # NAME LINES...
	local n=$1
	shift
	{
		printf 'Socket unix:%s/sock\nSyslog no\nAuthservID mx.hagiang.gov.vn\n' "$KT"
		printf 'Domain stp.hagiang.gov.vn\nInternalHosts 127.0.0.1\n%s\n' "$trust"
		printf '%s\n' "$@"
	} >"$KT/$n.conf"
}
for g in g1 g2; do
	printf '*@stp.hagiang.gov.vn %s\n' "$g" >"$KT/$g.signing"
	conf "sign-$g" "TrustAnchorFile $P/g2-root.crt" "CertificateTable $KT/certs.table" \
		"SigningTable $KT/$g.signing" "CoSign yes"
done
{
	echo "agency sha256:$(fp g1-cp) subject=CN=So Tu phap tinh Ha Giang,L=Ha Giang,O=UBND tinh Ha Giang,C=VN"
	echo "agency sha256:$(fp g2-cpca) subject=CN=Sở Tư pháp tỉnh Hà Giang,O=ỦY BAN NHÂN DÂN TỈNH HÀ GIANG,L=Hà Giang,C=VN"
	echo "personal * email"
} >"$KT/kind.table"
# the seals sign for their department's officials too (co-signed mail)
printf 'sha256:%s stp.hagiang.gov.vn agency\nsha256:%s stp.hagiang.gov.vn agency\n' \
	"$(fp g1-agency)" "$(fp g2-agency)" >"$KT/seal.table"
conf in "TrustAnchorFile $P/g2-root.crt" "KindTable $KT/kind.table"
conf in-seal "TrustAnchorFile $P/g2-root.crt" "KindTable $KT/kind.table" "SealTable $KT/seal.table"
# the attacker's roots are ordinary anchors here (as another CA the
# province trusts would be); the G1 root stays the only legacy one
cat "$P/g2-root.crt" "$P/evil1-root.crt" "$P/evil2-root.crt" >"$KT/many-roots.pem"
conf evil "TrustAnchorFile $KT/many-roots.pem" "KindTable $KT/kind.table"
for c in sign-g1 sign-g2 in in-seal evil; do
	kt_check "kyso-milter -n accepts $c.conf" "$bin" -c "$KT/$c.conf" -n
done

# ---- helpers
msg() { # FROM FILE
	printf 'From: %s\r\nTo: chanh.vanphong@hagiang.gov.vn\r\nSubject: =?UTF-8?Q?C=C3=B4ng_v=C4=83n?=\r\nDate: Thu, 26 Nov 2026 10:00:00 +0700\r\nMessage-ID: <%s@stp.hagiang.gov.vn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCông văn số 12/STP về việc triển khai chữ ký số.\r\n' \
		"$1" "$RANDOM$RANDOM" >"$2"
}
# personal S/MIME signature by openssl cms: FROM CERT CHAIN OUT [cms args]
personal() {
	local from=$1 c=$2 chain=$3 o=$4
	shift 4
	{
		printf 'From: %s\r\nTo: chanh.vanphong@hagiang.gov.vn\r\nSubject: ky so\r\nDate: Thu, 26 Nov 2026 10:00:00 +0700\r\nMessage-ID: <%s@stp.hagiang.gov.vn>\r\n' "$from" "$RANDOM$RANDOM"
		printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nQ8O0bmcgdsSDbiBz4buRIDEy\r\n' |
			openssl cms -sign -binary -signer "$P/$c.crt" -inkey "$P/$c.key" -certfile "$chain" "$@"
	} | perl -pe 's/\r?\n/\r\n/' >"$o"
}
sign() { # CONF IN OUT FROM: our outbound path (internal client)
	"$bin" -c "$KT/$1.conf" -t "$2" -e "$4" -i 127.0.0.1 >"$3" 2>"$3.log"
}
inbound() { # CONF IN OUT FROM
	"$bin" -c "$KT/$1.conf" -t "$2" -e "$4" -i 192.0.2.25 >"$3" 2>"$3.log"
}
ar_of() { perl -0777 -ne 's/\r\n/\n/g; s/\n\n.*//s; s/\n[ \t]+/ /g; print "$1\n" while /^Authentication-Results:\s*(mx\.hagiang\.gov\.vn;.*)$/mig' "$1"; }
verdict_of() {
	perl -MEncode -0777 -ne 's/\r\n/\n/g; s/\n\n.*//s; s/\n[ \t]+/ /g;
		for (split /\n/) { next unless s/^X-Kyso-Verdict:\s*//i; print Encode::encode("UTF-8", Encode::decode("MIME-Header", $_)); }' "$1"
}
has() { printf '%s' "$1" | grep -q -- "$2"; }
hasnt() { ! printf '%s' "$1" | grep -q -- "$2"; }
signers() { grep -o 'signer[0-9]*\.status=GoodSignature' "$1" | wc -l; }

# ---- 1. sealing and co-signing with look-alike certificates, three verifiers
V="vanthu@stp.hagiang.gov.vn"
msg "$V" "$KT/plain.eml"
sign sign-g1 "$KT/plain.eml" "$KT/g1-sealed.eml" "$V"
kt_check "G1 seal: kyso signed" grep -q 'result=signed' "$KT/g1-sealed.eml.log"
kt_check "G1 seal (SHA-1 CA chain): openssl, gpgsm, NSS accept" bash "$V3" "$KT/g1-sealed.eml" "$P/g1-root.crt" "$P/g1-chain.pem"
sign sign-g2 "$KT/plain.eml" "$KT/g2-sealed.eml" "$V"
kt_check "G2 seal: kyso signed" grep -q 'result=signed' "$KT/g2-sealed.eml.log"
kt_check "G2 seal (RSA-4096 root, RSA-3072 seal): openssl, gpgsm, NSS accept" bash "$V3" "$KT/g2-sealed.eml" "$P/g2-root.crt" "$P/g2-chain.pem"

B="binh@stp.hagiang.gov.vn"
A="an@stp.hagiang.gov.vn"
personal "$B" g1-personal "$P/g1-chain.pem" "$KT/g1-personal.eml" -md sha256
personal "$A" g2-personal "$P/g2-chain.pem" "$KT/g2-personal.eml" -md sha256
sign sign-g1 "$KT/g1-personal.eml" "$KT/g1-cosigned.eml" "$B"
kt_check "G1 official + seal: kyso co-signed" grep -q 'result=sealed' "$KT/g1-cosigned.eml.log"
VERIFY3_OUT="$KT/v3-g1co" bash "$V3" "$KT/g1-cosigned.eml" "$P/g1-root.crt" "$P/g1-chain.pem" >"$KT/v3-g1co.log" 2>&1
kt_check "G1 official + seal: openssl, gpgsm, NSS accept" bash -c '! grep -q FAIL "$1"' _ "$KT/v3-g1co.log"
sign sign-g2 "$KT/g2-personal.eml" "$KT/g2-cosigned.eml" "$A"
kt_check "G2 official + seal: kyso co-signed" grep -q 'result=sealed' "$KT/g2-cosigned.eml.log"
kt_check "G2 official + seal: openssl, gpgsm, NSS accept" bash "$V3" "$KT/g2-cosigned.eml" "$P/g2-root.crt" "$P/g2-chain.pem"

# ---- 2. inbound: pass, and the legacy exception said where it was used
inbound in "$KT/g1-sealed.eml" "$KT/in-g1.eml" "$V"
ar=$(ar_of "$KT/in-g1.eml")
vd=$(verdict_of "$KT/in-g1.eml")
kt_check "G1 seal inbound: smime=pass" has "$ar" "smime=pass"
kt_check "G1 seal inbound: A-R says legacy SHA-1 CA chain" has "$ar" "legacy SHA-1 CA chain"
kt_check "G1 seal inbound: verdict says it in Vietnamese and English" has "$vd" "chuỗi chứng thư CA cũ ký bằng SHA-1 / legacy SHA-1 CA chain"
kt_check "G1 seal inbound: agency by the KindTable" has "$ar" "(valid; agency, certificate e-mail"
inbound in "$KT/g2-sealed.eml" "$KT/in-g2.eml" "$V"
ar=$(ar_of "$KT/in-g2.eml")
kt_check "G2 seal inbound: smime=pass, agency" has "$ar" "smime=pass (valid; agency"
kt_check "G2 seal inbound: no legacy note (SHA-256 chain)" hasnt "$ar$(verdict_of "$KT/in-g2.eml")" "SHA-1"
for g in g1 g2; do
	inbound in-seal "$KT/$g-cosigned.eml" "$KT/in-$g-co.eml" "$([ $g = g1 ] && echo "$B" || echo "$A")"
	ar=$(ar_of "$KT/in-$g-co.eml")
	kt_check "$g official + seal inbound: smime=pass for both" \
		test "$(printf '%s' "$ar" | grep -o 'smime=pass' | wc -l)" = 2
done
kt_check "G1 official + seal: both signers say legacy SHA-1 CA chain" \
	test "$(ar_of "$KT/in-g1-co.eml" | grep -o 'legacy SHA-1 CA chain' | wc -l)" = 2
inbound in "$KT/g2-personal.eml" "$KT/in-g2p.eml" "$A"
kt_check "G2 official (address in subject emailAddress) inbound: pass, personal" \
	has "$(ar_of "$KT/in-g2p.eml")" "smime=pass (valid; personal, certificate e-mail"

# ---- 3. the attacker's cases
personal "$B" g1-personal "$P/g1-chain.pem" "$KT/sha1md.eml" -md sha1
inbound in "$KT/sha1md.eml" "$KT/in-sha1md.eml" "$B"
ar=$(ar_of "$KT/in-sha1md.eml")
kt_check "SHA-1 message digest under the legacy anchor: policy (weak)" has "$ar" "smime=policy (weak"
personal "$B" evil1-personal "$P/evil1-chain.pem" "$KT/evil1.eml" -md sha256
inbound evil "$KT/evil1.eml" "$KT/in-evil1.eml" "$B"
ar=$(ar_of "$KT/in-evil1.eml")
kt_check "attacker's SHA-1 chain under an ordinary anchor: policy, too weak" has "$ar" "smime=policy (.*too weak"
kt_check "attacker's SHA-1 chain: the verdict does not say valid" hasnt "$(verdict_of "$KT/in-evil1.eml")" "Hợp lệ / Valid"
inbound in "$KT/evil1.eml" "$KT/in-evil1b.eml" "$B"
kt_check "attacker's copy of the G1 names where only G1 is trusted: policy" has "$(ar_of "$KT/in-evil1b.eml")" "smime=policy"
personal "$(echo md5@stp.hagiang.gov.vn)" g1-md5 "$P/g1-chain.pem" "$KT/md5.eml" -md sha256
inbound in "$KT/md5.eml" "$KT/in-md5.eml" md5@stp.hagiang.gov.vn
kt_check "MD5-signed certificate under the legacy anchor: policy" has "$(ar_of "$KT/in-md5.eml")" "smime=policy (.*too weak"
personal "$V" evil2-agency "$P/evil2-chain.pem" "$KT/evil2.eml" -md sha256
inbound evil "$KT/evil2.eml" "$KT/in-evil2.eml" "$V"
ar=$(ar_of "$KT/in-evil2.eml")
kt_check "agency's exact subject under another trusted CA: not an agency" has "$ar" "smime=pass (valid; personal, certificate e-mail"
kt_check "  ... and the verdict does not call it a seal" hasnt "$(verdict_of "$KT/in-evil2.eml")" "con dấu cơ quan"
inbound evil "$KT/g2-sealed.eml" "$KT/in-g2-evilconf.eml" "$V"
kt_check "the genuine G2 seal under the same configuration: agency" has "$(ar_of "$KT/in-g2-evilconf.eml")" "smime=pass (valid; agency"

# ---- 4. kyso-milter -C on look-alikes and on the real VGCA certificates
cat "$P/g1-personal.crt" "$P/g1-chain.pem" >"$KT/g1p-full.pem"
d=$("$bin" -c "$KT/in.conf" -C "$KT/g1p-full.pem")
kt_check "-C G1 personal: trusted as a legacy SHA-1 chain" has "$d" "chain: trusted (legacy SHA-1"
kt_check "-C G1 personal: personal by the KindTable" has "$d" "kind: personal (by KindTable)"
cat "$P/evil1-personal.crt" "$P/evil1-chain.pem" >"$KT/evil1-full.pem"
kt_check "-C attacker's SHA-1 chain: not trusted" has "$("$bin" -c "$KT/evil.conf" -C "$KT/evil1-full.pem")" "chain: NOT trusted: CA signature digest algorithm too weak"
conf vgca "TrustProfile vgca" "TrustProfileDirectory $KT_TOP/contrib"
real="$KT_TOP/tests/data/vgca"
describe() { "$bin" -c "$KT/$1.conf" -C "$2" >"$KT/describe.out" 2>&1; cat "$KT/describe.out"; }
d=$(describe vgca "$real/g1-ee-license-key-generator.pem")
kt_check "real G1 end entity: pinned fingerprint" has "$d" "sha256: F5:00:EF:83:5C:0B:BE:0B:06:AA:56:39:48:1B:0B:B0:92:D0:42:DD:C7:AD:E6:BE:0E:74:76:E0:1E:0A:21:A9"
kt_check "real G1 end entity: chains to the G1 root (legacy SHA-1)" has "$d" "chain: trusted (legacy SHA-1"
kt_check "real G1 end entity: issued by Co quan chung thuc so Chinh phu" has "$d" "issuer sha256: 75:E9:69:C0:7B:A3:5C:29"
kt_check "real G1 end entity: kind unknown (profile kind table), not a guess" has "$d" "kind: unknown (by KindTable)"
kt_check "real G2 root: pinned and trusted" has "$(describe vgca "$KT_TOP/contrib/vgca/anchors.pem")" "sha256: F0:4B:A4:B4:59:A7:C9:A1:B9:71:AD:9B:1C:B8:33:E6:95:A8:0C:79:AE:A6:3B:17:4B:66:A7:0E:DF:E2:FD:B8"
kt_check "MIC root (commercial CA): not trusted by the VGCA profile" has "$(describe vgca "$real/mic-root.pem")" "chain: NOT trusted"
conf noprofile "TrustProfile vgca" "TrustProfileDirectory $KT/nowhere"
kt_check "TrustProfile vgca without its directory: refused, naming it" \
	bash -c '! "$1" -c "$2" -n >"$3" 2>&1 && grep -q "TrustProfile vgca: no directory $4/nowhere/vgca" "$3"' \
	_ "$bin" "$KT/noprofile.conf" "$KT/noprofile.out" "$KT"
printf 'agency * any\n' >"$KT/bad-kind.table"
conf badkind "KindTable $KT/bad-kind.table"
kt_check "KindTable agency rule without an issuer: refused" \
	bash -c '! "$1" -c "$2" -n >"$3" 2>&1 && grep -q "bad-kind.table:1: an agency rule must name its issuer" "$3"' \
	_ "$bin" "$KT/badkind.conf" "$KT/badkind.out"
# the real "Co quan chung thuc so Chinh phu" (G1), by its pinned fingerprint
printf 'personal sha256:75e969c07ba35c29c72bbc1bfb880f20f3891a619b00b77eb02ca6160736a1fe any\n' >"$KT/own-kind.table"
conf vgca-own "TrustProfile vgca" "TrustProfileDirectory $KT_TOP/contrib" "KindTable $KT/own-kind.table"
kt_check "KindTable replaces the profile's kind table" \
	has "$("$bin" -c "$KT/vgca-own.conf" -C "$real/g1-ee-license-key-generator.pem")" "kind: personal (by KindTable)"
conf nolegacy "TrustAnchorFile $KT_TOP/contrib/vgca/legacy-sha1-anchors.pem" "IntermediateCertificates $KT_TOP/contrib/vgca/intermediates.pem"
sed -i '/^LegacySHA1Anchors/d' "$KT/nolegacy.conf"
kt_check "real G1 end entity with the G1 root as an ordinary anchor: too weak" has "$(describe nolegacy "$real/g1-ee-license-key-generator.pem")" "chain: NOT trusted: CA signature digest algorithm too weak"
for f in "$KT_TOP"/contrib/vgca/*.pem "$real"/*.pem; do
	"$bin" -c "$KT/vgca.conf" -C "$f" | sed "s|^certificate: $KT_TOP/|certificate: |" >>"$KT/real-vgca.txt"
	echo >>"$KT/real-vgca.txt"
done
diag <"$KT/real-vgca.txt"
kt_done
