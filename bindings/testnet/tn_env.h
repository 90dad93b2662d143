/* SPDX-License-Identifier: MIT */
/*
 * The C programs beside testnet.sh read a member's settings from the file it writes
 * ("NAME=VALUE" lines) and open a client with them: what each binding does in its own
 * language, done once here for the C baseline and the C scenario.
 */
#ifndef RP_TN_ENV_H
#define RP_TN_ENV_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rejsepost.h>

#define TN_VALUE_MAX 512

typedef struct {
  char member[TN_VALUE_MAX], state[TN_VALUE_MAX], identity[TN_VALUE_MAX];
  char host[TN_VALUE_MAX], port[TN_VALUE_MAX], relay_key[TN_VALUE_MAX];
  char admin_key[TN_VALUE_MAX], roster[TN_VALUE_MAX];
} tn_env;

/* Reads path into e. 0, or -1 (unreadable, or a setting missing). */
static inline int tn_env_read(const char *path, tn_env *e) {
  static const struct {
    const char *name;
    size_t off;
  } keys[] = {
      {"MEMBER_ID", offsetof(tn_env, member)},
      {"STATE_DIR", offsetof(tn_env, state)},
      {"IDENTITY_FILE", offsetof(tn_env, identity)},
      {"RELAY_HOST", offsetof(tn_env, host)},
      {"RELAY_PORT", offsetof(tn_env, port)},
      {"RELAY_KEY", offsetof(tn_env, relay_key)},
      {"ADMIN_KEY", offsetof(tn_env, admin_key)},
      {"ROSTER_FILE", offsetof(tn_env, roster)},
  };
  char line[TN_VALUE_MAX + 64];
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  memset(e, 0, sizeof *e);
  while (fgets(line, sizeof line, f) != NULL) {
    char *eq = strchr(line, '=');
    line[strcspn(line, "\n")] = '\0';
    if (eq == NULL) continue;
    *eq = '\0';
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if (strcmp(line, keys[i].name) == 0)
        snprintf((char *)e + keys[i].off, TN_VALUE_MAX, "%s", eq + 1);
  }
  fclose(f);
  return e->state[0] && e->identity[0] && e->host[0] && e->port[0] && e->relay_key[0] &&
                 e->admin_key[0] && e->roster[0]
             ? 0
             : -1;
}

/* A client for the member of env file `path` (receiving on or off). NULL after printing
 * why on stderr. */
static inline rp_client *tn_client(const char *path, int receive) {
  tn_env e;
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  int rc;
  if (tn_env_read(path, &e) != 0) {
    fprintf(stderr, "cannot read the settings in %s\n", path);
    return NULL;
  }
  if ((rc = rp_config_new(&cfg)) || (rc = rp_config_set_state_dir(cfg, e.state)) ||
      (rc = rp_config_set_relay(cfg, e.host, (unsigned)strtoul(e.port, NULL, 10))) ||
      (rc = rp_config_set_relay_key(cfg, e.relay_key)) ||
      (rc = rp_config_set_identity_file(cfg, e.identity)) ||
      (rc = rp_config_set_admin_key(cfg, e.admin_key)) ||
      (rc = rp_config_set_roster_file(cfg, e.roster)) ||
      (rc = rp_config_set_receive(cfg, receive)) || (rc = rp_client_new(cfg, &c)))
    fprintf(stderr, "client %s: %s %s\n", e.member, rp_err_name(rc),
            cfg ? rp_config_error(cfg) : "");
  rp_config_free(cfg);
  return c;
}

/* ---- what the scenario and the workflow share ---- */

#define TN_WAIT_MS 20000

/* A failed check: prints where and jumps to the caller's `out` label, setting `failed`
 * (an int of the caller's). */
#define TN_EXPECT(failed, cond)                                                            \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);                           \
      failed = 1;                                                                          \
      goto out;                                                                            \
    }                                                                                      \
  } while (0)

static inline void tn_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Polls until message id of c reaches `status` (by rank) or TN_WAIT_MS pass: the status
 * reached, or RP_ETIMEDOUT. */
static inline int tn_wait_status(rp_client *c, const char *id, int status) {
  for (long waited = 0; waited < TN_WAIT_MS; waited += 20) {
    int st = 0;
    if (rp_status(c, id, &st, NULL) == 0 && rp_status_rank(st) >= rp_status_rank(status))
      return st;
    tn_sleep_ms(20);
  }
  return RP_ETIMEDOUT;
}

#endif
