# smime/ "signed and sealed": the agency seal as a second SignerInfo on a
# personally signed message (smime/cosign.c), and its tests: unit checks
# plus three independent verifiers over the sealed messages
# (tests/unit/cosign.test runs tests/pki/make-cosign-cases.sh first).
libkyso_smime_a_SOURCES += smime/cosign.c
EXTRA_DIST += include/kyso/cosign.h tests/unit/cosign.test \
	tests/pki/make-cosign-cases.sh
check_PROGRAMS += tests/unit/test_cosign
tests_unit_test_cosign_SOURCES = tests/unit/test_cosign.c
tests_unit_test_cosign_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/cosign.test
# smime/ber.c, the walker co-signing proves SignerInfos unchanged with
check_PROGRAMS += tests/unit/test_ber
tests_unit_test_ber_SOURCES = tests/unit/test_ber.c
tests_unit_test_ber_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_ber_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_ber
