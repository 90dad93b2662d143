/* SPDX-License-Identifier: MIT */
/*
 * Attachments end to end through a real relay (public API only): sizes at the chunk
 * boundaries, several attachments both ways, a stream source, saving (0600, an existing
 * path refused) and reading (also from an rp_received_dup copy), a 100 MiB file compared by
 * sha256, kill -9 of the sender mid-upload and of the recipient mid-download (resumed,
 * delivered once, same bytes), rp_client_free mid-transfer each way, and the upload of a
 * file's chunks while rp_send still seals it (with a send that fails half way and a file
 * that grows meanwhile).
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cl_bytes.h"
#include "cl_fixture.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define CHUNK (256u * KIB)

/* A stream of pseudo-random bytes, in uneven reads. */
typedef struct stream {
  uint64_t left, done;
  uint32_t seed;
} stream;

static long long stream_read(void *ctx, uint8_t *buf, size_t cap) {
  stream *s = ctx;
  size_t n = cap < 70001 ? cap : 70001;
  if (n > s->left) n = (size_t)s->left;
  for (size_t i = 0; i < n; i++)
    buf[i] = cl_byte_at(s->seed, s->done + i);
  s->left -= n;
  s->done += n;
  return (long long)n;
}

/* A sink that checks what it gets against cl_byte_at(seed, .). */
typedef struct check {
  uint64_t off;
  uint32_t seed;
  int bad;
} check;

static int check_write(void *ctx, const uint8_t *buf, size_t len) {
  check *k = ctx;
  for (size_t i = 0; i < len; i++)
    if (buf[i] != cl_byte_at(k->seed, k->off + i)) k->bad = 1;
  k->off += len;
  return 0;
}

