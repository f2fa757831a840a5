# unit tests of policy/ (TAP): configuration, tables, decisions, the inbound
# verdict and its headers, the processing core, the journal and report.
EXTRA_DIST += tests/unit/policy_fixture.h tests/unit/policy-keys.sh \
	tests/pki/make-token.sh
check_PROGRAMS += tests/unit/test_netlist
tests_unit_test_netlist_SOURCES = tests/unit/test_netlist.c
tests_unit_test_netlist_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_netlist
check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_config
check_PROGRAMS += tests/unit/test_confman
tests_unit_test_confman_SOURCES = tests/unit/test_confman.c
tests_unit_test_confman_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_confman
check_PROGRAMS += tests/unit/test_table
tests_unit_test_table_SOURCES = tests/unit/test_table.c
tests_unit_test_table_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_table
check_PROGRAMS += tests/unit/test_decide
tests_unit_test_decide_SOURCES = tests/unit/test_decide.c
tests_unit_test_decide_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_decide
check_PROGRAMS += tests/unit/test_sender
tests_unit_test_sender_SOURCES = tests/unit/test_sender.c
tests_unit_test_sender_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_sender
check_PROGRAMS += tests/unit/test_process
tests_unit_test_process_SOURCES = tests/unit/test_process.c
tests_unit_test_process_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_process
check_PROGRAMS += tests/unit/test_pkcs11
tests_unit_test_pkcs11_SOURCES = tests/unit/test_pkcs11.c
tests_unit_test_pkcs11_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_pkcs11
check_PROGRAMS += tests/unit/test_classified
tests_unit_test_classified_SOURCES = tests/unit/test_classified.c
tests_unit_test_classified_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_classified
check_PROGRAMS += tests/unit/test_inbound
tests_unit_test_inbound_SOURCES = tests/unit/test_inbound.c tests/unit/inbound_cases.h
tests_unit_test_inbound_LDADD = $(POLICY_LIBS)
check_PROGRAMS += tests/unit/test_ar_header
tests_unit_test_ar_header_SOURCES = tests/unit/test_ar_header.c
tests_unit_test_ar_header_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_ar_header
check_PROGRAMS += tests/unit/test_verdict_header
tests_unit_test_verdict_header_SOURCES = tests/unit/test_verdict_header.c
tests_unit_test_verdict_header_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_verdict_header
check_PROGRAMS += tests/unit/test_seal
tests_unit_test_seal_SOURCES = tests/unit/test_seal.c
tests_unit_test_seal_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_seal
check_PROGRAMS += tests/unit/test_inbound_forged
tests_unit_test_inbound_forged_SOURCES = tests/unit/test_inbound_forged.c
tests_unit_test_inbound_forged_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_inbound_forged
check_PROGRAMS += tests/unit/test_verify_corpus
tests_unit_test_verify_corpus_SOURCES = tests/unit/test_verify_corpus.c
tests_unit_test_verify_corpus_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_verify_corpus
check_PROGRAMS += tests/unit/test_journal
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_journal
check_PROGRAMS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_report
# inbound-cases.test generates the signed cases (make-inbound-cases.sh:
# OpenSSL, gpgsm, NSS, Python cryptography) and runs test_verify (smime/)
# and test_inbound over them, revocation servers down, then up
EXTRA_DIST += tests/unit/inbound_cases.h tests/unit/inbound-cases.test \
	tests/pki/make-inbound-cases.sh tests/pki/cms-add-crl.py
TESTS += tests/unit/inbound-cases.test
