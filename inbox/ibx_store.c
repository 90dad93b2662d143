/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ibx_areq.h"
#include "ibx_datakey.h"
#include "ibx_store_att.h"
#include "ibx_store_int.h"
#include "rejsepost_errors.h"

/* auto_vacuum must be chosen before the first table exists. */
static const char k_schema[] =
    "PRAGMA auto_vacuum=INCREMENTAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS threads(thread_id TEXT PRIMARY KEY, first_msg TEXT NOT "
    "NULL,"
    " peer TEXT NOT NULL, municipality TEXT NOT NULL, kind INTEGER NOT NULL,"
    " urgency INTEGER NOT NULL, categories INTEGER NOT NULL, state INTEGER NOT NULL,"
    " arrived INTEGER NOT NULL, deadline INTEGER NOT NULL, opened_at INTEGER NOT NULL "
    "DEFAULT 0,"
    " answered_at INTEGER NOT NULL DEFAULT 0, closed_at INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL, claimed_by TEXT NOT NULL DEFAULT '',"
    " escalated INTEGER NOT NULL DEFAULT 0, autoreplied INTEGER NOT NULL DEFAULT 0,"
    " outcome INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS messages(msg_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL,"
    " ref TEXT NOT NULL, peer TEXT NOT NULL, who TEXT NOT NULL, dir INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, created INTEGER NOT NULL, stored INTEGER NOT NULL,"
    " body BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id, stored);"
    "CREATE INDEX IF NOT EXISTS messages_kind ON messages(kind, stored);"
    /* Attachments (ibx_store_att.c): a sealed descriptor and the sealed pieces. */
    "CREATE TABLE IF NOT EXISTS attachments(msg_id TEXT NOT NULL, idx INTEGER NOT NULL,"
    " meta BLOB NOT NULL, PRIMARY KEY(msg_id, idx));"
    "CREATE TABLE IF NOT EXISTS attachment_pieces(msg_id TEXT NOT NULL,"
    " idx INTEGER NOT NULL, piece INTEGER NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY(msg_id, idx, piece));"
    /* Alerts sent (ibx_store_alert.c): one row per thread and event. */
    "CREATE TABLE IF NOT EXISTS alerts(thread_id TEXT NOT NULL, event INTEGER NOT NULL,"
    " at INTEGER NOT NULL, mail INTEGER NOT NULL, PRIMARY KEY(thread_id, event));"
    /* Recalls and consent withdrawals (ibx_store_mark.c). */
    "CREATE TABLE IF NOT EXISTS marks(thread_id TEXT NOT NULL, msg_id TEXT NOT NULL,"
    " kind INTEGER NOT NULL, reason INTEGER NOT NULL, dir INTEGER NOT NULL,"
    " at INTEGER NOT NULL, PRIMARY KEY(thread_id, msg_id, kind));";

static int apply_pragmas(rp__ibx_store *st) {
  /* WAL + FULL: a committed message survives a power cut; secure_delete: purged rows
   * are overwritten with zeros, not just unlinked from the b-tree. */
  return rp__sql_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"
                              "PRAGMA busy_timeout=5000;");
}

int rp__ibx_store_open(const char *path, const uint8_t *key, rp__ibx_store **out) {
  rp__ibx_store *st;
  int r;

  *out = NULL;
  /* Create the file ourselves so it is born 0600; SQLite would use the umask. */
  if ((r = rp__sql_create_private(path)) != 0) return r;
  if ((st = calloc(1, sizeof *st)) == NULL) return RP_ENOMEM;
  st->key = key;
  pthread_mutex_init(&st->mu, NULL);
  if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
      SQLITE_OK) {
    rp__ibx_store_close(st);
    return RP_EIO;
  }
  if ((r = rp__sql_exec(st->db, k_schema)) != 0 || (r = apply_pragmas(st)) != 0) {
    rp__ibx_store_close(st);
    return r;
  }
  /* The WAL and shm files take the database file's mode; keep it tight anyway. */
  chmod(path, 0600);
  *out = st;
  return 0;
}

uint64_t rp__ibx_store_changes(rp__ibx_store *st) {
  pthread_mutex_lock(&st->mu);
  uint64_t n = (uint64_t)sqlite3_total_changes64(st->db) - st->meta_changes;
  pthread_mutex_unlock(&st->mu);
  return n;
}

void rp__ibx_store_close(rp__ibx_store *st) {
  if (st == NULL) return;
  if (st->db != NULL) sqlite3_close(st->db);
  pthread_mutex_destroy(&st->mu);
  free(st);
}

