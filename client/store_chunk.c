/* SPDX-License-Identifier: MIT */
/*
 * The bytes of attachment chunks, in flat files beside client.db (store.h, "Chunk
 * files"): <state dir>/chunks/out/<hex msg_id> for the outbox, chunks/in/<hex msg_id>
 * for the inbox. Chunk g of a message lives at offset g * RP__CHUNK_SEALED_MAX of its
 * file; the row in outbox_chunk or inbox_chunk keeps its length.
 *
 * Why files: SQLite writes a blob twice (the WAL, then the checkpoint), one system call
 * per page, and secure_delete zeroes every freed page again on delete. 400 chunks of
 * 256 KiB: insert 0.24 s CPU, delete 0.20 s; pwrite + fdatasync 0.08 s, unlink 0.009 s.
 * Each of sender and recipient inserts, reads and deletes every chunk.
 *
 * No file descriptor stays open between calls: open, write or read, close. The files a
 * store has open at once are thus bounded by one, whatever the number of messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunk.h"
#include "hex.h"
#include "rejsepost_errors.h"
#include "store_int.h"

static const char *const kind_dir[2] = {"out", "in"};
static const char *const kind_table[2] = {"outbox_chunk", "inbox_chunk"};

/* Disk full is what SQLite's own disk-full path answers (rp__sql_err: RP_EFSYNC); any
 * other failure of the disk is RP_EIO. */
static int io_err(int e) {
  return e == ENOSPC || e == EDQUOT ? RP_EFSYNC : RP_EIO;
}

static int dir_path(const rp__store *st, int kind, char *buf, size_t cap) {
  int n = kind < 0 ? snprintf(buf, cap, "%s/chunks", st->dir)
                   : snprintf(buf, cap, "%s/chunks/%s", st->dir, kind_dir[kind]);
  return n < 0 || (size_t)n >= cap ? RP_ETOOBIG : 0;
}

static int file_path(const rp__store *st, int kind, const uint8_t *msg_id, char *buf,
                     size_t cap) {
  char name[RP__ID_HEX_BYTES];
  int n = snprintf(buf, cap, "%s/chunks/%s/%s", st->dir, kind_dir[kind],
                   rp__id_hex(name, msg_id));
  return n < 0 || (size_t)n >= cap ? RP_ETOOBIG : 0;
}

static int fsync_path(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
  if (fd < 0) return io_err(errno);
  if (fsync(fd) != 0) rc = io_err(errno);
  close(fd);
  return rc;
}

/* mkdir 0700 if missing; *made says it was made now (its parent is then synced). */
static int make_dir(const char *path, int *made) {
  struct stat sb;
  *made = 0;
  if (mkdir(path, 0700) == 0)
    *made = 1;
  else if (errno != EEXIST)
    return io_err(errno);
  if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return RP_EIO;
  return 0;
}

int rp__store_chunk_dirs(rp__store *st) {
  char path[4096];
  int rc, made = 0, made_kind = 0;
  if ((rc = dir_path(st, -1, path, sizeof path)) != 0 || (rc = make_dir(path, &made)) != 0)
    return rc;
  if (made && (rc = fsync_path(st->dir)) != 0) return rc;
  for (int k = 0; k < 2; k++) {
    int m = 0;
    if ((rc = dir_path(st, k, path, sizeof path)) != 0 || (rc = make_dir(path, &m)) != 0)
      return rc;
    made_kind |= m;
  }
  if (made_kind && (rc = dir_path(st, -1, path, sizeof path)) == 0) rc = fsync_path(path);
  return rc;
}

int rp__store_file_write(rp__store *st, int kind, const uint8_t *msg_id, uint64_t idx,
                         const uint8_t *data, size_t len) {
  char path[4096];
  size_t done = 0;
  int fd, rc;
  if ((rc = file_path(st, kind, msg_id, path, sizeof path)) != 0) return rc;
  if (idx > (uint64_t)INT64_MAX / RP__CHUNK_SEALED_MAX || len > RP__CHUNK_SEALED_MAX)
    return RP_EINVAL;
  /* Mode 0600 from the start (the umask can only take bits away). O_NOFOLLOW: a link
   * put in a file's place is refused, not written through. */
  if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
    return io_err(errno);
  while (done < len) {
    ssize_t k =
        pwrite(fd, data + done, len - done, (off_t)(idx * RP__CHUNK_SEALED_MAX + done));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      rc = k < 0 ? io_err(errno) : RP_EIO;
      break;
    }
    done += (size_t)k;
  }
  close(fd);
  return rc;
}

