/* SPDX-License-Identifier: MIT */
/*
 * Deletion is real on the relay's disk: once an envelope is delivered, a unique slice
 * of its ciphertext must be gone from every file in the relay's state folder (the
 * spool, its -wal and -shm, the log) within 5 s: when the relay is idle afterwards,
 * while it keeps working, and after a kill -9 and a restart. Each case prints how long
 * the bytes stayed (measured here, asserted only against the 5 s bound).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "envelope_hdr.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101", "k102"};

#define MARK 32u
#define BOUND_MS 5000u

/* Receive until the envelope `id` arrives; acknowledge everything. */
static void deliver(tp_peer *t, const uint8_t id[RP_MSG_ID_BYTES]) {
  uint8_t got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  for (;;) {
    assert_int_equal(tp_recv_type(t, RP__T_DELIVER, &m, 5000, NULL), 0);
    assert_int_equal(tp_deliver_msg_id(&m, got), 0);
    assert_int_equal(tp_delivered(t, &m), 0);
    if (memcmp(got, id, RP_MSG_ID_BYTES) == 0) return;
  }
}

/* Waits until the relay logs the delete of `id` as committed. */
static void wait_deleted(tp_relay *f, const uint8_t id[RP_MSG_ID_BYTES]) {
  char hex[2 * RP_MSG_ID_BYTES + 1], needle[64];
  sodium_bin2hex(hex, sizeof hex, id, RP_MSG_ID_BYTES);
  snprintf(needle, sizeof needle, "delivered msg_id=%s", hex);
  assert_int_equal(tp_relay_wait_log(f, needle, 5000, 1), 0);
}

/* Under load: a window of envelopes sent back to back from s to t, then all of them
 * acked and delivered; returns how many. */
static unsigned burst(tp_peer *s, tp_peer *t) {
  enum { N = 32 };
  uint8_t id[RP_MSG_ID_BYTES];
  unsigned acked = 0, delivered = 0;
  rp__tmsg m;
  for (int i = 0; i < N; i++)
    assert_int_equal(tp_send_envelope(s, t->member, 2, id), 0);
  while (acked < N) {
    assert_int_equal(tp_recv(s, &m, 5000), 0);
    if (m.type == RP__T_ACK) acked++;
  }
  while (delivered < N) {
    assert_int_equal(tp_recv_type(t, RP__T_DELIVER, &m, 5000, NULL), 0);
    assert_int_equal(tp_delivered(t, &m), 0);
    delivered++;
  }
  return N;
}

/* Milliseconds until mark is gone from f's folder, polling while s sends to t at full
 * speed (if s is not NULL) or every 50 ms; fails past BOUND_MS. *rate gets the load's
 * envelopes per second. */
static uint64_t gone_after(tp_relay *f, const uint8_t mark[MARK], tp_peer *s, tp_peer *t,
                           unsigned *rate) {
  uint64_t t0 = rp__clock_mono_ms(), now, n = 0;
  while (tu_dir_holds(f->dir, mark, MARK)) {
    now = rp__clock_mono_ms();
    if (now - t0 > BOUND_MS)
      fail_msg("ciphertext still on disk after %llu ms", (unsigned long long)(now - t0));
    if (s != NULL)
      n += burst(s, t);
    else
      usleep(50000);
  }
  now = rp__clock_mono_ms();
  if (rate != NULL) *rate = now > t0 ? (unsigned)(n * 1000u / (now - t0)) : 0;
  return now - t0;
}

static void test_deleted_on_disk(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t id[RP_MSG_ID_BYTES], mark[MARK];
  uint64_t idle_ms, load_ms, kill_ms;
  unsigned rate = 0;
  int on_disk_after_kill;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-erase", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  /* Idle: one envelope, delivered, then nothing. The scan sees it while stored. */
  assert_int_equal(tp_send_marked(&s, "team", id, mark, MARK), 0);
  assert_int_equal(tu_dir_holds(f.dir, mark, MARK), 1);
  assert_int_equal(tp_receive(&t, 64), 0);
  deliver(&t, id);
  wait_deleted(&f, id);
  idle_ms = gone_after(&f, mark, NULL, NULL, NULL);
  /* Under load: the relay keeps storing and deleting other envelopes meanwhile. */
  for (int i = 0; i < 10; i++)
    burst(&s, &t);
  assert_int_equal(tp_send_marked(&s, "team", id, mark, MARK), 0);
  deliver(&t, id);
  wait_deleted(&f, id);
  load_ms = gone_after(&f, mark, &s, &t, &rate);
  /* Killed right after the delete committed, restarted, then idle. */
  assert_int_equal(tp_send_marked(&s, "team", id, mark, MARK), 0);
  deliver(&t, id);
  wait_deleted(&f, id);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  on_disk_after_kill = tu_dir_holds(f.dir, mark, MARK);
  assert_int_equal(tp_relay_start(&f), 0);
  kill_ms = gone_after(&f, mark, NULL, NULL, NULL);
  printf("# ciphertext gone from the state folder %llu ms after the delete committed "
         "(idle), %llu ms (under load, %u envelopes/s of 4 KiB), %llu ms after the "
         "restart that followed a kill -9 (still on disk after the kill: %s)\n",
         (unsigned long long)idle_ms, (unsigned long long)load_ms, rate,
         (unsigned long long)kill_ms, on_disk_after_kill ? "yes" : "no");
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deleted_on_disk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
