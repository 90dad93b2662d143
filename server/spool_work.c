/* SPDX-License-Identifier: MIT */
/*
 * The spool's worker bodies, run on the thread pool with the lane's connection: one
 * write batch in one transaction (puts, deletes and refusals, expiry with its notices,
 * the roster floor) or a WAL checkpoint on its own, and the reader's fetches. Results
 * go into the requests and the lane; spool.c applies them on the loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool_int.h"

/* One put. Returns an SQLite code; the request's own outcome goes into req->result. */
static int do_put(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[req->priv.check_only ? ST_EXISTS : ST_INSERT];
  int rc;
  /* An envelope with attachment chunks: a resend is a duplicate as always; else it is
   * stored only once all its chunks are (PROTOCOL.md 5.5, ETRUNC). */
  if (req->priv.count > 0 && !req->priv.check_only) {
    int complete = 0;
    sqlite3_stmt *ex = ln->st[ST_EXISTS];
    sqlite3_bind_blob(ex, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    rc = sqlite3_step(ex);
    sqlite3_reset(ex);
    sqlite3_clear_bindings(ex);
    if (rc == SQLITE_ROW) {
      req->result = RP_EDUPLICATE;
      return SQLITE_OK;
    }
    if (rc != SQLITE_DONE) return rc;
    if ((rc = rp__spool_sql_chunks_complete(ln, req, &complete)) != SQLITE_OK) return rc;
    if (!complete) {
      req->result = RP_ETRUNC;
      return SQLITE_OK;
    }
  }
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
    req->result = rc == SQLITE_ROW                      ? RP_EDUPLICATE
                  : req->priv.check_only == CHECK_QUOTA ? RP_EQUOTA
                                                        : RP_ESPOOLFULL;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    if (sqlite3_changes(ln->db) == 1) {
      req->result = 0;
      req->seq = sqlite3_last_insert_rowid(ln->db);
      /* From now on the chunks live exactly as long as their envelope. */
      if (req->priv.count > 0)
        rc = rp__spool_sql_chunks_expire_with(ln, req->priv.msg_id, req->priv.expires_ms);
    } else {
      req->result = RP_EDUPLICATE;
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
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
  rp__sql_col_text(st, 2, e->sender, RP_MEMBER_ID_MAX + 1);
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
    rp__sql_col_text(st, 2, req->priv.deleted_sender, RP_MEMBER_ID_MAX + 1);
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
  /* The envelope's attachment chunks go in the same transaction. */
  if ((rc = rp__spool_sql_delete_chunks(ln, req->priv.msg_id, req->priv.deleted_sender,
                                        req->priv.recipient, &req->chunks,
                                        &req->chunk_bytes)) != SQLITE_OK)
    return rc;
  if (e != NULL) {
    e->chunks = req->chunks;
    e->chunk_bytes = req->chunk_bytes;
  }
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
    rp__sql_col_fixed(st, 1, e[n].msg_id, RP_MSG_ID_BYTES);
    rp__sql_col_text(st, 2, e[n].sender, RP_MEMBER_ID_MAX + 1);
    rp__sql_col_text(st, 3, e[n].recipient, RP_MEMBER_ID_MAX + 1);
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
    if (rc == SQLITE_DONE) {
      rc = rp__spool_sql_delete_chunks(ln, e[i].msg_id, e[i].sender, e[i].recipient,
                                       &e[i].chunks, &e[i].chunk_bytes);
      if (rc == SQLITE_OK) rc = SQLITE_DONE;
    }
    if (rc == SQLITE_DONE && req->priv.notice_fn != NULL) {
      rc = put_notice(ln, req, &e[i]);
      if (rc == SQLITE_OK) rc = SQLITE_DONE;
    }
  }
  /* The entries are kept even on error: spool.c frees them when it fails the batch. */
  req->entries = e;
  req->nentries = n;
  if (rc != SQLITE_DONE) return rc;
  /* Chunks whose envelope never came, at their own expiry and without a notice. */
  if ((rc = rp__spool_sql_expire_orphans(ln, req, req->priv.max_count)) != SQLITE_OK)
    return rc;
  req->result = 0;
  return SQLITE_OK;
}

/* A purge: each msg_id's envelope from the sender, or else its chunks from the sender,
 * with an entry for each that had anything. */
static int do_purge(rp__spool_lane *ln, rp__spool_req *req) {
  rp__spool_entry *e = calloc(req->priv.npurge, sizeof *e);
  size_t n = 0;
  int rc = SQLITE_OK;
  if (e == NULL) {
    req->result = RP_ENOMEM;
    return SQLITE_OK;
  }
  for (size_t i = 0; rc == SQLITE_OK && i < req->priv.npurge; i++) {
    const uint8_t *id = req->priv.purge_ids + i * RP_MSG_ID_BYTES;
    sqlite3_stmt *st = ln->st[ST_FIND_SENT];
    rp__spool_entry *x = &e[n];
    memset(x, 0, sizeof *x);
    sqlite3_bind_blob(st, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, req->priv.sender, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      x->seq = sqlite3_column_int64(st, 0);
      x->size = (size_t)sqlite3_column_int64(st, 1);
      rp__sql_col_text(st, 2, x->recipient, sizeof x->recipient);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) break;
    rc = SQLITE_OK;
    if (x->seq != 0) {
      sqlite3_stmt *del = ln->st[ST_DELETE];
      sqlite3_bind_int64(del, 1, x->seq);
      rc = sqlite3_step(del);
      sqlite3_reset(del);
      if (rc != SQLITE_DONE) break;
      rc = rp__spool_sql_delete_chunks(ln, id, req->priv.sender, x->recipient, &x->chunks,
                                       &x->chunk_bytes);
    } else {
      rc = rp__spool_sql_purge_chunks(ln, id, req->priv.sender, x->recipient, &x->chunks,
                                      &x->chunk_bytes);
    }
    if (rc == SQLITE_OK && (x->seq != 0 || x->chunks > 0)) {
      memcpy(x->msg_id, id, RP_MSG_ID_BYTES);
      memcpy(x->sender, req->priv.sender, sizeof x->sender);
      n++;
    }
  }
  /* Kept even on error: spool.c frees them with the failed batch. */
  req->entries = e;
  req->nentries = n;
  if (rc != SQLITE_OK) return rc;
  req->result = 0;
  return SQLITE_OK;
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
    rp__spool_sql_set_err(ln->why, sizeof ln->why, "checkpoint", ln->db, rc);
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
    case RP__SPOOL_PURGE:
      stage = "purge";
      rc = do_purge(ln, req);
      break;
    case RP__SPOOL_CHUNK_PUT:
      stage = "chunk";
      rc = rp__spool_sql_put_chunk(ln, req);
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
  /* The chunk bytes are durable before the COMMIT that makes them count as stored. */
  if (rc == SQLITE_OK) rc = rp__spool_files_sync(ln);
  if (rc == SQLITE_OK) {
    stage = "commit";
    rc = sqlite3_exec(ln->db, "COMMIT", NULL, NULL, NULL);
  }
  /* The deleted messages' files go only once their rows have gone for good. An error
   * here fails the spool; the requests were committed (see spool.h, "Fail closed"). */
  if (rc == SQLITE_OK) {
    rp__spool_files_unlink(ln);
    return;
  }
  rp__spool_files_abort(ln);
  /* A chunk file's error, described by spool_file.c in ln->err and ln->why. */
  if (rc == RP__SPOOL_FILE_ERR) {
    if (!sqlite3_get_autocommit(ln->db)) sqlite3_exec(ln->db, "ROLLBACK", NULL, NULL, NULL);
    return;
  }
  /* Everything from COMMIT on is the durable write itself; an fsync error anywhere is
   * too (a cache spill can sync). Earlier errors never reached the disk's promise. */
  int ext = sqlite3_extended_errcode(ln->db);
  ln->err = (strcmp(stage, "commit") == 0 || ext == SQLITE_IOERR_FSYNC ||
             ext == SQLITE_IOERR_DIR_FSYNC)
                ? RP_EFSYNC
                : RP_EIO;
  rp__spool_sql_set_err(ln->why, sizeof ln->why, stage, ln->db, rc);
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
    rp__sql_col_fixed(st, 1, e[n].msg_id, RP_MSG_ID_BYTES);
    rp__sql_col_text(st, 2, e[n].sender, RP_MEMBER_ID_MAX + 1);
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
  for (rp__spool_req *req = ln->batch; req != NULL; req = req->priv.next) {
    if (req->type == RP__SPOOL_CHUNK_GET)
      rp__spool_sql_chunk_get(ln, req);
    else
      do_fetch(ln, req);
  }
}
