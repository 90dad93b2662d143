/* SPDX-License-Identifier: MIT */
/*
 * End-to-end envelopes (proto/envelope.h): round trips at every size-class boundary, and
 * each way an envelope can be wrong refused with its own error: a flipped byte anywhere,
 * a wrong recipient key, a wrong sender key, an unknown or revoked sender, expiry,
 * truncation; and the chunk key both ends export from the envelope's HPKE context.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "envelope.h"
#include "rejsepost_errors.h"

#define NOW 1790000000000ull /* unix ms, 2026 */
#define HOUR (3600ull * 1000)

typedef struct fixture {
  rp__identity *muni, *team, *other, *impostor; /* impostor: the id "kommune-101" */
  rp__roster *roster;                           /* muni, team, other (revoked: none) */
} fixture;

static void member_of(rp__member *m, const rp__identity *ident, int kind) {
  memset(m, 0, sizeof *m);
  m->pub = ident->pub;
  m->kind = kind;
  if (kind == RP_MEMBER_MUNICIPALITY) {
    memcpy(m->municipality, "101", 4);
    m->networks = RP_NETWORK_EAST;
  }
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(rp__identity_generate("kommune-101", &f->muni), 0);
  assert_int_equal(rp__identity_generate("rejseholdet", &f->team), 0);
  assert_int_equal(rp__identity_generate("kommune-751", &f->other), 0);
  assert_int_equal(rp__identity_generate("kommune-101", &f->impostor), 0);
  assert_int_equal(rp__roster_create(1, NOW - HOUR, &f->roster), 0);
  rp__member m;
  member_of(&m, f->muni, RP_MEMBER_MUNICIPALITY);
  assert_int_equal(rp__roster_add(f->roster, &m), 0);
  member_of(&m, f->team, RP_MEMBER_TEAM);
  assert_int_equal(rp__roster_add(f->roster, &m), 0);
  member_of(&m, f->other, RP_MEMBER_MUNICIPALITY);
  memcpy(m.municipality, "751", 4);
  assert_int_equal(rp__roster_add(f->roster, &m), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  rp__identity_free(f->muni);
  rp__identity_free(f->team);
  rp__identity_free(f->other);
  rp__identity_free(f->impostor);
  rp__roster_free(f->roster);
  free(f);
  return 0;
}

static rp__seal_args args(int urgency) {
  rp__seal_args a = {.created = NOW, .expires = NOW + 30 * 24 * HOUR, .urgency = urgency};
  rp__envelope_new_id(a.msg_id);
  return a;
}

static const rp__member *find(const fixture *f, const char *id) {
  const rp__member *m = rp__roster_find_id(f->roster, id);
  assert_non_null(m);
  return m;
}

/* Seals n bytes of a pattern from `from` to roster member `to`. */
static uint8_t *seal(const rp__identity *from, const rp__member *to, size_t n,
                     size_t *len) {
  uint8_t *pt = malloc(n ? n : 1), *env = NULL;
  assert_non_null(pt);
  for (size_t i = 0; i < n; i++)
    pt[i] = (uint8_t)(i * 7 + 3);
  rp__seal_args a = args(RP__URG_HASTER);
  assert_int_equal(rp__envelope_seal(from, to, &a, pt, n, &env, len), 0);
  free(pt);
  return env;
}

static void test_round_trip_sizes(void **state) {
  fixture *f = *state;
  /* Both sides of the first two class boundaries, a mid size, and the largest. */
  const size_t sizes[] = {0, 1, 1007, 1008, 2031, 2032, 65536, RP__ENVELOPE_PT_MAX};
  const uint64_t classes[] = {0, 0, 0, 1, 1, 2, 7, RP__ENVHDR_CLASS_MAX};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t len = 0;
    uint8_t *env = seal(f->muni, find(f, "rejseholdet"), sizes[k], &len);
    rp__opened o;
    assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o), 0);
    assert_int_equal(o.pt_len, sizes[k]);
    for (size_t i = 0; i < sizes[k]; i++)
      if (o.pt[i] != (uint8_t)(i * 7 + 3)) fail_msg("byte %zu of %zu differs", i, sizes[k]);
    assert_int_equal(o.hdr.size_class, classes[k]);
    assert_int_equal(o.hdr.urgency, RP__URG_HASTER);
    assert_true(rp__str_eq(o.hdr.sender, "kommune-101"));
    assert_string_equal(o.sender->pub.id, "kommune-101");
    rp__opened_free(&o);
    assert_null(o.pt);
    free(env);
  }
}

