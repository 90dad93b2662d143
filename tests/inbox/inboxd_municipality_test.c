/* SPDX-License-Identifier: MIT */
/*
 * The municipality's whole workflow with real processes: the relay, the team's inbox
 * daemon driven by `rejsepost advisor`, and one municipality (kommune-101) through the
 * client library (the case system) and the `rejsepost` command line (the caseworker),
 * taking turns on one state folder. The CLI's settings list a dead relay address first
 * (rejsepost.conf's relay with two addresses).
 *
 * request with a plan attachment -> the advisor asks for more information -> the
 * municipality answers (CLI answer) -> the advisor proposes a meeting -> the
 * municipality confirms a slot (CLI meeting confirm) -> the team announces a network
 * meeting -> the municipality registers (CLI register) -> the municipality recalls a
 * mistaken follow-up (CLI recall: the team hides it, the library shows
 * RP_STATUS_RECALLED) -> the team recalls a reply it sent (the municipality's library
 * hides it and answers recalled) -> the municipality withdraws consent (CLI
 * withdraw-consent: the team's daemon shows it). Plus a plan review (CLI plan-review)
 * and a meeting cancellation (CLI meeting cancel). Each step is checked on the other
 * side, not only by exit codes.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_fixture.h"

static fx g;

#define M 0 /* kommune-101, the municipality of this test */

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-municipality");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* Runs `rejsepost ARGS` (test-made words, no quoting issues); stdout in *out (malloc'd),
 * stderr appended to the test's own stderr. Returns the exit status. */
