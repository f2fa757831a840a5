#!/usr/bin/env bash
# run.sh [TARGET...] - build the libFuzzer targets (tests/fuzz/build.sh),
# generate the signed seeds and their PKI (tests/fuzz/make-seeds.sh) and
# fuzz each target. Two modes:
#   CI (the default): a fixed number of executions per target with a fixed
#     seed (-runs=N -seed=S) over the checked-in corpus
#     tests/fuzz/corpus/<target>/ only, new inputs kept in a directory
#     emptied first: the same mutations of the same inputs on every machine,
#     fast or slow, so the result does not depend on luck. The generated
#     signed seeds (new keys on every run) are run once each, not mutated.
#   exploration (FUZZ_SECONDS set, `make fuzz`): each target for that many
#     seconds with a random seed over the corpus plus the generated seeds;
#     new inputs accumulate in $FUZZ_BUILD/work/<target>. Never a CI gate.
# Prints TAP, one line per target with its executions: "ok" when no
# finding, else "not ok" with the sanitizer report (full stacks: the
# reproducer is run again with slow unwinding), the reproducer's path and
# the reproducer itself in base64 with the command that replays it, so a
# red run can be reproduced from its log alone. Last line
# "fuzz: N passed, N failed". Keep a finding as a regression test by
# copying the reproducer into tests/fuzz/corpus/<target>/.
# Environment:
#   FUZZ_RUNS     CI mode: executions per target (default: per target, below)
#   FUZZ_SECONDS  exploration mode: seconds per target
#   FUZZ_SEED     libFuzzer -seed (CI default 1; exploration default 0 =
#                 random, printed in the log)
#   FUZZ_JOBS     targets fuzzed at once (default 2)
#   FUZZ_BUILD    build and work directory (default /tmp/kyso-fuzz-build)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-}
if [ -n "$secs" ]; then
	mode=explore
	seed=${FUZZ_SEED:-0}
else
	mode=ci
	seed=${FUZZ_SEED:-1}
fi
jobs=${FUZZ_JOBS:-2}
export FUZZ_BUILD=${FUZZ_BUILD:-/tmp/kyso-fuzz-build}
b=$FUZZ_BUILD
mkdir -p "$b/logs"
all=(fuzz_verify fuzz_inbound fuzz_sign fuzz_config fuzz_from)
targets=("${@:-${all[@]}}")
[ $# -gt 0 ] || targets=("${all[@]}")
# sanitizer reports name files and lines (Debian: llvm-symbolizer, from
# llvm-14, installed by contrib/install-deps.sh)
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
		if command -v "$s" >/dev/null; then
			ASAN_SYMBOLIZER_PATH=$(command -v "$s")
			export ASAN_SYMBOLIZER_PATH
			break
		fi
	done
fi

# runs_of TARGET: CI executions, each about 10-20 s of the ASan build on
# two cores (2026: fuzz_verify ~5000/s, fuzz_inbound ~4000/s, fuzz_sign
# ~200/s, fuzz_config ~100/s, fuzz_from ~40000/s)
runs_of() {
	if [ -n "${FUZZ_RUNS:-}" ]; then
		echo "$FUZZ_RUNS"
		return
	fi
	case $1 in
	fuzz_verify) echo 60000 ;;
	fuzz_inbound) echo 40000 ;;
	fuzz_sign) echo 1500 ;;
	fuzz_config) echo 1000 ;;
	*) echo 400000 ;;
	esac
}

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
pki_dir=$KYSO_FUZZ_PKI
if [ $mode = ci ]; then
	# the PKI's and temporary files' paths are part of what fuzz_config
	# parses: the same length on every machine, whatever FUZZ_BUILD is
	link=$(mktemp -d /tmp/kyso-fuzz-pki.XXXXXX)
	trap 'rm -rf "$link"' EXIT
	ln -s "$pki_dir" "$link/pki"
	export KYSO_FUZZ_PKI=$link/pki TMPDIR=/tmp
