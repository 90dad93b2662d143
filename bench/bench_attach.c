/* SPDX-License-Identifier: MIT */
/*
 * Memory of attachments: the RSS high-water mark of a sender and of a recipient that
 * move 1 GiB of attachment bytes through a local relay.
 *
 *   bench_attach [-m MESSAGES] [-a MIB_PER_ATTACHMENT]   (RP_BUILD_DIR must name the
 *                                                        build root; default ".")
 *
 * Default 8 messages of 2 attachments of 64 MiB: 1 GiB in all. The sender is a child
 * process (a municipality's rp_client) whose attachments are stream sources (pseudo-random
 * bytes, never in memory as a whole); it sends every message, waits until the relay has
 * them all, and reports its getrusage ru_maxrss. The recipient is this process (the
 * team's rp_client): it waits for each message and reads every attachment through
 * rp_received_attachment_read into a SHA-256 compared with the sender's bytes, then
 * reports its own ru_maxrss. Times are printed for information only.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"
#include "peer.h"
#include "rejsepost.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101"};

static uint8_t byte_at(uint32_t seed, uint64_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  return (uint8_t)(x >> 29);
}

typedef struct stream {
  uint64_t left, done;
  uint32_t seed;
} stream;

static long long stream_read(void *ctx, uint8_t *buf, size_t cap) {
  stream *s = ctx;
  size_t n = cap;
  if (n > s->left) n = (size_t)s->left;
  for (size_t i = 0; i < n; i++)
    buf[i] = byte_at(s->seed, s->done + i);
  s->left -= n;
  s->done += n;
  return (long long)n;
}

static long maxrss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static int write_keys(tp_relay *f) {
  uint8_t buf[RP_KEYFILE_MAX];
  char path[700];
  size_t len = 0;
  for (size_t i = 0; i < f->nmembers; i++) {
    snprintf(path, sizeof path, "%s/%s.key", f->dir, f->members[i]->pub.id);
    if (rp__keyfile_encode_plain(f->members[i], buf, sizeof buf, &len) != 0 ||
        rp__keyfile_write(path, buf, len, 1) != 0)
      return -1;
  }
  sodium_memzero(buf, sizeof buf);
  return 0;
}

static rp_client *client(tp_relay *f, const char *id, uint64_t att_max) {
  char path[700], hex[65];
  rp_config *cfg = NULL;
  rp_client *c = NULL;
  int rc;
  if (rp_config_new(&cfg) != 0) return NULL;
  snprintf(path, sizeof path, "%s/state-%s", f->dir, id);
  rp_config_set_state_dir(cfg, path);
  rp_config_set_relay(cfg, "127.0.0.1", f->port);
  sodium_bin2hex(hex, sizeof hex, f->relay->pub.transport_pk, 32);
  rp_config_set_relay_key(cfg, hex);
  snprintf(path, sizeof path, "%s/%s.key", f->dir, id);
  rp_config_set_identity_file(cfg, path);
  sodium_bin2hex(hex, sizeof hex, f->admin->pub.identity_pk, 32);
  rp_config_set_admin_key(cfg, hex);
  rp_config_set_roster_file(cfg, f->roster_path);
  rp_config_set_backoff(cfg, 50, 400);
  rp_config_set_attachment_max(cfg, att_max);
  if ((rc = rp_client_new(cfg, &c)) != 0)
    fprintf(stderr, "rp_client_new: %s (%s)\n", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  return c;
}

static rp_msg *request(int i) {
  rp_msg *m = NULL;
  char ref[32];
  snprintf(ref, sizeof ref, "bench-%d", i);
  if (rp_msg_new("request", &m) != 0) return NULL;
  if (rp_msg_set_text(m, "sender_org", "") || rp_msg_set_enum(m, "sender_role", "leder") ||
      rp_msg_set_text(m, "sender_ref", ref) ||
      rp_msg_set_enum(m, "request_type", "anonym_sparring") ||
      rp_msg_set_enum(m, "urgency", "haster") ||
      rp_msg_add_to_set(m, "categories", "trusler") ||
      rp_msg_set_enum(m, "risk.level", "hoej") || rp_msg_set_bool(m, "risk.acute", 0) ||
      rp_msg_set_enum(m, "risk.tool", "ingen") ||
      rp_msg_set_enum(m, "citizen.age_band", "18_22") ||
      rp_msg_set_enum(m, "identifiability.mode", "anonym") ||
      rp_msg_set_enum(m, "identifiability.consent", "ingen") ||
      rp_msg_set_text(m, "question", "Bilag til benchmark")) {
    rp_msg_free(m);
    return NULL;
  }
  return m;
}

/* The sender: every message, then wait for the relay; writes its RSS to fd. */
static void sender(tp_relay *f, int fd, int msgs, int atts, uint64_t att_bytes) {
  rp_client *c = client(f, "k101", att_bytes);
  uint64_t t0 = tp_now_ms();
  long rss;
  if (c == NULL) _exit(4);
  for (int i = 0; i < msgs; i++) {
    rp_msg *m = request(i);
    stream s[16];
    char name[32];
    int rc;
    if (m == NULL) _exit(5);
    for (int a = 0; a < atts; a++) {
      s[a] = (stream){.left = att_bytes, .seed = (uint32_t)(i * 16 + a)};
      snprintf(name, sizeof name, "bilag-%d-%d.bin", i, a);
      if (rp_msg_attach_stream(m, stream_read, &s[a], name, "application/octet-stream",
                               "andet") != 0)
        _exit(6);
    }
    if ((rc = rp_send(c, m, NULL)) != 0) {
      fprintf(stderr, "rp_send: %s at %s\n", rp_strerror(rc), rp_msg_error_field(m));
      _exit(7);
    }
    rp_msg_free(m);
  }
  uint64_t t1 = tp_now_ms();
  if (rp_client_flush(c, 1800000) != 0) _exit(8);
  uint64_t t2 = tp_now_ms();
  rss = maxrss_kib();
  fprintf(stderr, "sender: rp_send of all %d messages %.1f s, relayed after %.1f s\n", msgs,
          (double)(t1 - t0) / 1000, (double)(t2 - t0) / 1000);
  if (write(fd, &rss, sizeof rss) != (ssize_t)sizeof rss) _exit(3);
  rp_client_free(c);
  _exit(0);
}

