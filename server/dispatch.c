/* SPDX-License-Identifier: MIT */
/*
 * The transport messages a client sends (rp__conn_dispatch, after the connection's
 * channel decoded them and checked them against the state table), and SEND's path to the
 * spool: check the envelope's header, store it, ack after the commit.
 *
 * Order of the checks for a SEND, each refusal a NACK with its code:
 *   envelope container and header decode (RP_EMALFORMED, RP_ESIZE, ...);
 *   the spool failed (RP_EFSYNC) or the relay is stopping (RP_ECLOSED);
 *   the send window is full (RP_EBUSY);
 *   envelope larger than limits.envelope_max (RP_ETOOBIG);
 *   sender is not the authenticated member (RP_EWRONGSENDER);
 *   recipient unknown or not yet valid (RP_EUNKNOWNMEMBER), revoked (RP_EREVOKED), or
 *   not a member that receives envelopes (RP_EKIND);
 *   the route from the sender's kind to the recipient's is not one of the domain's
 *   (RP_EROUTE): municipalities write to the team, the team to municipalities;
 *   expired (RP_EEXPIRED), created too far in the future (RP_EINVAL), or expiring later
 *   than limits.expiry_max from now (RP_ETOOBIG);
 *   then the spool's answer after the commit: stored or duplicate (ACK), RP_ESPOOLFULL,
 *   RP_EQUOTA, RP_ETRUNC (the header's chunks are not all stored), RP_EFSYNC or RP_EIO
 *   (NACK).
 * CHUNK and CHUNK_GET go to attach.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "envelope_hdr.h"
#include "hex.h"
#include "log.h"
#include "route.h"
#include "rejsepost_errors.h"

static void send_nack(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], int code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_NACK;
  memcpy(m.u.nack.msg_id, msg_id, RP_MSG_ID_BYTES);
  m.u.nack.code = (uint64_t)-code;
  m.u.nack.detail = rp__str_c(rp_err_name(code));
  rp__conn_send(c, &m);
}

static void refuse(rp__conn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], int code,
                   const char *where) {
  char hex[RP__ID_HEX_BYTES], q[96];
  rp__stats_reject(&c->relay->stats, code);
  rp__log_info("send_refused conn=%llu member=%s msg_id=%s code=%s where=%s",
               (unsigned long long)c->id, rp__conn_member(c), rp__id_hex(hex, msg_id),
               rp_err_name(code), rp__log_quote(q, sizeof q, where));
  send_nack(c, msg_id, code);
}

static void on_put_done(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  rp__conn *c = op->conn;
  char hex[RP__ID_HEX_BYTES];
  int res = req->result;
  rp__tmsg m;

  rp__deliver_put_done(r, op);
  if (res == 0) {
    r->stats.envelopes_spooled++;
  } else if (res == RP_EDUPLICATE) {
    r->stats.envelopes_duplicate++;
  } else {
    rp__stats_reject(&r->stats, res);
  }
  rp__log_write(res == 0 || res == RP_EDUPLICATE ? RP__LOG_DEBUG : RP__LOG_WARN,
                "send_done conn=%llu msg_id=%s recipient=%s result=%s forwarded=%d",
                (unsigned long long)(c != NULL ? c->id : 0), rp__id_hex(hex, op->msg_id),
                op->rcpt->id, res == 0 ? "stored" : rp_err_name(res), op->forwarded);
  if (c != NULL) {
    c->sends_inflight--;
    if (res == 0 || res == RP_EDUPLICATE) {
      memset(&m, 0, sizeof m);
      m.type = RP__T_ACK;
      memcpy(m.u.ack.msg_id, op->msg_id, RP_MSG_ID_BYTES);
      m.u.ack.status = res == 0 ? RP__ACK_STORED : RP__ACK_DUPLICATE;
      rp__conn_send(c, &m);
    } else {
      send_nack(c, op->msg_id, res);
    }
    rp__conn_send_answered(c);
  }
  rp__op_free(op);
}

int rp__conn_check_recipient(rp__relay *r, rp__str recipient, char id[RP_MEMBER_ID_MAX + 1],
                             int *kind) {
  const rp__member *m;
  int rc;

  memcpy(id, recipient.p, recipient.n);
  id[recipient.n] = '\0';
  m = rp__roster_find_id(r->roster, id);
  if ((rc = rp__roster_member_active(m, rp__clock_wall_ms())) != 0) return rc;
  if (m->kind != RP_MEMBER_MUNICIPALITY && m->kind != RP_MEMBER_TEAM) return RP_EKIND;
  *kind = m->kind;
  return 0;
}

static int on_send(rp__conn *c, const rp__bin *env) {
  rp__relay *r = c->relay;
  uint8_t msg_id[RP_MSG_ID_BYTES] = {0};
  char rcpt[RP_MEMBER_ID_MAX + 1];
  rp__spool_envelope e;
  const char *where = NULL;
  uint64_t now = rp__clock_wall_ms();
  int rcpt_kind = 0;
  rp__envcont cont;
  rp__envhdr h;
  rp__op *op;
  int rc;

  if ((rc = rp__envhdr_container_parse(env->p, env->n, &cont, &h, &where)) != 0) {
    /* Name the envelope in the NACK if at least its header is readable. */
    if (rp__envhdr_container_decode(env->p, env->n, &cont, NULL) == 0 &&
        rp__envhdr_decode(cont.header.p, cont.header.n, &h, NULL) == 0)
      memcpy(msg_id, h.msg_id, RP_MSG_ID_BYTES);
    refuse(c, msg_id, rc, where);
    return 0;
  }
  memcpy(msg_id, h.msg_id, RP_MSG_ID_BYTES);
  if (r->failed || rp__spool_failed(r->spool) != 0)
    rc = RP_EFSYNC, where = "spool";
  else if (r->stopping)
    rc = RP_ECLOSED, where = "stopping";
  else if (c->sends_inflight >= r->cfg.window)
    rc = RP_EBUSY, where = "window";
  else if (env->n > r->cfg.envelope_max)
    rc = RP_ETOOBIG, where = "envelope";
  else if (!rp__str_eq(h.sender, c->ms->id))
    rc = RP_EWRONGSENDER, where = "sender";
  else if ((rc = rp__conn_check_recipient(r, h.recipient, rcpt, &rcpt_kind)) != 0)
    where = "recipient";
  /* The relay sees member kinds only, not the payload: it keeps the domain's two
   * routes (PROTOCOL.md 5.5 step 7); the recipient checks again with the payload. */
  else if ((rc = rp__route_members(c->kind, rcpt_kind)) != 0)
    where = "route";
  else if ((rc = rp__envhdr_check_time(&h, now)) != 0)
    where = "created";
  else if (h.expires > now + r->cfg.expiry_max_ms + RP_CLOCK_SKEW_MS)
    rc = RP_ETOOBIG, where = "expires";
  if (rc != 0) {
    if (rc == RP_EEXPIRED) where = "expires";
    refuse(c, msg_id, rc, where);
    return 0;
  }

  if ((op = rp__op_new(r, c, RP__OP_SEND)) == NULL ||
      (op->bytes = malloc(env->n)) == NULL ||
      (op->rcpt = rp__mstate_get(r, rcpt, 1)) == NULL) {
    rp__op_free(op);
    refuse(c, msg_id, RP_ENOMEM, "memory");
    return 0;
  }
  rp__mstate_ref(op->rcpt);
  memcpy(op->bytes, env->p, env->n);
  op->len = env->n;
  memcpy(op->msg_id, msg_id, RP_MSG_ID_BYTES);
  /* The relay keeps an envelope until its own expiry, but never past expiry_max. */
  op->expires_ms =
      (int64_t)(h.expires < now + r->cfg.expiry_max_ms ? h.expires
                                                       : now + r->cfg.expiry_max_ms);
  memset(&e, 0, sizeof e);
  memcpy(e.msg_id, msg_id, RP_MSG_ID_BYTES);
  e.sender = c->ms->id;
  e.recipient = op->rcpt->id;
  e.created_ms = (int64_t)h.created;
  e.expires_ms = op->expires_ms;
  e.urgency = h.urgency;
  e.bytes = op->bytes;
  e.len = op->len;
  e.chunks = h.chunks;
  if ((rc = rp__spool_put(r->spool, &op->req, &e, on_put_done)) != 0) {
    rp__op_free(op);
    if (rc == RP_EFSYNC) r->failed = 1;
    refuse(c, msg_id, rc, "spool");
    return 0;
  }
  c->sends_inflight++;
  rp__conn_update_reading(c);
  /* The spool reserves the bytes of a put that is within its limits at once; one that
   * is over a limit reserves nothing and will be refused. Only a put that will very
   * likely be stored is forwarded before its commit. */
  /* Nor is one with attachment chunks: its commit may still find chunks missing
   * (RP_ETRUNC), and a recipient must never see an envelope whose chunks it cannot
   * fetch. */
  if (rp__spool_put_within_limits(&op->req) && h.chunks == 0)
    rp__deliver_forward(r, op);
  else
    op->rcpt->puts_unfwd++;
  return 0;
}

