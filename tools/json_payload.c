/* SPDX-License-Identifier: MIT */
/*
 * Payloads as JSON, for 'send --file' and 'read': a walk over the same schema tables
 * (mp.h) that the msgpack codec uses, so every kind and field of payload.h is covered
 * and the JSON names are the wire names. Enumerations are their names, sets arrays of
 * names, byte fields lower-case hex. Unknown JSON keys are refused, so a misspelt field
 * is an error rather than silently missing from the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_payload.h"
#include "rejsepost_errors.h"

/* The JSON name of a field: its schema name after the last dot ("citizen.age" -> "age"). */
static const char *jname(const rp__field *f) {
  const char *dot = strrchr(f->name, '.');
  return dot != NULL ? dot + 1 : f->name;
}

static int fail(char *err, size_t errlen, const char *field, const char *what) {
  snprintf(err, errlen, "%s: %s", field, what);
  return RP_EINVAL;
}

static int enum_index(const rp__enum *e, const char *s) {
  for (uint32_t i = 0; i < e->n; i++)
    if (strcmp(e->names[i], s) == 0) return (int)i + 1;
  return 0;
}

static int hex_field(json_t *v, uint8_t *out, size_t n) {
  return json_is_string(v) ? tl_unhex(json_string_value(v), out, n) : RP_ETYPE;
}

static int from_json_obj(const rp__schema *s, json_t *obj, uint8_t *base, int top, char *err,
                         size_t errlen);

static int one_field(const rp__field *f, json_t *v, uint8_t *base, char *err, size_t errlen) {
  uint8_t *at = base + f->off;
  switch (f->type) {
  case RP__F_UINT:
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return fail(err, errlen, f->name, "must be a non-negative integer");
    *(uint64_t *)(void *)at = (uint64_t)json_integer_value(v);
    return 0;
  case RP__F_BOOL:
    if (!json_is_boolean(v)) return fail(err, errlen, f->name, "must be true or false");
    *(bool *)(void *)at = json_is_true(v);
    return 0;
  case RP__F_STR:
    if (!json_is_string(v)) return fail(err, errlen, f->name, "must be a string");
    ((rp__str *)(void *)at)->p = json_string_value(v);
    ((rp__str *)(void *)at)->n = (uint32_t)json_string_length(v);
    return 0;
  case RP__F_FIXBIN:
    if (hex_field(v, at, (size_t)f->max) != 0)
      return fail(err, errlen, f->name, "must be hex of the right length");
    return 0;
  case RP__F_ENUM: {
    int i = json_is_string(v) ? enum_index(f->enm, json_string_value(v)) : 0;
    if (i == 0) return fail(err, errlen, f->name, "unknown value (see 'rejsepost help send')");
    *(int *)(void *)at = i;
    return 0;
  }
  case RP__F_SET: {
    size_t idx;
    json_t *e;
    uint64_t bits = 0;
    if (!json_is_array(v)) return fail(err, errlen, f->name, "must be an array of names");
    json_array_foreach(v, idx, e) {
      int i = json_is_string(e) ? enum_index(f->enm, json_string_value(e)) : 0;
      if (i == 0) return fail(err, errlen, f->name, "holds an unknown value");
      bits |= 1ull << (i - 1);
    }
    *(uint64_t *)(void *)at = bits;
    return 0;
  }
  case RP__F_STRUCT:
    if (f->flags & RP__HAS) *(bool *)(void *)(base + f->has_off) = true;
    return from_json_obj(f->sub, v, at, 0, err, errlen);
  case RP__F_LIST: {
    size_t idx;
    json_t *e;
    if (!json_is_array(v) || json_array_size(v) > f->max)
      return fail(err, errlen, f->name, "must be an array (not too long)");
    json_array_foreach(v, idx, e) {
      int rc = from_json_obj(f->sub, e, at + idx * f->sub->size, 0, err, errlen);
      if (rc != 0) return rc;
    }
    *(uint32_t *)(void *)(base + f->count_off) = (uint32_t)json_array_size(v);
    return 0;
  }
  case RP__F_STRLIST: {
    size_t idx;
    json_t *e;
    rp__str *list = (rp__str *)(void *)at;
    if (!json_is_array(v) || json_array_size(v) > f->max)
      return fail(err, errlen, f->name, "must be an array of strings (not too long)");
    json_array_foreach(v, idx, e) {
      if (!json_is_string(e)) return fail(err, errlen, f->name, "must hold strings");
      list[idx].p = json_string_value(e);
      list[idx].n = (uint32_t)json_string_length(e);
    }
    *(uint32_t *)(void *)(base + f->count_off) = (uint32_t)json_array_size(v);
    return 0;
  }
  default:
    return fail(err, errlen, f->name, "cannot be given as JSON");
  }
}

/* Header fields (keys 0..4 of a top-level payload) are the library's to set. */
static int is_header(const rp__field *f, int top) { return top && f->key <= 4; }

