/* SPDX-License-Identifier: MIT */
/*
 * The spool's attachment chunks in SQL (spool.h, "Attachment chunks"): the put and the
 * checks it makes in the writer's transaction, the completeness check of a SEND, the
 * deletes that go with an envelope, the expiry of orphaned chunks, and the reader's
 * chunk get. Pool threads only; the loop side is in spool_chunk.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunk.h" /* RP__CHUNK_SEALED_MAX */
#include "rejsepost_errors.h"
#include "spool_int.h"

/* Steps a statement that changes rows; SQLITE_OK when it ran. */
static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The chunk_msg row of msg_id. Returns SQLITE_ROW (fields set), SQLITE_DONE (none) or
 * an error. */
typedef struct {
  char sender[RP_MEMBER_ID_MAX + 1];
  char recipient[RP_MEMBER_ID_MAX + 1];
  uint64_t count, n, bytes;
} chunk_msg;

static int find_msg(rp__spool_lane *ln, const uint8_t *msg_id, chunk_msg *m) {
  sqlite3_stmt *st = ln->st[ST_CHUNK_MSG];
  int rc;
  memset(m, 0, sizeof *m);
  sqlite3_bind_blob(st, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    rp__sql_col_text(st, 0, m->sender, sizeof m->sender);
    rp__sql_col_text(st, 1, m->recipient, sizeof m->recipient);
    m->count = (uint64_t)sqlite3_column_int64(st, 2);
    m->n = (uint64_t)sqlite3_column_int64(st, 3);
    m->bytes = (uint64_t)sqlite3_column_int64(st, 4);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

/* Whether chunk (msg_id, idx) from `sender` is stored: 1, 0, or -1 with *rc an error. */
static int has_chunk(rp__spool_lane *ln, const rp__spool_req *req, int *rc) {
  sqlite3_stmt *st = ln->st[ST_CHUNK_HAS];
  char sender[RP_MEMBER_ID_MAX + 1] = "";
  int found;
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)req->priv.index);
  *rc = sqlite3_step(st);
  if (*rc == SQLITE_ROW) rp__sql_col_text(st, 0, sender, sizeof sender);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (*rc != SQLITE_ROW && *rc != SQLITE_DONE) return -1;
  found = *rc == SQLITE_ROW;
  *rc = SQLITE_OK;
  /* The same (msg_id, idx) from another sender is no duplicate of this one: the
   * consistency check below refuses it. */
  return found && strcmp(sender, req->priv.sender) == 0;
}

int rp__spool_sql_put_chunk(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st;
  chunk_msg m;
  int rc, dup = has_chunk(ln, req, &rc);

  if (dup < 0) return rc;
  /* A resent chunk is acknowledged again whatever the limits, like a resent envelope. */
  if (dup) {
    req->result = RP_EDUPLICATE;
    return SQLITE_OK;
  }
  if (req->priv.check_only) {
    req->result = req->priv.check_only == CHECK_QUOTA ? RP_EQUOTA : RP_ESPOOLFULL;
    return SQLITE_OK;
  }
  rc = find_msg(ln, req->priv.msg_id, &m);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
  if (rc == SQLITE_ROW) {
    /* Every chunk of a message comes from one sender, for one recipient, with one N. */
    if (strcmp(m.sender, req->priv.sender) != 0 ||
        strcmp(m.recipient, req->priv.recipient) != 0 || m.count != req->priv.count) {
      req->result = RP_EINVAL;
      return SQLITE_OK;
    }
    /* The same index from the same sender was a duplicate above, so this is the sum of
     * other chunks. */
    if (m.bytes > req->priv.message_max ||
        req->priv.len > req->priv.message_max - m.bytes) {
      req->result = RP_ETOOBIG;
      return SQLITE_OK;
    }
  }
  st = ln->st[ST_CHUNK_INSERT];
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)req->priv.index);
  sqlite3_bind_text(st, 3, req->priv.sender, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, req->priv.recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, req->priv.expires_ms);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)req->priv.len);
  if ((rc = step_done(st)) != SQLITE_OK) return rc;
  st = ln->st[ST_CHUNK_MSG_ADD];
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, req->priv.sender, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, req->priv.recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)req->priv.count);
  sqlite3_bind_int64(st, 5, req->priv.expires_ms);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)req->priv.len);
  if ((rc = step_done(st)) != SQLITE_OK) return rc;
  /* The bytes go into the message's file now and are synced before this batch's COMMIT
   * (spool_file.c); only a chunk that got its row is written, so a duplicate never
   * touches the bytes already acknowledged. */
  if ((rc = rp__spool_file_write(ln, req->priv.msg_id, req->priv.index, req->priv.bytes,
                                 req->priv.len)) != 0)
    return rc;
  req->result = 0;
  return SQLITE_OK;
}

