# policy/ - configuration and decisions; calls smime/, never libmilter.
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
	policy/classified.c
EXTRA_DIST += include/kyso/classified.h include/kyso/config.h include/kyso/policy.h include/kyso/inbound.h
dist_man_MANS += man/kyso-milter.conf.5
