/* SPDX-License-Identifier: MIT */
/*
 * The roster and the settings, at start and on SIGHUP: reading and verifying the
 * roster file against the pinned administrator key and the no-rollback rule (never
 * below the roster in force, nor below the highest version the relay has accepted,
 * which the spool keeps across restarts: PROTOCOL.md 3.5), and applying a reload.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "relay_int.h"

int rp__relay_load_roster(rp__relay *r, const rp__roster *held, rp__roster **out) {
  char path[RP__CFG_PATH_MAX], q[RP__CFG_PATH_MAX + 16];
  rp__roster *nr = NULL;
  uint8_t *doc = NULL;
  size_t len = 0, got;
  uint64_t v, floor;
  long sz;
  FILE *f = NULL;
  int rc = RP_ECONFIG;

  *out = NULL;
  if (rp__config_path(&r->cfg, r->cfg.roster_file, path, sizeof path) != 0) goto out;
  if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
      (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    rp__log_error("roster_unreadable path=%s", rp__log_quote(q, sizeof q, path));
    goto out;
  }
  if ((size_t)sz > RP_ROSTER_MAX || sz == 0) {
    rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                  rp_err_name(RP_ETOOBIG));
    goto out;
  }
  len = (size_t)sz;
  if ((doc = malloc(len)) == NULL) {
    rc = RP_ENOMEM;
    goto out;
  }
  if ((got = fread(doc, 1, len, f)) != len) {
    rp__log_error("roster_unreadable path=%s", rp__log_quote(q, sizeof q, path));
    goto out;
  }
  /* The signature first, which also yields the version the administrator signed. */
  if ((rc = rp__roster_accept(NULL, doc, len, r->cfg.admin_key, &nr)) != 0) {
    rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                  rp_err_name(rc));
    rc = RP_ECONFIG;
    goto out;
  }
  /* No rollback: not below the roster in force, nor below the highest version this
   * relay ever accepted (kept in the spool across restarts), or a revocation could be
   * undone by putting an old file back. */
  v = rp__roster_version(nr);
  floor = held != NULL ? rp__roster_version(held) : 0;
  if (r->spool != NULL && rp__spool_roster_floor(r->spool) > floor)
    floor = rp__spool_roster_floor(r->spool);
  if (v < floor) {
    rp__log_error("roster_rollback path=%s version=%llu held=%llu action=\"install the "
                  "roster of version %llu or newer from the administrator: this relay has "
                  "accepted version %llu and refuses older ones, which could un-revoke a "
                  "member\"",
                  rp__log_quote(q, sizeof q, path), (unsigned long long)v,
                  (unsigned long long)floor, (unsigned long long)floor,
                  (unsigned long long)floor);
    rc = RP_ECONFIG;
    goto out;
  }
  /* The same version again must be the same bytes (else a replay or an equivocation):
   * rp__roster_accept checks that against the roster in force. */
  if (held != NULL && v == rp__roster_version(held)) {
    rp__roster_free(nr);
    nr = NULL;
    if ((rc = rp__roster_accept(held, doc, len, r->cfg.admin_key, &nr)) != 0) {
      rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                    rp_err_name(rc));
      rc = RP_ECONFIG;
      goto out;
    }
  }
  *out = nr;
  nr = NULL;
  rc = 0;
out:
  rp__roster_free(nr);
  if (f != NULL) fclose(f);
  free(doc);
  return rc;
}

/* Settings that may change while running: limits that are read at each use. Listen
 * addresses, paths, keys and the spool's own limits need a restart. */
static void reload_config(rp__relay *r) {
  rp__config nc;
  rp__config_action action;
  char err[RP__CFG_ERR_MAX], q[RP__CFG_ERR_MAX + 16];

  if (r->argv == NULL) return;
  if (rp__config_from_args(&nc, r->argc, r->argv, &action, err, sizeof err) != 0) {
    rp__log_error("reload_config_refused why=%s", rp__log_quote(q, sizeof q, err));
    return;
  }
  if (memcmp(nc.listen, r->cfg.listen, sizeof nc.listen) != 0 ||
      strcmp(nc.state_dir, r->cfg.state_dir) != 0 ||
      strcmp(nc.spool_file, r->cfg.spool_file) != 0 ||
      strcmp(nc.key_file, r->cfg.key_file) != 0 ||
      memcmp(nc.admin_key, r->cfg.admin_key, sizeof nc.admin_key) != 0 ||
      nc.spool_recipient_bytes != r->cfg.spool_recipient_bytes ||
      nc.spool_total_bytes != r->cfg.spool_total_bytes ||
      nc.spool_sender_share != r->cfg.spool_sender_share ||
      nc.commit_batch_max != r->cfg.commit_batch_max ||
      nc.commit_batch_bytes != r->cfg.commit_batch_bytes)
    rp__log_warn("reload_needs_restart what=listen_paths_keys_or_spool_limits");
  r->cfg.log_level = nc.log_level;
  rp__log_set_level(nc.log_level);
  memcpy(r->cfg.roster_file, nc.roster_file, sizeof nc.roster_file);
  r->cfg.frame_max = nc.frame_max;
  /* The spool refuses envelopes above the size it was opened with; a larger limit
   * takes effect at the next start. */
  r->cfg.envelope_max = nc.envelope_max;
  r->cfg.window = nc.window;
  r->cfg.max_connections = nc.max_connections;
  r->cfg.max_connections_per_member = nc.max_connections_per_member;
  r->cfg.max_pending = nc.max_pending;
  r->cfg.max_pending_per_address = nc.max_pending_per_address;
  r->cfg.max_proving_per_member = nc.max_proving_per_member;
  r->cfg.handshake_timeout_ms = nc.handshake_timeout_ms;
  r->cfg.frame_timeout_ms = nc.frame_timeout_ms;
  r->cfg.idle_timeout_ms = nc.idle_timeout_ms;
  r->cfg.ping_interval_ms = nc.ping_interval_ms;
  r->cfg.expiry_default_ms = nc.expiry_default_ms;
  r->cfg.expiry_max_ms = nc.expiry_max_ms;
}

