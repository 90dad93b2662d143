/* SPDX-License-Identifier: MIT */
/*
 * The spool's loop-thread side: the lanes and their queues, group commit, applying
 * results to the running totals, the failed state, the WAL checkpoint after deletes,
 * open and close. Requests are made in spool_req.c; the SQL is in spool_sql.c. See
 * spool.h for the contract.
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

static void ckpt_schedule(rp__spool *sp);

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
  rp__spool_lane_kick(ln);
}

static void maybe_finish_close(rp__spool *sp);

/* Whether a request from head up to (not including) end may delete msg_id's chunks: a
 * delete of it, a purge naming it, or an expiry (whose rows are known only when it
 * runs). */
static int batch_deletes(const rp__spool_req *head, const rp__spool_req *end,
                         const uint8_t *msg_id) {
  for (const rp__spool_req *q = head; q != end; q = q->priv.next) {
    if (q->type == RP__SPOOL_EXPIRE) return 1;
    if (q->type == RP__SPOOL_DELETE && memcmp(q->priv.msg_id, msg_id, RP_MSG_ID_BYTES) == 0)
      return 1;
    for (size_t i = 0; q->type == RP__SPOOL_PURGE && i < q->priv.npurge; i++)
      if (memcmp(q->priv.purge_ids + i * RP_MSG_ID_BYTES, msg_id, RP_MSG_ID_BYTES) == 0)
        return 1;
  }
  return 0;
}

