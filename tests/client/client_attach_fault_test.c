/* SPDX-License-Identifier: MIT */
/*
 * Attachments when the relay fails (issue 11's proofs), with real processes: the
 * library's clients and a real rejsepost-relayd.
 *  - kill -9 of the relay while the sender uploads, and while the recipient downloads,
 *    then a restart on the same state folder and port: the transfer resumes where the
 *    acknowledgements stopped (the relay's counters after the restart show that it did
 *    not start over), the message is delivered once, every attachment's sha256 matches,
 *    and rp_inbox_next never returns the message before it is whole;
 *  - the relay's disk full mid-upload (a file size limit on the relay process, so that
 *    its spool writes fail with EFBIG): the relay fails closed and says so at error
 *    level, stays up, answers and delivers what it holds, the sender holds the message
 *    and backs off, and after a restart with room the transfer completes with nothing
 *    acknowledged lost;
 *  - a relay whose WELCOME has no chunk_max (an older relay, played by tests/client/
 *    cl_fake.h): a message with attachments fails at once with RP_EVERSION, its
 *    envelope never goes out, and the queue behind it moves on;
 *  - a relay that answers a chunk_get with EIO (a read error of its spool) mid-download,
 *    played by the fake relay with the bytes the real one handed out: the recipient
 *    keeps its chunks and resumes on its next connection.
 * Smaller files under the sanitizers, which make the crypto and copies slower.
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

#include "cl_bytes.h"
#include "cl_fake.h"
#include "cl_hostile.h"
#include "envelope_hdr.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define KIB 1024u
#define MIB (1024u * 1024u)
#define CHUNK (256u * KIB)
#define SEALED (CHUNK + 16u) /* a full chunk on the wire */
#define NATT 3

/* The files of one message: an empty one, a small one, a large one. */
#ifdef UNDER_ASAN
static const uint64_t kill_sizes[NATT] = {0, 1u * MIB + 17u, 7u * MIB - 5u};
#else
static const uint64_t kill_sizes[NATT] = {0, 3u * MIB + 17u, 21u * MIB - 5u};
#endif
/* The relay's file size limit in the disk-full test, and a message that cannot fit: the
 * spool's database and its log may each grow to the limit, and the upload fails after
 * about 10 MiB. */
#define FULL_LIMIT (6u * MIB)
static const uint64_t full_sizes[NATT] = {0, 1u * MIB + 1u, 20u * MIB};

/* The chunks of files of these sizes (PROTOCOL.md 6.7: an empty file is one chunk). */
static uint64_t chunk_count(const uint64_t *sizes) {
  uint64_t n = 0;
  for (size_t i = 0; i < NATT; i++)
    n += sizes[i] == 0 ? 1 : (sizes[i] + CHUNK - 1) / CHUNK;
  return n;
}

/* A message's files, written under the fixture's folder, and their sha256. */
typedef struct files {
  char path[NATT][700];
  uint8_t sha[NATT][32];
  const uint64_t *sizes;
} files;

static void files_make(tp_relay *f, files *fl, const uint64_t *sizes, uint32_t seed) {
  fl->sizes = sizes;
  for (size_t i = 0; i < NATT; i++) {
    snprintf(fl->path[i], sizeof fl->path[i], "%s/bilag-%zu.bin", f->dir, i);
    cl_make_file(fl->path[i], sizes[i], seed + (uint32_t)i, fl->sha[i]);
  }
}

