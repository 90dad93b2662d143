/* SPDX-License-Identifier: MIT */
/*
 * Noise: every vector of the cacophony file (handshake and transport, byte for byte),
 * every supported pattern with both hashes, Rekey, HMAC-BLAKE2b, and rejsepost's own IK
 * handshake end to end, including a replayed message 1. The hostile cases are in
 * noise_hostile_test.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "noise_pair.h"
#include "testutil.h"

/* The reader is not a *_test.c file and not in the test library, so it is compiled here. */
#include "json_mini.c"

#define VECTOR_FILE "noise-cacophony-25519-chachapoly.json"
/* What the vector file holds; a file that lost vectors must not pass quietly. */
#define VECTORS_EXPECTED 8u
#define MESSAGES_EXPECTED 48u

/* ---- vectors -------------------------------------------------------------------- */

static uint8_t *hex_field(const jm_node *obj, const char *key, size_t *len) {
  const char *s = jm_str(jm_get(obj, key));
  *len = 0;
  return s == NULL ? NULL : tu_unhex(s, len);
}

/* Apply one side's fields of a vector ("init_" or "resp_") to a handshake. */
static void setup_side(rp__noise_handshake *hs, const jm_node *v, const char *side) {
  static const char *const fields[] = {"prologue", "static", "ephemeral", "remote_static"};
  char key[64];
  for (size_t f = 0; f < 4; f++) {
    size_t len;
    snprintf(key, sizeof key, "%s%s", side, fields[f]);
    uint8_t *b = hex_field(v, key, &len);
    if (b == NULL) {
      assert_true(f != 0); /* every vector has both prologues */
      continue;
    }
    if (f == 0) {
      assert_int_equal(rp__noise_handshake_set_prologue(hs, b, len), 0);
    } else {
      assert_int_equal(len, RP__NOISE_DHBYTES);
      if (f == 1) assert_int_equal(rp__noise_handshake_set_local_static(hs, b), 0);
      if (f == 2) assert_int_equal(rp__noise_handshake_set_local_ephemeral(hs, b), 0);
      if (f == 3) assert_int_equal(rp__noise_handshake_set_remote_static(hs, b), 0);
    }
    free(b);
  }
}

/* One-way patterns are the single-letter ones: N, K, X. */
static int name_is_one_way(const char *name) {
  assert_true(strncmp(name, "Noise_", 6) == 0);
  return name[6] != '\0' && name[7] == '_';
}

/* The public key of a private key given in hex in the vector. */
static void vector_pk(const jm_node *v, const char *key, uint8_t pk[32]) {
  size_t len;
  uint8_t *sk = hex_field(v, key, &len);
  assert_non_null(sk);
  assert_int_equal(crypto_scalarmult_base(pk, sk), 0);
  free(sk);
}

