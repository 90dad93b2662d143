/* SPDX-License-Identifier: MIT */
/*
 * The library's side of tests/tools/schema_test.py (ctest tools/schema_test):
 *   schema_probe samples  prints rp_msg_to_json of a valid message of every kind and
 *                         variant (tests/proto/payload_samples.h), one per line;
 *   schema_probe check    reads JSON messages, one per line, and prints for each "ok"
 *                         if rp_msg_from_json and rp_msg_encode take it, or the error
 *                         name and the field, then the error text;
 *   schema_probe parse    the same with rp_msg_from_json alone (no cross-field rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"
#include "payload_samples.h"
#include "rejsepost.h"

static int samples(void) {
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++)
    for (int v = 0; v < SAMPLE_VARIANTS; v++) {
      rp_msg *m = NULL;
      char *json = NULL;
      if (rp_msg_new(rp__payload_kind_name(k), &m) != 0) return 1;
      sample_payload(&m->p, (rp__payload_kind)k, v);
      if (rp_msg_to_json(m, &json) != 0) return 1;
      printf("%s\n", json);
      rp_free(json);
      rp_msg_free(m);
    }
  return 0;
}

static int check(bool encode) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t n = strcspn(line, "\n");
    rp_msg *m = NULL;
    const char *where = NULL;
    uint8_t *enc = NULL;
    size_t len = 0;
    int rc = rp_msg_from_json(line, n, &m, &where);
    if (rc != 0) {
      printf("%s %s\n", rp_err_name(rc), where != NULL ? where : "-");
    } else if (encode && (rc = rp_msg_encode(m, &enc, &len)) != 0) {
      const char *f = rp_msg_error_field(m);
      printf("%s %s %s\n", rp_err_name(rc), f != NULL ? f : "-", rp_msg_error_text(m));
    } else {
      printf("ok\n");
    }
    rp_free(enc);
    rp_msg_free(m);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "samples") == 0) return samples();
  if (argc == 2 && strcmp(argv[1], "check") == 0) return check(true);
  if (argc == 2 && strcmp(argv[1], "parse") == 0) return check(false);
  fprintf(stderr, "usage: schema_probe samples|check|parse\n");
  return 2;
}
