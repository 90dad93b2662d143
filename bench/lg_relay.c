/* SPDX-License-Identifier: MIT */
/*
 * The relay driver: each connection is a real client of rejsepost-relayd, built on the
 * proto library: a client channel (chan.h: the Noise_IK initiator, stream frames,
 * fragments, transport messages and their states) and envelope headers. Senders SEND
 * envelopes addressed to the team member; the receiver is the team, asks for the delivery
 * stream with RECEIVE, and answers each DELIVER with DELIVERED. The ack of a message is its
 * ACK; its delivery is the DELIVER.
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

#include <sodium.h>

#include "chan.h"
#include "clock.h"
#include "lg_setup.h"
#include "loadgen.h"
#include "rejsepost_errors.h"
#include "transport.h"

#define CONNECTING_MAX 64u /* idle test: handshakes under way at once */
#define RECV_WINDOW 1024u  /* deliveries the receiver lets the relay have in flight */
#define SCRATCH 8192u      /* an envelope */
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
  unsigned index;
  const rp__identity *id;
  rp__chan *ch; /* from the connect on */
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
  uint8_t env[SCRATCH];
};

static uint8_t rbuf[65536]; /* every read lands here, and goes to a channel */

static void start_idle(rl *r);

static void fail_conn(rconn *c, const char *what, int code) {
  static const char *const roles[] = {"sender", "receiver", "idle connection"};
  lg_fail(c->r->run, "relay %s %u (%s): %s%s%s", roles[c->role], c->index, c->id->pub.id,
          what, code ? ": " : "", code ? rp_strerror(code) : "");
}

static void mark_dirty(rconn *c) {
  if (c->dirty) return;
  c->dirty = true;
  c->next_dirty = c->r->dirty;
  c->r->dirty = c;
}

/* Encodes, fragments and encrypts transport message m into c's output. */
static int put_msg(rconn *c, const rp__tmsg *m) {
  size_t bound = rp__chan_seal_bound(m), len = 0;
  uint8_t *o = lg_out_reserve(&c->out, bound);
  int e = o == NULL ? RP_ENOMEM : rp__chan_seal_into(c->ch, m, o, bound, &len);
  if (o != NULL) c->out.len -= bound - len; /* the reserve was a bound */
  if (e != 0) {
    fail_conn(c, "sending", e);
    return -1;
  }
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
  h.created = rp__clock_wall_ms();
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

/* One transport message from the relay, decoded and allowed now (the channel checks). */
static int on_msg(rconn *c, const rp__tmsg *msg) {
  rp__tmsg m = *msg;
  uint64_t id = 0;
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

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  *buf = uv_buf_init((char *)rbuf, sizeof rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  rconn *c = s->data;
  const uint8_t *in = (const uint8_t *)buf->base;
  size_t left = nread > 0 ? (size_t)nread : 0, used = 0;
  if (c->r->stopping) return;
  if (nread < 0) {
    lg_fail(c->r->run, "relay connection of %s lost: %s", c->id->pub.id,
            uv_strerror((int)nread));
    return;
  }
  while (left > 0 && !c->r->stopping) {
    rp__chan_event ev;
    const char *where = NULL;
    int e = rp__chan_feed(c->ch, in, left, &used, &ev, &where);
    if (e != 0) {
      fail_conn(c,
                rp__chan_failed_at(c->ch) == RP__CHAN_FAIL_HANDSHAKE ? "handshake"
                : where != NULL                                      ? where
                                                                     : "reading a frame",
                e);
      return;
    }
    in += used;
    left -= used;
    if (ev.type == RP__CHAN_EV_OPEN)
      c->state = ST_OPEN;
    else if (ev.type == RP__CHAN_EV_MSG && on_msg(c, &ev.msg) != 0)
      return;
  }
  rp__chan_release(c->ch);
}

static void on_connect(uv_connect_t *req, int status) {
  rconn *c = req->data;
  const uint8_t *msg1 = NULL;
  uint8_t *o = NULL;
  size_t n = 0;
  if (c->r->stopping) return;
  int e = status < 0 ? RP_ECONNREFUSED : 0;
  if (e == 0 && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) e = RP_EIO;
  if (e == 0) e = rp__chan_new(&c->ch, c->id->sec->transport_sk, c->r->b.relay_pk);
  /* Message 1 carries no payload: the relay learns who we are from our static key. */
  if (e == 0) e = rp__chan_hello(c->ch, &msg1, &n);
  if (e == 0 && (o = lg_out_reserve(&c->out, n)) == NULL) e = RP_ENOMEM;
  if (e != 0) {
    fail_conn(c, status < 0 ? uv_strerror(status) : "starting the handshake", e);
    return;
  }
  memcpy(o, msg1, n);
  c->state = ST_HANDSHAKE;
  if (lg_out_flush(&c->out, (uv_stream_t *)&c->tcp) != 0) fail_conn(c, "write", RP_EIO);
}

static int conn_start(rl *r, rconn *c, int role, unsigned index, const rp__identity *id) {
  c->r = r;
  c->role = role;
  c->index = index;
  c->id = id;
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

/* Gracefully: what is queued goes out, then FIN, then close. Forced: close now. */
static void close_conn(rconn *c, bool force) {
  if (c->r == NULL) return;
  lg_close_tcp(&c->tcp, &c->sreq, &c->out, !force && c->state != ST_CONNECTING);
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
  free(c->q);
  rp__chan_free(c->ch);
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
