/* SPDX-License-Identifier: MIT */
/*
 * The relay driver: each connection is a real client of rejsepost-relayd, built on the
 * proto library (Noise_IK initiator, stream frames, fragments, transport messages,
 * envelope headers). Senders SEND envelopes addressed to the team member; the receiver
 * is the team, asks for the delivery stream with RECEIVE, and answers each DELIVER with
 * DELIVERED. The ack of a message is its ACK; its delivery is the DELIVER.
 *
 * The envelope header is valid (sender = the authenticated member, recipient = the
 * team, created now, expiring in an hour, size class 0), but the body is not HPKE: the
 * relay never opens it, so 1 KiB of filler with the stamp in front does. The msg_id
 * carries the message id in its last 8 bytes after a random per-run tag.
 *
 * A sender keeps at most the relay's send window (from WELCOME) unanswered and queues
 * the rest locally, as a client must; in open-loop runs the wait in that queue counts
 * in the latency, since it is measured from the scheduled time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "frame.h"
#include "lg_setup.h"
#include "loadgen.h"
#include "noise.h"
#include "rejsepost_errors.h"
#include "transport.h"

#define CONNECTING_MAX 64u /* idle test: handshakes under way at once */
#define RECV_WINDOW 1024u  /* deliveries the receiver lets the relay have in flight */
#define HS_MAX 1024u       /* a handshake message */
#define SCRATCH 8192u      /* an encoded SEND or DELIVERED with its envelope */
#define EXPIRES_MS (3600u * 1000u)

enum { ROLE_SENDER, ROLE_RECEIVER, ROLE_IDLE };
enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN };

typedef struct rl rl;

typedef struct rconn {
  uv_tcp_t tcp;
  uv_connect_t creq;
  uv_shutdown_t sreq;
  rl *r; /* NULL until the connection is started */
  int role, state;
  unsigned index, ts; /* ts: transport state, RP__TS_* */
  const rp__identity *id;
  rp__noise_handshake *hs;
  rp__noise_cipher tx, rx;
  rp__frame_reader fr;
  rp__frag_reader frag;
  uint8_t *fbuf, *scratch; /* the frame being read; senders' and receiver's own buffer */
  lg_out out;
  bool dirty;
  struct rconn *next_dirty;
  uint64_t inflight, window;
  uint64_t *q; /* waiting (id, sched) pairs, a ring of qcap pairs */
  size_t qhead, qlen, qcap;
} rconn;

struct rl {
  lg_run *run;
  const lg_opts *o;
  struct sockaddr_storage addr;
  lg_bench b;
  rconn *senders, receiver, *idle;
  unsigned n_idle, idle_started, idle_up, ready;
  uint64_t stale; /* deliveries left over from an earlier run */
  rconn *dirty;
  bool stopping;
  uint8_t tag[8]; /* msg_id prefix of this run */
  uint8_t body[LG_MSG_BYTES], enc[RP__ENVHDR_ENC_BYTES];
  uint8_t msg[SCRATCH], env[SCRATCH], pt[RP_FRAME_PLAINTEXT_MAX];
};

static uint8_t rbuf[65536]; /* every read lands here; frames are copied out */

static void start_idle(rl *r);

static void fail_conn(rconn *c, const char *what, int code) {
  static const char *const roles[] = {"sender", "receiver", "idle connection"};
  lg_fail(c->r->run, "relay %s %u (%s): %s%s%s", roles[c->role], c->index, c->id->pub.id,
          what, code ? ": " : "", code ? rp_strerror(code) : "");
}

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void mark_dirty(rconn *c) {
  if (c->dirty) return;
  c->dirty = true;
  c->next_dirty = c->r->dirty;
  c->r->dirty = c;
}

/* Encodes, fragments and encrypts transport message m into c's output. */
static int put_msg(rconn *c, const rp__tmsg *m) {
  rl *r = c->r;
  rp__frag_writer w;
  size_t len = 0, ptlen = 0, ctlen = 0;
  int e = rp__tmsg_encode(m, r->msg, sizeof r->msg, &len);
  if (e == 0) e = rp__frag_writer_init(&w, r->msg, len);
  while (e == 0 && !rp__frag_writer_done(&w)) {
    if ((e = rp__frag_writer_next(&w, r->pt, sizeof r->pt, &ptlen)) != 0) break;
    uint8_t *o = lg_out_reserve(&c->out, RP__FRAME_PREFIX + ptlen + RP__NOISE_TAGBYTES);
    if (o == NULL) {
      e = RP_ENOMEM;
      break;
    }
    e = rp__noise_cipher_encrypt(&c->tx, NULL, 0, r->pt, ptlen, o + RP__FRAME_PREFIX,
                                 ptlen + RP__NOISE_TAGBYTES, &ctlen);
    if (e == 0) e = rp__frame_prefix(o, ctlen);
  }
  if (e != 0) {
    fail_conn(c, "sending", e);
    return -1;
  }
  c->ts = rp__tmsg_next_state(m->type, c->ts);
  mark_dirty(c);
  return 0;
}

