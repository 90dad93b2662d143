/* SPDX-License-Identifier: MIT */
/* Setting up and tearing down the daemon. */
#include "ibx_daemon.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "ibx_datakey.h"
#include "ibx_ident.h"
#include "ibx_notify.h"
#include "log.h"
#include "ibx_sock.h"
#include "keyfile.h"

uint64_t rp__ibx_now(rp__ibx_daemon *d) {
  (void)d;
  return rp__ibx_ident_now();
}

void rp__ibx_hours_get(rp__ibx_daemon *d, rp__ibx_hours *h) {
  pthread_mutex_lock(&d->mu);
  *h = d->cfg.hours;
  pthread_mutex_unlock(&d->mu);
}

int rp__ibx_audit_action(rp__ibx_daemon *d, const char *who, const char *action,
                         const char *thread) {
  return rp__ibx_audit_action_to(d, who, action, thread, NULL);
}

int rp__ibx_audit_action_to(rp__ibx_daemon *d, const char *who, const char *action,
                            const char *thread, const char *to) {
  return rp__ibx_audit_action_kv(d, who, action, thread, "to", to);
}

int rp__ibx_audit_action_kv(rp__ibx_daemon *d, const char *who, const char *action,
                            const char *thread, const char *key, const char *value) {
  return rp__ibx_audit_action_via(d, who, action, thread, key, value, NULL);
}

int rp__ibx_audit_action_via(rp__ibx_daemon *d, const char *who, const char *action,
                             const char *thread, const char *key, const char *value,
                             const char *via) {
  rp__ibx_audit_head h;
  uint8_t buf[40];
  int r = rp__ibx_audit_append_via(d->audit, rp__ibx_now(d), who, action, thread, key,
                                   value, via, &h);
  if (r != 0) {
    rp__log_error("event=audit_failed action=%s error=%s", action, rp_err_name(r));
    return r;
  }
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)(h.seq >> (56 - 8 * i));
  memcpy(buf + 8, h.hash, 32);
  return rp__ibx_store_meta_put(d->st, RP_IBX_META_AUDIT_HEAD, buf, sizeof buf);
}

/* Reads the first line of a passphrase file (mode 0600 expected) into sodium memory. */
static int read_pass(const char *path, char **pass, size_t *len) {
  char *p = sodium_malloc(RP_PASSPHRASE_MAX + 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC), r;
  size_t n = 0;
  *pass = NULL;
  if (p == NULL) {
    if (fd >= 0) close(fd);
    return RP_ENOMEM;
  }
  if (fd < 0) {
    sodium_free(p);
    return RP_ENOTFOUND;
  }
  r = rp__file_read_line(fd, p, RP_PASSPHRASE_MAX, &n);
  close(fd);
  if (r != 0 || n == 0) {
    sodium_free(p); /* sodium_free wipes */
    return r != 0 ? r : RP_EPASSPHRASE;
  }
  p[n] = 0;
  *len = n;
  *pass = p;
  return 0;
}

static int open_key(rp__ibx_daemon *d) {
  char *pass = NULL;
  size_t plen = 0;
  int r = 0;
  if (d->cfg.data_key_passphrase_file[0] != 0 &&
      (r = read_pass(d->cfg.data_key_passphrase_file, &pass, &plen)) != 0)
    return r;
  r = rp__ibx_datakey_load(d->cfg.data_key, pass, plen, 1, 0, 0, &d->key);
  if (pass != NULL) sodium_free(pass);
  return r;
}

/* [client] relay_also: the relay's further addresses, in order. */
static int add_relays(rp_config *cfg, const rp__ibx_config *c) {
  int r = 0;
  for (unsigned i = 0; r == 0 && i < c->nrelay_also; i++)
    r = rp_config_add_relay(cfg, c->relay_also_host[i], c->relay_also_port[i]);
  return r;
}

