# bench/bench.mk - the benchmark ships in the tarball but is not part of
# make check or CI: bench/run.sh prints the goals of issue 15 as ratios and
# the figures behind them (throughput, milter CPU per message behind Postfix
# and without an MTA via bench/nomta.py, peak RSS, callgrind counts and
# profiles) next to OpenDKIM's and writes bench/RESULTS.md; bench/compare.sh
# BASE adds a before/after table. Needs root and Postfix; run it by hand.
EXTRA_DIST += bench/run.sh bench/compare.sh bench/nomta.py bench/RESULTS.md
