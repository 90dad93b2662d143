/* SPDX-License-Identifier: MIT */
/*
 * The service clock's Danish calendar (inbox/ibx_cal.c, inbox/ibx_clock.c), checked
 * against tables written out here: the public holidays and the days summer time begins
 * and ends, 2024-2030, and a reference walk of office time in the test. Every holiday
 * is closed at every office hour (an akut request then gets the automatic reply), and no
 * haster, normal or plan deadline falls on one. The machine's TZ is set to other zones
 * on purpose: office hours are Copenhagen's whatever it says.
 */
#define _GNU_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envelope_hdr.h"
#include "ibx_cal.h"
#include "ibx_clock.h"

/* The Danish public holidays 2024-2030 (store bededag is gone from 2024). */
static const char *const k_holidays[] = {
    "2024-01-01", "2024-03-28", "2024-03-29", "2024-03-31", "2024-04-01", "2024-05-09",
    "2024-05-19", "2024-05-20", "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-17",
    "2025-04-18", "2025-04-20", "2025-04-21", "2025-05-29", "2025-06-08", "2025-06-09",
    "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-02", "2026-04-03", "2026-04-05",
    "2026-04-06", "2026-05-14", "2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26",
    "2027-01-01", "2027-03-25", "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-06",
    "2027-05-16", "2027-05-17", "2027-12-25", "2027-12-26", "2028-01-01", "2028-04-13",
    "2028-04-14", "2028-04-16", "2028-04-17", "2028-05-25", "2028-06-04", "2028-06-05",
    "2028-12-25", "2028-12-26", "2029-01-01", "2029-03-29", "2029-03-30", "2029-04-01",
    "2029-04-02", "2029-05-10", "2029-05-20", "2029-05-21", "2029-12-25", "2029-12-26",
    "2030-01-01", "2030-04-18", "2030-04-19", "2030-04-21", "2030-04-22", "2030-05-30",
    "2030-06-09", "2030-06-10", "2030-12-25", "2030-12-26",
};
#define NHOL (sizeof k_holidays / sizeof k_holidays[0])

/* Summer time: from the first date (01:00 UTC) to the second (01:00 UTC), 2024-2030. */
static const char *const k_summer[][2] = {
    {"2024-03-31", "2024-10-27"}, {"2025-03-30", "2025-10-26"},
    {"2026-03-29", "2026-10-25"}, {"2027-03-28", "2027-10-31"},
    {"2028-03-26", "2028-10-29"}, {"2029-03-25", "2029-10-28"},
    {"2030-03-31", "2030-10-27"},
};

#define H 3600ull
#define MS 1000ull

/* Seconds of UTC midnight of "YYYY-MM-DD" (timegm: the C library, not our code). */
static int64_t utc_midnight(const char *date) {
  struct tm tm = {0};
  tm.tm_year = (int)strtol(date, NULL, 10) - 1900;
  tm.tm_mon = (int)strtol(date + 5, NULL, 10) - 1;
  tm.tm_mday = (int)strtol(date + 8, NULL, 10);
  return (int64_t)timegm(&tm);
}

static int64_t day_of(const char *date) {
  return utc_midnight(date) / 86400;
}

/* The reference: Copenhagen's offset at a UTC instant, from the table. */
static int ref_offset(int64_t t) {
  for (size_t i = 0; i < sizeof k_summer / sizeof k_summer[0]; i++)
    if (t >= utc_midnight(k_summer[i][0]) + 3600 && t < utc_midnight(k_summer[i][1]) + 3600)
      return 7200;
  return 3600;
}

/* The unix time of local Copenhagen time min minutes after midnight of day z (office
 * hours never touch the hour that changes). */
static int64_t ref_utc(int64_t z, unsigned min) {
  int64_t local = z * 86400 + (int64_t)min * 60;
  return local - ref_offset(local - 3600);
}

static int ref_holiday(int64_t z) {
  for (size_t i = 0; i < NHOL; i++)
    if (day_of(k_holidays[i]) == z) return 1;
  /* A walk from late December 2030 reaches into January 2031. */
  return z == day_of("2031-01-01");
}

