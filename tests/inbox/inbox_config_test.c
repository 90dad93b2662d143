/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-inboxd's configuration file (inbox/ibx_config.c): defaults and the settings
 * that have rules of their own. Real files in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_caps.h"
#include "ibx_config.h"
#include "ibx_notify.h"
#include "rejsepost_errors.h"
#include "testutil.h"

/* The required settings, then `extra`. */
static int load(const char *extra, rp__ibx_config *c, char *err, size_t cap) {
  char path[700];
  snprintf(path, sizeof path, "%s/inboxd.ini", tu_tmpdir("ibx-config"));
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(
      f,
      "[client]\nstate_dir = s\nidentity = k\nrelay_key = r\nadmin_key = a\nroster = ro\n"
      "[inbox]\ndatabase = d\ndata_key = dk\naudit_log = al\n[socket]\npath = sock\n%s",
      extra != NULL ? extra : "");
  fclose(f);
  rp__ibx_config_defaults(c);
  return rp__ibx_config_load(path, c, err, cap);
}

/* The relay listens on 7443 by default (server/config.c); the inbox must look there. */
static void test_default_relay_port(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.relay_port, 7443);
  assert_string_equal(c.relay_host, "127.0.0.1");
  assert_int_equal(load("[client]\nrelay_port = 7411\n", &c, err, sizeof err), 0);
  assert_int_equal(c.relay_port, 7411);
}

/* [client] relay_also: further addresses of the relay in order, at most 7, each
 * HOST:PORT with a port 1..65535; none by default. */
static void test_relay_also(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.nrelay_also, 0);
  assert_int_equal(load("[client]\nrelay_also = standby.example:7444 , 10.0.0.9:7443\n", &c,
                        err, sizeof err),
                   0);
  assert_int_equal(c.nrelay_also, 2);
  assert_string_equal(c.relay_also_host[0], "standby.example");
  assert_int_equal(c.relay_also_port[0], 7444);
  assert_string_equal(c.relay_also_host[1], "10.0.0.9");
  assert_int_equal(c.relay_also_port[1], 7443);
  assert_int_equal(
      load("[client]\nrelay_also = a:1,b:2,c:3,d:4,e:5,f:6,g:7\n", &c, err, sizeof err), 0);
  assert_int_equal(c.nrelay_also, 7);
  assert_int_not_equal(
      load("[client]\nrelay_also = a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8\n", &c, err, sizeof err),
      0);
  assert_non_null(strstr(err, "relay_also"));
  assert_int_not_equal(
      load("[client]\nrelay_also = standby.example\n", &c, err, sizeof err), 0);
  assert_int_not_equal(load("[client]\nrelay_also = x:0\n", &c, err, sizeof err), 0);
  assert_int_not_equal(load("[client]\nrelay_also = x:1,,y:2\n", &c, err, sizeof err), 0);
}

/* [office]: closure days, half days and when they close, and the holidays switch. */
static void test_office_calendar(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.hours.holidays, 1);
  assert_int_equal(c.hours.nhalf, 3); /* 06-05, 12-24, 12-31 */
  assert_int_equal(c.hours.half_close_min, 12 * 60);
  assert_int_equal(c.hours.nclosed, 0);
  assert_int_equal(load("[office]\nclosed = 2026-05-15, 12-28\nhalf_days = none\n"
                        "half_day_closes = 13:00\nholidays = none\n",
                        &c, err, sizeof err),
                   0);
  assert_int_equal(c.hours.nclosed, 2);
  assert_int_equal(c.hours.closed[0], RP_IBX_DATE(2026, 5, 15));
  assert_int_equal(c.hours.closed[1], RP_IBX_DATE(0, 12, 28));
  assert_int_equal(c.hours.nhalf, 0);
  assert_int_equal(c.hours.half_close_min, 13 * 60);
  assert_int_equal(c.hours.holidays, 0);
  assert_int_equal(load("[office]\nclosed = 2026-13-01\n", &c, err, sizeof err),
                   RP_ECONFIG);
  assert_non_null(strstr(err, "[office] closed"));
  assert_int_equal(load("[office]\nholidays = swedish\n", &c, err, sizeof err), RP_ECONFIG);
  assert_int_equal(load("[office]\nhalf_day_closes = 12\n", &c, err, sizeof err),
                   RP_ECONFIG);
  /* A long list on several lines (the INI reader's lines hold 200 bytes): exactly the
   * cap, then one more. */
  char many[2048] = "[office]\n";
  for (unsigned i = 0; i < RP_IBX_DATES_MAX; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "%s%02u-%02u%s",
             i % 16 == 0 ? "closed = " : ",", i / 28 + 1, i % 28 + 1,
             i % 16 == 15 ? "\n" : "");
  assert_int_equal(load(many, &c, err, sizeof err), 0);
  assert_int_equal(c.hours.nclosed, RP_IBX_DATES_MAX);
  assert_int_equal(c.hours.closed[RP_IBX_DATES_MAX - 1], RP_IBX_DATE(0, 3, 8));
  snprintf(many + strlen(many), sizeof many - strlen(many), "closed = 12-30\n");
  assert_int_equal(load(many, &c, err, sizeof err), RP_ECONFIG);
  if (strstr(err, "more than 64 dates") == NULL) fprintf(stderr, "err: %s\n", err);
  assert_non_null(strstr(err, "more than 64 dates"));
}

