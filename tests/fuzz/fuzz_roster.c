/* SPDX-License-Identifier: MIT */
/*
 * The roster decoder. Each input is tried three ways: as a signed document verified
 * against a fixed administrator key (seed 0x41 repeated, as in the committed seeds); as a
 * bare roster body; and, when the input is a msgpack map whose key 1 holds a byte string
 * (the shape of a signed document), that byte string as a body. The last way lets the
 * fuzzer mutate a real body without having to forge the signature around it.
 *
 * Oracle: a body that decodes is signed again with the fixed key, and the result must
 * verify and give the same roster: our encoder never emits what our decoder refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rp__identity *admin;

static void round_trip(const rp__roster *r) {
  rp__roster *copy = NULL, *back = NULL;
  const uint8_t *doc = NULL;
  size_t len = 0;
  if (rp__roster_create(rp__roster_version(r), rp__roster_issued_at(r), &copy) != 0)
    abort();
  for (uint32_t i = 0; i < rp__roster_count(r); i++)
    if (rp__roster_add(copy, rp__roster_member(r, i)) != 0) abort();
  if (rp__roster_sign(copy, admin) != 0 || rp__roster_document(copy, &doc, &len) != 0)
    abort();
  if (rp__roster_verify(doc, len, admin->pub.identity_pk, &back) != 0) abort();
  if (rp__roster_count(back) != rp__roster_count(r) ||
      rp__roster_version(back) != rp__roster_version(r))
    abort();
  for (uint32_t i = 0; i < rp__roster_count(r); i++) {
    const rp__member *a = rp__roster_member(r, i), *b = rp__roster_member(back, i);
    if (memcmp(&a->pub, &b->pub, sizeof a->pub) != 0 || a->kind != b->kind ||
        a->revoked != b->revoked || strcmp(a->name, b->name) != 0 ||
        rp__roster_find_transport(back, a->pub.transport_pk) != b)
      abort();
  }
  rp__roster_free(back);
  rp__roster_free(copy);
}

static void try_body(const uint8_t *p, size_t n) {
  rp__roster *r = NULL;
  if (rp__roster_decode_body(p, n, &r) != 0) return;
  round_trip(r);
  rp__roster_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (admin == NULL) {
    uint8_t seed[32], tsk[32], msk[32];
    memset(seed, 0x41, sizeof seed);
    memset(tsk, 0x52, sizeof tsk);
    memset(msk, 0x63, sizeof msk);
    if (rp__identity_from_secret("admin", seed, tsk, msk, &admin) != 0) abort();
  }
  rp__roster *r = NULL, *again = NULL;
  if (rp__roster_verify(data, size, admin->pub.identity_pk, &r) == 0) {
    /* Equal version and identical bytes: accepted. */
    if (rp__roster_accept(r, data, size, admin->pub.identity_pk, &again) != 0) abort();
    rp__roster_free(again);
    rp__roster_free(r);
  }
  try_body(data, size);

  msgpack_unpacked up;
  if (rp__mp_unpack(data, size, &up) != 0) return 0;
  const msgpack_object *o = &up.data;
  if (o->type == MSGPACK_OBJECT_MAP) {
    for (uint32_t i = 0; i < o->via.map.size; i++) {
      const msgpack_object_kv *kv = &o->via.map.ptr[i];
      if (kv->key.type == MSGPACK_OBJECT_POSITIVE_INTEGER && kv->key.via.u64 == 1 &&
          kv->val.type == MSGPACK_OBJECT_BIN)
        try_body((const uint8_t *)kv->val.via.bin.ptr, kv->val.via.bin.size);
    }
  }
  msgpack_unpacked_destroy(&up);
  return 0;
}
