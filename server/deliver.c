/* SPDX-License-Identifier: MIT */
/*
 * Delivery and expiry.
 *
 * Each member receives on one connection at a time: the oldest open connection in state
 * RECEIVING. That connection keeps a window of delivered items (rp__dentry) and a cursor
 * (the highest spool seq a fetch has shown it). Items come from two sources:
 *  - fetches from the spool, in seq (arrival) order, at most the free part of the window
 *    and at most what fits under the write queue's high-water mark;
 *  - early forwarding: a fresh SEND to a connected recipient is forwarded while its
 *    commit runs, so delivery does not wait for the sender's fsync. That happens only
 *    when the recipient is caught up (no fetch running, nothing known to be waiting past
 *    the cursor, no earlier SEND to it still committing without having been forwarded),
 *    which keeps the stream in arrival order. A forwarded item appears again in a later
 *    fetch once committed; it is recognised by its msg_id and skipped.
 * Consequence of forwarding early: if the commit then fails, the sender gets a NACK and
 * sends again, and the recipient may have the envelope already. Delivery is at least
 * once; recipients deduplicate by msg_id (they must anyway, across reconnects).
 * The relay still never reports such an envelope as delivered: its DELIVERED queues a
 * delete behind the failed insert in the one ordered writer; a failed commit puts the
 * spool in the failed state, which refuses that delete (delete_refused), so neither
 * envelopes_delivered nor the "delivered" log line counts it. Only forwards of puts
 * within the spool limits happen (a put over a limit is never forwarded), and a put
 * that turns out a duplicate leaves the stored row (same msg_id) to be delivered and
 * deleted on its own. relay_ops_test's test_disk_failure checks this end to end.
 *
 * DELIVERED frees the window slot and queues the spool delete. The spool's writer runs
 * puts and deletes in the order they were asked for, and the delete of an item is asked
 * for only after its DELIVERED, which comes after the DELIVER, which comes after the put
 * was queued: so a delete never overtakes the insert of the same envelope. Once deleted,
 * an entry is kept until no fetch that started before the delete can still return the
 * row, then dropped.
 *
 * Expiry: a sweep deletes expired rows and, in the same transaction, stores for each
 * envelope an expiry notice addressed to its sender, as a spool row of its own (sender =
 * the relay's id, the bytes an encoded EXPIRED message, built by build_notice on the
 * pool thread). So a crash either keeps the envelope (the next sweep expires it again)
 * or keeps its notice: never neither. The notice travels the delivery stream like an
 * envelope, at once if the sender is receiving, else when it next receives, and is
 * deleted when acknowledged with DELIVERED. Notices are exempt from the spool quotas
 * (each is smaller than the envelope it replaces) and expire themselves after
 * limits.expiry_default, without a notice.
 *
 * Refusal: a recipient that cannot accept an envelope (it does not open, or opens to
 * something it must refuse) answers its DELIVER with DELIVERED "refused" = a code. The
 * envelope is then deleted and, in the same transaction, a notice like the expiry
 * notice, carrying the code, is stored for its sender (rp__spool_refuse): the sender
 * learns that the message failed and why, and the recipient's stream moves on at once
 * instead of meeting the same envelope after every reconnect. A refusal of a notice is
 * a plain delete.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"

/* The notice row's msg_id is derived from the envelope's, so a notice is stored once
 * even if a sweep's result were replayed. */
#define NOTICE_CONTEXT "rejsepost/1 expired"

static int is_notice(const rp__relay *r, const char *sender) {
  return strcmp(sender, r->ident->pub.id) == 0;
}

rp__conn *rp__deliver_conn_of(rp__mstate *ms) {
  for (rp__conn *c = ms->conns; c != NULL; c = c->mnext)
    if (c->phase == RP__CONN_OPEN && rp__chan_state(c->ch) == RP__TS_RECEIVING) return c;
  return NULL;
}

static int has_room(const rp__conn *c) {
  return c->phase == RP__CONN_OPEN && rp__chan_state(c->ch) == RP__TS_RECEIVING &&
         !c->relay->stopping && c->dl_unacked < c->dl_window &&
         c->wq_bytes <= RP__CONN_WQ_HIGH;
}

static rp__dentry *find_spool_id(const rp__conn *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  for (rp__dentry *d = c->dl_head; d != NULL; d = d->next)
    if (memcmp(d->spool_id, id, RP_MSG_ID_BYTES) == 0) return d;
  return NULL;
}

static void unlink_entry(rp__conn *c, rp__dentry *d) {
  rp__dentry **pp, *prev = NULL;
  for (pp = &c->dl_head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
    if (*pp == d) {
      *pp = d->next;
      if (c->dl_tail == d) c->dl_tail = prev;
      free(d);
      return;
    }
  }
}

