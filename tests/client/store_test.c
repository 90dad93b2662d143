/* SPDX-License-Identifier: MIT */
/* The client's SQLite store on real files: modes, outbox statuses and their ranks,
 * inbox dedupe, the migration of an older outbox, and the acks of outbox chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "rejsepost.h"
#include "store.h"
#include "testutil.h"

/* PRAGMA page_size of the database file at path. */
static int page_size(const char *path) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  int n = 0;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  n = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

static void out_row(rp__store_out *o, uint8_t tag, uint8_t *env, size_t len) {
  memset(o, 0, sizeof *o);
  memset(o->msg_id, tag, sizeof o->msg_id);
  memset(o->thread_id, tag, sizeof o->thread_id);
  o->kind = 1;
  o->urgency = 3;
  snprintf(o->recipient, sizeof o->recipient, "team");
  o->envelope = env;
  o->envelope_len = len;
  o->times[RP_STATUS_QUEUED] = 1000;
}

static void test_open_mode_and_meta(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  char path[600];
  struct stat sb;
  rp__store *st = NULL;
  uint8_t *v = NULL;
  size_t n = 0;
  (void)state;
  snprintf(path, sizeof path, "%s/sub", dir);
  assert_int_equal(rp__store_open(path, &st), 0);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  snprintf(path, sizeof path, "%s/sub/%s", dir, RP__STORE_FILE);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  /* A new store has 16 KiB pages (store.c says why). */
  assert_int_equal(page_size(path), 16384);
  assert_int_equal(rp__store_meta_get(st, "roster", &v, &n), RP_ENOTFOUND);
  assert_int_equal(rp__store_meta_put(st, "roster", (const uint8_t *)"abc", 3), 0);
  assert_int_equal(rp__store_meta_put(st, "roster", (const uint8_t *)"abcd", 4), 0);
  assert_int_equal(rp__store_meta_get(st, "roster", &v, &n), 0);
  assert_int_equal(n, 4);
  assert_memory_equal(v, "abcd", 4);
  free(v);
  rp__store_close(st);
  tu_rmtree(dir);
}

static void test_outbox_status_rules(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_out o, got;
  uint8_t env[5] = {1, 2, 3, 4, 5};
  uint64_t q = 0;
  int changed = 0;
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  out_row(&o, 7, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(rp__store_out_add(st, &o), RP_EEXIST);
  assert_int_equal(rp__store_out_queued_count(st, &q), 0);
  assert_int_equal(q, 1);
  assert_int_equal(rp__store_out_next_queued(st, 0, &got), 0);
  assert_int_equal(got.envelope_len, sizeof env);
  assert_memory_equal(got.envelope, env, sizeof env);
  assert_int_equal(rp__store_out_next_queued(st, got.rowid, &o), RP_ENOTFOUND);
  rp__store_out_free(&got);
  /* A receipt may overtake the ACK: delivered implies relayed, with the same time. */
  assert_int_equal(
      rp__store_out_status(st, got.msg_id, RP_STATUS_DELIVERED, 0, 2000, &changed), 0);
  assert_int_equal(changed, 1);
  assert_int_equal(
      rp__store_out_status(st, got.msg_id, RP_STATUS_RELAYED, 0, 2500, &changed), 0);
  assert_int_equal(changed, 0); /* no step back */
  assert_int_equal(rp__store_out_get(st, got.msg_id, 0, &o), 0);
  assert_int_equal(o.status, RP_STATUS_DELIVERED);
  assert_int_equal(o.times[RP_STATUS_RELAYED], 2000);
  /* Expiry after delivery is impossible and ignored; queued count is 0 now. */
  assert_int_equal(
      rp__store_out_status(st, got.msg_id, RP_STATUS_EXPIRED, 0, 3000, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(rp__store_out_queued_count(st, &q), 0);
  assert_int_equal(q, 0);
  /* Answered before opened: status answered, and opened still gets its time later. */
  assert_int_equal(rp__store_out_status(st, got.msg_id, RP_STATUS_ANSWERED, 0, 4000, NULL),
                   0);
  assert_int_equal(
      rp__store_out_status(st, got.msg_id, RP_STATUS_OPENED, 0, 5000, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(rp__store_out_get(st, got.msg_id, 0, &o), 0);
  assert_int_equal(o.status, RP_STATUS_ANSWERED);
  assert_int_equal(o.times[RP_STATUS_OPENED], 5000);
  assert_int_equal(o.times[RP_STATUS_EXPIRED], 0);
  /* A failure is final. */
  out_row(&o, 8, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_FAILED, RP_EINVAL, 6000, &changed), 0);
  assert_int_equal(changed, 1);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_RELAYED, 0, 7000, &changed),
                   0);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_FAILED);
  assert_int_equal(got.error, RP_EINVAL);
  assert_int_equal(rp__store_out_status(st, o.msg_id, 0, 0, 1, NULL), RP_EINVAL);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP__STORE_STATUS_MAX + 1, 0, 1, NULL),
                   RP_EINVAL);
  memset(o.msg_id, 9, sizeof o.msg_id);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_RELAYED, 0, 1, NULL),
                   RP_ENOTFOUND);
  rp__store_close(st);
  tu_rmtree(dir);
}

