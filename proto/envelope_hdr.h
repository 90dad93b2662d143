/* SPDX-License-Identifier: MIT */
/*
 * The envelope container and its outer header (docs/PROTOCOL.md, section 6).
 *
 * An envelope is what SEND and DELIVER carry. The relay reads only the header; the rest
 * is HPKE (proto/envelope.c seals and opens it, using the functions here):
 *
 *   container = {0: version, 1: header (bin), 2: enc (bin, 32), 3: ciphertext (bin)}
 *   header    = {0: version, 1: msg_id (bin, 16), 2: sender, 3: recipient (text),
 *                4: created, 5: expires (unix ms), 6: urgency (text), 7: size_class,
 *                8: sender_key, 9: recipient_key (bin, 8; optional for the relay),
 *                10: chunks (uint; 0 = absent = no attachment chunks)}
 *
 * The container keeps the header as the exact bytes that were sealed: they are the AEAD
 * associated data, so a relay that alters or re-routes an envelope breaks the tag. A
 * reader never re-encodes the header; it decodes the bytes it was given and passes the
 * same bytes to HPKE.
 *
 * Size classes hide the payload's length from the relay. Class c (0..RP__ENVHDR_CLASS_MAX)
 * means the ciphertext is exactly 1024 << c bytes (1 KiB .. 1 MiB): the plaintext is
 * padded with sodium_pad to (1024 << c) - 16 bytes and the AEAD adds its 16-byte tag. The
 * relay checks that the ciphertext length matches the class (RP_ESIZE otherwise).
 */
#ifndef RP_ENVELOPE_HDR_H
#define RP_ENVELOPE_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "mp.h"

#define RP__ENVHDR_ENC_BYTES 32u /* HPKE DHKEM(X25519) encapsulated key */
#define RP__ENVHDR_TAG_BYTES 16u /* ChaCha20Poly1305 tag */
#define RP__ENVHDR_CLASS_MIN_BYTES 1024u
#define RP__ENVHDR_CLASS_MAX 10u  /* 1024 << 10 = 1 MiB */
#define RP__ENVHDR_KEYID_BYTES 8u /* a message key's id: SHA-256(public key)[0..8) */
/* The latest time any timestamp may carry: 9999-12-31T23:59:59.999Z in unix ms. It keeps
 * every time exact in a double and in SQLite's signed 64-bit integers. */
#define RP__ENVHDR_TIME_MAX 253402300799999ull
/* The longest encoded header: map, version, msg_id, two member ids, two uint64 times,
 * the longest urgency name ("haster"), the class, the two key ids and the chunk count (a
 * uint32 at most, RP__CHUNK_COUNT_MAX), each with its key. */
#define RP__ENVHDR_MAX                                                                     \
  (1u + 2u + (1u + 2u + RP_MSG_ID_BYTES) + 2u * (1u + 2u + RP_MEMBER_ID_MAX) +             \
   2u * (1u + 9u) + (1u + 1u + 6u) + (1u + 1u) + 2u * (1u + 2u + RP__ENVHDR_KEYID_BYTES) + \
   (1u + 5u))
/* The longest encoded container: map, version, the header (bin8), enc (bin8) and the
 * ciphertext (bin32), each with its key. */
#define RP__ENVC_MAX                                                                       \
  (1u + 2u + (1u + 2u + RP__ENVHDR_MAX) + (1u + 2u + RP__ENVHDR_ENC_BYTES) +               \
   (1u + 5u + RP_ENVELOPE_BODY_MAX))

/* Urgency, the only payload property visible outside the encryption (docs/DOMAIN.md). The
 * wire carries the name; the C value is its 1-based index. */
typedef enum rp__urgency {
  RP__URG_AKUT = 1,   /* "akut" */
  RP__URG_HASTER = 2, /* "haster" */
  RP__URG_NORMAL = 3, /* "normal" */
  RP__URG_PLAN = 4,   /* "plan" */
} rp__urgency;

/* The one table of urgency names, indexed by rp__urgency. Every layer that shows or
 * parses an urgency uses it or the two functions below. */
extern const rp__enum rp__urgency_enum;

/* "akut", "haster", "normal" or "plan"; NULL for any other value. */
const char *rp__urgency_name(int urg);

/* The rp__urgency of a name, or 0 if name (which may be NULL) is none of them. */
int rp__urgency_from_name(const char *name);

