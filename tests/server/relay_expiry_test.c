/* SPDX-License-Identifier: MIT */
/*
 * Expiry: envelopes that are not delivered by their expiry time are deleted and the
 * sender gets an EXPIRED notice in its delivery stream: at once when it is receiving,
 * else when it next connects (the notice is kept in the spool, across a restart too).
 * Envelopes already expired, or expiring too late, are refused up front.
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

/* SEND an envelope from p to `to` that expires `ttl_ms` after now (may be negative). */
static void send_ttl(tp_peer *p, const char *to, int64_t ttl_ms,
                     uint8_t id[RP_MSG_ID_BYTES]) {
  uint64_t now = rp__clock_wall_ms();
  uint8_t *env = NULL;
  size_t len = 0;
  rp__tmsg m;
  randombytes_buf(id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_envelope(id, p->member, to, ttl_ms > 0 ? now : now - 10000,
                               (uint64_t)((int64_t)now + ttl_ms), 0, &env, &len),
                   0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  assert_int_equal(tp_send(p, &m), 0);
  free(env);
}

static void receive(tp_peer *p) {
  assert_int_equal(tp_receive(p, 8), 0);
}

static void expect_notice(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], const char *rcpt,
                          int timeout_ms) {
  rp__tmsg m;
  assert_int_equal(tp_recv_type(p, RP__T_EXPIRED, &m, timeout_ms, NULL), 0);
  assert_memory_equal(m.u.expired.msg_id, id, RP_MSG_ID_BYTES);
  assert_true(rp__str_eq(m.u.expired.recipient, rcpt));
  assert_true(m.u.expired.expired_at <= rp__clock_wall_ms());
  assert_int_equal(tp_delivered(p, &m), 0);
}

static void test_refused_up_front(void **state) {
  tp_relay f;
  tp_peer p;
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(
      tp_relay_init(&f, "relay-expiry", ids, 3, "expiry_default = 1h\nexpiry_max = 1h\n"),
      0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  send_ttl(&p, "team", -1000, id);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_NACK);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EEXPIRED);
  send_ttl(&p, "team", 3 * 3600 * 1000, id);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_NACK);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_ETOOBIG);
  send_ttl(&p, "team", 1800 * 1000, id);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  tp_close(&p);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void test_expiry_and_notice(void **state) {
  tp_relay f;
  tp_peer p, t;
  uint8_t now_id[RP_MSG_ID_BYTES], later_id[RP_MSG_ID_BYTES], keep[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-expiry", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);

  /* Sender connected and receiving: the notice comes as soon as the envelope expires. */
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  receive(&p);
  send_ttl(&p, "team", 800, now_id);
  assert_int_equal(tp_recv_type(&p, RP__T_ACK, &m, 5000, NULL), 0);
  send_ttl(&p, "team", 3600 * 1000, keep);
  assert_int_equal(tp_recv_type(&p, RP__T_ACK, &m, 5000, NULL), 0);
  expect_notice(&p, now_id, "team", 5000);
  assert_int_equal(tp_relay_wait_log(&f, "envelope_expired", 1000, 1), 0);

  /* Sender gone when it expires: the notice waits for it, across a restart too. */
  send_ttl(&p, "team", 600, later_id);
  assert_int_equal(tp_recv_type(&p, RP__T_ACK, &m, 5000, NULL), 0);
  tp_close(&p);
  assert_int_equal(tp_relay_wait_log(&f, "notice_lost", 1, 1), RP_ETIMEDOUT);
  {
    /* Generous: on a loaded 2-core CI machine one fsync'd sweep can take seconds. */
    uint64_t deadline = rp__clock_mono_ms() + 20000;
    while (tp_relay_log_count(&f, "notice=stored") < 2) {
      assert_true(rp__clock_mono_ms() < deadline);
      usleep(20000);
    }
  }
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  receive(&p);
  expect_notice(&p, later_id, "team", 5000);
  /* Acknowledged notices are gone; nothing more comes. */
  assert_int_equal(tp_recv(&p, &m, 300), RP_ETIMEDOUT);

  /* The recipient gets only what did not expire. */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
  {
    rp__envcont c;
    rp__envhdr h;
    assert_int_equal(rp__envhdr_container_parse(m.u.deliver.envelope.p,
                                                m.u.deliver.envelope.n, &c, &h, NULL),
                     0);
    assert_memory_equal(h.msg_id, keep, RP_MSG_ID_BYTES);
  }
  assert_int_equal(tp_recv(&t, &m, 300), RP_ETIMEDOUT);
  tp_close(&t);
  tp_close(&p);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_up_front),
      cmocka_unit_test(test_expiry_and_notice),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
