/* SPDX-License-Identifier: MIT */
/*
 * The demo's web workspace: a self-signed certificate made with the openssl command
 * line (a child process like the other programs: the one line of `openssl req` is what
 * an operator would type, and the demo needs no TLS code of its own), rejsepost-webd
 * for the team over HTTPS on loopback, an account for the demo's advisor with a
 * one-time password (`rejsepost-webd account add`), and either one check through it
 * (libcurl: log in with the one-time password, enrol with a TOTP code from liboath,
 * fetch the inbox) or, with --serve, everything left running for a person to click.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <liboath/oath.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ibx_caps.h"
#include "clock.h"
#include "demo.h"
#include "file.h"
#include "rejsepost_errors.h"

extern char **environ;

#define DM_WEB_OUT_MAX (64u * 1024)

/* Runs argv[0] = exe with stdout and stderr to `out` (a file), at most d->timeout_ms.
 * Its exit status, or -1. *text gets the output (malloc'd, never NULL). */
static int run_capture(dm_demo *d, const char *exe, char *const *argv, char **text) {
  char out[PATH_MAX + 32];
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int st = -1;
  uint8_t *buf = NULL;
  size_t len = 0;
  *text = NULL;
  snprintf(out, sizeof out, "%s/cmd.out", d->web_dir);
  if (posix_spawn_file_actions_init(&fa) != 0) return -1;
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  fflush(NULL);
  int rc = posix_spawnp(&pid, exe, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    uint64_t deadline = rp__clock_mono_ms() + (uint64_t)d->timeout_ms;
    struct timespec ts = {0, 5 * 1000 * 1000};
    for (;;) {
      pid_t w = waitpid(pid, &st, WNOHANG);
      if (w == pid) {
        st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        break;
      }
      if (rp__clock_mono_ms() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        st = -1;
        break;
      }
      nanosleep(&ts, NULL);
    }
  }
  if (rp__file_read(out, DM_WEB_OUT_MAX, &buf, &len) == 0)
    *text = (char *)buf;
  else
    *text = strdup("");
  unlink(out);
  return st;
}

/* A free TCP port on loopback (bound and released: another program could take it in
 * between, which on a demo's machine is unlikely). */
