/* SPDX-License-Identifier: MIT */
/*
 * hold.c owns what goes out next on the loop thread: the SENDs in flight on this
 * connection and the recipients held back after the relay said their share of the
 * spool is full (NACK EQUOTA or ESPOOLFULL). The arrays live in struct rp_client.
 */
#ifndef RP_CLIENT_HOLD_H
#define RP_CLIENT_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "rejsepost.h"
#include "store.h"

/* A recipient whose share of the relay's spool was full. */
typedef enum rp__hold_state {
  RP__HOLD_HELD,     /* its envelopes wait until `until` */
  RP__HOLD_RELEASED, /* its passed-over envelopes are being sent again */
  RP__HOLD_DONE,     /* all sent again; kept for the backoff until an ACK shows room */
} rp__hold_state;

typedef struct rp__cl_hold {
  char recipient[RP_MEMBER_ID_MAX + 1];
  rp__hold_state state;
  uint64_t until;      /* loop time (uv_now) */
  unsigned backoff_ms; /* the last one; doubles while the relay keeps refusing */
  int64_t after;       /* outbox rowid the sending again has reached */
} rp__cl_hold;

/* A SEND of envelope id went out, or was answered (ACK or NACK). */
void rp__hold_sent(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
void rp__hold_answered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* NACK EQUOTA or ESPOOLFULL for id: hold its recipient back for a backoff; the envelope
 * stays queued. RP_EBUSY when too many recipients are held already. */
int rp__hold_add(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int code);
/* ACK for id: its recipient has room again, if it was held and released. */
void rp__hold_acked(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* Whether the main scan must pass over an envelope to recipient. */
bool rp__hold_blocks(rp_client *c, const char *recipient);
/* The next envelope a released hold sends again (envelope included), or RP_ENOTFOUND. */
int rp__hold_next(rp_client *c, rp__store_out *o);
/* The connection is gone: nothing in flight, nothing held. */
void rp__hold_reset(rp_client *c);

#endif /* RP_CLIENT_HOLD_H */