/* When the office closes on day z by default (0: closed): Mon-Fri 08-16, holidays
 * closed, 5 June and 24 and 31 December close at noon. */
static unsigned ref_closes(int64_t z) {
  time_t t = (time_t)(z * 86400);
  struct tm tm;
  gmtime_r(&t, &tm);
  if (tm.tm_wday == 0 || tm.tm_wday == 6 || ref_holiday(z)) return 0;
  if ((tm.tm_mon == 5 && tm.tm_mday == 5) ||
      (tm.tm_mon == 11 && (tm.tm_mday == 24 || tm.tm_mday == 31)))
    return 12 * 60;
  return 16 * 60;
}

/* Local minute `min` of day z plus `office` minutes of office time: (day, minute). */
static int64_t ref_add(int64_t z, unsigned min, unsigned office) {
  for (int i = 0; i < 400; i++, z++, min = 0) {
    unsigned end = ref_closes(z);
    if (end == 0) continue;
    if (min < 8 * 60) min = 8 * 60;
    if (min < end) {
      if (office <= end - min) return ref_utc(z, min + office);
      office -= end - min;
    }
  }
  return -1;
}

/* Runs f under several machine time zones: none of them may matter. */
static void in_zones(void (*f)(void)) {
  static const char *const zones[] = {"UTC", "America/New_York", "Asia/Tokyo",
                                      "Europe/Copenhagen"};
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
    setenv("TZ", zones[i], 1);
    tzset();
    f();
  }
  setenv("TZ", "UTC", 1);
  tzset();
}

/* The calendar names exactly these days, 2024-2030; store bededag only up to 2023. */
static void test_holiday_table(void **state) {
  (void)state;
  size_t found = 0;
  for (int64_t z = day_of("2024-01-01"); z <= day_of("2030-12-31"); z++) {
    int ours = rp__ibx_cal_holiday(z) != NULL,
        ref = ref_holiday(z) && z < day_of("2031-01-01");
    if (ours != ref)
      fprintf(stderr, "day %lld: ours %d, table %d\n", (long long)z, ours, ref);
    assert_int_equal(ours, ref);
    found += (size_t)ours;
  }
  assert_int_equal(found, NHOL);
  assert_string_equal(rp__ibx_cal_holiday(day_of("2026-04-03")), "langfredag");
  assert_string_equal(rp__ibx_cal_holiday(day_of("2025-12-26")), "2. juledag");
  assert_string_equal(rp__ibx_cal_holiday(day_of("2026-05-14")), "kristi himmelfartsdag");
  assert_string_equal(rp__ibx_cal_holiday(day_of("2023-05-05")), "store bededag");
  assert_null(
      rp__ibx_cal_holiday(day_of("2024-04-26"))); /* would have been store bededag */
  assert_int_equal(rp__ibx_cal_easter(2026), day_of("2026-04-05"));
  assert_int_equal(rp__ibx_cal_easter(2000), day_of("2000-04-23"));
  assert_int_equal(rp__ibx_cal_easter(2038), day_of("2038-04-25"));
}

static void holidays_closed(void) {
  rp__ibx_hours h;
  rp__ibx_hours_default(&h);
  for (size_t i = 0; i < NHOL; i++) {
    int64_t z = day_of(k_holidays[i]);
    /* Every office hour of the day, and its last minute: closed. An akut request then
     * gets the automatic reply, and its hour starts at the next opening. */
    for (unsigned min = 8 * 60; min < 16 * 60; min += 60) {
      for (unsigned k = 0; k < 2; k++) {
        uint64_t t = (uint64_t)ref_utc(z, min + k * 59) * MS;
        if (rp__ibx_hours_open(&h, t)) fprintf(stderr, "open on %s\n", k_holidays[i]);
        assert_false(rp__ibx_hours_open(&h, t));
        assert_int_equal(rp__ibx_deadline(&h, RP__URG_AKUT, t),
                         (uint64_t)ref_add(z, min, 60) * MS);
      }
    }
  }
}

