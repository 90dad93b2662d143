/* SPDX-License-Identifier: MIT */
/* JSON in (rp_msg_from_json) and out (rp_msg_to_json, rp_received_to_json), through
 * jansson. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "export.h"
#include "msg_field.h"
#include "msg_int.h"
#include "received_int.h"

static _Thread_local char where_buf[160];

static int set_value(rp_msg *m, const char *path, json_t *v);

static int set_object(rp_msg *m, const char *prefix, json_t *obj) {
  const char *key;
  json_t *v;
  char path[160];
  json_object_foreach(obj, key, v) {
    int n = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key), rc;
    if (n < 0 || (size_t)n >= sizeof path) return RP_ETOOBIG;
    if ((rc = set_value(m, path, v)) != 0) return rc;
  }
  return 0;
}

static int set_array(rp_msg *m, const char *path, int type, json_t *arr) {
  size_t i;
  json_t *e;
  int rc = 0;
  json_array_foreach(arr, i, e) {
    if (type == RP__F_SET) {
      if (!json_is_string(e)) return RP_ETYPE;
      rc = rp_msg_add_to_set(m, path, json_string_value(e));
    } else {
      if (!json_is_object(e)) return RP_ETYPE;
      if ((rc = rp_msg_list_add(m, path)) == 0) rc = set_object(m, path, e);
    }
    if (rc != 0) return rc;
  }
  return 0;
}

static int set_value(rp_msg *m, const char *path, json_t *v) {
  rp__target t;
  int rc;
  snprintf(where_buf, sizeof where_buf, "%s", path);
  if ((rc = rp__path_resolve(&m->p, path, false, true, &t)) != 0) return rc;
  switch (t.f->type) {
  case RP__F_STR:
    return json_is_string(v) ? rp_msg_set_text(m, path, json_string_value(v)) : RP_ETYPE;
  case RP__F_ENUM:
    return json_is_string(v) ? rp_msg_set_enum(m, path, json_string_value(v)) : RP_ETYPE;
  case RP__F_FIXBIN:
    return json_is_string(v) ? rp_msg_set_hex(m, path, json_string_value(v)) : RP_ETYPE;
  case RP__F_UINT:
    if (!json_is_integer(v)) return RP_ETYPE;
    if (json_integer_value(v) < 0) return RP_ETOOBIG;
    return rp_msg_set_uint(m, path, (uint64_t)json_integer_value(v));
  case RP__F_BOOL:
    return json_is_boolean(v) ? rp_msg_set_bool(m, path, json_is_true(v)) : RP_ETYPE;
  case RP__F_STRUCT:
    return json_is_object(v) ? set_object(m, path, v) : RP_ETYPE;
  case RP__F_SET:
  case RP__F_LIST:
    return json_is_array(v) ? set_array(m, path, t.f->type, v) : RP_ETYPE;
  default:
    return RP_ETYPE;
  }
}

/* The keys that are not payload fields. */
static int set_special(rp_msg *m, json_t *root) {
  json_t *v;
  int rc = 0;
  if ((v = json_object_get(root, "recipient")) != NULL) {
    snprintf(where_buf, sizeof where_buf, "recipient");
    rc = json_is_string(v) ? rp_msg_set_recipient(m, json_string_value(v)) : RP_ETYPE;
  }
  if (rc == 0 && (v = json_object_get(root, "thread_id")) != NULL) {
    snprintf(where_buf, sizeof where_buf, "thread_id");
    rc = json_is_string(v) ? rp_msg_set_thread(m, json_string_value(v)) : RP_ETYPE;
  }
  return rc;
}

RP_PUBLIC int rp_msg_from_json(const char *json, size_t len, rp_msg **out,
                               const char **where) {
  json_t *root, *kind, *fields = NULL;
  rp_msg *m = NULL;
  int rc = RP_EMALFORMED;
  if (where) *where = NULL;
  if (out == NULL || json == NULL) return RP_EINVAL;
  *out = NULL;
  where_buf[0] = '\0';
  if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) == NULL) goto out;
  rc = RP_ETYPE;
  if (!json_is_object(root)) goto out;
  snprintf(where_buf, sizeof where_buf, "kind");
  kind = json_object_get(root, "kind");
  rc = RP_EMISSING;
  if (!json_is_string(kind)) goto out;
  if ((rc = rp_msg_new(json_string_value(kind), &m)) != 0) goto out;
  rc = RP_ENOMEM;
  if ((fields = json_deep_copy(root)) == NULL) goto out;
  json_object_del(fields, "kind");
  json_object_del(fields, "recipient");
  json_object_del(fields, "thread_id");
  if ((rc = set_special(m, root)) != 0 || (rc = set_object(m, "", fields)) != 0) goto out;
  *out = m;
  m = NULL;
out:
  if (rc != 0 && where) *where = where_buf[0] ? where_buf : NULL;
  rp_msg_free(m);
  json_decref(fields);
  json_decref(root);
  return rc;
}

