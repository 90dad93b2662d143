/* SPDX-License-Identifier: MIT */
/*
 * The table of settings and what hangs off it: defaults, setting one value by name,
 * cross-field checks, and the help text. The table is the single list of settings, so
 * the parser, the help and the tests can never disagree about what exists.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "rejsepost_errors.h"

typedef enum { K_LISTEN, K_PATH, K_HEXKEY, K_LEVEL, K_COUNT, K_SIZE, K_DURATION } kind;

/* When a setting takes effect: LIVE ones are read at each use, so a reload (SIGHUP)
 * copies them into the running configuration (rp__config_reload); RESTART ones shape what
 * is opened at start (listeners, spool, keys) and keep their value until a restart. */
enum { RESTART = 0, LIVE = 1 };

typedef struct {
  const char *name; /* "section.key" */
  int live;         /* LIVE or RESTART */
  kind k;
  size_t off; /* of the field in rp__config */
  uint64_t min, max;
  const char *flag; /* command-line flag, or NULL */
  const char *help;
} setting;

#define F(field) offsetof(rp__config, field)

static const setting settings[] = {
    {"relay.listen", RESTART, K_LISTEN, F(listen), 0, 0, "--listen",
     "address to accept clients on: IPv4:port or [IPv6]:port, numeric; may be given\n"
     "several times or as a space-separated list"},
    {"relay.state_dir", RESTART, K_PATH, F(state_dir), 0, 0, "--state-dir",
     "directory for the relay's state; relative paths below are taken inside it"},
    {"relay.spool_file", RESTART, K_PATH, F(spool_file), 0, 0, NULL,
     "SQLite file holding the spooled envelopes"},
    {"relay.key_file", RESTART, K_PATH, F(key_file), 0, 0, "--key",
     "the relay's private key file (mode 0600)"},
    {"relay.roster_file", LIVE, K_PATH, F(roster_file), 0, 0, "--roster",
     "the signed roster of members"},
    {"relay.admin_key", RESTART, K_HEXKEY, F(admin_key), 0, 0, NULL,
     "the administrator's Ed25519 public key, 64 hex digits (or use admin_key_file)"},
    {"relay.admin_key_file", RESTART, K_PATH, F(admin_key_file), 0, 0, NULL,
     "file holding the administrator's public key as 64 hex digits"},
    {"log.level", LIVE, K_LEVEL, F(log_level), 0, 0, "--log-level",
     "least severe events logged: error, warn, info or debug"},
    {"limits.frame_max", LIVE, K_SIZE, F(frame_max), RP__CFG_FRAME_MIN, RP__CFG_FRAME_MAX,
     NULL, "largest Noise frame accepted, bytes"},
    {"limits.envelope_max", LIVE, K_SIZE, F(envelope_max), RP__CFG_ENVELOPE_MIN,
     RP__CFG_ENVELOPE_MAX, NULL, "largest envelope accepted (header and sealed body)"},
    {"limits.window", LIVE, K_COUNT, F(window), RP__CFG_WINDOW_MIN, RP__CFG_WINDOW_MAX,
     NULL, "envelopes in flight per connection, each way"},
    {"limits.max_connections", LIVE, K_COUNT, F(max_connections), RP__CFG_CONNS_MIN,
     RP__CFG_CONNS_MAX, NULL, "connections open at once, in all"},
    {"limits.max_connections_per_member", LIVE, K_COUNT, F(max_connections_per_member),
     RP__CFG_MEMBER_CONNS_MIN, RP__CFG_MEMBER_CONNS_MAX, NULL,
     "connections open at once by one member"},
    {"limits.max_pending", LIVE, K_COUNT, F(max_pending), RP__CFG_PENDING_MIN,
     RP__CFG_PENDING_MAX, NULL,
     "connections that have not yet named an active member's key, in all; a new one\n"
     "over it closes the oldest such connection"},
    {"limits.max_pending_per_address", LIVE, K_COUNT, F(max_pending_per_address),
     RP__CFG_PENDING_ADDR_MIN, RP__CFG_PENDING_ADDR_MAX, NULL,
     "the same, from one source address (IPv6: one /64); a new one over it closes the\n"
     "oldest from that address"},
    {"limits.max_proving_per_member", LIVE, K_COUNT, F(max_proving_per_member),
     RP__CFG_PROVING_MIN, RP__CFG_PROVING_MAX, NULL,
     "connections that named one member's key and have not proved it yet; a new one\n"
     "over it closes the oldest of them"},
    {"limits.spool_recipient_bytes", RESTART, K_SIZE, F(spool_recipient_bytes),
     RP__CFG_RCPT_BYTES_MIN, RP__CFG_RCPT_BYTES_MAX, NULL,
     "envelope bytes spooled for one recipient; more is refused as spool full"},
    {"limits.spool_sender_share", RESTART, K_COUNT, F(spool_sender_share),
     RP__CFG_SENDER_SHARE_MIN, RP__CFG_SENDER_SHARE_MAX, NULL,
     "percent of spool_recipient_bytes that one sender may fill for one recipient; more\n"
     "is refused with EQUOTA"},
    {"limits.spool_total_bytes", RESTART, K_SIZE, F(spool_total_bytes),
     RP__CFG_TOTAL_BYTES_MIN, RP__CFG_TOTAL_BYTES_MAX, NULL,
     "envelope bytes spooled in all"},
    {"limits.handshake_timeout", LIVE, K_DURATION, F(handshake_timeout_ms),
     RP__CFG_HANDSHAKE_MIN, RP__CFG_HANDSHAKE_MAX, NULL,
     "time from the TCP connection until the client has proved its key (its first\n"
     "message after WELCOME)"},
    {"limits.frame_timeout", LIVE, K_DURATION, F(frame_timeout_ms),
     RP__CFG_FRAME_TIMEOUT_MIN, RP__CFG_FRAME_TIMEOUT_MAX, NULL,
     "a frame whose first byte has arrived must be complete within this time"},
    {"limits.idle_timeout", LIVE, K_DURATION, F(idle_timeout_ms), RP__CFG_IDLE_MIN,
     RP__CFG_IDLE_MAX, NULL, "a connection silent this long is closed"},
    {"limits.ping_interval", LIVE, K_DURATION, F(ping_interval_ms), RP__CFG_PING_MIN,
     RP__CFG_PING_MAX, NULL, "a quiet connection is pinged this often"},
    {"limits.expiry_default", LIVE, K_DURATION, F(expiry_default_ms), RP__CFG_EXPIRY_MIN,
     RP__CFG_EXPIRY_MAX, NULL, "lifetime of an envelope that names none"},
    {"limits.expiry_max", LIVE, K_DURATION, F(expiry_max_ms), RP__CFG_EXPIRY_MIN,
     RP__CFG_EXPIRY_MAX, NULL, "longest lifetime an envelope may ask for"},
    {"limits.commit_batch_max", RESTART, K_COUNT, F(commit_batch_max), RP__CFG_BATCH_MIN,
     RP__CFG_BATCH_MAX, NULL, "spool writes grouped into one transaction"},
    {"limits.commit_batch_bytes", RESTART, K_SIZE, F(commit_batch_bytes),
     RP__CFG_BATCH_BYTES_MIN, RP__CFG_BATCH_BYTES_MAX, NULL,
     "envelope bytes grouped into one transaction"},
    {"limits.attachment_bytes_max", LIVE, K_SIZE, F(attachment_bytes_max),
     RP__CFG_ATTACH_BYTES_MIN, RP__CFG_ATTACH_BYTES_MAX, NULL,
     "sealed attachment chunk bytes of one message, in all; a chunk over it is refused\n"
     "with ETOOBIG"},
};

