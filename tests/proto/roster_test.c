/* SPDX-License-Identifier: MIT */
/* The roster: round trips, signatures, rollback, caps, member rules, and hand-made wire
 * documents for the decoder's rules (unknown keys, versions, duplicates, caps).
 *
 * With RP_WRITE_CORPUS=<dir> set, test_write_corpus writes fuzz seeds there
 * (tests/fuzz/corpus/roster holds the committed ones; the harness's admin seed is 0x41..).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "mp.h"
#include "roster.h"
#include "rejsepost_errors.h"

/* A member with keys derived from `i`: quick, so the cap test can make thousands. */
static void make_member(rp__member *m, uint32_t i, int kind, const char *id) {
  uint8_t seed[32] = {0}, sk[64], x[32];
  memset(m, 0, sizeof *m);
  snprintf(m->pub.id, sizeof m->pub.id, "%s", id);
  m->kind = kind;
  snprintf(m->name, sizeof m->name, "Medlem %u", (unsigned)i);
  if (kind == RP_MEMBER_MUNICIPALITY) {
    snprintf(m->municipality, sizeof m->municipality, "%03u", (unsigned)(101 + i % 700));
    m->networks = (i % 2) ? RP_NETWORK_WEST : RP_NETWORK_EAST;
  }
  memcpy(seed, &i, sizeof i);
  seed[31] = 1;
  crypto_sign_seed_keypair(m->pub.identity_pk, sk, seed);
  seed[31] = 2;
  crypto_generichash(x, 32, seed, 32, NULL, 0);
  crypto_scalarmult_base(m->pub.transport_pk, x);
  seed[31] = 3;
  crypto_generichash(x, 32, seed, 32, NULL, 0);
  crypto_scalarmult_base(m->pub.message_pk, x);
  assert_int_equal(rp__identity_binding_sign(sk, m->pub.transport_pk, m->pub.message_pk,
                                             m->pub.binding_sig),
                   0);
}

static void same_member(const rp__member *a, const rp__member *b) {
  assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
  assert_int_equal(a->kind, b->kind);
  assert_string_equal(a->name, b->name);
  assert_string_equal(a->municipality, b->municipality);
  assert_int_equal(a->networks, b->networks);
  assert_int_equal(a->valid_from, b->valid_from);
  assert_int_equal(a->revoked, b->revoked);
}

typedef struct fixture {
  rp__identity *admin, *other;
  rp__member m[3];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (f == NULL || rp__identity_generate("admin", &f->admin) != 0 ||
      rp__identity_generate("other", &f->other) != 0)
    return -1;
  make_member(&f->m[0], 0, RP_MEMBER_MUNICIPALITY, "kommune-101");
  make_member(&f->m[1], 1, RP_MEMBER_TEAM, "rejseholdet");
  make_member(&f->m[2], 2, RP_MEMBER_RELAY, "relay-1");
  f->m[0].networks = RP_NETWORK_EAST | RP_NETWORK_WEST;
  f->m[2].valid_from = 1700000000000ull;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  rp__identity_free(f->admin);
  rp__identity_free(f->other);
  free(f);
  return 0;
}

