/* SPDX-License-Identifier: MIT */
/*
 * The team's alerts (issue 12, docs/INBOX.md "Alerts"): e-mail to the advisors on duty
 * when an akut or haster request arrives, reminders before a deadline, escalation to the
 * team lead, the daily digest, and the alert command's events. Real relayd, the real
 * daemon (test build: its clock is a file), municipalities as library clients, and a real
 * SMTP server: aiosmtpd (tests/inbox/smtp_sink.py) started by the test, which writes
 * every message it accepts to a folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ibx_caps.h"
#include "ibx_fixture.h"

#define TO1 "vagt1@team.example"
#define TO2 "vagt2@team.example"
#define LEAD "leder@team.example"
#define WEB "https://rejsehold.example"

static fx g;
static pid_t g_sink;
static char g_maildir[720], g_cmdlog[720], g_extra[2048];
static unsigned g_port;
static uint64_t g_now = FX_MON_0900;

static void sink_stop(void) {
  if (g_sink > 0) {
    kill(g_sink, SIGTERM);
    waitpid(g_sink, NULL, 0);
    g_sink = 0;
  }
}

/* Starts the SMTP sink in g_maildir and reads its port. */
static int sink_start(void) {
  char script[800], portf[900];
  const char *src = getenv("RP_SOURCE_DIR");
  snprintf(script, sizeof script, "%s/tests/inbox/smtp_sink.py", src != NULL ? src : ".");
  snprintf(portf, sizeof portf, "%s/port", g_maildir);
  mkdir(g_maildir, 0700);
  pid_t pid = fork();
  if (pid < 0) return RP_EIO;
  if (pid == 0) {
    /* Debian's interpreter, which sees Debian's python3-aiosmtpd. */
    execl("/usr/bin/python3", "python3", script, g_maildir, (char *)NULL);
    _exit(127);
  }
  g_sink = pid;
  for (int i = 0; i < 200; i++) {
    char *p = tu_read_file(portf, NULL);
    if (p != NULL) {
      g_port = (unsigned)strtoul(p, NULL, 10);
      free(p);
      return g_port > 0 ? 0 : RP_EIO;
    }
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      g_sink = 0;
      return RP_ECLOSED;
    }
    fx_sleep_ms(50);
  }
  return RP_ETIMEDOUT;
}