static json_t *struct_json(const rp__schema *s, const uint8_t *base, bool top);

static json_t *set_json(const rp__field *f, uint64_t bits) {
  json_t *a = json_array();
  for (uint32_t i = 1; a != NULL && i <= f->enm->n; i++)
    if (bits & RP__BIT(i)) json_array_append_new(a, json_string(f->enm->names[i - 1]));
  return a;
}

/* One field as JSON, or NULL when it is absent. */
static json_t *field_json(const rp__field *f, const uint8_t *base) {
  const uint8_t *at = base + f->off;
  char hex[2 * 64 + 1];
  switch (f->type) {
  case RP__F_STR: {
    const rp__str *s = (const rp__str *)at;
    return s->n > 0 ? json_stringn(s->p, s->n) : NULL;
  }
  case RP__F_UINT: {
    uint64_t v = *(const uint64_t *)at;
    return v != 0 || (f->flags & RP__REQ) ? json_integer((json_int_t)v) : NULL;
  }
  case RP__F_BOOL:
    return json_boolean(*(const bool *)at);
  case RP__F_ENUM: {
    const char *n = rp__enum_at(f->enm, *(const int *)at);
    return n != NULL ? json_string(n) : NULL;
  }
  case RP__F_SET:
    return set_json(f, *(const uint64_t *)at);
  case RP__F_FIXBIN:
    if (f->max > 64) return NULL;
    sodium_bin2hex(hex, sizeof hex, at, (size_t)f->max);
    return json_string(hex);
  case RP__F_STRUCT:
    if ((f->flags & RP__HAS) && !*(const bool *)(base + f->has_off)) return NULL;
    return struct_json(f->sub, at, false);
  case RP__F_LIST: {
    uint32_t n = *(const uint32_t *)(base + f->count_off);
    json_t *a = json_array();
    for (uint32_t i = 0; a != NULL && i < n && i < f->max; i++)
      json_array_append_new(a, struct_json(f->sub, at + (size_t)i * f->sub->size, false));
    return a;
  }
  default:
    return NULL;
  }
}

static json_t *struct_json(const rp__schema *s, const uint8_t *base, bool top) {
  json_t *o = json_object();
  for (uint32_t i = 0; o != NULL && i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    const char *dot = strrchr(f->name, '.');
    json_t *v;
    if (top && f->key <= 4) continue; /* the header is added by the caller */
    if ((v = field_json(f, base)) != NULL)
      json_object_set_new(o, dot ? dot + 1 : f->name, v);
  }
  return o;
}

RP_PUBLIC int rp_received_to_json(const rp_received *r, char **json) {
  const rp__schema *s;
  json_t *o;
  if (json == NULL) return RP_EINVAL;
  *json = NULL;
  if (r == NULL || (s = rp__payload_schema(r->p.kind)) == NULL) return RP_EINVAL;
  if ((o = struct_json(s, (const uint8_t *)&r->p, true)) == NULL) return RP_ENOMEM;
  json_object_set_new(o, "kind", json_string(rp__payload_kind_name(r->p.kind)));
  json_object_set_new(o, "msg_id", json_string(r->msg_id));
  json_object_set_new(o, "thread_id", json_string(r->thread_id));
  json_object_set_new(o, "sender", json_string(r->sender));
  json_object_set_new(o, "created", json_integer((json_int_t)r->p.created));
  *json = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(o);
  return *json != NULL ? 0 : RP_ENOMEM;
}

RP_PUBLIC int rp_msg_to_json(const rp_msg *m, char **json) {
  const rp__schema *s;
  json_t *o, *f = NULL;
  char thread[2 * RP_THREAD_ID_BYTES + 1];
  if (json == NULL) return RP_EINVAL;
  *json = NULL;
  if (m == NULL || (s = rp__payload_schema(m->p.kind)) == NULL) return RP_EINVAL;
  /* "kind" first, then the fields in schema order (the file format a user writes), then
   * the two settings that are not payload fields, so that rp_msg_from_json of the text
   * builds the same message. */
  if ((o = json_object()) == NULL) return RP_ENOMEM;
  json_object_set_new(o, "kind", json_string(rp__payload_kind_name(m->p.kind)));
  if ((f = struct_json(s, (const uint8_t *)&m->p, true)) == NULL ||
      json_object_update(o, f) != 0)
    goto out;
  if (m->recipient[0] != '\0')
    json_object_set_new(o, "recipient", json_string(m->recipient));
  if (m->has_thread) {
    sodium_bin2hex(thread, sizeof thread, m->thread_id, RP_THREAD_ID_BYTES);
    json_object_set_new(o, "thread_id", json_string(thread));
  }
  *json = json_dumps(o, JSON_COMPACT);
out:
  json_decref(f);
  json_decref(o);
  return *json != NULL ? 0 : RP_ENOMEM;
}
