/* SPDX-License-Identifier: MIT */
/* The bounded msgpack layer: the structural gate and the schema engine's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mp.h"

/* ---- a test schema exercising every field type ---- */
static const char *const colour_names[] = {"roed", "groen", "blaa"};
static const rp__enum colours = {colour_names, 3};

typedef struct inner {
  rp__str name;
  uint64_t n;
} inner;

static const rp__field inner_fields[] = {
    {.key = 1,
     .name = "name",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(inner, name),
     .min = 1,
     .max = 8},
    {.key = 2, .name = "n", .type = RP__F_UINT, .off = offsetof(inner, n), .max = 100},
};
static const rp__schema inner_schema = {"inner", sizeof(inner), inner_fields, 2, NULL};

typedef struct doc {
  uint32_t v;
  uint64_t num;
  bool flag;
  rp__str text;
  rp__bin blob;
  uint8_t id[4];
  int colour;
  uint64_t colours;
  inner one;
  bool has_opt;
  inner opt;
  inner list[3];
  uint32_t nlist;
  rp__str words[2];
  uint32_t nwords;
} doc;

static int doc_check(const void *obj, const char **where) {
  const doc *d = obj;
  if (d->flag && d->text.n == 0) {
    *where = "text";
    return RP_EMISSING; /* text required when flag is set */
  }
  return 0;
}

static const rp__field doc_fields[] = {
    {.key = 0,
     .name = "v",
     .type = RP__F_VERSION,
     .flags = RP__REQ,
     .off = offsetof(doc, v)},
    {.key = 1,
     .name = "num",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = offsetof(doc, num),
     .min = 1,
     .max = 1000},
    {.key = 2, .name = "flag", .type = RP__F_BOOL, .off = offsetof(doc, flag)},
    {.key = 3, .name = "text", .type = RP__F_STR, .off = offsetof(doc, text), .max = 16},
    {.key = 4, .name = "blob", .type = RP__F_BIN, .off = offsetof(doc, blob), .max = 8},
    {.key = 5,
     .name = "id",
     .type = RP__F_FIXBIN,
     .flags = RP__REQ,
     .off = offsetof(doc, id),
     .min = 4,
     .max = 4},
    {.key = 6,
     .name = "colour",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(doc, colour),
     .enm = &colours},
    {.key = 7,
     .name = "colours",
     .type = RP__F_SET,
     .off = offsetof(doc, colours),
     .max = 2,
     .enm = &colours},
    {.key = 8,
     .name = "one",
     .type = RP__F_STRUCT,
     .flags = RP__REQ,
     .off = offsetof(doc, one),
     .sub = &inner_schema},
    {.key = 9,
     .name = "opt",
     .type = RP__F_STRUCT,
     .flags = RP__HAS,
     .off = offsetof(doc, opt),
     .sub = &inner_schema,
     .has_off = offsetof(doc, has_opt)},
    {.key = 10,
     .name = "list",
     .type = RP__F_LIST,
     .off = offsetof(doc, list),
     .max = 3,
     .sub = &inner_schema,
     .count_off = offsetof(doc, nlist)},
    {.key = 11,
     .name = "words",
     .type = RP__F_STRLIST,
     .off = offsetof(doc, words),
     .max = 2,
     .count_off = offsetof(doc, nwords),
     .elem_max = 5},
};
static const rp__schema doc_schema = {"doc", sizeof(doc), doc_fields, 12, doc_check};

static doc sample(void) {
  static const uint8_t blob[3] = {1, 2, 3};
  doc d;
  memset(&d, 0, sizeof d);
  d.num = 42;
  d.flag = true;
  d.text = rp__str_c("hej æøå");
  d.blob.p = blob;
  d.blob.n = 3;
  memcpy(d.id, "\x01\x02\x03\x04", 4);
  d.colour = 2;
  d.colours = 0x5; /* roed, blaa */
  d.one.name = rp__str_c("a");
  d.one.n = 7;
  d.has_opt = true;
  d.opt.name = rp__str_c("b");
  d.nlist = 2;
  d.list[0].name = rp__str_c("x");
  d.list[1].name = rp__str_c("y");
  d.list[1].n = 100;
  d.nwords = 1;
  d.words[0] = rp__str_c("ord");
  return d;
}

static size_t enc(const doc *d, uint8_t *buf, size_t cap) {
  size_t len = 0;
  const char *where = NULL;
  assert_int_equal(rp__mp_encode(&doc_schema, d, buf, cap, &len, &where), 0);
  assert_true(len > 0);
  return len;
}