static uint16_t free_port(void) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
    port = ntohs(sa.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static int make_cert(dm_demo *d) {
  char *text = NULL;
  char *argv[] = {(char *)"openssl",
                  (char *)"req",
                  (char *)"-x509",
                  (char *)"-newkey",
                  (char *)"ec",
                  (char *)"-pkeyopt",
                  (char *)"ec_paramgen_curve:P-256",
                  (char *)"-nodes",
                  (char *)"-days",
                  (char *)"7",
                  (char *)"-subj",
                  (char *)"/CN=rejsepost-demo",
                  (char *)"-addext",
                  (char *)"subjectAltName=IP:127.0.0.1,DNS:localhost",
                  (char *)"-keyout",
                  d->web_key,
                  (char *)"-out",
                  d->web_cert,
                  NULL};
  int st = run_capture(d, "openssl", argv, &text);
  if (st != 0) {
    dm_fail(d, "webd", "openssl could not make the certificate (status %d): %.200s", st,
            text);
    free(text);
    return -1;
  }
  free(text);
  chmod(d->web_key, 0600);
  char *fp_argv[] = {
      (char *)"openssl", (char *)"x509", (char *)"-noout", (char *)"-fingerprint",
      (char *)"-sha256", (char *)"-in",  d->web_cert,      NULL};
  if (run_capture(d, "openssl", fp_argv, &text) == 0) {
    const char *eq = strchr(text, '=');
    snprintf(d->web_fpr, sizeof d->web_fpr, "%.*s", eq != NULL ? 95 : 0,
             eq != NULL ? eq + 1 : "");
  }
  free(text);
  dm_event(d, "webd", NULL,
           "self-signed certificate for 127.0.0.1 (openssl req, P-256, 7 days): "
           "web/cert.pem, key web/key.pem (0600)");
  return 0;
}

static int write_conf(dm_demo *d) {
  char text[4096];
  int n = snprintf(text, sizeof text,
                   "# rejsepost-webd for the demo (docs/WEB.md explains every setting)\n"
                   "[web]\nlisten = 127.0.0.1:%u\ntls_cert = cert.pem\ntls_key = key.pem\n"
                   "socket = %s\naccounts = accounts.db\n",
                   (unsigned)d->web_port, d->sock);
  if (n < 0 || (size_t)n >= sizeof text) return dm_fail(d, "webd", "settings too long");
  int rc = rp__file_write(d->web_conf, text, (size_t)n, 0600, 1);
  if (rc != 0)
    return dm_fail(d, "webd", "cannot write %s: %s", d->web_conf, rp_strerror(rc));
  return 0;
}

/* `rejsepost-webd account add USER`: the one-time password from its output. */
static int add_account(dm_demo *d) {
  char *text = NULL;
  char *argv[] = {(char *)"rejsepost-webd",
                  (char *)"--config",
                  d->web_conf,
                  (char *)"account",
                  (char *)"add",
                  d->web_user,
                  NULL};
  int st = run_capture(d, d->webd_exe, argv, &text);
  const char *p = text != NULL ? strstr(text, "one-time password for ") : NULL;
  p = p != NULL ? strstr(p, ": ") : NULL;
  if (st != 0 || p == NULL || strlen(p + 2) < 23) {
    dm_fail(d, "webd", "account add %s failed (status %d): %.200s", d->web_user, st,
            text != NULL ? text : "");
    free(text);
    return -1;
  }
  snprintf(d->web_otp, sizeof d->web_otp, "%.23s", p + 2);
  free(text);
  dm_event(d, "webd", NULL, "account %s made with a one-time password (account add)",
           d->web_user);
  return 0;
}

int dm_web_start(dm_demo *d) {
  char log[PATH_MAX + 16];
  struct passwd *pw = getpwuid(geteuid());
  int rc;
  if (pw == NULL || strlen(pw->pw_name) > 32 ||
      strspn(pw->pw_name,
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          strlen(pw->pw_name))
    return dm_fail(d, "webd", "the demo's user name does not fit an account name");
  snprintf(d->web_user, sizeof d->web_user, "%s", pw->pw_name);
  snprintf(d->web_dir, sizeof d->web_dir, "%s/web", d->dir);
  snprintf(d->web_conf, sizeof d->web_conf, "%s/webd.ini", d->web_dir);
  snprintf(d->web_cert, sizeof d->web_cert, "%s/cert.pem", d->web_dir);
  snprintf(d->web_key, sizeof d->web_key, "%s/key.pem", d->web_dir);
  if (mkdir(d->web_dir, 0700) != 0)
    return dm_fail(d, "webd", "cannot create %s: %s", d->web_dir, strerror(errno));
  if ((d->web_port = free_port()) == 0) return dm_fail(d, "webd", "no free port");
  snprintf(d->web_url, sizeof d->web_url, "https://127.0.0.1:%u", (unsigned)d->web_port);
  if (make_cert(d) != 0 || write_conf(d) != 0 || add_account(d) != 0) return -1;
  char *args[] = {(char *)"rejsepost-webd", (char *)"--config", d->web_conf, NULL};
  snprintf(log, sizeof log, "%s/webd.log", d->web_dir);
  rc = dm_daemon_start(&d->webd, d->webd_exe, args, log, "event=listening", d->timeout_ms);
  if (rc != 0) {
    dm_fail(d, "webd", "rejsepost-webd did not start (%s); see %s", rp_strerror(rc), log);
    if (d->webd.pid > 0) dm_daemon_stop(&d->webd, 2000);
    return -1;
  }
  dm_event(d, "webd", NULL,
           "rejsepost-webd pid %ld listening on %s: a front end of the advisor socket "
           "([socket] frontends = %s), no team key, no inbox store",
           (long)d->webd.pid, d->web_url, d->web_user);
  return 0;
}

int dm_web_stop(dm_demo *d) {
  if (d->webd.pid <= 0) return 0;
  int rc = dm_daemon_stop(&d->webd, d->timeout_ms);
  if (rc != 0)
    return dm_fail(d, "webd", "stopped with status %d (%s)", rc,
                   rc < 0 ? rp_strerror(rc) : "expected 0");
  dm_event(d, "webd", NULL, "stopped by SIGTERM, exit status 0");
  return 0;
}

/* ---- the check: one browser's visit over HTTPS, with libcurl ---- */

typedef struct page {
  char *body;
  size_t len;
  long status;
  char location[256];
} page;

static size_t on_body(char *p, size_t sz, size_t n, void *u) {
  page *pg = u;
  size_t k = sz * n;
  if (pg->len + k > 4u * 1024 * 1024) return 0;
  char *nb = realloc(pg->body, pg->len + k + 1);
  if (nb == NULL) return 0;
  memcpy(nb + pg->len, p, k);
  pg->len += k;
  nb[pg->len] = 0;
  pg->body = nb;
  return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u) {
  page *pg = u;
  size_t k = sz * n;
  if (k > 10 && strncasecmp(p, "Location: ", 10) == 0)
    snprintf(pg->location, sizeof pg->location, "%.*s", (int)strcspn(p + 10, "\r\n"),
             p + 10);
  return k;
}

/* One request on the browser c (its cookies kept); form NULL: GET. 0 or -1. */
static int visit(CURL *c, const char *base, const char *path, const char *form, page *pg) {
  char url[300];
  free(pg->body);
  memset(pg, 0, sizeof *pg);
  snprintf(url, sizeof url, "%s%s", base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (form != NULL) curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, form);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, pg);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, pg);
  if (curl_easy_perform(c) != CURLE_OK) return -1;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &pg->status);
  if (pg->body == NULL) pg->body = strdup("");
  return pg->body != NULL ? 0 : -1;
}

