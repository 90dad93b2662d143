/* SPDX-License-Identifier: MIT */
/*
 * Shared by the client tests: the relay fixture of tests/peer.h plus key files for its
 * members, configs for rp_client, and request builders. Header-only (static functions)
 * so that each *_test.c stays one program.
 */
#ifndef RP_TESTS_CL_FIXTURE_H
#define RP_TESTS_CL_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "keyfile.h"
#include "peer.h"
#include "rejsepost.h"
#include "testutil.h"

#define CL_TEAM "team"
#define CL_MUNI "m1"

static const char *const cl_ids[] = {CL_TEAM, CL_MUNI};

/* Writes each member's plain key file to <dir>/<id>.key. */
static inline int cl_write_keys(tp_relay *f) {
  uint8_t buf[RP_KEYFILE_MAX];
  char path[700];
  size_t len = 0;
  int rc;
  for (size_t i = 0; i < f->nmembers; i++) {
    snprintf(path, sizeof path, "%s/%s.key", f->dir, f->members[i]->pub.id);
    if ((rc = rp__keyfile_encode_plain(f->members[i], buf, sizeof buf, &len)) != 0 ||
        (rc = rp__keyfile_write(path, buf, len, 1)) != 0)
      return rc;
  }
  sodium_memzero(buf, sizeof buf);
  return 0;
}

/* Relay fixture with a team and one municipality, started, key files written. */
static inline int cl_relay_up(tp_relay *f, const char *tag) {
  int rc = tp_relay_init(f, tag, cl_ids, 2, NULL);
  if (rc == 0) rc = cl_write_keys(f);
  if (rc == 0) rc = tp_relay_start(f);
  return rc;
}

/* A config for member `id` with state folder <dir>/state-<id><suffix>. relay_pk NULL:
 * the fixture's relay key. */
static inline rp_config *cl_config(tp_relay *f, const char *id, const char *suffix,
                                   const uint8_t *relay_pk) {
  char path[700], hex[65];
  rp_config *cfg = NULL;
  if (rp_config_new(&cfg) != 0) return NULL;
  snprintf(path, sizeof path, "%s/state-%s%s", f->dir, id, suffix ? suffix : "");
  rp_config_set_state_dir(cfg, path);
  rp_config_set_relay(cfg, "127.0.0.1", f->port);
  sodium_bin2hex(hex, sizeof hex, relay_pk ? relay_pk : f->relay->pub.transport_pk, 32);
  rp_config_set_relay_key(cfg, hex);
  snprintf(path, sizeof path, "%s/%s.key", f->dir, id);
  rp_config_set_identity_file(cfg, path);
  sodium_bin2hex(hex, sizeof hex, f->admin->pub.identity_pk, 32);
  rp_config_set_admin_key(cfg, hex);
  rp_config_set_roster_file(cfg, f->roster_path);
  rp_config_set_backoff(cfg, 50, 400);
  return cfg;
}

/* A client for member `id` (NULL on failure). */
static inline rp_client *cl_client(tp_relay *f, const char *id, const char *suffix) {
  rp_config *cfg = cl_config(f, id, suffix, NULL);
  rp_client *c = NULL;
  int rc = cfg ? rp_client_new(cfg, &c) : RP_ENOMEM;
  if (rc != 0)
    fprintf(stderr, "rp_client_new: %s (%s)\n", rp_strerror(rc),
            cfg ? rp_config_error(cfg) : "");
  rp_config_free(cfg);
  return c;
}

/* A valid anonymous request with the given question. */
static inline rp_msg *cl_request(const char *question) {
  rp_msg *m = NULL;
  if (rp_msg_new("request", &m) != 0) return NULL;
  if (rp_msg_set_text(m, "sender_org", "102") ||
      rp_msg_set_enum(m, "sender_role", "leder") ||
      rp_msg_set_text(m, "sender_ref", "cw-1") ||
      rp_msg_set_enum(m, "request_type", "anonym_sparring") ||
      rp_msg_set_enum(m, "urgency", "haster") ||
      rp_msg_add_to_set(m, "categories", "trusler") ||
      rp_msg_set_enum(m, "risk.level", "hoej") || rp_msg_set_bool(m, "risk.acute", 0) ||
      rp_msg_set_enum(m, "risk.tool", "ingen") ||
      rp_msg_set_enum(m, "citizen.age_band", "18_22") ||
      rp_msg_set_enum(m, "identifiability.mode", "anonym") ||
      rp_msg_set_enum(m, "identifiability.consent", "ingen") ||
      rp_msg_set_text(m, "question", question)) {
    rp_msg_free(m);
    return NULL;
  }
  return m;
}

/* A reply to `request_id`. */
static inline rp_msg *cl_reply(const char *request_id, const char *advice) {
  rp_msg *m = NULL;
  if (rp_msg_new("reply", &m) != 0) return NULL;
  if (rp_msg_set_hex(m, "in_reply_to", request_id) ||
      rp_msg_set_enum(m, "advisor.role", "raadgiver") ||
      rp_msg_set_text(m, "advisor.id", "R7") || rp_msg_set_text(m, "advice", advice) ||
      rp_msg_set_bool(m, "reporting_duty", 1)) {
    rp_msg_free(m);
    return NULL;
  }
  return m;
}

/* Polls until msg_id reaches at least `status` (or a final one). 0 or RP_ETIMEDOUT. */
static inline int cl_wait_status(rp_client *c, const char *msg_id, int status,
                                 int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int st = 0;
  while (rp__clock_mono_ms() < end) {
    if (rp_status(c, msg_id, &st, NULL) == 0 &&
        rp_status_rank(st) >= rp_status_rank(status))
      return 0;
    usleep(10000);
  }
  return RP_ETIMEDOUT;
}

/* Polls the inbox for the next message. */
static inline int cl_wait_inbox(rp_client *c, rp_received **out, int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int rc;
  do {
    if ((rc = rp_inbox_next(c, out)) != RP_ENOTFOUND) return rc;
    usleep(10000);
  } while (rp__clock_mono_ms() < end);
  return RP_ETIMEDOUT;
}

/* Counts outbox rows (receipts excepted). */
static inline int cl_count_cb(void *data, const char *id, const char *kind,
                              const char *thread, const char *to, int status, uint64_t at) {
  (void)id, (void)kind, (void)thread, (void)to, (void)status, (void)at;
  (*(int *)data)++;
  return 0;
}

static inline int cl_outbox_count(rp_client *c) {
  int n = 0;
  return rp_outbox_foreach(c, cl_count_cb, &n) == 0 ? n : -1;
}

#endif /* RP_TESTS_CL_FIXTURE_H */
