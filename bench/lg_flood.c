/* SPDX-License-Identifier: MIT */
/*
 * `rejsepost-loadgen flood --port P [--sockets N] [--from A] [--addresses K]
 *  [--seconds S]`: keeps N TCP connections open to 127.0.0.1:P that never send a byte
 * (the idle-socket flood of issue 9), from the K loopback addresses starting at A
 * (127.0.0.2 and up by default), and reopens each one as soon as the target closes it,
 * for S seconds or until SIGINT/SIGTERM. All N connect at once unless --connecting C
 * bounds the connects in progress (a socket counts as open once the kernel completed
 * its handshake, whether or not the target has accepted it yet). --bytes B sends the
 * first B bytes of a frame that never completes, instead of nothing. Every second it prints
 * one line: sockets open, opened and closed by the target in that second, connects that
 * failed. bench/flood.sh runs it beside a measured member.
 *
 * One libuv loop. The descriptor limit is raised to what N needs (setrlimit); the
 * hard limit of the shell must allow it.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "loadgen.h"

#define SOCKETS_MAX 100000u
#define ADDRESSES_MAX 250u

typedef struct fconn {
  uv_tcp_t tcp;
  uv_connect_t creq;
  struct flood *f;
  unsigned index;
  int state; /* 0 closed (waiting to be opened), 1 connecting, 2 open, 3 closing */
} fconn;

typedef struct flood {
  uv_loop_t loop;
  uv_timer_t tick, pump;
  uv_signal_t sigint, sigterm;
  fconn *c;
  unsigned n, addresses, connecting, open, next;
  unsigned connecting_max; /* connects in progress at once (default: all sockets) */
  unsigned bytes;          /* sent on each socket once connected (0: idle) */
  uint32_t from;           /* host order */
  uint16_t port;
  uv_write_t *wreq; /* one per socket, for the optional bytes */
  double seconds, elapsed;
  uint64_t opened, closed_by_target, failed; /* in the current second */
  uint64_t total_opened, total_closed, total_failed;
  int stopping;
} flood;

static char rbuf[256];

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  *buf = uv_buf_init(rbuf, sizeof rbuf);
}

static void open_some(flood *f);

static void on_closed(uv_handle_t *h) {
  fconn *c = h->data;
  c->state = 0;
  if (!c->f->stopping) open_some(c->f);
}

static void close_conn(fconn *c) {
  if (c->state == 2) c->f->open--;
  if (c->state == 1) c->f->connecting--;
  c->state = 3;
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  fconn *c = s->data;
  (void)buf;
  if (n >= 0) return; /* the target said something: it stays an idle socket */
  c->f->closed_by_target++;
  c->f->total_closed++;
  close_conn(c);
}

static void on_connect(uv_connect_t *req, int status) {
  fconn *c = req->data;
  flood *f = c->f;
  if (c->state != 1) return;
  f->connecting--;
  c->state = 2;
  f->open++;
  if (status < 0 || uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    f->failed++;
    f->total_failed++;
    close_conn(c);
    return;
  }
  f->opened++;
  f->total_opened++;
  /* The bytes, if any: the start of a frame that never completes (00 ff ...). */
  if (f->bytes > 0) {
    static char stall[8] = {0, (char)0xff, 1, 2, 3, 4, 5, 6};
    uv_buf_t b = uv_buf_init(stall, f->bytes);
    (void)uv_write(&f->wreq[c->index], (uv_stream_t *)&c->tcp, &b, 1, NULL);
  }
}

/* Start connects for closed sockets, round robin, up to connecting_max at once. */
static void open_some(flood *f) {
  for (unsigned tries = 0;
       tries < f->n && f->connecting < f->connecting_max && !f->stopping; tries++) {
    fconn *c = &f->c[f->next];
    struct sockaddr_in src, dst;
    f->next = (f->next + 1) % f->n;
    if (c->state != 0) continue;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    src.sin_family = dst.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(f->from + c->index % f->addresses);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dst.sin_port = htons(f->port);
    uv_tcp_init(&f->loop, &c->tcp);
    c->tcp.data = c->creq.data = c;
    c->state = 1;
    f->connecting++;
    if (uv_tcp_bind(&c->tcp, (const struct sockaddr *)&src, 0) != 0 ||
        uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&dst, on_connect) != 0) {
      f->failed++;
      f->total_failed++;
      close_conn(c);
      return; /* out of ports or descriptors for now: the pump tries again */
    }
  }
}

static void stop_all(flood *f) {
  if (f->stopping) return;
  f->stopping = 1;
  uv_timer_stop(&f->tick);
  uv_timer_stop(&f->pump);
  uv_close((uv_handle_t *)&f->tick, NULL);
  uv_close((uv_handle_t *)&f->pump, NULL);
  uv_close((uv_handle_t *)&f->sigint, NULL);
  uv_close((uv_handle_t *)&f->sigterm, NULL);
  for (unsigned i = 0; i < f->n; i++)
    if (f->c[i].state == 1 || f->c[i].state == 2) close_conn(&f->c[i]);
}

