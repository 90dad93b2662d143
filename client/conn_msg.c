/* SPDX-License-Identifier: MIT */
/* What the loop does with each message from the relay (loop thread only). */
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "clock.h"
#include "conn.h"
#include "download.h"
#include "erase.h"
#include "hold.h"
#include "host_log.h"
#include "msg_field.h"
#include "recv.h"
#include "upload.h"

/* NACK codes worth another try later; every other refusal is final for that envelope. */
static bool transient(int code) {
  return code == RP_EBUSY || code == RP_ESPOOLFULL || code == RP_EQUOTA ||
         code == RP_EFSYNC || code == RP_EIO || code == RP_EINTERNAL ||
         code == RP_ETIMEDOUT || code == RP_ENOMEM || code == RP_ESTATE;
}

static bool zero_id(const uint8_t id[RP_MSG_ID_BYTES]) {
  uint8_t acc = 0;
  for (size_t i = 0; i < RP_MSG_ID_BYTES; i++)
    acc |= id[i];
  return acc == 0;
}

static void send_receive(rp_client *c) {
  rp__tmsg m;
  /* Once per connection, and only once welcomed (RECEIVING: already sent). */
  if (!c->cfg.receive || c->phase != RP__CONN_PH_READY) return;
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = RP__CL_RECEIVE_WINDOW;
  if (rp__conn_send(c, &m) == 0) rp__conn_phase_apply(c, RP__CONN_EV_RECEIVE);
}

static void send_ping(rp_client *c) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  m.u.ping.nonce = ++c->ping_nonce;
  rp__conn_send(c, &m);
}

static void on_ping_timer(uv_timer_t *t) {
  send_ping(t->data);
}

static void on_welcome(rp_client *c, const rp__t_welcome *w) {
  uint64_t held, sent = c->nsent, gone = 0;
  uv_timer_stop(&c->deadline);
  /* Incomplete messages whose envelope expired will never be completed (store.h). */
  if (rp__store_in_sweep(c->st, rp__clock_wall_ms(), &gone) == 0 && gone > 0)
    rp__hlog(c, RP_LOG_WARN, "incomplete_expired count=%llu", (unsigned long long)gone);
  rp__conn_phase_apply(c, RP__CONN_EV_WELCOME);
  c->welcomed = true;
  c->relay_fails = 0;
  c->send_window =
      w->send_window < RP__CL_SEND_WINDOW_MAX ? w->send_window : RP__CL_SEND_WINDOW_MAX;
  c->idle_ms = w->idle_ms;
  /* A relay that takes chunks smaller than ours takes none of our full ones. */
  c->chunk_max = w->chunk_max >= RP__CHUNK_SEALED_MAX ? w->chunk_max : 0;
  c->purge_max = w->purge_max; /* 0: this relay takes no purges (PROTOCOL.md 5.7) */
  rp__erase_sweep(c);
  if (!c->refused) c->backoff_ms = c->cfg.backoff_min;
  c->relay_roster = w->roster_version;
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
  /* The relay counts the connection as ours only once a message of ours has decrypted
   * (PROTOCOL.md 4.3, proof of the key), and closes it unproved at its handshake
   * deadline: with nothing else to say (send-only, roster current, outbox empty) we
   * say PING. */
  if (c->nsent == sent) send_ping(c);
  rp__hlog(c, RP_LOG_INFO, "conn_ready member=%s roster=%llu relay_roster=%llu",
           c->me->pub.id, (unsigned long long)held, (unsigned long long)w->roster_version);
}

static void on_ack(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  if (c->inflight > 0) c->inflight--;
  rp__hold_answered(c, id);
  rp__hold_acked(c, id);
  /* Relayed first: dropping the sealed chunks (secure delete, every page rewritten) takes
   * longer than the transfer's last round trip, and rp_client_flush waits for the
   * status. The store drops chunks of a relayed message left by a crash in between. */
  rp__client_status(c, id, RP_STATUS_RELAYED, 0);
  rp__upload_done(c, id, true);
  rp__erase_on_relayed(c, id);
  rp__conn_stored(c);
  if (c->shutdown_started && c->inflight == 0) {
    rp__conn_bye(c);
    return;
  }
  rp__conn_pump(c);
}

static void on_nack(rp_client *c, const rp__t_nack *n) {
  char hex[RP_ID_STRLEN];
  int code = -(int)n->code;
  if (c->inflight > 0) c->inflight--;
  rp__hold_answered(c, n->msg_id);
  sodium_bin2hex(hex, sizeof hex, n->msg_id, RP_MSG_ID_BYTES);
  /* Full for this recipient only: the envelope waits, the others go on (hold.c). */
  /* PROTOCOL.md 5.6: ETRUNC for a message whose chunks were all acknowledged means the
   * relay no longer holds them: upload them again, then the envelope (upload.c). */
  if (code == RP_ETRUNC && !zero_id(n->msg_id) && rp__upload_again(c, n->msg_id) == 0) {
    rp__hlog(c, RP_LOG_INFO, "send_retry msg_id=%s code=%s reason=chunks_again", hex,
             rp_err_name(code));
    if (c->shutdown_started && c->inflight == 0)
      rp__conn_bye(c);
    else
      rp__conn_pump(c);
    return;
  }
  rp__upload_done(c, n->msg_id, !transient(code) && code != RP_EQUOTA);
  if ((code == RP_EQUOTA || code == RP_ESPOOLFULL) && !zero_id(n->msg_id) &&
      rp__hold_add(c, n->msg_id, code) == 0) {
    if (c->shutdown_started && c->inflight == 0)
      rp__conn_bye(c);
    else
      rp__conn_pump(c);
    return;
  }
  if (!transient(code) && !zero_id(n->msg_id)) {
    rp__hlog(c, RP_LOG_WARN, "send_failed msg_id=%s code=%s by=relay", hex,
             rp_err_name(code));
    rp__client_status(c, n->msg_id, RP_STATUS_FAILED, code);
    if (c->shutdown_started && c->inflight == 0)
      rp__conn_bye(c);
    else
      rp__conn_pump(c);
    return;
  }
  /* The relay is busy or its spool failed: everything again on a new connection,
   * later. */
  rp__conn_refused(c, code);
}

