/* SPDX-License-Identifier: MIT */
/*
 * A recipient that cannot accept an envelope answers DELIVERED with "refused" = a code
 * (PROTOCOL.md 5.1, 5.3, 6.5). The relay deletes the envelope, stores an EXPIRED notice
 * carrying the same code for its sender in the same transaction, and the recipient's
 * stream goes on at once: the envelope is never offered again and the ones behind it
 * are not held up. A "refused" on an EXPIRED notice is a plain delete.
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

static void start(tp_relay *f) {
  assert_int_equal(tp_relay_init(f, "relay-refuse", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(f), 0);
}

static void send_acked(tp_peer *p, const char *to, uint8_t id[RP_MSG_ID_BYTES]) {
  rp__tmsg m;
  assert_int_equal(tp_send_envelope(p, to, 0, id), 0);
  assert_int_equal(tp_recv_type(p, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
}

static void expect_deliver(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], rp__tmsg *m) {
  uint8_t got[RP_MSG_ID_BYTES];
  assert_int_equal(tp_recv_type(p, RP__T_DELIVER, m, 5000, NULL), 0);
  assert_int_equal(tp_deliver_msg_id(m, got), 0);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
}

/* Waits until the relay's counter `name` reads `want` (deletes commit shortly after the
 * DELIVERED that asked for them). */
static void counter_becomes(tp_relay *f, const char *name, uint64_t want) {
  uint64_t v = ~0ull;
  for (int i = 0; i < 100; i++) {
    assert_int_equal(tp_relay_counter(f, name, &v), 0);
    if (v == want) return;
    usleep(50000);
  }
  assert_int_equal(v, want);
}

/* The connection is still up: a PING is answered. */
static void still_connected(tp_peer *p) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = 77;
  assert_int_equal(tp_send(p, &m), 0);
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_PONG);
  assert_int_equal(m.u.pong.nonce, 77);
}

static void test_refused_envelope(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t a[RP_MSG_ID_BYTES], b[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  start(&f);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  send_acked(&s, "team", a);
  send_acked(&s, "team", b);
  /* A window of one: B can only come once A is answered. */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 1), 0);
  expect_deliver(&t, a, &m);
  assert_int_equal(tp_delivered_refused(&t, &m, (uint64_t)-RP_EAUTH), 0);
  /* The stream moves on at once, on the same connection. */
  expect_deliver(&t, b, &m);
  assert_int_equal(tp_delivered(&t, &m), 0);
  still_connected(&t);
  /* The sender learns that A failed, and why. */
  assert_int_equal(tp_receive(&s, 4), 0);
  assert_int_equal(tp_recv_type(&s, RP__T_EXPIRED, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.expired.msg_id, a, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.expired.refused, (uint64_t)-RP_EAUTH);
  assert_true(rp__str_eq(m.u.expired.recipient, "team"));
  assert_true(m.u.expired.expired_at >= rp__clock_wall_ms() - 60000);
  assert_int_equal(tp_delivered(&s, &m), 0);
  /* The spool ends empty, and A is never offered again, not even after a reconnect.
   * (The reconnect waits for the empty spool: B's delete runs after its DELIVERED, and
   * delivery is at least once, so a reconnect racing it could see B again.) */
  counter_becomes(&f, "spool.envelopes", 0);
  tp_close(&t);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 500, NULL), RP_ETIMEDOUT);
  counter_becomes(&f, "envelopes.refused", 1);
  counter_becomes(&f, "envelopes.delivered", 2); /* B and the notice */
  assert_int_equal(tp_relay_wait_log(&f, "envelope_refused msg_id=", 5000, 1), 0);
  assert_int_equal(tp_relay_wait_log(&f, "code=EAUTH refused=15", 5000, 1), 0);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* A notice that the sender "refuses" is deleted like any acknowledged notice: it never
 * bounces back to the recipient as a notice of a notice. */
static void test_refused_notice_is_deleted(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t a[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  start(&f);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  assert_int_equal(tp_receive(&s, 4), 0);
  send_acked(&s, "team", a);
  expect_deliver(&t, a, &m);
  assert_int_equal(tp_delivered_refused(&t, &m, (uint64_t)-RP_EROUTE), 0);
  assert_int_equal(tp_recv_type(&s, RP__T_EXPIRED, &m, 5000, NULL), 0);
  assert_int_equal(m.u.expired.refused, (uint64_t)-RP_EROUTE);
  assert_int_equal(tp_delivered_refused(&s, &m, (uint64_t)-RP_EINVAL), 0);
  counter_becomes(&f, "spool.envelopes", 0);
  assert_int_equal(tp_recv_type(&t, RP__T_EXPIRED, &m, 500, NULL), RP_ETIMEDOUT);
  counter_becomes(&f, "envelopes.refused", 1);
  still_connected(&s);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* The deletion and the sender's notice commit together: after a crash right after the
 * refusal, the notice is there and the envelope is not. */
static void test_refusal_survives_crash(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t a[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  start(&f);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  send_acked(&s, "team", a);
  tp_close(&s);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  expect_deliver(&t, a, &m);
  assert_int_equal(tp_delivered_refused(&t, &m, (uint64_t)-RP_EMALFORMED), 0);
  assert_int_equal(tp_relay_wait_log(&f, "envelope_refused", 5000, 1), 0);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 4), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 500, NULL), RP_ETIMEDOUT);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  assert_int_equal(tp_receive(&s, 4), 0);
  assert_int_equal(tp_recv_type(&s, RP__T_EXPIRED, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.expired.msg_id, a, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.expired.refused, (uint64_t)-RP_EMALFORMED);
  assert_int_equal(tp_delivered(&s, &m), 0);
  counter_becomes(&f, "spool.envelopes", 0);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_envelope),
      cmocka_unit_test(test_refused_notice_is_deleted),
      cmocka_unit_test(test_refusal_survives_crash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
