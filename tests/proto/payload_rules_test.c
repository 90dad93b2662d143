/* SPDX-License-Identifier: MIT */
/*
 * The cross-field rules of the payloads (docs/PROTOCOL.md 7), each from both
 * sides: the encoder refuses to write a payload that breaks one, and the decoder refuses
 * the bytes of such a payload; plus danger flags and kind names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chunk.h"
#include "payload.h"
#include "payload_samples.h"

static uint8_t enc_buf[RP_PAYLOAD_MAX], edit_buf[RP_PAYLOAD_MAX];
static rp__payload p, out;

static void enc_expect(const rp__payload *pl, int want, const char *want_where) {
  size_t len = 0;
  const char *where = NULL;
  int r = rp__payload_encode(pl, enc_buf, sizeof enc_buf, &len, &where);
  if (r != want || (want != 0 && strcmp(where, want_where) != 0))
    fail_msg("encode: got %s at %s, want %s at %s", rp_err_name(r), where ? where : "-",
             rp_err_name(want), want_where ? want_where : "-");
  if (r != 0) return;
  /* What encodes also decodes. */
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, &where), 0);
}

/* Encodes a valid sample of kind/variant, applies e, expects the decoder's verdict. */
static void dec_expect(rp__payload_kind kind, int variant, const edit *e, int want,
                       const char *want_where) {
  size_t len = 0;
  const char *where = NULL;
  rp__payload s;
  sample_payload(&s, kind, variant);
  assert_int_equal(rp__payload_encode(&s, enc_buf, sizeof enc_buf, &len, &where), 0);
  size_t n = apply_edit(enc_buf, len, e, edit_buf, sizeof edit_buf);
  assert_true(n > 0);
  int r = rp__payload_decode(edit_buf, n, &out, &where);
  if (r != want || (want != 0 && strcmp(where, want_where) != 0))
    fail_msg("decode: got %s at %s, want %s at %s", rp_err_name(r), where ? where : "-",
             rp_err_name(want), want_where ? want_where : "-");
}

static void put_empty_array(msgpack_packer *pk, const void *arg) {
  (void)arg;
  msgpack_pack_array(pk, 0);
}

#define RQ (&p.u.request)

static void test_under_18_track(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->risk_assessed_before_family = 0;
  enc_expect(&p, RP_EMISSING, "risk_assessed_before_family");
  RQ->risk_assessed_before_family = RP__NEJ; /* "not yet" is data, not an error */
  enc_expect(&p, 0, NULL);
  edit drop = {{15}, 1, EDIT_DROP, NULL, NULL};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &drop, RP_EMISSING,
             "risk_assessed_before_family");
  dec_expect(RP__PL_REQUEST, SAMPLE_ALT, &drop, RP_EMISSING, "risk_assessed_before_family");
  /* An adult's request does not need it. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_MIN);
  assert_false(RQ->citizen.under_18);
  enc_expect(&p, 0, NULL);
}

static void test_identifiability(void **state) {
  (void)state;
  edit drop = {{17}, 1, EDIT_DROP, NULL, NULL};
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->legal_basis = 0;
  enc_expect(&p, RP_EMISSING, "legal_basis");
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &drop, RP_EMISSING, "legal_basis");
  /* A recorded legal basis other than consent needs no consent. */
  RQ->legal_basis = RP__LB_FORVALTNINGSLOVEN_28;
  RQ->identifiability.consent = RP__CONSENT_INGEN;
  enc_expect(&p, 0, NULL);
  /* A basis of consent needs someone who consented. */
  RQ->legal_basis = RP__LB_SAMTYKKE;
  enc_expect(&p, RP_EINVAL, "identifiability.consent");
  edit ingen = {{16, 2}, 2, EDIT_REPLACE, put_cstr, "ingen"};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &ingen, RP_EINVAL, "identifiability.consent");
  /* Parental authority ends at 18. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_MIN);
  RQ->identifiability.consent = RP__CONSENT_FORAELDREMYNDIGHED;
  enc_expect(&p, RP_EINVAL, "identifiability.consent");
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_ALT);
  enc_expect(&p, 0, NULL);
  /* Anonymous is the default and needs nothing; a legal basis with it is harmless. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_MIN);
  RQ->legal_basis = RP__LB_ANDET;
  enc_expect(&p, 0, NULL);
  /* An anonymous sparring carries no pseudonymous data. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->request_type = RP__RT_ANONYM_SPARRING;
  enc_expect(&p, RP_EINVAL, "identifiability.mode");
}

static void test_request_fields(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->categories = 0;
  enc_expect(&p, RP_EMISSING, "categories");
  edit none = {{11}, 1, EDIT_REPLACE, put_empty_array, NULL};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &none, RP_EMISSING, "categories");
  static const char *const bad_orgs[] = {"12a", "000", "-12", "1 1"};
  for (size_t i = 0; i < sizeof bad_orgs / sizeof bad_orgs[0]; i++) {
    sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
    RQ->sender_org = rp__str_c(bad_orgs[i]);
    enc_expect(&p, RP_EINVAL, "sender_org");
    edit e = {{5}, 1, EDIT_REPLACE, put_cstr, bad_orgs[i]};
    dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &e, RP_EINVAL, "sender_org");
  }
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  /* Too short: the encoder's rule check says so first, the decoder's length check. */
  RQ->sender_org = rp__str_c("12");
  enc_expect(&p, RP_EINVAL, "sender_org");
  edit shrt = {{5}, 1, EDIT_REPLACE, put_cstr, "12"};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &shrt, RP_ETOOBIG, "sender_org");
}