static void test_inbox_dedupe_and_handled(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_in in, got;
  rp__store_out receipt, o;
  uint8_t env[3] = {9, 8, 7};
  uint64_t n = 0;
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  memset(&in, 0, sizeof in);
  memset(in.msg_id, 1, sizeof in.msg_id);
  memset(in.thread_id, 1, sizeof in.thread_id);
  in.kind = 1;
  snprintf(in.sender, sizeof in.sender, "k101");
  in.envelope = env;
  in.envelope_len = sizeof env;
  in.stored_at = 42;
  out_row(&receipt, 5, env, sizeof env);
  receipt.receipt = 1;
  assert_int_equal(rp__store_in_add(st, &in, &receipt, NULL), 0);
  /* The duplicate writes nothing, not even a second receipt. */
  memset(receipt.msg_id, 6, sizeof receipt.msg_id);
  assert_int_equal(rp__store_in_add(st, &in, &receipt, NULL), RP_EEXIST);
  assert_int_equal(rp__store_out_get(st, receipt.msg_id, 0, &o), RP_ENOTFOUND);
  assert_int_equal(rp__store_in_pending(st, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(rp__store_in_next(st, 0, &got), 0);
  assert_string_equal(got.sender, "k101");
  assert_int_equal(got.stored_at, 42);
  assert_int_equal(rp__store_in_next(st, got.rowid, &in), RP_ENOTFOUND);
  rp__store_in_free(&got);
  assert_int_equal(rp__store_in_handled(st, got.msg_id, 50), 0);
  assert_int_equal(rp__store_in_next(st, 0, &got), RP_ENOTFOUND);
  assert_int_equal(rp__store_in_pending(st, &n), 0);
  assert_int_equal(n, 0);
  memset(got.msg_id, 2, sizeof got.msg_id);
  assert_int_equal(rp__store_in_handled(st, got.msg_id, 50), RP_ENOTFOUND);
  rp__store_close(st);
  /* Reopened: the state is on disk. */
  assert_int_equal(rp__store_open(dir, &st), 0);
  memset(got.msg_id, 1, sizeof got.msg_id);
  assert_int_equal(rp__store_in_get(st, got.msg_id, &in), 0);
  assert_int_equal(in.handled, 1);
  rp__store_in_free(&in);
  rp__store_close(st);
  tu_rmtree(dir);
}

/* Recalls on both sides. Ours: an answered message becomes recalled with its time (in
 * outbox_recalled), implies delivered, and nothing moves it on; an expired one stays
 * expired. Theirs: a recall from the message's own sender marks it (receipt added, not
 * offered or counted any more, found by get with the mark), once; one from another member
 * or about a message we do not hold does nothing. */
static void test_recalled(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_out o, got, receipt;
  rp__store_in in, row;
  uint8_t env[5] = {1, 2, 3, 4, 5}, other[RP_MSG_ID_BYTES];
  uint64_t n = 0;
  int changed = -1, done = -1;
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  out_row(&o, 1, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_ANSWERED, 0, 2000, NULL),
                   0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_RECALLED, 0, 3000, &changed), 0);
  assert_int_equal(changed, 1);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_RECALLED);
  assert_int_equal(got.times[RP_STATUS_RECALLED], 3000);
  assert_int_equal(got.times[RP_STATUS_DELIVERED], 2000);
  assert_int_equal(rp_status_rank(RP_STATUS_RECALLED), 7);
  /* Final: a late "opened" receipt gets its time but does not move it; a second recall
   * receipt keeps the first time. */
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_OPENED, 0, 4000, &changed),
                   0);
  assert_int_equal(changed, 0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_RECALLED, 0, 5000, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_RECALLED);
  assert_int_equal(got.times[RP_STATUS_RECALLED], 3000);
  out_row(&o, 2, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_EXPIRED, 0, 2000, NULL), 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_RECALLED, 0, 3000, NULL),
                   0);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_EXPIRED);
  assert_int_equal(got.times[RP_STATUS_RECALLED], 0);

  memset(&in, 0, sizeof in);
  memset(in.msg_id, 7, sizeof in.msg_id);
  memset(in.thread_id, 7, sizeof in.thread_id);
  in.kind = 2;
  snprintf(in.sender, sizeof in.sender, "team");
  in.envelope = env;
  in.envelope_len = sizeof env;
  in.stored_at = 42;
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  out_row(&receipt, 8, env, sizeof env);
  receipt.receipt = 1;
  /* Another member cannot recall it; a message we do not hold is no error. */
  assert_int_equal(rp__store_in_recall(st, in.msg_id, "k101", 50, &receipt, &done), 0);
  assert_int_equal(done, 0);
  memset(other, 9, sizeof other);
  assert_int_equal(rp__store_in_recall(st, other, "team", 50, &receipt, &done), 0);
  assert_int_equal(done, 0);
  assert_int_equal(rp__store_out_get(st, receipt.msg_id, 0, &got), RP_ENOTFOUND);
  assert_int_equal(rp__store_in_pending(st, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(rp__store_in_recall(st, in.msg_id, "team", 50, &receipt, &done), 0);
  assert_int_equal(done, 1);
  assert_int_equal(rp__store_out_get(st, receipt.msg_id, 0, &got), 0);
  assert_int_equal(rp__store_in_pending(st, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(rp__store_in_next(st, 0, &row), RP_ENOTFOUND);
  assert_int_equal(rp__store_in_get(st, in.msg_id, &row), 0);
  assert_int_equal(row.recalled, 1);
  assert_int_equal(row.handled, 0);
  rp__store_in_free(&row);
  /* Once: a second recall adds no second receipt. */
  memset(receipt.msg_id, 10, sizeof receipt.msg_id);
  assert_int_equal(rp__store_in_recall(st, in.msg_id, "team", 60, &receipt, &done), 0);
  assert_int_equal(done, 0);
  assert_int_equal(rp__store_out_get(st, receipt.msg_id, 0, &got), RP_ENOTFOUND);
  /* An erased thread takes its recall marks along: no id of it stays behind. */
  {
    uint8_t t1[RP_THREAD_ID_BYTES];
    char path[700];
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    memset(t1, 1, sizeof t1);
    assert_int_equal(rp__store_erase_thread(st, t1, NULL, &n), 0);
    assert_int_equal(rp__store_erase_thread(st, in.thread_id, NULL, &n), 0);
    rp__store_close(st);
    snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM outbox_recalled) +"
                                        " (SELECT count(*) FROM inbox_recalled)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
  tu_rmtree(dir);
}

/* An incomplete message whose envelope expired (beyond the clock skew) is given up with
 * its chunks, at open and by rp__store_in_sweep; a complete one, one not yet expired and
 * one of unknown expiry stay. */
static void test_incomplete_sweep(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_in in, got;
  uint8_t env[3] = {9, 8, 7}, chunk[40] = {0};
  uint64_t now = rp__clock_wall_ms(), n = 9, stored = 0;
  const uint64_t expires[4] = {now - RP_CLOCK_SKEW_MS - 1000, now - RP_CLOCK_SKEW_MS - 1000,
                               now - 1000, 0};
  const int complete[4] = {0, 1, 0, 0};
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  for (int i = 0; i < 4; i++) {
    memset(&in, 0, sizeof in);
    memset(in.msg_id, 10 + i, sizeof in.msg_id);
    memset(in.thread_id, 1, sizeof in.thread_id);
    in.kind = 1;
    snprintf(in.sender, sizeof in.sender, "k101");
    in.envelope = env;
    in.envelope_len = sizeof env;
    in.stored_at = now;
    in.chunks = 2;
    in.complete = complete[i];
    in.expires = expires[i];
    assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
    assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, chunk, sizeof chunk), 0);
  }
  assert_int_equal(rp__store_in_sweep(st, now, &n), 0);
  assert_int_equal(n, 1);
  for (int i = 0; i < 4; i++) {
    memset(in.msg_id, 10 + i, sizeof in.msg_id);
    assert_int_equal(rp__store_in_get_any(st, in.msg_id, &got), i == 0 ? RP_ENOTFOUND : 0);
    if (i != 0) assert_int_equal(got.expires, expires[i]);
    rp__store_in_free(&got);
    assert_int_equal(rp__store_in_chunks_stored(st, in.msg_id, &stored), 0);
    assert_int_equal(stored, i == 0 ? 0 : 1);
  }
  assert_int_equal(rp__store_in_sweep(st, now, &n), 0);
  assert_int_equal(n, 0);
  /* Later, the third has expired too. */
  assert_int_equal(rp__store_in_sweep(st, now + RP_CLOCK_SKEW_MS + 2000, &n), 0);
  assert_int_equal(n, 1);
  /* The store's opening sweeps. */
  memset(in.msg_id, 20, sizeof in.msg_id);
  in.complete = 0;
  in.expires = expires[0];
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  rp__store_close(st);
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_int_equal(rp__store_in_get_any(st, in.msg_id, &got), RP_ENOTFOUND);
  rp__store_close(st);
  tu_rmtree(dir);
}

/* auto_replied ranks between delivered and opened: an automatic reply never moves a
 * status back, and an advisor opening or answering moves it on. */
static void test_auto_replied_rank(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_out o, got;
  uint8_t env[2] = {1, 2};
  int changed = 0;
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  out_row(&o, 1, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_RELAYED, 0, 2000, NULL), 0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_AUTO_REPLIED, 0, 3000, &changed), 0);
  assert_int_equal(changed, 1);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_AUTO_REPLIED);
  assert_int_equal(got.times[RP_STATUS_AUTO_REPLIED], 3000);
  assert_int_equal(got.times[RP_STATUS_DELIVERED], 3000); /* a reply implies delivery */
  /* Delivered (the receipt, late) is no step forward from auto_replied. */
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_DELIVERED, 0, 3500, &changed), 0);
  assert_int_equal(changed, 0);
  /* Failure or expiry cannot follow a reply. */
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_FAILED, RP_EAUTH, 3600, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_OPENED, 0, 4000, &changed),
                   0);
  assert_int_equal(changed, 1);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_AUTO_REPLIED, 0, 4500, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_ANSWERED, 0, 5000, &changed), 0);
  assert_int_equal(changed, 1);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_ANSWERED);
  assert_int_equal(got.times[RP_STATUS_AUTO_REPLIED], 3000);
  /* Answered first, the automatic reply after (it crossed on the way): still answered,
   * and the automatic reply gets its time. */
  out_row(&o, 2, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  assert_int_equal(rp__store_out_status(st, o.msg_id, RP_STATUS_ANSWERED, 0, 6000, NULL),
                   0);
  assert_int_equal(
      rp__store_out_status(st, o.msg_id, RP_STATUS_AUTO_REPLIED, 0, 7000, &changed), 0);
  assert_int_equal(changed, 0);
  assert_int_equal(rp__store_out_get(st, o.msg_id, 0, &got), 0);
  assert_int_equal(got.status, RP_STATUS_ANSWERED);
  assert_int_equal(got.times[RP_STATUS_AUTO_REPLIED], 7000);
  assert_string_equal(rp_status_name(RP_STATUS_AUTO_REPLIED), "auto_replied");
  assert_string_equal(rp_status_name(RP_STATUS_RECALLED), "recalled");
  assert_string_equal(rp_status_name(RP_STATUS_RECALLED + 1), "unknown");
  rp__store_close(st);
  tu_rmtree(dir);
}

