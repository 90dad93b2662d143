/* SPDX-License-Identifier: MIT */
/*
 * Receiving: a DELIVER is verified and opened, checked against its header and the
 * routes (PROTOCOL.md 6.5, 6.6), stored in the inbox (with the automatic "delivered"
 * receipt, in one transaction), and only then may the loop answer DELIVERED. What fails
 * a check is refused: answered DELIVERED with the header's msg_id and the code, logged,
 * never stored; an item is never left unanswered for the sender's faults, or everything
 * behind it would wait. Receipts and answers update the status of what we sent. Plus the
 * inbox calls of the public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "attach.h"
#include "chunk.h"
#include "client.h"
#include "clock.h"
#include "envelope.h"
#include "erase.h"
#include "export.h"
#include "hex.h"
#include "host_log.h"
#include "loop.h"
#include "msg_field.h"
#include "received_int.h"
#include "recv.h"
#include "route.h"
#include "send.h"

/* Tells the host (its status callback, if the status moved) and the waiters about a
 * status already in the store. */
static void status_told(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int status,
                        int error, int changed) {
  char hex[RP_ID_STRLEN];
  /* The callback first, then the waiters, so that a waiter woken by this change finds
   * its callback done (a flush that finds nothing queued does not wait, though). */
  if (changed && c->cfg.on_status != NULL) {
    sodium_bin2hex(hex, sizeof hex, id, RP_MSG_ID_BYTES);
    c->cfg.on_status(c->cfg.status_data, c, hex, status, error);
  }
  pthread_mutex_lock(&c->mu);
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

void rp__client_status(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int status,
                       int error) {
  int changed = 0;
  if (rp__store_out_status(c->st, id, status, error, rp__clock_wall_ms(), &changed) == 0)
    status_told(c, id, status, error, changed);
}

/* What an arriving payload does to one of ours: an answer moves its request to answered;
 * the inbox's automatic out-of-hours reply is no advisor's answer (PROTOCOL.md 7.4). */
static void answer_effect(const rp__payload *p, rp__store_effect *e) {
  const uint8_t *ref = rp__payload_ref(p);
  memset(e, 0, sizeof *e);
  if (ref == NULL || !rp__payload_answers(p->kind)) return;
  memcpy(e->about, ref, RP_MSG_ID_BYTES);
  e->status = p->kind == RP__PL_REPLY && p->u.reply.automatic ? RP_STATUS_AUTO_REPLIED
                                                              : RP_STATUS_ANSWERED;
  e->at = rp__clock_wall_ms();
}

/* A receipt moves the status of the message it is about. "recalled" counts only from
 * the member we sent that message to: only its recipient can have hidden it. */
static void on_receipt(rp_client *c, const rp__pl_receipt *r, const char *sender) {
  int st = r->status == RP__RCPT_DELIVERED  ? RP_STATUS_DELIVERED
           : r->status == RP__RCPT_OPENED   ? RP_STATUS_OPENED
           : r->status == RP__RCPT_EXPIRED  ? RP_STATUS_EXPIRED
           : r->status == RP__RCPT_FAILED   ? RP_STATUS_FAILED
           : r->status == RP__RCPT_RECALLED ? RP_STATUS_RECALLED
                                            : 0;
  if (st == RP_STATUS_RECALLED) {
    rp__store_out o;
    int ours =
        rp__store_out_get(c->st, r->about, 0, &o) == 0 && strcmp(o.recipient, sender) == 0;
    rp__store_out_free(&o);
    if (!ours) return;
  }
  if (st != 0)
    rp__client_status(c, r->about, st, st == RP_STATUS_FAILED ? -(int)r->error : 0);
}

/* A receipt of ours with `status` about message `about` of thread `thread`, for
 * `sender`, as an outbox row. */
static int receipt_row(rp_client *c, const uint8_t about[RP_MSG_ID_BYTES],
                       const uint8_t thread[RP_THREAD_ID_BYTES], int status,
                       const char *sender, rp__store_out *row) {
  rp__payload p;
  const char *where;
  size_t off;
  rp__payload_init(&p, RP__PL_RECEIPT);
  memcpy(p.u.receipt.about, about, RP_MSG_ID_BYTES);
  p.u.receipt.status = status;
  p.u.receipt.at = rp__clock_wall_ms();
  return rp__send_prepare(c, &p, sender, thread, row, &where, &off);
}

/* The automatic "delivered" receipt for a stored message, as an outbox row. */
static int make_receipt(rp_client *c, const rp__payload *got, const char *sender,
                        rp__store_out *row) {
  return receipt_row(c, got->msg_id, got->thread_id, RP__RCPT_DELIVERED, sender, row);
}

/*
 * A recall (PROTOCOL.md 7.19) about a message we hold from the recall's own sender:
 * mark it recalled (never offered again) and send the receipt "recalled" back, in one
 * transaction with storing the recall (store_message), so that a host that sees the
 * recall sees the message marked. For a recall delivered again (stored before) the step
 * runs on its own, which the store makes idempotent: the receipt goes once. A recall
 * about a message we do not hold yet does its work when that message comes
 * (recalled_first); one about another member's message does nothing. The recall itself
 * is stored and offered like any message.
 */

/* The receipt "recalled" for the message a recall from `sender` is about, if we hold it
 * from that sender: 0 with *receipt set, else nonzero with *receipt zeroed. */
static int recall_receipt(rp_client *c, const uint8_t *about, const char *sender,
                          rp__store_out *receipt) {
  rp__store_in held;
  int rc;
  memset(receipt, 0, sizeof *receipt);
  if ((rc = rp__store_in_get_any(c->st, about, &held)) != 0) return rc;
  rc = strcmp(held.sender, sender) == 0
           ? receipt_row(c, about, held.thread_id, RP__RCPT_RECALLED, sender, receipt)
           : RP_EPERM;
  rp__store_in_free(&held);
  if (rc != 0) memset(receipt, 0, sizeof *receipt);
  return rc;
}

static void recall_logged(rp_client *c, const uint8_t *about, const char *sender, int rc,
                          int done) {
  char hex[RP_ID_STRLEN];
  sodium_bin2hex(hex, sizeof hex, about, RP_MSG_ID_BYTES);
  if (rc != 0)
    rp__hlog(c, RP_LOG_ERROR, "recall_not_stored msg_id=%s code=%s", hex, rp_err_name(rc));
  else if (done)
    rp__hlog(c, RP_LOG_INFO, "recalled msg_id=%s sender=%s", hex, sender);
}

/* The step alone, for a recall stored before. */
static void apply_recall(rp_client *c, const rp__payload *p, const char *sender) {
  rp__store_out receipt;
  int done = 0, rc;
  const uint8_t *about = p->u.recall.about;
  if (recall_receipt(c, about, sender, &receipt) != 0) return;
  rc = rp__store_in_recall(c->st, about, sender, rp__clock_wall_ms(), &receipt, &done);
  rp__store_out_free(&receipt);
  recall_logged(c, about, sender, rc, done);
}

/* A recall from `sender` about msg_id that came before the message (PROTOCOL.md 7.19:
 * a message with attachments goes out after its chunks, and a recall sent after it may
 * overtake it). The message is then stored recalled, in one transaction with the receipt
 * "recalled" instead of "delivered", has no effect on our statuses, and is never
 * offered. Sets in->recalled and the receipt to store (zeroed if it cannot be made). */
static int recalled_first(rp_client *c, const rp__payload *p, rp__store_in *in,
                          rp__store_out *receipt, rp__store_effect *effect) {
  int held = 0, rc;
  memset(receipt, 0, sizeof *receipt);
  if (p->kind == RP__PL_RECALL) return 0;
  if ((rc = rp__store_in_recall_held(c->st, p->msg_id, in->sender, RP__PL_RECALL, &held)) !=
          0 ||
      !held)
    return rc;
  in->recalled = 1;
  if (effect != NULL) memset(effect, 0, sizeof *effect);
  if (receipt_row(c, p->msg_id, p->thread_id, RP__RCPT_RECALLED, in->sender, receipt) != 0)
    memset(receipt, 0, sizeof *receipt);
  return 0;
}

static void offer(rp_client *c, const rp__store_in *row) {
  rp_received *r = NULL;
  if (row->recalled) return;
  if (c->cfg.on_recv == NULL || rp__received_from_row(c, row, &r) != 0) return;
  c->cfg.on_recv(c->cfg.recv_data, c, r);
  rp_received_free(r);
}

/* Stores a non-receipt message; a duplicate is acked again and not offered twice. */
static int store_message(rp_client *c, const rp__payload *p, const rp__opened *op,
                         const uint8_t *env, size_t len) {
  rp__store_in in;
  rp__store_out receipt;
  rp__store_effect effect;
  const uint8_t *ref = rp__payload_ref(p);
  int rc;
  memset(&in, 0, sizeof in);
  memcpy(in.msg_id, p->msg_id, RP_MSG_ID_BYTES);
  memcpy(in.thread_id, p->thread_id, RP_THREAD_ID_BYTES);
  if (ref != NULL) memcpy(in.ref_id, ref, RP_MSG_ID_BYTES);
  in.kind = (int)p->kind;
  snprintf(in.sender, sizeof in.sender, "%s", op->sender->pub.id);
  in.envelope = (uint8_t *)env;
  in.envelope_len = len;
  in.stored_at = rp__clock_wall_ms();
  /* Without a receipt (sender's key unusable) the message is still stored: losing it
   * would be worse than a missing receipt. */
  answer_effect(p, &effect);
  if ((rc = recalled_first(c, p, &in, &receipt, &effect)) != 0) return rc;
  if (!in.recalled && make_receipt(c, p, in.sender, &receipt) != 0)
    memset(&receipt, 0, sizeof receipt);
  if (p->kind == RP__PL_RECALL) {
    rp__store_out rr;
    rp__store_recall recall = {.about = p->u.recall.about};
    if (recall_receipt(c, recall.about, in.sender, &rr) == 0) recall.receipt = &rr;
    rc = rp__store_in_add_recall(c->st, &in, receipt.envelope != NULL ? &receipt : NULL,
                                 &recall);
    rp__store_out_free(&rr);
    if (rc == 0) recall_logged(c, recall.about, in.sender, 0, recall.done);
  } else {
    rc = rp__store_in_add(c->st, &in, receipt.envelope != NULL ? &receipt : NULL, &effect);
  }
  rp__store_out_free(&receipt);
  if (rc == RP_EEXIST) {
    /* Seen before: ack again, offer nothing; a recall's step may not have run. */
    if (p->kind == RP__PL_RECALL) apply_recall(c, p, in.sender);
    return 0;
  }
  if (rc != 0) return rc;
  if (effect.status != 0) status_told(c, effect.about, effect.status, 0, effect.changed);
  rp__loop_wake(c); /* the receipts wait in the outbox */
  offer(c, &in);
  return 0;
}

/* docs/PROTOCOL.md 6.2: the header's chunks must be the plan of the payload's
 * descriptors (a kind without attachments plans 0). Our own caps apply to what we
 * receive as to what we send: a recipient refuses (RP_ETOOBIG) what it would not store. */
static int chunks_check(rp_client *c, rp__payload *p, const rp__envhdr *h,
                        const char **where) {
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX], plan = 0;
  rp__attachment *atts;
  uint32_t *count;
  int rc;
  if (rp__attach_list(p, &atts, &count) == 0 && *count > 0) {
    for (uint32_t i = 0; i < *count; i++)
      sizes[i] = atts[i].size;
    if ((rc = rp__chunk_plan(sizes, *count, c->cfg.att_max, c->cfg.msg_att_max, &plan)) !=
        0) {
      *where = "attachments";
      return rc;
    }
  }
  if (plan != h->chunks) {
    *where = "chunks";
    return RP_EINVAL;
  }
  return 0;
}

