/* SPDX-License-Identifier: MIT */
/*
 * Connection life cycle (conn.h): accept, the deadline timer, BYE and closing, and
 * freeing once libuv has closed both handles. The transport itself (Noise_IK, frames,
 * fragments, states) is the connection's channel (proto/chan.h); the relay's part of the
 * handshake and the proof of the key are in handshake.c, the byte path (reads into the
 * channel, writes) in conn_io.c, the transport messages in dispatch.c, who may hold a
 * slot in admit.c.
 */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "rejsepost_errors.h"

static void on_close(uv_handle_t *h);
static void on_timer(uv_timer_t *t);

const char *rp__conn_member(const rp__conn *c) {
  return c->ms != NULL ? c->ms->id : "-";
}

/* The peer's address as text, from the address kept at accept. */
void rp__conn_peer_name(const rp__conn *c, char *buf, size_t len) {
  char host[64] = "?";
  unsigned port = 0;

  if (c->sockaddr_ok && c->peer.ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c->peer;
    uv_ip4_name(s4, host, sizeof host);
    port = ntohs(s4->sin_port);
  } else if (c->sockaddr_ok && c->peer.ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c->peer;
    uv_ip6_name(s6, host, sizeof host);
    port = ntohs(s6->sin6_port);
  }
  snprintf(buf, len, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, port);
}

static void link_conn(rp__relay *r, rp__conn *c) {
  c->relay = r;
  c->id = ++r->next_conn_id;
  c->next = r->conns;
  if (r->conns != NULL) r->conns->prev = c;
  r->conns = c;
  r->nconns++;
  r->stats.conns_current++;
  r->stats.conns_total++;
}

void rp__conn_accept(rp__relay *r, uv_stream_t *server) {
  char peer[96];
  int n = (int)sizeof(struct sockaddr_storage);
  rp__conn *c = calloc(1, sizeof *c);

  if (c == NULL) {
    /* Without memory for the connection we cannot even accept it to close it; libuv
     * keeps it pending and offers it again, by when memory may be back. */
    rp__log_error("accept_failed code=%s", rp_err_name(RP_ENOMEM));
    return;
  }
  uv_tcp_init(r->loop, &c->tcp);
  uv_timer_init(r->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->handles = 2;
  c->phase = RP__CONN_HANDSHAKE;
  link_conn(r, c);
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    rp__conn_abort(c, "accept_failed");
    return;
  }
  c->sockaddr_ok = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &n) == 0;
  rp__conn_peer_name(c, peer, sizeof peer);
  if (r->stopping) {
    rp__stats_reject(&r->stats, RP_EBUSY);
    rp__log_warn("conn_refused conn=%llu peer=%s reason=stopping",
                 (unsigned long long)c->id, peer);
    rp__conn_abort(c, NULL);
    return;
  }
  /* A connection that has proved nothing takes a slot of the pending budget, never one
   * of the members' (admit.c); a full budget closes the oldest pending one instead. */
  if (rp__admit_accept(r, c) != 0) {
    rp__conn_abort(c, "out_of_memory");
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  /* At debug only: a flood of connections must not become a flood of log lines (the
   * member's address is logged with conn_auth; floods show as pending_evicted). */
  rp__log_debug("conn_open conn=%llu peer=%s", (unsigned long long)c->id, peer);
  c->hs_deadline = uv_now(r->loop) + r->cfg.handshake_timeout_ms;
  rp__conn_arm_timer(c);
  rp__conn_io_start(c);
}

void rp__conn_arm_timer(rp__conn *c) {
  rp__relay *r = c->relay;
  uint64_t now = uv_now(r->loop), due;

  if (c->phase != RP__CONN_HANDSHAKE && c->phase != RP__CONN_OPEN) return;
  if (!c->proven) {
    due = c->hs_deadline;
  } else {
    due = c->last_rx + r->cfg.idle_timeout_ms;
    if (!c->pinged && c->last_rx + r->cfg.ping_interval_ms < due)
      due = c->last_rx + r->cfg.ping_interval_ms;
  }
  if (c->mid_frame && c->frame_since + r->cfg.frame_timeout_ms < due)
    due = c->frame_since + r->cfg.frame_timeout_ms;
  uv_timer_start(&c->timer, on_timer, due > now ? due - now : 0, 0);
}

