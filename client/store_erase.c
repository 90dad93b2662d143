/* SPDX-License-Identifier: MIT */
/*
 * Erasure in the client store (store.h, "Erasure"): the retention sweep, the erasure of
 * a thread, the consent rule at open, and the list of msg_ids the relay is still to
 * purge. Every delete runs with secure_delete on (set at open), and a write that deleted
 * anything ends with a WAL checkpoint that truncates the log, so that neither the
 * database file nor its -wal keeps a byte of what went.
 */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "rejsepost.h"
#include "rejsepost_errors.h"
#include "store_int.h"

/* Return the freed pages, then fold the WAL into the database and truncate it: the log
 * still holds the pages as they were before the delete. Under the lock, outside a
 * transaction. With our one connection there is no reader to meet; a failure is only logged
 * by the caller's next write. */
static void checkpoint(rp__store *st) {
  /* The freed pages (zeroed) back to the file system first: that writes to the WAL too. */
  rp__sql_exec(st->db, "PRAGMA incremental_vacuum;");
  sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

/* Runs sql with up to three bound values under the caller's lock and transaction:
 * a blob (16 bytes, may be NULL), then int64 a and b (?2, ?3; bound if the statement has
 * them). Adds the rows it changed to *changed. */
static int run(rp__store *st, const char *sql, const uint8_t *id, const uint8_t *id2,
               int64_t a, int64_t b, uint64_t *changed) {
  sqlite3_stmt *s = NULL;
  int rc, np;
  if ((rc = rp__sql_prepare(st->db, sql, &s)) != 0) return rc;
  np = sqlite3_bind_parameter_count(s);
  if (id != NULL) sqlite3_bind_blob(s, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  if (id2 != NULL && np >= 4) sqlite3_bind_blob(s, 4, id2, RP_MSG_ID_BYTES, SQLITE_STATIC);
  if (np >= 2) sqlite3_bind_int64(s, 2, a);
  if (np >= 3) sqlite3_bind_int64(s, 3, b);
  rc = rp__sql_err(sqlite3_step(s));
  if (rc == 0 && changed != NULL) *changed += (uint64_t)sqlite3_changes(st->db);
  sqlite3_finalize(s);
  return rc;
}

/* The outbox rows of thread ?1 an erasure keeps: an unsent consent_withdrawn (?2 is its
 * kind) must still go out, and so must an unsent receipt (the library's own, a status
 * only: the sender of what it is about is to see the outcome); `keep` (?4, may be NULL:
 * no row has a NULL msg_id) is the caller's. A kept receipt goes once it is relayed
 * (erase.c). */
#define KEPT "(((kind = ?2 OR receipt = 1) AND status = 1) OR msg_id IS ?4)"

static int erase_locked(rp__store *st, const uint8_t *thread_id, const uint8_t *keep,
                        uint64_t *n) {
  static const char *const sql[] = {
      /* What the relay may still hold of ours goes on the purge list first (queued rows
       * may be in flight right now). */
      "INSERT OR IGNORE INTO purge(msg_id) SELECT msg_id FROM outbox WHERE thread_id = ?1"
      " AND status IN (1, 2) AND receipt = 0 AND NOT " KEPT,
      "DELETE FROM outbox_chunk_ack WHERE msg_id IN (SELECT msg_id FROM outbox"
      " WHERE thread_id = ?1 AND NOT " KEPT ")",
      "DELETE FROM outbox_chunk WHERE msg_id IN (SELECT msg_id FROM outbox"
      " WHERE thread_id = ?1 AND NOT " KEPT ")",
      "DELETE FROM outbox WHERE thread_id = ?1 AND NOT " KEPT,
      "DELETE FROM inbox_chunk WHERE msg_id IN (SELECT msg_id FROM inbox"
      " WHERE thread_id = ?1 AND msg_id IS NOT ?4)",
      "DELETE FROM inbox WHERE thread_id = ?1 AND msg_id IS NOT ?4",
      /* The recall marks (store.c) of what went: ids only, but ids of an erased thread. */
      "DELETE FROM outbox_recalled WHERE msg_id NOT IN (SELECT msg_id FROM outbox)",
      "DELETE FROM inbox_recalled WHERE msg_id NOT IN (SELECT msg_id FROM inbox)"};
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof sql / sizeof sql[0]; i++)
    rc = run(st, sql[i], thread_id, keep, RP__PL_CONSENT_WITHDRAWN, 0,
             i >= 3 && i < 6 ? n : NULL);
  return rc;
}

/* Before rows are deleted: keep the highest ids (store.c, table hw). */
static const char *const keep_ids =
    "INSERT INTO hw(t, id) SELECT 'outbox', coalesce(max(id), 0) FROM outbox WHERE 1"
    " ON CONFLICT(t) DO UPDATE SET id = max(id, excluded.id);"
    "INSERT INTO hw(t, id) SELECT 'inbox', coalesce(max(id), 0) FROM inbox WHERE 1"
    " ON CONFLICT(t) DO UPDATE SET id = max(id, excluded.id);";

static int tx(rp__store *st, int (*body)(rp__store *st, void *arg), void *arg) {
  int rc;
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) return rc;
  if ((rc = rp__sql_exec(st->db, keep_ids)) == 0) rc = body(st, arg);
  if (rc == 0) rc = rp__sql_exec(st->db, "COMMIT");
  if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
  return rc;
}

