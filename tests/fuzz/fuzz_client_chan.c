/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the client's side of a relay connection (proto/chan.h), the
 * decoder librejsepost runs on every byte a relay sends. Each input completes a real
 * Noise_IK handshake against an in-process responder with fixed keys, then:
 *   first byte even: the rest is cut into fragment plaintexts (one length byte, then
 *                    that many bytes, flags byte included), each encrypted by the
 *                    responder as a well-behaved relay would: reaches the fragment
 *                    reader, the message decoder and the state table;
 *   first byte odd:  the rest is fed raw after the handshake: forged frames.
 * The channel must refuse or accept cleanly; a decoded message must encode again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chan.h"
#include "frame.h"
#include "noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t client_sk[32], relay_sk[32], relay_pk[32];
static uint8_t frame[RP_FRAME_MAX + RP__FRAME_PREFIX];
static uint8_t reenc[RP__TMSG_MAX];

static void init(void) {
  static int done;
  if (done) return;
  if (sodium_init() < 0) abort();
  memset(client_sk, 0x11, sizeof client_sk);
  memset(relay_sk, 0x22, sizeof relay_sk);
  crypto_scalarmult_base(relay_pk, relay_sk);
  done = 1;
}

/* Feeds n bytes, handling every event; returns 0 while the channel is healthy. */
static int feed(rp__chan *ch, const uint8_t *in, size_t n) {
  while (n > 0) {
    size_t used = 0;
    rp__chan_event ev;
    int rc = rp__chan_feed(ch, in, n, &used, &ev, NULL);
    if (rc != 0) return rc;
    if (used > n) abort();
    if (ev.type == RP__CHAN_EV_MSG) {
      size_t len = 0;
      if (rp__tmsg_encode(&ev.msg, reenc, sizeof reenc, &len) != 0) abort();
    }
    if (used == 0 && ev.type == RP__CHAN_EV_NONE) abort(); /* no progress */
    in += used;
    n -= used;
  }
  return 0;
}

/* Runs the handshake; *send is the responder's transport cipher. */
static rp__chan *open_chan(rp__noise_cipher *send) {
  rp__chan *ch = NULL;
  rp__noise_handshake *hs = NULL;
  rp__noise_cipher recv;
  const uint8_t *hello;
  size_t hello_len, n = 0, pl = 0;
  uint8_t payload[64];
  if (rp__chan_new(&ch, client_sk, relay_pk) != 0) abort();
  if (rp__chan_hello(ch, &hello, &hello_len) != 0) abort();
  if (rp__noise_ik_responder_new(&hs, relay_sk) != 0) abort();
  if (rp__noise_handshake_read(hs, hello + RP__FRAME_PREFIX, hello_len - RP__FRAME_PREFIX,
                               payload, sizeof payload, &pl) != 0)
    abort();
  if (rp__noise_handshake_write(hs, NULL, 0, frame + RP__FRAME_PREFIX, RP_FRAME_MAX, &n) !=
          0 ||
      rp__frame_prefix(frame, n) != 0)
    abort();
  if (rp__noise_handshake_split(hs, send, &recv) != 0) abort();
  rp__noise_handshake_free(hs);
  rp__noise_cipher_wipe(&recv);
  if (feed(ch, frame, n + RP__FRAME_PREFIX) != 0) abort();
  return ch;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  init();
  if (size == 0) return 0;
  rp__noise_cipher send;
  rp__chan *ch = open_chan(&send);
  const uint8_t *p = data + 1;
  size_t left = size - 1;
  if (data[0] & 1) {
    (void)feed(ch, p, left);
  } else {
    while (left > 0) {
      size_t n = p[0];
      p++, left--;
      if (n > left) n = left;
      size_t ct = 0;
      if (rp__noise_cipher_encrypt(&send, NULL, 0, p, n, frame + RP__FRAME_PREFIX,
                                   RP_FRAME_MAX, &ct) != 0 ||
          rp__frame_prefix(frame, ct) != 0)
        abort();
      if (feed(ch, frame, ct + RP__FRAME_PREFIX) != 0) break;
      p += n;
      left -= n;
    }
  }
  rp__noise_cipher_wipe(&send);
  rp__chan_free(ch);
  return 0;
}
