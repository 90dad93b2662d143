/* SPDX-License-Identifier: MIT */
/*
 * Attachment chunks at the relay (docs/PROTOCOL.md 5.6): a client's `chunk` is checked,
 * stored through the spool's writer in the group commit and answered with `chunk_ack`
 * after the commit; a client's `chunk_get` is answered with `chunk_data`, read from the
 * spool on the reader as the connection's write queue drains.
 *
 * Order of the checks for a chunk, each refusal a chunk_ack with its code:
 *   the spool failed (RP_EFSYNC) or the relay is stopping (RP_ECLOSED);
 *   the send window, shared with SEND, is full (RP_EBUSY);
 *   count over RP__CHUNK_COUNT_MAX (RP_ETOOBIG); index >= count (RP_EINVAL);
 *   data is not a sealed chunk's length, P(len) + 16 (RP_ESIZE);
 *   the chunk and count - 1 of the smallest sealed chunks pass
 *   limits.attachment_bytes_max (RP_ETOOBIG);
 *   recipient unknown or not yet valid (RP_EUNKNOWNMEMBER), revoked (RP_EREVOKED), or
 *   not a member that receives envelopes (RP_EKIND);
 *   the route from the sender's kind to the recipient's (RP_EROUTE);
 *   expired (RP_EEXPIRED), or expiring later than limits.expiry_max from now
 *   (RP_ETOOBIG);
 *   then the spool's answer after the commit: stored or already stored (no code),
 *   RP_EINVAL (the message's chunks disagree), RP_ETOOBIG (the message's chunks pass
 *   limits.attachment_bytes_max), RP_EQUOTA, RP_ESPOOLFULL, RP_EFSYNC or RP_EIO.
 * The sender is the authenticated member: a chunk names no sender.
 *
 * Decisions:
 * - Chunks share the send window with SENDs (limits.window, WELCOME's send_window)
 *   instead of a window of their own: each costs the relay the same, a message held in
 *   memory until its commit, and one budget needs no new WELCOME key.
 * - A connection's chunk_gets are answered one after the other, each in index order,
 *   with at most RP__CONN_CHUNK_GETS queued: more stop the relay reading from that
 *   connection (TCP pushes back), so a greedy recipient slows only itself.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chunk.h"
#include "conn.h"
#include "hex.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "route.h"

static void send_ack(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t index,
                     int code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK_ACK;
  memcpy(m.u.chunk_ack.msg_id, msg_id, RP_MSG_ID_BYTES);
  m.u.chunk_ack.index = index;
  m.u.chunk_ack.code = code < 0 ? (uint64_t)-code : 0;
  rp__conn_send(c, &m);
}

static void refuse(rp__conn *c, const rp__t_chunk *m, int code, const char *where) {
  char hex[RP__ID_HEX_BYTES];
  rp__stats_reject(&c->relay->stats, code);
  rp__log_info("chunk_refused conn=%llu member=%s msg_id=%s index=%llu code=%s where=%s",
               (unsigned long long)c->id, rp__conn_member(c), rp__id_hex(hex, m->msg_id),
               (unsigned long long)m->index, rp_err_name(code), where);
  send_ack(c, m->msg_id, m->index, code);
}

/* Whether n bytes are a sealed chunk: P(len) + 16 for some len (chunk.h), i.e. 16 plus
 * 1024 or a larger power of two up to RP__CHUNK_SIZE. */
static int sealed_size_ok(size_t n) {
  return n > RP__CHUNK_TAGBYTES &&
         rp__chunk_padded(n - RP__CHUNK_TAGBYTES) == n - RP__CHUNK_TAGBYTES;
}

static void on_chunk_done(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  rp__conn *c = op->conn;
  char hex[RP__ID_HEX_BYTES];
  int res = req->result;

  if (res == 0) {
    r->stats.chunks_stored++;
    /* Until its envelope comes, the chunk expires on its own (no notice). */
    rp__deliver_expire_at(r, op->expires_ms);
  } else if (res == RP_EDUPLICATE) {
    r->stats.chunks_duplicate++;
  } else {
    rp__stats_reject(&r->stats, res);
  }
  rp__log_write(res == 0 || res == RP_EDUPLICATE ? RP__LOG_DEBUG : RP__LOG_WARN,
                "chunk_done conn=%llu msg_id=%s index=%llu recipient=%s size=%zu result=%s",
                (unsigned long long)(c != NULL ? c->id : 0), rp__id_hex(hex, op->msg_id),
                (unsigned long long)op->index, op->rcpt->id, op->len,
                res == 0               ? "stored"
                : res == RP_EDUPLICATE ? "duplicate"
                                       : rp_err_name(res));
  if (c != NULL) {
    c->sends_inflight--;
    send_ack(c, op->msg_id, op->index, res == RP_EDUPLICATE ? 0 : res);
    rp__conn_send_answered(c);
  }
  rp__op_free(op);
}