/* An outbox written by the first version (one time column per status, t1..t7) is
 * migrated on open: its rows and times stay, auto_replied has a column, and the
 * attachment columns of schema 2 are there with their defaults. */
static void test_old_outbox_migrated(void **state) {
  static const char *const old_schema =
      "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
      "CREATE TABLE outbox("
      " id INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE, thread_id BLOB NOT NULL,"
      " ref_id BLOB, kind INTEGER NOT NULL, urgency INTEGER NOT NULL,"
      " receipt INTEGER NOT NULL, recipient TEXT NOT NULL, envelope BLOB NOT NULL,"
      " status INTEGER NOT NULL, error INTEGER NOT NULL DEFAULT 0,"
      " t1 INTEGER, t2 INTEGER, t3 INTEGER, t4 INTEGER, t5 INTEGER, t6 INTEGER,"
      " t7 INTEGER);"
      "CREATE INDEX outbox_status ON outbox(status, id);"
      "CREATE TABLE inbox("
      " id INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE, thread_id BLOB NOT NULL,"
      " ref_id BLOB, kind INTEGER NOT NULL, sender TEXT NOT NULL,"
      " envelope BLOB NOT NULL, stored_at INTEGER NOT NULL,"
      " handled INTEGER NOT NULL DEFAULT 0, handled_at INTEGER);"
      "INSERT INTO outbox(msg_id, thread_id, kind, urgency, receipt, recipient, envelope,"
      " status, t1, t2, t3) VALUES(x'03030303030303030303030303030303',"
      " x'03030303030303030303030303030303', 1, 1, 0, 'team', x'00', 3, 100, 200, 300);"
      "INSERT INTO inbox(msg_id, thread_id, kind, sender, envelope, stored_at)"
      " VALUES(x'04040404040404040404040404040404', x'04040404040404040404040404040404',"
      " 1, 'team', x'00', 50);";
  const char *dir = tu_tmpdir("cl-store");
  char path[600];
  sqlite3 *db = NULL;
  rp__store *st = NULL;
  rp__store_out got;
  uint8_t id[RP_MSG_ID_BYTES];
  int changed = 0;
  (void)state;
  snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, old_schema, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  int old_pages = page_size(path);
  for (int round = 0; round < 2; round++) { /* the second open finds it done */
    assert_int_equal(rp__store_open(dir, &st), 0);
    memset(id, 3, sizeof id);
    assert_int_equal(rp__store_out_get(st, id, 0, &got), 0);
    assert_int_equal(got.status, round == 0 ? RP_STATUS_DELIVERED : RP_STATUS_AUTO_REPLIED);
    assert_int_equal(got.times[RP_STATUS_QUEUED], 100);
    assert_int_equal(got.times[RP_STATUS_DELIVERED], 300);
    assert_int_equal(got.times[RP_STATUS_AUTO_REPLIED], round == 0 ? 0 : 400);
    assert_int_equal(rp__store_out_status(st, id, RP_STATUS_AUTO_REPLIED, 0, 400, &changed),
                     0);
    assert_int_equal(changed, round == 0);
    /* Schema 2: no chunks on old rows, and an old inbox row is complete (offered). */
    assert_int_equal(got.chunks, 0);
    rp__store_in in;
    assert_int_equal(rp__store_in_next(st, 0, &in), 0);
    assert_int_equal(in.stored_at, 50);
    assert_int_equal(in.complete, 1);
    assert_int_equal(in.expires, 0); /* schema 3: unknown, never swept */
    assert_int_equal(in.chunks, 0);
    rp__store_in_free(&in);
    rp__store_close(st);
    assert_int_equal(page_size(path), old_pages); /* an old store keeps its pages */
  }
  tu_rmtree(dir);
}