#define NSETTINGS (sizeof settings / sizeof *settings)

void rp__config_defaults(rp__config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  snprintf(cfg->listen[0], RP__CFG_ADDR_MAX, "127.0.0.1:7443");
  snprintf(cfg->listen[1], RP__CFG_ADDR_MAX, "[::1]:7443");
  cfg->listen_count = 2;
  snprintf(cfg->state_dir, sizeof cfg->state_dir, "/var/lib/rejsepost-relayd");
  snprintf(cfg->spool_file, sizeof cfg->spool_file, "spool.sqlite");
  snprintf(cfg->key_file, sizeof cfg->key_file, "relay.key");
  snprintf(cfg->roster_file, sizeof cfg->roster_file, "roster.msgpack");
  cfg->log_level = RP__LOG_INFO;
  cfg->frame_max = RP__CFG_FRAME_DEF;
  cfg->envelope_max = RP__CFG_ENVELOPE_DEF;
  cfg->window = RP__CFG_WINDOW_DEF;
  cfg->max_connections = RP__CFG_CONNS_DEF;
  cfg->max_connections_per_member = RP__CFG_MEMBER_CONNS_DEF;
  cfg->max_pending = RP__CFG_PENDING_DEF;
  cfg->max_pending_per_address = RP__CFG_PENDING_ADDR_DEF;
  cfg->max_proving_per_member = RP__CFG_PROVING_DEF;
  cfg->spool_sender_share = RP__CFG_SENDER_SHARE_DEF;
  cfg->frame_timeout_ms = RP__CFG_FRAME_TIMEOUT_DEF;
  cfg->spool_recipient_bytes = RP__CFG_RCPT_BYTES_DEF;
  cfg->spool_total_bytes = RP__CFG_TOTAL_BYTES_DEF;
  cfg->handshake_timeout_ms = RP__CFG_HANDSHAKE_DEF;
  cfg->idle_timeout_ms = RP__CFG_IDLE_DEF;
  cfg->ping_interval_ms = RP__CFG_PING_DEF;
  cfg->expiry_default_ms = RP__CFG_EXPIRY_DEF;
  cfg->expiry_max_ms = RP__CFG_EXPIRY_MAX;
  cfg->commit_batch_max = RP__CFG_BATCH_DEF;
  cfg->attachment_bytes_max = RP__CFG_ATTACH_BYTES_DEF;
  cfg->commit_batch_bytes = RP__CFG_BATCH_BYTES_DEF;
}