static void test_too_big_and_bad_args(void **state) {
  fixture *f = *state;
  const rp__member *team = find(f, "rejseholdet");
  static uint8_t big[RP__ENVELOPE_PT_MAX + 1];
  uint8_t *env = (uint8_t *)1;
  size_t len = 1;
  rp__seal_args a = args(RP__URG_AKUT);
  assert_int_equal(rp__envelope_seal(f->muni, team, &a, big, sizeof big, &env, &len),
                   RP_ETOOBIG);
  assert_null(env);
  assert_int_equal(len, 0);
  assert_int_equal(rp__envelope_seal(NULL, team, &a, big, 1, &env, &len), RP_EINVAL);
  a.expires = a.created; /* not after created */
  assert_int_equal(rp__envelope_seal(f->muni, team, &a, big, 1, &env, &len), RP_EINVAL);
  a = args(9); /* no such urgency */
  assert_int_equal(rp__envelope_seal(f->muni, team, &a, big, 1, &env, &len), RP_EINVAL);
  memset(a.msg_id, 0, sizeof a.msg_id);
  a.urgency = RP__URG_AKUT;
  assert_int_not_equal(rp__envelope_seal(f->muni, team, &a, big, 1, &env, &len), 0);
  assert_null(env);
}

/* Every single-bit flip in the envelope is refused. In the ciphertext and the
 * encapsulated key it is an authentication failure; in the header it is whatever the
 * changed field makes it, but never success. */
static void test_tamper_every_byte(void **state) {
  fixture *f = *state;
  size_t len = 0;
  uint8_t *env = seal(f->muni, find(f, "rejseholdet"), 100, &len);
  rp__envcont c;
  rp__envhdr h;
  assert_int_equal(rp__envhdr_container_parse(env, len, &c, &h, NULL), 0);
  size_t hdr_at = (size_t)(c.header.p - env), ct_at = (size_t)(c.ct.p - env);
  size_t enc_at = 0;
  for (size_t i = 0; i + sizeof c.enc <= len; i++)
    if (memcmp(env + i, c.enc, sizeof c.enc) == 0) enc_at = i;
  assert_true(enc_at != 0);
  unsigned header_refusals = 0;
  for (size_t i = 0; i < len; i++) {
    env[i] ^= 0x01;
    rp__opened o;
    int rc = rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o);
    if (rc == 0) fail_msg("flip at byte %zu of %zu opened", i, len);
    assert_null(o.pt);
    if ((i >= ct_at && i < ct_at + c.ct.n) || (i >= enc_at && i < enc_at + sizeof c.enc))
      if (rc != RP_EAUTH) fail_msg("flip at %zu: %s, not EAUTH", i, rp_err_name(rc));
    if (i >= hdr_at && i < hdr_at + c.header.n) header_refusals++;
    env[i] ^= 0x01;
  }
  assert_int_equal(header_refusals, c.header.n);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o), 0);
  rp__opened_free(&o);
  free(env);
}

static void test_truncated_everywhere(void **state) {
  fixture *f = *state;
  size_t len = 0;
  uint8_t *env = seal(f->muni, find(f, "rejseholdet"), 10, &len);
  for (size_t n = 0; n < len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees any over-read */
    assert_non_null(copy);
    memcpy(copy, env, n);
    rp__opened o;
    if (rp__envelope_open(f->team, f->roster, copy, n, NOW + 1, &o) == 0)
      fail_msg("truncated to %zu of %zu opened", n, len);
    free(copy);
  }
  free(env);
}

/* Sealed to the right member id under a key the recipient does not hold (a stale
 * roster at the sender), and sealed to someone else entirely. */
