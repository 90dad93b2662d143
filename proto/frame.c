/* SPDX-License-Identifier: MIT */
/*
 * Stream frames and fragments (frame.h). Everything a peer sends passes through here
 * before it is decrypted or decoded, so every length is checked before it is used and
 * every buffer has a hard maximum.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"

_Static_assert(RP_FRAME_MAX <= 0xffffu, "a frame length must fit the 2-byte prefix");
_Static_assert(RP__FRAG_CHUNK_MAX > 0, "a fragment must carry at least one byte");
_Static_assert(RP_MSG_MAX >= RP__FRAG_CHUNK_MAX, "one frame's chunk must fit a message");

void rp__frame_reader_init(rp__frame_reader *fr) {
  memset(fr, 0, sizeof *fr);
}

int rp__frame_reader_feed(rp__frame_reader *fr, const uint8_t *in, size_t n, size_t *used,
                          size_t *frame_len) {
  int r = RP_EINTERNAL;
  size_t pos = 0;

  if (used != NULL) *used = 0;
  if (frame_len != NULL) *frame_len = 0;
  if (fr == NULL || used == NULL || frame_len == NULL || (in == NULL && n != 0))
    return RP_EINVAL;
  if (fr->broken) return RP_ESTATE;

  /* The prefix, one byte at a time if that is how it arrives. */
  while (fr->nprefix < RP__FRAME_PREFIX && pos < n)
    fr->prefix[fr->nprefix++] = in[pos++];
  if (fr->nprefix < RP__FRAME_PREFIX) {
    r = RP__FRAME_AGAIN;
    goto out;
  }
  if (fr->len == 0) {
    fr->len = (uint32_t)fr->prefix[0] << 8 | fr->prefix[1];
    if (fr->len == 0) {
      fr->broken = true;
      r = RP_EMALFORMED;
      goto out;
    }
  }
  if (fr->buf == NULL) {
    *frame_len = fr->len;
    r = RP__FRAME_NEED_BUF;
    goto out;
  }

  size_t take = fr->len - fr->have;
  if (take > n - pos) take = n - pos;
  if (take > 0) memcpy(fr->buf + fr->have, in + pos, take);
  fr->have += (uint32_t)take;
  pos += take;
  if (fr->have < fr->len) {
    r = RP__FRAME_AGAIN;
    goto out;
  }
  *frame_len = fr->len;
  rp__frame_reader_init(fr); /* the owner keeps the buffer */
  r = RP__FRAME_READY;

out:
  if (r >= 0) *used = pos;
  return r;
}

int rp__frame_reader_set_buf(rp__frame_reader *fr, uint8_t *buf) {
  if (fr == NULL || buf == NULL) return RP_EINVAL;
  if (fr->broken || fr->len == 0 || fr->buf != NULL) return RP_ESTATE;
  fr->buf = buf;
  fr->have = 0;
  return 0;
}

uint8_t *rp__frame_reader_buf(const rp__frame_reader *fr) {
  return fr == NULL ? NULL : fr->buf;
}

int rp__frame_prefix(uint8_t out[RP__FRAME_PREFIX], size_t len) {
  if (len == 0 || len > RP_FRAME_MAX) return RP_ETOOBIG;
  out[0] = (uint8_t)(len >> 8);
  out[1] = (uint8_t)len;
  return 0;
}

/* ------------------------------------------------------------------------------------ */

size_t rp__frag_count(size_t len) {
  return len / RP__FRAG_CHUNK_MAX + (len % RP__FRAG_CHUNK_MAX != 0);
}

int rp__frag_writer_init(rp__frag_writer *w, const uint8_t *msg, size_t len) {
  if (w == NULL) return RP_EINVAL;
  memset(w, 0, sizeof *w);
  if (msg == NULL || len == 0) return RP_EINVAL;
  if (len > RP_MSG_MAX) return RP_ETOOBIG;
  w->msg = msg;
  w->len = len;
  return 0;
}

bool rp__frag_writer_done(const rp__frag_writer *w) {
  return w->off >= w->len;
}

