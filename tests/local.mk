# tests/ - unit tests (TAP) per smime/ and policy/ file; integration tests
# live in tests/integration and run from tests/run-all.sh.
EXTRA_DIST += tests/unit/harness.h
check_PROGRAMS += tests/unit/test_spool
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c
tests_unit_test_spool_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_spool
check_PROGRAMS += tests/unit/test_sign
tests_unit_test_sign_SOURCES = tests/unit/test_sign.c
tests_unit_test_sign_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_sign
TESTS += tests/check-layering.sh tests/check-banned.sh
EXTRA_DIST += tests/check-layering.sh tests/check-banned.sh
