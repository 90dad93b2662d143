/* SPDX-License-Identifier: MIT */
/*
 * The inbox tests' world: the real relay (tests/peer.h fixture), the team's inbox daemon
 * as a child process (its test build rejsepost-inboxd-test: a controllable clock and
 * advisor name, inbox/ibx_testhooks.c), and municipalities as rp_client objects of the
 * client library in the test process. Advisor commands run the
 * real rejsepost-advisor binary. Header-only: tests/CMakeLists.txt builds one program
 * per *_test.c, so shared test code lives here as static functions.
 */
#ifndef RP_TESTS_IBX_FIXTURE_H
#define RP_TESTS_IBX_FIXTURE_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "keyfile.h"
#include "peer.h"
#include "rejsepost.h"
#include "testutil.h"

/* Mon 2026-01-05 09:00 UTC, Sat 2026-01-03 22:00 UTC (tests run with TZ=UTC). */
#define FX_MON_0900 1767603600000ull
#define FX_SAT_2200 1767477600000ull
#define FX_HOUR 3600000ull
/* 2026-01-08 10:00 Copenhagen (CET, UTC+1). */
#define FX_0108_1000_CPH 1767862800000ull

#define FX_NMUN 3

typedef struct fx {
  tp_relay relay;
  char dir[600], conf[700], log[700], sock[700], clockf[700], db[700], audit[700];
  char userf[700];
  pid_t inboxd;
  rp_client *mun[FX_NMUN];
  char mun_id[FX_NMUN][32];
} fx;

static inline void fx_sleep_ms(unsigned ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline void fx_write(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) abort();
  fputs(text, f);
  fclose(f);
}

static inline void fx_set_clock(fx *x, uint64_t ms) {
  char buf[32], tmp[720];
  snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)ms);
  snprintf(tmp, sizeof tmp, "%s.tmp", x->clockf);
  fx_write(tmp, buf);
  if (rename(tmp, x->clockf) != 0) abort();
}

/* The advisor the test build takes the next advisor commands to come from; NULL: the
 * test's own Unix user (SO_PEERCRED). */
static inline void fx_set_user(fx *x, const char *user) {
  fx_write(x->userf, user != NULL ? user : "");
}

/* Puts the last municipality in the west network only, so announcements to one network
 * can be told from announcements to all. */
static inline int fx_rewrite_roster(fx *x) {
  tp_relay *f = &x->relay;
  rp__roster *r = NULL;
  const uint8_t *doc;
  size_t len;
  int rc = rp__roster_create(rp__roster_version(f->roster) + 1, rp__clock_wall_ms(), &r);
  for (uint32_t i = 0; rc == 0 && i < rp__roster_count(f->roster); i++) {
    rp__member m = *rp__roster_member(f->roster, i);
    if (strcmp(m.pub.id, x->mun_id[FX_NMUN - 1]) == 0) m.networks = RP_NETWORK_WEST;
    rc = rp__roster_add(r, &m);
  }
  if (rc == 0) rc = rp__roster_sign(r, f->admin);
  if (rc == 0) rc = rp__roster_document(r, &doc, &len);
  if (rc == 0) {
    FILE *o = fopen(f->roster_path, "wb");
    if (o == NULL || fwrite(doc, 1, len, o) != len) rc = RP_EIO;
    if (o != NULL) fclose(o);
  }
  if (rc == 0) {
    rp__roster_free(f->roster);
    f->roster = r;
  } else {
    rp__roster_free(r);
  }
  return rc;
}

static inline int fx_write_key(fx *x, const char *id) {
  uint8_t buf[RP_KEYFILE_MAX];
  size_t n = 0;
  char path[800];
  int rc = rp__keyfile_encode_plain(tp_member(&x->relay, id), buf, sizeof buf, &n);
  snprintf(path, sizeof path, "%s/%s.key", x->dir, id);
  if (rc == 0) rc = rp__keyfile_write(path, buf, n, 1);
  return rc;
}

