#!/usr/bin/env bash
# bench/compare.sh - before/after in one run: builds BASE (a commit, tag or
# branch of this repository) in a temporary git worktree (./configure &&
# make, no -Werror), then runs bench/run.sh with both binaries: every kyso
# measurement is made with the tree's binary ("after", KT_BUILD, default the
# tree) and with BASE's ("before"), interleaved, and RESULTS.md gets a
# column for each and a table of after/before ratios.
#   bash bench/compare.sh BASE      (or BENCH_BASE=BASE bash bench/compare.sh)
# Everything bench/run.sh reads (BENCH_SECTIONS, BENCH_N, ...) is passed on.
# The base build takes a few minutes; the run about 10 more than run.sh
# alone. KEEP=1 keeps the temporary worktree.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel) || { echo "compare: not in a git repository" >&2; exit 1; }
base=${1:-${BENCH_BASE:-}}
[ -n "$base" ] || { echo "usage: bench/compare.sh BASE_COMMIT (or BENCH_BASE=commit)" >&2; exit 2; }
commit=$(git -C "$top" rev-parse --verify --quiet "$base^{commit}") ||
	{ echo "compare: '$base' is not a commit of $top" >&2; exit 2; }
short=$(git -C "$top" rev-parse --short "$commit")
tmp=$(mktemp -d /tmp/kyso-base.XXXXXX)
cleanup() {
	local rc=$?
	if [ -z "${KEEP:-}" ]; then
		git -C "$top" worktree remove --force "$tmp/src" >/dev/null 2>&1
		rm -rf "$tmp"
		git -C "$top" worktree prune
	else
		echo "# kept $tmp"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
git -C "$top" worktree add --detach "$tmp/src" "$commit" >"$tmp/worktree.log" 2>&1 ||
	{ cat "$tmp/worktree.log" >&2; exit 1; }
echo "# building $base ($short) in $tmp/src"
if ! (cd "$tmp/src" && timeout 1800 autoreconf -fi && timeout 600 ./configure &&
	timeout 3600 make -j2) >"$tmp/build.log" 2>&1; then
	tail -n 20 "$tmp/build.log" >&2
	echo "compare: the build of $base failed (log above)" >&2
	exit 1
fi
BENCH_BASE_BUILD=$tmp/src BENCH_BASE_NAME=$short bash "$here/run.sh"