static size_t run_vector(const jm_node *v) {
  const char *name = jm_str(jm_get(v, "protocol_name"));
  const jm_node *msgs = jm_get(v, "messages");
  rp__noise_handshake *ini = NULL, *res = NULL;
  rp__noise_cipher i_send, i_recv, r_send, r_recv;
  size_t checked = 0, len, hh_len;
  uint8_t hh[RP__NOISE_HASHBYTES_MAX];

  assert_non_null(name);
  assert_non_null(msgs);
  assert_int_equal(msgs->kind, JM_ARRAY);
  int one_way = name_is_one_way(name);
  assert_int_equal(rp__noise_handshake_new(&ini, name, RP__NOISE_INITIATOR), 0);
  assert_int_equal(rp__noise_handshake_new(&res, name, RP__NOISE_RESPONDER), 0);
  setup_side(ini, v, "init_");
  setup_side(res, v, "resp_");
  assert_int_equal(rp__noise_handshake_start(ini), 0);
  assert_int_equal(rp__noise_handshake_start(res), 0);

  for (size_t i = 0; i < msgs->n; i++) {
    size_t plen, clen, n = 0;
    uint8_t *payload = hex_field(msgs->items[i], "payload", &plen);
    uint8_t *ct = hex_field(msgs->items[i], "ciphertext", &clen);
    assert_non_null(payload);
    assert_non_null(ct);
    if (!is_complete(ini)) {
      rp__noise_handshake *tx = i % 2 == 0 ? ini : res, *rx = i % 2 == 0 ? res : ini;
      assert_int_equal(rp__noise_handshake_status(tx), RP__NOISE_HS_WRITE);
      assert_int_equal(rp__noise_handshake_status(rx), RP__NOISE_HS_READ);
      assert_int_equal(
          rp__noise_handshake_write(tx, payload, plen, buf_a, sizeof buf_a, &n), 0);
      assert_int_equal(n, clen);
      assert_memory_equal(buf_a, ct, clen);
      assert_int_equal(rp__noise_handshake_read(rx, buf_a, n, buf_b, sizeof buf_b, &n), 0);
      assert_int_equal(n, plen);
      if (plen > 0) assert_memory_equal(buf_b, payload, plen);
      assert_int_equal(is_complete(ini), is_complete(res));
      if (is_complete(ini)) {
        uint8_t *want = hex_field(v, "handshake_hash", &len);
        assert_non_null(want);
        assert_int_equal(rp__noise_handshake_hash(ini, hh, &hh_len), 0);
        assert_int_equal(hh_len, len);
        assert_memory_equal(hh, want, len);
        assert_int_equal(rp__noise_handshake_hash(res, hh, &hh_len), 0);
        assert_memory_equal(hh, want, len);
        free(want);
        assert_int_equal(rp__noise_handshake_split(ini, &i_send, &i_recv), 0);
        assert_int_equal(rp__noise_handshake_split(res, &r_send, &r_recv), 0);
      }
    } else {
      int from_ini = one_way || i % 2 == 0;
      rp__noise_cipher *tx = from_ini ? &i_send : &r_send,
                       *rx = from_ini ? &r_recv : &i_recv;
      assert_int_equal(
          rp__noise_cipher_encrypt(tx, NULL, 0, payload, plen, buf_a, sizeof buf_a, &n), 0);
      assert_int_equal(n, clen);
      assert_memory_equal(buf_a, ct, clen);
      assert_int_equal(
          rp__noise_cipher_decrypt(rx, NULL, 0, ct, clen, buf_b, sizeof buf_b, &n), 0);
      assert_int_equal(n, plen);
      if (plen > 0) assert_memory_equal(buf_b, payload, plen);
    }
    free(payload);
    free(ct);
    checked++;
  }
  assert_true(is_complete(ini) && is_complete(res));

  /* Whoever learned a static key from a message learned the right one. */
  uint8_t pk[32], want_pk[32];
  if (jm_get(v, "init_static") != NULL && jm_get(v, "resp_remote_static") == NULL) {
    vector_pk(v, "init_static", want_pk);
    assert_int_equal(rp__noise_handshake_remote_static(res, pk), 0);
    assert_memory_equal(pk, want_pk, 32);
  }
  if (jm_get(v, "init_remote_static") == NULL) {
    vector_pk(v, "resp_static", want_pk);
    assert_int_equal(rp__noise_handshake_remote_static(ini, pk), 0);
    assert_memory_equal(pk, want_pk, 32);
  }
  /* One-way: the responder cannot send and the initiator cannot receive. */
  if (one_way) {
    assert_int_equal(
        rp__noise_cipher_encrypt(&r_send, NULL, 0, NULL, 0, buf_a, sizeof buf_a, &len),
        RP_ESTATE);
    assert_int_equal(
        rp__noise_cipher_decrypt(&i_recv, NULL, 0, buf_a, 16, buf_b, sizeof buf_b, &len),
        RP_ESTATE);
  }
  rp__noise_cipher_wipe(&i_send);
  rp__noise_cipher_wipe(&i_recv);
  rp__noise_cipher_wipe(&r_send);
  rp__noise_cipher_wipe(&r_recv);
  rp__noise_handshake_free(ini);
  rp__noise_handshake_free(res);
  return checked;
}

