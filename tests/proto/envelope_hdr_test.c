/* SPDX-License-Identifier: MIT */
/* The envelope header and container: round trips, caps by one, size classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "testutil.h"
#include "tmsg_samples.h"

/* The sample header's encoding, as printed in docs/PROTOCOL.md 6.2. */
static const char kat_header[] =
    "88000101c410101112131415161718191a1b1c1d1e1f02a661617268757303a97465616d2d766573"
    "7404cf0000019b76daa80005cf0000019c1159700006a66861737465720700";
/* The sample container's encoding up to its ciphertext (1024 bytes of 0xa5 follow). */
static const char kat_container_head[] =
    "84000101c44788000101c410101112131415161718191a1b1c1d1e1f02a661617268757303a9746561"
    "6d2d7665737404cf0000019b76daa80005cf0000019c1159700006a66861737465720700"
    "02c420202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f03c50400";

static size_t hdr_enc(const rp__envhdr *h, uint8_t *buf, size_t cap) {
  size_t len = 0;
  const char *where = NULL;
  int r = rp__envhdr_encode(h, buf, cap, &len, &where);
  if (r != 0) fail_msg("encode: %d at %s", r, where);
  return len;
}

/* Encodes h, then returns what decoding gives. */
static int hdr_trip(const rp__envhdr *h, const char **where) {
  uint8_t buf[RP__ENVHDR_MAX];
  size_t len = 0;
  rp__envhdr out;
  int r = rp__envhdr_encode(h, buf, sizeof buf, &len, where);
  if (r != 0) return r;
  return rp__envhdr_decode(buf, len, &out, where);
}

/* A container around the sample header with a ciphertext of ct_len bytes of 0xa5. */
static size_t make_container(const rp__envhdr *h, size_t ct_len, uint8_t *out, size_t cap) {
  uint8_t hb[RP__ENVHDR_MAX];
  static uint8_t ct[RP_ENVELOPE_BODY_MAX + 1];
  memset(ct, 0xa5, sizeof ct);
  rp__envcont c;
  memset(&c, 0, sizeof c);
  c.header = (rp__bin){hb, (uint32_t)hdr_enc(h, hb, sizeof hb)};
  for (unsigned i = 0; i < RP__ENVHDR_ENC_BYTES; i++)
    c.enc[i] = (uint8_t)(0x20 + i);
  c.ct = (rp__bin){ct, (uint32_t)ct_len};
  size_t len = 0;
  const char *where = NULL;
  int r = rp__envhdr_container_encode(&c, out, cap, &len, &where);
  if (r != 0) fail_msg("container: %d at %s", r, where);
  return len;
}

static void test_header_round_trip_and_kat(void **state) {
  (void)state;
  uint8_t a[RP__ENVHDR_MAX], b[RP__ENVHDR_MAX];
  rp__envhdr h = sample_envhdr(), out;
  size_t len = hdr_enc(&h, a, sizeof a), klen = 0;
  uint8_t *k = tu_unhex(kat_header, &klen);
  assert_int_equal(len, klen);
  assert_memory_equal(a, k, len);
  free(k);
  write_seed("envelope_hdr", "header_only", a, len);
  assert_int_equal(rp__envhdr_decode(a, len, &out, NULL), 0);
  assert_int_equal(out.version, RP_SCHEMA_VERSION);
  assert_memory_equal(out.msg_id, SAMPLE_MSG_ID, RP_MSG_ID_BYTES);
  assert_true(rp__str_eq(out.sender, "aarhus"));
  assert_true(rp__str_eq(out.recipient, "team-vest"));
  assert_int_equal(out.created, SAMPLE_TIME);
  assert_int_equal(out.expires, SAMPLE_TIME + RP_EXPIRY_DEFAULT_MS);
  assert_int_equal(out.urgency, RP__URG_HASTER);
  assert_int_equal(out.size_class, 0);
  assert_int_equal(hdr_enc(&out, b, sizeof b), len);
  assert_memory_equal(a, b, len);
  for (size_t n = 0; n < len; n++)
    assert_int_not_equal(rp__envhdr_decode(a, n, &out, NULL), 0);
  /* Each urgency by name. */
  for (int u = RP__URG_AKUT; u <= RP__URG_PLAN; u++) {
    h.urgency = u;
    assert_int_equal(hdr_trip(&h, NULL), 0);
  }
  h.urgency = 5;
  assert_int_equal(hdr_trip(&h, NULL), RP_EENUM);
}

