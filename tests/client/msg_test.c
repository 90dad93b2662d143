/* SPDX-License-Identifier: MIT */
/* The message builder by field name: types, limits (one past each), nested maps, lists,
 * JSON and msgpack input, JSON output (rp_msg_to_json), and the offline check
 * (rp_msg_encode). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg_int.h"

static void test_types_and_limits(void **state) {
  rp_msg *m = NULL;
  char *text = malloc(RP_TEXT_QUESTION_MAX + 2);
  (void)state;
  assert_int_equal(rp_msg_new("nope", &m), RP_EENUM);
  assert_null(m);
  assert_int_equal(rp_msg_new("henvendelse", &m), 0); /* the Danish label works too */
  assert_string_equal(rp_msg_kind(m), "request");
  memset(text, 'a', RP_TEXT_QUESTION_MAX + 1);
  text[RP_TEXT_QUESTION_MAX] = '\0';
  assert_int_equal(rp_msg_set_text(m, "question", text), 0);
  text[RP_TEXT_QUESTION_MAX] = 'a';
  text[RP_TEXT_QUESTION_MAX + 1] = '\0';
  assert_int_equal(rp_msg_set_text(m, "question", text), RP_ETOOBIG);
  assert_string_equal(rp_msg_error_field(m), "question");
  assert_int_equal(rp_msg_set_text(m, "question", "\xff"), RP_EUTF8);
  assert_int_equal(rp_msg_set_enum(m, "urgency", "akut"), 0);
  assert_null(rp_msg_error_field(m));
  assert_int_equal(rp_msg_set_text(m, "urgency", "akut"), RP_ETYPE);
  assert_int_equal(rp_msg_set_uint(m, "citizen.age", RP_PAYLOAD_AGE_MAX), 0);
  assert_int_equal(rp_msg_set_uint(m, "citizen.age", RP_PAYLOAD_AGE_MAX + 1), RP_ETOOBIG);
  assert_int_equal(rp_msg_set_uint(m, "citizen.age", 0), RP_ETOOBIG);
  assert_int_equal(rp_msg_set_bool(m, "citizen.under_18", 1), 0);
  assert_int_equal(rp_msg_set_enum(m, "citizen.nope", "x"), RP_ENOTFOUND);
  assert_int_equal(rp_msg_set_enum(m, "question.x", "x"), RP_ETYPE);
  assert_int_equal(rp_msg_add_to_set(m, "categories", "vold"), 0);
  assert_int_equal(rp_msg_add_to_set(m, "categories", "vold"), 0);
  assert_int_equal(m->p.u.request.categories, RP__BIT(RP__CAT_VOLD));
  assert_int_equal(rp_msg_add_to_set(m, "categories", "akut"), RP_EENUM);
  assert_int_equal(rp_msg_set_hex(m, "kind", "00"), RP_EINVAL); /* header: library's */
  /* Lists: set fields of the element added last; one past the capacity is refused. */
  assert_int_equal(rp_msg_set_text(m, "attachments.name", "plan.pdf"), RP_ESTATE);
  for (unsigned i = 0; i < RP_PAYLOAD_ATTACHMENTS_MAX; i++)
    assert_int_equal(rp_msg_list_add(m, "attachments"), 0);
  assert_int_equal(rp_msg_list_add(m, "attachments"), RP_ETOOBIG);
  assert_int_equal(rp_msg_set_text(m, "attachments.name", "plan.pdf"), 0);
  assert_int_equal(rp_msg_set_hex(m, "attachments.sha256", "00"), RP_EINVAL);
  assert_int_equal(rp_msg_set_hex(m, "attachments.sha256",
                                  "00112233445566778899aabbccddeeff"
                                  "00112233445566778899AABBCCDDEEFF"),
                   0);
  assert_int_equal(m->p.u.request.attachments[RP_PAYLOAD_ATTACHMENTS_MAX - 1].sha256[31],
                   0xff);
  assert_int_equal(rp_msg_set_thread(m, "zz"), RP_EINVAL);
  assert_int_equal(rp_msg_set_recipient(m, "has space"), RP_EINVAL);
  rp_msg_free(m);
  free(text);
}

