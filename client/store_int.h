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

/* Runs a one-row, one-column count query under the store's lock into *n. */
int rp__store_count(rp__store *st, const char *sql, uint64_t *n);
int rp__store_is_zero(const uint8_t *p, size_t n);
/* The INSERT of one outbox row; the caller holds the lock (and any transaction). */
int rp__store_out_insert(rp__store *st, const rp__store_out *o);

#endif /* RP_CLIENT_STORE_INT_H */
