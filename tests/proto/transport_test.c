/* SPDX-License-Identifier: MIT */
/* Transport messages: round trips, known encodings, hostile variants, the state table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "tmsg_samples.h"

/* The samples' encodings, as printed in docs/PROTOCOL.md 5.1. */
static const char *const kat[RP__T_MAX + 1] = {
    [RP__T_SEND] = "830001010102c408e0e1e2e3e4e5e6e7",
    [RP__T_ACK] = "840001010202c410101112131415161718191a1b1c1d1e1f03a673746f726564",
    [RP__T_NACK] =
        "850001010302c410101112131415161718191a1b1c1d1e1f031d04aa73706f6f6c2066756c6c",
    [RP__T_DELIVER] = "8400010104022a03c408e0e1e2e3e4e5e6e7",
    [RP__T_DELIVERED] = "850001010502c410101112131415161718191a1b1c1d1e1f032a040f",
    [RP__T_ROSTER_GET] = "83000101060203",
    [RP__T_ROSTER] = "8400010107020403c408a0a1a2a3a4a5a6a7",
    [RP__T_PING] = "830001010802cf0123456789abcdef",
    [RP__T_PONG] = "830001010902cf0123456789abcdef",
    [RP__T_BYE] = "840001010a02a56572726f72031a",
    [RP__T_EXPIRED] = "870001010b022b03c410101112131415161718191a1b1c1d1e1f04a97465616d2d76"
                      "65737405cf0000019c11597000060f",
    [RP__T_WELCOME] = "890001010c02cf0000019b76daa800030404a6616172687573052006cdea6007"
                      "ce0004001008cd0100",
    [RP__T_RECEIVE] = "830001010d0210",
    [RP__T_CHUNK] = "880001010e02c410101112131415161718191a1b1c1d1e1f03a97465616d2d76"
                    "6573740401050306cf0000019c1159700007c408c0c1c2c3c4c5c6c7",
    [RP__T_CHUNK_ACK] = "850001010f02c410101112131415161718191a1b1c1d1e1f0301042a",
    [RP__T_CHUNK_GET] = "850001011002c410101112131415161718191a1b1c1d1e1f03010410",
    [RP__T_CHUNK_DATA] = "850001011102c410101112131415161718191a1b1c1d1e1f030104c408c0c1c2"
                         "c3c4c5c6c7",
    [RP__T_PURGE] = "830001011202c420101112131415161718191a1b1c1d1e1f"
                    "202122232425262728292a2b2c2d2e2f",
    [RP__T_PURGED] = "840001011302000321",
};

#define BIG (RP_MSG_MAX + 64)

static size_t enc(const rp__tmsg *m, uint8_t *buf, size_t cap) {
  size_t len = 0;
  assert_int_equal(rp__tmsg_encode(m, buf, cap, &len), 0);
  return len;
}

