/* SPDX-License-Identifier: MIT */
/* The blocking test peer and the relay fixture; see peer.h. */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "chan_hooks.h"
#include "envelope_hdr.h"
#include "frame.h"
#include "keyfile.h"
#include "rejsepost_errors.h"
#include "testutil.h"

/* ---- raw sockets ---- */

int tp_tcp_connect_addr(const char *ip, uint16_t port) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char serv[8];
  int fd = -1, one = 1;
  snprintf(serv, sizeof serv, "%u", (unsigned)port);
  if (getaddrinfo(ip, serv, &hints, &ai) != 0) return -1;
  if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) >= 0 &&
      connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(ai);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int tp_tcp_connect(uint16_t port) {
  return tp_tcp_connect_addr("127.0.0.1", port);
}

int tp_tcp_connect_from(const char *src, const char *ip, uint16_t port) {
  struct sockaddr_in from, to;
  int fd, one = 1;
  memset(&from, 0, sizeof from);
  memset(&to, 0, sizeof to);
  from.sin_family = to.sin_family = AF_INET;
  to.sin_port = htons(port);
  if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
      inet_pton(AF_INET, ip, &to.sin_addr) != 1)
    return -1;
  if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) return -1;
  if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
      connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    close(fd);
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

uint16_t tp_free_port(void) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
    port = ntohs(sa.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

int tp_write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno == EPIPE || errno == ECONNRESET ? RP_ECLOSED : RP_EIO;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Wait for readability until `deadline` (monotonic ms). 0, or RP_ETIMEDOUT. */
static int wait_readable(int fd, uint64_t deadline) {
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  for (;;) {
    uint64_t now = rp__clock_mono_ms();
    /* A deadline that has passed still gets one look, so a zero timeout polls. */
    int rc = poll(&pfd, 1, now < deadline ? (int)(deadline - now) : 0);
    if (rc > 0) return 0;
    if (rc < 0 && errno != EINTR) return RP_EIO;
    if (rc == 0 && rp__clock_mono_ms() >= deadline) return RP_ETIMEDOUT;
  }
}

static int read_until(int fd, void *p, size_t n, uint64_t deadline, size_t *got) {
  uint8_t *b = p;
  size_t have = 0;
  int rc = 0;
  while (have < n) {
    ssize_t r;
    if ((rc = wait_readable(fd, deadline)) != 0) break;
    r = recv(fd, b + have, n - have, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      rc = RP_ECLOSED;
      break;
    }
    have += (size_t)r;
  }
  if (got != NULL) *got = have;
  return rc;
}

int tp_read_exact(int fd, void *p, size_t n, int timeout_ms, size_t *got) {
  return read_until(fd, p, n, rp__clock_mono_ms() + (uint64_t)timeout_ms, got);
}

int tp_wait_closed(int fd, int timeout_ms, size_t *bytes) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  uint8_t buf[4096];
  size_t total = 0;
  int rc;
  for (;;) {
    ssize_t r;
    if ((rc = wait_readable(fd, deadline)) != 0) break;
    r = recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      rc = 0;
      break;
    }
    total += (size_t)r;
  }
  if (bytes != NULL) *bytes = total;
  return rc;
}

/* ---- an authenticated client ---- */

/* The timeout applies until bytes come; once some are in, the rest of the message gets
 * a fresh allowance, so a short poll does not give up on one that has begun to arrive. */
#define MSG_REST_MS 10000u