static void test_json_and_msgpack(void **state) {
  static const char json[] =
      "{\"kind\":\"follow_up\",\"in_reply_to\":\"000102030405060708090a0b0c0d0e0f\","
      "\"text\":\"Familien er nu informeret.\",\"urgency\":\"akut\","
      "\"risk\":{\"level\":\"hoej\",\"acute\":true,\"tool\":\"ingen\"},"
      "\"measures_taken\":[\"politi\",\"family_informed\"],\"recipient\":\"team\"}";
  static const char bad1[] = "{\"kind\":\"request\",\"urgency\":\"x\"}";
  static const char bad2[] = "{\"kind\":\"request\",\"risk\":{\"lvl\":1}}";
  rp_msg *m = NULL, *m2 = NULL;
  const char *where = NULL;
  uint8_t buf[RP_PAYLOAD_MAX];
  size_t len = 0;
  (void)state;
  assert_int_equal(rp_msg_from_json(json, strlen(json), &m, &where), 0);
  assert_string_equal(rp_msg_kind(m), "follow_up");
  assert_true(m->p.u.follow_up.has_risk);
  assert_true(m->p.u.follow_up.risk.acute);
  assert_string_equal(m->recipient, "team");
  assert_int_equal(m->p.u.follow_up.in_reply_to[15], 0x0f);
  /* Round trip through msgpack (after the library's header fields). */
  memset(m->p.msg_id, 1, RP_MSG_ID_BYTES);
  memset(m->p.thread_id, 2, RP_THREAD_ID_BYTES);
  m->p.created = 1700000000000ull;
  assert_int_equal(rp__payload_encode(&m->p, buf, sizeof buf, &len, &where), 0);
  assert_int_equal(rp_msg_from_msgpack(buf, len, &m2, &where), 0);
  memset(buf, 0, sizeof buf); /* m2 must own its texts */
  assert_int_equal(m2->p.u.follow_up.text.n, strlen("Familien er nu informeret."));
  assert_memory_equal(m2->p.u.follow_up.text.p, "Familien er nu informeret.",
                      m2->p.u.follow_up.text.n);
  rp_msg_free(m2);
  rp_msg_free(m);
  /* Errors name the field. */
  assert_int_equal(rp_msg_from_json(bad1, strlen(bad1), &m, &where), RP_EENUM);
  assert_null(m);
  assert_string_equal(where, "urgency");
  assert_int_equal(rp_msg_from_json(bad2, strlen(bad2), &m, &where), RP_ENOTFOUND);
  assert_string_equal(where, "risk.lvl");
  assert_int_equal(rp_msg_from_json("[1]", 3, &m, &where), RP_ETYPE);
  assert_int_equal(rp_msg_from_json("{", 1, &m, &where), RP_EMALFORMED);
  assert_int_equal(rp_msg_from_msgpack((const uint8_t *)"\xc1", 1, &m, &where),
                   RP_EMALFORMED);
}

/* A valid request as a send would accept it, with `question` as its question. */
static rp_msg *request(const char *question) {
  static const char head[] =
      "{\"kind\":\"request\",\"sender_org\":\"101\",\"sender_role\":"
      "\"myndighedsraadgiver\","
      "\"sender_ref\":\"cw-17\",\"request_type\":\"konkret_sag\",\"urgency\":\"haster\","
      "\"categories\":[\"negativ_social_kontrol\"],"
      "\"risk\":{\"level\":\"middel\",\"acute\":false,\"tool\":\"ingen\"},"
      "\"citizen\":{\"age_band\":\"15_17\",\"under_18\":true},"
      "\"risk_assessed_before_family\":\"ja\","
      "\"identifiability\":{\"mode\":\"anonym\",\"consent\":\"ingen\"},"
      "\"measures_taken\":[],\"question\":\"";
  char json[1024];
  const char *where = NULL;
  rp_msg *m = NULL;
  snprintf(json, sizeof json, "%s%s\"}", head, question);
  assert_int_equal(rp_msg_from_json(json, strlen(json), &m, &where), 0);
  return m;
}

