/* SPDX-License-Identifier: MIT */
/*
 * The test build's clock and advisor identity (rejsepost-inboxd-test only; ibx_ident.h).
 *
 * Tests run the real daemon through days and weeks in a second, and need two advisors
 * while they run as one Unix user. So this build reads, at every use:
 *   - "now" from the file named by RP_INBOXD_CLOCK_FILE (unix ms as decimal text);
 *   - the advisor's user name from the file named by RP_INBOXD_TEST_USER_FILE (one
 *     name, [a-z0-9_-], at most RP_IBX_WHO_MAX); a missing or empty file means the
 *     SO_PEERCRED user.
 * A file that cannot be read falls back to the system clock or the kernel's user (the
 * test that wrote it then fails on its own assertions).
 */
#ifndef RP_IBX_TEST_BUILD
#error "ibx_testhooks.c belongs to the test build (rejsepost-inboxd-test) only"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "file.h"
#include "ibx_ident.h"
#include "log.h"
#include "ibx_sock.h"

#define CLOCK_ENV "RP_INBOXD_CLOCK_FILE"
#define USER_ENV "RP_INBOXD_TEST_USER_FILE"

/* Set once at start on the main thread, read-only after. */
static char g_clock[RP_PATH_MAX], g_user[RP_PATH_MAX];

static void env_path(const char *name, char *dst, size_t cap) {
  const char *v = getenv(name);
  dst[0] = 0;
  if (v != NULL && strlen(v) < cap) snprintf(dst, cap, "%s", v);
}

void rp__ibx_ident_start(void) {
  env_path(CLOCK_ENV, g_clock, sizeof g_clock);
  env_path(USER_ENV, g_user, sizeof g_user);
  rp__log_warn("event=test_build clock=%s user=%s (tests only; never deploy)",
               g_clock[0] != 0 ? "file" : "system", g_user[0] != 0 ? "file" : "peercred");
}

/* The first line of a small file, without its newline; "" if there is none. */
static void first_line(const char *path, char *buf, size_t cap) {
  size_t n = 0;
  if (rp__file_read_into(path, (uint8_t *)buf, cap - 1, &n, NULL, 0) != 0) n = 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
}

uint64_t rp__ibx_ident_now(void) {
  char buf[32], *end = NULL;
  if (g_clock[0] != 0) {
    first_line(g_clock, buf, sizeof buf);
    unsigned long long v = strtoull(buf, &end, 10);
    if (end != buf && v > 0) return (uint64_t)v;
  }
  return rp__clock_wall_ms();
}

static int name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > RP_IBX_WHO_MAX) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
          s[i] == '-'))
      return 0;
  return 1;
}

int rp__ibx_ident_peer(int fd, char who[RP_IBX_WHO_MAX + 1], uid_t *uid) {
  char name[RP_IBX_WHO_MAX + 8];
  int r = rp__ibx_sock_peer(fd, who, uid);
  if (r != 0 || g_user[0] == 0) return r;
  first_line(g_user, name, sizeof name);
  if (name_ok(name)) snprintf(who, RP_IBX_WHO_MAX + 1, "%s", name);
  return 0;
}
