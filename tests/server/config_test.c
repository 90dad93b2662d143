/* SPDX-License-Identifier: MIT */
/* The relay's settings: defaults, INI files, flags, messages, ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rejsepost_errors.h"
#include "testutil.h"

#define KEYHEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char err[RP__CFG_ERR_MAX];

/* Parse `text` on top of the defaults; returns the result, the message is in err. */
static int parse(rp__config *cfg, const char *text) {
  rp__config_defaults(cfg);
  err[0] = '\0';
  return rp__config_parse_string(cfg, "relay.ini", text, err, sizeof err);
}

static void expect_error(const char *text, const char *want) {
  rp__config cfg;
  assert_int_equal(parse(&cfg, text), RP_ECONFIG);
  if (strstr(err, want) == NULL) fail_msg("got \"%s\", want \"%s\"", err, want);
}

static void test_defaults(void **state) {
  rp__config cfg;
  (void)state;
  rp__config_defaults(&cfg);
  assert_int_equal(cfg.listen_count, 2);
  assert_string_equal(cfg.listen[0], "127.0.0.1:7443");
  assert_string_equal(cfg.listen[1], "[::1]:7443");
  assert_int_equal(cfg.frame_max, 65535);
  assert_int_equal(cfg.window, RP__CFG_WINDOW_DEF);
  assert_int_equal(cfg.expiry_default_ms, RP_EXPIRY_DEFAULT_MS);
  assert_int_equal(cfg.log_level, RP__LOG_INFO);
  assert_string_equal(cfg.spool_file, "spool.sqlite");
  /* The defaults are consistent except that nobody can know the admin key. */
  assert_int_equal(rp__config_check(&cfg, err, sizeof err), RP_ECONFIG);
  assert_non_null(strstr(err, "relay.admin_key"));
  assert_int_equal(rp__config_set(&cfg, "relay.admin_key", KEYHEX, NULL, err, sizeof err),
                   0);
  assert_int_equal(rp__config_check(&cfg, err, sizeof err), 0);
  assert_int_equal(cfg.admin_key[1], 0x11);

  char path[64];
  assert_int_equal(rp__config_path(&cfg, cfg.spool_file, path, sizeof path), 0);
  assert_string_equal(path, "/var/lib/rejsepost-relayd/spool.sqlite");
  assert_int_equal(rp__config_path(&cfg, "/etc/k", path, sizeof path), 0);
  assert_string_equal(path, "/etc/k");
  assert_int_equal(rp__config_path(&cfg, cfg.spool_file, path, 8), RP_ETOOBIG);
}

static void test_file(void **state) {
  rp__config cfg;
  (void)state;
  assert_int_equal(parse(&cfg, "; the relay\n"
                               "[relay]\n"
                               "listen = 0.0.0.0:7000\n"
                               "  listen = [::]:7000, 10.1.2.3:7001   ; indented, two\n"
                               "state_dir = srv/rp\n"
                               "key_file = k.key\n"
                               "admin_key = " KEYHEX "\n"
                               "\n"
                               "[limits]\n"
                               "window = 4096\n"
                               "frame_max = 32K\n"
                               "spool_total_bytes = 2g\n"
                               "spool_recipient_bytes = 512M\n"
                               "handshake_timeout = 1500ms\n"
                               "idle_timeout = 2h\n"
                               "ping_interval = 30s\n"
                               "expiry_default = 7d\n"
                               "commit_batch_max = 1\n"
                               "[log]\n"
                               "level = debug\n"),
                   0);
  assert_int_equal(cfg.listen_count, 3);
  assert_string_equal(cfg.listen[0], "0.0.0.0:7000");
  assert_string_equal(cfg.listen[1], "[::]:7000");
  assert_string_equal(cfg.listen[2], "10.1.2.3:7001");
  assert_string_equal(cfg.state_dir, "srv/rp");
  assert_string_equal(cfg.key_file, "k.key");
  assert_string_equal(cfg.roster_file, "roster.msgpack");
  assert_int_equal(cfg.window, 4096);
  assert_int_equal(cfg.frame_max, 32768);
  assert_int_equal(cfg.spool_total_bytes, 2ull << 30);
  assert_int_equal(cfg.spool_recipient_bytes, 512ull << 20);
  assert_int_equal(cfg.handshake_timeout_ms, 1500);
  assert_int_equal(cfg.idle_timeout_ms, 7200000);
  assert_int_equal(cfg.ping_interval_ms, 30000);
  assert_int_equal(cfg.expiry_default_ms, 7ull * 86400000);
  assert_int_equal(cfg.commit_batch_max, 1);
  assert_int_equal(cfg.log_level, RP__LOG_DEBUG);
  assert_int_equal(rp__config_check(&cfg, err, sizeof err), 0);
}

