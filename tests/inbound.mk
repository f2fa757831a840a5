# unit tests for the verification engine and inbound policy/headers.
check_PROGRAMS += tests/unit/test_verify_trust
tests_unit_test_verify_trust_SOURCES = tests/unit/test_verify_trust.c
tests_unit_test_verify_trust_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_trust

check_PROGRAMS += tests/unit/test_verify
tests_unit_test_verify_SOURCES = tests/unit/test_verify.c tests/unit/inbound_cases.h
tests_unit_test_verify_LDADD = $(SMIME_LIBS)
EXTRA_DIST += tests/unit/inbound-cases.test tests/pki/make-inbound-cases.sh tests/pki/cms-add-crl.py
TESTS += tests/unit/inbound-cases.test

check_PROGRAMS += tests/unit/test_inbound
tests_unit_test_inbound_SOURCES = tests/unit/test_inbound.c tests/unit/inbound_cases.h
tests_unit_test_inbound_LDADD = $(POLICY_LIBS)

check_PROGRAMS += tests/unit/test_ar_header tests/unit/test_verdict_header \
	tests/unit/test_seal
tests_unit_test_ar_header_SOURCES = tests/unit/test_ar_header.c
tests_unit_test_ar_header_LDADD = $(POLICY_LIBS)
tests_unit_test_verdict_header_SOURCES = tests/unit/test_verdict_header.c
tests_unit_test_verdict_header_LDADD = $(POLICY_LIBS)
tests_unit_test_seal_SOURCES = tests/unit/test_seal.c
tests_unit_test_seal_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_ar_header tests/unit/test_verdict_header \
	tests/unit/test_seal
check_PROGRAMS += tests/unit/test_inbound_forged
tests_unit_test_inbound_forged_SOURCES = tests/unit/test_inbound_forged.c
tests_unit_test_inbound_forged_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_inbound_forged
check_PROGRAMS += tests/unit/test_verify_corpus
tests_unit_test_verify_corpus_SOURCES = tests/unit/test_verify_corpus.c
tests_unit_test_verify_corpus_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_verify_corpus
EXTRA_DIST += doc/VERDICTS.md
check_PROGRAMS += tests/unit/test_cert
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c
tests_unit_test_cert_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_cert_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_cert
check_PROGRAMS += tests/unit/test_revocation
tests_unit_test_revocation_SOURCES = tests/unit/test_revocation.c
tests_unit_test_revocation_LDADD = $(SMIME_LIBS)
EXTRA_DIST += tests/unit/revocation.test tests/pki/make-revocation-cases.sh
TESTS += tests/unit/revocation.test
