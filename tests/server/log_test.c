/* SPDX-License-Identifier: MIT */
/* The event log: line format, level filter, quoting, one write per line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static char dir[4096], path[4200];
static int fd = -1;

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s", tu_tmpdir("log"));
  snprintf(path, sizeof path, "%s/log.txt", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  assert_true(fd >= 0);
  rp__log_set_fd(fd);
  rp__log_set_level(RP__LOG_INFO);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  rp__log_set_fd(2);
  close(fd);
  tu_rmtree(dir);
  return 0;
}

static char *contents(void) {
  char *text = tu_read_file(path, NULL);
  assert_non_null(text);
  return text;
}

/* "2026-11-24T17:03:12.345Z " */
static void assert_stamp(const char *line) {
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
  for (size_t i = 0; i < sizeof shape - 1; i++) {
    if (shape[i] == 'd')
      assert_true(line[i] >= '0' && line[i] <= '9');
    else
      assert_int_equal(line[i], shape[i]);
  }
}

static void assert_starts(const char *line, const char *want) {
  if (strncmp(line, want, strlen(want)) != 0) fail_msg("got \"%.80s\"", line);
}

static void test_format(void **state) {
  char q[64];
  (void)state;
  rp__log_info("conn_open peer=%s conn=%u", "127.0.0.1:5433", 17u);
  rp__log_debug("hidden x=1");
  rp__log_error("spool_failed reason=%s", rp__log_quote(q, sizeof q, "disk \"full\"\n"));
  rp__log_warn("plain v=%s empty=%s null=%s", rp__log_quote(q, sizeof q, "abc"),
               rp__log_quote(q + 32, 32, ""), rp__log_quote(q, sizeof q, NULL));
  rp__log_info("inject v=%s", "a\nb"); /* unquoted on purpose: still one line */
  char *text = contents();
  char *l1 = text, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  char *l4 = strchr(l3, '\n') + 1;
  assert_stamp(l1);
  assert_starts(l1 + 25, "info conn_open peer=127.0.0.1:5433 conn=17\n");
  assert_stamp(l2);
  assert_starts(l2 + 25, "error spool_failed reason=\"disk \\\"full\\\"\\x0a\"\n");
  assert_starts(l3 + 25, "warn plain v=abc empty=\"\" null=-\n");
  assert_int_equal(strcmp(l4 + 25, "info inject v=a\\x0ab\n"), 0);
  free(text);

  rp__log_level lv;
  assert_int_equal(rp__log_level_parse("warn", &lv), 0);
  assert_int_equal(lv, RP__LOG_WARN);
  assert_int_equal(rp__log_level_parse("WARN", &lv), RP_EINVAL);
  assert_string_equal(rp__log_level_name(RP__LOG_DEBUG), "debug");
  assert_true(rp__log_enabled(RP__LOG_ERROR));
  assert_false(rp__log_enabled(RP__LOG_DEBUG));
}

static void test_long_lines(void **state) {
  char big[3 * RP__LOG_LINE_MAX], q[40];
  (void)state;
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  rp__log_info("big v=%s", big);
  char *text = contents();
  size_t n = strlen(text);
  assert_true(n <= RP__LOG_LINE_MAX);
  assert_string_equal(text + n - 4, "...\n");
  assert_ptr_equal(strchr(text, '\n'), text + n - 1);
  free(text);

  /* A quoted value that does not fit is cut, still closed, and stays in its buffer. */
  big[100] = '\0';
  big[0] = ' ';
  const char *v = rp__log_quote(q, sizeof q, big);
  assert_ptr_equal(v, q);
  assert_true(strlen(v) < sizeof q);
  assert_int_equal(strncmp(v, "\" x", 3), 0);
  assert_string_equal(v + strlen(v) - 4, "...\"");
}

static void *writer(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++)
    rp__log_info("burst i=%d pad=%0200d", i, 0);
  return NULL;
}

static void test_threads(void **state) {
  pthread_t t[4];
  (void)state;
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, writer, NULL), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  char *text = contents();
  size_t lines = 0;
  for (char *l = text; *l != '\0'; l = strchr(l, '\n') + 1) {
    assert_stamp(l);
    assert_int_equal(strncmp(l + 25, "info burst i=", 13), 0);
    assert_int_equal(strchr(l, '\n') - l, 25 + 13 + (strchr(l + 38, ' ') - (l + 38)) + 205);
    lines++;
  }
  assert_int_equal(lines, 8000);
  free(text);
}

/* With JOURNAL_STREAM naming the log's file, every line starts with its sd-daemon
 * priority; naming another file, or garbage, turns nothing on. */
static void test_journal(void **state) {
  struct stat st;
  char env[64];
  (void)state;
  assert_int_equal(fstat(fd, &st), 0);
  unsetenv("JOURNAL_STREAM");
  assert_int_equal(rp__log_journal_detect(fd), 0);
  snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino + 1);
  setenv("JOURNAL_STREAM", env, 1);
  assert_int_equal(rp__log_journal_detect(fd), 0);
  setenv("JOURNAL_STREAM", "garbage", 1);
  assert_int_equal(rp__log_journal_detect(fd), 0);
  snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
  setenv("JOURNAL_STREAM", env, 1);
  assert_int_equal(rp__log_journal_detect(fd), 1);
  unsetenv("JOURNAL_STREAM");
  rp__log_set_journal(1);
  rp__log_set_level(RP__LOG_DEBUG);
  rp__log_error("e x=1");
  rp__log_warn("w x=1");
  rp__log_info("i x=1");
  rp__log_debug("d x=1");
  rp__log_set_journal(0);
  rp__log_info("plain x=1");
  char *text = contents();
  char *l1 = text, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
  char *l4 = strchr(l3, '\n') + 1, *l5 = strchr(l4, '\n') + 1;
  assert_starts(l1, "<3>");
  assert_stamp(l1 + 3);
  assert_starts(l1 + 28, "error e x=1\n");
  assert_starts(l2, "<4>");
  assert_starts(l2 + 28, "warn w x=1\n");
  assert_starts(l3, "<6>");
  assert_starts(l4, "<7>");
  assert_stamp(l5);
  assert_starts(l5 + 25, "info plain x=1\n");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_format, setup, teardown),
      cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
      cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
