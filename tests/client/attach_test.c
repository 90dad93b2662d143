/* SPDX-License-Identifier: MIT */
/*
 * Attachments on the sender's side (client/attach.c, the sealing in send.c): what
 * rp_send puts in the outbox is opened here as the recipient would open it, envelope
 * and chunks (docs/PROTOCOL.md 6.7), and compared with the sources; caps and failing
 * sources.
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
#include <sqlite3.h>

#include "attach.h"
#include "cl_fixture.h"
#include "client.h"
#include "envelope.h"
#include "hex.h"
#include "msg_field.h"
#include "payload.h"
#include "store.h"

/* A stream of `left` pseudo-random bytes (seeded), in reads of at most 1000 bytes, or
 * failing after `fail_at` bytes when that is not 0. */
typedef struct stream {
  uint64_t left, done, fail_at;
  uint32_t seed;
} stream;

static uint8_t byte_at(uint32_t seed, uint64_t i) {
  return (uint8_t)((i * 2654435761u + seed) >> 7);
}

static long long stream_read(void *ctx, uint8_t *buf, size_t cap) {
  stream *s = ctx;
  size_t n = cap < 1000 ? cap : 1000;
  if (s->fail_at != 0 && s->done >= s->fail_at) return -1;
  if (n > s->left) n = (size_t)s->left;
  for (size_t i = 0; i < n; i++)
    buf[i] = byte_at(s->seed, s->done + i);
  s->left -= n;
  s->done += n;
  return (long long)n;
}

static uint64_t rows(rp_client *c, const char *table) {
  char path[700], sql[80];
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  uint64_t n = 0;
  (void)c;
  snprintf(path, sizeof path, "%s", (const char *)rp_client_get_data(c));
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  n = (uint64_t)sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

/* Opens the outbox message id of c as `to` would, then every chunk, and checks that
 * attachment i has want[i] bytes equal to expect(i, offset). */
typedef uint8_t (*expect_fn)(uint32_t att, uint64_t off);

static void open_all(tp_relay *f, rp_client *c, const char *id, const rp__identity *to,
                     uint32_t n_att, const uint64_t *want, expect_fn expect) {
  uint8_t mid[RP_MSG_ID_BYTES], sha[RP_PAYLOAD_ATTACHMENTS_MAX][32];
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX], n = 0, acked = 0,
                                              got[RP_PAYLOAD_ATTACHMENTS_MAX];
  rp__store_out o;
  rp__opened op;
  rp__payload p;
  rp__attachment *atts;
  uint32_t *count;
  rp__chunk_reader r;
  static uint8_t ct[RP__CHUNK_SEALED_MAX], pt[RP__CHUNK_SIZE];
  assert_int_equal(rp__unhex(mid, sizeof mid, id), 0);
  assert_int_equal(rp__store_out_get(c->st, mid, 1, &o), 0);
  assert_int_equal(rp__envelope_open(to, f->roster, o.envelope, o.envelope_len,
                                     o.times[RP_STATUS_QUEUED] + 1, &op),
                   0);
  assert_int_equal(rp__payload_decode(op.pt, op.pt_len, &p, NULL), 0);
  assert_int_equal(rp__attach_list(&p, &atts, &count), 0);
  assert_int_equal(*count, n_att);
  for (uint32_t i = 0; i < n_att; i++) {
    sizes[i] = atts[i].size;
    memcpy(sha[i], atts[i].sha256, 32);
    assert_int_equal(sizes[i], want[i]);
    got[i] = 0;
  }
  assert_int_equal(rp__chunk_plan(sizes, n_att, RP__CHUNK_ATTACHMENT_MAX, UINT64_MAX, &n),
                   0);
  assert_int_equal(o.chunks, n);
  assert_int_equal(rp__store_out_chunks_count(c->st, mid, &n, &acked), 0);
  assert_int_equal(n, o.chunks);
  assert_int_equal(acked, 0);
  assert_int_equal(rp__chunk_reader_init(&r, op.chunk_key, mid, sizes,
                                         (const uint8_t(*)[32])sha, n_att,
                                         RP__CHUNK_ATTACHMENT_MAX, UINT64_MAX),
                   0);
  for (uint64_t g = 0; g < n; g++) {
    size_t len = 0, pl = 0;
    uint32_t att = 0;
    bool done = false;
    assert_int_equal(rp__store_out_chunk_get(c->st, mid, g, ct, sizeof ct, &len, NULL), 0);
    assert_int_equal(rp__chunk_reader_open(&r, g, ct, len, pt, sizeof pt, &pl, &att, &done),
                     0);
    for (size_t k = 0; k < pl; k++)
      if (pt[k] != expect(att, got[att] + k)) fail_msg("att %u byte %zu", att, k);
    got[att] += pl;
  }
  assert_int_equal(rp__chunk_reader_finish(&r), 0);
  for (uint32_t i = 0; i < n_att; i++)
    assert_int_equal(got[i], want[i]);
  rp__chunk_reader_wipe(&r);
  rp__opened_free(&op);
  rp__store_out_free(&o);
}