/* Every holiday 2024-2030 is closed at every office hour, whatever the machine's TZ. */
static void test_holidays_closed_every_office_hour(void **state) {
  (void)state;
  in_zones(holidays_closed);
}

static void deadlines_skip(void) {
  rp__ibx_hours h;
  rp__ibx_hours_default(&h);
  static const struct {
    int urg;
    unsigned office;
  } k[] = {
      {RP__URG_HASTER, 8 * 60}, {RP__URG_NORMAL, 5 * 8 * 60}, {RP__URG_PLAN, 10 * 8 * 60}};
  for (size_t i = 0; i < NHOL; i++) {
    int64_t hol = day_of(k_holidays[i]), z = hol - 1;
    while (ref_closes(z) == 0)
      z--; /* the last working day before it */
    for (unsigned min = 8 * 60; min < ref_closes(z); min += 60) {
      uint64_t t = (uint64_t)ref_utc(z, min) * MS;
      for (size_t u = 0; u < sizeof k / sizeof k[0]; u++) {
        uint64_t got = rp__ibx_deadline(&h, k[u].urg, t),
                 want = (uint64_t)ref_add(z, min, k[u].office) * MS;
        if (got != want)
          fprintf(stderr, "before %s at %u: urgency %d due %llu, expected %llu\n",
                  k_holidays[i], min, k[u].urg, (unsigned long long)got,
                  (unsigned long long)want);
        assert_int_equal(got, want);
        /* Never due on a holiday. */
        int64_t due = (int64_t)(got / MS);
        assert_false(ref_holiday((due + ref_offset(due)) / 86400));
      }
    }
  }
}

/* haster, normal and plan deadlines from the working day before each holiday skip it
 * (and every other closed day), as the reference walk counts them. */
static void test_deadlines_skip_holidays(void **state) {
  (void)state;
  in_zones(deadlines_skip);
}

/* The incidents of the review, by hand: akut at 10:00 on Good Friday 2026 is out of
 * hours and due at 09:00 on the Tuesday after Easter; haster on the eve of Kristi
 * himmelfartsdag is due on the Friday; normal before Christmas 2025 skips 24 (afternoon),
 * 25 and 26 December, 31 December afternoon and New Year. */
static void test_review_incidents(void **state) {
  rp__ibx_hours h;
  (void)state;
  rp__ibx_hours_default(&h);
  uint64_t fri = (uint64_t)(utc_midnight("2026-04-03") + 8 * 3600) * MS; /* 10:00 CEST */
  assert_false(rp__ibx_hours_open(&h, fri));
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_AKUT, fri),
                   (uint64_t)(utc_midnight("2026-04-07") + 7 * 3600) * MS); /* 09:00 CEST */
  uint64_t jul = (uint64_t)(utc_midnight("2025-12-26") + 9 * 3600) * MS;    /* 10:00 CET */
  assert_false(rp__ibx_hours_open(&h, jul));
  uint64_t eve =
      (uint64_t)(utc_midnight("2026-05-13") + 8 * 3600) * MS; /* Wed 10:00 CEST */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_HASTER, eve),
                   (uint64_t)(utc_midnight("2026-05-15") + 8 * 3600) * MS); /* Fri 10:00 */
  uint64_t mon = (uint64_t)(utc_midnight("2025-12-22") + 9 * 3600) * MS; /* Mon 10:00 CET */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_NORMAL, mon),
                   (uint64_t)(utc_midnight("2026-01-02") + 9 * 3600) *
                       MS); /* Fri 2 Jan 10:00 */
  char buf[32];
  rp__ibx_fmt_local(fri, buf, sizeof buf);
  assert_string_equal(buf, "2026-04-03 10:00");
}

