# policy/ - configuration and decisions; calls smime/, never libmilter.
# Configuration and tables, the outbound decision, the inbound verdict and
# its headers, the processing core (an outcome milter/ applies), the
# journal and what kyso-report reads.
noinst_LIBRARIES += libkyso_policy.a
libkyso_policy_a_SOURCES = \
	policy/config_int.h \
	policy/text.c \
	policy/lines.c \
	policy/config_keys.c \
	policy/config_parse.c \
	policy/config_snapshot.c \
	policy/netlist.c \
	policy/table.c \
	policy/sender.c \
	policy/decide.c \
	policy/classified.c \
	policy/inbound.c \
	policy/protected.c \
	policy/seal.c \
	policy/kind.c \
	policy/describe.c \
	policy/verdict.c \
	policy/ar_header.c \
	policy/verdict_header.c \
	policy/process.c \
	policy/journal.c \
	policy/report.c \
	policy/report_int.h \
	policy/report_html.c \
	policy/health.c
EXTRA_DIST += include/kyso/policy/classified.h include/kyso/policy/config.h \
	include/kyso/policy/policy.h include/kyso/policy/inbound.h include/kyso/policy/verdict.h \
	include/kyso/policy/seal.h include/kyso/policy/process.h include/kyso/policy/journal.h \
	include/kyso/policy/report.h include/kyso/policy/health.h doc/VERDICTS.md
man_MANS += man/gen/kyso-milter.conf.5
EXTRA_DIST += man/kyso-milter.conf.5