/* rp_msg_encode: the header a send gives, every rule, the CPR guard, errors located. */
static void test_encode(void **state) {
  static const uint8_t zero[RP_MSG_ID_BYTES] = {0};
  static const char thread[] = "0f0e0d0c0b0a09080706050403020100";
  rp_msg *m = request("FIKTIV: hvad goer vi?"), *back = NULL;
  uint8_t *buf = (uint8_t *)"x", *buf2 = NULL, first[RP_MSG_ID_BYTES];
  const char *where = NULL;
  size_t len = 1, len2 = 0;
  (void)state;
  assert_int_equal(rp_msg_encode(NULL, &buf, &len), RP_EINVAL);
  assert_null(buf);
  assert_int_equal(len, 0);
  assert_int_equal(rp_msg_encode(m, NULL, &len), RP_EINVAL);
  /* Valid: the bytes decode strictly to the same content with a fresh header. */
  assert_int_equal(rp_msg_encode(m, &buf, &len), 0);
  assert_non_null(buf);
  assert_true(len > 0 && len <= RP_PAYLOAD_MAX);
  assert_null(rp_msg_error_field(m));
  assert_memory_equal(m->p.msg_id, zero, RP_MSG_ID_BYTES); /* m itself is unchanged */
  assert_int_equal(rp_msg_from_msgpack(buf, len, &back, &where), 0);
  assert_string_equal(rp_msg_kind(back), "request");
  assert_memory_not_equal(back->p.msg_id, zero, RP_MSG_ID_BYTES);
  assert_memory_equal(back->p.thread_id, back->p.msg_id, RP_THREAD_ID_BYTES);
  assert_true(back->p.created > 1700000000000ull);
  assert_memory_equal(back->p.u.request.question.p, "FIKTIV: hvad goer vi?",
                      back->p.u.request.question.n);
  assert_int_equal(back->p.u.request.citizen.under_18, true);
  memcpy(first, back->p.msg_id, RP_MSG_ID_BYTES);
  /* A request starts its own thread (PROTOCOL.md 6.6): a thread set on it is refused,
   * with the field and a sentence saying so, not silently dropped. */
  assert_int_equal(rp_msg_set_thread(m, thread), 0);
  assert_null(rp_msg_error_text(m));
  assert_int_equal(rp_msg_encode(m, &buf2, &len2), RP_EINVAL);
  assert_null(buf2);
  assert_string_equal(rp_msg_error_field(m), "thread_id");
  assert_non_null(rp_msg_error_text(m));
  assert_non_null(strstr(rp_msg_error_text(m), "starts its own thread"));
  rp_msg_free(m);
  /* A follow-up keeps a set thread; a second encode is a new message. */
  assert_int_equal(rp_msg_new("follow_up", &m), 0);
  assert_int_equal(rp_msg_set_hex(m, "in_reply_to", thread), 0);
  assert_int_equal(rp_msg_set_text(m, "text", "FIKTIV: mere at vide"), 0);
  assert_int_equal(rp_msg_set_thread(m, thread), 0);
  assert_int_equal(rp_msg_encode(m, &buf2, &len2), 0);
  assert_null(rp_msg_error_text(m));
  rp_msg_free(back);
  back = NULL;
  assert_int_equal(rp_msg_from_msgpack(buf2, len2, &back, &where), 0);
  assert_int_equal(back->p.thread_id[0], 0x0f);
  assert_int_equal(back->p.thread_id[15], 0x00);
  assert_memory_not_equal(back->p.msg_id, first, RP_MSG_ID_BYTES);
  rp_free(buf2);
  rp_free(buf);
  rp_msg_free(back);
  rp_msg_free(m);
  /* So does a plan review, checked before its other rules. */
  assert_int_equal(rp_msg_new("plan_review", &m), 0);
  assert_int_equal(rp_msg_set_thread(m, thread), 0);
  assert_int_equal(rp_msg_encode(m, &buf2, &len2), RP_EINVAL);
  assert_string_equal(rp_msg_error_field(m), "thread_id");
  rp_msg_free(m);
  /* A setter's failure has a text too, naming the field. */
  assert_int_equal(rp_msg_new("request", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "urgency", "snart"), RP_EENUM);
  assert_string_equal(rp_msg_error_text(m), "urgency: unknown enumeration value; allowed: "
                                            "akut, haster, normal, plan");
  rp_msg_free(m);

  /* A CPR number is refused, naming the field and the byte where it starts. */
  m = request("FIKTIV: ring 010203-1234");
  buf = (uint8_t *)"x";
  assert_int_equal(rp_msg_encode(m, &buf, &len), RP_ECPR);
  assert_null(buf);
  assert_int_equal(len, 0);
  assert_string_equal(rp_msg_error_field(m), "question");
  assert_int_equal(rp_msg_error_offset(m), strlen("FIKTIV: ring "));
  rp_msg_free(m);

  /* A rule between fields: an age band of 15-17 with under_18 false. */
  m = request("FIKTIV: hvad goer vi?");
  assert_int_equal(rp_msg_set_bool(m, "citizen.under_18", 0), 0);
  assert_int_equal(rp_msg_encode(m, &buf, &len), RP_EINVAL);
  assert_null(buf);
  assert_string_equal(rp_msg_error_field(m), "citizen.under_18");
  assert_int_equal(rp_msg_error_offset(m), 0);
  /* Fixed, it passes and the error is cleared. */
  assert_int_equal(rp_msg_set_bool(m, "citizen.under_18", 1), 0);
  assert_int_equal(rp_msg_encode(m, &buf, &len), 0);
  assert_null(rp_msg_error_field(m));
  rp_free(buf);
  rp_msg_free(m);
}

