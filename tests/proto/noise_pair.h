/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the Noise tests (noise_test.c, noise_hostile_test.c): a pair of
 * handshakes set up with what a pattern needs, driven message by message. Header-only
 * with static inline functions, so each test program takes just what it uses.
 */
#ifndef RP_TEST_NOISE_PAIR_H
#define RP_TEST_NOISE_PAIR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "noise.h"
#include "rejsepost_errors.h"

/* Message buffers of the largest Noise message, shared by the helpers and the tests. */
static uint8_t buf_a[RP__NOISE_MSG_MAX];
static uint8_t buf_b[RP__NOISE_MSG_MAX];

static inline int is_complete(const rp__noise_handshake *hs) {
  rp__noise_hs_status st = rp__noise_handshake_status(hs);
  return st == RP__NOISE_HS_SPLIT || st == RP__NOISE_HS_DONE;
}

/* ---- handshake pairs with what each pattern needs ------------------------------- */

typedef struct {
  rp__noise_handshake *ini, *res;
  rp__noise_cipher i_send, i_recv, r_send, r_recv;
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32];
  int one_way;
} pair;

/* Fixed keys make a run repeatable, so a tampered run differs only by the tampering. */
static inline void fixed_key(uint8_t sk[32], uint8_t pk[32], uint8_t seed) {
  for (size_t i = 0; i < 32; i++)
    sk[i] = (uint8_t)(seed + 7 * i);
  assert_int_equal(crypto_scalarmult_base(pk, sk), 0);
}

static inline void random_key(uint8_t sk[32], uint8_t pk[32]) {
  randombytes_buf(sk, 32);
  assert_int_equal(crypto_scalarmult_base(pk, sk), 0);
}

/*
 * A started pair for `name`. The pattern letters say who has a static key and who knows
 * the other's in advance: one-way N/K/X name the initiator's key, and the responder's is
 * always known; interactive AB name the initiator's (A) and the responder's (B) key,
 * with K meaning known in advance. With `fixed`, keys and ephemerals are fixed.
 */
static inline void pair_new(pair *p, const char *name, const char *prologue, int fixed) {
  memset(p, 0, sizeof *p);
  char a = name[6], b = name[7] == '_' ? 0 : name[7];
  p->one_way = b == 0;
  int ini_static = a != 'N', res_static = p->one_way || b != 'N';
  int res_knows = a == 'K', ini_knows = p->one_way || b == 'K';

  if (fixed) {
    fixed_key(p->i_sk, p->i_pk, 1);
    fixed_key(p->r_sk, p->r_pk, 2);
  } else {
    random_key(p->i_sk, p->i_pk);
    random_key(p->r_sk, p->r_pk);
  }
  assert_int_equal(rp__noise_handshake_new(&p->ini, name, RP__NOISE_INITIATOR), 0);
  assert_int_equal(rp__noise_handshake_new(&p->res, name, RP__NOISE_RESPONDER), 0);
  assert_int_equal(rp__noise_handshake_status(p->ini), RP__NOISE_HS_SETUP);
  if (prologue != NULL) {
    size_t n = strlen(prologue);
    assert_int_equal(rp__noise_handshake_set_prologue(p->ini, (const uint8_t *)prologue, n),
                     0);
    assert_int_equal(rp__noise_handshake_set_prologue(p->res, (const uint8_t *)prologue, n),
                     0);
  }
  if (ini_static)
    assert_int_equal(rp__noise_handshake_set_local_static(p->ini, p->i_sk), 0);
  if (res_static)
    assert_int_equal(rp__noise_handshake_set_local_static(p->res, p->r_sk), 0);
  if (ini_knows)
    assert_int_equal(rp__noise_handshake_set_remote_static(p->ini, p->r_pk), 0);
  if (res_knows)
    assert_int_equal(rp__noise_handshake_set_remote_static(p->res, p->i_pk), 0);
  if (fixed) {
    uint8_t e[32], epk[32];
    fixed_key(e, epk, 3);
    assert_int_equal(rp__noise_handshake_set_local_ephemeral(p->ini, e), 0);
    fixed_key(e, epk, 4);
    assert_int_equal(rp__noise_handshake_set_local_ephemeral(p->res, e), 0);
  }
  assert_int_equal(rp__noise_handshake_start(p->ini), 0);
  assert_int_equal(rp__noise_handshake_start(p->res), 0);
}

static inline void pair_free(pair *p) {
  rp__noise_handshake_free(p->ini);
  rp__noise_handshake_free(p->res);
  rp__noise_cipher_wipe(&p->i_send);
  rp__noise_cipher_wipe(&p->i_recv);
  rp__noise_cipher_wipe(&p->r_send);
  rp__noise_cipher_wipe(&p->r_recv);
  p->ini = p->res = NULL;
}

/* Write message i from its sender into buf_a; returns its length. */
static inline size_t pair_write(pair *p, size_t i, const char *payload) {
  size_t n = 0;
  rp__noise_handshake *tx = i % 2 == 0 ? p->ini : p->res;
  assert_int_equal(rp__noise_handshake_write(tx, (const uint8_t *)payload, strlen(payload),
                                             buf_a, sizeof buf_a, &n),
                   0);
  return n;
}

/* Read message i (len bytes of buf_a) at its receiver; returns the result. */
static inline int pair_read(pair *p, size_t i, size_t len, const char *want) {
  size_t n = 0;
  rp__noise_handshake *rx = i % 2 == 0 ? p->res : p->ini;
  int r = rp__noise_handshake_read(rx, buf_a, len, buf_b, sizeof buf_b, &n);
  if (r == 0 && want != NULL) {
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf_b, want, n);
  }
  if (r != 0) assert_int_equal(n, 0);
  return r;
}

static inline void pair_complete(pair *p) {
  for (size_t i = 0; !is_complete(p->ini); i++) {
    size_t n = pair_write(p, i, "hello handshake");
    assert_int_equal(pair_read(p, i, n, "hello handshake"), 0);
  }
  assert_true(is_complete(p->res));
  assert_int_equal(rp__noise_handshake_split(p->ini, &p->i_send, &p->i_recv), 0);
  assert_int_equal(rp__noise_handshake_split(p->res, &p->r_send, &p->r_recv), 0);
}

/* One transport message each way (initiator to responder only when one-way). */
static inline void pair_transport(pair *p) {
  static const uint8_t msg[] = "transport";
  size_t n, m;
  assert_int_equal(rp__noise_cipher_encrypt(&p->i_send, NULL, 0, msg, sizeof msg, buf_a,
                                            sizeof buf_a, &n),
                   0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p->r_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_memory_equal(buf_b, msg, sizeof msg);
  if (p->one_way) return;
  assert_int_equal(rp__noise_cipher_encrypt(&p->r_send, NULL, 0, msg, sizeof msg, buf_a,
                                            sizeof buf_a, &n),
                   0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p->i_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_memory_equal(buf_b, msg, sizeof msg);
}

/* A handshake that has failed is unusable: every operation refuses. */
static inline void assert_dead(rp__noise_handshake *hs) {
  uint8_t out[64];
  size_t n = 1;
  rp__noise_cipher a, b;
  assert_int_equal(rp__noise_handshake_status(hs), RP__NOISE_HS_FAILED);
  assert_int_equal(rp__noise_handshake_read(hs, buf_a, 100, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_write(hs, NULL, 0, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(n, 0);
  assert_int_equal(rp__noise_handshake_remote_static(hs, out), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_hash(hs, out, &n), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_split(hs, &a, &b), RP_ESTATE);
  assert_false(rp__noise_cipher_has_key(&a) || rp__noise_cipher_has_key(&b));
}

#endif
