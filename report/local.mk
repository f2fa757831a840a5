# report/ - kyso-report(8), the administrators' and the Department's
# report from the journal and the certificate table. Links policy/ only,
# never libmilter.
sbin_PROGRAMS += kyso-report
kyso_report_SOURCES = report/kyso_report.c
kyso_report_LDADD = $(POLICY_LIBS)
man_MANS += man/gen/kyso-report.8
EXTRA_DIST += man/kyso-report.8
