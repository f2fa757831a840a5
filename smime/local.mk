# smime/ - the S/MIME engine (GMime + OpenSSL); no libmilter, no config.
# Signing (canon, sign), co-signing (cosign, ber), verification (verify*,
# cert, trust, revocation) and what they share.
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
	smime/keypool.c \
	smime/signer.c \
	smime/certcheck.c \
	smime/canon.c \
	smime/sign.c \
	smime/cosign.c \
	smime/trust.c \
	smime/cert.c \
	smime/http.c \
	smime/timestamp.c \
	smime/revocation.c \
	smime/cachedir.c \
	smime/verify.c \
	smime/verify_find.c \
	smime/verify_signer.c \
	smime/vcache.c
EXTRA_DIST += include/kyso/err.h include/kyso/limits.h include/kyso/smime/spool.h \
	include/kyso/smime/signer.h include/kyso/smime/sign.h include/kyso/smime/mime.h \
	include/kyso/smime/trust.h include/kyso/smime/verify.h include/kyso/smime/cosign.h \
	include/kyso/smime/timestamp.h smime/http.h \
	smime/canon.h smime/certfile.h smime/rawmime.h smime/pkcs11.h smime/keypool.h \
	smime/ber.h smime/digest.h smime/trust_int.h smime/verify_int.h \
	smime/vcache.h
