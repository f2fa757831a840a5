#!/bin/sh
# policy-keys.sh DIR - throwaway signing identities for the policy/ unit
# tests: a.crt/a.key and b.crt/b.key (RSA-2048, self-signed, mode 600),
# loose.key (a copy of a.key with mode 644, must be refused), enc.key
# (a.key encrypted, passphrase in enc.pass). Never use them for real mail.
set -eu
dir=${1:?usage: policy-keys.sh DIR}
umask 077
mkdir -p "$dir"
cd "$dir"
for n in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
	    -subj "/CN=kyso policy test $n" \
	    -addext "subjectAltName=email:$n@sotttt.hagiang.gov.vn" \
	    -keyout "$n.key" -out "$n.crt" 2>/dev/null
	chmod 600 "$n.key"
done
cp a.key loose.key
chmod 644 loose.key
printf 'secret\n' >enc.pass
openssl pkey -in a.key -aes256 -passout pass:secret -out enc.key
chmod 600 enc.key enc.pass
