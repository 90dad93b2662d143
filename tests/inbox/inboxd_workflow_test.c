/* SPDX-License-Identifier: MIT */
/*
 * The advisor's workflow beyond claim and close (docs/INBOX.md "Reply fields, recalls,
 * consent, meetings" and "Statistics"): a reply with its coded fields as the
 * municipality's library receives them; recalls both ways; a consent withdrawal that
 * stops processing and hides the content; meetings proposed, confirmed and cancelled;
 * the team lead's counts. Real relayd, real daemon (test build), municipalities as
 * library clients, the real rejsepost-advisor binary and the raw advisor socket.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sqlite3.h>

#include <cmocka.h>

#include "ibx_areq.h"
#include "ibx_expect.h"
#include "ibx_fixture.h"
#include "ibx_sock.h"

static fx g;

/* 2026-01-20 00:00 Copenhagen (CET, UTC+1). */
#define T_0120_CPH 1768863600000ull

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-workflow");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* One request on the raw advisor socket, as the web front end sends them. */
static int raw(const rp__ibx_req *q, uint64_t *error, char *msg, size_t cap) {
  uint8_t buf[8192], *resp = NULL;
  size_t len = 0, rlen = 0;
  rp__ibx_resp rs;
  int fd = -1, r;
  if ((r = rp__ibx_req_encode(q, buf, sizeof buf, &len)) != 0) return r;
  if ((r = rp__ibx_sock_connect(g.sock, &fd)) != 0) return r;
  if ((r = rp__ibx_sock_write_frame(fd, buf, len)) == 0 &&
      (r = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 20000, &resp, &rlen)) == 0 &&
      (r = rp__ibx_resp_decode(resp, rlen, &rs)) == 0) {
    *error = rs.error;
    snprintf(msg, cap, "%.*s", (int)rs.message.n, rs.message.p);
  }
  free(resp);
  close(fd);
  return r;
}

static rp__str str(const char *s) {
  return rp__str_c(s);
}

/* The reply's coded fields reach the municipality's library; unknown names are refused
 * with the allowed ones; the reporting duty has no default, on the socket or the
 * command line. */
