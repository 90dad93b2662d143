/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the Noise IK handshake reader (proto/noise_handshake.c).
 *
 * Each input is read twice: as message 1 by a relay (IK responder) with a fixed static
 * key, and as message 2 by a client (IK initiator) with fixed keys and a fixed ephemeral
 * that has just written its message 1. Message 1 from random bytes never authenticates,
 * so message 2 is tried on every input rather than only after message 1 parsed;
 * the seeds in corpus/noise_handshake are valid messages 1 and 2 for these keys, so the
 * fuzzer starts from inputs that get through every step.
 *
 * Whatever the bytes, reading must either succeed and leave a usable handshake, or fail
 * and leave a dead one; anything else is a bug and aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

/* The fixed keys are derived from these seeds; the corpus was made with the same keys. */
#define SEED_RELAY_STATIC 0x11u
#define SEED_CLIENT_STATIC 0x22u
#define SEED_CLIENT_EPHEMERAL 0x33u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t payload[RP__NOISE_MSG_MAX];
static uint8_t out[RP__NOISE_MSG_MAX];

static void fixed_key(uint8_t sk[RP__NOISE_DHBYTES], uint8_t seed) {
  for (size_t i = 0; i < RP__NOISE_DHBYTES; i++)
    sk[i] = (uint8_t)(seed + 13u * i);
}

static void check(int ok) {
  if (!ok) abort();
}

/* After a read: success means a live handshake, failure a dead one. */
static void check_outcome(rp__noise_handshake *hs, int r, size_t n, size_t size) {
  if (r == 0) {
    check(n <= size);
    check(rp__noise_handshake_status(hs) != RP__NOISE_HS_FAILED);
  } else {
    check(n == 0);
    check(r == RP_ETRUNC || r == RP_ETOOBIG || r == RP_EAUTH || r == RP_ECRYPTO);
    check(rp__noise_handshake_status(hs) == RP__NOISE_HS_FAILED);
  }
}

static void as_message_1(const uint8_t *data, size_t size) {
  rp__noise_handshake *relay = NULL;
  rp__noise_cipher send, recv;
  uint8_t sk[RP__NOISE_DHBYTES], pk[RP__NOISE_DHBYTES];
  size_t n = 1;
  int r;

  fixed_key(sk, SEED_RELAY_STATIC);
  check(rp__noise_ik_responder_new(&relay, sk) == 0);
  r = rp__noise_handshake_read(relay, data, size, payload, sizeof payload, &n);
  check_outcome(relay, r, n, size);
  if (r == 0) {
    /* The relay would now look the client up, answer, and switch to transport. */
    check(rp__noise_handshake_remote_static(relay, pk) == 0);
    check(rp__noise_handshake_write(relay, payload, n > 100 ? 100 : n, out, sizeof out,
                                    &n) == 0);
    check(rp__noise_handshake_split(relay, &send, &recv) == 0);
    check(rp__noise_cipher_encrypt(&send, NULL, 0, data, size > 64 ? 64 : size, out,
                                   sizeof out, &n) == 0);
    rp__noise_cipher_wipe(&send);
    rp__noise_cipher_wipe(&recv);
  }
  rp__noise_handshake_free(relay);
}

static void as_message_2(const uint8_t *data, size_t size) {
  rp__noise_handshake *client = NULL;
  rp__noise_cipher send, recv;
  uint8_t sk[RP__NOISE_DHBYTES], relay_pk[RP__NOISE_DHBYTES];
  size_t n = 1;
  int r;

  check(rp__noise_handshake_new(&client, RP__NOISE_RP_PROTOCOL, RP__NOISE_INITIATOR) == 0);
  check(rp__noise_handshake_set_prologue(client, (const uint8_t *)RP__NOISE_RP_PROLOGUE,
                                         strlen(RP__NOISE_RP_PROLOGUE)) == 0);
  fixed_key(sk, SEED_CLIENT_STATIC);
  check(rp__noise_handshake_set_local_static(client, sk) == 0);
  fixed_key(sk, SEED_CLIENT_EPHEMERAL);
  check(rp__noise_handshake_set_local_ephemeral(client, sk) == 0);
  /* The relay's public key, as a client finds it in the roster. */
  fixed_key(sk, SEED_RELAY_STATIC);
  check(crypto_scalarmult_base(relay_pk, sk) == 0);
  check(rp__noise_handshake_set_remote_static(client, relay_pk) == 0);
  check(rp__noise_handshake_start(client) == 0);
  check(rp__noise_handshake_write(client, NULL, 0, out, sizeof out, &n) == 0);

  r = rp__noise_handshake_read(client, data, size, payload, sizeof payload, &n);
  check_outcome(client, r, n, size);
  if (r == 0) {
    check(rp__noise_handshake_split(client, &send, &recv) == 0);
    check(rp__noise_cipher_encrypt(&send, NULL, 0, payload, n > 64 ? 64 : n, out,
                                   sizeof out, &n) == 0);
    rp__noise_cipher_wipe(&send);
    rp__noise_cipher_wipe(&recv);
  }
  rp__noise_handshake_free(client);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  as_message_1(data, size);
  as_message_2(data, size);
  return 0;
}