static void test_round_trip(void **state) {
  (void)state;
  uint8_t buf[512];
  doc in = sample(), out;
  size_t len = enc(&in, buf, sizeof buf);
  const char *where = NULL;
  assert_int_equal(rp__mp_decode(&doc_schema, buf, len, &out, &where), 0);
  assert_int_equal(out.v, RP_SCHEMA_VERSION);
  assert_int_equal(out.num, 42);
  assert_true(out.flag);
  assert_true(rp__str_eq(out.text, "hej æøå"));
  assert_int_equal(out.blob.n, 3);
  assert_memory_equal(out.blob.p, "\x01\x02\x03", 3);
  assert_memory_equal(out.id, "\x01\x02\x03\x04", 4);
  assert_int_equal(out.colour, 2);
  assert_int_equal(out.colours, 0x5);
  assert_true(rp__str_eq(out.one.name, "a"));
  assert_int_equal(out.one.n, 7);
  assert_true(out.has_opt);
  assert_true(rp__str_eq(out.opt.name, "b"));
  assert_int_equal(out.nlist, 2);
  assert_true(rp__str_eq(out.list[1].name, "y"));
  assert_int_equal(out.list[1].n, 100);
  assert_int_equal(out.nwords, 1);
  assert_true(rp__str_eq(out.words[0], "ord"));

  /* Optional fields left at zero are not emitted and decode as zero. */
  doc minimal = sample();
  minimal.flag = false;
  minimal.text.n = 0;
  minimal.blob.n = 0;
  minimal.colours = 0;
  minimal.has_opt = false;
  minimal.nlist = minimal.nwords = 0;
  size_t mlen = enc(&minimal, buf, sizeof buf);
  assert_true(mlen < len);
  assert_int_equal(rp__mp_decode(&doc_schema, buf, mlen, &out, &where), 0);
  assert_false(out.has_opt);
  assert_int_equal(out.nlist, 0);
}

/* Every truncation of a valid document fails cleanly, and so does one extra byte. */
static void test_truncated_at_every_byte(void **state) {
  (void)state;
  uint8_t buf[512];
  doc in = sample(), out;
  size_t len = enc(&in, buf, sizeof buf);
  for (size_t n = 0; n < len; n++)
    assert_int_not_equal(rp__mp_decode(&doc_schema, buf, n, &out, NULL), 0);
  buf[len] = 0xc0;
  assert_int_equal(rp__mp_decode(&doc_schema, buf, len + 1, &out, NULL), RP_EMALFORMED);
}

