/* SPDX-License-Identifier: MIT */
#include "ibx_buf.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rp__ibx_buf_init(rp__ibx_buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

void rp__ibx_buf_free(rp__ibx_buf *b) {
  if (b->p != NULL) {
    sodium_memzero(b->p, b->cap);
    free(b->p);
  }
  memset(b, 0, sizeof *b);
}

static int grow(rp__ibx_buf *b, size_t need) {
  size_t cap = b->cap != 0 ? b->cap : 256;
  char *p;
  if (b->len + need + 1 > b->max) {
    b->overflow = 1;
    return -1;
  }
  while (cap < b->len + need + 1)
    cap *= 2;
  if (cap > b->max) cap = b->max;
  if (cap == b->cap) return 0;
  /* Not realloc: the old block may hold decrypted text and must be wiped. */
  if ((p = malloc(cap)) == NULL) {
    b->overflow = 1;
    return -1;
  }
  if (b->p != NULL) {
    memcpy(p, b->p, b->len + 1);
    sodium_memzero(b->p, b->cap);
    free(b->p);
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void rp__ibx_buf_add(rp__ibx_buf *b, const char *s, size_t n) {
  if (n == 0 || grow(b, n) != 0) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

void rp__ibx_buf_puts(rp__ibx_buf *b, const char *s) {
  rp__ibx_buf_add(b, s, strlen(s));
}

void rp__ibx_buf_printf(rp__ibx_buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  rp__ibx_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void rp__ibx_buf_safe(rp__ibx_buf *b, const char *s) {
  for (; s != NULL && *s != 0; s++) {
    unsigned char c = (unsigned char)*s;
    char o = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
    rp__ibx_buf_add(b, &o, 1);
  }
}
