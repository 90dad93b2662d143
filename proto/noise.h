/* SPDX-License-Identifier: MIT */
/*
 * The Noise Protocol Framework (revision 34), built from libsodium primitives only.
 *
 * Supported: DH 25519, cipher ChaChaPoly, hashes SHA256 and BLAKE2b, and the fifteen
 * fundamental patterns (one-way N, K, X; interactive NN NK NX KN KK KX XN XK XX IN IK IX).
 * Pre-shared keys and pattern modifiers are not supported. rejsepost itself speaks
 * Noise_IK_25519_ChaChaPoly_SHA256 with the prologue "rejsepost/1" (rp__noise_ik_*).
 *
 * Layers, as in the specification:
 *  - rp__noise_cipher: CipherState (k, n). A small struct the caller embeds; it holds a
 *    key, so wipe it with rp__noise_cipher_wipe when done.
 *  - rp__noise_symmetric: SymmetricState (ck, h, CipherState). Used by the handshake.
 *  - rp__noise_handshake: HandshakeState. Opaque, in sodium_malloc memory because it holds
 *    private keys; rp__noise_handshake_free wipes and releases it.
 *
 * Every message, handshake or transport, is at most RP_FRAME_MAX (65535) bytes.
 * Functions return 0 or a negative RP_E code (rejsepost_errors.h). Output lengths are
 * cleared on entry and set on success only.
 */
#ifndef RP_NOISE_H
#define RP_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"

#define RP__NOISE_KEYBYTES 32u         /* a CipherState key */
#define RP__NOISE_TAGBYTES 16u         /* the AEAD tag */
#define RP__NOISE_DHBYTES 32u          /* an X25519 public or private key, a DH output */
#define RP__NOISE_HASHBYTES_MAX 64u    /* HASHLEN of the largest hash (BLAKE2b) */
#define RP__NOISE_MSG_MAX RP_FRAME_MAX /* any Noise message, tag included */
#define RP__NOISE_NAME_MAX 255u        /* longest protocol name the specification allows */
#define RP__NOISE_PATTERN_MSGS_MAX 3u
#define RP__NOISE_PATTERN_TOKENS_MAX 6u /* per message, including the terminating 0 */

/* rejsepost's transport protocol and prologue (docs/PROTOCOL.md). */
#define RP__NOISE_RP_PROTOCOL "Noise_IK_25519_ChaChaPoly_SHA256"
#define RP__NOISE_RP_PROLOGUE "rejsepost/1"

/* ------------------------------------------------------------------------------------ */
/* Hash functions (noise_hash.c)                                                         */

typedef enum { RP__NOISE_SHA256 = 1, RP__NOISE_BLAKE2B = 2 } rp__noise_hash;

/* HASHLEN of `hash`: 32 or 64; 0 for a value that is not a hash. */
size_t rp__noise_hash_len(rp__noise_hash hash);

/*
 * out = HASH(a || b). Either part may be empty (pointer NULL allowed then). `out` has
 * room for rp__noise_hash_len(hash) bytes and may alias neither input.
 * Returns 0, RP_EINVAL (unknown hash or NULL with a length) or RP_ECRYPTO.
 */
