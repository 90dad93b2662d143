/* SPDX-License-Identifier: MIT */
#include "ibx_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "rejsepost_errors.h"

/* SO_PEERCRED and struct ucred are Linux extensions that _DEFAULT_SOURCE hides. */
#ifndef SO_PEERCRED
#define SO_PEERCRED 17
#endif
struct rp_ucred {
  pid_t pid;
  uid_t uid;
  gid_t gid;
};

static int fill_addr(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a->sun_path) return RP_ECONFIG;
  memcpy(a->sun_path, path, strlen(path) + 1);
  return 0;
}

static int group_id(const char *group, gid_t *gid) {
  struct group gr, *res = NULL;
  char buf[4096];
  *gid = getegid();
  if (group == NULL || group[0] == 0) return 0;
  if (getgrnam_r(group, &gr, buf, sizeof buf, &res) != 0 || res == NULL) return RP_ECONFIG;
  *gid = gr.gr_gid;
  return 0;
}

/* Another user who can write the socket's folder could swap the socket for their own
 * (and collect the advisors' texts) or make chmod land on a file of theirs: refuse such
 * a folder, sticky bit or not. */
static int folder_safe(const char *path) {
  char dir[RP_PATH_MAX];
  const char *slash = strrchr(path, '/');
  struct stat st;
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else if (slash == path)
    snprintf(dir, sizeof dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (stat(dir, &st) != 0) return RP_ENOTFOUND;
  return (st.st_mode & S_IWOTH) ? RP_EPERM : 0;
}

int rp__ibx_sock_listen(const char *path, const char *group, int *out) {
  struct sockaddr_un a;
  struct stat st;
  gid_t gid;
  int fd, r;
  *out = -1;
  if ((r = fill_addr(&a, path)) != 0 || (r = group_id(group, &gid)) != 0 ||
      (r = folder_safe(path)) != 0)
    return r;
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return RP_EEXIST;
    unlink(path);
  }
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return RP_EIO;
  /* Bind under a tight umask so the socket never exists with looser rights, then open
   * it to the group. */
  mode_t old = umask(0177);
  r = bind(fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  if (r != 0 || chown(path, (uid_t)-1, gid) != 0 || chmod(path, 0660) != 0 ||
      listen(fd, 16) != 0) {
    close(fd);
    return RP_EIO;
  }
  *out = fd;
  return 0;
}

int rp__ibx_sock_peer(int fd, char who[RP_IBX_WHO_MAX + 1], uid_t *uid) {
  struct rp_ucred cr;
  socklen_t n = sizeof cr;
  struct passwd pw, *res = NULL;
  char buf[4096];
  who[0] = 0;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) != 0 || n != sizeof cr)
    return RP_EIO;
  if (uid != NULL) *uid = cr.uid;
  if (getpwuid_r(cr.uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL &&
      strlen(pw.pw_name) <= RP_IBX_WHO_MAX)
    snprintf(who, RP_IBX_WHO_MAX + 1, "%s", pw.pw_name);
  else
    snprintf(who, RP_IBX_WHO_MAX + 1, "uid%u", (unsigned)cr.uid);
  return 0;
}

static int read_exact(int fd, uint8_t *p, size_t n, uint64_t deadline) {
  size_t got = 0;
  while (got < n) {
    uint64_t now = rp__clock_mono_ms();
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (deadline != 0 && now >= deadline) return RP_ETIMEDOUT;
    int pr = poll(&pfd, 1, deadline != 0 ? (int)(deadline - now) : -1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) return RP_EIO;
    if (pr == 0) return RP_ETIMEDOUT;
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return RP_ECLOSED;
    got += (size_t)r;
  }
  return 0;
}

int rp__ibx_sock_read_frame(int fd, uint32_t max, int timeout_ms, uint8_t **buf,
                            size_t *len) {
  uint8_t hdr[4], *b;
  uint32_t n;
  uint64_t deadline = timeout_ms > 0 ? rp__clock_mono_ms() + (uint64_t)timeout_ms : 0;
  int r;
  *buf = NULL;
  *len = 0;
  if ((r = read_exact(fd, hdr, 4, deadline)) != 0) return r;
  n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) |
      hdr[3];
  if (n > max) return RP_ETOOBIG;
  if ((b = malloc(n > 0 ? n : 1)) == NULL) return RP_ENOMEM;
  if ((r = read_exact(fd, b, n, deadline)) != 0) {
    free(b);
    return r;
  }
  *buf = b;
  *len = n;
  return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno == EPIPE || errno == ECONNRESET ? RP_ECLOSED : RP_EIO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int rp__ibx_sock_write_frame(int fd, const uint8_t *buf, size_t len) {
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
  int r = write_all(fd, hdr, 4);
  return r != 0 ? r : write_all(fd, buf, len);
}

static int write_within(int fd, const uint8_t *p, size_t n, uint64_t deadline) {
  while (n > 0) {
    uint64_t now = rp__clock_mono_ms();
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (now >= deadline) return RP_ETIMEDOUT;
    int pr = poll(&pfd, 1, (int)(deadline - now));
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) return RP_EIO;
    if (pr == 0) return RP_ETIMEDOUT;
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (w < 0) return errno == EPIPE || errno == ECONNRESET ? RP_ECLOSED : RP_EIO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int rp__ibx_sock_write_frame_within(int fd, const uint8_t *buf, size_t len,
                                    int timeout_ms) {
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int r = write_within(fd, hdr, 4, deadline);
  return r != 0 ? r : write_within(fd, buf, len, deadline);
}

int rp__ibx_sock_connect(const char *path, int *out) {
  struct sockaddr_un a;
  int fd, r;
  *out = -1;
  if ((r = fill_addr(&a, path)) != 0) return RP_EINVAL;
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return RP_EIO;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    r = errno == EACCES ? RP_EPERM : RP_ECONNREFUSED;
    close(fd);
    return r;
  }
  *out = fd;
  return 0;
}
