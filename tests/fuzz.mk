# tests/fuzz.mk - the fuzz targets of tests/fuzz/ built by gcc as plain
# replay programs (tests/fuzz/replay_main.c calls LLVMFuzzerTestOneInput for
# every input): make check runs each over its checked-in corpus
# tests/fuzz/corpus/<target>/ and the generated signed seeds
# (tests/fuzz/replay.test), so every past finding stays a regression test.
# Fuzzing itself (clang + libFuzzer) is tests/fuzz/run.sh: run by
# tests/run-all.sh with a fixed number of runs and a fixed seed (CI), or by
# `make fuzz` for as long as FUZZ_SECONDS says (exploration).
FUZZ_CORPUS_DIR = $(abs_top_srcdir)/tests/fuzz/corpus
FUZZ_REPLAY_SOURCES = tests/fuzz/replay_main.c tests/fuzz/fuzz_common.h
check_PROGRAMS += tests/fuzz/replay_verify tests/fuzz/replay_inbound \
	tests/fuzz/replay_sign tests/fuzz/replay_config tests/fuzz/replay_from
tests_fuzz_replay_verify_SOURCES = tests/fuzz/fuzz_verify.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_verify_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKYSO_FUZZ_CORPUS='"$(FUZZ_CORPUS_DIR)/fuzz_verify"'
tests_fuzz_replay_verify_LDADD = $(SMIME_LIBS)
tests_fuzz_replay_inbound_SOURCES = tests/fuzz/fuzz_inbound.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_inbound_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKYSO_FUZZ_CORPUS='"$(FUZZ_CORPUS_DIR)/fuzz_inbound"'
tests_fuzz_replay_inbound_LDADD = $(POLICY_LIBS)
tests_fuzz_replay_sign_SOURCES = tests/fuzz/fuzz_sign.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_sign_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKYSO_FUZZ_CORPUS='"$(FUZZ_CORPUS_DIR)/fuzz_sign"'
tests_fuzz_replay_sign_LDADD = $(SMIME_LIBS)
tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_config_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKYSO_FUZZ_CORPUS='"$(FUZZ_CORPUS_DIR)/fuzz_config"'
tests_fuzz_replay_config_LDADD = $(POLICY_LIBS)
tests_fuzz_replay_from_SOURCES = tests/fuzz/fuzz_from.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_from_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKYSO_FUZZ_CORPUS='"$(FUZZ_CORPUS_DIR)/fuzz_from"'
tests_fuzz_replay_from_LDADD = $(POLICY_LIBS)
TESTS += tests/fuzz/replay.test
EXTRA_DIST += tests/fuzz/replay.test tests/fuzz/build.sh tests/fuzz/run.sh \
	tests/fuzz/make-seeds.sh tests/fuzz/corpus
# make fuzz: explore (tests/fuzz/run.sh exploration mode) - each target for
# FUZZ_SECONDS (default 300) with a random seed; not part of make check or CI
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash $(abs_top_srcdir)/tests/fuzz/run.sh
.PHONY: fuzz
