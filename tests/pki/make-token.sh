#!/bin/sh
# make-token.sh DIR KEY.pem LABEL PIN [TOKEN] - a throwaway SoftHSM2 token
# for the tests: DIR/softhsm2.conf (point SOFTHSM2_CONF at it), a token
# labelled TOKEN (default "kyso"; call again with another TOKEN for more
# tokens in DIR) holding the private key KEY.pem as object LABEL (id 01),
# user PIN PIN, DIR/pin (mode 600). Prints the module path. Exit 77 when
# SoftHSM2 is not installed (the caller skips).
set -eu
dir=${1:?usage: make-token.sh DIR KEY LABEL PIN}
key=${2:?}
label=${3:?}
pin=${4:?}
token=${5:-kyso}
module=/usr/lib/softhsm/libsofthsm2.so
command -v softhsm2-util >/dev/null 2>&1 && [ -f "$module" ] || exit 77
umask 077
mkdir -p "$dir/tokens"
cat >"$dir/softhsm2.conf" <<C
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
C
export SOFTHSM2_CONF="$dir/softhsm2.conf"
softhsm2-util --init-token --free --label "$token" --pin "$pin" \
	--so-pin 87654321 >/dev/null
# softhsm2-util wants PKCS#8
openssl pkcs8 -topk8 -nocrypt -in "$key" -out "$dir/key.p8"
softhsm2-util --import "$dir/key.p8" --token "$token" --label "$label" \
	--id 01 --pin "$pin" >/dev/null
rm -f "$dir/key.p8"
printf '%s\n' "$pin" >"$dir/pin"
echo "$module"
