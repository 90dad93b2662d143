/* SPDX-License-Identifier: MIT */
/*
 * A member's keys. Every member (municipality system, team inbox, relay, administrator)
 * holds three key pairs:
 *  - an Ed25519 identity key, which signs the other two and, for the administrator, the
 *    roster;
 *  - an X25519 transport key, the Noise static key;
 *  - an X25519 message key, the HPKE key that envelopes are sealed to and from.
 * The identity key binds the two X25519 public keys with a detached Ed25519 signature over
 *     "rejsepost/1 keys" (16 bytes, no NUL) || transport_pk (32) || message_pk (32)
 * so that a roster entry or a key export cannot pair someone's identity with keys that
 * identity never chose. The member id is not part of the binding: the roster signature
 * binds ids to keys.
 *
 * Secret keys live in sodium_malloc memory (guard pages, no swap where the system allows
 * it), read-only after setup, and are wiped by sodium_free.
 */
#ifndef RP_IDENTITY_H
#define RP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"

#define RP_IDENTITY_PUBLICKEYBYTES 32u /* Ed25519 public key */
#define RP_IDENTITY_SECRETKEYBYTES 64u /* Ed25519 secret key (seed || public key) */
#define RP_IDENTITY_SEEDBYTES 32u      /* Ed25519 seed */
#define RP_X25519_PUBLICKEYBYTES 32u
#define RP_X25519_SECRETKEYBYTES 32u
#define RP_SIGNATUREBYTES 64u /* Ed25519 detached signature */
#define RP_BINDING_CONTEXT "rejsepost/1 keys"
#define RP_BINDING_CONTEXTBYTES 16u

/* The public part of a member's keys: what a key export and a roster entry carry. */
typedef struct rp__identity_public {
  char id[RP_MEMBER_ID_MAX + 1]; /* NUL-terminated member id */
  uint8_t identity_pk[RP_IDENTITY_PUBLICKEYBYTES];
  uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES];
  uint8_t message_pk[RP_X25519_PUBLICKEYBYTES];
  uint8_t binding_sig[RP_SIGNATUREBYTES];
} rp__identity_public;

/* The secret part; always in sodium_malloc memory owned by an rp__identity. */
typedef struct rp__identity_secret {
  uint8_t identity_seed[RP_IDENTITY_SEEDBYTES];
  uint8_t identity_sk[RP_IDENTITY_SECRETKEYBYTES];
  uint8_t transport_sk[RP_X25519_SECRETKEYBYTES];
  uint8_t message_sk[RP_X25519_SECRETKEYBYTES];
} rp__identity_secret;

/* A member's full key set. Created by rp__identity_generate or rp__identity_from_secret
 * (key files use the latter), released with rp__identity_free. `sec` is read-only. */
typedef struct rp__identity {
  rp__identity_public pub;
  const rp__identity_secret *sec;
} rp__identity;

/* Checks a member id: 1..RP_MEMBER_ID_MAX bytes of UTF-8 with no control characters
 * (C0, DEL, C1) and no space, so that ids print safely in logs and on terminals.
 * Returns 0, RP_EINVAL (empty, space or control character), RP_ETOOBIG (too long) or
 * RP_EUTF8 (not UTF-8, or a NUL byte). */
int rp__identity_id_check(const char *id, size_t n);

/* Generates fresh key pairs for member `id` (a NUL-terminated id, see
 * rp__identity_id_check) and signs the binding. On success *out is a new identity the
 * caller frees with rp__identity_free; on failure *out is NULL. */
int rp__identity_generate(const char *id, rp__identity **out);

/* Rebuilds an identity from its secret parts (as stored in a key file): derives every
 * public key and signs the binding again (Ed25519 signatures are deterministic, so the
 * signature equals the one made at generation). The inputs stay the caller's; wipe them.
 * On success *out is a new identity the caller frees; on failure *out is NULL. */
int rp__identity_from_secret(const char *id,
                             const uint8_t identity_seed[RP_IDENTITY_SEEDBYTES],
                             const uint8_t transport_sk[RP_X25519_SECRETKEYBYTES],
                             const uint8_t message_sk[RP_X25519_SECRETKEYBYTES],
                             rp__identity **out);

/* Wipes and frees an identity. NULL is fine. */
void rp__identity_free(rp__identity *ident);

/* Signs the binding of transport_pk and message_pk with an Ed25519 secret key into sig.
 * Returns 0 or RP_ECRYPTO; sig is cleared on entry. */
int rp__identity_binding_sign(const uint8_t identity_sk[RP_IDENTITY_SECRETKEYBYTES],
                              const uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES],
                              const uint8_t message_pk[RP_X25519_PUBLICKEYBYTES],
                              uint8_t sig[RP_SIGNATUREBYTES]);

/* Verifies a binding signature. Returns 0 if `sig` is identity_pk's signature over the
 * binding of transport_pk and message_pk, RP_ESIG otherwise (also for a small-order or
 * non-canonical identity key, which libsodium refuses). */
int rp__identity_binding_verify(const uint8_t identity_pk[RP_IDENTITY_PUBLICKEYBYTES],
                                const uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES],
                                const uint8_t message_pk[RP_X25519_PUBLICKEYBYTES],
                                const uint8_t sig[RP_SIGNATUREBYTES]);

/* Checks a public part: its id (rp__identity_id_check) and its binding signature
 * (RP_ESIG), and that the transport and message keys differ (RP_EINVAL): one X25519 key
 * in two roles would let a transport peer and an envelope sender be confused. */
int rp__identity_public_check(const rp__identity_public *pub);

#endif /* RP_IDENTITY_H */
