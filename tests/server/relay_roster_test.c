/* SPDX-License-Identifier: MIT */
/*
 * Who may talk to the relay: unknown keys are closed without an answer; a member revoked
 * in a roster installed with SIGHUP is disconnected, refused afterwards and no longer a
 * valid recipient; the relay serves and pushes the newest roster; SIGHUP also applies
 * safe settings. The highest roster version accepted is kept in the spool: a restart
 * with an older roster file (which would un-revoke a member) is refused.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "testutil.h"

static const char *const ids[] = {"team", "k101", "k102"};

static void roster_get(tp_peer *p, uint64_t have, rp__tmsg *out) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_ROSTER_GET;
  m.u.roster_get.have = have;
  assert_int_equal(tp_send(p, &m), 0);
  assert_int_equal(tp_recv_type(p, RP__T_ROSTER, out, 5000, NULL), 0);
}

static void test_unknown_key(void **state) {
  tp_relay f;
  rp__identity *stranger = NULL;
  uint8_t *msg1 = NULL;
  size_t msg1_len = 0, got = 1;
  tp_peer p;
  int fd;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-roster", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(rp__identity_generate("stranger", &stranger), 0);
  /* A complete, valid message 1 from a key the roster does not know: closed, and not a
   * single byte comes back (not even the handshake answer). */
  assert_int_not_equal(tp_connect_ex(&p, f.port, stranger, f.relay->pub.transport_pk, 3000,
                                     &msg1, &msg1_len),
                       0);
  fd = tp_tcp_connect(f.port);
  assert_true(fd >= 0);
  assert_int_equal(tp_write_all(fd, msg1, msg1_len), 0);
  assert_int_equal(tp_wait_closed(fd, 3000, &got), 0);
  assert_int_equal(got, 0);
  close(fd);
  assert_int_equal(tp_relay_wait_log(&f, "handshake_refused", 3000, 1), 0);
  /* The same for the administrator's and the relay's own keys: not clients. */
  assert_int_not_equal(tp_connect(&p, f.port, f.admin, f.relay->pub.transport_pk, 3000), 0);
  /* A member that addresses another relay key cannot finish the handshake either. */
  assert_int_not_equal(
      tp_connect(&p, f.port, tp_member(&f, "k101"), stranger->pub.transport_pk, 3000), 0);
  /* Members still get in. */
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  tp_close(&p);
  free(msg1);
  rp__identity_free(stranger);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void test_roster_get(void **state) {
  tp_relay f;
  tp_peer p;
  rp__tmsg m;
  rp__roster *got = NULL;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-roster", ids, 3, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(p.welcome.u.welcome.roster_version, 1);
  roster_get(&p, 0, &m);
  assert_int_equal(m.u.roster.version, 1);
  /* The client verifies it against the pinned administrator key, not the relay. */
  assert_int_equal(rp__roster_verify(m.u.roster.roster.p, m.u.roster.roster.n,
                                     f.admin->pub.identity_pk, &got),
                   0);
  assert_int_equal(rp__roster_count(got), 5);
  rp__roster_free(got);
  roster_get(&p, 1, &m);
  assert_int_equal(m.u.roster.version, 1);
  assert_int_equal(m.u.roster.roster.n, 0);
  tp_close(&p);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

static void write_bytes(const char *path, const void *p, size_t n) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(p, 1, n, fp), n);
  assert_int_equal(fclose(fp), 0);
}

