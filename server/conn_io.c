/* SPDX-License-Identifier: MIT */
/*
 * The byte path of a connection (conn.h): reads through the relay's shared buffer into
 * stream frames, decryption and fragment reassembly; and the way out: encode, fragment,
 * encrypt, frame, queue, with the write queue counted for backpressure, and the frames
 * of one loop iteration written out together.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"

/* One queued frame (or the handshake answer): its framed ciphertext. A connection's
 * frames wait on its pending list until the loop reaches the relay's flush handles;
 * then they go out together (rp__conn_flush). */
struct rp__wreq {
  rp__wreq *next;
  size_t len;
  uint8_t data[];
};
typedef rp__wreq wreq;

/* One uv_write of everything a connection queued in a loop iteration, one buffer per
 * frame (libuv makes one writev of it). A write(2) per message cost a third of the
 * relay's CPU at full speed; this turns the ACKs and DELIVERs of an iteration into one
 * call. The frames stay alive until libuv is done with them. */
typedef struct wbatch {
  uv_write_t req;
  rp__conn *c;
  size_t len; /* bytes of all its frames: what on_write takes off the queue counts */
  wreq *head;
  uv_buf_t bufs[];
} wbatch;

/* Small messages (ACK, NACK, PONG, BYE...) are encoded on the stack. */
#define SMALL_MSG 512u

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  rp__conn *c = h->data;
  rp__relay *r = c->relay;
  (void)suggested;
  /* libuv calls alloc and then read before it calls alloc again, all on this thread, so
   * the one buffer is never in use twice. The flag makes that assumption checkable. */
  if (r->rbuf_busy) {
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  r->rbuf_busy = 1;
  *buf = uv_buf_init((char *)r->rbuf, RP__RELAY_RBUF);
}

/* One complete frame after the handshake: decrypt in place, reassemble, dispatch. */
static void transport_frame(rp__conn *c, uint8_t *buf, size_t len) {
  rp__relay *r = c->relay;
  const uint8_t *msg = NULL;
  size_t plen = 0, mlen = 0;
  int rc;

  if ((rc = rp__noise_cipher_decrypt(&c->rx, NULL, 0, buf, len, buf, len, &plen)) != 0) {
    /* Altered, replayed or reordered: the stream cannot be trusted any further. */
    rp__stats_reject(&r->stats, rc);
    rp__log_info("frame_refused conn=%llu member=%s code=%s", (unsigned long long)c->id,
                 rp__conn_member(c), rp_err_name(rc));
    rp__conn_bye(c, RP__BYE_ERROR, rc);
    return;
  }
  /* Only the holder of the key named in message 1 can get here: the proof. */
  if (!c->proven && rp__conn_proved(c) != 0) return;
  rc = rp__frag_reader_feed(&c->frag, buf, plen, &msg, &mlen);
  if (rc < 0) {
    rp__stats_reject(&r->stats, rc);
    rp__log_info("frame_refused conn=%llu member=%s code=%s", (unsigned long long)c->id,
                 rp__conn_member(c), rp_err_name(rc));
    rp__conn_bye(c, RP__BYE_ERROR, rc);
    return;
  }
  if (rc == 1) {
    rp__conn_dispatch(c, msg, mlen);
    rp__frag_reader_release(&c->frag);
  }
}

