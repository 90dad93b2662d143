/* SPDX-License-Identifier: MIT */
/* Erasure on the client's side: see erase.h. */
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "clock.h"
#include "conn.h"
#include "erase.h"
#include "export.h"
#include "hex.h"
#include "host_log.h"
#include "loop.h"
#include "payload.h"
#include "upload.h"

int rp__erase_thread(rp_client *c, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                     const uint8_t *keep, const char *why) {
  char hex[RP_ID_STRLEN];
  uint64_t n = 0;
  int rc = rp__store_erase_thread(c->st, thread_id, keep, &n);
  sodium_bin2hex(hex, sizeof hex, thread_id, RP_THREAD_ID_BYTES);
  if (rc != 0) {
    rp__hlog(c, RP_LOG_ERROR, "erase_failed thread=%s code=%s", hex, rp_err_name(rc));
    return rc;
  }
  rp__hlog(c, RP_LOG_INFO, "thread_erased thread=%s rows=%llu reason=%s", hex,
           (unsigned long long)n, why);
  __atomic_add_fetch(&c->erase_gen, 1, __ATOMIC_ACQ_REL);
  rp__loop_wake(c);
  return 0;
}

RP_PUBLIC int rp_thread_erase(rp_client *c, const char *thread_id) {
  uint8_t id[RP_THREAD_ID_BYTES];
  if (c == NULL || thread_id == NULL || rp__unhex(id, sizeof id, thread_id) != 0)
    return RP_EINVAL;
  return rp__erase_thread(c, id, NULL, "host");
}

void rp__erase_on_relayed(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  rp__store_out o;
  uint64_t n = 0;
  if (rp__store_out_get(c->st, id, 0, &o) != 0) return;
  /* A receipt an erasure let go out (store.h): once relayed, and alone in its thread,
   * it has nothing left to wait for. */
  if (o.receipt && rp__store_thread_rows(c->st, o.thread_id, &n) == 0 && n == 1) {
    rp__erase_thread(c, o.thread_id, NULL, "receipt_of_erased");
    return;
  }
  /* PROTOCOL.md 7.11: the relay has it, so the team will learn of it; what the thread
   * held goes, here and (the purge list) at the relay. */
  if (o.kind == RP__PL_CONSENT_WITHDRAWN && !o.receipt)
    rp__erase_thread(c, o.thread_id, o.msg_id, "consent_withdrawn");
}

void rp__erase_on_handled(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  rp__store_in in;
  if (rp__store_in_get(c->st, id, &in) != 0) return;
  rp__store_in_free(&in);
  if (in.kind == RP__PL_CONSENT_WITHDRAWN)
    rp__erase_thread(c, in.thread_id, NULL, "consent_withdrawn_handled");
}

void rp__erase_pump(rp_client *c) {
  uint64_t gen = __atomic_load_n(&c->erase_gen, __ATOMIC_ACQUIRE);
  rp__store_out o;
  rp__tmsg m;
  size_t n = 0;
  if (gen != c->erase_seen) {
    c->erase_seen = gen;
    /* The message being uploaded may be gone: the queue must not wait behind it. */
    if (c->upload.active && (rp__store_out_get(c->st, c->upload.msg_id, 0, &o) != 0 ||
                             o.status != RP_STATUS_QUEUED))
      rp__upload_done(c, c->upload.msg_id, false);
  }
  if (c->purge_max == 0 || c->purge_inflight || c->purge_wait ||
      !rp__conn_phase_has(c->phase, RP__CONN_PHF_WELCOMED))
    return;
  if (rp__store_purge_next(
          c->st, c->purge_ids,
          c->purge_max < RP__PURGE_IDS_MAX ? c->purge_max : RP__PURGE_IDS_MAX, &n) != 0 ||
      n == 0)
    return;
  memset(&m, 0, sizeof m);
  m.type = RP__T_PURGE;
  m.u.purge.ids = (rp__bin){c->purge_ids, (uint32_t)(n * RP_MSG_ID_BYTES)};
  if (rp__conn_send(c, &m) == 0) {
    c->purge_inflight = true;
    c->npurge = n;
  }
}

void rp__erase_on_purged(rp_client *c, const rp__t_purged *m) {
  if (!c->purge_inflight) return; /* nothing of ours asked: ignore */
  c->purge_inflight = false;
  if (m->code != 0) {
    /* The relay could not (its spool, or it is stopping): the ids stay on the list and
     * go again on the next connection. */
    rp__hlog(c, RP_LOG_WARN, "purge_refused ids=%zu code=%s", c->npurge,
             rp_err_name(-(int)m->code));
    c->purge_wait = true;
    return;
  }
  rp__hlog(c, RP_LOG_INFO, "purged ids=%zu purged=%llu", c->npurge,
           (unsigned long long)m->purged);
  if (rp__store_purge_done(c->st, c->purge_ids, c->npurge) != 0) c->purge_wait = true;
  c->npurge = 0;
  rp__conn_pump(c);
}

void rp__erase_reset(rp_client *c) {
  c->purge_inflight = false;
  c->purge_wait = false;
  c->purge_max = 0;
  c->npurge = 0;
}

static void on_sweep_timer(uv_timer_t *t) {
  rp__erase_sweep(t->data);
}

void rp__erase_sweep(rp_client *c) {
  uint64_t n = 0, every = c->cfg.retention_ms / 4;
  if (rp__store_retention_sweep(c->st, rp__clock_wall_ms(), c->cfg.retention_ms, &n) == 0 &&
      n > 0)
    rp__hlog(c, RP_LOG_INFO, "retention_deleted rows=%llu", (unsigned long long)n);
  if (every < RP__CL_SWEEP_MIN_MS) every = RP__CL_SWEEP_MIN_MS;
  if (every > RP__CL_SWEEP_MAX_MS) every = RP__CL_SWEEP_MAX_MS;
  if (!uv_is_closing((uv_handle_t *)&c->sweep))
    uv_timer_start(&c->sweep, on_sweep_timer, every, 0);
}
