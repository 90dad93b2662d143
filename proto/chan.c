/* SPDX-License-Identifier: MIT */
/* The sans-IO channel of both ends; see chan.h. The private state is in chan_int.h. */
#include "chan.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chan_int.h"

/* Small messages (ACK, NACK, PING, BYE...) are encoded on the stack. */
#define SMALL_MSG 512u

/* What both ends share once the struct exists: the fragment reader for msg_max. */
static int chan_alloc(rp__chan **out, size_t msg_max) {
  rp__chan *ch = calloc(1, sizeof *ch);
  int rc;
  *out = NULL;
  if (ch == NULL) return RP_ENOMEM;
  rp__frame_reader_init(&ch->fr);
  if ((rc = rp__frag_reader_init(&ch->frag, msg_max)) != 0) goto fail;
  ch->frame_max = RP_FRAME_MAX;
  *out = ch;
  return 0;
fail:
  rp__chan_free(ch);
  return rc;
}

int rp__chan_new(rp__chan **out, const uint8_t local_sk[32], const uint8_t relay_pk[32]) {
  rp__chan *ch = NULL;
  int rc;
  *out = NULL;
  if (local_sk == NULL || relay_pk == NULL) return RP_EINVAL;
  if ((rc = chan_alloc(&ch, RP_MSG_MAX)) != 0) return rc;
  ch->rx_dir = RP__TD_R2C;
  if ((rc = rp__noise_ik_initiator_new(&ch->hs, local_sk, relay_pk)) != 0) {
    rp__chan_free(ch);
    return rc;
  }
  *out = ch;
  return 0;
}

int rp__chan_new_responder(rp__chan **out, const uint8_t local_sk[32],
                           const rp__chan_opts *opts, rp__chan_accept_fn accept,
                           void *data) {
  rp__chan *ch = NULL;
  int rc;
  *out = NULL;
  if (local_sk == NULL || opts == NULL || accept == NULL || opts->frame_max == 0 ||
      opts->frame_max > RP_FRAME_MAX || opts->msg_max == 0 || opts->msg_max > RP_MSG_MAX)
    return RP_EINVAL;
  if ((rc = chan_alloc(&ch, opts->msg_max)) != 0) return rc;
  ch->responder = true;
  ch->rx_dir = RP__TD_C2R;
  ch->lsk = local_sk;
  ch->scratch = opts->scratch;
  ch->frame_max = opts->frame_max;
  ch->accept = accept;
  ch->data = data;
  *out = ch;
  return 0;
}

static void wipe_free(uint8_t *p, size_t n) {
  if (p == NULL) return;
  sodium_memzero(p, n);
  free(p);
}

/* The frame of the last event, if it had a buffer of its own: decrypted in place, it
 * holds plaintext, so it is wiped. */
static void drop_done(rp__chan *ch) {
  wipe_free(ch->fdone, ch->fdone_len);
  ch->fdone = NULL;
  ch->fdone_len = 0;
}

static void drop_hs_out(rp__chan *ch) {
  wipe_free(ch->hs_out, ch->hs_out == NULL ? 0 : RP__CHAN_HS_OUT);
  ch->hs_out = NULL;
}

void rp__chan_release(rp__chan *ch) {
  if (ch == NULL) return;
  if (ch->state != 0) drop_hs_out(ch);
  rp__frag_reader_release(&ch->frag);
  drop_done(ch);
}

void rp__chan_free(rp__chan *ch) {
  if (ch == NULL) return;
  rp__noise_handshake_free(ch->hs);
  rp__noise_cipher_wipe(&ch->tx);
  rp__noise_cipher_wipe(&ch->rx);
  rp__frag_reader_free(&ch->frag);
  wipe_free(ch->frame, ch->frame_cap);
  wipe_free(ch->fown, ch->fown_len);
  drop_done(ch);
  drop_hs_out(ch);
  free(ch);
}

unsigned rp__chan_state(const rp__chan *ch) {
  return ch->state;
}

bool rp__chan_proved(const rp__chan *ch) {
  return ch->proved;
}

bool rp__chan_mid_frame(const rp__chan *ch) {
  /* The reader holds part of a frame exactly when it has length bytes of one. */
  return ch->fr.nprefix != 0;
}