int rp__spool_sql_chunks_complete(rp__spool_lane *ln, rp__spool_req *req, int *complete) {
  chunk_msg m;
  int rc = find_msg(ln, req->priv.msg_id, &m);
  *complete = 0;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
  /* idx < count and the primary key (msg_id, idx) make n == count mean "0..N-1". */
  *complete = rc == SQLITE_ROW && strcmp(m.sender, req->priv.sender) == 0 &&
              strcmp(m.recipient, req->priv.recipient) == 0 && m.count == req->priv.count &&
              m.n == m.count;
  return SQLITE_OK;
}

int rp__spool_sql_chunks_expire_with(rp__spool_lane *ln, const uint8_t *msg_id,
                                     int64_t expires_ms) {
  sqlite3_stmt *st = ln->st[ST_CHUNK_EXPIRES];
  sqlite3_bind_blob(st, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, expires_ms);
  return step_done(st);
}

/* Deletes every chunk row and the chunk_msg row of msg_id. */
static int delete_msg(rp__spool_lane *ln, const uint8_t *msg_id) {
  sqlite3_stmt *st = ln->st[ST_CHUNK_DEL];
  int rc;
  sqlite3_bind_blob(st, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  if ((rc = step_done(st)) != SQLITE_OK) return rc;
  st = ln->st[ST_CHUNK_MSG_DEL];
  sqlite3_bind_blob(st, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  if ((rc = step_done(st)) != SQLITE_OK) return rc;
  /* Its file goes after the COMMIT (spool_file.c). */
  return rp__spool_file_gone(ln, msg_id);
}

int rp__spool_sql_delete_chunks(rp__spool_lane *ln, const uint8_t *msg_id,
                                const char *sender, const char *recipient, uint64_t *n,
                                uint64_t *bytes) {
  chunk_msg m;
  int rc = find_msg(ln, msg_id, &m);
  *n = *bytes = 0;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc != SQLITE_ROW) return rc;
  /* Chunks another sender uploaded under this msg_id are not this envelope's. */
  if (strcmp(m.sender, sender) != 0 || strcmp(m.recipient, recipient) != 0)
    return SQLITE_OK;
  if ((rc = delete_msg(ln, msg_id)) != SQLITE_OK) return rc;
  *n = m.n;
  *bytes = m.bytes;
  return SQLITE_OK;
}

int rp__spool_sql_purge_chunks(rp__spool_lane *ln, const uint8_t *msg_id,
                               const char *sender, char *recipient, uint64_t *n,
                               uint64_t *bytes) {
  chunk_msg m;
  int rc = find_msg(ln, msg_id, &m);
  *n = *bytes = 0;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc != SQLITE_ROW) return rc;
  /* Another sender's chunks under this msg_id are never ours to purge. */
  if (strcmp(m.sender, sender) != 0) return SQLITE_OK;
  if ((rc = delete_msg(ln, msg_id)) != SQLITE_OK) return rc;
  memcpy(recipient, m.recipient, sizeof m.recipient);
  *n = m.n;
  *bytes = m.bytes;
  return SQLITE_OK;
}

