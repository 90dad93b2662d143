/* SPDX-License-Identifier: MIT */
/*
 * One end of a relay connection without any I/O ("sans-IO"): the Noise_IK handshake,
 * the encryption of one transport message into stream frames (fragmented when it
 * exceeds one frame), and the decryption of received bytes into complete, decoded and
 * state-checked transport messages. The owner moves the bytes (libuv, blocking sockets,
 * a fuzzer); this module only transforms buffers. The client (initiator) and the relay
 * (responder) both run on it, so the transport is written once.
 *
 * Initiator (the client):
 *   rp__chan_new(&ch, our_transport_sk, relay_transport_pk)
 *   rp__chan_hello(ch, &bytes, &n)            -> write bytes (Noise message 1)
 *   loop: rp__chan_feed(ch, in, n, &used, &ev) -> per event:
 *           RP__CHAN_EV_OPEN    handshake done (the relay sends WELCOME next)
 *           RP__CHAN_EV_MSG     ev.msg is a decoded message, allowed in this state
 *         feed again with in + used until all bytes are used
 *   rp__chan_seal(ch, &tmsg, &bytes, &n)       -> write bytes
 *
 * Responder (the relay): rp__chan_new_responder(&ch, relay_sk, &opts, accept, data),
 * then feed as above. Message 1 calls accept(data, initiator_key): 0 accepts it, an
 * error refuses it (feed returns that error). Then RP__CHAN_EV_OPEN carries ev.out, the
 * responder's message 2 to write. ev.proved is set with the first transport frame that
 * decrypts: only the holder of the key named in message 1 can produce it.
 *
 * Every incoming message is checked against the connection-state table
 * (rp__tmsg_allowed, direction relay -> client for the initiator, client -> relay for the
 * responder) and moves the state (rp__tmsg_next_state); outgoing ones are checked with
 * the other direction. An error on the way in breaks the receiving side only (later
 * feeds return RP_ESTATE), so the owner can still seal a BYE; an error on the way out
 * breaks both. A message that arrives in CLOSING and is not allowed there is dropped
 * silently, as the protocol says (it may have crossed our BYE).
 */
#ifndef RP_CHAN_H
#define RP_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

typedef struct rp__chan rp__chan;

/* The largest handshake frame a responder reads (Noise message 1 is 96 bytes). */
#define RP__CHAN_HS_FRAME_MAX 1024u

/* Events of rp__chan_feed. */
#define RP__CHAN_EV_NONE 0 /* the bytes were used; nothing complete yet */
#define RP__CHAN_EV_OPEN 1 /* the handshake completed */
#define RP__CHAN_EV_MSG 2  /* a message arrived: ev->msg */

/* Where rp__chan_feed failed (rp__chan_failed_at), for the owner's log and counters. */
#define RP__CHAN_FAIL_NONE 0
#define RP__CHAN_FAIL_FRAME 1     /* stream framing: a zero or too long length */
#define RP__CHAN_FAIL_HANDSHAKE 2 /* the Noise handshake failed */
#define RP__CHAN_FAIL_ACCEPT 3    /* the responder's accept function refused the key */
#define RP__CHAN_FAIL_DECRYPT 4   /* a transport frame did not decrypt */
#define RP__CHAN_FAIL_FRAGMENT 5  /* fragments did not make a message */
#define RP__CHAN_FAIL_MSG 6       /* a message did not decode or is not allowed now */

typedef struct rp__chan_event {
  int type;           /* RP__CHAN_EV_* */
  bool proved;        /* responder: this call decrypted the first transport frame */
  bool frame;         /* a frame completed in this call */
  rp__tmsg msg;       /* for RP__CHAN_EV_MSG: borrows from the channel until the next
                       * feed or rp__chan_release */
  const uint8_t *out; /* responder's RP__CHAN_EV_OPEN: message 2, framed, to write;
                       * borrows from the channel until the next call on it */
  size_t out_len;
} rp__chan_event;

/* The responder's limits. */
typedef struct rp__chan_opts {
  size_t frame_max; /* the longest transport frame read (1..RP_FRAME_MAX) */
  size_t msg_max;   /* the longest message reassembled (1..RP_MSG_MAX) */
  /* Optional, RP_FRAME_MAX bytes shared by channels fed on one thread: a frame that is
   * complete within one feed is read into it, so an idle channel holds no frame buffer
   * and a frame split across feeds gets one only until it is complete. NULL: the
   * channel keeps its own. Borrowed for the channel's life. */
  uint8_t *scratch;
} rp__chan_opts;

