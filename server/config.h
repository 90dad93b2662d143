/* SPDX-License-Identifier: MIT */
/*
 * The relay's settings: defaults, then an INI file ([relay], [limits], [log]), then
 * command-line flags. Every value is checked against a range; an unknown key, a key set
 * twice, or a bad value is an error naming the file, line and setting, e.g.
 *
 *   relay.ini:12: limits.window: must be a number from 1 to 4096, got 'abc'
 *
 * Sizes take the suffixes K, M, G, T (powers of 1024); durations need a unit: ms, s, m,
 * h or d. Everything here is pure (no process state besides getopt's, no I/O except
 * reading the named config file), so it is testable without starting a relay.
 * The hard caps in proto/caps.h bound the ranges below.
 */
#ifndef RP_SERVER_CONFIG_H
#define RP_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "caps.h"
#include "log.h"

#define RP__CFG_LISTEN_MAX 16u           /* listen addresses */
#define RP__CFG_ADDR_MAX 64u             /* "[v6]:port" text, NUL included */
#define RP__CFG_PATH_MAX 1024u           /* paths, NUL included */
#define RP__CFG_ADMIN_KEY_BYTES 32u      /* Ed25519 public key */
#define RP__CFG_ERR_MAX 512u             /* a good size for the err buffers below */
#define RP__CFG_FILE_MAX (1024u * 1024u) /* config files larger than this are refused */

#define RP__CFG_KIB 1024ull
#define RP__CFG_MIB (1024ull * 1024)
#define RP__CFG_GIB (1024ull * 1024 * 1024)
#define RP__CFG_TIB (1024ull * 1024 * 1024 * 1024)
#define RP__CFG_SEC 1000ull
#define RP__CFG_MIN (60ull * 1000)
#define RP__CFG_HOUR (3600ull * 1000)
#define RP__CFG_DAY (24ull * 3600 * 1000)

/* Envelope header bytes allowed on top of the sealed body: ids, times, urgency... */
#define RP__CFG_ENVELOPE_HEADER_MAX 1024u

/* Defaults and ranges (inclusive), one triple per limit. */
#define RP__CFG_FRAME_DEF RP_FRAME_MAX
#define RP__CFG_FRAME_MIN 1024u
#define RP__CFG_FRAME_MAX RP_FRAME_MAX
#define RP__CFG_ENVELOPE_DEF (RP_ENVELOPE_BODY_MAX + RP__CFG_ENVELOPE_HEADER_MAX)
#define RP__CFG_ENVELOPE_MIN 1024u
#define RP__CFG_ENVELOPE_MAX (RP_ENVELOPE_BODY_MAX + RP__CFG_ENVELOPE_HEADER_MAX)
#define RP__CFG_WINDOW_DEF 32u
#define RP__CFG_WINDOW_MIN 1u
#define RP__CFG_WINDOW_MAX 4096u
#define RP__CFG_CONNS_DEF 1024u
#define RP__CFG_CONNS_MIN 1u
#define RP__CFG_CONNS_MAX 100000u
#define RP__CFG_MEMBER_CONNS_DEF 4u
#define RP__CFG_MEMBER_CONNS_MIN 1u
#define RP__CFG_MEMBER_CONNS_MAX 256u
#define RP__CFG_PENDING_DEF 1024u
#define RP__CFG_PENDING_MIN 1u
#define RP__CFG_PENDING_MAX 100000u
#define RP__CFG_PENDING_ADDR_DEF 64u
#define RP__CFG_PENDING_ADDR_MIN 1u
#define RP__CFG_PENDING_ADDR_MAX 100000u
#define RP__CFG_PROVING_DEF 8u
#define RP__CFG_PROVING_MIN 1u
#define RP__CFG_PROVING_MAX 256u
#define RP__CFG_RCPT_BYTES_DEF RP__CFG_GIB
#define RP__CFG_RCPT_BYTES_MIN RP__CFG_MIB
#define RP__CFG_RCPT_BYTES_MAX RP__CFG_TIB
#define RP__CFG_SENDER_SHARE_DEF 50u /* percent of spool_recipient_bytes */
#define RP__CFG_SENDER_SHARE_MIN 1u
#define RP__CFG_SENDER_SHARE_MAX 100u
#define RP__CFG_TOTAL_BYTES_DEF (16 * RP__CFG_GIB)
#define RP__CFG_TOTAL_BYTES_MIN RP__CFG_MIB
#define RP__CFG_TOTAL_BYTES_MAX (64 * RP__CFG_TIB)
#define RP__CFG_HANDSHAKE_DEF (5 * RP__CFG_SEC)
#define RP__CFG_HANDSHAKE_MIN 100u
#define RP__CFG_HANDSHAKE_MAX (60 * RP__CFG_SEC)
#define RP__CFG_FRAME_TIMEOUT_DEF (10 * RP__CFG_SEC)
#define RP__CFG_FRAME_TIMEOUT_MIN 100u
#define RP__CFG_FRAME_TIMEOUT_MAX (10 * RP__CFG_MIN)
#define RP__CFG_IDLE_DEF (5 * RP__CFG_MIN)
#define RP__CFG_IDLE_MIN RP__CFG_SEC
#define RP__CFG_IDLE_MAX RP__CFG_DAY
#define RP__CFG_PING_DEF RP__CFG_MIN
#define RP__CFG_PING_MIN RP__CFG_SEC
#define RP__CFG_PING_MAX RP__CFG_HOUR
#define RP__CFG_EXPIRY_DEF RP_EXPIRY_DEFAULT_MS
#define RP__CFG_EXPIRY_MIN RP__CFG_MIN
#define RP__CFG_EXPIRY_MAX RP_EXPIRY_MAX_MS
#define RP__CFG_BATCH_DEF 1024u
#define RP__CFG_BATCH_MIN 1u
#define RP__CFG_BATCH_MAX 65536u
#define RP__CFG_BATCH_BYTES_DEF (64 * RP__CFG_MIB)
#define RP__CFG_BATCH_BYTES_MIN (64 * RP__CFG_KIB)
#define RP__CFG_BATCH_BYTES_MAX RP__CFG_GIB
/* Sealed attachment chunk bytes of one message. The ceiling is the format's: 16
 * attachments of 4 GiB (proto/chunk.h). */
