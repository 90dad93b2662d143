/* SPDX-License-Identifier: MIT */
/*
 * Key files: a member's keys on disk, and the export of a member's public keys.
 *
 * Layout, version 1 (integers big-endian; every file is exactly as long as its fields):
 *
 *   offset  size  field
 *   0       8     magic "rp-key\r\n" (72 70 2d 6b 65 79 0d 0a): the CR LF catches
 *                 text-mode mangling
 *   8       1     format version: 1
 *   9       1     kind: 1 = secret, passphrase-encrypted; 2 = secret, plain (daemons);
 *                 3 = public export (for enrolment)
 *   10      1     L: member id length, 1..RP_MEMBER_ID_MAX
 *   11      L     member id (UTF-8, see rp__identity_id_check)
 *   11+L    32    identity public key (Ed25519)
 *   43+L    32    transport public key (X25519)
 *   75+L    32    message public key (X25519)
 *   107+L   64    binding signature (identity.h)
 *   -- kind 3 continues:
 *   171+L   64    self-signature (below). Total 235+L bytes.
 *   -- kind 1 continues:
 *   171+L   1     kdf: 1 = Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13)
 *   172+L   4     opslimit, RP_KEYFILE_OPSLIMIT_MIN..RP_KEYFILE_OPSLIMIT_MAX
 *   176+L   8     memlimit in bytes, RP_KEYFILE_MEMLIMIT_MIN..RP_KEYFILE_MEMLIMIT_MAX
 *   184+L   16    salt
 *   200+L   24    nonce
 *   224+L   112   XChaCha20-Poly1305-IETF ciphertext of the 96-byte secret and its
 *                 16-byte tag; key = Argon2id(passphrase, salt, opslimit, memlimit), 32
 *                 bytes; associated data = bytes 0..224+L (the whole header), so no header
 *                 byte can change undetected. Total 336+L bytes.
 *   -- kind 2 continues:
 *   171+L   96    the secret, in clear
 *   267+L   64    self-signature (below). Total 331+L bytes.
 *
 *   self-signature = Ed25519 detached signature by the file's identity key over
 *   "rejsepost/1 key file" (20 bytes, no NUL) || every byte before the signature. The
 *   binding signature does not cover the member id; this does, so a changed byte anywhere
 *   is refused, and a public export proves that the key's holder claims the id.
 *
 *   secret (96 bytes) = Ed25519 seed (32) || transport secret key (32) || message secret
 *   key (32). On load every public key is derived again from the secret and must equal the
 *   header's, so a damaged plain file is refused too.
 *
 * Passphrase hashing: the default is crypto_pwhash's MODERATE limits (opslimit 3, 256 MiB,
 * about a second on a server): key files are opened rarely (daemon start, a CLI command),
 * and a stolen file must resist offline guessing. Tests pass smaller limits explicitly.
 * Limits read from a file are bounded (opslimit <= 16, memlimit <= 1 GiB) so a hostile
 * file cannot make a load take minutes or exhaust memory.
 */
#ifndef RP_KEYFILE_H
#define RP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "identity.h"

#define RP_KEYFILE_VERSION 1u
#define RP_KEYFILE_MAGIC "rp-key\r\n"
#define RP_KEYFILE_MAGICBYTES 8u
#define RP_KEYFILE_KIND_ENCRYPTED 1u
#define RP_KEYFILE_KIND_PLAIN 2u
#define RP_KEYFILE_KIND_PUBLIC 3u
#define RP_KEYFILE_KDF_ARGON2ID13 1u
#define RP_KEYFILE_SECRETBYTES 96u
#define RP_KEYFILE_SIG_CONTEXT "rejsepost/1 key file"
#define RP_KEYFILE_SIG_CONTEXTBYTES 20u

/* Bounds on the Argon2id limits a file may carry. The minimums are libsodium's. */
#define RP_KEYFILE_OPSLIMIT_MIN 1u
#define RP_KEYFILE_OPSLIMIT_MAX 16u
#define RP_KEYFILE_MEMLIMIT_MIN 8192u
#define RP_KEYFILE_MEMLIMIT_MAX (1024u * 1024u * 1024u)
/* The defaults: crypto_pwhash_OPSLIMIT_MODERATE and crypto_pwhash_MEMLIMIT_MODERATE. */
#define RP_KEYFILE_OPSLIMIT_DEFAULT 3u
#define RP_KEYFILE_MEMLIMIT_DEFAULT (256u * 1024u * 1024u)

