# unit tests for the verification engine and inbound policy/headers.
check_PROGRAMS += tests/unit/test_verify_trust
tests_unit_test_verify_trust_SOURCES = tests/unit/test_verify_trust.c
tests_unit_test_verify_trust_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_trust
