/* SPDX-License-Identifier: MIT */
/*
 * Marks on a thread's messages (ibx_store.h "Marks"): a recalled message, a consent
 * withdrawn for the whole thread. A mark hides content from show, export and save; the
 * rows stay (the audit log, the statistics) until the thread is purged.
 */
#include <stdlib.h>
#include <string.h>

#include "ibx_caps.h"
#include "ibx_store_int.h"
#include "rejsepost_errors.h"

int rp__ibx_store_mark(rp__ibx_store *st, const char *thread_id, const rp__ibx_mark *m) {
  sqlite3_stmt *s = NULL;
  int r;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(
      st->db,
      "INSERT OR IGNORE INTO marks(thread_id, msg_id, kind, reason, dir, at)"
      " VALUES(?,?,?,?,?,?)",
      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, m->msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, m->kind);
    sqlite3_bind_int(s, 4, m->reason);
    sqlite3_bind_int(s, 5, m->dir);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)m->at);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    if (r == 0 && sqlite3_changes(st->db) == 0) r = RP_EEXIST;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_marks(rp__ibx_store *st, const char *thread_id, rp__ibx_mark **out,
                        unsigned *n) {
  sqlite3_stmt *s = NULL;
  rp__ibx_mark *arr = NULL;
  unsigned cap = 0;
  int r, rc;
  *out = NULL;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT msg_id, kind, reason, dir, at FROM marks WHERE thread_id = ?"
                      " ORDER BY at, rowid LIMIT ?",
                      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, RP_IBX_THREAD_MSGS_MAX);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (*n == cap) {
        unsigned nc = cap == 0 ? 8 : cap * 2;
        rp__ibx_mark *na = realloc(arr, nc * sizeof *na);
        if (na == NULL) {
          r = RP_ENOMEM;
          break;
        }
        arr = na;
        cap = nc;
      }
      rp__ibx_mark *m = &arr[(*n)++];
      memset(m, 0, sizeof *m);
      rp__sql_col_text(s, 0, m->msg_id, sizeof m->msg_id);
      m->kind = sqlite3_column_int(s, 1);
      m->reason = sqlite3_column_int(s, 2);
      m->dir = sqlite3_column_int(s, 3);
      m->at = (uint64_t)sqlite3_column_int64(s, 4);
    }
    if (r == 0 && rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  if (r != 0) {
    free(arr);
    *n = 0;
    return r;
  }
  *out = arr;
  return 0;
}

int rp__ibx_store_mark_get(rp__ibx_store *st, const char *thread_id, const char *msg_id,
                           int kind, rp__ibx_mark *m) {
  sqlite3_stmt *s = NULL;
  int r;
  memset(m, 0, sizeof *m);
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT msg_id, kind, reason, dir, at FROM marks WHERE thread_id = ?"
                      " AND msg_id = ? AND kind = ?",
                      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, kind);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      rp__sql_col_text(s, 0, m->msg_id, sizeof m->msg_id);
      m->kind = sqlite3_column_int(s, 1);
      m->reason = sqlite3_column_int(s, 2);
      m->dir = sqlite3_column_int(s, 3);
      m->at = (uint64_t)sqlite3_column_int64(s, 4);
    } else {
      r = rc == SQLITE_DONE ? RP_ENOTFOUND : RP_EIO;
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_find_msg(rp__ibx_store *st, const char *thread_id, const char *prefix,
                           rp__ibx_msg_ref *out) {
  sqlite3_stmt *s = NULL;
  unsigned n = 0;
  int r, rc;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(
      st->db,
      "SELECT msg_id, dir, kind, ref, stored, peer FROM messages WHERE thread_id = ?"
      " AND substr(msg_id, 1, ?) = ? LIMIT 2",
      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, (int)strlen(prefix));
    sqlite3_bind_text(s, 3, prefix, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (n++ > 0) break;
      rp__sql_col_text(s, 0, out->msg_id, sizeof out->msg_id);
      out->dir = sqlite3_column_int(s, 1);
      out->kind = sqlite3_column_int(s, 2);
      rp__sql_col_text(s, 3, out->ref, sizeof out->ref);
      out->stored = (uint64_t)sqlite3_column_int64(s, 4);
      rp__sql_col_text(s, 5, out->peer, sizeof out->peer);
    }
    if (n == 0) r = rc == SQLITE_DONE ? RP_ENOTFOUND : RP_EIO;
    if (n > 1) r = RP_EEXIST;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_last_meeting(rp__ibx_store *st, const char *thread_id, const int *kinds,
                               unsigned nkinds, rp__ibx_msg_ref *out) {
  sqlite3_stmt *s = NULL;
  int r, rc, found = 0;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(
      st->db,
      "SELECT msg_id, dir, kind, ref, stored, peer FROM messages WHERE thread_id = ?"
      " ORDER BY stored DESC, rowid DESC",
      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    while (!found && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      int kind = sqlite3_column_int(s, 2);
      for (unsigned i = 0; i < nkinds && !found; i++)
        found = kinds[i] == kind;
      if (!found) continue;
      rp__sql_col_text(s, 0, out->msg_id, sizeof out->msg_id);
      out->dir = sqlite3_column_int(s, 1);
      out->kind = kind;
      rp__sql_col_text(s, 3, out->ref, sizeof out->ref);
      out->stored = (uint64_t)sqlite3_column_int64(s, 4);
      rp__sql_col_text(s, 5, out->peer, sizeof out->peer);
    }
    if (!found) r = RP_ENOTFOUND;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_all_threads(rp__ibx_store *st, rp__ibx_thread_fn fn, void *data) {
  sqlite3_stmt *s = NULL;
  rp__ibx_thread t;
  int r, rc;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db, "SELECT " RP_IBX_THREAD_COLS " FROM threads", &s);
  if (r == 0) {
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      rp__ibx_store_row_thread(s, &t);
      if (fn(data, &t) != 0) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}
