/* SPDX-License-Identifier: MIT */
/*
 * Front ends of the advisor socket (docs/INBOX.md "Front ends"): a peer listed in
 * [socket] frontends acts for an advisor with request key 19 (`as`) and records its own
 * events with web_event; anyone else who tries either is refused and audited. The test
 * build's advisor-name file stands in for a second Unix user (ibx_testhooks.c): the
 * daemon takes it as the peer's name, as the shipped daemon takes the kernel's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ibx_areq.h"
#include "ibx_fixture.h"
#include "ibx_sock.h"

#include <grp.h>

static fx g;
static char g_extra[256];

static int setup(void **state) {
  (void)state;
  /* The test's own user is the front end; sara and bo are advisors without a login on
   * this machine. */
  snprintf(g_extra, sizeof g_extra,
           "sara = raadgiver:R2\nbo = jurist:J1\n[socket]\nfrontends = webd-x, %s\n",
           fx_me());
  fx_start o = {0};
  return fx_init_with(&g, "inboxd-front", &o, g_extra);
}

static int teardown(void **state) {
  (void)state;
  fx_free(&g);
  return 0;
}

/* One request over the socket; the error code (0 = done) and the message. */
static int raw(const rp__ibx_req *q, char *msg, size_t cap) {
  uint8_t buf[4096], *resp = NULL;
  size_t len = 0, rlen = 0;
  rp__ibx_resp rs;
  int fd = -1, rc;
  msg[0] = 0;
  if ((rc = rp__ibx_req_encode(q, buf, sizeof buf, &len)) != 0) return rc;
  if ((rc = rp__ibx_sock_connect(g.sock, &fd)) != 0) return rc;
  if ((rc = rp__ibx_sock_write_frame(fd, buf, len)) == 0 &&
      (rc = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 10000, &resp, &rlen)) == 0 &&
      (rc = rp__ibx_resp_decode(resp, rlen, &rs)) == 0) {
    snprintf(msg, cap, "%.*s", (int)rs.message.n, rs.message.p);
    rc = -(int)rs.error;
  }
  free(resp);
  close(fd);
  return rc;
}

static int audit_has(const char *needle) {
  char *log = tu_read_file(g.audit, NULL);
  int found = log != NULL && strstr(log, needle) != NULL;
  free(log);
  return found;
}

static void new_thread(char th[RP_ID_STRLEN]) {
  char id[RP_ID_STRLEN];
  assert_int_equal(fx_request(&g, 0, "haster", "vold", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
}

/* The front end claims as sara: the thread is sara's, the municipality is told of the
 * assignment, and the audit line names sara and ends via=web. */
static void test_front_end_acts_as_advisor(void **state) {
  char th[RP_ID_STRLEN], msg[1024], needle[200], *out = NULL;
  rp_received *r = NULL;
  (void)state;
  new_thread(th);
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_CLAIM};
  q.thread = rp__str_c(th);
  q.as = rp__str_c("sara");
  assert_int_equal(raw(&q, msg, sizeof msg), 0);
  fx_advisor(&g, "list --json", NULL, &out);
  assert_non_null(strstr(out, "\"claimed_by\":\"sara\""));
  free(out);
  snprintf(needle, sizeof needle, "who=sara action=claim thread=%s via=web prev=", th);
  assert_true(audit_has(needle));
  assert_int_equal(fx_wait_kind(&g, 0, "assignment", 20000, &r), 0);
  rp_received_free(r);
  /* The same checks as for sara at the command line: bo may not reply on her thread. */
  q = (rp__ibx_req){.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_REPLY};
  q.thread = rp__str_c(th);
  q.as = rp__str_c("bo");
  q.text = rp__str_c("Svar fra bo.");
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EBUSY);
  assert_non_null(strstr(msg, "sara holds this thread"));
  /* An advisor who is not in [advisors] cannot be named. */
  q.as = rp__str_c("eve");
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EPERM);
  assert_non_null(strstr(msg, "eve is not in [advisors]"));
  snprintf(needle, sizeof needle, "action=frontend_refused thread=%s as=eve prev=", th);
  assert_true(audit_has(needle));
}

/* A peer that is not a front end cannot use `as`: refused, nothing done, audited under
 * its own name. */
