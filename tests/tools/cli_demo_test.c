/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost demo` end to end (real relay and inbox daemon processes, the real advisor
 * command, real client library, loopback), `rejsepost advisor` wired into the command
 * line, and `rejsepost send` (CPR refused; sender_org from the signed roster).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>

#include "run.h"

static const char *g_dir;

static int setup(void **state) {
  (void)state;
  g_dir = strdup(tu_tmpdir("tools-demo"));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tu_rmtree(g_dir);
  free((void *)g_dir);
  return 0;
}

/* The line of `text` holding both `who` and `what`, or NULL. */
static const char *timeline(const char *text, const char *who, const char *what) {
  for (const char *p = text; p != NULL && *p != '\0';) {
    const char *end = strchr(p, '\n');
    size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
    char line[1024];
    if (n < sizeof line) {
      memcpy(line, p, n);
      line[n] = '\0';
      if (strstr(line, who) != NULL && strstr(line, what) != NULL) return p;
    }
    p = end != NULL ? end + 1 : NULL;
  }
  return NULL;
}

/* The 8-hex msg column of a timeline line ("%7llu ms  %-13s %-8s  what"). */
static void msg_column(const char *line, char out[9]) {
  memcpy(out, line + 26, 8);
  out[8] = '\0';
}

/* Is there an entry named prefix* in dir? */
static int has_entry(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;
  while (d != NULL && (e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) found = 1;
  if (d != NULL) closedir(d);
  return found;
}

static void check_requests_and_replies(const char *out) {
  static const char *const who[] = {"kbh-101", "roskilde-265", "aarhus-751"};
  static const char *const urg[] = {"akut", "haster", "plan"};
  for (int i = 0; i < 3; i++) {
    char what[64], id[9];
    snprintf(what, sizeof what, "request (%s) durable", urg[i]);
    const char *req = timeline(out, who[i], what);
    assert_non_null(req);
    msg_column(req, id);
    assert_int_equal(strspn(id, "0123456789abcdef"), 8);
    assert_non_null(timeline(out, who[i], "relayed: the relay stored it"));
    assert_non_null(timeline(out, who[i], "delivered: the team's inbox daemon stored it"));
    assert_non_null(timeline(out, who[i], "opened: an advisor has read the request"));
    /* The reply is linked to this municipality's own request, and comes from the team
     * with the advisor's pseudonym from the inbox daemon's settings. */
    snprintf(what, sizeof what, "received the reply to %s from rejseholdet", id);
    const char *rep = timeline(out, who[i], what);
    assert_non_null(rep);
    assert_true(rep > req);
    snprintf(what, sizeof what, "listed #%d: %s from %s, thread %s", i + 1, urg[i], who[i], id);
    assert_non_null(timeline(out, "advisor", what));
    const char *st = timeline(out, who[i], "status answered (sent ");
    assert_non_null(st);
    assert_non_null(timeline(st, who[i], "relayed +"));
    assert_non_null(timeline(st, who[i], ", delivered +"));
    assert_non_null(timeline(st, who[i], ", opened +"));
    assert_non_null(timeline(st, who[i], ", answered +"));
  }
}

static void check_triage(const char *out) {
  /* The readable listing puts akut first (marked !!) although it was sent last. */
  const char *list = timeline(out, "advisor", "$ rejsepost advisor list");
  const char *akut = timeline(out, "advisor", "| !! akut");
  const char *haster = timeline(out, "advisor", "|    haster");
  const char *plan = timeline(out, "advisor", "|    plan");
  assert_non_null(list);
  assert_non_null(akut);
  assert_non_null(haster);
  assert_non_null(plan);
  assert_true(list < akut && akut < haster && haster < plan);
  assert_true(timeline(out, "aarhus-751", "request (plan) durable") <
              timeline(out, "kbh-101", "request (akut) durable"));
  /* Claimed and opened in that order: akut first. */
  const char *c1 = timeline(out, "advisor", "claimed the akut thread (#1)");
  const char *o1 = timeline(out, "advisor", "opened the akut request (#1)");
  const char *o2 = timeline(out, "advisor", "opened the haster request (#2)");
  const char *o3 = timeline(out, "advisor", "opened the plan request (#3)");
  assert_non_null(c1);
  assert_non_null(o1);
  assert_non_null(o2);
  assert_non_null(o3);
  assert_true(c1 < o1 && o1 < o2 && o2 < o3);
  /* The municipality sees "opened" only after the advisor opened it. */
  assert_true(o1 < timeline(out, "kbh-101", "opened: an advisor"));
}

static void check_announcement(const char *out) {
  assert_non_null(timeline(out, "advisor", "announcement sent to 2 members of the oest network"));
  assert_non_null(timeline(out, "kbh-101", "received the east-network announcement"));
  assert_non_null(timeline(out, "roskilde-265", "received the east-network announcement"));
  assert_null(timeline(out, "aarhus-751", "received the east-network announcement"));
  assert_non_null(timeline(out, "aarhus-751", "no announcement: not in the east network"));
  assert_non_null(timeline(out, "advisor", "audit-verify: audit log intact"));
}

static void check_daemons(const char *out) {
  assert_non_null(timeline(out, "relay", "listening on 127.0.0.1:"));
  assert_non_null(timeline(out, "inboxd", "office hours 00:00-24:00 mon-sun"));
  assert_non_null(timeline(out, "inboxd", "rejsepost-inboxd pid "));
  /* Clean shutdown: the inbox daemon first, then the relay, both exit status 0. */
  const char *i = timeline(out, "inboxd", "stopped by SIGTERM, exit status 0");
  const char *r = timeline(out, "relay", "stopped by SIGTERM, exit status 0");
  assert_non_null(i);
  assert_non_null(r);
  assert_true(i < r);
}

static void test_demo(void **state) {
  char tmpenv[1200];
  (void)state;
  /* The demo's temporary folder goes under our own, so nothing is left behind. */
  snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", g_dir);
  putenv(tmpenv);
  uint64_t t0 = tt_mono_ms();
  tt_result r = tt_runv(g_dir, 120000, (const char *const[]){"demo", "--timeout", "30", NULL});
  uint64_t took = tt_mono_ms() - t0;
  fprintf(stderr, "%s%s(demo took %llu ms)\n", r.out, r.err, (unsigned long long)took);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "demo OK"));
  assert_null(strstr(r.out, "FAIL"));
  check_daemons(r.out);
  check_requests_and_replies(r.out);
  check_triage(r.out);
  check_announcement(r.out);
  tt_result_free(&r);
  /* The temporary folder was removed. */
  assert_false(has_entry(g_dir, "rejsepost-demo-"));
  tt_result l = tt_run(g_dir, "demo", "--bogus");
  assert_int_equal(l.status, 2);
  tt_result_free(&l);
}

/* Without the inbox daemon the demo stops at once and says how to get it. */
static void test_demo_no_inboxd(void **state) {
  (void)state;
  tt_result r = tt_run(g_dir, "demo", "--inboxd", "no-such-inboxd");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "cannot find rejsepost-inboxd at no-such-inboxd"));
  assert_null(strstr(r.out, "demo OK"));
  tt_result_free(&r);
}

/* `rejsepost advisor` runs the inbox's advisor commands, with their own help text. */
static void test_advisor_cli(void **state) {
  char sock[1200];
  (void)state;
  tt_result r = tt_run(g_dir, "advisor", "--help");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "Usage: rejsepost advisor [--socket PATH] <command>"));
  assert_non_null(strstr(r.out, "audit-verify"));
  tt_result_free(&r);
  r = tt_run(g_dir, "help", "advisor");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "Usage: rejsepost advisor"));
  tt_result_free(&r);
  r = tt_run(g_dir, "--help");
  assert_non_null(strstr(r.out, "  advisor "));
  tt_result_free(&r);
  r = tt_run(g_dir, "advisor");
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "Usage: rejsepost advisor"));
  tt_result_free(&r);
  /* No daemon behind the socket: exit status 3 and a message naming the socket. */
  snprintf(sock, sizeof sock, "%s/no-such.sock", g_dir);
  r = tt_run(g_dir, "advisor", "--socket", sock, "list");
  assert_int_equal(r.status, 3);
  assert_non_null(strstr(r.err, "cannot reach rejsepost-inboxd at"));
  assert_non_null(strstr(r.err, sock));
  assert_string_equal(r.out, "");
  tt_result_free(&r);
  r = tt_run(g_dir, "advisor", "--socket", sock, "list", "--state", "nosuch");
  assert_int_equal(r.status, 2);
  tt_result_free(&r);
}

static void ok(tt_result r) {
  if (r.status != 0) fprintf(stderr, "stdout: %s\nstderr: %s\n", r.out, r.err);
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
}

/* A municipality's state folder made with the CLI; send refuses a CPR number before
 * anything is stored, and says what to do. No relay is needed for that. */
static void test_send_cpr_refused(void **state) {
  char key[128];
  (void)state;
  ok(tt_run(g_dir, "keys", "new", "--id", "admin", "--kind", "admin", "--out", "admin.key",
            "--plain"));
  ok(tt_run(g_dir, "keys", "new", "--id", "team", "--kind", "team", "--out", "team.key",
            "--plain"));
  ok(tt_run(g_dir, "keys", "new", "--id", "kbh-101", "--kind", "municipality", "--out",
            "kbh.key", "--plain"));
  ok(tt_run(g_dir, "relay", "init", "rd", "--admin-pub", "admin.key.pub"));
  ok(tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--out", "roster.rp"));
  ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
            "team.key.pub", "--kind", "team"));
  ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
            "rd/relay.key.pub", "--kind", "relay"));
  ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
            "kbh.key.pub", "--kind", "municipality", "--municipality", "101", "--network",
            "east"));
  tt_result k = tt_run(g_dir, "keys", "show", "rd/relay.key.pub");
  assert_int_equal(tt_field(k.out, "transport key:", key, sizeof key), 0);
  tt_result_free(&k);
  tt_result s = tt_run(g_dir, "setup", "--state", "kbh-state", "--key", "kbh.key", "--relay",
                       "127.0.0.1:9", "--relay-key", key, "--admin-pub", "admin.key.pub",
                       "--roster", "roster.rp");
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--question",
             "FIKTIV: eleven har cpr 010203-1234, hvad gør vi?", "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "CPR number"));
  assert_non_null(strstr(s.err, "question"));
  assert_string_equal(s.out, "");
  tt_result_free(&s);
  /* Nothing was stored: the outbox is empty. */
  s = tt_run(g_dir, "status", "--state", "kbh-state", "--wait", "0");
  assert_int_equal(s.status, 0);
  assert_null(strstr(s.out, "request"));
  tt_result_free(&s);
  /* The same request without the number is stored and gets an id (32 hex): its
   * sender_org comes from the roster (before, every CLI send failed on that field). */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--question",
             "FIKTIV: eleven er bange for at rejse, hvad gør vi?", "--wait", "0");
  if (s.status != 0) fprintf(stderr, "send: %s\n", s.err);
  assert_int_equal(s.status, 0);
  assert_int_equal(strspn(s.out, "0123456789abcdef"), 32);
  tt_result_free(&s);
  /* --org must match the roster's code for this member; a wrong one stores nothing. */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--org", "265",
             "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "--org 265 does not match the roster"));
  assert_non_null(strstr(s.err, "municipality 101"));
  assert_string_equal(s.out, "");
  tt_result_free(&s);
  s = tt_run(g_dir, "status", "--state", "kbh-state", "--wait", "0");
  assert_int_equal(s.status, 0);
  const char *first = strstr(s.out, "request");
  assert_non_null(first);
  assert_null(strstr(first + 1, "request")); /* still only the one request */
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--org", "101",
             "--wait", "0");
  assert_int_equal(s.status, 0);
  assert_int_equal(strspn(s.out, "0123456789abcdef"), 32);
  tt_result_free(&s);
  /* Without an age band the flags do not make a valid request: a usage error. */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--question", "FIKTIV: spørgsmål", "--wait", "0");
  assert_int_equal(s.status, 2);
  assert_non_null(strstr(s.err, "--age-band is required"));
  tt_result_free(&s);
  /* A member that is not a municipality in the roster has no sender_org: refused. */
  s = tt_run(g_dir, "setup", "--state", "team-state", "--key", "team.key", "--relay",
             "127.0.0.1:9", "--relay-key", key, "--admin-pub", "admin.key.pub", "--roster",
             "roster.rp");
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "team-state", "--ref", "cw-1", "--category", "trusler",
             "--age-band", "15_17", "--question", "FIKTIV: spørgsmål", "--wait", "0");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "member team is not a municipality in the roster"));
  tt_result_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_advisor_cli),
      cmocka_unit_test(test_send_cpr_refused),
      cmocka_unit_test(test_demo_no_inboxd),
      cmocka_unit_test(test_demo),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
