/* SPDX-License-Identifier: MIT */
/*
 * An initiator and a responder channel (proto/chan.h) talking to each other in memory:
 * the handshake with the responder's accept function, messages both ways and their
 * state checks, fragments at the frame boundary, the responder's frame limit, the proof
 * flag, a broken receiving side that can still seal BYE, and mid_frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "chan.h"
#include "chan_hooks.h"
#include "frame.h"
#include "tmsg_samples.h"

typedef struct pair {
  uint8_t relay_sk[32], relay_pk[32], client_sk[32], client_pk[32];
  uint8_t seen[32]; /* the key the accept function was given */
  int accept_rc;    /* what it answers */
  int accepted;     /* calls */
  uint8_t *scratch; /* RP_FRAME_MAX bytes, or NULL */
  rp__chan *cl, *rl;
} pair;

static int on_accept(void *data, const uint8_t rs[32]) {
  pair *p = data;
  memcpy(p->seen, rs, 32);
  p->accepted++;
  return p->accept_rc;
}

/* Feeds in[0..n) to ch in pieces of at most `step` bytes until it is used or an event
 * comes; *off moves past what was used. Returns the feed's code. */
static int feed_one(rp__chan *ch, const uint8_t *in, size_t n, size_t *off, size_t step,
                    rp__chan_event *ev, const char **where) {
  while (*off < n) {
    size_t used = 0, piece = n - *off < step ? n - *off : step;
    int rc = rp__chan_feed(ch, in + *off, piece, &used, ev, where);
    if (rc != 0) return rc;
    *off += used;
    if (ev->type != RP__CHAN_EV_NONE) return 0;
  }
  memset(ev, 0, sizeof *ev);
  return 0;
}

static void pair_new(pair *p, size_t frame_max, int with_scratch) {
  rp__chan_opts o;
  memset(p, 0, sizeof *p);
  randombytes_buf(p->relay_sk, 32);
  crypto_scalarmult_base(p->relay_pk, p->relay_sk);
  randombytes_buf(p->client_sk, 32);
  crypto_scalarmult_base(p->client_pk, p->client_sk);
  if (with_scratch) assert_non_null(p->scratch = malloc(RP_FRAME_MAX));
  memset(&o, 0, sizeof o);
  o.frame_max = frame_max;
  o.msg_max = RP_MSG_MAX;
  o.scratch = p->scratch;
  assert_int_equal(rp__chan_new(&p->cl, p->client_sk, p->relay_pk), 0);
  assert_int_equal(rp__chan_new_responder(&p->rl, p->relay_sk, &o, on_accept, p), 0);
}

static void pair_free(pair *p) {
  rp__chan_free(p->cl);
  rp__chan_free(p->rl);
  free(p->scratch);
}

/* Seals m on `from` and feeds it to `to` in pieces of `step`; one event expected. */
static int pass(rp__chan *from, rp__chan *to, const rp__tmsg *m, size_t step,
                rp__chan_event *ev, size_t *sealed) {
  uint8_t *buf = NULL;
  size_t len = 0, off = 0;
  int rc;
  assert_int_equal(rp__chan_seal(from, m, &buf, &len), 0);
  if (sealed != NULL) *sealed = len;
  rc = feed_one(to, buf, len, &off, step, ev, NULL);
  if (rc == 0) assert_int_equal(off, len);
  free(buf);
  return rc;
}

/* Handshake and WELCOME: both ends READY. */
static void pair_open(pair *p) {
  const uint8_t *hello = NULL;
  size_t len = 0, off = 0;
  rp__chan_event ev;
  rp__tmsg m;

  assert_int_equal(rp__chan_hello(p->cl, &hello, &len), 0);
  assert_int_equal(feed_one(p->rl, hello, len, &off, 7, &ev, NULL), 0);
  assert_int_equal(ev.type, RP__CHAN_EV_OPEN);
  assert_int_equal(p->accepted, 1);
  assert_memory_equal(p->seen, p->client_pk, 32);
  assert_int_equal(rp__chan_state(p->rl), RP__TS_HELLO);
  assert_non_null(ev.out);
  off = 0;
  {
    uint8_t msg2[128];
    size_t n2 = ev.out_len;
    assert_true(n2 <= sizeof msg2);
    memcpy(msg2, ev.out, n2);
    assert_int_equal(feed_one(p->cl, msg2, n2, &off, 1, &ev, NULL), 0);
  }
  assert_int_equal(ev.type, RP__CHAN_EV_OPEN);
  memset(&m, 0, sizeof m);
  m.type = RP__T_WELCOME;
  m.u.welcome.member = rp__str_c("k101");
  m.u.welcome.send_window = 4;
  m.u.welcome.time_ms = 1;
  m.u.welcome.idle_ms = RP__TMSG_IDLE_MIN_MS;
  assert_int_equal(pass(p->rl, p->cl, &m, 1000, &ev, NULL), 0);
  assert_int_equal(ev.type, RP__CHAN_EV_MSG);
  assert_int_equal(ev.msg.type, RP__T_WELCOME);
  assert_int_equal(rp__chan_state(p->cl), RP__TS_READY);
  assert_int_equal(rp__chan_state(p->rl), RP__TS_READY);
}