/* a and b carry the same payload (encoded under one header), recipient and thread. */
static void assert_same_msg(const rp_msg *a, const rp_msg *b) {
  uint8_t *ea = malloc(RP_PAYLOAD_MAX), *eb = malloc(RP_PAYLOAD_MAX);
  rp__payload pa = a->p, pb = b->p;
  size_t la = 0, lb = 0;
  assert_non_null(ea);
  assert_non_null(eb);
  memset(pa.msg_id, 1, RP_MSG_ID_BYTES);
  memset(pb.msg_id, 1, RP_MSG_ID_BYTES);
  memset(pa.thread_id, 2, RP_THREAD_ID_BYTES);
  memset(pb.thread_id, 2, RP_THREAD_ID_BYTES);
  pa.created = pb.created = 1700000000000ull;
  assert_int_equal(rp__payload_encode(&pa, ea, RP_PAYLOAD_MAX, &la, NULL), 0);
  assert_int_equal(rp__payload_encode(&pb, eb, RP_PAYLOAD_MAX, &lb, NULL), 0);
  assert_int_equal(la, lb);
  assert_memory_equal(ea, eb, la);
  assert_string_equal(a->recipient, b->recipient);
  assert_int_equal(a->has_thread, b->has_thread);
  assert_memory_equal(a->thread_id, b->thread_id, RP_THREAD_ID_BYTES);
  free(ea);
  free(eb);
}

/* m as JSON (one line, the caller's), built back with rp_msg_from_json: the same message,
 * and the same text again. Returns the text (rp_free). */
static char *round_trip(const rp_msg *m) {
  rp_msg *back = NULL;
  char *json = (char *)"x", *again = NULL;
  const char *where = NULL;
  assert_int_equal(rp_msg_to_json(m, &json), 0);
  assert_non_null(json);
  assert_null(strchr(json, '\n'));
  assert_int_equal(rp_msg_from_json(json, strlen(json), &back, &where), 0);
  assert_same_msg(m, back);
  assert_int_equal(rp_msg_to_json(back, &again), 0);
  assert_string_equal(again, json);
  rp_free(again);
  rp_msg_free(back);
  return json;
}

/* rp_msg_to_json: rp_msg_from_json(rp_msg_to_json(m)) is m, for nested maps, sets,
 * lists, ids, booleans, the recipient and the thread; the header a send fills is not
 * in it. */
static void test_to_json_round_trip(void **state) {
  static const char thread[] = "0f0e0d0c0b0a09080706050403020100";
  rp_msg *m = request("FIKTIV: hvad goer vi?");
  char *json;
  (void)state;
  assert_int_equal(rp_msg_list_add(m, "attachments"), 0);
  assert_int_equal(rp_msg_set_text(m, "attachments.name", "plan.pdf"), 0);
  assert_int_equal(rp_msg_set_text(m, "attachments.mime", "application/pdf"), 0);
  assert_int_equal(rp_msg_set_uint(m, "attachments.size", 1234), 0);
  assert_int_equal(rp_msg_set_enum(m, "attachments.kind", "handlingsplan"), 0);
  assert_int_equal(rp_msg_set_hex(m, "attachments.sha256",
                                  "00112233445566778899aabbccddeeff"
                                  "00112233445566778899aabbccddeeff"),
                   0);
  assert_int_equal(rp_msg_set_recipient(m, "team"), 0);
  json = round_trip(m);
  assert_int_equal(strncmp(json, "{\"kind\":\"request\",", 18), 0);
  assert_non_null(strstr(json, "\"citizen\":{\"age_band\":\"15_17\",\"under_18\":true}"));
  assert_non_null(strstr(json, "\"categories\":[\"negativ_social_kontrol\"]"));
  assert_non_null(strstr(json, "\"name\":\"plan.pdf\""));
  assert_non_null(strstr(json, "\"recipient\":\"team\""));
  assert_null(strstr(json, "msg_id"));
  assert_null(strstr(json, "created"));
  assert_null(strstr(json, "thread_id"));
  rp_free(json);
  rp_msg_free(m);
  /* A reply in a thread: ids as hex, false booleans kept, the thread carried. */
  assert_int_equal(rp_msg_new("reply", &m), 0);
  assert_int_equal(rp_msg_set_hex(m, "in_reply_to", thread), 0);
  assert_int_equal(rp_msg_set_enum(m, "advisor.role", "raadgiver"), 0);
  assert_int_equal(rp_msg_set_text(m, "advisor.id", "R7"), 0);
  assert_int_equal(rp_msg_set_text(m, "advice", "FIKTIV: \"citat\"\n\tog linjeskift"), 0);
  assert_int_equal(rp_msg_set_bool(m, "reporting_duty", 0), 0);
  assert_int_equal(rp_msg_set_thread(m, thread), 0);
  json = round_trip(m);
  assert_non_null(strstr(json, "\"in_reply_to\":\"0f0e0d0c0b0a09080706050403020100\""));
  assert_non_null(strstr(json, "\"reporting_duty\":false"));
  assert_non_null(strstr(json, "\"thread_id\":\"0f0e0d0c0b0a09080706050403020100\""));
  rp_free(json);
  rp_msg_free(m);
  /* Errors leave *json NULL. */
  json = (char *)"x";
  assert_int_equal(rp_msg_to_json(NULL, &json), RP_EINVAL);
  assert_null(json);
  assert_int_equal(rp_msg_new("closure", &m), 0);
  assert_int_equal(rp_msg_to_json(m, NULL), RP_EINVAL);
  rp_msg_free(m);
}

