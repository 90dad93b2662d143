/* SPDX-License-Identifier: MIT */
/* Key files on disk: atomic writes, and loads that check the file's mode on the opened
 * descriptor. The encoding is in keyfile.c. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rejsepost_errors.h"

static int write_all(int fd, const uint8_t *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return RP_EIO;
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

int rp__keyfile_write(const char *path, const uint8_t *buf, size_t len, int replace) {
  int r = RP_EINTERNAL, fd = -1, dfd = -1;
  bool have_tmp = false;
  char tmp[PATH_MAX], dir[PATH_MAX];

  if (path == NULL || buf == NULL || len == 0 || len > RP_KEYFILE_MAX) return RP_EINVAL;
  int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
  if (n < 0 || (size_t)n >= sizeof tmp) return RP_EINVAL;
  /* The directory to fsync after the rename: the path up to its last slash. */
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    memcpy(dir, ".", 2);
  } else {
    size_t dl = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, dl);
    dir[dl] = '\0';
  }

  /* mkstemp creates the file with mode 0600 in the key file's own directory, so the
   * rename below never crosses a file system. */
  if ((fd = mkstemp(tmp)) < 0) {
    r = RP_EIO;
    goto out;
  }
  have_tmp = true;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0600) != 0 ||
      write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
    r = RP_EIO;
    goto out;
  }
  int cr = close(fd);
  fd = -1;
  if (cr != 0) {
    r = RP_EIO;
    goto out;
  }
  if (replace) {
    if (rename(tmp, path) != 0) {
      r = RP_EIO;
      goto out;
    }
    have_tmp = false;
  } else {
    /* link() fails with EEXIST instead of replacing: an atomic "create if absent". */
    if (link(tmp, path) != 0) {
      r = errno == EEXIST ? RP_EEXIST : RP_EIO;
      goto out;
    }
  }
  if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
    r = RP_EIO;
    goto out;
  }
  r = 0;
out:
  if (fd >= 0) close(fd);
  if (dfd >= 0) close(dfd);
  if (have_tmp) unlink(tmp);
  return r;
}

/* Reads a whole key file into buf (RP_KEYFILE_MAX + 1 bytes) and reports its mode. */
static int read_file(const char *path, uint8_t *buf, size_t *len, mode_t *mode) {
  int r = RP_EINTERNAL;
  struct stat st;
  size_t got = 0;

  *len = 0;
  if (path == NULL) return RP_EINVAL;
  /* O_NONBLOCK so that a FIFO put in the key's place cannot hang us; the S_ISREG check
   * then refuses it. Regular files ignore the flag. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT ? RP_ENOTFOUND : RP_EIO;
  if (fstat(fd, &st) != 0) {
    r = RP_EIO;
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    r = RP_EINVAL;
    goto out;
  }
  if (st.st_size > (off_t)RP_KEYFILE_MAX) {
    r = RP_ETOOBIG;
    goto out;
  }
  /* Read one byte past the cap in case the file grew after fstat. */
  while (got <= RP_KEYFILE_MAX) {
    ssize_t n = read(fd, buf + got, RP_KEYFILE_MAX + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r = RP_EIO;
      goto out;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  if (got > RP_KEYFILE_MAX) {
    r = RP_ETOOBIG;
    goto out;
  }
  *len = got;
  *mode = st.st_mode;
  r = 0;
out:
  close(fd);
  return r;
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
  if ((r = read_file(path, buf, &len, &mode)) != 0) goto out;
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
  int r = read_file(path, buf, &len, &mode);
  if (r == 0) r = rp__keyfile_decode_public(buf, len, pub);
  /* The caller may have pointed us at a secret key file by mistake. */
  sodium_memzero(buf, sizeof buf);
  return r;
}
