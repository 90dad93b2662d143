/* SPDX-License-Identifier: MIT */
/*
 * Routes and the recipient's checks after opening (route.h, PROTOCOL.md 6.6): the member
 * route table, the payload kinds each member kind may send, and each consistency check
 * between a payload and its envelope header, one failure at a time, in the documented
 * order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "payload_samples.h"
#include "route.h"

static rp__member member(int kind, const char *org) {
  rp__member m;
  memset(&m, 0, sizeof m);
  m.kind = kind;
  snprintf(m.municipality, sizeof m.municipality, "%s", org);
  return m;
}

/* A payload of `kind` (its full sample) and the header a writer would seal it under. */
static void sample(rp__payload *p, rp__envhdr *h, uint64_t kind) {
  rp__payload_init(p, (rp__payload_kind)kind);
  sample_kind(p, SAMPLE_FULL);
  /* One sending municipality, 101, for every kind that names its sender. */
  if (kind == RP__PL_PLAN_REVIEW) p->u.plan_review.sender_org = rp__str_c("101");
  if (kind == RP__PL_REGISTRATION) p->u.registration.sender_org = rp__str_c("101");
  sample_id(p->msg_id, 0x71);
  memcpy(p->thread_id, p->msg_id, RP_MSG_ID_BYTES);
  p->created = T0;
  memset(h, 0, sizeof *h);
  memcpy(h->msg_id, p->msg_id, RP_MSG_ID_BYTES);
  h->created = T0;
  h->expires = T0 + RP_EXPIRY_DEFAULT_MS;
  h->urgency = rp__route_urgency(p);
}

static void test_member_routes(void **state) {
  (void)state;
  static const int kinds[] = {
      RP_MEMBER_MUNICIPALITY, RP_MEMBER_TEAM, RP_MEMBER_RELAY, RP_MEMBER_ADMIN, 0, 99};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
      int ok = (kinds[i] == RP_MEMBER_MUNICIPALITY && kinds[j] == RP_MEMBER_TEAM) ||
               (kinds[i] == RP_MEMBER_TEAM && kinds[j] == RP_MEMBER_MUNICIPALITY);
      assert_int_equal(rp__route_members(kinds[i], kinds[j]), ok ? 0 : RP_EROUTE);
    }
}

/* Every kind from every sender kind: accepted exactly when the kind table allows it, and
 * a municipality writing to a municipality is a route error before anything else. */
static void test_every_kind_from_every_sender(void **state) {
  (void)state;
  rp__member muni = member(RP_MEMBER_MUNICIPALITY, "101");
  rp__member team = member(RP_MEMBER_TEAM, "");
  for (uint64_t k = 1; k <= RP__PL_KIND_MAX; k++) {
    rp__payload p;
    rp__envhdr h;
    const char *where = NULL;
    sample(&p, &h, k);
    unsigned from = rp__payload_kind_senders(k);
    assert_int_equal(rp__route_check(&p, &h, &muni, RP_MEMBER_TEAM, &where),
                     (from & RP__FROM_MUNICIPALITY) ? 0 : RP_EKIND);
    assert_int_equal(rp__route_check(&p, &h, &team, RP_MEMBER_MUNICIPALITY, &where),
                     (from & RP__FROM_TEAM) ? 0 : RP_EKIND);
    assert_int_equal(rp__route_check(&p, &h, &muni, RP_MEMBER_MUNICIPALITY, &where),
                     RP_EROUTE);
    assert_string_equal(where, "sender");
    assert_int_equal(rp__route_check(&p, &h, &team, RP_MEMBER_TEAM, &where), RP_EROUTE);
  }
}

static void expect(const rp__payload *p, const rp__envhdr *h, const rp__member *from,
                   int to, int rc, const char *field) {
  const char *where = "unset";
  assert_int_equal(rp__route_check(p, h, from, to, &where), rc);
  if (field == NULL)
    assert_null(where);
  else
    assert_string_equal(where, field);
}

