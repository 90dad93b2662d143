/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for opening end-to-end envelopes (proto/envelope.h), the decoder a
 * member runs on every DELIVER. Two halves per input:
 *   1. the input as an envelope addressed to the fixed recipient: it must be refused
 *      (nobody but the fixed sender can make one that opens) and leave nothing behind;
 *   2. the input as a plaintext, sealed by the fixed sender, then one byte of the
 *      envelope flipped at a position taken from the input: the untouched envelope
 *      must open to the same plaintext, the flipped one must not open.
 * Keys are derived from fixed seeds so that runs are reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1790000000000ull

static rp__identity *sender, *recipient;
static rp__roster *roster;

static rp__identity *fixed_identity(const char *id, uint8_t tag) {
  uint8_t seed[32], t[32], m[32];
  memset(seed, tag, sizeof seed);
  memset(t, tag ^ 0x55, sizeof t);
  memset(m, tag ^ 0xaa, sizeof m);
  rp__identity *ident = NULL;
  if (rp__identity_from_secret(id, seed, t, m, &ident) != 0) abort();
  return ident;
}

static void add(const rp__identity *ident, int kind) {
  rp__member mb;
  memset(&mb, 0, sizeof mb);
  mb.pub = ident->pub;
  mb.kind = kind;
  if (kind == RP_MEMBER_MUNICIPALITY) {
    memcpy(mb.municipality, "101", 4);
    mb.networks = RP_NETWORK_EAST;
  }
  if (rp__roster_add(roster, &mb) != 0) abort();
}

static void init(void) {
  if (roster != NULL) return;
  if (sodium_init() < 0) abort();
  sender = fixed_identity("kommune-101", 1);
  recipient = fixed_identity("rejseholdet", 2);
  if (rp__roster_create(1, NOW, &roster) != 0) abort();
  add(sender, RP_MEMBER_MUNICIPALITY);
  add(recipient, RP_MEMBER_TEAM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  init();
  rp__opened o;
  if (rp__envelope_open(recipient, roster, data, size, NOW + 1, &o) == 0) abort();
  if (o.pt != NULL) abort();

  if (size > 4096) return 0; /* keeps the seal half fast; size classes are tested */
  rp__seal_args a = {.created = NOW, .expires = NOW + 3600000, .urgency = RP__URG_AKUT};
  rp__envelope_new_id(a.msg_id);
  uint8_t *env = NULL;
  size_t len = 0;
  if (rp__envelope_seal(sender, rp__roster_find_id(roster, "rejseholdet"), &a, data, size,
                        &env, &len) != 0)
    abort();
  if (rp__envelope_open(recipient, roster, env, len, NOW + 1, &o) != 0) abort();
  if (o.pt_len != size || (size != 0 && memcmp(o.pt, data, size) != 0)) abort();
  rp__opened_free(&o);
  size_t at = 0;
  for (size_t i = 0; i < size && i < 4; i++)
    at = at << 8 | data[i];
  env[at % len] ^= (uint8_t)(1u << (size % 8));
  if (rp__envelope_open(recipient, roster, env, len, NOW + 1, &o) == 0) abort();
  free(env);
  return 0;
}