static int transmit(rconn *c, uint64_t id, uint64_t sched) {
  rl *r = c->r;
  uint8_t hdr[RP__ENVHDR_MAX];
  size_t hlen = 0, elen = 0;
  const char *where = NULL;
  rp__envhdr h;
  memset(&h, 0, sizeof h);
  memcpy(h.msg_id, r->tag, sizeof r->tag);
  lg_be64(h.msg_id + 8, id);
  h.sender = rp__str_c(c->id->pub.id);
  h.recipient = rp__str_c(LG_TEAM_ID);
  h.created = wall_ms();
  h.expires = h.created + EXPIRES_MS;
  h.urgency = RP__URG_NORMAL;
  h.size_class = 0;
  lg_stamp_put(r->body, id, sched);
  rp__envcont env = {.header = {hdr, 0}, .ct = {r->body, LG_MSG_BYTES}};
  memcpy(env.enc, r->enc, sizeof env.enc);
  int e = rp__envhdr_encode(&h, hdr, sizeof hdr, &hlen, &where);
  env.header.n = (uint32_t)hlen;
  if (e == 0) e = rp__envhdr_container_encode(&env, r->env, sizeof r->env, &elen, &where);
  if (e != 0) {
    fail_conn(c, where ? where : "envelope", e);
    return -1;
  }
  rp__tmsg m = {.type = RP__T_SEND};
  m.u.send.envelope = (rp__bin){r->env, (uint32_t)elen};
  c->inflight++;
  return put_msg(c, &m);
}

static int drain_queue(rconn *c) {
  while (c->qlen > 0 && c->inflight < c->window) {
    uint64_t *p = c->q + 2 * c->qhead;
    c->qhead = (c->qhead + 1) % c->qcap;
    c->qlen--;
    if (transmit(c, p[0], p[1]) != 0) return -1;
  }
  return 0;
}

static int enqueue(rconn *c, uint64_t id, uint64_t sched) {
  if (c->qlen == c->qcap) {
    size_t cap = c->qcap ? 2 * c->qcap : 1024u;
    uint64_t *q = malloc(cap * 2 * sizeof *q);
    if (q == NULL) return -1;
    for (size_t i = 0; i < c->qlen; i++)
      memcpy(q + 2 * i, c->q + 2 * ((c->qhead + i) % c->qcap), 2 * sizeof *q);
    free(c->q);
    c->q = q;
    c->qcap = cap;
    c->qhead = 0;
  }
  uint64_t *p = c->q + 2 * ((c->qhead + c->qlen) % c->qcap);
  p[0] = id;
  p[1] = sched;
  c->qlen++;
  return 0;
}

static void conn_ready(rconn *c) {
  rl *r = c->r;
  if (c->role == ROLE_IDLE) {
    if (++r->idle_up == r->n_idle)
      lg_idle_opened(r->run);
    else
      start_idle(r);
    return;
  }
  if (++r->ready == r->o->senders + 1u) lg_ready(r->run);
}

/* Returns the message id an ACK or NACK refers to, or fails the connection. */
static int answered_id(rconn *c, const uint8_t msg_id[RP_MSG_ID_BYTES], uint64_t *id) {
  if (c->role != ROLE_SENDER || c->inflight == 0 || memcmp(msg_id, c->r->tag, 8) != 0) {
    fail_conn(c, "an answer to a SEND we did not make", 0);
    return -1;
  }
  c->inflight--;
  *id = lg_get64(msg_id + 8);
  return drain_queue(c);
}

