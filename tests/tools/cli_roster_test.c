/* SPDX-License-Identifier: MIT */
/*
 * The real rejsepost binary: roster new / add / revoke / sign / show round trip, checked
 * against proto/'s own roster verification; a tampered roster and a roster shown
 * against another administrator's key are refused; relay init writes a config that the
 * real rejsepost-relayd starts with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "keyfile.h"
#include "peer.h"
#include "roster.h"
#include "run.h"

static int setup(void **state) {
  if (tt_dir_setup(state) != 0) return -1;
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "admin", "--kind", "admin", "--out",
               "admin.key", "--plain"));
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "other-admin", "--kind", "admin", "--out",
               "other.key", "--plain"));
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "team", "--kind", "team", "--out", "team.key",
               "--plain"));
  tt_ok(tt_run(g_dir, "keys", "new", "--id", "aarhus-751", "--kind", "municipality",
               "--out", "aar.key", "--plain"));
  return 0;
}

/* Loads and verifies the roster file with proto/, pinning admin.key.pub. */
static rp__roster *load(const char *name) {
  char path[1200];
  rp__identity_public admin;
  rp__roster *r = NULL;
  size_t len = 0;
  uint8_t *doc;
  snprintf(path, sizeof path, "%s/admin.key.pub", g_dir);
  assert_int_equal(rp__keyfile_load_public(path, &admin), 0);
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  doc = (uint8_t *)tu_read_file(path, &len);
  assert_non_null(doc);
  assert_int_equal(rp__roster_verify(doc, len, admin.identity_pk, &r), 0);
  free(doc);
  return r;
}

static void test_round_trip(void **state) {
  rp__roster *r;
  const rp__member *m;
  (void)state;
  tt_ok(tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--out", "roster.rp"));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "team.key.pub", "--kind", "team", "--name", "Rejseholdet"));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "aar.key.pub", "--kind", "municipality", "--name", "Aarhus Kommune",
               "--municipality", "751", "--network", "west"));
  r = load("roster.rp");
  assert_int_equal(rp__roster_version(r), 3);
  assert_int_equal(rp__roster_count(r), 3);
  m = rp__roster_find_id(r, "aarhus-751");
  assert_non_null(m);
  assert_int_equal(m->kind, RP_MEMBER_MUNICIPALITY);
  assert_string_equal(m->municipality, "751");
  assert_string_equal(m->name, "Aarhus Kommune");
  assert_int_equal(m->networks, RP_NETWORK_WEST);
  assert_false(m->revoked);
  rp__roster_free(r);

  tt_result s =
      tt_run(g_dir, "roster", "show", "roster.rp", "--admin-pub", "admin.key.pub");
  assert_int_equal(s.status, 0);
  assert_non_null(strstr(s.out, "signature: good"));
  assert_non_null(strstr(s.out, "roster version 3"));
  assert_non_null(strstr(s.out, "aarhus-751"));
  assert_non_null(strstr(s.out, "Aarhus Kommune"));
  tt_result k = tt_run(g_dir, "keys", "show", "aar.key.pub");
  char fp[128];
  assert_int_equal(tt_field(k.out, "fingerprint:", fp, sizeof fp), 0);
  assert_non_null(strstr(s.out, fp));
  tt_result_free(&k);
  tt_result_free(&s);

  tt_ok(tt_run(g_dir, "roster", "revoke", "roster.rp", "--admin-key", "admin.key", "--id",
               "aarhus-751"));
  tt_ok(tt_run(g_dir, "roster", "sign", "roster.rp", "--admin-key", "admin.key"));
  r = load("roster.rp");
  assert_int_equal(rp__roster_version(r), 5);
  assert_true(rp__roster_find_id(r, "aarhus-751")->revoked);
  rp__roster_free(r);

  /* Enrolling the same keys twice, and revoking someone unknown, fail with advice. */
  s = tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
             "team.key.pub", "--kind", "team");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "already in the roster"));
  tt_result_free(&s);
  s = tt_run(g_dir, "roster", "revoke", "roster.rp", "--admin-key", "admin.key", "--id",
             "nobody");
  assert_int_equal(s.status, 1);
  assert_non_null(strstr(s.err, "no member 'nobody'"));
  tt_result_free(&s);
  /* roster new never overwrites. */
  s = tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--out", "roster.rp");
  assert_int_equal(s.status, 1);
  tt_result_free(&s);
}