static void test_reply_coded_fields(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], *out = NULL, msg[1024];
  rp_received *r = NULL;
  const char *v = NULL;
  uint64_t u = 0, err = 0;
  int b = 0;
  size_t n = 0;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 0, "haster", th, req), 0);
  /* The command line asks for the reporting duty before anything is sent. */
  assert_int_equal(fx_advf(&g, "Råd.", &out, "reply %s --stdin", th), 2);
  assert_non_null(strstr(out, "--reporting-duty yes|no"));
  free(out);
  assert_int_equal(fx_advf(&g, "Råd.", &out, "reply %s --stdin --reporting-duty maybe", th),
                   2);
  free(out);
  /* The daemon requires it too: a front end cannot leave it out. */
  rp__ibx_req q;
  memset(&q, 0, sizeof q);
  q.version = RP_SCHEMA_VERSION;
  q.action = RP_IBX_A_REPLY;
  q.thread = str(th);
  q.text = str("Råd.");
  assert_int_equal(raw(&q, &err, msg, sizeof msg), 0);
  assert_int_equal(err, (uint64_t)-RP_EMISSING);
  assert_non_null(strstr(msg, "reporting duty is required"));
  q.reporting_duty = str("ja");
  assert_int_equal(raw(&q, &err, msg, sizeof msg), 0);
  assert_int_equal(err, (uint64_t)-RP_EINVAL);
  assert_non_null(strstr(msg, "one of: yes no"));
  /* Unknown names: refused, with the payload's allowed values. */
  q.reporting_duty = str("yes");
  q.actions[0] = str("ring_til_mor");
  q.nactions = 1;
  assert_int_equal(raw(&q, &err, msg, sizeof msg), 0);
  assert_int_equal(err, (uint64_t)-RP_EENUM);
  assert_non_null(strstr(msg, "unknown recommended action 'ring_til_mor'; one of: "
                              "ikke_inddrage_familien risikovurdering sikkerhedsplan"));
  assert_int_equal(fx_advf(&g, "Råd.", &out,
                           "reply %s --stdin --reporting-duty no --referral hotel", th),
                   1);
  assert_non_null(strstr(out, "unknown referral kind 'hotel'; one of: specialtilbud "
                              "krisecenter sikker_bolig"));
  free(out);
  assert_int_equal(fx_advf(&g, "Råd.", &out,
                           "reply %s --stdin --reporting-duty no --risk-view enorm", th),
                   1);
  assert_non_null(strstr(out, "unknown risk view 'enorm'; one of: lav middel hoej ukendt"));
  free(out);
  /* Nothing of the refused ones went out. */
  assert_int_equal(fx_log_count(&g, "kind=reply to=kommune-101"), 0);
  assert_int_equal(
      fx_advf(&g, "Lav en sikkerhedsplan.\n", &out,
              "reply %s --stdin --reporting-duty yes --recommend "
              "risikovurdering,sikkerhedsplan "
              "--recommend kontakt_politi --referral krisecenter:Danner:kl.10:00 "
              "--referral politi --risk-view hoej --needs-more-info --follow-up 2026-01-20 "
              "--meeting-offer",
              th),
      0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 0, "reply", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advice", &v), 0);
  assert_string_equal(v, "Lav en sikkerhedsplan.");
  int seen = 0;
  for (size_t i = 0; rp_received_get_set(r, "recommended_actions", i, &v) == 0; i++) {
    assert_true(strcmp(v, "risikovurdering") == 0 || strcmp(v, "sikkerhedsplan") == 0 ||
                strcmp(v, "kontakt_politi") == 0);
    seen++;
  }
  assert_int_equal(seen, 3);
  assert_int_equal(rp_received_list_count(r, "referrals", &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(rp_received_get_enum(r, "referrals.0.kind", &v), 0);
  assert_string_equal(v, "krisecenter");
  assert_int_equal(rp_received_get_text(r, "referrals.0.name", &v), 0);
  assert_string_equal(v, "Danner");
  assert_int_equal(rp_received_get_text(r, "referrals.0.note", &v), 0);
  assert_string_equal(v, "kl.10:00");
  assert_int_equal(rp_received_get_enum(r, "referrals.1.kind", &v), 0);
  assert_string_equal(v, "politi");
  assert_int_equal(rp_received_get_enum(r, "risk_view", &v), 0);
  assert_string_equal(v, "hoej");
  assert_int_equal(rp_received_get_bool(r, "reporting_duty", &b), 0);
  assert_int_equal(b, 1);
  assert_int_equal(rp_received_get_bool(r, "needs_more_info", &b), 0);
  assert_int_equal(b, 1);
  assert_int_equal(rp_received_get_uint(r, "follow_up_at", &u), 0);
  assert_int_equal(u, T_0120_CPH);
  assert_int_equal(rp_received_get_bool(r, "meeting_offer", &b), 0);
  assert_int_equal(b, 1);
  rp_received_free(r);
  /* "no" is sent as false, not left out. */
  assert_int_equal(
      fx_advf(&g, "Kort svar.", &out, "reply %s --stdin --reporting-duty no", th), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 0, "reply", 20000, &r), 0);
  assert_int_equal(rp_received_get_bool(r, "reporting_duty", &b), 0);
  assert_int_equal(b, 0);
  b = 0;
  int rc = rp_received_get_bool(r, "meeting_offer", &b);
  assert_true(rc == RP_ENOTFOUND || (rc == 0 && b == 0));
  rp_received_free(r);
  /* The thread's record shows the fields. */
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s", th), 0);
  assert_non_null(strstr(out, "risk_view: hoej"));
  assert_non_null(strstr(out, "reporting_duty: ja"));
  free(out);
}

/* A municipality recalls a message of its own: its content is hidden (show, JSON,
 * export) and marked, the audit log keeps a line. The team recalls its own reply,
 * which sends a recall; it cannot recall the municipality's. */
static void test_recall(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], fu[RP_ID_STRLEN], rid[RP_ID_STRLEN];
  char *out = NULL, prefix[16], path[800];
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  assert_int_equal(fx_new_thread(&g, 1, "normal", th, req), 0);
  assert_int_equal(
      fx_follow_up(&g, 1, th, req, "Forkert sag: Aisha bor hos sin faster.", fu), 0);
  assert_int_equal(fx_wait_show(&g, th, "Aisha bor", &out), 0);
  free(out);
  char rc_id[RP_ID_STRLEN];
  assert_int_equal(fx_recall(&g, 1, th, fu, "forkert_indhold", rc_id), 0);
  assert_int_equal(
      fx_wait_show(&g, th, "\"reason\":\"forkert_indhold\",\"by\":\"municipality\"", &out),
      0);
  assert_null(strstr(out, "Aisha"));
  assert_non_null(strstr(out, "\"hidden\":true"));
  /* The request itself is not hidden. */
  assert_non_null(strstr(out, "genopdragelsesrejse"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s", th), 0);
  assert_null(strstr(out, "Aisha"));
  assert_non_null(strstr(out, "tilbagekaldt"));
  assert_non_null(strstr(out, "forkert_indhold, af kommunen"));
  free(out);
  snprintf(path, sizeof path, "%s/recalled", g.dir);
  assert_int_equal(fx_advf(&g, NULL, &out, "export %s --out %s", th, path), 0);
  free(out);
  snprintf(path, sizeof path, "%s/recalled.json", g.dir);
  out = tu_read_file(path, NULL);
  assert_non_null(out);
  assert_null(strstr(out, "Aisha"));
  free(out);
  out = tu_read_file(g.audit, NULL);
  char needle[200];
  snprintf(needle, sizeof needle, "who=inboxd action=recalled thread=%s msg=%s", th, fu);
  assert_non_null(strstr(out, needle));
  free(out);
  /* The team cannot recall the municipality's message. */
  snprintf(prefix, sizeof prefix, "%.8s", fu);
  assert_int_equal(fx_advf(&g, NULL, &out, "recall %s %s", th, prefix), 1);
  assert_non_null(strstr(out, "only a message it sent"));
  free(out);
  /* The team recalls its own reply. */
  assert_int_equal(fx_advf(&g, "Forkert råd til en anden kommune.", &out,
                           "reply %s --stdin --reporting-duty no", th),
                   0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 20000, &r), 0);
  snprintf(rid, sizeof rid, "%s", rp_received_msg_id(r));
  rp_received_free(r);
  snprintf(prefix, sizeof prefix, "%.8s", rid);
  assert_int_equal(fx_advf(&g, NULL, &out, "recall %s %s --reason nej", th, prefix), 1);
  assert_non_null(strstr(out, "one of: forkert_modtager forkert_indhold dublet andet"));
  free(out);
  assert_int_equal(
      fx_advf(&g, NULL, &out, "recall %s %s --reason forkert_modtager", th, prefix), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "recall", 20000, &r), 0);
  assert_int_equal(rp_received_get_hex(r, "about", &v), 0);
  assert_string_equal(v, rid);
  assert_int_equal(rp_received_get_enum(r, "reason", &v), 0);
  assert_string_equal(v, "forkert_modtager");
  rp_received_free(r);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s --json", th), 0);
  assert_null(strstr(out, "Forkert råd"));
  assert_non_null(strstr(out, "\"reason\":\"forkert_modtager\",\"by\":\"team\""));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "recall %s %s", th, prefix), 1);
  assert_non_null(strstr(out, "already recalled"));
  free(out);
  out = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "action=recall thread=%s msg=%s", th, rid);
  assert_non_null(strstr(out, needle));
  free(out);
}