/* Sends a request carrying the files; its id into id. */
static void send_files(rp_client *c, const files *fl, char id[RP_ID_STRLEN]) {
  rp_msg *m = cl_request("Udkast til beredskabsplan med bilag");
  assert_non_null(m);
  for (size_t i = 0; i < NATT; i++)
    assert_int_equal(
        rp_msg_attach_file(m, fl->path[i], NULL, "application/octet-stream", "andet"), 0);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

/* A message rp_inbox_next returned is whole: every attachment saves, with its size and
 * sha256. */
static void check_whole(tp_relay *f, rp_client *c, const rp_received *r, const files *fl) {
  char path[700];
  uint8_t sha[32];
  uint64_t size = 0;
  assert_int_equal(rp_received_attachments(r), NATT);
  for (size_t i = 0; i < NATT; i++) {
    snprintf(path, sizeof path, "%s/saved-%zu.bin", f->dir, i);
    assert_int_equal(rp_received_attachment_save(c, r, i, path), 0);
    cl_file_sha(path, sha, &size, NULL);
    assert_int_equal(size, fl->sizes[i]);
    assert_memory_equal(sha, fl->sha[i], 32);
    unlink(path);
  }
}

/* What the clients' callbacks saw. With `hold`, the progress callback stops the client's
 * loop once `at` is reached until the test sets `released`: the transfer stands still
 * there (at most the chunks in flight move on), so the test can kill the relay at a
 * known point rather than after a transfer that may have finished in the meantime. */
typedef struct watch {
  int direction; /* RP_PROGRESS_* to watch */
  uint64_t at;   /* `reached` once this many sealed bytes are done */
  int hold;      /* stop there until released */
  uint64_t done; /* the most done so far */
  int reached;   /* atomics: the callbacks run on the loop thread */
  int released;  /* set by the test */
  int received;  /* receive callbacks */
} watch;

static void on_progress(void *data, rp_client *c, const char *msg_id, int direction,
                        uint64_t done, uint64_t total) {
  watch *w = data;
  (void)c;
  (void)msg_id;
  (void)total;
  if (direction != w->direction) return;
  if (done > __atomic_load_n(&w->done, __ATOMIC_SEQ_CST))
    __atomic_store_n(&w->done, done, __ATOMIC_SEQ_CST);
  if (done < w->at) return;
  __atomic_store_n(&w->reached, 1, __ATOMIC_SEQ_CST);
  for (int i = 0; w->hold && i < 6000 && !__atomic_load_n(&w->released, __ATOMIC_SEQ_CST);
       i++)
    usleep(10000);
}

static void on_recv(void *data, rp_client *c, const rp_received *r) {
  watch *w = data;
  (void)c;
  (void)r;
  __atomic_add_fetch(&w->received, 1, __ATOMIC_SEQ_CST);
}

static rp_client *client_watched(tp_relay *f, const char *id, watch *w, cl_log *log) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  if (cfg == NULL) return NULL;
  rp_config_set_progress(cfg, on_progress, w);
  rp_config_set_receive_callback(cfg, on_recv, w);
  if (log != NULL) rp_config_set_log(cfg, cl_log_fn, log);
  if (rp_client_new(cfg, &c) != 0) c = NULL;
  rp_config_free(cfg);
  return c;
}

static int wait_flag(int *flag, int timeout_ms) {
  for (int i = 0; i < timeout_ms / 10; i++) {
    if (__atomic_load_n(flag, __ATOMIC_SEQ_CST)) return 0;
    usleep(10000);
  }
  return RP_ETIMEDOUT;
}

static uint64_t counter(tp_relay *f, const char *name) {
  uint64_t v = 0;
  assert_int_equal(tp_relay_counter(f, name, &v), 0);
  return v;
}

/* DELIVERED lines for msg id in the relay's log, over every run of the relay. */
static size_t delivered_count(tp_relay *f, const char *id) {
  char needle[80];
  snprintf(needle, sizeof needle, "delivered msg_id=%s", id);
  for (int i = 0; i < 200 && tp_relay_log_count(f, needle) < 1; i++)
    usleep(20000);
  return tp_relay_log_count(f, needle);
}

/* The message arrives once and whole: returned by rp_inbox_next with every attachment
 * complete, offered once, one DELIVERED at the relay; the sender sees it delivered. */
static void expect_delivered_once(tp_relay *f, rp_client *team, rp_client *muni,
                                  const char *id, const files *fl, watch *tw, int offered) {
  rp_received *r = NULL;
  assert_int_equal(cl_wait_inbox(team, &r, 120000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  check_whole(f, team, r, fl);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  rp_received_free(r);
  r = NULL;
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 30000), 0);
  assert_int_equal(delivered_count(f, id), 1);
  assert_int_equal(__atomic_load_n(&tw->received, __ATOMIC_SEQ_CST), offered);
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
}

/* ---- kill -9 of the relay mid-transfer ---- */