/* The outer header. Decoded texts borrow from the header bytes. */
typedef struct rp__envhdr {
  uint32_t version;                /* key 0; set by decode, written by encode */
  uint8_t msg_id[RP_MSG_ID_BYTES]; /* key 1; random, never all zero */
  rp__str sender;                  /* key 2; member id, 1..RP_MEMBER_ID_MAX bytes */
  rp__str recipient;               /* key 3; member id, 1..RP_MEMBER_ID_MAX bytes */
  uint64_t created;                /* key 4; unix ms, 1..RP__ENVHDR_TIME_MAX */
  uint64_t expires;                /* key 5; created < expires <= created + max */
  int urgency;                     /* key 6; an rp__urgency */
  uint64_t size_class;             /* key 7; 0..RP__ENVHDR_CLASS_MAX */
  uint8_t sender_key[RP__ENVHDR_KEYID_BYTES];    /* key 8; id of the sealing message key */
  uint8_t recipient_key[RP__ENVHDR_KEYID_BYTES]; /* key 9; id of the opening message key */
  /* key 10; N, the sealed attachment chunks that travel beside the envelope (chunk.h):
   * rp__chunk_plan of the payload's attachment sizes, 0..RP__CHUNK_COUNT_MAX, 0 (absent)
   * when there are none. Part of the header, so authenticated end to end; the relay reads
   * it to refuse a SEND whose chunks it does not all hold, the recipient checks it
   * against the payload's descriptors. */
  uint64_t chunks;
} rp__envhdr;

/* The container. Decoded byte strings borrow from the container bytes. */
typedef struct rp__envcont {
  uint32_t version;                  /* key 0 */
  rp__bin header;                    /* key 1; encoded rp__envhdr, 1..RP__ENVHDR_MAX */
  uint8_t enc[RP__ENVHDR_ENC_BYTES]; /* key 2 */
  rp__bin ct;                        /* key 3; 1..RP_ENVELOPE_BODY_MAX */
} rp__envcont;

/* The schemas, for the fuzz harnesses and the documentation. */
extern const rp__schema rp__envhdr_schema;
extern const rp__schema rp__envcont_schema;

/*
 * Encodes header `h` into buf[0..cap) and sets *len (cleared on entry). The result is
 * what HPKE takes as associated data and what the container carries at key 1; a buffer
 * of RP__ENVHDR_MAX bytes always suffices. Checks every rule decoding checks, so we
 * never emit a header we would refuse: RP_ETOOBIG (a value or the id length out of
 * range, times out of order, or cap too small), RP_EENUM, RP_EUTF8, RP_EMALFORMED (an
 * all-zero msg_id). *where (may be NULL) names the failing field.
 */
int rp__envhdr_encode(const rp__envhdr *h, uint8_t *buf, size_t cap, size_t *len,
                      const char **where);

/*
 * Decodes header bytes buf[0..len) into *out (zeroed first, and again on error). out's
 * texts borrow from buf. Errors as for rp__mp_decode, plus the cross-field rules above.
 */
int rp__envhdr_decode(const uint8_t *buf, size_t len, rp__envhdr *out, const char **where);

/*
 * Checks the header's times against the reader's clock `now_ms`: RP_EEXPIRED when
 * now_ms >= expires; RP_EINVAL when created lies more than RP_CLOCK_SKEW_MS in the
 * future (the sender's clock is wrong). Returns 0 otherwise.
 */
int rp__envhdr_check_time(const rp__envhdr *h, uint64_t now_ms);

/*
 * Maps a plaintext length (the payload before padding) to the smallest size class
 * whose padded length holds it plus sodium_pad's marker byte. *cls is cleared on entry.
 * Returns 0, or RP_ETOOBIG if even the largest class is too small.
 */
int rp__envhdr_class_for(size_t plaintext_len, uint64_t *cls);

/* The padded plaintext length of class cls: pass it as sodium_pad's block size and
 * max_buflen. 0 for a class out of range. */
size_t rp__envhdr_class_padded(uint64_t cls);

/* The exact ciphertext length of class cls (padded length + tag). 0 if out of range. */
size_t rp__envhdr_class_ct_bytes(uint64_t cls);

/*
 * Encodes container `c` into buf[0..cap) and sets *len (cleared on entry). c->header
 * must hold encoded header bytes (they are copied as they are, not re-encoded). A
 * buffer of RP__ENVC_MAX bytes always suffices. Errors as for rp__mp_encode.
 */
int rp__envhdr_container_encode(const rp__envcont *c, uint8_t *buf, size_t cap, size_t *len,
                                const char **where);

/*
 * Decodes container bytes buf[0..len) into *out without looking inside the header.
 * out borrows from buf. Errors as for rp__mp_decode.
 */
int rp__envhdr_container_decode(const uint8_t *buf, size_t len, rp__envcont *out,
                                const char **where);

/*
 * What the relay does with an envelope: decodes the container, decodes its header,
 * and checks that the ciphertext length is exactly that of the header's size class
 * (RP_ESIZE otherwise). *c and *h are zeroed on entry and on error; both borrow from
 * buf. The clock is not consulted (see rp__envhdr_check_time).
 */
int rp__envhdr_container_parse(const uint8_t *buf, size_t len, rp__envcont *c,
                               rp__envhdr *h, const char **where);

#endif /* RP_ENVELOPE_HDR_H */
