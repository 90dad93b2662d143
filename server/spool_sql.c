/* SPDX-License-Identifier: MIT */
/*
 * The spool's SQL: schema, connections, and the two worker bodies that run a batch on the
 * thread pool. Nothing here touches the loop or the running totals; results go into the
 * requests and the lane, and spool.c applies them on the loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

/* 2: the relay_state table (the roster floor). A version 1 file is upgraded in place;
 * a relay of version 1 refuses a version 2 file, since it would not honour the floor. */
#define SCHEMA_VERSION 2

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
    "PRAGMA user_version = 2;";

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
};

static const char *const reader_sql[] = {
    [ST_FETCH] = ("SELECT seq, msg_id, sender, created_ms, expires_ms, urgency, size,"
                  " envelope FROM envelope WHERE recipient = ?1 AND seq > ?2"
                  " ORDER BY seq LIMIT ?3"),
};

static void set_err(char *err, size_t errlen, const char *what, sqlite3 *db, int rc) {
  if (errlen == 0) return;
  snprintf(err, errlen, "%s: %s (SQLite code %d)", what,
           db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
           db != NULL ? sqlite3_extended_errcode(db) : rc);
}

/* Run a one-row PRAGMA and return its text value in buf ("" if none). */
static int pragma_text(sqlite3 *db, const char *sql, char *buf, size_t len) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  buf[0] = '\0';
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

int rp__spool_sql_open(const char *path, const char *vfs, int writer, sqlite3 **out,
                       char *err, size_t errlen) {
  int r = RP_EIO, rc;
  sqlite3 *db = NULL;
  char val[32];
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

  *out = NULL;
  if (writer) flags |= SQLITE_OPEN_CREATE;
  if ((rc = sqlite3_open_v2(path, &db, flags, vfs)) != SQLITE_OK) {
    set_err(err, errlen, "open", db, rc);
    goto out;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  if ((rc = pragma_text(db, "PRAGMA journal_mode = WAL", val, sizeof val)) != SQLITE_OK) {
    set_err(err, errlen, "journal_mode", db, rc);
    goto out;
  }
  if (strcmp(val, "wal") != 0) {
    snprintf(err, errlen, "journal_mode: SQLite refused WAL (got '%s')", val);
    goto out;
  }
  if ((rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) != SQLITE_OK ||
      (rc = pragma_text(db, "PRAGMA synchronous", val, sizeof val)) != SQLITE_OK) {
    set_err(err, errlen, "synchronous", db, rc);
    goto out;
  }
  if (strcmp(val, "2") != 0) {
    snprintf(err, errlen, "synchronous: SQLite refused FULL (got '%s')", val);
    goto out;
  }
  /* Deleted envelopes are overwritten with zeros on disk, not just unlinked: never
   * leave that to how SQLite happened to be built (spool.h, "Deletion on disk"). */
  if ((rc = sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL)) != SQLITE_OK ||
      (rc = pragma_text(db, "PRAGMA secure_delete", val, sizeof val)) != SQLITE_OK) {
    set_err(err, errlen, "secure_delete", db, rc);
    goto out;
  }
  if (strcmp(val, "1") != 0) {
    snprintf(err, errlen, "secure_delete: SQLite refused ON (got '%s')", val);
    goto out;
  }
  if ((rc = pragma_text(db, "PRAGMA user_version", val, sizeof val)) != SQLITE_OK) {
    set_err(err, errlen, "user_version", db, rc);
    goto out;
  }
  if (strtol(val, NULL, 10) > SCHEMA_VERSION) {
    snprintf(err, errlen, "spool schema version %s is newer than this relay's (%d)", val,
             SCHEMA_VERSION);
    r = RP_EVERSION;
    goto out;
  }
  if (writer) {
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      set_err(err, errlen, "schema", db, rc);
      goto out;
    }
    /* After a crash the log may still hold envelopes deleted before it: copy what is
     * current into the database and empty the log before serving. */
    if ((rc = rp__spool_sql_checkpoint(db)) != SQLITE_OK) {
      set_err(err, errlen, "checkpoint", db, rc);
      goto out;
    }
  } else if ((rc = sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL)) != 0) {
    set_err(err, errlen, "query_only", db, rc);
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
      set_err(err, errlen, "prepare", ln->db, rc);
      return RP_EIO;
    }
  }
  return 0;
}

/* Copy a text column into a fixed id buffer (ids are at most RP_MEMBER_ID_MAX bytes). */
static void column_id(sqlite3_stmt *st, int col, char out[RP_MEMBER_ID_MAX + 1]) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(out, RP_MEMBER_ID_MAX + 1, "%s", t != NULL ? (const char *)t : "");
}

