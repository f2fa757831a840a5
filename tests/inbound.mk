# unit tests for the verification engine and inbound policy/headers.
check_PROGRAMS += tests/unit/test_verify_trust
tests_unit_test_verify_trust_SOURCES = tests/unit/test_verify_trust.c
tests_unit_test_verify_trust_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_trust

check_PROGRAMS += tests/unit/test_verify
tests_unit_test_verify_SOURCES = tests/unit/test_verify.c tests/unit/inbound_cases.h
tests_unit_test_verify_LDADD = $(SMIME_LIBS)
EXTRA_DIST += tests/unit/inbound-cases.test tests/pki/make-inbound-cases.sh
TESTS += tests/unit/inbound-cases.test
