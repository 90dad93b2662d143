/* SPDX-License-Identifier: MIT */
/*
 * HKDF-SHA256 (RFC 5869), built on libsodium's crypto_auth_hmacsha256 because libsodium
 * 1.0.18 has no HKDF of its own. Used by HPKE (hpke.c) and by the Noise transport.
 *
 * Besides the usual single-buffer forms there are "parts" forms that take the input
 * keying material or the info as a list of byte strings. They hash the parts in order as
 * if they had been concatenated, so callers that build labelled inputs (HPKE's
 * LabeledExtract and LabeledExpand) need no temporary buffer and no size cap for it.
 *
 * sodium_init() must have been called before any of these functions.
 */
#ifndef RP_HKDF_H
#define RP_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define RP__HKDF_HASHBYTES 32u /* SHA-256 output, HashLen in RFC 5869 */
#define RP__HKDF_PRKBYTES 32u  /* a pseudorandom key from Extract */
#define RP__HKDF_EXPAND_MAX (255u * RP__HKDF_HASHBYTES) /* longest Expand output */

/* One byte string of a list. `p` may be NULL only when `len` is 0. */
typedef struct rp__hkdf_part {
  const uint8_t *p;
  size_t len;
} rp__hkdf_part;

/*
 * HKDF-Extract: prk = HMAC-SHA256(salt, ikm). An empty salt (salt_len 0, salt may be
 * NULL) stands for 32 zero bytes, as RFC 5869 says. The caller owns every buffer; prk
 * is cleared on entry and holds the key only on success. Returns 0 or RP_EINVAL.
 */
int rp__hkdf_extract(uint8_t prk[RP__HKDF_PRKBYTES], const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len);

/*
 * HKDF-Extract over the concatenation of `n` parts of input keying material. Same
 * contract as rp__hkdf_extract; `ikm` may be NULL only when n is 0.
 */
int rp__hkdf_extract_parts(uint8_t prk[RP__HKDF_PRKBYTES], const uint8_t *salt,
                           size_t salt_len, const rp__hkdf_part *ikm, size_t n);

/*
 * HKDF-Expand: writes out_len bytes of output keying material derived from prk and info
 * into out. out_len may be 0 and at most RP__HKDF_EXPAND_MAX; longer requests fail with
 * RP_ETOOBIG. out must not overlap prk. The caller owns every buffer; all out_len bytes
 * of out are cleared on entry and hold the output only on success.
 * Returns 0, RP_EINVAL or RP_ETOOBIG.
 */
int rp__hkdf_expand(uint8_t *out, size_t out_len, const uint8_t prk[RP__HKDF_PRKBYTES],
                    const uint8_t *info, size_t info_len);

/*
 * HKDF-Expand with the info given as the concatenation of `n` parts. Same contract as
 * rp__hkdf_expand.
 */
int rp__hkdf_expand_parts(uint8_t *out, size_t out_len,
                          const uint8_t prk[RP__HKDF_PRKBYTES], const rp__hkdf_part *info,
                          size_t n);

#endif /* RP_HKDF_H */
