/* SPDX-License-Identifier: MIT */
/*
 * The relay's part of the Noise_IK handshake (PROTOCOL.md 4.3); the channel
 * (proto/chan.h) does the cryptography. Message 1's key is looked up (the channel's
 * accept function), the connection admitted as pending (admit.c), WELCOME sent after
 * message 2 (or BYE busy); then the proof of the key, the client's first transport
 * message, which makes the connection its member's.
 */
#include <string.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"

static void send_welcome(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__tmsg m;

  memset(&m, 0, sizeof m);
  m.type = RP__T_WELCOME;
  m.u.welcome.time_ms = rp__clock_wall_ms();
  m.u.welcome.roster_version = rp__roster_version(r->roster);
  m.u.welcome.member = rp__str_c(c->ms->id);
  m.u.welcome.send_window = r->cfg.window;
  m.u.welcome.idle_ms = r->cfg.idle_timeout_ms;
  /* This relay takes attachment chunks (PROTOCOL.md 5.6), up to a full sealed chunk. */
  m.u.welcome.chunk_max = RP__CHUNK_SEALED_MAX;
  m.u.welcome.purge_max = RP__PURGE_IDS_MAX;
  rp__conn_send(c, &m);
}

/* The relay holds limits.max_connections proved connections and this member cannot
 * replace one of its own: BYE "busy" (PROTOCOL.md 4.3), readable only by the key
 * holder, so it knows to come back later rather than suspect its key. */
static void busy_bye(rp__conn *c, const char *member) {
  rp__relay *r = c->relay;
  rp__stats_reject(&r->stats, RP_EBUSY);
  rp__log_warn("conn_busy conn=%llu member=%s reason=max_connections active=%u",
               (unsigned long long)c->id, member, r->nactive);
  rp__conn_bye(c, RP__BYE_BUSY, RP_EBUSY);
}

int rp__conn_proved(rp__conn *c) {
  rp__relay *r = c->relay;
  int rc;

  if (c->proven) return 0;
  if ((rc = rp__admit_prove(c)) != 0) {
    busy_bye(c, rp__conn_member(c));
    return rc;
  }
  rp__log_info("conn_proven conn=%llu member=%s", (unsigned long long)c->id, c->ms->id);
  c->last_rx = uv_now(r->loop);
  rp__conn_arm_timer(c);
  return 0;
}

int rp__conn_accept_key(void *data, const uint8_t rs[32]) {
  rp__conn *c = data;
  const rp__member *m = rp__roster_find_transport(c->relay->roster, rs);
  int rc;

  if ((rc = rp__roster_member_active(m, rp__clock_wall_ms())) != 0) return rc;
  /* Members of kind relay or admin have nothing to send or receive here. */
  if (m->kind != RP_MEMBER_MUNICIPALITY && m->kind != RP_MEMBER_TEAM) return RP_EKIND;
  memcpy(c->peer_key, rs, sizeof c->peer_key);
  return 0;
}

void rp__conn_opened(rp__conn *c, const uint8_t *out, size_t len) {
  rp__relay *r = c->relay;
  const rp__member *m = rp__roster_find_transport(r->roster, c->peer_key);
  char peer[96];
  int busy;

  /* Message 1 may be a replay: until the client proves the key with its first transport
   * message, this connection waits in the member's own pool (admit.c). */
  if ((busy = rp__admit_named(c, m)) == RP_ENOMEM) {
    rp__conn_abort(c, "out_of_memory");
    return;
  }
  if (rp__conn_write_raw(c, out, len) != 0) return;
  c->phase = RP__CONN_OPEN;
  if (busy == RP_EBUSY) {
    busy_bye(c, m->pub.id);
    return;
  }
  rp__conn_peer_name(c, peer, sizeof peer);
  rp__log_info("conn_auth conn=%llu member=%s peer=%s", (unsigned long long)c->id,
               c->ms->id, peer);
  send_welcome(c);
}

void rp__conn_handshake_failed(rp__conn *c, int rc) {
  rp__relay *r = c->relay;

  r->stats.handshakes_failed++;
  if (rp__chan_failed_at(c->ch) == RP__CHAN_FAIL_ACCEPT) {
    /* Unknown, revoked or unsuitable key: close without a word, so a stranger learns
     * nothing, not even whether the relay is a rejsepost relay with this key. */
    if (rc == RP_ESTATE) rc = RP_EUNKNOWNMEMBER;
    rp__stats_reject(&r->stats, rc);
    rp__log_warn("handshake_refused conn=%llu code=%s", (unsigned long long)c->id,
                 rp_err_name(rc));
  } else {
    rp__stats_reject(&r->stats, rc);
    rp__log_info("handshake_failed conn=%llu code=%s", (unsigned long long)c->id,
                 rp_err_name(rc));
  }
  rp__conn_abort(c, NULL);
}
