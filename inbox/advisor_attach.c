/* SPDX-License-Identifier: MIT */
/*
 * The advisor command's side of documents: `reply --attach FILE[:kind]` and `save THREAD
 * N PATH`. Both touch the advisor's files in the advisor's own process, with the
 * advisor's rights: a reply's files are opened here and handed to the daemon open
 * (SCM_RIGHTS), never named by path to it, and a saved file is created here (O_EXCL,
 * 0600) from the bytes the daemon streams. The daemon never opens a path an advisor
 * names (docs/INBOX.md "Documents").
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advisor_int.h"
#include "ibx_sock.h"
#include "caps.h"
#include "ibx_caps.h"

static int bad(const char *what, const char *arg) {
  fprintf(stderr, "rejsepost advisor: %s '%s'\n", what, arg);
  return 2;
}

int rp__adv_attach_open(rp__adv_opts *o) {
  size_t cap = RP_IBX_ATTACH_SPEC_MAX + 1, used = 0;
  for (unsigned i = 0; i < o->nattach; i++)
    o->attach_fds[i] = -1;
  if (o->nattach == 0) return 0;
  if ((o->attach_spec = calloc(1, cap)) == NULL) return 2;
  for (unsigned i = 0; i < o->nattach; i++) {
    char path[4096];
    const char *arg = o->attach[i], *colon = strrchr(arg, ':'), *kind = "andet", *name;
    struct stat sb;
    size_t plen = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
    if (colon != NULL) {
      kind = colon + 1;
      /* The daemon's library checks the name against its table; here only that it is
       * one word, so that it cannot shift the "name/kind" list. */
      if (kind[0] == 0 || strspn(kind, "abcdefghijklmnopqrstuvwxyz_") != strlen(kind) ||
          strlen(kind) > 31)
        return bad("an attachment kind is beredskabsplan_udkast, handlingsplan, "
                   "risikovurdering or andet, not in",
                   arg);
    }
    if (plen == 0 || plen >= sizeof path) return bad("no file in", arg);
    memcpy(path, arg, plen);
    path[plen] = 0;
    name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    if (name[0] == 0 || strlen(name) > RP_TEXT_SHORT_MAX)
      return bad("no file name in", arg);
    if ((o->attach_fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
      return bad(errno == ENOENT ? "no such file" : "cannot open", path);
    if (fstat(o->attach_fds[i], &sb) != 0 || !S_ISREG(sb.st_mode))
      return bad("not a regular file", path);
    used += (size_t)snprintf(o->attach_spec + used, cap - used, "%s%s/%s", i > 0 ? "/" : "",
                             name, kind);
  }
  return 0;
}

void rp__adv_attach_close(rp__adv_opts *o) {
  for (unsigned i = 0; i < o->nattach; i++)
    if (o->attach_fds[i] >= 0) close(o->attach_fds[i]);
  free(o->attach_spec);
  o->attach_spec = NULL;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int rp__adv_save_receive(int fd, const char *path, int out, const rp__ibx_resp *rs) {
  crypto_hash_sha256_state h;
  uint8_t digest[32], *buf = NULL;
  char hex[65];
  size_t len = 0;
  uint64_t total = 0;
  int r;
  crypto_hash_sha256_init(&h);
  for (;;) {
    if ((r = rp__ibx_sock_read_frame(fd, RP_IBX_ATT_PIECE, 120000, &buf, &len)) != 0) break;
    if (len == 0) {
      free(buf);
      break;
    }
    crypto_hash_sha256_update(&h, buf, len);
    total += len;
    if (write_all(out, buf, len) != 0) r = RP_EIO;
    sodium_memzero(buf, len);
    free(buf);
    buf = NULL;
    if (r != 0) break;
  }
  crypto_hash_sha256_final(&h, digest);
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  if (r == 0 && (total != rs->size || rs->sha256.n != 64 || memcmp(hex, rs->sha256.p, 64)))
    r = RP_EDIGEST;
  if (r == 0 && fsync(out) != 0) r = RP_EIO;
  if (r != 0) {
    unlink(path);
    fprintf(stderr, "rejsepost advisor: save: not saved (%s); %s was removed\n",
            r == RP_EDIGEST ? "the bytes do not match their size and sha256"
                            : rp_strerror(r),
            path);
    return 1;
  }
  printf("saved %.*s (%llu bytes, sha256 %s) to %s\n", (int)rs->name.n, rs->name.p,
         (unsigned long long)total, hex, path);
  return 0;
}

/* The request frame with the reply's files passed open: the length prefix carries them
 * (SCM_RIGHTS), the body follows. */
int rp__adv_send_with_fds(int fd, const uint8_t *body, size_t len, const int *fds,
                          unsigned n) {
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
  union {
    struct cmsghdr h;
    char b[CMSG_SPACE(sizeof(int) * 16)];
  } u;
  struct iovec iov = {hdr, sizeof hdr};
  struct msghdr mh;
  struct cmsghdr *c;
  ssize_t w;
  memset(&mh, 0, sizeof mh);
  memset(&u, 0, sizeof u);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (n > 0) {
    mh.msg_control = u.b;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  do
    w = sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w != (ssize_t)sizeof hdr) return RP_EIO;
  return write_all(fd, body, len) == 0 ? 0 : RP_EIO;
}
