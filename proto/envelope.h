/* SPDX-License-Identifier: MIT */
/*
 * End-to-end envelopes: seal a payload for one roster member, open one addressed to us.
 * docs/PROTOCOL.md, 6.4 "Sealing" and 6.5 "Opening", is the byte-for-byte description.
 *
 *   seal:  plaintext --sodium_pad--> (1024 << class) - 16 bytes
 *          header (envelope_hdr.h) encoded once; those bytes are the AEAD's associated
 *          data and travel unchanged in the container
 *          HPKE Auth mode (RFC 9180, X25519/HKDF-SHA256/ChaCha20Poly1305), info
 *          "rejsepost/1 envelope", sender's message key authenticates, recipient's
 *          message key opens; container = {header, enc, ciphertext}
 *
 *   open:  container and header decoded, ciphertext length
 *          matches the size class                             else schema errors / RP_ESIZE
 *          -> both key ids present                            else RP_EMISSING
 *          -> recipient is us, by id and by key id           else RP_EWRONGRECIPIENT
 *          -> sender is in the roster, was enrolled when it
 *             sealed (valid_from <= created), not revoked     else RP_EUNKNOWNMEMBER /
 *                                                                   RP_EREVOKED
 *          -> sender's key id is the roster's message key     else RP_EWRONGSENDER
 *          -> not expired, not from the future                else RP_EEXPIRED / RP_EINVAL
 *          -> HPKE open with the header as associated data    else RP_EAUTH
 *          -> padding well formed                             else RP_EMALFORMED
 *
 * Key ids (header keys 8 and 9) are the first 8 bytes of SHA-256 of the X25519 message
 * public key. They are not a security mechanism (HPKE Auth is): they let the opener say
 * which of three things went wrong, a stale or wrong recipient key, a sender using a key
 * the roster does not hold, or bytes altered on the way, instead of one opaque failure.
 * A relay that rewrites a key id gains nothing: the header is authenticated data.
 */
#ifndef RP_ENVELOPE_H
#define RP_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "chunk.h"
#include "envelope_hdr.h"
#include "hpke.h"
#include "identity.h"
#include "roster.h"

#define RP__ENVELOPE_INFO "rejsepost/1 envelope"

/* The largest plaintext an envelope carries: the largest class minus the tag and
 * sodium_pad's marker byte. */
#define RP__ENVELOPE_PT_MAX (RP_ENVELOPE_BODY_MAX - RP__ENVHDR_TAG_BYTES - 1u)

/* What the sender chooses for one envelope. */
typedef struct rp__seal_args {
  uint8_t msg_id[RP_MSG_ID_BYTES]; /* random, never all zero (rp__envelope_new_id) */
  uint64_t created;                /* unix ms */
  uint64_t expires;                /* unix ms; created < expires <= created + max */
  int urgency;                     /* rp__urgency */
  /* N, the attachment chunks that travel beside the envelope (header key 10): the
   * rp__chunk_plan of the payload's attachment sizes; 0 without attachments. Over
   * RP__CHUNK_COUNT_MAX the seal fails with RP_EINVAL. */
  uint64_t chunks;
} rp__seal_args;

/* An opened envelope. hdr's texts borrow from the envelope bytes given to open; pt is
 * in sodium_malloc memory owned by this struct (rp__opened_free). chunk_key is K of the
 * message's attachment chunks (chunk.h), exported from the envelope's HPKE context. */
typedef struct rp__opened {
  rp__envhdr hdr;
  const rp__member *sender; /* borrowed from the roster given to open */
  uint8_t *pt;
  size_t pt_len;
  uint8_t chunk_key[RP__CHUNK_KEYBYTES]; /* secret: wiped by rp__opened_free */
} rp__opened;

/* The key id of an X25519 message public key. */
void rp__envelope_key_id(uint8_t id[RP__ENVHDR_KEYID_BYTES],
                         const uint8_t pk[RP_X25519_PUBLICKEYBYTES]);

/* A fresh random msg_id (never all zero). */
void rp__envelope_new_id(uint8_t id[RP_MSG_ID_BYTES]);

/*
 * Seals pt[0..pt_len) from `me` to roster member `to` and writes the container to a
 * malloc'd buffer: *out (caller frees with free) of *out_len bytes. *out is NULL on
 * failure. Returns 0, RP_EINVAL (NULL argument, bad times or urgency), RP_ETOOBIG
 * (plaintext longer than RP__ENVELOPE_PT_MAX), RP_EREVOKED (`to` is revoked),
 * RP_ENOMEM, or RP_ECRYPTO (`to`'s key is a low-order point).
 */