void rp__conn_frame_clock(rp__conn *c, int fresh) {
  rp__relay *r = c->relay;

  if (c->ch == NULL || !rp__chan_mid_frame(c->ch)) {
    c->mid_frame = 0;
    return;
  }
  if (c->mid_frame && !fresh) return; /* the same frame goes on */
  c->mid_frame = 1;
  c->frame_since = uv_now(r->loop);
  if (uv_timer_get_due_in(&c->timer) > r->cfg.frame_timeout_ms) rp__conn_arm_timer(c);
}

/* Idle handling: PING after ping_interval of silence, BYE "idle" after idle_timeout.
 * Returns 0 if the connection stays open. */
static int idle_check(rp__conn *c, uint64_t now) {
  rp__relay *r = c->relay;
  uint64_t quiet = now - c->last_rx;
  rp__tmsg m;

  if (quiet >= r->cfg.idle_timeout_ms) {
    rp__stats_reject(&r->stats, RP_ETIMEDOUT);
    rp__conn_bye(c, RP__BYE_IDLE, RP_ETIMEDOUT);
    return RP_ETIMEDOUT;
  }
  if (quiet >= r->cfg.ping_interval_ms && !c->pinged) {
    memset(&m, 0, sizeof m);
    m.type = RP__T_PING;
    m.u.ping.nonce = ++c->ping_nonce;
    c->pinged = 1;
    return rp__conn_send(c, &m);
  }
  return 0;
}

static void on_timer(uv_timer_t *t) {
  rp__conn *c = t->data;
  rp__relay *r = c->relay;
  uint64_t now = uv_now(r->loop);

  if (c->phase == RP__CONN_CLOSING) {
    rp__conn_abort(c, "linger_timeout");
    return;
  }
  if (c->phase != RP__CONN_HANDSHAKE && c->phase != RP__CONN_OPEN) return;
  if (c->mid_frame && now - c->frame_since >= r->cfg.frame_timeout_ms) {
    /* A frame that has begun must end in time (PROTOCOL.md 4.1): after the handshake
     * the peer is told why; during it, it learns nothing. */
    rp__stats_reject(&r->stats, RP_ETIMEDOUT);
    rp__log_info("frame_timeout conn=%llu member=%s waited_ms=%llu",
                 (unsigned long long)c->id, rp__conn_member(c),
                 (unsigned long long)(now - c->frame_since));
    if (c->phase == RP__CONN_HANDSHAKE) {
      r->stats.handshakes_failed++;
      rp__conn_abort(c, NULL);
    } else {
      rp__conn_bye(c, RP__BYE_ERROR, RP_ETIMEDOUT);
    }
    return;
  }
  if (!c->proven && now >= c->hs_deadline) {
    /* No handshake, or a handshake whose key was never proved (a replayed message 1,
     * or a client that does not send its first message): closed without a word. */
    r->stats.handshakes_failed++;
    rp__stats_reject(&r->stats, RP_ETIMEDOUT);
    rp__log_info("handshake_timeout conn=%llu member=%s why=%s", (unsigned long long)c->id,
                 rp__conn_member(c),
                 c->phase == RP__CONN_HANDSHAKE ? "no_handshake" : "no_proof");
    rp__conn_abort(c, NULL);
    return;
  }
  if (c->proven && idle_check(c, now) != 0) return;
  rp__conn_arm_timer(c);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  rp__conn *c = req->data;
  free(req);
  (void)status;
  if (c->phase == RP__CONN_CLOSING) rp__conn_abort(c, NULL);
}

/* The member may have another connection that should take over deliveries. */
static void handover(rp__conn *c) {
  rp__conn *next;
  if (c->ms == NULL) return;
  next = rp__deliver_conn_of(c->ms);
  if (next != NULL) {
    next->dl_dirty = 1;
    rp__deliver_kick(next);
  }
}

/* Close gracefully: stop reading, let queued writes drain, then close. */
static void close_after_flush(rp__conn *c) {
  rp__relay *r = c->relay;
  uv_shutdown_t *req;

  c->phase = RP__CONN_CLOSING;
  rp__admit_leave(c);
  rp__conn_update_reading(c);
  handover(c);
  /* uv_shutdown waits only for writes libuv already has: the BYE and whatever else is
   * pending must be handed over first, or the FIN would overtake them. */
  rp__conn_flush(c);
  if (c->phase == RP__CONN_CLOSED) return;
  uv_timer_start(&c->timer, on_timer, RP__CONN_LINGER_MS, 0);
  req = malloc(sizeof *req);
  if (req == NULL) {
    rp__conn_abort(c, NULL);
    return;
  }
  req->data = c;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    free(req);
    rp__conn_abort(c, NULL);
  }
  (void)r;
}