/* Argon2id limits for writing an encrypted key file. */
typedef struct rp__keyfile_kdf {
  uint64_t opslimit;
  uint64_t memlimit; /* bytes */
} rp__keyfile_kdf;

/* What rp__keyfile_peek learns without a passphrase. */
typedef struct rp__keyfile_info {
  unsigned kind;           /* RP_KEYFILE_KIND_* */
  rp__identity_public pub; /* binding signature checked; for kind 1 authenticated only
                            * once the file has been decrypted */
  rp__keyfile_kdf kdf;     /* kind 1 only, else zero */
} rp__keyfile_info;

/* Encodes `ident`'s secret keys encrypted under `pass` (1..RP_PASSPHRASE_MAX bytes) into
 * out[0..cap). `kdf` NULL means the defaults above; otherwise its limits must lie within
 * the file bounds (RP_EINVAL). *len gets the length on success; RP_ETOOBIG if cap is too
 * small. The caller owns every buffer. */
int rp__keyfile_encode_encrypted(const rp__identity *ident, const char *pass,
                                 size_t passlen, const rp__keyfile_kdf *kdf, uint8_t *out,
                                 size_t cap, size_t *len);

/* Encodes `ident`'s secret keys in clear (for daemons). out holds secrets: wipe it. */
int rp__keyfile_encode_plain(const rp__identity *ident, uint8_t *out, size_t cap,
                             size_t *len);

/* Encodes the public export of `ident` (its id, public keys and binding signature, signed
 * by its identity key), for handing to the administrator at enrolment. */
int rp__keyfile_encode_public(const rp__identity *ident, uint8_t *out, size_t cap,
                              size_t *len);

/* Parses the header and public part of any key file kind, checks the binding signature,
 * and fills *info; decrypts nothing, so it is cheap and needs no passphrase. Errors:
 * RP_ETOOBIG (len > RP_KEYFILE_MAX or a limit out of bounds), RP_EMALFORMED (wrong magic,
 * bad id length, trailing bytes), RP_ETRUNC, RP_EVERSION, RP_EENUM (kind, kdf), id errors
 * from rp__identity_id_check, RP_ESIG (binding or self-signature). *info is zeroed on
 * entry. */
int rp__keyfile_peek(const uint8_t *buf, size_t len, rp__keyfile_info *info);

/* Decodes a secret key file (kind 1 or 2) into a new identity the caller frees with
 * rp__identity_free. `pass` is used for kind 1 only (NULL there: RP_EPASSPHRASE).
 * Errors: those of rp__keyfile_peek; RP_EINVAL for a public export; RP_EPASSPHRASE for a
 * wrong passphrase or a damaged encrypted file; RP_EMALFORMED if the secret does not
 * match the header's public keys; RP_ENOMEM. *out is NULL on failure. */
int rp__keyfile_decode(const uint8_t *buf, size_t len, const char *pass, size_t passlen,
                       rp__identity **out);

/* Decodes a public export (kind 3 only; RP_EINVAL for other kinds) into *pub. */
int rp__keyfile_decode_public(const uint8_t *buf, size_t len, rp__identity_public *pub);

/* Writes buf[0..len) to `path` atomically: a temporary file in the same directory, mode
 * 0600, fsync'd, then moved into place and the directory fsync'd. With replace == 0 an
 * existing file is never overwritten (RP_EEXIST): losing a key is worse than an error.
 * RP_EIO on any file system error. */
int rp__keyfile_write(const char *path, const uint8_t *buf, size_t len, int replace);

/* Loads a secret key file. A plain file (kind 2) whose mode grants any access to group
 * or others is refused with RP_EPERM (checked with fstat on the opened file). Errors as
 * for rp__keyfile_decode, plus RP_EIO, RP_ENOTFOUND (no such file), RP_ETOOBIG (larger
 * than RP_KEYFILE_MAX). *out is NULL on failure. */
int rp__keyfile_load(const char *path, const char *pass, size_t passlen,
                     rp__identity **out);

/* Loads a public export file into *pub. Errors as for rp__keyfile_decode_public plus
 * those of reading the file. */
int rp__keyfile_load_public(const char *path, rp__identity_public *pub);

#endif /* RP_KEYFILE_H */
