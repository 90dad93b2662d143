/* SPDX-License-Identifier: MIT */
/*
 * The web workspace's parts on their own: the HTML writer escapes, the configuration
 * keeps plain HTTP on loopback, sessions end on their idle and absolute timeouts and
 * change id on rotation, the rate table counts per address and minute, the accounts
 * store is private and takes each TOTP step once, a lockout starts at N failures, and
 * every field of every payload kind has a Danish label on the thread page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mp.h"
#include "payload.h"
#include "rejsepost_errors.h"
#include "testutil.h"
#include "web_accounts.h"
#include "web_config.h"
#include "web_html.h"
#include "web_labels.h"
#include "web_parse.h"
#include "web_sess.h"

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  if (sodium_init() < 0) return -1;
  oath_init();
  const char *d = tu_tmpdir("web-unit");
  if (d == NULL) return -1;
  snprintf(g_dir, sizeof g_dir, "%s", d);
  return 0;
}

static void test_html_escapes(void **state) {
  rp__buf b;
  (void)state;
  rp__buf_init(&b, 4096);
  h_text(&b, "<a href=\"x\">'&'</a>");
  h_attr(&b, "value", "\"><script>");
  rp__buf_put(&b, "", 1);
  assert_string_equal((const char *)b.p,
                      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; "
                      "value=\"&quot;&gt;&lt;script&gt;\"");
  rp__buf_free(&b);
}

static int load(const char *text, rp__web_config *c, char *err) {
  char path[700];
  snprintf(path, sizeof path, "%s/webd.ini", g_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  rp__web_config_defaults(c);
  return rp__web_config_load(path, c, err, 256);
}

static void test_config_loopback_only(void **state) {
  rp__web_config c;
  char err[256];
  (void)state;
  assert_int_equal(load("[web]\nlisten = 127.0.0.1:8080\naccounts = a.db\n", &c, err), 0);
  assert_int_equal(c.port, 8080);
  assert_int_equal(c.cookie_secure, 1);
  assert_int_equal(c.max_failures, 5);
  assert_int_equal(c.lockout_s, 900);
  assert_int_equal(load("[web]\nlisten = 0.0.0.0:8080\naccounts = a.db\n", &c, err),
                   RP_ECONFIG);
  assert_non_null(strstr(err, "loopback"));
  assert_int_equal(
      load("[web]\nlisten = 10.0.0.5:443\naccounts = a.db\ntls_cert = c.pem\n", &c, err),
      RP_ECONFIG); /* a key goes with the certificate */
  assert_int_equal(load("[web]\nlisten = 10.0.0.5:443\naccounts = a.db\ntls_cert = c.pem\n"
                        "tls_key = k.pem\ncookie_secure = no\n",
                        &c, err),
                   0);
  assert_int_equal(c.cookie_secure, 1); /* over TLS always */
  assert_int_equal(
      load("[web]\nlisten = 127.0.0.1:8080\naccounts = a.db\nbogus = 1\n", &c, err),
      RP_ECONFIG);
  assert_int_equal(load("[web]\nlisten = 127.0.0.1:8080\n", &c, err), RP_ECONFIG);
}

static void test_sessions(void **state) {
  static rp__web_sessions t;
  char cookie[RP_WEB_TOKEN_HEX], old[RP_WEB_TOKEN_HEX];
  (void)state;
  rp__web_sess_init(&t, 60, 600);
  rp__web_sess *s = rp__web_sess_new(&t, 1000);
  rp__web_sess_cookie(s, cookie);
  assert_ptr_equal(rp__web_sess_find(&t, cookie, 1050), s);
  assert_true(rp__web_sess_csrf_ok(s, s->csrf));
  assert_false(rp__web_sess_csrf_ok(s, "00"));
  /* Rotation: the old id is gone, the new one works, the token changed. */
  char tok[RP_WEB_TOKEN_HEX];
  memcpy(tok, s->csrf, sizeof tok);
  memcpy(old, cookie, sizeof old);
  rp__web_sess_rotate(s, 1060);
  rp__web_sess_cookie(s, cookie);
  assert_null(rp__web_sess_find(&t, old, 1061));
  assert_ptr_equal(rp__web_sess_find(&t, cookie, 1062), s);
  assert_false(rp__web_sess_csrf_ok(s, tok));
  /* Idle: more than 60 s without use ends it. */
  assert_null(rp__web_sess_find(&t, cookie, 1062 + 61));
  /* Absolute: used every 50 s, it still ends after 600 s. */
  s = rp__web_sess_new(&t, 2000);
  rp__web_sess_cookie(s, cookie);
  int64_t now = 2000;
  for (; now <= 2600; now += 50)
    assert_non_null(rp__web_sess_find(&t, cookie, now));
  assert_null(rp__web_sess_find(&t, cookie, now));
  assert_null(rp__web_sess_find(&t, "nothex", now));
}

