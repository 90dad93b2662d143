/* SPDX-License-Identifier: MIT */
/* The sans-IO client channel; see chan.h. */
#include "chan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "frame.h"
#include "noise.h"

struct rp__chan {
  rp__noise_handshake *hs; /* until the handshake completes */
  rp__noise_cipher tx, rx;
  rp__frame_reader fr;
  rp__frag_reader frag;
  uint8_t *frame; /* RP_FRAME_MAX bytes, lent to the frame reader */
  uint8_t *msg;   /* the last complete message (owned copy), borrowed by events */
  uint8_t hello[RP__FRAME_PREFIX + 128];
  size_t hello_len;
  unsigned state; /* 0 during the handshake, then RP__TS_* */
  bool said_hello;
  bool broken;
};

int rp__chan_new(rp__chan **out, const uint8_t local_sk[32], const uint8_t relay_pk[32]) {
  rp__chan *ch = NULL;
  int rc = RP_EINVAL;
  *out = NULL;
  if (local_sk == NULL || relay_pk == NULL) goto out;
  rc = RP_ENOMEM;
  if ((ch = calloc(1, sizeof *ch)) == NULL || (ch->frame = malloc(RP_FRAME_MAX)) == NULL)
    goto out;
  rp__frame_reader_init(&ch->fr);
  if ((rc = rp__frag_reader_init(&ch->frag, RP_MSG_MAX)) != 0 ||
      (rc = rp__noise_ik_initiator_new(&ch->hs, local_sk, relay_pk)) != 0)
    goto out;
  *out = ch;
  ch = NULL;
  rc = 0;
out:
  rp__chan_free(ch);
  return rc;
}

void rp__chan_free(rp__chan *ch) {
  if (ch == NULL) return;
  rp__noise_handshake_free(ch->hs);
  rp__noise_cipher_wipe(&ch->tx);
  rp__noise_cipher_wipe(&ch->rx);
  rp__frag_reader_free(&ch->frag);
  if (ch->frame != NULL) sodium_memzero(ch->frame, RP_FRAME_MAX);
  free(ch->frame);
  free(ch->msg);
  free(ch);
}

unsigned rp__chan_state(const rp__chan *ch) {
  return ch->state;
}

int rp__chan_hello(rp__chan *ch, const uint8_t **out, size_t *len) {
  size_t n = 0;
  int rc;
  *out = NULL;
  *len = 0;
  if (ch->said_hello || ch->broken || ch->hs == NULL) return RP_ESTATE;
  rc = rp__noise_handshake_write(ch->hs, NULL, 0, ch->hello + RP__FRAME_PREFIX,
                                 sizeof ch->hello - RP__FRAME_PREFIX, &n);
  if (rc == 0) rc = rp__frame_prefix(ch->hello, n);
  if (rc != 0) {
    ch->broken = true;
    return rc;
  }
  ch->said_hello = true;
  ch->hello_len = n + RP__FRAME_PREFIX;
  *out = ch->hello;
  *len = ch->hello_len;
  return 0;
}

/* The relay's handshake answer: its payload is empty, then the ciphers split. */
static int finish_handshake(rp__chan *ch, size_t flen) {
  uint8_t payload[64];
  size_t plen = 0;
  int rc =
      rp__noise_handshake_read(ch->hs, ch->frame, flen, payload, sizeof payload, &plen);
  if (rc == 0) rc = rp__noise_handshake_split(ch->hs, &ch->tx, &ch->rx);
  rp__noise_handshake_free(ch->hs);
  ch->hs = NULL;
  if (rc == 0) ch->state = RP__TS_HELLO;
  return rc;
}

/* One decrypted frame: gather fragments, and decode a complete message into ev. */
static int on_frame(rp__chan *ch, size_t flen, rp__chan_event *ev, const char **where) {
  const uint8_t *msg = NULL;
  size_t plen = 0, mlen = 0;
  int rc =
      rp__noise_cipher_decrypt(&ch->rx, NULL, 0, ch->frame, flen, ch->frame, flen, &plen);
  if (rc != 0) return rc;
  rc = rp__frag_reader_feed(&ch->frag, ch->frame, plen, &msg, &mlen);
  if (rc <= 0) return rc;
  /* The message must outlive the next frame (the caller reads it after we return and
   * the reader's buffer is reused), so keep our own copy. */
  free(ch->msg);
  if ((ch->msg = malloc(mlen)) == NULL) return RP_ENOMEM;
  memcpy(ch->msg, msg, mlen);
  rp__frag_reader_release(&ch->frag);
  if ((rc = rp__tmsg_decode(ch->msg, mlen, &ev->msg, where)) != 0) return rc;
  if (rp__tmsg_allowed(ev->msg.type, RP__TD_R2C, ch->state) != 0) {
    if (ch->state == RP__TS_CLOSING) return 0; /* crossed our BYE: drop it */
    if (where) *where = "type";
    return RP_ESTATE;
  }
  ch->state = rp__tmsg_next_state(ev->msg.type, ch->state);
  ev->type = RP__CHAN_EV_MSG;
  return 0;
}