/* The responder's decision on the initiator's static key rs: 0 accepts, a negative
 * RP_E code refuses (rp__chan_feed returns it). */
typedef int (*rp__chan_accept_fn)(void *data, const uint8_t rs[32]);

/* A new initiator channel for our transport secret key and the relay's transport public
 * key (both copied; the secret goes to sodium_malloc memory inside the handshake).
 * *out is the caller's (rp__chan_free). RP_ENOMEM, RP_ECRYPTO, RP_EINVAL. */
int rp__chan_new(rp__chan **out, const uint8_t local_sk[32], const uint8_t relay_pk[32]);

/* A new responder channel. local_sk is borrowed until the handshake completes (the
 * handshake state is only created once message 1 arrives); opts is copied. accept is
 * called from rp__chan_feed with data. *out is the caller's (rp__chan_free).
 * RP_ENOMEM, RP_EINVAL. */
int rp__chan_new_responder(rp__chan **out, const uint8_t local_sk[32],
                           const rp__chan_opts *opts, rp__chan_accept_fn accept,
                           void *data);

/* Wipes and frees the channel. Accepts NULL. */
void rp__chan_free(rp__chan *ch);

/* Noise message 1 with its length prefix, to be written first. *out borrows from the
 * channel until the relay's answer has been fed (the answer means the socket took all of
 * it). Initiator only, once only (RP_ESTATE otherwise); RP_ENOMEM. */
int rp__chan_hello(rp__chan *ch, const uint8_t **out, size_t *len);

/* Feeds received bytes in[0..n); *used gets the bytes consumed (always set on success).
 * Stops at the first event; call again with the rest. Errors: RP_ETRUNC/RP_EAUTH/
 * RP_ECRYPTO (handshake refused: wrong key or not accepted), the accept function's
 * code, RP_EAUTH (a frame altered), RP_EMALFORMED/RP_ETOOBIG (framing), decoding errors
 * (*where names the field), RP_ESTATE (a message not allowed in this state or
 * direction; *where names its type). rp__chan_failed_at says at which step. */
int rp__chan_feed(rp__chan *ch, const uint8_t *in, size_t n, size_t *used,
                  rp__chan_event *ev, const char **where);

/* Frees what the last event borrowed from (a gathered multi-frame message, a frame
 * buffer of its own), so that nothing is held while the connection is idle. */
void rp__chan_release(rp__chan *ch);

/* Encodes m, checks it may be sent in the current state, and encrypts it into frames
 * (prefixes included) in a malloc'd buffer *out of *len bytes that the caller frees.
 * Moves the state (e.g. RECEIVE -> RECEIVING, BYE -> CLOSING). RP_ESTATE before the
 * handshake, or for a message not allowed now. */
int rp__chan_seal(rp__chan *ch, const rp__tmsg *m, uint8_t **out, size_t *len);

/* The bytes rp__chan_seal_into may need for m: enough for every encoding of it. */
size_t rp__chan_seal_bound(const rp__tmsg *m);

/* As rp__chan_seal, into out[0..cap) (cap at least rp__chan_seal_bound(m)); *len gets
 * the bytes written. For owners that batch writes in buffers of their own. */
int rp__chan_seal_into(rp__chan *ch, const rp__tmsg *m, uint8_t *out, size_t cap,
                       size_t *len);

/* The connection state (RP__TS_*), or 0 while the handshake runs. */
unsigned rp__chan_state(const rp__chan *ch);

/* True once a transport frame from the peer has decrypted (the responder's proof). */
bool rp__chan_proved(const rp__chan *ch);

/* True while a frame has begun and not ended (the owner's frame deadline runs). */
bool rp__chan_mid_frame(const rp__chan *ch);

/* The step at which the last feed failed (RP__CHAN_FAIL_*), NONE if none did. */
int rp__chan_failed_at(const rp__chan *ch);

/* Changes the longest transport frame read from now on (a relay's settings reload). */
void rp__chan_set_frame_max(rp__chan *ch, size_t frame_max);

/* The bytes rp__chan_seal produces for an encoded message of msg_len bytes. */
size_t rp__chan_sealed_size(size_t msg_len);

#endif /* RP_CHAN_H */
