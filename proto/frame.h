/* SPDX-License-Identifier: MIT */
/*
 * Wire framing, in two layers (docs/PROTOCOL.md 4.1, "Frames on TCP", and 4.5,
 * "Fragmentation"):
 *
 *  1. Stream frames (rp__frame_reader, rp__frame_prefix): on TCP every Noise message is a
 *     2-byte big-endian length L, then L bytes, 1 <= L <= RP_FRAME_MAX. A length of 0 is
 *     a protocol error (RP_EMALFORMED): such a frame could carry no Noise tag, so it
 *     could never be authenticated, and accepting it would let anyone on the path make
 *     us spin on frames that carry nothing.
 *
 *  2. Fragments (rp__frag_writer, rp__frag_reader): inside the encrypted channel a
 *     transport message may be larger than one frame's plaintext. Each frame's plaintext
 *     is one flags byte, then a chunk of 1..RP__FRAG_CHUNK_MAX message bytes. Flags bit 0
 *     (RP__FRAG_MORE) says that more fragments of the same message follow; the other
 *     bits are reserved and must be 0. A message is at most RP_MSG_MAX bytes.
 *
 * Neither layer holds a buffer while a connection is idle: the frame reader asks its
 * owner for a buffer only once a length prefix has arrived, and the fragment reader
 * gathers only messages that span several frames.
 */
#ifndef RP_FRAME_H
#define RP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "rejsepost_errors.h"

#define RP__FRAME_PREFIX 2u /* bytes of the big-endian length before each frame */

/* Fragment flags: the first byte of every frame's plaintext. */
#define RP__FRAG_MORE 0x01u     /* more fragments of this message follow */
#define RP__FRAG_RESERVED 0xfeu /* must be 0 */
#define RP__FRAG_HEADER 1u      /* the flags byte */
#define RP__FRAG_CHUNK_MAX (RP_FRAME_PLAINTEXT_MAX - RP__FRAG_HEADER)

/* Events returned (>= 0) by rp__frame_reader_feed. */
#define RP__FRAME_AGAIN 0    /* all input consumed; no frame is complete yet */
#define RP__FRAME_NEED_BUF 1 /* a length prefix arrived: supply a buffer */
#define RP__FRAME_READY 2    /* the buffer holds a complete frame */

/*
 * An incremental reader of stream frames. Small (no frame buffer inside), so a relay
 * can keep one per connection at no cost. Zero-initialize it (or call
 * rp__frame_reader_init) before use. The fields are private.
 */
typedef struct rp__frame_reader {
  uint8_t prefix[RP__FRAME_PREFIX];
  uint8_t nprefix; /* bytes of the prefix seen so far */
  uint32_t len;    /* frame length once the prefix is complete, else 0 */
  uint32_t have;   /* bytes of the frame body received */
  uint8_t *buf;    /* the owner's buffer for the current frame; NULL until supplied */
  bool broken;     /* an error was returned; every later call fails */
} rp__frame_reader;

/* Resets `fr` to wait for a length prefix. Forgets (does not free) any buffer. */
void rp__frame_reader_init(rp__frame_reader *fr);

/*
 * Consumes bytes of the stream from in[0..n), which may be any piece of it (one byte
 * at a time works). Stops at the first event, so call it in a loop until n bytes are
 * used. *used gets the bytes consumed (cleared on entry, set on every return >= 0).
 * *frame_len is cleared on entry and set for these events:
 *  - RP__FRAME_NEED_BUF: the length prefix is complete; *frame_len (1..RP_FRAME_MAX) is
 *    the size of the buffer the owner must now supply with rp__frame_reader_set_buf.
 *    Until it does, feed consumes nothing and returns RP__FRAME_NEED_BUF again.
 *  - RP__FRAME_READY: the owner's buffer holds the complete frame of *frame_len bytes.
 *    The reader has forgotten the buffer (the owner keeps it: decrypt it in place, then
 *    free it) and waits for the next length prefix.
 *  - RP__FRAME_AGAIN: every byte was consumed and no event happened.
 * Errors: RP_EMALFORMED for a zero length prefix; RP_EINVAL for NULL arguments. After
 * an error the stream is unusable (every later call returns RP_ESTATE): close it.
 */
int rp__frame_reader_feed(rp__frame_reader *fr, const uint8_t *in, size_t n, size_t *used,
                          size_t *frame_len);

/*
 * Supplies the buffer for the frame whose prefix just arrived. `buf` must hold the
 * *frame_len bytes that RP__FRAME_NEED_BUF announced; the owner keeps ownership and
 * must keep it valid until RP__FRAME_READY (or until it abandons the reader).
 * Returns 0, RP_ESTATE if no buffer is wanted now, RP_EINVAL for NULL.
 */
