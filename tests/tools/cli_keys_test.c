/* SPDX-License-Identifier: MIT */
/*
 * The real rejsepost binary: keys new / show / verify-fingerprint, the key file modes,
 * the fingerprint printed against the one computed from the key file by proto/, and
 * usage errors (exit status 2 with a message that says what to do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "fingerprint.h"
#include "keyfile.h"
#include "run.h"

static void path_of(const char *name, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", g_dir, name);
}

/* keys new --plain: a 0600 secret file and a .pub whose fingerprint is the one printed;
 * keys show prints the same id and fingerprint. */
static void test_keys_new_plain_and_show(void **state) {
  char path[1200], fp_new[128], fp_show[128], want[RP_FINGERPRINT_STRBYTES], id[80];
  rp__identity_public pub;
  struct stat st;
  (void)state;

  tt_result r = tt_run(g_dir, "keys", "new", "--id", "kbh-101", "--kind", "municipality",
                       "--out", "kbh.key", "--plain");
  assert_int_equal(r.status, 0);
  assert_int_equal(tt_field(r.out, "fingerprint:", fp_new, sizeof fp_new), 0);
  tt_result_free(&r);

  path_of("kbh.key", path, sizeof path);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  path_of("kbh.key.pub", path, sizeof path);
  assert_int_equal(rp__keyfile_load_public(path, &pub), 0);
  assert_string_equal(pub.id, "kbh-101");
  assert_int_equal(rp__fingerprint(pub.identity_pk, want), 0);
  assert_string_equal(fp_new, want);

  r = tt_run(g_dir, "keys", "show", "kbh.key");
  assert_int_equal(r.status, 0);
  assert_int_equal(tt_field(r.out, "fingerprint:", fp_show, sizeof fp_show), 0);
  assert_int_equal(tt_field(r.out, "id:", id, sizeof id), 0);
  assert_string_equal(fp_show, want);
  assert_string_equal(id, "kbh-101");
  tt_result_free(&r);

  /* The fingerprint read aloud matches; one changed digit does not. */
  r = tt_run(g_dir, "keys", "verify-fingerprint", "kbh.key.pub", want);
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
  want[0] = want[0] == '9' ? '0' : (char)(want[0] + 1);
  r = tt_run(g_dir, "keys", "verify-fingerprint", "kbh.key.pub", want);
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "MISMATCH"));
  tt_result_free(&r);
}

/* A plain key file readable by others is refused with the chmod hint. */
static void test_plain_key_0644_refused(void **state) {
  char path[1200], hint[1300];
  (void)state;
  tt_result r = tt_run(g_dir, "keys", "new", "--id", "relay", "--kind", "relay", "--out",
                       "open.key", "--plain");
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
  path_of("open.key", path, sizeof path);
  assert_int_equal(chmod(path, 0644), 0);
  r = tt_run(g_dir, "keys", "show", "open.key");
  assert_int_equal(r.status, 1);
  snprintf(hint, sizeof hint, "run chmod 600 open.key");
  assert_non_null(strstr(r.err, hint));
  assert_string_equal(r.out, "");
  tt_result_free(&r);
  /* The same file used as an administrator key for a roster: refused too. */
  r = tt_run(g_dir, "roster", "new", "--admin-key", "open.key", "--out", "r.rp");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, hint));
  tt_result_free(&r);
  assert_int_equal(chmod(path, 0600), 0);
  r = tt_run(g_dir, "keys", "show", "open.key");
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
}

/* An encrypted key: needs its passphrase, and a wrong one is refused. */
static void test_encrypted_key(void **state) {
  (void)state;
  tt_write(g_dir, "pass", "correct horse\n", 0600);
  tt_write(g_dir, "wrong", "wrong horse\n", 0600);
  tt_result r = tt_run(g_dir, "keys", "new", "--id", "admin", "--kind", "admin", "--out",
                       "admin.key", "--passphrase-file", "pass", "--kdf", "interactive");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "encrypted"));
  tt_result_free(&r);
  r = tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--out", "r1.rp");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "--passphrase-file"));
  tt_result_free(&r);
  r = tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--passphrase-file",
             "wrong", "--out", "r1.rp");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "wrong passphrase"));
  tt_result_free(&r);
  r = tt_run(g_dir, "roster", "new", "--admin-key", "admin.key", "--passphrase-file",
             "pass", "--out", "r1.rp");
  assert_int_equal(r.status, 0);
  tt_result_free(&r);
  /* Keys are never overwritten. */
  r = tt_run(g_dir, "keys", "new", "--id", "admin2", "--kind", "admin", "--out",
             "admin.key", "--plain");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "already exists"));
  tt_result_free(&r);
}