static void test_bad_values(void **state) {
  (void)state;
  expect_error("[limits]\n\nwindow = abc\n",
               "relay.ini:3: limits.window: must be a number from 1 to 4096, got 'abc'");
  expect_error("[limits]\nwindow = 0\n", "relay.ini:2: limits.window: must be a number");
  expect_error("[limits]\nwindow = -1\n", "got '-1'");
  expect_error("[limits]\nwindow = 12 34\n", "got '12 34'");
  expect_error("[limits]\nspool_total_bytes = 1KB\n",
               "relay.ini:2: limits.spool_total_bytes: must be a size from 1M to 64T");
  expect_error(
      "[limits]\nidle_timeout = 300\n",
      "relay.ini:2: limits.idle_timeout: must be a duration from 1s to 1d (with unit "
      "ms, s, m, h or d), got '300'");
  expect_error("[log]\nlevel = loud\n", "relay.ini:2: log.level: must be one of error");
  expect_error("[relay]\nadmin_key = 0011\n",
               "relay.ini:2: relay.admin_key: must be 64 hex");
  expect_error("[relay]\nstate_dir =\n", "relay.ini:2: relay.state_dir: must be a path");
  expect_error("[relay]\nlisten = localhost:7443\n",
               "relay.ini:2: relay.listen: must be IPv4:port or [IPv6]:port");
  expect_error("[relay]\nlisten = 127.0.0.1:0\n", "got '127.0.0.1:0'");
  expect_error("[relay]\nlisten = 127.0.0.1:65536\n", "relay.listen");
  expect_error("[relay]\nlisten = [::1]\n", "relay.listen");
  expect_error("[relay]\nlisten = ::1:7443\n", "relay.listen");
  expect_error("[relay]\nlisten = 1.2.3.4:1 1.2.3.4:1\n", "listed twice");
  expect_error("[relay]\nlisten = ,\n", "at least one address");
  /* Control bytes in a value never reach the message as such. */
  expect_error("[limits]\nwindow = a\tb\n", "got 'a?b'");
}

static void test_structure_errors(void **state) {
  rp__config cfg;
  (void)state;
  expect_error("[limits]\nwindw = 3\n", "relay.ini:2: limits.windw: unknown setting");
  expect_error("[relay]\nlisten = 1.2.3.4:5\n[limit]\nwindow = 3\n",
               "relay.ini:4: [limit]: unknown section");
  expect_error("window = 3\n", "relay.ini:1: window: setting outside a section");
  expect_error("[limits]\nwindow = 3\n\nwindow = 4\n",
               "relay.ini:4: limits.window: set twice (first on line 2)");
  expect_error("[limits]\nwindow 3\n", "relay.ini:2: syntax error");
  expect_error("[limits\n", "relay.ini:1: syntax error");
  /* The first error is the one reported, wherever libinih and we found them. */
  expect_error("[limits]\nwindow = x\nbroken\n", "relay.ini:2: limits.window");
  expect_error("[limits]\nbroken\nwindow = x\n", "relay.ini:2: syntax error");

  char text[400];
  snprintf(text, sizeof text, "[relay]\nstate_dir = /%0300d\n", 0);
  expect_error(text, "relay.ini:2: line too long");

  /* A listen list from the file replaces the defaults; several lines add up. */
  assert_int_equal(parse(&cfg, "[relay]\nlisten = 1.2.3.4:5\nlisten = [::2]:6\n"), 0);
  assert_int_equal(cfg.listen_count, 2);
  assert_string_equal(cfg.listen[1], "[::2]:6");
  size_t n = (size_t)snprintf(text, sizeof text, "[relay]\n");
  for (int i = 0; i < 17; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "listen = 10.0.0.%d:1\n", i);
  expect_error(text, "relay.ini:18: relay.listen: too many addresses");
}

