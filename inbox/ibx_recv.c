/* SPDX-License-Identifier: MIT */
/*
 * What arrives for the team: the client library has verified and opened the envelope
 * and stored it in its own inbox; we store it in ours (encrypted, durable) and only
 * then mark it handled there, so a crash in between offers it again (and the msg_id
 * keeps it from being stored twice).
 */
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_areq.h"
#include "ibx_daemon.h"
#include "ibx_notify.h"
#include "log.h"
#include "ibx_render.h"
#include "payload.h"

static void copy(char *dst, size_t cap, const char *src) {
  size_t n = src != NULL ? strlen(src) : 0;
  if (n >= cap) n = cap - 1;
  if (n > 0) memcpy(dst, src, n);
  dst[n] = 0;
}

static uint64_t categories_of(const rp_received *r) {
  const rp__enum *e = &rp__payload_enum_category;
  const char *name;
  uint64_t bits = 0;
  for (size_t i = 0; i < RP_SET_MAX && rp_received_get_set(r, "categories", i, &name) == 0;
       i++) {
    int idx = rp__enum_find(e, name);
    if (idx > 0) bits |= 1ull << (idx - 1);
  }
  return bits;
}

typedef struct code_find {
  const char *id;
  char *out;
} code_find;

static int code_of(void *data, const char *id, const char *kind, const char *code,
                   unsigned networks) {
  code_find *f = data;
  (void)kind;
  (void)networks;
  if (strcmp(id, f->id) != 0) return 0;
  copy(f->out, 4, code);
  return 1;
}

/* The municipality code: the roster's (signed) rather than what the payload says. The
 * roster is the client library's, the one that just verified this message's sender. */
static void municipality_of(rp__ibx_daemon *d, const rp_received *r, char out[4]) {
  code_find f = {rp_received_sender(r), out};
  const char *org = NULL;
  out[0] = 0;
  rp_client_members(d->client, code_of, &f);
  if (out[0] == 0 && rp_received_get_text(r, "sender_org", &org) == 0) copy(out, 4, org);
}

/* The clock of a thread that a message other than a request starts. A plan review and
 * a meeting request run on the plan clock (docs/DOMAIN.md: "10 working days, or a
 * meeting is booked"); a follow-up on its own is a question that wants an answer: its own
 * urgency if it gives one, else normal. The rest (a closure, a consent withdrawal, a
 * recall, a meeting proposal, confirmation or cancellation about something the inbox never
 * saw) must be seen but has no service target. */
static int clock_of(const rp_received *r, int kind) {
  const char *u = NULL;
  switch (kind) {
  case RP__PL_REQUEST:
    return rp_received_get_enum(r, "urgency", &u) == 0 ? rp__urgency_from_name(u)
                                                       : RP__URG_NORMAL;
  case RP__PL_PLAN_REVIEW:
  case RP__PL_MEETING_REQUEST:
    return RP__URG_PLAN;
  case RP__PL_FOLLOW_UP:
    return rp_received_get_enum(r, "urgency", &u) == 0 ? rp__urgency_from_name(u)
                                                       : RP__URG_NORMAL;
  default:
    return 0;
  }
}

/*
 * Whether the message starts a thread, and if so its row in *t (returns 1). Every message
 * a municipality may send must reach the advisors: a request or plan review opens its
 * thread; any other kind joins the thread the inbox knows, and when it comes on its own
 * (a thread the inbox never saw) it starts a thread of its own, listed under its kind.
 * The one exception is a registration that answers an announcement the team sent: it
 * belongs to that announcement and the registrations view lists it.
 */
static int thread_for(rp__ibx_daemon *d, const rp_received *r, int kind, uint64_t now,
                      rp__ibx_thread *t) {
  const char *th = rp_received_thread_id(r);
  rp__ibx_hours h;
  if (kind != RP__PL_REQUEST && kind != RP__PL_PLAN_REVIEW) {
    if (rp__ibx_store_thread(d->st, th, t) == 0) return 0;
    if (kind == RP__PL_REGISTRATION &&
        rp__ibx_store_has_sent(d->st, th, RP__PL_NETWORK_ANNOUNCEMENT))
      return 0;
  }
  memset(t, 0, sizeof *t);
  copy(t->thread_id, sizeof t->thread_id, th);
  copy(t->first_msg, sizeof t->first_msg, rp_received_msg_id(r));
  copy(t->peer, sizeof t->peer, rp_received_sender(r));
  municipality_of(d, r, t->municipality);
  t->kind = kind;
  t->urgency = clock_of(r, kind);
  t->categories = kind == RP__PL_REQUEST ? categories_of(r) : 0;
  t->state = RP_IBX_ST_NEW;
  t->arrived = t->updated = now;
  rp__ibx_hours_get(d, &h);
  t->deadline = t->urgency != 0 ? rp__ibx_deadline(&h, t->urgency, now) : 0;
  return 1;
}