#define RP__CFG_ATTACH_BYTES_DEF (256 * RP__CFG_MIB)
#define RP__CFG_ATTACH_BYTES_MIN RP__CFG_MIB
#define RP__CFG_ATTACH_BYTES_MAX (64 * RP__CFG_GIB)

typedef struct {
  /* [relay] */
  char listen[RP__CFG_LISTEN_MAX][RP__CFG_ADDR_MAX]; /* "127.0.0.1:7443", "[::1]:7443" */
  size_t listen_count;
  char state_dir[RP__CFG_PATH_MAX];   /* holds the spool; relative paths below are in it */
  char spool_file[RP__CFG_PATH_MAX];  /* default "spool.sqlite" */
  char key_file[RP__CFG_PATH_MAX];    /* the relay's private key file, "relay.key" */
  char roster_file[RP__CFG_PATH_MAX]; /* the signed roster, "roster.msgpack" */
  uint8_t admin_key[RP__CFG_ADMIN_KEY_BYTES]; /* valid if has_admin_key */
  int has_admin_key;
  char admin_key_file[RP__CFG_PATH_MAX]; /* "" unless set; holds the key as hex */
  int admin_key_from_file;               /* admin_key was read from admin_key_file */
  /* [log] */
  rp__log_level log_level;
  /* [limits] (durations in milliseconds, sizes in bytes) */
  uint64_t frame_max;
  uint64_t envelope_max;
  uint64_t window;
  uint64_t max_connections;
  uint64_t max_connections_per_member;
  uint64_t max_pending;             /* connections that have not proved a key, in all */
  uint64_t max_pending_per_address; /* ... from one address (IPv6: one /64) */
  uint64_t max_proving_per_member;  /* named a member's key, waiting for the proof */
  uint64_t spool_recipient_bytes;
  uint64_t spool_sender_share; /* percent of spool_recipient_bytes per sender */
  uint64_t spool_total_bytes;
  uint64_t handshake_timeout_ms;
  uint64_t frame_timeout_ms;
  uint64_t idle_timeout_ms;
  uint64_t ping_interval_ms;
  uint64_t expiry_default_ms;
  uint64_t expiry_max_ms;
  uint64_t commit_batch_max;
  uint64_t commit_batch_bytes;
  uint64_t attachment_bytes_max; /* a message's chunk bytes in all (live) */
} rp__config;

/* What the command line asked for. */
typedef enum {
  RP__CONFIG_RUN = 0,
  RP__CONFIG_HELP = 1,
  RP__CONFIG_VERSION = 2
} rp__config_action;

/* Fill cfg with the defaults (listen on 127.0.0.1:7443 and [::1]:7443). Pure. */
void rp__config_defaults(rp__config *cfg);

