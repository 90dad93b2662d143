/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-webd for the operator, with real processes (the world of webd_test.c):
 * lockout after failed logins and the administrator's unlock, HTTPS with a configured
 * certificate, the administrator's command, and that webd holds no file of the inbox.
 */
#include <dirent.h>

#include "webd_fixture.h"

static int setup(void **state) {
  (void)state;
  int rc = webd_world_start("webd-ops");
  if (rc == 0) webd_enrol_sara(); /* the administrator's list shows her enrolled */
  return rc;
}

static int teardown(void **state) {
  (void)state;
  webd_world_stop();
  return 0;
}

/* N failures lock the account for the lockout time, even with the right password
 * after; the administrator's unlock ends it. */
static void test_lockout(void **state) {
  char pw[64], out[1024], keep[200];
  (void)state;
  snprintf(keep, sizeof keep, "%s", g_cookie); /* sara's session, for the tests after */
  one_time("bo", pw);
  for (int i = 0; i < 3; i++)
    assert_int_equal(login("bo", "forkert kodeord", ""), 200);
  assert_true(audit_has("who=bo action=web_lockout thread=- via=web prev="));
  assert_true(audit_has("who=bo action=web_login_failed thread=- via=web prev="));
  hresp r;
  login_resp("bo", pw, "", &r);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "midlertidigt låst"));
  hfree(&r);
  assert_int_equal(webd_admin("account list", out, sizeof out), 0);
  assert_non_null(strstr(out, "locked"));
  assert_int_equal(webd_admin("account unlock bo", out, sizeof out), 0);
  assert_int_equal(login("bo", pw, ""), 303);
  /* Deleting the account ends its session at the next request. */
  hresp e;
  http("/enrol", NULL, &e);
  assert_int_equal(e.status, 200);
  hfree(&e);
  assert_int_equal(webd_admin("account delete bo", out, sizeof out), 0);
  http("/enrol", NULL, &e);
  assert_int_equal(e.status, 303);
  assert_true(hdr_has(&e, "Location: /login"));
  hfree(&e);
  /* An unknown name fails like a wrong password, and is audited under webd's user. */
  assert_int_equal(login("nobody-here", "x", ""), 200);
  char needle[100];
  snprintf(needle, sizeof needle, "who=%s action=web_login_failed thread=- via=web",
           fx_me());
  assert_true(audit_has(needle));
  /* The audit chain holds with all of it. */
  char *o = NULL;
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &o), 0);
  free(o);
  snprintf(g_cookie, sizeof g_cookie, "%s", keep);
}

/* After all the work above, webd holds none of the inbox daemon's files open: not its
 * store, its data key, its audit log or the team key; only its own accounts store. */
static void test_holds_no_inbox_files(void **state) {
  char dir[64], link[400], target[1000];
  int accounts = 0;
  (void)state;
  snprintf(dir, sizeof dir, "/proc/%d/fd", (int)g_webd);
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (strstr(target, g.dir) == NULL) continue;
    if (strstr(target, "accounts.db") != NULL) {
      accounts = 1;
      continue;
    }
    /* Its log (stderr) is the only other file of the test's folder it may hold. */
    if (strstr(target, "webd.log") != NULL) continue;
    fprintf(stderr, "webd holds %s\n", target);
    fail();
  }
  closedir(d);
  assert_true(accounts);
}

