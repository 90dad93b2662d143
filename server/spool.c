/* SPDX-License-Identifier: MIT */
/*
 * The spool's loop-thread side: requests, queues, group commit, running totals, the
 * failed state and close. See spool.h for the contract and spool_sql.c for the SQL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

/* Fetches handed to the reader in one pool job. */
#define READ_BATCH_MAX 64u

static void lane_kick(rp__spool_lane *ln);

static int id_ok(const char *id) {
  size_t n = id != NULL ? strlen(id) : 0;
  return n >= 1 && n <= RP_MEMBER_ID_MAX;
}

static void req_start(rp__spool *sp, rp__spool_req *req, rp__spool_req_type type,
                      rp__spool_cb cb) {
  void *data = req->data;
  memset(req, 0, sizeof *req);
  req->data = data;
  req->type = type;
  req->priv.sp = sp;
  req->priv.cb = cb;
}

static void enqueue(rp__spool_lane *ln, rp__spool_req *req) {
  req->priv.next = NULL;
  if (ln->qtail != NULL)
    ln->qtail->priv.next = req;
  else
    ln->qhead = req;
  ln->qtail = req;
  lane_kick(ln);
}

/* Checks shared by the writer's requests: failed beats closing, because a caller that
 * sees RP_EFSYNC must stop accepting, whatever else is going on. */
static int writer_gate(const rp__spool *sp) {
  if (sp->stats.failed != 0) return RP_EFSYNC;
  if (sp->closing) return RP_ECLOSED;
  return 0;
}