/* Drop deleted entries that no fetch started before their delete can return again. */
static void purge(rp__conn *c, uint64_t upto) {
  rp__dentry *d = c->dl_head, *next;
  for (; d != NULL; d = next) {
    next = d->next;
    if (d->state == RP__DL_DELETED && d->purge_after <= upto) unlink_entry(c, d);
  }
}

/* Send one item (an envelope, or a stored expiry notice) and enter it in the window. */
static int send_item(rp__conn *c, const uint8_t spool_id[RP_MSG_ID_BYTES],
                     const char *sender, const uint8_t *bytes, size_t len) {
  rp__relay *r = c->relay;
  rp__dentry *d = calloc(1, sizeof *d);
  rp__tmsg m;
  int rc;

  if (d == NULL) return RP_ENOMEM;
  memcpy(d->spool_id, spool_id, RP_MSG_ID_BYTES);
  memcpy(d->wire_id, spool_id, RP_MSG_ID_BYTES);
  d->state = RP__DL_SENT;
  d->stream_seq = ++c->dl_stream_seq;
  memset(&m, 0, sizeof m);
  if (is_notice(r, sender)) {
    if ((rc = rp__tmsg_decode_as(RP__T_EXPIRED, bytes, len, &m, NULL)) != 0) {
      free(d);
      return rc;
    }
    m.u.expired.seq = d->stream_seq;
    memcpy(d->wire_id, m.u.expired.msg_id, RP_MSG_ID_BYTES);
    d->notice = 1;
  } else {
    m.type = RP__T_DELIVER;
    m.u.deliver.seq = d->stream_seq;
    m.u.deliver.envelope.p = bytes;
    m.u.deliver.envelope.n = (uint32_t)len;
  }
  if (c->dl_tail != NULL)
    c->dl_tail->next = d;
  else
    c->dl_head = d;
  c->dl_tail = d;
  c->dl_unacked++;
  return rp__conn_send(c, &m);
}

static void on_fetch(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__conn *c = op->conn;
  rp__spool_entry *e;
  char hex[2 * RP_MSG_ID_BYTES + 1];
  int rc;

  if (c == NULL) {
    rp__op_free(op);
    return;
  }
  c->dl_fetch = NULL;
  if (req->result != 0) {
    /* Nothing is lost: the rows stay in the spool. Try again when something changes. */
    rp__log_warn("fetch_failed conn=%llu member=%s code=%s", (unsigned long long)c->id,
                 rp__conn_member(c), rp_err_name(req->result));
    c->dl_dirty = 1;
    rp__op_free(op);
    return;
  }
  for (size_t i = 0; i < req->nentries && c->phase == RP__CONN_OPEN; i++) {
    e = &req->entries[i];
    if (e->seq > c->dl_cursor) c->dl_cursor = e->seq;
    if (find_spool_id(c, e->msg_id) != NULL) continue; /* forwarded early, or acked */
    if ((rc = send_item(c, e->msg_id, e->sender, e->envelope, e->size)) != 0 &&
        c->phase == RP__CONN_OPEN) {
      /* A stored row we cannot send (a damaged notice): log it and move on, so that
       * one bad row does not block the stream. It stays until it expires. */
      rp__log_error(
          "deliver_skipped conn=%llu msg_id=%s code=%s", (unsigned long long)c->id,
          sodium_bin2hex(hex, sizeof hex, e->msg_id, RP_MSG_ID_BYTES), rp_err_name(rc));
    }
  }
  if (req->more) c->dl_dirty = 1;
  purge(c, op->fetch_no);
  rp__op_free(op);
  rp__deliver_kick(c);
}

void rp__deliver_kick(rp__conn *c) {
  rp__relay *r = c->relay;
  size_t room, bytes;
  rp__op *op;
  int rc;

  if (c->ms == NULL || c->dl_fetch != NULL || !c->dl_dirty || !has_room(c) ||
      rp__deliver_conn_of(c->ms) != c)
    return;
  room = c->dl_window - c->dl_unacked;
  if (room > RP__SPOOL_FETCH_MAX) room = RP__SPOOL_FETCH_MAX;
  bytes = RP__CONN_WQ_HIGH - c->wq_bytes;
  if (bytes > RP__DELIVER_FETCH_BYTES) bytes = RP__DELIVER_FETCH_BYTES;
  if (bytes == 0) bytes = 1;
  if ((op = rp__op_new(r, c, RP__OP_FETCH)) == NULL) return;
  op->fetch_no = ++c->dl_fetches;
  if ((rc = rp__spool_fetch(r->spool, &op->req, c->ms->id, c->dl_cursor, room, bytes,
                            on_fetch)) != 0) {
    rp__log_warn("fetch_failed conn=%llu member=%s code=%s", (unsigned long long)c->id,
                 c->ms->id, rp_err_name(rc));
    rp__op_free(op);
    return;
  }
  c->dl_dirty = 0;
  c->dl_fetch = op;
}

