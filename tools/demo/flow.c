/* SPDX-License-Identifier: MIT */
/*
 * The demo's message flow. The municipalities are rp_client objects of the client
 * library (rejsepost.h) in this process, each with its own state folder; the team is the
 * real rejsepost-inboxd, worked by an advisor through `rejsepost advisor` (team.c).
 * Everyone talks to the real relay over loopback. Every wait polls with a deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "demo.h"
#include "payloads.h"
#include "flow.h"

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
  if ((rc = rp_config_new(&cfg)) != 0)
    return dm_fail(d, m->id, "config: %s", rp_strerror(rc));
  sodium_bin2hex(hex, sizeof hex, d->relay_pk, 32);
  if ((rc = rp_config_set_state_dir(cfg, m->state)) ||
      (rc = rp_config_set_relay(cfg, "127.0.0.1", d->port)) ||
      (rc = rp_config_set_relay_key(cfg, hex)) ||
      (rc = rp_config_set_identity_file(cfg, m->key)) ||
      (rc = rp_config_set_roster_file(cfg, roster)) ||
      (rc = rp_config_set_backoff(cfg, 50, 1000)))
    goto out;
  sodium_bin2hex(hex, sizeof hex, d->admin_pk, 32);
  if ((rc = rp_config_set_admin_key(cfg, hex)) != 0) goto out;
  rc = rp_client_new(cfg, out);
out:
  if (rc != 0) dm_fail(d, m->id, "client: %s (%s)", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return rc != 0 ? -1 : 0;
}

static int wait_connected(flow *f, rp_client *c, const char *who) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  while (rp_client_conn_state(c) != RP_CONN_CONNECTED) {
    if (rp__clock_mono_ms() > deadline)
      return dm_fail(f->d, who, "not connected to the relay (%s)",
                     rp_strerror(rp_client_last_error(c)));
    nap();
  }
  dm_event(f->d, who, NULL, "connected to the relay (Noise IK, roster pinned)");
  return 0;
}

/* A status's place among the steps a request goes through, 0 for the final failures. */
static int step(int st) {
  int r = rp_status_rank(st);
  return r == rp_status_rank(RP_STATUS_FAILED) ? 0 : r;
}

int fl_wait_status(flow *f, int i, int status) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  const char *id = f->req_id[i];
  int st = 0;
  while (rp_status(f->muni[i], id, &st, NULL) != 0 || step(st) < step(status)) {
    if (rp__clock_mono_ms() > deadline || (st != 0 && step(st) == 0))
      return dm_fail(f->d, f->d->munis[i].id, "message %.8s is '%s', expected '%s'", id,
                     rp_status_name(st), rp_status_name(status));
    nap();
  }
  return 0;
}

int fl_wait_kind(flow *f, int i, const char *kind, rp_received **out) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)f->d->timeout_ms;
  rp_client *c = f->muni[i];
  *out = NULL;
  while (rp__clock_mono_ms() <= deadline) {
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
  return dm_fail(f->d, f->d->munis[i].id, "no %s arrived in time", kind);
}

static int send_payload(flow *f, rp_client *c, const char *who, const rp__payload *p,
                        char id[RP_ID_STRLEN]) {
  uint8_t buf[RP_PAYLOAD_MAX];
  size_t len = 0;
  rp_msg *m = NULL;
  const char *where = NULL;
  int rc;
  if ((rc = rp__payload_encode(p, buf, sizeof buf, &len, &where)) != 0 ||
      (rc = rp_msg_from_msgpack(buf, len, &m, &where)) != 0 ||
      (rc = rp_send(c, m, id)) != 0)
    dm_fail(f->d, who, "send %s: %s (%s)", rp__payload_kind_name(p->kind), rp_strerror(rc),
            where                        ? where
            : m && rp_msg_error_field(m) ? rp_msg_error_field(m)
                                         : "-");
  rp_msg_free(m);
  return rc != 0 ? -1 : 0;
}

/* Municipalities send, least urgent first, so that the team's order shows triage. The
 * relay stores each request; the inbox daemon's library stores it and says delivered. */
static int send_requests(flow *f) {
  static const int urg[DM_MUNIS] = {RP__URG_AKUT, RP__URG_HASTER, RP__URG_PLAN};
  for (int i = DM_MUNIS - 1; i >= 0; i--) {
    dm_member *m = &f->d->munis[i];
    rp__payload p;
    if (dm_request(urg[i], m->code, &p) != 0)
      return dm_fail(f->d, m->id, "request invalid");
    if (send_payload(f, f->muni[i], m->id, &p, f->req_id[i]) != 0) return -1;
    dm_event(f->d, m->id, f->req_id[i], "request (%s) durable in the outbox",
             dm_urgency_name(urg[i]));
  }
  for (int i = DM_MUNIS - 1; i >= 0; i--) {
    if (fl_wait_status(f, i, RP_STATUS_RELAYED) != 0) return -1;
    dm_event(f->d, f->d->munis[i].id, f->req_id[i], "relayed: the relay stored it");
  }
  for (int i = DM_MUNIS - 1; i >= 0; i--) {
    if (fl_wait_status(f, i, RP_STATUS_DELIVERED) != 0) return -1;
    dm_event(f->d, f->d->munis[i].id, f->req_id[i],
             "delivered: the team's inbox daemon stored it");
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
    char when[32];
    if (fl_wait_status(f, i, RP_STATUS_ANSWERED) != 0) return -1;
    rp_status_time(f->muni[i], f->req_id[i], RP_STATUS_QUEUED, &q);
    for (int s = 0; s < 4; s++)
      if (rp_status_time(f->muni[i], f->req_id[i], steps[s], &t[s]) != 0 || t[s] == 0)
        return dm_fail(f->d, who, "no time recorded for '%s'", rp_status_name(steps[s]));
    dm_event(f->d, who, f->req_id[i],
             "status answered (sent %s): relayed +%lld ms, delivered +%lld, opened +%lld, "
             "answered +%lld",
             tl_time_text(q, when, sizeof when), (long long)(t[0] - q),
             (long long)(t[1] - q), (long long)(t[2] - q), (long long)(t[3] - q));
  }
  return 0;
}

int dm_flow_run(dm_demo *d) {
  flow f;
  int rc = -1;
  memset(&f, 0, sizeof f);
  f.d = d;
  for (int i = 0; i < DM_MUNIS; i++)
    if (open_member(&f, &d->munis[i], &f.muni[i]) != 0) goto out;
  for (int i = 0; i < DM_MUNIS; i++)
    if (wait_connected(&f, f.muni[i], d->munis[i].id) != 0) goto out;
  if (send_requests(&f) != 0 || fl_advisor_work(&f) != 0 || fl_advisor_announce(&f) != 0 ||
      statuses(&f) != 0 || fl_plan_review(&f) != 0)
    goto out;
  rc = 0;
out:
  for (int i = 0; i < DM_MUNIS; i++)
    rp_client_free(f.muni[i]);
  dm_event(d, "demo", NULL, "municipality clients closed (rp_client_free)");
  return rc;
}
