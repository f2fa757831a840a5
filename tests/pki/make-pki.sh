#!/usr/bin/env bash
# make-pki.sh OUTDIR - a throwaway test PKI for kyso-milter, made with the
# openssl command only (OpenSSL >= 3.0). Never use it for real mail.
#
# Idempotent: does nothing when OUTDIR/.done exists. Takes a few seconds.
# Environment: OCSP_PORT (default 18888) and CRL_PORT (default 18889) go into
# the end-entity certificates' AIA OCSP URL http://127.0.0.1:$OCSP_PORT/ and
# CRL distribution point http://127.0.0.1:$CRL_PORT/crl.der.
#
# Files in OUTDIR (every *.key and *.pass is mode 600; *.p12 password "test"):
#   root.crt / root.key          "RootCA Thử nghiệm Hà Giang" (self-signed trust anchor)
#   intermediate.crt / .key      "CA phục vụ các cơ quan Nhà nước (thử nghiệm)", issues all leaves
#   chain.pem                    the intermediate (what a signer attaches)
#   trust.pem                    root + intermediate
#   <name>.crt/.key/.p12         end-entity certificates (RSA-2048 unless said):
#     sotttt-agency   Sở TT&TT seal; vanthu@sotttt.hagiang.gov.vn; policy .1.1;
#                     KU digitalSignature+nonRepudiation; EKU emailProtection
#     ubnd-agency     UBND tỉnh seal; no e-mail; policy .1.1; KU nonRepudiation; no EKU
#     personal        Nguyễn Văn An; nguyenvanan@sotttt.hagiang.gov.vn; policy .1.2
#     ecdsa-agency    as sotttt-agency with a P-256 key; vanthu.ec@sotttt.hagiang.gov.vn
#     expired         not valid any more (ended yesterday); expired@sotttt...
#     notyet          not valid yet (starts in 30 days); notyet@sotttt...
#     revoked         revoked in the intermediate's database and CRL; revoked@sotttt...
#     ocsp-signer     EKU OCSPSigning, for `openssl ocsp -rsigner`
#     noeku           EKU clientAuth only; other@sotttt.hagiang.gov.vn
#     mismatch        e-mail khac@othergov.vn
#     untrusted       issued by untrusted-root.crt (not part of trust.pem); untrusted@sotttt...
#     weak            RSA-1024 key; weak@sotttt...
#   sotttt-agency.enc.key        sotttt-agency's key, PKCS#8 AES-256, passphrase in sotttt-agency.pass
#   untrusted-root.crt / .key    a separate root nobody trusts
#   index.txt                    the intermediate's CA database (`openssl ocsp -index index.txt -CA chain.pem`)
#   crl.pem / crl.der            the intermediate's CRL (lists "revoked")
#   root-crl.pem                 the root's CRL (empty), crl-all.pem = both CRLs
#   ca/                          openssl ca working files
# Certificate policy OIDs: 1.3.6.1.4.1.55555.1.1 = agency, .1.2 = personal.
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-pki.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-pki.sh OUTDIR}
ocsp_port=${OCSP_PORT:-18888}
crl_port=${CRL_PORT:-18889}

[ -e "$out/.done" ] && exit 0
mkdir -p "$out"
out=$(cd "$out" && pwd)
umask 077
ca="$out/ca"
rm -rf "$ca"
mkdir -p "$ca/root" "$ca/int" "$ca/unt"

ossl() { openssl "$@" 2>"$ca/last.err" || { cat "$ca/last.err" >&2; return 1; }; }

# openssl ca wants fixed-width UTC dates.
d() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
now_minus_day=$(d '-1 day')
in_2y=$(d '+730 days')
in_10y=$(d '+3650 days')

pol=1.3.6.1.4.1.55555.1
aia="authorityInfoAccess = OCSP;URI:http://127.0.0.1:$ocsp_port/
crlDistributionPoints = URI:http://127.0.0.1:$crl_port/crl.der"

# One openssl.cnf for the three CAs (selected by -name) plus every extension
# section used below.
cat >"$ca/openssl.cnf" <<EOF
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[ req_dn ]
CN = unused

[ ca_root ]
dir = $ca/root
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $out/root.crt
private_key = $out/root.key
default_md = sha256
default_crl_days = 30
policy = pol_any
preserve = yes
email_in_dn = no
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only

[ ca_int ]
dir = $ca/int
database = $out/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $out/intermediate.crt
private_key = $out/intermediate.key
default_md = sha256
default_crl_days = 30
policy = pol_any
preserve = yes
email_in_dn = no
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only

[ ca_unt ]
dir = $ca/unt
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $out/untrusted-root.crt
private_key = $out/untrusted-root.key
default_md = sha256
policy = pol_any
preserve = yes
email_in_dn = no
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only

