# bench/bench.mk - the benchmark ships in the tarball but is not part of
# make check or CI: bench/run.sh prints figures (throughput, milter CPU per
# message, peak RSS, callgrind counts) next to OpenDKIM's and writes
# bench/RESULTS.md. Needs root and Postfix; run it by hand.
EXTRA_DIST += bench/run.sh bench/RESULTS.md
