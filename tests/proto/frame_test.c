/* SPDX-License-Identifier: MIT */
/* Stream frames and fragments: boundaries, caps, bad flags, one byte at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "tmsg_samples.h"

/* A stream of frames as it would arrive on TCP, and the frames a reader got from it. */
typedef struct stream {
  uint8_t *p;
  size_t len, cap;
} stream;

static void stream_put(stream *s, const uint8_t *p, size_t n) {
  if (s->len + n > s->cap) {
    s->cap = (s->len + n) * 2;
    s->p = realloc(s->p, s->cap);
    assert_non_null(s->p);
  }
  memcpy(s->p + s->len, p, n);
  s->len += n;
}

static void stream_frame(stream *s, const uint8_t *p, size_t n) {
  uint8_t pre[RP__FRAME_PREFIX];
  assert_int_equal(rp__frame_prefix(pre, n), 0);
  stream_put(s, pre, sizeof pre);
  stream_put(s, p, n);
}

/* Feeds the stream to a frame reader in pieces of `step` bytes (0: growing odd sizes)
 * and every frame to a fragment reader; collects the messages into *out. Returns the
 * number of messages, or the first error. */
static int pump(const stream *s, size_t step, stream *out, size_t max) {
  rp__frame_reader fr;
  rp__frag_reader ar;
  uint8_t *buf = NULL;
  int r = 0, nmsg = 0;
  size_t pos = 0, piece = 1, calls = 0;
  rp__frame_reader_init(&fr);
  assert_int_equal(rp__frag_reader_init(&ar, max), 0);
  while (pos < s->len) {
    size_t n = step ? step : piece;
    piece = piece * 3 + 1;
    if (piece > 70000) piece = 1;
    if (n > s->len - pos) n = s->len - pos;
    const uint8_t *in = s->p + pos;
    pos += n;
    while (n > 0 || r == RP__FRAME_NEED_BUF) {
      size_t used = 0, flen = 0;
      r = rp__frame_reader_feed(&fr, in, n, &used, &flen);
      calls++;
      if (r < 0) goto out;
      in += used, n -= used;
      if (r == RP__FRAME_NEED_BUF) {
        assert_null(buf); /* nothing held until a prefix arrives */
        buf = malloc(flen);
        assert_non_null(buf);
        assert_int_equal(rp__frame_reader_set_buf(&fr, buf), 0);
      } else if (r == RP__FRAME_READY) {
        const uint8_t *msg = NULL;
        size_t mlen = 0;
        int m = rp__frag_reader_feed(&ar, buf, flen, &msg, &mlen);
        if (m < 0) {
          r = m;
          goto out;
        }
        if (m == 1) {
          stream_put(out, msg, mlen);
          nmsg++;
          rp__frag_reader_release(&ar);
        }
        free(buf);
        buf = NULL;
      } else {
        assert_int_equal(n, 0);
      }
    }
  }
  r = nmsg;
  assert_false(rp__frag_reader_pending(&ar));
  if (step == 1) assert_true(calls >= s->len); /* really one byte at a time */
out:
  free(buf);
  rp__frag_reader_free(&ar);
  return r;
}

static uint8_t *pattern(size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(i * 7 + (i >> 8));
  return p;
}

/* Splits a message, checks every fragment, and frames them into s. */
static size_t split_into(stream *s, const uint8_t *msg, size_t len) {
  rp__frag_writer w;
  uint8_t *pt = malloc(RP_FRAME_PLAINTEXT_MAX);
  size_t nfrag = 0, total = 0;
  assert_non_null(pt);
  assert_int_equal(rp__frag_writer_init(&w, msg, len), 0);
  while (!rp__frag_writer_done(&w)) {
    size_t n = 0;
    assert_int_equal(rp__frag_writer_next(&w, pt, RP_FRAME_PLAINTEXT_MAX, &n), 0);
    assert_true(n >= 2 && n <= RP_FRAME_PLAINTEXT_MAX);
    total += n - 1;
    nfrag++;
    assert_int_equal(pt[0], total < len ? RP__FRAG_MORE : 0);
    stream_frame(s, pt, n);
  }
  size_t n = 0;
  assert_int_equal(rp__frag_writer_next(&w, pt, RP_FRAME_PLAINTEXT_MAX, &n), RP_ESTATE);
  assert_int_equal(total, len);
  assert_int_equal(nfrag, rp__frag_count(len));
  free(pt);
  return nfrag;
}

