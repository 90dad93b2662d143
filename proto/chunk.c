/* SPDX-License-Identifier: MIT */
/* Attachment chunks: plan, padding, seal, writer and reader; see chunk.h. */
#include "chunk.h"

#include <string.h>

#include "rejsepost_errors.h"

_Static_assert(RP__CHUNK_COUNT_MAX == 262144u, "16 attachments of 4 GiB in 256 KiB chunks");
_Static_assert(RP__CHUNK_KEYBYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(RP__CHUNK_NONCEBYTES == crypto_aead_chacha20poly1305_ietf_NPUBBYTES,
               "nonce");
_Static_assert(RP__CHUNK_TAGBYTES == crypto_aead_chacha20poly1305_ietf_ABYTES, "tag");

enum { ST_NONE = 0, ST_OPEN = 1, ST_FAILED = 2 };

uint64_t rp__chunk_count(uint64_t size) {
  return size == 0 ? 1 : size / RP__CHUNK_SIZE + (size % RP__CHUNK_SIZE != 0);
}

int rp__chunk_plan(const uint64_t *sizes, uint32_t n_att, uint64_t att_cap,
                   uint64_t total_cap, uint64_t *n_chunks) {
  if (n_chunks != NULL) *n_chunks = 0;
  if (sizes == NULL || n_chunks == NULL || n_att == 0 || n_att > RP_PAYLOAD_ATTACHMENTS_MAX)
    return RP_EINVAL;
  if (att_cap > RP__CHUNK_ATTACHMENT_MAX) att_cap = RP__CHUNK_ATTACHMENT_MAX;
  uint64_t total = 0, n = 0;
  for (uint32_t i = 0; i < n_att; i++) {
    if (sizes[i] > att_cap) return RP_ETOOBIG;
    total += sizes[i]; /* at most 16 * 4 GiB: no overflow */
    n += rp__chunk_count(sizes[i]);
  }
  if (total > total_cap) return RP_ETOOBIG;
  *n_chunks = n;
  return 0;
}

size_t rp__chunk_padded(size_t len) {
  if (len > RP__CHUNK_SIZE) return 0;
  size_t p = RP__CHUNK_PAD_MIN;
  while (p < len)
    p <<= 1;
  return p;
}

size_t rp__chunk_sealed_size(size_t len) {
  size_t p = rp__chunk_padded(len);
  return p == 0 ? 0 : p + RP__CHUNK_TAGBYTES;
}

static void be(uint8_t *p, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; i--, v >>= 8)
    p[i - 1] = (uint8_t)v;
}

void rp__chunk_nonce(uint8_t nonce[RP__CHUNK_NONCEBYTES], uint64_t g) {
  memset(nonce, 0, 4);
  be(nonce + 4, g, 8);
}

void rp__chunk_aad(uint8_t aad[RP__CHUNK_AADBYTES], const uint8_t msg_id[RP_MSG_ID_BYTES],
                   uint32_t att, uint64_t j, bool final) {
  memcpy(aad, msg_id, RP_MSG_ID_BYTES);
  be(aad + 16, att, 4);
  be(aad + 20, j, 8);
  aad[28] = final ? 1 : 0;
}

int rp__chunk_seal(const uint8_t key[RP__CHUNK_KEYBYTES],
                   const uint8_t msg_id[RP_MSG_ID_BYTES], uint32_t att, uint64_t j,
                   uint64_t g, bool final, const uint8_t *pt, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len) {
  if (out_len != NULL) *out_len = 0;
  if (key == NULL || msg_id == NULL || out == NULL || out_len == NULL ||
      (pt == NULL && len != 0) || len > RP__CHUNK_SIZE)
    return RP_EINVAL;
  size_t padded = rp__chunk_padded(len);
  if (cap < padded + RP__CHUNK_TAGBYTES) return RP_EINVAL;

  uint8_t nonce[RP__CHUNK_NONCEBYTES], aad[RP__CHUNK_AADBYTES];
  rp__chunk_nonce(nonce, g);
  rp__chunk_aad(aad, msg_id, att, j, final);
  if (len != 0 && pt != out) memmove(out, pt, len);
  memset(out + len, 0, padded - len);
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + padded, NULL, out, padded,
                                                     aad, sizeof aad, NULL, nonce, key);
  *out_len = padded + RP__CHUNK_TAGBYTES;
  return 0;
}

