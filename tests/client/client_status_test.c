/* SPDX-License-Identifier: MIT */
/*
 * Statuses of sent messages through the real relay: the inbox's automatic
 * out-of-hours reply makes a request "auto_replied", not "answered" (PROTOCOL.md 7.4);
 * an advisor's reply later makes it answered, and an automatic reply never moves a
 * status back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "cl_fixture.h"

/* Waits until msg_id's status is exactly `want`. */
static int wait_exact(rp_client *c, const char *id, int want) {
  uint64_t end = rp__clock_mono_ms() + 10000;
  int st = 0;
  while (rp__clock_mono_ms() < end) {
    if (rp_status(c, id, &st, NULL) == 0 && st == want) return 0;
    usleep(10000);
  }
  fprintf(stderr, "%s: status %s, want %s\n", id, rp_status_name(st), rp_status_name(want));
  return RP_ETIMEDOUT;
}

/* The team replies to req, automatically or as an advisor; the municipality reads it. */
static void reply(rp_client *team, rp_client *muni, const char *req, int automatic) {
  rp_received *r = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN];
  int got = -1;
  assert_non_null(m = cl_reply(req, automatic ? "Uden for åbningstid: ring 112 ved fare."
                                              : "Lav en sikkerhedsplan."));
  if (automatic) assert_int_equal(rp_msg_set_bool(m, "automatic", 1), 0);
  assert_int_equal(rp_send(team, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_inbox(muni, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_get_bool(r, "automatic", &got), 0);
  assert_int_equal(got, automatic);
  assert_int_equal(rp_inbox_mark_handled(muni, id), 0);
  rp_received_free(r);
}

static void test_auto_reply_then_answer(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char req[RP_ID_STRLEN], req2[RP_ID_STRLEN];
  uint64_t t_d = 0, t_auto = 0, t_a = 0;
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-autoreply"), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Pigen skal rejse i aften"));
  assert_int_equal(rp_msg_set_text(m, "sender_org", ""), 0);
  assert_int_equal(rp_msg_set_enum(m, "urgency", "akut"), 0);
  assert_int_equal(rp_send(muni, m, req), 0);
  assert_int_equal(rp_send(muni, m, req2), 0);
  rp_msg_free(m);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
    assert_int_equal(rp_inbox_mark_handled(team, rp_received_msg_id(r)), 0);
    rp_received_free(r);
  }
  assert_int_equal(wait_exact(muni, req, RP_STATUS_DELIVERED), 0);

  /* The automatic reply: auto_replied, with its time; no advisor has answered. */
  reply(team, muni, req, 1);
  assert_int_equal(wait_exact(muni, req, RP_STATUS_AUTO_REPLIED), 0);
  assert_string_equal(rp_status_name(RP_STATUS_AUTO_REPLIED), "auto_replied");
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_AUTO_REPLIED, &t_auto), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_DELIVERED, &t_d), 0);
  assert_true(t_d > 0 && t_d <= t_auto);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_ANSWERED, &t_a), 0);
  assert_int_equal(t_a, 0);
  /* An advisor opens it and answers: opened, then answered. */
  assert_int_equal(rp_send_opened(team, req), 0);
  assert_int_equal(wait_exact(muni, req, RP_STATUS_OPENED), 0);
  reply(team, muni, req, 0);
  assert_int_equal(wait_exact(muni, req, RP_STATUS_ANSWERED), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_ANSWERED, &t_a), 0);
  assert_true(t_a >= t_auto);
  /* A late automatic reply (it crossed the advisor's) moves nothing back. */
  reply(team, muni, req, 1);
  assert_int_equal(rp_status(muni, req, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_ANSWERED);
  /* The other request: answered by an advisor, then an automatic reply: answered. */
  reply(team, muni, req2, 0);
  assert_int_equal(wait_exact(muni, req2, RP_STATUS_ANSWERED), 0);
  reply(team, muni, req2, 1);
  assert_int_equal(rp_status(muni, req2, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_ANSWERED);
  /* The reply and its effect on the request's times are one transaction. */
  assert_int_equal(rp_status_time(muni, req2, RP_STATUS_AUTO_REPLIED, &t_auto), 0);
  assert_true(t_auto > 0);
  assert_int_equal(rp_status(muni, req2, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_ANSWERED);
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* A reply and the status it gives its request are one fact: whoever finds the reply in
 * the inbox finds the request answered, with its time, at that same moment. With two
 * commits (the reply, then the status) a tight poller saw the reply first. Every
 * second reply carries an attachment, which completes by the other path. */
static void test_reply_and_status_together(void **state) {
  enum { N = 16 };
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char req[N][RP_ID_STRLEN], rid[RP_ID_STRLEN];
  static const uint8_t doc[3000] = {1, 2, 3};
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-together"), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  for (int i = 0; i < N; i++) {
    assert_non_null(m = cl_request("Skal vi indkalde familien?"));
    assert_int_equal(rp_send(muni, m, req[i]), 0);
    rp_msg_free(m);
  }
  for (int i = 0; i < N; i++) {
    assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
    assert_int_equal(rp_inbox_mark_handled(team, rp_received_msg_id(r)), 0);
    rp_received_free(r);
  }
  for (int i = 0; i < N; i++) {
    uint64_t end = rp__clock_mono_ms() + 10000, t = 0;
    int st = 0, rc;
    assert_non_null(m = cl_reply(req[i], "Nej, ikke endnu."));
    if (i % 2 == 1)
      assert_int_equal(
          rp_msg_attach_buffer(m, doc, sizeof doc, "plan.pdf", "application/pdf", "andet"),
          0);
    assert_int_equal(rp_send(team, m, rid), 0);
    rp_msg_free(m);
    while ((rc = rp_inbox_next(muni, &r)) == RP_ENOTFOUND && rp__clock_mono_ms() < end)
      ; /* as tight as a host can poll */
    assert_int_equal(rc, 0);
    assert_int_equal(rp_status(muni, req[i], &st, NULL), 0);
    assert_int_equal(rp_status_time(muni, req[i], RP_STATUS_ANSWERED, &t), 0);
    if (st != RP_STATUS_ANSWERED || t == 0)
      fail_msg("reply %d is in the inbox, its request is %s (answered at %llu)", i,
               rp_status_name(st), (unsigned long long)t);
    assert_string_equal(rp_received_msg_id(r), rid);
    assert_int_equal(rp_inbox_mark_handled(muni, rid), 0);
    rp_received_free(r);
  }
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* rp_inbox_next offers every message once it is complete, in the order messages became
 * complete: a message whose attachment was still downloading when a later, smaller one
 * was offered is offered when it completes (before, the poller's cursor had passed its
 * row, and only a new client handle would see it). */
static void test_inbox_next_after_late_completion(void **state) {
  enum { BIG = 24 * 1024 * 1024 };
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char big_id[RP_ID_STRLEN], small_id[RP_ID_STRLEN];
  uint8_t *doc = calloc(1, BIG);
  int seen_big = 0, seen_small = 0;
  (void)state;
  assert_non_null(doc);
  assert_int_equal(cl_relay_up(&f, "cl-late-complete"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Med en stor plan"));
  assert_int_equal(
      rp_msg_attach_buffer(m, doc, BIG, "plan.pdf", "application/pdf", "andet"), 0);
  assert_int_equal(rp_send(muni, m, big_id), 0);
  rp_msg_free(m);
  assert_non_null(m = cl_request("Uden bilag"));
  assert_int_equal(rp_send(muni, m, small_id), 0);
  rp_msg_free(m);
  assert_int_equal(rp_client_flush(muni, 30000), 0);
  /* The team connects after both are at the relay: the big one's envelope comes first. */
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  for (int i = 0; i < 2; i++) {
    assert_int_equal(cl_wait_inbox(team, &r, 30000), 0);
    if (strcmp(rp_received_msg_id(r), big_id) == 0) seen_big++;
    if (strcmp(rp_received_msg_id(r), small_id) == 0) seen_small++;
    rp_received_free(r);
  }
  assert_int_equal(seen_big, 1);
  assert_int_equal(seen_small, 1);
  /* Offered once each (none is handled): nothing more comes. */
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  free(doc);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auto_reply_then_answer),
      cmocka_unit_test(test_reply_and_status_together),
      cmocka_unit_test(test_inbox_next_after_late_completion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