static void test_wrong_recipient(void **state) {
  fixture *f = *state;
  rp__member stale = *find(f, "rejseholdet");
  memcpy(stale.pub.message_pk, f->other->pub.message_pk, sizeof stale.pub.message_pk);
  size_t len = 0;
  uint8_t *env = seal(f->muni, &stale, 10, &len);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o),
                   RP_EWRONGRECIPIENT);
  free(env);
  env = seal(f->muni, find(f, "kommune-751"), 10, &len);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o),
                   RP_EWRONGRECIPIENT);
  assert_int_equal(rp__envelope_open(f->other, f->roster, env, len, NOW + 1, &o), 0);
  rp__opened_free(&o);
  free(env);
}

/* A member id sealed with keys the roster does not hold for it. */
static void test_wrong_sender(void **state) {
  fixture *f = *state;
  size_t len = 0;
  uint8_t *env = seal(f->impostor, find(f, "rejseholdet"), 10, &len);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o),
                   RP_EWRONGSENDER);
  free(env);
  /* An impostor who copies the real sender's key id still cannot authenticate. */
  rp__identity forged = *f->impostor;
  memcpy(forged.pub.message_pk, f->muni->pub.message_pk, sizeof forged.pub.message_pk);
  env = seal(&forged, find(f, "rejseholdet"), 10, &len);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o), RP_EAUTH);
  free(env);
}

static void test_unknown_and_revoked_sender(void **state) {
  fixture *f = *state;
  rp__identity *stranger = NULL;
  assert_int_equal(rp__identity_generate("kommune-999", &stranger), 0);
  size_t len = 0;
  uint8_t *env = seal(stranger, find(f, "rejseholdet"), 10, &len);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o),
                   RP_EUNKNOWNMEMBER);
  free(env);
  rp__identity_free(stranger);

  env = seal(f->other, find(f, "rejseholdet"), 10, &len);
  assert_int_equal(rp__roster_revoke(f->roster, "kommune-751"), 0);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o),
                   RP_EREVOKED);
  /* And nobody seals to a revoked member. */
  uint8_t *env2 = NULL;
  size_t len2 = 0;
  rp__seal_args a = args(RP__URG_NORMAL);
  assert_int_equal(
      rp__envelope_seal(f->team, find(f, "kommune-751"), &a, env, 1, &env2, &len2),
      RP_EREVOKED);
  free(env);
}

/* A sender enrolled (valid_from) only after the time it claims to have sealed. */
static void test_sender_not_yet_valid(void **state) {
  fixture *f = *state;
  rp__roster *later = NULL;
  assert_int_equal(rp__roster_create(2, NOW, &later), 0);
  rp__member m;
  member_of(&m, f->muni, RP_MEMBER_MUNICIPALITY);
  m.valid_from = NOW + 1;
  assert_int_equal(rp__roster_add(later, &m), 0);
  member_of(&m, f->team, RP_MEMBER_TEAM);
  assert_int_equal(rp__roster_add(later, &m), 0);
  size_t len = 0;
  uint8_t *env = seal(f->muni, find(f, "rejseholdet"), 10, &len); /* created = NOW */
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, later, env, len, NOW + 2, &o),
                   RP_EUNKNOWNMEMBER);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 2, &o), 0);
  rp__opened_free(&o);
  free(env);
  rp__roster_free(later);
}

static void test_times(void **state) {
  fixture *f = *state;
  size_t len = 0;
  uint8_t *env = seal(f->muni, find(f, "rejseholdet"), 10, &len);
  rp__opened o;
  uint64_t expires = NOW + 30 * 24 * HOUR;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, expires - 1, &o), 0);
  rp__opened_free(&o);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, expires, &o),
                   RP_EEXPIRED);
  /* Created more than the allowed skew in the reader's future: the sender's clock. */
  assert_int_equal(
      rp__envelope_open(f->team, f->roster, env, len, NOW - RP_CLOCK_SKEW_MS - 1, &o),
      RP_EINVAL);
  assert_int_equal(
      rp__envelope_open(f->team, f->roster, env, len, NOW - RP_CLOCK_SKEW_MS, &o), 0);
  rp__opened_free(&o);
  free(env);
}

