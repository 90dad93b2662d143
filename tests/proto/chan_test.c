/* SPDX-License-Identifier: MIT */
/*
 * The sans-IO client channel (proto/chan.h) against a responder built in the test from
 * the Noise and framing layers: handshake, messages fed a byte at a time, a message
 * fragmented over many frames, the state table in both directions, tampering.
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
#include "noise.h"

typedef struct relay_end {
  uint8_t sk[32], pk[32], client_sk[32];
  rp__noise_cipher tx, rx;
  rp__chan *ch;
} relay_end;

/* Client channel + handshake: returns message 2 (with prefix) in out. */
static void handshake(relay_end *r, uint8_t *out, size_t *out_len) {
  rp__noise_handshake *hs = NULL;
  const uint8_t *hello;
  size_t len = 0, plen = 0;
  uint8_t payload[64];
  randombytes_buf(r->sk, 32);
  crypto_scalarmult_base(r->pk, r->sk);
  randombytes_buf(r->client_sk, 32);
  assert_int_equal(rp__chan_new(&r->ch, r->client_sk, r->pk), 0);
  assert_int_equal(rp__chan_state(r->ch), 0);
  assert_int_equal(rp__chan_hello(r->ch, &hello, &len), 0);
  {
    const uint8_t *again = NULL;
    size_t n2 = 0;
    assert_int_equal(rp__chan_hello(r->ch, &again, &n2), RP_ESTATE); /* once only */
    assert_null(again);
  }
  assert_int_equal(len, 2u + ((size_t)hello[0] << 8 | hello[1]));
  assert_int_equal(rp__noise_ik_responder_new(&hs, r->sk), 0);
  assert_int_equal(
      rp__noise_handshake_read(hs, hello + 2, len - 2, payload, sizeof payload, &plen), 0);
  assert_int_equal(rp__noise_handshake_write(hs, NULL, 0, out + 2, RP_FRAME_MAX, &len), 0);
  assert_int_equal(rp__frame_prefix(out, len), 0);
  *out_len = len + 2;
  assert_int_equal(rp__noise_handshake_split(hs, &r->tx, &r->rx), 0);
  rp__noise_handshake_free(hs);
}

/* The relay's side: encode, fragment, encrypt m into out (malloc'd). */
static uint8_t *relay_seal(relay_end *r, const rp__tmsg *m, size_t *total) {
  uint8_t *enc = malloc(RP__TMSG_MAX), *out, frame[RP_FRAME_PLAINTEXT_MAX];
  size_t elen = 0, flen = 0, ct = 0;
  rp__frag_writer fw;
  assert_int_equal(rp__tmsg_encode(m, enc, RP__TMSG_MAX, &elen), 0);
  out = malloc(rp__chan_sealed_size(elen));
  *total = 0;
  assert_int_equal(rp__frag_writer_init(&fw, enc, elen), 0);
  while (!rp__frag_writer_done(&fw)) {
    assert_int_equal(rp__frag_writer_next(&fw, frame, sizeof frame, &flen), 0);
    assert_int_equal(rp__noise_cipher_encrypt(&r->tx, NULL, 0, frame, flen,
                                              out + *total + 2, RP_FRAME_MAX, &ct),
                     0);
    assert_int_equal(rp__frame_prefix(out + *total, ct), 0);
    *total += ct + 2;
  }
  assert_int_equal(*total, rp__chan_sealed_size(elen));
  free(enc);
  return out;
}

/* Feeds bytes in pieces of `step`, collecting at most one message event. */
static int feed(relay_end *r, const uint8_t *in, size_t n, size_t step, rp__chan_event *got,
                int *events) {
  size_t off = 0;
  *events = 0;
  while (off < n) {
    rp__chan_event ev;
    size_t used = 0, piece = n - off < step ? n - off : step;
    int rc = rp__chan_feed(r->ch, in + off, piece, &used, &ev, NULL);
    if (rc != 0) return rc;
    off += used;
    if (ev.type != RP__CHAN_EV_NONE) {
      (*events)++;
      *got = ev;
    }
  }
  return 0;
}

