/* SPDX-License-Identifier: MIT */
/*
 * The advisor's workflow beyond claim and close (docs/INBOX.md "Reply fields, recalls,
 * consent, meetings"): the reply's coded fields, checked against the payload's own
 * tables; the consent rule; recalling a message the team sent; and meetings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_act.h"
#include "ibx_cal.h"
#include "ibx_clock.h"
#include "log.h"
#include "payload.h"

typedef rp__ibx_act act;

/* The name table of a payload field ("recommended_actions"), or of a field of its list
 * or map (`sub` "referral.kind" under "referrals"). NULL if there is none. */
static const rp__enum *payload_enum(int kind, const char *field, const char *sub) {
  const rp__schema *s = rp__payload_schema((uint64_t)kind);
  for (uint32_t i = 0; s != NULL && i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    if (strcmp(f->name, field) != 0) continue;
    if (sub == NULL) return f->enm;
    for (uint32_t j = 0; f->sub != NULL && j < f->sub->nfields; j++)
      if (strcmp(f->sub->fields[j].name, sub) == 0) return f->sub->fields[j].enm;
  }
  return NULL;
}

/* Copies the name v into out if it is one of e's names; else says which are allowed. */
static int check_name(act *a, const rp__enum *e, rp__str v, const char *what, char *out,
                      size_t cap) {
  char name[RP_IBX_NAME_STRLEN];
  snprintf(name, sizeof name, "%.*s", (int)v.n, v.p);
  if (e != NULL && v.n < sizeof name && rp__enum_find(e, name) > 0) {
    snprintf(out, cap, "%s", name);
    return 0;
  }
  rp__buf_printf(&a->msg, "unknown %s '", what);
  rp__buf_add_safe(&a->msg, name);
  rp__buf_puts(&a->msg, "'; one of:");
  for (uint32_t i = 0; e != NULL && i < e->n; i++)
    rp__buf_printf(&a->msg, " %s", e->names[i]);
  return RP_EENUM;
}

int64_t rp__ibx_day_num(rp__str d) {
  unsigned y = 0, m, dd;
  for (int i = 0; i < 4; i++)
    y = y * 10 + (unsigned)(d.p[i] - '0');
  m = (unsigned)(d.p[5] - '0') * 10 + (unsigned)(d.p[6] - '0');
  dd = (unsigned)(d.p[8] - '0') * 10 + (unsigned)(d.p[9] - '0');
  return rp__ibx_cal_days(y, m, dd);
}

uint64_t rp__ibx_day_ms(rp__str date) {
  return date.n == 10 ? (uint64_t)rp__ibx_cph_utc(rp__ibx_day_num(date), 0) * 1000 : 0;
}

int rp__ibx_coded_check(act *a, rp__ibx_coded *c) {
  const rp__ibx_req *q = a->req;
  const rp__enum *acts = payload_enum(RP__PL_REPLY, "recommended_actions", NULL),
                 *refs = payload_enum(RP__PL_REPLY, "referrals", "referral.kind"),
                 *risk = payload_enum(RP__PL_REPLY, "risk_view", NULL);
  int r;
  memset(c, 0, sizeof *c);
  /* The reporting duty is the advisor's to decide (PROTOCOL.md 7.4 makes it required):
   * never a default. */
  if (q->reporting_duty.n == 0) {
    rp__buf_puts(&a->msg, "the reporting duty is required: yes or no (underretningspligt: "
                          "does the advice say the municipality must report?)");
    return RP_EMISSING;
  }
  if (q->reporting_duty.n == 3 && memcmp(q->reporting_duty.p, "yes", 3) == 0) {
    c->reporting_duty = 1;
  } else if (!(q->reporting_duty.n == 2 && memcmp(q->reporting_duty.p, "no", 2) == 0)) {
    rp__buf_printf(&a->msg, "unknown reporting duty '%.*s'; one of: yes no",
                   (int)(q->reporting_duty.n > 64 ? 64 : q->reporting_duty.n),
                   q->reporting_duty.p);
    return RP_EINVAL;
  }
  for (uint32_t i = 0; i < q->nactions && i < 32; i++)
    if ((r = check_name(a, acts, q->actions[i], "recommended action", c->actions[i],
                        sizeof c->actions[i])) != 0)
      return r;
  c->nactions = q->nactions;
  for (uint32_t i = 0; i < q->nreferrals && i < 16; i++) {
    rp__ibx_coded_referral *f = &c->referrals[i];
    if ((r = check_name(a, refs, q->referrals[i].kind, "referral kind", f->kind,
                        sizeof f->kind)) != 0)
      return r;
    snprintf(f->name, sizeof f->name, "%.*s", (int)q->referrals[i].name.n,
             q->referrals[i].name.p);
    snprintf(f->note, sizeof f->note, "%.*s", (int)q->referrals[i].note.n,
             q->referrals[i].note.p);
  }
  c->nreferrals = q->nreferrals;
  if (q->risk_view.n > 0 && (r = check_name(a, risk, q->risk_view, "risk view",
                                            c->risk_view, sizeof c->risk_view)) != 0)
    return r;
  c->needs_more_info = q->needs_more_info;
  c->meeting_offer = q->meeting_offer;
  c->follow_up_at = rp__ibx_day_ms(q->follow_up_on);
  return 0;
}

