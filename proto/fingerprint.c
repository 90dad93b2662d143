/* SPDX-License-Identifier: MIT */
/* Fingerprints of identity keys; the construction is documented in fingerprint.h. */
#include "fingerprint.h"

#include <string.h>

#include <sodium.h>

#include "rejsepost_errors.h"

#define LABEL_BYTES (sizeof RP_FINGERPRINT_LABEL - 1)
#define DIGITS (RP_FINGERPRINT_GROUPS * RP_FINGERPRINT_GROUPDIGITS)

/* The 60 digits, as numbers 0..9. */
static void digits(const uint8_t pk[RP_IDENTITY_PUBLICKEYBYTES], uint8_t d[DIGITS]) {
  uint8_t h[crypto_hash_sha512_BYTES];
  uint8_t first[2 + LABEL_BYTES + RP_IDENTITY_PUBLICKEYBYTES];
  uint8_t next[crypto_hash_sha512_BYTES + RP_IDENTITY_PUBLICKEYBYTES];

  first[0] = (uint8_t)(RP_FINGERPRINT_VERSION >> 8);
  first[1] = (uint8_t)(RP_FINGERPRINT_VERSION & 0xff);
  memcpy(first + 2, RP_FINGERPRINT_LABEL, LABEL_BYTES);
  memcpy(first + 2 + LABEL_BYTES, pk, RP_IDENTITY_PUBLICKEYBYTES);
  crypto_hash_sha512(h, first, sizeof first);
  memcpy(next + crypto_hash_sha512_BYTES, pk, RP_IDENTITY_PUBLICKEYBYTES);
  for (unsigned i = 0; i < RP_FINGERPRINT_ITERATIONS; i++) {
    memcpy(next, h, sizeof h);
    crypto_hash_sha512(h, next, sizeof next);
  }
  /* Plain arithmetic, no table indexed by the value: the same steps for every key. */
  for (unsigned g = 0; g < RP_FINGERPRINT_GROUPS; g++) {
    uint64_t v = 0;
    for (unsigned j = 0; j < 5; j++)
      v = v << 8 | h[5 * g + j];
    v %= 100000u;
    for (unsigned j = RP_FINGERPRINT_GROUPDIGITS; j > 0; j--) {
      d[g * RP_FINGERPRINT_GROUPDIGITS + j - 1] = (uint8_t)(v % 10u);
      v /= 10u;
    }
  }
}

int rp__fingerprint(const uint8_t pk[RP_IDENTITY_PUBLICKEYBYTES],
                    char out[RP_FINGERPRINT_STRBYTES]) {
  uint8_t d[DIGITS];
  if (out == NULL) return RP_EINVAL;
  memset(out, 0, RP_FINGERPRINT_STRBYTES);
  if (pk == NULL) return RP_EINVAL;
  digits(pk, d);
  size_t o = 0;
  for (unsigned i = 0; i < DIGITS; i++) {
    if (i > 0 && i % RP_FINGERPRINT_GROUPDIGITS == 0) out[o++] = ' ';
    out[o++] = (char)('0' + d[i]);
  }
  out[o] = '\0';
  return 0;
}

int rp__fingerprint_match(const uint8_t pk[RP_IDENTITY_PUBLICKEYBYTES], const char *text,
                          size_t n) {
  uint8_t want[DIGITS], got[DIGITS];
  size_t k = 0;
  if (pk == NULL || text == NULL) return RP_EINVAL;
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '-') continue;
    if (c < '0' || c > '9' || k == DIGITS) return RP_EINVAL;
    got[k++] = (uint8_t)(c - '0');
  }
  if (k != DIGITS) return RP_EINVAL;
  digits(pk, want);
  return memcmp(want, got, DIGITS) == 0 ? 0 : RP_EAUTH;
}