/* Feeds the channel until it has an event, reading more when it has used all bytes. */
static int next_event(tp_peer *p, rp__chan_event *ev, uint64_t deadline) {
  int rc;
  if (p->chan == NULL) return RP_ESTATE;
  for (;;) {
    ssize_t r;
    while (p->in_off < p->in_len) {
      size_t used = 0;
      rc =
          rp__chan_feed(p->chan, p->in + p->in_off, p->in_len - p->in_off, &used, ev, NULL);
      p->in_off += used;
      if (rc != 0) return rc;
      if (ev->type != RP__CHAN_EV_NONE) return 0;
    }
    if ((rc = wait_readable(p->fd, deadline)) != 0) return rc;
    r = recv(p->fd, p->in, sizeof p->in, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return RP_ECLOSED;
    p->in_off = 0;
    p->in_len = (size_t)r;
    if (deadline < rp__clock_mono_ms() + MSG_REST_MS)
      deadline = rp__clock_mono_ms() + MSG_REST_MS;
  }
}

int tp_connect_at_ex(tp_peer *p, const char *ip, uint16_t port, const rp__identity *me,
                     const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms,
                     uint8_t **msg1, size_t *msg1_len) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  const uint8_t *hello = NULL;
  size_t hlen = 0;
  rp__chan_event ev;
  int rc;

  memset(p, 0, sizeof *p);
  snprintf(p->member, sizeof p->member, "%s", me->pub.id);
  if ((p->fd = tp_tcp_connect_addr(ip, port)) < 0) {
    rc = RP_ECONNREFUSED;
    goto out;
  }
  if ((rc = rp__chan_new(&p->chan, me->sec->transport_sk, relay_pk)) != 0 ||
      (rc = rp__chan_hello(p->chan, &hello, &hlen)) != 0)
    goto out;
  if (msg1 != NULL) {
    *msg1 = malloc(hlen);
    memcpy(*msg1, hello, hlen);
    *msg1_len = hlen;
  }
  if ((rc = tp_write_all(p->fd, hello, hlen)) != 0 ||
      (rc = next_event(p, &ev, deadline)) != 0)
    goto out;
  rc = ev.type == RP__CHAN_EV_OPEN ? 0 : RP_ESTATE;
out:
  if (rc != 0) tp_close(p);
  return rc;
}

int tp_connect_ex(tp_peer *p, uint16_t port, const rp__identity *me,
                  const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms,
                  uint8_t **msg1, size_t *msg1_len) {
  return tp_connect_at_ex(p, "127.0.0.1", port, me, relay_pk, timeout_ms, msg1, msg1_len);
}

int tp_connect_at(tp_peer *p, const char *ip, uint16_t port, const rp__identity *me,
                  const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms) {
  rp__tmsg m;
  int rc = tp_connect_at_ex(p, ip, port, me, relay_pk, timeout_ms, NULL, NULL);
  if (rc != 0) return rc;
  if ((rc = tp_recv(p, &m, timeout_ms)) != 0) goto fail;
  if (m.type != RP__T_WELCOME) {
    rc = RP_ESTATE;
    goto fail;
  }
  p->welcome = m;
  p->welcome.u.welcome.member.p = p->member; /* the received text is not kept */
  /* The proof of the key: a first message at once, whatever the test does next. */
  memset(&m, 0, sizeof m);
  m.type = RP__T_PING;
  randombytes_buf(&p->proof_nonce, sizeof p->proof_nonce);
  m.u.ping.nonce = p->proof_nonce;
  p->proof_pending = 1;
  if ((rc = tp_send(p, &m)) != 0) goto fail;
  return 0;
fail:
  tp_close(p);
  return rc;
}

int tp_connect(tp_peer *p, uint16_t port, const rp__identity *me,
               const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms) {
  return tp_connect_at(p, "127.0.0.1", port, me, relay_pk, timeout_ms);
}

int tp_seal_frame(tp_peer *p, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                  size_t *out_len) {
  if (p->chan == NULL) return RP_ESTATE;
  return rp__chan_seal_raw(p->chan, pt, n, out, cap, out_len);
}

int tp_send_frame_pt(tp_peer *p, const uint8_t *pt, size_t n) {
  uint8_t *out = malloc(RP_FRAME_MAX + RP__FRAME_PREFIX);
  size_t len = 0;
  int rc = tp_seal_frame(p, pt, n, out, RP_FRAME_MAX + RP__FRAME_PREFIX, &len);
  if (rc == 0) rc = tp_write_all(p->fd, out, len);
  free(out);
  return rc;
}

/* rp__chan_seal without its state check, for messages sent in the wrong state on
 * purpose: each fragment is written in place and sealed there as a raw frame. */