static void test_revoked_after_sighup(void **state) {
  tp_relay f;
  tp_peer a, b, t;
  uint8_t id[RP_MSG_ID_BYTES], *v1;
  size_t v1_len = 0;
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-roster", ids, 3, NULL), 0);
  v1 = (uint8_t *)tu_read_file(f.roster_path, &v1_len);
  assert_non_null(v1);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &a, "k101"), 0);
  assert_int_equal(tp_relay_connect(&f, &b, "k102"), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_send_envelope(&t, "k101", 0, id), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_ACK, &m, 5000, NULL), 0);

  assert_int_equal(tp_relay_revoke(&f, "k101"), 0);
  tp_relay_signal(&f, SIGHUP);
  /* k101's connection ends with BYE "revoked". */
  assert_int_equal(tp_recv_type(&a, RP__T_BYE, &m, 5000, NULL), 0);
  assert_int_equal(m.u.bye.reason, RP__BYE_REVOKED);
  assert_int_equal(m.u.bye.code, (uint64_t)-RP_EREVOKED);
  assert_int_equal(tp_wait_closed(a.fd, 5000, NULL), 0);
  tp_close(&a);
  /* The others get the new roster pushed, and keep working. */
  assert_int_equal(tp_recv_type(&t, RP__T_ROSTER, &m, 5000, NULL), 0);
  assert_int_equal(m.u.roster.version, 2);
  assert_int_equal(tp_recv_type(&b, RP__T_ROSTER, &m, 5000, NULL), 0);
  assert_int_equal(m.u.roster.version, 2);
  /* k101 is no longer a recipient... */
  assert_int_equal(tp_send_envelope(&t, "k101", 0, id), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_NACK, &m, 5000, NULL), 0);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EREVOKED);
  assert_int_equal(tp_send_envelope(&b, "team", 0, id), 0);
  assert_int_equal(tp_recv(&b, &m, 5000), 0);
  assert_int_equal(m.type, RP__T_ACK);
  /* ...and cannot connect any more: closed after message 1, unanswered. */
  assert_int_not_equal(tp_relay_connect(&f, &a, "k101"), 0);
  /* Putting the old roster back is a rollback and refused, naming both versions and the
   * file; so is a file that is not a signed roster. Either way the running roster
   * stays. */
  write_bytes(f.roster_path, v1, v1_len);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "roster_rollback path=", 5000, 0), 0);
  assert_int_equal(tp_relay_wait_log(&f, "roster.msgpack version=1 held=2", 5000, 1), 0);
  assert_int_equal(tp_relay_wait_log(&f, "reload_roster_kept version=2", 5000, 0), 0);
  write_bytes(f.roster_path, "not a roster", 12);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_roster_kept version=2", 5000, 0), 0);
  assert_int_not_equal(tp_relay_connect(&f, &a, "k101"), 0);
  free(v1);
  assert_int_equal(tp_send_envelope(&t, "k102", 0, id), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_ACK, &m, 5000, NULL), 0);
  tp_close(&b);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

/* Runs rejsepost-relayd with f's config until it exits (at most 10 s, else it is
 * killed and -1 returned); its stderr goes to out. Returns the exit status. */
