/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of bulk data: the bytes of attachments (docs/PROTOCOL.md 6.7), hashed as they
 * are sealed and again as they are opened, hundreds of megabytes at a time.
 *
 * Decision: Nettle's SHA-256, not libsodium's. libsodium 1.0.18 hashes in portable C
 * (about 350 MB/s on the machine of bench/README.md); Nettle picks the CPU's SHA
 * instructions at run time (about 1,400 MB/s there), and each attachment is hashed on
 * the sender and twice at the recipient. The state is a plain struct, wiped like
 * libsodium's was (sodium_memzero on the owner's structure). libsodium stays for
 * everything else, small inputs included.
 */
#ifndef RP_SHA256_H
#define RP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

typedef struct sha256_ctx rp__sha256;

static inline void rp__sha256_init(rp__sha256 *h) {
  sha256_init(h);
}

static inline void rp__sha256_update(rp__sha256 *h, const uint8_t *p, size_t n) {
  sha256_update(h, n, p);
}

/* The digest of everything given since init; h starts over (as after init). */
static inline void rp__sha256_final(rp__sha256 *h, uint8_t out[32]) {
  sha256_digest(h, 32, out);
}

#endif /* RP_SHA256_H */
