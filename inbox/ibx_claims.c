/* SPDX-License-Identifier: MIT */
/*
 * Who holds a thread. An advisor claims a thread; from then on only the holder replies,
 * asks and closes. The holder may assign it to a colleague; another advisor may take it
 * over with claim --takeover. Every change of holder is audited and tells the
 * municipality who now handles its request (an assignment, tildeling).
 */
#include <stdio.h>
#include <string.h>

#include "ibx_act.h"
#include "log.h"

int rp__ibx_act_listed(rp__ibx_act *a, const char *user) {
  int listed;
  pthread_mutex_lock(&a->d->mu);
  listed = rp__ibx_config_advisor(&a->d->cfg, user) != NULL;
  pthread_mutex_unlock(&a->d->mu);
  return listed;
}

int rp__ibx_act_holder_ok(rp__ibx_act *a, const rp__ibx_thread *t) {
  if (t->claimed_by[0] == 0 || strcmp(t->claimed_by, a->who) == 0) return 0;
  rp__buf_printf(&a->msg,
                 "refused: %s holds this thread; ask %s to assign it to you "
                 "(assign %s --to %s), or take it over with claim --takeover (audited)",
                 t->claimed_by, t->claimed_by, a->thread, a->who);
  return RP_EBUSY;
}

/* Tildeling: the municipality learns who handles its request, once per new holder. */
static void tell(rp__ibx_act *a, const rp__ibx_thread *t, const char *holder) {
  if (rp__ibx_send_assignment(a->d, t, holder) != 0)
    rp__buf_puts(&a->msg, "; the assignment notice could not be sent (see the log)");
}

int rp__ibx_do_claim(rp__ibx_act *a) {
  rp__ibx_thread t;
  int r = rp__ibx_act_thread(a, &t), other;
  if (r != 0) return r;
  if ((r = rp__ibx_act_consent_ok(a, &t)) != 0) return r;
  other = t.claimed_by[0] != 0 && strcmp(t.claimed_by, a->who) != 0;
  r = rp__ibx_store_claim(a->d->st, a->thread, a->who, a->req->takeover, rp__ibx_now(a->d));
  if (r == RP_EBUSY) {
    rp__buf_printf(&a->msg,
                   "refused: %s holds this thread (claim --takeover %s takes it "
                   "over, and the audit log records it)",
                   t.claimed_by, a->thread);
  } else if (r == RP_ESTATE) {
    rp__buf_puts(&a->msg, "the thread is closed");
  } else if (r == 0 && other) {
    a->audit_as = "takeover";
    rp__buf_printf(&a->msg, "claimed %s (taken over from %s)", a->thread, t.claimed_by);
  } else if (r == 0) {
    rp__buf_printf(&a->msg, "claimed %s", a->thread);
  }
  if (r == 0 && strcmp(t.claimed_by, a->who) != 0) tell(a, &t, a->who);
  return r;
}

int rp__ibx_do_assign(rp__ibx_act *a) {
  char to[RP_IBX_WHO_MAX + 1];
  rp__ibx_thread t;
  int r = rp__ibx_act_thread(a, &t);
  if (r != 0) return r;
  if ((r = rp__ibx_act_consent_ok(a, &t)) != 0) return r;
  if (a->req->to.n == 0) {
    rp__buf_puts(&a->msg, "assign needs --to USER");
    return RP_EMISSING;
  }
  memcpy(to, a->req->to.p, a->req->to.n);
  to[a->req->to.n] = 0;
  if (t.state == RP_IBX_ST_CLOSED) {
    rp__buf_puts(&a->msg, "the thread is closed");
    return RP_ESTATE;
  }
  /* The holder gives the thread away; a thread nobody holds any advisor may hand out. */
  if ((r = rp__ibx_act_holder_ok(a, &t)) != 0) return r;
  if (!rp__ibx_act_listed(a, to)) {
    rp__buf_printf(&a->msg,
                   "refused: %s is not in [advisors] of the inbox configuration; "
                   "ask the administrator to add them",
                   to);
    return RP_EPERM;
  }
  if (strcmp(t.claimed_by, to) == 0) {
    rp__buf_printf(&a->msg, "%s already holds %s; nothing sent", to, a->thread);
    return 0;
  }
  r = rp__ibx_store_assign(a->d->st, a->thread, t.claimed_by, to, rp__ibx_now(a->d));
  if (r != 0) {
    rp__buf_puts(&a->msg, r == RP_EBUSY ? "refused: the holder changed meanwhile; list "
                                          "and try again"
                                        : "the thread is closed");
    return r;
  }
  snprintf(a->audit_to, sizeof a->audit_to, "%s", to);
  rp__buf_printf(&a->msg, "%s assigned to %s", a->thread, to);
  if (t.claimed_by[0] != 0) rp__buf_printf(&a->msg, " (from %s)", t.claimed_by);
  tell(a, &t, to);
  return 0;
}