/* Meetings: the municipality's request is seen in the thread's JSON; the team proposes
 * times, confirms one and cancels, each reaching the municipality with the meeting's
 * reference. */
static void test_meetings(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], mr[RP_ID_STRLEN], *out = NULL, needle[120];
  (void)state;
  assert_int_equal(fx_new_thread(&g, 0, "normal", th, req), 0);
  assert_int_equal(fx_meeting_request(&g, 0, th, mr), 0);
  snprintf(needle, sizeof needle, "\"meetings\":[{\"meeting\":\"%s\"", mr);
  assert_int_equal(fx_wait_show(&g, th, needle, &out), 0);
  assert_non_null(strstr(out, "\"purpose\":\"sagsdroeftelse\""));
  free(out);
  /* Usage and value checks. */
  assert_int_equal(fx_advf(&g, NULL, &out, "meeting-propose %s --mode online", th), 1);
  assert_non_null(strstr(out, "at least one slot"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-propose %s --slot 2026-01-08T10:00 --mode online", th),
                   2);
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-propose %s --slot 2026-01-08T10:00/60 --mode video",
                           th),
                   1);
  assert_non_null(strstr(out, "unknown meeting mode 'video'; one of: online fysisk"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-propose %s --slot 2026-01-08T10:00/60 "
                           "--slot 2026-01-09T13:30/90 --mode online",
                           th),
                   0);
  free(out);
  ibx_expect_proposal(&g, 0, mr);
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-confirm %s --slot 2026-01-08T10:00/60 --mode fysisk",
                           th),
                   1);
  assert_non_null(strstr(out, "needs a place"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-confirm %s --slot 2026-01-08T10:00/60 --mode fysisk "
                           "--place hos_kommunen",
                           th),
                   0);
  free(out);
  ibx_expect_confirmation(&g, 0, mr);
  assert_int_equal(
      fx_advf(&g, NULL, &out, "meeting-cancel %s --reason ny_tid_oenskes --json", th), 0);
  /* Structured output for a front end. */
  snprintf(needle, sizeof needle, "\"kind\":\"meeting_cancellation\",\"meeting\":\"%s\"}",
           mr);
  assert_non_null(strstr(out, needle));
  free(out);
  ibx_expect_cancellation(&g, 0, mr, "ny_tid_oenskes");
  /* The thread's meetings: the request and the three answers, all one meeting. */
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s --json", th), 0);
  json_t *root = json_loads(out, 0, NULL), *ms = json_object_get(root, "meetings");
  assert_int_equal(json_array_size(ms), 4);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ms, i), "meeting")), mr);
  assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 3), "kind")),
                      "meeting_cancellation");
  json_decref(root);
  free(out);
}

