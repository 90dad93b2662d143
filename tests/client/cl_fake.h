/* SPDX-License-Identifier: MIT */
/*
 * A relay that does what the test says, for the client tests whose case the real relay
 * never plays (a damaged roster, an older relay): built from the proto layers (Noise_IK
 * responder, frames, fragments, transport messages) over real TCP, one client at a time.
 * Header-only (static functions), like cl_fixture.h; include it after <cmocka.h>.
 */
#ifndef RP_TESTS_CL_FAKE_H
#define RP_TESTS_CL_FAKE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "frame.h"
#include "noise.h"
#include "peer.h"
#include "rejsepost_errors.h"
#include "transport.h"

typedef struct fake {
  int lfd, fd;
  uint16_t port;
  uint8_t sk[32], pk[32];
  rp__noise_cipher tx, rx;
  uint8_t *buf; /* a received message; decoded messages borrow from it */
} fake;

static inline void fake_listen(fake *fk) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  memset(fk, 0, sizeof *fk);
  fk->fd = -1;
  randombytes_buf(fk->sk, sizeof fk->sk);
  crypto_scalarmult_base(fk->pk, fk->sk);
  assert_non_null(fk->buf = malloc(RP_FRAME_MAX));
  assert_true((fk->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fk->lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(fk->lfd, 4), 0);
  assert_int_equal(getsockname(fk->lfd, (struct sockaddr *)&a, &alen), 0);
  fk->port = ntohs(a.sin_port);
}

/* Accepts the client and answers its Noise message 1. */
static inline void fake_accept(fake *fk) {
  struct pollfd p = {fk->lfd, POLLIN, 0};
  rp__noise_handshake *hs = NULL;
  uint8_t pre[2], msg[RP_FRAME_MAX + 2], payload[64];
  size_t n, len = 0, plen = 0;
  assert_int_equal(poll(&p, 1, 10000), 1);
  assert_true((fk->fd = accept(fk->lfd, NULL, NULL)) >= 0);
  assert_int_equal(tp_read_exact(fk->fd, pre, 2, 5000, NULL), 0);
  n = (size_t)pre[0] << 8 | pre[1];
  assert_int_equal(tp_read_exact(fk->fd, msg, n, 5000, NULL), 0);
  assert_int_equal(rp__noise_ik_responder_new(&hs, fk->sk), 0);
  assert_int_equal(rp__noise_handshake_read(hs, msg, n, payload, sizeof payload, &plen), 0);
  assert_int_equal(rp__noise_handshake_write(hs, NULL, 0, msg + 2, RP_FRAME_MAX, &len), 0);
  assert_int_equal(rp__frame_prefix(msg, len), 0);
  assert_int_equal(tp_write_all(fk->fd, msg, len + 2), 0);
  assert_int_equal(rp__noise_handshake_split(hs, &fk->tx, &fk->rx), 0);
  rp__noise_handshake_free(hs);
}

static inline void fake_send(fake *fk, const rp__tmsg *m) {
  uint8_t *enc = malloc(RP__TMSG_MAX), frame[RP_FRAME_PLAINTEXT_MAX], *out;
  size_t elen = 0, flen = 0, ct = 0;
  rp__frag_writer fw;
  assert_non_null(enc);
  assert_non_null(out = malloc(RP_FRAME_MAX + 2));
  assert_int_equal(rp__tmsg_encode(m, enc, RP__TMSG_MAX, &elen), 0);
  assert_int_equal(rp__frag_writer_init(&fw, enc, elen), 0);
  while (!rp__frag_writer_done(&fw)) {
    assert_int_equal(rp__frag_writer_next(&fw, frame, sizeof frame, &flen), 0);
    assert_int_equal(
        rp__noise_cipher_encrypt(&fk->tx, NULL, 0, frame, flen, out + 2, RP_FRAME_MAX, &ct),
        0);
    assert_int_equal(rp__frame_prefix(out, ct), 0);
    assert_int_equal(tp_write_all(fk->fd, out, ct + 2), 0);
  }
  free(out);
  free(enc);
}

/* Accepts the client and welcomes it as `member`, with the relay's clock, roster version
 * `roster`, a window of 8 and a minute's idle time; chunk_max 0 leaves the chunk limit
 * out, as an older relay does. */
static inline void fake_welcome(fake *fk, const char *member, uint64_t roster,
                                uint64_t chunk_max) {
  rp__tmsg m;
  fake_accept(fk);
  memset(&m, 0, sizeof m);
  m.type = RP__T_WELCOME;
  m.u.welcome.time_ms = rp__clock_wall_ms();
  m.u.welcome.roster_version = roster;
  m.u.welcome.member = rp__str_c(member);
  m.u.welcome.send_window = 8;
  m.u.welcome.idle_ms = 60000;
  m.u.welcome.chunk_max = chunk_max;
  fake_send(fk, &m);
}

/* The client's next message within timeout_ms, PONGs skipped: 0, or RP_ETIMEDOUT /
 * RP_ECLOSED. The messages a test expects are small: one frame each; a fragment (a
 * message too large for one frame, e.g. a chunk) fails the test. */
static inline int fake_recv_timed(fake *fk, rp__tmsg *m, int timeout_ms) {
  uint8_t pre[2], *ct = malloc(RP_FRAME_MAX);
  size_t n, len = 0;
  int rc;
  assert_non_null(ct);
  do {
    if ((rc = tp_read_exact(fk->fd, pre, 2, timeout_ms, NULL)) != 0) break;
    n = (size_t)pre[0] << 8 | pre[1];
    assert_int_equal(tp_read_exact(fk->fd, ct, n, 5000, NULL), 0);
    assert_int_equal(
        rp__noise_cipher_decrypt(&fk->rx, NULL, 0, ct, n, fk->buf, RP_FRAME_MAX, &len), 0);
    assert_true(len > 1);
    assert_int_equal(fk->buf[0], 0); /* flags: a whole message */
    assert_int_equal(rp__tmsg_decode(fk->buf + 1, len - 1, m, NULL), 0);
  } while (m->type == RP__T_PONG);
  free(ct);
  return rc;
}

/* The client's next message; PONGs are skipped, and so are SENDs: a team's automatic
 * receipts, which such a relay leaves unanswered. */
static inline void fake_recv(fake *fk, rp__tmsg *m) {
  do {
    assert_int_equal(fake_recv_timed(fk, m, 10000), 0);
  } while (m->type == RP__T_SEND);
}

static inline void fake_close(fake *fk) {
  if (fk->fd >= 0) close(fk->fd);
  close(fk->lfd);
  free(fk->buf);
}

#endif /* RP_TESTS_CL_FAKE_H */
