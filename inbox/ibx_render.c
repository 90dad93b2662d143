/* SPDX-License-Identifier: MIT */
#include "ibx_render.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_areq.h"
#include "ibx_clock.h"
#include "payload.h"
#include "rejsepost_errors.h"

const char *rp__ibx_urgency_name(int u) {
  const char *name = rp__urgency_name(u);
  return name != NULL ? name : "-";
}

static void categories(rp__buf *b, uint64_t bits) {
  const rp__enum *e = &rp__payload_enum_category;
  int first = 1;
  for (uint32_t i = 0; i < e->n; i++) {
    if (!(bits & (1ull << i))) continue;
    if (!first) rp__buf_puts(b, " ");
    rp__buf_puts(b, e->names[i]);
    first = 0;
  }
}

/* ---- JSON, through jansson like the rest of the project ---- */

/* A JSON string of s ("" for NULL; "?" for text that is not UTF-8, which the store never
 * holds: a listing must not fail on one odd field). */
static json_t *jstr(const char *s) {
  json_t *v = json_string(s != NULL ? s : "");
  return v != NULL ? v : json_string("?");
}

static json_t *jtime(uint64_t ms) {
  return json_integer((json_int_t)ms);
}

/* Appends v, compact, to b (whose cap says whether it fits) and frees v. The text may
 * hold decrypted content: it is wiped. */
static void json_out(rp__buf *b, json_t *v) {
  char *text = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  if (text == NULL) {
    b->overflow = 1;
  } else {
    rp__buf_puts(b, text);
    sodium_memzero(text, strlen(text));
    free(text);
  }
  json_decref(v);
}

static json_t *categories_json(uint64_t bits) {
  const rp__enum *e = &rp__payload_enum_category;
  json_t *a = json_array();
  for (uint32_t i = 0; i < e->n; i++)
    if (bits & (1ull << i)) json_array_append_new(a, jstr(e->names[i]));
  return a;
}

/* One thread; docs/INBOX.md and the tests rely on these names (in this order). */
static json_t *thread_json(const rp__ibx_thread *t, uint64_t now, unsigned sl) {
  char short_id[RP_IBX_ID_STRLEN];
  const char *state = rp__ibx_state_name(t->state);
  json_t *o = json_object();
  snprintf(short_id, sizeof short_id, "%.*s", (int)sl, t->thread_id);
  json_object_set_new(o, "thread_id", jstr(t->thread_id));
  json_object_set_new(o, "short_id", jstr(short_id));
  json_object_set_new(o, "first_msg", jstr(t->first_msg));
  json_object_set_new(o, "municipality", jstr(t->municipality));
  json_object_set_new(o, "peer", jstr(t->peer));
  json_object_set_new(o, "kind", jstr(rp__payload_kind_name((uint64_t)t->kind)));
  json_object_set_new(o, "urgency", jstr(rp__ibx_urgency_name(t->urgency)));
  json_object_set_new(o, "state", jstr(state != NULL ? state : "?"));
  json_object_set_new(o, "categories", categories_json(t->categories));
  json_object_set_new(o, "arrived", jtime(t->arrived));
  json_object_set_new(o, "deadline", jtime(t->deadline));
  json_object_set_new(o, "opened_at", jtime(t->opened_at));
  json_object_set_new(o, "answered_at", jtime(t->answered_at));
  json_object_set_new(o, "closed_at", jtime(t->closed_at));
  json_object_set_new(o, "overdue", json_boolean(rp__ibx_overdue(t, now)));
  json_object_set_new(o, "escalated", json_boolean(t->escalated));
  json_object_set_new(o, "autoreplied", json_boolean(t->autoreplied));
  json_object_set_new(o, "claimed_by", jstr(t->claimed_by));
  return o;
}

