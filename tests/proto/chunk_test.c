/* SPDX-License-Identifier: MIT */
/*
 * Attachment chunks (proto/chunk.h): sizes, padding and plans; round trips from the
 * writer to the reader at the chunk-size boundaries (0, 1, C-1, C, C+1, 3C bytes, alone
 * and together in one message); every bad input refused with its own error, in the
 * documented order (truncated, missing final chunk, out of order, duplicate, another
 * message, a forged final flag, a flipped byte anywhere, a wrong sha256, sizes over the
 * caps, a chunk too many, a wrong sealed length, non-zero padding); and a known-answer
 * vector, the one docs/PROTOCOL.md 6.7 shows.
 *
 * With RP_WRITE_CORPUS=<dir> set, test_write_corpus writes seeds for
 * tests/fuzz/fuzz_chunk_open.c there (its input layout is described in that file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "chunk.h"
#include "rejsepost_errors.h"
#include "testutil.h"

#define C RP__CHUNK_SIZE
#define NOCAP UINT64_MAX

static const uint8_t KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t MSG_ID[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                   0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

/* Byte i of attachment a: a pattern that differs between attachments and chunks. */
static uint8_t byte_of(uint32_t a, uint64_t i) {
  return (uint8_t)(i * 131 + (i >> 18) * 7 + a * 29 + 1);
}

/* A message's attachments sealed by the writer: every sealed chunk kept in order. */
typedef struct msg {
  uint32_t n_att;
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint8_t sha[RP_PAYLOAD_ATTACHMENTS_MAX][32];
  uint64_t n;
  uint8_t **ct;
  size_t *ct_len;
} msg;

static void make_msg(msg *m, const uint64_t *sizes, uint32_t n_att, const uint8_t *key,
                     const uint8_t *msg_id) {
  memset(m, 0, sizeof *m);
  m->n_att = n_att;
  memcpy(m->sizes, sizes, n_att * sizeof sizes[0]);
  assert_int_equal(rp__chunk_plan(sizes, n_att, NOCAP, NOCAP, &m->n), 0);
  m->ct = calloc(m->n, sizeof m->ct[0]);
  m->ct_len = calloc(m->n, sizeof m->ct_len[0]);
  assert_non_null(m->ct);
  assert_non_null(m->ct_len);
  static uint8_t data[C];
  /* The sender's first pass: the descriptors' sha256. */
  for (uint32_t a = 0; a < n_att; a++) {
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (uint64_t i = 0; i < sizes[a]; i++) {
      uint8_t b = byte_of(a, i);
      crypto_hash_sha256_update(&h, &b, 1);
    }
    crypto_hash_sha256_final(&h, m->sha[a]);
  }
  rp__chunk_writer w;
  assert_int_equal(rp__chunk_writer_init(&w, key, msg_id, sizes, n_att), 0);
  uint64_t off = 0;
  uint32_t prev = 0;
  for (uint64_t k = 0; k < m->n; k++) {
    uint32_t a = 0;
    size_t len = 0;
    assert_int_equal(rp__chunk_writer_expect(&w, &a, &len), 0);
    if (a != prev) off = 0, prev = a;
    for (size_t i = 0; i < len; i++)
      data[i] = byte_of(a, off + i);
    off += len;
    m->ct[k] = malloc(RP__CHUNK_SEALED_MAX);
    assert_non_null(m->ct[k]);
    uint64_t g = 99;
    assert_int_equal(rp__chunk_writer_next(&w, data, len, m->ct[k], RP__CHUNK_SEALED_MAX,
                                           &m->ct_len[k], &g),
                     0);
    assert_int_equal(g, k);
    assert_int_equal(m->ct_len[k], rp__chunk_sealed_size(len));
  }
  assert_true(rp__chunk_writer_done(&w));
  assert_int_equal(rp__chunk_writer_expect(&w, &prev, &(size_t){0}), RP_ESTATE);
  for (uint32_t a = 0; a < n_att; a++) {
    uint8_t h[32];
    assert_int_equal(rp__chunk_writer_sha256(&w, a, h), 0);
    assert_memory_equal(h, m->sha[a], 32);
  }
  rp__chunk_writer_wipe(&w);
}

static void free_msg(msg *m) {
  for (uint64_t k = 0; k < m->n; k++)
    free(m->ct[k]);
  free(m->ct);
  free(m->ct_len);
}

