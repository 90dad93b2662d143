/* SPDX-License-Identifier: MIT */
/*
 * The spool's chunk files (server/spool_file.c) against a real folder, real SQLite and a
 * real libuv loop: where the bytes go (and that SQLite's files no longer hold them), the
 * file gone after delete, purge, expiry and orphan expiry, the orphan sweep at open, the
 * upgrade of a version 3 spool (chunk bytes in SQLite), a file missing under its rows,
 * ENOSPC and an fdatasync error on a chunk file, and kill -9 between the chunk write and
 * its COMMIT and between a delete's COMMIT and the unlink.
 *
 * The faults come from the system calls themselves: this program is linked with
 * --wrap=pwrite,--wrap=fdatasync,--wrap=unlinkat (tests/CMakeLists.txt), so the spool's
 * calls go through __wrap_* below, which fail or kill the process when told to. Nothing
 * of this is in the relay's binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chunk.h"
#include "hex.h"
#include "rejsepost_errors.h"
#include "spool.h"
#include "sql_util.h"
#include "testutil.h"

/* ---- the wrapped system calls ---- */

static int fail_pwrite, fail_fdatasync; /* an errno to fail with, or 0 */
static int kill_after_sync, kill_before_unlink;

ssize_t __real_pwrite(int fd, const void *b, size_t n, off_t off);
int __real_fdatasync(int fd);
int __real_unlinkat(int dir, const char *name, int flags);
ssize_t __wrap_pwrite(int fd, const void *b, size_t n, off_t off);
int __wrap_fdatasync(int fd);
int __wrap_unlinkat(int dir, const char *name, int flags);

ssize_t __wrap_pwrite(int fd, const void *b, size_t n, off_t off) {
  if (fail_pwrite != 0) {
    errno = fail_pwrite;
    return -1;
  }
  return __real_pwrite(fd, b, n, off);
}

int __wrap_fdatasync(int fd) {
  int r;
  if (fail_fdatasync != 0) {
    errno = fail_fdatasync;
    return -1;
  }
  r = __real_fdatasync(fd);
  if (kill_after_sync) raise(SIGKILL); /* the bytes are durable, the rows not yet */
  return r;
}

int __wrap_unlinkat(int dir, const char *name, int flags) {
  if (kill_before_unlink) raise(SIGKILL); /* the rows are gone, the file not yet */
  return __real_unlinkat(dir, name, flags);
}

/* ---- fixture ---- */

#define LEN0 1040u
#define LEN1 (2u * 1024 + 16)
#define LEN2 RP__CHUNK_SEALED_MAX

typedef struct {
  uv_loop_t loop;
  char dir[4096], path[4200], chunks[4200];
  rp__spool_options opts;
  rp__spool *sp;
  rp__spool_req req;
  int done, fails, fail_err;
  char fail_why[RP__SPOOL_WHY_MAX];
  uint8_t data[3][LEN2]; /* chunk i's bytes (random) */
  size_t len[3];
} fixture;

static void on_fail(rp__spool *sp, int err, const char *why) {
  fixture *f = rp__spool_get_data(sp);
  f->fails++;
  f->fail_err = err;
  snprintf(f->fail_why, sizeof f->fail_why, "%s", why);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  fail_pwrite = fail_fdatasync = kill_after_sync = kill_before_unlink = 0;
  assert_int_equal(uv_loop_init(&f->loop), 0);
  snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir("spoolfiles"));
  snprintf(f->path, sizeof f->path, "%s/spool.sqlite", f->dir);
  snprintf(f->chunks, sizeof f->chunks, "%s/chunks", f->dir);
  f->opts = (rp__spool_options){.path = f->path,
                                .recipient_bytes_max = 1u << 30,
                                .total_bytes_max = 1u << 30,
                                .envelope_max = 4096,
                                .batch_max = 64,
                                .batch_bytes_max = 64u << 20,
                                .fail_cb = on_fail,
                                .data = f};
  f->len[0] = LEN0;
  f->len[1] = LEN1;
  f->len[2] = LEN2;
  for (int i = 0; i < 3; i++)
    for (size_t j = 0; j < LEN2; j++)
      f->data[i][j] = (uint8_t)(rand() & 0xff);
  *state = f;
  return 0;
}

