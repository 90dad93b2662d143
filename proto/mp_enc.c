/* SPDX-License-Identifier: MIT */
/*
 * Encoding side of the schema engine. Applies the same rules as decoding, so that we
 * never emit a document that we (or a peer running the same code) would refuse.
 */
#include <string.h>

#include "mp.h"

#define CAT(base, off, type) ((const type *)((const char *)(base) + (off)))

static int buf_write(void *data, const char *b, size_t n) {
  /* msgpack-c's write callbacks answer 0 or -1. */
  return rp__buf_put(data, b, n) == 0 ? 0 : -1;
}

void rp__mp_buf_packer(rp__buf *b, msgpack_packer *pk) {
  msgpack_packer_init(pk, b, buf_write);
}

/* Whether an optional field holds a value worth emitting ("zero means absent"). */
static bool present(const rp__field *f, const void *in) {
  if (f->flags & RP__REQ) return true;
  switch (f->type) {
  case RP__F_VERSION:
    return true;
  case RP__F_UINT:
    return *CAT(in, f->off, uint64_t) != 0;
  case RP__F_BOOL:
    return *CAT(in, f->off, bool);
  case RP__F_STR:
    return CAT(in, f->off, rp__str)->n != 0;
  case RP__F_BIN:
    return CAT(in, f->off, rp__bin)->n != 0;
  case RP__F_FIXBIN: {
    const uint8_t *p = CAT(in, f->off, uint8_t);
    for (uint64_t i = 0; i < f->max; i++)
      if (p[i] != 0) return true;
    return false;
  }
  case RP__F_ENUM:
    return *CAT(in, f->off, int) != 0;
  case RP__F_SET:
    return *CAT(in, f->off, uint64_t) != 0;
  case RP__F_STRUCT:
    return (f->flags & RP__HAS) ? *CAT(in, f->has_off, bool) : true;
  case RP__F_LIST:
  case RP__F_STRLIST:
    return *CAT(in, f->count_off, uint32_t) != 0;
  default:
    return false;
  }
}

static int put_str(msgpack_packer *pk, rp__str s, uint64_t min, uint64_t max) {
  if (s.n < min || s.n > max) return RP_ETOOBIG;
  if (s.n != 0 && s.p == NULL) return RP_EINVAL;
  int r = rp__utf8_check(s.p, s.n);
  if (r != 0) return r;
  msgpack_pack_str(pk, s.n);
  msgpack_pack_str_body(pk, s.p, s.n);
  return 0;
}

static int put_enum(msgpack_packer *pk, const rp__enum *e, int idx) {
  if (idx < 1 || (uint32_t)idx > e->n) return RP_EENUM;
  return put_str(pk, rp__str_c(e->names[idx - 1]), 0, UINT32_MAX);
}

static int encode_field(const rp__field *f, const void *in, msgpack_packer *pk,
                        const char **where) {
  int r = 0;
  switch (f->type) {
  case RP__F_VERSION:
    msgpack_pack_uint32(pk, RP_SCHEMA_VERSION);
    return 0;
  case RP__F_UINT: {
    uint64_t v = *CAT(in, f->off, uint64_t);
    if (v < f->min || v > f->max) return RP_ETOOBIG;
    msgpack_pack_uint64(pk, v);
    return 0;
  }
  case RP__F_BOOL:
    if (*CAT(in, f->off, bool))
      msgpack_pack_true(pk);
    else
      msgpack_pack_false(pk);
    return 0;
  case RP__F_STR:
    return put_str(pk, *CAT(in, f->off, rp__str), f->min, f->max);
  case RP__F_BIN: {
    const rp__bin *b = CAT(in, f->off, rp__bin);
    if (b->n < f->min || b->n > f->max) return RP_ETOOBIG;
    if (b->n != 0 && b->p == NULL) return RP_EINVAL;
    msgpack_pack_bin(pk, b->n);
    msgpack_pack_bin_body(pk, b->p, b->n);
    return 0;
  }
  case RP__F_FIXBIN:
    msgpack_pack_bin(pk, (size_t)f->max);
    msgpack_pack_bin_body(pk, CAT(in, f->off, uint8_t), (size_t)f->max);
    return 0;
  case RP__F_ENUM:
    return put_enum(pk, f->enm, *CAT(in, f->off, int));
  case RP__F_SET: {
    uint64_t bits = *CAT(in, f->off, uint64_t);
    uint32_t n = 0;
    if (f->enm->n < 64 && (bits >> f->enm->n) != 0) return RP_EENUM;
    for (uint32_t i = 0; i < f->enm->n; i++)
      n += (bits >> i) & 1;
    if (n > f->max) return RP_ETOOBIG;
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < f->enm->n; i++)
      if ((bits >> i) & 1)
        if ((r = put_enum(pk, f->enm, (int)i + 1)) != 0) return r;
    return 0;
  }
  case RP__F_STRUCT:
    return rp__mp_encode_pk(f->sub, CAT(in, f->off, void), pk, where);
  case RP__F_LIST:
  case RP__F_STRLIST: {
    uint32_t n = *CAT(in, f->count_off, uint32_t);
    if (n > f->max) return RP_ETOOBIG;
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++) {
      if (f->type == RP__F_LIST)
        r = rp__mp_encode_pk(f->sub, CAT(in, f->off + i * f->sub->size, void), pk, where);
      else
        r = put_str(pk, *CAT(in, f->off + i * sizeof(rp__str), rp__str), 0, f->elem_max);
      if (r != 0) return r;
    }
    return 0;
  }
  default:
    return RP_EINTERNAL;
  }
}

int rp__mp_encode_pk(const rp__schema *s, const void *in, msgpack_packer *pk,
                     const char **where) {
  int r = 0;
  uint32_t n = 0;
  if (where) *where = s->name;
  if (s->check != NULL && (r = s->check(in, where)) != 0) return r;
  for (uint32_t i = 0; i < s->nfields; i++)
    n += present(&s->fields[i], in);
  msgpack_pack_map(pk, n);
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    if (!present(f, in)) continue;
    if (where) *where = f->name;
    msgpack_pack_uint32(pk, f->key);
    if ((r = encode_field(f, in, pk, where)) != 0) return r;
  }
  return 0;
}

int rp__mp_encode(const rp__schema *s, const void *in, uint8_t *buf, size_t cap,
                  size_t *len, const char **where) {
  rp__buf b;
  msgpack_packer pk;
  *len = 0;
  rp__buf_init_mem(&b, buf, cap);
  rp__mp_buf_packer(&b, &pk);
  int r = rp__mp_encode_pk(s, in, &pk, where);
  if (r != 0) return r;
  if (b.overflow) return RP_ETOOBIG;
  *len = b.len;
  return 0;
}
