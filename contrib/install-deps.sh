#!/usr/bin/env bash
# install-deps.sh [--demo] - every Debian 12 package kyso-milter needs to
# build, to run its test suite and to run the demo, in one list (--demo: the
# demo's part of it). Run as root. Idempotent:
# when everything is installed already it only checks and returns (no
# network). Otherwise: apt-get update + apt-get install -y, non-interactive.
# The postfix package is preseeded with "No configuration" so installing it
# does not set up or start a system mail server: the tests and the demo run
# their own private Postfix instances. Sendmail, which conflicts with postfix,
# is unpacked, not installed, for tests/integration/t-sendmail.sh
# (contrib/unpack-sendmail.sh; network only the first time).
set -euo pipefail

pkgs=(
	# build
	gcc make libc6-dev autoconf automake pkg-config
	libssl-dev libgmime-3.0-dev libmilter-dev
	# pkcs11.h (token modules are loaded with dlopen)
	libp11-kit-dev
	# run-time tools and the test suite
	openssl perl postfix swaks miltertest
	# t-sendmail.sh: m4 builds the .cf files from the unpacked sendmail-cf
	m4
	gpgsm gpg-agent libnss3-tools
	python3 python3-cryptography
	# t-verify-large.sh: a run's peak RSS (/usr/bin/time -f %M)
	time
	# fuzzing (tests/fuzz/run.sh): clang with libFuzzer
	clang libclang-rt-14-dev
	# .clang-format is enforced (tests/check-format.sh)
	clang-format-14
	# sanitizer reports with file:line (fuzzing, --enable-sanitizers):
	# llvm-symbolizer-14 comes with llvm-14, /usr/bin/llvm-symbolizer (the
	# name ASan and UBSan look for on PATH) with llvm
	llvm-14 llvm
	# kyso-report: PostgreSQL as the servers' shared store (libpq to
	# build; the server for tests/integration/t-report-db.sh) and the HTML
	# report rendered in headless Chromium (DejaVu has the Vietnamese)
	libpq-dev postgresql chromium chromium-driver fonts-dejavu-core
	# keys on PKCS#11 tokens: p11-kit's proxy module (the default module);
	# SoftHSM2 as the test token
	p11-kit-modules softhsm2
	ca-certificates
	# the Debian package (tests/integration/t-package.sh): build, lint, and
	# what it runs on: systemd-tmpfiles and systemd-analyze (no systemd
	# runs in CI), logrotate
	dpkg-dev debhelper fakeroot lintian systemd logrotate
)

# --demo: only what contrib/demo.sh needs (build, Postfix, the three
# verifiers), not the test suite's fuzzing, packaging and browser tools
if [ "${1:-}" = --demo ]; then
	pkgs=(gcc make libc6-dev autoconf automake pkg-config
		libssl-dev libgmime-3.0-dev libmilter-dev
		openssl perl postfix swaks gpgsm gpg-agent libnss3-tools ca-certificates)
fi

# Sendmail for tests/integration/t-sendmail.sh: its packages conflict with
# postfix, so they are unpacked (not installed) into a cache directory
unpack_sendmail() {
	[ "${1:-}" != --demo ] || return 0
	bash "$(dirname "${BASH_SOURCE[0]}")/unpack-sendmail.sh" /var/cache/kyso-milter/sendmail
}

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case $st in ii*) ;; *) missing+=("$p") ;; esac
done
if [ ${#missing[@]} = 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	if [ "$(id -u)" = 0 ]; then unpack_sendmail "$@"; fi
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
unpack_sendmail "$@"
echo "install-deps: done"
