/* SPDX-License-Identifier: MIT */
/*
 * The advisor commands on their own (no daemon): every command answers --help with its
 * usage and exit status 0, through both programs that carry them (rejsepost-advisor and
 * `rejsepost advisor`). The real binaries, run as child processes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

static const char *const k_commands[] = {
    "list",  "show",     "claim",  "assign",        "reply",       "ask",
    "close", "announce", "export", "registrations", "audit-verify"};

/* Runs `prog args` with stdout and stderr to files in dir; returns the exit status. */
static int run(const char *dir, const char *prog, const char *args, char **out,
               char **err) {
  char cmd[2400], o[700], e[700];
  snprintf(o, sizeof o, "%s/out", dir);
  snprintf(e, sizeof e, "%s/err", dir);
  /* No daemon anywhere: --help must not need one. */
  snprintf(cmd, sizeof cmd, "RP_ADVISOR_SOCKET=%s/none.sock %s %s >%s 2>%s </dev/null", dir,
           prog, args, o, e);
  int st = system(cmd);
  *out = tu_read_file(o, NULL);
  *err = tu_read_file(e, NULL);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check_all(const char *prog) {
  const char *dir = tu_tmpdir("advisor-help");
  char args[128], usage[128], *out = NULL, *err = NULL;
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++) {
    for (int form = 0; form < 2; form++) {
      snprintf(args, sizeof args, "%s %s", k_commands[i], form == 0 ? "--help" : "-h");
      int st = run(dir, prog, args, &out, &err);
      snprintf(usage, sizeof usage, "Usage: rejsepost advisor %s", k_commands[i]);
      if (st != 0 || strstr(out, usage) == NULL)
        fprintf(stderr, "%s %s: status %d\nstdout: %s\nstderr: %s\n", prog, args, st, out,
                err);
      assert_int_equal(st, 0);
      assert_non_null(strstr(out, usage));
      assert_string_equal(err, "");
      free(out);
      free(err);
    }
  }
  /* --help after other arguments too, as the usage says. */
  assert_int_equal(run(dir, prog, "reply 3fa9 --stdin --help", &out, &err), 0);
  assert_non_null(strstr(out, "Usage: rejsepost advisor reply THREAD"));
  free(out);
  free(err);
  /* The overview lists every command. */
  assert_int_equal(run(dir, prog, "--help", &out, &err), 0);
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++) {
    snprintf(usage, sizeof usage, "  %s ", k_commands[i]);
    assert_non_null(strstr(out, usage));
  }
  free(out);
  free(err);
  tu_rmtree(dir);
}

static void test_help_standalone(void **state) {
  char prog[700];
  (void)state;
  snprintf(prog, sizeof prog, "%s/inbox/rejsepost-advisor", getenv("RP_BUILD_DIR"));
  check_all(prog);
}

static void test_help_rejsepost(void **state) {
  char prog[700];
  (void)state;
  snprintf(prog, sizeof prog, "%s/tools/rejsepost advisor", getenv("RP_BUILD_DIR"));
  check_all(prog);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_standalone),
      cmocka_unit_test(test_help_rejsepost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
