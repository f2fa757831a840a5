/*
 * timestamp.h - RFC 3161 timestamp of an outgoing SignerInfo (CAdES-T).
 */
#ifndef KYSO_TIMESTAMP_H
#define KYSO_TIMESTAMP_H

#include <openssl/cms.h>

/* Ask the TSA at url (http, within timeout seconds) for a token over
 * SHA-256 of s's signature value and add it to s as the unsigned attribute
 * id-aa-signatureTimeStampToken. 0 on success; -1 with *why (g_malloc'd,
 * naming the TSA) when it could not, s unchanged. Call after the
 * signature is computed (CMS_dataFinal). */
int kyso_timestamp_add(CMS_SignerInfo *s, const char *url, int timeout,
    char **why);

#endif
