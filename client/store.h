/* SPDX-License-Identifier: MIT */
/*
 * The client's durable state: one SQLite database "client.db" in the state folder (WAL,
 * synchronous=FULL, mode 0600) with the outbox, the inbox and small metadata (the newest
 * verified roster document), and the bytes of attachment chunks in flat files beside it
 * (see "Chunk files" below).
 *
 * No plaintext payload is ever written here. The outbox holds the sealed envelope (the
 * bytes the relay gets) and metadata; the inbox holds the envelope as it arrived (it was
 * verified and opened once before it was stored) and metadata. Reading a received
 * message opens its envelope again in memory.
 *
 * One connection, guarded by a mutex: every function may be called from any thread.
 * Every write is one transaction that has committed (fsync'd) when the call returns 0.
 *
 * Chunk files (store_chunk.c): the sealed chunks of an outbox message live in
 * chunks/out/<hex msg_id>, those of an inbox message in chunks/in/<hex msg_id> (files
 * 0600, folders 0700), chunk g at byte g * RP__CHUNK_SEALED_MAX (a shorter chunk leaves a
 * hole); the rows of outbox_chunk and inbox_chunk keep (msg_id, idx, len). Order on the
 * way in: a chunk's bytes are written in the transaction of its row; the message's file
 * is fdatasync'ed (and its folder fsync'ed) once, right before the commit that makes the
 * message count as stored (rp__store_out_add, rp__store_in_complete), not per chunk. Order
 * on the way out: the commit that deletes the rows, then unlink(). A crash in between
 * leaves bytes no row names; the sweep at open (and after each erasure) unlinks every file
 * in the chunk folders that no row names, and anything that is not a well-formed name.
 * Disk full on a chunk file is RP_EFSYNC, as SQLite's disk full is; any other I/O error
 * RP_EIO; a file shorter than its rows say reads as RP_EIO, never as a part of a chunk.
 * Before schema 5 the bytes were blobs in the rows: the first open moves them out.
 */
#ifndef RP_CLIENT_STORE_H
#define RP_CLIENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"

#define RP__STORE_FILE "client.db"
#define RP__STORE_STATUS_MAX 9 /* RP_STATUS_RECALLED, the highest number */
#define RP__STORE_PEER_MAX (RP_MEMBER_ID_MAX + 1)

typedef struct rp__store rp__store;

/* One outbox row. envelope is malloc'd by the reading calls (rp__store_out_free). */
typedef struct rp__store_out {
  int64_t rowid;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint8_t thread_id[RP_THREAD_ID_BYTES];
  uint8_t ref_id[RP_MSG_ID_BYTES]; /* the message it refers to; all zero if none */
  int kind;                        /* rp__payload_kind */
  int urgency;
  int receipt; /* 1 for receipts the library sends itself (not listed to the host) */
  char recipient[RP__STORE_PEER_MAX];
  uint8_t *envelope;
  size_t envelope_len;
  int status;                               /* RP_STATUS_* */
  int error;                                /* negative code when failed */
  uint64_t times[RP__STORE_STATUS_MAX + 1]; /* times[status], unix ms, 0 = not reached */
  uint64_t chunks; /* N: sealed attachment chunks (outbox_chunk rows); 0 = none */
} rp__store_out;

/* One inbox row. */
typedef struct rp__store_in {
  int64_t rowid;
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint8_t thread_id[RP_THREAD_ID_BYTES];
  uint8_t ref_id[RP_MSG_ID_BYTES];
  int kind;
  char sender[RP__STORE_PEER_MAX];
  uint8_t *envelope;
  size_t envelope_len;
  uint64_t stored_at;
  int handled;
  uint64_t chunks;  /* N: attachment chunks (inbox_chunk rows once complete) */
  int complete;     /* 0 while chunks are missing: never offered, listed or counted */
  uint64_t expires; /* the envelope header's expiry, unix ms (0: not known) */
  int recalled;     /* its sender recalled it (inbox_recalled): never offered again */
} rp__store_in;

