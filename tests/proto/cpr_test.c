/* SPDX-License-Identifier: MIT */
/* The CPR guard: what it finds, what it leaves, and that it looks in every text field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpr.h"
#include "payload_samples.h"

/* Invisible or look-alike characters, spelled out so the table shows what it holds. */
#define NBSP "\xc2\xa0"      /* U+00A0 no-break space */
#define NNBSP "\xe2\x80\xaf" /* U+202F narrow no-break space */
#define SHY "\xc2\xad"       /* U+00AD soft hyphen, invisible */
#define ZWSP "\xe2\x80\x8b"  /* U+200B zero-width space */
#define ENDASH "\xe2\x80\x93"
#define EMDASH "\xe2\x80\x94"

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

static void not_found_n(const char *text, size_t len) {
  size_t off = 99;
  if (rp__cpr_find(text, len, &off)) fail_msg("found in %zu bytes at %zu", len, off);
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
  /* Refused since issue 9 item 16: more separators, and the date in groups. */
  found_at("010190_1234", 0);
  found_at("010190/1234", 0);
  found_at("01 01 90 1234", 0);
  found_at("01-01-90-1234", 0);
  /* The first match wins, whatever its shape. */
  found_at("01.01.90-1234 0101901234", 0);
  found_at("32.01.90-1234 0101901234", 14);
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
  not_found("010190--1234");
  not_found("010190  1234");
  not_found("sagsnr. 27.12.16-G01-123-24");
  not_found("kontonr. 1234 0101901234"
            "99");
  assert_false(rp__cpr_find(NULL, 10, NULL));
  /* Length bounds the scan: a CPR just past len is not seen. */
  assert_false(rp__cpr_find("010190-1234", 10, NULL));
  assert_true(rp__cpr_find("010190-1234", 11, NULL));
  /* A digit just past len does not extend the run. */
  assert_true(rp__cpr_find("01019012345", 10, NULL));
  /* A full-width digit cut by len is not a digit. */
  assert_false(rp__cpr_find("010190-123\xef\xbc\x94", 12, NULL));
  assert_true(rp__cpr_find("010190-123\xef\xbc\x94", 13, NULL));
  /* Invalid UTF-8 around the digits neither hides nor makes a number. */
  found_at("\xef\xbc"
           "010190-1234",
           2);
  found_at("\xff\xfe\x80"
           "010190" ENDASH "1234",
           3);
  not_found("010190\xe2\x80"
            "1234");
  not_found("010190\xef\xbc\x8d\xbc"
            "1234");
}

/* The scan is linear: long texts made of near misses, as in a 16 KiB field. */
static void test_long_texts(void **state) {
  (void)state;
  static const char *const units[] = {
      "15.03.85-123 ", "15 03 85 12 ",          "1 ", "150385 - 123 ", ZWSP,
      "１" ZWSP,       "15.03" SHY SHY ".85 -",
  };
  static char text[16384 + 16];
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
    size_t n = 0, k = strlen(units[u]);
    while (n + k <= 16384) {
      memcpy(text + n, units[u], k);
      n += k;
    }
    not_found_n(text, n);
    /* ... and a CPR number at its end is still found. */
    memcpy(text + n, " 150385-1234", 12);
    size_t off = 0;
    assert_true(rp__cpr_find(text, n + 12, &off));
    assert_int_equal(off, n + 1);
  }
}

/* ---- the table: CPR numbers as people write them, and what must pass ---- */

/* A text split around the number, so the expected offset is strlen(before). */
typedef struct written {
  const char *before, *number, *after;
} written;