/* The inbox marks its automatic out-of-hours reply; the builder and JSON carry it. */
static void test_reply_automatic(void **state) {
  static const char json[] =
      "{\"kind\":\"reply\",\"in_reply_to\":\"000102030405060708090a0b0c0d0e0f\","
      "\"advisor\":{\"role\":\"raadgiver\",\"id\":\"vagt\"},"
      "\"advice\":\"Ring 112 ved fare.\",\"reporting_duty\":false,\"automatic\":true}";
  rp_msg *m = NULL, *back = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  const char *where = NULL;
  (void)state;
  assert_int_equal(rp_msg_from_json(json, strlen(json), &m, &where), 0);
  assert_int_equal(rp_msg_encode(m, &buf, &len), 0);
  assert_int_equal(rp_msg_from_msgpack(buf, len, &back, &where), 0);
  assert_true(back->p.u.reply.automatic);
  rp_free(buf);
  rp_msg_free(back);
  /* Off again through the setter: an advisor's reply; "automatic" is left out. */
  assert_int_equal(rp_msg_set_bool(m, "automatic", 0), 0);
  assert_int_equal(rp_msg_encode(m, &buf, &len), 0);
  assert_int_equal(rp_msg_from_msgpack(buf, len, &back, &where), 0);
  assert_false(back->p.u.reply.automatic);
  rp_free(buf);
  rp_msg_free(back);
  rp_msg_free(m);
  /* Only a reply has it. */
  assert_int_equal(rp_msg_new("follow_up", &m), 0);
  assert_int_equal(rp_msg_set_bool(m, "automatic", 1), RP_ENOTFOUND);
  rp_msg_free(m);
}

/* A bad enumeration or set value: the error text lists the names the field takes, so a
 * host's log says what would have been right. */
static void test_enum_error_lists_values(void **state) {
  (void)state;
  rp_msg *m = NULL;
  assert_int_equal(rp_msg_new("request", &m), 0);
  assert_int_equal(rp_msg_set_enum(m, "urgency", "AKUT"), RP_EENUM);
  assert_string_equal(rp_msg_error_field(m), "urgency");
  assert_non_null(strstr(rp_msg_error_text(m), "urgency: "));
  assert_non_null(strstr(rp_msg_error_text(m), "akut, haster, normal, plan"));
  assert_int_equal(rp_msg_set_enum(m, "risk.level", "meget"), RP_EENUM);
  assert_non_null(strstr(rp_msg_error_text(m), "lav, middel, hoej, ukendt"));
  assert_int_equal(rp_msg_add_to_set(m, "categories", "nope"), RP_EENUM);
  assert_non_null(strstr(rp_msg_error_text(m), "negativ_social_kontrol, "));
  assert_non_null(strstr(rp_msg_error_text(m), ", strategisk"));
  /* A good value clears it. */
  assert_int_equal(rp_msg_set_enum(m, "urgency", "akut"), 0);
  assert_null(rp_msg_error_text(m));
  rp_msg_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_and_limits),
      cmocka_unit_test(test_json_and_msgpack),
      cmocka_unit_test(test_encode),
      cmocka_unit_test(test_to_json_round_trip),
      cmocka_unit_test(test_reply_automatic),
      cmocka_unit_test(test_enum_error_lists_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
