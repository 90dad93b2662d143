/* SPDX-License-Identifier: MIT */
/*
 * The client store's chunk files (client/store_chunk.c) on real files: where a chunk's
 * bytes go (offset, mode, holes), a short file read back as an error, the file unlinked
 * after its rows went (delete, drop, expiry sweep), the orphan sweep at open, and the
 * upgrade of a schema 4 store (chunk bytes inside SQLite) whose chunks then still travel
 * through a real relay, both ways.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "chunk.h"
#include "cl_fixture.h"
#include "clock.h"
#include "rejsepost.h"
#include "store.h"
#include "testutil.h"

static void hex_of(const uint8_t id[RP_MSG_ID_BYTES], char out[2 * RP_MSG_ID_BYTES + 1]) {
  sodium_bin2hex(out, 2 * RP_MSG_ID_BYTES + 1, id, RP_MSG_ID_BYTES);
}

static void file_of(const char *dir, const char *which, const uint8_t id[RP_MSG_ID_BYTES],
                    char *out, size_t cap) {
  char hex[2 * RP_MSG_ID_BYTES + 1];
  hex_of(id, hex);
  snprintf(out, cap, "%s/chunks/%s/%s", dir, which, hex);
}

static int exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

static mode_t mode_of(const char *path) {
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  return sb.st_mode & 0777;
}

static void fill(uint8_t *b, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)(i * 13u + seed);
}

static void out_row(rp__store_out *o, uint8_t tag, uint64_t chunks) {
  static uint8_t env[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  memset(o, 0, sizeof *o);
  memset(o->msg_id, tag, sizeof o->msg_id);
  memset(o->thread_id, tag, sizeof o->thread_id);
  o->kind = 1;
  o->urgency = 3;
  snprintf(o->recipient, sizeof o->recipient, "team");
  o->envelope = env;
  o->envelope_len = sizeof env;
  o->times[RP_STATUS_QUEUED] = 1000;
  o->chunks = chunks;
}

static void in_row(rp__store_in *in, uint8_t tag, uint64_t chunks, uint64_t expires) {
  static uint8_t env[3] = {9, 8, 7};
  memset(in, 0, sizeof *in);
  memset(in->msg_id, tag, sizeof in->msg_id);
  memset(in->thread_id, tag, sizeof in->thread_id);
  in->kind = 1;
  snprintf(in->sender, sizeof in->sender, "k101");
  in->envelope = env;
  in->envelope_len = sizeof env;
  in->stored_at = 1000;
  in->chunks = chunks;
  in->complete = 0;
  in->expires = expires;
}

/* Chunk g at g * RP__CHUNK_SEALED_MAX of a 0600 file in 0700 folders, a hole for a
 * chunk not written, read back exactly; a known index refused without touching the
 * bytes; a file shorter than its rows say is RP_EIO; the file goes with the rows. */
