/* SPDX-License-Identifier: MIT */
/*
 * One client connection of the relay: TCP, write batching, backpressure, deadlines and
 * admission around a responder channel (proto/chan.h), which does the Noise_IK
 * handshake, stream frames, fragments and the transport state; and the transport
 * messages that come out of it (rp__conn_dispatch).
 *
 * Phases: HANDSHAKE (until Noise message 1 was read and answered) -> OPEN (transport
 * messages; the transport state HELLO -> READY -> RECEIVING of transport.h) -> CLOSING
 * (BYE sent or the peer left; queued writes drain, bounded by a linger timer) -> CLOSED
 * (uv_close called; the memory goes in the last close callback). Until its first
 * transport message has decrypted, a connection is pending (admit.c): it proves nothing
 * about who it is, so it holds no member's slot and must prove its key by the handshake
 * deadline, counted from the TCP connection.
 *
 * One timer per connection carries its nearest deadline: the proof while pending, then
 * ping and idle; a frame that has begun must end within limits.frame_timeout (while the
 * relay reads; a connection the relay stopped reading is not blamed); after BYE the
 * linger.
 *
 * Buffers: while idle a connection holds no read buffer. Reads land in the relay's one
 * read buffer; a frame that completes inside the read is copied to the relay's frame
 * scratch (the channel's rp__chan_opts.scratch) and decrypted there in place; only a
 * frame split across reads gets its own buffer, freed once the frame is handled. The
 * Noise handshake state exists only from message 1 until the handshake is done.
 *
 * The functions here run on the loop thread. "Closes the connection" below always means
 * the connection is marked closing at once and freed later by libuv's close callbacks,
 * so a caller may keep using the pointer until it returns to the loop.
 */
#ifndef RP_SERVER_CONN_H
#define RP_SERVER_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "relay_int.h"

/*
 * Accepts one pending connection from `server` and starts its handshake deadline. It
 * joins the pending budget (admit.c), which may close the oldest pending connection to
 * make room; while stopping it is closed at once, before any byte is read. Errors are
 * logged; nothing is returned because the listener carries on either way.
 */
void rp__conn_accept(rp__relay *r, uv_stream_t *server);

/*
 * Acts on one transport message from the client, which the channel has decoded and
 * found allowed in the connection's state (SEND, DELIVERED, ROSTER_GET, RECEIVE, PING,
 * PONG, BYE). Returns 0 if the connection stays open, else the RP_E code it was closed
 * with. `m` is only borrowed (copied where it must outlive the call).
 */
int rp__conn_dispatch(rp__conn *c, const rp__tmsg *m);

/*
 * Encodes, fragments, encrypts and queues transport message `m`. Returns 0; on any
 * failure (RP_ENONCE, RP_ENOMEM, a write error) the connection is closed and the code
 * returned. Never call it before the handshake is done.
 */
int rp__conn_send(rp__conn *c, const rp__tmsg *m);

/*
 * Sends BYE with `reason` (RP__BYE_*) and `code` (a negative RP_E value or 0), stops
 * reading, and closes once the queued writes are out (or after RP__CONN_LINGER_MS).
 * Before the handshake is done it closes at once without a word. Idempotent.
 */
void rp__conn_bye(rp__conn *c, int reason, int code);

/* Closes at once, dropping queued writes; `why` goes to the log. Idempotent. */
void rp__conn_abort(rp__conn *c, const char *why);

/* Starts or stops reading according to the send window, the write queue and the
 * connection's phase. Call it after anything that changes one of those. */
void rp__conn_update_reading(rp__conn *c);

/* The relay is stopping: stop reading; say BYE "shutdown" once no SEND is in flight. */
void rp__conn_drain(rp__conn *c);

/* A SEND of c was answered: resume reading, or finish a drain. */
void rp__conn_send_answered(rp__conn *c);

/* The recipient `recipient` (of a SEND's header or a chunk) checked against the roster:
 * 0 with its NUL-terminated id and kind, RP_EUNKNOWNMEMBER / RP_EREVOKED (not active)
 * or RP_EKIND (a member that receives no envelopes). dispatch.c. */
int rp__conn_check_recipient(rp__relay *r, rp__str recipient, char id[RP_MEMBER_ID_MAX + 1],
                             int *kind);

/* The member id of an authenticated connection ("-" before). */
const char *rp__conn_member(const rp__conn *c);

/* ---- between conn.c and conn_io.c ---- */

/* Start c's timer for its nearest deadline (see the top of this file). conn.c. */
void rp__conn_arm_timer(rp__conn *c);

/* After a read (or when reading resumes, `fresh` 1): note whether a frame is partly
 * read and since when, so that it must end within limits.frame_timeout. `fresh` says
 * the partial frame at hand began now (a frame completed in this read, or the clock
 * restarts). conn.c. */
void rp__conn_frame_clock(rp__conn *c, int fresh);

/* The first transport frame of a pending connection decrypted: the key is proved
 * (admit.c). 0 to go on with the message; otherwise the connection was sent BYE busy
 * and the message must be dropped. handshake.c. */
int rp__conn_proved(rp__conn *c);

/* The peer's address as "ip:port" or "[ip6]:port" ("?:0" if unknown). conn.c. */
void rp__conn_peer_name(const rp__conn *c, char *buf, size_t len);

/* Create c's channel and start reading. conn_io.c. */
void rp__conn_io_start(rp__conn *c);

/* Queue bytes that are already framed (the handshake answer). 0, or the connection is
 * closed and the error returned. conn_io.c. */
int rp__conn_write_raw(rp__conn *c, const uint8_t *bytes, size_t len);

/* Hand c's pending frames to libuv in one uv_write. Nothing for a closed connection; on a
 * write error the connection is closed. conn_io.c. */
void rp__conn_flush(rp__conn *c);

/* Flush every connection on the relay's flush list (the relay's check and prepare
 * handles call it once per loop iteration). conn_io.c. */
void rp__conn_flush_all(rp__relay *r);

/* c is going away: drop its pending frames (taking them off the write-queue counts)
 * and take it off the flush list. conn_io.c. */
void rp__conn_flush_drop(rp__conn *c);

/* The channel's accept function (rp__chan_accept_fn, data = c): maps the initiator's
 * static key to an active member that may connect, or refuses it. handshake.c. */
int rp__conn_accept_key(void *data, const uint8_t rs[32]);

/* The channel answered message 1 (out[0..len), message 2, to write): admit c as its
 * member's pending connection and say WELCOME, or BYE busy. handshake.c. */
void rp__conn_opened(rp__conn *c, const uint8_t *out, size_t len);

/* The channel's handshake failed (rp__chan_failed_at HANDSHAKE or ACCEPT) with rc: log,
 * count, and close without a word. handshake.c. */
void rp__conn_handshake_failed(rp__conn *c, int rc);

/* The peer sent BYE: close once our queued writes are out, without answering. conn.c. */
void rp__conn_peer_bye(rp__conn *c);

#endif /* RP_SERVER_CONN_H */
