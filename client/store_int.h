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
};

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

/* The outbox's and the inbox's attachment chunks, one shape: `sql` inserts (msg_id, idx,
 * data) without a sync of its own (store.h), or selects (data or, with buf NULL, its
 * length; then optionally acked) for msg_id ?1 and idx ?2. */
int rp__store_chunk_write(rp__store *st, const char *sql, const uint8_t *msg_id,
                          uint64_t idx, const uint8_t *data, size_t len);
int rp__store_chunk_read(rp__store *st, const char *sql, const uint8_t *msg_id,
                         uint64_t idx, uint8_t *buf, size_t cap, size_t *len, int *acked);

#endif /* RP_CLIENT_STORE_INT_H */
