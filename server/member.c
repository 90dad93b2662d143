/* SPDX-License-Identifier: MIT */
/*
 * The member table and the roster (member.h): entries by member id with their
 * references; reading and verifying the roster file against the pinned administrator
 * key and the no-rollback rule (never below the roster in force, nor below the highest
 * version the relay has accepted, which the spool keeps across restarts: PROTOCOL.md
 * 3.5); and keeping that floor in the spool. Who holds which entry is admit.c's and
 * dispatch.c's business; applying a new roster to the connections is reload.c's.
 */
#include "member.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "log.h"
#include "op.h"
#include "rejsepost_errors.h"
#include "relay_int.h"

/* ---- the table ---- */

static size_t bucket_of(const char *id) {
  /* FNV-1a: ids come from the roster and authenticated peers, so flooding a bucket
   * would need the administrator's help. */
  uint32_t h = 2166136261u;
  for (; *id != '\0'; id++)
    h = (h ^ (uint8_t)*id) * 16777619u;
  return h & (RP__MSTATE_BUCKETS - 1);
}

rp__mstate *rp__mstate_get(rp__relay *r, const char *id, int create) {
  size_t b = bucket_of(id), n = strlen(id);
  rp__mstate *ms;

  for (ms = r->mstate[b]; ms != NULL; ms = ms->next)
    if (strcmp(ms->id, id) == 0) return ms;
  if (!create || n > RP_MEMBER_ID_MAX || (ms = calloc(1, sizeof *ms)) == NULL) return NULL;
  memcpy(ms->id, id, n + 1);
  ms->next = r->mstate[b];
  r->mstate[b] = ms;
  return ms;
}

void rp__mstate_ref(rp__mstate *ms) {
  ms->refs++;
}

void rp__mstate_unref(rp__relay *r, rp__mstate *ms) {
  rp__mstate **pp;
  if (ms == NULL || --ms->refs > 0) return;
  for (pp = &r->mstate[bucket_of(ms->id)]; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == ms) {
      *pp = ms->next;
      break;
    }
  }
  free(ms);
}

/* ---- the roster ---- */

int rp__member_roster_load(rp__relay *r, const rp__roster *held, rp__roster **out) {
  char path[RP_PATH_MAX], q[RP_PATH_MAX + 16];
  rp__roster *nr = NULL;
  uint8_t *doc = NULL;
  size_t len = 0;
  uint64_t v, floor;
  int rc = RP_ECONFIG;

  *out = NULL;
  if (rp__config_path(&r->cfg, r->cfg.roster_file, path, sizeof path) != 0) goto out;
  if ((rc = rp__file_read(path, RP_ROSTER_MAX, &doc, &len)) == RP_ENOMEM) goto out;
  /* An empty file is refused as a large one is. */
  if (rc == RP_ETOOBIG || (rc == 0 && len == 0)) {
    rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                  rp_err_name(RP_ETOOBIG));
    rc = RP_ECONFIG;
    goto out;
  }
  if (rc != 0) {
    rp__log_error("roster_unreadable path=%s", rp__log_quote(q, sizeof q, path));
    rc = RP_ECONFIG;
    goto out;
  }
  /* The signature first, which also yields the version the administrator signed. */
  if ((rc = rp__roster_accept(NULL, doc, len, r->cfg.admin_key, &nr)) != 0) {
    rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                  rp_err_name(rc));
    rc = RP_ECONFIG;
    goto out;
  }
  /* No rollback: not below the roster in force, nor below the highest version this
   * relay ever accepted (kept in the spool across restarts), or a revocation could be
   * undone by putting an old file back. */
  v = rp__roster_version(nr);
  floor = held != NULL ? rp__roster_version(held) : 0;
  if (r->spool != NULL && rp__spool_roster_floor(r->spool) > floor)
    floor = rp__spool_roster_floor(r->spool);
  if (v < floor) {
    rp__log_error("roster_rollback path=%s version=%llu held=%llu action=\"install the "
                  "roster of version %llu or newer from the administrator: this relay has "
                  "accepted version %llu and refuses older ones, which could un-revoke a "
                  "member\"",
                  rp__log_quote(q, sizeof q, path), (unsigned long long)v,
                  (unsigned long long)floor, (unsigned long long)floor,
                  (unsigned long long)floor);
    rc = RP_ECONFIG;
    goto out;
  }
  /* The same version again must be the same bytes (else a replay or an equivocation):
   * rp__roster_accept checks that against the roster in force. */
  if (held != NULL && v == rp__roster_version(held)) {
    rp__roster_free(nr);
    nr = NULL;
    if ((rc = rp__roster_accept(held, doc, len, r->cfg.admin_key, &nr)) != 0) {
      rp__log_error("roster_refused path=%s code=%s", rp__log_quote(q, sizeof q, path),
                    rp_err_name(rc));
      rc = RP_ECONFIG;
      goto out;
    }
  }
  *out = nr;
  nr = NULL;
  rc = 0;
out:
  rp__roster_free(nr);
  free(doc);
  return rc;
}

/* ---- the roster floor ---- */

int rp__member_roster_start(rp__relay *r, const char *spool_path) {
  char q[RP_PATH_MAX + 16], err[512];
  int rc;

  /* The roster after the spool: the spool holds the highest roster version this relay
   * has accepted, below which no roster file is taken (an older one could un-revoke a
   * member). A newer one raises that floor before anything is served. */
  if ((rc = rp__member_roster_load(r, NULL, &r->roster)) != 0) return rc;
  if ((rc = rp__spool_roster_floor_set(r->spool, rp__roster_version(r->roster), err,
                                       sizeof err)) != 0) {
    rp__log_error("spool_open_failed path=%s code=%s why=%s",
                  rp__log_quote(q, sizeof q, spool_path), rp_err_name(rc),
                  rp__log_quote(err + 256, 256, err));
    return RP_EIO;
  }
  return 0;
}

static void on_floor_saved(rp__spool_req *req) {
  rp__op *op = req->data;
  if (req->result != 0)
    rp__log_warn("roster_floor_unsaved version=%lld code=%s", (long long)op->expires_ms,
                 rp_err_name(req->result));
  rp__op_free(op);
}

void rp__member_floor_save(rp__relay *r, uint64_t version) {
  rp__op *op = rp__op_new(r, NULL, RP__OP_FLOOR);
  int rc = RP_ENOMEM;
  if (op != NULL) {
    op->expires_ms = (int64_t)version; /* for the log line */
    rc = rp__spool_roster_floor_raise(r->spool, &op->req, version, on_floor_saved);
  }
  if (rc != 0) {
    rp__log_warn("roster_floor_unsaved version=%llu code=%s", (unsigned long long)version,
                 rp_err_name(rc));
    rp__op_free(op);
  }
}