static void test_layout_and_lifetime(void **state) {
  const char *dir = tu_tmpdir("cl-files");
  static uint8_t a[RP__CHUNK_SEALED_MAX], b[500], got[RP__CHUNK_SEALED_MAX];
  char path[900], sub[900];
  rp__store *st = NULL;
  rp__store_out o;
  rp__store_in in;
  struct stat sb;
  size_t len = 0;
  int acked = 1;
  (void)state;
  fill(a, sizeof a, 1);
  fill(b, sizeof b, 2);
  assert_int_equal(rp__store_open(dir, &st), 0);
  for (int i = 0; i < 3; i++) {
    static const char *const d[] = {"chunks", "chunks/out", "chunks/in"};
    snprintf(sub, sizeof sub, "%s/%s", dir, d[i]);
    assert_int_equal(mode_of(sub), 0700);
  }
  out_row(&o, 1, 3);
  assert_int_equal(rp__store_out_chunk_put(st, o.msg_id, 0, a, sizeof a), 0);
  assert_int_equal(rp__store_out_chunk_put(st, o.msg_id, 2, b, sizeof b), 0);
  assert_int_equal(rp__store_out_add(st, &o), 0);
  file_of(dir, "out", o.msg_id, path, sizeof path);
  assert_int_equal(mode_of(path), 0600);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_size, 2 * RP__CHUNK_SEALED_MAX + sizeof b);
  assert_true((uint64_t)sb.st_blocks * 512 < (uint64_t)sb.st_size); /* chunk 1: a hole */
  assert_int_equal(rp__store_out_chunk_get(st, o.msg_id, 2, got, sizeof got, &len, &acked),
                   0);
  assert_int_equal(len, sizeof b);
  assert_int_equal(acked, 0);
  assert_memory_equal(got, b, sizeof b);
  assert_int_equal(rp__store_out_chunk_get(st, o.msg_id, 0, got, 100, &len, NULL),
                   RP_ETOOBIG);
  assert_int_equal(rp__store_out_chunk_get(st, o.msg_id, 1, got, sizeof got, &len, NULL),
                   RP_ENOTFOUND);
  /* Known index: refused, and chunk 0's bytes are what they were. */
  assert_int_equal(rp__store_out_chunk_put(st, o.msg_id, 0, b, sizeof b), RP_EEXIST);
  assert_int_equal(rp__store_out_chunk_get(st, o.msg_id, 0, got, sizeof got, &len, NULL),
                   0);
  assert_int_equal(len, sizeof a);
  assert_memory_equal(got, a, sizeof a);
  /* Cut short under the row: an error, never a part of the chunk. */
  assert_int_equal(truncate(path, 2 * RP__CHUNK_SEALED_MAX + 10), 0);
  assert_int_equal(rp__store_out_chunk_get(st, o.msg_id, 2, got, sizeof got, &len, NULL),
                   RP_EIO);
  assert_int_equal(len, 0);
  assert_int_equal(rp__store_out_chunks_delete(st, o.msg_id), 0);
  assert_false(exists(path));

  /* The inbox: chunks replaced when they come again, the file synced at completion;
   * an incomplete message dropped takes its file along. */
  in_row(&in, 2, 2, 0);
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, b, sizeof b), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, a, sizeof a), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 1, b, sizeof b), 0);
  assert_int_equal(rp__store_in_chunk_get(st, in.msg_id, 0, got, sizeof got, &len), 0);
  assert_int_equal(len, sizeof a);
  assert_memory_equal(got, a, sizeof a);
  assert_int_equal(rp__store_in_complete(st, in.msg_id, NULL, NULL), 0);
  file_of(dir, "in", in.msg_id, path, sizeof path);
  assert_int_equal(mode_of(path), 0600);
  in_row(&in, 3, 2, 0);
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, b, sizeof b), 0);
  file_of(dir, "in", in.msg_id, path, sizeof path);
  assert_true(exists(path));
  assert_int_equal(rp__store_in_drop(st, in.msg_id), 0);
  assert_false(exists(path));
  /* Expired while incomplete: swept with its file. */
  in_row(&in, 4, 2, 1000);
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, b, sizeof b), 0);
  file_of(dir, "in", in.msg_id, path, sizeof path);
  assert_true(exists(path));
  assert_int_equal(rp__store_in_sweep(st, rp__clock_wall_ms(), NULL), 0);
  assert_false(exists(path));
  /* Trim: the rows from an index on go (a download fetches those again). */
  in_row(&in, 5, 3, 0);
  uint64_t stored = 0;
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  for (uint64_t g = 0; g < 3; g++)
    assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, g, b, sizeof b), 0);
  assert_int_equal(rp__store_in_chunks_trim(st, in.msg_id, 1), 0);
  assert_int_equal(rp__store_in_chunks_stored(st, in.msg_id, &stored), 0);
  assert_int_equal(stored, 1);
  rp__store_close(st);
  tu_rmtree(dir);
}

/* At open: a file no row names (a send that died before its outbox row, whose rows
 * the open drops; a crash between a delete's commit and the unlink) and anything that is
 * not a well-formed name go; the file of a message in progress stays. */