int rp__ibx_store_meta_put(rp__ibx_store *st, const char *k, const void *v, size_t n) {
  pthread_mutex_lock(&st->mu);
  /* Every audited action moves the audit head: that is no change of the inbox, and a
   * front end's listing after a change must not look like the next change. */
  sqlite3_int64 before = sqlite3_total_changes64(st->db);
  int r = rp__sql_meta_put(st->db, k, v, n);
  st->meta_changes += (uint64_t)(sqlite3_total_changes64(st->db) - before);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_meta_get(rp__ibx_store *st, const char *k, void *v, size_t cap,
                           size_t *n) {
  uint8_t *got = NULL;
  size_t len = 0;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  int r = rp__sql_meta_get(st->db, k, &got, &len);
  pthread_mutex_unlock(&st->mu);
  if (r != 0) return r;
  if (len > 0) memcpy(v, got, len < cap ? len : cap);
  *n = len;
  sodium_memzero(got, len);
  free(got);
  return 0;
}

static int insert_msg(rp__ibx_store *st, const rp__ibx_msg *m, int *inserted) {
  sqlite3_stmt *s = NULL;
  uint8_t *ct = NULL;
  size_t ctlen = 0;
  int r;
  if ((r = rp__ibx_seal(st->key, (const uint8_t *)m->msg_id, strlen(m->msg_id),
                        (const uint8_t *)m->body, m->body_len, &ct, &ctlen)) != 0)
    return r;
  r = rp__sql_prepare(st->db,
                      "INSERT OR IGNORE INTO messages(" RP_IBX_MSG_COLS
                      ") VALUES(?,?,?,?,?,?,?,?,?,?)",
                      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, m->msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, m->thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, m->ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, m->peer, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, m->who, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, m->dir);
    sqlite3_bind_int(s, 7, m->kind);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)m->created);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)m->stored);
    sqlite3_bind_blob(s, 10, ct, (int)ctlen, SQLITE_STATIC);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    *inserted = r == 0 && sqlite3_changes(st->db) == 1;
  }
  sqlite3_finalize(s);
  free(ct);
  return r;
}

static int insert_thread(rp__ibx_store *st, const rp__ibx_thread *t) {
  sqlite3_stmt *s = NULL;
  int r =
      rp__sql_prepare(st->db,
                      "INSERT INTO threads(" RP_IBX_THREAD_COLS
                      ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                      " ON CONFLICT(thread_id) DO UPDATE SET updated = excluded.updated",
                      &s);
  if (r != 0) return r;
  sqlite3_bind_text(s, 1, t->thread_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, t->first_msg, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, t->peer, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, t->municipality, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 5, t->kind);
  sqlite3_bind_int(s, 6, t->urgency);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)t->categories);
  sqlite3_bind_int(s, 8, t->state);
  sqlite3_bind_int64(s, 9, (sqlite3_int64)t->arrived);
  sqlite3_bind_int64(s, 10, (sqlite3_int64)t->deadline);
  sqlite3_bind_int64(s, 11, (sqlite3_int64)t->opened_at);
  sqlite3_bind_int64(s, 12, (sqlite3_int64)t->answered_at);
  sqlite3_bind_int64(s, 13, (sqlite3_int64)t->closed_at);
  sqlite3_bind_int64(s, 14, (sqlite3_int64)t->updated);
  sqlite3_bind_text(s, 15, t->claimed_by, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 16, t->escalated);
  sqlite3_bind_int(s, 17, t->autoreplied);
  sqlite3_bind_int(s, 18, t->outcome);
  r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
  sqlite3_finalize(s);
  return r;
}

int rp__ibx_store_add(rp__ibx_store *st, const rp__ibx_msg *m, const rp__ibx_thread *t,
                      int *inserted) {
  int ins = 0, r;
  if (inserted != NULL) *inserted = 0;
  pthread_mutex_lock(&st->mu);
  if ((r = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) == 0) {
    r = insert_msg(st, m, &ins);
    if (r == 0 && ins) r = rp__ibx_store_add_atts(st, m);
    if (r == 0 && ins && t != NULL) r = insert_thread(st, t);
    if (r == 0) r = rp__sql_exec(st->db, "COMMIT");
    if (r != 0) rp__sql_exec(st->db, "ROLLBACK");
  }
  pthread_mutex_unlock(&st->mu);
  if (r == 0 && inserted != NULL) *inserted = ins;
  return r;
}

