/* SPDX-License-Identifier: MIT */
/*
 * The relay's write path, against the real relay process: the frames a connection
 * queues during one loop iteration go out together, once per iteration (conn_io.c).
 * What that must not break: a frame queued from a timer (the relay's PING) still goes
 * out at once, not when the next socket event happens to wake the loop; a burst of
 * pipelined SENDs gets every ACK and every DELIVER, in order, with the write-queue
 * counters back at zero afterwards; and a BYE still arrives before the connection
 * closes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "envelope_hdr.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101"};

static void receive(tp_peer *p, uint64_t window) {
  assert_int_equal(tp_receive(p, window), 0);
}

static void deliver_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]) {
  assert_int_equal(tp_deliver_msg_id(m, id), 0);
}

static void delivered(tp_peer *p, const rp__tmsg *d) {
  assert_int_equal(tp_delivered(p, d), 0);
}

/* The value of counter `name` from a fresh SIGUSR1 dump in the log. */
static uint64_t counter(tp_relay *f, const char *name) {
  uint64_t v = 0;
  assert_int_equal(tp_relay_counter(f, name, &v), 0);
  return v;
}

/* A silent client that answers PINGs stays connected past the idle timeout. The PING is
 * queued from the connection's timer, outside the poll phase: if it waited for the next
 * socket event, the next event would be the idle timeout itself, and the client would
 * get PING and BYE "idle" together at 2.5 s. */
static void test_ping_from_timer(void **state) {
  tp_relay f;
  tp_peer a;
  uint8_t id[RP_MSG_ID_BYTES];
  uint64_t t0;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-io-ping", ids, 2,
                                 "ping_interval = 1s\nidle_timeout = 2500ms\n"),
                   0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  t0 = rp__clock_mono_ms();
  /* tp_recv answers PINGs and skips them; anything else (a BYE) would come back. */
  assert_int_equal(tp_recv(&a, &m, 6000), RP_ETIMEDOUT);
  assert_true(rp__clock_mono_ms() - t0 >= 5000);
  assert_int_equal(tp_relay_log_count(&f, "reason=idle"), 0);
  /* Still open and working. */
  assert_int_equal(tp_send_envelope(&a, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&a, RP__T_ACK, &m, 10000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* N SENDs written back to back, before reading anything: the relay reads many per
 * read and answers many per commit, so its writes carry many frames each. */
static void test_pipelined_burst(void **state) {
  enum { N = 600 };
  tp_relay f;
  tp_peer a, t;
  uint8_t(*id)[RP_MSG_ID_BYTES] = calloc(N, RP_MSG_ID_BYTES), got[RP_MSG_ID_BYTES];
  unsigned char *acked = calloc(N, 1);
  int nacked = 0, k;
  rp__tmsg m;
  (void)state;

  assert_non_null(id);
  assert_non_null(acked);
  assert_int_equal(tp_relay_init(&f, "relay-io-burst", ids, 2, "window = 1024\n"), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 1024);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  for (int i = 0; i < N; i++)
    assert_int_equal(tp_send_envelope(&a, "team", 0, id[i]), 0);
  /* Every SEND is acked exactly once (group commits may answer out of send order). */
  while (nacked < N) {
    assert_int_equal(tp_recv_type(&a, RP__T_ACK, &m, 10000, NULL), 0);
    for (k = 0; k < N && memcmp(id[k], m.u.ack.msg_id, RP_MSG_ID_BYTES) != 0; k++) {
    }
    assert_true(k < N);
    assert_false(acked[k]);
    acked[k] = 1;
    nacked++;
  }
  /* Every envelope is delivered once, in send order. */
  for (int i = 0; i < N; i++) {
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 10000, NULL), 0);
    deliver_id(&m, got);
    assert_memory_equal(got, id[i], RP_MSG_ID_BYTES);
    delivered(&t, &m);
  }
  /* Nothing more is pending, and the queue counts came back down to zero. */
  assert_int_equal(tp_recv(&t, &m, 300), RP_ETIMEDOUT);
  assert_int_equal(counter(&f, "write_queue.bytes"), 0);
  assert_true(counter(&f, "write_queue.peak") > 0);
  tp_close(&t);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
  free(acked);
  free(id);
}

/* A BYE queued in the same iteration as the close goes out before the FIN: the peer
 * reads BYE "shutdown", then end of stream. */
static void test_bye_before_close(void **state) {
  tp_relay f;
  tp_peer a;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-io-bye", ids, 2, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  tp_relay_signal(&f, SIGTERM);
  assert_int_equal(tp_recv(&a, &m, 10000), 0);
  assert_int_equal(m.type, RP__T_BYE);
  assert_int_equal(m.u.bye.reason, RP__BYE_SHUTDOWN);
  assert_int_equal(tp_recv(&a, &m, 10000), RP_ECLOSED);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ping_from_timer),
      cmocka_unit_test(test_pipelined_burst),
      cmocka_unit_test(test_bye_before_close),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
