/* SPDX-License-Identifier: MIT */
/*
 * The chunk files (spool.h, "Attachment chunks"): the sealed bytes of a message's chunks
 * in <spool folder>/chunks/<hex msg_id>, chunk i at offset i * RP__CHUNK_SEALED_MAX,
 * while SQLite keeps each chunk's row and length. Why files: SQLite wrote every chunk
 * byte twice (the WAL, then the checkpoint), one system call per page, and zeroed every
 * page again on delete (secure_delete); measured on our machine for 400 chunks of 256
 * KiB, insert + DELETE cost 0.44 s of CPU in SQLite against 0.09 s for pwrite +
 * fdatasync + unlink of one file.
 *
 * Order, so that a crash can leave only bytes nobody names, never a name without bytes:
 *  - write: the writer pwrites a batch's chunks, fdatasyncs each file it touched once
 *    (and the folder once if it created a file) and only then COMMITs the rows;
 *  - delete: the rows go in the COMMIT, the file is unlinked after it;
 *  - open: the orphan sweep unlinks every file of the folder that no chunk_msg row names
 *    (a crash between the two steps above), and anything that is not such a name.
 * Pool threads (the writer's and the reader's jobs) and rp__spool_open only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunk.h" /* RP__CHUNK_SEALED_MAX */
#include "hex.h"
#include "rejsepost_errors.h"
#include "spool_int.h"

_Static_assert((uint64_t)RP__CHUNK_COUNT_MAX *RP__CHUNK_SEALED_MAX < (uint64_t)INT64_MAX,
               "every chunk's offset fits an off_t");

static off_t chunk_off(uint64_t index) {
  return (off_t)(index * RP__CHUNK_SEALED_MAX);
}

/* "chunks/<hex>" for messages in ln->why. */
static void set_why(rp__spool_lane *ln, int err, const char *what, const uint8_t *msg_id,
                    int errnum) {
  char hex[RP__ID_HEX_BYTES];
  ln->err = err;
  snprintf(ln->why, sizeof ln->why, "%s chunks/%s: %s", what, rp__id_hex(hex, msg_id),
           strerror(errnum));
}

