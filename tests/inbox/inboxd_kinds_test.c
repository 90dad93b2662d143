/* SPDX-License-Identifier: MIT */
/*
 * Every kind of message a municipality may send reaches the advisors: attached to its
 * thread when the inbox knows the thread, or starting a thread of its own when it comes
 * on its own. Nothing is stored where no listing shows it while the sender sees
 * "delivered". Real relayd, real daemon (test build), municipalities as library clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_fixture.h"

static fx g;

static int setup(void **state) {
  (void)state;
  return fx_init(&g, "inboxd-kinds");
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

static void random_hex(char out[RP_ID_STRLEN]) {
  uint8_t b[16];
  randombytes_buf(b, sizeof b);
  fx_hex(b, sizeof b, out);
}

/* Fills m with valid fields of its kind; every reference points at nothing the inbox
 * knows (the message comes on its own). */
/* The draft plan a plan review carries: a small attachment, sealed in one chunk. */
static const uint8_t k_plan_pdf[12000] = {'%', 'P', 'D', 'F'};

static int fill(rp_msg *m, const char *kind, const char *org) {
  char ref[RP_ID_STRLEN];
  const uint64_t start = FX_MON_0900 + 3 * 24 * FX_HOUR;
  int r = 0;
  random_hex(ref);
  if (strcmp(kind, "follow_up") == 0) {
    if ((r = rp_msg_set_hex(m, "in_reply_to", ref)) == 0)
      r = rp_msg_set_text(m, "text", "Pigen er flyttet til sin moster.");
  } else if (strcmp(kind, "closure") == 0) {
    r = rp_msg_set_enum(m, "outcome", "andet");
  } else if (strcmp(kind, "consent_withdrawn") == 0) {
    r = rp_msg_set_enum(m, "by", "borger");
  } else if (strcmp(kind, "meeting_request") == 0) {
    if ((r = rp_msg_set_enum(m, "purpose", "sparring")) == 0 &&
        (r = rp_msg_set_enum(m, "mode", "online")) == 0)
      r = rp_msg_set_uint(m, "duration_min", 60);
  } else if (strcmp(kind, "meeting_proposal") == 0) {
    if ((r = rp_msg_set_hex(m, "meeting_ref", ref)) == 0 &&
        (r = rp_msg_set_enum(m, "mode", "online")) == 0 &&
        (r = rp_msg_list_add(m, "slots")) == 0 &&
        (r = rp_msg_set_uint(m, "slots.start", start)) == 0)
      r = rp_msg_set_uint(m, "slots.end", start + FX_HOUR);
  } else if (strcmp(kind, "meeting_confirmation") == 0) {
    if ((r = rp_msg_set_hex(m, "meeting_ref", ref)) == 0 &&
        (r = rp_msg_set_enum(m, "mode", "online")) == 0 &&
        (r = rp_msg_set_uint(m, "slot.start", start)) == 0)
      r = rp_msg_set_uint(m, "slot.end", start + FX_HOUR);
  } else if (strcmp(kind, "meeting_cancellation") == 0) {
    if ((r = rp_msg_set_hex(m, "meeting_ref", ref)) == 0)
      r = rp_msg_set_enum(m, "reason", "ny_tid_oenskes");
  } else if (strcmp(kind, "plan_review") == 0) {
    if ((r = rp_msg_set_text(m, "sender_org", org)) == 0 &&
        (r = rp_msg_set_enum(m, "plan", "beredskabsplan")) == 0)
      r = rp_msg_attach_buffer(m, k_plan_pdf, sizeof k_plan_pdf, "beredskabsplan.pdf",
                               "application/pdf", "beredskabsplan_udkast");
  } else if (strcmp(kind, "registration") == 0) {
    if ((r = rp_msg_set_hex(m, "announcement_ref", ref)) == 0 &&
        (r = rp_msg_set_text(m, "sender_org", org)) == 0 &&
        (r = rp_msg_set_enum(m, "answer", "tilmeldt")) == 0)
      r = rp_msg_set_uint(m, "participants", 2);
  } else if (strcmp(kind, "recall") == 0) {
    if ((r = rp_msg_set_hex(m, "about", ref)) == 0)
      r = rp_msg_set_enum(m, "reason", "forkert_modtager");
  } else {
    r = RP_EINVAL;
  }
  return r;
}

/* Sends `kind` from municipality mun in `thread`; NULL lets the library choose (a plan
 * review always starts its own thread, PROTOCOL.md 6.6, so it takes NULL). */