static void test_orphans_at_open(void **state) {
  const char *dir = tu_tmpdir("cl-files");
  static uint8_t b[300];
  char never[900], kept[900], lone[900], stray[3][900];
  uint8_t id[RP_MSG_ID_BYTES];
  rp__store *st = NULL;
  rp__store_in in;
  int fd;
  (void)state;
  fill(b, sizeof b, 3);
  assert_int_equal(rp__store_open(dir, &st), 0);
  memset(id, 0x21, sizeof id);
  assert_int_equal(rp__store_out_chunk_put(st, id, 0, b, sizeof b), 0); /* no row */
  file_of(dir, "out", id, never, sizeof never);
  in_row(&in, 0x22, 2, 0);
  assert_int_equal(rp__store_in_add(st, &in, NULL, NULL), 0);
  assert_int_equal(rp__store_in_chunk_put(st, in.msg_id, 0, b, sizeof b), 0);
  file_of(dir, "in", in.msg_id, kept, sizeof kept);
  rp__store_close(st);
  memset(id, 0x23, sizeof id);
  file_of(dir, "in", id, lone, sizeof lone);
  snprintf(stray[0], sizeof stray[0], "%s/chunks/out/not-a-msg-id", dir);
  snprintf(stray[1], sizeof stray[1], "%s/chunks/in/%032X", dir, 0xabcu); /* upper case */
  snprintf(stray[2], sizeof stray[2], "%s/chunks/left-over", dir);
  for (int i = 0; i < 4; i++) {
    assert_true((fd = open(i == 3 ? lone : stray[i], O_WRONLY | O_CREAT, 0600)) >= 0);
    assert_int_equal(write(fd, b, sizeof b), (ssize_t)sizeof b);
    close(fd);
  }
  assert_true(exists(never) && exists(kept));
  assert_int_equal(rp__store_open(dir, &st), 0);
  assert_false(exists(never));
  assert_false(exists(lone));
  for (int i = 0; i < 3; i++)
    assert_false(exists(stray[i]));
  assert_true(exists(kept));
  rp__store_close(st);
  tu_rmtree(dir);
}

/* ---- schema 4: chunk bytes inside SQLite ---- */

/* Turns the store in dir back into schema 4: the chunk tables as they were (a data
 * blob per row), filled from the chunk files, which are removed; user_version 4. */
static void to_schema4(const char *dir) {
  static const char *const make[2] = {
      "CREATE TABLE outbox_chunk_v4(msg_id BLOB NOT NULL, idx INTEGER NOT NULL,"
      " data BLOB NOT NULL, acked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(msg_id, idx))",
      "CREATE TABLE inbox_chunk_v4(msg_id BLOB NOT NULL, idx INTEGER NOT NULL,"
      " data BLOB NOT NULL, PRIMARY KEY(msg_id, idx))"};
  static const char *const table[2] = {"outbox_chunk", "inbox_chunk"};
  static const char *const which[2] = {"out", "in"};
  static uint8_t buf[RP__CHUNK_SEALED_MAX];
  char path[900], sql[200];
  sqlite3 *db = NULL;
  snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
  for (int k = 0; k < 2; k++) {
    sqlite3_stmt *s = NULL, *ins = NULL;
    assert_int_equal(sqlite3_exec(db, make[k], NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "SELECT msg_id, idx, len FROM %s", table[k]);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "INSERT INTO %s_v4(msg_id, idx, data) VALUES(?, ?, ?)",
             table[k]);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ins, NULL), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
      uint8_t id[RP_MSG_ID_BYTES];
      int64_t g = sqlite3_column_int64(s, 1);
      size_t len = (size_t)sqlite3_column_int64(s, 2);
      int fd;
      assert_int_equal(sqlite3_column_bytes(s, 0), RP_MSG_ID_BYTES);
      memcpy(id, sqlite3_column_blob(s, 0), RP_MSG_ID_BYTES);
      file_of(dir, which[k], id, path, sizeof path);
      assert_true((fd = open(path, O_RDONLY)) >= 0);
      assert_int_equal(pread(fd, buf, len, (off_t)g * RP__CHUNK_SEALED_MAX), (ssize_t)len);
      close(fd);
      sqlite3_bind_blob(ins, 1, id, RP_MSG_ID_BYTES, SQLITE_STATIC);
      sqlite3_bind_int64(ins, 2, g);
      sqlite3_bind_blob(ins, 3, buf, (int)len, SQLITE_STATIC);
      assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(ins);
    snprintf(sql, sizeof sql, "DROP TABLE %s; ALTER TABLE %s_v4 RENAME TO %s;", table[k],
             table[k], table[k]);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  }
  assert_int_equal(sqlite3_exec(db, "COMMIT; PRAGMA user_version = 4;", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/chunks/%s", dir, which[k]);
    tu_rmtree(path);
  }
}