int rp__chan_failed_at(const rp__chan *ch) {
  return ch->failed_at;
}

void rp__chan_set_frame_max(rp__chan *ch, size_t frame_max) {
  if (frame_max > 0 && frame_max <= RP_FRAME_MAX) ch->frame_max = frame_max;
}

int rp__chan_hello(rp__chan *ch, const uint8_t **out, size_t *len) {
  size_t n = 0;
  int rc;
  *out = NULL;
  *len = 0;
  if (ch->responder || ch->said_hello || ch->rx_broken || ch->hs == NULL) return RP_ESTATE;
  if ((ch->hs_out = malloc(RP__CHAN_HS_OUT)) == NULL) return RP_ENOMEM;
  rc = rp__noise_handshake_write(ch->hs, NULL, 0, ch->hs_out + RP__FRAME_PREFIX,
                                 RP__CHAN_HS_OUT - RP__FRAME_PREFIX, &n);
  if (rc == 0) rc = rp__frame_prefix(ch->hs_out, n);
  if (rc != 0) {
    ch->rx_broken = ch->tx_broken = true;
    return rc;
  }
  ch->said_hello = true;
  *out = ch->hs_out;
  *len = n + RP__FRAME_PREFIX;
  return 0;
}

/* The initiator reads the relay's answer: its payload is empty, then the ciphers
 * split. */
static int finish_handshake(rp__chan *ch, const uint8_t *buf, size_t flen) {
  uint8_t payload[64];
  size_t plen = 0;
  int rc = rp__noise_handshake_read(ch->hs, buf, flen, payload, sizeof payload, &plen);
  if (rc == 0) rc = rp__noise_handshake_split(ch->hs, &ch->tx, &ch->rx);
  rp__noise_handshake_free(ch->hs);
  ch->hs = NULL;
  drop_hs_out(ch);
  if (rc == 0) ch->state = RP__TS_HELLO;
  return rc;
}

/* The responder reads message 1, asks its owner about the initiator's key, and writes
 * message 2 (empty payload). The handshake state is created only now, so a connection
 * that never completes a frame costs no sodium_malloc'd memory. */
static int respond(rp__chan *ch, const uint8_t *buf, size_t flen, rp__chan_event *ev,
                   int *stage) {
  uint8_t payload[RP__CHAN_HS_FRAME_MAX];
  uint8_t rs[RP__NOISE_DHBYTES];
  size_t plen = 0, olen = 0;
  int rc;

  if (ch->hs == NULL && (rc = rp__noise_ik_responder_new(&ch->hs, ch->lsk)) != 0) return rc;
  rc = rp__noise_handshake_read(ch->hs, buf, flen, payload, sizeof payload, &plen);
  sodium_memzero(payload, plen);
  if (rc != 0) return rc;
  *stage = RP__CHAN_FAIL_ACCEPT;
  if ((rc = rp__noise_handshake_remote_static(ch->hs, rs)) != 0 ||
      (rc = ch->accept(ch->data, rs)) != 0)
    return rc;
  *stage = RP__CHAN_FAIL_HANDSHAKE;
  if (ch->hs_out == NULL && (ch->hs_out = malloc(RP__CHAN_HS_OUT)) == NULL)
    return RP_ENOMEM;
  if ((rc = rp__noise_handshake_write(ch->hs, NULL, 0, ch->hs_out + RP__FRAME_PREFIX,
                                      RP__CHAN_HS_OUT - RP__FRAME_PREFIX, &olen)) != 0 ||
      (rc = rp__frame_prefix(ch->hs_out, olen)) != 0 ||
      (rc = rp__noise_handshake_split(ch->hs, &ch->tx, &ch->rx)) != 0)
    return rc;
  rp__noise_handshake_free(ch->hs);
  ch->hs = NULL;
  ch->lsk = NULL;
  ch->state = RP__TS_HELLO;
  ev->out = ch->hs_out;
  ev->out_len = RP__FRAME_PREFIX + olen;
  return 0;
}

/* One transport frame: decrypt in place, gather fragments, and decode a complete
 * message into ev. *stage follows the steps, for rp__chan_failed_at. */
