/* SPDX-License-Identifier: MIT */
#include "ibx_clock.h"

#include <stdio.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_cal.h"
#include "rejsepost_errors.h"

static const char *const k_days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

void rp__ibx_hours_default(rp__ibx_hours *h) {
  memset(h, 0, sizeof *h);
  h->start_min = 8 * 60;
  h->end_min = 16 * 60;
  h->days = 0x3eu; /* Monday .. Friday */
  h->holidays = 1;
  /* Juleaftensdag, nytårsaftensdag and grundlovsdag: closed in the afternoon. */
  h->half_close_min = 12 * 60;
  h->half[0] = RP_IBX_DATE(0, 6, 5);
  h->half[1] = RP_IBX_DATE(0, 12, 24);
  h->half[2] = RP_IBX_DATE(0, 12, 31);
  h->nhalf = 3;
}

int rp__ibx_hours_parse_time(const char *s, unsigned *out) {
  if (s == NULL || strlen(s) != 5 || s[2] != ':') return RP_ECONFIG;
  for (int i = 0; i < 5; i++)
    if (i != 2 && (s[i] < '0' || s[i] > '9')) return RP_ECONFIG;
  unsigned hh = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
  unsigned mm = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
  /* 24:00 is allowed as an end, meaning midnight. */
  if (mm > 59 || hh > 24 || (hh == 24 && mm != 0)) return RP_ECONFIG;
  *out = hh * 60 + mm;
  return 0;
}

int rp__ibx_hours_parse_span(rp__ibx_hours *h, const char *span) {
  char a[8], b[8];
  unsigned s, e;
  const char *dash = span != NULL ? strchr(span, '-') : NULL;
  if (dash == NULL || dash - span != 5 || strlen(dash + 1) != 5) return RP_ECONFIG;
  memcpy(a, span, 5);
  a[5] = 0;
  memcpy(b, dash + 1, 6);
  if (rp__ibx_hours_parse_time(a, &s) != 0 || rp__ibx_hours_parse_time(b, &e) != 0 ||
      s >= e)
    return RP_ECONFIG;
  h->start_min = s;
  h->end_min = e;
  return 0;
}

static int day_index(const char *s, size_t n) {
  for (int i = 0; i < 7; i++)
    if (n == 3 && strncmp(s, k_days[i], 3) == 0) return i;
  return -1;
}

int rp__ibx_hours_parse_days(rp__ibx_hours *h, const char *days) {
  unsigned mask = 0;
  const char *p = days;
  if (days == NULL || *days == 0) return RP_ECONFIG;
  while (*p != 0) {
    size_t n = strcspn(p, ",");
    const char *dash = memchr(p, '-', n);
    int a = day_index(p, dash != NULL ? (size_t)(dash - p) : n);
    int b = dash != NULL ? day_index(dash + 1, n - (size_t)(dash - p) - 1) : a;
    if (a < 0 || b < 0) return RP_ECONFIG;
    /* A range wraps over Sunday ("fri-mon"). */
    for (int d = a;; d = (d + 1) % 7) {
      mask |= 1u << d;
      if (d == b) break;
    }
    p += n;
    if (*p == ',') p++;
  }
  h->days = mask;
  return 0;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* "YYYY-MM-DD" or "MM-DD" (len bytes at s). */
static int parse_date(const char *s, size_t len, uint32_t *out) {
  static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 0, m, d;
  if (len == 10 && s[4] == '-') {
    if ((y = digits(s, 4)) < 1970) return RP_ECONFIG;
    s += 5;
    len -= 5;
  }
  if (len != 5 || s[2] != '-' || (m = digits(s, 2)) < 1 || m > 12 ||
      (d = digits(s + 3, 2)) < 1 || (unsigned)d > mdays[m - 1])
    return RP_ECONFIG;
  *out = RP_IBX_DATE(y, m, d);
  return 0;
}

int rp__ibx_hours_parse_dates(const char *list, uint32_t out[RP_IBX_DATES_MAX],
                              unsigned *n) {
  const char *p = list;
  unsigned k = *n, start = *n;
  if (list == NULL || *list == 0) return RP_ECONFIG;
  if (strcmp(list, "none") == 0) {
    *n = 0;
    return 0;
  }
  while (*p != 0) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t len = strcspn(p, ", ");
    if (len == 0) break;
    if (k == RP_IBX_DATES_MAX) return RP_ETOOBIG;
    if (parse_date(p, len, &out[k]) != 0) return RP_ECONFIG;
    k++;
    p += len;
  }
  if (k == start) return RP_ECONFIG;
  *n = k;
  return 0;
}

