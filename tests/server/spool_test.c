/* SPDX-License-Identifier: MIT */
/* The spool against real SQLite files and a real libuv loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "spool.h"
#include "testutil.h"

#define NREQ 400

typedef struct {
  uv_loop_t loop;
  char dir[4096];
  char path[4200];
  rp__spool_options opts;
  rp__spool *sp;
  rp__spool_req req[NREQ];
  uint8_t body[NREQ][2048];
  int done[NREQ];
  int closed;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir("spool"));
  snprintf(f->path, sizeof f->path, "%s/spool.sqlite", f->dir);
  f->opts.path = f->path;
  f->opts.recipient_bytes_max = 1u << 30;
  f->opts.total_bytes_max = 1u << 30;
  f->opts.envelope_max = 2048;
  f->opts.batch_max = 1024;
  f->opts.batch_bytes_max = 64u << 20;
  *state = f;
  return 0;
}

static void on_close(rp__spool *sp) {
  fixture *f = rp__spool_get_data(sp);
  f->closed++;
}

static void close_spool(fixture *f) {
  f->closed = 0;
  rp__spool_close(f->sp, on_close);
  assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(f->closed, 1);
  f->sp = NULL;
}

static void open_spool(fixture *f) {
  char err[256];
  f->opts.data = f;
  int r = rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err);
  if (r != 0) fail_msg("open: %s", err);
}

static int teardown(void **state) {
  fixture *f = *state;
  if (f->sp != NULL) close_spool(f);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  tu_rmtree(f->dir);
  free(f);
  return 0;
}

static void on_done(rp__spool_req *req) {
  int *done = req->data;
  (*done)++;
}

static void msg_id(uint8_t out[RP_MSG_ID_BYTES], unsigned n) {
  memset(out, 0xA5, RP_MSG_ID_BYTES);
  memcpy(out, &n, sizeof n);
}

/* Start put i: msg_id from `id`, `len` bytes of body i filled with a pattern. */
static int put_start(fixture *f, int i, unsigned id, const char *rcpt, size_t len,
                     int64_t expires) {
  rp__spool_envelope env = {.sender = "kommune-101",
                            .recipient = rcpt,
                            .created_ms = 1000,
                            .expires_ms = expires,
                            .urgency = 2,
                            .bytes = f->body[i],
                            .len = len};
  msg_id(env.msg_id, id);
  memset(f->body[i], (int)(id & 0xff), len);
  f->done[i] = 0;
  f->req[i].data = &f->done[i];
  return rp__spool_put(f->sp, &f->req[i], &env, on_done);
}

static int put_wait(fixture *f, unsigned id, const char *rcpt, size_t len) {
  assert_int_equal(put_start(f, 0, id, rcpt, len, 1000000), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[0], 1);
  return f->req[0].result;
}