/* A header without key ids is valid for the relay but not end-to-end sealed. */
static void test_key_ids_required(void **state) {
  fixture *f = *state;
  rp__envhdr h = {.created = NOW, .expires = NOW + HOUR, .urgency = RP__URG_PLAN};
  rp__envelope_new_id(h.msg_id);
  h.sender = (rp__str){"kommune-101", 11};
  h.recipient = (rp__str){"rejseholdet", 11};
  uint8_t hdr[RP__ENVHDR_MAX], ct[1024], buf[2048];
  size_t hdr_len = 0, len = 0;
  assert_int_equal(rp__envhdr_encode(&h, hdr, sizeof hdr, &hdr_len, NULL), 0);
  randombytes_buf(ct, sizeof ct);
  rp__envcont c = {.header = {hdr, (uint32_t)hdr_len}, .ct = {ct, sizeof ct}};
  randombytes_buf(c.enc, sizeof c.enc);
  assert_int_equal(rp__envhdr_container_encode(&c, buf, sizeof buf, &len, NULL), 0);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, buf, len, NOW + 1, &o),
                   RP_EMISSING);
}

/* The chunk key (docs/PROTOCOL.md 6.7): the sender's export and the recipient's are the
 * same key, another envelope has another, and a failed open leaves none. */
static void test_chunk_key(void **state) {
  fixture *f = *state;
  const rp__member *team = find(f, "rejseholdet");
  uint8_t k1[RP__CHUNK_KEYBYTES], k2[RP__CHUNK_KEYBYTES], *env = NULL, *env2 = NULL;
  size_t len = 0, len2 = 0;
  rp__seal_args a = args(RP__URG_NORMAL);
  assert_int_equal(
      rp__envelope_seal_ex(f->muni, team, &a, (const uint8_t *)"x", 1, &env, &len, k1), 0);
  assert_false(sodium_is_zero(k1, sizeof k1));
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env, len, NOW + 1, &o), 0);
  assert_memory_equal(o.chunk_key, k1, sizeof k1);
  rp__opened_free(&o);
  assert_true(sodium_is_zero((const uint8_t *)&o, sizeof o));

  /* The same payload and header sealed again: a fresh ephemeral, another key. */
  assert_int_equal(
      rp__envelope_seal_ex(f->muni, team, &a, (const uint8_t *)"x", 1, &env2, &len2, k2),
      0);
  assert_memory_not_equal(k1, k2, sizeof k1);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env2, len2, NOW + 1, &o), 0);
  assert_memory_equal(o.chunk_key, k2, sizeof k2);
  rp__opened_free(&o);

  /* A failed open: no key. */
  env2[len2 - 1] ^= 1;
  memset(&o, 0x5a, sizeof o);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env2, len2, NOW + 1, &o),
                   RP_EAUTH);
  assert_true(sodium_is_zero(o.chunk_key, sizeof o.chunk_key));
  free(env2);

  /* A failed seal: no key either. */
  memset(k2, 0x5a, sizeof k2);
  assert_int_equal(rp__envelope_seal_ex(f->muni, team, &a, NULL, 1, &env2, &len2, k2),
                   RP_EINVAL);
  assert_true(sodium_is_zero(k2, sizeof k2));
  assert_int_equal(
      rp__envelope_seal_derand(f->muni, team, &a, NULL, 0, &env2, &len2, k2, NULL),
      RP_EINVAL);

  /* The same ephemeral gives the same envelope and key: the derand form is deterministic
   * (A.5 in protocol_doc_test checks its bytes). */
  uint8_t skE[32], k3[RP__CHUNK_KEYBYTES];
  memset(skE, 0x77, sizeof skE);
  assert_int_equal(rp__envelope_seal_derand(f->muni, team, &a, (const uint8_t *)"x", 1,
                                            &env2, &len2, k2, skE),
                   0);
  uint8_t *env3 = NULL;
  size_t len3 = 0;
  assert_int_equal(rp__envelope_seal_derand(f->muni, team, &a, (const uint8_t *)"x", 1,
                                            &env3, &len3, k3, skE),
                   0);
  assert_int_equal(len2, len3);
  assert_memory_equal(env2, env3, len2);
  assert_memory_equal(k2, k3, sizeof k2);
  assert_int_equal(rp__envelope_open(f->team, f->roster, env3, len3, NOW + 1, &o), 0);
  assert_memory_equal(o.chunk_key, k3, sizeof k3);
  rp__opened_free(&o);
  free(env);
  free(env2);
  free(env3);
}

