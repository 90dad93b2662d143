/* SPDX-License-Identifier: MIT */
#include "web_config.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confval.h"
#include "rejsepost_errors.h"

typedef struct load_ctx {
  rp__web_config *c;
  char dir[RP_WEB_PATH_MAX];
  char *err;
  size_t cap;
  int failed;
} load_ctx;

void rp__web_config_defaults(rp__web_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->listen_addr, sizeof c->listen_addr, "127.0.0.1");
  c->port = 8443;
  snprintf(c->socket, sizeof c->socket, "/run/rejsepost-inboxd/advisor.sock");
  c->max_failures = 5;
  c->lockout_s = 15 * 60;
  c->rate_per_min = 20;
  c->idle_s = 30 * 60;
  c->absolute_s = 10 * 3600;
  snprintf(c->issuer, sizeof c->issuer, "Rejseholdet");
  c->cookie_secure = 1;
}

/* "ADDR:PORT", ADDR an IPv4 literal. */
/* The web daemon's settings are unsigned ints. */
static int web_uint(unsigned *dst, const char *v, unsigned lo, unsigned hi) {
  uint64_t n = 0;
  int r = rp__conf_uint(&n, v, lo, hi);
  if (r == 0) *dst = (unsigned)n;
  return r;
}

static int set_listen(rp__web_config *c, const char *v) {
  const char *colon = strrchr(v, ':');
  struct in_addr a;
  char addr[64];
  if (colon == NULL || (size_t)(colon - v) >= sizeof addr) return RP_ECONFIG;
  memcpy(addr, v, (size_t)(colon - v));
  addr[colon - v] = 0;
  if (inet_pton(AF_INET, addr, &a) != 1) return RP_ECONFIG;
  if (web_uint(&c->port, colon + 1, 1, 65535) != 0) return RP_ECONFIG;
  snprintf(c->listen_addr, sizeof c->listen_addr, "%s", addr);
  return 0;
}

#define IS(k) (strcmp(sec, "web") == 0 && strcmp(key, k) == 0)

static int handler(void *user, const char *sec, const char *key, const char *v) {
  load_ctx *x = user;
  rp__web_config *c = x->c;
  unsigned n = 0;
  int r = RP_ECONFIG;
  if (x->failed) return 1;
  if (IS("listen"))
    r = set_listen(c, v);
  else if (IS("tls_cert"))
    r = rp__conf_path(x->dir, c->tls_cert, sizeof c->tls_cert, v);
  else if (IS("tls_key"))
    r = rp__conf_path(x->dir, c->tls_key, sizeof c->tls_key, v);
  else if (IS("socket"))
    r = rp__conf_path(x->dir, c->socket, sizeof c->socket, v);
  else if (IS("accounts"))
    r = rp__conf_path(x->dir, c->accounts, sizeof c->accounts, v);
  else if (IS("max_failures"))
    r = web_uint(&c->max_failures, v, 1, 100);
  else if (IS("lockout_minutes")) {
    if ((r = web_uint(&n, v, 1, 24 * 60)) == 0) c->lockout_s = n * 60;
  } else if (IS("login_rate_per_minute"))
    r = web_uint(&c->rate_per_min, v, 1, 1000);
  else if (IS("session_idle_minutes")) {
    if ((r = web_uint(&n, v, 1, 24 * 60)) == 0) c->idle_s = n * 60;
  } else if (IS("session_max_hours")) {
    if ((r = web_uint(&n, v, 1, 72)) == 0) c->absolute_s = n * 3600;
  } else if (IS("cookie_secure")) {
    r = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ? 0 : RP_ECONFIG;
    c->cookie_secure = strcmp(v, "no") != 0;
  } else if (IS("totp_issuer"))
    r = rp__conf_str(c->issuer, sizeof c->issuer, v);
  if (r != 0) {
    snprintf(x->err, x->cap, "[%s] %s: bad or unknown setting", sec, key);
    x->failed = 1;
    return 0;
  }
  return 1;
}

int rp__web_is_loopback(const char *addr) {
  struct in_addr a;
  if (inet_pton(AF_INET, addr, &a) != 1) return 0;
  return (ntohl(a.s_addr) >> 24) == 127;
}

int rp__web_config_load(const char *path, rp__web_config *c, char *err, size_t cap) {
  load_ctx x = {.c = c, .err = err, .cap = cap};
  const char *slash = strrchr(path, '/');
  FILE *f;
  int line;
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
  if (c->accounts[0] == 0) {
    snprintf(err, cap, "[web] accounts is required");
    return RP_ECONFIG;
  }
  if ((c->tls_cert[0] == 0) != (c->tls_key[0] == 0)) {
    snprintf(err, cap, "[web] tls_cert and tls_key go together");
    return RP_ECONFIG;
  }
  /* Plain HTTP carries passwords and session cookies in clear: loopback only, behind a
   * reverse proxy that speaks TLS to the browsers. */
  if (c->tls_cert[0] == 0 && !rp__web_is_loopback(c->listen_addr)) {
    snprintf(err, cap,
             "[web] listen %s without tls_cert and tls_key: plain HTTP listens on "
             "loopback (127.0.0.0/8) only",
             c->listen_addr);
    return RP_ECONFIG;
  }
  if (c->tls_cert[0] != 0) c->cookie_secure = 1; /* over TLS the cookie is always Secure */
  return 0;
}