static void dst_days(void) {
  rp__ibx_hours h;
  char buf[32];
  rp__ibx_hours_default(&h);
  /* The Friday before summer time (CET) and the Monday after (CEST). */
  int64_t fri = utc_midnight("2026-03-27"), mon = utc_midnight("2026-03-30");
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(fri + 7 * 3600 - 1) * MS));
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(fri + 7 * 3600) * MS));   /* 08:00 CET */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(fri + 15 * 3600) * MS)); /* 16:00 CET */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(mon + 6 * 3600 - 1) * MS));
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(mon + 6 * 3600) * MS));   /* 08:00 CEST */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(mon + 14 * 3600) * MS)); /* 16:00 CEST */
  /* haster Friday 10:00 CET is due Monday 10:00 CEST: one hour less in UTC. */
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_HASTER, (uint64_t)(fri + 9 * 3600) * MS),
                   (uint64_t)(mon + 8 * 3600) * MS);
  rp__ibx_fmt_local((uint64_t)(mon + 8 * 3600) * MS, buf, sizeof buf);
  assert_string_equal(buf, "2026-03-30 10:00");
  /* And back: Friday 10:00 CEST, due Monday 10:00 CET. */
  int64_t fri2 = utc_midnight("2026-10-23"), mon2 = utc_midnight("2026-10-26");
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(fri2 + 6 * 3600) * MS));
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(mon2 + 7 * 3600 - 1) * MS));
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(mon2 + 7 * 3600) * MS));
  assert_int_equal(rp__ibx_deadline(&h, RP__URG_HASTER, (uint64_t)(fri2 + 8 * 3600) * MS),
                   (uint64_t)(mon2 + 9 * 3600) * MS);
  /* On the change days themselves, with an office open every day. */
  assert_int_equal(rp__ibx_hours_parse_days(&h, "mon-sun"), 0);
  int64_t sun = utc_midnight("2026-03-29"), sun2 = utc_midnight("2026-10-25");
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(sun + 6 * 3600 - 1) * MS));
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(sun + 6 * 3600) * MS)); /* 08:00 CEST */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(sun2 + 7 * 3600 - 1) * MS));
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(sun2 + 7 * 3600) * MS)); /* 08:00 CET */
  /* Open around the clock: the spring day has 23 office hours, the autumn day 25. */
  assert_int_equal(rp__ibx_hours_parse_span(&h, "00:00-24:00"), 0);
  uint64_t from = (uint64_t)(sun - 3600) * MS; /* 00:00 CET */
  assert_int_equal(rp__ibx_hours_add(&h, from, 23 * 60), (uint64_t)(sun + 22 * 3600) * MS);
  assert_int_equal(rp__ibx_hours_add(&h, from, 23 * 60 + 1),
                   (uint64_t)(sun + 22 * 3600 + 60) * MS);
  from = (uint64_t)(sun2 - 2 * 3600) * MS; /* 00:00 CEST */
  assert_int_equal(rp__ibx_hours_add(&h, from, 25 * 60), (uint64_t)(sun2 + 23 * 3600) * MS);
  /* The hour that happens twice reads the same both times. */
  rp__ibx_fmt_local((uint64_t)(sun2 + 1800) * MS, buf, sizeof buf);
  assert_string_equal(buf, "2026-10-25 02:30");
  rp__ibx_fmt_local((uint64_t)(sun2 + 5400) * MS, buf, sizeof buf);
  assert_string_equal(buf, "2026-10-25 02:30");
}

/* The days summer time begins and ends (2026), under several machine time zones. */
static void test_dst_change_days(void **state) {
  (void)state;
  in_zones(dst_days);
}

/* The offset matches the table at every change, 2024-2030, to the second. */
static void test_dst_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_summer / sizeof k_summer[0]; i++) {
    int64_t on = utc_midnight(k_summer[i][0]) + 3600,
            off = utc_midnight(k_summer[i][1]) + 3600;
    assert_int_equal(rp__ibx_cph_offset(on - 1), 3600);
    assert_int_equal(rp__ibx_cph_offset(on), 7200);
    assert_int_equal(rp__ibx_cph_offset(off - 1), 7200);
    assert_int_equal(rp__ibx_cph_offset(off), 3600);
  }
  /* Local to UTC: the hour that does not exist is the moment of the jump; the one that
   * happens twice is taken the first time. */
  int64_t sun = utc_midnight("2026-03-29"), sun2 = utc_midnight("2026-10-25");
  assert_int_equal(rp__ibx_cph_utc(day_of("2026-03-29"), 150), sun + 3600);
  assert_int_equal(rp__ibx_cph_utc(day_of("2026-03-29"), 180), sun + 3600);
  assert_int_equal(rp__ibx_cph_utc(day_of("2026-10-25"), 150), sun2 + 1800);
  assert_int_equal(rp__ibx_cph_utc(day_of("2026-10-25"), 180), sun2 + 7200);
}