int rp__spool_put(rp__spool *sp, rp__spool_req *req, const rp__spool_envelope *env,
                  rp__spool_cb cb) {
  char key[RP__SPOOL_KEY_MAX];
  rp__spool_rcpt *rc, *pc;
  uint64_t len, rbytes, tbytes, pbytes;
  int r, over;

  if ((r = writer_gate(sp)) != 0) return r;
  if (env == NULL || !id_ok(env->sender) || !id_ok(env->recipient) || env->bytes == NULL ||
      env->len == 0)
    return RP_EINVAL;
  if (env->len > sp->envelope_max) return RP_ETOOBIG;

  /* Puts still in flight count against the limits, so a burst cannot overshoot them.
   * Over a limit, the writer still looks the msg_id up so that a resend is acked; such
   * a put reserves nothing and needs no entry in the totals. */
  len = env->len;
  rp__spool_pair_key(key, env->recipient, env->sender);
  rc = rp__spool_map_find(&sp->map, env->recipient);
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
  if (!over && rc == NULL && (rc = rp__spool_map_get(&sp->map, env->recipient)) == NULL)
    return RP_ENOMEM;
  if (!over && pc == NULL && (pc = rp__spool_map_get(&sp->pairs, key)) == NULL) {
    rp__spool_map_trim(&sp->map, env->recipient);
    return RP_ENOMEM;
  }

  req_start(sp, req, RP__SPOOL_PUT, cb);
  memcpy(req->priv.msg_id, env->msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.sender, env->sender, strlen(env->sender) + 1);
  memcpy(req->priv.recipient, env->recipient, strlen(env->recipient) + 1);
  req->priv.created_ms = env->created_ms;
  req->priv.expires_ms = env->expires_ms;
  req->priv.urgency = env->urgency;
  req->priv.bytes = env->bytes;
  req->priv.len = env->len;
  req->priv.check_only = over;
  if (!over) {
    rc->reserved += len;
    pc->reserved += len;
    sp->stats.reserved_bytes += len;
  }
  enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_put_within_limits(const rp__spool_req *req) {
  return req->type == RP__SPOOL_PUT && !req->priv.check_only;
}

int rp__spool_delete(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], rp__spool_cb cb) {
  int r;
  if ((r = writer_gate(sp)) != 0) return r;
  if (!id_ok(recipient) || msg_id == NULL) return RP_EINVAL;
  req_start(sp, req, RP__SPOOL_DELETE, cb);
  memcpy(req->priv.msg_id, msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  enqueue(&sp->writer, req);
  return 0;
}

int rp__spool_refuse(rp__spool *sp, rp__spool_req *req, const char *recipient,
                     const uint8_t msg_id[RP_MSG_ID_BYTES], int code, int64_t now_ms,
                     const rp__spool_notice *notice, rp__spool_cb cb) {
  int r;
  if ((r = writer_gate(sp)) != 0) return r;
  if (!id_ok(recipient) || msg_id == NULL || code <= 0 || notice == NULL ||
      notice->fn == NULL || !id_ok(notice->sender) || notice->ttl_ms <= 0)
    return RP_EINVAL;
  req_start(sp, req, RP__SPOOL_DELETE, cb);
  memcpy(req->priv.msg_id, msg_id, RP_MSG_ID_BYTES);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  req->priv.refused = code;
  req->priv.now_ms = now_ms;
  req->priv.notice_fn = notice->fn;
  req->priv.notice_arg = notice->arg;
  req->priv.notice_ttl_ms = notice->ttl_ms;
  memcpy(req->priv.sender, notice->sender, strlen(notice->sender) + 1);
  enqueue(&sp->writer, req);
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
  if ((r = writer_gate(sp)) != 0) return r;
  if (max_rows == 0 || max_rows > RP__SPOOL_EXPIRE_MAX) return RP_EINVAL;
  if (notice != NULL && (notice->fn == NULL || !id_ok(notice->sender) || notice->ttl_ms <= 0))
    return RP_EINVAL;
  req_start(sp, req, RP__SPOOL_EXPIRE, cb);
  req->priv.now_ms = now_ms;
  req->priv.max_count = max_rows;
  if (notice != NULL) {
    req->priv.notice_fn = notice->fn;
    req->priv.notice_arg = notice->arg;
    req->priv.notice_ttl_ms = notice->ttl_ms;
    memcpy(req->priv.sender, notice->sender, strlen(notice->sender) + 1);
  }
  enqueue(&sp->writer, req);
  return 0;
}

uint64_t rp__spool_roster_floor(const rp__spool *sp) {
  return sp->roster_floor;
}

int rp__spool_roster_floor_raise(rp__spool *sp, rp__spool_req *req, uint64_t version,
                                 rp__spool_cb cb) {
  int r;
  if ((r = writer_gate(sp)) != 0) return r;
  if (version == 0 || version > (uint64_t)INT64_MAX) return RP_EINVAL;
  req_start(sp, req, RP__SPOOL_FLOOR, cb);
  req->priv.after_seq = (int64_t)version; /* the field a floor request has no other use for */
  enqueue(&sp->writer, req);
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
  if (!id_ok(recipient) || max_count == 0 || max_count > RP__SPOOL_FETCH_MAX ||
      max_bytes == 0)
    return RP_EINVAL;
  req_start(sp, req, RP__SPOOL_FETCH, cb);
  memcpy(req->priv.recipient, recipient, strlen(recipient) + 1);
  req->priv.after_seq = after_seq;
  req->priv.max_count = max_count;
  req->priv.max_bytes = max_bytes;
  enqueue(&sp->reader, req);
  return 0;
}

void rp__spool_req_cleanup(rp__spool_req *req) {
  if (req == NULL) return;
  for (size_t i = 0; req->entries != NULL && i < req->nentries; i++)
    free(req->entries[i].envelope);
  free(req->entries);
  req->entries = NULL;
  req->nentries = 0;
}

/* ---- the lanes ---- */

static void lane_work(uv_work_t *w) {
  rp__spool_lane *ln = w->data;
  ln->run(ln);
}

static void lane_after(uv_work_t *w, int status) {
  rp__spool_lane *ln = w->data;
  rp__spool_req *batch = ln->batch;
  ln->batch = NULL;
  /* Nothing cancels spool jobs; if libuv ever did, the batch's fate would be unknown,
   * which for the writer is exactly what failing closed is for. */
  if (status != 0 && ln->err == 0) {
    ln->err = RP_EIO;
    snprintf(ln->why, sizeof ln->why, "pool job did not run (libuv status %d)", status);
  }
  ln->done(ln, batch);
  ln->busy = 0;
  lane_kick(ln);
}

static void maybe_finish_close(rp__spool *sp);

static void lane_kick(rp__spool_lane *ln) {
  rp__spool *sp = ln->sp;
  int is_writer = ln == &sp->writer;
  size_t cap = is_writer ? sp->batch_max : READ_BATCH_MAX, n = 0;
  uint64_t bytes = 0;
  rp__spool_req *last = NULL, *r = ln->qhead;

  if (ln->busy) return;
  if (r == NULL) {
    maybe_finish_close(sp);
    return;
  }
  /* Take the longest prefix of the queue within both caps; at least one request always
   * fits, so an envelope larger than the byte cap still gets its own transaction. */
  while (r != NULL && n < cap) {
    if (n > 0 && bytes + r->priv.len > sp->batch_bytes_max) break;
    bytes += r->priv.len;
    n++;
    last = r;
    r = r->priv.next;
  }
  last->priv.next = NULL;
  ln->batch = ln->qhead;
  ln->batch_n = n;
  ln->qhead = r;
  if (r == NULL) ln->qtail = NULL;
  ln->busy = 1;
  ln->err = 0;
  ln->why[0] = '\0';
  ln->work.data = ln;
  if (uv_queue_work(sp->loop, &ln->work, lane_work, lane_after) != 0)
    abort(); /* only fails for NULL arguments: a bug here, not a runtime condition */
}

static void enter_failed(rp__spool *sp, int err, const char *why) {
  if (sp->stats.failed != 0) return;
  sp->stats.failed = err;
  snprintf(sp->fail_why, sizeof sp->fail_why, "%s", why);
  if (sp->fail_cb != NULL) sp->fail_cb(sp, err, sp->fail_why);
}

/* Move a put's reservation into the committed totals (stored) or drop it, in one
 * entry of a map. The reservation keeps the entry alive: trim only drops entries
 * holding nothing. */
static void settle_entry(rp__spool_map *m, const char *id, uint64_t len, int stored) {
  rp__spool_rcpt *rc = rp__spool_map_find(m, id);
  if (rc == NULL) abort();
  rc->reserved -= len;
  if (stored) {
    rc->bytes += len;
    rc->envelopes++;
  }
  rp__spool_map_trim(m, id);
}

static void settle_put(rp__spool *sp, rp__spool_req *req, int stored) {
  char key[RP__SPOOL_KEY_MAX];
  uint64_t len = req->priv.len;
  if (req->priv.check_only) return; /* reserved nothing, and can never be stored */
  rp__spool_pair_key(key, req->priv.recipient, req->priv.sender);
  settle_entry(&sp->map, req->priv.recipient, len, stored);
  settle_entry(&sp->pairs, key, len, stored);
  sp->stats.reserved_bytes -= len;
  if (stored) {
    sp->stats.bytes += len;
    sp->stats.envelopes++;
  }
}

/* A row left: out of one map's entry. A row not in the totals would mean the totals
 * are wrong; keep them from wrapping. */
static void uncount_entry(rp__spool_map *m, const char *id, size_t size) {
  rp__spool_rcpt *rc = rp__spool_map_find(m, id);
  if (rc == NULL) return;
  rc->bytes -= size < rc->bytes ? size : rc->bytes;
  if (rc->envelopes > 0) rc->envelopes--;
  rp__spool_map_trim(m, id);
}

static void uncount(rp__spool *sp, const char *recipient, const char *sender, size_t size) {
  char key[RP__SPOOL_KEY_MAX];
  rp__spool_pair_key(key, recipient, sender);
  uncount_entry(&sp->map, recipient, size);
  uncount_entry(&sp->pairs, key, size);
  sp->stats.bytes -= size < sp->stats.bytes ? size : sp->stats.bytes;
  if (sp->stats.envelopes > 0) sp->stats.envelopes--;
}

static void count_entry(rp__spool_map *m, const char *id, size_t size) {
  rp__spool_rcpt *rc = rp__spool_map_get(m, id);
  /* Without memory for the entry only this share goes uncounted; the row is still
   * delivered and deleted, and uncount never wraps. */
  if (rc != NULL) {
    rc->bytes += size;
    rc->envelopes++;
  }
}

/* A row committed outside a put (a notice, from `sender`): into the totals. */
static void count_row(rp__spool *sp, const char *recipient, const char *sender,
                      size_t size) {
  char key[RP__SPOOL_KEY_MAX];
  rp__spool_pair_key(key, recipient, sender);
  count_entry(&sp->map, recipient, size);
  count_entry(&sp->pairs, key, size);
  sp->stats.bytes += size;
  sp->stats.envelopes++;
}

static void writer_apply(rp__spool *sp, rp__spool_req *req, int err) {
  if (err != 0) {
    req->result = err;
    req->seq = 0;
    rp__spool_req_cleanup(req);
    req->more = 0;
    if (req->type == RP__SPOOL_PUT) settle_put(sp, req, 0);
    return;
  }
  switch (req->type) {
  case RP__SPOOL_PUT:
    settle_put(sp, req, req->result == 0);
    if (req->result == 0) sp->stats.stored++;
    if (req->result == RP_EDUPLICATE) sp->stats.duplicates++;
    if (req->result == RP_ESPOOLFULL) sp->stats.rejected_full++;
    if (req->result == RP_EQUOTA) sp->stats.rejected_quota++;
    break;
  case RP__SPOOL_DELETE:
    if (req->result == 0) {
      uncount(sp, req->priv.recipient, req->priv.deleted_sender, req->priv.deleted_size);
      sp->stats.deleted++;
      if (req->priv.refused > 0) sp->stats.refused++;
      if (req->nentries == 1 && req->entries[0].notice_size > 0)
        count_row(sp, req->entries[0].sender, req->priv.sender,
                  req->entries[0].notice_size);
    }
    break;
  case RP__SPOOL_FLOOR:
    if ((uint64_t)req->priv.after_seq > sp->roster_floor)
      sp->roster_floor = (uint64_t)req->priv.after_seq;
    break;
  case RP__SPOOL_EXPIRE:
    for (size_t i = 0; req->result == 0 && i < req->nentries; i++) {
      uncount(sp, req->entries[i].recipient, req->entries[i].sender, req->entries[i].size);
      sp->stats.expired++;
      if (req->entries[i].notice_size > 0) {
        count_row(sp, req->entries[i].sender, req->priv.sender,
                  req->entries[i].notice_size);
      }
    }
    break;
  default:
    abort();
  }
}

static void writer_done(rp__spool_lane *ln, rp__spool_req *batch) {
  rp__spool *sp = ln->sp;
  int err = ln->err;
  if (err != 0) {
    enter_failed(sp, err, ln->why);
  } else {
    unsigned b = 0;
    sp->stats.transactions++;
    sp->stats.batched += ln->batch_n;
    if (ln->batch_n > sp->stats.batch_largest) sp->stats.batch_largest = ln->batch_n;
    while (b + 1 < RP__SPOOL_HIST && (ln->batch_n >> (b + 1)) != 0)
      b++;
    sp->stats.batch_hist[b]++;
  }
  /* The next pointer is read before the callback, which may free or reuse the request. */
  for (rp__spool_req *req = batch, *next; req != NULL; req = next) {
    next = req->priv.next;
    writer_apply(sp, req, err);
    req->priv.cb(req);
  }
  /* Requests queued behind a failed batch never reach SQLite. */
  while (sp->stats.failed != 0 && ln->qhead != NULL) {
    rp__spool_req *req = ln->qhead;
    ln->qhead = req->priv.next;
    if (ln->qhead == NULL) ln->qtail = NULL;
    writer_apply(sp, req, RP_EFSYNC);
    req->priv.cb(req);
  }
}

static void reader_done(rp__spool_lane *ln, rp__spool_req *batch) {
  for (rp__spool_req *req = batch, *next; req != NULL; req = next) {
    next = req->priv.next;
    if (ln->err != 0) {
      rp__spool_req_cleanup(req);
      req->result = ln->err;
    }
    ln->sp->stats.fetches++;
    req->priv.cb(req);
  }
}

/* ---- open and close ---- */

static void close_work(uv_work_t *w) {
  rp__spool *sp = w->data;
  rp__spool_sql_close(&sp->reader);
  rp__spool_sql_close(&sp->writer);
}

static void spool_free(rp__spool *sp) {
  rp__spool_map_free(&sp->map);
  rp__spool_map_free(&sp->pairs);
  free(sp);
}

static void close_after(uv_work_t *w, int status) {
  rp__spool *sp = w->data;
  (void)status; /* the connections are closed either way; nothing is left to do */
  if (sp->close_cb != NULL) sp->close_cb(sp);
  spool_free(sp);
}

static void maybe_finish_close(rp__spool *sp) {
  if (!sp->closing || sp->close_started) return;
  if (sp->writer.busy || sp->writer.qhead != NULL) return;
  if (sp->reader.busy || sp->reader.qhead != NULL) return;
  sp->close_started = 1;
  sp->close_work.data = sp;
  if (uv_queue_work(sp->loop, &sp->close_work, close_work, close_after) != 0) abort();
}

void rp__spool_close(rp__spool *sp, rp__spool_close_cb cb) {
  if (sp->closing) abort(); /* closing twice is a bug in the caller */
  sp->closing = 1;
  sp->close_cb = cb;
  maybe_finish_close(sp);
}

int rp__spool_open(uv_loop_t *loop, const rp__spool_options *opts, rp__spool **out,
                   char *err, size_t errlen) {
  int r = RP_EINVAL, fd;
  rp__spool *sp = NULL;
  char dummy[1];

  *out = NULL;
  if (errlen == 0) {
    err = dummy;
    errlen = sizeof dummy;
  }
  err[0] = '\0';
  if (loop == NULL || opts == NULL || opts->path == NULL || opts->batch_max == 0 ||
      opts->batch_bytes_max == 0 || opts->envelope_max == 0 ||
      opts->recipient_bytes_max == 0 || opts->total_bytes_max == 0) {
    snprintf(err, errlen, "spool options incomplete");
    goto out;
  }
  if (sqlite3_threadsafe() == 0) {
    snprintf(err, errlen, "SQLite was built without thread support");
    goto out;
  }
  r = RP_ENOMEM;
  if ((sp = calloc(1, sizeof *sp)) == NULL || rp__spool_map_init(&sp->map) != 0 ||
      rp__spool_map_init(&sp->pairs) != 0)
    goto out;
  sp->loop = loop;
  sp->data = opts->data;
  sp->recipient_bytes_max = opts->recipient_bytes_max;
  sp->total_bytes_max = opts->total_bytes_max;
  /* No share set: a sender may fill the whole of a recipient's quota. */
  sp->sender_bytes_max =
      opts->sender_bytes_max != 0 ? opts->sender_bytes_max : opts->recipient_bytes_max;
  sp->envelope_max = opts->envelope_max;
  sp->batch_max = opts->batch_max;
  sp->batch_bytes_max = opts->batch_bytes_max;
  sp->fail_cb = opts->fail_cb;
  sp->writer.sp = sp->reader.sp = sp;
  sp->writer.run = rp__spool_sql_write;
  sp->writer.done = writer_done;
  sp->reader.run = rp__spool_sql_read;
  sp->reader.done = reader_done;

  /* Create the file ourselves so it is never readable by others: it holds who writes to
   * whom. SQLite gives the -wal and -shm files the same mode. */
  r = RP_EIO;
  if ((fd = open(opts->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
    snprintf(err, errlen, "open %s: %s", opts->path, strerror(errno));
    goto out;
  }
  close(fd);
  if ((r = rp__spool_sql_open(opts->path, opts->vfs, 1, &sp->writer.db, err, errlen)) !=
          0 ||
      (r = rp__spool_sql_prepare(&sp->writer, 1, err, errlen)) != 0 ||
      (r = rp__spool_sql_load(sp, err, errlen)) != 0 ||
      (r = rp__spool_sql_open(opts->path, opts->vfs, 0, &sp->reader.db, err, errlen)) !=
          0 ||
      (r = rp__spool_sql_prepare(&sp->reader, 0, err, errlen)) != 0)
    goto out;
  *out = sp;
  sp = NULL;
  r = 0;
out:
  if (sp != NULL) {
    rp__spool_sql_close(&sp->reader);
    rp__spool_sql_close(&sp->writer);
    spool_free(sp);
  }
  return r;
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
