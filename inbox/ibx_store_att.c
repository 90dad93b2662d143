/* SPDX-License-Identifier: MIT */
/*
 * Attachments in the inbox store. Each attachment has one row in `attachments` (its
 * descriptor, sealed) and its bytes in `attachment_pieces`, RP_IBX_ATT_PIECE bytes a
 * row, each piece sealed on its own under the data key with "msg_id/idx/piece" as
 * associated data: a piece cannot be moved to another message, attachment or place
 * undetected, and no step needs more than one piece in memory. They are written in the
 * message's own transaction (ibx_store.c) and deleted with its thread (purge).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibx_caps.h"
#include "ibx_datakey.h"
#include "ibx_store_att.h"
#include "payload.h"
#include "rejsepost_errors.h"

struct rp__ibx_att_sink {
  rp__ibx_store *st;
  const char *msg_id;
  unsigned idx;
  uint32_t piece;
  uint8_t *buf; /* one piece, sodium_malloc'd */
  size_t n;
  uint64_t total;
  crypto_hash_sha256_state h;
  int err;
};

static void ad_of(char *ad, size_t cap, const char *msg_id, unsigned idx,
                  const char *what) {
  snprintf(ad, cap, "%s/%u/%s", msg_id, idx, what);
}

static int put_piece(rp__ibx_att_sink *s) {
  sqlite3_stmt *q = NULL;
  uint8_t *ct = NULL;
  size_t ctlen = 0;
  char ad[96], num[16];
  int r;
  snprintf(num, sizeof num, "%u", s->piece);
  ad_of(ad, sizeof ad, s->msg_id, s->idx, num);
  if ((r = rp__ibx_seal(s->st->key, (const uint8_t *)ad, strlen(ad), s->buf, s->n, &ct,
                        &ctlen)) != 0)
    return r;
  r = rp__sql_prepare(s->st->db,
                      "INSERT INTO attachment_pieces(msg_id, idx, piece, data) "
                      "VALUES(?,?,?,?)",
                      &q);
  if (r == 0) {
    sqlite3_bind_text(q, 1, s->msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, (int)s->idx);
    sqlite3_bind_int64(q, 3, s->piece);
    sqlite3_bind_blob(q, 4, ct, (int)ctlen, SQLITE_STATIC);
    r = sqlite3_step(q) == SQLITE_DONE ? 0 : RP_EIO;
  }
  sqlite3_finalize(q);
  free(ct);
  sodium_memzero(s->buf, s->n);
  s->n = 0;
  s->piece++;
  return r;
}

int rp__ibx_att_put(rp__ibx_att_sink *s, const uint8_t *p, size_t n) {
  if (s->err != 0) return s->err;
  crypto_hash_sha256_update(&s->h, p, n);
  s->total += n;
  while (n > 0) {
    size_t k = RP_IBX_ATT_PIECE - s->n;
    if (k > n) k = n;
    memcpy(s->buf + s->n, p, k);
    s->n += k;
    p += k;
    n -= k;
    if (s->n == RP_IBX_ATT_PIECE && (s->err = put_piece(s)) != 0) return s->err;
  }
  return 0;
}

/* The descriptor as sealed: "size\npieces\nsha256\nkind\nmime\nname" (the name last, so
 * whatever it holds cannot shift the other fields). */
static int put_meta(rp__ibx_store *st, const char *msg_id, unsigned idx,
                    const rp__ibx_att *m) {
  sqlite3_stmt *q = NULL;
  uint8_t *ct = NULL;
  size_t ctlen = 0;
  char ad[96], pt[1024];
  int n = snprintf(pt, sizeof pt, "%llu\n%u\n%s\n%s\n%s\n%s", (unsigned long long)m->size,
                   m->pieces, m->sha256, m->kind, m->mime, m->name),
      r;
  if (n < 0 || (size_t)n >= sizeof pt) return RP_ETOOBIG;
  ad_of(ad, sizeof ad, msg_id, idx, "meta");
  r = rp__ibx_seal(st->key, (const uint8_t *)ad, strlen(ad), (const uint8_t *)pt, (size_t)n,
                   &ct, &ctlen);
  sodium_memzero(pt, sizeof pt);
  if (r != 0) return r;
  r = rp__sql_prepare(st->db, "INSERT INTO attachments(msg_id, idx, meta) VALUES(?,?,?)",
                      &q);
  if (r == 0) {
    sqlite3_bind_text(q, 1, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, (int)idx);
    sqlite3_bind_blob(q, 3, ct, (int)ctlen, SQLITE_STATIC);
    r = sqlite3_step(q) == SQLITE_DONE ? 0 : RP_EIO;
  }
  sqlite3_finalize(q);
  free(ct);
  return r;
}

