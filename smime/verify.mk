# smime/ verification engine (inbound): verify, certificate facts, trust,
# revocation. Appends to libkyso_smime.a.
libkyso_smime_a_SOURCES += \
	smime/trust.c \
	smime/cert.c \
	smime/revocation.c \
	smime/cachedir.c \
	smime/verify.c \
	smime/verify_find.c \
	smime/verify_signer.c
EXTRA_DIST += smime/trust_int.h smime/verify_int.h include/kyso/verify.h
# smime/verify_find.c on its own: where the signature is, what it covers
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