static void test_relay_killed_mid_upload(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  files fl;
  watch up = {.direction = RP_PROGRESS_SEND}, down = {.direction = RP_PROGRESS_RECEIVE};
  char id[RP_ID_STRLEN];
  const uint64_t n = chunk_count(kill_sizes);
  uint64_t acked, stored, dup;
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attrk-up"), 0);
  files_make(&f, &fl, kill_sizes, 21);
  up.at = (n * SEALED) / 3;
  up.hold = 1;
  down.at = UINT64_MAX;
  assert_non_null(muni = client_watched(&f, CL_MUNI, &up, NULL));
  assert_non_null(team = client_watched(&f, CL_TEAM, &down, NULL));
  send_files(muni, &fl, id);

  /* A third of the way through the upload the relay dies. */
  assert_int_equal(wait_flag(&up.reached, 60000), 0);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  __atomic_store_n(&up.released, 1, __ATOMIC_SEQ_CST);
  usleep(300000); /* the clients notice, and retry against nothing for a while */
  acked = __atomic_load_n(&up.done, __ATOMIC_SEQ_CST) / SEALED;
  assert_true(acked >= n / 3 - 1 && acked < n);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_QUEUED);
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);

  /* Same state folder, same port. */
  assert_int_equal(tp_relay_start(&f), 0);
  expect_delivered_once(&f, team, muni, id, &fl, &down, 1);
  /* Resumed: the new relay stored only what had not been acknowledged (so nothing
   * acknowledged was lost), and saw again at most the chunks then in flight. */
  stored = counter(&f, "chunks.stored");
  dup = counter(&f, "chunks.duplicate");
  print_message("upload of %llu chunks: %llu acknowledged before kill -9, then %llu stored "
                "and %llu duplicates\n",
                (unsigned long long)n, (unsigned long long)acked,
                (unsigned long long)stored, (unsigned long long)dup);
  assert_true(stored <= n - acked);
  assert_true(stored > 0);
  assert_true(dup <= 16);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static void test_relay_killed_mid_download(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  files fl;
  watch down = {.direction = RP_PROGRESS_RECEIVE};
  char id[RP_ID_STRLEN];
  const uint64_t n = chunk_count(kill_sizes);
  uint64_t kept, sent;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attrk-down"), 0);
  files_make(&f, &fl, kill_sizes, 31);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  send_files(muni, &fl, id);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_RELAYED, 60000), 0);

  /* A third of the way through the download the relay dies. The recipient asks for at
   * most 16 chunks ahead, so the rest cannot be on the way yet. */
  down.at = (n * SEALED) / 3;
  down.hold = 1;
  assert_true(n / 3 + 16 < n);
  assert_non_null(team = client_watched(&f, CL_TEAM, &down, NULL));
  assert_int_equal(wait_flag(&down.reached, 60000), 0);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  __atomic_store_n(&down.released, 1, __ATOMIC_SEQ_CST);
  usleep(300000);
  kept = __atomic_load_n(&down.done, __ATOMIC_SEQ_CST) / SEALED;
  assert_true(kept >= n / 3 - 1 && kept < n);
  /* Not whole, so not offered. */
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  assert_int_equal(__atomic_load_n(&down.received, __ATOMIC_SEQ_CST), 0);

  assert_int_equal(tp_relay_start(&f), 0);
  expect_delivered_once(&f, team, muni, id, &fl, &down, 1);
  /* Resumed from the first chunk the recipient had not stored: the new relay sent only
   * the rest. */
  sent = counter(&f, "chunks.sent");
  print_message("download of %llu chunks: %llu stored by the recipient before kill -9, "
                "then %llu sent\n",
                (unsigned long long)n, (unsigned long long)kept, (unsigned long long)sent);
  assert_true(sent <= n - kept);
  assert_true(sent > 0);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* A download interrupted, then the recipient's chunk file loses its later half while
 * the rows of those chunks stay: what a power cut does when the rows were synced by
 * another commit and the file was not yet (it is synced when the message completes).
 * The next run fetches the lost chunks again and the message arrives whole; before, the
 * chunks that no longer read back stopped the download for good. */
