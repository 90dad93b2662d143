/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-demo end to end (real relay and inbox daemon processes, the real
 * `rejsepost advisor` command, real client library, loopback); its help and usage
 * errors; and the installed rejsepost, which carries no demo. The timeline includes the
 * plan review's documents (a PDF draft saved by the advisor, an annotated copy back).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "run.h"

/* The line of `text` holding both `who` and `what`, or NULL. */
static const char *timeline(const char *text, const char *who, const char *what) {
  for (const char *p = text; p != NULL && *p != '\0';) {
    const char *end = strchr(p, '\n');
    size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
    char line[1024];
    if (n < sizeof line) {
      memcpy(line, p, n);
      line[n] = '\0';
      if (strstr(line, who) != NULL && strstr(line, what) != NULL) return p;
    }
    p = end != NULL ? end + 1 : NULL;
  }
  return NULL;
}

/* The 8-hex msg column of a timeline line ("%7llu ms  %-13s %-8s  what"). */
static void msg_column(const char *line, char out[9]) {
  memcpy(out, line + 26, 8);
  out[8] = '\0';
}

/* Is there an entry named prefix* in dir? */
static int has_entry(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;
  while (d != NULL && (e = readdir(d)) != NULL)
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) found = 1;
  if (d != NULL) closedir(d);
  return found;
}

static void check_requests_and_replies(const char *out) {
  static const char *const who[] = {"kbh-101", "roskilde-265", "aarhus-751"};
  static const char *const urg[] = {"akut", "haster", "plan"};
  for (int i = 0; i < 3; i++) {
    char what[64], id[9];
    snprintf(what, sizeof what, "request (%s) durable", urg[i]);
    const char *req = timeline(out, who[i], what);
    assert_non_null(req);
    msg_column(req, id);
    assert_int_equal(strspn(id, "0123456789abcdef"), 8);
    assert_non_null(timeline(out, who[i], "relayed: the relay stored it"));
    assert_non_null(timeline(out, who[i], "delivered: the team's inbox daemon stored it"));
    assert_non_null(timeline(out, who[i], "opened: an advisor has read the request"));
    /* The reply is linked to this municipality's own request, and comes from the team
     * with the advisor's pseudonym from the inbox daemon's settings. */
    snprintf(what, sizeof what, "received the reply to %s from rejseholdet", id);
    const char *rep = timeline(out, who[i], what);
    assert_non_null(rep);
    assert_true(rep > req);
    snprintf(what, sizeof what, "listed #%d: %s from %s, thread %s", i + 1, urg[i], who[i],
             id);
    assert_non_null(timeline(out, "advisor", what));
    const char *st = timeline(out, who[i], "status answered (sent ");
    assert_non_null(st);
    assert_non_null(timeline(st, who[i], "relayed +"));
    assert_non_null(timeline(st, who[i], ", delivered +"));
    assert_non_null(timeline(st, who[i], ", opened +"));
    assert_non_null(timeline(st, who[i], ", answered +"));
  }
}

static void check_triage(const char *out) {
  /* The readable listing puts akut first (marked !!) although it was sent last. */
  const char *list = timeline(out, "advisor", "$ rejsepost advisor list");
  const char *akut = timeline(out, "advisor", "| !! akut");
  const char *haster = timeline(out, "advisor", "|    haster");
  const char *plan = timeline(out, "advisor", "|    plan");
  assert_non_null(list);
  assert_non_null(akut);
  assert_non_null(haster);
  assert_non_null(plan);
  assert_true(list < akut && akut < haster && haster < plan);
  assert_true(timeline(out, "aarhus-751", "request (plan) durable") <
              timeline(out, "kbh-101", "request (akut) durable"));
  /* Claimed and opened in that order: akut first. */
  const char *c1 = timeline(out, "advisor", "claimed the akut thread (#1)");
  const char *o1 = timeline(out, "advisor", "opened the akut request (#1)");
  const char *o2 = timeline(out, "advisor", "opened the haster request (#2)");
  const char *o3 = timeline(out, "advisor", "opened the plan request (#3)");
  assert_non_null(c1);
  assert_non_null(o1);
  assert_non_null(o2);
  assert_non_null(o3);
  assert_true(c1 < o1 && o1 < o2 && o2 < o3);
  /* The municipality sees "opened" only after the advisor opened it. */
  assert_true(o1 < timeline(out, "kbh-101", "opened: an advisor"));
}

