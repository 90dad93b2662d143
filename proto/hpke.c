/* SPDX-License-Identifier: MIT */
/* HPKE (RFC 9180), suite 0x0020/0x0001/0x0003, all four modes. See hpke.h. */
#include "hpke.h"

#include <string.h>

#include <sodium.h>

#include "hkdf.h"
#include "rejsepost_errors.h"

#define DH_BYTES crypto_scalarmult_BYTES

static const uint8_t suite_id_kem[] = {'K', 'E', 'M', 0x00, 0x20};
static const uint8_t suite_id_hpke[] = {'H',  'P',  'K',  'E',  0x00,
                                        0x20, 0x00, 0x01, 0x00, 0x03};
static const uint8_t version_label[] = {'H', 'P', 'K', 'E', '-', 'v', '1'};

/* ---- labelled KDF ---- */

static rp__hkdf_part suite_part(rp__hpke_scope scope) {
  rp__hkdf_part p = {suite_id_hpke, sizeof suite_id_hpke};
  if (scope == RP__HPKE_SCOPE_KEM) {
    p.p = suite_id_kem;
    p.len = sizeof suite_id_kem;
  }
  return p;
}

static int scope_valid(rp__hpke_scope scope) {
  return scope == RP__HPKE_SCOPE_KEM || scope == RP__HPKE_SCOPE_SUITE;
}

int rp__hpke_labeled_extract(uint8_t prk[RP__HPKE_NH], rp__hpke_scope scope,
                             const uint8_t *salt, size_t salt_len, const char *label,
                             const uint8_t *ikm, size_t ikm_len) {
  /* labeled_ikm = "HPKE-v1" || suite_id || label || ikm, hashed without copying. */
  rp__hkdf_part parts[4] = {{version_label, sizeof version_label},
                            suite_part(scope),
                            {(const uint8_t *)label, label ? strlen(label) : 0},
                            {ikm, ikm_len}};
  if (prk != NULL) memset(prk, 0, RP__HPKE_NH);
  if (prk == NULL || label == NULL || !scope_valid(scope)) return RP_EINVAL;
  return rp__hkdf_extract_parts(prk, salt, salt_len, parts, 4);
}

/* LabeledExpand with the info given in up to four parts (kem_context is built that way). */
static int labeled_expand_parts(uint8_t *out, size_t out_len, rp__hpke_scope scope,
                                const uint8_t prk[RP__HPKE_NH], const char *label,
                                const rp__hkdf_part *info, size_t n) {
  /* labeled_info = I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info. */
  uint8_t len2[2] = {(uint8_t)(out_len >> 8), (uint8_t)out_len};
  rp__hkdf_part parts[8] = {{len2, 2},
                            {version_label, sizeof version_label},
                            suite_part(scope),
                            {(const uint8_t *)label, label ? strlen(label) : 0}};

  if (out_len > 0 && out != NULL) memset(out, 0, out_len);
  if ((out == NULL && out_len > 0) || label == NULL || !scope_valid(scope) || n > 4 ||
      (n > 0 && info == NULL))
    return RP_EINVAL;
  /* The 2-byte length must not wrap; HKDF's own limit is far lower anyway. */
  if (out_len > RP__HPKE_EXPORT_MAX) return RP_ETOOBIG;
  for (size_t i = 0; i < n; i++)
    parts[4 + i] = info[i];
  return rp__hkdf_expand_parts(out, out_len, prk, parts, 4 + n);
}

int rp__hpke_labeled_expand(uint8_t *out, size_t out_len, rp__hpke_scope scope,
                            const uint8_t prk[RP__HPKE_NH], const char *label,
                            const uint8_t *info, size_t info_len) {
  rp__hkdf_part part = {info, info_len};
  return labeled_expand_parts(out, out_len, scope, prk, label, &part, 1);
}

/* ---- key pairs and DH ---- */

int rp__hpke_keypair(uint8_t pk[RP__HPKE_NPK], uint8_t sk[RP__HPKE_NSK]) {
  if (pk == NULL || sk == NULL) return RP_EINVAL;
  randombytes_buf(sk, RP__HPKE_NSK);
  if (crypto_scalarmult_base(pk, sk) != 0) {
    sodium_memzero(sk, RP__HPKE_NSK);
    memset(pk, 0, RP__HPKE_NPK);
    return RP_ECRYPTO;
  }
  return 0;
}

