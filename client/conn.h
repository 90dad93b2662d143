/* SPDX-License-Identifier: MIT */
/*
 * conn.c and conn_msg.c own the relay connection on the loop thread: resolve, connect,
 * handshake (proto/chan.h), then the conversation of docs/PROTOCOL.md section 5, and on
 * any loss a reconnect after a backoff. conn.c drives the socket and what goes out;
 * conn_msg.c handles each message from the relay. Loop thread only.
 */
#ifndef RP_CLIENT_CONN_H
#define RP_CLIENT_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "rejsepost.h"
#include "transport.h"

/* A DELIVER kept unanswered until the relay's newer roster is in (PROTOCOL.md 6.5). */
typedef struct rp__cl_deferred {
  uint64_t seq;
  uint8_t *env; /* malloc'd copy */
  size_t len;
} rp__cl_deferred;

/* ---- conn.c ---- */
/* Resolves and connects, unless stopping or a connection is already under way. */
void rp__conn_start(rp_client *c);
/* Closes the connection (err != 0: reported through rp_client_last_error); the client
 * reconnects after a backoff, or finishes the loop when stopping. */
void rp__conn_close(rp_client *c, int err);
/* Seals and writes one transport message; RP_ECLOSED when there is no open channel. */
int rp__conn_send(rp_client *c, const rp__tmsg *m);
/* Sends what may go out now: a roster request the host asked for, then queued
 * envelopes up to the relay's send window. */
void rp__conn_pump(rp_client *c);
/* rp_client_free: ends the connection politely (the answers to our SENDs first,
 * bounded), then finishes the loop. */
void rp__conn_shutdown(rp_client *c);
/* BYE "done", then close once it is written. */
void rp__conn_bye(rp_client *c);
/* BYE "error" with code (an RP_E value), then close once it is written; code becomes
 * rp_client_last_error and the client reconnects after a backoff. */
void rp__conn_bye_error(rp_client *c, int code);

/* ---- conn_msg.c ---- */
/* One message from the relay, as the channel opened it. */
void rp__conn_on_msg(rp_client *c, const rp__tmsg *m);
/* Frees the DELIVERs kept for a roster (the connection is gone; the relay delivers them
 * again on the next one). */
void rp__conn_drop_deferred(rp_client *c);

#endif /* RP_CLIENT_CONN_H */