static uint8_t expect_mixed(uint32_t att, uint64_t off) {
  return att == 3 ? byte_at(7, off) : (uint8_t)(off * 31u + att);
}

static void fill_mixed(uint8_t *b, size_t n, uint32_t att) {
  for (size_t i = 0; i < n; i++)
    b[i] = (uint8_t)(i * 31u + att);
}

typedef struct fx {
  tp_relay f;
  rp_client *muni;
  char db[700];
} fx;

static int setup(void **state) {
  fx *x = calloc(1, sizeof *x);
  if (x == NULL || cl_relay_up(&x->f, "cl-attach") != 0) return -1;
  if ((x->muni = cl_client(&x->f, CL_MUNI, NULL)) == NULL) return -1;
  snprintf(x->db, sizeof x->db, "%s/state-%s/%s", x->f.dir, CL_MUNI, RP__STORE_FILE);
  rp_client_set_data(x->muni, x->db);
  *state = x;
  return 0;
}

static int teardown(void **state) {
  fx *x = *state;
  rp_client_free(x->muni);
  tp_relay_free(&x->f);
  free(x);
  return 0;
}

/* 0 bytes, 1 byte, exactly 256 KiB (a file), 256 KiB + 1 (a stream): sealed into the
 * outbox so that the recipient opens each byte. */
static void test_sizes_and_sources(void **state) {
  fx *x = *state;
  static uint8_t one[1], big[RP__CHUNK_SIZE];
  char path[700], id[RP_ID_STRLEN];
  stream s = {.left = RP__CHUNK_SIZE + 1, .seed = 7};
  rp_msg *m = cl_request("Bilag");
  int fd, st = 0;
  fill_mixed(one, sizeof one, 1);
  fill_mixed(big, sizeof big, 2);
  snprintf(path, sizeof path, "%s/plan.pdf", x->f.dir);
  assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
  assert_int_equal(write(fd, big, sizeof big), (ssize_t)sizeof big);
  close(fd);
  assert_non_null(m);
  assert_int_equal(rp_msg_attach_buffer(m, NULL, 0, "tom.txt", "text/plain", "andet"), 0);
  assert_int_equal(
      rp_msg_attach_buffer(m, one, 1, "en.bin", "application/octet-stream", "andet"), 0);
  assert_int_equal(rp_msg_attach_file(m, path, NULL, "application/pdf", "handlingsplan"),
                   0);
  assert_int_equal(rp_msg_attach_stream(m, stream_read, &s, "strøm.bin",
                                        "application/octet-stream", "andet"),
                   0);
  /* The relay is paused while the test reads the outbox: the loop may upload chunks as
   * soon as they are committed, and acknowledged ones leave the outbox underneath the
   * reader (a race of the test, seen under ASan and load). */
  assert_int_equal(kill(x->f.pid, SIGSTOP), 0);
  assert_int_equal(rp_send(x->muni, m, id), 0);
  const uint64_t want[] = {0, 1, RP__CHUNK_SIZE, RP__CHUNK_SIZE + 1};
  open_all(&x->f, x->muni, id, tp_member(&x->f, CL_TEAM), 4, want, expect_mixed);
  assert_int_equal(kill(x->f.pid, SIGCONT), 0);
  /* A stream is read once: sending m again names it. */
  char id2[RP_ID_STRLEN];
  assert_int_equal(rp_send(x->muni, m, id2), RP_ESTATE);
  assert_string_equal(rp_msg_error_field(m), "attachments.3");
  rp_msg_free(m);
  /* The relay takes chunks (WELCOME's chunk_max): relayed once every chunk and the
   * envelope are acknowledged, and the outbox lets go of the chunks right after (the
   * status comes first: conn_msg.c on_ack). */
  assert_int_equal(rp_client_flush(x->muni, 10000), 0);
  assert_int_equal(rp_status(x->muni, id, &st, NULL), 0);
  assert_int_equal(st, RP_STATUS_RELAYED);
  for (int i = 0; i < 500 && rows(x->muni, "outbox_chunk") != 0; i++)
    usleep(20000);
  assert_int_equal(rows(x->muni, "outbox_chunk"), 0);
}

