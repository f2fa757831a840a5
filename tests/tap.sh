# tap.sh - the TAP helpers the shell test scripts share (sourced by bash
# scripts: tests/integration/lib.sh, tests/milter/*.sh).
#   ok DESC / not_ok DESC / skip WHY   one result line
#   diag                               stdin as "# " comment lines
#   check DESC CMD...                  ok when CMD succeeds; else not ok, with
#                                      CMD's output as a diagnostic
#   tap_done                           the plan; status 0 when nothing failed
TAP_N=0
TAP_FAILS=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILS=$((TAP_FAILS + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - # SKIP $*"; }
diag() { sed 's/^/# /'; }
check() {
	local desc=$1 outf
	shift
	outf=$(mktemp "${TMPDIR:-/tmp}/kyso-check.XXXXXX")
	if "$@" >"$outf" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag <"$outf"
	fi
	rm -f "$outf"
}
tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILS" = 0 ]
}
