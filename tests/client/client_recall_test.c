/* SPDX-License-Identifier: MIT */
/*
 * A recall's outcome through the public API, against the real relay (PROTOCOL.md 7.19):
 * the municipality recalls a request the team's library holds unhandled; the team's
 * library marks it recalled, no longer offers it (rp_inbox_next, rp_inbox_pending, the
 * receive callback at start-up), still finds it with rp_inbox_get, and answers with the
 * receipt "recalled"; the municipality's status becomes RP_STATUS_RECALLED (with its
 * time, the status callback, final). A second recall of it sends no second receipt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_fixture.h"
#include "clock.h"

typedef struct seen {
  int recalled; /* status callbacks with RP_STATUS_RECALLED */
  int offered;  /* receive callbacks for the recalled message */
  char watch[RP_ID_STRLEN];
} seen;

static void on_status(void *data, rp_client *c, const char *msg_id, int status, int error) {
  seen *s = data;
  (void)c;
  (void)error;
  if (status == RP_STATUS_RECALLED && strcmp(msg_id, s->watch) == 0)
    __atomic_add_fetch(&s->recalled, 1, __ATOMIC_SEQ_CST);
}

static void on_recv(void *data, rp_client *c, const rp_received *r) {
  seen *s = data;
  (void)c;
  if (strcmp(rp_received_msg_id(r), s->watch) == 0)
    __atomic_add_fetch(&s->offered, 1, __ATOMIC_SEQ_CST);
}

static rp_client *client_cb(tp_relay *f, const char *id, seen *s) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  assert_non_null(cfg);
  assert_int_equal(rp_config_set_status_callback(cfg, on_status, s), 0);
  assert_int_equal(rp_config_set_receive_callback(cfg, on_recv, s), 0);
  assert_int_equal(rp_client_new(cfg, &c), 0);
  rp_config_free(cfg);
  return c;
}

static int send_recall(rp_client *c, const char *about, char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc = rp_msg_new("recall", &m);
  if (rc == 0) rc = rp_msg_set_hex(m, "about", about);
  if (rc == 0) rc = rp_msg_set_enum(m, "reason", "forkert_modtager");
  if (rc == 0) rc = rp_send(c, m, id);
  rp_msg_free(m);
  return rc;
}

