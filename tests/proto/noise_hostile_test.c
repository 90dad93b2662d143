/* SPDX-License-Identifier: MIT */
/*
 * Noise against a hostile peer and a careless caller: every flipped bit and every
 * truncation of a handshake message, oversized messages and small-order keys, wrong
 * turns, buffers too small, nonce exhaustion, and a wrong responder key.
 */
#include <stdio.h>
#include <stdlib.h>

#include "noise_pair.h"

/* ---- tampering -------------------------------------------------------------------- */

typedef enum { FLIP_BIT, TRUNCATE, APPEND } tamper_kind;

/*
 * A repeatable handshake for `name` in which message `m` is tampered with before it is
 * read. Returns the first read error and sets *at to the message that failed (or the
 * message count if none did). The side that failed must be dead afterwards.
 */
static int tampered_run(const char *name, size_t m, tamper_kind kind, size_t arg,
                        size_t *at, size_t *orig_len) {
  pair p;
  int r = 0;
  size_t i;

  pair_new(&p, name, "tamper", 1);
  for (i = 0; !is_complete(p.ini); i++) {
    size_t n = pair_write(&p, i, "payload");
    if (i == m) {
      *orig_len = n;
      if (kind == FLIP_BIT) buf_a[arg / 8] ^= (uint8_t)(1u << (arg % 8));
      if (kind == TRUNCATE) n = arg;
      if (kind == APPEND) buf_a[n++] = (uint8_t)arg;
    }
    if ((r = pair_read(&p, i, n, i == m ? NULL : "payload")) != 0) {
      assert_dead(i % 2 == 0 ? p.res : p.ini);
      break;
    }
  }
  *at = i;
  pair_free(&p);
  return r;
}

/* Expected overhead of each handshake message with no payload. */
typedef struct {
  const char *name;
  size_t n_msgs;
  size_t overhead[3];
  int authenticated[3]; /* does the message itself carry a tag? */
} shape;

static const shape shapes[] = {
    {"Noise_IK_25519_ChaChaPoly_SHA256", 2, {96, 48, 0}, {1, 1, 0}},
    {"Noise_IK_25519_ChaChaPoly_BLAKE2b", 2, {96, 48, 0}, {1, 1, 0}},
    {"Noise_XX_25519_ChaChaPoly_SHA256", 3, {32, 96, 64}, {0, 1, 1}},
    {"Noise_N_25519_ChaChaPoly_SHA256", 1, {48, 0, 0}, {1, 0, 0}},
};

static void test_flipped_bits(void **state) {
  (void)state;
  size_t runs = 0, len = 0, at;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    for (size_t m = 0; m < shapes[s].n_msgs; m++) {
      size_t bits = (shapes[s].overhead[m] + strlen("payload")) * 8;
      for (size_t bit = 0; bit < bits; bit++) {
        int r = tampered_run(shapes[s].name, m, FLIP_BIT, bit, &at, &len);
        assert_int_equal(len * 8, bits);
        /* An unauthenticated message is caught by the tag of the next one. */
        assert_int_equal(r, RP_EAUTH);
        assert_int_equal(at, shapes[s].authenticated[m] ? m : m + 1);
        runs++;
      }
    }
  }
  printf("flipped bits: %zu handshakes, each rejected\n", runs);
}

static void test_truncated_and_extended(void **state) {
  (void)state;
  size_t len = 0, at;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    for (size_t m = 0; m < shapes[s].n_msgs; m++) {
      size_t full = shapes[s].overhead[m] + strlen("payload");
      for (size_t cut = 0; cut < full; cut++) {
        int r = tampered_run(shapes[s].name, m, TRUNCATE, cut, &at, &len);
        assert_int_equal(len, full);
        if (cut < shapes[s].overhead[m]) {
          assert_int_equal(r, RP_ETRUNC);
          assert_int_equal(at, m);
        } else {
          assert_int_equal(r, RP_EAUTH);
          assert_int_equal(at, shapes[s].authenticated[m] ? m : m + 1);
        }
      }
      assert_int_equal(tampered_run(shapes[s].name, m, APPEND, 0x00, &at, &len), RP_EAUTH);
      assert_int_equal(at, shapes[s].authenticated[m] ? m : m + 1);
    }
  }
}