/* sl: the length of the short ids shown (rp__ibx_store_short_len). */
static void thread_line(rp__buf *b, const rp__ibx_thread *t, uint64_t now, unsigned sl) {
  char arrived[32], deadline[32];
  int overdue = rp__ibx_overdue(t, now);
  rp__ibx_fmt_local(t->arrived, arrived, sizeof arrived);
  rp__ibx_fmt_local(t->deadline, deadline, sizeof deadline);
  rp__buf_printf(b, "%s %-6s %-8s %.*s  %-3s  in %s  due %s%s  %s",
                 t->urgency == RP__URG_AKUT ? "!!" : "  ", rp__ibx_urgency_name(t->urgency),
                 rp__ibx_state_name(t->state), (int)sl, t->thread_id, t->municipality,
                 arrived, deadline, overdue ? "  OVERDUE" : "",
                 t->claimed_by[0] != 0 ? "claimed by " : "");
  rp__buf_add_safe(b, t->claimed_by);
  rp__buf_puts(b, "\n    ");
  /* A thread that something other than a request started says what started it. */
  if (t->kind != RP__PL_REQUEST)
    rp__buf_printf(b, "%s ", rp__payload_kind_name((uint64_t)t->kind));
  categories(b, t->categories);
  rp__buf_puts(b, "\n");
}

typedef struct list_ctx {
  rp__buf *text;
  json_t *json;
  uint64_t now;
  unsigned n, short_len;
} list_ctx;

static int list_one(void *data, const rp__ibx_thread *t) {
  list_ctx *x = data;
  x->n++;
  json_array_append_new(x->json, thread_json(t, x->now, x->short_len));
  thread_line(x->text, t, x->now, x->short_len);
  return 0;
}

int rp__ibx_render_list(rp__ibx_store *st, const rp__ibx_filter *f, uint64_t now,
                        rp__buf *text, rp__buf *json) {
  list_ctx x = {text, json_array(), now, 0, RP_IBX_SHORT_ID_MIN};
  int r;
  if ((r = rp__ibx_store_short_len(st, &x.short_len)) == 0)
    r = rp__ibx_store_list(st, f, list_one, &x);
  json_out(json, x.json);
  if (x.n == 0)
    rp__buf_puts(text, "No threads.\n");
  else
    rp__buf_printf(text, "%u thread%s.\n", x.n, x.n == 1 ? "" : "s");
  return r;
}

/* Writes one JSON value of a payload for a terminal. */
static void value_text(rp__buf *b, json_t *v) {
  size_t i;
  json_t *e;
  if (json_is_string(v)) {
    rp__buf_add_safe(b, json_string_value(v));
  } else if (json_is_integer(v)) {
    rp__buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  } else if (json_is_boolean(v)) {
    rp__buf_puts(b, json_is_true(v) ? "ja" : "nej");
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, e) {
      if (i > 0) rp__buf_puts(b, ", ");
      value_text(b, e);
    }
  } else if (json_is_object(v)) {
    const char *k;
    int first = 1;
    json_object_foreach(v, k, e) {
      rp__buf_printf(b, "%s%s=", first ? "" : ", ", k);
      value_text(b, e);
      first = 0;
    }
  }
}

static int header_key(const char *k) {
  /* The attachments are listed from the store (numbered, as save takes them). */
  static const char *const skip[] = {"kind",    "msg_id",    "thread_id", "sender",
                                     "created", "recipient", "version",   "attachments"};
  for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
    if (strcmp(k, skip[i]) == 0) return 1;
  return 0;
}

static void body_text(rp__buf *b, const char *body) {
  json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, NULL), *v;
  const char *k;
  if (!json_is_object(root)) {
    rp__buf_puts(b, "    (unreadable body)\n");
    json_decref(root);
    return;
  }
  json_object_foreach(root, k, v) {
    if (header_key(k)) continue;
    rp__buf_printf(b, "    %s: ", k);
    value_text(b, v);
    rp__buf_puts(b, "\n");
  }
  json_decref(root);
}

typedef struct msgs_ctx {
  rp__buf *text;
  json_t *json; /* an array */
  unsigned n;
  const rp__ibx_att *att; /* the thread's attachments (show) */
  unsigned natt;
  const rp__ibx_mark *mark; /* the thread's recalls and consent withdrawal (show) */
  unsigned nmark;
  const rp__ibx_mark *consent; /* the consent withdrawal, or NULL */
  json_t *meetings;            /* the thread's meeting messages (show) */
  rp_client *client;           /* the team's library: outcomes of its recalls, or NULL */
} msgs_ctx;

