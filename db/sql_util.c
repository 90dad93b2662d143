/* SPDX-License-Identifier: MIT */
#include "sql_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rejsepost_errors.h"

int rp__sql_err(int sqlite_rc) {
  switch (sqlite_rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW:
    return 0;
  case SQLITE_NOMEM:
    return RP_ENOMEM;
  case SQLITE_CONSTRAINT:
    return RP_EEXIST;
  case SQLITE_FULL:
  case SQLITE_IOERR:
    return RP_EFSYNC;
  default:
    return RP_EIO;
  }
}

int rp__sql_exec(sqlite3 *db, const char *sql) {
  return rp__sql_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int rp__sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt) {
  return rp__sql_err(sqlite3_prepare_v2(db, sql, -1, stmt, NULL));
}

int rp__sql_pragma_text(sqlite3 *db, const char *sql, char *buf, size_t len) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  buf[0] = '\0';
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    rp__sql_col_text(st, 0, buf, len);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

void rp__sql_col_text(sqlite3_stmt *s, int col, char *out, size_t cap) {
  const unsigned char *p = sqlite3_column_text(s, col);
  snprintf(out, cap, "%s", p != NULL ? (const char *)p : "");
}

void rp__sql_col_fixed(sqlite3_stmt *s, int col, uint8_t *out, size_t n) {
  const void *p = sqlite3_column_blob(s, col);
  memset(out, 0, n);
  if (p != NULL && (size_t)sqlite3_column_bytes(s, col) == n) memcpy(out, p, n);
}

int rp__sql_col_blob(sqlite3_stmt *s, int col, uint8_t **val, size_t *len) {
  const void *p = sqlite3_column_blob(s, col);
  int n = sqlite3_column_bytes(s, col);
  *val = NULL;
  *len = 0;
  if ((*val = malloc(n > 0 ? (size_t)n : 1)) == NULL) return RP_ENOMEM;
  if (n > 0) memcpy(*val, p, (size_t)n);
  *len = (size_t)n;
  return 0;
}

int rp__sql_meta_put(sqlite3 *db, const char *k, const void *v, size_t n) {
  sqlite3_stmt *s = NULL;
  int rc;
  if (n > INT32_MAX) return RP_ETOOBIG;
  if ((rc = rp__sql_prepare(db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", &s)) ==
      0) {
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, n > 0 ? v : "", (int)n, SQLITE_STATIC);
    rc = rp__sql_err(sqlite3_step(s));
  }
  sqlite3_finalize(s);
  return rc;
}

int rp__sql_meta_get(sqlite3 *db, const char *k, uint8_t **v, size_t *n) {
  sqlite3_stmt *s = NULL;
  int rc;
  *v = NULL;
  *n = 0;
  if ((rc = rp__sql_prepare(db, "SELECT v FROM meta WHERE k = ?", &s)) != 0) return rc;
  sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    rc = rp__sql_col_blob(s, 0, v, n);
  else
    rc = rc == SQLITE_DONE ? RP_ENOTFOUND : rp__sql_err(rc);
  sqlite3_finalize(s);
  return rc;
}

int rp__sql_create_private(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return RP_EIO;
  if (fchmod(fd, 0600) != 0) {
    close(fd);
    return RP_EIO;
  }
  close(fd);
  return 0;
}
