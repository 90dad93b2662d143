/* SPDX-License-Identifier: MIT */
/*
 * What a municipality's library receives when the team answers a meeting request, as
 * cmocka assertions: the same answers reach it whether the advisor used the command line
 * (inboxd_workflow_test.c) or the web workspace (webd_flow_test.c). Header-only; include
 * it after <cmocka.h>.
 */
#ifndef RP_TESTS_IBX_EXPECT_H
#define RP_TESTS_IBX_EXPECT_H

#include "ibx_fixture.h"

/* The proposal for meeting mr reaches municipality i: two times, online, the first
 * 2026-01-08 10:00-11:00 Copenhagen. */
static inline void ibx_expect_proposal(fx *x, int i, const char *mr) {
  rp_received *r = NULL;
  const char *v = NULL;
  uint64_t u = 0;
  size_t n = 0;
  assert_int_equal(fx_wait_kind(x, i, "meeting_proposal", 20000, &r), 0);
  assert_int_equal(rp_received_get_hex(r, "meeting_ref", &v), 0);
  assert_string_equal(v, mr);
  assert_int_equal(rp_received_list_count(r, "slots", &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(rp_received_get_uint(r, "slots.0.start", &u), 0);
  assert_int_equal(u, FX_0108_1000_CPH);
  assert_int_equal(rp_received_get_uint(r, "slots.0.end", &u), 0);
  assert_int_equal(u, FX_0108_1000_CPH + FX_HOUR);
  assert_int_equal(rp_received_get_enum(r, "mode", &v), 0);
  assert_string_equal(v, "online");
  rp_received_free(r);
}

/* The confirmation of meeting mr reaches municipality i: the first time, at the
 * municipality's. */
static inline void ibx_expect_confirmation(fx *x, int i, const char *mr) {
  rp_received *r = NULL;
  const char *v = NULL;
  uint64_t u = 0;
  assert_int_equal(fx_wait_kind(x, i, "meeting_confirmation", 20000, &r), 0);
  assert_int_equal(rp_received_get_hex(r, "meeting_ref", &v), 0);
  assert_string_equal(v, mr);
  assert_int_equal(rp_received_get_uint(r, "slot.start", &u), 0);
  assert_int_equal(u, FX_0108_1000_CPH);
  assert_int_equal(rp_received_get_enum(r, "place", &v), 0);
  assert_string_equal(v, "hos_kommunen");
  rp_received_free(r);
}

/* The cancellation of meeting mr reaches municipality i with the reason's name. */
static inline void ibx_expect_cancellation(fx *x, int i, const char *mr,
                                           const char *reason) {
  rp_received *r = NULL;
  const char *v = NULL;
  assert_int_equal(fx_wait_kind(x, i, "meeting_cancellation", 20000, &r), 0);
  assert_int_equal(rp_received_get_hex(r, "meeting_ref", &v), 0);
  assert_string_equal(v, mr);
  assert_int_equal(rp_received_get_enum(r, "reason", &v), 0);
  assert_string_equal(v, reason);
  rp_received_free(r);
}

#endif /* RP_TESTS_IBX_EXPECT_H */
