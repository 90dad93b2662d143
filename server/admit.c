/* SPDX-License-Identifier: MIT */
/*
 * Admission: which connection may hold a slot at the relay (PROTOCOL.md 4.3, "Proof of
 * the key" and "Busy or refused").
 *
 * A connection is pending until its first transport message has decrypted, because
 * anyone can replay a recorded Noise message 1, and only the real key holder can read
 * message 2 and send something under the session keys. Pending connections never count
 * as, replace or receive for a member, and they have budgets of their own, so that
 * connections which never finish cannot fill the slots of those that do:
 *
 *  - anonymous: TCP accepted, no active member's key named yet (phase HANDSHAKE).
 *    At most limits.max_pending in all and limits.max_pending_per_address from one
 *    source address (an IPv4 address, or the /64 of an IPv6 address, since one host
 *    easily has a whole /64). A new connection that finds its budget full closes the
 *    OLDEST anonymous connection, of its own address if it has one, else of any:
 *    a flood only ever pushes out flood, and a client that sends message 1 at once is
 *    out of this queue within a round trip.
 *  - proving: message 1 named an active member; WELCOME is out, the proof is awaited.
 *    At most limits.max_proving_per_member per member, in the member's own pool:
 *    only another connection with the same key (a replay, or the member itself) can
 *    push the oldest out.
 *
 * Both end at the handshake deadline (counted from the TCP connection), closed without
 * a word. A proved connection counts against limits.max_connections (in all) and
 * limits.max_connections_per_member (the member's oldest gives way). When the relay
 * already holds max_connections proved connections, a member that cannot replace one
 * of its own is told BYE "busy" (EBUSY) instead of WELCOME, which only the key holder
 * can read: busy, not refused.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "log.h"
#include "rejsepost_errors.h"

/* ---- source addresses ---- */

/* The address key: an IPv4 address as ::ffff:a.b.c.d, an IPv6 address cut to its /64. */
static void addr_key(const rp__conn *c, uint8_t key[RP__ADDR_KEY_BYTES]) {
  memset(key, 0, RP__ADDR_KEY_BYTES);
  if (!c->sockaddr_ok) return; /* unknown: all such connections share one budget */
  if (c->peer.ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c->peer;
    key[10] = key[11] = 0xff;
    memcpy(key + 12, &s4->sin_addr, 4);
  } else if (c->peer.ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c->peer;
    memcpy(key, &s6->sin6_addr, 8);
    key[15] = 6; /* never equal to a v4 key */
  }
}

static size_t addr_bucket(const rp__relay *r, const uint8_t key[RP__ADDR_KEY_BYTES]) {
  uint8_t h[crypto_shorthash_BYTES];
  uint64_t v;
  crypto_shorthash(h, key, RP__ADDR_KEY_BYTES, r->addr_key);
  memcpy(&v, h, sizeof v);
  return (size_t)(v & (RP__ADDR_BUCKETS - 1));
}

static rp__addr *addr_get(rp__relay *r, const uint8_t key[RP__ADDR_KEY_BYTES]) {
  size_t b = addr_bucket(r, key);
  rp__addr *a;
  for (a = r->addrs[b]; a != NULL; a = a->next)
    if (memcmp(a->key, key, RP__ADDR_KEY_BYTES) == 0) return a;
  if ((a = calloc(1, sizeof *a)) == NULL) return NULL;
  memcpy(a->key, key, RP__ADDR_KEY_BYTES);
  a->next = r->addrs[b];
  r->addrs[b] = a;
  return a;
}

static void addr_drop(rp__relay *r, rp__addr *a) {
  rp__addr **pp;
  for (pp = &r->addrs[addr_bucket(r, a->key)]; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == a) {
      *pp = a->next;
      free(a);
      return;
    }
  }
}

/* ---- the anonymous queue ---- */