static void test_oversized_and_low_order(void **state) {
  (void)state;
  static uint8_t huge[RP__NOISE_MSG_MAX + 1];
  rp__noise_handshake *res = NULL, *ini = NULL;
  uint8_t sk[32], pk[32];
  size_t n = 1;
  random_key(sk, pk);

  /* Longer than any Noise message: refused before a byte is used. */
  assert_int_equal(rp__noise_ik_responder_new(&res, sk), 0);
  assert_int_equal(
      rp__noise_handshake_read(res, huge, sizeof huge, buf_b, sizeof buf_b, &n),
      RP_ETOOBIG);
  assert_dead(res);
  rp__noise_handshake_free(res);

  /* Ephemeral keys of small order make the DH result zero: refused, not used. */
  static const uint8_t low_order[][32] = {{0}, {1}};
  for (size_t i = 0; i < 2; i++) {
    assert_int_equal(rp__noise_ik_responder_new(&res, sk), 0);
    memset(buf_a, 0x5a, 200);
    memcpy(buf_a, low_order[i], 32);
    assert_int_equal(rp__noise_handshake_read(res, buf_a, 200, buf_b, sizeof buf_b, &n),
                     RP_ECRYPTO);
    assert_dead(res);
    rp__noise_handshake_free(res);

    /* The same from a configured key: the writer refuses and leaves nothing behind. */
    assert_int_equal(rp__noise_ik_initiator_new(&ini, sk, low_order[i]), 0);
    memset(buf_a, 0x5a, 200);
    assert_int_equal(rp__noise_handshake_write(ini, NULL, 0, buf_a, sizeof buf_a, &n),
                     RP_ECRYPTO);
    assert_int_equal(n, 0);
    assert_true(sodium_is_zero(buf_a, 96));
    assert_dead(ini);
    rp__noise_handshake_free(ini);
  }
}

/* ---- state machine ---------------------------------------------------------------- */

