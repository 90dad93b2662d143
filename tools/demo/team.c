/* SPDX-License-Identifier: MIT */
/*
 * The demo's team side: an advisor works the real rejsepost-inboxd through `rejsepost
 * advisor` (child processes, advisor.c), and the municipalities (flow.c) see the
 * effects: opened receipts, replies, the announcement.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "payloads.h"
#include "flow.h"

/* One advisor command; output and errors are the caller's to free. */
typedef struct adv_run {
  int status;
  char *out, *err;
} adv_run;

static adv_run adv(flow *f, const char *input, const char *const *args) {
  adv_run r;
  r.status = dm_advisor(f->d, input, args, &r.out, &r.err);
  return r;
}

static void adv_free(adv_run *r) {
  free(r->out);
  free(r->err);
}

/* The advisor command failed or did not say `expect`: a FAIL line with its words. */
static int adv_check(flow *f, adv_run *r, const char *what, const char *expect) {
  if (r->status == 0 && (expect == NULL || strstr(r->out, expect) != NULL)) return 0;
  r->err[strcspn(r->err, "\n")] = '\0';
  return dm_fail(f->d, "advisor", "%s: exit status %d (%s)", what, r->status,
                 r->err[0] != '\0' ? r->err : "unexpected output");
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void copy_str(json_t *o, const char *key, char *out, size_t cap) {
  const char *v = json_string_value(json_object_get(o, key));
  snprintf(out, cap, "%s", v != NULL ? v : "");
}

/* Reads `list --json`; returns how many of our requests it holds, in f->th. */
static int parse_list(flow *f, const char *text) {
  json_error_t e;
  json_t *a = json_loads(text, 0, &e), *o;
  size_t i;
  int n = 0;
  if (!json_is_array(a)) {
    json_decref(a);
    return 0;
  }
  json_array_foreach(a, i, o) {
    dm_thread t;
    copy_str(o, "thread_id", t.id, sizeof t.id);
    copy_str(o, "first_msg", t.first, sizeof t.first);
    copy_str(o, "urgency", t.urgency, sizeof t.urgency);
    t.muni = -1;
    for (int m = 0; m < DM_MUNIS; m++)
      if (strcmp(t.first, f->req_id[m]) == 0) t.muni = m;
    if (t.muni >= 0 && n < DM_MUNIS) f->th[n++] = t;
  }
  json_decref(a);
  return n;
}

/* Polls the listing until the three requests are in the inbox. */
static int wait_listed(flow *f) {
  static const char *const args[] = {"list", "--json", NULL};
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  for (;;) {
    adv_run r = adv(f, NULL, args);
    int n = r.status == 0 ? parse_list(f, r.out) : 0;
    if (n == DM_MUNIS) {
      adv_free(&r);
      return 0;
    }
    if (rp__clock_mono_ms() > deadline) {
      dm_fail(f->d, "advisor", "list: %d of %d requests listed in time", n, DM_MUNIS);
      adv_check(f, &r, "list", NULL);
      adv_free(&r);
      return -1;
    }
    adv_free(&r);
    nap_ms(50);
  }
}

/* The readable listing, as an advisor sees it, and the triage check: akut first. */
static int show_listing(flow *f) {
  static const char *const args[] = {"list", NULL};
  adv_run r = adv(f, NULL, args);
  int rc = adv_check(f, &r, "list", NULL);
  dm_event(f->d, "advisor", NULL, "$ rejsepost advisor list");
  for (char *p = r.out, *nl; rc == 0 && *p != '\0'; p = nl + 1) {
    size_t len;
    if ((nl = strchr(p, '\n')) == NULL)
      nl = p + strlen(p) - 1;
    else
      *nl = '\0';
    for (len = strlen(p); len > 0 && p[len - 1] == ' '; len--)
      p[len - 1] = '\0';
    if (*p != '\0') dm_event(f->d, "advisor", NULL, "| %s", p);
  }
  adv_free(&r);
  if (rc != 0) return -1;
  if (strcmp(f->th[0].urgency, "akut") != 0)
    return dm_fail(f->d, "advisor", "the first listed thread is %s, not akut",
                   f->th[0].urgency);
  for (int i = 0; i < DM_MUNIS; i++)
    dm_event(f->d, "advisor", f->th[i].first, "listed #%d: %s from %s, thread %.8s", i + 1,
             f->th[i].urgency, f->d->munis[f->th[i].muni].id, f->th[i].id);
  return 0;
}

static const char *advice_for(const char *urgency) {
  if (strcmp(urgency, "akut") == 0)
    return "FIKTIVT DEMO-SVAR. Inddrag ikke familien endnu; lav en sikkerhedsplan i dag og "
           "kontakt politiet.\n";
  if (strcmp(urgency, "haster") == 0)
    return "FIKTIVT DEMO-SVAR. Tal med den unge alene og lav en risikovurdering først.\n";
  return "FIKTIVT DEMO-SVAR. Send udkastet til beredskabsplanen; vi foreslår et møde.\n";
}

/* The municipality gets the reply, linked to its request and in the inbox's thread. */
static int receive_reply(flow *f, const dm_thread *t) {
  const char *who = f->d->munis[t->muni].id, *re, *adv_id = NULL;
  rp_received *r = NULL;
  int rc = 0;
  if (fl_wait_kind(f, t->muni, "reply", &r) != 0) return -1;
  re = rp_received_in_reply_to(r);
  rp_received_get_text(r, "advisor.id", &adv_id);
  if (re == NULL || strcmp(re, t->first) != 0 ||
      strcmp(rp_received_thread_id(r), t->id) != 0)
    rc = dm_fail(f->d, who, "the reply is not linked to request %.8s", t->first);
  else
    dm_event(f->d, who, rp_received_msg_id(r), "received the reply to %.8s from %s (%s)",
             re, rp_received_sender(r), adv_id != NULL ? adv_id : "?");
  rp_inbox_mark_handled(f->muni[t->muni], rp_received_msg_id(r));
  rp_received_free(r);
  return rc;
}

/* claim, show (the opened receipt), reply; the municipality sees each step. */
static int work_thread(flow *f, int n) {
  const dm_thread *t = &f->th[n];
  const char *const claim[] = {"claim", t->id, NULL}, *const show[] = {"show", t->id, NULL},
                    *const reply[] = {"reply", t->id, "--stdin", "--reporting-duty",
                                      "no",    NULL};
  const char *who = f->d->munis[t->muni].id;
  adv_run r = adv(f, NULL, claim);
  int rc = adv_check(f, &r, "claim", "claimed");
  adv_free(&r);
  if (rc != 0) return -1;
  dm_event(f->d, "advisor", t->first, "claimed the %s thread (#%d)", t->urgency, n + 1);
  r = adv(f, NULL, show);
  rc = adv_check(f, &r, "show", "FIKTIVT DEMO-EKSEMPEL");
  adv_free(&r);
  if (rc != 0) return -1;
  dm_event(f->d, "advisor", t->first,
           "opened the %s request (#%d): question decrypted from "
           "the inbox store",
           t->urgency, n + 1);
  if (fl_wait_status(f, t->muni, RP_STATUS_OPENED) != 0) return -1;
  dm_event(f->d, who, t->first, "opened: an advisor has read the request");
  r = adv(f, advice_for(t->urgency), reply);
  rc = adv_check(f, &r, "reply", NULL);
  adv_free(&r);
  if (rc != 0) return -1;
  dm_event(f->d, "advisor", t->first, "replied (svar) to %s through the inbox daemon", who);
  return receive_reply(f, t);
}

int fl_advisor_work(flow *f) {
  if (wait_listed(f) != 0 || show_listing(f) != 0) return -1;
  for (int n = 0; n < DM_MUNIS; n++)
    if (work_thread(f, n) != 0) return -1;
  return 0;
}

/* The west member must not get the east network's announcement: after the east members
 * have theirs, its inbox stays without one for a while. */
static int west_gets_none(flow *f, int i) {
  uint64_t until = rp__clock_mono_ms() + 300;
  while (rp__clock_mono_ms() < until) {
    rp_received *r = NULL;
    if (rp_inbox_next(f->muni[i], &r) != 0) {
      nap_ms(10);
      continue;
    }
    int bad = strcmp(rp_received_kind(r), "network_announcement") == 0;
    rp_inbox_mark_handled(f->muni[i], rp_received_msg_id(r));
    rp_received_free(r);
    if (bad) return dm_fail(f->d, f->d->munis[i].id, "got the east network's announcement");
  }
  dm_event(f->d, f->d->munis[i].id, NULL, "no announcement: not in the east network");
  return 0;
}

static int receive_announcement(flow *f) {
  for (int i = 0; i < DM_MUNIS; i++) {
    rp_received *r = NULL;
    const char *title = NULL;
    if (!(f->d->munis[i].networks & RP_NETWORK_EAST)) continue;
    if (fl_wait_kind(f, i, "network_announcement", &r) != 0) return -1;
    rp_received_get_text(r, "title", &title);
    dm_event(f->d, f->d->munis[i].id, rp_received_msg_id(r),
             "received the east-network announcement \"%s\" from %s", title ? title : "?",
             rp_received_sender(r));
    rp_inbox_mark_handled(f->muni[i], rp_received_msg_id(r));
    rp_received_free(r);
  }
  for (int i = 0; i < DM_MUNIS; i++)
    if (!(f->d->munis[i].networks & RP_NETWORK_EAST) && west_gets_none(f, i) != 0)
      return -1;
  return 0;
}

static int audit_verify(flow *f) {
  static const char *const args[] = {"audit-verify", NULL};
  adv_run r = adv(f, NULL, args);
  int rc = adv_check(f, &r, "audit-verify", NULL);
  if (rc == 0) {
    r.out[strcspn(r.out, "\n")] = '\0';
    dm_event(f->d, "advisor", NULL, "audit-verify: %s", r.out);
  }
  adv_free(&r);
  return rc;
}

int fl_advisor_announce(flow *f) {
  rp__payload p;
  const char *host = f->d->munis[0].code;
  if (dm_announcement(host, &p) != 0)
    return dm_fail(f->d, "advisor", "announcement invalid");
  const char *const args[] = {"announce",
                              "--network",
                              "oest",
                              "--date",
                              p.u.network_announcement.event_on.p,
                              "--host",
                              host,
                              "--title",
                              p.u.network_announcement.title.p,
                              "--deadline",
                              p.u.network_announcement.registration_deadline.p,
                              "--stdin",
                              NULL};
  adv_run r = adv(f, p.u.network_announcement.programme.p, args);
  int rc = adv_check(f, &r, "announce", NULL);
  if (rc == 0) {
    r.out[strcspn(r.out, "\n")] = '\0';
    dm_event(f->d, "advisor", NULL, "announced the east-network meeting on %s: %s",
             p.u.network_announcement.event_on.p, r.out);
  }
  adv_free(&r);
  if (rc != 0 || receive_announcement(f) != 0) return -1;
  return audit_verify(f);
}
