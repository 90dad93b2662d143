/* SPDX-License-Identifier: MIT */
/*
 * The spool's requests as the loop thread makes them (spool.h): checks, limits and
 * reservations, then into a lane's queue; and the queries that cost no I/O. The lanes
 * that run them, their completion, the checkpoint and open/close are in spool.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

int rp__spool_id_ok(const char *id) {
  size_t n = id != NULL ? strlen(id) : 0;
  return n >= 1 && n <= RP_MEMBER_ID_MAX;
}

void rp__spool_req_start(rp__spool *sp, rp__spool_req *req, rp__spool_req_type type,
                         rp__spool_cb cb) {
  void *data = req->data;
  memset(req, 0, sizeof *req);
  req->data = data;
  req->type = type;
  req->priv.sp = sp;
  req->priv.cb = cb;
}

void rp__spool_enqueue(rp__spool_lane *ln, rp__spool_req *req) {
  req->priv.next = NULL;
  if (ln->qtail != NULL)
    ln->qtail->priv.next = req;
  else
    ln->qhead = req;
  ln->qtail = req;
  rp__spool_lane_kick(ln);
}

/* Checks shared by the writer's requests: failed beats closing, because a caller that
 * sees RP_EFSYNC must stop accepting, whatever else is going on. */
int rp__spool_writer_gate(const rp__spool *sp) {
  if (sp->stats.failed != 0) return RP_EFSYNC;
  if (sp->closing) return RP_ECLOSED;
  return 0;
}

int rp__spool_reserve(rp__spool *sp, const char *recipient, const char *sender,
                      uint64_t len, int *over_out) {
  char key[RP__SPOOL_KEY_MAX];
  rp__spool_rcpt *rc, *pc;
  uint64_t rbytes, tbytes, pbytes;
  int over;

  /* Puts still in flight count against the limits, so a burst cannot overshoot them.
   * Over a limit, the writer still looks the msg_id up so that a resend is acked; such
   * a put reserves nothing and needs no entry in the totals. */
  *over_out = 0;
  rp__spool_pair_key(key, recipient, sender);
  rc = rp__spool_map_find(&sp->map, recipient);
  pc = rp__spool_map_find(&sp->pairs, key);
  rbytes = rc != NULL ? rc->bytes + rc->reserved : 0;
  pbytes = pc != NULL ? pc->bytes + pc->reserved : 0;
  tbytes = sp->stats.bytes + sp->stats.reserved_bytes;
  /* A full recipient or spool is full for everyone (ESPOOLFULL). Below that, one
   * sender (or one stolen key) must not fill a recipient's quota and so cut every other
   * sender off: its share is checked next (EQUOTA, PROTOCOL.md 5.5). */
  if (rbytes > sp->recipient_bytes_max || len > sp->recipient_bytes_max - rbytes ||
      tbytes > sp->total_bytes_max || len > sp->total_bytes_max - tbytes)
    over = CHECK_FULL;
  else if (pbytes > sp->sender_bytes_max || len > sp->sender_bytes_max - pbytes)
    over = CHECK_QUOTA;
  else
    over = 0;
  if (!over && rc == NULL && (rc = rp__spool_map_get(&sp->map, recipient)) == NULL)
    return RP_ENOMEM;
  if (!over && pc == NULL && (pc = rp__spool_map_get(&sp->pairs, key)) == NULL) {
    rp__spool_map_trim(&sp->map, recipient);
    return RP_ENOMEM;
  }
  if (!over) {
    rc->reserved += len;
    pc->reserved += len;
    sp->stats.reserved_bytes += len;
  }
  *over_out = over;
  return 0;
}