/* A signed roster of the fixture's members at `version`. */
static rp__roster *small(fixture *f, uint64_t version) {
  rp__roster *r = NULL;
  assert_int_equal(rp__roster_create(version, 1700000000123ull, &r), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(rp__roster_add(r, &f->m[i]), 0);
  assert_int_equal(rp__roster_sign(r, f->admin), 0);
  return r;
}

static void test_round_trip_and_lookups(void **state) {
  fixture *f = *state;
  rp__roster *r = small(f, 7), *back = NULL;
  const uint8_t *doc = NULL;
  size_t len = 0;
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  assert_int_equal(rp__roster_verify(doc, len, f->admin->pub.identity_pk, &back), 0);
  assert_int_equal(rp__roster_version(back), 7);
  assert_int_equal(rp__roster_issued_at(back), 1700000000123ull);
  assert_int_equal(rp__roster_count(back), 3);
  for (uint32_t i = 0; i < 3; i++)
    same_member(rp__roster_member(back, i), &f->m[i]);
  assert_null(rp__roster_member(back, 3));

  assert_ptr_equal(rp__roster_find_id(back, "rejseholdet"), rp__roster_member(back, 1));
  assert_null(rp__roster_find_id(back, "rejsehold"));
  assert_ptr_equal(rp__roster_find_transport(back, f->m[2].pub.transport_pk),
                   rp__roster_member(back, 2));
  assert_null(rp__roster_find_transport(back, f->m[2].pub.message_pk));
  assert_ptr_equal(rp__roster_find_message(back, f->m[0].pub.message_pk),
                   rp__roster_member(back, 0));
  assert_null(rp__roster_find_message(back, f->m[0].pub.identity_pk));

  const rp__member *relay = rp__roster_find_id(back, "relay-1");
  assert_int_equal(rp__roster_member_active(relay, 1700000000000ull), 0);
  assert_int_equal(rp__roster_member_active(relay, 1699999999999ull), RP_EUNKNOWNMEMBER);
  assert_int_equal(rp__roster_member_active(NULL, 0), RP_EUNKNOWNMEMBER);

  /* A verified roster re-serves exactly the bytes it was given. */
  const uint8_t *doc2 = NULL;
  size_t len2 = 0;
  assert_int_equal(rp__roster_document(back, &doc2, &len2), 0);
  assert_int_equal(len2, len);
  assert_memory_equal(doc2, doc, len);
  /* A change forgets the signed document until the next signature. */
  assert_int_equal(rp__roster_bump(back, 5), 0);
  assert_int_equal(rp__roster_version(back), 8);
  assert_int_equal(rp__roster_document(back, &doc2, &len2), RP_ESTATE);
  assert_null(doc2);
  rp__roster_free(back);
  rp__roster_free(r);
  rp__roster_free(NULL);
}

static void test_empty_roster(void **state) {
  fixture *f = *state;
  rp__roster *r = NULL, *back = NULL;
  const uint8_t *doc;
  size_t len;
  assert_int_equal(rp__roster_create(0, 1, &r), RP_EINVAL);
  assert_int_equal(rp__roster_create(1, 1, &r), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), RP_ESTATE);
  assert_int_equal(rp__roster_sign(r, f->admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  assert_int_equal(rp__roster_verify(doc, len, f->admin->pub.identity_pk, &back), 0);
  assert_int_equal(rp__roster_count(back), 0);
  rp__roster_free(back);
  rp__roster_free(r);
}

/* Every flipped bit of a small signed roster fails: a signature or a decoding error. */
static void test_tampered(void **state) {
  fixture *f = *state;
  rp__roster *r = small(f, 1), *back = NULL;
  const uint8_t *doc;
  size_t len;
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  uint8_t *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, doc, len);
  static const uint8_t masks[] = {0x01, 0x80};
  for (size_t i = 0; i < len; i++) {
    for (size_t k = 0; k < sizeof masks; k++) {
      copy[i] ^= masks[k];
      int rc = rp__roster_verify(copy, len, f->admin->pub.identity_pk, &back);
      if (rc == 0) fail_msg("flip %#x at byte %zu accepted", masks[k], i);
      assert_true(rc < 0 && rc > RP_ERRNO_LAST_);
      assert_null(back);
      copy[i] ^= masks[k];
    }
  }
  for (size_t n = 0; n < len; n++)
    assert_int_not_equal(rp__roster_verify(copy, n, f->admin->pub.identity_pk, &back), 0);
  assert_int_equal(rp__roster_verify(copy, len, f->other->pub.identity_pk, &back), RP_ESIG);
  assert_null(back);
  free(copy);
  rp__roster_free(r);
}

static void test_rollback(void **state) {
  fixture *f = *state;
  rp__roster *v1 = small(f, 1), *v2 = small(f, 2), *held = NULL, *got = NULL;
  const uint8_t *d1, *d2;
  size_t l1, l2;
  assert_int_equal(rp__roster_document(v1, &d1, &l1), 0);
  assert_int_equal(rp__roster_document(v2, &d2, &l2), 0);
  uint8_t *pk = f->admin->pub.identity_pk;

  assert_int_equal(rp__roster_accept(NULL, d2, l2, pk, &held), 0);
  assert_int_equal(rp__roster_accept(held, d1, l1, pk, &got), RP_EROLLBACK);
  assert_null(got);
  assert_int_equal(rp__roster_accept(held, d2, l2, pk, &got), 0); /* the same bytes */
  rp__roster_free(got);
  got = NULL;
  /* Version 2 again but different content: refused. */
  assert_int_equal(rp__roster_revoke(v2, "relay-1"), 0);
  assert_int_equal(rp__roster_sign(v2, f->admin), 0);
  assert_int_equal(rp__roster_document(v2, &d2, &l2), 0);
  assert_int_equal(rp__roster_accept(held, d2, l2, pk, &got), RP_EROLLBACK);
  /* Version 3 with the revocation: accepted and flagged. */
  assert_int_equal(rp__roster_bump(v2, 1700000009999ull), 0);
  assert_int_equal(rp__roster_sign(v2, f->admin), 0);
  assert_int_equal(rp__roster_document(v2, &d2, &l2), 0);
  assert_int_equal(rp__roster_accept(held, d2, l2, pk, &got), 0);
  assert_int_equal(rp__roster_version(got), 3);
  const rp__member *relay = rp__roster_find_id(got, "relay-1");
  assert_non_null(relay);
  assert_true(relay->revoked);
  assert_int_equal(rp__roster_member_active(relay, UINT64_MAX), RP_EREVOKED);
  assert_false(rp__roster_find_id(got, "rejseholdet")->revoked);
  rp__roster_free(got);
  got = NULL;
  /* Wrong key, and a held roster that was never signed or verified. */
  assert_int_equal(rp__roster_accept(held, d2, l2, f->other->pub.identity_pk, &got),
                   RP_ESIG);
  assert_int_equal(rp__roster_revoke(v1, "nobody"), RP_ENOTFOUND);
  rp__roster *unsigned_r = NULL;
  assert_int_equal(rp__roster_create(1, 1, &unsigned_r), 0);
  assert_int_equal(rp__roster_accept(unsigned_r, d2, l2, pk, &got), RP_EINVAL);
  rp__roster_free(unsigned_r);
  rp__roster_free(got);
  rp__roster_free(held);
  rp__roster_free(v1);
  rp__roster_free(v2);
}

static void test_member_rules(void **state) {
  fixture *f = *state;
  rp__roster *r = NULL;
  rp__member m;
  assert_int_equal(rp__roster_create(1, 1, &r), 0);
  assert_int_equal(rp__roster_add(r, &f->m[0]), 0);
  /* Duplicate id; duplicate keys in any role, including a revoked member's. */
  m = f->m[1];
  memcpy(m.pub.id, "kommune-101", sizeof "kommune-101");
  assert_int_equal(rp__roster_add(r, &m), RP_EEXIST);
  m = f->m[0];
  memcpy(m.pub.id, "kommune-102", sizeof "kommune-102");
  assert_int_equal(rp__roster_add(r, &m), RP_EEXIST);
  assert_int_equal(rp__roster_revoke(r, "kommune-101"), 0);
  assert_int_equal(rp__roster_add(r, &m), RP_EEXIST);

  make_member(&m, 9, RP_MEMBER_MUNICIPALITY, "kommune-851");
  rp__member bad = m;
  memset(bad.pub.id, 'a', sizeof bad.pub.id); /* RP_MEMBER_ID_MAX + 1 bytes, no NUL */
  assert_int_equal(rp__roster_add(r, &bad), RP_ETOOBIG);
  bad.pub.id[RP_MEMBER_ID_MAX] = '\0';
  assert_int_equal(rp__roster_add(r, &bad), 0); /* exactly the cap: fine */
  assert_int_equal(rp__roster_revoke(r, bad.pub.id), 0);

  make_member(&m, 10, RP_MEMBER_MUNICIPALITY, "kommune-860");
  static const char *codes[] = {"", "10", "1a1", " 10", "-10"};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    bad = m;
    snprintf(bad.municipality, sizeof bad.municipality, "%s", codes[i]);
    assert_int_equal(rp__roster_add(r, &bad), RP_EINVAL);
  }
  bad = m;
  memcpy(bad.municipality, "8600", 4); /* four digits: no room for the NUL */
  assert_int_equal(rp__roster_add(r, &bad), RP_EINVAL);
  bad = m;
  bad.kind = RP_MEMBER_TEAM; /* a code on a non-municipality */
  assert_int_equal(rp__roster_add(r, &bad), RP_EINVAL);
  bad = m;
  bad.kind = 5;
  assert_int_equal(rp__roster_add(r, &bad), RP_EENUM);
  bad = m;
  bad.networks = 4;
  assert_int_equal(rp__roster_add(r, &bad), RP_EENUM);
  bad = m;
  memcpy(bad.name, "Aarhus\x1b[2J", 11);
  assert_int_equal(rp__roster_add(r, &bad), RP_EINVAL);
  bad = m;
  bad.pub.binding_sig[5] ^= 1;
  assert_int_equal(rp__roster_add(r, &bad), RP_ESIG);
  bad = m;
  memcpy(bad.pub.id, "kommune 860", 12);
  assert_int_equal(rp__roster_add(r, &bad), RP_EINVAL);
  memcpy(m.name, "Aarhus Kommune \xc3\x86\xc3\x98\xc3\x85", 22);
  assert_int_equal(rp__roster_add(r, &m), 0);
  assert_int_equal(rp__roster_count(r), 3);
  rp__roster_free(r);
}