static void test_lost_chunk_bytes_fetched_again(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  files fl;
  watch down = {.direction = RP_PROGRESS_RECEIVE}, again = {.at = UINT64_MAX};
  char id[RP_ID_STRLEN], path[900];
  const uint64_t n = chunk_count(kill_sizes);
  uint64_t kept;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attlost"), 0);
  files_make(&f, &fl, kill_sizes, 37);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  send_files(muni, &fl, id);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_RELAYED, 60000), 0);
  down.at = (n * SEALED) / 2;
  down.hold = 1;
  assert_non_null(team = client_watched(&f, CL_TEAM, &down, NULL));
  assert_int_equal(wait_flag(&down.reached, 60000), 0);
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 5000), 128 + SIGKILL);
  __atomic_store_n(&down.released, 1, __ATOMIC_SEQ_CST);
  usleep(300000);
  rp_client_free(team);
  kept = __atomic_load_n(&down.done, __ATOMIC_SEQ_CST) / SEALED;
  assert_true(kept >= 4 && kept < n);
  snprintf(path, sizeof path, "%s/state-%s/chunks/in/%s", f.dir, CL_TEAM, id);
  assert_int_equal(truncate(path, (off_t)((kept / 2) * SEALED)), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  again.direction = RP_PROGRESS_RECEIVE;
  assert_non_null(team = client_watched(&f, CL_TEAM, &again, NULL));
  expect_delivered_once(&f, team, muni, id, &fl, &again, 1);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* ---- the relay's disk full mid-upload ---- */

static void test_relay_disk_full_mid_upload(void **state) {
  static const char *const ids3[] = {CL_TEAM, CL_MUNI, "m2"};
  tp_relay f;
  tp_peer p;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp__tmsg m;
  cl_log log;
  files fl;
  watch up = {.direction = RP_PROGRESS_SEND, .at = UINT64_MAX};
  watch down = {.direction = RP_PROGRESS_RECEIVE, .at = UINT64_MAX};
  char id[RP_ID_STRLEN], small[RP_ID_STRLEN];
  uint8_t other[RP_MSG_ID_BYTES];
  const uint64_t n = chunk_count(full_sizes);
  uint64_t acked, acked_later, stored;
  int st = 0;
  (void)state;
  cl_log_init(&log);
  assert_int_equal(tp_relay_init(&f, "cl-attfull", ids3, 3, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_int_equal(tp_relay_start_fsize(&f, FULL_LIMIT), 0);
  files_make(&f, &fl, full_sizes, 41);
  assert_non_null(muni = client_watched(&f, CL_MUNI, &up, &log));
  /* A message without attachments is stored first; the team fetches it later. */
  {
    rp_msg *msg = cl_request("Før disken blev fuld");
    assert_non_null(msg);
    assert_int_equal(rp_send(muni, msg, small), 0);
    rp_msg_free(msg);
    assert_int_equal(cl_wait_status(muni, small, RP_STATUS_RELAYED, 10000), 0);
  }
  send_files(muni, &fl, id);

  /* The spool cannot grow past the limit: the relay fails closed and says why, at error
   * level. */
  assert_int_equal(tp_relay_wait_log(&f, "spool_failed code=", 60000, 1), 0);
  assert_true(tp_relay_log_count(&f, " error spool_failed code=") == 1);
  {
    char *text = tu_read_file(f.log, NULL), *line, *eol;
    assert_non_null(text);
    assert_non_null(line = strstr(text, "spool_failed"));
    if ((eol = strchr(line, '\n')) != NULL) *eol = '\0';
    print_message("relay: %s\n", line);
    free(text);
  }
  /* The sender was told (a refused chunk, to try again later) and holds the message. */
  assert_int_equal(cl_log_wait(&log, "chunk_refused", "retry=1", NULL, 10000), 0);
  assert_true(cl_log_count(&log, "chunk_refused", "code=EFSYNC", NULL) +
                  cl_log_count(&log, "chunk_refused", "code=EIO", NULL) >=
              1);
  acked = __atomic_load_n(&up.done, __ATOMIC_SEQ_CST);
  assert_true(acked < n * SEALED);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_QUEUED);

  /* The relay stays up and serves everyone: another member's small envelope gets its
   * NACK (the spool takes nothing now), and the team, connecting now, gets what was
   * stored before (the relay cannot delete it after DELIVERED, so it comes again after
   * the restart, and the library offers it once), never the message that did not fit. */
  assert_true(tp_relay_alive(&f));
  assert_int_equal(tp_relay_connect(&f, &p, "m2"), 0);
  assert_int_equal(tp_send_envelope(&p, CL_TEAM, 0, other), 0);
  assert_int_equal(tp_recv_type(&p, RP__T_NACK, &m, 10000, NULL), 0);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EFSYNC);
  tp_close(&p);
  assert_non_null(team = client_watched(&f, CL_TEAM, &down, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), small);
  assert_int_equal(rp_inbox_mark_handled(team, small), 0);
  rp_received_free(r);
  r = NULL;
  assert_int_equal(tp_relay_wait_log(&f, "delete_refused member=team", 5000, 1), 0);
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  /* Nothing more is acknowledged however often the sender tries; and it tries less and
   * less often: its backoff (50 ms doubling up to 400 ms here) keeps growing while the
   * relay refuses, although each attempt gets as far as WELCOME. At the shortest backoff
   * it would connect and send its window of chunks more than 25 times in 3 s. */
  {
    int before = cl_log_count(&log, "conn_ready", NULL, NULL), tries;
    size_t refused = tp_relay_log_count(&f, "chunk_refused");
    usleep(3000000);
    tries = cl_log_count(&log, "conn_ready", NULL, NULL) - before;
    print_message("against the failed spool in 3 s: %d connections, %zu chunks refused\n",
                  tries, tp_relay_log_count(&f, "chunk_refused") - refused);
    assert_true(tries >= 2 && tries <= 12);
  }
  acked_later = __atomic_load_n(&up.done, __ATOMIC_SEQ_CST);
  assert_int_equal(acked_later, acked);
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_QUEUED);

  /* A relay whose spool failed exits 1 when stopped; with room again, it goes on. */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 1);
  assert_int_equal(tp_relay_start(&f), 0);
  expect_delivered_once(&f, team, muni, id, &fl, &down, 2);
  assert_int_equal(cl_wait_status(muni, small, RP_STATUS_DELIVERED, 10000), 0);
  assert_int_equal(delivered_count(&f, small), 1);
  /* Every chunk acknowledged before the disk filled up was still there. */
  stored = counter(&f, "chunks.stored");
  print_message("upload of %llu chunks into a %u MiB limit: %llu acknowledged before the "
                "spool failed, then %llu stored\n",
                (unsigned long long)n, FULL_LIMIT / MIB,
                (unsigned long long)(acked / SEALED), (unsigned long long)stored);
  assert_true(stored <= n - acked / SEALED);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* ---- a relay without chunk_max ---- */

