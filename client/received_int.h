/* SPDX-License-Identifier: MIT */
/*
 * received.c owns struct rp_received, a received message behind the public rp_received
 * handle: the inbox's envelope opened again in memory, the payload borrowing from its
 * plaintext, and the NUL-terminated copies the getters hand out (under its own mutex,
 * so that the host may read one message from several threads). json.c reads it too.
 */
#ifndef RP_CLIENT_RECEIVED_INT_H
#define RP_CLIENT_RECEIVED_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "payload.h"
#include "rejsepost.h"
#include "store.h"

/* A received message, opened again from the inbox's envelope. */
struct rp_received {
  pthread_mutex_t mu; /* getters cache NUL-terminated copies */
  uint8_t *env;       /* the envelope (malloc) */
  size_t env_len;
  rp__opened op; /* plaintext in sodium_malloc memory */
  rp__payload p; /* borrows from op.pt */
  char msg_id[RP_ID_STRLEN], thread_id[RP_ID_STRLEN], ref_id[RP_ID_STRLEN];
  bool has_ref;
  char sender[RP_MEMBER_ID_MAX + 1];
  uint64_t stored_at;
  int handled;
  int recalled; /* its sender recalled it (rp_received_recalled) */
  void **cache;
  size_t ncache, capcache;
};

/* Builds a received message from an inbox row (opened again). */
int rp__received_from_row(rp_client *c, const rp__store_in *row, rp_received **out);

#endif /* RP_CLIENT_RECEIVED_INT_H */
