/* SPDX-License-Identifier: MIT */
/*
 * Attachments through a local relay, two modes (RP_BUILD_DIR must name the build root;
 * default "."). Times and rates are printed, never asserted; MB is 10^6 bytes.
 *
 *   bench_attach -e [-a MIB]               one attachment end to end (default 100 MiB)
 *   bench_attach [-m MESSAGES] [-a MIB]    memory while 1 GiB passes (default 8 x 2 x 64)
 *
 * -e: the sender (a child process: a municipality's rp_client) attaches a real file on
 * disk (rp_msg_attach_file, pseudo-random bytes written before the clock starts) and
 * times rp_send (sealing into its outbox) and rp_client_flush (until the relay has
 * acknowledged every chunk and the envelope). The recipient (this process, the team's
 * rp_client) polls rp_inbox_next until the message is whole in its inbox, then saves the
 * attachment with rp_received_attachment_save, which is timed on its own; the saved file
 * is compared with the original by SHA-256. One monotonic clock serves both processes.
 * Beside it, in the same run and the same temporary folder: the disk's sequential
 * write of the same size in 256 KiB pieces with fdatasync after every piece (what the
 * relay's per-chunk durability would cost without group commit) and with one fdatasync
 * at the end, and ChaCha20-Poly1305 alone over the same size in 256 KiB pieces.
 *
 * Default mode: 8 messages of 2 attachments of 64 MiB, 1 GiB in all. The sender's
 * attachments are stream sources (pseudo-random bytes, never in memory as a whole); it
 * sends every message and waits until the relay has them all. The recipient reads every
 * attachment through rp_received_attachment_read into a SHA-256 compared with the
 * sender's bytes.
 *
 * Both modes print the peak RSS of each process: getrusage's ru_maxrss for the sender
 * and the recipient, VmHWM from /proc/<pid>/status for the relay (read before it stops).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cl_fixture.h"
#include "clock.h"
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

/* The relay's peak RSS (VmHWM) in KiB, or -1. */
static long relay_hwm_kib(const tp_relay *f) {
  char path[64], line[256];
  long kib = -1;
  FILE *fp;
  snprintf(path, sizeof path, "/proc/%d/status", (int)f->pid);
  if ((fp = fopen(path, "r")) == NULL) return -1;
  while (fgets(line, sizeof line, fp) != NULL)
    if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  fclose(fp);
  return kib;
}

