/* SPDX-License-Identifier: MIT */
/*
 * rejsepost's transport handshake: Noise_IK_25519_ChaChaPoly_SHA256 with the prologue
 * "rejsepost/1". The client is the initiator and knows the relay's static key from the
 * roster; the relay is the responder and learns the client's static key from message 1.
 */
#include "noise.h"
#include "rejsepost_errors.h"

static int ik_new(rp__noise_handshake **out, rp__noise_role role,
                  const uint8_t local_sk[RP__NOISE_DHBYTES],
                  const uint8_t relay_pk[RP__NOISE_DHBYTES]) {
  static const char prologue[] = RP__NOISE_RP_PROLOGUE;
  rp__noise_handshake *hs = NULL;
  int r = RP_EINVAL;

  if (out != NULL) *out = NULL;
  if (out == NULL || local_sk == NULL) goto out;
  if ((r = rp__noise_handshake_new(&hs, RP__NOISE_RP_PROTOCOL, role)) != 0) goto out;
  /* The prologue is the string's bytes without its terminating NUL. */
  if ((r = rp__noise_handshake_set_prologue(hs, (const uint8_t *)prologue,
                                            sizeof prologue - 1)) != 0)
    goto out;
  if ((r = rp__noise_handshake_set_local_static(hs, local_sk)) != 0) goto out;
  if (relay_pk != NULL && (r = rp__noise_handshake_set_remote_static(hs, relay_pk)) != 0)
    goto out;
  if ((r = rp__noise_handshake_start(hs)) != 0) goto out;
  *out = hs;
  hs = NULL;
  r = 0;
out:
  rp__noise_handshake_free(hs);
  return r;
}

int rp__noise_ik_initiator_new(rp__noise_handshake **out,
                               const uint8_t local_sk[RP__NOISE_DHBYTES],
                               const uint8_t relay_pk[RP__NOISE_DHBYTES]) {
  if (out != NULL) *out = NULL;
  if (relay_pk == NULL) return RP_EINVAL;
  return ik_new(out, RP__NOISE_INITIATOR, local_sk, relay_pk);
}

int rp__noise_ik_responder_new(rp__noise_handshake **out,
                               const uint8_t local_sk[RP__NOISE_DHBYTES]) {
  return ik_new(out, RP__NOISE_RESPONDER, local_sk, NULL);
}