static void reader_of(rp__chunk_reader *r, const msg *m) {
  assert_int_equal(
      rp__chunk_reader_init(r, KEY, MSG_ID, m->sizes, m->sha, m->n_att, NOCAP, NOCAP), 0);
}

static uint8_t pt[C];

/* Opens chunk g of m with r; returns the reader's verdict. */
static int open_g(rp__chunk_reader *r, const msg *m, uint64_t g) {
  size_t n = 0;
  uint32_t a = 0;
  bool done = false;
  return rp__chunk_reader_open(r, g, m->ct[g], m->ct_len[g], pt, sizeof pt, &n, &a, &done);
}

/* Opens every chunk of m in order and checks every byte; the reader then finishes. */
static void read_all(const msg *m) {
  rp__chunk_reader r;
  reader_of(&r, m);
  uint64_t off = 0;
  for (uint64_t g = 0; g < m->n; g++) {
    size_t n = 0;
    uint32_t a = 99;
    bool done = false;
    assert_int_equal(rp__chunk_reader_next(&r), g);
    assert_int_equal(rp__chunk_reader_finish(&r), RP_ETRUNC);
    assert_int_equal(
        rp__chunk_reader_open(&r, g, m->ct[g], m->ct_len[g], pt, sizeof pt, &n, &a, &done),
        0);
    for (size_t i = 0; i < n; i++)
      if (pt[i] != byte_of(a, off + i))
        fail_msg("chunk %llu byte %zu", (unsigned long long)g, i);
    off += n;
    if (done) off = 0;
  }
  assert_int_equal(rp__chunk_reader_next(&r), m->n);
  assert_int_equal(rp__chunk_reader_finish(&r), 0);
  rp__chunk_reader_wipe(&r);
  assert_int_equal(rp__chunk_reader_finish(&r), RP_ESTATE);
}

static void test_sizes_and_plan(void **state) {
  (void)state;
  assert_int_equal(rp__chunk_padded(0), 1024);
  assert_int_equal(rp__chunk_padded(1), 1024);
  assert_int_equal(rp__chunk_padded(1024), 1024);
  assert_int_equal(rp__chunk_padded(1025), 2048);
  assert_int_equal(rp__chunk_padded(C / 2 + 1), C);
  assert_int_equal(rp__chunk_padded(C - 1), C);
  assert_int_equal(rp__chunk_padded(C), C);
  assert_int_equal(rp__chunk_padded(C + 1), 0);
  assert_int_equal(rp__chunk_sealed_size(5), 1040);
  assert_int_equal(rp__chunk_sealed_size(C), RP__CHUNK_SEALED_MAX);
  assert_int_equal(rp__chunk_sealed_size(C + 1), 0);
  assert_int_equal(rp__chunk_count(0), 1);
  assert_int_equal(rp__chunk_count(1), 1);
  assert_int_equal(rp__chunk_count(C), 1);
  assert_int_equal(rp__chunk_count(C + 1), 2);
  assert_int_equal(rp__chunk_count(RP__CHUNK_ATTACHMENT_MAX), 16384);
  assert_int_equal(RP__CHUNK_COUNT_MAX, 262144);

  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX + 1], n = 7;
  for (unsigned i = 0; i <= RP_PAYLOAD_ATTACHMENTS_MAX; i++)
    sizes[i] = RP__CHUNK_ATTACHMENT_MAX;
  assert_int_equal(rp__chunk_plan(sizes, RP_PAYLOAD_ATTACHMENTS_MAX, NOCAP, NOCAP, &n), 0);
  assert_int_equal(n, RP__CHUNK_COUNT_MAX);
  assert_int_equal(rp__chunk_plan(sizes, 0, NOCAP, NOCAP, &n), RP_EINVAL);
  assert_int_equal(n, 0);
  assert_int_equal(rp__chunk_plan(sizes, RP_PAYLOAD_ATTACHMENTS_MAX + 1, NOCAP, NOCAP, &n),
                   RP_EINVAL);
  assert_int_equal(rp__chunk_plan(NULL, 1, NOCAP, NOCAP, &n), RP_EINVAL);
  sizes[0] = RP__CHUNK_ATTACHMENT_MAX + 1; /* over the format's ceiling, whatever the cap */
  assert_int_equal(rp__chunk_plan(sizes, 1, NOCAP, NOCAP, &n), RP_ETOOBIG);
  sizes[0] = 100 << 20;
  assert_int_equal(rp__chunk_plan(sizes, 1, 100 << 20, NOCAP, &n), 0);
  assert_int_equal(n, 400);
  assert_int_equal(rp__chunk_plan(sizes, 1, (100 << 20) - 1, NOCAP, &n), RP_ETOOBIG);
  sizes[1] = 1;
  assert_int_equal(rp__chunk_plan(sizes, 2, NOCAP, (100 << 20) + 1, &n), 0);
  assert_int_equal(n, 401);
  assert_int_equal(rp__chunk_plan(sizes, 2, NOCAP, 100 << 20, &n), RP_ETOOBIG);
}