static void test_vectors(void **state) {
  (void)state;
  size_t len, vectors = 0, messages = 0, file_messages = 0;
  char *text = tu_read_file(tu_vector_path(VECTOR_FILE), &len);
  assert_non_null(text);
  jm_node *root = jm_parse(text, len);
  assert_non_null(root);
  const jm_node *list = jm_get(root, "vectors");
  assert_non_null(list);
  assert_int_equal(list->kind, JM_ARRAY);

  int seen_blake2b = 0, seen_one_way = 0;
  for (size_t i = 0; i < list->n; i++) {
    const char *name = jm_str(jm_get(list->items[i], "protocol_name"));
    assert_non_null(name);
    file_messages += jm_get(list->items[i], "messages")->n;
    messages += run_vector(list->items[i]);
    vectors++;
    seen_blake2b |= strstr(name, "BLAKE2b") != NULL;
    seen_one_way |= name_is_one_way(name);
  }
  printf("noise vectors: %zu vectors, %zu messages checked\n", vectors, messages);
  assert_int_equal(vectors, list->n);
  assert_int_equal(messages, file_messages);
  assert_int_equal(vectors, VECTORS_EXPECTED);
  assert_int_equal(messages, MESSAGES_EXPECTED);
  assert_true(seen_blake2b && seen_one_way);
  jm_free(root);
  free(text);
}

static const char *const pattern_names[] = {"N",  "K",  "X",  "NN", "NK", "NX", "KN", "KK",
                                            "KX", "XN", "XK", "XX", "IN", "IK", "IX"};

/* ---- names and round trips -------------------------------------------------------- */

static void test_protocol_names(void **state) {
  (void)state;
  static const char *const bad[] = {"",
                                    "Noise",
                                    "Noise_",
                                    "Noise_IK",
                                    "Noise_IK_25519_ChaChaPoly",
                                    "Noise_IK_25519_ChaChaPoly_SHA512",
                                    "Noise_IK_448_ChaChaPoly_SHA256",
                                    "Noise_IK_25519_AESGCM_SHA256",
                                    "Noise_IKpsk2_25519_ChaChaPoly_SHA256",
                                    "Noise_XXfallback_25519_ChaChaPoly_SHA256",
                                    "Noise_IK_25519_ChaChaPoly_SHA256 ",
                                    "noise_IK_25519_ChaChaPoly_SHA256",
                                    "Noise_IK_25519_ChaChaPoly_BLAKE2s",
                                    "Noise_I_25519_ChaChaPoly_SHA256",
                                    "Noise__25519_ChaChaPoly_SHA256",
                                    "Noise_IK__25519_ChaChaPoly_SHA256",
                                    "Noise_IK_25519_ChaChaPoly_SHA256_",
                                    "Noise_IK_25519_ChaChaPoly_blake2b"};
  rp__noise_handshake *hs = (rp__noise_handshake *)&hs;
  char name[300];

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(rp__noise_handshake_new(&hs, bad[i], RP__NOISE_INITIATOR), RP_EINVAL);
    assert_null(hs);
  }
  assert_int_equal(rp__noise_handshake_new(&hs, NULL, RP__NOISE_INITIATOR), RP_EINVAL);
  assert_int_equal(rp__noise_handshake_new(&hs, RP__NOISE_RP_PROTOCOL, (rp__noise_role)7),
                   RP_EINVAL);
  memset(name, 'A', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  assert_int_equal(rp__noise_handshake_new(&hs, name, RP__NOISE_INITIATOR), RP_EINVAL);
  for (size_t i = 0; i < sizeof pattern_names / sizeof pattern_names[0]; i++) {
    for (int h = 0; h < 2; h++) {
      snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_%s", pattern_names[i],
               h ? "BLAKE2b" : "SHA256");
      assert_int_equal(rp__noise_handshake_new(&hs, name, RP__NOISE_RESPONDER), 0);
      rp__noise_handshake_free(hs);
    }
  }
  rp__noise_handshake_free(NULL);
}

