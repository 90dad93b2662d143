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
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rejsepost.h>

#include "tn_env.h"

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
  rp_client *c;
  long n;
  double t0, t1;
  int rc;

  if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: %s ENVFILE N\n", argv[0]);
    return 2;
  }
  if ((c = tn_client(argv[1], 1)) == NULL) return 1;
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
