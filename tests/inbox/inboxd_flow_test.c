/* SPDX-License-Identifier: MIT */
/*
 * The advisor inbox end to end: real relayd, real rejsepost-inboxd (controllable
 * clock), municipalities as library clients, advisors through rejsepost-advisor. The
 * tests run in order on one world, like a working day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <jansson.h>

#include "clock.h"
#include "ibx_fixture.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>

static fx g;
static char g_haster[RP_ID_STRLEN], g_normal[RP_ID_STRLEN], g_akut[RP_ID_STRLEN];
static char g_haster_th[RP_ID_STRLEN], g_normal_th[RP_ID_STRLEN], g_akut_th[RP_ID_STRLEN];
static char *g_reply_json; /* the haster reply as the municipality received it */

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-flow");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  rp_free(g_reply_json);
  return 0;
}

/* Requests arrive, are stored with their deadline, and list akut first, then by
 * deadline: haster Mon 09:00 + 8 office hours = Tue 09:00; normal = next Mon 09:00. */
static void test_list_order_and_deadlines(void **state) {
  char *out = NULL, needle[128];
  (void)state;
  assert_int_equal(fx_request(&g, 1, "normal", "vold", g_normal), 0);
  assert_int_equal(fx_request(&g, 0, "haster", "trusler", g_haster), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", g_haster, 20000), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", g_normal, 20000), 0);
  fx_set_clock(&g, FX_MON_0900 + 2 * FX_HOUR); /* in office hours: no auto reply */
  assert_int_equal(fx_request(&g, 2, "akut", "tvangsaegteskab", g_akut), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", g_akut, 20000), 0);
  assert_int_equal(fx_thread_of(&g, g_haster, g_haster_th), 0);
  assert_int_equal(fx_thread_of(&g, g_normal, g_normal_th), 0);
  assert_int_equal(fx_thread_of(&g, g_akut, g_akut_th), 0);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  char *a = strstr(out, g_akut), *h = strstr(out, g_haster), *n = strstr(out, g_normal);
  assert_non_null(a);
  assert_true(a < h && h < n);
  snprintf(needle, sizeof needle,
           "\"first_msg\":\"%s\",\"municipality\":\"%s\",\"peer\":\"kommune-101\",\"kind\":"
           "\"request\",\"urgency\":\"haster\"",
           g_haster, fx_code(&g, 0));
  if (strstr(out, needle) == NULL) fprintf(stderr, "listing: %s\n", out);
  assert_non_null(strstr(out, needle));
  snprintf(needle, sizeof needle, "\"deadline\":%llu",
           (unsigned long long)(FX_MON_0900 + 24 * FX_HOUR));
  assert_non_null(strstr(h, needle)); /* Tue 09:00 */
  snprintf(needle, sizeof needle, "\"deadline\":%llu",
           (unsigned long long)(FX_MON_0900 + 7 * 24 * FX_HOUR));
  assert_non_null(strstr(n, needle)); /* next Mon 09:00 */
  /* akut 11:00 + 1 office hour */
  snprintf(needle, sizeof needle, "\"deadline\":%llu",
           (unsigned long long)(FX_MON_0900 + 3 * FX_HOUR));
  assert_non_null(strstr(a, needle));
  free(out);
  /* Filters. */
  char args[64];
  snprintf(args, sizeof args, "list --json --municipality %s", fx_code(&g, 1));
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, g_normal));
  assert_null(strstr(out, g_haster));
  free(out);
  assert_int_equal(fx_advisor(&g, "list --json --category trusler", NULL, &out), 0);
  assert_non_null(strstr(out, g_haster));
  assert_null(strstr(out, g_normal));
  free(out);
  /* The readable listing marks akut. */
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0);
  assert_non_null(strstr(out, "!! akut"));
  free(out);
  assert_int_equal(fx_advisor(&g, "list --category nosuch", NULL, &out), 2);
  free(out);
}

/* Threads are addressed by a unique prefix of their id, as in git: listings show short
 * ids, any unique prefix of at least 4 hex digits works (upper case too), an ambiguous
 * one is refused with the candidates' short ids, a shorter one with the rule. Two
 * follow-ups come in threads that share their first 5 digits (a request always starts
 * a thread under its own random id, so the test cannot choose a request's thread). */