static void check_announcement(const char *out) {
  assert_non_null(
      timeline(out, "advisor", "announcement sent to 2 members of the oest network"));
  assert_non_null(timeline(out, "kbh-101", "received the east-network announcement"));
  assert_non_null(timeline(out, "roskilde-265", "received the east-network announcement"));
  assert_null(timeline(out, "aarhus-751", "received the east-network announcement"));
  assert_non_null(timeline(out, "aarhus-751", "no announcement: not in the east network"));
  assert_non_null(timeline(out, "advisor", "audit-verify: audit log intact"));
}

/* The plan review's documents: the draft PDF goes out, the advisor lists and saves it
 * (sha256 compared), replies with an annotated copy, and the municipality saves that
 * (sha256 compared), in this order. */
static void check_documents(const char *out) {
  const char *sent = timeline(out, "aarhus-751", "plan review with the draft plan (PDF, ");
  const char *show = timeline(
      out, "advisor", "bilag 1: navn beredskabsplan-udkast.pdf, type application/pdf");
  const char *saved = timeline(out, "advisor", "matches the municipality's");
  const char *reply = timeline(out, "advisor", "replied with the annotated copy");
  const char *got = timeline(out, "aarhus-751", "matches the advisor's copy");
  assert_non_null(sent);
  assert_non_null(
      timeline(out, "aarhus-751", "delivered: the inbox daemon stored the draft"));
  assert_non_null(show);
  assert_non_null(saved);
  assert_non_null(strstr(saved, "$ rejsepost advisor save "));
  assert_non_null(reply);
  assert_non_null(got);
  assert_non_null(
      timeline(out, "aarhus-751", "received the reply with kommenteret-udkast.pdf"));
  assert_true(sent < show && show < saved && saved < reply && reply < got);
}

static void check_daemons(const char *out) {
  assert_non_null(timeline(out, "relay", "listening on 127.0.0.1:"));
  assert_non_null(timeline(out, "inboxd", "office hours 00:00-24:00 mon-sun"));
  assert_non_null(timeline(out, "inboxd", "rejsepost-inboxd pid "));
  /* Clean shutdown: the inbox daemon first, then the relay, both exit status 0. */
  const char *i = timeline(out, "inboxd", "stopped by SIGTERM, exit status 0");
  const char *r = timeline(out, "relay", "stopped by SIGTERM, exit status 0");
  assert_non_null(i);
  assert_non_null(r);
  assert_true(i < r);
}

/* The web workspace: webd over HTTPS, the one-time login printed, and the demo's own
 * visit through it (login, enrolment, the inbox with the akut request first). */
static void check_web(const char *out) {
  assert_non_null(timeline(out, "webd", "self-signed certificate for 127.0.0.1"));
  assert_non_null(timeline(out, "webd", "listening on https://127.0.0.1:"));
  assert_non_null(strstr(out, "The web workspace: https://127.0.0.1:"));
  assert_non_null(strstr(out, "with the one-time password "));
  assert_non_null(
      timeline(out, "browser", "logged in over HTTPS with the one-time password"));
  assert_non_null(timeline(out, "browser", "enrolled"));
  assert_non_null(timeline(out, "browser", "GET / (the inbox): 200"));
  assert_non_null(timeline(out, "browser", "AKUT first"));
  assert_non_null(timeline(out, "webd", "stopped by SIGTERM, exit status 0"));
}

