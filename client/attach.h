/* SPDX-License-Identifier: MIT */
/*
 * attach.c owns the attachments of an outgoing message: the rp_msg_attach_* builders
 * (a descriptor in the payload's "attachments" list plus where its bytes come from, in
 * struct rp_msg's src[]) and their sealing into the outbox during rp_send.
 *
 * The order of a send with attachments (send.c drives it; docs/PROTOCOL.md 6.7): the
 * envelope's HPKE context is set up first (rp__envelope_begin) for its chunk key; then
 * rp__attach_seal reads each source once, a chunk at a time, reading one chunk ahead to
 * know which chunk is an attachment's last, hashes and seals each chunk and writes it to
 * the outbox; only then are the descriptors' size and sha256 known, and the payload is
 * checked, sealed with the same context and committed with the outbox row.
 */
#ifndef RP_CLIENT_ATTACH_H
#define RP_CLIENT_ATTACH_H

#include <stdint.h>

#include "chunk.h"
#include "payload.h"
#include "rejsepost.h"
#include "store.h"

/* One sealing. The caller fills st, key, msg_id and the caps; rp__attach_seal sets
 * n_chunks (N) and, on failure, where ("attachments.2", for rp_msg_error_field). */
typedef struct rp__attach_job {
  rp__store *st;
  const uint8_t *key; /* RP__CHUNK_KEYBYTES, from rp__envelope_begin */
  const uint8_t *msg_id;
  uint64_t att_max, msg_att_max;
  rp_attachment_hook_fn hook; /* the host's content check (NULL: none) */
  void *hook_data;
  /* Told, when every source's size was known before the first read (files and buffers),
   * the message's chunk count N and their sealed bytes in all, with n = 0 before the
   * first chunk, then n after each chunk written (committed) to the outbox: the early
   * upload (upload.h). NULL: none. */
  void (*sealed)(void *data, uint64_t count, uint64_t bytes, uint64_t n);
  void *sealed_data;
  uint64_t planned, planned_bytes; /* as announced to sealed (0: not announced) */
  uint64_t n_chunks;
  char where[32];
  size_t offset; /* RP_EHOOK: the byte the hook objects to */
} rp__attach_job;

/* The payload's attachment list (every kind that has one); RP_ENOTFOUND if its kind has
 * none. */
int rp__attach_list(rp__payload *p, rp__attachment **atts, uint32_t **count);

/*
 * Reads, hashes and seals every attachment of p whose source m records, in list order,
 * into outbox_chunk rows of job->msg_id (g = 0..N-1), and fills each descriptor's size
 * and sha256 in p (not in m). A kind without attachments, or none added, leaves N = 0.
 * Each chunk's plaintext goes to job->hook (if set) before it is sealed.
 * Errors: RP_EMISSING (a descriptor the host filled by hand, without a source), RP_ETOOBIG
 * (a cap), RP_EHOOK (the hook refused: offset set), RP_EIO (a source failed: a read error,
 * a stream's negative return, a file whose size changed while it was read), RP_ENOTFOUND /
 * RP_EPERM (a file), RP_ESTATE (a stream already read by an earlier rp_send), RP_ENOMEM,
 * the store's errors. On failure no chunk row of msg_id is left. Runs on the caller's
 * thread, without any lock held between chunks.
 */
int rp__attach_seal(rp__attach_job *job, rp_msg *m, rp__payload *p);

#endif /* RP_CLIENT_ATTACH_H */
