/* SPDX-License-Identifier: MIT */
/*
 * The C baseline of the bindings' benchmark: the same work as each binding's
 * send_rate program, through the C API directly.
 *
 *   rp-send-rate ENVFILE N
 *
 * ENVFILE is a member's file written by testnet.sh ("NAME=VALUE" lines). The program
 * opens a client with those settings, times N rp_send calls of a small request (an
 * anonymous sparring request, urgency normal, no attachment; each call returns once the
 * sealed envelope is durable in the local outbox) and prints one line,
 * `sends_per_s=<number>`. bench/bindings.sh runs it beside the Python, Java and .NET
 * programs against the same relay, so the difference is the binding's overhead.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rejsepost.h>

#define VALUE_MAX 512

struct env {
  char state[VALUE_MAX], identity[VALUE_MAX], host[VALUE_MAX], port[VALUE_MAX];
  char relay_key[VALUE_MAX], admin_key[VALUE_MAX], roster[VALUE_MAX];
};

static int read_env(const char *path, struct env *e) {
  static const struct {
    const char *name;
    size_t off;
  } keys[] = {
      {"STATE_DIR", offsetof(struct env, state)},
      {"IDENTITY_FILE", offsetof(struct env, identity)},
      {"RELAY_HOST", offsetof(struct env, host)},
      {"RELAY_PORT", offsetof(struct env, port)},
      {"RELAY_KEY", offsetof(struct env, relay_key)},
      {"ADMIN_KEY", offsetof(struct env, admin_key)},
      {"ROSTER_FILE", offsetof(struct env, roster)},
  };
  char line[VALUE_MAX + 64];
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
        snprintf((char *)e + keys[i].off, VALUE_MAX, "%s", eq + 1);
  }
  fclose(f);
  return e->state[0] && e->identity[0] && e->port[0] && e->relay_key[0] ? 0 : -1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fill(rp_msg *m) {
  int rc;
  if ((rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver")) ||
      (rc = rp_msg_set_text(m, "sender_ref", "bench")) ||
      (rc = rp_msg_set_enum(m, "request_type", "anonym_sparring")) ||
      (rc = rp_msg_set_enum(m, "urgency", "normal")) ||
      (rc = rp_msg_add_to_set(m, "categories", "negativ_social_kontrol")) ||
      (rc = rp_msg_set_enum(m, "risk.level", "middel")) ||
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) ||
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) ||
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) ||
      (rc = rp_msg_set_enum(m, "citizen.age_band", "18_22")) ||
      (rc = rp_msg_set_text(m, "question", "Hvordan griber vi samtalen an?")))
    return rc;
  return 0;
}

int main(int argc, char **argv) {
  struct env e;
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  long n;
  double t0, t1;
  int rc;

  if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: %s ENVFILE N\n", argv[0]);
    return 2;
  }
  if (read_env(argv[1], &e) != 0) {
    fprintf(stderr, "%s: cannot read the settings in %s\n", argv[0], argv[1]);
    return 1;
  }
  if ((rc = rp_config_new(&cfg)) || (rc = rp_config_set_state_dir(cfg, e.state)) ||
      (rc = rp_config_set_relay(cfg, e.host, (unsigned)strtoul(e.port, NULL, 10))) ||
      (rc = rp_config_set_relay_key(cfg, e.relay_key)) ||
      (rc = rp_config_set_identity_file(cfg, e.identity)) ||
      (rc = rp_config_set_admin_key(cfg, e.admin_key)) ||
      (rc = rp_config_set_roster_file(cfg, e.roster)) || (rc = rp_client_new(cfg, &c))) {
    fprintf(stderr, "client: %s %s\n", rp_strerror(rc), cfg ? rp_config_error(cfg) : "");
    rp_config_free(cfg);
    return 1;
  }
  rp_config_free(cfg);
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    rp_msg *m = NULL;
    if ((rc = rp_msg_new("request", &m)) || (rc = fill(m)) || (rc = rp_send(c, m, NULL))) {
      fprintf(stderr, "send %ld: %s at %s\n", i, rp_strerror(rc),
              m ? rp_msg_error_field(m) : "");
      rp_msg_free(m);
      rp_client_free(c);
      return 1;
    }
    rp_msg_free(m);
  }
  t1 = now_s();
  printf("sends_per_s=%.1f\n", (double)n / (t1 - t0));
  rp_client_free(c);
  return 0;
}
