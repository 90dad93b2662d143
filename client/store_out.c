/* SPDX-License-Identifier: MIT */
/* The outbox: sealed envelopes waiting for, or already taken by, the relay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost.h"
#include "store_int.h"

#define OUT_COLS                                                                           \
  "id, msg_id, thread_id, ref_id, kind, urgency, receipt, recipient, status, error, t1,"   \
  " t2, t3, t4, t5, t6, t7, t8,"                                                           \
  " (SELECT at FROM outbox_recalled r WHERE r.msg_id = outbox.msg_id), chunks"
/* The column of times[i] is OUT_TIME0 + i (the time of RP_STATUS_RECALLED comes from
 * outbox_recalled, store.c); chunks follows the last time, then the envelope. */
#define OUT_TIME0 9
#define OUT_CHUNKS (OUT_TIME0 + RP__STORE_STATUS_MAX + 1)
#define OUT_ENVELOPE (OUT_CHUNKS + 1)

void rp__store_out_free(rp__store_out *o) {
  if (o == NULL) return;
  free(o->envelope);
  o->envelope = NULL;
  o->envelope_len = 0;
}

static void bind_opt_id(sqlite3_stmt *s, int col, const uint8_t id[RP_MSG_ID_BYTES]) {
  if (rp__store_is_zero(id, RP_MSG_ID_BYTES))
    sqlite3_bind_null(s, col);
  else
    sqlite3_bind_blob(s, col, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
}

/* The INSERT of one outbox row; the caller holds the lock and owns the transaction. */
int rp__store_out_insert(rp__store *st, const rp__store_out *o) {
  sqlite3_stmt *s = NULL;
  int rc =
      rp__sql_prepare(st->db,
                      "INSERT INTO outbox(id, msg_id, thread_id, ref_id, kind, urgency,"
                      " receipt, recipient, envelope, status, t1, chunks)"
                      " VALUES(" RP__STORE_NEXT_ID("outbox") ", ?, ?, ?, ?, ?, ?, ?, ?,"
                                                             " 1, ?, ?)",
                      &s);
  if (rc != 0) return rc;
  sqlite3_bind_blob(s, 1, o->msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob(s, 2, o->thread_id, RP_THREAD_ID_BYTES, SQLITE_STATIC);
  bind_opt_id(s, 3, o->ref_id);
  sqlite3_bind_int(s, 4, o->kind);
  sqlite3_bind_int(s, 5, o->urgency);
  sqlite3_bind_int(s, 6, o->receipt);
  sqlite3_bind_text(s, 7, o->recipient, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 8, o->envelope, (int)o->envelope_len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 9, (sqlite3_int64)o->times[RP_STATUS_QUEUED]);
  sqlite3_bind_int64(s, 10, (sqlite3_int64)o->chunks);
  rc = rp__sql_err(sqlite3_step(s));
  sqlite3_finalize(s);
  return rc;
}

int rp__store_out_add(rp__store *st, const rp__store_out *o) {
  int rc = 0;
  pthread_mutex_lock(&st->mu);
  /* The chunk bytes rp_send wrote are on disk before the commit that makes the message
   * sendable (and its chunk rows durable): one fdatasync per message, not per chunk. */
  if (o->chunks > 0) rc = rp__store_file_sync(st, RP__STORE_OUT, o->msg_id);
  if (rc == 0) rc = rp__store_out_insert(st, o);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

static void read_row(sqlite3_stmt *s, rp__store_out *o) {
  o->rowid = sqlite3_column_int64(s, 0);
  rp__sql_col_fixed(s, 1, o->msg_id, RP_MSG_ID_BYTES);
  rp__sql_col_fixed(s, 2, o->thread_id, RP_THREAD_ID_BYTES);
  rp__sql_col_fixed(s, 3, o->ref_id, RP_MSG_ID_BYTES);
  o->kind = sqlite3_column_int(s, 4);
  o->urgency = sqlite3_column_int(s, 5);
  o->receipt = sqlite3_column_int(s, 6);
  rp__sql_col_text(s, 7, o->recipient, sizeof o->recipient);
  o->status = sqlite3_column_int(s, 8);
  o->error = sqlite3_column_int(s, 9);
  for (int i = 1; i <= RP__STORE_STATUS_MAX; i++)
    o->times[i] = (uint64_t)sqlite3_column_int64(s, OUT_TIME0 + i);
  o->chunks = (uint64_t)sqlite3_column_int64(s, OUT_CHUNKS);
}

/* Runs a one-row query with one blob or int64 parameter into *o; the caller holds the
 * lock. */
static int query_one_locked(rp__store *st, const char *sql, const uint8_t *id,
                            int64_t after, int want_env, rp__store_out *o) {
  sqlite3_stmt *s = NULL;
  int rc;
  memset(o, 0, sizeof *o);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) != 0) goto out;
  if (id != NULL)
    sqlite3_bind_blob(s, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  else
    sqlite3_bind_int64(s, 1, after);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    rc = rc == SQLITE_DONE ? RP_ENOTFOUND : rp__sql_err(rc);
    goto out;
  }
  read_row(s, o);
  rc = want_env ? rp__sql_col_blob(s, OUT_ENVELOPE, &o->envelope, &o->envelope_len) : 0;
out:
  sqlite3_finalize(s);
  return rc;
}

static int query_one(rp__store *st, const char *sql, const uint8_t *id, int64_t after,
                     int want_env, rp__store_out *o) {
  int rc;
  pthread_mutex_lock(&st->mu);
  rc = query_one_locked(st, sql, id, after, want_env, o);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

#define GET_SQL "SELECT " OUT_COLS ", envelope FROM outbox WHERE msg_id = ?"

int rp__store_out_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES], int want_env,
                      rp__store_out *out) {
  return query_one(st, GET_SQL, msg_id, 0, want_env, out);
}