/* Sizes at the chunk boundaries from buffers and a stream; saved and read back. */
static void test_sizes_save_read(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  static uint8_t data[CHUNK + 1];
  const uint64_t sizes[] = {0, 1, CHUNK, CHUNK + 1};
  char id[RP_ID_STRLEN], path[700];
  const char *name, *mime, *kind;
  uint64_t size;
  stream s = {.left = 3 * CHUNK + 5, .seed = 9};
  (void)state;
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = cl_byte_at(1, i);
  assert_int_equal(cl_relay_up(&f, "cl-att"), 0);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Med bilag"));
  for (size_t i = 0; i < 4; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "bilag-%zu.bin", i);
    assert_int_equal(
        rp_msg_attach_buffer(m, data, sizes[i], nm, "application/octet-stream", "andet"),
        0);
  }
  assert_int_equal(rp_msg_attach_stream(m, stream_read, &s, "stream.bin", "text/plain",
                                        "risikovurdering"),
                   0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 20000), 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_attachments(r), 5);
  for (size_t i = 0; i < 4; i++) {
    check k = {.seed = 1};
    uint8_t sha[32], want[32];
    uint64_t got = 0;
    mode_t mode = 0;
    assert_int_equal(rp_received_attachment(r, i, &name, &mime, &size, &kind), 0);
    assert_int_equal(size, sizes[i]);
    assert_string_equal(mime, "application/octet-stream");
    assert_string_equal(kind, "andet");
    assert_int_equal(rp_received_attachment_read(team, r, i, check_write, &k), 0);
    assert_int_equal(k.off, sizes[i]);
    assert_int_equal(k.bad, 0);
    snprintf(path, sizeof path, "%s/%s", f.dir, name);
    assert_int_equal(rp_received_attachment_save(team, r, i, path), 0);
    cl_file_sha(path, sha, &got, &mode);
    crypto_hash_sha256(want, data, (size_t)sizes[i]);
    assert_int_equal(got, sizes[i]);
    assert_memory_equal(sha, want, 32);
    assert_int_equal(mode, 0600);
    /* An existing path is never overwritten. */
    assert_int_equal(rp_received_attachment_save(team, r, i, path), RP_EEXIST);
    cl_file_sha(path, sha, &got, &mode);
    assert_int_equal(got, sizes[i]);
  }
  check k = {.seed = 9};
  assert_int_equal(rp_received_attachment(r, 4, &name, NULL, &size, &kind), 0);
  assert_string_equal(name, "stream.bin");
  assert_string_equal(kind, "risikovurdering");
  assert_int_equal(size, 3 * CHUNK + 5);
  assert_int_equal(rp_received_attachment_read(team, r, 4, check_write, &k), 0);
  assert_int_equal(k.off, 3 * CHUNK + 5);
  assert_int_equal(k.bad, 0);
  /* A copy (rp_received_dup, what a receive callback keeps) reads the same bytes: it
   * carries the chunk key too. */
  rp_received *copy = NULL;
  check kd = {.seed = 9};
  assert_int_equal(rp_received_dup(r, &copy), 0);
  assert_int_equal(rp_received_attachment_read(team, copy, 4, check_write, &kd), 0);
  assert_int_equal(kd.off, 3 * CHUNK + 5);
  assert_int_equal(kd.bad, 0);
  rp_received_free(copy);
  assert_int_equal(rp_received_attachment(r, 5, &name, NULL, NULL, NULL), RP_ENOTFOUND);
  assert_int_equal(rp_received_attachment_save(team, r, 5, path), RP_ENOTFOUND);

  /* Both ways: the team's reply carries two attachments back. */
  assert_non_null(m = cl_reply(id, "Se vedhæftede"));
  assert_int_equal(rp_msg_attach_buffer(m, data, 1000, "a.txt", "text/plain", "andet"), 0);
  assert_int_equal(rp_msg_attach_buffer(m, data, CHUNK + 1, "b.bin",
                                        "application/octet-stream", "andet"),
                   0);
  assert_int_equal(rp_send(team, m, id), 0);
  rp_msg_free(m);
  rp_received_free(r);
  r = NULL;
  assert_int_equal(cl_wait_inbox(muni, &r, 20000), 0);
  assert_string_equal(rp_received_kind(r), "reply");
  assert_int_equal(rp_received_attachments(r), 2);
  check k2 = {.seed = 1};
  assert_int_equal(rp_received_attachment_read(muni, r, 1, check_write, &k2), 0);
  assert_int_equal(k2.off, CHUNK + 1);
  assert_int_equal(k2.bad, 0);
  rp_received_free(r);
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* A 100 MiB file (the default cap), compared by sha256 after saving. */
static void test_100mib_file(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN], src[700], dst[700];
  uint8_t want[32], got[32];
  uint64_t size = 0;
  mode_t mode = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-att100"), 0);
  snprintf(src, sizeof src, "%s/big.bin", f.dir);
  snprintf(dst, sizeof dst, "%s/big-saved.bin", f.dir);
  cl_make_file(src, 100ull * MIB, 5, want);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_non_null(m = cl_request("Stor fil"));
  assert_int_equal(rp_msg_attach_file(m, src, NULL, "application/octet-stream", "andet"),
                   0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  unlink(src); /* what goes is what rp_send sealed into the outbox */
  assert_int_equal(cl_wait_inbox(team, &r, 240000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_attachment_save(team, r, 0, dst), 0);
  cl_file_sha(dst, got, &size, &mode);
  assert_int_equal(size, 100ull * MIB);
  assert_memory_equal(got, want, 32);
  assert_int_equal(mode, 0600);
  unlink(dst);
  rp_received_free(r);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 20000), 0);
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* ---- kill -9 mid-transfer ---- */

#define KILL_SIZE (8u * MIB) /* 32 chunks */

typedef struct killer {
  int fd;         /* where the child reports the msg_id */
  int direction;  /* RP_PROGRESS_* to stop at */
  uint64_t after; /* stop once this many bytes are done */
} killer;

static void on_progress(void *data, rp_client *c, const char *msg_id, int direction,
                        uint64_t done, uint64_t total) {
  killer *k = data;
  (void)c;
  (void)total;
  if (k->fd < 0 || direction != k->direction || done < k->after) return;
  /* The child "crashes" here, on the loop thread, half way. */
  if (write(k->fd, msg_id, 32) != 32) _exit(3);
  for (;;)
    pause();
}

static rp_client *client_progress(tp_relay *f, const char *id, killer *k) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  if (cfg == NULL) return NULL;
  rp_config_set_progress(cfg, on_progress, k);
  if (rp_client_new(cfg, &c) != 0) c = NULL;
  rp_config_free(cfg);
  return c;
}

static int read_pipe(int fd, char *buf, size_t n) {
  size_t have = 0;
  while (have < n) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 60000) <= 0) return RP_ETIMEDOUT;
    ssize_t r = read(fd, buf + have, n - have);
    if (r <= 0) return RP_ECLOSED;
    have += (size_t)r;
  }
  return 0;
}