static void test_demo(void **state) {
  char tmpenv[1200];
  (void)state;
  /* The demo's temporary folder goes under our own, so nothing is left behind. */
  snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", g_dir);
  putenv(tmpenv);
  uint64_t t0 = tt_mono_ms();
  tt_result r = tt_demo(g_dir, 120000, "--timeout", "30");
  uint64_t took = tt_mono_ms() - t0;
  fprintf(stderr, "%s%s(demo took %llu ms)\n", r.out, r.err, (unsigned long long)took);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "demo OK"));
  assert_null(strstr(r.out, "FAIL"));
  check_daemons(r.out);
  check_requests_and_replies(r.out);
  check_triage(r.out);
  check_announcement(r.out);
  check_documents(r.out);
  check_web(r.out);
  tt_result_free(&r);
  /* The temporary folder was removed. */
  assert_false(has_entry(g_dir, "rejsepost-demo-"));
  tt_result l = tt_demo(g_dir, 60000, "--bogus");
  assert_int_equal(l.status, 2);
  assert_non_null(
      strstr(l.err, "rejsepost-demo: unknown option or missing value: --bogus"));
  assert_non_null(strstr(l.err, "Try 'rejsepost-demo --help'"));
  tt_result_free(&l);
}

/* --serve keeps everything running until Ctrl-C (SIGINT): webd answers on the printed
 * port meanwhile; then every daemon stops cleanly and the demo exits 0. */
static void test_demo_serve(void **state) {
  char outp[1200], tmpenv[1200];
  (void)state;
  snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", g_dir);
  putenv(tmpenv);
  snprintf(outp, sizeof outp, "%s/serve.out", g_dir);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(tt_built("tools/demo/rejsepost-demo"), "rejsepost-demo", "--serve", "--timeout",
          "30", (char *)NULL);
    _exit(127);
  }
  char *out = NULL;
  for (int i = 0; i < 1200; i++) {
    free(out);
    out = tu_read_file(outp, NULL);
    if (out != NULL && (strstr(out, "keeps running until Ctrl-C") != NULL ||
                        strstr(out, "demo FAILED") != NULL))
      break;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  assert_non_null(out);
  assert_non_null(strstr(out, "keeps running until Ctrl-C"));
  const char *u = strstr(out, "The web workspace: https://127.0.0.1:");
  assert_non_null(u);
  unsigned port = (unsigned)atoi(u + strlen("The web workspace: https://127.0.0.1:"));
  free(out);
  /* Still serving a second later: webd takes a connection on its port. */
  sleep(1);
  assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  close(fd);
  kill(pid, SIGINT);
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  out = tu_read_file(outp, NULL);
  assert_non_null(out);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fprintf(stderr, "%s\n", out);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  assert_non_null(timeline(out, "demo", "stopping (Ctrl-C)"));
  assert_non_null(timeline(out, "webd", "stopped by SIGTERM, exit status 0"));
  assert_non_null(strstr(out, "demo OK"));
  assert_null(timeline(out, "browser", "logged in")); /* the login is left to the person */
  free(out);
  unlink(outp);
  assert_false(has_entry(g_dir, "rejsepost-demo-"));
}

/* The demo answers --help with its usage and exit 0, and does nothing else; the
 * installed command line has no demo command. */
static void test_demo_help_and_cli(void **state) {
  (void)state;
  tt_result r = tt_demo(g_dir, 60000, "--help");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "Usage: rejsepost-demo [--keep]"));
  assert_non_null(strstr(r.out, "--rejsepost PATH"));
  assert_null(strstr(r.out, "demo OK"));
  assert_false(has_entry(g_dir, "rejsepost-demo-"));
  tt_result_free(&r);
  r = tt_run(g_dir, "demo");
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "unknown command 'demo'"));
  tt_result_free(&r);
  r = tt_run(g_dir, "--help");
  assert_int_equal(r.status, 0);
  assert_null(strstr(r.out, "demo"));
  tt_result_free(&r);
}

/* Without the inbox daemon the demo stops at once and says how to get it. */
static void test_demo_no_inboxd(void **state) {
  (void)state;
  tt_result r = tt_demo(g_dir, 60000, "--inboxd", "no-such-inboxd");
  assert_int_equal(r.status, 1);
  assert_non_null(strstr(r.err, "cannot find rejsepost-inboxd at no-such-inboxd"));
  assert_null(strstr(r.out, "demo OK"));
  tt_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_demo_help_and_cli),
      cmocka_unit_test(test_demo_no_inboxd),
      cmocka_unit_test(test_demo),
      cmocka_unit_test(test_demo_serve),
  };
  return cmocka_run_group_tests(tests, tt_dir_setup, tt_dir_teardown);
}