static void test_citizen(void **state) {
  (void)state;
  static const struct {
    uint64_t age;
    int band;
    bool under_18;
    int want;
    const char *where;
  } cases[] = {
      {0, 0, true, RP_EMISSING, "citizen.age"},
      {16, RP__AGE_15_17, true, RP_EINVAL, "citizen.age_band"},
      {17, 0, false, RP_EINVAL, "citizen.under_18"},
      {18, 0, true, RP_EINVAL, "citizen.under_18"},
      {1, 0, false, RP_EINVAL, "citizen.under_18"},
      {0, RP__AGE_15_17, false, RP_EINVAL, "citizen.under_18"},
      {0, RP__AGE_18_22, true, RP_EINVAL, "citizen.under_18"},
      {17, 0, true, 0, NULL},
      {0, RP__AGE_0_11, true, 0, NULL},
      {RP_PAYLOAD_AGE_MAX, 0, false, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
    RQ->citizen.age = cases[i].age;
    RQ->citizen.age_band = cases[i].band;
    RQ->citizen.under_18 = cases[i].under_18;
    enc_expect(&p, cases[i].want, cases[i].where);
  }
  /* Parental consent for an adult. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_ALT);
  RQ->citizen.age_band = RP__AGE_18_22;
  RQ->citizen.under_18 = false;
  enc_expect(&p, RP_EINVAL, "identifiability.consent");
  edit both = {{14, 2}, 2, EDIT_ADD, put_cstr, "15_17"};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &both, RP_EINVAL, "citizen.age_band");
  edit adult = {{14, 1}, 2, EDIT_REPLACE, put_uint, &(uint64_t){40}};
  dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &adult, RP_EINVAL, "citizen.under_18");
}

static void test_risk_dates(void **state) {
  (void)state;
  static const struct {
    const char *date;
    int want;
  } cases[] = {
      {"2024-02-29", 0},         {"2000-02-29", 0},         {"1900-01-01", 0},
      {"9999-12-31", 0},         {"2023-02-29", RP_EINVAL}, {"1900-02-29", RP_EINVAL},
      {"2100-02-29", RP_EINVAL}, {"1899-12-31", RP_EINVAL}, {"2024-13-01", RP_EINVAL},
      {"2024-00-10", RP_EINVAL}, {"2024-04-31", RP_EINVAL}, {"2024-01-00", RP_EINVAL},
      {"2024/01/01", RP_EINVAL}, {"20x4-01-01", RP_EINVAL}, {"2024-1-011", RP_EINVAL},
      {"+024-01-01", RP_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
    RQ->risk.assessed_on = rp__str_c(cases[i].date);
    enc_expect(&p, cases[i].want, "risk.assessed_on");
    edit e = {{13, 4}, 2, EDIT_REPLACE, put_cstr, cases[i].date};
    dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &e, cases[i].want, "risk.assessed_on");
  }
  /* A tool's result is dated; without a tool there is no date to give. */
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->risk.assessed_on.n = 0;
  enc_expect(&p, RP_EMISSING, "risk.assessed_on");
  RQ->risk.tool = RP__TOOL_INGEN;
  enc_expect(&p, 0, NULL);
  sample_payload(&p, RP__PL_FOLLOW_UP, SAMPLE_FULL);
  p.u.follow_up.risk.assessed_on = rp__str_c("2024-02-30");
  enc_expect(&p, RP_EINVAL, "risk.assessed_on");
}

static void test_attachments(void **state) {
  (void)state;
  static const char *const names[] = {"../etc/passwd", "a/b.pdf",  "a\\b.pdf",   ".", "..",
                                      "tab\there.pdf", "bell\x7f", "c1\xc2\x85x"};
  static const char *const mimes[] = {
      "Text/plain",  "text", "text/", "/plain", "text/plain; charset=utf-8",
      "text/pl ain", "a/b/c"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
    RQ->attachments[1].name = rp__str_c(names[i]);
    enc_expect(&p, RP_EINVAL, "attachment.name");
    edit e = {{21, 0, 1}, 3, EDIT_REPLACE, put_cstr, names[i]};
    dec_expect(RP__PL_REQUEST, SAMPLE_FULL, &e, RP_EINVAL, "attachment.name");
  }
  for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++) {
    sample_payload(&p, RP__PL_PLAN_REVIEW, SAMPLE_FULL);
    p.u.plan_review.attachments[0].mime = rp__str_c(mimes[i]);
    enc_expect(&p, RP_EINVAL, "attachment.mime");
  }
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_FULL);
  RQ->attachments[0].name = rp__str_c("..hidden.pdf");
  RQ->attachments[1].mime =
      rp__str_c("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  enc_expect(&p, 0, NULL);
  RQ->attachments[1].size = 0; /* an empty file is one chunk of 0 bytes */
  enc_expect(&p, 0, NULL);
  RQ->attachments[1].size = RP__CHUNK_ATTACHMENT_MAX;
  enc_expect(&p, 0, NULL);
  RQ->attachments[1].size = RP__CHUNK_ATTACHMENT_MAX + 1;
  enc_expect(&p, RP_ETOOBIG, "attachment.size");
}

