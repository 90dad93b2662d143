/* SPDX-License-Identifier: MIT */
/* A growable text buffer with a hard cap, wiped when freed: the parts of an answer to an
 * advisor (message, text, JSON). JSON itself is made with jansson (ibx_render.c). */
#ifndef RP_IBX_BUF_H
#define RP_IBX_BUF_H

#include <stddef.h>

typedef struct rp__ibx_buf {
  char *p;
  size_t len, cap, max;
  int overflow; /* a write went past max: the content is cut, the call reports it */
} rp__ibx_buf;

/* An empty buffer that never grows past max bytes. */
void rp__ibx_buf_init(rp__ibx_buf *b, size_t max);
/* Frees (wiping: buffers may hold decrypted text). Accepts an empty buffer. */
void rp__ibx_buf_free(rp__ibx_buf *b);
void rp__ibx_buf_add(rp__ibx_buf *b, const char *s, size_t n);
void rp__ibx_buf_puts(rp__ibx_buf *b, const char *s);
void rp__ibx_buf_printf(rp__ibx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s for a terminal: control characters (other than newline and tab) become '?',
 * so a message cannot move the cursor or rewrite the advisor's screen. */
void rp__ibx_buf_safe(rp__ibx_buf *b, const char *s);

#endif
