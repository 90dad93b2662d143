/* SPDX-License-Identifier: MIT */
#include "ibx_config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_front.h"
#include "log.h"
#include "confval.h"
#include "rejsepost_errors.h"

typedef struct load_ctx {
  rp__ibx_config *c;
  char dir[RP_PATH_MAX];
  char *err;
  size_t cap;
  int failed;
  int seen_closed, seen_half; /* the first line replaces the defaults, later ones add */
} load_ctx;

void rp__ibx_config_defaults(rp__ibx_config *c) {
  memset(c, 0, sizeof *c);
  /* The relay's own default (server/config.c listens on 7443). */
  c->relay_port = 7443;
  snprintf(c->relay_host, sizeof c->relay_host, "127.0.0.1");
  c->retention_s = RP_IBX_RETENTION_DEFAULT_S;
  c->tick_ms = RP_IBX_TICK_DEFAULT_MS;
  c->log_level = RP__LOG_INFO;
  c->alerts.timeout_ms = RP_IBX_ALERT_TIMEOUT_DEFAULT_MS;
  c->alerts.command_events = RP_IBX_EV_NEW | RP_IBX_EV_OVERDUE;
  c->alerts.digest_min = -1;
  rp__ibx_hours_default(&c->hours);
  snprintf(c->socialvagt, sizeof c->socialvagt, "kommunens socialvagt");
}

static int advisor(rp__ibx_config *c, const char *user, const char *v) {
  const char *colon = strchr(v, ':');
  rp__ibx_advisor *a;
  if (c->nadvisors >= RP_IBX_ADVISORS_MAX) return RP_ETOOBIG;
  if (colon == NULL || colon == v) return RP_ECONFIG;
  a = &c->advisors[c->nadvisors];
  if ((size_t)(colon - v) >= sizeof a->role ||
      rp__conf_str(a->user, sizeof a->user, user) != 0 ||
      rp__conf_str(a->id, sizeof a->id, colon + 1) != 0)
    return RP_ECONFIG;
  memcpy(a->role, v, (size_t)(colon - v));
  a->role[colon - v] = 0;
  c->nadvisors++;
  return 0;
}

#define IS(s, k) (strcmp(sec, s) == 0 && strcmp(key, k) == 0)
#define PATH(field) rp__conf_path(x->dir, c->field, sizeof c->field, v)

/* relay_also = HOST:PORT[, HOST:PORT...]: each address appended to c's list. */
static int relay_also(rp__ibx_config *c, const char *v) {
  const char *p = v;
  c->nrelay_also = 0;
  for (;;) {
    const char *comma = strchr(p, ','), *colon = NULL;
    size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
    char item[300], *end;
    unsigned long port;
    while (n > 0 && (*p == ' ' || *p == '\t'))
      p++, n--;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
      n--;
    if (n == 0 || n >= sizeof item || c->nrelay_also >= RP_IBX_RELAY_ALSO_MAX)
      return RP_ECONFIG;
    memcpy(item, p, n);
    item[n] = 0;
    if ((colon = strrchr(item, ':')) == NULL || colon == item || colon - item >= 256)
      return RP_ECONFIG;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == 0 || *end != 0 || port == 0 || port > 65535) return RP_ECONFIG;
    memcpy(c->relay_also_host[c->nrelay_also], item, (size_t)(colon - item));
    c->relay_also_host[c->nrelay_also][colon - item] = 0;
    c->relay_also_port[c->nrelay_also++] = (unsigned)port;
    if (comma == NULL) return 0;
    p = comma + 1;
  }
}

