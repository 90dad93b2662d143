/* SPDX-License-Identifier: MIT */
/*
 * stats: the team lead's statistics (docs/INBOX.md "Statistics"). Counts only, from the
 * store's clear columns (kind, urgency, categories, municipality member, state,
 * outcome, times): no content is opened, no id, name or free text is in the answer, and
 * nothing is given per thread. A thread counts in the quarter it arrived in (Copenhagen
 * time); its region is the network its municipality belongs to in the roster.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_act.h"
#include "ibx_cal.h"
#include "payload.h"

#define NQ 64u    /* quarters told apart; older ones are counted in the totals only */
#define NOUT 9u   /* outcomes 1..8, 0 = not closed */
#define NREG 4u   /* oest, vest, begge, ingen */
#define NURG 5u   /* urgencies 1..4, 0 = none */
#define NKIND 19u /* payload kinds 1..18 */

static const char *const k_region[NREG] = {"oest", "vest", "begge", "ingen"};

typedef struct quarter {
  int year, q;
  unsigned requests, threads, closed, outcome[NOUT];
} quarter;

typedef struct clockc {
  unsigned with_deadline, opened_in_time, opened_late, not_opened;
  unsigned met, missed, running;
} clockc;

typedef struct member_net {
  char id[RP_MEMBER_ID_MAX + 1];
  unsigned networks;
} member_net;

typedef struct stats {
  uint64_t from, until, now; /* until: exclusive; 0 = open */
  member_net *mem;
  unsigned nmem, memcap;
  unsigned threads, requests, kind[NKIND], urg[NURG], cat[64], region[NREG], outcome[NOUT];
  quarter qs[NQ];
  unsigned nq;
  clockc clk[NURG];
} stats;

static int member_one(void *data, const char *id, const char *kind, const char *code,
                      unsigned networks) {
  stats *s = data;
  (void)code;
  if (strcmp(kind, "municipality") != 0 || s->nmem == s->memcap) return 0;
  snprintf(s->mem[s->nmem].id, sizeof s->mem[s->nmem].id, "%s", id);
  s->mem[s->nmem++].networks = networks;
  return 0;
}

static unsigned region_of(const stats *s, const char *peer) {
  for (unsigned i = 0; i < s->nmem; i++) {
    if (strcmp(s->mem[i].id, peer) != 0) continue;
    unsigned n = s->mem[i].networks & (RP_MEMBER_NET_EAST | RP_MEMBER_NET_WEST);
    return n == RP_MEMBER_NET_EAST ? 0 : n == RP_MEMBER_NET_WEST ? 1 : n != 0 ? 2 : 3;
  }
  return 3;
}

static quarter *quarter_of(stats *s, uint64_t ms) {
  int64_t day, y;
  unsigned sec, m, d;
  rp__ibx_cph_local((int64_t)(ms / 1000), &day, &sec);
  rp__ibx_cal_civil(day, &y, &m, &d);
  int q = (int)((m - 1) / 3 + 1);
  for (unsigned i = 0; i < s->nq; i++)
    if (s->qs[i].year == (int)y && s->qs[i].q == q) return &s->qs[i];
  if (s->nq == NQ) return NULL;
  quarter *n = &s->qs[s->nq++];
  memset(n, 0, sizeof *n);
  n->year = (int)y;
  n->q = q;
  return n;
}

/* The service clock (docs/INBOX.md "The service clock"): was the thread opened by its
 * deadline, and did its clock stop in time (akut: opened; the others: answered)? */
static void clock_one(stats *s, const rp__ibx_thread *t) {
  clockc *c = &s->clk[t->urgency >= 1 && t->urgency <= 4 ? t->urgency : 0];
  uint64_t stop = t->urgency == RP__URG_AKUT ? t->opened_at : t->answered_at;
  if (t->deadline == 0) return;
  c->with_deadline++;
  if (t->opened_at != 0)
    t->opened_at <= t->deadline ? c->opened_in_time++ : c->opened_late++;
  else if (s->now > t->deadline)
    c->opened_late++;
  else
    c->not_opened++;
  if (stop != 0)
    stop <= t->deadline ? c->met++ : c->missed++;
  else if (s->now > t->deadline)
    c->missed++;
  else
    c->running++;
}