/* Bad usage: exit status 2, a message naming the problem and where to get help. */
static void test_usage_errors(void **state) {
  static const struct {
    const char *args[12];
    const char *says;
  } cases[] = {
      {{NULL}, "Usage: rejsepost"},
      {{"frobnicate", NULL}, "unknown command 'frobnicate'"},
      {{"keys", NULL}, "a subcommand is needed"},
      {{"keys", "new", "--id", "x", NULL}, "--id, --kind and --out are required"},
      {{"keys", "new", "--id", "x", "--kind", "boss", "--out", "f", NULL},
       "--kind must be"},
      {{"keys", "new", "--id", "x", "--kind", "team", "--out", "f", NULL},
       "exactly one of --passphrase-file"},
      {{"keys", "new", "--id", "a b", "--kind", "team", "--out", "f", "--plain"},
       "without spaces"},
      {{"keys", "show", "--bogus", NULL}, "unknown option"},
      {{"keys", "verify-fingerprint", "x.pub", "123", NULL}, NULL},
      {{"roster", "add", "r.rp", "--admin-key", "k", "--member", "m", "--kind",
        "municipality"},
       "--municipality CODE"},
      {{"help", "nothing", NULL}, "no command"},
      {{"status", "--state", "s", "--wait", "soon", NULL}, "--wait: 0 to 600 seconds"},
      {{"send", "--state", "s", "--wait", "-1", NULL}, "--wait: 0 to 600 seconds"},
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tt_result r = tt_runv(g_dir, 30000, cases[i].args);
    if (i == 8) {
      /* A missing key file is a failure (1), not a usage error. */
      assert_int_equal(r.status, 1);
      assert_non_null(strstr(r.err, "keys new"));
    } else {
      assert_int_equal(r.status, 2);
      assert_non_null(strstr(r.err, cases[i].says));
    }
    tt_result_free(&r);
  }
}

/* --help on every subcommand and `help CMD` print the usage and exit 0. */
static void test_help(void **state) {
  static const char *const cmds[][2] = {
      {"keys", "new"},    {"keys", "show"},   {"keys", "verify-fingerprint"},
      {"roster", "new"},  {"roster", "add"},  {"roster", "revoke"},
      {"roster", "sign"}, {"roster", "show"}, {"relay", "init"},
      {"setup", NULL},    {"send", NULL},     {"status", NULL},
      {"inbox", NULL},    {"read", NULL},     {"mark", NULL},
      {"check", NULL}};
  (void)state;
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    const char *a[4] = {cmds[i][0], cmds[i][1] != NULL ? cmds[i][1] : "--help",
                        cmds[i][1] != NULL ? "--help" : NULL, NULL};
    tt_result r = tt_runv(g_dir, 30000, a);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage: rejsepost "));
    assert_non_null(strstr(r.out, cmds[i][0]));
    tt_result_free(&r);
    const char *h[4] = {"help", cmds[i][0], cmds[i][1], NULL};
    r = tt_runv(g_dir, 30000, h);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage: rejsepost "));
    tt_result_free(&r);
  }
  tt_result r = tt_run(g_dir, "help");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "--state DIR"));
  tt_result_free(&r);
}

/* check: a valid JSON request passes and round-trips through msgpack; a CPR number, a
 * misspelt field and a broken rule are refused with the field named. */
static void test_check_request_file(void **state) {
  static const char *const req =
      "{\"sender_org\": \"101\", \"sender_role\": \"myndighedsraadgiver\",\n"
      " \"sender_ref\": \"cw-17\", \"request_type\": \"konkret_sag\", \"urgency\": "
      "\"haster\",\n"
      " \"categories\": [\"negativ_social_kontrol\"],\n"
      " \"risk\": {\"level\": \"middel\", \"acute\": false, \"tool\": \"ingen\"},\n"
      " \"citizen\": {\"age_band\": \"15_17\", \"under_18\": true},\n"
      " \"risk_assessed_before_family\": \"ja\",\n"
      " \"identifiability\": {\"mode\": \"anonym\", \"consent\": \"ingen\"},\n"
      " \"measures_taken\": [], \"question\": \"FIKTIV: QQQ\"}\n";
  static const struct {
    const char *from, *to, *says;
  } bad[] = {{"QQQ", "ring 010203-1234", "CPR number"},
             {"\"question\"", "\"questoin\"", "unknown field 'questoin'"},
             {"\"haster\"", "\"hurtig\"", "urgency"},
             {"\"under_18\": true", "\"under_18\": false", "citizen.under_18"}};
  char text[2048];
  (void)state;
  tt_write(g_dir, "req.json", req, 0600);
  tt_result r = tt_run(g_dir, "check", "req.json", "--out", "req.msgpack");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "valid request"));
  tt_result_free(&r);
  r = tt_run(g_dir, "check", "req.msgpack");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "\"question\": \"FIKTIV: QQQ\""));
  tt_result_free(&r);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *at = strstr(req, bad[i].from);
    size_t pre = (size_t)(at - req);
    snprintf(text, sizeof text, "%.*s%s%s", (int)pre, req, bad[i].to,
             at + strlen(bad[i].from));
    tt_write(g_dir, "bad.json", text, 0600);
    r = tt_run(g_dir, "check", "bad.json");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, bad[i].says));
    tt_result_free(&r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_new_plain_and_show),
      cmocka_unit_test(test_plain_key_0644_refused),
      cmocka_unit_test(test_encrypted_key),
      cmocka_unit_test(test_usage_errors),
      cmocka_unit_test(test_help),
      cmocka_unit_test(test_check_request_file),
  };
  return cmocka_run_group_tests(tests, tt_dir_setup, tt_dir_teardown);
}