static void anon_unlink(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__addr *a = c->addr;

  if (c->qprev != NULL)
    c->qprev->qnext = c->qnext;
  else
    r->pend_head = c->qnext;
  if (c->qnext != NULL)
    c->qnext->qprev = c->qprev;
  else
    r->pend_tail = c->qprev;
  c->qprev = c->qnext = NULL;
  c->queued = 0;
  r->npending--;
  if (a != NULL) {
    if (c->aprev != NULL)
      c->aprev->anext = c->anext;
    else
      a->head = c->anext;
    if (c->anext != NULL)
      c->anext->aprev = c->aprev;
    else
      a->tail = c->aprev;
    c->aprev = c->anext = NULL;
    c->addr = NULL;
    if (--a->n == 0) addr_drop(r, a);
  }
}

/* Close a pending connection to make room; a summary goes to the log now and then. */
static void evict(rp__conn *victim, const char *reason) {
  rp__relay *r = victim->relay;
  uint64_t now = uv_now(r->loop);

  r->evicted++;
  r->evict_at = now;
  rp__stats_reject(&r->stats, RP_EBUSY);
  rp__log_debug("conn_evicted conn=%llu member=%s reason=%s",
                (unsigned long long)victim->id, rp__conn_member(victim), reason);
  if (r->evicted_logged == 0 || now - r->evict_log_at >= RP__EVICT_LOG_EVERY_MS) {
    rp__log_warn("pending_evicted count=%llu since_last=%llu pending=%u proving=%u "
                 "reason=%s",
                 (unsigned long long)r->evicted,
                 (unsigned long long)(r->evicted - r->evicted_logged), r->npending,
                 r->nproving, reason);
    r->evicted_logged = r->evicted;
    r->evict_log_at = now;
  }
  victim->reset_on_close = 1;
  rp__conn_abort(victim, NULL);
}

int rp__admit_accept(rp__relay *r, rp__conn *c) {
  uint8_t key[RP__ADDR_KEY_BYTES];
  rp__addr *a;

  addr_key(c, key);
  if ((a = addr_get(r, key)) == NULL) return RP_ENOMEM;
  /* Join first (so the address entry is held by c while others leave it), then make
   * room, oldest first: c is the newest everywhere, so it is never its own victim.
   * Closing a victim unlinks it at once (rp__conn_abort -> rp__admit_leave). The loops
   * also shrink the queue to limits lowered by a reload. */
  c->qprev = r->pend_tail;
  c->qnext = NULL;
  if (r->pend_tail != NULL)
    r->pend_tail->qnext = c;
  else
    r->pend_head = c;
  r->pend_tail = c;
  c->aprev = a->tail;
  c->anext = NULL;
  if (a->tail != NULL)
    a->tail->anext = c;
  else
    a->head = c;
  a->tail = c;
  a->n++;
  c->addr = a;
  c->queued = 1;
  r->npending++;
  while (a->n > r->cfg.max_pending_per_address && a->head != c)
    evict(a->head, "address");
  while (r->npending > r->cfg.max_pending && r->pend_head != c)
    evict(a->head != c ? a->head : r->pend_head, "pending");
  return 0;
}

/* ---- the members' proving pools ---- */

static void proving_unlink(rp__conn *c) {
  rp__mstate *ms = c->ms;
  if (c->qprev != NULL)
    c->qprev->qnext = c->qnext;
  else
    ms->proving_head = c->qnext;
  if (c->qnext != NULL)
    c->qnext->qprev = c->qprev;
  else
    ms->proving_tail = c->qprev;
  c->qprev = c->qnext = NULL;
  c->queued = 0;
  ms->nproving--;
  c->relay->nproving--;
}

/* The member's connections that are open, i.e. count against its limit. */
static unsigned member_open_conns(const rp__mstate *ms, rp__conn **oldest) {
  unsigned n = 0;
  *oldest = NULL;
  for (rp__conn *o = ms->conns; o != NULL; o = o->mnext) {
    if (o->phase != RP__CONN_OPEN) continue;
    if (*oldest == NULL) *oldest = o;
    n++;
  }
  return n;
}