int rp__ibx_store_add_atts(rp__ibx_store *st, const rp__ibx_msg *m) {
  rp__ibx_att_sink s;
  rp__ibx_att meta;
  uint8_t digest[32];
  int r = 0;
  if (m->natt == 0) return 0;
  if (m->att_src == NULL) return RP_EINVAL;
  memset(&s, 0, sizeof s);
  if ((s.buf = sodium_malloc(RP_IBX_ATT_PIECE)) == NULL) return RP_ENOMEM;
  s.st = st;
  s.msg_id = m->msg_id;
  for (unsigned i = 0; r == 0 && i < m->natt; i++) {
    memset(&meta, 0, sizeof meta);
    s.idx = i;
    s.piece = 0;
    s.n = 0;
    s.total = 0;
    s.err = 0;
    crypto_hash_sha256_init(&s.h);
    if ((r = m->att_src(m->att_ctx, i, &meta, &s)) == 0) r = s.err;
    /* The last piece, shorter (or the only one, even empty: a 0-byte file is a piece). */
    if (r == 0 && (s.n > 0 || s.piece == 0)) r = put_piece(&s);
    if (r != 0) break;
    crypto_hash_sha256_final(&s.h, digest);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if (meta.sha256[0] != 0 && strcmp(meta.sha256, hex) != 0) {
      r = RP_EDIGEST;
      break;
    }
    memcpy(meta.sha256, hex, sizeof hex);
    meta.size = s.total;
    meta.pieces = s.piece;
    r = put_meta(st, m->msg_id, i, &meta);
  }
  sodium_free(s.buf);
  return r;
}

static char *field(char **p) {
  char *s = *p, *nl = s != NULL ? strchr(s, '\n') : NULL;
  if (nl == NULL) {
    *p = NULL;
    return s;
  }
  *nl = 0;
  *p = nl + 1;
  return s;
}

static int open_meta(rp__ibx_store *st, sqlite3_stmt *q, rp__ibx_att *a) {
  uint8_t *pt = NULL;
  size_t n = 0;
  char ad[96], *p, *f[6];
  int r;
  memset(a, 0, sizeof *a);
  rp__sql_col_text(q, 0, a->msg_id, sizeof a->msg_id);
  a->idx = (unsigned)sqlite3_column_int(q, 1);
  a->dir = sqlite3_column_int(q, 3);
  ad_of(ad, sizeof ad, a->msg_id, a->idx, "meta");
  if ((r = rp__ibx_open(st->key, (const uint8_t *)ad, strlen(ad), sqlite3_column_blob(q, 2),
                        (size_t)sqlite3_column_bytes(q, 2), &pt, &n)) != 0)
    return r;
  p = (char *)pt;
  for (int i = 0; i < 5; i++)
    f[i] = field(&p);
  f[5] = p;
  if (f[5] == NULL)
    r = RP_EMALFORMED;
  else {
    a->size = strtoull(f[0], NULL, 10);
    a->pieces = (uint32_t)strtoul(f[1], NULL, 10);
    snprintf(a->sha256, sizeof a->sha256, "%s", f[2]);
    snprintf(a->kind, sizeof a->kind, "%s", f[3]);
    snprintf(a->mime, sizeof a->mime, "%s", f[4]);
    snprintf(a->name, sizeof a->name, "%s", f[5]);
  }
  sodium_memzero(pt, n);
  free(pt);
  return r;
}

int rp__ibx_store_thread_atts(rp__ibx_store *st, const char *thread_id, rp__ibx_att **out,
                              unsigned *n) {
  const unsigned cap = RP_IBX_THREAD_MSGS_MAX * RP_PAYLOAD_ATTACHMENTS_MAX;
  sqlite3_stmt *q = NULL;
  rp__ibx_att *v = NULL, *nv;
  unsigned k = 0, have = 0;
  int r, rc;
  *out = NULL;
  *n = 0;
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT a.msg_id, a.idx, a.meta, m.dir FROM attachments a JOIN "
                      "messages m ON m.msg_id = a.msg_id WHERE m.thread_id = ? "
                      "ORDER BY m.stored, m.rowid, a.idx",
                      &q);
  if (r == 0) {
    sqlite3_bind_text(q, 1, thread_id, -1, SQLITE_STATIC);
    while (r == 0 && k < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
      if (k == have) {
        have = have == 0 ? 4 : have * 2;
        if ((nv = realloc(v, have * sizeof *v)) == NULL) {
          r = RP_ENOMEM;
          break;
        }
        v = nv;
      }
      if ((r = open_meta(st, q, &v[k])) == 0) v[k].n = k + 1, k++;
    }
  }
  sqlite3_finalize(q);
  pthread_mutex_unlock(&st->mu);
  if (r != 0) {
    free(v);
    return r;
  }
  *out = v;
  *n = k;
  return 0;
}

int rp__ibx_store_att_piece(rp__ibx_store *st, const char *msg_id, unsigned idx,
                            uint32_t piece, uint8_t **pt, size_t *n) {
  sqlite3_stmt *q = NULL;
  char ad[96], num[16];
  int r, rc;
  *pt = NULL;
  *n = 0;
  snprintf(num, sizeof num, "%u", piece);
  ad_of(ad, sizeof ad, msg_id, idx, num);
  pthread_mutex_lock(&st->mu);
  r = rp__sql_prepare(st->db,
                      "SELECT data FROM attachment_pieces WHERE msg_id = ? AND idx = ? AND "
                      "piece = ?",
                      &q);
  if (r == 0) {
    sqlite3_bind_text(q, 1, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, (int)idx);
    sqlite3_bind_int64(q, 3, piece);
    if ((rc = sqlite3_step(q)) == SQLITE_ROW)
      r = rp__ibx_open(st->key, (const uint8_t *)ad, strlen(ad), sqlite3_column_blob(q, 0),
                       (size_t)sqlite3_column_bytes(q, 0), pt, n);
    else
      r = rc == SQLITE_DONE ? RP_ENOTFOUND : RP_EIO;
  }
  sqlite3_finalize(q);
  pthread_mutex_unlock(&st->mu);
  return r;
}
