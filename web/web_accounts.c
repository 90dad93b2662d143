/* SPDX-License-Identifier: MIT */
#include "web_accounts.h"

#include <liboath/oath.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejsepost_errors.h"
#include "sql_util.h"

struct rp__web_accts {
  sqlite3 *db;
};

static const char k_schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS accounts("
    " name TEXT PRIMARY KEY, pw TEXT NOT NULL, one_time INTEGER NOT NULL,"
    " totp BLOB, last_step INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL);";

int rp__web_accts_open(const char *path, rp__web_accts **out) {
  rp__web_accts *s;
  int r;
  *out = NULL;
  if (rp__sql_create_private(path) != 0) return RP_EIO;
  if ((s = calloc(1, sizeof *s)) == NULL) return RP_ENOMEM;
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
      SQLITE_OK) {
    sqlite3_close(s->db);
    free(s);
    return RP_EIO;
  }
  sqlite3_busy_timeout(s->db, 5000);
  if ((r = rp__sql_exec(s->db, k_schema)) != 0) {
    rp__web_accts_close(s);
    return r;
  }
  *out = s;
  return 0;
}

void rp__web_accts_close(rp__web_accts *s) {
  if (s == NULL) return;
  sqlite3_close(s->db);
  free(s);
}

static void row(sqlite3_stmt *st, rp__web_acct *a) {
  memset(a, 0, sizeof *a);
  rp__sql_col_text(st, 0, a->name, sizeof a->name);
  rp__sql_col_text(st, 1, a->pw, sizeof a->pw);
  a->one_time = sqlite3_column_int(st, 2) != 0;
  a->has_totp = sqlite3_column_bytes(st, 3) == (int)RP_WEB_TOTP_BYTES;
  rp__sql_col_fixed(st, 3, a->totp, RP_WEB_TOTP_BYTES);
  a->last_step = sqlite3_column_int64(st, 4);
  a->failures = (unsigned)sqlite3_column_int(st, 5);
  a->locked_until = sqlite3_column_int64(st, 6);
}

#define COLS "name, pw, one_time, totp, last_step, failures, locked_until"

int rp__web_acct_get(rp__web_accts *s, const char *name, rp__web_acct *a) {
  sqlite3_stmt *st = NULL;
  int r = rp__sql_prepare(s->db, "SELECT " COLS " FROM accounts WHERE name = ?", &st);
  if (r != 0) return r;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    row(st, a);
  else
    r = rc == SQLITE_DONE ? RP_ENOTFOUND : rp__sql_err(rc);
  sqlite3_finalize(st);
  return r;
}

/* Runs one UPDATE/INSERT with text, text/blob and integer arguments bound in order as
 * the format says: 's' text, 'b' a TOTP secret (NULL: SQL NULL), 'i' int64. RP_ENOTFOUND
 * if it changed no row. */