/* A TCP port on which nothing listens: bound by the kernel's choice, then closed. */
static unsigned dead_port(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

/* The [alerts] section for the sink at port (digest: "off" or a time). */
static void alerts_conf(unsigned port, const char *digest) {
  char cmd[800];
  snprintf(cmd, sizeof cmd, "%s/record.sh", g.dir);
  snprintf(g_extra, sizeof g_extra,
           "[alerts]\nsmtp_url = smtp://127.0.0.1:%u\nsmtp_from = rejsepost@team.example\n"
           "to = " TO1 ", " TO2 "\nlead = " LEAD "\nweb_base_url = " WEB "/\n"
           "reminder_minutes = 30\ntimeout_ms = 3000\ndigest = %s\ncommand = %s\n",
           port, digest, cmd);
  fx_write_conf(&g, g_extra);
}

static void reload(void) {
  size_t before = fx_log_count(&g, "event=reloaded");
  kill(g.inboxd, SIGHUP);
  for (int i = 0; i < 100 && fx_log_count(&g, "event=reloaded") == before; i++)
    fx_sleep_ms(50);
  assert_true(fx_log_count(&g, "event=reloaded") > before);
}

/* Stops and starts the daemon, and waits until it runs its loop: its socket is there
 * before it has its signal handlers, and a SIGHUP before them would end it. */
static void restart(void) {
  size_t started = fx_log_count(&g, "event=started");
  assert_int_equal(fx_inboxd_stop(&g), 0);
  assert_int_equal(fx_inboxd_start(&g), 0);
  for (int i = 0; i < 200 && fx_log_count(&g, "event=started") == started; i++)
    fx_sleep_ms(25);
  assert_true(fx_log_count(&g, "event=started") > started);
}

static int setup(void **state) {
  (void)state;
  int rc = fx_init(&g, "inboxd-alerts");
  if (rc != 0) return rc;
  snprintf(g_maildir, sizeof g_maildir, "%s/mail", g.dir);
  snprintf(g_cmdlog, sizeof g_cmdlog, "%s/record.log", g.dir);
  if ((rc = sink_start()) != 0) {
    fprintf(stderr, "smtp sink: %s (python3-aiosmtpd installed?)\n", rp_strerror(rc));
    return rc;
  }
  /* The alert command appends its arguments, one call a line. */
  char path[800], text[1200];
  snprintf(path, sizeof path, "%s/record.sh", g.dir);
  snprintf(text, sizeof text, "#!/bin/sh\necho \"$# $1 $2 $3\" >> \"%s\"\n", g_cmdlog);
  fx_write(path, text);
  chmod(path, 0700);
  alerts_conf(g_port, "off");
  /* Not before its signal handlers are in place. */
  if ((rc = fx_wait_log(&g, "event=started", 5000)) != 0) return rc;
  kill(g.inboxd, SIGHUP);
  return fx_wait_log(&g, "event=reloaded", 5000);
}

static int teardown(void **state) {
  (void)state;
  sink_stop();
  fx_free(&g);
  return 0;
}

/* The mails the sink holds, in order: *n of them, each malloc'd. */
typedef struct mails {
  char *m[64];
  unsigned n;
} mails;

static void mails_read(mails *ms) {
  struct dirent **ents = NULL;
  int k = scandir(g_maildir, &ents, NULL, alphasort);
  ms->n = 0;
  for (int i = 0; i < k; i++) {
    if (strncmp(ents[i]->d_name, "mail-", 5) == 0 && ms->n < 64) {
      char path[1100];
      snprintf(path, sizeof path, "%s/%s", g_maildir, ents[i]->d_name);
      ms->m[ms->n++] = tu_read_file(path, NULL);
    }
    free(ents[i]);
  }
  free(ents);
}

static void mails_free(mails *ms) {
  for (unsigned i = 0; i < ms->n; i++)
    free(ms->m[i]);
  ms->n = 0;
}

/* How many mails contain both needles (b may be NULL). */
static unsigned mail_count(const char *a, const char *b) {
  mails ms;
  unsigned c = 0;
  mails_read(&ms);
  for (unsigned i = 0; i < ms.n; i++)
    if (ms.m[i] != NULL && strstr(ms.m[i], a) != NULL && (b == NULL || strstr(ms.m[i], b)))
      c++;
  mails_free(&ms);
  return c;
}

/* The first mail that contains both needles, waiting up to ms; malloc'd or NULL. */
static char *mail_wait(const char *a, const char *b, int ms) {
  for (int waited = 0; waited <= ms; waited += 50) {
    mails all;
    char *found = NULL;
    mails_read(&all);
    for (unsigned i = 0; i < all.n && found == NULL; i++)
      if (all.m[i] != NULL && strstr(all.m[i], a) != NULL &&
          (b == NULL || strstr(all.m[i], b) != NULL))
        found = strdup(all.m[i]);
    mails_free(&all);
    if (found != NULL) return found;
    fx_sleep_ms(50);
  }
  return NULL;
}

static void set_now(uint64_t t) {
  g_now = t;
  fx_set_clock(&g, t);
}

/* A request of the urgency from municipality 0; its thread id (listed) into th. */
static void request(const char *urgency, char th[RP_ID_STRLEN], uint64_t *sent_at) {
  char id[RP_ID_STRLEN];
  if (sent_at != NULL) *sent_at = rp__clock_mono_ms();
  assert_int_equal(fx_request(&g, 0, urgency, "trusler", id), 0);
  assert_int_equal(fx_wait_listed(&g, "list --json", id, 20000), 0);
  assert_int_equal(fx_thread_of(&g, id, th), 0);
}

/* Nothing of the request in the mail: not its text, its sender's reference, its
 * categories or type, the municipality (member id or code). The code is checked with
 * the link, the Date and the Message-ID taken out (hex and digits that might hold it by
 * chance). */
static void assert_content_free(const char *mail, const char *short_id) {
  static const char *const k_never[] = {"Pigen",         "genopdragelsesrejse",
                                        "sagsbehandler", "trusler",
                                        "konkret_sag",   "kommune-",
                                        "hoej",          "screening"};
  char *copy = strdup(mail), *p;
  for (size_t i = 0; i < sizeof k_never / sizeof k_never[0]; i++) {
    if (strstr(mail, k_never[i]) != NULL)
      fprintf(stderr, "mail has %s:\n%s", k_never[i], mail);
    assert_null(strstr(mail, k_never[i]));
  }
  while ((p = strstr(copy, short_id)) != NULL)
    memset(p, 'x', strlen(short_id));
  for (const char *h = "Date: "; h != NULL;
       h = strcmp(h, "Date: ") == 0 ? "Message-ID: " : NULL)
    if ((p = strstr(copy, h)) != NULL)
      while (*p != '\n' && *p != 0)
        *p++ = 'x';
  assert_null(strstr(copy, fx_code(&g, 0)));
  free(copy);
}

/* An akut request: one mail, at once, to both advisors on duty (not the lead), with the
 * link and the urgency and nothing of the request; the alert command runs with "new". */
static void test_new_akut(void **state) {
  char th[RP_ID_STRLEN], short_id[9], link[200], subject[80], *m;
  uint64_t t0;
  (void)state;
  request("akut", th, &t0);
  snprintf(short_id, sizeof short_id, "%.8s", th);
  snprintf(link, sizeof link, WEB RP_IBX_CASE_PATH "%s\r\n", short_id);
  m = mail_wait(link, NULL, 5000);
  assert_non_null(m);
  fprintf(stderr, "akut alert mail %llu ms after the send call\n",
          (unsigned long long)(rp__clock_mono_ms() - t0));
  snprintf(subject, sizeof subject, "Subject: Ny henvendelse: akut [%s]\r\n", short_id);
  assert_non_null(strstr(m, subject));
  assert_non_null(strstr(m, "hastegraden akut"));
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO1 "\r\n"));
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO2 "\r\n"));
  assert_null(strstr(m, LEAD));
  assert_non_null(strstr(m, "X-Sink-From: rejsepost@team.example\r\n"));
  assert_content_free(m, short_id);
  free(m);
  /* The command too: three arguments, the last the event. */
  char want[80];
  snprintf(want, sizeof want, "3 %s akut new\n", short_id);
  for (int i = 0; i < 100; i++) {
    char *log = tu_read_file(g_cmdlog, NULL);
    int found = log != NULL && strstr(log, want) != NULL;
    free(log);
    if (found) break;
    fx_sleep_ms(50);
  }
  char *log = tu_read_file(g_cmdlog, NULL);
  assert_non_null(log);
  assert_non_null(strstr(log, want));
  free(log);
  /* Once: a second later there is still one. */
  fx_sleep_ms(1000);
  assert_int_equal(mail_count(link, NULL), 1);
}