static void test_short_thread_ids(void **state) {
  static const char th1[] = "abcd1111111111111111111111111111",
                    th2[] = "abcd1222222222222222222222222222";
  char id1[RP_ID_STRLEN], id2[RP_ID_STRLEN], *out = NULL, args[200], shortid[40];
  (void)state;
  assert_int_equal(fx_follow_up_in(&g, 0, th1, id1), 0);
  assert_int_equal(fx_follow_up_in(&g, 1, th2, id2), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id1, 20000), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id2, 20000), 0);
  /* The readable listing shows short ids, not the 32 digits. */
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0);
  assert_null(strstr(out, g_akut_th));
  snprintf(shortid, sizeof shortid, "%.8s ", g_akut_th);
  assert_non_null(strstr(out, shortid));
  assert_non_null(strstr(out, "abcd1111 "));
  assert_non_null(strstr(out, "abcd1222 "));
  free(out);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_non_null(strstr(out, "\"short_id\":\"abcd1111\""));
  free(out);
  /* A unique prefix, and the same in upper case. */
  assert_int_equal(fx_advisor(&g, "show abcd11", NULL, &out), 0);
  assert_non_null(strstr(out, "abcd1111"));
  assert_null(strstr(out, "abcd1222"));
  free(out);
  assert_int_equal(fx_advisor(&g, "show ABCD12 --json", NULL, &out), 0);
  assert_non_null(strstr(out, th2));
  free(out);
  snprintf(args, sizeof args, "show %.4s", g_akut_th);
  if (strncmp(g_akut_th, "abcd", 4) != 0) {
    assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
    free(out);
  }
  /* Ambiguous: both candidates, told apart. */
  assert_int_equal(fx_advisor(&g, "show abcd1", NULL, &out), 1);
  if (strstr(out, "ambiguous") == NULL) fprintf(stderr, "show abcd1: %s\n", out);
  assert_non_null(strstr(out, "ambiguous"));
  assert_non_null(strstr(out, "abcd1111"));
  assert_non_null(strstr(out, "abcd1222"));
  free(out);
  /* Too short, and no match. */
  assert_int_equal(fx_advisor(&g, "show abc", NULL, &out), 2);
  assert_non_null(strstr(out, "at least 4"));
  free(out);
  assert_int_equal(fx_advisor(&g, "show ffff0000", NULL, &out), 1);
  assert_non_null(strstr(out, "no such thread"));
  free(out);
  /* The audit log keeps the whole id. */
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(args, sizeof args, "action=show thread=%s", th1);
  assert_non_null(strstr(audit, args));
  free(audit);
}

/* The socket: mode 0660, the configured group (here the test's own group, by name). A
 * socket in a folder others can write is refused at start, with a clear reason. */
static void test_socket_mode_and_folder(void **state) {
  struct stat st;
  char dir[700], conf[800], text[2048], cmd[2400], *out = NULL;
  struct group *gr = getgrgid(getegid());
  (void)state;
  assert_non_null(gr);
  assert_int_equal(stat(g.sock, &st), 0);
  assert_true(S_ISSOCK(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0660);
  assert_int_equal(st.st_gid, getegid());
  /* A second daemon on its own files; --check stops after opening the socket. */
  snprintf(dir, sizeof dir, "%s/open", g.dir);
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(chmod(dir, 0777), 0);
  char relay_hex[65], admin_hex[65];
  fx_hex(g.relay.relay->pub.transport_pk, 32, relay_hex);
  fx_hex(g.relay.admin->pub.identity_pk, 32, admin_hex);
  snprintf(conf, sizeof conf, "%s/check.ini", g.dir);
  snprintf(
      text, sizeof text,
      "[client]\nstate_dir = check-state\nidentity = team.key\nrelay_port = %u\n"
      "relay_key = %s\nadmin_key = %s\nroster = roster.msgpack\n"
      "[inbox]\ndatabase = check.db\ndata_key = check.datakey\naudit_log = check.audit\n"
      "[socket]\npath = open/advisor.sock\ngroup = %s\n",
      (unsigned)g.relay.port, relay_hex, admin_hex, gr->gr_name);
  fx_write(conf, text);
  snprintf(cmd, sizeof cmd,
           "%s/inbox/rejsepost-inboxd --config %s --check >%s/check.out 2>&1",
           getenv("RP_BUILD_DIR"), conf, g.dir);
  int rc = system(cmd);
  assert_true(WIFEXITED(rc));
  assert_int_equal(WEXITSTATUS(rc), 2);
  snprintf(cmd, sizeof cmd, "%s/check.out", g.dir);
  out = tu_read_file(cmd, NULL);
  assert_non_null(strstr(out, "is writable by others"));
  free(out);
  /* The same with the folder closed to others: the check passes, group by name. */
  assert_int_equal(chmod(dir, 0750), 0);
  snprintf(cmd, sizeof cmd,
           "%s/inbox/rejsepost-inboxd --config %s --check >%s/check.out 2>&1",
           getenv("RP_BUILD_DIR"), conf, g.dir);
  rc = system(cmd);
  assert_true(WIFEXITED(rc));
  assert_int_equal(WEXITSTATUS(rc), 0);
}

/* show sends the opened receipt the first time; the municipality sees "opened". */
static void test_show_sends_opened(void **state) {
  char *out = NULL, args[128];
  (void)state;
  snprintf(args, sizeof args, "show %s", g_akut_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "genopdragelsesrejse")); /* the question, decrypted */
  free(out);
  assert_int_equal(fx_wait_status(&g, 2, g_akut, RP_STATUS_OPENED, 20000), 0);
  assert_int_equal(fx_advisor(&g, "show 0123456789abcdef0123456789abcdef", NULL, &out), 1);
  assert_non_null(strstr(out, "no such thread"));
  free(out);
}

