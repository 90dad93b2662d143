/* SPDX-License-Identifier: MIT */
/*
 * The MQTT 3.1.1 driver, written directly on libuv so that both targets are driven by
 * the same loop with the same costs. Senders publish with QoS 1 to TOPIC; one receiver
 * subscribes to it with QoS 1 and acknowledges every delivery with PUBACK. The ack of a
 * message is its publisher's PUBACK; its delivery is the receiver getting the PUBLISH.
 * The payload is LG_MSG_BYTES long and starts with the 16-byte stamp.
 *
 * Parsing is strict and bounded: a packet must fit the connection's input buffer, and
 * each packet type is accepted only in the state and role where the broker may send it,
 * with exactly the length it must have. Anything else ends the run with an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

#define TOPIC "rp/bench"
#define TOPIC_LEN (sizeof TOPIC - 1u)
#define SUB_PID 1u
#define CONNECTING_MAX 64u /* idle test: connections being set up at once */
#define IN_SENDER 4096u    /* input buffers by role; each holds the largest packet */
#define IN_RECEIVER 65536u /* expected in that role */
#define IN_IDLE 64u
#define PID_SLOTS 65536u

enum { ROLE_SENDER, ROLE_RECEIVER, ROLE_IDLE };
enum { ST_CONNECTING, ST_CONNACK, ST_SUBACK, ST_READY };

typedef struct mq mq;

typedef struct mconn {
  uv_tcp_t tcp;
  uv_connect_t creq;
  uv_shutdown_t sreq;
  mq *m; /* NULL until the connection is started */
  int role, state;
  unsigned index;
  uint16_t next_pid;
  uint64_t *pid_map; /* senders: message id + 1 for each packet id in flight, else 0 */
  uint8_t *in;
  size_t in_len, in_cap;
  lg_out out;
  bool dirty;
  struct mconn *next_dirty;
} mconn;

struct mq {
  lg_run *run;
  const lg_opts *o;
  struct sockaddr_storage addr;
  mconn *senders, receiver, *idle;
  unsigned n_idle, idle_started, idle_up, ready;
  mconn *dirty;
  bool stopping;
  uint8_t payload[LG_MSG_BYTES];
};

static void start_idle(mq *m);

static void fail_conn(mconn *c, const char *what, const char *detail) {
  static const char *const roles[] = {"sender", "receiver", "idle connection"};
  lg_fail(c->m->run, "mqtt %s %u: %s%s%s", roles[c->role], c->index, what,
          detail ? ": " : "", detail ? detail : "");
}

/* Appends a packet header (type byte and remaining length); returns where the body
 * goes, or NULL. */
static uint8_t *put_packet(mconn *c, uint8_t type, size_t rl) {
  uint8_t hdr[5];
  size_t n = 0, body = rl;
  hdr[n++] = type;
  do {
    hdr[n] = (uint8_t)(rl & 0x7fu);
    rl >>= 7;
    if (rl) hdr[n] |= 0x80u;
    n++;
  } while (rl && n < sizeof hdr);
  uint8_t *p = lg_out_reserve(&c->out, n + body);
  if (p == NULL) return NULL;
  memcpy(p, hdr, n);
  if (!c->dirty) {
    c->dirty = true;
    c->next_dirty = c->m->dirty;
    c->m->dirty = c;
  }
  return p + n;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t n) {
  lg_be16(p, (uint16_t)n);
  memcpy(p + 2, s, n);
  return p + 2 + n;
}

static int flush_conn(mconn *c) {
  int r = lg_out_flush(&c->out, (uv_stream_t *)&c->tcp);
  if (r != 0) fail_conn(c, "write", uv_strerror(r));
  return r;
}

static int send_connect(mconn *c) {
  char id[32];
  static const char kinds[] = "sri";
  int n = snprintf(id, sizeof id, "lg%d%c%u", (int)getpid(), kinds[c->role], c->index);
  uint8_t *p = put_packet(c, 0x10u, 10u + 2u + (size_t)n);
  if (p == NULL) return -1;
  p = put_str(p, "MQTT", 4);
  *p++ = 4;      /* protocol level 3.1.1 */
  *p++ = 0x02;   /* clean session */
  lg_be16(p, 0); /* no keep-alive: the runs are short and the broker must not drop idlers */
  put_str(p + 2, id, (size_t)n);
  return flush_conn(c);
}

static int send_subscribe(mconn *c) {
  uint8_t *p = put_packet(c, 0x82u, 2u + 2u + TOPIC_LEN + 1u);
  if (p == NULL) return -1;
  lg_be16(p, SUB_PID);
  p = put_str(p + 2, TOPIC, TOPIC_LEN);
  *p = 1; /* QoS 1 */
  return flush_conn(c);
}

