/*
 * digest.c - the one digest table (see digest.h).
 */
#include <glib.h>
#include <openssl/objects.h>

#include "digest.h"

static const struct kyso_digest digests[] = {
    {NID_md5, "md5", NULL, 0},
    {NID_sha1, "sha-1", NULL, 0},
    {NID_sha224, "sha-224", NULL, 1},
    {NID_sha256, "sha-256", "sha256", 1},
    {NID_sha384, "sha-384", "sha384", 1},
    {NID_sha512, "sha-512", "sha512", 1},
};

#define NDIGESTS (sizeof(digests) / sizeof(digests[0]))

const struct kyso_digest *
kyso_digest_by_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NDIGESTS; i++)
		if (digests[i].name != NULL &&
		    g_ascii_strcasecmp(name, digests[i].name) == 0)
			return &digests[i];
	return NULL;
}

const struct kyso_digest *
kyso_digest_by_nid(int nid)
{
	size_t i;

	for (i = 0; i < NDIGESTS; i++)
		if (digests[i].nid == nid)
			return &digests[i];
	return NULL;
}

const char *
kyso_digest_micalg(int nid)
{
	const struct kyso_digest *d = kyso_digest_by_nid(nid);

	return d != NULL ? d->micalg : NULL;
}

const char *
kyso_digest_name(int nid)
{
	const char *sn;

	if (kyso_digest_micalg(nid) != NULL)
		return kyso_digest_micalg(nid);
	sn = OBJ_nid2sn(nid);
	return sn != NULL ? sn : "unknown";
}

const char *
kyso_digest_micalg_canon(const char *item)
{
	size_t i;

	for (i = 0; item != NULL && i < NDIGESTS; i++) {
		const char *m = digests[i].micalg;

		/* "sha-256" or, without the hyphen, "sha256" */
		if (g_ascii_strcasecmp(item, m) == 0 ||
		    (g_str_has_prefix(m, "sha-") &&
		        g_ascii_strncasecmp(item, "sha", 3) == 0 &&
		        g_ascii_strcasecmp(item + 3, m + 4) == 0))
			return m;
	}
	return NULL;
}
