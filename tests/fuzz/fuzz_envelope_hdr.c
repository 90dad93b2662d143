/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the envelope container and its outer header
 * (proto/envelope_hdr.h): the input is tried as a container (what the relay parses from
 * every SEND) and as bare header bytes. Whatever decodes is encoded again and decoded
 * once more; any disagreement between encoder and decoder aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc1[RP__ENVC_MAX], enc2[RP__ENVC_MAX];

static void header_round_trip(const rp__envhdr *h) {
  rp__envhdr h2;
  size_t len1 = 0, len2 = 0;
  if (rp__envhdr_encode(h, enc1, RP__ENVHDR_MAX, &len1, NULL) != 0) abort();
  if (rp__envhdr_decode(enc1, len1, &h2, NULL) != 0) abort();
  if (memcmp(h->msg_id, h2.msg_id, RP_MSG_ID_BYTES) != 0 || h->created != h2.created ||
      h->expires != h2.expires || h->urgency != h2.urgency ||
      h->size_class != h2.size_class || h->sender.n != h2.sender.n ||
      memcmp(h->sender.p, h2.sender.p, h->sender.n) != 0 ||
      h->recipient.n != h2.recipient.n ||
      memcmp(h->recipient.p, h2.recipient.p, h->recipient.n) != 0)
    abort();
  if (rp__envhdr_encode(&h2, enc2, RP__ENVHDR_MAX, &len2, NULL) != 0) abort();
  if (len1 != len2 || memcmp(enc1, enc2, len1) != 0) abort();
  if (rp__envhdr_class_ct_bytes(h->size_class) == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rp__envhdr h;
  rp__envcont c, c2;
  size_t len1 = 0, len2 = 0;

  if (rp__envhdr_decode(data, size, &h, NULL) == 0) header_round_trip(&h);

  int parsed = rp__envhdr_container_parse(data, size, &c, &h, NULL);
  if (rp__envhdr_container_decode(data, size, &c, NULL) != 0) {
    if (parsed == 0) abort(); /* parse is decode plus more checks */
    return 0;
  }
  if (parsed == 0) {
    if (c.ct.n != rp__envhdr_class_ct_bytes(h.size_class)) abort();
    header_round_trip(&h);
  }
  if (rp__envhdr_container_encode(&c, enc1, sizeof enc1, &len1, NULL) != 0) abort();
  if (rp__envhdr_container_decode(enc1, len1, &c2, NULL) != 0) abort();
  if (c.header.n != c2.header.n || memcmp(c.header.p, c2.header.p, c.header.n) != 0 ||
      memcmp(c.enc, c2.enc, sizeof c.enc) != 0 || c.ct.n != c2.ct.n ||
      memcmp(c.ct.p, c2.ct.p, c.ct.n) != 0)
    abort();
  if (rp__envhdr_container_encode(&c2, enc2, sizeof enc2, &len2, NULL) != 0) abort();
  if (len1 != len2 || memcmp(enc1, enc2, len1) != 0) abort();
  /* The relay's verdict does not depend on how the container was encoded. */
  rp__envhdr h2;
  if ((rp__envhdr_container_parse(enc1, len1, &c2, &h2, NULL) == 0) != (parsed == 0))
    abort();
  return 0;
}
