/* SPDX-License-Identifier: MIT */
/* Finding threads: by a prefix of their id (as in git), the short ids listings show, and
 * whether a thread holds what the team sent. */
#include <string.h>

#include "ibx_caps.h"
#include "ibx_store_int.h"
#include "rejsepost_errors.h"

/* How many first characters a and b share. */
static unsigned common(const char *a, const char *b) {
  unsigned n = 0;
  while (a[n] != 0 && a[n] == b[n])
    n++;
  return n;
}

int rp__ibx_store_short_len(rp__ibx_store *st, unsigned *len) {
  sqlite3_stmt *s = NULL;
  char prev[RP_IBX_ID_STRLEN] = "", cur[RP_IBX_ID_STRLEN];
  unsigned shared = 0;
  int r, rc = SQLITE_DONE;
  *len = RP_IBX_SHORT_ID_MIN;
  pthread_mutex_lock(&st->mu);
  /* Neighbours in id order share the longest prefixes: one walk finds the longest. */
  if ((r = rp__sql_prepare(st->db, "SELECT thread_id FROM threads ORDER BY thread_id",
                           &s)) == 0) {
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      rp__sql_col_text(s, 0, cur, sizeof cur);
      unsigned c = common(prev, cur);
      if (c > shared) shared = c;
      memcpy(prev, cur, sizeof cur);
    }
    if (rc != SQLITE_DONE) r = RP_EIO;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  if (shared + 1 > *len) *len = shared + 1 > 32 ? 32 : shared + 1;
  return r;
}

int rp__ibx_store_resolve(rp__ibx_store *st, const char *prefix,
                          char full[RP_IBX_ID_STRLEN], char (*cand)[RP_IBX_ID_STRLEN],
                          unsigned *ncand) {
  sqlite3_stmt *s = NULL;
  char hi[RP_IBX_ID_STRLEN + 1], id[RP_IBX_ID_STRLEN];
  size_t n = strlen(prefix);
  unsigned found = 0;
  int r;
  full[0] = 0;
  *ncand = 0;
  if (n == 0 || n > 32) return RP_EINVAL;
  /* Every id that starts with the prefix sorts in [prefix, prefix + "g"): 'g' follows
   * every hex digit. A range keeps the query on the primary key's index. */
  memcpy(hi, prefix, n);
  hi[n] = 'g';
  hi[n + 1] = 0;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(
      st->db,
      "SELECT thread_id FROM threads WHERE thread_id >= ?1 AND thread_id < ?2"
      " ORDER BY thread_id LIMIT ?3",
      &s);
  if (r == 0) {
    sqlite3_bind_text(s, 1, prefix, (int)n, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    /* One more than we list tells "more than that" apart. */
    sqlite3_bind_int(s, 3, RP_IBX_PREFIX_CANDIDATES + 1);
    while (sqlite3_step(s) == SQLITE_ROW) {
      rp__sql_col_text(s, 0, id, sizeof id);
      if (found == 0) memcpy(full, id, sizeof id);
      if (cand != NULL && found < RP_IBX_PREFIX_CANDIDATES)
        memcpy(cand[found], id, sizeof id);
      found++;
    }
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  if (r != 0) return r;
  *ncand = found;
  if (found == 0) return RP_ENOTFOUND;
  if (found > 1) {
    full[0] = 0;
    return RP_EEXIST;
  }
  return 0;
}

int rp__ibx_store_has_sent(rp__ibx_store *st, const char *thread_id, int kind) {
  sqlite3_stmt *s = NULL;
  int found = 0;
  pthread_mutex_lock(&st->mu);
  if (rp__sql_prepare(st->db,
                      "SELECT 1 FROM messages WHERE thread_id = ? AND kind = ? AND dir = ?"
                      " LIMIT 1",
                      &s) == 0) {
    sqlite3_bind_text(s, 1, thread_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, kind);
    sqlite3_bind_int(s, 3, RP_IBX_OUT);
    found = sqlite3_step(s) == SQLITE_ROW;
  }
  sqlite3_finalize(s);
  pthread_mutex_unlock(&st->mu);
  return found;
}
