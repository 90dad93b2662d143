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
#include "testutil.h"

/* The required settings, then `extra`. */
static int load(const char *extra, rp__ibx_config *c, char *err, size_t cap) {
  char path[700];
  snprintf(path, sizeof path, "%s/inboxd.ini", tu_tmpdir("ibx-config"));
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "[client]\nstate_dir = s\nidentity = k\nrelay_key = r\nadmin_key = a\nroster = ro\n"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_relay_port),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