/* The index of name in payload kind's enum field (0 if none). */
static int enum_index(int kind, const char *field, const char *name) {
  const rp__schema *s = rp__payload_schema((uint64_t)kind);
  for (uint32_t i = 0; s != NULL && i < s->nfields; i++)
    if (strcmp(s->fields[i].name, field) == 0 && s->fields[i].enm != NULL)
      return rp__enum_find(s->fields[i].enm, name);
  return 0;
}

/* A municipality recalls a message of its own in this thread: its content is hidden from
 * then on (ibx_store.h "Marks"). A recall about a message the team sent, or one another
 * member sent, hides nothing (logged). One not stored yet is marked all the same: it is
 * hidden when it comes. */
static void recalled(rp__ibx_daemon *d, const rp_received *r, const char *th,
                     uint64_t now) {
  const char *about = NULL, *reason = NULL;
  char in_thread[RP_IBX_ID_STRLEN] = "";
  rp__ibx_mark m;
  rp__ibx_msg_ref ref;
  if (rp_received_get_hex(r, "about", &about) != 0 || about == NULL) return;
  rp_received_get_enum(r, "reason", &reason);
  if (rp__ibx_store_has_msg(d->st, about, in_thread) &&
      (strcmp(in_thread, th) != 0 || rp__ibx_store_find_msg(d->st, th, about, &ref) != 0 ||
       ref.dir != RP_IBX_IN || strcmp(ref.peer, rp_received_sender(r)) != 0)) {
    rp__log_warn("event=recall_ignored msg=%s thread=%s about=%s (not the sender's own "
                 "message in this thread)",
                 rp_received_msg_id(r), th, about);
    return;
  }
  memset(&m, 0, sizeof m);
  snprintf(m.msg_id, sizeof m.msg_id, "%s", about);
  m.kind = RP__PL_RECALL;
  m.reason = reason != NULL ? enum_index(RP__PL_RECALL, "reason", reason) : 0;
  m.dir = RP_IBX_IN;
  m.at = now;
  if (rp__ibx_store_mark(d->st, th, &m) == 0)
    rp__ibx_audit_action_kv(d, "inboxd", "recalled", th, "msg", about);
}

/* Processing stops: the thread closes (outcome samtykke_tilbagekaldt, unless it was
 * closed already), its content is hidden, it is purged with the closed threads, and the
 * audit log records it. */
static void consent_withdrawn(rp__ibx_daemon *d, const rp_received *r, const char *th,
                              uint64_t now) {
  const char *by = NULL;
  rp__ibx_mark m;
  memset(&m, 0, sizeof m);
  rp_received_get_enum(r, "by", &by);
  m.kind = RP__PL_CONSENT_WITHDRAWN;
  m.reason = by != NULL ? enum_index(RP__PL_CONSENT_WITHDRAWN, "by", by) : 0;
  m.dir = RP_IBX_IN;
  m.at = now;
  rp__ibx_store_close_thread(d->st, th, RP__OUT_SAMTYKKE_TILBAGEKALDT, now);
  if (rp__ibx_store_mark(d->st, th, &m) == 0) {
    rp__ibx_audit_action(d, "inboxd", "consent_withdrawn", th);
    rp__log_warn("event=consent_withdrawn thread=%s (processing stopped, content hidden)",
                 th);
  }
}

/* What a later message does to the thread it joined. */
static void after_store(rp__ibx_daemon *d, const rp_received *r, int kind, uint64_t now) {
  const char *th = rp_received_thread_id(r), *outcome = NULL;
  rp__ibx_thread t;
  if (rp__ibx_store_thread(d->st, th, &t) != 0) return;
  if (kind == RP__PL_CLOSURE && rp_received_get_enum(r, "outcome", &outcome) == 0) {
    rp__ibx_store_close_thread(d->st, th, rp__enum_find(&rp__payload_enum_outcome, outcome),
                               now);
  } else if (kind == RP__PL_CONSENT_WITHDRAWN) {
    consent_withdrawn(d, r, th, now);
  } else if (kind == RP__PL_RECALL) {
    recalled(d, r, th, now);
    rp__ibx_store_touch(d->st, th, now);
  } else if (kind != RP__PL_REQUEST && kind != RP__PL_PLAN_REVIEW) {
    rp__ibx_store_touch(d->st, th, now);
  }
}