/* Stores a message with attachments as incomplete (download.h). *complete: it was
 * stored whole before (delivered again), answer at once. */
static int store_incomplete(rp_client *c, const rp__payload *p, const rp__opened *op,
                            const uint8_t *env, size_t len, bool *complete) {
  rp__store_in in, old;
  rp__store_out receipt;
  const uint8_t *ref = rp__payload_ref(p);
  int rc;
  *complete = false;
  memset(&in, 0, sizeof in);
  memcpy(in.msg_id, p->msg_id, RP_MSG_ID_BYTES);
  memcpy(in.thread_id, p->thread_id, RP_THREAD_ID_BYTES);
  if (ref != NULL) memcpy(in.ref_id, ref, RP_MSG_ID_BYTES);
  in.kind = (int)p->kind;
  snprintf(in.sender, sizeof in.sender, "%s", op->sender->pub.id);
  in.envelope = (uint8_t *)env;
  in.envelope_len = len;
  in.stored_at = rp__clock_wall_ms();
  in.chunks = op->hdr.chunks;
  in.complete = 0;
  in.expires = op->hdr.expires;
  if ((rc = recalled_first(c, p, &in, &receipt, NULL)) != 0) return rc;
  rc = rp__store_in_add(c->st, &in, receipt.envelope != NULL ? &receipt : NULL, NULL);
  rp__store_out_free(&receipt);
  if (rc != RP_EEXIST) return rc;
  if ((rc = rp__store_in_get_any(c->st, p->msg_id, &old)) != 0) return rc;
  *complete = old.complete != 0;
  rp__store_in_free(&old);
  return 0;
}

