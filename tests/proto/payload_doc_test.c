/* SPDX-License-Identifier: MIT */
/*
 * docs/PROTOCOL.md (section 7, payloads) against the schema tables: the field tables in
 * the document are generated from the tables here and must appear in it verbatim, so the
 * document cannot drift from the code. On a mismatch the test writes the generated
 * tables to payloads.generated.md in its working directory, ready to paste.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload.h"
#include "testutil.h"

typedef struct out {
  char buf[96 * 1024];
  size_t len;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof o->buf - o->len);
  o->len += (size_t)n;
}

static void names(out *o, const rp__enum *e) {
  for (uint32_t i = 0; i < e->n; i++)
    put(o, "%s`%s`", i ? ", " : "", e->names[i]);
}

static void row(out *o, const rp__field *f) {
  const char *req = (f->flags & RP__REQ) ? "yes" : "no";
  put(o, "| %u | %s | ", f->key, f->name);
  switch (f->type) {
  case RP__F_VERSION:
    put(o, "uint | %s | = %u | |\n", req, RP_SCHEMA_VERSION);
    break;
  case RP__F_UINT:
    if (f->min == f->max)
      put(o, "uint | %s | = %llu | |\n", req, (unsigned long long)f->min);
    else
      put(o, "uint | %s | %llu..%llu | |\n", req, (unsigned long long)f->min,
          (unsigned long long)f->max);
    break;
  case RP__F_BOOL:
    put(o, "bool | %s | | |\n", req);
    break;
  case RP__F_STR:
    if (f->min == f->max)
      put(o, "text | %s | %llu bytes | |\n", req, (unsigned long long)f->max);
    else
      put(o, "text | %s | %llu..%llu bytes | |\n", req, (unsigned long long)f->min,
          (unsigned long long)f->max);
    break;
  case RP__F_BIN:
    put(o, "bin | %s | %llu..%llu bytes | |\n", req, (unsigned long long)f->min,
        (unsigned long long)f->max);
    break;
  case RP__F_FIXBIN:
    put(o, "bin | %s | %llu bytes | |\n", req, (unsigned long long)f->max);
    break;
  case RP__F_ENUM:
    put(o, "enum | %s | | ", req);
    names(o, f->enm);
    put(o, " |\n");
    break;
  case RP__F_SET:
    put(o, "set | %s | 0..%llu | ", req, (unsigned long long)f->max);
    names(o, f->enm);
    put(o, " |\n");
    break;
  case RP__F_STRUCT:
    put(o, "map | %s | | `%s` |\n", req, f->sub->name);
    break;
  case RP__F_LIST:
    put(o, "array | %s | 0..%llu | `%s` maps |\n", req, (unsigned long long)f->max,
        f->sub->name);
    break;
  default:
    fail_msg("field %s: unknown type", f->name);
  }
}

/* One schema's table, fenced by markers so that the test can find it in the document.
 * A kind's table leaves out the common header (keys 0-4), documented once. */
static void table(out *o, const rp__schema *s, bool kind) {
  put(o, "<!-- table:%s -->\n", s->name);
  put(o, "| key | field | type | required | range | values |\n");
  put(o, "|---|---|---|---|---|---|\n");
  for (uint32_t i = kind ? 5 : 0; i < s->nfields; i++)
    row(o, &s->fields[i]);
  put(o, "<!-- end:%s -->\n", s->name);
}

/* Appends s's table to gen; 1 if the document lacks it verbatim, else 0. */
static unsigned check_table(out *gen, const char *doc, const rp__schema *s, bool kind) {
  put(gen, "\n");
  size_t start = gen->len;
  table(gen, s, kind);
  gen->buf[gen->len] = 0;
  if (strstr(doc, gen->buf + start) != NULL) return 0;
  print_message("differs: %s\n", s->name);
  return 1;
}

static void test_doc_matches_tables(void **state) {
  (void)state;
  static out gen;
  static const rp__schema *nested[32];
  unsigned nnested = 0;
  const char *src = getenv("RP_SOURCE_DIR");
  char path[4096];
  assert_non_null(src);
  snprintf(path, sizeof path, "%s/docs/PROTOCOL.md", src);
  size_t doclen = 0;
  char *doc = tu_read_file(path, &doclen);
  if (doc == NULL) fail_msg("cannot read %s", path);

  unsigned missing = 0;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    const rp__schema *s = rp__payload_schema(k);
    rp__schema_nested(s, nested, &nnested, 32);
    /* The common header: the same five fields in every kind, key 1 fixed to the kind. */
    static const char *const header[] = {"version", "kind", "msg_id", "thread_id",
                                         "created"};
    for (uint32_t i = 0; i < 5; i++) {
      assert_int_equal(s->fields[i].key, i);
      assert_string_equal(s->fields[i].name, header[i]);
      assert_int_equal(s->fields[i].flags, RP__REQ);
    }
    assert_int_equal(s->fields[1].min, k);
    assert_int_equal(s->fields[1].max, k);
    missing += check_table(&gen, doc, s, true);
    /* Every kind has its own section, named as on the command line, with its number. */
    char heading[128];
    snprintf(heading, sizeof heading, "`%s` (%u)", rp__payload_kind_name(k), k);
    if (strstr(doc, heading) == NULL) missing++, print_message("no heading %s\n", heading);
  }
  for (unsigned j = 0; j < nnested; j++)
    missing += check_table(&gen, doc, nested[j], false);
  if (missing != 0) {
    FILE *f = fopen("payloads.generated.md", "w");
    if (f != NULL) {
      fwrite(gen.buf, 1, gen.len, f);
      fclose(f);
    }
    fail_msg("%u tables differ from docs/PROTOCOL.md; see payloads.generated.md", missing);
  }
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_matches_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
