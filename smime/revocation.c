/*
 * revocation.c - revocation status of a verified chain: configured CRL
 * files, CRLs fetched from the CRL distribution point, and OCSP from the
 * AIA responder, with a small in-memory cache.
 */
#include <glib.h>

#include "trust_int.h"

struct kyso_rev_cache {
	GMutex lock;
	GHashTable *entries;
};

struct kyso_rev_cache *
kyso_revocation_cache_new(void)
{
	struct kyso_rev_cache *c = g_new0(struct kyso_rev_cache, 1);

	g_mutex_init(&c->lock);
	c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	return c;
}

void
kyso_revocation_cache_free(struct kyso_rev_cache *c)
{
	if (c == NULL)
		return;
	g_hash_table_destroy(c->entries);
	g_mutex_clear(&c->lock);
	g_free(c);
}
