/* SPDX-License-Identifier: MIT */
/* Shared between store*.c only. */
#ifndef RP_CLIENT_STORE_INT_H
#define RP_CLIENT_STORE_INT_H

#include <pthread.h>

#include <sqlite3.h>

#include "sql_util.h"
#include "store.h"

struct rp__store {
  sqlite3 *db;
  pthread_mutex_t mu; /* one statement at a time on the one connection */
  char *dir;          /* the state folder: client.db and chunks/ (store_chunk.c) */
};

/* The chunk tables since schema 5: the bytes are in files (store_chunk.c), the rows
 * keep each chunk's length. outbox_chunk.acked is only read (rows an older version
 * marked; acks go to outbox_chunk_ack). */
#define RP__STORE_OUT_CHUNK_COLS                                                           \
  "msg_id BLOB NOT NULL, idx INTEGER NOT NULL, len INTEGER NOT NULL,"                      \
  " acked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(msg_id, idx)"
#define RP__STORE_IN_CHUNK_COLS                                                            \
  "msg_id BLOB NOT NULL, idx INTEGER NOT NULL, len INTEGER NOT NULL,"                      \
  " PRIMARY KEY(msg_id, idx)"
/* Which file a chunk is in: chunks/out/ or chunks/in/. */
#define RP__STORE_OUT 0
#define RP__STORE_IN 1

/* The id a new row of outbox or inbox takes, as an SQL expression (store.c, table hw):
 * above every id the table has had, also ids of rows erased since. */
#define RP__STORE_NEXT_ID(table)                                                           \
  "(SELECT max(coalesce(max(x.id), 0), coalesce((SELECT id FROM hw WHERE t = '" table      \
  "'), 0)) + 1 FROM " table " x)"

/* Runs a one-row, one-column count query under the store's lock into *n. */
int rp__store_count(rp__store *st, const char *sql, uint64_t *n);
int rp__store_is_zero(const uint8_t *p, size_t n);
/* The INSERT of one outbox row; the caller holds the lock (and any transaction). */
int rp__store_out_insert(rp__store *st, const rp__store_out *o);

/* rp__store_out_status for a caller that holds the lock (and any transaction). */
int rp__store_out_status_locked(rp__store *st, const uint8_t msg_id[RP_MSG_ID_BYTES],
                                int status, int error, uint64_t now, int *changed);
/* Applies e (may be NULL or without a status) under the caller's lock and transaction;
 * an `about` we do not hold is no error. */
int rp__store_effect_apply(rp__store *st, rp__store_effect *e);

/* The outbox's and the inbox's attachment chunks, one shape (store_chunk.c): `sql`
 * inserts the row (msg_id ?1, idx ?2, len ?3) in the transaction that writes the bytes
 * into the file of `kind`, without a sync of its own (store.h); or selects (len, then
 * optionally acked) for msg_id ?1 and idx ?2, and with buf the bytes are read from the
 * file (one pread of exactly len; a short read is RP_EIO). */
int rp__store_chunk_write(rp__store *st, int kind, const char *sql, const uint8_t *msg_id,
                          uint64_t idx, const uint8_t *data, size_t len);
int rp__store_chunk_read(rp__store *st, int kind, const char *sql, const uint8_t *msg_id,
                         uint64_t idx, uint8_t *buf, size_t cap, size_t *len, int *acked);

/* The chunk files (store_chunk.c); the caller holds the lock. dirs: creates chunks/,
 * chunks/out and chunks/in (0700) at open. write/read: one chunk at its offset. sync:
 * fdatasync of msg_id's file and fsync of its folder, before the commit that makes the
 * message count as stored (no file: nothing to do). unlink: after the commit that
 * deleted its rows. sweep: unlinks every file no chunk row names, and anything in the
 * folders that is not a well-formed name. chunks_to_files: schema 5, moves the blobs of
 * an older store into files (synced), then drops them in one transaction; *moved says
 * there were any. Errors: RP_EFSYNC for a full disk (as SQLite's), else RP_EIO. */
int rp__store_chunk_dirs(rp__store *st);
int rp__store_file_write(rp__store *st, int kind, const uint8_t *msg_id, uint64_t idx,
                         const uint8_t *data, size_t len);
int rp__store_file_read(rp__store *st, int kind, const uint8_t *msg_id, uint64_t idx,
                        uint8_t *buf, size_t len);
int rp__store_file_sync(rp__store *st, int kind, const uint8_t *msg_id);
void rp__store_file_unlink(rp__store *st, int kind, const uint8_t *msg_id);
void rp__store_file_sweep(rp__store *st);
int rp__store_chunks_to_files(rp__store *st, int *moved);

#endif /* RP_CLIENT_STORE_INT_H */
