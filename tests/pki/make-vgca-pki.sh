#!/usr/bin/env bash
# make-vgca-pki.sh OUTDIR - throwaway look-alikes of the two hierarchies of
# the Vietnamese Government CA (contrib/vgca holds the real public
# certificates), made with the openssl command at test time, plus the
# attacker's copies of them. Never use them for real mail.
#
# G1 shape (as the real G1 certificates): RSA-2048, every CA signature
# sha1WithRSAEncryption; end-entity KU digitalSignature+nonRepudiation
# (+keyEncipherment), EKU clientAuth+emailProtection+msSmartcardLogin, e-mail
# in SAN rfc822Name, NO certificatePolicies, a Netscape comment, CRL
# http://ca.gov.vn/pki/pub/crl/cp.crl + mirror, OCSP, caIssuers.
# G2 shape: RSA-4096 root, SHA-256, RSA-3072 end entities, the personal
# certificate's address in the subject's emailAddress.
#
#   g1-root       "... chuyen dung Chinh phu (RootCA) TEST", self-signed, SHA-1
#   g1-cp         "Co quan chung thuc so Chinh phu TEST", SHA-1 by g1-root
#   g1-personal   Nguyen Van Binh <binh@stp.hagiang.gov.vn>, SHA-1 by g1-cp
#   g1-agency     So Tu phap tinh Ha Giang <vanthu@stp.hagiang.gov.vn>, SHA-1
#   g1-md5        md5@stp.hagiang.gov.vn, MD5 by g1-cp (refused even there)
#   g2-root       "RootCA chuyên dùng Chính phủ G2 TEST", RSA-4096
#   g2-cpca       "CA phục vụ các cơ quan Nhà nước G2 TEST", by g2-root
#   g2-personal   Nguyễn Văn An, E=an@stp.hagiang.gov.vn (subject), RSA-3072
#   g2-agency     Sở Tư pháp tỉnh Hà Giang, vanthu@stp.hagiang.gov.vn, RSA-3072
#   evil1-*       root, cp and personal: same names as the g1 ones, SHA-1,
#                 other keys (an attacker's SHA-1 chain)
#   evil2-*       root, cpca and agency: same names as the g2 ones (the
#                 agency's subject copied exactly), other keys
# Each NAME.crt/.key (key mode 600); g1-chain.pem, g2-chain.pem,
# evil1-chain.pem, evil2-chain.pem (what a signer attaches).
# Idempotent (OUTDIR/.done).
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-vgca-pki.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-vgca-pki.sh OUTDIR}
[ -e "$out/.done" ] && exit 0
mkdir -p "$out"
out=$(cd "$out" && pwd)
umask 077
w="$out/work"
mkdir -p "$w"
ossl() { openssl "$@" 2>"$w/last.err" || { cat "$w/last.err" >&2; return 1; }; }

serial=4096
# cert NAME ISSUER(-|name) BITS MD SUBJECT EXTSECTION-TEXT
cert() {
	local name=$1 issuer=$2 bits=$3 md=$4 subj=$5 ext=$6
	serial=$((serial + 1))
	ossl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$out/$name.key"
	printf '[x]\n%s\n' "$ext" >"$w/$name.ext"
	if [ "$issuer" = - ]; then
		printf '[req]\ndistinguished_name=dn\n[dn]\n' | cat - "$w/$name.ext" >"$w/$name.cnf"
		ossl req -new -x509 -utf8 -key "$out/$name.key" -subj "$subj" -days 3650 \
			"-$md" -set_serial "$serial" -config "$w/$name.cnf" -extensions x \
			-out "$out/$name.crt"
	else
		printf '[req]\ndistinguished_name=dn\n[dn]\n' >"$w/$name.cnf"
		ossl req -new -utf8 -key "$out/$name.key" -subj "$subj" \
			-config "$w/$name.cnf" -out "$w/$name.csr"
		ossl x509 -req -in "$w/$name.csr" -CA "$out/$issuer.crt" -CAkey "$out/$issuer.key" \
			-set_serial "$serial" -days 1825 "-$md" -extfile "$w/$name.ext" -extensions x \
			-out "$out/$name.crt"
	fi
}

