/* SPDX-License-Identifier: MIT */
/*
 * The envelope container and its outer header (envelope_hdr.h): field tables for the
 * schema engine, the cross-field rules, and the size classes.
 */
#include <string.h>

#include <sodium.h>

#include "chunk.h"
#include "envelope_hdr.h"

_Static_assert(RP__ENVHDR_ENC_BYTES == crypto_scalarmult_curve25519_BYTES,
               "enc is one X25519 public key");
_Static_assert(RP__ENVHDR_TAG_BYTES == crypto_aead_chacha20poly1305_ietf_ABYTES,
               "the HPKE AEAD is ChaCha20Poly1305");
_Static_assert((RP__ENVHDR_CLASS_MIN_BYTES << RP__ENVHDR_CLASS_MAX) == RP_ENVELOPE_BODY_MAX,
               "the largest size class is the largest body");
_Static_assert(RP__ENVHDR_MAX <= 0xffu, "a header's bin header is 2 bytes (RP__ENVC_MAX)");
_Static_assert(RP_ENVELOPE_BODY_MAX > 0xffffu, "a large body's bin header is 5 bytes");
_Static_assert(RP_EXPIRY_MAX_MS < RP__ENVHDR_TIME_MAX, "expiry fits the time range");
_Static_assert(RP__CHUNK_COUNT_MAX <= 0xffffffffu,
               "chunks is a uint32 at most (RP__ENVHDR_MAX)");

RP__ENUM(, rp__urgency_enum, "akut", "haster", "normal", "plan");

const char *rp__urgency_name(int urg) {
  return rp__enum_at(&rp__urgency_enum, urg);
}