/* The consent withdrawn: the thread closes, nothing more is accepted (claim, reply, ask,
 * meetings), the content is hidden, the purge time is in the JSON, the audit log has
 * it. */
static void test_consent_withdrawn(void **state) {
  char th[RP_ID_STRLEN], req[RP_ID_STRLEN], id[RP_ID_STRLEN], *out = NULL, needle[200];
  (void)state;
  assert_int_equal(fx_new_thread(&g, 2, "akut", th, req), 0);
  assert_int_equal(fx_consent_withdrawn(&g, 2, th, "foraeldremyndighed", req, id), 0);
  assert_int_equal(fx_wait_show(&g, th, "\"consent_withdrawn\":{", &out), 0);
  json_t *root = json_loads(out, 0, NULL);
  json_t *t = json_object_get(root, "thread"), *c = json_object_get(t, "consent_withdrawn");
  assert_string_equal(json_string_value(json_object_get(c, "by")), "foraeldremyndighed");
  json_int_t closed = json_integer_value(json_object_get(t, "closed_at"));
  assert_true(closed > 0);
  /* Purged with the closed threads: retention (3600 s here) after it closed. */
  assert_int_equal(json_integer_value(json_object_get(c, "purge_at")), closed + 3600000);
  assert_string_equal(json_string_value(json_object_get(t, "state")), "closed");
  json_decref(root);
  assert_null(strstr(out, "genopdragelsesrejse"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s", th), 0);
  assert_null(strstr(out, "genopdragelsesrejse"));
  assert_non_null(strstr(out, "SAMTYKKE TILBAGEKALDT"));
  free(out);
  static const char *const refused[][2] = {{"claim", ""},
                                           {"reply", "--stdin --reporting-duty no"},
                                           {"ask", "--stdin"},
                                           {"close", "--outcome andet"},
                                           {"meeting-cancel", ""}};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    assert_int_equal(
        fx_advf(&g, "Tekst.", &out, "%s %s %s", refused[i][0], th, refused[i][1]), 1);
    if (strstr(out, "consent was withdrawn") == NULL)
      fprintf(stderr, "%s: %s", refused[i][0], out);
    assert_non_null(strstr(out, "consent was withdrawn (samtykke tilbagekaldt)"));
    free(out);
  }
  assert_int_equal(fx_log_count(&g, "kind=reply to=kommune-103"), 0);
  out = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "who=inboxd action=consent_withdrawn thread=%s", th);
  assert_non_null(strstr(out, needle));
  free(out);
}

