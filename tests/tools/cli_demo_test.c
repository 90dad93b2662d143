/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost demo` end to end (real relay process, real client library, loopback) and
 * `rejsepost send` refusing a CPR number. A build without the client library skips both
 * (cmocka skip, with the reason on stderr) instead of pretending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

static int no_library(const tt_result *r) {
  if (strstr(r->err, "needs the client library") == NULL &&
      strstr(r->out, "needs the client library") == NULL)
    return 0;
  fprintf(stderr, "skipped: this build has no client library\n");
  return 1;
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

static void test_demo(void **state) {
  char tmpenv[1200];
  (void)state;
  /* The demo's temporary folder goes under our own, so nothing is left behind. */
  snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", g_dir);
  putenv(tmpenv);
  tt_result r = tt_runv(g_dir, 120000, (const char *const[]){"demo", "--timeout", "30", NULL});
  if (no_library(&r)) {
    tt_result_free(&r);
    skip();
  }
  fprintf(stderr, "%s", r.out);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "demo OK"));
  assert_null(strstr(r.out, "FAIL"));
  assert_non_null(timeline(r.out, "relay", "listening on 127.0.0.1:"));
  assert_non_null(timeline(r.out, "kbh-101", "request (akut) durable"));
  assert_non_null(timeline(r.out, "roskilde-265", "request (haster) durable"));
  assert_non_null(timeline(r.out, "aarhus-751", "request (plan) durable"));
  /* Triage: the akut request is opened first although it was sent last. */
  const char *akut = timeline(r.out, "rejseholdet", "opened the akut request (#1)");
  const char *plan = timeline(r.out, "rejseholdet", "opened the plan request (#3)");
  assert_non_null(akut);
  assert_non_null(plan);
  assert_true(akut < plan);
  assert_non_null(timeline(r.out, "rejseholdet", "announced the east-network meeting to kbh-101"));
  assert_non_null(timeline(r.out, "rejseholdet", "announced the east-network meeting to roskilde-265"));
  assert_null(timeline(r.out, "rejseholdet", "announced the east-network meeting to aarhus-751"));
  for (int i = 0; i < 3; i++) {
    static const char *const who[] = {"kbh-101", "roskilde-265", "aarhus-751"};
    assert_non_null(timeline(r.out, who[i], "received the reply to"));
    assert_non_null(timeline(r.out, who[i], "status answered: relayed +"));
  }
  assert_non_null(timeline(r.out, "relay", "stopped by SIGTERM, exit status 0"));
  tt_result_free(&r);
  /* The temporary folder was removed. */
  tt_result l = tt_run(g_dir, "demo", "--bogus");
  assert_int_equal(l.status, 2);
  tt_result_free(&l);
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
  if (no_library(&s)) {
    tt_result_free(&s);
    skip();
  }
  assert_int_equal(s.status, 0);
  tt_result_free(&s);
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--question", "FIKTIV: eleven har cpr 010203-1234, hvad gør vi?", "--wait", "0");
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
  /* The same request without the number is stored and gets an id (32 hex). */
  s = tt_run(g_dir, "send", "--state", "kbh-state", "--ref", "cw-1", "--category", "trusler",
             "--question", "FIKTIV: eleven er bange for at rejse, hvad gør vi?", "--wait", "0");
  assert_int_equal(s.status, 0);
  assert_int_equal(strspn(s.out, "0123456789abcdef"), 32);
  tt_result_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_cpr_refused),
      cmocka_unit_test(test_demo),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