static void test_round_trips(void **state) {
  (void)state;
  static const uint64_t sizes[] = {0, 1, C - 1, C, C + 1, 3 * C};
  msg m;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    make_msg(&m, &sizes[i], 1, KEY, MSG_ID);
    assert_int_equal(m.n, rp__chunk_count(sizes[i]));
    read_all(&m);
    free_msg(&m);
  }
  make_msg(&m, sizes, 6, KEY, MSG_ID);
  assert_int_equal(m.n, 1 + 1 + 1 + 1 + 2 + 3);
  read_all(&m);
  free_msg(&m);
}

/* Opens chunks 0..upto-1 of m, which must all succeed. */
static void open_upto(rp__chunk_reader *r, const msg *m, uint64_t upto) {
  reader_of(r, m);
  for (uint64_t g = 0; g < upto; g++)
    assert_int_equal(open_g(r, m, g), 0);
}

/* After an error the reader is failed for good and pt holds nothing. */
static void assert_failed(rp__chunk_reader *r, const msg *m) {
  assert_true(sodium_is_zero(pt, sizeof pt));
  assert_int_equal(open_g(r, m, 0), RP_ESTATE);
  assert_int_equal(rp__chunk_reader_finish(r), RP_ESTATE);
  rp__chunk_reader_wipe(r);
}

static void test_order_and_count(void **state) {
  (void)state;
  static const uint64_t sizes[] = {3 * C, 10};
  msg m;
  rp__chunk_reader r;
  make_msg(&m, sizes, 2, KEY, MSG_ID);
  assert_int_equal(m.n, 4);

  /* Truncated: the transfer ends before the last chunk. */
  open_upto(&r, &m, 3);
  assert_int_equal(rp__chunk_reader_finish(&r), RP_ETRUNC);
  rp__chunk_reader_wipe(&r);
  /* The final chunk of attachment 0 is missing: the next one is out of order. */
  open_upto(&r, &m, 2);
  memset(pt, 0x55, sizeof pt);
  assert_int_equal(open_g(&r, &m, 3), RP_EORDER);
  assert_failed(&r, &m);
  /* Out of order from the start, and far beyond N while chunks are missing. */
  open_upto(&r, &m, 0);
  assert_int_equal(open_g(&r, &m, 1), RP_EORDER);
  assert_failed(&r, &m);
  open_upto(&r, &m, 1);
  size_t n = 0;
  uint32_t a = 0;
  bool done = false;
  assert_int_equal(
      rp__chunk_reader_open(&r, 1000, m.ct[1], m.ct_len[1], pt, sizeof pt, &n, &a, &done),
      RP_EORDER);
  assert_failed(&r, &m);
  /* Duplicate: a chunk already received, right after it and later. */
  open_upto(&r, &m, 1);
  assert_int_equal(open_g(&r, &m, 0), RP_EDUPLICATE);
  assert_failed(&r, &m);
  open_upto(&r, &m, 3);
  assert_int_equal(open_g(&r, &m, 1), RP_EDUPLICATE);
  assert_failed(&r, &m);
  /* More chunks than declared: one offered after all N (its bytes do not matter). */
  open_upto(&r, &m, 4);
  assert_int_equal(rp__chunk_reader_finish(&r), 0);
  assert_int_equal(
      rp__chunk_reader_open(&r, 4, m.ct[3], m.ct_len[3], pt, sizeof pt, &n, &a, &done),
      RP_EEXCESS);
  assert_failed(&r, &m);
  /* The index checks come first: a duplicate with a wrong length is a duplicate. */
  open_upto(&r, &m, 2);
  assert_int_equal(rp__chunk_reader_open(&r, 0, m.ct[0], 5, pt, sizeof pt, &n, &a, &done),
                   RP_EDUPLICATE);
  assert_failed(&r, &m);
  free_msg(&m);
}