#define MAILOK                                                                             \
  "[alerts]\nsmtp_url = smtp://127.0.0.1:2525\nsmtp_from = rp@team.example\n"              \
  "web_base_url = https://rejsehold.example/ws/\n"

/* [alerts]: the mail settings, their rules, and what must come together. */
static void test_alerts(void **state) {
  static rp__ibx_config c;
  char err[256];
  (void)state;
  assert_int_equal(load(NULL, &c, err, sizeof err), 0);
  assert_int_equal(c.alerts.digest_min, -1);
  assert_int_equal(c.alerts.reminder_min, 0);
  assert_int_equal(c.alerts.command_events, RP_IBX_EV_NEW | RP_IBX_EV_OVERDUE);
  assert_int_equal(load(MAILOK "to = a@x.dk, b@y.dk\nto = c@z.dk\nlead = l@x.dk\n"
                               "reminder_minutes = 45\ndigest = 07:30\n"
                               "command_events = reminder, new\n",
                        &c, err, sizeof err),
                   0);
  assert_int_equal(c.alerts.nto, 3);
  assert_string_equal(c.alerts.to[2], "c@z.dk");
  assert_int_equal(c.alerts.nlead, 1);
  assert_int_equal(c.alerts.reminder_min, 45);
  assert_int_equal(c.alerts.digest_min, 7 * 60 + 30);
  assert_int_equal(c.alerts.command_events, RP_IBX_EV_NEW | RP_IBX_EV_REMINDER);
  assert_string_equal(c.alerts.web_base_url, "https://rejsehold.example/ws");
  /* Mail set up half way is an error that names what is missing. */
  assert_int_equal(load(MAILOK, &c, err, sizeof err), RP_ECONFIG);
  assert_non_null(strstr(err, "[alerts] to is required"));
  assert_int_equal(load("[alerts]\nto = a@x.dk\n", &c, err, sizeof err), RP_ECONFIG);
  assert_non_null(strstr(err, "smtp_url"));
  assert_int_equal(load(MAILOK "to = a@x.dk\nsmtp_user = u\n", &c, err, sizeof err),
                   RP_ECONFIG);
  assert_non_null(strstr(err, "smtp_password_file"));
  /* Nothing that could end a header or an SMTP command, no other scheme. */
  static const char *const k_bad[] = {"to = a@x.dk\r\nBcc: e@vil.dk\n",
                                      "to = <a@x.dk>\n",
                                      "to = a\n",
                                      "to = a@b@c\n",
                                      "smtp_url = http://x\n",
                                      "smtp_url = smtp://a b\n",
                                      "smtp_from = x\n",
                                      "web_base_url = javascript:alert(1)\n",
                                      "web_base_url = https://a\"b\n",
                                      "digest = 24:00\n",
                                      "digest = 7\n",
                                      "reminder_minutes = 14401\n",
                                      "command_events = sms\n",
                                      "command = rel.sh\n"};
  for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
    char text[300];
    snprintf(text, sizeof text, MAILOK "to = ok@x.dk\n%s", k_bad[i]);
    if (load(text, &c, err, sizeof err) != RP_ECONFIG)
      fprintf(stderr, "took: %s", k_bad[i]);
    assert_int_equal(load(text, &c, err, sizeof err), RP_ECONFIG);
  }
  /* The cap of addresses, and one more. */
  char many[2048] = MAILOK;
  for (unsigned i = 0; i < RP_IBX_MAIL_TO_MAX; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "to = v%u@team.dk\n", i);
  assert_int_equal(load(many, &c, err, sizeof err), 0);
  snprintf(many + strlen(many), sizeof many - strlen(many), "to = one@more.dk\n");
  assert_int_equal(load(many, &c, err, sizeof err), RP_ECONFIG);
  assert_non_null(strstr(err, "more than 16 addresses"));
}