static void on_tick(uv_timer_t *t) {
  flood *f = t->data;
  f->elapsed += 1.0;
  printf("flood t=%.0f open=%u connecting=%u opened=%" PRIu64 " closed_by_target=%" PRIu64
         " failed=%" PRIu64 "\n",
         f->elapsed, f->open, f->connecting, f->opened, f->closed_by_target, f->failed);
  fflush(stdout);
  f->opened = f->closed_by_target = f->failed = 0;
  if (f->seconds > 0 && f->elapsed >= f->seconds) stop_all(f);
}

static void on_pump(uv_timer_t *t) {
  open_some(t->data);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  stop_all(h->data);
}

static int usage(void) {
  fprintf(stderr,
          "usage: rejsepost-loadgen flood --port P [--sockets N (1..%u)] "
          "[--from 127.0.0.2] [--addresses K (1..%u)] [--seconds S] "
          "[--connecting C (default N)] [--bytes B (0..8: stall after B bytes)]\n",
          SOCKETS_MAX, ADDRESSES_MAX);
  return 2;
}

/* Each socket is a descriptor here: lift the soft limit to what N needs. */
static int raise_nofile(unsigned n) {
  struct rlimit rl;
  rlim_t want = (rlim_t)n + 64u;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (rl.rlim_cur >= want) return 0;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
    fprintf(stderr,
            "flood: the hard descriptor limit %llu is below %llu (raise it with "
            "ulimit -Hn as root)\n",
            (unsigned long long)rl.rlim_max, (unsigned long long)want);
    return -1;
  }
  rl.rlim_cur = want;
  return setrlimit(RLIMIT_NOFILE, &rl);
}

int lg_flood_main(int argc, char **argv) {
  static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                       {"sockets", required_argument, NULL, 'n'},
                                       {"from", required_argument, NULL, 'f'},
                                       {"addresses", required_argument, NULL, 'a'},
                                       {"seconds", required_argument, NULL, 's'},
                                       {"connecting", required_argument, NULL, 'c'},
                                       {"bytes", required_argument, NULL, 'b'},
                                       {NULL, 0, NULL, 0}};
  flood *f = calloc(1, sizeof *f);
  struct in_addr from;
  long v;
  int c, rc = 2;

  if (f == NULL) return 1;
  f->n = 15000;
  f->addresses = 8;
  inet_pton(AF_INET, "127.0.0.2", &from);
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    v = optarg != NULL ? strtol(optarg, NULL, 10) : 0;
    if (c == 'p' && v > 0 && v < 65536)
      f->port = (uint16_t)v;
    else if (c == 'n' && v > 0 && v <= (long)SOCKETS_MAX)
      f->n = (unsigned)v;
    else if (c == 'a' && v > 0 && v <= (long)ADDRESSES_MAX)
      f->addresses = (unsigned)v;
    else if (c == 's' && v >= 0)
      f->seconds = (double)v;
    else if (c == 'c' && v > 0 && v <= (long)SOCKETS_MAX)
      f->connecting_max = (unsigned)v;
    else if (c == 'b' && v >= 0 && v <= 8)
      f->bytes = (unsigned)v;
    else if (c == 'f' && inet_pton(AF_INET, optarg, &from) == 1) {
    } else {
      free(f);
      return usage();
    }
  }
  f->from = ntohl(from.s_addr);
  if (f->connecting_max == 0 || f->connecting_max > f->n) f->connecting_max = f->n;
  /* Loopback only: this opens sockets as fast as the target closes them. */
  if (f->port == 0 || (f->from >> 24) != 127 ||
      ((f->from + f->addresses - 1) >> 24) != 127) {
    free(f);
    return usage();
  }
  if (raise_nofile(f->n) != 0 || (f->c = calloc(f->n, sizeof *f->c)) == NULL ||
      (f->wreq = calloc(f->n, sizeof *f->wreq)) == NULL) {
    rc = 1;
    goto out;
  }
  for (unsigned i = 0; i < f->n; i++) {
    f->c[i].f = f;
    f->c[i].index = i;
  }
  signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&f->loop);
  uv_timer_init(&f->loop, &f->tick);
  uv_timer_init(&f->loop, &f->pump);
  uv_signal_init(&f->loop, &f->sigint);
  uv_signal_init(&f->loop, &f->sigterm);
  f->tick.data = f->pump.data = f->sigint.data = f->sigterm.data = f;
  uv_signal_start(&f->sigint, on_signal, SIGINT);
  uv_signal_start(&f->sigterm, on_signal, SIGTERM);
  uv_timer_start(&f->tick, on_tick, 1000, 1000);
  /* Closed sockets reopen from their close callbacks; the pump retries those whose
   * connect could not even start (ports or descriptors short for a moment). */
  uv_timer_start(&f->pump, on_pump, 10, 10);
  open_some(f);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  printf("flood done: opened %" PRIu64 ", closed by the target %" PRIu64
         ", failed connects %" PRIu64 "\n",
         f->total_opened, f->total_closed, f->total_failed);
  uv_loop_close(&f->loop);
  rc = 0;
out:
  free(f->wreq);
  free(f->c);
  free(f);
  return rc;
}