static void column_msg_id(sqlite3_stmt *st, int col, uint8_t out[RP_MSG_ID_BYTES]) {
  const void *b = sqlite3_column_blob(st, col);
  memset(out, 0, RP_MSG_ID_BYTES);
  if (b != NULL && sqlite3_column_bytes(st, col) == (int)RP_MSG_ID_BYTES)
    memcpy(out, b, RP_MSG_ID_BYTES);
}

int rp__spool_sql_load(rp__spool *sp, char *err, size_t errlen) {
  int r = RP_EIO, rc;
  sqlite3_stmt *st = NULL;
  rc = sqlite3_prepare_v2(sp->writer.db,
                          "SELECT recipient, sender, COUNT(*), SUM(size) FROM envelope"
                          " GROUP BY recipient, sender",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) goto sqlerr;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char rcpt[RP_MEMBER_ID_MAX + 1], sender[RP_MEMBER_ID_MAX + 1], key[RP__SPOOL_KEY_MAX];
    uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);
    uint64_t bytes = (uint64_t)sqlite3_column_int64(st, 3);
    rp__spool_rcpt *e, *pe;
    column_id(st, 0, rcpt);
    column_id(st, 1, sender);
    rp__spool_pair_key(key, rcpt, sender);
    if ((e = rp__spool_map_get(&sp->map, rcpt)) == NULL ||
        (pe = rp__spool_map_get(&sp->pairs, key)) == NULL) {
      snprintf(err, errlen, "load: out of memory");
      r = RP_ENOMEM;
      goto out;
    }
    e->envelopes += n;
    e->bytes += bytes;
    pe->envelopes += n;
    pe->bytes += bytes;
    sp->stats.envelopes += n;
    sp->stats.bytes += bytes;
  }
  if (rc != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;
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
  set_err(err, errlen, "load", sp->writer.db, rc);
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

/* One put. Returns an SQLite code; the request's own outcome goes into req->result. */
static int do_put(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[req->priv.check_only ? ST_EXISTS : ST_INSERT];
  int rc;
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  if (!req->priv.check_only) {
    sqlite3_bind_text(st, 2, req->priv.sender, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, req->priv.recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, req->priv.created_ms);
    sqlite3_bind_int64(st, 5, req->priv.expires_ms);
    sqlite3_bind_int(st, 6, req->priv.urgency);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)req->priv.len);
    sqlite3_bind_blob(st, 8, req->priv.bytes, (int)req->priv.len, SQLITE_STATIC);
  }
  rc = sqlite3_step(st);
  if (req->priv.check_only) {
    req->result = rc == SQLITE_ROW                          ? RP_EDUPLICATE
                  : req->priv.check_only == CHECK_QUOTA ? RP_EQUOTA
                                                            : RP_ESPOOLFULL;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    if (sqlite3_changes(ln->db) == 1) {
      req->result = 0;
      req->seq = sqlite3_last_insert_rowid(ln->db);
    } else {
      req->result = RP_EDUPLICATE;
    }
    rc = SQLITE_OK;
  }
  sqlite3_reset(st);
  /* Drop the pointers into the caller's buffers: they die after the callback. */
  sqlite3_clear_bindings(st);
  return rc;
}

/* The row ST_FIND has found, as an entry for a refusal's notice. NULL without memory. */
static rp__spool_entry *found_entry(sqlite3_stmt *st, const rp__spool_req *req) {
  rp__spool_entry *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->seq = sqlite3_column_int64(st, 0);
  e->size = (size_t)sqlite3_column_int64(st, 1);
  column_id(st, 2, e->sender);
  e->created_ms = sqlite3_column_int64(st, 3);
  e->expires_ms = sqlite3_column_int64(st, 4);
  e->urgency = sqlite3_column_int(st, 5);
  memcpy(e->msg_id, req->priv.msg_id, RP_MSG_ID_BYTES);
  memcpy(e->recipient, req->priv.recipient, sizeof e->recipient);
  e->refused = req->priv.refused;
  return e;
}

static int put_notice(rp__spool_lane *ln, rp__spool_req *req, rp__spool_entry *e);

/* A delete after DELIVERED; with priv.refused, a refusal that stores the sender's
 * notice in the same transaction. */