int rp__attach_chunk(rp__conn *c, const rp__t_chunk *m) {
  rp__relay *r = c->relay;
  uint64_t now = rp__clock_wall_ms(), max = r->cfg.attachment_bytes_max;
  const uint64_t smallest = RP__CHUNK_PAD_MIN + RP__CHUNK_TAGBYTES;
  char rcpt[RP_MEMBER_ID_MAX + 1];
  const char *where = NULL;
  rp__spool_chunk ch;
  int rc = 0, kind = 0;
  rp__op *op;

  if (r->failed || rp__spool_failed(r->spool) != 0)
    rc = RP_EFSYNC, where = "spool";
  else if (r->stopping)
    rc = RP_ECLOSED, where = "stopping";
  else if (c->sends_inflight >= r->cfg.window)
    rc = RP_EBUSY, where = "window";
  else if (m->count > RP__CHUNK_COUNT_MAX)
    rc = RP_ETOOBIG, where = "count";
  else if (m->index >= m->count)
    rc = RP_EINVAL, where = "index";
  else if (!sealed_size_ok(m->data.n))
    rc = RP_ESIZE, where = "data";
  /* No message with this count can fit: refused at its first chunk, not its last. */
  else if (m->data.n > max || (m->count - 1) * smallest > max - m->data.n)
    rc = RP_ETOOBIG, where = "attachment_bytes_max";
  else if ((rc = rp__conn_check_recipient(r, m->to, rcpt, &kind)) != 0)
    where = "to";
  else if ((rc = rp__route_members(c->kind, kind)) != 0)
    where = "route";
  else if (now >= m->expires)
    rc = RP_EEXPIRED, where = "expires";
  else if (m->expires > now + r->cfg.expiry_max_ms + RP_CLOCK_SKEW_MS)
    rc = RP_ETOOBIG, where = "expires";
  if (rc != 0) {
    refuse(c, m, rc, where);
    return 0;
  }

  if ((op = rp__op_new(r, c, RP__OP_CHUNK)) == NULL ||
      (op->bytes = malloc(m->data.n)) == NULL ||
      (op->rcpt = rp__mstate_get(r, rcpt, 1)) == NULL) {
    rp__op_free(op);
    refuse(c, m, RP_ENOMEM, "memory");
    return 0;
  }
  rp__mstate_ref(op->rcpt);
  memcpy(op->bytes, m->data.p, m->data.n);
  op->len = m->data.n;
  memcpy(op->msg_id, m->msg_id, RP_MSG_ID_BYTES);
  op->index = m->index;
  /* As for envelopes: never kept past limits.expiry_max. */
  op->expires_ms =
      (int64_t)(m->expires < now + r->cfg.expiry_max_ms ? m->expires
                                                        : now + r->cfg.expiry_max_ms);
  memset(&ch, 0, sizeof ch);
  memcpy(ch.msg_id, m->msg_id, RP_MSG_ID_BYTES);
  ch.sender = c->ms->id;
  ch.recipient = op->rcpt->id;
  ch.index = m->index;
  ch.count = m->count;
  ch.expires_ms = op->expires_ms;
  ch.bytes = op->bytes;
  ch.len = op->len;
  ch.message_max = max;
  if ((rc = rp__spool_put_chunk(r->spool, &op->req, &ch, on_chunk_done)) != 0) {
    rp__op_free(op);
    if (rc == RP_EFSYNC) r->failed = 1;
    refuse(c, m, rc, "spool");
    return 0;
  }
  c->sends_inflight++;
  rp__conn_update_reading(c);
  return 0;
}

/* ---- chunk_get ---- */

static void send_data(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t index,
                      const uint8_t *data, size_t len, int code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK_DATA;
  memcpy(m.u.chunk_data.msg_id, msg_id, RP_MSG_ID_BYTES);
  m.u.chunk_data.index = index;
  if (code < 0) {
    m.u.chunk_data.code = (uint64_t)-code;
  } else {
    m.u.chunk_data.data.p = data;
    m.u.chunk_data.data.n = (uint32_t)len;
  }
  rp__conn_send(c, &m);
}

