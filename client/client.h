/* SPDX-License-Identifier: MIT */
/*
 * client.c owns struct rp_client, the handle behind the public rp_client: start-up
 * (identity, roster, store, loop) and shutdown, and the roster the client holds.
 *
 * Which thread may touch what: cfg, me, my_kind and st are set before the loop starts
 * and only read afterwards (data is read and written atomically); the second block is
 * guarded by c->mu (any thread); the third belongs to the loop thread alone (loop.c,
 * conn.c, conn_msg.c, conn_phase.c, hold.c, recv.c). Each module's header says what it
 * owns.
 */
#ifndef RP_CLIENT_CLIENT_H
#define RP_CLIENT_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "chan.h"
#include "client_caps.h"
#include "config_int.h"
#include "conn.h"
#include "download.h"
#include "hold.h"
#include "identity.h"
#include "rejsepost.h"
#include "roster.h"
#include "store.h"
#include "upload.h"

struct rp_client {
  struct rp_config cfg; /* a deep copy; strings owned */
  rp__identity *me;
  int my_kind; /* rp__member_kind */
  rp__store *st;
  void *data;

  pthread_mutex_t mu; /* roster, states and flags below */
  pthread_cond_t cv;  /* signalled on ACK/NACK/roster/state changes */
  rp__roster *roster;
  int conn_state, last_error;
  int64_t inbox_cursor;
  uint64_t erase_gen; /* erasures made (any thread, atomic; erase.h) */
  bool stopping, stop_done;
  uint64_t roster_gen; /* counts roster answers, for rp_client_refresh_roster */
  int roster_result;
  bool roster_wanted;
  rp__cl_early early; /* the message rp_send seals now (upload.h) */

  /* Loop thread only. */
  uv_loop_t loop;
  uv_thread_t thread;
  uv_async_t wake;
  uv_timer_t retry, ping, deadline, hold_timer;
  uv_tcp_t tcp;
  rp__conn_phase phase; /* where the connection is (conn.h); moved by the table only */
  /* Facts beside the phase, not phases of their own: a ROSTER_GET may be unanswered in
   * READY and in RECEIVING alike (reset with the connection); `revoked` and
   * `shutdown_started` belong to the client and outlive any one connection. */
  bool roster_asked; /* a ROSTER_GET of ours is unanswered on this connection */
  uv_getaddrinfo_t gai;
  uv_connect_t creq;
  rp__chan *chan;
  unsigned backoff_ms;
  /* The relay address in use (cfg.hosts[relay_idx]), the addresses that failed in a
   * row since the last welcome (conn.c), and whether this connection was welcomed. */
  unsigned relay_idx, relay_fails;
  bool welcomed;
  bool refused; /* the relay refused to store, and has stored nothing since (conn.h) */
  uint64_t send_window, inflight;
  uint64_t chunk_max; /* WELCOME's chunk_max: 0 = the relay takes no attachment chunks */
  int64_t send_cursor;
  uint64_t idle_ms;
  uint64_t ping_nonce;
  uint64_t nsent; /* transport messages written, to tell whether WELCOME got an answer */
  uint8_t *rbuf;  /* read buffer, RP_SOCK_READ_BUF bytes */
  uint64_t relay_roster; /* the newest roster version the relay said it holds */
  uint8_t inflight_ids[RP__CL_SEND_WINDOW_MAX][RP_MSG_ID_BYTES]; /* SENDs unanswered */
  size_t ninflight_ids;
  rp__cl_hold holds[RP__CL_HOLDS_MAX];
  size_t nholds;
  rp__cl_deferred deferred[RP__CL_RECEIVE_WINDOW]; /* DELIVERs waiting for a roster */
  size_t ndeferred;
  rp__cl_upload upload;     /* the message whose chunks go to the relay (upload.c) */
  rp__cl_again again;       /* its uploads again after ETRUNC (upload.h) */
  rp__cl_download download; /* chunks coming from the relay (download.c) */
  /* Erasure (erase.c): how many erasures the loop has seen of erase_gen, which any
   * thread counts up (atomically); the relay's purge_max (0: no purges on this
   * connection); the purge in flight and its ids; purge_wait: refused, wait for the next
   * connection. */
  uint64_t erase_seen;
  uint64_t purge_max;
  bool purge_inflight, purge_wait;
  uint8_t purge_ids[RP__PURGE_IDS_MAX * RP_MSG_ID_BYTES];
  size_t npurge;
  uv_timer_t sweep;      /* the retention sweep */
  bool revoked;          /* the relay said we are revoked: stop retrying (see above) */
  bool shutdown_started; /* rp_client_free began the shutdown (see above) */
  /* The relay refused an early chunk of this message for good (upload.h, "Early"). */
  uint8_t early_off[RP_MSG_ID_BYTES];
};

/* Verifies and adopts a roster document (rollback refused) and stores it. */
int rp__client_roster_accept(rp_client *c, const uint8_t *doc, size_t len);

#endif /* RP_CLIENT_CLIENT_H */
