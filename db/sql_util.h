/* SPDX-License-Identifier: MIT */
/*
 * The SQLite helpers every store shares (issue 10: one of each): the client library's
 * outbox and inbox (client/store*.c), the relay's spool (server/spool*.c) and the
 * advisor inbox (inbox/ibx_store*.c). Each store keeps its own schema, pragmas and
 * queries; what is here is what they all did alike: map SQLite's result codes to ours,
 * run and prepare statements, read columns into fixed buffers, read a one-row PRAGMA,
 * and create a database file that is private from the start.
 *
 * Why a library of its own (db/, target rpdb) and not proto/: proto is the protocol core,
 * which two parties must agree on, and sans-IO; it links only libsodium and msgpack-c,
 * and the fuzz harnesses and the protocol tests link it without SQLite. Everything that
 * keeps a store sits above proto, so this sits beside it, with SQLite as its only
 * dependency.
 *
 * None of these functions lock: each store serialises its own connection.
 */
#ifndef RP_SQL_UTIL_H
#define RP_SQL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* An SQLite result code as ours: 0 for SQLITE_OK, SQLITE_ROW and SQLITE_DONE; RP_ENOMEM,
 * RP_EEXIST (a constraint), RP_EFSYNC (disk full or an I/O error), else RP_EIO. Extended
 * codes are read by their primary code. */
int rp__sql_err(int sqlite_rc);

/* Runs one or more statements that return no rows. rp__sql_err of the result. */
int rp__sql_exec(sqlite3 *db, const char *sql);

/* Prepares one statement into *stmt (NULL on failure). rp__sql_err of the result. */
int rp__sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt);

/* Runs a one-row PRAGMA (or any one-value query) and copies its value as text into buf
 * ("" if it returns no row). Returns the SQLite result code (SQLITE_OK on success), so
 * that the caller can report SQLite's own message. */
int rp__sql_pragma_text(sqlite3 *db, const char *sql, char *buf, size_t len);

/* Copies text column col into out (cap bytes, cut there, always NUL-terminated; "" for
 * NULL). */
void rp__sql_col_text(sqlite3_stmt *s, int col, char *out, size_t cap);

/* Copies blob column col into out if it is exactly n bytes; otherwise out is all zero. */
void rp__sql_col_fixed(sqlite3_stmt *s, int col, uint8_t *out, size_t n);

/* Copies blob column col into malloc'd *val (at least one byte allocated, so that an
 * empty blob is not NULL). 0 or RP_ENOMEM; *val and *len cleared on entry. */
int rp__sql_col_blob(sqlite3_stmt *s, int col, uint8_t **val, size_t *len);

/* A store's key-value table, made by the store's own schema as
 *   CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL)
 * rp__sql_meta_put stores v[n] under k, replacing what was there. rp__sql_meta_get reads
 * it into malloc'd *v (*v and *n cleared on entry, set on success); RP_ENOTFOUND if k has
 * no value. Both return rp__sql_err codes otherwise. */
int rp__sql_meta_put(sqlite3 *db, const char *k, const void *v, size_t n);
int rp__sql_meta_get(sqlite3 *db, const char *k, uint8_t **v, size_t *n);

/* Creates the database file at path with mode 0600 if it does not exist, and sets 0600
 * if it does, before SQLite opens it: SQLite would create it with the umask's mode, and
 * its WAL and shared-memory files take the database file's mode. A symbolic link in the
 * file's place is refused. 0 or RP_EIO. */
int rp__sql_create_private(const char *path);

#endif /* RP_SQL_UTIL_H */
