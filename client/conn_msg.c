/* SPDX-License-Identifier: MIT */
/* What the loop does with each message from the relay (loop thread only). */
#include <string.h>

#include "client_int.h"

/* NACK codes worth another try later; every other refusal is final for that envelope. */
static bool transient(int code) {
  return code == RP_EBUSY || code == RP_ESPOOLFULL || code == RP_EFSYNC || code == RP_EIO ||
         code == RP_EINTERNAL || code == RP_ETIMEDOUT || code == RP_ENOMEM ||
         code == RP_ESTATE;
}

static bool zero_id(const uint8_t id[RP_MSG_ID_BYTES]) {
  uint8_t acc = 0;
  for (size_t i = 0; i < RP_MSG_ID_BYTES; i++)
    acc |= id[i];
  return acc == 0;
}

static void send_receive(rp_client *c) {
  rp__tmsg m;
  if (!c->cfg.receive || c->receiving) return;
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = RP__CL_RECEIVE_WINDOW;
  if (rp__conn_send(c, &m) == 0) c->receiving = true;
}

static void on_ping_timer(uv_timer_t *t) {
  rp_client *c = t->data;
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = ++c->ping_nonce;
  rp__conn_send(c, &m);
}

static void on_welcome(rp_client *c, const rp__t_welcome *w) {
  uint64_t held;
  uv_timer_stop(&c->deadline);
  c->welcomed = true;
  c->send_window =
      w->send_window < RP__CL_SEND_WINDOW_MAX ? w->send_window : RP__CL_SEND_WINDOW_MAX;
  c->idle_ms = w->idle_ms;
  c->backoff_ms = c->cfg.backoff_min;
  pthread_mutex_lock(&c->mu);
  c->conn_state = RP_CONN_CONNECTED;
  c->last_error = 0;
  held = rp__roster_version(c->roster);
  if (w->roster_version > held) c->roster_wanted = true;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  /* Deliveries start after the roster is current: we need the senders' keys. */
  if (w->roster_version <= held) send_receive(c);
  if (c->idle_ms >= 3000)
    uv_timer_start(&c->ping, on_ping_timer, c->idle_ms / 3, c->idle_ms / 3);
  rp__conn_pump(c);
}

static void on_ack(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  if (c->inflight > 0) c->inflight--;
  rp__client_status(c, id, RP_STATUS_RELAYED, 0);
  if (c->shutdown_started && c->inflight == 0) {
    rp__conn_bye(c);
    return;
  }
  rp__conn_pump(c);
}

static void on_nack(rp_client *c, const rp__t_nack *n) {
  int code = -(int)n->code;
  if (c->inflight > 0) c->inflight--;
  if (!transient(code) && !zero_id(n->msg_id)) {
    rp__client_status(c, n->msg_id, RP_STATUS_FAILED, code);
    if (c->shutdown_started && c->inflight == 0)
      rp__conn_bye(c);
    else
      rp__conn_pump(c);
    return;
  }
  /* The relay is busy or full: try everything again on a new connection, later. */
  pthread_mutex_lock(&c->mu);
  c->last_error = code;
  pthread_mutex_unlock(&c->mu);
  rp__conn_bye(c);
}

static void on_roster(rp_client *c, const rp__t_roster *r) {
  int rc = 0;
  if (r->roster.n > 0) rc = rp__client_roster_accept(c, r->roster.p, r->roster.n);
  c->roster_asked = false;
  pthread_mutex_lock(&c->mu);
  c->roster_result = rc;
  c->roster_gen++;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  if (c->left_behind && rc == 0) {
    /* A delivery we could not open waits at the relay: reconnect to get it again. */
    c->left_behind = false;
    c->backoff_ms = c->cfg.backoff_min;
    rp__conn_bye(c);
    return;
  }
  send_receive(c);
  rp__conn_pump(c);
}

static void delivered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], uint64_t seq) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memcpy(m.u.delivered.msg_id, id, RP_MSG_ID_BYTES);
  m.u.delivered.seq = seq;
  rp__conn_send(c, &m);
}

static void on_bye(rp_client *c, const rp__t_bye *b) {
  int err = b->code != 0 ? -(int)b->code : RP_ECLOSED;
  if (b->reason == RP__BYE_REVOKED) {
    c->revoked = true;
    err = RP_EREVOKED;
  }
  rp__conn_close(c, err);
}

void rp__conn_on_msg(rp_client *c, const rp__tmsg *m) {
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg pong;
  switch (m->type) {
  case RP__T_WELCOME:
    on_welcome(c, &m->u.welcome);
    break;
  case RP__T_ACK:
    on_ack(c, m->u.ack.msg_id);
    break;
  case RP__T_NACK:
    on_nack(c, &m->u.nack);
    break;
  case RP__T_DELIVER:
    memset(id, 0, sizeof id);
    if (rp__recv_deliver(c, &m->u.deliver, id) == 0)
      delivered(c, id, m->u.deliver.seq);
    else
      c->left_behind = true;
    rp__conn_pump(c);
    break;
  case RP__T_EXPIRED:
    rp__client_status(c, m->u.expired.msg_id, RP_STATUS_EXPIRED, 0);
    delivered(c, m->u.expired.msg_id, m->u.expired.seq);
    break;
  case RP__T_ROSTER:
    on_roster(c, &m->u.roster);
    break;
  case RP__T_PING:
    memset(&pong, 0, sizeof pong);
    pong.type = RP__T_PONG;
    pong.u.pong.nonce = m->u.ping.nonce;
    rp__conn_send(c, &pong);
    break;
  case RP__T_BYE:
    on_bye(c, &m->u.bye);
    break;
  default:
    break; /* PONG */
  }
}
