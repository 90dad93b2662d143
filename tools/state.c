/* SPDX-License-Identifier: MIT */
/*
 * A municipality's state folder, for the commands setup, send, status, inbox, read and
 * mark: its settings file (DIR/rejsepost.conf), the options those commands share, and
 * opening a client from it. The file is 'name = value' lines, '#' comments, read with
 * libinih as the daemons read theirs (no sections; a line shorter than INI_MAX_LINE):
 *   key_file, passphrase_file (optional), relay (HOST:PORT, or several addresses of the
 *   same relay separated by commas, tried in order), relay_key (hex or file), admin_key
 *   (hex or file), roster_file (the signed roster to start from).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ini.h>

#include "cli.h"
#include "state.h"
#include "rejsepost_errors.h"

/* How long status, inbox, read and mark give the relay by default (--wait). */
#define SYNC_MS_DEFAULT 3000

static const char *const conf_keys[] = {"key_file",  "passphrase_file", "relay",
                                        "relay_key", "admin_key",       "roster_file"};

int tl_conf_path(const char *state, char *out, size_t cap) {
  return snprintf(out, cap, "%s/rejsepost.conf", state) < (int)cap ? 0 : RP_ETOOBIG;
}

/* libinih's longest line, newline included, as Debian builds it (ini.h's INI_MAX_LINE):
 * a longer line would be cut, so the writer refuses one and the reader reports it. */
#define CONF_LINE_MAX INI_MAX_LINE
/* The settings file: six lines of at most CONF_LINE_MAX bytes and some comments. */
#define CONF_FILE_MAX (64u * 1024u)

/* libinih's handler: 1 to go on, 0 for a line in error (ini_parse_string returns the
 * number of the first). */
static int conf_entry(void *user, const char *section, const char *name,
                      const char *value) {
  tl_conf *conf = user;
  size_t i, n = strlen(value);
  if (section[0] != '\0') return 0; /* the file has no sections */
  for (i = 0; i < TL_CONF_N; i++)
    if (strcmp(name, conf_keys[i]) == 0) break;
  if (i == TL_CONF_N || n >= PATH_MAX) return 0;
  memcpy(conf->v[i], value, n + 1);
  return 1;
}

int tl_conf_read(const char *state, tl_conf *conf) {
  char path[PATH_MAX];
  uint8_t *text = NULL;
  size_t len = 0;
  int rc, line;

  memset(conf, 0, sizeof *conf);
  if (tl_conf_path(state, path, sizeof path) != 0) return tl_fail("state path too long");
  if ((rc = rp__file_read(path, CONF_FILE_MAX, &text, &len)) != 0)
    return tl_fail("no settings in %s (%s): run 'rejsepost setup --state %s ...' first",
                   state, rc == RP_ENOTFOUND ? strerror(ENOENT) : rp_strerror(rc), state);
  line = ini_parse_string((const char *)text, conf_entry, conf);
  free(text);
  if (line != 0)
    return tl_fail("%s:%d: expected 'name = value' with a known name (%s, ...), on a line "
                   "shorter than %d bytes",
                   path, line, conf_keys[0], CONF_LINE_MAX);
  if (conf->v[TL_CONF_KEY][0] == 0 || conf->v[TL_CONF_RELAY][0] == 0 ||
      conf->v[TL_CONF_RELAY_KEY][0] == 0 || conf->v[TL_CONF_ADMIN][0] == 0)
    return tl_fail(
        "%s lacks key_file, relay, relay_key or admin_key: run 'rejsepost setup' "
        "again",
        path);
  return TL_OK;
}

