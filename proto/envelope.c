/* SPDX-License-Identifier: MIT */
/* End-to-end envelopes; see envelope.h for the order of the checks. */
#include "envelope.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hpke.h"
#include "rejsepost_errors.h"

static const rp__hpke_params envelope_params = {
    .mode = RP__HPKE_MODE_AUTH,
    .info = (const uint8_t *)RP__ENVELOPE_INFO,
    .info_len = sizeof RP__ENVELOPE_INFO - 1,
};

void rp__envelope_key_id(uint8_t id[RP__ENVHDR_KEYID_BYTES],
                         const uint8_t pk[RP_X25519_PUBLICKEYBYTES]) {
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, pk, RP_X25519_PUBLICKEYBYTES);
  memcpy(id, h, RP__ENVHDR_KEYID_BYTES);
}

void rp__envelope_new_id(uint8_t id[RP_MSG_ID_BYTES]) {
  do
    randombytes_buf(id, RP_MSG_ID_BYTES);
  while (sodium_is_zero(id, RP_MSG_ID_BYTES));
}

/* The sealing state between rp__envelope_begin and rp__envelope_finish: everything
 * finish needs of the two members is copied here, so that the caller may release the
 * roster (and its lock) while it streams the attachments. In sodium_malloc memory: the
 * HPKE context is a secret. */
struct rp__envelope_sealer {
  rp__hpke_ctx ctx;
  uint8_t enc[RP__HPKE_NENC];
  char sender[RP_MEMBER_ID_MAX + 1];
  char recipient[RP_MEMBER_ID_MAX + 1];
  uint8_t sender_key[RP__ENVHDR_KEYID_BYTES];
  uint8_t recipient_key[RP__ENVHDR_KEYID_BYTES];
  int used; /* finish seals once: a second seal would use sequence number 1 */
};

/* Sets up the HPKE Auth sender context (with a fresh ephemeral, or skE when given) and
 * exports the chunk key. The export does not depend on the sequence number, so taking it
 * before the seal gives the key the single-shot form took after it. */
