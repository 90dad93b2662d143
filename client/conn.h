/* SPDX-License-Identifier: MIT */
/*
 * conn.c, conn_msg.c and conn_phase.c own the relay connection on the loop thread:
 * resolve, connect, handshake (proto/chan.h), then the conversation of docs/PROTOCOL.md
 * section 5, and on any loss a reconnect after a backoff. conn.c drives the socket and
 * what goes out; conn_msg.c handles each message from the relay; conn_phase.c keeps the
 * table of the connection's phases. Loop thread only.
 */
#ifndef RP_CLIENT_CONN_H
#define RP_CLIENT_CONN_H

#include <stdbool.h>
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

/* ---- conn_phase.c: the phases of one connection ----
 *
 * Where the connection is, as one value (c->phase), so that no combination of flags can
 * contradict another: the code asks the phase, and moves it only through
 * rp__conn_phase_apply with one of the events below, which the table in conn_phase.c
 * allows from some phases only. The
 * public RP_CONN_* state (rp_client_conn_state) is a coarser view for other threads,
 * published under c->mu where the connection decides it. */
typedef enum rp__conn_phase {
  RP__CONN_PH_IDLE,       /* no connection (a retry may be armed); 0, as calloc leaves it */
  RP__CONN_PH_RESOLVING,  /* looking up the relay's address */
  RP__CONN_PH_CONNECTING, /* TCP handle open, connect under way */
  RP__CONN_PH_HANDSHAKE,  /* our Noise hello written, waiting for the relay's answer */
  RP__CONN_PH_OPEN,       /* channel open, waiting for WELCOME */
  RP__CONN_PH_READY,      /* welcomed: SENDs and roster requests go out */
  RP__CONN_PH_RECEIVING,  /* READY, and RECEIVE sent: the relay delivers */
  RP__CONN_PH_CLOSING,    /* TCP handle closing; its close callback makes it IDLE */
  RP__CONN_PH_STOPPED,    /* for good: the loop finished, or the relay revoked us */
  RP__CONN_PH_COUNT
} rp__conn_phase;

/* What the phases have in common, for the questions the code asks (conn_phase.c says
 * which phase has which). */
#define RP__CONN_PHF_LIVE 1u     /* a socket that is not closing: rp__conn_close acts */
#define RP__CONN_PHF_CHANNEL 2u  /* an open channel: messages can be sealed and sent */
#define RP__CONN_PHF_WELCOMED 4u /* WELCOME is in: the conversation of section 5 runs */

typedef enum rp__conn_ev {
  RP__CONN_EV_RESOLVE,    /* IDLE -> RESOLVING: the address lookup started */
  RP__CONN_EV_RESOLVED,   /* RESOLVING -> CONNECTING: TCP handle opened, connecting */
  RP__CONN_EV_UNRESOLVED, /* RESOLVING -> IDLE: the lookup failed or was cancelled */
  RP__CONN_EV_HELLO,      /* CONNECTING -> HANDSHAKE: connected, hello on its way */
  RP__CONN_EV_OPEN,       /* HANDSHAKE -> OPEN: the channel reported OPEN */
  RP__CONN_EV_WELCOME,    /* OPEN -> READY: WELCOME arrived */
  RP__CONN_EV_RECEIVE,    /* READY -> RECEIVING: RECEIVE written */
  RP__CONN_EV_CLOSE,      /* any LIVE phase -> CLOSING: the TCP handle is being closed */
  RP__CONN_EV_CLOSED,     /* CLOSING -> IDLE: the handle is closed, the channel freed */
  RP__CONN_EV_STOP,       /* IDLE or STOPPED -> STOPPED: revoked, or the loop finished */
  RP__CONN_EV_COUNT
} rp__conn_ev;

/* The phase event ev leads to from phase `from`, or -1 when the table does not allow
 * ev there (or either is out of range). Pure: the table alone. */
int rp__conn_phase_next(int from, int ev);
/* Moves c->phase by ev. An event the table does not allow in the current phase is a
 * bug of ours, never the relay's (the channel refuses messages in the wrong state
 * before they get here): it is refused with RP_ESTATE and logged, the phase unchanged,
 * and asserts in a debug build. */
int rp__conn_phase_apply(rp_client *c, rp__conn_ev ev);
/* Whether phase p has all of the RP__CONN_PHF_* flags. */
bool rp__conn_phase_has(int p, unsigned flags);
/* Names for log lines and tests; "?" when out of range. */
const char *rp__conn_phase_name(int p);
const char *rp__conn_phase_ev_name(int ev);

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
/* The relay refused to store a SEND or a chunk of ours for a reason that may pass (its
 * spool failed, it is busy or stopping): code becomes rp_client_last_error, BYE "done",
 * and reconnect after a backoff that keeps growing from one connection to the next
 * (WELCOME does not reset it) until the relay stores something of ours again
 * (rp__conn_stored). Else every connection would upload the same window of chunks
 * again at the shortest backoff, for as long as the relay cannot store. */
void rp__conn_refused(rp_client *c, int code);
/* The relay stored a SEND or a chunk of ours: the next reconnect waits the shortest
 * backoff again. */
void rp__conn_stored(rp_client *c);

/* ---- conn_msg.c ---- */
/* One message from the relay, as the channel opened it. */
void rp__conn_on_msg(rp_client *c, const rp__tmsg *m);
/* DELIVERED for msg_id (its DELIVER's seq), refused with `refused` (an RP_E value) or
 * 0 when stored. */
void rp__conn_delivered(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], uint64_t seq,
                        int refused);
/* Frees the DELIVERs kept for a roster (the connection is gone; the relay delivers them
 * again on the next one). */
void rp__conn_drop_deferred(rp_client *c);

#endif /* RP_CLIENT_CONN_H */
