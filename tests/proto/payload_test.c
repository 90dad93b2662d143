/* SPDX-License-Identifier: MIT */
/*
 * Every payload kind against its own table: round trips, and for every field of every
 * kind the errors a peer can provoke (missing, wrong type, unknown enum name, one past
 * each cap). The cases are generated from the schema tables, so a new field is tested
 * the day it is added; a coverage check fails if a sample never exercises a field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload.h"
#include "payload_samples.h"

static uint8_t enc_buf[RP_PAYLOAD_MAX], edit_buf[RP_PAYLOAD_MAX], re_buf[RP_PAYLOAD_MAX];
static rp__payload in, out;

static size_t encode_ok(const rp__payload *p, uint8_t *buf) {
  size_t len = 0;
  const char *where = NULL;
  int r = rp__payload_encode(p, buf, RP_PAYLOAD_MAX, &len, &where);
  if (r != 0)
    fail_msg("encode %s: %s at %s", rp__payload_kind_name(p->kind), rp_err_name(r),
             where ? where : "?");
  return len;
}

static void test_round_trip_every_kind(void **state) {
  (void)state;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    for (int v = 0; v < SAMPLE_VARIANTS; v++) {
      const char *where = "x";
      sample_payload(&in, k, v);
      size_t len = encode_ok(&in, enc_buf);
      assert_int_equal(rp__payload_decode(enc_buf, len, &out, &where), 0);
      assert_null(where);
      assert_int_equal(out.kind, k);
      assert_int_equal(out.version, RP_SCHEMA_VERSION);
      assert_memory_equal(out.msg_id, in.msg_id, RP_MSG_ID_BYTES);
      assert_memory_equal(out.thread_id, in.thread_id, RP_THREAD_ID_BYTES);
      assert_int_equal(out.created, in.created);
      /* What decoded encodes to the same bytes: nothing was lost or changed. */
      assert_int_equal(encode_ok(&out, re_buf), len);
      assert_memory_equal(re_buf, enc_buf, len);
      assert_int_equal(rp__payload_decode_kind(k, enc_buf, len, &out, &where), 0);
      unsigned other = k % RP__PL_KIND_MAX + 1;
      assert_int_equal(rp__payload_decode_kind(other, enc_buf, len, &out, &where),
                       RP_EENUM);
      assert_string_equal(where, "kind");
      assert_int_equal(out.kind, 0); /* cleared on failure */
    }
  }
}

/* Field by field, the request survives the round trip (the generic test compares
 * encodings; this one looks at the C values a caller reads). */
static void test_request_values(void **state) {
  (void)state;
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  size_t len = encode_ok(&in, enc_buf);
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, NULL), 0);
  const rp__pl_request *q = &out.u.request;
  assert_true(rp__str_eq(q->sender_org, "101"));
  assert_int_equal(q->sender_role, RP__ROLE_MYNDIGHEDSRAADGIVER);
  assert_true(rp__str_eq(q->local_case_ref, "27.12.16-G01-123-24"));
  assert_int_equal(q->urgency, RP__URG_HASTER);
  assert_int_equal(q->categories, in.u.request.categories);
  assert_int_equal(q->risk.level, RP__RISK_HOEJ);
  assert_true(q->risk.acute);
  assert_true(rp__str_eq(q->risk.assessed_on, "2024-02-29"));
  assert_int_equal(q->citizen.age, 16);
  assert_true(q->citizen.under_18);
  assert_int_equal(q->risk_assessed_before_family, RP__JA);
  assert_int_equal(q->identifiability.mode, RP__IDENT_PSEUDONYM);
  assert_int_equal(q->legal_basis, RP__LB_SAMTYKKE);
  assert_int_equal(q->measures_taken, in.u.request.measures_taken);
  assert_int_equal(q->nattachments, 2);
  assert_true(rp__str_eq(q->attachments[1].name, "risiko æøå.pdf"));
  assert_int_equal(q->attachments[1].size, 123456);
  assert_memory_equal(q->attachments[1].sha256, in.u.request.attachments[1].sha256, 32);
  /* measures_taken is required even when empty: it travels as an empty array. */
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_MIN);
  len = encode_ok(&in, enc_buf);
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, NULL), 0);
  assert_int_equal(out.u.request.measures_taken, 0);
  edit drop = {{18}, 1, EDIT_DROP, NULL, NULL};
  const char *where = NULL;
  size_t n = apply_edit(enc_buf, len, &drop, edit_buf, sizeof edit_buf);
  assert_int_equal(rp__payload_decode(edit_buf, n, &out, &where), RP_EMISSING);
  assert_string_equal(where, "measures_taken");
}

