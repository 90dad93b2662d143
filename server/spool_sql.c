/* SPDX-License-Identifier: MIT */
/*
 * The spool's SQL: schema, connections and their settings, prepared statements, the
 * totals and roster floor read at open, the floor and the checkpoint statements. The
 * worker bodies that run batches are in spool_work.c. Nothing here touches the loop.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

/* 2: the relay_state table (the roster floor). A version 1 file is upgraded in place;
 * a relay of version 1 refuses a version 2 file, since it would not honour the floor.
 * 3: the chunk and chunk_msg tables (attachment chunks). Older files are upgraded in
 * place; a relay of version 2 refuses a version 3 file, since it would never delete the
 * chunks nor count them against the quotas.
 * 4: the chunk table keeps each chunk's length (len), and its bytes live in the chunk
 * files (spool_file.c). A version 3 file is upgraded at open: its chunk bytes are
 * written into the files and synced first, then one transaction rebuilds the table
 * without them (a crash in between redoes the upgrade). A relay of version 3 refuses a
 * version 4 file, since it would find no chunk bytes. */
#define SCHEMA_VERSION 4

#define CHUNK_TABLE(name)                                                                  \
  "CREATE TABLE IF NOT EXISTS " name " ("                                                  \
  " msg_id BLOB NOT NULL CHECK (length(msg_id) = 16),"                                     \
  " idx INTEGER NOT NULL CHECK (idx >= 0),"                                                \
  " sender TEXT NOT NULL,"                                                                 \
  " recipient TEXT NOT NULL,"                                                              \
  " expires_ms INTEGER NOT NULL,"                                                          \
  " len INTEGER NOT NULL CHECK (len > 0),"                                                 \
  " PRIMARY KEY (msg_id, idx));"

/* AUTOINCREMENT so that a seq is never reused, even after the newest row is deleted:
 * delivery resumes "after seq N", and a reused N would hide a new envelope. The envelope
 * column comes last so that the small columns stay on the b-tree page and a scan that
 * does not need the bytes never reads the overflow pages. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS envelope ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " msg_id BLOB NOT NULL UNIQUE CHECK (length(msg_id) = 16),"
    " sender TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " urgency INTEGER NOT NULL,"
    " size INTEGER NOT NULL CHECK (size > 0),"
    " envelope BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS envelope_by_recipient ON envelope (recipient, seq);"
    "CREATE INDEX IF NOT EXISTS envelope_by_expiry ON envelope (expires_ms);"
    "CREATE TABLE IF NOT EXISTS relay_state ("
    " name TEXT PRIMARY KEY,"
    " value INTEGER NOT NULL);"
    /* One row per chunk, with its length; the bytes are in the message's chunk file. */
    CHUNK_TABLE("chunk")
    /* One row per message with chunks: what they must agree on, and their sums (n rows,
     * bytes), so that no check has to scan a message's chunks (spool.h). */
    "CREATE TABLE IF NOT EXISTS chunk_msg ("
    " msg_id BLOB PRIMARY KEY CHECK (length(msg_id) = 16),"
    " sender TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " count INTEGER NOT NULL CHECK (count > 0),"
    " expires_ms INTEGER NOT NULL,"
    " n INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS chunk_msg_by_expiry ON chunk_msg (expires_ms);"
    "PRAGMA user_version = 4;";

/* A version 3 spool's chunk table, rebuilt without its bytes (they are in the files by
 * then). DROP TABLE under secure_delete zeroes the old pages, and the checkpoint at open
 * empties the log. */
static const char upgrade3_sql[] = CHUNK_TABLE(
    "chunk_v4") "INSERT INTO chunk_v4 (msg_id, idx, sender, recipient, expires_ms, len)"
                " SELECT msg_id, idx, sender, recipient, expires_ms, length(bytes) FROM "
                "chunk;"
                "DROP TABLE chunk;"
                "ALTER TABLE chunk_v4 RENAME TO chunk;";

/* Indexed by the ST_ names; each statement in parentheses so that compilers do not take
 * the split literals for a missing comma. */
