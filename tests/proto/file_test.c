/* SPDX-License-Identifier: MIT */
/* Whole files in and out (proto/file.h): the cap, its errors, atomic writes; and the
 * clocks (proto/clock.h), the hex reader (proto/hex.h) and the one urgency table
 * (envelope_hdr.h) they sit beside. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "envelope_hdr.h"
#include "file.h"
#include "hex.h"
#include "rejsepost_errors.h"
#include "testutil.h"

/* A file of exactly the cap is read whole and NUL-terminated; one byte more is refused. */
static void test_read_cap(void **state) {
  char path[600];
  uint8_t *got = NULL;
  size_t len = 0;
  (void)state;
  snprintf(path, sizeof path, "%s/f", tu_tmpdir("file-cap"));
  assert_int_equal(rp__file_write(path, "hello", 5, 0600, 1), 0);
  assert_int_equal(rp__file_read(path, 5, &got, &len), 0);
  assert_int_equal(len, 5);
  assert_string_equal((const char *)got, "hello");
  free(got);
  assert_int_equal(rp__file_read(path, 4, &got, &len), RP_ETOOBIG);
  assert_null(got);
  assert_int_equal(len, 0);
  /* The same through a descriptor, which reads to its end. */
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(rp__file_read_fd(fd, 4, &got, &len), RP_ETOOBIG);
  close(fd);
  /* An empty file is an empty string, not NULL. */
  assert_int_equal(rp__file_write(path, NULL, 0, 0600, 1), 0);
  assert_int_equal(rp__file_read(path, 5, &got, &len), 0);
  assert_non_null(got);
  assert_int_equal(len, 0);
  free(got);
}

/* Into the caller's memory, with the file's mode; the errors are RP_E* codes. */
static void test_read_into_and_errors(void **state) {
  char dir[600], path[700];
  uint8_t buf[8];
  size_t len = 0;
  mode_t mode = 0;
  uint8_t *got = NULL;
  (void)state;
  snprintf(dir, sizeof dir, "%s", tu_tmpdir("file-into"));
  snprintf(path, sizeof path, "%s/k", dir);
  assert_int_equal(rp__file_write(path, "1234567", 7, 0640, 1), 0);
  assert_int_equal(rp__file_read_into(path, buf, 7, &len, &mode, 0), 0);
  assert_int_equal(len, 7);
  assert_memory_equal(buf, "1234567", 7);
  assert_int_equal(mode & 0777, 0640);
  assert_int_equal(rp__file_read_into(path, buf, 6, &len, NULL, 0), RP_ETOOBIG);
  /* Through a symbolic link unless RP__FILE_NOFOLLOW. */
  char link_path[700];
  snprintf(link_path, sizeof link_path, "%s/link", dir);
  assert_int_equal(symlink(path, link_path), 0);
  assert_int_equal(rp__file_read_into(link_path, buf, 7, &len, NULL, 0), 0);
  assert_int_equal(len, 7);
  assert_int_equal(rp__file_read_into(link_path, buf, 7, &len, NULL, RP__FILE_NOFOLLOW),
                   RP_EIO);
  snprintf(path, sizeof path, "%s/none", dir);
  assert_int_equal(rp__file_read(path, 10, &got, &len), RP_ENOTFOUND);
  /* A folder in a file's place is not a file. */
  assert_int_equal(rp__file_read(dir, 10, &got, &len), RP_EINVAL);
}

/* replace = 0 never touches an existing file. */
static void test_write_create_only(void **state) {
  char path[600];
  uint8_t *got = NULL;
  size_t len = 0;
  (void)state;
  snprintf(path, sizeof path, "%s/once", tu_tmpdir("file-once"));
  assert_int_equal(rp__file_write(path, "first", 5, 0600, 0), 0);
  assert_int_equal(rp__file_write(path, "second", 6, 0600, 0), RP_EEXIST);
  assert_int_equal(rp__file_read(path, 100, &got, &len), 0);
  assert_string_equal((const char *)got, "first");
  free(got);
}

/* A passphrase file's first line: its end is not kept, nothing after it is read from a
 * pipe, and a line longer than the room is refused. */
