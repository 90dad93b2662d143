/* SPDX-License-Identifier: MIT */
/*
 * Noise's SymmetricState (section 5.2): the chaining key ck, the handshake hash h and a
 * CipherState. Every temporary that holds key material is wiped before returning.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

int rp__noise_symmetric_init(rp__noise_symmetric *ss, rp__noise_hash hash, const char *name,
                             size_t name_len) {
  size_t hl = rp__noise_hash_len(hash);
  int r = RP_EINVAL;

  if (ss == NULL) return RP_EINVAL;
  sodium_memzero(ss, sizeof *ss);
  if (hl == 0 || name == NULL || name_len > RP__NOISE_NAME_MAX) goto out;
  ss->hash = hash;
  ss->hash_len = hl;
  if (name_len <= hl) {
    memcpy(ss->h, name, name_len);
  } else if ((r = rp__noise_hash_digest(hash, ss->h, (const uint8_t *)name, name_len, NULL,
                                        0)) != 0) {
    goto out;
  }
  memcpy(ss->ck, ss->h, hl);
  r = 0;
out:
  if (r != 0) sodium_memzero(ss, sizeof *ss);
  return r;
}

/* Keys for the CipherState are the first 32 bytes of a HASHLEN output (section 5.2). */
static int mix(rp__noise_symmetric *ss, const uint8_t *ikm, size_t ikm_len, int with_hash) {
  uint8_t ck[RP__NOISE_HASHBYTES_MAX];
  uint8_t temp_h[RP__NOISE_HASHBYTES_MAX];
  uint8_t temp_k[RP__NOISE_HASHBYTES_MAX];
  int r = RP_EINVAL;

  if (ss == NULL || ss->hash_len == 0 || (ikm == NULL && ikm_len != 0)) goto out;
  if (with_hash) {
    if ((r = rp__noise_hkdf(ss->hash, ss->ck, ikm, ikm_len, ck, temp_h, temp_k)) != 0)
      goto out;
    if ((r = rp__noise_symmetric_mix_hash(ss, temp_h, ss->hash_len)) != 0) goto out;
  } else {
    if ((r = rp__noise_hkdf(ss->hash, ss->ck, ikm, ikm_len, ck, temp_k, NULL)) != 0)
      goto out;
  }
  memcpy(ss->ck, ck, ss->hash_len);
  rp__noise_cipher_init(&ss->cs, temp_k);
  r = 0;
out:
  sodium_memzero(ck, sizeof ck);
  sodium_memzero(temp_h, sizeof temp_h);
  sodium_memzero(temp_k, sizeof temp_k);
  return r;
}

int rp__noise_symmetric_mix_key(rp__noise_symmetric *ss, const uint8_t *ikm,
                                size_t ikm_len) {
  return mix(ss, ikm, ikm_len, 0);
}

int rp__noise_symmetric_mix_key_and_hash(rp__noise_symmetric *ss, const uint8_t *ikm,
                                         size_t ikm_len) {
  return mix(ss, ikm, ikm_len, 1);
}

int rp__noise_symmetric_mix_hash(rp__noise_symmetric *ss, const uint8_t *data, size_t len) {
  uint8_t h[RP__NOISE_HASHBYTES_MAX];
  int r;

  if (ss == NULL || ss->hash_len == 0) return RP_EINVAL;
  if ((r = rp__noise_hash_digest(ss->hash, h, ss->h, ss->hash_len, data, len)) == 0)
    memcpy(ss->h, h, ss->hash_len);
  sodium_memzero(h, sizeof h);
  return r;
}

int rp__noise_symmetric_handshake_hash(const rp__noise_symmetric *ss,
                                       uint8_t out[RP__NOISE_HASHBYTES_MAX],
                                       size_t *out_len) {
  if (out_len != NULL) *out_len = 0;
  if (ss == NULL || out == NULL || out_len == NULL || ss->hash_len == 0) return RP_EINVAL;
  memcpy(out, ss->h, ss->hash_len);
  *out_len = ss->hash_len;
  return 0;
}