/* Write "<where>: <name>: <what>, got '<got>'" (the parts that are NULL left out), e.g.
 * "relay.ini:12: limits.window: must be a number from 1 to 4096, got 'abc'". */
static void fail(char *err, size_t errlen, const char *where, const char *name,
                 const char *what, const char *got) {
  char g[80];
  if (errlen == 0) return;
  rp__config_fmt_got(got != NULL ? got : "", g, sizeof g);
  snprintf(err, errlen, "%s%s%s: %s%s%s%s", where != NULL ? where : "",
           where != NULL ? ": " : "", name, what, got != NULL ? ", got '" : "",
           got != NULL ? g : "", got != NULL ? "'" : "");
}

static int set_listen(rp__config *cfg, const setting *s, const char *value,
                      const char *where, char *err, size_t errlen) {
  char list[RP__CFG_LISTEN_MAX][RP__CFG_ADDR_MAX];
  size_t n = cfg->listen_count;
  const char *p = value;
  struct sockaddr_storage sa;

  memcpy(list, cfg->listen, sizeof list);
  for (;;) {
    char one[RP__CFG_ADDR_MAX + 1];
    size_t len;
    p += strspn(p, " \t,");
    if (*p == '\0') break;
    len = strcspn(p, " \t,");
    if (len >= sizeof one) len = sizeof one - 1; /* too long: fails to parse below */
    memcpy(one, p, len);
    one[len] = '\0';
    p += strcspn(p, " \t,");
    if (len >= RP__CFG_ADDR_MAX || rp__config_parse_addr(one, &sa) != 0) {
      fail(err, errlen, where, s->name,
           "must be IPv4:port or [IPv6]:port with a numeric address and a port from 1 "
           "to 65535",
           one);
      return RP_ECONFIG;
    }
    for (size_t i = 0; i < n; i++) {
      if (strcmp(list[i], one) == 0) {
        fail(err, errlen, where, s->name, "an address is listed twice", one);
        return RP_ECONFIG;
      }
    }
    if (n == RP__CFG_LISTEN_MAX) {
      fail(err, errlen, where, s->name, "too many addresses (at most 16)", one);
      return RP_ECONFIG;
    }
    memcpy(list[n++], one, len + 1);
  }
  if (n == cfg->listen_count) {
    fail(err, errlen, where, s->name, "must name at least one address", value);
    return RP_ECONFIG;
  }
  memcpy(cfg->listen, list, sizeof list);
  cfg->listen_count = n;
  return 0;
}