static void test_consistency_checks(void **state) {
  (void)state;
  rp__member muni = member(RP_MEMBER_MUNICIPALITY, "101");
  rp__member other = member(RP_MEMBER_MUNICIPALITY, "751");
  rp__member team = member(RP_MEMBER_TEAM, "");
  rp__payload p;
  rp__envhdr h;

  sample(&p, &h, RP__PL_REQUEST);
  expect(&p, &h, &muni, RP_MEMBER_TEAM, 0, NULL);
  /* msg_id: the payload names another message than the envelope. */
  h.msg_id[0] ^= 1;
  expect(&p, &h, &muni, RP_MEMBER_TEAM, RP_EINVAL, "msg_id");
  h.msg_id[0] ^= 1;
  /* created. */
  h.created++;
  expect(&p, &h, &muni, RP_MEMBER_TEAM, RP_EINVAL, "created");
  h.created--;
  /* The relay sees another urgency than the payload's. */
  h.urgency = p.u.request.urgency == RP__URG_AKUT ? RP__URG_NORMAL : RP__URG_AKUT;
  expect(&p, &h, &muni, RP_MEMBER_TEAM, RP_EINVAL, "urgency");
  h.urgency = rp__route_urgency(&p);
  /* A request in somebody else's thread. */
  p.thread_id[0] ^= 1;
  expect(&p, &h, &muni, RP_MEMBER_TEAM, RP_EINVAL, "thread_id");
  p.thread_id[0] ^= 1;
  /* A municipality that speaks for another. */
  expect(&p, &h, &other, RP_MEMBER_TEAM, RP_EINVAL, "sender_org");
  /* Order: with several faults, the earliest step is reported. */
  h.created++;
  expect(&p, &h, &other, RP_MEMBER_TEAM, RP_EINVAL, "created");
  expect(&p, &h, &team, RP_MEMBER_MUNICIPALITY, RP_EKIND, "kind");
  expect(&p, &h, &other, RP_MEMBER_MUNICIPALITY, RP_EROUTE, "sender");

  /* Kinds without urgency travel as normal; a follow-up without one too. */
  sample(&p, &h, RP__PL_REPLY);
  assert_int_equal(h.urgency, RP__URG_NORMAL);
  p.thread_id[0] ^= 1; /* a reply lives in the request's thread: no thread rule */
  expect(&p, &h, &team, RP_MEMBER_MUNICIPALITY, 0, NULL);
  h.urgency = RP__URG_AKUT;
  expect(&p, &h, &team, RP_MEMBER_MUNICIPALITY, RP_EINVAL, "urgency");
  sample(&p, &h, RP__PL_FOLLOW_UP);
  p.u.follow_up.urgency = 0;
  assert_int_equal(rp__route_urgency(&p), RP__URG_NORMAL);
  p.u.follow_up.urgency = RP__URG_HASTER;
  assert_int_equal(rp__route_urgency(&p), RP__URG_HASTER);

  /* Plan reviews start threads and carry sender_org; registrations carry sender_org. */
  sample(&p, &h, RP__PL_PLAN_REVIEW);
  expect(&p, &h, &muni, RP_MEMBER_TEAM, 0, NULL);
  p.thread_id[15] ^= 1;
  expect(&p, &h, &muni, RP_MEMBER_TEAM, RP_EINVAL, "thread_id");
  sample(&p, &h, RP__PL_REGISTRATION);
  expect(&p, &h, &muni, RP_MEMBER_TEAM, 0, NULL);
  expect(&p, &h, &other, RP_MEMBER_TEAM, RP_EINVAL, "sender_org");
  assert_int_equal(rp__route_check(NULL, &h, &muni, RP_MEMBER_TEAM, NULL), RP_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_member_routes),
      cmocka_unit_test(test_every_kind_from_every_sender),
      cmocka_unit_test(test_consistency_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
