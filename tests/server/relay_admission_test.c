/* SPDX-License-Identifier: MIT */
/*
 * Who gets a connection slot (PROTOCOL.md 4.3): a connection is pending until its first
 * transport message decrypts. Replays of a member's message 1 never count as, replace
 * or push out the member; connections that never finish the handshake have their own
 * budget (in all and per source address), where a new one closes the oldest; and each
 * member has a small pool of its own for connections that named its key and have not
 * proved it. Each limit is gone one past.
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

#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102"};

static void start(tp_relay *f, const char *limits) {
  assert_int_equal(tp_relay_init(f, "relay-admission", ids, 3, limits), 0);
  assert_int_equal(tp_relay_start(f), 0);
}

static void stop(tp_relay *f) {
  assert_int_equal(tp_relay_stop(f, SIGTERM, 10000), 0);
  tp_relay_free(f);
}

/* Connect as `id`, keeping message 1, read WELCOME and prove the key with RECEIVE. */
static void connect_recording(tp_relay *f, tp_peer *p, const char *id, uint8_t **msg1,
                              size_t *msg1_len) {
  rp__tmsg m;
  assert_int_equal(tp_connect_ex(p, f->port, tp_member(f, id), f->relay->pub.transport_pk,
                                 5000, msg1, msg1_len),
                   0);
  assert_int_equal(tp_recv(p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_WELCOME);
  assert_int_equal(tp_receive(p, 8), 0);
}

/* A raw socket that replays message 1 and gets the relay's answer (message 2 and the
 * WELCOME frame), which it cannot read. */
static int replay(tp_relay *f, const uint8_t *msg1, size_t len) {
  uint8_t answer[50], welcome[512];
  int fd = tp_tcp_connect(f->port);
  assert_true(fd >= 0);
  assert_int_equal(tp_write_all(fd, msg1, len), 0);
  assert_int_equal(tp_read_exact(fd, answer, sizeof answer, 5000, NULL), 0);
  assert_int_equal(answer[0], 0);
  assert_int_equal(answer[1], 48); /* message 2 */
  assert_int_equal(tp_read_exact(fd, answer, 2, 5000, NULL), 0);
  assert_int_equal(answer[0], 0); /* a WELCOME is far below 256 bytes */
  assert_int_equal(tp_read_exact(fd, welcome, answer[1], 5000, NULL), 0);
  return fd;
}

/* A connection that has begun a handshake and stalls (one byte of a frame): pending at
 * the relay at once (one that sent nothing would wait in the kernel first). */
static int stalled(const char *src, uint16_t port) {
  static const uint8_t one = 0;
  int fd = tp_tcp_connect_from(src, "127.0.0.1", port);
  assert_true(fd >= 0);
  assert_int_equal(tp_write_all(fd, &one, 1), 0);
  return fd;
}

/* Is fd still open (nothing closed it within ms)? */
static int still_open(int fd, int ms) {
  return tp_wait_closed(fd, ms, NULL) == RP_ETIMEDOUT;
}

/* The team sends one envelope to `to`, which gets it and acknowledges it. */
static void team_to(tp_peer *team, tp_peer *to) {
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  assert_int_equal(tp_send_envelope(team, to->member, 0, id), 0);
  assert_int_equal(tp_recv_type(team, RP__T_ACK, &m, 5000, NULL), 0);
  assert_int_equal(tp_recv(to, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_DELIVER); /* not a BYE replaced */
  assert_int_equal(tp_deliver_msg_id(&m, got), 0);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_delivered(to, &m), 0);
}

/* Issue 9, item 2: ten replays of the member's message 1 while it is connected and
 * receiving. Before the fix the fourth one replaced it (BYE replaced). */
static void test_replayed_message1(void **state) {
  tp_relay f;
  tp_peer k, team;
  uint8_t *msg1 = NULL;
  size_t msg1_len = 0;
  int fds[10];
  (void)state;

  start(&f, "handshake_timeout = 2s\n");
  connect_recording(&f, &k, "k101", &msg1, &msg1_len);
  assert_int_equal(tp_relay_connect(&f, &team, "team"), 0);
  team_to(&team, &k);
  for (int i = 0; i < 10; i++) {
    fds[i] = replay(&f, msg1, msg1_len);
    team_to(&team, &k);
  }
  /* The replays never prove the key: each is closed at the deadline, silently. */
  for (int i = 0; i < 10; i++) {
    size_t extra = 1;
    assert_int_equal(tp_wait_closed(fds[i], 10000, &extra), 0);
    assert_int_equal(extra, 0);
    close(fds[i]);
  }
  team_to(&team, &k);
  assert_int_equal(tp_relay_log_count(&f, "conn_replaced"), 0);
  /* Eight wait in k101's pool (the default) and meet the deadline; the two oldest were
   * pushed out of the pool by the last two. */
  assert_int_equal(tp_relay_log_count(&f, "why=no_proof"), 8);
  free(msg1);
  tp_close(&k);
  tp_close(&team);
  stop(&f);
}

/* A client that completes the handshake and then sends nothing is closed at the
 * handshake deadline without a word: it never became its member's connection. */
static void test_no_proof(void **state) {
  tp_relay f;
  tp_peer p, team;
  rp__tmsg m;
  size_t extra = 1;
  uint64_t active = 9;
  (void)state;

  start(&f, "handshake_timeout = 1s\n");
  assert_int_equal(tp_relay_connect(&f, &team, "team"), 0);
  assert_int_equal(tp_connect_ex(&p, f.port, tp_member(&f, "k101"),
                                 f.relay->pub.transport_pk, 5000, NULL, NULL),
                   0);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_WELCOME);
  assert_int_equal(tp_relay_counter(&f, "connections.proving", &active), 0);
  assert_int_equal(active, 1);
  assert_int_equal(tp_relay_counter(&f, "connections.active", &active), 0);
  assert_int_equal(active, 1); /* the team only */
  assert_int_equal(tp_wait_closed(p.fd, 10000, &extra), 0);
  assert_int_equal(extra, 0);
  tp_close(&p);
  assert_int_equal(tp_relay_wait_log(&f, "handshake_timeout", 5000, 1), 0);
  tp_close(&team);
  stop(&f);
}

