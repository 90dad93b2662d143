/* SPDX-License-Identifier: MIT */
/* Shared between the store's files. */
#ifndef RP_IBX_STORE_INT_H
#define RP_IBX_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "ibx_store.h"
#include "sql_util.h"

struct rp__ibx_store {
  sqlite3 *db;
  pthread_mutex_t mu;
  const uint8_t *key;
  uint64_t meta_changes; /* rows written by meta_put (the audit head...): not the inbox's */
};

/* Statements, columns and the private file: rp__sql_* (db/sql_util.h). */
/* The thread columns, in the order rp__ibx_store_row_thread reads them. */
#define RP_IBX_THREAD_COLS                                                                 \
  "thread_id, first_msg, peer, municipality, kind, urgency, categories, state, arrived, "  \
  "deadline, opened_at, answered_at, closed_at, updated, claimed_by, escalated, "          \
  "autoreplied, outcome"
void rp__ibx_store_row_thread(sqlite3_stmt *s, rp__ibx_thread *t);
/* Reads a message row (RP_IBX_MSG_COLS) and opens its body. */
#define RP_IBX_MSG_COLS                                                                    \
  "msg_id, thread_id, ref, peer, who, dir, kind, created, stored, body"
int rp__ibx_store_row_msg(rp__ibx_store *st, sqlite3_stmt *s, rp__ibx_msg *m);
void rp__ibx_store_msg_wipe(rp__ibx_msg *m);

#endif