/* Opens (creating) the database in dir, which is created mode 0700 if missing. */
int rp__store_open(const char *dir, rp__store **out);
void rp__store_close(rp__store *st);

/* Metadata: a value by key. get: *val malloc'd (caller frees); RP_ENOTFOUND. */
int rp__store_meta_put(rp__store *st, const char *key, const uint8_t *val, size_t len);
int rp__store_meta_get(rp__store *st, const char *key, uint8_t **val, size_t *len);

/* Adds a new outbox row (status queued at o->times[1]). RP_EEXIST for a known msg_id. */
int rp__store_out_add(rp__store *st, const rp__store_out *o);

/* Moves msg_id to `status` at time `now` if that is progress: statuses only move
 * forward in rank order (queued, relayed, delivered, auto_replied, opened, answered;
 * the numbers are not that order), and expired/failed are final (and are not reached
 * once delivered). The time of a step is recorded once, also when it comes out of
 * order. *changed (may be NULL) says whether the status changed. RP_ENOTFOUND. */
int rp__store_out_status(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES], int status,
                         int error, uint64_t now, int *changed);

/* The outbox row of msg_id (envelope included if want_env). RP_ENOTFOUND. */
int rp__store_out_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES], int want_env,
                      rp__store_out *out);

/* The first queued row with rowid > after (envelope included). RP_ENOTFOUND. */
int rp__store_out_next_queued(rp__store *st, int64_t after, rp__store_out *out);

/* The first queued row to `recipient` with after < rowid <= upto (envelope included).
 * RP_ENOTFOUND. */
int rp__store_out_next_queued_to(rp__store *st, const char *recipient, int64_t after,
                                 int64_t upto, rp__store_out *out);

/* Rows still queued (waiting for the relay). */
int rp__store_out_queued_count(rp__store *st, uint64_t *n);

/* Every outbox row that is not a receipt, oldest first (no envelopes). */
int rp__store_out_foreach(rp__store *st, int (*fn)(void *data, const rp__store_out *o),
                          void *data);

/*
 * Attachment chunks of an outbox message, as sealed (docs/PROTOCOL.md 6.7): one row per
 * chunk (msg_id, idx g, len, acked), the bytes in the message's file. rp_send writes them
 * before the outbox row that refers to them: each put is its own small write, not synced
 * on its own, and rp__store_out_add syncs the file, then commits the outbox row
 * (synchronous=FULL, WAL), which makes the rows durable with it. So the loop never
 * sees a message whose chunks are not all there, rp_send never holds the store's lock
 * while it reads a host's file or stream, and a send that fails (or a process that dies
 * half way) leaves only rows that rp__store_out_chunks_delete, or the next
 * rp__store_open, removes. put: RP_EEXIST for a known (msg_id, idx).
 * get: the sealed chunk into buf[0..cap) (RP_ETOOBIG if it does not fit), *len, *acked
 * (may be NULL); with buf NULL only *len and *acked (the file is not read); RP_ENOTFOUND;
 * RP_EIO if the file does not hold the whole chunk. count: rows and acked
 * rows of msg_id.
 */
int rp__store_out_chunk_put(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                            uint64_t idx, const uint8_t *data, size_t len);
int rp__store_out_chunk_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                            uint64_t idx, uint8_t *buf, size_t cap, size_t *len,
                            int *acked);
int rp__store_out_chunks_delete(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]);
int rp__store_out_chunks_count(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                               uint64_t *n, uint64_t *acked);
/* count, plus the sealed bytes of all the rows and of the acked ones. */
int rp__store_out_chunks_sum(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             uint64_t *n, uint64_t *acked, uint64_t *bytes,
                             uint64_t *bytes_acked);
/* Marks chunk idx of msg_id acknowledged by the relay (written without a sync of its
 * own: losing it only resends the chunk, which the relay acknowledges again). */
