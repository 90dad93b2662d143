/* SPDX-License-Identifier: MIT */
/*
 * Every configurable limit exceeded, each against its own relay: frame size, envelope
 * size, send window, connections in total and per member, spool bytes per recipient and
 * in total. Each answers with its precise NACK or a close, the relay carries on, and
 * nothing already acked is lost.
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

#include "envelope_hdr.h"
#include "frame.h"
#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

/* Class 6: 64 KiB of ciphertext, so that 16 fill a megabyte. */
#define BIG_CLASS 6u
#define MAX_SENDS 64

static void start(tp_relay *f, const char *limits) {
  assert_int_equal(tp_relay_init(f, "relay-limits", ids, 3, limits), 0);
  assert_int_equal(tp_relay_start(f), 0);
}

static void stop(tp_relay *f) {
  assert_int_equal(tp_relay_stop(f, SIGTERM, 10000), 0);
  tp_relay_free(f);
}

static void expect_nack(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], int code) {
  rp__tmsg m;
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_NACK);
  assert_memory_equal(m.u.nack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.nack.code, (uint64_t)-code);
}

static void expect_ack(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES]) {
  rp__tmsg m;
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
}

static void bye_then_closed(tp_peer *p, int reason, int code) {
  rp__tmsg m;
  assert_int_equal(tp_recv_type(p, RP__T_BYE, &m, 5000, NULL), 0);
  assert_int_equal(m.u.bye.reason, reason);
  assert_int_equal(m.u.bye.code, (uint64_t)-code);
  assert_int_equal(tp_wait_closed(p->fd, 5000, NULL), 0);
}

/* Receive everything spooled for p and check every id in ids[0..n) came (each once
 * counted; duplicates allowed but not required). */
static void receive_all(tp_peer *p, uint8_t (*want)[RP_MSG_ID_BYTES], size_t n) {
  uint8_t seen[MAX_SENDS] = {0};
  size_t distinct = 0;
  rp__tmsg m, d;
  rp__envcont c;
  rp__envhdr h;

  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = 4;
  assert_int_equal(tp_send(p, &m), 0);
  while (distinct < n) {
    assert_int_equal(tp_recv_type(p, RP__T_DELIVER, &d, 5000, NULL), 0);
    assert_int_equal(rp__envhdr_container_parse(d.u.deliver.envelope.p,
                                                d.u.deliver.envelope.n, &c, &h, NULL),
                     0);
    for (size_t i = 0; i < n; i++) {
      if (!seen[i] && memcmp(want[i], h.msg_id, RP_MSG_ID_BYTES) == 0) {
        seen[i] = 1;
        distinct++;
      }
    }
    memset(&m, 0, sizeof m);
    m.type = RP__T_DELIVERED;
    memcpy(m.u.delivered.msg_id, h.msg_id, RP_MSG_ID_BYTES);
    m.u.delivered.seq = d.u.deliver.seq;
    assert_int_equal(tp_send(p, &m), 0);
  }
}

