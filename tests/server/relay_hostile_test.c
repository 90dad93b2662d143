/* SPDX-License-Identifier: MIT */
/*
 * Hostile input from raw sockets while a well-behaved client keeps working: every bad
 * connection gets a clean close, and after each one the good client's SEND is still
 * acked and delivered.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "frame.h"
#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

typedef struct world {
  tp_relay f;
  tp_peer good, team;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof *w);
  rp__tmsg m;
  if (tp_relay_init(&w->f, "relay-hostile", ids, 3,
                    "handshake_timeout = 300ms\nidle_timeout = 2s\nping_interval = 1s\n"
                    "frame_timeout = 500ms\n") != 0 ||
      tp_relay_start(&w->f) != 0 || tp_relay_connect(&w->f, &w->good, "k101") != 0 ||
      tp_relay_connect(&w->f, &w->team, "team") != 0)
    return -1;
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 16;
  if (tp_send(&w->team, &m) != 0) return -1;
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  tp_close(&w->good);
  tp_close(&w->team);
  /* A clean stop after all of it: exit status 0 (and no leak under ASan). */
  int st = tp_relay_stop(&w->f, SIGTERM, 10000);
  tp_relay_free(&w->f);
  free(w);
  return st == 0 ? 0 : -1;
}

/* The good client still gets its envelope through, end to end. */
static void still_works(world *w) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m, d;
  rp__envcont c;
  rp__envhdr h;
  int ok = 0;

  assert_int_equal(tp_send_envelope(&w->good, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&w->good, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  while (!ok) {
    assert_int_equal(tp_recv_type(&w->team, RP__T_DELIVER, &d, 5000, NULL), 0);
    assert_int_equal(rp__envhdr_container_parse(d.u.deliver.envelope.p,
                                                d.u.deliver.envelope.n, &c, &h, NULL),
                     0);
    ok = memcmp(h.msg_id, id, RP_MSG_ID_BYTES) == 0;
    memset(&m, 0, sizeof m);
    m.type = RP__T_DELIVERED;
    memcpy(m.u.delivered.msg_id, h.msg_id, RP_MSG_ID_BYTES);
    m.u.delivered.seq = d.u.deliver.seq;
    assert_int_equal(tp_send(&w->team, &m), 0);
  }
}

/* Keep the good clients alive (they answer the relay's PINGs while they read) until fd
 * is closed by the relay or timeout_ms pass. 0 when closed; *bytes gets what came. */
static int closed_while_pumping(world *w, int fd, int timeout_ms, size_t *bytes) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  size_t got = 0, n = 0;
  rp__tmsg m;
  while (rp__clock_mono_ms() < deadline) {
    if (tp_wait_closed(fd, 50, &n) == 0) {
      *bytes = got + n;
      return 0;
    }
    got += n;
    if (tp_recv(&w->good, &m, 1) != RP_ETIMEDOUT) return -1;
    if (tp_recv(&w->team, &m, 1) != RP_ETIMEDOUT) return -1;
  }
  return RP_ETIMEDOUT;
}

/* A raw connection that sends `bytes` and must be closed with nothing answered. */
static void raw_closed_silently(world *w, const void *bytes, size_t n, int timeout_ms) {
  int fd = tp_tcp_connect(w->f.port);
  size_t got = 1;
  assert_true(fd >= 0);
  if (n > 0) assert_int_equal(tp_write_all(fd, bytes, n), 0);
  assert_int_equal(tp_wait_closed(fd, timeout_ms, &got), 0);
  assert_int_equal(got, 0);
  close(fd);
}

/* An authenticated peer must get BYE "error" with `code` and then be closed. */
static void bye_then_closed(tp_peer *p, int code) {
  rp__tmsg m;
  assert_int_equal(tp_recv_type(p, RP__T_BYE, &m, 5000, NULL), 0);
  assert_int_equal(m.u.bye.reason, RP__BYE_ERROR);
  assert_int_equal(m.u.bye.code, (uint64_t)-code);
  assert_int_equal(tp_wait_closed(p->fd, 5000, NULL), 0);
}

static void test_not_a_handshake(void **state) {
  world *w = *state;
  static const char http[] = "GET / HTTP/1.1\r\nHost: relay\r\n\r\n";
  uint8_t junk[300];
  raw_closed_silently(w, http, sizeof http - 1, 2000);
  /* A plausible length, then 96 bytes that are not Noise message 1. */
  randombytes_buf(junk, sizeof junk);
  junk[0] = 0;
  junk[1] = 96;
  raw_closed_silently(w, junk, 98, 2000);
  still_works(w);
}

