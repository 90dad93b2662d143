/* SPDX-License-Identifier: MIT */
/*
 * Fingerprints: a short form of a member's Ed25519 identity public key that two people
 * can compare by reading digits aloud or side by side (like Signal's safety numbers).
 *
 * Construction, version 1 (reproducible by any implementation):
 *   h_0     = SHA-512( 0x00 0x01 || "rejsepost/1 fingerprint" || pk )
 *             (a 2-byte big-endian version, the 23-byte ASCII label without NUL, and the
 *             32-byte identity public key)
 *   h_(i+1) = SHA-512( h_i || pk )              for i = 0 .. 5199
 *   h       = h_5200 (64 bytes)
 *   group j (j = 0..11) = the 5 bytes h[5j .. 5j+4] read as a big-endian 40-bit unsigned
 *             integer, modulo 100000, written as exactly 5 decimal digits (leading zeros)
 *   text    = the 12 groups joined by single spaces: "12345 67890 ... 24680"
 * The iteration makes finding a key whose fingerprint matches a target in most digits
 * more expensive; 60 digits (about 199 bits) leave no room for a full collision.
 */
#ifndef RP_FINGERPRINT_H
#define RP_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "identity.h"

#define RP_FINGERPRINT_VERSION 1u
#define RP_FINGERPRINT_LABEL "rejsepost/1 fingerprint"
#define RP_FINGERPRINT_ITERATIONS 5200u
#define RP_FINGERPRINT_GROUPS 12u
#define RP_FINGERPRINT_GROUPDIGITS 5u
/* 60 digits, 11 spaces and the terminating NUL. */
#define RP_FINGERPRINT_STRBYTES 72u

/* Writes the fingerprint of identity key `pk` into out as a NUL-terminated string of
 * RP_FINGERPRINT_STRBYTES - 1 characters. Returns 0 or RP_EINVAL (NULL argument). */
int rp__fingerprint(const uint8_t pk[RP_IDENTITY_PUBLICKEYBYTES],
                    char out[RP_FINGERPRINT_STRBYTES]);

/* Compares a fingerprint a person typed (text[0..n), digits with any spaces, tabs or
 * dashes between them) with the fingerprint of `pk`. Returns 0 if they match, RP_EAUTH if
 * they do not, RP_EINVAL if the text holds anything else or not exactly 60 digits. */
int rp__fingerprint_match(const uint8_t pk[RP_IDENTITY_PUBLICKEYBYTES], const char *text,
                          size_t n);

#endif /* RP_FINGERPRINT_H */
