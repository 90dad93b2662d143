/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the attachment chunk reader (proto/chunk.h), which every recipient
 * runs on chunks that come from the relay. The input chooses the descriptors and the
 * chunks; the key and msg_id are fixed (tests/proto/chunk_test.c uses the same), so the
 * seeds in corpus/chunk_open, written by that test's test_write_corpus, are valid
 * messages and mutations of them reach every check. Input layout:
 *
 *   u8 n_att, then n_att times: u32be size, 32 bytes sha256
 *   then records until the input ends: i8 delta (g = the reader's next + delta),
 *   u16be length, that many bytes of sealed chunk (fewer if the input ends)
 *
 * Beyond "never crash": an error is one of the documented codes, leaves the output wiped
 * and the reader failed for good; an opened chunk has zero padding, belongs to the
 * attachment and index the reader is at, and seals back to the very same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chunk.h"
#include "rejsepost_errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t MSG_ID[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                   0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
/* Caps small enough that the fuzzer meets them. */
#define ATT_CAP (64u << 20)
#define TOTAL_CAP (256u << 20)

static uint8_t pt[RP__CHUNK_SIZE], again[RP__CHUNK_SEALED_MAX];

static bool documented(int rc) {
  return rc == RP_EDUPLICATE || rc == RP_EORDER || rc == RP_EEXCESS || rc == RP_ESIZE ||
         rc == RP_EAUTH || rc == RP_EMALFORMED || rc == RP_EDIGEST;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool ready;
  if (!ready) {
    if (sodium_init() < 0) abort();
    ready = true;
  }
  if (size < 1) return 0;
  uint32_t n_att = data[0];
  size_t pos = 1;
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint8_t sha[RP_PAYLOAD_ATTACHMENTS_MAX][32];
  rp__chunk_reader r;
  memset(sha, 0, sizeof sha);
  if (n_att == 0 || n_att > RP_PAYLOAD_ATTACHMENTS_MAX) {
    uint64_t one = 0;
    if (rp__chunk_reader_init(&r, KEY, MSG_ID, &one, sha, n_att, ATT_CAP, TOTAL_CAP) !=
        RP_EINVAL)
      abort();
    return 0;
  }
  if (size < pos + n_att * 36u) return 0;
  uint64_t total = 0;
  for (uint32_t a = 0; a < n_att; a++, pos += 36) {
    sizes[a] = (uint64_t)data[pos] << 24 | (uint64_t)data[pos + 1] << 16 |
               (uint64_t)data[pos + 2] << 8 | data[pos + 3];
    memcpy(sha[a], data + pos + 4, 32);
    total += sizes[a];
  }
  int rc = rp__chunk_reader_init(&r, KEY, MSG_ID, sizes, sha, n_att, ATT_CAP, TOTAL_CAP);
  bool over = total > TOTAL_CAP;
  for (uint32_t a = 0; a < n_att; a++)
    over |= sizes[a] > ATT_CAP;
  if (rc != (over ? RP_ETOOBIG : 0)) abort();
  if (rc != 0) return 0;

  uint32_t cur = 0; /* the attachment and index the next chunk must have */
  uint64_t j = 0;
  bool failed = false;
  while (pos + 3 <= size) {
    int8_t delta = (int8_t)data[pos];
    size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    const uint8_t *ct = data + pos;
    pos += len;

    uint64_t next = rp__chunk_reader_next(&r);
    uint64_t g = next + (uint64_t)(int64_t)delta;
    size_t n = 0;
    uint32_t att = 0;
    bool done = false;
    memset(pt, 0xee, sizeof pt);
    rc = rp__chunk_reader_open(&r, g, ct, len, pt, sizeof pt, &n, &att, &done);
    if (failed) {
      if (rc != RP_ESTATE) abort();
      continue;
    }
    if (rc != 0) {
      if (!documented(rc) || n != 0 || done) abort();
      if (!sodium_is_zero(pt, sizeof pt)) abort();
      if ((g < next) != (rc == RP_EDUPLICATE) || (g > next) != (rc == RP_EORDER)) abort();
      if (rc == RP_EEXCESS && g != next) abort();
      failed = true;
      continue;
    }
    /* Opened: the chunk the reader was at, with zero padding, sealing back to ct. */
    size_t padded = rp__chunk_padded(n);
    if (g != next || att != cur || n > RP__CHUNK_SIZE || len != padded + RP__CHUNK_TAGBYTES)
      abort();
    if (!sodium_is_zero(pt + n, padded - n)) abort();
    if (rp__chunk_reader_next(&r) != next + 1) abort();
    size_t alen = 0;
    if (rp__chunk_seal(KEY, MSG_ID, att, j, g, done, pt, n, again, sizeof again, &alen) !=
            0 ||
        alen != len || memcmp(again, ct, len) != 0)
      abort();
    if (done) {
      cur++;
      j = 0;
    } else {
      j++;
    }
  }
  rc = rp__chunk_reader_finish(&r);
  if (failed ? rc != RP_ESTATE : (rc != 0 && rc != RP_ETRUNC)) abort();
  if (rc == 0 && cur != n_att) abort();
  rp__chunk_reader_wipe(&r);
  return 0;
}