/* A haster request alerts as well; a normal one does not. */
static void test_new_haster_not_normal(void **state) {
  char th[RP_ID_STRLEN], nth[RP_ID_STRLEN], link[200], needle[120], *m;
  (void)state;
  request("haster", th, NULL);
  snprintf(link, sizeof link, WEB RP_IBX_CASE_PATH "%.8s\r\n", th);
  m = mail_wait(link, "Ny henvendelse: haster", 5000);
  assert_non_null(m);
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO1 "\r\n"));
  free(m);
  request("normal", nth, NULL);
  fx_sleep_ms(1500);
  snprintf(link, sizeof link, RP_IBX_CASE_PATH "%.8s", nth);
  assert_int_equal(mail_count(link, NULL), 0);
  snprintf(needle, sizeof needle, "event=alert_due thread=%s", nth);
  assert_int_equal(fx_log_count(&g, needle), 0);
}

/* A haster thread that nobody answers: a reminder to the advisors on duty 30 minutes
 * before its deadline, then the escalation to the team lead only. A second haster
 * thread, closed, and a third, answered, get neither. */
static void test_reminder_escalation_closed(void **state) {
  char th[RP_ID_STRLEN], cl[RP_ID_STRLEN], an[RP_ID_STRLEN], tag[40], ctag[40], atag[40],
      *m;
  (void)state;
  set_now(g_now + 7 * 24 * FX_HOUR); /* Monday 09:00 a week on */
  request("haster", th, NULL);
  request("haster", cl, NULL);
  snprintf(ctag, sizeof ctag, "[%.8s]", cl);
  m = mail_wait("Ny henvendelse: haster", ctag, 5000); /* its arrival, before the close */
  assert_non_null(m);
  free(m);
  assert_int_equal(fx_advf(&g, NULL, NULL, "claim %s", cl), 0);
  assert_int_equal(fx_advf(&g, NULL, NULL, "close %s --outcome andet", cl), 0);
  request("haster", an, NULL);
  snprintf(atag, sizeof atag, "[%.8s]", an);
  m = mail_wait("Ny henvendelse: haster", atag, 5000);
  assert_non_null(m);
  free(m);
  assert_int_equal(fx_advf(&g, NULL, NULL, "claim %s", an), 0);
  assert_int_equal(fx_advf(&g, "Lav en sikkerhedsplan i dag.\n", NULL,
                           "reply %s --stdin --reporting-duty no", an),
                   0);
  snprintf(tag, sizeof tag, "[%.8s]", th);
  /* Haster: one working day, so Tuesday 09:00. 20 minutes before: */
  set_now(g_now + 24 * FX_HOUR - 20 * 60000ull);
  m = mail_wait("Subject: Frist snart: haster", tag, 5000);
  assert_non_null(m);
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO1 "\r\n"));
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO2 "\r\n"));
  assert_null(strstr(m, LEAD));
  assert_content_free(m, tag + 1);
  free(m);
  /* Past it: escalated, to the lead. */
  set_now(g_now + 21 * 60000ull);
  m = mail_wait("Subject: Frist overskredet: haster", tag, 5000);
  assert_non_null(m);
  assert_non_null(strstr(m, "X-Sink-Rcpt: " LEAD "\r\n"));
  assert_null(strstr(m, TO1));
  assert_null(strstr(m, TO2));
  assert_content_free(m, tag + 1);
  free(m);
  fx_sleep_ms(500);
  assert_int_equal(mail_count("Frist snart", tag), 1);
  assert_int_equal(mail_count("Frist overskredet", tag), 1);
  /* The closed thread: only its arrival. */
  assert_int_equal(mail_count(ctag, NULL), 1);
  assert_int_equal(mail_count("Ny henvendelse", ctag), 1);
  /* The answered one: its clock stopped, so neither. */
  assert_int_equal(mail_count(atag, NULL), 1);
  assert_int_equal(mail_count("Ny henvendelse", atag), 1);
}