typedef struct sink {
  crypto_hash_sha256_state h;
  uint64_t n;
} sink;

static int sink_write(void *ctx, const uint8_t *buf, size_t len) {
  sink *s = ctx;
  crypto_hash_sha256_update(&s->h, buf, len);
  s->n += len;
  return 0;
}

int main(int argc, char **argv) {
  int msgs = 8, atts = 2, opt, p[2], st = 0, bad = 0;
  uint64_t att_mib = 64;
  tp_relay f;
  pid_t pid;
  long sender_rss = 0;
  while ((opt = getopt(argc, argv, "m:a:")) != -1) {
    if (opt == 'm')
      msgs = atoi(optarg);
    else if (opt == 'a')
      att_mib = (uint64_t)strtoull(optarg, NULL, 10);
    else
      return 2;
  }
  uint64_t att_bytes = att_mib * 1024 * 1024;
  if (sodium_init() < 0 || msgs < 1 || att_mib < 1 || att_mib > 100) return 2;
  /* The whole gigabyte may wait at the relay before the recipient has fetched it. */
  if (tp_relay_init(&f, "bench-attach", ids, 2,
                    "spool_recipient_bytes = 4G\nspool_sender_share = 100\n") != 0 ||
      write_keys(&f) != 0 || tp_relay_start(&f) != 0) {
    fprintf(stderr, "relay did not start (RP_BUILD_DIR?)\n");
    return 1;
  }
  if (pipe(p) != 0) return 1;
  fflush(NULL);
  if ((pid = fork()) == 0) { /* before any client thread exists in this process */
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sender(&f, p[1], msgs, atts, att_bytes);
  }
  close(p[1]);
  uint64_t t0 = tp_now_ms();
  rp_client *team = client(&f, "team", att_bytes);
  if (team == NULL) return 1;
  for (int i = 0; i < msgs; i++) {
    rp_received *r = NULL;
    uint64_t end = tp_now_ms() + 1800000;
    while (rp_inbox_next(team, &r) != 0 && tp_now_ms() < end)
      usleep(20000);
    if (r == NULL) {
      fprintf(stderr, "message %d did not arrive\n", i);
      return 1;
    }
    for (size_t a = 0; a < rp_received_attachments(r); a++) {
      sink s;
      uint8_t got[32], want[32];
      const char *name = NULL;
      int mi = -1, ai = -1;
      crypto_hash_sha256_init(&s.h);
      s.n = 0;
      if (rp_received_attachment(r, a, &name, NULL, NULL, NULL) != 0 ||
          sscanf(name, "bilag-%d-%d.bin", &mi, &ai) != 2 ||
          rp_received_attachment_read(team, r, a, sink_write, &s) != 0) {
        bad++;
        continue;
      }
      crypto_hash_sha256_final(&s.h, got);
      /* The sender's bytes again, hashed here a chunk at a time. */
      stream src = {.left = att_bytes, .seed = (uint32_t)(mi * 16 + ai)};
      static uint8_t buf[256 * 1024];
      long long k;
      crypto_hash_sha256_init(&s.h);
      while ((k = stream_read(&src, buf, sizeof buf)) > 0)
        crypto_hash_sha256_update(&s.h, buf, (size_t)k);
      crypto_hash_sha256_final(&s.h, want);
      if (s.n != att_bytes || memcmp(got, want, 32) != 0) bad++;
    }
    rp_inbox_mark_handled(team, rp_received_msg_id(r));
    rp_received_free(r);
  }
  uint64_t t1 = tp_now_ms();
  long team_rss = maxrss_kib();
  if (read(p[0], &sender_rss, sizeof sender_rss) != (ssize_t)sizeof sender_rss)
    sender_rss = -1;
  waitpid(pid, &st, 0);
  rp_client_free(team);
  tp_relay_free(&f);
  printf("attachments: %d messages x %d x %llu MiB = %llu MiB; all received and verified "
         "after %.1f s; mismatches %d\n",
         msgs, atts, (unsigned long long)att_mib,
         (unsigned long long)(att_mib * (uint64_t)msgs * (uint64_t)atts),
         (double)(t1 - t0) / 1000, bad);
  printf("RSS high-water mark: sender %ld KiB, recipient %ld KiB\n", sender_rss, team_rss);
  return bad != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}
