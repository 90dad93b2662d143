/* SPDX-License-Identifier: MIT */
/*
 * Erasure in the client store, through the public API, a real relay and the real
 * SQLite files, checked on the bytes of client.db and client.db-wal:
 *  - retention: a handled message and its attachment chunks leave no byte in the files
 *    once the retention has passed (a short one), while an unhandled one stays;
 *  - rp_thread_erase: a host's erasure of a thread, and the purge of its undelivered
 *    envelopes at the relay;
 *  - consent withdrawal end to end: a municipality sends a request with an attachment
 *    and a follow-up while the team is offline, then withdraws consent; the relay's
 *    spool no longer holds either (nor their chunks), the municipality's store holds no
 *    byte of the thread but the consent message; the team receives only the
 *    consent_withdrawn, and its store erases the thread once it is handled, purging at
 *    the relay a reply of its own that was not yet delivered.
 * The markers are the messages' msg_ids (in clear in the store's rows and the envelope
 * headers) and slices of sealed bytes read from the database before the erasure. A
 * request's msg_id is also its thread's id, so where a message of its thread stays (the
 * consent message), the request is looked for by its sealed bytes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "cl_fixture.h"

#define SLICE 32u

typedef struct marker {
  uint8_t b[SLICE];
  size_t n;
} marker;

static marker id_marker(const char *hex) {
  marker m = {.n = RP_MSG_ID_BYTES};
  assert_int_equal(sodium_hex2bin(m.b, sizeof m.b, hex, 32, NULL, NULL, NULL), 0);
  return m;
}

/* Is m in any regular file of dir (client.db, client.db-wal, client.db-shm) or of its
 * chunk folders (chunks/out, chunks/in: the attachment chunks' bytes)? */
static int in_dir(const char *dir, const marker *m) {
  static const char *const sub[] = {".", "chunks", "chunks/out", "chunks/in"};
  char path[1024];
  for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
    if (tu_dir_holds(path, m->b, m->n) == 1) return 1;
  }
  return 0;
}