/* limits.max_pending, one past: the oldest pending connection is closed, not the new
 * one; and a member still gets in through a flood three times the budget. */
static void test_max_pending(void **state) {
  tp_relay f;
  tp_peer p;
  int fds[4], flood[12], extra;
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  start(&f, "max_pending = 4\nmax_pending_per_address = 4\nhandshake_timeout = 30s\n");
  for (int i = 0; i < 4; i++)
    fds[i] = stalled("127.0.0.1", f.port);
  assert_int_equal(tp_relay_wait_log(&f, "conn_open conn=4 ", 5000, 0), 0);
  extra = stalled("127.0.0.2", f.port);
  assert_int_equal(tp_wait_closed(fds[0], 5000, NULL), 0);
  for (int i = 1; i < 4; i++)
    assert_true(still_open(fds[i], 100));
  assert_true(still_open(extra, 100));
  assert_int_equal(tp_relay_wait_log(&f, "pending_evicted", 5000, 1), 0);
  /* A flood of three budgets, then a member: it gets in and works. */
  for (int i = 0; i < 12; i++)
    flood[i] = stalled("127.0.0.1", f.port);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(tp_send_envelope(&p, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&p, RP__T_ACK, &m, 5000, NULL), 0);
  tp_close(&p);
  for (int i = 0; i < 4; i++)
    close(fds[i]);
  for (int i = 0; i < 12; i++)
    close(flood[i]);
  close(extra);
  stop(&f);
}

/* limits.max_pending_per_address, one past: the oldest from the same address goes;
 * another address's connections are not touched. */
