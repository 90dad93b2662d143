/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd's configuration file (inbox/ibx_config.c): defaults and the settings
 * that have rules of their own. Real files in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_config.h"
#include "rejsepost_errors.h"
#include "testutil.h"

/* The required settings, then `extra`. */
static int load(const char *extra, rp__ibx_config *c, char *err, size_t cap) {
  char path[700];
  snprintf(path, sizeof path, "%s/inboxd.ini", tu_tmpdir("ibx-config"));
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(
      f,
      "[client]\nstate_dir = s\nidentity = k\nrelay_key = r\nadmin_key = a\nroster = ro\n"
      "[inbox]\ndatabase = d\ndata_key = dk\naudit_log = al\n[socket]\npath = sock\n%s",
      extra != NULL ? extra : "");
  fclose(f);
  rp__ibx_config_defaults(c);
  return rp__ibx_config_load(path, c, err, cap);
}

/* The relay listens on 7443 by default (server/config.c); the inbox must look there. */
static void test_default_relay_port(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.relay_port, 7443);
  assert_string_equal(c.relay_host, "127.0.0.1");
  assert_int_equal(load("[client]\nrelay_port = 7411\n", &c, err, sizeof err), 0);
  assert_int_equal(c.relay_port, 7411);
}

/* [office]: closure days, half days and when they close, and the holidays switch. */
static void test_office_calendar(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.hours.holidays, 1);
  assert_int_equal(c.hours.nhalf, 3); /* 06-05, 12-24, 12-31 */
  assert_int_equal(c.hours.half_close_min, 12 * 60);
  assert_int_equal(c.hours.nclosed, 0);
  assert_int_equal(load("[office]\nclosed = 2026-05-15, 12-28\nhalf_days = none\n"
                        "half_day_closes = 13:00\nholidays = none\n",
                        &c, err, sizeof err),
                   0);
  assert_int_equal(c.hours.nclosed, 2);
  assert_int_equal(c.hours.closed[0], RP_IBX_DATE(2026, 5, 15));
  assert_int_equal(c.hours.closed[1], RP_IBX_DATE(0, 12, 28));
  assert_int_equal(c.hours.nhalf, 0);
  assert_int_equal(c.hours.half_close_min, 13 * 60);
  assert_int_equal(c.hours.holidays, 0);
  assert_int_equal(load("[office]\nclosed = 2026-13-01\n", &c, err, sizeof err),
                   RP_ECONFIG);
  assert_non_null(strstr(err, "[office] closed"));
  assert_int_equal(load("[office]\nholidays = swedish\n", &c, err, sizeof err), RP_ECONFIG);
  assert_int_equal(load("[office]\nhalf_day_closes = 12\n", &c, err, sizeof err),
                   RP_ECONFIG);
  /* A long list on several lines (the INI reader's lines hold 200 bytes): exactly the
   * cap, then one more. */
  char many[2048] = "[office]\n";
  for (unsigned i = 0; i < RP_IBX_DATES_MAX; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "%s%02u-%02u%s",
             i % 16 == 0 ? "closed = " : ",", i / 28 + 1, i % 28 + 1,
             i % 16 == 15 ? "\n" : "");
  assert_int_equal(load(many, &c, err, sizeof err), 0);
  assert_int_equal(c.hours.nclosed, RP_IBX_DATES_MAX);
  assert_int_equal(c.hours.closed[RP_IBX_DATES_MAX - 1], RP_IBX_DATE(0, 3, 8));
  snprintf(many + strlen(many), sizeof many - strlen(many), "closed = 12-30\n");
  assert_int_equal(load(many, &c, err, sizeof err), RP_ECONFIG);
  if (strstr(err, "more than 64 dates") == NULL) fprintf(stderr, "err: %s\n", err);
  assert_non_null(strstr(err, "more than 64 dates"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_relay_port),
      cmocka_unit_test(test_office_calendar),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