/* The two-step seal (begin, chunks, finish) gives the very bytes and key of the
 * single-shot one with the same ephemeral, opens like any envelope, and seals once. */
static void test_begin_finish(void **state) {
  fixture *f = *state;
  const rp__member *team = find(f, "rejseholdet");
  uint8_t skE[32], k1[RP__CHUNK_KEYBYTES], k2[RP__CHUNK_KEYBYTES];
  uint8_t *env1 = NULL, *env2 = NULL, *env3 = (uint8_t *)1;
  size_t len1 = 0, len2 = 0, len3 = 1;
  static uint8_t pt[3000];
  rp__seal_args a = args(RP__URG_AKUT);
  rp__envelope_sealer *s = NULL;
  memset(skE, 0x42, sizeof skE);
  randombytes_buf(pt, sizeof pt);
  assert_int_equal(
      rp__envelope_seal_derand(f->muni, team, &a, pt, sizeof pt, &env1, &len1, k1, skE), 0);
  assert_int_equal(rp__envelope_begin_derand(f->muni, team, &s, k2, skE), 0);
  assert_memory_equal(k1, k2, sizeof k1);
  /* A failed finish (bad times) seals nothing and may be retried. */
  uint64_t expires = a.expires;
  a.expires = a.created;
  assert_int_equal(rp__envelope_finish(s, &a, pt, sizeof pt, &env2, &len2), RP_EINVAL);
  a.expires = expires;
  assert_int_equal(rp__envelope_finish(s, &a, pt, sizeof pt, &env2, &len2), 0);
  assert_int_equal(len1, len2);
  assert_memory_equal(env1, env2, len1);
  /* Once sealed, the context's sequence number has moved on: no second envelope. */
  assert_int_equal(rp__envelope_finish(s, &a, pt, sizeof pt, &env3, &len3), RP_ESTATE);
  assert_null(env3);
  assert_int_equal(len3, 0);
  rp__envelope_sealer_free(s);
  rp__opened o;
  assert_int_equal(rp__envelope_open(f->team, f->roster, env2, len2, NOW + 1, &o), 0);
  assert_memory_equal(o.chunk_key, k2, sizeof k2);
  assert_int_equal(o.pt_len, sizeof pt);
  assert_memory_equal(o.pt, pt, sizeof pt);
  rp__opened_free(&o);
  /* The random form: a fresh key each time; arguments refused with nothing set. */
  s = NULL;
  assert_int_equal(rp__envelope_begin(f->muni, team, &s, k2), 0);
  assert_memory_not_equal(k1, k2, sizeof k1);
  rp__envelope_sealer_free(s);
  memset(k2, 0x5a, sizeof k2);
  assert_int_equal(rp__envelope_begin(NULL, team, &s, k2), RP_EINVAL);
  assert_null(s);
  assert_true(sodium_is_zero(k2, sizeof k2));
  assert_int_equal(rp__envelope_begin_derand(f->muni, team, &s, k2, NULL), RP_EINVAL);
  rp__envelope_sealer_free(NULL);
  free(env1);
  free(env2);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_round_trip_sizes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_too_big_and_bad_args, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tamper_every_byte, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_everywhere, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_recipient, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_sender, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_and_revoked_sender, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sender_not_yet_valid, setup, teardown),
      cmocka_unit_test_setup_teardown(test_times, setup, teardown),
      cmocka_unit_test_setup_teardown(test_key_ids_required, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chunk_key, setup, teardown),
      cmocka_unit_test_setup_teardown(test_begin_finish, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
