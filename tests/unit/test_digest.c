/*
 * test_digest.c - smime/digest.c, the one digest table: configuration
 * names, NIDs and RFC 8551 micalg names agree, only SHA-2 is configurable,
 * MD5/SHA-1 are known (for reports) but never adopted by a seal, and both
 * micalg spellings clients write ("sha-256", "sha256") are one name.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "digest.h"
#include "harness.h"

int
main(void)
{
	static const char *const conf[] = {"sha256", "sha384", "sha512"};
	static const char *const mic[] = {"sha-256", "sha-384", "sha-512"};
	const struct kyso_digest *d;
	int i, ok = 1;

	for (i = 0; i < 3; i++) {
		d = kyso_digest_by_name(conf[i]);
		ok = ok && d != NULL && strcmp(d->micalg, mic[i]) == 0 &&
		    d->sealable && kyso_digest_by_nid(d->nid) == d &&
		    EVP_get_digestbynid(d->nid) != NULL &&
		    strcmp(kyso_digest_micalg(d->nid), mic[i]) == 0;
	}
	CHECK(ok,
	    "sha256/384/512: configurable, micalg sha-256/384/512, "
	    "OpenSSL knows each NID");
	CHECK(kyso_digest_by_name("SHA384") == kyso_digest_by_name("sha384"),
	    "configuration names in any case");
	CHECK(kyso_digest_by_name("sha1") == NULL &&
	        kyso_digest_by_name("md5") == NULL &&
	        kyso_digest_by_name("sha224") == NULL &&
	        kyso_digest_by_name("sha-256") == NULL &&
	        kyso_digest_by_name(NULL) == NULL,
	    "not configurable: sha1, md5, sha224, the micalg spelling, NULL");
	d = kyso_digest_by_nid(NID_sha224);
	CHECK(d != NULL && d->sealable && d->name == NULL,
	    "sha-224: a seal may adopt it, not configurable");
	CHECK(!kyso_digest_by_nid(NID_sha1)->sealable &&
	        !kyso_digest_by_nid(NID_md5)->sealable &&
	        strcmp(kyso_digest_micalg(NID_sha1), "sha-1") == 0 &&
	        strcmp(kyso_digest_micalg(NID_md5), "md5") == 0,
	    "MD5 and SHA-1: named, never adopted by a seal");
	CHECK(kyso_digest_micalg(NID_sha3_256) == NULL &&
	        strcmp(kyso_digest_name(NID_sha3_256), "SHA3-256") == 0 &&
	        strcmp(kyso_digest_name(NID_sha256), "sha-256") == 0 &&
	        strcmp(kyso_digest_name(NID_sha1), "sha-1") == 0 &&
	        strcmp(kyso_digest_name(-5), "unknown") == 0,
	    "report names: the table's, else OpenSSL's, else \"unknown\"");
	CHECK(strcmp(kyso_digest_micalg_canon("sha-256"), "sha-256") == 0 &&
	        strcmp(kyso_digest_micalg_canon("SHA256"), "sha-256") == 0 &&
	        strcmp(kyso_digest_micalg_canon("sha1"), "sha-1") == 0 &&
	        strcmp(kyso_digest_micalg_canon("MD5"), "md5") == 0 &&
	        kyso_digest_micalg_canon("sha") == NULL &&
	        kyso_digest_micalg_canon("sha-") == NULL &&
	        kyso_digest_micalg_canon("sha3-256") == NULL &&
	        kyso_digest_micalg_canon("md-5") == NULL &&
	        kyso_digest_micalg_canon(NULL) == NULL,
	    "micalg items: both spellings, any case; nothing else");
	return TEST_DONE();
}
