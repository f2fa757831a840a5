# report/ - kyso-report(8), the administrators' and the Department's
# report from the journal and the certificate table. Links policy/ only,
# never libmilter; with PostgreSQL (configure --with-postgresql, the
# default) also libpq, for --ship and --db (report/db.c).
sbin_PROGRAMS += kyso-report
kyso_report_SOURCES = report/kyso_report.c report/check.c report/check.h
kyso_report_CPPFLAGS = $(AM_CPPFLAGS)
kyso_report_LDADD = $(POLICY_LIBS)
if KYSO_PQ
kyso_report_SOURCES += report/db.c report/db.h
kyso_report_CPPFLAGS += -DKYSO_HAVE_PQ $(PQ_CFLAGS)
kyso_report_LDADD += $(PQ_LIBS)
endif
EXTRA_DIST += contrib/kyso-report-ship.service contrib/kyso-report-ship.timer
man_MANS += man/gen/kyso-report.8
EXTRA_DIST += man/kyso-report.8
