/* SPDX-License-Identifier: MIT */
/*
 * The relay connection on the loop thread: resolve, connect, handshake (proto/chan.h),
 * then the conversation of docs/PROTOCOL.md section 5; on any loss, reconnect after an
 * exponential backoff with jitter. With several addresses of the relay (cfg.hosts), a
 * failed attempt moves on to the next address first (after_loss). Everything here runs
 * on the loop thread.
 *
 * A failed handshake (the relay closes before the Noise answer) is reported as
 * RP_EAUTH through rp_client_last_error and retried with backoff like any other loss:
 * the cause is usually a wrong relay key in the configuration, or our key not yet in
 * the relay's roster, and the latter heals without a restart. A full relay answers the
 * handshake and says BYE "busy" (RP_EBUSY) instead of WELCOME: retried the same way.
 * Only BYE "revoked" stops the client for good.
 *
 * Where the connection is, is c->phase: the phases and the events that move them are
 * the table of conn_phase.c (conn.h); the code here asks the phase and reports events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "conn.h"
#include "erase.h"
#include "hold.h"
#include "host_log.h"
#include "loop.h"
#include "recv.h"
#include "upload.h"

typedef struct wreq {
  uv_write_t req;
  uint8_t *buf;
} wreq;

static void set_conn(rp_client *c, int state, int err, bool set_err) {
  pthread_mutex_lock(&c->mu);
  c->conn_state = state;
  if (set_err) c->last_error = err;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static bool is_stopping(rp_client *c) {
  bool s;
  pthread_mutex_lock(&c->mu);
  s = c->stopping;
  pthread_mutex_unlock(&c->mu);
  return s;
}

static void on_retry(uv_timer_t *t) {
  rp__conn_start(t->data);
}

static void schedule_retry(rp_client *c) {
  uint64_t delay = c->backoff_ms + randombytes_uniform(c->backoff_ms / 2 + 1);
  if (c->revoked) {
    rp__conn_phase_apply(c, RP__CONN_EV_STOP);
    set_conn(c, RP_CONN_STOPPED, RP_EREVOKED, true);
    return;
  }
  set_conn(c, RP_CONN_DISCONNECTED, 0, false);
  c->backoff_ms =
      c->backoff_ms * 2 > c->cfg.backoff_max ? c->cfg.backoff_max : c->backoff_ms * 2;
  uv_timer_start(&c->retry, on_retry, delay, 0);
}

/*
 * A connection attempt or a connection ended (not stopping). With several addresses
 * (rp_config_add_relay): an attempt that never reached the relay's welcome moves on to
 * the next address at once, and only when every address has failed in a row does the
 * backoff run (the round then starts again where it started, the order kept). A
 * connection that was welcomed and then lost is tried again at the same address after
 * the usual backoff: that relay was there a moment ago, and its spool holds what it
 * owes us.
 */
static void after_loss(rp_client *c) {
  unsigned from = c->relay_idx, n = c->cfg.nrelays;
  bool welcomed = c->welcomed;
  c->welcomed = false;
  if (welcomed || n <= 1 || c->revoked) {
    c->relay_fails = 0;
    schedule_retry(c);
    return;
  }
  c->relay_idx = (c->relay_idx + 1) % n;
  if (++c->relay_fails >= n) {
    c->relay_fails = 0;
    rp__hlog(c, RP_LOG_INFO, "relay_all_failed addresses=%u code=%s next=%s:%u", n,
             rp_err_name(rp_client_last_error(c)), c->cfg.hosts[c->relay_idx],
             c->cfg.ports[c->relay_idx]);
    schedule_retry(c);
    return;
  }
  rp__hlog(c, RP_LOG_INFO, "relay_next from=%s:%u to=%s:%u code=%s", c->cfg.hosts[from],
           c->cfg.ports[from], c->cfg.hosts[c->relay_idx], c->cfg.ports[c->relay_idx],
           rp_err_name(rp_client_last_error(c)));
  set_conn(c, RP_CONN_CONNECTING, 0, false);
  uv_timer_start(&c->retry, on_retry, 0, 0);
}