static void test_frame_limit(void **state) {
  tp_relay f;
  tp_peer p, q;
  uint8_t id[RP_MSG_ID_BYTES];
  (void)state;
  start(&f, "frame_max = 2048\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  /* Class 0 (1 KiB) fits one 2 KiB frame; class 1 (2 KiB) does not. */
  assert_int_equal(tp_send_envelope(&p, "team", 0, id), 0);
  expect_ack(&p, id);
  assert_int_equal(tp_send_envelope(&p, "team", 1, id), 0);
  bye_then_closed(&p, RP__BYE_ERROR, RP_ETOOBIG);
  tp_close(&p);
  assert_int_equal(tp_relay_connect(&f, &q, "k101"), 0);
  assert_int_equal(tp_send_envelope(&q, "team", 0, id), 0);
  expect_ack(&q, id);
  tp_close(&q);
  stop(&f);
}

static void test_envelope_limit(void **state) {
  tp_relay f;
  tp_peer p;
  uint8_t id[RP_MSG_ID_BYTES];
  (void)state;
  start(&f, "envelope_max = 4K\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(tp_send_envelope(&p, "team", 1, id), 0);
  expect_ack(&p, id);
  assert_int_equal(tp_send_envelope(&p, "team", 2, id), 0);
  expect_nack(&p, id, RP_ETOOBIG);
  /* Far beyond the limit, and beyond a full attachment chunk (which the relay always
   * takes, WELCOME chunk_max), the message is not even gathered: the connection closes. */
  assert_int_equal(tp_send_envelope(&p, "team", 4, id), 0);
  expect_nack(&p, id, RP_ETOOBIG);
  assert_int_equal(tp_send_envelope(&p, "team", 9, id), 0);
  bye_then_closed(&p, RP__BYE_ERROR, RP_ETOOBIG);
  tp_close(&p);
  stop(&f);
}

static void test_window_limit(void **state) {
  enum { N = 5 };
  tp_relay f;
  tp_peer p;
  uint8_t ids5[N][RP_MSG_ID_BYTES], *env, pt[4096], *out;
  size_t len = 0, n = 0, total = 0, flen = 0;
  int acks = 0, busy = 0;
  uint64_t now = tp_unix_ms();
  rp__tmsg m;
  (void)state;

  start(&f, "window = 2\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(p.welcome.u.welcome.send_window, 2);
  /* Five SENDs in one write, so the relay reads them all before any commit: the first
   * two fill the window, the other three are refused with EBUSY. */
  out = malloc(N * sizeof pt);
  for (int i = 0; i < N; i++) {
    randombytes_buf(ids5[i], RP_MSG_ID_BYTES);
    assert_int_equal(tp_envelope(ids5[i], "k101", "team", now, now + 60000, 0, &env, &len),
                     0);
    memset(&m, 0, sizeof m);
    m.type = RP__T_SEND;
    m.u.send.envelope.p = env;
    m.u.send.envelope.n = (uint32_t)len;
    pt[0] = 0;
    assert_int_equal(rp__tmsg_encode(&m, pt + 1, sizeof pt - 1, &n), 0);
    assert_int_equal(
        tp_seal_frame(&p, pt, n + 1, out + total, N * sizeof pt - total, &flen), 0);
    total += flen;
    free(env);
  }
  assert_int_equal(tp_write_all(p.fd, out, total), 0);
  free(out);
  for (int i = 0; i < N; i++) {
    assert_int_equal(tp_recv(&p, &m, 5000), 0);
    if (m.type == RP__T_ACK) {
      acks++;
    } else {
      assert_int_equal(m.type, RP__T_NACK);
      assert_int_equal(m.u.nack.code, (uint64_t)-RP_EBUSY);
      busy++;
    }
  }
  assert_int_equal(acks, 2);
  assert_int_equal(busy, 3);
  /* A client that keeps to the window is never refused. */
  for (int i = 0; i < 6; i++) {
    assert_int_equal(tp_send_envelope(&p, "team", 0, ids5[0]), 0);
    expect_ack(&p, ids5[0]);
  }
  tp_close(&p);
  stop(&f);
}

/* A member connection that gets BYE "busy" instead of WELCOME (PROTOCOL.md 4.3). */
static void expect_busy(tp_relay *f, const char *id) {
  tp_peer p;
  rp__tmsg m;
  assert_int_equal(tp_connect_ex(&p, f->port, tp_member(f, id), f->relay->pub.transport_pk,
                                 5000, NULL, NULL),
                   0);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_BYE);
  assert_int_equal(m.u.bye.reason, RP__BYE_BUSY);
  assert_int_equal(m.u.bye.code, (uint64_t)-RP_EBUSY);
  assert_int_equal(tp_wait_closed(p.fd, 5000, NULL), 0);
  tp_close(&p);
}

static void test_connection_limits(void **state) {
  tp_relay f;
  tp_peer a, b, c, t;
  int raw[5];
  uint8_t id[RP_MSG_ID_BYTES];
  (void)state;

  start(&f, "max_connections = 2\nmax_connections_per_member = 1\n");
  /* Per member: a second connection of k101 replaces the first. */
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &b, "k101"), 0);
  bye_then_closed(&a, RP__BYE_REPLACED, RP_EBUSY);
  tp_close(&a);
  assert_int_equal(tp_send_envelope(&b, "team", 0, id), 0);
  expect_ack(&b, id);
  /* In total: b and the team make two member connections; one past it, k102 is told
   * BYE busy (not refused: it learns its key is fine and comes back later). */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  expect_busy(&f, "k102");
  assert_int_equal(tp_relay_wait_log(&f, "conn_busy", 5000, 1), 0);
  /* Connections that prove nothing take no member's place: with five of them open, a
   * member that replaces its own connection still gets in, and after one member
   * leaves, k102 does. */
  for (int i = 0; i < 5; i++)
    assert_true((raw[i] = tp_tcp_connect(f.port)) >= 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  bye_then_closed(&b, RP__BYE_REPLACED, RP_EBUSY);
  tp_close(&b);
  expect_busy(&f, "k102");
  tp_close(&t);
  for (int tries = 0;; tries++) {
    if (tp_relay_connect(&f, &c, "k102") == 0) break;
    assert_true(tries < 100);
    usleep(20000);
  }
  assert_int_equal(tp_send_envelope(&c, "team", 0, id), 0);
  expect_ack(&c, id);
  for (int i = 0; i < 5; i++)
    close(raw[i]);
  tp_close(&a);
  tp_close(&c);
  stop(&f);
}

static void test_spool_recipient_full(void **state) {
  tp_relay f;
  tp_peer p, t;
  uint8_t acked[MAX_SENDS][RP_MSG_ID_BYTES], id[RP_MSG_ID_BYTES];
  size_t n = 0;
  rp__tmsg m;
  (void)state;

  /* One sender fills the recipient: the sender share must not stop it first. */
  start(&f, "envelope_max = 128K\nspool_recipient_bytes = 1M\nspool_sender_share = 100\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  for (;;) {
    assert_true(n < MAX_SENDS);
    assert_int_equal(tp_send_envelope(&p, "team", BIG_CLASS, id), 0);
    assert_int_equal(tp_recv(&p, &m, 5000), 0);
    if (m.type == RP__T_NACK) break;
    assert_int_equal(m.type, RP__T_ACK);
    memcpy(acked[n++], id, RP_MSG_ID_BYTES);
  }
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_ESPOOLFULL);
  assert_memory_equal(m.u.nack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(n, 15); /* 15 envelopes of 64 KiB plus headers fit in 1 MiB */
  /* Another recipient still has room (the team writes to k102). */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_send_envelope(&t, "k102", BIG_CLASS, id), 0);
  expect_ack(&t, id);
  /* Everything acked reaches the recipient, and then there is room again. */
  receive_all(&t, acked, n);
  assert_int_equal(tp_relay_wait_log(&f, "delivered msg_id=", 5000, 1), 0);
  for (int tries = 0;; tries++) {
    assert_int_equal(tp_send_envelope(&p, "team", BIG_CLASS, id), 0);
    assert_int_equal(tp_recv(&p, &m, 5000), 0);
    if (m.type == RP__T_ACK) break;
    assert_true(tries < 50); /* the deletes commit shortly after the DELIVEREDs */
    usleep(20000);
  }
  tp_close(&t);
  tp_close(&p);
  stop(&f);
}