/* The longest header is exactly RP__ENVHDR_MAX bytes. */
static void test_header_max(void **state) {
  (void)state;
  char id[RP_MEMBER_ID_MAX + 1];
  memset(id, 'm', sizeof id);
  uint8_t a[RP__ENVHDR_MAX + 8];
  rp__envhdr h = sample_envhdr();
  h.sender = (rp__str){id, RP_MEMBER_ID_MAX};
  h.recipient = (rp__str){id, RP_MEMBER_ID_MAX};
  h.expires = RP__ENVHDR_TIME_MAX;
  h.created = RP__ENVHDR_TIME_MAX - RP_EXPIRY_MAX_MS;
  h.size_class = RP__ENVHDR_CLASS_MAX;
  memset(h.sender_key, 0xff, sizeof h.sender_key);
  memset(h.recipient_key, 0xff, sizeof h.recipient_key);
  h.chunks = RP__CHUNK_COUNT_MAX;
  assert_int_equal(hdr_enc(&h, a, sizeof a), RP__ENVHDR_MAX);
  /* Key 10 round-trips and is bounded by the format's cap on chunks. */
  rp__envhdr back;
  assert_int_equal(rp__envhdr_decode(a, RP__ENVHDR_MAX, &back, NULL), 0);
  assert_int_equal(back.chunks, RP__CHUNK_COUNT_MAX);
  h.chunks = RP__CHUNK_COUNT_MAX + 1;
  const char *where = NULL;
  size_t n = 0;
  assert_int_equal(rp__envhdr_encode(&h, a, sizeof a, &n, &where), RP_ETOOBIG);
  assert_string_equal(where, "chunks");
  h.chunks = RP__CHUNK_COUNT_MAX;
  size_t len = 0;
  assert_int_equal(rp__envhdr_encode(&h, a, RP__ENVHDR_MAX - 1, &len, NULL), RP_ETOOBIG);
  assert_int_equal(len, 0);
  /* And the longest container around it is exactly RP__ENVC_MAX bytes. */
  uint8_t *ct = calloc(1, RP_ENVELOPE_BODY_MAX), *out = malloc(RP__ENVC_MAX);
  assert_non_null(ct);
  assert_non_null(out);
  rp__envcont c;
  memset(&c, 0, sizeof c);
  c.header = (rp__bin){a, RP__ENVHDR_MAX};
  c.enc[0] = 1;
  c.ct = (rp__bin){ct, RP_ENVELOPE_BODY_MAX};
  assert_int_equal(rp__envhdr_container_encode(&c, out, RP__ENVC_MAX, &len, NULL), 0);
  assert_int_equal(len, RP__ENVC_MAX);
  rp__envhdr hout;
  assert_int_equal(rp__envhdr_container_parse(out, len, &c, &hout, NULL), 0);
  free(ct);
  free(out);
}