/* The chunk file of message hex in dir's chunks/out or chunks/in (which). */
static void chunk_file(const char *dir, const char *which, const char *hex, char *out,
                       size_t cap) {
  snprintf(out, cap, "%s/chunks/%s/%s", dir, which, hex);
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* SLICE bytes from the middle of the chunk file of message hex. */
static marker file_slice(const char *dir, const char *which, const char *hex) {
  char path[1024];
  marker m = {.n = SLICE};
  size_t len = 0;
  uint8_t *b;
  chunk_file(dir, which, hex, path, sizeof path);
  assert_non_null(b = (uint8_t *)tu_read_file(path, &len));
  assert_true(len > 2 * SLICE);
  memcpy(m.b, b + len / 2, SLICE);
  free(b);
  return m;
}

/* Milliseconds until m is gone from dir; fails after timeout_ms. */
static uint64_t gone_within(const char *dir, const marker *m, int timeout_ms,
                            const char *what) {
  uint64_t t0 = rp__clock_mono_ms();
  while (in_dir(dir, m)) {
    if (rp__clock_mono_ms() - t0 > (uint64_t)timeout_ms)
      fail_msg("%s still in %s after %d ms", what, dir, timeout_ms);
    usleep(20000);
  }
  return rp__clock_mono_ms() - t0;
}

/* SLICE bytes from the middle of column `col` of the first row of `table` whose msg_id
 * is hex, read with a connection of our own (closed again at once, so that it is no
 * reader in the way of the library's checkpoint). */
static marker db_slice(const char *dir, const char *table, const char *col,
                       const char *hex) {
  char path[1024], sql[160];
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  marker m = {.n = SLICE};
  marker id = id_marker(hex);
  snprintf(path, sizeof path, "%s/client.db", dir);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE msg_id = ? LIMIT 1", col, table);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  sqlite3_bind_blob(s, 1, id.b, RP_MSG_ID_BYTES, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_true(sqlite3_column_bytes(s, 0) > 2 * (int)SLICE);
  memcpy(m.b, (const uint8_t *)sqlite3_column_blob(s, 0) + sqlite3_column_bytes(s, 0) / 2,
         SLICE);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return m;
}

static void state_dir(tp_relay *f, const char *id, const char *suffix, char *out,
                      size_t cap) {
  snprintf(out, cap, "%s/state-%s%s", f->dir, id, suffix ? suffix : "");
}

static rp_client *client_with(tp_relay *f, const char *id, const char *suffix,
                              uint64_t retention_ms, int receive) {
  rp_config *cfg = cl_config(f, id, suffix, NULL);
  rp_client *c = NULL;
  assert_non_null(cfg);
  assert_int_equal(rp_config_set_retention(cfg, retention_ms), 0);
  assert_int_equal(rp_config_set_receive(cfg, receive), 0);
  assert_int_equal(rp_client_new(cfg, &c), 0);
  rp_config_free(cfg);
  return c;
}

/* A request with an attachment of n bytes (pattern `fill`) from muni; its id in id. */
static void send_request(rp_client *muni, const uint8_t *att, size_t n, char *id) {
  rp_msg *m = cl_request("Pigen er bange for at blive sendt ud af landet.");
  assert_non_null(m);
  if (att != NULL)
    assert_int_equal(rp_msg_attach_buffer(m, att, n, "plan.pdf", "application/pdf",
                                          "beredskabsplan_udkast"),
                     0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
}

static void send_follow_up(rp_client *c, const char *about, char *id) {
  rp_msg *m = NULL;
  assert_int_equal(rp_msg_new("follow_up", &m), 0);
  assert_int_equal(rp_msg_set_hex(m, "in_reply_to", about), 0);
  assert_int_equal(rp_msg_set_text(m, "text", "Familien har opdaget henvendelsen."), 0);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

static void send_consent(rp_client *c, const char *thread, char *id) {
  rp_msg *m = NULL;
  assert_int_equal(rp_msg_new("consent_withdrawn", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "by", "borger"), 0);
  assert_int_equal(rp_msg_set_thread(m, thread), 0);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

static const char *thread_of(rp_client *c, const char *msg_id) {
  static char th[RP_ID_STRLEN];
  rp_received *r = NULL;
  assert_int_equal(rp_inbox_get(c, msg_id, &r), 0);
  snprintf(th, sizeof th, "%s", rp_received_thread_id(r));
  rp_received_free(r);
  return th;
}

/* The thread of our own sent message, from the outbox walk. */
typedef struct find_thread {
  const char *id;
  char thread[RP_ID_STRLEN];
} find_thread;

static int find_thread_cb(void *data, const char *id, const char *kind, const char *thread,
                          const char *to, int status, uint64_t at) {
  find_thread *f = data;
  (void)kind, (void)to, (void)status, (void)at;
  if (strcmp(id, f->id) == 0) snprintf(f->thread, sizeof f->thread, "%s", thread);
  return 0;
}

static void outbox_thread(rp_client *c, const char *id, char *thread) {
  find_thread f = {.id = id, .thread = ""};
  assert_int_equal(rp_outbox_foreach(c, find_thread_cb, &f), 0);
  assert_int_not_equal(f.thread[0], '\0');
  memcpy(thread, f.thread, RP_ID_STRLEN);
}

static void wait_counter(tp_relay *f, const char *name, uint64_t want) {
  uint64_t v = 0;
  for (int i = 0; i < 100; i++) {
    if (tp_relay_counter(f, name, &v) == 0 && v >= want) break;
    usleep(50000);
  }
  assert_int_equal(v, want);
}

static void test_retention(void **state) {
  static uint8_t att[600 * 1024];
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  char req[RP_ID_STRLEN], keep[RP_ID_STRLEN], dir[700], file[1024];
  marker id, env, chunk, kept;
  uint64_t ms, pending = 0;
  (void)state;
  for (size_t i = 0; i < sizeof att; i++)
    att[i] = (uint8_t)(i * 7 + 3);
  assert_int_equal(cl_relay_up(&f, "cl-retention"), 0);
  /* The team keeps handled messages 1.5 s. */
  team = client_with(&f, CL_TEAM, NULL, 1500, 1);
  state_dir(&f, CL_TEAM, NULL, dir, sizeof dir);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  /* One after the other: rp_inbox_next walks the inbox in arrival order of the
   * envelopes, and one that arrives while an earlier one's attachment still downloads
   * would be handed out first. */
  send_request(muni, att, sizeof att, req);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), req);
  rp_received_free(r);
  send_request(muni, NULL, 0, keep);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), keep);
  rp_received_free(r);
  /* Before: the message's id, its sealed envelope and its sealed chunks are in the
   * files. */
  id = id_marker(req);
  kept = id_marker(keep);
  env = db_slice(dir, "inbox", "envelope", req);
  chunk = file_slice(dir, "in", req);
  chunk_file(dir, "in", req, file, sizeof file);
  assert_true(in_dir(dir, &id) && in_dir(dir, &env) && in_dir(dir, &chunk));
  assert_int_equal(rp_inbox_mark_handled(team, req), 0);
  /* Handled: still readable during the retention. */
  assert_int_equal(rp_inbox_get(team, req, &r), 0);
  rp_received_free(r);
  assert_true(in_dir(dir, &id));
  /* After it: gone from client.db and client.db-wal, every byte. */
  ms = gone_within(dir, &id, 10000, "msg_id");
  gone_within(dir, &env, 1000, "envelope bytes");
  gone_within(dir, &chunk, 1000, "chunk bytes");
  assert_false(exists(file)); /* unlinked, not only overwritten */
  assert_int_equal(rp_inbox_get(team, req, &r), RP_ENOTFOUND);
  /* The unhandled one stays, whatever the retention. */
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, 1);
  assert_true(in_dir(dir, &kept));
  printf("# a handled message with a 600 KiB attachment left the team's files %llu ms "
         "after it was marked handled (retention 1500 ms, sweep every 1 s)\n",
         (unsigned long long)ms);
  rp_client_free(team);
  rp_client_free(muni);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* The host erases a thread: nothing of it stays in the files, and what the relay held
 * of it (a follow-up to a team that is offline) is purged there. */
