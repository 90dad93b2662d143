/* SPDX-License-Identifier: MIT */
/*
 * The bounded msgpack layer: every schema in rejsepost is encoded and decoded here.
 *
 * Why: msgpack-c's unpacker allocates from counts on the wire before the elements arrive,
 * so 5 bytes claiming 4 billion array elements would make it allocate ~100 GiB. We never
 * hand it such bytes: rp__mp_check() walks the raw bytes first and proves that every
 * count fits in the bytes that remain, that nesting stays within RP_MP_DEPTH_MAX and the
 * object count within RP_MP_ITEMS_MAX. Only then does msgpack-c build its object tree.
 *
 * Schemas are tables (rp__schema) of fields (rp__field). One engine decodes and encodes
 * every table with the same rules, so strictness is not re-implemented per message:
 *  - a document is a map with unsigned integer keys (small, stable, documented in
 *    docs/PROTOCOL.md); a key that is not an unsigned integer is malformed;
 *  - a duplicate key is malformed (two readers must never disagree on a value);
 *  - an unknown key is skipped (forward compatibility: a newer peer may add optional
 *    fields without a version bump); its value has passed the structural check;
 *  - a missing required field is RP_EMISSING, a wrong type RP_ETYPE, a value out of range
 *    or a text/list/set over its cap RP_ETOOBIG, an unknown enum name RP_EENUM, text that
 *    is not UTF-8 (or holds NUL) RP_EUTF8;
 *  - the schema version field (RP__F_VERSION) must equal RP_SCHEMA_VERSION: a newer one is
 *    RP_EVERSION, since a version bump means a change old readers cannot understand.
 *  - Encoding applies the same checks, so we never emit what we would refuse.
 *
 * Decoded strings and byte strings BORROW from the input buffer: the decoded struct is
 * valid only while the input is. Optional scalar fields use "zero means absent": an
 * optional text of length 0, number 0, bool false, enum 0 or empty set is not emitted
 * and decodes as zero when absent. Optional nested maps have an explicit presence bool.
 */
#ifndef RP_MP_H
#define RP_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "buf.h"
#include "caps.h"
#include "rejsepost_errors.h"

/* The schema version carried by every document (key 0). */
#define RP_SCHEMA_VERSION 1u

/* A borrowed text: UTF-8, not NUL-terminated. */
typedef struct rp__str {
  const char *p;
  uint32_t n;
} rp__str;

/* A borrowed byte string. */
typedef struct rp__bin {
  const uint8_t *p;
  uint32_t n;
} rp__bin;

/* Field types. The C type stored at the field's offset is given for each. */
typedef enum rp__ftype {
  RP__F_VERSION = 1, /* uint32_t; must equal RP_SCHEMA_VERSION (encoder writes it)   */
  RP__F_UINT,        /* uint64_t in [min, max]                                        */
  RP__F_BOOL,        /* bool                                                          */
  RP__F_STR,         /* rp__str, UTF-8 without NUL, byte length in [min, max]         */
  RP__F_BIN,         /* rp__bin, length in [min, max]                                 */
  RP__F_FIXBIN,      /* uint8_t[max], exactly max bytes on the wire (copied)          */
  RP__F_ENUM,        /* int: 1-based index into enm (0 = absent); a string on the wire */
  RP__F_SET,         /* uint64_t bit (i-1) per name i of enm; array of at most max    */
  RP__F_STRUCT,      /* nested struct of schema sub, inline at off                    */
  RP__F_LIST,        /* sub structs inline, capacity max; uint32_t count at count_off */
  RP__F_STRLIST,     /* rp__str[max]; uint32_t count at count_off; each <= elem_max   */
} rp__ftype;

#define RP__REQ 0x01u /* required */
#define RP__HAS 0x02u /* optional STRUCT: a bool at has_off says whether it is present */

typedef struct rp__enum {
  const char *const *names; /* names[0] is index 1 */
  uint32_t n;               /* at most 64 */
} rp__enum;

/* Defines the name table `var` from the names given, index 1 first. qual is `static` for
 * a table of one file, or empty for one that a header declares extern. Every enum name
 * table is made with this, so that each lives once and all are read the same way. */