int rp__store_out_next_queued(rp__store *st, int64_t after, rp__store_out *out) {
  return query_one(st,
                   "SELECT " OUT_COLS ", envelope FROM outbox WHERE status = 1 AND id > ?"
                   " ORDER BY id LIMIT 1",
                   NULL, after, 1, out);
}

int rp__store_out_next_queued_to(rp__store *st, const char *recipient, int64_t after,
                                 int64_t upto, rp__store_out *out) {
  sqlite3_stmt *s = NULL;
  int rc;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db,
                            "SELECT " OUT_COLS ", envelope FROM outbox WHERE status = 1"
                            " AND recipient = ? AND id > ? AND id <= ? ORDER BY id LIMIT 1",
                            &s)) != 0)
    goto out;
  sqlite3_bind_text(s, 1, recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, after);
  sqlite3_bind_int64(s, 3, upto);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    rc = rc == SQLITE_DONE ? RP_ENOTFOUND : rp__sql_err(rc);
    goto out;
  }
  read_row(s, out);
  rc = rp__sql_col_blob(s, OUT_ENVELOPE, &out->envelope, &out->envelope_len);
out:
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

/* Statuses are compared by rp_status_rank, never by number (see store.h): auto_replied
 * got a number after the final ones. */
static int is_final(int status) {
  return status == RP_STATUS_EXPIRED || status == RP_STATUS_FAILED;
}

/* Whether moving from `cur` to `next` is progress (see store.h). A recall's outcome
 * ends a message that was delivered, whatever it reached after that; nothing moves it
 * on (a recipient holds what it recalls, so it was never expired or failed). */
static int progress(int cur, int next) {
  if (is_final(cur) || cur == RP_STATUS_RECALLED) return 0;
  if (next == RP_STATUS_RECALLED) return 1;
  if (is_final(next)) return rp_status_rank(cur) < rp_status_rank(RP_STATUS_DELIVERED);
  return rp_status_rank(next) > rp_status_rank(cur);
}

/* RP_STATUS_RECALLED: its time in outbox_recalled; implies relayed and delivered (the
 * recipient held the message to recall it). */