static void test_huge_counts_rejected_without_allocating(void **state) {
  (void)state;
  size_t used = 99;
  /* array32 / map32 claiming 4 billion elements, and a str32/bin32 of 4 GiB. */
  static const uint8_t arr[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
  static const uint8_t map[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02};
  static const uint8_t str[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
  static const uint8_t bin[] = {0xc6, 0x00, 0x00, 0x01, 0x00, 'a'};
  static const uint8_t ext[] = {0xc7, 0x02, 0x05, 'a'};
  /* PROTOCOL.md 2.1: a count beyond the bytes that remain is ETRUNC, checked before the
   * object budget (ETOOBIG), so every reader reports these bytes alike. */
  assert_int_equal(rp__mp_check(arr, sizeof arr, &used), RP_ETRUNC);
  assert_int_equal(used, 0);
  assert_int_equal(rp__mp_check(map, sizeof map, &used), RP_ETRUNC);
  assert_int_equal(rp__mp_check(str, sizeof str, &used), RP_ETRUNC);
  assert_int_equal(rp__mp_check(bin, sizeof bin, &used), RP_ETRUNC);
  assert_int_equal(rp__mp_check(ext, sizeof ext, &used), RP_ETRUNC);
  /* A count within the item cap but beyond the bytes left. */
  static const uint8_t arr16[] = {0xdc, 0x00, 0x10, 0x01, 0x02};
  assert_int_equal(rp__mp_check(arr16, sizeof arr16, &used), RP_ETRUNC);
  static const uint8_t reserved[] = {0xc1};
  assert_int_equal(rp__mp_check(reserved, 1, &used), RP_EMALFORMED);
}

static void test_item_cap_exceeded_by_one(void **state) {
  (void)state;
  /* One array holding RP_MP_ITEMS_MAX-1 nils: with the array itself that is exactly
   * RP_MP_ITEMS_MAX objects. One more nil is one past the cap. */
  size_t n = RP_MP_ITEMS_MAX;
  uint8_t *buf = calloc(n + 5, 1);
  assert_non_null(buf);
  uint32_t count = (uint32_t)(n - 1);
  buf[0] = 0xdd;
  buf[1] = count >> 24, buf[2] = count >> 16, buf[3] = count >> 8, buf[4] = count;
  memset(buf + 5, 0xc0, n);
  size_t used = 0;
  assert_int_equal(rp__mp_check(buf, 5 + count, &used), 0);
  assert_int_equal(used, 5 + count);
  count++;
  buf[1] = count >> 24, buf[2] = count >> 16, buf[3] = count >> 8, buf[4] = count;
  assert_int_equal(rp__mp_check(buf, 5 + count, &used), RP_ETOOBIG);
  free(buf);
}

static void test_depth_cap(void **state) {
  (void)state;
  uint8_t buf[32];
  size_t used = 0;
  /* RP_MP_DEPTH_MAX nested arrays are fine; one more is refused. */
  memset(buf, 0x91, RP_MP_DEPTH_MAX);
  buf[RP_MP_DEPTH_MAX] = 0xc0;
  assert_int_equal(rp__mp_check(buf, RP_MP_DEPTH_MAX + 1, &used), 0);
  memset(buf, 0x91, RP_MP_DEPTH_MAX + 1);
  buf[RP_MP_DEPTH_MAX + 1] = 0xc0;
  assert_int_equal(rp__mp_check(buf, RP_MP_DEPTH_MAX + 2, &used), RP_EDEPTH);
}

/* Builds a document by hand with a packer so that we can break the rules. */
typedef struct raw {
  uint8_t buf[512];
  rp__buf b;
  msgpack_packer pk;
} raw;

static void raw_init(raw *r) {
  rp__buf_init_mem(&r->b, r->buf, sizeof r->buf);
  rp__mp_buf_packer(&r->b, &r->pk);
}

static void pack_s(msgpack_packer *pk, const char *s) {
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

/* Packs the required fields of doc; extra is appended as (key, packer callback). */
static void pack_base(raw *r, uint32_t nextra, uint64_t version, const char *colour) {
  msgpack_packer *pk = &r->pk;
  msgpack_pack_map(pk, 5 + nextra);
  msgpack_pack_uint32(pk, 0), msgpack_pack_uint64(pk, version);
  msgpack_pack_uint32(pk, 1), msgpack_pack_uint32(pk, 5);
  msgpack_pack_uint32(pk, 5), msgpack_pack_bin(pk, 4), msgpack_pack_bin_body(pk, "abcd", 4);
  msgpack_pack_uint32(pk, 6), pack_s(pk, colour);
  msgpack_pack_uint32(pk, 8), msgpack_pack_map(pk, 1);
  msgpack_pack_uint32(pk, 1), pack_s(pk, "n");
}

static int raw_decode(raw *r, const char **where) {
  doc out;
  return rp__mp_decode(&doc_schema, r->buf, r->b.len, &out, where);
}

static void test_schema_rules(void **state) {
  (void)state;
  raw r;
  const char *where = NULL;

  raw_init(&r);
  pack_base(&r, 0, 1, "blaa");
  assert_int_equal(raw_decode(&r, &where), 0);

  raw_init(&r); /* newer schema version */
  pack_base(&r, 0, 2, "blaa");
  assert_int_equal(raw_decode(&r, &where), RP_EVERSION);

  raw_init(&r); /* unknown enum name */
  pack_base(&r, 0, 1, "gul");
  assert_int_equal(raw_decode(&r, &where), RP_EENUM);
  assert_string_equal(where, "colour");

  raw_init(&r); /* unknown key is skipped, whatever it holds */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 99), msgpack_pack_array(&r.pk, 2);
  msgpack_pack_nil(&r.pk), msgpack_pack_double(&r.pk, 1.5);
  assert_int_equal(raw_decode(&r, &where), 0);

  raw_init(&r); /* duplicate known key */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 1), msgpack_pack_uint32(&r.pk, 6);
  assert_int_equal(raw_decode(&r, &where), RP_EMALFORMED);
  assert_string_equal(where, "num");

  raw_init(&r); /* duplicate unknown key */
  pack_base(&r, 2, 1, "roed");
  msgpack_pack_uint32(&r.pk, 77), msgpack_pack_nil(&r.pk);
  msgpack_pack_uint32(&r.pk, 77), msgpack_pack_nil(&r.pk);
  assert_int_equal(raw_decode(&r, &where), RP_EMALFORMED);

  raw_init(&r); /* string key */
  pack_base(&r, 1, 1, "roed");
  pack_s(&r.pk, "num"), msgpack_pack_uint32(&r.pk, 6);
  assert_int_equal(raw_decode(&r, &where), RP_EMALFORMED);

  raw_init(&r); /* wrong type */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 2), msgpack_pack_uint32(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &where), RP_ETYPE);
  assert_string_equal(where, "flag");

  raw_init(&r); /* text 16 bytes is the cap, 17 is one past */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 3), pack_s(&r.pk, "0123456789abcdef");
  assert_int_equal(raw_decode(&r, &where), 0);
  raw_init(&r);
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 3), pack_s(&r.pk, "0123456789abcdefg");
  assert_int_equal(raw_decode(&r, &where), RP_ETOOBIG);

  raw_init(&r); /* invalid UTF-8 (overlong '/') */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 3), msgpack_pack_str(&r.pk, 2),
      msgpack_pack_str_body(&r.pk, "\xc0\xaf", 2);
  assert_int_equal(raw_decode(&r, &where), RP_EUTF8);

  raw_init(&r); /* set: repeated element, and one past the cap */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 7), msgpack_pack_array(&r.pk, 2);
  pack_s(&r.pk, "roed"), pack_s(&r.pk, "roed");
  assert_int_equal(raw_decode(&r, &where), RP_EMALFORMED);
  raw_init(&r);
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 7), msgpack_pack_array(&r.pk, 3);
  pack_s(&r.pk, "roed"), pack_s(&r.pk, "groen"), pack_s(&r.pk, "blaa");
  assert_int_equal(raw_decode(&r, &where), RP_ETOOBIG);

  raw_init(&r); /* list one past its cap of 3 */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 10), msgpack_pack_array(&r.pk, 4);
  for (int i = 0; i < 4; i++) {
    msgpack_pack_map(&r.pk, 1);
    msgpack_pack_uint32(&r.pk, 1), pack_s(&r.pk, "e");
  }
  assert_int_equal(raw_decode(&r, &where), RP_ETOOBIG);

  raw_init(&r); /* fixed-size bytes of the wrong size */
  msgpack_pack_map(&r.pk, 1);
  msgpack_pack_uint32(&r.pk, 5), msgpack_pack_bin(&r.pk, 3),
      msgpack_pack_bin_body(&r.pk, "abc", 3);
  assert_int_equal(raw_decode(&r, &where), RP_ESIZE);

  raw_init(&r); /* missing required nested field */
  msgpack_pack_map(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &where), RP_EMISSING);

  raw_init(&r); /* cross-field rule: flag set, text absent */
  pack_base(&r, 1, 1, "roed");
  msgpack_pack_uint32(&r.pk, 2), msgpack_pack_true(&r.pk);
  assert_int_equal(raw_decode(&r, &where), RP_EMISSING);
  assert_string_equal(where, "text");

  raw_init(&r); /* not a map at all */
  msgpack_pack_array(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &where), RP_ETYPE);
}