int rp__recv_complete(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES]) {
  rp__store_in row;
  rp__store_out receipt;
  rp__store_effect effect;
  rp_received *r = NULL;
  int rc;
  if ((rc = rp__store_in_get_any(c->st, msg_id, &row)) != 0) return rc;
  if ((rc = rp__received_from_row(c, &row, &r)) != 0) {
    rp__store_in_free(&row);
    return rc;
  }
  /* A message recalled while its attachments were coming has had its receipt
   * ("recalled"): no "delivered" after it, and no effect on our statuses. */
  if (row.recalled || make_receipt(c, &r->p, row.sender, &receipt) != 0)
    memset(&receipt, 0, sizeof receipt);
  answer_effect(&r->p, &effect);
  if (row.recalled) memset(&effect, 0, sizeof effect);
  rc = rp__store_in_complete(c->st, msg_id, receipt.envelope != NULL ? &receipt : NULL,
                             &effect);
  rp__store_out_free(&receipt);
  if (rc == 0) {
    if (effect.status != 0) status_told(c, effect.about, effect.status, 0, effect.changed);
    rp__loop_wake(c);
    row.complete = 1;
    offer(c, &row);
  }
  rp_received_free(r);
  rp__store_in_free(&row);
  return rc;
}

/* Errors of ours, not of the envelope: it stays at the relay and comes again later. */
static bool local_error(int rc) {
  return rc == RP_ENOMEM || rc == RP_EINTERNAL || rc == RP_EIO || rc == RP_EFSYNC;
}

