/* SPDX-License-Identifier: MIT */
/*
 * upload.c owns the upload of an outbox message's attachment chunks to the relay (loop
 * thread only; docs/PROTOCOL.md 5.6): `chunk` in index order, each `chunk_ack` recorded
 * in the outbox, and the envelope's SEND only once every chunk is acknowledged.
 *
 * Decisions:
 * - One message uploads at a time, and the queue waits behind it (the pump does not pass
 *   a message whose chunks are not all acknowledged). Messages keep their order, and the
 *   state is one struct; a large upload delays later messages, which is what order
 *   means.
 * - Chunks unanswered are bounded twice: by the relay's send window, which SENDs and
 *   chunks share (PROTOCOL.md 5.3), and by RP__CL_CHUNK_WINDOW of our own, since each
 *   chunk in flight sits in the write queue (256 KiB each): memory stays a few MiB
 *   whatever the window the relay grants.
 * - Resumption needs no state of its own: the outbox rows say which chunks were
 *   acknowledged; a new connection (or a restart) sends the others again.
 * - Early: while rp_send still seals a message whose chunk count it knew before it
 *   started (files and buffers, not streams), the loop uploads the chunks already
 *   written (struct rp__cl_early), so that sealing and upload overlap. Each such chunk
 *   carries an expiry of RP__CL_EARLY_EXPIRY_MS at most: if rp_send then fails, nothing
 *   will ever send the envelope, and the relay drops the chunks at that expiry as it
 *   drops any chunks whose SEND never came (PROTOCOL.md 5.6). The outbox row, once
 *   committed, takes the upload over where it is (the pump adopts it); any other message
 *   with chunks that the pump meets first takes the upload slot from it, so the order of
 *   the queue never waits for a message not yet in it. A relay that refuses an early
 *   chunk for good stops the early upload of that message only: the ordinary upload
 *   after the commit asks again and gets the real answer. Progress is reported from the
 *   first acknowledgement, so it may begin before rp_send has returned the msg_id.
 */
#ifndef RP_CLIENT_UPLOAD_H
#define RP_CLIENT_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "rejsepost.h"
#include "store.h"

typedef struct rp__cl_upload {
  bool active;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  char to[RP_MEMBER_ID_MAX + 1];
  uint64_t expires, count;
  uint64_t next;     /* the next index to look at */
  uint64_t acked;    /* chunks acknowledged (stored before and on this connection) */
  uint64_t inflight; /* chunks sent and not yet answered on this connection */
  uint64_t bytes, bytes_acked;
  bool early; /* started from rp__cl_early; its outbox row has not taken it over yet */
} rp__cl_upload;

/* The message rp_send is sealing now (guarded by rp_client.mu): the loop may upload its
 * chunks 0..sealed-1 before its outbox row exists. One at a time: a concurrent rp_send
 * seals without it. */
typedef struct rp__cl_early {
  bool active;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  char to[RP_MEMBER_ID_MAX + 1];
  uint64_t expires; /* of the chunks: see RP__CL_EARLY_EXPIRY_MS */
  uint64_t count;   /* N, known before the first chunk was sealed */
  uint64_t bytes;   /* their sealed bytes in all, for progress */
  uint64_t sealed;  /* chunks 0..sealed-1 are in the outbox */
} rp__cl_early;

/* How often one message's chunks went again after ETRUNC (rp__upload_again). Kept for
 * the client's life, across connections: a relay that loses a message's chunks every
 * time would otherwise have them uploaded for ever. */
typedef struct rp__cl_again {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  unsigned n;
} rp__cl_again;

/* For the pump, with a queued row o that has chunks: sends what the windows allow and
 * returns true once every chunk is acknowledged (o's SEND may go), false while the
 * upload goes on (the pump stops there). */
bool rp__upload_pump(rp_client *c, const rp__store_out *o);

/* For the pump, before it walks the queue: uploads the chunks of the message rp_send is
 * sealing, if the upload slot is free (or already its) and the relay takes chunks, and
 * gives the slot up if that rp_send failed. */
void rp__upload_early(rp_client *c);

/* One chunk_ack from the relay. */
void rp__upload_on_ack(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t index,
                       uint64_t code);

/* The relay answered msg_id's SEND with ETRUNC: if it has chunks, marks them all
 * unacknowledged and moves the pump's cursor back so that they go again, then the
 * envelope; 0, or RP_ENOTFOUND for a message without chunks, or RP_ETRUNC once they went
 * again RP__CL_UPLOAD_AGAIN_MAX times (the NACK is then final). */
int rp__upload_again(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES]);

/* The connection ended: what is in flight is forgotten (the outbox knows what was
 * acknowledged). */
void rp__upload_reset(rp_client *c);

/* The relay answered msg_id's SEND: the next message may upload. drop: the answer was
 * final (ACK: the chunks are the relay's now; a final NACK), so its chunk rows go; a
 * held envelope (EQUOTA) keeps them, as it is sent again later. */
void rp__upload_done(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], bool drop);

#endif /* RP_CLIENT_UPLOAD_H */