static void test_prefix(void **state) {
  (void)state;
  uint8_t p[2] = {9, 9};
  assert_int_equal(rp__frame_prefix(p, 0), RP_ETOOBIG);
  assert_int_equal(rp__frame_prefix(p, RP_FRAME_MAX + 1), RP_ETOOBIG);
  assert_int_equal(rp__frame_prefix(p, RP_FRAME_MAX), 0);
  assert_memory_equal(p, "\xff\xff", 2);
  assert_int_equal(rp__frame_prefix(p, 0x0102), 0);
  assert_memory_equal(p, "\x01\x02", 2);
}

static void test_reader_basics(void **state) {
  (void)state;
  rp__frame_reader fr;
  uint8_t buf[4];
  size_t used = 9, flen = 9;
  rp__frame_reader_init(&fr);
  /* No buffer is wanted before a prefix. */
  assert_int_equal(rp__frame_reader_set_buf(&fr, buf), RP_ESTATE);
  assert_int_equal(rp__frame_reader_feed(&fr, (const uint8_t *)"\x00", 1, &used, &flen),
                   RP__FRAME_AGAIN);
  assert_int_equal(used, 1);
  assert_null(rp__frame_reader_buf(&fr));
  /* The prefix completes: the reader asks, and keeps asking without consuming. */
  const uint8_t rest[] = {0x03, 'a', 'b', 'c', 0x00};
  assert_int_equal(rp__frame_reader_feed(&fr, rest, sizeof rest, &used, &flen),
                   RP__FRAME_NEED_BUF);
  assert_int_equal(used, 1);
  assert_int_equal(flen, 3);
  assert_int_equal(rp__frame_reader_feed(&fr, rest + 1, 4, &used, &flen),
                   RP__FRAME_NEED_BUF);
  assert_int_equal(used, 0);
  assert_int_equal(rp__frame_reader_set_buf(&fr, buf), 0);
  assert_int_equal(rp__frame_reader_set_buf(&fr, buf), RP_ESTATE);
  assert_ptr_equal(rp__frame_reader_buf(&fr), buf);
  assert_int_equal(rp__frame_reader_feed(&fr, rest + 1, 4, &used, &flen), RP__FRAME_READY);
  assert_int_equal(used, 3);
  assert_int_equal(flen, 3);
  assert_memory_equal(buf, "abc", 3);
  assert_null(rp__frame_reader_buf(&fr)); /* the owner has it back */
  /* Zero length: refused, and the reader stays broken. */
  assert_int_equal(rp__frame_reader_feed(&fr, rest + 4, 1, &used, &flen), RP__FRAME_AGAIN);
  assert_int_equal(rp__frame_reader_feed(&fr, rest + 4, 1, &used, &flen), RP_EMALFORMED);
  assert_int_equal(used, 0);
  assert_int_equal(rp__frame_reader_feed(&fr, rest, 1, &used, &flen), RP_ESTATE);
  assert_int_equal(rp__frame_reader_feed(NULL, rest, 1, &used, &flen), RP_EINVAL);
}