static char *body_of(const rp_received *r, size_t *len) {
  char *json = NULL, *copy_;
  if (rp_received_to_json(r, &json) != 0 || json == NULL) {
    /* Without JSON support we still keep that it came and what it is. */
    static const char k_min[] = "{\"note\":\"body not available as JSON\"}";
    *len = sizeof k_min - 1;
    return strdup(k_min);
  }
  *len = strlen(json);
  copy_ = malloc(*len + 1);
  if (copy_ != NULL) memcpy(copy_, json, *len + 1);
  memset(json, 0, *len);
  rp_free(json);
  return copy_;
}

typedef struct att_ctx {
  rp__ibx_daemon *d;
  const rp_received *r;
} att_ctx;

static int att_write(void *ctx, const uint8_t *buf, size_t len) {
  return rp__ibx_att_put(ctx, buf, len);
}

/* Attachment idx of the message being stored: the library's stream (decrypted a chunk
 * at a time from its inbox, checked against the sha256) into the store's pieces. */
static int att_src(void *ctx, unsigned idx, rp__ibx_att *meta, rp__ibx_att_sink *sink) {
  att_ctx *a = ctx;
  const char *name = NULL, *mime = NULL, *kind = NULL;
  int r = rp_received_attachment(a->r, idx, &name, &mime, NULL, &kind);
  if (r != 0) return r;
  copy(meta->name, sizeof meta->name, name);
  copy(meta->mime, sizeof meta->mime, mime);
  copy(meta->kind, sizeof meta->kind, kind);
  meta->dir = RP_IBX_IN;
  return rp_received_attachment_read(a->d->client, a->r, idx, att_write, sink);
}

static int store(rp__ibx_daemon *d, const rp_received *r, int kind, uint64_t now,
                 int *inserted, rp__ibx_thread *t, int *has_t) {
  rp__ibx_msg m;
  att_ctx ac = {d, r};
  int rc;
  memset(&m, 0, sizeof m);
  m.natt = (unsigned)rp_received_attachments(r);
  m.att_src = att_src;
  m.att_ctx = &ac;
  copy(m.msg_id, sizeof m.msg_id, rp_received_msg_id(r));
  copy(m.thread_id, sizeof m.thread_id, rp_received_thread_id(r));
  copy(m.ref, sizeof m.ref, rp_received_in_reply_to(r));
  copy(m.peer, sizeof m.peer, rp_received_sender(r));
  m.dir = RP_IBX_IN;
  m.kind = kind;
  m.created = rp_received_created(r);
  m.stored = now;
  if ((m.body = body_of(r, &m.body_len)) == NULL) return RP_ENOMEM;
  *has_t = thread_for(d, r, kind, now, t);
  rc = rp__ibx_store_add(d->st, &m, *has_t ? t : NULL, inserted);
  memset(m.body, 0, m.body_len);
  free(m.body);
  return rc;
}

void rp__ibx_on_receive(void *data, rp_client *c, const rp_received *r) {
  rp__ibx_daemon *d = data;
  rp__payload_kind kind = 0;
  rp__ibx_thread t;
  rp__ibx_hours h;
  uint64_t now = rp__ibx_now(d);
  int inserted = 0, has_t = 0, rc;

  if (rp__payload_kind_from_name(rp_received_kind(r), &kind) != 0) kind = 0;
  if ((rc = store(d, r, (int)kind, now, &inserted, &t, &has_t)) != 0) {
    /* Not marked handled: the library offers it again at the next start. */
    rp__log_error("event=store_failed msg=%s error=%s", rp_received_msg_id(r),
                  rp_err_name(rc));
    return;
  }
  /* A message that started its thread (has_t) has nothing to do to it: a closure on its
   * own must stay open until an advisor has seen it. */
  if (inserted && !has_t) after_store(d, r, (int)kind, now);
  rc = rp_inbox_mark_handled(c, rp_received_msg_id(r));
  rp__log_info("event=%s msg=%s thread=%s kind=%s from=%s urgency=%s%s",
               inserted ? "received" : "duplicate", rp_received_msg_id(r),
               rp_received_thread_id(r), rp_received_kind(r), rp_received_sender(r),
               has_t && t.urgency != 0 ? rp__ibx_urgency_name(t.urgency) : "-",
               rc != 0 ? " mark_handled=failed" : "");
  rp__ibx_hours_get(d, &h);
  if (inserted && has_t && t.urgency == RP__URG_AKUT && !rp__ibx_hours_open(&h, now))
    rp__ibx_send_autoreply(d, &t);
  /* The advisors on duty learn of it at once: the main thread sends the alerts. */
  if (inserted && has_t && (t.urgency == RP__URG_AKUT || t.urgency == RP__URG_HASTER))
    rp__ibx_notify_wake(d);
}