void rp__deliver_start(rp__conn *c, uint64_t window) {
  uint64_t w = window < c->relay->cfg.window ? window : c->relay->cfg.window;
  if (c->dl_window == 0) c->dl_dirty = 1; /* the first RECEIVE: start from the top */
  c->dl_window = (unsigned)(w > 0 ? w : 1);
  rp__deliver_kick(c);
}

void rp__deliver_forward(rp__relay *r, rp__op *op) {
  rp__conn *c = rp__deliver_conn_of(op->rcpt);
  (void)r;

  op->forwarded = 0;
  if (c == NULL || op->rcpt->puts_unfwd > 0 || c->dl_fetch != NULL || c->dl_dirty ||
      !has_room(c) || find_spool_id(c, op->msg_id) != NULL) {
    op->rcpt->puts_unfwd++;
    return;
  }
  op->forwarded = 1;
  send_item(c, op->msg_id, "", op->bytes, op->len);
}

void rp__deliver_put_done(rp__relay *r, rp__op *op) {
  rp__conn *c;
  int res = op->req.result;

  if (!op->forwarded) op->rcpt->puts_unfwd--;
  if (res != 0 && res != RP_EDUPLICATE) return;
  if (res == 0) rp__deliver_expire_at(r, op->expires_ms);
  if ((c = rp__deliver_conn_of(op->rcpt)) == NULL) return;
  /* Anything committed that the window does not hold yet may be waiting past the
   * cursor (an earlier put that was not forwarded, or this one). */
  if (find_spool_id(c, op->msg_id) == NULL || op->rcpt->puts_unfwd > 0) c->dl_dirty = 1;
  rp__deliver_kick(c);
}

static void notice_kick(rp__relay *r, const char *sender);

/* The recipient refused an envelope: the spool deleted it and stored its sender's
 * notice in the same transaction (PROTOCOL.md 5.1, delivered "refused"). */
static void refused_done(rp__relay *r, const rp__spool_entry *e) {
  char hex[2 * RP_MSG_ID_BYTES + 1];
  r->stats.envelopes_refused++;
  rp__log_info("envelope_refused msg_id=%s sender=%s recipient=%s code=%s refused=%d "
               "size=%zu notice=%s",
               sodium_bin2hex(hex, sizeof hex, e->msg_id, RP_MSG_ID_BYTES), e->sender,
               e->recipient, rp_err_name(-e->refused), e->refused, e->size,
               e->notice_size > 0 ? "stored" : "none");
  if (e->notice_size > 0) notice_kick(r, e->sender);
}

static void on_deleted(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  rp__conn *c = op->conn;
  char hex[2 * RP_MSG_ID_BYTES + 1];
  rp__dentry *d;

  if (req->result == 0 && req->chunks > 0)
    rp__log_info("chunks_deleted msg_id=%s chunks=%llu bytes=%llu",
                 sodium_bin2hex(hex, sizeof hex, op->msg_id, RP_MSG_ID_BYTES),
                 (unsigned long long)req->chunks, (unsigned long long)req->chunk_bytes);
  if (req->result == 0 && req->nentries == 1) {
    refused_done(r, &req->entries[0]);
  } else if (req->result == 0) {
    r->stats.envelopes_delivered++;
    rp__log_debug("delivered msg_id=%s",
                  sodium_bin2hex(hex, sizeof hex, op->msg_id, RP_MSG_ID_BYTES));
  } else if (req->result != RP_ENOTFOUND) {
    rp__log_warn("delete_failed msg_id=%s code=%s",
                 sodium_bin2hex(hex, sizeof hex, op->msg_id, RP_MSG_ID_BYTES),
                 rp_err_name(req->result));
  }
  if (c != NULL && (d = find_spool_id(c, op->msg_id)) != NULL &&
      d->state == RP__DL_DELETING) {
    if (c->dl_fetch == NULL) {
      unlink_entry(c, d); /* every later fetch starts after the commit */
    } else {
      d->state = RP__DL_DELETED;
      d->purge_after = c->dl_fetches;
    }
  }
  rp__op_free(op);
}