ca_ext='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
nsComment=Sub CA issued by GCA'
g1_ee() { # e-mail KU
	printf '%s\n' 'basicConstraints=CA:FALSE' "keyUsage=$2" \
		'extendedKeyUsage=clientAuth,emailProtection,msSmartcardLogin' \
		"subjectAltName=email:$1" 'nsComment=User Sign of Chinh phu' \
		'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' \
		'crlDistributionPoints=URI:http://ca.gov.vn/pki/pub/crl/cp.crl,URI:http://pub.ca.gov.vn/pki/pub/crl/cp.crl' \
		'authorityInfoAccess=OCSP;URI:http://ocsp.ca.gov.vn/,caIssuers;URI:http://ca.gov.vn/pki/pub/cert/cp.crt'
}
g2_ee() { # extra-lines
	printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,nonRepudiation' \
		'extendedKeyUsage=clientAuth,emailProtection' 'subjectKeyIdentifier=hash' \
		'authorityKeyIdentifier=keyid' 'crlDistributionPoints=URI:http://ca.gov.vn/pki/pub/crl/cpcag2.crl' \
		'authorityInfoAccess=OCSP;URI:http://ocsp.ca.gov.vn/'
	[ $# = 0 ] || printf '%s\n' "$@"
}

g1root='/C=VN/O=Ban Co yeu Chinh phu/CN=Co quan chung thuc so chuyen dung Chinh phu (RootCA) TEST'
g1cp='/C=VN/O=Ban Co yeu Chinh phu/CN=Co quan chung thuc so Chinh phu TEST'
g1pers='/C=VN/O=UBND tinh Ha Giang/OU=So Tu phap/L=Ha Giang/CN=Nguyen Van Binh'
g2root='/C=VN/O=Ban Cơ yếu Chính phủ/CN=RootCA chuyên dùng Chính phủ G2 TEST'
g2cpca='/C=VN/O=Ban Cơ yếu Chính phủ/CN=CA phục vụ các cơ quan Nhà nước G2 TEST'
g2agency='/C=VN/L=Hà Giang/O=ỦY BAN NHÂN DÂN TỈNH HÀ GIANG/CN=Sở Tư pháp tỉnh Hà Giang'

# ---- G1 (SHA-1 CA signatures)
cert g1-root - 2048 sha1 "$g1root" "$ca_ext"
cert g1-cp g1-root 2048 sha1 "$g1cp" "$ca_ext"
cert g1-personal g1-cp 2048 sha1 "$g1pers" \
	"$(g1_ee binh@stp.hagiang.gov.vn digitalSignature,nonRepudiation,keyEncipherment)"
cert g1-agency g1-cp 2048 sha1 '/C=VN/O=UBND tinh Ha Giang/L=Ha Giang/CN=So Tu phap tinh Ha Giang' \
	"$(g1_ee vanthu@stp.hagiang.gov.vn digitalSignature,nonRepudiation)"
cert g1-md5 g1-cp 2048 md5 '/C=VN/O=UBND tinh Ha Giang/OU=So Tu phap/CN=Tran Thi Md' \
	"$(g1_ee md5@stp.hagiang.gov.vn digitalSignature,nonRepudiation)"
cat "$out/g1-cp.crt" >"$out/g1-chain.pem"

# ---- G2 (SHA-256, RSA-4096 root, RSA-3072 end entities)
cert g2-root - 4096 sha256 "$g2root" "$ca_ext"
cert g2-cpca g2-root 3072 sha256 "$g2cpca" "$ca_ext"
cert g2-personal g2-cpca 3072 sha256 \
	'/C=VN/L=Hà Giang/O=ỦY BAN NHÂN DÂN TỈNH HÀ GIANG/OU=Sở Tư pháp/OU=Văn phòng/CN=Nguyễn Văn An/emailAddress=an@stp.hagiang.gov.vn' \
	"$(g2_ee)"
cert g2-agency g2-cpca 3072 sha256 "$g2agency" "$(g2_ee subjectAltName=email:vanthu@stp.hagiang.gov.vn)"
cat "$out/g2-cpca.crt" >"$out/g2-chain.pem"

# ---- the attacker's copies: same names, other keys
cert evil1-root - 2048 sha1 "$g1root" "$ca_ext"
cert evil1-cp evil1-root 2048 sha1 "$g1cp" "$ca_ext"
cert evil1-personal evil1-cp 2048 sha1 "$g1pers" \
	"$(g1_ee binh@stp.hagiang.gov.vn digitalSignature,nonRepudiation,keyEncipherment)"
cat "$out/evil1-cp.crt" >"$out/evil1-chain.pem"
cert evil2-root - 2048 sha256 "$g2root" "$ca_ext"
cert evil2-cpca evil2-root 2048 sha256 "$g2cpca" "$ca_ext"
cert evil2-agency evil2-cpca 2048 sha256 "$g2agency" "$(g2_ee subjectAltName=email:vanthu@stp.hagiang.gov.vn)"
cat "$out/evil2-cpca.crt" >"$out/evil2-chain.pem"

rm -rf "$w"
touch "$out/.done"