static void test_as_from_others_refused(void **state) {
  char th[RP_ID_STRLEN], msg[1024], needle[200], *out = NULL;
  (void)state;
  new_thread(th);
  fx_set_user(&g, "mallory");
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_CLAIM};
  q.thread = rp__str_c(th);
  q.as = rp__str_c("sara");
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EPERM);
  assert_non_null(strstr(msg, "mallory is not a front end"));
  /* Reading with `as` is refused too: `as` is the front end's alone. */
  q.action = RP_IBX_A_LIST;
  q.thread = (rp__str){0};
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EPERM);
  /* And its events. */
  q = (rp__ibx_req){.version = RP_SCHEMA_VERSION,
                    .action = RP_IBX_A_WEB_EVENT,
                    .web_event = RP_IBX_WEV_LOGIN};
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EPERM);
  fx_set_user(&g, NULL);
  snprintf(needle, sizeof needle, "show %s --json", th);
  fx_advisor(&g, needle, NULL, &out);
  assert_non_null(strstr(out, "\"claimed_by\":\"\""));
  free(out);
  snprintf(needle, sizeof needle, "who=mallory action=frontend_refused thread=%s as=sara ",
           th);
  assert_true(audit_has(needle));
  assert_true(audit_has("who=mallory action=frontend_refused thread=- prev="));
  /* The chain is sound with the new lines. */
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &out), 0);
  free(out);
}

/* The front end's own events go into the chain, with no content. */
static void test_web_events(void **state) {
  char msg[1024], *out = NULL;
  (void)state;
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION,
                   .action = RP_IBX_A_WEB_EVENT,
                   .web_event = RP_IBX_WEV_LOGIN};
  q.as = rp__str_c("sara");
  assert_int_equal(raw(&q, msg, sizeof msg), 0);
  assert_true(audit_has("who=sara action=web_login thread=- via=web prev="));
  q.web_event = RP_IBX_WEV_LOCKOUT;
  assert_int_equal(raw(&q, msg, sizeof msg), 0);
  assert_true(audit_has("who=sara action=web_lockout thread=- via=web prev="));
  /* A failed login under a name that is no account: no `as`, the front end's own name. */
  q.as = (rp__str){0};
  q.web_event = RP_IBX_WEV_LOGIN_FAILED;
  assert_int_equal(raw(&q, msg, sizeof msg), 0);
  char needle[120];
  snprintf(needle, sizeof needle,
           "who=%s action=web_login_failed thread=- via=web prev=", fx_me());
  assert_true(audit_has(needle));
  /* No event: refused. */
  q.web_event = 0;
  assert_int_equal(raw(&q, msg, sizeof msg), RP_EMISSING);
  /* Not a command of the advisor's command line. */
  assert_int_equal(fx_advisor(&g, "web_event", NULL, &out), 2);
  free(out);
  assert_int_equal(fx_advisor(&g, "audit-verify", NULL, &out), 0);
  free(out);
}

/* The same with a real second Unix user (only when the test runs as root): a child
 * that is uid 65534 (nobody) but keeps gid 0, so the socket's mode (0660, the daemon's
 * group) lets it in, sends `as`. The daemon knows it from the kernel and refuses. The
 * child re-executes this program (no allocation between fork and exec: the test has
 * threads) and answers by its exit status. */
static void test_as_from_other_uid(void **state) {
  char th[RP_ID_STRLEN], needle[200], self[800];
  struct passwd *pw = getpwuid(65534);
  int st = 0;
  (void)state;
  if (geteuid() != 0) {
    fprintf(stderr, "not root: the real second user is not tried (the test build's user "
                    "file stands in above)\n");
    skip();
  }
  new_thread(th);
  fx_set_user(&g, NULL); /* the kernel's name, as the shipped daemon takes it */
  assert_int_equal(chmod(g.dir, 0710), 0); /* the child may pass through, group only */
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  assert_true(n > 0);
  self[n] = 0;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    gid_t root = 0;
    if (setgroups(1, &root) != 0 || setgid(0) != 0 || setuid(65534) != 0) _exit(100);
    execl(self, self, "--other-user", g.sock, th, (char *)NULL);
    _exit(101);
  }
  assert_int_equal(waitpid(pid, &st, 0), pid);
  chmod(g.dir, 0700);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), -RP_EPERM);
  snprintf(needle, sizeof needle, "who=%s action=frontend_refused thread=%s as=sara ",
           pw != NULL ? pw->pw_name : "65534", th);
  assert_true(audit_has(needle));
}

/* The child of test_as_from_other_uid: claim as sara; the exit status is the error. */
static int other_user(const char *sock, const char *th) {
  char msg[1024];
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_CLAIM};
  q.thread = rp__str_c(th);
  q.as = rp__str_c("sara");
  snprintf(g.sock, sizeof g.sock, "%s", sock);
  int r = raw(&q, msg, sizeof msg);
  return r <= 0 && r > -256 ? -r : 255;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--other-user") == 0)
    return other_user(argv[2], argv[3]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_front_end_acts_as_advisor),
      cmocka_unit_test(test_as_from_others_refused),
      cmocka_unit_test(test_web_events),
      cmocka_unit_test(test_as_from_other_uid),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