static void test_header_caps_by_one(void **state) {
  (void)state;
  char id[RP_MEMBER_ID_MAX + 1];
  const char *where = NULL;
  memset(id, 'x', sizeof id);
  rp__envhdr h = sample_envhdr();
  h.sender = (rp__str){id, RP_MEMBER_ID_MAX};
  assert_int_equal(hdr_trip(&h, &where), 0);
  h.sender.n++;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  assert_string_equal(where, "sender");
  h = sample_envhdr();
  h.recipient = (rp__str){id, RP_MEMBER_ID_MAX + 1};
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h.recipient.n = 0;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h.recipient = rp__str_c("bad\xc3");
  assert_int_equal(hdr_trip(&h, &where), RP_EUTF8);
  /* Expiry: the longest life passes, one millisecond more does not. */
  h = sample_envhdr();
  h.expires = h.created + RP_EXPIRY_MAX_MS;
  assert_int_equal(hdr_trip(&h, &where), 0);
  h.expires++;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  assert_string_equal(where, "expires");
  h.expires = h.created + 1;
  assert_int_equal(hdr_trip(&h, &where), 0);
  h.expires = h.created;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h.expires = h.created - 1;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h = sample_envhdr();
  h.created = 0;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h.created = RP__ENVHDR_TIME_MAX;
  h.expires = RP__ENVHDR_TIME_MAX + 1;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h = sample_envhdr();
  h.size_class = RP__ENVHDR_CLASS_MAX + 1;
  assert_int_equal(hdr_trip(&h, &where), RP_ETOOBIG);
  h = sample_envhdr();
  memset(h.msg_id, 0, sizeof h.msg_id);
  assert_int_equal(hdr_trip(&h, &where), RP_EMALFORMED);
  assert_string_equal(where, "msg_id");
}

/* Decoder-side rules that the encoder cannot produce, built by hand. */
static void test_header_hostile(void **state) {
  (void)state;
  uint8_t buf[256];
  rp__buf b;
  msgpack_packer pk;
  rp__envhdr out;
  rp__buf_init_mem(&b, buf, sizeof buf);
  rp__mp_buf_packer(&b, &pk);
  /* A 15-byte msg_id. */
  msgpack_pack_map(&pk, 1);
  msgpack_pack_uint32(&pk, 1);
  msgpack_pack_bin(&pk, 15);
  msgpack_pack_bin_body(&pk, SAMPLE_MSG_ID, 15);
  assert_int_equal(rp__envhdr_decode(buf, b.len, &out, NULL), RP_ESIZE);
  /* An unknown urgency. */
  b.len = 0;
  msgpack_pack_map(&pk, 1);
  msgpack_pack_uint32(&pk, 6);
  msgpack_pack_str(&pk, 3);
  msgpack_pack_str_body(&pk, "lav", 3);
  assert_int_equal(rp__envhdr_decode(buf, b.len, &out, NULL), RP_EENUM);
  /* Times as negative numbers. */
  b.len = 0;
  msgpack_pack_map(&pk, 1);
  msgpack_pack_uint32(&pk, 4);
  msgpack_pack_int64(&pk, -1);
  assert_int_equal(rp__envhdr_decode(buf, b.len, &out, NULL), RP_ETYPE);
  /* An empty map: version first among the missing. */
  assert_int_equal(rp__envhdr_decode((const uint8_t *)"\x80", 1, &out, NULL), RP_EMISSING);
}

