/* SPDX-License-Identifier: MIT */
#include "ibx_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envelope_hdr.h"
#include "rejsepost_errors.h"

static const char *const k_days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

void rp__ibx_hours_default(rp__ibx_hours *h) {
  h->start_min = 8 * 60;
  h->end_min = 16 * 60;
  h->days = 0x3eu; /* Monday .. Friday */
}

static int parse_hhmm(const char *s, unsigned *out) {
  if (strlen(s) != 5 || s[2] != ':') return RP_ECONFIG;
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
  if (parse_hhmm(a, &s) != 0 || parse_hhmm(b, &e) != 0 || s >= e) return RP_ECONFIG;
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

/* Local midnight of the day containing t, plus `min` minutes. */
static time_t day_at(time_t t, unsigned min) {
  struct tm tm;
  localtime_r(&t, &tm);
  tm.tm_hour = (int)(min / 60);
  tm.tm_min = (int)(min % 60);
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

static time_t next_midnight(time_t t) {
  struct tm tm;
  localtime_r(&t, &tm);
  tm.tm_mday += 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

static int is_workday(const rp__ibx_hours *h, time_t t) {
  struct tm tm;
  localtime_r(&t, &tm);
  return (h->days >> tm.tm_wday) & 1u;
}

int rp__ibx_hours_open(const rp__ibx_hours *h, uint64_t t_ms) {
  time_t t = (time_t)(t_ms / 1000);
  if (!is_workday(h, t)) return 0;
  return t >= day_at(t, h->start_min) && t < day_at(t, h->end_min);
}

uint64_t rp__ibx_hours_add(const rp__ibx_hours *h, uint64_t t_ms, uint64_t minutes) {
  time_t t = (time_t)(t_ms / 1000);
  int64_t left = (int64_t)minutes * 60;
  unsigned ms = (unsigned)(t_ms % 1000);

  for (int i = 0; i < RP_IBX_CLOCK_DAYS_MAX; i++) {
    if (is_workday(h, t)) {
      time_t open = day_at(t, h->start_min), close = day_at(t, h->end_min);
      if (t < open) t = open, ms = 0;
      if (t < close) {
        if (left <= (int64_t)(close - t)) return (uint64_t)(t + left) * 1000 + ms;
        left -= (int64_t)(close - t);
      }
    }
    t = next_midnight(t);
    ms = 0;
  }
  return 0;
}

uint64_t rp__ibx_deadline(const rp__ibx_hours *h, int urg, uint64_t t_ms) {
  uint64_t day = h->end_min - h->start_min;
  switch (urg) {
    case RP__URG_AKUT: return rp__ibx_hours_add(h, t_ms, 60);
    case RP__URG_HASTER: return rp__ibx_hours_add(h, t_ms, day);
    case RP__URG_NORMAL: return rp__ibx_hours_add(h, t_ms, 5 * day);
    case RP__URG_PLAN: return rp__ibx_hours_add(h, t_ms, 10 * day);
    default: return 0;
  }
}

void rp__ibx_fmt_local(uint64_t t_ms, char *buf, size_t cap) {
  time_t t = (time_t)(t_ms / 1000);
  struct tm tm;
  if (t_ms == 0) {
    snprintf(buf, cap, "-");
    return;
  }
  localtime_r(&t, &tm);
  if (strftime(buf, cap, "%Y-%m-%d %H:%M", &tm) == 0 && cap > 0) buf[0] = 0;
}