/* A restart sends nothing again: every alert so far is recorded as sent. */
static void test_restart_no_resend(void **state) {
  mails before, after;
  (void)state;
  mails_read(&before);
  assert_true(before.n >= 5);
  restart();
  fx_sleep_ms(1500); /* 15 checks at 100 ms */
  mails_read(&after);
  assert_int_equal(after.n, before.n);
  mails_free(&before);
  mails_free(&after);
}

/* With the mail server down: an error line with the reason, the daemon serves on; a
 * mail still being tried when the daemon stops is sent at its next start. */
static void test_smtp_down(void **state) {
  char th[RP_ID_STRLEN], link[200], *m, *out = NULL;
  (void)state;
  size_t failed = fx_log_count(&g, "error event=mail_failed");
  alerts_conf(dead_port(), "off");
  reload();
  request("akut", th, NULL);
  assert_int_equal(fx_wait_log(&g, "alert=new attempt=1/3", 5000), 0);
  assert_true(fx_log_count(&g, "error event=mail_failed") > failed);
  char *log = tu_read_file(g.log, NULL);
  char *line = strstr(log, "error event=mail_failed");
  assert_non_null(line);
  assert_non_null(strstr(line, "reason=\""));
  free(log);
  assert_int_equal(fx_advisor(&g, "list", NULL, &out), 0); /* still serving */
  free(out);
  /* Stopped while it waits to try again: pending in the store. Started again with the
   * server up (the file is read at start only). */
  alerts_conf(g_port, "off");
  restart();
  snprintf(link, sizeof link, WEB RP_IBX_CASE_PATH "%.8s\r\n", th);
  m = mail_wait(link, "Ny henvendelse: akut", 8000);
  assert_non_null(m);
  free(m);
  fx_sleep_ms(500);
  assert_int_equal(mail_count(link, NULL), 1);
}

