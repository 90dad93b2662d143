/* SPDX-License-Identifier: MIT */
/*
 * The shipped rejsepost-inboxd has no test hooks: it takes the time from the system and
 * the advisor's identity from the kernel (SO_PEERCRED) alone, whatever its environment
 * or a request says. (The other inbox tests run rejsepost-inboxd-test, the test build.)
 * Real relayd, the real shipped daemon on the real clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <pwd.h>

#include "clock.h"
#include "ibx_areq.h"
#include "ibx_fixture.h"
#include "ibx_sock.h"

static fx g;

static const char *me(void) {
  struct passwd *pw = getpwuid(geteuid());
  return pw != NULL ? pw->pw_name : "?";
}

static uint64_t g_t0;

static int setup(void **state) {
  char extra[256];
  fx_start o = {.exe = "rejsepost-inboxd"};
  (void)state;
  /* Office hours all day (the real clock decides), and advisors: this user and one the
   * test would like to impersonate. */
  snprintf(extra, sizeof extra,
           "[office]\nhours = 00:00-24:00\ndays = mon-sun\n"
           "[advisors]\n%s = raadgiver:R1\nsara = raadgiver:Sara R.\n",
           me());
  g_t0 = rp__clock_wall_ms();
  return fx_init_with(&g, "inboxd-shipped", &o, extra);
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* Whether the file holds needle anywhere. */
static int file_has(const char *path, const char *needle) {
  size_t n = 0, m = strlen(needle);
  char *b = tu_read_file(path, &n);
  int found = 0;
  for (size_t i = 0; b != NULL && !found && i + m <= n; i++)
    found = memcmp(b + i, needle, m) == 0;
  free(b);
  return found;
}

/* The test hooks are not in the shipped binary at all: neither the environment
 * variables of the test build nor the request field an older version had. */
static void test_no_hooks_in_binary(void **state) {
  char shipped[700], test_build[700];
  (void)state;
  snprintf(shipped, sizeof shipped, "%s/inbox/rejsepost-inboxd", getenv("RP_BUILD_DIR"));
  snprintf(test_build, sizeof test_build, "%s/inbox/rejsepost-inboxd-test",
           getenv("RP_BUILD_DIR"));
  assert_false(file_has(shipped, "RP_INBOXD_CLOCK_FILE"));
  assert_false(file_has(shipped, "RP_INBOXD_TEST_USER_FILE"));
  assert_false(file_has(shipped, "test_user"));
  assert_false(file_has(shipped, "test-clock"));
  /* The check can see such strings: the test build has them. */
  assert_true(file_has(test_build, "RP_INBOXD_CLOCK_FILE"));
  assert_true(file_has(test_build, "RP_INBOXD_TEST_USER_FILE"));
}

/* --test-clock is an unknown option of the shipped daemon (usage error, exit 2). */
static void test_no_test_clock_option(void **state) {
  char cmd[1600];
  (void)state;
  snprintf(cmd, sizeof cmd,
           "%s/inbox/rejsepost-inboxd --config %s --check --test-clock "
           ">/dev/null 2>&1",
           getenv("RP_BUILD_DIR"), g.conf);
  int st = system(cmd);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 2);
}

/* One request as the advisor command would send it, plus key 15 = "sara" (the test_user
 * field of an older version); *rs borrows from *buf. */
static int raw_claim(const char *thread, rp__ibx_resp *rs, uint8_t **buf) {
  uint8_t req[128];
  size_t n = 0, len = 0;
  int fd = -1, r;
  req[n++] = 0x84; /* map of 4 */
  req[n++] = 0x00; /* version */
  req[n++] = (uint8_t)RP_SCHEMA_VERSION;
  req[n++] = 0x01; /* action */
  req[n++] = 0xa5;
  memcpy(req + n, "claim", 5);
  n += 5;
  req[n++] = 0x02; /* thread */
  req[n++] = 0xd9;
  req[n++] = 32;
  memcpy(req + n, thread, 32);
  n += 32;
  req[n++] = 0x0f; /* 15: the old test_user */
  req[n++] = 0xa4;
  memcpy(req + n, "sara", 4);
  n += 4;
  *buf = NULL;
  if ((r = rp__ibx_sock_connect(g.sock, &fd)) != 0) return r;
  if ((r = rp__ibx_sock_write_frame(fd, req, n)) == 0 &&
      (r = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 10000, buf, &len)) == 0)
    r = rp__ibx_resp_decode(*buf, len, rs);
  close(fd);
  return r;
}

/* The daemon runs on the system clock although RP_INBOXD_CLOCK_FILE names a clock file
 * (the fixture set it, at 2026-01-05), and acts as the SO_PEERCRED user although the
 * environment names a test user and the request carries an old test_user field. */
static void test_peercred_and_system_clock(void **state) {
  char id[RP_ID_STRLEN], th[RP_ID_STRLEN], needle[200], *out = NULL;
  rp__ibx_resp rs;
  uint8_t *buf = NULL;
  (void)state;
  fx_set_user(&g, "sara"); /* the fixture named this file in the daemon's environment */
  assert_int_equal(fx_request(&g, 0, "haster", "trusler", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
  assert_int_equal(raw_claim(th, &rs, &buf), 0);
  if (rs.error != 0) fprintf(stderr, "claim: %.*s\n", (int)rs.message.n, rs.message.p);
  assert_int_equal(rs.error, 0);
  free(buf);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  snprintf(needle, sizeof needle, "\"claimed_by\":\"%s\"", me());
  assert_non_null(strstr(out, needle));
  /* Arrived by the system clock: now, not 2026-01-05. */
  char *a = strstr(out, "\"arrived\":");
  assert_non_null(a);
  uint64_t arrived = strtoull(a + 10, NULL, 10);
  assert_true(arrived >= g_t0 && arrived <= rp__clock_wall_ms());
  free(out);
  char *audit = tu_read_file(g.audit, NULL);
  snprintf(needle, sizeof needle, "who=%s action=claim thread=%s", me(), th);
  assert_non_null(strstr(audit, needle));
  assert_null(strstr(audit, "who=sara"));
  free(audit);
  fx_set_user(&g, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_hooks_in_binary),
      cmocka_unit_test(test_peercred_and_system_clock),
      /* Last: on a daemon that took the option, --check would replace the socket. */
      cmocka_unit_test(test_no_test_clock_option),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