static void test_recall_outcome(void **state) {
  tp_relay f;
  seen ms, ts;
  rp_client *muni, *team;
  rp_received *r = NULL;
  rp_msg *m;
  char req[RP_ID_STRLEN], other[RP_ID_STRLEN], rec[RP_ID_STRLEN], rec2[RP_ID_STRLEN];
  uint64_t n = 0, when = 0, t_del = 0;
  int st = 0;
  (void)state;
  memset(&ms, 0, sizeof ms);
  memset(&ts, 0, sizeof ts);
  assert_int_equal(cl_relay_up(&f, "cl-recall"), 0);
  muni = client_cb(&f, CL_MUNI, &ms);
  team = cl_client(&f, CL_TEAM, NULL); /* without callbacks: it only stores */
  assert_non_null(team);
  assert_non_null(m = cl_request("Forkert modtager"));
  assert_int_equal(rp_send(muni, m, req), 0);
  assert_int_equal(rp_send(muni, m, other), 0);
  rp_msg_free(m);
  snprintf(ms.watch, sizeof ms.watch, "%s", req);
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(cl_wait_status(muni, other, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(rp_inbox_pending(team, &n), 0);
  assert_int_equal(n, 2);

  assert_int_equal(send_recall(muni, req, rec), 0);
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_RECALLED, 10000), 0);
  assert_int_equal(rp_status(muni, req, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_RECALLED);
  assert_string_equal(rp_status_name(st), "recalled");
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_RECALLED, &when), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_DELIVERED, &t_del), 0);
  assert_true(when >= t_del && t_del > 0);
  /* The status callback runs on the loop after the status is stored: rp_status may see
   * it first. */
  for (int i = 0; i < 500 && __atomic_load_n(&ms.recalled, __ATOMIC_SEQ_CST) == 0; i++)
    usleep(10 * 1000);
  assert_int_equal(__atomic_load_n(&ms.recalled, __ATOMIC_SEQ_CST), 1);
  /* The recall itself is a message like any: its own status goes on as usual. */
  assert_int_equal(cl_wait_status(muni, rec, RP_STATUS_DELIVERED, 10000), 0);
  /* The other request is untouched. */
  assert_int_equal(rp_status(muni, other, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_DELIVERED);

  /* The team's library: the recalled request is found but flagged, and no longer
   * offered; the other one and the recall are. */
  assert_int_equal(rp_inbox_get(team, req, &r), 0);
  assert_true(rp_received_recalled(r));
  assert_false(rp_received_handled(r));
  rp_received_free(r);
  assert_int_equal(rp_inbox_get(team, other, &r), 0);
  assert_false(rp_received_recalled(r));
  rp_received_free(r);
  assert_int_equal(rp_inbox_pending(team, &n), 0);
  assert_int_equal(n, 2); /* the other request and the recall */
  for (int i = 0; i < 3; i++) {
    int rc = rp_inbox_next(team, &r);
    if (i == 2) {
      assert_int_equal(rc, RP_ENOTFOUND);
      break;
    }
    assert_int_equal(rc, 0);
    assert_string_not_equal(rp_received_msg_id(r), req);
    rp_received_free(r);
  }
  /* A new handle with a receive callback: start-up offers every unhandled message but
   * the recalled one. */
  rp_client_free(team);
  snprintf(ts.watch, sizeof ts.watch, "%s", req);
  team = client_cb(&f, CL_TEAM, &ts);
  assert_int_equal(rp_inbox_next(team, &r), 0);
  rp_received_free(r);
  assert_int_equal(__atomic_load_n(&ts.offered, __ATOMIC_SEQ_CST), 0);

  /* A second recall of the same message: no second receipt, the status keeps its
   * first time. */
  assert_int_equal(send_recall(muni, req, rec2), 0);
  assert_int_equal(cl_wait_status(muni, rec2, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(rp_client_flush(team, 5000), 0);
  usleep(300 * 1000);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_RECALLED, &t_del), 0);
  assert_int_equal(t_del, when);
  assert_int_equal(__atomic_load_n(&ms.recalled, __ATOMIC_SEQ_CST), 1);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* A recall that overtakes its message (PROTOCOL.md 7.19): the municipality's request,
 * one without and one with an attachment, waits in an outbox whose relay address is
 * dead; a second handle of the same member (another state folder) recalls both, and the
 * team stores the recalls first. When the requests arrive they are stored recalled: the
 * receipt "recalled" comes back (not "delivered" first), and they are never offered. */
static void test_recall_before_message(void **state) {
  static const uint8_t doc[3000] = {'%', 'P', 'D', 'F'};
  tp_relay f;
  seen ts;
  rp_client *late, *early, *team;
  rp_received *r = NULL;
  rp_config *cfg;
  rp_msg *m;
  char req[2][RP_ID_STRLEN], rec[RP_ID_STRLEN];
  uint64_t t = 0, t_del = 0;
  int st = 0;
  (void)state;
  memset(&ts, 0, sizeof ts);
  assert_int_equal(cl_relay_up(&f, "cl-recall-first"), 0);
  /* The requests: stored, not sent (nothing listens on port 9). */
  assert_non_null(cfg = cl_config(&f, CL_MUNI, "-late", NULL));
  assert_int_equal(rp_config_set_relay(cfg, "127.0.0.1", 9), 0);
  assert_int_equal(rp_client_new(cfg, &late), 0);
  rp_config_free(cfg);
  for (int i = 0; i < 2; i++) {
    assert_non_null(m = cl_request("Sendt for tidligt"));
    if (i == 1)
      assert_int_equal(rp_msg_attach_buffer(m, doc, sizeof doc, "udkast.pdf",
                                            "application/pdf", "andet"),
                       0);
    assert_int_equal(rp_send(late, m, req[i]), 0);
    rp_msg_free(m);
  }
  rp_client_free(late);
  snprintf(ts.watch, sizeof ts.watch, "%s", req[0]);
  team = client_cb(&f, CL_TEAM, &ts);
  /* The recalls, from the same member, delivered first. */
  assert_non_null(early = cl_client(&f, CL_MUNI, "-early"));
  for (int i = 0; i < 2; i++) {
    assert_int_equal(send_recall(early, req[i], rec), 0);
    assert_int_equal(cl_wait_status(early, rec, RP_STATUS_DELIVERED, 10000), 0);
  }
  rp_client_free(early);
  /* Now the requests go out. */
  assert_non_null(late = cl_client(&f, CL_MUNI, "-late"));
  for (int i = 0; i < 2; i++) {
    assert_int_equal(cl_wait_status(late, req[i], RP_STATUS_RECALLED, 10000), 0);
    /* "recalled" implies delivered, with its time: no "delivered" came before it. */
    assert_int_equal(rp_status_time(late, req[i], RP_STATUS_RECALLED, &t), 0);
    assert_int_equal(rp_status_time(late, req[i], RP_STATUS_DELIVERED, &t_del), 0);
    assert_true(t > 0 && t_del == t);
    assert_int_equal(rp_inbox_get(team, req[i], &r), 0);
    assert_true(rp_received_recalled(r));
    rp_received_free(r);
  }
  /* Whatever else the team sends about them (the attachment's completion) changes
   * nothing: recalled is final. */
  assert_int_equal(rp_client_flush(team, 5000), 0);
  usleep(300 * 1000);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(rp_status(late, req[i], &st, NULL), 0);
    assert_int_equal(st, RP_STATUS_RECALLED);
  }
  /* Only the two recalls are offered. */
  for (int i = 0; i < 3; i++) {
    int rc = rp_inbox_next(team, &r);
    if (i == 2) {
      assert_int_equal(rc, RP_ENOTFOUND);
      break;
    }
    assert_int_equal(rc, 0);
    assert_string_equal(rp_received_kind(r), "recall");
    rp_received_free(r);
  }
  assert_int_equal(__atomic_load_n(&ts.offered, __ATOMIC_SEQ_CST), 0);
  rp_client_free(late);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* A host that sees a recall sees the message it recalls marked: the recall and its step
 * are one transaction. The team's host polls rp_inbox_next without pause while five
 * requests are recalled one by one; each recall it is handed must find its request
 * recalled already. */
static void test_recall_seen_with_its_mark(void **state) {
  enum { N = 5 };
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  rp_msg *m;
  char req[N][RP_ID_STRLEN], rec[RP_ID_STRLEN];
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-recall-atomic"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  for (int i = 0; i < N; i++) {
    assert_non_null(m = cl_request("Forkert modtager"));
    assert_int_equal(rp_send(muni, m, req[i]), 0);
    rp_msg_free(m);
  }
  for (int i = 0; i < N; i++) {
    assert_int_equal(cl_wait_status(muni, req[i], RP_STATUS_DELIVERED, 10000), 0);
    assert_int_equal(rp_inbox_next(team, &r), 0); /* the request, offered */
    rp_received_free(r);
  }
  for (int i = 0; i < N; i++) {
    const char *about = NULL;
    uint64_t end = rp__clock_mono_ms() + 10000;
    int rc;
    assert_int_equal(send_recall(muni, req[i], rec), 0);
    while ((rc = rp_inbox_next(team, &r)) == RP_ENOTFOUND && rp__clock_mono_ms() < end) {
    }
    assert_int_equal(rc, 0);
    assert_string_equal(rp_received_kind(r), "recall");
    assert_int_equal(rp_received_get_hex(r, "about", &about), 0);
    assert_string_equal(about, req[i]);
    rp_received_free(r);
    assert_int_equal(rp_inbox_get(team, req[i], &r), 0);
    assert_true(rp_received_recalled(r));
    rp_received_free(r);
  }
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recall_outcome),
      cmocka_unit_test(test_recall_before_message),
      cmocka_unit_test(test_recall_seen_with_its_mark),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