static void on_tcp_closed(uv_handle_t *h) {
  rp_client *c = h->data;
  rp__chan_free(c->chan);
  c->chan = NULL;
  rp__conn_phase_apply(c, RP__CONN_EV_CLOSED);
  c->roster_asked = false;
  c->inflight = 0;
  c->send_cursor = 0;
  c->relay_roster = 0;
  rp__conn_drop_deferred(c);
  rp__hold_reset(c);
  rp__upload_reset(c);
  rp__download_reset(c);
  rp__erase_reset(c);
  if (is_stopping(c))
    rp__loop_finish(c);
  else
    after_loss(c);
}

void rp__conn_close(rp_client *c, int err) {
  uv_timer_stop(&c->ping);
  uv_timer_stop(&c->deadline);
  /* Nothing to close without a socket; a close under way runs its course. */
  if (!rp__conn_phase_has(c->phase, RP__CONN_PHF_LIVE)) return;
  rp__conn_phase_apply(c, RP__CONN_EV_CLOSE);
  if (err != 0) set_conn(c, RP_CONN_DISCONNECTED, err, true);
  uv_read_stop((uv_stream_t *)&c->tcp);
  uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
}

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  rp_client *c = req->data;
  free(w->buf);
  free(w);
  if (status < 0 && status != UV_ECANCELED) rp__conn_close(c, RP_ECLOSED);
}

int rp__conn_send(rp_client *c, const rp__tmsg *m) {
  wreq *w;
  uv_buf_t b;
  size_t len = 0;
  int rc;
  /* Only an open channel seals: from the relay's handshake answer until the close. */
  if (!rp__conn_phase_has(c->phase, RP__CONN_PHF_CHANNEL)) return RP_ECLOSED;
  if ((w = calloc(1, sizeof *w)) == NULL) return RP_ENOMEM;
  if ((rc = rp__chan_seal(c->chan, m, &w->buf, &len)) != 0) {
    free(w);
    return rc;
  }
  w->req.data = c;
  b = uv_buf_init((char *)w->buf, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w->buf);
    free(w);
    rp__conn_close(c, RP_ECLOSED);
    return RP_ECLOSED;
  }
  c->nsent++;
  return 0;
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  rp_client *c = req->data;
  (void)status;
  free(req);
  rp__conn_close(c, 0);
}

/* BYE with reason and code, then close once it is written. */
static void bye(rp_client *c, int reason, int code) {
  uv_shutdown_t *req;
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_BYE;
  m.u.bye.reason = reason;
  m.u.bye.code = (uint64_t)-code;
  if (rp__conn_send(c, &m) != 0 || (req = calloc(1, sizeof *req)) == NULL) {
    rp__conn_close(c, code);
    return;
  }
  req->data = c;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    free(req);
    rp__conn_close(c, code);
  }
}

void rp__conn_bye(rp_client *c) {
  bye(c, RP__BYE_DONE, 0);
}

void rp__conn_refused(rp_client *c, int code) {
  pthread_mutex_lock(&c->mu);
  c->last_error = code;
  pthread_mutex_unlock(&c->mu);
  c->refused = true;
  rp__conn_bye(c);
}

void rp__conn_stored(rp_client *c) {
  c->refused = false;
  c->backoff_ms = c->cfg.backoff_min;
}

void rp__conn_bye_error(rp_client *c, int code) {
  pthread_mutex_lock(&c->mu);
  c->last_error = code;
  pthread_mutex_unlock(&c->mu);
  rp__hlog(c, RP_LOG_INFO, "conn_bye reason=error code=%s", rp_err_name(code));
  bye(c, RP__BYE_ERROR, code);
}

static void on_deadline(uv_timer_t *t) {
  rp_client *c = t->data;
  if (c->shutdown_started && rp__conn_phase_has(c->phase, RP__CONN_PHF_WELCOMED))
    rp__conn_bye(c);
  else
    rp__conn_close(c, RP_ETIMEDOUT);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  rp_client *c = h->data;
  (void)hint;
  *buf = uv_buf_init((char *)c->rbuf, RP_SOCK_READ_BUF);
}