static const char *const writer_sql[] = {
    /* ON CONFLICT names msg_id so that only a duplicate id is skipped; any other
     * constraint failure stays an error instead of passing for a duplicate. */
    [ST_INSERT] =
        ("INSERT INTO envelope (msg_id, sender, recipient, created_ms, expires_ms,"
         " urgency, size, envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
         " ON CONFLICT (msg_id) DO NOTHING"),
    [ST_EXISTS] = ("SELECT 1 FROM envelope WHERE msg_id = ?1"),
    [ST_FIND] = ("SELECT seq, size, sender, created_ms, expires_ms, urgency FROM envelope"
                 " WHERE msg_id = ?1 AND recipient = ?2"),
    [ST_DELETE] = ("DELETE FROM envelope WHERE seq = ?1"),
    [ST_EXPIRED] =
        ("SELECT seq, msg_id, sender, recipient, created_ms, expires_ms, urgency,"
         " size FROM envelope WHERE expires_ms <= ?1"
         " ORDER BY expires_ms, seq LIMIT ?2"),
    /* The floor only ever rises, whatever order two raises commit in. */
    [ST_FLOOR] = ("INSERT INTO relay_state (name, value) VALUES ('roster_version', ?1)"
                  " ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)"),
    [ST_CHUNK_HAS] = ("SELECT sender FROM chunk WHERE msg_id = ?1 AND idx = ?2"),
    [ST_CHUNK_MSG] = ("SELECT sender, recipient, count, n, bytes FROM chunk_msg"
                      " WHERE msg_id = ?1"),
    [ST_CHUNK_INSERT] = ("INSERT INTO chunk (msg_id, idx, sender, recipient, expires_ms,"
                         " len) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
    [ST_CHUNK_MSG_ADD] =
        ("INSERT INTO chunk_msg (msg_id, sender, recipient, count, expires_ms, n, bytes)"
         " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) ON CONFLICT (msg_id) DO UPDATE SET"
         " n = n + 1, bytes = bytes + excluded.bytes,"
         " expires_ms = max(expires_ms, excluded.expires_ms)"),
    [ST_CHUNK_DEL] = ("DELETE FROM chunk WHERE msg_id = ?1"),
    [ST_CHUNK_MSG_DEL] = ("DELETE FROM chunk_msg WHERE msg_id = ?1"),
    [ST_CHUNK_EXPIRES] = ("UPDATE chunk_msg SET expires_ms = ?2 WHERE msg_id = ?1"),
    [ST_CHUNK_ORPHANS] =
        ("SELECT msg_id, sender, recipient, n, bytes FROM chunk_msg WHERE expires_ms <= ?1"
         " AND NOT EXISTS (SELECT 1 FROM envelope WHERE envelope.msg_id = chunk_msg.msg_id)"
         " ORDER BY expires_ms LIMIT ?2"),
    [ST_FIND_SENT] = ("SELECT seq, size, recipient FROM envelope WHERE msg_id = ?1"
                      " AND sender = ?2"),
};
_Static_assert(sizeof writer_sql / sizeof *writer_sql == ST_WRITER_N,
               "one SQL a statement");

static const char *const reader_sql[] = {
    [ST_FETCH] = ("SELECT seq, msg_id, sender, created_ms, expires_ms, urgency, size,"
                  " envelope FROM envelope WHERE recipient = ?1 AND seq > ?2"
                  " ORDER BY seq LIMIT ?3"),
    /* A chunk get serves only the chunks of a stored envelope of this recipient, from
     * the envelope's own sender. */
    [ST_CG_MSG] =
        ("SELECT e.expires_ms, m.count FROM envelope e JOIN chunk_msg m"
         " ON m.msg_id = e.msg_id AND m.sender = e.sender"
         " AND m.recipient = e.recipient WHERE e.msg_id = ?1 AND e.recipient = ?2"),
    [ST_CG_DATA] = ("SELECT idx, len FROM chunk WHERE msg_id = ?1 AND idx >= ?2"
                    " AND idx < ?3 ORDER BY idx"),
};
_Static_assert(sizeof reader_sql / sizeof *reader_sql == ST_READER_N,
               "one SQL a statement");
_Static_assert(ST_WRITER_N <= 16 && ST_READER_N <= 16, "rp__spool_lane.st holds them");

void rp__spool_sql_set_err(char *err, size_t errlen, const char *what, sqlite3 *db,
                           int rc) {
  if (errlen == 0) return;
  snprintf(err, errlen, "%s: %s (SQLite code %d)", what,
           db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
           db != NULL ? sqlite3_extended_errcode(db) : rc);
}

int rp__spool_sql_open(const char *path, const char *vfs, int writer, int chunk_dir,
                       sqlite3 **out, char *err, size_t errlen) {
  int r = RP_EIO, rc;
  long version;
  sqlite3 *db = NULL;
  char val[32];
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

  *out = NULL;
  if (writer) flags |= SQLITE_OPEN_CREATE;
  if ((rc = sqlite3_open_v2(path, &db, flags, vfs)) != SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "open", db, rc);
    goto out;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  if ((rc = rp__sql_pragma_text(db, "PRAGMA journal_mode = WAL", val, sizeof val)) !=
      SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "journal_mode", db, rc);
    goto out;
  }
  if (strcmp(val, "wal") != 0) {
    snprintf(err, errlen, "journal_mode: SQLite refused WAL (got '%s')", val);
    goto out;
  }
  if ((rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) != SQLITE_OK ||
      (rc = rp__sql_pragma_text(db, "PRAGMA synchronous", val, sizeof val)) != SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "synchronous", db, rc);
    goto out;
  }
  if (strcmp(val, "2") != 0) {
    snprintf(err, errlen, "synchronous: SQLite refused FULL (got '%s')", val);
    goto out;
  }
  /* Deleted envelopes are overwritten with zeros on disk, not just unlinked: never
   * leave that to how SQLite happened to be built (spool.h, "Deletion on disk"). */
  if ((rc = sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL)) != SQLITE_OK ||
      (rc = rp__sql_pragma_text(db, "PRAGMA secure_delete", val, sizeof val)) !=
          SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "secure_delete", db, rc);
    goto out;
  }
  if (strcmp(val, "1") != 0) {
    snprintf(err, errlen, "secure_delete: SQLite refused ON (got '%s')", val);
    goto out;
  }
  if ((rc = rp__sql_pragma_text(db, "PRAGMA user_version", val, sizeof val)) != SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "user_version", db, rc);
    goto out;
  }
  if ((version = strtol(val, NULL, 10)) > SCHEMA_VERSION) {
    snprintf(err, errlen, "spool schema version %s is newer than this relay's (%d)", val,
             SCHEMA_VERSION);
    r = RP_EVERSION;
    goto out;
  }
  if (writer) {
    /* The bytes are durable in the files before the transaction drops them. */
    if (version == 3 && (r = rp__spool_files_export(chunk_dir, db, err, errlen)) != 0)
      goto out;
    r = RP_EIO;
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK && version == 3)
      rc = sqlite3_exec(db, upgrade3_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      rp__spool_sql_set_err(err, errlen, "schema", db, rc);
      goto out;
    }
    /* After a crash the log may still hold envelopes deleted before it: copy what is
     * current into the database and empty the log before serving. */
    if ((rc = rp__spool_sql_checkpoint(db)) != SQLITE_OK) {
      rp__spool_sql_set_err(err, errlen, "checkpoint", db, rc);
      goto out;
    }
  } else if ((rc = sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL)) != 0) {
    rp__spool_sql_set_err(err, errlen, "query_only", db, rc);
    goto out;
  }
  *out = db;
  db = NULL;
  r = 0;