static int set_number(rp__config *cfg, const setting *s, const char *value,
                      const char *where, char *err, size_t errlen) {
  char lo[32], hi[32], what[160];
  uint64_t v;
  int r;
  if (s->k == K_SIZE) {
    r = rp__config_parse_size(value, &v);
    rp__config_fmt_size(s->min, lo, sizeof lo);
    rp__config_fmt_size(s->max, hi, sizeof hi);
    snprintf(what, sizeof what,
             "must be a size from %s to %s (bytes, or with K, M, G or T)", lo, hi);
  } else if (s->k == K_DURATION) {
    r = rp__config_parse_duration(value, &v);
    rp__config_fmt_duration(s->min, lo, sizeof lo);
    rp__config_fmt_duration(s->max, hi, sizeof hi);
    snprintf(what, sizeof what,
             "must be a duration from %s to %s (with unit ms, s, m, h or d)", lo, hi);
  } else {
    r = rp__config_parse_uint(value, &v);
    snprintf(what, sizeof what, "must be a number from %" PRIu64 " to %" PRIu64, s->min,
             s->max);
  }
  if (r != 0 || v < s->min || v > s->max) {
    fail(err, errlen, where, s->name, what, value);
    return RP_ECONFIG;
  }
  memcpy((char *)cfg + s->off, &v, sizeof v);
  return 0;
}

int rp__config_set(rp__config *cfg, const char *name, const char *value, const char *where,
                   char *err, size_t errlen) {
  const setting *s = NULL;
  rp__log_level level;

  for (size_t i = 0; i < NSETTINGS; i++)
    if (strcmp(settings[i].name, name) == 0) s = &settings[i];
  if (s == NULL) {
    fail(err, errlen, where, name, "unknown setting (see --help for the list)", NULL);
    return RP_ECONFIG;
  }
  switch (s->k) {
  case K_LISTEN:
    return set_listen(cfg, s, value, where, err, errlen);
  case K_PATH:
    if (value[0] == '\0' || strlen(value) >= RP__CFG_PATH_MAX) {
      fail(err, errlen, where, s->name, "must be a path of 1 to 1023 bytes", value);
      return RP_ECONFIG;
    }
    memcpy((char *)cfg + s->off, value, strlen(value) + 1);
    return 0;
  case K_HEXKEY:
    if (rp__config_parse_hex(value, cfg->admin_key, RP__CFG_ADMIN_KEY_BYTES) != 0) {
      fail(err, errlen, where, s->name, "must be 64 hex digits (an Ed25519 public key)",
           value);
      return RP_ECONFIG;
    }
    cfg->has_admin_key = 1;
    cfg->admin_key_from_file = 0;
    return 0;
  case K_LEVEL:
    if (rp__log_level_parse(value, &level) != 0) {
      fail(err, errlen, where, s->name, "must be one of error, warn, info or debug", value);
      return RP_ECONFIG;
    }
    cfg->log_level = level;
    return 0;
  default:
    return set_number(cfg, s, value, where, err, errlen);
  }
}