int rp__store_file_read(rp__store *st, int kind, const uint8_t *msg_id, uint64_t idx,
                        uint8_t *buf, size_t len) {
  char path[4096];
  size_t done = 0;
  int fd, rc;
  if ((rc = file_path(st, kind, msg_id, path, sizeof path)) != 0) return rc;
  if (idx > (uint64_t)INT64_MAX / RP__CHUNK_SEALED_MAX) return RP_EIO;
  if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) return RP_EIO;
  while (done < len) {
    ssize_t k =
        pread(fd, buf + done, len - done, (off_t)(idx * RP__CHUNK_SEALED_MAX + done));
    if (k < 0 && errno == EINTR) continue;
    /* Short: the file lost bytes its row promises. Never hand on a part. */
    if (k <= 0) {
      rc = RP_EIO;
      break;
    }
    done += (size_t)k;
  }
  close(fd);
  return rc;
}

int rp__store_file_sync(rp__store *st, int kind, const uint8_t *msg_id) {
  char path[4096];
  int fd, rc;
  if ((rc = file_path(st, kind, msg_id, path, sizeof path)) != 0) return rc;
  if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
    return errno == ENOENT ? 0 : io_err(errno); /* no chunk written: nothing to sync */
  if (fdatasync(fd) != 0) rc = io_err(errno);
  close(fd);
  /* The file's name too: it was created by this message's first chunk. One sync of the
   * folder per message, not per chunk. */
  if (rc == 0 && (rc = dir_path(st, kind, path, sizeof path)) == 0) rc = fsync_path(path);
  return rc;
}

void rp__store_file_unlink(rp__store *st, int kind, const uint8_t *msg_id) {
  char path[4096];
  /* Nothing to do on failure: a file left behind has no row, and the orphan sweep of
   * the next open, or of the next erasure, takes it. */
  if (file_path(st, kind, msg_id, path, sizeof path) == 0) unlink(path);
}

/* Whether the chunk table of `kind` has a row of msg_id. Errors count as yes: a file is
 * never unlinked on a doubt. */
static int has_rows(rp__store *st, int kind, const uint8_t *msg_id) {
  char sql[96];
  sqlite3_stmt *s = NULL;
  int yes = 1;
  snprintf(sql, sizeof sql, "SELECT EXISTS(SELECT 1 FROM %s WHERE msg_id = ?)",
           kind_table[kind]);
  if (rp__sql_prepare(st->db, sql, &s) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) yes = sqlite3_column_int(s, 0);
  }
  sqlite3_finalize(s);
  return yes;
}

/* Unlinks, in the folder of `kind` (or chunks/ itself for -1), what no row names. */
static void sweep_dir(rp__store *st, int kind) {
  char dir[4096], path[4400];
  uint8_t id[RP_MSG_ID_BYTES];
  struct dirent *e;
  DIR *d;
  if (dir_path(st, kind, dir, sizeof dir) != 0 || (d = opendir(dir)) == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (kind < 0 && (strcmp(e->d_name, "out") == 0 || strcmp(e->d_name, "in") == 0))
      continue;
    if (kind >= 0 && rp__id_unhex_lower(id, e->d_name) == 0 && has_rows(st, kind, id))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (unlink(path) != 0 && errno == EISDIR) rmdir(path);
  }
  closedir(d);
}

void rp__store_file_sweep(rp__store *st) {
  sweep_dir(st, -1);
  sweep_dir(st, 0);
  sweep_dir(st, 1);
}

int rp__store_chunk_write(rp__store *st, int kind, const char *sql, const uint8_t *msg_id,
                          uint64_t idx, const uint8_t *data, size_t len) {
  sqlite3_stmt *s = NULL;
  int rc;
  pthread_mutex_lock(&st->mu);
  /* Not synced on its own: the commit that completes the message (synchronous=FULL)
   * first fdatasyncs the message's file (rp__store_file_sync), and its WAL sync takes
   * every row written before; a chunk lost before that commit belongs to a transfer that
   * never completed, and is written again or dropped as an orphan when the store opens.
   * The row and the bytes in one transaction: a known (msg_id, idx) is refused before its
   * bytes are overwritten, and bytes whose row never committed are only an orphan. */
  rp__sql_exec(st->db, "PRAGMA synchronous=NORMAL;");
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) goto out;
  if ((rc = rp__sql_prepare(st->db, sql, &s)) == 0) {
    sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)len);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  if (rc == 0) rc = rp__store_file_write(st, kind, msg_id, idx, data, len);
  if (rc == 0) rc = rp__sql_exec(st->db, "COMMIT");
  if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
out:
  rp__sql_exec(st->db, "PRAGMA synchronous=FULL;");
  pthread_mutex_unlock(&st->mu);
  return rc;
}

