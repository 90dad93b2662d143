/* SPDX-License-Identifier: MIT */
/*
 * Live updates of rejsepost-webd (docs/WEB.md "Live updates") with real processes: the
 * relay, the inbox daemon (test build), webd, municipalities as library clients, and
 * libcurl as the browser. The stream needs a logged-in session; it tells of a change
 * of the inbox and of a new akut request within seconds, with the urgency and a link
 * and nothing else; while it is open another client still gets its pages; the daemon
 * does not audit the change count webd asks for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>

#include "ibx_fixture.h"
#include "web_ibx.h"
#include "webd_client.h"

static fx g;
static wc g_w;
static const char k_pw[] = "et langt og godt kodeord";

/* One open event stream, read by a thread of its own. */
typedef struct stream {
  wc w;
  pthread_t th;
  pthread_mutex_t mu;
  char buf[16384];
  size_t len;
  char hdr[8192];
  long status;
  int stop, done;
} stream;

static size_t st_body(char *p, size_t sz, size_t n, void *u) {
  stream *s = u;
  size_t k = sz * n;
  pthread_mutex_lock(&s->mu);
  if (s->len + k < sizeof s->buf) {
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    s->buf[s->len] = 0;
  }
  pthread_mutex_unlock(&s->mu);
  return k;
}

static int st_progress(void *u, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
  stream *s = u;
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  pthread_mutex_lock(&s->mu);
  int stop = s->stop;
  pthread_mutex_unlock(&s->mu);
  return stop;
}

static void *st_run(void *arg) {
  stream *s = arg;
  wc_resp r;
  CURL *c = wc_prepare(&s->w, "/begivenheder", NULL, &r);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, st_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, st_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
  curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
  curl_easy_cleanup(c);
  pthread_mutex_lock(&s->mu);
  snprintf(s->hdr, sizeof s->hdr, "%s", r.hdr);
  s->done = 1;
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

static void st_open(stream *s) {
  memset(s, 0, sizeof *s);
  s->w = g_w;
  pthread_mutex_init(&s->mu, NULL);
  assert_int_equal(pthread_create(&s->th, NULL, st_run, s), 0);
}

/* Waits until the stream has needle (1) or timeout_ms passed (0). */
static int st_wait(stream *s, const char *needle, int timeout_ms) {
  for (int t = 0; t < timeout_ms; t += 50) {
    pthread_mutex_lock(&s->mu);
    int hit = strstr(s->buf, needle) != NULL, done = s->done;
    pthread_mutex_unlock(&s->mu);
    if (hit) return 1;
    if (done) return 0;
    fx_sleep_ms(50);
  }
  return 0;
}

static void st_close(stream *s) {
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->th, NULL);
  pthread_mutex_destroy(&s->mu);
}

static size_t count_in(const char *path, const char *needle) {
  char *log = tu_read_file(path, NULL);
  size_t n = 0;
  for (const char *p = log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
    n++;
  free(log);
  return n;
}

/* CPU time (user + system) of a process, in clock ticks. */
static long cpu_ticks(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f != NULL) fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  long ut = 0, st = 0;
  if (p == NULL ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st) != 2)
    return -1;
  return ut + st;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state) {
  char extra[300], text[1000], otp[64];
  fx_start o = {0};
  (void)state;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  oath_init();
  snprintf(extra, sizeof extra, "sara = raadgiver:R2\n[socket]\nfrontends = %s\n", fx_me());
  int rc = fx_init_with(&g, "webd_live", &o, extra);
  if (rc != 0) return rc;
  unsigned port = (unsigned)tp_free_port();
  snprintf(g_w.base, sizeof g_w.base, "http://127.0.0.1:%u", port);
  snprintf(g_w.conf, sizeof g_w.conf, "%s/webd.ini", g.dir);
  snprintf(g_w.log, sizeof g_w.log, "%s/webd.log", g.dir);
  snprintf(text, sizeof text,
           "[web]\nlisten = 127.0.0.1:%u\nsocket = advisor.sock\naccounts = accounts.db\n"
           "login_rate_per_minute = 1000\n",
           port);
  fx_write(g_w.conf, text);
  if (wc_account_add(&g_w, "sara", otp) != 0 || wc_start(&g_w) != 0) return -1;
  return wc_first_login(&g_w, "sara", otp, k_pw);
}

