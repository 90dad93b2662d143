/* SPDX-License-Identifier: MIT */
/* Operator counters and their "name value" text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "stats.h"
#include "testutil.h"

static void on_put(rp__spool_req *req) {
  assert_int_equal(req->result, 0);
}

static void on_close(rp__spool *sp) {
  (void)sp;
}

static void test_render(void **state) {
  rp__stats st;
  char buf[8192];
  size_t len = 0;
  (void)state;
  rp__stats_init(&st);
  st.conns_current = 3;
  st.conns_total = 40;
  rp__stats_reject(&st, RP_ESPOOLFULL);
  rp__stats_reject(&st, RP_ESPOOLFULL);
  rp__stats_reject(&st, RP_ECPR); /* not one the relay uses: shown once nonzero */
  rp__stats_reject(&st, -1000);   /* unknown: counted as other */
  assert_int_equal(rp__stats_rejected(&st, RP_ESPOOLFULL), 2);

  /* A real spool, so that the spool lines and the per-recipient escaping are covered. */
  uv_loop_t loop;
  char dir[4096], path[4200];
  rp__spool *sp = NULL;
  assert_int_equal(uv_loop_init(&loop), 0);
  snprintf(dir, sizeof dir, "%s", tu_tmpdir("stats"));
  snprintf(path, sizeof path, "%s/s.sqlite", dir);
  rp__spool_options o = {.path = path,
                         .recipient_bytes_max = 1 << 20,
                         .total_bytes_max = 1 << 20,
                         .envelope_max = 100,
                         .batch_max = 8,
                         .batch_bytes_max = 1 << 20};
  assert_int_equal(rp__spool_open(&loop, &o, &sp, NULL, 0), 0);
  static const uint8_t body[10] = {0};
  rp__spool_envelope env = {.msg_id = {1},
                            .sender = "s",
                            .recipient = "team \xc3\xb8st",
                            .bytes = body,
                            .len = sizeof body};
  rp__spool_req req;
  assert_int_equal(rp__spool_put(sp, &req, &env, on_put), 0);
  uv_run(&loop, UV_RUN_DEFAULT);

  assert_int_equal(rp__stats_render(&st, sp, buf, sizeof buf, &len), 0);
  assert_int_equal(len, strlen(buf));
  assert_non_null(strstr(buf, "connections.current 3\n"));
  assert_non_null(strstr(buf, "connections.total 40\n"));
  assert_non_null(strstr(buf, "rejected.espoolfull 2\n"));
  assert_non_null(strstr(buf, "rejected.efsync 0\n"));
  assert_non_null(strstr(buf, "rejected.ecpr 1\n"));
  assert_non_null(strstr(buf, "rejected.other 1\n"));
  assert_null(strstr(buf, "rejected.ehook"));
  assert_non_null(strstr(buf, "spool.envelopes 1\n"));
  assert_non_null(strstr(buf, "spool.bytes 10\n"));
  assert_non_null(strstr(buf, "spool.recipient_bytes.team%20%C3%B8st 10\n"));
  /* Every line is exactly "name value". */
  for (char *l = buf; *l != '\0'; l = strchr(l, '\n') + 1) {
    char *sp1 = strchr(l, ' ');
    assert_non_null(sp1);
    assert_true(sp1 < strchr(l, '\n'));
    assert_null(memchr(sp1 + 1, ' ', (size_t)(strchr(l, '\n') - sp1 - 1)));
  }

  /* Too small a buffer: an error, and the text is cut at a line's end. */
  assert_int_equal(rp__stats_render(&st, sp, buf, 100, &len), RP_ETOOBIG);
  assert_true(strlen(buf) < 100);
  assert_int_equal(buf[strlen(buf) - 1], '\n');
  assert_int_equal(rp__stats_render(&st, NULL, buf, 0, NULL), RP_ETOOBIG);

  rp__spool_close(sp, on_close);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  tu_rmtree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
