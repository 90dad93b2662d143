/* SPDX-License-Identifier: MIT */
/*
 * The schema engine: decodes and encodes every rejsepost document from its field table.
 * See mp.h for the rules; they are enforced here once, for every schema.
 */
#include <string.h>

#include "mp.h"

#define AT(base, off, type) ((type *)((char *)(base) + (off)))
#define CAT(base, off, type) ((const type *)((const char *)(base) + (off)))

int rp__mp_unpack(const uint8_t *buf, size_t len, msgpack_unpacked *out) {
  size_t used = 0, off = 0;
  int r = rp__mp_check(buf, len, &used);
  if (r != 0) return r;
  if (used != len) return RP_EMALFORMED;
  msgpack_unpacked_init(out);
  msgpack_unpack_return ur = msgpack_unpack_next(out, (const char *)buf, len, &off);
  if (ur != MSGPACK_UNPACK_SUCCESS || off != len) {
    msgpack_unpacked_destroy(out);
    /* The structural check already proved the bytes complete and well-formed, so a
     * failure here is memory or a disagreement with msgpack-c. */
    return ur == MSGPACK_UNPACK_NOMEM_ERROR ? RP_ENOMEM : RP_EMALFORMED;
  }
  return 0;
}

int rp__mp_map_uint(const msgpack_object *obj, uint32_t key, uint64_t *val) {
  *val = 0;
  if (obj->type != MSGPACK_OBJECT_MAP) return RP_ETYPE;
  for (uint32_t i = 0; i < obj->via.map.size; i++) {
    const msgpack_object_kv *kv = &obj->via.map.ptr[i];
    if (kv->key.type == MSGPACK_OBJECT_POSITIVE_INTEGER && kv->key.via.u64 == key) {
      if (kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER) return RP_ETYPE;
      *val = kv->val.via.u64;
      return 0;
    }
  }
  return RP_EMISSING;
}

int rp__enum_find(const rp__enum *e, const char *name) {
  for (uint32_t i = 0; name != NULL && i < e->n; i++)
    if (strcmp(e->names[i], name) == 0) return (int)i + 1;
  return 0;
}

const char *rp__enum_at(const rp__enum *e, int idx) {
  return idx >= 1 && (uint32_t)idx <= e->n ? e->names[idx - 1] : NULL;
}

static int enum_lookup(const rp__enum *e, const msgpack_object *o, int *idx) {
  if (o->type != MSGPACK_OBJECT_STR) return RP_ETYPE;
  for (uint32_t i = 0; i < e->n; i++) {
    size_t n = strlen(e->names[i]);
    if (o->via.str.size == n && memcmp(o->via.str.ptr, e->names[i], n) == 0) {
      *idx = (int)i + 1;
      return 0;
    }
  }
  return RP_EENUM;
}

static int get_str(const msgpack_object *o, uint64_t min, uint64_t max, rp__str *out) {
  if (o->type != MSGPACK_OBJECT_STR) return RP_ETYPE;
  if (o->via.str.size < min || o->via.str.size > max) return RP_ETOOBIG;
  int r = rp__utf8_check(o->via.str.ptr, o->via.str.size);
  if (r != 0) return r;
  out->p = o->via.str.ptr;
  out->n = o->via.str.size;
  return 0;
}

static int decode_field(const rp__field *f, const msgpack_object *o, void *out,
                        const char **where);

int rp__mp_decode_obj(const rp__schema *s, const msgpack_object *obj, void *out,
                      const char **where) {
  uint64_t seen = 0;
  int r = 0;
  memset(out, 0, s->size);
  if (where) *where = s->name;
  if (obj->type != MSGPACK_OBJECT_MAP) return RP_ETYPE;
  for (uint32_t i = 0; i < obj->via.map.size; i++) {
    const msgpack_object_kv *kv = &obj->via.map.ptr[i];
    if (kv->key.type != MSGPACK_OBJECT_POSITIVE_INTEGER) return RP_EMALFORMED;
    uint32_t fi;
    for (fi = 0; fi < s->nfields; fi++)
      if (s->fields[fi].key == kv->key.via.u64) break;
    if (fi == s->nfields) {
      /* Unknown key: a newer peer's optional field. Refuse duplicates of these too. */
      for (uint32_t j = 0; j < i; j++)
        if (obj->via.map.ptr[j].key.type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
            obj->via.map.ptr[j].key.via.u64 == kv->key.via.u64)
          return RP_EMALFORMED;
      continue;
    }
    if (seen & (1ull << fi)) {
      if (where) *where = s->fields[fi].name;
      return RP_EMALFORMED;
    }
    seen |= 1ull << fi;
    r = decode_field(&s->fields[fi], &kv->val, out, where);
    if (r != 0) return r;
  }
  for (uint32_t fi = 0; fi < s->nfields; fi++) {
    if ((s->fields[fi].flags & RP__REQ) && !(seen & (1ull << fi))) {
      if (where) *where = s->fields[fi].name;
      return RP_EMISSING;
    }
  }
  if (s->check != NULL && (r = s->check(out, where)) != 0) return r;
  return 0;
}