static void test_read_line(void **state) {
  int p[2];
  char buf[8], rest[16];
  size_t len = 99;
  (void)state;
  assert_int_equal(pipe(p), 0);
  assert_int_equal(write(p[1], "secret\r\nnext\n", 13), 13);
  assert_int_equal(rp__file_read_line(p[0], buf, sizeof buf, &len), 0);
  assert_int_equal(len, 6);
  assert_memory_equal(buf, "secret", 6);
  assert_int_equal(read(p[0], rest, 5), 5);
  assert_memory_equal(rest, "next\n", 5);
  assert_int_equal(write(p[1], "12345678\n", 9), 9);
  assert_int_equal(rp__file_read_line(p[0], buf, 8, &len), 0);
  assert_int_equal(len, 8);
  assert_int_equal(write(p[1], "123456789\n", 10), 10);
  assert_int_equal(rp__file_read_line(p[0], buf, 8, &len), RP_ETOOBIG);
  close(p[1]);
  assert_int_equal(read(p[0], rest, sizeof rest), 1); /* the rest of that line: "\n" */
  assert_int_equal(rp__file_read_line(p[0], buf, 8, &len), 0);
  assert_int_equal(len, 0);
  close(p[0]);
}

static void test_clocks(void **state) {
  (void)state;
  uint64_t a = rp__clock_mono_ms(), b = rp__clock_mono_ms();
  assert_true(b >= a);
  /* After 2020-01-01 and before RP__ENVHDR_TIME_MAX. */
  assert_true(rp__clock_wall_ms() > 1577836800000ull);
  assert_true(rp__clock_wall_ms() < RP__ENVHDR_TIME_MAX);
}

static void test_urgency_names(void **state) {
  (void)state;
  assert_string_equal(rp__urgency_name(RP__URG_AKUT), "akut");
  assert_string_equal(rp__urgency_name(RP__URG_PLAN), "plan");
  assert_null(rp__urgency_name(0));
  assert_null(rp__urgency_name(5));
  assert_int_equal(rp__urgency_from_name("haster"), RP__URG_HASTER);
  assert_int_equal(rp__urgency_from_name("normal"), RP__URG_NORMAL);
  assert_int_equal(rp__urgency_from_name("Akut"), 0);
  assert_int_equal(rp__urgency_from_name(NULL), 0);
}

/* rp__unhex takes exactly the digits of n bytes, in either case, and nothing else. */
static void test_unhex(void **state) {
  uint8_t b[2] = {0};
  (void)state;
  assert_int_equal(rp__unhex(b, 2, "0aF1"), 0);
  assert_int_equal(b[0], 0x0a);
  assert_int_equal(b[1], 0xf1);
  assert_int_equal(rp__unhex(b, 0, ""), 0);
  assert_int_equal(rp__unhex(b, 2, NULL), RP_EINVAL);
  assert_int_equal(rp__unhex(b, 2, "0a"), RP_EINVAL);
  assert_int_equal(rp__unhex(b, 2, "0a0b0c"), RP_EINVAL);
  assert_int_equal(rp__unhex(b, 2, "0a0g"), RP_EINVAL);
  assert_int_equal(rp__unhex(b, 2, " 0a0"), RP_EINVAL);
  assert_int_equal(rp__unhex(b, 1, "0x"), RP_EINVAL);
}

/* rp__id_unhex_lower takes back exactly what rp__id_hex writes: a chunk file's name. */
static void test_id_unhex_lower(void **state) {
  uint8_t id[RP_MSG_ID_BYTES], back[RP_MSG_ID_BYTES];
  char name[RP__ID_HEX_BYTES], upper[RP__ID_HEX_BYTES];
  (void)state;
  for (size_t i = 0; i < sizeof id; i++)
    id[i] = (uint8_t)(0xa0 + i);
  rp__id_hex(name, id);
  assert_int_equal(rp__id_unhex_lower(back, name), 0);
  assert_memory_equal(back, id, sizeof id);
  memcpy(upper, name, sizeof name);
  upper[0] = 'A'; /* the same bytes in upper case: another name */
  assert_int_equal(rp__id_unhex_lower(back, upper), RP_EINVAL);
  name[2 * RP_MSG_ID_BYTES - 1] = '\0'; /* one digit short */
  assert_int_equal(rp__id_unhex_lower(back, name), RP_EINVAL);
  assert_int_equal(rp__id_unhex_lower(back, "tmp.partial-not-a-name-0000000000"),
                   RP_EINVAL);
  assert_int_equal(rp__id_unhex_lower(back, NULL), RP_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_cap),
      cmocka_unit_test(test_read_into_and_errors),
      cmocka_unit_test(test_write_create_only),
      cmocka_unit_test(test_clocks),
      cmocka_unit_test(test_urgency_names),
      cmocka_unit_test(test_read_line),
      cmocka_unit_test(test_unhex),
      cmocka_unit_test(test_id_unhex_lower),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
