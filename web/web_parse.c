/* SPDX-License-Identifier: MIT */
/* The browser input webd parses by hand: see web_parse.h. */
#include "web_parse.h"

#include <stdio.h>
#include <string.h>

#include "ibx_cal.h"
#include "web_accounts.h"

int rp__web_thread_path(const char *url, char th[33], const char **rest) {
  size_t n = 0;
  if (strncmp(url, RP_IBX_CASE_PATH, strlen(RP_IBX_CASE_PATH)) != 0) return 0;
  url += strlen(RP_IBX_CASE_PATH);
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

/* 1..max decimal digits at *p, no sign or space, at most limit: 0 with the value and *p
 * past them, -1 otherwise. */
static int digits(const char **p, size_t max, uint64_t limit, uint64_t *v) {
  size_t n = 0;
  *v = 0;
  for (; (*p)[0] >= '0' && (*p)[0] <= '9'; (*p)++, n++) {
    unsigned dg = (unsigned)((*p)[0] - '0');
    if (n == max || dg > limit || *v > (limit - dg) / 10) return -1;
    *v = *v * 10 + dg;
  }
  return n > 0 ? 0 : -1;
}

/* digits() and then the character c (0: the end of the text). */
static int digits_then(const char **p, size_t max, uint64_t limit, uint64_t *v, char c) {
  if (digits(p, max, limit, v) != 0 || (*p)[0] != c) return -1;
  if (c != 0) (*p)++;
  return 0;
}

uint64_t rp__web_cph_ms(const char *date, const char *hhmm) {
  uint64_t y, mo, d, h, mi;
  int64_t cy, day;
  unsigned cm, cd;
  if (date == NULL || hhmm == NULL || digits_then(&date, 4, 9999, &y, '-') != 0 ||
      digits_then(&date, 2, 12, &mo, '-') != 0 || digits_then(&date, 2, 31, &d, 0) != 0 ||
      digits_then(&hhmm, 2, 23, &h, ':') != 0 || digits_then(&hhmm, 2, 59, &mi, 0) != 0 ||
      y < 2000 || mo < 1 || d < 1)
    return 0;
  day = rp__ibx_cal_days((int64_t)y, (unsigned)mo, (unsigned)d);
  rp__ibx_cal_civil(day, &cy, &cm, &cd);
  if (cm != mo || cd != d) return 0; /* 30 February is not a day */
  return (uint64_t)rp__ibx_cph_utc(day, (unsigned)(h * 60 + mi)) * 1000;
}

int rp__web_slot_pair(const char *v, uint64_t *start, uint64_t *end) {
  uint64_t a, e;
  if (digits_then(&v, 20, INT64_MAX, &a, '-') != 0 ||
      digits_then(&v, 20, INT64_MAX, &e, 0) != 0 || a == 0 || e <= a)
    return -1;
  *start = a;
  *end = e;
  return 0;
}

int rp__web_quarter(const char *name, unsigned *year, unsigned *q) {
  uint64_t y, n;
  if (name == NULL || digits_then(&name, 4, 9999, &y, '-') != 0 || name[0] != 'Q')
    return -1;
  name++;
  if (digits_then(&name, 1, 4, &n, 0) != 0 || n < 1) return -1;
  *year = (unsigned)y;
  *q = (unsigned)n;
  return 0;
}

int rp__web_attach_no(const char *nstr, unsigned long long *n) {
  uint64_t v;
  if (nstr[0] < '1' || nstr[0] > '9' || digits_then(&nstr, 20, UINT64_MAX, &v, 0) != 0)
    return -1;
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

int rp__web_is_date(const char *s) {
  uint64_t y, mo, d;
  int64_t cy;
  unsigned cm, cd;
  if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
      digits_then(&s, 4, 9999, &y, '-') != 0 || digits_then(&s, 2, 12, &mo, '-') != 0 ||
      digits_then(&s, 2, 31, &d, 0) != 0 || mo < 1 || d < 1)
    return 0;
  rp__ibx_cal_civil(rp__ibx_cal_days((int64_t)y, (unsigned)mo, (unsigned)d), &cy, &cm, &cd);
  return cm == mo && cd == d;
}