/* ---- schema-driven cases ---- */
static bool present(const rp__field *f, const void *obj) {
  const char *b = obj;
  if (f->flags & RP__REQ) return true;
  switch (f->type) {
  case RP__F_UINT:
    return *(const uint64_t *)(b + f->off) != 0;
  case RP__F_BOOL:
    return *(const bool *)(b + f->off);
  case RP__F_STR:
    return ((const rp__str *)(b + f->off))->n != 0;
  case RP__F_FIXBIN: {
    static const uint8_t zero[64];
    return memcmp(b + f->off, zero, (size_t)f->max) != 0;
  }
  case RP__F_ENUM:
    return *(const int *)(b + f->off) != 0;
  case RP__F_SET:
    return *(const uint64_t *)(b + f->off) != 0;
  case RP__F_STRUCT:
    return !(f->flags & RP__HAS) || *(const bool *)(b + f->has_off);
  case RP__F_LIST:
    return *(const uint32_t *)(b + f->count_off) != 0;
  default:
    return false;
  }
}

typedef struct ctx {
  const uint8_t *doc;
  size_t len;
  unsigned cases;
  const rp__field *covered[512];
  unsigned ncovered;
} ctx;

static void cover(ctx *c, const rp__field *f) {
  for (unsigned i = 0; i < c->ncovered; i++)
    if (c->covered[i] == f) return;
  assert_true(c->ncovered < 512);
  c->covered[c->ncovered++] = f;
}

/* Applies an edit and checks the decoder's verdict (and the field it names). */
static void expect(ctx *c, const edit *e, int want, const char *want_where) {
  const char *where = NULL;
  size_t n = apply_edit(c->doc, c->len, e, edit_buf, sizeof edit_buf);
  assert_true(n > 0);
  int r = rp__payload_decode(edit_buf, n, &out, &where);
  if (r != want || (want != 0 && strcmp(where, want_where) != 0))
    fail_msg("edit op %d at key %u (depth %zu): got %s at %s, want %s at %s", e->op,
             e->path[e->depth - 1], e->depth, rp_err_name(r), where ? where : "-",
             rp_err_name(want), want_where);
  c->cases++;
}

typedef struct rep {
  uint32_t n;
  size_t len;
  const char *s;              /* STR: n bytes of 'a'; SET: n names */
  const msgpack_object *elem; /* LIST: n copies */
} rep;

static void put_rep(msgpack_packer *pk, const void *arg) {
  const rep *r = arg;
  static char text[RP_TEXT_QUESTION_MAX + 2];
  if (r->elem != NULL || r->s != NULL) {
    msgpack_pack_array(pk, r->n);
    for (uint32_t i = 0; i < r->n; i++)
      r->elem ? msgpack_pack_object(pk, *r->elem) : put_cstr(pk, r->s);
    return;
  }
  memset(text, 'a', r->len);
  msgpack_pack_str(pk, r->len);
  msgpack_pack_str_body(pk, text, r->len);
}

static void put_bin15(msgpack_packer *pk, const void *arg) {
  (void)arg;
  msgpack_pack_bin(pk, 15);
  msgpack_pack_bin_body(pk, "0123456789abcde", 15);
}

static const msgpack_object *find(const msgpack_object *o, const uint32_t *path,
                                  size_t depth) {
  for (size_t i = 0; i < depth && o != NULL; i++) {
    const msgpack_object *next = NULL;
    if (o->type == MSGPACK_OBJECT_ARRAY && path[i] < o->via.array.size)
      next = &o->via.array.ptr[path[i]];
    for (uint32_t j = 0; o->type == MSGPACK_OBJECT_MAP && j < o->via.map.size; j++)
      if (o->via.map.ptr[j].key.via.u64 == path[i]) next = &o->via.map.ptr[j].val;
    o = next;
  }
  return o;
}

