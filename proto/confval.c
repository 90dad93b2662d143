/* SPDX-License-Identifier: MIT */
#include "confval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"

int rp__conf_str(char *dst, size_t cap, const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n >= cap) return RP_ECONFIG;
  memcpy(dst, v, n + 1);
  return 0;
}

int rp__conf_path(const char *dir, char *dst, size_t cap, const char *v) {
  if (v[0] == '/' || dir[0] == 0) return rp__conf_str(dst, cap, v);
  if (v[0] == 0) return RP_ECONFIG;
  int n = snprintf(NULL, 0, "%s/%s", dir, v);
  if (n <= 0 || (size_t)n >= cap) return RP_ECONFIG;
  snprintf(dst, cap, "%s/%s", dir, v);
  return 0;
}

int rp__conf_uint(uint64_t *dst, const char *v, uint64_t lo, uint64_t hi) {
  char *end = NULL;
  if (v[0] < '0' || v[0] > '9') return RP_ECONFIG;
  unsigned long long n = strtoull(v, &end, 10);
  if (*end != 0 || n < lo || n > hi) return RP_ECONFIG;
  *dst = n;
  return 0;
}