static void test_all_patterns_round_trip(void **state) {
  (void)state;
  char name[64];
  uint8_t pk[32], h1[64], h2[64];
  size_t n1, n2;
  for (size_t i = 0; i < sizeof pattern_names / sizeof pattern_names[0]; i++) {
    for (int h = 0; h < 2; h++) {
      pair p;
      snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_%s", pattern_names[i],
               h ? "BLAKE2b" : "SHA256");
      pair_new(&p, name, "round trip", 0);
      pair_complete(&p);
      assert_int_equal(rp__noise_handshake_hash(p.ini, h1, &n1), 0);
      assert_int_equal(rp__noise_handshake_hash(p.res, h2, &n2), 0);
      assert_int_equal(n1, h ? 64 : 32);
      assert_int_equal(n1, n2);
      assert_memory_equal(h1, h2, n1);
      /* The responder's static key is known to the initiator in every pattern but *N. */
      if (rp__noise_handshake_remote_static(p.ini, pk) == 0)
        assert_memory_equal(pk, p.r_pk, 32);
      if (rp__noise_handshake_remote_static(p.res, pk) == 0)
        assert_memory_equal(pk, p.i_pk, 32);
      assert_int_equal(rp__noise_handshake_remote_static(p.res, pk) == 0,
                       pattern_names[i][0] != 'N');
      pair_transport(&p);
      pair_free(&p);
    }
  }
}

static void test_rekey(void **state) {
  (void)state;
  static const uint8_t zeros[32];
  uint8_t npub[12], expect[48];
  unsigned long long clen;
  size_t n, m;
  pair p;
  pair_new(&p, RP__NOISE_RP_PROTOCOL, RP__NOISE_RP_PROLOGUE, 0);
  pair_complete(&p);
  /* Rekey: the first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros). */
  memset(npub, 0xff, sizeof npub);
  memset(npub, 0, 4);
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(expect, &clen, zeros, 32, NULL,
                                                             0, NULL, npub, p.i_send.k),
                   0);
  assert_int_equal(rp__noise_cipher_rekey(&p.i_send), 0);
  assert_memory_equal(p.i_send.k, expect, 32);
  assert_int_equal(rp__noise_cipher_encrypt(&p.i_send, NULL, 0, (const uint8_t *)"x", 1,
                                            buf_a, sizeof buf_a, &n),
                   0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m),
      RP_EAUTH);
  assert_int_equal(rp__noise_cipher_rekey(&p.r_recv), 0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.r_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_int_equal(buf_b[0], 'x');
  rp__noise_cipher_wipe(&p.r_recv);
  assert_false(rp__noise_cipher_has_key(&p.r_recv));
  assert_int_equal(rp__noise_cipher_rekey(&p.r_recv), RP_ESTATE);
  pair_free(&p);
}

/* ---- rejsepost's IK ----------------------------------------------------------------- */

