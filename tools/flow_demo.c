/* SPDX-License-Identifier: MIT */
/*
 * The demo's message flow, on the client library's public API only (rejsepost.h): one
 * rp_client per member in this process, each with its own state folder, all talking to
 * the real relay over loopback. Every wait polls with a deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "demo.h"
#include "demo_payloads.h"
#include "rejsepost.h"

typedef struct flow {
  dm_demo *d;
  rp_client *team, *muni[DM_MUNIS];
  char req_id[DM_MUNIS][RP_ID_STRLEN];
  int urgency[DM_MUNIS];
} flow;

static void nap(void) {
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static int open_member(flow *f, dm_member *m, rp_client **out) {
  dm_demo *d = f->d;
  char hex[2 * 32 + 1], roster[PATH_MAX + 32];
  rp_config *cfg = NULL;
  int rc;
  snprintf(roster, sizeof roster, "%s/roster.msgpack", d->relay_dir);
  if ((rc = rp_config_new(&cfg)) != 0) return dm_fail(d, m->id, "config: %s", rp_strerror(rc));
  tl_hex(d->relay_pk, 32, hex);
  if ((rc = rp_config_set_state_dir(cfg, m->state)) || (rc = rp_config_set_relay(cfg, "127.0.0.1", d->port)) ||
      (rc = rp_config_set_relay_key(cfg, hex)) || (rc = rp_config_set_identity_file(cfg, m->key)) ||
      (rc = rp_config_set_roster_file(cfg, roster)) || (rc = rp_config_set_backoff(cfg, 50, 1000)))
    goto out;
  tl_hex(d->admin_pk, 32, hex);
  if ((rc = rp_config_set_admin_key(cfg, hex)) != 0) goto out;
  rc = rp_client_new(cfg, out);
out:
  if (rc != 0) dm_fail(d, m->id, "client: %s (%s)", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return rc != 0 ? -1 : 0;
}

static int wait_connected(flow *f, rp_client *c, const char *who) {
  uint64_t deadline = tl_mono_ms() + (uint64_t)f->d->timeout_ms;
  while (rp_client_conn_state(c) != RP_CONN_CONNECTED) {
    if (tl_mono_ms() > deadline)
      return dm_fail(f->d, who, "not connected to the relay (%s)",
                     rp_strerror(rp_client_last_error(c)));
    nap();
  }
  dm_event(f->d, who, NULL, "connected to the relay (Noise IK, roster pinned)");
  return 0;
}

/* Waits until a sent message reaches `status` (or later). */
static int wait_status(flow *f, rp_client *c, const char *who, const char *id, int status) {
  uint64_t deadline = tl_mono_ms() + (uint64_t)f->d->timeout_ms;
  int st = 0;
  while (rp_status(c, id, &st, NULL) != 0 || st < status || st > RP_STATUS_ANSWERED) {
    if (tl_mono_ms() > deadline || st > RP_STATUS_ANSWERED)
      return dm_fail(f->d, who, "message %.8s is '%s', expected '%s'", id, rp_status_name(st),
                     rp_status_name(status));
    nap();
  }
  return 0;
}

/* Waits for the next inbox message of `kind` (others are marked handled and skipped). */
static int wait_kind(flow *f, rp_client *c, const char *who, const char *kind,
                     rp_received **out) {
  uint64_t deadline = tl_mono_ms() + (uint64_t)f->d->timeout_ms;
  *out = NULL;
  while (tl_mono_ms() <= deadline) {
    rp_received *r = NULL;
    if (rp_inbox_next(c, &r) != 0) {
      nap();
      continue;
    }
    if (strcmp(rp_received_kind(r), kind) == 0) {
      *out = r;
      return 0;
    }
    rp_inbox_mark_handled(c, rp_received_msg_id(r));
    rp_received_free(r);
  }
  return dm_fail(f->d, who, "no %s arrived in time", kind);
}