static void test_rate(void **state) {
  static rp__web_rate r;
  (void)state;
  for (int i = 0; i < 3; i++)
    assert_int_equal(rp__web_rate_hit(&r, "10.0.0.1", 600, 3), 0);
  assert_int_equal(rp__web_rate_hit(&r, "10.0.0.1", 610, 3), 1);
  assert_int_equal(rp__web_rate_hit(&r, "10.0.0.2", 610, 3), 0); /* per address */
  assert_int_equal(rp__web_rate_hit(&r, "10.0.0.1", 660, 3), 0); /* the next minute */
}

static void test_accounts(void **state) {
  char path[700], hash[crypto_pwhash_STRBYTES], code[7];
  rp__web_accts *s = NULL;
  rp__web_acct a;
  uint8_t secret[RP_WEB_TOTP_BYTES];
  int64_t step = 0;
  int locked = 0;
  struct stat st;
  (void)state;
  snprintf(path, sizeof path, "%s/accounts.db", g_dir);
  assert_int_equal(rp__web_accts_open(path, &s), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(rp__web_pw_hash("engangskode-123", hash), 0);
  assert_non_null(strstr(hash, "$argon2id$"));
  assert_int_equal(rp__web_acct_add(s, "sara", hash, 1), 0);
  assert_int_equal(rp__web_acct_add(s, "sara", hash, 1), RP_EEXIST);
  assert_int_equal(rp__web_acct_get(s, "sara", &a), 0);
  assert_true(a.one_time);
  assert_false(a.has_totp);
  assert_true(rp__web_pw_verify(a.pw, "engangskode-123"));
  assert_false(rp__web_pw_verify(a.pw, "engangskode-124"));
  assert_false(rp__web_name_ok("sara;rm"));
  assert_false(rp__web_name_ok(""));
  /* TOTP: the code of now, and one step either way; not two. */
  randombytes_buf(secret, sizeof secret);
  int64_t now = 1767603600;
  assert_int_equal(
      oath_totp_generate((const char *)secret, sizeof secret, (time_t)now, 30, 0, 6, code),
      OATH_OK);
  assert_true(rp__web_totp_check(secret, now + 29, code, &step));
  assert_int_equal(step, now / 30);
  assert_true(rp__web_totp_check(secret, now + 30, code, &step));
  assert_false(rp__web_totp_check(secret, now + 90, code, &step));
  assert_false(rp__web_totp_check(secret, now, "12345", &step));
  /* Enrolment, then each step once. */
  assert_int_equal(rp__web_acct_enrol(s, "sara", hash, secret, now / 30), 0);
  assert_int_equal(rp__web_acct_enrol(s, "sara", hash, secret, now / 30), RP_ENOTFOUND);
  assert_int_equal(rp__web_acct_take_step(s, "sara", now / 30), RP_EEXIST);
  assert_int_equal(rp__web_acct_take_step(s, "sara", now / 30 - 1), RP_EEXIST);
  assert_int_equal(rp__web_acct_take_step(s, "sara", now / 30 + 1), 0);
  assert_int_equal(rp__web_acct_get(s, "sara", &a), 0);
  assert_false(a.one_time);
  assert_true(a.has_totp);
  assert_memory_equal(a.totp, secret, sizeof secret);
  /* Lockout at the third failure; the count starts over. */
  assert_int_equal(rp__web_acct_failed(s, "sara", 100, 3, 900, &locked), 0);
  assert_false(locked);
  assert_int_equal(rp__web_acct_failed(s, "sara", 100, 3, 900, &locked), 0);
  assert_int_equal(rp__web_acct_failed(s, "sara", 100, 3, 900, &locked), 0);
  assert_true(locked);
  assert_int_equal(rp__web_acct_get(s, "sara", &a), 0);
  assert_int_equal(a.locked_until, 1000);
  assert_int_equal(a.failures, 0);
  assert_int_equal(rp__web_acct_unlock(s, "sara"), 0);
  assert_int_equal(rp__web_acct_get(s, "sara", &a), 0);
  assert_int_equal(a.locked_until, 0);
  /* Reset: a one-time password again, the second factor gone. */
  assert_int_equal(rp__web_acct_reset(s, "sara", hash), 0);
  assert_int_equal(rp__web_acct_get(s, "sara", &a), 0);
  assert_true(a.one_time);
  assert_false(a.has_totp);
  assert_int_equal(rp__web_acct_reset(s, "nobody", hash), RP_ENOTFOUND);
  rp__web_accts_close(s);
}

/* Every field of schema s under the page's path prefix (a list's or struct's elements
 * are named after it: "referrals.kind", "slots.start") has a Danish label; the ones
 * without are counted and printed. */
static unsigned unlabelled(const rp__schema *s, const char *prefix) {
  unsigned n = 0;
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    const char *last = strrchr(f->name, '.');
    char path[160];
    last = last != NULL ? last + 1 : f->name;
    snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] != 0 ? "." : "", last);
    /* A message's attachments are listed under it with their links, not as fields. */
    if (prefix[0] == 0 &&
        (strcmp(path, "attachments") == 0 || rp__web_envelope_field(path)))
      continue;
    if (rp__web_field_label(path) == NULL) {
      fprintf(stderr, "no Danish label: %s (%s)\n", path, s->name);
      n++;
    }
    if (f->sub != NULL) n += unlabelled(f->sub, path);
  }
  return n;
}

