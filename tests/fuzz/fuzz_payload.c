/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the payload decoders: one binary per payload kind (see
 * fuzz_payload.variants; RP_FUZZ_VARIANT is the kind's name). Whatever decodes must
 * re-encode, decode again and re-encode to the same bytes: the encoder accepts all the
 * decoder accepts, and a decode-encode round loses and invents nothing. The CPR guard
 * and the danger flags run on every decoded payload too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpr.h"
#include "payload.h"

#ifndef RP_FUZZ_VARIANT
#error "RP_FUZZ_VARIANT names the payload kind (tests/fuzz/CMakeLists.txt sets it)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rp__payload first, second;
  static uint8_t enc1[RP_PAYLOAD_MAX], enc2[RP_PAYLOAD_MAX];
  static rp__payload_kind kind;
  const char *where = NULL;
  size_t len1 = 0, len2 = 0;
  if (kind == 0 && rp__payload_kind_from_name(RP_FUZZ_VARIANT, &kind) != 0) abort();

  /* This binary's kind only: the decoder for one kind is what is under test. */
  if (rp__payload_decode_kind(kind, data, size, &first, &where) != 0) {
    if (first.kind != 0) abort(); /* cleared on failure */
    return 0;
  }
  if (first.kind != (uint64_t)kind || where != NULL) abort();
  (void)rp__payload_cpr_check(&first, &where, NULL);
  (void)rp__payload_danger(&first);

  if (rp__payload_encode(&first, enc1, sizeof enc1, &len1, &where) != 0) abort();
  if (rp__payload_decode(enc1, len1, &second, &where) != 0) abort();
  if (rp__payload_encode(&second, enc2, sizeof enc2, &len2, &where) != 0) abort();
  if (len1 != len2 || memcmp(enc1, enc2, len1) != 0) abort();
  return 0;
}
