/* SPDX-License-Identifier: MIT */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "rejsepost_errors.h"

/* Opens path for reading after checking that it is a regular file of at most max bytes. */
static int open_checked(const char *path, size_t max, int flags, int *fd_out,
                        struct stat *st) {
  int r = RP_EINTERNAL;
  *fd_out = -1;
  if (path == NULL) return RP_EINVAL;
  /* O_NONBLOCK so that a FIFO put in the file's place cannot hang us; the S_ISREG check
   * then refuses it. Regular files ignore the flag. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                          ((flags & RP__FILE_NOFOLLOW) ? O_NOFOLLOW : 0));
  if (fd < 0) return errno == ENOENT ? RP_ENOTFOUND : RP_EIO;
  if (fstat(fd, st) != 0) {
    r = RP_EIO;
    goto out;
  }
  if (!S_ISREG(st->st_mode)) {
    r = RP_EINVAL;
    goto out;
  }
  if ((uint64_t)st->st_size > max) {
    r = RP_ETOOBIG;
    goto out;
  }
  *fd_out = fd;
  fd = -1;
  r = 0;
out:
  if (fd >= 0) close(fd);
  return r;
}

/* Reads until the end of the file or until cap bytes are in buf. */
static int read_upto(int fd, uint8_t *buf, size_t cap, size_t *got) {
  *got = 0;
  while (*got < cap) {
    ssize_t n = read(fd, buf + *got, cap - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return RP_EIO;
    if (n == 0) break;
    *got += (size_t)n;
  }
  return 0;
}

int rp__file_read_fd(int fd, size_t max, uint8_t **out, size_t *len) {
  uint8_t chunk[16384];
  rp__buf b;
  int r;

  if (out == NULL || len == NULL) return RP_EINVAL;
  *out = NULL;
  *len = 0;
  if (max >= SIZE_MAX - 1) return RP_EINVAL;
  /* A regular file says its size: one that is too large is refused before it is read. */
  struct stat st;
  off_t at = lseek(fd, 0, SEEK_CUR);
  if (at >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > at &&
      (uint64_t)(st.st_size - at) > max)
    return RP_ETOOBIG;
  /* The text and its NUL; rp__buf wipes every block it gives up while growing. */
  rp__buf_init(&b, max + 1);
  r = rp__buf_add(&b, "", 0);
  while (r == 0) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r = RP_EIO;
    if (n <= 0) break;
    r = rp__buf_add(&b, (const char *)chunk, (size_t)n);
  }
  sodium_memzero(chunk, sizeof chunk);
  if (r != 0) {
    rp__buf_free(&b);
    return r;
  }
  *out = b.p;
  *len = b.len;
  return 0;
}

int rp__file_read(const char *path, size_t max, uint8_t **out, size_t *len) {
  struct stat st;
  int fd, r;
  if (out == NULL || len == NULL) return RP_EINVAL;
  *out = NULL;
  *len = 0;
  if ((r = open_checked(path, max, 0, &fd, &st)) != 0) return r;
  r = rp__file_read_fd(fd, max, out, len);
  close(fd);
  return r;
}

int rp__file_read_into(const char *path, uint8_t *buf, size_t max, size_t *len,
                       mode_t *mode, int flags) {
  struct stat st;
  size_t got = 0;
  int fd, r;
  if (len == NULL) return RP_EINVAL;
  *len = 0;
  if (buf == NULL) return RP_EINVAL;
  if ((r = open_checked(path, max, flags, &fd, &st)) != 0) return r;
  /* Read one byte past the cap in case the file grew after fstat. */
  r = read_upto(fd, buf, max + 1, &got);
  close(fd);
  if (r != 0) return r;
  if (got > max) return RP_ETOOBIG;
  *len = got;
  if (mode != NULL) *mode = st.st_mode;
  return 0;
}

int rp__file_read_line(int fd, char *buf, size_t cap, size_t *len) {
  size_t n = 0;
  bool cr = false;
  if (len == NULL || (buf == NULL && cap > 0)) return RP_EINVAL;
  *len = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return RP_EIO;
    if (r == 0 || c == '\n') break;
    /* After a '\r' the line is over; the rest up to '\n' is read and dropped. */
    if (cr || c == '\r') {
      cr = true;
      continue;
    }
    if (n == cap) return RP_ETOOBIG;
    buf[n++] = c;
  }
  *len = n;
  return 0;
}

int rp__file_write_all(int fd, const uint8_t *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return RP_EIO;
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

int rp__file_write(const char *path, const void *buf, size_t len, mode_t mode,
                   int replace) {
  int r = RP_EINTERNAL, fd = -1, dfd = -1;
  bool have_tmp = false;
  char tmp[PATH_MAX], dir[PATH_MAX];

  if (path == NULL || (buf == NULL && len > 0)) return RP_EINVAL;
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

  /* mkstemp creates the file with mode 0600 in the file's own directory, so the rename
   * below never crosses a file system. */
  if ((fd = mkstemp(tmp)) < 0) {
    r = RP_EIO;
    goto out;
  }
  have_tmp = true;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, mode) != 0 ||
      rp__file_write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
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
