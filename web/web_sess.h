/* SPDX-License-Identifier: MIT */
/*
 * Sessions (docs/WEB.md "Sessions"), in memory only: a restart logs everyone out. A
 * session id is 32 random bytes (64 hex in the cookie), compared in constant time; each
 * session has its own CSRF token (32 random bytes) that every form carries and every
 * POST must return. A visitor gets an anonymous session at the login page (so the login
 * form has a token too); a login gives a new id (no fixation). Idle and absolute
 * timeouts end a session. Not thread-safe: webd serves from one thread.
 */
#ifndef RP_WEB_SESS_H
#define RP_WEB_SESS_H

#include <stdint.h>

#include "web_accounts.h"

#define RP_WEB_SESS_MAX 512u
#define RP_WEB_TOKEN_HEX 65u

enum { RP_WEB_ANON = 0, RP_WEB_ENROL, RP_WEB_IN };

typedef struct rp__web_sess {
  int used, stage;
  uint8_t id[32];
  char csrf[RP_WEB_TOKEN_HEX];
  char name[RP_WEB_NAME_MAX + 1];
  int64_t created, last;
  uint8_t secret[RP_WEB_TOTP_BYTES]; /* enrolment: the secret being set up */
  int has_secret;
} rp__web_sess;

typedef struct rp__web_sessions {
  rp__web_sess s[RP_WEB_SESS_MAX];
  unsigned idle_s, absolute_s;
} rp__web_sessions;

void rp__web_sess_init(rp__web_sessions *t, unsigned idle_s, unsigned absolute_s);
/* The live session of the cookie value (64 hex), its last use set to now; NULL if none
 * (an expired one is wiped). */
rp__web_sess *rp__web_sess_find(rp__web_sessions *t, const char *cookie, int64_t now);
/* The same without setting its last use: a live-update stream is no sign that anyone
 * is at the browser, so it must not keep a session from its idle timeout. */
rp__web_sess *rp__web_sess_peek(rp__web_sessions *t, const char *cookie, int64_t now);
/* Whether s is still the logged-in session with this id, within both timeouts. */
int rp__web_sess_live(const rp__web_sessions *t, const rp__web_sess *s,
                      const uint8_t id[32], int64_t now);
/* A new anonymous session (the oldest anonymous one, else the oldest, makes room). */
rp__web_sess *rp__web_sess_new(rp__web_sessions *t, int64_t now);
/* A new id and CSRF token for s (at login and at each change of stage). */
void rp__web_sess_rotate(rp__web_sess *s, int64_t now);
void rp__web_sess_drop(rp__web_sess *s);
/* The cookie value of s (64 hex + NUL). */
void rp__web_sess_cookie(const rp__web_sess *s, char out[RP_WEB_TOKEN_HEX]);
/* Whether token is s's CSRF token (constant time). */
int rp__web_sess_csrf_ok(const rp__web_sess *s, const char *token);

/* Login attempts per client address: a window of one minute, at most max attempts in
 * it. Addresses beyond the table's size push out the oldest window. */
#define RP_WEB_RATE_SLOTS 1024u
typedef struct rp__web_rate {
  struct {
    char addr[48];
    int64_t window;
    unsigned n;
  } e[RP_WEB_RATE_SLOTS];
} rp__web_rate;
/* Counts one attempt from addr; 0 if allowed, 1 if over the limit. */
int rp__web_rate_hit(rp__web_rate *r, const char *addr, int64_t now, unsigned max);

#endif
