/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-schema-gen OUTDIR: writes a JSON Schema (draft 2020-12) for every payload
 * kind, OUTDIR/<kind>.schema.json, and a combined one keyed by "kind",
 * OUTDIR/rejsepost.schema.json. The schemas describe the JSON a host hands to
 * rp_msg_from_json (and gets from rp_msg_to_json), and they are made from the schema
 * tables the decoders use (rp__payload_schema), walked field by field the way the
 * payload tables of docs/PROTOCOL.md section 7 are made (tests/proto/payload_doc_test.c).
 *
 * What the JSON reader does decides the shape: the header keys 0-4 are not fields a host
 * writes (only "kind", and "thread_id" as hex, with "recipient" beside them); a nested
 * map is an object named by the field's last name component; a set is an array of its
 * names; a fixed-size byte string is lowercase or uppercase hex; an unknown key is
 * refused (RP_ENOTFOUND), hence additionalProperties false everywhere.
 *
 * Byte caps: the library counts UTF-8 bytes, JSON Schema counts characters. maxLength is
 * the byte cap, an upper bound (a character is at least one byte), and minLength is the
 * byte minimum divided by 4, rounded up (a character is at most four bytes), so the
 * schema never refuses text that the library takes; the library stays the judge of the
 * exact byte length. Cross-field rules (a field one rule makes required, dates that
 * must be real days) are not expressed either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "caps.h"
#include "payload.h"

#define DRAFT "https://json-schema.org/draft/2020-12/schema"

static const char *leaf(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot != NULL ? dot + 1 : name;
}

static json_t *names(const rp__enum *e) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < e->n; i++)
    json_array_append_new(a, json_string(e->names[i]));
  return a;
}

static json_t *hex(uint64_t bytes) {
  char pat[64];
  snprintf(pat, sizeof pat, "^[0-9a-fA-F]{%llu}$", (unsigned long long)(2 * bytes));
  return json_pack("{s:s, s:s}", "type", "string", "pattern", pat);
}

/* A JSON integer as jansson reads it: at most INT64_MAX (a larger one is refused). */
static json_int_t jint(uint64_t v) {
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static json_t *ref(const rp__schema *sub) {
  char r[128];
  snprintf(r, sizeof r, "#/$defs/%s", sub->name);
  return json_pack("{s:s}", "$ref", r);
}

/* One field's schema. Optional scalars take their zero as "absent" (mp.h): an optional
 * text may be empty and an optional number 0 even where the range starts higher. */
static json_t *field(const rp__field *f) {
  bool req = (f->flags & RP__REQ) != 0;
  json_t *j;
  switch (f->type) {
  case RP__F_UINT:
    j = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum", jint(f->min), "maximum",
                  jint(f->max));
    if (!req && f->min > 0) {
      json_t *range =
          json_pack("{s:I, s:I}", "minimum", jint(f->min), "maximum", jint(f->max));
      json_object_set_new(j, "minimum", json_integer(0));
      json_object_set_new(j, "anyOf", json_pack("[{s:i}, o]", "const", 0, range));
    }
    return j;
  case RP__F_BOOL:
    return json_pack("{s:s}", "type", "boolean");
  case RP__F_STR: {
    json_int_t min = (json_int_t)((f->min + 3) / 4);
    j = json_pack("{s:s, s:I}", "type", "string", "maxLength", (json_int_t)f->max);
    if (min > 0 && req)
      json_object_set_new(j, "minLength", json_integer(min));
    else if (min > 0)
      json_object_set_new(j, "anyOf",
                          json_pack("[{s:i}, {s:I}]", "maxLength", 0, "minLength", min));
    return j;
  }
  case RP__F_FIXBIN:
    return hex(f->max);
  case RP__F_ENUM:
    return json_pack("{s:o}", "enum", names(f->enm));
  case RP__F_SET:
    return json_pack("{s:s, s:b, s:I, s:{s:o}}", "type", "array", "uniqueItems", 1,
                     "maxItems", (json_int_t)f->max, "items", "enum", names(f->enm));
  case RP__F_STRUCT:
    return ref(f->sub);
  case RP__F_LIST:
    return json_pack("{s:s, s:I, s:o}", "type", "array", "maxItems", (json_int_t)f->max,
                     "items", ref(f->sub));
  default:
    /* RP__F_BIN, RP__F_STRLIST, RP__F_VERSION: the JSON reader takes no value for
     * them (RP_ETYPE), so no value validates. */
    return json_false();
  }
}