int rp__hpke_derive_keypair(uint8_t pk[RP__HPKE_NPK], uint8_t sk[RP__HPKE_NSK],
                            const uint8_t *ikm, size_t ikm_len) {
  uint8_t dkp_prk[RP__HPKE_NH];
  int r = RP_EINTERNAL;

  if (pk == NULL || sk == NULL) return RP_EINVAL;
  memset(pk, 0, RP__HPKE_NPK);
  memset(sk, 0, RP__HPKE_NSK);
  memset(dkp_prk, 0, sizeof dkp_prk);
  if (ikm == NULL || ikm_len < RP__HPKE_IKM_MIN) {
    r = RP_EINVAL;
    goto out;
  }
  /* For X25519 every 32-byte string is a private key, so no rejection loop (§7.1.3). */
  if ((r = rp__hpke_labeled_extract(dkp_prk, RP__HPKE_SCOPE_KEM, NULL, 0, "dkp_prk", ikm,
                                    ikm_len)) != 0 ||
      (r = rp__hpke_labeled_expand(sk, RP__HPKE_NSK, RP__HPKE_SCOPE_KEM, dkp_prk, "sk",
                                   NULL, 0)) != 0)
    goto out;
  if (crypto_scalarmult_base(pk, sk) != 0) {
    r = RP_ECRYPTO;
    goto out;
  }
  r = 0;
out:
  sodium_memzero(dkp_prk, sizeof dkp_prk);
  if (r != 0) {
    sodium_memzero(sk, RP__HPKE_NSK);
    memset(pk, 0, RP__HPKE_NPK);
  }
  return r;
}

/* X25519 that refuses an all-zero result (RFC 9180 §7.1.4): that happens exactly when the
 * peer sent a low-order point, and the secret would then be known to everyone.
 * libsodium already returns -1 in that case; the explicit check does not depend on it. */
static int dh(uint8_t out[DH_BYTES], const uint8_t sk[RP__HPKE_NSK],
              const uint8_t pk[RP__HPKE_NPK]) {
  if (crypto_scalarmult(out, sk, pk) != 0 || sodium_is_zero(out, DH_BYTES)) {
    sodium_memzero(out, DH_BYTES);
    return RP_ECRYPTO;
  }
  return 0;
}

/* ExtractAndExpand(dh, kem_context) with kem_context = enc || pkRm [|| pkSm]. */
static int extract_and_expand(uint8_t ss[RP__HPKE_NSECRET], const uint8_t *dhv,
                              size_t dh_len, const uint8_t enc[RP__HPKE_NENC],
                              const uint8_t pkR[RP__HPKE_NPK], const uint8_t *pkS) {
  uint8_t eae_prk[RP__HPKE_NH];
  rp__hkdf_part kem_context[3] = {
      {enc, RP__HPKE_NENC}, {pkR, RP__HPKE_NPK}, {pkS, RP__HPKE_NPK}};
  int r = rp__hpke_labeled_extract(eae_prk, RP__HPKE_SCOPE_KEM, NULL, 0, "eae_prk", dhv,
                                   dh_len);
  if (r == 0)
    r = labeled_expand_parts(ss, RP__HPKE_NSECRET, RP__HPKE_SCOPE_KEM, eae_prk,
                             "shared_secret", kem_context, pkS != NULL ? 3 : 2);
  sodium_memzero(eae_prk, sizeof eae_prk);
  return r;
}