static void test_spool_total_full(void **state) {
  tp_relay f;
  tp_peer p, q;
  uint8_t id[RP_MSG_ID_BYTES];
  size_t n = 0;
  rp__tmsg m;
  (void)state;

  start(&f, "envelope_max = 128K\nspool_recipient_bytes = 1M\nspool_total_bytes = 1M\n"
            "spool_sender_share = 100\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &q, "team"), 0);
  /* Alternate recipients (k101 to the team, the team to k102): neither reaches 1 MiB
   * alone, together they fill the spool. */
  for (;; n++) {
    tp_peer *from = n % 2 == 0 ? &p : &q;
    assert_true(n < MAX_SENDS);
    assert_int_equal(tp_send_envelope(from, n % 2 == 0 ? "team" : "k102", BIG_CLASS, id),
                     0);
    assert_int_equal(tp_recv(from, &m, 5000), 0);
    if (m.type == RP__T_NACK) break;
    assert_int_equal(m.type, RP__T_ACK);
  }
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_ESPOOLFULL);
  assert_int_equal(n, 15);
  /* Full is full, for every recipient (each of which is under its own limit). */
  assert_int_equal(tp_send_envelope(&p, "team", BIG_CLASS, id), 0);
  expect_nack(&p, id, RP_ESPOOLFULL);
  assert_int_equal(tp_send_envelope(&q, "k102", BIG_CLASS, id), 0);
  expect_nack(&q, id, RP_ESPOOLFULL);
  tp_close(&p);
  tp_close(&q);
  stop(&f);
}

