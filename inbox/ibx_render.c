/* SPDX-License-Identifier: MIT */
#include "ibx_render.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_areq.h"
#include "ibx_clock.h"
#include "payload.h"
#include "rejsepost_errors.h"

static const char *const k_urg[] = {"akut", "haster", "normal", "plan"};

const char *rp__ibx_urgency_name(int u) { return u >= 1 && u <= 4 ? k_urg[u - 1] : "-"; }

static void categories(rp__ibx_buf *b, uint64_t bits, int json) {
  const rp__enum *e = rp__ibx_enum_category();
  int first = 1;
  for (uint32_t i = 0; i < e->n; i++) {
    if (!(bits & (1ull << i))) continue;
    if (!first) rp__ibx_buf_puts(b, json ? "," : " ");
    if (json) rp__ibx_buf_json_str(b, e->names[i]);
    else rp__ibx_buf_puts(b, e->names[i]);
    first = 0;
  }
}

static void thread_json(rp__ibx_buf *j, const rp__ibx_thread *t, uint64_t now, unsigned sl) {
  rp__ibx_buf_puts(j, "{\"thread_id\":");
  rp__ibx_buf_json_str(j, t->thread_id);
  rp__ibx_buf_printf(j, ",\"short_id\":\"%.*s\"", (int)sl, t->thread_id);
  rp__ibx_buf_puts(j, ",\"first_msg\":");
  rp__ibx_buf_json_str(j, t->first_msg);
  rp__ibx_buf_puts(j, ",\"municipality\":");
  rp__ibx_buf_json_str(j, t->municipality);
  rp__ibx_buf_puts(j, ",\"peer\":");
  rp__ibx_buf_json_str(j, t->peer);
  rp__ibx_buf_printf(j, ",\"kind\":\"%s\",\"urgency\":\"%s\",\"state\":\"%s\",\"categories\":[",
                     rp__payload_kind_name((uint64_t)t->kind), rp__ibx_urgency_name(t->urgency),
                     rp__ibx_state_name(t->state) != NULL ? rp__ibx_state_name(t->state) : "?");
  categories(j, t->categories, 1);
  rp__ibx_buf_printf(j,
                     "],\"arrived\":%" PRIu64 ",\"deadline\":%" PRIu64 ",\"opened_at\":%" PRIu64
                     ",\"answered_at\":%" PRIu64 ",\"closed_at\":%" PRIu64
                     ",\"overdue\":%s,\"escalated\":%s,\"autoreplied\":%s,\"claimed_by\":",
                     t->arrived, t->deadline, t->opened_at, t->answered_at, t->closed_at,
                     rp__ibx_overdue(t, now) ? "true" : "false", t->escalated ? "true" : "false",
                     t->autoreplied ? "true" : "false");
  rp__ibx_buf_json_str(j, t->claimed_by);
  rp__ibx_buf_puts(j, "}");
}

/* sl: the length of the short ids shown (rp__ibx_store_short_len). */
static void thread_line(rp__ibx_buf *b, const rp__ibx_thread *t, uint64_t now, unsigned sl) {
  char arrived[32], deadline[32];
  int overdue = rp__ibx_overdue(t, now);
  rp__ibx_fmt_local(t->arrived, arrived, sizeof arrived);
  rp__ibx_fmt_local(t->deadline, deadline, sizeof deadline);
  rp__ibx_buf_printf(b, "%s %-6s %-8s %.*s  %-3s  in %s  due %s%s  %s",
                     t->urgency == RP__URG_AKUT ? "!!" : "  ",
                     rp__ibx_urgency_name(t->urgency), rp__ibx_state_name(t->state),
                     (int)sl, t->thread_id, t->municipality, arrived, deadline,
                     overdue ? "  OVERDUE" : "",
                     t->claimed_by[0] != 0 ? "claimed by " : "");
  rp__ibx_buf_safe(b, t->claimed_by);
  rp__ibx_buf_puts(b, "\n    ");
  /* A thread that something other than a request started says what started it. */
  if (t->kind != RP__PL_REQUEST)
    rp__ibx_buf_printf(b, "%s ", rp__payload_kind_name((uint64_t)t->kind));
  categories(b, t->categories, 0);
  rp__ibx_buf_puts(b, "\n");
}