__attribute__((format(printf, 2, 3))) static int cli(char **out, const char *fmt, ...) {
  char args[2000], cmd[5000], outpath[800], errpath[800];
  const char *bdir = getenv("RP_BUILD_DIR");
  va_list ap;
  int st;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(outpath, sizeof outpath, "%s/cli.out", g.dir);
  snprintf(errpath, sizeof errpath, "%s/cli.err", g.dir);
  snprintf(cmd, sizeof cmd, "%s/tools/rejsepost %s >%s 2>%s", bdir != NULL ? bdir : ".",
           args, outpath, errpath);
  st = system(cmd);
  *out = tu_read_file(outpath, NULL);
  if (*out == NULL) *out = strdup("");
  char *err = tu_read_file(errpath, NULL);
  if (err != NULL && err[0] != 0) fprintf(stderr, "[rejsepost %.40s] %s", args, err);
  free(err);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line of a CLI's output: the msg_id it printed. */
static void first_id(const char *out, char id[RP_ID_STRLEN]) {
  assert_true(strlen(out) >= RP_ID_STRLEN - 1);
  memcpy(id, out, RP_ID_STRLEN - 1);
  id[RP_ID_STRLEN - 1] = 0;
  for (int i = 0; i < RP_ID_STRLEN - 1; i++)
    assert_non_null(strchr("0123456789abcdef", id[i]));
}

static void state_of(char path[800]) {
  snprintf(path, 800, "%s/%s-state", g.dir, g.mun_id[M]);
}

/* The case system lets go of the state folder while the caseworker's CLI works in it,
 * and takes it again after. */
static void lib_close(void) {
  rp_client_free(g.mun[M]);
  g.mun[M] = NULL;
}

static void lib_open(void) {
  assert_int_equal(fx_client(&g, g.mun_id[M], &g.mun[M]), 0);
}

/* Waits until the CLI's inbox lists a message of kind; its id in id. */
static int cli_wait_kind(const char *st, const char *kind, char id[RP_ID_STRLEN]) {
  char needle[64];
  snprintf(needle, sizeof needle, " %s ", kind);
  for (int i = 0; i < 40; i++) {
    char *out = NULL, *p;
    assert_int_equal(cli(&out, "inbox --state %s --wait 1", st), 0);
    if ((p = strstr(out, needle)) != NULL) {
      while (p > out && p[-1] != '\n')
        p--;
      memcpy(id, p, RP_ID_STRLEN - 1);
      id[RP_ID_STRLEN - 1] = 0;
      free(out);
      return 0;
    }
    free(out);
    fx_sleep_ms(200);
  }
  return RP_ETIMEDOUT;
}

/* Waits until a message of kind is in the municipality's inbox, unhandled, without
 * handling it (a new handle each time, which starts over with every unhandled message);
 * its id in id. */
static int wait_unhandled(const char *kind, char id[RP_ID_STRLEN]) {
  for (int i = 0; i < 200; i++) {
    rp_received *r = NULL;
    lib_close();
    lib_open();
    while (rp_inbox_next(g.mun[M], &r) == 0) {
      int hit = strcmp(rp_received_kind(r), kind) == 0;
      if (hit) snprintf(id, RP_ID_STRLEN, "%s", rp_received_msg_id(r));
      rp_received_free(r);
      if (hit) return 0;
    }
    fx_sleep_ms(100);
  }
  return RP_ETIMEDOUT;
}

static const char k_plan[] =
    "Handleplan, udkast 2: 1. Risikovurdering. 2. Sikkerhedsplan.\n";

/* The request, through the library, with a draft plan attached. */
static void send_request(char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  assert_int_equal(rp_msg_new("request", &m), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_org", fx_code(&g, M)), 0);
  assert_int_equal(rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver"), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_ref", "sagsbehandler-7"), 0);
  assert_int_equal(rp_msg_set_enum(m, "request_type", "handlingsplan"), 0);
  assert_int_equal(rp_msg_set_enum(m, "urgency", "haster"), 0);
  assert_int_equal(rp_msg_add_to_set(m, "categories", "tvangsaegteskab"), 0);
  assert_int_equal(rp_msg_set_enum(m, "risk.level", "hoej"), 0);
  assert_int_equal(rp_msg_set_bool(m, "risk.acute", 0), 0);
  assert_int_equal(rp_msg_set_enum(m, "risk.tool", "ingen"), 0);
  assert_int_equal(rp_msg_set_enum(m, "citizen.age_band", "18_22"), 0);
  assert_int_equal(rp_msg_set_enum(m, "identifiability.mode", "anonym"), 0);
  assert_int_equal(rp_msg_set_enum(m, "identifiability.consent", "ingen"), 0);
  assert_int_equal(rp_msg_set_text(m, "question", "Vil I se vores handleplan igennem?"), 0);
  assert_int_equal(rp_msg_attach_buffer(m, k_plan, sizeof k_plan - 1, "handleplan.txt",
                                        "text/plain", "handlingsplan"),
                   0);
  assert_int_equal(rp_send(g.mun[M], m, id), 0);
  rp_msg_free(m);
}

static void test_whole_workflow(void **state) {
  char st[800], *out = NULL, *txt = NULL, needle[300], path[900], relay_hex[65];
  char req[RP_ID_STRLEN], th[RP_ID_STRLEN], ask[RP_ID_STRLEN], ans[RP_ID_STRLEN];
  char prop[RP_ID_STRLEN], conf[RP_ID_STRLEN], ann[RP_ID_STRLEN], reg[RP_ID_STRLEN];
  char fu[RP_ID_STRLEN], rec[RP_ID_STRLEN], rep[RP_ID_STRLEN], cw[RP_ID_STRLEN];
  rp_received *r = NULL;
  const char *v = NULL;
  uint64_t slot2 = 0, when = 0;
  int status = 0;
  (void)state;
  state_of(st);

  /* The caseworker's CLI on the case system's state folder: a dead address first. */
  fx_hex(g.relay.relay->pub.transport_pk, 32, relay_hex);
  {
    uint8_t buf[RP_KEYFILE_MAX];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/admin.pub", g.dir);
    assert_int_equal(rp__keyfile_encode_public(g.relay.admin, buf, sizeof buf, &len), 0);
    assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
  }
  lib_close();
  assert_int_equal(cli(&out,
                       "setup --state %s --key %s/%s.key --relay 127.0.0.1:%u "
                       "--relay 127.0.0.1:%u --relay-key %s --admin-pub %s/admin.pub "
                       "--roster %s",
                       st, g.dir, g.mun_id[M], (unsigned)tp_free_port(),
                       (unsigned)g.relay.port, relay_hex, g.dir, g.relay.roster_path),
                   0);
  free(out);
  snprintf(path, sizeof path, "%s/rejsepost.conf", st);
  txt = tu_read_file(path, NULL);
  assert_non_null(txt);
  snprintf(needle, sizeof needle, ", 127.0.0.1:%u\n", (unsigned)g.relay.port);
  assert_non_null(strstr(txt, needle));
  free(txt);
  lib_open();

  /* 1. The request with its plan: the team has the thread and the attachment. */
  send_request(req);
  assert_int_equal(fx_wait_listed(&g, "list --all --json", req, 20000), 0);
  assert_int_equal(fx_thread_of(&g, req, th), 0);
  assert_string_equal(th, req);
  assert_int_equal(fx_wait_show(&g, th, "handleplan.txt", &out), 0);
  free(out);
  snprintf(path, sizeof path, "%s/plan-saved.txt", g.dir);
  assert_int_equal(fx_advf(&g, NULL, &out, "save %s 1 %s", th, path), 0);
  free(out);
  txt = tu_read_file(path, NULL);
  assert_non_null(txt);
  assert_string_equal(txt, k_plan);
  free(txt);
  assert_int_equal(fx_wait_status(&g, M, req, RP_STATUS_DELIVERED, 20000), 0);

  /* 2. The advisor asks; the caseworker answers with the CLI, in the thread. */
  assert_int_equal(fx_advf(&g, NULL, &out, "claim %s", th), 0);
  free(out);
  assert_int_equal(
      fx_advf(&g, "Hvem har pigen fortalt det til?", &out, "ask %s --stdin", th), 0);
  free(out);
  lib_close();
  assert_int_equal(cli_wait_kind(st, "info_request", ask), 0);
  assert_int_equal(cli(&out, "read --state %s %s --wait 1", st, ask), 0);
  assert_non_null(strstr(out, "Hvem har pigen fortalt det til?"));
  free(out);
  assert_int_equal(
      cli(&out, "answer --state %s %.10s --text 'Kun til sin lærer og til os.'", st, ask),
      0);
  first_id(out, ans);
  free(out);
  lib_open();
  snprintf(needle, sizeof needle, "\"in_reply_to\":\"%s\"", ask);
  assert_int_equal(fx_wait_show(&g, th, "Kun til sin lærer og til os.", &out), 0);
  assert_non_null(strstr(out, needle));
  assert_non_null(strstr(out, ans));
  free(out);
  assert_int_equal(fx_wait_status(&g, M, ans, RP_STATUS_DELIVERED, 20000), 0);

  /* 3. The advisor proposes a meeting; the caseworker confirms the second slot. */
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-propose %s --slot 2026-01-08T10:00/60 "
                           "--slot 2026-01-09T13:30/90 --mode online",
                           th),
                   0);
  free(out);
  lib_close();
  assert_int_equal(cli_wait_kind(st, "meeting_proposal", prop), 0);
  assert_int_equal(cli(&out, "meeting confirm --state %s %s", st, prop), 1); /* 2 slots */
  free(out);
  assert_int_equal(cli(&out, "meeting confirm --state %s %s --slot 2", st, prop), 0);
  first_id(out, conf);
  free(out);
  lib_open();
  assert_int_equal(rp_inbox_get(g.mun[M], prop, &r), 0);
  assert_int_equal(rp_received_get_uint(r, "slots.1.start", &slot2), 0);
  assert_true(rp_received_handled(r));
  rp_received_free(r);
  snprintf(needle, sizeof needle, "\"msg_id\":\"%s\",\"kind\":\"meeting_confirmation\"",
           conf);
  assert_int_equal(fx_wait_show(&g, th, needle, &out), 0);
  {
    json_t *root = json_loads(out, 0, NULL), *ms = json_object_get(root, "meetings");
    json_t *last = json_array_get(ms, json_array_size(ms) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "direction")), "in");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(last, "slot"), "start")),
        (json_int_t)slot2);
    json_decref(root);
  }
  free(out);

  /* A second meeting proposed, then cancelled by the caseworker. */
  assert_int_equal(fx_advf(&g, NULL, &out,
                           "meeting-propose %s --slot 2026-01-12T09:00/30 --mode online",
                           th),
                   0);
  free(out);
  lib_close();
  assert_int_equal(cli_wait_kind(st, "meeting_proposal", prop), 0);
  assert_int_equal(
      cli(&out, "meeting cancel --state %s %s --reason ny_tid_oenskes", st, prop), 0);
  free(out);
  lib_open();
  assert_int_equal(fx_wait_show(&g, th, "\"reason\":\"ny_tid_oenskes\"", &out), 0);
  assert_non_null(strstr(out, "\"kind\":\"meeting_cancellation\",\"direction\":\"in\""));
  free(out);

  /* 4. The team announces a network meeting; the caseworker registers 3 people. */
  assert_int_equal(fx_advisor(&g,
                              "announce --network oest --date 2026-03-10 --host 101 "
                              "--title Netvaerksmoede --deadline 2026-03-01 --stdin",
                              "Program: oplæg og sparring", &out),
                   0);
  free(out);
  lib_close();
  assert_int_equal(cli_wait_kind(st, "network_announcement", ann), 0);
  assert_int_equal(cli(&out, "register --state %s %s", st, ann), 2); /* how many? */
  free(out);
  assert_int_equal(
      cli(&out, "register --state %s %s --participants 3 --role leder --role ssp", st, ann),
      0);
  first_id(out, reg);
  free(out);
  lib_open();
  assert_int_equal(fx_wait_listed(&g, "registrations --json", reg, 20000), 0);
  assert_int_equal(fx_advisor(&g, "registrations --json", NULL, &out), 0);
  assert_non_null(strstr(out, "\"answer\":\"tilmeldt\",\"participants\":3"));
  assert_non_null(strstr(out, ann));
  free(out);

  /* 5. A follow-up sent by mistake (the library), recalled with the CLI: the team hides
   * it, and the municipality sees the outcome. */
  assert_int_equal(
      fx_follow_up(&g, M, th, req, "Forkert sag: drengen i Vejle skal flytte.", fu), 0);
  assert_int_equal(fx_wait_show(&g, th, "drengen i Vejle", &out), 0);
  free(out);
  assert_int_equal(fx_wait_status(&g, M, fu, RP_STATUS_DELIVERED, 20000), 0);
  lib_close();
  assert_int_equal(
      cli(&out, "recall --state %s %.12s --reason forkert_indhold --wait 15", st, fu), 0);
  first_id(out, rec);
  free(out);
  assert_int_equal(cli(&out, "status --state %s %s", st, fu), 0);
  assert_non_null(strstr(out, "recalled"));
  free(out);
  lib_open();
  assert_int_equal(rp_status(g.mun[M], fu, &status, NULL), 0);
  assert_int_equal(status, RP_STATUS_RECALLED);
  assert_int_equal(rp_status_time(g.mun[M], fu, RP_STATUS_RECALLED, &when), 0);
  assert_true(when > 0);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s --json", th), 0);
  assert_null(strstr(out, "drengen i Vejle"));
  assert_non_null(strstr(out, "\"reason\":\"forkert_indhold\",\"by\":\"municipality\""));
  free(out);
  /* The recall itself is no recall's target: refused locally. */
  lib_close();
  assert_int_equal(cli(&out, "recall --state %s %s --wait 0", st, rec), 1);
  free(out);
  lib_open();

  /* The other direction: the team recalls a reply it sent. The municipality's library
   * no longer offers it, flags it, and its receipt comes back to the team. */
  assert_int_equal(fx_advf(&g, "Råd til en anden kommune.", &out,
                           "reply %s --stdin --reporting-duty no", th),
                   0);
  free(out);
  /* The case system has not handled it yet: after the recall it must not be offered. */
  assert_int_equal(wait_unhandled("reply", rep), 0);
  assert_int_equal(
      fx_advf(&g, NULL, &out, "recall %s %.10s --reason forkert_modtager", th, rep), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, M, "recall", 20000, &r), 0);
  rp_received_free(r);
  assert_int_equal(rp_inbox_get(g.mun[M], rep, &r), 0);
  assert_true(rp_received_recalled(r));
  assert_false(rp_received_handled(r));
  rp_received_free(r);
  /* The team sees the outcome: the municipality's receipt "recalled" came back. */
  assert_int_equal(fx_wait_show(&g, th, "\"by\":\"team\",\"outcome\":\"recalled\"", &out),
                   0);
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s", th), 0);
  assert_non_null(strstr(out, "skjult hos kommunen"));
  free(out);
  lib_close();
  lib_open(); /* a new handle starts over with every unhandled message */
  while (rp_inbox_next(g.mun[M], &r) == 0) {
    assert_string_not_equal(rp_received_msg_id(r), rep);
    rp_received_free(r);
  }
  lib_close();
  assert_int_equal(cli(&out, "read --state %s %s --wait 0", st, rep), 0);
  assert_non_null(strstr(out, "recalled"));
  assert_null(strstr(out, "forkerte kommune"));
  free(out);

  /* 6. Consent withdrawn with the CLI: the daemon stops processing and shows it. */
  assert_int_equal(cli(&out, "withdraw-consent --state %s %.10s --by borger", st, req), 0);
  first_id(out, cw);
  free(out);
  lib_open();
  assert_int_equal(fx_wait_show(&g, th, "\"consent_withdrawn\":{", &out), 0);
  {
    json_t *root = json_loads(out, 0, NULL), *t = json_object_get(root, "thread");
    json_t *c = json_object_get(t, "consent_withdrawn");
    assert_string_equal(json_string_value(json_object_get(c, "by")), "borger");
    assert_string_equal(json_string_value(json_object_get(t, "state")), "closed");
    json_decref(root);
  }
  /* Its content is hidden from then on: the request's question, the answers. */
  assert_null(strstr(out, "Kun til sin lærer"));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s", th), 0);
  assert_non_null(strstr(out, "SAMTYKKE TILBAGEKALDT"));
  free(out);
  assert_int_equal(
      fx_advf(&g, "Mere råd.", &out, "reply %s --stdin --reporting-duty no", th), 1);
  assert_non_null(strstr(out, "consent was withdrawn"));
  free(out);
  assert_int_equal(fx_wait_status(&g, M, cw, RP_STATUS_DELIVERED, 20000), 0);
  (void)v;
}