static int seal_unchecked(tp_peer *p, const rp__tmsg *m, uint8_t **out, size_t *len) {
  uint8_t *enc = malloc(RP__TMSG_MAX), *buf = NULL;
  size_t elen = 0, flen = 0, olen = 0, cap, total = 0;
  rp__frag_writer fw;
  int rc;
  if ((rc = rp__tmsg_encode(m, enc, RP__TMSG_MAX, &elen)) != 0 ||
      (rc = rp__frag_writer_init(&fw, enc, elen)) != 0)
    goto out;
  buf = malloc(cap = rp__chan_sealed_size(elen));
  while (rc == 0 && !rp__frag_writer_done(&fw)) {
    uint8_t *f = buf + total + RP__FRAME_PREFIX;
    if ((rc = rp__frag_writer_next(&fw, f, cap - total - RP__FRAME_PREFIX, &flen)) == 0 &&
        (rc = tp_seal_frame(p, f, flen, buf + total, cap - total, &olen)) == 0)
      total += olen;
  }
  if (rc == 0) {
    *out = buf;
    *len = total;
    buf = NULL;
  }
out:
  free(enc);
  free(buf);
  return rc;
}

int tp_send(tp_peer *p, const rp__tmsg *m) {
  uint8_t *out = NULL;
  size_t len = 0;
  int rc = p->chan != NULL ? rp__chan_seal(p->chan, m, &out, &len) : RP_ESTATE;
  if (rc == RP_ESTATE && p->chan != NULL) rc = seal_unchecked(p, m, &out, &len);
  /* One write for the whole message, so that tests can put several in one segment. */
  if (rc == 0) rc = tp_write_all(p->fd, out, len);
  free(out);
  return rc;
}

int tp_recv(tp_peer *p, rp__tmsg *m, int timeout_ms) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  rp__chan_event ev;
  int rc;
  for (;;) {
    if ((rc = next_event(p, &ev, deadline)) != 0) return rc;
    if (ev.type != RP__CHAN_EV_MSG) continue;
    if (ev.msg.type == RP__T_PONG && p->proof_pending &&
        ev.msg.u.pong.nonce == p->proof_nonce) {
      p->proof_pending = 0; /* the answer to our proof of the key */
      continue;
    }
    if (ev.msg.type != RP__T_PING) break;
    {
      rp__tmsg pong;
      memset(&pong, 0, sizeof pong);
      pong.type = RP__T_PONG;
      pong.u.pong.nonce = ev.msg.u.ping.nonce;
      if ((rc = tp_send(p, &pong)) != 0) return rc;
    }
  }
  *m = ev.msg;
  return 0;
}

int tp_recv_type(tp_peer *p, uint64_t type, rp__tmsg *m, int timeout_ms, int *skipped) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int rc, n = 0;
  for (;;) {
    uint64_t now = rp__clock_mono_ms();
    if (now >= deadline) {
      rc = RP_ETIMEDOUT;
      break;
    }
    if ((rc = tp_recv(p, m, (int)(deadline - now))) != 0) break;
    if (m->type == type) break;
    n++;
  }
  if (skipped != NULL) *skipped = n;
  return rc;
}

void tp_close(tp_peer *p) {
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  rp__chan_free(p->chan);
  p->chan = NULL;
  p->in_off = p->in_len = 0;
}

/* ---- envelopes ---- */

int tp_envelope(const uint8_t msg_id[RP_MSG_ID_BYTES], const char *sender,
                const char *recipient, uint64_t created, uint64_t expires, unsigned cls,
                uint8_t **out, size_t *out_len) {
  return tp_envelope_chunks(msg_id, sender, recipient, created, expires, cls, 0, out,
                            out_len);
}

