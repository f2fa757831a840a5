#!/usr/bin/env bash
# gpgsm-sign.sh PKI CONTENT OUT.der GNUPGHOME - a detached CMS signature by
# GnuPG's gpgsm with the official's key of make-pki.sh (PKI/personal.key,
# PKI/personal.crt, chain to PKI/root.crt), over CONTENT, as DER in OUT.der.
# GNUPGHOME is made afresh (the root trusted, the key imported) and its
# agent stopped at the end. Exit 0 only when OUT.der was written; on
# failure the log of every try goes to standard error.
#
# Two known weaknesses of gpgsm are handled here so that callers stay
# deterministic:
#  - gpgsm's PKCS#12 reader refuses some files OpenSSL writes ("data error
#    at shrouded_key_bag.decrypted-text"): about 1 export in 50 here,
#    depending on the random salt. Each try exports again (new salt).
#  - the agent reads trustlist.txt when it first needs it, so the file is
#    written before the agent starts.
set -uo pipefail

pki=${1:?usage: gpgsm-sign.sh PKI CONTENT OUT.der GNUPGHOME}
content=${2:?}
der=${3:?}
export GNUPGHOME=${4:?}
tries=8
log="$GNUPGHOME.log"

rm -rf "$GNUPGHOME"
mkdir -m 700 "$GNUPGHOME" || exit 1
: >"$log"
echo allow-loopback-pinentry >"$GNUPGHOME/gpg-agent.conf"
echo "$(openssl x509 -in "$pki/root.crt" -noout -fingerprint -sha1 | sed 's/.*=//') S relax" \
	>"$GNUPGHOME/trustlist.txt"
gpgsm --batch --import "$pki/root.crt" "$pki/intermediate.crt" >>"$log" 2>&1

status=1
fp=
for try in $(seq 1 $tries); do
	# gpgsm reads only legacy PKCS#12 encryption
	openssl pkcs12 -export -inkey "$pki/personal.key" -in "$pki/personal.crt" -name personal \
		-passout pass:test -keypbe PBE-SHA1-3DES -certpbe NONE -macalg sha1 \
		-out "$GNUPGHOME/key.p12" 2>>"$log" || break
	echo test | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
		--import "$GNUPGHOME/key.p12" >>"$log" 2>&1
	fp=$(gpgsm --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr/{print $10; exit}')
	[ -n "$fp" ] && break
	echo "gpgsm-sign.sh: PKCS#12 import refused (try $try of $tries)" >>"$log"
done
if [ -n "$fp" ]; then
	# an agent slow to start on a loaded machine: one more try with a
	# fresh agent
	for try in 1 2; do
		rm -f "$der"
		echo test | gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
			--disable-crl-checks --disable-policy-checks --include-certs -1 -u "$fp" \
			--detach-sign -o "$der" "$content" >>"$log" 2>&1 && [ -s "$der" ] && {
			status=0
			break
		}
		echo "gpgsm-sign.sh: gpgsm --detach-sign failed (try $try)" >>"$log"
		gpgconf --kill gpg-agent >/dev/null 2>&1 || true
	done
fi
gpgconf --kill gpg-agent >/dev/null 2>&1 || true
[ $status = 0 ] || cat "$log" >&2
exit $status
