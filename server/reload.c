/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP (reload.h): the settings that may change while running, then the roster
 * (read and verified by member.c), applied to the connections: members no longer
 * admitted are sent BYE revoked, the others the new roster.
 */
#include "reload.h"

#include <stdint.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "member.h"
#include "rejsepost_errors.h"
#include "relay_int.h"

/* The settings marked live in the settings table (config.c) take effect at once; the
 * others (listen addresses, the state dir, the spool and key files, the keys, the
 * spool's own limits) need a restart. The
 * spool refuses envelopes above the size it was opened with, so a larger
 * limits.envelope_max takes effect at the next start. */
static void reload_config(rp__relay *r) {
  rp__config nc;
  rp__config_action action;
  char err[RP__CFG_ERR_MAX], q[RP__CFG_ERR_MAX + 16];

  if (r->argv == NULL) return;
  if (rp__config_from_args(&nc, r->argc, r->argv, &action, err, sizeof err) != 0) {
    rp__log_error("reload_config_refused why=%s", rp__log_quote(q, sizeof q, err));
    return;
  }
  if (rp__config_reload(&r->cfg, &nc, NULL, 0) > 0)
    rp__log_warn("reload_needs_restart what=listen_paths_keys_or_spool_limits");
  rp__log_set_level(r->cfg.log_level);
}

/* Is the connection's member still welcome under the roster? Its kind (for the routes)
 * is taken from the new roster. */
static int still_member(const rp__relay *r, rp__conn *c) {
  const rp__member *m = rp__roster_find_transport(r->roster, c->peer_key);
  int rc = rp__roster_member_active(m, rp__clock_wall_ms());
  if (rc != 0) return rc;
  if (strcmp(m->pub.id, c->ms->id) != 0) return RP_EUNKNOWNMEMBER;
  if (m->kind != RP_MEMBER_MUNICIPALITY && m->kind != RP_MEMBER_TEAM) return RP_EKIND;
  c->kind = (uint8_t)m->kind;
  return 0;
}

void rp__reload_run(rp__relay *r) {
  rp__roster *nr = NULL;
  const uint8_t *doc = NULL;
  size_t len = 0;
  uint64_t old_version = rp__roster_version(r->roster);
  rp__conn *c, *next;
  rp__tmsg m;
  int rc;

  rp__log_info("reload_start");
  reload_config(r);
  if (rp__member_roster_load(r, r->roster, &nr) != 0) {
    rp__log_warn("reload_roster_kept version=%llu", (unsigned long long)old_version);
    return;
  }
  rp__roster_free(r->roster);
  r->roster = nr;
  if (rp__roster_version(nr) > rp__spool_roster_floor(r->spool))
    rp__member_floor_save(r, rp__roster_version(nr));
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
