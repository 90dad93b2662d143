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