/* Encap (skS NULL) or AuthEncap with a given ephemeral private key. */
static int encap_any(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                     const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS,
                     const uint8_t skE[RP__HPKE_NSK]) {
  uint8_t dhv[2 * DH_BYTES], pkE[RP__HPKE_NPK], pkS[RP__HPKE_NPK];
  int r = RP_EINTERNAL;

  if (ss == NULL || enc == NULL) return RP_EINVAL;
  memset(ss, 0, RP__HPKE_NSECRET);
  memset(enc, 0, RP__HPKE_NENC);
  memset(dhv, 0, sizeof dhv);
  if (pkR == NULL || skE == NULL) {
    r = RP_EINVAL;
    goto out;
  }
  if (crypto_scalarmult_base(pkE, skE) != 0 ||
      (skS != NULL && crypto_scalarmult_base(pkS, skS) != 0)) {
    r = RP_ECRYPTO;
    goto out;
  }
  if ((r = dh(dhv, skE, pkR)) != 0 ||
      (skS != NULL && (r = dh(dhv + DH_BYTES, skS, pkR)) != 0) ||
      (r = extract_and_expand(ss, dhv, skS != NULL ? 2 * DH_BYTES : DH_BYTES, pkE, pkR,
                              skS != NULL ? pkS : NULL)) != 0)
    goto out;
  memcpy(enc, pkE, RP__HPKE_NENC);
  r = 0;
out:
  sodium_memzero(dhv, sizeof dhv);
  if (r != 0) sodium_memzero(ss, RP__HPKE_NSECRET);
  return r;
}