static void open_channel(relay_end *r) {
  uint8_t *msg2 = malloc(RP_FRAME_MAX + 2), *w;
  size_t len = 0, wl = 0;
  rp__chan_event ev;
  rp__tmsg m;
  int events = 0;
  handshake(r, msg2, &len);
  assert_int_equal(feed(r, msg2, len, 1, &ev, &events), 0); /* a byte at a time */
  assert_int_equal(events, 1);
  assert_int_equal(ev.type, RP__CHAN_EV_OPEN);
  assert_int_equal(rp__chan_state(r->ch), RP__TS_HELLO);
  memset(&m, 0, sizeof m);
  m.type = RP__T_WELCOME;
  m.u.welcome.time_ms = 1;
  m.u.welcome.roster_version = 3;
  m.u.welcome.member = rp__str_c("k101");
  m.u.welcome.send_window = 8;
  m.u.welcome.idle_ms = 60000;
  w = relay_seal(r, &m, &wl);
  assert_int_equal(feed(r, w, wl, 3, &ev, &events), 0);
  assert_int_equal(events, 1);
  assert_int_equal(ev.msg.type, RP__T_WELCOME);
  assert_int_equal(ev.msg.u.welcome.roster_version, 3);
  assert_int_equal(rp__chan_state(r->ch), RP__TS_READY);
  free(w);
  free(msg2);
}

static void test_handshake_and_welcome(void **state) {
  relay_end r;
  uint8_t *out = NULL, pt[64];
  size_t len = 0, plen = 0;
  rp__tmsg m, back;
  (void)state;
  open_channel(&r);
  /* DELIVERED only after RECEIVE: refused by the state table, nothing produced. */
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  m.u.delivered.seq = 1;
  memset(m.u.delivered.msg_id, 1, RP_MSG_ID_BYTES);
  assert_int_equal(rp__chan_seal(r.ch, &m, &out, &len), RP_ESTATE);
  assert_null(out);
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 4;
  assert_int_equal(rp__chan_seal(r.ch, &m, &out, &len), 0);
  assert_int_equal(rp__chan_state(r.ch), RP__TS_RECEIVING);
  assert_int_equal(len, 2u + ((size_t)out[0] << 8 | out[1]));
  assert_int_equal(
      rp__noise_cipher_decrypt(&r.rx, NULL, 0, out + 2, len - 2, pt, sizeof pt, &plen), 0);
  assert_int_equal(pt[0], 0); /* one fragment */
  assert_int_equal(rp__tmsg_decode(pt + 1, plen - 1, &back, NULL), 0);
  assert_int_equal(back.type, RP__T_RECEIVE);
  assert_int_equal(back.u.receive.window, 4);
  free(out);
  rp__chan_free(r.ch);
  rp__noise_cipher_wipe(&r.tx);
  rp__noise_cipher_wipe(&r.rx);
}

static void test_fragmented_roster(void **state) {
  relay_end r;
  size_t big = 3 * RP_FRAME_MAX + 17, wl = 0;
  uint8_t *doc = malloc(big), *w;
  rp__chan_event ev;
  rp__tmsg m;
  int events = 0;
  (void)state;
  open_channel(&r);
  randombytes_buf(doc, big);
  memset(&m, 0, sizeof m);
  m.type = RP__T_ROSTER;
  m.u.roster.version = 4;
  m.u.roster.roster.p = doc;
  m.u.roster.roster.n = (uint32_t)big;
  w = relay_seal(&r, &m, &wl);
  assert_true(wl > 4 * RP_FRAME_MAX / 2);
  assert_int_equal(feed(&r, w, wl, 4096, &ev, &events), 0);
  assert_int_equal(events, 1);
  assert_int_equal(ev.msg.type, RP__T_ROSTER);
  assert_int_equal(ev.msg.u.roster.roster.n, big);
  assert_memory_equal(ev.msg.u.roster.roster.p, doc, big);
  free(w);
  free(doc);
  rp__chan_free(r.ch);
}