/* Every type: encode, compare with the known bytes, decode, re-encode identically. */
static void test_round_trip_and_kat(void **state) {
  (void)state;
  uint8_t a[512], b[512];
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    rp__tmsg in = sample_tmsg(t), out, out2;
    size_t len = enc(&in, a, sizeof a), klen = 0;
    uint8_t *k = tu_unhex(kat[t], &klen);
    assert_int_equal(len, klen);
    assert_memory_equal(a, k, len);
    free(k);
    const char *where = NULL;
    assert_int_equal(rp__tmsg_decode(a, len, &out, &where), 0);
    assert_int_equal(out.type, t);
    assert_int_equal(out.version, RP_SCHEMA_VERSION);
    assert_int_equal(rp__tmsg_decode_as(t, a, len, &out2, &where), 0);
    assert_int_equal(enc(&out, b, sizeof b), len);
    assert_memory_equal(a, b, len);
  }
  /* Field by field for a few, beyond the byte equality above. */
  rp__tmsg out;
  rp__tmsg in = sample_tmsg(RP__T_NACK);
  size_t len = enc(&in, a, sizeof a);
  assert_int_equal(rp__tmsg_decode(a, len, &out, NULL), 0);
  assert_memory_equal(out.u.nack.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
  assert_int_equal(out.u.nack.code, -RP_ESPOOLFULL);
  assert_true(rp__str_eq(out.u.nack.detail, "spool full"));
  in = sample_tmsg(RP__T_WELCOME);
  len = enc(&in, a, sizeof a);
  assert_int_equal(rp__tmsg_decode(a, len, &out, NULL), 0);
  assert_int_equal(out.u.welcome.time_ms, SAMPLE_TIME);
  assert_true(rp__str_eq(out.u.welcome.member, "aarhus"));
  assert_int_equal(out.u.welcome.idle_ms, 60000);
  /* Optional fields at zero are absent and decode as zero: a NACK for an unreadable
   * envelope, a ROSTER saying "you have the newest", a BYE without a code. */
  in = sample_tmsg(RP__T_NACK);
  memset(in.u.nack.msg_id, 0, RP_MSG_ID_BYTES);
  in.u.nack.detail.n = 0;
  len = enc(&in, a, sizeof a);
  assert_int_equal(len, 7);
  assert_int_equal(rp__tmsg_decode(a, len, &out, NULL), 0);
  assert_int_equal(out.u.nack.detail.n, 0);
  in = sample_tmsg(RP__T_ROSTER);
  in.u.roster.roster.n = 0;
  assert_int_equal(rp__tmsg_decode(a, enc(&in, a, sizeof a), &out, NULL), 0);
  assert_null(out.u.roster.roster.p);
}

/* Every proper prefix of every message fails, and so does one byte too many. */
static void test_truncated_at_every_byte(void **state) {
  (void)state;
  uint8_t a[512];
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    rp__tmsg in = sample_tmsg(t), out;
    size_t len = enc(&in, a, sizeof a);
    for (size_t n = 0; n < len; n++) {
      assert_int_not_equal(rp__tmsg_decode(a, n, &out, NULL), 0);
      assert_int_equal(out.type, 0); /* cleared on error */
    }
    a[len] = 0xc0;
    assert_int_equal(rp__tmsg_decode(a, len + 1, &out, NULL), RP_EMALFORMED);
  }
}

/* ---- rewriting one entry of an encoded map ---- */
enum { KEEP, DROP, REPLACE, DUP, ADD };
typedef void (*packfn)(msgpack_packer *pk, uint64_t arg);

static void pk_nil(msgpack_packer *pk, uint64_t arg) {
  (void)arg;
  msgpack_pack_nil(pk);
}
static void pk_uint(msgpack_packer *pk, uint64_t arg) {
  msgpack_pack_uint64(pk, arg);
}
static void pk_neg(msgpack_packer *pk, uint64_t arg) {
  msgpack_pack_int64(pk, -(int64_t)arg);
}
static void pk_bin(msgpack_packer *pk, uint64_t n) { /* n bytes of 0x41 */
  static uint8_t fill[BIG];
  memset(fill, 0x41, sizeof fill);
  msgpack_pack_bin(pk, n);
  msgpack_pack_bin_body(pk, fill, n);
}
static void pk_str(msgpack_packer *pk, uint64_t n) { /* n bytes of 'a' */
  static char fill[BIG];
  memset(fill, 'a', sizeof fill);
  msgpack_pack_str(pk, n);
  msgpack_pack_str_body(pk, fill, n);
}
static void pk_name(msgpack_packer *pk, uint64_t arg) {
  const char *s = (const char *)(uintptr_t)arg;
  msgpack_pack_str(pk, strlen(s));
  msgpack_pack_str_body(pk, s, strlen(s));
}

