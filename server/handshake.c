/* SPDX-License-Identifier: MIT */
/*
 * The Noise_IK responder (PROTOCOL.md 4.3): message 1 in, the member looked up and
 * admitted as pending (admit.c), message 2 and WELCOME out (or BYE busy); then the proof
 * of the key, the client's first transport message, which makes the connection its
 * member's.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"

static void send_welcome(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__tmsg m;

  memset(&m, 0, sizeof m);
  m.type = RP__T_WELCOME;
  m.u.welcome.time_ms = rp__relay_now_ms();
  m.u.welcome.roster_version = rp__roster_version(r->roster);
  m.u.welcome.member = rp__str_c(c->ms->id);
  m.u.welcome.send_window = r->cfg.window;
  m.u.welcome.idle_ms = r->cfg.idle_timeout_ms;
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

/* The Noise_IK responder: one message in, one out. */
void rp__conn_handshake_frame(rp__conn *c, uint8_t *buf, size_t len) {
  rp__relay *r = c->relay;
  uint8_t payload[RP__CONN_HS_FRAME_MAX];
  uint8_t rs[RP__NOISE_DHBYTES];
  uint8_t out[RP__FRAME_PREFIX + 2 * RP__NOISE_DHBYTES];
  char peer[96];
  size_t plen = 0, olen = 0;
  const rp__member *m;
  int rc, busy;

  /* The handshake state is created only now, so a connection that never sends a
   * handshake costs no sodium_malloc'd memory. */
  if (c->hs == NULL &&
      (rc = rp__noise_ik_responder_new(&c->hs, r->ident->sec->transport_sk)) != 0) {
    rp__log_error("handshake_setup_failed conn=%llu code=%s", (unsigned long long)c->id,
                  rp_err_name(rc));
    rp__conn_abort(c, "internal");
    return;
  }
  if ((rc = rp__noise_handshake_read(c->hs, buf, len, payload, sizeof payload, &plen)) !=
      0) {
    r->stats.handshakes_failed++;
    rp__stats_reject(&r->stats, rc);
    rp__log_info("handshake_failed conn=%llu code=%s", (unsigned long long)c->id,
                 rp_err_name(rc));
    rp__conn_abort(c, NULL);
    return;
  }
  sodium_memzero(payload, plen);
  if ((rc = rp__noise_handshake_remote_static(c->hs, rs)) != 0) goto refuse;
  m = rp__roster_find_transport(r->roster, rs);
  if ((rc = rp__roster_member_active(m, rp__relay_now_ms())) != 0) goto refuse;
  /* Members of kind relay or admin have nothing to send or receive here. */
  if (m->kind != RP_MEMBER_MUNICIPALITY && m->kind != RP_MEMBER_TEAM) {
    rc = RP_EKIND;
    goto refuse;
  }
  if ((rc = rp__noise_handshake_write(c->hs, NULL, 0, out + RP__FRAME_PREFIX,
                                      sizeof out - RP__FRAME_PREFIX, &olen)) != 0 ||
      (rc = rp__frame_prefix(out, olen)) != 0 ||
      (rc = rp__noise_handshake_split(c->hs, &c->tx, &c->rx)) != 0) {
    rp__log_error("handshake_write_failed conn=%llu code=%s", (unsigned long long)c->id,
                  rp_err_name(rc));
    rp__conn_abort(c, "internal");
    return;
  }
  rp__noise_handshake_free(c->hs);
  c->hs = NULL;
  memcpy(c->peer_key, rs, sizeof rs);
  /* Message 1 may be a replay: until the client proves the key with its first transport
   * message, this connection waits in the member's own pool (admit.c). */
  if ((busy = rp__admit_named(c, m)) == RP_ENOMEM) {
    rp__conn_abort(c, "out_of_memory");
    return;
  }
  if (rp__conn_write_raw(c, out, RP__FRAME_PREFIX + olen) != 0) return;
  c->phase = RP__CONN_OPEN;
  c->tstate = RP__TS_HELLO;
  if (rp__frag_reader_init(&c->frag,
                           r->cfg.envelope_max + RP__CONN_MSG_OVERHEAD < RP_MSG_MAX
                               ? r->cfg.envelope_max + RP__CONN_MSG_OVERHEAD
                               : RP_MSG_MAX) != 0) {
    rp__conn_abort(c, "internal");
    return;
  }
  if (busy == RP_EBUSY) {
    busy_bye(c, m->pub.id);
    return;
  }
  rp__conn_peer_name(c, peer, sizeof peer);
  rp__log_info("conn_auth conn=%llu member=%s peer=%s", (unsigned long long)c->id,
               c->ms->id, peer);
  send_welcome(c);
  return;

refuse:
  /* Unknown, revoked or unsuitable key: close without a word, so a stranger learns
   * nothing, not even whether the relay is a rejsepost relay with this key. */
  r->stats.handshakes_failed++;
  rp__stats_reject(&r->stats, rc == RP_ESTATE ? RP_EUNKNOWNMEMBER : rc);
  rp__log_warn("handshake_refused conn=%llu code=%s", (unsigned long long)c->id,
               rp_err_name(rc == RP_ESTATE ? RP_EUNKNOWNMEMBER : rc));
  rp__conn_abort(c, NULL);
}