int rp__spool_sql_expire_orphans(rp__spool_lane *ln, rp__spool_req *req, size_t max) {
  sqlite3_stmt *st = ln->st[ST_CHUNK_ORPHANS];
  struct rp__spool_freed *f = calloc(max, sizeof *f);
  uint8_t(*ids)[RP_MSG_ID_BYTES] = calloc(max, RP_MSG_ID_BYTES);
  size_t n = 0;
  int rc;

  if (f == NULL || ids == NULL) {
    /* Orphans wait for the next sweep; the envelopes' expiry goes on. */
    free(f);
    free(ids);
    return SQLITE_OK;
  }
  sqlite3_bind_int64(st, 1, req->priv.now_ms);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)max + 1);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == max) {
      req->more = 1;
      rc = SQLITE_DONE;
      break;
    }
    rp__sql_col_fixed(st, 0, ids[n], RP_MSG_ID_BYTES);
    rp__sql_col_text(st, 1, f[n].sender, sizeof f[n].sender);
    rp__sql_col_text(st, 2, f[n].recipient, sizeof f[n].recipient);
    f[n].chunks = (uint64_t)sqlite3_column_int64(st, 3);
    f[n].bytes = (uint64_t)sqlite3_column_int64(st, 4);
    n++;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  /* Deleted after the SELECT has finished, never under its cursor. */
  for (size_t i = 0; rc == SQLITE_DONE && i < n; i++)
    if ((rc = delete_msg(ln, ids[i])) == SQLITE_OK) rc = SQLITE_DONE;
  free(ids);
  /* Kept even on error: spool.c frees them with the failed batch. */
  req->priv.freed = f;
  req->priv.nfreed = n;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether the chunk get's message is still stored for its recipient: 1, or 0 (also on
 * an error, which the caller's RP_ENOTFOUND then stands for). */
static int still_there(rp__spool_lane *ln, const rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[ST_CG_MSG];
  int rc;
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, req->priv.recipient, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_ROW;
}

void rp__spool_sql_chunk_get(rp__spool_lane *ln, rp__spool_req *req) {
  sqlite3_stmt *st = ln->st[ST_CG_MSG];
  uint64_t count = 0, from = req->priv.index, end;
  size_t n = 0, bytes = 0, max = (size_t)req->priv.count;
  int64_t expires = 0;
  rp__spool_entry *e = NULL;
  int rc, r, fd = -1;

  req->result = RP_EIO;
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, req->priv.recipient, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    expires = sqlite3_column_int64(st, 0);
    count = (uint64_t)sqlite3_column_int64(st, 1);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return;
  if (rc == SQLITE_DONE || from >= count) {
    req->result = RP_ENOTFOUND;
    return;
  }
  if (expires <= req->priv.now_ms) {
    req->result = RP_EEXPIRED;
    return;
  }
  end = count - from < req->priv.count ? count : from + req->priv.count;
  if ((e = calloc(max, sizeof *e)) == NULL) {
    req->result = RP_ENOMEM;
    return;
  }
  req->result = 0;
  st = ln->st[ST_CG_DATA];
  sqlite3_bind_blob(st, 1, req->priv.msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)end);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 l = sqlite3_column_int64(st, 1);
    size_t blen = l > 0 && l <= RP__CHUNK_SEALED_MAX ? (size_t)l : 0;
    if (n == max || (n > 0 && blen > req->priv.max_bytes - bytes)) {
      req->more = 1;
      break;
    }
    if (blen == 0) { /* the table's CHECK holds len > 0: a damaged file */
      req->result = RP_EIO;
      break;
    }
    if ((e[n].envelope = malloc(blen)) == NULL) {
      req->result = RP_ENOMEM;
      break;
    }
    e[n].seq = sqlite3_column_int64(st, 0);
    if ((r = rp__spool_file_read(ln->sp, &fd, req->priv.msg_id, (uint64_t)e[n].seq,
                                 e[n].envelope, blen)) != 0) {
      free(e[n].envelope);
      e[n].envelope = NULL;
      req->result = r;
      break;
    }
    e[n].size = blen;
    e[n].expires_ms = expires;
    memcpy(e[n].msg_id, req->priv.msg_id, RP_MSG_ID_BYTES);
    bytes += blen < req->priv.max_bytes - bytes ? blen : req->priv.max_bytes - bytes;
    n++;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) req->result = RP_EIO;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (fd >= 0) close(fd);
  /* No file under rows just read: either the message was deleted (and its file
   * unlinked) since, which the same query as above now tells, or the file was lost,
   * which is an error of the spool's disk, not of the request. */
  if (req->result == RP_ENOTFOUND)
    req->result = still_there(ln, req) ? RP_EIO : RP_ENOTFOUND;
  req->entries = e;
  req->nentries = n;
  /* Chunks 0..count-1 are all stored while the envelope is (the SEND checked), so none
   * at from is a row deleted between the two reads: the message is gone. */
  if (req->result == 0 && n == 0) req->result = RP_ENOTFOUND;
  if (req->result != 0) rp__spool_req_cleanup(req);
}
