/* SPDX-License-Identifier: MIT */
/*
 * The web tests' world, on top of the inbox tests' (tests/inbox/ibx_fixture.h): the web
 * daemon as a child process, libcurl as the browser with one session in globals (the
 * cookie kept as a browser keeps it), the administrator's commands. The pieces without a
 * session (response buffers, cookies, form encoding, CSRF tokens, TOTP codes) are
 * webd_client.h's. Header-only, as ibx_fixture.h: one program per *_test.c.
 */
#ifndef RP_TESTS_WEBD_FIXTURE_H
#define RP_TESTS_WEBD_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_fixture.h"
#include "webd_client.h"

static fx g;
/* The web daemon's configuration, accounts store and log; its URL; the first account's
 * one-time password. */
__attribute__((unused)) static char g_webconf[800], g_acc[800], g_weblog[800], g_base[64],
    g_pw[64];
__attribute__((unused)) static pid_t g_webd;
/* "name=value" of the session cookie; sara's TOTP secret (base32) after enrolment; the
 * HTTPS test's certificate, when set. */
__attribute__((unused)) static char g_cookie[200], g_secret[64], g_cainfo[800];
__attribute__((unused)) static const char k_newpw[] = "et langt og godt kodeord";

/* A response: webd_client.h's, its session (w) unused here. */
typedef wc_resp hresp;

static inline size_t on_header(char *p, size_t sz, size_t n, void *u) {
  wc_keep_header(u, p, sz * n);
  wc_take_cookie(p, sz * n, g_cookie, sizeof g_cookie);
  return sz * n;
}

