/* SPDX-License-Identifier: MIT */
#include "web_sess.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void rp__web_sess_init(rp__web_sessions *t, unsigned idle_s, unsigned absolute_s) {
  memset(t, 0, sizeof *t);
  t->idle_s = idle_s;
  t->absolute_s = absolute_s;
}

void rp__web_sess_drop(rp__web_sess *s) {
  sodium_memzero(s, sizeof *s);
}

static rp__web_sess *lookup(rp__web_sessions *t, const char *cookie, int64_t now,
                            int touch) {
  uint8_t id[32];
  size_t n = 0;
  rp__web_sess *hit = NULL;
  if (cookie == NULL || strlen(cookie) != 64 ||
      sodium_hex2bin(id, sizeof id, cookie, 64, NULL, &n, NULL) != 0 || n != 32)
    return NULL;
  /* Every slot is compared, in constant time each. */
  for (unsigned i = 0; i < RP_WEB_SESS_MAX; i++)
    if (t->s[i].used && sodium_memcmp(t->s[i].id, id, 32) == 0) hit = &t->s[i];
  if (hit == NULL) return NULL;
  if (now - hit->last > (int64_t)t->idle_s || now - hit->created > (int64_t)t->absolute_s) {
    rp__web_sess_drop(hit);
    return NULL;
  }
  if (touch) hit->last = now;
  return hit;
}

rp__web_sess *rp__web_sess_find(rp__web_sessions *t, const char *cookie, int64_t now) {
  return lookup(t, cookie, now, 1);
}

rp__web_sess *rp__web_sess_peek(rp__web_sessions *t, const char *cookie, int64_t now) {
  return lookup(t, cookie, now, 0);
}

int rp__web_sess_live(const rp__web_sessions *t, const rp__web_sess *s,
                      const uint8_t id[32], int64_t now) {
  return s->used && s->stage == RP_WEB_IN && sodium_memcmp(s->id, id, 32) == 0 &&
         now - s->last <= (int64_t)t->idle_s && now - s->created <= (int64_t)t->absolute_s;
}

void rp__web_sess_rotate(rp__web_sess *s, int64_t now) {
  uint8_t tok[32];
  randombytes_buf(s->id, sizeof s->id);
  randombytes_buf(tok, sizeof tok);
  sodium_bin2hex(s->csrf, sizeof s->csrf, tok, sizeof tok);
  s->last = now;
}

rp__web_sess *rp__web_sess_new(rp__web_sessions *t, int64_t now) {
  rp__web_sess *pick = NULL, *oldest_anon = NULL, *oldest = NULL;
  for (unsigned i = 0; i < RP_WEB_SESS_MAX && pick == NULL; i++) {
    rp__web_sess *s = &t->s[i];
    if (!s->used || now - s->last > (int64_t)t->idle_s ||
        now - s->created > (int64_t)t->absolute_s) {
      pick = s;
      break;
    }
    if (s->stage == RP_WEB_ANON && (oldest_anon == NULL || s->last < oldest_anon->last))
      oldest_anon = s;
    if (oldest == NULL || s->last < oldest->last) oldest = s;
  }
  if (pick == NULL) pick = oldest_anon != NULL ? oldest_anon : oldest;
  rp__web_sess_drop(pick);
  pick->used = 1;
  pick->created = now;
  rp__web_sess_rotate(pick, now);
  return pick;
}

void rp__web_sess_cookie(const rp__web_sess *s, char out[RP_WEB_TOKEN_HEX]) {
  sodium_bin2hex(out, RP_WEB_TOKEN_HEX, s->id, sizeof s->id);
}

int rp__web_sess_csrf_ok(const rp__web_sess *s, const char *token) {
  return token != NULL && strlen(token) == 64 && sodium_memcmp(s->csrf, token, 64) == 0;
}

int rp__web_rate_hit(rp__web_rate *r, const char *addr, int64_t now, unsigned max) {
  int64_t window = now / 60;
  unsigned pick = 0;
  for (unsigned i = 0; i < RP_WEB_RATE_SLOTS; i++) {
    if (strcmp(r->e[i].addr, addr) == 0) {
      pick = i;
      goto found;
    }
    if (r->e[i].window < r->e[pick].window) pick = i;
  }
  snprintf(r->e[pick].addr, sizeof r->e[pick].addr, "%s", addr);
  r->e[pick].n = 0;
  r->e[pick].window = window;
found:
  if (r->e[pick].window != window) {
    r->e[pick].window = window;
    r->e[pick].n = 0;
  }
  r->e[pick].n++;
  return r->e[pick].n > max;
}
