/* SPDX-License-Identifier: MIT */
/* The CPR guard: what it finds, what it leaves, and that it looks in every text field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpr.h"
#include "payload_samples.h"

static void found_at(const char *text, size_t want) {
  size_t off = 99;
  if (!rp__cpr_find(text, strlen(text), &off)) fail_msg("not found in \"%s\"", text);
  if (off != want) fail_msg("\"%s\": offset %zu, want %zu", text, off, want);
}

static void not_found(const char *text) {
  size_t off = 99;
  if (rp__cpr_find(text, strlen(text), &off)) fail_msg("found in \"%s\" at %zu", text, off);
  assert_int_equal(off, 0);
}

static void test_found(void **state) {
  (void)state;
  found_at("010190-1234", 0);
  found_at("010190 1234", 0);
  found_at("0101901234", 0);
  found_at("CPR: 010190-1234", 5);
  found_at("hun har cpr 2412891234", 12);
  found_at("slutter med 311299-9999", 12);
  found_at("abc010190-1234xyz", 3); /* letters on both sides */
  found_at("(010190-1234).", 1);
  found_at("x\n010190-1234\n", 2);
  found_at("æøå 010190-1234", 7); /* offsets are bytes: æøå is 6 */
  found_at("Åse 0101901234 ü", 5);
  found_at("010190\xe2\x80\x93"
           "1234",
           0); /* en dash */
  found_at("010190\xc2\xa0"
           "1234",
           0); /* no-break space */
  found_at("010190\xe2\x80\x91"
           "1234",
           0); /* non-breaking hyphen */
  found_at("010190\xe2\x88\x92"
           "1234",
           0);                   /* minus sign */
  found_at("010190-1235", 0);    /* fails modulus 11: still refused */
  found_at("12-010190-1234", 3); /* a hyphen before is not a digit */
  found_at("tlf. 12 34 56 78, cpr 010190-1234", 22);
  found_at("320190-1234 og 010190-1234", 15); /* the first valid one */
}

static void test_calendar_and_century(void **state) {
  (void)state;
  not_found("320190-1234"); /* day 32 */
  not_found("000000-0000");
  not_found("010090-1234");   /* month 0 */
  not_found("011390-1234");   /* month 13 */
  not_found("310490-1234");   /* 31 April */
  not_found("290221-1234");   /* 1921: not a leap year */
  not_found("290221-4234");   /* 2021 */
  not_found("290221-9234");   /* 2021 */
  not_found("290200-1234");   /* 1900 by the 7th digit: not a leap year */
  found_at("290200-4234", 0); /* 2000: a leap year */
  found_at("290200-5234", 0); /* 2000 */
  found_at("290296-1234", 0); /* 1996 */
  found_at("290236-4234", 0); /* 2036 */
  not_found("290237-4234");   /* 1937 */
  not_found("290237-9234");   /* 1937 */
  found_at("290256-6234", 0); /* 2056 */
  not_found("290258-7234");   /* 1858 */
  found_at("290260-8234", 0); /* 1860: a leap year */
  found_at("300490-0000", 0);
  assert_true(rp__cpr_date_valid(2000, 2, 29));
  assert_false(rp__cpr_date_valid(1900, 2, 29));
  assert_false(rp__cpr_date_valid(2024, 0, 1));
  assert_false(rp__cpr_date_valid(2024, 1, 0));
  assert_true(rp__cpr_date_valid(2024, 12, 31));
}

static void test_not_a_cpr(void **state) {
  (void)state;
  not_found("");
  not_found("0101901234"
            "56");          /* a 12-digit number */
  not_found("10101901234"); /* 11 digits: the last ten would be a CPR */
  not_found("01019012345");
  not_found("1010190-1234"); /* seven digits before the hyphen */
  not_found("010190-12345"); /* five after */
  not_found("010190-123");
  not_found("010190_1234");
  not_found("010190/1234");
  not_found("010190--1234");
  not_found("010190  1234");
  not_found("01 01 90 1234");
  not_found("01-01-90-1234");
  not_found("sagsnr. 27.12.16-G01-123-24");
  not_found("kontonr. 1234 0101901234"
            "99");
  assert_false(rp__cpr_find(NULL, 10, NULL));
  /* Length bounds the scan: a CPR just past len is not seen. */
  assert_false(rp__cpr_find("010190-1234", 10, NULL));
  assert_true(rp__cpr_find("010190-1234", 11, NULL));
  /* A digit just past len does not extend the run. */
  assert_true(rp__cpr_find("01019012345", 10, NULL));
}

/* ---- every text field of every kind ---- */
typedef struct hide {
  const rp__field *covered[256];
  unsigned ncovered, cases;
} hide;