/* The value after `start` up to the next `end` character, or "". */
static void between(const char *s, const char *start, char end, char *out, size_t cap) {
  const char *p = s != NULL ? strstr(s, start) : NULL;
  out[0] = 0;
  if (p == NULL) return;
  p += strlen(start);
  size_t n = strcspn(p, (char[]){end, 0});
  if (n < cap) {
    memcpy(out, p, n);
    out[n] = 0;
  }
}

static void urlenc(const char *s, char *out, size_t cap) {
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

static int web_visit(dm_demo *d, CURL *c) {
  page pg = {0};
  char csrf[80], form[1024], otp[80], secret[80], pw[40], code[8];
  int r = -1;
  uint8_t rnd[12];
  if (visit(c, d->web_url, "/login", NULL, &pg) != 0 || pg.status != 200) {
    dm_fail(d, "browser", "GET /login over HTTPS failed (status %ld)", pg.status);
    goto out;
  }
  between(pg.body, "name=\"csrf\" value=\"", '"', csrf, sizeof csrf);
  urlenc(d->web_otp, otp, sizeof otp);
  snprintf(form, sizeof form, "csrf=%s&navn=%s&adgangskode=%s&kode=", csrf, d->web_user,
           otp);
  if (visit(c, d->web_url, "/login", form, &pg) != 0 || pg.status != 303 ||
      strcmp(pg.location, "/enrol") != 0) {
    dm_fail(d, "browser", "login with the one-time password refused (status %ld)",
            pg.status);
    goto out;
  }
  dm_event(d, "browser", NULL,
           "logged in over HTTPS with the one-time password: to enrolment (/enrol)");
  if (visit(c, d->web_url, "/enrol", NULL, &pg) != 0 || pg.status != 200) {
    dm_fail(d, "browser", "GET /enrol failed (status %ld)", pg.status);
    goto out;
  }
  between(pg.body, "name=\"csrf\" value=\"", '"', csrf, sizeof csrf);
  between(pg.body, "<code id=\"noegle\">", '<', secret, sizeof secret);
  char *raw = NULL;
  size_t rawlen = 0;
  if (secret[0] == 0 ||
      oath_base32_decode(secret, strlen(secret), &raw, &rawlen) != OATH_OK ||
      oath_totp_generate(raw, rawlen, time(NULL), 30, 0, 6, code) != OATH_OK) {
    free(raw);
    dm_fail(d, "browser", "no TOTP secret on the enrolment page");
    goto out;
  }
  free(raw);
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
  snprintf(form, sizeof form, "csrf=%s&ny1=%s&ny2=%s&kode=%s", csrf, pw, pw, code);
  if (visit(c, d->web_url, "/enrol", form, &pg) != 0 || pg.status != 303) {
    dm_fail(d, "browser", "enrolment refused (status %ld)", pg.status);
    goto out;
  }
  dm_event(d, "browser", NULL,
           "enrolled: a new password and the authenticator code (TOTP, computed here "
           "with liboath from the secret the page shows)");
  uint64_t t = rp__clock_mono_ms();
  if (visit(c, d->web_url, "/", NULL, &pg) != 0 || pg.status != 200 ||
      strstr(pg.body, "<h1>Indbakke</h1>") == NULL) {
    dm_fail(d, "browser", "the inbox page did not come (status %ld)", pg.status);
    goto out;
  }
  unsigned rows = 0;
  for (const char *p = pg.body; (p = strstr(p, "href=\"" RP_IBX_CASE_PATH)) != NULL; p++)
    rows++;
  const char *akut = strstr(pg.body, "AKUT"),
             *first = strstr(pg.body, "href=\"" RP_IBX_CASE_PATH);
  dm_event(d, "browser", NULL, "GET / (the inbox): 200 in %llu ms, %u threads listed%s",
           (unsigned long long)(rp__clock_mono_ms() - t), rows,
           akut != NULL && first != NULL && akut < first ? ", AKUT first" : "");
  r = 0;
out:
  free(pg.body);
  return r;
}

int dm_web_check(dm_demo *d) {
  CURL *c = curl_easy_init();
  int r;
  if (c == NULL) return dm_fail(d, "browser", "libcurl could not start");
  curl_easy_setopt(c, CURLOPT_CAINFO, d->web_cert); /* trust exactly the demo's cert */
  curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");      /* keep cookies, as a browser */
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
  r = web_visit(d, c);
  curl_easy_cleanup(c);
  return r;
}

void dm_web_print_login(dm_demo *d) {
  printf("\n  The web workspace: %s/\n", d->web_url);
  printf("  Log in as %s with the one-time password %s (code field empty),\n", d->web_user,
         d->web_otp);
  printf("  then choose a password and add the shown secret to an authenticator app.\n");
  if (d->web_fpr[0] != 0)
    printf("  The certificate is self-signed; its SHA-256 fingerprint is\n  %s\n",
           d->web_fpr);
  printf("\n");
  fflush(stdout);
}

static volatile sig_atomic_t g_stop;
static void on_stop(int sig) {
  (void)sig;
  g_stop = 1;
}

void dm_web_serve(dm_demo *d) {
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = on_stop;
  sigaction(SIGINT, &act, NULL);
  sigaction(SIGTERM, &act, NULL);
  printf("  Everything keeps running until Ctrl-C.\n\n");
  fflush(stdout);
  while (!g_stop) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (g_stop) break; /* Ctrl-C reaches the daemons too (one process group) */
    if (d->webd.pid > 0 && waitpid(d->webd.pid, NULL, WNOHANG) == d->webd.pid) {
      d->webd.pid = -1;
      dm_fail(d, "webd", "rejsepost-webd exited; see %s", d->webd.log);
      break;
    }
  }
  dm_event(d, "demo", NULL, "stopping (Ctrl-C)");
}
