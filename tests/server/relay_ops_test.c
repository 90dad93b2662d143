/* SPDX-License-Identifier: MIT */
/*
 * What an operator relies on, against the real relay process: listening on IPv6 as
 * well as IPv4; a recipient that never reads does not make the relay buffer without
 * bound (backpressure); a disk that fails makes the relay refuse envelopes and say why,
 * while everything already acked stays and is delivered (also after a restart); the
 * counters on SIGUSR1; and a bad setting on the command line is named.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "envelope_hdr.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101", "k102"};

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* ---- small helpers ---- */

static void receive(tp_peer *p, uint64_t window) {
  assert_int_equal(tp_receive(p, window), 0);
}

static void deliver_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]) {
  assert_int_equal(tp_deliver_msg_id(m, id), 0);
}

static void delivered(tp_peer *p, const rp__tmsg *d) {
  assert_int_equal(tp_delivered(p, d), 0);
}

/* The value of counter `name` from the newest SIGUSR1 dump in the log. */
static uint64_t counter(tp_relay *f, const char *name) {
  uint64_t v = 0;
  assert_int_equal(tp_relay_counter(f, name, &v), 0);
  return v;
}

/* Peak resident set of a process, in KiB (VmHWM). */
static unsigned long peak_rss_kib(pid_t pid) {
  char path[64], line[256];
  unsigned long kib = 0;
  FILE *fp;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  if ((fp = fopen(path, "r")) == NULL) return 0;
  while (fgets(line, sizeof line, fp) != NULL)
    if (sscanf(line, "VmHWM: %lu kB", &kib) == 1) break;
  fclose(fp);
  return kib;
}

/* ---- IPv6 ---- */

static int have_ipv6_loopback(void) {
  struct sockaddr_in6 sa;
  int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;
  if (fd < 0) return 0;
  memset(&sa, 0, sizeof sa);
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

/* Rewrite the fixture's config so that it listens on 127.0.0.1 and [::1]. */
static void listen_both(tp_relay *f) {
  char old[64], both[160], *text, *at, *out;
  size_t len = 0;
  FILE *fp;
  snprintf(old, sizeof old, "listen = 127.0.0.1:%u\n", (unsigned)f->port);
  snprintf(both, sizeof both, "listen = 127.0.0.1:%u [::1]:%u\n", (unsigned)f->port,
           (unsigned)f->port);
  text = tu_read_file(f->conf, &len);
  assert_non_null(text);
  assert_non_null(at = strstr(text, old));
  out = malloc(len + sizeof both);
  snprintf(out, len + sizeof both, "%.*s%s%s", (int)(at - text), text, both,
           at + strlen(old));
  assert_non_null(fp = fopen(f->conf, "w"));
  fputs(out, fp);
  fclose(fp);
  free(out);
  free(text);
}

static void test_ipv6(void **state) {
  tp_relay f;
  tp_peer a, t;
  uint8_t id[RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  if (!have_ipv6_loopback()) {
    print_message("no IPv6 loopback (::1) on this machine: IPv6 not tested\n");
    skip();
  }
  assert_int_equal(tp_relay_init(&f, "relay-ipv6", ids, 3, NULL), 0);
  listen_both(&f);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_wait_log(&f, "listening addr=[::1]:", 5000, 1), 0);
  /* A sender over IPv6, the recipient over IPv4: one relay, one spool. */
  assert_int_equal(tp_connect_at(&a, "::1", f.port, tp_member(&f, "k101"),
                                 f.relay->pub.transport_pk, 5000),
                   0);
  assert_int_equal(tp_relay_wait_log(&f, "peer=[::1]:", 5000, 1), 0);
  assert_int_equal(tp_send_envelope(&a, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&a, RP__T_ACK, &m, 5000, NULL), 0);
  assert_memory_equal(m.u.ack.msg_id, id, RP_MSG_ID_BYTES);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 8);
  assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 5000, NULL), 0);
  deliver_id(&m, got);
  assert_memory_equal(got, id, RP_MSG_ID_BYTES);
  tp_close(&a);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* ---- backpressure ---- */

/* A recipient asks for a large window and then reads nothing while 20 MB are sent to
 * it. The relay keeps acking the sender, keeps what does not fit in the socket in the
 * spool, and its write queues stay under the per-connection cap. Then the recipient
 * reads, and gets every envelope in order. */