static void test_every_field_labelled(void **state) {
  unsigned missing = 0, kinds = 0;
  (void)state;
  for (uint64_t k = 1; k <= RP__PL_KIND_MAX; k++) {
    const rp__schema *s = rp__payload_schema(k);
    if (s == NULL) continue;
    kinds++;
    missing += unlabelled(s, "");
  }
  assert_true(kinds > 10);
  assert_int_equal(missing, 0);
}

/* web_parse.h: the browser input webd parses by hand. */
static void test_parse_thread_path(void **state) {
  char th[33];
  const char *rest = NULL;
  (void)state;
  assert_true(rp__web_thread_path(RP_IBX_CASE_PATH "0123456789abcdef0123456789abcdef/svar",
                                  th, &rest));
  assert_string_equal(th, "0123456789abcdef0123456789abcdef");
  assert_string_equal(rest, "svar");
  assert_true(rp__web_thread_path(RP_IBX_CASE_PATH "abcd", th, &rest));
  assert_string_equal(rest, "");
  assert_false(rp__web_thread_path(RP_IBX_CASE_PATH "abc", th, &rest));    /* too short */
  assert_false(rp__web_thread_path(RP_IBX_CASE_PATH "ABCD", th, &rest));   /* upper case */
  assert_false(rp__web_thread_path(RP_IBX_CASE_PATH "abcd.x", th, &rest)); /* no '/' next */
  assert_false(rp__web_thread_path(RP_IBX_CASE_PATH "0123456789abcdef0123456789abcdef0", th,
                                   &rest)); /* 33 */
}

static void test_parse_upload_name(void **state) {
  char out[128];
  (void)state;
  rp__web_upload_name("C:\\Users\\sara/dok\\plan.pdf", out);
  assert_string_equal(out, "plan.pdf");
  rp__web_upload_name("a/..", out);
  assert_string_equal(out, "bilag");
  rp__web_upload_name("dir/", out);
  assert_string_equal(out, "bilag");
  rp__web_upload_name("to\tlinjer\x7f", out);
  assert_string_equal(out, "to_linjer_");
}

static void test_parse_cph_ms(void **state) {
  (void)state;
  /* 2026-01-01 10:00 in Copenhagen (winter, UTC+1) is 09:00 UTC. */
  assert_int_equal(rp__web_cph_ms("2026-01-01", "10:00"), 1767258000000ull);
  assert_int_equal(rp__web_cph_ms("2026-1-1", "10:0"), 1767258000000ull);
  assert_true(rp__web_cph_ms("2028-02-29", "23:59") != 0); /* a leap day */
  /* Found by fuzz_web_input: days that do not exist were taken as a later one. */
  assert_int_equal(rp__web_cph_ms("2029-02-29", "10:00"), 0);
  assert_int_equal(rp__web_cph_ms("2026-04-31", "10:00"), 0);
  /* A sign in a field wrapped around to a year far in the future. */
  assert_int_equal(rp__web_cph_ms("-001-01-01", "10:00"), 0);
  assert_int_equal(rp__web_cph_ms(" 2026-01-01", "10:00"), 0);
  assert_int_equal(rp__web_cph_ms("2026-01-01", "24:00"), 0);
  assert_int_equal(rp__web_cph_ms("1999-12-31", "10:00"), 0);
  assert_int_equal(rp__web_cph_ms("2026-01-01", NULL), 0);
}