static void test_other_message(void **state) {
  (void)state;
  static const uint64_t sizes[] = {C + 1, 7};
  uint8_t key2[32], id2[16];
  memcpy(key2, KEY, 32);
  key2[31] ^= 1;
  memcpy(id2, MSG_ID, 16);
  id2[0] ^= 1;
  const uint8_t *keys[] = {key2, KEY, key2};
  const uint8_t *ids[] = {MSG_ID, id2, id2};
  msg m, real;
  rp__chunk_reader r;
  make_msg(&real, sizes, 2, KEY, MSG_ID);
  for (size_t v = 0; v < 3; v++) {
    /* Same sizes, same indices: another key, another msg_id, or both. */
    make_msg(&m, sizes, 2, keys[v], ids[v]);
    for (uint64_t g = 0; g < m.n; g++) {
      /* Reach chunk g with the real message's chunks, then splice. */
      open_upto(&r, &real, g);
      assert_int_equal(open_g(&r, &m, g), RP_EAUTH);
      assert_failed(&r, &m);
    }
    free_msg(&m);
  }
  free_msg(&real);
}

/* Opens one chunk of attachment 0 sealed by hand, after `before` good chunks. */
static int open_raw(const msg *m, uint64_t before, const uint8_t *ct, size_t ct_len) {
  rp__chunk_reader r;
  open_upto(&r, m, before);
  size_t n = 0;
  uint32_t a = 0;
  bool done = false;
  int rc = rp__chunk_reader_open(&r, before, ct, ct_len, pt, sizeof pt, &n, &a, &done);
  if (rc != 0) assert_failed(&r, m);
  rp__chunk_reader_wipe(&r);
  return rc;
}

static void test_final_flag_and_flips(void **state) {
  (void)state;
  static const uint64_t sizes[] = {C + 5};
  static uint8_t data[C], ct[RP__CHUNK_SEALED_MAX];
  msg m;
  size_t len = 0;
  make_msg(&m, sizes, 1, KEY, MSG_ID);
  for (size_t i = 0; i < C; i++)
    data[i] = byte_of(0, i);
  /* Chunk 0 claiming to be final, chunk 1 claiming not to be. */
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 0, 0, 0, true, data, C, ct, sizeof ct, &len),
                   0);
  assert_int_equal(open_raw(&m, 0, ct, len), RP_EAUTH);
  assert_int_equal(
      rp__chunk_seal(KEY, MSG_ID, 0, 0, 0, false, data, C, ct, sizeof ct, &len), 0);
  assert_int_equal(open_raw(&m, 0, ct, len), 0); /* the same bytes the writer made */
  assert_memory_equal(ct, m.ct[0], len);
  for (size_t i = 0; i < 5; i++)
    data[i] = byte_of(0, C + i);
  assert_int_equal(
      rp__chunk_seal(KEY, MSG_ID, 0, 1, 1, false, data, 5, ct, sizeof ct, &len), 0);
  assert_int_equal(open_raw(&m, 1, ct, len), RP_EAUTH);
  /* Wrong indices in the associated data or the nonce. */
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 1, 1, 1, true, data, 5, ct, sizeof ct, &len),
                   0);
  assert_int_equal(open_raw(&m, 1, ct, len), RP_EAUTH);
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 0, 0, 1, true, data, 5, ct, sizeof ct, &len),
                   0);
  assert_int_equal(open_raw(&m, 1, ct, len), RP_EAUTH);
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 0, 1, 0, true, data, 5, ct, sizeof ct, &len),
                   0);
  assert_int_equal(open_raw(&m, 1, ct, len), RP_EAUTH);
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 0, 1, 1, true, data, 5, ct, sizeof ct, &len),
                   0);
  assert_int_equal(open_raw(&m, 1, ct, len), 0);

  /* A byte flipped in every position of the small sealed chunk. */
  assert_int_equal(len, 1040);
  for (size_t i = 0; i < len; i++) {
    ct[i] ^= 0x80;
    if (open_raw(&m, 1, ct, len) != RP_EAUTH) fail_msg("flip at %zu not refused", i);
    ct[i] ^= 0x80;
  }
  free_msg(&m);
}