/* The first chunk_get is answered in full: off the queue. */
static void pop_get(rp__conn *c) {
  rp__cget *g = c->cg_head;
  c->cg_head = g->next;
  if (c->cg_head == NULL) c->cg_tail = NULL;
  c->cg_n--;
  free(g);
  rp__conn_update_reading(c);
}

static void on_chunk_read(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  rp__conn *c = op->conn;
  char hex[RP__ID_HEX_BYTES];
  rp__cget *g;

  if (c != NULL) c->cg_read = NULL;
  if (c == NULL || c->cg_head == NULL) {
    rp__op_free(op);
    return;
  }
  g = c->cg_head;
  rp__log_debug("chunk_get conn=%llu member=%s msg_id=%s from=%llu chunks=%zu result=%s",
                (unsigned long long)c->id, rp__conn_member(c), rp__id_hex(hex, g->msg_id),
                (unsigned long long)g->next_index, req->nentries,
                req->result == 0 ? "ok" : rp_err_name(req->result));
  if (req->result != 0) {
    /* ENOTFOUND or EEXPIRED as the protocol says; a read error is told the same way,
     * and the client may ask again. */
    send_data(c, g->msg_id, g->next_index, NULL, 0, req->result);
    if (c->phase == RP__CONN_OPEN) pop_get(c);
  } else {
    for (size_t i = 0; i < req->nentries && c->phase == RP__CONN_OPEN; i++) {
      const rp__spool_entry *e = &req->entries[i];
      send_data(c, g->msg_id, (uint64_t)e->seq, e->envelope, e->size, 0);
      r->stats.chunks_sent++;
      g->next_index = (uint64_t)e->seq + 1;
    }
    if (c->phase == RP__CONN_OPEN && (!req->more || g->next_index >= g->end)) pop_get(c);
  }
  rp__op_free(op);
  if (c->phase == RP__CONN_OPEN) rp__attach_kick(c);
}

void rp__attach_kick(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__cget *g = c->cg_head;
  size_t bytes;
  rp__op *op;
  int rc;

  if (g == NULL || c->cg_read != NULL || c->phase != RP__CONN_OPEN || c->ms == NULL ||
      c->wq_bytes > RP__CONN_WQ_HIGH)
    return;
  /* At least one chunk; more while they fit under the write queue's high-water mark. */
  bytes = RP__CONN_WQ_HIGH - c->wq_bytes;
  if (bytes == 0) bytes = 1;
  if ((op = rp__op_new(r, c, RP__OP_CHUNK_GET)) == NULL) {
    rc = RP_ENOMEM;
  } else if ((rc = rp__spool_chunk_get(r->spool, &op->req, c->ms->id, g->msg_id,
                                       g->next_index, g->end - g->next_index, bytes,
                                       (int64_t)rp__clock_wall_ms(), on_chunk_read)) != 0) {
    rp__op_free(op);
  } else {
    c->cg_read = op;
    return;
  }
  send_data(c, g->msg_id, g->next_index, NULL, 0, rc);
  if (c->phase == RP__CONN_OPEN) pop_get(c);
}

void rp__attach_get(rp__conn *c, const rp__t_chunk_get *m) {
  rp__cget *g = calloc(1, sizeof *g);
  if (g == NULL) {
    send_data(c, m->msg_id, m->from, NULL, 0, RP_ENOMEM);
    return;
  }
  memcpy(g->msg_id, m->msg_id, RP_MSG_ID_BYTES);
  g->next_index = m->from;
  g->end = m->from + m->count; /* from <= 2^63 - 1 and count <= 16: no overflow */
  if (c->cg_tail != NULL)
    c->cg_tail->next = g;
  else
    c->cg_head = g;
  c->cg_tail = g;
  c->cg_n++;
  rp__conn_update_reading(c);
  rp__attach_kick(c);
}

void rp__attach_conn_free(rp__conn *c) {
  rp__cget *g = c->cg_head, *next;
  for (; g != NULL; g = next) {
    next = g->next;
    free(g);
  }
  c->cg_head = c->cg_tail = NULL;
  c->cg_n = 0;
  c->cg_read = NULL;
}