/* CLOCK_MONOTONIC in seconds: one clock for every process of the run. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system, every thread) of this process. */
static double cpu_self_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the relay so far (utime + stime from /proc/<pid>/stat), or -1. */
static double cpu_relay_s(const tp_relay *f) {
  char path[64], buf[1024], *p;
  unsigned long long ut = 0, st = 0;
  FILE *fp;
  size_t n;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)f->pid);
  if ((fp = fopen(path, "r")) == NULL) return -1;
  n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  buf[n] = '\0';
  /* Fields 14 and 15, counted after the command name's closing parenthesis. */
  if ((p = strrchr(buf, ')')) == NULL ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double mbps(uint64_t bytes, double seconds) {
  return seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
}

/* The sealed bytes the relay has acknowledged so far (the sender's progress callback, on
 * its loop thread): how far the upload had come when rp_send returned shows how much of
 * it overlapped the sealing. */
static uint64_t up_acked;

static void on_progress(void *data, rp_client *c, const char *msg_id, int direction,
                        uint64_t done, uint64_t total) {
  (void)data;
  (void)c;
  (void)msg_id;
  (void)total;
  if (direction == RP_PROGRESS_SEND) __atomic_store_n(&up_acked, done, __ATOMIC_SEQ_CST);
}

/* The tests' client configuration (tests/client/cl_fixture.h) with the bench's caps. */
static rp_client *client(tp_relay *f, const char *id, uint64_t att_max) {
  rp_config *cfg = cl_config(f, id, NULL, NULL);
  rp_client *c = NULL;
  int rc;
  if (cfg == NULL) return NULL;
  rp_config_set_attachment_max(cfg, att_max);
  rp_config_set_progress(cfg, on_progress, NULL);
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
  uint64_t t0 = rp__clock_mono_ms();
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
  uint64_t t1 = rp__clock_mono_ms();
  if (rp_client_flush(c, 1800000) != 0) _exit(8);
  uint64_t t2 = rp__clock_mono_ms();
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

/* ---- -e: one attachment from a file, end to end, beside the disk and the cipher ---- */

#define PIECE (256u * 1024)

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Writes `bytes` bytes of stream `seed` to a new file at path, in PIECE pieces, with
 * fdatasync after every piece (each) or once at the end; the file stays. Seconds from
 * open to the last sync, or -1. The bytes' SHA-256 into sha when not NULL. */
static double write_file(const char *path, uint64_t bytes, uint32_t seed, int each,
                         uint8_t sha[32]) {
  static uint8_t buf[PIECE];
  crypto_hash_sha256_state h;
  stream src = {.left = bytes, .seed = seed};
  double t0 = 0, spent = 0;
  long long k;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), bad = fd < 0;
  crypto_hash_sha256_init(&h);
  /* The bytes are made outside the clock: the disk is timed, not the generator. */
  while (!bad && (k = stream_read(&src, buf, sizeof buf)) > 0) {
    crypto_hash_sha256_update(&h, buf, (size_t)k);
    t0 = now_s();
    bad = write_all(fd, buf, (size_t)k) != 0 || (each && fdatasync(fd) != 0);
    spent += now_s() - t0;
  }
  t0 = now_s();
  if (!bad && fdatasync(fd) != 0) bad = 1;
  spent += now_s() - t0;
  if (fd >= 0) close(fd);
  if (sha != NULL) crypto_hash_sha256_final(&h, sha);
  return bad ? -1 : spent;
}

/* ChaCha20-Poly1305 (IETF) alone: seconds to seal `bytes` in PIECE pieces in place. */
static double aead_alone(uint64_t bytes) {
  static uint8_t buf[PIECE + crypto_aead_chacha20poly1305_ietf_ABYTES];
  uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES], aad[29] = {0};
  uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {0};
  unsigned long long clen;
  randombytes_buf(key, sizeof key);
  randombytes_buf(buf, sizeof buf);
  double t0 = now_s();
  for (uint64_t done = 0, g = 0; done < bytes; done += PIECE, g++) {
    memcpy(nonce + 4, &g, sizeof g);
    crypto_aead_chacha20poly1305_ietf_encrypt(buf, &clen, buf, PIECE, aad, sizeof aad, NULL,
                                              nonce, key);
  }
  return now_s() - t0;
}

/* What the sender tells the recipient's side: times on the shared clock, its RSS. */
typedef struct e2e_report {
  double start, sent, flushed, cpu_sent, cpu_flushed;
  uint64_t acked_sent, total; /* sealed bytes acknowledged when rp_send returned; all */
  long rss_kib;
} e2e_report;

static void e2e_sender(tp_relay *f, int fd, const char *path, uint64_t bytes) {
  rp_client *c = client(f, "k101", bytes);
  e2e_report rep;
  rp_msg *m = request(0);
  int rc;
  if (c == NULL || m == NULL) _exit(4);
  if (rp_msg_attach_file(m, path, "bilag.bin", "application/octet-stream", "andet") != 0)
    _exit(6);
  double cpu0 = cpu_self_s();
  rep.start = now_s();
  if ((rc = rp_send(c, m, NULL)) != 0) {
    fprintf(stderr, "rp_send: %s at %s\n", rp_strerror(rc), rp_msg_error_field(m));
    _exit(7);
  }
  rep.sent = now_s();
  rep.cpu_sent = cpu_self_s() - cpu0;
  rep.acked_sent = __atomic_load_n(&up_acked, __ATOMIC_SEQ_CST);
  if (rp_client_flush(c, 1800000) != 0) _exit(8);
  rep.flushed = now_s();
  rep.cpu_flushed = cpu_self_s() - cpu0;
  rep.total = __atomic_load_n(&up_acked, __ATOMIC_SEQ_CST);
  rep.rss_kib = maxrss_kib();
  rp_msg_free(m);
  if (write(fd, &rep, sizeof rep) != (ssize_t)sizeof rep) _exit(3);
  rp_client_free(c);
  _exit(0);
}

