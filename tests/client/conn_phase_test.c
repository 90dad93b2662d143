/* SPDX-License-Identifier: MIT */
/* The connection's phase table (client/conn_phase.c): every legal transition, written
 * out again here, is taken; every other (phase, event) pair is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "conn.h"

typedef struct edge {
  int from, ev, to;
} edge;

/* The whole table, independently of its encoding in conn_phase.c. */
static const edge legal[] = {
    {RP__CONN_PH_IDLE, RP__CONN_EV_RESOLVE, RP__CONN_PH_RESOLVING},
    {RP__CONN_PH_RESOLVING, RP__CONN_EV_RESOLVED, RP__CONN_PH_CONNECTING},
    {RP__CONN_PH_RESOLVING, RP__CONN_EV_UNRESOLVED, RP__CONN_PH_IDLE},
    {RP__CONN_PH_CONNECTING, RP__CONN_EV_HELLO, RP__CONN_PH_HANDSHAKE},
    {RP__CONN_PH_HANDSHAKE, RP__CONN_EV_OPEN, RP__CONN_PH_OPEN},
    {RP__CONN_PH_OPEN, RP__CONN_EV_WELCOME, RP__CONN_PH_READY},
    {RP__CONN_PH_READY, RP__CONN_EV_RECEIVE, RP__CONN_PH_RECEIVING},
    {RP__CONN_PH_CONNECTING, RP__CONN_EV_CLOSE, RP__CONN_PH_CLOSING},
    {RP__CONN_PH_HANDSHAKE, RP__CONN_EV_CLOSE, RP__CONN_PH_CLOSING},
    {RP__CONN_PH_OPEN, RP__CONN_EV_CLOSE, RP__CONN_PH_CLOSING},
    {RP__CONN_PH_READY, RP__CONN_EV_CLOSE, RP__CONN_PH_CLOSING},
    {RP__CONN_PH_RECEIVING, RP__CONN_EV_CLOSE, RP__CONN_PH_CLOSING},
    {RP__CONN_PH_CLOSING, RP__CONN_EV_CLOSED, RP__CONN_PH_IDLE},
    {RP__CONN_PH_IDLE, RP__CONN_EV_STOP, RP__CONN_PH_STOPPED},
    {RP__CONN_PH_STOPPED, RP__CONN_EV_STOP, RP__CONN_PH_STOPPED},
};
#define NLEGAL (sizeof legal / sizeof legal[0])

static int expected(int from, int ev) {
  for (size_t i = 0; i < NLEGAL; i++)
    if (legal[i].from == from && legal[i].ev == ev) return legal[i].to;
  return -1;
}

static void test_every_pair(void **state) {
  size_t taken = 0;
  (void)state;
  for (int p = 0; p < RP__CONN_PH_COUNT; p++)
    for (int e = 0; e < RP__CONN_EV_COUNT; e++) {
      int want = expected(p, e), got = rp__conn_phase_next(p, e);
      if (got != want)
        fail_msg("%s + %s: got %s, want %s", rp__conn_phase_name(p),
                 rp__conn_phase_ev_name(e), got < 0 ? "refused" : rp__conn_phase_name(got),
                 want < 0 ? "refused" : rp__conn_phase_name(want));
      if (got >= 0) taken++;
    }
  assert_int_equal(taken, NLEGAL);
}

static void test_out_of_range(void **state) {
  (void)state;
  assert_int_equal(rp__conn_phase_next(-1, RP__CONN_EV_CLOSE), -1);
  assert_int_equal(rp__conn_phase_next(RP__CONN_PH_COUNT, RP__CONN_EV_CLOSE), -1);
  assert_int_equal(rp__conn_phase_next(RP__CONN_PH_IDLE, -1), -1);
  assert_int_equal(rp__conn_phase_next(RP__CONN_PH_IDLE, RP__CONN_EV_COUNT), -1);
  assert_string_equal(rp__conn_phase_name(RP__CONN_PH_COUNT), "?");
  assert_string_equal(rp__conn_phase_ev_name(RP__CONN_EV_COUNT), "?");
  assert_false(rp__conn_phase_has(RP__CONN_PH_COUNT, 0));
}