static int begin(const rp__identity *me, const rp__member *to, rp__envelope_sealer **out,
                 uint8_t *chunk_key, const uint8_t *skE) {
  rp__envelope_sealer *s = NULL;
  int rc = RP_EINVAL;
  if (out != NULL) *out = NULL;
  if (chunk_key != NULL) memset(chunk_key, 0, RP__CHUNK_KEYBYTES);
  if (me == NULL || me->sec == NULL || to == NULL || out == NULL || chunk_key == NULL)
    return RP_EINVAL;
  if (to->revoked) return RP_EREVOKED;
  if (strlen(me->pub.id) > RP_MEMBER_ID_MAX || strlen(to->pub.id) > RP_MEMBER_ID_MAX)
    return RP_EINVAL;
  if ((s = sodium_malloc(sizeof *s)) == NULL) return RP_ENOMEM;
  memset(s, 0, sizeof *s);
  memcpy(s->sender, me->pub.id, strlen(me->pub.id));
  memcpy(s->recipient, to->pub.id, strlen(to->pub.id));
  rp__envelope_key_id(s->sender_key, me->pub.message_pk);
  rp__envelope_key_id(s->recipient_key, to->pub.message_pk);
  rc = skE == NULL
           ? rp__hpke_setup_sender(&s->ctx, s->enc, &envelope_params, to->pub.message_pk,
                                   me->sec->message_sk)
           : rp__hpke_setup_sender_derand(&s->ctx, s->enc, &envelope_params,
                                          to->pub.message_pk, me->sec->message_sk, skE);
  if (rc == 0)
    rc = rp__hpke_ctx_export(&s->ctx, chunk_key, RP__CHUNK_KEYBYTES,
                             (const uint8_t *)RP__CHUNK_KEY_CONTEXT,
                             sizeof RP__CHUNK_KEY_CONTEXT - 1);
  if (rc != 0) {
    sodium_memzero(chunk_key, RP__CHUNK_KEYBYTES);
    rp__envelope_sealer_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

int rp__envelope_begin(const rp__identity *me, const rp__member *to,
                       rp__envelope_sealer **out, uint8_t chunk_key[RP__CHUNK_KEYBYTES]) {
  return begin(me, to, out, chunk_key, NULL);
}

int rp__envelope_begin_derand(const rp__identity *me, const rp__member *to,
                              rp__envelope_sealer **out,
                              uint8_t chunk_key[RP__CHUNK_KEYBYTES],
                              const uint8_t skE[RP__HPKE_NSK]) {
  if (skE == NULL) {
    if (out != NULL) *out = NULL;
    if (chunk_key != NULL) memset(chunk_key, 0, RP__CHUNK_KEYBYTES);
    return RP_EINVAL;
  }
  return begin(me, to, out, chunk_key, skE);
}

void rp__envelope_sealer_free(rp__envelope_sealer *s) {
  if (s == NULL) return;
  rp__hpke_ctx_wipe(&s->ctx);
  sodium_free(s); /* sodium_free wipes */
}

int rp__envelope_finish(rp__envelope_sealer *s, const rp__seal_args *a, const uint8_t *pt,
                        size_t pt_len, uint8_t **out, size_t *out_len) {
  if (out != NULL) *out = NULL;
  if (out_len != NULL) *out_len = 0;
  if (s == NULL || a == NULL || out == NULL || out_len == NULL ||
      (pt == NULL && pt_len != 0))
    return RP_EINVAL;
  if (pt_len > RP__ENVELOPE_PT_MAX) return RP_ETOOBIG;
  if (s->used) return RP_ESTATE;

  rp__envhdr h;
  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, a->msg_id, sizeof h.msg_id);
  h.sender = (rp__str){s->sender, (uint32_t)strlen(s->sender)};
  h.recipient = (rp__str){s->recipient, (uint32_t)strlen(s->recipient)};
  h.created = a->created;
  h.expires = a->expires;
  h.urgency = a->urgency;
  h.chunks = a->chunks;
  int rc = rp__envhdr_class_for(pt_len, &h.size_class);
  if (rc != 0) return rc;
  memcpy(h.sender_key, s->sender_key, sizeof h.sender_key);
  memcpy(h.recipient_key, s->recipient_key, sizeof h.recipient_key);

  uint8_t hdr[RP__ENVHDR_MAX];
  size_t hdr_len;
  rc = rp__envhdr_encode(&h, hdr, sizeof hdr, &hdr_len, NULL);
  if (rc != 0) return rc == RP_ETOOBIG || rc == RP_EENUM ? RP_EINVAL : rc;

  /* Pad in locked memory: the padded buffer holds the plaintext. */
  size_t padded_cap = rp__envhdr_class_padded(h.size_class);
  size_t ct_len = rp__envhdr_class_ct_bytes(h.size_class);
  uint8_t *padded = sodium_malloc(padded_cap);
  uint8_t *ct = malloc(ct_len);
  if (padded == NULL || ct == NULL) {
    sodium_free(padded);
    free(ct);
    return RP_ENOMEM;
  }
  if (pt_len != 0) memcpy(padded, pt, pt_len);
  size_t padded_len = 0;
  if (sodium_pad(&padded_len, padded, pt_len, padded_cap, padded_cap) != 0 ||
      padded_len != padded_cap) {
    rc = RP_EINTERNAL;
    goto done;
  }
  rp__envcont c = {.header = {hdr, (uint32_t)hdr_len}};
  memcpy(c.enc, s->enc, sizeof c.enc);
  s->used = 1;
  if ((rc = rp__hpke_ctx_seal(&s->ctx, ct, padded, padded_len, hdr, hdr_len)) != 0)
    goto done;
  c.ct = (rp__bin){ct, (uint32_t)ct_len};

  size_t cap = ct_len + hdr_len + 64;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) {
    rc = RP_ENOMEM;
    goto done;
  }
  rc = rp__envhdr_container_encode(&c, buf, cap, out_len, NULL);
  if (rc != 0) {
    free(buf);
    *out_len = 0;
    goto done;
  }
  *out = buf;
done:
  sodium_free(padded);
  free(ct);
  return rc;
}

/* The single-shot forms: begin and finish in one call, with the argument checks in the
 * order they always had (size before the recipient's state). */
static int seal(const rp__identity *me, const rp__member *to, const rp__seal_args *a,
                const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len,
                uint8_t *chunk_key, const uint8_t *skE) {
  rp__envelope_sealer *s = NULL;
  uint8_t key[RP__CHUNK_KEYBYTES];
  int rc;
  if (out != NULL) *out = NULL;
  if (out_len != NULL) *out_len = 0;
  if (chunk_key != NULL) memset(chunk_key, 0, RP__CHUNK_KEYBYTES);
  if (me == NULL || me->sec == NULL || to == NULL || a == NULL || out == NULL ||
      out_len == NULL || (pt == NULL && pt_len != 0))
    return RP_EINVAL;
  if (pt_len > RP__ENVELOPE_PT_MAX) return RP_ETOOBIG;
  if (to->revoked) return RP_EREVOKED;
  rc = begin(me, to, &s, key, skE);
  if (rc == 0) rc = rp__envelope_finish(s, a, pt, pt_len, out, out_len);
  if (rc == 0 && chunk_key != NULL) memcpy(chunk_key, key, sizeof key);
  rp__envelope_sealer_free(s);
  sodium_memzero(key, sizeof key);
  return rc;
}

int rp__envelope_seal(const rp__identity *me, const rp__member *to, const rp__seal_args *a,
                      const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len) {
  return seal(me, to, a, pt, pt_len, out, out_len, NULL, NULL);
}

int rp__envelope_seal_ex(const rp__identity *me, const rp__member *to,
                         const rp__seal_args *a, const uint8_t *pt, size_t pt_len,
                         uint8_t **out, size_t *out_len,
                         uint8_t chunk_key[RP__CHUNK_KEYBYTES]) {
  return seal(me, to, a, pt, pt_len, out, out_len, chunk_key, NULL);
}

