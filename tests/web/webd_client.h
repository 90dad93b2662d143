/* SPDX-License-Identifier: MIT */
/*
 * A small browser for the web tests that came after webd_test.c: libcurl requests with
 * one session cookie, the CSRF token of a page, TOTP codes (liboath), rejsepost-webd
 * started as a child, and a fresh account logged in through its first login and
 * enrolment. Header-only (one program per *_test.c); include after ibx_fixture.h.
 */
#ifndef RP_TESTS_WEBD_CLIENT_H
#define RP_TESTS_WEBD_CLIENT_H

#include <curl/curl.h>
#include <liboath/oath.h>

#include "ibx_caps.h" /* RP_IBX_CASE_PATH: where webd shows a thread */

typedef struct wc {
  char base[64], conf[800], log[800];
  char cookie[200]; /* "name=value" of the session cookie */
  pid_t pid;
} wc;

typedef struct wc_resp {
  long status;
  char *body;
  size_t len;
  char hdr[8192];
  size_t hlen;
  wc *w;
} wc_resp;

static inline size_t wc_on_body(char *p, size_t sz, size_t n, void *u) {
  wc_resp *r = u;
  char *nb = realloc(r->body, r->len + sz * n + 1);
  if (nb == NULL) return 0;
  memcpy(nb + r->len, p, sz * n);
  r->len += sz * n;
  nb[r->len] = 0;
  r->body = nb;
  return sz * n;
}

/* Keeps a response header line in r->hdr while it fits. */
static inline void wc_keep_header(wc_resp *r, const char *p, size_t k) {
  if (r->hlen + k < sizeof r->hdr) {
    memcpy(r->hdr + r->hlen, p, k);
    r->hlen += k;
    r->hdr[r->hlen] = 0;
  }
}

/* The session cookie a browser would keep, from a header line: "name=value" into jar;
 * an empty value clears it. */
static inline void wc_take_cookie(const char *p, size_t k, char *jar, size_t cap) {
  if (k <= 12 || strncasecmp(p, "Set-Cookie: ", 12) != 0) return;
  const char *v = p + 12, *semi = memchr(v, ';', k - 12);
  size_t vl = semi != NULL ? (size_t)(semi - v) : 0;
  const char *eq = memchr(v, '=', vl);
  if (eq != NULL && eq + 1 == semi)
    jar[0] = 0; /* cleared */
  else if (vl > 0 && vl < cap) {
    memcpy(jar, v, vl);
    jar[vl] = 0;
  }
}

static inline size_t wc_on_header(char *p, size_t sz, size_t n, void *u) {
  wc_resp *r = u;
  wc_keep_header(r, p, sz * n);
  wc_take_cookie(p, sz * n, r->w->cookie, sizeof r->w->cookie);
  return sz * n;
}

/* A request made ready (form NULL: GET); the caller performs it. */
static inline CURL *wc_prepare(wc *w, const char *path, const char *form, wc_resp *r) {
  CURL *c = curl_easy_init();
  char url[300];
  memset(r, 0, sizeof *r);
  r->w = w;
  snprintf(url, sizeof url, "%s%s", w->base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wc_on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, wc_on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  if (w->cookie[0] != 0) curl_easy_setopt(c, CURLOPT_COOKIE, w->cookie);
  if (form != NULL) curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, form);
  return c;
}

static inline int wc_http(wc *w, const char *path, const char *form, wc_resp *r) {
  CURL *c = wc_prepare(w, path, form, r);
  CURLcode cr = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_cleanup(c);
  if (r->body == NULL) r->body = strdup("");
  return cr == CURLE_OK ? 0 : -1;
}

static inline void wc_free(wc_resp *r) {
  free(r->body);
  r->body = NULL;
}

static inline int wc_csrf(const wc_resp *r, char out[80]) {
  const char *p = strstr(r->body, "name=\"csrf\" value=\"");
  if (p == NULL) return -1;
  p += strlen("name=\"csrf\" value=\"");
  memcpy(out, p, 64);
  out[64] = 0;
  return 0;
}

