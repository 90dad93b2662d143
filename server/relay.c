/* SPDX-License-Identifier: MIT */
/*
 * The relay's life (relay.h): creating it (keys, spool, roster), starting it (its
 * handles and listeners), the graceful stop and freeing it. The relay's clock is
 * rp__clock_wall_ms (proto/clock.h).
 * Elsewhere: the member table and the roster in member.c, spool requests in op.c,
 * signals in signals.c, SIGHUP in reload.c, connections in conn.c, delivery and expiry
 * in deliver.c.
 */
#include "relay.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sodium.h>

#include "conn.h"
#include "keyfile.h"
#include "log.h"
#include "member.h"
#include "rejsepost_errors.h"
#include "relay_int.h"
#include "signals.h"

static void close_handles(rp__relay *r);

/* ---- start-up ---- */

/* Warn when the descriptor limit is below what the settings may need: every member
 * connection, every pending one, every proving pool full, and a margin for the relay's
 * own (spool, listeners, the loop). main() has already raised the soft limit as far as
 * the hard limit allows. */
static void check_nofile(const rp__relay *r) {
  struct rlimit rl;
  uint64_t needed = r->cfg.max_connections + r->cfg.max_pending + 64u +
                    r->cfg.max_proving_per_member * (uint64_t)rp__roster_count(r->roster);
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  if ((uint64_t)rl.rlim_cur < needed)
    rp__log_warn("nofile_low limit=%llu needed=%llu action=raise_LimitNOFILE",
                 (unsigned long long)rl.rlim_cur, (unsigned long long)needed);
}

static void on_spool_fail(rp__spool *sp, int err, const char *why) {
  rp__relay *r = rp__spool_get_data(sp);
  char q[RP__SPOOL_WHY_MAX + 16];
  r->failed = 1;
  r->exit_code = 1;
  rp__log_error("spool_failed code=%s why=%s action=refusing_sends", rp_err_name(err),
                rp__log_quote(q, sizeof q, why));
}