static int listed(const uint32_t *dates, unsigned n, int64_t y, unsigned m, unsigned d) {
  for (unsigned i = 0; i < n; i++)
    if (dates[i] == RP_IBX_DATE(0, m, d) || dates[i] == RP_IBX_DATE(y, m, d)) return 1;
  return 0;
}

/* When the office closes on day z (minutes after midnight); 0 if it does not open. */
static unsigned closes(const rp__ibx_hours *h, int64_t z) {
  int64_t y;
  unsigned m, d;
  if (!((h->days >> rp__ibx_cal_weekday(z)) & 1u)) return 0;
  if (h->holidays && rp__ibx_cal_holiday(z) != NULL) return 0;
  rp__ibx_cal_civil(z, &y, &m, &d);
  if (listed(h->closed, h->nclosed, y, m, d)) return 0;
  if (listed(h->half, h->nhalf, y, m, d) && h->half_close_min < h->end_min)
    return h->half_close_min > h->start_min ? h->half_close_min : 0;
  return h->end_min;
}

int rp__ibx_hours_open(const rp__ibx_hours *h, uint64_t t_ms) {
  int64_t t = (int64_t)(t_ms / 1000), z;
  unsigned sec, end;
  rp__ibx_cph_local(t, &z, &sec);
  if ((end = closes(h, z)) == 0) return 0;
  /* Compared as instants, so that a day on which the clocks change counts right. */
  return t >= rp__ibx_cph_utc(z, h->start_min) && t < rp__ibx_cph_utc(z, end);
}

uint64_t rp__ibx_hours_add(const rp__ibx_hours *h, uint64_t t_ms, uint64_t minutes) {
  int64_t t = (int64_t)(t_ms / 1000), left = (int64_t)minutes * 60, z;
  unsigned ms = (unsigned)(t_ms % 1000), sec, end;
  rp__ibx_cph_local(t, &z, &sec);
  /* Day by day in Copenhagen's calendar; office time is counted in real seconds. */
  for (int i = 0; i < RP_IBX_CLOCK_DAYS_MAX; i++, z++) {
    if ((end = closes(h, z)) != 0) {
      int64_t open = rp__ibx_cph_utc(z, h->start_min), close = rp__ibx_cph_utc(z, end);
      if (t < open) t = open, ms = 0;
      if (t < close) {
        if (left <= close - t) return (uint64_t)(t + left) * 1000 + ms;
        left -= close - t;
      }
    }
    t = rp__ibx_cph_utc(z + 1, 0);
    ms = 0;
  }
  return 0;
}

uint64_t rp__ibx_deadline(const rp__ibx_hours *h, int urg, uint64_t t_ms) {
  uint64_t day = h->end_min - h->start_min;
  switch (urg) {
  case RP__URG_AKUT:
    return rp__ibx_hours_add(h, t_ms, 60);
  case RP__URG_HASTER:
    return rp__ibx_hours_add(h, t_ms, day);
  case RP__URG_NORMAL:
    return rp__ibx_hours_add(h, t_ms, 5 * day);
  case RP__URG_PLAN:
    return rp__ibx_hours_add(h, t_ms, 10 * day);
  default:
    return 0;
  }
}

void rp__ibx_fmt_local(uint64_t t_ms, char *buf, size_t cap) {
  int64_t z, y;
  unsigned sec, m, d;
  if (t_ms == 0) {
    snprintf(buf, cap, "-");
    return;
  }
  rp__ibx_cph_local((int64_t)(t_ms / 1000), &z, &sec);
  rp__ibx_cal_civil(z, &y, &m, &d);
  snprintf(buf, cap, "%04lld-%02u-%02u %02u:%02u", (long long)y, m, d, sec / 3600,
           sec / 60 % 60);
}
