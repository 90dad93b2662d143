/* SPDX-License-Identifier: MIT */
/* The alerts table: which alert went out for which thread (ibx_store.h). */
#include <string.h>

#include "envelope_hdr.h"
#include "ibx_store_int.h"
#include "rejsepost_errors.h"

#define BATCH 64

int rp__ibx_store_alert_record(rp__ibx_store *st, const char *thread_id, int event,
                               uint64_t now, int mail, int *first) {
  sqlite3_stmt *s = NULL;
  int r;
  *first = 0;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "INSERT OR IGNORE INTO alerts(thread_id, event, at, mail)"
                      " VALUES(?,?,?,?)",
                      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, event);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
    sqlite3_bind_int(s, 4, mail);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
    if (r == 0) *first = sqlite3_changes(st->db) == 1;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

int rp__ibx_store_alert_mailed(rp__ibx_store *st, const char *thread_id, int event,
                               int mail) {
  sqlite3_stmt *s = NULL;
  int r;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "UPDATE alerts SET mail = ? WHERE thread_id = ? AND event = ?", &s);
  if (r == 0) {
    sqlite3_bind_int(s, 1, mail);
    sqlite3_bind_text(s, 2, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, event);
    r = sqlite3_step(s) == SQLITE_DONE ? 0 : RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}

/* Runs sql (binding ?1 = a, ?2 = b when nonzero) and collects up to BATCH threads (the
 * thread columns first, then the event if with_event) into t / ev; *n gets how many. */
static int collect(rp__ibx_store *st, const char *sql, int64_t a, int64_t b,
                   rp__ibx_thread *t, int *ev, int with_event, int *n) {
  sqlite3_stmt *s = NULL;
  int r = rp__sql_prepare(st->db, sql, &s), rc = SQLITE_DONE;
  if (r == 0) {
    if (a != 0) sqlite3_bind_int64(s, 1, a);
    if (b != 0) sqlite3_bind_int64(s, 2, b);
    while (*n < BATCH && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      rp__ibx_store_row_thread(s, &t[*n]);
      ev[*n] = with_event ? sqlite3_column_int(s, 18) : 0;
      (*n)++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  return r;
}

int rp__ibx_store_alerts_pending(rp__ibx_store *st, rp__ibx_alert_fn fn, void *data) {
  rp__ibx_thread t[BATCH];
  int ev[BATCH], n = 0, r;
  pthread_mutex_lock(&st->mu);
  r = collect(st,
              "SELECT " RP_IBX_THREAD_COLS ", a.event FROM alerts a JOIN threads USING"
              " (thread_id) WHERE a.mail = 0 ORDER BY a.at LIMIT 64",
              0, 0, t, ev, 1, &n);
  pthread_mutex_unlock(&st->mu);
  for (int i = 0; i < n; i++)
    if (fn(data, &t[i], ev[i]) != 0) break;
  return r;
}

/* Whether the thread's service clock still runs (rp__ibx_overdue's stop). */
static int clock_runs(const rp__ibx_thread *t) {
  uint64_t stop = t->urgency == RP__URG_AKUT ? t->opened_at : t->answered_at;
  return t->deadline != 0 && t->state != RP_IBX_ST_CLOSED && stop == 0;
}

int rp__ibx_store_alerts_due(rp__ibx_store *st, uint64_t now, uint64_t reminder_ms,
                             rp__ibx_alert_fn fn, void *data) {
  static rp__ibx_thread t[2 * BATCH]; /* main thread only; too big for its stack */
  int ev[2 * BATCH], n = 0, r;
  pthread_mutex_lock(&st->mu);
  r = collect(st,
              "SELECT " RP_IBX_THREAD_COLS " FROM threads t WHERE urgency IN (1, 2)"
              " AND state = 1 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE"
              " a.thread_id = t.thread_id AND a.event = 1) ORDER BY arrived LIMIT 64",
              0, 0, t, ev, 0, &n);
  for (int i = 0; i < n; i++)
    ev[i] = 1;
  int nnew = n, m = 0;
  if (r == 0 && reminder_ms != 0) {
    r = collect(st,
                "SELECT " RP_IBX_THREAD_COLS " FROM threads t WHERE deadline > ?1"
                " AND deadline <= ?2 AND state != 6 AND NOT EXISTS (SELECT 1 FROM alerts a"
                " WHERE a.thread_id = t.thread_id AND a.event = 2) ORDER BY deadline"
                " LIMIT 64",
                (int64_t)now, (int64_t)(now + reminder_ms), t + nnew, ev + nnew, 0, &m);
    for (int i = nnew; i < nnew + m; i++)
      ev[i] = 2;
  }
  pthread_mutex_unlock(&st->mu);
  for (int i = 0; i < nnew + m; i++) {
    if (ev[i] == 2 && !clock_runs(&t[i])) continue;
    if (fn(data, &t[i], ev[i]) != 0) break;
  }
  return r;
}

int rp__ibx_store_counts(rp__ibx_store *st, uint64_t now, unsigned open[5],
                         unsigned *overdue) {
  sqlite3_stmt *s = NULL;
  rp__ibx_thread t;
  int r, rc = SQLITE_DONE;
  memset(open, 0, 5 * sizeof open[0]);
  *overdue = 0;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db, "SELECT " RP_IBX_THREAD_COLS " FROM threads WHERE state != 6",
                      &s);
  if (r == 0) {
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      rp__ibx_store_row_thread(s, &t);
      open[t.urgency >= 1 && t.urgency <= 4 ? t.urgency : 0]++;
      if (rp__ibx_overdue(&t, now)) (*overdue)++;
    }
    if (rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return r;
}