static void test_suffixes(void **state) {
  uint64_t v;
  (void)state;
  static const struct {
    const char *text;
    uint64_t want;
  } sizes[] = {{"0", 0},        {"1", 1},           {"1K", 1024},       {"10k", 10240},
               {"2M", 2 << 20}, {"3G", 3ull << 30}, {"1T", 1ull << 40}, {"007", 7}};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    assert_int_equal(rp__config_parse_size(sizes[i].text, &v), 0);
    assert_int_equal(v, sizes[i].want);
  }
  static const char *const bad_sizes[] = {"",
                                          "K",
                                          "1KB",
                                          "1.5M",
                                          "-1",
                                          " 1",
                                          "1 ",
                                          "+1",
                                          "1X",
                                          "20000000000T",
                                          "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad_sizes / sizeof *bad_sizes; i++)
    assert_int_equal(rp__config_parse_size(bad_sizes[i], &v), RP_EINVAL);

  static const struct {
    const char *text;
    uint64_t want;
  } durs[] = {{"500ms", 500},  {"30s", 30000},         {"5m", 300000},
              {"2h", 7200000}, {"30d", 2592000000ull}, {"0s", 0}};
  for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
    assert_int_equal(rp__config_parse_duration(durs[i].text, &v), 0);
    assert_int_equal(v, durs[i].want);
  }
  static const char *const bad_durs[] = {"5",  "5 s",  "5sec", "ms",
                                         "5S", "1.5s", "s5",   "999999999999999999d"};
  for (size_t i = 0; i < sizeof bad_durs / sizeof *bad_durs; i++)
    assert_int_equal(rp__config_parse_duration(bad_durs[i], &v), RP_EINVAL);

  struct sockaddr_storage sa;
  assert_int_equal(rp__config_parse_addr("[::1]:7443", &sa), 0);
  assert_int_equal(sa.ss_family, AF_INET6);
  assert_int_equal(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port), 7443);
  assert_int_equal(rp__config_parse_addr("127.0.0.1:80", &sa), 0);
  assert_int_equal(sa.ss_family, AF_INET);
  assert_int_equal(rp__config_parse_addr("127.0.0.1", &sa), RP_EINVAL);
  assert_int_equal(rp__config_parse_addr("[127.0.0.1]:80", &sa), RP_EINVAL);
  assert_int_equal(rp__config_parse_addr("example.org:80", &sa), RP_EINVAL);
}

