/* SPDX-License-Identifier: MIT */
/*
 * msg_field.c owns fields by name: the dotted-path resolver over the payload's schema
 * tables that the builder (msg.c, json.c) and the received-message getters
 * (received.c) share, plus the small payload and id helpers they all need.
 */
#ifndef RP_CLIENT_MSG_FIELD_H
#define RP_CLIENT_MSG_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

typedef struct rp__target {
  const rp__field *f;
  uint8_t *base; /* the struct the field lives in */
} rp__target;

/* Resolves a dotted path in the payload: components match field names (the part of a
 * nested field's name after its last dot); a list takes an index component when
 * `indexed`, else its last element. `build` marks optional nested maps present. */
int rp__path_resolve(rp__payload *p, const char *path, bool indexed, bool build,
                     rp__target *t);

/* The id a payload refers to (in_reply_to, about, meeting_ref, announcement_ref), or
 * NULL when its kind has none or it is zero. */
const uint8_t *rp__payload_ref(const rp__payload *p);

/* Whether a payload of this kind answers the message it refers to. */
bool rp__payload_answers(uint64_t kind);

#endif /* RP_CLIENT_MSG_FIELD_H */