static int on_welcome(rconn *c, const rp__t_welcome *w) {
  if (!rp__str_eq(w->member, c->id->pub.id)) {
    fail_conn(c, "the relay took us for another member", 0);
    return -1;
  }
  c->window = w->send_window;
  /* Every client proves its key with a first message at once (PROTOCOL.md 4.3); the
   * relay closes one that does not at the handshake deadline. The receiver's RECEIVE
   * is its proof; the others, which may have nothing to send yet, send a PING. */
  if (c->role == ROLE_RECEIVER) {
    rp__tmsg m = {.type = RP__T_RECEIVE};
    m.u.receive.window = RECV_WINDOW;
    if (put_msg(c, &m) != 0) return -1;
  } else {
    rp__tmsg m = {.type = RP__T_PING};
    m.u.ping.nonce = c->index;
    if (put_msg(c, &m) != 0) return -1;
  }
  conn_ready(c);
  return 0;
}

static int on_deliver(rconn *c, const rp__t_deliver *d) {
  rp__envcont env;
  rp__envhdr h;
  const char *where = NULL;
  int e = rp__envhdr_container_parse(d->envelope.p, d->envelope.n, &env, &h, &where);
  if (e != 0 || env.ct.n != LG_MSG_BYTES) {
    fail_conn(c, where ? where : "delivered envelope", e ? e : RP_ESIZE);
    return -1;
  }
  rp__tmsg m = {.type = RP__T_DELIVERED};
  memcpy(m.u.delivered.msg_id, h.msg_id, RP_MSG_ID_BYTES);
  m.u.delivered.seq = d->seq;
  if (put_msg(c, &m) != 0) return -1;
  /* An envelope of an earlier run (one that failed before its receiver acknowledged
   * everything) is acknowledged, so that it leaves the spool, and not counted. */
  if (memcmp(h.msg_id, c->r->tag, sizeof c->r->tag) != 0)
    c->r->stale++;
  else
    lg_delivered(c->r->run, env.ct.p);
  return 0;
}

/* One decrypted transport message from the relay. */
static int on_msg(rconn *c, const uint8_t *buf, size_t len) {
  rp__tmsg m;
  const char *where = NULL;
  uint64_t id = 0;
  int e = rp__tmsg_decode(buf, len, &m, &where);
  if (e == 0) e = rp__tmsg_allowed(m.type, RP__TD_R2C, c->ts);
  if (e != 0) {
    fail_conn(c, where ? where : "message from the relay", e);
    return -1;
  }
  c->ts = rp__tmsg_next_state(m.type, c->ts);
  switch (m.type) {
  case RP__T_WELCOME:
    return on_welcome(c, &m.u.welcome);
  case RP__T_ACK:
    if (answered_id(c, m.u.ack.msg_id, &id) != 0) return -1;
    lg_acked(c->r->run, c->index, id);
    return 0;
  case RP__T_NACK:
    if (answered_id(c, m.u.nack.msg_id, &id) != 0) return -1;
    lg_nacked(c->r->run, c->index, id, -(int)m.u.nack.code);
    return 0;
  case RP__T_DELIVER:
    if (c->role == ROLE_RECEIVER) return on_deliver(c, &m.u.deliver);
    break;
  case RP__T_PING: {
    rp__tmsg p = {.type = RP__T_PONG};
    p.u.pong.nonce = m.u.ping.nonce;
    return put_msg(c, &p);
  }
  case RP__T_PONG:
  case RP__T_ROSTER:
    return 0;
  case RP__T_BYE:
    fail_conn(c, "the relay said BYE", m.u.bye.code ? -(int)m.u.bye.code : 0);
    return -1;
  default:
    break;
  }
  fail_conn(c, rp__tmsg_type_name(m.type), RP_ESTATE);
  return -1;
}