/* Re-packs the sample of type t with key `key` changed by `mode`; returns the length. */
static size_t remap(uint64_t t, uint32_t key, int mode, packfn fn, uint64_t arg,
                    uint8_t *out, size_t cap) {
  uint8_t a[512];
  rp__tmsg in = sample_tmsg(t);
  size_t len = enc(&in, a, sizeof a);
  msgpack_unpacked up;
  assert_int_equal(rp__mp_unpack(a, len, &up), 0);
  const msgpack_object_map *m = &up.data.via.map;
  rp__buf b;
  msgpack_packer pk;
  rp__buf_init_mem(&b, out, cap);
  rp__mp_buf_packer(&b, &pk);
  uint32_t n = m->size;
  if (mode == DROP) n--;
  if (mode == DUP || mode == ADD) n++;
  msgpack_pack_map(&pk, n);
  for (uint32_t i = 0; i < m->size; i++) {
    bool hit = m->ptr[i].key.via.u64 == key;
    if (hit && mode == DROP) continue;
    msgpack_pack_object(&pk, m->ptr[i].key);
    if (hit && mode == REPLACE)
      fn(&pk, arg);
    else
      msgpack_pack_object(&pk, m->ptr[i].val);
    if (hit && mode == DUP) {
      msgpack_pack_object(&pk, m->ptr[i].key);
      msgpack_pack_object(&pk, m->ptr[i].val);
    }
  }
  if (mode == ADD) {
    msgpack_pack_uint32(&pk, key);
    fn(&pk, arg);
  }
  msgpack_unpacked_destroy(&up);
  assert_false(b.overflow);
  return b.len;
}

static int decode_remap(uint64_t t, uint32_t key, int mode, packfn fn, uint64_t arg,
                        const char **where) {
  static uint8_t buf[BIG];
  rp__tmsg out;
  size_t len = remap(t, key, mode, fn, arg, buf, sizeof buf);
  return rp__tmsg_decode(buf, len, &out, where);
}

/* For every field of every type: wrong type, missing, duplicated; unknown keys pass. */
static void test_field_rules(void **state) {
  (void)state;
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    const rp__schema *s = rp__tmsg_schema(t);
    assert_non_null(s);
    for (uint32_t i = 0; i < s->nfields; i++) {
      const rp__field *f = &s->fields[i];
      const char *where = NULL;
      /* chunk_data carries data or code, never both: its sample has no code (below). */
      if (t == RP__T_CHUNK_DATA && f->key == 5) continue;
      assert_int_equal(decode_remap(t, f->key, REPLACE, pk_nil, 0, &where), RP_ETYPE);
      /* Every field is present in the samples, so each can be dropped and doubled. */
      int drop = decode_remap(t, f->key, DROP, NULL, 0, &where);
      bool required = (f->flags & RP__REQ) || (t == RP__T_CHUNK_DATA && f->key == 4);
      assert_int_equal(drop, required ? RP_EMISSING : 0);
      assert_int_equal(decode_remap(t, f->key, DUP, NULL, 0, &where), RP_EMALFORMED);
    }
    assert_int_equal(decode_remap(t, 99, ADD, pk_nil, 0, NULL), 0);
    assert_int_equal(decode_remap(t, 1, REPLACE, pk_neg, t, NULL), RP_ETYPE);
  }
  /* chunk_data: a code instead of the data, never both, never neither. */
  static uint8_t buf[512];
  rp__tmsg m = sample_tmsg(RP__T_CHUNK_DATA), out;
  const char *where = NULL;
  m.u.chunk_data.data = (rp__bin){NULL, 0};
  m.u.chunk_data.code = (uint64_t)-RP_ENOTFOUND;
  size_t len = enc(&m, buf, sizeof buf);
  assert_int_equal(rp__tmsg_decode(buf, len, &out, &where), 0);
  assert_int_equal(out.u.chunk_data.code, (uint64_t)-RP_ENOTFOUND);
  assert_int_equal(out.u.chunk_data.data.n, 0);
  assert_int_equal(decode_remap(RP__T_CHUNK_DATA, 5, ADD, pk_uint, 6, &where), RP_EINVAL);
  assert_string_equal(where, "code");
  assert_int_equal(decode_remap(RP__T_CHUNK_DATA, 4, DROP, NULL, 0, &where), RP_EMISSING);
  assert_string_equal(where, "data");
  m.u.chunk_data.code = 0;
  assert_int_equal(rp__tmsg_encode(&m, buf, sizeof buf, &len), RP_EMISSING);
}