static int send_payload(flow *f, rp_client *c, const char *who, const rp__payload *p,
                        const char *to, char id[RP_ID_STRLEN]) {
  uint8_t buf[RP_PAYLOAD_MAX];
  size_t len = 0;
  rp_msg *m = NULL;
  const char *where = NULL;
  int rc;
  if ((rc = rp__payload_encode(p, buf, sizeof buf, &len, &where)) != 0 ||
      (rc = rp_msg_from_msgpack(buf, len, &m, &where)) != 0 ||
      (to != NULL && (rc = rp_msg_set_recipient(m, to)) != 0) || (rc = rp_send(c, m, id)) != 0)
    dm_fail(f->d, who, "send %s: %s (%s)", rp__payload_kind_name(p->kind), rp_strerror(rc),
            where ? where : m && rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
  rp_msg_free(m);
  return rc != 0 ? -1 : 0;
}

/* Municipalities send, least urgent first, so that the team's order shows triage. */
static int send_requests(flow *f) {
  static const int urg[DM_MUNIS] = {RP__URG_AKUT, RP__URG_HASTER, RP__URG_PLAN};
  for (int i = DM_MUNIS - 1; i >= 0; i--) {
    dm_member *m = &f->d->munis[i];
    rp__payload p;
    f->urgency[i] = urg[i];
    if (dm_request(urg[i], m->code, &p) != 0) return dm_fail(f->d, m->id, "request invalid");
    if (send_payload(f, f->muni[i], m->id, &p, NULL, f->req_id[i]) != 0) return -1;
    dm_event(f->d, m->id, f->req_id[i], "request (%s) durable in the outbox",
             dm_urgency_name(urg[i]));
  }
  for (int i = DM_MUNIS - 1; i >= 0; i--) {
    if (wait_status(f, f->muni[i], f->d->munis[i].id, f->req_id[i], RP_STATUS_RELAYED) != 0)
      return -1;
    dm_event(f->d, f->d->munis[i].id, f->req_id[i], "relayed: the relay stored it");
  }
  return 0;
}

static int urgency_rank(const rp_received *r) {
  static const char *const order[] = {"akut", "haster", "normal", "plan"};
  const char *u = NULL;
  rp_received_get_enum(r, "urgency", &u);
  for (int i = 0; u != NULL && i < 4; i++)
    if (strcmp(u, order[i]) == 0) return i;
  return 4;
}

static int cmp_urgency(const void *a, const void *b) {
  return urgency_rank(*(rp_received *const *)a) - urgency_rank(*(rp_received *const *)b);
}

/* The team's reply, built field by field with the public builder. */
static int reply(flow *f, const rp_received *req) {
  static const char *const advice[] = {
      ("FIKTIVT DEMO-SVAR. Inddrag ikke familien endnu; lav en sikkerhedsplan i dag og "
       "kontakt politiet."),
      "FIKTIVT DEMO-SVAR. Tal med den unge alene og lav en risikovurdering først.",
      "FIKTIVT DEMO-SVAR.", "FIKTIVT DEMO-SVAR. Send udkastet; vi foreslår et møde."};
  int rank = urgency_rank(req), under18 = 0, rc;
  char id[RP_ID_STRLEN];
  rp_msg *m = NULL;
  rp_received_get_bool(req, "citizen.under_18", &under18);
  if ((rc = rp_msg_new("reply", &m)) || (rc = rp_msg_set_hex(m, "in_reply_to", rp_received_msg_id(req))) ||
      (rc = rp_msg_set_enum(m, "advisor.role", "raadgiver")) ||
      (rc = rp_msg_set_text(m, "advisor.id", "Rådgiver R7")) ||
      (rc = rp_msg_set_text(m, "advice", advice[rank < 4 ? rank : 3])) ||
      (rc = rp_msg_add_to_set(m, "recommended_actions",
                              rank == 0 ? "ikke_inddrage_familien" : "risikovurdering")) ||
      (rc = rp_msg_set_bool(m, "reporting_duty", under18)) || (rc = rp_send(f->team, m, id))) {
    dm_fail(f->d, f->d->team.id, "reply: %s (%s)", rp_strerror(rc),
            m && rp_msg_error_field(m) ? rp_msg_error_field(m) : "-");
    rp_msg_free(m);
    return -1;
  }
  rp_msg_free(m);
  dm_event(f->d, f->d->team.id, id, "replied (svar) to %s, thread of %.8s",
           rp_received_sender(req), rp_received_msg_id(req));
  return 0;
}

/* The team receives the three requests and handles them akut first. */
static int team_handles(flow *f) {
  rp_received *got[DM_MUNIS] = {NULL};
  int rc = -1, n;
  for (n = 0; n < DM_MUNIS; n++) {
    if (wait_kind(f, f->team, f->d->team.id, "request", &got[n]) != 0) goto out;
    dm_event(f->d, f->d->team.id, rp_received_msg_id(got[n]), "received request from %s",
             rp_received_sender(got[n]));
  }
  qsort(got, DM_MUNIS, sizeof got[0], cmp_urgency);
  for (int i = 0; i < DM_MUNIS; i++) {
    const char *u = NULL;
    rp_received_get_enum(got[i], "urgency", &u);
    if (rp_send_opened(f->team, rp_received_msg_id(got[i])) != 0) {
      dm_fail(f->d, f->d->team.id, "opened receipt failed");
      goto out;
    }
    dm_event(f->d, f->d->team.id, rp_received_msg_id(got[i]), "opened the %s request (#%d)",
             u != NULL ? u : "?", i + 1);
    if (reply(f, got[i]) != 0) goto out;
    rp_inbox_mark_handled(f->team, rp_received_msg_id(got[i]));
  }
  rc = 0;
out:
  for (int i = 0; i < DM_MUNIS; i++) rp_received_free(got[i]);
  return rc;
}

static int announce(flow *f) {
  rp__payload p;
  char id[RP_ID_STRLEN];
  if (dm_announcement(f->d->munis[0].code, &p) != 0)
    return dm_fail(f->d, f->d->team.id, "announcement invalid");
  for (int i = 0; i < DM_MUNIS; i++) {
    if (!(f->d->munis[i].networks & RP_NETWORK_EAST)) continue;
    if (send_payload(f, f->team, f->d->team.id, &p, f->d->munis[i].id, id) != 0) return -1;
    dm_event(f->d, f->d->team.id, id, "announced the east-network meeting to %s",
             f->d->munis[i].id);
  }
  return 0;
}

/* Each municipality gets its reply (linked to its request) and, in the east, the
 * announcement. */
static int munis_receive(flow *f) {
  for (int i = 0; i < DM_MUNIS; i++) {
    const char *who = f->d->munis[i].id, *re;
    rp_received *r = NULL;
    if (wait_kind(f, f->muni[i], who, "reply", &r) != 0) return -1;
    re = rp_received_in_reply_to(r);
    if (re == NULL || strcmp(re, f->req_id[i]) != 0) {
      rp_received_free(r);
      return dm_fail(f->d, who, "the reply is not linked to the request");
    }
    dm_event(f->d, who, rp_received_msg_id(r), "received the reply to %.8s from %s", re,
             rp_received_sender(r));
    rp_inbox_mark_handled(f->muni[i], rp_received_msg_id(r));
    rp_received_free(r);
    if (!(f->d->munis[i].networks & RP_NETWORK_EAST)) continue;
    if (wait_kind(f, f->muni[i], who, "network_announcement", &r) != 0) return -1;
    dm_event(f->d, who, rp_received_msg_id(r), "received the east-network announcement");
    rp_inbox_mark_handled(f->muni[i], rp_received_msg_id(r));
    rp_received_free(r);
  }
  return 0;
}

/* Every request's status ends at answered, with a time for each step. */
static int statuses(flow *f) {
  static const int steps[] = {RP_STATUS_RELAYED, RP_STATUS_DELIVERED, RP_STATUS_OPENED,
                              RP_STATUS_ANSWERED};
  for (int i = 0; i < DM_MUNIS; i++) {
    const char *who = f->d->munis[i].id;
    uint64_t t[4] = {0}, q = 0;
    if (wait_status(f, f->muni[i], who, f->req_id[i], RP_STATUS_ANSWERED) != 0) return -1;
    rp_status_time(f->muni[i], f->req_id[i], RP_STATUS_QUEUED, &q);
    for (int s = 0; s < 4; s++)
      if (rp_status_time(f->muni[i], f->req_id[i], steps[s], &t[s]) != 0 || t[s] == 0)
        return dm_fail(f->d, who, "no time recorded for '%s'", rp_status_name(steps[s]));
    dm_event(f->d, who, f->req_id[i],
             "status answered: relayed +%lld ms, delivered +%lld, opened +%lld, answered +%lld",
             (long long)(t[0] - q), (long long)(t[1] - q), (long long)(t[2] - q),
             (long long)(t[3] - q));
  }
  return 0;
}

int dm_flow_run(dm_demo *d) {
  flow f;
  int rc = -1;
  memset(&f, 0, sizeof f);
  f.d = d;
  if (open_member(&f, &d->team, &f.team) != 0) goto out;
  for (int i = 0; i < DM_MUNIS; i++)
    if (open_member(&f, &d->munis[i], &f.muni[i]) != 0) goto out;
  if (wait_connected(&f, f.team, d->team.id) != 0) goto out;
  for (int i = 0; i < DM_MUNIS; i++)
    if (wait_connected(&f, f.muni[i], d->munis[i].id) != 0) goto out;
  if (send_requests(&f) != 0 || team_handles(&f) != 0 || announce(&f) != 0 ||
      munis_receive(&f) != 0 || statuses(&f) != 0)
    goto out;
  rc = 0;
out:
  rp_client_free(f.team);
  for (int i = 0; i < DM_MUNIS; i++) rp_client_free(f.muni[i]);
  dm_event(d, "demo", NULL, "clients closed (rp_client_free)");
  return rc;
}