/* Single-byte and maximum frames, fed one byte at a time and in odd pieces. */
static void test_reader_extremes(void **state) {
  (void)state;
  stream s = {0}, frames = {0};
  uint8_t *big = pattern(RP_FRAME_MAX);
  stream_frame(&s, (const uint8_t *)"x", 1);
  stream_frame(&s, big, RP_FRAME_MAX);
  stream_frame(&s, (const uint8_t *)"yz", 2);
  for (size_t step = 0; step <= 1; step++) {
    rp__frame_reader fr;
    uint8_t *buf = NULL;
    size_t pos = 0, nframes = 0, piece = 1;
    rp__frame_reader_init(&fr);
    frames.len = 0;
    while (pos < s.len) {
      size_t n = step ? 1 : piece, used = 0, flen = 0;
      piece = piece * 5 + 3;
      if (piece > s.len) piece = 2;
      if (n > s.len - pos) n = s.len - pos;
      int r = rp__frame_reader_feed(&fr, s.p + pos, n, &used, &flen);
      assert_true(r >= 0);
      pos += used;
      if (r == RP__FRAME_NEED_BUF) {
        assert_true(flen >= 1 && flen <= RP_FRAME_MAX);
        buf = malloc(flen);
        assert_int_equal(rp__frame_reader_set_buf(&fr, buf), 0);
      } else if (r == RP__FRAME_READY) {
        stream_put(&frames, buf, flen);
        free(buf);
        buf = NULL;
        nframes++;
      }
    }
    assert_null(buf);
    assert_int_equal(nframes, 3);
    assert_int_equal(frames.len, 1 + RP_FRAME_MAX + 2);
    assert_int_equal(frames.p[0], 'x');
    assert_memory_equal(frames.p + 1, big, RP_FRAME_MAX);
    assert_memory_equal(frames.p + 1 + RP_FRAME_MAX, "yz", 2);
  }
  free(big);
  free(s.p);
  free(frames.p);
}

/* Messages around the chunk boundary, and the largest, through the whole pipeline. */
static void test_split_reassemble_boundaries(void **state) {
  (void)state;
  const size_t sizes[] = {1,
                          RP__FRAG_CHUNK_MAX - 1,
                          RP__FRAG_CHUNK_MAX,
                          RP__FRAG_CHUNK_MAX + 1,
                          2 * RP__FRAG_CHUNK_MAX,
                          3 * RP__FRAG_CHUNK_MAX + 5,
                          RP_MSG_MAX};
  const size_t frags[] = {
      1, 1, 1, 2, 2, 4, (RP_MSG_MAX + RP__FRAG_CHUNK_MAX - 1) / RP__FRAG_CHUNK_MAX};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    uint8_t *msg = pattern(sizes[i]);
    stream s = {0};
    assert_int_equal(split_into(&s, msg, sizes[i]), frags[i]);
    split_into(&s, (const uint8_t *)"!", 1); /* a second message right behind */
    for (size_t step = 0; step <= 1; step++) {
      if (step == 1 && sizes[i] > 3 * RP__FRAG_CHUNK_MAX) continue; /* time */
      stream out = {0};
      assert_int_equal(pump(&s, step, &out, RP_MSG_MAX), 2);
      assert_int_equal(out.len, sizes[i] + 1);
      assert_memory_equal(out.p, msg, sizes[i]);
      assert_int_equal(out.p[sizes[i]], '!');
      free(out.p);
    }
    free(s.p);
    free(msg);
  }
  /* The largest message, one byte at a time, once. */
  uint8_t *msg = pattern(RP_MSG_MAX);
  stream s = {0}, out = {0};
  split_into(&s, msg, RP_MSG_MAX);
  assert_int_equal(pump(&s, 1, &out, RP_MSG_MAX), 1);
  assert_int_equal(out.len, RP_MSG_MAX);
  assert_memory_equal(out.p, msg, RP_MSG_MAX);
  free(out.p);
  free(s.p);
  free(msg);
}

static void test_single_frame_is_borrowed(void **state) {
  (void)state;
  rp__frag_reader ar;
  const uint8_t pt[] = {0x00, 'h', 'e', 'j'};
  const uint8_t *msg = NULL;
  size_t len = 0;
  assert_int_equal(rp__frag_reader_init(&ar, RP_MSG_MAX), 0);
  assert_int_equal(rp__frag_reader_feed(&ar, pt, sizeof pt, &msg, &len), 1);
  assert_ptr_equal(msg, pt + 1);
  assert_int_equal(len, 3);
  assert_null(ar.buf); /* nothing allocated for the common case */
  rp__frag_reader_free(&ar);
}

