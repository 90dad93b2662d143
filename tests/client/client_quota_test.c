/* SPDX-License-Identifier: MIT */
/*
 * A recipient's spool share at the relay is full (PROTOCOL.md 5.5): NACK EQUOTA (our
 * share of that recipient's quota) or ESPOOLFULL (the recipient's whole quota). The
 * envelope stays queued and is sent again later; envelopes to other recipients go out
 * at once over the same connection, which is not dropped. The sender with several
 * recipients is the team (municipalities write to the team only), so the team sends to
 * a municipality whose share is full and to another one.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_hostile.h"

/* Fills the team's share of m1's spool from the test peer, connected as the team, with
 * envelopes of classes 6 (64 KiB) down to 0 (1 KiB) until even the smallest is refused
 * with `full`. Returns how many were stored. */
static int fill(tp_peer *peer, int full) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  int stored = 0;
  for (int cls = 6; cls >= 0; cls--) {
    for (int n = 0;; n++) {
      assert_true(n < 300);
      assert_int_equal(tp_send_envelope(peer, CL_MUNI, (unsigned)cls, id), 0);
      do
        assert_int_equal(tp_recv(peer, &m, 5000), 0);
      while (m.type != RP__T_ACK && m.type != RP__T_NACK);
      if (m.type == RP__T_NACK) break;
      stored++;
    }
    assert_int_equal(-(int)m.u.nack.code, full);
  }
  return stored;
}

static void send_meeting(rp_client *c, const char *to, char id[RP_ID_STRLEN]) {
  rp_msg *m;
  assert_int_equal(rp_msg_new("meeting_request", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "purpose", "sparring"), 0);
  assert_int_equal(rp_msg_set_enum(m, "mode", "online"), 0);
  assert_int_equal(rp_msg_set_uint(m, "duration_min", 30), 0);
  assert_int_equal(rp_msg_set_recipient(m, to), 0);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

static void full_share(const char *tag, const char *limits, int full) {
  static const char *const ids[] = {CL_TEAM, CL_MUNI, "m2"};
  tp_relay f;
  tp_peer peer;
  cl_log tlog;
  rp_client *team, *m1;
  rp_received *r = NULL;
  char held[RP_ID_STRLEN], other[RP_ID_STRLEN], needle[64];
  int st = 0, err = 0;
  cl_log_init(&tlog);
  assert_int_equal(tp_relay_init(&f, tag, ids, 3, limits), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &peer, CL_TEAM), 0);
  assert_true(fill(&peer, full) > 0);

  assert_non_null(team = cl_client_logged(&f, CL_TEAM, NULL, &tlog));
  send_meeting(team, CL_MUNI, held);
  /* The next message, to another municipality, goes out at once on the same
   * connection; the held one waits, queued, neither failed nor resent in a loop of
   * reconnections. */
  send_meeting(team, "m2", other);
  assert_int_equal(cl_wait_status(team, other, RP_STATUS_RELAYED, 5000), 0);
  usleep(600000); /* several hold periods (backoff 50..400 ms) */
  assert_int_equal(rp_status(team, held, &st, &err), 0);
  if (st != RP_STATUS_QUEUED)
    fprintf(stderr, "held: %s %s\n", rp_status_name(st), rp_err_name(err));
  assert_int_equal(st, RP_STATUS_QUEUED);
  assert_int_equal(err, 0);
  assert_int_equal(cl_relay_auths(&f, CL_TEAM), 2); /* the peer and the library, once */
  assert_int_equal(rp_client_last_error(team), 0);
  snprintf(needle, sizeof needle, "msg_id=%s", held);
  assert_int_equal(cl_log_wait(&tlog, "send_held", needle, rp_err_name(full), 1000), 0);
  assert_true(cl_log_count(&tlog, "send_held", needle, NULL) >= 2); /* it did retry */

  /* m1 collects (and refuses the peer's unsealed filler): the share frees, and the held
   * message goes out and arrives. */
  assert_non_null(m1 = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(cl_wait_status(team, held, RP_STATUS_RELAYED, 15000), 0);
  assert_int_equal(cl_wait_inbox(m1, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), held);
  rp_received_free(r);
  assert_int_equal(cl_relay_auths(&f, CL_TEAM), 2);
  rp_client_free(m1);
  rp_client_free(team);
  tp_close(&peer);
  tp_relay_free(&f);
}

/* Our share (25 % of m1's 1 MiB) is full: EQUOTA. */
static void test_equota_holds_one_recipient(void **state) {
  (void)state;
  full_share("cl-equota",
             "envelope_max = 128K\nspool_recipient_bytes = 1M\nspool_sender_share = 25\n",
             RP_EQUOTA);
}

/* m1's whole quota is full: ESPOOLFULL, the same way. */
static void test_espoolfull_holds_one_recipient(void **state) {
  (void)state;
  full_share("cl-spoolfull",
             "envelope_max = 128K\nspool_recipient_bytes = 1M\nspool_sender_share = 100\n",
             RP_ESPOOLFULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_equota_holds_one_recipient),
      cmocka_unit_test(test_espoolfull_holds_one_recipient),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
