/*
 * ber.c - a minimal BER/DER walker (see ber.h): element heads, whole
 * lengths through indefinite-length nesting, and the SignerInfo ranges of
 * a CMS SignedData. Input is untrusted: every length is checked against
 * the end before it is used, and nesting is bounded.
 */
#include <string.h>

#include "kyso/limits.h"
#include "ber.h"

/* DER of OID 1.2.840.113549.1.7.2 (id-signedData) */
static const unsigned char oid_signed_data[] = {0x06, 0x09, 0x2a, 0x86, 0x48,
    0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};

int
kyso_ber_head(const unsigned char *p, const unsigned char *end,
    struct kyso_ber_tlv *t)
{
	const unsigned char *q = p;
	size_t n, v = 0;

	if (q >= end)
		return -1;
	t->tag = *q;
	if ((*q++ & 0x1f) == 0x1f) /* high tag number: skip its octets */
		do {
			if (q >= end)
				return -1;
		} while (*q++ & 0x80);
	if (q >= end)
		return -1;
	if (*q < 0x80)
		v = *q++;
	else if (*q == 0x80) {
		if (!(t->tag & 0x20)) /* indefinite needs constructed */
			return -1;
		v = KYSO_BER_INDEFINITE;
		q++;
	} else {
		n = *q++ & 0x7f;
		if (n > sizeof(size_t) - 1 || (size_t)(end - q) < n)
			return -1;
		while (n-- > 0)
			v = (v << 8) | *q++;
	}
	t->hlen = (size_t)(q - p);
	if (v != KYSO_BER_INDEFINITE && v > (size_t)(end - q))
		return -1;
	t->clen = v;
	return 0;
}

/* kyso_ber_total inside `depth` enclosing indefinite-length elements */
static size_t
total_at(const unsigned char *p, const unsigned char *end, int depth)
{
	const unsigned char *q;
	struct kyso_ber_tlv t;
	size_t n;

	if (kyso_ber_head(p, end, &t) < 0)
		return 0;
	if (t.clen != KYSO_BER_INDEFINITE)
		return t.hlen + t.clen;
	if (depth >= KYSO_MAX_BER_DEPTH)
		return 0;
	for (q = p + t.hlen;;) {
		if (end - q >= 2 && q[0] == 0 && q[1] == 0)
			return (size_t)(q + 2 - p);
		if ((n = total_at(q, end, depth + 1)) == 0)
			return 0;
		q += n;
	}
}

size_t
kyso_ber_total(const unsigned char *p, const unsigned char *end)
{
	return total_at(p, end, 0);
}

int
kyso_ber_enter(const unsigned char *p, const unsigned char *end,
    unsigned char tag, const unsigned char **c, const unsigned char **ce)
{
	struct kyso_ber_tlv t;
	size_t total;

	if (kyso_ber_head(p, end, &t) < 0 || t.tag != tag || !(tag & 0x20))
		return -1;
	*c = p + t.hlen;
	if (t.clen != KYSO_BER_INDEFINITE) {
		*ce = *c + t.clen;
		return 0;
	}
	if ((total = kyso_ber_total(p, end)) == 0)
		return -1;
	*ce = p + total - 2; /* before the end-of-contents octets */
	return 0;
}

/* The signerInfos SET of the SignedData content [sd, sde): version,
 * digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, [1] crls
 * OPTIONAL, signerInfos. Its content range, or -1. */
static int
signer_info_set(const unsigned char *sd, const unsigned char *sde,
    const unsigned char **c, const unsigned char **ce)
{
	const unsigned char *q;
	struct kyso_ber_tlv t;
	size_t n;
	int i;

	for (i = 0, q = sd; q < sde; i++) {
		if (kyso_ber_head(q, sde, &t) < 0)
			return -1;
		if (i >= 3 && t.tag == 0x31)
			break;
		if ((n = kyso_ber_total(q, sde)) == 0)
			return -1;
		q += n;
	}
	if (q >= sde)
		return -1;
	return kyso_ber_enter(q, sde, 0x31, c, ce);
}

int
kyso_ber_signer_infos(const unsigned char *der, size_t der_len, size_t *off,
    size_t *len, size_t max)
{
	const unsigned char *end = der + der_len, *c, *ce, *sd, *sde, *q;
	size_t n;
	int count = 0;

	if (der == NULL)
		return -1;
	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } */
	if (kyso_ber_enter(der, end, 0x30, &c, &ce) < 0 ||
	    (size_t)(ce - c) < sizeof(oid_signed_data) ||
	    memcmp(c, oid_signed_data, sizeof(oid_signed_data)) != 0)
		return -1;
	c += sizeof(oid_signed_data);
	if (kyso_ber_enter(c, ce, 0xa0, &c, &ce) < 0 ||
	    kyso_ber_enter(c, ce, 0x30, &sd, &sde) < 0 ||
	    signer_info_set(sd, sde, &c, &ce) < 0)
		return -1;
	for (q = c; q < ce; count++) {
		if ((n = kyso_ber_total(q, ce)) == 0 || *q != 0x30)
			return -1;
		if ((size_t)count < max) {
			off[count] = (size_t)(q - der);
			len[count] = n;
		}
		q += n;
	}
	return count;
}

int
kyso_ber_signer_infos_kept(const unsigned char *old_der, size_t old_len,
    const unsigned char *new_der, size_t new_len, size_t added)
{
	size_t oo[KYSO_MAX_SIGNERS], ol[KYSO_MAX_SIGNERS];
	size_t no[KYSO_MAX_SIGNERS], nl[KYSO_MAX_SIGNERS];
	int used[KYSO_MAX_SIGNERS] = {0};
	int n_old =
	    kyso_ber_signer_infos(old_der, old_len, oo, ol, KYSO_MAX_SIGNERS);
	int n_new =
	    kyso_ber_signer_infos(new_der, new_len, no, nl, KYSO_MAX_SIGNERS);
	int i, j;

	if (n_old <= 0 || n_new > KYSO_MAX_SIGNERS ||
	    (size_t)n_new != (size_t)n_old + added)
		return 0;
	for (i = 0; i < n_old; i++) {
		for (j = 0; j < n_new; j++)
			if (!used[j] && nl[j] == ol[i] &&
			    memcmp(new_der + no[j], old_der + oo[i], ol[i]) ==
			        0)
				break;
		if (j == n_new)
			return 0;
		used[j] = 1;
	}
	return 1;
}