/* The team lead's counts: per quarter, urgency, category, region (the roster's network:
 * kommune-101 and 102 are east, 103 west), outcomes and the service clock; no ids and
 * no text. */
static void test_stats(void **state) {
  char *out = NULL, *listing = NULL;
  (void)state;
  assert_int_equal(fx_advf(&g, NULL, &out, "stats --json"), 0);
  json_t *root = json_loads(out, 0, NULL);
  assert_non_null(root);
  assert_int_equal(json_integer_value(json_object_get(root, "requests")), 4);
  json_t *q = json_array_get(json_object_get(root, "by_quarter"), 0);
  assert_string_equal(json_string_value(json_object_get(q, "quarter")), "2026-Q1");
  assert_int_equal(json_integer_value(json_object_get(q, "requests")), 4);
  json_t *u = json_object_get(root, "by_urgency");
  assert_int_equal(json_integer_value(json_object_get(u, "akut")), 1);
  assert_int_equal(json_integer_value(json_object_get(u, "haster")), 1);
  assert_int_equal(json_integer_value(json_object_get(u, "normal")), 2);
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(root, "by_category"), "trusler")),
      4);
  json_t *reg = json_object_get(root, "by_region");
  assert_int_equal(json_integer_value(json_object_get(reg, "oest")), 3);
  assert_int_equal(json_integer_value(json_object_get(reg, "vest")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "outcomes"),
                                                      "samtykke_tilbagekaldt")),
                   1);
  /* The akut request was opened (shown) at once: in time. */
  json_t *ak = json_object_get(json_object_get(root, "service_clock"), "akut");
  assert_int_equal(json_integer_value(json_object_get(ak, "opened_in_time")), 1);
  assert_true(json_real_value(json_object_get(ak, "share_opened_in_time")) == 1.0);
  json_decref(root);
  /* Nothing per thread: no thread or message id is in it. */
  assert_int_equal(fx_advisor(&g, "list --all --json", NULL, &listing), 0);
  for (char *p = strstr(listing, "\"thread_id\":\""); p != NULL;
       p = strstr(p + 1, "\"thread_id\":\"")) {
    char id[9];
    snprintf(id, sizeof id, "%.8s", p + 13);
    assert_null(strstr(out, id));
  }
  free(listing);
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "stats"), 0);
  assert_non_null(strstr(out, "2026-Q1"));
  assert_non_null(strstr(out, "Requests per region: oest 3 vest 1"));
  assert_non_null(strstr(out, "akut    1/1 opened in time (100%)"));
  free(out);
  /* A range without arrivals counts nothing. */
  assert_int_equal(
      fx_advf(&g, NULL, &out, "stats --json --from 2026-02-01 --until 2026-03-31"), 0);
  assert_non_null(strstr(out, "\"requests\":0"));
  free(out);
  assert_int_equal(
      fx_advf(&g, NULL, &out, "stats --json --from 2026-01-05 --until 2026-01-05"), 0);
  assert_non_null(strstr(out, "\"requests\":4"));
  free(out);
}