static void plant(hide *h, rp__payload *p, rp__str *t, const rp__field *f) {
  static const char text[] = "se 010190-1234 her";
  const char *where = NULL;
  size_t off = 0;
  rp__str saved = *t;
  *t = rp__str_c(text);
  assert_int_equal(rp__payload_cpr_check(p, &where, &off), RP_ECPR);
  assert_string_equal(where, f->name);
  assert_int_equal(off, 3);
  *t = saved;
  h->cases++;
  for (unsigned i = 0; i < h->ncovered; i++)
    if (h->covered[i] == f) return;
  h->covered[h->ncovered++] = f;
}

/* Plants a CPR number in each text field of obj (every element of a list), one at a
 * time, and checks that the guard names that field. */
static void plant_all(hide *h, rp__payload *p, const rp__schema *s, void *obj) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    char *b = (char *)obj + f->off;
    if (f->type == RP__F_STR) plant(h, p, (rp__str *)b, f);
    bool absent = (f->flags & RP__HAS) && !*(bool *)((char *)obj + f->has_off);
    if (f->type == RP__F_STRUCT && !absent) plant_all(h, p, f->sub, b);
    if (f->type == RP__F_LIST) {
      uint32_t n = *(uint32_t *)((char *)obj + f->count_off);
      for (uint32_t j = 0; j < n; j++)
        plant_all(h, p, f->sub, b + j * f->sub->size);
    }
  }
}

static void assert_texts_covered(const hide *h, const rp__schema *s) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    bool seen = f->type != RP__F_STR;
    for (unsigned j = 0; j < h->ncovered; j++)
      seen |= h->covered[j] == f;
    if (!seen) fail_msg("%s: text field %s never checked", s->name, f->name);
    if (f->sub) assert_texts_covered(h, f->sub);
  }
}

static void test_payload_fields(void **state) {
  (void)state;
  static hide h;
  static rp__payload p;
  const char *where = "x";
  size_t off = 9;
  memset(&h, 0, sizeof h);
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    for (int v = 0; v < SAMPLE_VARIANTS; v++) {
      sample_payload(&p, k, v);
      assert_int_equal(rp__payload_cpr_check(&p, &where, &off), 0);
      assert_null(where);
      assert_int_equal(off, 0);
      plant_all(&h, &p, rp__payload_schema(k), &p);
    }
  }
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++)
    assert_texts_covered(&h, rp__payload_schema(k));
  print_message("%u planted CPR numbers found\n", h.cases);
  /* The guard sees through a decode: a CPR in a decoded question is found too. */
  static uint8_t buf[RP_PAYLOAD_MAX];
  static rp__payload out;
  size_t len = 0;
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  p.u.request.question = rp__str_c("Hendes cpr er 0101901234, hvad nu?");
  assert_int_equal(rp__payload_encode(&p, buf, sizeof buf, &len, NULL), 0);
  assert_int_equal(rp__payload_decode(buf, len, &out, NULL), 0);
  assert_int_equal(rp__payload_cpr_check(&out, &where, &off), RP_ECPR);
  assert_string_equal(where, "question");
  assert_int_equal(off, 14);
  assert_int_equal(rp__payload_cpr_check(&out, NULL, NULL), RP_ECPR);
}

/* A host's hook: refuses any text that contains its word. */
typedef struct word_hook {
  const char *word;
  unsigned calls;
} word_hook;

static int refuse_word(void *data, const char *field, const char *text, size_t len,
                       size_t *offset) {
  word_hook *w = data;
  size_t n = strlen(w->word);
  assert_non_null(field);
  w->calls++;
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(text + i, w->word, n) == 0) {
      *offset = i;
      return 1;
    }
  }
  return 0;
}

static void test_hook(void **state) {
  (void)state;
  static rp__payload p;
  word_hook w = {"hemmelig", 0};
  rp__cpr_hook hook = {refuse_word, &w};
  const char *where = NULL;
  size_t off = 0;
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  assert_int_equal(rp__payload_hook_check(&p, &hook, &where, &off), 0);
  /* sender_org, sender_ref, local_case_ref, risk.assessed_on, question, 2 x (name, mime) */
  assert_int_equal(w.calls, 9);
  p.u.request.attachments[1].name = rp__str_c("en hemmelig plan.pdf");
  assert_int_equal(rp__payload_hook_check(&p, &hook, &where, &off), RP_EHOOK);
  assert_string_equal(where, "attachment.name");
  assert_int_equal(off, 3);
  assert_int_equal(rp__payload_hook_check(&p, NULL, &where, &off), 0);
  assert_null(where);
  rp__cpr_hook empty = {NULL, NULL};
  assert_int_equal(rp__payload_hook_check(&p, &empty, &where, &off), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_found),     cmocka_unit_test(test_calendar_and_century),
      cmocka_unit_test(test_not_a_cpr), cmocka_unit_test(test_payload_fields),
      cmocka_unit_test(test_hook),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
