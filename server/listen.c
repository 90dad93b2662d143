/* SPDX-License-Identifier: MIT */
/*
 * The relay's listening sockets: one per configured address, IPv4 or IPv6. An IPv6
 * socket is bound IPv6-only, so that "0.0.0.0:7443" and "[::]:7443" can be configured
 * side by side, as the defaults do for loopback.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "relay_int.h"

/* The kernel's accept queue; it also bounds a burst of connections that arrive faster
 * than the loop accepts them. */
#define LISTEN_BACKLOG 511

/* May a connection be accepted now? Always, unless the relay is under pressure (it
 * evicted a pending connection lately): then as the credit allows (relay_int.h). */
static int may_accept(rp__relay *r) {
  uint64_t now = uv_now(r->loop);
  if (r->evicted == 0 || now - r->evict_at >= RP__ACCEPT_PRESSURE_MS) return 1;
  r->accept_credit += (now - r->accept_credit_at) * RP__ACCEPT_PRESSURE_PER_MS;
  if (r->accept_credit > RP__ACCEPT_PRESSURE_BURST)
    r->accept_credit = RP__ACCEPT_PRESSURE_BURST;
  r->accept_credit_at = now;
  if (r->accept_credit == 0) return 0;
  r->accept_credit--;
  return 1;
}

static void resume(rp__relay *r, int new_iteration);

/* The credit may have grown: accept what waits. This runs in the timer phase, before
 * the loop polls, so the listener is watched again in the same iteration (the check
 * handle, after the poll, would come too late: with no listener watched the poll could
 * sleep until some other timer). */
static void on_accept_timer(uv_timer_t *t) {
  resume(t->data, 0);
}

/* A listener waits for credit: make sure the loop wakes for it even if nothing else
 * happens (libuv no longer watches that listener). */
static void wake_later(rp__relay *r) {
  if (!uv_is_active((uv_handle_t *)&r->accept_timer))
    uv_timer_start(&r->accept_timer, on_accept_timer, 1, 0);
}

static void on_connection(uv_stream_t *server, int status) {
  rp__listener *l = server->data;
  if (status < 0) {
    rp__log_warn("accept_failed addr=%s code=%s", l->addr, uv_err_name(status));
    return;
  }
  /* Not accepting now makes libuv stop watching the listener and keep this one
   * connection for us; the rest stay in the kernel's queue (RP__ACCEPT_BATCH). */
  if (l->accepted >= RP__ACCEPT_BATCH || !may_accept(l->relay)) {
    l->deferred = 1;
    wake_later(l->relay);
    return;
  }
  l->accepted++;
  rp__conn_accept(l->relay, server);
}

/* Accept the connection each deferred listener left waiting, if allowed now; a new
 * loop iteration also gives each listener a new batch. */
static void resume(rp__relay *r, int new_iteration) {
  for (size_t i = 0; i < r->nlisteners; i++) {
    rp__listener *l = &r->listeners[i];
    if (new_iteration) l->accepted = 0;
    if (!l->deferred || uv_is_closing((uv_handle_t *)&l->tcp)) continue;
    if (l->accepted >= RP__ACCEPT_BATCH) continue; /* the next iteration's check */
    if (!may_accept(r)) {
      wake_later(r);
      continue;
    }
    /* uv_accept of the waiting one makes libuv watch the listener again. */
    l->deferred = 0;
    l->accepted++;
    rp__conn_accept(r, (uv_stream_t *)&l->tcp);
  }
}

void rp__listen_resume(rp__relay *r) {
  resume(r, 1);
}

/* Every client speaks first (Noise message 1). A connection that has sent nothing is
 * of no use to the relay yet, so the kernel keeps it until data arrives or some
 * seconds pass (TCP_DEFER_ACCEPT): a flood of idle sockets then waits in the kernel
 * instead of taking pending slots and turns, and a member's connection, which sends at
 * once, does not queue behind them. Where the option is missing, nothing changes. */
static void defer_accept(rp__listener *l) {
#ifdef TCP_DEFER_ACCEPT
  uv_os_fd_t fd;
  int secs = RP__DEFER_ACCEPT_S;
  if (uv_fileno((uv_handle_t *)&l->tcp, &fd) == 0 &&
      setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs) != 0)
    rp__log_warn("listen_defer_failed addr=%s", l->addr);
#else
  (void)l;
#endif
}

static void on_listener_closed(uv_handle_t *h) {
  rp__listener *l = h->data;
  l->relay->listeners_open--;
}

int rp__listen_start(rp__relay *r) {
  struct sockaddr_storage sa;
  rp__listener *l;
  size_t i;
  int rc;

  if ((r->listeners = calloc(r->cfg.listen_count, sizeof *r->listeners)) == NULL)
    return RP_ENOMEM;
  for (i = 0; i < r->cfg.listen_count; i++) {
    l = &r->listeners[i];
    l->relay = r;
    memcpy(l->addr, r->cfg.listen[i], sizeof l->addr);
    if (rp__config_parse_addr(l->addr, &sa) != 0) {
      rp__log_error("listen_failed addr=%s code=%s", l->addr, rp_err_name(RP_EINVAL));
      return RP_EIO;
    }
    uv_tcp_init(r->loop, &l->tcp);
    l->tcp.data = l;
    r->nlisteners++;
    r->listeners_open++;
    if ((rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&sa,
                          sa.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&l->tcp, LISTEN_BACKLOG, on_connection)) != 0) {
      rp__log_error("listen_failed addr=%s code=%s", l->addr, uv_err_name(rc));
      return RP_EIO;
    }
    defer_accept(l);
    rp__log_info("listening addr=%s", l->addr);
  }
  return 0;
}

void rp__listen_stop(rp__relay *r) {
  for (size_t i = 0; i < r->nlisteners; i++) {
    uv_handle_t *h = (uv_handle_t *)&r->listeners[i].tcp;
    if (!uv_is_closing(h)) uv_close(h, on_listener_closed);
  }
}

void rp__listen_free(rp__relay *r) {
  free(r->listeners);
  r->listeners = NULL;
  r->nlisteners = 0;
}
