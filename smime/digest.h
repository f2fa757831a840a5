/*
 * digest.h - private to smime/: the one table of message digests, linking
 * the configuration name ("sha256"), the OpenSSL NID and the RFC 8551
 * 3.5.3.2 micalg name ("sha-256"). Used by signer.c (configuration),
 * cosign.c (the seal's digest, the micalg parameter) and verify_signer.c
 * (the digest named in a verdict).
 */
#ifndef KYSO_DIGEST_H
#define KYSO_DIGEST_H

struct kyso_digest {
	int nid;
	const char *micalg; /* RFC 8551 3.5.3.2 */
	const char *name;   /* configuration spelling; NULL: not configurable */
	int sealable;       /* a seal may adopt it from an existing signer */
};

/* The configurable digest called `name` (any case), or NULL. */
const struct kyso_digest *kyso_digest_by_name(const char *name);

/* The table entry of `nid`, or NULL when we do not know it. */
const struct kyso_digest *kyso_digest_by_nid(int nid);

/* micalg name of nid, or NULL when nid is not in the table. */
const char *kyso_digest_micalg(int nid);

/* micalg name of nid for reports: the table's, else OpenSSL's short name,
 * else "unknown". Never NULL. */
const char *kyso_digest_name(int nid);

/* micalg name of a micalg parameter item: "SHA256", "sha-256" and "sha256"
 * all give "sha-256" (clients write both spellings); NULL when unknown. */
const char *kyso_digest_micalg_canon(const char *item);

#endif
