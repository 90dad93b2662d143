/* SPDX-License-Identifier: MIT */
/*
 * The channel's private state (chan.h). Only proto/chan.c and test-only code
 * (tests/chan_hooks.c) include it: nothing in a shipped program depends on its layout.
 */
#ifndef RP_CHAN_INT_H
#define RP_CHAN_INT_H

#include <stdbool.h>

#include "chan.h"
#include "frame.h"
#include "noise.h"

/* Room for a framed Noise_IK message 1 (96 bytes) or 2 (48 bytes). */
#define RP__CHAN_HS_OUT (RP__FRAME_PREFIX + 128u)

struct rp__chan {
  rp__noise_handshake *hs; /* until the handshake completes */
  rp__noise_cipher tx, rx;
  rp__frame_reader fr;
  rp__frag_reader frag;
  uint8_t *frame;   /* without a scratch: our frame buffer, grown as frames need */
  size_t frame_cap; /* its size */
  uint8_t *scratch; /* the owner's shared frame buffer (rp__chan_opts), or NULL */
  uint8_t *fown;    /* with a scratch: a frame split across feeds, or NULL */
  size_t fown_len;  /* its size */
  uint8_t *fdone;   /* the own buffer of the last event's frame, freed next feed */
  size_t fdone_len;
  const uint8_t *lsk; /* responder: our static secret, until the handshake starts */
  rp__chan_accept_fn accept;
  void *data;
  size_t frame_max; /* the longest transport frame read */
  /* Our framed handshake message (RP__CHAN_HS_OUT bytes), allocated only while the
   * handshake runs: the initiator's until the relay answers (by then the socket has
   * taken all of it), the responder's until its next feed (the owner copies it out
   * before). Inline, it would cost every idle connection of the relay 130 bytes. */
  uint8_t *hs_out;
  unsigned state;  /* 0 during the handshake, then RP__TS_* */
  unsigned rx_dir; /* RP__TD_* of what we read; we write the other */
  int failed_at;   /* RP__CHAN_FAIL_* of the last failed feed */
  bool responder;
  bool said_hello;
  bool proved;    /* a transport frame from the peer has decrypted */
  bool rx_broken; /* a feed failed: no more input */
  bool tx_broken; /* a seal failed (a nonce may be spent): no more output */
};

#endif /* RP_CHAN_INT_H */
