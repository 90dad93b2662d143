/* SPDX-License-Identifier: MIT */
/*
 * The spool fails closed. A small SQLite VFS wraps the real one ("unix") and, when told
 * to, makes fsync or write fail, so the errors come from inside SQLite exactly as a
 * failing disk would produce them; the database, WAL and fsync are otherwise real.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool.h"
#include "testutil.h"

/* ---- the fault VFS ---- */

static atomic_int fail_sync, fail_write;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

typedef struct {
  sqlite3_file base;
  sqlite3_file *real; /* lives right after this struct, in the same allocation */
} fault_file;

#define REAL(f) (((fault_file *)(f))->real)
#define FWD(f, m, ...) REAL(f)->pMethods->m(REAL(f), __VA_ARGS__)

static int f_close(sqlite3_file *f) {
  return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off) {
  return FWD(f, xRead, b, n, off);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off) {
  if (atomic_load(&fail_write)) return SQLITE_FULL;
  return FWD(f, xWrite, b, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return FWD(f, xTruncate, size);
}
static int f_sync(sqlite3_file *f, int flags) {
  if (atomic_load(&fail_sync)) return SQLITE_IOERR_FSYNC;
  return FWD(f, xSync, flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size) {
  return FWD(f, xFileSize, size);
}
static int f_lock(sqlite3_file *f, int l) {
  return FWD(f, xLock, l);
}
static int f_unlock(sqlite3_file *f, int l) {
  return FWD(f, xUnlock, l);
}
static int f_check(sqlite3_file *f, int *out) {
  return FWD(f, xCheckReservedLock, out);
}
static int f_fcntl(sqlite3_file *f, int op, void *arg) {
  return FWD(f, xFileControl, op, arg);
}
static int f_sector(sqlite3_file *f) {
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_dev(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp) {
  return FWD(f, xShmMap, pg, sz, ext, pp);
}
static int f_shmlock(sqlite3_file *f, int off, int n, int flags) {
  return FWD(f, xShmLock, off, n, flags);
}
static void f_shmbarrier(sqlite3_file *f) {
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shmunmap(sqlite3_file *f, int del) {
  return FWD(f, xShmUnmap, del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return FWD(f, xFetch, off, n, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return FWD(f, xUnfetch, off, p);
}

static const sqlite3_io_methods fault_io = {
    3,         f_close,      f_read,     f_write, f_truncate, f_sync, f_size,
    f_lock,    f_unlock,     f_check,    f_fcntl, f_sector,   f_dev,  f_shmmap,
    f_shmlock, f_shmbarrier, f_shmunmap, f_fetch, f_unfetch,
};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                  int *out) {
  (void)vfs;
  REAL(f) = (sqlite3_file *)((fault_file *)f + 1);
  int rc = real_vfs->xOpen(real_vfs, name, REAL(f), flags, out);
  /* SQLite calls xClose whenever pMethods is set, even if the open failed. */
  f->pMethods = REAL(f)->pMethods != NULL ? &fault_io : NULL;
  return rc;
}

static void register_fault_vfs(void) {
  if (real_vfs != NULL) return;
  real_vfs = sqlite3_vfs_find(NULL);
  assert_non_null(real_vfs);
  fault_vfs = *real_vfs;
  fault_vfs.pNext = NULL;
  fault_vfs.zName = "rpfault";
  fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
  fault_vfs.xOpen = f_open;
  assert_int_equal(sqlite3_vfs_register(&fault_vfs, 0), SQLITE_OK);
}

/* ---- fixture ---- */

typedef struct {
  uv_loop_t loop;
  char dir[4096], path[4200];
  rp__spool_options opts;
  rp__spool *sp;
  rp__spool_req req[8];
  int done[8];
  uint8_t body[256];
  int fails, fail_err;
  char fail_why[RP__SPOOL_WHY_MAX];
} fixture;

static void on_fail(rp__spool *sp, int err, const char *why) {
  fixture *f = rp__spool_get_data(sp);
  f->fails++;
  f->fail_err = err;
  snprintf(f->fail_why, sizeof f->fail_why, "%s", why);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  register_fault_vfs();
  atomic_store(&fail_sync, 0);
  atomic_store(&fail_write, 0);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir("spoolfault"));
  snprintf(f->path, sizeof f->path, "%s/spool.sqlite", f->dir);
  f->opts = (rp__spool_options){.path = f->path,
                                .recipient_bytes_max = 1u << 20,
                                .total_bytes_max = 1u << 20,
                                .envelope_max = 256,
                                .batch_max = 64,
                                .batch_bytes_max = 1u << 20,
                                .vfs = "rpfault",
                                .fail_cb = on_fail,
                                .data = f};
  memset(f->body, 0x5a, sizeof f->body);
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
  atomic_store(&fail_sync, 0);
  atomic_store(&fail_write, 0);
  if (f->sp != NULL) close_spool(f);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  tu_rmtree(f->dir);
  free(f);
  return 0;
}

static void open_spool(fixture *f) {
  char err[256];
  int r = rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err);
  if (r != 0) fail_msg("open: %s", err);
}

static void on_done(rp__spool_req *req) {
  (*(int *)req->data)++;
}

static int put(fixture *f, int i, unsigned id) {
  rp__spool_envelope env = {.sender = "s",
                            .recipient = "r",
                            .created_ms = 1,
                            .expires_ms = 2,
                            .bytes = f->body,
                            .len = sizeof f->body};
  memset(env.msg_id, 0, sizeof env.msg_id);
  memcpy(env.msg_id, &id, sizeof id);
  f->done[i] = 0;
  f->req[i].data = &f->done[i];
  return rp__spool_put(f->sp, &f->req[i], &env, on_done);
}

/* A failing durable write fails its batch, everything queued behind it, and every
 * write after it, even once the disk "recovers". */
static void fail_closed(fixture *f, atomic_int *knob) {
  rp__spool_stats st;
  open_spool(f);
  assert_int_equal(put(f, 0, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[0].result, 0);

  atomic_store(knob, 1);
  for (int i = 1; i <= 3; i++)
    assert_int_equal(put(f, i, 10 + (unsigned)i), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  for (int i = 1; i <= 3; i++) {
    assert_int_equal(f->done[i], 1);
    assert_true(f->req[i].result == RP_EFSYNC || f->req[i].result == RP_EIO);
  }
  assert_int_equal(f->fails, 1);
  assert_int_equal(f->fail_err, f->req[1].result);
  assert_int_equal(rp__spool_failed(f->sp), f->fail_err);
  assert_string_equal(rp__spool_fail_reason(f->sp), f->fail_why);
  print_message("failed with %s: %s\n", rp_err_name(f->fail_err), f->fail_why);

  /* The disk is fine again; the spool must not pretend it is. */
  atomic_store(knob, 0);
  assert_int_equal(put(f, 4, 99), RP_EFSYNC);
  uint8_t mid[RP_MSG_ID_BYTES] = {1};
  assert_int_equal(rp__spool_delete(f->sp, &f->req[5], "r", mid, on_done), RP_EFSYNC);
  assert_int_equal(rp__spool_expire(f->sp, &f->req[5], 10, 10, on_done), RP_EFSYNC);
  assert_int_equal(f->fails, 1);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.reserved_bytes, 0);
  assert_int_equal(st.envelopes, 1);
  assert_int_equal(st.failed, f->fail_err);

  /* What was acked is still readable. */
  f->done[6] = 0;
  f->req[6].data = &f->done[6];
  assert_int_equal(rp__spool_fetch(f->sp, &f->req[6], "r", 0, 10, 1u << 20, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[6].result, 0);
  assert_true(f->req[6].nentries >= 1);
  rp__spool_req_cleanup(&f->req[6]);
  close_spool(f);

  /* After a restart the acked envelope is there; the failed ones were never acked. */
  f->opts.vfs = NULL;
  open_spool(f);
  rp__spool_get_stats(f->sp, &st);
  assert_true(st.envelopes >= 1);
  assert_int_equal(put(f, 0, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[0].result, RP_EDUPLICATE);
}

static void test_fsync_error(void **state) {
  fixture *f = *state;
  fail_closed(f, &fail_sync);
  assert_int_equal(f->fail_err, RP_EFSYNC);
}

static void test_disk_full(void **state) {
  fail_closed(*state, &fail_write);
}

/* A builder that makes the disk fail while the sweep's transaction runs, so its COMMIT
 * fails after the notice was inserted. */
static int notice_fault;
static int build_notice(void *arg, const rp__spool_entry *e, int64_t now_ms,
                        uint8_t notice_id[RP_MSG_ID_BYTES], uint8_t *buf, size_t *len) {
  (void)arg;
  (void)now_ms;
  memcpy(notice_id, e->msg_id, RP_MSG_ID_BYTES);
  notice_id[RP_MSG_ID_BYTES - 1] ^= 0xff;
  memcpy(buf, "notice", 6);
  *len = 6;
  if (notice_fault) atomic_store(&fail_sync, 1);
  return 1;
}

/* Rows by sender in the file, read with a connection of our own. */
static int count_rows(const char *path, const char *sender) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int n = -1;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM envelope WHERE sender = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

/* The expiry of an envelope and its notice commit together: a failure rolls both back
 * (the envelope is still there to expire again), success leaves the notice without any
 * further transaction. */
static void test_expiry_notice_atomic(void **state) {
  fixture *f = *state;
  rp__spool_notice nt = {.fn = build_notice, .sender = "relay", .ttl_ms = 1000};
  rp__spool_stats st;

  open_spool(f);
  assert_int_equal(put(f, 0, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[0].result, 0);
  notice_fault = 1;
  f->done[1] = 0;
  f->req[1].data = &f->done[1];
  assert_int_equal(rp__spool_expire_notify(f->sp, &f->req[1], 10, 10, &nt, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  notice_fault = 0;
  atomic_store(&fail_sync, 0);
  assert_int_equal(f->req[1].result, RP_EFSYNC);
  close_spool(f);
  assert_int_equal(count_rows(f->path, "s"), 1);
  assert_int_equal(count_rows(f->path, "relay"), 0);

  open_spool(f);
  f->done[1] = 0;
  assert_int_equal(rp__spool_expire_notify(f->sp, &f->req[1], 10, 10, &nt, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[1].result, 0);
  assert_int_equal(f->req[1].nentries, 1);
  assert_int_equal(f->req[1].entries[0].notice_size, 6);
  rp__spool_req_cleanup(&f->req[1]);
  /* The notice counts for the expired envelope's sender, the envelope no more. */
  uint64_t n = 0, b = 0;
  rp__spool_recipient_usage(f->sp, "s", &n, &b);
  assert_int_equal(n, 1);
  assert_int_equal(b, 6);
  rp__spool_recipient_usage(f->sp, "r", &n, &b);
  assert_int_equal(n, 0);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 1);
  assert_int_equal(st.bytes, 6);
  assert_int_equal(count_rows(f->path, "s"), 0);
  assert_int_equal(count_rows(f->path, "relay"), 1);
  /* The notice expires without a notice of its own. */
  f->done[1] = 0;
  assert_int_equal(rp__spool_expire_notify(f->sp, &f->req[1], 5000, 10, &nt, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[1].nentries, 1);
  assert_int_equal(f->req[1].entries[0].notice_size, 0);
  rp__spool_req_cleanup(&f->req[1]);
  assert_int_equal(count_rows(f->path, "relay"), 0);
}

static void test_open_errors(void **state) {
  fixture *f = *state;
  char err[256], bad[4300];
  snprintf(bad, sizeof bad, "%s/no/such/dir/spool.sqlite", f->dir);
  f->opts.path = bad;
  assert_int_equal(rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err), RP_EIO);
  assert_null(f->sp);
  assert_non_null(strstr(err, "spool.sqlite"));

  /* A spool written by a newer relay is refused, not reinterpreted. */
  sqlite3 *db = NULL;
  f->opts.path = f->path;
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), 0);
  sqlite3_close(db);
  assert_int_equal(rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err),
                   RP_EVERSION);
  assert_null(f->sp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fsync_error, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expiry_notice_atomic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
