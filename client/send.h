/* SPDX-License-Identifier: MIT */
/*
 * send.c owns the way out: checking, sealing and storing a message durably in the
 * outbox (the loop thread then sends what is queued), plus the outbox calls of the
 * public API (rp_status*, rp_outbox_foreach).
 */
#ifndef RP_CLIENT_SEND_H
#define RP_CLIENT_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "rejsepost.h"
#include "store.h"

/* Builds, seals and fills an outbox row for payload *p (header filled here) to member
 * `to` (NULL: chosen as rp_send does). Holds c->mu while it reads the roster. */
int rp__send_prepare(rp_client *c, rp__payload *p, const char *to, const uint8_t *thread,
                     rp__store_out *row, const char **where, size_t *offset);

#endif /* RP_CLIENT_SEND_H */