/* Bytes of chunk j of an attachment of `size` bytes. */
static size_t chunk_len(uint64_t size, uint64_t j) {
  uint64_t start = j * RP__CHUNK_SIZE;
  uint64_t left = size > start ? size - start : 0;
  return (size_t)(left < RP__CHUNK_SIZE ? left : RP__CHUNK_SIZE);
}

/* ---- writer ---- */

int rp__chunk_writer_init(rp__chunk_writer *w, const uint8_t key[RP__CHUNK_KEYBYTES],
                          const uint8_t msg_id[RP_MSG_ID_BYTES], const uint64_t *sizes,
                          uint32_t n_att) {
  if (w == NULL) return RP_EINVAL;
  sodium_memzero(w, sizeof *w);
  if (key == NULL || msg_id == NULL) return RP_EINVAL;
  uint64_t n = 0;
  int rc = rp__chunk_plan(sizes, n_att, RP__CHUNK_ATTACHMENT_MAX, UINT64_MAX, &n);
  if (rc != 0) return rc;
  memcpy(w->key, key, sizeof w->key);
  memcpy(w->msg_id, msg_id, sizeof w->msg_id);
  memcpy(w->sizes, sizes, n_att * sizeof sizes[0]);
  w->n_att = n_att;
  w->n_chunks = n;
  rp__sha256_init(&w->h);
  w->state = ST_OPEN;
  return 0;
}

int rp__chunk_writer_expect(const rp__chunk_writer *w, uint32_t *att, size_t *len) {
  if (att != NULL) *att = 0;
  if (len != NULL) *len = 0;
  if (w == NULL || att == NULL || len == NULL) return RP_EINVAL;
  if (w->state != ST_OPEN || w->g >= w->n_chunks) return RP_ESTATE;
  *att = w->att;
  *len = chunk_len(w->sizes[w->att], w->j);
  return 0;
}

int rp__chunk_writer_next(rp__chunk_writer *w, const uint8_t *data, size_t len,
                          uint8_t *out, size_t cap, size_t *out_len, uint64_t *g) {
  if (out_len != NULL) *out_len = 0;
  if (g != NULL) *g = 0;
  if (w == NULL || out_len == NULL || g == NULL || out == NULL ||
      (data == NULL && len != 0))
    return RP_EINVAL;
  if (w->state != ST_OPEN || w->g >= w->n_chunks) return RP_ESTATE;
  uint64_t n_a = rp__chunk_count(w->sizes[w->att]);
  bool final = w->j + 1 == n_a;
  if (len != chunk_len(w->sizes[w->att], w->j)) return RP_EINVAL;
  /* Hash before sealing: sealing may be in place (data == out). */
  if (cap < rp__chunk_sealed_size(len)) return RP_EINVAL;
  rp__sha256_update(&w->h, data, len);
  size_t n = 0;
  int rc =
      rp__chunk_seal(w->key, w->msg_id, w->att, w->j, w->g, final, data, len, out, cap, &n);
  if (rc != 0) return RP_EINTERNAL; /* every argument was checked above */
  *out_len = n;
  *g = w->g;
  w->g++;
  if (final) {
    rp__sha256_final(&w->h, w->sha256[w->att]);
    rp__sha256_init(&w->h);
    w->att++;
    w->j = 0;
  } else {
    w->j++;
  }
  return 0;
}

int rp__chunk_writer_sha256(const rp__chunk_writer *w, uint32_t att, uint8_t out[32]) {
  if (out != NULL) memset(out, 0, 32);
  if (w == NULL || out == NULL) return RP_EINVAL;
  if (w->state != ST_OPEN) return RP_ESTATE;
  if (att >= w->n_att) return RP_EINVAL;
  if (att >= w->att) return RP_ESTATE; /* not sealed to the end yet */
  memcpy(out, w->sha256[att], 32);
  return 0;
}

bool rp__chunk_writer_done(const rp__chunk_writer *w) {
  return w != NULL && w->state == ST_OPEN && w->g == w->n_chunks;
}

void rp__chunk_writer_wipe(rp__chunk_writer *w) {
  if (w != NULL) sodium_memzero(w, sizeof *w);
}

/* ---- reader ---- */

