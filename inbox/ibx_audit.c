/* SPDX-License-Identifier: MIT */
#include "ibx_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "rejsepost_errors.h"

struct rp__ibx_audit {
  int fd;
  pthread_mutex_t mu;
  rp__ibx_audit_head head;
};

/* State of a verification walk. */
typedef struct walk {
  uint64_t seq;
  uint8_t prev[32];
  uint64_t bad;
  const rp__ibx_audit_head *expect;
  int expect_seen;
} walk;

/* memmem is a GNU extension; this is the small part of it we need. */
static const char *find(const char *hay, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; m <= n && i <= n - m; i++)
    if (memcmp(hay + i, needle, m) == 0) return hay + i;
  return NULL;
}

static int hex_ok(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return 0;
  return 1;
}

/* Checks one line (without its newline, len bytes) against the walk state. */
static int check_line(walk *w, const char *line, size_t len) {
  char seqbuf[24], prevhex[65];
  uint8_t prev[32];
  const char *p = find(line, len, " prev=");
  int n = 0;

  if (p == NULL || (size_t)(line + len - (p + 6)) != 64 || !hex_ok(p + 6, 64))
    return RP_EAUTH;
  memcpy(prevhex, p + 6, 64);
  prevhex[64] = 0;
  if (sodium_hex2bin(prev, 32, prevhex, 64, NULL, NULL, NULL) != 0) return RP_EAUTH;
  while ((size_t)n < len && n < 20 && line[n] >= '0' && line[n] <= '9')
    n++;
  if (n == 0 || (size_t)n >= len || line[n] != ' ') return RP_EAUTH;
  memcpy(seqbuf, line, (size_t)n);
  seqbuf[n] = 0;
  if (strtoull(seqbuf, NULL, 10) != w->seq + 1) return RP_EAUTH;
  if (memcmp(prev, w->prev, 32) != 0) return RP_EAUTH;
  if (find(line, len, " who=") == NULL || find(line, len, " action=") == NULL ||
      find(line, len, " thread=") == NULL)
    return RP_EAUTH;
  return 0;
}

/* Walks every line of buf; stops at the first bad one. */
static void walk_buf(walk *w, const char *buf, size_t len) {
  size_t off = 0;
  while (off < len && w->bad == 0) {
    const char *nl = memchr(buf + off, '\n', len - off);
    size_t n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
    if (nl == NULL || n + 1 > RP_IBX_AUDIT_LINE_MAX || check_line(w, buf + off, n) != 0) {
      w->bad = w->seq + 1;
      return;
    }
    crypto_hash_sha256(w->prev, (const uint8_t *)buf + off, n + 1);
    w->seq++;
    if (w->expect != NULL && w->seq == w->expect->seq) {
      if (sodium_memcmp(w->prev, w->expect->hash, 32) != 0) {
        w->bad = w->seq;
        return;
      }
      w->expect_seen = 1;
    }
    off += n + 1;
  }
}

int rp__ibx_audit_verify(const char *path, const rp__ibx_audit_head *expect,
                         uint64_t *lines, uint64_t *bad_line) {
  walk w = {.expect = expect};
  uint8_t *buf = NULL;
  size_t len = 0;
  int r;
  if (lines != NULL) *lines = 0;
  if (bad_line != NULL) *bad_line = 0;
  if ((r = rp__file_read(path, RP_IBX_AUDIT_FILE_MAX, &buf, &len)) != 0)
    return r == RP_ENOTFOUND ? RP_EIO : r;
  walk_buf(&w, (const char *)buf, len);
  free(buf);
  if (w.bad == 0 && expect != NULL && expect->seq > 0 && !w.expect_seen)
    w.bad = expect->seq;
  if (lines != NULL) *lines = w.seq;
  if (bad_line != NULL) *bad_line = w.bad;
  return w.bad != 0 ? RP_EAUTH : 0;
}

int rp__ibx_audit_open(const char *path, rp__ibx_audit **out, uint64_t *broken) {
  rp__ibx_audit *a = NULL;
  walk w = {0};
  uint8_t *buf = NULL;
  size_t len = 0;
  int r;

  *out = NULL;
  if (broken != NULL) *broken = 0;
  if ((a = calloc(1, sizeof *a)) == NULL) return RP_ENOMEM;
  a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (a->fd < 0) {
    free(a);
    return RP_EIO;
  }
  /* Opened for appending, the descriptor still reads from the start. */
  if ((r = rp__file_read_fd(a->fd, RP_IBX_AUDIT_FILE_MAX, &buf, &len)) != 0) {
    close(a->fd);
    free(a);
    return r;
  }
  walk_buf(&w, (const char *)buf, len);
  free(buf);
  if (broken != NULL) *broken = w.bad;
  /* On a broken chain new lines continue from the last sound line; the break stays
   * where it is and every later verification reports it. */
  a->head.seq = w.seq;
  memcpy(a->head.hash, w.prev, 32);
  pthread_mutex_init(&a->mu, NULL);
  *out = a;
  return 0;
}