/* Whether the relay answered our handshake: a loss before that is its refusal. */
static bool opened(const rp_client *c) {
  return rp__conn_phase_has(c->phase, RP__CONN_PHF_CHANNEL);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  rp_client *c = s->data;
  size_t off = 0, used = 0;
  (void)buf;
  if (nread < 0) {
    /* Closed before the Noise answer: the relay refused our handshake. */
    rp__conn_close(c, opened(c) ? RP_ECLOSED : RP_EAUTH);
    return;
  }
  while (off < (size_t)nread && rp__conn_phase_has(c->phase, RP__CONN_PHF_LIVE)) {
    rp__chan_event ev;
    int rc = rp__chan_feed(c->chan, c->rbuf + off, (size_t)nread - off, &used, &ev, NULL);
    if (rc != 0) {
      rp__conn_close(c, opened(c) ? rc : RP_EAUTH);
      return;
    }
    off += used;
    if (ev.type == RP__CHAN_EV_OPEN) rp__conn_phase_apply(c, RP__CONN_EV_OPEN);
    if (ev.type == RP__CHAN_EV_MSG) rp__conn_on_msg(c, &ev.msg);
  }
}

static void on_connected(uv_connect_t *req, int status) {
  rp_client *c = req->data;
  const uint8_t *hello = NULL;
  size_t len = 0;
  wreq *w;
  uv_buf_t b;
  if (status < 0 || is_stopping(c)) {
    rp__conn_close(c, status == UV_ECANCELED ? 0 : RP_ECONNREFUSED);
    return;
  }
  if (rp__chan_new(&c->chan, c->me->sec->transport_sk, c->cfg.relay_pk) != 0 ||
      rp__chan_hello(c->chan, &hello, &len) != 0 || (w = calloc(1, sizeof *w)) == NULL ||
      (w->buf = malloc(len)) == NULL) {
    rp__conn_close(c, RP_ENOMEM);
    return;
  }
  rp__conn_phase_apply(c, RP__CONN_EV_HELLO);
  memcpy(w->buf, hello, len);
  w->req.data = c;
  b = uv_buf_init((char *)w->buf, (unsigned)len);
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  uv_timer_start(&c->deadline, on_deadline, RP__CL_HANDSHAKE_MS, 0);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w->buf);
    free(w);
    rp__conn_close(c, RP_ECLOSED);
  }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  rp_client *c = req->data;
  if (status < 0 || res == NULL || is_stopping(c)) {
    rp__conn_phase_apply(c, RP__CONN_EV_UNRESOLVED);
    if (res != NULL) uv_freeaddrinfo(res);
    if (is_stopping(c)) {
      rp__loop_finish(c);
      return;
    }
    set_conn(c, RP_CONN_DISCONNECTED, RP_ECONNREFUSED, true);
    after_loss(c);
    return;
  }
  uv_tcp_init(&c->loop, &c->tcp);
  c->tcp.data = c;
  rp__conn_phase_apply(c, RP__CONN_EV_RESOLVED);
  c->creq.data = c;
  if (uv_tcp_connect(&c->creq, &c->tcp, res->ai_addr, on_connected) != 0)
    rp__conn_close(c, RP_ECONNREFUSED);
  uv_freeaddrinfo(res);
}

void rp__conn_start(rp_client *c) {
  struct addrinfo hints;
  char port[8];
  if (is_stopping(c) || c->phase != RP__CONN_PH_IDLE) return;
  set_conn(c, RP_CONN_CONNECTING, 0, false);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(port, sizeof port, "%u", c->cfg.ports[c->relay_idx]);
  c->gai.data = c;
  c->welcomed = false;
  rp__conn_phase_apply(c, RP__CONN_EV_RESOLVE);
  if (uv_getaddrinfo(&c->loop, &c->gai, on_resolved, c->cfg.hosts[c->relay_idx], port,
                     &hints) != 0) {
    rp__conn_phase_apply(c, RP__CONN_EV_UNRESOLVED);
    set_conn(c, RP_CONN_DISCONNECTED, RP_ECONNREFUSED, true);
    after_loss(c);
  }
}