/* Feed the bytes of one read through the frame reader. */
static void feed(rp__conn *c, const uint8_t *in, size_t n) {
  rp__relay *r = c->relay;
  size_t off = 0, used, flen, max;
  uint8_t *fb;
  int ev, completed = 0;

  while (off < n && (c->phase == RP__CONN_HANDSHAKE || c->phase == RP__CONN_OPEN)) {
    ev = rp__frame_reader_feed(&c->fr, in + off, n - off, &used, &flen);
    if (ev < 0) {
      rp__stats_reject(&r->stats, ev);
      rp__log_info("frame_refused conn=%llu member=%s code=%s", (unsigned long long)c->id,
                   rp__conn_member(c), rp_err_name(ev));
      if (c->phase == RP__CONN_HANDSHAKE) r->stats.handshakes_failed++;
      rp__conn_bye(c, RP__BYE_ERROR, ev);
      return;
    }
    off += used;
    if (ev == RP__FRAME_NEED_BUF) {
      max = c->phase == RP__CONN_HANDSHAKE ? RP__CONN_HS_FRAME_MAX : r->cfg.frame_max;
      if (flen > max) {
        rp__stats_reject(&r->stats, RP_ETOOBIG);
        rp__log_info("frame_refused conn=%llu member=%s code=%s len=%zu",
                     (unsigned long long)c->id, rp__conn_member(c), rp_err_name(RP_ETOOBIG),
                     flen);
        if (c->phase == RP__CONN_HANDSHAKE) r->stats.handshakes_failed++;
        rp__conn_bye(c, RP__BYE_ERROR, RP_ETOOBIG);
        return;
      }
      /* A frame that is complete in this read is gathered in the relay's scratch
       * buffer and handled before we return to the loop; only a frame that continues
       * in a later read needs memory of its own until it is complete. */
      if (n - off >= flen) {
        fb = r->fscratch;
      } else if ((fb = c->fbuf = malloc(flen)) == NULL) {
        rp__conn_abort(c, "out_of_memory");
        return;
      }
      rp__frame_reader_set_buf(&c->fr, fb);
    } else if (ev == RP__FRAME_READY) {
      completed = 1;
      fb = c->fbuf != NULL ? c->fbuf : r->fscratch;
      c->fbuf = NULL;
      if (c->phase == RP__CONN_HANDSHAKE)
        rp__conn_handshake_frame(c, fb, flen);
      else
        transport_frame(c, fb, flen);
      if (fb != r->fscratch) {
        /* Frame bytes are ciphertext, but after decryption in place they hold the
         * plaintext of envelopes' headers and the like: wipe before freeing. */
        sodium_memzero(fb, flen);
        free(fb);
      }
    }
  }
  if (c->phase == RP__CONN_HANDSHAKE || c->phase == RP__CONN_OPEN)
    rp__conn_frame_clock(c, completed);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  rp__conn *c = s->data;
  rp__relay *r = c->relay;

  if (n > 0 && (c->phase == RP__CONN_HANDSHAKE || c->phase == RP__CONN_OPEN))
    feed(c, (const uint8_t *)buf->base, (size_t)n);
  if (buf->base == (char *)r->rbuf) r->rbuf_busy = 0;
  if (n < 0) {
    if (c->phase == RP__CONN_HANDSHAKE) r->stats.handshakes_failed++;
    if (n == UV_EOF)
      rp__conn_abort(c, c->phase == RP__CONN_HANDSHAKE ? NULL : "peer_closed");
    else if (n != UV_ENOBUFS)
      rp__conn_abort(c, uv_err_name((int)n));
  }
}

void rp__conn_io_start(rp__conn *c) {
  rp__frame_reader_init(&c->fr);
  rp__conn_update_reading(c);
}

void rp__conn_update_reading(rp__conn *c) {
  rp__relay *r = c->relay;
  int want;

  if (c->detached || c->phase == RP__CONN_CLOSED) return;
  want = c->phase == RP__CONN_HANDSHAKE ||
         (c->phase == RP__CONN_OPEN && !r->stopping && c->sends_inflight < r->cfg.window &&
          c->wq_bytes <= RP__CONN_WQ_HIGH);
  if (want && !c->reading) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = 1;
    /* A frame left half read while we did not read starts its clock afresh. */
    rp__conn_frame_clock(c, 1);
  } else if (!want && c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
    /* While the relay does not read, a frame cannot complete: that is not the peer's
     * fault, so its frame deadline does not run. */
    c->mid_frame = 0;
  }
}

static void free_chain(wreq *w) {
  wreq *next;
  for (; w != NULL; w = next) {
    next = w->next;
    free(w);
  }
}

