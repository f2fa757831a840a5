# policy/ per-message journal (JournalFile) and the administrators' report:
# kyso-report(8) reads the journal and the certificate table. The program
# links libkyso_policy.a only, never libmilter.
libkyso_policy_a_SOURCES += policy/journal.c policy/report.c
EXTRA_DIST += include/kyso/journal.h include/kyso/report.h
sbin_PROGRAMS += kyso-report
kyso_report_SOURCES = milter/kyso_report.c
kyso_report_LDADD = $(POLICY_LIBS)
dist_man_MANS += man/kyso-report.8
check_PROGRAMS += tests/unit/test_journal
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_journal
check_PROGRAMS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_LDADD = $(POLICY_LIBS)
TESTS += tests/unit/test_report
# through the real daemon with miltertest: two messages, two lines, counted
TESTS += tests/milter/t-journal.sh
EXTRA_DIST += tests/milter/t-journal.sh tests/milter/t-journal-verify.lua
