/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-webd's configuration: an INI file (docs/WEB.md "Settings" lists every key).
 * Relative paths are taken from the file's folder.
 */
#ifndef RP_WEB_CONFIG_H
#define RP_WEB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define RP_WEB_PATH_MAX 4096

typedef struct rp__web_config {
  char listen_addr[64]; /* an IPv4 literal */
  unsigned port;
  char tls_cert[RP_WEB_PATH_MAX], tls_key[RP_WEB_PATH_MAX]; /* both or neither */
  char socket[108];                                         /* the advisor socket */
  char accounts[RP_WEB_PATH_MAX];                           /* the accounts store */
  unsigned max_failures;       /* failed logins in a row before the lockout */
  unsigned lockout_s;          /* how long a lockout lasts */
  unsigned rate_per_min;       /* login attempts per client address and minute */
  unsigned idle_s, absolute_s; /* session timeouts */
  char issuer[64];             /* the TOTP issuer shown in the authenticator app */
  int cookie_secure;           /* 0 only on plain HTTP at loopback (docs/WEB.md) */
} rp__web_config;

void rp__web_config_defaults(rp__web_config *c);

/* Loads path over the defaults. RP_ECONFIG with err naming the key; RP_ENOTFOUND if the
 * file cannot be opened. Checks that plain HTTP listens on loopback only. */
int rp__web_config_load(const char *path, rp__web_config *c, char *err, size_t cap);

/* Whether the address is IPv4 loopback (127.0.0.0/8). */
int rp__web_is_loopback(const char *addr);

#endif