static int do_delete(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[ST_FIND];
  rp__spool_entry *e = NULL;
  sqlite3_int64 seq = 0;
  int rc;
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, req->priv.recipient, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    seq = sqlite3_column_int64(st, 0);
    req->priv.deleted_size = (size_t)sqlite3_column_int64(st, 1);
    column_id(st, 2, req->priv.deleted_sender);
    /* Without memory for the notice nothing is deleted (the row is delivered again
     * later), rather than failing the whole batch or losing the sender's notice. */
    if (req->priv.refused > 0 && (e = found_entry(st, req)) == NULL) rc = SQLITE_DONE;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) {
    req->result = e == NULL && seq != 0 ? RP_ENOMEM : RP_ENOTFOUND;
    return SQLITE_OK;
  }
  if (rc != SQLITE_ROW) return rc;
  /* The entry is the request's from here on, even if a step fails: spool.c frees it
   * with the failed batch. */
  if (e != NULL) {
    req->entries = e;
    req->nentries = 1;
  }
  st = ln->st[ST_DELETE];
  sqlite3_bind_int64(st, 1, seq);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return rc;
  if (e != NULL && (rc = put_notice(ln, req, e)) != SQLITE_OK) return rc;
  req->result = 0;
  return SQLITE_OK;
}

/* Store the notice of row e (expired, or refused) in the running transaction, if the
 * builder makes one. A notice already stored (the same id) counts as none. */
static int put_notice(rp__spool_lane *ln, rp__spool_req *req, rp__spool_entry *e) {
  sqlite3_stmt *st = ln->st[ST_INSERT];
  uint8_t buf[RP__SPOOL_NOTICE_MAX];
  size_t len = 0;
  int rc;

  e->notice_size = 0;
  /* A notice that expires gets no notice of its own. */
  if (strcmp(e->sender, req->priv.sender) == 0) return SQLITE_OK;
  if (req->priv.notice_fn(req->priv.notice_arg, e, req->priv.now_ms, e->notice_id, buf,
                          &len) != 1 ||
      len == 0 || len > sizeof buf)
    return SQLITE_OK;
  sqlite3_bind_blob(st, 1, e->notice_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, req->priv.sender, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, e->sender, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, req->priv.now_ms);
  sqlite3_bind_int64(st, 5, req->priv.now_ms + req->priv.notice_ttl_ms);
  sqlite3_bind_int(st, 6, 0);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)len);
  sqlite3_bind_blob(st, 8, buf, (int)len, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    if (sqlite3_changes(ln->db) == 1) e->notice_size = len;
    rc = SQLITE_OK;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

static int do_expire(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[ST_EXPIRED];
  size_t max = req->priv.max_count, n = 0;
  int rc;
  rp__spool_entry *e = calloc(max, sizeof *e);
  if (e == NULL) {
    req->result = RP_ENOMEM;
    return SQLITE_OK;
  }
  /* One extra row tells whether more have expired than this call may take. */
  sqlite3_bind_int64(st, 1, req->priv.now_ms);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)max + 1);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == max) {
      req->more = 1;
      rc = SQLITE_DONE;
      break;
    }
    e[n].seq = sqlite3_column_int64(st, 0);
    column_msg_id(st, 1, e[n].msg_id);
    column_id(st, 2, e[n].sender);
    column_id(st, 3, e[n].recipient);
    e[n].created_ms = sqlite3_column_int64(st, 4);
    e[n].expires_ms = sqlite3_column_int64(st, 5);
    e[n].urgency = sqlite3_column_int(st, 6);
    e[n].size = (size_t)sqlite3_column_int64(st, 7);
    n++;
  }
  sqlite3_reset(st);
  /* Rows are deleted after the SELECT has finished, never under a running cursor. */
  for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
    sqlite3_stmt *del = ln->st[ST_DELETE];
    sqlite3_bind_int64(del, 1, e[i].seq);
    rc = sqlite3_step(del);
    sqlite3_reset(del);
    if (rc == SQLITE_DONE && req->priv.notice_fn != NULL) {
      rc = put_notice(ln, req, &e[i]);
      if (rc == SQLITE_OK) rc = SQLITE_DONE;
    }
  }
  /* The entries are kept even on error: spool.c frees them when it fails the batch. */
  req->entries = e;
  req->nentries = n;
  if (rc != SQLITE_DONE) return rc;
  req->result = 0;
  return SQLITE_OK;
}

int rp__spool_sql_checkpoint(sqlite3 *db) {
  int nlog = 0, ncopied = 0;
  return sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &ncopied);
}

/* A checkpoint batch (alone in its batch; no transaction may be open). Meeting a reader
 * is no error: it is tried again later. Anything else is the disk's, and fails the
 * spool. */
