/* SPDX-License-Identifier: MIT */
/* Fingerprints: known answers (computed independently from the construction documented
 * in fingerprint.h), format, and matching typed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fingerprint.h"
#include "rejsepost_errors.h"

static void test_known_answers(void **state) {
  (void)state;
  uint8_t pk[32];
  char fp[RP_FINGERPRINT_STRBYTES];
  for (unsigned i = 0; i < 32; i++)
    pk[i] = (uint8_t)i;
  assert_int_equal(rp__fingerprint(pk, fp), 0);
  assert_string_equal(fp, "32751 95644 62088 67681 71833 96780 30898 30592 56139 57931 "
                          "18661 43280");
  memset(pk, 0, sizeof pk);
  assert_int_equal(rp__fingerprint(pk, fp), 0);
  assert_string_equal(fp, "23205 38994 90099 56973 14361 23043 68819 12086 32099 71831 "
                          "29866 42656");
}

static void test_format_and_difference(void **state) {
  (void)state;
  uint8_t pk[32] = {1};
  char a[RP_FINGERPRINT_STRBYTES], b[RP_FINGERPRINT_STRBYTES];
  assert_int_equal(rp__fingerprint(pk, a), 0);
  assert_int_equal(strlen(a), RP_FINGERPRINT_STRBYTES - 1);
  for (size_t i = 0; i < strlen(a); i++) {
    if (i % 6 == 5)
      assert_int_equal(a[i], ' ');
    else
      assert_true(a[i] >= '0' && a[i] <= '9');
  }
  pk[31] ^= 1;
  assert_int_equal(rp__fingerprint(pk, b), 0);
  assert_string_not_equal(a, b);
  assert_int_equal(rp__fingerprint(NULL, a), RP_EINVAL);
}

static void test_match(void **state) {
  (void)state;
  uint8_t pk[32];
  char fp[RP_FINGERPRINT_STRBYTES];
  for (unsigned i = 0; i < 32; i++)
    pk[i] = (uint8_t)i;
  assert_int_equal(rp__fingerprint(pk, fp), 0);
  assert_int_equal(rp__fingerprint_match(pk, fp, strlen(fp)), 0);
  const char *typed = "327519564462088676817183396780308983059256139579311866143280";
  assert_int_equal(rp__fingerprint_match(pk, typed, strlen(typed)), 0);
  const char *dashed = "32751-95644-62088-67681-71833-96780\t30898 30592 56139 57931 "
                       "18661 43280";
  assert_int_equal(rp__fingerprint_match(pk, dashed, strlen(dashed)), 0);
  char wrong[RP_FINGERPRINT_STRBYTES];
  memcpy(wrong, fp, sizeof wrong);
  wrong[70] = wrong[70] == '0' ? '1' : '0';
  assert_int_equal(rp__fingerprint_match(pk, wrong, strlen(wrong)), RP_EAUTH);
  assert_int_equal(rp__fingerprint_match(pk, fp, strlen(fp) - 1), RP_EINVAL);
  assert_int_equal(rp__fingerprint_match(pk, "12345x", 6), RP_EINVAL);
  char longer[RP_FINGERPRINT_STRBYTES + 2];
  memcpy(longer, fp, RP_FINGERPRINT_STRBYTES - 1);
  memcpy(longer + RP_FINGERPRINT_STRBYTES - 1, "12", 3);
  assert_int_equal(rp__fingerprint_match(pk, longer, strlen(longer)), RP_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_format_and_difference),
      cmocka_unit_test(test_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