static void test_relay_without_chunks(void **state) {
  tp_relay f;
  fake fk;
  cl_log log;
  rp_config *cfg;
  rp_client *muni = NULL;
  rp_msg *msg;
  rp__tmsg m;
  rp__envcont cont;
  rp__envhdr h;
  char with[RP_ID_STRLEN], without[RP_ID_STRLEN], hex[RP_ID_STRLEN];
  static uint8_t data[CHUNK + 1];
  int st = 0, err = 0, sends = 0, rc;
  (void)state;
  cl_log_init(&log);
  assert_int_equal(tp_relay_init(&f, "cl-attold", cl_ids, 2, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  fake_listen(&fk);
  f.port = fk.port;
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, fk.pk));
  assert_int_equal(rp_config_set_log(cfg, cl_log_fn, &log), 0);
  assert_int_equal(rp_client_new(cfg, &muni), 0);
  rp_config_free(cfg);
  fake_welcome(&fk, CL_MUNI, 1, 0); /* an older relay's WELCOME: no key 7 */
  assert_int_equal(cl_log_wait(&log, "conn_ready", NULL, NULL, 5000), 0);

  /* The message with attachments is stored (rp_send does not wait for the relay), then
   * fails at once with a clear code instead of waiting for ever: flush returns. */
  assert_non_null(msg = cl_request("Med bilag til en gammel relay"));
  assert_int_equal(rp_msg_attach_buffer(msg, data, sizeof data, "plan.pdf",
                                        "application/pdf", "beredskabsplan_udkast"),
                   0);
  assert_int_equal(rp_send(muni, msg, with), 0);
  rp_msg_free(msg);
  assert_int_equal(rp_client_flush(muni, 5000), 0);
  assert_int_equal(rp_status(muni, with, &st, &err), 0);
  assert_int_equal(st, RP_STATUS_FAILED);
  assert_int_equal(err, RP_EVERSION);
  assert_int_equal(cl_log_count(&log, "send_failed", with, "code=EVERSION"), 1);

  /* The queue behind it moves on: a message without attachments goes as always. */
  assert_non_null(msg = cl_request("Uden bilag"));
  assert_int_equal(rp_send(muni, msg, without), 0);
  rp_msg_free(msg);
  /* What reached the relay: never a chunk, and only the second message's SEND. */
  while ((rc = fake_recv_timed(&fk, &m, 2000)) == 0) {
    assert_true(m.type != RP__T_CHUNK);
    if (m.type != RP__T_SEND) continue;
    sends++;
    assert_int_equal(rp__envhdr_container_parse(m.u.send.envelope.p, m.u.send.envelope.n,
                                                &cont, &h, NULL),
                     0);
    sodium_bin2hex(hex, sizeof hex, h.msg_id, RP_MSG_ID_BYTES);
    assert_string_equal(hex, without);
    {
      rp__tmsg a;
      memset(&a, 0, sizeof a);
      a.type = RP__T_ACK;
      memcpy(a.u.ack.msg_id, h.msg_id, RP_MSG_ID_BYTES);
      a.u.ack.status = RP__ACK_STORED;
      fake_send(&fk, &a);
    }
  }
  assert_int_equal(rc, RP_ETIMEDOUT);
  assert_int_equal(sends, 1);
  assert_int_equal(cl_wait_status(muni, without, RP_STATUS_RELAYED, 5000), 0);
  assert_int_equal(rp_status(muni, with, &st, &err), 0);
  assert_int_equal(st, RP_STATUS_FAILED);
  rp_client_free(muni);
  fake_close(&fk);
  tp_relay_free(&f);
}