/* Each limit: its maximum is taken, one past it and one below its minimum are refused. */
static void test_limit_ranges(void **state) {
  static const struct {
    const char *key;
    uint64_t min, max;
    int dur;
  } lim[] = {
      {"frame_max", RP__CFG_FRAME_MIN, RP__CFG_FRAME_MAX, 0},
      {"envelope_max", RP__CFG_ENVELOPE_MIN, RP__CFG_ENVELOPE_MAX, 0},
      {"window", RP__CFG_WINDOW_MIN, RP__CFG_WINDOW_MAX, 0},
      {"max_connections", RP__CFG_CONNS_MIN, RP__CFG_CONNS_MAX, 0},
      {"max_connections_per_member", RP__CFG_MEMBER_CONNS_MIN, RP__CFG_MEMBER_CONNS_MAX, 0},
      {"max_pending", RP__CFG_PENDING_MIN, RP__CFG_PENDING_MAX, 0},
      {"max_pending_per_address", RP__CFG_PENDING_ADDR_MIN, RP__CFG_PENDING_ADDR_MAX, 0},
      {"max_proving_per_member", RP__CFG_PROVING_MIN, RP__CFG_PROVING_MAX, 0},
      {"spool_sender_share", RP__CFG_SENDER_SHARE_MIN, RP__CFG_SENDER_SHARE_MAX, 0},
      {"frame_timeout", RP__CFG_FRAME_TIMEOUT_MIN, RP__CFG_FRAME_TIMEOUT_MAX, 1},
      {"spool_recipient_bytes", RP__CFG_RCPT_BYTES_MIN, RP__CFG_RCPT_BYTES_MAX, 0},
      {"spool_total_bytes", RP__CFG_TOTAL_BYTES_MIN, RP__CFG_TOTAL_BYTES_MAX, 0},
      {"handshake_timeout", RP__CFG_HANDSHAKE_MIN, RP__CFG_HANDSHAKE_MAX, 1},
      {"idle_timeout", RP__CFG_IDLE_MIN, RP__CFG_IDLE_MAX, 1},
      {"ping_interval", RP__CFG_PING_MIN, RP__CFG_PING_MAX, 1},
      {"expiry_default", RP__CFG_EXPIRY_MIN, RP__CFG_EXPIRY_MAX, 1},
      {"expiry_max", RP__CFG_EXPIRY_MIN, RP__CFG_EXPIRY_MAX, 1},
      {"commit_batch_max", RP__CFG_BATCH_MIN, RP__CFG_BATCH_MAX, 0},
      {"commit_batch_bytes", RP__CFG_BATCH_BYTES_MIN, RP__CFG_BATCH_BYTES_MAX, 0},
  };
  (void)state;
  assert_true(RP__CFG_FRAME_MAX <= 65535);
  for (size_t i = 0; i < sizeof lim / sizeof *lim; i++) {
    rp__config cfg;
    char text[128], want[128];
    const char *unit = lim[i].dur ? "ms" : "";
    snprintf(text, sizeof text, "[limits]\n%s = %" PRIu64 "%s\n", lim[i].key, lim[i].max,
             unit);
    assert_int_equal(parse(&cfg, text), 0);
    snprintf(text, sizeof text, "[limits]\n%s = %" PRIu64 "%s\n", lim[i].key,
             lim[i].max + 1, unit);
    snprintf(want, sizeof want, "relay.ini:2: limits.%s: must be", lim[i].key);
    expect_error(text, want);
    snprintf(text, sizeof text, "[limits]\n%s = %" PRIu64 "%s\n", lim[i].key,
             lim[i].min - 1, unit);
    expect_error(text, want);
  }
}