int rp__noise_hash_digest(rp__noise_hash hash, uint8_t out[RP__NOISE_HASHBYTES_MAX],
                          const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/*
 * out = HMAC-HASH(key, a || b), RFC 2104 with the hash's block length (64 for SHA256,
 * 128 for BLAKE2b). Same buffer rules and returns as rp__noise_hash_digest.
 */
int rp__noise_hmac(rp__noise_hash hash, uint8_t out[RP__NOISE_HASHBYTES_MAX],
                   const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                   const uint8_t *b, size_t b_len);

/*
 * Noise's HKDF(chaining_key, input_key_material, num_outputs): writes HASHLEN bytes to
 * out1 and out2, and to out3 when it is not NULL. ck is HASHLEN bytes. The outputs must
 * not alias ck or ikm (copy first). On failure the outputs are zeroed.
 */
int rp__noise_hkdf(rp__noise_hash hash, const uint8_t *ck, const uint8_t *ikm,
                   size_t ikm_len, uint8_t out1[RP__NOISE_HASHBYTES_MAX],
                   uint8_t out2[RP__NOISE_HASHBYTES_MAX], uint8_t *out3);

/* ------------------------------------------------------------------------------------ */
/* CipherState (noise_cipher.c)                                                          */

typedef struct rp__noise_cipher {
  uint8_t k[RP__NOISE_KEYBYTES];
  uint64_t n;
  uint8_t has_key;
} rp__noise_cipher;

/* InitializeKey(k): take a copy of `k` and reset the nonce to 0. */
void rp__noise_cipher_init(rp__noise_cipher *c, const uint8_t k[RP__NOISE_KEYBYTES]);

/* HasKey(): 1 if the cipher has a key, else 0. */
int rp__noise_cipher_has_key(const rp__noise_cipher *c);

/*
 * SetNonce(n). Meant for tests (exhausting the nonce space) and resumption schemes;
 * normal use never calls it.
 */
void rp__noise_cipher_set_nonce(rp__noise_cipher *c, uint64_t n);

/* The next nonce the cipher will use. */
uint64_t rp__noise_cipher_nonce(const rp__noise_cipher *c);

/*
 * EncryptWithAd(ad, plaintext): writes pt_len + RP__NOISE_TAGBYTES bytes to `out`
 * (capacity out_cap) and increments the nonce. `out` may equal `pt` exactly (in place);
 * no other overlap. Unlike the specification, a cipher without a key refuses with
 * RP_ESTATE rather than returning the plaintext, so that a forgotten key can never put
 * plaintext on the wire; the symmetric state handles the keyless case itself.
 * Returns 0, RP_EINVAL, RP_ESTATE, RP_ENONCE (n is 2^64-1, reserved), RP_ETOOBIG (the
 * message would exceed RP__NOISE_MSG_MAX, or out_cap is too small) or RP_ECRYPTO.
 */
int rp__noise_cipher_encrypt(rp__noise_cipher *c, const uint8_t *ad, size_t ad_len,
                             const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_cap,
                             size_t *out_len);

/*
 * DecryptWithAd(ad, ciphertext): writes ct_len - RP__NOISE_TAGBYTES bytes to `out`
 * and increments the nonce on success. `out` may equal `ct` exactly. On failure the
 * nonce is unchanged and `out` holds no plaintext.
 * Returns 0, RP_EINVAL, RP_ESTATE (no key), RP_ENONCE, RP_ETRUNC (shorter than a tag),
 * RP_ETOOBIG (ct_len above RP__NOISE_MSG_MAX or out_cap too small) or RP_EAUTH.
 */
int rp__noise_cipher_decrypt(rp__noise_cipher *c, const uint8_t *ad, size_t ad_len,
                             const uint8_t *ct, size_t ct_len, uint8_t *out, size_t out_cap,
                             size_t *out_len);

/*
 * Rekey(): k = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes). The nonce
 * is unchanged. Returns 0, RP_ESTATE (no key) or RP_ECRYPTO.
 */
int rp__noise_cipher_rekey(rp__noise_cipher *c);

/* Wipe key and nonce; the cipher has no key afterwards. Accepts NULL. */
void rp__noise_cipher_wipe(rp__noise_cipher *c);

/* ------------------------------------------------------------------------------------ */
/* SymmetricState (noise_symmetric.c)                                                    */

typedef struct rp__noise_symmetric {
  rp__noise_cipher cs;
  uint8_t ck[RP__NOISE_HASHBYTES_MAX];
  uint8_t h[RP__NOISE_HASHBYTES_MAX];
  rp__noise_hash hash;
  size_t hash_len;
} rp__noise_symmetric;

/*
 * InitializeSymmetric(protocol_name): h = the name padded with zeros if it fits in
 * HASHLEN, else HASH(name); ck = h; no key. name_len is at most RP__NOISE_NAME_MAX.
 * Returns 0 or RP_EINVAL.
 */
int rp__noise_symmetric_init(rp__noise_symmetric *ss, rp__noise_hash hash, const char *name,
                             size_t name_len);

/* MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k truncated to 32). */
int rp__noise_symmetric_mix_key(rp__noise_symmetric *ss, const uint8_t *ikm,
                                size_t ikm_len);

/* MixHash(data): h = HASH(h || data). */
int rp__noise_symmetric_mix_hash(rp__noise_symmetric *ss, const uint8_t *data, size_t len);

/* MixKeyAndHash(ikm): ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); key. */
int rp__noise_symmetric_mix_key_and_hash(rp__noise_symmetric *ss, const uint8_t *ikm,
                                         size_t ikm_len);

/* GetHandshakeHash(): copies h (HASHLEN bytes) to `out`; *out_len gets HASHLEN. */
int rp__noise_symmetric_handshake_hash(const rp__noise_symmetric *ss,
                                       uint8_t out[RP__NOISE_HASHBYTES_MAX],
                                       size_t *out_len);

/*
 * EncryptAndHash(plaintext): with a key, the AEAD ciphertext with h as associated data;
 * without one, the plaintext itself. Then MixHash(ciphertext). `out` may equal `pt`.
 * Returns as rp__noise_cipher_encrypt (RP_ESTATE excepted).
 */
int rp__noise_symmetric_encrypt_and_hash(rp__noise_symmetric *ss, const uint8_t *pt,
                                         size_t pt_len, uint8_t *out, size_t out_cap,
                                         size_t *out_len);

/*
 * DecryptAndHash(ciphertext): the inverse. `out` may equal `ct`. On failure h is
 * unchanged. Returns as rp__noise_cipher_decrypt (RP_ESTATE excepted).
 */
int rp__noise_symmetric_decrypt_and_hash(rp__noise_symmetric *ss, const uint8_t *ct,
                                         size_t ct_len, uint8_t *out, size_t out_cap,
                                         size_t *out_len);

/*
 * Split(): temp_k1, temp_k2 = HKDF(ck, empty, 2); c1 and c2 get the keys (truncated to
 * 32 bytes) with nonce 0. c1 is the initiator-to-responder direction. Both are wiped on
 * entry and hold keys only on success.
 */
int rp__noise_symmetric_split(const rp__noise_symmetric *ss, rp__noise_cipher *c1,
                              rp__noise_cipher *c2);

/* Wipe everything. Accepts NULL. */
void rp__noise_symmetric_wipe(rp__noise_symmetric *ss);

/* ------------------------------------------------------------------------------------ */
/* Patterns and protocol names (noise_pattern.c)                                         */

/* Tokens of a message pattern; 0 ends a message. */
enum {
  RP__NOISE_TOK_END = 0,
  RP__NOISE_TOK_E,
  RP__NOISE_TOK_S,
  RP__NOISE_TOK_EE,
  RP__NOISE_TOK_ES,
  RP__NOISE_TOK_SE,
  RP__NOISE_TOK_SS
};

/* Pre-message contents, as bits. */
#define RP__NOISE_PRE_E 1u
#define RP__NOISE_PRE_S 2u

typedef struct rp__noise_pattern {
  const char *name; /* "IK" */
  uint8_t pre_init; /* RP__NOISE_PRE_* bits the initiator's pre-message holds */
  uint8_t pre_resp; /* the same for the responder */
  uint8_t n_msgs;   /* handshake messages; 1 means a one-way pattern */
  uint8_t msgs[RP__NOISE_PATTERN_MSGS_MAX][RP__NOISE_PATTERN_TOKENS_MAX];
} rp__noise_pattern;

/*
 * Parse a full protocol name such as "Noise_IK_25519_ChaChaPoly_SHA256" (NUL-terminated,
 * at most RP__NOISE_NAME_MAX bytes). On success *pattern points into a static table and
 * *hash is set. Anything else (other DH or cipher, modifiers, psk) is RP_EINVAL.
 */
int rp__noise_protocol_parse(const char *name, const rp__noise_pattern **pattern,
                             rp__noise_hash *hash);

/* ------------------------------------------------------------------------------------ */
/* HandshakeState (noise_handshake.c)                                                    */

typedef struct rp__noise_handshake rp__noise_handshake;

typedef enum { RP__NOISE_RESPONDER = 0, RP__NOISE_INITIATOR = 1 } rp__noise_role;

/* What the handshake expects next (rp__noise_handshake_status). */
typedef enum {
  RP__NOISE_HS_SETUP = 1, /* keys and prologue may be set; call start */
  RP__NOISE_HS_WRITE,     /* our turn: write the next message */
  RP__NOISE_HS_READ,      /* the peer's turn: read the next message */
  RP__NOISE_HS_SPLIT,     /* complete: take the transport ciphers with split */
  RP__NOISE_HS_DONE,      /* complete and split taken; only the hashes remain */
  RP__NOISE_HS_FAILED     /* a message was rejected; the state is wiped and unusable */
} rp__noise_hs_status;

/*
 * Create a handshake for protocol `name` in role `role`, in status SETUP. *out is
 * cleared on entry and set on success; the caller owns the result and frees it with
 * rp__noise_handshake_free. Returns 0, RP_EINVAL (unknown name), RP_ENOMEM or
 * RP_ECRYPTO (libsodium failed to initialise).
 */
int rp__noise_handshake_new(rp__noise_handshake **out, const char *name,
                            rp__noise_role role);

/* Wipe every secret and release the memory. Accepts NULL. */
void rp__noise_handshake_free(rp__noise_handshake *hs);

/*
 * Wipe every secret now (keys, chaining key, ciphers) and put the handshake in status
 * FAILED; it must still be freed. For callers that abandon a handshake early.
 */
void rp__noise_handshake_wipe(rp__noise_handshake *hs);

/* Status SETUP only: the prologue (copied into the hash; may be empty). Once at most. */
int rp__noise_handshake_set_prologue(rp__noise_handshake *hs, const uint8_t *prologue,
                                     size_t len);

/* Status SETUP only: our static private key (copied; the public key is derived). */
int rp__noise_handshake_set_local_static(rp__noise_handshake *hs,
                                         const uint8_t sk[RP__NOISE_DHBYTES]);

/*
 * Status SETUP only: our ephemeral private key, used instead of a random one. Only for
 * test vectors and fuzzing: a reused ephemeral destroys forward secrecy.
 */
int rp__noise_handshake_set_local_ephemeral(rp__noise_handshake *hs,
                                            const uint8_t sk[RP__NOISE_DHBYTES]);

/* Status SETUP only: the peer's static public key, for patterns that know it in advance. */
int rp__noise_handshake_set_remote_static(rp__noise_handshake *hs,
                                          const uint8_t pk[RP__NOISE_DHBYTES]);

/*
 * Finish setup: mix in the prologue (empty if none was set) and the pre-messages. Fails
 * with RP_EINVAL when a key the pattern needs is missing, or when a remote static key
 * was set that the pattern transmits in a message; RP_ESTATE unless in status SETUP.
 */
int rp__noise_handshake_start(rp__noise_handshake *hs);

/* The current status (rp__noise_hs_status). */
rp__noise_hs_status rp__noise_handshake_status(const rp__noise_handshake *hs);

/*
 * The size of our next message when it carries a payload of payload_len bytes.
 * RP_ESTATE if it is not our turn, RP_ETOOBIG if it would exceed RP__NOISE_MSG_MAX.
 */
int rp__noise_handshake_write_size(const rp__noise_handshake *hs, size_t payload_len,
                                   size_t *msg_len);

/*
 * WriteMessage(payload): writes our next handshake message to `out` (capacity out_cap;
 * the payload must not overlap it). RP_ESTATE if it is not our turn, RP_ETOOBIG if
 * out_cap is too small or the message would exceed RP__NOISE_MSG_MAX; both leave the
 * state as it was. Any later failure (a DH result of zero) wipes the state (FAILED).
 * After the final message the status is SPLIT.
 */
int rp__noise_handshake_write(rp__noise_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t out_cap,
                              size_t *out_len);

/*
 * ReadMessage(message): processes the peer's next message, which may be any hostile
 * bytes, and writes its payload to `payload` (capacity payload_cap; must not overlap
 * `msg`). RP_ESTATE if it is not the peer's turn and RP_ETOOBIG if payload_cap is too
 * small: both leave the state as it was. A rejected message wipes the state (FAILED):
 * RP_ETRUNC (too short), RP_ETOOBIG (above RP__NOISE_MSG_MAX), RP_EAUTH (a tag failed:
 * altered, wrong key or wrong prologue), RP_ECRYPTO (a public key gave a DH result of
 * zero). The payload buffer holds no plaintext after a failure.
 */
int rp__noise_handshake_read(rp__noise_handshake *hs, const uint8_t *msg, size_t msg_len,
                             uint8_t *payload, size_t payload_cap, size_t *payload_len);

/*
 * The peer's static public key, as soon as it is known: set in advance, or read from a
 * message (the IK responder has it right after reading message 1, before writing
 * message 2, so it can refuse unknown keys). RP_ESTATE if not known (or FAILED).
 */
int rp__noise_handshake_remote_static(const rp__noise_handshake *hs,
                                      uint8_t pk[RP__NOISE_DHBYTES]);

/* Our static public key, if one was set; RP_ESTATE otherwise. */
int rp__noise_handshake_local_static(const rp__noise_handshake *hs,
                                     uint8_t pk[RP__NOISE_DHBYTES]);

/*
 * The handshake hash h (HASHLEN bytes; *out_len gets 32 or 64), for channel binding.
 * Only in status SPLIT or DONE; RP_ESTATE before.
 */
int rp__noise_handshake_hash(const rp__noise_handshake *hs,
                             uint8_t out[RP__NOISE_HASHBYTES_MAX], size_t *out_len);

/*
 * Take the transport ciphers (status SPLIT; afterwards DONE). `send` encrypts our
 * messages and `recv` decrypts the peer's. In a one-way pattern only the initiator
 * sends: the initiator's recv and the responder's send are left without a key and
 * refuse with RP_ESTATE. The ciphers are wiped on entry; the caller owns them and wipes
 * them with rp__noise_cipher_wipe.
 */
int rp__noise_handshake_split(rp__noise_handshake *hs, rp__noise_cipher *send,
                              rp__noise_cipher *recv);

/* ------------------------------------------------------------------------------------ */
/* rejsepost's transport: Noise_IK_25519_ChaChaPoly_SHA256, prologue "rejsepost/1"       */
/* (noise_ik.c)                                                                           */

/*
 * A started initiator (status WRITE) with our static private key and the relay's static
 * public key (from the roster). Same ownership and returns as rp__noise_handshake_new
 * and rp__noise_handshake_start.
 */
int rp__noise_ik_initiator_new(rp__noise_handshake **out,
                               const uint8_t local_sk[RP__NOISE_DHBYTES],
                               const uint8_t relay_pk[RP__NOISE_DHBYTES]);

/*
 * A started responder (status READ) with the relay's static private key. After reading
 * message 1, rp__noise_handshake_remote_static gives the initiator's key to look up.
 */
int rp__noise_ik_responder_new(rp__noise_handshake **out,
                               const uint8_t local_sk[RP__NOISE_DHBYTES]);

#endif /* RP_NOISE_H */
