/* SPDX-License-Identifier: MIT */
/*
 * Durability: the relay is killed with SIGKILL in the middle of a stream of SENDs while
 * the recipient is receiving and acknowledging. After a restart every envelope that was
 * acked to the sender reaches the recipient (the test peer deduplicates by msg_id, as a
 * real client does, and counts distinct ids). Also: a restart between ack and delivery.
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

#include "envelope_hdr.h"
#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

#define MAXN 4096
#define INFLIGHT 16
#define KILL_AFTER 300

typedef struct idset {
  uint8_t (*v)[RP_MSG_ID_BYTES];
  size_t n;
} idset;

static int idset_has(const idset *s, const uint8_t id[RP_MSG_ID_BYTES]) {
  for (size_t i = 0; i < s->n; i++)
    if (memcmp(s->v[i], id, RP_MSG_ID_BYTES) == 0) return 1;
  return 0;
}

/* Add if new; 1 if it was new. */
static int idset_add(idset *s, const uint8_t id[RP_MSG_ID_BYTES]) {
  if (idset_has(s, id)) return 0;
  assert_true(s->n < MAXN);
  memcpy(s->v[s->n++], id, RP_MSG_ID_BYTES);
  return 1;
}

static void receive(tp_peer *p, uint64_t window) {
  assert_int_equal(tp_receive(p, window), 0);
}

/* Handle one DELIVER: record its id (deduplicated) and acknowledge it. Errors writing
 * the acknowledgement are ignored: the relay may be dead. Returns 1 if it was new. */
static int take(tp_peer *p, const rp__tmsg *d, idset *got) {
  rp__envcont c;
  rp__envhdr h;
  rp__tmsg m;
  assert_int_equal(d->type, RP__T_DELIVER);
  assert_int_equal(rp__envhdr_container_parse(d->u.deliver.envelope.p,
                                              d->u.deliver.envelope.n, &c, &h, NULL),
                   0);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memcpy(m.u.delivered.msg_id, h.msg_id, RP_MSG_ID_BYTES);
  m.u.delivered.seq = d->u.deliver.seq;
  (void)tp_send(p, &m);
  return idset_add(got, h.msg_id);
}

/* Drain p of deliveries until `quiet_ms` pass without one. */
static size_t drain(tp_peer *p, idset *got, int quiet_ms, size_t *dups) {
  size_t n = 0;
  rp__tmsg m;
  while (tp_recv(p, &m, quiet_ms) == 0) {
    if (m.type != RP__T_DELIVER) continue;
    if (take(p, &m, got))
      n++;
    else
      (*dups)++;
  }
  return n;
}

static void test_sigkill_mid_stream(void **state) {
  tp_relay f;
  tp_peer s, t;
  idset acked = {calloc(MAXN, RP_MSG_ID_BYTES), 0};
  idset got = {calloc(MAXN, RP_MSG_ID_BYTES), 0};
  uint8_t id[RP_MSG_ID_BYTES];
  size_t sent = 0, inflight = 0, dups = 0, before;
  int killed = 0, sender_open = 1;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-crash", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  /* The team writes to two municipalities (the only route from the team). */
  assert_int_equal(tp_relay_connect(&f, &t, "k101"), 0);
  receive(&t, 16);
  assert_int_equal(tp_relay_connect(&f, &s, "team"), 0);

  while (sender_open) {
    while (!killed && inflight < INFLIGHT && sent < MAXN) {
      /* Every other envelope goes to k102, which is offline until after the restart,
       * so those can only come from the disk. */
      if (tp_send_envelope(&s, sent % 2 == 0 ? "k101" : "k102", 0, id) != 0) break;
      sent++;
      inflight++;
    }
    /* Answers (and, after the kill, whatever was still in the socket). */
    for (;;) {
      int rc = tp_recv(&s, &m, killed ? 2000 : 1);
      if (rc == RP_ETIMEDOUT && !killed) break;
      if (rc != 0) {
        sender_open = 0;
        break;
      }
      if (m.type == RP__T_ACK) {
        idset_add(&acked, m.u.ack.msg_id);
        inflight--;
      } else if (m.type == RP__T_NACK) {
        inflight--;
      }
    }
    /* The recipient takes what comes meanwhile and acknowledges it. */
    while (!killed && tp_recv(&t, &m, 0) == 0)
      if (m.type == RP__T_DELIVER) take(&t, &m, &got);
    if (!killed && acked.n >= KILL_AFTER) {
      tp_relay_signal(&f, SIGKILL);
      killed = 1;
    }
  }
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  drain(&t, &got, 200, &dups);
  tp_close(&t);
  tp_close(&s);
  before = got.n;

  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "k101"), 0);
  receive(&t, 32);
  drain(&t, &got, 500, &dups);
  tp_close(&t);
  assert_int_equal(tp_relay_connect(&f, &t, "k102"), 0);
  receive(&t, 32);
  drain(&t, &got, 500, &dups);
  for (size_t i = 0; i < acked.n; i++)
    assert_true(idset_has(&got, acked.v[i]));
  printf("# sent %zu, acked %zu; delivered %zu distinct before the kill, %zu after the "
         "restart, %zu duplicates removed by msg_id\n",
         sent, acked.n, before, got.n - before, dups);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
  free(acked.v);
  free(got.v);
}

static void test_restart_between_ack_and_delivery(void **state) {
  tp_relay f;
  tp_peer s, t;
  idset got = {calloc(MAXN, RP_MSG_ID_BYTES), 0};
  uint8_t sent[10][RP_MSG_ID_BYTES];
  size_t dups = 0;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-crash", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &s, "k101"), 0);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(tp_send_envelope(&s, "team", (unsigned)(i % 3), sent[i]), 0);
    assert_int_equal(tp_recv_type(&s, RP__T_ACK, &m, 5000, NULL), 0);
  }
  tp_close(&s);
  /* Half the restarts clean, half killed: acked means on disk either way. */
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 4);
  /* In order, exactly once each (no crash happened while delivering). */
  for (int i = 0; i < 10; i++) {
    rp__envcont c;
    rp__envhdr h;
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
    assert_int_equal(rp__envhdr_container_parse(m.u.deliver.envelope.p,
                                                m.u.deliver.envelope.n, &c, &h, NULL),
                     0);
    assert_memory_equal(h.msg_id, sent[i], RP_MSG_ID_BYTES);
    take(&t, &m, &got);
  }
  assert_int_equal(drain(&t, &got, 300, &dups), 0);
  assert_int_equal(dups, 0);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
  free(got.v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sigkill_mid_stream),
      cmocka_unit_test(test_restart_between_ack_and_delivery),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
