/* SPDX-License-Identifier: MIT */
/*
 * The relay's main path against the real process: send, deliver, delete; a recipient
 * that connects later and one that leaves before acking everything; a duplicate send
 * (also across a restart); SIGTERM while SENDs are committing. The restart between ack
 * and delivery and SIGKILL are in relay_crash_test.c.
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
#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

static void receive(tp_peer *p, uint64_t window) {
  assert_int_equal(tp_receive(p, window), 0);
}

static void delivered(tp_peer *p, const rp__tmsg *d) {
  assert_int_equal(tp_delivered(p, d), 0);
}

static void expect_ack(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], int status) {
  rp__tmsg m;
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.ack.status, status);
}

static void deliver_msg_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]) {
  assert_int_equal(tp_deliver_msg_id(m, id), 0);
}

static void test_send_deliver_delete(void **state) {
  tp_relay f;
  tp_peer a, t;
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-basic", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_string_equal(t.welcome.u.welcome.member.p, "team");
  receive(&t, 8);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_send_envelope(&a, "team", 0, id), 0);
  expect_ack(&a, id, RP__ACK_STORED);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
  deliver_msg_id(&m, got);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
  delivered(&t, &m);
  assert_int_equal(tp_relay_wait_log(&f, "delivered msg_id=", 5000, 0), 0);
  tp_close(&t);
  tp_close(&a);
  /* After a clean stop and a restart nothing is delivered again: the row is gone. */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 8);
  assert_int_equal(tp_recv(&t, &m, 500), RP_ETIMEDOUT);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* SEND the given envelope bytes (so a test can send the same one twice). */
static void send_env(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], const char *to) {
  uint64_t now = rp__clock_wall_ms();
  uint8_t *env = NULL;
  size_t len = 0;
  rp__tmsg m;
  assert_int_equal(tp_envelope(id, p->member, to, now, now + 3600000, 0, &env, &len), 0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  assert_int_equal(tp_send(p, &m), 0);
  free(env);
}

/* The recipient is offline while three envelopes are acked; when it connects it gets
 * them in order; it acks only the first and leaves; on its next connection it gets the
 * other two, and once those are acked nothing more. */
static void test_offline_then_connects(void **state) {
  tp_relay f;
  tp_peer a, t;
  uint8_t id[3][RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-offline", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(tp_send_envelope(&a, "team", 0, id[i]), 0);
    expect_ack(&a, id[i], RP__ACK_STORED);
  }
  tp_close(&a);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 8);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
    deliver_msg_id(&m, got);
    assert_memory_equal(got, id[i], RP_MSG_ID_BYTES);
    if (i == 0) delivered(&t, &m);
  }
  assert_int_equal(tp_relay_wait_log(&f, "delivered msg_id=", 5000, 0), 0);
  tp_close(&t);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 8);
  for (int i = 1; i < 3; i++) {
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
    deliver_msg_id(&m, got);
    assert_memory_equal(got, id[i], RP_MSG_ID_BYTES);
    delivered(&t, &m);
  }
  assert_int_equal(tp_recv(&t, &m, 300), RP_ETIMEDOUT);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_log_count(&f, "delivered msg_id="), 3);
  tp_relay_free(&f);
}

/* A resent msg_id is acked again (as a duplicate) and stored once: the recipient gets
 * one copy, also after a restart. */
static void test_duplicate_send(void **state) {
  tp_relay f;
  tp_peer a, t;
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-dup", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  randombytes_buf(id, sizeof id);
  send_env(&a, id, "team");
  expect_ack(&a, id, RP__ACK_STORED);
  send_env(&a, id, "team");
  expect_ack(&a, id, RP__ACK_DUPLICATE);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  send_env(&a, id, "team");
  expect_ack(&a, id, RP__ACK_DUPLICATE);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 8);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
  deliver_msg_id(&m, got);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
  delivered(&t, &m);
  assert_int_equal(tp_recv(&t, &m, 300), RP_ETIMEDOUT);
  tp_close(&t);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* SIGTERM while SENDs are committing: every SEND the relay read is answered (acked)
 * before its BYE "shutdown", the process exits 0, and after a restart the recipient
 * gets exactly the acked envelopes. */
static void test_sigterm_drains(void **state) {
  enum { N = 24 };
  tp_relay f;
  tp_peer a, t;
  uint8_t id[N][RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  int acked[N] = {0}, nacked = 0, seen = 0;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-drain", ids, 3, "window = 64\n"), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  /* 64 KiB envelopes, so that their commits take a while. */
  for (int i = 0; i < N; i++)
    assert_int_equal(tp_send_envelope(&a, "team", 6, id[i]), 0);
  tp_relay_signal(&f, SIGTERM);
  for (;;) {
    assert_int_equal(tp_recv(&a, &m, 10000), 0);
    if (m.type == RP__T_BYE) break;
    assert_int_equal(m.type, RP__T_ACK);
    for (int i = 0; i < N; i++)
      if (memcmp(m.u.ack.msg_id, id[i], RP_MSG_ID_BYTES) == 0) acked[i] = 1, nacked++;
  }
  assert_int_equal(m.u.bye.reason, RP__BYE_SHUTDOWN);
  assert_true(nacked > 0);
  /* Usually a commit is still running when the stop begins and is answered after it.
   * Whether one is depends on the machine's speed, so it is reported, not asserted: the
   * drain's guarantees are the assertions around this (every SEND read was answered
   * before BYE; after the restart exactly the acked envelopes are delivered). */
  assert_int_equal(tp_relay_wait_log(&f, "shutdown_start", 5000, 1), 0);
  if (tp_relay_wait_log(&f, "send_done", 1000, 0) != 0)
    print_message("note: every commit had finished before the stop began\n");
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_close(&a);
  print_message("acked %d of %d before shutdown\n", nacked, N);

  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 64);
  for (;;) {
    int rc = tp_recv_type(&t, RP__T_DELIVER, &m, 1000, NULL);
    if (rc == RP_ETIMEDOUT) break;
    assert_int_equal(rc, 0);
    deliver_msg_id(&m, got);
    int hit = 0;
    for (int i = 0; i < N; i++)
      if (acked[i] && memcmp(got, id[i], RP_MSG_ID_BYTES) == 0) hit = 1;
    assert_true(hit); /* nothing unacked was stored */
    delivered(&t, &m);
    seen++;
  }
  assert_int_equal(seen, nacked);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_deliver_delete),
      cmocka_unit_test(test_offline_then_connects),
      cmocka_unit_test(test_duplicate_send),
      cmocka_unit_test(test_sigterm_drains),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