/* Messages both ways; the first transport frame from the client is the proof. */
static void test_both_ways(void **state) {
  pair p;
  rp__chan_event ev;
  rp__tmsg m;
  (void)state;
  pair_new(&p, RP_FRAME_MAX, 1);
  assert_int_equal(rp__chan_hello(p.rl, &ev.out, &ev.out_len), RP_ESTATE);
  pair_open(&p);
  assert_false(rp__chan_proved(p.rl));
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 42;
  assert_int_equal(pass(p.cl, p.rl, &m, 3, &ev, NULL), 0);
  assert_int_equal(ev.type, RP__CHAN_EV_MSG);
  assert_true(ev.proved);
  assert_true(ev.frame);
  assert_true(rp__chan_proved(p.rl));
  assert_int_equal(ev.msg.u.ping.nonce, 42);
  m.type = RP__T_PONG;
  m.u.pong.nonce = 43;
  assert_int_equal(pass(p.rl, p.cl, &m, 1000, &ev, NULL), 0);
  assert_int_equal(ev.msg.type, RP__T_PONG);
  assert_int_equal(ev.msg.u.pong.nonce, 43);
  /* RECEIVE moves both ends to RECEIVING; the second frame proves nothing new. */
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 2;
  assert_int_equal(pass(p.cl, p.rl, &m, 1000, &ev, NULL), 0);
  assert_false(ev.proved);
  assert_int_equal(rp__chan_state(p.cl), RP__TS_RECEIVING);
  assert_int_equal(rp__chan_state(p.rl), RP__TS_RECEIVING);
  /* Each end seals only its own direction's messages. */
  memset(&m, 0, sizeof m);
  m.type = RP__T_ACK;
  {
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(rp__chan_seal(p.cl, &m, &out, &n), RP_ESTATE);
    m.type = RP__T_SEND;
    assert_int_equal(rp__chan_seal(p.rl, &m, &out, &n), RP_ESTATE);
    assert_null(out);
  }
  pair_free(&p);
}

/* A SEND whose encoding is exactly `len` bytes (found by trying: the envelope's length
 * prefix grows by steps). */
static void send_of_len(rp__tmsg *m, uint8_t *env, size_t len) {
  uint8_t *enc = malloc(RP__TMSG_MAX);
  size_t n = 0, el = len - 16;
  assert_non_null(enc);
  for (;;) {
    memset(m, 0, sizeof *m);
    m->type = RP__T_SEND;
    m->u.send.envelope.p = env;
    m->u.send.envelope.n = (uint32_t)el;
    assert_int_equal(rp__tmsg_encode(m, enc, RP__TMSG_MAX, &n), 0);
    if (n == len) break;
    el += len - n; /* overshoots at most by a prefix step, never in these sizes */
    assert_true(n < len);
  }
  free(enc);
}

/* Fragments: a message that fills one frame's chunk exactly is one frame; one byte
 * more makes two; both arrive intact, with and without a shared scratch buffer. */