/* ---- hand-made wire documents ---- */

static void pk_str(msgpack_packer *pk, const char *s) {
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

static void pk_bin(msgpack_packer *pk, const uint8_t *p, size_t n) {
  msgpack_pack_bin(pk, n);
  msgpack_pack_bin_body(pk, p, n);
}

/* A member map; `extra` adds an unknown key 99, `dup` repeats key 1. */
static void pack_member(msgpack_sbuffer *sb, const rp__member *m, const char *id,
                        bool extra, bool dup) {
  msgpack_packer pk;
  msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 7 + extra + dup);
  msgpack_pack_uint32(&pk, 1);
  msgpack_pack_str(&pk, strlen(id));
  msgpack_pack_str_body(&pk, id, strlen(id));
  msgpack_pack_uint32(&pk, 2);
  pk_str(&pk, "municipality");
  msgpack_pack_uint32(&pk, 4);
  pk_str(&pk, m->municipality);
  msgpack_pack_uint32(&pk, 6);
  pk_bin(&pk, m->pub.identity_pk, 32);
  msgpack_pack_uint32(&pk, 7);
  pk_bin(&pk, m->pub.transport_pk, 32);
  msgpack_pack_uint32(&pk, 8);
  pk_bin(&pk, m->pub.message_pk, 32);
  msgpack_pack_uint32(&pk, 9);
  pk_bin(&pk, m->pub.binding_sig, 64);
  if (extra) {
    msgpack_pack_uint32(&pk, 99);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_nil(&pk);
  }
  if (dup) {
    msgpack_pack_uint32(&pk, 1);
    pk_str(&pk, "x");
  }
}

