/* SPDX-License-Identifier: MIT */
/* A member's three key pairs and the signature that binds them (see identity.h). */
#include "identity.h"

#include <string.h>

#include <sodium.h>

#include "mp.h"
#include "rejsepost_errors.h"

int rp__identity_id_check(const char *id, size_t n) {
  if (id == NULL || n == 0) return RP_EINVAL;
  if (n > RP_MEMBER_ID_MAX) return RP_ETOOBIG;
  int r = rp__utf8_check(id, n);
  if (r != 0) return r;
  const uint8_t *p = (const uint8_t *)id;
  for (size_t i = 0; i < n; i++) {
    /* C0 controls, space and DEL are single bytes. C1 controls U+0080..U+009F are
     * encoded as 0xc2 0x80..0x9f; the UTF-8 check above guarantees p[i + 1] exists. */
    if (p[i] <= 0x20 || p[i] == 0x7f) return RP_EINVAL;
    if (p[i] == 0xc2 && p[i + 1] <= 0x9f) return RP_EINVAL;
  }
  return 0;
}

/* The signed message: context || transport_pk || message_pk. */
static void binding_message(const uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES],
                            const uint8_t message_pk[RP_X25519_PUBLICKEYBYTES],
                            uint8_t msg[RP_BINDING_CONTEXTBYTES + 64]) {
  memcpy(msg, RP_BINDING_CONTEXT, RP_BINDING_CONTEXTBYTES);
  memcpy(msg + RP_BINDING_CONTEXTBYTES, transport_pk, RP_X25519_PUBLICKEYBYTES);
  memcpy(msg + RP_BINDING_CONTEXTBYTES + 32, message_pk, RP_X25519_PUBLICKEYBYTES);
}

int rp__identity_binding_sign(const uint8_t identity_sk[RP_IDENTITY_SECRETKEYBYTES],
                              const uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES],
                              const uint8_t message_pk[RP_X25519_PUBLICKEYBYTES],
                              uint8_t sig[RP_SIGNATUREBYTES]) {
  uint8_t msg[RP_BINDING_CONTEXTBYTES + 64];
  memset(sig, 0, RP_SIGNATUREBYTES);
  binding_message(transport_pk, message_pk, msg);
  if (crypto_sign_detached(sig, NULL, msg, sizeof msg, identity_sk) != 0) {
    sodium_memzero(sig, RP_SIGNATUREBYTES);
    return RP_ECRYPTO;
  }
  return 0;
}

int rp__identity_binding_verify(const uint8_t identity_pk[RP_IDENTITY_PUBLICKEYBYTES],
                                const uint8_t transport_pk[RP_X25519_PUBLICKEYBYTES],
                                const uint8_t message_pk[RP_X25519_PUBLICKEYBYTES],
                                const uint8_t sig[RP_SIGNATUREBYTES]) {
  uint8_t msg[RP_BINDING_CONTEXTBYTES + 64];
  binding_message(transport_pk, message_pk, msg);
  if (crypto_sign_verify_detached(sig, msg, sizeof msg, identity_pk) != 0) return RP_ESIG;
  return 0;
}

int rp__identity_public_check(const rp__identity_public *pub) {
  if (pub == NULL) return RP_EINVAL;
  size_t n = strnlen(pub->id, sizeof pub->id);
  if (n == sizeof pub->id) return RP_ETOOBIG;
  int r = rp__identity_id_check(pub->id, n);
  if (r != 0) return r;
  if (memcmp(pub->transport_pk, pub->message_pk, RP_X25519_PUBLICKEYBYTES) == 0)
    return RP_EINVAL;
  return rp__identity_binding_verify(pub->identity_pk, pub->transport_pk, pub->message_pk,
                                     pub->binding_sig);
}