static void test_reply_note(void **state) {
  (void)state;
  size_t len = 0;
  const char *where = NULL;
  sample_payload(&p, RP__PL_REPLY, SAMPLE_MIN);
  assert_int_equal(p.u.reply.responsibility_note, RP__NOTE_FIXED); /* set by init */
  /* The encoder writes the note even if the caller left it out; the caller's payload
   * is not touched. */
  p.u.reply.responsibility_note = 0;
  assert_int_equal(rp__payload_encode(&p, enc_buf, sizeof enc_buf, &len, &where), 0);
  assert_int_equal(p.u.reply.responsibility_note, 0);
  const char *note = RP_PAYLOAD_RESPONSIBILITY_NOTE;
  bool found = false;
  for (size_t i = 0; i + strlen(note) <= len; i++)
    found |= memcmp(enc_buf + i, note, strlen(note)) == 0;
  assert_true(found);
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, &where), 0);
  assert_int_equal(out.u.reply.responsibility_note, RP__NOTE_FIXED);
  p.u.reply.responsibility_note = 2;
  enc_expect(&p, RP_EENUM, "responsibility_note");
  /* The decoder wants exactly the fixed text. */
  edit other = {{11}, 1, EDIT_REPLACE, put_cstr, "Rådgivningen er vejledende."};
  dec_expect(RP__PL_REPLY, SAMPLE_MIN, &other, RP_EENUM, "responsibility_note");
  edit drop = {{11}, 1, EDIT_DROP, NULL, NULL};
  dec_expect(RP__PL_REPLY, SAMPLE_MIN, &drop, RP_EMISSING, "responsibility_note");
  /* reporting_duty is required, so "no" is said explicitly. */
  edit nodrop = {{12}, 1, EDIT_DROP, NULL, NULL};
  dec_expect(RP__PL_REPLY, SAMPLE_MIN, &nodrop, RP_EMISSING, "reporting_duty");
}

static void test_receipt(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_RECEIPT, SAMPLE_FULL);
  p.u.receipt.error = 0;
  enc_expect(&p, RP_EMISSING, "error");
  sample_payload(&p, RP__PL_RECEIPT, SAMPLE_MIN);
  p.u.receipt.error = 22;
  enc_expect(&p, RP_EINVAL, "error");
  edit add = {{8}, 1, EDIT_ADD, put_uint, &(uint64_t){22}};
  dec_expect(RP__PL_RECEIPT, SAMPLE_MIN, &add, RP_EINVAL, "error");
  static const int statuses[] = {RP__RCPT_RELAYED, RP__RCPT_DELIVERED, RP__RCPT_OPENED,
                                 RP__RCPT_EXPIRED};
  for (size_t i = 0; i < 4; i++) {
    p.u.receipt.status = statuses[i];
    p.u.receipt.error = 0;
    enc_expect(&p, 0, NULL);
  }
}

