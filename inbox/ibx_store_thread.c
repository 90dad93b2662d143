/* SPDX-License-Identifier: MIT */
/* The store's thread queries and updates. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_caps.h"
#include "ibx_datakey.h"
#include "ibx_store_int.h"
#include "rejsepost_errors.h"

#define U64(s, i) ((uint64_t)sqlite3_column_int64((s), (i)))

void rp__ibx_store_row_thread(sqlite3_stmt *s, rp__ibx_thread *t) {
  memset(t, 0, sizeof *t);
  rp__sql_col_text(s, 0, t->thread_id, sizeof t->thread_id);
  rp__sql_col_text(s, 1, t->first_msg, sizeof t->first_msg);
  rp__sql_col_text(s, 2, t->peer, sizeof t->peer);
  rp__sql_col_text(s, 3, t->municipality, sizeof t->municipality);
  t->kind = sqlite3_column_int(s, 4);
  t->urgency = sqlite3_column_int(s, 5);
  t->categories = U64(s, 6);
  t->state = sqlite3_column_int(s, 7);
  t->arrived = U64(s, 8);
  t->deadline = U64(s, 9);
  t->opened_at = U64(s, 10);
  t->answered_at = U64(s, 11);
  t->closed_at = U64(s, 12);
  t->updated = U64(s, 13);
  rp__sql_col_text(s, 14, t->claimed_by, sizeof t->claimed_by);
  t->escalated = sqlite3_column_int(s, 15);
  t->autoreplied = sqlite3_column_int(s, 16);
  t->outcome = sqlite3_column_int(s, 17);
}

void rp__ibx_store_msg_wipe(rp__ibx_msg *m) {
  if (m->body != NULL) {
    sodium_memzero(m->body, m->body_len);
    free(m->body);
  }
  m->body = NULL;
  m->body_len = 0;
}

int rp__ibx_store_row_msg(rp__ibx_store *st, sqlite3_stmt *s, rp__ibx_msg *m) {
  uint8_t *pt = NULL;
  size_t n = 0;
  int r;
  memset(m, 0, sizeof *m);
  rp__sql_col_text(s, 0, m->msg_id, sizeof m->msg_id);
  rp__sql_col_text(s, 1, m->thread_id, sizeof m->thread_id);
  rp__sql_col_text(s, 2, m->ref, sizeof m->ref);
  rp__sql_col_text(s, 3, m->peer, sizeof m->peer);
  rp__sql_col_text(s, 4, m->who, sizeof m->who);
  m->dir = sqlite3_column_int(s, 5);
  m->kind = sqlite3_column_int(s, 6);
  m->created = U64(s, 7);
  m->stored = U64(s, 8);
  r = rp__ibx_open(st->key, (const uint8_t *)m->msg_id, strlen(m->msg_id),
                   sqlite3_column_blob(s, 9), (size_t)sqlite3_column_bytes(s, 9), &pt, &n);
  if (r == 0) {
    m->body = (char *)pt;
    m->body_len = n;
  }
  return r;
}

int rp__ibx_store_thread(rp__ibx_store *st, const char *thread_id, rp__ibx_thread *t) {
  sqlite3_stmt *s = NULL;
  int r;
  memset(t, 0, sizeof *t);
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT " RP_IBX_THREAD_COLS " FROM threads WHERE thread_id = ?", &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
      rp__ibx_store_row_thread(s, t);
    else
      r = rc == SQLITE_DONE ? RP_ENOTFOUND : RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_has_msg(rp__ibx_store *st, const char *msg_id, char *thread_id) {
  sqlite3_stmt *s = NULL;
  int found = 0;
  pthread_mutex_lock(&st->mu);
  if (rp__sql_prepare(st->db, "SELECT thread_id FROM messages WHERE msg_id = ?", &s) == 0) {
    sqlite3_bind_text(s, 1, msg_id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
      found = 1;
      if (thread_id != NULL) rp__sql_col_text(s, 0, thread_id, RP_IBX_ID_STRLEN);
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return found;
}

/* Runs an UPDATE on one thread with up to three integer parameters and the thread id as
 * the last one; RP_ENOTFOUND if no row changed. */
static int update(rp__ibx_store *st, const char *sql, const char *thread_id, int nargs,
                  const int64_t *args, const char *text) {
  sqlite3_stmt *s = NULL;
  int r = rp__sql_prepare(st->db, sql, &s), i = 0;
  if (r != 0) return r;
  for (; i < nargs; i++)
    sqlite3_bind_int64(s, i + 1, args[i]);
  if (text != NULL) sqlite3_bind_text(s, ++i, text, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, i + 1, thread_id, -1, SQLITE_STATIC);
  r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
  if (r == 0 && sqlite3_changes(st->db) == 0) r = RP_ENOTFOUND;
  sqlite3_finalize(s);
  return r;
}