static void test_parse_slot_pair(void **state) {
  uint64_t a = 0, e = 0;
  (void)state;
  assert_int_equal(rp__web_slot_pair("1767258000000-1767261600000", &a, &e), 0);
  assert_int_equal(a, 1767258000000ull);
  assert_int_equal(e, 1767261600000ull);
  assert_int_equal(rp__web_slot_pair("5-5", &a, &e), -1);
  assert_int_equal(rp__web_slot_pair("0-5", &a, &e), -1);
  assert_int_equal(rp__web_slot_pair("1-2x", &a, &e), -1);
  /* An end past INT64_MAX was taken as INT64_MAX. */
  assert_int_equal(rp__web_slot_pair("1-99999999999999999999", &a, &e), -1);
  assert_int_equal(rp__web_slot_pair("1-+2", &a, &e), -1);
}

static void test_parse_quarter(void **state) {
  unsigned y = 0, q = 0;
  (void)state;
  assert_int_equal(rp__web_quarter("2026-Q3", &y, &q), 0);
  assert_int_equal(y, 2026);
  assert_int_equal(q, 3);
  assert_int_equal(rp__web_quarter("2026-Q5", &y, &q), -1);
  assert_int_equal(rp__web_quarter("2026-Q1x", &y, &q), -1);
  assert_int_equal(rp__web_quarter(NULL, &y, &q), -1);
  /* "-999" was read as the year 4294966297. */
  assert_int_equal(rp__web_quarter("-999-Q1", &y, &q), -1);
}

static void test_parse_attach_no(void **state) {
  unsigned long long n = 0;
  (void)state;
  assert_int_equal(rp__web_attach_no("12", &n), 0);
  assert_int_equal(n, 12);
  assert_int_equal(rp__web_attach_no("18446744073709551615", &n), 0);
  assert_int_equal(rp__web_attach_no("0", &n), -1);
  assert_int_equal(rp__web_attach_no("01", &n), -1);
  assert_int_equal(rp__web_attach_no("1a", &n), -1);
  /* One past the largest was taken as the largest. */
  assert_int_equal(rp__web_attach_no("18446744073709551616", &n), -1);
}

static void test_parse_safe_name(void **state) {
  char out[8];
  (void)state;
  rp__web_safe_name("", out, sizeof out);
  assert_string_equal(out, "b");
  rp__web_safe_name(".profil", out, sizeof out);
  assert_string_equal(out, "bprofil");
  rp__web_safe_name("a b\"c;d.pdf", out, sizeof out);
  assert_string_equal(out, "a_b_c_d");
  assert_true(rp__web_name_ok("sara.holm-2"));
  assert_false(rp__web_name_ok("sara holm"));
}

static void test_parse_stats_day(void **state) {
  (void)state;
  assert_true(rp__web_is_date("2026-01-31"));
  assert_true(rp__web_is_date("2028-02-29"));
  assert_false(rp__web_is_date("2026-1-31"));
  /* Found by fuzz_web_input: a '-' anywhere passed and the daemon refused it instead. */
  assert_false(rp__web_is_date("0086--1-96"));
  assert_false(rp__web_is_date("2026-13-01"));
  assert_false(rp__web_is_date("2026-02-30"));
  assert_false(rp__web_name_ok("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_html_escapes),      cmocka_unit_test(test_config_loopback_only),
      cmocka_unit_test(test_sessions),          cmocka_unit_test(test_rate),
      cmocka_unit_test(test_accounts),          cmocka_unit_test(test_every_field_labelled),
      cmocka_unit_test(test_parse_thread_path), cmocka_unit_test(test_parse_upload_name),
      cmocka_unit_test(test_parse_cph_ms),      cmocka_unit_test(test_parse_slot_pair),
      cmocka_unit_test(test_parse_quarter),     cmocka_unit_test(test_parse_attach_no),
      cmocka_unit_test(test_parse_safe_name),   cmocka_unit_test(test_parse_stats_day),
  };
  int r = cmocka_run_group_tests(tests, setup, NULL);
  if (g_dir[0] != 0) tu_rmtree(g_dir);
  return r;
}
