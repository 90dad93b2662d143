/* SPDX-License-Identifier: MIT */
/* Key files on disk: atomic writes, and loads that check the file's mode on the opened
 * descriptor (file.h does both). The encoding is in keyfile.c. */
#include "keyfile.h"

#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "file.h"
#include "rejsepost_errors.h"

int rp__keyfile_write(const char *path, const uint8_t *buf, size_t len, int replace) {
  if (path == NULL || buf == NULL || len == 0 || len > RP_KEYFILE_MAX) return RP_EINVAL;
  return rp__file_write(path, buf, len, 0600, replace);
}

int rp__keyfile_load(const char *path, const char *pass, size_t passlen,
                     rp__identity **out) {
  int r = RP_EINTERNAL;
  size_t len = 0;
  mode_t mode = 0;
  rp__keyfile_info info;

  if (out == NULL) return RP_EINVAL;
  *out = NULL;
  if (sodium_init() < 0) return RP_ECRYPTO;
  /* A plain key file is a secret: keep its bytes in guarded memory too. */
  uint8_t *buf = sodium_malloc(RP_KEYFILE_MAX + 1);
  if (buf == NULL) return RP_ENOMEM;
  if ((r = rp__file_read_into(path, buf, RP_KEYFILE_MAX, &len, &mode, 0)) != 0) goto out;
  if ((r = rp__keyfile_peek(buf, len, &info)) != 0) goto out;
  if (info.kind == RP_KEYFILE_KIND_PLAIN && (mode & (S_IRWXG | S_IRWXO)) != 0) {
    r = RP_EPERM;
    goto out;
  }
  r = rp__keyfile_decode(buf, len, pass, passlen, out);
out:
  sodium_free(buf);
  return r;
}

int rp__keyfile_load_public(const char *path, rp__identity_public *pub) {
  uint8_t buf[RP_KEYFILE_MAX + 1];
  size_t len = 0;
  mode_t mode = 0;
  if (pub == NULL) return RP_EINVAL;
  memset(pub, 0, sizeof *pub);
  int r = rp__file_read_into(path, buf, RP_KEYFILE_MAX, &len, &mode, 0);
  if (r == 0) r = rp__keyfile_decode_public(buf, len, pub);
  /* The caller may have pointed us at a secret key file by mistake. */
  sodium_memzero(buf, sizeof buf);
  return r;
}