static void close_spool(fixture *f) {
  rp__spool_close(f->sp, NULL);
  assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
  f->sp = NULL;
}

static int teardown(void **state) {
  fixture *f = *state;
  fail_pwrite = fail_fdatasync = 0;
  if (f->sp != NULL) close_spool(f);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  tu_rmtree(f->dir);
  free(f);
  return 0;
}

static void open_spool(fixture *f) {
  char err[256];
  if (rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err) != 0)
    fail_msg("open: %s", err);
}

static void on_done(rp__spool_req *req) {
  (*(int *)req->data)++;
}

static void mid(uint8_t out[RP_MSG_ID_BYTES], unsigned n) {
  memset(out, 0x5c, RP_MSG_ID_BYTES);
  memcpy(out, &n, sizeof n);
}

/* Path of message n's chunk file. */
static const char *file_of(fixture *f, unsigned n) {
  static char p[4300];
  uint8_t id[RP_MSG_ID_BYTES];
  char hex[RP__ID_HEX_BYTES];
  mid(id, n);
  snprintf(p, sizeof p, "%s/%s", f->chunks, rp__id_hex(hex, id));
  return p;
}

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static void run(fixture *f) {
  f->done = 0;
  f->req.data = &f->done;
}

static void wait_done(fixture *f) {
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done, 1);
}

/* Chunk i (of 3) of message n, from k101 to team. */
static rp__spool_chunk chunk_of(fixture *f, unsigned n, unsigned i) {
  rp__spool_chunk ch = {.sender = "k101",
                        .recipient = "team",
                        .index = i,
                        .count = 3,
                        .expires_ms = 5000,
                        .bytes = f->data[i],
                        .len = f->len[i],
                        .message_max = 1u << 20};
  mid(ch.msg_id, n);
  return ch;
}

/* Puts chunk i of message n; the result. */
static int chunk(fixture *f, unsigned n, unsigned i) {
  rp__spool_chunk ch = chunk_of(f, n, i);
  run(f);
  assert_int_equal(rp__spool_put_chunk(f->sp, &f->req, &ch, on_done), 0);
  wait_done(f);
  return f->req.result;
}

static int envelope(fixture *f, unsigned n, int64_t expires) {
  static const uint8_t body[64] = {1};
  rp__spool_envelope env = {.sender = "k101",
                            .recipient = "team",
                            .created_ms = 1,
                            .expires_ms = expires,
                            .bytes = body,
                            .len = sizeof body,
                            .chunks = 3};
  mid(env.msg_id, n);
  run(f);
  assert_int_equal(rp__spool_put(f->sp, &f->req, &env, on_done), 0);
  wait_done(f);
  return f->req.result;
}

static void all_chunks(fixture *f, unsigned n) {
  for (unsigned i = 0; i < 3; i++)
    assert_int_equal(chunk(f, n, i), 0);
}

/* Chunk get of message n from 0; the result; on 0 every chunk is checked. */
static int get_all(fixture *f, unsigned n) {
  uint8_t id[RP_MSG_ID_BYTES];
  int r;
  mid(id, n);
  run(f);
  assert_int_equal(
      rp__spool_chunk_get(f->sp, &f->req, "team", id, 0, 3, 1u << 20, 10, on_done), 0);
  wait_done(f);
  if ((r = f->req.result) == 0) {
    assert_int_equal(f->req.nentries, 3);
    for (unsigned i = 0; i < 3; i++) {
      assert_int_equal(f->req.entries[i].seq, i);
      assert_int_equal(f->req.entries[i].size, f->len[i]);
      assert_memory_equal(f->req.entries[i].envelope, f->data[i], f->len[i]);
    }
  }
  rp__spool_req_cleanup(&f->req);
  return r;
}

/* The first 32 bytes of chunk i are in a file of dir (not its subfolders). */
static int holds(const char *dir, fixture *f, unsigned i) {
  return tu_dir_holds(dir, f->data[i], 32) == 1;
}

/* ---- tests ---- */

/* The bytes are in chunks/<hex>, chunk i at i * RP__CHUNK_SEALED_MAX (a hole before a
 * short chunk), private, and in none of SQLite's files; a delete unlinks the file by
 * the time its callback runs. */