static void field_cases(ctx *c, const rp__field *f, const uint32_t *path, size_t depth) {
  edit e = {{0}, depth, EDIT_DROP, NULL, NULL};
  memcpy(e.path, path, depth * sizeof path[0]);
  bool is_kind = depth == 1 && f->key == 1;
  cover(c, f);
  if (f->flags & RP__REQ) expect(c, &e, RP_EMISSING, f->name);
  e.op = EDIT_REPLACE;
  e.put = put_nil;
  expect(c, &e, RP_ETYPE, f->name);
  rep r = {0, 0, NULL, NULL};
  e.put = put_rep;
  e.arg = &r;
  switch (f->type) {
  case RP__F_ENUM:
  case RP__F_SET:
    e.put = f->type == RP__F_ENUM ? put_cstr : put_rep;
    e.arg = f->type == RP__F_ENUM ? (const void *)"ukendt_vaerdi" : (const void *)&r;
    r.n = 1, r.s = "ukendt_vaerdi";
    expect(c, &e, RP_EENUM, f->name);
    if (f->type == RP__F_SET) {
      r.n = (uint32_t)f->max + 1; /* one past the cap: refused before any lookup */
      expect(c, &e, RP_ETOOBIG, f->name);
    }
    break;
  case RP__F_STR:
    r.len = (size_t)f->max + 1;
    expect(c, &e, RP_ETOOBIG, f->name);
    if (f->min < f->max && strcmp(f->name, "attachment.mime") != 0) {
      r.len = (size_t)f->max; /* free text: exactly at the cap is fine */
      expect(c, &e, 0, NULL);
    }
    break;
  case RP__F_UINT: {
    static uint64_t v;
    e.put = put_uint, e.arg = &v;
    if (is_kind) break;
    if (f->max < UINT64_MAX) v = f->max + 1, expect(c, &e, RP_ETOOBIG, f->name);
    if (f->min > 0) v = f->min - 1, expect(c, &e, RP_ETOOBIG, f->name);
    break;
  }
  case RP__F_FIXBIN:
    e.put = put_bin15;
    expect(c, &e, RP_ESIZE, f->name);
    break;
  case RP__F_LIST: {
    msgpack_unpacked up;
    assert_int_equal(rp__mp_unpack(c->doc, c->len, &up), 0);
    uint32_t first[4];
    memcpy(first, path, depth * sizeof path[0]);
    first[depth] = 0;
    r.elem = find(&up.data, first, depth + 1);
    assert_non_null(r.elem);
    r.n = (uint32_t)f->max;
    expect(c, &e, 0, NULL);
    r.n = (uint32_t)f->max + 1;
    expect(c, &e, RP_ETOOBIG, f->name);
    msgpack_unpacked_destroy(&up);
    break;
  }
  default:
    break;
  }
}

/* Visits every field present in obj (schema s), nested maps and first list elements
 * included, with its key path. */
static void visit(ctx *c, const rp__schema *s, const void *obj, uint32_t *path,
                  size_t depth) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    if (!present(f, obj)) continue;
    path[depth] = f->key;
    field_cases(c, f, path, depth + 1);
    if (f->type == RP__F_STRUCT)
      visit(c, f->sub, (const char *)obj + f->off, path, depth + 1);
    if (f->type == RP__F_LIST) {
      path[depth + 1] = 0;
      visit(c, f->sub, (const char *)obj + f->off, path, depth + 2);
    }
  }
}

/* Asserts that every field of s (and of its nested schemas) was exercised. */
static void assert_covered(const ctx *c, const rp__schema *s) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    bool seen = false;
    for (unsigned j = 0; j < c->ncovered; j++)
      seen |= c->covered[j] == f;
    if (!seen) fail_msg("%s: field %s never exercised", s->name, f->name);
    if (f->sub) assert_covered(c, f->sub);
  }
}