static void fork_and_kill(tp_relay *f, void (*fn)(tp_relay *, int), char id[RP_ID_STRLEN]) {
  int p[2], st, rc;
  pid_t pid;
  assert_int_equal(pipe(p), 0);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fn(f, p[1]);
    _exit(2);
  }
  close(p[1]);
  rc = read_pipe(p[0], id, 32);
  id[32] = '\0';
  kill(pid, SIGKILL);
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_int_equal(rc, 0);
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  close(p[0]);
}

static void child_upload(tp_relay *f, int fd) {
  killer k = {fd, RP_PROGRESS_SEND, KILL_SIZE / 3};
  stream s = {.left = KILL_SIZE, .seed = 3};
  rp_client *c = client_progress(f, CL_MUNI, &k);
  rp_msg *m = cl_request("Afbrudt upload");
  char id[RP_ID_STRLEN];
  if (c == NULL || m == NULL ||
      rp_msg_attach_stream(m, stream_read, &s, "x.bin", "text/plain", "andet") != 0 ||
      rp_send(c, m, id) != 0)
    _exit(4);
  for (;;)
    pause();
}

static void child_download(tp_relay *f, int fd) {
  killer k = {fd, RP_PROGRESS_RECEIVE, KILL_SIZE / 2};
  rp_client *c = client_progress(f, CL_TEAM, &k);
  if (c == NULL) _exit(4);
  for (;;)
    pause();
}

static size_t delivered_count(tp_relay *f, const char *id) {
  char needle[80];
  snprintf(needle, sizeof needle, "delivered msg_id=%s", id);
  return tp_relay_log_count(f, needle);
}

typedef struct seen {
  int n;
} seen;

static void on_recv(void *data, rp_client *c, const rp_received *r) {
  seen *s = data;
  (void)c;
  (void)r;
  __atomic_add_fetch(&s->n, 1, __ATOMIC_SEQ_CST);
}

static void test_kill_mid_upload_and_download(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_config *cfg;
  char id[RP_ID_STRLEN], got[RP_ID_STRLEN];
  seen s = {0};
  check k = {.seed = 3};
  int st = 0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attkill"), 0);
  /* The sender dies a third of the way through the upload. */
  fork_and_kill(&f, child_upload, id);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(rp_status(muni, id, &st, NULL), 0);
  assert_true(st == RP_STATUS_QUEUED || st == RP_STATUS_RELAYED);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_RELAYED, 30000), 0);
  rp_client_free(muni); /* no client threads across the next fork */

  /* The recipient dies half way through the download. */
  fork_and_kill(&f, child_download, got);
  assert_string_equal(got, id);
  cfg = cl_config(&f, CL_TEAM, NULL, NULL);
  assert_non_null(cfg);
  rp_config_set_receive_callback(cfg, on_recv, &s);
  assert_int_equal(rp_client_new(cfg, &team), 0);
  rp_config_free(cfg);
  assert_int_equal(cl_wait_inbox(team, &r, 30000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_attachment_read(team, r, 0, check_write, &k), 0);
  assert_int_equal(k.off, KILL_SIZE);
  assert_int_equal(k.bad, 0);
  rp_received_free(r);
  /* Delivered once: offered once, one DELIVERED at the relay. */
  for (int i = 0; i < 100 && delivered_count(&f, id) < 1; i++)
    usleep(20000);
  assert_int_equal(delivered_count(&f, id), 1);
  assert_int_equal(__atomic_load_n(&s.n, __ATOMIC_SEQ_CST), 1);
  rp_client_free(team);
  tp_relay_free(&f);
}

/* rp_client_free during a transfer, each way: nothing is lost, the next run goes on. */
typedef struct halfway {
  int direction;
  uint64_t after;
  int reached;
} halfway;

static void on_halfway(void *data, rp_client *c, const char *msg_id, int direction,
                       uint64_t done, uint64_t total) {
  halfway *h = data;
  (void)c;
  (void)msg_id;
  (void)total;
  if (direction == h->direction && done >= h->after)
    __atomic_store_n(&h->reached, 1, __ATOMIC_SEQ_CST);
}

static rp_client *client_halfway(tp_relay *f, const char *id, halfway *h) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  if (cfg == NULL) return NULL;
  rp_config_set_progress(cfg, on_halfway, h);
  if (rp_client_new(cfg, &c) != 0) c = NULL;
  rp_config_free(cfg);
  return c;
}