/* A plan review from municipality i with one attachment; its thread is its own id. */
static void plan_review(int i, char id[RP_ID_STRLEN]) {
  static const uint8_t pdf[3000] = {'%', 'P', 'D', 'F'};
  rp_msg *m = NULL;
  char *out = NULL;
  assert_int_equal(rp_msg_new("plan_review", &m), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_org", fx_code(&g, i)), 0);
  assert_int_equal(rp_msg_set_enum(m, "plan", "handlingsplan"), 0);
  assert_int_equal(rp_msg_attach_buffer(m, pdf, sizeof pdf, "plan-aisha.pdf",
                                        "application/pdf", "handlingsplan"),
                   0);
  assert_int_equal(rp_send(g.mun[i], m, id), 0);
  rp_msg_free(m);
  assert_int_equal(fx_wait_show(&g, id, "plan-aisha.pdf", &out), 0);
  free(out);
}

/* Hidden content is not handed out as a file either: a recalled message's attachment and
 * a withdrawn thread's are refused by save, and their names are not shown. */
static void test_hidden_attachments(void **state) {
  char a[RP_ID_STRLEN], b[RP_ID_STRLEN], rid[RP_ID_STRLEN], path[800], *out = NULL;
  (void)state;
  plan_review(0, a);
  assert_int_equal(fx_recall(&g, 0, a, a, "forkert_modtager", rid), 0);
  assert_int_equal(fx_wait_show(&g, a, "\"by\":\"municipality\"", &out), 0);
  assert_null(strstr(out, "plan-aisha.pdf"));
  free(out);
  snprintf(path, sizeof path, "%s/saved-a.pdf", g.dir);
  assert_int_equal(fx_advf(&g, NULL, &out, "save %s 1 %s", a, path), 1);
  assert_non_null(strstr(out, "was recalled"));
  free(out);
  assert_int_not_equal(access(path, F_OK), 0);
  /* Another member cannot hide what it did not send: its recall changes nothing. */
  plan_review(1, b);
  assert_int_equal(fx_recall(&g, 2, b, b, "dublet", rid), 0);
  assert_int_equal(fx_wait_log(&g, "event=recall_ignored", 20000), 0);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s --json", b), 0);
  assert_non_null(strstr(out, "plan-aisha.pdf"));
  free(out);
  /* Consent withdrawn: save refused. */
  assert_int_equal(fx_consent_withdrawn(&g, 1, b, "borger", NULL, rid), 0);
  assert_int_equal(fx_wait_show(&g, b, "\"consent_withdrawn\":{", &out), 0);
  assert_null(strstr(out, "plan-aisha.pdf"));
  free(out);
  snprintf(path, sizeof path, "%s/saved-b.pdf", g.dir);
  assert_int_equal(fx_advf(&g, NULL, &out, "save %s 1 %s", b, path), 1);
  assert_non_null(strstr(out, "consent was withdrawn"));
  free(out);
  assert_int_not_equal(access(path, F_OK), 0);
}

/* The purge takes the withdrawn threads and their marks when the retention has passed
 * (3600 s here); marks of threads still open stay. */
static void test_purge(void **state) {
  (void)state;
  assert_true(fx_db_count(&g, "SELECT count(*) FROM marks WHERE kind = 9") >= 2);
  long long open_marks =
      fx_db_count(&g, "SELECT count(*) FROM marks m JOIN threads t USING(thread_id) "
                      "WHERE t.state != 6");
  assert_true(open_marks >= 2); /* the recalls in test_recall's open thread */
  fx_set_clock(&g, FX_MON_0900 + 2 * FX_HOUR);
  assert_int_equal(fx_wait_log(&g, "event=purged threads=", 20000), 0);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM marks WHERE kind = 9"), 0);
  assert_int_equal(fx_db_count(&g, "SELECT count(*) FROM marks"), open_marks);
  fx_set_clock(&g, FX_MON_0900);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reply_coded_fields),
      cmocka_unit_test(test_recall),
      cmocka_unit_test(test_meetings),
      cmocka_unit_test(test_consent_withdrawn),
      cmocka_unit_test(test_stats),
      cmocka_unit_test(test_hidden_attachments),
      cmocka_unit_test(test_purge),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