void rp__ibx_audit_close(rp__ibx_audit *a) {
  if (a == NULL) return;
  close(a->fd);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

static void sanitise(char *dst, size_t cap, const char *src) {
  size_t i = 0;
  for (; src != NULL && src[i] != 0 && i + 1 < cap; i++) {
    char c = src[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    dst[i] = ok ? c : '_';
  }
  if (i == 0 && cap > 1) dst[i++] = '-';
  dst[i] = 0;
}

int rp__ibx_audit_append(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                         const char *action, const char *thread, rp__ibx_audit_head *head) {
  return rp__ibx_audit_append_to(a, now_ms, who, action, thread, NULL, head);
}

int rp__ibx_audit_append_to(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                            const char *action, const char *thread, const char *to,
                            rp__ibx_audit_head *head) {
  return rp__ibx_audit_append_kv(a, now_ms, who, action, thread, "to", to, head);
}

int rp__ibx_audit_append_kv(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                            const char *action, const char *thread, const char *key,
                            const char *to, rp__ibx_audit_head *head) {
  return rp__ibx_audit_append_via(a, now_ms, who, action, thread, key, to, NULL, head);
}

int rp__ibx_audit_append_via(rp__ibx_audit *a, uint64_t now_ms, const char *who,
                             const char *action, const char *thread, const char *key,
                             const char *to, const char *via, rp__ibx_audit_head *head) {
  char line[RP_IBX_AUDIT_LINE_MAX], w[RP_IBX_WHO_MAX + 1], act[33], th[33], prev[65],
      ts[32];
  char tw[RP_IBX_WHO_MAX + 20], vw[RP_IBX_WHO_MAX + 8];
  time_t t = (time_t)(now_ms / 1000);
  struct tm tm;
  int n, r = 0;

  /* Cut short, two users could look alike in the log: refuse instead. */
  if ((who != NULL && strlen(who) > RP_IBX_WHO_MAX) ||
      (to != NULL && strlen(to) > RP_IBX_WHO_MAX) || (key != NULL && strlen(key) > 12) ||
      (via != NULL && strlen(via) > RP_IBX_WHO_MAX) ||
      (action != NULL && strlen(action) >= sizeof act) ||
      (thread != NULL && strlen(thread) >= sizeof th))
    return RP_ETOOBIG;
  sanitise(w, sizeof w, who);
  sanitise(act, sizeof act, action);
  sanitise(th, sizeof th, thread);
  tw[0] = 0;
  if (to != NULL && key != NULL) {
    size_t k = strlen(key);
    tw[0] = ' ';
    memcpy(tw + 1, key, k);
    tw[k + 1] = '=';
    sanitise(tw + k + 2, sizeof tw - k - 2, to);
  }
  vw[0] = 0;
  if (via != NULL) {
    memcpy(vw, " via=", 5);
    sanitise(vw + 5, sizeof vw - 5, via);
  }
  gmtime_r(&t, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  pthread_mutex_lock(&a->mu);
  sodium_bin2hex(prev, sizeof prev, a->head.hash, 32);
  n = snprintf(line, sizeof line,
               "%" PRIu64 " %" PRIu64 " %s who=%s action=%s thread=%s%s%s prev=%s\n",
               a->head.seq + 1, now_ms, ts, w, act, th, tw, vw, prev);
  if (n <= 0 || (size_t)n >= sizeof line) {
    r = RP_ETOOBIG;
  } else if (write(a->fd, line, (size_t)n) != n) {
    r = RP_EIO;
  } else if (fsync(a->fd) != 0) {
    r = RP_EFSYNC;
  } else {
    a->head.seq++;
    crypto_hash_sha256(a->head.hash, (const uint8_t *)line, (size_t)n);
    if (head != NULL) *head = a->head;
  }
  pthread_mutex_unlock(&a->mu);
  return r;
}

void rp__ibx_audit_head_get(rp__ibx_audit *a, rp__ibx_audit_head *head) {
  pthread_mutex_lock(&a->mu);
  *head = a->head;
  pthread_mutex_unlock(&a->mu);
}