/* Fetch into req[NREQ-1]; the caller cleans it up. */
static rp__spool_req *fetch_wait(fixture *f, const char *rcpt, int64_t after, size_t count,
                                 size_t bytes) {
  rp__spool_req *req = &f->req[NREQ - 1];
  f->done[NREQ - 1] = 0;
  req->data = &f->done[NREQ - 1];
  assert_int_equal(rp__spool_fetch(f->sp, req, rcpt, after, count, bytes, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[NREQ - 1], 1);
  assert_int_equal(req->result, 0);
  return req;
}

static int delete_wait(fixture *f, const char *rcpt, unsigned id) {
  uint8_t mid[RP_MSG_ID_BYTES];
  msg_id(mid, id);
  f->done[1] = 0;
  f->req[1].data = &f->done[1];
  assert_int_equal(rp__spool_delete(f->sp, &f->req[1], rcpt, mid, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[1], 1);
  return f->req[1].result;
}

/* Chunk put i of message `id` (index, count) of `len` bytes; waits; the result. */
static int chunk_wait(fixture *f, unsigned id, const char *sender, uint64_t index,
                      uint64_t count, size_t len, uint64_t message_max) {
  rp__spool_chunk ch = {.sender = sender,
                        .recipient = "team",
                        .index = index,
                        .count = count,
                        .expires_ms = 1000000,
                        .bytes = f->body[2],
                        .len = len,
                        .message_max = message_max};
  msg_id(ch.msg_id, id);
  memset(f->body[2], (int)(index & 0xff), len);
  f->done[2] = 0;
  f->req[2].data = &f->done[2];
  assert_int_equal(rp__spool_put_chunk(f->sp, &f->req[2], &ch, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[2], 1);
  return f->req[2].result;
}

/* An envelope put with header chunks = n; the result. */
static int put_chunked(fixture *f, unsigned id, uint64_t n) {
  rp__spool_envelope env = {.sender = "kommune-101",
                            .recipient = "team",
                            .created_ms = 1000,
                            .expires_ms = 2000000,
                            .urgency = 2,
                            .bytes = f->body[0],
                            .len = 100,
                            .chunks = n};
  msg_id(env.msg_id, id);
  f->done[0] = 0;
  f->req[0].data = &f->done[0];
  assert_int_equal(rp__spool_put(f->sp, &f->req[0], &env, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[0], 1);
  return f->req[0].result;
}

/* Chunk get of message id from `from`, count chunks; the caller cleans req[3] up. */
static rp__spool_req *chunk_get_wait(fixture *f, unsigned id, uint64_t from, uint64_t count,
                                     int64_t now) {
  uint8_t mid[RP_MSG_ID_BYTES];
  msg_id(mid, id);
  f->done[3] = 0;
  f->req[3].data = &f->done[3];
  assert_int_equal(rp__spool_chunk_get(f->sp, &f->req[3], "team", mid, from, count,
                                       1u << 20, now, on_done),
                   0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done[3], 1);
  return &f->req[3];
}

/* Attachment chunks: stored once, checked for agreement and the message's cap, the
 * SEND's completeness, read back in order, counted in the totals (across a reopen), and
 * deleted with their envelope. */
static void test_chunks(void **state) {
  fixture *f = *state;
  rp__spool_stats st;
  rp__spool_req *g;
  uint64_t n, b;
  open_spool(f);
  assert_int_equal(chunk_wait(f, 7, "kommune-101", 0, 2, 1040, 4096), 0);
  assert_int_equal(chunk_wait(f, 7, "kommune-101", 0, 2, 1040, 4096), RP_EDUPLICATE);
  assert_int_equal(chunk_wait(f, 7, "kommune-101", 1, 3, 1040, 4096), RP_EINVAL);
  assert_int_equal(chunk_wait(f, 7, "kommune-102", 1, 2, 1040, 4096), RP_EINVAL);
  assert_int_equal(chunk_wait(f, 7, "kommune-101", 1, 2, 1040, 2000), RP_ETOOBIG);
  assert_int_equal(put_chunked(f, 7, 2), RP_ETRUNC);
  assert_int_equal(chunk_wait(f, 7, "kommune-101", 1, 2, 2064, 4096), 0);
  assert_int_equal(put_chunked(f, 7, 3), RP_ETRUNC);
  /* Not deliverable before its envelope is stored. */
  g = chunk_get_wait(f, 7, 0, 16, 1000);
  assert_int_equal(g->result, RP_ENOTFOUND);
  rp__spool_req_cleanup(g);
  assert_int_equal(put_chunked(f, 7, 2), 0);
  assert_int_equal(put_chunked(f, 7, 2), RP_EDUPLICATE);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 2);
  assert_int_equal(st.chunk_bytes, 1040 + 2064);
  assert_int_equal(st.bytes, 100 + 1040 + 2064);
  rp__spool_recipient_usage(f->sp, "team", &n, &b);
  assert_int_equal(n, 1);
  assert_int_equal(b, 100 + 1040 + 2064);
  /* The totals come back from the file. */
  close_spool(f);
  open_spool(f);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 2);
  assert_int_equal(st.bytes, 100 + 1040 + 2064);
  g = chunk_get_wait(f, 7, 0, 16, 1000);
  assert_int_equal(g->result, 0);
  assert_int_equal(g->nentries, 2);
  assert_int_equal(g->more, 0);
  assert_int_equal(g->entries[0].seq, 0);
  assert_int_equal(g->entries[0].size, 1040);
  assert_int_equal(g->entries[1].seq, 1);
  assert_int_equal(g->entries[1].size, 2064);
  assert_int_equal(g->entries[1].envelope[0], 1);
  rp__spool_req_cleanup(g);
  g = chunk_get_wait(f, 7, 1, 1, 1000);
  assert_int_equal(g->nentries, 1);
  assert_int_equal(g->entries[0].seq, 1);
  rp__spool_req_cleanup(g);
  g = chunk_get_wait(f, 7, 2, 1, 1000);
  assert_int_equal(g->result, RP_ENOTFOUND);
  rp__spool_req_cleanup(g);
  g = chunk_get_wait(f, 7, 0, 1, 2000000);
  assert_int_equal(g->result, RP_EEXPIRED);
  rp__spool_req_cleanup(g);
  /* The envelope's delete takes its chunks. */
  assert_int_equal(delete_wait(f, "team", 7), 0);
  assert_int_equal(f->req[1].chunks, 2);
  assert_int_equal(f->req[1].chunk_bytes, 1040 + 2064);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.chunks, 0);
  assert_int_equal(st.chunk_bytes, 0);
  assert_int_equal(st.bytes, 0);
  assert_int_equal(st.chunks_deleted, 2);
  g = chunk_get_wait(f, 7, 0, 1, 1000);
  assert_int_equal(g->result, RP_ENOTFOUND);
  rp__spool_req_cleanup(g);
}

static void test_put_fetch_delete(void **state) {
  fixture *f = *state;
  uint64_t n, b;
  open_spool(f);
  assert_int_equal(put_wait(f, 1, "team", 100), 0);
  int64_t seq1 = f->req[0].seq;
  assert_true(seq1 > 0);
  assert_int_equal(put_wait(f, 2, "team", 200), 0);
  assert_int_equal(put_wait(f, 3, "team", 300), 0);
  rp__spool_recipient_usage(f->sp, "team", &n, &b);
  assert_int_equal(n, 3);
  assert_int_equal(b, 600);

  rp__spool_req *req = fetch_wait(f, "team", 0, 10, 1u << 20);
  assert_int_equal(req->nentries, 3);
  assert_int_equal(req->more, 0);
  for (unsigned i = 0; i < 3; i++) {
    rp__spool_entry *e = &req->entries[i];
    uint8_t mid[RP_MSG_ID_BYTES], want[300];
    msg_id(mid, i + 1);
    assert_memory_equal(e->msg_id, mid, RP_MSG_ID_BYTES);
    assert_string_equal(e->sender, "kommune-101");
    assert_string_equal(e->recipient, "team");
    assert_int_equal(e->size, 100 * (i + 1));
    assert_int_equal(e->created_ms, 1000);
    assert_int_equal(e->expires_ms, 1000000);
    assert_int_equal(e->urgency, 2);
    memset(want, (int)(i + 1), sizeof want);
    assert_memory_equal(e->envelope, want, e->size);
    if (i == 0) assert_int_equal(e->seq, seq1);
  }
  /* Taking ownership of one envelope: cleanup must not free it. */
  uint8_t *taken = req->entries[0].envelope;
  req->entries[0].envelope = NULL;
  rp__spool_req_cleanup(req);
  free(taken);

  assert_int_equal(delete_wait(f, "team", 2), 0);
  assert_int_equal(delete_wait(f, "team", 2), RP_ENOTFOUND);
  assert_int_equal(delete_wait(f, "other", 1), RP_ENOTFOUND); /* not its recipient */
  req = fetch_wait(f, "team", 0, 10, 1u << 20);
  assert_int_equal(req->nentries, 2);
  assert_int_equal(req->entries[1].size, 300);
  rp__spool_req_cleanup(req);
  rp__spool_recipient_usage(f->sp, "team", &n, &b);
  assert_int_equal(n, 2);
  assert_int_equal(b, 400);

  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.stored, 3);
  assert_int_equal(st.deleted, 1);
  assert_int_equal(st.envelopes, 2);
  assert_int_equal(st.bytes, 400);
  assert_int_equal(st.reserved_bytes, 0);
}