static int cross(char *err, size_t errlen, const char *a, uint64_t av, const char *b,
                 uint64_t bv, int k) {
  char as[32], bs[32];
  if (k == K_SIZE) {
    rp__config_fmt_size(av, as, sizeof as);
    rp__config_fmt_size(bv, bs, sizeof bs);
  } else if (k == K_DURATION) {
    rp__config_fmt_duration(av, as, sizeof as);
    rp__config_fmt_duration(bv, bs, sizeof bs);
  } else {
    snprintf(as, sizeof as, "%" PRIu64, av);
    snprintf(bs, sizeof bs, "%" PRIu64, bv);
  }
  snprintf(err, errlen, "%s (%s) must not be larger than %s (%s)", a, as, b, bs);
  return RP_ECONFIG;
}

int rp__config_check(const rp__config *cfg, char *err, size_t errlen) {
  if (errlen > 0) err[0] = '\0';
  if (cfg->listen_count == 0) {
    snprintf(err, errlen, "relay.listen: no address to listen on");
    return RP_ECONFIG;
  }
  if (cfg->has_admin_key && !cfg->admin_key_from_file && cfg->admin_key_file[0] != '\0') {
    snprintf(err, errlen, "relay.admin_key and relay.admin_key_file: set only one");
    return RP_ECONFIG;
  }
  if (!cfg->has_admin_key && cfg->admin_key_file[0] == '\0') {
    snprintf(err, errlen,
             "relay.admin_key or relay.admin_key_file: one is required, so "
             "the roster's signature can be checked");
    return RP_ECONFIG;
  }
  if (cfg->envelope_max > cfg->spool_recipient_bytes)
    return cross(err, errlen, "limits.envelope_max", cfg->envelope_max,
                 "limits.spool_recipient_bytes", cfg->spool_recipient_bytes, K_SIZE);
  if (cfg->spool_recipient_bytes > cfg->spool_total_bytes)
    return cross(err, errlen, "limits.spool_recipient_bytes", cfg->spool_recipient_bytes,
                 "limits.spool_total_bytes", cfg->spool_total_bytes, K_SIZE);
  if (cfg->envelope_max > cfg->commit_batch_bytes)
    return cross(err, errlen, "limits.envelope_max", cfg->envelope_max,
                 "limits.commit_batch_bytes", cfg->commit_batch_bytes, K_SIZE);
  if (cfg->envelope_max > rp__config_sender_bytes(cfg)) {
    char e[32], r[32];
    rp__config_fmt_size(cfg->envelope_max, e, sizeof e);
    rp__config_fmt_size(cfg->spool_recipient_bytes, r, sizeof r);
    snprintf(err, errlen,
             "limits.envelope_max (%s) must not be larger than one sender's share of a "
             "recipient's spool (limits.spool_sender_share %u%% of "
             "limits.spool_recipient_bytes %s)",
             e, (unsigned)cfg->spool_sender_share, r);
    return RP_ECONFIG;
  }
  if (cfg->max_connections_per_member > cfg->max_connections)
    return cross(err, errlen, "limits.max_connections_per_member",
                 cfg->max_connections_per_member, "limits.max_connections",
                 cfg->max_connections, K_COUNT);
  if (cfg->max_pending_per_address > cfg->max_pending)
    return cross(err, errlen, "limits.max_pending_per_address",
                 cfg->max_pending_per_address, "limits.max_pending", cfg->max_pending,
                 K_COUNT);
  if (cfg->ping_interval_ms >= cfg->idle_timeout_ms) {
    char p[32], i[32];
    rp__config_fmt_duration(cfg->ping_interval_ms, p, sizeof p);
    rp__config_fmt_duration(cfg->idle_timeout_ms, i, sizeof i);
    snprintf(err, errlen,
             "limits.ping_interval (%s) must be shorter than "
             "limits.idle_timeout (%s)",
             p, i);
    return RP_ECONFIG;
  }
  if (cfg->expiry_default_ms > cfg->expiry_max_ms)
    return cross(err, errlen, "limits.expiry_default", cfg->expiry_default_ms,
                 "limits.expiry_max", cfg->expiry_max_ms, K_DURATION);
  return 0;
}