int rp__urgency_from_name(const char *name) {
  return rp__enum_find(&rp__urgency_enum, name);
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

/* Cross-field rules, run by the engine after decoding and before encoding. */
static int envhdr_check(const void *obj, const char **where) {
  const rp__envhdr *h = obj;
  /* An all-zero id is what "absent" means in optional msg_id fields (a NACK for an
   * unreadable envelope), so a real envelope may never use it. */
  if (all_zero(h->msg_id, sizeof h->msg_id)) {
    if (where) *where = "msg_id";
    return RP_EMALFORMED;
  }
  /* An envelope that expires at or before its creation, or lives longer than the cap,
   * is out of range; the relay would otherwise hold it past the operator's limit. */
  if (h->expires <= h->created || h->expires - h->created > RP_EXPIRY_MAX_MS) {
    if (where) *where = "expires";
    return RP_ETOOBIG;
  }
  return 0;
}

#define HDR_FIELD(k, n, t, fl, member)                                                     \
  .key = (k), .name = (n), .type = (t), .flags = (fl), .off = offsetof(rp__envhdr, member)

static const rp__field envhdr_fields[] = {
    {HDR_FIELD(0, "version", RP__F_VERSION, RP__REQ, version)},
    {HDR_FIELD(1, "msg_id", RP__F_FIXBIN, RP__REQ, msg_id), .min = RP_MSG_ID_BYTES,
     .max = RP_MSG_ID_BYTES},
    {HDR_FIELD(2, "sender", RP__F_STR, RP__REQ, sender), .min = 1, .max = RP_MEMBER_ID_MAX},
    {HDR_FIELD(3, "recipient", RP__F_STR, RP__REQ, recipient), .min = 1,
     .max = RP_MEMBER_ID_MAX},
    {HDR_FIELD(4, "created", RP__F_UINT, RP__REQ, created), .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {HDR_FIELD(5, "expires", RP__F_UINT, RP__REQ, expires), .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    {HDR_FIELD(6, "urgency", RP__F_ENUM, RP__REQ, urgency), .enm = &rp__urgency_enum},
    {HDR_FIELD(7, "size_class", RP__F_UINT, RP__REQ, size_class), .min = 0,
     .max = RP__ENVHDR_CLASS_MAX},
    /* Key ids (proto/envelope.h): optional here because the relay has no use for them;
     * the end-to-end opener requires both. */
    {HDR_FIELD(8, "sender_key", RP__F_FIXBIN, 0, sender_key), .min = RP__ENVHDR_KEYID_BYTES,
     .max = RP__ENVHDR_KEYID_BYTES},
    {HDR_FIELD(9, "recipient_key", RP__F_FIXBIN, 0, recipient_key),
     .min = RP__ENVHDR_KEYID_BYTES, .max = RP__ENVHDR_KEYID_BYTES},
    /* Attachment chunks (docs/PROTOCOL.md 6.7, 5.1 chunk): optional, 0 meaning none, so
     * an envelope without attachments has the same bytes as before the key existed. */
    {HDR_FIELD(10, "chunks", RP__F_UINT, 0, chunks), .min = 0, .max = RP__CHUNK_COUNT_MAX},
};

const rp__schema rp__envhdr_schema = {"envelope_header", sizeof(rp__envhdr), envhdr_fields,
                                      sizeof envhdr_fields / sizeof envhdr_fields[0],
                                      envhdr_check};

#define CONT_FIELD(k, n, t, member)                                                        \
  .key = (k), .name = (n), .type = (t), .flags = RP__REQ,                                  \
  .off = offsetof(rp__envcont, member)

static const rp__field envcont_fields[] = {
    {CONT_FIELD(0, "version", RP__F_VERSION, version)},
    {CONT_FIELD(1, "header", RP__F_BIN, header), .min = 1, .max = RP__ENVHDR_MAX},
    {CONT_FIELD(2, "enc", RP__F_FIXBIN, enc), .min = RP__ENVHDR_ENC_BYTES,
     .max = RP__ENVHDR_ENC_BYTES},
    {CONT_FIELD(3, "ciphertext", RP__F_BIN, ct), .min = 1, .max = RP_ENVELOPE_BODY_MAX},
};

const rp__schema rp__envcont_schema = {"envelope", sizeof(rp__envcont), envcont_fields,
                                       sizeof envcont_fields / sizeof envcont_fields[0],
                                       NULL};

int rp__envhdr_encode(const rp__envhdr *h, uint8_t *buf, size_t cap, size_t *len,
                      const char **where) {
  return rp__mp_encode(&rp__envhdr_schema, h, buf, cap, len, where);
}

int rp__envhdr_decode(const uint8_t *buf, size_t len, rp__envhdr *out, const char **where) {
  return rp__mp_decode(&rp__envhdr_schema, buf, len, out, where);
}

int rp__envhdr_check_time(const rp__envhdr *h, uint64_t now_ms) {
  if (now_ms >= h->expires) return RP_EEXPIRED;
  if (h->created > now_ms && h->created - now_ms > RP_CLOCK_SKEW_MS) return RP_EINVAL;
  return 0;
}

size_t rp__envhdr_class_ct_bytes(uint64_t cls) {
  if (cls > RP__ENVHDR_CLASS_MAX) return 0;
  return (size_t)RP__ENVHDR_CLASS_MIN_BYTES << cls;
}

size_t rp__envhdr_class_padded(uint64_t cls) {
  size_t ct = rp__envhdr_class_ct_bytes(cls);
  return ct == 0 ? 0 : ct - RP__ENVHDR_TAG_BYTES;
}

int rp__envhdr_class_for(size_t plaintext_len, uint64_t *cls) {
  *cls = 0;
  for (uint64_t c = 0; c <= RP__ENVHDR_CLASS_MAX; c++) {
    /* sodium_pad always appends at least one byte (its 0x80 marker). */
    if (plaintext_len < rp__envhdr_class_padded(c)) {
      *cls = c;
      return 0;
    }
  }
  return RP_ETOOBIG;
}

int rp__envhdr_container_encode(const rp__envcont *c, uint8_t *buf, size_t cap, size_t *len,
                                const char **where) {
  return rp__mp_encode(&rp__envcont_schema, c, buf, cap, len, where);
}

int rp__envhdr_container_decode(const uint8_t *buf, size_t len, rp__envcont *out,
                                const char **where) {
  return rp__mp_decode(&rp__envcont_schema, buf, len, out, where);
}

int rp__envhdr_container_parse(const uint8_t *buf, size_t len, rp__envcont *c,
                               rp__envhdr *h, const char **where) {
  int r = RP_EINTERNAL;

  memset(c, 0, sizeof *c);
  memset(h, 0, sizeof *h);
  if ((r = rp__envhdr_container_decode(buf, len, c, where)) != 0) goto out;
  if ((r = rp__envhdr_decode(c->header.p, c->header.n, h, where)) != 0) goto out;
  if (c->ct.n != rp__envhdr_class_ct_bytes(h->size_class)) {
    if (where) *where = "ciphertext";
    r = RP_ESIZE;
    goto out;
  }
  r = 0;
out:
  if (r != 0) {
    memset(c, 0, sizeof *c);
    memset(h, 0, sizeof *h);
  }
  return r;
}
