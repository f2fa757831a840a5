# unit tests of smime/, one program per module (TAP); they link
# libkyso_smime.a only, so nothing above smime/ can creep in.
check_PROGRAMS += tests/unit/test_spool
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c
tests_unit_test_spool_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_spool
check_PROGRAMS += tests/unit/test_sign
tests_unit_test_sign_SOURCES = tests/unit/test_sign.c
tests_unit_test_sign_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_sign
check_PROGRAMS += tests/unit/test_signer
tests_unit_test_signer_SOURCES = tests/unit/test_signer.c
tests_unit_test_signer_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_signer
check_PROGRAMS += tests/unit/test_canon
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_canon_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_canon
check_PROGRAMS += tests/unit/test_digest
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_digest_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_digest
check_PROGRAMS += tests/unit/test_mime
tests_unit_test_mime_SOURCES = tests/unit/test_mime.c
tests_unit_test_mime_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_mime
check_PROGRAMS += tests/unit/test_verify_find
tests_unit_test_verify_find_SOURCES = tests/unit/test_verify_find.c
tests_unit_test_verify_find_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_verify_find_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_find
check_PROGRAMS += tests/unit/test_verify_digest
tests_unit_test_verify_digest_SOURCES = tests/unit/test_verify_digest.c
tests_unit_test_verify_digest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_verify_digest_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_digest
check_PROGRAMS += tests/unit/test_cosign
tests_unit_test_cosign_SOURCES = tests/unit/test_cosign.c
tests_unit_test_cosign_LDADD = $(SMIME_LIBS)
# cosign.test generates the cases (make-cosign-cases.sh), runs test_cosign
TESTS += tests/unit/cosign.test
check_PROGRAMS += tests/unit/test_ber
tests_unit_test_ber_SOURCES = tests/unit/test_ber.c
tests_unit_test_ber_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_ber_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_ber
check_PROGRAMS += tests/unit/test_verify_trust
tests_unit_test_verify_trust_SOURCES = tests/unit/test_verify_trust.c
tests_unit_test_verify_trust_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_trust
check_PROGRAMS += tests/unit/test_verify
tests_unit_test_verify_SOURCES = tests/unit/test_verify.c tests/unit/inbound_cases.h
tests_unit_test_verify_LDADD = $(SMIME_LIBS)
check_PROGRAMS += tests/unit/test_cert
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c
tests_unit_test_cert_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_cert_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_cert
check_PROGRAMS += tests/unit/test_revocation
tests_unit_test_revocation_SOURCES = tests/unit/test_revocation.c
tests_unit_test_revocation_LDADD = $(SMIME_LIBS)
# revocation.test generates its cases and a black-hole listener
TESTS += tests/unit/revocation.test
EXTRA_DIST += tests/unit/cosign.test tests/pki/make-cosign-cases.sh \
	tests/unit/revocation.test tests/pki/make-revocation-cases.sh
# timestamp.test: RFC 3161 timestamps (out and in) and revocation endpoints
# (URL map, several CDPs, the CRL cache across restarts) against
# tests/pki/tsa-http.pl running `openssl ts -reply` and `openssl ocsp`
check_PROGRAMS += tests/unit/test_timestamp
tests_unit_test_timestamp_SOURCES = tests/unit/test_timestamp.c
tests_unit_test_timestamp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_timestamp_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/timestamp.test
EXTRA_DIST += tests/unit/timestamp.test tests/pki/make-tsa-cases.sh \
	tests/pki/tsa-http.pl
