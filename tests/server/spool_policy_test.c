/* SPDX-License-Identifier: MIT */
/*
 * The spool's policies beyond storing and fetching, against real SQLite files and a real
 * libuv loop: a refusal deletes the envelope and stores its sender's notice in one
 * transaction; each sender has a share of each recipient's quota, kept across a
 * reopen; the roster floor only ever rises and survives a reopen.
 */
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

typedef struct {
  uv_loop_t loop;
  char dir[4096];
  char path[4200];
  rp__spool_options opts;
  rp__spool *sp;
  rp__spool_req req;
  uint8_t body[4096];
  int done;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir("spool-policy"));
  snprintf(f->path, sizeof f->path, "%s/spool.sqlite", f->dir);
  f->opts.path = f->path;
  f->opts.recipient_bytes_max = 1u << 20;
  f->opts.total_bytes_max = 1u << 30;
  f->opts.envelope_max = 4096;
  f->opts.batch_max = 1024;
  f->opts.batch_bytes_max = 64u << 20;
  *state = f;
  return 0;
}

static void open_spool(fixture *f) {
  char err[256];
  f->opts.data = f;
  if (rp__spool_open(&f->loop, &f->opts, &f->sp, err, sizeof err) != 0)
    fail_msg("open: %s", err);
}

static void close_spool(fixture *f) {
  rp__spool_close(f->sp, NULL);
  assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
  f->sp = NULL;
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
  (*(int *)req->data)++;
}

/* Runs the request started by `started` (its return value) to completion. */
static int wait_req(fixture *f, int started) {
  assert_int_equal(started, 0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(f->done, 1);
  return f->req.result;
}

static rp__spool_req *fresh(fixture *f) {
  rp__spool_req_cleanup(&f->req);
  memset(&f->req, 0, sizeof f->req);
  f->done = 0;
  f->req.data = &f->done;
  return &f->req;
}

static void msg_id(uint8_t out[RP_MSG_ID_BYTES], unsigned n) {
  memset(out, 0x5A, RP_MSG_ID_BYTES);
  memcpy(out, &n, sizeof n);
}

static int put(fixture *f, unsigned id, const char *from, const char *to, size_t len) {
  rp__spool_envelope env = {.sender = from,
                            .recipient = to,
                            .created_ms = 1000,
                            .expires_ms = 1000000,
                            .urgency = 2,
                            .bytes = f->body,
                            .len = len};
  msg_id(env.msg_id, id);
  memset(f->body, (int)(id & 0xff), len);
  return wait_req(f, rp__spool_put(f->sp, fresh(f), &env, on_done));
}

/* A notice builder that records the code it was shown. */
static int notice_fn(void *arg, const rp__spool_entry *e, int64_t now_ms,
                     uint8_t notice_id[RP_MSG_ID_BYTES], uint8_t *buf, size_t *len) {
  memcpy(notice_id, e->msg_id, RP_MSG_ID_BYTES);
  notice_id[0] ^= 0xff;
  *len = (size_t)snprintf((char *)buf, RP__SPOOL_NOTICE_MAX, "refused %d at %lld by %s",
                          e->refused, (long long)now_ms, e->recipient);
  (void)arg;
  return 1;
}

static const rp__spool_notice notice = {notice_fn, NULL, "relay", 60000};

static void test_refuse(void **state) {
  fixture *f = *state;
  uint8_t mid[RP_MSG_ID_BYTES];
  uint64_t n, b;
  rp__spool_req *req;
  rp__spool_stats st;

  open_spool(f);
  assert_int_equal(put(f, 1, "k101", "team", 100), 0);
  msg_id(mid, 1);
  /* Bad arguments are refused at once. */
  assert_int_equal(rp__spool_refuse(f->sp, fresh(f), "team", mid, 0, 5, &notice, on_done),
                   RP_EINVAL);
  assert_int_equal(rp__spool_refuse(f->sp, fresh(f), "team", mid, 15, 5, NULL, on_done),
                   RP_EINVAL);
  /* Only the recipient can refuse: another member's refusal finds nothing. */
  assert_int_equal(wait_req(f, rp__spool_refuse(f->sp, fresh(f), "k102", mid, 15, 5000,
                                                &notice, on_done)),
                   RP_ENOTFOUND);
  req = fresh(f);
  assert_int_equal(
      wait_req(f, rp__spool_refuse(f->sp, req, "team", mid, 15, 5000, &notice, on_done)),
      0);
  assert_int_equal(req->nentries, 1);
  assert_string_equal(req->entries[0].sender, "k101");
  assert_string_equal(req->entries[0].recipient, "team");
  assert_int_equal(req->entries[0].size, 100);
  assert_int_equal(req->entries[0].refused, 15);
  assert_true(req->entries[0].notice_size > 0);
  rp__spool_recipient_usage(f->sp, "team", &n, &b);
  assert_int_equal(n, 0);
  rp__spool_recipient_usage(f->sp, "k101", &n, &b);
  assert_int_equal(n, 1); /* the notice, addressed to the sender */
  /* The notice is a row for the sender, from "relay", carrying the code and time. */
  req = fresh(f);
  assert_int_equal(
      wait_req(f, rp__spool_fetch(f->sp, req, "k101", 0, 10, 1u << 20, on_done)), 0);
  assert_int_equal(req->nentries, 1);
  assert_string_equal(req->entries[0].sender, "relay");
  assert_int_equal(req->entries[0].size, strlen("refused 15 at 5000 by team"));
  assert_memory_equal(req->entries[0].envelope, "refused 15 at 5000 by team",
                      req->entries[0].size);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.refused, 1);
  assert_int_equal(st.deleted, 1);
  assert_int_equal(st.envelopes, 1);
  /* Refusing the notice itself deletes it without a notice of a notice. */
  uint8_t nid[RP_MSG_ID_BYTES];
  memcpy(nid, req->entries[0].msg_id, sizeof nid);
  req = fresh(f);
  assert_int_equal(
      wait_req(f, rp__spool_refuse(f->sp, req, "k101", nid, 3, 6000, &notice, on_done)), 0);
  assert_int_equal(req->entries[0].notice_size, 0);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.envelopes, 0);
  assert_int_equal(st.bytes, 0);
  fresh(f);
}