static void test_meetings(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_MEETING_REQUEST, SAMPLE_FULL);
  p.u.meeting_request.place = 0;
  enc_expect(&p, RP_EMISSING, "place");
  sample_payload(&p, RP__PL_MEETING_REQUEST, SAMPLE_MIN);
  p.u.meeting_request.place = RP__PLACE_HOS_KOMMUNEN;
  enc_expect(&p, RP_EINVAL, "place");
  edit fys = {{7}, 1, EDIT_REPLACE, put_cstr, "fysisk"};
  dec_expect(RP__PL_MEETING_CONFIRMATION, SAMPLE_MIN, &fys, RP_EMISSING, "place");
  edit onl = {{6}, 1, EDIT_REPLACE, put_cstr, "online"};
  dec_expect(RP__PL_MEETING_PROPOSAL, SAMPLE_FULL, &onl, RP_EINVAL, "place");
  /* Slots run forward and last at most a day. */
  sample_payload(&p, RP__PL_MEETING_CONFIRMATION, SAMPLE_FULL);
  p.u.meeting_confirmation.slot.end = p.u.meeting_confirmation.slot.start;
  enc_expect(&p, RP_EINVAL, "slot.end");
  p.u.meeting_confirmation.slot.end = T0 + RP_PAYLOAD_SLOT_MAX_MS;
  enc_expect(&p, 0, NULL);
  p.u.meeting_confirmation.slot.end++;
  enc_expect(&p, RP_EINVAL, "slot.end");
  edit back = {{8, 0, 2}, 3, EDIT_REPLACE, put_uint, &(uint64_t){T0 - 1}};
  dec_expect(RP__PL_MEETING_PROPOSAL, SAMPLE_FULL, &back, RP_EINVAL, "slot.end");
  /* A proposal proposes something. */
  edit none = {{8}, 1, EDIT_REPLACE, put_empty_array, NULL};
  dec_expect(RP__PL_MEETING_PROPOSAL, SAMPLE_MIN, &none, RP_EMISSING, "slots");
  sample_payload(&p, RP__PL_MEETING_PROPOSAL, SAMPLE_MIN);
  p.u.meeting_proposal.nslots = 0;
  enc_expect(&p, RP_EMISSING, "slots");
}

static void test_plans_and_networks(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_PLAN_REVIEW, SAMPLE_FULL);
  p.u.plan_review.nattachments = 0;
  enc_expect(&p, RP_EMISSING, "attachments");
  edit none = {{9}, 1, EDIT_REPLACE, put_empty_array, NULL};
  dec_expect(RP__PL_PLAN_REVIEW, SAMPLE_FULL, &none, RP_EMISSING, "attachments");
  sample_payload(&p, RP__PL_PLAN_REVIEW, SAMPLE_FULL);
  p.u.plan_review.wanted_by = rp__str_c("2024-06-31");
  enc_expect(&p, RP_EINVAL, "wanted_by");

  rp__pl_network_announcement *a = &p.u.network_announcement;
  sample_payload(&p, RP__PL_NETWORK_ANNOUNCEMENT, SAMPLE_FULL);
  a->registration_deadline = a->event_on; /* the same day is fine */
  enc_expect(&p, 0, NULL);
  a->registration_deadline = rp__str_c("2024-10-04");
  enc_expect(&p, RP_EINVAL, "registration_deadline");
  edit late = {{10}, 1, EDIT_REPLACE, put_cstr, "2025-01-01"};
  dec_expect(RP__PL_NETWORK_ANNOUNCEMENT, SAMPLE_MIN, &late, RP_EINVAL,
             "registration_deadline");
  edit bad = {{6}, 1, EDIT_REPLACE, put_cstr, "2024-09-31"};
  dec_expect(RP__PL_NETWORK_ANNOUNCEMENT, SAMPLE_MIN, &bad, RP_EINVAL, "event_on");
  edit host = {{7}, 1, EDIT_REPLACE, put_cstr, "abc"};
  dec_expect(RP__PL_NETWORK_ANNOUNCEMENT, SAMPLE_MIN, &host, RP_EINVAL, "host_org");

  sample_payload(&p, RP__PL_REGISTRATION, SAMPLE_FULL);
  p.u.registration.participants = 0;
  enc_expect(&p, RP_EMISSING, "participants");
  sample_payload(&p, RP__PL_REGISTRATION, SAMPLE_MIN);
  p.u.registration.participants = 2;
  enc_expect(&p, RP_EINVAL, "participants");
  edit yes = {{7}, 1, EDIT_REPLACE, put_cstr, "tilmeldt"};
  dec_expect(RP__PL_REGISTRATION, SAMPLE_MIN, &yes, RP_EMISSING, "participants");
}