static int build_notice(void *arg, const rp__spool_entry *e, int64_t now_ms,
                        uint8_t notice_id[RP_MSG_ID_BYTES], uint8_t *buf, size_t *len);

/* Queue the spool request that ends item d: a plain delete, or for an envelope the
 * recipient refused, the delete with the sender's notice. */
static int delete_item(rp__conn *c, rp__dentry *d, uint64_t refused, rp__op *op) {
  rp__relay *r = c->relay;
  rp__spool_notice notice;

  /* A refusal of a notice means nothing (the envelope it speaks of is gone): delete. */
  if (refused == 0 || d->notice)
    return rp__spool_delete(r->spool, &op->req, c->ms->id, d->spool_id, on_deleted);
  memset(&notice, 0, sizeof notice);
  notice.fn = build_notice;
  notice.sender = r->ident->pub.id;
  notice.ttl_ms = (int64_t)r->cfg.expiry_default_ms;
  return rp__spool_refuse(r->spool, &op->req, c->ms->id, d->spool_id, (int)refused,
                          (int64_t)rp__clock_wall_ms(), &notice, on_deleted);
}

int rp__deliver_delivered(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t seq,
                          uint64_t refused) {
  rp__relay *r = c->relay;
  rp__dentry *d;
  rp__op *op;
  int rc;

  for (d = c->dl_head; d != NULL && d->stream_seq != seq; d = d->next) {
  }
  if (d == NULL) return seq <= c->dl_stream_seq ? 0 : RP_ENOTFOUND;
  if (memcmp(d->wire_id, msg_id, RP_MSG_ID_BYTES) != 0) return RP_EINVAL;
  if (d->state != RP__DL_SENT) return 0; /* acknowledged twice */
  d->state = RP__DL_DELETING;
  c->dl_unacked--;
  if ((op = rp__op_new(r, c, RP__OP_DELETE)) == NULL) {
    rc = RP_ENOMEM;
  } else {
    memcpy(op->msg_id, d->spool_id, RP_MSG_ID_BYTES);
    if ((rc = delete_item(c, d, refused, op)) != 0) rp__op_free(op);
  }
  if (rc != 0) {
    /* The spool refuses deletes once it failed. The row stays and is delivered again
     * after a restart; the recipient deduplicates it (or refuses it again). */
    rp__log_warn("delete_refused member=%s code=%s", c->ms->id, rp_err_name(rc));
    d->state = RP__DL_DELETED;
    d->purge_after = c->dl_fetches;
  }
  rp__deliver_kick(c);
  return 0;
}

void rp__deliver_conn_free(rp__conn *c) {
  rp__dentry *d = c->dl_head, *next;
  for (; d != NULL; d = next) {
    next = d->next;
    free(d);
  }
  c->dl_head = c->dl_tail = NULL;
  c->dl_unacked = 0;
  c->dl_fetch = NULL;
}

/* ---- expiry ---- */

static void on_expire_timer(uv_timer_t *t) {
  rp__deliver_expire_run(t->data);
}

static void expire_arm(rp__relay *r, int64_t at) {
  int64_t now = (int64_t)rp__clock_wall_ms();
  if (!r->started || r->stopping) return;
  r->expire_timer_at = at;
  /* libuv counts the timeout from the loop's cached time, which lags the clock by however
   * long this iteration has run: refresh it, or the timer fires that much early. */
  uv_update_time(r->loop);
  uv_timer_start(&r->expire_timer, on_expire_timer, at > now ? (uint64_t)(at - now) : 0, 0);
}

void rp__deliver_expire_at(rp__relay *r, int64_t at) {
  if (!r->started) return;
  if (r->expire_op != NULL) {
    if (r->expire_due == 0 || at < r->expire_due) r->expire_due = at;
    return;
  }
  if (at < r->expire_timer_at) expire_arm(r, at);
}

/* The notice for one expired or refused envelope (rp__spool_notice_fn): an encoded
 * EXPIRED whose seq the stream replaces at delivery, with the recipient's code when it
 * refused the envelope. Runs on a pool thread: arguments only. */
