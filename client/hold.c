/* SPDX-License-Identifier: MIT */
/*
 * Which queued envelopes go out next (loop thread only): the envelopes in flight on
 * this connection, and recipients held back after the relay said that their share of
 * the spool is full.
 *
 * NACK EQUOTA (our share of one recipient's spool quota is full) and ESPOOLFULL (that
 * recipient's quota, or the whole spool) say nothing about our other recipients. So the
 * envelope stays queued, its recipient is held for a backoff that doubles while the
 * relay keeps saying so, and everything else goes on over the same connection
 * (PROTOCOL.md 5.5). When the hold runs out, the recipient's queued envelopes that the
 * main scan passed over are sent again, oldest first. An ACK for the recipient after
 * that shows its share has room again and forgets the hold. A new connection starts
 * afresh: it sends everything queued anyway.
 */
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "conn.h"
#include "hold.h"
#include "host_log.h"
#include "msg_field.h"

static bool in_flight(const rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  for (size_t i = 0; i < c->ninflight_ids; i++)
    if (memcmp(c->inflight_ids[i], id, RP_MSG_ID_BYTES) == 0) return true;
  return false;
}

void rp__hold_sent(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  /* The send window is at most RP__CL_SEND_WINDOW_MAX, so there is always room. */
  if (c->ninflight_ids < RP__CL_SEND_WINDOW_MAX)
    memcpy(c->inflight_ids[c->ninflight_ids++], id, RP_MSG_ID_BYTES);
}

void rp__hold_answered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  for (size_t i = 0; i < c->ninflight_ids; i++) {
    if (memcmp(c->inflight_ids[i], id, RP_MSG_ID_BYTES) != 0) continue;
    memmove(c->inflight_ids[i], c->inflight_ids[i + 1],
            (c->ninflight_ids - i - 1) * RP_MSG_ID_BYTES);
    c->ninflight_ids--;
    return;
  }
}

static rp__cl_hold *find(rp_client *c, const char *recipient) {
  for (size_t i = 0; i < c->nholds; i++)
    if (strcmp(c->holds[i].recipient, recipient) == 0) return &c->holds[i];
  return NULL;
}

static void drop(rp_client *c, rp__cl_hold *h) {
  *h = c->holds[--c->nholds];
}

static void on_hold_timer(uv_timer_t *t);

/* Arms the timer for the earliest hold that is still running. */
static void arm(rp_client *c) {
  uint64_t now = uv_now(&c->loop), next = 0;
  for (size_t i = 0; i < c->nholds; i++)
    if (c->holds[i].state == RP__HOLD_HELD && (next == 0 || c->holds[i].until < next))
      next = c->holds[i].until;
  if (next == 0)
    uv_timer_stop(&c->hold_timer);
  else
    uv_timer_start(&c->hold_timer, on_hold_timer, next > now ? next - now : 0, 0);
}

static void on_hold_timer(uv_timer_t *t) {
  rp_client *c = t->data;
  uint64_t now = uv_now(&c->loop);
  for (size_t i = 0; i < c->nholds; i++) {
    rp__cl_hold *h = &c->holds[i];
    if (h->state != RP__HOLD_HELD || h->until > now) continue;
    h->state = RP__HOLD_RELEASED;
    h->after = 0;
    rp__hlog(c, RP_LOG_INFO, "send_resumed recipient=%s", h->recipient);
  }
  arm(c);
  rp__conn_pump(c);
}

int rp__hold_add(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int code) {
  char hex[RP_ID_STRLEN];
  rp__store_out o;
  rp__cl_hold *h;
  unsigned backoff;
  int rc;
  if ((rc = rp__store_out_get(c->st, id, 0, &o)) != 0) return rc;
  if ((h = find(c, o.recipient)) == NULL) {
    /* Make room by forgetting a hold that no longer holds anything back. */
    for (size_t i = 0; c->nholds == RP__CL_HOLDS_MAX && i < c->nholds; i++)
      if (c->holds[i].state != RP__HOLD_HELD) drop(c, &c->holds[i]);
    if (c->nholds == RP__CL_HOLDS_MAX) return RP_EBUSY;
    h = &c->holds[c->nholds++];
    memset(h, 0, sizeof *h);
    memcpy(h->recipient, o.recipient, sizeof h->recipient);
  }
  /* Doubling while the relay keeps refusing, within the configured backoff; jitter, so
   * that many clients held by one full spool do not all come back at once. */
  backoff = h->backoff_ms == 0 ? c->cfg.backoff_min : h->backoff_ms * 2;
  if (backoff > c->cfg.backoff_max) backoff = c->cfg.backoff_max;
  h->backoff_ms = backoff;
  h->state = RP__HOLD_HELD;
  h->until = uv_now(&c->loop) + backoff + randombytes_uniform(backoff / 4 + 1);
  sodium_bin2hex(hex, sizeof hex, id, RP_MSG_ID_BYTES);
  rp__hlog(c, RP_LOG_INFO, "send_held msg_id=%s recipient=%s code=%s retry_ms=%u", hex,
           h->recipient, rp_err_name(code), backoff);
  arm(c);
  return 0;
}

void rp__hold_acked(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]) {
  rp__store_out o;
  rp__cl_hold *h;
  if (c->nholds == 0 || rp__store_out_get(c->st, id, 0, &o) != 0) return;
  /* While held, an ACK is for an envelope sent before the refusal: no news. */
  if ((h = find(c, o.recipient)) != NULL && h->state != RP__HOLD_HELD) drop(c, h);
}

bool rp__hold_blocks(rp_client *c, const char *recipient) {
  const rp__cl_hold *h = find(c, recipient);
  return h != NULL && h->state == RP__HOLD_HELD;
}

int rp__hold_next(rp_client *c, rp__store_out *o) {
  for (size_t i = 0; i < c->nholds; i++) {
    rp__cl_hold *h = &c->holds[i];
    if (h->state != RP__HOLD_RELEASED) continue;
    /* Only what the main scan has passed (up to its cursor); later envelopes are its. */
    while (rp__store_out_next_queued_to(c->st, h->recipient, h->after, c->send_cursor, o) ==
           0) {
      h->after = o->rowid;
      if (!in_flight(c, o->msg_id)) return 0;
      rp__store_out_free(o);
    }
    h->state = RP__HOLD_DONE;
  }
  return RP_ENOTFOUND;
}

void rp__hold_reset(rp_client *c) {
  c->ninflight_ids = 0;
  c->nholds = 0;
  uv_timer_stop(&c->hold_timer);
}