int tp_envelope_chunks(const uint8_t msg_id[RP_MSG_ID_BYTES], const char *sender,
                       const char *recipient, uint64_t created, uint64_t expires,
                       unsigned cls, uint64_t chunks, uint8_t **out, size_t *out_len) {
  uint8_t hdr[RP__ENVHDR_MAX];
  size_t hlen = 0, ctlen = rp__envhdr_class_ct_bytes(cls), cap;
  uint8_t *ct = NULL, *buf = NULL;
  rp__envcont c;
  rp__envhdr h;
  int rc;

  *out = NULL;
  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, msg_id, RP_MSG_ID_BYTES);
  h.sender = rp__str_c(sender);
  h.recipient = rp__str_c(recipient);
  h.created = created;
  h.expires = expires;
  h.urgency = RP__URG_NORMAL;
  h.size_class = cls;
  h.chunks = chunks;
  if ((rc = rp__envhdr_encode(&h, hdr, sizeof hdr, &hlen, NULL)) != 0) return rc;
  ct = malloc(ctlen);
  randombytes_buf(ct, ctlen);
  memset(&c, 0, sizeof c);
  c.header.p = hdr;
  c.header.n = (uint32_t)hlen;
  randombytes_buf(c.enc, sizeof c.enc);
  c.ct.p = ct;
  c.ct.n = (uint32_t)ctlen;
  cap = ctlen + hlen + 128;
  buf = malloc(cap);
  if ((rc = rp__envhdr_container_encode(&c, buf, cap, out_len, NULL)) != 0) {
    free(buf);
    buf = NULL;
  }
  free(ct);
  *out = buf;
  return rc;
}

static int send_envelope(tp_peer *p, const char *recipient, unsigned cls,
                         uint8_t msg_id[RP_MSG_ID_BYTES], uint8_t *mark, size_t mark_len) {
  uint64_t now = rp__clock_wall_ms();
  uint8_t *env = NULL;
  size_t len = 0;
  rp__tmsg m;
  int rc;

  randombytes_buf(msg_id, RP_MSG_ID_BYTES);
  if ((rc = tp_envelope(msg_id, p->member, recipient, now, now + 3600u * 1000u, cls, &env,
                        &len)) != 0)
    return rc;
  if (mark != NULL) {
    rp__envcont c;
    rp__envhdr h;
    if ((rc = rp__envhdr_container_parse(env, len, &c, &h, NULL)) != 0 ||
        c.ct.n < mark_len) {
      free(env);
      return rc != 0 ? rc : RP_EINVAL;
    }
    memcpy(mark, c.ct.p + (c.ct.n - mark_len) / 2, mark_len);
  }
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  rc = tp_send(p, &m);
  free(env);
  return rc;
}

int tp_send_envelope(tp_peer *p, const char *recipient, unsigned cls,
                     uint8_t msg_id[RP_MSG_ID_BYTES]) {
  return send_envelope(p, recipient, cls, msg_id, NULL, 0);
}

int tp_send_marked(tp_peer *p, const char *recipient, uint8_t msg_id[RP_MSG_ID_BYTES],
                   uint8_t *mark, size_t mark_len) {
  rp__tmsg m;
  int rc;
  if ((rc = send_envelope(p, recipient, 2, msg_id, mark, mark_len)) != 0 ||
      (rc = tp_recv_type(p, RP__T_ACK, &m, 5000, NULL)) != 0)
    return rc;
  return memcmp(m.u.ack.msg_id, msg_id, RP_MSG_ID_BYTES) == 0 ? 0 : RP_EINVAL;
}

/* ---- the relay under test ---- */

static int write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  int rc = 0;
  if (f == NULL) return RP_EIO;
  if (fwrite(p, 1, n, f) != n) rc = RP_EIO;
  if (fclose(f) != 0) rc = RP_EIO;
  return rc;
}

static int write_roster(tp_relay *f) {
  const uint8_t *doc = NULL;
  size_t len = 0;
  char tmp[700];
  int rc;
  if ((rc = rp__roster_sign(f->roster, f->admin)) != 0 ||
      (rc = rp__roster_document(f->roster, &doc, &len)) != 0)
    return rc;
  /* Written beside and renamed, so a relay reloading never reads half a file. */
  snprintf(tmp, sizeof tmp, "%s.tmp", f->roster_path);
  if ((rc = write_file(tmp, doc, len)) != 0) return rc;
  return rename(tmp, f->roster_path) == 0 ? 0 : RP_EIO;
}

static int add_member(tp_relay *f, const rp__identity *id, int kind, const char *code) {
  rp__member m;
  memset(&m, 0, sizeof m);
  m.pub = id->pub;
  m.kind = kind;
  if (code != NULL) memcpy(m.municipality, code, RP_MUNICIPALITY_CODE_BYTES);
  m.networks = kind == RP_MEMBER_MUNICIPALITY ? RP_NETWORK_EAST : 0;
  return rp__roster_add(f->roster, &m);
}

