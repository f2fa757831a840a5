#!/usr/bin/env bash
# make-tsa-cases.sh OUTDIR - the PKI of the timestamp and revocation-endpoint
# tests (tests/unit/timestamp.test), served by tests/pki/tsa-http.pl:
#   root.crt      mail CA; signs the CRL (www/crl/root.crl, crl.pem) and
#                 answers OCSP (index.txt)
#   s1            valid 30 days (expires before the tests' future clock)
#   s2            revoked yesterday;  s3 revoked in ten days (CRL, and OCSP
#                 at http://ocsp.ca.ptc/)
#   s4            OCSP http://ocsp.ca.ptc/, CRL http://ca.ptc/crl/root.crl:
#                 the CA's internal names, reached only through the URL map
#   s5            two CRL distribution points: a dead one, then the map's
#   s6            three: another CA's CRL, this CA's expired one, the current
#   s7            only the first two of s6's
#   tsa-root.crt  the trusted TSA root; tsa.crt (EKU timeStamping,
#                 critical: `openssl ts -reply` signs with nothing else)
#   rogue-root.crt, rogue-tsa.crt  a TSA nobody configured
# and tsa.cnf with one `openssl ts -reply` section per TSA.
set -euo pipefail
# a failing step names itself in the log (most steps here are quiet)
trap 'echo "make-tsa-cases.sh: line $LINENO: a step failed (exit $?)" >&2' ERR

out=${1:?usage: make-tsa-cases.sh OUTDIR}
mkdir -p "$out/www/crl"
cd "$out"
umask 077
ossl() { openssl "$@" 2>>err.log || { cat err.log >&2; return 1; }; }
stamp() { date -u -d "$1" +%y%m%d%H%M%SZ; }

root() { # NAME CN
	ossl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 400 \
		-subj "/C=VN/O=Kyso TSA test/CN=$2" \
		-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() { # NAME CA SERIAL DAYS SUBJECT EXTFILE
	ossl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$5"
	ossl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -set_serial "$3" \
		-days "$4" -extfile "$6" -out "$1.crt"
}

root root "TSA test mail root"
root tsa-root "Kyso test TSA root"
root rogue-root "Rogue TSA root"

cat >tsa.ext <<X
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
X
leaf tsa tsa-root 0x7001 300 "/C=VN/O=Kyso TSA test/CN=Kyso test TSA" tsa.ext
leaf rogue-tsa rogue-root 0x7003 300 "/C=VN/O=Rogue/CN=Rogue TSA" tsa.ext

mail_ext() { # NAME EXTRA-LINES
	{
		echo "basicConstraints = critical,CA:false"
		echo "keyUsage = critical,digitalSignature,nonRepudiation"
		echo "extendedKeyUsage = emailProtection"
		echo "subjectAltName = email:$1@sotttt.hagiang.gov.vn"
		printf '%s\n' "$2"
	} >"$1.ext"
}
mail_ext s1 "crlDistributionPoints = URI:http://ca.ptc/crl/root.crl"
mail_ext s2 "crlDistributionPoints = URI:http://ca.ptc/crl/root.crl"
mail_ext s3 "authorityInfoAccess = OCSP;URI:http://ocsp.ca.ptc/
crlDistributionPoints = URI:http://ca.ptc/crl/root.crl"
mail_ext s4 "authorityInfoAccess = OCSP;URI:http://ocsp.ca.ptc/
crlDistributionPoints = URI:http://ca.ptc/crl/root.crl"
mail_ext s5 "crlDistributionPoints = URI:http://127.0.0.1:1/dead.crl, URI:http://ca.ptc/crl/root.crl"
mail_ext s6 "crlDistributionPoints = URI:http://ca.ptc/crl/other.crl, URI:http://ca.ptc/crl/old.crl, URI:http://ca.ptc/crl/root.crl"
mail_ext s7 "crlDistributionPoints = URI:http://ca.ptc/crl/other.crl, URI:http://ca.ptc/crl/old.crl"
days=(0 30 60 60 60 60 60 60)
for i in 1 2 3 4 5 6 7; do
	leaf "s$i" root "$((0x6000 + i))" "${days[$i]}" \
		"/C=VN/CN=Signer $i/emailAddress=s$i@sotttt.hagiang.gov.vn" "s$i.ext"
done

# the CA's database: s2 revoked yesterday, s3 in ten days (a revocation
# the CA dates ahead, to stand for one after the proven signing time)
exp=$(stamp "+60 days")
: >index.txt
for i in 1 2 3 4 5 6 7; do
	serial=$(printf '%04X' $((0x6000 + i)))
	subj="/C=VN/CN=Signer $i/emailAddress=s$i@sotttt.hagiang.gov.vn"
	case $i in
	2) printf 'R\t%s\t%s\t%s\tunknown\t%s\n' "$exp" "$(stamp "-1 day")" "$serial" "$subj" ;;
	3) printf 'R\t%s\t%s\t%s\tunknown\t%s\n' "$exp" "$(stamp "+10 days")" "$serial" "$subj" ;;
	*) printf 'V\t%s\t\t%s\tunknown\t%s\n' "$exp" "$serial" "$subj" ;;
	esac
done >>index.txt
echo 'unique_subject = no' >index.txt.attr
cat >ca.cnf <<X
[ca]
default_ca = CA_default
[CA_default]
database = $out/index.txt
default_md = sha256
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
X
ossl ca -gencrl -config ca.cnf -keyfile root.key -cert root.crt -crldays 400 -out crl.pem
ossl crl -in crl.pem -outform DER -out www/crl/root.crl
# the mirrors a distribution point list may hold: a CRL of another CA
# (rogue-root), and this CA's CRL of 2020 (long expired)
cp ca.cnf rogue.cnf
: >rogue-index.txt
sed -i "s|^database = .*|database = $out/rogue-index.txt|" rogue.cnf
ossl ca -gencrl -config rogue.cnf -keyfile rogue-root.key -cert rogue-root.crt -crldays 400 -out other.pem
ossl crl -in other.pem -outform DER -out www/crl/other.crl
ossl ca -gencrl -config ca.cnf -keyfile root.key -cert root.crt \
	-crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z -out old.pem
ossl crl -in old.pem -outform DER -out www/crl/old.crl

cat >tsa.cnf <<X
[ good ]
dir = $out
serial = \$dir/tsaserial
signer_cert = \$dir/tsa.crt
signer_key = \$dir/tsa.key
certs = \$dir/tsa-root.crt
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.9.1
# sha1 too: the verifier must refuse such an imprint itself
digests = sha1, sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
[ rogue ]
dir = $out
serial = \$dir/tsaserial
signer_cert = \$dir/rogue-tsa.crt
signer_key = \$dir/rogue-tsa.key
certs = \$dir/rogue-root.crt
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.9.1
digests = sha256, sha384, sha512
ess_cert_id_alg = sha256
X
echo 01 >tsaserial
chmod 644 ./*.crt crl.pem