int rp__spool_put(rp__spool *sp, rp__spool_req *req, const rp__spool_envelope *env,
                  rp__spool_cb cb) {
  int r, over;

  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (env == NULL || !rp__spool_id_ok(env->sender) || !rp__spool_id_ok(env->recipient) ||
      env->bytes == NULL || env->len == 0)
    return RP_EINVAL;
  if (env->len > sp->envelope_max) return RP_ETOOBIG;
  if ((r = rp__spool_reserve(sp, env->recipient, env->sender, env->len, &over)) != 0)
    return r;

  rp__spool_req_start(sp, req, RP__SPOOL_PUT, cb);
  memcpy(req->priv.msg_id, env->msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.sender, env->sender, strlen(env->sender) + 1);
  memcpy(req->priv.recipient, env->recipient, strlen(env->recipient) + 1);
  req->priv.created_ms = env->created_ms;
  req->priv.expires_ms = env->expires_ms;
  req->priv.urgency = env->urgency;
  req->priv.bytes = env->bytes;
  req->priv.len = env->len;
  req->priv.count = env->chunks;
  req->priv.check_only = over;
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_put_within_limits(const rp__spool_req *req) {
  return (req->type == RP__SPOOL_PUT || req->type == RP__SPOOL_CHUNK_PUT) &&
         !req->priv.check_only;
}

int rp__spool_delete(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], rp__spool_cb cb) {
  int r;
  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (!rp__spool_id_ok(recipient) || msg_id == NULL) return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_DELETE, cb);
  memcpy(req->priv.msg_id, msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_refuse(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], int code, int64_t now_ms,
                     const rp__spool_notice *notice, rp__spool_cb cb) {
  int r;
  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (!rp__spool_id_ok(recipient) || msg_id == NULL || code <= 0 || notice == NULL ||
      notice->fn == NULL || !rp__spool_id_ok(notice->sender) || notice->ttl_ms <= 0)
    return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_DELETE, cb);
  memcpy(req->priv.msg_id, msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  req->priv.refused = code;
  req->priv.now_ms = now_ms;
  req->priv.notice_fn = notice->fn;
  req->priv.notice_arg = notice->arg;
  req->priv.notice_ttl_ms = notice->ttl_ms;
  memcpy(req->priv.sender, notice->sender, strlen(notice->sender) + 1);
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_purge(rp__spool *sp, rp__spool_req *req, const char *sender,
                    const uint8_t *ids, size_t n, rp__spool_cb cb) {
  uint8_t *copy;
  int r;
  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (!rp__spool_id_ok(sender) || ids == NULL || n == 0 || n > RP__PURGE_IDS_MAX)
    return RP_EINVAL;
  if ((copy = malloc(n * RP_MSG_ID_BYTES)) == NULL) return RP_ENOMEM;
  memcpy(copy, ids, n * RP_MSG_ID_BYTES);
  rp__spool_req_start(sp, req, RP__SPOOL_PURGE, cb);
  memcpy(req->priv.sender, sender, strlen(sender) + 1);
  req->priv.purge_ids = copy;
  req->priv.npurge = n;
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_expire(rp__spool *sp, rp__spool_req *req, int64_t now_ms, size_t max_rows,
                     rp__spool_cb cb) {
  return rp__spool_expire_notify(sp, req, now_ms, max_rows, NULL, cb);
}

int rp__spool_expire_notify(rp__spool *sp, rp__spool_req *req, int64_t now_ms,
                            size_t max_rows, const rp__spool_notice *notice,
                            rp__spool_cb cb) {
  int r;
  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (max_rows == 0 || max_rows > RP__SPOOL_EXPIRE_MAX) return RP_EINVAL;
  if (notice != NULL &&
      (notice->fn == NULL || !rp__spool_id_ok(notice->sender) || notice->ttl_ms <= 0))
    return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_EXPIRE, cb);
  req->priv.now_ms = now_ms;
  req->priv.max_count = max_rows;
  if (notice != NULL) {
    req->priv.notice_fn = notice->fn;
    req->priv.notice_arg = notice->arg;
    req->priv.notice_ttl_ms = notice->ttl_ms;
    memcpy(req->priv.sender, notice->sender, strlen(notice->sender) + 1);
  }
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

uint64_t rp__spool_roster_floor(const rp__spool *sp) {
  return sp->roster_floor;
}

int rp__spool_roster_floor_raise(rp__spool *sp, rp__spool_req *req, uint64_t version,
                                 rp__spool_cb cb) {
  int r;
  if ((r = rp__spool_writer_gate(sp)) != 0) return r;
  if (version == 0 || version > (uint64_t)INT64_MAX) return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_FLOOR, cb);
  req->priv.after_seq =
      (int64_t)version; /* the field a floor request has no other use for */
  rp__spool_enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_roster_floor_set(rp__spool *sp, uint64_t version, char *err, size_t errlen) {
  sqlite3 *db = sp->writer.db;
  int rc;

  if (errlen > 0) err[0] = '\0';
  if (sp->writer.busy || sp->writer.qhead != NULL || sp->stats.failed != 0)
    return RP_EFSYNC; /* not at start-up: a caller's bug, refused rather than raced */
  if (version <= sp->roster_floor) return 0;
  if (version > (uint64_t)INT64_MAX) return RP_EINVAL;
  rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = rp__spool_sql_floor(&sp->writer, version);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "roster floor: %s (SQLite code %d)", sqlite3_errmsg(db),
             sqlite3_extended_errcode(db));
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return RP_EFSYNC;
  }
  sp->roster_floor = version;
  return 0;
}