static void test_cross_checks(void **state) {
  rp__config cfg;
  (void)state;
  static const struct {
    const char *text, *want;
  } cases[] = {
      {"[limits]\nspool_recipient_bytes = 2G\nspool_total_bytes = 1G\n",
       "limits.spool_recipient_bytes (2G) must not be larger than limits.spool_total_bytes "
       "(1G)"},
      {"[limits]\nenvelope_max = 1M\nspool_recipient_bytes = 1M\nspool_total_bytes = 1M\n"
       "commit_batch_bytes = 512K\n",
       "limits.envelope_max (1M) must not be larger than limits.commit_batch_bytes (512K)"},
      {"[limits]\nmax_connections = 2\nmax_connections_per_member = 3\n",
       "limits.max_connections_per_member (3) must not be larger than "
       "limits.max_connections"},
      {"[limits]\nenvelope_max = 1M\nspool_recipient_bytes = 1M\nspool_sender_share = 99\n",
       "limits.envelope_max (1M) must not be larger than one sender's share of a "
       "recipient's spool (limits.spool_sender_share 99% of limits.spool_recipient_bytes "
       "1M)"},
      {"[limits]\nmax_pending = 10\nmax_pending_per_address = 11\n",
       "limits.max_pending_per_address (11) must not be larger than limits.max_pending "
       "(10)"},
      {"[limits]\nping_interval = 5m\nidle_timeout = 5m\n",
       "limits.ping_interval (5m) must be shorter than limits.idle_timeout (5m)"},
      {"[limits]\nexpiry_default = 2d\nexpiry_max = 1d\n",
       "limits.expiry_default (2d) must not be larger than limits.expiry_max (1d)"},
      {"[relay]\nadmin_key_file = k.hex\n", "set only one"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    assert_int_equal(parse(&cfg, cases[i].text), 0);
    assert_int_equal(rp__config_set(&cfg, "relay.admin_key", KEYHEX, NULL, err, sizeof err),
                     0);
    assert_int_equal(rp__config_check(&cfg, err, sizeof err), RP_ECONFIG);
    if (strstr(err, cases[i].want) == NULL) fail_msg("got \"%s\"", err);
  }
}

static int from_args(rp__config *cfg, rp__config_action *act, int argc, char **argv) {
  err[0] = '\0';
  return rp__config_from_args(cfg, argc, argv, act, err, sizeof err);
}

static void test_flags(void **state) {
  rp__config cfg;
  rp__config_action act;
  char dir[4096], ini[4200], keyf[4200];
  (void)state;
  snprintf(dir, sizeof dir, "%s", tu_tmpdir("config"));
  snprintf(ini, sizeof ini, "%s/relay.ini", dir);
  snprintf(keyf, sizeof keyf, "%s/admin.hex", dir);
  FILE *f = fopen(keyf, "w");
  assert_non_null(f);
  fputs(KEYHEX "\n", f);
  fclose(f);
  f = fopen(ini, "w");
  assert_non_null(f);
  fprintf(f,
          "[relay]\nlisten = 10.0.0.1:1\nstate_dir = from/file\nroster_file = r1\n"
          "admin_key_file = %s\n[log]\nlevel = warn\n[limits]\nwindow = 7\n",
          keyf);
  fclose(f);

  char *argv1[] = {"relayd", "--config",   ini,           "--listen",  "[::1]:2",
                   "-l",     "10.0.0.2:3", "--state-dir", "from/flag", "--log-level",
                   "debug",  "--key",      "kk",          NULL};
  assert_int_equal(from_args(&cfg, &act, 13, argv1), 0);
  assert_int_equal(act, RP__CONFIG_RUN);
  assert_int_equal(cfg.listen_count, 2); /* the flags replaced the file's list */
  assert_string_equal(cfg.listen[0], "[::1]:2");
  assert_string_equal(cfg.listen[1], "10.0.0.2:3");
  assert_string_equal(cfg.state_dir, "from/flag");
  assert_string_equal(cfg.roster_file, "r1"); /* from the file */
  assert_string_equal(cfg.key_file, "kk");
  assert_int_equal(cfg.log_level, RP__LOG_DEBUG);
  assert_int_equal(cfg.window, 7);
  assert_int_equal(cfg.has_admin_key, 1);
  assert_int_equal(cfg.admin_key[31], 0xff);
  assert_int_equal(rp__config_check(&cfg, err, sizeof err), 0); /* checking again is fine */

  char *argv2[] = {"relayd", "--config", ini, "--log-level", "noisy", NULL};
  assert_int_equal(from_args(&cfg, &act, 5, argv2), RP_ECONFIG);
  assert_string_equal(err, "--log-level: log.level: must be one of error, warn, info or "
                           "debug, got 'noisy'");
  char *argv3[] = {"relayd", "--bogus", NULL};
  assert_int_equal(from_args(&cfg, &act, 2, argv3), RP_ECONFIG);
  assert_non_null(strstr(err, "unknown option '--bogus'"));
  char *argv4[] = {"relayd", "--listen", NULL};
  assert_int_equal(from_args(&cfg, &act, 2, argv4), RP_ECONFIG);
  assert_non_null(strstr(err, "needs a value"));
  char *argv5[] = {"relayd", "stray", NULL};
  assert_int_equal(from_args(&cfg, &act, 2, argv5), RP_ECONFIG);
  assert_non_null(strstr(err, "unexpected argument 'stray'"));
  char *argv6[] = {"relayd", "--config", ini, "--help", NULL};
  assert_int_equal(from_args(&cfg, &act, 4, argv6), 0);
  assert_int_equal(act, RP__CONFIG_HELP);
  char *argv7[] = {"relayd", "-V", NULL};
  assert_int_equal(from_args(&cfg, &act, 2, argv7), 0);
  assert_int_equal(act, RP__CONFIG_VERSION);
  char nofile[4300];
  snprintf(nofile, sizeof nofile, "%s/missing.ini", dir);
  char *argv8[] = {"relayd", "--config", nofile, NULL};
  assert_int_equal(from_args(&cfg, &act, 3, argv8), RP_ECONFIG);
  assert_non_null(strstr(err, "missing.ini: cannot open"));

  /* Errors in the file name the file as given. */
  f = fopen(ini, "w");
  assert_non_null(f);
  fputs("[limits]\nwindow = 5000\n", f);
  fclose(f);
  char *argv9[] = {"relayd", "--config", ini, NULL};
  assert_int_equal(from_args(&cfg, &act, 3, argv9), RP_ECONFIG);
  assert_non_null(strstr(err,
                         "relay.ini:2: limits.window: must be a number from 1 to 4096, "
                         "got '5000'"));
  assert_int_equal(strncmp(err, ini, strlen(ini)), 0);
  tu_rmtree(dir);
}

static void test_help(void **state) {
  char *text = NULL;
  size_t len = 0;
  (void)state;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  rp__config_help(f, "rejsepost-relayd");
  fclose(f);
  assert_non_null(strstr(text, "Usage: rejsepost-relayd"));
  assert_non_null(strstr(text, "limits.window"));
  assert_non_null(strstr(text, "range 1 to 4096; default 32"));
  assert_non_null(strstr(text, "range 1m to 90d; default 30d"));
  assert_non_null(strstr(text, "--state-dir"));
  assert_non_null(strstr(text, "log.level"));
  /* Every flag and every setting is explained. */
  static const char *const all[] = {"--config",
                                    "--listen",
                                    "--state-dir",
                                    "--key",
                                    "--roster",
                                    "--log-level",
                                    "--help",
                                    "--version",
                                    "relay.listen",
                                    "relay.state_dir",
                                    "relay.spool_file",
                                    "relay.key_file",
                                    "relay.roster_file",
                                    "relay.admin_key",
                                    "relay.admin_key_file",
                                    "limits.frame_max",
                                    "limits.envelope_max",
                                    "limits.max_connections",
                                    "limits.max_connections_per_member",
                                    "limits.max_pending",
                                    "limits.max_pending_per_address",
                                    "limits.max_proving_per_member",
                                    "limits.spool_sender_share",
                                    "limits.frame_timeout",
                                    "limits.spool_recipient_bytes",
                                    "limits.spool_total_bytes",
                                    "limits.handshake_timeout",
                                    "limits.idle_timeout",
                                    "limits.ping_interval",
                                    "limits.expiry_default",
                                    "limits.expiry_max",
                                    "limits.commit_batch_max",
                                    "limits.commit_batch_bytes",
                                    "log.level",
                                    "HUP",
                                    "TERM",
                                    "USR1"};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    if (strstr(text, all[i]) == NULL) fail_msg("--help does not mention %s", all[i]);
    /* and a bad value of each limit is refused naming it */
    if (strncmp(all[i], "limits.", 7) == 0) {
      rp__config c;
      char why[RP__CFG_ERR_MAX];
      rp__config_defaults(&c);
      if (rp__config_set(&c, all[i], "x", NULL, why, sizeof why) == 0 ||
          strstr(why, all[i]) == NULL)
        fail_msg("%s: a bad value does not name the setting: %s", all[i], why);
    }
  }
  free(text);
}

