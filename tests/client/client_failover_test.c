/* SPDX-License-Identifier: MIT */
/*
 * Several addresses of one relay (rp_config_add_relay) against the real relay on
 * loopback: the cap on addresses; a dead first address (a closed port) and a live
 * second one: delivered, without waiting for the backoff; a first address that accepts
 * and hangs up at once (a failed handshake) is passed over the same way; the live relay
 * killed and started again on the other address: the client follows; every address
 * dead: the backoff runs only after all of them failed, and each switch is logged.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "cl_fixture.h"
#include "clock.h"

/* ---- the library's log lines, collected ---- */

typedef struct logbuf {
  pthread_mutex_t mu;
  char text[64 * 1024];
  size_t len;
} logbuf;

static void on_log(void *data, int level, const char *line) {
  logbuf *b = data;
  pthread_mutex_lock(&b->mu);
  int n = snprintf(b->text + b->len, sizeof b->text - b->len, "%d %s\n", level, line);
  if (n > 0 && b->len + (size_t)n < sizeof b->text) b->len += (size_t)n;
  pthread_mutex_unlock(&b->mu);
}

/* How many collected lines contain needle. */
static int log_count(logbuf *b, const char *needle) {
  int n = 0;
  pthread_mutex_lock(&b->mu);
  for (const char *p = b->text; (p = strstr(p, needle)) != NULL; p++)
    n++;
  pthread_mutex_unlock(&b->mu);
  return n;
}

static int log_wait(logbuf *b, const char *needle, int timeout_ms) {
  uint64_t end = rp__clock_mono_ms() + (uint64_t)timeout_ms;
  while (rp__clock_mono_ms() < end) {
    if (log_count(b, needle) > 0) return 0;
    usleep(10000);
  }
  return RP_ETIMEDOUT;
}

/* A client of `id` whose addresses are 127.0.0.1:ports[0..n), backoff min..max. */
static rp_client *client_at(tp_relay *f, const char *id, const char *suffix,
                            const unsigned *ports, size_t n, unsigned bmin, unsigned bmax,
                            logbuf *log) {
  rp_config *cfg = cl_config(f, id, suffix, NULL);
  rp_client *c = NULL;
  int rc;
  assert_non_null(cfg);
  assert_int_equal(rp_config_set_relay(cfg, "127.0.0.1", ports[0]), 0);
  for (size_t i = 1; i < n; i++)
    assert_int_equal(rp_config_add_relay(cfg, "127.0.0.1", ports[i]), 0);
  assert_int_equal(rp_config_set_backoff(cfg, bmin, bmax), 0);
  if (log != NULL) assert_int_equal(rp_config_set_log(cfg, on_log, log), 0);
  rc = rp_client_new(cfg, &c);
  if (rc != 0)
    fprintf(stderr, "rp_client_new: %s (%s)\n", rp_strerror(rc), rp_config_error(cfg));
  rp_config_free(cfg);
  assert_non_null(c);
  return c;
}

static void test_address_cap(void **state) {
  rp_config *cfg = NULL;
  (void)state;
  assert_int_equal(rp_config_new(&cfg), 0);
  /* Without a first address, an added one is the first. */
  assert_int_equal(rp_config_add_relay(cfg, "relay-a.example", 7443), 0);
  assert_int_equal(rp_config_set_relay(cfg, "relay-b.example", 7443), 0);
  for (unsigned i = 1; i < 8; i++)
    assert_int_equal(rp_config_add_relay(cfg, "standby.example", 7443 + i), 0);
  assert_int_equal(rp_config_add_relay(cfg, "one-too-many.example", 7443), RP_ECONFIG);
  assert_non_null(strstr(rp_config_error(cfg), "at most 8"));
  /* set_relay still replaces the first when the list is full. */
  assert_int_equal(rp_config_set_relay(cfg, "relay-c.example", 7443), 0);
  assert_int_equal(rp_config_add_relay(cfg, "x.example", 0), RP_ECONFIG);
  assert_int_equal(rp_config_add_relay(cfg, NULL, 1), RP_EINVAL);
  assert_int_equal(rp_config_add_relay(NULL, "x", 1), RP_EINVAL);
  rp_config_free(cfg);
}