static void test_writer_errors(void **state) {
  (void)state;
  rp__frag_writer w;
  uint8_t out[8];
  size_t n = 5;
  uint8_t *msg = pattern(RP_MSG_MAX + 1);
  assert_int_equal(rp__frag_writer_init(&w, msg, 0), RP_EINVAL);
  assert_int_equal(rp__frag_writer_init(&w, NULL, 1), RP_EINVAL);
  assert_int_equal(rp__frag_writer_init(&w, msg, RP_MSG_MAX + 1), RP_ETOOBIG);
  assert_int_equal(rp__frag_writer_init(&w, msg, RP_MSG_MAX), 0);
  assert_int_equal(rp__frag_writer_next(&w, out, sizeof out, &n), RP_ETOOBIG);
  assert_int_equal(n, 0);
  assert_int_equal(rp__frag_writer_init(&w, msg, 7), 0);
  assert_int_equal(rp__frag_writer_next(&w, out, 7, &n), RP_ETOOBIG); /* needs 8 */
  assert_int_equal(rp__frag_writer_next(&w, out, 8, &n), 0);
  assert_int_equal(n, 8);
  assert_int_equal(out[0], 0);
  assert_true(rp__frag_writer_done(&w));
  assert_int_equal(rp__frag_count(0), 0);
  assert_int_equal(rp__frag_count(RP__FRAG_CHUNK_MAX), 1);
  assert_int_equal(rp__frag_count(RP__FRAG_CHUNK_MAX + 1), 2);
  free(msg);
}

/* Feeds one plaintext to a fresh reader and returns the result. */
static int feed_one(const uint8_t *pt, size_t n) {
  rp__frag_reader ar;
  const uint8_t *msg = NULL;
  size_t len = 0;
  assert_int_equal(rp__frag_reader_init(&ar, RP_MSG_MAX), 0);
  int r = rp__frag_reader_feed(&ar, pt, n, &msg, &len);
  if (r < 0) {
    assert_null(msg);
    assert_int_equal(len, 0);
    /* Broken for good: the stream cannot be resynchronized. */
    assert_int_equal(rp__frag_reader_feed(&ar, (const uint8_t *)"\0a", 2, &msg, &len),
                     RP_ESTATE);
  }
  rp__frag_reader_free(&ar);
  return r;
}

static void test_bad_flags_and_empty_chunks(void **state) {
  (void)state;
  for (unsigned f = 0; f < 256; f++) {
    uint8_t pt[2] = {(uint8_t)f, 'a'};
    int want = (f & ~RP__FRAG_MORE) ? RP_EMALFORMED : (f ? 0 : 1);
    assert_int_equal(feed_one(pt, 2), want);
  }
  assert_int_equal(feed_one((const uint8_t *)"", 0), RP_EMALFORMED);
  assert_int_equal(feed_one((const uint8_t *)"\x01", 1), RP_EMALFORMED); /* empty + MORE */
  assert_int_equal(feed_one((const uint8_t *)"\x00", 1), RP_EMALFORMED); /* empty final */
  /* An empty chunk after real ones is refused too, and drops what was gathered. */
  rp__frag_reader ar;
  const uint8_t *msg = NULL;
  size_t len = 0;
  assert_int_equal(rp__frag_reader_init(&ar, RP_MSG_MAX), 0);
  assert_int_equal(rp__frag_reader_feed(&ar, (const uint8_t *)"\x01x", 2, &msg, &len), 0);
  assert_true(rp__frag_reader_pending(&ar));
  assert_int_equal(rp__frag_reader_feed(&ar, (const uint8_t *)"\x01", 1, &msg, &len),
                   RP_EMALFORMED);
  assert_null(ar.buf);
  rp__frag_reader_free(&ar);
  /* A chunk larger than one frame's plaintext can hold. */
  uint8_t *big = pattern(RP_FRAME_PLAINTEXT_MAX + 1);
  big[0] = 0;
  assert_int_equal(feed_one(big, RP_FRAME_PLAINTEXT_MAX), 1);
  assert_int_equal(feed_one(big, RP_FRAME_PLAINTEXT_MAX + 1), RP_ETOOBIG);
  free(big);
  assert_int_equal(rp__frag_reader_init(&ar, 0), RP_EINVAL);
  assert_int_equal(rp__frag_reader_init(&ar, RP_MSG_MAX + 1), RP_EINVAL);
}