/* ---- a relay that cannot read a chunk for a moment ---- */

/* A message as the real relay hands it out: its DELIVER's envelope and every chunk. */
typedef struct captured {
  uint8_t *env;
  size_t env_len;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint8_t *chunk[64];
  size_t len[64];
  uint64_t n;
} captured;

static void capture(tp_relay *f, captured *cap, uint64_t n) {
  tp_peer p;
  rp__tmsg m;
  assert_true(n <= 64);
  memset(cap, 0, sizeof *cap);
  cap->n = n;
  assert_int_equal(tp_relay_connect(f, &p, CL_TEAM), 0);
  assert_int_equal(tp_receive(&p, 8), 0);
  assert_int_equal(tp_recv_type(&p, RP__T_DELIVER, &m, 10000, NULL), 0);
  assert_int_equal(tp_deliver_msg_id(&m, cap->msg_id), 0);
  cap->env_len = m.u.deliver.envelope.n;
  assert_non_null(cap->env = malloc(cap->env_len));
  memcpy(cap->env, m.u.deliver.envelope.p, cap->env_len);
  for (uint64_t from = 0; from < n; from += 16) {
    memset(&m, 0, sizeof m);
    m.type = RP__T_CHUNK_GET;
    memcpy(m.u.chunk_get.msg_id, cap->msg_id, RP_MSG_ID_BYTES);
    m.u.chunk_get.from = from;
    m.u.chunk_get.count = n - from < 16 ? n - from : 16;
    assert_int_equal(tp_send(&p, &m), 0);
    for (uint64_t g = from; g < from + m.u.chunk_get.count; g++) {
      rp__tmsg d;
      assert_int_equal(tp_recv_type(&p, RP__T_CHUNK_DATA, &d, 10000, NULL), 0);
      assert_int_equal(d.u.chunk_data.index, g);
      assert_int_equal(d.u.chunk_data.code, 0);
      cap->len[g] = d.u.chunk_data.data.n;
      assert_non_null(cap->chunk[g] = malloc(cap->len[g]));
      memcpy(cap->chunk[g], d.u.chunk_data.data.p, cap->len[g]);
    }
  }
  tp_close(&p); /* no DELIVERED: the message stays at the relay */
}

static void captured_free(captured *cap) {
  free(cap->env);
  for (uint64_t g = 0; g < cap->n; g++)
    free(cap->chunk[g]);
}

/* The fake relay's side of one connection up to the client's RECEIVE, then DELIVER. */
static void fake_welcome_deliver(fake *fk, const captured *cap) {
  rp__tmsg m;
  fake_welcome(fk, CL_TEAM, 1, SEALED);
  do
    assert_int_equal(fake_recv_timed(fk, &m, 10000), 0);
  while (m.type != RP__T_RECEIVE);
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVER;
  m.u.deliver.seq = 1;
  m.u.deliver.envelope = (rp__bin){cap->env, (uint32_t)cap->env_len};
  fake_send(fk, &m);
}