int tl_conf_write(const char *state, const tl_conf *conf) {
  char path[PATH_MAX], text[8 * PATH_MAX];
  size_t off = 0;
  if (tl_conf_path(state, path, sizeof path) != 0) return RP_ETOOBIG;
  off += (size_t)snprintf(text, sizeof text,
                          "# rejsepost client settings (rejsepost setup)\n");
  for (size_t i = 0; i < TL_CONF_N; i++) {
    if (conf->v[i][0] == 0) continue;
    /* "name = value\n" must fit one line of the reader (libinih). */
    if (strlen(conf_keys[i]) + 3 + strlen(conf->v[i]) + 1 >= CONF_LINE_MAX)
      return RP_ETOOBIG;
    off += (size_t)snprintf(text + off, sizeof text - off, "%s = %s\n", conf_keys[i],
                            conf->v[i]);
  }
  return rp__file_write(path, text, off, 0600, 1);
}

/* Applies one setting; prints the library's reason on failure. */
static int set(rp_config *cfg, int rc, const char *what) {
  if (rc == 0) return 0;
  tl_fail("setting %s: %s", what,
          rp_config_error(cfg)[0] ? rp_config_error(cfg) : rp_strerror(rc));
  return TL_FAIL;
}

/* One "HOST:PORT" of the relay setting, s[0..n) (spaces around it allowed), into
 * host and *port. Prints the error (TL_FAIL) or returns TL_OK. */
static int relay_one(const char *s, size_t n, char host[256], unsigned *port) {
  char item[300], *colon, *end;
  unsigned long p;
  while (n > 0 && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (n == 0 || n >= sizeof item)
    return tl_fail("relay: expected HOST:PORT[, HOST:PORT...]");
  memcpy(item, s, n);
  item[n] = '\0';
  colon = strrchr(item, ':');
  if (colon == NULL || colon == item || (size_t)(colon - item) >= 256)
    return tl_fail("relay = %s: expected HOST:PORT", item);
  *colon = '\0';
  memcpy(host, item, (size_t)(colon - item) + 1);
  p = strtoul(colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
    return tl_fail("relay = %s:%s: the port must be 1..65535", item, colon + 1);
  *port = (unsigned)p;
  return TL_OK;
}

/* The relay setting: one address, or several of the same relay (the same relay_key)
 * separated by commas, tried in that order (rp_config_add_relay). */
static int relays_set(rp_config *cfg, const char *list) {
  char host[256];
  unsigned port = 0, i = 0;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (relay_one(p, n, host, &port) != TL_OK) return TL_FAIL;
    if (set(cfg,
            i++ == 0 ? rp_config_set_relay(cfg, host, port)
                     : rp_config_add_relay(cfg, host, port),
            "relay"))
      return TL_FAIL;
    if (comma == NULL) return TL_OK;
    p = comma + 1;
  }
}

int tl_client_open(const char *state, rp_client **out) {
  tl_conf conf;
  rp_config *cfg = NULL;
  int rc, status = TL_FAIL;

  *out = NULL;
  if (tl_conf_read(state, &conf) != TL_OK) return TL_FAIL;
  if (rp_config_new(&cfg) != 0) return tl_fail("out of memory");
  if (set(cfg, rp_config_set_state_dir(cfg, state), "state folder") ||
      relays_set(cfg, conf.v[TL_CONF_RELAY]) ||
      set(cfg, rp_config_set_relay_key(cfg, conf.v[TL_CONF_RELAY_KEY]), "relay_key") ||
      set(cfg, rp_config_set_identity_file(cfg, conf.v[TL_CONF_KEY]), "key_file") ||
      set(cfg, rp_config_set_admin_key(cfg, conf.v[TL_CONF_ADMIN]), "admin_key") ||
      (conf.v[TL_CONF_PASS][0] != 0 &&
       set(cfg, rp_config_set_passphrase_file(cfg, conf.v[TL_CONF_PASS]),
           "passphrase_file")) ||
      (conf.v[TL_CONF_ROSTER][0] != 0 &&
       set(cfg, rp_config_set_roster_file(cfg, conf.v[TL_CONF_ROSTER]), "roster_file")))
    goto out;
  if ((rc = rp_client_new(cfg, out)) != 0) {
    if (rc == RP_EPERM || rc == RP_EPASSPHRASE || rc == RP_ENOTFOUND)
      tl_key_fail(conf.v[TL_CONF_KEY], rc);
    else
      tl_fail("cannot start the client: %s%s%s", rp_strerror(rc),
              rp_config_error(cfg)[0] ? ": " : "", rp_config_error(cfg));
    goto out;
  }
  status = TL_OK;
out:
  rp_config_free(cfg);
  return status;
}

static void nap(void) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

int tl_client_sync(rp_client *c, int timeout_ms) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  while (rp_client_conn_state(c) != RP_CONN_CONNECTED) {
    if (rp__clock_mono_ms() >= deadline) return RP_ETIMEDOUT;
    nap();
  }
  rp_client_flush(
      c, (int)(deadline > rp__clock_mono_ms() ? deadline - rp__clock_mono_ms() : 0));
  /* Receipts and deliveries that the relay holds follow the welcome at once. */
  for (int i = 0; i < 15 && rp__clock_mono_ms() < deadline; i++)
    nap();
  return 0;
}