int tp_relay_write_config(tp_relay *f, const char *limits) {
  char hex[2 * RP_IDENTITY_PUBLICKEYBYTES + 1], *text;
  size_t cap = 4096 + (limits != NULL ? strlen(limits) : 0);
  int n, rc;

  sodium_bin2hex(hex, sizeof hex, f->admin->pub.identity_pk, RP_IDENTITY_PUBLICKEYBYTES);
  text = malloc(cap);
  n = snprintf(text, cap,
               "[relay]\nlisten = 127.0.0.1:%u\nstate_dir = %s\nkey_file = relay.key\n"
               "roster_file = roster.msgpack\nadmin_key = %s\n"
               "[log]\nlevel = debug\n[limits]\n%s\n",
               (unsigned)f->port, f->dir, hex, limits != NULL ? limits : "");
  rc = n > 0 && (size_t)n < cap ? write_file(f->conf, text, (size_t)n) : RP_ETOOBIG;
  free(text);
  return rc;
}

int tp_relay_init(tp_relay *f, const char *tag, const char *const *ids, size_t n,
                  const char *limits) {
  return tp_relay_init_kinds(f, tag, ids, NULL, n, limits);
}

int tp_relay_init_kinds(tp_relay *f, const char *tag, const char *const *ids,
                        const int *kinds, size_t n, const char *limits) {
  uint8_t key[RP_KEYFILE_MAX];
  char path[700], code[8];
  size_t klen = 0;
  int rc;

  memset(f, 0, sizeof *f);
  f->pid = -1;
  if (n > TP_MEMBERS_MAX || sodium_init() < 0) return RP_EINVAL;
  snprintf(f->dir, sizeof f->dir, "%s", tu_tmpdir(tag));
  snprintf(f->conf, sizeof f->conf, "%s/relay.ini", f->dir);
  snprintf(f->log, sizeof f->log, "%s/relay.log", f->dir);
  snprintf(f->roster_path, sizeof f->roster_path, "%s/roster.msgpack", f->dir);
  if ((rc = rp__identity_generate("admin", &f->admin)) != 0 ||
      (rc = rp__identity_generate("relay", &f->relay)) != 0 ||
      (rc = rp__roster_create(1, rp__clock_wall_ms(), &f->roster)) != 0 ||
      (rc = add_member(f, f->admin, RP_MEMBER_ADMIN, NULL)) != 0 ||
      (rc = add_member(f, f->relay, RP_MEMBER_RELAY, NULL)) != 0)
    return rc;
  for (size_t i = 0; i < n; i++) {
    if ((rc = rp__identity_generate(ids[i], &f->members[i])) != 0) return rc;
    f->nmembers++;
    int kind = kinds != NULL ? kinds[i] : i == 0 ? RP_MEMBER_TEAM : RP_MEMBER_MUNICIPALITY;
    snprintf(code, sizeof code, "%03u", (unsigned)(101 + i));
    if ((rc = add_member(f, f->members[i], kind,
                         kind == RP_MEMBER_MUNICIPALITY ? code : NULL)) != 0)
      return rc;
  }
  if ((rc = write_roster(f)) != 0) return rc;
  snprintf(path, sizeof path, "%s/relay.key", f->dir);
  if ((rc = rp__keyfile_encode_plain(f->relay, key, sizeof key, &klen)) != 0 ||
      (rc = rp__keyfile_write(path, key, klen, 0)) != 0)
    return rc;
  sodium_memzero(key, sizeof key);
  f->port = tp_free_port();
  return tp_relay_write_config(f, limits);
}

int tp_relay_alive(tp_relay *f) {
  int st;
  if (f->pid <= 0) return 0;
  if (waitpid(f->pid, &st, WNOHANG) == f->pid) {
    f->pid = -1;
    return 0;
  }
  return 1;
}