/* Whether table has a column named col in the store in dir. */
static int has_column(const char *dir, const char *table, const char *col) {
  char path[900], sql[160];
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  int n = 0;
  snprintf(path, sizeof path, "%s/%s", dir, RP__STORE_FILE);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'", table, col);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  n = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

#define ATT_LEN (2u * RP__CHUNK_SIZE + 999u)

static uint8_t *att(void) {
  static uint8_t b[ATT_LEN];
  fill(b, sizeof b, 9);
  return b;
}

static int sha_sink(void *ctx, const uint8_t *buf, size_t len) {
  crypto_hash_sha256_update(ctx, buf, len);
  return 0;
}

static void assert_att(rp_client *c, const char *id) {
  crypto_hash_sha256_state h;
  uint8_t got[32], want[32];
  rp_received *r = NULL;
  assert_int_equal(rp_inbox_get(c, id, &r), 0);
  crypto_hash_sha256_init(&h);
  assert_int_equal(rp_received_attachment_read(c, r, 0, sha_sink, &h), 0);
  crypto_hash_sha256_final(&h, got);
  crypto_hash_sha256(want, att(), ATT_LEN);
  assert_memory_equal(got, want, 32);
  rp_received_free(r);
}

/* A sender's queued message and a recipient's received one, both in schema 4 stores
 * (chunks as blobs): after the upgrade the sender's chunks go out and arrive whole, the
 * recipient's are read whole, and their bytes have left client.db for the files. */
static void test_schema4_chunks_travel(void **state) {
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN], mdir[700], tdir[700], path[900];
  uint8_t slice[32];
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-schema4"), 0);
  snprintf(mdir, sizeof mdir, "%s/state-%s", f.dir, CL_MUNI);
  snprintf(tdir, sizeof tdir, "%s/state-%s", f.dir, CL_TEAM);

  /* The team receives one, then its store goes back to schema 4. */
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(m = cl_request("Første bilag"));
  assert_int_equal(
      rp_msg_attach_buffer(m, att(), ATT_LEN, "a.pdf", "application/pdf", "andet"), 0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_inbox(team, &r, 20000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  rp_received_free(r);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0); /* kept: the retention is long */
  rp_client_free(team);
  /* A sealed slice of chunk 1 as the team holds it, to look for after the upgrade. */
  {
    uint8_t bin[RP_MSG_ID_BYTES], *b;
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(bin, sizeof bin, id, 32, NULL, NULL, NULL), 0);
    file_of(tdir, "in", bin, path, sizeof path);
    assert_non_null(b = (uint8_t *)tu_read_file(path, &n));
    assert_true(n > RP__CHUNK_SEALED_MAX + 100);
    memcpy(slice, b + RP__CHUNK_SEALED_MAX + 50, sizeof slice);
    free(b);
  }
  to_schema4(tdir);
  assert_int_equal(has_column(tdir, "inbox_chunk", "data"), 1);
  assert_int_equal(tu_dir_holds(tdir, slice, sizeof slice), 1); /* now in client.db */
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_att(team, id);
  assert_int_equal(has_column(tdir, "inbox_chunk", "data"), 0);
  assert_int_equal(tu_dir_holds(tdir, slice, sizeof slice), 0); /* out of the db files */
  snprintf(path, sizeof path, "%s/chunks/in", tdir);
  assert_int_equal(tu_dir_holds(path, slice, sizeof slice), 1); /* into the chunk file */
  rp_client_free(team);

  /* The municipality's next one waits in its outbox (relay down) when the store goes
   * back to schema 4; after the upgrade it is uploaded and arrives whole. */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_non_null(m = cl_request("Andet bilag"));
  assert_int_equal(
      rp_msg_attach_buffer(m, att(), ATT_LEN, "b.pdf", "application/pdf", "andet"), 0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  rp_client_free(muni);
  to_schema4(mdir);
  assert_int_equal(has_column(mdir, "outbox_chunk", "data"), 1);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(has_column(mdir, "outbox_chunk", "data"), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 20000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  rp_received_free(r);
  assert_att(team, id);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  rp_client_free(team);
  rp_client_free(muni);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_and_lifetime),
      cmocka_unit_test(test_orphans_at_open),
      cmocka_unit_test(test_schema4_chunks_travel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
