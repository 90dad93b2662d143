/* SPDX-License-Identifier: MIT */
/*
 * The key file parser. Every input goes through rp__keyfile_peek (header, public part,
 * signatures); inputs it accepts are decoded in full with a fixed passphrase. A file may
 * claim Argon2id limits up to 16 passes and 1 GiB, which the parser allows but which would
 * make one iteration take seconds, so the harness decrypts only files that ask for the
 * minimum limits (the seeds do). A plain file that decodes must re-encode to the same
 * bytes, since its encoding is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "rejsepost_errors.h"

#define PASS "correct horse battery staple" /* the seeds' passphrase */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rp__keyfile_info info;
  rp__identity_public pub;
  rp__identity *id = NULL;
  uint8_t out[RP_KEYFILE_MAX];
  size_t len = 0;

  int r = rp__keyfile_peek(data, size, &info);
  if (r != 0) {
    if (r >= 0 || r <= RP_ERRNO_LAST_) abort();
    return 0;
  }
  if (size > RP_KEYFILE_MAX || info.kind < 1 || info.kind > 3) abort();
  if (info.kind == RP_KEYFILE_KIND_PUBLIC) {
    if (rp__keyfile_decode_public(data, size, &pub) != 0) abort();
    if (memcmp(&pub, &info.pub, sizeof pub) != 0) abort();
    return 0;
  }
  if (info.kind == RP_KEYFILE_KIND_ENCRYPTED &&
      (info.kdf.opslimit != RP_KEYFILE_OPSLIMIT_MIN ||
       info.kdf.memlimit != RP_KEYFILE_MEMLIMIT_MIN))
    return 0;
  r = rp__keyfile_decode(data, size, PASS, strlen(PASS), &id);
  if (r == 0) {
    if (memcmp(&id->pub, &info.pub, sizeof pub) != 0) abort();
    if (info.kind == RP_KEYFILE_KIND_PLAIN) {
      if (rp__keyfile_encode_plain(id, out, sizeof out, &len) != 0) abort();
      if (len != size || memcmp(out, data, size) != 0) abort();
    }
  } else if (id != NULL) {
    abort();
  }
  rp__identity_free(id);
  return 0;
}