int rp__relay_new(rp__relay **out, uv_loop_t *loop, const rp__config *cfg, int argc,
                  char *const argv[]) {
  char path[RP_PATH_MAX], q[RP_PATH_MAX + 16], err[512];
  rp__spool_options so;
  rp__relay *r = NULL;
  int rc = RP_ENOMEM;

  if (out != NULL) *out = NULL;
  if (out == NULL || loop == NULL || cfg == NULL) return RP_EINVAL;
  if (sodium_init() < 0) return RP_EINTERNAL;
  if ((r = calloc(1, sizeof *r)) == NULL) goto out;
  r->loop = loop;
  r->cfg = *cfg;
  r->argc = argc;
  r->argv = argv;
  r->expire_timer_at = INT64_MAX;
  rp__stats_init(&r->stats);
  randombytes_buf(r->addr_key, sizeof r->addr_key);
  if ((r->rbuf = malloc(RP_SOCK_READ_BUF)) == NULL ||
      (r->fscratch = malloc(RP_FRAME_MAX)) == NULL)
    goto out;
  rc = RP_ECONFIG;
  if (rp__config_path(&r->cfg, r->cfg.key_file, path, sizeof path) != 0) goto out;
  if ((rc = rp__keyfile_load(path, NULL, 0, &r->ident)) != 0) {
    rp__log_error("key_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                  rp_err_name(rc));
    rc = RP_ECONFIG;
    goto out;
  }
  rc = RP_ECONFIG;
  if (rp__config_path(&r->cfg, r->cfg.spool_file, path, sizeof path) != 0) goto out;
  memset(&so, 0, sizeof so);
  so.path = path;
  so.recipient_bytes_max = r->cfg.spool_recipient_bytes;
  so.sender_bytes_max = rp__config_sender_bytes(&r->cfg);
  so.total_bytes_max = r->cfg.spool_total_bytes;
  so.envelope_max = r->cfg.envelope_max;
  so.batch_max = (unsigned)r->cfg.commit_batch_max;
  so.batch_bytes_max = r->cfg.commit_batch_bytes;
  so.fail_cb = on_spool_fail;
  so.data = r;
  if ((rc = rp__spool_open(loop, &so, &r->spool, err, sizeof err)) != 0) {
    rp__log_error("spool_open_failed path=%s code=%s why=%s",
                  rp__log_quote(q, sizeof q, path), rp_err_name(rc),
                  rp__log_quote(err + 256, 256, err));
    goto out;
  }
  /* The roster after the spool, which holds the roster floor (member.c). */
  if ((rc = rp__member_roster_start(r, path)) != 0) goto out;
  check_nofile(r);
  rp__log_info("relay_ready member=%s roster_version=%llu members=%u", r->ident->pub.id,
               (unsigned long long)rp__roster_version(r->roster),
               (unsigned)rp__roster_count(r->roster));
  *out = r;
  r = NULL;
  rc = 0;
out:
  rp__relay_free(r);
  return rc;
}

/* ---- running ---- */

static void on_handle_closed(uv_handle_t *h) {
  rp__relay *r = h->data;
  r->handles_open--;
}

static void on_flush_check(uv_check_t *h) {
  rp__conn_flush_all(h->data);
  rp__listen_resume(h->data);
}

static void on_flush_prepare(uv_prepare_t *h) {
  rp__conn_flush_all(h->data);
}

/* Coalesced writes (conn_io.c): the check handle runs right after the poll phase, where
 * reads and spool completions queue their answers; the prepare handle catches what
 * timers and close callbacks queued before the loop blocks in poll again. Neither keeps
 * the loop alive: a connection with something to write has its own active handles. */
static void init_flush(rp__relay *r) {
  uv_check_init(r->loop, &r->flush_check);
  uv_prepare_init(r->loop, &r->flush_prepare);
  r->flush_check.data = r;
  r->flush_prepare.data = r;
  r->handles_open += 2;
  uv_check_start(&r->flush_check, on_flush_check);
  uv_prepare_start(&r->flush_prepare, on_flush_prepare);
  uv_unref((uv_handle_t *)&r->flush_check);
  uv_unref((uv_handle_t *)&r->flush_prepare);
}

int rp__relay_start(rp__relay *r) {
  int rc;
  if (r == NULL || r->started) return RP_EINVAL;
  r->started = 1;
  rp__signals_start(r);
  uv_timer_init(r->loop, &r->expire_timer);
  r->expire_timer.data = r;
  uv_timer_init(r->loop, &r->drain_timer);
  r->drain_timer.data = r;
  uv_timer_init(r->loop, &r->accept_timer);
  r->accept_timer.data = r;
  r->handles_open += 3;
  init_flush(r);
  if ((rc = rp__listen_start(r)) != 0) return rc;
  /* Sweep once at start: envelopes may have expired while the relay was down. */
  rp__deliver_expire_run(r);
  return 0;
}

/* ---- stopping ---- */

static void close_handle(rp__relay *r, uv_handle_t *h) {
  if (!uv_is_closing(h)) {
    h->data = r;
    uv_close(h, on_handle_closed);
  }
}

static void close_handles(rp__relay *r) {
  if (r->handles_closed || !r->started) return;
  r->handles_closed = 1;
  rp__signals_close(r, on_handle_closed);
  close_handle(r, (uv_handle_t *)&r->expire_timer);
  close_handle(r, (uv_handle_t *)&r->drain_timer);
  close_handle(r, (uv_handle_t *)&r->accept_timer);
  rp__conn_flush_all(r); /* nothing should be left by now; never leave frames behind */
  close_handle(r, (uv_handle_t *)&r->flush_check);
  close_handle(r, (uv_handle_t *)&r->flush_prepare);
}

static void on_spool_closed(rp__spool *sp) {
  rp__relay *r = rp__spool_get_data(sp);
  r->spool = NULL;
  rp__log_info("relay_stopped exit=%d", r->exit_code);
  close_handles(r);
}

/* The last steps of a stop, once no connection, no spool request and no sweep is left. */
void rp__relay_maybe_finish(rp__relay *r) {
  if (!r->stopping || r->nconns > 0 || r->expire_op != NULL || r->spool_closing) return;
  r->spool_closing = 1;
  if (r->started) uv_timer_stop(&r->drain_timer);
  rp__spool_close(r->spool, on_spool_closed);
}

void rp__relay_conn_gone(rp__relay *r) {
  rp__relay_maybe_finish(r);
}

static void on_drain_timeout(uv_timer_t *t) {
  rp__relay *r = t->data;
  rp__conn *c, *next;
  rp__log_warn("shutdown_forced connections=%llu", (unsigned long long)r->nconns);
  for (c = r->conns; c != NULL; c = next) {
    next = c->next;
    rp__conn_abort(c, "shutdown_timeout");
  }
}

void rp__relay_stop(rp__relay *r) {
  rp__conn *c, *next;
  if (r == NULL || r->stopping) return;
  r->stopping = 1;
  rp__log_info("shutdown_start connections=%llu", (unsigned long long)r->nconns);
  if (r->started) {
    rp__listen_stop(r);
    uv_timer_stop(&r->expire_timer);
    uv_timer_start(&r->drain_timer, on_drain_timeout, RP__RELAY_DRAIN_MS, 0);
  }
  for (c = r->conns; c != NULL; c = next) {
    next = c->next;
    rp__conn_drain(c);
  }
  rp__relay_maybe_finish(r);
}

int rp__relay_exit_code(const rp__relay *r) {
  return r->exit_code;
}

static void on_spool_closed_free(rp__spool *sp) {
  rp__relay *r = rp__spool_get_data(sp);
  r->spool = NULL;
}

void rp__relay_free(rp__relay *r) {
  if (r == NULL) return;
  if (r->spool != NULL) {
    /* Not stopped through the loop (start-up failed, or a test): close the spool and
     * let the loop run its last requests. */
    if (!r->spool_closing) {
      r->spool_closing = 1;
      rp__spool_close(r->spool, on_spool_closed_free);
    }
    while (r->spool != NULL && uv_run(r->loop, UV_RUN_ONCE) != 0) {
    }
  }
  rp__listen_free(r);
  rp__roster_free(r->roster);
  rp__identity_free(r->ident);
  free(r->rbuf);
  free(r->fscratch);
  free(r);
}