static void conn_ready(mconn *c) {
  mq *m = c->m;
  c->state = ST_READY;
  if (c->role == ROLE_IDLE) {
    if (++m->idle_up == m->n_idle) {
      lg_idle_opened(m->run);
      return;
    }
    start_idle(m);
    return;
  }
  if (++m->ready == m->o->senders + 1u) lg_ready(m->run);
}

/* One packet from the broker: type byte h, body p[0..n). Returns 0 or -1. */
static int on_packet(mconn *c, uint8_t h, const uint8_t *p, size_t n) {
  char detail[64];
  if (h == 0x20u && c->state == ST_CONNACK) { /* CONNACK */
    if (n != 2 || (p[0] & 0xfeu) != 0) goto malformed;
    if (p[1] != 0) {
      snprintf(detail, sizeof detail, "return code %u", p[1]);
      fail_conn(c, "broker refused the connection", detail);
      return -1;
    }
    if (c->role == ROLE_RECEIVER) {
      c->state = ST_SUBACK;
      return send_subscribe(c);
    }
    conn_ready(c);
    return 0;
  }
  if (h == 0x90u && c->state == ST_SUBACK) { /* SUBACK */
    if (n != 3 || lg_get16(p) != SUB_PID) goto malformed;
    if (p[2] != 1) {
      snprintf(detail, sizeof detail, "granted 0x%02x, not QoS 1", p[2]);
      fail_conn(c, "subscription refused", detail);
      return -1;
    }
    conn_ready(c);
    return 0;
  }
  if (h == 0x40u && c->state == ST_READY && c->role == ROLE_SENDER) { /* PUBACK */
    uint16_t pid = n == 2 ? lg_get16(p) : 0;
    if (pid == 0 || c->pid_map[pid] == 0) goto malformed;
    uint64_t id = c->pid_map[pid] - 1;
    c->pid_map[pid] = 0;
    lg_acked(c->m->run, c->index, id);
    return 0;
  }
  if ((h & 0xf0u) == 0x30u && c->state == ST_READY && c->role == ROLE_RECEIVER) {
    /* PUBLISH: QoS 1 only (bits 1-2); DUP (bit 3) and RETAIN (bit 0) are allowed. */
    if (((h >> 1) & 3u) != 1u || n < 4) goto malformed;
    size_t tlen = lg_get16(p);
    if (n != 2u + tlen + 2u + LG_MSG_BYTES || tlen != TOPIC_LEN ||
        memcmp(p + 2, TOPIC, TOPIC_LEN) != 0)
      goto malformed;
    uint16_t pid = lg_get16(p + 2 + tlen);
    if (pid == 0) goto malformed;
    uint8_t *q = put_packet(c, 0x40u, 2);
    if (q == NULL) {
      fail_conn(c, "output buffer full", NULL);
      return -1;
    }
    lg_be16(q, pid);
    lg_delivered(c->m->run, p + 4 + tlen);
    return 0;
  }
  if (h == 0xd0u && n == 0 && c->state == ST_READY) return 0; /* PINGRESP */
malformed:
  snprintf(detail, sizeof detail, "type byte 0x%02x, %zu bytes, state %d", h, n, c->state);
  fail_conn(c, "unexpected or malformed packet", detail);
  return -1;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  mconn *c = h->data;
  (void)hint;
  *buf = uv_buf_init((char *)c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  mconn *c = s->data;
  size_t off = 0;
  (void)buf;
  if (nread == 0 || c->m->stopping) return;
  if (nread < 0) {
    fail_conn(c, "connection lost", uv_strerror((int)nread));
    return;
  }
  c->in_len += (size_t)nread;
  while (c->in_len - off >= 2 && !c->m->stopping) {
    /* The remaining length: 1..4 bytes of 7 bits each, low groups first. */
    size_t rl = 0, k = 0, avail = c->in_len - off - 1;
    const uint8_t *v = c->in + off + 1;
    for (; k < 4 && k < avail; k++) {
      rl |= (size_t)(v[k] & 0x7fu) << (7 * k);
      if (!(v[k] & 0x80u)) break;
    }
    if (k == 4) {
      fail_conn(c, "malformed remaining length", NULL);
      return;
    }
    if (k == avail) break; /* the length itself is not complete */
    size_t hdr = 1 + k + 1;
    if (rl > c->in_cap - hdr) {
      fail_conn(c, "packet larger than this connection accepts", NULL);
      return;
    }
    if (c->in_len - off < hdr + rl) break;
    if (on_packet(c, c->in[off], c->in + off + hdr, rl) != 0) return;
    off += hdr + rl;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
}

static void on_connect(uv_connect_t *req, int status) {
  mconn *c = req->data;
  if (c->m->stopping) return;
  if (status < 0) {
    fail_conn(c, "connect", uv_strerror(status));
    return;
  }
  int r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (r != 0) {
    fail_conn(c, "read", uv_strerror(r));
    return;
  }
  c->state = ST_CONNACK;
  if (send_connect(c) != 0 && !lg_failed(c->m->run)) fail_conn(c, "CONNECT", NULL);
}

static int conn_start(mq *m, mconn *c, int role, unsigned index) {
  c->m = m;
  c->role = role;
  c->index = index;
  c->state = ST_CONNECTING;
  c->next_pid = 1;
  c->in_cap = role == ROLE_SENDER     ? IN_SENDER
              : role == ROLE_RECEIVER ? IN_RECEIVER
                                      : IN_IDLE;
  c->in = malloc(c->in_cap);
  if (role == ROLE_SENDER) c->pid_map = calloc(PID_SLOTS, sizeof *c->pid_map);
  if (c->in == NULL || (role == ROLE_SENDER && c->pid_map == NULL)) return -1;
  uv_tcp_init(lg_loop(m->run), &c->tcp);
  c->tcp.data = c->creq.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  int r = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&m->addr, on_connect);
  if (r != 0) fail_conn(c, "connect", uv_strerror(r));
  return r == 0 ? 0 : -1;
}

static void start_idle(mq *m) {
  while (m->idle_started < m->n_idle && m->idle_started - m->idle_up < CONNECTING_MAX &&
         !m->stopping) {
    unsigned i = m->idle_started++;
    if (conn_start(m, &m->idle[i], ROLE_IDLE, i) != 0) return;
  }
}

static int mq_start(lg_run *run, const lg_opts *o, void **state) {
  mq *m = calloc(1, sizeof *m);
  *state = m;
  if (m == NULL) return -1;
  m->run = run;
  m->o = o;
  for (size_t i = 0; i < LG_MSG_BYTES; i++)
    m->payload[i] = (uint8_t)(i * 131u + 7u);
  if (lg_addr(o, &m->addr) != 0) return -1;
  if (o->idle > 0) {
    lg_ready(run);
    return 0;
  }
  m->senders = calloc(o->senders, sizeof *m->senders);
  if (m->senders == NULL) return -1;
  if (conn_start(m, &m->receiver, ROLE_RECEIVER, 0) != 0) return -1;
  for (unsigned i = 0; i < o->senders; i++)
    if (conn_start(m, &m->senders[i], ROLE_SENDER, i) != 0) return -1;
  return 0;
}

static int mq_send(void *state, unsigned sender, uint64_t id, uint64_t sched_ns) {
  mq *m = state;
  mconn *c = &m->senders[sender];
  uint16_t pid = c->next_pid;
  if (c->pid_map[pid] != 0) {
    fail_conn(c, "more than 65535 messages in flight", NULL);
    return -1;
  }
  c->next_pid = pid == 0xffffu ? 1 : (uint16_t)(pid + 1);
  uint8_t *p = put_packet(c, 0x32u, 2u + TOPIC_LEN + 2u + LG_MSG_BYTES);
  if (p == NULL) return -1;
  c->pid_map[pid] = id + 1;
  p = put_str(p, TOPIC, TOPIC_LEN);
  lg_be16(p, pid);
  memcpy(p + 2, m->payload, LG_MSG_BYTES);
  lg_stamp_put(p + 2, id, sched_ns);
  return 0;
}

static void mq_flush(void *state) {
  mq *m = state;
  while (m->dirty != NULL && !m->stopping) {
    mconn *c = m->dirty;
    m->dirty = c->next_dirty;
    c->dirty = false;
    if (flush_conn(c) != 0) return;
  }
}

static int mq_open_idle(void *state, unsigned k) {
  mq *m = state;
  m->idle = calloc(k, sizeof *m->idle);
  if (m->idle == NULL) return -1;
  m->n_idle = k;
  start_idle(m);
  return 0;
}

/* Gracefully: what is queued goes out, then FIN, then close. Forced: close now. */
static void close_conn(mconn *c, bool force) {
  if (c->m == NULL) return;
  lg_close_tcp(&c->tcp, &c->sreq, &c->out, !force && c->state != ST_CONNECTING);
}

static void mq_stop(void *state) {
  mq *m = state;
  bool force = m->stopping;
  m->stopping = true;
  close_conn(&m->receiver, force);
  for (unsigned i = 0; m->senders != NULL && i < m->o->senders; i++)
    close_conn(&m->senders[i], force);
  for (unsigned i = 0; i < m->idle_started; i++)
    close_conn(&m->idle[i], force);
}

static void free_conn(mconn *c) {
  free(c->in);
  free(c->pid_map);
  lg_out_free(&c->out);
}

static void mq_destroy(void *state) {
  mq *m = state;
  free_conn(&m->receiver);
  for (unsigned i = 0; m->senders != NULL && i < m->o->senders; i++)
    free_conn(&m->senders[i]);
  for (unsigned i = 0; i < m->idle_started; i++)
    free_conn(&m->idle[i]);
  free(m->senders);
  free(m->idle);
  free(m);
}

const lg_driver lg_mqtt_driver = {"mqtt",       mq_start, mq_send,   mq_flush,
                                  mq_open_idle, mq_stop,  mq_destroy};