int rp__store_chunk_read(rp__store *st, int kind, const char *sql, const uint8_t *msg_id,
                         uint64_t idx, uint8_t *buf, size_t cap, size_t *len, int *acked) {
  sqlite3_stmt *s = NULL;
  size_t n;
  int rc;
  *len = 0;
  if (acked) *acked = 0;
  pthread_mutex_lock(&st->mu);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) != 0) goto out;
  sqlite3_bind_blob(s, 1, msg_id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)idx);
  if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
    rc = rc == SQLITE_DONE ? RP_ENOTFOUND : rp__sql_err(rc);
    goto out;
  }
  n = (size_t)sqlite3_column_int64(s, 0);
  rc = RP_ETOOBIG;
  if (buf != NULL && n > cap) goto out;
  if (buf != NULL && n > 0 &&
      (rc = rp__store_file_read(st, kind, msg_id, idx, buf, n)) != 0)
    goto out;
  *len = n;
  if (acked) *acked = sqlite3_column_int(s, 1);
  rc = 0;
out:
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return rc;
}

/* ---- schema 5: chunk bytes out of SQLite ---- */

/* Whether `table` still has its blob column (a store written before schema 5). */
static int has_data_column(rp__store *st, const char *table) {
  char sql[128];
  sqlite3_stmt *s = NULL;
  int have = 0;
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM pragma_table_info('%s') WHERE name = 'data'", table);
  if (rp__sql_prepare(st->db, sql, &s) == 0 && sqlite3_step(s) == SQLITE_ROW)
    have = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return have;
}

/* Writes every blob of `table` into its file and syncs each file. */
static int move_out(rp__store *st, int kind) {
  char sql[128];
  sqlite3_stmt *s = NULL;
  uint8_t prev[RP_MSG_ID_BYTES];
  int rc, step, any = 0;
  snprintf(sql, sizeof sql, "SELECT msg_id, idx, data FROM %s ORDER BY msg_id, idx",
           kind_table[kind]);
  if ((rc = rp__sql_prepare(st->db, sql, &s)) != 0) return rc;
  while ((step = sqlite3_step(s)) == SQLITE_ROW) {
    uint8_t id[RP_MSG_ID_BYTES];
    rp__sql_col_fixed(s, 0, id, RP_MSG_ID_BYTES);
    if (any && memcmp(prev, id, RP_MSG_ID_BYTES) != 0 &&
        (rc = rp__store_file_sync(st, kind, prev)) != 0)
      break;
    memcpy(prev, id, RP_MSG_ID_BYTES);
    any = 1;
    const uint8_t *data = sqlite3_column_blob(s, 2);
    size_t len = (size_t)sqlite3_column_bytes(s, 2);
    if ((rc = rp__store_file_write(st, kind, id, (uint64_t)sqlite3_column_int64(s, 1), data,
                                   len)) != 0)
      break;
  }
  if (rc == 0 && step != SQLITE_DONE) rc = rp__sql_err(step);
  sqlite3_finalize(s);
  if (rc == 0 && any) rc = rp__store_file_sync(st, kind, prev);
  return rc;
}

int rp__store_chunks_to_files(rp__store *st, int *moved) {
  /* The new tables as store.c's schema makes them; the old rows keep their index and,
   * in the outbox, the ack an older version marked in the row. */
  static const char *const swap[2] = {
      "ALTER TABLE outbox_chunk RENAME TO outbox_chunk_v4;"
      "CREATE TABLE outbox_chunk(" RP__STORE_OUT_CHUNK_COLS ") WITHOUT ROWID;"
      "INSERT INTO outbox_chunk(msg_id, idx, len, acked)"
      " SELECT msg_id, idx, length(data), acked FROM outbox_chunk_v4;"
      "DROP TABLE outbox_chunk_v4;",
      "ALTER TABLE inbox_chunk RENAME TO inbox_chunk_v4;"
      "CREATE TABLE inbox_chunk(" RP__STORE_IN_CHUNK_COLS ") WITHOUT ROWID;"
      "INSERT INTO inbox_chunk(msg_id, idx, len)"
      " SELECT msg_id, idx, length(data) FROM inbox_chunk_v4;"
      "DROP TABLE inbox_chunk_v4;"};
  int rc = 0, old[2];
  *moved = 0;
  for (int k = 0; k < 2; k++)
    old[k] = has_data_column(st, kind_table[k]);
  if (!old[0] && !old[1]) return 0;
  /* The bytes first, synced: a crash before the commit below finds the blobs still in
   * place and writes the same files again. */
  for (int k = 0; rc == 0 && k < 2; k++)
    if (old[k]) rc = move_out(st, k);
  if (rc != 0) return rc;
  if ((rc = rp__sql_exec(st->db, "BEGIN IMMEDIATE")) != 0) return rc;
  for (int k = 0; rc == 0 && k < 2; k++)
    if (old[k]) rc = rp__sql_exec(st->db, swap[k]);
  if (rc == 0) rc = rp__sql_exec(st->db, "COMMIT");
  if (rc != 0) rp__sql_exec(st->db, "ROLLBACK");
  if (rc == 0) *moved = 1;
  return rc;
}