/* The administrator's command: usage, names, states, and its refusals. */
static void test_admin_commands(void **state) {
  char out[4096], pw[64];
  (void)state;
  assert_int_equal(webd_admin("--help", out, sizeof out), 0);
  assert_non_null(strstr(out, "account add NAME"));
  assert_non_null(strstr(out, "account unlock NAME"));
  assert_int_equal(webd_admin("account add 'bad;name'", out, sizeof out), 2);
  assert_int_equal(webd_admin("account add", out, sizeof out), 2);
  assert_int_equal(webd_admin("account frob sara", out, sizeof out), 2);
  assert_int_equal(webd_admin("account add sara", out, sizeof out), 1);
  assert_non_null(strstr(out, "exists"));
  assert_int_equal(webd_admin("account reset nobody-here", out, sizeof out), 1);
  assert_int_equal(webd_admin("account unlock nobody-here", out, sizeof out), 1);
  one_time("tmp1", pw);
  assert_int_equal(strlen(pw), 23);
  assert_int_equal(webd_admin("account list", out, sizeof out), 0);
  assert_non_null(strstr(out, "sara "));
  assert_non_null(strstr(out, "enrolled"));
  assert_non_null(strstr(out, "tmp1 "));
  assert_non_null(strstr(out, "awaits first login"));
  assert_null(strstr(out, "$argon2")); /* never a hash or a secret */
  assert_int_equal(webd_admin("account delete tmp1", out, sizeof out), 0);
  assert_int_equal(webd_admin("account list", out, sizeof out), 0);
  assert_null(strstr(out, "tmp1"));
  /* --check loads and exits; plain HTTP outside loopback is a configuration error. */
  assert_int_equal(webd_admin("--check", out, sizeof out), 0);
  char bad[800], cmd[2000];
  snprintf(bad, sizeof bad, "%s/webd-open.ini", g.dir);
  fx_write(bad, "[web]\nlisten = 0.0.0.0:8080\naccounts = accounts.db\n");
  snprintf(cmd, sizeof cmd, "%s/web/rejsepost-webd --config %s --check 2>%s/check.err",
           getenv("RP_BUILD_DIR") != NULL ? getenv("RP_BUILD_DIR") : ".", bad, g.dir);
  int ex = system(cmd);
  assert_true(WIFEXITED(ex));
  assert_int_equal(WEXITSTATUS(ex), 2);
  /* The store stays private. */
  struct stat st;
  assert_int_equal(stat(g_acc, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
}

/* HTTPS with a configured certificate (GnuTLS inside libmicrohttpd): the same pages,
 * HSTS, and plain HTTP on that port gets no page. The certificate is made here with the
 * openssl command (scripts/setup.sh installs it). */
static void test_tls(void **state) {
  char cmd[2000], conf[800], text[1200], url[120], log[800];
  hresp r;
  char keep[200];
  (void)state;
  snprintf(keep, sizeof keep, "%s", g_cookie);
  snprintf(cmd, sizeof cmd,
           "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           "-keyout tls.key -out tls.crt -days 1 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
           g.dir);
  assert_int_equal(system(cmd), 0);
  uint16_t port = tp_free_port();
  snprintf(conf, sizeof conf, "%s/webd-tls.ini", g.dir);
  snprintf(log, sizeof log, "%s/webd-tls.log", g.dir);
  snprintf(text, sizeof text,
           "[web]\nlisten = 127.0.0.1:%u\nsocket = advisor.sock\naccounts = accounts.db\n"
           "tls_cert = tls.crt\ntls_key = tls.key\ncookie_secure = no\n"
           "login_rate_per_minute = 2\n",
           (unsigned)port);
  fx_write(conf, text);
  const char *bdir = getenv("RP_BUILD_DIR");
  snprintf(cmd, sizeof cmd, "%s/web/rejsepost-webd", bdir != NULL ? bdir : ".");
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) dup2(fd, 2);
    execl(cmd, cmd, "--config", conf, (char *)NULL);
    _exit(127);
  }
  snprintf(url, sizeof url, "https://127.0.0.1:%u/login", (unsigned)port);
  char ca[800];
  snprintf(ca, sizeof ca, "%s/tls.crt", g.dir);
  CURLcode cc = CURLE_COULDNT_CONNECT;
  for (int i = 0; i < 100 && cc != CURLE_OK; i++) {
    CURL *c = curl_easy_init();
    memset(&r, 0, sizeof r);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK) {
      hfree(&r);
      fx_sleep_ms(50);
    }
  }
  assert_int_equal(cc, CURLE_OK);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "<h1>Log ind</h1>"));
  assert_true(hdr_has(&r, "Strict-Transport-Security: max-age="));
  /* Over TLS the cookie is Secure whatever the setting says. */
  assert_true(hdr_has(&r, "Set-Cookie: __Host-rp_session="));
  assert_true(hdr_has(&r, "; Secure; HttpOnly; SameSite=Strict"));
  hfree(&r);
  /* Plain HTTP on the TLS port: no page. */
  snprintf(url, sizeof url, "http://127.0.0.1:%u/login", (unsigned)port);
  CURL *c = curl_easy_init();
  memset(&r, 0, sizeof r);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
  cc = curl_easy_perform(c);
  long st = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
  curl_easy_cleanup(c);
  assert_true(cc != CURLE_OK || st != 200);
  assert_true(r.body == NULL || strstr(r.body, "Log ind") == NULL);
  hfree(&r);
  /* The rate limit per client address: two attempts a minute here, the third is
   * refused before any password is looked at. */
  char base[64];
  snprintf(base, sizeof base, "%s", g_base);
  snprintf(g_base, sizeof g_base, "https://127.0.0.1:%u", (unsigned)port);
  snprintf(g_cainfo, sizeof g_cainfo, "%s", ca);
  long last = 0;
  for (int i = 0; i < 3; i++)
    last = login("bo", "forkert kodeord", "");
  snprintf(g_base, sizeof g_base, "%s", base);
  g_cainfo[0] = 0;
  assert_int_equal(last, 429);
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
  snprintf(g_cookie, sizeof g_cookie, "%s", keep);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lockout),
      cmocka_unit_test(test_tls),
      cmocka_unit_test(test_holds_no_inbox_files),
      cmocka_unit_test(test_admin_commands),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