static void test_bad_args(void **state) {
  fixture *f = *state;
  open_spool(f);
  assert_int_equal(put_start(f, 0, 1, "team", 2049, 0), RP_ETOOBIG);
  assert_int_equal(put_start(f, 0, 1, "", 10, 0), RP_EINVAL);
  assert_int_equal(put_start(f, 0, 1, "team", 0, 0), RP_EINVAL);
  char longid[RP_MEMBER_ID_MAX + 2];
  memset(longid, 'x', sizeof longid - 1);
  longid[sizeof longid - 1] = '\0';
  assert_int_equal(put_start(f, 0, 1, longid, 10, 0), RP_EINVAL);
  assert_int_equal(rp__spool_fetch(f->sp, &f->req[1], "team", 0, 0, 10, on_done),
                   RP_EINVAL);
  assert_int_equal(
      rp__spool_fetch(f->sp, &f->req[1], "team", 0, RP__SPOOL_FETCH_MAX + 1, 10, on_done),
      RP_EINVAL);
  assert_int_equal(rp__spool_expire(f->sp, &f->req[1], 0, 0, on_done), RP_EINVAL);
}

static void test_duplicate(void **state) {
  fixture *f = *state;
  rp__spool_stats st;
  open_spool(f);
  assert_int_equal(put_wait(f, 7, "team", 100), 0);
  assert_int_equal(put_wait(f, 7, "team", 100), RP_EDUPLICATE);
  /* Two puts of one id in the same transaction: one row, one duplicate. */
  assert_int_equal(put_start(f, 0, 8, "team", 50, 1000000), 0);
  assert_int_equal(put_start(f, 1, 8, "team", 50, 1000000), 0);
  assert_int_equal(put_start(f, 2, 8, "team", 50, 1000000), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[0].result, 0);
  assert_int_equal(f->req[1].result, RP_EDUPLICATE);
  assert_int_equal(f->req[2].result, RP_EDUPLICATE);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 2);
  assert_int_equal(st.bytes, 150);
  assert_int_equal(st.duplicates, 3);
  assert_int_equal(st.reserved_bytes, 0);
  rp__spool_req *req = fetch_wait(f, "team", 0, 10, 1u << 20);
  assert_int_equal(req->nentries, 2);
  rp__spool_req_cleanup(req);
}