/* Takes an opened, checked payload: a receipt moves a status, anything else is stored.
 * A failure here is ours (the store), never the sender's. */
static int take(rp_client *c, const rp__payload *p, const rp__opened *op,
                const uint8_t *env, size_t len) {
  if (p->kind == RP__PL_RECEIPT) {
    on_receipt(c, &p->u.receipt, op->sender->pub.id);
    return 0;
  }
  return store_message(c, p, op, env, len);
}

rp__recv_action rp__recv_deliver(rp_client *c, const uint8_t *env, size_t len,
                                 bool may_defer, uint8_t msg_id[RP_MSG_ID_BYTES],
                                 int *code) {
  char hex[RP_ID_STRLEN], who[RP_MEMBER_ID_MAX + 1];
  const char *where = NULL;
  rp__envcont cont;
  rp__envhdr hdr;
  rp__opened op;
  rp__payload p;
  uint64_t held;
  int rc;

  *code = 0;
  memset(msg_id, 0, RP_MSG_ID_BYTES);
  /* The header is readable without our key, so whatever fails below, the answer names
   * the header's msg_id. Without a header the relay forwarded what it should never have
   * accepted, and there is no msg_id to answer with. */
  if ((rc = rp__envhdr_container_parse(env, len, &cont, &hdr, &where)) != 0) {
    rp__hlog(c, RP_LOG_ERROR, "delivery_unreadable code=%s where=%s", rp_err_name(rc),
             where != NULL ? where : "-");
    *code = rc;
    return RP__RECV_BROKEN;
  }
  memcpy(msg_id, hdr.msg_id, RP_MSG_ID_BYTES);
  sodium_bin2hex(hex, sizeof hex, hdr.msg_id, RP_MSG_ID_BYTES);
  rp__hlog_id(who, (const uint8_t *)hdr.sender.p, hdr.sender.n);
  where = NULL;
  pthread_mutex_lock(&c->mu);
  rc = rp__envelope_open(c->me, c->roster, env, len, rp__clock_wall_ms(), &op);
  held = rp__roster_version(c->roster);
  pthread_mutex_unlock(&c->mu);
  if (rc == RP_EUNKNOWNMEMBER || rc == RP_EWRONGSENDER) {
    /* Perhaps a member, or a key, that only a newer roster knows (PROTOCOL.md 6.5). */
    if (may_defer && c->relay_roster > held) {
      rp__hlog(c, RP_LOG_INFO,
               "delivery_deferred msg_id=%s sender=%s code=%s roster=%llu "
               "relay_roster=%llu",
               hex, who, rp_err_name(rc), (unsigned long long)held,
               (unsigned long long)c->relay_roster);
      return RP__RECV_DEFER;
    }
  } else if (rc == 0) {
    /* The sender is authentic now: what it sealed must also be what it may send, and
     * agree with the header it sealed it under. */
    bool whole = true;
    if ((rc = rp__payload_decode(op.pt, op.pt_len, &p, &where)) == 0 &&
        (rc = rp__route_check(&p, &op.hdr, op.sender, c->my_kind, &where)) == 0 &&
        (rc = chunks_check(c, &p, &op.hdr, &where)) == 0 && op.hdr.chunks > 0 &&
        (rc = store_incomplete(c, &p, &op, env, len, &whole)) == 0 && !whole) {
      rp__opened_free(&op);
      return RP__RECV_DOWNLOAD; /* never offered before its chunks are all in */
    }
    if (rc == 0 && op.hdr.chunks == 0 && (rc = take(c, &p, &op, env, len)) != 0) {
      rp__hlog(c, RP_LOG_ERROR, "delivery_not_stored msg_id=%s sender=%s code=%s", hex, who,
               rp_err_name(rc));
      *code = rc;
      rp__opened_free(&op);
      return RP__RECV_RETRY;
    }
    rp__opened_free(&op);
  }
  if (rc != 0 && local_error(rc)) {
    *code = rc;
    return RP__RECV_RETRY;
  }
  if (rc != 0) {
    rp__hlog(c, RP_LOG_WARN, "delivery_refused msg_id=%s sender=%s code=%s where=%s", hex,
             who, rp_err_name(rc), where != NULL ? where : "-");
    *code = rc;
  }
  return RP__RECV_ANSWER;
}