void rp__spool_lane_kick(rp__spool_lane *ln) {
  rp__spool *sp = ln->sp;
  int is_writer = ln == &sp->writer;
  size_t cap = is_writer ? sp->batch_max : READ_BATCH_MAX, n = 0;
  uint64_t bytes = 0;
  int may_delete = 0; /* the batch so far holds a request that deletes chunks */
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
    /* A checkpoint runs outside any transaction: always a batch of its own. */
    if (n > 0 && r->type == RP__SPOOL_CHECKPOINT) break;
    if (r->type == RP__SPOOL_CHECKPOINT) {
      n = 1;
      last = r;
      r = r->priv.next;
      break;
    }
    /* A chunk's file is unlinked after the COMMIT of a delete of its message: a chunk
     * of that message written in the same batch would go with it. */
    if (n > 0 && r->type == RP__SPOOL_CHUNK_PUT && may_delete &&
        batch_deletes(ln->qhead, r, r->priv.msg_id))
      break;
    if (r->type == RP__SPOOL_DELETE || r->type == RP__SPOOL_PURGE ||
        r->type == RP__SPOOL_EXPIRE)
      may_delete = 1;
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
static void settle_entry(rp__spool_map *m, const char *id, uint64_t len, int stored,
                         int chunk) {
  rp__spool_rcpt *rc = rp__spool_map_find(m, id);
  if (rc == NULL) abort();
  rc->reserved -= len;
  if (stored) {
    rc->bytes += len;
    if (!chunk) rc->envelopes++; /* a chunk counts in bytes only */
  }
  rp__spool_map_trim(m, id);
}

/* A put or chunk put completed: its reservation becomes committed bytes, or goes. */
static void settle_put(rp__spool *sp, rp__spool_req *req, int stored) {
  char key[RP__SPOOL_KEY_MAX];
  uint64_t len = req->priv.len;
  int chunk = req->type == RP__SPOOL_CHUNK_PUT;
  if (req->priv.check_only) return; /* reserved nothing, and can never be stored */
  rp__spool_pair_key(key, req->priv.recipient, req->priv.sender);
  settle_entry(&sp->map, req->priv.recipient, len, stored, chunk);
  settle_entry(&sp->pairs, key, len, stored, chunk);
  sp->stats.reserved_bytes -= len;
  if (stored) {
    sp->stats.bytes += len;
    if (chunk) {
      sp->stats.chunks++;
      sp->stats.chunk_bytes += len;
    } else {
      sp->stats.envelopes++;
    }
  }
}

/* Chunks left (with their envelope, or expired): their bytes out of the totals. */
static void uncount_chunks(rp__spool *sp, const char *recipient, const char *sender,
                           uint64_t n, uint64_t bytes) {
  char key[RP__SPOOL_KEY_MAX];
  rp__spool_map *maps[2] = {&sp->map, &sp->pairs};
  const char *ids[2] = {recipient, key};
  if (n == 0 && bytes == 0) return;
  rp__spool_pair_key(key, recipient, sender);
  for (int i = 0; i < 2; i++) {
    rp__spool_rcpt *rc = rp__spool_map_find(maps[i], ids[i]);
    if (rc == NULL) continue;
    rc->bytes -= bytes < rc->bytes ? bytes : rc->bytes;
    rp__spool_map_trim(maps[i], ids[i]);
  }
  sp->stats.bytes -= bytes < sp->stats.bytes ? bytes : sp->stats.bytes;
  sp->stats.chunks -= n < sp->stats.chunks ? n : sp->stats.chunks;
  sp->stats.chunk_bytes -= bytes < sp->stats.chunk_bytes ? bytes : sp->stats.chunk_bytes;
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
    if (req->type == RP__SPOOL_PUT || req->type == RP__SPOOL_CHUNK_PUT)
      settle_put(sp, req, 0);
    return;
  }
  switch (req->type) {
  case RP__SPOOL_CHUNK_PUT:
    settle_put(sp, req, req->result == 0);
    if (req->result == 0) sp->stats.chunks_stored++;
    if (req->result == RP_EDUPLICATE) sp->stats.chunks_duplicates++;
    if (req->result == RP_ESPOOLFULL) sp->stats.rejected_full++;
    if (req->result == RP_EQUOTA) sp->stats.rejected_quota++;
    break;
  case RP__SPOOL_PUT:
    settle_put(sp, req, req->result == 0);
    if (req->result == 0) sp->stats.stored++;
    if (req->result == RP_EDUPLICATE) sp->stats.duplicates++;
    if (req->result == RP_ESPOOLFULL) sp->stats.rejected_full++;
    if (req->result == RP_EQUOTA) sp->stats.rejected_quota++;
    break;
  case RP__SPOOL_CHECKPOINT:
    break;
  case RP__SPOOL_DELETE:
    if (req->result == 0) {
      sp->ckpt_dirty = 1;
      uncount(sp, req->priv.recipient, req->priv.deleted_sender, req->priv.deleted_size);
      uncount_chunks(sp, req->priv.recipient, req->priv.deleted_sender, req->chunks,
                     req->chunk_bytes);
      sp->stats.chunks_deleted += req->chunks;
      sp->stats.deleted++;
      if (req->priv.refused > 0) sp->stats.refused++;
      if (req->nentries == 1 && req->entries[0].notice_size > 0)
        count_row(sp, req->entries[0].sender, req->priv.sender,
                  req->entries[0].notice_size);
    }
    break;
  case RP__SPOOL_PURGE:
    if (req->result == 0 && req->nentries > 0) sp->ckpt_dirty = 1;
    for (size_t i = 0; req->result == 0 && i < req->nentries; i++) {
      const rp__spool_entry *e = &req->entries[i];
      if (e->seq != 0) {
        uncount(sp, e->recipient, e->sender, e->size);
        sp->stats.purged++;
      }
      uncount_chunks(sp, e->recipient, e->sender, e->chunks, e->chunk_bytes);
      sp->stats.chunks_deleted += e->chunks;
      req->chunks += e->chunks;
      req->chunk_bytes += e->chunk_bytes;
    }
    break;
  case RP__SPOOL_FLOOR:
    if ((uint64_t)req->priv.after_seq > sp->roster_floor)
      sp->roster_floor = (uint64_t)req->priv.after_seq;
    break;
  case RP__SPOOL_EXPIRE:
    if (req->result == 0 && (req->nentries > 0 || req->priv.nfreed > 0)) sp->ckpt_dirty = 1;
    for (size_t i = 0; req->result == 0 && i < req->priv.nfreed; i++) {
      const struct rp__spool_freed *f = &req->priv.freed[i];
      uncount_chunks(sp, f->recipient, f->sender, f->chunks, f->bytes);
      sp->stats.chunks_expired += f->chunks;
      req->chunks += f->chunks;
      req->chunk_bytes += f->bytes;
    }
    for (size_t i = 0; req->result == 0 && i < req->nentries; i++) {
      uncount(sp, req->entries[i].recipient, req->entries[i].sender, req->entries[i].size);
      uncount_chunks(sp, req->entries[i].recipient, req->entries[i].sender,
                     req->entries[i].chunks, req->entries[i].chunk_bytes);
      sp->stats.chunks_deleted += req->entries[i].chunks;
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

/* ---- the WAL checkpoint after deletes (spool.h, "Deletion on disk") ---- */

static void on_ckpt_timer(uv_timer_t *t);

static void ckpt_done(rp__spool_req *req) {
  rp__spool *sp = req->priv.sp;
  sp->ckpt_queued = 0;
  if (req->result == 0) {
    sp->stats.checkpoints++;
  } else if (req->result == RP_EBUSY) {
    sp->stats.checkpoints_busy++;
    sp->ckpt_dirty = 1; /* a reader was in the way: again, a moment later */
  }
  ckpt_schedule(sp);
}

/* Deletes committed: make sure a checkpoint follows within RP__SPOOL_CKPT_DELAY_MS. A
 * timer already running, or a checkpoint already queued (which then reschedules),
 * covers them. */
static void ckpt_schedule(rp__spool *sp) {
  if (!sp->ckpt_dirty || sp->ckpt_queued || !sp->timer_open || sp->closing ||
      sp->stats.failed != 0 || uv_is_active((uv_handle_t *)&sp->ckpt_timer))
    return;
  uv_timer_start(&sp->ckpt_timer, on_ckpt_timer, RP__SPOOL_CKPT_DELAY_MS, 0);
}

static void on_ckpt_timer(uv_timer_t *t) {
  rp__spool *sp = t->data;
  if (sp->ckpt_queued || sp->closing || sp->stats.failed != 0) return;
  sp->ckpt_dirty = 0;
  sp->ckpt_queued = 1;
  rp__spool_req_start(sp, &sp->ckpt_req, RP__SPOOL_CHECKPOINT, ckpt_done);
  rp__spool_enqueue(&sp->writer, &sp->ckpt_req);
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
  ckpt_schedule(sp);
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
    if (req->type == RP__SPOOL_CHUNK_GET)
      ln->sp->stats.chunk_gets++;
    else
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
  rp__spool_files_close(sp);
  free(sp->writer.gone);
  rp__spool_map_free(&sp->map);
  rp__spool_map_free(&sp->pairs);
  free(sp);
}

/* The last of the two closes (the connections on the pool, the timer on the loop)
 * calls back and frees. */
static void close_finish(rp__spool *sp) {
  if (!sp->close_done || sp->timer_open) return;
  if (sp->close_cb != NULL) sp->close_cb(sp);
  spool_free(sp);
}

static void close_after(uv_work_t *w, int status) {
  rp__spool *sp = w->data;
  (void)status; /* the connections are closed either way; nothing is left to do */
  sp->close_done = 1;
  close_finish(sp);
}

static void on_timer_closed(uv_handle_t *h) {
  rp__spool *sp = h->data;
  sp->timer_open = 0;
  close_finish(sp);
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
  /* A checkpoint still due is not needed: SQLite checkpoints and removes the log when
   * the last connection closes. */
  if (sp->timer_open) uv_close((uv_handle_t *)&sp->ckpt_timer, on_timer_closed);
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
  sp->chunk_dir = -1;
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
  if ((r = rp__spool_files_open(sp, opts->path, err, errlen)) != 0 ||
      (r = rp__spool_sql_open(opts->path, opts->vfs, 1, sp->chunk_dir, &sp->writer.db, err,
                              errlen)) != 0 ||
      (r = rp__spool_sql_prepare(&sp->writer, 1, err, errlen)) != 0 ||
      (r = rp__spool_sql_load(sp, err, errlen)) != 0 ||
      (r = rp__spool_files_sweep(sp, sp->writer.db, err, errlen)) != 0 ||
      (r = rp__spool_sql_open(opts->path, opts->vfs, 0, -1, &sp->reader.db, err, errlen)) !=
          0 ||
      (r = rp__spool_sql_prepare(&sp->reader, 0, err, errlen)) != 0)
    goto out;
  /* Only now, so that a failed open has no handle to close. It never keeps the loop
   * alive by itself: an idle owner's loop (the relay's listeners) still fires it. */
  uv_timer_init(loop, &sp->ckpt_timer);
  sp->ckpt_timer.data = sp;
  uv_unref((uv_handle_t *)&sp->ckpt_timer);
  sp->timer_open = 1;
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