/* SEND an envelope with a given msg_id (a resend, when the id was sent before). */
static void send_id(tp_peer *p, const char *to, const uint8_t id[RP_MSG_ID_BYTES]) {
  uint64_t now = tp_unix_ms();
  uint8_t *env = NULL;
  size_t len = 0;
  rp__tmsg m;
  assert_int_equal(
      tp_envelope(id, p->member, to, now, now + 3600000u, BIG_CLASS, &env, &len), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  assert_int_equal(tp_send(p, &m), 0);
  free(env);
}

/* limits.spool_sender_share, one past: 25 % of 1 MiB holds three 64 KiB envelopes of
 * one sender; the fourth gets EQUOTA, a resend is still acked as a duplicate, and
 * another sender to the same recipient still gets in. */
static void test_spool_sender_share(void **state) {
  tp_relay f;
  tp_peer p, q, t;
  uint8_t acked[MAX_SENDS][RP_MSG_ID_BYTES], id[RP_MSG_ID_BYTES];
  size_t n = 0;
  rp__tmsg m;
  (void)state;

  start(&f, "envelope_max = 128K\nspool_recipient_bytes = 1M\nspool_sender_share = 25\n");
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  for (;;) {
    assert_true(n < MAX_SENDS);
    assert_int_equal(tp_send_envelope(&p, "team", BIG_CLASS, id), 0);
    assert_int_equal(tp_recv(&p, &m, 5000), 0);
    if (m.type == RP__T_NACK) break;
    assert_int_equal(m.type, RP__T_ACK);
    memcpy(acked[n++], id, RP_MSG_ID_BYTES);
  }
  assert_int_equal(n, 3);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EQUOTA);
  assert_memory_equal(m.u.nack.msg_id, id, RP_MSG_ID_BYTES);
  /* A resend of what is stored is acked as a duplicate, share or not. */
  send_id(&p, "team", acked[0]);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  assert_int_equal(m.u.ack.status, RP__ACK_DUPLICATE);
  /* Another sender to the same recipient is not held up by k101's share. */
  assert_int_equal(tp_relay_connect(&f, &q, "k102"), 0);
  assert_int_equal(tp_send_envelope(&q, "team", BIG_CLASS, id), 0);
  expect_ack(&q, id);
  assert_int_equal(tp_relay_wait_log(&f, "result=EQUOTA", 5000, 1), 0);
  /* Once the recipient collects, k101's share frees up. */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive_all(&t, acked, n);
  for (int tries = 0;; tries++) {
    assert_int_equal(tp_send_envelope(&p, "team", BIG_CLASS, id), 0);
    assert_int_equal(tp_recv(&p, &m, 5000), 0);
    if (m.type == RP__T_ACK) break;
    assert_int_equal(m.u.nack.code, (uint64_t)-RP_EQUOTA);
    assert_true(tries < 50); /* the deletes commit shortly after the DELIVEREDs */
    usleep(20000);
  }
  tp_close(&p);
  tp_close(&q);
  tp_close(&t);
  stop(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_limit),          cmocka_unit_test(test_envelope_limit),
      cmocka_unit_test(test_window_limit),         cmocka_unit_test(test_connection_limits),
      cmocka_unit_test(test_spool_recipient_full), cmocka_unit_test(test_spool_total_full),
      cmocka_unit_test(test_spool_sender_share),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
