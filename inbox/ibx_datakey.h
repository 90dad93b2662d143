/* SPDX-License-Identifier: MIT */
/*
 * The inbox's data key: the 32-byte XChaCha20-Poly1305 key under which every message
 * body is encrypted at rest. It lives in its own small file, protected one of two ways:
 *
 *   offset size field
 *   0      8    magic "rp-ibxk\n"
 *   8      1    version 1
 *   9      1    kind: 1 = plain (the file must be mode 0600, like a daemon's key file),
 *                     2 = sealed under a passphrase
 *   kind 1: 10 32 the key. Total 42 bytes.
 *   kind 2: 10 4  opslimit (big-endian), 14 8 memlimit, 22 16 salt, 38 24 nonce,
 *           62 48 XChaCha20-Poly1305 of the key with its tag; key = Argon2id(passphrase,
 *           salt, opslimit, memlimit); associated data = bytes 0..62. Total 110 bytes.
 *
 * Limits read from a file are bounded as for identity key files, so a hostile file
 * cannot make a start take minutes.
 */
#ifndef RP_IBX_DATAKEY_H
#define RP_IBX_DATAKEY_H

#include <stddef.h>
#include <stdint.h>

#define RP_IBX_DATAKEY_BYTES 32u
#define RP_IBX_SEAL_OVERHEAD (24u + 16u) /* nonce + tag */

/*
 * Loads the data key from path into *key (sodium_malloc'd, RP_IBX_DATAKEY_BYTES; free
 * with rp__ibx_datakey_free). If the file does not exist and `create` is set, a new
 * random key is written (mode 0600): plain when pass is NULL, else sealed with
 * opslimit/memlimit (0 = libsodium's MODERATE). Errors: RP_ENOTFOUND, RP_EPERM (a plain
 * file readable by group or others), RP_EPASSPHRASE (wrong passphrase, damaged file, or
 * a sealed file and no passphrase), RP_EMALFORMED, RP_EIO.
 */
int rp__ibx_datakey_load(const char *path, const char *pass, size_t passlen, int create,
                         unsigned long long opslimit, size_t memlimit, uint8_t **key);

void rp__ibx_datakey_free(uint8_t *key);

/* Seals pt[0..n) for the row named by ad[0..adlen) (the message id, so a body cannot
 * be moved to another row undetected): *out is malloc'd nonce || ciphertext || tag. */
int rp__ibx_seal(const uint8_t *key, const uint8_t *ad, size_t adlen, const uint8_t *pt,
                 size_t n, uint8_t **out, size_t *outlen);

/* Opens what rp__ibx_seal made: *pt is malloc'd with a NUL after the n bytes (bodies
 * are JSON text). RP_EAUTH if it was altered or belongs to another row. */
int rp__ibx_open(const uint8_t *key, const uint8_t *ad, size_t adlen, const uint8_t *ct,
                 size_t n, uint8_t **pt, size_t *ptlen);

#endif /* RP_IBX_DATAKEY_H */