static void fake_chunk(fake *fk, const captured *cap, uint64_t g, uint64_t code) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_CHUNK_DATA;
  memcpy(m.u.chunk_data.msg_id, cap->msg_id, RP_MSG_ID_BYTES);
  m.u.chunk_data.index = g;
  if (code != 0)
    m.u.chunk_data.code = code;
  else
    m.u.chunk_data.data = (rp__bin){cap->chunk[g], (uint32_t)cap->len[g]};
  fake_send(fk, &m);
}

/* The next CHUNK_GET (other messages skipped). */
static void fake_expect_get(fake *fk, rp__tmsg *m) {
  do
    assert_int_equal(fake_recv_timed(fk, m, 10000), 0);
  while (m->type != RP__T_CHUNK_GET);
}

/* A relay that answers a chunk_get with EIO (its spool could not read the chunk: a
 * passing failure, not "no such message") mid-download: the recipient keeps the chunks
 * it has, ends the connection, and on the next one resumes from the first chunk it lacks,
 * rather than dropping the message and waiting for a redelivery that never comes on a
 * connection that stays up. */
static void test_relay_read_error_mid_download(void **state) {
  static const uint64_t sizes[NATT] = {0, 5, 2u * MIB + 3u};
  tp_relay f;
  fake fk;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_config *cfg;
  captured cap;
  files fl;
  rp__tmsg m;
  char id[RP_ID_STRLEN];
  const uint64_t n = chunk_count(sizes), bad = 5;
  uint64_t next = 0;
  (void)state;
  /* The real library seals and uploads; a test peer takes what the relay hands out. */
  assert_int_equal(cl_relay_up(&f, "cl-attread"), 0);
  files_make(&f, &fl, sizes, 51);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  send_files(muni, &fl, id);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_RELAYED, 30000), 0);
  rp_client_free(muni);
  capture(&f, &cap, n);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);

  /* The recipient's library against the fake relay, which serves those bytes. */
  fake_listen(&fk);
  f.port = fk.port;
  assert_non_null(cfg = cl_config(&f, CL_TEAM, NULL, fk.pk));
  assert_int_equal(rp_client_new(cfg, &team), 0);
  rp_config_free(cfg);
  fake_welcome_deliver(&fk, &cap);
  fake_expect_get(&fk, &m);
  assert_int_equal(m.u.chunk_get.from, 0);
  for (uint64_t g = 0; g < bad; g++)
    fake_chunk(&fk, &cap, g, 0);
  fake_chunk(&fk, &cap, bad, (uint64_t)-RP_EIO);
  /* The client ends this connection (what else it says first does not matter). */
  {
    int rc;
    while ((rc = fake_recv_timed(&fk, &m, 10000)) == 0 && m.type != RP__T_BYE)
      ;
    assert_int_equal(rc, 0);
  }
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  close(fk.fd);
  fk.fd = -1;

  /* The next connection: delivered again, it asks from the chunk it lacks. */
  fake_welcome_deliver(&fk, &cap);
  fake_expect_get(&fk, &m);
  assert_int_equal(m.u.chunk_get.from, bad);
  for (next = bad; next < n;) {
    uint64_t end = m.u.chunk_get.from + m.u.chunk_get.count;
    assert_int_equal(m.u.chunk_get.from, next);
    for (; next < end && next < n; next++)
      fake_chunk(&fk, &cap, next, 0);
    if (next < n) fake_expect_get(&fk, &m);
  }
  do
    assert_int_equal(fake_recv_timed(&fk, &m, 10000), 0);
  while (m.type != RP__T_DELIVERED);
  assert_memory_equal(m.u.delivered.msg_id, cap.msg_id, RP_MSG_ID_BYTES);
  assert_int_equal(m.u.delivered.refused, 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  check_whole(&f, team, r, &fl);
  rp_received_free(r);
  rp_client_free(team);
  fake_close(&fk);
  captured_free(&cap);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relay_without_chunks),
      cmocka_unit_test(test_relay_killed_mid_upload),
      cmocka_unit_test(test_relay_killed_mid_download),
      cmocka_unit_test(test_lost_chunk_bytes_fetched_again),
      cmocka_unit_test(test_relay_disk_full_mid_upload),
      cmocka_unit_test(test_relay_read_error_mid_download),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
