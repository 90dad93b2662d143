/* SPDX-License-Identifier: MIT */
/*
 * A sender's purge (docs/PROTOCOL.md 5.7): the client names msg_ids of envelopes it sent
 * and that it wants gone (the consent for their thread was withdrawn, or its host erased
 * the thread); the relay deletes those it still holds from that sender, with their
 * chunks, and answers `purged` with how many went, after the commit.
 *
 * Order of the checks, each refusal a `purged` with its code and nothing deleted:
 *   the message decodes: 1..RP__PURGE_IDS_MAX whole msg_ids (else BYE error, as for
 *   every message that does not decode);
 *   the spool failed (RP_EFSYNC) or the relay is stopping (RP_ECLOSED);
 *   a purge of this connection is still in the spool (RP_EBUSY);
 *   then the spool's answer after the commit: `purged` with the count, or RP_EFSYNC,
 *   RP_EIO, RP_ENOMEM.
 *
 * Decisions:
 * - The relay cannot see threads (the header has none, PROTOCOL.md 6.2), so the client
 *   names msg_ids, and the relay checks the one thing it can: that the envelope's sender
 *   is the authenticated member. Another member's envelope is passed over without a
 *   word, exactly like an id the relay does not hold, so a purge tells nobody whether an
 *   id exists at another sender.
 * - No expiry notice: the sender asked, and it is the one a notice would go to.
 * - One purge per connection at a time: the ids are copied into the spool request, so
 *   the bound on memory is one list of RP__PURGE_IDS_MAX ids per connection.
 * - An envelope already handed to its recipient's connection (DELIVER on the wire) may
 *   still arrive: its `delivered` then finds nothing to delete, as after an expiry.
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "op.h"
#include "rejsepost_errors.h"

static void send_purged(rp__conn *c, uint64_t purged, int code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PURGED;
  m.u.purged.purged = purged;
  m.u.purged.code = code < 0 ? (uint64_t)-code : 0;
  rp__conn_send(c, &m);
}

static void refuse(rp__conn *c, int code, const char *where) {
  rp__stats_reject(&c->relay->stats, code);
  rp__log_info("purge_refused conn=%llu member=%s code=%s where=%s",
               (unsigned long long)c->id, rp__conn_member(c), rp_err_name(code), where);
  send_purged(c, 0, code);
}

static void on_purge_done(rp__spool_req *req) {
  rp__op *op = req->data;
  rp__relay *r = op->relay;
  rp__conn *c = op->conn;
  uint64_t envelopes = 0;
  int res = req->result;

  if (res == 0) {
    for (size_t i = 0; i < req->nentries; i++)
      if (req->entries[i].seq != 0) envelopes++;
    r->stats.envelopes_purged += envelopes;
  } else {
    rp__stats_reject(&r->stats, res);
  }
  rp__log_write(res == 0 ? RP__LOG_INFO : RP__LOG_WARN,
                "purge_done conn=%llu member=%s asked=%zu envelopes=%llu purged=%zu "
                "chunks=%llu result=%s",
                (unsigned long long)(c != NULL ? c->id : 0), req->priv.sender,
                req->priv.npurge, (unsigned long long)envelopes,
                res == 0 ? req->nentries : 0, (unsigned long long)req->chunks,
                res == 0 ? "done" : rp_err_name(res));
  if (c != NULL) {
    c->purging = 0;
    send_purged(c, res == 0 ? req->nentries : 0, res);
  }
  rp__op_free(op);
}

void rp__purge(rp__conn *c, const rp__t_purge *m) {
  rp__relay *r = c->relay;
  size_t n = m->ids.n / RP_MSG_ID_BYTES;
  rp__op *op;
  int rc;

  if (r->failed || rp__spool_failed(r->spool) != 0) {
    refuse(c, RP_EFSYNC, "spool");
    return;
  }
  if (r->stopping) {
    refuse(c, RP_ECLOSED, "stopping");
    return;
  }
  if (c->purging) {
    refuse(c, RP_EBUSY, "purging");
    return;
  }
  if ((op = rp__op_new(r, c, RP__OP_PURGE)) == NULL) {
    refuse(c, RP_ENOMEM, "memory");
    return;
  }
  if ((rc = rp__spool_purge(r->spool, &op->req, c->ms->id, m->ids.p, n, on_purge_done)) !=
      0) {
    rp__op_free(op);
    if (rc == RP_EFSYNC) r->failed = 1;
    refuse(c, rc, "spool");
    return;
  }
  c->purging = 1;
}