/* Would one more proved connection of ms pass limits.max_connections? Not if it
 * replaces one of the member's own. */
static int relay_full(const rp__relay *r, const rp__mstate *ms) {
  rp__conn *oldest;
  if (r->nactive < r->cfg.max_connections) return 0;
  return ms == NULL || member_open_conns(ms, &oldest) < r->cfg.max_connections_per_member;
}

int rp__admit_named(rp__conn *c, const rp__member *m) {
  rp__relay *r = c->relay;
  rp__mstate *ms;

  if (c->queued) anon_unlink(c);
  c->kind = (uint8_t)m->kind;
  if (relay_full(r, rp__mstate_get(r, m->pub.id, 0))) return RP_EBUSY;
  if ((ms = rp__mstate_get(r, m->pub.id, 1)) == NULL) return RP_ENOMEM;
  /* The member's own pool: a further connection with this key pushes out the oldest. */
  while (ms->nproving >= r->cfg.max_proving_per_member && ms->proving_head != NULL)
    evict(ms->proving_head, "proving");
  rp__mstate_ref(ms);
  c->ms = ms;
  c->qprev = ms->proving_tail;
  c->qnext = NULL;
  if (ms->proving_tail != NULL)
    ms->proving_tail->qnext = c;
  else
    ms->proving_head = c;
  ms->proving_tail = c;
  ms->nproving++;
  r->nproving++;
  c->queued = 1;
  return 0;
}

/* Link a proved connection into its member's list, the oldest giving way over the
 * per-member limit: a client that lost its connection without a FIN must be able to
 * reconnect before the old one times out, and a member has no use for more
 * connections than the limit. The caller holds a reference on ms for c. */
static void attach(rp__conn *c, rp__mstate *ms) {
  rp__relay *r = c->relay;
  rp__conn *oldest, **pp;

  while (member_open_conns(ms, &oldest) >= r->cfg.max_connections_per_member &&
         oldest != NULL) {
    rp__log_info("conn_replaced conn=%llu member=%s by=%llu",
                 (unsigned long long)oldest->id, ms->id, (unsigned long long)c->id);
    rp__stats_reject(&r->stats, RP_EBUSY);
    rp__conn_bye(oldest, RP__BYE_REPLACED, RP_EBUSY);
  }
  ms->nconns++;
  for (pp = &ms->conns; *pp != NULL; pp = &(*pp)->mnext) {
  }
  *pp = c;
  c->ms = ms;
  c->proven = 1;
  c->counted = 1;
  r->nactive++;
}

int rp__admit_prove(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__mstate *ms = c->ms;

  if (c->queued) proving_unlink(c);
  if (relay_full(r, ms)) {
    /* The relay filled up while this one was proving: the key holder reads why. */
    rp__mstate_unref(r, ms);
    c->ms = NULL;
    return RP_EBUSY;
  }
  attach(c, ms);
  return 0;
}

void rp__admit_leave(rp__conn *c) {
  if (c->queued) {
    if (c->ms == NULL)
      anon_unlink(c);
    else
      proving_unlink(c);
  }
  if (c->counted) {
    c->counted = 0;
    c->relay->nactive--;
  }
}

void rp__admit_release(rp__conn *c) {
  rp__relay *r = c->relay;
  rp__conn **pp;

  rp__admit_leave(c);
  if (c->ms == NULL) return;
  if (c->proven) {
    for (pp = &c->ms->conns; *pp != NULL; pp = &(*pp)->mnext) {
      if (*pp == c) {
        *pp = c->mnext;
        break;
      }
    }
    c->ms->nconns--;
    c->proven = 0;
  }
  rp__mstate_unref(r, c->ms);
  c->ms = NULL;
}
