/* SPDX-License-Identifier: MIT */
/*
 * Attachment chunks: the sealing layer. An attachment's bytes travel beside the envelope
 * that describes them (the payload's attachment descriptors: size and sha256), cut into
 * chunks of RP__CHUNK_SIZE bytes, each padded and sealed on its own. docs/PROTOCOL.md,
 * 6.7 "Attachment chunks", is the byte-for-byte description; how chunks travel between
 * client and relay belongs to the transport messages, not to this file.
 *
 *   key     K = HPKE Export(ctx, "rejsepost/1 chunks", 32) of the context that sealed
 *           the envelope (envelope.h: rp__envelope_seal_ex, rp__opened.chunk_key)
 *   chunks  attachment a of s bytes: n_a = max(1, ceil(s / C)); chunk j carries bytes
 *           [j*C, min(s, (j+1)*C)); g counts every chunk of every attachment, 0..N-1
 *   pad     zero bytes up to P(len) = max(1024, smallest power of two >= len)
 *   seal    ChaCha20-Poly1305 (IETF), nonce = 00000000 || u64be g,
 *           aad = msg_id || u32be a || u64be j || u8 final (final: j = n_a - 1)
 *
 *   open    (reader, in this order)   g < next                          RP_EDUPLICATE
 *                                     g > next                          RP_EORDER
 *                                     g >= N (a chunk after the last)   RP_EEXCESS
 *                                     length != P(len) + 16             RP_ESIZE
 *                                     AEAD fails                        RP_EAUTH
 *                                     a padding byte is not zero        RP_EMALFORMED
 *                                     last chunk of a: sha256 differs   RP_EDIGEST
 *           finish: a chunk is missing                                  RP_ETRUNC
 *
 * Why these choices (the lead engineer's, see the issue):
 * - One key per message, exported from the envelope's own HPKE Auth context: every
 *   envelope has a fresh ephemeral, so K never repeats and nonces may simply count; only
 *   the envelope's recipient can derive K, and Auth mode binds K to the sender. A chunk
 *   spliced in from another message is sealed under another K (and msg_id): RP_EAUTH.
 * - The indices (a, j) and the final flag are associated data, g is the nonce: reordering
 *   and duplication fail the index checks before any cryptography, a forged final flag
 *   fails the AEAD, and a missing final chunk leaves the reader unfinished (RP_ETRUNC).
 * - Padding to a power of two (at least 1 KiB) shows the relay a chunk's size class,
 *   never its exact length; full chunks are not padded, so large files cost nothing.
 *
 * Decisions taken here:
 * - The writer hashes what it seals (rp__chunk_writer_sha256) rather than leaving the
 *   hash to the caller alone. The descriptor's sha256 is inside the payload, which is
 *   sealed in the envelope whose HPKE context gives K, so a sender necessarily hashes
 *   each file in a first pass before any chunk exists; the writer's hash of the bytes it
 *   actually sealed lets the sender notice a file that changed between that pass and the
 *   sealing, before the recipient refuses the whole attachment with RP_EDIGEST. It costs
 *   one hash state and 32 bytes per attachment.
 * - Resuming a reception re-opens the chunks already kept (0..next-1) with a fresh reader
 *   instead of saving the reader's hash state: no plaintext-derived state goes to disk,
 *   there is no state format to version, and the kept chunks are checked again.
 * - A buffer too small for the chunk at hand is RP_EINVAL, not RP_ETOOBIG: every size is
 *   known in advance (RP__CHUNK_SEALED_MAX and RP__CHUNK_SIZE always suffice), so it is
 *   a programming error, and RP_ETOOBIG stays the answer to a size over a cap.
 * - The reader takes the order above literally: an index above the expected one is
 *   RP_EORDER even when it is also >= N; RP_EEXCESS is a chunk offered as index N once
 *   all N have arrived.
 * - Any error of the reader, argument errors included, leaves it failed (RP_ESTATE
 *   afterwards), so that no caller goes on after a bad chunk by mistake. The chunks
 *   opened before the error were authentic: a recipient may resume with a fresh reader
 *   as above, except after RP_EDIGEST, where the attachment itself is wrong. The
 *   writer's errors are the caller's (wrong length, small buffer) and consume nothing.
 *
 * Memory: nothing grows with the file. Writer and reader are fixed-size structs that live
 * wherever the caller puts them (the stack is fine) and hold the key and one SHA-256
 * state: wipe them with rp__chunk_writer_wipe / rp__chunk_reader_wipe. Out-parameters are
 * cleared on entry and set only on success. sodium_init() must have been called.
 */
#ifndef RP_CHUNK_H
#define RP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "payload.h" /* RP_PAYLOAD_ATTACHMENTS_MAX */
#include "sha256.h"