static void test_sizes_digest_padding(void **state) {
  (void)state;
  static const uint64_t sizes[] = {2 * C, 5};
  static uint8_t ct[RP__CHUNK_SEALED_MAX + 1];
  msg m;
  rp__chunk_reader r;
  size_t n = 0;
  uint32_t a = 0;
  bool done = false;
  make_msg(&m, sizes, 2, KEY, MSG_ID);

  /* Wrong sealed lengths: one byte short or long, another size class. */
  memcpy(ct, m.ct[2], m.ct_len[2]);
  assert_int_equal(open_raw(&m, 2, ct, 1039), RP_ESIZE);
  assert_int_equal(open_raw(&m, 2, ct, 1041), RP_ESIZE);
  assert_int_equal(open_raw(&m, 2, ct, 0), RP_ESIZE);
  assert_int_equal(open_raw(&m, 2, m.ct[0], m.ct_len[0]), RP_ESIZE);
  assert_int_equal(open_raw(&m, 0, m.ct[2], m.ct_len[2]), RP_ESIZE);

  /* Non-zero padding under a valid seal: an authentic but broken sender. */
  uint8_t nonce[12], aad[29], padded[1024];
  unsigned long long clen = 0;
  memset(padded, 0, sizeof padded);
  for (size_t i = 0; i < 5; i++)
    padded[i] = byte_of(1, i);
  padded[1023] = 1;
  rp__chunk_nonce(nonce, 2);
  rp__chunk_aad(aad, MSG_ID, 1, 0, true);
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                       ct, &clen, padded, sizeof padded, aad, sizeof aad, NULL, nonce, KEY),
                   0);
  assert_int_equal(open_raw(&m, 2, ct, (size_t)clen), RP_EMALFORMED);
  padded[1023] = 0;
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                       ct, &clen, padded, sizeof padded, aad, sizeof aad, NULL, nonce, KEY),
                   0);
  assert_memory_equal(ct, m.ct[2], clen); /* the documented construction, by hand */
  assert_int_equal(open_raw(&m, 2, ct, (size_t)clen), 0);

  /* A wrong sha256 in a descriptor: refused at that attachment's last chunk. */
  uint8_t sha[2][32];
  memcpy(sha, m.sha, sizeof sha);
  sha[0][5] ^= 1;
  assert_int_equal(rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, sha, 2, NOCAP, NOCAP),
                   0);
  assert_int_equal(open_g(&r, &m, 0), 0);
  assert_int_equal(
      rp__chunk_reader_open(&r, 1, m.ct[1], m.ct_len[1], pt, sizeof pt, &n, &a, &done),
      RP_EDIGEST);
  assert_false(done);
  assert_int_equal(n, 0);
  assert_failed(&r, &m);
  memcpy(sha, m.sha, sizeof sha);
  sha[1][31] ^= 0x40;
  assert_int_equal(rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, sha, 2, NOCAP, NOCAP),
                   0);
  assert_int_equal(open_g(&r, &m, 0), 0);
  assert_int_equal(open_g(&r, &m, 1), 0);
  assert_int_equal(open_g(&r, &m, 2), RP_EDIGEST);
  assert_failed(&r, &m);

  /* Sizes over the caps. */
  assert_int_equal(
      rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, m.sha, 2, 2 * C - 1, NOCAP),
      RP_ETOOBIG);
  assert_int_equal(rp__chunk_reader_finish(&r), RP_ESTATE);
  assert_int_equal(
      rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, m.sha, 2, 2 * C, 2 * C + 4),
      RP_ETOOBIG);
  assert_int_equal(
      rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, m.sha, 2, 2 * C, 2 * C + 5), 0);
  uint64_t huge = RP__CHUNK_ATTACHMENT_MAX + 1;
  assert_int_equal(rp__chunk_reader_init(&r, KEY, MSG_ID, &huge, m.sha, 1, NOCAP, NOCAP),
                   RP_ETOOBIG);
  assert_int_equal(rp__chunk_reader_init(&r, KEY, MSG_ID, m.sizes, m.sha, 0, NOCAP, NOCAP),
                   RP_EINVAL);

  /* Arguments: a buffer too small for the chunk's padding, NULLs; each fails the reader. */
  reader_of(&r, &m);
  assert_int_equal(
      rp__chunk_reader_open(&r, 0, m.ct[0], m.ct_len[0], pt, C - 1, &n, &a, &done),
      RP_EINVAL);
  assert_failed(&r, &m);
  reader_of(&r, &m);
  assert_int_equal(rp__chunk_reader_open(&r, 0, NULL, m.ct_len[0], pt, C, &n, &a, &done),
                   RP_EINVAL);
  assert_failed(&r, &m);
  assert_int_equal(
      rp__chunk_reader_open(NULL, 0, m.ct[0], m.ct_len[0], pt, C, &n, &a, &done),
      RP_EINVAL);
  free_msg(&m);
}

