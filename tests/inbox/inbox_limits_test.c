/* SPDX-License-Identifier: MIT */
/*
 * Every cap of inbox/ibx_caps.h, exactly at the cap and one past it: listing length,
 * messages per thread, response size, advisors in the configuration, the audit log's
 * line and user name. Real SQLite files and real files in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope_hdr.h"
#include "ibx_areq.h"
#include "ibx_audit.h"
#include "ibx_config.h"
#include "buf.h"
#include "ibx_store.h"
#include "testutil.h"

static int count_fn(void *data, const rp__ibx_thread *t) {
  (void)t;
  (*(unsigned *)data)++;
  return 0;
}

static int count_msg(void *data, const rp__ibx_msg *m) {
  (void)m;
  (*(unsigned *)data)++;
  return 0;
}

static rp__ibx_store *open_store(const char *tag) {
  /* The store borrows the key for its lifetime. */
  static uint8_t key[32];
  char path[600];
  rp__ibx_store *st = NULL;
  randombytes_buf(key, sizeof key);
  snprintf(path, sizeof path, "%s/inbox.db", tu_tmpdir(tag));
  assert_int_equal(rp__ibx_store_open(path, key, &st), 0);
  return st;
}

/* Adds message number i; a new thread unless thread is given. */
static void add(rp__ibx_store *st, unsigned i, const char *thread) {
  rp__ibx_msg m = {0};
  rp__ibx_thread t = {.state = RP_IBX_ST_NEW, .urgency = RP__URG_NORMAL, .kind = 1};
  int ins = 0;
  snprintf(m.msg_id, sizeof m.msg_id, "%032x", i + 1);
  snprintf(m.thread_id, sizeof m.thread_id, "%s", thread != NULL ? thread : m.msg_id);
  snprintf(m.peer, sizeof m.peer, "kommune-101");
  m.dir = RP_IBX_IN;
  m.kind = 1;
  m.body = "{}";
  m.body_len = 2;
  snprintf(t.thread_id, sizeof t.thread_id, "%s", m.thread_id);
  snprintf(t.first_msg, sizeof t.first_msg, "%s", m.thread_id);
  t.deadline = t.arrived = 1000 + i;
  assert_int_equal(rp__ibx_store_add(st, &m, &t, &ins), 0);
  assert_int_equal(ins, 1);
}

static void test_list_max(void **state) {
  rp__ibx_store *st = open_store("ibx-listmax");
  rp__ibx_filter f = {0};
  unsigned n = 0;
  (void)state;
  for (unsigned i = 0; i < RP_IBX_LIST_MAX; i++)
    add(st, i, NULL);
  assert_int_equal(rp__ibx_store_list(st, &f, count_fn, &n), 0);
  assert_int_equal(n, RP_IBX_LIST_MAX);
  add(st, RP_IBX_LIST_MAX, NULL);
  n = 0;
  assert_int_equal(rp__ibx_store_list(st, &f, count_fn, &n), RP_ETOOBIG);
  assert_int_equal(n, RP_IBX_LIST_MAX); /* the first ones still came */
  rp__ibx_store_close(st);
}

static void test_thread_msgs_max(void **state) {
  rp__ibx_store *st = open_store("ibx-msgsmax");
  const char *th = "00000000000000000000000000000001";
  unsigned n = 0;
  (void)state;
  for (unsigned i = 0; i < RP_IBX_THREAD_MSGS_MAX; i++)
    add(st, i, th);
  assert_int_equal(rp__ibx_store_messages(st, th, count_msg, &n), 0);
  assert_int_equal(n, RP_IBX_THREAD_MSGS_MAX);
  add(st, RP_IBX_THREAD_MSGS_MAX, th);
  n = 0;
  assert_int_equal(rp__ibx_store_messages(st, th, count_msg, &n), RP_ETOOBIG);
  assert_int_equal(n, RP_IBX_THREAD_MSGS_MAX);
  rp__ibx_store_close(st);
}