/* Overdue haster (not answered by Tue 09:00) is escalated once, and listed OVERDUE;
 * the akut one was opened in time and is not. */
static void test_escalation(void **state) {
  char *out = NULL, needle[128];
  (void)state;
  fx_set_clock(&g, FX_MON_0900 + 25 * FX_HOUR); /* Tue 10:00 */
  snprintf(needle, sizeof needle, "error event=escalated thread=%s", g_haster_th);
  assert_int_equal(fx_wait_log(&g, needle, 10000), 0);
  fx_sleep_ms(500); /* several more checks */
  assert_int_equal(fx_log_count(&g, needle), 1);
  snprintf(needle, sizeof needle, "event=escalated thread=%s", g_akut_th);
  assert_int_equal(fx_log_count(&g, needle), 0);
  /* The municipality gets the escalation notice, in its thread, about its request. */
  rp_received *r = NULL, *again = NULL;
  const char *v = NULL;
  uint64_t dl = 0;
  assert_int_equal(fx_wait_kind(&g, 0, "escalation", 20000, &r), 0);
  assert_string_equal(rp_received_thread_id(r), g_haster_th);
  assert_int_equal(rp_received_get_hex(r, "about", &v), 0);
  assert_string_equal(v, g_haster);
  assert_int_equal(rp_received_get_enum(r, "reason", &v), 0);
  assert_string_equal(v, "frist_overskredet");
  assert_int_equal(rp_received_get_uint(r, "deadline", &dl), 0);
  assert_int_equal(dl, FX_MON_0900 + 24 * FX_HOUR);
  assert_string_equal(rp_received_sender(r), "team");
  rp_received_free(r);
  assert_int_equal(fx_wait_kind(&g, 0, "escalation", 600, &again), RP_ETIMEDOUT); /* once */
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "who=inboxd action=escalate thread=%s", g_haster_th);
  assert_non_null(strstr(audit, needle));
  free(audit);
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0);
  snprintf(needle, sizeof needle, "%.8s", g_haster_th); /* listings show short ids */
  char *h = strstr(out, needle), *nl = h != NULL ? strchr(h, '\n') : NULL;
  assert_non_null(nl);
  *nl = 0;
  assert_non_null(strstr(h, "OVERDUE"));
  free(out);
}