/* The whole of len bytes at off; 0 or an errno. */
static int write_all(int fd, const uint8_t *b, size_t len, off_t off) {
  while (len > 0) {
    ssize_t n = pwrite(fd, b, len, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO; /* no progress and no error: never loop forever */
    b += n;
    len -= (size_t)n;
    off += n;
  }
  return 0;
}

static int sync_fd(int fd) {
  while (fdatasync(fd) != 0)
    if (errno != EINTR) return errno;
  return 0;
}

/* Opens msg_id's file for writing, creating it (0600) if missing; *created says so.
 * The fd or -1 with errno. */
static int open_for_write(int dir, const uint8_t *msg_id, int *created) {
  char hex[RP__ID_HEX_BYTES];
  int fd;
  rp__id_hex(hex, msg_id);
  *created = 0;
  fd = openat(dir, hex, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0 || errno != ENOENT) return fd;
  fd = openat(dir, hex, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) *created = 1;
  return fd;
}

int rp__spool_files_open(rp__spool *sp, const char *db_path, char *err, size_t errlen) {
  const char *slash = strrchr(db_path, '/');
  char parent[sizeof sp->chunk_path];
  int made = 0, pfd;
  size_t n = slash == NULL ? 1 : (size_t)(slash - db_path);

  if (slash == db_path) n = 1; /* the spool in "/" itself */
  if (n + sizeof "/chunks" > sizeof parent) {
    snprintf(err, errlen, "spool path too long for its chunks folder");
    return RP_EINVAL;
  }
  memcpy(parent, slash == NULL ? "." : db_path, n);
  parent[n] = '\0';
  memcpy(sp->chunk_path, parent, n);
  memcpy(sp->chunk_path + n, "/chunks", sizeof "/chunks");
  if (mkdir(sp->chunk_path, 0700) == 0)
    made = 1;
  else if (errno != EEXIST)
    goto fail;
  if ((sp->chunk_dir = open(sp->chunk_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    goto fail;
  /* A new folder's name must survive a crash like the files that will be in it. */
  if (made) {
    if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) goto fail;
    if (fsync(pfd) != 0) {
      int e = errno;
      close(pfd);
      errno = e;
      goto fail;
    }
    close(pfd);
  }
  return 0;
fail:
  snprintf(err, errlen, "chunks folder %s: %s", sp->chunk_path, strerror(errno));
  return RP_EIO;
}

void rp__spool_files_close(rp__spool *sp) {
  if (sp->chunk_dir >= 0) close(sp->chunk_dir);
  sp->chunk_dir = -1;
}

/* ---- the writer's batch ---- */

/* Syncs and closes open slot i; 0 or RP__SPOOL_FILE_ERR with ln->err set. */
static int slot_flush(rp__spool_lane *ln, size_t i) {
  struct rp__spool_open *o = &ln->open[i];
  int e = sync_fd(o->fd);
  close(o->fd);
  if (e == 0) {
    *o = ln->open[--ln->nopen];
    return 0;
  }
  /* The fd is gone either way; the slot goes too, so that abort does not close it. */
  set_why(ln, RP_EFSYNC, "fdatasync", o->msg_id, e);
  *o = ln->open[--ln->nopen];
  return RP__SPOOL_FILE_ERR;
}

int rp__spool_file_write(rp__spool_lane *ln, const uint8_t *msg_id, uint64_t index,
                         const uint8_t *bytes, size_t len) {
  struct rp__spool_open *o = NULL;
  int e, created;

  for (size_t i = 0; i < ln->nopen && o == NULL; i++)
    if (memcmp(ln->open[i].msg_id, msg_id, RP_MSG_ID_BYTES) == 0) o = &ln->open[i];
  if (o == NULL) {
    /* At most RP__SPOOL_FILES_OPEN fds a batch: a file pushed out is synced now (its
     * bytes are durable before the COMMIT all the same) and synced again if the batch
     * comes back to it. */
    if (ln->nopen == RP__SPOOL_FILES_OPEN && slot_flush(ln, 0) != 0)
      return RP__SPOOL_FILE_ERR;
    o = &ln->open[ln->nopen];
    if ((o->fd = open_for_write(ln->sp->chunk_dir, msg_id, &created)) < 0) {
      set_why(ln, RP_EIO, "open", msg_id, errno);
      return RP__SPOOL_FILE_ERR;
    }
    memcpy(o->msg_id, msg_id, RP_MSG_ID_BYTES);
    ln->nopen++;
    ln->created |= created;
  }
  /* ENOSPC and EDQUOT included: a write that did not happen before the COMMIT is like
   * SQLite's own disk full before it (RP_EIO, the spool fails closed). */
  if ((e = write_all(o->fd, bytes, len, chunk_off(index))) != 0) {
    set_why(ln, RP_EIO, "write", msg_id, e);
    return RP__SPOOL_FILE_ERR;
  }
  return 0;
}

int rp__spool_files_sync(rp__spool_lane *ln) {
  while (ln->nopen > 0)
    if (slot_flush(ln, ln->nopen - 1) != 0) return RP__SPOOL_FILE_ERR;
  if (ln->created) {
    if (fsync(ln->sp->chunk_dir) != 0) {
      ln->err = RP_EFSYNC;
      snprintf(ln->why, sizeof ln->why, "fsync chunks folder: %s", strerror(errno));
      return RP__SPOOL_FILE_ERR;
    }
    ln->created = 0;
  }
  return 0;
}

int rp__spool_file_gone(rp__spool_lane *ln, const uint8_t *msg_id) {
  if (ln->ngone == ln->gone_cap) {
    size_t cap = ln->gone_cap != 0 ? 2 * ln->gone_cap : 64;
    uint8_t(*g)[RP_MSG_ID_BYTES] = realloc(ln->gone, cap * sizeof *g);
    if (g == NULL) return SQLITE_NOMEM; /* the batch fails like any SQLite error */
    ln->gone = g;
    ln->gone_cap = cap;
  }
  memcpy(ln->gone[ln->ngone++], msg_id, RP_MSG_ID_BYTES);
  return SQLITE_OK;
}

int rp__spool_files_unlink(rp__spool_lane *ln) {
  int r = 0;
  for (size_t i = 0; i < ln->ngone; i++) {
    char hex[RP__ID_HEX_BYTES];
    if (unlinkat(ln->sp->chunk_dir, rp__id_hex(hex, ln->gone[i]), 0) == 0 ||
        errno == ENOENT)
      continue;
    /* The rows are gone, the bytes are not: a disk that cannot erase is failing. The
     * orphan sweep removes the file at the next open. */
    if (r == 0) set_why(ln, RP_EIO, "unlink", ln->gone[i], errno);
    r = RP__SPOOL_FILE_ERR;
  }
  ln->ngone = 0;
  return r;
}

void rp__spool_files_abort(rp__spool_lane *ln) {
  for (size_t i = 0; i < ln->nopen; i++)
    close(ln->open[i].fd);
  ln->nopen = 0;
  ln->created = 0;
  ln->ngone = 0; /* rolled back: the rows are still there, and so must the files be */
}

/* ---- the reader ---- */

int rp__spool_file_read(rp__spool *sp, int *fd, const uint8_t *msg_id, uint64_t index,
                        uint8_t *out, size_t len) {
  size_t got = 0;
  if (*fd < 0) {
    char hex[RP__ID_HEX_BYTES];
    *fd = openat(sp->chunk_dir, rp__id_hex(hex, msg_id), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0) return errno == ENOENT ? RP_ENOTFOUND : RP_EIO;
  }
  /* Exactly the row's length, or an error: never a hole's zeros or a short chunk. */
  while (got < len) {
    ssize_t n = pread(*fd, out + got, len - got, chunk_off(index) + (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return RP_EIO;
    got += (size_t)n;
  }
  return 0;
}

/* ---- open: the orphan sweep, and the upgrade of a version 3 spool ---- */

int rp__spool_files_sweep(rp__spool *sp, sqlite3 *db, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  DIR *d = NULL;
  struct dirent *e;
  int r = RP_EIO, rc, dfd;

  rc = sqlite3_prepare_v2(db, "SELECT 1 FROM chunk_msg WHERE msg_id = ?1", -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "orphan sweep", db, rc);
    goto out;
  }
  /* A dup of the folder's fd for the listing; the spool keeps its own. */
  if ((dfd = dup(sp->chunk_dir)) < 0 || (d = fdopendir(dfd)) == NULL) {
    if (dfd >= 0) close(dfd);
    snprintf(err, errlen, "orphan sweep %s: %s", sp->chunk_path, strerror(errno));
    goto out;
  }
  while ((errno = 0, e = readdir(d)) != NULL) {
    uint8_t id[RP_MSG_ID_BYTES];
    int keep = 0;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (rp__id_unhex_lower(id, e->d_name) == 0) {
      sqlite3_bind_blob(st, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
      rc = sqlite3_step(st);
      sqlite3_reset(st);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rp__spool_sql_set_err(err, errlen, "orphan sweep", db, rc);
        goto out;
      }
      keep = rc == SQLITE_ROW;
    }
    if (keep) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno == ENOENT) continue;
    /* A stray folder: removed if empty, else left to the operator (it holds nothing
     * this relay wrote). */
    if (errno == EISDIR || errno == EPERM) {
      (void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
      continue;
    }
    snprintf(err, errlen, "orphan sweep: unlink chunks/%s: %s", e->d_name, strerror(errno));
    goto out;
  }
  if (errno != 0) {
    snprintf(err, errlen, "orphan sweep %s: %s", sp->chunk_path, strerror(errno));
    goto out;
  }
  r = 0;
out:
  if (d != NULL) closedir(d);
  sqlite3_finalize(st);
  return r;
}

int rp__spool_files_export(int dir, sqlite3 *db, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  uint8_t cur[RP_MSG_ID_BYTES];
  int r = RP_EIO, rc, fd = -1, any = 0, created, e = 0;
  const char *what = "read";

  rc = sqlite3_prepare_v2(db, "SELECT msg_id, idx, bytes FROM chunk ORDER BY msg_id, idx",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rp__spool_sql_set_err(err, errlen, "upgrade chunks", db, rc);
    goto out;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint8_t id[RP_MSG_ID_BYTES];
    sqlite3_int64 idx = sqlite3_column_int64(st, 1);
    const uint8_t *b = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    rp__sql_col_fixed(st, 0, id, RP_MSG_ID_BYTES);
    if (idx < 0 || (uint64_t)idx >= RP__CHUNK_COUNT_MAX || b == NULL || len == 0 ||
        len > RP__CHUNK_SEALED_MAX) {
      snprintf(err, errlen, "upgrade chunks: a chunk row out of range (index %lld)",
               (long long)idx);
      goto out;
    }
    if (fd >= 0 && memcmp(cur, id, RP_MSG_ID_BYTES) != 0) {
      what = "fdatasync";
      if ((e = sync_fd(fd)) != 0) goto io;
      close(fd);
      fd = -1;
    }
    if (fd < 0) {
      what = "open";
      if ((fd = open_for_write(dir, id, &created)) < 0) {
        e = errno;
        goto io;
      }
      memcpy(cur, id, RP_MSG_ID_BYTES);
      any = 1;
    }
    what = "write";
    if ((e = write_all(fd, b, len, chunk_off((uint64_t)idx))) != 0) goto io;
  }
  if (rc != SQLITE_DONE) {
    rp__spool_sql_set_err(err, errlen, "upgrade chunks", db, rc);
    goto out;
  }
  what = "fdatasync";
  if (fd >= 0 && (e = sync_fd(fd)) != 0) goto io;
  what = "fsync folder";
  if (any && fsync(dir) != 0) {
    e = errno;
    goto io;
  }
  r = 0;
  goto out;
io:
  snprintf(err, errlen, "upgrade chunks: %s: %s", what, strerror(e));
out:
  if (fd >= 0) close(fd);
  sqlite3_finalize(st);
  return r;
}