/* ---- a first address that accepts and hangs up at once ---- */

typedef struct hangup {
  int fd;
  unsigned port;
  int accepted;
  pthread_t th;
} hangup;

static void *hangup_run(void *arg) {
  hangup *h = arg;
  int c;
  while ((c = accept(h->fd, NULL, NULL)) >= 0) {
    __atomic_add_fetch(&h->accepted, 1, __ATOMIC_SEQ_CST);
    close(c);
  }
  return NULL;
}

static void hangup_start(hangup *h) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(h, 0, sizeof *h);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_true((h->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
  assert_int_equal(bind(h->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(h->fd, 8), 0);
  assert_int_equal(getsockname(h->fd, (struct sockaddr *)&a, &len), 0);
  h->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&h->th, NULL, hangup_run, h), 0);
}

static void hangup_stop(hangup *h) {
  shutdown(h->fd, SHUT_RDWR);
  close(h->fd);
  pthread_join(h->th, NULL);
}

/* A request from the municipality; its id in id. */
static void send_request(rp_client *c, const char *q, char id[RP_ID_STRLEN]) {
  rp_msg *m = cl_request(q);
  assert_non_null(m);
  assert_int_equal(rp_send(c, m, id), 0);
  rp_msg_free(m);
}

/* The first address refuses (a closed port), the second is the relay: the request is
 * relayed and delivered well within the backoff (5 s), which runs only after every
 * address failed; the switch is logged at INFO with both addresses. Then the relay
 * dies and comes back on the first address: the client follows. */
static void test_dead_first_then_follow(void **state) {
  static logbuf log = {.mu = PTHREAD_MUTEX_INITIALIZER};
  tp_relay f;
  rp_client *muni, *team;
  rp_received *r = NULL;
  char id[RP_ID_STRLEN], id2[RP_ID_STRLEN], want[160];
  unsigned ports[2];
  uint64_t t0;
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-failover"), 0);
  ports[0] = tp_free_port(); /* nothing listens there */
  ports[1] = f.port;
  t0 = rp__clock_mono_ms();
  muni = client_at(&f, CL_MUNI, NULL, ports, 2, 5000, 5000, &log);
  send_request(muni, "Første adresse er død", id);
  assert_int_equal(rp_client_flush(muni, 4000), 0);
  assert_true(rp__clock_mono_ms() - t0 < 4000);
  snprintf(want, sizeof want,
           "3 relay_next from=127.0.0.1:%u to=127.0.0.1:%u code=", ports[0], ports[1]);
  assert_int_equal(log_count(&log, want), 1);
  assert_int_equal(log_count(&log, "relay_all_failed"), 0);
  team = client_at(&f, CL_TEAM, NULL, ports, 2, 50, 400, NULL);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id);
  rp_received_free(r);
  assert_int_equal(rp_inbox_mark_handled(team, id), 0);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 10000), 0);

  /* The relay moves to the first address: both clients follow. The municipality's
   * backoff was 5 s; a connection lost after its welcome waits only the backoff's
   * first step at the same address, then the other one at once. */
  rp_client_free(muni);
  muni = client_at(&f, CL_MUNI, NULL, ports, 2, 50, 400, &log);
  assert_int_equal(cl_wait_status(muni, id, RP_STATUS_DELIVERED, 100), 0);
  {
    uint64_t end = rp__clock_mono_ms() + 10000;
    while (rp_client_conn_state(muni) != RP_CONN_CONNECTED && rp__clock_mono_ms() < end)
      usleep(10000);
    assert_int_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);
  }
  assert_int_equal(tp_relay_stop(&f, SIGKILL, 10000), 128 + SIGKILL);
  f.port = (uint16_t)ports[0];
  assert_int_equal(tp_relay_write_config(&f, NULL), 0);
  assert_int_equal(tp_relay_start(&f), 0);
  send_request(muni, "Relayet er flyttet", id2);
  assert_int_equal(rp_client_flush(muni, 10000), 0);
  snprintf(want, sizeof want, "relay_next from=127.0.0.1:%u to=127.0.0.1:%u", ports[1],
           ports[0]);
  assert_int_equal(log_wait(&log, want, 1000), 0);
  assert_int_equal(cl_wait_inbox(team, &r, 10000), 0);
  assert_string_equal(rp_received_msg_id(r), id2);
  rp_received_free(r);
  assert_int_equal(cl_wait_status(muni, id2, RP_STATUS_DELIVERED, 10000), 0);
  rp_client_free(team);
  rp_client_free(muni);
  tp_relay_free(&f);
}