/* The client store keeps a handled message no longer than the daemon keeps its thread
 * after closing it (docs/INBOX.md, "Retention"): the daemon marks a message handled as
 * soon as its own store has it, so with the same retention the client's copy is gone
 * before, or when, the daemon purges the thread; the purge also erases the thread from
 * the client store at once (ibx_loop.c). */
static uint64_t client_retention_ms(const rp__ibx_daemon *d) {
  return d->cfg.retention_s * 1000;
}

static int start_client(rp__ibx_daemon *d) {
  rp_config *cfg = NULL;
  int r;
  if ((r = rp_config_new(&cfg)) != 0) return r;
  if ((r = rp_config_set_state_dir(cfg, d->cfg.state_dir)) == 0 &&
      (r = rp_config_set_relay(cfg, d->cfg.relay_host, d->cfg.relay_port)) == 0 &&
      (r = add_relays(cfg, &d->cfg)) == 0 &&
      (r = rp_config_set_relay_key(cfg, d->cfg.relay_key)) == 0 &&
      (r = rp_config_set_identity_file(cfg, d->cfg.identity)) == 0 &&
      (r = rp_config_set_admin_key(cfg, d->cfg.admin_key)) == 0 &&
      (r = rp_config_set_roster_file(cfg, d->cfg.roster)) == 0 &&
      (r = rp_config_set_backoff(cfg, 100, 5000)) == 0 &&
      (r = rp_config_set_retention(cfg, client_retention_ms(d))) == 0 &&
      (r = rp_config_set_receive_callback(cfg, rp__ibx_on_receive, d)) == 0) {
    if (d->cfg.passphrase_file[0] != 0)
      r = rp_config_set_passphrase_file(cfg, d->cfg.passphrase_file);
    if (r == 0) r = rp_client_new(cfg, &d->client);
  }
  if (r != 0)
    rp__log_error("event=client_failed error=%s detail=\"%s\"", rp_err_name(r),
                  rp_config_error(cfg));
  rp_config_free(cfg);
  return r;
}

static int fail(char *err, size_t cap, const char *what, int r) {
  snprintf(err, cap, "%s: %s", what, rp_strerror(r));
  return r;
}

static int open_parts(rp__ibx_daemon *d, char *err, size_t cap) {
  uint64_t broken = 0;
  int r;
  if ((r = open_key(d)) != 0) return fail(err, cap, "data key", r);
  if ((r = rp__ibx_store_open(d->cfg.database, d->key, &d->st)) != 0)
    return fail(err, cap, "database", r);
  if ((r = rp__ibx_audit_open(d->cfg.audit_log, &d->audit, &broken)) != 0)
    return fail(err, cap, "audit log", r);
  if (broken != 0)
    rp__log_error("event=audit_chain_broken line=%llu", (unsigned long long)broken);
  r = rp__ibx_sock_listen(d->cfg.socket, d->cfg.socket_group, &d->listen_fd);
  if (r == RP_EPERM) {
    snprintf(err, cap,
             "advisor socket: the folder of %s is writable by others; use a folder "
             "only the daemon's user can write (e.g. /run/rejsepost-inboxd)",
             d->cfg.socket);
    return RP_ECONFIG;
  }
  if (r == RP_ECONFIG) {
    snprintf(err, cap, "advisor socket: unknown group '%s'", d->cfg.socket_group);
    return RP_ECONFIG;
  }
  if (r != 0) return fail(err, cap, "advisor socket", r);
  /* Before the client's thread exists: curl_global_init is not thread-safe. */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
      (r = rp__ibx_mail_start(&d->mail, d->st)) != 0)
    return fail(err, cap, "alert mail", RP_ENOMEM);
  if ((r = start_client(d)) != 0) return fail(err, cap, "client", r);
  return 0;
}

/* jansson builds the JSON of listings and threads, which holds decrypted content (and
 * reads message bodies for the text views): every block it frees is wiped first, as the
 * daemon's own answer buffers are (proto/buf.c). */
static void *json_alloc(size_t n) {
  return malloc(n);
}

