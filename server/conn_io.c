/* SPDX-License-Identifier: MIT */
/*
 * The byte path of a connection (conn.h): reads through the relay's shared buffer into
 * the connection's channel (proto/chan.h: frames, decryption, fragments, decoding), and
 * its events to the handshake (handshake.c) and the messages (dispatch.c); and the way
 * out: sealed by the channel into a queued frame, with the write queue counted for
 * backpressure, and the frames of one loop iteration written out together.
 */
#include <stdlib.h>
#include <string.h>

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

/* The channel refused what it was fed: log and count it as the relay always has, and
 * close (with BYE "error" once the peer could read one). */
static void feed_failed(rp__conn *c, int rc, const char *where) {
  rp__relay *r = c->relay;
  char q[96];

  switch (rp__chan_failed_at(c->ch)) {
  case RP__CHAN_FAIL_HANDSHAKE:
  case RP__CHAN_FAIL_ACCEPT:
    rp__conn_handshake_failed(c, rc);
    return;
  case RP__CHAN_FAIL_MSG:
    rp__stats_reject(&r->stats, rc);
    rp__log_info("msg_refused conn=%llu member=%s code=%s where=%s",
                 (unsigned long long)c->id, rp__conn_member(c), rp_err_name(rc),
                 rp__log_quote(q, sizeof q, where));
    rp__conn_bye(c, RP__BYE_ERROR, rc);
    return;
  default: /* framing, a frame altered, replayed or reordered, or bad fragments */
    if (rc == RP_ENOMEM) {
      rp__conn_abort(c, "out_of_memory");
      return;
    }
    rp__stats_reject(&r->stats, rc);
    rp__log_info("frame_refused conn=%llu member=%s code=%s", (unsigned long long)c->id,
                 rp__conn_member(c), rp_err_name(rc));
    if (c->phase == RP__CONN_HANDSHAKE) r->stats.handshakes_failed++;
    rp__conn_bye(c, RP__BYE_ERROR, rc);
  }
}

/* Feed the bytes of one read to the channel and act on its events. */
static void feed(rp__conn *c, const uint8_t *in, size_t n) {
  size_t off = 0, used;
  const char *where;
  rp__chan_event ev;
  int rc, completed = 0;

  /* limits.frame_max may have been reloaded since the last read. */
  rp__chan_set_frame_max(c->ch, c->relay->cfg.frame_max);
  while (off < n && (c->phase == RP__CONN_HANDSHAKE || c->phase == RP__CONN_OPEN)) {
    rc = rp__chan_feed(c->ch, in + off, n - off, &used, &ev, &where);
    off += used;
    completed |= ev.frame;
    /* Only the holder of the key named in message 1 can produce a transport frame that
     * decrypts: the proof. If it finds the relay full, the message is dropped. */
    if (!c->proven && rp__chan_proved(c->ch) && rp__conn_proved(c) != 0) return;
    if (rc != 0) {
      feed_failed(c, rc, where);
      return;
    }
    if (ev.type == RP__CHAN_EV_OPEN)
      rp__conn_opened(c, ev.out, ev.out_len);
    else if (ev.type == RP__CHAN_EV_MSG)
      rp__conn_dispatch(c, &ev.msg);
  }
  /* Nothing of this read is held while the connection waits for the next one. */
  rp__chan_release(c->ch);
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
  rp__relay *r = c->relay;
  rp__chan_opts o;

  memset(&o, 0, sizeof o);
  o.frame_max = r->cfg.frame_max;
  /* The largest message carries an envelope or, as WELCOME's chunk_max promises, a
   * full sealed attachment chunk. */
  uint64_t body = r->cfg.envelope_max > RP__CHUNK_SEALED_MAX ? r->cfg.envelope_max
                                                             : RP__CHUNK_SEALED_MAX;
  o.msg_max =
      body + RP__CONN_MSG_OVERHEAD < RP_MSG_MAX ? body + RP__CONN_MSG_OVERHEAD : RP_MSG_MAX;
  o.scratch = r->fscratch;
  if (rp__chan_new_responder(&c->ch, r->ident->sec->transport_sk, &o, rp__conn_accept_key,
                             c) != 0) {
    rp__conn_abort(c, "out_of_memory");
    return;
  }
  rp__conn_update_reading(c);
}

void rp__conn_update_reading(rp__conn *c) {
  rp__relay *r = c->relay;
  int want;

  if (c->phase == RP__CONN_CLOSED) return;
  want = c->phase == RP__CONN_HANDSHAKE ||
         (c->phase == RP__CONN_OPEN && !r->stopping && c->sends_inflight < r->cfg.window &&
          c->wq_bytes <= RP__CONN_WQ_HIGH && c->cg_n < RP__CONN_CHUNK_GETS);
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
    rp__attach_kick(c);
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

  if (c->phase == RP__CONN_CLOSED) {
    free(w);
    return RP_ECLOSED;
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

  if (c->pend_head == NULL || c->phase == RP__CONN_CLOSED) return;
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

int rp__conn_send(rp__conn *c, const rp__tmsg *m) {
  size_t cap, len = 0;
  wreq *w = NULL;
  int rc;

  if (c->phase != RP__CONN_OPEN) return RP_ECLOSED;
  /* Our own messages pass the same state table as the peer's: an answer that the state
   * does not allow (an ACK after the peer's BYE) is not sent at all. */
  if ((rc = rp__tmsg_allowed(m->type, RP__TD_R2C, rp__chan_state(c->ch))) != 0) return rc;
  cap = rp__chan_seal_bound(m);
  if ((w = malloc(sizeof *w + cap)) == NULL) {
    rc = RP_ENOMEM;
    goto fail;
  }
  if ((rc = rp__chan_seal_into(c->ch, m, w->data, cap, &len)) != 0) goto fail;
  w->len = len;
  return queue(c, w);

fail:
  free(w);
  rp__log_error("send_failed conn=%llu member=%s type=%s code=%s",
                (unsigned long long)c->id, rp__conn_member(c),
                rp__tmsg_type_name(m->type) ? rp__tmsg_type_name(m->type) : "?",
                rp_err_name(rc));
  rp__conn_abort(c, "send_failed");
  return rc;
}
