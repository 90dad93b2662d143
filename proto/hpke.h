/* SPDX-License-Identifier: MIT */
/*
 * HPKE (RFC 9180) for exactly one suite: DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256
 * 0x0001, ChaCha20Poly1305 0x0003, in all four modes (Base, PSK, Auth, AuthPSK). Built
 * from libsodium 1.0.18 primitives and hkdf.c. rejsepost's envelopes use Auth mode.
 *
 * Ownership, for every function here: the caller owns every buffer and key. Nothing is
 * allocated and nothing global is kept. Out-parameters are cleared on entry and hold a
 * result only when the function returns 0. Long-lived private keys are the caller's to
 * keep in sodium_malloc memory; a context holds derived keys and lives wherever the
 * caller puts it (the stack is fine), but must be wiped with rp__hpke_ctx_wipe.
 *
 * Errors: RP_EINVAL (bad arguments, or mode and keys/PSK that don't match), RP_ECRYPTO
 * (a Diffie-Hellman result is all zero: the peer's key is a low-order point), RP_EAUTH
 * (a ciphertext does not open), RP_ENONCE (the context's sequence number is used up),
 * RP_ESTATE (the context is not set up for this operation), RP_ETOOBIG (a length limit).
 *
 * sodium_init() must have been called before any of these functions.
 */
#ifndef RP_HPKE_H
#define RP_HPKE_H

#include <stddef.h>
#include <stdint.h>

/* The suite. */
#define RP__HPKE_KEM_ID 0x0020u
#define RP__HPKE_KDF_ID 0x0001u
#define RP__HPKE_AEAD_ID 0x0003u

/* Modes (RFC 9180 §5). */
#define RP__HPKE_MODE_BASE 0
#define RP__HPKE_MODE_PSK 1
#define RP__HPKE_MODE_AUTH 2
#define RP__HPKE_MODE_AUTH_PSK 3

/* Sizes, named as in RFC 9180 §7. A ciphertext is RP__HPKE_NT bytes longer than its
 * plaintext. RFC 9180 §5.1.2 asks for a PSK of at least 32 bytes of entropy. */
#define RP__HPKE_NPK 32u     /* serialized public key */
#define RP__HPKE_NSK 32u     /* serialized private key */
#define RP__HPKE_NENC 32u    /* encapsulated key, sent with the ciphertext */
#define RP__HPKE_NSECRET 32u /* KEM shared secret */
#define RP__HPKE_NK 32u      /* AEAD key */
#define RP__HPKE_NN 12u      /* AEAD nonce */
#define RP__HPKE_NT 16u      /* AEAD tag */
#define RP__HPKE_NH 32u      /* KDF output */
#define RP__HPKE_PSK_MIN 32u /* shortest PSK accepted */
#define RP__HPKE_IKM_MIN 32u /* shortest input to rp__hpke_derive_keypair */
#define RP__HPKE_EXPORT_MAX (255u * RP__HPKE_NH) /* longest exported secret */

/* Which suite_id a labelled KDF call uses: the KEM's ("KEM" 0x0020) or the whole suite's
 * ("HPKE" 0x0020 0x0001 0x0003). */
typedef enum { RP__HPKE_SCOPE_KEM = 1, RP__HPKE_SCOPE_SUITE = 2 } rp__hpke_scope;

/* The key schedule inputs both parties must agree on. info, psk and psk_id may be NULL
 * when their length is 0. psk and psk_id are given in the PSK modes only, and then both. */
typedef struct rp__hpke_params {
  int mode; /* RP__HPKE_MODE_... */
  const uint8_t *info;
  size_t info_len;
  const uint8_t *psk;
  size_t psk_len;
  const uint8_t *psk_id;
  size_t psk_id_len;
} rp__hpke_params;

#define RP__HPKE_ROLE_SENDER 1
#define RP__HPKE_ROLE_RECIPIENT 2

/* An encryption context (RFC 9180 §5.2). The fields are visible so that tests can read
 * the derived values; callers use the functions. role is 0 when not set up or wiped. */