static int on_frame(rconn *c, uint8_t *f, size_t n) {
  uint8_t payload[HS_MAX];
  size_t plen = 0;
  const uint8_t *msg = NULL;
  int e;
  if (c->state == ST_HANDSHAKE) {
    e = rp__noise_handshake_read(c->hs, f, n, payload, sizeof payload, &plen);
    if (e == 0 && rp__noise_handshake_status(c->hs) != RP__NOISE_HS_SPLIT) e = RP_ESTATE;
    if (e == 0) e = rp__noise_handshake_split(c->hs, &c->tx, &c->rx);
    rp__noise_handshake_free(c->hs);
    c->hs = NULL;
    c->state = ST_OPEN;
    c->ts = RP__TS_HELLO;
    if (e != 0) fail_conn(c, "handshake", e);
    return e;
  }
  size_t mlen = 0;
  e = rp__noise_cipher_decrypt(&c->rx, NULL, 0, f, n, f, n, &plen);
  if (e == 0) e = rp__frag_reader_feed(&c->frag, f, plen, &msg, &mlen);
  if (e < 0) {
    fail_conn(c, "reading a frame", e);
    return e;
  }
  if (e == 1) {
    e = on_msg(c, msg, mlen);
    rp__frag_reader_release(&c->frag);
  }
  return e;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  *buf = uv_buf_init((char *)rbuf, sizeof rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  rconn *c = s->data;
  const uint8_t *in = (const uint8_t *)buf->base;
  size_t left = nread > 0 ? (size_t)nread : 0, used = 0, flen = 0;
  if (c->r->stopping) return;
  if (nread < 0) {
    lg_fail(c->r->run, "relay connection of %s lost: %s", c->id->pub.id,
            uv_strerror((int)nread));
    return;
  }
  while (left > 0 && !c->r->stopping) {
    int ev = rp__frame_reader_feed(&c->fr, in, left, &used, &flen);
    if (ev < 0) {
      fail_conn(c, "framing", ev);
      return;
    }
    in += used;
    left -= used;
    if (ev == RP__FRAME_NEED_BUF) {
      c->fbuf = c->scratch != NULL ? c->scratch : malloc(flen);
      if (c->fbuf == NULL || rp__frame_reader_set_buf(&c->fr, c->fbuf) != 0) {
        fail_conn(c, "frame buffer", RP_ENOMEM);
        return;
      }
    } else if (ev == RP__FRAME_READY) {
      int e = on_frame(c, c->fbuf, flen);
      if (c->fbuf != c->scratch) free(c->fbuf);
      c->fbuf = NULL;
      if (e < 0) return;
    }
  }
}

static void on_connect(uv_connect_t *req, int status) {
  rconn *c = req->data;
  uint8_t msg1[RP__FRAME_PREFIX + HS_MAX], *o = NULL;
  size_t n = 0;
  if (c->r->stopping) return;
  int e = status < 0 ? RP_ECONNREFUSED : 0;
  if (e == 0 && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) e = RP_EIO;
  if (e == 0)
    e = rp__noise_ik_initiator_new(&c->hs, c->id->sec->transport_sk, c->r->b.relay_pk);
  /* Message 1 carries no payload: the relay learns who we are from our static key. */
  if (e == 0)
    e = rp__noise_handshake_write(c->hs, NULL, 0, msg1 + RP__FRAME_PREFIX, HS_MAX, &n);
  if (e == 0) e = rp__frame_prefix(msg1, n);
  if (e == 0 && (o = lg_out_reserve(&c->out, RP__FRAME_PREFIX + n)) == NULL) e = RP_ENOMEM;
  if (e != 0) {
    fail_conn(c, status < 0 ? uv_strerror(status) : "starting the handshake", e);
    return;
  }
  memcpy(o, msg1, RP__FRAME_PREFIX + n);
  c->state = ST_HANDSHAKE;
  if (lg_out_flush(&c->out, (uv_stream_t *)&c->tcp) != 0) fail_conn(c, "write", RP_EIO);
}

static int conn_start(rl *r, rconn *c, int role, unsigned index, const rp__identity *id) {
  c->r = r;
  c->role = role;
  c->index = index;
  c->id = id;
  rp__frame_reader_init(&c->fr);
  if (rp__frag_reader_init(&c->frag, RP_MSG_MAX) != 0) return -1;
  if (role != ROLE_IDLE && (c->scratch = malloc(RP_FRAME_MAX)) == NULL) return -1;
  uv_tcp_init(lg_loop(r->run), &c->tcp);
  c->tcp.data = c->creq.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  int e = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&r->addr, on_connect);
  if (e != 0) fail_conn(c, uv_strerror(e), RP_ECONNREFUSED);
  return e == 0 ? 0 : -1;
}

static void start_idle(rl *r) {
  while (r->idle_started < r->n_idle && r->idle_started - r->idle_up < CONNECTING_MAX &&
         !r->stopping) {
    unsigned i = r->idle_started++;
    const rp__identity *id = r->b.idle[(i / LG_IDLE_PER_MEMBER) % r->b.n_idle];
    if (conn_start(r, &r->idle[i], ROLE_IDLE, i, id) != 0) return;
  }
}