static void test_claim_reply_ask_close(void **state) {
  char *out = NULL, args[160];
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  snprintf(args, sizeof args, "claim %s", g_haster_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "claimed"));
  free(out);
  /* Tildeling: the municipality learns who handles its request. */
  uint64_t dl = 0;
  assert_int_equal(fx_wait_kind(&g, 0, "assignment", 20000, &r), 0);
  assert_string_equal(rp_received_thread_id(r), g_haster_th);
  assert_int_equal(rp_received_get_hex(r, "about", &v), 0);
  assert_string_equal(v, g_haster);
  assert_int_equal(rp_received_get_enum(r, "advisor.role", &v), 0);
  assert_string_equal(v, "raadgiver");
  assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
  assert_string_equal(v, FX_ME_ID); /* the pseudonym, never the Unix login */
  assert_int_equal(rp_received_get_enum(r, "urgency", &v), 0);
  assert_string_equal(v, "haster");
  assert_int_equal(rp_received_get_uint(r, "deadline", &dl), 0);
  assert_int_equal(dl, FX_MON_0900 + 24 * FX_HOUR);
  rp_received_free(r);
  assert_int_equal(fx_advf(&g, "Lav en sikkerhedsplan i dag.\n", NULL,
                           "reply %s --stdin --reporting-duty no", g_haster_th),
                   0);
  assert_int_equal(fx_wait_kind(&g, 0, "reply", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advice", &v), 0);
  assert_string_equal(v, "Lav en sikkerhedsplan i dag.");
  assert_string_equal(rp_received_thread_id(r), g_haster_th);
  assert_int_equal(rp_received_to_json(r, &g_reply_json), 0);
  rp_received_free(r);
  assert_int_equal(fx_wait_status(&g, 0, g_haster, RP_STATUS_ANSWERED, 20000), 0);
  /* The question is written in $EDITOR (here an "editor" that copies a prepared file). */
  char src[800], ed[900];
  snprintf(src, sizeof src, "%s/question.txt", g.dir);
  fx_write(src, "Er der søskende i hjemmet?\n");
  snprintf(ed, sizeof ed, "cp %s", src);
  setenv("EDITOR", ed, 1);
  unsetenv("VISUAL");
  snprintf(args, sizeof args, "ask %s", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  unsetenv("EDITOR");
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "info_request", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "questions", &v), 0);
  assert_string_equal(v, "Er der søskende i hjemmet?");
  rp_received_free(r);
  assert_int_equal(
      fx_advf(&g, NULL, NULL, "close %s --outcome raadgivning_givet", g_haster_th), 0);
  assert_int_equal(fx_wait_kind(&g, 0, "closure", 20000, &r), 0);
  rp_received_free(r);
  /* Closed threads leave the default listing; --all shows them. */
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_null(strstr(out, g_haster_th));
  free(out);
  assert_int_equal(fx_advisor(&g, "list --json --state closed", NULL, &out), 0);
  assert_non_null(strstr(out, g_haster_th));
  free(out);
  /* A closed thread takes no reply. */
  assert_int_equal(
      fx_advf(&g, "igen", NULL, "reply %s --stdin --reporting-duty no", g_haster_th), 1);
}

/* Two advisors (the test build's user file stands in for two Unix accounts). The second is
 * refused with the holder's name, then takes over with
 * --takeover; the audit log records the takeover and the municipality is told. */
static void test_claim_two_advisors(void **state) {
  char *out = NULL, args[160], needle[160];
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  fx_write_conf(&g, "[advisors]\nsara = raadgiver:Sara R.\nbo = jurist:B7\n");
  kill(g.inboxd, SIGHUP);
  assert_int_equal(fx_wait_log(&g, "event=reloaded", 5000), 0);
  snprintf(args, sizeof args, "claim %s", g_normal_th);
  fx_set_user(&g, "sara");
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "assignment", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
  assert_string_equal(v, "Sara R.");
  assert_string_equal(rp_received_thread_id(r), g_normal_th);
  rp_received_free(r);
  fx_set_user(&g, "bo");
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "sara holds this thread"));
  free(out);
  snprintf(args, sizeof args, "claim %s --takeover", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "taken over from sara"));
  free(out);
  fx_set_user(&g, NULL);
  assert_int_equal(fx_wait_kind(&g, 1, "assignment", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
  assert_string_equal(v, "B7");
  assert_int_equal(rp_received_get_enum(r, "advisor.role", &v), 0);
  assert_string_equal(v, "jurist");
  rp_received_free(r);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_non_null(strstr(out, "\"claimed_by\":\"bo\""));
  free(out);
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "who=sara action=claim thread=%s", g_normal_th);
  assert_non_null(strstr(audit, needle));
  snprintf(needle, sizeof needle, "who=bo action=claim thread=%s", g_normal_th);
  assert_non_null(strstr(audit, needle)); /* the refused attempt is recorded too */
  snprintf(needle, sizeof needle, "who=bo action=takeover thread=%s", g_normal_th);
  assert_non_null(strstr(audit, needle));
  free(audit);
}

/* Only the holder acts on a claimed thread. Another advisor's reply, question and
 * closure are refused with the holder's name; the holder assigns the thread to a
 * colleague (audited, with a tildeling to the municipality), who may then act and the
 * former holder no longer. bo holds g_normal_th after test_claim_two_advisors. */
