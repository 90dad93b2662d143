/* SPDX-License-Identifier: MIT */
/* The browser input webd parses by hand: see web_parse.h. */
#include "web_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_cal.h"
#include "web_accounts.h"

int rp__web_thread_path(const char *url, char th[33], const char **rest) {
  size_t n = 0;
  if (strncmp(url, "/t/", 3) != 0) return 0;
  url += 3;
  while (n < 33 && ((url[n] >= '0' && url[n] <= '9') || (url[n] >= 'a' && url[n] <= 'f')))
    n++;
  if (n < 4 || n > 32 || (url[n] != 0 && url[n] != '/')) return 0;
  memcpy(th, url, n);
  th[n] = 0;
  *rest = url[n] == '/' ? url + n + 1 : "";
  return 1;
}

void rp__web_upload_name(const char *in, char out[128]) {
  const char *p = in;
  size_t j = 0;
  for (const char *q = in; *q != 0; q++)
    if (*q == '/' || *q == '\\') p = q + 1;
  for (; *p != 0 && j < 100; p++)
    out[j++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '_' : *p;
  out[j] = 0;
  if (j == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
    snprintf(out, 128, "bilag");
}

uint64_t rp__web_cph_ms(const char *date, const char *hhmm) {
  unsigned y, mo, d, h, mi;
  char tail;
  if (date == NULL || hhmm == NULL ||
      sscanf(date, "%4u-%2u-%2u%c", &y, &mo, &d, &tail) != 3 ||
      sscanf(hhmm, "%2u:%2u%c", &h, &mi, &tail) != 2 || y < 2000 || mo < 1 || mo > 12 ||
      d < 1 || d > 31 || h > 23 || mi > 59)
    return 0;
  return (uint64_t)rp__ibx_cph_utc(rp__ibx_cal_days(y, mo, d), h * 60 + mi) * 1000;
}

int rp__web_slot_pair(const char *v, uint64_t *start, uint64_t *end) {
  long long a = 0, e = 0;
  char tail;
  if (sscanf(v, "%lld-%lld%c", &a, &e, &tail) != 2 || a <= 0 || e <= a) return -1;
  *start = (uint64_t)a;
  *end = (uint64_t)e;
  return 0;
}

int rp__web_quarter(const char *name, unsigned *year, unsigned *q) {
  unsigned y = 0, n = 0;
  char tail;
  if (name == NULL || sscanf(name, "%4u-Q%1u%c", &y, &n, &tail) != 2 || n < 1 || n > 4)
    return -1;
  *year = y;
  *q = n;
  return 0;
}

int rp__web_attach_no(const char *nstr, unsigned long long *n) {
  char *end = NULL;
  unsigned long long v = strtoull(nstr, &end, 10);
  if (nstr[0] < '1' || nstr[0] > '9' || end == NULL || *end != 0) return -1;
  *n = v;
  return 0;
}

void rp__web_safe_name(const char *in, char *out, size_t cap) {
  size_t j = 0;
  for (size_t i = 0; in[i] != 0 && j + 1 < cap; i++) {
    unsigned char c = (unsigned char)in[i];
    out[j++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_'
                   ? (char)c
                   : '_';
  }
  if (j == 0 || out[0] == '.') out[j > 0 ? 0 : j++] = 'b';
  out[j] = 0;
}

int rp__web_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > RP_WEB_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}