/* Half days and closure days: defaults, configured ones, and the parser's rules. */
static void test_half_days_and_closures(void **state) {
  rp__ibx_hours h;
  unsigned n = 0;
  (void)state;
  rp__ibx_hours_default(&h);
  int64_t eve = utc_midnight("2026-12-24"); /* Thursday, CET */
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(eve + 11 * 3600 - 1) * MS)); /* 11:59:59 */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(eve + 11 * 3600) * MS));    /* 12:00 */
  int64_t grl = utc_midnight("2026-06-05"); /* Friday, CEST */
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(grl + 9 * 3600) * MS));
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(grl + 10 * 3600) * MS));
  /* Configured: a closure day, every 27 December, half days off, closing at 13:00. */
  assert_int_equal(rp__ibx_hours_parse_dates("2026-05-15, 12-28", h.closed, &h.nclosed), 0);
  assert_int_equal(h.nclosed, 2);
  assert_false(
      rp__ibx_hours_open(&h, (uint64_t)(utc_midnight("2026-05-15") + 8 * 3600) * MS));
  assert_true(
      rp__ibx_hours_open(&h, (uint64_t)(utc_midnight("2027-05-14") + 8 * 3600) * MS));
  assert_false(
      rp__ibx_hours_open(&h, (uint64_t)(utc_midnight("2027-12-28") + 9 * 3600) * MS));
  assert_int_equal(rp__ibx_hours_parse_time("13:00", &h.half_close_min), 0);
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(eve + 11 * 3600) * MS));  /* 12:00 */
  assert_false(rp__ibx_hours_open(&h, (uint64_t)(eve + 12 * 3600) * MS)); /* 13:00 */
  assert_int_equal(rp__ibx_hours_parse_dates("none", h.half, &h.nhalf), 0);
  assert_true(rp__ibx_hours_open(&h, (uint64_t)(eve + 14 * 3600) * MS)); /* 15:00 */
  /* Holidays can be switched off (an office open every day, the demo). */
  h.holidays = 0;
  assert_true(
      rp__ibx_hours_open(&h, (uint64_t)(utc_midnight("2026-04-03") + 8 * 3600) * MS));
  /* The parser. */
  uint32_t d[RP_IBX_DATES_MAX];
  n = 0;
  assert_int_equal(rp__ibx_hours_parse_dates("2026-02-30", d, &n), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_dates("13-01", d, &n), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_dates("2026-1-01", d, &n), RP_ECONFIG);
  assert_int_equal(rp__ibx_hours_parse_dates("", d, &n), RP_ECONFIG);
  char many[RP_IBX_DATES_MAX * 7 + 16] = "";
  for (unsigned i = 0; i < RP_IBX_DATES_MAX; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "%s%02u-%02u", i ? "," : "",
             i / 28 + 1, i % 28 + 1);
  n = 0;
  assert_int_equal(rp__ibx_hours_parse_dates(many, d, &n), 0);
  assert_int_equal(n, RP_IBX_DATES_MAX);
  n = 0;
  snprintf(many + strlen(many), sizeof many - strlen(many), ",12-30");
  assert_int_equal(rp__ibx_hours_parse_dates(many, d, &n), RP_ETOOBIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_holiday_table),
      cmocka_unit_test(test_holidays_closed_every_office_hour),
      cmocka_unit_test(test_deadlines_skip_holidays),
      cmocka_unit_test(test_review_incidents),
      cmocka_unit_test(test_dst_change_days),
      cmocka_unit_test(test_dst_table),
      cmocka_unit_test(test_half_days_and_closures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