typedef struct list_ctx {
  rp__ibx_buf *text, *json;
  uint64_t now;
  unsigned n, short_len;
} list_ctx;

static int list_one(void *data, const rp__ibx_thread *t) {
  list_ctx *x = data;
  if (x->n++ > 0) rp__ibx_buf_puts(x->json, ",");
  thread_json(x->json, t, x->now, x->short_len);
  thread_line(x->text, t, x->now, x->short_len);
  return 0;
}

int rp__ibx_render_list(rp__ibx_store *st, const rp__ibx_filter *f, uint64_t now,
                        rp__ibx_buf *text, rp__ibx_buf *json) {
  list_ctx x = {text, json, now, 0, RP_IBX_SHORT_ID_MIN};
  int r;
  rp__ibx_buf_puts(json, "[");
  if ((r = rp__ibx_store_short_len(st, &x.short_len)) == 0)
    r = rp__ibx_store_list(st, f, list_one, &x);
  rp__ibx_buf_puts(json, "]");
  if (x.n == 0) rp__ibx_buf_puts(text, "No threads.\n");
  else rp__ibx_buf_printf(text, "%u thread%s.\n", x.n, x.n == 1 ? "" : "s");
  return r;
}

/* Writes one JSON value of a payload for a terminal. */
static void value_text(rp__ibx_buf *b, json_t *v) {
  size_t i;
  json_t *e;
  if (json_is_string(v)) {
    rp__ibx_buf_safe(b, json_string_value(v));
  } else if (json_is_integer(v)) {
    rp__ibx_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  } else if (json_is_boolean(v)) {
    rp__ibx_buf_puts(b, json_is_true(v) ? "ja" : "nej");
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, e) {
      if (i > 0) rp__ibx_buf_puts(b, ", ");
      value_text(b, e);
    }
  } else if (json_is_object(v)) {
    const char *k;
    int first = 1;
    json_object_foreach(v, k, e) {
      rp__ibx_buf_printf(b, "%s%s=", first ? "" : ", ", k);
      value_text(b, e);
      first = 0;
    }
  }
}

static int header_key(const char *k) {
  static const char *const skip[] = {"kind", "msg_id", "thread_id", "sender", "created",
                                     "recipient", "version"};
  for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
    if (strcmp(k, skip[i]) == 0) return 1;
  return 0;
}

static void body_text(rp__ibx_buf *b, const char *body) {
  json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, NULL), *v;
  const char *k;
  if (!json_is_object(root)) {
    rp__ibx_buf_puts(b, "    (unreadable body)\n");
    json_decref(root);
    return;
  }
  json_object_foreach(root, k, v) {
    if (header_key(k)) continue;
    rp__ibx_buf_printf(b, "    %s: ", k);
    value_text(b, v);
    rp__ibx_buf_puts(b, "\n");
  }
  json_decref(root);
}

typedef struct msgs_ctx {
  rp__ibx_buf *text, *json;
  unsigned n;
} msgs_ctx;