/* fsize_max > 0: the relay runs with that file size limit (tp_relay_start_fsize). */
static int relay_start(tp_relay *f, uint64_t fsize_max) {
  const char *bdir = getenv("RP_BUILD_DIR");
  char exe[1024];
  pid_t pid;
  int fd;

  snprintf(exe, sizeof exe, "%s/server/rejsepost-relayd", bdir != NULL ? bdir : ".");
  /* Each start logs "listening" anew; search only what this start writes. Measured
   * before the fork: a relay that starts before the parent runs again must not have its
   * line counted as old. */
  {
    size_t len = 0;
    char *text = tu_read_file(f->log, &len);
    f->log_seen = text != NULL ? len : 0;
    free(text);
  }
  fflush(NULL);
  if ((pid = fork()) < 0) return RP_EIO;
  if (pid == 0) {
    /* A test that fails an assert exits without stopping its relay: let the kernel do it.
     */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (fsize_max > 0) {
      /* Both survive exec: a write past the limit fails with EFBIG instead of killing
       * the process. Only this child is limited, never the test's own files. */
      struct rlimit lim;
      signal(SIGXFSZ, SIG_IGN);
      if (getrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
      lim.rlim_cur = (rlim_t)fsize_max;
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
    }
    execl(exe, "rejsepost-relayd", "--config", f->conf, (char *)NULL);
    _exit(127);
  }
  f->pid = pid;
  {
    uint64_t deadline = rp__clock_mono_ms() + 15000;
    while (rp__clock_mono_ms() < deadline) {
      if (tp_relay_wait_log(f, "listening addr=", 20, 0) == 0) return 0;
      if (!tp_relay_alive(f)) return RP_EIO;
    }
  }
  return RP_ETIMEDOUT;
}

int tp_relay_start(tp_relay *f) {
  return relay_start(f, 0);
}

int tp_relay_start_fsize(tp_relay *f, uint64_t fsize_max) {
  return fsize_max > 0 ? relay_start(f, fsize_max) : RP_EINVAL;
}

int tp_relay_start_closed_fds(tp_relay *f) {
  const char *bdir = getenv("RP_BUILD_DIR");
  char exe[1024];
  uint64_t deadline;
  pid_t pid;
  int fd;

  snprintf(exe, sizeof exe, "%s/server/rejsepost-relayd", bdir != NULL ? bdir : ".");
  fflush(NULL);
  if ((pid = fork()) < 0) return RP_EIO;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(0);
    close(1);
    close(2);
    execl(exe, "rejsepost-relayd", "--config", f->conf, (char *)NULL);
    _exit(127);
  }
  f->pid = pid;
  for (deadline = rp__clock_mono_ms() + 15000; rp__clock_mono_ms() < deadline;) {
    if ((fd = tp_tcp_connect(f->port)) >= 0) {
      close(fd);
      return 0;
    }
    if (!tp_relay_alive(f)) return RP_EIO;
    usleep(20000);
  }
  return RP_ETIMEDOUT;
}

void tp_relay_signal(tp_relay *f, int sig) {
  if (f->pid > 0) kill(f->pid, sig);
}

int tp_relay_stop(tp_relay *f, int sig, int timeout_ms) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  int st;
  if (f->pid <= 0) return RP_EINVAL;
  kill(f->pid, sig);
  while (rp__clock_mono_ms() < deadline) {
    pid_t w = waitpid(f->pid, &st, WNOHANG);
    if (w == f->pid) {
      f->pid = -1;
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
      return RP_EINTERNAL;
    }
    usleep(5000);
  }
  kill(f->pid, SIGKILL);
  waitpid(f->pid, &st, 0);
  f->pid = -1;
  return RP_ETIMEDOUT;
}

int tp_relay_wait_log(tp_relay *f, const char *needle, int timeout_ms, int rescan) {
  uint64_t deadline = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  size_t from = rescan ? 0 : f->log_seen;
  for (;;) {
    size_t len = 0;
    char *text = tu_read_file(f->log, &len), *hit;
    if (text != NULL && from <= len && (hit = strstr(text + from, needle)) != NULL) {
      f->log_seen = (size_t)(hit - text) + strlen(needle);
      free(text);
      return 0;
    }
    free(text);
    if (rp__clock_mono_ms() >= deadline) return RP_ETIMEDOUT;
    usleep(5000);
  }
}