static void test_stalled_handshake(void **state) {
  world *w = *state;
  uint8_t part[12] = {0, 96};
  uint64_t t0 = rp__clock_mono_ms();
  size_t got = 1;
  int fd;
  /* Half a message 1 meets the 300 ms deadline. */
  raw_closed_silently(w, part, sizeof part, 3000);
  assert_true(rp__clock_mono_ms() - t0 >= 300);
  /* Nothing at all: the kernel holds the connection for the relay a few seconds
   * (TCP_DEFER_ACCEPT), then it meets the deadline too, unanswered. */
  fd = tp_tcp_connect(w->f.port);
  assert_true(fd >= 0);
  assert_int_equal(closed_while_pumping(w, fd, 10000, &got), 0);
  assert_int_equal(got, 0);
  close(fd);
  still_works(w);
}

static void test_bad_length_prefixes(void **state) {
  world *w = *state;
  uint8_t zero[2] = {0, 0};
  uint8_t big[2 + 100] = {0xff, 0xff};
  tp_peer p;
  /* Before the handshake: a zero length and a 65535 length both close at once. */
  raw_closed_silently(w, zero, sizeof zero, 2000);
  raw_closed_silently(w, big, sizeof big, 2000);
  /* Inside the channel: zero is refused at once... */
  assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
  assert_int_equal(tp_write_all(p.fd, zero, sizeof zero), 0);
  bye_then_closed(&p, RP_EMALFORMED);
  tp_close(&p);
  still_works(w);
  /* ...and a frame that never completes ends at the frame deadline (500 ms here), with
   * BYE error ETIMEDOUT, not at the idle deadline (BYE idle). */
  assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
  assert_int_equal(tp_write_all(p.fd, big, sizeof big), 0);
  bye_then_closed(&p, RP_ETIMEDOUT);
  tp_close(&p);
  assert_int_equal(tp_relay_wait_log(&w->f, "frame_timeout", 5000, 1), 0);
  still_works(w);
}

/* The frame deadline during the handshake, where the handshake deadline is far away:
 * half a message 1, and a message 1 that trickles in a byte at a time, are both closed
 * without a word at the frame deadline (1 s), long before the 30 s of the handshake. */
static void test_half_frame_in_handshake(void **state) {
  tp_relay f;
  uint8_t part[12] = {0, 96};
  size_t got = 1;
  int fd;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-frame", ids, 3,
                                 "handshake_timeout = 30s\nframe_timeout = 1s\n"),
                   0);
  assert_int_equal(tp_relay_start(&f), 0);
  fd = tp_tcp_connect(f.port);
  assert_true(fd >= 0);
  assert_int_equal(tp_write_all(fd, part, sizeof part), 0);
  assert_int_equal(tp_wait_closed(fd, 10000, &got), 0);
  assert_int_equal(got, 0);
  close(fd);
  fd = tp_tcp_connect(f.port);
  assert_true(fd >= 0);
  /* Four bytes a second: never idle, never complete. A write after the relay closed
   * may fail; the loop ends when the close is seen. */
  for (int i = 0; i < 40 && tp_wait_closed(fd, 0, NULL) == RP_ETIMEDOUT; i++) {
    (void)tp_write_all(fd, part + (i % 2), 1);
    usleep(250000);
  }
  assert_int_equal(tp_wait_closed(fd, 1000, &got), 0);
  close(fd);
  assert_int_equal(tp_relay_log_count(&f, "frame_timeout"), 2);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void test_garbage_msgpack(void **state) {
  world *w = *state;
  /* A flags byte (a whole message), then bytes that are not a transport message. */
  static const uint8_t garbage[][6] = {
      {0x00, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1}, /* reserved msgpack byte */
      {0x00, 0xdd, 0xff, 0xff, 0xff, 0xff}, /* array claiming 4G elements */
      {0x00, 0x81, 0x00, 0x05, 0x00, 0x00}, /* map with trailing bytes */
  };
  /* What PROTOCOL.md 2.1 says each must be called. */
  static const int expected[] = {RP_EMALFORMED, RP_ETRUNC, RP_EMALFORMED};
  uint8_t nomap[4] = {0x00, 0x82, 0x00, 0x01};
  tp_peer p;
  rp__tmsg m;
  for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
    /* The BYE names the decoder's own verdict on these bytes. */
    int code = rp__tmsg_decode(garbage[i] + 1, sizeof garbage[i] - 1, &m, NULL);
    assert_int_equal(code, expected[i]);
    assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
    assert_int_equal(tp_send_frame_pt(&p, garbage[i], sizeof garbage[i]), 0);
    bye_then_closed(&p, code);
    tp_close(&p);
  }
  /* A reserved fragment flag bit. */
  nomap[0] = 0x80;
  assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
  assert_int_equal(tp_send_frame_pt(&p, nomap, sizeof nomap), 0);
  bye_then_closed(&p, RP_EMALFORMED);
  tp_close(&p);
  still_works(w);
}