/* A body map holding `members` (already concatenated member maps). */
static void pack_body(msgpack_sbuffer *sb, uint64_t schema, const msgpack_sbuffer *members,
                      bool extra) {
  msgpack_packer pk;
  msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 4 + extra);
  msgpack_pack_uint32(&pk, 0);
  msgpack_pack_uint64(&pk, schema);
  msgpack_pack_uint32(&pk, 1);
  msgpack_pack_uint64(&pk, 3);
  msgpack_pack_uint32(&pk, 2);
  msgpack_pack_uint64(&pk, 1700000000000ull);
  if (extra) {
    msgpack_pack_uint32(&pk, 42);
    pk_str(&pk, "from the future");
  }
  msgpack_pack_uint32(&pk, 3);
  pk_bin(&pk, (const uint8_t *)members->data, members->size);
}

static int decode_one(const rp__member *m, const char *id, bool extra, bool dup,
                      uint64_t schema, rp__roster **out) {
  msgpack_sbuffer members, body;
  msgpack_sbuffer_init(&members);
  msgpack_sbuffer_init(&body);
  pack_member(&members, m, id, extra, dup);
  pack_body(&body, schema, &members, extra);
  int rc = rp__roster_decode_body((const uint8_t *)body.data, body.size, out);
  msgpack_sbuffer_destroy(&members);
  msgpack_sbuffer_destroy(&body);
  return rc;
}