[ pol_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
givenName = optional
surname = optional
commonName = supplied
emailAddress = optional

[ x_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ x_int ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ x_agency ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
certificatePolicies = $pol.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$aia
subjectAltName = email:vanthu@sotttt.hagiang.gov.vn

[ x_agency_ec ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
certificatePolicies = $pol.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$aia
subjectAltName = email:vanthu.ec@sotttt.hagiang.gov.vn

[ x_ubnd ]
basicConstraints = critical,CA:false
keyUsage = critical,nonRepudiation
certificatePolicies = $pol.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$aia

[ x_personal ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = emailProtection
certificatePolicies = $pol.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$aia
subjectAltName = email:nguyenvanan@sotttt.hagiang.gov.vn

[ x_ocsp ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
noCheck = ignored
EOF

# Generic leaf section: $1 section name, $2 e-mail, $3 EKU line (may be empty).
leaf_section() {
	cat >>"$ca/openssl.cnf" <<EOF

[ $1 ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
${3}
certificatePolicies = $pol.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$aia
subjectAltName = email:$2
EOF
}
leaf_section x_expired expired@sotttt.hagiang.gov.vn 'extendedKeyUsage = emailProtection'
leaf_section x_notyet notyet@sotttt.hagiang.gov.vn 'extendedKeyUsage = emailProtection'
leaf_section x_revoked revoked@sotttt.hagiang.gov.vn 'extendedKeyUsage = emailProtection'
leaf_section x_noeku other@sotttt.hagiang.gov.vn 'extendedKeyUsage = clientAuth'
leaf_section x_mismatch khac@othergov.vn 'extendedKeyUsage = emailProtection'
leaf_section x_untrusted untrusted@sotttt.hagiang.gov.vn 'extendedKeyUsage = emailProtection'
leaf_section x_weak weak@sotttt.hagiang.gov.vn 'extendedKeyUsage = emailProtection'

for c in root int unt; do
	: >"$ca/$c/index.txt"
	echo 'unique_subject = no' >"$ca/$c/index.txt.attr"
	echo 01 >"$ca/$c/crlnumber"
done
: >"$out/index.txt"
echo 'unique_subject = no' >"$out/index.txt.attr"
echo 1000 >"$ca/root/serial"
echo 2000 >"$ca/int/serial"
echo 3000 >"$ca/unt/serial"

export OPENSSL_CONF="$ca/openssl.cnf"

newkey() { # $1 file, $2 kind (rsa2048 | rsa1024 | p256)
	case $2 in
	rsa2048) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
	rsa1024) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1" ;;
	p256) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	esac
	chmod 600 "$1"
}

# issue CA-NAME EXT SUBJ KEYFILE OUTCRT STARTDATE ENDDATE
issue() {
	local csr="$ca/req.csr"
	ossl req -new -utf8 -key "$4" -subj "$3" -out "$csr"
	ossl ca -batch -notext -utf8 -name "$1" -extensions "$2" -in "$csr" \
		-out "$5" -startdate "$6" -enddate "$7"
	chmod 644 "$5"
}

vn='/C=VN'
ban="/O=Ban Cơ yếu Chính phủ (thử nghiệm)"
so_o="/O=Sở Thông tin và Truyền thông tỉnh Hà Giang"

# Roots: self-signed through `openssl ca -selfsign` so their dates are explicit.
newkey "$out/root.key" rsa2048
ossl req -new -utf8 -key "$out/root.key" -subj "$vn$ban/CN=RootCA Thử nghiệm Hà Giang" -out "$ca/root.csr"
ossl ca -batch -notext -utf8 -selfsign -name ca_root -extensions x_root -keyfile "$out/root.key" \
	-in "$ca/root.csr" -out "$out/root.crt" -startdate "$(d '-2 days')" -enddate "$in_10y"

newkey "$out/untrusted-root.key" rsa2048
ossl req -new -utf8 -key "$out/untrusted-root.key" -subj "$vn/O=Kẻ giả mạo/CN=RootCA không tin cậy" -out "$ca/unt.csr"
ossl ca -batch -notext -utf8 -selfsign -name ca_unt -extensions x_root -keyfile "$out/untrusted-root.key" \
	-in "$ca/unt.csr" -out "$out/untrusted-root.crt" -startdate "$(d '-2 days')" -enddate "$in_10y"

newkey "$out/intermediate.key" rsa2048
issue ca_root x_int "$vn$ban/CN=CA phục vụ các cơ quan Nhà nước (thử nghiệm)" \
	"$out/intermediate.key" "$out/intermediate.crt" "$(d '-2 days')" "$in_10y"
chmod 644 "$out/root.crt" "$out/untrusted-root.crt"
cp "$out/intermediate.crt" "$out/chain.pem"
cat "$out/root.crt" "$out/intermediate.crt" >"$out/trust.pem"
chmod 644 "$out/chain.pem" "$out/trust.pem"

# name ca ext keykind subject start end
leaf() {
	newkey "$out/$1.key" "$4"
	issue "$2" "$3" "$5" "$out/$1.key" "$out/$1.crt" "$6" "$7"
	local chain="$out/chain.pem"
	[ "$2" = ca_unt ] && chain="$out/untrusted-root.crt"
	ossl pkcs12 -export -inkey "$out/$1.key" -in "$out/$1.crt" -certfile "$chain" \
		-name "$1" -passout pass:test -out "$out/$1.p12"
	chmod 600 "$out/$1.p12"
}

so_cn="/CN=Sở Thông tin và Truyền thông tỉnh Hà Giang"
so_l="/L=Hà Giang"
leaf sotttt-agency ca_int x_agency rsa2048 "$vn$so_l$so_o$so_cn" "$now_minus_day" "$in_2y"
leaf ubnd-agency ca_int x_ubnd rsa2048 "$vn$so_l/O=Ủy ban nhân dân tỉnh Hà Giang/CN=Ủy ban nhân dân tỉnh Hà Giang" \
	"$now_minus_day" "$in_2y"
leaf personal ca_int x_personal rsa2048 \
	"$vn$so_l$so_o/OU=Phòng Công nghệ thông tin/GN=An/SN=Nguyễn/CN=Nguyễn Văn An" "$now_minus_day" "$in_2y"
leaf ecdsa-agency ca_int x_agency_ec p256 "$vn$so_l$so_o$so_cn (ECDSA)" "$now_minus_day" "$in_2y"
leaf expired ca_int x_expired rsa2048 "$vn$so_l$so_o/CN=Chứng thư hết hạn" "$(d '-400 days')" "$(d '-1 day')"
leaf notyet ca_int x_notyet rsa2048 "$vn$so_l$so_o/CN=Chứng thư chưa hiệu lực" "$(d '+30 days')" "$in_2y"
leaf revoked ca_int x_revoked rsa2048 "$vn$so_l$so_o/CN=Chứng thư bị thu hồi" "$now_minus_day" "$in_2y"
leaf ocsp-signer ca_int x_ocsp rsa2048 "$vn$ban/CN=OCSP thử nghiệm" "$now_minus_day" "$in_2y"
leaf noeku ca_int x_noeku rsa2048 "$vn$so_l$so_o/CN=Chứng thư không có emailProtection" "$now_minus_day" "$in_2y"
leaf mismatch ca_int x_mismatch rsa2048 "$vn/O=Cơ quan khác/CN=Cơ quan khác" "$now_minus_day" "$in_2y"
leaf untrusted ca_unt x_untrusted rsa2048 "$vn$so_l$so_o/CN=Chứng thư không tin cậy" "$now_minus_day" "$in_2y"
leaf weak ca_int x_weak rsa1024 "$vn$so_l$so_o/CN=Chứng thư khóa yếu" "$now_minus_day" "$in_2y"

# Encrypted copy of the agency key.
head -c 18 /dev/urandom | base64 | tr -d '\n/+=' >"$out/sotttt-agency.pass"
chmod 600 "$out/sotttt-agency.pass"
ossl pkey -in "$out/sotttt-agency.key" -aes256 -passout "file:$out/sotttt-agency.pass" \
	-out "$out/sotttt-agency.enc.key"
chmod 600 "$out/sotttt-agency.enc.key"

# Revoke and publish CRLs.
ossl ca -batch -name ca_int -revoke "$out/revoked.crt" -crl_reason keyCompromise
ossl ca -batch -name ca_int -gencrl -out "$out/crl.pem"
ossl crl -in "$out/crl.pem" -outform DER -out "$out/crl.der"
ossl ca -batch -name ca_root -gencrl -out "$out/root-crl.pem"
cat "$out/crl.pem" "$out/root-crl.pem" >"$out/crl-all.pem"
chmod 644 "$out"/*.crt "$out"/*.pem "$out/crl.der" "$out/index.txt" "$out/index.txt.attr"

# Sanity: the main leaves chain to the root.
ossl verify -CAfile "$out/root.crt" -untrusted "$out/chain.pem" -purpose smimesign \
	"$out/sotttt-agency.crt" "$out/personal.crt" "$out/ecdsa-agency.crt" >/dev/null

rm -f "$ca/req.csr" "$ca/last.err"
touch "$out/.done"