/* RP_MSG_MAX is accepted; one byte more is refused before anything grows past the cap. */
static void test_reassembly_cap(void **state) {
  (void)state;
  uint8_t *pt = pattern(RP_FRAME_PLAINTEXT_MAX);
  for (int over = 0; over <= 1; over++) {
    rp__frag_reader ar;
    const uint8_t *msg = NULL;
    size_t len = 0, total = 0, target = RP_MSG_MAX + (size_t)over;
    int r = 0;
    assert_int_equal(rp__frag_reader_init(&ar, RP_MSG_MAX), 0);
    while (total < target) {
      size_t chunk =
          target - total > RP__FRAG_CHUNK_MAX ? RP__FRAG_CHUNK_MAX : target - total;
      pt[0] = total + chunk < target ? RP__FRAG_MORE : 0;
      r = rp__frag_reader_feed(&ar, pt, chunk + 1, &msg, &len);
      assert_true(ar.cap <= RP_MSG_MAX);
      if (r < 0) break;
      total += chunk;
    }
    if (over) {
      assert_int_equal(r, RP_ETOOBIG);
      assert_null(ar.buf);
    } else {
      assert_int_equal(r, 1);
      assert_int_equal(len, RP_MSG_MAX);
      rp__frag_reader_release(&ar);
      assert_null(ar.buf); /* nothing held while idle */
    }
    rp__frag_reader_free(&ar);
  }
  /* A smaller per-reader cap: 100 fits, 101 does not, in one frame or in two. */
  rp__frag_reader ar;
  const uint8_t *msg = NULL;
  size_t len = 0;
  pt[0] = 0;
  assert_int_equal(rp__frag_reader_init(&ar, 100), 0);
  assert_int_equal(rp__frag_reader_feed(&ar, pt, 101, &msg, &len), 1);
  assert_int_equal(rp__frag_reader_feed(&ar, pt, 102, &msg, &len), RP_ETOOBIG);
  assert_int_equal(rp__frag_reader_init(&ar, 100), 0);
  pt[0] = RP__FRAG_MORE;
  assert_int_equal(rp__frag_reader_feed(&ar, pt, 51, &msg, &len), 0);
  assert_true(ar.cap <= 100);
  assert_int_equal(rp__frag_reader_feed(&ar, pt, 52, &msg, &len), RP_ETOOBIG);
  rp__frag_reader_free(&ar);
  free(pt);
}

/* With RP_SEED_DIR set, writes fuzz_frame seeds: a chunking byte, a cap byte (odd: the
 * full cap), then a stream of frames whose bodies are fragment plaintexts. */
static void test_write_seeds(void **state) {
  (void)state;
  uint8_t m[512], pt[64];
  stream s = {0};
  stream_put(&s, (const uint8_t *)"\x00\x01", 2);
  for (uint64_t t = 1; t <= RP__T_MAX; t++) { /* every message, one frame each */
    rp__tmsg msg = sample_tmsg(t);
    size_t len = 0;
    assert_int_equal(rp__tmsg_encode(&msg, m + 1, sizeof m - 1, &len), 0);
    m[0] = 0;
    stream_frame(&s, m, len + 1);
  }
  write_seed("frame", "every_type", s.p, s.len);
  s.len = 0; /* one message in fragments of 5 bytes, fed in chunks chosen by 0x5a */
  stream_put(&s, (const uint8_t *)"\x5a\x01", 2);
  rp__tmsg msg = sample_tmsg(RP__T_EXPIRED);
  size_t len = 0;
  assert_int_equal(rp__tmsg_encode(&msg, m, sizeof m, &len), 0);
  for (size_t off = 0; off < len; off += 5) {
    size_t n = len - off < 5 ? len - off : 5;
    pt[0] = off + n < len ? RP__FRAG_MORE : 0;
    memcpy(pt + 1, m + off, n);
    stream_frame(&s, pt, n + 1);
  }
  write_seed("frame", "fragments", s.p, s.len);
  s.p[1] = 0x04; /* the same against a cap of 17 bytes */
  write_seed("frame", "over_small_cap", s.p, s.len);
  free(s.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prefix),
      cmocka_unit_test(test_reader_basics),
      cmocka_unit_test(test_reader_extremes),
      cmocka_unit_test(test_split_reassemble_boundaries),
      cmocka_unit_test(test_single_frame_is_borrowed),
      cmocka_unit_test(test_writer_errors),
      cmocka_unit_test(test_bad_flags_and_empty_chunks),
      cmocka_unit_test(test_reassembly_cap),
      cmocka_unit_test(test_write_seeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
