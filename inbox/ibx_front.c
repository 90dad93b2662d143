/* SPDX-License-Identifier: MIT */
#include "ibx_front.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rejsepost_errors.h"

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

int rp__ibx_frontends_parse(rp__ibx_config *c, const char *v) {
  const char *p = v;
  while (*p != 0) {
    size_t n = 0;
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == 0) break;
    while (name_char(p[n]))
      n++;
    if (n == 0 || n > RP_IBX_WHO_MAX ||
        (p[n] != 0 && p[n] != ',' && p[n] != ' ' && p[n] != '\t'))
      return RP_ECONFIG;
    if (c->nfrontends >= RP_IBX_FRONTENDS_MAX) return RP_ETOOBIG;
    memcpy(c->frontends[c->nfrontends], p, n);
    c->frontends[c->nfrontends][n] = 0;
    c->nfrontends++;
    p += n;
  }
  return 0;
}

/* This file calls nothing of the daemon's (the configuration loader links it, and
 * programs that only read a configuration must not pull in the daemon). */
int rp__ibx_front_listed(rp__ibx_act *a, const char *user) {
  int found = 0;
  pthread_mutex_lock(&a->d->mu);
  for (unsigned i = 0; i < a->d->cfg.nfrontends && !found; i++)
    found = strcmp(a->d->cfg.frontends[i], user) == 0;
  pthread_mutex_unlock(&a->d->mu);
  return found;
}

static int advisor_listed(rp__ibx_act *a, const char *user) {
  int found;
  pthread_mutex_lock(&a->d->mu);
  found = rp__ibx_config_advisor(&a->d->cfg, user) != NULL;
  pthread_mutex_unlock(&a->d->mu);
  return found;
}

static int refuse(rp__ibx_act *a, const char *as) {
  a->audit_as = "frontend_refused";
  if (as[0] != 0) {
    a->audit_key = "as";
    snprintf(a->audit_to, sizeof a->audit_to, "%s", as);
  }
  return RP_EPERM;
}

int rp__ibx_front_check(rp__ibx_act *a, char who[RP_IBX_WHO_MAX + 1]) {
  char as[RP_IBX_WHO_MAX + 1];
  const rp__ibx_req *q = a->req;
  /* The decoder has checked the name's characters and length. An absent `as` has no
   * pointer at all (web_event without an account). */
  if (q->as.n > 0) memcpy(as, q->as.p, q->as.n);
  as[q->as.n] = 0;
  if (!rp__ibx_front_listed(a, who)) {
    rp__buf_printf(
        &a->msg,
        "refused: %s is not a front end ([socket] frontends of the inbox "
        "configuration), so it cannot act for an advisor; the attempt is audited",
        who);
    return refuse(a, as);
  }
  if (as[0] != 0 && !advisor_listed(a, as)) {
    rp__buf_printf(&a->msg, "refused: %s is not in [advisors] of the inbox configuration",
                   as);
    return refuse(a, as);
  }
  if (as[0] != 0) snprintf(who, RP_IBX_WHO_MAX + 1, "%s", as);
  a->via = "web";
  return 0;
}

int rp__ibx_do_web_event(rp__ibx_act *a) {
  static const char *const names[] = {"web_login", "web_login_failed", "web_lockout",
                                      "web_logout", "web_enrolled"};
  if (a->via == NULL) {
    rp__buf_puts(&a->msg, "refused: only a front end records its events");
    return RP_EPERM;
  }
  if (a->req->web_event < 1 || a->req->web_event > RP_IBX_WEV_MAX) {
    rp__buf_puts(&a->msg, "an event is required");
    return RP_EMISSING;
  }
  a->audit_as = names[a->req->web_event - 1];
  a->thread[0] = 0; /* an event names no thread */
  return 0;
}
