/* SPDX-License-Identifier: MIT */
/*
 * Start-up from configuration: passphrase sources for an encrypted identity file
 * (callback, environment, file; wrong passphrase; a passphrase file others can read),
 * public key files for the relay and administrator keys, a missing roster; the roster's
 * active members as rp_client_members gives them; and the examples/send_one program run
 * against the real relay.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "clock.h"
#include "cl_fixture.h"

#define PASS "korrekt hest batteri"

static int pass_cb(void *data, char *buf, size_t cap, size_t *len) {
  const char *p = data;
  *len = strlen(p) < cap ? strlen(p) : cap;
  memcpy(buf, p, *len);
  return 0;
}

/* Writes an encrypted key file of the municipality (cheap KDF limits for the test). */
static void write_encrypted(tp_relay *f, char *path, size_t cap) {
  rp__keyfile_kdf kdf = {RP_KEYFILE_OPSLIMIT_MIN, RP_KEYFILE_MEMLIMIT_MIN};
  uint8_t buf[RP_KEYFILE_MAX];
  size_t len = 0;
  snprintf(path, cap, "%s/%s.enc.key", f->dir, CL_MUNI);
  assert_int_equal(rp__keyfile_encode_encrypted(tp_member(f, CL_MUNI), PASS, strlen(PASS),
                                                &kdf, buf, sizeof buf, &len),
                   0);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
}

static int start(rp_config *cfg) {
  rp_client *c = NULL;
  int rc = rp_client_new(cfg, &c);
  if (rc == 0) assert_string_equal(rp_client_member_id(c), CL_MUNI);
  rp_client_free(c);
  return rc;
}

static void test_passphrase_sources(void **state) {
  tp_relay f;
  rp_config *cfg;
  char key[700], pf[700];
  FILE *fp;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cl-pass", cl_ids, 2, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  write_encrypted(&f, key, sizeof key);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  assert_int_equal(rp_config_set_identity_file(cfg, key), 0);
  assert_int_equal(start(cfg), RP_EPASSPHRASE); /* no source */
  assert_non_null(strstr(rp_config_error(cfg), "identity_file"));
  assert_int_equal(rp_config_set_passphrase_callback(cfg, pass_cb, (void *)"forkert"), 0);
  assert_int_equal(start(cfg), RP_EPASSPHRASE);
  assert_int_equal(rp_config_set_passphrase_callback(cfg, pass_cb, (void *)PASS), 0);
  assert_int_equal(start(cfg), 0);
  setenv("RP_TEST_PASS", PASS, 1);
  assert_int_equal(rp_config_set_passphrase_env(cfg, "RP_TEST_PASS"), 0);
  assert_int_equal(start(cfg), 0);
  unsetenv("RP_TEST_PASS");
  assert_int_equal(start(cfg), RP_EPASSPHRASE);
  snprintf(pf, sizeof pf, "%s/pass.txt", f.dir);
  assert_non_null(fp = fopen(pf, "w"));
  fputs(PASS "\n", fp);
  fclose(fp);
  assert_int_equal(chmod(pf, 0644), 0);
  assert_int_equal(rp_config_set_passphrase_file(cfg, pf), 0);
  assert_int_equal(start(cfg), RP_EPERM); /* readable by others */
  assert_int_equal(chmod(pf, 0600), 0);
  assert_int_equal(start(cfg), 0);
  rp_config_free(cfg);
  tp_relay_free(&f);
}

static void test_key_files_and_roster(void **state) {
  tp_relay f;
  rp_config *cfg;
  uint8_t buf[RP_KEYFILE_MAX];
  char path[700];
  size_t len = 0;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cl-keys", cl_ids, 2, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  /* Public key exports work where hex does. */
  snprintf(path, sizeof path, "%s/admin.pub", f.dir);
  assert_int_equal(rp__keyfile_encode_public(f.admin, buf, sizeof buf, &len), 0);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
  assert_int_equal(rp_config_set_admin_key(cfg, path), 0);
  snprintf(path, sizeof path, "%s/relay.pub", f.dir);
  assert_int_equal(rp__keyfile_encode_public(f.relay, buf, sizeof buf, &len), 0);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
  assert_int_equal(rp_config_set_relay_key(cfg, path), 0);
  assert_int_equal(rp_config_set_relay_key(cfg, f.conf), RP_ECONFIG); /* not a key file */
  assert_non_null(strstr(rp_config_error(cfg), "relay_key"));
  assert_int_equal(start(cfg), 0);
  /* A roster signed by another administrator is refused. */
  assert_int_equal(rp_config_set_admin_key(cfg, "00112233445566778899aabbccddeeff"
                                                "00112233445566778899aabbccddeeff"),
                   0);
  snprintf(path, sizeof path, "%s/state-other", f.dir);
  assert_int_equal(rp_config_set_state_dir(cfg, path), 0);
  assert_int_not_equal(start(cfg), 0);
  assert_non_null(strstr(rp_config_error(cfg), "roster_file"));
  /* No roster at all on a first start. */
  rp_config_free(cfg);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, "-none", NULL));
  snprintf(path, sizeof path, "%s/missing.msgpack", f.dir);
  assert_int_equal(rp_config_set_roster_file(cfg, path), 0);
  assert_int_equal(start(cfg), RP_ENOTFOUND);
  rp_config_free(cfg);
  tp_relay_free(&f);
}

typedef struct seen {
  char text[1024]; /* "id kind code networks;" per member */
  int calls;
} seen;

static int note_member(void *data, const char *id, const char *kind, const char *code,
                       unsigned networks) {
  seen *s = data;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s %s %s %u;", id, kind, code[0] ? code : "-",
           networks);
  return ++s->calls == 100 ? 7 : 0;
}