/* Bytes leave the write queue: written, failed or dropped. */
static void wq_sub(rp__conn *c, size_t len) {
  c->wq_bytes -= len;
  c->relay->stats.write_queue_bytes -= len;
}

static void on_write(uv_write_t *req, int status) {
  wbatch *b = req->data;
  rp__conn *c = b->c;

  wq_sub(c, b->len);
  free_chain(b->head);
  free(b);
  if (c->phase == RP__CONN_CLOSED) return;
  if (status < 0) {
    rp__conn_abort(c, uv_err_name(status));
    return;
  }
  if (c->phase == RP__CONN_OPEN && c->wq_bytes <= RP__CONN_WQ_HIGH) {
    rp__conn_update_reading(c);
    rp__deliver_kick(c);
  }
}

/* Append w to c's pending frames and put c on the relay's flush list. */
static void pend(rp__conn *c, wreq *w) {
  rp__relay *r = c->relay;

  w->next = NULL;
  if (c->pend_tail != NULL)
    c->pend_tail->next = w;
  else
    c->pend_head = w;
  c->pend_tail = w;
  c->pend_n++;
  if (!c->flush_queued) {
    c->flush_queued = 1;
    c->flush_next = r->flush_head;
    r->flush_head = c;
  }
}

/* Queue w (which the call takes in every case). The bytes count against the write
 * queue from now on, pending or not, so backpressure sees them at once. */
static int queue(rp__conn *c, wreq *w) {
  rp__stats *st = &c->relay->stats;

  if (c->detached || c->phase == RP__CONN_CLOSED) {
    free(w);
    return c->detached ? 0 : RP_ECLOSED;
  }
  pend(c, w);
  c->wq_bytes += w->len;
  st->write_queue_bytes += w->len;
  if (st->write_queue_bytes > st->write_queue_peak)
    st->write_queue_peak = st->write_queue_bytes;
  if (c->wq_bytes > RP__CONN_WQ_HARD) {
    /* Only answers land here past the high-water mark (deliveries stop there and so
     * does reading), so this is a peer that never reads: let it go. */
    rp__stats_reject(st, RP_EBUSY);
    rp__conn_abort(c, "write_queue_full");
    return RP_EBUSY;
  }
  if (c->wq_bytes > RP__CONN_WQ_HIGH) rp__conn_update_reading(c);
  return 0;
}

void rp__conn_flush(rp__conn *c) {
  wbatch *b;
  wreq *w;
  unsigned i = 0;
  int rc;

  if (c->pend_head == NULL || c->detached || c->phase == RP__CONN_CLOSED) return;
  if ((b = malloc(sizeof *b + c->pend_n * sizeof b->bufs[0])) == NULL) {
    rp__conn_abort(c, "out_of_memory"); /* the pending frames go in on_close */
    return;
  }
  b->c = c;
  b->len = 0;
  b->head = c->pend_head;
  b->req.data = b;
  for (w = b->head; w != NULL; w = w->next) {
    b->bufs[i++] = uv_buf_init((char *)w->data, (unsigned)w->len);
    b->len += w->len;
  }
  c->pend_head = c->pend_tail = NULL;
  c->pend_n = 0;
  if ((rc = uv_write(&b->req, (uv_stream_t *)&c->tcp, b->bufs, i, on_write)) != 0) {
    wq_sub(c, b->len);
    free_chain(b->head);
    free(b);
    rp__conn_abort(c, uv_err_name(rc));
  }
}

void rp__conn_flush_all(rp__relay *r) {
  rp__conn *c;

  /* One connection at a time off the head: a flush that fails closes its connection,
   * and the hand-over of its deliveries may queue frames elsewhere, onto this list. */
  while ((c = r->flush_head) != NULL) {
    r->flush_head = c->flush_next;
    c->flush_next = NULL;
    c->flush_queued = 0;
    rp__conn_flush(c);
  }
}