static void test_every_field_of_every_kind(void **state) {
  (void)state;
  static ctx c;
  memset(&c, 0, sizeof c);
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    for (int v = 0; v < SAMPLE_VARIANTS; v++) {
      uint32_t path[4];
      sample_payload(&in, k, v);
      c.len = encode_ok(&in, enc_buf);
      c.doc = enc_buf;
      visit(&c, rp__payload_schema(k), &in, path, 0);
    }
  }
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++)
    assert_covered(&c, rp__payload_schema(k));
  print_message("%u generated field cases\n", c.cases);
}

/* Every prefix of every kind's encoding fails cleanly; so does one byte too many. */
static void test_truncated_at_every_byte(void **state) {
  (void)state;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    sample_payload(&in, k, SAMPLE_FULL);
    size_t len = encode_ok(&in, enc_buf);
    for (size_t n = 0; n < len; n++)
      assert_int_not_equal(rp__payload_decode(enc_buf, n, &out, NULL), 0);
    enc_buf[len] = 0xc0;
    assert_int_equal(rp__payload_decode(enc_buf, len + 1, &out, NULL), RP_EMALFORMED);
  }
}

static void test_version_and_kind(void **state) {
  (void)state;
  const char *where = NULL;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    sample_payload(&in, k, SAMPLE_MIN);
    size_t len = encode_ok(&in, enc_buf), n;
    static uint64_t v;
    edit e = {{0}, 1, EDIT_REPLACE, put_uint, &v};
    for (v = 0; v <= 3; v++) {
      n = apply_edit(enc_buf, len, &e, edit_buf, sizeof edit_buf);
      assert_int_equal(rp__payload_decode(edit_buf, n, &out, &where),
                       v == RP_SCHEMA_VERSION ? 0 : RP_EVERSION);
      if (v != RP_SCHEMA_VERSION) assert_string_equal(where, "version");
    }
    /* Unknown kinds, and a kind that disagrees with the fields of another. */
    e.path[0] = 1;
    static const uint64_t bad[] = {0, RP__PL_KIND_MAX + 1, 1000, UINT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      v = bad[i];
      n = apply_edit(enc_buf, len, &e, edit_buf, sizeof edit_buf);
      assert_int_equal(rp__payload_decode(edit_buf, n, &out, &where), RP_EENUM);
      assert_string_equal(where, "kind");
    }
    /* Another kind's number makes the fields mean that kind's: they fail its rules or,
     * where they happen to fit, decode as that kind and nothing else. */
    v = k % RP__PL_KIND_MAX + 1;
    n = apply_edit(enc_buf, len, &e, edit_buf, sizeof edit_buf);
    if (rp__payload_decode(edit_buf, n, &out, &where) == 0) assert_int_equal(out.kind, v);
  }
  /* A newer version says "version" even when its kind is new too. */
  static const uint8_t newer[] = {0x82, 0x00, 0x02, 0x01, 0x63};
  assert_int_equal(rp__payload_decode(newer, sizeof newer, &out, &where), RP_EVERSION);
  static const uint8_t arr[] = {0x90};
  assert_int_equal(rp__payload_decode(arr, sizeof arr, &out, &where), RP_ETYPE);
}

static void put_future(msgpack_packer *pk, const void *arg) {
  (void)arg;
  msgpack_pack_map(pk, 1);
  msgpack_pack_uint32(pk, 1);
  msgpack_pack_array(pk, 2);
  msgpack_pack_nil(pk);
  msgpack_pack_double(pk, 2.5);
}

/* A newer peer's optional field is skipped at any level; what we keep is unchanged. */
static void test_unknown_keys_accepted(void **state) {
  (void)state;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    sample_payload(&in, k, SAMPLE_FULL);
    size_t len = encode_ok(&in, enc_buf);
    edit e = {{99}, 1, EDIT_ADD, put_future, NULL};
    size_t n = apply_edit(enc_buf, len, &e, edit_buf, sizeof edit_buf);
    assert_true(n > len);
    assert_int_equal(rp__payload_decode(edit_buf, n, &out, NULL), 0);
    assert_int_equal(encode_ok(&out, re_buf), len);
    assert_memory_equal(re_buf, enc_buf, len);
  }
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  size_t len = encode_ok(&in, enc_buf);
  static const edit nested[] = {{{13, 99}, 2, EDIT_ADD, put_future, NULL},
                                {{14, 99}, 2, EDIT_ADD, put_future, NULL},
                                {{21, 1, 99}, 3, EDIT_ADD, put_future, NULL}};
  for (size_t i = 0; i < 3; i++) {
    size_t n = apply_edit(enc_buf, len, &nested[i], edit_buf, sizeof edit_buf);
    assert_int_equal(rp__payload_decode(edit_buf, n, &out, NULL), 0);
    assert_int_equal(encode_ok(&out, re_buf), len);
  }
}