fi
# leaks are findings; fast unwinding while fuzzing (slow unwinding costs a
# factor of 50), full stacks through GLib/GMime when a finding is replayed
asan_fast=${ASAN_OPTIONS:-detect_leaks=1}
asan_full=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# fuzz TARGET: run it, leave its exit status in logs/TARGET.rc
fuzz() {
	local t=$1 rc=0 seeds=() bound=() work
	work=$b/work/$t
	local corpus=("$top/tests/fuzz/corpus/$t")
	mkdir -p "$b/artifacts/$t"
	: >"$b/logs/$t.log"
	case $t in
	fuzz_verify | fuzz_inbound | fuzz_sign) seeds=("$b/seeds/signed") ;;
	esac
	if [ $mode = ci ]; then
		# the generated seeds once each, then the fixed fuzzing
		work=$b/work-ci/$t
		rm -rf "$work"
		if [ ${#seeds[@]} -gt 0 ]; then
			ASAN_OPTIONS=$asan_fast "$b/$t" -timeout=10 -rss_limit_mb=2048 \
				-artifact_prefix="$b/artifacts/$t/" "${seeds[0]}"/* \
				>>"$b/logs/$t.log" 2>&1 || rc=$?
		fi
		seeds=()
		# determinism: the corpus in name order (libFuzzer orders it by
		# size, ties as the directory lists them, which differs between
		# file systems), no corpus reloads (timed), no CMP-trace
		# mutations (with them two runs on one machine diverged: the
		# compared values include pointers)
		find "${corpus[0]}" -maxdepth 1 -type f | LC_ALL=C sort |
			paste -sd, >"$b/logs/$t.seeds"
		corpus=()
		bound=(-runs="$(runs_of "$t")" -reload=0 -use_cmp=0
			-seed_inputs=@"$b/logs/$t.seeds")
	else
		bound=(-max_total_time="$secs")
	fi
	mkdir -p "$work"
	if [ $rc = 0 ]; then
		ASAN_OPTIONS=$asan_fast "$b/$t" -seed="$seed" "${bound[@]}" \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$b/artifacts/$t/" \
			"$work" "${corpus[@]}" "${seeds[@]}" \
			>>"$b/logs/$t.log" 2>&1 || rc=$?
	fi
	echo $rc >"$b/logs/$t.rc"
}

# report TARGET LOG: the finding's report, reproducer and replay command
report() {
	local t=$1 log=$2 repro size
	repro=$(sed -n "s/.*Test unit written to //p" "$log" | tail -n 1)
	if [ -z "$repro" ]; then
		repro=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
	fi
	echo "not ok - $t: finding (exit $(cat "$b/logs/$t.rc")), reproducer ${repro:-none written} (log: $log)"
	if [ -n "$repro" ] && [ -f "$repro" ]; then
		ASAN_OPTIONS=$asan_full "$b/$t" -timeout=10 -rss_limit_mb=2048 \
			"$repro" >"$log.replay" 2>&1
		grep -m 1 -A 60 '^==[0-9]*==ERROR\|runtime error\|^==[0-9]*== ERROR\|deadly signal\|^fuzz_[a-z]*: \|timeout after' "$log.replay" |
			head -n 80 | sed 's/^/# /'
		size=$(stat -c %s "$repro")
		echo "# reproducer: $size octets; replay it with tests/fuzz/build.sh, then"
		echo "#   base64 -d >repro <<'EOF' && KYSO_FUZZ_PKI=$pki_dir $b/$t repro"
		if [ "$size" -le 65536 ]; then
			base64 -w 76 "$repro" | sed 's/^/#   /'
		else
			echo "#   (over 64 KiB: not printed)"
		fi
		echo "#   EOF"
	else
		grep -m 1 -A 40 '^==[0-9]*==ERROR\|runtime error\|^==[0-9]*== ERROR\|deadly signal\|^fuzz_[a-z]*: \|timeout after' "$log" |
			head -n 60 | sed 's/^/# /'
	fi
}

if [ $mode = ci ]; then
	echo "# CI mode: fixed runs, seed $seed (exploration: FUZZ_SECONDS=N, make fuzz)"
else
	echo "# exploration mode: $secs s per target, seed ${seed} (0 = random, see each log)"
fi
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
	used=$(sed -n 's/^INFO: Seed: //p' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		echo "ok - $t: ${runs:-?} executions (${eps:-?}/s), seed ${used:-?}, no finding"
	else
		fail=$((fail + 1))
		report "$t" "$log"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