/* Decap (pkS NULL) or AuthDecap. */
static int decap_any(uint8_t ss[RP__HPKE_NSECRET], const uint8_t enc[RP__HPKE_NENC],
                     const uint8_t skR[RP__HPKE_NSK], const uint8_t *pkS) {
  uint8_t dhv[2 * DH_BYTES], pkR[RP__HPKE_NPK];
  int r = RP_EINTERNAL;

  if (ss == NULL) return RP_EINVAL;
  memset(ss, 0, RP__HPKE_NSECRET);
  memset(dhv, 0, sizeof dhv);
  if (enc == NULL || skR == NULL) {
    r = RP_EINVAL;
    goto out;
  }
  /* pkR is recomputed rather than taken from the caller, so a mismatched pair can't
   * creep into kem_context. */
  if (crypto_scalarmult_base(pkR, skR) != 0) {
    r = RP_ECRYPTO;
    goto out;
  }
  if ((r = dh(dhv, skR, enc)) != 0 ||
      (pkS != NULL && (r = dh(dhv + DH_BYTES, skR, pkS)) != 0) ||
      (r = extract_and_expand(ss, dhv, pkS != NULL ? 2 * DH_BYTES : DH_BYTES, enc, pkR,
                              pkS)) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(dhv, sizeof dhv);
  if (r != 0) sodium_memzero(ss, RP__HPKE_NSECRET);
  return r;
}

int rp__hpke_encap_derand(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                          const uint8_t pkR[RP__HPKE_NPK],
                          const uint8_t skE[RP__HPKE_NSK]) {
  return encap_any(ss, enc, pkR, NULL, skE);
}

int rp__hpke_auth_encap_derand(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                               const uint8_t pkR[RP__HPKE_NPK],
                               const uint8_t skS[RP__HPKE_NSK],
                               const uint8_t skE[RP__HPKE_NSK]) {
  if (skS == NULL) return RP_EINVAL;
  return encap_any(ss, enc, pkR, skS, skE);
}

/* Draws a fresh ephemeral private key for one encapsulation and wipes it afterwards. */
static int encap_random(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                        const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS) {
  uint8_t skE[RP__HPKE_NSK];
  randombytes_buf(skE, sizeof skE);
  int r = encap_any(ss, enc, pkR, skS, skE);
  sodium_memzero(skE, sizeof skE);
  return r;
}

int rp__hpke_encap(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                   const uint8_t pkR[RP__HPKE_NPK]) {
  return encap_random(ss, enc, pkR, NULL);
}

int rp__hpke_auth_encap(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                        const uint8_t pkR[RP__HPKE_NPK], const uint8_t skS[RP__HPKE_NSK]) {
  if (skS == NULL) return RP_EINVAL;
  return encap_random(ss, enc, pkR, skS);
}

int rp__hpke_decap(uint8_t ss[RP__HPKE_NSECRET], const uint8_t enc[RP__HPKE_NENC],
                   const uint8_t skR[RP__HPKE_NSK]) {
  return decap_any(ss, enc, skR, NULL);
}

int rp__hpke_auth_decap(uint8_t ss[RP__HPKE_NSECRET], const uint8_t enc[RP__HPKE_NENC],
                        const uint8_t skR[RP__HPKE_NSK], const uint8_t pkS[RP__HPKE_NPK]) {
  if (pkS == NULL) return RP_EINVAL;
  return decap_any(ss, enc, skR, pkS);
}

/* ---- key schedule and contexts ---- */

/* VerifyPSKInputs (§5.1) plus the Auth-mode key check: a mode and inputs that disagree
 * are a caller bug, and silently running another mode would be worse. */
static int params_check(const rp__hpke_params *p, int have_auth_key) {
  if (p == NULL || p->mode < RP__HPKE_MODE_BASE || p->mode > RP__HPKE_MODE_AUTH_PSK)
    return RP_EINVAL;
  if ((p->info == NULL && p->info_len > 0) || (p->psk == NULL && p->psk_len > 0) ||
      (p->psk_id == NULL && p->psk_id_len > 0))
    return RP_EINVAL;
  int psk_mode = p->mode == RP__HPKE_MODE_PSK || p->mode == RP__HPKE_MODE_AUTH_PSK;
  int auth_mode = p->mode == RP__HPKE_MODE_AUTH || p->mode == RP__HPKE_MODE_AUTH_PSK;
  int got_psk = p->psk_len > 0, got_psk_id = p->psk_id_len > 0;
  if (got_psk != got_psk_id || got_psk != psk_mode || have_auth_key != auth_mode)
    return RP_EINVAL;
  if (got_psk && p->psk_len < RP__HPKE_PSK_MIN) return RP_EINVAL;
  return 0;
}

/* KeySchedule (§5.1): fills ctx from the shared secret. params were checked already. */
static int key_schedule(rp__hpke_ctx *ctx, int role, const rp__hpke_params *p,
                        const uint8_t ss[RP__HPKE_NSECRET]) {
  uint8_t ksc[1 + 2 * RP__HPKE_NH], secret[RP__HPKE_NH];
  const rp__hpke_scope s = RP__HPKE_SCOPE_SUITE;
  int r = RP_EINTERNAL;

  /* key_schedule_context = mode || psk_id_hash || info_hash */
  ksc[0] = (uint8_t)p->mode;
  if ((r = rp__hpke_labeled_extract(ksc + 1, s, NULL, 0, "psk_id_hash", p->psk_id,
                                    p->psk_id_len)) != 0 ||
      (r = rp__hpke_labeled_extract(ksc + 1 + RP__HPKE_NH, s, NULL, 0, "info_hash", p->info,
                                    p->info_len)) != 0 ||
      (r = rp__hpke_labeled_extract(secret, s, ss, RP__HPKE_NSECRET, "secret", p->psk,
                                    p->psk_len)) != 0 ||
      (r = rp__hpke_labeled_expand(ctx->key, sizeof ctx->key, s, secret, "key", ksc,
                                   sizeof ksc)) != 0 ||
      (r = rp__hpke_labeled_expand(ctx->base_nonce, sizeof ctx->base_nonce, s, secret,
                                   "base_nonce", ksc, sizeof ksc)) != 0 ||
      (r = rp__hpke_labeled_expand(ctx->exporter_secret, sizeof ctx->exporter_secret, s,
                                   secret, "exp", ksc, sizeof ksc)) != 0)
    goto out;
  ctx->seq = 0;
  ctx->role = role;
  r = 0;
out:
  sodium_memzero(secret, sizeof secret);
  sodium_memzero(ksc, sizeof ksc);
  return r;
}

void rp__hpke_ctx_wipe(rp__hpke_ctx *ctx) {
  if (ctx != NULL) sodium_memzero(ctx, sizeof *ctx);
}

int rp__hpke_setup_sender_derand(rp__hpke_ctx *ctx, uint8_t enc[RP__HPKE_NENC],
                                 const rp__hpke_params *params,
                                 const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS,
                                 const uint8_t skE[RP__HPKE_NSK]) {
  uint8_t ss[RP__HPKE_NSECRET];
  int r = RP_EINTERNAL;

  if (ctx == NULL || enc == NULL) return RP_EINVAL;
  rp__hpke_ctx_wipe(ctx);
  memset(enc, 0, RP__HPKE_NENC);
  memset(ss, 0, sizeof ss);
  /* Check the inputs before the costly DH, and so that no enc goes out for a bad call. */
  if ((r = params_check(params, skS != NULL)) != 0 ||
      (r = encap_any(ss, enc, pkR, skS, skE)) != 0 ||
      (r = key_schedule(ctx, RP__HPKE_ROLE_SENDER, params, ss)) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(ss, sizeof ss);
  if (r != 0) {
    rp__hpke_ctx_wipe(ctx);
    memset(enc, 0, RP__HPKE_NENC);
  }
  return r;
}

int rp__hpke_setup_sender(rp__hpke_ctx *ctx, uint8_t enc[RP__HPKE_NENC],
                          const rp__hpke_params *params, const uint8_t pkR[RP__HPKE_NPK],
                          const uint8_t *skS) {
  uint8_t skE[RP__HPKE_NSK];
  randombytes_buf(skE, sizeof skE);
  int r = rp__hpke_setup_sender_derand(ctx, enc, params, pkR, skS, skE);
  sodium_memzero(skE, sizeof skE);
  return r;
}

int rp__hpke_setup_recipient(rp__hpke_ctx *ctx, const rp__hpke_params *params,
                             const uint8_t enc[RP__HPKE_NENC],
                             const uint8_t skR[RP__HPKE_NSK], const uint8_t *pkS) {
  uint8_t ss[RP__HPKE_NSECRET];
  int r = RP_EINTERNAL;

  if (ctx == NULL) return RP_EINVAL;
  rp__hpke_ctx_wipe(ctx);
  memset(ss, 0, sizeof ss);
  if ((r = params_check(params, pkS != NULL)) != 0 ||
      (r = decap_any(ss, enc, skR, pkS)) != 0 ||
      (r = key_schedule(ctx, RP__HPKE_ROLE_RECIPIENT, params, ss)) != 0)
    goto out;
  r = 0;
out:
  sodium_memzero(ss, sizeof ss);
  if (r != 0) rp__hpke_ctx_wipe(ctx);
  return r;
}

int rp__hpke_ctx_nonce(const rp__hpke_ctx *ctx, uint8_t nonce[RP__HPKE_NN]) {
  if (nonce == NULL) return RP_EINVAL;
  memset(nonce, 0, RP__HPKE_NN);
  if (ctx == NULL) return RP_EINVAL;
  if (ctx->role == 0) return RP_ESTATE;
  /* ComputeNonce: base_nonce XOR I2OSP(seq, Nn). seq has 64 bits, so only the last
   * eight bytes change. */
  memcpy(nonce, ctx->base_nonce, RP__HPKE_NN);
  for (unsigned i = 0; i < 8; i++)
    nonce[RP__HPKE_NN - 1 - i] ^= (uint8_t)(ctx->seq >> (8 * i));
  return 0;
}

/* The sequence number is 64 bits, a stricter limit than the RFC's 96: 2^64 - 1 messages
 * under one context is still out of reach. UINT64_MAX itself is never used, so the check
 * happens before any encryption and the counter can't wrap to a used nonce. */
static int ctx_ready(const rp__hpke_ctx *ctx, int role) {
  if (ctx == NULL) return RP_EINVAL;
  if (ctx->role != role) return RP_ESTATE;
  if (ctx->seq == UINT64_MAX) return RP_ENONCE;
  return 0;
}

int rp__hpke_ctx_seal(rp__hpke_ctx *ctx, uint8_t *ct, const uint8_t *pt, size_t pt_len,
                      const uint8_t *aad, size_t aad_len) {
  uint8_t nonce[RP__HPKE_NN];
  int r;

  if (ct == NULL || (pt == NULL && pt_len > 0) || (aad == NULL && aad_len > 0))
    return RP_EINVAL;
  if (pt_len > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX) return RP_ETOOBIG;
  if ((r = ctx_ready(ctx, RP__HPKE_ROLE_SENDER)) != 0 ||
      (r = rp__hpke_ctx_nonce(ctx, nonce)) != 0)
    return r;
  if (crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, pt_len, aad, aad_len, NULL,
                                                nonce, ctx->key) != 0)
    return RP_ECRYPTO;
  ctx->seq++;
  return 0;
}

int rp__hpke_ctx_open(rp__hpke_ctx *ctx, uint8_t *pt, const uint8_t *ct, size_t ct_len,
                      const uint8_t *aad, size_t aad_len) {
  uint8_t nonce[RP__HPKE_NN];
  size_t pt_len = ct_len >= RP__HPKE_NT ? ct_len - RP__HPKE_NT : 0;
  int r = RP_EINTERNAL;

  if ((pt == NULL && pt_len > 0) || ct == NULL || (aad == NULL && aad_len > 0))
    return RP_EINVAL;
  if (pt_len > 0) memset(pt, 0, pt_len);
  /* Anything shorter than a tag can't be authentic; say so rather than "invalid". */
  if (ct_len < RP__HPKE_NT) return RP_EAUTH;
  if ((r = ctx_ready(ctx, RP__HPKE_ROLE_RECIPIENT)) != 0 ||
      (r = rp__hpke_ctx_nonce(ctx, nonce)) != 0)
    return r;
  /* libsodium checks the tag before it decrypts and zeroes pt when the tag is wrong. */
  if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ct_len, aad, aad_len,
                                                nonce, ctx->key) != 0)
    return RP_EAUTH;
  ctx->seq++;
  return 0;
}

