/* SPDX-License-Identifier: MIT */
/*
 * Issue 9, items 1-4 at once, against one relay, while a well-behaved member keeps
 * sending: a peer that refuses every envelope it is delivered, replays of the good
 * member's recorded Noise message 1, a flood of idle sockets from four addresses that
 * are reopened as the relay closes them, and connections that send half a frame and
 * stall (in the handshake and after it). Each attacker is a child process.
 *
 * Asserted: behaviour. Every envelope of the good member is acked and delivered, none
 * twice to its sender's knowledge and none lost; its connection is never replaced and
 * never closed; each envelope sent to the refuser comes back to the team as a refusal.
 * Printed: the good member's send-to-ack before and during the siege (not asserted:
 * speed is measured in bench/, this machine is shared).
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "peer.h"
#include "rejsepost_errors.h"

static const char *const ids[] = {"team", "k101", "k102", "k103"};

#define BEFORE 200    /* sends of the good member before the siege */
#define DURING 20000  /* at most, during it: it lasts SIEGE_MS */
#define SIEGE_MS 6000 /* long enough for the deadlines (2 s, 1 s) to fire many times */
#define TO_REFUSER_EVERY 10
#define FLOOD 200 /* idle sockets kept open by the flood */

/* ---- the attackers (child processes; they never return) ---- */

/* k102 receives and refuses everything (its envelopes do not open, say). */
static void refuser(tp_relay *f) {
  tp_peer p;
  rp__tmsg m;
  if (tp_relay_connect(f, &p, "k102") != 0 || tp_receive(&p, 16) != 0) _exit(1);
  for (;;) {
    int rc = tp_recv(&p, &m, 60000);
    if (rc != 0) _exit(rc == RP_ECLOSED ? 0 : 2);
    if (m.type == RP__T_DELIVER && tp_delivered_refused(&p, &m, (uint64_t)-RP_EAUTH) != 0)
      _exit(3);
  }
}

/* Replays of message 1, each kept open (it cannot go further) until the relay closes
 * it; a dozen at a time, again and again. */
static void replayer(tp_relay *f, const uint8_t *msg1, size_t len) {
  int fds[12];
  for (int i = 0; i < 12; i++)
    fds[i] = -1;
  for (;;) {
    for (int i = 0; i < 12; i++) {
      if (fds[i] >= 0 && tp_wait_closed(fds[i], 0, NULL) == 0) {
        close(fds[i]);
        fds[i] = -1;
      }
      if (fds[i] < 0 && (fds[i] = tp_tcp_connect(f->port)) >= 0)
        (void)tp_write_all(fds[i], msg1, len);
    }
    usleep(50000);
  }
}

/* Sockets from 127.0.0.2-5, reopened as soon as the relay closes them: half of them
 * idle (the kernel holds those for a while, TCP_DEFER_ACCEPT), half sending one byte
 * of a frame and stalling (those reach the relay at once). */
static void flood(tp_relay *f) {
  static struct pollfd pf[FLOOD];
  static const uint8_t one = 0;
  char src[32];
  for (int i = 0; i < FLOOD; i++)
    pf[i].fd = -1;
  for (;;) {
    for (int i = 0; i < FLOOD; i++) {
      if (pf[i].fd >= 0) continue;
      snprintf(src, sizeof src, "127.0.0.%d", 2 + i % 4);
      pf[i].fd = tp_tcp_connect_from(src, "127.0.0.1", f->port);
      pf[i].events = POLLIN;
      if (pf[i].fd >= 0 && i % 2 == 1) (void)tp_write_all(pf[i].fd, &one, 1);
    }
    if (poll(pf, FLOOD, 20) > 0) {
      for (int i = 0; i < FLOOD; i++) {
        if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          close(pf[i].fd);
          pf[i].fd = -1;
        }
      }
    }
  }
}

/* Half frames: half a message 1 on a raw socket, and half a transport frame from an
 * authenticated member (k103), each left to stall until the relay ends it. */
