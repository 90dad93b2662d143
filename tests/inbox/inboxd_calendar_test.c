/* SPDX-License-Identifier: MIT */
/*
 * The Danish calendar through the real daemon (test build, machine TZ=UTC): an akut
 * request on a public holiday gets the automatic reply with the emergency numbers at
 * once and is not overdue; deadlines skip holidays. inbox_calendar_test.c checks the
 * calendar at every office hour of every holiday 2024-2030; this checks that the daemon
 * uses it, at 10:00 on each of them.
 */
#define _GNU_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_fixture.h"

static fx g;

/* The weekday public holidays 2024-2030 (the Sunday ones are closed anyway). */
static const char *const k_holidays[] = {
    "2024-01-01", "2024-03-28", "2024-03-29", "2024-04-01", "2024-05-09", "2024-05-20",
    "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-17", "2025-04-18", "2025-04-21",
    "2025-05-29", "2025-06-09", "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-02",
    "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25", "2026-12-25", "2027-01-01",
    "2027-03-25", "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17", "2028-04-13",
    "2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05", "2028-12-25", "2028-12-26",
    "2029-01-01", "2029-03-29", "2029-03-30", "2029-04-02", "2029-05-10", "2029-05-21",
    "2029-12-25", "2029-12-26", "2030-01-01", "2030-04-18", "2030-04-19", "2030-04-22",
    "2030-05-30", "2030-06-10", "2030-12-25", "2030-12-26",
};

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-calendar");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* Summer time in Copenhagen, 2024-2031: from the first date to the second. */
static const char *const k_summer[][2] = {
    {"2024-03-31", "2024-10-27"}, {"2025-03-30", "2025-10-26"},
    {"2026-03-29", "2026-10-25"}, {"2027-03-28", "2027-10-31"},
    {"2028-03-26", "2028-10-29"}, {"2029-03-25", "2029-10-28"},
    {"2030-03-31", "2030-10-27"}, {"2031-03-30", "2031-10-26"},
};

/* 10:00 in Copenhagen on date "YYYY-MM-DD", as unix ms. */
static uint64_t ten_oclock(const char *date) {
  struct tm tm = {0};
  int summer = 0;
  tm.tm_year = (int)strtol(date, NULL, 10) - 1900;
  tm.tm_mon = (int)strtol(date + 5, NULL, 10) - 1;
  tm.tm_mday = (int)strtol(date + 8, NULL, 10);
  tm.tm_hour = 10;
  /* Dates in this form compare as text; 10:00 is after the change on its day. */
  for (size_t i = 0; i < sizeof k_summer / sizeof k_summer[0]; i++)
    if (strcmp(date, k_summer[i][0]) >= 0 && strcmp(date, k_summer[i][1]) < 0) summer = 1;
  return (uint64_t)((int64_t)timegm(&tm) - (summer ? 7200 : 3600)) * 1000;
}

/* At 10:00 on each weekday holiday 2024-2030, an akut request gets the automatic reply
 * at once (the municipality receives it), and the listing does not call it overdue. */
static void test_akut_on_every_holiday(void **state) {
  char id[RP_ID_STRLEN], needle[200], *out = NULL;
  rp_received *r = NULL;
  const char *v = NULL;
  (void)state;
  for (size_t i = 0; i < sizeof k_holidays / sizeof k_holidays[0]; i++) {
    fx_set_clock(&g, ten_oclock(k_holidays[i]));
    assert_int_equal(fx_request(&g, 0, "akut", "vold", id), 0);
    if (fx_wait_kind(&g, 0, "reply", 20000, &r) != 0)
      fprintf(stderr, "%s 10:00: no automatic reply\n", k_holidays[i]);
    assert_non_null(r);
    assert_string_equal(rp_received_in_reply_to(r), id);
    assert_int_equal(rp_received_get_text(r, "advisor.id", &v), 0);
    assert_string_equal(v, "vagt");
    assert_int_equal(rp_received_get_text(r, "advice", &v), 0);
    assert_non_null(strstr(v, "112"));
    rp_received_free(r);
    r = NULL;
    assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
    snprintf(needle, sizeof needle, "\"first_msg\":\"%s\"", id);
    char *o = strstr(out, needle), *end = o != NULL ? strchr(o, '}') : NULL;
    assert_non_null(end);
    *end = 0;
    if (strstr(o, "\"overdue\":false") == NULL)
      fprintf(stderr, "%s: %s\n", k_holidays[i], o);
    assert_non_null(strstr(o, "\"overdue\":false"));
    assert_non_null(strstr(o, "\"autoreplied\":true"));
    /* (Nobody opens these: as the clock moves on, each is escalated. That is right.) */
    free(out);
  }
}

/* A haster request on the eve of Kristi himmelfartsdag is due on the Friday, not on the
 * holiday; the daemon's listing says so. */
static void test_haster_skips_holiday(void **state) {
  char id[RP_ID_STRLEN], needle[120];
  (void)state;
  fx_set_clock(&g, ten_oclock("2031-05-21")); /* Wed; Kristi himmelfartsdag is Thu 22 */
  assert_int_equal(fx_request(&g, 1, "haster", "trusler", id), 0);
  snprintf(needle, sizeof needle, "\"deadline\":%llu",
           (unsigned long long)ten_oclock("2031-05-23"));
  assert_int_equal(fx_wait_listed(&g, "list --json", needle, 20000), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_akut_on_every_holiday),
      cmocka_unit_test(test_haster_skips_holiday),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