void rp__recv_offer_pending(rp_client *c) {
  rp__store_in row;
  int64_t after = 0;
  if (c->cfg.on_recv == NULL) return;
  while (rp__store_in_next(c->st, after, &row) == 0) {
    after = row.rowid;
    offer(c, &row);
    rp__store_in_free(&row);
  }
}

RP_PUBLIC int rp_inbox_next(rp_client *c, rp_received **out) {
  rp__store_in row;
  int64_t after;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (c == NULL) return RP_EINVAL;
  pthread_mutex_lock(&c->mu);
  after = c->inbox_cursor;
  pthread_mutex_unlock(&c->mu);
  for (;;) {
    if ((rc = rp__store_in_next(c->st, after, &row)) != 0) return rc;
    after = row.rowid;
    rc = rp__received_from_row(c, &row, out);
    rp__store_in_free(&row);
    pthread_mutex_lock(&c->mu);
    if (c->inbox_cursor < after) c->inbox_cursor = after;
    pthread_mutex_unlock(&c->mu);
    if (rc == 0) return 0;
    /* A stored message that cannot be opened any more (its sender was revoked since):
     * skip it rather than block the inbox behind it. */
  }
}

RP_PUBLIC int rp_inbox_get(rp_client *c, const char *msg_id, rp_received **out) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__store_in row;
  int rc;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (c == NULL || rp__unhex(id, sizeof id, msg_id) != 0) return RP_EINVAL;
  if ((rc = rp__store_in_get(c->st, id, &row)) != 0) return rc;
  rc = rp__received_from_row(c, &row, out);
  rp__store_in_free(&row);
  return rc;
}

RP_PUBLIC int rp_inbox_mark_handled(rp_client *c, const char *msg_id) {
  uint8_t id[RP_MSG_ID_BYTES];
  int rc;
  if (c == NULL || rp__unhex(id, sizeof id, msg_id) != 0) return RP_EINVAL;
  if ((rc = rp__store_in_handled(c->st, id, rp__clock_wall_ms())) == 0)
    rp__erase_on_handled(c, id);
  return rc;
}

RP_PUBLIC int rp_inbox_pending(rp_client *c, uint64_t *count) {
  if (count != NULL) *count = 0;
  if (c == NULL || count == NULL) return RP_EINVAL;
  return rp__store_in_pending(c->st, count);
}
