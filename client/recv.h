/* SPDX-License-Identifier: MIT */
/*
 * recv.c owns the way in: one DELIVER verified, opened, checked and stored in the inbox
 * before the relay is told; receipts and answers moving the status of what we sent
 * (with the host's status callback); and the inbox calls of the public API.
 */
#ifndef RP_CLIENT_RECV_H
#define RP_CLIENT_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "rejsepost.h"

/* What the connection does with one DELIVER (rp__recv_deliver). */
typedef enum rp__recv_action {
  RP__RECV_ANSWER, /* answer DELIVERED with msg_id: stored, or refused with *code */
  RP__RECV_DEFER,  /* keep it unanswered, fetch the relay's newer roster, then again */
  RP__RECV_RETRY,  /* a local failure (*code): leave it at the relay for a new connection */
  RP__RECV_BROKEN, /* not even a header (*code): the relay broke the protocol */
  RP__RECV_DOWNLOAD, /* stored incomplete: fetch its chunks (download.h), answer then */
} rp__recv_action;

/* Handles the envelope env[0..len) of one DELIVER. msg_id gets the header's msg_id
 * whenever there is a header. `may_defer` is false on the second try after a roster
 * fetch, so that an envelope waits for a roster at most once. */
rp__recv_action rp__recv_deliver(rp_client *c, const uint8_t *env, size_t len,
                                 bool may_defer, uint8_t msg_id[RP_MSG_ID_BYTES],
                                 int *code);
/* An incomplete inbox message whose chunks are all stored and verified: completes it
 * (with its "delivered" receipt, in one transaction), moves what it answers and offers
 * it. 0 or a store error. */
int rp__recv_complete(rp_client *c, const uint8_t msg_id[RP_MSG_ID_BYTES]);
/* Offers every unhandled stored message to the receive callback (start-up). */
void rp__recv_offer_pending(rp_client *c);
/* Status change with the callback. */
void rp__client_status(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES], int status,
                       int error);

#endif /* RP_CLIENT_RECV_H */