static int run_e2e(tp_relay *f, uint64_t bytes) {
  char src[700], saved[700], probe[700];
  uint8_t want[32], got[32];
  e2e_report rep;
  rp_received *r = NULL;
  double arrived, save_s, disk_each, disk_once, aead;
  long team_rss, relay_rss;
  pid_t pid;
  int p[2], st = 0, bad = 0;

  snprintf(src, sizeof src, "%s/bilag.bin", f->dir);
  snprintf(saved, sizeof saved, "%s/saved.bin", f->dir);
  /* Written and synced first, so that no writeback of it runs during the transfer. */
  if (write_file(src, bytes, 11, 0, want) < 0) {
    fprintf(stderr, "could not write %s\n", src);
    return 1;
  }
  if (pipe(p) != 0) return 1;
  fflush(NULL);
  if ((pid = fork()) == 0) { /* before any client thread exists in this process */
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    e2e_sender(f, p[1], src, bytes);
  }
  close(p[1]);
  double cpu_team0 = cpu_self_s(), cpu_relay0 = cpu_relay_s(f);
  rp_client *team = client(f, "team", bytes);
  if (team == NULL) return 1;
  for (double end = now_s() + 1800; rp_inbox_next(team, &r) != 0 && now_s() < end;)
    usleep(2000);
  arrived = now_s();
  double cpu_team = cpu_self_s() - cpu_team0, cpu_relay = cpu_relay_s(f) - cpu_relay0;
  if (r == NULL) {
    fprintf(stderr, "the message did not arrive\n");
    return 1;
  }
  if (read(p[0], &rep, sizeof rep) != (ssize_t)sizeof rep) {
    fprintf(stderr, "the sender did not report\n");
    return 1;
  }
  waitpid(pid, &st, 0);
  double t0 = now_s();
  if (rp_received_attachment_save(team, r, 0, saved) != 0) bad++;
  save_s = now_s() - t0;
  team_rss = maxrss_kib();
  relay_rss = relay_hwm_kib(f);
  rp_received_free(r);
  rp_client_free(team);

  /* The saved file against the original, outside every clock. */
  {
    static uint8_t buf[PIECE];
    crypto_hash_sha256_state h;
    ssize_t k;
    int fd = open(saved, O_RDONLY | O_CLOEXEC);
    crypto_hash_sha256_init(&h);
    while (fd >= 0 && (k = read(fd, buf, sizeof buf)) > 0)
      crypto_hash_sha256_update(&h, buf, (size_t)k);
    if (fd >= 0) close(fd);
    crypto_hash_sha256_final(&h, got);
    if (fd < 0 || memcmp(got, want, 32) != 0) bad++;
  }
  unlink(saved);
  unlink(src);

  /* The peers, in the same folder, right after. */
  snprintf(probe, sizeof probe, "%s/disk-probe", f->dir);
  disk_each = write_file(probe, bytes, 12, 1, NULL);
  unlink(probe);
  disk_once = write_file(probe, bytes, 13, 0, NULL);
  unlink(probe);
  aead = aead_alone(bytes);

  printf("attachment end to end: 1 file of %.1f MB (%llu MiB), saved copy %s\n",
         (double)bytes / 1e6, (unsigned long long)(bytes >> 20),
         bad ? "DIFFERS" : "identical (sha256)");
  printf("  sealing into the outbox (rp_send)          %6.2f s  %7.1f MB/s\n",
         rep.sent - rep.start, mbps(bytes, rep.sent - rep.start));
  printf("  sealing + upload (until rp_client_flush)   %6.2f s  %7.1f MB/s\n",
         rep.flushed - rep.start, mbps(bytes, rep.flushed - rep.start));
  printf("    uploaded when rp_send returned            %5.1f %%\n",
         rep.total > 0 ? 100.0 * (double)rep.acked_sent / (double)rep.total : 0.0);
  printf("  end to end (rp_send to rp_inbox_next)      %6.2f s  %7.1f MB/s\n",
         arrived - rep.start, mbps(bytes, arrived - rep.start));
  printf("    of which after the relay had it all      %6.2f s  %7.1f MB/s\n",
         arrived - rep.flushed, mbps(bytes, arrived - rep.flushed));
  printf("  save (rp_received_attachment_save)         %6.2f s  %7.1f MB/s\n", save_s,
         mbps(bytes, save_s));
  printf("peers, same run, same folder, same size in 256 KiB pieces:\n");
  printf("  disk write, fdatasync after every piece    %6.2f s  %7.1f MB/s\n", disk_each,
         mbps(bytes, disk_each));
  printf("  disk write, one fdatasync at the end       %6.2f s  %7.1f MB/s\n", disk_once,
         mbps(bytes, disk_once));
  printf("  ChaCha20-Poly1305 alone (libsodium %s)  %6.2f s  %7.1f MB/s\n",
         sodium_version_string(), aead, mbps(bytes, aead));
  printf("CPU until received (user + system, all threads): sender %.2f s (%.2f s in "
         "rp_send), relay %.2f s, recipient %.2f s\n",
         rep.cpu_flushed, rep.cpu_sent, cpu_relay, cpu_team);
  printf("peak RSS: sender %ld KiB, relay %ld KiB, recipient %ld KiB\n", rep.rss_kib,
         relay_rss, team_rss);
  return bad != 0 || disk_each < 0 || disk_once < 0 || !WIFEXITED(st) ||
         WEXITSTATUS(st) != 0;
}