/* ---- consent ---- */

uint64_t rp__ibx_retention_ms(rp__ibx_daemon *d) {
  uint64_t s;
  pthread_mutex_lock(&d->mu);
  s = d->cfg.retention_s;
  pthread_mutex_unlock(&d->mu);
  return s * 1000;
}

int rp__ibx_act_consent_ok(act *a, const rp__ibx_thread *t) {
  rp__ibx_mark m;
  char when[32], purge[32];
  if (rp__ibx_store_mark_get(a->d->st, t->thread_id, "", RP__PL_CONSENT_WITHDRAWN, &m) != 0)
    return 0;
  rp__ibx_fmt_local(m.at, when, sizeof when);
  rp__ibx_fmt_local((t->closed_at != 0 ? t->closed_at : m.at) + rp__ibx_retention_ms(a->d),
                    purge, sizeof purge);
  rp__buf_printf(
      &a->msg,
      "refused: the consent was withdrawn (samtykke tilbagekaldt) %s; processing "
      "of this thread has stopped, its content is hidden, and it is purged "
      "after %s",
      when, purge);
  return RP_ESTATE;
}

int rp__ibx_act_writable(act *a, rp__ibx_thread *t) {
  int r = rp__ibx_act_thread(a, t);
  if (r != 0) return r;
  if ((r = rp__ibx_act_consent_ok(a, t)) != 0) return r;
  if (t->state == RP_IBX_ST_CLOSED) {
    rp__buf_puts(&a->msg, "the thread is closed");
    return RP_ESTATE;
  }
  return rp__ibx_act_holder_ok(a, t);
}

/* ---- recall ---- */

/* The request's message (key 28) in the thread: a unique prefix of its id. */
static int thread_msg(act *a, rp__ibx_msg_ref *m) {
  char prefix[33];
  int r;
  if (a->req->msg.n == 0) {
    rp__buf_puts(&a->msg, "a message id is required (show lists them)");
    return RP_EMISSING;
  }
  snprintf(prefix, sizeof prefix, "%.*s", (int)a->req->msg.n, a->req->msg.p);
  r = rp__ibx_store_find_msg(a->d->st, a->thread, prefix, m);
  if (r == RP_ENOTFOUND)
    rp__buf_printf(&a->msg, "no message %s in this thread", prefix);
  else if (r == RP_EEXIST)
    rp__buf_printf(&a->msg, "ambiguous message prefix %s; type more digits", prefix);
  return r;
}

