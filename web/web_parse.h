/* SPDX-License-Identifier: MIT */
/*
 * The few pieces of browser input webd parses by hand (HTTP itself is libmicrohttpd's,
 * JSON jansson's). Each is small, has no side effects and is fuzzed on its own by
 * tests/fuzz/fuzz_web_input.c.
 */
#ifndef RP_WEB_PARSE_H
#define RP_WEB_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h" /* RP_IBX_CASE_PATH */

/* "/sag/<hex>" or "/sag/<hex>/<rest>": 1 with the thread id (4..32 lowercase hex digits) in
 * th and *rest pointing after the '/' that follows it ("" if none); 0 otherwise, th and
 * *rest untouched. */
int rp__web_thread_path(const char *url, char th[33], const char **rest);

/* A browser's file name as the daemon takes it: the last component after '/' or '\\',
 * control characters and DEL as '_', at most 100 bytes; "bilag" for an empty name, "."
 * or "..". out is never empty and holds no '/' or '\\'. */
void rp__web_upload_name(const char *in, char out[128]);

/* A date (YYYY-MM-DD, month and day may have one digit) that is a real calendar day in
 * the years 2000..9999, and a time (HH:MM, 00:00..23:59, one digit allowed each), both
 * in Copenhagen time, as unix ms; 0 if either is missing or malformed. Only decimal
 * digits: no sign, no space. */
uint64_t rp__web_cph_ms(const char *date, const char *hhmm);

/* A meeting slot as the confirm form sends it: "<start>-<end>" in unix ms, decimal digits
 * only, 0 < start < end <= INT64_MAX. 0 with both set, -1 if malformed. */
int rp__web_slot_pair(const char *v, uint64_t *start, uint64_t *end);

/* A statistics quarter name "YYYY-Qn" (a year of 1..4 decimal digits, n 1..4): 0 with
 * the year and the quarter, -1 if it is anything else. */
int rp__web_quarter(const char *name, unsigned *year, unsigned *q);

/* An attachment number in a download URL: decimal without sign, leading zero or
 * anything after it, at most UINT64_MAX. 0 with the number, -1 otherwise. */
int rp__web_attach_no(const char *nstr, unsigned long long *n);

/* A file name for a Content-Disposition header: letters, digits, '.', '-' and '_' kept,
 * anything else as '_', never empty and never starting with '.'; cap > 1. */
void rp__web_safe_name(const char *in, char *out, size_t cap);

/* Whether name is an account name: 1..RP_WEB_NAME_MAX (32) of [A-Za-z0-9._-]. */
int rp__web_name_ok(const char *name);

/* Whether s is a statistics period's day, YYYY-MM-DD: exactly ten characters, decimal
 * digits but for the two '-', and a day that exists. */
int rp__web_is_date(const char *s);

#endif
