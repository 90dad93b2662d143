/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the CPR guard, checked against a second, deliberately different
 * formulation of the rule: split the text into maximal runs of ASCII digits; a CPR
 * number is a run of exactly ten digits, or a run of exactly six, one separator, and a
 * run of exactly four, with a valid date. Both must agree on whether and where.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t run_end(const uint8_t *p, size_t n, size_t i) {
  while (i < n && p[i] >= '0' && p[i] <= '9') i++;
  return i;
}

static bool date_ok(const uint8_t *d, const uint8_t *serial) {
  unsigned day = (d[0] - '0') * 10u + (d[1] - '0'), month = (d[2] - '0') * 10u + (d[3] - '0');
  unsigned yy = (d[4] - '0') * 10u + (d[5] - '0'), c = serial[0] - '0', year;
  if (c < 4)
    year = 1900 + yy;
  else if (c == 4 || c == 9)
    year = yy < 37 ? 2000 + yy : 1900 + yy;
  else
    year = yy < 58 ? 2000 + yy : 1800 + yy;
  return rp__cpr_date_valid(year, month, day);
}

static bool reference(const uint8_t *p, size_t n, size_t *off) {
  static const char *const seps[] = {"-", " ", "\xc2\xa0", "\xe2\x80\x90", "\xe2\x80\x91",
                                     "\xe2\x80\x92", "\xe2\x80\x93", "\xe2\x88\x92"};
  size_t i = 0;
  while (i < n) {
    if (p[i] < '0' || p[i] > '9') {
      i++;
      continue;
    }
    size_t end = run_end(p, n, i);
    if (end - i == 10 && date_ok(p + i, p + i + 6)) {
      *off = i;
      return true;
    }
    for (size_t s = 0; end - i == 6 && s < sizeof seps / sizeof seps[0]; s++) {
      size_t k = strlen(seps[s]);
      if (n - end < k || memcmp(p + end, seps[s], k) != 0) continue;
      size_t j = end + k;
      if (run_end(p, n, j) - j == 4 && date_ok(p + i, p + j)) {
        *off = i;
        return true;
      }
    }
    i = end;
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off = 0, want = 0;
  bool found = rp__cpr_find((const char *)data, size, &off);
  bool expected = reference(data, size, &want);
  if (found != expected || off != (found ? want : 0)) abort();
  if (found) {
    /* The match depends only on what follows its start, so it is found again there. */
    size_t again = 99;
    if (!rp__cpr_find((const char *)data + off, size - off, &again) || again != 0) abort();
  }
  return 0;
}
