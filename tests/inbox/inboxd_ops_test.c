/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd as the operating system runs it: started with its standard file
 * descriptors closed, under journald, with an alert command, and the shipped binary
 * beside the test build. Real relayd, real daemon, municipalities as library clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_fixture.h"

#include <signal.h>

static fx g;

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-ops");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* Whether the file at path contains needle anywhere (binary files too). */
static int file_has(const char *path, const char *needle) {
  size_t n = 0, m = strlen(needle);
  char *b = tu_read_file(path, &n);
  int found = 0;
  for (size_t i = 0; b != NULL && !found && i + m <= n; i++)
    found = memcmp(b + i, needle, m) == 0;
  free(b);
  return found;
}

/* Started with fds 0, 1 and 2 closed, the daemon must not let the first files it opens
 * become its stdin, stdout or stderr: its log lines would then land in whatever file
 * got fd 2 (SQLite guards its own files, the daemon's other files and pipes are not
 * guarded). 0-2 must be /dev/null; it runs, serves, and its files hold no log line. */
static void test_closed_stdio(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], path[800], *out = NULL;
  fx_start o = {.close_stdio = 1};
  (void)state;
  assert_int_equal(fx_inboxd_stop(&g), 0);
  assert_int_equal(fx_inboxd_start_with(&g, &o), 0);
  /* Each of 0, 1 and 2 is /dev/null: not the signal pipe, not a database or log file. */
  for (int fd = 0; fd < 3; fd++) {
    char link[64], target[800] = {0};
    snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)g.inboxd, fd);
    assert_true(readlink(link, target, sizeof target - 1) > 0);
    if (strcmp(target, "/dev/null") != 0) fprintf(stderr, "fd %d is %s\n", fd, target);
    assert_string_equal(target, "/dev/null");
  }
  assert_int_equal(fx_request(&g, 0, "haster", "trusler", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  assert_int_equal(fx_advf(&g, NULL, NULL, "claim %s", th), 0);
  assert_int_equal(fx_advf(&g, NULL, NULL, "show %s", th), 0);
  assert_int_equal(fx_inboxd_stop(&g), 0); /* a clean stop: it was running all along */
  /* No log line in the audit log, the database or its WAL. */
  assert_false(file_has(g.audit, "event="));
  assert_false(file_has(g.db, "event="));
  snprintf(path, sizeof path, "%s-wal", g.db);
  assert_false(file_has(path, "event="));
  /* The audit chain is whole, and the daemon starts again on the same files. */
  assert_int_equal(fx_inboxd_start(&g), 0);
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &out), 0);
  assert_non_null(strstr(out, "intact"));
  free(out);
}

/* A new haster request from municipality 0, made overdue by moving the clock two days
 * on; returns its thread id once the daemon has escalated it (its log says so). */