int rp__ibx_store_opened(rp__ibx_store *st, const char *thread_id, uint64_t now,
                         int *first) {
  int64_t a[2] = {(int64_t)now, RP_IBX_ST_OPENED};
  int r;
  *first = 0;
  pthread_mutex_lock(&st->mu);
  r = update(st,
             "UPDATE threads SET opened_at = ?1, state = CASE WHEN state = 1 THEN ?2 ELSE "
             "state END WHERE opened_at = 0 AND thread_id = ?3",
             thread_id, 2, a, NULL);
  if (r == 0) *first = 1;
  pthread_mutex_unlock(&st->mu);
  if (r == RP_ENOTFOUND) {
    rp__ibx_thread t;
    return rp__ibx_store_thread(st, thread_id, &t);
  }
  return r;
}

int rp__ibx_store_claim(rp__ibx_store *st, const char *thread_id, const char *who,
                        int takeover, uint64_t now) {
  rp__ibx_thread t;
  int64_t a[2] = {(int64_t)now, RP_IBX_ST_CLAIMED};
  int r = rp__ibx_store_thread(st, thread_id, &t);
  if (r != 0) return r;
  if (t.state == RP_IBX_ST_CLOSED) return RP_ESTATE;
  if (!takeover && t.claimed_by[0] != 0 && strcmp(t.claimed_by, who) != 0) return RP_EBUSY;
  pthread_mutex_lock(&st->mu);
  r = update(st,
             "UPDATE threads SET updated = ?1, state = CASE WHEN state <= ?2 THEN ?2 ELSE "
             "state END, claimed_by = ?3 WHERE thread_id = ?4",
             thread_id, 2, a, who);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_assign(rp__ibx_store *st, const char *thread_id, const char *from,
                         const char *to, uint64_t now) {
  sqlite3_stmt *s = NULL;
  rp__ibx_thread t;
  int r;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "UPDATE threads SET updated = ?1, claimed_by = ?2, state = CASE WHEN "
                      "state <= ?3 THEN ?3 ELSE state END WHERE thread_id = ?4 AND "
                      "claimed_by = ?5 AND state != ?6",
                      &s);
  if (r == 0) {
    sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
    sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, RP_IBX_ST_CLAIMED);
    sqlite3_bind_text(s, 4, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, from, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, RP_IBX_ST_CLOSED);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    if (r == 0 && sqlite3_changes(st->db) == 0) r = RP_ENOTFOUND;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  /* No row changed: say why. */
  if (r == RP_ENOTFOUND && (r = rp__ibx_store_thread(st, thread_id, &t)) == 0)
    r = t.state == RP_IBX_ST_CLOSED ? RP_ESTATE : RP_EBUSY;
  return r;
}