uint64_t rp__config_sender_bytes(const rp__config *cfg) {
  /* At most 1T * 100: no overflow. */
  return cfg->spool_recipient_bytes * cfg->spool_sender_share / 100u;
}

int rp__config_path(const rp__config *cfg, const char *path, char *out, size_t outlen) {
  int n = path[0] == '/' ? snprintf(out, outlen, "%s", path)
                         : snprintf(out, outlen, "%s/%s", cfg->state_dir, path);
  return n < 0 || (size_t)n >= outlen ? RP_ETOOBIG : 0;
}

/* Does setting s hold the same value in a and b? The listen addresses compare as the
 * whole array, as they always have. */
static int same_value(const rp__config *a, const rp__config *b, const setting *s) {
  uint64_t av, bv;
  switch (s->k) {
  case K_LISTEN:
    return memcmp(a->listen, b->listen, sizeof a->listen) == 0;
  case K_PATH:
    return strcmp((const char *)a + s->off, (const char *)b + s->off) == 0;
  case K_HEXKEY:
    return memcmp(a->admin_key, b->admin_key, sizeof a->admin_key) == 0;
  case K_LEVEL:
    return a->log_level == b->log_level;
  default:
    memcpy(&av, (const char *)a + s->off, sizeof av);
    memcpy(&bv, (const char *)b + s->off, sizeof bv);
    return av == bv;
  }
}

/* Copy setting s, with the fields that go with it, from src to dst. */
static void copy_value(rp__config *dst, const rp__config *src, const setting *s) {
  switch (s->k) {
  case K_LISTEN:
    memcpy(dst->listen, src->listen, sizeof dst->listen);
    dst->listen_count = src->listen_count;
    break;
  case K_PATH:
    memcpy((char *)dst + s->off, (const char *)src + s->off, RP__CFG_PATH_MAX);
    break;
  case K_HEXKEY:
    memcpy(dst->admin_key, src->admin_key, sizeof dst->admin_key);
    dst->has_admin_key = src->has_admin_key;
    dst->admin_key_from_file = src->admin_key_from_file;
    break;
  case K_LEVEL:
    dst->log_level = src->log_level;
    break;
  default:
    memcpy((char *)dst + s->off, (const char *)src + s->off, sizeof(uint64_t));
  }
}

size_t rp__config_reload(rp__config *cfg, const rp__config *next, char *ignored,
                         size_t ignoredlen) {
  size_t n = 0, used = 0;
  int w;

  if (ignored != NULL && ignoredlen > 0) ignored[0] = '\0';
  for (size_t i = 0; i < NSETTINGS; i++) {
    const setting *s = &settings[i];
    if (s->live == LIVE) {
      copy_value(cfg, next, s);
      continue;
    }
    /* The file is read once, into relay.admin_key: a change that matters shows there. */
    if (s->off == F(admin_key_file) || same_value(cfg, next, s)) continue;
    n++;
    if (ignored == NULL || used >= ignoredlen) continue;
    w = snprintf(ignored + used, ignoredlen - used, "%s%s", used > 0 ? " " : "", s->name);
    used = w < 0 || (size_t)w >= ignoredlen - used ? ignoredlen : used + (size_t)w;
  }
  return n;
}