typedef struct rp__hpke_ctx {
  uint8_t key[RP__HPKE_NK];
  uint8_t base_nonce[RP__HPKE_NN];
  uint8_t exporter_secret[RP__HPKE_NH];
  uint64_t seq; /* next sequence number; UINT64_MAX means used up */
  int role;     /* RP__HPKE_ROLE_... */
} rp__hpke_ctx;

/* ---- labelled KDF (RFC 9180 §4) ---- */

/* LabeledExtract(salt, label, ikm) with the suite_id of `scope`; label is a C string.
 * Writes the RP__HPKE_NH-byte pseudorandom key to prk. */
int rp__hpke_labeled_extract(uint8_t prk[RP__HPKE_NH], rp__hpke_scope scope,
                             const uint8_t *salt, size_t salt_len, const char *label,
                             const uint8_t *ikm, size_t ikm_len);

/* LabeledExpand(prk, label, info, L) with L = out_len, at most RP__HPKE_EXPORT_MAX
 * (RP_ETOOBIG beyond). out must not overlap prk. */
int rp__hpke_labeled_expand(uint8_t *out, size_t out_len, rp__hpke_scope scope,
                            const uint8_t prk[RP__HPKE_NH], const char *label,
                            const uint8_t *info, size_t info_len);

/* ---- key pairs (RFC 9180 §7.1.3) ---- */

/* A fresh random X25519 key pair. sk is secret: the caller keeps it safe and wipes it. */
int rp__hpke_keypair(uint8_t pk[RP__HPKE_NPK], uint8_t sk[RP__HPKE_NSK]);

/* DeriveKeyPair: the key pair determined by ikm (at least RP__HPKE_IKM_MIN bytes). */
int rp__hpke_derive_keypair(uint8_t pk[RP__HPKE_NPK], uint8_t sk[RP__HPKE_NSK],
                            const uint8_t *ikm, size_t ikm_len);

/* ---- DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1) ---- */

/* Encap to pkR: a shared secret and the encapsulated key enc to send with the message.
 * The _derand forms take the ephemeral private key skE instead of drawing one; they exist
 * for known-answer tests, and skE must never be used twice. */
int rp__hpke_encap(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                   const uint8_t pkR[RP__HPKE_NPK]);
int rp__hpke_encap_derand(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                          const uint8_t pkR[RP__HPKE_NPK], const uint8_t skE[RP__HPKE_NSK]);

/* Decap: the shared secret for enc, with the recipient's private key skR. */
int rp__hpke_decap(uint8_t ss[RP__HPKE_NSECRET], const uint8_t enc[RP__HPKE_NENC],
                   const uint8_t skR[RP__HPKE_NSK]);

/* AuthEncap: like Encap, and the sender's private key skS authenticates the sender. */
int rp__hpke_auth_encap(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                        const uint8_t pkR[RP__HPKE_NPK], const uint8_t skS[RP__HPKE_NSK]);
int rp__hpke_auth_encap_derand(uint8_t ss[RP__HPKE_NSECRET], uint8_t enc[RP__HPKE_NENC],
                               const uint8_t pkR[RP__HPKE_NPK],
                               const uint8_t skS[RP__HPKE_NSK],
                               const uint8_t skE[RP__HPKE_NSK]);

/* AuthDecap: like Decap, for a message that claims to come from the holder of pkS. A
 * different sender yields a different secret, so the message then fails to open. */
int rp__hpke_auth_decap(uint8_t ss[RP__HPKE_NSECRET], const uint8_t enc[RP__HPKE_NENC],
                        const uint8_t skR[RP__HPKE_NSK], const uint8_t pkS[RP__HPKE_NPK]);

/* ---- contexts (RFC 9180 §5) ---- */

/*
 * Sets up a sender context for pkR and writes enc. skS (RP__HPKE_NSK bytes) is the
 * sender's private key in the Auth modes and must be NULL in the others. The _derand form
 * takes the ephemeral private key skE (for known-answer tests only). ctx is the caller's;
 * on failure it is left wiped.
 */
