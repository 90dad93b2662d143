/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost advisor` (tools/cmd_advisor.c) runs the inbox's advisor commands with their
 * own help texts; without a daemon behind the socket it says so (exit status 3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "run.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_advisor_cli),
  };
  return cmocka_run_group_tests(tests, tt_dir_setup, tt_dir_teardown);
}