static void test_slow_reader(void **state) {
  enum { N = 320, CLS = 6 }; /* 320 x 64 KiB */
  tp_relay f;
  tp_peer a, t;
  uint8_t(*id)[RP_MSG_ID_BYTES] = calloc(N, RP_MSG_ID_BYTES), got[RP_MSG_ID_BYTES];
  uint64_t peak, queued;
  unsigned long rss;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-slow", ids, 3, "window = 1024\n"), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 1024);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  for (int i = 0; i < N; i++) {
    assert_int_equal(tp_send_envelope(&a, "team", CLS, id[i]), 0);
    assert_int_equal(tp_recv_type(&a, RP__T_ACK, &m, 10000, NULL), 0);
    assert_memory_equal(m.u.ack.msg_id, id[i], RP_MSG_ID_BYTES);
  }
  peak = counter(&f, "write_queue.peak");
  queued = counter(&f, "write_queue.bytes");
  rss = peak_rss_kib(f.pid);
  print_message("sent %d x 64 KiB to a reader that reads nothing: write queue peak %llu "
                "bytes, now %llu; relay peak RSS %lu KiB\n",
                N, (unsigned long long)peak, (unsigned long long)queued, rss);
  /* 256 KiB high-water mark plus at most one message past it per connection. */
  assert_true(peak <= 256u * 1024u + 2u * RP_MSG_MAX);
  assert_true(queued <= peak);
#ifndef UNDER_ASAN
  /* 20 MB went through; the relay held only a few of them at a time. */
  assert_true(rss > 0 && rss < 64u * 1024u);
#endif
  /* Now the recipient reads: everything arrives, in order. */
  for (int i = 0; i < N; i++) {
    assert_int_equal(tp_recv_type(&t, RP__T_DELIVER, &m, 10000, NULL), 0);
    deliver_id(&m, got);
    assert_memory_equal(got, id[i], RP_MSG_ID_BYTES);
    delivered(&t, &m);
  }
  tp_close(&t);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
  free(id);
}

/* ---- a failing disk ---- */

/* The relay runs with a file size limit (RLIMIT_FSIZE, inherited through exec; SIGXFSZ
 * ignored, which exec keeps), so that once its spool files reach 2 MiB every write
 * fails inside SQLite as on a full or broken disk. The recipient is connected and
 * receiving throughout, so envelopes are forwarded before their commit. */
static void test_disk_failure(void **state) {
  enum { MAXN = 80 };
  tp_relay f;
  tp_peer a, t;
  uint8_t id[MAXN][RP_MSG_ID_BYTES], got[RP_MSG_ID_BYTES];
  int acked[MAXN] = {0}, nacked = 0, n = 0, seen = 0, rc;
  uint64_t code = 0;
  struct rlimit old, lim;
  char needle[80], hex[2 * RP_MSG_ID_BYTES + 1];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-disk", ids, 3, NULL), 0);
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 2u << 20;
  signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  rc = tp_relay_start(&f);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  assert_int_equal(rc, 0);

  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 1024);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  for (n = 0; n < MAXN; n++) {
    assert_int_equal(tp_send_envelope(&a, "team", 6, id[n]), 0);
    assert_int_equal(tp_recv(&a, &m, 10000), 0);
    if (m.type == RP__T_NACK) {
      code = m.u.nack.code;
      break;
    }
    assert_int_equal(m.type, RP__T_ACK);
    acked[n] = 1;
    nacked++;
  }
  assert_true(n < MAXN);
  assert_true(code == (uint64_t)-RP_EFSYNC || code == (uint64_t)-RP_EIO);
  /* It says why, and refuses every envelope from now on, even small ones. */
  assert_int_equal(tp_relay_wait_log(&f, "spool_failed code=", 5000, 1), 0);
  assert_int_equal(tp_relay_wait_log(&f, "why=", 100, 0), 0);
  assert_int_equal(tp_send_envelope(&a, "team", 0, got), 0);
  assert_int_equal(tp_recv_type(&a, RP__T_NACK, &m, 5000, NULL), 0);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EFSYNC);
  assert_true(tp_relay_alive(&f));

  /* The recipient got every acked envelope (and maybe the failed one, forwarded
   * before its commit: delivery is at least once). Its DELIVEREDs cannot delete any
   * more, and the relay never counts the failed envelope as delivered. */
  for (;;) {
    rc = tp_recv_type(&t, RP__T_DELIVER, &m, 1000, NULL);
    if (rc == RP_ETIMEDOUT) break;
    assert_int_equal(rc, 0);
    deliver_id(&m, got);
    delivered(&t, &m);
    for (int i = 0; i < n; i++)
      if (acked[i] && memcmp(got, id[i], RP_MSG_ID_BYTES) == 0) seen++;
  }
  assert_int_equal(seen, nacked);
  snprintf(needle, sizeof needle, "delivered msg_id=%s",
           sodium_bin2hex(hex, sizeof hex, id[n], RP_MSG_ID_BYTES));
  assert_int_equal(tp_relay_log_count(&f, needle), 0);
  tp_close(&t);
  tp_close(&a);
  /* A relay whose spool failed exits 1 when stopped. */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 1);

  /* After a restart on a good disk every acked envelope is still there. */
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  receive(&t, 1024);
  seen = 0;
  for (;;) {
    rc = tp_recv_type(&t, RP__T_DELIVER, &m, 1000, NULL);
    if (rc == RP_ETIMEDOUT) break;
    assert_int_equal(rc, 0);
    deliver_id(&m, got);
    delivered(&t, &m);
    for (int i = 0; i < n; i++)
      if (acked[i] && memcmp(got, id[i], RP_MSG_ID_BYTES) == 0) acked[i] = 2, seen++;
  }
  print_message("%d acked before the disk failed; %d delivered after the restart\n", nacked,
                seen);
  assert_int_equal(seen, nacked);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* ---- counters and settings ---- */