static const written forms[] = {
    /* The forms of the review (issue 9 item 16). */
    {"", "15.03.85-1234", ""},
    {"", "15-03-85-1234", ""},
    {"", "150385/1234", ""},
    {"", "15 03 85 1234", ""},
    {"", "150385 - 1234", ""},
    {"", "150385_1234", ""},
    {"", "150385.1234", ""},
    {"", "１５０３８５－１２３４", ""},
    {"plan_", "15.03.85-1234", ".pdf"},
    {"Spørgsmål om CPR ", "15.03.85-1234", ", hvad gør vi?"},
    /* The date groups with each separator, and each separator before the last four. */
    {"", "15/03/85-1234", ""},
    {"", "15.03.85 1234", ""},
    {"", "15.03.85/1234", ""},
    {"", "15.03.85.1234", ""},
    {"", "15.03.85_1234", ""},
    {"", "15.03.85 - 1234", ""},
    {"", "15 03 85-1234", ""},
    {"", "15-03-85 1234", ""},
    {"", "15/03/85 1234", ""},
    {"", "150385 -1234", ""},
    {"", "150385- 1234", ""},
    {"", "150385 " ENDASH " 1234", ""},
    {"", "150385" EMDASH "1234", ""},
    {"", "150385" NNBSP "1234", ""},
    {"", "15" NBSP "03" NBSP "85" NBSP "1234", ""},
    /* Other digit forms, and invisible characters inside the number. */
    {"", "１５０３８５１２３４", ""},
    {"", "１５０３８５-１２３４", ""},
    {"", "１５．０３．８５－１２３４", ""},
    {"", "１５０３８５　１２３４", ""},
    {"", "١٥٠٣٨٥-١٢٣٤", ""},
    {"", "۱۵۰۳۸۵-۱۲۳۴", ""},
    {"", "𝟏𝟓𝟎𝟑𝟖𝟓-𝟏𝟐𝟑𝟒", ""},
    {"", "15.03" SHY ".85-1234", ""},
    {"", "150385" ZWSP "-1234", ""},
    {"", "1503" ZWSP "851234", ""},
    /* In sentences, at the start and end, next to punctuation. */
    {"Drengen (cpr. ", "15.03.85-1234", ") er flyttet."},
    {"Hans nummer er ", "15-03-85-1234", ""},
    {"", "15.03.85-1234", ", hvad gør vi?"},
    {"\"", "150385/1234", "\""},
    {"Barn:\n", "15 03 85 1234", "\n"},
    {"Søsteren, født ", "24.12.89/1234", "."},
    {"æøå ", "１５０３８５－１２３４", " slut"},
    {"Sag 2024-001234 om ", "15.03.85-1234", ""},
    {"tlf. 12 34 56 78, cpr ", "150385 - 1234", ""},
    {"kl. 14:30 (", "15.03.85-1234", ")"},
    /* In file names. */
    {"notat-", "150385_1234", ".docx"},
    {"Referat ", "15 03 85 1234", ".pdf"},
    {"", "15.03.85-1234", "_plan.pdf"},
    {"IMG", "150385-1234", ".jpg"},
    {"handleplan_", "150385.1234", "_v2.pdf"},
    /* The century rule and leap days still apply to the new forms. */
    {"", "29.02.00-4234", ""},
    {"", "01-01-10-5678", ""},
    {"", "29 02 60 8234", ""},
};

static const char *const look_alikes[] = {
    /* Phone numbers. */
    "+45 12 34 56 78",
    "12 34 56 78",
    "1234 5678",
    "+45 15 03 85 12",
    "0045 15 03 85 12",
    "tlf. 15038512",
    "ring 15 03 85 12 34", /* a phone number and two more digits */
    /* Dates alone, dates with times, the Danish 15/3-85 style. */
    "15.03.1985",
    "15-03-85",
    "15/03/85",
    "mødet 15.03.85 kl. 12.34",
    "15/03-85 1400",
    "kl. 15:03:45",
    "2015-03-08T12:34",
    "15.03.85-15.03.86",
    /* Case and journal numbers. */
    "2024-001234",
    "27.12.08-P20-1-24",
    "sag 2023/12345",
    "sagsnr. 15.03.85-G01-1234",
    /* Amounts. */
    "1.503.851.234 kr.",
    "15.038.512,34",
    "150.385,12 kr",
    "kr. 15 038 512,34",
    /* Postcodes, house numbers, addresses. */
    "8000 Aarhus C, Vestergade 12",
    "2100 København Ø, Østerbrogade 150, 3. th.",
    /* Account numbers, IBAN, CVR, EAN, ISBN, versions, addresses on the net. */
    "DK50 0040 0440 1162 43",
    "reg.nr. 1503 kontonr. 851234",
    "kontonr. 150385123456",
    "CVR 12345678",
    "EAN 5798000012345",
    "ISBN 978-87-02-12345-6",
    "ISBN 87-15-03851-2",
    "version 15.03.85.12",
    "150.38.51.234",
    /* The wrong number of digits in a group, or a group that runs on. */
    "15.03.85-12345",
    "15.03.85-123",
    "115.03.85-1234",
    "15.03.851234",
    "15038 51234",
    "1503 851234",
    "150385 12 34",
    "1503851234567",
    "９150385-1234",       /* a full-width digit extends the run */
    "1503851234" ZWSP "5", /* so does a digit behind an invisible character */
    /* Separators the guard does not accept. */
    "15. 03. 85-1234",
    "150385--1234",
    "150385  1234",
    "150385,1234",
    "150385:1234",
    "150385\n1234",
    "15.03-85-1234", /* the two separators inside the date differ */
    /* Not a date. */
    "32.03.85-1234",
    "15.13.85-1234",
    "29.02.85-1234",
};

