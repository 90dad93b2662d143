/* SPDX-License-Identifier: MIT */
/*
 * The loop thread: one libuv loop per client that owns the relay connection. Other
 * threads talk to it only through the async handle `wake` and the flags under c->mu.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "conn.h"
#include "erase.h"
#include "loop.h"
#include "recv.h"

static void on_wake(uv_async_t *h) {
  rp_client *c = h->data;
  bool stop;
  pthread_mutex_lock(&c->mu);
  stop = c->stopping;
  pthread_mutex_unlock(&c->mu);
  if (stop) {
    rp__conn_shutdown(c);
    return;
  }
  rp__conn_pump(c);
}

static void run(void *arg) {
  rp_client *c = arg;
  sigset_t pipe;
  /* A write to a connection the relay has closed raises SIGPIPE in the writing thread,
   * whose default action ends the whole host process. The host's own signal settings
   * are not ours to change, so only this thread blocks it: the write then fails with
   * EPIPE, which the connection handles like any loss. */
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, NULL);
  /* Messages stored but not handled before a crash are offered again first. */
  rp__recv_offer_pending(c);
  /* Retention: what finished long enough ago goes now, then on the sweep's timer. */
  rp__erase_sweep(c);
  rp__conn_start(c);
  uv_run(&c->loop, UV_RUN_DEFAULT);
}

static void on_closed(uv_handle_t *h) {
  (void)h;
}

void rp__loop_finish(rp_client *c) {
  uv_timer_stop(&c->retry);
  uv_timer_stop(&c->ping);
  uv_timer_stop(&c->deadline);
  uv_timer_stop(&c->hold_timer);
  uv_timer_stop(&c->sweep);
  if (!uv_is_closing((uv_handle_t *)&c->retry)) {
    uv_close((uv_handle_t *)&c->sweep, on_closed);
    uv_close((uv_handle_t *)&c->retry, on_closed);
    uv_close((uv_handle_t *)&c->ping, on_closed);
    uv_close((uv_handle_t *)&c->deadline, on_closed);
    uv_close((uv_handle_t *)&c->hold_timer, on_closed);
    uv_close((uv_handle_t *)&c->wake, on_closed);
  }
  rp__conn_phase_apply(c, RP__CONN_EV_STOP);
  pthread_mutex_lock(&c->mu);
  c->stop_done = true;
  c->conn_state = RP_CONN_STOPPED;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

int rp__loop_start(rp_client *c) {
  if ((c->rbuf = malloc(RP_SOCK_READ_BUF)) == NULL) return RP_ENOMEM;
  c->backoff_ms = c->cfg.backoff_min;
  if (uv_loop_init(&c->loop) != 0) return RP_EINTERNAL;
  uv_async_init(&c->loop, &c->wake, on_wake);
  uv_timer_init(&c->loop, &c->retry);
  uv_timer_init(&c->loop, &c->ping);
  uv_timer_init(&c->loop, &c->deadline);
  uv_timer_init(&c->loop, &c->hold_timer);
  uv_timer_init(&c->loop, &c->sweep);
  c->wake.data = c->retry.data = c->ping.data = c->deadline.data = c->hold_timer.data = c;
  c->sweep.data = c;
  if (uv_thread_create(&c->thread, run, c) != 0) {
    rp__loop_finish(c);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    uv_loop_close(&c->loop);
    free(c->rbuf);
    c->rbuf = NULL;
    return RP_EINTERNAL;
  }
  return 0;
}

void rp__loop_wake(rp_client *c) {
  uv_async_send(&c->wake);
}

void rp__loop_stop(rp_client *c) {
  if (c->rbuf == NULL) return; /* never started */
  pthread_mutex_lock(&c->mu);
  c->stopping = true;
  pthread_mutex_unlock(&c->mu);
  uv_async_send(&c->wake);
  uv_thread_join(&c->thread);
  uv_loop_close(&c->loop);
  free(c->rbuf);
  c->rbuf = NULL;
}