int rp__ibx_do_recall(act *a) {
  const rp__enum *reasons = payload_enum(RP__PL_RECALL, "reason", NULL);
  char reason[RP_IBX_NAME_STRLEN] = "andet", msg_id[RP_ID_STRLEN];
  rp__ibx_thread t;
  rp__ibx_msg_ref m;
  rp__ibx_mark mark;
  rp_msg *pm = NULL;
  int r = rp__ibx_act_thread(a, &t);
  if (r != 0) return r;
  if ((r = rp__ibx_act_holder_ok(a, &t)) != 0) return r;
  if ((r = thread_msg(a, &m)) != 0) return r;
  if (a->req->reason.n > 0 && (r = check_name(a, reasons, a->req->reason, "recall reason",
                                              reason, sizeof reason)) != 0)
    return r;
  snprintf(a->audit_to, sizeof a->audit_to, "%s", m.msg_id);
  a->audit_key = "msg";
  if (m.dir != RP_IBX_OUT || m.kind == RP__PL_RECALL || m.kind == RP__PL_RECEIPT) {
    rp__buf_puts(&a->msg, "refused: the team can recall only a message it sent (not a "
                          "recall); a municipality recalls its own");
    return RP_EPERM;
  }
  if (rp__ibx_store_mark_get(a->d->st, a->thread, m.msg_id, RP__PL_RECALL, &mark) == 0) {
    rp__buf_printf(&a->msg, "message %s is already recalled", m.msg_id);
    return RP_EEXIST;
  }
  if ((r = rp_msg_new("recall", &pm)) == 0 &&
      (r = rp_msg_set_hex(pm, "about", m.msg_id)) == 0 &&
      (r = rp_msg_set_enum(pm, "reason", reason)) == 0)
    r = rp__ibx_send_msg(a->d, &t, a->who, m.msg_id, pm, msg_id);
  rp_msg_free(pm);
  if (r != 0) {
    rp__buf_printf(&a->msg, "not sent: %s", rp_strerror(r));
    return r;
  }
  memset(&mark, 0, sizeof mark);
  snprintf(mark.msg_id, sizeof mark.msg_id, "%s", m.msg_id);
  mark.kind = RP__PL_RECALL;
  mark.reason = rp__enum_find(reasons, reason);
  mark.dir = RP_IBX_OUT;
  mark.at = rp__ibx_now(a->d);
  r = rp__ibx_store_mark(a->d->st, a->thread, &mark);
  if (r == RP_EEXIST) r = 0;
  rp__buf_printf(&a->msg, "recalled %s (%s); recall %s sent", m.msg_id, reason, msg_id);
  /* For a front end: ids and a code name only (hex and [a-z_]: nothing to escape). */
  rp__buf_printf(&a->json,
                 "{\"sent\":\"%s\",\"kind\":\"recall\",\"recalled\":\"%s\","
                 "\"reason\":\"%s\"}",
                 msg_id, m.msg_id, reason);
  return r;
}

/* ---- meetings ---- */

static const int k_meeting_kinds[] = {RP__PL_MEETING_REQUEST, RP__PL_MEETING_PROPOSAL,
                                      RP__PL_MEETING_CONFIRMATION,
                                      RP__PL_MEETING_CANCELLATION};

/* The meeting an answer belongs to: the message named (its own id if a request, else the
 * meeting it refers to), else the thread's newest meeting message, else the thread's
 * first message (a meeting the team starts, on a reply's meeting offer). */
static int meeting_ref(act *a, const rp__ibx_thread *t, char ref[RP_IBX_ID_STRLEN]) {
  rp__ibx_msg_ref m;
  int r;
  if (a->req->msg.n > 0) {
    if ((r = thread_msg(a, &m)) != 0) return r;
  } else if (rp__ibx_store_last_meeting(a->d->st, a->thread, k_meeting_kinds, 4, &m) != 0) {
    snprintf(ref, RP_IBX_ID_STRLEN, "%s", t->first_msg);
    return 0;
  }
  if (m.kind == RP__PL_MEETING_REQUEST || m.ref[0] == 0)
    snprintf(ref, RP_IBX_ID_STRLEN, "%s", m.msg_id);
  else
    snprintf(ref, RP_IBX_ID_STRLEN, "%s", m.ref);
  return 0;
}

/* The slot rule of PROTOCOL.md 7.2: start < end <= start + 24 h. */
static int slot_ok(act *a, const rp__ibx_slot *s, unsigned i) {
  if (s->start < s->end && s->end <= s->start + 86400000ull) return 0;
  rp__buf_printf(&a->msg, "slot %u: the end must come after the start, within 24 hours",
                 i + 1);
  return RP_EINVAL;
}

/* mode (required) and place (required with fysisk, absent with online). */
static int mode_place(act *a, rp_msg *m) {
  char mode[RP_IBX_NAME_STRLEN], place[RP_IBX_NAME_STRLEN];
  int r;
  if (a->req->mode.n == 0) {
    rp__buf_puts(&a->msg, "a meeting mode is required: online or fysisk");
    return RP_EMISSING;
  }
  if ((r = check_name(a, payload_enum(RP__PL_MEETING_PROPOSAL, "mode", NULL), a->req->mode,
                      "meeting mode", mode, sizeof mode)) != 0)
    return r;
  if (strcmp(mode, "fysisk") == 0 && a->req->place.n == 0) {
    rp__buf_puts(&a->msg, "a physical meeting needs a place: hos_kommunen, hos_rejseholdet "
                          "or andet_sted");
    return RP_EMISSING;
  }
  if (strcmp(mode, "online") == 0 && a->req->place.n > 0) {
    rp__buf_puts(&a->msg, "an online meeting has no place");
    return RP_EINVAL;
  }
  if ((r = rp_msg_set_enum(m, "mode", mode)) != 0) return r;
  if (a->req->place.n == 0) return 0;
  if ((r = check_name(a, payload_enum(RP__PL_MEETING_PROPOSAL, "place", NULL),
                      a->req->place, "meeting place", place, sizeof place)) != 0)
    return r;
  return rp_msg_set_enum(m, "place", place);
}

