# smime/ - the S/MIME engine (GMime + OpenSSL); no libmilter, no config.
noinst_LIBRARIES += libkyso_smime.a
libkyso_smime_a_SOURCES = \
	smime/err.c \
	smime/spool.c \
	smime/mime.c \
	smime/certfile.c \
	smime/rawmime.c \
	smime/ber.c \
	smime/digest.c \
	smime/pkcs11.c \
	smime/signer.c \
	smime/canon.c \
	smime/sign.c
EXTRA_DIST += include/kyso/err.h include/kyso/limits.h include/kyso/spool.h \
	include/kyso/signer.h include/kyso/sign.h include/kyso/mime.h \
	include/kyso/trust.h smime/canon.h smime/certfile.h smime/rawmime.h smime/pkcs11.h \
	smime/ber.h smime/digest.h