static int one(load_ctx *x, const char *sec, const char *key, const char *v) {
  rp__ibx_config *c = x->c;
  uint64_t n = 0;
  int r = RP_ECONFIG;
  if (IS("client", "state_dir"))
    r = PATH(state_dir);
  else if (IS("client", "identity"))
    r = PATH(identity);
  else if (IS("client", "passphrase_file"))
    r = PATH(passphrase_file);
  else if (IS("client", "relay_host"))
    r = rp__conf_str(c->relay_host, sizeof c->relay_host, v);
  else if (IS("client", "relay_port")) {
    if ((r = rp__conf_uint(&n, v, 1, 65535)) == 0) c->relay_port = (unsigned)n;
  } else if (IS("client", "relay_also"))
    r = relay_also(c, v);
  else if (IS("client", "relay_key"))
    r = rp__conf_str(c->relay_key, sizeof c->relay_key, v);
  else if (IS("client", "admin_key"))
    r = rp__conf_str(c->admin_key, sizeof c->admin_key, v);
  else if (IS("client", "roster"))
    r = PATH(roster);
  else if (IS("inbox", "database"))
    r = PATH(database);
  else if (IS("inbox", "data_key"))
    r = PATH(data_key);
  else if (IS("inbox", "data_key_passphrase_file"))
    r = PATH(data_key_passphrase_file);
  else if (IS("inbox", "audit_log"))
    r = PATH(audit_log);
  else if (IS("inbox", "retention_seconds"))
    r = rp__conf_uint(&c->retention_s, v, RP_IBX_RETENTION_MIN_S, RP_IBX_RETENTION_MAX_S);
  else if (IS("inbox", "retention_days")) {
    if ((r = rp__conf_uint(&n, v, 1, RP_IBX_RETENTION_MAX_S / 86400)) == 0)
      c->retention_s = n * 86400;
  } else if (IS("inbox", "check_interval_ms")) {
    if ((r = rp__conf_uint(&n, v, RP_IBX_TICK_MIN_MS, RP_IBX_TICK_MAX_MS)) == 0)
      c->tick_ms = (unsigned)n;
  } else if (IS("inbox", "log_level")) {
    r = rp__log_level_parse(v, &c->log_level) != 0 ? RP_ECONFIG : 0;
  } else if (IS("socket", "path")) {
    r = rp__conf_path(x->dir, c->socket, sizeof c->socket, v);
  } else if (IS("socket", "group"))
    r = rp__conf_str(c->socket_group, sizeof c->socket_group, v);
  else if (IS("socket", "frontends"))
    r = rp__ibx_frontends_parse(c, v) == 0 ? 0 : RP_ECONFIG;
  else if (IS("office", "hours"))
    r = rp__ibx_hours_parse_span(&c->hours, v);
  else if (IS("office", "days"))
    r = rp__ibx_hours_parse_days(&c->hours, v);
  else if (IS("office", "socialvagt"))
    r = rp__conf_str(c->socialvagt, sizeof c->socialvagt, v);
  /* A long list goes on several lines (repeated keys or indented continuation lines:
   * the INI reader's lines hold 200 bytes). */
  else if (IS("office", "closed")) {
    if (!x->seen_closed++) c->hours.nclosed = 0;
    r = rp__ibx_hours_parse_dates(v, c->hours.closed, &c->hours.nclosed);
  } else if (IS("office", "half_days")) {
    if (!x->seen_half++) c->hours.nhalf = 0;
    r = rp__ibx_hours_parse_dates(v, c->hours.half, &c->hours.nhalf);
  } else if (IS("office", "half_day_closes"))
    r = rp__ibx_hours_parse_time(v, &c->hours.half_close_min);
  else if (IS("office", "holidays")) {
    r = strcmp(v, "danish") == 0 || strcmp(v, "none") == 0 ? 0 : RP_ECONFIG;
    c->hours.holidays = strcmp(v, "danish") == 0;
  } else if (strcmp(sec, "alerts") == 0)
    r = rp__ibx_config_alert(&c->alerts, x->dir, key, v);
  else if (strcmp(sec, "advisors") == 0)
    r = advisor(c, key, v);
  return r;
}

static int handler(void *user, const char *sec, const char *key, const char *v) {
  load_ctx *x = user;
  if (x->failed) return 1;
  int r = one(x, sec, key, v);
  if (r == RP_ETOOBIG && strcmp(sec, "office") == 0) {
    snprintf(x->err, x->cap, "[office] %s: more than %u dates", key, RP_IBX_DATES_MAX);
    x->failed = 1;
    return 0;
  }
  if (r == RP_ETOOBIG && strcmp(sec, "alerts") == 0) {
    snprintf(x->err, x->cap, "[alerts] %s: more than %u addresses", key,
             RP_IBX_MAIL_TO_MAX);
    x->failed = 1;
    return 0;
  }
  if (r == RP_ETOOBIG) {
    snprintf(x->err, x->cap, "[advisors] %s: more than %u advisors", key,
             RP_IBX_ADVISORS_MAX);
    x->failed = 1;
    return 0;
  }
  if (r != 0) {
    snprintf(x->err, x->cap, "[%s] %s: bad or unknown setting", sec, key);
    x->failed = 1;
    return 0;
  }
  return 1;
}

static int required(const rp__ibx_config *c, char *err, size_t cap) {
  const char *missing = c->state_dir[0] == 0   ? "[client] state_dir"
                        : c->identity[0] == 0  ? "[client] identity"
                        : c->relay_key[0] == 0 ? "[client] relay_key"
                        : c->admin_key[0] == 0 ? "[client] admin_key"
                        : c->roster[0] == 0    ? "[client] roster"
                        : c->database[0] == 0  ? "[inbox] database"
                        : c->data_key[0] == 0  ? "[inbox] data_key"
                        : c->audit_log[0] == 0 ? "[inbox] audit_log"
                        : c->socket[0] == 0    ? "[socket] path"
                                               : NULL;
  if (missing == NULL) return 0;
  snprintf(err, cap, "%s is required", missing);
  return RP_ECONFIG;
}

int rp__ibx_config_load(const char *path, rp__ibx_config *c, char *err, size_t cap) {
  load_ctx x = {.c = c, .err = err, .cap = cap};
  const char *slash = strrchr(path, '/');
  FILE *f;
  int line, r;
  err[0] = 0;
  if (slash != NULL && (size_t)(slash - path) < sizeof x.dir) {
    memcpy(x.dir, path, (size_t)(slash - path));
    x.dir[slash - path] = 0;
  }
  if ((f = fopen(path, "r")) == NULL) {
    snprintf(err, cap, "cannot open %s", path);
    return RP_ENOTFOUND;
  }
  line = ini_parse_file(f, handler, &x);
  fclose(f);
  if (x.failed || line != 0) {
    if (!x.failed) snprintf(err, cap, "line %d: not INI syntax", line);
    return RP_ECONFIG;
  }
  if ((r = required(c, err, cap)) != 0) return r;
  return rp__ibx_config_alert_check(&c->alerts, err, cap) < 0 ? RP_ECONFIG : 0;
}

const rp__ibx_advisor *rp__ibx_config_advisor(const rp__ibx_config *c, const char *user) {
  for (unsigned i = 0; i < c->nadvisors; i++)
    if (strcmp(c->advisors[i].user, user) == 0) return &c->advisors[i];
  return NULL;
}