static void test_writer_rules(void **state) {
  (void)state;
  static const uint64_t sizes[] = {C + 3, 0};
  static uint8_t buf[RP__CHUNK_SEALED_MAX];
  rp__chunk_writer w;
  size_t len = 9;
  uint64_t g = 9;
  uint8_t h[32];
  assert_int_equal(rp__chunk_writer_init(&w, KEY, MSG_ID, sizes, 0), RP_EINVAL);
  uint64_t huge = RP__CHUNK_ATTACHMENT_MAX + 1;
  assert_int_equal(rp__chunk_writer_init(&w, KEY, MSG_ID, &huge, 1), RP_ETOOBIG);
  assert_int_equal(rp__chunk_writer_next(&w, buf, 0, buf, sizeof buf, &len, &g), RP_ESTATE);
  assert_int_equal(rp__chunk_writer_init(&w, KEY, MSG_ID, sizes, 2), 0);
  memset(buf, 0x33, C);
  /* Not the expected length: refused, nothing consumed. */
  assert_int_equal(rp__chunk_writer_next(&w, buf, C - 1, buf, sizeof buf, &len, &g),
                   RP_EINVAL);
  assert_int_equal(rp__chunk_writer_next(&w, buf, C, buf, C + 15, &len, &g), RP_EINVAL);
  assert_int_equal(len, 0);
  assert_int_equal(rp__chunk_writer_sha256(&w, 0, h), RP_ESTATE);
  /* In place: data and out the same buffer. */
  assert_int_equal(rp__chunk_writer_next(&w, buf, C, buf, sizeof buf, &len, &g), 0);
  assert_int_equal(len, RP__CHUNK_SEALED_MAX);
  assert_int_equal(g, 0);
  assert_int_equal(rp__chunk_writer_next(&w, buf, 2, buf, sizeof buf, &len, &g), RP_EINVAL);
  memset(buf, 0x33, 3);
  assert_int_equal(rp__chunk_writer_next(&w, buf, 3, buf, sizeof buf, &len, &g), 0);
  assert_int_equal(len, 1040);
  assert_int_equal(g, 1);
  assert_int_equal(rp__chunk_writer_sha256(&w, 0, h), 0);
  static uint8_t all[C + 3];
  memset(all, 0x33, sizeof all);
  uint8_t want[32];
  crypto_hash_sha256(want, all, sizeof all);
  assert_memory_equal(h, want, 32);
  assert_int_equal(rp__chunk_writer_sha256(&w, 1, h), RP_ESTATE);
  assert_false(rp__chunk_writer_done(&w));
  assert_int_equal(rp__chunk_writer_next(&w, NULL, 0, buf, sizeof buf, &len, &g), 0);
  assert_int_equal(g, 2);
  assert_true(rp__chunk_writer_done(&w));
  assert_int_equal(rp__chunk_writer_sha256(&w, 1, h), 0);
  crypto_hash_sha256(want, NULL, 0);
  assert_memory_equal(h, want, 32);
  assert_int_equal(rp__chunk_writer_sha256(&w, 2, h), RP_EINVAL);
  assert_int_equal(rp__chunk_writer_next(&w, NULL, 0, buf, sizeof buf, &len, &g),
                   RP_ESTATE);
  rp__chunk_writer_wipe(&w);
  assert_true(sodium_is_zero((const uint8_t *)&w, sizeof w));
  assert_int_equal(
      rp__chunk_seal(KEY, MSG_ID, 0, 0, 0, true, buf, C + 1, buf, sizeof buf, &len),
      RP_EINVAL);
  assert_int_equal(rp__chunk_seal(KEY, MSG_ID, 0, 0, 0, true, buf, 5, buf, 1039, &len),
                   RP_EINVAL);
}

