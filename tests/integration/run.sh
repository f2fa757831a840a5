#!/usr/bin/env bash
# run.sh [t-NAME.sh ...] - run the integration tests (all t-*.sh by default),
# each a standalone TAP script that starts and stops its own private Postfix
# instance, sinks and kyso-milter. Writes each script's TAP output to
# $KT_LOGDIR (default /tmp/kyso-integration-logs)/<name>.tap, echoes it, and ends
# with "integration: N passed, N failed, N skipped". A script that exits
# non-zero without a failing TAP line, prints no plan, or times out counts
# as one failure. Needs root. Env: KT_BUILD = build directory holding the
# kyso-milter binary (default: the source tree), KT_TIMEOUT per script
# (default 600 s).
set -u
here=$(cd "$(dirname "$0")" && pwd)
logdir=${KT_LOGDIR:-/tmp/kyso-integration-logs}
mkdir -p "$logdir"
export KT_PKI=${KT_PKI:-$logdir/pki}	# one PKI for all scripts
bash "$here/../pki/make-pki.sh" "$KT_PKI" || { echo "integration: 0 passed, 1 failed"; exit 1; }

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$here"/t-*.sh)
fi
pass=0 fail=0 skipn=0
for t in "${tests[@]}"; do
	[ -f "$t" ] || t="$here/$t"
	name=$(basename "$t" .sh)
	echo "# --- $name"
	start=$(date +%s)
	timeout "${KT_TIMEOUT:-600}" bash "$t" >"$logdir/$name.tap" 2>&1
	rc=$?
	cat "$logdir/$name.tap"
	p=$(grep -c '^ok ' "$logdir/$name.tap")
	s=$(grep -c '^ok .*# SKIP' "$logdir/$name.tap")
	f=$(grep -c '^not ok ' "$logdir/$name.tap")
	p=$((p - s))
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name exited with status $rc"
		echo "not ok - $name exited with status $rc" >>"$logdir/$name.tap"
		f=1
	elif ! grep -q '^1\.\.[0-9]' "$logdir/$name.tap" && [ "$f" = 0 ]; then
		echo "not ok - $name printed no TAP plan"
		echo "not ok - $name printed no TAP plan" >>"$logdir/$name.tap"
		f=1
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)"
	pass=$((pass + p))
	fail=$((fail + f))
	skipn=$((skipn + s))
done
echo "integration: $pass passed, $fail failed, $skipn skipped"
[ $fail = 0 ]