static int delete_id(fixture *f, const char *rcpt, unsigned id) {
  uint8_t mid[RP_MSG_ID_BYTES];
  msg_id(mid, id);
  return wait_req(f, rp__spool_delete(f->sp, fresh(f), rcpt, mid, on_done));
}

static void test_sender_share(void **state) {
  fixture *f = *state;
  rp__spool_stats st;

  f->opts.recipient_bytes_max = 1000;
  f->opts.sender_bytes_max = 400;
  open_spool(f);
  assert_int_equal(put(f, 1, "k101", "team", 200), 0);
  assert_int_equal(put(f, 2, "k101", "team", 200), 0);
  assert_int_equal(put(f, 3, "k101", "team", 1), RP_EQUOTA);
  assert_int_equal(put(f, 1, "k101", "team", 200), RP_EDUPLICATE);
  /* The share is per recipient: k101 still writes to another one. */
  assert_int_equal(put(f, 4, "k101", "other", 400), 0);
  /* Other senders to the same recipient have shares of their own... */
  assert_int_equal(put(f, 5, "k102", "team", 400), 0);
  assert_int_equal(put(f, 6, "k102", "team", 1), RP_EQUOTA);
  /* ...until the recipient itself is full, which is full for everyone. */
  assert_int_equal(put(f, 7, "k103", "team", 201), RP_ESPOOLFULL);
  assert_int_equal(put(f, 8, "k103", "team", 200), 0);
  rp__spool_get_stats(f->sp, &st);
  assert_int_equal(st.rejected_quota, 2);
  assert_int_equal(st.rejected_full, 1);
  /* The shares are loaded again at open. */
  close_spool(f);
  open_spool(f);
  assert_int_equal(delete_id(f, "team", 8), 0); /* room in the recipient again */
  assert_int_equal(put(f, 9, "k101", "team", 1), RP_EQUOTA);
  /* A delivered envelope frees its sender's share. */
  assert_int_equal(delete_id(f, "team", 1), 0);
  assert_int_equal(put(f, 9, "k101", "team", 200), 0);
  assert_int_equal(put(f, 10, "k101", "team", 1), RP_EQUOTA);
  fresh(f);
}

static void test_roster_floor(void **state) {
  fixture *f = *state;
  char err[256];

  open_spool(f);
  assert_int_equal(rp__spool_roster_floor(f->sp), 0);
  assert_int_equal(rp__spool_roster_floor_set(f->sp, 5, err, sizeof err), 0);
  assert_int_equal(rp__spool_roster_floor(f->sp), 5);
  assert_int_equal(rp__spool_roster_floor_set(f->sp, 3, err, sizeof err), 0);
  assert_int_equal(rp__spool_roster_floor(f->sp), 5);
  /* Through the writer: a raise commits, a lower value leaves it. */
  assert_int_equal(wait_req(f, rp__spool_roster_floor_raise(f->sp, fresh(f), 7, on_done)),
                   0);
  assert_int_equal(rp__spool_roster_floor(f->sp), 7);
  assert_int_equal(wait_req(f, rp__spool_roster_floor_raise(f->sp, fresh(f), 6, on_done)),
                   0);
  assert_int_equal(rp__spool_roster_floor(f->sp), 7);
  assert_int_equal(rp__spool_roster_floor_raise(f->sp, fresh(f), 0, on_done), RP_EINVAL);
  close_spool(f);
  open_spool(f);
  assert_int_equal(rp__spool_roster_floor(f->sp), 7);
  fresh(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sender_share, setup, teardown),
      cmocka_unit_test_setup_teardown(test_roster_floor, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
