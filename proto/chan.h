/* SPDX-License-Identifier: MIT */
/*
 * The client side of a relay connection without any I/O ("sans-IO"): the Noise_IK
 * initiator handshake, the encryption of one transport message into stream frames
 * (fragmented when it exceeds one frame), and the decryption of received bytes into
 * complete, decoded and state-checked transport messages. The owner moves the bytes
 * (libuv, blocking sockets, a fuzzer); this module only transforms buffers.
 *
 * Use:
 *   rp__chan_new(&ch, our_transport_sk, relay_transport_pk)
 *   rp__chan_hello(ch, &bytes, &n)            -> write bytes (Noise message 1)
 *   loop: rp__chan_feed(ch, in, n, &used, &ev) -> per event:
 *           RP__CHAN_EV_OPEN    handshake done (the relay sends WELCOME next)
 *           RP__CHAN_EV_MSG     ev.msg is a decoded message, allowed in this state
 *         feed again with in + used until all bytes are used
 *   rp__chan_seal(ch, &tmsg, &bytes, &n)       -> write bytes
 *
 * Every incoming message is checked against the connection-state table
 * (rp__tmsg_allowed, direction relay -> client) and moves the state
 * (rp__tmsg_next_state); outgoing ones are checked with direction client -> relay.
 * Any error leaves the channel broken (later calls return RP_ESTATE): close the
 * connection. A message that arrives in CLOSING and is not allowed there is dropped
 * silently, as the protocol says (it may have crossed our BYE).
 */
#ifndef RP_CHAN_H
#define RP_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

typedef struct rp__chan rp__chan;

/* Events of rp__chan_feed. */
#define RP__CHAN_EV_NONE 0 /* the bytes were used; nothing complete yet */
#define RP__CHAN_EV_OPEN 1 /* the handshake completed */
#define RP__CHAN_EV_MSG 2  /* a message arrived: ev->msg */

typedef struct rp__chan_event {
  int type;     /* RP__CHAN_EV_* */
  rp__tmsg msg; /* for RP__CHAN_EV_MSG: borrows from the channel until the next feed */
} rp__chan_event;

/* A new initiator channel for our transport secret key and the relay's transport public
 * key (both copied; the secret goes to sodium_malloc memory inside the handshake).
 * *out is the caller's (rp__chan_free). RP_ENOMEM, RP_ECRYPTO, RP_EINVAL. */
int rp__chan_new(rp__chan **out, const uint8_t local_sk[32], const uint8_t relay_pk[32]);

/* Wipes and frees the channel. Accepts NULL. */
void rp__chan_free(rp__chan *ch);

/* Noise message 1 with its length prefix, to be written first. *out borrows from the
 * channel until the next call on it. Once only (RP_ESTATE otherwise). */
int rp__chan_hello(rp__chan *ch, const uint8_t **out, size_t *len);

/* Feeds received bytes in[0..n); *used gets the bytes consumed (always set on success).
 * Stops at the first event; call again with the rest. Errors: RP_ETRUNC/RP_EAUTH/
 * RP_ECRYPTO (handshake refused: wrong relay key or not accepted), RP_EAUTH (a frame
 * altered), RP_EMALFORMED/RP_ETOOBIG (framing), decoding errors (*where names the
 * field), RP_ESTATE (a message not allowed in this state or direction). */
int rp__chan_feed(rp__chan *ch, const uint8_t *in, size_t n, size_t *used,
                  rp__chan_event *ev, const char **where);

/* Encodes m, checks it may be sent in the current state, and encrypts it into frames
 * (prefixes included) in a malloc'd buffer *out of *len bytes that the caller frees.
 * Moves the state (e.g. RECEIVE -> RECEIVING, BYE -> CLOSING). RP_ESTATE before the
 * handshake, or for a message not allowed now. */
int rp__chan_seal(rp__chan *ch, const rp__tmsg *m, uint8_t **out, size_t *len);

/* Encrypts one frame whose plaintext is pt[0..n) exactly (fragment flags byte included)
 * into out[0..cap), length prefix included; *len gets its size. Nothing is encoded or
 * checked and the state does not move: for test peers that put hostile bytes inside a
 * valid channel, never for real traffic. RP_ESTATE before the handshake or once broken,
 * RP_ETOOBIG if n exceeds one frame or out is short. */
int rp__chan_seal_raw(rp__chan *ch, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                      size_t *len);

/* The connection state (RP__TS_*), or 0 while the handshake runs. */
unsigned rp__chan_state(const rp__chan *ch);

/* The bytes rp__chan_seal produces for an encoded message of msg_len bytes. */
size_t rp__chan_sealed_size(size_t msg_len);

#endif /* RP_CHAN_H */