static int stop_at_first(void *data, const char *id, const char *kind, const char *code,
                         unsigned networks) {
  (void)id;
  (void)kind;
  (void)code;
  (void)networks;
  ++*(int *)data;
  return 42;
}

/* rp_client_members walks the roster the library holds: active members only, with
 * kind, municipality code and networks; a nonzero return stops it and is returned. */
static void test_members(void **state) {
  static const char *const ids[] = {CL_TEAM, CL_MUNI, "m2", "m3", "m4"};
  tp_relay f;
  rp__roster *r = NULL;
  rp_client *c = NULL;
  rp_config *cfg;
  const uint8_t *doc;
  size_t len = 0;
  seen s;
  int first = 0;
  FILE *o;
  (void)state;
  assert_int_equal(tp_relay_init(&f, "cl-members", ids, 5, NULL), 0);
  assert_int_equal(cl_write_keys(&f), 0);
  /* Version 2: m2 in both networks, m3 revoked, m4 valid only from tomorrow. */
  assert_int_equal(rp__roster_create(2, rp__clock_wall_ms(), &r), 0);
  for (uint32_t i = 0; i < rp__roster_count(f.roster); i++) {
    rp__member m = *rp__roster_member(f.roster, i);
    if (strcmp(m.pub.id, "m2") == 0) m.networks = RP_NETWORK_EAST | RP_NETWORK_WEST;
    if (strcmp(m.pub.id, "m3") == 0) m.revoked = true;
    if (strcmp(m.pub.id, "m4") == 0)
      m.valid_from = rp__clock_wall_ms() + 24 * 3600 * 1000ull;
    assert_int_equal(rp__roster_add(r, &m), 0);
  }
  assert_int_equal(rp__roster_sign(r, f.admin), 0);
  assert_int_equal(rp__roster_document(r, &doc, &len), 0);
  assert_non_null(o = fopen(f.roster_path, "wb"));
  assert_int_equal(fwrite(doc, 1, len, o), len);
  fclose(o);
  rp__roster_free(r);
  assert_non_null(cfg = cl_config(&f, CL_MUNI, NULL, NULL));
  assert_int_equal(rp_client_new(cfg, &c), 0);
  memset(&s, 0, sizeof s);
  assert_int_equal(rp_client_members(c, note_member, &s), 0);
  assert_string_equal(s.text, "admin admin - 0;relay relay - 0;team team - 0;"
                              "m1 municipality 102 1;m2 municipality 103 3;");
  assert_int_equal(rp_client_members(c, stop_at_first, &first), 42);
  assert_int_equal(first, 1);
  assert_int_equal(rp_client_members(c, NULL, &s), RP_EINVAL);
  assert_int_equal(rp_client_members(NULL, stop_at_first, &first), RP_EINVAL);
  rp_client_free(c);
  rp_config_free(cfg);
  tp_relay_free(&f);
}

/* The example program, as a host would run it. */
static void test_example_send_one(void **state) {
  tp_relay f;
  char exe[1024], state_dir[700], key[700], relay[65], admin[65], port[8], out[4096];
  const char *bdir = getenv("RP_BUILD_DIR");
  int p[2], st;
  size_t n = 0;
  ssize_t r;
  pid_t pid;
  (void)state;
  snprintf(exe, sizeof exe, "%s/client/send_one", bdir ? bdir : ".");
  assert_int_equal(cl_relay_up(&f, "cl-example"), 0);
  snprintf(state_dir, sizeof state_dir, "%s/state-example", f.dir);
  snprintf(key, sizeof key, "%s/%s.key", f.dir, CL_MUNI);
  snprintf(port, sizeof port, "%u", (unsigned)f.port);
  sodium_bin2hex(relay, sizeof relay, f.relay->pub.transport_pk, 32);
  sodium_bin2hex(admin, sizeof admin, f.admin->pub.identity_pk, 32);
  assert_int_equal(pipe(p), 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    dup2(p[1], 1);
    close(p[0]);
    execl(exe, "send_one", state_dir, "127.0.0.1", port, relay, key, admin, f.roster_path,
          (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  while (n < sizeof out - 1 && (r = read(p[0], out + n, sizeof out - 1 - n)) > 0)
    n += (size_t)r;
  out[n] = '\0';
  close(p[0]);
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_non_null(strstr(out, "queued "));
  assert_non_null(strstr(out, "relayed "));
  tp_relay_free(&f);
}

/* Retention: 0 (erase at the next sweep) up to ten years; one millisecond more is
 * refused, naming the setting, and leaves the value before it. */
static void test_retention_range(void **state) {
  /* Ten years as the header says them: 3650 days. */
  const uint64_t ten_years_ms = 3650ull * 24 * 3600 * 1000;
  rp_config *cfg = NULL;
  (void)state;
  assert_int_equal(rp_config_new(&cfg), 0);
  assert_int_equal(rp_config_set_retention(cfg, 0), 0);
  assert_int_equal(rp_config_set_retention(cfg, ten_years_ms), 0);
  assert_int_equal(rp_config_set_retention(cfg, ten_years_ms + 1), RP_ECONFIG);
  assert_non_null(strstr(rp_config_error(cfg), "retention"));
  assert_int_equal(rp_config_set_retention(cfg, UINT64_MAX), RP_ECONFIG);
  assert_int_equal(rp_config_set_retention(NULL, 1), RP_EINVAL);
  rp_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_passphrase_sources),
      cmocka_unit_test(test_key_files_and_roster),
      cmocka_unit_test(test_members),
      cmocka_unit_test(test_example_send_one),
      cmocka_unit_test(test_retention_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
