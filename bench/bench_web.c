/* SPDX-License-Identifier: MIT */
/*
 * The web workspace's render time (issue 12): the inbox page with many threads and a
 * thread page with many messages, through rejsepost-webd and the inbox daemon as a
 * browser gets them. Times are printed, never asserted. RP_BUILD_DIR must name the
 * build root (default ".").
 *
 *   bench_web [-n THREADS] [-m MESSAGES] [-r ROUNDS]     (default 10000, 50, 20)
 *
 * The world is the inbox tests' (tests/inbox/ibx_fixture.h): a real relay, the inbox
 * daemon's test build, three municipalities on the client library. They send THREADS
 * requests (1 in 50 akut, 1 in 10 haster, the rest normal) and one more request with
 * MESSAGES - 1 follow-ups in its thread (sent first); the bench waits until the daemon's
 * store holds them all (it counts the rows of its SQLite file, read-only). Then
 * rejsepost-webd starts as the bench's own front end, an advisor logs in (one-time
 * password, enrolment with a TOTP code) and each page is fetched ROUNDS times after one
 * warm-up: libcurl's time to the first byte (webd answers once the page is rendered, so
 * this is the server's time: the daemon's answer plus webd's HTML) and the total. Beside
 * it, the daemon alone: the same `list` and `show` asked over the advisor socket directly,
 * as webd asks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* the fixture's headers use its assertions */

#include <sqlite3.h>

#include "ibx_fixture.h"
#include "web_ibx.h"
#include "webd_client.h"

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_d);
  printf("  %-44s min %7.1f  median %7.1f  p90 %7.1f  max %7.1f ms\n", what, v[0], v[n / 2],
         v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], v[n - 1]);
}

static double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long count_rows(const char *db, const char *sql) {
  sqlite3 *h = NULL;
  sqlite3_stmt *s = NULL;
  long n = -1;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    n = (long)sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

/* Fetches path rounds times (after a warm-up): first byte and total, in ms. */
static void fetch(wc *w, const char *label, const char *path, int rounds, size_t *bytes,
                  unsigned *rows) {
  double *ttfb = calloc((size_t)rounds, sizeof *ttfb), *tot = calloc((size_t)rounds, 8);
  char what[120];
  for (int i = -1; i < rounds; i++) {
    wc_resp r;
    CURL *c = wc_prepare(w, path, NULL, &r);
    curl_off_t st = 0, tt = 0;
    if (curl_easy_perform(c) != CURLE_OK) {
      fprintf(stderr, "bench_web: GET %s failed\n", path);
      exit(1);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &st);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &tt);
    curl_easy_cleanup(c);
    if (r.status != 200) {
      fprintf(stderr, "bench_web: GET %s: status %ld\n", path, r.status);
      exit(1);
    }
    if (i >= 0) {
      ttfb[i] = (double)st / 1000.0;
      tot[i] = (double)tt / 1000.0;
    }
    *bytes = r.len;
    *rows = 0;
    for (const char *p = r.body;
         p != NULL && (p = strstr(p, "href=\"" RP_IBX_CASE_PATH)) != NULL; p++)
      (*rows)++;
    wc_free(&r);
  }
  snprintf(what, sizeof what, "%s: first byte", label);
  report(what, ttfb, rounds);
  snprintf(what, sizeof what, "%s: whole page", label);
  report(what, tot, rounds);
  free(ttfb);
  free(tot);
}

/* The daemon alone: one action over the socket, rounds times. */
static void direct(fx *g, const char *label, int action, const char *thread, int rounds,
                   size_t *jlen) {
  double *t = calloc((size_t)rounds, sizeof *t);
  for (int i = -1; i < rounds; i++) {
    rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = action};
    rp__web_resp r;
    q.as = rp__str_c("sara");
    if (thread != NULL) q.thread = rp__str_c(thread);
    double t0 = mono_ms();
    if (rp__web_ibx_call(g->sock, &q, &r) != 0 || r.err != 0) {
      fprintf(stderr, "bench_web: the daemon refused %s: %s\n", label, r.msg ? r.msg : "");
      exit(1);
    }
    if (i >= 0) t[i] = mono_ms() - t0;
    *jlen = strlen(r.json);
    rp__web_resp_free(&r);
  }
  report(label, t, rounds);
  free(t);
}

