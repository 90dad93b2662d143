/* SPDX-License-Identifier: MIT */
#include "ibx_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ibx_areq.h"
#include "ibx_daemon.h"
#include "ibx_ident.h"
#include "log.h"
#include "ibx_sock.h"
#include "rejsepost_errors.h"

void rp__ibx_conns_init(rp__ibx_conns *t) {
  memset(t, 0, sizeof *t);
  for (unsigned i = 0; i < RP_IBX_CONNS_MAX; i++)
    t->c[i].fd = -1;
}

static void drop(rp__ibx_conn *c, int err) {
  if (err != 0)
    rp__log_warn("event=advisor_dropped who=%s error=%s", c->who, rp_err_name(err));
  if (c->buf != NULL) {
    sodium_memzero(c->buf, c->need);
    free(c->buf);
  }
  for (unsigned i = 0; i < c->nfds; i++)
    close(c->fds[i]);
  close(c->fd);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

void rp__ibx_conns_close(rp__ibx_conns *t) {
  for (unsigned i = 0; i < RP_IBX_CONNS_MAX; i++)
    if (t->c[i].fd >= 0) drop(&t->c[i], 0);
}

/* A free slot. A user who already holds their share gives up their own oldest pending
 * connection (so one user's flood of stalled connections pushes out only their own, and
 * their newest request still gets in); when the table is full, the oldest overall goes. */
static rp__ibx_conn *slot_for(rp__ibx_conns *t, uid_t uid) {
  rp__ibx_conn *free_slot = NULL, *oldest = NULL, *my_oldest = NULL;
  unsigned mine = 0;
  for (unsigned i = 0; i < RP_IBX_CONNS_MAX; i++) {
    rp__ibx_conn *c = &t->c[i];
    if (c->fd < 0) {
      if (free_slot == NULL) free_slot = c;
      continue;
    }
    if (c->uid == uid) {
      mine++;
      if (my_oldest == NULL || c->since < my_oldest->since) my_oldest = c;
    }
    if (oldest == NULL || c->since < oldest->since) oldest = c;
  }
  if (mine >= RP_IBX_CONNS_PER_USER)
    oldest = my_oldest;
  else if (free_slot != NULL)
    return free_slot;
  drop(oldest, RP_EBUSY);
  return oldest;
}

void rp__ibx_conns_accept(rp__ibx_conns *t, int listen_fd) {
  int fd = accept(listen_fd, NULL, NULL);
  char who[RP_IBX_WHO_MAX + 1];
  uid_t uid = 0;
  rp__ibx_conn *c;
  if (fd < 0) return;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (rp__ibx_ident_peer(fd, who, &uid) != 0) {
    close(fd);
    return;
  }
  c = slot_for(t, uid);
  c->fd = fd;
  c->uid = uid;
  memcpy(c->who, who, sizeof who);
  c->since = rp__clock_mono_ms();
  c->deadline = c->since + RP_IBX_SOCK_TIMEOUT_MS;
}

unsigned rp__ibx_conns_pollfds(const rp__ibx_conns *t, struct pollfd *pfd, unsigned *idx) {
  unsigned n = 0;
  for (unsigned i = 0; i < RP_IBX_CONNS_MAX; i++)
    if (t->c[i].fd >= 0) {
      pfd[n] = (struct pollfd){.fd = t->c[i].fd, .events = POLLIN};
      idx[n++] = i;
    }
  return n;
}

/* Takes the files that came with the bytes just read. More than the cap (16, the
 * attachments a message may carry) drops the connection (drop closes what was kept;
 * the extras are closed here, and the kernel closes any that did not fit the buffer). */
static int take_fds(rp__ibx_conn *c, struct msghdr *mh) {
  int bad = (mh->msg_flags & MSG_CTRUNC) != 0;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(mh); h != NULL; h = CMSG_NXTHDR(mh, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    size_t room =
        (mh->msg_controllen - (size_t)((char *)CMSG_DATA(h) - (char *)mh->msg_control)) /
        sizeof(int);
    if (n > room) n = room;
    for (size_t i = 0; i < n; i++) {
      int f;
      memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
      if (c->nfds < sizeof c->fds / sizeof c->fds[0])
        c->fds[c->nfds++] = f;
      else {
        close(f);
        bad = 1;
      }
    }
  }
  return bad ? RP_ETOOBIG : 0;
}

/* Reads what is there. 1: the request is complete; 0: more to come; <0: drop. */
static int read_some(rp__ibx_conn *c) {
  for (;;) {
    uint8_t *dst = c->got < 4 ? c->hdr + c->got : c->buf + (c->got - 4);
    size_t want = c->got < 4 ? 4 - c->got : c->need - (c->got - 4);
    if (c->got >= 4 && c->got - 4 == c->need) return 1;
    union {
      struct cmsghdr h;
      char b[CMSG_SPACE(sizeof(int) * 32)];
    } u;
    struct iovec iov = {dst, want};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    mh.msg_control = u.b;
    mh.msg_controllen = sizeof u.b;
    ssize_t r = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
    if (r > 0 && take_fds(c, &mh) != 0) return RP_ETOOBIG;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (r <= 0) return RP_ECLOSED;
    c->got += (size_t)r;
    if (c->got == 4) {
      int e = rp__ibx_frame_len(c->hdr, RP_IBX_REQ_MAX, &c->need);
      if (e != 0) return e;
      if ((c->buf = malloc(c->need > 0 ? c->need : 1)) == NULL) return RP_ENOMEM;
    }
  }
}

void rp__ibx_conns_ready(struct rp__ibx_daemon *d, rp__ibx_conns *t, unsigned i) {
  rp__ibx_conn *c = &t->c[i];
  int r = read_some(c);
  if (r < 0) {
    drop(c, r);
  } else if (r == 1) {
    rp__ibx_serve_request(d, c->fd, c->who, c->buf, c->need, c->fds, c->nfds);
    drop(c, 0);
  }
}

int rp__ibx_conns_expire(rp__ibx_conns *t, uint64_t now) {
  int next = -1;
  for (unsigned i = 0; i < RP_IBX_CONNS_MAX; i++) {
    rp__ibx_conn *c = &t->c[i];
    if (c->fd < 0) continue;
    if (now >= c->deadline) {
      drop(c, RP_ETIMEDOUT);
      continue;
    }
    int left = (int)(c->deadline - now);
    if (next < 0 || left < next) next = left;
  }
  return next;
}