static void test_out_of_turn(void **state) {
  (void)state;
  rp__noise_handshake *hs = NULL;
  rp__noise_cipher a, b;
  uint8_t sk[32], pk[32], h[64];
  size_t n = 1;
  pair p;

  /* Before start nothing moves. */
  random_key(sk, pk);
  assert_int_equal(rp__noise_handshake_new(&hs, RP__NOISE_RP_PROTOCOL, RP__NOISE_INITIATOR),
                   0);
  assert_int_equal(rp__noise_handshake_write(hs, NULL, 0, buf_a, sizeof buf_a, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_read(hs, buf_a, 96, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_hash(hs, h, &n), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_split(hs, &a, &b), RP_ESTATE);
  /* A key the pattern needs is missing: refused, and setup can continue. */
  assert_int_equal(rp__noise_handshake_start(hs), RP_EINVAL);
  assert_int_equal(rp__noise_handshake_set_local_static(hs, sk), 0);
  assert_int_equal(rp__noise_handshake_start(hs), RP_EINVAL);
  assert_int_equal(rp__noise_handshake_status(hs), RP__NOISE_HS_SETUP);
  assert_int_equal(rp__noise_handshake_set_remote_static(hs, pk), 0);
  assert_int_equal(rp__noise_handshake_start(hs), 0);
  assert_int_equal(rp__noise_handshake_start(hs), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_set_prologue(hs, NULL, 0), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_set_local_static(hs, sk), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_set_local_ephemeral(hs, sk), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_set_remote_static(hs, pk), RP_ESTATE);
  rp__noise_handshake_free(hs);

  /* XX transmits the responder's key: configuring it in advance is a mistake. */
  assert_int_equal(
      rp__noise_handshake_new(&hs, "Noise_XX_25519_ChaChaPoly_SHA256", RP__NOISE_INITIATOR),
      0);
  assert_int_equal(rp__noise_handshake_set_local_static(hs, sk), 0);
  assert_int_equal(rp__noise_handshake_set_remote_static(hs, pk), 0);
  assert_int_equal(rp__noise_handshake_start(hs), RP_EINVAL);
  rp__noise_handshake_free(hs);

  /* Wrong turns are refused without harming the handshake. */
  pair_new(&p, RP__NOISE_RP_PROTOCOL, RP__NOISE_RP_PROLOGUE, 0);
  assert_int_equal(rp__noise_handshake_read(p.ini, buf_a, 96, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_write(p.res, NULL, 0, buf_a, sizeof buf_a, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_write_size(p.res, 0, &n), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_hash(p.ini, h, &n), RP_ESTATE);
  size_t m1 = pair_write(&p, 0, "one");
  assert_int_equal(rp__noise_handshake_write(p.ini, NULL, 0, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_status(p.ini), RP__NOISE_HS_READ);
  assert_int_equal(pair_read(&p, 0, m1, "one"), 0);
  assert_int_equal(rp__noise_handshake_read(p.res, buf_a, m1, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  size_t m2 = pair_write(&p, 1, "two");
  assert_int_equal(pair_read(&p, 1, m2, "two"), 0);

  /* Complete: no handshake message either way, one split each, the hash stays. */
  assert_int_equal(rp__noise_handshake_status(p.ini), RP__NOISE_HS_SPLIT);
  assert_int_equal(rp__noise_handshake_status(p.res), RP__NOISE_HS_SPLIT);
  assert_int_equal(rp__noise_handshake_write(p.ini, NULL, 0, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_read(p.res, buf_a, m2, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  assert_int_equal(rp__noise_handshake_split(p.ini, &p.i_send, &p.i_send), RP_EINVAL);
  assert_int_equal(rp__noise_handshake_split(p.ini, &p.i_send, &p.i_recv), 0);
  assert_int_equal(rp__noise_handshake_split(p.res, &p.r_send, &p.r_recv), 0);
  assert_int_equal(rp__noise_handshake_split(p.ini, &a, &b), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_status(p.ini), RP__NOISE_HS_DONE);
  assert_int_equal(rp__noise_handshake_hash(p.ini, h, &n), 0);
  assert_int_equal(n, 32);
  pair_transport(&p);
  pair_free(&p);
}

/* ---- sizes, nonces, keys ---------------------------------------------------------- */

static void test_capacity(void **state) {
  (void)state;
  static uint8_t big[RP__NOISE_MSG_MAX];
  size_t n = 1, m;
  pair p;

  pair_new(&p, RP__NOISE_RP_PROTOCOL, RP__NOISE_RP_PROLOGUE, 0);
  /* Message 1 of IK: e (32), encrypted s (48), then the payload and its tag (16). */
  assert_int_equal(rp__noise_handshake_write_size(p.ini, 10, &n), 0);
  assert_int_equal(n, 106);
  assert_int_equal(rp__noise_handshake_write_size(p.ini, RP__NOISE_MSG_MAX - 96, &n), 0);
  assert_int_equal(n, RP__NOISE_MSG_MAX);
  assert_int_equal(rp__noise_handshake_write_size(p.ini, RP__NOISE_MSG_MAX - 95, &n),
                   RP_ETOOBIG);
  assert_int_equal(n, 0);
  assert_int_equal(rp__noise_handshake_write(p.ini, big, RP__NOISE_MSG_MAX - 95, buf_a,
                                             sizeof buf_a, &n),
                   RP_ETOOBIG);
  /* One byte short of room: refused, nothing written past it, the state unchanged. */
  memset(buf_a, 0xee, 200);
  assert_int_equal(rp__noise_handshake_write(p.ini, big, 10, buf_a, 105, &n), RP_ETOOBIG);
  assert_int_equal(buf_a[105], 0xee);
  assert_int_equal(rp__noise_handshake_status(p.ini), RP__NOISE_HS_WRITE);
  /* The largest message Noise allows goes through. */
  randombytes_buf(big, sizeof big);
  assert_int_equal(rp__noise_handshake_write(p.ini, big, RP__NOISE_MSG_MAX - 96, buf_a,
                                             sizeof buf_a, &m),
                   0);
  assert_int_equal(m, RP__NOISE_MSG_MAX);
  /* The reader's payload buffer is too small by one: refused, state unchanged. */
  assert_int_equal(rp__noise_handshake_read(p.res, buf_a, m, buf_b, m - 97, &n),
                   RP_ETOOBIG);
  assert_int_equal(rp__noise_handshake_status(p.res), RP__NOISE_HS_READ);
  assert_int_equal(rp__noise_handshake_read(p.res, buf_a, m, buf_b, m - 96, &n), 0);
  assert_int_equal(n, RP__NOISE_MSG_MAX - 96);
  assert_memory_equal(buf_b, big, n);
  /* An empty payload needs no buffer at all. */
  assert_int_equal(rp__noise_handshake_write(p.res, NULL, 0, buf_a, sizeof buf_a, &m), 0);
  assert_int_equal(m, 48);
  assert_int_equal(rp__noise_handshake_read(p.ini, buf_a, m, NULL, 0, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(rp__noise_handshake_split(p.ini, &p.i_send, &p.i_recv), 0);
  assert_int_equal(rp__noise_handshake_split(p.res, &p.r_send, &p.r_recv), 0);

  /* Transport: 65535 bytes with the tag at most; short and long inputs refused. */
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, big, RP_FRAME_PLAINTEXT_MAX,
                                            buf_a, sizeof buf_a, &m),
                   0);
  assert_int_equal(m, RP_FRAME_MAX);
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, big,
                                            RP_FRAME_PLAINTEXT_MAX + 1, buf_a, sizeof buf_a,
                                            &n),
                   RP_ETOOBIG);
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, big, 10, buf_b, 25, &n),
                   RP_ETOOBIG);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, m, buf_b, m - 17, &n),
      RP_ETOOBIG);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, 15, buf_b, sizeof buf_b, &n),
      RP_ETRUNC);
  assert_int_equal(rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, big, RP_FRAME_MAX + 1,
                                            buf_b, sizeof buf_b, &n),
                   RP_ETOOBIG);
  /* In place, and a refused decryption leaves the nonce where it was. */
  assert_int_equal(rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, m, buf_a, m, &n), 0);
  assert_memory_equal(buf_a, big, RP_FRAME_PLAINTEXT_MAX);
  memcpy(buf_b, "in place", 8);
  assert_int_equal(rp__noise_cipher_encrypt(&p.r_send, NULL, 0, buf_b, 8, buf_b, 24, &m),
                   0);
  buf_b[3] ^= 1;
  assert_int_equal(rp__noise_cipher_decrypt(&p.i_recv, NULL, 0, buf_b, m, buf_a, 8, &n),
                   RP_EAUTH);
  assert_int_equal(rp__noise_cipher_nonce(&p.i_recv), 0);
  buf_b[3] ^= 1;
  assert_int_equal(rp__noise_cipher_decrypt(&p.i_recv, NULL, 0, buf_b, m, buf_b, m, &n), 0);
  assert_memory_equal(buf_b, "in place", 8);
  assert_int_equal(rp__noise_cipher_nonce(&p.i_recv), 1);
  pair_free(&p);
}

