/* SPDX-License-Identifier: MIT */
/*
 * The helpers of the rejsepost command line and the demo (cli_util.c, cli_keys.c):
 * messages, files, keys, rosters, clocks. Every command returns an exit code: 0 done,
 * 1 failed (the message says what to do about it), 2 usage error. The commands
 * themselves are declared in cmd.h.
 */
#ifndef RP_TOOLS_CLI_H
#define RP_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "file.h"
#include "identity.h"
#include "keyfile.h"
#include "roster.h"

#define TL_OK 0
#define TL_FAIL 1
#define TL_USAGE 2

/* The name messages begin with: "rejsepost" (main.c) or "rejsepost-demo". */
extern const char tl_prog[];

/* ---- messages ---- */

/* "rejsepost CMD: <message>" and "Try 'rejsepost help CMD'." on stderr; returns
 * TL_USAGE. */
int tl_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "rejsepost: error: <message>" on stderr; returns TL_FAIL. */
int tl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A failure to use key file `path` (code rc from keyfile.h), with what to do about it.
 * Returns TL_FAIL. */
int tl_key_fail(const char *path, int rc);

/* ---- keys ---- */

/* A passphrase in sodium_malloc memory, read from the first line of `path` ("-" is
 * standard input). 0 or an error with a message already printed (TL_FAIL). */
typedef struct tl_pass {
  char *p; /* NUL-terminated, sodium_malloc'd; NULL when there is none */
  size_t n;
} tl_pass;
int tl_pass_read(const char *path, tl_pass *out);
void tl_pass_free(tl_pass *p);

/* Loads a secret key file (passphrase file optional; needed for encrypted files). Prints
 * the error. Returns TL_OK or TL_FAIL; *out set on success. */
int tl_load_secret(const char *path, const char *pass_file, rp__identity **out);

/* Loads the public part of any key file (secret or public export). Prints the error. */
int tl_load_public(const char *path, rp__identity_public *out);

/* Generates an identity and writes `path` (secret: encrypted if pass != NULL, else plain
 * mode 0600) and `path`.pub (public export). kdf may be NULL (defaults). On success *out
 * (if not NULL) gets the identity. Returns 0 or an RP_E code. */
int tl_key_create(const char *path, const char *id, const tl_pass *pass,
                  const rp__keyfile_kdf *kdf, rp__identity **out);

/* A member kind's name (rp__roster_kind_name; rp__roster_kind_from_name parses one), or
 * "unknown". */
const char *tl_kind_name(int kind);

/* Parses "east", "west", "east,west" (or "none") into RP_NETWORK_* bits; -1 if bad. */
int tl_networks_parse(const char *s);
/* "east", "west", "east,west" or "-". Static. */
const char *tl_networks_name(unsigned bits);

/* ---- roster ---- */

/* Loads the signed roster at `path` and verifies it against admin_pk. Prints the error
 * (tampered: says so). TL_OK or TL_FAIL. */
int tl_roster_load(const char *path, const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                   rp__roster **out);

/* Signs r with admin and writes it atomically to path (mode 0644: it holds public keys
 * only). 0 or an RP_E code. */
int tl_roster_save(const char *path, rp__roster *r, const rp__identity *admin);

/* Adds a member with the given fields; 0 or an RP_E code. */
int tl_roster_add_member(rp__roster *r, const rp__identity_public *pub, int kind,
                         const char *name, const char *code, unsigned networks);

/* Prints the roster's members as a table with fingerprints. */
void tl_roster_print(FILE *out, const rp__roster *r);

/* ---- small helpers ---- */

/* "2025-11-24 18:20:11" local time, into buf. */
const char *tl_time_text(uint64_t unix_ms, char *buf, size_t cap);
/* Parses a whole number of seconds, 0 to max, into *out (set on success only). 0 or
 * RP_EINVAL. */
int tl_seconds_parse(const char *s, int max, int *out);

#endif /* RP_TOOLS_CLI_H */
