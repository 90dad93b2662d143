/* SPDX-License-Identifier: MIT */
/*
 * A blocking test peer for the relay, over plain sockets, built on proto/chan (the
 * Noise_IK initiator, stream frames, fragments and transport messages). Plus a fixture
 * that makes test members, a signed roster and a relay key in a temporary directory,
 * writes a config file and runs the real rejsepost-relayd ($RP_BUILD_DIR/server/).
 *
 * Every call that waits takes a timeout in milliseconds and polls, so a test never
 * hangs on a relay that misbehaves. Functions return 0 or a negative RP_E code:
 * RP_ETIMEDOUT when nothing came in time, RP_ECLOSED when the relay closed the socket.
 */
#ifndef RP_TESTS_PEER_H
#define RP_TESTS_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chan.h"
#include "frame.h"
#include "identity.h"
#include "noise.h"
#include "roster.h"
#include "transport.h"

/* ---- raw sockets ---- */

/* Connect to ip:port, ip an IPv4 or IPv6 literal ("127.0.0.1", "::1"). Returns the
 * socket, or -1. */
int tp_tcp_connect_addr(const char *ip, uint16_t port);

/* Connect to 127.0.0.1:port. Returns the socket, or -1. */
int tp_tcp_connect(uint16_t port);

/* Connect from the local IPv4 address `src` (any 127.0.0.0/8 address works on
 * loopback) to ip:port. Returns the socket, or -1. */
int tp_tcp_connect_from(const char *src, const char *ip, uint16_t port);

/* Write all n bytes (blocking). 0 or RP_EIO / RP_ECLOSED. */
int tp_write_all(int fd, const void *p, size_t n);

/* Read exactly n bytes within timeout_ms. 0, RP_ETIMEDOUT or RP_ECLOSED (EOF or
 * reset before n bytes; *got, if not NULL, says how many came). */
int tp_read_exact(int fd, void *p, size_t n, int timeout_ms, size_t *got);

/* Wait until the peer closes the socket; bytes that arrive are counted in *bytes (if
 * not NULL) and dropped. 0 when closed, RP_ETIMEDOUT if still open after timeout_ms. */
int tp_wait_closed(int fd, int timeout_ms, size_t *bytes);

/* A free TCP port on 127.0.0.1 (bound to port 0 and read back, then released). */
uint16_t tp_free_port(void);

/* ---- an authenticated client ---- */

/* The protocol is proto/chan's (handshake, frames, fragments, state checks); the peer
 * only moves bytes. Bytes read from the socket but not yet given to the channel wait in
 * `in`, so several messages in one segment are all delivered. */
typedef struct tp_peer {
  int fd;
  rp__chan *chan;
  uint8_t in[4096];
  size_t in_off, in_len;
  rp__tmsg welcome;
  char member[RP_MEMBER_ID_MAX + 1];
  /* The PING that tp_connect_at sends as the proof of the key (PROTOCOL.md 4.3); its
   * PONG is skipped by tp_recv. */
  uint64_t proof_nonce;
  int proof_pending;
} tp_peer;

/* Connect to ip:port (see tp_tcp_connect_addr), run the Noise_IK handshake as `me`
 * against the relay's transport key, read WELCOME (kept in p->welcome) and prove the
 * key at once with a PING, as every client must (PROTOCOL.md 4.3); tp_recv skips its
 * PONG. 0, or an error with the socket closed. */
int tp_connect_at(tp_peer *p, const char *ip, uint16_t port, const rp__identity *me,
                  const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms);

/* tp_connect_at to 127.0.0.1. */
int tp_connect(tp_peer *p, uint16_t port, const rp__identity *me,
               const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms);

/* The handshake only, to ip:port: message 1 (length prefix included) is written to
 * *msg1 (caller frees), if not NULL, so a test can replay it. Nothing is sent after it:
 * the connection stays pending at the relay until the caller sends something. */