static void test_group_commit(void **state) {
  fixture *f = *state;
  rp__spool_stats st;
  open_spool(f);
  /* 200 puts issued in one loop iteration: the first starts a transaction at once, the
   * other 199 queue behind it and share the next one. */
  for (int i = 0; i < 200; i++)
    assert_int_equal(put_start(f, i, 1000 + i, "team", 64, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 200; i++) {
    assert_int_equal(f->done[i], 1);
    assert_int_equal(f->req[i].result, 0);
    if (i > 0) assert_true(f->req[i].seq > f->req[i - 1].seq);
  }
  rp__spool_get_stats(f->sp, &st);
  print_message("200 puts -> %llu transactions, largest %llu\n",
                (unsigned long long)st.transactions, (unsigned long long)st.batch_largest);
  assert_true(st.transactions < 200);
  assert_int_equal(st.transactions, 2);
  assert_int_equal(st.batch_largest, 199);
  assert_int_equal(st.batched, 200);
  assert_int_equal(st.envelopes, 200);
}

static void test_batch_caps(void **state) {
  fixture *f = *state;
  rp__spool_stats st;
  f->opts.batch_max = 16;
  open_spool(f);
  for (int i = 0; i < 200; i++)
    assert_int_equal(put_start(f, i, 1000 + i, "team", 64, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.batch_largest, 16);
  assert_int_equal(st.transactions, 1 + (199 + 15) / 16);
  close_spool(f);

  /* A byte cap of 4000 fits four 1000-byte envelopes per transaction. */
  f->opts.batch_max = 1024;
  f->opts.batch_bytes_max = 4000;
  open_spool(f);
  for (int i = 0; i < 31; i++)
    assert_int_equal(put_start(f, i, 5000 + i, "team", 1000, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.batch_largest, 4);
  assert_int_equal(st.transactions, 1 + (30 + 3) / 4);
}

static void test_order_per_recipient(void **state) {
  fixture *f = *state;
  open_spool(f);
  for (int i = 0; i < 60; i++)
    assert_int_equal(put_start(f, i, 100 + i, i % 3 == 0 ? "alice" : "bob", 10 + i, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);

  /* Page through bob's 40 envelopes 7 at a time: arrival order, no gaps, no repeats. */
  int64_t after = 0;
  unsigned seen = 0;
  for (;;) {
    rp__spool_req *req = fetch_wait(f, "bob", after, 7, 1u << 20);
    for (size_t k = 0; k < req->nentries; k++) {
      while (seen % 3 == 0)
        seen++; /* skip alice's */
      uint8_t mid[RP_MSG_ID_BYTES];
      msg_id(mid, 100 + seen);
      assert_memory_equal(req->entries[k].msg_id, mid, RP_MSG_ID_BYTES);
      assert_true(req->entries[k].seq > after);
      after = req->entries[k].seq;
      seen++;
    }
    int more = req->more;
    size_t n = req->nentries;
    rp__spool_req_cleanup(req);
    if (!more) {
      assert_true(n <= 7);
      break;
    }
    assert_int_equal(n, 7);
  }
  assert_int_equal(seen, 60); /* bob's last envelope was put number 59 */

  /* A byte budget smaller than one envelope still returns that one. */
  rp__spool_req *req = fetch_wait(f, "alice", 0, 10, 1);
  assert_int_equal(req->nentries, 1);
  assert_int_equal(req->more, 1);
  rp__spool_req_cleanup(req);
  /* 10 + 13 + 16 = 39 bytes: a budget of 40 takes three of alice's. */
  req = fetch_wait(f, "alice", 0, 10, 40);
  assert_int_equal(req->nentries, 3);
  assert_int_equal(req->more, 1);
  rp__spool_req_cleanup(req);
  req = fetch_wait(f, "nobody", 0, 10, 40);
  assert_int_equal(req->nentries, 0);
  assert_int_equal(req->more, 0);
  rp__spool_req_cleanup(req);
}

static void test_recipient_limit(void **state) {
  fixture *f = *state;
  uint64_t n, b;
  f->opts.recipient_bytes_max = 3000;
  open_spool(f);
  assert_int_equal(put_wait(f, 1, "team", 1000), 0);
  assert_int_equal(put_wait(f, 2, "team", 1000), 0);
  assert_int_equal(put_wait(f, 3, "team", 1001), RP_ESPOOLFULL);
  rp__spool_recipient_usage(f->sp, "team", &n, &b);
  assert_int_equal(n, 2);
  assert_int_equal(b, 2000);
  rp__spool_req *req = fetch_wait(f, "team", 0, 10, 1u << 20);
  assert_int_equal(req->nentries, 2);
  rp__spool_req_cleanup(req);
  /* Another recipient is not affected; the full one takes exactly up to its limit. */
  assert_int_equal(put_wait(f, 4, "other", 1001), 0);
  assert_int_equal(put_wait(f, 5, "team", 1000), 0);
  /* Full, but a resend of a stored envelope is still acked as a duplicate. */
  assert_int_equal(put_wait(f, 1, "team", 1000), RP_EDUPLICATE);
  assert_int_equal(put_wait(f, 6, "team", 1), RP_ESPOOLFULL);

  /* Puts in flight count: three 1000-byte puts at once into an empty recipient that
   * takes 3000 all fit, the fourth does not. */
  for (int i = 0; i < 4; i++) {
    assert_int_equal(put_start(f, i, 10 + i, "third", 1000, 1), 0);
    assert_int_equal(rp__spool_put_within_limits(&f->req[i]), i < 3);
  }
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->req[0].result, 0);
  assert_int_equal(f->req[2].result, 0);
  assert_int_equal(f->req[3].result, RP_ESPOOLFULL);
  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.rejected_full, 3);
  assert_int_equal(st.reserved_bytes, 0);
  assert_int_equal(st.bytes, 3000 + 1001 + 3000);

  /* Deleting frees room. */
  assert_int_equal(delete_wait(f, "team", 2), 0);
  assert_int_equal(put_wait(f, 6, "team", 1000), 0);
}

static void test_total_limit(void **state) {
  fixture *f = *state;
  f->opts.total_bytes_max = 3000;
  open_spool(f);
  assert_int_equal(put_wait(f, 1, "a", 1000), 0);
  assert_int_equal(put_wait(f, 2, "b", 1000), 0);
  assert_int_equal(put_wait(f, 3, "c", 1001), RP_ESPOOLFULL);
  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 2);
  assert_int_equal(st.bytes, 2000);
  rp__spool_req *req = fetch_wait(f, "c", 0, 10, 1u << 20);
  assert_int_equal(req->nentries, 0);
  rp__spool_req_cleanup(req);
  assert_int_equal(put_wait(f, 4, "c", 1000), 0);
  assert_int_equal(put_wait(f, 5, "d", 1), RP_ESPOOLFULL);
}

static void test_expiry(void **state) {
  fixture *f = *state;
  uint64_t n, b;
  open_spool(f);
  /* Expiry times 400, 100, 300, 200 for ids 1..4, to two recipients. */
  static const int64_t exp[] = {400, 100, 300, 200};
  for (int i = 0; i < 4; i++)
    assert_int_equal(put_start(f, i, (unsigned)i + 1, i % 2 ? "b" : "a", 10, exp[i]), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);

  rp__spool_req *req = &f->req[10];
  f->done[10] = 0;
  req->data = &f->done[10];
  assert_int_equal(rp__spool_expire(f->sp, req, 250, 10, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(req->result, 0);
  assert_int_equal(req->nentries, 2);
  assert_int_equal(req->more, 0);
  uint8_t mid[RP_MSG_ID_BYTES];
  msg_id(mid, 2); /* expires 100: first */
  assert_memory_equal(req->entries[0].msg_id, mid, RP_MSG_ID_BYTES);
  assert_string_equal(req->entries[0].recipient, "b");
  assert_string_equal(req->entries[0].sender, "kommune-101");
  assert_null(req->entries[0].envelope);
  msg_id(mid, 4); /* expires 200 */
  assert_memory_equal(req->entries[1].msg_id, mid, RP_MSG_ID_BYTES);
  rp__spool_req_cleanup(req);
  rp__spool_recipient_usage(f->sp, "b", &n, &b);
  assert_int_equal(n, 0);
  assert_int_equal(b, 0);
  rp__spool_recipient_usage(f->sp, "a", &n, &b);
  assert_int_equal(n, 2);

  /* Nothing more at 250; at 1000 two remain but max_rows 1 takes one and says more. */
  assert_int_equal(rp__spool_expire(f->sp, req, 250, 10, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(req->nentries, 0);
  rp__spool_req_cleanup(req);
  assert_int_equal(rp__spool_expire(f->sp, req, 1000, 1, on_done), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(req->nentries, 1);
  assert_int_equal(req->more, 1);
  assert_int_equal(req->entries[0].expires_ms, 300);
  rp__spool_req_cleanup(req);
  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.expired, 3);
  assert_int_equal(st.envelopes, 1);
  assert_int_equal(st.bytes, 10);
}

static int count_rcpt(void *arg, const char *id, uint64_t envelopes, uint64_t bytes) {
  (void)id;
  (void)bytes;
  *(uint64_t *)arg += envelopes;
  return 0;
}

static void test_reopen(void **state) {
  fixture *f = *state;
  uint64_t n, b, total = 0;
  open_spool(f);
  for (int i = 0; i < 50; i++)
    assert_int_equal(put_start(f, i, 300 + i, i % 2 ? "east" : "west", 100 + i, 1), 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  int64_t last_seq = f->req[49].seq;
  assert_int_equal(delete_wait(f, "east", 349), 0); /* the newest row */
  close_spool(f);

  open_spool(f);
  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 49);
  rp__spool_recipient_usage(f->sp, "west", &n, &b);
  assert_int_equal(n, 25);
  assert_int_equal(b, 25 * 100 + 2 * (0 + 24) * 25 / 2);
  assert_int_equal(rp__spool_foreach_recipient(f->sp, count_rcpt, &total), 0);
  assert_int_equal(total, 49);
  rp__spool_req *req = fetch_wait(f, "east", 0, 100, 1u << 20);
  assert_int_equal(req->nentries, 24);
  assert_int_equal(req->entries[23].size, 100 + 47);
  uint8_t want[200];
  memset(want, 300 + 47, sizeof want);
  assert_memory_equal(req->entries[23].envelope, want, 147);
  rp__spool_req_cleanup(req);
  /* A seq is never reused, even that of the deleted newest row. */
  assert_int_equal(put_wait(f, 999, "east", 10), 0);
  assert_true(f->req[0].seq > last_seq);
  assert_int_equal(put_wait(f, 300, "west", 100), RP_EDUPLICATE);
}

static void test_close_drains(void **state) {
  fixture *f = *state;
  open_spool(f);
  for (int i = 0; i < 50; i++)
    assert_int_equal(put_start(f, i, 700 + i, "team", 32, 1), 0);
  /* Close at once: every accepted put still completes, then the spool closes. */
  f->closed = 0;
  rp__spool_close(f->sp, on_close);
  assert_int_equal(put_start(f, 60, 1, "team", 32, 1), RP_ECLOSED);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->closed, 1);
  for (int i = 0; i < 50; i++) {
    assert_int_equal(f->done[i], 1);
    assert_int_equal(f->req[i].result, 0);
  }
  f->sp = NULL;
  open_spool(f);
  rp__spool_stats st;
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_put_fetch_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_order_per_recipient, setup, teardown),
      cmocka_unit_test_setup_teardown(test_recipient_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_total_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_drains, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