typedef struct org_find {
  const char *id;
  const char *kind; /* NULL: not an active member */
  char code[RP_MUNICIPALITY_CODE_BYTES + 1];
} org_find;

static int find_member(void *data, const char *id, const char *kind, const char *code,
                       unsigned networks) {
  org_find *f = data;
  (void)networks;
  if (strcmp(id, f->id) != 0) return 0;
  f->kind = kind; /* static in the library */
  snprintf(f->code, sizeof f->code, "%s", code);
  return 1;
}

int tl_member_org(rp_client *c, char org[RP_MUNICIPALITY_CODE_BYTES + 1]) {
  org_find f = {rp_client_member_id(c), NULL, ""};
  org[0] = '\0';
  /* The library's roster, the one the relay and the recipient check the envelope with
   * (kept up to date from the relay), not another copy read from the roster file. */
  rp_client_members(c, find_member, &f);
  if (f.kind == NULL)
    return tl_fail("member %s is not an active member of the roster", f.id);
  if (strcmp(f.kind, "municipality") != 0 || f.code[0] == '\0')
    return tl_fail("member %s is not a municipality in the roster: only municipalities "
                   "send requests",
                   f.id);
  snprintf(org, RP_MUNICIPALITY_CODE_BYTES + 1, "%s", f.code);
  return TL_OK;
}

const char *tl_state_arg(const char *opt) {
  const char *env = getenv("REJSEPOST_STATE");
  return opt != NULL ? opt : env != NULL && env[0] != '\0' ? env : NULL;
}

int tl_state_parse(int argc, char **argv, const char **state, int *wait_ms,
                   const char **pos, int need_pos) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {NULL, 0, NULL, 0}};
  int c, secs = SYNC_MS_DEFAULT / 1000;
  *state = NULL;
  *pos = NULL;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's')
      *state = optarg;
    else if (c == 'w') {
      if (tl_seconds_parse(optarg, 600, &secs) != 0)
        return tl_usage(argv[0], "--wait: 0 to 600 seconds");
    } else
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
  }
  *wait_ms = secs * 1000;
  if (optind < argc) *pos = argv[optind++];
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if (need_pos && *pos == NULL) return tl_usage(argv[0], "give the message id");
  if ((*state = tl_state_arg(*state)) == NULL)
    return tl_usage(argv[0], "--state DIR is required (or set REJSEPOST_STATE)");
  return TL_OK;
}

rp_client *tl_client_open_synced(const char *state, int wait_ms) {
  rp_client *c = NULL;
  if (tl_client_open(state, &c) != TL_OK) return NULL;
  if (wait_ms > 0 && tl_client_sync(c, wait_ms) != 0)
    fprintf(stderr, "%s: note: relay not reachable (%s); showing what is stored here\n",
            tl_prog, rp_strerror(rp_client_last_error(c)));
  return c;
}