int tp_connect_at_ex(tp_peer *p, const char *ip, uint16_t port, const rp__identity *me,
                     const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms,
                     uint8_t **msg1, size_t *msg1_len);

/* tp_connect_at_ex to 127.0.0.1. */
int tp_connect_ex(tp_peer *p, uint16_t port, const rp__identity *me,
                  const uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES], int timeout_ms,
                  uint8_t **msg1, size_t *msg1_len);

/* Encode and send one transport message (fragmented as needed). A message the channel
 * would refuse in its state or direction is sent all the same (hostile tests need it);
 * then the channel's state does not move. */
int tp_send(tp_peer *p, const rp__tmsg *m);

/* Encrypt and send one frame whose plaintext is pt[0..n) exactly (flags byte included):
 * for sending garbage inside a valid channel. */
int tp_send_frame_pt(tp_peer *p, const uint8_t *pt, size_t n);

/* Encrypt one frame's plaintext into out (prefix included) without sending it. */
int tp_seal_frame(tp_peer *p, const uint8_t *pt, size_t n, uint8_t *out, size_t cap,
                  size_t *out_len);

/* Receive the next transport message into *m (it borrows from the channel until the
 * next receive). PINGs from the relay are answered and skipped. Once bytes of a
 * message are in, the rest gets a fresh allowance of some seconds. A message the
 * channel's state table refuses is an error (RP_ESTATE). */
int tp_recv(tp_peer *p, rp__tmsg *m, int timeout_ms);

/* Receive until a message of `type` arrives, skipping others (their count goes to
 * *skipped if not NULL). */
int tp_recv_type(tp_peer *p, uint64_t type, rp__tmsg *m, int timeout_ms, int *skipped);

/* Close the socket and free the channel. Safe to call twice. */
void tp_close(tp_peer *p);

/* ---- the delivery stream ---- */

/* Send RECEIVE: the relay may have `window` deliveries unacknowledged. */
int tp_receive(tp_peer *p, uint64_t window);

/* The msg_id of a DELIVER's envelope. RP_EINVAL if m is not a DELIVER. */
int tp_deliver_msg_id(const rp__tmsg *m, uint8_t id[RP_MSG_ID_BYTES]);

/* Acknowledge a DELIVER or an EXPIRED notice with DELIVERED. */
int tp_delivered(tp_peer *p, const rp__tmsg *item);

/* Answer a DELIVER or an EXPIRED notice with DELIVERED "refused" = code (a positive
 * RP_E code): the recipient cannot accept it. */
int tp_delivered_refused(tp_peer *p, const rp__tmsg *item, uint64_t code);

/* ---- envelopes the relay accepts (a header and random bytes of the class size) ---- */

/* Build an envelope container: header with msg_id, sender, recipient, created, expires,
 * urgency "normal" and size class cls; ciphertext random bytes of that class's size.
 * *out is malloc'd. 0 or an error. */
int tp_envelope(const uint8_t msg_id[RP_MSG_ID_BYTES], const char *sender,
                const char *recipient, uint64_t created, uint64_t expires, unsigned cls,
                uint8_t **out, size_t *out_len);

/* tp_envelope with the header's chunks (key 10) set: the envelope of a message with
 * attachment chunks. */
int tp_envelope_chunks(const uint8_t msg_id[RP_MSG_ID_BYTES], const char *sender,
                       const char *recipient, uint64_t created, uint64_t expires,
                       unsigned cls, uint64_t chunks, uint8_t **out, size_t *out_len);

/* Send an envelope as SEND with a fresh random msg_id (written to msg_id), expiring in
 * 1 hour, of class cls. */
int tp_send_envelope(tp_peer *p, const char *recipient, unsigned cls,
                     uint8_t msg_id[RP_MSG_ID_BYTES]);

/* tp_send_envelope of class 2 (4 KiB: overflow pages in a spool), keeping mark_len bytes
 * from the middle of its ciphertext in mark (to look for in the relay's files), then
 * waiting up to 5 s for the relay's ACK of it. 0 or an error. */