typedef struct erase_arg {
  const uint8_t *thread_id, *keep;
  uint64_t n;
} erase_arg;

static int erase_body(rp__store *st, void *p) {
  erase_arg *a = p;
  return erase_locked(st, a->thread_id, a->keep, &a->n);
}

int rp__store_erase_thread(rp__store *st, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                           const uint8_t *keep, uint64_t *n) {
  erase_arg a = {thread_id, keep, 0};
  int rc;
  if (n != NULL) *n = 0;
  pthread_mutex_lock(&st->mu);
  rc = tx(st, erase_body, &a);
  if (rc == 0 && a.n > 0) {
    checkpoint(st);
    rp__store_file_sweep(st); /* the chunk files of what went, after the commit */
  }
  pthread_mutex_unlock(&st->mu);
  if (rc == 0 && n != NULL) *n = a.n;
  return rc;
}

#define CONSENT_BATCH 64

/* Threads the consent rule still has to erase, up to CONSENT_BATCH: [k][0] the thread,
 * [k][1] the row to keep (all zero: none). */
static int consent_due(rp__store *st, uint8_t (*ids)[2][RP_MSG_ID_BYTES], size_t *k) {
  /* Ours, relayed: all but it. Received and handled: all of it. */
  static const char *const sql =
      "SELECT c.thread_id, c.msg_id FROM outbox c WHERE c.kind = ?1 AND c.status != 1"
      " AND c.receipt = 0 AND (EXISTS (SELECT 1 FROM outbox o WHERE"
      " o.thread_id = c.thread_id AND o.id != c.id AND NOT (o.kind = ?1 AND o.status = 1))"
      " OR EXISTS (SELECT 1 FROM inbox i WHERE i.thread_id = c.thread_id))"
      " UNION ALL SELECT thread_id, NULL FROM inbox WHERE kind = ?1 AND handled = 1"
      " LIMIT ?2";
  sqlite3_stmt *s = NULL;
  int rc;
  *k = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) == 0) {
    sqlite3_bind_int(s, 1, RP__PL_CONSENT_WITHDRAWN);
    sqlite3_bind_int(s, 2, CONSENT_BATCH);
    while (*k < CONSENT_BATCH && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      rp__sql_col_fixed(s, 0, ids[*k][0], RP_MSG_ID_BYTES);
      rp__sql_col_fixed(s, 1, ids[*k][1], RP_MSG_ID_BYTES);
      (*k)++;
    }
    rc = rc == SQLITE_ROW ? 0 : rp__sql_err(rc);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_consent_sweep(rp__store *st, uint64_t *n) {
  uint8_t ids[CONSENT_BATCH][2][RP_MSG_ID_BYTES];
  size_t k = 0;
  uint64_t total = 0;
  int rc = consent_due(st, ids, &k);
  if (n != NULL) *n = 0;
  for (size_t i = 0; rc == 0 && i < k; i++) {
    uint64_t m = 0;
    const uint8_t *keep = rp__store_is_zero(ids[i][1], RP_MSG_ID_BYTES) ? NULL : ids[i][1];
    rc = rp__store_erase_thread(st, ids[i][0], keep, &m);
    total += m;
  }
  if (rc == 0 && n != NULL) *n = total;
  return rc;
}

/* ---- retention ---- */

typedef struct sweep_arg {
  int64_t cut; /* rows finished at or before this go */
  uint64_t n;
} sweep_arg;

static int sweep_body(rp__store *st, void *p) {
  sweep_arg *a = p;
  /* ?2: the cut; ?3: the closure kind (consent_withdrawn is RP__PL_CLOSURE + 1, so the
   * statements name it ?3 + 1). */
  static const char *const finished =
      "SELECT id FROM outbox o WHERE status != 1 AND ("
      /* final, or as far as a status goes: nothing will change any more */
      " (status = 5 AND t5 <= ?2) OR (status = 6 AND t6 <= ?2) OR (status = 7 AND t7 <= ?2)"
      /* the library's own receipts, once relayed: nothing waits for their progress */
      " OR (receipt = 1 AND t2 <= ?2)"
      /* the thread was closed, or its consent withdrawn, long enough ago */
      " OR EXISTS (SELECT 1 FROM inbox i WHERE i.thread_id = o.thread_id AND i.complete"
      "  AND i.kind IN (?3, ?3 + 1) AND i.stored_at <= ?2)"
      " OR EXISTS (SELECT 1 FROM outbox x WHERE x.thread_id = o.thread_id"
      "  AND x.kind IN (?3, ?3 + 1) AND x.status != 1 AND x.receipt = 0 AND x.t2 <= ?2))";
  static const char *const handled =
      "SELECT msg_id FROM inbox WHERE handled = 1 AND handled_at <= ?2";
  char sql[1024];
  int rc;
  snprintf(sql, sizeof sql, "DELETE FROM inbox_chunk WHERE msg_id IN (%s)", handled);
  if ((rc = run(st, sql, NULL, NULL, a->cut, RP__PL_CLOSURE, NULL)) != 0) return rc;
  snprintf(sql, sizeof sql, "DELETE FROM inbox WHERE msg_id IN (%s)", handled);
  if ((rc = run(st, sql, NULL, NULL, a->cut, RP__PL_CLOSURE, &a->n)) != 0) return rc;
  snprintf(sql, sizeof sql, "DELETE FROM outbox WHERE id IN (%s)", finished);
  if ((rc = run(st, sql, NULL, NULL, a->cut, RP__PL_CLOSURE, &a->n)) != 0) return rc;
  /* Chunks of an inbox message erased while its download ran (the download writes them
   * only for a row it stored first). Never the outbox's here: rp_send writes a
   * message's chunks before its row (store.h), so only the open may take those. */
  if ((rc = run(st,
                "DELETE FROM outbox_recalled WHERE msg_id NOT IN"
                " (SELECT msg_id FROM outbox)",
                NULL, NULL, 0, 0, NULL)) != 0 ||
      (rc = run(st,
                "DELETE FROM inbox_recalled WHERE msg_id NOT IN (SELECT msg_id FROM inbox)",
                NULL, NULL, 0, 0, NULL)) != 0)
    return rc;
  return run(st, "DELETE FROM inbox_chunk WHERE msg_id NOT IN (SELECT msg_id FROM inbox)",
             NULL, NULL, 0, 0, &a->n);
}

int rp__store_retention_sweep(rp__store *st, uint64_t now, uint64_t retention_ms,
                              uint64_t *n) {
  sweep_arg a = {.cut = (int64_t)(now > retention_ms ? now - retention_ms : 0), .n = 0};
  int rc;
  if (n != NULL) *n = 0;
  pthread_mutex_lock(&st->mu);
  rc = tx(st, sweep_body, &a);
  if (rc == 0 && a.n > 0) {
    checkpoint(st);
    rp__store_file_sweep(st);
  }
  pthread_mutex_unlock(&st->mu);
  if (rc == 0 && n != NULL) *n = a.n;
  return rc;
}

/* ---- the relay's purge list ---- */

int rp__store_purge_next(rp__store *st, uint8_t *ids, size_t max, size_t *n) {
  sqlite3_stmt *s = NULL;
  int rc;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, "SELECT msg_id FROM purge ORDER BY id LIMIT ?", &s)) ==
      0) {
    sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
    while (*n < max && sqlite3_step(s) == SQLITE_ROW) {
      rp__sql_col_fixed(s, 0, ids + *n * RP_MSG_ID_BYTES, RP_MSG_ID_BYTES);
      (*n)++;
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

typedef struct done_arg {
  const uint8_t *ids;
  size_t n;
} done_arg;

static int done_body(rp__store *st, void *p) {
  done_arg *a = p;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < a->n; i++)
    rc = run(st, "DELETE FROM purge WHERE msg_id = ?1", a->ids + i * RP_MSG_ID_BYTES, NULL,
             0, 0, NULL);
  return rc;
}

int rp__store_purge_done(rp__store *st, const uint8_t *ids, size_t n) {
  done_arg a = {ids, n};
  int rc;
  pthread_mutex_lock(&st->mu);
  rc = tx(st, done_body, &a);
  if (rc == 0) checkpoint(st);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_thread_rows(rp__store *st, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                          uint64_t *n) {
  sqlite3_stmt *s = NULL;
  int rc;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db,
                            "SELECT (SELECT count(*) FROM outbox WHERE thread_id = ?1) +"
                            " (SELECT count(*) FROM inbox WHERE thread_id = ?1)",
                            &s)) == 0) {
    sqlite3_bind_blob(s, 1, thread_id, RP_THREAD_ID_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_ROW ? 0 : RP_EIO;
    if (rc == 0) *n = (uint64_t)sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_purge_count(rp__store *st, uint64_t *n) {
  return rp__store_count(st, "SELECT count(*) FROM purge", n);
}
