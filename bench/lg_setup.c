/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost-loadgen setup`: the relay benchmark's keys, roster and config (lg_setup.h),
 * and the loader the relay driver uses.
 *
 *   rejsepost-loadgen setup --dir DIR --port PORT [--senders N] [--idle K] [--window W]
 *
 * The relay's limits are raised so that the benchmark measures the relay's speed, not
 * its protective caps: a wide send window, room for K idle connections spread over
 * enough members to stay under the per-member cap, and deadlines longer than any run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "keyfile.h"
#include "lg_setup.h"
#include "rejsepost_errors.h"
#include "roster.h"

#define FILE_MAX 8192u

static int say(const char *what, int r) {
  fprintf(stderr, "setup: %s: %s\n", what, rp_strerror(r));
  return -1;
}

static int path_in(char *out, size_t cap, const char *dir, const char *name) {
  if ((size_t)snprintf(out, cap, "%s/%s", dir, name) < cap) return 0;
  fprintf(stderr, "setup: path too long: %s/%s\n", dir, name);
  return -1;
}

static int make_dir(const char *path) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "setup: mkdir %s: %s\n", path, strerror(errno));
  return -1;
}

/* Generates member `id`, adds it to the roster, and writes its plain key file to
 * `keypath`. *out (may be NULL) gets the identity; else it is freed. */
static int add_member(rp__roster *ros, const char *id, int kind, const char *keypath,
                      rp__identity **out) {
  rp__identity *ident = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  size_t len = 0;
  rp__member m;
  int r = rp__identity_generate(id, &ident);
  if (r != 0) return say(id, r);
  memset(&m, 0, sizeof m);
  m.pub = ident->pub;
  m.kind = kind;
  snprintf(m.name, sizeof m.name, "benchmark %s", id);
  if (kind == RP_MEMBER_MUNICIPALITY) memcpy(m.municipality, "101", 4);
  m.networks =
      kind == RP_MEMBER_MUNICIPALITY || kind == RP_MEMBER_TEAM ? RP_NETWORK_EAST : 0;
  if ((r = rp__roster_add(ros, &m)) != 0) goto out;
  if (keypath != NULL) {
    if ((r = rp__keyfile_encode_plain(ident, buf, sizeof buf, &len)) != 0) goto out;
    r = rp__keyfile_write(keypath, buf, len, 1);
    sodium_memzero(buf, sizeof buf);
  }
out:
  if (r != 0) {
    rp__identity_free(ident);
    return say(id, r);
  }
  if (out != NULL)
    *out = ident;
  else
    rp__identity_free(ident);
  return 0;
}

static int member_key(const char *dir, const char *id, char *out, size_t cap) {
  char name[RP_MEMBER_ID_MAX + 16];
  snprintf(name, sizeof name, "keys/%s.key", id);
  return path_in(out, cap, dir, name);
}

/* Writes a file that is not a key (roster, config): key files have their own writer,
 * which refuses anything larger than a key file. */
static int write_file(const char *path, const void *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ssize_t n = fd >= 0 ? write(fd, buf, len) : -1;
  if (fd < 0 || n != (ssize_t)len || close(fd) != 0) {
    fprintf(stderr, "setup: writing %s failed: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int write_text(const char *dir, const char *name, const char *text) {
  char path[PATH_MAX];
  if (path_in(path, sizeof path, dir, name) != 0) return -1;
  return write_file(path, text, strlen(text));
}

static int write_config(const char *dir, int port, unsigned idle, unsigned window,
                        const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES]) {
  char hex[2 * RP_IDENTITY_PUBLICKEYBYTES + 2], ini[FILE_MAX];
  sodium_bin2hex(hex, sizeof hex - 1, admin_pk, RP_IDENTITY_PUBLICKEYBYTES);
  if (write_text(dir, "admin.hex", hex) != 0) return -1;
  /* Spool and connection limits well above what a run uses; deadlines far beyond its
   * length, so that no PING or idle close lands in a measurement. The idle test opens
   * all its connections from one address, faster than the admission budgets allow by
   * default, so those are raised too when there is one; without it they stay as
   * shipped (bench/flood.sh measures the shipped admission). */
  char admission[160] = "";
  if (idle > 0)
    snprintf(
        admission, sizeof admission,
        "max_pending = %u\nmax_pending_per_address = %u\nmax_proving_per_member = 256\n",
        idle + 1024u, idle + 1024u);
  int n = snprintf(ini, sizeof ini,
                   "# Written by rejsepost-loadgen setup for one benchmark run.\n"
                   "[relay]\nlisten = 127.0.0.1:%d\nstate_dir = %s/state\n"
                   "key_file = %s/relay.key\nroster_file = %s/roster.msgpack\n"
                   "admin_key_file = %s/admin.hex\n"
                   "[limits]\nwindow = %u\nmax_connections = %u\n"
                   "max_connections_per_member = 256\n%sspool_recipient_bytes = 16G\n"
                   "spool_total_bytes = 16G\nhandshake_timeout = 60s\nidle_timeout = 1h\n"
                   "ping_interval = 30m\n[log]\nlevel = warn\n",
                   port, dir, dir, dir, dir, window, idle + 1024u, admission);
  if (n < 0 || (size_t)n >= sizeof ini) {
    fprintf(stderr, "setup: config too long\n");
    return -1;
  }
  return write_text(dir, "relay.ini", ini);
}

static int setup(const char *dir_arg, int port, unsigned senders, unsigned idle,
                 unsigned window) {
  char dir[PATH_MAX], path[PATH_MAX], id[RP_MEMBER_ID_MAX + 1];
  rp__identity *admin = NULL;
  rp__roster *ros = NULL;
  const uint8_t *doc;
  size_t doc_len;
  int r = -1, e;
  unsigned idle_members = (idle + LG_IDLE_PER_MEMBER - 1) / LG_IDLE_PER_MEMBER;
  if (make_dir(dir_arg) != 0) return -1;
  if (realpath(dir_arg, dir) == NULL) {
    fprintf(stderr, "setup: %s: %s\n", dir_arg, strerror(errno));
    return -1;
  }
  if (path_in(path, sizeof path, dir, "keys") != 0 || make_dir(path) != 0) return -1;
  if (path_in(path, sizeof path, dir, "state") != 0 || make_dir(path) != 0) return -1;
  if ((e = rp__roster_create(1, rp__clock_wall_ms(), &ros)) != 0) return say("roster", e);
  if (add_member(ros, "bench-admin", RP_MEMBER_ADMIN, NULL, &admin) != 0) goto out;
  if (path_in(path, sizeof path, dir, "relay.key") != 0 ||
      add_member(ros, "bench-relay", RP_MEMBER_RELAY, path, NULL) != 0)
    goto out;
  if (member_key(dir, LG_TEAM_ID, path, sizeof path) != 0 ||
      add_member(ros, LG_TEAM_ID, RP_MEMBER_TEAM, path, NULL) != 0)
    goto out;
  for (unsigned i = 0; i < senders + idle_members; i++) {
    snprintf(id, sizeof id, i < senders ? LG_SENDER_FMT : LG_IDLE_FMT,
             i < senders ? i : i - senders);
    if (member_key(dir, id, path, sizeof path) != 0 ||
        add_member(ros, id, RP_MEMBER_MUNICIPALITY, path, NULL) != 0)
      goto out;
  }
  if ((e = rp__roster_sign(ros, admin)) != 0 ||
      (e = rp__roster_document(ros, &doc, &doc_len)) != 0) {
    say("signing the roster", e);
    goto out;
  }
  if (path_in(path, sizeof path, dir, "roster.msgpack") != 0) goto out;
  if (write_file(path, doc, doc_len) != 0) goto out;
  if (write_config(dir, port, idle, window, admin->pub.identity_pk) != 0) goto out;
  printf("setup: %s: %u senders, 1 team, %u idle members, roster of %u members\n", dir,
         senders, idle_members, rp__roster_count(ros));
  r = 0;
out:
  rp__identity_free(admin);
  rp__roster_free(ros);
  return r;
}

int lg_setup_main(int argc, char **argv) {
  static const struct option opts[] = {
      {"dir", required_argument, NULL, 'd'},     {"port", required_argument, NULL, 'p'},
      {"senders", required_argument, NULL, 's'}, {"idle", required_argument, NULL, 'i'},
      {"window", required_argument, NULL, 'w'},  {NULL, 0, NULL, 0}};
  const char *dir = NULL;
  unsigned long port = 0, senders = 4, idle = 10000, window = 1024;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    char *end = NULL;
    unsigned long v = c == 'd' ? 0 : strtoul(optarg, &end, 10);
    if (c != 'd' && (end == optarg || *end != '\0')) c = '?';
    switch (c) {
    case 'd':
      dir = optarg;
      break;
    case 'p':
      port = v;
      break;
    case 's':
      senders = v;
      break;
    case 'i':
      idle = v;
      break;
    case 'w':
      window = v;
      break;
    default:
      fprintf(stderr, "usage: rejsepost-loadgen setup --dir DIR --port PORT [--senders N]"
                      " [--idle K] [--window W]\n");
      return 2;
    }
  }
  if (dir == NULL || port == 0 || port > 65535 || senders == 0 || senders > 64 ||
      idle > LG_IDLE_PER_MEMBER * LG_IDLE_MEMBERS_MAX || window == 0 || window > 4096) {
    fprintf(stderr,
            "setup: need --dir and --port; senders 1..64, idle up to %u, window "
            "1..4096\n",
            LG_IDLE_PER_MEMBER * LG_IDLE_MEMBERS_MAX);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  return setup(dir, (int)port, (unsigned)senders, (unsigned)idle, (unsigned)window) == 0
             ? 0
             : 1;
}

/* ---- loading, for the relay driver ---------------------------------------------- */

static int load_key(const char *dir, const char *id, rp__identity **out) {
  char path[PATH_MAX];
  if (member_key(dir, id, path, sizeof path) != 0) return -1;
  int r = rp__keyfile_load(path, NULL, 0, out);
  return r == 0 ? 0 : say(path, r);
}

int lg_bench_load(const char *dir, unsigned senders, int idle, lg_bench *b) {
  char path[PATH_MAX], hex[2 * RP_IDENTITY_PUBLICKEYBYTES + 2], id[RP_MEMBER_ID_MAX + 1];
  uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES], *doc = NULL;
  rp__roster *ros = NULL;
  size_t len = 0;
  int r = -1, e;
  memset(b, 0, sizeof *b);
  if (dir == NULL) {
    fprintf(stderr, "relay: --dir (from setup) is required\n");
    return -1;
  }
  if (sodium_init() < 0) return -1;
  /* The administrator's key is the trust anchor, pinned as a client pins it. */
  if (path_in(path, sizeof path, dir, "admin.hex") != 0) return -1;
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(hex, 1, sizeof hex - 1, f) : 0;
  if (f) fclose(f);
  hex[n] = '\0';
  if (sodium_hex2bin(admin_pk, sizeof admin_pk, hex, n, "\n", &len, NULL) != 0 ||
      len != sizeof admin_pk) {
    fprintf(stderr, "relay: %s: not an administrator key\n", path);
    return -1;
  }
  if (path_in(path, sizeof path, dir, "roster.msgpack") != 0) return -1;
  doc = malloc(RP_ROSTER_MAX);
  f = fopen(path, "rb");
  len = f && doc ? fread(doc, 1, RP_ROSTER_MAX, f) : 0;
  if (f) fclose(f);
  if ((e = rp__roster_verify(doc, len, admin_pk, &ros)) != 0) {
    say(path, e);
    goto out;
  }
  const rp__member *relay = NULL;
  for (uint32_t i = 0; i < rp__roster_count(ros); i++)
    if (rp__roster_member(ros, i)->kind == RP_MEMBER_RELAY)
      relay = rp__roster_member(ros, i);
  if (relay == NULL) {
    fprintf(stderr, "relay: the roster names no relay\n");
    goto out;
  }
  memcpy(b->relay_pk, relay->pub.transport_pk, sizeof b->relay_pk);
  if (idle) {
    while (b->n_idle < LG_IDLE_MEMBERS_MAX) {
      snprintf(id, sizeof id, LG_IDLE_FMT, b->n_idle);
      if (rp__roster_find_id(ros, id) == NULL) break;
      b->n_idle++;
    }
    b->idle = calloc(b->n_idle ? b->n_idle : 1, sizeof *b->idle);
    if (b->idle == NULL) goto out;
    for (unsigned i = 0; i < b->n_idle; i++) {
      snprintf(id, sizeof id, LG_IDLE_FMT, i);
      if (load_key(dir, id, &b->idle[i]) != 0) goto out;
    }
  } else {
    b->senders = calloc(senders, sizeof *b->senders);
    if (b->senders == NULL) goto out;
    b->n_senders = senders;
    for (unsigned i = 0; i < senders; i++) {
      snprintf(id, sizeof id, LG_SENDER_FMT, i);
      if (load_key(dir, id, &b->senders[i]) != 0) goto out;
    }
    if (load_key(dir, LG_TEAM_ID, &b->team) != 0) goto out;
  }
  r = 0;
out:
  free(doc);
  rp__roster_free(ros);
  if (r != 0) lg_bench_free(b);
  return r;
}

void lg_bench_free(lg_bench *b) {
  for (unsigned i = 0; b->senders != NULL && i < b->n_senders; i++)
    rp__identity_free(b->senders[i]);
  for (unsigned i = 0; b->idle != NULL && i < b->n_idle; i++)
    rp__identity_free(b->idle[i]);
  rp__identity_free(b->team);
  free(b->senders);
  free(b->idle);
  memset(b, 0, sizeof *b);
}