static int send_kind(int mun, const char *kind, const char *thread, char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int r = rp_msg_new(kind, &m);
  if (r == 0 && thread != NULL) r = rp_msg_set_thread(m, thread);
  if (r == 0 && (r = fill(m, kind, fx_code(&g, mun))) == 0) r = rp_send(g.mun[mun], m, id);
  if (r != 0)
    fprintf(stderr, "%s: %s at %s\n", kind, rp_strerror(r),
            m != NULL && rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
  rp_msg_free(m);
  return r;
}

/* Every kind a municipality may send (receipts are the client library's own business),
 * the request aside. */
static const char *const k_kinds[] = {"follow_up",
                                      "closure",
                                      "consent_withdrawn",
                                      "meeting_request",
                                      "meeting_proposal",
                                      "meeting_confirmation",
                                      "meeting_cancellation",
                                      "plan_review",
                                      "registration",
                                      "recall"};
#define NKINDS (sizeof k_kinds / sizeof k_kinds[0])

/* Each kind on its own, in a thread the inbox has never seen: it starts a thread of its
 * own, listed (open, not only with --all) under its kind, and show has it. */
static void test_each_kind_on_its_own(void **state) {
  char th[NKINDS][RP_ID_STRLEN], id[NKINDS][RP_ID_STRLEN], needle[512], args[512];
  char *out = NULL;
  (void)state;
  for (size_t i = 0; i < NKINDS; i++) {
    int starts = strcmp(k_kinds[i], "plan_review") == 0;
    random_hex(th[i]);
    assert_int_equal(
        send_kind((int)(i % FX_NMUN), k_kinds[i], starts ? NULL : th[i], id[i]), 0);
    if (starts) memcpy(th[i], id[i], RP_ID_STRLEN); /* its thread is its own id */
  }
  /* All were delivered; the last one listed means the rest had their chance. */
  int missing = 0;
  for (size_t i = 0; i < NKINDS; i++) {
    assert_int_equal(
        fx_wait_status(&g, (int)(i % FX_NMUN), id[i], RP_STATUS_DELIVERED, 20000), 0);
    snprintf(needle, sizeof needle, "\"thread_id\":\"%s\"", th[i]);
    if (fx_wait_listed(&g, "list --json", needle, missing ? 300 : 5000) != 0) {
      fprintf(stderr, "%s on its own: delivered, not listed\n", k_kinds[i]);
      missing++;
    }
  }
  assert_int_equal(missing, 0);
  assert_int_equal(fx_advisor(&g, "list --json", NULL, &out), 0);
  for (size_t i = 0; i < NKINDS; i++) {
    snprintf(needle, sizeof needle, "\"thread_id\":\"%s\"", th[i]);
    char *o = strstr(out, needle), *end = o != NULL ? strchr(o, '}') : NULL;
    assert_non_null(end);
    *end = 0;
    snprintf(needle, sizeof needle, "\"kind\":\"%s\"", k_kinds[i]);
    if (strstr(o, needle) == NULL) fprintf(stderr, "%s: %s\n", k_kinds[i], o);
    assert_non_null(strstr(o, needle));
    assert_non_null(strstr(o, "\"state\":\"new\""));
    *end = '}';
  }
  free(out);
  for (size_t i = 0; i < NKINDS; i++) {
    snprintf(args, sizeof args, "show %s --json", th[i]);
    assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
    assert_non_null(strstr(out, id[i]));
    free(out);
  }
  /* The readable listing names the kind of a thread that is not a request. */
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0);
  assert_non_null(strstr(out, "meeting_request"));
  assert_non_null(strstr(out, "consent_withdrawn"));
  free(out);
  /* A registration is also in the registrations view. */
  assert_int_equal(fx_advisor(&g, "registrations --json", NULL, &out), 0);
  assert_non_null(strstr(out, id[8]));
  free(out);
}

/* The same kinds in a thread the inbox knows are attached to it: show has them, and
 * they start no thread of their own. (Closure and consent withdrawal close the thread,
 * so they come last. A plan review is not here: it always starts its own thread.) */
static void test_each_kind_in_its_thread(void **state) {
  char req[RP_ID_STRLEN], th[RP_ID_STRLEN], id[NKINDS][RP_ID_STRLEN], args[200],
      *out = NULL;
  (void)state;
  assert_int_equal(fx_request(&g, 0, "normal", "vold", req), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", req, 20000), 0);
  assert_int_equal(fx_thread_of(&g, req, th), 0);
  static const size_t order[] = {0, 3, 4, 5, 6, 9, 1, 2}; /* no registration here */
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
    assert_int_equal(send_kind(0, k_kinds[order[k]], th, id[order[k]]), 0);
  snprintf(args, sizeof args, "show %s --json", th);
  for (int waited = 0; waited < 20000; waited += 100) {
    assert_int_equal(fx_advisor(&g, args, NULL, &out), 0);
    int all = 1;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
      all = all && strstr(out, id[order[k]]) != NULL;
    if (all) break;
    free(out);
    out = NULL;
    fx_sleep_ms(100);
  }
  assert_non_null(out);
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
    assert_non_null(strstr(out, id[order[k]]));
  free(out);
  /* None of them made a thread of its own. */
  assert_int_equal(fx_advisor(&g, "list --all --json", NULL, &out), 0);
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
    char needle[80];
    snprintf(needle, sizeof needle, "\"thread_id\":\"%s\"", id[order[k]]);
    assert_null(strstr(out, needle));
  }
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_kind_on_its_own),
      cmocka_unit_test(test_each_kind_in_its_thread),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