int rp__chunk_reader_init(rp__chunk_reader *r, const uint8_t key[RP__CHUNK_KEYBYTES],
                          const uint8_t msg_id[RP_MSG_ID_BYTES], const uint64_t *sizes,
                          const uint8_t (*sha256)[32], uint32_t n_att, uint64_t att_cap,
                          uint64_t total_cap) {
  if (r == NULL) return RP_EINVAL;
  sodium_memzero(r, sizeof *r);
  if (key == NULL || msg_id == NULL || sha256 == NULL) return RP_EINVAL;
  uint64_t n = 0;
  int rc = rp__chunk_plan(sizes, n_att, att_cap, total_cap, &n);
  if (rc != 0) return rc;
  memcpy(r->key, key, sizeof r->key);
  memcpy(r->msg_id, msg_id, sizeof r->msg_id);
  memcpy(r->sizes, sizes, n_att * sizeof sizes[0]);
  memcpy(r->sha256, sha256, n_att * sizeof sha256[0]);
  r->n_att = n_att;
  r->n_chunks = n;
  rp__sha256_init(&r->h);
  r->state = ST_OPEN;
  return 0;
}

/* The checks in chunk.h's order; the caller fails the reader on any error. */
static int reader_open(rp__chunk_reader *r, uint64_t g, const uint8_t *ct, size_t ct_len,
                       uint8_t *pt, size_t cap, size_t *pt_len, uint32_t *att,
                       bool *att_done) {
  if (g < r->next) return RP_EDUPLICATE;
  if (g > r->next) return RP_EORDER;
  if (g >= r->n_chunks) return RP_EEXCESS;
  size_t len = chunk_len(r->sizes[r->att], r->j);
  size_t padded = rp__chunk_padded(len);
  if (cap < padded) return RP_EINVAL;
  if (ct_len != padded + RP__CHUNK_TAGBYTES) return RP_ESIZE;

  bool final = r->j + 1 == rp__chunk_count(r->sizes[r->att]);
  uint8_t nonce[RP__CHUNK_NONCEBYTES], aad[RP__CHUNK_AADBYTES];
  rp__chunk_nonce(nonce, g);
  rp__chunk_aad(aad, r->msg_id, r->att, r->j, final);
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          pt, NULL, ct, padded, ct + padded, aad, sizeof aad, nonce, r->key) != 0)
    return RP_EAUTH;
  if (!sodium_is_zero(pt + len, padded - len)) return RP_EMALFORMED;
  rp__sha256_update(&r->h, pt, len);
  if (final) {
    uint8_t got[32];
    rp__sha256_final(&r->h, got);
    int same = sodium_memcmp(got, r->sha256[r->att], sizeof got);
    sodium_memzero(got, sizeof got);
    if (same != 0) return RP_EDIGEST;
    rp__sha256_init(&r->h);
  }
  *pt_len = len;
  *att = r->att;
  *att_done = final;
  r->next++;
  if (final) {
    r->att++;
    r->j = 0;
  } else {
    r->j++;
  }
  return 0;
}

int rp__chunk_reader_open(rp__chunk_reader *r, uint64_t g, const uint8_t *ct, size_t ct_len,
                          uint8_t *pt, size_t cap, size_t *pt_len, uint32_t *att,
                          bool *att_done) {
  if (pt_len != NULL) *pt_len = 0;
  if (att != NULL) *att = 0;
  if (att_done != NULL) *att_done = false;
  if (r == NULL) return RP_EINVAL;
  if (r->state != ST_OPEN) return RP_ESTATE;
  int rc = RP_EINVAL;
  if (ct != NULL && pt != NULL && pt_len != NULL && att != NULL && att_done != NULL)
    rc = reader_open(r, g, ct, ct_len, pt, cap, pt_len, att, att_done);
  if (rc != 0) {
    r->state = ST_FAILED;
    sodium_memzero(&r->h, sizeof r->h);
    if (pt != NULL) sodium_memzero(pt, cap < RP__CHUNK_SIZE ? cap : RP__CHUNK_SIZE);
    return rc;
  }
  return 0;
}

uint64_t rp__chunk_reader_next(const rp__chunk_reader *r) {
  return r == NULL ? 0 : r->next;
}

int rp__chunk_reader_finish(const rp__chunk_reader *r) {
  if (r == NULL) return RP_EINVAL;
  if (r->state != ST_OPEN) return RP_ESTATE;
  return r->next == r->n_chunks ? 0 : RP_ETRUNC;
}

void rp__chunk_reader_wipe(rp__chunk_reader *r) {
  if (r != NULL) sodium_memzero(r, sizeof *r);
}
