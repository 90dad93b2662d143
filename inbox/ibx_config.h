/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd's configuration: an INI file (docs/INBOX.md "Settings" lists every
 * key). Relative paths are taken relative to the file's folder.
 */
#ifndef RP_IBX_CONFIG_H
#define RP_IBX_CONFIG_H

#include <stdint.h>

#include "ibx_caps.h"
#include "ibx_clock.h"
#include "log.h"

typedef struct rp__ibx_advisor {
  char user[RP_IBX_WHO_MAX + 1]; /* the Unix user name */
  char role[32];                 /* advisor.role name: raadgiver, jurist... */
  char id[RP_MEMBER_ID_MAX + 1]; /* the pseudonymous advisor.id */
} rp__ibx_advisor;

typedef struct rp__ibx_config {
  /* [client]: the team identity and the relay */
  char state_dir[RP_PATH_MAX], identity[RP_PATH_MAX];
  char passphrase_file[RP_PATH_MAX];
  char relay_host[256];
  unsigned relay_port;
  char relay_key[RP_PATH_MAX], admin_key[RP_PATH_MAX], roster[RP_PATH_MAX];
  /* [inbox] */
  char database[RP_PATH_MAX], data_key[RP_PATH_MAX];
  char data_key_passphrase_file[RP_PATH_MAX];
  char audit_log[RP_PATH_MAX];
  uint64_t retention_s;
  unsigned tick_ms;
  rp__log_level log_level;
  /* [socket] */
  char socket[108]; /* sun_path */
  char socket_group[64];
  char frontends[RP_IBX_FRONTENDS_MAX][RP_IBX_WHO_MAX + 1]; /* ibx_front.h */
  unsigned nfrontends;
  /* [office] */
  rp__ibx_hours hours;
  char socialvagt[128];
  /* [alerts] */
  char alert_cmd[RP_PATH_MAX]; /* "" = none */
  unsigned alert_timeout_ms;
  /* [advisors] */
  rp__ibx_advisor advisors[RP_IBX_ADVISORS_MAX];
  unsigned nadvisors;
} rp__ibx_config;

/* Defaults for every optional key. */
void rp__ibx_config_defaults(rp__ibx_config *c);

/* Loads path over the defaults. RP_ECONFIG with err (cap bytes) naming the line and the
 * key; RP_ENOTFOUND if the file cannot be opened. */
int rp__ibx_config_load(const char *path, rp__ibx_config *c, char *err, size_t cap);

/* The advisor entry of user, or NULL. */
const rp__ibx_advisor *rp__ibx_config_advisor(const rp__ibx_config *c, const char *user);

#endif /* RP_IBX_CONFIG_H */