static int decode_field(const rp__field *f, const msgpack_object *o, void *out,
                        const char **where) {
  int r = 0;
  if (where) *where = f->name;
  switch (f->type) {
  case RP__F_VERSION:
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return RP_ETYPE;
    if (o->via.u64 != RP_SCHEMA_VERSION) return RP_EVERSION;
    *AT(out, f->off, uint32_t) = (uint32_t)o->via.u64;
    return 0;
  case RP__F_UINT:
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return RP_ETYPE;
    if (o->via.u64 < f->min || o->via.u64 > f->max) return RP_ETOOBIG;
    *AT(out, f->off, uint64_t) = o->via.u64;
    return 0;
  case RP__F_BOOL:
    if (o->type != MSGPACK_OBJECT_BOOLEAN) return RP_ETYPE;
    *AT(out, f->off, bool) = o->via.boolean;
    return 0;
  case RP__F_STR:
    return get_str(o, f->min, f->max, AT(out, f->off, rp__str));
  case RP__F_BIN:
  case RP__F_FIXBIN:
    if (o->type != MSGPACK_OBJECT_BIN) return RP_ETYPE;
    if (f->type == RP__F_FIXBIN) {
      if (o->via.bin.size != f->max) return RP_ESIZE;
      memcpy(AT(out, f->off, uint8_t), o->via.bin.ptr, f->max);
      return 0;
    }
    if (o->via.bin.size < f->min || o->via.bin.size > f->max) return RP_ETOOBIG;
    AT(out, f->off, rp__bin)->p = (const uint8_t *)o->via.bin.ptr;
    AT(out, f->off, rp__bin)->n = o->via.bin.size;
    return 0;
  case RP__F_ENUM:
    return enum_lookup(f->enm, o, AT(out, f->off, int));
  case RP__F_SET: {
    uint64_t bits = 0;
    if (o->type != MSGPACK_OBJECT_ARRAY) return RP_ETYPE;
    if (o->via.array.size > f->max) return RP_ETOOBIG;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
      int idx = 0;
      if ((r = enum_lookup(f->enm, &o->via.array.ptr[i], &idx)) != 0) return r;
      if (bits & (1ull << (idx - 1))) return RP_EMALFORMED; /* a set has no repeats */
      bits |= 1ull << (idx - 1);
    }
    *AT(out, f->off, uint64_t) = bits;
    return 0;
  }
  case RP__F_STRUCT:
    if ((r = rp__mp_decode_obj(f->sub, o, AT(out, f->off, void), where)) != 0) return r;
    if (f->flags & RP__HAS) *AT(out, f->has_off, bool) = true;
    return 0;
  case RP__F_LIST:
  case RP__F_STRLIST:
    if (o->type != MSGPACK_OBJECT_ARRAY) return RP_ETYPE;
    if (o->via.array.size > f->max) return RP_ETOOBIG;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
      if (f->type == RP__F_LIST)
        r = rp__mp_decode_obj(f->sub, &o->via.array.ptr[i],
                              AT(out, f->off + i * f->sub->size, void), where);
      else
        r = get_str(&o->via.array.ptr[i], 0, f->elem_max,
                    AT(out, f->off + i * sizeof(rp__str), rp__str));
      if (r != 0) return r;
    }
    *AT(out, f->count_off, uint32_t) = o->via.array.size;
    return 0;
  default:
    return RP_EINTERNAL;
  }
}

int rp__mp_decode(const rp__schema *s, const uint8_t *buf, size_t len, void *out,
                  const char **where) {
  msgpack_unpacked up;
  if (where) *where = s->name;
  int r = rp__mp_unpack(buf, len, &up);
  if (r != 0) {
    memset(out, 0, s->size);
    return r;
  }
  r = rp__mp_decode_obj(s, &up.data, out, where);
  msgpack_unpacked_destroy(&up);
  if (r != 0) memset(out, 0, s->size);
  return r;
}

void rp__schema_nested(const rp__schema *s, const rp__schema **seen, unsigned *n,
                       unsigned cap) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__schema *sub = s->fields[i].sub;
    bool dup = false;
    if (sub == NULL) continue;
    for (unsigned j = 0; j < *n; j++)
      dup |= seen[j] == sub;
    if (dup) continue;
    if (*n < cap) seen[(*n)++] = sub;
    rp__schema_nested(sub, seen, n, cap);
  }
}
