/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd's configuration: an INI file (docs/INBOX.md "Settings" lists every
 * key). Relative paths are taken relative to the file's folder.
 */
#ifndef RP_IBX_CONFIG_H
#define RP_IBX_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ibx_caps.h"
#include "ibx_clock.h"
#include "log.h"

typedef struct rp__ibx_advisor {
  char user[RP_IBX_WHO_MAX + 1]; /* the Unix user name */
  char role[32];                 /* advisor.role name: raadgiver, jurist... */
  char id[RP_MEMBER_ID_MAX + 1]; /* the pseudonymous advisor.id */
} rp__ibx_advisor;

/* The events an alert is sent for (bits of rp__ibx_alert_cfg.command_events). */
enum {
  RP_IBX_EV_NEW = 1,      /* a new akut or haster thread */
  RP_IBX_EV_REMINDER = 2, /* its deadline is near and its clock still runs */
  RP_IBX_EV_OVERDUE = 4,  /* it was escalated (to the team lead) */
};

/* [alerts] (docs/INBOX.md "Alerts"). An empty string is "not set". */
typedef struct rp__ibx_alert_cfg {
  char command[RP_PATH_MAX];
  unsigned timeout_ms;     /* the command's run, and each try at sending a mail */
  unsigned command_events; /* RP_IBX_EV_* bits: the events the command runs for */
  char smtp_url[RP_IBX_MAIL_URL_MAX + 1]; /* smtp://host:port or smtps://... */
  char smtp_from[RP_IBX_MAIL_ADDR_MAX + 1];
  char smtp_user[RP_IBX_MAIL_ADDR_MAX + 1];
  char smtp_password_file[RP_PATH_MAX];
  char to[RP_IBX_MAIL_TO_MAX][RP_IBX_MAIL_ADDR_MAX + 1]; /* on duty */
  char lead[RP_IBX_MAIL_TO_MAX][RP_IBX_MAIL_ADDR_MAX + 1];
  unsigned nto, nlead;
  char web_base_url[RP_IBX_MAIL_URL_MAX + 1];
  unsigned reminder_min; /* minutes before a deadline; 0: no reminders */
  int digest_min;        /* Copenhagen minutes after midnight; -1: no digest */
} rp__ibx_alert_cfg;

/* Parses one [alerts] key into a (dir: the config file's folder, for relative paths).
 * RP_ECONFIG, or RP_ETOOBIG for more than RP_IBX_MAIL_TO_MAX addresses. */
int rp__ibx_config_alert(rp__ibx_alert_cfg *a, const char *dir, const char *key,
                         const char *v);

/* Whether a is complete enough to send mail: smtp_url, smtp_from and at least one `to`
 * (then 1). err gets the missing key otherwise, unless nothing of mail is set (0). */
int rp__ibx_config_alert_check(const rp__ibx_alert_cfg *a, char *err, size_t cap);

typedef struct rp__ibx_config {
  /* [client]: the team identity and the relay */
  char state_dir[RP_PATH_MAX], identity[RP_PATH_MAX];
  char passphrase_file[RP_PATH_MAX];
  char relay_host[256];
  unsigned relay_port;
  /* relay_also: further addresses of the same relay, tried after relay_host:relay_port
   * in this order (rp_config_add_relay); the library takes 8 addresses in all. */
#define RP_IBX_RELAY_ALSO_MAX 7
  char relay_also_host[RP_IBX_RELAY_ALSO_MAX][256];
  unsigned relay_also_port[RP_IBX_RELAY_ALSO_MAX];
  unsigned nrelay_also;
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
  rp__ibx_alert_cfg alerts;
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