/* Acks of outbox chunks: kept apart from the chunks (an ack rewrites no 256 KiB row),
 * and a chunk an older version marked acked in its own row still counts. */
static void test_outbox_chunk_acks(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  static uint8_t chunk[3 * 1040];
  uint8_t env[4] = {1, 2, 3, 4}, id[RP_MSG_ID_BYTES], buf[4000];
  uint64_t n = 0, acked = 0, bytes = 0, bytes_acked = 0;
  char path[600];
  sqlite3 *db = NULL;
  rp__store *st = NULL;
  rp__store_out o;
  size_t len = 0;
  int was = 0;
  (void)state;
  out_row(&o, 7, env, sizeof env);
  o.chunks = 3;
  memcpy(id, o.msg_id, sizeof id);
  memset(chunk, 0x5a, sizeof chunk);
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  for (uint64_t g = 0; g < 3; g++)
    assert_int_equal(rp__store_out_chunk_put(st, id, g, chunk, 1040 * (g + 1)), 0);
  assert_int_equal(rp__store_out_chunk_acked(st, id, 1), 0);
  assert_int_equal(rp__store_out_chunk_acked(st, id, 1), 0); /* twice: one ack */
  rp__store_close(st);
  /* Chunk 2 acked the old way, in its own row. */
  snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db, "UPDATE outbox_chunk SET acked = 1 WHERE idx = 2", NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_int_equal(rp__store_out_chunks_sum(st, id, &n, &acked, &bytes, &bytes_acked), 0);
  assert_int_equal(n, 3);
  assert_int_equal(acked, 2);
  assert_int_equal(bytes, 1040 * 6);
  assert_int_equal(bytes_acked, 1040 * 5);
  assert_int_equal(rp__store_out_chunk_get(st, id, 0, buf, sizeof buf, &len, &was), 0);
  assert_int_equal(len, 1040);
  assert_int_equal(was, 0);
  assert_int_equal(rp__store_out_chunk_get(st, id, 1, NULL, 0, &len, &was), 0);
  assert_int_equal(len, 2080);
  assert_int_equal(was, 1);
  assert_int_equal(rp__store_out_chunk_get(st, id, 2, buf, sizeof buf, &len, &was), 0);
  assert_memory_equal(buf, chunk, len);
  assert_int_equal(was, 1);
  /* The relay lost them: every ack goes, both kinds. */
  assert_int_equal(rp__store_out_chunks_unack(st, id), 0);
  assert_int_equal(rp__store_out_chunks_count(st, id, &n, &acked), 0);
  assert_int_equal(n, 3);
  assert_int_equal(acked, 0);
  assert_int_equal(rp__store_out_chunk_acked(st, id, 0), 0);
  assert_int_equal(rp__store_out_chunks_delete(st, id), 0);
  assert_int_equal(rp__store_out_chunks_count(st, id, &n, &acked), 0);
  assert_int_equal(n + acked, 0);
  rp__store_close(st);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *s = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox_chunk_ack", -1, &s, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(s, 0), 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  tu_rmtree(dir);
}