/* A first address that takes the TCP connection and closes it before any handshake
 * answer: a failed handshake moves on to the next address like a refused connect. */
static void test_handshake_failure_moves_on(void **state) {
  static logbuf log = {.mu = PTHREAD_MUTEX_INITIALIZER};
  tp_relay f;
  hangup h;
  rp_client *muni;
  char id[RP_ID_STRLEN], want[160];
  unsigned ports[2];
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-failover-hs"), 0);
  hangup_start(&h);
  ports[0] = h.port;
  ports[1] = f.port;
  muni = client_at(&f, CL_MUNI, NULL, ports, 2, 5000, 5000, &log);
  send_request(muni, "Forkert modpart først", id);
  assert_int_equal(rp_client_flush(muni, 4000), 0);
  assert_true(__atomic_load_n(&h.accepted, __ATOMIC_SEQ_CST) >= 1);
  snprintf(want, sizeof want, "relay_next from=127.0.0.1:%u to=127.0.0.1:%u code=EAUTH",
           ports[0], ports[1]);
  assert_int_equal(log_count(&log, want), 1);
  rp_client_free(muni);
  hangup_stop(&h);
  tp_relay_free(&f);
}

/* Every address dead: one round tries each once (one switch logged per address after
 * the first), then "relay_all_failed" and the backoff (2 s here) before the next
 * round: within the first second there is exactly one round. */
static void test_all_dead_backoff_after_round(void **state) {
  static logbuf log = {.mu = PTHREAD_MUTEX_INITIALIZER};
  tp_relay f;
  rp_client *muni;
  unsigned ports[3];
  (void)state;
  assert_int_equal(cl_relay_up(&f, "cl-failover-dead"), 0);
  assert_int_equal(tp_relay_stop(&f, SIGTERM, 10000), 0);
  ports[0] = tp_free_port();
  ports[1] = tp_free_port();
  ports[2] = f.port;
  muni = client_at(&f, CL_MUNI, NULL, ports, 3, 2000, 2000, &log);
  assert_int_equal(log_wait(&log, "relay_all_failed addresses=3", 2000), 0);
  usleep(600 * 1000);
  assert_int_equal(log_count(&log, "relay_next"), 2);
  assert_int_equal(log_count(&log, "relay_all_failed"), 1);
  assert_int_not_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);
  assert_int_equal(rp_client_last_error(muni), RP_ECONNREFUSED);
  /* The relay comes back on the third address: the next round finds it. */
  assert_int_equal(tp_relay_start(&f), 0);
  {
    uint64_t end = rp__clock_mono_ms() + 10000;
    while (rp_client_conn_state(muni) != RP_CONN_CONNECTED && rp__clock_mono_ms() < end)
      usleep(10000);
  }
  assert_int_equal(rp_client_conn_state(muni), RP_CONN_CONNECTED);
  rp_client_free(muni);
  tp_relay_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_address_cap),
      cmocka_unit_test(test_dead_first_then_follow),
      cmocka_unit_test(test_handshake_failure_moves_on),
      cmocka_unit_test(test_all_dead_backoff_after_round),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
