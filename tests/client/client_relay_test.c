/* SPDX-License-Identifier: MIT */
/*
 * The client library against the real relay on loopback: a request reaches the team
 * and the reply comes back linked; statuses with their times; the relay down while
 * sending; the CPR guard; a wrong relay key; a roster update picked up.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "cl_fixture.h"
#include "roster.h"

#include <pthread.h>

typedef struct seen {
  int n;
  char last[RP_ID_STRLEN];
} seen;

static void on_recv(void *data, rp_client *c, const rp_received *r) {
  seen *s = data;
  (void)c;
  __atomic_add_fetch(&s->n, 1, __ATOMIC_SEQ_CST);
  snprintf(s->last, sizeof s->last, "%s", rp_received_msg_id(r));
}

static void test_request_reply_linked(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char req[RP_ID_STRLEN], rep[RP_ID_STRLEN];
  const char *text = NULL, *name = NULL;
  uint64_t t_q = 0, t_r = 0, t_d = 0, t_o = 0, t_a = 0;
  char *json = NULL;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-reqrep"), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_string_equal(rp_client_member_id(muni), CL_MUNI);

  assert_non_null(m = cl_request("Hvordan planlægger vi et sikkert første møde?"));
  /* Left empty, sender_org is filled in from the signed roster (the fixture's code). */
  assert_int_equal(rp_msg_set_text(m, "sender_org", ""), 0);
  assert_int_equal(rp_send(muni, m, req), 0);
  rp_msg_free(m);
  assert_int_equal(strlen(req), 32);
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_RELAYED, 10000), 0);

  /* The team reads it by polling; fields come back by name. */
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_kind(r), "request");
  assert_string_equal(rp_received_msg_id(r), req);
  assert_string_equal(rp_received_thread_id(r), req); /* a request starts its thread */
  assert_string_equal(rp_received_sender(r), CL_MUNI);
  assert_int_equal(rp_received_get_text(r, "question", &text), 0);
  assert_string_equal(text, "Hvordan planlægger vi et sikkert første møde?");
  assert_int_equal(rp_received_get_text(r, "sender_org", &text), 0);
  assert_string_equal(text, "102");
  assert_int_equal(rp_received_get_enum(r, "risk.level", &name), 0);
  assert_string_equal(name, "hoej");
  assert_int_equal(rp_received_get_set(r, "categories", 0, &name), 0);
  assert_string_equal(name, "trusler");
  assert_int_equal(rp_received_get_set(r, "categories", 1, &name), RP_ENOTFOUND);
  assert_int_equal(rp_received_get_text(r, "local_case_ref", &text), RP_ENOTFOUND);
  assert_int_equal(rp_received_get_text(r, "no_such_field", &text), RP_ENOTFOUND);
  assert_int_equal(rp_received_get_uint(r, "question", &t_q), RP_ETYPE);
  assert_int_equal(rp_received_to_json(r, &json), 0);
  assert_non_null(strstr(json, "\"urgency\":\"haster\""));
  rp_free(json);
  assert_int_equal(rp_inbox_mark_handled(team, req), 0);
  rp_received_free(r);
  r = NULL;
  /* The team's library sent the "delivered" receipt by itself. */
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(rp_send_opened(team, req), 0);
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_OPENED, 10000), 0);

  /* The reply goes back to the sender without naming it, in the request's thread. */
  assert_non_null(m = cl_reply(req, "Lav en risikovurdering før familien inddrages."));
  assert_int_equal(rp_send(team, m, rep), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_inbox(muni, &r, 10000), 0);
  assert_string_equal(rp_received_kind(r), "reply");
  assert_string_equal(rp_received_msg_id(r), rep);
  assert_string_equal(rp_received_in_reply_to(r), req);
  assert_string_equal(rp_received_thread_id(r), req);
  assert_string_equal(rp_received_sender(r), CL_TEAM);
  assert_int_equal(rp_received_get_text(r, "advisor.id", &text), 0);
  assert_string_equal(text, "R7");
  rp_received_free(r);
  assert_int_equal(cl_wait_status(muni, req, RP_STATUS_ANSWERED, 10000), 0);
  /* Every step has its time, in order. */
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_QUEUED, &t_q), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_RELAYED, &t_r), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_DELIVERED, &t_d), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_OPENED, &t_o), 0);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_ANSWERED, &t_a), 0);
  assert_true(t_q > 0 && t_q <= t_r && t_r <= t_d && t_d <= t_o && t_o <= t_a);
  assert_int_equal(rp_status_time(muni, req, RP_STATUS_FAILED, &t_q), 0);
  assert_int_equal(t_q, 0);
  /* The team's own reply reached delivered through the municipality's receipt. */
  assert_int_equal(cl_wait_status(team, rep, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(cl_outbox_count(muni), 1); /* receipts are not listed */
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

static void test_relay_down_then_up(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN];
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-down"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_non_null(m = cl_request("Relay down"));
  assert_int_equal(rp_send(muni, m, id), 0); /* durable locally: no relay needed */
  rp_msg_free(m);
  assert_int_equal(rp_client_flush(muni, 500), RP_ETIMEDOUT);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_QUEUED);
  assert_int_not_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_RELAYED);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  rp_received_free(r);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static void test_cpr_refused_nothing_stored(void **state) {
  tp_relay f;
  rp_client *muni;
  rp_msg *m;
  char id[RP_ID_STRLEN] = "x";
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-cpr"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Pigen har cpr 010190-1234, hvad gør vi?"));
  assert_int_equal(rp_send(muni, m, id), RP_ECPR);
  assert_string_equal(rp_msg_error_field(m), "question");
  assert_int_equal(rp_msg_error_offset(m), strlen("Pigen har cpr "));
  assert_string_equal(id, "");
  assert_int_equal(cl_outbox_count(muni), 0);
  /* A municipality cannot speak for another: a foreign sender_org is refused. */
  rp_msg_free(m);
  assert_non_null(m = cl_request("Et spørgsmål"));
  assert_int_equal(rp_msg_set_text(m, "sender_org", "103"), 0);
  assert_int_equal(rp_send(muni, m, id), RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "sender_org");
  assert_int_equal(cl_outbox_count(muni), 0);
  /* A schema rule names its field too: a request needs at least one category. */
  rp_msg_free(m);
  assert_non_null(m = cl_request("Uden kategori"));
  assert_int_equal(rp_msg_set_enum(m, "urgency", "ikke-en-værdi"), RP_EENUM);
  assert_string_equal(rp_msg_error_field(m), "urgency");
  assert_int_equal(rp_msg_set_text(m, "nope", "x"), RP_ENOTFOUND);
  assert_int_equal(rp_msg_set_uint(m, "msg_id", 1), RP_EINVAL); /* the library's */
  rp_msg_free(m);
  assert_int_equal(rp_msg_new("reply", &m), 0);
  assert_int_equal(rp_send(muni, m, id), RP_EKIND); /* a municipality sends no reply */
  rp_msg_free(m);
  /* A request starts its own thread (PROTOCOL.md 6.6): one put into a thread is refused
   * with a sentence that says so, not sent to be refused by the team. */
  assert_non_null(m = cl_request("I en anden tråd"));
  assert_int_equal(rp_msg_set_thread(m, "0f0e0d0c0b0a09080706050403020100"), 0);
  assert_int_equal(rp_send(muni, m, id), RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "thread_id");
  assert_non_null(strstr(rp_msg_error_text(m), "starts its own thread"));
  rp_msg_free(m);
  assert_int_equal(cl_outbox_count(muni), 0);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static void test_wrong_relay_key(void **state) {
  tp_relay f;
  rp_config *cfg;
  rp_client *muni = NULL;
  rp_msg *m;
  uint8_t wrong[32];
  char id[RP_ID_STRLEN];
  uint64_t end;
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-wrongkey"), 0);
  randombytes_buf(wrong, sizeof wrong);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, wrong));
  assert_int_equal(rp_client_new(cfg, &muni), 0);
  rp_config_free(cfg);
  assert_non_null(m = cl_request("Wrong key"));
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  end = rp__clock_mono_ms() + 10000;
  while (rp_client_last_error(muni) != RP_EAUTH && rp__clock_mono_ms() < end)
    usleep(10000);
  assert_int_equal(rp_client_last_error(muni), RP_EAUTH);
  assert_int_equal(tp_relay_wait_log(&f, "handshake_failed", 5000, 1), 0);
  /* It keeps trying (with backoff) and nothing was sent. */
  usleep(300000);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_QUEUED);
  assert_int_equal(tp_relay_log_count(&f, "conn_auth"), 0);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* The administrator enrols a new municipality: bump, sign, write, SIGHUP. */