int rp__envelope_seal(const rp__identity *me, const rp__member *to, const rp__seal_args *a,
                      const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len);

/*
 * rp__envelope_seal, and the key K of the message's attachment chunks: HPKE Export of
 * the context that sealed the envelope, exporter_context RP__CHUNK_KEY_CONTEXT, 32 bytes
 * (docs/PROTOCOL.md 6.7). chunk_key may be NULL (rp__envelope_seal passes NULL); else it
 * is cleared on entry and set on success only, and is the caller's secret to wipe. The
 * envelope's bytes are those of the single-shot seal: the export changes nothing on the
 * wire.
 */
int rp__envelope_seal_ex(const rp__identity *me, const rp__member *to,
                         const rp__seal_args *a, const uint8_t *pt, size_t pt_len,
                         uint8_t **out, size_t *out_len,
                         uint8_t chunk_key[RP__CHUNK_KEYBYTES]);

/* rp__envelope_seal_ex with the HPKE ephemeral secret key skE given instead of drawn, like
 * rp__hpke_seal_derand: for known-answer tests only (docs/PROTOCOL.md A.5); skE must never
 * be used twice. */
int rp__envelope_seal_derand(const rp__identity *me, const rp__member *to,
                             const rp__seal_args *a, const uint8_t *pt, size_t pt_len,
                             uint8_t **out, size_t *out_len,
                             uint8_t chunk_key[RP__CHUNK_KEYBYTES],
                             const uint8_t skE[RP__HPKE_NSK]);

/*
 * The two-step form of the seal, for a message with attachments (docs/PROTOCOL.md 6.7):
 * the chunk key comes from the envelope's HPKE context, but the payload that the context
 * seals carries each attachment's size and sha256, known only once the attachments have
 * been read (a stream can be read once). So: rp__envelope_begin sets up the context for
 * `to` and exports the chunk key; the caller seals the chunks with it; then
 * rp__envelope_finish seals the payload with the same context and writes the container.
 * begin + finish produce exactly the bytes of rp__envelope_seal_ex (the same ephemeral
 * via the _derand forms gives the same envelope).
 *
 * begin copies what it needs of me and to (ids, key ids): neither need outlive the call,
 * so the roster may change while the caller streams. *out is the caller's, freed with
 * rp__envelope_sealer_free (also after finish; it wipes the context). chunk_key is
 * cleared on entry and set on success only, and is the caller's secret to wipe.
 * begin: 0, RP_EINVAL, RP_EREVOKED (`to` is revoked), RP_ENOMEM, RP_ECRYPTO.
 * finish: 0, RP_EINVAL (NULL, bad times or urgency), RP_ETOOBIG (pt over
 * RP__ENVELOPE_PT_MAX), RP_ESTATE (finish already sealed with s), RP_ENOMEM; *out as for
 * rp__envelope_seal. A finish that failed before sealing (arguments) may be retried.
 */
typedef struct rp__envelope_sealer rp__envelope_sealer;

int rp__envelope_begin(const rp__identity *me, const rp__member *to,
                       rp__envelope_sealer **out, uint8_t chunk_key[RP__CHUNK_KEYBYTES]);

/* rp__envelope_begin with the ephemeral secret key given: known-answer tests only. */
int rp__envelope_begin_derand(const rp__identity *me, const rp__member *to,
                              rp__envelope_sealer **out,
                              uint8_t chunk_key[RP__CHUNK_KEYBYTES],
                              const uint8_t skE[RP__HPKE_NSK]);

int rp__envelope_finish(rp__envelope_sealer *s, const rp__seal_args *a, const uint8_t *pt,
                        size_t pt_len, uint8_t **out, size_t *out_len);

/* Wipes and frees a sealing state. Accepts NULL. */
void rp__envelope_sealer_free(rp__envelope_sealer *s);

/*
 * Opens env[0..len), which must be addressed to `me`, checking the sender against
 * `roster` and the times against now_ms, in the order given at the top of this file.
 * On success *out holds the header (borrowing from env), the sender (borrowing from
 * roster) and the plaintext; release it with rp__opened_free. On failure *out is
 * zeroed and nothing needs freeing.
 */
int rp__envelope_open(const rp__identity *me, const rp__roster *roster, const uint8_t *env,
                      size_t len, uint64_t now_ms, rp__opened *out);

/* Wipes and frees the plaintext, wipes the chunk key; the struct is zeroed. Accepts
 * NULL. */
void rp__opened_free(rp__opened *o);

#endif /* RP_ENVELOPE_H */
