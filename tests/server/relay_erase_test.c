/* SPDX-License-Identifier: MIT */
/*
 * Deletion is real on the relay's disk: once an envelope is delivered, a unique slice
 * of its ciphertext must be gone from every file in the relay's state folder (the
 * spool, its -wal and -shm, the log) within 5 s: when the relay is idle afterwards,
 * while it keeps working, and after a kill -9 and a restart. Each case prints how long
 * the bytes stayed (measured here, asserted only against the 5 s bound).
 */
#include <dirent.h>
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

/* Is the MARK bytes of mark in p[0..len)? */
static int contains(const char *p, size_t len, const uint8_t mark[MARK]) {
  for (size_t i = 0; i + MARK <= len; i++)
    if ((uint8_t)p[i] == mark[0] && memcmp(p + i, mark, MARK) == 0) return 1;
  return 0;
}

/* Is `mark` in any regular file of dir? */
static int in_files(const char *dir, const uint8_t mark[MARK]) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[1024];
  int found = 0;
  assert_non_null(d);
  while (!found && (e = readdir(d)) != NULL) {
    struct stat st;
    size_t len = 0;
    char *text;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if ((text = tu_read_file(path, &len)) == NULL) continue;
    found = contains(text, len, mark);
    free(text);
  }
  closedir(d);
  return found;
}

/* Send an envelope of class 2 (4 KiB: overflow pages in the spool) from p to `to`,
 * keep a slice of its ciphertext in mark, wait for the ACK. */
static void send_marked(tp_peer *p, const char *to, uint8_t id[RP_MSG_ID_BYTES],
                        uint8_t mark[MARK]) {
  uint64_t now = rp__clock_wall_ms();
  uint8_t *env = NULL;
  size_t len = 0;
  rp__envcont c;
  rp__envhdr h;
  rp__tmsg m;
  randombytes_buf(id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_envelope(id, p->member, to, now, now + 3600000u, 2, &env, &len), 0);
  assert_int_equal(rp__envhdr_container_parse(env, len, &c, &h, NULL), 0);
  memcpy(mark, c.ct.p + c.ct.n / 2, MARK);
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  assert_int_equal(tp_send(p, &m), 0);
  free(env);
  assert_int_equal(tp_recv_type(p, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
}

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
  while (in_files(f->dir, mark)) {
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
  send_marked(&s, "team", id, mark);
  assert_true(in_files(f.dir, mark));
  assert_int_equal(tp_receive(&t, 64), 0);
  deliver(&t, id);
  wait_deleted(&f, id);
  idle_ms = gone_after(&f, mark, NULL, NULL, NULL);
  /* Under load: the relay keeps storing and deleting other envelopes meanwhile. */
  for (int i = 0; i < 10; i++)
    burst(&s, &t);
  send_marked(&s, "team", id, mark);
  deliver(&t, id);
  wait_deleted(&f, id);
  load_ms = gone_after(&f, mark, &s, &t, &rate);
  /* Killed right after the delete committed, restarted, then idle. */
  send_marked(&s, "team", id, mark);
  deliver(&t, id);
  wait_deleted(&f, id);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  on_disk_after_kill = in_files(f.dir, mark);
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