static int wait_reached(halfway *h) {
  for (int i = 0; i < 3000; i++) {
    if (__atomic_load_n(&h->reached, __ATOMIC_SEQ_CST)) return 0;
    usleep(10000);
  }
  return RP_ETIMEDOUT;
}

static void test_free_mid_transfer(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN];
  stream s = {.left = KILL_SIZE, .seed = 11};
  halfway up = {RP_PROGRESS_SEND, KILL_SIZE / 4, 0};
  halfway down = {RP_PROGRESS_RECEIVE, KILL_SIZE / 4, 0};
  check k = {.seed = 11};
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attfree"), 0);
  assert_non_null(muni = client_halfway(&f, CL_MUNI, &up));
  assert_non_null(m = cl_request("Lukket midt i det hele"));
  assert_int_equal(rp_msg_attach_stream(m, stream_read, &s, "x.bin", "text/plain", "andet"),
                   0);
  assert_int_equal(rp_send(muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(wait_reached(&up), 0);
  rp_client_free(muni);
  assert_non_null(muni = cl_client(&f, CL_MUNI, NULL));
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_RELAYED, 30000), 0);

  assert_non_null(team = client_halfway(&f, CL_TEAM, &down));
  assert_int_equal(wait_reached(&down), 0);
  rp_client_free(team);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_inbox(team, &r, 30000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_attachment_read(team, r, 0, check_write, &k), 0);
  assert_int_equal(k.off, KILL_SIZE);
  assert_int_equal(k.bad, 0);
  rp_received_free(r);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 20000), 0);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

static uint64_t counter_of(tp_relay *f, const char *name) {
  uint64_t v = 0;
  assert_int_equal(tp_relay_counter(f, name, &v), 0);
  return v;
}

/* Sealing and upload overlap (client/upload.h, "Early"): the attachment hook runs on
 * rp_send's thread before each piece is sealed, so at piece `at` it can wait for the
 * relay to store chunks of the same message, which only the early upload can have sent
 * by then. Then it accepts, refuses, or appends to the file. */
typedef struct overlap {
  tp_relay *f;
  uint64_t at;      /* the piece's offset at which the hook acts */
  uint64_t want;    /* wait until the relay's chunks.stored reaches this */
  uint64_t stored;  /* chunks.stored then */
  int refuse;       /* then refuse the piece */
  const char *grow; /* then append a byte to this file */
} overlap;