static void test_fragments(void **state) {
  static const size_t lens[] = {RP__FRAG_CHUNK_MAX, RP__FRAG_CHUNK_MAX + 1,
                                3 * RP__FRAG_CHUNK_MAX + 5};
  static const size_t frames[] = {1, 2, 4};
  uint8_t *env = malloc(4 * RP_FRAME_MAX);
  (void)state;
  assert_non_null(env);
  randombytes_buf(env, 4 * RP_FRAME_MAX);
  for (int scratch = 0; scratch < 2; scratch++) {
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
      pair p;
      rp__chan_event ev;
      rp__tmsg m;
      size_t sealed = 0;
      pair_new(&p, RP_FRAME_MAX, scratch);
      pair_open(&p);
      send_of_len(&m, env, lens[i]);
      assert_int_equal(rp__chan_sealed_size(lens[i]),
                       lens[i] + frames[i] * (RP__FRAME_PREFIX + RP__FRAG_HEADER + 16));
      /* Whole, then in pieces that split frames across feeds. */
      assert_int_equal(pass(p.cl, p.rl, &m, SIZE_MAX, &ev, &sealed), 0);
      assert_int_equal(sealed, rp__chan_sealed_size(lens[i]));
      assert_int_equal(ev.type, RP__CHAN_EV_MSG);
      assert_int_equal(ev.msg.u.send.envelope.n, m.u.send.envelope.n);
      assert_memory_equal(ev.msg.u.send.envelope.p, env, m.u.send.envelope.n);
      rp__chan_release(p.rl);
      assert_int_equal(pass(p.cl, p.rl, &m, 1000, &ev, NULL), 0);
      assert_memory_equal(ev.msg.u.send.envelope.p, env, m.u.send.envelope.n);
      /* The other way too: the relay's DELIVER of the same size class. */
      memset(&m, 0, sizeof m);
      m.type = RP__T_RECEIVE;
      m.u.receive.window = 1;
      assert_int_equal(pass(p.cl, p.rl, &m, 1000, &ev, NULL), 0);
      memset(&m, 0, sizeof m);
      m.type = RP__T_DELIVER;
      m.u.deliver.seq = 1;
      m.u.deliver.envelope.p = env;
      m.u.deliver.envelope.n = (uint32_t)lens[i];
      assert_int_equal(pass(p.rl, p.cl, &m, 999, &ev, NULL), 0);
      assert_int_equal(ev.msg.type, RP__T_DELIVER);
      assert_memory_equal(ev.msg.u.deliver.envelope.p, env, lens[i]);
      pair_free(&p);
    }
  }
  free(env);
}

/* A full sealed attachment chunk travels both ways: chunk up, chunk_data down (the seal
 * bound counts their data, as it does an envelope). */
static void test_full_chunk(void **state) {
  uint8_t *data = malloc(RP__CHUNK_SEALED_MAX);
  pair p;
  rp__chan_event ev;
  rp__tmsg m;
  (void)state;
  assert_non_null(data);
  randombytes_buf(data, RP__CHUNK_SEALED_MAX);
  pair_new(&p, RP_FRAME_MAX, 1);
  pair_open(&p);
  m = sample_tmsg(RP__T_CHUNK);
  m.u.chunk.data = (rp__bin){data, RP__CHUNK_SEALED_MAX};
  assert_int_equal(pass(p.cl, p.rl, &m, SIZE_MAX, &ev, NULL), 0);
  assert_int_equal(ev.msg.type, RP__T_CHUNK);
  assert_int_equal(ev.msg.u.chunk.data.n, RP__CHUNK_SEALED_MAX);
  assert_memory_equal(ev.msg.u.chunk.data.p, data, RP__CHUNK_SEALED_MAX);
  rp__chan_release(p.rl);
  m = sample_tmsg(RP__T_RECEIVE);
  assert_int_equal(pass(p.cl, p.rl, &m, SIZE_MAX, &ev, NULL), 0);
  m = sample_tmsg(RP__T_CHUNK_DATA);
  m.u.chunk_data.data = (rp__bin){data, RP__CHUNK_SEALED_MAX};
  assert_int_equal(pass(p.rl, p.cl, &m, 1000, &ev, NULL), 0);
  assert_int_equal(ev.msg.type, RP__T_CHUNK_DATA);
  assert_memory_equal(ev.msg.u.chunk_data.data.p, data, RP__CHUNK_SEALED_MAX);
  pair_free(&p);
  free(data);
}

/* The responder reads transport frames up to its frame_max and refuses one byte more,
 * as soon as the length prefix says so. Handshake frames are capped on their own. */