size_t tp_relay_log_count(tp_relay *f, const char *needle) {
  size_t len = 0, n = 0;
  char *text = tu_read_file(f->log, &len), *p;
  for (p = text; p != NULL && (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  free(text);
  return n;
}

int tp_relay_revoke(tp_relay *f, const char *id) {
  int rc;
  if ((rc = rp__roster_revoke(f->roster, id)) != 0 ||
      (rc = rp__roster_bump(f->roster, rp__clock_wall_ms())) != 0)
    return rc;
  return write_roster(f);
}

const rp__identity *tp_member(const tp_relay *f, const char *id) {
  for (size_t i = 0; i < f->nmembers; i++)
    if (strcmp(f->members[i]->pub.id, id) == 0) return f->members[i];
  return NULL;
}

int tp_relay_connect(tp_relay *f, tp_peer *p, const char *id) {
  const rp__identity *me = tp_member(f, id);
  if (me == NULL) return RP_EUNKNOWNMEMBER;
  return tp_connect(p, f->port, me, f->relay->pub.transport_pk, 5000);
}

void tp_relay_free(tp_relay *f) {
  if (f->pid > 0) {
    kill(f->pid, SIGKILL);
    waitpid(f->pid, NULL, 0);
    f->pid = -1;
  }
  if (f->dir[0] != '\0' && getenv("RP_KEEP_TMP") == NULL) tu_rmtree(f->dir);
  for (size_t i = 0; i < f->nmembers; i++)
    rp__identity_free(f->members[i]);
  rp__identity_free(f->admin);
  rp__identity_free(f->relay);
  rp__roster_free(f->roster);
  memset(f, 0, sizeof *f);
}

/* ---- the delivery stream ---- */

int tp_receive(tp_peer *p, uint64_t window) {
  rp__tmsg m;
  memset(&m, 0, sizeof m);
  m.type = RP__T_RECEIVE;
  m.u.receive.window = window;
  return tp_send(p, &m);
}

int tp_deliver_msg_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]) {
  rp__envcont c;
  rp__envhdr h;
  int rc;
  if (m->type != RP__T_DELIVER) return RP_EINVAL;
  rc = rp__envhdr_container_parse(m->u.deliver.envelope.p, m->u.deliver.envelope.n, &c, &h,
                                  NULL);
  if (rc == 0) memcpy(id, h.msg_id, RP_MSG_ID_BYTES);
  return rc;
}

int tp_delivered(tp_peer *p, const rp__tmsg *item) {
  return tp_delivered_refused(p, item, 0);
}

int tp_delivered_refused(tp_peer *p, const rp__tmsg *item, uint64_t code) {
  rp__tmsg m;
  int rc = 0;
  memset(&m, 0, sizeof m);
  m.u.delivered.refused = code;
  m.type = RP__T_DELIVERED;
  if (item->type == RP__T_EXPIRED) {
    memcpy(m.u.delivered.msg_id, item->u.expired.msg_id, RP_MSG_ID_BYTES);
    m.u.delivered.seq = item->u.expired.seq;
  } else {
    rc = tp_deliver_msg_id(item, m.u.delivered.msg_id);
    m.u.delivered.seq = item->u.deliver.seq;
  }
  return rc != 0 ? rc : tp_send(p, &m);
}

int tp_relay_counter(tp_relay *f, const char *name, uint64_t *out) {
  char needle[128], *text, *at, *last = NULL;
  size_t len = 0, before = tp_relay_log_count(f, "stats_end");
  *out = 0;
  tp_relay_signal(f, SIGUSR1);
  for (int i = 0; i < 250 && tp_relay_log_count(f, "stats_end") == before; i++)
    usleep(20000);
  if (tp_relay_log_count(f, "stats_end") == before) return RP_ETIMEDOUT;
  snprintf(needle, sizeof needle, "stats %s=", name);
  if ((text = tu_read_file(f->log, &len)) == NULL) return RP_EIO;
  for (at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle))
    last = at;
  if (last != NULL) *out = strtoull(last + strlen(needle), NULL, 10);
  free(text);
  return last != NULL ? 0 : RP_ENOTFOUND;
}
