# smime/ verification engine (inbound): verify, certificate facts, trust,
# revocation. Appends to libkyso_smime.a.
libkyso_smime_a_SOURCES += \
	smime/trust.c \
	smime/cert.c \
	smime/revocation.c \
	smime/cachedir.c \
	smime/verify.c \
	smime/verify_find.c \
	smime/verify_signer.c
EXTRA_DIST += smime/trust_int.h smime/verify_int.h include/kyso/verify.h
