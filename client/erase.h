/* SPDX-License-Identifier: MIT */
/*
 * erase.c owns erasure on the client's side (rejsepost.h, rp_thread_erase and
 * rp_config_set_retention): the consent rule, the retention sweep on the loop's timer,
 * and the purge requests to the relay (docs/PROTOCOL.md 5.7) for what the store's purge
 * list holds. The store does the deleting (store.h, "Erasure").
 *
 * Threads: rp__erase_thread may run on any thread (a host's rp_thread_erase, the loop's
 * own consent rule); it counts c->erase_gen up and wakes the loop. Everything else here
 * runs on the loop thread: the pump notices the count and lets go of an upload whose
 * message was erased (else the queue would wait behind it for ever), and sends one
 * purge at a time while the relay takes them (WELCOME's purge_max).
 */
#ifndef RP_CLIENT_ERASE_H
#define RP_CLIENT_ERASE_H

#include <stdint.h>

#include "rejsepost.h"
#include "transport.h"

/* Erases thread_id in the store (all but keep, may be NULL), logs it with `why`, and
 * tells the loop. 0 or the store's error. Any thread. */
int rp__erase_thread(rp_client *c, const uint8_t thread_id[RP_THREAD_ID_BYTES],
                     const uint8_t *keep, const char *why);
/* Our message id is relayed: if it is a consent_withdrawn, erase the rest of its thread.
 * Loop thread. */
void rp__erase_on_relayed(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* Received message id was marked handled: if it is a consent_withdrawn, erase its
 * thread. Any thread. */
void rp__erase_on_handled(rp_client *c, const uint8_t id[RP_MSG_ID_BYTES]);
/* From the pump: an erased upload is let go of; a purge goes out if one is due. */
void rp__erase_pump(rp_client *c);
/* PURGED from the relay. */
void rp__erase_on_purged(rp_client *c, const rp__t_purged *m);
/* The connection ended: a purge in flight is asked again on the next one. */
void rp__erase_reset(rp_client *c);
/* The retention sweep now, and (re)arm its timer. Loop thread. */
void rp__erase_sweep(rp_client *c);

#endif /* RP_CLIENT_ERASE_H */
