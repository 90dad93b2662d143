/* SPDX-License-Identifier: MIT */
/*
 * One roster per process: the inbox daemon uses the client library's roster only. SIGHUP
 * asks the library for the relay's newest roster; a roster file replaced by an older
 * signed copy (a rollback) is refused by the library's rollback check, on SIGHUP and at
 * the next start, so a member revoked since stays revoked for the daemon: an
 * announcement does not even try to reach it. Real relay, real daemon (test build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "clock.h"
#include "ibx_fixture.h"

static fx g;
static char
    *g_old_roster; /* the fixture's roster file (version 2), kept for the rollback */
static size_t g_old_len;

#define ANNOUNCE                                                                           \
  "announce --network oest --date 2026-03-10 --host 101 --title Netvaerksmoede "           \
  "--deadline 2026-03-01 --stdin"

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-roster");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  free(g_old_roster);
  return 0;
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* The roster file (the relay's and the daemon's) as the next version, with member id
 * revoked. */
static void write_roster_revoking(const char *id) {
  tp_relay *f = &g.relay;
  rp__roster *r = NULL;
  const uint8_t *doc;
  size_t len = 0;
  assert_int_equal(
      rp__roster_create(rp__roster_version(f->roster) + 1, rp__clock_wall_ms(), &r), 0);
  for (uint32_t i = 0; i < rp__roster_count(f->roster); i++) {
    rp__member m = *rp__roster_member(f->roster, i);
    if (strcmp(m.pub.id, id) == 0) m.revoked = true;
    assert_int_equal(rp__roster_add(r, &m), 0);
  }
  assert_int_equal(rp__roster_sign(r, f->admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  write_file(f->roster_path, doc, len);
  rp__roster_free(f->roster);
  f->roster = r;
}

/* SIGHUP to the daemon; waits for its `reloaded` line with that roster version. */
static void reload_expecting(unsigned version) {
  char needle[64];
  snprintf(needle, sizeof needle, "event=reloaded roster_version=%u\n", version);
  size_t before = fx_log_count(&g, needle);
  assert_true(g.inboxd > 0);
  kill(g.inboxd, SIGHUP);
  for (int i = 0; i < 200 && fx_log_count(&g, needle) == before; i++)
    fx_sleep_ms(50);
  assert_true(fx_log_count(&g, needle) > before);
}

/* An announcement to the east network reaches exactly `n` members, none refused. */
static void announce_reaches(unsigned n) {
  char *out = NULL, want[64];
  snprintf(want, sizeof want, "sent to %u member%s of the oest network", n,
           n == 1 ? "" : "s");
  int st = fx_advisor(&g, ANNOUNCE, "Program: oplæg og sparring", &out);
  if (st != 0 || strstr(out, want) == NULL) fprintf(stderr, "announce: %s\n", out);
  assert_int_equal(st, 0);
  assert_non_null(strstr(out, want));
  assert_null(strstr(out, "not sent"));
  free(out);
}

/* The relay gets a newer roster (kommune-102, east, revoked); SIGHUP makes the daemon's
 * library fetch it, and announcements follow it at once. */
static void test_sighup_fetches_the_relays_roster(void **state) {
  (void)state;
  assert_int_equal(fx_wait_log(&g, "event=started member=team", 5000), 0);
  assert_true(fx_log_count(&g, "roster_version=2\n") > 0);
  announce_reaches(2);
  g_old_roster = tu_read_file(g.relay.roster_path, &g_old_len);
  assert_non_null(g_old_roster);
  write_roster_revoking(g.mun_id[1]);
  kill(g.relay.pid, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&g.relay, "reload_done roster_version=3", 10000, 1),
                   0);
  reload_expecting(3);
  announce_reaches(1);
}

/* The roster file goes back to the older signed version 2, in which kommune-102 is
 * active. Neither SIGHUP nor a restart brings it back into force: the library keeps
 * version 3 and refuses the rollback, and the daemon has no other roster. */
static void test_rolled_back_roster_file_refused(void **state) {
  (void)state;
  write_file(g.relay.roster_path, g_old_roster, g_old_len);
  reload_expecting(3);
  announce_reaches(1);
  size_t v2 = fx_log_count(&g, "roster_version=2\n");
  size_t v3 = fx_log_count(&g, "roster_version=3\n");
  assert_int_equal(fx_inboxd_stop(&g), 0);
  assert_int_equal(fx_inboxd_start(&g), 0);
  for (int i = 0; i < 200 && fx_log_count(&g, "roster_version=3\n") == v3; i++)
    fx_sleep_ms(50);
  assert_true(fx_log_count(&g, "roster_version=3\n") > v3); /* its `started` line */
  assert_int_equal(fx_log_count(&g, "roster_version=2\n"), v2);
  announce_reaches(1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sighup_fetches_the_relays_roster),
      cmocka_unit_test(test_rolled_back_roster_file_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