/* With a user and password, the mail server must offer TLS (the sink does not): the
 * password never goes in clear. Each of the three tries fails with an error line, then
 * the daemon gives up on that mail; the sink got nothing, and never the password. */
static void test_no_password_in_clear(void **state) {
  char th[RP_ID_STRLEN], path[800], conf[2400], needle[160];
  (void)state;
  snprintf(path, sizeof path, "%s/smtp.pass", g.dir);
  fx_write(path, "hemmeligt-kodeord\n");
  alerts_conf(g_port, "off");
  snprintf(conf, sizeof conf, "%ssmtp_user = rejsepost\nsmtp_password_file = smtp.pass\n",
           g_extra);
  fx_write_conf(&g, conf);
  reload();
  request("akut", th, NULL);
  snprintf(needle, sizeof needle, "error event=mail_gave_up thread=%s alert=new tries=3",
           th);
  assert_int_equal(fx_wait_log(&g, needle, 15000), 0);
  snprintf(needle, sizeof needle,
           "error event=mail_failed thread=%s alert=new attempt=", th);
  assert_int_equal(fx_log_count(&g, needle), 3);
  /* Refused for want of TLS (CURLE_USE_SSL_FAILED), before any login. */
  snprintf(needle, sizeof needle,
           "error event=mail_failed thread=%s alert=new attempt=1/3 curl=64", th);
  assert_int_equal(fx_log_count(&g, needle), 1);
  snprintf(needle, sizeof needle, RP_IBX_CASE_PATH "%.8s", th);
  assert_int_equal(mail_count(needle, NULL), 0);
  assert_int_equal(mail_count("hemmeligt", NULL), 0);
  /* Given up is recorded: a restart does not try again. */
  alerts_conf(g_port, "off");
  restart();
  fx_sleep_ms(1000);
  assert_int_equal(mail_count(needle, NULL), 0);
}

/* The daily digest: counts only, once a day, not again after a restart. */
static void test_digest(void **state) {
  char *m;
  (void)state;
  alerts_conf(g_port, "00:01");
  reload();
  m = mail_wait("Subject: Dagligt overblik", NULL, 5000);
  assert_non_null(m);
  assert_non_null(strstr(m, "Overskredne frister: "));
  assert_non_null(strstr(m, "  akut: "));
  assert_non_null(strstr(m, "X-Sink-Rcpt: " TO1 "\r\n"));
  assert_non_null(strstr(m, "X-Sink-Rcpt: " LEAD "\r\n"));
  assert_null(strstr(m, RP_IBX_CASE_PATH));
  assert_content_free(m, "no-such-id");
  free(m);
  restart();
  fx_sleep_ms(1000);
  assert_int_equal(mail_count("Subject: Dagligt overblik", NULL), 1);
  set_now(g_now + 24 * FX_HOUR);
  for (int i = 0; i < 100 && mail_count("Subject: Dagligt overblik", NULL) < 2; i++)
    fx_sleep_ms(50);
  assert_int_equal(mail_count("Subject: Dagligt overblik", NULL), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_akut),
      cmocka_unit_test(test_new_haster_not_normal),
      cmocka_unit_test(test_reminder_escalation_closed),
      cmocka_unit_test(test_restart_no_resend),
      cmocka_unit_test(test_smtp_down),
      cmocka_unit_test(test_no_password_in_clear),
      cmocka_unit_test(test_digest),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
