/* SPDX-License-Identifier: MIT */
#include "web_ibx.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advisor_int.h"
#include "ibx_sock.h"
#include "rejsepost_errors.h"

static char *dupn(rp__str s) {
  char *p = malloc((size_t)s.n + 1);
  if (p != NULL) {
    if (s.n > 0) memcpy(p, s.p, s.n);
    p[s.n] = 0;
  }
  return p;
}

void rp__web_resp_free(rp__web_resp *r) {
  free(r->msg);
  free(r->text);
  free(r->json);
  memset(r, 0, sizeof *r);
}

/* Sends q; reads and decodes the answer into out (and rs, borrowing *raw). */
static int exchange(const char *sock, const rp__ibx_req *q, const int *fds, unsigned nfds,
                    int *fd_out, rp__web_resp *out, rp__ibx_resp *rs, uint8_t **raw,
                    size_t *rlen) {
  uint8_t *buf = malloc(RP_IBX_REQ_MAX);
  size_t len = 0;
  int fd = -1, r;
  memset(out, 0, sizeof *out);
  *raw = NULL;
  if (buf == NULL) return RP_ENOMEM;
  if ((r = rp__ibx_req_encode(q, buf, RP_IBX_REQ_MAX, &len)) == 0 &&
      (r = rp__ibx_sock_connect(sock, &fd)) == 0 &&
      (r = nfds > 0 ? rp__adv_send_with_fds(fd, buf, len, fds, nfds)
                    : rp__ibx_sock_write_frame(fd, buf, len)) == 0 &&
      (r = rp__ibx_sock_read_frame(fd, RP_IBX_RESP_MAX, 30000, raw, rlen)) == 0)
    r = rp__ibx_resp_decode(*raw, *rlen, rs);
  sodium_memzero(buf, RP_IBX_REQ_MAX);
  free(buf);
  if (r == 0) {
    out->err = -(int)rs->error;
    out->msg = dupn(rs->message);
    out->text = dupn(rs->text);
    out->json = dupn(rs->json);
    if (out->msg == NULL || out->text == NULL || out->json == NULL) r = RP_ENOMEM;
  }
  if (r != 0) {
    rp__web_resp_free(out);
    if (fd >= 0) close(fd);
    fd = -1;
  }
  *fd_out = fd;
  return r;
}

int rp__web_ibx_call(const char *sock, const rp__ibx_req *q, rp__web_resp *out) {
  return rp__web_ibx_call_fds(sock, q, NULL, 0, out);
}

int rp__web_ibx_call_fds(const char *sock, const rp__ibx_req *q, const int *fds, unsigned n,
                         rp__web_resp *out) {
  rp__ibx_resp rs;
  uint8_t *raw = NULL;
  size_t rlen = 0;
  int fd = -1, r = exchange(sock, q, fds, n, &fd, out, &rs, &raw, &rlen);
  if (fd >= 0) close(fd);
  if (raw != NULL) {
    sodium_memzero(raw, rlen);
    free(raw);
  }
  return r;
}

int rp__web_ibx_save(const char *sock, const char *as, const char *thread, uint64_t n,
                     size_t max, rp__web_resp *out, uint8_t **data, size_t *len,
                     char name[256]) {
  rp__ibx_req q = {.version = RP_SCHEMA_VERSION, .action = RP_IBX_A_SAVE, .attachment = n};
  rp__ibx_resp rs;
  crypto_hash_sha256_state h;
  uint8_t *raw = NULL, *acc = NULL, digest[32];
  size_t rlen = 0, total = 0;
  char hex[65];
  int fd = -1, r;
  *data = NULL;
  *len = 0;
  name[0] = 0;
  q.as = rp__str_c(as);
  q.thread = rp__str_c(thread);
  if ((r = exchange(sock, &q, NULL, 0, &fd, out, &rs, &raw, &rlen)) != 0) return r;
  if (out->err != 0) goto done;
  if (rs.size > max) {
    r = RP_ETOOBIG;
    goto done;
  }
  snprintf(name, 256, "%.*s", (int)rs.name.n, rs.name.p);
  if ((acc = malloc(rs.size > 0 ? rs.size : 1)) == NULL) {
    r = RP_ENOMEM;
    goto done;
  }
  crypto_hash_sha256_init(&h);
  for (;;) {
    uint8_t *piece = NULL;
    size_t pl = 0;
    if ((r = rp__ibx_sock_read_frame(fd, RP_IBX_ATT_PIECE, 30000, &piece, &pl)) != 0) break;
    if (pl == 0 || total + pl > rs.size) {
      if (pl != 0) r = RP_EDIGEST;
      free(piece);
      break;
    }
    memcpy(acc + total, piece, pl);
    crypto_hash_sha256_update(&h, piece, pl);
    total += pl;
    sodium_memzero(piece, pl);
    free(piece);
  }
  crypto_hash_sha256_final(&h, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  if (r == 0 &&
      (total != rs.size || rs.sha256.n != 64 || memcmp(hex, rs.sha256.p, 64) != 0))
    r = RP_EDIGEST;
  if (r == 0) {
    *data = acc;
    *len = total;
    acc = NULL;
  }
done:
  if (acc != NULL) {
    sodium_memzero(acc, total);
    free(acc);
  }
  if (fd >= 0) close(fd);
  if (raw != NULL) {
    sodium_memzero(raw, rlen);
    free(raw);
  }
  return r;
}

int rp__web_ibx_event(const char *sock, const char *as, int event) {
  rp__ibx_req q = {
      .version = RP_SCHEMA_VERSION, .action = RP_IBX_A_WEB_EVENT, .web_event = event};
  rp__web_resp out;
  if (as != NULL) q.as = rp__str_c(as);
  int r = rp__web_ibx_call(sock, &q, &out);
  if (r == 0) r = out.err;
  rp__web_resp_free(&out);
  return r;
}