static void test_wire_rules(void **state) {
  fixture *f = *state;
  rp__roster *r = NULL;
  const rp__member *m = &f->m[0];
  assert_int_equal(decode_one(m, m->pub.id, false, false, 1, &r), 0);
  assert_int_equal(rp__roster_count(r), 1);
  assert_int_equal(rp__roster_version(r), 3);
  rp__roster_free(r);
  r = NULL;
  /* Unknown keys in the body and in a member are skipped. */
  assert_int_equal(decode_one(m, m->pub.id, true, false, 1, &r), 0);
  same_member(
      rp__roster_member(r, 0),
      &(rp__member){.pub = m->pub, .kind = RP_MEMBER_MUNICIPALITY, .municipality = "101"});
  rp__roster_free(r);
  r = NULL;
  assert_int_equal(decode_one(m, m->pub.id, false, true, 1, &r), RP_EMALFORMED);
  assert_int_equal(decode_one(m, m->pub.id, false, false, 2, &r), RP_EVERSION);
  char longid[RP_MEMBER_ID_MAX + 2];
  memset(longid, 'k', sizeof longid - 1);
  longid[RP_MEMBER_ID_MAX + 1] = '\0';
  assert_int_equal(decode_one(m, longid, false, false, 1, &r), RP_ETOOBIG);
  assert_int_equal(decode_one(m, "bad\nid", false, false, 1, &r), RP_EINVAL);
  assert_null(r);
}

/* Builds members 0..n-1 (municipalities) into r. */
static void fill(rp__roster *r, uint32_t n) {
  rp__member m;
  char id[32];
  for (uint32_t i = 0; i < n; i++) {
    snprintf(id, sizeof id, "kommune-%u", (unsigned)i);
    make_member(&m, 1000 + i, RP_MEMBER_MUNICIPALITY, id);
    assert_int_equal(rp__roster_add(r, &m), 0);
  }
}