static void json_free(void *p) {
  if (p == NULL) return;
  sodium_memzero(p, malloc_usable_size(p));
  free(p);
}

int rp__ibx_daemon_open(rp__ibx_daemon *d, const char *config_path, char *err, size_t cap) {
  int r;
  json_set_alloc_funcs(json_alloc, json_free);
  memset(d, 0, sizeof *d);
  d->listen_fd = d->sig_pipe[0] = d->sig_pipe[1] = -1;
  pthread_mutex_init(&d->mu, NULL);
  snprintf(d->config_path, sizeof d->config_path, "%s", config_path);
  rp__ibx_config_defaults(&d->cfg);
  rp__ibx_alerts_init(&d->alerts);
  if ((r = rp__ibx_config_load(config_path, &d->cfg, err, cap)) != 0) return RP_ECONFIG;
  rp__log_set_level(d->cfg.log_level);
  rp__ibx_ident_start();
  if (pipe(d->sig_pipe) != 0) return fail(err, cap, "pipe", RP_EIO);
  fcntl(d->sig_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(d->sig_pipe[1], F_SETFL, O_NONBLOCK);
  return open_parts(d, err, cap);
}

void rp__ibx_daemon_close(rp__ibx_daemon *d) {
  /* The client first: its loop thread may still be storing a message. */
  rp_client_free(d->client);
  d->client = NULL;
  /* A mail under way is cut short and stays pending in the store. */
  rp__ibx_mail_stop(&d->mail);
  if (d->listen_fd >= 0) {
    close(d->listen_fd);
    unlink(d->cfg.socket);
  }
  for (int i = 0; i < 2; i++)
    if (d->sig_pipe[i] >= 0) close(d->sig_pipe[i]);
  rp__ibx_audit_close(d->audit);
  rp__ibx_store_close(d->st);
  rp__ibx_datakey_free(d->key);
  pthread_mutex_destroy(&d->mu);
  d->audit = NULL;
  d->st = NULL;
  d->key = NULL;
}

/* The library's roster, brought up to date from the relay when connected. */
static void refresh_roster(rp__ibx_daemon *d) {
  int r;
  if (rp_client_conn_state(d->client) != RP_CONN_CONNECTED) {
    rp__log_info("event=roster_refresh result=later (not connected)");
    return;
  }
  if ((r = rp_client_refresh_roster(d->client, RP_IBX_ROSTER_REFRESH_MS)) != 0)
    rp__log_warn("event=roster_refresh_failed error=%s (roster kept)", rp_err_name(r));
}

int rp__ibx_daemon_reload(rp__ibx_daemon *d) {
  rp__ibx_config c;
  uint64_t version = 0;
  char err[256];
  int r;
  rp__ibx_config_defaults(&c);
  if ((r = rp__ibx_config_load(d->config_path, &c, err, sizeof err)) != 0) {
    rp__log_error("event=reload_failed error=%s (old settings kept)", rp_err_name(r));
    return r;
  }
  pthread_mutex_lock(&d->mu);
  d->cfg.hours = c.hours;
  memcpy(d->cfg.socialvagt, c.socialvagt, sizeof c.socialvagt);
  d->cfg.retention_s = c.retention_s;
  d->cfg.tick_ms = c.tick_ms;
  d->cfg.log_level = c.log_level;
  memcpy(d->cfg.advisors, c.advisors, sizeof c.advisors);
  d->cfg.alerts = c.alerts;
  d->cfg.nadvisors = c.nadvisors;
  memcpy(d->cfg.frontends, c.frontends, sizeof c.frontends);
  d->cfg.nfrontends = c.nfrontends;
  pthread_mutex_unlock(&d->mu);
  rp__log_set_level(c.log_level);
  refresh_roster(d);
  rp_client_roster_version(d->client, &version);
  rp__log_info("event=reloaded roster_version=%llu", (unsigned long long)version);
  return 0;
}
