/*
 * certfile.h - private to smime/: read PEM certificate files, the one reader
 * the signer (chain files) and the trust store (anchors, intermediates)
 * share.
 */
#ifndef KYSO_CERTFILE_H
#define KYSO_CERTFILE_H

#include <openssl/x509.h>
#include "kyso/err.h"

/* Append every PEM certificate in `path` to sk; at least one must be
 * there. KYSO_E_CONFIG naming the file on any problem. */
int kyso_certfile_read(const char *path, STACK_OF(X509) * sk,
    struct kyso_err *err);

#endif