int rp__config_is_live(const char *name) {
  for (size_t i = 0; i < NSETTINGS; i++)
    if (strcmp(settings[i].name, name) == 0) return settings[i].live == LIVE;
  return RP_ECONFIG;
}

/* The default of a setting, as text, for the help. */
static void fmt_default(const rp__config *d, const setting *s, char *buf, size_t len) {
  uint64_t v = 0;
  if (s->k >= K_COUNT) memcpy(&v, (const char *)d + s->off, sizeof v);
  switch (s->k) {
  case K_LISTEN:
    snprintf(buf, len, "%s %s", d->listen[0], d->listen[1]);
    break;
  case K_PATH: {
    const char *p = (const char *)d + s->off;
    snprintf(buf, len, "%s", p[0] != '\0' ? p : "none");
    break;
  }
  case K_HEXKEY:
    snprintf(buf, len, "none");
    break;
  case K_LEVEL:
    snprintf(buf, len, "%s", rp__log_level_name(d->log_level));
    break;
  case K_SIZE:
    rp__config_fmt_size(v, buf, len);
    break;
  case K_DURATION:
    rp__config_fmt_duration(v, buf, len);
    break;
  default:
    snprintf(buf, len, "%" PRIu64, v);
  }
}

void rp__config_help(FILE *out, const char *prog) {
  rp__config d;
  char def[2 * RP__CFG_ADDR_MAX + 32], lo[32], hi[32];
  rp__config_defaults(&d);
  fprintf(out,
          "Usage: %s [options]\n"
          "The rejsepost relay: stores and forwards end-to-end encrypted envelopes.\n\n"
          "Options (each overrides the config file):\n"
          "  -c, --config FILE      read settings from FILE (INI: [relay] [limits] [log])\n"
          "  -l, --listen ADDR      relay.listen; repeat for several addresses\n"
          "      --state-dir DIR    relay.state_dir\n"
          "      --key FILE         relay.key_file\n"
          "      --roster FILE      relay.roster_file\n"
          "      --log-level LEVEL  log.level\n"
          "  -h, --help             print this help and exit\n"
          "  -V, --version          print the version and exit\n\n"
          "Signals: HUP reloads the roster and the limits (closing revoked members'\n"
          "connections); TERM or INT stops gracefully (pending commits are acked first);\n"
          "USR1 writes every counter to the log. Exit status: 0 after a clean stop; 1 if\n"
          "the spool could not be opened, a listen address could not be bound, or the\n"
          "spool failed while running; 2 for a bad setting, key file or roster.\n\n"
          "Settings (section.key = value). Sizes: bytes or with K, M, G, T (x1024).\n"
          "Durations need a unit: ms, s, m, h, d. Unknown keys are errors.\n",
          prog);
  for (size_t i = 0; i < NSETTINGS; i++) {
    const setting *s = &settings[i];
    fmt_default(&d, s, def, sizeof def);
    fprintf(out, "\n  %s\n      ", s->name);
    for (const char *p = s->help; *p != '\0'; p++) {
      fputc(*p, out);
      if (*p == '\n') fputs("      ", out);
    }
    fputc('\n', out);
    if (s->k == K_SIZE) {
      rp__config_fmt_size(s->min, lo, sizeof lo);
      rp__config_fmt_size(s->max, hi, sizeof hi);
    } else if (s->k == K_DURATION) {
      rp__config_fmt_duration(s->min, lo, sizeof lo);
      rp__config_fmt_duration(s->max, hi, sizeof hi);
    } else {
      snprintf(lo, sizeof lo, "%" PRIu64, s->min);
      snprintf(hi, sizeof hi, "%" PRIu64, s->max);
    }
    if (s->k >= K_COUNT)
      fprintf(out, "      range %s to %s; ", lo, hi);
    else
      fputs("      ", out);
    fprintf(out, "default %s%s%s\n", def, s->flag != NULL ? "; flag " : "",
            s->flag != NULL ? s->flag : "");
  }
}