static void test_unknown_type_and_version(void **state) {
  (void)state;
  const char *where = NULL;
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, 0, &where), RP_EENUM);
  assert_string_equal(where, "type");
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, RP__T_MAX + 1, NULL),
                   RP_EENUM);
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, UINT64_MAX, NULL),
                   RP_EENUM);
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_name, (uintptr_t) "ping", NULL),
                   RP_ETYPE);
  assert_int_equal(decode_remap(RP__T_PING, 0, REPLACE, pk_uint, 2, &where), RP_EVERSION);
  assert_int_equal(decode_remap(RP__T_PING, 0, REPLACE, pk_uint, 0, &where), RP_EVERSION);
  /* A PING's fields under the PONG type decode as a PONG: the type decides. */
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, RP__T_PONG, NULL), 0);
  /* A PING relabelled EXPIRED lacks the msg_id; relabelled SEND, its nonce is no bin. */
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, RP__T_EXPIRED, NULL),
                   RP_EMISSING);
  assert_int_equal(decode_remap(RP__T_PING, 1, REPLACE, pk_uint, RP__T_SEND, NULL),
                   RP_ETYPE);
  /* Not a map at all. */
  rp__tmsg out;
  assert_int_equal(rp__tmsg_decode((const uint8_t *)"\x90", 1, &out, NULL), RP_ETYPE);
  assert_int_equal(rp__tmsg_decode((const uint8_t *)"\x80", 1, &out, NULL), RP_EMISSING);
  /* decode_as: only its type. */
  uint8_t a[64];
  rp__tmsg in = sample_tmsg(RP__T_PING);
  size_t len = enc(&in, a, sizeof a);
  assert_int_equal(rp__tmsg_decode_as(RP__T_PONG, a, len, &out, NULL), RP_ETYPE);
  assert_int_equal(rp__tmsg_decode_as(0, a, len, &out, NULL), RP_EENUM);
  assert_int_equal(rp__tmsg_decode_as(RP__T_MAX + 1, a, len, &out, NULL), RP_EENUM);
  /* The encoder refuses unknown types too. */
  in.type = RP__T_MAX + 1;
  assert_int_equal(rp__tmsg_encode(&in, a, sizeof a, &len), RP_EENUM);
  assert_int_equal(len, 0);
  /* Enumerations by name. */
  assert_int_equal(
      decode_remap(RP__T_ACK, 3, REPLACE, pk_name, (uintptr_t) "duplicate", NULL), 0);
  assert_int_equal(decode_remap(RP__T_ACK, 3, REPLACE, pk_name, (uintptr_t) "Stored", NULL),
                   RP_EENUM);
  assert_int_equal(decode_remap(RP__T_BYE, 2, REPLACE, pk_name, (uintptr_t) "later", NULL),
                   RP_EENUM);
}

/* A value at its cap passes; one past it fails, in the decoder and in the encoder. */
typedef struct cap_case {
  uint64_t type;
  uint32_t key;
  packfn fn;
  uint64_t ok, bad;
} cap_case;