void rp__conn_flush_drop(rp__conn *c) {
  rp__conn **pp;
  size_t len = 0;

  if (c->flush_queued) {
    for (pp = &c->relay->flush_head; *pp != NULL; pp = &(*pp)->flush_next) {
      if (*pp == c) {
        *pp = c->flush_next;
        break;
      }
    }
    c->flush_next = NULL;
    c->flush_queued = 0;
  }
  for (wreq *w = c->pend_head; w != NULL; w = w->next)
    len += w->len;
  wq_sub(c, len);
  free_chain(c->pend_head);
  c->pend_head = c->pend_tail = NULL;
  c->pend_n = 0;
}

int rp__conn_write_raw(rp__conn *c, const uint8_t *bytes, size_t len) {
  wreq *w = malloc(sizeof *w + len);
  if (w == NULL) {
    rp__conn_abort(c, "out_of_memory");
    return RP_ENOMEM;
  }
  memcpy(w->data, bytes, len);
  w->len = len;
  return queue(c, w);
}

/* The encoded size bound of m: the fixed fields plus its one variable byte string. */
static size_t encoded_bound(const rp__tmsg *m) {
  switch (m->type) {
  case RP__T_DELIVER:
    return SMALL_MSG + m->u.deliver.envelope.n;
  case RP__T_ROSTER:
    return SMALL_MSG + m->u.roster.roster.n;
  case RP__T_SEND:
    return SMALL_MSG + m->u.send.envelope.n;
  default:
    return SMALL_MSG;
  }
}

int rp__conn_send(rp__conn *c, const rp__tmsg *m) {
  uint8_t small[SMALL_MSG];
  uint8_t *enc = small, *pt;
  size_t cap = encoded_bound(m), len = 0, nfr, total, off = 0, ptlen, ctlen;
  rp__frag_writer fw;
  wreq *w = NULL;
  int rc;

  if (c->phase != RP__CONN_OPEN) return RP_ECLOSED;
  /* Our own messages pass the same state table as the peer's: an answer that the state
   * does not allow (an ACK after the peer's BYE) is not sent at all. */
  if ((rc = rp__tmsg_allowed(m->type, RP__TD_R2C, c->tstate)) != 0) return rc;
  if (cap > SMALL_MSG && (enc = malloc(cap)) == NULL) {
    rc = RP_ENOMEM;
    goto fail;
  }
  if ((rc = rp__tmsg_encode(m, enc, cap, &len)) != 0) goto fail;
  nfr = rp__frag_count(len);
  total = len + nfr * (RP__FRAME_PREFIX + RP__FRAG_HEADER + RP__NOISE_TAGBYTES);
  if ((w = malloc(sizeof *w + total)) == NULL) {
    rc = RP_ENOMEM;
    goto fail;
  }
  if ((rc = rp__frag_writer_init(&fw, enc, len)) != 0) goto fail;
  while (!rp__frag_writer_done(&fw)) {
    pt = w->data + off + RP__FRAME_PREFIX;
    if ((rc = rp__frag_writer_next(
             &fw, pt, total - off - RP__FRAME_PREFIX - RP__NOISE_TAGBYTES, &ptlen)) != 0 ||
        (rc = rp__noise_cipher_encrypt(&c->tx, NULL, 0, pt, ptlen, pt,
                                       total - off - RP__FRAME_PREFIX, &ctlen)) != 0 ||
        (rc = rp__frame_prefix(w->data + off, ctlen)) != 0)
      goto fail;
    off += RP__FRAME_PREFIX + ctlen;
  }
  w->len = off;
  if (enc != small) free(enc);
  c->tstate = (uint8_t)rp__tmsg_next_state(m->type, c->tstate);
  return queue(c, w);

fail:
  if (enc != small) free(enc);
  free(w);
  rp__log_error("send_failed conn=%llu member=%s type=%s code=%s",
                (unsigned long long)c->id, rp__conn_member(c),
                rp__tmsg_type_name(m->type) ? rp__tmsg_type_name(m->type) : "?",
                rp_err_name(rc));
  rp__conn_abort(c, "send_failed");
  return rc;
}