void rp__conn_delivered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], uint64_t seq,
                        int refused) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_DELIVERED;
  memcpy(m.u.delivered.msg_id, id, RP_MSG_ID_BYTES);
  m.u.delivered.seq = seq;
  m.u.delivered.refused = (uint64_t)-refused;
  rp__conn_send(c, &m);
}

/* Keeps a DELIVER unanswered until the relay's newer roster is in, and asks for it. The
 * relay never has more items out than our receive window, so there is room; if not, the
 * item is decided at once rather than kept without bound. */
static int defer(rp_client *c, uint64_t seq, const uint8_t *env, size_t len) {
  rp__cl_deferred *d;
  if (c->ndeferred == RP__CL_RECEIVE_WINDOW) return RP_EBUSY;
  d = &c->deferred[c->ndeferred];
  if ((d->env = malloc(len > 0 ? len : 1)) == NULL) return RP_ENOMEM;
  memcpy(d->env, env, len);
  d->len = len;
  d->seq = seq;
  c->ndeferred++;
  pthread_mutex_lock(&c->mu);
  c->roster_wanted = true;
  pthread_mutex_unlock(&c->mu);
  return 0;
}

/* One DELIVER, the first time or again after the roster it waited for. */
static void deliver(rp_client *c, uint64_t seq, const uint8_t *env, size_t len,
                    bool may_defer) {
  uint8_t id[RP_MSG_ID_BYTES];
  int code = 0;
  switch (rp__recv_deliver(c, env, len, may_defer, id, &code)) {
  case RP__RECV_ANSWER:
    rp__conn_delivered(c, id, seq, code);
    break;
  case RP__RECV_DOWNLOAD:
    rp__download_add(c, id, seq);
    break;
  case RP__RECV_DEFER:
    if (defer(c, seq, env, len) != 0) deliver(c, seq, env, len, false);
    break;
  case RP__RECV_RETRY:
  case RP__RECV_BROKEN:
    rp__conn_bye_error(c, code);
    break;
  }
}

void rp__conn_drop_deferred(rp_client *c) {
  for (size_t i = 0; i < c->ndeferred; i++)
    free(c->deferred[i].env);
  c->ndeferred = 0;
}

static void on_roster(rp_client *c, const rp__t_roster *r) {
  rp__cl_deferred waiting[RP__CL_RECEIVE_WINDOW];
  size_t n = c->ndeferred;
  int rc = 0;
  if (r->version > c->relay_roster) c->relay_roster = r->version;
  if (r->roster.n > 0) rc = rp__client_roster_accept(c, r->roster.p, r->roster.n);
  c->roster_asked = false;
  pthread_mutex_lock(&c->mu);
  c->roster_result = rc;
  c->roster_gen++;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  /* What waited for this roster is decided now, whatever the roster brought: an
   * envelope waits for a roster once, never in a loop. */
  memcpy(waiting, c->deferred, n * sizeof *waiting);
  c->ndeferred = 0;
  for (size_t i = 0; i < n; i++) {
    if (rp__conn_phase_has(c->phase, RP__CONN_PHF_LIVE))
      deliver(c, waiting[i].seq, waiting[i].env, waiting[i].len, false);
    free(waiting[i].env);
  }
  send_receive(c);
  rp__conn_pump(c);
}

/* Our envelope did not reach its recipient: it expired at the relay, or the recipient
 * refused it, and then it failed for good with the recipient's reason. */
static void on_expired(rp_client *c, const rp__t_expired *e) {
  char hex[RP_ID_STRLEN], who[RP_MEMBER_ID_MAX + 1];
  sodium_bin2hex(hex, sizeof hex, e->msg_id, RP_MSG_ID_BYTES);
  rp__hlog_id(who, (const uint8_t *)e->recipient.p, e->recipient.n);
  if (e->refused != 0) {
    rp__hlog(c, RP_LOG_WARN, "send_failed msg_id=%s recipient=%s code=%s by=recipient", hex,
             who, rp_err_name(-(int)e->refused));
    rp__client_status(c, e->msg_id, RP_STATUS_FAILED, -(int)e->refused);
  } else {
    rp__hlog(c, RP_LOG_WARN, "send_expired msg_id=%s recipient=%s", hex, who);
    rp__client_status(c, e->msg_id, RP_STATUS_EXPIRED, 0);
  }
  rp__conn_delivered(c, e->msg_id, e->seq, 0);
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
    deliver(c, m->u.deliver.seq, m->u.deliver.envelope.p, m->u.deliver.envelope.n, true);
    rp__conn_pump(c);
    break;
  case RP__T_EXPIRED:
    on_expired(c, &m->u.expired);
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
  case RP__T_CHUNK_DATA:
    rp__download_on_data(c, m->u.chunk_data.msg_id, m->u.chunk_data.index,
                         m->u.chunk_data.data.p, m->u.chunk_data.data.n,
                         m->u.chunk_data.code);
    break;
  case RP__T_CHUNK_ACK:
    rp__upload_on_ack(c, m->u.chunk_ack.msg_id, m->u.chunk_ack.index, m->u.chunk_ack.code);
    break;
  case RP__T_PURGED:
    rp__erase_on_purged(c, &m->u.purged);
    break;
  default:
    break; /* PONG */
  }
}