static void test_members_cap(void **state) {
  fixture *f = *state;
  rp__roster *r = NULL, *back = NULL;
  rp__member m;
  assert_int_equal(rp__roster_create(1, 1, &r), 0);
  fill(r, RP_ROSTER_MEMBERS_MAX);
  make_member(&m, 99999, RP_MEMBER_TEAM, "one-too-many");
  assert_int_equal(rp__roster_add(r, &m), RP_ETOOBIG);
  /* A full roster round-trips. */
  const uint8_t *doc;
  size_t len;
  assert_int_equal(rp__roster_sign(r, f->admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  assert_true(len <= RP_ROSTER_MAX);
  assert_int_equal(rp__roster_verify(doc, len, f->admin->pub.identity_pk, &back), 0);
  assert_int_equal(rp__roster_count(back), RP_ROSTER_MEMBERS_MAX);
  rp__roster_free(back);
  back = NULL;

  /* On the wire: a body with one member map more than the cap. */
  msgpack_sbuffer members, body;
  msgpack_sbuffer_init(&members);
  msgpack_sbuffer_init(&body);
  for (uint32_t i = 0; i <= RP_ROSTER_MEMBERS_MAX; i++) {
    char id[32];
    snprintf(id, sizeof id, "k-%u", (unsigned)i);
    pack_member(&members, rp__roster_member(r, i % RP_ROSTER_MEMBERS_MAX), id, false,
                false);
  }
  pack_body(&body, 1, &members, false);
  assert_int_equal(rp__roster_decode_body((const uint8_t *)body.data, body.size, &back),
                   RP_ETOOBIG);
  assert_null(back);
  msgpack_sbuffer_destroy(&members);
  msgpack_sbuffer_destroy(&body);
  rp__roster_free(r);
}

/* The same key under two ids in a decoded roster is refused. */
static void test_decoded_duplicates(void **state) {
  fixture *f = *state;
  rp__roster *back = NULL;
  msgpack_sbuffer members, body;
  msgpack_sbuffer_init(&members);
  msgpack_sbuffer_init(&body);
  pack_member(&members, &f->m[0], "a", false, false);
  pack_member(&members, &f->m[0], "b", false, false);
  pack_body(&body, 1, &members, false);
  assert_int_equal(rp__roster_decode_body((const uint8_t *)body.data, body.size, &back),
                   RP_EMALFORMED);
  msgpack_sbuffer_destroy(&members);
  msgpack_sbuffer_destroy(&body);
  rp__member other = f->m[1];
  memcpy(other.municipality, "102", 4);
  msgpack_sbuffer_init(&members);
  msgpack_sbuffer_init(&body);
  pack_member(&members, &f->m[0], "a", false, false);
  pack_member(&members, &other, "a", false, false);
  pack_body(&body, 1, &members, false);
  assert_int_equal(rp__roster_decode_body((const uint8_t *)body.data, body.size, &back),
                   RP_EMALFORMED);
  msgpack_sbuffer_destroy(&members);
  msgpack_sbuffer_destroy(&body);
  msgpack_sbuffer_init(&members);
  msgpack_sbuffer_init(&body);
  pack_member(&members, &f->m[0], "a", false, false);
  pack_member(&members, &other, "b", false, false);
  pack_body(&body, 1, &members, false);
  assert_int_equal(rp__roster_decode_body((const uint8_t *)body.data, body.size, &back), 0);
  assert_int_equal(rp__roster_count(back), 2);
  rp__roster_free(back);
  back = NULL;
  /* Every proper prefix fails: a cut member is never silently dropped. */
  uint8_t *p = malloc(body.size);
  assert_non_null(p);
  memcpy(p, body.data, body.size);
  for (size_t n = 0; n < body.size; n++)
    assert_int_not_equal(rp__roster_decode_body(p, n, &back), 0);
  free(p);
  msgpack_sbuffer_destroy(&members);
  msgpack_sbuffer_destroy(&body);
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(p, 1, n, fp), n);
  fclose(fp);
}

/* Seeds for fuzz_roster: signed documents by the harness's fixed admin key. */
static void test_write_corpus(void **state) {
  fixture *f = *state;
  const char *dir = getenv("RP_WRITE_CORPUS");
  if (dir == NULL) skip();
  uint8_t seed[32], tsk[32], msk[32];
  memset(seed, 0x41, sizeof seed);
  memset(tsk, 0x52, sizeof tsk);
  memset(msk, 0x63, sizeof msk);
  rp__identity *admin = NULL;
  assert_int_equal(rp__identity_from_secret("admin", seed, tsk, msk, &admin), 0);
  rp__roster *r = NULL;
  const uint8_t *doc;
  size_t len;
  assert_int_equal(rp__roster_create(1, 1700000000000ull, &r), 0);
  assert_int_equal(rp__roster_sign(r, admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  write_seed(dir, "empty", doc, len);
  for (int i = 0; i < 3; i++)
    assert_int_equal(rp__roster_add(r, &f->m[i]), 0);
  assert_int_equal(rp__roster_revoke(r, "relay-1"), 0);
  assert_int_equal(rp__roster_sign(r, admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  write_seed(dir, "three", doc, len);
  rp__roster_free(r);
  rp__identity_free(admin);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_lookups),
      cmocka_unit_test(test_empty_roster),
      cmocka_unit_test(test_tampered),
      cmocka_unit_test(test_rollback),
      cmocka_unit_test(test_member_rules),
      cmocka_unit_test(test_wire_rules),
      cmocka_unit_test(test_members_cap),
      cmocka_unit_test(test_decoded_duplicates),
      cmocka_unit_test(test_write_corpus),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