static inline void fx_hex(const uint8_t *p, size_t n, char *out) {
  sodium_bin2hex(out, 2 * n + 1, p, n);
}

/* The test's own Unix user name, as the daemon learns it from SO_PEERCRED. */
static inline const char *fx_me(void) {
  struct passwd *pw = getpwuid(geteuid());
  return pw != NULL ? pw->pw_name : "?";
}

/* The pseudonym the configuration gives the test's own user. */
#define FX_ME_ID "R1"

/* Writes the inboxd configuration; `extra` is appended (more INI lines). The test's own
 * user is an advisor (raadgiver, pseudonym FX_ME_ID). */
static inline void fx_write_conf(fx *x, const char *extra) {
  char relay_hex[65], admin_hex[65], text[4096];
  const char *me = fx_me();
  fx_hex(x->relay.relay->pub.transport_pk, 32, relay_hex);
  fx_hex(x->relay.admin->pub.identity_pk, 32, admin_hex);
  snprintf(text, sizeof text,
           "[client]\nstate_dir = team-state\nidentity = team.key\nrelay_host = 127.0.0.1\n"
           "relay_port = %u\nrelay_key = %s\nadmin_key = %s\nroster = roster.msgpack\n"
           "[inbox]\ndatabase = inbox.db\ndata_key = inbox.datakey\naudit_log = audit.log\n"
           "check_interval_ms = 100\nretention_seconds = 3600\n"
           "[socket]\npath = advisor.sock\n"
           "[office]\nhours = 08:00-16:00\ndays = mon-fri\nsocialvagt = 70 10 20 30\n"
           "[advisors]\n%s = raadgiver:" FX_ME_ID "\n%s",
           (unsigned)x->relay.port, relay_hex, admin_hex, me, extra != NULL ? extra : "");
  fx_write(x->conf, text);
}

/* How to start the daemon: which binary, and what the child's fds 0-2 are. */
typedef struct fx_start {
  const char *exe; /* under $RP_BUILD_DIR/inbox/; NULL: rejsepost-inboxd-test */
  int close_stdio; /* start with fds 0, 1 and 2 closed (no log file) */
  int journal;     /* as systemd starts it with stderr to the journal: JOURNAL_STREAM
                      names the log file's device and inode */
} fx_start;