static int build_notice(void *arg, const rp__spool_entry *e, int64_t now_ms,
                        uint8_t notice_id[RP_MSG_ID_BYTES], uint8_t *buf, size_t *len) {
  uint8_t nid[crypto_generichash_BYTES];
  rp__tmsg m;
  (void)arg;

  memset(&m, 0, sizeof m);
  m.type = RP__T_EXPIRED;
  m.u.expired.seq = 1;
  memcpy(m.u.expired.msg_id, e->msg_id, RP_MSG_ID_BYTES);
  m.u.expired.recipient = rp__str_c(e->recipient);
  m.u.expired.expired_at = (uint64_t)now_ms;
  m.u.expired.refused = e->refused > 0 ? (uint64_t)e->refused : 0;
  if (rp__tmsg_encode(&m, buf, RP__SPOOL_NOTICE_MAX, len) != 0) return 0;
  crypto_generichash(nid, sizeof nid, e->msg_id, RP_MSG_ID_BYTES,
                     (const uint8_t *)NOTICE_CONTEXT, sizeof NOTICE_CONTEXT - 1);
  memcpy(notice_id, nid, RP_MSG_ID_BYTES);
  return 1;
}

/* A notice committed for `sender`: if it is receiving, its stream picks the row up. */
static void notice_kick(rp__relay *r, const char *sender) {
  rp__mstate *ms = rp__mstate_get(r, sender, 0);
  rp__conn *c = ms != NULL ? rp__deliver_conn_of(ms) : NULL;
  if (c == NULL) return;
  c->dl_dirty = 1;
  rp__deliver_kick(c);
}

static void on_expired(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  uint64_t now = rp__clock_wall_ms();
  int64_t next = (int64_t)(now + RP__RELAY_EXPIRE_EVERY_MS);
  char hex[2 * RP_MSG_ID_BYTES + 1];
  int more = req->more;

  r->expire_op = NULL;
  if (req->result != 0) {
    rp__log_warn("expire_failed code=%s", rp_err_name(req->result));
    more = 0;
  }
  for (size_t i = 0; req->result == 0 && i < req->nentries; i++) {
    const rp__spool_entry *e = &req->entries[i];
    sodium_bin2hex(hex, sizeof hex, e->msg_id, RP_MSG_ID_BYTES);
    if (is_notice(r, e->sender)) {
      rp__log_info("notice_expired msg_id=%s recipient=%s", hex, e->recipient);
      continue;
    }
    r->stats.envelopes_expired++;
    rp__log_info("envelope_expired msg_id=%s sender=%s recipient=%s size=%zu chunks=%llu "
                 "notice=%s",
                 hex, e->sender, e->recipient, e->size, (unsigned long long)e->chunks,
                 e->notice_size > 0 ? "stored" : "none");
    if (e->notice_size > 0) notice_kick(r, e->sender);
  }
  /* Chunks whose envelope never came, deleted at their own expiry. */
  if (req->result == 0 && req->chunks > 0)
    rp__log_info("chunks_expired chunks=%llu bytes=%llu", (unsigned long long)req->chunks,
                 (unsigned long long)req->chunk_bytes);
  if (r->expire_due != 0 && r->expire_due < next) next = r->expire_due;
  r->expire_due = 0;
  /* Woken before the envelope it was armed for had expired (libuv's millisecond timer
   * can fire up to a millisecond before the wall clock reaches that time): the sweep
   * expired up to expire_run_now only, so that one is still due, not in a minute. The
   * test is against the sweep's own time, not this callback's: a sweep that took a
   * millisecond or more (an fsync) ends after the envelope's time although it did not
   * expire it, and relay_expiry_test then waited for a notice that came a minute late. */
  if (r->expire_run_for > r->expire_run_now && r->expire_run_for < next)
    next = r->expire_run_for;
  if (more) next = (int64_t)now;
  r->expire_timer_at = INT64_MAX;
  expire_arm(r, next);
  rp__op_free(op);
}

void rp__deliver_expire_run(rp__relay *r) {
  rp__spool_notice notice;
  rp__op *op;
  int rc;

  if (r->expire_op == NULL) r->expire_run_for = r->expire_timer_at;
  r->expire_timer_at = INT64_MAX;
  if (r->expire_op != NULL || r->stopping || r->failed) return;
  if ((op = rp__op_new(r, NULL, RP__OP_EXPIRE)) == NULL) {
    expire_arm(r, (int64_t)(rp__clock_wall_ms() + RP__RELAY_EXPIRE_EVERY_MS));
    return;
  }
  memset(&notice, 0, sizeof notice);
  notice.fn = build_notice;
  notice.sender = r->ident->pub.id;
  notice.ttl_ms = (int64_t)r->cfg.expiry_default_ms;
  r->expire_run_now = (int64_t)rp__clock_wall_ms();
  if ((rc = rp__spool_expire_notify(r->spool, &op->req, r->expire_run_now,
                                    RP__SPOOL_EXPIRE_MAX, &notice, on_expired)) != 0) {
    rp__log_warn("expire_failed code=%s", rp_err_name(rc));
    rp__op_free(op);
    return;
  }
  r->expire_op = op;
}