static void test_size_classes(void **state) {
  (void)state;
  uint64_t c = 99;
  assert_int_equal(rp__envhdr_class_for(0, &c), 0);
  assert_int_equal(c, 0);
  assert_int_equal(rp__envhdr_class_for(1024 - 16 - 1, &c), 0);
  assert_int_equal(c, 0);
  assert_int_equal(rp__envhdr_class_for(1024 - 16, &c), 0);
  assert_int_equal(c, 1);
  assert_int_equal(rp__envhdr_class_for(RP_ENVELOPE_BODY_MAX - 16 - 1, &c), 0);
  assert_int_equal(c, RP__ENVHDR_CLASS_MAX);
  assert_int_equal(rp__envhdr_class_for(RP_ENVELOPE_BODY_MAX - 16, &c), RP_ETOOBIG);
  assert_int_equal(c, 0);
  assert_int_equal(rp__envhdr_class_ct_bytes(0), 1024);
  assert_int_equal(rp__envhdr_class_ct_bytes(RP__ENVHDR_CLASS_MAX), RP_ENVELOPE_BODY_MAX);
  assert_int_equal(rp__envhdr_class_ct_bytes(RP__ENVHDR_CLASS_MAX + 1), 0);
  assert_int_equal(rp__envhdr_class_padded(RP__ENVHDR_CLASS_MAX + 1), 0);
  /* sodium_pad to the class's padded length gives exactly that length, for lengths at
   * and around every boundary. */
  uint8_t *buf = malloc(RP_ENVELOPE_BODY_MAX);
  assert_non_null(buf);
  for (uint64_t cls = 0; cls <= RP__ENVHDR_CLASS_MAX; cls++) {
    size_t padded = rp__envhdr_class_padded(cls);
    assert_int_equal(padded + RP__ENVHDR_TAG_BYTES, rp__envhdr_class_ct_bytes(cls));
    const size_t lens[] = {padded - 1, padded / 2 + 1,
                           cls ? rp__envhdr_class_padded(cls - 1) : 0};
    for (size_t i = 0; i < 3; i++) {
      size_t out = 0, unpadded = 0;
      assert_int_equal(rp__envhdr_class_for(lens[i], &c), 0);
      assert_int_equal(c, cls);
      assert_int_equal(sodium_pad(&out, buf, lens[i], padded, padded), 0);
      assert_int_equal(out, padded);
      assert_int_equal(sodium_unpad(&unpadded, buf, out, padded), 0);
      assert_int_equal(unpadded, lens[i]);
    }
  }
  free(buf);
}