static void test_state_and_tampering(void **state) {
  relay_end r;
  uint8_t *w, env[8] = {0};
  size_t wl = 0;
  rp__chan_event ev;
  rp__tmsg m;
  int events = 0;
  (void)state;
  /* A DELIVER before our RECEIVE breaks the channel (RP_ESTATE), and it stays broken. */
  open_channel(&r);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVER;
  m.u.deliver.seq = 1;
  m.u.deliver.envelope.p = env;
  m.u.deliver.envelope.n = sizeof env;
  w = relay_seal(&r, &m, &wl);
  assert_int_equal(feed(&r, w, wl, wl, &ev, &events), RP_ESTATE);
  assert_int_equal(feed(&r, w, wl, wl, &ev, &events), RP_ESTATE);
  free(w);
  rp__chan_free(r.ch);

  /* One flipped bit in a frame: RP_EAUTH. */
  open_channel(&r);
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 7;
  w = relay_seal(&r, &m, &wl);
  w[wl - 1] ^= 1;
  assert_int_equal(feed(&r, w, wl, wl, &ev, &events), RP_EAUTH);
  free(w);
  rp__chan_free(r.ch);

  /* A zero-length frame: RP_EMALFORMED. */
  open_channel(&r);
  {
    uint8_t zero[2] = {0, 0};
    assert_int_equal(feed(&r, zero, 2, 2, &ev, &events), RP_EMALFORMED);
  }
  rp__chan_free(r.ch);

  /* A tampered handshake answer (wrong relay key looks the same): refused. */
  {
    uint8_t *msg2 = malloc(RP_FRAME_MAX + 2);
    size_t len = 0;
    handshake(&r, msg2, &len);
    msg2[len - 1] ^= 0x80;
    assert_int_equal(feed(&r, msg2, len, len, &ev, &events), RP_EAUTH);
    free(msg2);
    rp__chan_free(r.ch);
  }
  /* Nothing can be sealed before the handshake. */
  {
    uint8_t *out = NULL;
    size_t n = 0;
    randombytes_buf(r.client_sk, 32);
    assert_int_equal(rp__chan_new(&r.ch, r.client_sk, r.pk), 0);
    memset(&m, 0, sizeof m);
    m.type = RP__T_PING;
    assert_int_equal(rp__chan_seal(r.ch, &m, &out, &n), RP_ESTATE);
    assert_int_equal(feed(&r, env, 1, 1, &ev, &events), RP_ESTATE); /* no hello yet */
    rp__chan_free(r.ch);
  }
}

/* A raw frame carries exactly its plaintext, checks nothing and moves no state; it
 * refuses a plaintext one byte over a frame and a buffer one byte short. */
static void test_seal_raw(void **state) {
  relay_end r;
  uint8_t pt[5] = {0x00, 0xc1, 0xc1, 0xc1, 0xc1}, *out = malloc(RP_FRAME_MAX + 2),
          back[sizeof pt];
  size_t n = 0, plen = 0;
  (void)state;
  {
    uint8_t hello_only[64];
    randombytes_buf(r.client_sk, 32);
    randombytes_buf(r.pk, 32);
    assert_int_equal(rp__chan_new(&r.ch, r.client_sk, r.pk), 0);
    assert_int_equal(
        rp__chan_seal_raw(r.ch, pt, sizeof pt, hello_only, sizeof hello_only, &n),
        RP_ESTATE); /* before the handshake */
    rp__chan_free(r.ch);
  }
  open_channel(&r);
  assert_int_equal(rp__chan_seal_raw(r.ch, pt, sizeof pt, out, 2 + sizeof pt + 15, &n),
                   RP_ETOOBIG);
  assert_int_equal(
      rp__chan_seal_raw(r.ch, out, RP_FRAME_PLAINTEXT_MAX + 1, out, RP_FRAME_MAX + 2, &n),
      RP_ETOOBIG);
  assert_int_equal(rp__chan_seal_raw(r.ch, pt, sizeof pt, out, 2 + sizeof pt + 16, &n), 0);
  assert_int_equal(n, 2 + sizeof pt + 16);
  assert_int_equal((size_t)out[0] << 8 | out[1], n - 2);
  assert_int_equal(
      rp__noise_cipher_decrypt(&r.rx, NULL, 0, out + 2, n - 2, back, sizeof back, &plen),
      0);
  assert_int_equal(plen, sizeof pt);
  assert_memory_equal(back, pt, sizeof pt);
  assert_int_equal(rp__chan_state(r.ch), RP__TS_READY);
  rp__chan_free(r.ch);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_and_welcome),
      cmocka_unit_test(test_fragmented_roster),
      cmocka_unit_test(test_state_and_tampering),
      cmocka_unit_test(test_seal_raw),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