static inline int fx_inboxd_start_with(fx *x, const fx_start *o) {
  char exe[700];
  const char *bdir = getenv("RP_BUILD_DIR");
  snprintf(exe, sizeof exe, "%s/inbox/%s", bdir != NULL ? bdir : ".",
           o->exe != NULL ? o->exe : "rejsepost-inboxd-test");
  unlink(x->sock);
  /* Set before fork: between fork and exec the child may only make async-signal-safe
   * calls, and setenv allocates (a client thread of this test may hold the allocator's
   * lock at the moment of the fork). */
  setenv("RP_INBOXD_CLOCK_FILE", x->clockf, 1);
  setenv("RP_INBOXD_TEST_USER_FILE", x->userf, 1);
  if (o->journal) {
    struct stat st;
    char v[64];
    int fd = open(x->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || fstat(fd, &st) != 0) return RP_EIO;
    close(fd);
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
  }
  pid_t pid = fork();
  if (pid < 0) return RP_EIO;
  if (pid == 0) {
    if (o->close_stdio) {
      close(0);
      close(1);
      close(2);
    } else {
      int fd = open(x->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) dup2(fd, 2);
    }
    execl(exe, exe, "--config", x->conf, (char *)NULL);
    _exit(127);
  }
  x->inboxd = pid;
  unsetenv("JOURNAL_STREAM");
  for (int i = 0; i < 200; i++) {
    struct stat st;
    if (stat(x->sock, &st) == 0) return 0;
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      x->inboxd = 0;
      return RP_ECLOSED;
    }
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

static inline int fx_inboxd_start(fx *x) {
  fx_start o = {0};
  return fx_inboxd_start_with(x, &o);
}

/* SIGTERM and wait; returns the exit status or -1. */
static inline int fx_inboxd_stop(fx *x) {
  int st = 0;
  if (x->inboxd <= 0) return -1;
  kill(x->inboxd, SIGTERM);
  for (int i = 0; i < 200; i++) {
    if (waitpid(x->inboxd, &st, WNOHANG) == x->inboxd) {
      x->inboxd = 0;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    fx_sleep_ms(50);
  }
  kill(x->inboxd, SIGKILL);
  waitpid(x->inboxd, NULL, 0);
  x->inboxd = 0;
  return -1;
}

static inline int fx_client(fx *x, const char *id, rp_client **out) {
  rp_config *c = NULL;
  char state[800], key[800], relay_hex[65], admin_hex[65];
  int rc;
  fx_hex(x->relay.relay->pub.transport_pk, 32, relay_hex);
  fx_hex(x->relay.admin->pub.identity_pk, 32, admin_hex);
  snprintf(state, sizeof state, "%s/%s-state", x->dir, id);
  snprintf(key, sizeof key, "%s/%s.key", x->dir, id);
  if ((rc = rp_config_new(&c)) != 0) return rc;
  if ((rc = rp_config_set_state_dir(c, state)) == 0 &&
      (rc = rp_config_set_relay(c, "127.0.0.1", x->relay.port)) == 0 &&
      (rc = rp_config_set_relay_key(c, relay_hex)) == 0 &&
      (rc = rp_config_set_identity_file(c, key)) == 0 &&
      (rc = rp_config_set_admin_key(c, admin_hex)) == 0 &&
      (rc = rp_config_set_roster_file(c, x->relay.roster_path)) == 0 &&
      (rc = rp_config_set_backoff(c, 50, 500)) == 0)
    rc = rp_client_new(c, out);
  rp_config_free(c);
  return rc;
}

static inline int fx_build(fx *x, const char *tag, const fx_start *o, const char *extra) {
  static const char *const ids[] = {"team", "kommune-101", "kommune-102", "kommune-103"};
  int rc;
  memset(x, 0, sizeof *x);
  setenv("TZ", "UTC", 1);
  tzset();
  for (int i = 0; i < FX_NMUN; i++)
    snprintf(x->mun_id[i], sizeof x->mun_id[i], "%s", ids[i + 1]);
  if ((rc = tp_relay_init(&x->relay, tag, ids, 4, NULL)) != 0) return rc;
  snprintf(x->dir, sizeof x->dir, "%s", x->relay.dir);
  snprintf(x->conf, sizeof x->conf, "%s/inboxd.ini", x->dir);
  snprintf(x->log, sizeof x->log, "%s/inboxd.log", x->dir);
  snprintf(x->sock, sizeof x->sock, "%s/advisor.sock", x->dir);
  snprintf(x->clockf, sizeof x->clockf, "%s/clock", x->dir);
  snprintf(x->db, sizeof x->db, "%s/inbox.db", x->dir);
  snprintf(x->audit, sizeof x->audit, "%s/audit.log", x->dir);
  snprintf(x->userf, sizeof x->userf, "%s/test-user", x->dir);
  if ((rc = fx_rewrite_roster(x)) != 0 || (rc = tp_relay_start(&x->relay)) != 0) return rc;
  if ((rc = fx_write_key(x, "team")) != 0) return rc;
  for (int i = 0; i < FX_NMUN; i++)
    if ((rc = fx_write_key(x, x->mun_id[i])) != 0) return rc;
  fx_write_conf(x, extra);
  fx_set_clock(x, FX_MON_0900);
  if ((rc = fx_inboxd_start_with(x, o)) != 0) return rc;
  for (int i = 0; i < FX_NMUN; i++)
    if ((rc = fx_client(x, x->mun_id[i], &x->mun[i])) != 0) return rc;
  return 0;
}

/* Builds the whole world: relay, keys, config (plus `extra` INI lines), inboxd as o
 * says, municipality clients. A failure is said on stderr (a test's setup returns it). */
static inline int fx_init_with(fx *x, const char *tag, const fx_start *o,
                               const char *extra) {
  int rc = fx_build(x, tag, o, extra);
  if (rc != 0) fprintf(stderr, "fixture: %s\n", rp_strerror(rc));
  return rc;
}

static inline int fx_init(fx *x, const char *tag) {
  fx_start o = {0};
  return fx_init_with(x, tag, &o, NULL);
}

static inline void fx_free(fx *x) {
  /* The daemon's log tail goes to the test output, for diagnosing a failed run. */
  size_t n = 0;
  char *log = tu_read_file(x->log, &n);
  if (log != NULL && getenv("RP_TEST_QUIET") == NULL)
    fprintf(stderr, "--- inboxd log (tail) ---\n%s\n", n > 4000 ? log + n - 4000 : log);
  free(log);
  for (int i = 0; i < FX_NMUN; i++)
    rp_client_free(x->mun[i]);
  if (x->inboxd > 0) fx_inboxd_stop(x);
  tp_relay_free(&x->relay);
}

/* Runs rejsepost-advisor with args (a shell word list; test-made, no quoting issues)
 * and optional stdin text; the output goes to *out (malloc'd). Returns the exit status. */
static inline int fx_advisor(fx *x, const char *args, const char *input, char **out) {
  char cmd[4096], inpath[800], outpath[800];
  const char *bdir = getenv("RP_BUILD_DIR");
  int st;
  snprintf(inpath, sizeof inpath, "%s/advisor.in", x->dir);
  snprintf(outpath, sizeof outpath, "%s/advisor.out", x->dir);
  fx_write(inpath, input != NULL ? input : "");
  snprintf(cmd, sizeof cmd, "%s/inbox/rejsepost-advisor --socket %s %s <%s >%s 2>&1",
           bdir != NULL ? bdir : ".", x->sock, args, inpath, outpath);
  st = system(cmd);
  *out = tu_read_file(outpath, NULL);
  if (*out == NULL) *out = strdup("");
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* fx_advisor with the arguments formatted (printf); out NULL: the output is dropped. */
__attribute__((format(printf, 4, 5))) static inline int
fx_advf(fx *x, const char *input, char **out, const char *fmt, ...) {
  char args[1000], *o = NULL;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  int st = fx_advisor(x, args, input, &o);
  if (out != NULL)
    *out = o;
  else
    free(o);
  return st;
}

/* Waits up to 20 s until `show THREAD --json` holds needle: 0, its output in *out (the
 * caller's; out may be NULL), or RP_ETIMEDOUT (*out NULL). */
static inline int fx_wait_show(fx *x, const char *th, const char *needle, char **out) {
  for (int waited = 0; waited < 20000; waited += 100) {
    char *o = NULL;
    fx_advf(x, NULL, &o, "show %s --json", th);
    if (o != NULL && strstr(o, needle) != NULL) {
      if (out != NULL)
        *out = o;
      else
        free(o);
      return 0;
    }
    free(o);
    fx_sleep_ms(100);
  }
  if (out != NULL) *out = NULL;
  return RP_ETIMEDOUT;
}

/* Municipality i's code as the signed roster has it. */
static const char *fx_code(fx *x, int i) {
  const rp__member *m = rp__roster_find_id(x->relay.roster, x->mun_id[i]);
  return m != NULL ? m->municipality : "000";
}

/* Sends a follow-up from municipality i in `thread` about in_reply_to with the text; its
 * msg id goes to msg_id. */
static inline int fx_follow_up(fx *x, int i, const char *thread, const char *in_reply_to,
                               const char *text, char msg_id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("follow_up", &m)) != 0) return rc;
  if ((rc = rp_msg_set_thread(m, thread)) == 0 &&
      (rc = rp_msg_set_hex(m, "in_reply_to", in_reply_to)) == 0 &&
      (rc = rp_msg_set_text(m, "text", text)) == 0)
    rc = rp_send(x->mun[i], m, msg_id);
  rp_msg_free(m);
  return rc;
}

/* Sends a follow-up from municipality i in `thread` (32 hex), about a message the inbox
 * does not know: it starts a thread of its own under that id. Its id goes to msg_id. */
static inline int fx_follow_up_in(fx *x, int i, const char *thread,
                                  char msg_id[RP_ID_STRLEN]) {
  return fx_follow_up(x, i, thread, "0123456789abcdef0123456789abcdef",
                      "Pigen er flyttet til sin moster.", msg_id);
}

/* Municipality i recalls its message `about` in `thread` for the reason (a recall
 * reason's name); the recall's msg id goes to msg_id. */
static inline int fx_recall(fx *x, int i, const char *thread, const char *about,
                            const char *reason, char msg_id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("recall", &m)) != 0) return rc;
  if ((rc = rp_msg_set_thread(m, thread)) == 0 &&
      (rc = rp_msg_set_hex(m, "about", about)) == 0 &&
      (rc = rp_msg_set_enum(m, "reason", reason)) == 0)
    rc = rp_send(x->mun[i], m, msg_id);
  rp_msg_free(m);
  return rc;
}

