/* SPDX-License-Identifier: MIT */
/* Payloads as JSON (json_payload.c), and reading a payload file (payload_file.c). */
#ifndef RP_TOOLS_JSON_PAYLOAD_H
#define RP_TOOLS_JSON_PAYLOAD_H

#include <stddef.h>

#include <jansson.h>

#include "payload.h"

/* Fills *out (rp__payload_init'ed with `kind`) from the JSON object `obj`, whose keys are
 * the payload's wire field names. Header fields (msg_id, thread_id, created) are not
 * taken from JSON. Texts borrow from obj: keep it alive while *out is used. Returns 0,
 * or RP_EINVAL with err naming the field. The kind's rules are not checked here
 * (rp__payload_encode does that). */
int tl_json_to_payload(json_t *obj, rp__payload_kind kind, rp__payload *out, char *err,
                       size_t errlen);

/* The payload as a new JSON object ("kind" first as its name; absent fields left out).
 * NULL for an unknown kind. */
json_t *tl_payload_to_json(const rp__payload *p);

/* A payload read from a file: JSON (an object; "kind" names the kind, default
 * `default_kind`) or msgpack (an encoded payload). Texts in `p` borrow from the
 * holder's buffers. */
typedef struct tl_payload_file {
  rp__payload p;
  json_t *json;  /* the parsed JSON, or NULL */
  uint8_t *raw;  /* the file's bytes */
  size_t rawlen;
  int is_msgpack;
} tl_payload_file;

/* Reads and parses `path`. Prints the error (naming the field) and returns TL_FAIL, or
 * TL_OK. Free with tl_payload_file_free either way. */
int tl_payload_file_read(const char *path, rp__payload_kind default_kind,
                         tl_payload_file *f);
void tl_payload_file_free(tl_payload_file *f);

/* Checks *p as a sender would: every rule of its kind (by encoding it into buf, which
 * holds RP_PAYLOAD_MAX bytes; *len gets the encoded length) and the CPR guard. Prints
 * the error and returns TL_FAIL, or TL_OK. The header ids must be set. */
int tl_payload_check(const rp__payload *p, uint8_t *buf, size_t *len);

#endif /* RP_TOOLS_JSON_PAYLOAD_H */