/* The object schema of s. A kind's schema (top) leaves out the header (keys 0-4) and
 * names "kind", "recipient" and "thread_id" instead, as rp_msg_from_json reads them. */
static json_t *object(const rp__schema *s, unsigned kind) {
  json_t *props = json_object(), *req = json_array();
  if (kind != 0) {
    json_object_set_new(props, "kind",
                        json_pack("{s:s}", "const", rp__payload_kind_name(kind)));
    json_array_append_new(req, json_string("kind"));
    json_object_set_new(props, "recipient",
                        json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 1,
                                  "maxLength", (int)RP_MEMBER_ID_MAX));
    json_object_set_new(props, "thread_id", hex(RP_THREAD_ID_BYTES));
  }
  for (uint32_t i = kind != 0 ? 5 : 0; i < s->nfields; i++) {
    const rp__field *f = &s->fields[i];
    json_object_set_new(props, leaf(f->name), field(f));
    if (f->flags & RP__REQ) json_array_append_new(req, json_string(leaf(f->name)));
  }
  return json_pack("{s:s, s:s, s:o, s:o, s:b}", "title", s->name, "type", "object",
                   "properties", props, "required", req, "additionalProperties", 0);
}

/* Adds the nested maps s reaches to defs, found by the walk that makes the payload
 * tables of docs/PROTOCOL.md. */
static void collect(const rp__schema *s, json_t *defs) {
  const rp__schema *seen[64];
  unsigned n = 0;
  rp__schema_nested(s, seen, &n, 64);
  for (unsigned i = 0; i < n; i++)
    if (json_object_get(defs, seen[i]->name) == NULL)
      json_object_set_new(defs, seen[i]->name, object(seen[i], 0));
}

static int write_schema(const char *dir, const char *name, json_t *j) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.schema.json", dir, name);
  int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (rc != 0) fprintf(stderr, "rejsepost-schema-gen: cannot write %s\n", path);
  json_decref(j);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: rejsepost-schema-gen OUTDIR\n");
    return 2;
  }
  if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
    perror(argv[1]);
    return 1;
  }
  json_t *all_defs = json_object(), *kinds = json_array(), *cases = json_array();
  int rc = 0;
  for (unsigned k = 1; k <= RP__PL_KIND_MAX; k++) {
    const rp__schema *s = rp__payload_schema(k);
    const char *name = rp__payload_kind_name(k);
    json_t *defs = json_object(), *one = object(s, k);
    collect(s, defs);
    collect(s, all_defs);
    char id[128];
    snprintf(id, sizeof id, "%s.schema.json", name);
    json_t *doc = json_pack("{s:s, s:s}", "$schema", DRAFT, "$id", id);
    json_object_update(doc, one);
    json_object_set_new(doc, "$defs", defs);
    rc |= write_schema(argv[1], name, doc);
    /* The combined schema: the kind's object under "kind_<name>" beside the maps. */
    char key[96], r[128];
    snprintf(key, sizeof key, "kind_%s", name);
    snprintf(r, sizeof r, "#/$defs/%s", key);
    json_object_set_new(all_defs, key, one);
    json_array_append_new(kinds, json_string(name));
    json_array_append_new(cases, json_pack("{s:{s:{s:{s:s}}}, s:{s:s}}", "if", "properties",
                                           "kind", "const", name, "then", "$ref", r));
  }
  json_t *doc = json_pack(
      "{s:s, s:s, s:s, s:s, s:[s], s:{s:{s:o}}, s:o, s:o}", "$schema", DRAFT, "$id",
      "rejsepost.schema.json", "title", "rejsepost payload", "type", "object", "required",
      "kind", "properties", "kind", "enum", kinds, "allOf", cases, "$defs", all_defs);
  rc |= write_schema(argv[1], "rejsepost", doc);
  return rc != 0;
}