void rp__conn_shutdown(rp_client *c) {
  if (c->shutdown_started) return;
  c->shutdown_started = true;
  uv_timer_stop(&c->retry);
  switch (c->phase) {
  case RP__CONN_PH_RESOLVING:
    uv_cancel((uv_req_t *)&c->gai); /* on_resolved finishes */
    return;
  case RP__CONN_PH_IDLE:
  case RP__CONN_PH_STOPPED:
    rp__loop_finish(c);
    return;
  case RP__CONN_PH_CONNECTING:
  case RP__CONN_PH_HANDSHAKE:
  case RP__CONN_PH_OPEN:
    rp__conn_close(c, 0);
    return;
  case RP__CONN_PH_CLOSING:
    return; /* on_tcp_closed finishes */
  case RP__CONN_PH_READY:
  case RP__CONN_PH_RECEIVING:
  case RP__CONN_PH_COUNT: /* not a phase */
    break;
  }
  /* Let the answers to our sends in flight arrive first (bounded). */
  if (c->inflight == 0)
    rp__conn_bye(c);
  else
    uv_timer_start(&c->deadline, on_deadline, RP__CL_SHUTDOWN_MS, 0);
}

void rp__conn_pump(rp_client *c) {
  rp__store_out o;
  rp__tmsg m;
  bool want;
  if (!rp__conn_phase_has(c->phase, RP__CONN_PHF_WELCOMED) || c->shutdown_started) return;
  pthread_mutex_lock(&c->mu);
  want = c->roster_wanted;
  c->roster_wanted = false;
  pthread_mutex_unlock(&c->mu);
  rp__erase_pump(c);
  if (want && !c->roster_asked) {
    memset(&m, 0, sizeof m);
    m.type = RP__T_ROSTER_GET;
    pthread_mutex_lock(&c->mu);
    m.u.roster_get.have = rp__roster_version(c->roster);
    pthread_mutex_unlock(&c->mu);
    if (rp__conn_send(c, &m) == 0) c->roster_asked = true;
  }
  while (c->inflight < c->send_window &&
         rp__conn_phase_has(c->phase, RP__CONN_PHF_WELCOMED)) {
    int64_t prev = c->send_cursor;
    bool from_hold = true;
    /* A released hold's envelopes first (they are the older), then the queue in order,
     * passing over what waits for a held recipient. */
    if (rp__hold_next(c, &o) != 0) {
      from_hold = false;
      if (rp__store_out_next_queued(c->st, c->send_cursor, &o) != 0) break;
      c->send_cursor = o.rowid;
      if (rp__hold_blocks(c, o.recipient)) {
        rp__store_out_free(&o);
        continue;
      }
    }
    if (o.chunks > 0 && c->chunk_max != 0 && !rp__upload_pump(c, &o)) {
      /* Its chunks are on their way: the queue waits behind it (upload.h). */
      if (!from_hold) c->send_cursor = prev;
      rp__store_out_free(&o);
      break;
    }
    if (o.chunks > 0 && c->chunk_max == 0) {
      /* Chunks go only to a relay that said it takes them (WELCOME's chunk_max), and
       * the envelope never goes without them. Waiting for another relay would leave the
       * message queued for ever and rp_client_flush with it; the host learns at once,
       * from the status, that this relay cannot carry it (PROTOCOL.md 5.1, welcome). */
      char id[RP_ID_STRLEN];
      sodium_bin2hex(id, sizeof id, o.msg_id, RP_MSG_ID_BYTES);
      rp__hlog(c, RP_LOG_WARN,
               "send_failed msg_id=%s code=%s chunks=%llu reason=relay_without_chunks", id,
               rp_err_name(RP_EVERSION), (unsigned long long)o.chunks);
      rp__client_status(c, o.msg_id, RP_STATUS_FAILED, RP_EVERSION);
      rp__store_out_chunks_delete(c->st, o.msg_id);
      rp__store_out_free(&o);
      continue;
    }
    memset(&m, 0, sizeof m);
    m.type = RP__T_SEND;
    m.u.send.envelope.p = o.envelope;
    m.u.send.envelope.n = (uint32_t)o.envelope_len;
    if (rp__conn_send(c, &m) == 0) {
      c->inflight++;
      rp__hold_sent(c, o.msg_id);
    }
    rp__store_out_free(&o);
  }
  /* Then the chunks of a message rp_send is still sealing, if the slot is free. */
  if (rp__conn_phase_has(c->phase, RP__CONN_PHF_WELCOMED)) rp__upload_early(c);
}