out:
  sqlite3_close_v2(db);
  return r;
}

int rp__spool_sql_prepare(rp__spool_lane *ln, int writer, char *err, size_t errlen) {
  const char *const *sql = writer ? writer_sql : reader_sql;
  size_t n = writer ? sizeof writer_sql / sizeof *sql : sizeof reader_sql / sizeof *sql;
  for (size_t i = 0; i < n; i++) {
    int rc =
        sqlite3_prepare_v3(ln->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ln->st[i], NULL);
    if (rc != SQLITE_OK) {
      rp__spool_sql_set_err(err, errlen, "prepare", ln->db, rc);
      return RP_EIO;
    }
  }
  return 0;
}

/* Adds the rows of `sql` (recipient, sender, count, bytes) to the running totals: the
 * bytes to the recipient's, the pair's and the spool's totals (the quotas), the count to
 * the envelope counts, or for chunks to the chunk counters only. */
static int load_totals(rp__spool *sp, const char *sql, bool chunks, char *err,
                       size_t errlen) {
  sqlite3_stmt *st = NULL;
  int r = 0, rc = sqlite3_prepare_v2(sp->writer.db, sql, -1, &st, NULL);
  while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    char rcpt[RP_MEMBER_ID_MAX + 1], sender[RP_MEMBER_ID_MAX + 1], key[RP__SPOOL_KEY_MAX];
    uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);
    uint64_t bytes = (uint64_t)sqlite3_column_int64(st, 3);
    rp__spool_rcpt *e, *pe;
    rp__sql_col_text(st, 0, rcpt, RP_MEMBER_ID_MAX + 1);
    rp__sql_col_text(st, 1, sender, RP_MEMBER_ID_MAX + 1);
    rp__spool_pair_key(key, rcpt, sender);
    if ((e = rp__spool_map_get(&sp->map, rcpt)) == NULL ||
        (pe = rp__spool_map_get(&sp->pairs, key)) == NULL) {
      snprintf(err, errlen, "load: out of memory");
      r = RP_ENOMEM;
      break;
    }
    e->bytes += bytes;
    pe->bytes += bytes;
    sp->stats.bytes += bytes;
    if (chunks) {
      sp->stats.chunks += n;
      sp->stats.chunk_bytes += bytes;
    } else {
      e->envelopes += n;
      pe->envelopes += n;
      sp->stats.envelopes += n;
    }
  }
  if (r == 0 && rc != SQLITE_DONE) {
    rp__spool_sql_set_err(err, errlen, "load", sp->writer.db, rc);
    r = RP_EIO;
  }
  sqlite3_finalize(st);
  return r;
}

