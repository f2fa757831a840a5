#!/usr/bin/env bash
# install-deps.sh - every Debian 12 package kyso-milter needs to build, to run
# its test suite and to run the demo, in one list. Run as root. Idempotent:
# when everything is installed already it only checks and returns (no
# network). Otherwise: apt-get update + apt-get install -y, non-interactive.
# The postfix package is preseeded with "No configuration" so installing it
# does not set up or start a system mail server: the tests and the demo run
# their own private Postfix instances.
set -euo pipefail

pkgs=(
	# build
	gcc make libc6-dev autoconf automake pkg-config
	libssl-dev libgmime-3.0-dev libmilter-dev
	# pkcs11.h (token modules are loaded with dlopen)
	libp11-kit-dev
	# run-time tools and the test suite
	openssl perl postfix swaks miltertest
	gpgsm gpg-agent libnss3-tools
	python3 python3-cryptography
	# fuzzing (tests/fuzz/run.sh): clang with libFuzzer
	clang libclang-rt-14-dev
	# .clang-format is enforced (tests/check-format.sh)
	clang-format-14
	# sanitizer reports with file:line (fuzzing, --enable-sanitizers):
	# llvm-symbolizer-14 comes with llvm-14, /usr/bin/llvm-symbolizer (the
	# name ASan and UBSan look for on PATH) with llvm
	llvm-14 llvm
	# keys on PKCS#11 tokens: p11-kit's proxy module (the default module);
	# SoftHSM2 as the test token
	p11-kit-modules softhsm2
	ca-certificates
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case $st in ii*) ;; *) missing+=("$p") ;; esac
done
if [ ${#missing[@]} = 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
