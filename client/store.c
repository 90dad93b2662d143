/* SPDX-License-Identifier: MIT */
/* Opening the client database and its metadata; see store.h. The SQL helpers the stores
 * share are in db/sql_util.h. */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "rejsepost_errors.h"

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE, thread_id BLOB NOT NULL,"
    " ref_id BLOB, kind INTEGER NOT NULL, urgency INTEGER NOT NULL,"
    " receipt INTEGER NOT NULL, recipient TEXT NOT NULL, envelope BLOB NOT NULL,"
    " status INTEGER NOT NULL, error INTEGER NOT NULL DEFAULT 0,"
    " t1 INTEGER, t2 INTEGER, t3 INTEGER, t4 INTEGER, t5 INTEGER, t6 INTEGER,"
    " t7 INTEGER, t8 INTEGER, chunks INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS outbox_status ON outbox(status, id);"
    "CREATE TABLE IF NOT EXISTS inbox("
    " id INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE, thread_id BLOB NOT NULL,"
    " ref_id BLOB, kind INTEGER NOT NULL, sender TEXT NOT NULL,"
    " envelope BLOB NOT NULL, stored_at INTEGER NOT NULL,"
    " handled INTEGER NOT NULL DEFAULT 0, handled_at INTEGER,"
    " chunks INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 1,"
    " expires INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS inbox_handled ON inbox(handled, id);"
    /* Attachment chunks as sealed (docs/PROTOCOL.md 6.7), one row per chunk: the
     * outbox's until the relay has them all, the inbox's as received. The bytes are in
     * files (store_chunk.c); a row keeps the chunk's length. */
    "CREATE TABLE IF NOT EXISTS outbox_chunk(" RP__STORE_OUT_CHUNK_COLS ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS inbox_chunk(" RP__STORE_IN_CHUNK_COLS ") WITHOUT ROWID;"
    /* The relay's chunk_acks, apart from the chunks: SQLite rewrites a whole row on any
     * UPDATE, so a flag beside the blob (schema 4 and older) cost a 256 KiB write per
     * ack. outbox_chunk.acked is only read (rows marked by an older version). */
    "CREATE TABLE IF NOT EXISTS outbox_chunk_ack("
    " msg_id BLOB NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(msg_id, idx))"
    " WITHOUT ROWID;"
    /* Erasure (schema 4): the msg_ids of erased messages the relay may still hold, until
     * it has answered their purge (PROTOCOL.md 5.7); and the threads, for erasing one. */
    "CREATE TABLE IF NOT EXISTS purge(id INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE);"
    /* The highest row id each of outbox and inbox has had: SQLite gives a new row the
     * highest id in the table plus one, so after the newest rows were erased it would
     * give an id again that the loop's cursors (send_cursor, inbox_cursor) have passed,
     * and the new message would be skipped. New rows take the next id above both. */
    "CREATE TABLE IF NOT EXISTS hw(t TEXT PRIMARY KEY, id INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS outbox_thread ON outbox(thread_id);"
    "CREATE INDEX IF NOT EXISTS inbox_thread ON inbox(thread_id);";

/* Tables added without a schema version (each is created in any database, old or new,
 * and nothing moves into it): the recall marks. outbox_recalled holds when a message of
 * ours reached RP_STATUS_RECALLED (the outbox has time columns t1..t8 only; its status
 * column takes the number as any other); inbox_recalled the received messages whose
 * sender recalled them (recv.c). Kept apart from schema_sql so that the versioned schema
 * stays one list. */
static const char *const added_tables_sql =
    "CREATE TABLE IF NOT EXISTS outbox_recalled("
    " msg_id BLOB PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS inbox_recalled("
    " msg_id BLOB PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"
    /* Every message received asks whether a recall of it came first
     * (rp__store_in_recall_held): an index lookup, not a scan of the whole inbox. */
    "CREATE INDEX IF NOT EXISTS inbox_ref ON inbox(ref_id, kind) WHERE ref_id IS NOT NULL;";