static void test_claim_enforced_and_assign(void **state) {
  char *out = NULL, args[200], needle[200];
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  fx_set_user(&g, "sara");
  snprintf(args, sizeof args, "reply %s --stdin --reporting-duty no", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, "Mit svar.", &out), 1);
  if (strstr(out, "bo holds this thread") == NULL) fprintf(stderr, "reply: %s\n", out);
  assert_non_null(strstr(out, "refused: bo holds this thread"));
  free(out);
  snprintf(args, sizeof args, "ask %s --stdin", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, "Mit spørgsmål.", &out), 1);
  assert_non_null(strstr(out, "bo holds this thread"));
  free(out);
  snprintf(args, sizeof args, "close %s --outcome andet", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "bo holds this thread"));
  free(out);
  /* Nor may she give away what bo holds. */
  snprintf(args, sizeof args, "assign %s --to sara", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "bo holds this thread"));
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 300, &r), RP_ETIMEDOUT);
  /* The holder assigns: not to someone outside [advisors], then to sara. */
  fx_set_user(&g, "bo");
  snprintf(args, sizeof args, "assign %s --to eve", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  assert_non_null(strstr(out, "eve is not in [advisors]"));
  free(out);
  snprintf(args, sizeof args, "assign %s --to sara", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  assert_non_null(strstr(out, "assigned to sara"));
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "assignment", 20000, &r), 0);
  assert_string_equal(rp_received_thread_id(r), g_normal_th);
  assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
  assert_string_equal(v, "Sara R.");
  assert_int_equal(rp_received_get_hex(r, "about", &v), 0);
  assert_string_equal(v, g_normal);
  rp_received_free(r);
  snprintf(args, sizeof args, "reply %s --stdin --reporting-duty no", g_normal_th);
  assert_int_equal(fx_advisor(&g, args, "Bos svar.", &out), 1); /* bo no longer holds it */
  assert_non_null(strstr(out, "sara holds this thread"));
  free(out);
  fx_set_user(&g, "sara");
  assert_int_equal(fx_advisor(&g, args, "Saras svar.", &out), 0);
  free(out);
  assert_int_equal(fx_wait_kind(&g, 1, "reply", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advice", &v), 0);
  assert_string_equal(v, "Saras svar.");
  rp_received_free(r);
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle,
           "who=bo action=assign thread=%s to=sara prev=", g_normal_th);
  assert_non_null(strstr(audit, needle));
  free(audit);
  /* Back to this test's own user for the tests that follow. */
  assert_int_equal(fx_advf(&g, NULL, NULL, "assign %s --to %s", g_normal_th, fx_me()), 0);
  fx_set_user(&g, NULL);
  assert_int_equal(fx_wait_kind(&g, 1, "assignment", 20000, &r), 0);
  rp_received_free(r);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  snprintf(needle, sizeof needle, "\"claimed_by\":\"%s\"", fx_me());
  assert_non_null(strstr(out, needle));
  free(out);
}

/* An advisor missing from [advisors] may read but not act: an action would send the
 * municipality their Unix login (a real name) where advisors use a pseudonym. The
 * refusal says what to do; nothing reaches the municipality; the attempt is audited. */
static void test_unlisted_advisor_refused(void **state) {
  char *out = NULL, args[160], needle[160];
  rp_received *r = NULL;
  (void)state;
  fx_set_user(&g, "eve");
  snprintf(args, sizeof args, "claim %s", g_akut_th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 1);
  if (strstr(out, "ask the administrator") == NULL) fprintf(stderr, "claim: %s\n", out);
  assert_non_null(strstr(out, "eve is not in [advisors]"));
  assert_non_null(strstr(out, "ask the administrator to add you"));
  free(out);
  snprintf(args, sizeof args, "reply %s --stdin --reporting-duty no", g_akut_th);
  assert_int_equal(fx_advisor(&g, args, "Ring til politiet.", &out), 1);
  assert_non_null(strstr(out, "eve is not in [advisors]"));
  free(out);
  /* Reading stays open to the team's group. */
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_non_null(strstr(out, g_akut_th));
  assert_null(strstr(out, "\"claimed_by\":\"eve\""));
  free(out);
  assert_int_equal(fx_advf(&g, NULL, NULL, "show %s", g_akut_th), 0);
  fx_set_user(&g, NULL);
  assert_int_equal(fx_wait_kind(&g, 2, "assignment", 600, &r), RP_ETIMEDOUT);
  assert_int_equal(fx_wait_kind(&g, 2, "reply", 10, &r), RP_ETIMEDOUT);
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "who=eve action=claim thread=%s", g_akut_th);
  assert_non_null(strstr(audit, needle));
  free(audit);
}