/* The name of a mark's reason ("forkert_modtager", "borger"). */
static const char *mark_reason(const rp__ibx_mark *m) {
  static const char *const recall[] = {"forkert_modtager", "forkert_indhold", "dublet",
                                       "andet"};
  static const char *const by[] = {"borger", "foraeldremyndighed"};
  if (m->kind == RP__PL_RECALL && m->reason >= 1 && m->reason <= 4)
    return recall[m->reason - 1];
  if (m->kind == RP__PL_CONSENT_WITHDRAWN && m->reason >= 1 && m->reason <= 2)
    return by[m->reason - 1];
  return "?";
}

static json_t *mark_json(const rp__ibx_mark *m) {
  json_t *o = json_object();
  json_object_set_new(o, "at", jtime(m->at));
  json_object_set_new(o, m->kind == RP__PL_RECALL ? "reason" : "by", jstr(mark_reason(m)));
  if (m->kind == RP__PL_RECALL)
    json_object_set_new(o, "by", jstr(m->dir == RP_IBX_OUT ? "team" : "municipality"));
  return o;
}

/* The recall of msg_id, or NULL. */
static const rp__ibx_mark *recall_of(const msgs_ctx *x, const char *msg_id) {
  for (unsigned i = 0; i < x->nmark; i++)
    if (x->mark[i].kind == RP__PL_RECALL && strcmp(x->mark[i].msg_id, msg_id) == 0)
      return &x->mark[i];
  return NULL;
}

/* A meeting message, as the advisors' views need it: no content, only the codes, the
 * slots and which meeting it belongs to (a request's own id, else its meeting_ref). */
static void meeting_add(msgs_ctx *x, const rp__ibx_msg *m, json_t *payload) {
  static const char *const keys[] = {"purpose", "mode",  "place", "duration_min",
                                     "windows", "slots", "slot",  "reason"};
  json_t *o;
  const char *ref;
  if (m->kind != RP__PL_MEETING_REQUEST && m->kind != RP__PL_MEETING_PROPOSAL &&
      m->kind != RP__PL_MEETING_CONFIRMATION && m->kind != RP__PL_MEETING_CANCELLATION)
    return;
  ref = m->kind == RP__PL_MEETING_REQUEST
            ? m->msg_id
            : json_string_value(json_object_get(payload, "meeting_ref"));
  o = json_object();
  json_object_set_new(o, "meeting", jstr(ref != NULL ? ref : m->ref));
  json_object_set_new(o, "msg_id", jstr(m->msg_id));
  json_object_set_new(o, "kind", jstr(rp__payload_kind_name((uint64_t)m->kind)));
  json_object_set_new(o, "direction", jstr(m->dir == RP_IBX_IN ? "in" : "out"));
  json_object_set_new(o, "stored", jtime(m->stored));
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    json_t *v = json_object_get(payload, keys[i]);
    if (v != NULL) json_object_set(o, keys[i], v);
  }
  json_array_append_new(x->meetings, o);
}

/* A message's attachments, numbered in the thread as `save` takes them, with Danish
 * labels as the municipalities' documents call them (bilag, navn, type, størrelse,
 * art). */
static json_t *atts_of(msgs_ctx *x, const char *msg_id) {
  json_t *arr = json_array();
  for (unsigned i = 0; i < x->natt; i++) {
    const rp__ibx_att *a = &x->att[i];
    json_t *o;
    if (strcmp(a->msg_id, msg_id) != 0) continue;
    rp__buf_printf(x->text,
                   "    bilag %u: navn %s, type %s, størrelse %" PRIu64 " bytes, art %s, "
                   "sha256 %s\n",
                   a->n, a->name, a->mime, a->size, a->kind, a->sha256);
    o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)a->n));
    json_object_set_new(o, "name", jstr(a->name));
    json_object_set_new(o, "mime", jstr(a->mime));
    json_object_set_new(o, "size", json_integer((json_int_t)a->size));
    json_object_set_new(o, "kind", jstr(a->kind));
    json_object_set_new(o, "sha256", jstr(a->sha256));
    json_array_append_new(arr, o);
  }
  return arr;
}