/* The schema's version in PRAGMA user_version: 0 for a database made before versions
 * were kept (outbox times t1..t7), 1 since the auto_replied status (t8), 2 since
 * attachments (the chunks columns and tables), 3 since outbox_chunk_ack (a table the
 * schema above creates in any database; nothing to move) and the inbox's envelope
 * expiry (an incomplete message is given up after it), 4 since erasure (the purge table
 * and the thread indexes, which the schema above creates in any database; rows an older
 * version deleted without secure_delete may have left bytes in free pages, so the first
 * open of version 4 runs a VACUUM, which rewrites the file without them), 5 since the
 * chunk bytes live in files (store_chunk.c moves an older store's blobs out at its first
 * open, and the VACUUM gives their pages back). */
#define SCHEMA_VERSION 5
#define STR_(x) #x
#define STR(x) STR_(x)

/* Columns added since the first schema: a new database has them from the CREATE above,
 * an old one gets them here. */
static const struct {
  const char *table, *column, *decl;
} added[] = {
    {"outbox", "t8", "INTEGER"},
    {"outbox", "chunks", "INTEGER NOT NULL DEFAULT 0"},
    {"inbox", "chunks", "INTEGER NOT NULL DEFAULT 0"},
    {"inbox", "complete", "INTEGER NOT NULL DEFAULT 1"},
    {"inbox", "expires", "INTEGER NOT NULL DEFAULT 0"},
};

static int add_column(rp__store *st, const char *table, const char *column,
                      const char *decl) {
  sqlite3_stmt *s = NULL;
  char sql[160];
  int rc, have = 0;
  snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = ?",
           table);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) != 0) return rc;
  sqlite3_bind_text(s, 1, column, -1, SQLITE_STATIC);
  if (sqlite3_step(s) == SQLITE_ROW) have = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (have) return 0;
  snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", table, column, decl);
  return rp__sql_exec(st->db, sql);
}

/* Brings a database made by an older version up to this one, in one transaction. A
 * state folder is never given up: the host's unsent messages are in it. */
static int migrate(rp__store *st) {
  sqlite3_stmt *s = NULL;
  int rc, version = 0, moved = 0;
  if ((rc = rp__sql_prepare(st->db, "PRAGMA user_version", &s)) != 0) return rc;
  if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (version >= SCHEMA_VERSION) return 0;
  /* Before the transaction below: the chunk files are written and synced first, then
   * their blobs dropped in a transaction of its own. */
  if ((rc = rp__store_chunks_to_files(st, &moved)) != 0) return rc;
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) return rc;
  for (size_t i = 0; rc == 0 && i < sizeof added / sizeof added[0]; i++)
    rc = add_column(st, added[i].table, added[i].column, added[i].decl);
  if (rc == 0) rc = rp__sql_exec(st->db, "PRAGMA user_version = " STR(SCHEMA_VERSION));
  if (rc == 0) rc = rp__sql_exec(st->db, "COMMIT");
  if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
  /* A database that had rows before (version > 0 or any outbox row) may hold bytes of
   * deleted rows in its free pages: rewrite it once (see SCHEMA_VERSION). */
  if (rc == 0 && (version > 0 || moved)) rc = rp__sql_exec(st->db, "VACUUM");
  return rc;
}

/* Chunks no message needs: of an rp_send that never committed its envelope (the
 * process died while it streamed an attachment), or of a message no longer queued (the
 * process died between its RELAYED and the drop of its chunks, conn_msg.c on_ack). */
static const char *const orphans_sql = "DELETE FROM outbox_chunk WHERE msg_id NOT IN"
                                       " (SELECT msg_id FROM outbox WHERE status = 1);"
                                       "DELETE FROM outbox_chunk_ack WHERE msg_id NOT IN"
                                       " (SELECT msg_id FROM outbox WHERE status = 1);";

static int make_dir(const char *dir) {
  struct stat sb;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return RP_EIO;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) return RP_EIO;
  return 0;
}

static int set_secure_delete(rp__store *st) {
  char val[8] = "";
  if (rp__sql_exec(st->db, "PRAGMA secure_delete = ON;") != 0 ||
      rp__sql_pragma_text(st->db, "PRAGMA secure_delete", val, sizeof val) != SQLITE_OK ||
      strcmp(val, "1") != 0)
    return RP_EIO;
  return 0;
}

