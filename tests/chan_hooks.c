/* SPDX-License-Identifier: MIT */
/* Test-only channel access; see chan_hooks.h. */
#include "chan_hooks.h"

#include <string.h>

#include "chan_int.h"

int rp__chan_seal_raw(rp__chan *ch, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                      size_t *len) {
  size_t ct = 0;
  int rc;
  *len = 0;
  if (ch->tx_broken || ch->state == 0) return RP_ESTATE;
  if (n > RP_FRAME_PLAINTEXT_MAX || cap < RP__FRAME_PREFIX + n + RP__NOISE_TAGBYTES)
    return RP_ETOOBIG;
  memmove(out + RP__FRAME_PREFIX, pt, n);
  rc = rp__noise_cipher_encrypt(&ch->tx, NULL, 0, out + RP__FRAME_PREFIX, n,
                                out + RP__FRAME_PREFIX, cap - RP__FRAME_PREFIX, &ct);
  if (rc == 0) rc = rp__frame_prefix(out, ct);
  if (rc != 0) {
    ch->tx_broken = ch->rx_broken = true; /* a nonce may have been used */
    return rc;
  }
  *len = RP__FRAME_PREFIX + ct;
  return 0;
}

void rp__chan_force_state(rp__chan *ch, unsigned state) {
  ch->state = state;
}
