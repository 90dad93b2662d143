/* SPDX-License-Identifier: MIT */
/* The inbox: received envelopes, stored before the relay is told, until handled. */
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "store_int.h"

#define IN_COLS                                                                            \
  "id, msg_id, thread_id, ref_id, kind, sender, stored_at, handled, envelope, chunks,"     \
  " complete, expires,"                                                                    \
  " EXISTS(SELECT 1 FROM inbox_recalled r WHERE r.msg_id = inbox.msg_id)"

void rp__store_in_free(rp__store_in *in) {
  if (in == NULL) return;
  free(in->envelope);
  in->envelope = NULL;
  in->envelope_len = 0;
}

static int insert(rp__store *st, const rp__store_in *in) {
  sqlite3_stmt *s = NULL;
  int rc = rp__sql_prepare(st->db,
                           "INSERT INTO inbox(id, msg_id, thread_id, ref_id, kind, sender,"
                           " envelope, stored_at, chunks, complete, expires)"
                           " VALUES(" RP__STORE_NEXT_ID("inbox") ", ?, ?, ?, ?, ?, ?, ?, ?,"
                                                                 " ?, ?)",
                           &s);
  if (rc != 0) return rc;
  sqlite3_bind_blob(s, 1, in->msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob(s, 2, in->thread_id, RP_THREAD_ID_BYTES, SQLITE_STATIC);
  if (rp__store_is_zero(in->ref_id, RP_MSG_ID_BYTES))
    sqlite3_bind_null(s, 3);
  else
    sqlite3_bind_blob(s, 3, in->ref_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int(s, 4, in->kind);
  sqlite3_bind_text(s, 5, in->sender, -1, SQLITE_STATIC);
  sqlite3_bind_blob(s, 6, in->envelope, (int)in->envelope_len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)in->stored_at);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)in->chunks);
  sqlite3_bind_int(s, 9, in->chunks == 0 || in->complete);
  sqlite3_bind_int64(s, 10, (sqlite3_int64)in->expires);
  rc = rp__sql_err(sqlite3_step(s));
  sqlite3_finalize(s);
  return rc;
}

static int query_one(rp__store *st, const char *sql, const uint8_t *id, int64_t after,
                     rp__store_in *o) {
  sqlite3_stmt *s = NULL;
  int rc;
  memset(o, 0, sizeof *o);
  pthread_mutex_lock(&st->mu);
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
  o->rowid = sqlite3_column_int64(s, 0);
  rp__sql_col_fixed(s, 1, o->msg_id, RP_MSG_ID_BYTES);
  rp__sql_col_fixed(s, 2, o->thread_id, RP_THREAD_ID_BYTES);
  rp__sql_col_fixed(s, 3, o->ref_id, RP_MSG_ID_BYTES);
  o->kind = sqlite3_column_int(s, 4);
  rp__sql_col_text(s, 5, o->sender, sizeof o->sender);
  o->stored_at = (uint64_t)sqlite3_column_int64(s, 6);
  o->handled = sqlite3_column_int(s, 7);
  o->chunks = (uint64_t)sqlite3_column_int64(s, 9);
  o->complete = sqlite3_column_int(s, 10);
  o->expires = (uint64_t)sqlite3_column_int64(s, 11);
  o->recalled = sqlite3_column_int(s, 12);
  rc = rp__sql_col_blob(s, 8, &o->envelope, &o->envelope_len);
out:
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_in_next(rp__store *st, int64_t after, rp__store_in *out) {
  return query_one(st,
                   "SELECT " IN_COLS " FROM inbox WHERE handled = 0 AND complete = 1"
                   " AND id > ? AND msg_id NOT IN (SELECT msg_id FROM inbox_recalled)"
                   " ORDER BY id LIMIT 1",
                   NULL, after, out);
}

int rp__store_in_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                     rp__store_in *out) {
  return query_one(st, "SELECT " IN_COLS " FROM inbox WHERE msg_id = ? AND complete = 1",
                   msg_id, 0, out);
}

int rp__store_in_get_any(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                         rp__store_in *out) {
  return query_one(st, "SELECT " IN_COLS " FROM inbox WHERE msg_id = ?", msg_id, 0, out);
}

