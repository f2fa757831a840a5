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
# a held token serves its waiters in arrival order (SoftHSM2 behind
# tests/pkcs11-delay/p11delay.so)
check_PROGRAMS += tests/unit/test_token_queue
tests_unit_test_token_queue_SOURCES = tests/unit/test_token_queue.c
tests_unit_test_token_queue_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_token_queue
check_PROGRAMS += tests/unit/test_canon
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c
tests_unit_test_canon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_canon_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_canon
check_PROGRAMS += tests/unit/test_wire
tests_unit_test_wire_SOURCES = tests/unit/test_wire.c
tests_unit_test_wire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_wire_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_wire
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
EXTRA_DIST += tests/unit/cosign.test tests/pki/make-cosign-cases.sh tests/pki/gpgsm-sign.sh \
	tests/unit/revocation.test tests/pki/make-revocation-cases.sh
# revocation-age.test: answers without nextUpdate age out (RevocationMaxAge)
check_PROGRAMS += tests/unit/test_revocation_age
tests_unit_test_revocation_age_SOURCES = tests/unit/test_revocation_age.c
tests_unit_test_revocation_age_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/revocation-age.test
EXTRA_DIST += tests/unit/revocation-age.test
check_PROGRAMS += tests/unit/test_rawmime
tests_unit_test_rawmime_SOURCES = tests/unit/test_rawmime.c
tests_unit_test_rawmime_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_rawmime_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_rawmime
check_PROGRAMS += tests/unit/test_err
tests_unit_test_err_SOURCES = tests/unit/test_err.c
tests_unit_test_err_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_err
check_PROGRAMS += tests/unit/test_cachedir
tests_unit_test_cachedir_SOURCES = tests/unit/test_cachedir.c
tests_unit_test_cachedir_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_cachedir_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_cachedir
check_PROGRAMS += tests/unit/test_certfile
tests_unit_test_certfile_SOURCES = tests/unit/test_certfile.c
tests_unit_test_certfile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_certfile_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_certfile
check_PROGRAMS += tests/unit/test_verify_signer
tests_unit_test_verify_signer_SOURCES = tests/unit/test_verify_signer.c
tests_unit_test_verify_signer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_verify_signer_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_verify_signer
check_PROGRAMS += tests/unit/test_vgca
tests_unit_test_vgca_SOURCES = tests/unit/test_vgca.c
tests_unit_test_vgca_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_vgca
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
check_PROGRAMS += tests/unit/test_vcache
tests_unit_test_vcache_SOURCES = tests/unit/test_vcache.c
tests_unit_test_vcache_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/smime
tests_unit_test_vcache_LDADD = $(SMIME_LIBS)
TESTS += tests/unit/test_vcache