int rp__ibx_store_answered(rp__ibx_store *st, const char *thread_id, int state,
                           uint64_t now) {
  int64_t a[2] = {(int64_t)now, state};
  int r;
  pthread_mutex_lock(&st->mu);
  r = update(
      st,
      "UPDATE threads SET updated = ?1, state = ?2, answered_at = CASE WHEN "
      "answered_at = 0 THEN ?1 ELSE answered_at END WHERE state != 6 AND thread_id = ?3",
      thread_id, 2, a, NULL);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_close_thread(rp__ibx_store *st, const char *thread_id, int outcome,
                               uint64_t now) {
  int64_t a[3] = {(int64_t)now, RP_IBX_ST_CLOSED, outcome};
  int r;
  pthread_mutex_lock(&st->mu);
  r = update(st,
             "UPDATE threads SET updated = ?1, closed_at = ?1, state = ?2, outcome = ?3 "
             "WHERE state != 6 AND thread_id = ?4",
             thread_id, 3, a, NULL);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_set_flag(rp__ibx_store *st, const char *thread_id, const char *column,
                           int value) {
  char sql[128];
  int r;
  /* Only our fixed flag columns; never a caller's text in SQL. */
  if (strcmp(column, "escalated") != 0 && strcmp(column, "autoreplied") != 0)
    return RP_EINVAL;
  /* Test-and-set in one statement: of two threads racing for the same flag, exactly one
   * changes the row; the other gets RP_ENOTFOUND. */
  snprintf(sql, sizeof sql, "UPDATE threads SET %s = %d WHERE %s != %d AND thread_id = ?1",
           column, value ? 1 : 0, column, value ? 1 : 0);
  pthread_mutex_lock(&st->mu);
  r = update(st, sql, thread_id, 0, NULL, NULL);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_touch(rp__ibx_store *st, const char *thread_id, uint64_t now) {
  int64_t a[1] = {(int64_t)now};
  int r;
  pthread_mutex_lock(&st->mu);
  r = update(st,
             "UPDATE threads SET updated = ?1, state = CASE WHEN state IN (4, 5) THEN 2 "
             "ELSE state END WHERE thread_id = ?2",
             thread_id, 1, a, NULL);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_list(rp__ibx_store *st, const rp__ibx_filter *f, rp__ibx_thread_fn fn,
                       void *data) {
  sqlite3_stmt *s = NULL;
  rp__ibx_thread t;
  unsigned n = 0;
  int r, rc;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(
      st->db,
      "SELECT " RP_IBX_THREAD_COLS " FROM threads WHERE (?1 = 0 OR state = ?1)"
      " AND (?1 != 0 OR ?4 != 0 OR state != 6)"
      " AND (?2 = '' OR municipality = ?2) AND (?3 = 0 OR (categories & ?3) != 0)"
      " AND (?6 IS NULL OR peer IN (SELECT value FROM json_each(?6)))"
      " AND (?7 = 0 OR urgency = ?7)"
      " ORDER BY urgency != 1, deadline = 0, deadline, arrived LIMIT ?5",
      &s);
  if (r == 0) {
    sqlite3_bind_int(s, 1, f->state);
    sqlite3_bind_text(s, 2, f->municipality != NULL ? f->municipality : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)f->category_bit);
    sqlite3_bind_int(s, 4, f->all);
    /* One row more than the cap tells "more match" apart from "exactly the cap". */
    sqlite3_bind_int(s, 5, RP_IBX_LIST_MAX + 1);
    if (f->peers != NULL) sqlite3_bind_text(s, 6, f->peers, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, f->urgency);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (n++ == RP_IBX_LIST_MAX) {
        r = RP_ETOOBIG;
        break;
      }
      rp__ibx_store_row_thread(s, &t);
      if (fn(data, &t) != 0) break;
    }
    if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

static int walk_msgs(rp__ibx_store *st, sqlite3_stmt *s, rp__ibx_msg_fn fn, void *data) {
  rp__ibx_msg m;
  int rc, r = 0;
  unsigned n = 0;
  while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    /* A row past the cap: the caller has the first RP_IBX_THREAD_MSGS_MAX and learns
     * that there are more. */
    if (n++ == RP_IBX_THREAD_MSGS_MAX) return RP_ETOOBIG;
    if ((r = rp__ibx_store_row_msg(st, s, &m)) != 0) break;
    int stop = fn(data, &m);
    rp__ibx_store_msg_wipe(&m);
    if (stop) break;
  }
  return r;
}

int rp__ibx_store_messages(rp__ibx_store *st, const char *thread_id, rp__ibx_msg_fn fn,
                           void *data) {
  sqlite3_stmt *s = NULL;
  int r;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT " RP_IBX_MSG_COLS " FROM messages WHERE thread_id = ?"
                      " ORDER BY stored, rowid",
                      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    r = walk_msgs(st, s, fn, data);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_messages_of_kind(rp__ibx_store *st, int kind, rp__ibx_msg_fn fn,
                                   void *data) {
  sqlite3_stmt *s = NULL;
  int r;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT " RP_IBX_MSG_COLS " FROM messages WHERE kind = ? AND dir = 1"
                      " ORDER BY stored, rowid",
                      &s);
  if (r == 0) {
    sqlite3_bind_int(s, 1, kind);
    r = walk_msgs(st, s, fn, data);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_escalation_candidates(rp__ibx_store *st, uint64_t now,
                                        rp__ibx_thread_fn fn, void *data) {
  sqlite3_stmt *s = NULL;
  rp__ibx_thread t[64];
  int n = 0, r;
  /* Collect first, call fn after unlocking: fn updates the store. */
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT " RP_IBX_THREAD_COLS " FROM threads WHERE urgency IN (1, 2)"
                      " AND escalated = 0 AND state != 6 AND deadline != 0 AND deadline < ?"
                      " ORDER BY deadline LIMIT 64",
                      &s);
  if (r == 0) {
    sqlite3_bind_int64(s, 1, (sqlite3_int64)now);
    while (n < 64 && sqlite3_step(s) == SQLITE_ROW)
      rp__ibx_store_row_thread(s, &t[n++]);
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  for (int i = 0; i < n; i++)
    if (rp__ibx_overdue(&t[i], now) && fn(data, &t[i]) != 0) break;
  return r;
}

int rp__ibx_overdue(const rp__ibx_thread *t, uint64_t now) {
  /* An akut request must be opened within its hour; the others answered (a reply or a
   * request for more information) within theirs. The clock stops at that moment. */
  uint64_t stop = t->urgency == RP__URG_AKUT ? t->opened_at : t->answered_at;
  if (t->deadline == 0 || t->state == RP_IBX_ST_CLOSED) return 0;
  return stop == 0 ? now > t->deadline : stop > t->deadline;
}