int rp__store_out_chunk_acked(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                              uint64_t idx);
/* Marks every chunk of msg_id unacknowledged (the relay lost them: upload again). */
int rp__store_out_chunks_unack(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]);

/* What an arriving message does to one of ours: an answer moves its request to answered
 * (or auto_replied). It is written in the arrival's own transaction, so that whoever
 * finds the answer in the inbox finds the request's new status too; an `about` that is
 * not in our outbox changes nothing. *changed is set as by rp__store_out_status. */
typedef struct rp__store_effect {
  uint8_t about[RP_MSG_ID_BYTES];
  int status; /* 0: no effect */
  uint64_t at;
  int changed; /* out */
} rp__store_effect;

/* Adds an inbox row and, in the same transaction, the outbox row `receipt` and the
 * status effect (each may be NULL); with in->recalled set, its recall mark too (a recall
 * that came first, rp__store_in_recall_held). RP_EEXIST (nothing written) if msg_id is
 * already in the inbox. */
int rp__store_in_add(rp__store *st, const rp__store_in *in, const rp__store_out *receipt,
                     rp__store_effect *effect);

/*
 * A message with attachments is stored when its envelope arrives, incomplete (chunks N,
 * complete 0), and completes once every chunk is stored and verified: until then no
 * inbox call but _get_any sees it. Chunks are stored as received (sealed), each its own
 * small write without a sync of its own; rp__store_in_complete syncs the message's file,
 * then commits with a sync and so makes them durable with it. chunk_put replaces a chunk
 * stored before (a resumed download asks again from the first it holds not). chunks_stored:
 * the rows of msg_id (stored in order, so 0..n-1). complete: marks it complete (stored_at
 * stays its arrival) with the outbox row `receipt` and the status effect (each may be NULL)
 * in one transaction. drop: deletes an incomplete message and its chunks (refused), in one
 * transaction.
 */
int rp__store_in_get_any(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                         rp__store_in *out);
int rp__store_in_chunk_put(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                           uint64_t idx, const uint8_t *data, size_t len);
int rp__store_in_chunk_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                           uint64_t idx, uint8_t *buf, size_t cap, size_t *len);
int rp__store_in_chunks_stored(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                               uint64_t *n);
/* Forgets the chunks of msg_id from index `from` on (their rows; the bytes in the file
 * are written over when they come again): a download resumes from there. */
int rp__store_in_chunks_trim(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             uint64_t from);
int rp__store_in_complete(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                          const rp__store_out *receipt, rp__store_effect *effect);
int rp__store_in_drop(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES]);
/* Deletes every incomplete message whose envelope expired more than the allowed clock
 * skew (RP_CLOCK_SKEW_MS) before `now`, with its chunks, in one transaction: the relay
 * has let it go with its chunks, so the rest will never come (and the sender was told
 * it expired). Run when the store opens and at every WELCOME. *n (may be NULL): how many
 * were deleted. */
int rp__store_in_sweep(rp__store *st, uint64_t now, uint64_t *n);

/*
 * A recall (PROTOCOL.md 7.19) from `sender` about msg_id: if the inbox holds msg_id from
 * that sender (complete or not), marks it recalled and adds the outbox row `receipt`
 * (the receipt "recalled" for the sender), in one transaction; *done is then 1. A message
 * recalled before, one we do not hold, or one another member sent changes nothing
 * (*done 0): the receipt goes once. The mark lives in the table inbox_recalled.
 */
int rp__store_in_recall(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                        const char *sender, uint64_t now, const rp__store_out *receipt,
                        int *done);

/* A recall being stored (rp__store_in_add_recall): the message it is about, the
 * receipt "recalled" to add if that message is marked now (NULL: none), and whether it
 * was (out). */
typedef struct rp__store_recall {
  const uint8_t *about;
  const rp__store_out *receipt;
  int done;
} rp__store_recall;

