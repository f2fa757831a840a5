#!/usr/bin/env bash
# run-all.sh - the whole kyso-milter test suite (the README's test command;
# .ci/run calls it). Run from anywhere, as root, on Debian 12:
#   1. contrib/install-deps.sh (apt-get update + install when something is
#      missing: works on a fresh minimal machine)
#   2. autoreconf, ./configure --enable-werror, make -j2, make -j2 check
#      (unit tests, TAP through automake's driver)
#   3. tests/integration/run.sh against the binary just built: real Postfix
#      instances on loopback, kyso-milter, three independent verifiers
#   4. a copy of the tree built with --enable-sanitizers (ASan + UBSan):
#      make check again, and the integration suite against that daemon
#   5. make distcheck (when CI=true or RUNALL_DISTCHECK=1)
# Counts every TAP result (":test-result:" lines of the .trs files, the
# integration TAP lines) plus one per build step, and ends with the line
# "N passed, N failed" (", N skipped" when there are skips). Exit status 0
# only when nothing failed. Logs go to $RUNALL_LOG (default a new
# /tmp/kyso-run-all.XXXXXX directory).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
log=${RUNALL_LOG:-$(mktemp -d /tmp/kyso-run-all.XXXXXX)}
mkdir -p "$log"
jobs=${RUNALL_JOBS:-2}
t0=$(date +%s)
pass=0 fail=0 skipn=0
# the public corpus sits beside the checkout; copies of the tree (sanitizer
# build, distcheck) find it through this
[ -d "$top/../shared/corpus-public" ] &&
	export KYSO_CORPUS=${KYSO_CORPUS:-$(cd "$top/../shared/corpus-public" && pwd)}

say() { echo "== $*"; }
elapsed() { echo "$(($(date +%s) - t0)) s"; }
step_ok() { pass=$((pass + 1)); echo "ok - $1"; }
step_fail() { # DESC LOGFILE
	fail=$((fail + 1))
	echo "not ok - $1 (log: $2)"
	[ -f "$2" ] && tail -n 40 "$2" | sed 's/^/# /'
}
# count_trs DIR LABEL: add the automake .trs results under DIR
count_trs() {
	local p f s e
	p=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: PASS' {} + 2>/dev/null | wc -l)
	s=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: SKIP' {} + 2>/dev/null | wc -l)
	f=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: \(FAIL\|XPASS\)' {} + 2>/dev/null | wc -l)
	e=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: ERROR' {} + 2>/dev/null | wc -l)
	echo "# $2: $p passed, $((f + e)) failed, $s skipped"
	pass=$((pass + p))
	fail=$((fail + f + e))
	skipn=$((skipn + s))
}
# show the failing unit tests' logs
show_failed_tests() {
	local t
	for t in $(grep -l '^:test-result: \(FAIL\|ERROR\|XPASS\)' $(find "$1" -name '*.trs') 2>/dev/null); do
		echo "# --- ${t%.trs}.log"
		tail -n 30 "${t%.trs}.log" 2>/dev/null | sed 's/^/# /'
	done
}

# 1. dependencies
say "dependencies ($(elapsed))"
if bash contrib/install-deps.sh >"$log/deps.log" 2>&1; then
	cat "$log/deps.log"
else
	step_fail "contrib/install-deps.sh" "$log/deps.log"
	echo "$pass passed, $fail failed"
	exit 1
fi

# 2. build and unit tests
say "build ($(elapsed))"
built=0
if { autoreconf -fi && ./configure --enable-werror; } >"$log/configure.log" 2>&1; then
	step_ok "autoreconf + configure --enable-werror"
	if make -j"$jobs" >"$log/make.log" 2>&1; then
		step_ok "make -j$jobs (warnings are errors)"
		built=1
	else
		step_fail "make -j$jobs" "$log/make.log"
	fi
else
	step_fail "configure --enable-werror" "$log/configure.log"
fi
if [ $built = 1 ]; then
	say "unit tests: make check ($(elapsed))"
	find . -name '*.trs' -delete
	make -j"$jobs" check >"$log/check.log" 2>&1
	rc=$?
	count_trs . "make check"
	if [ $rc != 0 ]; then
		show_failed_tests .
		grep -q '^:test-result: \(FAIL\|ERROR\)' $(find . -name '*.trs') 2>/dev/null ||
			step_fail "make check (exit $rc)" "$log/check.log"
	fi
fi

# 3. integration
say "integration tests ($(elapsed))"
if [ $built = 1 ]; then
	KT_BUILD=$top KT_LOGDIR="$log/integration" bash tests/integration/run.sh 2>&1 | tee "$log/integration.log"
	line=$(grep '^integration: ' "$log/integration.log" | tail -n 1)
	if [ -n "$line" ]; then
		set -- $(echo "$line" | tr -dc '0-9 ')
		pass=$((pass + $1))
		fail=$((fail + $2))
		skipn=$((skipn + ${3:-0}))
	else
		step_fail "integration suite produced no summary" "$log/integration.log"
	fi
else
	step_fail "integration tests (nothing built)" "$log/make.log"
fi