/* Each byte position flipped in turn (a sample across the file) is refused by show and
 * by add; another administrator's key is refused too. */
static void test_tampered_refused(void **state) {
  char path[1200], bad[1200];
  size_t len = 0;
  (void)state;
  snprintf(path, sizeof path, "%s/roster.rp", g_dir);
  snprintf(bad, sizeof bad, "%s/bad.rp", g_dir);
  char *doc = tu_read_file(path, &len);
  assert_non_null(doc);
  for (size_t pos = 0; pos < len; pos += len / 7 + 1) {
    FILE *f = fopen(bad, "wb");
    doc[pos] ^= 0x01;
    fwrite(doc, 1, len, f);
    fclose(f);
    doc[pos] ^= 0x01;
    tt_result r = tt_run(g_dir, "roster", "show", "bad.rp", "--admin-pub", "admin.key.pub");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "refused"));
    assert_null(strstr(r.out, "signature: good"));
    tt_result_free(&r);
  }
  free(doc);
  tt_result r = tt_run(g_dir, "roster", "add", "bad.rp", "--admin-key", "admin.key",
                       "--member", "other.key.pub", "--kind", "admin");
  assert_int_equal(r.status, 1);
  tt_result_free(&r);
  r = tt_run(g_dir, "roster", "show", "roster.rp", "--admin-pub", "other.key.pub");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "signature does not verify"));
  tt_result_free(&r);
  r = tt_run(g_dir, "roster", "show", "roster.rp");
  assert_int_equal(r.status, 2);
  tt_result_free(&r);
}

/* relay init + the roster made here: the real relay starts with it and stops cleanly. */
static void test_relay_init_runs(void **state) {
  char listen[64], conf[1200], log[1200], exe[1200];
  const char *b = getenv("RP_BUILD_DIR");
  (void)state;
  snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)tp_free_port());
  tt_ok(tt_run(g_dir, "relay", "init", "rd", "--admin-pub", "admin.key.pub", "--listen",
               listen));
  tt_ok(tt_run(g_dir, "roster", "add", "roster.rp", "--admin-key", "admin.key", "--member",
               "rd/relay.key.pub", "--kind", "relay"));
  snprintf(conf, sizeof conf, "%s/roster.rp", g_dir);
  snprintf(log, sizeof log, "%s/rd/roster.msgpack", g_dir);
  assert_int_equal(rename(conf, log), 0);
  snprintf(conf, sizeof conf, "%s/rd/relay.ini", g_dir);
  snprintf(log, sizeof log, "%s/rd/relay.log", g_dir);
  snprintf(exe, sizeof exe, "%s/server/rejsepost-relayd", b != NULL ? b : ".");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 2);
    dup2(fd, 1);
    execl(exe, "rejsepost-relayd", "--config", conf, (char *)NULL);
    _exit(127);
  }
  uint64_t deadline = tt_mono_ms() + 15000;
  int up = 0, st;
  while (!up && tt_mono_ms() < deadline) {
    char *text = tu_read_file(log, NULL);
    up = text != NULL && strstr(text, "listening addr=") != NULL;
    free(text);
    usleep(10000);
  }
  assert_true(up);
  kill(pid, SIGTERM);
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  tt_result r = tt_run(g_dir, "relay", "init", "rd", "--admin-pub", "admin.key.pub");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "already exists"));
  tt_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_tampered_refused),
      cmocka_unit_test(test_relay_init_runs),
  };
  return cmocka_run_group_tests(tests, setup, tt_dir_teardown);
}
