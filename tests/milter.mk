# milter/ tests: the gatherer and applier without libmilter (test_apply),
# and the real daemon through OpenDKIM's miltertest (tests/milter/).
check_PROGRAMS += tests/unit/test_apply
tests_unit_test_apply_SOURCES = tests/unit/test_apply.c milter/apply.c \
	milter/gather.c
tests_unit_test_apply_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/milter
tests_unit_test_apply_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_apply
# a slow, removable token for the token tests: a PKCS#11 module that
# forwards to SoftHSM2 (no sanitizer: it is dlopen'ed by the daemon)
check_PROGRAMS += tests/pkcs11-delay/p11delay.so
tests_pkcs11_delay_p11delay_so_SOURCES = tests/pkcs11-delay/p11delay.c
tests_pkcs11_delay_p11delay_so_CFLAGS = -fPIC -Wall -Wextra $(P11KIT_CFLAGS)
tests_pkcs11_delay_p11delay_so_LDFLAGS = -shared -pthread
TESTS += tests/milter/run.sh tests/milter/t-journal.sh tests/milter/t-token.sh
EXTRA_DIST += tests/milter/run.sh tests/milter/common.lua \
	tests/milter/t-journal.sh tests/milter/t-journal-verify.lua \
	tests/milter/t-token.sh tests/milter/t-token-sign.lua \
	tests/milter/t-sign-auth-user.lua \
	tests/milter/t-refuse-auth-other-sender.lua \
	tests/milter/t-pass-external-claims-domain.lua \
	tests/milter/t-sign-originating-daemon.lua \
	tests/milter/t-strip-forged-ar.lua \
	tests/milter/t-sign-sendmail-local.lua \
	tests/milter/t-unspec-remote-not-local.lua \
	tests/milter/t-unmapped-reject.lua \
	tests/milter/t-unmapped-accept.lua \
	tests/milter/t-tempfail-spool-error.lua \
	tests/milter/t-already-signed.lua \
	tests/milter/t-too-many-headers.lua
# notify.c: the sd_notify datagram, without systemd (t-notify.sh runs the
# daemon against a stand-in service manager)
check_PROGRAMS += tests/unit/test_notify
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c milter/notify.c \
	milter/log.c
tests_unit_test_notify_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/milter
tests_unit_test_notify_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_notify