int rp__spool_sql_load(rp__spool *sp, char *err, size_t errlen) {
  int r, rc;
  sqlite3_stmt *st = NULL;
  if ((r = load_totals(sp,
                       "SELECT recipient, sender, COUNT(*), SUM(size) FROM envelope"
                       " GROUP BY recipient, sender",
                       false, err, errlen)) != 0 ||
      (r = load_totals(sp,
                       "SELECT recipient, sender, SUM(n), SUM(bytes) FROM chunk_msg"
                       " GROUP BY recipient, sender",
                       true, err, errlen)) != 0)
    return r;
  r = RP_EIO;
  rc = sqlite3_prepare_v2(sp->writer.db,
                          "SELECT value FROM relay_state WHERE name = 'roster_version'", -1,
                          &st, NULL);
  if (rc != SQLITE_OK) goto sqlerr;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 v = sqlite3_column_int64(st, 0);
    sp->roster_floor = v > 0 ? (uint64_t)v : 0;
    rc = SQLITE_DONE;
  }
  if (rc != SQLITE_DONE) goto sqlerr;
  r = 0;
  goto out;
sqlerr:
  rp__spool_sql_set_err(err, errlen, "load", sp->writer.db, rc);
out:
  sqlite3_finalize(st);
  return r;
}

int rp__spool_sql_floor(rp__spool_lane *ln, uint64_t version) {
  sqlite3_stmt *st = ln->st[ST_FLOOR];
  int rc;
  /* Versions are at most 2^63 - 1 (the roster's range), so they fit an SQLite integer. */
  sqlite3_bind_int64(st, 1, (sqlite3_int64)version);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void rp__spool_sql_close(rp__spool_lane *ln) {
  for (size_t i = 0; i < sizeof ln->st / sizeof ln->st[0]; i++) {
    sqlite3_finalize(ln->st[i]);
    ln->st[i] = NULL;
  }
  sqlite3_close_v2(ln->db);
  ln->db = NULL;
}

int rp__spool_sql_checkpoint(sqlite3 *db) {
  int nlog = 0, ncopied = 0;
  return sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &ncopied);
}