int rp__frag_writer_next(rp__frag_writer *w, uint8_t *out, size_t cap, size_t *out_len) {
  if (out_len != NULL) *out_len = 0;
  if (w == NULL || out == NULL || out_len == NULL) return RP_EINVAL;
  if (rp__frag_writer_done(w)) return RP_ESTATE;
  size_t chunk = w->len - w->off;
  if (chunk > RP__FRAG_CHUNK_MAX) chunk = RP__FRAG_CHUNK_MAX;
  if (cap < RP__FRAG_HEADER + chunk) return RP_ETOOBIG;
  out[0] = (w->off + chunk < w->len) ? RP__FRAG_MORE : 0;
  memcpy(out + RP__FRAG_HEADER, w->msg + w->off, chunk);
  w->off += chunk;
  *out_len = RP__FRAG_HEADER + chunk;
  return 0;
}

/* ------------------------------------------------------------------------------------ */

int rp__frag_reader_init(rp__frag_reader *r, size_t max) {
  if (r == NULL) return RP_EINVAL;
  memset(r, 0, sizeof *r);
  if (max == 0 || max > RP_MSG_MAX) return RP_EINVAL;
  r->max = max;
  return 0;
}

/* Makes room for `more` bytes after the gathered ones, never allocating past max.
 * Growth doubles so that a message of many small chunks costs O(n) copying. */
static int reserve(rp__frag_reader *r, size_t more) {
  if (more > r->max - r->len) return RP_ETOOBIG;
  size_t need = r->len + more;
  if (need <= r->cap) return 0;
  size_t cap = r->cap < RP__FRAG_CHUNK_MAX ? RP__FRAG_CHUNK_MAX : r->cap;
  while (cap < need)
    cap = cap > r->max / 2 ? r->max : cap * 2;
  if (cap > r->max) cap = r->max;
  uint8_t *p = realloc(r->buf, cap);
  if (p == NULL) return RP_ENOMEM;
  r->buf = p;
  r->cap = cap;
  return 0;
}

int rp__frag_reader_feed(rp__frag_reader *r, const uint8_t *pt, size_t n,
                         const uint8_t **msg, size_t *msg_len) {
  int ret = RP_EINTERNAL;

  if (msg != NULL) *msg = NULL;
  if (msg_len != NULL) *msg_len = 0;
  if (r == NULL || msg == NULL || msg_len == NULL || (pt == NULL && n != 0))
    return RP_EINVAL;
  if (r->broken || r->max == 0) return RP_ESTATE;
  if (r->complete) rp__frag_reader_release(r);

  if (n < RP__FRAG_HEADER + 1) { /* no flags byte, or an empty chunk */
    ret = RP_EMALFORMED;
    goto out;
  }
  uint8_t flags = pt[0];
  const uint8_t *chunk = pt + RP__FRAG_HEADER;
  size_t clen = n - RP__FRAG_HEADER;
  if ((flags & RP__FRAG_RESERVED) != 0) {
    ret = RP_EMALFORMED;
    goto out;
  }
  /* A frame's plaintext never exceeds RP_FRAME_PLAINTEXT_MAX; refusing more here keeps
   * this layer's cap independent of the caller's decryption. */
  if (clen > RP__FRAG_CHUNK_MAX) {
    ret = RP_ETOOBIG;
    goto out;
  }

  if (r->len == 0 && !(flags & RP__FRAG_MORE)) {
    /* The common case: the whole message in one frame. Hand it out without a copy. */
    if (clen > r->max) {
      ret = RP_ETOOBIG;
      goto out;
    }
    *msg = chunk;
    *msg_len = clen;
    ret = 1;
    goto out;
  }
  if ((ret = reserve(r, clen)) != 0) goto out;
  memcpy(r->buf + r->len, chunk, clen);
  r->len += clen;
  if (flags & RP__FRAG_MORE) {
    ret = 0;
    goto out;
  }
  r->complete = true;
  *msg = r->buf;
  *msg_len = r->len;
  ret = 1;

out:
  if (ret < 0) {
    free(r->buf);
    r->buf = NULL;
    r->len = r->cap = 0;
    r->complete = false;
    r->broken = true;
  }
  return ret;
}

void rp__frag_reader_release(rp__frag_reader *r) {
  if (r == NULL || !r->complete) return;
  free(r->buf);
  r->buf = NULL;
  r->len = r->cap = 0;
  r->complete = false;
}

bool rp__frag_reader_pending(const rp__frag_reader *r) {
  return r != NULL && !r->complete && r->len > 0;
}

void rp__frag_reader_free(rp__frag_reader *r) {
  if (r == NULL) return;
  free(r->buf);
  memset(r, 0, sizeof *r);
}