/* Over a cap, a failing stream, a missing file: RP_ETOOBIG / RP_EIO / RP_ENOTFOUND
 * naming the attachment, and no chunk left behind. */
static void test_refusals(void **state) {
  fx *x = *state;
  static uint8_t buf[3 * RP__CHUNK_SIZE];
  rp_config *cfg = cl_config(&x->f, CL_MUNI, "-caps", NULL);
  rp_client *c = NULL;
  char db[700], missing[700], id[RP_ID_STRLEN];
  rp_msg *m;
  stream s = {.left = 2 * RP__CHUNK_SIZE, .fail_at = RP__CHUNK_SIZE + 5, .seed = 1};
  assert_non_null(cfg);
  assert_int_equal(rp_config_set_attachment_max(cfg, 0), RP_ECONFIG);
  assert_int_equal(rp_config_set_attachment_max(cfg, 2 * RP__CHUNK_SIZE), 0);
  assert_int_equal(rp_config_set_message_attachments_max(cfg, 0), RP_ECONFIG);
  assert_int_equal(rp_config_set_message_attachments_max(cfg, 5 * RP__CHUNK_SIZE / 2), 0);
  assert_int_equal(rp_client_new(cfg, &c), 0);
  rp_config_free(cfg);
  snprintf(db, sizeof db, "%s/state-%s-caps/%s", x->f.dir, CL_MUNI, RP__STORE_FILE);
  rp_client_set_data(c, db);

  assert_non_null(m = cl_request("For stor"));
  assert_int_equal(
      rp_msg_attach_buffer(m, buf, 2 * RP__CHUNK_SIZE, "a", "text/plain", "andet"), 0);
  assert_int_equal(
      rp_msg_attach_buffer(m, buf, 2 * RP__CHUNK_SIZE + 1, "b", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(c, m, id), RP_ETOOBIG);
  assert_string_equal(rp_msg_error_field(m), "attachments.1");
  assert_string_equal(id, "");
  rp_msg_free(m);

  /* Each under its cap, together over the message's. */
  assert_non_null(m = cl_request("Tilsammen for stor"));
  assert_int_equal(rp_msg_attach_buffer(m, buf, RP__CHUNK_SIZE, "a", "text/plain", "andet"),
                   0);
  assert_int_equal(
      rp_msg_attach_buffer(m, buf, 2 * RP__CHUNK_SIZE - 1, "b", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(c, m, id), RP_ETOOBIG);
  assert_string_equal(rp_msg_error_field(m), "attachments.1");
  rp_msg_free(m);

  assert_non_null(m = cl_request("Strømmen fejler"));
  assert_int_equal(rp_msg_attach_stream(m, stream_read, &s, "s", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(c, m, id), RP_EIO);
  assert_string_equal(rp_msg_error_field(m), "attachments.0");
  rp_msg_free(m);

  assert_non_null(m = cl_request("Ingen fil"));
  snprintf(missing, sizeof missing, "%s/no-such-file.pdf", x->f.dir);
  assert_int_equal(rp_msg_attach_file(m, missing, NULL, "text/plain", "andet"), 0);
  assert_int_equal(rp_send(c, m, id), RP_ENOTFOUND);
  rp_msg_free(m);

  /* Builder refusals add nothing: a bad kind, a kind without attachments. */
  assert_non_null(m = cl_request("Forkert"));
  assert_int_equal(rp_msg_attach_buffer(m, buf, 1, "a", "text/plain", "ingen_slags"),
                   RP_EENUM);
  assert_int_equal(rp_msg_attach_buffer(m, buf, 1, "", "text/plain", "andet"), RP_EINVAL);
  assert_int_equal(rp_msg_attach_stream(m, NULL, NULL, "a", "text/plain", "andet"),
                   RP_EINVAL);
  assert_int_equal(rp_send(c, m, id), 0); /* no attachment was added */
  rp_msg_free(m);
  assert_int_equal(rows(c, "outbox_chunk"), 0);
  assert_int_equal(rows(c, "outbox"), 1);
  rp_client_free(c);
}

/* Zeroes the bytes of chunk g in the chunk file of message id in state folder dir's
 * chunks/out or chunks/in (which), keeping its length. */
static void zero_chunk(const char *dir, const char *which, const char *id, uint64_t g) {
  static uint8_t zero[RP__CHUNK_SEALED_MAX];
  char path[900];
  struct stat sb;
  int fd;
  snprintf(path, sizeof path, "%s/chunks/%s/%s", dir, which, id);
  assert_true((fd = open(path, O_WRONLY)) >= 0);
  assert_int_equal(fstat(fd, &sb), 0);
  assert_true((uint64_t)sb.st_size > g * RP__CHUNK_SEALED_MAX);
  size_t len = (uint64_t)sb.st_size - g * RP__CHUNK_SEALED_MAX;
  if (len > sizeof zero) len = sizeof zero;
  assert_int_equal(pwrite(fd, zero, len, (off_t)(g * RP__CHUNK_SEALED_MAX)), (ssize_t)len);
  close(fd);
}

/* With the relay down: muni sends a request (question) with buf attached, sql alters the
 * sender's store (and chunk `zero` of its file is zeroed, if >= 0), then the relay starts
 * again. The message's id in id; returns how many rows the last statement of sql
 * changed. */
static int send_altered(fx *x, const char *question, const uint8_t *buf, size_t n,
                        const char *sql, int64_t zero, char id[RP_ID_STRLEN]) {
  sqlite3 *db = NULL;
  rp_msg *m;
  assert_int_equal(tp_relay_stop(&x->f, SIGTERM, 10000), 0);
  assert_non_null(m = cl_request(question));
  assert_int_equal(rp_msg_attach_buffer(m, buf, n, "a.bin", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(x->muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(sqlite3_open_v2(x->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  int changed = sqlite3_changes(db);
  sqlite3_close(db);
  if (zero >= 0) {
    char dir[700];
    snprintf(dir, sizeof dir, "%s/state-%s", x->f.dir, CL_MUNI);
    zero_chunk(dir, "out", id, (uint64_t)zero);
  }
  assert_int_equal(tp_relay_start(&x->f), 0);
  return changed;
}

/* A chunk altered in the sender's outbox (so, for the recipient, on the way): the
 * recipient refuses the whole message with the reader's code, offers nothing and keeps
 * nothing; the sender sees it failed with that code. */
/* An attach call refused for its arguments names the argument: field and text are this
 * call's, not those of an earlier failing call (they were left stale before). */
static void test_attach_arguments_named(void **state) {
  static const uint8_t buf[16];
  rp_msg *m;
  (void)state;
  assert_non_null(m = cl_request("Bilag"));
  assert_int_equal(rp_msg_set_enum(m, "urgency", "straks"), RP_EENUM);
  assert_string_equal(rp_msg_error_field(m), "urgency");
  assert_int_equal(
      rp_msg_attach_buffer(m, buf, sizeof buf, "mappe/a.txt", "text/plain", "andet"),
      RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "attachments.name");
  assert_non_null(strstr(rp_msg_error_text(m), "'/'"));
  assert_int_equal(rp_msg_attach_buffer(m, buf, sizeof buf, "a.txt", NULL, "andet"),
                   RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "attachments.mime");
  assert_int_equal(rp_msg_attach_buffer(m, NULL, 3, "a.txt", "text/plain", "andet"),
                   RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "attachments");
  assert_int_equal(rp_msg_attach_file(m, "", NULL, "text/plain", "andet"), RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "attachments");
  /* A good call clears it, as the setters do. */
  assert_int_equal(rp_msg_attach_buffer(m, buf, sizeof buf, "a.txt", "text/plain", "andet"),
                   0);
  assert_null(rp_msg_error_field(m));
  assert_null(rp_msg_error_text(m));
  rp_msg_free(m);
}

static void test_bad_chunk_refused(void **state) {
  fx *x = *state;
  static uint8_t buf[3 * RP__CHUNK_SIZE];
  char id[RP_ID_STRLEN];
  rp_client *team;
  uint64_t pending = 9;
  int st = 0, err = 0;
  send_altered(x, "Ødelagt undervejs", buf, sizeof buf, "SELECT 1", 1, id);
  assert_non_null(team = cl_client(&x->f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_status(x->muni, id, RP_STATUS_FAILED, 20000), 0);
  assert_int_equal(rp_status(x->muni, id, &st, &err), 0);
  assert_int_equal(err, RP_EAUTH);
  assert_int_equal(rp_inbox_pending(team, &pending), 0);
  assert_int_equal(pending, 0);
  rp_client_free(team);
  char path[700];
  snprintf(path, sizeof path, "%s/state-%s/%s", x->f.dir, CL_TEAM, RP__STORE_FILE);
  rp_client_set_data(x->muni, path);
  assert_int_equal(rows(x->muni, "inbox_chunk"), 0);
  assert_int_equal(rows(x->muni, "inbox"), 0);
  rp_client_set_data(x->muni, x->db);
  /* Nor its chunk file: the chunks it had stored went with the refused message. */
  struct stat sb;
  snprintf(path, sizeof path, "%s/state-%s/chunks/in/%s", x->f.dir, CL_TEAM, id);
  assert_int_equal(stat(path, &sb), -1);
}

/* PROTOCOL.md 5.6: a SEND answered ETRUNC although the outbox holds every chunk as
 * acknowledged (here: marked so while the relay was down, as if the relay had lost them)
 * makes the client upload the chunks again, then the envelope: delivered whole. */
static void test_etrunc_uploads_again(void **state) {
  fx *x = *state;
  static uint8_t buf[2 * RP__CHUNK_SIZE + 7];
  char id[RP_ID_STRLEN];
  rp_client *team;
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t)(i * 7u);
  assert_int_equal(
      send_altered(x, "Igen", buf, sizeof buf, "UPDATE outbox_chunk SET acked = 1", -1, id),
      3);
  assert_int_equal(cl_wait_status(x->muni, id, RP_STATUS_RELAYED, 20000), 0);
  assert_non_null(team = cl_client(&x->f, CL_TEAM, NULL));
  assert_int_equal(cl_wait_status(x->muni, id, RP_STATUS_DELIVERED, 20000), 0);
  rp_received *r = NULL;
  assert_int_equal(rp_inbox_get(team, id, &r), 0);
  assert_int_equal(rp_received_attachments(r), 1);
  rp_received_free(r);
  rp_client_free(team);
}

/* A relay that answers ETRUNC however often the chunks go again is given up on: after
 * RP__CL_UPLOAD_AGAIN_MAX uploads the message fails with ETRUNC. Played with the real
 * relay by a trigger in the sender's store that keeps chunk 1 marked acknowledged, so
 * the relay never gets it. Before the bound, the client uploaded for ever. */
static void test_etrunc_bounded(void **state) {
  fx *x = *state;
  static uint8_t buf[2 * RP__CHUNK_SIZE + 7];
  char id[RP_ID_STRLEN];
  int st = 0, err = 0;
  send_altered(x, "Igen og igen", buf, sizeof buf,
               "INSERT INTO outbox_chunk_ack(msg_id, idx)"
               " SELECT msg_id, idx FROM outbox_chunk WHERE idx = 1;"
               "CREATE TRIGGER lose AFTER DELETE ON outbox_chunk_ack"
               " WHEN OLD.idx = 1 BEGIN"
               " INSERT OR IGNORE INTO outbox_chunk_ack(msg_id, idx) VALUES(OLD.msg_id, 1);"
               " END;",
               -1, id);
  assert_int_equal(cl_wait_status(x->muni, id, RP_STATUS_FAILED, 30000), 0);
  assert_int_equal(rp_status(x->muni, id, &st, &err), 0);
  assert_int_equal(st, RP_STATUS_FAILED);
  assert_int_equal(err, RP_ETRUNC);
  assert_int_equal(rows(x->muni, "outbox_chunk"), 0);
}

/* Progress: monotonic per direction, the last call at done == total. */
typedef struct prog {
  uint64_t last[3], total[3];
  int calls[3], backwards;
} prog;

static void on_prog(void *data, rp_client *c, const char *msg_id, int direction,
                    uint64_t done, uint64_t total) {
  prog *p = data;
  (void)c;
  (void)msg_id;
  if (direction < 1 || direction > 2) return;
  if (done < p->last[direction] || done > total) p->backwards = 1;
  p->last[direction] = done;
  p->total[direction] = total;
  p->calls[direction]++;
}

/* The recipient's own caps: a message over them is refused (ETOOBIG) and the sender
 * sees it failed; progress both ways on a message within them. */
static void test_receive_caps_and_progress(void **state) {
  fx *x = *state;
  static uint8_t buf[3 * RP__CHUNK_SIZE];
  rp_config *cfg = cl_config(&x->f, CL_TEAM, NULL, NULL);
  rp_client *team = NULL;
  rp_msg *m;
  char id[RP_ID_STRLEN], ok_id[RP_ID_STRLEN];
  prog tp = {0};
  int st = 0, err = 0;
  assert_non_null(cfg);
  assert_int_equal(rp_config_set_attachment_max(cfg, 2 * RP__CHUNK_SIZE), 0);
  assert_int_equal(rp_config_set_progress(cfg, on_prog, &tp), 0);
  assert_int_equal(rp_client_new(cfg, &team), 0);
  rp_config_free(cfg);
  assert_non_null(m = cl_request("Større end modtageren tager"));
  assert_int_equal(rp_msg_attach_buffer(m, buf, sizeof buf, "a.bin", "text/plain", "andet"),
                   0);
  assert_int_equal(rp_send(x->muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_status(x->muni, id, RP_STATUS_FAILED, 20000), 0);
  assert_int_equal(rp_status(x->muni, id, &st, &err), 0);
  assert_int_equal(err, RP_ETOOBIG);

  assert_non_null(m = cl_request("Inden for"));
  assert_int_equal(
      rp_msg_attach_buffer(m, buf, 2 * RP__CHUNK_SIZE, "b.bin", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(x->muni, m, ok_id), 0);
  rp_msg_free(m);
  assert_int_equal(cl_wait_status(x->muni, ok_id, RP_STATUS_DELIVERED, 20000), 0);
  assert_int_equal(tp.backwards, 0);
  assert_int_equal(tp.calls[RP_PROGRESS_RECEIVE], 2); /* one call per chunk */
  assert_int_equal(tp.last[RP_PROGRESS_RECEIVE], tp.total[RP_PROGRESS_RECEIVE]);
  assert_int_equal(tp.total[RP_PROGRESS_RECEIVE], 2 * RP__CHUNK_SEALED_MAX);
  rp_client_free(team);
}

/* The host's attachment hook (rejsepost.h): a check for ten digits in text files that
 * keeps the end of the previous piece, as a real one must. */
#define NEEDLE "0101901234"
typedef struct hook_rec {
  int calls, lasts, order_bad, empty_calls;
  uint64_t next_off;
  char tail[16];
  size_t tail_len;
} hook_rec;

static int text_hook(void *data, const char *name, const char *mime, const uint8_t *buf,
                     size_t len, uint64_t offset, int last, size_t *bad) {
  hook_rec *h = data;
  char win[16 + RP__CHUNK_SIZE];
  (void)name;
  h->calls++;
  h->lasts += last;
  h->empty_calls += len == 0;
  if (offset != h->next_off) h->order_bad++;
  h->next_off = last ? 0 : offset + len;
  if (strncmp(mime, "text/", 5) != 0) return 0; /* the host reads text formats only */
  memcpy(win, h->tail, h->tail_len);
  memcpy(win + h->tail_len, buf, len);
  size_t n = h->tail_len + len, k = strlen(NEEDLE);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(win + i, NEEDLE, k) == 0) {
      *bad = (size_t)(offset - h->tail_len + i);
      return 1;
    }
  h->tail_len = n < k - 1 ? n : k - 1;
  memmove(h->tail, win + n - h->tail_len, h->tail_len);
  if (last) h->tail_len = 0;
  return 0;
}

static void test_attachment_hook(void **state) {
  fx *x = *state;
  static uint8_t clean[2 * RP__CHUNK_SIZE + 5], bad[RP__CHUNK_SIZE + 50];
  const uint8_t pdf[] = "%PDF-1.4 " NEEDLE;
  char id[RP_ID_STRLEN];
  hook_rec h;
  rp_config *cfg;
  rp_msg *m;
  memset(&h, 0, sizeof h);
  memset(clean, 'a', sizeof clean);
  memset(bad, 'b', sizeof bad);
  memcpy(bad + RP__CHUNK_SIZE - 4, NEEDLE, strlen(NEEDLE)); /* across two pieces */
  rp_client_free(x->muni);
  assert_non_null(cfg = cl_config(&x->f, CL_MUNI, NULL, NULL));
  assert_int_equal(rp_config_set_attachment_hook(cfg, text_hook, &h), 0);
  assert_int_equal(rp_client_new(cfg, &x->muni), 0);
  rp_config_free(cfg);
  rp_client_set_data(x->muni, x->db);

  /* Accepted: every piece in order, a call for the empty file, one last per file. */
  assert_non_null(m = cl_request("Bilag med kontrol"));
  assert_int_equal(rp_msg_attach_buffer(m, NULL, 0, "tom.txt", "text/plain", "andet"), 0);
  assert_int_equal(
      rp_msg_attach_buffer(m, pdf, sizeof pdf, "plan.pdf", "application/pdf", "andet"), 0);
  assert_int_equal(
      rp_msg_attach_buffer(m, clean, sizeof clean, "noter.txt", "text/plain", "andet"), 0);
  assert_int_equal(rp_send(x->muni, m, id), 0);
  rp_msg_free(m);
  assert_int_equal(h.calls, 1 + 1 + 3);
  assert_int_equal(h.lasts, 3);
  assert_int_equal(h.empty_calls, 1);
  assert_int_equal(h.order_bad, 0);
  assert_int_equal(cl_outbox_count(x->muni), 1);

  /* Refused: RP_EHOOK naming the attachment and the byte, nothing stored. */
  memset(&h, 0, sizeof h);
  assert_non_null(m = cl_request("Bilag med et nummer"));
  assert_int_equal(rp_msg_attach_buffer(m, clean, 10, "a.txt", "text/plain", "andet"), 0);
  assert_int_equal(rp_msg_attach_buffer(m, bad, sizeof bad, "b.txt", "text/plain", "andet"),
                   0);
  assert_int_equal(rp_send(x->muni, m, id), RP_EHOOK);
  assert_string_equal(rp_msg_error_field(m), "attachments.1");
  assert_int_equal(rp_msg_error_offset(m), RP__CHUNK_SIZE - 4);
  assert_non_null(rp_msg_error_text(m));
  assert_null(strstr(rp_msg_error_text(m), NEEDLE));
  rp_msg_free(m);
  assert_int_equal(cl_outbox_count(x->muni), 1);
  assert_int_equal(rp_client_flush(x->muni, 10000), 0);
  /* The relayed message's chunks go just after its RELAYED; the refused one left none. */
  for (int i = 0; i < 500 && rows(x->muni, "outbox_chunk") != 0; i++)
    usleep(10000);
  assert_int_equal(rows(x->muni, "outbox_chunk"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_attachment_hook, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sizes_and_sources, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test(test_attach_arguments_named),
      cmocka_unit_test_setup_teardown(test_bad_chunk_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_receive_caps_and_progress, setup, teardown),
      cmocka_unit_test_setup_teardown(test_etrunc_uploads_again, setup, teardown),
      cmocka_unit_test_setup_teardown(test_etrunc_bounded, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