static int run_to_exit(tp_relay *f, char *out, size_t outlen) {
  const char *bdir = getenv("RP_BUILD_DIR");
  char exe[1024], drain[4096];
  int pfd[2], st = 0;
  uint64_t deadline = rp__clock_mono_ms() + 10000;
  size_t got = 0;
  ssize_t n;
  pid_t pid;

  snprintf(exe, sizeof exe, "%s/server/rejsepost-relayd", bdir != NULL ? bdir : ".");
  assert_int_equal(pipe(pfd), 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    dup2(pfd[1], 2);
    dup2(pfd[1], 1);
    close(pfd[0]);
    execl(exe, "rejsepost-relayd", "--config", f->conf, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  /* Read what it says until it closes its end (it exits), for at most 10 s. */
  for (;;) {
    struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
    if (rp__clock_mono_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      close(pfd[0]);
      return -1;
    }
    if (poll(&pf, 1, 100) <= 0) continue;
    n = read(pfd[0], got + 1 < outlen ? out + got : drain,
             got + 1 < outlen ? outlen - 1 - got : sizeof drain);
    if (n <= 0) break;
    if (got + 1 < outlen) got += (size_t)n;
  }
  waitpid(pid, &st, 0);
  out[got] = '\0';
  close(pfd[0]);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Issue 9, item 5: restarted with an older roster file, the relay refused to start
 * (exit 2, naming both versions and the file), whether the newer roster came by
 * SIGHUP or at a start. Before the fix it started and relayed a revoked member's
 * envelopes. */
static void test_rollback_at_restart(void **state) {
  tp_relay f;
  tp_peer t, k;
  uint8_t *v1, *v2, id[RP_MSG_ID_BYTES];
  size_t v1_len = 0, v2_len = 0;
  char out[8192];
  rp__tmsg m;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-rollback", ids, 3, NULL), 0);
  assert_non_null(v1 = (uint8_t *)tu_read_file(f.roster_path, &v1_len));
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_revoke(&f, "k101"), 0);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_done roster_version=2", 5000, 0), 0);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  /* The old file back, and a restart: refused. */
  assert_non_null(v2 = (uint8_t *)tu_read_file(f.roster_path, &v2_len));
  write_bytes(f.roster_path, v1, v1_len);
  assert_int_equal(run_to_exit(&f, out, sizeof out), 2);
  if (strstr(out, "roster_rollback") == NULL || strstr(out, "version=1 held=2") == NULL ||
      strstr(out, f.roster_path) == NULL || strstr(out, "version 2 or newer") == NULL)
    fail_msg("relayd said: %s", out);
  /* The current roster again: it starts, and the revoked member stays out. */
  write_bytes(f.roster_path, v2, v2_len);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_not_equal(tp_relay_connect(&f, &k, "k101"), 0);
  /* A newer roster taken at a start raises the floor as well. */
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  assert_int_equal(tp_relay_revoke(&f, "k102"), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  write_bytes(f.roster_path, v2, v2_len);
  assert_int_equal(run_to_exit(&f, out, sizeof out), 2);
  if (strstr(out, "version=2 held=3") == NULL) fail_msg("relayd said: %s", out);
  write_bytes(f.roster_path, v1, v1_len);
  assert_int_equal(run_to_exit(&f, out, sizeof out), 2);
  if (strstr(out, "version=1 held=3") == NULL) fail_msg("relayd said: %s", out);
  /* With the newest file the relay serves again; the team still reaches nobody revoked. */
  assert_int_equal(tp_relay_revoke(&f, "k102"), 0); /* rewrites version 4 */
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &t, "team"), 0);
  assert_int_equal(tp_send_envelope(&t, "k101", 0, id), 0);
  assert_int_equal(tp_recv_type(&t, RP__T_NACK, &m, 5000, NULL), 0);
  assert_int_equal(m.u.nack.code, (uint64_t)-RP_EREVOKED);
  tp_close(&t);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  free(v1);
  free(v2);
  tp_relay_free(&f);
}

static void test_sighup_settings(void **state) {
  tp_relay f;
  tp_peer p;
  (void)state;

  assert_int_equal(tp_relay_init(&f, "relay-roster", ids, 3, "window = 7\n"), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(p.welcome.u.welcome.send_window, 7);
  tp_close(&p);
  assert_int_equal(tp_relay_write_config(&f, "window = 9\nidle_timeout = 90s\n"), 0);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_done", 5000, 0), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(p.welcome.u.welcome.send_window, 9);
  assert_int_equal(p.welcome.u.welcome.idle_ms, 90000);
  tp_close(&p);
  /* A broken config is refused as a whole and the running settings stay. */
  assert_int_equal(tp_relay_write_config(&f, "window = lots\n"), 0);
  tp_relay_signal(&f, SIGHUP);
  assert_int_equal(tp_relay_wait_log(&f, "reload_config_refused", 5000, 0), 0);
  assert_int_equal(tp_relay_connect(&f, &p, "k101"), 0);
  assert_int_equal(p.welcome.u.welcome.send_window, 9);
  tp_close(&p);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unknown_key),          cmocka_unit_test(test_roster_get),
      cmocka_unit_test(test_revoked_after_sighup), cmocka_unit_test(test_sighup_settings),
      cmocka_unit_test(test_rollback_at_restart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