/* The $EDITOR file lives in $TMPDIR, mode 0600, and is gone afterwards. */
static void test_editor_tmpdir(void **state) {
  char tmp[700], script[800], rec[800], ed[900], text[2048], args[160], *out = NULL;
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  snprintf(tmp, sizeof tmp, "%s/advisor-tmp", g.dir);
  assert_int_equal(mkdir(tmp, 0700), 0);
  snprintf(script, sizeof script, "%s/editor.sh", g.dir);
  snprintf(rec, sizeof rec, "%s/editor.rec", g.dir);
  snprintf(text, sizeof text,
           "stat -c %%a \"$1\" > %s\necho \"$1\" >> %s\necho 'Hvem har "
           "forældremyndigheden?' > \"$1\"\n",
           rec, rec);
  fx_write(script, text);
  snprintf(ed, sizeof ed, "sh %s", script);
  setenv("EDITOR", ed, 1);
  unsetenv("VISUAL");
  setenv("TMPDIR", tmp, 1);
  snprintf(args, sizeof args, "ask %s", g_normal_th);
  int rc = fx_advisor(&g, args, NULL, &out);
  unsetenv("EDITOR");
  unsetenv("TMPDIR");
  assert_int_equal(rc, 0);
  free(out);
  char *got = tu_read_file(rec, NULL);
  assert_non_null(got);
  assert_int_equal(strncmp(got, "600\n", 4), 0);
  assert_int_equal(strncmp(got + 4, tmp, strlen(tmp)), 0);
  assert_int_equal(strncmp(got + 4 + strlen(tmp), "/rejsepost-advisor-", 19), 0);
  char *nl = strchr(got + 4, '\n');
  assert_non_null(nl);
  *nl = 0;
  struct stat st;
  assert_int_equal(stat(got + 4, &st), -1); /* removed */
  free(got);
  assert_int_equal(fx_wait_kind(&g, 1, "info_request", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "questions", &v), 0);
  assert_string_equal(v, "Hvem har forældremyndigheden?");
  rp_received_free(r);
}

static int half_frame(void) {
  struct sockaddr_un a;
  uint8_t half[2] = {0, 0};
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  assert_true(strlen(g.sock) < sizeof a.sun_path);
  memcpy(a.sun_path, g.sock, strlen(g.sock) + 1);
  assert_true(fd >= 0);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(write(fd, half, 2), 2);
  return fd;
}

/* Clients that send half a frame and stall hold up nobody: a listing completes well
 * within the 2 s read deadline, even past the per-user share of pending connections;
 * the stalled ones are dropped at their deadline. */
static void test_stalled_client(void **state) {
  int fds[6];
  char *out = NULL;
  (void)state;
  size_t dropped = fx_log_count(&g, "event=advisor_dropped");
  for (int i = 0; i < 6; i++)
    fds[i] = half_frame();
  fx_sleep_ms(100); /* the daemon has accepted them */
  uint64_t t0 = rp__clock_mono_ms();
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  uint64_t took = rp__clock_mono_ms() - t0;
  assert_non_null(strstr(out, g_normal_th));
  free(out);
  fprintf(stderr, "list beside 6 stalled connections: %llu ms\n", (unsigned long long)took);
  assert_true(took < 1500);
  /* Past the deadline every stalled connection has been closed by the daemon. */
  fx_sleep_ms(2600);
  for (int i = 0; i < 6; i++) {
    char c;
    assert_int_equal(read(fds[i], &c, 1), 0);
    close(fds[i]);
  }
  assert_true(fx_log_count(&g, "event=advisor_dropped") >= dropped + 6);
  assert_true(fx_log_count(&g, "error=ETIMEDOUT") >= 1);
}

/* The thread's record of the reply the team sent is that very message: its payload in
 * the export is what the municipality received, field for field (the header the sending
 * library gives it, msg_id and created, and the sender are the row's, not the record's;
 * so is the recipient the daemon names, which travels in the envelope's header). */
static void assert_reply_kept_as_sent(const char *export_json) {
  json_t *ex = json_loads(export_json, 0, NULL), *got = json_loads(g_reply_json, 0, NULL);
  json_t *msgs = json_object_get(ex, "messages"), *m, *kept = NULL;
  size_t i;
  assert_non_null(got);
  json_array_foreach(msgs, i, m) {
    if (strcmp(json_string_value(json_object_get(m, "msg_id")),
               json_string_value(json_object_get(got, "msg_id"))) == 0)
      kept = json_object_get(m, "payload");
  }
  assert_non_null(kept);
  json_object_del(kept, "recipient");
  json_object_del(got, "msg_id");
  json_object_del(got, "sender");
  json_object_del(got, "created");
  if (!json_equal(kept, got)) {
    char *a = json_dumps(kept, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);
    fprintf(stderr, "kept:     %s\nreceived: %s\n", a, b);
    free(a);
    free(b);
  }
  assert_true(json_equal(kept, got));
  json_decref(got);
  json_decref(ex);
}

static void test_export(void **state) {
  char path[800];
  (void)state;
  assert_int_equal(fx_advf(&g, NULL, NULL, "export %s --out %s/export", g_haster_th, g.dir),
                   0);
  snprintf(path, sizeof path, "%s/export.json", g.dir);
  char *j = tu_read_file(path, NULL);
  assert_non_null(j);
  assert_non_null(strstr(j, g_haster_th));
  assert_non_null(strstr(j, "\"direction\":\"out\",\"kind\":\"reply\""));
  assert_non_null(strstr(j, "Lav en sikkerhedsplan i dag."));
  assert_reply_kept_as_sent(j);
  free(j);
  snprintf(path, sizeof path, "%s/export.txt", g.dir);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char *t = tu_read_file(path, NULL);
  assert_non_null(strstr(t, "closed: raadgivning_givet"));
  free(t);
}

