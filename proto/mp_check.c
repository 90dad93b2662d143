/* SPDX-License-Identifier: MIT */
/*
 * The structural check of msgpack bytes, and UTF-8 validation. Nothing here allocates:
 * this is the gate every byte from a peer passes before msgpack-c sees it.
 */
#include <string.h>

#include "mp.h"

typedef struct walker {
  const uint8_t *p;
  size_t len, pos;
  size_t items;
} walker;

static int need(const walker *w, size_t n) {
  return (w->len - w->pos >= n) ? 0 : RP_ETRUNC;
}

static uint64_t be(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* Reads an n-byte big-endian length at the cursor and skips that many further bytes
 * plus `extra` (the ext type byte). */
static int skip_sized(walker *w, size_t lenbytes, size_t extra) {
  int r = need(w, lenbytes);
  if (r != 0) return r;
  uint64_t n = be(w->p + w->pos, lenbytes);
  w->pos += lenbytes;
  if (n > w->len - w->pos || extra > w->len - w->pos - n) return RP_ETRUNC;
  w->pos += (size_t)n + extra;
  return 0;
}

static int walk(walker *w, unsigned depth);

/* A container of n elements (2n objects for a map). Every element takes at least one
 * byte, so a count larger than the bytes left is a lie we can refuse before recursing.
 * The order of the checks is part of the wire spec (PROTOCOL.md 2.1): depth, then the
 * count against the bytes that remain (ETRUNC), then the object budget (ETOOBIG), so
 * that every reader reports a short document the same way whatever its limits. */
static int walk_container(walker *w, uint64_t n, bool is_map, unsigned depth) {
  if (depth >= RP_MP_DEPTH_MAX) return RP_EDEPTH;
  uint64_t objs = is_map ? 2 * n : n;
  if (objs > w->len - w->pos) return RP_ETRUNC;
  if (objs > RP_MP_ITEMS_MAX - w->items) return RP_ETOOBIG;
  w->items += (size_t)objs;
  for (uint64_t i = 0; i < objs; i++) {
    int r = walk(w, depth + 1);
    if (r != 0) return r;
  }
  return 0;
}

static int walk(walker *w, unsigned depth) {
  int r = need(w, 1);
  if (r != 0) return r;
  uint8_t b = w->p[w->pos++];
  if (b <= 0x7f || b >= 0xe0) return 0; /* fixints */
  if (b >= 0x80 && b <= 0x8f) return walk_container(w, b & 0x0f, true, depth);
  if (b >= 0x90 && b <= 0x9f) return walk_container(w, b & 0x0f, false, depth);
  if (b >= 0xa0 && b <= 0xbf) {
    size_t n = b & 0x1f;
    if ((r = need(w, n)) != 0) return r;
    w->pos += n;
    return 0;
  }
  switch (b) {
  case 0xc0: /* nil */
  case 0xc2: /* false */
  case 0xc3: /* true */
    return 0;
  case 0xc4:
    return skip_sized(w, 1, 0); /* bin 8 */
  case 0xc5:
    return skip_sized(w, 2, 0);
  case 0xc6:
    return skip_sized(w, 4, 0);
  case 0xc7:
    return skip_sized(w, 1, 1); /* ext 8: length, type, data */
  case 0xc8:
    return skip_sized(w, 2, 1);
  case 0xc9:
    return skip_sized(w, 4, 1);
  case 0xca:
  case 0xce:
  case 0xd2: /* 4-byte scalars */
    if ((r = need(w, 4)) != 0) return r;
    w->pos += 4;
    return 0;
  case 0xcb:
  case 0xcf:
  case 0xd3: /* 8-byte scalars */
    if ((r = need(w, 8)) != 0) return r;
    w->pos += 8;
    return 0;
  case 0xcc:
  case 0xd0:
    if ((r = need(w, 1)) != 0) return r;
    w->pos += 1;
    return 0;
  case 0xcd:
  case 0xd1:
    if ((r = need(w, 2)) != 0) return r;
    w->pos += 2;
    return 0;
  case 0xd4:
  case 0xd5:
  case 0xd6:
  case 0xd7:
  case 0xd8: { /* fixext 1..16 + type */
    size_t n = ((size_t)1 << (b - 0xd4)) + 1;
    if ((r = need(w, n)) != 0) return r;
    w->pos += n;
    return 0;
  }
  case 0xd9:
    return skip_sized(w, 1, 0); /* str 8 */
  case 0xda:
    return skip_sized(w, 2, 0);
  case 0xdb:
    return skip_sized(w, 4, 0);
  case 0xdc:
  case 0xdd:
  case 0xde:
  case 0xdf: {
    size_t nb = (b == 0xdc || b == 0xde) ? 2 : 4;
    if ((r = need(w, nb)) != 0) return r;
    uint64_t n = be(w->p + w->pos, nb);
    w->pos += nb;
    return walk_container(w, n, b >= 0xde, depth);
  }
  default: /* 0xc1 is reserved and never valid */
    return RP_EMALFORMED;
  }
}

int rp__mp_check(const uint8_t *buf, size_t len, size_t *used) {
  if (used != NULL) *used = 0;
  if (buf == NULL && len != 0) return RP_EINVAL;
  walker w = {buf, len, 0, 1};
  int r = walk(&w, 0);
  if (r == 0 && used != NULL) *used = w.pos;
  return r;
}

int rp__utf8_check(const char *s, size_t n) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c == 0) return RP_EUTF8;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
      k = 1, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      k = 2, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      k = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return RP_EUTF8; /* continuation byte first, 0xc0/0xc1 overlongs, >= 0xf5 */
    }
    if (n - i - 1 < k) return RP_EUTF8;
    for (size_t j = 1; j <= k; j++) {
      if ((p[i + j] & 0xc0) != 0x80) return RP_EUTF8;
      cp = cp << 6 | (p[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return RP_EUTF8;
    i += k + 1;
  }
  return 0;
}

rp__str rp__str_c(const char *s) {
  rp__str r = {s ? s : "", s ? (uint32_t)strlen(s) : 0};
  return r;
}

bool rp__str_eq(rp__str a, const char *s) {
  size_t n = strlen(s);
  return a.n == n && (n == 0 || memcmp(a.p, s, n) == 0);
}