static int thread_one(void *data, const rp__ibx_thread *t) {
  stats *s = data;
  quarter *q;
  if (t->arrived < s->from || (s->until != 0 && t->arrived >= s->until)) return 0;
  s->threads++;
  if (t->kind >= 1 && t->kind < (int)NKIND) s->kind[t->kind]++;
  q = quarter_of(s, t->arrived);
  if (q != NULL) q->threads++;
  if (t->state == RP_IBX_ST_CLOSED) {
    unsigned o = t->outcome >= 1 && t->outcome < (int)NOUT ? (unsigned)t->outcome : 0;
    s->outcome[o]++;
    if (q != NULL) {
      q->closed++;
      q->outcome[o]++;
    }
  }
  clock_one(s, t);
  if (t->kind != RP__PL_REQUEST) return 0;
  s->requests++;
  if (q != NULL) q->requests++;
  s->urg[t->urgency >= 1 && t->urgency <= 4 ? t->urgency : 0]++;
  for (unsigned i = 0; i < 64; i++)
    if (t->categories & (1ull << i)) s->cat[i]++;
  s->region[region_of(s, t->peer)]++;
  return 0;
}

static int qcmp(const void *a, const void *b) {
  const quarter *x = a, *y = b;
  return x->year != y->year ? (x->year < y->year ? -1 : 1) : x->q - y->q;
}

/* {name: count} for names[0..n) with counts c[0..n) (names NULL skipped). */
static json_t *counts(const char *const *names, const unsigned *c, unsigned n) {
  json_t *o = json_object();
  for (unsigned i = 0; i < n; i++)
    if (names[i] != NULL) json_object_set_new(o, names[i], json_integer(c[i]));
  return o;
}

static json_t *share(unsigned num, unsigned den) {
  return den == 0 ? json_null() : json_real((double)num / (double)den);
}

static void outcome_names(const char **names) {
  names[0] = "open";
  for (unsigned i = 1; i < NOUT; i++)
    names[i] = rp__enum_at(&rp__payload_enum_outcome, (int)i);
}

static json_t *to_json(const stats *s) {
  const char *oname[NOUT], *uname[NURG], *kname[NKIND], *cname[64];
  json_t *o = json_object(), *qs = json_array(), *clk = json_object();
  outcome_names(oname);
  uname[0] = "ingen";
  for (unsigned i = 1; i < NURG; i++)
    uname[i] = rp__urgency_name((int)i);
  kname[0] = NULL;
  for (unsigned i = 1; i < NKIND; i++)
    kname[i] = s->kind[i] != 0 ? rp__payload_kind_name(i) : NULL;
  for (unsigned i = 0; i < 64; i++)
    cname[i] = rp__enum_at(&rp__payload_enum_category, (int)i + 1);
  json_object_set_new(o, "threads", json_integer(s->threads));
  json_object_set_new(o, "requests", json_integer(s->requests));
  json_object_set_new(o, "by_kind", counts(kname, s->kind, NKIND));
  for (unsigned i = 0; i < s->nq; i++) {
    const quarter *q = &s->qs[i];
    char name[16];
    json_t *e = json_object();
    snprintf(name, sizeof name, "%04d-Q%d", q->year, q->q);
    json_object_set_new(e, "quarter", json_string(name));
    json_object_set_new(e, "threads", json_integer(q->threads));
    json_object_set_new(e, "requests", json_integer(q->requests));
    json_object_set_new(e, "closed", json_integer(q->closed));
    json_object_set_new(e, "outcomes", counts(oname, q->outcome, NOUT));
    json_array_append_new(qs, e);
  }
  json_object_set_new(o, "by_quarter", qs);
  json_object_set_new(o, "by_urgency", counts(uname, s->urg, NURG));
  json_object_set_new(o, "by_category", counts(cname, s->cat, 64));
  json_object_set_new(o, "by_region", counts(k_region, s->region, NREG));
  json_object_set_new(o, "outcomes", counts(oname, s->outcome, NOUT));
  for (unsigned i = 1; i <= NURG; i++) {
    unsigned u = i % NURG; /* akut .. plan, then none */
    const clockc *c = &s->clk[u];
    json_t *e = json_object();
    if (u == 0) continue; /* threads without an urgency have no clock */
    json_object_set_new(e, "with_deadline", json_integer(c->with_deadline));
    json_object_set_new(e, "opened_in_time", json_integer(c->opened_in_time));
    json_object_set_new(e, "opened_late", json_integer(c->opened_late));
    json_object_set_new(e, "not_opened_yet", json_integer(c->not_opened));
    json_object_set_new(e, "share_opened_in_time",
                        share(c->opened_in_time, c->opened_in_time + c->opened_late));
    json_object_set_new(e, "clock_met", json_integer(c->met));
    json_object_set_new(e, "clock_missed", json_integer(c->missed));
    json_object_set_new(e, "clock_running", json_integer(c->running));
    json_object_set_new(e, "share_clock_met", share(c->met, c->met + c->missed));
    json_object_set_new(clk, uname[u], e);
  }
  json_object_set_new(o, "service_clock", clk);
  return o;
}