/* A plan review with the CLI: its own thread at the team, the plan attached. */
static void test_plan_review_cli(void **state) {
  char st[800], *out = NULL, *txt = NULL, path[900], pr[RP_ID_STRLEN], th[RP_ID_STRLEN];
  (void)state;
  state_of(st);
  snprintf(path, sizeof path, "%s/beredskabsplan.txt", g.dir);
  fx_write(path, "Beredskabsplan 2026, udkast.\n");
  lib_close();
  assert_int_equal(cli(&out, "plan-review --state %s --plan beredskabsplan", st), 2);
  free(out);
  assert_int_equal(cli(&out,
                       "plan-review --state %s --plan beredskabsplan --attach %s "
                       "--question 'Dækker planen ferierne?' --wanted-by 2026-02-01",
                       st, path),
                   0);
  first_id(out, pr);
  free(out);
  lib_open();
  assert_int_equal(fx_wait_listed(&g, "list --all --json", pr, 20000), 0);
  assert_int_equal(fx_thread_of(&g, pr, th), 0);
  assert_int_equal(fx_advf(&g, NULL, &out, "show %s --json", th), 0);
  assert_non_null(strstr(out, "Dækker planen ferierne?"));
  assert_non_null(strstr(out, "beredskabsplan.txt"));
  assert_non_null(strstr(out, "beredskabsplan_udkast"));
  free(out);
  snprintf(path, sizeof path, "%s/plan-review-saved.txt", g.dir);
  assert_int_equal(fx_advf(&g, NULL, &out, "save %s 1 %s", th, path), 0);
  free(out);
  txt = tu_read_file(path, NULL);
  assert_non_null(txt);
  assert_string_equal(txt, "Beredskabsplan 2026, udkast.\n");
  free(txt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whole_workflow),
      cmocka_unit_test(test_plan_review_cli),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
