/* SPDX-License-Identifier: MIT */
/*
 * The relay keeps the domain's routes before it stores anything (PROTOCOL.md 5.5 step
 * 7): a municipality writes to the team, the team to municipalities. Municipality to
 * municipality and team to team are refused with NACK EROUTE naming the msg_id, and
 * nothing is stored or delivered; the two real routes work both ways.
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

#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "team2", "k101", "k102"};
static const int kinds[] = {RP_MEMBER_TEAM, RP_MEMBER_TEAM, RP_MEMBER_MUNICIPALITY,
                            RP_MEMBER_MUNICIPALITY};

/* `from` sends to `to` and gets NACK EROUTE with the msg_id. */
static void refused(tp_peer *from, const char *to) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  assert_int_equal(tp_send_envelope(from, to, 0, id), 0);
  assert_int_equal(tp_recv(from, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_NACK);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EROUTE);
  assert_memory_equal(m.u.nack.msg_id, id, RP_MSG_ID_BYTES);
}

/* `from` sends to `to`, which is receiving: acked and delivered. */
static void works(tp_peer *from, tp_peer *to) {
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  assert_int_equal(tp_send_envelope(from, to->member, 0, id), 0);
  assert_int_equal(tp_recv_type(from, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_recv_type(to, RP__T_DELIVER, &m, 5000, NULL), 0);
  assert_int_equal(tp_deliver_msg_id(&m, got), 0);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_delivered(to, &m), 0);
}

static void test_routes(void **state) {
  tp_relay f;
  tp_peer t, t2, a, b;
  uint64_t n = 1;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init_kinds(&f, "relay-route", ids, kinds, 4, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_relay_connect(&f, &t2, "team2"), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &b, "k102"), 0);
  assert_int_equal(tp_receive(&t, 8), 0);
  assert_int_equal(tp_receive(&t2, 8), 0);
  assert_int_equal(tp_receive(&a, 8), 0);
  assert_int_equal(tp_receive(&b, 8), 0);
  refused(&a, "k102");
  refused(&b, "k101");
  refused(&t, "team2");
  refused(&t2, "team");
  /* Nothing of it was stored or delivered. */
  assert_int_equal(tp_relay_counter(&f, "spool.stored", &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(tp_relay_counter(&f, "rejected.eroute", &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(tp_recv_type(&b, RP__T_DELIVER, &m, 300, NULL), RP_ETIMEDOUT);
  assert_int_equal(tp_recv_type(&t2, RP__T_DELIVER, &m, 300, NULL), RP_ETIMEDOUT);
  assert_int_equal(tp_relay_wait_log(&f, "code=EROUTE where=route", 5000, 1), 0);
  /* The domain's routes, both ways, and the connections stayed open through it all. */
  works(&a, &t);
  works(&t, &a);
  works(&b, &t2);
  works(&t2, &b);
  tp_close(&t);
  tp_close(&t2);
  tp_close(&a);
  tp_close(&b);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_routes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