static void test_container(void **state) {
  (void)state;
  static uint8_t buf[RP__ENVC_MAX + 64];
  rp__envhdr h = sample_envhdr(), hout;
  rp__envcont c;
  const char *where = NULL;
  size_t len = make_container(&h, 1024, buf, sizeof buf), klen = 0;
  uint8_t *k = tu_unhex(kat_container_head, &klen);
  assert_int_equal(len, klen + 1024);
  assert_memory_equal(buf, k, klen);
  free(k);
  write_seed("envelope_hdr", "class0", buf, len);
  assert_int_equal(rp__envhdr_container_parse(buf, len, &c, &hout, &where), 0);
  assert_int_equal(c.ct.n, 1024);
  assert_int_equal(c.enc[31], 0x3f);
  assert_true(rp__str_eq(hout.recipient, "team-vest"));
  /* The header bytes are carried as they were sealed. */
  uint8_t hb[RP__ENVHDR_MAX];
  size_t hlen = hdr_enc(&h, hb, sizeof hb);
  assert_int_equal(c.header.n, hlen);
  assert_memory_equal(c.header.p, hb, hlen);
  /* Every truncation fails. */
  for (size_t n = 0; n < len; n++)
    assert_int_not_equal(rp__envhdr_container_parse(buf, n, &c, &hout, NULL), 0);
  /* Ciphertext length must match the class exactly. */
  const size_t bad[] = {1023, 1025, 2048};
  for (size_t i = 0; i < 3; i++) {
    len = make_container(&h, bad[i], buf, sizeof buf);
    assert_int_equal(rp__envhdr_container_decode(buf, len, &c, NULL), 0);
    assert_int_equal(rp__envhdr_container_parse(buf, len, &c, &hout, &where), RP_ESIZE);
    assert_string_equal(where, "ciphertext");
    assert_int_equal(c.ct.n, 0); /* cleared on error */
    assert_int_equal(hout.size_class, 0);
  }
  /* The largest class and body; one byte more is over the cap. */
  h.size_class = RP__ENVHDR_CLASS_MAX;
  len = make_container(&h, RP_ENVELOPE_BODY_MAX, buf, sizeof buf);
  assert_true(len <= RP__ENVC_MAX);
  assert_int_equal(rp__envhdr_container_parse(buf, len, &c, &hout, NULL), 0);
  rp__envcont cc;
  memset(&cc, 0, sizeof cc);
  cc.header = (rp__bin){hb, (uint32_t)hlen};
  cc.enc[0] = 1;
  cc.ct = (rp__bin){buf, RP_ENVELOPE_BODY_MAX + 1};
  static uint8_t out[RP__ENVC_MAX + 64];
  assert_int_equal(rp__envhdr_container_encode(&cc, out, sizeof out, &len, &where),
                   RP_ETOOBIG);
  assert_string_equal(where, "ciphertext");
  /* Decoder side of the same cap, packed by hand. */
  rp__buf b;
  msgpack_packer pk;
  rp__buf_init_mem(&b, out, sizeof out);
  rp__mp_buf_packer(&b, &pk);
  msgpack_pack_map(&pk, 4);
  msgpack_pack_uint32(&pk, 0), msgpack_pack_uint32(&pk, 1);
  msgpack_pack_uint32(&pk, 1), msgpack_pack_bin(&pk, hlen),
      msgpack_pack_bin_body(&pk, hb, hlen);
  msgpack_pack_uint32(&pk, 2), msgpack_pack_bin(&pk, 31),
      msgpack_pack_bin_body(&pk, hb, 31);
  msgpack_pack_uint32(&pk, 3), msgpack_pack_bin(&pk, 1), msgpack_pack_bin_body(&pk, hb, 1);
  assert_int_equal(rp__envhdr_container_decode(out, b.len, &c, &where), RP_ESIZE);
  assert_string_equal(where, "enc");
  b.len = 0;
  msgpack_pack_map(&pk, 2);
  msgpack_pack_uint32(&pk, 0), msgpack_pack_uint32(&pk, 1);
  msgpack_pack_uint32(&pk, 3), msgpack_pack_bin(&pk, RP_ENVELOPE_BODY_MAX + 1);
  msgpack_pack_bin_body(&pk, buf, RP_ENVELOPE_BODY_MAX + 1);
  assert_int_equal(rp__envhdr_container_decode(out, b.len, &c, &where), RP_ETOOBIG);
  b.len = 0; /* an empty header, and one past the header cap */
  msgpack_pack_map(&pk, 1);
  msgpack_pack_uint32(&pk, 1), msgpack_pack_bin(&pk, 0);
  assert_int_equal(rp__envhdr_container_decode(out, b.len, &c, &where), RP_ETOOBIG);
  b.len = 0;
  msgpack_pack_map(&pk, 1);
  msgpack_pack_uint32(&pk, 1), msgpack_pack_bin(&pk, RP__ENVHDR_MAX + 1);
  msgpack_pack_bin_body(&pk, buf, RP__ENVHDR_MAX + 1);
  assert_int_equal(rp__envhdr_container_decode(out, b.len, &c, &where), RP_ETOOBIG);
  /* A container whose header is not a header. */
  memset(&cc, 0, sizeof cc);
  cc.header = (rp__bin){(const uint8_t *)"\x80", 1};
  cc.enc[0] = 1;
  cc.ct = (rp__bin){buf, 1024};
  assert_int_equal(rp__envhdr_container_encode(&cc, out, sizeof out, &len, NULL), 0);
  assert_int_equal(rp__envhdr_container_parse(out, len, &c, &hout, NULL), RP_EMISSING);
}

static void test_check_time(void **state) {
  (void)state;
  rp__envhdr h = sample_envhdr();
  assert_int_equal(rp__envhdr_check_time(&h, SAMPLE_TIME), 0);
  assert_int_equal(rp__envhdr_check_time(&h, h.expires - 1), 0);
  assert_int_equal(rp__envhdr_check_time(&h, h.expires), RP_EEXPIRED);
  assert_int_equal(rp__envhdr_check_time(&h, SAMPLE_TIME - RP_CLOCK_SKEW_MS), 0);
  assert_int_equal(rp__envhdr_check_time(&h, SAMPLE_TIME - RP_CLOCK_SKEW_MS - 1),
                   RP_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_round_trip_and_kat),
      cmocka_unit_test(test_header_max),
      cmocka_unit_test(test_header_caps_by_one),
      cmocka_unit_test(test_header_hostile),
      cmocka_unit_test(test_size_classes),
      cmocka_unit_test(test_container),
      cmocka_unit_test(test_check_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