/* Fills every text to its cap, every list to its capacity and every set completely;
 * the encoding must fit RP_PAYLOAD_MAX. Fixed-form texts (codes, dates, media types)
 * keep their sample values. */
static void maximise(const rp__schema *s, void *obj) {
  static char big[RP_TEXT_QUESTION_MAX];
  memset(big, 'a', sizeof big);
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    char *b = (char *)obj + f->off;
    if (f->type == RP__F_STR && f->min < f->max && strcmp(f->name, "attachment.mime") != 0)
      *(rp__str *)b = (rp__str){big, (uint32_t)f->max};
    if (f->type == RP__F_SET)
      *(uint64_t *)b = f->enm->n == 64 ? UINT64_MAX : (1ull << f->enm->n) - 1;
    if (f->type == RP__F_STRUCT) maximise(f->sub, b);
    if (f->type == RP__F_LIST) {
      uint32_t *n = (uint32_t *)((char *)obj + f->count_off);
      if (*n == 0) continue;
      maximise(f->sub, b);
      for (uint32_t j = 1; j < f->max; j++)
        memcpy(b + j * f->sub->size, b, f->sub->size);
      *n = (uint32_t)f->max;
    }
  }
}

static void test_largest_payload_fits(void **state) {
  (void)state;
  size_t largest = 0;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    sample_payload(&in, k, SAMPLE_FULL);
    maximise(rp__payload_schema(k), &in);
    size_t len = encode_ok(&in, enc_buf);
    assert_int_equal(rp__payload_decode(enc_buf, len, &out, NULL), 0);
    if (len > largest) largest = len;
  }
  print_message("largest payload: %zu bytes (RP_PAYLOAD_MAX %u)\n", largest,
                RP_PAYLOAD_MAX);
}

static void test_encoder_refuses(void **state) {
  (void)state;
  size_t len = 99;
  const char *where = NULL;
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  in.kind = 0;
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_EENUM);
  assert_string_equal(where, "kind");
  assert_int_equal(len, 0);
  in.kind = RP__PL_KIND_MAX + 1;
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_EENUM);
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  in.u.request.urgency = RP__URG_PLAN + 1;
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_EENUM);
  assert_string_equal(where, "urgency");
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  in.u.request.categories |= 1ull << 20; /* past the enum */
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_EENUM);
  assert_string_equal(where, "categories");
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  in.u.request.nattachments = RP_PAYLOAD_ATTACHMENTS_MAX + 1;
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_ETOOBIG);
  assert_string_equal(where, "attachments");
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  in.u.request.question = rp__str_c("ugyldig \xff");
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where),
                   RP_EUTF8);
  assert_string_equal(where, "question");
  sample_payload(&in, RP__PL_REQUEST, SAMPLE_FULL);
  assert_int_equal(rp__payload_encode(&in, enc_buf, 20, &len, &where), RP_ETOOBIG);
  assert_int_equal(len, 0);
  /* Version and kind come from the encoder and the union tag, not the caller. */
  sample_payload(&in, RP__PL_CLOSURE, SAMPLE_FULL);
  in.version = 7;
  assert_int_equal(rp__payload_encode(&in, enc_buf, sizeof enc_buf, &len, &where), 0);
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, &where), 0);
  assert_int_equal(out.version, RP_SCHEMA_VERSION);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_kind),
      cmocka_unit_test(test_request_values),
      cmocka_unit_test(test_every_field_of_every_kind),
      cmocka_unit_test(test_truncated_at_every_byte),
      cmocka_unit_test(test_version_and_kind),
      cmocka_unit_test(test_unknown_keys_accepted),
      cmocka_unit_test(test_largest_payload_fits),
      cmocka_unit_test(test_encoder_refuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