static int on_frame(rp__chan *ch, uint8_t *buf, size_t flen, rp__chan_event *ev,
                    const char **where, int *stage) {
  const uint8_t *msg = NULL;
  size_t plen = 0, mlen = 0;
  const char *name;
  int rc;

  *stage = RP__CHAN_FAIL_DECRYPT;
  if ((rc = rp__noise_cipher_decrypt(&ch->rx, NULL, 0, buf, flen, buf, flen, &plen)) != 0)
    return rc;
  /* Only the holder of the key named in message 1 can get here: the proof. */
  if (!ch->proved) ch->proved = ev->proved = true;
  *stage = RP__CHAN_FAIL_FRAGMENT;
  if ((rc = rp__frag_reader_feed(&ch->frag, buf, plen, &msg, &mlen)) <= 0) return rc;
  *stage = RP__CHAN_FAIL_MSG;
  if ((rc = rp__tmsg_decode(msg, mlen, &ev->msg, where)) != 0) return rc;
  if (rp__tmsg_allowed(ev->msg.type, ch->rx_dir, ch->state) != 0) {
    if (ch->state == RP__TS_CLOSING) { /* crossed our BYE: drop it */
      memset(&ev->msg, 0, sizeof ev->msg);
      return 0;
    }
    name = rp__tmsg_type_name(ev->msg.type);
    if (where) *where = name != NULL ? name : "type";
    return RP_ESTATE;
  }
  ch->state = rp__tmsg_next_state(ev->msg.type, ch->state);
  ev->type = RP__CHAN_EV_MSG;
  return 0;
}

/* A length prefix arrived: check the length and lend the reader a buffer. `rest` is
 * the input left after the prefix. */
static int lend_buffer(rp__chan *ch, size_t flen, size_t rest) {
  size_t max = ch->responder && ch->state == 0 ? RP__CHAN_HS_FRAME_MAX : ch->frame_max;
  size_t cap = 256;
  uint8_t *buf;

  if (flen > max) return RP_ETOOBIG;
  if (ch->scratch != NULL && rest >= flen) {
    buf = ch->scratch; /* complete within this feed: handled before we return */
  } else if (ch->scratch != NULL) {
    if ((buf = ch->fown = malloc(flen)) == NULL) return RP_ENOMEM;
    ch->fown_len = flen;
  } else {
    /* Our own buffer grows to the largest frame seen, so that a connection that only
     * ever sees small frames (most of them) holds a small buffer. */
    if (ch->frame_cap < flen) {
      while (cap < flen)
        cap *= 2;
      if (cap > RP_FRAME_MAX) cap = RP_FRAME_MAX;
      if ((buf = malloc(cap)) == NULL) return RP_ENOMEM;
      wipe_free(ch->frame, ch->frame_cap);
      ch->frame = buf;
      ch->frame_cap = cap;
    }
    buf = ch->frame;
  }
  return rp__frame_reader_set_buf(&ch->fr, buf);
}

int rp__chan_feed(rp__chan *ch, const uint8_t *in, size_t n, size_t *used,
                  rp__chan_event *ev, const char **where) {
  size_t u = 0, flen = 0;
  int rc, stage = RP__CHAN_FAIL_FRAME;
  uint8_t *buf;

  *used = 0;
  memset(ev, 0, sizeof *ev);
  if (where) *where = NULL;
  if (ch->rx_broken || (!ch->responder && !ch->said_hello)) return RP_ESTATE;
  drop_done(ch);
  if (ch->responder && ch->state != 0) drop_hs_out(ch); /* the owner has written it */
  rc = rp__frame_reader_feed(&ch->fr, in, n, &u, &flen);
  if (rc == RP__FRAME_NEED_BUF) {
    *used = u;
    if ((rc = lend_buffer(ch, flen, n - u)) != 0) goto fail;
    return 0;
  }
  if (rc < 0) goto fail;
  *used = u;
  if (rc == RP__FRAME_AGAIN) return 0;
  ev->frame = true;
  buf = ch->frame != NULL ? ch->frame : ch->scratch;
  if (ch->fown != NULL) { /* the frame had a buffer of its own: free it next time */
    buf = ch->fdone = ch->fown;
    ch->fdone_len = ch->fown_len;
    ch->fown = NULL;
    ch->fown_len = 0;
  }
  if (ch->state == 0) {
    stage = RP__CHAN_FAIL_HANDSHAKE;
    rc = ch->responder ? respond(ch, buf, flen, ev, &stage)
                       : finish_handshake(ch, buf, flen);
    if (rc != 0) goto fail;
    ev->type = RP__CHAN_EV_OPEN;
    return 0;
  }
  if ((rc = on_frame(ch, buf, flen, ev, where, &stage)) != 0) goto fail;
  return 0;
fail:
  ch->rx_broken = true;
  if (ch->state == 0) ch->tx_broken = true; /* no keys: nothing can be sealed */
  ch->failed_at = stage;
  memset(ev, 0, sizeof *ev);
  return rc;
}

