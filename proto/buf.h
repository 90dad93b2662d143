/* SPDX-License-Identifier: MIT */
/*
 * The one bounded buffer (issue 10: one of each; model: OpenSSH's sshbuf). Every buffer
 * has a hard maximum, set when it is made, that no write can pass. It either grows in
 * memory of its own up to that maximum (rp__buf_init), or writes into memory the caller
 * owns (rp__buf_init_mem: a stack array, an output parameter) and never allocates.
 *
 * A write that does not fit changes nothing, sets `overflow` and returns RP_ETOOBIG (or
 * RP_ENOMEM): a caller may check each write, or make them all and check `overflow` once
 * at the end. Later writes that fit still succeed.
 *
 * Bytes and text: rp__buf_put appends bytes and uses every byte up to the maximum (a
 * msgpack document in an exactly sized array). The text writes (add, puts, printf,
 * add_safe) keep a NUL after the text, which counts against the maximum, so that the
 * buffer can be read as a string at any time: a buffer of maximum 4096 holds 4095 bytes
 * of text.
 *
 * Memory of its own is wiped before it is freed or given up for a larger block (never
 * realloc): buffers hold decrypted text.
 */
#ifndef RP_BUF_H
#define RP_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rp__buf {
  uint8_t *p;    /* NULL until the first write to an empty buffer of its own */
  size_t len;    /* bytes held */
  size_t cap;    /* bytes p has room for */
  size_t max;    /* the hard maximum of cap */
  bool owned;    /* p is the buffer's own: grown up to max, wiped and freed */
  bool overflow; /* a write did not fit: it was dropped */
} rp__buf;

/* An empty buffer that allocates as it grows, never past max bytes. */
void rp__buf_init(rp__buf *b, size_t max);

/* An empty buffer over the caller's mem[cap]: it never allocates, and the caller keeps
 * the memory (rp__buf_free leaves it alone). */
void rp__buf_init_mem(rp__buf *b, void *mem, size_t cap);

/* Wipes and frees memory of the buffer's own and leaves b empty. Accepts an empty or
 * zeroed buffer. */
void rp__buf_free(rp__buf *b);

/* Appends n bytes (len + n <= max). 0, RP_ETOOBIG or RP_ENOMEM. */
int rp__buf_put(rp__buf *b, const void *data, size_t n);

/* Appends n bytes of text and a NUL after them (len + n + 1 <= max). */
int rp__buf_add(rp__buf *b, const char *s, size_t n);

/* Appends the string s (rp__buf_add). */
int rp__buf_puts(rp__buf *b, const char *s);

/* Appends formatted text (rp__buf_add); RP_EINVAL if the format fails. */
int rp__buf_printf(rp__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rp__buf_printf with a va_list. */
int rp__buf_vprintf(rp__buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends s for a terminal: control characters other than newline and tab become '?',
 * so that a message cannot move the cursor or rewrite the reader's screen. */
int rp__buf_add_safe(rp__buf *b, const char *s);

/* The text held by a buffer written with the text writes, or "" if it holds none yet. */
const char *rp__buf_str(const rp__buf *b);

#endif /* RP_BUF_H */
