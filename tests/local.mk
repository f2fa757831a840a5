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
check_PROGRAMS += tests/unit/test_signer tests/unit/test_canon
tests_unit_test_signer_SOURCES = tests/unit/test_signer.c
tests_unit_test_signer_LDADD = $(SMIME_LIBS)
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_canon_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_signer tests/unit/test_canon
check_PROGRAMS += tests/unit/test_digest tests/unit/test_mime
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_digest_LDADD = $(SMIME_LIBS)
tests_unit_test_mime_SOURCES = tests/unit/test_mime.c
tests_unit_test_mime_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_digest tests/unit/test_mime
TESTS += tests/check-layering.sh tests/check-banned.sh tests/check-format.sh
EXTRA_DIST += tests/check-layering.sh tests/check-banned.sh tests/check-format.sh
# protocol-level tests of the real daemon through OpenDKIM's miltertest
TESTS += tests/milter/run.sh
EXTRA_DIST += tests/milter/run.sh tests/milter/common.lua \
	tests/milter/t-sign-auth-user.lua \
	tests/milter/t-refuse-auth-other-sender.lua \
	tests/milter/t-pass-external-claims-domain.lua \
	tests/milter/t-sign-originating-daemon.lua \
	tests/milter/t-strip-forged-ar.lua \
	tests/milter/t-unmapped-reject.lua \
	tests/milter/t-unmapped-accept.lua \
	tests/milter/t-tempfail-spool-error.lua \
	tests/milter/t-already-signed.lua \
	tests/milter/t-too-many-headers.lua
check_PROGRAMS += tests/unit/test_process
tests_unit_test_process_SOURCES = tests/unit/test_process.c
tests_unit_test_process_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_process
check_PROGRAMS += tests/unit/test_pkcs11
tests_unit_test_pkcs11_SOURCES = tests/unit/test_pkcs11.c
tests_unit_test_pkcs11_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_pkcs11
EXTRA_DIST += tests/pki/make-token.sh
check_PROGRAMS += tests/unit/test_classified
tests_unit_test_classified_SOURCES = tests/unit/test_classified.c
tests_unit_test_classified_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_classified
# milter/'s gatherer and applier, without libmilter
check_PROGRAMS += tests/unit/test_apply
tests_unit_test_apply_SOURCES = tests/unit/test_apply.c milter/apply.c \
	milter/gather.c
tests_unit_test_apply_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/milter
tests_unit_test_apply_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_apply