size_t rp__chan_sealed_size(size_t msg_len) {
  return msg_len + rp__frag_count(msg_len) *
                       (RP__FRAME_PREFIX + RP__FRAG_HEADER + RP__NOISE_TAGBYTES);
}

/* The encoded size bound of m: the fixed fields plus its one variable byte string. */
static size_t encoded_bound(const rp__tmsg *m) {
  size_t n = SMALL_MSG;
  switch (m->type) {
  case RP__T_DELIVER:
    n += m->u.deliver.envelope.n;
    break;
  case RP__T_ROSTER:
    n += m->u.roster.roster.n;
    break;
  case RP__T_SEND:
    n += m->u.send.envelope.n;
    break;
  case RP__T_CHUNK:
    n += m->u.chunk.data.n;
    break;
  case RP__T_CHUNK_DATA:
    n += m->u.chunk_data.data.n;
    break;
  case RP__T_PURGE:
    n += m->u.purge.ids.n;
    break;
  default:
    break;
  }
  return n < RP__TMSG_MAX ? n : RP__TMSG_MAX;
}

size_t rp__chan_seal_bound(const rp__tmsg *m) {
  return rp__chan_sealed_size(encoded_bound(m));
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
    if ((rc = rp__frag_writer_next(&fw, f, room - RP__NOISE_TAGBYTES, &flen)) != 0 ||
        (rc = rp__noise_cipher_encrypt(&ch->tx, NULL, 0, f, flen, f, room, &ct)) != 0 ||
        (rc = rp__frame_prefix(out + *total, ct)) != 0)
      break;
    *total += RP__FRAME_PREFIX + ct;
  }
  return rc;
}

int rp__chan_seal_into(rp__chan *ch, const rp__tmsg *m, uint8_t *out, size_t cap,
                       size_t *len) {
  uint8_t small[SMALL_MSG];
  uint8_t *enc = small;
  size_t ecap = encoded_bound(m), elen = 0, total = 0;
  int rc;

  *len = 0;
  if (ch->tx_broken || ch->state == 0) return RP_ESTATE;
  if ((rc = rp__tmsg_allowed(m->type, ch->rx_dir == RP__TD_C2R ? RP__TD_R2C : RP__TD_C2R,
                             ch->state)) != 0)
    return rc;
  if (ecap > sizeof small && (enc = malloc(ecap)) == NULL) return RP_ENOMEM;
  if ((rc = rp__tmsg_encode(m, enc, ecap, &elen)) != 0) goto out;
  if (rp__chan_sealed_size(elen) > cap) {
    rc = RP_ETOOBIG;
    goto out;
  }
  if ((rc = seal_frames(ch, enc, elen, out, cap, &total)) != 0) {
    /* A nonce may have been used: the stream is out of step both ways. */
    ch->tx_broken = ch->rx_broken = true;
    goto out;
  }
  ch->state = rp__tmsg_next_state(m->type, ch->state);
  *len = total;
out:
  if (enc != small) free(enc);
  return rc;
}

int rp__chan_seal(rp__chan *ch, const rp__tmsg *m, uint8_t **out, size_t *len) {
  size_t cap = rp__chan_seal_bound(m), n = 0;
  uint8_t *buf;
  int rc;

  *out = NULL;
  *len = 0;
  if (ch->tx_broken || ch->state == 0) return RP_ESTATE;
  if ((buf = malloc(cap)) == NULL) return RP_ENOMEM;
  if ((rc = rp__chan_seal_into(ch, m, buf, cap, &n)) != 0) {
    free(buf);
    return rc;
  }
  *out = buf;
  *len = n;
  return 0;
}