/* An alert mail: CRLF lines, the link and the urgency, and a digest with counts only. */
static void test_alert_mail(void **state) {
  static rp__ibx_config c;
  static const char rcpt[2][RP_IBX_MAIL_ADDR_MAX + 1] = {"a@x.dk", "b@y.dk"};
  char err[256], out[RP_IBX_MAIL_TEXT_MAX];
  size_t len = 0;
  rp__ibx_digest dg = {{1, 2, 3, 4, 5}, 6};
  (void)state;
  assert_int_equal(load(MAILOK "to = a@x.dk\n", &c, err, sizeof err), 0);
  assert_int_equal(rp__ibx_notify_compose(&c.alerts, RP_IBX_EV_NEW, "akut", "3fa91c2e",
                                          NULL, 1767603600000ull, rcpt, 2, out, sizeof out,
                                          &len),
                   0);
  assert_int_equal(strlen(out), len);
  assert_non_null(strstr(out, "To: <a@x.dk>,\r\n <b@y.dk>\r\n"));
  assert_non_null(strstr(out, "Subject: Ny henvendelse: akut [3fa91c2e]\r\n"));
  assert_non_null(strstr(out, "Date: Mon, 05 Jan 2026 09:00:00 +0000\r\n"));
  assert_non_null(strstr(out, "\r\n\r\n")); /* headers end */
  assert_non_null(
      strstr(out, "https://rejsehold.example/ws" RP_IBX_CASE_PATH "3fa91c2e\r\n"));
  for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
    assert_int_equal(p[-1], '\r');
  assert_int_equal(rp__ibx_notify_compose(&c.alerts, 0, NULL, NULL, &dg, 1767603600000ull,
                                          rcpt, 1, out, sizeof out, &len),
                   0);
  assert_non_null(strstr(out, "  akut: 2\r\n  haster: 3\r\n  normal: 4\r\n  plan: 5\r\n"
                              "  uden frist: 1\r\nOverskredne frister: 6\r\n"));
  assert_null(strstr(out, RP_IBX_CASE_PATH));
  /* The longest To header there can be (every `to` and `lead`, for the digest) fits. */
  static char big[2 * RP_IBX_MAIL_TO_MAX][RP_IBX_MAIL_ADDR_MAX + 1];
  for (unsigned i = 0; i < 2 * RP_IBX_MAIL_TO_MAX; i++) {
    memset(big[i], 'a', RP_IBX_MAIL_ADDR_MAX);
    memcpy(big[i] + RP_IBX_MAIL_ADDR_MAX - 8, "@team.dk", 8);
  }
  assert_int_equal(rp__ibx_notify_compose(&c.alerts, 0, NULL, NULL, &dg, 1767603600000ull,
                                          (const char(*)[RP_IBX_MAIL_ADDR_MAX + 1]) big,
                                          2 * RP_IBX_MAIL_TO_MAX, out, sizeof out, &len),
                   0);
  /* Too small a buffer is an error, not a cut mail. */
  assert_int_equal(rp__ibx_notify_compose(&c.alerts, RP_IBX_EV_NEW, "akut", "3fa91c2e",
                                          NULL, 1767603600000ull, rcpt, 2, out, 200, &len),
                   RP_ETOOBIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_relay_port), cmocka_unit_test(test_relay_also),
      cmocka_unit_test(test_office_calendar),    cmocka_unit_test(test_alerts),
      cmocka_unit_test(test_alert_mail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