static int teardown(void **state) {
  (void)state;
  wc_stop(&g_w);
  char *log = tu_read_file(g_w.log, NULL);
  if (log != NULL && getenv("RP_TEST_QUIET") == NULL)
    fprintf(stderr, "--- webd log ---\n%s\n", log);
  free(log);
  fx_free(&g);
  curl_global_cleanup();
  return 0;
}

/* Without a session the stream is not opened: to the login page, no event. */
static void test_needs_session(void **state) {
  wc anon = g_w;
  wc_resp r;
  (void)state;
  anon.cookie[0] = 0;
  assert_int_equal(wc_http(&anon, "/begivenheder", NULL, &r), 0);
  assert_int_equal(r.status, 303);
  assert_non_null(strstr(r.hdr, "Location: /login"));
  assert_null(strstr(r.body, "event:"));
  wc_free(&r);
  /* A made-up session id is no session either. */
  snprintf(anon.cookie, sizeof anon.cookie, "__Host-rp_session=%064d", 7);
  assert_int_equal(wc_http(&anon, "/begivenheder", NULL, &r), 0);
  assert_int_equal(r.status, 303);
  wc_free(&r);
}

/* The whole story: the stream opens; another client gets the inbox page meanwhile; a
 * normal request is an "indbakke" event only; an akut one is a "ny" event within a few
 * seconds, with its urgency and link and no content. */
static void test_stream_events(void **state) {
  stream s;
  wc_resp r;
  char normal[RP_ID_STRLEN], akut[RP_ID_STRLEN], th[RP_ID_STRLEN], want[200];
  (void)state;
  st_open(&s);
  assert_true(st_wait(&s, "retry: 5000", 5000));
  /* A second client at the same time: its page comes at once. */
  int64_t t0 = now_ms();
  assert_int_equal(wc_http(&g_w, "/", NULL, &r), 0);
  int64_t page_ms = now_ms() - t0;
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "<h1>Indbakke</h1>"));
  assert_non_null(strstr(r.body, "data-begivenheder=\"/begivenheder\""));
  assert_non_null(strstr(r.body, "<script src=\"/static/live.js\" defer></script>"));
  wc_free(&r);
  assert_int_equal(wc_http(&g_w, "/static/live.js", NULL, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "EventSource"));
  wc_free(&r);
  print_message("inbox page while a stream is open: %lld ms\n", (long long)page_ms);
  assert_true(page_ms < 3000);
  /* Give the poller its baseline, then a normal request: a change, nothing new. */
  fx_sleep_ms(2500);
  assert_int_equal(fx_request(&g, 0, "normal", "vold", normal), 0);
  assert_true(st_wait(&s, "event: indbakke", 20000));
  assert_false(st_wait(&s, "event: ny", 10));
  /* An akut request: its event within a few seconds of its arrival in the inbox. */
  assert_int_equal(fx_request(&g, 1, "akut", "tvangsaegteskab", akut), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", akut, 20000), 0);
  t0 = now_ms();
  assert_true(st_wait(&s, "event: ny", 10000));
  int64_t ev_ms = now_ms() - t0;
  print_message("akut event after the request was listed: %lld ms\n", (long long)ev_ms);
  assert_true(ev_ms < 5000);
  assert_int_equal(fx_thread_of(&g, akut, th), 0);
  snprintf(want, sizeof want,
           "event: ny\ndata: {\"urgency\":\"akut\",\"href\":\"" RP_IBX_CASE_PATH
           "%s\"}\n\n",
           th);
  st_wait(&s, want, 1000);
  pthread_mutex_lock(&s.mu);
  char copy[sizeof s.buf];
  snprintf(copy, sizeof copy, "%s", s.buf);
  pthread_mutex_unlock(&s.mu);
  assert_non_null(strstr(copy, want));
  /* No content: no question, category, municipality or sender in the stream. */
  assert_null(strstr(copy, "Pigen"));
  assert_null(strstr(copy, "tvangs"));
  assert_null(strstr(copy, "vold"));
  assert_null(strstr(copy, "sagsbehandler"));
  assert_null(strstr(copy, g.mun_id[1]));
  /* Every data line is one of the two shapes. */
  for (const char *p = strstr(copy, "data: "); p != NULL; p = strstr(p + 1, "data: ")) {
    static const char k_empty[] = "data: {}\n",
                      k_akut[] = "data: {\"urgency\":\"akut\",\"href\":\"" RP_IBX_CASE_PATH;
    assert_true(strncmp(p, k_empty, strlen(k_empty)) == 0 ||
                strncmp(p, k_akut, strlen(k_akut)) == 0);
  }
  st_close(&s);
  assert_non_null(strstr(s.hdr, "Content-Type: text/event-stream"));
  assert_non_null(strstr(s.hdr, "Content-Security-Policy: default-src 'none'"));
  assert_non_null(strstr(s.hdr, "Cache-Control: no-store"));
  assert_int_equal(s.status, 200);
}