static int msg_one(void *data, const rp__ibx_msg *m) {
  msgs_ctx *x = data;
  char when[32];
  rp__ibx_fmt_local(m->stored, when, sizeof when);
  rp__ibx_buf_printf(x->text, "--- %s  %s %s  %s", when, m->dir == RP_IBX_IN ? "from" : "to",
                     m->peer, rp__payload_kind_name((uint64_t)m->kind));
  if (m->who[0] != 0) rp__ibx_buf_printf(x->text, "  (by %s)", m->who);
  rp__ibx_buf_printf(x->text, "  [%s]\n", m->msg_id);
  body_text(x->text, m->body);
  if (x->n++ > 0) rp__ibx_buf_puts(x->json, ",");
  rp__ibx_buf_puts(x->json, "{\"msg_id\":");
  rp__ibx_buf_json_str(x->json, m->msg_id);
  rp__ibx_buf_printf(x->json, ",\"direction\":\"%s\",\"kind\":\"%s\",\"peer\":",
                     m->dir == RP_IBX_IN ? "in" : "out", rp__payload_kind_name((uint64_t)m->kind));
  rp__ibx_buf_json_str(x->json, m->peer);
  rp__ibx_buf_puts(x->json, ",\"advisor\":");
  rp__ibx_buf_json_str(x->json, m->who);
  rp__ibx_buf_printf(x->json, ",\"created\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"payload\":",
                     m->created, m->stored);
  rp__ibx_buf_add(x->json, m->body, m->body_len);
  rp__ibx_buf_puts(x->json, "}");
  return 0;
}

int rp__ibx_render_thread(rp__ibx_store *st, const char *thread_id, uint64_t now,
                          rp__ibx_buf *text, rp__ibx_buf *json) {
  rp__ibx_thread t;
  msgs_ctx x = {text, json, 0};
  unsigned sl = RP_IBX_SHORT_ID_MIN;
  int r = rp__ibx_store_thread(st, thread_id, &t);
  if (r == 0) r = rp__ibx_store_short_len(st, &sl);
  if (r != 0) return r;
  rp__ibx_buf_puts(text, "Thread ");
  thread_line(text, &t, now, sl);
  if (t.outcome != 0)
    rp__ibx_buf_printf(text, "    closed: %s\n", rp__ibx_enum_outcome()->names[t.outcome - 1]);
  rp__ibx_buf_puts(json, "{\"thread\":");
  thread_json(json, &t, now, sl);
  rp__ibx_buf_puts(json, ",\"messages\":[");
  r = rp__ibx_store_messages(st, thread_id, msg_one, &x);
  rp__ibx_buf_puts(json, "]}");
  return r;
}

static int reg_one(void *data, const rp__ibx_msg *m) {
  msgs_ctx *x = data;
  json_t *root = json_loads(m->body, 0, NULL);
  const char *org = json_string_value(json_object_get(root, "sender_org"));
  const char *ans = json_string_value(json_object_get(root, "answer"));
  json_int_t n = json_integer_value(json_object_get(root, "participants"));
  char when[32];
  rp__ibx_fmt_local(m->stored, when, sizeof when);
  rp__ibx_buf_printf(x->text, "%s  %-3s  %-9s %2d  from %s  announcement %s\n", when,
                     org != NULL ? org : "?", ans != NULL ? ans : "?", (int)n, m->peer, m->ref);
  if (x->n++ > 0) rp__ibx_buf_puts(x->json, ",");
  rp__ibx_buf_puts(x->json, "{\"msg_id\":");
  rp__ibx_buf_json_str(x->json, m->msg_id);
  rp__ibx_buf_puts(x->json, ",\"announcement\":");
  rp__ibx_buf_json_str(x->json, m->ref);
  rp__ibx_buf_puts(x->json, ",\"from\":");
  rp__ibx_buf_json_str(x->json, m->peer);
  rp__ibx_buf_puts(x->json, ",\"sender_org\":");
  rp__ibx_buf_json_str(x->json, org);
  rp__ibx_buf_puts(x->json, ",\"answer\":");
  rp__ibx_buf_json_str(x->json, ans);
  rp__ibx_buf_printf(x->json, ",\"participants\":%d}", (int)n);
  json_decref(root);
  return 0;
}

int rp__ibx_render_registrations(rp__ibx_store *st, rp__ibx_buf *text, rp__ibx_buf *json) {
  msgs_ctx x = {text, json, 0};
  int r;
  rp__ibx_buf_puts(json, "[");
  r = rp__ibx_store_messages_of_kind(st, RP__PL_REGISTRATION, reg_one, &x);
  rp__ibx_buf_puts(json, "]");
  rp__ibx_buf_printf(text, "%u registration%s.\n", x.n, x.n == 1 ? "" : "s");
  return r;
}