static void do_checkpoint(rp__spool_lane *ln, rp__spool_req *req) {
  int rc = rp__spool_sql_checkpoint(ln->db);
  if (rc == SQLITE_OK) {
    req->result = 0;
  } else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    req->result = RP_EBUSY;
  } else {
    ln->err = RP_EFSYNC;
    set_err(ln->why, sizeof ln->why, "checkpoint", ln->db, rc);
  }
}

void rp__spool_sql_write(rp__spool_lane *ln) {
  const char *stage = "begin";
  int rc;
  ln->err = 0;
  ln->why[0] = '\0';
  if (ln->batch->type == RP__SPOOL_CHECKPOINT) {
    do_checkpoint(ln, ln->batch);
    return;
  }
  rc = sqlite3_exec(ln->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  for (rp__spool_req *req = ln->batch; rc == SQLITE_OK && req != NULL;
       req = req->priv.next) {
    switch (req->type) {
    case RP__SPOOL_PUT:
      stage = "insert";
      rc = do_put(ln, req);
      break;
    case RP__SPOOL_DELETE:
      stage = "delete";
      rc = do_delete(ln, req);
      break;
    case RP__SPOOL_EXPIRE:
      stage = "expire";
      rc = do_expire(ln, req);
      break;
    case RP__SPOOL_FLOOR:
      stage = "roster floor";
      rc = rp__spool_sql_floor(ln, (uint64_t)req->priv.after_seq);
      if (rc == SQLITE_OK) req->result = 0;
      break;
    default:
      abort(); /* only writer requests are ever queued here */
    }
  }
  if (rc == SQLITE_OK) {
    stage = "commit";
    rc = sqlite3_exec(ln->db, "COMMIT", NULL, NULL, NULL);
  }
  if (rc == SQLITE_OK) return;
  /* Everything from COMMIT on is the durable write itself; an fsync error anywhere is
   * too (a cache spill can sync). Earlier errors never reached the disk's promise. */
  int ext = sqlite3_extended_errcode(ln->db);
  ln->err = (strcmp(stage, "commit") == 0 || ext == SQLITE_IOERR_FSYNC ||
             ext == SQLITE_IOERR_DIR_FSYNC)
                ? RP_EFSYNC
                : RP_EIO;
  set_err(ln->why, sizeof ln->why, stage, ln->db, rc);
  if (!sqlite3_get_autocommit(ln->db)) sqlite3_exec(ln->db, "ROLLBACK", NULL, NULL, NULL);
}

static void do_fetch(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[ST_FETCH];
  size_t max = req->priv.max_count, n = 0, bytes = 0;
  int rc;
  rp__spool_entry *e = calloc(max, sizeof *e);
  if (e == NULL) {
    req->result = RP_ENOMEM;
    return;
  }
  sqlite3_bind_text(st, 1, req->priv.recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, req->priv.after_seq);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)max + 1);
  req->result = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    size_t size = (size_t)sqlite3_column_int64(st, 6);
    if (n == max || (n > 0 && size > req->priv.max_bytes - bytes)) {
      req->more = 1;
      break;
    }
    /* The blob is read only for rows that are returned. */
    const void *blob = sqlite3_column_blob(st, 7);
    size_t blen = (size_t)sqlite3_column_bytes(st, 7);
    e[n].envelope = malloc(blen > 0 ? blen : 1);
    if (e[n].envelope == NULL) {
      req->result = RP_ENOMEM;
      break;
    }
    if (blen > 0) memcpy(e[n].envelope, blob, blen);
    e[n].size = blen;
    e[n].seq = sqlite3_column_int64(st, 0);
    column_msg_id(st, 1, e[n].msg_id);
    column_id(st, 2, e[n].sender);
    memcpy(e[n].recipient, req->priv.recipient, sizeof e[n].recipient);
    e[n].created_ms = sqlite3_column_int64(st, 3);
    e[n].expires_ms = sqlite3_column_int64(st, 4);
    e[n].urgency = sqlite3_column_int(st, 5);
    bytes += blen < req->priv.max_bytes - bytes ? blen : req->priv.max_bytes - bytes;
    n++;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) req->result = RP_EIO;
  sqlite3_reset(st);
  req->entries = e;
  req->nentries = n;
  if (req->result != 0) rp__spool_req_cleanup(req);
}

void rp__spool_sql_read(rp__spool_lane *ln) {
  ln->err = 0;
  for (rp__spool_req *req = ln->batch; req != NULL; req = req->priv.next)
    do_fetch(ln, req);
}
