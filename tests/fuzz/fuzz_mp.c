/* SPDX-License-Identifier: MIT */
/*
 * The structural gate against msgpack-c itself: whatever rp__mp_check accepts as one
 * complete object, msgpack-c must unpack to the same length. A disagreement would mean
 * that our gate lets through bytes that msgpack-c reads differently, so it aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t used = 0;
  if (rp__mp_check(data, size, &used) != 0) return 0;
  if (used == 0 || used > size) abort();
  msgpack_unpacked up;
  int r = rp__mp_unpack(data, used, &up);
  if (r == RP_ENOMEM) return 0;
  if (r != 0) abort();
  msgpack_unpacked_destroy(&up);
  return 0;
}