/* SIGHUP: the settings marked live are copied, the others keep their value and are
 * reported, by name, as needing a restart (the relay then logs reload_needs_restart). */
static void test_reload(void **state) {
  /* Exactly these take effect at a reload (docs/OPERATIONS.md, "systemctl reload"). */
  static const char *const live[] = {"relay.roster_file",
                                     "log.level",
                                     "limits.frame_max",
                                     "limits.envelope_max",
                                     "limits.window",
                                     "limits.max_connections",
                                     "limits.max_connections_per_member",
                                     "limits.max_pending",
                                     "limits.max_pending_per_address",
                                     "limits.max_proving_per_member",
                                     "limits.handshake_timeout",
                                     "limits.frame_timeout",
                                     "limits.idle_timeout",
                                     "limits.ping_interval",
                                     "limits.expiry_default",
                                     "limits.expiry_max",
                                     "limits.attachment_bytes_max"};
  static const char *const restart[] = {"relay.listen",
                                        "relay.state_dir",
                                        "relay.spool_file",
                                        "relay.key_file",
                                        "relay.admin_key",
                                        "relay.admin_key_file",
                                        "limits.spool_recipient_bytes",
                                        "limits.spool_sender_share",
                                        "limits.spool_total_bytes",
                                        "limits.commit_batch_max",
                                        "limits.commit_batch_bytes"};
  rp__config run, next, same;
  char ignored[256], tiny[16];
  (void)state;

  for (size_t i = 0; i < sizeof live / sizeof *live; i++)
    if (rp__config_is_live(live[i]) != 1) fail_msg("%s should apply at a reload", live[i]);
  for (size_t i = 0; i < sizeof restart / sizeof *restart; i++)
    if (rp__config_is_live(restart[i]) != 0)
      fail_msg("%s should need a restart", restart[i]);
  assert_int_equal(rp__config_is_live("limits.nonsense"), RP_ECONFIG);

  assert_int_equal(parse(&run, "[relay]\n"
                               "listen = 127.0.0.1:7000\n"
                               "admin_key = " KEYHEX "\n"
                               "roster_file = a.msgpack\n"
                               "[limits]\n"
                               "window = 7\n"
                               "idle_timeout = 90s\n"
                               "commit_batch_max = 100\n"
                               "spool_total_bytes = 2G\n"
                               "[log]\n"
                               "level = info\n"),
                   0);
  memcpy(&same, &run, sizeof run);
  assert_int_equal(parse(&next, "[relay]\n"
                                "listen = 127.0.0.1:7001\n"
                                "admin_key = " KEYHEX "\n"
                                "roster_file = b.msgpack\n"
                                "[limits]\n"
                                "window = 9\n"
                                "idle_timeout = 90s\n"
                                "max_pending = 50\n"
                                "commit_batch_max = 200\n"
                                "spool_total_bytes = 3G\n"
                                "[log]\n"
                                "level = debug\n"),
                   0);

  /* The same configuration again: nothing to report, nothing changes. */
  assert_int_equal(rp__config_reload(&same, &run, ignored, sizeof ignored), 0);
  assert_string_equal(ignored, "");
  assert_memory_equal(&same, &run, sizeof run);

  assert_int_equal(rp__config_reload(&run, &next, ignored, sizeof ignored), 3);
  assert_string_equal(ignored,
                      "relay.listen limits.spool_total_bytes limits.commit_batch_max");
  /* The live ones changed... */
  assert_int_equal(run.window, 9);
  assert_int_equal(run.max_pending, 50);
  assert_int_equal(run.idle_timeout_ms, 90000);
  assert_string_equal(run.roster_file, "b.msgpack");
  assert_int_equal(run.log_level, RP__LOG_DEBUG);
  /* ...the others kept their value. */
  assert_int_equal(run.listen_count, 1);
  assert_string_equal(run.listen[0], "127.0.0.1:7000");
  assert_int_equal(run.commit_batch_max, 100);
  assert_int_equal(run.spool_total_bytes, 2ull << 30);

  /* Reloading once more still reports them (they wait for a restart), and a short
   * buffer holds what fits while the count stays right. */
  assert_int_equal(rp__config_reload(&run, &next, tiny, sizeof tiny), 3);
  assert_string_equal(tiny, "relay.listen li");
  assert_int_equal(rp__config_reload(&run, &next, NULL, 0), 3);

  /* An admin key file under another name holding the same key is no change; another
   * key is. */
  memcpy(&same, &run, sizeof run);
  next = run;
  snprintf(next.admin_key_file, sizeof next.admin_key_file, "other.hex");
  assert_int_equal(rp__config_reload(&same, &next, ignored, sizeof ignored), 0);
  next.admin_key[0] ^= 1;
  assert_int_equal(rp__config_reload(&same, &next, ignored, sizeof ignored), 1);
  assert_string_equal(ignored, "relay.admin_key");
  assert_int_equal(same.admin_key[0], run.admin_key[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),     cmocka_unit_test(test_file),
      cmocka_unit_test(test_bad_values),   cmocka_unit_test(test_structure_errors),
      cmocka_unit_test(test_suffixes),     cmocka_unit_test(test_limit_ranges),
      cmocka_unit_test(test_cross_checks), cmocka_unit_test(test_flags),
      cmocka_unit_test(test_help),         cmocka_unit_test(test_reload),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