static void test_counters(void **state) {
  tp_relay f;
  tp_peer a;
  uint8_t id[RP_MSG_ID_BYTES];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-counters", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(counter(&f, "envelopes.spooled"), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_send_envelope(&a, "team", 0, id), 0);
  assert_int_equal(tp_recv_type(&a, RP__T_ACK, &m, 5000, NULL), 0);
  assert_int_equal(tp_send_envelope(&a, "nobody", 0, id), 0);
  assert_int_equal(tp_recv_type(&a, RP__T_NACK, &m, 5000, NULL), 0);
  assert_int_equal(counter(&f, "envelopes.spooled"), 1);
  assert_int_equal(counter(&f, "connections.current"), 1);
  assert_int_equal(counter(&f, "rejected.eunknownmember"), 1);
  assert_true(counter(&f, "spool.bytes") > 1024);
  tp_close(&a);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* Run the relay binary with argv; its exit status, and its stderr in err. */
static int run_relayd(char *const argv[], char *err, size_t errlen) {
  const char *bdir = getenv("RP_BUILD_DIR");
  char exe[1024];
  int pfd[2], st = 0;
  ssize_t n;
  size_t got = 0;
  pid_t pid;

  snprintf(exe, sizeof exe, "%s/server/rejsepost-relayd", bdir != NULL ? bdir : ".");
  assert_int_equal(pipe(pfd), 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    dup2(pfd[1], 2);
    dup2(pfd[1], 1);
    close(pfd[0]);
    execv(exe, argv);
    _exit(127);
  }
  close(pfd[1]);
  while (got + 1 < errlen && (n = read(pfd[0], err + got, errlen - 1 - got)) > 0)
    got += (size_t)n;
  err[got] = '\0';
  /* Read the rest too, so that a long text (the help) never meets a closed pipe. */
  {
    char drain[4096];
    while (read(pfd[0], drain, sizeof drain) > 0) {
    }
  }
  close(pfd[0]);
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_bad_setting_named(void **state) {
  tp_relay f;
  char out[4096], conf[700];
  FILE *fp;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-badcfg", ids, 3, "window = 0\n"), 0);
  char *argv1[] = {"rejsepost-relayd", "--config", f.conf, NULL};
  assert_int_equal(run_relayd(argv1, out, sizeof out), 2);
  assert_non_null(strstr(out, "limits.window"));
  assert_non_null(strstr(out, "relay.ini:"));
  char *argv2[] = {"rejsepost-relayd", "--listen", "999.1.1.1:1", NULL};
  assert_int_equal(run_relayd(argv2, out, sizeof out), 2);
  assert_non_null(strstr(out, "relay.listen"));
  /* A setting the relay does not know is an error, not ignored. */
  snprintf(conf, sizeof conf, "%s/other.ini", f.dir);
  assert_non_null(fp = fopen(conf, "w"));
  fputs("[limits]\nwindw = 4\n", fp);
  fclose(fp);
  char *argv3[] = {"rejsepost-relayd", "--config", conf, NULL};
  assert_int_equal(run_relayd(argv3, out, sizeof out), 2);
  assert_non_null(strstr(out, "windw"));
  char *argv4[] = {"rejsepost-relayd", "--help", NULL};
  assert_int_equal(run_relayd(argv4, out, sizeof out), 0);
  assert_non_null(strstr(out, "--listen"));
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_slow_reader),
      cmocka_unit_test(test_disk_failure),
      cmocka_unit_test(test_counters),
      cmocka_unit_test(test_bad_setting_named),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