/* Fills in every public key and the binding from the secrets already in *sec. */
static int derive_public(rp__identity_secret *sec, rp__identity_public *pub) {
  if (crypto_sign_seed_keypair(pub->identity_pk, sec->identity_sk, sec->identity_seed) != 0)
    return RP_ECRYPTO;
  if (crypto_scalarmult_base(pub->transport_pk, sec->transport_sk) != 0) return RP_ECRYPTO;
  if (crypto_scalarmult_base(pub->message_pk, sec->message_sk) != 0) return RP_ECRYPTO;
  /* Two equal X25519 secrets would make one key serve both roles; a random generator
   * never produces them, so this only refuses a broken or hand-made key file. */
  if (memcmp(pub->transport_pk, pub->message_pk, RP_X25519_PUBLICKEYBYTES) == 0)
    return RP_EINVAL;
  return rp__identity_binding_sign(sec->identity_sk, pub->transport_pk, pub->message_pk,
                                   pub->binding_sig);
}

/* Allocates an identity for `id` with zeroed, writable secret memory. */
static int alloc_identity(const char *id, rp__identity **out, rp__identity_secret **sec) {
  int r = RP_EINTERNAL;
  rp__identity *ident = NULL;
  rp__identity_secret *s = NULL;

  *out = NULL;
  *sec = NULL;
  if (id == NULL) return RP_EINVAL;
  size_t n = strnlen(id, RP_MEMBER_ID_MAX + 1);
  if ((r = rp__identity_id_check(id, n)) != 0) goto out;
  /* sodium_malloc needs sodium_init (page size, canary); it is idempotent and safe to
   * call from several threads. */
  if (sodium_init() < 0) {
    r = RP_ECRYPTO;
    goto out;
  }
  ident = sodium_malloc(sizeof *ident);
  s = sodium_malloc(sizeof *s);
  if (ident == NULL || s == NULL) {
    r = RP_ENOMEM;
    goto out;
  }
  memset(ident, 0, sizeof *ident);
  memset(s, 0, sizeof *s);
  memcpy(ident->pub.id, id, n);
  ident->sec = s;
  *out = ident;
  *sec = s;
  ident = NULL;
  s = NULL;
  r = 0;
out:
  sodium_free(s);
  sodium_free(ident);
  return r;
}

/* Finishes an identity whose secrets are in place: derive, then make the secrets
 * read-only so that a stray write faults instead of corrupting a key. */
static int finish_identity(rp__identity **ident, rp__identity_secret *sec) {
  int r = derive_public(sec, &(*ident)->pub);
  if (r != 0) {
    rp__identity_free(*ident);
    *ident = NULL;
    return r;
  }
  sodium_mprotect_readonly(sec);
  return 0;
}

int rp__identity_generate(const char *id, rp__identity **out) {
  rp__identity_secret *sec = NULL;
  if (out == NULL) return RP_EINVAL;
  int r = alloc_identity(id, out, &sec);
  if (r != 0) return r;
  randombytes_buf(sec->identity_seed, sizeof sec->identity_seed);
  /* Generate until the two X25519 secrets differ, which the first draw all but
   * certainly does; derive_public refuses equal public keys. */
  do {
    randombytes_buf(sec->transport_sk, sizeof sec->transport_sk);
    randombytes_buf(sec->message_sk, sizeof sec->message_sk);
  } while (sodium_memcmp(sec->transport_sk, sec->message_sk, 32) == 0);
  return finish_identity(out, sec);
}

int rp__identity_from_secret(const char *id,
                             const uint8_t identity_seed[RP_IDENTITY_SEEDBYTES],
                             const uint8_t transport_sk[RP_X25519_SECRETKEYBYTES],
                             const uint8_t message_sk[RP_X25519_SECRETKEYBYTES],
                             rp__identity **out) {
  rp__identity_secret *sec = NULL;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (identity_seed == NULL || transport_sk == NULL || message_sk == NULL) return RP_EINVAL;
  int r = alloc_identity(id, out, &sec);
  if (r != 0) return r;
  memcpy(sec->identity_seed, identity_seed, RP_IDENTITY_SEEDBYTES);
  memcpy(sec->transport_sk, transport_sk, RP_X25519_SECRETKEYBYTES);
  memcpy(sec->message_sk, message_sk, RP_X25519_SECRETKEYBYTES);
  return finish_identity(out, sec);
}

void rp__identity_free(rp__identity *ident) {
  if (ident == NULL) return;
  /* sodium_free makes the region writable again, checks the canary and wipes it. */
  sodium_free((void *)ident->sec);
  sodium_free(ident);
}
