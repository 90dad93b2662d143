/* SPDX-License-Identifier: MIT */
/*
 * Noise's CipherState with ChaChaPoly: crypto_aead_chacha20poly1305_ietf with a 96-bit
 * nonce made of 32 bits of zeros and the 64-bit counter n in little-endian order
 * (Noise section 12.3). n = 2^64-1 is reserved for Rekey and never used for a message.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == RP__NOISE_KEYBYTES,
               "ChaChaPoly key size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == RP__NOISE_TAGBYTES,
               "ChaChaPoly tag size");
_Static_assert(RP_NOISE_TAG == RP__NOISE_TAGBYTES, "caps.h agrees on the tag size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12, "IETF nonce size");

#define NONCE_MAX UINT64_MAX

static void encode_nonce(uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES],
                         uint64_t n) {
  size_t i;

  memset(npub, 0, 4);
  for (i = 0; i < 8; i++)
    npub[4 + i] = (uint8_t)(n >> (8 * i));
}

void rp__noise_cipher_init(rp__noise_cipher *c, const uint8_t k[RP__NOISE_KEYBYTES]) {
  memcpy(c->k, k, RP__NOISE_KEYBYTES);
  c->n = 0;
  c->has_key = 1;
}

int rp__noise_cipher_has_key(const rp__noise_cipher *c) {
  return c != NULL && c->has_key;
}

void rp__noise_cipher_set_nonce(rp__noise_cipher *c, uint64_t n) {
  c->n = n;
}

uint64_t rp__noise_cipher_nonce(const rp__noise_cipher *c) {
  return c->n;
}

int rp__noise_cipher_encrypt(rp__noise_cipher *c, const uint8_t *ad, size_t ad_len,
                             const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_cap,
                             size_t *out_len) {
  uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
  unsigned long long clen = 0;

  if (out_len != NULL) *out_len = 0;
  if (c == NULL || out == NULL || out_len == NULL || (pt == NULL && pt_len != 0) ||
      (ad == NULL && ad_len != 0))
    return RP_EINVAL;
  if (!c->has_key) return RP_ESTATE;
  if (c->n == NONCE_MAX) return RP_ENONCE;
  if (pt_len > RP__NOISE_MSG_MAX - RP__NOISE_TAGBYTES ||
      out_cap < pt_len + RP__NOISE_TAGBYTES)
    return RP_ETOOBIG;

  encode_nonce(npub, c->n);
  if (crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, pt_len, ad, ad_len, NULL,
                                                npub, c->k) != 0)
    return RP_ECRYPTO;
  c->n++;
  *out_len = (size_t)clen;
  return 0;
}

int rp__noise_cipher_decrypt(rp__noise_cipher *c, const uint8_t *ad, size_t ad_len,
                             const uint8_t *ct, size_t ct_len, uint8_t *out, size_t out_cap,
                             size_t *out_len) {
  uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
  uint8_t empty[1];
  unsigned long long mlen = 0;

  if (out_len != NULL) *out_len = 0;
  if (c == NULL || out_len == NULL || ct == NULL || (ad == NULL && ad_len != 0))
    return RP_EINVAL;
  if (!c->has_key) return RP_ESTATE;
  if (c->n == NONCE_MAX) return RP_ENONCE;
  if (ct_len > RP__NOISE_MSG_MAX) return RP_ETOOBIG;
  if (ct_len < RP__NOISE_TAGBYTES) return RP_ETRUNC;
  if (out_cap < ct_len - RP__NOISE_TAGBYTES) return RP_ETOOBIG;
  /* An empty plaintext needs no buffer, but libsodium wants a pointer all the same. */
  if (out == NULL) {
    if (ct_len != RP__NOISE_TAGBYTES) return RP_EINVAL;
    out = empty;
  }

  encode_nonce(npub, c->n);
  /* libsodium checks the tag before decrypting and zeroes `out` when it fails. */
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct, ct_len, ad, ad_len,
                                                npub, c->k) != 0)
    return RP_EAUTH;
  c->n++;
  *out_len = (size_t)mlen;
  return 0;
}

int rp__noise_cipher_rekey(rp__noise_cipher *c) {
  static const uint8_t zeros[RP__NOISE_KEYBYTES];
  uint8_t npub[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
  uint8_t buf[RP__NOISE_KEYBYTES + RP__NOISE_TAGBYTES];
  unsigned long long clen = 0;
  int r = RP_ECRYPTO;

  if (c == NULL) return RP_EINVAL;
  if (!c->has_key) return RP_ESTATE;
  encode_nonce(npub, NONCE_MAX);
  if (crypto_aead_chacha20poly1305_ietf_encrypt(buf, &clen, zeros, sizeof zeros, NULL, 0,
                                                NULL, npub, c->k) != 0)
    goto out;
  memcpy(c->k, buf, RP__NOISE_KEYBYTES);
  r = 0;
out:
  sodium_memzero(buf, sizeof buf);
  return r;
}

void rp__noise_cipher_wipe(rp__noise_cipher *c) {
  if (c == NULL) return;
  sodium_memzero(c, sizeof *c);
}