/* Encodes a response whose text has n bytes; returns the encoded length. */
static size_t resp_of(size_t n, uint8_t **out) {
  rp__ibx_resp rs;
  char *text = malloc(n);
  size_t len = 0;
  assert_non_null(text);
  memset(text, 'x', n);
  memset(&rs, 0, sizeof rs);
  rs.version = RP_SCHEMA_VERSION;
  rs.text = (rp__str){text, (uint32_t)n};
  assert_int_equal(rp__ibx_resp_encode(&rs, out, &len), 0);
  free(text);
  return len;
}

static void test_resp_max(void **state) {
  uint8_t *b = NULL, hdr[4];
  rp__ibx_resp rs;
  uint32_t flen = 0;
  (void)state;
  /* The map's bytes around a text as long as the cap's (str 32 header). */
  size_t over = resp_of(1u << 20, &b) - (1u << 20);
  free(b);
  size_t n = RP_IBX_RESP_MAX - over;
  assert_int_equal(resp_of(n, &b), RP_IBX_RESP_MAX);
  assert_int_equal(rp__ibx_resp_decode(b, RP_IBX_RESP_MAX, &rs), 0);
  assert_int_equal(rs.text.n, n);
  free(b);
  assert_int_equal(resp_of(n + 1, &b), RP_IBX_RESP_MAX + 1);
  assert_int_equal(rp__ibx_resp_decode(b, RP_IBX_RESP_MAX + 1, &rs), RP_ETOOBIG);
  free(b);
  /* The length prefix the advisor command reads. */
  uint32_t v = RP_IBX_RESP_MAX;
  hdr[0] = (uint8_t)(v >> 24);
  hdr[1] = (uint8_t)(v >> 16);
  hdr[2] = (uint8_t)(v >> 8);
  hdr[3] = (uint8_t)v;
  assert_int_equal(rp__ibx_frame_len(hdr, RP_IBX_RESP_MAX, &flen), 0);
  assert_int_equal(flen, RP_IBX_RESP_MAX);
  hdr[3] = (uint8_t)(v + 1);
  assert_int_equal(rp__ibx_frame_len(hdr, RP_IBX_RESP_MAX, &flen), RP_ETOOBIG);
  /* The daemon's output buffer (max counts its terminating NUL): full it holds, one
   * byte more reports overflow (the daemon then answers "the answer is too large"). */
  rp__buf buf;
  char chunk[1025];
  memset(chunk, 'y', 1024);
  chunk[1024] = 0;
  rp__buf_init(&buf, 4096);
  for (int i = 0; i < 3; i++)
    rp__buf_puts(&buf, chunk);
  chunk[1023] = 0;
  rp__buf_puts(&buf, chunk);
  assert_int_equal(buf.len, 4095);
  assert_false(buf.overflow);
  rp__buf_puts(&buf, "z");
  assert_true(buf.overflow);
  rp__buf_free(&buf);
}

