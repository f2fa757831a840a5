# policy/ message processing core (lead engineer): decision + engine ->
# outcome that milter/ or the offline mode applies.
libkyso_policy_a_SOURCES += policy/process.c
EXTRA_DIST += include/kyso/process.h