int rp__chan_feed(rp__chan *ch, const uint8_t *in, size_t n, size_t *used,
                  rp__chan_event *ev, const char **where) {
  size_t u = 0, flen = 0;
  int rc;
  *used = 0;
  memset(ev, 0, sizeof *ev);
  if (where) *where = NULL;
  if (ch->broken || !ch->said_hello) return RP_ESTATE;
  rc = rp__frame_reader_feed(&ch->fr, in, n, &u, &flen);
  if (rc == RP__FRAME_NEED_BUF) {
    rc = rp__frame_reader_set_buf(&ch->fr, ch->frame);
    *used = u;
    if (rc != 0) goto fail;
    return 0;
  }
  if (rc < 0) goto fail;
  *used = u;
  if (rc == RP__FRAME_AGAIN) return 0;
  if (ch->hs != NULL) {
    if ((rc = finish_handshake(ch, flen)) != 0) goto fail;
    ev->type = RP__CHAN_EV_OPEN;
    return 0;
  }
  if ((rc = on_frame(ch, flen, ev, where)) != 0) goto fail;
  return 0;
fail:
  ch->broken = true;
  memset(ev, 0, sizeof *ev);
  return rc;
}

size_t rp__chan_sealed_size(size_t msg_len) {
  return msg_len + rp__frag_count(msg_len) *
                       (RP__FRAME_PREFIX + RP__FRAG_HEADER + RP__NOISE_TAGBYTES);
}

/* Encrypts the fragments of enc[0..len) into out[0..cap). */
static int seal_frames(rp__chan *ch, const uint8_t *enc, size_t len, uint8_t *out,
                       size_t cap, size_t *total) {
  rp__frag_writer fw;
  size_t flen = 0, ct = 0;
  int rc = rp__frag_writer_init(&fw, enc, len);
  *total = 0;
  while (rc == 0 && !rp__frag_writer_done(&fw)) {
    uint8_t *f = out + *total + RP__FRAME_PREFIX;
    size_t room = cap - *total - RP__FRAME_PREFIX;
    if ((rc = rp__frag_writer_next(&fw, f, room, &flen)) != 0 ||
        (rc = rp__noise_cipher_encrypt(&ch->tx, NULL, 0, f, flen, f, room, &ct)) != 0 ||
        (rc = rp__frame_prefix(out + *total, ct)) != 0)
      break;
    *total += RP__FRAME_PREFIX + ct;
  }
  return rc;
}

int rp__chan_seal(rp__chan *ch, const rp__tmsg *m, uint8_t **out, size_t *len) {
  uint8_t *enc = NULL, *buf = NULL;
  size_t elen = 0, cap, total = 0;
  int rc = RP_ESTATE;
  *out = NULL;
  *len = 0;
  if (ch->broken || ch->state == 0) goto out;
  if ((rc = rp__tmsg_allowed(m->type, RP__TD_C2R, ch->state)) != 0) goto out;
  rc = RP_ENOMEM;
  if ((enc = malloc(RP__TMSG_MAX)) == NULL) goto out;
  if ((rc = rp__tmsg_encode(m, enc, RP__TMSG_MAX, &elen)) != 0) goto out;
  cap = rp__chan_sealed_size(elen);
  rc = RP_ENOMEM;
  if ((buf = malloc(cap)) == NULL) goto out;
  if ((rc = seal_frames(ch, enc, elen, buf, cap, &total)) != 0) {
    ch->broken = true; /* a nonce may have been used: the stream is out of step */
    goto out;
  }
  ch->state = rp__tmsg_next_state(m->type, ch->state);
  *out = buf;
  *len = total;
  buf = NULL;
out:
  free(enc);
  free(buf);
  return rc;
}

int rp__chan_seal_raw(rp__chan *ch, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                      size_t *len) {
  size_t ct = 0;
  int rc;
  *len = 0;
  if (ch->broken || ch->state == 0) return RP_ESTATE;
  if (n > RP_FRAME_PLAINTEXT_MAX || cap < RP__FRAME_PREFIX + n + RP__NOISE_TAGBYTES)
    return RP_ETOOBIG;
  memmove(out + RP__FRAME_PREFIX, pt, n);
  rc = rp__noise_cipher_encrypt(&ch->tx, NULL, 0, out + RP__FRAME_PREFIX, n,
                                out + RP__FRAME_PREFIX, cap - RP__FRAME_PREFIX, &ct);
  if (rc == 0) rc = rp__frame_prefix(out, ct);
  if (rc != 0) {
    ch->broken = true; /* a nonce may have been used */
    return rc;
  }
  *len = RP__FRAME_PREFIX + ct;
  return 0;
}