static int rl_start(lg_run *run, const lg_opts *o, void **state) {
  rl *r = calloc(1, sizeof *r);
  *state = r;
  if (r == NULL) return -1;
  r->run = run;
  r->o = o;
  if (lg_addr(o, &r->addr) != 0 ||
      lg_bench_load(o->dir, o->senders, o->idle > 0, &r->b) != 0)
    return -1;
  randombytes_buf(r->tag, sizeof r->tag);
  r->tag[0] |= 1u; /* a msg_id is never all zero */
  randombytes_buf(r->body, sizeof r->body);
  randombytes_buf(r->enc, sizeof r->enc);
  if (o->idle > 0) {
    lg_ready(run);
    return 0;
  }
  r->senders = calloc(o->senders, sizeof *r->senders);
  if (r->senders == NULL) return -1;
  if (conn_start(r, &r->receiver, ROLE_RECEIVER, 0, r->b.team) != 0) return -1;
  for (unsigned i = 0; i < o->senders; i++)
    if (conn_start(r, &r->senders[i], ROLE_SENDER, i, r->b.senders[i]) != 0) return -1;
  return 0;
}

static int rl_send(void *state, unsigned sender, uint64_t id, uint64_t sched_ns) {
  rconn *c = &((rl *)state)->senders[sender];
  if (c->qlen > 0 || c->inflight >= c->window) return enqueue(c, id, sched_ns);
  return transmit(c, id, sched_ns);
}

static void rl_flush(void *state) {
  rl *r = state;
  while (r->dirty != NULL && !r->stopping) {
    rconn *c = r->dirty;
    r->dirty = c->next_dirty;
    c->dirty = false;
    int e = lg_out_flush(&c->out, (uv_stream_t *)&c->tcp);
    if (e != 0) lg_fail(r->run, "relay: write: %s", uv_strerror(e));
  }
}

static int rl_open_idle(void *state, unsigned k) {
  rl *r = state;
  if (r->b.n_idle == 0 || k > r->b.n_idle * LG_IDLE_PER_MEMBER) {
    fprintf(stderr, "relay: setup made members for fewer than %u idle connections\n", k);
    return -1;
  }
  if ((r->idle = calloc(k, sizeof *r->idle)) == NULL) return -1;
  r->n_idle = k;
  start_idle(r);
  return 0;
}

static void on_closed(uv_handle_t *h) {
  (void)h;
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  if (!uv_is_closing((uv_handle_t *)req->handle))
    uv_close((uv_handle_t *)req->handle, on_closed);
}

/* Gracefully: what is queued goes out, then FIN, then close. Forced: close now. */
static void close_conn(rconn *c, bool force) {
  if (c->r == NULL || uv_is_closing((uv_handle_t *)&c->tcp)) return;
  if (!force && c->state != ST_CONNECTING) {
    (void)lg_out_flush(&c->out, (uv_stream_t *)&c->tcp);
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) == 0) return;
  }
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void rl_stop(void *state) {
  rl *r = state;
  bool force = r->stopping;
  r->stopping = true;
  close_conn(&r->receiver, force);
  for (unsigned i = 0; r->senders != NULL && i < r->o->senders; i++)
    close_conn(&r->senders[i], force);
  for (unsigned i = 0; i < r->idle_started; i++)
    close_conn(&r->idle[i], force);
}

static void free_conn(rconn *c) {
  if (c->fbuf != c->scratch) free(c->fbuf);
  free(c->scratch);
  free(c->q);
  rp__noise_handshake_free(c->hs);
  rp__noise_cipher_wipe(&c->tx);
  rp__noise_cipher_wipe(&c->rx);
  if (c->r != NULL) rp__frag_reader_free(&c->frag);
  lg_out_free(&c->out);
}

static void rl_destroy(void *state) {
  rl *r = state;
  if (r->stale > 0)
    fprintf(stderr, "relay: acknowledged %llu envelopes left over from an earlier run\n",
            (unsigned long long)r->stale);
  free_conn(&r->receiver);
  for (unsigned i = 0; r->senders != NULL && i < r->o->senders; i++)
    free_conn(&r->senders[i]);
  for (unsigned i = 0; i < r->idle_started; i++)
    free_conn(&r->idle[i]);
  free(r->senders);
  free(r->idle);
  lg_bench_free(&r->b);
  free(r);
}

const lg_driver lg_relay_driver = {"relay",      rl_start, rl_send,   rl_flush,
                                   rl_open_idle, rl_stop,  rl_destroy};