int rp__store_in_handled(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                         uint64_t now) {
  sqlite3_stmt *s = NULL;
  int rc;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db,
                            "UPDATE inbox SET handled = 1,"
                            " handled_at = COALESCE(handled_at, ?) WHERE msg_id = ?"
                            " AND complete = 1",
                            &s)) == 0) {
    sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
    sqlite3_bind_blob(s, 2, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
    if (rc == 0 && sqlite3_changes(st->db) == 0) rc = RP_ENOTFOUND;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_in_pending(rp__store *st, uint64_t *n) {
  return rp__store_count(st,
                         "SELECT count(*) FROM inbox WHERE handled = 0 AND complete = 1"
                         " AND msg_id NOT IN (SELECT msg_id FROM inbox_recalled)",
                         n);
}

/* The recall's step (store.h, rp__store_in_recall) inside the caller's transaction. */
static int recall_body(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                       const char *sender, uint64_t now, const rp__store_out *receipt,
                       int *done) {
  sqlite3_stmt *s = NULL;
  int rc =
      rp__sql_prepare(st->db,
                      "INSERT OR IGNORE INTO inbox_recalled(msg_id, at)"
                      " SELECT msg_id, ?2 FROM inbox WHERE msg_id = ?1 AND sender = ?3",
                      &s);
  *done = 0;
  if (rc == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
    sqlite3_bind_text(s, 3, sender, -1, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  if (rc == 0 && sqlite3_changes(st->db) > 0) {
    *done = 1;
    if (receipt != NULL) rc = rp__store_out_insert(st, receipt);
  }
  return rc;
}

int rp__store_in_recall(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                        const char *sender, uint64_t now, const rp__store_out *receipt,
                        int *done) {
  int rc;
  *done = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) == 0) {
    if ((rc = recall_body(st, msg_id, sender, now, receipt, done)) == 0)
      rc = rp__sql_exec(st->db, "COMMIT");
    if (rc != 0) {
      rp__sql_exec(st->db, "ROLLBACK");
      *done = 0;
    }
  }
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_in_recall_held(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             const char *sender, int recall_kind, int *held) {
  sqlite3_stmt *s = NULL;
  int rc;
  *held = 0;
  pthread_mutex_lock(&st->mu);
  rc = rp__sql_prepare(st->db,
                       "SELECT 1 FROM inbox WHERE kind = ?1 AND ref_id = ?2 AND sender = ?3"
                       " LIMIT 1",
                       &s);
  if (rc == 0) {
    sqlite3_bind_int(s, 1, recall_kind);
    sqlite3_bind_blob(s, 2, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, sender, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    *held = rc == SQLITE_ROW;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rp__sql_err(rc);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

/* ---- the inbox's attachment chunks ---- */

/* Runs one statement with msg_id as ?1 and an optional int64 as ?2 (msg_id NULL: v is
 * ?1), under the lock. */
static int exec_id(rp__store *st, const char *sql, const uint8_t *msg_id, int64_t v) {
  sqlite3_stmt *s = NULL;
  int rc;
  if ((rc = rp__sql_prepare(st->db, sql, &s)) == 0) {
    if (msg_id != NULL)
      sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    else
      sqlite3_bind_int64(s, 1, v);
    if (msg_id != NULL && sqlite3_bind_parameter_count(s) > 1) sqlite3_bind_int64(s, 2, v);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  return rc;
}

/* ---- writes: each one transaction ---- */

/* What one write does: an arrival (a new row, or an incomplete one completed) with its
 * receipt and effect, the drop of an incomplete message, or the sweep of expired ones. */
typedef struct in_write {
  enum { W_ADD, W_COMPLETE, W_DROP, W_SWEEP } what;
  const rp__store_in *in; /* W_ADD */
  const uint8_t *msg_id;  /* W_COMPLETE, W_DROP */
  const rp__store_out *receipt;
  rp__store_effect *effect;
  rp__store_recall *recall; /* W_ADD of a recall: its step, in the same tx */
  int64_t before;           /* W_SWEEP: envelopes that expired before this */
  uint64_t deleted;         /* W_SWEEP: out */
} in_write;

static int write_body(rp__store *st, in_write *w) {
  static const char *const sweep_chunks =
      "DELETE FROM inbox_chunk WHERE msg_id IN (SELECT msg_id FROM inbox"
      " WHERE complete = 0 AND expires > 0 AND expires < ?1)";
  static const char *const sweep_rows =
      "DELETE FROM inbox WHERE complete = 0 AND expires > 0 AND expires < ?1";
  int rc;
  switch (w->what) {
  case W_ADD:
    rc = insert(st, w->in);
    /* Recalled before it came (rp__store_in_recall_held): stored with its mark. */
    if (rc == 0 && w->in->recalled)
      rc = exec_id(st, "INSERT OR IGNORE INTO inbox_recalled(msg_id, at) VALUES(?1, ?2)",
                   w->in->msg_id, (int64_t)w->in->stored_at);
    break;
  case W_COMPLETE:
    /* The chunk bytes on disk before the commit that makes the message complete, which
     * comes before the relay is told (store.h, "Chunk files"). */
    if ((rc = rp__store_file_sync(st, RP__STORE_IN, w->msg_id)) != 0) return rc;
    /* stored_at stays the envelope's arrival: it is opened again "as of" then. The row
     * takes the next id: rp_inbox_next's cursor walks ids, and a message offered while
     * this one's attachments were still coming has passed the id it got on arrival.
     * Ids thus give the order in which messages became complete, which is the order
     * they are offered in. */
    rc = exec_id(st,
                 "UPDATE inbox SET complete = 1, id = " RP__STORE_NEXT_ID(
                     "inbox") " WHERE msg_id = ?1 AND complete = 0",
                 w->msg_id, 0);
    break;
  case W_DROP:
    if ((rc = exec_id(st, "DELETE FROM inbox_chunk WHERE msg_id = ?1", w->msg_id, 0)) == 0)
      rc =
          exec_id(st, "DELETE FROM inbox WHERE msg_id = ?1 AND complete = 0", w->msg_id, 0);
    return rc;
  default:
    if ((rc = exec_id(st, sweep_chunks, NULL, w->before)) == 0 &&
        (rc = exec_id(st, sweep_rows, NULL, w->before)) == 0)
      w->deleted = (uint64_t)sqlite3_changes(st->db);
    return rc;
  }
  if (rc == 0 && w->receipt != NULL) rc = rp__store_out_insert(st, w->receipt);
  if (rc == 0) rc = rp__store_effect_apply(st, w->effect);
  if (rc == 0 && w->recall != NULL)
    rc = recall_body(st, w->recall->about, w->in->sender, w->in->stored_at,
                     w->recall->receipt, &w->recall->done);
  return rc;
}

static int write_tx(rp__store *st, in_write *w) {
  int rc;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) == 0) {
    if ((rc = write_body(st, w)) == 0) rc = rp__sql_exec(st->db, "COMMIT");
    if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
  }
  /* The rows went first, then their files (store.h, "Chunk files"). */
  if (rc == 0 && w->what == W_DROP) rp__store_file_unlink(st, RP__STORE_IN, w->msg_id);
  if (rc == 0 && w->what == W_SWEEP && w->deleted > 0) rp__store_file_sweep(st);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_in_add(rp__store *st, const rp__store_in *in, const rp__store_out *receipt,
                     rp__store_effect *effect) {
  in_write w = {.what = W_ADD, .in = in, .receipt = receipt, .effect = effect};
  return write_tx(st, &w);
}

int rp__store_in_add_recall(rp__store *st, const rp__store_in *in,
                            const rp__store_out *receipt, rp__store_recall *recall) {
  in_write w = {.what = W_ADD, .in = in, .receipt = receipt, .recall = recall};
  recall->done = 0;
  int rc = write_tx(st, &w);
  if (rc != 0) recall->done = 0;
  return rc;
}

int rp__store_in_complete(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                          const rp__store_out *receipt, rp__store_effect *effect) {
  in_write w = {.what = W_COMPLETE, .msg_id = msg_id, .receipt = receipt, .effect = effect};
  return write_tx(st, &w);
}

int rp__store_in_drop(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]) {
  in_write w = {.what = W_DROP, .msg_id = msg_id};
  return write_tx(st, &w);
}

int rp__store_in_sweep(rp__store *st, uint64_t now, uint64_t *n) {
  in_write w = {.what = W_SWEEP,
                .before = (int64_t)(now > RP_CLOCK_SKEW_MS ? now - RP_CLOCK_SKEW_MS : 0)};
  int rc = write_tx(st, &w);
  if (n != NULL) *n = rc == 0 ? w.deleted : 0;
  return rc;
}

int rp__store_in_chunk_put(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                           uint64_t idx, const uint8_t *data, size_t len) {
  return rp__store_chunk_write(
      st, RP__STORE_IN,
      "INSERT OR REPLACE INTO inbox_chunk(msg_id, idx, len) VALUES(?1, ?2, ?3)", msg_id,
      idx, data, len);
}

int rp__store_in_chunk_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                           uint64_t idx, uint8_t *buf, size_t cap, size_t *len) {
  return rp__store_chunk_read(st, RP__STORE_IN,
                              "SELECT len FROM inbox_chunk WHERE msg_id = ?1 AND idx = ?2",
                              msg_id, idx, buf, cap, len, NULL);
}

int rp__store_in_chunks_trim(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             uint64_t from) {
  int rc;
  pthread_mutex_lock(&st->mu);
  rc = exec_id(st, "DELETE FROM inbox_chunk WHERE msg_id = ?1 AND idx >= ?2", msg_id,
               (int64_t)from);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_in_chunks_stored(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                               uint64_t *n) {
  sqlite3_stmt *s = NULL;
  int rc;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, "SELECT count(*) FROM inbox_chunk WHERE msg_id = ?",
                            &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_ROW ? 0 : RP_EIO;
    if (rc == 0) *n = (uint64_t)sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}