static int from_json_obj(const rp__schema *s, json_t *obj, uint8_t *base, int top, char *err,
                         size_t errlen) {
  const char *key;
  json_t *v;
  if (!json_is_object(obj)) return fail(err, errlen, s->name, "must be a JSON object");
  json_object_foreach(obj, key, v) {
    const rp__field *f = NULL;
    int rc;
    if (top && strcmp(key, "kind") == 0) continue;
    for (uint32_t i = 0; i < s->nfields; i++)
      if (!is_header(&s->fields[i], top) && strcmp(jname(&s->fields[i]), key) == 0)
        f = &s->fields[i];
    if (f == NULL) {
      snprintf(err, errlen, "unknown field '%s' in %s", key, s->name);
      return RP_EINVAL;
    }
    if ((rc = one_field(f, v, base, err, errlen)) != 0) return rc;
  }
  return 0;
}

int tl_json_to_payload(json_t *obj, rp__payload_kind kind, rp__payload *out, char *err,
                       size_t errlen) {
  const rp__schema *s = rp__payload_schema(kind);
  err[0] = '\0';
  rp__payload_init(out, kind);
  if (s == NULL) return fail(err, errlen, "kind", "unknown payload kind");
  return from_json_obj(s, obj, (uint8_t *)out, 1, err, errlen);
}

/* ---- to JSON ---- */

static json_t *to_json_obj(const rp__schema *s, const uint8_t *base, int top);

static json_t *hex_json(const uint8_t *p, size_t n) {
  char buf[2 * 64 + 1];
  int zero = 1;
  if (n > 64) return NULL;
  for (size_t i = 0; i < n; i++) zero &= p[i] == 0;
  if (zero) return NULL;
  tl_hex(p, n, buf);
  return json_string(buf);
}

static json_t *set_json(const rp__enum *e, uint64_t bits) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < e->n; i++)
    if (bits & (1ull << i)) json_array_append_new(a, json_string(e->names[i]));
  return a;
}

/* The JSON value of one field, or NULL when it is absent (zero). */
static json_t *field_json(const rp__field *f, const uint8_t *base) {
  const uint8_t *at = base + f->off;
  switch (f->type) {
  case RP__F_UINT: {
    uint64_t v = *(const uint64_t *)(const void *)at;
    return v != 0 || (f->flags & RP__REQ) ? json_integer((json_int_t)v) : NULL;
  }
  case RP__F_BOOL: return json_boolean(*(const bool *)(const void *)at);
  case RP__F_STR: {
    const rp__str *str = (const rp__str *)(const void *)at;
    return str->n > 0 ? json_stringn(str->p, str->n) : NULL;
  }
  case RP__F_FIXBIN: return hex_json(at, (size_t)f->max);
  case RP__F_ENUM: {
    int i = *(const int *)(const void *)at;
    return i > 0 && (uint32_t)i <= f->enm->n ? json_string(f->enm->names[i - 1]) : NULL;
  }
  case RP__F_SET: {
    uint64_t bits = *(const uint64_t *)(const void *)at;
    return bits != 0 || (f->flags & RP__REQ) ? set_json(f->enm, bits) : NULL;
  }
  case RP__F_STRUCT:
    if ((f->flags & RP__HAS) && !*(const bool *)(const void *)(base + f->has_off)) return NULL;
    return to_json_obj(f->sub, at, 0);
  case RP__F_LIST: {
    uint32_t n = *(const uint32_t *)(const void *)(base + f->count_off);
    json_t *a;
    if (n == 0) return NULL;
    a = json_array();
    for (uint32_t i = 0; i < n && i < f->max; i++)
      json_array_append_new(a, to_json_obj(f->sub, at + i * f->sub->size, 0));
    return a;
  }
  case RP__F_STRLIST: {
    uint32_t n = *(const uint32_t *)(const void *)(base + f->count_off);
    const rp__str *list = (const rp__str *)(const void *)at;
    json_t *a;
    if (n == 0) return NULL;
    a = json_array();
    for (uint32_t i = 0; i < n && i < f->max; i++)
      json_array_append_new(a, json_stringn(list[i].p, list[i].n));
    return a;
  }
  default: return NULL;
  }
}

static json_t *to_json_obj(const rp__schema *s, const uint8_t *base, int top) {
  json_t *o = json_object();
  for (uint32_t i = 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    json_t *v;
    if (f->type == RP__F_VERSION || (top && f->key == 1)) continue;
    if ((v = field_json(f, base)) != NULL) json_object_set_new(o, jname(f), v);
  }
  return o;
}

json_t *tl_payload_to_json(const rp__payload *p) {
  const rp__schema *s = rp__payload_schema(p->kind);
  json_t *o;
  if (s == NULL) return NULL;
  o = to_json_obj(s, (const uint8_t *)p, 1);
  json_object_set_new(o, "kind", json_string(rp__payload_kind_name(p->kind)));
  return o;
}
