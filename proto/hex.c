/* SPDX-License-Identifier: MIT */
#include "hex.h"

#include <string.h>

#include <sodium.h>

#include "rejsepost_errors.h"

int rp__unhex(uint8_t *out, size_t n, const char *hex) {
  if (hex == NULL || n > SIZE_MAX / 2 || strlen(hex) != 2 * n) return RP_EINVAL;
  /* Without hex_end, sodium_hex2bin fails unless all 2n characters are digits. */
  if (sodium_hex2bin(out, n, hex, 2 * n, NULL, NULL, NULL) != 0) return RP_EINVAL;
  return 0;
}

int rp__id_unhex_lower(uint8_t id[RP_MSG_ID_BYTES], const char *name) {
  if (name == NULL || strlen(name) != 2 * RP_MSG_ID_BYTES) return RP_EINVAL;
  for (const char *c = name; *c != '\0'; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return RP_EINVAL;
  return rp__unhex(id, RP_MSG_ID_BYTES, name);
}