int rp__ibx_do_meeting(act *a) {
  const int action = a->req->action;
  const char *kind = action == RP_IBX_A_MEETING_PROPOSE   ? "meeting_proposal"
                     : action == RP_IBX_A_MEETING_CONFIRM ? "meeting_confirmation"
                                                          : "meeting_cancellation";
  char ref[RP_IBX_ID_STRLEN], msg_id[RP_ID_STRLEN], reason[RP_IBX_NAME_STRLEN];
  rp__ibx_thread t;
  rp_msg *m = NULL;
  int r = rp__ibx_act_writable(a, &t);
  if (r != 0) return r;
  if ((r = meeting_ref(a, &t, ref)) != 0) return r;
  if (action == RP_IBX_A_MEETING_PROPOSE && a->req->nslots == 0) {
    rp__buf_puts(&a->msg, "a proposal needs at least one slot (at most 8)");
    return RP_EMISSING;
  }
  if (action == RP_IBX_A_MEETING_CONFIRM && a->req->nslots != 1) {
    rp__buf_puts(&a->msg, "a confirmation names exactly one slot: the one chosen");
    return RP_EINVAL;
  }
  for (uint32_t i = 0; i < a->req->nslots; i++)
    if ((r = slot_ok(a, &a->req->slots[i], i)) != 0) return r;
  if ((r = rp_msg_new(kind, &m)) == 0) r = rp_msg_set_hex(m, "meeting_ref", ref);
  if (r == 0 && action != RP_IBX_A_MEETING_CANCEL && (r = mode_place(a, m)) != 0) {
    rp_msg_free(m);
    return r;
  }
  for (uint32_t i = 0; r == 0 && action == RP_IBX_A_MEETING_PROPOSE && i < a->req->nslots;
       i++)
    if ((r = rp_msg_list_add(m, "slots")) == 0 &&
        (r = rp_msg_set_uint(m, "slots.start", a->req->slots[i].start)) == 0)
      r = rp_msg_set_uint(m, "slots.end", a->req->slots[i].end);
  if (r == 0 && action == RP_IBX_A_MEETING_CONFIRM &&
      (r = rp_msg_set_uint(m, "slot.start", a->req->slots[0].start)) == 0)
    r = rp_msg_set_uint(m, "slot.end", a->req->slots[0].end);
  if (r == 0 && action == RP_IBX_A_MEETING_CANCEL && a->req->reason.n > 0) {
    const rp__enum *e = payload_enum(RP__PL_MEETING_CANCELLATION, "reason", NULL);
    if ((r = check_name(a, e, a->req->reason, "cancellation reason", reason,
                        sizeof reason)) != 0) {
      rp_msg_free(m);
      return r;
    }
    r = rp_msg_set_enum(m, "reason", reason);
  }
  if (r == 0) r = rp__ibx_send_msg(a->d, &t, a->who, ref, m, msg_id);
  if (r != 0) {
    const char *f = m != NULL ? rp_msg_error_field(m) : NULL;
    rp__buf_printf(&a->msg, "not sent: %s%s%s", rp_strerror(r), f != NULL ? " at " : "",
                   f != NULL ? f : "");
  } else {
    rp__buf_printf(&a->msg, "%s %s sent (meeting %s)", kind, msg_id, ref);
    rp__buf_printf(&a->json, "{\"sent\":\"%s\",\"kind\":\"%s\",\"meeting\":\"%s\"}", msg_id,
                   kind, ref);
    /* A proposal or a booked meeting answers the thread: the plan clock stops. */
    if (action != RP_IBX_A_MEETING_CANCEL)
      r = rp__ibx_store_answered(a->d->st, a->thread, RP_IBX_ST_ANSWERED,
                                 rp__ibx_now(a->d));
  }
  rp_msg_free(m);
  return r;
}
