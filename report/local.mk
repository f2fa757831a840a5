# report/ - kyso-report(8), the administrators' and the Department's
# report from the journal and the certificate table. Links policy/ only,
# never libmilter.
sbin_PROGRAMS += kyso-report
kyso_report_SOURCES = report/kyso_report.c report/check.c report/check.h
kyso_report_LDADD = $(POLICY_LIBS)
dist_man_MANS += man/kyso-report.8