static int msg_one(void *data, const rp__ibx_msg *m) {
  msgs_ctx *x = data;
  char when[32], at[32];
  const rp__ibx_mark *rc = recall_of(x, m->msg_id);
  json_t *o = json_object(), *payload = json_loadb(m->body, m->body_len, 0, NULL);
  rp__ibx_fmt_local(m->stored, when, sizeof when);
  rp__buf_printf(x->text, "--- %s  %s %s  %s", when, m->dir == RP_IBX_IN ? "from" : "to",
                 m->peer, rp__payload_kind_name((uint64_t)m->kind));
  if (m->who[0] != 0) rp__buf_printf(x->text, "  (by %s)", m->who);
  rp__buf_printf(x->text, "  [%s]\n", m->msg_id);
  /* Hidden content: the consent withdrawn for the whole thread, or this message recalled.
   * What stays is that it came, its kind and times (and the audit log's lines). */
  if (x->consent != NULL || rc != NULL) {
    uint64_t done = 0;
    /* The team's own recall: done once the municipality's system hid the message and
     * said so (its receipt "recalled", PROTOCOL.md 7.19). */
    if (rc != NULL && rc->dir == RP_IBX_OUT && x->client != NULL)
      rp_status_time(x->client, m->msg_id, RP_STATUS_RECALLED, &done);
    if (rc != NULL) {
      rp__ibx_fmt_local(rc->at, at, sizeof at);
      rp__buf_printf(x->text, "    tilbagekaldt %s (%s, af %s): indholdet er skjult\n", at,
                     mark_reason(rc), rc->dir == RP_IBX_OUT ? "teamet" : "kommunen");
      if (rc->dir == RP_IBX_OUT && x->client != NULL) {
        if (done != 0) rp__ibx_fmt_local(done, at, sizeof at);
        rp__buf_printf(x->text, "    %s%s\n",
                       done != 0 ? "skjult hos kommunen "
                                 : "endnu ikke skjult hos kommunen",
                       done != 0 ? at : "");
      }
    }
    if (x->consent != NULL) {
      rp__ibx_fmt_local(x->consent->at, at, sizeof at);
      rp__buf_printf(x->text, "    samtykke tilbagekaldt %s: indholdet er skjult\n", at);
    }
    json_t *mj = rc != NULL ? mark_json(rc) : json_null();
    if (rc != NULL && rc->dir == RP_IBX_OUT && x->client != NULL) {
      json_object_set_new(mj, "outcome", jstr(done != 0 ? "recalled" : "pending"));
      json_object_set_new(mj, "outcome_at", done != 0 ? jtime(done) : json_null());
    }
    json_object_set_new(o, "recalled", mj);
    json_object_set_new(o, "hidden", json_true());
    json_object_set_new(o, "attachments", json_array());
    json_decref(payload);
    payload = NULL;
  } else {
    body_text(x->text, m->body);
    json_object_set_new(o, "recalled", json_null());
    json_object_set_new(o, "hidden", json_false());
    json_object_set_new(o, "attachments", atts_of(x, m->msg_id));
    meeting_add(x, m, payload);
  }
  x->n++;
  json_object_set_new(o, "msg_id", jstr(m->msg_id));
  json_object_set_new(o, "direction", jstr(m->dir == RP_IBX_IN ? "in" : "out"));
  json_object_set_new(o, "kind", jstr(rp__payload_kind_name((uint64_t)m->kind)));
  json_object_set_new(o, "peer", jstr(m->peer));
  json_object_set_new(o, "advisor", jstr(m->who));
  json_object_set_new(o, "created", jtime(m->created));
  json_object_set_new(o, "stored", jtime(m->stored));
  /* The stored body is JSON the library wrote; null if it ever is not. */
  json_object_set_new(o, "payload", payload != NULL ? payload : json_null());
  json_array_append_new(x->json, o);
  return 0;
}

