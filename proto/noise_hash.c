/* SPDX-License-Identifier: MIT */
/*
 * Noise's hash functions: HASH, HMAC-HASH and HKDF for SHA256 and BLAKE2b.
 *
 * SHA256 uses libsodium's crypto_hash_sha256 and crypto_auth_hmacsha256 (which accepts
 * keys of any length). libsodium has no HMAC over BLAKE2b, so it is built here after
 * RFC 2104 with BLAKE2b-512 (block length 128, output 64), as Noise section 4.3 asks;
 * BLAKE2b's own keyed mode is a different function and must not be used.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

#define BLAKE2B_BLOCKBYTES 128u
#define BLAKE2B_HASHBYTES 64u

size_t rp__noise_hash_len(rp__noise_hash hash) {
  switch (hash) {
  case RP__NOISE_SHA256:
    return crypto_hash_sha256_BYTES;
  case RP__NOISE_BLAKE2B:
    return BLAKE2B_HASHBYTES;
  default:
    return 0;
  }
}

/* NULL is a fine pointer for an empty part, but not for a part with bytes. */
static int parts_ok(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
  return (a != NULL || a_len == 0) && (b != NULL || b_len == 0);
}

static int blake2b_digest(uint8_t out[BLAKE2B_HASHBYTES], const uint8_t *a, size_t a_len,
                          const uint8_t *b, size_t b_len) {
  crypto_generichash_blake2b_state st;
  int r = RP_ECRYPTO;

  if (crypto_generichash_blake2b_init(&st, NULL, 0, BLAKE2B_HASHBYTES) != 0 ||
      crypto_generichash_blake2b_update(&st, a, a_len) != 0 ||
      crypto_generichash_blake2b_update(&st, b, b_len) != 0 ||
      crypto_generichash_blake2b_final(&st, out, BLAKE2B_HASHBYTES) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(&st, sizeof st);
  return r;
}

int rp__noise_hash_digest(rp__noise_hash hash, uint8_t out[RP__NOISE_HASHBYTES_MAX],
                          const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
  crypto_hash_sha256_state st;
  int r = RP_EINVAL;

  if (out == NULL || !parts_ok(a, a_len, b, b_len)) return RP_EINVAL;
  switch (hash) {
  case RP__NOISE_SHA256:
    r = RP_ECRYPTO;
    if (crypto_hash_sha256_init(&st) != 0 ||
        crypto_hash_sha256_update(&st, a, a_len) != 0 ||
        crypto_hash_sha256_update(&st, b, b_len) != 0 ||
        crypto_hash_sha256_final(&st, out) != 0)
      goto out;
    r = 0;
    break;
  case RP__NOISE_BLAKE2B:
    r = blake2b_digest(out, a, a_len, b, b_len);
    break;
  default:
    break;
  }
out:
  sodium_memzero(&st, sizeof st);
  return r;
}

static int hmac_sha256(uint8_t out[crypto_auth_hmacsha256_BYTES], const uint8_t *key,
                       size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
                       size_t b_len) {
  crypto_auth_hmacsha256_state st;
  int r = RP_ECRYPTO;

  if (crypto_auth_hmacsha256_init(&st, key, key_len) != 0 ||
      crypto_auth_hmacsha256_update(&st, a, a_len) != 0 ||
      crypto_auth_hmacsha256_update(&st, b, b_len) != 0 ||
      crypto_auth_hmacsha256_final(&st, out) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(&st, sizeof st);
  return r;
}

/*
 * HMAC-BLAKE2b: H((K ^ opad) || H((K ^ ipad) || text)), with K the key padded with
 * zeros to the block length, or first hashed if it is longer than a block.
 */
static int hmac_blake2b(uint8_t out[BLAKE2B_HASHBYTES], const uint8_t *key, size_t key_len,
                        const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
  crypto_generichash_blake2b_state st;
  uint8_t k[BLAKE2B_BLOCKBYTES];
  uint8_t pad[BLAKE2B_BLOCKBYTES];
  uint8_t inner[BLAKE2B_HASHBYTES];
  size_t i;
  int r = RP_ECRYPTO;

  memset(k, 0, sizeof k);
  if (key_len > BLAKE2B_BLOCKBYTES) {
    if ((r = blake2b_digest(k, key, key_len, NULL, 0)) != 0) goto out;
    r = RP_ECRYPTO;
  } else if (key_len > 0) {
    memcpy(k, key, key_len);
  }

  for (i = 0; i < sizeof pad; i++)
    pad[i] = (uint8_t)(k[i] ^ 0x36u);
  if (crypto_generichash_blake2b_init(&st, NULL, 0, BLAKE2B_HASHBYTES) != 0 ||
      crypto_generichash_blake2b_update(&st, pad, sizeof pad) != 0 ||
      crypto_generichash_blake2b_update(&st, a, a_len) != 0 ||
      crypto_generichash_blake2b_update(&st, b, b_len) != 0 ||
      crypto_generichash_blake2b_final(&st, inner, sizeof inner) != 0)
    goto out;

  for (i = 0; i < sizeof pad; i++)
    pad[i] = (uint8_t)(k[i] ^ 0x5cu);
  if (crypto_generichash_blake2b_init(&st, NULL, 0, BLAKE2B_HASHBYTES) != 0 ||
      crypto_generichash_blake2b_update(&st, pad, sizeof pad) != 0 ||
      crypto_generichash_blake2b_update(&st, inner, sizeof inner) != 0 ||
      crypto_generichash_blake2b_final(&st, out, BLAKE2B_HASHBYTES) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(&st, sizeof st);
  sodium_memzero(k, sizeof k);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
  return r;
}

int rp__noise_hmac(rp__noise_hash hash, uint8_t out[RP__NOISE_HASHBYTES_MAX],
                   const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                   const uint8_t *b, size_t b_len) {
  if (out == NULL || (key == NULL && key_len != 0) || !parts_ok(a, a_len, b, b_len))
    return RP_EINVAL;
  switch (hash) {
  case RP__NOISE_SHA256:
    return hmac_sha256(out, key, key_len, a, a_len, b, b_len);
  case RP__NOISE_BLAKE2B:
    return hmac_blake2b(out, key, key_len, a, a_len, b, b_len);
  default:
    return RP_EINVAL;
  }
}

int rp__noise_hkdf(rp__noise_hash hash, const uint8_t *ck, const uint8_t *ikm,
                   size_t ikm_len, uint8_t out1[RP__NOISE_HASHBYTES_MAX],
                   uint8_t out2[RP__NOISE_HASHBYTES_MAX], uint8_t *out3) {
  static const uint8_t one = 0x01, two = 0x02, three = 0x03;
  uint8_t temp_key[RP__NOISE_HASHBYTES_MAX];
  size_t hl = rp__noise_hash_len(hash);
  int r = RP_EINVAL;

  if (hl == 0 || ck == NULL || out1 == NULL || out2 == NULL ||
      (ikm == NULL && ikm_len != 0))
    goto out;
  if ((r = rp__noise_hmac(hash, temp_key, ck, hl, ikm, ikm_len, NULL, 0)) != 0) goto out;
  if ((r = rp__noise_hmac(hash, out1, temp_key, hl, &one, 1, NULL, 0)) != 0) goto out;
  if ((r = rp__noise_hmac(hash, out2, temp_key, hl, out1, hl, &two, 1)) != 0) goto out;
  if (out3 != NULL &&
      (r = rp__noise_hmac(hash, out3, temp_key, hl, out2, hl, &three, 1)) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(temp_key, sizeof temp_key);
  if (r != 0) {
    if (out1 != NULL) sodium_memzero(out1, hl);
    if (out2 != NULL) sodium_memzero(out2, hl);
    if (out3 != NULL) sodium_memzero(out3, hl);
  }
  return r;
}