static const rp__identity *enrol(tp_relay *f, const char *id) {
  rp__identity *ident = NULL;
  rp__member mb;
  const uint8_t *doc;
  size_t len;
  char tmp[700];
  FILE *fp;
  if (rp__identity_generate(id, &ident) != 0) return NULL;
  memset(&mb, 0, sizeof mb);
  mb.pub = ident->pub;
  mb.kind = RP_MEMBER_MUNICIPALITY;
  memcpy(mb.municipality, "851", 3);
  mb.networks = RP_NETWORK_WEST;
  if (rp__roster_add(f->roster, &mb) != 0 ||
      rp__roster_bump(f->roster, rp__clock_wall_ms()) != 0 ||
      rp__roster_sign(f->roster, f->admin) != 0 ||
      rp__roster_document(f->roster, &doc, &len) != 0)
    return NULL;
  snprintf(tmp, sizeof tmp, "%s.tmp", f->roster_path);
  if ((fp = fopen(tmp, "wb")) == NULL) return NULL;
  fwrite(doc, 1, len, fp);
  fclose(fp);
  if (rename(tmp, f->roster_path) != 0) return NULL;
  f->members[f->nmembers++] = ident;
  return ident;
}

static void test_roster_update_picked_up(void **state) {
  tp_relay f;
  rp_client *muni;
  rp_msg *m;
  char id[RP_ID_STRLEN];
  uint64_t v0 = 0, v1 = 0, end;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-roster"), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(rp_client_roster_version(muni, &v0), 0);
  assert_int_equal(rp_msg_new("meeting_request", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "purpose", "sparring"), 0);
  assert_int_equal(rp_msg_set_enum(m, "mode", "online"), 0);
  assert_int_equal(rp_msg_set_uint(m, "duration_min", 60), 0);
  assert_int_equal(rp_msg_set_recipient(m, "k851"), 0);
  assert_int_equal(rp_send(muni, m, id), RP_EUNKNOWNMEMBER);
  assert_string_equal(rp_msg_error_field(m), "recipient");
  assert_non_null(enrol(&f, "k851"));
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_done", 5000, 0), 0);
  /* The relay pushes the new roster; the client verifies and keeps it. */
  end = rp__clock_mono_ms() + 10000;
  while (rp_client_roster_version(muni, &v1) == 0 && v1 == v0 && rp__clock_mono_ms() < end)
    usleep(10000);
  assert_int_equal(v1, v0 + 1);
  assert_int_equal(rp_send(muni, m, id), 0);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  assert_int_equal(rp_client_refresh_roster(muni, 5000), 0);
  rp_msg_free(m);
  rp_client_free(muni);
  /* The stored roster survives a restart without the file being newer. */
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(rp_client_roster_version(muni, &v0), 0);
  assert_int_equal(v0, v1);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static void test_config_errors(void **state) {
  rp_config *cfg = NULL;
  rp_client *c = (rp_client *)1;
  (void)state;
  assert_int_equal(rp_config_new(&cfg), 0);
  assert_int_equal(rp_config_set_relay(cfg, "localhost", 70000), RP_ECONFIG);
  assert_non_null(strstr(rp_config_error(cfg), "relay"));
  assert_int_equal(rp_config_set_relay_key(cfg, "abc"), RP_ECONFIG);
  assert_non_null(strstr(rp_config_error(cfg), "relay_key"));
  assert_int_equal(rp_config_set_backoff(cfg, 5, 10), RP_ECONFIG);
  assert_int_equal(rp_config_set_expiry(cfg, RP_EXPIRY_MAX_MS + 1), RP_ECONFIG);
  assert_int_equal(rp_config_set_expiry(cfg, RP_EXPIRY_MAX_MS), 0);
  assert_string_equal(rp_config_error(cfg), "");
  assert_int_equal(rp_client_new(cfg, &c), RP_ECONFIG);
  assert_null(c);
  assert_non_null(strstr(rp_config_error(cfg), "state_dir"));
  rp_config_free(cfg);
  assert_int_equal(rp_version() >> 16, RP_VERSION_MAJOR);
  assert_string_equal(rp_strerror(RP_ECPR), "text contains a CPR number; remove it before "
                                            "sending");
}

#define SENDERS 4
#define PER_SENDER 25

typedef struct sender_arg {
  rp_client *c;
  char ids[PER_SENDER][RP_ID_STRLEN];
  int failures;
} sender_arg;

/* Distinct messages the status callback saw at relayed or beyond (a receipt may
 * overtake the relay's ACK, and then "relayed" is no change of its own). */
typedef struct status_seen {
  pthread_mutex_t mu;
  char ids[SENDERS * PER_SENDER + 8][RP_ID_STRLEN];
  int n, calls;
} status_seen;

static void on_status(void *data, rp_client *c, const char *msg_id, int status, int error) {
  status_seen *s = data;
  int i;
  (void)c;
  if (strlen(msg_id) != 32 || status < RP_STATUS_RELAYED || error != 0) return;
  pthread_mutex_lock(&s->mu);
  s->calls++;
  for (i = 0; i < s->n && strcmp(s->ids[i], msg_id) != 0; i++)
    continue;
  if (i == s->n && s->n < SENDERS * PER_SENDER + 8)
    snprintf(s->ids[s->n++], RP_ID_STRLEN, "%s", msg_id);
  pthread_mutex_unlock(&s->mu);
}

static int status_count(status_seen *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

static void *sender_main(void *p) {
  sender_arg *a = p;
  rp_msg *m = cl_request("Fra flere tråde");
  for (int i = 0; i < PER_SENDER; i++)
    if (m == NULL || rp_send(a->c, m, a->ids[i]) != 0) a->failures++;
  rp_msg_free(m);
  return NULL;
}

/* rp_send, rp_status and the inbox calls from several threads at once. */
static void test_concurrent_senders(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  seen s = {0, ""};
  rp_config *cfg;
  pthread_t th[SENDERS];
  sender_arg args[SENDERS];
  uint64_t end, pending = 0;
  int got = 0, st = 0;
  static status_seen relayed = {PTHREAD_MUTEX_INITIALIZER, {{0}}, 0, 0};
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-threads"), 0);
  assert_non_null(cfg = cl_config(&f, CL_TEAM, NULL, NULL));
  assert_int_equal(rp_config_set_receive_callback(cfg, on_recv, &s), 0);
  assert_int_equal(rp_client_new(cfg, &team), 0);
  rp_config_free(cfg);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  assert_int_equal(rp_config_set_status_callback(cfg, on_status, &relayed), 0);
  assert_int_equal(rp_client_new(cfg, &muni), 0);
  rp_config_free(cfg);
  for (int i = 0; i < SENDERS; i++) {
    memset(&args[i], 0, sizeof args[i]);
    args[i].c = muni;
    assert_int_equal(pthread_create(&th[i], NULL, sender_main, &args[i]), 0);
  }
  for (int i = 0; i < SENDERS; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(args[i].failures, 0);
  }
  assert_int_equal(rp_client_flush(muni, 20000), 0);
  assert_int_equal(cl_outbox_count(muni), SENDERS * PER_SENDER);
  /* Every message was reported by the status callback. */
  end = rp__clock_mono_ms() + 5000;
  while (status_count(&relayed) < SENDERS * PER_SENDER && rp__clock_mono_ms() < end)
    usleep(5000);
  assert_int_equal(status_count(&relayed), SENDERS * PER_SENDER);
  end = rp__clock_mono_ms() + 20000;
  while (__atomic_load_n(&s.n, __ATOMIC_SEQ_CST) < SENDERS * PER_SENDER &&
         rp__clock_mono_ms() < end)
    usleep(10000);
  assert_int_equal(__atomic_load_n(&s.n, __ATOMIC_SEQ_CST), SENDERS * PER_SENDER);
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, SENDERS * PER_SENDER);
  while (rp_inbox_next(team, &r) == 0) {
    assert_int_equal(rp_inbox_mark_handled(team, rp_received_msg_id(r)), 0);
    rp_received_free(r);
    got++;
  }
  assert_int_equal(got, SENDERS * PER_SENDER);
  for (int i = 0; i < SENDERS; i++)
    for (int j = 0; j < PER_SENDER; j++) {
      assert_int_equal(cl_wait_status(muni, args[i].ids[j], RP_STATUS_DELIVERED, 10000), 0);
      assert_int_equal(rp_status(muni, args[i].ids[j], &st, NULL), 0);
    }
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_request_reply_linked),
      cmocka_unit_test(test_relay_down_then_up),
      cmocka_unit_test(test_cpr_refused_nothing_stored),
      cmocka_unit_test(test_wrong_relay_key),
      cmocka_unit_test(test_roster_update_picked_up),
      cmocka_unit_test(test_concurrent_senders),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
