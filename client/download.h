/* SPDX-License-Identifier: MIT */
/*
 * download.c owns the download of a delivered message's attachment chunks (loop thread
 * only; docs/PROTOCOL.md 5.6, 6.7). recv.c stores the envelope of a DELIVER whose header
 * says chunks = N > 0 as incomplete (never offered) and hands its msg_id here; this
 * module asks the relay for the chunks with chunk_get, opens each with a chunk reader
 * (order, authenticity, padding, each attachment's sha256), stores it as received, and
 * once the reader has finished completes the message (offered now) and answers
 * DELIVERED. A chunk that does not open refuses the whole message: the inbox row and its
 * chunks go, DELIVERED carries the code, a log line says why (never content).
 *
 * Decisions:
 * - One message downloads at a time, the others wait in arrival order (at most the
 *   receive window of them): one reader and one plaintext buffer, whatever the sizes.
 * - Credit: at most RP__CL_CHUNK_CREDIT chunks asked and not yet received, asked
 *   RP__CL_CHUNK_GET at a time, so about two chunk_gets are outstanding (the relay
 *   answers one after the other, so the pipe never runs dry).
 * - Resumption keeps no state but the stored chunks: after a reconnect the relay
 *   delivers the envelope again, recv.c finds the incomplete row, and start() opens the
 *   stored chunks 0..k-1 again with a fresh reader (PROTOCOL.md 6.7) before asking for
 *   chunk k.
 */
#ifndef RP_CLIENT_DOWNLOAD_H
#define RP_CLIENT_DOWNLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "chunk.h"
#include "client_caps.h"
#include "rejsepost.h"

typedef struct rp__cl_dl_wait {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t seq;
} rp__cl_dl_wait;

typedef struct rp__cl_download {
  bool active;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t seq; /* of its DELIVER, for DELIVERED */
  uint64_t count, next, asked;
  uint64_t bytes_done, bytes_total; /* sealed bytes, for the progress callback */
  rp__chunk_reader reader;          /* holds the chunk key: wiped at the end */
  uint8_t *pt;                      /* RP__CHUNK_SIZE bytes, sodium_malloc */
  rp__cl_dl_wait waiting[RP__CL_RECEIVE_WINDOW];
  size_t nwaiting;
} rp__cl_download;

/* recv.c stored msg_id (delivered as `seq`) incomplete: download its chunks. */
void rp__download_add(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t seq);
/* Asks for more chunks if the credit allows, or starts the next waiting message. */
void rp__download_pump(rp_client *c);
/* One chunk_data from the relay. */
void rp__download_on_data(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES],
                          uint64_t index, const uint8_t *data, size_t len, uint64_t code);
/* The connection ended: forget the transfer (the stored chunks stay), wipe the reader. */
void rp__download_reset(rp_client *c);

#endif /* RP_CLIENT_DOWNLOAD_H */
