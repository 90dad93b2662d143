/* SPDX-License-Identifier: MIT */
#include "ibx_cal.h"

/* Floor division, for days before 1970 and negative seconds. */
static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t rp__ibx_cal_days(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;                                   /* 0..399 */
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
  return era * 146097 + doe - 719468;
}

void rp__ibx_cal_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

unsigned rp__ibx_cal_weekday(int64_t z) {
  /* 1970-01-01 was a Thursday (4). */
  int64_t w = (z + 4) % 7;
  return (unsigned)(w < 0 ? w + 7 : w);
}

int64_t rp__ibx_cal_easter(int64_t y) {
  /* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
  int64_t a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  int64_t f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int64_t i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int64_t m = (a + 11 * h + 22 * l) / 451;
  int64_t month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return rp__ibx_cal_days(y, (unsigned)month, (unsigned)day);
}

const char *rp__ibx_cal_holiday(int64_t z) {
  int64_t y;
  unsigned m, d;
  rp__ibx_cal_civil(z, &y, &m, &d);
  if (m == 1 && d == 1) return "nytaarsdag";
  if (m == 12 && d == 25) return "juledag";
  if (m == 12 && d == 26) return "2. juledag";
  /* The movable feasts fall between 19 March and 14 June. */
  if (m < 3 || m > 6) return 0;
  switch (z - rp__ibx_cal_easter(y)) {
  case -3:
    return "skaertorsdag";
  case -2:
    return "langfredag";
  case 0:
    return "paaskedag";
  case 1:
    return "2. paaskedag";
  /* Store bededag was abolished by law from 2024. */
  case 26:
    return y <= 2023 ? "store bededag" : 0;
  case 39:
    return "kristi himmelfartsdag";
  case 49:
    return "pinsedag";
  case 50:
    return "2. pinsedag";
  default:
    return 0;
  }
}

/* The last Sunday of month m of year y, at 01:00 UTC: the EU's moment of change. */
static int64_t change_at(int64_t y, unsigned m) {
  int64_t last = rp__ibx_cal_days(y, m, 31); /* March and October have 31 days */
  return (last - rp__ibx_cal_weekday(last)) * 86400 + 3600;
}

int rp__ibx_cph_offset(int64_t utc_s) {
  int64_t y;
  unsigned m, d;
  /* The UTC year is the right one: no change happens near New Year. */
  rp__ibx_cal_civil(floor_div(utc_s, 86400), &y, &m, &d);
  return utc_s >= change_at(y, 3) && utc_s < change_at(y, 10) ? 7200 : 3600;
}

void rp__ibx_cph_local(int64_t utc_s, int64_t *day, unsigned *sec) {
  int64_t local = utc_s + rp__ibx_cph_offset(utc_s);
  *day = floor_div(local, 86400);
  *sec = (unsigned)(local - *day * 86400);
}

int64_t rp__ibx_cph_utc(int64_t day, unsigned min) {
  int64_t local = day * 86400 + (int64_t)min * 60;
  int64_t summer = local - 7200, winter = local - 3600;
  if (rp__ibx_cph_offset(summer) == 7200) return summer; /* the first of two, if two */
  if (rp__ibx_cph_offset(winter) == 3600) return winter;
  /* In the hour skipped in March: the moment of the jump. */
  int64_t y;
  unsigned m, d;
  rp__ibx_cal_civil(day, &y, &m, &d);
  return change_at(y, 3);
}