static int run(rp__web_accts *s, const char *sql, const char *fmt, ...) {
  sqlite3_stmt *st = NULL;
  va_list ap;
  int r = rp__sql_prepare(s->db, sql, &st), rc;
  if (r != 0) return r;
  va_start(ap, fmt);
  for (int i = 0; fmt[i] != 0; i++) {
    if (fmt[i] == 's') {
      sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
    } else if (fmt[i] == 'b') {
      const uint8_t *b = va_arg(ap, const uint8_t *);
      if (b != NULL)
        sqlite3_bind_blob(st, i + 1, b, RP_WEB_TOTP_BYTES, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null(st, i + 1);
    } else {
      sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
    }
  }
  va_end(ap);
  rc = sqlite3_step(st);
  r = rc == SQLITE_DONE ? 0 : rp__sql_err(rc);
  if (r == 0 && sqlite3_changes(s->db) == 0) r = RP_ENOTFOUND;
  sqlite3_finalize(st);
  return r;
}

int rp__web_acct_add(rp__web_accts *s, const char *name, const char *pw_hash, int64_t now) {
  return run(s, "INSERT INTO accounts(name, pw, one_time, created) VALUES(?, ?, 1, ?)",
             "ssi", name, pw_hash, now);
}

int rp__web_acct_reset(rp__web_accts *s, const char *name, const char *pw_hash) {
  return run(s,
             "UPDATE accounts SET pw = ?, one_time = 1, totp = NULL, last_step = 0, "
             "failures = 0, locked_until = 0 WHERE name = ?",
             "ss", pw_hash, name);
}

int rp__web_acct_unlock(rp__web_accts *s, const char *name) {
  return run(s, "UPDATE accounts SET failures = 0, locked_until = 0 WHERE name = ?", "s",
             name);
}

int rp__web_acct_delete(rp__web_accts *s, const char *name) {
  return run(s, "DELETE FROM accounts WHERE name = ?", "s", name);
}

int rp__web_acct_failed(rp__web_accts *s, const char *name, int64_t now, unsigned max,
                        unsigned lockout_s, int *locked) {
  rp__web_acct a;
  int r;
  *locked = 0;
  /* One statement: two concurrent failures both count. */
  if ((r = run(s, "UPDATE accounts SET failures = failures + 1 WHERE name = ?", "s",
               name)) != 0)
    return r;
  if ((r = rp__web_acct_get(s, name, &a)) != 0) return r;
  if (a.failures >= max) {
    *locked = 1;
    r = run(s, "UPDATE accounts SET failures = 0, locked_until = ? WHERE name = ?", "is",
            now + (int64_t)lockout_s, name);
  }
  sodium_memzero(&a, sizeof a);
  return r;
}

int rp__web_acct_good(rp__web_accts *s, const char *name) {
  return run(s, "UPDATE accounts SET failures = 0 WHERE name = ?", "s", name);
}

int rp__web_acct_take_step(rp__web_accts *s, const char *name, int64_t step) {
  int r = run(s, "UPDATE accounts SET last_step = ? WHERE name = ? AND last_step < ?",
              "isi", step, name, step);
  return r == RP_ENOTFOUND ? RP_EEXIST : r;
}

int rp__web_acct_enrol(rp__web_accts *s, const char *name, const char *pw_hash,
                       const uint8_t totp[RP_WEB_TOTP_BYTES], int64_t step) {
  return run(s,
             "UPDATE accounts SET pw = ?, one_time = 0, totp = ?, last_step = ?, "
             "failures = 0, locked_until = 0 WHERE name = ? AND one_time = 1",
             "sbis", pw_hash, totp, step, name);
}

int rp__web_acct_each(rp__web_accts *s, void (*fn)(void *, const rp__web_acct *),
                      void *data) {
  sqlite3_stmt *st = NULL;
  rp__web_acct a;
  int r = rp__sql_prepare(s->db, "SELECT " COLS " FROM accounts ORDER BY name", &st), rc;
  if (r != 0) return r;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    row(st, &a);
    fn(data, &a);
  }
  sodium_memzero(&a, sizeof a);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : rp__sql_err(rc);
}

int rp__web_pw_hash(const char *pw, char out[crypto_pwhash_STRBYTES]) {
  return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
             ? 0
             : RP_ENOMEM;
}

int rp__web_pw_verify(const char *hash, const char *pw) {
  return hash[0] != 0 && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int rp__web_totp_check(const uint8_t secret[RP_WEB_TOTP_BYTES], int64_t now_s,
                       const char *code, int64_t *step) {
  int pos = 0;
  if (strlen(code) != 6 || strspn(code, "0123456789") != 6) return 0;
  int r = oath_totp_validate2((const char *)secret, RP_WEB_TOTP_BYTES, (time_t)now_s,
                              OATH_TOTP_DEFAULT_TIME_STEP_SIZE, 0, 1, &pos, code);
  if (r < 0) return 0;
  *step = now_s / OATH_TOTP_DEFAULT_TIME_STEP_SIZE + pos;
  return 1;
}