/* Is the connection's member still welcome under the roster? Its kind (for the routes)
 * is taken from the new roster. */
static int still_member(const rp__relay *r, rp__conn *c) {
  const rp__member *m = rp__roster_find_transport(r->roster, c->peer_key);
  int rc = rp__roster_member_active(m, rp__relay_now_ms());
  if (rc != 0) return rc;
  if (strcmp(m->pub.id, c->ms->id) != 0) return RP_EUNKNOWNMEMBER;
  if (m->kind != RP_MEMBER_MUNICIPALITY && m->kind != RP_MEMBER_TEAM) return RP_EKIND;
  c->kind = (uint8_t)m->kind;
  return 0;
}

static void on_floor_saved(rp__spool_req *req) {
  rp__op *op = req->data;
  if (req->result != 0)
    rp__log_warn("roster_floor_unsaved version=%lld code=%s", (long long)op->expires_ms,
                 rp_err_name(req->result));
  rp__op_free(op);
}

/* Keep the new roster's version in the spool, so that a restart with an older file is
 * refused. The new roster is in force already; if the write fails (the spool failed)
 * the floor stays lower, which only matters for the next start. */
static void save_floor(rp__relay *r, uint64_t version) {
  rp__op *op = rp__op_new(r, NULL, RP__OP_FLOOR);
  int rc = RP_ENOMEM;
  if (op != NULL) {
    op->expires_ms = (int64_t)version; /* for the log line */
    rc = rp__spool_roster_floor_raise(r->spool, &op->req, version, on_floor_saved);
  }
  if (rc != 0) {
    rp__log_warn("roster_floor_unsaved version=%llu code=%s", (unsigned long long)version,
                 rp_err_name(rc));
    rp__op_free(op);
  }
}

void rp__relay_reload(rp__relay *r) {
  rp__roster *nr = NULL;
  const uint8_t *doc = NULL;
  size_t len = 0;
  uint64_t old_version = rp__roster_version(r->roster);
  rp__conn *c, *next;
  rp__tmsg m;
  int rc;

  rp__log_info("reload_start");
  reload_config(r);
  if (rp__relay_load_roster(r, r->roster, &nr) != 0) {
    rp__log_warn("reload_roster_kept version=%llu", (unsigned long long)old_version);
    return;
  }
  rp__roster_free(r->roster);
  r->roster = nr;
  if (rp__roster_version(nr) > rp__spool_roster_floor(r->spool))
    save_floor(r, rp__roster_version(nr));
  rp__log_info("reload_done roster_version=%llu members=%u",
               (unsigned long long)rp__roster_version(nr), (unsigned)rp__roster_count(nr));
  for (c = r->conns; c != NULL; c = next) {
    next = c->next;
    if (c->phase != RP__CONN_OPEN || c->ms == NULL) continue;
    if ((rc = still_member(r, c)) != 0) {
      rp__stats_reject(&r->stats, rc);
      rp__conn_bye(c, RP__BYE_REVOKED, rc);
      continue;
    }
    /* The relay hands a newer roster to every client at once (transport.h). */
    if (rp__roster_version(nr) != old_version && rp__chan_state(c->ch) != RP__TS_HELLO &&
        rp__roster_document(nr, &doc, &len) == 0 && len <= RP__TMSG_ROSTER_MAX) {
      memset(&m, 0, sizeof m);
      m.type = RP__T_ROSTER;
      m.u.roster.version = rp__roster_version(nr);
      m.u.roster.roster.p = doc;
      m.u.roster.roster.n = (uint32_t)len;
      rp__conn_send(c, &m);
    }
  }
}
