/* SPDX-License-Identifier: MIT */
/*
 * The web workspace's accounts (docs/WEB.md "Accounts"): its own SQLite file, mode 0600,
 * never the inbox store. One row per advisor: the Argon2id hash of the password
 * (libsodium crypto_pwhash_str), whether that password is a one-time password set by
 * the administrator, the TOTP secret once enrolled, the last TOTP time step used (a
 * code is accepted once), failed logins in a row and the end of a lockout.
 */
#ifndef RP_WEB_ACCOUNTS_H
#define RP_WEB_ACCOUNTS_H

#include <sodium.h>
#include <stdint.h>

#define RP_WEB_NAME_MAX 32u   /* as RP_IBX_WHO_MAX: the advisor's name in [advisors] */
#define RP_WEB_TOTP_BYTES 20u /* a 160-bit secret (RFC 4226's recommendation) */
#define RP_WEB_PASSWORD_MIN 12u
#define RP_WEB_PASSWORD_MAX 256u

typedef struct rp__web_accts rp__web_accts;

typedef struct rp__web_acct {
  char name[RP_WEB_NAME_MAX + 1];
  char pw[crypto_pwhash_STRBYTES];
  int one_time; /* the password was set by the administrator: enrol at next login */
  int has_totp; /* enrolled */
  uint8_t totp[RP_WEB_TOTP_BYTES];
  int64_t last_step;    /* the last TOTP step accepted */
  unsigned failures;    /* failed logins in a row */
  int64_t locked_until; /* unix seconds; 0: not locked */
} rp__web_acct;

/* Opens (creating, mode 0600) the store. */
int rp__web_accts_open(const char *path, rp__web_accts **out);
void rp__web_accts_close(rp__web_accts *s);

/* RP_ENOTFOUND if there is no such account. The caller wipes a (it holds the secret). */
int rp__web_acct_get(rp__web_accts *s, const char *name, rp__web_acct *a);
/* A new account with a one-time password hash. RP_EEXIST if it exists. */
int rp__web_acct_add(rp__web_accts *s, const char *name, const char *pw_hash, int64_t now);
/* A new one-time password; the TOTP enrolment, failures and lockout are cleared. */
int rp__web_acct_reset(rp__web_accts *s, const char *name, const char *pw_hash);
/* Clears failures and lockout. */
int rp__web_acct_unlock(rp__web_accts *s, const char *name);
int rp__web_acct_delete(rp__web_accts *s, const char *name);
/* One failed login: *locked set to 1 when this one starts a lockout (the count starts
 * over then). */
int rp__web_acct_failed(rp__web_accts *s, const char *name, int64_t now, unsigned max,
                        unsigned lockout_s, int *locked);
/* A good login: failures to 0. */
int rp__web_acct_good(rp__web_accts *s, const char *name);
/* Takes TOTP step `step` if it is later than the last one taken; RP_EEXIST if not (a
 * replayed code). */
int rp__web_acct_take_step(rp__web_accts *s, const char *name, int64_t step);
/* Finishes enrolment: the advisor's own password, the TOTP secret, the step used. */
int rp__web_acct_enrol(rp__web_accts *s, const char *name, const char *pw_hash,
                       const uint8_t totp[RP_WEB_TOTP_BYTES], int64_t step);
/* Calls fn for each account, by name. */
int rp__web_acct_each(rp__web_accts *s, void (*fn)(void *, const rp__web_acct *),
                      void *data);

/* Argon2id (crypto_pwhash_str, interactive limits). */
int rp__web_pw_hash(const char *pw, char out[crypto_pwhash_STRBYTES]);
int rp__web_pw_verify(const char *hash, const char *pw); /* 1 if it matches */

/* Whether code (6 digits) is the TOTP (RFC 6238, SHA-1, 30 s, 6 digits) of secret at
 * now_s, one step either way allowed for clock skew; *step gets the step it matched. */
int rp__web_totp_check(const uint8_t secret[RP_WEB_TOTP_BYTES], int64_t now_s,
                       const char *code, int64_t *step);

#endif
