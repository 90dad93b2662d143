/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the advisor socket protocol (inbox/ibx_areq.c): the request
 * decoder the daemon runs on bytes from a local user, the response decoder the advisor
 * command runs on the daemon's bytes, and the frame length check. Linked against rpinbox
 * (tests/fuzz/CMakeLists.txt).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ibx_areq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rp__ibx_req q;
  rp__ibx_resp rs;
  const char *where = NULL;
  uint32_t n = 0;
  uint8_t out[RP_IBX_REQ_MAX];
  size_t len = 0;
  if (size >= 4) (void)rp__ibx_frame_len(data, RP_IBX_REQ_MAX, &n);
  if (rp__ibx_req_decode(data, size, &q, &where) == 0) {
    /* What decodes must encode again (the daemon never sees a request it could not
     * have been sent), and thread ids must be what the check promised. */
    if (rp__ibx_req_encode(&q, out, sizeof out, &len) != 0) __builtin_trap();
    if (q.thread.n != 0 && (q.thread.n < RP_IBX_PREFIX_MIN || q.thread.n > 32))
      __builtin_trap();
    if (q.action < 1 || q.action > RP_IBX_A_MAX) __builtin_trap();
    /* The new holder of an assignment goes into the audit log: only a user name. */
    if (q.to.n > RP_IBX_WHO_MAX) __builtin_trap();
    for (uint32_t i = 0; i < q.to.n; i++)
      if (q.to.p[i] == ' ' || q.to.p[i] == '=' || q.to.p[i] == '\n') __builtin_trap();
  }
  (void)rp__ibx_resp_decode(data, size, &rs);
  return 0;
}