/* Municipality i says that `by` (a name of the payload's table) withdrew the consent in
 * `thread`, about the request `about` (NULL: not said); the notice's msg id goes to
 * msg_id. */
static inline int fx_consent_withdrawn(fx *x, int i, const char *thread, const char *by,
                                       const char *about, char msg_id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("consent_withdrawn", &m)) != 0) return rc;
  if ((rc = rp_msg_set_thread(m, thread)) == 0 &&
      (rc = rp_msg_set_enum(m, "by", by)) == 0 &&
      (about == NULL || (rc = rp_msg_set_hex(m, "about", about)) == 0))
    rc = rp_send(x->mun[i], m, msg_id);
  rp_msg_free(m);
  return rc;
}

/* Sends a request from municipality i; it starts its own thread. Its msg id goes to
 * msg_id. */
static inline int fx_request(fx *x, int i, const char *urgency, const char *category,
                             char msg_id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  char org[4];
  int rc;
  snprintf(org, sizeof org, "%s", fx_code(x, i));
  if ((rc = rp_msg_new("request", &m)) != 0) return rc;
  if ((rc = rp_msg_set_text(m, "sender_org", org)) == 0 &&
      (rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver")) == 0 &&
      (rc = rp_msg_set_text(m, "sender_ref", "sagsbehandler-7")) == 0 &&
      (rc = rp_msg_set_enum(m, "request_type", "konkret_sag")) == 0 &&
      (rc = rp_msg_set_enum(m, "urgency", urgency)) == 0 &&
      (rc = rp_msg_add_to_set(m, "categories", category)) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.level", "hoej")) == 0 &&
      (rc = rp_msg_set_bool(m, "risk.acute", strcmp(urgency, "akut") == 0)) == 0 &&
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) == 0 &&
      (rc = rp_msg_set_enum(m, "citizen.age_band", "15_17")) == 0 &&
      (rc = rp_msg_set_bool(m, "citizen.under_18", 1)) == 0 &&
      (rc = rp_msg_set_enum(m, "risk_assessed_before_family", "ja")) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) == 0 &&
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) == 0 &&
      (rc = rp_msg_add_to_set(m, "measures_taken", "screening")) == 0 &&
      (rc = rp_msg_set_text(m, "question", "Pigen frygter en genopdragelsesrejse.")) == 0)
    rc = rp_send(x->mun[i], m, msg_id);
  rp_msg_free(m);
  return rc;
}