/* Set one setting, "section.key" (e.g. "limits.window"), from its text form. `where` is
 * prefixed to an error ("relay.ini:12" or "--window"; NULL for none). relay.listen adds
 * to the list (space- or comma-separated addresses). Returns 0, or RP_ECONFIG with a
 * message in err; cfg is unchanged on error. Pure. */
int rp__config_set(rp__config *cfg, const char *name, const char *value, const char *where,
                   char *err, size_t errlen);

/* Apply an INI text, as if read from a file called `fname` (used in messages). Keys are
 * applied in order on top of cfg; the first error stops. A key set twice is an error
 * (except relay.listen, which adds), as are unknown sections and keys, lines longer
 * than libinih's line buffer, and keys outside a section. The first relay.listen in the
 * text replaces the defaults. Returns 0 or RP_ECONFIG with err. Pure. */
int rp__config_parse_string(rp__config *cfg, const char *fname, const char *text, char *err,
                            size_t errlen);

/* Read `path` (at most RP__CFG_FILE_MAX bytes) and apply it with
 * rp__config_parse_string. Returns 0 or RP_ECONFIG with err. */
int rp__config_load_file(rp__config *cfg, const char *path, char *err, size_t errlen);

/* Cross-field checks, after everything is applied: at least one listen address, an
 * admin key (inline or file, not both), envelope_max <= spool_recipient_bytes <=
 * spool_total_bytes, envelope_max <= commit_batch_bytes, max_connections_per_member <=
 * max_connections, max_pending_per_address <= max_pending, envelope_max <= the sender
 * share (spool_recipient_bytes * spool_sender_share / 100), ping_interval <
 * idle_timeout, expiry_default <= expiry_max.
 * Returns 0 or RP_ECONFIG with err naming the settings involved. Pure. */
int rp__config_check(const rp__config *cfg, char *err, size_t errlen);

/* The whole start-up sequence: defaults, the file named by --config (if any), the other
 * flags, rp__config_check(), and finally reading relay.admin_key_file (if set) into
 * admin_key, so that on success has_admin_key is always 1. Flags: --config FILE, --listen
 * ADDR (repeatable; the first replaces the file's list), --state-dir DIR, --key FILE,
 * --roster FILE,
 * --log-level LEVEL, --help, --version. *action says whether to run, print help or print
 * the version (for help and version nothing else is read or checked). Uses getopt_long,
 * so it is not thread-safe and resets optind. Returns 0 or RP_ECONFIG with err. */
int rp__config_from_args(rp__config *cfg, int argc, char *const argv[],
                         rp__config_action *action, char *err, size_t errlen);

/* Print the usage text, each flag and each setting with its range and default. */
void rp__config_help(FILE *out, const char *prog);

/* One sender's share of one recipient's spool bytes: spool_recipient_bytes times
 * spool_sender_share percent. Pure. */
uint64_t rp__config_sender_bytes(const rp__config *cfg);

/* Join `path` to the state dir unless it is absolute. Returns 0, or RP_ETOOBIG if out
 * (outlen bytes) is too small. Pure. */
int rp__config_path(const rp__config *cfg, const char *path, char *out, size_t outlen);

/* A reload (SIGHUP): copy into cfg, from next (the configuration read again and
 * checked), every setting the settings table marks live: the log level, the roster file
 * and the limits read at each use. The others (listen addresses, the state dir, the
 * spool and key files, the keys, the spool's limits) keep their value in cfg until a
 * restart; the number of them whose value differs in next is returned, and their names,
 * space-separated in table order, go into `ignored` (may be NULL; cut to ignoredlen bytes,
 * NUL included). relay.admin_key_file counts through relay.admin_key, which holds the key
 * it names. Pure. */
size_t rp__config_reload(rp__config *cfg, const rp__config *next, char *ignored,
                         size_t ignoredlen);

/* 1 if setting `name` ("section.key") takes effect at a reload, 0 if it needs a
 * restart, RP_ECONFIG if there is no such setting. Pure. */
int rp__config_is_live(const char *name);

/* Parse a listen address ("1.2.3.4:7443" or "[::1]:7443", numeric only) into *sa.
 * Returns 0 or RP_EINVAL. Pure. */
int rp__config_parse_addr(const char *text, struct sockaddr_storage *sa);

/* Value parsers, exposed for tests and for other settings files. Return 0 or RP_EINVAL.
 * Sizes: digits with an optional K, M, G or T. Durations: digits and ms, s, m, h or d. */
int rp__config_parse_uint(const char *text, uint64_t *out);
int rp__config_parse_size(const char *text, uint64_t *out);
int rp__config_parse_duration(const char *text, uint64_t *out_ms);

#endif /* RP_SERVER_CONFIG_H */