int rp__store_open(const char *dir, rp__store **out) {
  rp__store *st = NULL;
  char path[4096];
  int rc = RP_EINVAL, n;
  *out = NULL;
  if (dir == NULL) goto out;
  n = snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
  rc = RP_ETOOBIG;
  if (n < 0 || (size_t)n >= sizeof path) goto out;
  if ((rc = make_dir(dir)) != 0 || (rc = rp__sql_create_private(path)) != 0) goto out;
  rc = RP_ENOMEM;
  if ((st = calloc(1, sizeof *st)) == NULL) goto out;
  pthread_mutex_init(&st->mu, NULL);
  if ((st->dir = strdup(dir)) == NULL) goto out;
  if ((rc = rp__store_chunk_dirs(st)) != 0) goto out;
  rc = RP_EIO;
  if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK)
    goto out;
  sqlite3_busy_timeout(st->db, 5000);
  /* Pages of 16 KiB for a new database; an existing one keeps its own. SQLite writes,
   * checkpoints and reads a row page by page, one system call each, and a sealed
   * attachment chunk (256 KiB) spans 17 pages instead of 65: a third less CPU for the
   * sender of an attachment, a sixth less for its recipient. A small message's commit
   * costs about a tenth more CPU (64 KiB pages: a quarter more, for little more gain).
   * bench/README.md, "Attachments", has the figures. Set before WAL mode, as SQLite
   * requires. */
  if ((rc = rp__sql_exec(st->db, "PRAGMA page_size=16384;")) != 0) goto out;
  /* Pages an erasure freed (zeroed by secure_delete) go back to the file system
   * (store_erase.c runs incremental_vacuum), so an erased 100 MiB thread does not keep
   * 100 MiB of zeros in client.db. Like page_size, it takes effect for a new database,
   * and for an older one at its VACUUM (migrate). */
  if ((rc = rp__sql_exec(st->db, "PRAGMA auto_vacuum=INCREMENTAL;")) != 0) goto out;
  /* FULL: a commit is on disk when it returns, which is what "send returns once the
   * envelope is durable" and "stored before the relay is acked" promise. */
  /* secure_delete: SQLite overwrites deleted content and freed pages with zeros, whatever
   * it was built with (store.h, "Erasure"). Checked, since a build may refuse it. */
  if ((rc = set_secure_delete(st)) != 0) goto out;
  if ((rc = rp__sql_exec(st->db, "PRAGMA journal_mode=WAL;")) != 0 ||
      (rc = rp__sql_exec(st->db, "PRAGMA synchronous=FULL;")) != 0 ||
      (rc = rp__sql_exec(st->db, "PRAGMA foreign_keys=ON;")) != 0 ||
      (rc = rp__sql_exec(st->db, schema_sql)) != 0 || (rc = migrate(st)) != 0 ||
      (rc = rp__sql_exec(st->db, added_tables_sql)) != 0 ||
      (rc = rp__sql_exec(st->db, orphans_sql)) != 0 ||
      (rc = rp__store_in_sweep(st, rp__clock_wall_ms(), NULL)) != 0 ||
      (rc = rp__store_consent_sweep(st, NULL)) != 0)
    goto out;
  /* Chunk files no row names: of the orphans above, or left by a crash between a
   * commit that deleted rows and the unlink of their file (store.h, "Chunk files"). */
  rp__store_file_sweep(st);
  /* Whatever an earlier run left in the log (a crash before its checkpoint). */
  sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  *out = st;
  st = NULL;
  rc = 0;
out:
  rp__store_close(st);
  return rc;
}

void rp__store_close(rp__store *st) {
  if (st == NULL) return;
  if (st->db != NULL) sqlite3_close_v2(st->db);
  pthread_mutex_destroy(&st->mu);
  free(st->dir);
  free(st);
}

int rp__store_meta_put(rp__store *st, const char *key, const uint8_t *val, size_t len) {
  pthread_mutex_lock(&st->mu);
  int rc = rp__sql_meta_put(st->db, key, val, len);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_meta_get(rp__store *st, const char *key, uint8_t **val, size_t *len) {
  pthread_mutex_lock(&st->mu);
  int rc = rp__sql_meta_get(st->db, key, val, len);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_is_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

int rp__store_count(rp__store *st, const char *sql, uint64_t *n) {
  sqlite3_stmt *s = NULL;
  int rc;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) == 0) {
    rc = sqlite3_step(s) == SQLITE_ROW ? 0 : RP_EIO;
    if (rc == 0) *n = (uint64_t)sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}