#define RP__CHUNK_SIZE 262144u  /* C: plaintext bytes of a full chunk (256 KiB) */
#define RP__CHUNK_PAD_MIN 1024u /* P(len) is at least this */
#define RP__CHUNK_KEYBYTES 32u
#define RP__CHUNK_NONCEBYTES 12u
#define RP__CHUNK_TAGBYTES 16u
#define RP__CHUNK_AADBYTES 29u /* msg_id 16 || a 4 || j 8 || final 1 */
/* A sealed full chunk: the most any sealed chunk takes. */
#define RP__CHUNK_SEALED_MAX (RP__CHUNK_SIZE + RP__CHUNK_TAGBYTES)
/* HPKE exporter_context of K. */
#define RP__CHUNK_KEY_CONTEXT "rejsepost/1 chunks"
/* The format's ceiling for one attachment (4 GiB); the client's own cap is lower. */
#define RP__CHUNK_ATTACHMENT_MAX (4ull * 1024 * 1024 * 1024)
/* Chunks of one attachment at most, and of one message: 16 attachments of 4 GiB. */
#define RP__CHUNK_PER_ATTACHMENT_MAX (RP__CHUNK_ATTACHMENT_MAX / RP__CHUNK_SIZE)
#define RP__CHUNK_COUNT_MAX                                                                \
  ((uint64_t)RP_PAYLOAD_ATTACHMENTS_MAX * RP__CHUNK_PER_ATTACHMENT_MAX)

/* n_a = max(1, ceil(size / C)): the chunks of an attachment of `size` bytes. */
uint64_t rp__chunk_count(uint64_t size);

/*
 * Checks the attachments' sizes against the caps and counts their chunks into
 * *n_chunks. att_cap bounds each size and total_cap their sum (both in bytes; att_cap
 * above RP__CHUNK_ATTACHMENT_MAX means that ceiling). Returns 0, RP_EINVAL (NULL, n_att
 * 0 or over RP_PAYLOAD_ATTACHMENTS_MAX) or RP_ETOOBIG (a size or the sum over its cap).
 */
int rp__chunk_plan(const uint64_t *sizes, uint32_t n_att, uint64_t att_cap,
                   uint64_t total_cap, uint64_t *n_chunks);

/* P(len): the padded plaintext length of a chunk of len bytes; 0 when len > C. */
size_t rp__chunk_padded(size_t len);

/* P(len) + 16: the sealed length of a chunk of len bytes; 0 when len > C. */
size_t rp__chunk_sealed_size(size_t len);

/* The nonce of chunk g: four zero bytes, then g as a big-endian uint64. */
void rp__chunk_nonce(uint8_t nonce[RP__CHUNK_NONCEBYTES], uint64_t g);

/* The associated data of chunk j of attachment att of message msg_id. */
void rp__chunk_aad(uint8_t aad[RP__CHUNK_AADBYTES], const uint8_t msg_id[RP_MSG_ID_BYTES],
                   uint32_t att, uint64_t j, bool final);

/*
 * Seals one chunk: pt[0..len) (len <= C) is copied to out, padded with zero bytes to
 * P(len) and encrypted in place; out[0..P(len) + 16) is the sealed chunk and *out_len
 * its length. pt may be out itself (in-place) but must not otherwise overlap it.
 * Returns 0 or RP_EINVAL (NULL, len > C, cap below rp__chunk_sealed_size(len)).
 */
int rp__chunk_seal(const uint8_t key[RP__CHUNK_KEYBYTES],
                   const uint8_t msg_id[RP_MSG_ID_BYTES], uint32_t att, uint64_t j,
                   uint64_t g, bool final, const uint8_t *pt, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len);

/* ---- the sender: every chunk of one message, in order ---- */

typedef struct rp__chunk_writer {
  uint8_t key[RP__CHUNK_KEYBYTES];
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint8_t sha256[RP_PAYLOAD_ATTACHMENTS_MAX][32]; /* of attachments done */
  uint32_t n_att;
  uint32_t att;      /* attachment of the next chunk */
  uint64_t j;        /* its index within att */
  uint64_t g;        /* its global index */
  uint64_t n_chunks; /* N */
  rp__sha256 h;
  int state; /* 0: not set up or wiped */
} rp__chunk_writer;

/*
 * Sets up a writer for the attachments of sizes[0..n_att) (the descriptors' sizes, in
 * payload order) under key K for message msg_id. Returns 0, RP_EINVAL (NULL, n_att 0 or
 * over RP_PAYLOAD_ATTACHMENTS_MAX) or RP_ETOOBIG (a size over RP__CHUNK_ATTACHMENT_MAX).
 * On failure w is left wiped.
 */