static void test_layout_and_delete(void **state) {
  fixture *f = *state;
  struct stat st;
  uint8_t id[RP_MSG_ID_BYTES], back[LEN1];
  int fd;
  open_spool(f);
  assert_int_equal(stat(f->chunks, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  assert_int_equal(chunk(f, 1, 2), 0);
  assert_int_equal(chunk(f, 1, 1), 0);
  assert_int_equal(stat(file_of(f, 1), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(st.st_size, 2 * RP__CHUNK_SEALED_MAX + LEN2);
  assert_true((fd = open(file_of(f, 1), O_RDONLY)) >= 0);
  assert_int_equal(pread(fd, back, LEN1, RP__CHUNK_SEALED_MAX), LEN1);
  close(fd);
  assert_memory_equal(back, f->data[1], LEN1);
  assert_int_equal(chunk(f, 1, 0), 0);
  /* The count bounds the offsets: past the format's ceiling, refused before any write. */
  {
    rp__spool_chunk big = {.sender = "k101",
                           .recipient = "team",
                           .index = 0,
                           .count = RP__CHUNK_COUNT_MAX + 1,
                           .expires_ms = 5000,
                           .bytes = f->data[0],
                           .len = LEN0,
                           .message_max = 1u << 20};
    assert_int_equal(rp__spool_put_chunk(f->sp, &f->req, &big, on_done), RP_ETOOBIG);
  }
  /* A resent chunk leaves the stored bytes alone. */
  assert_int_equal(chunk(f, 1, 0), RP_EDUPLICATE);
  assert_int_equal(envelope(f, 1, 5000), 0);
  assert_int_equal(get_all(f, 1), 0);
  for (unsigned i = 0; i < 3; i++) {
    assert_true(holds(f->chunks, f, i));
    assert_false(holds(f->dir, f, i)); /* spool.sqlite, -wal, -shm */
  }
  mid(id, 1);
  run(f);
  assert_int_equal(rp__spool_delete(f->sp, &f->req, "team", id, on_done), 0);
  wait_done(f);
  assert_int_equal(f->req.result, 0);
  assert_int_equal(f->req.chunks, 3);
  assert_false(exists(file_of(f, 1)));
  assert_int_equal(get_all(f, 1), RP_ENOTFOUND);
}

/* Purge (with and without an envelope), expiry with the envelope, and the expiry of
 * orphaned chunks each unlink the message's file. */
static void test_purge_and_expiry(void **state) {
  fixture *f = *state;
  uint8_t ids[2 * RP_MSG_ID_BYTES];
  rp__spool_stats st;
  open_spool(f);
  for (unsigned n = 1; n <= 4; n++)
    all_chunks(f, n);
  assert_int_equal(envelope(f, 2, 5000), 0);
  assert_int_equal(envelope(f, 3, 9000), 0);
  mid(ids, 1);
  mid(ids + RP_MSG_ID_BYTES, 2);
  run(f);
  assert_int_equal(rp__spool_purge(f->sp, &f->req, "k101", ids, 2, on_done), 0);
  wait_done(f);
  assert_int_equal(f->req.result, 0);
  assert_int_equal(f->req.nentries, 2);
  rp__spool_req_cleanup(&f->req);
  assert_false(exists(file_of(f, 1)));
  assert_false(exists(file_of(f, 2)));
  assert_true(exists(file_of(f, 3)));
  /* At 6000 message 4's chunks (no envelope, expiring at 5000) go; at 9000 message 3
   * with its envelope. */
  run(f);
  assert_int_equal(rp__spool_expire(f->sp, &f->req, 6000, 10, on_done), 0);
  wait_done(f);
  assert_int_equal(f->req.chunks, 3);
  rp__spool_req_cleanup(&f->req);
  assert_false(exists(file_of(f, 4)));
  assert_true(exists(file_of(f, 3)));
  run(f);
  assert_int_equal(rp__spool_expire(f->sp, &f->req, 9000, 10, on_done), 0);
  wait_done(f);
  assert_int_equal(f->req.nentries, 1);
  rp__spool_req_cleanup(&f->req);
  assert_false(exists(file_of(f, 3)));
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 0);
  assert_int_equal(st.bytes, 0);
}

/* At open, every entry of chunks/ that no chunk row names goes: a message's file whose
 * rows never committed, an upper-case name, any other name, an empty folder. */
static void test_orphan_sweep(void **state) {
  fixture *f = *state;
  char p[4400], hex[RP__ID_HEX_BYTES];
  uint8_t id[RP_MSG_ID_BYTES];
  static const char *const strays[] = {"", "junk.tmp", ".hidden"};
  open_spool(f);
  all_chunks(f, 1);
  close_spool(f);

  for (size_t i = 0; i < sizeof strays / sizeof *strays; i++) {
    FILE *o;
    if (i == 0)
      snprintf(p, sizeof p, "%s", file_of(f, 7));
    else
      snprintf(p, sizeof p, "%s/%s", f->chunks, strays[i]);
    assert_non_null(o = fopen(p, "w"));
    fputs("stray", o);
    fclose(o);
  }
  mid(id, 1);
  rp__id_hex(hex, id);
  for (char *c = hex; *c != '\0'; c++)
    if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
  snprintf(p, sizeof p, "%s/%s", f->chunks, hex);
  assert_int_equal(link(file_of(f, 1), p), 0);
  snprintf(p, sizeof p, "%s/stray-folder", f->chunks);
  assert_int_equal(mkdir(p, 0700), 0);

  open_spool(f);
  assert_true(exists(file_of(f, 1)));
  assert_false(exists(file_of(f, 7)));
  assert_false(exists(p));
  for (size_t i = 1; i < sizeof strays / sizeof *strays; i++) {
    snprintf(p, sizeof p, "%s/%s", f->chunks, strays[i]);
    assert_false(exists(p));
  }
  snprintf(p, sizeof p, "%s/%s", f->chunks, hex);
  assert_false(exists(p));
  assert_int_equal(envelope(f, 1, 5000), 0);
  assert_int_equal(get_all(f, 1), 0);
}

/* A version 3 spool (what the relay wrote before the chunk files: the bytes in the chunk
 * table) opens, its chunks travel, and its SQLite files no longer hold their bytes. */
static void test_upgrade_from_v3(void **state) {
  fixture *f = *state;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  uint8_t id[RP_MSG_ID_BYTES];
  static const uint8_t body[64] = {1};
  char val[16] = "";

  mid(id, 5);
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(
          db,
          "PRAGMA journal_mode = WAL;"
          "CREATE TABLE envelope (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
          " msg_id BLOB NOT NULL UNIQUE CHECK (length(msg_id) = 16), sender TEXT NOT NULL,"
          " recipient TEXT NOT NULL, created_ms INTEGER NOT NULL,"
          " expires_ms INTEGER NOT NULL, urgency INTEGER NOT NULL,"
          " size INTEGER NOT NULL CHECK (size > 0), envelope BLOB NOT NULL);"
          "CREATE INDEX envelope_by_recipient ON envelope (recipient, seq);"
          "CREATE INDEX envelope_by_expiry ON envelope (expires_ms);"
          "CREATE TABLE relay_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
          "CREATE TABLE chunk (msg_id BLOB NOT NULL CHECK (length(msg_id) = 16),"
          " idx INTEGER NOT NULL CHECK (idx >= 0), sender TEXT NOT NULL,"
          " recipient TEXT NOT NULL, expires_ms INTEGER NOT NULL, bytes BLOB NOT NULL,"
          " PRIMARY KEY (msg_id, idx));"
          "CREATE TABLE chunk_msg (msg_id BLOB PRIMARY KEY CHECK (length(msg_id) = 16),"
          " sender TEXT NOT NULL, recipient TEXT NOT NULL, count INTEGER NOT NULL CHECK"
          " (count > 0), expires_ms INTEGER NOT NULL, n INTEGER NOT NULL,"
          " bytes INTEGER NOT NULL);"
          "CREATE INDEX chunk_msg_by_expiry ON chunk_msg (expires_ms);"
          "PRAGMA user_version = 3;",
          NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "INSERT INTO envelope (msg_id, sender, recipient,"
                                      " created_ms, expires_ms, urgency, size, envelope)"
                                      " VALUES (?1, 'k101', 'team', 1, 5000, 0, 64, ?2)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(st, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, body, sizeof body, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "INSERT INTO chunk VALUES (?1, ?2, 'k101', 'team',"
                                      " 5000, ?3)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  for (int i = 0; i < 3; i++) {
    sqlite3_bind_blob(st, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, i);
    sqlite3_bind_blob(st, 3, f->data[i], (int)f->len[i], SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "INSERT INTO chunk_msg VALUES (?1, 'k101', 'team', 3,"
                                      " 5000, 3, ?2)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(st, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, LEN0 + LEN1 + LEN2);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  assert_true(holds(f->dir, f, 2));

  open_spool(f);
  assert_int_equal(get_all(f, 5), 0);
  {
    rp__spool_stats s;
    rp__spool_get_stats(f->sp, &s);
    assert_int_equal(s.chunks, 3);
    assert_int_equal(s.chunk_bytes, LEN0 + LEN1 + LEN2);
  }
  for (unsigned i = 0; i < 3; i++) {
    assert_true(holds(f->chunks, f, i));
    assert_false(holds(f->dir, f, i));
  }
  close_spool(f);
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(rp__sql_pragma_text(db, "PRAGMA user_version", val, sizeof val),
                   SQLITE_OK);
  assert_string_equal(val, "4");
  sqlite3_close(db);
  /* Delivered: the file goes as for a new spool's chunks. */
  open_spool(f);
  assert_int_equal(get_all(f, 5), 0);
  run(f);
  assert_int_equal(rp__spool_delete(f->sp, &f->req, "team", id, on_done), 0);
  wait_done(f);
  assert_int_equal(f->req.result, 0);
  assert_false(exists(file_of(f, 5)));
}

/* A file gone or cut short under its rows: the chunk get answers RP_EIO (the spool
 * keeps serving, nothing crashes, no zeros of a hole are handed out). */
static void test_missing_file(void **state) {
  fixture *f = *state;
  open_spool(f);
  all_chunks(f, 1);
  assert_int_equal(envelope(f, 1, 5000), 0);
  assert_int_equal(truncate(file_of(f, 1), 2 * RP__CHUNK_SEALED_MAX + 100), 0);
  assert_int_equal(get_all(f, 1), RP_EIO);
  assert_int_equal(unlink(file_of(f, 1)), 0);
  assert_int_equal(get_all(f, 1), RP_EIO);
  assert_int_equal(rp__spool_failed(f->sp), 0);
}

/* The chunk file's write fails with ENOSPC, or its fdatasync with EIO: the spool fails
 * closed as for SQLite's disk full (RP_EIO before the COMMIT, RP_EFSYNC for the sync),
 * what was acknowledged stays, and the failed chunk was not stored. */
static void fault(fixture *f, int *knob, int err, int want) {
  open_spool(f);
  assert_int_equal(chunk(f, 1, 0), 0);
  *knob = err;
  assert_int_equal(chunk(f, 1, 1), want);
  *knob = 0;
  assert_int_equal(f->fails, 1);
  assert_int_equal(rp__spool_failed(f->sp), want);
  print_message("failed with %s: %s\n", rp_err_name(want), f->fail_why);
  assert_non_null(strstr(f->fail_why, strerror(err)));
  close_spool(f);
  open_spool(f);
  assert_int_equal(chunk(f, 1, 0), RP_EDUPLICATE);
  assert_int_equal(chunk(f, 1, 1), 0);
  assert_int_equal(chunk(f, 1, 2), 0);
  assert_int_equal(envelope(f, 1, 5000), 0);
  assert_int_equal(get_all(f, 1), 0);
}

static void test_enospc(void **state) {
  fault(*state, &fail_pwrite, ENOSPC, RP_EIO);
}

static void test_fdatasync_error(void **state) {
  fault(*state, &fail_fdatasync, EIO, RP_EFSYNC);
}

/* Runs body in a child that dies of SIGKILL inside it (0 if it did). */
static int in_child_killed(fixture *f, void (*body)(fixture *f)) {
  int status = 0;
  pid_t pid = fork();
  if (pid == 0) {
    char err[256];
    /* The child's own loop, in its copy of the fixture (the parent's has no handles). */
    if (uv_loop_init(&f->loop) != 0) _exit(2);
    if (rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err) != 0) _exit(3);
    body(f);
    _exit(4); /* not killed: the test fails */
  }
  assert_true(pid > 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -1;
}

static void child_put(fixture *f, unsigned n, unsigned i) {
  rp__spool_chunk ch = chunk_of(f, n, i);
  f->req.data = &f->done;
  if (rp__spool_put_chunk(f->sp, &f->req, &ch, on_done) != 0) _exit(5);
  uv_run(&f->loop, UV_RUN_DEFAULT);
}

/* Message 1's chunk 0 acknowledged, then killed while message 2's chunk 0 is synced and
 * not committed. */
static void child_write(fixture *f) {
  child_put(f, 1, 0);
  if (f->req.result != 0) _exit(6);
  kill_after_sync = 1;
  child_put(f, 2, 0);
}

/* Message 3's chunks purged; killed after the COMMIT, before the unlink. */
static void child_purge(fixture *f) {
  uint8_t id[RP_MSG_ID_BYTES];
  mid(id, 3);
  kill_before_unlink = 1;
  f->req.data = &f->done;
  if (rp__spool_purge(f->sp, &f->req, "k101", id, 1, on_done) != 0) _exit(5);
  uv_run(&f->loop, UV_RUN_DEFAULT);
}

static void test_kill(void **state) {
  fixture *f = *state;
  rp__spool_stats st;
  open_spool(f);
  all_chunks(f, 3);
  close_spool(f);

  assert_int_equal(in_child_killed(f, child_write), 0);
  assert_true(exists(file_of(f, 2))); /* bytes with no row */
  assert_int_equal(in_child_killed(f, child_purge), 0);
  assert_true(exists(file_of(f, 3))); /* a file with no rows */

  open_spool(f);
  assert_false(exists(file_of(f, 2)));
  assert_false(exists(file_of(f, 3)));
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 1);
  assert_int_equal(chunk(f, 1, 0), RP_EDUPLICATE); /* acknowledged: kept */
  assert_int_equal(chunk(f, 2, 0), 0);             /* never acknowledged */
  assert_int_equal(chunk(f, 3, 0), 0);             /* purged */
  assert_true(exists(file_of(f, 2)));
}

/* A purge of a message and a new chunk of it queued behind it: the chunk never joins
 * the purge's transaction, whose unlink after the COMMIT would take its bytes. */
static void test_purge_then_chunk(void **state) {
  fixture *f = *state;
  rp__spool_req busy, purge, put;
  int done[3] = {0, 0, 0};
  uint8_t id[RP_MSG_ID_BYTES], back[LEN0];
  rp__spool_chunk ch = {.sender = "k101",
                        .recipient = "team",
                        .index = 0,
                        .count = 3,
                        .expires_ms = 5000,
                        .bytes = f->data[0],
                        .len = LEN0,
                        .message_max = 1u << 20};
  rp__spool_stats st;
  int fd;
  open_spool(f);
  all_chunks(f, 1);
  /* The writer is busy with message 2's chunk while the purge and the chunk queue. */
  mid(ch.msg_id, 2);
  busy.data = &done[0];
  assert_int_equal(rp__spool_put_chunk(f->sp, &busy, &ch, on_done), 0);
  mid(id, 1);
  purge.data = &done[1];
  assert_int_equal(rp__spool_purge(f->sp, &purge, "k101", id, 1, on_done), 0);
  mid(ch.msg_id, 1);
  put.data = &done[2];
  assert_int_equal(rp__spool_put_chunk(f->sp, &put, &ch, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(busy.result, 0);
  assert_int_equal(purge.result, 0);
  assert_int_equal(purge.chunks, 3);
  rp__spool_req_cleanup(&purge);
  assert_int_equal(put.result, 0);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 2);
  assert_true((fd = open(file_of(f, 1), O_RDONLY)) >= 0);
  assert_int_equal(pread(fd, back, LEN0, 0), LEN0);
  close(fd);
  assert_memory_equal(back, f->data[0], LEN0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_layout_and_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_purge_and_expiry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_orphan_sweep, setup, teardown),
      cmocka_unit_test_setup_teardown(test_upgrade_from_v3, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fdatasync_error, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
      cmocka_unit_test_setup_teardown(test_purge_then_chunk, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