/*
 * The example of docs/PROTOCOL.md 6.7: the chunk key of the envelope of A.5 (exported by
 * protocol_doc_test from the same envelope), msg_id 10..1f, the 5-byte attachment "hello"
 * as attachment 0, chunk 0, final. The AEAD part was checked once against an independent
 * ChaCha20-Poly1305 (Python's cryptography package).
 */
static const char KAT_KEY[] =
    "3f44f3ed85481d1a9b25e544e42b9a4ef397c48234c1c97f1a93a629c3f292d6";
static const char KAT_SEALED[] =
    "fa97dd0f059bab9d57f4af60999ca9e2c9d5e756dcab4492e6869a88fecb9d9f"
    "ed4ea1fe00f24a8743e14ad1e5096f2fa12651eebde7ab205d9fdd61d524f55a"
    "0687b44b4a7e0aac8982002db7161f720ee2d38e2f43260a7ab1a36957d840de"
    "9af4e327c241f06ab57851a262803d0ba64eba22afcd55e7537c9554cf93660f"
    "107fe158343834cac7bbcb8617c5525ae9f96e63bcd9a378844ad72d1a7301a2"
    "624486f416a21a15d0edb500a18483d73d94587c129450e6388396b75faa1787"
    "8508be7557cee385f2870626936eb2d7c4c42fffb1ed7e01c2e499a766a7af2f"
    "d8c96694975679dbb205d9696fa0353eb6bccae82ece33a6481dcb4fa8cba17d"
    "1f85b3c87d52777bb6695419e9a6a32cebc2371428249e23a0948165ee6a97be"
    "e29617d963d3c0173f5876695f70bd22aca04fd6a93d5b3a7bb12b9553d1a3d3"
    "1610684f3dc7cb622454558839ff7eb00daed3103454c5a443fab9104f2a2663"
    "8ce951b1fb6926d18aa8494c7d025ef09265988e06ccac0abb24bf8cd2f59657"
    "6b0b83b02523ddbe221fd9e4122e3aa31aec1604438ca02ccdc23bcf66ff49ec"
    "24ef3233eea4c914bc9db3722f8797b187c58f0510d94c52380b6459a80a5e57"
    "34db32555acfcca161d8e6e462b703f278a922d5435a0e57b05d998f2c9e1a6d"
    "0d0a867f0fca31d01cba81077a596207892e3e237ae35755445f65a09f068fc1"
    "9eb108261390caf40ce2acda24d6db0ac0daf14bc75ecbcca137551c4b622365"
    "5095f7523f1918455613bf74a35fda766212963df6bf35e99ea857faef728445"
    "b7c83ffffdacbbe25420429d6aa9f536aa93d7c12ba384f411cff5b1eaaa46c6"
    "1cd976b6e749fbeb45c8efdeb12744f4c8251a70ec507526ae11fec4d1d7f0be"
    "cefb69537f0e664a4eba3798b2a5845ca5ff3cd8afa2d95044efa22e78014c76"
    "c1ca4be8916c4560e23884029999bfbca3dffd23b4596ee95cbca0af0339354c"
    "04c6f61fc6d4fe176cfedf82f734d1620130087aec0012d93cadb53baf3ecdf5"
    "198b664b037a93ea10dea26dee4e0addb3f0766f5eb08e53d761f3476d47db40"
    "c5c8c6c341a2db2a82ca99fcda9e8e875d06e52425c1249bbba449e2eb3956e0"
    "108fb22fe4453ceeee4d693e646f768f55295b419a7673f84871db19a93a020e"
    "119a18d01c5c5a90f127eaf051494aa87d765160f2f53b5642cfcce958136ee5"
    "9de44b8dfa976e30f2140c1d33ee831fb7d52c889d07995d5d85be1af5ceef92"
    "d4004504d84ce5609ba1c5af70ca387a281de9387a36b02c92c7bfb4cb25878c"
    "236fd5e0a64428ff9403ef27972f7fac7444c23a9298ec9e4a886fb31c8ee7b0"
    "8de12c8707bcf00af7aed3996644f71b54d0e4c4d4056b30f9a57deb1d5a176b"
    "38bc1e1ca20fda8956666677299eeab248e8686975394d259bdbecc70a003ae9"
    "8feb82d2ac5b3be7c6e980d62b5fda45";

