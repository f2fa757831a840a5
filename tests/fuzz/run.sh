#!/usr/bin/env bash
# run.sh [TARGET...] - build the libFuzzer targets (tests/fuzz/build.sh),
# generate the signed seeds (tests/fuzz/make-seeds.sh) and fuzz each target
# for a bounded time over its checked-in corpus tests/fuzz/corpus/<target>/
# plus the generated seeds. Prints TAP, one line per target: "ok" when the
# run ended without a finding, else "not ok" with the reproducer's path and
# the sanitizer report (stack) as comments; then "fuzz: N passed, N failed".
# Reproduce a finding with: $FUZZ_BUILD/<target> <reproducer>; keep it as
# a regression test by copying it into tests/fuzz/corpus/<target>/.
# Environment:
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_JOBS     targets fuzzed at once (default 2)
#   FUZZ_SEED     libFuzzer -seed (default 1: the same mutations on every
#                 run, so a CI result does not depend on luck; 0 = random,
#                 for exploration outside CI)
#   FUZZ_BUILD    build and work directory (default /tmp/kyso-fuzz-build);
#                 new corpus entries accumulate in $FUZZ_BUILD/work/<target>
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
seed=${FUZZ_SEED:-1}
jobs=${FUZZ_JOBS:-2}
export FUZZ_BUILD=${FUZZ_BUILD:-/tmp/kyso-fuzz-build}
b=$FUZZ_BUILD
mkdir -p "$b/logs"
all=(fuzz_verify fuzz_inbound fuzz_sign fuzz_config fuzz_from)
targets=("${@:-${all[@]}}")
[ $# -gt 0 ] || targets=("${all[@]}")

n=${#targets[@]}
echo "1..$n"
if ! bash "$top/tests/fuzz/build.sh" "$b" >"$b/logs/build.log" 2>&1; then
	for t in "${targets[@]}"; do echo "not ok - $t: fuzz build failed (log: $b/logs/build.log)"; done
	tail -n 30 "$b/logs/build.log" | sed 's/^/# /'
	echo "fuzz: 0 passed, $n failed"
	exit 1
fi
if ! bash "$top/tests/fuzz/make-seeds.sh" "$b/seeds" >"$b/logs/seeds.log" 2>&1; then
	for t in "${targets[@]}"; do echo "not ok - $t: seed generation failed (log: $b/logs/seeds.log)"; done
	tail -n 30 "$b/logs/seeds.log" | sed 's/^/# /'
	echo "fuzz: 0 passed, $n failed"
	exit 1
fi
export KYSO_FUZZ_PKI="$b/seeds/pki"

# fuzz TARGET: run it, leave its exit status in logs/TARGET.rc
fuzz() {
	local t=$1 extra=()
	mkdir -p "$b/work/$t" "$b/artifacts/$t"
	case $t in
	fuzz_verify | fuzz_inbound | fuzz_sign) extra=("$b/seeds/signed") ;;
	esac
	# leaks are findings; the sanitizers' full stacks through GLib/GMime
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$b/$t" -seed="$seed" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$b/artifacts/$t/" \
		"$b/work/$t" "$top/tests/fuzz/corpus/$t" "${extra[@]}" \
		>"$b/logs/$t.log" 2>&1
	echo $? >"$b/logs/$t.rc"
}

running=0
for t in "${targets[@]}"; do
	rm -f "$b/logs/$t.rc"
	fuzz "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0 fail=0
for t in "${targets[@]}"; do
	log=$b/logs/$t.log
	rc=$(cat "$b/logs/$t.rc" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		echo "ok - $t: ${runs:-?} executions in ${secs} s (${eps:-?}/s), no finding"
	else
		fail=$((fail + 1))
		repro=$(sed -n "s/.*Test unit written to //p" "$log" | tail -n 1)
		echo "not ok - $t: finding (exit $rc), reproducer ${repro:-none written} (log: $log)"
		grep -m 1 -A 40 '^==[0-9]*==ERROR\|runtime error\|^==[0-9]*== ERROR\|deadly signal\|fuzz_sign: \|timeout after' "$log" |
			head -n 60 | sed 's/^/# /'
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