static void test_wrong_state(void **state) {
  world *w = *state;
  uint8_t id[RP_MSG_ID_BYTES] = {1};
  tp_peer p;
  rp__tmsg m;
  /* DELIVERED before RECEIVE, and messages only the relay may send. */
  static const uint64_t types[] = {RP__T_DELIVERED, RP__T_ACK, RP__T_WELCOME};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
    memset(&m, 0, sizeof m);
    m.type = types[i];
    switch (types[i]) {
    case RP__T_DELIVERED:
      memcpy(m.u.delivered.msg_id, id, sizeof id);
      m.u.delivered.seq = 1;
      break;
    case RP__T_ACK:
      memcpy(m.u.ack.msg_id, id, sizeof id);
      m.u.ack.status = RP__ACK_STORED;
      break;
    default:
      m.u.welcome.time_ms = 1;
      m.u.welcome.member = rp__str_c("k102");
      m.u.welcome.send_window = 1;
      m.u.welcome.idle_ms = 1000;
      break;
    }
    assert_int_equal(tp_send(&p, &m), 0);
    bye_then_closed(&p, RP_ESTATE);
    tp_close(&p);
  }
  /* DELIVERED for something never delivered. */
  assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 4;
  assert_int_equal(tp_send(&p, &m), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memcpy(m.u.delivered.msg_id, id, sizeof id);
  m.u.delivered.seq = 7;
  assert_int_equal(tp_send(&p, &m), 0);
  bye_then_closed(&p, RP_ENOTFOUND);
  tp_close(&p);
  still_works(w);
}

static void test_replayed_handshake(void **state) {
  world *w = *state;
  const rp__identity *me = tp_member(&w->f, "k102");
  uint8_t *msg1 = NULL, frame[RP_FRAME_MAX + 2], ping[16];
  size_t msg1_len = 0, flen = 0, got = 0;
  tp_peer p;
  rp__tmsg m;
  int fd;

  /* A real session: record message 1 and the first transport frame. */
  assert_int_equal(tp_connect_ex(&p, w->f.port, me, w->f.relay->pub.transport_pk, 5000,
                                 &msg1, &msg1_len),
                   0);
  ping[0] = 0;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 5;
  {
    size_t n = 0;
    assert_int_equal(rp__tmsg_encode(&m, ping + 1, sizeof ping - 1, &n), 0);
    assert_int_equal(tp_seal_frame(&p, ping, n + 1, frame, sizeof frame, &flen), 0);
  }
  assert_int_equal(tp_write_all(p.fd, frame, flen), 0);
  assert_int_equal(tp_recv_type(&p, RP__T_PONG, &m, 5000, NULL), 0);
  /* Message 1 again inside the session is not a valid transport frame. */
  assert_int_equal(tp_write_all(p.fd, msg1, msg1_len), 0);
  bye_then_closed(&p, RP_EAUTH);
  tp_close(&p);

  /* Replayed on a new connection: the relay answers (it cannot know), but the replayer
   * cannot continue: the old transport frame does not decrypt under the new keys. */
  fd = tp_tcp_connect(w->f.port);
  assert_true(fd >= 0);
  assert_int_equal(tp_write_all(fd, msg1, msg1_len), 0);
  assert_int_equal(tp_write_all(fd, frame, flen), 0);
  assert_int_equal(tp_wait_closed(fd, 5000, &got), 0);
  close(fd);
  free(msg1);
  still_works(w);
}

static void test_flipped_bit(void **state) {
  world *w = *state;
  uint8_t pt[16], frame[64];
  size_t n = 0, flen = 0;
  tp_peer p;
  rp__tmsg m;

  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 9;
  pt[0] = 0;
  assert_int_equal(rp__tmsg_encode(&m, pt + 1, sizeof pt - 1, &n), 0);
  for (size_t where = 2; where < 2 + n + 1 + 16; where += 7) {
    assert_int_equal(tp_relay_connect(&w->f, &p, "k102"), 0);
    assert_int_equal(tp_seal_frame(&p, pt, n + 1, frame, sizeof frame, &flen), 0);
    frame[where] ^= 0x10;
    assert_int_equal(tp_write_all(p.fd, frame, flen), 0);
    bye_then_closed(&p, RP_EAUTH);
    tp_close(&p);
  }
  still_works(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_not_a_handshake),
      cmocka_unit_test(test_stalled_handshake),
      cmocka_unit_test(test_bad_length_prefixes),
      cmocka_unit_test(test_garbage_msgpack),
      cmocka_unit_test(test_wrong_state),
      cmocka_unit_test(test_replayed_handshake),
      cmocka_unit_test(test_flipped_bit),
      cmocka_unit_test(test_half_frame_in_handshake),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