static void stalls(tp_relay *f) {
  static const uint8_t half[12] = {0, 96, 1, 2, 3};
  static const uint8_t big[10] = {0xff, 0xf0, 9, 9, 9};
  tp_peer p;
  int fd;
  for (;;) {
    if ((fd = tp_tcp_connect(f->port)) >= 0) (void)tp_write_all(fd, half, sizeof half);
    if (tp_relay_connect(f, &p, "k103") == 0) {
      (void)tp_write_all(p.fd, big, sizeof big);
      (void)tp_wait_closed(p.fd, 10000, NULL);
      tp_close(&p);
    }
    if (fd >= 0) {
      (void)tp_wait_closed(fd, 10000, NULL);
      close(fd);
    }
  }
}

static pid_t spawn(void (*fn)(tp_relay *), tp_relay *f) {
  pid_t pid;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    /* A test that fails must not leave a flood running behind it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fn(f);
    _exit(0);
  }
  return pid;
}

/* ---- the well-behaved side ---- */

typedef struct books {
  uint8_t (*sent)[RP_MSG_ID_BYTES];
  uint8_t *got;
  size_t n, delivered, duplicates, to_refuser, refusals;
} books;

/* What reaches the team: deliveries (acknowledged, counted once each), refusal notices
 * (acknowledged and counted), ACKs of its own sends to the refuser. Returns once
 * nothing came for `quiet_ms`, or at the first message if `one`. */
static void pump_team(tp_peer *t, books *b, int quiet_ms, int one) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  for (;;) {
    int rc = tp_recv(t, &m, quiet_ms);
    if (rc == RP_ETIMEDOUT) return;
    assert_int_equal(rc, 0);
    if (m.type == RP__T_DELIVER) {
      assert_int_equal(tp_deliver_msg_id(&m, id), 0);
      assert_int_equal(tp_delivered(t, &m), 0);
      for (size_t i = 0; i < b->n; i++) {
        if (memcmp(b->sent[i], id, RP_MSG_ID_BYTES) != 0) continue;
        if (b->got[i])
          b->duplicates++;
        else
          b->delivered++;
        b->got[i] = 1;
      }
    } else if (m.type == RP__T_EXPIRED) {
      assert_int_equal(m.u.expired.refused, (uint64_t)-RP_EAUTH);
      assert_int_equal(tp_delivered(t, &m), 0);
      b->refusals++;
    } else {
      assert_true(m.type == RP__T_ACK || m.type == RP__T_PONG);
    }
    if (one) return;
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Send envelopes one by one from s to the team, `count` of them or as many as fit in
 * ms milliseconds if ms > 0, each timed to its ACK (in microseconds, into us[]); every
 * TO_REFUSER_EVERY-th round the team also writes to the refuser. Returns how many. */
static size_t rounds(tp_peer *s, tp_peer *t, books *b, size_t count, uint64_t ms,
                     uint64_t *us) {
  uint8_t id[RP_MSG_ID_BYTES];
  struct timespec t0, t1;
  uint64_t end = rp__clock_mono_ms() + ms;
  rp__tmsg m;
  size_t i;
  for (i = 0; i < count && (ms == 0 || rp__clock_mono_ms() < end); i++) {
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(tp_send_envelope(s, "team", 0, b->sent[b->n]), 0);
    assert_int_equal(tp_recv(s, &m, 10000), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(m.type, RP__T_ACK); /* never a BYE: never replaced, never closed */
    assert_memory_equal(m.u.ack.msg_id, b->sent[b->n], RP_MSG_ID_BYTES);
    b->n++;
    us[i] = (uint64_t)(((int64_t)t1.tv_sec - t0.tv_sec) * 1000000 +
                       ((int64_t)t1.tv_nsec - t0.tv_nsec) / 1000);
    if (i % TO_REFUSER_EVERY == 0) {
      assert_int_equal(tp_send_envelope(t, "k102", 0, id), 0);
      b->to_refuser++;
    }
    pump_team(t, b, 0, 0);
  }
  return i;
}

static void report(const char *what, uint64_t *us, size_t n) {
  qsort(us, n, sizeof *us, cmp_u64);
  printf("# %s: %zu sends, send-to-ack p50 %llu us, p99 %llu us, max %llu us\n", what, n,
         (unsigned long long)us[n / 2], (unsigned long long)us[n * 99 / 100],
         (unsigned long long)us[n - 1]);
}

static void test_siege(void **state) {
  tp_relay f;
  tp_peer s, t;
  uint8_t *msg1 = NULL;
  size_t msg1_len = 0;
  uint64_t *before = calloc(BEFORE, sizeof *before),
           *during = calloc(DURING, sizeof *during);
  books b = {
      calloc(BEFORE + DURING, RP_MSG_ID_BYTES), calloc(BEFORE + DURING, 1), 0, 0, 0, 0, 0};
  pid_t kids[4];
  size_t n_during;
  rp__tmsg m;
  (void)state;

  assert_int_equal(
      tp_relay_init(&f, "relay-siege", ids, 4,
                    "handshake_timeout = 2s\nframe_timeout = 1s\nmax_pending = 64\n"
                    "max_pending_per_address = 16\n"),
      0);
  assert_int_equal(tp_relay_start(&f), 0);
  /* The good member, with its message 1 recorded (as an eavesdropper would). */
  assert_int_equal(tp_connect_ex(&s, f.port, tp_member(&f, "k101"),
                                 f.relay->pub.transport_pk, 5000, &msg1, &msg1_len),
                   0);
  assert_int_equal(tp_recv(&s, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_WELCOME);
  assert_int_equal(tp_receive(&s, 4), 0); /* its proof; it receives nothing */
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_receive(&t, 32), 0);
  kids[0] = spawn(refuser, &f);
  rounds(&s, &t, &b, BEFORE, 0, before);

  fflush(NULL);
  if ((kids[1] = fork()) == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    replayer(&f, msg1, msg1_len);
    _exit(0);
  }
  kids[2] = spawn(flood, &f);
  kids[3] = spawn(stalls, &f);
  usleep(500000); /* let the siege build up */
  n_during = rounds(&s, &t, &b, DURING, SIEGE_MS, during);
  for (int i = 1; i < 4; i++) {
    kill(kids[i], SIGKILL);
    waitpid(kids[i], NULL, 0);
  }

  /* Everything acked arrives, once; every envelope to the refuser comes back refused. */
  for (int i = 0; i < 100 && (b.delivered < b.n || b.refusals < b.to_refuser); i++)
    pump_team(&t, &b, 100, 1);
  printf("# %zu envelopes acked, %zu delivered, %zu duplicate deliveries; %zu sent to the "
         "refuser, %zu refusals came back\n",
         b.n, b.delivered, b.duplicates, b.to_refuser, b.refusals);
  report("before the siege", before, BEFORE);
  report("during the siege", during, n_during);
  assert_int_equal(b.delivered, b.n);
  assert_int_equal(b.refusals, b.to_refuser);
  assert_int_equal(tp_relay_log_count(&f, "conn_replaced"), 0);
  /* The siege did reach the relay: each kind of attack met its defence. */
  assert_true(tp_relay_log_count(&f, "why=no_proof") +
                  tp_relay_log_count(&f, "reason=proving") >
              0);
  assert_true(tp_relay_log_count(&f, "pending_evicted") > 0);
  assert_true(tp_relay_log_count(&f, "frame_timeout") >= 2);
  assert_true(tp_relay_log_count(&f, "envelope_refused") > 0);
  kill(kids[0], SIGKILL);
  waitpid(kids[0], NULL, 0);
  tp_close(&s);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
  free(msg1);
  free(before);
  free(during);
  free(b.sent);
  free(b.got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_siege),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