static void line_counts(rp__buf *b, const char *title, const char *const *names,
                        const unsigned *c, unsigned n) {
  rp__buf_printf(b, "%s:", title);
  for (unsigned i = 0; i < n; i++)
    if (names[i] != NULL && c[i] != 0) rp__buf_printf(b, " %s %u", names[i], c[i]);
  rp__buf_puts(b, "\n");
}

static void to_text(rp__buf *b, const stats *s) {
  const char *oname[NOUT], *uname[NURG], *cname[64];
  outcome_names(oname);
  uname[0] = "ingen";
  for (unsigned i = 1; i < NURG; i++)
    uname[i] = rp__urgency_name((int)i);
  for (unsigned i = 0; i < 64; i++)
    cname[i] = rp__enum_at(&rp__payload_enum_category, (int)i + 1);
  rp__buf_printf(b, "Threads %u, of them requests %u.\n", s->threads, s->requests);
  rp__buf_puts(b, "Per quarter (arrival):   threads requests closed\n");
  for (unsigned i = 0; i < s->nq; i++)
    rp__buf_printf(b, "  %04d-Q%d %22u %8u %6u\n", s->qs[i].year, s->qs[i].q,
                   s->qs[i].threads, s->qs[i].requests, s->qs[i].closed);
  line_counts(b, "Requests per urgency", uname, s->urg, NURG);
  line_counts(b, "Requests per category", cname, s->cat, 64);
  line_counts(b, "Requests per region", k_region, s->region, NREG);
  line_counts(b, "Outcomes", oname, s->outcome, NOUT);
  rp__buf_puts(b,
               "Service clock: opened in time / with a deadline; clock met / measured\n");
  for (unsigned u = 1; u < NURG; u++) {
    const clockc *c = &s->clk[u];
    unsigned od = c->opened_in_time + c->opened_late, md = c->met + c->missed;
    rp__buf_printf(b, "  %-7s %u/%u opened in time", uname[u], c->opened_in_time, od);
    if (od > 0)
      rp__buf_printf(b, " (%u%%)", (unsigned)((c->opened_in_time * 100u + od / 2) / od));
    rp__buf_printf(b, ", %u/%u met", c->met, md);
    if (md > 0) rp__buf_printf(b, " (%u%%)", (unsigned)((c->met * 100u + md / 2) / md));
    rp__buf_printf(b, ", %u running\n", c->running + c->not_opened);
  }
}

int rp__ibx_do_stats(rp__ibx_act *a) {
  stats *s = calloc(1, sizeof *s);
  int r;
  if (s == NULL) return RP_ENOMEM;
  s->now = rp__ibx_now(a->d);
  s->from = rp__ibx_day_ms(a->req->from);
  /* until is the last day counted: up to the start of the next one. */
  if (a->req->until.n == 10)
    s->until = (uint64_t)rp__ibx_cph_utc(rp__ibx_day_num(a->req->until) + 1, 0) * 1000;
  s->memcap = RP_ROSTER_MEMBERS_MAX;
  if ((s->mem = calloc(s->memcap, sizeof *s->mem)) == NULL) {
    free(s);
    return RP_ENOMEM;
  }
  rp_client_members(a->d->client, member_one, s);
  r = rp__ibx_store_all_threads(a->d->st, thread_one, s);
  if (r == 0) {
    json_t *j;
    char *text;
    qsort(s->qs, s->nq, sizeof s->qs[0], qcmp);
    j = to_json(s);
    text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(4));
    if (text != NULL) rp__buf_puts(&a->json, text);
    free(text);
    json_decref(j);
    to_text(&a->text, s);
  }
  free(s->mem);
  free(s);
  return r;
}