int rp__envelope_seal_derand(const rp__identity *me, const rp__member *to,
                             const rp__seal_args *a, const uint8_t *pt, size_t pt_len,
                             uint8_t **out, size_t *out_len,
                             uint8_t chunk_key[RP__CHUNK_KEYBYTES],
                             const uint8_t skE[RP__HPKE_NSK]) {
  if (skE == NULL) {
    if (out != NULL) *out = NULL;
    if (out_len != NULL) *out_len = 0;
    if (chunk_key != NULL) memset(chunk_key, 0, RP__CHUNK_KEYBYTES);
    return RP_EINVAL;
  }
  return seal(me, to, a, pt, pt_len, out, out_len, chunk_key, skE);
}

/* 0 if id equals the key id of pk; the ids are public, a plain compare would do, but
 * the constant-time one costs nothing here. */
static int key_id_matches(const uint8_t id[RP__ENVHDR_KEYID_BYTES],
                          const uint8_t pk[RP_X25519_PUBLICKEYBYTES]) {
  uint8_t want[RP__ENVHDR_KEYID_BYTES];
  rp__envelope_key_id(want, pk);
  return sodium_memcmp(id, want, sizeof want);
}

int rp__envelope_open(const rp__identity *me, const rp__roster *roster, const uint8_t *env,
                      size_t len, uint64_t now_ms, rp__opened *out) {
  if (out != NULL) memset(out, 0, sizeof *out);
  if (me == NULL || me->sec == NULL || roster == NULL || env == NULL || out == NULL)
    return RP_EINVAL;

  rp__envcont c;
  rp__envhdr h;
  int rc = rp__envhdr_container_parse(env, len, &c, &h, NULL);
  if (rc != 0) return rc;

  /* The opener needs both key ids; a header without them is not end-to-end sealed. */
  if (sodium_is_zero(h.sender_key, sizeof h.sender_key) ||
      sodium_is_zero(h.recipient_key, sizeof h.recipient_key))
    return RP_EMISSING;
  if (!rp__str_eq(h.recipient, me->pub.id) ||
      key_id_matches(h.recipient_key, me->pub.message_pk) != 0)
    return RP_EWRONGRECIPIENT;

  /* The sender's id is at most RP_MEMBER_ID_MAX bytes (the decoder checked). */
  char sender_id[RP_MEMBER_ID_MAX + 1];
  memcpy(sender_id, h.sender.p, h.sender.n);
  sender_id[h.sender.n] = 0;
  if (strlen(sender_id) != h.sender.n) return RP_EUNKNOWNMEMBER; /* embedded NUL */
  const rp__member *from = rp__roster_find_id(roster, sender_id);
  if (from == NULL) return RP_EUNKNOWNMEMBER;
  /* Revoked, or not yet enrolled when it claims to have sealed this. */
  rc = rp__roster_member_active(from, h.created);
  if (rc != 0) return rc;
  if (key_id_matches(h.sender_key, from->pub.message_pk) != 0) return RP_EWRONGSENDER;

  rc = rp__envhdr_check_time(&h, now_ms);
  if (rc != 0) return rc;
  if (c.ct.n != rp__envhdr_class_ct_bytes(h.size_class)) return RP_ESIZE;

  size_t padded_len = c.ct.n - RP__ENVHDR_TAG_BYTES;
  uint8_t *pt = sodium_malloc(padded_len);
  if (pt == NULL) return RP_ENOMEM;
  /* The single-shot open of RFC 9180 6.1 (setup, open with sequence number 0), keeping
   * the context long enough to export the chunk key. */
  rp__hpke_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  rc = rp__hpke_setup_recipient(&ctx, &envelope_params, c.enc, me->sec->message_sk,
                                from->pub.message_pk);
  if (rc == 0) rc = rp__hpke_ctx_open(&ctx, pt, c.ct.p, c.ct.n, c.header.p, c.header.n);
  if (rc == 0)
    rc = rp__hpke_ctx_export(&ctx, out->chunk_key, sizeof out->chunk_key,
                             (const uint8_t *)RP__CHUNK_KEY_CONTEXT,
                             sizeof RP__CHUNK_KEY_CONTEXT - 1);
  rp__hpke_ctx_wipe(&ctx);
  if (rc != 0) {
    sodium_memzero(out->chunk_key, sizeof out->chunk_key);
    sodium_free(pt);
    return rc == RP_ECRYPTO ? RP_EAUTH : rc;
  }
  size_t pt_len = 0;
  if (sodium_unpad(&pt_len, pt, padded_len, padded_len) != 0) {
    sodium_memzero(out->chunk_key, sizeof out->chunk_key);
    sodium_free(pt);
    return RP_EMALFORMED; /* authentic but badly padded: a broken sender */
  }
  out->hdr = h;
  out->sender = from;
  out->pt = pt;
  out->pt_len = pt_len;
  return 0;
}

void rp__opened_free(rp__opened *o) {
  if (o == NULL) return;
  sodium_free(o->pt); /* sodium_free wipes */
  sodium_memzero(o, sizeof *o);
}