int tp_send_marked(tp_peer *p, const char *recipient, uint8_t msg_id[RP_MSG_ID_BYTES],
                   uint8_t *mark, size_t mark_len);

/* ---- the relay under test ---- */

#define TP_MEMBERS_MAX 8

typedef struct tp_relay {
  char dir[512];
  char conf[600], log[600], roster_path[600];
  uint16_t port;
  pid_t pid;
  rp__identity *admin, *relay;
  rp__identity *members[TP_MEMBERS_MAX];
  size_t nmembers;
  rp__roster *roster;
  size_t log_seen; /* bytes of the log already searched by tp_relay_wait_log */
} tp_relay;

/* Make a temporary directory with the relay's key, `n` members (ids given; kinds: the
 * first "team", the rest municipalities), the signed roster, and a config with the
 * given extra INI lines for [limits] (may be NULL). Picks a free port. */
int tp_relay_init(tp_relay *f, const char *tag, const char *const *ids, size_t n,
                  const char *limits);

/* tp_relay_init with the members' kinds given (RP_MEMBER_TEAM or
 * RP_MEMBER_MUNICIPALITY each); kinds NULL is tp_relay_init's choice. */
int tp_relay_init_kinds(tp_relay *f, const char *tag, const char *const *ids,
                        const int *kinds, size_t n, const char *limits);

/* Write the config again with other [limits] lines (for SIGHUP tests). */
int tp_relay_write_config(tp_relay *f, const char *limits);

/* Start rejsepost-relayd (stderr appended to f->log) and wait until it listens. */
int tp_relay_start(tp_relay *f);

/* tp_relay_start with a file size limit of fsize_max bytes (RLIMIT_FSIZE, set in the
 * child before exec, SIGXFSZ ignored): once a file the relay writes (its spool, its log)
 * would pass it, the write fails with EFBIG, as on a full disk. The limit goes with
 * this process; tp_relay_start again runs without it. */
int tp_relay_start_fsize(tp_relay *f, uint64_t fsize_max);

/* Start rejsepost-relayd with descriptors 0, 1 and 2 closed (as a careless service
 * manager might), and wait until it accepts connections on f->port (nothing is
 * logged where the fixture can read it). */
int tp_relay_start_closed_fds(tp_relay *f);

/* Send `sig` and wait up to timeout_ms for the process to exit. Returns its exit status
 * (0..255), 128+signal if killed, or RP_ETIMEDOUT (then it is SIGKILLed). */
int tp_relay_stop(tp_relay *f, int sig, int timeout_ms);

/* Send a signal without waiting. */
void tp_relay_signal(tp_relay *f, int sig);

/* Is the relay process still running? */
int tp_relay_alive(tp_relay *f);

/* Wait until the log (from where the last wait stopped, or from the start if `rescan`)
 * contains `needle`. 0 or RP_ETIMEDOUT. */
int tp_relay_wait_log(tp_relay *f, const char *needle, int timeout_ms, int rescan);

/* Count occurrences of `needle` in the whole log. */
size_t tp_relay_log_count(tp_relay *f, const char *needle);

/* Ask the relay for its counters (SIGUSR1) and read counter `name` from that dump in the
 * log into *out. 0, RP_ETIMEDOUT (no dump within 5 s) or RP_ENOTFOUND. */
int tp_relay_counter(tp_relay *f, const char *name, uint64_t *out);

/* Revoke member `id` in the fixture's roster, bump, sign and write the roster file. */
int tp_relay_revoke(tp_relay *f, const char *id);

/* Member identity by id. */
const rp__identity *tp_member(const tp_relay *f, const char *id);

/* Connect as member `id`. */
int tp_relay_connect(tp_relay *f, tp_peer *p, const char *id);

/* Kill the relay if it runs, remove the directory, free the identities. */
void tp_relay_free(tp_relay *f);

#endif /* RP_TESTS_PEER_H */