static void test_known_answer(void **state) {
  (void)state;
  static const uint8_t id[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
  size_t klen = 0, slen = 0, len = 0;
  uint8_t *key = tu_unhex(KAT_KEY, &klen), *want = tu_unhex(KAT_SEALED, &slen);
  uint8_t out[1040], sha[32];
  assert_int_equal(klen, 32);
  assert_int_equal(slen, 1040);
  assert_int_equal(rp__chunk_seal(key, id, 0, 0, 0, true, (const uint8_t *)"hello", 5, out,
                                  sizeof out, &len),
                   0);
  assert_int_equal(len, slen);
  assert_memory_equal(out, want, slen);

  /* The reader opens it, given the descriptor's size and sha256. */
  rp__chunk_reader r;
  uint64_t size = 5;
  size_t n = 0;
  uint32_t a = 9;
  bool done = false;
  crypto_hash_sha256(sha, (const uint8_t *)"hello", 5);
  assert_int_equal(
      rp__chunk_reader_init(&r, key, id, &size, (const uint8_t(*)[32])sha, 1, NOCAP, NOCAP),
      0);
  assert_int_equal(rp__chunk_reader_open(&r, 0, want, slen, pt, sizeof pt, &n, &a, &done),
                   0);
  assert_int_equal(n, 5);
  assert_memory_equal(pt, "hello", 5);
  assert_true(done);
  assert_int_equal(rp__chunk_reader_finish(&r), 0);
  rp__chunk_reader_wipe(&r);
  free(key);
  free(want);
}

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, len, f), len);
  fclose(f);
}

/* Seeds for fuzz_chunk_open: the harness's key is KEY and its msg_id MSG_ID. Layout:
 * u8 n_att, n_att * (u32be size, sha256), then records (i8 g - next, u16be length, the
 * sealed chunk's bytes) until the input ends. */
static void test_write_corpus(void **state) {
  (void)state;
  const char *dir = getenv("RP_WRITE_CORPUS");
  if (dir == NULL) skip();
  static const uint64_t sets[][3] = {{5, 0, 0}, {0, 1, 1500}, {3000, 0, 0}};
  static const uint32_t counts[] = {1, 3, 1};
  static uint8_t buf[16384];
  for (size_t s = 0; s < 3; s++) {
    msg m;
    make_msg(&m, sets[s], counts[s], KEY, MSG_ID);
    size_t pos = 0;
    buf[pos++] = (uint8_t)counts[s];
    for (uint32_t a = 0; a < counts[s]; a++) {
      for (int i = 3; i >= 0; i--)
        buf[pos++] = (uint8_t)(sets[s][a] >> (8 * i));
      memcpy(buf + pos, m.sha[a], 32);
      pos += 32;
    }
    for (uint64_t g = 0; g < m.n; g++) {
      buf[pos++] = 0;
      buf[pos++] = (uint8_t)(m.ct_len[g] >> 8);
      buf[pos++] = (uint8_t)m.ct_len[g];
      memcpy(buf + pos, m.ct[g], m.ct_len[g]);
      pos += m.ct_len[g];
    }
    char name[32];
    snprintf(name, sizeof name, "valid%zu", s);
    write_seed(dir, name, buf, pos);
    if (s == 0) {
      /* The one chunk again: as the next index (EEXCESS), and as the previous one. */
      size_t rec = 3 + m.ct_len[0];
      memcpy(buf + pos, buf + pos - rec, rec);
      write_seed(dir, "excess", buf, pos + rec);
      buf[pos] = 0xff;
      write_seed(dir, "duplicate", buf, pos + rec);
    }
    free_msg(&m);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes_and_plan),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_order_and_count),
      cmocka_unit_test(test_other_message),
      cmocka_unit_test(test_final_flag_and_flips),
      cmocka_unit_test(test_sizes_digest_padding),
      cmocka_unit_test(test_writer_rules),
      cmocka_unit_test(test_known_answer),
      cmocka_unit_test(test_write_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