int rp__ibx_render_thread(rp__ibx_store *st, rp_client *client, const char *thread_id,
                          uint64_t now, uint64_t retention_ms, rp__buf *text,
                          rp__buf *json) {
  rp__ibx_thread t;
  msgs_ctx x = {text, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, client};
  rp__ibx_att *att = NULL;
  rp__ibx_mark *marks = NULL;
  unsigned sl = RP_IBX_SHORT_ID_MIN;
  json_t *o;
  int r = rp__ibx_store_thread(st, thread_id, &t);
  if (r == 0) r = rp__ibx_store_short_len(st, &sl);
  /* Read before the messages: the walk holds the store, and fn may not call it. */
  if (r == 0) r = rp__ibx_store_thread_atts(st, thread_id, &att, &x.natt);
  if (r == 0) r = rp__ibx_store_marks(st, thread_id, &marks, &x.nmark);
  if (r != 0) {
    free(att);
    return r;
  }
  x.att = att;
  x.mark = marks;
  for (unsigned i = 0; i < x.nmark; i++)
    if (marks[i].kind == RP__PL_CONSENT_WITHDRAWN) x.consent = &marks[i];
  rp__buf_puts(text, "Thread ");
  thread_line(text, &t, now, sl);
  if (t.outcome != 0)
    rp__buf_printf(text, "    closed: %s\n", rp__payload_enum_outcome.names[t.outcome - 1]);
  o = json_object();
  x.json = json_array();
  x.meetings = json_array();
  json_t *tj = thread_json(&t, now, sl);
  if (x.consent != NULL) {
    /* Processing stopped; the thread is purged with the closed ones, retention after it
     * was closed. */
    char at[32], purge[32];
    uint64_t purge_at = (t.closed_at != 0 ? t.closed_at : x.consent->at) + retention_ms;
    json_t *c = mark_json(x.consent);
    json_object_set_new(c, "purge_at", jtime(purge_at));
    json_object_set_new(tj, "consent_withdrawn", c);
    rp__ibx_fmt_local(x.consent->at, at, sizeof at);
    rp__ibx_fmt_local(purge_at, purge, sizeof purge);
    rp__buf_printf(text,
                   "    SAMTYKKE TILBAGEKALDT %s (%s): behandlingen er stoppet, indholdet "
                   "er skjult, sletning efter %s\n",
                   at, mark_reason(x.consent), purge);
  } else {
    json_object_set_new(tj, "consent_withdrawn", json_null());
  }
  json_object_set_new(o, "thread", tj);
  r = rp__ibx_store_messages(st, thread_id, msg_one, &x);
  json_object_set_new(o, "messages", x.json);
  json_object_set_new(o, "meetings", x.meetings);
  json_out(json, o);
  free(att);
  free(marks);
  return r;
}

static int reg_one(void *data, const rp__ibx_msg *m) {
  msgs_ctx *x = data;
  json_t *root = json_loadb(m->body, m->body_len, 0, NULL), *o = json_object();
  const char *org = json_string_value(json_object_get(root, "sender_org"));
  const char *ans = json_string_value(json_object_get(root, "answer"));
  json_int_t n = json_integer_value(json_object_get(root, "participants"));
  char when[32];
  rp__ibx_fmt_local(m->stored, when, sizeof when);
  rp__buf_printf(x->text, "%s  %-3s  %-9s %2d  from %s  announcement %s\n", when,
                 org != NULL ? org : "?", ans != NULL ? ans : "?", (int)n, m->peer, m->ref);
  x->n++;
  json_object_set_new(o, "msg_id", jstr(m->msg_id));
  json_object_set_new(o, "announcement", jstr(m->ref));
  json_object_set_new(o, "from", jstr(m->peer));
  json_object_set_new(o, "sender_org", jstr(org));
  json_object_set_new(o, "answer", jstr(ans));
  json_object_set_new(o, "participants", json_integer((int)n));
  json_array_append_new(x->json, o);
  json_decref(root);
  return 0;
}

int rp__ibx_render_registrations(rp__ibx_store *st, rp__buf *text, rp__buf *json) {
  msgs_ctx x = {text, json_array(), 0, NULL, 0, NULL, 0, NULL, NULL, NULL};
  int r = rp__ibx_store_messages_of_kind(st, RP__PL_REGISTRATION, reg_one, &x);
  json_out(json, x.json);
  rp__buf_printf(text, "%u registration%s.\n", x.n, x.n == 1 ? "" : "s");
  return r;
}