int rp__hpke_setup_sender(rp__hpke_ctx *ctx, uint8_t enc[RP__HPKE_NENC],
                          const rp__hpke_params *params, const uint8_t pkR[RP__HPKE_NPK],
                          const uint8_t *skS);
int rp__hpke_setup_sender_derand(rp__hpke_ctx *ctx, uint8_t enc[RP__HPKE_NENC],
                                 const rp__hpke_params *params,
                                 const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS,
                                 const uint8_t skE[RP__HPKE_NSK]);

/* Sets up a recipient context from enc and skR. pkS (RP__HPKE_NPK bytes) is the claimed
 * sender's public key in the Auth modes and must be NULL in the others. */
int rp__hpke_setup_recipient(rp__hpke_ctx *ctx, const rp__hpke_params *params,
                             const uint8_t enc[RP__HPKE_NENC],
                             const uint8_t skR[RP__HPKE_NSK], const uint8_t *pkS);

/* Seal with the next sequence number of a sender context. ct receives pt_len +
 * RP__HPKE_NT bytes and must not overlap pt. RP_ENONCE once the sequence is used up. */
int rp__hpke_ctx_seal(rp__hpke_ctx *ctx, uint8_t *ct, const uint8_t *pt, size_t pt_len,
                      const uint8_t *aad, size_t aad_len);

/* Open with the next sequence number of a recipient context. pt receives ct_len -
 * RP__HPKE_NT bytes and must not overlap ct. On RP_EAUTH pt is zeroed and the sequence
 * number does not move, so a forged message does not desynchronise the context. */
int rp__hpke_ctx_open(rp__hpke_ctx *ctx, uint8_t *pt, const uint8_t *ct, size_t ct_len,
                      const uint8_t *aad, size_t aad_len);

/* Export: out_len (at most RP__HPKE_EXPORT_MAX) bytes of secret bound to exporter_context,
 * from a sender or recipient context. */
int rp__hpke_ctx_export(const rp__hpke_ctx *ctx, uint8_t *out, size_t out_len,
                        const uint8_t *exporter_context, size_t exporter_context_len);

/* The nonce the context's next seal or open will use (base_nonce XOR seq). */
int rp__hpke_ctx_nonce(const rp__hpke_ctx *ctx, uint8_t nonce[RP__HPKE_NN]);

/* Wipes the keys in a context and marks it unusable. Accepts NULL. */
void rp__hpke_ctx_wipe(rp__hpke_ctx *ctx);

/* ---- single-shot (RFC 9180 §6.1) ---- */

/* Setup, one seal, wipe. enc and ct (pt_len + RP__HPKE_NT bytes) go to the recipient.
 * skS as for rp__hpke_setup_sender; _derand takes skE, for known-answer tests only. */
int rp__hpke_seal(uint8_t enc[RP__HPKE_NENC], uint8_t *ct, const uint8_t *pt, size_t pt_len,
                  const uint8_t *aad, size_t aad_len, const rp__hpke_params *params,
                  const uint8_t pkR[RP__HPKE_NPK], const uint8_t *skS);
int rp__hpke_seal_derand(uint8_t enc[RP__HPKE_NENC], uint8_t *ct, const uint8_t *pt,
                         size_t pt_len, const uint8_t *aad, size_t aad_len,
                         const rp__hpke_params *params, const uint8_t pkR[RP__HPKE_NPK],
                         const uint8_t *skS, const uint8_t skE[RP__HPKE_NSK]);

/* Setup, one open, wipe. pt receives ct_len - RP__HPKE_NT bytes; pkS as for
 * rp__hpke_setup_recipient. RP_EAUTH when the message, aad, keys or params don't match. */
int rp__hpke_open(uint8_t *pt, const uint8_t enc[RP__HPKE_NENC], const uint8_t *ct,
                  size_t ct_len, const uint8_t *aad, size_t aad_len,
                  const rp__hpke_params *params, const uint8_t skR[RP__HPKE_NSK],
                  const uint8_t *pkS);

#endif /* RP_HPKE_H */