static int recalled_locked(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                           uint64_t now, int *changed) {
  sqlite3_stmt *s = NULL;
  int rc;
  if ((rc = rp__sql_prepare(
           st->db, "INSERT OR IGNORE INTO outbox_recalled(msg_id, at) VALUES(?1, ?2)",
           &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  s = NULL;
  if (rc == 0 && (rc = rp__sql_prepare(
                      st->db,
                      "UPDATE outbox SET status = ?1, error = 0, t2 = COALESCE(t2, ?2),"
                      " t3 = COALESCE(t3, ?2) WHERE msg_id = ?3",
                      &s)) == 0) {
    sqlite3_bind_int(s, 1, RP_STATUS_RECALLED);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
    sqlite3_bind_blob(s, 3, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  if (rc == 0 && changed) *changed = 1;
  return rc;
}

int rp__store_out_status_locked(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                                int status, int error, uint64_t now, int *changed) {
  rp__store_out o;
  sqlite3_stmt *s = NULL;
  char sql[320];
  int rc, moved, stamp;
  if (changed) *changed = 0;
  if (status < 1 || status > RP__STORE_STATUS_MAX) return RP_EINVAL;
  if ((rc = query_one_locked(st, GET_SQL, msg_id, 0, 0, &o)) != 0) return rc;
  moved = progress(o.status, status);
  /* A step reached out of order (answered before the opened receipt) still gets its
   * time; a final failure gets one only when it happens. */
  if (status == RP_STATUS_RECALLED)
    return moved ? recalled_locked(st, msg_id, now, changed) : 0;
  stamp = o.times[status] == 0 && (moved || !is_final(status));
  if (!moved && !stamp) return 0;
  /* A later step implies the earlier ones it needs (a receipt may overtake the relay's
   * ACK): every step from delivered on implies relayed, and every step after delivered
   * (an answer of any kind, the opened receipt) implies delivered. Those get the same
   * time if they have none yet. */
  snprintf(sql, sizeof sql,
           "UPDATE outbox SET status = CASE WHEN ?1 THEN ?2 ELSE status END,"
           " error = CASE WHEN ?1 THEN ?3 ELSE error END, t%d = COALESCE(t%d, ?4)%s%s"
           " WHERE msg_id = ?5",
           status, status,
           !is_final(status) &&
                   rp_status_rank(status) >= rp_status_rank(RP_STATUS_DELIVERED)
               ? ", t2 = COALESCE(t2, ?4)"
               : "",
           !is_final(status) && rp_status_rank(status) > rp_status_rank(RP_STATUS_DELIVERED)
               ? ", t3 = COALESCE(t3, ?4)"
               : "");
  if ((rc = rp__sql_prepare(st->db, sql, &s)) == 0) {
    sqlite3_bind_int(s, 1, moved);
    sqlite3_bind_int(s, 2, status);
    sqlite3_bind_int(s, 3, error);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
    sqlite3_bind_blob(s, 5, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  if (rc == 0 && changed) *changed = moved;
  return rc;
}

int rp__store_out_status(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES], int status,
                         int error, uint64_t now, int *changed) {
  int rc;
  pthread_mutex_lock(&st->mu);
  /* "relayed" alone is written without waiting for the disk: losing it to a power cut
   * only means the envelope is sent again, which the relay acks as a duplicate and the
   * recipient drops. It halves the fsyncs per message. A process crash loses nothing
   * either way (WAL). Every other step stays synchronous=FULL. */
  if (status == RP_STATUS_RELAYED) rp__sql_exec(st->db, "PRAGMA synchronous=NORMAL;");
  rc = rp__store_out_status_locked(st, msg_id, status, error, now, changed);
  if (status == RP_STATUS_RELAYED) rp__sql_exec(st->db, "PRAGMA synchronous=FULL;");
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_effect_apply(rp__store *st, rp__store_effect *e) {
  int rc;
  if (e == NULL || e->status == 0) return 0;
  rc = rp__store_out_status_locked(st, e->about, e->status, 0, e->at, &e->changed);
  return rc == RP_ENOTFOUND ? 0 : rc;
}

int rp__store_out_queued_count(rp__store *st, uint64_t *n) {
  return rp__store_count(st, "SELECT count(*) FROM outbox WHERE status = 1", n);
}

int rp__store_out_foreach(rp__store *st, int (*fn)(void *data, const rp__store_out *o),
                          void *data) {
  sqlite3_stmt *s = NULL;
  rp__store_out o;
  int rc, step;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db,
                            "SELECT " OUT_COLS " FROM outbox WHERE receipt = 0 ORDER BY id",
                            &s)) != 0)
    goto out;
  while ((step = sqlite3_step(s)) == SQLITE_ROW) {
    memset(&o, 0, sizeof o);
    read_row(s, &o);
    if ((rc = fn(data, &o)) != 0) goto out;
  }
  rc = rp__sql_err(step);
out:
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

/* ---- the outbox's attachment chunks ---- */

int rp__store_out_chunk_put(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                            uint64_t idx, const uint8_t *data, size_t len) {
  return rp__store_chunk_write(
      st, RP__STORE_OUT, "INSERT INTO outbox_chunk(msg_id, idx, len) VALUES(?1, ?2, ?3)",
      msg_id, idx, data, len);
}

int rp__store_out_chunk_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                            uint64_t idx, uint8_t *buf, size_t cap, size_t *len,
                            int *acked) {
  /* buf NULL: the length and the flag only (the file is not read). */
  return rp__store_chunk_read(
      st, RP__STORE_OUT,
      "SELECT len, (acked OR EXISTS(SELECT 1 FROM outbox_chunk_ack"
      " WHERE msg_id = ?1 AND idx = ?2)) FROM outbox_chunk WHERE msg_id = ?1 AND idx = ?2",
      msg_id, idx, buf, cap, len, acked);
}

int rp__store_out_chunks_delete(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]) {
  sqlite3_stmt *s = NULL;
  int rc;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, "DELETE FROM outbox_chunk_ack WHERE msg_id = ?1;",
                            &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  s = NULL;
  if (rc == 0 && (rc = rp__sql_prepare(st->db, "DELETE FROM outbox_chunk WHERE msg_id = ?",
                                       &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  /* The rows first, then the bytes (store.h, "Chunk files"). */
  if (rc == 0) rp__store_file_unlink(st, RP__STORE_OUT, msg_id);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_out_chunks_count(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                               uint64_t *n, uint64_t *acked) {
  uint64_t b, ba;
  return rp__store_out_chunks_sum(st, msg_id, n, acked, &b, &ba);
}

int rp__store_out_chunks_sum(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             uint64_t *n, uint64_t *acked, uint64_t *bytes,
                             uint64_t *bytes_acked) {
  sqlite3_stmt *s = NULL;
  int rc;
  *n = *acked = *bytes = *bytes_acked = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc =
           rp__sql_prepare(st->db,
                           "SELECT count(*), coalesce(sum(a), 0),"
                           " coalesce(sum(len), 0),"
                           " coalesce(sum(a * len), 0) FROM"
                           " (SELECT len, (acked OR EXISTS(SELECT 1 FROM outbox_chunk_ack k"
                           "  WHERE k.msg_id = c.msg_id AND k.idx = c.idx)) AS a"
                           "  FROM outbox_chunk c WHERE msg_id = ?)",
                           &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_ROW ? 0 : RP_EIO;
    if (rc == 0) {
      *n = (uint64_t)sqlite3_column_int64(s, 0);
      *acked = (uint64_t)sqlite3_column_int64(s, 1);
      *bytes = (uint64_t)sqlite3_column_int64(s, 2);
      *bytes_acked = (uint64_t)sqlite3_column_int64(s, 3);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_out_chunk_acked(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                              uint64_t idx) {
  sqlite3_stmt *s = NULL;
  int rc;
  pthread_mutex_lock(&st->mu);
  /* Not synced: an ack lost to a power cut only means the chunk is sent again, which
   * the relay acknowledges again without storing it twice. */
  rp__sql_exec(st->db, "PRAGMA synchronous=NORMAL;");
  if ((rc = rp__sql_prepare(
           st->db, "INSERT OR IGNORE INTO outbox_chunk_ack(msg_id, idx) VALUES(?, ?)",
           &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  rp__sql_exec(st->db, "PRAGMA synchronous=FULL;");
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_out_chunks_unack(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]) {
  sqlite3_stmt *s = NULL;
  int rc;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) goto out;
  /* Only rows an older version marked are rewritten. */
  if ((rc = rp__sql_prepare(st->db,
                            "UPDATE outbox_chunk SET acked = 0 WHERE msg_id = ?1 AND acked",
                            &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  s = NULL;
  if (rc == 0 && (rc = rp__sql_prepare(
                      st->db, "DELETE FROM outbox_chunk_ack WHERE msg_id = ?1", &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  if (rc == 0) rc = rp__sql_exec(st->db, "COMMIT");
  if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
out:
  pthread_mutex_unlock(&st->mu);
  return rc;
}