int rp__frame_reader_set_buf(rp__frame_reader *fr, uint8_t *buf);

/*
 * The buffer currently lent to the reader (NULL if none), so that an owner that tears
 * down a connection halfway through a frame can free it. Does not change the reader.
 */
uint8_t *rp__frame_reader_buf(const rp__frame_reader *fr);

/*
 * Writes the 2-byte big-endian length prefix for a frame of `len` bytes.
 * Returns 0, or RP_ETOOBIG if len is 0 or above RP_FRAME_MAX.
 */
int rp__frame_prefix(uint8_t out[RP__FRAME_PREFIX], size_t len);

/* ------------------------------------------------------------------------------------ */
/* Fragments */

/*
 * Splits one transport message into frame plaintexts. Borrows msg (it must stay valid
 * while the writer is used). The fields are private.
 */
typedef struct rp__frag_writer {
  const uint8_t *msg;
  size_t len, off;
} rp__frag_writer;

/*
 * Starts splitting msg[0..len). Returns 0, RP_EINVAL for an empty message (one would
 * need an empty chunk, which readers refuse) or NULL, RP_ETOOBIG above RP_MSG_MAX.
 */
int rp__frag_writer_init(rp__frag_writer *w, const uint8_t *msg, size_t len);

/* The number of fragments (frames) that rp__frag_writer_init would produce for a
 * message of `len` bytes: ceil(len / RP__FRAG_CHUNK_MAX); 0 for 0. */
size_t rp__frag_count(size_t len);

/* True when every fragment has been written. */
bool rp__frag_writer_done(const rp__frag_writer *w);

/*
 * Writes the next fragment's plaintext (flags byte, then the chunk) to out[0..cap) and
 * sets *out_len (cleared on entry). Each is at most RP_FRAME_PLAINTEXT_MAX bytes, so a
 * buffer of that size always suffices. Returns 0, RP_ESTATE when already done,
 * RP_ETOOBIG if cap is too small (nothing is consumed then), RP_EINVAL for NULL.
 */
int rp__frag_writer_next(rp__frag_writer *w, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Reassembles transport messages from frame plaintexts, with a hard maximum size. The
 * fields are private. Zero-initialized it is unusable: call rp__frag_reader_init.
 */
typedef struct rp__frag_reader {
  uint8_t *buf;  /* gathered fragments of a multi-frame message (malloc), or NULL */
  size_t len;    /* bytes gathered */
  size_t cap;    /* allocated size of buf, never above max */
  size_t max;    /* the largest message accepted */
  bool complete; /* buf holds a complete message that was handed out */
  bool broken;   /* an error was returned; every later call fails */
} rp__frag_reader;

/*
 * Initializes `r` to accept messages of at most `max` bytes (1..RP_MSG_MAX; pass
 * RP_MSG_MAX unless a state allows only small messages). Returns 0 or RP_EINVAL.
 */
int rp__frag_reader_init(rp__frag_reader *r, size_t max);

/*
 * Feeds one frame's plaintext pt[0..n). Returns 0 if the message continues, 1 if it is
 * complete: then *msg and *msg_len (cleared on entry) describe it. A message that fit in
 * one frame borrows from pt (no copy); a longer one borrows from the reader and stays
 * valid until the next feed, rp__frag_reader_release or rp__frag_reader_free.
 * Errors: RP_EMALFORMED for a missing flags byte, a reserved flag bit, or an empty chunk;
 * RP_ETOOBIG when the message would exceed max (nothing is allocated past max) or a
 * chunk exceeds RP__FRAG_CHUNK_MAX (more than one frame's plaintext can hold); RP_ENOMEM;
 * RP_EINVAL for NULL. After an error the reader is unusable (RP_ESTATE): close the
 * connection, since the stream can no longer be resynchronized.
 */
int rp__frag_reader_feed(rp__frag_reader *r, const uint8_t *pt, size_t n,
                         const uint8_t **msg, size_t *msg_len);

/* Frees a completed message held by the reader, so that nothing is held while the
 * connection is idle. A message still being gathered is kept. Accepts NULL. */
void rp__frag_reader_release(rp__frag_reader *r);

/* True while part of a multi-frame message has been gathered. */
bool rp__frag_reader_pending(const rp__frag_reader *r);

/* Frees everything the reader holds; it must be initialized again before reuse.
 * Accepts NULL. */
void rp__frag_reader_free(rp__frag_reader *r);

#endif /* RP_FRAME_H */
