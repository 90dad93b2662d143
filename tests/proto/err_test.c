/* SPDX-License-Identifier: MIT */
/* The error list: every code has a distinct value, a name and a sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rejsepost_errors.h"

static void test_every_code_named_and_distinct(void **state) {
  (void)state;
  static const int codes[] = {
#define XX(name, value, text) value,
      RP_ERRNO_MAP(XX)
#undef XX
  };
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    assert_true(codes[i] < 0);
    assert_true(codes[i] > RP_ERRNO_LAST_);
    assert_string_not_equal(rp_err_name(codes[i]), "UNKNOWN");
    assert_string_not_equal(rp_strerror(codes[i]), "unknown error");
    for (size_t j = i + 1; j < n; j++)
      assert_int_not_equal(codes[i], codes[j]);
  }
  assert_string_equal(rp_err_name(RP_EINVAL), "EINVAL");
  assert_string_equal(rp_strerror(0), "success");
  assert_string_equal(rp_err_name(12345), "UNKNOWN");
  assert_string_equal(rp_strerror(RP_ERRNO_LAST_), "unknown error");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_code_named_and_distinct),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
