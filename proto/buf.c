/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rejsepost_errors.h"

/* The first block of a buffer of its own; it doubles from there. */
#define FIRST_CAP 256u

void rp__buf_init(rp__buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
  b->owned = true;
}

void rp__buf_init_mem(rp__buf *b, void *mem, size_t cap) {
  memset(b, 0, sizeof *b);
  b->p = mem;
  b->cap = b->max = cap;
}

void rp__buf_free(rp__buf *b) {
  if (b->owned && b->p != NULL) {
    sodium_memzero(b->p, b->cap);
    free(b->p);
  }
  memset(b, 0, sizeof *b);
}

/* Makes room for `need` more bytes. */
static int reserve(rp__buf *b, size_t need) {
  size_t cap = b->cap != 0 ? b->cap : FIRST_CAP;
  uint8_t *p;
  if (need > b->max || b->len > b->max - need) {
    b->overflow = true;
    return RP_ETOOBIG;
  }
  if (b->len + need <= b->cap) return 0;
  if (!b->owned) { /* cannot happen while cap == max; kept for a zeroed buffer */
    b->overflow = true;
    return RP_ETOOBIG;
  }
  while (cap < b->len + need)
    cap = cap > b->max / 2 ? b->max : cap * 2;
  if (cap > b->max) cap = b->max;
  /* Not realloc: the old block may hold decrypted text and must be wiped. */
  if ((p = malloc(cap)) == NULL) {
    b->overflow = true;
    return RP_ENOMEM;
  }
  if (b->p != NULL) {
    memcpy(p, b->p, b->len);
    sodium_memzero(b->p, b->cap);
    free(b->p);
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

int rp__buf_put(rp__buf *b, const void *data, size_t n) {
  int r;
  if (n == 0) return 0;
  if ((r = reserve(b, n)) != 0) return r;
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

int rp__buf_add(rp__buf *b, const char *s, size_t n) {
  int r;
  if (n == SIZE_MAX) {
    b->overflow = true;
    return RP_ETOOBIG;
  }
  if ((r = reserve(b, n + 1)) != 0) return r;
  if (n > 0) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
  return 0;
}

int rp__buf_puts(rp__buf *b, const char *s) {
  return rp__buf_add(b, s, strlen(s));
}

int rp__buf_vprintf(rp__buf *b, const char *fmt, va_list ap) {
  va_list again;
  int n, r;
  va_copy(again, ap);
  n = vsnprintf(NULL, 0, fmt, ap);
  if (n < 0) {
    r = RP_EINVAL;
  } else if ((r = reserve(b, (size_t)n + 1)) == 0) {
    vsnprintf((char *)b->p + b->len, b->cap - b->len, fmt, again);
    b->len += (size_t)n;
  }
  va_end(again);
  return r;
}

int rp__buf_printf(rp__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = rp__buf_vprintf(b, fmt, ap);
  va_end(ap);
  return r;
}

int rp__buf_add_safe(rp__buf *b, const char *s) {
  int r = 0;
  for (; s != NULL && *s != 0; s++) {
    unsigned char c = (unsigned char)*s;
    char o = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
    int e = rp__buf_add(b, &o, 1);
    if (r == 0) r = e;
  }
  return r;
}

const char *rp__buf_str(const rp__buf *b) {
  return b->p != NULL && b->len < b->cap ? (const char *)b->p : "";
}