int rp__hpke_ctx_export(const rp__hpke_ctx *ctx, uint8_t *out, size_t out_len,
                        const uint8_t *exporter_context, size_t exporter_context_len) {
  if (out == NULL && out_len > 0) return RP_EINVAL;
  if (out_len > 0) memset(out, 0, out_len);
  if (ctx == NULL) return RP_EINVAL;
  if (ctx->role == 0) return RP_ESTATE;
  return rp__hpke_labeled_expand(out, out_len, RP__HPKE_SCOPE_SUITE, ctx->exporter_secret,
                                 "sec", exporter_context, exporter_context_len);
}

/* ---- single-shot ---- */

int rp__hpke_seal_derand(uint8_t enc[RP__HPKE_NENC], uint8_t *ct, const uint8_t *pt,
                         size_t pt_len, const uint8_t *aad, size_t aad_len,
                         const rp__hpke_params *params, const uint8_t pkR[RP__HPKE_NPK],
                         const uint8_t *skS, const uint8_t skE[RP__HPKE_NSK]) {
  rp__hpke_ctx ctx;
  int r = RP_EINTERNAL;

  if (enc == NULL) return RP_EINVAL;
  memset(enc, 0, RP__HPKE_NENC);
  memset(&ctx, 0, sizeof ctx);
  if ((r = rp__hpke_setup_sender_derand(&ctx, enc, params, pkR, skS, skE)) != 0 ||
      (r = rp__hpke_ctx_seal(&ctx, ct, pt, pt_len, aad, aad_len)) != 0)
    goto out;
  r = 0;
out:
  rp__hpke_ctx_wipe(&ctx);
  if (r != 0) memset(enc, 0, RP__HPKE_NENC);
  return r;
}