static void test_encoder_refuses_what_decoder_would(void **state) {
  (void)state;
  uint8_t buf[512];
  size_t len = 0;
  const char *where = NULL;
  doc d = sample();
  d.num = 1001;
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where),
                   RP_ETOOBIG);
  assert_string_equal(where, "num");
  d = sample();
  d.colour = 4;
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where), RP_EENUM);
  d = sample();
  d.colours = 0x8; /* bit past the enum */
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where), RP_EENUM);
  d = sample();
  d.text = rp__str_c("bad \xff");
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where), RP_EUTF8);
  d = sample();
  d.nlist = 4;
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where),
                   RP_ETOOBIG);
  d = sample();
  d.text.n = 0; /* flag without text breaks the cross-field rule */
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, sizeof buf, &len, &where),
                   RP_EMISSING);
  d = sample();
  assert_int_equal(rp__mp_encode(&doc_schema, &d, buf, 10, &len, &where), RP_ETOOBIG);
  assert_int_equal(len, 0);
}

static void test_utf8(void **state) {
  (void)state;
  static const struct {
    const char *s;
    int ok;
  } cases[] = {
      {"", 1},
      {"ascii", 1},
      {"\xc3\xa6\xc3\xb8\xc3\xa5", 1},
      {"\xe2\x82\xac", 1},
      {"\xf0\x9f\x98\x80", 1},
      {"\xf4\x8f\xbf\xbf", 1},
      {"\xc0\x80", 0},
      {"\xe0\x80\xaf", 0},
      {"\xed\xa0\x80", 0},
      {"\xf4\x90\x80\x80", 0},
      {"\xf5\x80\x80\x80", 0},
      {"\x80", 0},
      {"\xc3", 0},
      {"\xe2\x82", 0},
      {"\xfe", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(rp__utf8_check(cases[i].s, strlen(cases[i].s)),
                     cases[i].ok ? 0 : RP_EUTF8);
  assert_int_equal(rp__utf8_check("a\0b", 3), RP_EUTF8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_truncated_at_every_byte),
      cmocka_unit_test(test_huge_counts_rejected_without_allocating),
      cmocka_unit_test(test_item_cap_exceeded_by_one),
      cmocka_unit_test(test_depth_cap),
      cmocka_unit_test(test_schema_rules),
      cmocka_unit_test(test_encoder_refuses_what_decoder_would),
      cmocka_unit_test(test_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