/* ---- default: memory while 1 GiB passes ---- */

static int run_rss(tp_relay *f, int msgs, int atts, uint64_t att_mib) {
  int p[2], st = 0, bad = 0;
  uint64_t att_bytes = att_mib * 1024 * 1024;
  pid_t pid;
  long sender_rss = 0, relay_rss;
  if (pipe(p) != 0) return 1;
  fflush(NULL);
  if ((pid = fork()) == 0) { /* before any client thread exists in this process */
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sender(f, p[1], msgs, atts, att_bytes);
  }
  close(p[1]);
  uint64_t t0 = rp__clock_mono_ms();
  rp_client *team = client(f, "team", att_bytes);
  if (team == NULL) return 1;
  for (int i = 0; i < msgs; i++) {
    rp_received *r = NULL;
    uint64_t end = rp__clock_mono_ms() + 1800000;
    while (rp_inbox_next(team, &r) != 0 && rp__clock_mono_ms() < end)
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
  uint64_t t1 = rp__clock_mono_ms();
  long team_rss = maxrss_kib();
  relay_rss = relay_hwm_kib(f);
  if (read(p[0], &sender_rss, sizeof sender_rss) != (ssize_t)sizeof sender_rss)
    sender_rss = -1;
  waitpid(pid, &st, 0);
  rp_client_free(team);
  printf("attachments: %d messages x %d x %llu MiB = %llu MiB; all received and verified "
         "after %.1f s; mismatches %d\n",
         msgs, atts, (unsigned long long)att_mib,
         (unsigned long long)(att_mib * (uint64_t)msgs * (uint64_t)atts),
         (double)(t1 - t0) / 1000, bad);
  printf("peak RSS: sender %ld KiB, relay %ld KiB, recipient %ld KiB\n", sender_rss,
         relay_rss, team_rss);
  return bad != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

int main(int argc, char **argv) {
  int msgs = 8, atts = 2, opt, e2e = 0, rc;
  uint64_t att_mib = 0;
  tp_relay f;
  while ((opt = getopt(argc, argv, "em:a:")) != -1) {
    if (opt == 'e')
      e2e = 1;
    else if (opt == 'm')
      msgs = atoi(optarg);
    else if (opt == 'a')
      att_mib = (uint64_t)strtoull(optarg, NULL, 10);
    else
      return 2;
  }
  if (att_mib == 0) att_mib = e2e ? 100 : 64;
  if (sodium_init() < 0 || msgs < 1 || att_mib > 100) return 2;
  /* The whole gigabyte may wait at the relay before the recipient has fetched it. */
  if (tp_relay_init(&f, "bench-attach", ids, 2,
                    "spool_recipient_bytes = 4G\nspool_sender_share = 100\n") != 0 ||
      cl_write_keys(&f) != 0 || tp_relay_start(&f) != 0) {
    fprintf(stderr, "relay did not start (RP_BUILD_DIR?)\n");
    return 1;
  }
  rc = e2e ? run_e2e(&f, att_mib * 1024 * 1024) : run_rss(&f, msgs, atts, att_mib);
  tp_relay_free(&f);
  return rc;
}