/* One envelope per member of the east network; the west member gets none. Then a
 * registration comes back and is listed. */
static void test_announce_and_registrations(void **state) {
  char *out = NULL;
  rp_received *r[2] = {NULL, NULL}, *w = NULL;
  const char *ref = NULL;
  (void)state;
  assert_int_equal(fx_advisor(&g,
                              "announce --network oest --date 2026-03-10 --host 101 "
                              "--title Netvaerksmoede --deadline 2026-03-01 --stdin",
                              "Program: oplæg og sparring", &out),
                   0);
  assert_non_null(strstr(out, "sent to 2 members"));
  free(out);
  assert_int_equal(fx_wait_kind(&g, 0, "network_announcement", 20000, &r[0]), 0);
  assert_int_equal(fx_wait_kind(&g, 1, "network_announcement", 20000, &r[1]), 0);
  assert_int_equal(fx_wait_kind(&g, 2, "network_announcement", 1500, &w), RP_ETIMEDOUT);
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN];
  assert_int_equal(rp_msg_new("registration", &m), 0);
  assert_int_equal(rp_msg_set_hex(m, "announcement_ref", rp_received_msg_id(r[0])), 0);
  assert_int_equal(rp_msg_set_text(m, "sender_org", fx_code(&g, 0)), 0);
  assert_int_equal(rp_msg_set_enum(m, "answer", "tilmeldt"), 0);
  assert_int_equal(rp_msg_set_uint(m, "participants", 3), 0);
  assert_int_equal(rp_send(g.mun[0], m, id), 0);
  rp_msg_free(m);
  assert_int_equal(fx_wait_listed(&g, "registrations --json", id, 20000), 0);
  assert_int_equal(fx_advisor(&g, "registrations --json", NULL, &out), 0);
  assert_non_null(strstr(out, "\"answer\":\"tilmeldt\",\"participants\":3"));
  ref = rp_received_msg_id(r[0]);
  assert_non_null(strstr(out, ref));
  free(out);
  /* It belongs to its announcement: no thread of its own in the listing. */
  assert_int_equal(fx_advisor(&g, "list --all --json", NULL, &out), 0);
  assert_null(strstr(out, "\"kind\":\"registration\""));
  free(out);
  rp_received_free(r[0]);
  rp_received_free(r[1]);
}

/* Out of office hours, an akut request gets the automatic reply at once. */
static void test_out_of_hours_akut(void **state) {
  char id[RP_ID_STRLEN], *out = NULL, th[RP_ID_STRLEN];
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  fx_set_clock(&g, FX_SAT_2200 + 7 * 24 * FX_HOUR); /* Sat 2026-01-10 22:00 */
  assert_int_equal(fx_request(&g, 0, "akut", "vold", id), 0);
  assert_int_equal(fx_wait_kind(&g, 0, "reply", 20000, &r), 0);
  assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
  assert_string_equal(v, "vagt");
  assert_int_equal(rp_received_get_text(r, "advice", &v), 0);
  assert_non_null(strstr(v, "112"));
  assert_non_null(strstr(v, "114"));
  assert_non_null(strstr(v, "Socialvagten"));
  assert_string_equal(rp_received_in_reply_to(r), id);
  /* It says it is automatic, and the caseworker's status says so too: not "answered",
   * which would make them believe an advisor has answered (issue 9 item 13). */
  int automatic = 0, status = 0;
  assert_int_equal(rp_received_get_bool(r, "automatic", &automatic), 0);
  assert_true(automatic);
  rp_received_free(r);
  assert_int_equal(fx_wait_status(&g, 0, id, RP_STATUS_AUTO_REPLIED, 20000), 0);
  assert_int_equal(rp_status(g.mun[0], id, &status, NULL), 0);
  assert_int_equal(status, RP_STATUS_AUTO_REPLIED);
  /* Still listed, first. */
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_non_null(strstr(out, "\"autoreplied\":true"));
  assert_true(strstr(out, "\"urgency\":\"akut\"") < strstr(out, "\"urgency\":\"normal\""));
  free(out);
  assert_int_equal(fx_log_count(&g, "auto_reply=sent"), 1);
}

/* Retention: the closed thread is purged an hour after closing; its ids are gone from
 * the database file and the WAL, and from the team's client store (client.db and its
 * WAL, where ids are 16 raw bytes), which the daemon erases the thread from with it. */