/* At open, chunks of a message no longer queued go (a crash between its RELAYED and
 * the drop of its chunks); a queued message keeps its own. */
static void test_outbox_chunks_of_relayed_dropped(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  static uint8_t chunk[1040];
  uint8_t env[4] = {1, 2, 3, 4};
  uint64_t n = 0, acked = 0;
  rp__store *st = NULL;
  rp__store_out q, r;
  int changed = 0;
  (void)state;
  out_row(&q, 8, env, sizeof env);
  out_row(&r, 9, env, sizeof env);
  q.chunks = r.chunks = 1;
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_int_equal(rp__store_out_add(st, &q), 0);
  assert_int_equal(rp__store_out_add(st, &r), 0);
  assert_int_equal(rp__store_out_chunk_put(st, q.msg_id, 0, chunk, sizeof chunk), 0);
  assert_int_equal(rp__store_out_chunk_put(st, r.msg_id, 0, chunk, sizeof chunk), 0);
  assert_int_equal(rp__store_out_chunk_acked(st, r.msg_id, 0), 0);
  assert_int_equal(rp__store_out_status(st, r.msg_id, RP_STATUS_RELAYED, 0, 2000, &changed),
                   0);
  assert_int_equal(changed, 1);
  rp__store_close(st);
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_int_equal(rp__store_out_chunks_count(st, q.msg_id, &n, &acked), 0);
  assert_int_equal(n, 1);
  assert_int_equal(rp__store_out_chunks_count(st, r.msg_id, &n, &acked), 0);
  assert_int_equal(n + acked, 0);
  rp__store_close(st);
  tu_rmtree(dir);
}