static void test_danger_flags(void **state) {
  (void)state;
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_MIN);
  assert_int_equal(rp__payload_danger(&p), 0);
  assert_false(rp__payload_has_danger_flag(&p));
  RQ->measures_taken = RP__BIT(RP__MEAS_FAMILY_INFORMED);
  assert_int_equal(rp__payload_danger(&p), RP__DANGER_FAMILY_INFORMED);
  RQ->measures_taken = 0;
  RQ->risk.acute = true;
  assert_int_equal(rp__payload_danger(&p), RP__DANGER_RISK_ACUTE);
  RQ->risk.acute = false;
  RQ->urgency = RP__URG_AKUT;
  assert_int_equal(rp__payload_danger(&p), RP__DANGER_URGENCY_AKUT);
  assert_true(rp__payload_has_danger_flag(&p));
  RQ->urgency = RP__URG_HASTER;
  RQ->risk.level = RP__RISK_HOEJ; /* a high risk alone is not a danger flag */
  assert_false(rp__payload_has_danger_flag(&p));
  sample_payload(&p, RP__PL_REQUEST, SAMPLE_ALT);
  assert_int_equal(rp__payload_danger(&p),
                   RP__DANGER_FAMILY_INFORMED | RP__DANGER_RISK_ACUTE);
  /* The flags survive the wire: the receiver computes the same. */
  size_t len = 0;
  assert_int_equal(rp__payload_encode(&p, enc_buf, sizeof enc_buf, &len, NULL), 0);
  assert_int_equal(rp__payload_decode(enc_buf, len, &out, NULL), 0);
  assert_int_equal(rp__payload_danger(&out), rp__payload_danger(&p));
  sample_payload(&p, RP__PL_FOLLOW_UP, SAMPLE_FULL);
  assert_int_equal(rp__payload_danger(&p), RP__DANGER_FAMILY_INFORMED |
                                               RP__DANGER_RISK_ACUTE |
                                               RP__DANGER_URGENCY_AKUT);
  p.u.follow_up.has_risk = false;
  assert_int_equal(rp__payload_danger(&p) & RP__DANGER_RISK_ACUTE, 0);
  sample_payload(&p, RP__PL_REPLY, SAMPLE_FULL);
  assert_int_equal(rp__payload_danger(&p), 0);
}

static void test_kind_names(void **state) {
  (void)state;
  rp__payload_kind k = 99;
  for (unsigned i = 1; i <= RP__PL_KIND_MAX; i++) {
    const char *name = rp__payload_kind_name(i);
    assert_string_not_equal(name, "unknown");
    assert_int_equal(rp__payload_kind_from_name(name, &k), 0);
    assert_int_equal(k, i);
    assert_int_equal(rp__payload_kind_from_name(rp__payload_kind_label(i), &k), 0);
    assert_int_equal(k, i);
    assert_int_not_equal(rp__payload_kind_senders(i), 0);
    assert_string_equal(rp__payload_schema(i)->name, name);
    for (const char *c = name; *c; c++)
      assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
  }
  assert_string_equal(rp__payload_kind_name(RP__PL_FOLLOW_UP), "follow_up");
  assert_string_equal(rp__payload_kind_label(RP__PL_REQUEST), "henvendelse");
  assert_string_equal(rp__payload_kind_name(0), "unknown");
  assert_string_equal(rp__payload_kind_label(RP__PL_KIND_MAX + 1), "ukendt");
  assert_null(rp__payload_schema(0));
  assert_int_equal(rp__payload_kind_senders(0), 0);
  assert_int_equal(rp__payload_kind_from_name("Request", &k), RP_EENUM);
  assert_int_equal(k, 0);
  assert_int_equal(rp__payload_kind_from_name(NULL, &k), RP_EENUM);
  assert_int_equal(rp__payload_kind_senders(RP__PL_REQUEST), RP__FROM_MUNICIPALITY);
  assert_int_equal(rp__payload_kind_senders(RP__PL_REPLY), RP__FROM_TEAM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_under_18_track), cmocka_unit_test(test_identifiability),
      cmocka_unit_test(test_request_fields), cmocka_unit_test(test_citizen),
      cmocka_unit_test(test_risk_dates),     cmocka_unit_test(test_attachments),
      cmocka_unit_test(test_reply_note),     cmocka_unit_test(test_receipt),
      cmocka_unit_test(test_meetings),       cmocka_unit_test(test_plans_and_networks),
      cmocka_unit_test(test_danger_flags),   cmocka_unit_test(test_kind_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
