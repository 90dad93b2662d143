/* SPDX-License-Identifier: MIT */
/*
 * Advisor connections whose request is still arriving. The main loop polls them beside
 * the listening socket and reads each as its bytes come, so a client that sends half a
 * frame and stalls blocks nobody: it keeps one slot until its deadline
 * (RP_IBX_SOCK_TIMEOUT_MS) and is then dropped. A whole request is answered at once
 * (rp__ibx_serve_request), one at a time.
 */
#ifndef RP_IBX_CONN_H
#define RP_IBX_CONN_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "ibx_caps.h"

typedef struct rp__ibx_conn {
  int fd; /* -1: free slot */
  uid_t uid;
  char who[RP_IBX_WHO_MAX + 1];
  uint64_t deadline, since; /* monotonic ms */
  uint8_t hdr[4];
  uint8_t *buf; /* the body, once the length is known */
  uint32_t need;
  size_t got; /* bytes of header + body so far */
  /* Files passed with the request (SCM_RIGHTS: a reply's attachments, opened by the
   * advisor's command as the advisor); closed when the connection is done. */
  int fds[16];
  unsigned nfds;
} rp__ibx_conn;

typedef struct rp__ibx_conns {
  rp__ibx_conn c[RP_IBX_CONNS_MAX];
} rp__ibx_conns;

struct rp__ibx_daemon;

void rp__ibx_conns_init(rp__ibx_conns *t);
/* Drops every pending connection. */
void rp__ibx_conns_close(rp__ibx_conns *t);

/* Accepts one connection from listen_fd into the table. */
void rp__ibx_conns_accept(rp__ibx_conns *t, int listen_fd);

/* Fills pfd (cap RP_IBX_CONNS_MAX) with the pending connections; returns how many. idx
 * maps each pollfd back to its slot. */
unsigned rp__ibx_conns_pollfds(const rp__ibx_conns *t, struct pollfd *pfd, unsigned *idx);

/* Reads what slot i has; a whole request is answered and the connection closed. */
void rp__ibx_conns_ready(struct rp__ibx_daemon *d, rp__ibx_conns *t, unsigned i);

/* Drops connections past their deadline. Returns the ms until the next deadline (or
 * -1 if none). */
int rp__ibx_conns_expire(rp__ibx_conns *t, uint64_t now);

#endif /* RP_IBX_CONN_H */