const char *rp__ibx_state_name(int s) {
  return rp__enum_at(rp__ibx_enum_state(), s);
}

/* The ids of the threads a purge at `before` takes, into a malloc'd array (*n of them).
 * Under the caller's lock and transaction. */
static int purge_ids(rp__ibx_store *st, uint64_t before, char (**ids)[33], size_t *n) {
  sqlite3_stmt *s = NULL;
  size_t cap = 0;
  int r;
  *ids = NULL;
  *n = 0;
  if ((r = rp__sql_prepare(
           st->db, "SELECT thread_id FROM threads WHERE state = ?1 AND closed_at < ?2",
           &s)) != 0)
    return r;
  sqlite3_bind_int(s, 1, RP_IBX_ST_CLOSED);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)before);
  while ((r = sqlite3_step(s)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      char(*grown)[33] = realloc(*ids, ncap * sizeof **ids);
      if (grown == NULL) break;
      *ids = grown;
      cap = ncap;
    }
    rp__sql_col_text(s, 0, (*ids)[*n], sizeof **ids);
    (*n)++;
  }
  r = r == SQLITE_DONE ? 0 : r == SQLITE_ROW ? RP_ENOMEM : RP_EIO;
  sqlite3_finalize(s);
  return r;
}

int rp__ibx_store_purge(rp__ibx_store *st, uint64_t before, uint64_t *purged) {
  return rp__ibx_store_purge_each(st, before, purged, NULL, NULL);
}

int rp__ibx_store_purge_each(rp__ibx_store *st, uint64_t before, uint64_t *purged,
                             void (*fn)(void *data, const char *thread_id), void *data) {
  sqlite3_stmt *s = NULL;
  char(*ids)[33] = NULL;
  size_t nids = 0;
  int r;
  *purged = 0;
  pthread_mutex_lock(&st->mu);
  if ((r = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) goto out;
  if (fn != NULL && (r = purge_ids(st, before, &ids, &nids)) != 0) {
    rp__sql_exec(st->db, "ROLLBACK");
    goto out;
  }
  /* What hangs on a closed thread goes first: the attachments while their messages still
   * name the thread, then marks, alerts and the messages; the threads last. */
  static const char *const k_child_sql[] = {
      "DELETE FROM attachment_pieces WHERE msg_id IN (SELECT msg_id FROM messages WHERE "
      "thread_id IN (SELECT thread_id FROM threads WHERE state = ?1 AND closed_at < ?2))",
      "DELETE FROM attachments WHERE msg_id IN (SELECT msg_id FROM messages WHERE "
      "thread_id IN (SELECT thread_id FROM threads WHERE state = ?1 AND closed_at < ?2))",
      "DELETE FROM marks WHERE thread_id IN (SELECT thread_id FROM threads WHERE "
      "state = ?1 AND closed_at < ?2)",
      "DELETE FROM alerts WHERE thread_id IN (SELECT thread_id FROM threads WHERE "
      "state = ?1 AND closed_at < ?2)",
      "DELETE FROM messages WHERE thread_id IN (SELECT thread_id FROM threads WHERE "
      "state = ?1 AND closed_at < ?2)"};
  for (size_t i = 0; r == 0 && i < sizeof k_child_sql / sizeof k_child_sql[0]; i++) {
    if ((r = rp__sql_prepare(st->db, k_child_sql[i], &s)) != 0) break;
    sqlite3_bind_int(s, 1, RP_IBX_ST_CLOSED);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)before);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    sqlite3_finalize(s);
    s = NULL;
  }
  if (r == 0 &&
      (r = rp__sql_prepare(
           st->db, "DELETE FROM threads WHERE state = ?1 AND closed_at < ?2", &s)) == 0) {
    sqlite3_bind_int(s, 1, RP_IBX_ST_CLOSED);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)before);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    if (r == 0) *purged = (uint64_t)sqlite3_changes(st->db);
  }
  sqlite3_finalize(s);
  if (r == 0)
    r = rp__sql_exec(st->db, "COMMIT");
  else
    rp__sql_exec(st->db, "ROLLBACK");
  /* Give the zeroed pages back to the file system, and fold the WAL (which still holds
   * the pages as they were before the delete) into the database and truncate it. */
  if (r == 0 && *purged > 0)
    r = rp__sql_exec(st->db, "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);");
out:
  pthread_mutex_unlock(&st->mu);
  for (size_t i = 0; r == 0 && i < nids; i++)
    fn(data, ids[i]);
  free(ids);
  return r;
}
