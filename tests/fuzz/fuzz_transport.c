/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for one transport message decoder (proto/transport.h). Built once
 * per line of fuzz_transport.variants with RP_FUZZ_VARIANT set to the type's name, so
 * each message type has its own binary and corpus (corpus/transport_<name>/).
 *
 * Whatever decodes must encode again, and decoding that encoding must give a message
 * that encodes to the same bytes; the generic decoder must agree with the typed one.
 * Any disagreement between encoder and decoder aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

#ifndef RP_FUZZ_VARIANT
#error "build with RP_FUZZ_VARIANT=\"<type name>\" (see fuzz_transport.variants)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc1[RP__TMSG_MAX], enc2[RP__TMSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint64_t type;
  rp__tmsg m, m2, any;
  size_t len1 = 0, len2 = 0;
  const char *where = NULL;

  if (type == 0 && (type = rp__tmsg_type_by_name(RP_FUZZ_VARIANT)) == 0) abort();
  int r = rp__tmsg_decode_as(type, data, size, &m, &where);
  int r_any = rp__tmsg_decode(data, size, &any, NULL);
  if (r != 0) {
    /* Only a message of another type may pass the generic decoder. */
    if (r_any == 0 && any.type == type) abort();
    return 0;
  }
  if (r_any != 0 || any.type != type) abort();
  if (m.type != type || m.version != RP_SCHEMA_VERSION) abort();
  if (rp__tmsg_encode(&m, enc1, sizeof enc1, &len1) != 0) abort();
  if (rp__tmsg_decode_as(type, enc1, len1, &m2, NULL) != 0) abort();
  if (rp__tmsg_encode(&m2, enc2, sizeof enc2, &len2) != 0) abort();
  if (len1 != len2 || memcmp(enc1, enc2, len1) != 0) abort();
  /* The state table answers for every direction and state without failing. */
  for (unsigned dir = RP__TD_C2R; dir <= RP__TD_R2C; dir++)
    for (unsigned st = 1; st <= RP__TS_MAX; st++) {
      int a = rp__tmsg_allowed(type, dir, st);
      if (a != 0 && a != RP_ESTATE) abort();
    }
  return 0;
}