int rp__noise_symmetric_encrypt_and_hash(rp__noise_symmetric *ss, const uint8_t *pt,
                                         size_t pt_len, uint8_t *out, size_t out_cap,
                                         size_t *out_len) {
  size_t n = 0;
  int r;

  if (out_len != NULL) *out_len = 0;
  if (ss == NULL || ss->hash_len == 0 || out == NULL || out_len == NULL ||
      (pt == NULL && pt_len != 0))
    return RP_EINVAL;
  if (ss->cs.has_key) {
    r = rp__noise_cipher_encrypt(&ss->cs, ss->h, ss->hash_len, pt, pt_len, out, out_cap,
                                 &n);
    if (r != 0) return r;
  } else {
    /* Before the first DH there is no key and the "ciphertext" is the plaintext. */
    if (pt_len > RP__NOISE_MSG_MAX || out_cap < pt_len) return RP_ETOOBIG;
    if (pt_len > 0 && out != pt) memmove(out, pt, pt_len);
    n = pt_len;
  }
  if ((r = rp__noise_symmetric_mix_hash(ss, out, n)) != 0) return r;
  *out_len = n;
  return 0;
}

int rp__noise_symmetric_decrypt_and_hash(rp__noise_symmetric *ss, const uint8_t *ct,
                                         size_t ct_len, uint8_t *out, size_t out_cap,
                                         size_t *out_len) {
  uint8_t next_h[RP__NOISE_HASHBYTES_MAX];
  size_t n = 0;
  int r = RP_EINVAL;

  if (out_len != NULL) *out_len = 0;
  if (ss == NULL || ss->hash_len == 0 || out_len == NULL || (ct == NULL && ct_len != 0))
    return RP_EINVAL;
  /*
   * The new h covers the ciphertext, which an in-place decryption overwrites, so it is
   * computed first and takes effect only if the tag checks out.
   */
  if ((r = rp__noise_hash_digest(ss->hash, next_h, ss->h, ss->hash_len, ct, ct_len)) != 0)
    goto out;
  if (ss->cs.has_key) {
    r = rp__noise_cipher_decrypt(&ss->cs, ss->h, ss->hash_len, ct, ct_len, out, out_cap,
                                 &n);
    if (r != 0) goto out;
  } else {
    r = RP_ETOOBIG;
    if (ct_len > RP__NOISE_MSG_MAX || out_cap < ct_len) goto out;
    r = RP_EINVAL;
    if (ct_len > 0 && out == NULL) goto out;
    if (ct_len > 0 && out != ct) memmove(out, ct, ct_len);
    n = ct_len;
  }
  memcpy(ss->h, next_h, ss->hash_len);
  *out_len = n;
  r = 0;
out:
  sodium_memzero(next_h, sizeof next_h);
  return r;
}

int rp__noise_symmetric_split(const rp__noise_symmetric *ss, rp__noise_cipher *c1,
                              rp__noise_cipher *c2) {
  uint8_t k1[RP__NOISE_HASHBYTES_MAX];
  uint8_t k2[RP__NOISE_HASHBYTES_MAX];
  int r = RP_EINVAL;

  rp__noise_cipher_wipe(c1);
  rp__noise_cipher_wipe(c2);
  if (ss == NULL || c1 == NULL || c2 == NULL || c1 == c2 || ss->hash_len == 0) goto out;
  if ((r = rp__noise_hkdf(ss->hash, ss->ck, NULL, 0, k1, k2, NULL)) != 0) goto out;
  rp__noise_cipher_init(c1, k1);
  rp__noise_cipher_init(c2, k2);
  r = 0;
out:
  sodium_memzero(k1, sizeof k1);
  sodium_memzero(k2, sizeof k2);
  return r;
}

void rp__noise_symmetric_wipe(rp__noise_symmetric *ss) {
  if (ss == NULL) return;
  sodium_memzero(ss, sizeof *ss);
}