int rp__chunk_writer_init(rp__chunk_writer *w, const uint8_t key[RP__CHUNK_KEYBYTES],
                          const uint8_t msg_id[RP_MSG_ID_BYTES], const uint64_t *sizes,
                          uint32_t n_att);

/* What the next chunk must carry: *att and *len (its bytes of that attachment, in order).
 * RP_ESTATE once every chunk is sealed (or w is not set up). */
int rp__chunk_writer_expect(const rp__chunk_writer *w, uint32_t *att, size_t *len);

/*
 * Seals the next chunk: data[0..len) must be exactly its bytes (rp__chunk_writer_expect),
 * else RP_EINVAL. Writes the sealed chunk to out[0..*out_len) (cap at least
 * rp__chunk_sealed_size(len); RP__CHUNK_SEALED_MAX always suffices, else RP_EINVAL) and
 * its global index to *g. RP_ESTATE when every chunk is sealed. On failure nothing is
 * consumed: the caller may retry with the right arguments.
 */
int rp__chunk_writer_next(rp__chunk_writer *w, const uint8_t *data, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len, uint64_t *g);

/* The sha256 of attachment att's bytes as sealed, once its last chunk is sealed
 * (RP_ESTATE before, RP_EINVAL for att >= n_att). The caller compares it with the
 * descriptor's. */
int rp__chunk_writer_sha256(const rp__chunk_writer *w, uint32_t att, uint8_t out[32]);

/* True once every chunk of the message is sealed. */
bool rp__chunk_writer_done(const rp__chunk_writer *w);

/* Wipes the key and hash state; the writer is unusable until set up again. NULL is ok. */
void rp__chunk_writer_wipe(rp__chunk_writer *w);

/* ---- the recipient: every chunk of one message, in order ---- */

typedef struct rp__chunk_reader {
  uint8_t key[RP__CHUNK_KEYBYTES];
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t sizes[RP_PAYLOAD_ATTACHMENTS_MAX];
  uint8_t sha256[RP_PAYLOAD_ATTACHMENTS_MAX][32]; /* the descriptors' */
  uint32_t n_att;
  uint32_t att;      /* attachment of the next chunk */
  uint64_t j;        /* its index within att */
  uint64_t next;     /* its global index */
  uint64_t n_chunks; /* N */
  rp__sha256 h;
  int state; /* 0: not set up or wiped; 1: open; 2: failed */
} rp__chunk_reader;

/*
 * Sets up a reader for the attachments the opened payload describes: sizes[i] and
 * sha256[i] of descriptor i, in payload order, n_att of them, for message msg_id under
 * key K (rp__opened.chunk_key). The caps are rp__chunk_plan's: RP_ETOOBIG over one,
 * RP_EINVAL for NULL or a bad n_att. On failure r is left wiped.
 */
int rp__chunk_reader_init(rp__chunk_reader *r, const uint8_t key[RP__CHUNK_KEYBYTES],
                          const uint8_t msg_id[RP_MSG_ID_BYTES], const uint64_t *sizes,
                          const uint8_t (*sha256)[32], uint32_t n_att, uint64_t att_cap,
                          uint64_t total_cap);

/*
 * Opens chunk g, sealed as ct[0..ct_len), which must be the next one; checks in the order
 * given at the top of this file. On success pt[0..*pt_len) holds its bytes of attachment
 * *att (pt needs rp__chunk_padded(len) bytes of room: the padding, checked to be zero,
 * follows; RP__CHUNK_SIZE always suffices, else RP_EINVAL), and *att_done is true when
 * this was the attachment's last chunk and its sha256 matched. With RP_EDIGEST the
 * attachment's bytes already handed out are wrong and must be discarded. Any error leaves
 * pt wiped and the reader failed: later calls return RP_ESTATE.
 */
int rp__chunk_reader_open(rp__chunk_reader *r, uint64_t g, const uint8_t *ct, size_t ct_len,
                          uint8_t *pt, size_t cap, size_t *pt_len, uint32_t *att,
                          bool *att_done);

/* The global index of the chunk the reader expects next (N once all have arrived). A
 * recipient resuming a transfer re-opens the chunks it kept, 0..next-1, with a fresh
 * reader, then asks for chunk next. */
uint64_t rp__chunk_reader_next(const rp__chunk_reader *r);

/* 0 when every chunk arrived and every attachment matched its sha256; RP_ETRUNC while
 * chunks are missing; RP_ESTATE if the reader failed or is not set up. */
int rp__chunk_reader_finish(const rp__chunk_reader *r);

/* Wipes the key and hash state; the reader is unusable until set up again. NULL is ok. */
void rp__chunk_reader_wipe(rp__chunk_reader *r);

#endif /* RP_CHUNK_H */