static uint64_t g_now = FX_MON_0900;
static void overdue_haster(char th[RP_ID_STRLEN]) {
  char id[RP_ID_STRLEN], needle[120];
  assert_int_equal(fx_request(&g, 0, "haster", "trusler", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  g_now += 7 * 24 * FX_HOUR; /* a week on: a Monday again, and overdue */
  fx_set_clock(&g, g_now);
  snprintf(needle, sizeof needle, "event=escalated thread=%s", th);
  assert_int_equal(fx_wait_log(&g, needle, 10000), 0);
}

/* Under systemd, stderr is the journal (JOURNAL_STREAM names it): every line starts with
 * its sd-daemon priority, so journald files an escalation at err, not info. */
static void test_journal_priorities(void **state) {
  char th[RP_ID_STRLEN], needle[160];
  fx_start o = {.journal = 1};
  (void)state;
  assert_int_equal(fx_inboxd_stop(&g), 0);
  unlink(g.log);
  assert_int_equal(fx_inboxd_start_with(&g, &o), 0);
  overdue_haster(th);
  assert_int_equal(fx_inboxd_stop(&g), 0);
  char *log = tu_read_file(g.log, NULL);
  assert_non_null(log);
  int lines = 0;
  for (char *p = log; *p != 0; p = strchr(p, '\n') + 1, lines++) {
    if (!(p[0] == '<' && strchr("3467", p[1]) != NULL && p[2] == '>'))
      fprintf(stderr, "line without a priority: %.80s\n", p);
    assert_true(p[0] == '<' && strchr("3467", p[1]) != NULL && p[2] == '>');
    /* The level word and the priority agree. */
    const char *lvl = strchr(p, ' ') + 1;
    int want = strncmp(lvl, "error ", 6) == 0  ? '3'
               : strncmp(lvl, "warn ", 5) == 0 ? '4'
               : strncmp(lvl, "info ", 5) == 0 ? '6'
                                               : '7';
    assert_int_equal(p[1], want);
    if (strchr(p, '\n') == NULL) break;
  }
  assert_true(lines > 3);
  snprintf(needle, sizeof needle, "Z error event=escalated thread=%s", th);
  char *e = strstr(log, needle);
  assert_non_null(e);
  while (e > log && e[-1] != '\n')
    e--;
  assert_int_equal(strncmp(e, "<3>", 3), 0);
  assert_non_null(strstr(log, "<6>"));
  assert_non_null(strstr(log, "<4>")); /* the test build says so at start */
  free(log);
  /* Without JOURNAL_STREAM (a run by hand): no prefixes. */
  unlink(g.log);
  assert_int_equal(fx_inboxd_start(&g), 0);
  assert_int_equal(fx_wait_log(&g, "event=started", 5000), 0);
  log = tu_read_file(g.log, NULL);
  assert_true(log[0] >= '0' && log[0] <= '9');
  assert_null(strstr(log, "<6>"));
  free(log);
}

/* Writes an executable script in the test folder; returns its path (static). */
static const char *script(const char *name, const char *body) {
  static char path[800];
  char text[1400];
  snprintf(path, sizeof path, "%s/%s", g.dir, name);
  snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
  fx_write(path, text);
  assert_int_equal(chmod(path, 0700), 0);
  return path;
}

static void reload_with(const char *extra) {
  /* A test that failed half way may have left the daemon stopped; kill(0, ...) would
   * signal this very test. */
  if (g.inboxd <= 0) assert_int_equal(fx_inboxd_start(&g), 0);
  size_t before = fx_log_count(&g, "event=reloaded");
  fx_write_conf(&g, extra);
  kill(g.inboxd, SIGHUP);
  for (int i = 0; i < 100 && fx_log_count(&g, "event=reloaded") == before; i++)
    fx_sleep_ms(50);
  assert_true(fx_log_count(&g, "event=reloaded") > before);
}

/* An overdue haster runs the configured alert command, with the thread's short id, the
 * urgency and the event as its only arguments (exec'd, no shell between): a real script
 * records its argv and its environment. Only for overdue here (command_events), so the
 * record is the escalation's; inboxd_alerts_test has the new arrival. */
static void test_alert_command(void **state) {
  char th[RP_ID_STRLEN], extra[1200], rec[800], want[200];
  (void)state;
  snprintf(rec, sizeof rec, "%s/alert.sh.rec", g.dir);
  snprintf(extra, sizeof extra,
           "[alerts]\ncommand = %s\ntimeout_ms = 5000\ncommand_events = overdue\n",
           script("alert.sh",
                  "{ echo \"argc=$#\"; for a in \"$@\"; do echo \"arg=$a\"; done; "
                  "echo \"stdin=$(cat)\"; env | sort; } > \"$0.rec.tmp\" && "
                  "mv \"$0.rec.tmp\" \"$0.rec\""));
  reload_with(extra);
  overdue_haster(th);
  for (int i = 0; i < 200 && access(rec, F_OK) != 0; i++)
    fx_sleep_ms(25);
  char *got = tu_read_file(rec, NULL);
  assert_non_null(got);
  snprintf(want, sizeof want, "argc=3\narg=%.8s\narg=haster\narg=overdue\nstdin=\n", th);
  if (strncmp(got, want, strlen(want)) != 0) fprintf(stderr, "alert saw:\n%s\n", got);
  assert_int_equal(strncmp(got, want, strlen(want)), 0);
  /* None of the daemon's environment (the test build's files, a credentials folder). */
  assert_null(strstr(got, "RP_INBOXD"));
  assert_non_null(strstr(got, "PATH="));
  free(got);
  char needle[120];
  snprintf(needle, sizeof needle, "event=alert_done thread=%s urgency=haster alert=overdue",
           th);
  assert_int_equal(fx_wait_log(&g, needle, 5000), 0);
}

/* A failing alert command, one that hangs past its timeout and one that does not exist:
 * each failure is logged at error level, and the daemon goes on serving. */
static void test_alert_failures(void **state) {
  char th[RP_ID_STRLEN], extra[1200], needle[160], *out = NULL;
  (void)state;
  snprintf(extra, sizeof extra, "[alerts]\ncommand = %s\n", script("fail.sh", "exit 3"));
  reload_with(extra);
  overdue_haster(th);
  snprintf(needle, sizeof needle,
           "error event=alert_failed thread=%s urgency=haster alert=overdue status=3", th);
  assert_int_equal(fx_wait_log(&g, needle, 5000), 0);
  snprintf(extra, sizeof extra, "[alerts]\ncommand = %s\ntimeout_ms = 300\n",
           script("hang.sh", "exec sleep 30"));
  reload_with(extra);
  overdue_haster(th);
  snprintf(
      needle, sizeof needle,
      "error event=alert_failed thread=%s urgency=haster alert=overdue error=ETIMEDOUT",
      th);
  assert_int_equal(fx_wait_log(&g, needle, 5000), 0);
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0); /* still serving */
  free(out);
  snprintf(extra, sizeof extra, "[alerts]\ncommand = %s/no-such-alert\n", g.dir);
  reload_with(extra);
  overdue_haster(th);
  snprintf(needle, sizeof needle,
           "error event=alert_failed thread=%s urgency=haster alert=overdue", th);
  assert_int_equal(fx_wait_log(&g, needle, 5000), 0);
  /* A relative command is refused as a configuration error. */
  size_t failed = fx_log_count(&g, "event=reload_failed");
  fx_write_conf(&g, "[alerts]\ncommand = alert.sh\n");
  assert_true(g.inboxd > 0);
  kill(g.inboxd, SIGHUP);
  for (int i = 0; i < 100 && fx_log_count(&g, "event=reload_failed") == failed; i++)
    fx_sleep_ms(50);
  assert_true(fx_log_count(&g, "event=reload_failed") > failed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_stdio),
      cmocka_unit_test(test_journal_priorities),
      cmocka_unit_test(test_alert_command),
      cmocka_unit_test(test_alert_failures),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