/* rp__store_in_add of a recall (in, from in->sender) together with its step, as
 * rp__store_in_recall does it, in one transaction: a host that sees the recall sees the
 * message it recalls marked. RP_EEXIST (nothing written) if the recall is stored already;
 * its step then is rp__store_in_recall's. */
int rp__store_in_add_recall(rp__store *st, const rp__store_in *in,
                            const rp__store_out *receipt, rp__store_recall *recall);

/* Whether the inbox holds a recall (a row of kind recall_kind whose ref_id is msg_id)
 * from `sender`: one that came before the message it recalls (PROTOCOL.md 7.19), which
 * is then stored recalled. *held 1 or 0. */
int rp__store_in_recall_held(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                             const char *sender, int recall_kind, int *held);

/* The first unhandled row with rowid > after, not recalled. RP_ENOTFOUND. */
int rp__store_in_next(rp__store *st, int64_t after, rp__store_in *out);

/* The inbox row of msg_id. RP_ENOTFOUND. */
int rp__store_in_get(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                     rp__store_in *out);

/* Marks msg_id handled. RP_ENOTFOUND. */
int rp__store_in_handled(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                         uint64_t now);

/* Unhandled inbox rows, not recalled. */
int rp__store_in_pending(rp__store *st, uint64_t *n);

/*
 * Erasure (store_erase.c). Every delete in this store runs with secure_delete on, and
 * every write below that deleted anything ends with a WAL checkpoint that truncates the
 * log: neither client.db nor client.db-wal keeps a byte of a row that went. The chunk
 * files of what went are unlinked after that commit, not overwritten: their bytes are
 * ciphertext under a key exported from the envelope's HPKE context, and the envelope was
 * in the rows secure_delete just erased; without it not even the recipient's private key
 * opens them (the relay never could), so the unlink is the erasure, a system call where
 * zeroing would write every byte again. No file under chunks/ is left for an erased
 * message.
 *
 * erase_thread: deletes, in one transaction, every outbox and inbox row of thread_id with
 * its attachment chunks, except an unsent (queued) consent_withdrawn or receipt, which
 * must still go out, and the row `keep` (16 bytes, or NULL). The ids of erased outbox rows
 * that the relay may hold (queued or relayed, not the library's own receipts) go on the
 * purge list in the same transaction. *n (may be NULL): rows erased.
 *
 * consent_sweep: the consent rule for a process that died between the event and the
 * erasure: a consent_withdrawn of ours past queued erases the rest of its thread; a
 * received one that is handled erases its whole thread. Run when the store opens.
 *
 * retention_sweep: deletes what is finished since `retention_ms` before now: handled
 * inbox messages (by handled_at), and outbox rows that are not queued and whose status
 * can no longer change (answered, expired or failed, by that step's time; the library's
 * own receipts once relayed) or whose thread is closed (a closure or consent_withdrawn,
 * relayed or received, that long ago); then inbox chunks of erased rows. *n
 * (may be NULL): rows deleted.
 *
 * purge list: msg_ids the relay is asked to purge (PROTOCOL.md 5.7), oldest first.
 * next: up to max ids into ids[16 * i]; done: drops them (the relay answered).
 */
int rp__store_erase_thread(rp__store *st, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                           const uint8_t *keep, uint64_t *n);
int rp__store_consent_sweep(rp__store *st, uint64_t *n);
int rp__store_retention_sweep(rp__store *st, uint64_t now, uint64_t retention_ms,
                              uint64_t *n);
int rp__store_purge_next(rp__store *st, uint8_t *ids, size_t max, size_t *n);
int rp__store_purge_done(rp__store *st, const uint8_t *ids, size_t n);
int rp__store_purge_count(rp__store *st, uint64_t *n);
/* Rows of thread_id in outbox and inbox together. */
int rp__store_thread_rows(rp__store *st, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                          uint64_t *n);

void rp__store_out_free(rp__store_out *o);
void rp__store_in_free(rp__store_in *in);

#endif /* RP_CLIENT_STORE_H */
