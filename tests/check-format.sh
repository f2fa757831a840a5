#!/bin/sh
# check-format.sh - every C source and header of the tree is formatted as
# .clang-format says (clang-format 14, Debian's clang-format-14). One TAP
# line per directory; a failure lists the files and the first differences.
# Fix with: clang-format -i FILE. Skipped only when clang-format is not
# installed (contrib/install-deps.sh installs it, so CI always checks).
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1
cf=$(command -v clang-format-14 || command -v clang-format)
if [ -z "$cf" ]; then
	echo "1..0 # SKIP clang-format not installed"
	exit 0
fi
n=0
fail=0
for d in include/kyso smime policy milter tests/unit tests/fuzz; do
	n=$((n + 1))
	bad=
	for f in "$d"/*.c "$d"/*.h; do
		[ -f "$f" ] || continue
		"$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
	if [ -z "$bad" ]; then
		echo "ok $n - $d is clang-formatted"
	else
		echo "not ok $n - $d is clang-formatted"
		for f in $bad; do
			echo "# $f"
			"$cf" --style=file "$f" | diff "$f" - | head -n 8 | sed 's/^/#   /'
		done
		fail=1
	fi
done
echo "1..$n"
exit $fail
