/* SPDX-License-Identifier: MIT */
/*
 * Hex text of bytes (issue 10: one of each). Writing it is libsodium's sodium_bin2hex
 * (lower case, NUL-terminated: 2n + 1 bytes for n bytes). Reading it is rp__unhex, for
 * the rule every reader of an id or a key wants and sodium_hex2bin does not check alone:
 * the whole string is exactly the digits of n bytes.
 */
#ifndef RP_HEX_H
#define RP_HEX_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "caps.h"

/* Parses hex, exactly 2n hex digits (either case) and nothing else, into out[0..n).
 * Returns 0, or RP_EINVAL for NULL, another length or a character that is not a hex
 * digit (out may have been written then). */
int rp__unhex(uint8_t *out, size_t n, const char *hex);

/* Bytes of a msg_id's hex text, NUL included. */
#define RP__ID_HEX_BYTES (2u * RP_MSG_ID_BYTES + 1u)

/* A msg_id as hex text in out, for log lines (metadata the relay sees anyway); returns
 * out, so that it can stand in a printf argument list. */
static inline const char *rp__id_hex(char out[RP__ID_HEX_BYTES],
                                     const uint8_t id[RP_MSG_ID_BYTES]) {
  return sodium_bin2hex(out, RP__ID_HEX_BYTES, id, RP_MSG_ID_BYTES);
}

/* Parses a name that must be exactly what rp__id_hex writes (32 lower-case digits), as
 * the chunk files are named: 0 with id set, or RP_EINVAL. A name in upper case is
 * another file, not the same one spelled differently. */
int rp__id_unhex_lower(uint8_t id[RP_MSG_ID_BYTES], const char *name);

#endif /* RP_HEX_H */
