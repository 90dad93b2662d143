/* SPDX-License-Identifier: MIT */
/*
 * Test-only access to a channel (proto/chan.h), linked into the test utility library
 * and never into a shipped program: what a hostile test peer needs to put bytes of its
 * choice inside a valid encrypted channel.
 */
#ifndef RP_TEST_CHAN_HOOKS_H
#define RP_TEST_CHAN_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"

/* Encrypts one frame whose plaintext is pt[0..n) exactly (fragment flags byte included)
 * into out[0..cap), length prefix included; *len gets its size. Nothing is encoded or
 * checked and the state does not move. RP_ESTATE before the handshake or once the
 * sending side is broken, RP_ETOOBIG if n exceeds one frame or out is short. */
int rp__chan_seal_raw(rp__chan *ch, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                      size_t *len);

/* Sets the connection state (RP__TS_*) without a message: for a peer that sent raw
 * bytes which the other end will read as a state-changing message. */
void rp__chan_force_state(rp__chan *ch, unsigned state);

#endif /* RP_TEST_CHAN_HOOKS_H */
