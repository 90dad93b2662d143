/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the browser input webd parses by hand (web/web_parse.h). The
 * first byte picks the parser, the rest is its text (up to the first NUL, as a C string
 * from libmicrohttpd would be). Whatever a parser accepts must hold what the rest of
 * webd relies on; a violation traps:
 *   0 thread path: 4..32 lowercase hex, the URL is RP_IBX_CASE_PATH + id + ("" | "/" +
 * rest) 1 upload name: not empty, at most 100 bytes, no '/', '\\' or control character, not
 * "." or ".." 2 meeting date and time ("<date>\n<time>"): a real calendar date from 2000 to
 * 9999 written as decimal digits, a time 00:00..23:59, and the result on that very day 3
 * slot pair: 0 < start < end 4 quarter name: "YYYY-Qn" in digits, n 1..4 5 attachment
 * number: n >= 1 and written back in decimal it is the input 6 download name (second byte:
 * capacity): fits, not empty, no leading '.', only [A-Za-z0-9._-] 7 account name: 1..32 of
 * [A-Za-z0-9._-] 8 statistics day: ten characters, digits but for '-' at the fifth and
 * eighth, a day that exists
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_cal.h"
#include "web_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need(int ok) {
  if (!ok) __builtin_trap();
}

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

/* Decimal digits only, 1..width of them, then stop: the value, or -1. */
static long field(const char **p, size_t width, char stop) {
  long v = 0;
  size_t n = 0;
  while (**p >= '0' && **p <= '9' && n < width)
    v = v * 10 + (*(*p)++ - '0'), n++;
  if (n == 0 || **p != stop) return -1;
  if (stop != 0) (*p)++;
  return v;
}

static void thread_path(const char *s) {
  char th[33];
  const char *rest = NULL;
  if (!rp__web_thread_path(s, th, &rest)) return;
  size_t n = strlen(th), p = strlen(RP_IBX_CASE_PATH);
  need(n >= 4 && n <= 32 && strncmp(s, RP_IBX_CASE_PATH, p) == 0 &&
       strncmp(s + p, th, n) == 0);
  for (size_t i = 0; i < n; i++)
    need((th[i] >= '0' && th[i] <= '9') || (th[i] >= 'a' && th[i] <= 'f'));
  if (s[p + n] == 0)
    need(rest != NULL && rest[0] == 0);
  else
    need(s[p + n] == '/' && rest == s + p + 1 + n);
}

static void upload_name(const char *s) {
  char out[128];
  memset(out, 'x', sizeof out);
  rp__web_upload_name(s, out);
  size_t n = strnlen(out, sizeof out);
  need(n > 0 && n <= 100 && strcmp(out, ".") != 0 && strcmp(out, "..") != 0);
  for (size_t i = 0; i < n; i++)
    need(out[i] != '/' && out[i] != '\\' && (unsigned char)out[i] >= 0x20 &&
         out[i] != 0x7f);
}

static void date_time(char *s) {
  char *nl = strchr(s, '\n');
  if (nl == NULL) return;
  *nl = 0;
  uint64_t ms = rp__web_cph_ms(s, nl + 1);
  if (ms == 0) return;
  const char *p = s, *t = nl + 1;
  long y = field(&p, 4, '-'), mo = field(&p, 2, '-'), d = field(&p, 2, 0);
  long h = field(&t, 2, ':'), mi = field(&t, 2, 0);
  need(y >= 2000 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h <= 23 &&
       mi >= 0 && mi <= 59);
  int64_t cy, day = rp__ibx_cal_days(y, (unsigned)mo, (unsigned)d), lday;
  unsigned cm, cd, sec;
  rp__ibx_cal_civil(day, &cy, &cm, &cd);
  need(cy == y && cm == (unsigned)mo && cd == (unsigned)d); /* a day that exists */
  need(ms % 1000 == 0);
  rp__ibx_cph_local((int64_t)(ms / 1000), &lday, &sec);
  need(lday == day);
}

static void slot_pair(const char *s) {
  uint64_t a = 0, e = 0;
  if (rp__web_slot_pair(s, &a, &e) != 0) return;
  need(a > 0 && e > a);
}

static void quarter(const char *s) {
  unsigned y = 0, q = 0;
  if (rp__web_quarter(s, &y, &q) != 0) return;
  const char *p = s;
  need(field(&p, 4, '-') == (long)y && *p == 'Q' && p[1] == (char)('0' + q) && p[2] == 0);
  need(q >= 1 && q <= 4 && y <= 9999);
}

static void attach_no(const char *s) {
  unsigned long long n = 0;
  char back[32];
  if (rp__web_attach_no(s, &n) != 0) return;
  snprintf(back, sizeof back, "%llu", n);
  need(n >= 1 && strcmp(back, s) == 0);
}

static void safe_name(const char *s, size_t cap) {
  char out[256];
  memset(out, 'x', sizeof out);
  rp__web_safe_name(s, out, cap);
  size_t n = strnlen(out, cap);
  need(n > 0 && n < cap && out[0] != '.');
  for (size_t i = 0; i < n; i++)
    need(name_char(out[i]));
}

static void account_name(const char *s) {
  if (!rp__web_name_ok(s)) return;
  size_t n = strlen(s);
  need(n >= 1 && n <= 32);
  for (size_t i = 0; i < n; i++)
    need(name_char(s[i]));
}

static void stats_day(const char *s) {
  if (!rp__web_is_date(s)) return;
  need(strlen(s) == 10);
  for (size_t i = 0; i < 10; i++)
    need(i == 4 || i == 7 ? s[i] == '-' : s[i] >= '0' && s[i] <= '9');
  const char *p = s;
  long y = field(&p, 4, '-'), mo = field(&p, 2, '-'), d = field(&p, 2, 0);
  need(mo >= 1 && mo <= 12 && d >= 1);
  int64_t cy;
  unsigned cm, cd;
  rp__ibx_cal_civil(rp__ibx_cal_days(y, (unsigned)mo, (unsigned)d), &cy, &cm, &cd);
  need(cy == y && cm == (unsigned)mo && cd == (unsigned)d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  char *s = malloc(size); /* the text after the selector, NUL-terminated */
  if (s == NULL) return 0;
  memcpy(s, data + 1, size - 1);
  s[size - 1] = 0;
  switch (data[0] % 9) {
  case 0:
    thread_path(s);
    break;
  case 1:
    upload_name(s);
    break;
  case 2:
    date_time(s);
    break;
  case 3:
    slot_pair(s);
    break;
  case 4:
    quarter(s);
    break;
  case 5:
    attach_no(s);
    break;
  case 6:
    safe_name(s + 1, 2 + (unsigned char)s[0] % 200);
    break;
  case 7:
    account_name(s);
    break;
  default:
    stats_day(s);
    break;
  }
  free(s);
  return 0;
}
