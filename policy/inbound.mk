# policy/ inbound: verdict rules, Authentication-Results and verdict headers.
libkyso_policy_a_SOURCES += \
	policy/inbound.c \
	policy/seal.c \
	policy/verdict.c \
	policy/ar_header.c \
	policy/verdict_header.c
EXTRA_DIST += include/kyso/verdict.h include/kyso/seal.h