/* Each phase and event has its own name (they appear in log lines). */
static void test_names(void **state) {
  (void)state;
  for (int p = 0; p < RP__CONN_PH_COUNT; p++) {
    assert_string_not_equal(rp__conn_phase_name(p), "?");
    for (int q = 0; q < p; q++)
      assert_string_not_equal(rp__conn_phase_name(p), rp__conn_phase_name(q));
  }
  for (int e = 0; e < RP__CONN_EV_COUNT; e++) {
    assert_string_not_equal(rp__conn_phase_ev_name(e), "?");
    for (int f = 0; f < e; f++)
      assert_string_not_equal(rp__conn_phase_ev_name(e), rp__conn_phase_ev_name(f));
  }
}

/* The questions the connection asks: welcomed implies an open channel, which implies a
 * live socket; and exactly these phases answer yes. */
static void test_flags(void **state) {
  (void)state;
  for (int p = 0; p < RP__CONN_PH_COUNT; p++) {
    bool live = rp__conn_phase_has(p, RP__CONN_PHF_LIVE);
    bool chan = rp__conn_phase_has(p, RP__CONN_PHF_CHANNEL);
    bool welc = rp__conn_phase_has(p, RP__CONN_PHF_WELCOMED);
    assert_true(rp__conn_phase_has(p, 0));
    assert_int_equal(live, p >= RP__CONN_PH_CONNECTING && p <= RP__CONN_PH_RECEIVING);
    assert_int_equal(chan, p >= RP__CONN_PH_OPEN && p <= RP__CONN_PH_RECEIVING);
    assert_int_equal(welc, p == RP__CONN_PH_READY || p == RP__CONN_PH_RECEIVING);
    /* Only a live connection can be closed. */
    assert_int_equal(rp__conn_phase_next(p, RP__CONN_EV_CLOSE) >= 0, live);
  }
}

/* Every phase is reached from IDLE, and every phase but STOPPED leads back to IDLE (a
 * connection is never stuck). */
static void test_reachable(void **state) {
  bool from_idle[RP__CONN_PH_COUNT] = {false}, to_idle[RP__CONN_PH_COUNT] = {false};
  bool more = true;
  (void)state;
  from_idle[RP__CONN_PH_IDLE] = to_idle[RP__CONN_PH_IDLE] = true;
  while (more) {
    more = false;
    for (int p = 0; p < RP__CONN_PH_COUNT; p++)
      for (int e = 0; e < RP__CONN_EV_COUNT; e++) {
        int q = rp__conn_phase_next(p, e);
        if (q < 0) continue;
        if (from_idle[p] && !from_idle[q]) from_idle[q] = more = true;
        if (to_idle[q] && !to_idle[p]) to_idle[p] = more = true;
      }
  }
  for (int p = 0; p < RP__CONN_PH_COUNT; p++) {
    assert_true(from_idle[p]);
    assert_int_equal(to_idle[p], p != RP__CONN_PH_STOPPED);
  }
}

static void on_log(void *data, int level, const char *line) {
  int *n = data;
  (void)level;
  if (strstr(line, "conn_phase_refused") != NULL) (*n)++;
}

/* rp__conn_phase_apply on a client: a whole connection's life, then (in a build without
 * assertions) an event the phase does not allow, refused and logged. */
static void test_apply(void **state) {
  static const rp__conn_ev life[] = {
      RP__CONN_EV_RESOLVE, RP__CONN_EV_RESOLVED, RP__CONN_EV_HELLO,
      RP__CONN_EV_OPEN,    RP__CONN_EV_WELCOME,  RP__CONN_EV_RECEIVE,
      RP__CONN_EV_CLOSE,   RP__CONN_EV_CLOSED,   RP__CONN_EV_STOP,
  };
  rp_client *c = calloc(1, sizeof *c);
  int refused = 0;
  (void)state;
  assert_non_null(c);
  c->cfg.log = on_log;
  c->cfg.log_data = &refused;
  assert_int_equal(c->phase, RP__CONN_PH_IDLE); /* as calloc leaves it */
  for (size_t i = 0; i < sizeof life / sizeof life[0]; i++) {
    int want = rp__conn_phase_next(c->phase, life[i]);
    assert_true(want >= 0);
    assert_int_equal(rp__conn_phase_apply(c, life[i]), 0);
    assert_int_equal(c->phase, want);
  }
  assert_int_equal(c->phase, RP__CONN_PH_STOPPED);
  assert_int_equal(refused, 0);
#ifdef NDEBUG
  assert_int_equal(rp__conn_phase_apply(c, RP__CONN_EV_WELCOME), RP_ESTATE);
  assert_int_equal(c->phase, RP__CONN_PH_STOPPED);
  assert_int_equal(refused, 1);
#endif
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_pair), cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_names),      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_reachable),  cmocka_unit_test(test_apply),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
