/*
 * ber.h - private to smime/: a minimal BER/DER walker, enough to find the
 * byte ranges of elements inside a CMS structure without re-encoding it
 * (OpenSSL decodes and re-encodes; co-signing must prove the existing
 * SignerInfos survive byte for byte). Definite and indefinite lengths;
 * every length is checked against the end of the input before use.
 */
#ifndef KYSO_BER_H
#define KYSO_BER_H

#include <stddef.h>
#include <stdint.h>

/* clen of an indefinite-length element */
#define KYSO_BER_INDEFINITE SIZE_MAX

struct kyso_ber_tlv {
	unsigned char tag; /* first identifier octet */
	size_t hlen;       /* identifier and length octets */
	size_t clen;       /* content length, or KYSO_BER_INDEFINITE */
};

/* Read the identifier and length octets of the element at p. 0 when they
 * are well formed and a definite content fits before end; -1 otherwise
 * (truncated, length past end, length of more than 7 octets, indefinite
 * length on a primitive element). */
int kyso_ber_head(const unsigned char *p, const unsigned char *end,
    struct kyso_ber_tlv *t);

/* Whole length (header, content, end-of-contents octets) of the element at
 * p; 0 when it is not well formed or nests more than KYSO_MAX_BER_DEPTH
 * indefinite-length elements. */
size_t kyso_ber_total(const unsigned char *p, const unsigned char *end);

/* Content range [*c, *ce) of the constructed element at p whose first
 * identifier octet is `tag` (before the end-of-contents octets when the
 * length is indefinite). 0, or -1 when p holds no such element. */
int kyso_ber_enter(const unsigned char *p, const unsigned char *end,
    unsigned char tag, const unsigned char **c, const unsigned char **ce);

/* Byte ranges of the SignerInfo elements of a ContentInfo holding a
 * SignedData (RFC 5652 5.1): fills off[i]/len[i] for up to max signers and
 * returns how many there are (may exceed max), or -1 when der is not such
 * a structure. */
int kyso_ber_signer_infos(const unsigned char *der, size_t der_len, size_t *off,
    size_t *len, size_t max);

/* 1 when new_der holds exactly `added` SignerInfos more than old_der and
 * each SignerInfo of old_der is, byte for byte, a distinct SignerInfo of
 * new_der (not merely somewhere in it); 0 otherwise, also when either is
 * no SignedData or holds more than KYSO_MAX_SIGNERS. */
int kyso_ber_signer_infos_kept(const unsigned char *old_der, size_t old_len,
    const unsigned char *new_der, size_t new_len, size_t added);

#endif