/* Every form is found, at the offset of its first digit in the original bytes. */
static void test_table_forms(void **state) {
  (void)state;
  char text[256];
  unsigned failed = 0;
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    const written *w = &forms[i];
    int n = snprintf(text, sizeof text, "%s%s%s", w->before, w->number, w->after);
    assert_true(n > 0 && (size_t)n < sizeof text);
    size_t off = 99, want = strlen(w->before);
    if (!rp__cpr_find(text, (size_t)n, &off)) {
      print_error("form %zu not found: \"%s\"\n", i, text);
      failed++;
    } else if (off != want) {
      print_error("form %zu: \"%s\": offset %zu, want %zu\n", i, text, off, want);
      failed++;
    }
  }
  print_message("%zu forms\n", sizeof forms / sizeof forms[0]);
  assert_true(sizeof forms / sizeof forms[0] >= 40);
  assert_int_equal(failed, 0);
}

/* No look-alike is taken for a CPR number. */
static void test_table_look_alikes(void **state) {
  (void)state;
  unsigned failed = 0;
  for (size_t i = 0; i < sizeof look_alikes / sizeof look_alikes[0]; i++) {
    size_t off = 99;
    if (rp__cpr_find(look_alikes[i], strlen(look_alikes[i]), &off)) {
      print_error("look-alike %zu found at %zu: \"%s\"\n", i, off, look_alikes[i]);
      failed++;
    } else if (off != 0) {
      print_error("look-alike %zu: offset %zu, want 0\n", i, off);
      failed++;
    }
  }
  print_message("%zu look-alikes\n", sizeof look_alikes / sizeof look_alikes[0]);
  assert_true(sizeof look_alikes / sizeof look_alikes[0] >= 40);
  assert_int_equal(failed, 0);
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
  /* An attachment's file name: the underscore and the dots do not hide the number. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  p.u.request.attachments[1].name = rp__str_c("plan_15.03.85-1234.pdf");
  assert_int_equal(rp__payload_cpr_check(&p, &where, &off), RP_ECPR);
  assert_string_equal(where, "attachment.name");
  assert_int_equal(off, 5);
  /* The question of the review: "CPR 15.03.85-1234" reached the advisor. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  p.u.request.question = rp__str_c("Hvad gør vi med CPR 15.03.85-1234?");
  assert_int_equal(rp__payload_cpr_check(&p, &where, &off), RP_ECPR);
  assert_string_equal(where, "question");
  assert_int_equal(off, strlen("Hvad gør vi med CPR "));
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
      cmocka_unit_test(test_found),
      cmocka_unit_test(test_calendar_and_century),
      cmocka_unit_test(test_not_a_cpr),
      cmocka_unit_test(test_table_forms),
      cmocka_unit_test(test_table_look_alikes),
      cmocka_unit_test(test_long_texts),
      cmocka_unit_test(test_payload_fields),
      cmocka_unit_test(test_hook),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