static void test_rejsepost_ik_round_trip(void **state) {
  (void)state;
  rp__noise_handshake *ini = NULL, *res = NULL;
  rp__noise_cipher i_send, i_recv, r_send, r_recv;
  uint8_t i_sk[32], i_pk[32], r_sk[32], r_pk[32], pk[32], h1[64], h2[64];
  size_t n, m, hl;
  random_key(i_sk, i_pk);
  random_key(r_sk, r_pk);
  assert_int_equal(rp__noise_ik_initiator_new(&ini, i_sk, r_pk), 0);
  assert_int_equal(rp__noise_ik_responder_new(&res, r_sk), 0);
  assert_int_equal(rp__noise_handshake_status(ini), RP__NOISE_HS_WRITE);
  assert_int_equal(rp__noise_handshake_status(res), RP__NOISE_HS_READ);
  /* The responder does not know who is calling until message 1 is read. */
  assert_int_equal(rp__noise_handshake_remote_static(res, pk), RP_ESTATE);
  assert_int_equal(rp__noise_handshake_local_static(res, pk), 0);
  assert_memory_equal(pk, r_pk, 32);

  assert_int_equal(rp__noise_handshake_write(ini, (const uint8_t *)"hello relay", 11, buf_a,
                                             sizeof buf_a, &n),
                   0);
  assert_int_equal(rp__noise_handshake_read(res, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_int_equal(m, 11);
  assert_memory_equal(buf_b, "hello relay", 11);
  /* Before writing message 2 the relay can look the caller up (and refuse). */
  assert_int_equal(rp__noise_handshake_status(res), RP__NOISE_HS_WRITE);
  assert_int_equal(rp__noise_handshake_remote_static(res, pk), 0);
  assert_memory_equal(pk, i_pk, 32);

  assert_int_equal(rp__noise_handshake_write(res, (const uint8_t *)"welcome", 7, buf_a,
                                             sizeof buf_a, &n),
                   0);
  assert_int_equal(rp__noise_handshake_read(ini, buf_a, n, buf_b, sizeof buf_b, &m), 0);
  assert_memory_equal(buf_b, "welcome", 7);
  assert_int_equal(rp__noise_handshake_hash(ini, h1, &hl), 0);
  assert_int_equal(hl, 32);
  assert_int_equal(rp__noise_handshake_hash(res, h2, &hl), 0);
  assert_memory_equal(h1, h2, 32);
  assert_int_equal(rp__noise_handshake_split(ini, &i_send, &i_recv), 0);
  assert_int_equal(rp__noise_handshake_split(res, &r_send, &r_recv), 0);

  for (int i = 0; i < 100; i++) {
    uint8_t msg[64];
    size_t len = (size_t)i % sizeof msg;
    randombytes_buf(msg, len);
    rp__noise_cipher *tx = i % 3 ? &i_send : &r_send, *rx = i % 3 ? &r_recv : &i_recv;
    assert_int_equal(
        rp__noise_cipher_encrypt(tx, h1, 32, msg, len, buf_a, sizeof buf_a, &n), 0);
    assert_int_equal(
        rp__noise_cipher_decrypt(rx, h1, 32, buf_a, n, buf_b, sizeof buf_b, &m), 0);
    assert_int_equal(m, len);
    if (len > 0) assert_memory_equal(buf_b, msg, len);
  }
  /* Each direction has its own key: a message can't be reflected to its sender. */
  assert_int_equal(
      rp__noise_cipher_encrypt(&i_send, NULL, 0, NULL, 0, buf_a, sizeof buf_a, &n), 0);
  rp__noise_cipher_set_nonce(&i_recv, rp__noise_cipher_nonce(&i_send) - 1);
  assert_int_equal(rp__noise_cipher_decrypt(&i_recv, NULL, 0, buf_a, n, NULL, 0, &m),
                   RP_EAUTH);

  rp__noise_cipher_wipe(&i_send);
  rp__noise_cipher_wipe(&i_recv);
  rp__noise_cipher_wipe(&r_send);
  rp__noise_cipher_wipe(&r_recv);
  assert_true(sodium_is_zero((const unsigned char *)&i_send, sizeof i_send));
  rp__noise_handshake_free(ini);
  rp__noise_handshake_free(res);
}

static void test_replayed_message_1(void **state) {
  (void)state;
  static uint8_t msg1[256], msg2[256];
  rp__noise_handshake *res2 = NULL, *ini2 = NULL;
  rp__noise_cipher s2, r2;
  uint8_t pk[32];
  size_t n1, n2, n, m;
  pair p;

  pair_new(&p, RP__NOISE_RP_PROTOCOL, RP__NOISE_RP_PROLOGUE, 0);
  n1 = pair_write(&p, 0, "send");
  memcpy(msg1, buf_a, n1);
  assert_int_equal(pair_read(&p, 0, n1, "send"), 0);
  n2 = pair_write(&p, 1, "");
  memcpy(msg2, buf_a, n2);
  assert_int_equal(pair_read(&p, 1, n2, ""), 0);
  assert_int_equal(rp__noise_handshake_split(p.ini, &p.i_send, &p.i_recv), 0);
  assert_int_equal(rp__noise_handshake_split(p.res, &p.r_send, &p.r_recv), 0);

  /* The old responder is finished and refuses the replay outright. */
  assert_int_equal(rp__noise_handshake_read(p.res, msg1, n1, buf_b, sizeof buf_b, &n),
                   RP_ESTATE);
  /* IK cannot spot a replayed message 1, but a fresh responder answers it with a new
   * ephemeral, so its message 2 and its keys differ from the original session. */
  assert_int_equal(rp__noise_ik_responder_new(&res2, p.r_sk), 0);
  assert_int_equal(rp__noise_handshake_read(res2, msg1, n1, buf_b, sizeof buf_b, &n), 0);
  assert_int_equal(rp__noise_handshake_remote_static(res2, pk), 0);
  assert_memory_equal(pk, p.i_pk, 32);
  assert_int_equal(rp__noise_handshake_write(res2, NULL, 0, buf_a, sizeof buf_a, &n), 0);
  assert_int_equal(n, n2);
  assert_memory_not_equal(buf_a, msg2, 32);
  /* The original initiator is done and will not read another message 2. */
  assert_int_equal(rp__noise_handshake_read(p.ini, buf_a, n, buf_b, sizeof buf_b, &m),
                   RP_ESTATE);
  /* Transport from the replaying session cannot be read by the original initiator. */
  assert_int_equal(rp__noise_handshake_split(res2, &s2, &r2), 0);
  assert_int_equal(rp__noise_cipher_encrypt(&s2, NULL, 0, (const uint8_t *)"x", 1, buf_a,
                                            sizeof buf_a, &n),
                   0);
  assert_int_equal(
      rp__noise_cipher_decrypt(&p.i_recv, NULL, 0, buf_a, n, buf_b, sizeof buf_b, &m),
      RP_EAUTH);
  /* And a new initiator with the same keys rejects the old message 2. */
  assert_int_equal(rp__noise_ik_initiator_new(&ini2, p.i_sk, p.r_pk), 0);
  assert_int_equal(rp__noise_handshake_write(ini2, NULL, 0, buf_a, sizeof buf_a, &n), 0);
  assert_int_equal(rp__noise_handshake_read(ini2, msg2, n2, buf_b, sizeof buf_b, &m),
                   RP_EAUTH);
  rp__noise_cipher_wipe(&s2);
  rp__noise_cipher_wipe(&r2);
  rp__noise_handshake_free(res2);
  rp__noise_handshake_free(ini2);
  pair_free(&p);
}

/* ---- hash functions --------------------------------------------------------------- */

static void check_hmac(rp__noise_hash hash, const uint8_t *key, size_t key_len,
                       const char *data, const char *want_hex) {
  uint8_t out[64];
  size_t len;
  uint8_t *want = tu_unhex(want_hex, &len);
  assert_int_equal(len, rp__noise_hash_len(hash));
  /* Split the data across both parts to check they are concatenated. */
  size_t cut = strlen(data) / 3;
  assert_int_equal(rp__noise_hmac(hash, out, key, key_len, (const uint8_t *)data, cut,
                                  (const uint8_t *)data + cut, strlen(data) - cut),
                   0);
  assert_memory_equal(out, want, len);
  free(want);
}

/* ---- the JSON reader itself -------------------------------------------------------- */

static void test_json_mini_strict(void **state) {
  (void)state;
  static const char *const bad[] = {"",
                                    "{",
                                    "{\"a\":\"b\",}",
                                    "[\"a\",]",
                                    "{\"a\":1}",
                                    "[true]",
                                    "[null]",
                                    "{\"a\":\"b\"} x",
                                    "{\"a\" \"b\"}",
                                    "{a:\"b\"}",
                                    "[\"\\x\"]",
                                    "[\"\\u00e9\"]",
                                    "[\"\\u0000\"]",
                                    "[\"\t\"]",
                                    "{\"a\":\"1\",\"a\":\"2\"}",
                                    "[\"abc",
                                    "[\"\\",
                                    "\xc3\xa9",
                                    "[\"\xc3\xa9\"]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_null(jm_parse(bad[i], strlen(bad[i])));
  char deep[80];
  memset(deep, '[', sizeof deep);
  assert_null(jm_parse(deep, sizeof deep));

  const char *good = " {\"k\" : [\"a\\\"b\\\\c\\/\\n\\u0041\", {}], \"e\":[]}\r\n";
  jm_node *root = jm_parse(good, strlen(good));
  assert_non_null(root);
  const jm_node *k = jm_get(root, "k");
  assert_non_null(k);
  assert_int_equal(k->kind, JM_ARRAY);
  assert_int_equal(k->n, 2);
  assert_string_equal(jm_str(k->items[0]), "a\"b\\c/\nA");
  assert_int_equal(k->items[1]->kind, JM_OBJECT);
  assert_int_equal(jm_get(root, "e")->n, 0);
  assert_null(jm_get(root, "missing"));
  assert_null(jm_str(k));
  jm_free(root);
}

static void test_hmac(void **state) {
  (void)state;
  uint8_t k1[32], k2[200], k3[128], k4[20];
  for (size_t i = 0; i < sizeof k1; i++)
    k1[i] = (uint8_t)(i + 1);
  for (size_t i = 0; i < sizeof k2; i++)
    k2[i] = (uint8_t)(i * 7);
  memset(k3, 0xaa, sizeof k3);
  memset(k4, 0x0b, sizeof k4);
  /* RFC 4231 test case 1. */
  check_hmac(RP__NOISE_SHA256, k4, sizeof k4, "Hi There",
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  /* HMAC-BLAKE2b-512 computed independently (Python's hmac and hashlib.blake2b). */
  check_hmac(RP__NOISE_BLAKE2B, k1, sizeof k1, "rejsepost hmac-blake2b",
             "d86e4c1ca5192b8fab3a34f1d8aacbbdedc1c1950113779c9728ea9670f56c43"
             "d006204a9275e5bc331d31ef9762171b7225f04f197d19cd32da5c2d4c3fadfa");
  check_hmac(RP__NOISE_BLAKE2B, k2, sizeof k2, "a key longer than the block",
             "97284f4f0ad8fd423e34ffbf5f20ccf0fd220ef1f7a324ccb11f5ce6c6c15bcd"
             "45316b1a2123f094edc6cb9b622a7a989a2ed44d987298de70f8a59a35a51c79");
  check_hmac(RP__NOISE_BLAKE2B, k3, sizeof k3, "",
             "19689e66bac4656203de333b2e86d4ddbdec2c46b5d19159299e1125a4cd2ef7"
             "15e51e916cc34c739ba48c666a4e907366c93a56e60e244d2206db4ea449340b");
  assert_int_equal(rp__noise_hash_len((rp__noise_hash)9), 0);
  uint8_t out[64];
  assert_int_equal(rp__noise_hmac((rp__noise_hash)9, out, k1, 32, NULL, 0, NULL, 0),
                   RP_EINVAL);
  assert_int_equal(rp__noise_hash_digest(RP__NOISE_SHA256, out, NULL, 5, NULL, 0),
                   RP_EINVAL);
}
int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_protocol_names),
      cmocka_unit_test(test_all_patterns_round_trip),
      cmocka_unit_test(test_rekey),
      cmocka_unit_test(test_rejsepost_ik_round_trip),
      cmocka_unit_test(test_replayed_message_1),
      cmocka_unit_test(test_hmac),
      cmocka_unit_test(test_json_mini_strict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