static void test_caps_by_one(void **state) {
  (void)state;
  static const cap_case cases[] = {
      {RP__T_SEND, 2, pk_bin, RP__TMSG_ENVELOPE_MAX, RP__TMSG_ENVELOPE_MAX + 1},
      {RP__T_SEND, 2, pk_bin, 1, 0},
      {RP__T_DELIVER, 3, pk_bin, RP__TMSG_ENVELOPE_MAX, RP__TMSG_ENVELOPE_MAX + 1},
      {RP__T_DELIVER, 2, pk_uint, RP__TMSG_SEQ_MAX, RP__TMSG_SEQ_MAX + 1},
      {RP__T_DELIVER, 2, pk_uint, 1, 0},
      {RP__T_DELIVERED, 3, pk_uint, RP__TMSG_SEQ_MAX, RP__TMSG_SEQ_MAX + 1},
      {RP__T_NACK, 3, pk_uint, RP__TMSG_CODE_MAX, RP__TMSG_CODE_MAX + 1},
      {RP__T_NACK, 3, pk_uint, 1, 0},
      {RP__T_NACK, 4, pk_str, RP__TMSG_DETAIL_MAX, RP__TMSG_DETAIL_MAX + 1},
      {RP__T_BYE, 3, pk_uint, RP__TMSG_CODE_MAX, RP__TMSG_CODE_MAX + 1},
      {RP__T_ROSTER, 3, pk_bin, RP__TMSG_ROSTER_MAX, RP__TMSG_ROSTER_MAX + 1},
      {RP__T_ROSTER, 2, pk_uint, 1, 0},
      {RP__T_ROSTER_GET, 2, pk_uint, RP__TMSG_SEQ_MAX, RP__TMSG_SEQ_MAX + 1},
      {RP__T_EXPIRED, 4, pk_str, RP_MEMBER_ID_MAX, RP_MEMBER_ID_MAX + 1},
      {RP__T_EXPIRED, 4, pk_str, 1, 0},
      {RP__T_EXPIRED, 5, pk_uint, RP__ENVHDR_TIME_MAX, RP__ENVHDR_TIME_MAX + 1},
      {RP__T_WELCOME, 4, pk_str, RP_MEMBER_ID_MAX, RP_MEMBER_ID_MAX + 1},
      {RP__T_WELCOME, 5, pk_uint, RP__TMSG_WINDOW_MAX, RP__TMSG_WINDOW_MAX + 1},
      {RP__T_WELCOME, 5, pk_uint, 1, 0},
      {RP__T_WELCOME, 6, pk_uint, RP__TMSG_IDLE_MAX_MS, RP__TMSG_IDLE_MAX_MS + 1},
      {RP__T_WELCOME, 6, pk_uint, RP__TMSG_IDLE_MIN_MS, RP__TMSG_IDLE_MIN_MS - 1},
      {RP__T_WELCOME, 2, pk_uint, RP__ENVHDR_TIME_MAX, RP__ENVHDR_TIME_MAX + 1},
      {RP__T_RECEIVE, 2, pk_uint, RP__TMSG_WINDOW_MAX, RP__TMSG_WINDOW_MAX + 1},
      {RP__T_RECEIVE, 2, pk_uint, 1, 0},
      {RP__T_WELCOME, 7, pk_uint, RP__CHUNK_SEALED_MAX, RP__CHUNK_SEALED_MAX + 1},
      {RP__T_CHUNK, 3, pk_str, RP_MEMBER_ID_MAX, RP_MEMBER_ID_MAX + 1},
      {RP__T_CHUNK, 3, pk_str, 1, 0},
      {RP__T_CHUNK, 4, pk_uint, RP__TMSG_CHUNK_INDEX_MAX, RP__TMSG_CHUNK_INDEX_MAX + 1},
      {RP__T_CHUNK, 5, pk_uint, RP__TMSG_CHUNK_INDEX_MAX, RP__TMSG_CHUNK_INDEX_MAX + 1},
      {RP__T_CHUNK, 5, pk_uint, 1, 0},
      {RP__T_CHUNK, 6, pk_uint, RP__ENVHDR_TIME_MAX, RP__ENVHDR_TIME_MAX + 1},
      {RP__T_CHUNK, 6, pk_uint, 1, 0},
      {RP__T_CHUNK, 7, pk_bin, RP__CHUNK_SEALED_MAX, RP__CHUNK_SEALED_MAX + 1},
      {RP__T_CHUNK, 7, pk_bin, 1, 0},
      {RP__T_CHUNK_ACK, 3, pk_uint, RP__TMSG_CHUNK_INDEX_MAX, RP__TMSG_CHUNK_INDEX_MAX + 1},
      {RP__T_CHUNK_ACK, 4, pk_uint, RP__TMSG_CODE_MAX, RP__TMSG_CODE_MAX + 1},
      {RP__T_CHUNK_GET, 3, pk_uint, RP__TMSG_CHUNK_INDEX_MAX, RP__TMSG_CHUNK_INDEX_MAX + 1},
      {RP__T_CHUNK_GET, 4, pk_uint, RP__CHUNK_GET_MAX, RP__CHUNK_GET_MAX + 1},
      {RP__T_CHUNK_GET, 4, pk_uint, 1, 0},
      {RP__T_CHUNK_DATA, 4, pk_bin, RP__CHUNK_SEALED_MAX, RP__CHUNK_SEALED_MAX + 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const cap_case *c = &cases[i];
    const char *where = NULL;
    assert_int_equal(decode_remap(c->type, c->key, REPLACE, c->fn, c->ok, &where), 0);
    assert_int_equal(decode_remap(c->type, c->key, REPLACE, c->fn, c->bad, &where),
                     RP_ETOOBIG);
  }
  /* The encoder: the largest envelope fits RP__TMSG_MAX; one byte more is refused. */
  uint8_t *env = calloc(1, RP_MSG_MAX), *buf = malloc(RP__TMSG_MAX);
  assert_non_null(env);
  assert_non_null(buf);
  rp__tmsg m = sample_tmsg(RP__T_DELIVER);
  size_t len = 0;
  m.u.deliver.seq = RP__TMSG_SEQ_MAX;
  m.u.deliver.envelope = (rp__bin){env, RP__TMSG_ENVELOPE_MAX};
  assert_int_equal(rp__tmsg_encode(&m, buf, RP__TMSG_MAX, &len), 0);
  m.u.deliver.envelope.n++;
  assert_int_equal(rp__tmsg_encode(&m, buf, RP__TMSG_MAX, &len), RP_ETOOBIG);
  m = sample_tmsg(RP__T_ROSTER);
  m.u.roster.version = RP__TMSG_SEQ_MAX;
  m.u.roster.roster = (rp__bin){env, RP__TMSG_ROSTER_MAX};
  assert_int_equal(rp__tmsg_encode(&m, buf, RP__TMSG_MAX, &len), 0);
  m = sample_tmsg(RP__T_WELCOME);
  m.u.welcome.send_window = 0;
  assert_int_equal(rp__tmsg_encode(&m, buf, RP__TMSG_MAX, &len), RP_ETOOBIG);
  m = sample_tmsg(RP__T_ACK);
  m.u.ack.status = 3;
  assert_int_equal(rp__tmsg_encode(&m, buf, RP__TMSG_MAX, &len), RP_EENUM);
  m = sample_tmsg(RP__T_ACK);
  assert_int_equal(rp__tmsg_encode(&m, buf, 10, &len), RP_ETOOBIG);
  free(env);
  free(buf);
}

/* The intended table, written out independently of transport.c: for each type, the
 * directions and the states (bit 1 << state) it is allowed in. */
#define H (1u << RP__TS_HELLO)
#define R (1u << RP__TS_READY)
#define V (1u << RP__TS_RECEIVING)
#define C (1u << RP__TS_CLOSING)
static const struct {
  unsigned dirs, states, next_from_ready;
} intended[RP__T_MAX + 1] = {
    [RP__T_SEND] = {RP__TD_C2R, R | V, RP__TS_READY},
    [RP__T_ACK] = {RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_NACK] = {RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_DELIVER] = {RP__TD_R2C, V, RP__TS_READY},
    [RP__T_DELIVERED] = {RP__TD_C2R, V, RP__TS_READY},
    [RP__T_ROSTER_GET] = {RP__TD_C2R, R | V, RP__TS_READY},
    [RP__T_ROSTER] = {RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_PING] = {RP__TD_C2R | RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_PONG] = {RP__TD_C2R | RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_BYE] = {RP__TD_C2R | RP__TD_R2C, H | R | V | C, RP__TS_CLOSING},
    [RP__T_EXPIRED] = {RP__TD_R2C, V, RP__TS_READY},
    [RP__T_WELCOME] = {RP__TD_R2C, H, RP__TS_READY},
    [RP__T_RECEIVE] = {RP__TD_C2R, R | V, RP__TS_RECEIVING},
    [RP__T_CHUNK] = {RP__TD_C2R, R | V, RP__TS_READY},
    [RP__T_CHUNK_ACK] = {RP__TD_R2C, R | V, RP__TS_READY},
    [RP__T_CHUNK_GET] = {RP__TD_C2R, V, RP__TS_READY},
    [RP__T_CHUNK_DATA] = {RP__TD_R2C, V, RP__TS_READY},
    [RP__T_PURGE] = {RP__TD_C2R, R | V, RP__TS_READY},
    [RP__T_PURGED] = {RP__TD_R2C, R | V, RP__TS_READY},
};

static void test_state_table(void **state) {
  (void)state;
  size_t checked = 0;
  for (uint64_t t = 0; t <= RP__T_MAX + 2; t++) {
    for (unsigned dir = 0; dir <= 3; dir++) {
      for (unsigned st = 0; st <= RP__TS_MAX + 1; st++) {
        int got = rp__tmsg_allowed(t, dir, st), want;
        if (t == 0 || t > RP__T_MAX)
          want = RP_EENUM;
        else if ((dir != RP__TD_C2R && dir != RP__TD_R2C) || st == 0 || st > RP__TS_MAX)
          want = RP_EINVAL;
        else
          want = ((intended[t].dirs & dir) && (intended[t].states & (1u << st)))
                     ? 0
                     : RP_ESTATE;
        if (got != want)
          fail_msg("type %u dir %u state %u: %d, want %d", (unsigned)t, dir, st, got, want);
        checked++;
      }
    }
  }
  assert_int_equal(checked, (RP__T_MAX + 3) * 4 * (RP__TS_MAX + 2));
  /* Transitions. */
  for (uint64_t t = 1; t <= RP__T_MAX; t++)
    assert_int_equal(rp__tmsg_next_state(t, RP__TS_READY), intended[t].next_from_ready);
  assert_int_equal(rp__tmsg_next_state(RP__T_WELCOME, RP__TS_HELLO), RP__TS_READY);
  assert_int_equal(rp__tmsg_next_state(RP__T_RECEIVE, RP__TS_RECEIVING), RP__TS_RECEIVING);
  assert_int_equal(rp__tmsg_next_state(RP__T_BYE, RP__TS_HELLO), RP__TS_CLOSING);
  assert_int_equal(rp__tmsg_next_state(RP__T_BYE, RP__TS_CLOSING), RP__TS_CLOSING);
  assert_int_equal(rp__tmsg_next_state(RP__T_PING, RP__TS_RECEIVING), RP__TS_RECEIVING);
  assert_int_equal(rp__tmsg_next_state(0, RP__TS_READY), RP__TS_READY);
}

static void test_names(void **state) {
  (void)state;
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    const char *n = rp__tmsg_type_name(t);
    assert_non_null(n);
    assert_int_equal(rp__tmsg_type_by_name(n), t);
    assert_string_equal(rp__tmsg_schema(t)->name, n);
  }
  assert_null(rp__tmsg_type_name(0));
  assert_null(rp__tmsg_type_name(RP__T_MAX + 1));
  assert_null(rp__tmsg_schema(0));
  assert_int_equal(rp__tmsg_type_by_name("hello"), 0);
  assert_int_equal(rp__tmsg_type_by_name(NULL), 0);
}

/* With RP_SEED_DIR set, writes the fuzz seeds: each sample, and a few variants. */
static void test_write_seeds(void **state) {
  (void)state;
  uint8_t a[512];
  char corpus[64];
  for (uint64_t t = 1; t <= RP__T_MAX; t++) {
    rp__tmsg m = sample_tmsg(t);
    snprintf(corpus, sizeof corpus, "transport_%s", rp__tmsg_type_name(t));
    write_seed(corpus, "sample", a, enc(&m, a, sizeof a));
    size_t len = remap(t, 99, ADD, pk_nil, 0, a, sizeof a);
    write_seed(corpus, "unknown_key", a, len);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_and_kat),
      cmocka_unit_test(test_truncated_at_every_byte),
      cmocka_unit_test(test_field_rules),
      cmocka_unit_test(test_unknown_type_and_version),
      cmocka_unit_test(test_caps_by_one),
      cmocka_unit_test(test_state_table),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_write_seeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
