# smime/ verification engine (inbound): verify, certificate facts, trust,
# revocation. Appends to libkyso_smime.a.
libkyso_smime_a_SOURCES += \
	smime/trust.c \
	smime/revocation.c
EXTRA_DIST += smime/trust_int.h include/kyso/verify.h
