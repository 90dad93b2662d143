/* SPDX-License-Identifier: MIT */
/*
 * The relay's listening sockets: one per configured address, IPv4 or IPv6. An IPv6
 * socket is bound IPv6-only, so that "0.0.0.0:7443" and "[::]:7443" can be configured
 * side by side, as the defaults do for loopback.
 */
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"
#include "relay_int.h"

/* The kernel's accept queue; it also bounds a burst of connections that arrive faster
 * than the loop accepts them. */
#define LISTEN_BACKLOG 511

static void on_connection(uv_stream_t *server, int status) {
  rp__listener *l = server->data;
  if (status < 0) {
    rp__log_warn("accept_failed addr=%s code=%s", l->addr, uv_err_name(status));
    return;
  }
  rp__conn_accept(l->relay, server);
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