int rp__spool_fetch(rp__spool *sp, rp__spool_req *req, const char *recipient,
                    int64_t after_seq, size_t max_count, size_t max_bytes,
                    rp__spool_cb cb) {
  if (sp->closing) return RP_ECLOSED;
  if (!rp__spool_id_ok(recipient) || max_count == 0 || max_count > RP__SPOOL_FETCH_MAX ||
      max_bytes == 0)
    return RP_EINVAL;
  rp__spool_req_start(sp, req, RP__SPOOL_FETCH, cb);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  req->priv.after_seq = after_seq;
  req->priv.max_count = max_count;
  req->priv.max_bytes = max_bytes;
  rp__spool_enqueue(&sp->reader, req);
  return 0;
}

void rp__spool_req_cleanup(rp__spool_req *req) {
  if (req == NULL) return;
  for (size_t i = 0; req->entries != NULL && i < req->nentries; i++)
    free(req->entries[i].envelope);
  free(req->entries);
  req->entries = NULL;
  req->nentries = 0;
  free(req->priv.freed);
  req->priv.freed = NULL;
  req->priv.nfreed = 0;
  free(req->priv.purge_ids);
  req->priv.purge_ids = NULL;
  req->priv.npurge = 0;
}

/* ---- queries that cost nothing ---- */

int rp__spool_failed(const rp__spool *sp) {
  return sp->stats.failed;
}

const char *rp__spool_fail_reason(const rp__spool *sp) {
  return sp->fail_why;
}

void rp__spool_get_stats(const rp__spool *sp, rp__spool_stats *out) {
  *out = sp->stats;
}

void rp__spool_recipient_usage(const rp__spool *sp, const char *recipient,
                               uint64_t *envelopes, uint64_t *bytes) {
  const rp__spool_rcpt *rc =
      recipient != NULL ? rp__spool_map_find(&sp->map, recipient) : NULL;
  *envelopes = rc != NULL ? rc->envelopes : 0;
  *bytes = rc != NULL ? rc->bytes : 0;
}

int rp__spool_foreach_recipient(const rp__spool *sp,
                                int (*fn)(void *arg, const char *recipient,
                                          uint64_t envelopes, uint64_t bytes),
                                void *arg) {
  for (size_t i = 0; i < sp->map.nbuckets; i++) {
    for (const rp__spool_rcpt *e = sp->map.buckets[i]; e != NULL; e = e->next) {
      if (e->envelopes == 0) continue;
      int r = fn(arg, e->id, e->envelopes, e->bytes);
      if (r != 0) return r;
    }
  }
  return 0;
}

void *rp__spool_get_data(const rp__spool *sp) {
  return sp->data;
}

void rp__spool_set_data(rp__spool *sp, void *data) {
  sp->data = data;
}