/* One request; form NULL: GET. */
static inline void http(const char *path, const char *form, hresp *r) {
  CURL *c = curl_easy_init();
  char url[300], cookie[240];
  memset(r, 0, sizeof *r);
  snprintf(url, sizeof url, "%s%s", g_base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  if (g_cookie[0] != 0) {
    snprintf(cookie, sizeof cookie, "%s", g_cookie);
    curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
  }
  if (form != NULL) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
  if (g_cainfo[0] != 0) curl_easy_setopt(c, CURLOPT_CAINFO, g_cainfo);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_cleanup(c);
  if (r->body == NULL) r->body = strdup("");
}

static inline void hfree(hresp *r) {
  wc_free(r);
}

/* The page's CSRF token. */
static inline void csrf_of(const hresp *r, char out[80]) {
  assert_int_equal(wc_csrf(r, out), 0);
}

/* The enrolment page's TOTP secret (base32), into g_secret. */
static inline void secret_of(const hresp *r) {
  const char *k = strstr(r->body, "<code id=\"noegle\">");
  assert_non_null(k);
  k += strlen("<code id=\"noegle\">");
  size_t kl = strcspn(k, "<");
  assert_true(kl > 16 && kl < sizeof g_secret);
  memcpy(g_secret, k, kl);
  g_secret[kl] = 0;
}

/* Percent-encodes s for a form. */
static inline void enc(const char *s, char *out, size_t cap) {
  wc_enc(s, out, cap);
}

static inline void totp(const char *b32, time_t at, char code[7]) {
  assert_int_equal(wc_totp(b32, at, code), 0);
}

static inline int webd_admin(const char *args, char *out, size_t cap) {
  char cmd[2000];
  const char *bdir = getenv("RP_BUILD_DIR");
  snprintf(cmd, sizeof cmd, "%s/web/rejsepost-webd --config %s %s 2>&1",
           bdir != NULL ? bdir : ".", g_webconf, args);
  FILE *p = popen(cmd, "r");
  size_t n = p != NULL ? fread(out, 1, cap - 1, p) : 0;
  out[n] = 0;
  int st = p != NULL ? pclose(p) : -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* "one-time password for NAME: xxxxx-..." */
static inline void one_time(const char *name, char pw[64]) {
  char out[1024], args[100];
  snprintf(args, sizeof args, "account add %s", name);
  assert_int_equal(webd_admin(args, out, sizeof out), 0);
  const char *p = strstr(out, ": ");
  assert_non_null(p);
  snprintf(pw, 64, "%.23s", p + 2);
}

static inline int webd_start(void) {
  char exe[700];
  const char *bdir = getenv("RP_BUILD_DIR");
  snprintf(exe, sizeof exe, "%s/web/rejsepost-webd", bdir != NULL ? bdir : ".");
  pid_t pid = fork();
  if (pid < 0) return RP_EIO;
  if (pid == 0) {
    int fd = open(g_weblog, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) dup2(fd, 2);
    execl(exe, exe, "--config", g_webconf, (char *)NULL);
    _exit(127);
  }
  g_webd = pid;
  for (int i = 0; i < 100; i++) {
    CURL *c = curl_easy_init();
    char url[100];
    snprintf(url, sizeof url, "%s/static/webd.css", g_base);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    int ok = curl_easy_perform(c) == CURLE_OK;
    curl_easy_cleanup(c);
    if (ok) return 0;
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

static inline int audit_has(const char *needle) {
  char *log = tu_read_file(g.audit, NULL);
  int found = log != NULL && strstr(log, needle) != NULL;
  free(log);
  return found;
}

static inline int hdr_has(const hresp *r, const char *needle) {
  return strstr(r->hdr, needle) != NULL;
}

/* Posts the login form (from a fresh session) for name with password pw and TOTP code
 * (may be empty); the answer in *r (hfree it). */
static inline void login_resp(const char *name, const char *pw, const char *code,
                              hresp *r) {
  char csrf[80], form[600], e1[200];
  g_cookie[0] = 0;
  http("/login", NULL, r);
  csrf_of(r, csrf);
  hfree(r);
  enc(pw, e1, sizeof e1);
  snprintf(form, sizeof form, "csrf=%s&navn=%s&adgangskode=%s&kode=%s", csrf, name, e1,
           code);
  http("/login", form, r);
}

/* The login form's answer's status, as login_resp. */
static inline long login(const char *name, const char *pw, const char *code) {
  hresp r;
  login_resp(name, pw, code, &r);
  long st = r.status;
  hfree(&r);
  return st;
}

/* The page's CSRF token, from GET path. */
static inline void page_csrf(const char *path, char csrf[80]) {
  hresp r;
  http(path, NULL, &r);
  assert_int_equal(r.status, 200);
  csrf_of(&r, csrf);
  hfree(&r);
}

static inline size_t pos_of(const char *hay, const char *needle) {
  const char *p = strstr(hay, needle);
  assert_non_null(p);
  return (size_t)(p - hay);
}

/* Enrols sara (one-time password, then her own and a TOTP code) and leaves her in. */
static inline void webd_enrol_sara(void) {
  hresp r;
  char csrf[80], form[600], e1[200], code[7];
  assert_int_equal(login("sara", g_pw, ""), 303);
  http("/enrol", NULL, &r);
  assert_int_equal(r.status, 200);
  secret_of(&r);
  csrf_of(&r, csrf);
  hfree(&r);
  enc(k_newpw, e1, sizeof e1);
  totp(g_secret, time(NULL), code);
  snprintf(form, sizeof form, "csrf=%s&ny1=%s&ny2=%s&kode=%s", csrf, e1, e1, code);
  http("/enrol", form, &r);
  assert_int_equal(r.status, 303);
  hfree(&r);
}

/* The whole world: relay, inbox daemon with sara and bo as advisors and this test's user
 * as the front end, the web daemon on a free loopback port with the [web] lines
 * `web_extra` added (NULL: none), sara's one-time password in g_pw. */
static inline int webd_world_start_with(const char *tag, const char *web_extra) {
  char extra[300], text[1000];
  uint16_t port;
  fx_start o = {0};
  curl_global_init(CURL_GLOBAL_DEFAULT);
  oath_init();
  /* The test's own user runs webd, so it is the front end; sara and bo are advisors. */
  snprintf(extra, sizeof extra,
           "sara = raadgiver:R2\nbo = jurist:J1\n[socket]\nfrontends = %s\n", fx_me());
  int rc = fx_init_with(&g, tag, &o, extra);
  if (rc != 0) return rc;
  port = tp_free_port();
  snprintf(g_base, sizeof g_base, "http://127.0.0.1:%u", (unsigned)port);
  snprintf(g_webconf, sizeof g_webconf, "%s/webd.ini", g.dir);
  snprintf(g_acc, sizeof g_acc, "%s/accounts.db", g.dir);
  snprintf(g_weblog, sizeof g_weblog, "%s/webd.log", g.dir);
  snprintf(text, sizeof text,
           "[web]\nlisten = 127.0.0.1:%u\nsocket = advisor.sock\naccounts = accounts.db\n"
           "login_rate_per_minute = 1000\n%s",
           (unsigned)port, web_extra != NULL ? web_extra : "");
  fx_write(g_webconf, text);
  one_time("sara", g_pw);
  return webd_start();
}

/* The world of the HTTP tests: a short lockout to test. */
static inline int webd_world_start(const char *tag) {
  return webd_world_start_with(tag, "max_failures = 3\nlockout_minutes = 15\n");
}

/* Stops webd (its log to the output unless RP_TEST_QUIET), then the rest. */
static inline void webd_world_stop(void) {
  if (g_webd > 0) {
    kill(g_webd, SIGTERM);
    waitpid(g_webd, NULL, 0);
  }
  char *log = tu_read_file(g_weblog, NULL);
  if (log != NULL && getenv("RP_TEST_QUIET") == NULL)
    fprintf(stderr, "--- webd log ---\n%s\n", log);
  free(log);
  fx_free(&g);
  curl_global_cleanup();
}

#endif
