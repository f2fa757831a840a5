# policy/ - configuration and decisions; calls smime/, never libmilter.
noinst_LIBRARIES += libkyso_policy.a
libkyso_policy_a_SOURCES =
EXTRA_DIST += include/kyso/config.h include/kyso/policy.h include/kyso/inbound.h
