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

static fx g;

static int setup(void **state) {
  (void)state;
  int rc = fx_init(&g, "inboxd-ops");
  if (rc != 0) fprintf(stderr, "fixture: %s\n", rp_strerror(rc));
  return rc;
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
  for (size_t i = 0; b != NULL && !found && i + m <= n; i++) found = memcmp(b + i, needle, m) == 0;
  free(b);
  return found;
}

/* Started with fds 0, 1 and 2 closed, the daemon must not let the first files it opens
 * become its stdin, stdout or stderr: its log lines would then land in whatever file
 * got fd 2 (SQLite guards its own files, the daemon's other files and pipes are not
 * guarded). 0-2 must be /dev/null; it runs, serves, and its files hold no log line. */
static void test_closed_stdio(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], args[160], path[800], *out = NULL;
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
  snprintf(args, sizeof args, "claim %s", th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  free(out);
  snprintf(args, sizeof args, "show %s", th);
  assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
  free(out);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_stdio),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
