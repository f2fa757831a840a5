#!/usr/bin/env bash
# build.sh [OUTDIR] - build the libFuzzer targets tests/fuzz/fuzz_*.c with
# clang -fsanitize=fuzzer,address,undefined, compiling the smime/ and policy/
# library sources themselves (the automake libraries are built by gcc,
# without the fuzzer's coverage instrumentation). The source lists are read
# from the libkyso_smime_a / libkyso_policy_a lines of the make fragments,
# so a new library file is fuzzed without touching this script.
# OUTDIR (default $FUZZ_BUILD, else /tmp/kyso-fuzz-build) gets obj/ and one
# executable per target. Needs clang and libclang-rt-14-dev
# (contrib/install-deps.sh). Prints what it builds; exit 1 on any failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-${FUZZ_BUILD:-/tmp/kyso-fuzz-build}}
cc=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-2}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)
cd "$top"

command -v "$cc" >/dev/null || {
	echo "build.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# as Makefile.am's AM_CPPFLAGS and AM_CFLAGS: the package data directory
# (TrustProfile) and p11-kit's pkcs11.h (smime/pkcs11.c)
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -I$top/include $san
	-DKYSO_PKGDATADIR=\"/usr/share/kyso-milter\"
	$(pkg-config --cflags gmime-3.0 libcrypto p11-kit-1)"
libs="$(pkg-config --libs gmime-3.0 libcrypto) -pthread"

srcs=$(sed -n '/^libkyso_\(smime\|policy\)_a_SOURCES/,/^$/p' smime/*.mk policy/*.mk |
	grep -o '\(smime\|policy\)/[A-Za-z0-9_]*\.c' | sort -u)
[ -n "$srcs" ] || { echo "build.sh: no library sources found" >&2; exit 1; }

# compile one library source (only when the object is older than a source
# or header it may include)
newest_header=$(ls -t include/kyso/*.h include/kyso/*/*.h smime/*.h policy/*.h 2>/dev/null | head -n 1)
compile() {
	local src=$1 obj
	obj="$out/obj/$(echo "${src%.c}" | tr / _).o"
	if [ "$obj" -nt "$src" ] && [ "$obj" -nt "$newest_header" ]; then
		return 0
	fi
	# shellcheck disable=SC2086
	$cc $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
}
export -f compile
export cc cflags out newest_header
echo "build.sh: compiling $(echo "$srcs" | wc -l) library sources with $cc into $out"
echo "$srcs" | xargs -P "$jobs" -I{} bash -c 'compile {}'

objs=()
for s in $srcs; do objs+=("$out/obj/$(echo "${s%.c}" | tr / _).o"); done
for f in tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	# shellcheck disable=SC2086
	$cc $cflags -fsanitize=fuzzer -I"$top/tests/fuzz" "$f" "${objs[@]}" $libs -o "$out/$t"
	echo "build.sh: built $out/$t"
done
