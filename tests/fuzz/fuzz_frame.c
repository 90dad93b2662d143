/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the stream frame reader and the fragment reassembler
 * (proto/frame.h), with the transport decoder behind them.
 *
 * Input: byte 0 seeds the chunking (how the stream is cut into read callbacks), byte 1
 * picks the reassembler's cap (odd: RP_MSG_MAX; even: small, so the cap is reachable),
 * the rest is the TCP byte stream of frames whose bodies are taken as plaintexts.
 * Every reassembled message is split again with the writer and pumped through a fresh
 * reader pair one byte at a time; getting different bytes back aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef void (*on_msg)(const uint8_t *msg, size_t len, void *arg);

static uint32_t next_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Pumps stream[0..n) through a frame reader and a fragment reader. seed 0 feeds one
 * byte at a time; otherwise chunk sizes come from the seed. Returns the first error,
 * or the number of messages. */
static int pump(const uint8_t *stream, size_t n, uint32_t seed, size_t max, on_msg cb,
                void *arg) {
  rp__frame_reader fr;
  rp__frag_reader ar;
  uint8_t *buf = NULL;
  size_t pos = 0;
  int r = 0, nmsg = 0;
  rp__frame_reader_init(&fr);
  if (rp__frag_reader_init(&ar, max) != 0) abort();
  while (pos < n) {
    size_t piece = 1;
    if (seed != 0) {
      uint32_t x = next_rand(&seed);
      piece = (x & 0x300) ? 1 + x % 7 : 1 + x % 70000;
    }
    if (piece > n - pos) piece = n - pos;
    const uint8_t *in = stream + pos;
    pos += piece;
    for (;;) {
      size_t used = 0, flen = 0;
      r = rp__frame_reader_feed(&fr, in, piece, &used, &flen);
      if (r < 0) goto out;
      if (used > piece) abort();
      in += used, piece -= used;
      if (r == RP__FRAME_NEED_BUF) {
        if (buf != NULL || flen == 0 || flen > RP_FRAME_MAX) abort();
        if ((buf = malloc(flen)) == NULL) abort();
        if (rp__frame_reader_set_buf(&fr, buf) != 0) abort();
        continue;
      }
      if (r == RP__FRAME_READY) {
        const uint8_t *msg = NULL;
        size_t mlen = 0;
        int m = rp__frag_reader_feed(&ar, buf, flen, &msg, &mlen);
        if (ar.cap > max) abort(); /* never allocates past the cap */
        if (m < 0) {
          r = m;
          goto out;
        }
        if (m == 1) { /* msg may borrow from buf: free it only afterwards */
          if (mlen == 0 || mlen > max) abort();
          nmsg++;
          if (cb != NULL) cb(msg, mlen, arg);
          rp__frag_reader_release(&ar);
        }
        free(buf);
        buf = NULL;
        continue;
      }
      if (piece != 0) abort(); /* RP__FRAME_AGAIN consumed everything */
      break;
    }
  }
  r = nmsg;
out:
  free(buf);
  rp__frag_reader_free(&ar);
  return r;
}

typedef struct expect {
  const uint8_t *msg;
  size_t len;
  int seen;
} expect;

static void check_same(const uint8_t *msg, size_t len, void *arg) {
  expect *e = arg;
  if (e->seen++ != 0 || len != e->len || memcmp(msg, e->msg, len) != 0) abort();
}

/* Re-splits a reassembled message and checks that it comes back unchanged. */
static void resplit(const uint8_t *msg, size_t len, void *arg) {
  (void)arg;
  rp__frag_writer w;
  size_t cap = rp__frag_count(len) * (RP__FRAME_PREFIX + RP_FRAME_PLAINTEXT_MAX), slen = 0;
  uint8_t *stream = malloc(cap);
  if (stream == NULL || rp__frag_writer_init(&w, msg, len) != 0) abort();
  while (!rp__frag_writer_done(&w)) {
    size_t n = 0;
    uint8_t *pt = stream + slen + RP__FRAME_PREFIX;
    if (rp__frag_writer_next(&w, pt, RP_FRAME_PLAINTEXT_MAX, &n) != 0) abort();
    if (rp__frame_prefix(stream + slen, n) != 0) abort();
    slen += RP__FRAME_PREFIX + n;
  }
  expect e = {msg, len, 0};
  if (pump(stream, slen, 0, RP_MSG_MAX, check_same, &e) != 1 || e.seen != 1) abort();
  free(stream);
  /* What the channel would do next; must never crash. */
  rp__tmsg m;
  (void)rp__tmsg_decode(msg, len, &m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint32_t seed = 0x9e3779b9u ^ ((uint32_t)data[0] * 0x01010101u);
  size_t max = (data[1] & 1) ? RP_MSG_MAX : 1 + (size_t)data[1] * 4;
  (void)pump(data + 2, size - 2, seed, max, resplit, NULL);
  return 0;
}