int rp__hpke_seal(uint8_t enc[RP__HPKE_NENC], uint8_t *ct, const uint8_t *pt, size_t pt_len,
                  const uint8_t *aad, size_t aad_len, const rp__hpke_params *params,
                  const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS) {
  uint8_t skE[RP__HPKE_NSK];
  randombytes_buf(skE, sizeof skE);
  int r = rp__hpke_seal_derand(enc, ct, pt, pt_len, aad, aad_len, params, pkR, skS, skE);
  sodium_memzero(skE, sizeof skE);
  return r;
}

int rp__hpke_open(uint8_t *pt, const uint8_t enc[RP__HPKE_NENC], const uint8_t *ct,
                  size_t ct_len, const uint8_t *aad, size_t aad_len,
                  const rp__hpke_params *params, const uint8_t skR[RP__HPKE_NSK],
                  const uint8_t *pkS) {
  rp__hpke_ctx ctx;
  size_t pt_len = ct_len >= RP__HPKE_NT ? ct_len - RP__HPKE_NT : 0;
  int r = RP_EINTERNAL;

  if (pt == NULL && pt_len > 0) return RP_EINVAL;
  if (pt_len > 0) memset(pt, 0, pt_len);
  memset(&ctx, 0, sizeof ctx);
  if ((r = rp__hpke_setup_recipient(&ctx, params, enc, skR, pkS)) != 0 ||
      (r = rp__hpke_ctx_open(&ctx, pt, ct, ct_len, aad, aad_len)) != 0)
    goto out;
  r = 0;
out:
  rp__hpke_ctx_wipe(&ctx);
  if (r != 0 && pt_len > 0) sodium_memzero(pt, pt_len);
  return r;
}