static void test_nonce_exhaustion(void **state) {
  (void)state;
  size_t n, m;
  pair p;
  pair_new(&p, RP__NOISE_RP_PROTOCOL, RP__NOISE_RP_PROLOGUE, 0);
  pair_complete(&p);
  rp__noise_cipher_set_nonce(&p.i_send, UINT64_MAX - 1);
  rp__noise_cipher_set_nonce(&p.r_recv, UINT64_MAX - 1);
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, (const uint8_t *)"last", 4,
                                            buf_a, sizeof buf_a, &n),
                   0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_memory_equal(buf_b, "last", 4);
  /* 2^64-1 is reserved: nothing more in either direction of this cipher. */
  assert_int_equal(rp__noise_cipher_nonce(&p.i_send), UINT64_MAX);
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, (const uint8_t *)"more", 4,
                                            buf_a, sizeof buf_a, &n),
                   RP_ENONCE);
  assert_int_equal(n, 0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, 20, buf_b, sizeof buf_b, &m),
      RP_ENONCE);
  assert_int_equal(rp__noise_cipher_nonce(&p.i_send), UINT64_MAX);
  /* Rekey keeps the nonce, so it is no way around exhaustion. */
  assert_int_equal(rp__noise_cipher_rekey(&p.i_send), 0);
  assert_int_equal(rp__noise_cipher_nonce(&p.i_send), UINT64_MAX);
  pair_free(&p);
}

static void test_wrong_responder_key(void **state) {
  (void)state;
  rp__noise_handshake *ini = NULL, *res = NULL;
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32], o_sk[32], o_pk[32];
  size_t n, m;
  random_key(i_sk, i_pk);
  random_key(r_sk, r_pk);
  random_key(o_sk, o_pk);
  /* The client believes the relay's key is o_pk; the relay holds r_sk. */
  assert_int_equal(rp__noise_ik_initiator_new(&ini, i_sk, o_pk), 0);
  assert_int_equal(rp__noise_ik_responder_new(&res, r_sk), 0);
  assert_int_equal(
      rp__noise_handshake_write(ini, (const uint8_t *)"hi", 2, buf_a, sizeof buf_a, &n), 0);
  assert_int_equal(rp__noise_handshake_read(res, buf_a, n, buf_b, sizeof buf_b, &m),
                   RP_EAUTH);
  assert_dead(res);
  rp__noise_handshake_free(ini);
  rp__noise_handshake_free(res);

  /* A different prologue on one side fails the same way. */
  assert_int_equal(rp__noise_ik_initiator_new(&ini, i_sk, r_pk), 0);
  assert_int_equal(
      rp__noise_handshake_new(&res, RP__NOISE_RP_PROTOCOL, RP__NOISE_RESPONDER), 0);
  assert_int_equal(
      rp__noise_handshake_set_prologue(res, (const uint8_t *)"rejsepost/2", 11), 0);
  assert_int_equal(rp__noise_handshake_set_local_static(res, r_sk), 0);
  assert_int_equal(rp__noise_handshake_start(res), 0);
  assert_int_equal(rp__noise_handshake_write(ini, NULL, 0, buf_a, sizeof buf_a, &n), 0);
  assert_int_equal(rp__noise_handshake_read(res, buf_a, n, NULL, 0, &m), RP_EAUTH);
  rp__noise_handshake_free(ini);
  rp__noise_handshake_free(res);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flipped_bits),
      cmocka_unit_test(test_truncated_and_extended),
      cmocka_unit_test(test_oversized_and_low_order),
      cmocka_unit_test(test_out_of_turn),
      cmocka_unit_test(test_capacity),
      cmocka_unit_test(test_nonce_exhaustion),
      cmocka_unit_test(test_wrong_responder_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
