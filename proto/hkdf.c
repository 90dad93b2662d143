/* SPDX-License-Identifier: MIT */
/* HKDF-SHA256 (RFC 5869) on top of libsodium's HMAC-SHA256. See hkdf.h. */
#include "hkdf.h"

#include <string.h>

#include <sodium.h>

#include "rejsepost_errors.h"

/* A list is usable when every part with a length also has bytes. */
static int parts_valid(const rp__hkdf_part *parts, size_t n) {
  if (n > 0 && parts == NULL) return 0;
  for (size_t i = 0; i < n; i++) {
    if (parts[i].p == NULL && parts[i].len > 0) return 0;
  }
  return 1;
}

/* Feeds every part, in order, into a running HMAC. */
static int hmac_update_parts(crypto_auth_hmacsha256_state *st, const rp__hkdf_part *parts,
                             size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (parts[i].len == 0) continue;
    if (crypto_auth_hmacsha256_update(st, parts[i].p, parts[i].len) != 0) return RP_ECRYPTO;
  }
  return 0;
}

int rp__hkdf_extract_parts(uint8_t prk[RP__HKDF_PRKBYTES], const uint8_t *salt,
                           size_t salt_len, const rp__hkdf_part *ikm, size_t n) {
  /* RFC 5869 replaces a missing salt by HashLen zero bytes. HMAC pads its key with
   * zeros anyway, but passing the zeros says what is meant. */
  static const uint8_t zero_salt[RP__HKDF_HASHBYTES];
  crypto_auth_hmacsha256_state st;
  int r = RP_EINTERNAL;

  if (prk == NULL) return RP_EINVAL;
  memset(prk, 0, RP__HKDF_PRKBYTES);
  if ((salt == NULL && salt_len > 0) || !parts_valid(ikm, n)) {
    r = RP_EINVAL;
    goto out;
  }
  if (salt_len == 0) {
    salt = zero_salt;
    salt_len = sizeof zero_salt;
  }
  if (crypto_auth_hmacsha256_init(&st, salt, salt_len) != 0 ||
      hmac_update_parts(&st, ikm, n) != 0 || crypto_auth_hmacsha256_final(&st, prk) != 0) {
    r = RP_ECRYPTO;
    goto out;
  }
  r = 0;
out:
  sodium_memzero(&st, sizeof st);
  if (r != 0) sodium_memzero(prk, RP__HKDF_PRKBYTES);
  return r;
}

int rp__hkdf_extract(uint8_t prk[RP__HKDF_PRKBYTES], const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len) {
  rp__hkdf_part part = {ikm, ikm_len};
  return rp__hkdf_extract_parts(prk, salt, salt_len, &part, 1);
}

int rp__hkdf_expand_parts(uint8_t *out, size_t out_len,
                          const uint8_t prk[RP__HKDF_PRKBYTES], const rp__hkdf_part *info,
                          size_t n) {
  crypto_auth_hmacsha256_state st;
  uint8_t t[RP__HKDF_HASHBYTES];
  size_t done = 0;
  uint8_t counter = 0;
  int r = RP_EINTERNAL;

  memset(&st, 0, sizeof st);
  memset(t, 0, sizeof t);
  if (out == NULL && out_len > 0) return RP_EINVAL;
  if (out_len > 0) memset(out, 0, out_len);
  if (prk == NULL || !parts_valid(info, n)) {
    r = RP_EINVAL;
    goto out;
  }
  if (out_len > RP__HKDF_EXPAND_MAX) {
    r = RP_ETOOBIG;
    goto out;
  }
  /* T(i) = HMAC(PRK, T(i-1) || info || i), with T(0) empty; the output is T(1) T(2) ...
   * cut to out_len. The limit above keeps the one-byte counter from wrapping. */
  while (done < out_len) {
    size_t take = out_len - done < sizeof t ? out_len - done : sizeof t;
    counter++;
    if (crypto_auth_hmacsha256_init(&st, prk, RP__HKDF_PRKBYTES) != 0 ||
        (counter > 1 && crypto_auth_hmacsha256_update(&st, t, sizeof t) != 0) ||
        hmac_update_parts(&st, info, n) != 0 ||
        crypto_auth_hmacsha256_update(&st, &counter, 1) != 0 ||
        crypto_auth_hmacsha256_final(&st, t) != 0) {
      r = RP_ECRYPTO;
      goto out;
    }
    memcpy(out + done, t, take);
    done += take;
  }
  r = 0;
out:
  sodium_memzero(&st, sizeof st);
  sodium_memzero(t, sizeof t);
  if (r != 0 && out_len > 0) sodium_memzero(out, out_len);
  return r;
}

int rp__hkdf_expand(uint8_t *out, size_t out_len, const uint8_t prk[RP__HKDF_PRKBYTES],
                    const uint8_t *info, size_t info_len) {
  rp__hkdf_part part = {info, info_len};
  return rp__hkdf_expand_parts(out, out_len, prk, &part, 1);
}
