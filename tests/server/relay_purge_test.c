/* SPDX-License-Identifier: MIT */
/*
 * A sender's purge at the real relay (docs/PROTOCOL.md 5.7): it deletes the sender's own
 * undelivered envelopes that it names, and their bytes leave the relay's files; it never
 * deletes another member's envelope, even by its exact msg_id; its list is capped (256
 * ids pass, 257 close the connection with ETOOBIG), a list of partial ids is EINVAL, and
 * a second purge while the first runs is answered EBUSY.
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

/* Sends a purge of n ids and returns its answer's count; *code gets its code. */
static uint64_t purge(tp_peer *p, const uint8_t *list, size_t n, uint64_t *code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PURGE;
  m.u.purge.ids = (rp__bin){list, (uint32_t)(n * RP_MSG_ID_BYTES)};
  assert_int_equal(tp_send(p, &m), 0);
  assert_int_equal(tp_recv_type(p, RP__T_PURGED, &m, 5000, NULL), 0);
  *code = m.u.purged.code;
  return m.u.purged.purged;
}

static void bye_then_closed(tp_peer *p, int code) {
  rp__tmsg m;
  assert_int_equal(tp_recv_type(p, RP__T_BYE, &m, 5000, NULL), 0);
  assert_int_equal(m.u.bye.reason, RP__BYE_ERROR);
  assert_int_equal(m.u.bye.code, (uint64_t)-code);
  assert_int_equal(tp_wait_closed(p->fd, 5000, NULL), 0);
}

/* The msgpack of a purge whose ids field is n bytes of random ids (a bin16 header). */
static size_t raw_purge(uint8_t *out, size_t n) {
  static const uint8_t head[] = {
      0x00 /* frame flags: one whole message */, 0x83, 0x00, 0x01, 0x01, 0x12, 0x02, 0xc5};
  memcpy(out, head, sizeof head);
  out[sizeof head] = (uint8_t)(n >> 8);
  out[sizeof head + 1] = (uint8_t)n;
  randombytes_buf(out + sizeof head + 2, n);
  return sizeof head + 2 + n;
}

static void test_own_envelopes_only(void **state) {
  tp_relay f;
  tp_peer a, b, t;
  uint8_t mine[RP_MSG_ID_BYTES], theirs[RP_MSG_ID_BYTES], list[3 * RP_MSG_ID_BYTES];
  uint8_t mark_mine[MARK], mark_theirs[MARK], got[RP_MSG_ID_BYTES];
  uint64_t code = 99, n, t0, gone_ms;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-purge", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &b, "k102"), 0);
  /* The relay announces purges, and how many ids one may name. */
  assert_int_equal(a.welcome.u.welcome.purge_max, RP__PURGE_IDS_MAX);
  assert_int_equal(tp_send_marked(&a, "team", mine, mark_mine, MARK), 0);
  assert_int_equal(tp_send_marked(&b, "team", theirs, mark_theirs, MARK), 0);
  assert_int_equal(tu_dir_holds(f.dir, mark_mine, MARK), 1);

  /* k102 names k101's envelope (and its own msg_id twice over as a stranger would
   * not): nothing of k101's goes, and the answer does not say it exists. */
  n = purge(&b, mine, 1, &code);
  assert_int_equal(code, 0);
  assert_int_equal(n, 0);
  /* k101 names its own, another member's and an unknown id: only its own goes. */
  memcpy(list, theirs, RP_MSG_ID_BYTES);
  memcpy(list + RP_MSG_ID_BYTES, mine, RP_MSG_ID_BYTES);
  randombytes_buf(list + 2 * RP_MSG_ID_BYTES, RP_MSG_ID_BYTES);
  n = purge(&a, list, 3, &code);
  assert_int_equal(code, 0);
  assert_int_equal(n, 1);
  assert_int_equal(tp_relay_counter(&f, "envelopes.purged", &n), 0);
  assert_int_equal(n, 1);
  /* Its bytes leave the relay's files (secure_delete and the checkpoint after deletes). */
  t0 = rp__clock_mono_ms();
  while (tu_dir_holds(f.dir, mark_mine, MARK)) {
    if (rp__clock_mono_ms() - t0 > 5000) fail_msg("purged ciphertext still on disk");
    usleep(50000);
  }
  gone_ms = rp__clock_mono_ms() - t0;
  /* The team gets k102's envelope, and only it. */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 16), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
  assert_int_equal(tp_deliver_msg_id(&m, got), 0);
  assert_memory_equal(got, theirs, RP_MSG_ID_BYTES);
  assert_int_equal(tp_delivered(&t, &m), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 800, NULL), RP_ETIMEDOUT);
  /* Purging again is harmless: nothing left to purge. */
  n = purge(&a, mine, 1, &code);
  assert_int_equal(code, 0);
  assert_int_equal(n, 0);
  printf("# purged envelope's ciphertext gone from the relay's files %llu ms after the "
         "purged answer\n",
         (unsigned long long)gone_ms);
  tp_close(&a);
  tp_close(&b);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void test_caps_and_refusals(void **state) {
  static uint8_t list[RP__PURGE_IDS_MAX * RP_MSG_ID_BYTES], pt[8192], wire[2 * 8192];
  tp_relay f;
  tp_peer p;
  uint64_t code = 99, n;
  size_t len, w1 = 0, w2 = 0;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-purge-caps", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  /* Exactly the cap: accepted, nothing of ours among them. */
  randombytes_buf(list, sizeof list);
  n = purge(&p, list, RP__PURGE_IDS_MAX, &code);
  assert_int_equal(code, 0);
  assert_int_equal(n, 0);
  /* Two purges in one write: the second arrives while the first is in the spool. */
  {
    rp__tmsg m;
    len = raw_purge(pt, RP__PURGE_IDS_MAX * RP_MSG_ID_BYTES);
    assert_int_equal(tp_seal_frame(&p, pt, len, wire, sizeof wire, &w1), 0);
    assert_int_equal(tp_seal_frame(&p, pt, len, wire + w1, sizeof wire - w1, &w2), 0);
    assert_int_equal(tp_write_all(p.fd, wire, w1 + w2), 0);
    assert_int_equal(tp_recv_type(&p, RP__T_PURGED, &m, 5000, NULL), 0);
    assert_int_equal(m.u.purged.code, (uint64_t)-RP_EBUSY); /* answered at once */
    assert_int_equal(tp_recv_type(&p, RP__T_PURGED, &m, 5000, NULL), 0);
    assert_int_equal(m.u.purged.code, 0);
  }
  /* One past the cap: the decoder refuses it, BYE error ETOOBIG. */
  len = raw_purge(pt, (RP__PURGE_IDS_MAX + 1) * RP_MSG_ID_BYTES);
  assert_int_equal(tp_send_frame_pt(&p, pt, len), 0);
  bye_then_closed(&p, RP_ETOOBIG);
  tp_close(&p);
  /* A partial id: EINVAL. */
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  len = raw_purge(pt, RP_MSG_ID_BYTES + 1);
  assert_int_equal(tp_send_frame_pt(&p, pt, len), 0);
  bye_then_closed(&p, RP_EINVAL);
  tp_close(&p);
  /* The relay goes on. */
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  n = purge(&p, list, 1, &code);
  assert_int_equal(code, 0);
  tp_close(&p);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_own_envelopes_only),
      cmocka_unit_test(test_caps_and_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