/* The change count webd asks for every two seconds is not in the audit chain; the
 * listings it makes after a change are, in the advisor's name. A listing's own audit
 * line is no change of the inbox: with nothing happening, nothing more is listed. */
static void test_changes_not_audited(void **state) {
  stream s;
  (void)state;
  st_open(&s);
  assert_true(st_wait(&s, "retry: 5000", 5000));
  fx_sleep_ms(3000); /* the poller's baseline listing */
  size_t before = count_in(g.audit, "who=sara action=list thread=- via=web");
  long cpu0 = cpu_ticks(g_w.pid);
  fx_sleep_ms(5000); /* two polls and more */
  long cpu = cpu_ticks(g_w.pid) - cpu0;
  size_t after = count_in(g.audit, "who=sara action=list thread=- via=web");
  assert_false(st_wait(&s, "event: indbakke", 10));
  st_close(&s);
  print_message("webd's listings: %zu, then %zu after 5 s of quiet; its CPU in them: %ld "
                "ticks of %ld a second\n",
                before, after, cpu, sysconf(_SC_CLK_TCK));
  /* A waiting stream is suspended, not polled: webd idles. */
  assert_true(cpu0 >= 0 && cpu < sysconf(_SC_CLK_TCK) / 2);
  assert_true(before >= 1);
  assert_int_equal(after, before);
  char *log = tu_read_file(g.audit, NULL);
  assert_non_null(log);
  assert_null(strstr(log, "action=changes"));
  free(log);
}

/* Logout ends an open stream at once. */
static void test_logout_ends_stream(void **state) {
  stream s;
  wc_resp r;
  char csrf[80], form[100];
  (void)state;
  st_open(&s);
  assert_true(st_wait(&s, "retry: 5000", 5000));
  fx_sleep_ms(2500); /* it stays open while the session lives */
  pthread_mutex_lock(&s.mu);
  assert_false(s.done);
  pthread_mutex_unlock(&s.mu);
  assert_int_equal(wc_http(&g_w, "/", NULL, &r), 0);
  assert_int_equal(wc_csrf(&r, csrf), 0);
  wc_free(&r);
  snprintf(form, sizeof form, "csrf=%s", csrf);
  assert_int_equal(wc_http(&g_w, "/logout", form, &r), 0);
  assert_int_equal(r.status, 303);
  wc_free(&r);
  int ended = 0, t = 0;
  for (; t < 25000 && !ended; t += 100) {
    pthread_mutex_lock(&s.mu);
    ended = s.done;
    pthread_mutex_unlock(&s.mu);
    fx_sleep_ms(100);
  }
  print_message("stream ended %d ms after the logout\n", t);
  assert_true(ended);
  assert_true(t < 5000);
  st_close(&s);
}

/* The change count is a front end's: the daemon answers webd's user with a number, and
 * refuses anyone else (EPERM), audited as such. */
static void test_changes_front_end_only(void **state) {
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_CHANGES};
  rp__web_resp r;
  (void)state;
  assert_int_equal(rp__web_ibx_call(g.sock, &q, &r), 0);
  assert_int_equal(r.err, 0);
  assert_non_null(strstr(r.json, "{\"changes\":"));
  rp__web_resp_free(&r);
  fx_set_user(&g, "eve");
  assert_int_equal(rp__web_ibx_call(g.sock, &q, &r), 0);
  fx_set_user(&g, NULL);
  assert_int_equal(r.err, RP_EPERM);
  assert_string_equal(r.json, "");
  rp__web_resp_free(&r);
  assert_true(count_in(g.audit, "who=eve action=frontend_refused") >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_changes_front_end_only),
      cmocka_unit_test(test_needs_session),
      cmocka_unit_test(test_stream_events),
      cmocka_unit_test(test_changes_not_audited),
      cmocka_unit_test(test_logout_ends_stream),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