static void test_max_pending_per_address(void **state) {
  tp_relay f;
  int a[4], b;
  (void)state;

  start(&f, "max_pending = 100\nmax_pending_per_address = 3\nhandshake_timeout = 30s\n");
  for (int i = 0; i < 3; i++)
    a[i] = stalled("127.0.0.2", f.port);
  assert_int_equal(tp_relay_wait_log(&f, "conn_open conn=3 ", 5000, 0), 0);
  /* Another address does not count against 127.0.0.2's budget. */
  b = stalled("127.0.0.3", f.port);
  assert_int_equal(tp_relay_wait_log(&f, "conn_open conn=4 ", 5000, 0), 0);
  for (int i = 0; i < 3; i++)
    assert_true(still_open(a[i], 100));
  /* One past from 127.0.0.2: its oldest is closed. */
  a[3] = stalled("127.0.0.2", f.port);
  assert_int_equal(tp_wait_closed(a[0], 5000, NULL), 0);
  for (int i = 1; i < 4; i++)
    assert_true(still_open(a[i], 100));
  assert_true(still_open(b, 100));
  for (int i = 0; i < 4; i++)
    close(a[i]);
  close(b);
  stop(&f);
}

/* limits.max_proving_per_member, one past: the member's own pool gives up its oldest
 * connection; the member's real connections are not touched, and a real new
 * connection still gets in (it proves its key at once). */
static void test_max_proving_per_member(void **state) {
  tp_relay f;
  tp_peer k, k2, team;
  uint8_t *msg1 = NULL;
  size_t msg1_len = 0;
  int r[3];
  (void)state;

  start(&f, "max_proving_per_member = 2\nhandshake_timeout = 30s\n");
  connect_recording(&f, &k, "k101", &msg1, &msg1_len);
  assert_int_equal(tp_relay_connect(&f, &team, "team"), 0);
  r[0] = replay(&f, msg1, msg1_len);
  r[1] = replay(&f, msg1, msg1_len);
  assert_true(still_open(r[0], 100));
  r[2] = replay(&f, msg1, msg1_len);
  assert_int_equal(tp_wait_closed(r[0], 5000, NULL), 0);
  assert_true(still_open(r[1], 100));
  assert_true(still_open(r[2], 100));
  /* Another member's key is not affected by k101's pool being full. */
  assert_int_equal(tp_relay_connect(&f, &k2, "k102"), 0);
  tp_close(&k2);
  /* The real member, again: it pushes a replay out and proves its key. */
  assert_int_equal(tp_relay_connect(&f, &k2, "k101"), 0);
  assert_int_equal(tp_wait_closed(r[1], 5000, NULL), 0);
  team_to(&team, &k);
  assert_int_equal(tp_relay_log_count(&f, "conn_replaced"), 0);
  for (int i = 0; i < 3; i++)
    close(r[i]);
  free(msg1);
  tp_close(&k);
  tp_close(&k2);
  tp_close(&team);
  stop(&f);
}

/* The relay fills up between a member's WELCOME and its proof: the proof is answered
 * with BYE busy and not acted on (PROTOCOL.md 4.3). */
static void test_busy_at_proof(void **state) {
  tp_relay f;
  tp_peer p, k;
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  start(&f, "max_connections = 1\nmax_connections_per_member = 1\n");
  assert_int_equal(tp_connect_ex(&p, f.port, tp_member(&f, "k102"),
                                 f.relay->pub.transport_pk, 5000, NULL, NULL),
                   0);
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_WELCOME);
  assert_int_equal(tp_relay_connect(&f, &k, "k101"), 0); /* proves at once: the one slot */
  assert_int_equal(tp_send_envelope(&p, "team", 0, id), 0); /* k102's proof */
  assert_int_equal(tp_recv(&p, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_BYE);
  assert_int_equal(m.u.bye.reason, RP__BYE_BUSY);
  assert_int_equal(m.u.bye.code, (uint64_t)-RP_EBUSY);
  assert_int_equal(tp_wait_closed(p.fd, 5000, NULL), 0);
  tp_close(&p);
  /* Not acted on: nothing was stored; the member in the slot works. */
  assert_int_equal(tp_send_envelope(&k, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&k, RP__T_ACK, &m, 5000, NULL), 0);
  assert_int_equal(tp_relay_log_count(&f, "send_done"), 1);
  tp_close(&k);
  stop(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replayed_message1),
      cmocka_unit_test(test_no_proof),
      cmocka_unit_test(test_max_pending),
      cmocka_unit_test(test_max_pending_per_address),
      cmocka_unit_test(test_max_proving_per_member),
      cmocka_unit_test(test_busy_at_proof),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