/* Waits until the advisor listing (JSON) contains needle. */
static inline int fx_wait_listed(fx *x, const char *args, const char *needle,
                                 int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 100) {
    char *out = NULL;
    fx_advisor(x, args, NULL, &out);
    int found = strstr(out, needle) != NULL;
    free(out);
    if (found) return 0;
    fx_sleep_ms(100);
  }
  return RP_ETIMEDOUT;
}

/* Waits for a message of kind in municipality i's inbox; *out is the caller's. */
static inline int fx_wait_kind(fx *x, int i, const char *kind, int timeout_ms,
                               rp_received **out) {
  *out = NULL;
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    rp_received *r = NULL;
    while (rp_inbox_next(x->mun[i], &r) == 0) {
      if (strcmp(rp_received_kind(r), kind) == 0) {
        rp_inbox_mark_handled(x->mun[i], rp_received_msg_id(r));
        *out = r;
        return 0;
      }
      rp_received_free(r);
      r = NULL;
    }
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

static inline int fx_wait_status(fx *x, int i, const char *msg_id, int status,
                                 int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    int s = 0;
    if (rp_status(x->mun[i], msg_id, &s, NULL) == 0 &&
        rp_status_rank(s) >= rp_status_rank(status))
      return 0;
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

/* The thread id of msg_id as the inboxd lists it: the request's thread. */
static inline int fx_thread_of(fx *x, const char *msg_id, char thread[RP_ID_STRLEN]) {
  char *out = NULL, *p;
  int rc = RP_ENOTFOUND;
  char needle[80];
  fx_advisor(x, "list --all --json", NULL, &out);
  snprintf(needle, sizeof needle, "\"first_msg\":\"%s\"", msg_id);
  if ((p = strstr(out, needle)) != NULL) {
    /* "thread_id" comes just before "first_msg" in each object. */
    char *t = p - 1;
    while (t > out && strncmp(t, "{\"thread_id\":\"", 14) != 0)
      t--;
    if (strncmp(t, "{\"thread_id\":\"", 14) == 0) {
      memcpy(thread, t + 14, 32);
      thread[32] = 0;
      rc = 0;
    }
  }
  free(out);
  return rc;
}

/* A request from municipality i (category trusler), listed by the daemon: its msg id in
 * req, its thread id in th. */
static inline int fx_new_thread(fx *x, int i, const char *urgency, char th[RP_ID_STRLEN],
                                char req[RP_ID_STRLEN]) {
  int rc = fx_request(x, i, urgency, "trusler", req);
  if (rc == 0) rc = fx_wait_listed(x, "list --all --json", req, 20000);
  if (rc == 0) rc = fx_thread_of(x, req, th);
  return rc;
}

/* Municipality i asks for a meeting in thread (a case discussion, online, 60 minutes);
 * the request's msg id, which names the meeting, in mr. */
static inline int fx_meeting_request(fx *x, int i, const char *thread,
                                     char mr[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("meeting_request", &m)) != 0) return rc;
  if ((rc = rp_msg_set_thread(m, thread)) == 0 &&
      (rc = rp_msg_set_enum(m, "purpose", "sagsdroeftelse")) == 0 &&
      (rc = rp_msg_set_enum(m, "mode", "online")) == 0 &&
      (rc = rp_msg_set_uint(m, "duration_min", 60)) == 0)
    rc = rp_send(x->mun[i], m, mr);
  rp_msg_free(m);
  return rc;
}

/* The number a `SELECT count(*) ...` gives over the inbox store, read-only beside the
 * running daemon; -1 if it could not be read. */
static inline long long fx_db_count(fx *x, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  long long n = -1;
  if (sqlite3_open_v2(x->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

static inline size_t fx_log_count(fx *x, const char *needle) {
  char *log = tu_read_file(x->log, NULL);
  size_t n = 0;
  for (char *p = log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
    n++;
  free(log);
  return n;
}

static inline int fx_wait_log(fx *x, const char *needle, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    if (fx_log_count(x, needle) > 0) return 0;
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

#endif
