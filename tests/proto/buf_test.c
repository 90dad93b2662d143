/* SPDX-License-Identifier: MIT */
/* The one bounded buffer (proto/buf.h): its maximum holds for bytes and for text, over
 * its own memory and over the caller's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "rejsepost_errors.h"

/* Bytes use every byte up to the maximum; one more is refused and changes nothing. */
static void test_put_to_max(void **state) {
  uint8_t mem[8];
  rp__buf b;
  (void)state;
  rp__buf_init_mem(&b, mem, sizeof mem);
  assert_int_equal(rp__buf_put(&b, "abcdefgh", 8), 0);
  assert_int_equal(b.len, 8);
  assert_false(b.overflow);
  assert_int_equal(rp__buf_put(&b, "i", 1), RP_ETOOBIG);
  assert_true(b.overflow);
  assert_int_equal(b.len, 8);
  assert_memory_equal(mem, "abcdefgh", 8);
  rp__buf_free(&b); /* the caller's memory is left alone */
  assert_memory_equal(mem, "abcdefgh", 8);
}

/* Text keeps its NUL inside the maximum: 16 holds 15 bytes of text. */
static void test_text_to_max(void **state) {
  rp__buf b;
  (void)state;
  rp__buf_init(&b, 16);
  assert_string_equal(rp__buf_str(&b), "");
  assert_int_equal(rp__buf_puts(&b, "0123456789"), 0);
  assert_int_equal(rp__buf_printf(&b, "%s%d", "ab", 123), 0);
  assert_int_equal(b.len, 15);
  assert_string_equal(rp__buf_str(&b), "0123456789ab123");
  assert_int_equal(rp__buf_puts(&b, "x"), RP_ETOOBIG);
  assert_true(b.overflow);
  assert_string_equal(rp__buf_str(&b), "0123456789ab123");
  rp__buf_free(&b);
  assert_null(b.p);
  assert_int_equal(b.len, 0);
}

/* A buffer of its own grows past its first block, up to its maximum. */
static void test_grows(void **state) {
  char line[1000];
  rp__buf b;
  (void)state;
  memset(line, 'z', sizeof line - 1);
  line[sizeof line - 1] = 0;
  rp__buf_init(&b, 10 * 999 + 1);
  for (int i = 0; i < 10; i++)
    assert_int_equal(rp__buf_puts(&b, line), 0);
  assert_int_equal(b.len, 9990);
  assert_false(b.overflow);
  assert_int_equal(rp__buf_printf(&b, "%c", 'z'), RP_ETOOBIG);
  rp__buf_free(&b);
}

/* Text for a terminal: control characters other than newline and tab become '?'. */
static void test_add_safe(void **state) {
  rp__buf b;
  (void)state;
  rp__buf_init(&b, 64);
  assert_int_equal(rp__buf_add_safe(&b, "a\x1b[2Jb\n\tc\x7f"), 0);
  assert_string_equal(rp__buf_str(&b), "a?[2Jb\n\tc?");
  rp__buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_to_max),
      cmocka_unit_test(test_text_to_max),
      cmocka_unit_test(test_grows),
      cmocka_unit_test(test_add_safe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