void rp__conn_bye(rp__conn *c, int reason, int code) {
  rp__tmsg m;

  if (c->phase == RP__CONN_CLOSING || c->phase == RP__CONN_CLOSED) return;
  if (c->phase == RP__CONN_HANDSHAKE) {
    rp__conn_abort(c, NULL);
    return;
  }
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = reason;
  m.u.bye.code = code < 0 ? (uint64_t)-code : 0;
  rp__log_info("conn_bye conn=%llu member=%s reason=%s code=%s", (unsigned long long)c->id,
               rp__conn_member(c),
               reason == RP__BYE_DONE       ? "done"
               : reason == RP__BYE_SHUTDOWN ? "shutdown"
               : reason == RP__BYE_IDLE     ? "idle"
               : reason == RP__BYE_REVOKED  ? "revoked"
               : reason == RP__BYE_REPLACED ? "replaced"
               : reason == RP__BYE_BUSY     ? "busy"
                                            : "error",
               code < 0 ? rp_err_name(code) : "-");
  if (rp__conn_send(c, &m) != 0) return; /* the send closed it */
  close_after_flush(c);
}

/* The peer said BYE: no answer, just close once our queued writes are out. */
void rp__conn_peer_bye(rp__conn *c) {
  rp__log_info("conn_peer_bye conn=%llu member=%s", (unsigned long long)c->id,
               rp__conn_member(c));
  close_after_flush(c);
}

void rp__conn_abort(rp__conn *c, const char *why) {
  if (c->phase == RP__CONN_CLOSED) return;
  if (why != NULL)
    rp__log_info("conn_close conn=%llu member=%s why=%s", (unsigned long long)c->id,
                 rp__conn_member(c), why);
  else
    rp__log_debug("conn_close conn=%llu member=%s", (unsigned long long)c->id,
                  rp__conn_member(c));
  c->phase = RP__CONN_CLOSED;
  c->reading = 0;
  rp__admit_leave(c);
  handover(c);
  /* An evicted pending connection is reset rather than closed: it proved nothing, and
   * a flood of them must not leave the kernel with a TIME_WAIT socket for each. */
  if (!c->reset_on_close || uv_tcp_close_reset(&c->tcp, on_close) != 0)
    uv_close((uv_handle_t *)&c->tcp, on_close);
  uv_close((uv_handle_t *)&c->timer, on_close);
}

void rp__conn_drain(rp__conn *c) {
  if (c->phase == RP__CONN_HANDSHAKE) {
    rp__conn_abort(c, NULL);
    return;
  }
  rp__conn_update_reading(c);
  if (c->phase == RP__CONN_OPEN && c->sends_inflight == 0)
    rp__conn_bye(c, RP__BYE_SHUTDOWN, 0);
}

void rp__conn_send_answered(rp__conn *c) {
  if (c->relay->stopping) {
    if (c->phase == RP__CONN_OPEN && c->sends_inflight == 0)
      rp__conn_bye(c, RP__BYE_SHUTDOWN, 0);
    return;
  }
  rp__conn_update_reading(c);
}

/* Everything but the handles and the struct itself. */
static void conn_release(rp__conn *c) {
  rp__relay *r = c->relay;

  while (c->ops != NULL) {
    rp__op *op = c->ops;
    c->ops = op->cnext;
    op->conn = NULL;
    op->cprev = op->cnext = NULL;
  }
  rp__deliver_conn_free(c);
  rp__attach_conn_free(c);
  rp__conn_flush_drop(c);
  rp__chan_free(c->ch);
  c->ch = NULL;
  rp__admit_release(c);
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    r->conns = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  r->nconns--;
  r->stats.conns_current--;
}

static void on_close(uv_handle_t *h) {
  rp__conn *c = h->data;
  rp__relay *r = c->relay;

  if (--c->handles > 0) return;
  conn_release(c);
  free(c);
  rp__relay_conn_gone(r);
}