/* A configuration with n advisors; returns rp__ibx_config_load's result. */
static int config_with(unsigned n, rp__ibx_config *c, char *err, size_t cap) {
  char path[700];
  const char *dir = tu_tmpdir("ibx-advisors");
  snprintf(path, sizeof path, "%s/inboxd.ini", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(
      f,
      "[client]\nstate_dir = s\nidentity = k\nrelay_key = r\nadmin_key = a\nroster = ro\n"
      "[inbox]\ndatabase = d\ndata_key = dk\naudit_log = al\n[socket]\npath = sock\n"
      "[advisors]\n");
  for (unsigned i = 0; i < n; i++)
    fprintf(f, "user%u = raadgiver:R%u\n", i, i);
  fclose(f);
  rp__ibx_config_defaults(c);
  return rp__ibx_config_load(path, c, err, cap);
}

static void test_advisors_max(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(config_with(RP_IBX_ADVISORS_MAX, &c, err, sizeof err), 0);
  assert_int_equal(c.nadvisors, RP_IBX_ADVISORS_MAX);
  assert_non_null(rp__ibx_config_advisor(&c, "user63"));
  assert_int_equal(config_with(RP_IBX_ADVISORS_MAX + 1, &c, err, sizeof err), RP_ECONFIG);
  assert_non_null(strstr(err, "more than 64 advisors"));
}

/* One audit line of exactly len bytes (newline included), chained to the empty log. */
static void write_line(const char *path, size_t len) {
  char line[1024], prev[65], who[600];
  uint8_t zero[32] = {0};
  sodium_bin2hex(prev, sizeof prev, zero, 32);
  int fixed =
      snprintf(line, sizeof line,
               "1 1000 1970-01-01T00:00:01Z who= action=claim thread=- prev=%s\n", prev);
  size_t pad = len - (size_t)fixed;
  memset(who, 'a', pad);
  who[pad] = 0;
  snprintf(line, sizeof line,
           "1 1000 1970-01-01T00:00:01Z who=%s action=claim thread=- prev=%s\n", who, prev);
  assert_int_equal(strlen(line), len);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(line, f);
  fclose(f);
}

static void test_audit_line_max(void **state) {
  char path[600], who[RP_IBX_WHO_MAX + 2];
  uint64_t lines = 0, bad = 0;
  rp__ibx_audit *a = NULL;
  (void)state;
  snprintf(path, sizeof path, "%s/audit.log", tu_tmpdir("ibx-auditmax"));
  write_line(path, RP_IBX_AUDIT_LINE_MAX);
  assert_int_equal(rp__ibx_audit_verify(path, NULL, &lines, &bad), 0);
  assert_int_equal(lines, 1);
  write_line(path, RP_IBX_AUDIT_LINE_MAX + 1);
  assert_int_equal(rp__ibx_audit_verify(path, NULL, &lines, &bad), RP_EAUTH);
  assert_int_equal(bad, 1);
  /* The user name: RP_IBX_WHO_MAX is written whole, one more is refused, not cut. */
  unlink(path);
  assert_int_equal(rp__ibx_audit_open(path, &a, NULL), 0);
  memset(who, 'w', RP_IBX_WHO_MAX);
  who[RP_IBX_WHO_MAX] = 0;
  assert_int_equal(rp__ibx_audit_append(a, 1000, who, "claim", NULL, NULL), 0);
  who[RP_IBX_WHO_MAX] = 'w';
  who[RP_IBX_WHO_MAX + 1] = 0;
  assert_int_equal(rp__ibx_audit_append(a, 1001, who, "claim", NULL, NULL), RP_ETOOBIG);
  rp__ibx_audit_close(a);
  assert_int_equal(rp__ibx_audit_verify(path, NULL, &lines, &bad), 0);
  assert_int_equal(lines, 1);
  char *log = tu_read_file(path, NULL);
  who[RP_IBX_WHO_MAX] = 0;
  assert_non_null(strstr(log, who));
  free(log);
}

/* The whole log is read into memory when it is opened or verified: one byte past
 * RP_IBX_AUDIT_FILE_MAX is refused before it is read (a sparse file, so the test is
 * cheap). */
static void test_audit_file_max(void **state) {
  char path[600];
  uint64_t lines = 0, bad = 0;
  rp__ibx_audit *a = NULL;
  (void)state;
  snprintf(path, sizeof path, "%s/audit.log", tu_tmpdir("ibx-auditfile"));
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)RP_IBX_AUDIT_FILE_MAX + 1), 0);
  close(fd);
  assert_int_equal(rp__ibx_audit_verify(path, NULL, &lines, &bad), RP_ETOOBIG);
  assert_int_equal(rp__ibx_audit_open(path, &a, NULL), RP_ETOOBIG);
  assert_null(a);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_max),       cmocka_unit_test(test_thread_msgs_max),
      cmocka_unit_test(test_resp_max),       cmocka_unit_test(test_advisors_max),
      cmocka_unit_test(test_audit_line_max), cmocka_unit_test(test_audit_file_max),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