# 4. sanitizers, in a copy of the tree
say "sanitizer build: ASan + UBSan make check ($(elapsed))"
asan=$(mktemp -d /tmp/kyso-asan.XXXXXX)
if tar --exclude=.git --exclude=autom4te.cache -cf - . | tar -C "$asan" -xf - &&
	(cd "$asan" && { [ ! -f Makefile ] || make -s distclean; } &&
		autoreconf -fi && ./configure --enable-sanitizers --enable-werror) >"$log/asan-configure.log" 2>&1; then
	if (cd "$asan" && make -j"$jobs") >"$log/asan-make.log" 2>&1; then
		step_ok "sanitizer build"
		(cd "$asan" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} make -j"$jobs" check) >"$log/asan-check.log" 2>&1
		rc=$?
		count_trs "$asan" "make check (sanitizers)"
		if [ $rc != 0 ]; then
			show_failed_tests "$asan"
			grep -q '^:test-result: \(FAIL\|ERROR\)' $(find "$asan" -name '*.trs') 2>/dev/null ||
				step_fail "sanitizer make check (exit $rc)" "$log/asan-check.log"
		fi
		say "integration tests against the sanitizer build ($(elapsed))"
		its=()
		# not again under ASan: scripts without a daemon of ours
		# (t-harness, t-verifiers, t-report-db), t-package (it runs the
		# packaged daemon, not this build), a timing comparison (t-tcp), t-vgca
		# (key generation mostly; test_vgca and test_kind run under ASan), and
		# t-verdicts-offline, whose cases t-inbound runs through the
		# same judge (and the daemon's protocol path) under ASan, and
		# t-verify-large (offline runs only; its bound is skipped under
		# ASan, and the mapped path runs under ASan in make check:
		# test_verify, test_verify_corpus read their cases from files)
		for t in tests/integration/t-*.sh; do
			case $t in
			*/t-harness.sh | */t-verifiers.sh | */t-tcp.sh | */t-verdicts-offline.sh | */t-vgca.sh | */t-report-db.sh | */t-package.sh | */t-verify-large.sh) ;;
			*) its+=("$t") ;;
			esac
		done
		KT_BUILD=$asan KT_SANITIZED=1 KT_LOGDIR="$log/integration-asan" \
			bash tests/integration/run.sh "${its[@]}" >"$log/integration-asan.log" 2>&1
		grep '^not ok\|^Bail out\|^# t-\|^integration: ' "$log/integration-asan.log"
		# a failing script's last lines (its bail-out reason and the logs
		# kt_dump_logs printed), so a red run explains itself
		for tap in "$log"/integration-asan/t-*.tap; do
			grep -q '^not ok' "$tap" 2>/dev/null || continue
			echo "# --- last lines of $(basename "$tap"):"
			tail -n 40 "$tap" | sed 's/^/#   /'
		done
		line=$(grep '^integration: ' "$log/integration-asan.log" | tail -n 1)
		if [ -n "$line" ]; then
			set -- $(echo "$line" | tr -dc '0-9 ')
			pass=$((pass + $1))
			fail=$((fail + $2))
			skipn=$((skipn + ${3:-0}))
		else
			step_fail "sanitizer integration suite produced no summary" "$log/integration-asan.log"
		fi
	else
		step_fail "sanitizer build" "$log/asan-make.log"
	fi
else
	step_fail "sanitizer configure" "$log/asan-configure.log"
fi
[ -n "${KEEP:-}" ] || rm -rf "$asan"

# 4b. fuzzing (tests/fuzz/run.sh, CI mode): each libFuzzer target (clang,
# ASan + UBSan, leaks are findings) for a fixed number of executions with a
# fixed seed over its checked-in corpus - the same inputs on every machine,
# about a minute in all; FUZZ_RUNS overrides the per-target counts. Its TAP
# is counted. Longer exploration (FUZZ_SECONDS, make fuzz) is no CI gate:
# FUZZ_SECONDS is not passed on.
say "fuzzing: tests/fuzz/run.sh ($(elapsed))"
env -u FUZZ_SECONDS FUZZ_BUILD="$log/fuzz" bash tests/fuzz/run.sh 2>&1 | tee "$log/fuzz.log"
line=$(grep '^fuzz: ' "$log/fuzz.log" | tail -n 1)
if [ -n "$line" ]; then
	set -- $(echo "$line" | tr -dc '0-9 ')
	pass=$((pass + $1))
	fail=$((fail + $2))
else
	step_fail "fuzzing produced no summary" "$log/fuzz.log"
fi

# 5. distcheck
if [ "${CI:-}" = true ] || [ -n "${RUNALL_DISTCHECK:-}" ]; then
	say "make distcheck ($(elapsed))"
	if [ $built = 1 ] && make -j"$jobs" distcheck >"$log/distcheck.log" 2>&1; then
		step_ok "make distcheck"
	else
		step_fail "make distcheck" "$log/distcheck.log"
		# which tests failed, and their logs (the distdir stays behind
		# on failure)
		grep -E '^(FAIL|ERROR|XPASS): ' "$log/distcheck.log" | sed 's/^/# /'
		for dd in "$top"/kyso-milter-*/_build; do
			[ -d "$dd" ] && show_failed_tests "$dd"
		done
	fi
fi

say "done in $(elapsed); logs in $log"
if [ $skipn -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipn skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail = 0 ]