static void test_frame_max(void **state) {
  uint8_t *pt = calloc(1, RP_FRAME_MAX + 2), *out = malloc(RP_FRAME_MAX + 2);
  const size_t fmax = 1000;
  pair p;
  rp__chan_event ev;
  size_t n = 0, off = 0;
  (void)state;
  assert_non_null(pt);
  assert_non_null(out);
  pair_new(&p, fmax, 1);
  {
    /* A handshake frame over its cap: refused before anything is read. */
    uint8_t big[2] = {(uint8_t)((RP__CHAN_HS_FRAME_MAX + 1) >> 8),
                      (uint8_t)(RP__CHAN_HS_FRAME_MAX + 1)};
    rp__chan *rl = NULL;
    rp__chan_opts o = {fmax, RP_MSG_MAX, NULL};
    assert_int_equal(rp__chan_new_responder(&rl, p.relay_sk, &o, on_accept, &p), 0);
    assert_int_equal(feed_one(rl, big, 2, &off, 2, &ev, NULL), RP_ETOOBIG);
    assert_int_equal(rp__chan_failed_at(rl), RP__CHAN_FAIL_FRAME);
    assert_int_equal(p.accepted, 0);
    rp__chan_free(rl);
  }
  pair_open(&p);
  /* A frame of exactly fmax bytes: a PING padded with zeros. */
  {
    rp__tmsg m;
    uint8_t enc[64];
    size_t elen = 0;
    memset(&m, 0, sizeof m);
    m.type = RP__T_PING;
    assert_int_equal(rp__tmsg_encode(&m, enc, sizeof enc, &elen), 0);
    pt[0] = 0; /* flags: last fragment */
    memcpy(pt + 1, enc, elen);
    /* Zero bytes follow the message up to the frame's length: the length passes, the
     * decoder then refuses the trailing bytes. */
  }
  assert_int_equal(rp__chan_seal_raw(p.cl, pt, fmax - 16, out, RP_FRAME_MAX + 2, &n), 0);
  assert_int_equal(n, fmax + 2);
  off = 0;
  assert_int_equal(feed_one(p.rl, out, n, &off, n, &ev, NULL), RP_EMALFORMED);
  /* Not FRAME: the length was fine, the message inside was not. */
  assert_true(rp__chan_failed_at(p.rl) >= RP__CHAN_FAIL_FRAGMENT);
  pair_free(&p);

  pair_new(&p, fmax, 1);
  pair_open(&p);
  assert_int_equal(rp__chan_seal_raw(p.cl, pt, fmax - 15, out, RP_FRAME_MAX + 2, &n), 0);
  off = 0;
  assert_int_equal(feed_one(p.rl, out, 2, &off, 2, &ev, NULL), RP_ETOOBIG);
  assert_int_equal(rp__chan_failed_at(p.rl), RP__CHAN_FAIL_FRAME);
  pair_free(&p);
  free(pt);
  free(out);
}

/* The accept function's refusal ends the handshake with its code and no message 2. */
static void test_refused(void **state) {
  const uint8_t *hello = NULL;
  size_t len = 0, off = 0;
  rp__chan_event ev;
  pair p;
  (void)state;
  pair_new(&p, RP_FRAME_MAX, 0);
  p.accept_rc = RP_EUNKNOWNMEMBER;
  assert_int_equal(rp__chan_hello(p.cl, &hello, &len), 0);
  assert_int_equal(feed_one(p.rl, hello, len, &off, len, &ev, NULL), RP_EUNKNOWNMEMBER);
  assert_int_equal(rp__chan_failed_at(p.rl), RP__CHAN_FAIL_ACCEPT);
  assert_int_equal(ev.type, RP__CHAN_EV_NONE);
  assert_null(ev.out);
  assert_int_equal(rp__chan_state(p.rl), 0);
  off = 0;
  assert_int_equal(feed_one(p.rl, hello, len, &off, len, &ev, NULL), RP_ESTATE);
  pair_free(&p);

  /* A message 1 for another relay key fails in the handshake itself. */
  pair_new(&p, RP_FRAME_MAX, 0);
  randombytes_buf(p.relay_sk, 32); /* the responder still holds the borrowed key */
  assert_int_equal(rp__chan_hello(p.cl, &hello, &len), 0);
  off = 0;
  assert_int_not_equal(feed_one(p.rl, hello, len, &off, len, &ev, NULL), 0);
  assert_int_equal(rp__chan_failed_at(p.rl), RP__CHAN_FAIL_HANDSHAKE);
  assert_int_equal(p.accepted, 0);
  pair_free(&p);
}

/* After a frame that does not decrypt, the responder reads nothing more but can still
 * say BYE, which the client reads. */
