/* SPDX-License-Identifier: MIT */
/* The CPR guard: finds CPR numbers in free text (rules in cpr.h). */
#include "cpr.h"

#include <string.h>

static bool is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

static bool all_digits(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_digit(p[i])) return false;
  return true;
}

static unsigned two(const uint8_t *p) {
  return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

bool rp__cpr_date_valid(unsigned year, unsigned month, unsigned day) {
  static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  unsigned max = mdays[month - 1] + (month == 2 && leap ? 1u : 0u);
  return day <= max;
}

/* The CPR office's century rule: the full year from yy and the seventh digit. */
static unsigned full_year(unsigned yy, unsigned d7) {
  if (d7 <= 3) return 1900 + yy;
  if (d7 == 4 || d7 == 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy; /* 5..8 */
}

/* Length of the separator at p[0..n), or 0 if there is none. The multi-byte ones are
 * what word processors put in place of a typed hyphen or space. */
static size_t separator(const uint8_t *p, size_t n) {
  static const char *const seps[] = {"-",
                                     " ",
                                     "\xc2\xa0",
                                     "\xe2\x80\x90",
                                     "\xe2\x80\x91",
                                     "\xe2\x80\x92",
                                     "\xe2\x80\x93",
                                     "\xe2\x88\x92"};
  for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
    size_t k = strlen(seps[i]);
    if (k <= n && memcmp(p, seps[i], k) == 0) return k;
  }
  return 0;
}

/* Whether a CPR number starts at p[i], where p[i] is a digit not preceded by one. */
static bool match_at(const uint8_t *p, size_t len, size_t i) {
  size_t j = i + 6;
  if (len - i < 10 || !all_digits(p + i, 6)) return false;
  if (!is_digit(p[j])) {
    size_t s = separator(p + j, len - j);
    if (s == 0) return false;
    j += s;
  }
  if (len - j < 4 || !all_digits(p + j, 4)) return false;
  if (j + 4 < len && is_digit(p[j + 4])) return false; /* part of a longer run */
  unsigned day = two(p + i), month = two(p + i + 2), yy = two(p + i + 4);
  return rp__cpr_date_valid(full_year(yy, (unsigned)(p[j] - '0')), month, day);
}

bool rp__cpr_find(const char *text, size_t len, size_t *offset) {
  const uint8_t *p = (const uint8_t *)text;
  if (offset) *offset = 0;
  if (text == NULL) return false;
  for (size_t i = 0; i < len; i++) {
    if (!is_digit(p[i]) || (i > 0 && is_digit(p[i - 1]))) continue;
    if (match_at(p, len, i)) {
      if (offset) *offset = i;
      return true;
    }
  }
  return false;
}

/* ---- scanning a payload ---- */
typedef struct scan {
  const rp__cpr_hook *hook; /* NULL: the CPR guard itself */
  const char *field;
  size_t offset;
} scan;

static int scan_text(void *data, const char *field, rp__str text) {
  scan *s = data;
  size_t off = 0;
  bool hit = s->hook ? s->hook->fn(s->hook->data, field, text.p, text.n, &off) != 0
                     : rp__cpr_find(text.p, text.n, &off);
  if (!hit) return 0;
  s->field = field;
  s->offset = off;
  return s->hook ? RP_EHOOK : RP_ECPR;
}

static int run(const rp__payload *p, const rp__cpr_hook *hook, const char **where,
               size_t *offset) {
  scan s = {hook, NULL, 0};
  if (where) *where = NULL;
  if (offset) *offset = 0;
  int r = rp__payload_texts(p, scan_text, &s);
  if (r != 0) {
    if (where) *where = s.field;
    if (offset) *offset = s.offset;
  }
  return r;
}

int rp__payload_cpr_check(const rp__payload *p, const char **where, size_t *offset) {
  return run(p, NULL, where, offset);
}

int rp__payload_hook_check(const rp__payload *p, const rp__cpr_hook *hook,
                           const char **where, size_t *offset) {
  if (hook == NULL || hook->fn == NULL) {
    if (where) *where = NULL;
    if (offset) *offset = 0;
    return 0;
  }
  return run(p, hook, where, offset);
}