#define RP__ENUM(qual, var, ...)                                                           \
  static const char *const var##_names[] = {__VA_ARGS__};                                  \
  qual const rp__enum var = {var##_names, sizeof var##_names / sizeof var##_names[0]}

/* The 1-based index of name in e, or 0 if e has no such name (or name is NULL). */
int rp__enum_find(const rp__enum *e, const char *name);

/* The name of 1-based index idx in e, or NULL if idx is out of range. */
const char *rp__enum_at(const rp__enum *e, int idx);

struct rp__schema;

typedef struct rp__field {
  uint32_t key;
  const char *name; /* for error messages and docs */
  uint8_t type;     /* rp__ftype */
  uint8_t flags;    /* RP__REQ, RP__HAS */
  size_t off;
  uint64_t min, max;
  const rp__enum *enm;
  const struct rp__schema *sub;
  size_t count_off;  /* LIST, STRLIST */
  size_t has_off;    /* STRUCT with RP__HAS */
  uint32_t elem_max; /* STRLIST */
} rp__field;

typedef struct rp__schema {
  const char *name;
  size_t size; /* sizeof the C struct */
  const rp__field *fields;
  uint32_t nfields; /* at most 64 */
  /* Cross-field rules (e.g. "legal_basis required when pseudonym"), run after decoding
   * and before encoding. May be NULL. Returns 0 or an RP_E code and sets *where. */
  int (*check)(const void *obj, const char **where);
} rp__schema;

/* Adds to seen[0..*n) each nested schema (STRUCT and LIST sub) that s reaches, depth
 * first in field order, once each, up to cap entries in all. The walk behind the
 * payload tables of docs/PROTOCOL.md (payload_doc_test) and the JSON Schemas
 * (tools/schema/schema_gen.c). */
void rp__schema_nested(const rp__schema *s, const rp__schema **seen, unsigned *n,
                       unsigned cap);

/* The structural check. Walks exactly one msgpack object at buf[0..len) and sets *used to
 * its length. Never allocates. RP_ETRUNC if the bytes end early (including a count that
 * claims more elements than bytes remain), RP_EMALFORMED for the reserved byte 0xc1,
 * RP_EDEPTH past RP_MP_DEPTH_MAX, RP_ETOOBIG past RP_MP_ITEMS_MAX objects. */
int rp__mp_check(const uint8_t *buf, size_t len, size_t *used);

/* Checks and unpacks buf[0..len) as exactly one object (trailing bytes: RP_EMALFORMED)
 * into *out, which the caller releases with msgpack_unpacked_destroy() on success only.
 * Strings and byte strings in the tree point into buf. */
int rp__mp_unpack(const uint8_t *buf, size_t len, msgpack_unpacked *out);

/* Decodes the map `obj` with schema `s` into `out` (s->size bytes, zeroed first).
 * On error, *where (if not NULL) names the field that failed. `out` borrows from the
 * buffer that `obj` was unpacked from. */
int rp__mp_decode_obj(const rp__schema *s, const msgpack_object *obj, void *out,
                      const char **where);

/* rp__mp_unpack + rp__mp_decode_obj: the usual way to decode a document. */
int rp__mp_decode(const rp__schema *s, const uint8_t *buf, size_t len, void *out,
                  const char **where);

/* Reads the unsigned integer at `key` of the map `obj` (for dispatching on a type field
 * before choosing a schema). RP_EMISSING if absent, RP_ETYPE if not an unsigned int. */
int rp__mp_map_uint(const msgpack_object *obj, uint32_t key, uint64_t *val);

/* Encodes `in` with schema `s` into buf[0..cap); *len gets the length on success.
 * RP_ETOOBIG if cap is too small; field errors as for decoding, with *where set. */
int rp__mp_encode(const rp__schema *s, const void *in, uint8_t *buf, size_t cap,
                  size_t *len, const char **where);

/* Encodes into an existing packer (for documents nested by the caller). */
int rp__mp_encode_pk(const rp__schema *s, const void *in, msgpack_packer *pk,
                     const char **where);

/* Initializes pk to write into b (which must outlive pk): a write past b's maximum fails
 * and sets b->overflow (buf.h). */
void rp__mp_buf_packer(rp__buf *b, msgpack_packer *pk);

/* 0 if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) with no
 * NUL byte; RP_EUTF8 otherwise. */
int rp__utf8_check(const char *p, size_t n);

/* Builds an rp__str from a NUL-terminated C string (NULL gives the empty text). */
rp__str rp__str_c(const char *s);

/* Compares an rp__str with a C string for equality. */
bool rp__str_eq(rp__str a, const char *s);

#endif /* RP_MP_H */