/* Retention (store.h, "Erasure"): what is finished longer than the retention goes,
 * nothing queued or unhandled does, a closed thread takes its rows along, and a new row
 * never takes the id of one deleted (the loop's cursors have passed it). */
static void test_retention_rules(void **state) {
  const char *dir = tu_tmpdir("cl-store");
  rp__store *st = NULL;
  rp__store_out o;
  rp__store_in in;
  uint8_t env[64] = {1}, id[RP_MSG_ID_BYTES];
  uint64_t n = 0;
  int changed = 0;
  /* tag, status reached at t=2000 (0: stays queued), receipt, kind, thread tag */
  static const struct {
    uint8_t tag;
    int status, receipt, kind;
    uint8_t thread;
    int gone;
  } rows[] = {
      {1, RP_STATUS_ANSWERED, 0, 1, 1, 1}, /* final in rank */
      {2, RP_STATUS_OPENED, 0, 1, 2, 0},   /* may still be answered, thread open */
      {3, RP_STATUS_RELAYED, 1, 3, 3, 1},  /* our own receipt, relayed */
      {4, 0, 0, 1, 4, 0},                  /* queued: never */
      {5, RP_STATUS_FAILED, 0, 1, 5, 1},
      {6, RP_STATUS_DELIVERED, 0, 2, 6, 1}, /* its thread is closed by row 7 */
      {7, RP_STATUS_RELAYED, 0, 8, 6, 1},   /* the closure */
  };
  (void)state;
  assert_int_equal(rp__store_open(dir, &st), 0);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    out_row(&o, rows[i].tag, env, sizeof env);
    memset(o.thread_id, rows[i].thread, sizeof o.thread_id);
    o.receipt = rows[i].receipt;
    o.kind = rows[i].kind;
    assert_int_equal(rp__store_out_add(st, &o), 0);
    if (rows[i].status != 0)
      assert_int_equal(
          rp__store_out_status(st, o.msg_id, rows[i].status, 0, 2000, &changed), 0);
  }
  /* Inbox: one handled at 2000, one never handled. */
  for (uint8_t tag = 20; tag <= 21; tag++) {
    memset(&in, 0, sizeof in);
    memset(in.msg_id, tag, sizeof in.msg_id);
    memset(in.thread_id, tag, sizeof in.thread_id);
    in.kind = 2;
    snprintf(in.sender, sizeof in.sender, "team");
    in.envelope = env;
    in.envelope_len = sizeof env;
    in.stored_at = 1000;
    assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  }
  memset(id, 20, sizeof id);
  assert_int_equal(rp__store_in_handled(st, id, 2000), 0);
  /* Not yet: 2000 + retention is after now. */
  assert_int_equal(rp__store_retention_sweep(st, 2999, 1000, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(rp__store_retention_sweep(st, 3000, 1000, &n), 0);
  assert_int_equal(n, 6); /* rows 1, 3, 5, 6, 7 and the handled inbox message */
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    memset(id, rows[i].tag, sizeof id);
    assert_int_equal(rp__store_out_get(st, id, 0, &o), rows[i].gone ? RP_ENOTFOUND : 0);
  }
  memset(id, 20, sizeof id);
  assert_int_equal(rp__store_in_get(st, id, &in), RP_ENOTFOUND);
  memset(id, 21, sizeof id);
  assert_int_equal(rp__store_in_get(st, id, &in), 0);
  rp__store_in_free(&in);
  /* Row 7 had the highest id; a new row takes a higher one still. */
  out_row(&o, 30, env, sizeof env);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  memset(id, 30, sizeof id);
  assert_int_equal(rp__store_out_get(st, id, 0, &o), 0);
  assert_true(o.rowid > (int64_t)(sizeof rows / sizeof rows[0]));
  /* A sweep with nothing to erase writes nothing (it runs at every open, connection and
   * timer tick): the -wal file does not grow. */
  {
    char wal[700];
    struct stat before, after;
    snprintf(wal, sizeof wal, "%s/%s-wal", dir, RP__STORE_FILE);
    assert_int_equal(rp__store_retention_sweep(st, 3000, 1000, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(stat(wal, &before), 0);
    for (int i = 0; i < 3; i++) {
      assert_int_equal(rp__store_retention_sweep(st, 3000, 1000, &n), 0);
      assert_int_equal(n, 0);
    }
    assert_int_equal(stat(wal, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
  }
  rp__store_close(st);
  tu_rmtree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_incomplete_sweep),
      cmocka_unit_test(test_open_mode_and_meta),
      cmocka_unit_test(test_outbox_status_rules),
      cmocka_unit_test(test_inbox_dedupe_and_handled),
      cmocka_unit_test(test_auto_replied_rank),
      cmocka_unit_test(test_recalled),
      cmocka_unit_test(test_old_outbox_migrated),
      cmocka_unit_test(test_outbox_chunk_acks),
      cmocka_unit_test(test_outbox_chunks_of_relayed_dropped),
      cmocka_unit_test(test_retention_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