int main(int argc, char **argv) {
  static fx g;
  wc w;
  long threads = 10000, msgs = 50;
  int rounds = 20, c;
  char extra[300], text[1000], otp[64], id[RP_ID_STRLEN], th[RP_ID_STRLEN];
  while ((c = getopt(argc, argv, "n:m:r:")) != -1) {
    if (c == 'n')
      threads = atol(optarg);
    else if (c == 'm')
      msgs = atol(optarg);
    else if (c == 'r')
      rounds = atoi(optarg);
    else {
      fprintf(stderr, "usage: bench_web [-n THREADS] [-m MESSAGES] [-r ROUNDS]\n");
      return 2;
    }
  }
  if (threads < 1 || msgs < 1 || rounds < 1) return 2;
  setenv("RP_TEST_QUIET", "1", 1);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  oath_init();
  memset(&w, 0, sizeof w);
  fx_start o = {0};
  snprintf(extra, sizeof extra, "sara = raadgiver:R2\n[socket]\nfrontends = %s\n", fx_me());
  if (fx_init_with(&g, "bench_web", &o, extra) != 0) {
    fprintf(stderr, "bench_web: the world did not start (RP_BUILD_DIR?)\n");
    return 1;
  }
  /* The long thread first (while the listing still shows it): a request and its
   * follow-ups; then the many threads. */
  double t0 = mono_ms();
  if (fx_request(&g, 0, "haster", "trusler", id) != 0 ||
      fx_wait_listed(&g, "list --json", id, 60000) != 0 || fx_thread_of(&g, id, th) != 0) {
    fprintf(stderr, "bench_web: the long thread did not start\n");
    fx_free(&g);
    return 1;
  }
  for (long i = 1; i < msgs; i++)
    if (fx_follow_up_in(&g, 0, th, id) != 0) {
      fx_free(&g);
      return 1;
    }
  static const char *const cats[] = {"vold", "trusler", "tvangsaegteskab", "exit"};
  for (long i = 0; i < threads; i++) {
    const char *urg = i % 50 == 0 ? "akut" : i % 10 == 0 ? "haster" : "normal";
    if (fx_request(&g, (int)(i % FX_NMUN), urg, cats[i % 4], id) != 0) {
      fprintf(stderr, "bench_web: send %ld failed\n", i);
      fx_free(&g);
      return 1;
    }
  }
  long want_msgs = threads + msgs;
  for (;;) {
    long n = count_rows(g.db, "SELECT count(*) FROM messages");
    if (n >= want_msgs) break;
    if (mono_ms() - t0 > 1800000) {
      fprintf(stderr, "bench_web: only %ld of %ld messages arrived\n", n, want_msgs);
      fx_free(&g);
      return 1;
    }
    fx_sleep_ms(500);
  }
  printf("bench_web: %ld threads and one of %ld messages stored in the inbox in %.1f s\n",
         count_rows(g.db, "SELECT count(*) FROM threads"),
         count_rows(g.db, "SELECT count(*) FROM messages WHERE thread_id = (SELECT "
                          "thread_id FROM messages GROUP BY thread_id ORDER BY count(*) "
                          "DESC LIMIT 1)"),
         (mono_ms() - t0) / 1000.0);
  /* webd, and an advisor logged in. */
  unsigned port = (unsigned)tp_free_port();
  snprintf(w.base, sizeof w.base, "http://127.0.0.1:%u", port);
  snprintf(w.conf, sizeof w.conf, "%s/webd.ini", g.dir);
  snprintf(w.log, sizeof w.log, "%s/webd.log", g.dir);
  snprintf(text, sizeof text,
           "[web]\nlisten = 127.0.0.1:%u\nsocket = advisor.sock\naccounts = accounts.db\n",
           port);
  fx_write(w.conf, text);
  if (wc_account_add(&w, "sara", otp) != 0 || wc_start(&w) != 0 ||
      wc_first_login(&w, "sara", otp, "et langt og godt kodeord") != 0) {
    fprintf(stderr, "bench_web: webd or the login failed\n");
    wc_stop(&w);
    fx_free(&g);
    return 1;
  }
  size_t bytes = 0, jlen = 0;
  unsigned rows = 0;
  char path[80];
  printf("rounds: %d after one warm-up; plain HTTP on loopback\n", rounds);
  direct(&g, "daemon alone: list (socket, JSON)", RP_IBX_A_LIST, NULL, rounds, &jlen);
  printf("    its JSON: %zu bytes\n", jlen);
  fetch(&w, "inbox page /", "/", rounds, &bytes, &rows);
  printf("    the page: %zu bytes, %u threads shown\n", bytes, rows);
  fetch(&w, "inbox page /?kategori=exit", "/?kategori=exit", rounds, &bytes, &rows);
  printf("    the page: %zu bytes, %u threads shown\n", bytes, rows);
  direct(&g, "daemon alone: show (socket, JSON)", RP_IBX_A_SHOW, th, rounds, &jlen);
  printf("    its JSON: %zu bytes\n", jlen);
  snprintf(path, sizeof path, RP_IBX_CASE_PATH "%s", th);
  fetch(&w, "thread page (one thread)", path, rounds, &bytes, &rows);
  printf("    the page: %zu bytes, %ld messages in the thread\n", bytes, msgs);
  wc_stop(&w);
  fx_free(&g);
  curl_global_cleanup();
  return 0;
}