static void test_retention_purge(void **state) {
  char path[800];
  uint8_t th_bin[16], req_bin[16];
  (void)state;
  assert_int_equal(sodium_hex2bin(th_bin, 16, g_haster_th, 32, NULL, NULL, NULL), 0);
  assert_int_equal(sodium_hex2bin(req_bin, 16, g_haster, 32, NULL, NULL, NULL), 0);
  fx_set_clock(&g, FX_SAT_2200 + 10 * 24 * FX_HOUR);
  assert_int_equal(fx_wait_log(&g, "event=purged threads=1", 10000), 0);
  assert_int_equal(fx_advf(&g, NULL, NULL, "show %s", g_haster_th), 1);
  const char *files[2] = {"", "-wal"};
  for (int i = 0; i < 2; i++) {
    size_t n = 0;
    snprintf(path, sizeof path, "%s%s", g.db, files[i]);
    char *db = tu_read_file(path, &n);
    if (db == NULL) continue;
    for (size_t k = 0; k + 32 <= n; k++) {
      assert_false(memcmp(db + k, g_haster_th, 32) == 0);
      assert_false(memcmp(db + k, g_haster, 32) == 0);
    }
    free(db);
  }
  for (int i = 0; i < 2; i++) {
    size_t n = 0;
    snprintf(path, sizeof path, "%s/team-state/client.db%s", g.dir, files[i]);
    char *db = tu_read_file(path, &n);
    if (db == NULL) continue;
    for (size_t k = 0; k + 16 <= n; k++) {
      if (memcmp(db + k, th_bin, 16) == 0 || memcmp(db + k, req_bin, 16) == 0)
        fail_msg("thread bytes in %s at %zu", path, k);
    }
    free(db);
  }
}

/* The audit log records every action, verifies, and a changed line is detected. */
static void test_audit_verify_and_tamper(void **state) {
  char *out = NULL;
  (void)state;
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &out), 0);
  assert_non_null(strstr(out, "intact"));
  free(out);
  char *log = tu_read_file(g.audit, NULL);
  assert_non_null(strstr(log, "action=claim thread="));
  assert_non_null(strstr(log, "action=reply thread="));
  assert_non_null(strstr(log, "action=auto_reply"));
  assert_null(strstr(log, "sikkerhedsplan")); /* never content */
  /* Change who did the claim. */
  char *c = strstr(log, "action=claim");
  char *line = c;
  while (line > log && line[-1] != '\n')
    line--;
  char *w = strstr(line, "who=");
  w[4] = w[4] == 'x' ? 'y' : 'x';
  fx_write(g.audit, log);
  free(log);
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &out), 1);
  assert_non_null(strstr(out, "TAMPERED"));
  free(out);
}

/* A stop and start loses nothing: what came while the daemon was down arrives after. */
static void test_restart_without_loss(void **state) {
  char id[RP_ID_STRLEN], *out = NULL;
  (void)state;
  assert_int_equal(fx_inboxd_stop(&g), 0);
  fx_set_clock(&g, FX_MON_0900 + 14 * 24 * FX_HOUR);
  assert_int_equal(fx_request(&g, 1, "plan", "strategisk", id), 0);
  assert_int_equal(rp_client_flush(g.mun[1], 10000), 0);
  assert_int_equal(fx_inboxd_start(&g), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  assert_non_null(strstr(out, g_normal)); /* from before the restart */
  assert_non_null(strstr(out, g_akut));
  free(out);
  /* SIGHUP reloads without stopping. */
  kill(g.inboxd, SIGHUP);
  assert_int_equal(fx_wait_log(&g, "event=reloaded", 5000), 0);
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_order_and_deadlines),
      cmocka_unit_test(test_short_thread_ids),
      cmocka_unit_test(test_socket_mode_and_folder),
      cmocka_unit_test(test_show_sends_opened),
      cmocka_unit_test(test_escalation),
      cmocka_unit_test(test_claim_reply_ask_close),
      cmocka_unit_test(test_claim_two_advisors),
      cmocka_unit_test(test_claim_enforced_and_assign),
      cmocka_unit_test(test_unlisted_advisor_refused),
      cmocka_unit_test(test_editor_tmpdir),
      cmocka_unit_test(test_stalled_client),
      cmocka_unit_test(test_export),
      cmocka_unit_test(test_announce_and_registrations),
      cmocka_unit_test(test_out_of_hours_akut),
      cmocka_unit_test(test_retention_purge),
      cmocka_unit_test(test_audit_verify_and_tamper),
      cmocka_unit_test(test_restart_without_loss),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
