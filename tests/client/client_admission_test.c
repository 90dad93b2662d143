/* SPDX-License-Identifier: MIT */
/*
 * The client against the relay's admission rules (PROTOCOL.md 4.3): it proves its key
 * with a transport message at once after WELCOME, even with nothing to do, so that the
 * relay counts the connection as the member's; a relay that is full says BYE busy
 * before WELCOME, which the client reports as RP_EBUSY and retries with backoff.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "cl_hostile.h"

static int wait_state(rp_client *c, int want, int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  while (rp__clock_mono_ms() < end) {
    if (rp_client_conn_state(c) == want) return 0;
    usleep(10000);
  }
  return RP_ETIMEDOUT;
}

/* A send-only client with nothing queued and a current roster has no work after
 * WELCOME; it must speak all the same (PING), or the relay closes it as unproved at
 * its handshake deadline and it reconnects for ever. */
static void test_idle_send_only_proves_key(void **state) {
  tp_relay f;
  rp_config *cfg;
  rp_client *muni = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN];
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cl-proof", (const char *const[]){CL_TEAM, CL_MUNI}, 2,
                                 "handshake_timeout = 300ms\n"),
                   0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  assert_int_equal(rp_config_set_receive(cfg, 0), 0);
  assert_int_equal(rp_client_new(cfg, &muni), 0);
  rp_config_free(cfg);
  assert_int_equal(wait_state(muni, RP_CONN_CONNECTED, 5000), 0);
  assert_int_equal(tp_relay_wait_log(&f, "conn_proven", 5000, 1), 0);
  /* Well past the relay's deadline: still the one connection, nothing lost. */
  usleep(1500000);
  assert_int_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);
  assert_int_equal(rp_client_last_error(muni), 0);
  assert_int_equal(cl_relay_auths(&f, CL_MUNI), 1);
  assert_int_equal(tp_relay_log_count(&f, "handshake_timeout"), 0);
  /* And it works: a request goes out on that connection. */
  assert_non_null(m = cl_request("Efter en stille start"));
  assert_int_equal(rp_msg_set_text(m, "sender_org", ""), 0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(rp_client_flush(muni, 5000), 0);
  assert_int_equal(cl_relay_auths(&f, CL_MUNI), 1);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* The relay holds as many members' connections as it may: BYE busy instead of WELCOME.
 * The client says RP_EBUSY, keeps retrying, and gets in once there is room. */
static void test_relay_busy(void **state) {
  tp_relay f;
  tp_peer peer;
  rp_client *team;
  uint64_t end;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cl-busy", (const char *const[]){CL_TEAM, CL_MUNI}, 2,
                                 "max_connections = 1\nmax_connections_per_member = 1\n"),
                   0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &peer, CL_MUNI), 0); /* proves its key: full */
  assert_int_equal(tp_relay_wait_log(&f, "conn_proven", 5000, 1), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  end = rp__clock_mono_ms() + 5000;
  while (rp_client_last_error(team) != RP_EBUSY && rp__clock_mono_ms() < end)
    usleep(5000);
  assert_int_equal(rp_client_last_error(team), RP_EBUSY);
  assert_int_not_equal(rp_client_conn_state(team), RP_CONN_CONNECTED);
  assert_int_equal(tp_relay_wait_log(&f, "conn_busy", 5000, 1), 0);
  /* It retries (with backoff), and is in once the other connection is gone. */
  tp_close(&peer);
  assert_int_equal(wait_state(team, RP_CONN_CONNECTED, 10000), 0);
  assert_int_equal(rp_client_last_error(team), 0);
  rp_client_free(team);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idle_send_only_proves_key),
      cmocka_unit_test(test_relay_busy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