static void test_broken_rx_says_bye(void **state) {
  uint8_t *buf = NULL;
  size_t len = 0, off = 0;
  const char *where = NULL;
  rp__chan_event ev;
  rp__tmsg m;
  pair p;
  (void)state;
  pair_new(&p, RP_FRAME_MAX, 1);
  pair_open(&p);
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  assert_int_equal(rp__chan_seal(p.cl, &m, &buf, &len), 0);
  buf[len - 1] ^= 1;
  assert_int_equal(feed_one(p.rl, buf, len, &off, len, &ev, NULL), RP_EAUTH);
  assert_int_equal(rp__chan_failed_at(p.rl), RP__CHAN_FAIL_DECRYPT);
  assert_false(rp__chan_proved(p.rl));
  free(buf);
  off = 0;
  assert_int_equal(rp__chan_feed(p.rl, (const uint8_t *)"x", 1, &off, &ev, NULL),
                   RP_ESTATE);
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = RP__BYE_ERROR;
  m.u.bye.code = (uint64_t)-RP_EAUTH;
  assert_int_equal(pass(p.rl, p.cl, &m, 1000, &ev, NULL), 0);
  assert_int_equal(ev.msg.type, RP__T_BYE);
  assert_int_equal(ev.msg.u.bye.code, (uint64_t)-RP_EAUTH);
  assert_int_equal(rp__chan_state(p.rl), RP__TS_CLOSING);
  pair_free(&p);

  /* A message the client may not send: refused with its type named, BYE still goes. */
  pair_new(&p, RP_FRAME_MAX, 0);
  pair_open(&p);
  {
    uint8_t enc[64], pt[65], out[128];
    size_t elen = 0, n = 0;
    memset(&m, 0, sizeof m);
    m.type = RP__T_ACK;
    m.u.ack.status = RP__ACK_STORED;
    assert_int_equal(rp__tmsg_encode(&m, enc, sizeof enc, &elen), 0);
    pt[0] = 0;
    memcpy(pt + 1, enc, elen);
    assert_int_equal(rp__chan_seal_raw(p.cl, pt, elen + 1, out, sizeof out, &n), 0);
    off = 0;
    assert_int_equal(feed_one(p.rl, out, n, &off, n, &ev, &where), RP_ESTATE);
    assert_string_equal(where, "ack");
    assert_int_equal(rp__chan_failed_at(p.rl), RP__CHAN_FAIL_MSG);
    assert_true(rp__chan_proved(p.rl)); /* it did decrypt */
  }
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = RP__BYE_ERROR;
  assert_int_equal(pass(p.rl, p.cl, &m, 1000, &ev, NULL), 0);
  assert_int_equal(ev.msg.type, RP__T_BYE);
  pair_free(&p);
}

/* mid_frame is true exactly while a frame has begun and not ended. */
static void test_mid_frame(void **state) {
  uint8_t *buf = NULL;
  size_t len = 0, used = 0;
  rp__chan_event ev;
  rp__tmsg m;
  pair p;
  (void)state;
  pair_new(&p, RP_FRAME_MAX, 1);
  pair_open(&p);
  assert_false(rp__chan_mid_frame(p.rl));
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  assert_int_equal(rp__chan_seal(p.cl, &m, &buf, &len), 0);
  assert_int_equal(rp__chan_feed(p.rl, buf, 1, &used, &ev, NULL), 0);
  assert_int_equal(used, 1);
  assert_true(rp__chan_mid_frame(p.rl));
  assert_int_equal(rp__chan_feed(p.rl, buf + 1, 3, &used, &ev, NULL), 0);
  assert_true(rp__chan_mid_frame(p.rl));
  {
    size_t off = 1 + used;
    while (off < len) {
      assert_int_equal(rp__chan_feed(p.rl, buf + off, len - off, &used, &ev, NULL), 0);
      off += used;
    }
  }
  assert_int_equal(ev.type, RP__CHAN_EV_MSG);
  assert_false(rp__chan_mid_frame(p.rl));
  rp__chan_release(p.rl);
  free(buf);
  pair_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_both_ways),          cmocka_unit_test(test_fragments),
      cmocka_unit_test(test_frame_max),          cmocka_unit_test(test_refused),
      cmocka_unit_test(test_broken_rx_says_bye), cmocka_unit_test(test_mid_frame),
      cmocka_unit_test(test_full_chunk),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