static inline void wc_enc(const char *s, char *out, size_t cap) {
  size_t j = 0;
  for (; *s != 0 && j + 4 < cap; s++) {
    unsigned char ch = (unsigned char)*s;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '_' || ch == '.')
      out[j++] = (char)ch;
    else
      j += (size_t)snprintf(out + j, cap - j, "%%%02X", ch);
  }
  out[j] = 0;
}

static inline int wc_totp(const char *b32, time_t at, char code[7]) {
  char *raw = NULL;
  size_t n = 0;
  if (oath_base32_decode(b32, strlen(b32), &raw, &n) != OATH_OK) return -1;
  int r = oath_totp_generate(raw, n, at, 30, 0, 6, code) == OATH_OK ? 0 : -1;
  free(raw);
  return r;
}

static inline const char *wc_exe(void) {
  static char exe[700];
  const char *bdir = getenv("RP_BUILD_DIR");
  snprintf(exe, sizeof exe, "%s/web/rejsepost-webd", bdir != NULL ? bdir : ".");
  return exe;
}

/* `rejsepost-webd --config CONF account add NAME`: the one-time password. */
static inline int wc_account_add(wc *w, const char *name, char pw[64]) {
  char cmd[2000], out[1024];
  snprintf(cmd, sizeof cmd, "%s --config %s account add %s 2>&1", wc_exe(), w->conf, name);
  FILE *p = popen(cmd, "r");
  size_t n = p != NULL ? fread(out, 1, sizeof out - 1, p) : 0;
  out[n] = 0;
  if (p == NULL || pclose(p) != 0) return -1;
  const char *c = strstr(out, ": ");
  if (c == NULL) return -1;
  snprintf(pw, 64, "%.23s", c + 2);
  return 0;
}

static inline int wc_start(wc *w) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open(w->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) dup2(fd, 2);
    execl(wc_exe(), wc_exe(), "--config", w->conf, (char *)NULL);
    _exit(127);
  }
  w->pid = pid;
  for (int i = 0; i < 100; i++) {
    wc_resp r;
    wc tmp = *w;
    tmp.cookie[0] = 0;
    int ok = wc_http(&tmp, "/static/webd.css", NULL, &r) == 0 && r.status == 200;
    wc_free(&r);
    if (ok) return 0;
    fx_sleep_ms(50);
  }
  return -1;
}

static inline void wc_stop(wc *w) {
  if (w->pid > 0) {
    kill(w->pid, SIGTERM);
    waitpid(w->pid, NULL, 0);
    w->pid = 0;
  }
}

/* The first login with the one-time password, then enrolment with a new password and a
 * TOTP code: afterwards w holds a logged-in session. 0 or -1. */
static inline int wc_first_login(wc *w, const char *name, const char *otp,
                                 const char *newpw) {
  wc_resp r;
  char csrf[80], form[700], e1[200], e2[200], secret[64], code[7];
  w->cookie[0] = 0;
  if (wc_http(w, "/login", NULL, &r) != 0 || wc_csrf(&r, csrf) != 0) goto fail;
  wc_free(&r);
  wc_enc(otp, e1, sizeof e1);
  snprintf(form, sizeof form, "csrf=%s&navn=%s&adgangskode=%s&kode=", csrf, name, e1);
  if (wc_http(w, "/login", form, &r) != 0 || r.status != 303) goto fail;
  wc_free(&r);
  if (wc_http(w, "/enrol", NULL, &r) != 0 || wc_csrf(&r, csrf) != 0) goto fail;
  const char *k = strstr(r.body, "<code id=\"noegle\">");
  if (k == NULL) goto fail;
  k += strlen("<code id=\"noegle\">");
  size_t kl = strcspn(k, "<");
  if (kl < 16 || kl >= sizeof secret) goto fail;
  memcpy(secret, k, kl);
  secret[kl] = 0;
  wc_free(&r);
  if (wc_totp(secret, time(NULL), code) != 0) return -1;
  wc_enc(newpw, e2, sizeof e2);
  snprintf(form, sizeof form, "csrf=%s&ny1=%s&ny2=%s&kode=%s", csrf, e2, e2, code);
  if (wc_http(w, "/enrol", form, &r) != 0 || r.status != 303) goto fail;
  wc_free(&r);
  return 0;
fail:
  wc_free(&r);
  return -1;
}

#endif
