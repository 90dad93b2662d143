/* SPDX-License-Identifier: MIT */
/*
 * Signal handling (signals.h): SIGHUP reloads (reload.c), SIGTERM and SIGINT drain and
 * stop the relay (rp__relay_stop), SIGUSR1 dumps the counters to the log (stats.c).
 */
#include "signals.h"

#include <signal.h>

#include "log.h"
#include "reload.h"
#include "relay_int.h"
#include "stats.h"

/* SIGUSR1: the gauges are taken from the relay at the moment of the dump. */
static void dump_stats(rp__relay *r) {
  r->stats.conns_pending = r->npending;
  r->stats.conns_proving = r->nproving;
  r->stats.conns_active = r->nactive;
  r->stats.conns_evicted = r->evicted;
  if (rp__stats_log(&r->stats, r->spool) != 0) return;
  rp__log_info("stats_end failed=%d connections=%llu ops=%llu", r->failed,
               (unsigned long long)r->nconns, (unsigned long long)r->ops_inflight);
}

static void on_signal(uv_signal_t *h, int signum) {
  rp__relay *r = h->data;
  switch (signum) {
  case SIGHUP:
    if (!r->stopping) rp__reload_run(r);
    break;
  case SIGUSR1:
    dump_stats(r);
    break;
  default:
    rp__log_info("signal name=%s", signum == SIGTERM ? "TERM" : "INT");
    rp__relay_stop(r);
    break;
  }
}

static void start_one(rp__relay *r, uv_signal_t *h, int signum) {
  uv_signal_init(r->loop, h);
  h->data = r;
  r->handles_open++;
  uv_signal_start(h, on_signal, signum);
  /* The loop must end once everything else has: signals alone do not keep it alive. */
  uv_unref((uv_handle_t *)h);
}

void rp__signals_start(rp__relay *r) {
  start_one(r, &r->sig_hup, SIGHUP);
  start_one(r, &r->sig_term, SIGTERM);
  start_one(r, &r->sig_int, SIGINT);
  start_one(r, &r->sig_usr1, SIGUSR1);
}

static void close_one(rp__relay *r, uv_signal_t *h, uv_close_cb close_cb) {
  if (!uv_is_closing((uv_handle_t *)h)) {
    h->data = r;
    uv_close((uv_handle_t *)h, close_cb);
  }
}

void rp__signals_close(rp__relay *r, uv_close_cb close_cb) {
  close_one(r, &r->sig_hup, close_cb);
  close_one(r, &r->sig_term, close_cb);
  close_one(r, &r->sig_int, close_cb);
  close_one(r, &r->sig_usr1, close_cb);
}