static void on_roster_get(rp__conn *c, uint64_t have) {
  rp__relay *r = c->relay;
  const uint8_t *doc = NULL;
  size_t len = 0;
  rp__tmsg m;

  memset(&m, 0, sizeof m);
  m.type = RP__T_ROSTER;
  m.u.roster.version = rp__roster_version(r->roster);
  if (have < m.u.roster.version) {
    if (rp__roster_document(r->roster, &doc, &len) != 0 || len > RP__TMSG_ROSTER_MAX) {
      rp__log_error("roster_unsendable conn=%llu len=%zu", (unsigned long long)c->id, len);
      rp__conn_bye(c, RP__BYE_ERROR, RP_ETOOBIG);
      return;
    }
    m.u.roster.roster.p = doc;
    m.u.roster.roster.n = (uint32_t)len;
  }
  rp__conn_send(c, &m);
}

int rp__conn_dispatch(rp__conn *c, const rp__tmsg *msg) {
  rp__relay *r = c->relay;
  rp__tmsg m = *msg;
  int rc;

  if (c->phase != RP__CONN_OPEN) return RP_ECLOSED;
  c->last_rx = uv_now(r->loop);
  c->pinged = 0;
  switch (m.type) {
  case RP__T_SEND:
    return on_send(c, &m.u.send.envelope);
  case RP__T_DELIVERED:
    if ((rc = rp__deliver_delivered(c, m.u.delivered.msg_id, m.u.delivered.seq,
                                    m.u.delivered.refused)) != 0) {
      rp__stats_reject(&r->stats, rc);
      rp__log_info("msg_refused conn=%llu member=%s code=%s where=delivered",
                   (unsigned long long)c->id, rp__conn_member(c), rp_err_name(rc));
      rp__conn_bye(c, RP__BYE_ERROR, rc);
    }
    return rc;
  case RP__T_ROSTER_GET:
    on_roster_get(c, m.u.roster_get.have);
    return 0;
  case RP__T_CHUNK:
    return rp__attach_chunk(c, &m.u.chunk);
  case RP__T_CHUNK_GET:
    rp__attach_get(c, &m.u.chunk_get);
    return 0;
  case RP__T_PURGE:
    rp__purge(c, &m.u.purge);
    return 0;
  case RP__T_RECEIVE:
    rp__deliver_start(c, m.u.receive.window);
    return 0;
  case RP__T_PING:
    m.type = RP__T_PONG;
    m.u.pong.nonce = m.u.ping.nonce;
    rp__conn_send(c, &m);
    return 0;
  case RP__T_PONG:
    return 0;
  case RP__T_BYE:
    rp__conn_peer_bye(c);
    return 0;
  default:
    /* The state table allows no other type from a client. */
    rp__conn_bye(c, RP__BYE_ERROR, RP_ESTATE);
    return RP_ESTATE;
  }
}