static int overlap_hook(void *data, const char *name, const char *mime, const uint8_t *buf,
                        size_t len, uint64_t offset, int last, size_t *bad) {
  overlap *o = data;
  (void)name;
  (void)mime;
  (void)buf;
  (void)len;
  (void)last;
  (void)bad;
  if (offset != o->at) return 0;
  for (int i = 0; i < 1000; i++) {
    if (tp_relay_counter(o->f, "chunks.stored", &o->stored) == 0 && o->stored >= o->want)
      break;
    usleep(10000);
  }
  if (o->grow != NULL) {
    int fd = open(o->grow, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
  }
  return o->refuse;
}

/* A request with the file at path (or a buffer when path is NULL) sent by c. */
static int send_one(rp_client *c, const char *path, const uint8_t *data, size_t len,
                    char id[RP_ID_STRLEN], char field[32]) {
  rp_msg *m = cl_request("Bilag undervejs");
  int rc;
  assert_non_null(m);
  if (path != NULL)
    assert_int_equal(rp_msg_attach_file(m, path, NULL, "application/octet-stream", "andet"),
                     0);
  else
    assert_int_equal(
        rp_msg_attach_buffer(m, data, len, "b.bin", "application/octet-stream", "andet"),
        0);
  rc = rp_send(c, m, id);
  snprintf(field, 32, "%s", rp_msg_error_field(m) ? rp_msg_error_field(m) : "");
  rp_msg_free(m);
  return rc;
}

static void test_upload_while_sealing(void **state) {
  tp_relay f;
  rp_client *team, *muni;
  rp_received *r = NULL;
  rp_config *cfg;
  overlap ov;
  char path[700], saved[700], id[RP_ID_STRLEN], field[32];
  uint8_t sha[32], got[32];
  static uint8_t small[CHUNK + 7];
  uint64_t size = 0, before;
  sqlite3 *spool = NULL;
  sqlite3_stmt *q = NULL;
  int64_t now;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-attearly"), 0);
  snprintf(path, sizeof path, "%s/plan.bin", f.dir);
  cl_make_file(path, 12u * CHUNK + 3u, 17, sha);
  memset(&ov, 0, sizeof ov);
  ov.f = &f;
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  rp_config_set_attachment_hook(cfg, overlap_hook, &ov);
  assert_int_equal(rp_client_new(cfg, &muni), 0);
  rp_config_free(cfg);
  assert_non_null(team = cl_client(&f, CL_TEAM, NULL));
  for (int i = 0; i < 1000 && rp_client_conn_state(muni) != RP_CONN_CONNECTED; i++)
    usleep(10000);
  assert_int_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);

  /* Piece 8 of 13 waits until the relay has stored chunks 0 and 1: they went up while
   * the rest was not yet sealed. */
  ov.at = 8u * CHUNK;
  ov.want = 2;
  assert_int_equal(send_one(muni, path, NULL, 0, id, field), 0);
  assert_true(ov.stored >= 2);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 30000), 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  snprintf(saved, sizeof saved, "%s/saved.bin", f.dir);
  assert_int_equal(rp_received_attachment_save(team, r, 0, saved), 0);
  cl_file_sha(saved, got, &size, NULL);
  assert_int_equal(size, 12u * CHUNK + 3u);
  assert_memory_equal(got, sha, 32);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  rp_received_free(r);
  r = NULL;

  /* The hook refuses piece 8 after chunks of the message went up: rp_send fails as
   * before, nothing is delivered, and the next message is not held up behind it. */
  before = counter_of(&f, "chunks.stored");
  ov.want = before + 2;
  ov.refuse = 1;
  assert_int_equal(send_one(muni, path, NULL, 0, id, field), RP_EHOOK);
  assert_string_equal(field, "attachments.0");
  assert_true(ov.stored >= before + 2);
  /* Its chunks at the relay, whose envelope will never come, expire within the hour
   * (RP__CL_EARLY_EXPIRY_MS) rather than with the 30 days an envelope would have. */
  snprintf(saved, sizeof saved, "%s/spool.sqlite", f.dir);
  assert_int_equal(sqlite3_open_v2(saved, &spool, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(spool, 5000);
  assert_int_equal(sqlite3_prepare_v2(spool,
                                      "SELECT count(*), max(expires_ms) FROM chunk_msg c"
                                      " WHERE NOT EXISTS (SELECT 1 FROM envelope e"
                                      " WHERE e.msg_id = c.msg_id)",
                                      -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int64(q, 0), 1);
  now = (int64_t)rp__clock_wall_ms();
  assert_true(sqlite3_column_int64(q, 1) > now);
  assert_true(sqlite3_column_int64(q, 1) <= now + 3600 * 1000);
  sqlite3_finalize(q);
  sqlite3_close(spool);
  ov.refuse = 0;
  ov.at = UINT64_MAX;
  for (size_t i = 0; i < sizeof small; i++)
    small[i] = cl_byte_at(5, i);
  assert_int_equal(send_one(muni, NULL, small, sizeof small, id, field), 0);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 30000), 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  rp_received_free(r);
  r = NULL;

  /* A file that grows while it is sealed no longer fits the chunk count the upload
   * announced: RP_EIO naming it, nothing delivered. */
  ov.at = 4u * CHUNK;
  ov.want = 0;
  ov.grow = path;
  assert_int_equal(send_one(muni, path, NULL, 0, id, field), RP_EIO);
  assert_string_equal(field, "attachments.0");
  ov.grow = NULL;
  ov.at = UINT64_MAX;
  assert_int_equal(send_one(muni, path, NULL, 0, id, field), 0);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 30000), 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  assert_int_equal(rp_received_attachment(r, 0, NULL, NULL, &size, NULL), 0);
  assert_int_equal(size, 12u * CHUNK + 4u);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  rp_received_free(r);
  r = NULL;
  /* Neither failed send ever arrives. */
  assert_int_equal(rp_inbox_next(team, &r), RP_ENOTFOUND);
  rp_client_free(muni);
  rp_client_free(team);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sizes_save_read),
      cmocka_unit_test(test_kill_mid_upload_and_download),
      cmocka_unit_test(test_free_mid_transfer),
      cmocka_unit_test(test_100mib_file),
      cmocka_unit_test(test_upload_while_sealing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
