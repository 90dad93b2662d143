/* SPDX-License-Identifier: MIT */
/* The configuration object: typed setters that check at once and name what is wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chunk.h"
#include "client_caps.h"
#include "config_int.h"
#include "export.h"
#include "hex.h"
#include "keyfile.h"
#include "msg_field.h"

__attribute__((format(printf, 2, 3))) static int bad(rp_config *cfg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cfg->err, sizeof cfg->err, fmt, ap);
  va_end(ap);
  return RP_ECONFIG;
}

static int good(rp_config *cfg) {
  cfg->err[0] = '\0';
  return 0;
}

RP_PUBLIC int rp_config_new(rp_config **out) {
  rp_config *c;
  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if ((c = calloc(1, sizeof *c)) == NULL) return RP_ENOMEM;
  c->backoff_min = RP__CL_BACKOFF_MIN_MS;
  c->backoff_max = RP__CL_BACKOFF_MAX_MS;
  c->expiry_ms = RP_EXPIRY_DEFAULT_MS;
  c->retention_ms = RP__CL_RETENTION_DEFAULT_MS;
  c->receive = 1;
  c->att_max = RP__CL_ATT_MAX_DEFAULT;
  c->msg_att_max = RP__CL_MSG_ATT_MAX_DEFAULT;
  *out = c;
  return 0;
}

void rp__config_clear(struct rp_config *c) {
  free(c->state_dir);
  for (unsigned i = 0; i < RP__CL_RELAY_ADDRS_MAX; i++)
    free(c->hosts[i]);
  free(c->identity_file);
  free(c->roster_file);
  free(c->pass_file);
  free(c->pass_env);
  sodium_memzero(c, sizeof *c);
}

RP_PUBLIC void rp_config_free(rp_config *cfg) {
  if (cfg == NULL) return;
  rp__config_clear(cfg);
  free(cfg);
}

RP_PUBLIC const char *rp_config_error(const rp_config *cfg) {
  return cfg != NULL ? cfg->err : "";
}

static char *dup_or_null(const char *s) {
  return s != NULL ? strdup(s) : NULL;
}

int rp__config_copy(struct rp_config *dst, const rp_config *src) {
  int nomem = 0;
  *dst = *src;
  dst->state_dir = dup_or_null(src->state_dir);
  for (unsigned i = 0; i < RP__CL_RELAY_ADDRS_MAX; i++)
    if ((dst->hosts[i] = dup_or_null(src->hosts[i])) == NULL && src->hosts[i] != NULL)
      nomem = 1;
  dst->identity_file = dup_or_null(src->identity_file);
  dst->roster_file = dup_or_null(src->roster_file);
  dst->pass_file = dup_or_null(src->pass_file);
  dst->pass_env = dup_or_null(src->pass_env);
  if (nomem || (src->state_dir && !dst->state_dir) ||
      (src->identity_file && !dst->identity_file) ||
      (src->roster_file && !dst->roster_file) || (src->pass_file && !dst->pass_file) ||
      (src->pass_env && !dst->pass_env))
    return RP_ENOMEM;
  return 0;
}

/* Replaces *slot with a copy of value, which must be a non-empty path or name. */
static int set_str(rp_config *cfg, char **slot, const char *name, const char *value) {
  char *c;
  if (cfg == NULL || value == NULL) return RP_EINVAL;
  if (*value == '\0' || strlen(value) > 4000)
    return bad(cfg, "%s: must not be empty", name);
  if ((c = strdup(value)) == NULL) return RP_ENOMEM;
  free(*slot);
  *slot = c;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_state_dir(rp_config *cfg, const char *path) {
  return set_str(cfg, &cfg->state_dir, "state_dir", path);
}

/* Address i of the relay (i <= nrelays), checked and copied. */
static int set_relay_at(rp_config *cfg, unsigned i, const char *host, unsigned port) {
  int rc;
  if (cfg == NULL || host == NULL) return RP_EINVAL;
  if (port == 0 || port > 65535) return bad(cfg, "relay: port %u is not 1..65535", port);
  if ((rc = set_str(cfg, &cfg->hosts[i], "relay", host)) != 0) return rc;
  cfg->ports[i] = port;
  if (cfg->nrelays <= i) cfg->nrelays = i + 1;
  return 0;
}

RP_PUBLIC int rp_config_set_relay(rp_config *cfg, const char *host, unsigned port) {
  return set_relay_at(cfg, 0, host, port);
}

RP_PUBLIC int rp_config_add_relay(rp_config *cfg, const char *host, unsigned port) {
  if (cfg == NULL || host == NULL) return RP_EINVAL;
  if (cfg->nrelays >= RP__CL_RELAY_ADDRS_MAX)
    return bad(cfg, "relay: at most %u addresses", RP__CL_RELAY_ADDRS_MAX);
  return set_relay_at(cfg, cfg->nrelays, host, port);
}

/* A key given as 64 hex characters, or a public key export file whose key `which`
 * (0 identity, 1 transport) is taken. */
static int load_key(rp_config *cfg, const char *name, const char *value, int which,
                    uint8_t out[32]) {
  rp__identity_public pub;
  int rc;
  if (cfg == NULL || value == NULL) return RP_EINVAL;
  if (strlen(value) == 64 && rp__unhex(out, 32, value) == 0) return good(cfg);
  if ((rc = rp__keyfile_load_public(value, &pub)) != 0)
    return bad(cfg, "%s: expected 64 hexadecimal characters or a public key file (%s: %s)",
               name, value, rp_strerror(rc));
  memcpy(out, which == 0 ? pub.identity_pk : pub.transport_pk, 32);
  return good(cfg);
}

RP_PUBLIC int rp_config_set_relay_key(rp_config *cfg, const char *hex_or_path) {
  int rc = load_key(cfg, "relay_key", hex_or_path, 1, cfg ? cfg->relay_pk : NULL);
  if (rc == 0) cfg->has_relay_pk = true;
  return rc;
}

RP_PUBLIC int rp_config_set_admin_key(rp_config *cfg, const char *hex_or_path) {
  int rc = load_key(cfg, "admin_key", hex_or_path, 0, cfg ? cfg->admin_pk : NULL);
  if (rc == 0) cfg->has_admin_pk = true;
  return rc;
}

RP_PUBLIC int rp_config_set_identity_file(rp_config *cfg, const char *path) {
  return set_str(cfg, &cfg->identity_file, "identity_file", path);
}

RP_PUBLIC int rp_config_set_roster_file(rp_config *cfg, const char *path) {
  return set_str(cfg, &cfg->roster_file, "roster_file", path);
}

/* The passphrase sources exclude each other: the last one set wins. */
static void clear_pass(rp_config *cfg) {
  free(cfg->pass_file);
  free(cfg->pass_env);
  cfg->pass_file = cfg->pass_env = NULL;
  cfg->pass_fn = NULL;
  cfg->pass_data = NULL;
}

RP_PUBLIC int rp_config_set_passphrase_file(rp_config *cfg, const char *path) {
  char *keep = NULL;
  int rc;
  if (cfg == NULL) return RP_EINVAL;
  if ((rc = set_str(cfg, &keep, "passphrase_file", path)) != 0) return rc;
  clear_pass(cfg);
  cfg->pass_file = keep;
  return 0;
}

RP_PUBLIC int rp_config_set_passphrase_env(rp_config *cfg, const char *name) {
  char *keep = NULL;
  int rc;
  if (cfg == NULL) return RP_EINVAL;
  if ((rc = set_str(cfg, &keep, "passphrase_env", name)) != 0) return rc;
  clear_pass(cfg);
  cfg->pass_env = keep;
  return 0;
}

RP_PUBLIC int rp_config_set_passphrase_callback(rp_config *cfg, rp_passphrase_fn fn,
                                                void *data) {
  if (cfg == NULL || fn == NULL) return RP_EINVAL;
  clear_pass(cfg);
  cfg->pass_fn = fn;
  cfg->pass_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_backoff(rp_config *cfg, unsigned min_ms, unsigned max_ms) {
  if (cfg == NULL) return RP_EINVAL;
  if (min_ms < 10 || min_ms > max_ms || max_ms > 3600000u)
    return bad(cfg, "backoff: need 10 <= min (%u) <= max (%u) <= 3600000 ms", min_ms,
               max_ms);
  cfg->backoff_min = min_ms;
  cfg->backoff_max = max_ms;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_expiry(rp_config *cfg, uint64_t ms) {
  if (cfg == NULL) return RP_EINVAL;
  if (ms < 60000u || ms > RP_EXPIRY_MAX_MS)
    return bad(cfg, "expiry: %llu ms is not between 60000 ms and 90 days",
               (unsigned long long)ms);
  cfg->expiry_ms = ms;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_retention(rp_config *cfg, uint64_t ms) {
  if (cfg == NULL) return RP_EINVAL;
  if (ms > RP__CL_RETENTION_MAX_MS)
    return bad(cfg, "retention: %llu ms is more than 10 years (%llu ms)",
               (unsigned long long)ms, (unsigned long long)RP__CL_RETENTION_MAX_MS);
  cfg->retention_ms = ms;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_receive_callback(rp_config *cfg, rp_receive_fn fn, void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->on_recv = fn;
  cfg->recv_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_status_callback(rp_config *cfg, rp_status_fn fn, void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->on_status = fn;
  cfg->status_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_content_hook(rp_config *cfg, rp_content_hook_fn fn,
                                         void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->hook = fn;
  cfg->hook_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_attachment_hook(rp_config *cfg, rp_attachment_hook_fn fn,
                                            void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->att_hook = fn;
  cfg->att_hook_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_receive(rp_config *cfg, int on) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->receive = on != 0;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_attachment_max(rp_config *cfg, uint64_t bytes) {
  if (cfg == NULL) return RP_EINVAL;
  if (bytes < 1 || bytes > RP__CHUNK_ATTACHMENT_MAX)
    return bad(cfg, "attachment_max: %llu bytes is not between 1 and 4 GiB",
               (unsigned long long)bytes);
  cfg->att_max = bytes;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_message_attachments_max(rp_config *cfg, uint64_t bytes) {
  if (cfg == NULL) return RP_EINVAL;
  if (bytes < 1 || bytes > RP__CL_MSG_ATT_MAX_CEILING)
    return bad(cfg, "message_attachments_max: %llu bytes is not between 1 and 64 GiB",
               (unsigned long long)bytes);
  cfg->msg_att_max = bytes;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_progress(rp_config *cfg, rp_progress_fn fn, void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->progress = fn;
  cfg->progress_data = data;
  return good(cfg);
}

RP_PUBLIC int rp_config_set_log(rp_config *cfg, rp_log_fn fn, void *data) {
  if (cfg == NULL) return RP_EINVAL;
  cfg->log = fn;
  cfg->log_data = data;
  return good(cfg);
}