static void test_thread_erase(void **state) {
  tp_relay f;
  rp_client *muni;
  char req[RP_ID_STRLEN], fu[RP_ID_STRLEN], other[RP_ID_STRLEN], th[RP_ID_STRLEN];
  char dir[700];
  marker a, b, o;
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-thread-erase"), 0);
  muni = client_with(&f, CL_MUNI, NULL, 30ull * 24 * 3600 * 1000, 0);
  state_dir(&f, CL_MUNI, NULL, dir, sizeof dir);
  send_request(muni, NULL, 0, req);
  send_follow_up(muni, req, fu);
  send_request(muni, NULL, 0, other);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  outbox_thread(muni, req, th);
  a = id_marker(req);
  b = id_marker(fu);
  o = id_marker(other);
  assert_true(in_dir(f.dir, &a) && in_dir(f.dir, &b) && in_dir(dir, &a));
  assert_int_equal(rp_thread_erase(muni, "nothex"), RP_EINVAL);
  assert_int_equal(rp_thread_erase(muni, th), 0);
  assert_int_equal(rp_status(muni, req, &st, NULL), RP_ENOTFOUND);
  assert_int_equal(rp_status(muni, fu, &st, NULL), RP_ENOTFOUND);
  /* The relay answers the purge; then the purge list goes too. */
  wait_counter(&f, "envelopes.purged", 2);
  gone_within(dir, &a, 5000, "request id");
  gone_within(dir, &b, 5000, "follow-up id");
  gone_within(f.dir, &a, 5000, "request at the relay");
  gone_within(f.dir, &b, 5000, "follow-up at the relay");
  /* The other thread is untouched, here and at the relay. */
  assert_int_equal(rp_status(muni, other, &st, NULL), 0);
  assert_true(in_dir(dir, &o) && in_dir(f.dir, &o));
  /* A queued message's chunk file (the relay is down, so they wait in the outbox) goes
   * with its thread: unlinked, its bytes nowhere in the state folder. */
  {
    static uint8_t att[300 * 1024];
    char q[RP_ID_STRLEN], file[1024];
    marker bytes;
    for (size_t i = 0; i < sizeof att; i++)
      att[i] = (uint8_t)(i * 11 + 5);
    assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
    send_request(muni, att, sizeof att, q);
    chunk_file(dir, "out", q, file, sizeof file);
    assert_true(exists(file));
    bytes = file_slice(dir, "out", q);
    outbox_thread(muni, q, th);
    assert_int_equal(rp_thread_erase(muni, th), 0);
    assert_false(exists(file));
    assert_false(in_dir(dir, &bytes));
    assert_int_equal(tp_relay_start(&f), 0);
  }
  rp_client_free(muni);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void test_consent_withdrawn(void **state) {
  static uint8_t att[700 * 1024];
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  char req[RP_ID_STRLEN], fu[RP_ID_STRLEN], cw[RP_ID_STRLEN], th[RP_ID_STRLEN];
  char req2[RP_ID_STRLEN], rep[RP_ID_STRLEN], cw2[RP_ID_STRLEN], th2[RP_ID_STRLEN];
  char mdir[700], tdir[700];
  marker a, a_env, b, c, a2, r2, c2;
  uint64_t chunks = 0, t0, muni_ms, relay_ms, team_ms;
  int st = 0;
  rp_msg *m;
  (void)state;
  for (size_t i = 0; i < sizeof att; i++)
    att[i] = (uint8_t)(i * 13 + 1);
  assert_int_equal(cl_relay_up(&f, "cl-consent"), 0);
  /* The municipality only sends (so that the team's reply below waits at the relay). */
  muni = client_with(&f, CL_MUNI, NULL, 30ull * 24 * 3600 * 1000, 0);
  state_dir(&f, CL_MUNI, NULL, mdir, sizeof mdir);
  state_dir(&f, CL_TEAM, NULL, tdir, sizeof tdir);

  /* The team is offline: a request with an attachment and a follow-up wait at the
   * relay. */
  send_request(muni, att, sizeof att, req);
  send_follow_up(muni, req, fu);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  outbox_thread(muni, req, th);
  a = id_marker(req);
  b = id_marker(fu);
  /* A request's msg_id is its thread's id too, which the consent message keeps: in the
   * municipality's store the request is looked for by its sealed bytes. */
  a_env = db_slice(mdir, "outbox", "envelope", req);
  assert_true(in_dir(f.dir, &a) && in_dir(f.dir, &b) && in_dir(mdir, &a_env));
  assert_int_equal(tp_relay_counter(&f, "spool.chunks", &chunks), 0);
  assert_true(chunks >= 3);

  /* Consent withdrawn. */
  t0 = rp__clock_mono_ms();
  send_consent(muni, th, cw);
  c = id_marker(cw);
  assert_int_equal(cl_wait_status(muni, cw, RP_STATUS_RELAYED, 10000), 0);
  /* The municipality's store: nothing of the thread but the consent message. */
  gone_within(mdir, &a_env, 5000, "request envelope (municipality)");
  gone_within(mdir, &b, 5000, "follow-up id (municipality)");
  muni_ms = rp__clock_mono_ms() - t0;
  assert_true(in_dir(mdir, &c));
  assert_int_equal(rp_status(muni, req, &st, NULL), RP_ENOTFOUND);
  assert_int_equal(rp_status(muni, fu, &st, NULL), RP_ENOTFOUND);
  assert_int_equal(rp_status(muni, cw, &st, NULL), 0);
  assert_int_equal(cl_outbox_count(muni), 1);
  /* The relay: both envelopes and the chunks purged, their bytes off its disk. */
  wait_counter(&f, "envelopes.purged", 2);
  assert_int_equal(tp_relay_counter(&f, "spool.chunks", &chunks), 0);
  assert_int_equal(chunks, 0);
  gone_within(f.dir, &a, 5000, "request at the relay");
  gone_within(f.dir, &b, 5000, "follow-up at the relay");
  relay_ms = rp__clock_mono_ms() - t0;

  /* The team comes online and gets the consent_withdrawn, and nothing else. */
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), cw);
  assert_string_equal(rp_received_kind(r), "consent_withdrawn");
  rp_received_free(r);
  assert_true(in_dir(tdir, &c));
  assert_int_equal(cl_wait_inbox(team, &r, 1000), RP_ETIMEDOUT);
  /* Handled: the team's store erases the thread. */
  t0 = rp__clock_mono_ms();
  assert_int_equal(rp_inbox_mark_handled(team, cw), 0);
  gone_within(tdir, &c, 5000, "consent id (team)");
  team_ms = rp__clock_mono_ms() - t0;

  /* The team's side of a purge: a second thread the team answered, its reply still at
   * the relay (the municipality does not receive); the consent erases and purges it. */
  send_request(muni, NULL, 0, req2);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), req2);
  rp_received_free(r);
  snprintf(th2, sizeof th2, "%s", thread_of(team, req2));
  assert_int_equal(rp_inbox_mark_handled(team, req2), 0);
  assert_non_null(m = cl_reply(req2, "Lav en sikkerhedsplan."));
  assert_int_equal(rp_send(team, m, rep), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_status(team, rep, RP_STATUS_RELAYED, 10000), 0);
  a2 = id_marker(req2);
  r2 = id_marker(rep);
  assert_true(in_dir(f.dir, &r2) && in_dir(tdir, &r2) && in_dir(tdir, &a2));
  send_consent(muni, th2, cw2);
  c2 = id_marker(cw2);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), cw2);
  rp_received_free(r);
  assert_int_equal(rp_inbox_mark_handled(team, cw2), 0);
  wait_counter(&f, "envelopes.purged", 3);
  gone_within(f.dir, &r2, 5000, "team's reply at the relay");
  gone_within(tdir, &r2, 5000, "team's reply (team)");
  gone_within(tdir, &a2, 5000, "request (team)");
  gone_within(tdir, &c2, 5000, "consent (team)");
  assert_int_equal(rp_status(team, rep, &st, NULL), RP_ENOTFOUND);
  printf("# consent withdrawn: the municipality's store held nothing of the thread but "
         "the consent %llu ms after the send, the relay's files %llu ms after it; the "
         "team's store %llu ms after it was handled\n",
         (unsigned long long)muni_ms, (unsigned long long)relay_ms,
         (unsigned long long)team_ms);
  rp_client_free(team);
  rp_client_free(muni);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_retention),
      cmocka_unit_test(test_thread_erase),
      cmocka_unit_test(test_consent_withdrawn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
