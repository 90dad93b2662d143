/* SPDX-License-Identifier: MIT */
/*
 * For the client tests that play a hostile or broken sender: a log collector for
 * rp_config_set_log, envelopes sealed from any payload bytes under any header (through
 * the test peer and the real relay), and waits on the relay's log and counters.
 * Header-only, like cl_fixture.h.
 */
#ifndef RP_TESTS_CL_HOSTILE_H
#define RP_TESTS_CL_HOSTILE_H

#include <pthread.h>

#include "clock.h"
#include "cl_fixture.h"
#include "envelope.h"
#include "payload.h"

/* ---- the library's log lines ---- */

#define CL_LOG_LINES 256

typedef struct cl_log {
  pthread_mutex_t mu;
  char lines[CL_LOG_LINES][512];
  int levels[CL_LOG_LINES];
  int n;
} cl_log;

static inline void cl_log_init(cl_log *l) {
  memset(l, 0, sizeof *l);
  pthread_mutex_init(&l->mu, NULL);
}

static inline void cl_log_fn(void *data, int level, const char *line) {
  cl_log *l = data;
  pthread_mutex_lock(&l->mu);
  if (l->n < CL_LOG_LINES) {
    snprintf(l->lines[l->n], sizeof l->lines[0], "%s", line);
    l->levels[l->n++] = level;
  }
  pthread_mutex_unlock(&l->mu);
}

/* How many lines hold every one of the (up to three) needles; NULL needles are ignored. */
static inline int cl_log_count(cl_log *l, const char *a, const char *b, const char *c) {
  int hits = 0;
  pthread_mutex_lock(&l->mu);
  for (int i = 0; i < l->n; i++)
    if ((a == NULL || strstr(l->lines[i], a)) && (b == NULL || strstr(l->lines[i], b)) &&
        (c == NULL || strstr(l->lines[i], c)))
      hits++;
  pthread_mutex_unlock(&l->mu);
  return hits;
}

/* Waits until some line holds all the needles. 0 or RP_ETIMEDOUT. */
static inline int cl_log_wait(cl_log *l, const char *a, const char *b, const char *c,
                              int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  do {
    if (cl_log_count(l, a, b, c) > 0) return 0;
    usleep(10000);
  } while (rp__clock_mono_ms() < end);
  return RP_ETIMEDOUT;
}

static inline void cl_log_dump(cl_log *l, const char *who) {
  pthread_mutex_lock(&l->mu);
  for (int i = 0; i < l->n; i++)
    fprintf(stderr, "%s log %d: %s\n", who, l->levels[i], l->lines[i]);
  pthread_mutex_unlock(&l->mu);
}

/* A client for `id` that logs into l. */
static inline rp_client *cl_client_logged(tp_relay *f, const char *id, const char *suffix,
                                          cl_log *l) {
  rp_config *cfg = cl_config(f, id, suffix, NULL);
  rp_client *c = NULL;
  if (cfg == NULL || rp_config_set_log(cfg, cl_log_fn, l) != 0 ||
      rp_client_new(cfg, &c) != 0)
    c = NULL;
  rp_config_free(cfg);
  return c;
}

/* ---- hostile envelopes ---- */

/* The header a sealed envelope gets: normally the payload's own values. */
typedef struct cl_hdr {
  uint8_t msg_id[RP_MSG_ID_BYTES];
  uint64_t created;
  int urgency;
} cl_hdr;

/* Seals pt[0..len) from `from` to roster member `to` under header h (expiring in one
 * hour) into a malloc'd container. */
static inline int cl_seal(const rp__identity *from, const rp__roster *roster,
                          const char *to, const cl_hdr *h, const uint8_t *pt, size_t len,
                          uint8_t **env, size_t *env_len) {
  const rp__member *m = rp__roster_find_id(roster, to);
  rp__seal_args a;
  if (m == NULL) return RP_EUNKNOWNMEMBER;
  memset(&a, 0, sizeof a);
  memcpy(a.msg_id, h->msg_id, RP_MSG_ID_BYTES);
  a.created = h->created;
  a.expires = h->created + 3600u * 1000u;
  a.urgency = h->urgency;
  return rp__envelope_seal(from, m, &a, pt, len, env, env_len);
}

/* Sends an envelope through the peer and waits for the relay's answer: 0 for an ACK,
 * else the NACK's code (negative) or a transport error. */
static inline int cl_peer_send(tp_peer *p, const uint8_t *env, size_t len) {
  rp__tmsg m;
  int rc;
  memset(&m, 0, sizeof m);
  m.type = RP__T_SEND;
  m.u.send.envelope.p = env;
  m.u.send.envelope.n = (uint32_t)len;
  if ((rc = tp_send(p, &m)) != 0) return rc;
  for (;;) {
    if ((rc = tp_recv(p, &m, 5000)) != 0) return rc;
    if (m.type == RP__T_ACK) return 0;
    if (m.type == RP__T_NACK) return -(int)m.u.nack.code;
  }
}

/* A valid request payload from the public builder, decoded into *p (texts borrow from
 * *buf, the caller's). Header: a fresh msg_id, now, thread_id = msg_id. */
static inline int cl_request_payload(const char *question, rp__payload *p, uint8_t **buf,
                                     size_t *len) {
  rp_msg *m = cl_request(question);
  int rc = m != NULL ? rp_msg_encode(m, buf, len) : RP_ENOMEM;
  rp_msg_free(m);
  if (rc == 0) rc = rp__payload_decode(*buf, *len, p, NULL);
  return rc;
}

/* Encodes p again (after a test changed it) into a malloc'd buffer. */
static inline int cl_encode(const rp__payload *p, uint8_t **buf, size_t *len) {
  int rc;
  *buf = malloc(RP_PAYLOAD_MAX);
  if (*buf == NULL) return RP_ENOMEM;
  if ((rc = rp__payload_encode(p, *buf, RP_PAYLOAD_MAX, len, NULL)) != 0) {
    free(*buf);
    *buf = NULL;
  }
  return rc;
}

/* ---- the relay ---- */

/* Connections the relay authenticated for member id (its "conn_auth" log lines). */
static inline size_t cl_relay_auths(tp_relay *f, const char *id) {
  char needle[128], line[256];
  size_t n = 0, len = 0;
  char *text = tu_read_file(f->log, &len);
  snprintf(needle, sizeof needle, " member=%s", id);
  for (char *p = text; p != NULL && (p = strstr(p, "conn_auth ")) != NULL; p++) {
    size_t k = strcspn(p, "\n");
    char *hit;
    if (k >= sizeof line) continue;
    memcpy(line, p, k);
    line[k] = '\0';
    hit = strstr(line, needle);
    if (hit != NULL && (hit[strlen(needle)] == '\0' || hit[strlen(needle)] == ' ')) n++;
  }
  free(text);
  return n;
}

/* Waits until the relay's spool holds no envelope and no notice. */
static inline int cl_relay_spool_empty(tp_relay *f, int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms, n = 1;
  do {
    if (tp_relay_counter(f, "spool.envelopes", &n) == 0 && n == 0) return 0;
    usleep(50000);
  } while (rp__clock_mono_ms() < end);
  fprintf(stderr, "relay spool still holds %llu envelopes\n", (unsigned long long)n);
  return RP_ETIMEDOUT;
}

#endif /* RP_TESTS_CL_HOSTILE_H */
