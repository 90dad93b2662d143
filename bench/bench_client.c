/* SPDX-License-Identifier: MIT */
/*
 * The client library's send rate into a local relay, and its cost per message beside
 * the relay's own figures from the same run.
 *
 *   bench_client [-n MESSAGES]        (RP_BUILD_DIR must name the build root, where
 *                                      server/rejsepost-relayd is; default ".")
 *
 * It starts rejsepost-relayd the way the tests' fixture does (a temporary directory
 * with keys, a signed roster and a config), then one send-only rp_client of a
 * municipality sends MESSAGES requests to the team as fast as rp_send returns. Printed:
 *  - queue rate: rp_send calls per second (each returns after a durable local commit);
 *  - relayed rate: messages per second until the relay has acked every one;
 *  - client CPU per message (this process: caller and loop thread), and the relay's CPU
 *    per message (from /proc), its stored count and messages per spool transaction
 *    (from its SIGUSR1 statistics).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "keyfile.h"
#include "cl_fixture.h"
#include "peer.h"
#include "rejsepost.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101"};

static uint64_t cpu_self_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
         (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* utime + stime of a process, in microseconds (fields 14 and 15 of /proc/pid/stat). */
static uint64_t cpu_pid_us(pid_t pid) {
  char path[64], buf[1024], *p;
  unsigned long long ut = 0, st = 0;
  FILE *f;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if ((f = fopen(path, "r")) == NULL) return 0;
  p = fgets(buf, sizeof buf, f);
  fclose(f);
  if (p == NULL || (p = strrchr(buf, ')')) == NULL) return 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return 0;
  return (ut + st) * 1000000ull / (unsigned long long)sysconf(_SC_CLK_TCK);
}

static rp_client *client(tp_relay *f) {
  char path[700], hex[65];
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  int rc;
  if (rp_config_new(&cfg) != 0) return NULL;
  snprintf(path, sizeof path, "%s/state-k101", f->dir);
  rp_config_set_state_dir(cfg, path);
  rp_config_set_relay(cfg, "127.0.0.1", f->port);
  sodium_bin2hex(hex, sizeof hex, f->relay->pub.transport_pk, 32);
  rp_config_set_relay_key(cfg, hex);
  snprintf(path, sizeof path, "%s/k101.key", f->dir);
  rp_config_set_identity_file(cfg, path);
  sodium_bin2hex(hex, sizeof hex, f->admin->pub.identity_pk, 32);
  rp_config_set_admin_key(cfg, hex);
  rp_config_set_roster_file(cfg, f->roster_path);
  rp_config_set_receive(cfg, 0);
  if ((rc = rp_client_new(cfg, &c)) != 0)
    fprintf(stderr, "rp_client_new: %s (%s)\n", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return c;
}

static rp_msg *request(void) {
  rp_msg *m = NULL;
  if (rp_msg_new("request", &m) != 0) return NULL;
  if (rp_msg_set_text(m, "sender_org", "102") || rp_msg_set_enum(m, "sender_role", "ssp") ||
      rp_msg_set_text(m, "sender_ref", "bench") ||
      rp_msg_set_enum(m, "request_type", "anonym_sparring") ||
      rp_msg_set_enum(m, "urgency", "normal") ||
      rp_msg_add_to_set(m, "categories", "strategisk") ||
      rp_msg_set_enum(m, "risk.level", "ukendt") ||
      rp_msg_set_enum(m, "risk.tool", "ingen") ||
      rp_msg_set_enum(m, "citizen.age_band", "30_plus") ||
      rp_msg_set_enum(m, "identifiability.mode", "anonym") ||
      rp_msg_set_enum(m, "identifiability.consent", "ingen") ||
      rp_msg_set_text(m, "question",
                      "Benchmark question of an ordinary length, about "
                      "planning a network meeting for the region.")) {
    rp_msg_free(m);
    return NULL;
  }
  return m;
}

/* The value of "stats <key>=" in the relay's log, or 0. */
static unsigned long long log_stat(tp_relay *f, const char *key) {
  char needle[128], *text, *hit;
  unsigned long long v = 0;
  size_t len = 0;
  snprintf(needle, sizeof needle, "stats %s=", key);
  if ((text = tu_read_file(f->log, &len)) == NULL) return 0;
  if ((hit = strstr(text, needle)) != NULL) v = strtoull(hit + strlen(needle), NULL, 10);
  free(text);
  return v;
}

int main(int argc, char **argv) {
  unsigned n = 2000;
  tp_relay f;
  rp_client *c = NULL;
  rp_msg *m = NULL;
  uint64_t t0, t1, t2, cpu0, cpu1, rcpu0, rcpu1;
  int opt, rc = 1;
  while ((opt = getopt(argc, argv, "n:")) != -1) {
    if (opt != 'n' || (n = (unsigned)strtoul(optarg, NULL, 10)) == 0) {
      fprintf(stderr, "usage: %s [-n MESSAGES]\n", argv[0]);
      return 2;
    }
  }
  if (tp_relay_init(&f, "bench-client", ids, 2, NULL) != 0 || cl_write_keys(&f) != 0 ||
      tp_relay_start(&f) != 0) {
    fprintf(stderr, "bench_client: could not start the relay (set RP_BUILD_DIR)\n");
    goto out;
  }
  if ((c = client(&f)) == NULL || (m = request()) == NULL) goto out;
  rcpu0 = cpu_pid_us(f.pid);
  cpu0 = cpu_self_us();
  t0 = rp__clock_mono_ms();
  for (unsigned i = 0; i < n; i++) {
    if ((rc = rp_send(c, m, NULL)) != 0) {
      fprintf(stderr, "rp_send: %s\n", rp_strerror(rc));
      goto out;
    }
  }
  t1 = rp__clock_mono_ms();
  if ((rc = rp_client_flush(c, 600000)) != 0) {
    fprintf(stderr, "flush: %s\n", rp_strerror(rc));
    goto out;
  }
  t2 = rp__clock_mono_ms();
  cpu1 = cpu_self_us();
  rcpu1 = cpu_pid_us(f.pid);
  tp_relay_signal(&f, SIGUSR1);
  tp_relay_wait_log(&f, "stats_end", 5000, 1);
  printf("client  messages %u  queue %.0f msg/s (%.3f ms each, durable local commit)\n", n,
         n * 1000.0 / (double)(t1 > t0 ? t1 - t0 : 1), (double)(t1 - t0) / n);
  printf("client  relayed  %.0f msg/s end to end (%llu ms for all acks)\n",
         n * 1000.0 / (double)(t2 > t0 ? t2 - t0 : 1), (unsigned long long)(t2 - t0));
  printf("client  cpu      %.1f us/msg (caller and loop thread)\n",
         (double)(cpu1 - cpu0) / n);
  printf(
      "relay   cpu      %.1f us/msg  stored %llu  transactions %llu  (%.1f msg/commit)\n",
      (double)(rcpu1 - rcpu0) / n, log_stat(&f, "spool.stored"),
      log_stat(&f, "spool.transactions"),
      (double)log_stat(&f, "spool.stored") /
          (double)(log_stat(&f, "spool.transactions") ? log_stat(&f, "spool.transactions")
                                                      : 1));
  rc = 0;
out:
  rp_msg_free(m);
  rp_client_free(c);
  tp_relay_free(&f);
  return rc;
}
